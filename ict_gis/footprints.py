"""Coverage footprints of BTS stations: omni circles, sector wedges, path-loss radii.

A footprint is the area a station serves with one technology. Three models:

``circle``
    An omni circle whose radius depends on the technology, the band and the
    environment (urban, suburban, rural): :data:`DEFAULT_RADII_M`, overridable
    per technology, band and environment (:class:`FootprintModel` ``radii``,
    ``--radius 4G=2500`` on the command line, ``[radii]`` in a TOML file).
``sector``
    One wedge per azimuth of ``azimuths_deg`` (beamwidth 65° by default) with
    the same radius; stations without azimuths keep their circle.
``hata``
    An omni circle whose radius is the distance at which the path loss of the
    Okumura-Hata model (150-1500 MHz) or of its COST-231 extension (above
    1500 MHz) uses up the station's link budget (:class:`LinkBudget`), bounded
    by the free-space radius and by :data:`MAX_RADIUS_M`.

Circles and wedges are polygons. A polygon inscribed in a circle is smaller
than the circle (16 segments per quarter lose 0.16 % of the area, 8 lose
0.64 %), so every polygon is drawn with a slightly larger radius that gives it
exactly the area of the true circle or wedge (:func:`area_corrected_radius`).

Distances are metres in the CRS the footprints are built in; build them in the
equal-area CRS of :func:`ict_gis.units.metric_crs`, where a circle of radius
``r`` has the true area ``pi * r**2`` on the ground.

References
----------
.. [1] M. Hata, "Empirical formula for propagation loss in land mobile radio
   services", IEEE Trans. Veh. Technol. 29(3), 317-325, 1980.
.. [2] COST Action 231, "Digital mobile radio towards future generation systems",
   final report, EUR 18957, 1999, section 4.4.1 (COST-Hata model).
.. [3] ERC Report 68 / SEAMCAT "extended Hata" model: the suburban and open-area
   corrections of [1] applied above 1500 MHz with the frequency capped at 2000 MHz.
.. [4] ITU-R P.525, free-space attenuation.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ict_gis.errors import FootprintError
from ict_gis.schema import split_list
from ict_gis.settings import FOOTPRINT_MODELS, TECHNOLOGIES

__all__ = [
    "BANDS_MHZ",
    "CITY_SIZES",
    "DEFAULT_LINKS",
    "DEFAULT_RADII_M",
    "ENVIRONMENTS",
    "FOOTPRINT_MODELS",
    "FootprintError",
    "FootprintModel",
    "LinkBudget",
    "MAX_RADIUS_M",
    "UNIT_TYPE_ENVIRONMENTS",
    "area_corrected_radius",
    "environments_from_units",
    "footprint_shapes",
    "footprints",
    "free_space_loss_db",
    "hata_loss_db",
    "hata_radius_m",
    "parse_radius_key",
    "resolve_model",
]

Environment = Literal["urban", "suburban", "rural"]

#: Environments a radius depends on ("rural" is Hata's "open area").
ENVIRONMENTS: tuple[str, ...] = ("urban", "suburban", "rural")

#: City sizes of the Hata mobile-antenna correction (and COST-231's C_m).
CITY_SIZES: tuple[str, ...] = ("medium", "large")

#: Bands (MHz) of each technology in Viet Nam, the default band first. A
#: station's ``band_mhz`` is used for a technology only when it is one of that
#: technology's bands (a station lists one band for all its technologies).
BANDS_MHZ: dict[str, tuple[float, ...]] = {
    "2G": (900.0, 1800.0),
    "3G": (2100.0,),
    "4G": (1800.0, 700.0, 2100.0, 2600.0),
    "5G": (3500.0, 2600.0, 3700.0),
}

#: Base-station antenna height (m) used when a station has no ``height_m``.
DEFAULT_BASE_HEIGHT_M: float = 30.0
#: Mobile antenna height (m): a handset held outdoors.
DEFAULT_MOBILE_HEIGHT_M: float = 1.5
#: Largest radius (m) any model gives: the upper end of the distance range the
#: Hata model was fitted on (1-20 km).
MAX_RADIUS_M: float = 20_000.0
#: Default environment of a station when neither it nor its unit tells.
DEFAULT_ENVIRONMENT: str = "suburban"

#: Environment of a station from the type of the administrative unit it is in
#: (``unit_type`` of the unit layer, compared case-insensitively). Rural
#: districts and communes are "suburban": villages with houses and trees, as
#: in the Red River delta, are not Hata's "open area" (open fields, no
#: obstacles), which is only used when asked for explicitly.
UNIT_TYPE_ENVIRONMENTS: dict[str, str] = {
    "thành phố": "urban",
    "quận": "urban",
    "phường": "urban",
    "thị xã": "suburban",
    "thị trấn": "suburban",
    "huyện": "suburban",
    "xã": "suburban",
    "đặc khu": "suburban",
}


@dataclass(frozen=True)
class LinkBudget:
    """What a station sends and what a handset needs, for a path-loss radius.

    The largest path loss a station can afford is
    ``eirp_dbm - reference_offset_db - threshold_dbm``.

    Parameters
    ----------
    eirp_dbm
        Total EIRP of the carrier (transmitter power + antenna gain - feeder
        loss). A station's own ``eirp_dbm`` replaces it.
    reference_offset_db
        dB between the total EIRP and the power of the signal the threshold is
        measured on: 0 for the 2G BCCH carrier, 10 for the 3G CPICH (10 % of
        the power), 10·log10(1200) = 30.8 for the 4G reference signal of a
        20 MHz carrier (RSRP is per resource element), 10·log10(3276) = 35.2
        for the 5G SS-RSRP of a 100 MHz carrier at 30 kHz spacing.
    threshold_dbm
        Signal level a handset needs outdoors (RxLev, RSCP, RSRP, SS-RSRP).
    """

    eirp_dbm: float
    reference_offset_db: float
    threshold_dbm: float

    @property
    def max_path_loss_db(self) -> float:
        """Largest path loss (dB) at which the threshold is still met."""
        return self.eirp_dbm - self.reference_offset_db - self.threshold_dbm


#: Default link budgets: typical macro-cell values (43-46 dBm transmitters,
#: 15 dBi antennas, 3 dB feeder loss; 5G with a 24 dBi beam-forming gain).
#: The 4G threshold -105 dBm RSRP is Ofcom's for good outdoor 4G coverage
#: (Connected Nations methodology); the 2G, 3G and 5G thresholds are this
#: project's assumptions. Replace them with the operators' link budgets.
DEFAULT_LINKS: dict[str, LinkBudget] = {
    "2G": LinkBudget(eirp_dbm=55.0, reference_offset_db=0.0, threshold_dbm=-90.0),
    "3G": LinkBudget(eirp_dbm=58.0, reference_offset_db=10.0, threshold_dbm=-100.0),
    "4G": LinkBudget(eirp_dbm=58.0, reference_offset_db=30.8, threshold_dbm=-105.0),
    "5G": LinkBudget(eirp_dbm=70.0, reference_offset_db=35.2, threshold_dbm=-105.0),
}

#: Default radii (m) of the circle and sector models, per (technology, band MHz):
#: (urban, suburban, rural). Source: :func:`hata_radius_m` for the
#: :data:`DEFAULT_LINKS` budgets, a 30 m base station, a 1.5 m handset and a
#: medium-sized city, rounded to 50 m and capped at :data:`MAX_RADIUS_M`
#: (``tests/test_footprints.py`` recomputes them). Flat-terrain values for a
#: delta province such as Nam Định; override them where hills or operators'
#: drive tests say otherwise.
DEFAULT_RADII_M: dict[tuple[str, float], tuple[float, float, float]] = {
    ("2G", 900.0): (3350.0, 6450.0, 20000.0),
    ("2G", 1800.0): (1800.0, 3900.0, 14350.0),
    ("3G", 2100.0): (1850.0, 4150.0, 15650.0),
    ("4G", 700.0): (1750.0, 3250.0, 10600.0),
    ("4G", 1800.0): (750.0, 1700.0, 6200.0),
    ("4G", 2100.0): (650.0, 1500.0, 5550.0),
    ("4G", 2600.0): (550.0, 1200.0, 4550.0),
    ("5G", 2600.0): (900.0, 2000.0, 7450.0),
    ("5G", 3500.0): (650.0, 1500.0, 5600.0),
    ("5G", 3700.0): (650.0, 1400.0, 5300.0),
}

_SPEED_OF_LIGHT = 299_792_458.0


# --------------------------------------------------------------------------- path loss


def free_space_loss_db(distance_m: float | np.ndarray, frequency_mhz: float | np.ndarray):
    """Free-space path loss ``20·log10(4·pi·d·f / c)`` in dB (ITU-R P.525).

    Parameters
    ----------
    distance_m
        Distance(s) in metres (> 0).
    frequency_mhz
        Frequency in MHz (> 0).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(free_space_loss_db(1000, 900), 2)
    91.53
    """
    d = np.asarray(distance_m, dtype=float)
    f = np.asarray(frequency_mhz, dtype=float) * 1e6
    loss = 20 * np.log10(4 * math.pi * d * f / _SPEED_OF_LIGHT)
    return float(loss) if loss.ndim == 0 else loss


def _hata_terms(frequency_mhz, base_height_m, mobile_height_m, environment, city_size):
    """Return ``(A, B)`` with Hata loss ``A + B·log10(d_km)`` in dB."""
    f = np.asarray(frequency_mhz, dtype=float)
    hb = np.asarray(base_height_m, dtype=float)
    hm = np.asarray(mobile_height_m, dtype=float)
    if np.any(f <= 0) or np.any(hb <= 0) or np.any(hm <= 0):
        raise FootprintError("Frequency and antenna heights must be positive.")
    env = "rural" if environment == "open" else environment
    if env not in ENVIRONMENTS:
        raise FootprintError(
            f"Unknown environment {environment!r}; use one of {', '.join(ENVIRONMENTS)}."
        )
    if city_size not in CITY_SIZES:
        raise FootprintError(
            f"Unknown city size {city_size!r}; use one of {', '.join(CITY_SIZES)}."
        )
    lf = np.log10(f)
    if city_size == "large":
        # Hata [1]: large city, f >= 300 MHz (f < 300: 8.29 (log 1.54 hm)^2 - 1.1).
        a_hm = np.where(
            f >= 300,
            3.2 * np.log10(11.75 * hm) ** 2 - 4.97,
            8.29 * np.log10(1.54 * hm) ** 2 - 1.1,
        )
    else:
        a_hm = (1.1 * lf - 0.7) * hm - (1.56 * lf - 0.8)
    okumura = 69.55 + 26.16 * lf
    # COST-231 [2]: C_m = 3 dB in metropolitan centres, 0 in medium cities.
    cost = 46.3 + 33.9 * lf + (3.0 if city_size == "large" else 0.0)
    a = np.where(f <= 1500, okumura, cost) - 13.82 * np.log10(hb) - a_hm
    fc = np.clip(f, 150.0, 2000.0)  # [3]: corrections with f capped at 2000 MHz
    if env == "suburban":
        a = a - 2 * np.log10(fc / 28) ** 2 - 5.4
    elif env == "rural":
        a = a - 4.78 * np.log10(fc) ** 2 + 18.33 * np.log10(fc) - 40.94
    b = 44.9 - 6.55 * np.log10(hb)
    return a, b


def hata_loss_db(
    distance_m: float | np.ndarray,
    frequency_mhz: float | np.ndarray,
    *,
    base_height_m: float | np.ndarray = DEFAULT_BASE_HEIGHT_M,
    mobile_height_m: float | np.ndarray = DEFAULT_MOBILE_HEIGHT_M,
    environment: str = "urban",
    city_size: str = "medium",
):
    """Median path loss (dB) of the Okumura-Hata / COST-231 Hata model.

    Okumura-Hata [1] up to 1500 MHz, COST-231 Hata [2] above. ``urban`` is the
    model's urban formula (COST-231 with ``C_m`` = 3 dB for a large city, 0 for
    a medium one); ``suburban`` and ``rural`` (open area) subtract Hata's
    corrections, with the frequency capped at 2000 MHz in them above 1500 MHz
    as in the extended Hata model of ERC Report 68 [3]. The models were fitted
    for 150-2000 MHz, 1-20 km, base stations 30-200 m and handsets 1-10 m;
    outside these ranges (5G bands, short distances) the formulas are
    extrapolated.

    Parameters
    ----------
    distance_m
        Distance(s) in metres (> 0).
    frequency_mhz
        Carrier frequency in MHz.
    base_height_m
        Base-station antenna height above ground.
    mobile_height_m
        Handset antenna height above ground.
    environment
        ``urban``, ``suburban`` or ``rural`` (``open`` is accepted).
    city_size
        ``medium`` (small and medium cities) or ``large``.

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    FootprintError
        For an unknown environment or city size, or a non-positive input.

    Examples
    --------
    >>> round(hata_loss_db(2000, 869, base_height_m=30, mobile_height_m=1), 2)
    137.88
    """
    d = np.asarray(distance_m, dtype=float)
    if np.any(d <= 0):
        raise FootprintError("Distances must be positive.")
    a, b = _hata_terms(frequency_mhz, base_height_m, mobile_height_m, environment, city_size)
    loss = a + b * np.log10(d / 1000.0)
    return float(loss) if np.ndim(loss) == 0 else loss


def hata_radius_m(
    max_path_loss_db: float | np.ndarray,
    frequency_mhz: float | np.ndarray,
    *,
    base_height_m: float | np.ndarray = DEFAULT_BASE_HEIGHT_M,
    mobile_height_m: float | np.ndarray = DEFAULT_MOBILE_HEIGHT_M,
    environment: str = "urban",
    city_size: str = "medium",
    max_radius_m: float = MAX_RADIUS_M,
):
    """Distance (m) at which the Hata path loss reaches ``max_path_loss_db``.

    The radius is bounded above by the free-space radius (no model may lose
    less than free space) and by ``max_radius_m``.

    Parameters
    ----------
    max_path_loss_db
        The link budget's largest path loss (:attr:`LinkBudget.max_path_loss_db`).
    frequency_mhz, base_height_m, mobile_height_m, environment, city_size
        As for :func:`hata_loss_db`.
    max_radius_m
        Upper bound of the radius.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> r = hata_radius_m(137.88, 869, base_height_m=30, mobile_height_m=1)
    >>> round(r)
    2000
    """
    a, b = _hata_terms(frequency_mhz, base_height_m, mobile_height_m, environment, city_size)
    loss = np.asarray(max_path_loss_db, dtype=float)
    radius = 1000.0 * 10 ** ((loss - a) / b)
    f_hz = np.asarray(frequency_mhz, dtype=float) * 1e6
    free_space = 10 ** (loss / 20) * _SPEED_OF_LIGHT / (4 * math.pi * f_hz)
    radius = np.minimum(np.minimum(radius, free_space), max_radius_m)
    return float(radius) if np.ndim(radius) == 0 else radius


# --------------------------------------------------------------------------- polygons


def area_corrected_radius(radius: float | np.ndarray, segments: int, angle: float = 2 * math.pi):
    """Radius of a polygonal arc that has the area of the true circle or wedge.

    A fan of ``segments`` equal chords spanning ``angle`` radians, its vertices
    on a circle of radius ``R``, has area ``R²·segments·sin(angle/segments)/2``;
    the true sector has ``r²·angle/2``. The returned ``R`` makes them equal.

    Parameters
    ----------
    radius
        True radius ``r``.
    segments
        Number of chords on the arc (a full circle with 16 segments per quarter
        has 64).
    angle
        Angle spanned by the arc in radians (``2·pi`` for a circle).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(area_corrected_radius(1000.0, 64), 3)
    1000.804
    """
    factor = math.sqrt(angle / (segments * math.sin(angle / segments)))
    return radius * factor


def _circles(x: np.ndarray, y: np.ndarray, radius: np.ndarray, quad_segs: int) -> np.ndarray:
    """Regular polygons of ``4 * quad_segs`` sides, area-corrected, as GEOS buffers points.

    The vertices are those of ``shapely.buffer(point, r, quad_segs)`` (from
    angle 0, clockwise), computed with numpy: a third quicker than buffering.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    sides = 4 * quad_segs
    r = area_corrected_radius(np.asarray(radius, dtype=float), sides)
    angle = -np.arange(sides + 1) * (2.0 * np.pi / sides)
    cos, sin = np.cos(angle), np.sin(angle)
    cos[-1], sin[-1] = 1.0, 0.0  # closed exactly
    ring = np.empty((len(x), sides + 1, 2))
    ring[:, :, 0] = x[:, None] + r[:, None] * cos
    ring[:, :, 1] = y[:, None] + r[:, None] * sin
    degenerate = ~(r > 0) | ~np.isfinite(ring).all(axis=(1, 2))
    ring[degenerate] = 0.0
    circles = shapely.polygons(ring)
    circles[degenerate] = shapely.Polygon()  # as a buffer of radius 0 (or of no point)
    return circles


def _arc_segments(beamwidth_deg: float, quad_segs: int) -> int:
    return max(2, math.ceil(quad_segs * beamwidth_deg / 90.0))


def _wedges(
    x: np.ndarray,
    y: np.ndarray,
    radius: np.ndarray,
    azimuth_deg: np.ndarray,
    beamwidth_deg: float,
    quad_segs: int,
) -> np.ndarray:
    """Wedges with apex at (x, y), centred on a compass azimuth (0 = north, clockwise)."""
    m = _arc_segments(beamwidth_deg, quad_segs)
    theta = math.radians(beamwidth_deg)
    r = area_corrected_radius(np.asarray(radius, dtype=float), m, theta)
    start = np.radians(azimuth_deg) - theta / 2
    steps = start[:, None] + np.linspace(0.0, theta, m + 1)[None, :]
    ring = np.empty((len(x), m + 3, 2))
    ring[:, 0, 0], ring[:, 0, 1] = x, y
    ring[:, 1 : m + 2, 0] = x[:, None] + r[:, None] * np.sin(steps)
    ring[:, 1 : m + 2, 1] = y[:, None] + r[:, None] * np.cos(steps)
    ring[:, m + 2] = ring[:, 0]
    return shapely.polygons(ring)


# --------------------------------------------------------------------------- the model


_RADIUS_KEY = re.compile(
    r"^\s*(?P<tech>[0-9][A-Za-z])\s*(?:@\s*(?P<band>[0-9]+(?:\.[0-9]+)?)\s*)?"
    r"(?::\s*(?P<env>[A-Za-z]+)\s*)?$"
)


def parse_radius_key(key: str) -> tuple[str, float | None, str | None]:
    """Split a radius key ``TECH[@BAND][:ENVIRONMENT]`` into its parts.

    Parameters
    ----------
    key
        For example ``"4G"``, ``"4G@700"``, ``"2G:rural"``, ``"4G@1800:urban"``.

    Returns
    -------
    tuple of (str, float or None, str or None)
        Technology, band in MHz, environment.

    Raises
    ------
    FootprintError
        If the key is malformed or names an unknown technology or environment.

    Examples
    --------
    >>> parse_radius_key("4g@700:Urban")
    ('4G', 700.0, 'urban')
    """
    match = _RADIUS_KEY.match(str(key))
    if not match:
        raise FootprintError(
            f"Radius key {key!r} is not TECH[@BAND][:ENVIRONMENT], e.g. 4G, 4G@700, 2G:rural."
        )
    tech = match["tech"].upper()
    if tech not in TECHNOLOGIES:
        raise FootprintError(
            f"Radius key {key!r}: unknown technology {tech!r}; use one of "
            f"{', '.join(TECHNOLOGIES)}."
        )
    band = float(match["band"]) if match["band"] else None
    env = match["env"].lower() if match["env"] else None
    if env == "open":
        env = "rural"
    if env is not None and env not in ENVIRONMENTS:
        raise FootprintError(
            f"Radius key {key!r}: unknown environment {env!r}; use one of "
            f"{', '.join(ENVIRONMENTS)}."
        )
    return tech, band, env


@dataclass(frozen=True)
class FootprintModel:
    """How footprints are drawn: the model, its radii and its parameters.

    Parameters
    ----------
    kind
        ``circle``, ``sector`` or ``hata`` (see the module docstring).
    radii
        Radius overrides in metres, keyed ``TECH[@BAND][:ENVIRONMENT]``
        (``{"4G": 2500, "2G:rural": 8000}``). The most specific key that
        matches a station wins; an override applies to every model, ``hata``
        included.
    environment
        Environment of every station; ``None`` takes it from the station's
        ``environment`` column, else from the type of the unit it is in (see
        :data:`UNIT_TYPE_ENVIRONMENTS`), else ``suburban``.
    beamwidth_deg
        Horizontal beamwidth of a sector (``sector`` model).
    quad_segs
        Polygon segments per quarter circle.
    mobile_height_m
        Handset height (``hata`` model).
    city_size
        ``medium`` or ``large`` (``hata`` model).
    links
        Link budgets per technology (``hata`` model); missing technologies
        take :data:`DEFAULT_LINKS`.
    max_radius_m
        Upper bound of every radius.

    Examples
    --------
    >>> FootprintModel().radius_m("4G", environment="urban")
    750.0
    >>> FootprintModel(radii={"4G": 2500}).radius_m("4G", environment="urban")
    2500.0
    """

    kind: str = "circle"
    radii: Mapping[str, float] = field(default_factory=dict)
    environment: str | None = None
    beamwidth_deg: float = 65.0
    quad_segs: int = 8
    mobile_height_m: float = DEFAULT_MOBILE_HEIGHT_M
    city_size: str = "medium"
    links: Mapping[str, LinkBudget] = field(default_factory=dict)
    max_radius_m: float = MAX_RADIUS_M

    def __post_init__(self) -> None:
        if self.kind not in FOOTPRINT_MODELS:
            raise FootprintError(
                f"Unknown footprint model {self.kind!r}; use one of {', '.join(FOOTPRINT_MODELS)}."
            )
        if self.environment is not None:
            env = "rural" if self.environment == "open" else self.environment
            if env not in ENVIRONMENTS:
                raise FootprintError(
                    f"Unknown environment {self.environment!r}; use one of "
                    f"{', '.join(ENVIRONMENTS)}."
                )
            object.__setattr__(self, "environment", env)
        if self.city_size not in CITY_SIZES:
            raise FootprintError(
                f"Unknown city size {self.city_size!r}; use one of {', '.join(CITY_SIZES)}."
            )
        if not 0 < self.beamwidth_deg <= 360:
            raise FootprintError(
                f"Beamwidth {self.beamwidth_deg!r}° must be in (0, 360]; sectors are usually 65°."
            )
        if int(self.quad_segs) != self.quad_segs or self.quad_segs < 1:
            raise FootprintError(
                f"quad_segs must be a positive whole number, not {self.quad_segs}."
            )
        if not self.max_radius_m > 0:
            raise FootprintError("max_radius_m must be positive.")
        if self.mobile_height_m <= 0:
            raise FootprintError("mobile_height_m must be positive.")
        parsed: dict[tuple[str, float | None, str | None], float] = {}
        for key, value in dict(self.radii).items():
            parsed[parse_radius_key(key)] = _positive_radius(key, value)
        object.__setattr__(self, "_overrides", parsed)
        links = {}
        for tech, link in dict(self.links).items():
            if tech not in TECHNOLOGIES:
                raise FootprintError(f"Link budget for unknown technology {tech!r}.")
            if not isinstance(link, LinkBudget):
                raise FootprintError(f"The link budget of {tech} must be a LinkBudget.")
            links[tech] = link
        object.__setattr__(self, "links", links)
        object.__setattr__(self, "radii", dict(self.radii))

    def replace(self, **changes: object) -> FootprintModel:
        """Return a copy with some fields changed (``radii`` are merged, not replaced)."""
        if "radii" in changes:
            changes["radii"] = {**self.radii, **dict(changes["radii"])}  # type: ignore[arg-type]
        if "links" in changes:
            changes["links"] = {**self.links, **dict(changes["links"])}  # type: ignore[arg-type]
        return dataclasses.replace(self, **changes)

    def link(self, tech: str) -> LinkBudget:
        """Return the link budget of ``tech``."""
        return self.links.get(tech, DEFAULT_LINKS[tech])

    def band_for(self, tech: str, band_mhz: float | None = None) -> float:
        """Return the band of ``tech`` to use for a station listing ``band_mhz``."""
        bands = BANDS_MHZ[tech]
        if band_mhz is not None and not pd.isna(band_mhz) and float(band_mhz) in bands:
            return float(band_mhz)
        return bands[0]

    def _override(self, tech: str, band: float, env: str) -> float | None:
        table: dict = self._overrides  # type: ignore[attr-defined]
        for key in ((tech, band, env), (tech, band, None), (tech, None, env), (tech, None, None)):
            if key in table:
                return table[key]
        return None

    def radius_m(
        self,
        tech: str,
        *,
        band_mhz: float | None = None,
        environment: str | None = None,
        height_m: float | None = None,
        eirp_dbm: float | None = None,
    ) -> float:
        """Radius (m) of one station's footprint.

        Parameters
        ----------
        tech
            Technology (``2G`` ... ``5G``).
        band_mhz
            The station's band; ignored when it is not a band of ``tech``.
        environment
            ``urban``, ``suburban`` or ``rural``; ``None`` uses the model's
            environment or ``suburban``.
        height_m, eirp_dbm
            The station's antenna height and EIRP (``hata`` model only).

        Returns
        -------
        float
        """
        return float(
            self.radii_m(
                tech,
                band_mhz=np.array([np.nan if band_mhz is None else band_mhz]),
                environment=np.array([environment or self.environment or DEFAULT_ENVIRONMENT]),
                height_m=np.array([np.nan if height_m is None else height_m]),
                eirp_dbm=np.array([np.nan if eirp_dbm is None else eirp_dbm]),
            )[0]
        )

    def radii_m(
        self,
        tech: str,
        *,
        band_mhz: np.ndarray,
        environment: np.ndarray,
        height_m: np.ndarray | None = None,
        eirp_dbm: np.ndarray | None = None,
    ) -> np.ndarray:
        """Radii (m) of many stations at once (arrays of equal length, NaN = unknown)."""
        if tech not in TECHNOLOGIES:
            raise FootprintError(
                f"Unknown technology {tech!r}; use one of {', '.join(TECHNOLOGIES)}."
            )
        n = len(environment)
        bands = self._bands_for(tech, np.asarray(band_mhz, dtype=float))
        envs = np.asarray(environment, dtype=object)
        out = np.full(n, np.nan)
        if self.kind == "hata":
            link = self.link(tech)
            heights = (
                np.full(n, DEFAULT_BASE_HEIGHT_M) if height_m is None else height_m.astype(float)
            )
            heights = np.where(np.isfinite(heights) & (heights > 0), heights, DEFAULT_BASE_HEIGHT_M)
            eirp = np.full(n, np.nan) if eirp_dbm is None else eirp_dbm.astype(float)
            eirp = np.where(np.isfinite(eirp), eirp, link.eirp_dbm)
            loss = eirp - link.reference_offset_db - link.threshold_dbm
            for env in ENVIRONMENTS:
                sel = envs == env
                if sel.any():
                    out[sel] = hata_radius_m(
                        loss[sel],
                        bands[sel],
                        base_height_m=heights[sel],
                        mobile_height_m=self.mobile_height_m,
                        environment=env,
                        city_size=self.city_size,
                        max_radius_m=self.max_radius_m,
                    )
        # Each distinct (band, environment) once.
        combos, which = _combinations(bands, envs)
        if self.kind != "hata":
            table = np.array([DEFAULT_RADII_M[(tech, b)][ENVIRONMENTS.index(e)] for b, e in combos])
            out = table[which] if n else out
        if self._overrides:  # type: ignore[attr-defined]
            found_values = (self._override(tech, b, e) for b, e in combos)
            values = np.array([np.nan if v is None else v for v in found_values], dtype=float)
            if n:
                found = np.isfinite(values[which])
                out[found] = values[which][found]
        return np.minimum(out, self.max_radius_m)

    def _bands_for(self, tech: str, band_mhz: np.ndarray) -> np.ndarray:
        """:meth:`band_for` of many stations (each distinct value once)."""
        values, inverse = np.unique(np.asarray(band_mhz, dtype=float), return_inverse=True)
        bands = np.array([self.band_for(tech, b) for b in values], dtype=float)
        return bands[inverse.reshape(-1)] if len(band_mhz) else np.empty(0)


def _positive_radius(key: str, value: object) -> float:
    try:
        radius = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FootprintError(f"Radius {key}={value!r} is not a number of metres.") from None
    if not math.isfinite(radius) or radius <= 0:
        raise FootprintError(f"Radius {key}={value!r} must be a positive number of metres.")
    return radius


def resolve_model(model: FootprintModel | str | None = None, **changes: object) -> FootprintModel:
    """Turn ``"circle"``/``"sector"``/``"hata"``, a model or ``None`` into a model.

    Parameters
    ----------
    model
        A :class:`FootprintModel`, a model kind, or ``None`` (the default circle).
    **changes
        Fields to change (``radii`` are merged into the model's).

    Returns
    -------
    FootprintModel
    """
    if model is None:
        base = FootprintModel()
    elif isinstance(model, FootprintModel):
        base = model
    elif isinstance(model, str):
        base = FootprintModel(kind=model)
    else:
        raise FootprintError(f"model must be a FootprintModel or one of {FOOTPRINT_MODELS}.")
    changes = {k: v for k, v in changes.items() if v is not None}
    return base.replace(**changes) if changes else base


# --------------------------------------------------------------------------- footprints


def environments_from_units(stations: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.Series:
    """Environment of each station from the ``unit_type`` of the unit it is in.

    Parameters
    ----------
    stations
        Station points.
    units
        Units with ``code`` (column or index) and ``unit_type``.

    Returns
    -------
    pandas.Series
        ``urban``/``suburban``/``rural`` per station, ``None`` where the unit
        or its type is unknown (see :data:`UNIT_TYPE_ENVIRONMENTS`).
    """
    from ict_gis.units import assign_units

    out = pd.Series([None] * len(stations), index=stations.index, dtype=object)
    if "unit_type" not in units.columns or stations.empty:
        return out
    codes = assign_units(stations, units)
    unit_codes = (
        units["code"] if "code" in units.columns else pd.Series(units.index, index=units.index)
    )
    types = dict(zip(unit_codes.astype(str), units["unit_type"], strict=True))
    for idx, code in codes.items():
        unit_type = types.get(code) if isinstance(code, str) else None
        if isinstance(unit_type, str):
            out[idx] = UNIT_TYPE_ENVIRONMENTS.get(unit_type.strip().lower())
    return out


def _combinations(bands: np.ndarray, envs: np.ndarray) -> tuple[list, np.ndarray]:
    """Distinct (band, environment) pairs and the position of each row's pair."""
    env_codes, env_names = pd.factorize(pd.Series(envs, dtype=object), use_na_sentinel=False)
    band_values, band_codes = np.unique(np.asarray(bands, dtype=float), return_inverse=True)
    key = band_codes.reshape(-1).astype(np.int64) * max(len(env_names), 1) + env_codes
    keys, which = np.unique(key, return_inverse=True)
    n_env = max(len(env_names), 1)
    combos = [(float(band_values[k // n_env]), env_names[int(k % n_env)]) for k in keys]
    return combos, which.reshape(-1)


def _xy_in_crs(points: gpd.GeoSeries, crs: pyproj.CRS | str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of ``points`` in ``crs`` (NaN where a point is missing or empty)."""
    arr = np.asarray(points.values, dtype=object)
    if not len(arr):
        return np.empty(0), np.empty(0)
    kinds = shapely.get_type_id(arr)
    if points.crs is None or not ((kinds == 0) | (kinds == -1)).all() or shapely.has_z(arr).any():
        arr = np.asarray(_points_to_crs(points, crs).values, dtype=object)
        return shapely.get_x(arr), shapely.get_y(arr)
    x, y = shapely.get_x(arr), shapely.get_y(arr)
    target = pyproj.CRS.from_user_input(crs)
    if points.crs == target:
        return x, y
    transformer = pyproj.Transformer.from_crs(points.crs, target, always_xy=True)
    tx, ty = transformer.transform(x, y)
    tx, ty = np.asarray(tx, dtype=float), np.asarray(ty, dtype=float)
    missing = np.isnan(x) | np.isnan(y)
    tx[missing] = np.nan
    ty[missing] = np.nan
    return tx, ty


def _points_to_crs(points: gpd.GeoSeries, crs: pyproj.CRS | str) -> gpd.GeoSeries:
    """``points.to_crs(crs)`` for points, without rebuilding unchanged ones.

    Transforms the coordinates arrays at once (several times faster than
    GeoPandas for many points); other geometries go through GeoPandas.
    """
    if points.crs is None or not len(points):
        return points
    target = pyproj.CRS.from_user_input(crs)
    if points.crs == target:
        return points
    arr = np.asarray(points.values, dtype=object)
    kinds = shapely.get_type_id(arr)
    if not (kinds == 0).all() or shapely.has_z(arr).any():
        return points.to_crs(target)
    transformer = pyproj.Transformer.from_crs(points.crs, target, always_xy=True)
    tx, ty = transformer.transform(shapely.get_x(arr), shapely.get_y(arr))
    out = shapely.points(tx, ty)
    empty = shapely.is_empty(arr)
    out[empty] = arr[empty]
    return gpd.GeoSeries(out, index=points.index, crs=target)


def _column(frame: pd.DataFrame, name: str, dtype: type = float) -> np.ndarray:
    if name in frame.columns:
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    return np.full(len(frame), np.nan)


def footprints(
    stations: gpd.GeoDataFrame,
    *,
    tech: str,
    model: FootprintModel | str | None = None,
    crs: pyproj.CRS | str | None = None,
    environment: pd.Series | str | None = None,
    _xy: tuple[np.ndarray, np.ndarray] | None = None,
) -> gpd.GeoDataFrame:
    """Footprint polygons of ``stations`` for one technology.

    Every station given is drawn: select the stations on air with that
    technology first (:func:`ict_gis.metrics.coverage.radiating_stations`).

    Parameters
    ----------
    stations
        Station points with ``site_id`` and ``operator``; optional
        ``azimuths_deg``, ``band_mhz``, ``height_m``, ``eirp_dbm``,
        ``environment``. Not modified.
    tech
        Technology the footprints are for.
    model
        A :class:`FootprintModel` or a model kind; ``None`` is the circle model.
    crs
        CRS to draw in (metres); default :func:`ict_gis.units.metric_crs` of
        the stations.
    environment
        Environment of every station (a text), or per station (a Series with
        the stations' index, ``None`` where unknown). It is used where the
        model has no fixed environment; stations left without one take their
        ``environment`` column, else ``suburban``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per circle or sector: ``site_id``, ``operator``, ``tech``,
        ``band_mhz``, ``environment``, ``radius_m`` (the true radius),
        ``azimuth_deg`` (NaN for a circle), ``beamwidth_deg`` and the polygon
        (area-corrected) in ``crs``. The index repeats the station's index
        for each of its sectors.

    Raises
    ------
    FootprintError
        If the model or a station's values cannot be used.
    """
    from ict_gis.units import metric_crs

    model = resolve_model(model)
    if crs is None:
        crs = metric_crs(stations) if len(stations) else "EPSG:3857"
    # (``_xy``: the caller has the coordinates in ``crs`` already.)
    x, y = _xy if _xy is not None else _xy_in_crs(stations.geometry, crs)
    columns, rows = footprint_shapes(stations, tech=tech, model=model, environment=environment)
    radius, azimuth = columns["radius_m"], columns["azimuth_deg"]
    omni = np.isnan(azimuth)
    geoms = np.empty(len(rows), dtype=object)
    if omni.any():
        r = rows[omni]
        geoms[omni] = _circles(x[r], y[r], radius[omni], model.quad_segs)
    if (~omni).any():
        r = rows[~omni]
        geoms[~omni] = _wedges(
            x[r], y[r], radius[~omni], azimuth[~omni], model.beamwidth_deg, model.quad_segs
        )
    missing_point = ~np.isfinite(x[rows]) | ~np.isfinite(y[rows])
    geoms[missing_point] = None
    frame = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    frame.index = stations.index[rows]
    return frame


def footprint_shapes(
    stations: gpd.GeoDataFrame,
    *,
    tech: str,
    model: FootprintModel,
    environment: pd.Series | str | None = None,
) -> tuple[dict[str, object], np.ndarray]:
    """Return the columns of :func:`footprints` without the polygons, as arrays.

    For the callers that need only each footprint's shape (radius, azimuth,
    beamwidth), not its polygon or a frame.

    Returns
    -------
    tuple
        The columns (``site_id`` … ``beamwidth_deg``, one value per
        footprint; ``tech`` a single value) and, per footprint, the position
        of its station in ``stations``.
    """
    if tech not in TECHNOLOGIES:
        raise FootprintError(f"Unknown technology {tech!r}; use one of {', '.join(TECHNOLOGIES)}.")
    n = len(stations)
    envs = _environments(stations, model, environment)
    bands_in = _column(stations, "band_mhz")
    bands = model._bands_for(tech, bands_in)
    radius = model.radii_m(
        tech,
        band_mhz=bands_in,
        environment=envs,
        height_m=_column(stations, "height_m"),
        eirp_dbm=_column(stations, "eirp_dbm"),
    )
    # One row per station, or per sector of a station with azimuths (sector model).
    rows = np.arange(n)
    azimuth = np.full(n, np.nan)
    if model.kind == "sector" and "azimuths_deg" in stations.columns and model.beamwidth_deg < 360:
        rows_list: list[int] = []
        az_list: list[float] = []
        for i, value in enumerate(stations["azimuths_deg"].to_numpy()):
            items = split_list(value)
            try:
                angles = [float(a) % 360.0 for a in items]
            except ValueError:
                raise FootprintError(
                    f"bts_stations [{stations['site_id'].iloc[i]}] .azimuths_deg: "
                    f"{value!r} is not a list of numbers."
                ) from None
            if angles:
                rows_list += [i] * len(angles)
                az_list += angles
            else:
                rows_list.append(i)
                az_list.append(np.nan)
        rows = np.array(rows_list, dtype=int)
        azimuth = np.array(az_list, dtype=float)
    else:
        azimuth = azimuth[rows]
    omni = np.isnan(azimuth)
    columns = {
        "site_id": stations["site_id"].to_numpy()[rows] if "site_id" in stations else None,
        "operator": stations["operator"].to_numpy()[rows] if "operator" in stations else None,
        "tech": tech,
        "band_mhz": bands[rows],
        "environment": envs[rows],
        "radius_m": radius[rows],
        "azimuth_deg": azimuth,
        "beamwidth_deg": np.where(omni, 360.0, model.beamwidth_deg),
    }
    return columns, rows


def _environments(
    stations: gpd.GeoDataFrame, model: FootprintModel, environment: pd.Series | str | None
) -> np.ndarray:
    n = len(stations)
    if model.environment is not None:
        return np.full(n, model.environment, dtype=object)
    if isinstance(environment, str):
        return _check_environments(stations, np.full(n, environment, dtype=object))
    envs = np.full(n, None, dtype=object)
    if "environment" in stations.columns:
        envs[:] = stations["environment"].to_numpy(dtype=object)
    if environment is not None:
        from_units = environment.reindex(stations.index).to_numpy(dtype=object)
        if "environment" in stations.columns:
            fill = np.array([not (isinstance(e, str) and e.strip()) for e in envs], dtype=bool)
            envs[fill] = from_units[fill]
        else:
            envs = from_units
    return _check_environments(stations, envs)


def _check_environments(stations: gpd.GeoDataFrame, envs: np.ndarray) -> np.ndarray:
    # Each distinct value once.
    codes, values = pd.factorize(pd.Series(envs, dtype=object), use_na_sentinel=False)
    checked = _check_environment_values(stations, np.asarray(values, dtype=object), codes)
    return checked[codes] if len(envs) else np.empty(0, dtype=object)


def _check_environment_values(
    stations: gpd.GeoDataFrame, envs: np.ndarray, codes: np.ndarray
) -> np.ndarray:
    n = len(envs)
    out = np.empty(n, dtype=object)
    for k, env in enumerate(envs):
        text = str(env).strip().lower() if isinstance(env, str) and env.strip() else None
        if text == "open":
            text = "rural"
        if text is not None and text not in ENVIRONMENTS:
            i = int(np.flatnonzero(codes == k)[0])
            site = stations["site_id"].iloc[i] if "site_id" in stations.columns else f"#{i}"
            raise FootprintError(
                f"bts_stations [{site}] .environment: {env!r} is not one of "
                f"{', '.join(ENVIRONMENTS)}."
            )
        out[k] = text or DEFAULT_ENVIRONMENT
    return out
