"""Generate the modelled network layers of the bundled Nam Định layer set.

The district boundaries beside this file are real. Everything this module
writes is modelled: positions, the split between units, dates, street names.
The province totals equal the 2024 report of the Nam Định Department of
Information and Communications (see ``README.md`` in this folder):

- ``bts_stations.geojson``: 788 stations with 2G, on air before 2024; other
  4G/3G stations; 146 locations approved in 2024, 52 of them on air in 2024;
- ``shutdowns_2g.geojson``: 161 of the 788 switched off in 2024;
- ``sites_5g.geojson``: 35 5G sites on air in 2024 (Viettel 33, VNPT 2), most
  of them in Nam Định city;
- ``cable_routes.geojson``: plan 49/KH-UBND, with messenger wire 146 km (91 km
  tidied), without 130 km (20.8 km tidied), lengths geodesic on WGS84;
- ``subscribers.csv``: 158,699 2G subscribers, 152,954 moved to 4G by the end
  of 2024.

The output depends only on the seed and the boundaries: the same seed gives
byte-identical files. Regenerate with::

    python -m ict_gis.layers.generate [--out DIR] [--seed N]

This is a build script: it writes its files with plain :mod:`json` and
:mod:`csv` and does not go through :mod:`ict_gis.io`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import math
import os
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, shape

#: Seed of the committed layers.
SEED: int = 2024

#: The year the report describes.
YEAR: int = 2024

#: Stations with 2G on air in 2024 (all on air before 2024-01-01).
STATIONS_2G: int = 788
#: Of them, switched off in 2024.
SHUTDOWNS_2G: int = 161
#: 5G sites on air in 2024, per operator.
SITES_5G: dict[str, int] = {"Viettel": 33, "VNPT": 2}
#: Band (MHz) of the 5G sites of each operator.
BANDS_5G: dict[str, int] = {"Viettel": 2600, "VNPT": 3700}
#: BTS locations approved in 2024, and of them on air in 2024.
APPROVED: int = 146
APPROVED_ON_AIR: int = 52
#: The provincial cable tidying plan and its length targets in metres.
CABLE_PLAN: str = "49/KH-UBND"
CABLE_METRES: dict[tuple[str, str], int] = {
    ("with_messenger", "tidied"): 91_000,
    ("with_messenger", "planned"): 146_000 - 91_000,
    ("without_messenger", "tidied"): 20_800,
    ("without_messenger", "planned"): 130_000 - 20_800,
}
#: Metres added to each tidied total (see ``_cable_routes``).
_TIDIED_MARGIN_M: float = 0.05
#: 2G subscribers at the start of the programme, and moved to 4G by 2024-12.
SUBSCRIBERS_2G: int = 158_699
MIGRATED_TO_4G: int = 152_954

#: Code of Thành phố Nam Định and its centre (lon, lat).
CITY_CODE: str = "356"
CITY_CENTRE: tuple[float, float] = (106.176, 20.42)
#: 2G-only handsets were cut off from this date.
HANDSET_CUTOFF: dt.date = dt.date(2024, 10, 16)
#: Date of plan 49/KH-UBND.
PLAN_DATE: dt.date = dt.date(2024, 3, 22)

#: Layer kind -> file name of every file this module writes.
OUTPUT_FILES: dict[str, str] = {
    "bts_stations": "bts_stations.geojson",
    "shutdowns_2g": "shutdowns_2g.geojson",
    "sites_5g": "sites_5g.geojson",
    "cable_routes": "cable_routes.geojson",
    "subscribers": "subscribers.csv",
}

#: Keep every point and route this far (degrees, about 150 m) inside its district.
INNER_MARGIN_DEG: float = 0.0014
#: Minimum distance between two stations (metres).
MIN_SPACING_M: float = 120.0

_GEOD = Geod(ellps="WGS84")
_M_PER_DEG_LAT = 110_700.0
_YEAR_START = dt.date(YEAR, 1, 1)
_YEAR_END = dt.date(YEAR, 12, 31)

# --- modelled weights of the units (the report gives province totals only) ---
_STATION_WEIGHTS: dict[str, float] = {
    "356": 2.6,
    "358": 0.7,
    "359": 1.1,
    "360": 1.6,
    "361": 1.3,
    "362": 1.3,
    "363": 1.2,
    "364": 1.1,
    "365": 1.3,
    "366": 1.6,
}
_SUBSCRIBER_WEIGHTS: dict[str, float] = {
    "356": 1.5,
    "358": 0.8,
    "359": 1.3,
    "360": 2.3,
    "361": 1.8,
    "362": 1.9,
    "363": 1.8,
    "364": 1.6,
    "365": 1.9,
    "366": 2.6,
}
_CABLE_WEIGHTS_TIDIED: dict[str, float] = {
    "356": 0.62,
    "358": 0.03,
    "359": 0.04,
    "360": 0.05,
    "361": 0.04,
    "362": 0.05,
    "363": 0.04,
    "364": 0.04,
    "365": 0.04,
    "366": 0.05,
}
_CABLE_WEIGHTS_PLANNED: dict[str, float] = {
    "356": 0.40,
    "358": 0.05,
    "359": 0.06,
    "360": 0.07,
    "361": 0.06,
    "362": 0.07,
    "363": 0.06,
    "364": 0.06,
    "365": 0.06,
    "366": 0.11,
}

# Operators with their site-id prefixes and their shares of each group of
# stations (counts sum to the group totals).
_PREFIX: dict[str, str] = {
    "Viettel": "VTL",
    "VNPT": "VNP",
    "MobiFone": "MBF",
    "Vietnamobile": "VNM",
}
_OLD_2G: dict[str, int] = {"Viettel": 315, "VNPT": 221, "MobiFone": 197, "Vietnamobile": 55}
_OLD_OTHER: dict[str, int] = {"Viettel": 200, "VNPT": 130, "MobiFone": 120, "Vietnamobile": 30}
_DISMANTLED: dict[str, int] = {"Viettel": 2, "VNPT": 2, "MobiFone": 2, "Vietnamobile": 1}
_NEW_ON_AIR_4G: dict[str, int] = {"Viettel": 14, "VNPT": 12, "MobiFone": 11, "Vietnamobile": 3}
_NEW_UNDER_CONSTRUCTION: dict[str, int] = {
    "Viettel": 19,
    "VNPT": 10,
    "MobiFone": 9,
    "Vietnamobile": 2,
}
_NEW_APPROVED: dict[str, int] = {"Viettel": 25, "VNPT": 14, "MobiFone": 12, "Vietnamobile": 3}
# 5G: new Viettel sites built as 4G+5G in 2024, and existing 4G stations given
# 5G in 2024, by district.
_NEW_5G: dict[str, dict[str, int]] = {"Viettel": {"356": 11, "366": 1}}
_UPGRADED_5G: dict[str, dict[str, int]] = {
    "Viettel": {"356": 16, "360": 1, "362": 1, "364": 1, "365": 1, "366": 1},
    "VNPT": {"356": 2},
}

# Street names (modelled; real streets of Nam Định city and roads of the province).
_CITY_STREETS: tuple[str, ...] = (
    "Đường Trần Hưng Đạo",
    "Đường Hùng Vương",
    "Đường Hàn Thuyên",
    "Đường Trần Phú",
    "Đường Lê Hồng Phong",
    "Đường Trường Chinh",
    "Đường Văn Cao",
    "Đường Giải Phóng",
    "Đường Nguyễn Du",
    "Đường Máy Tơ",
    "Đường Điện Biên",
    "Đường Trần Đăng Ninh",
    "Đường Hoàng Văn Thụ",
    "Đường Quang Trung",
    "Đường Trần Nhân Tông",
    "Đường Trần Thái Tông",
    "Đường Lê Lợi",
    "Đường Phan Đình Phùng",
    "Đường Bà Triệu",
    "Đường Minh Khai",
    "Đường Đông A",
    "Đường Song Hào",
    "Đường Mạc Thị Bưởi",
    "Đường Nguyễn Văn Trỗi",
    "Đường Vị Xuyên",
    "Đường Hà Huy Tập",
    "Đường Cù Chính Lan",
    "Đường Hoàng Hoa Thám",
    "Đường Lý Thường Kiệt",
    "Đường Phù Nghĩa",
    "Đường Lương Thế Vinh",
    "Đường Đặng Xuân Bảng",
    "Đường Võ Nguyên Giáp",
    "Đường Lạc Long Quân",
    "Đường Đệ Tứ",
    "Đường Nguyễn Bính",
    "Đường Tô Hiệu",
    "Đường Ngô Quyền",
)
_TOWN_STREETS: tuple[str, ...] = (
    "Quốc lộ 21",
    "Quốc lộ 10",
    "Quốc lộ 37B",
    "Quốc lộ 38B",
    "Tỉnh lộ 486B",
    "Tỉnh lộ 487",
    "Tỉnh lộ 488",
    "Tỉnh lộ 489",
    "Tỉnh lộ 490C",
    "Đường Trần Nhân Tông",
    "Đường Lê Quý Đôn",
    "Đường Nguyễn Văn Trỗi",
    "Đường Trường Chinh",
    "Đường Hùng Vương",
    "Đường Lý Thường Kiệt",
    "Đường Trần Hưng Đạo",
    "Đường Nguyễn Trãi",
    "Đường Lê Lợi",
)
_CABLE_OPERATORS: tuple[tuple[str, float], ...] = (
    ("Viettel,VNPT,MobiFone", 0.45),
    ("Viettel,VNPT,MobiFone,Vietnamobile", 0.2),
    ("Viettel,VNPT", 0.15),
    ("Viettel,MobiFone", 0.1),
    ("VNPT,MobiFone", 0.1),
)


@dataclass(frozen=True)
class _Unit:
    """A district as the generator uses it."""

    code: str
    geometry: shapely.Geometry
    inner: shapely.Geometry  # mainland part, INNER_MARGIN_DEG inside the boundary
    centre: tuple[float, float]
    villages: np.ndarray  # (n, 2) lon/lat of modelled village centres


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


def generate(
    out_dir: str | os.PathLike,
    *,
    seed: int = SEED,
    districts: str | os.PathLike | None = None,
) -> dict[str, Path]:
    """Write the five modelled layers of the bundled set into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing). Only the files named in
        :data:`OUTPUT_FILES` are written; anything else there is left alone.
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed and boundaries
        give byte-identical files.
    districts
        District boundaries (GeoJSON with a text ``code`` property, EPSG:4326);
        default: ``districts.geojson`` beside this module.

    Returns
    -------
    dict of str to pathlib.Path
        Layer kind to the file written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     sorted(generate(tmp))
    ['bts_stations', 'cable_routes', 'shutdowns_2g', 'sites_5g', 'subscribers']
    """
    src = (
        Path(districts) if districts is not None else Path(__file__).with_name("districts.geojson")
    )
    rng = np.random.default_rng(seed)
    units = _load_units(src, rng)
    stations = _stations(rng, units)
    shutdowns = _shutdowns(rng, stations)
    sites_5g = _sites_5g(stations)
    routes = _cable_routes(rng, units)
    subscribers = _subscribers(rng, units)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    texts = {
        "bts_stations": _feature_collection("bts_stations", [_bts_feature(s) for s in stations]),
        "shutdowns_2g": _feature_collection("shutdowns_2g", shutdowns),
        "sites_5g": _feature_collection("sites_5g", sites_5g),
        "cable_routes": _feature_collection("cable_routes", routes),
        "subscribers": _csv_text(subscribers),
    }
    written: dict[str, Path] = {}
    for kind, text in texts.items():
        written[kind] = _write(out / OUTPUT_FILES[kind], text)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``python -m ict_gis.layers.generate``.

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status (0).
    """
    parser = argparse.ArgumentParser(
        prog="python -m ict_gis.layers.generate",
        description=(
            "Write the modelled network layers of the bundled Nam Định set "
            "(province totals of the 2024 report) from the real district boundaries."
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).parent,
        help="output folder (default: the bundled layers folder)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument(
        "--districts",
        type=Path,
        default=None,
        help="district boundaries GeoJSON (default: districts.geojson beside this script)",
    )
    args = parser.parse_args(argv)
    written = generate(args.out, seed=args.seed, districts=args.districts)
    for kind, path in written.items():
        print(f"{kind}: {path}")  # noqa: T201 - script output
    return 0


# --------------------------------------------------------------------------- #
# Units and sampling
# --------------------------------------------------------------------------- #


def _load_units(path: Path, rng: np.random.Generator) -> dict[str, _Unit]:
    data = json.loads(path.read_text(encoding="utf-8"))
    units: dict[str, _Unit] = {}
    for feature in sorted(data["features"], key=lambda f: str(f["properties"]["code"])):
        code = str(feature["properties"]["code"])
        geometry = shape(feature["geometry"])
        parts = list(getattr(geometry, "geoms", [geometry]))
        mainland = max(parts, key=lambda p: p.area)
        inner = mainland.buffer(-INNER_MARGIN_DEG)
        if code == CITY_CODE and inner.contains(Point(CITY_CENTRE)):
            centre = CITY_CENTRE
        else:
            rep = inner.representative_point()
            centre = (rep.x, rep.y)
        units[code] = _Unit(code, geometry, inner, centre, np.empty((0, 2)))
    missing = set(_STATION_WEIGHTS) - set(units)
    if missing:
        raise ValueError(
            f"{path}: district codes {sorted(missing)} are missing; the generator models "
            f"the 10 districts of Nam Định ({', '.join(_STATION_WEIGHTS)})."
        )
    # Modelled village centres: the countryside is dotted with villages.
    out = {}
    for code, unit in units.items():
        n = max(6, round(unit.inner.area / 0.0012))  # about one per 14 km²
        out[code] = _Unit(
            code, unit.geometry, unit.inner, unit.centre, _uniform_points(rng, unit.inner, n)
        )
    return {code: out[code] for code in _STATION_WEIGHTS}


def _uniform_points(rng: np.random.Generator, polygon: shapely.Geometry, n: int) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = np.column_stack([rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)])
        keep = xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]
        found.append(keep)
        count += len(keep)
    return np.concatenate(found)[:n]


def _metres_per_deg_lon(lat: float) -> float:
    return 111_320.0 * math.cos(math.radians(lat))


class _Placer:
    """Draws station positions inside the districts, keeping them apart."""

    def __init__(self, rng: np.random.Generator, units: Mapping[str, _Unit]):
        self.rng = rng
        self.units = units
        self.taken: list[tuple[float, float]] = []

    def place(self, code: str, mode: str) -> tuple[float, float]:
        unit = self.units[code]
        for _ in range(5000):
            if mode == "town":
                cx, cy = unit.centre
                sigma = 1600.0 if code == CITY_CODE else 1300.0
            else:
                cx, cy = unit.villages[self.rng.integers(len(unit.villages))]
                sigma = 900.0
            dx, dy = self.rng.normal(0.0, sigma, 2)
            x = round(cx + dx / _metres_per_deg_lon(cy), 6)
            y = round(cy + dy / _M_PER_DEG_LAT, 6)
            if not shapely.contains_xy(unit.inner, x, y):
                continue
            if self._too_close(x, y):
                continue
            self.taken.append((x, y))
            return x, y
        raise RuntimeError(f"cannot place another station in district {code}")

    def _too_close(self, x: float, y: float) -> bool:
        if not self.taken:
            return False
        xy = np.asarray(self.taken)
        dx = (xy[:, 0] - x) * _metres_per_deg_lon(y)
        dy = (xy[:, 1] - y) * _M_PER_DEG_LAT
        return bool((dx * dx + dy * dy < MIN_SPACING_M**2).any())


def _split(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    keys = list(weights)
    w = np.array([weights[k] for k in keys], dtype=float)
    exact = total * w / w.sum()
    counts = np.floor(exact).astype(int)
    order = sorted(range(len(keys)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - counts.sum()]:
        counts[i] += 1
    return {k: int(c) for k, c in zip(keys, counts, strict=True)}


def _date_between(
    rng: np.random.Generator,
    start: dt.date,
    end: dt.date,
    *,
    skew: tuple[float, float] | None = None,
) -> dt.date:
    """Return a date in ``[start, end]``, uniform or with a beta(a, b) ``skew``."""
    span = (end - start).days
    u = rng.uniform() if skew is None else rng.beta(*skew)
    return start + dt.timedelta(days=int(round(u * span)))


# --------------------------------------------------------------------------- #
# BTS stations
# --------------------------------------------------------------------------- #


def _stations(rng: np.random.Generator, units: Mapping[str, _Unit]) -> list[dict]:
    placer = _Placer(rng, units)
    stations: list[dict] = []

    def add(operator: str, code: str, group: str, mode: str) -> dict:
        x, y = placer.place(code, mode)
        station = {"operator": operator, "code": code, "group": group, "x": x, "y": y}
        stations.append(station)
        return station

    def town_share(code: str, city: float, town: float) -> str:
        share = city if code == CITY_CODE else town
        return "town" if rng.uniform() < share else "village"

    # Stations on air before 2024: with 2G, and without.
    for group, totals in (("2g", _OLD_2G), ("other", _OLD_OTHER), ("dismantled", _DISMANTLED)):
        for operator, total in totals.items():
            for code, n in _split(total, _STATION_WEIGHTS).items():
                for _ in range(n):
                    add(operator, code, group, town_share(code, 1.0, 0.3))
    # New in 2024: built with 5G, and the rest of the approved locations.
    for operator, by_code in _NEW_5G.items():
        for code, n in by_code.items():
            for _ in range(n):
                add(operator, code, "new_5g", "town")
    for group, totals in (
        ("new_on_air", _NEW_ON_AIR_4G),
        ("new_under_construction", _NEW_UNDER_CONSTRUCTION),
        ("new_approved", _NEW_APPROVED),
    ):
        for operator, total in totals.items():
            for code, n in _split(total, _STATION_WEIGHTS).items():
                for _ in range(n):
                    add(operator, code, group, town_share(code, 1.0, 0.25))

    for station in stations:
        _station_attributes(rng, station)

    # Existing 4G stations given 5G in 2024, nearest the town centre first
    # among a random pick (5G fills holes in the busiest areas).
    for operator, by_code in _UPGRADED_5G.items():
        for code, n in by_code.items():
            pool = [
                s
                for s in stations
                if s["operator"] == operator and s["code"] == code and s["group"] == "other"
            ]
            cx, cy = units[code].centre
            pool.sort(key=lambda s: (s["x"] - cx) ** 2 + (s["y"] - cy) ** 2)
            pool = pool[: 2 * n]  # among the stations nearest the centre
            picks = rng.choice(len(pool), size=n, replace=False)
            for i in sorted(int(p) for p in picks):
                station = pool[i]
                station["technologies"] = station["technologies"] + ",5G"
                station["band_mhz"] = BANDS_5G[operator]
                station["date_5g"] = _date_between(
                    rng,
                    dt.date(YEAR, 7, 1) if operator == "Viettel" else dt.date(YEAR, 11, 1),
                    dt.date(YEAR, 12, 20),
                )
                if station["azimuths_deg"] is None:
                    station["azimuths_deg"] = "0,120,240"
    _assign_ids(stations)
    stations.sort(key=lambda s: s["site_id"])
    return stations


def _station_attributes(rng: np.random.Generator, s: dict) -> None:
    group, operator = s["group"], s["operator"]
    urban = s["code"] == CITY_CODE
    if group == "2g":
        s["technologies"] = str(
            rng.choice(["2G,3G,4G", "2G,4G", "2G,3G"], p=[0.55, 0.35, 0.10])
            if operator != "Vietnamobile"
            else rng.choice(["2G,3G,4G", "2G,3G"], p=[0.7, 0.3])
        )
        s["status"] = "on_air"
        s["on_air_date"] = _date_between(
            rng, dt.date(2004, 1, 1), dt.date(2019, 12, 31), skew=(1.6, 2.2)
        )
        s["band_mhz"] = 1800 if urban and rng.uniform() < 0.3 else 900
    elif group == "other":
        if rng.uniform() < 0.35:
            s["technologies"] = "3G,4G"
            s["on_air_date"] = _date_between(rng, dt.date(2010, 1, 1), dt.date(2021, 12, 31))
            s["band_mhz"] = 2100
        else:
            s["technologies"] = "4G"
            s["on_air_date"] = _date_between(rng, dt.date(2016, 6, 1), dt.date(2023, 12, 15))
            s["band_mhz"] = 1800
        s["status"] = "on_air"
    elif group == "dismantled":
        s["technologies"] = str(rng.choice(["3G", "3G,4G"]))
        s["status"] = "dismantled"
        s["on_air_date"] = _date_between(rng, dt.date(2009, 1, 1), dt.date(2015, 12, 31))
        s["band_mhz"] = 2100
    elif group == "new_5g":
        s["technologies"] = "4G,5G"
        s["status"] = "on_air"
        s["approved_date"] = _date_between(rng, dt.date(YEAR, 1, 8), dt.date(YEAR, 6, 28))
        s["on_air_date"] = _date_between(
            rng,
            max(dt.date(YEAR, 8, 1), s["approved_date"] + dt.timedelta(days=60)),
            dt.date(YEAR, 12, 20),
        )
        s["date_5g"] = s["on_air_date"]
        s["band_mhz"] = BANDS_5G[operator]
    else:  # approved in 2024
        s["technologies"] = "4G"
        s["band_mhz"] = 1800
        if group == "new_on_air":
            s["status"] = "on_air"
            s["approved_date"] = _date_between(rng, dt.date(YEAR, 1, 5), dt.date(YEAR, 8, 31))
            first = s["approved_date"] + dt.timedelta(days=45)
            last = min(s["approved_date"] + dt.timedelta(days=200), dt.date(YEAR, 12, 27))
            s["on_air_date"] = _date_between(rng, first, last)
        elif group == "new_under_construction":
            s["status"] = "under_construction"
            s["approved_date"] = _date_between(rng, dt.date(YEAR, 1, 10), dt.date(YEAR, 10, 31))
            s["on_air_date"] = None
        else:
            s["status"] = "approved"
            s["approved_date"] = _date_between(rng, dt.date(YEAR, 3, 1), dt.date(YEAR, 12, 27))
            s["on_air_date"] = None
    if "approved_date" not in s:
        s["approved_date"] = s["on_air_date"] - dt.timedelta(days=int(rng.integers(45, 300)))
    s.setdefault("date_5g", None)
    # Towers: rooftop poles in the city, lattice towers in the countryside.
    low, high = (15.0, 36.0) if urban else (24.0, 60.0)
    s["height_m"] = round(float(rng.uniform(low, high)), 1)
    omni = rng.uniform() < (0.04 if group.startswith("new") else 0.12)
    if omni:
        s["azimuths_deg"] = None
    else:
        sectors = 3 if rng.uniform() < 0.9 else 2 if rng.uniform() < 0.5 else 4
        first = int(rng.integers(0, 360 // sectors // 10)) * 10
        s["azimuths_deg"] = ",".join(str(first + k * 360 // sectors) for k in range(sectors))
    s["eirp_dbm"] = round(float(rng.uniform(43.0, 55.0) if urban else rng.uniform(48.0, 61.0)), 1)
    if rng.uniform() < 0.05:  # not every operator reports the radio details
        s["band_mhz"] = None
        s["eirp_dbm"] = None


def _assign_ids(stations: list[dict]) -> None:
    """Set ``site_id``: each operator's stations numbered by approval date, then position."""
    for operator, prefix in _PREFIX.items():
        own = [s for s in stations if s["operator"] == operator]
        own.sort(key=lambda s: (s["approved_date"], s["x"], s["y"]))
        for number, station in enumerate(own, start=1):
            station["site_id"] = f"{prefix}-ND-{number:04d}"


def _bts_feature(s: dict) -> dict:
    props = {
        "site_id": s["site_id"],
        "operator": s["operator"],
        "technologies": s["technologies"],
        "height_m": s["height_m"],
        "status": s["status"],
        "approved_date": _iso(s["approved_date"]),
        "on_air_date": _iso(s["on_air_date"]),
        "azimuths_deg": s["azimuths_deg"],
        "band_mhz": s["band_mhz"],
        "eirp_dbm": s["eirp_dbm"],
    }
    return _point_feature(props, s["x"], s["y"])


# --------------------------------------------------------------------------- #
# 2G switch-offs and 5G sites
# --------------------------------------------------------------------------- #


def _shutdowns(rng: np.random.Generator, stations: Sequence[dict]) -> list[dict]:
    with_2g = [s for s in stations if s["group"] == "2g"]
    by_code: dict[str, list[dict]] = {}
    for s in with_2g:
        by_code.setdefault(s["code"], []).append(s)
    # Every district has some switch-offs; the rest in proportion to its 2G stations.
    counts = {code: 3 for code in by_code}
    extra = _split(SHUTDOWNS_2G - 3 * len(by_code), {c: len(v) for c, v in by_code.items()})
    chosen: list[dict] = []
    for code, pool in by_code.items():
        n = counts[code] + extra[code]
        picks = rng.choice(len(pool), size=n, replace=False)
        chosen += [pool[int(i)] for i in sorted(picks)]
    # Dates: more in the second half, most after 2G-only handsets were cut off.
    pieces = [
        (_YEAR_START, dt.date(YEAR, 6, 30), 1.0),
        (dt.date(YEAR, 7, 1), HANDSET_CUTOFF - dt.timedelta(days=1), 1.5),
        (HANDSET_CUTOFF, dt.date(YEAR, 12, 28), 4.0),
    ]
    days = np.concatenate(
        [np.full((end - start).days + 1, weight) for start, end, weight in pieces]
    )
    offsets = rng.choice(len(days), size=len(chosen), p=days / days.sum())
    dates = sorted(_YEAR_START + dt.timedelta(days=int(o)) for o in offsets)
    # First where few subscribers remained: the emptiest stations go first.
    left = np.sort(rng.poisson(lam=np.linspace(0.5, 18.0, len(chosen))))
    order = rng.permutation(len(chosen))
    features = []
    for rank, index in enumerate(order):
        s = chosen[int(index)]
        props = {
            "site_id": s["site_id"],
            "operator": s["operator"],
            "switch_off_date": _iso(dates[rank]),
            "subscribers_left": int(left[rank]),
        }
        features.append(_point_feature(props, s["x"], s["y"]))
    features.sort(key=lambda f: f["properties"]["site_id"])
    return features


def _sites_5g(stations: Sequence[dict]) -> list[dict]:
    features = []
    for s in stations:
        if s["date_5g"] is None:
            continue
        props = {
            "site_id": s["site_id"],
            "operator": s["operator"],
            "band_mhz": BANDS_5G[s["operator"]],
            "on_air_date": _iso(s["date_5g"]),
        }
        features.append(_point_feature(props, s["x"], s["y"]))
    return features  # stations are sorted by site_id already


# --------------------------------------------------------------------------- #
# Cable routes
# --------------------------------------------------------------------------- #


def _cable_routes(rng: np.random.Generator, units: Mapping[str, _Unit]) -> list[dict]:
    grids: dict[str, _StreetGrid] = {}
    routes: list[dict] = []
    ops = [o for o, _ in _CABLE_OPERATORS]
    op_p = np.array([w for _, w in _CABLE_OPERATORS])
    for (category, status), target in CABLE_METRES.items():
        weights = _CABLE_WEIGHTS_TIDIED if status == "tidied" else _CABLE_WEIGHTS_PLANNED
        codes = list(weights)
        p = np.array([weights[c] for c in codes])
        p = p / p.sum()
        # Tidied lengths end a few centimetres above their target, so that the
        # share of the plan, cut to a whole percent as the report writes it,
        # is never pushed below the report's figure by coordinate rounding.
        remaining = float(target) + (_TIDIED_MARGIN_M if status == "tidied" else 0.0)
        while remaining > 0:
            code = codes[int(rng.choice(len(codes), p=p))]
            grid = grids.setdefault(code, _StreetGrid(rng, units[code]))
            if remaining > 3000.0:
                length = 300.0 + 2700.0 * float(rng.beta(1.3, 3.0))
                coords, street = grid.route(min(length, remaining - 350.0))
                remaining -= _length(coords)
            else:
                coords, street = grid.route(remaining, exact=True)
                remaining -= _length(coords)
                if abs(remaining) >= 0.5:
                    raise RuntimeError(f"cable routes miss {category}/{status} by {remaining} m")
                remaining = 0.0
            done = None
            if status == "tidied":
                done = _date_between(
                    rng, PLAN_DATE + dt.timedelta(days=14), dt.date(YEAR, 12, 28), skew=(1.6, 1.0)
                )
            operators = ops[int(rng.choice(len(ops), p=op_p / op_p.sum()))]
            routes.append(
                {
                    "code": code,
                    "street": street,
                    "category": category,
                    "status": status,
                    "done_date": done,
                    "operators": operators,
                    "coords": coords,
                }
            )
    routes.sort(key=lambda r: (r["code"], r["street"], r["coords"][0]))
    features = []
    for number, r in enumerate(routes, start=1):
        props = {
            "route_id": f"CR-{number:04d}",
            "street": r["street"],
            "category": r["category"],
            "plan": CABLE_PLAN,
            "status": r["status"],
            "done_date": _iso(r["done_date"]),
            "operators": r["operators"],
        }
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in r["coords"]]},
            }
        )
    return features


_Node = tuple[int, int]
_DIRECTIONS: tuple[_Node, ...] = ((1, 0), (0, 1), (-1, 0), (0, -1))


class _StreetGrid:
    """A slightly irregular grid of streets around a town centre.

    Nodes are street corners (jittered a few metres off a regular lattice);
    each east-west and north-south line of the grid carries one street name.
    Routes follow the streets, turn at corners, and never share a street
    section with another route, so the tidied and planned kilometres do not
    overlap.
    """

    def __init__(self, rng: np.random.Generator, unit: _Unit):
        self.rng = rng
        self.unit = unit
        self.city = unit.code == CITY_CODE
        self.spacing = 170.0 if self.city else 140.0
        self.sigma = 1300.0 if self.city else 450.0
        self.names = _CITY_STREETS if self.city else _TOWN_STREETS
        self._unused_names: list[str] = []
        self._nodes: dict[_Node, tuple[float, float] | None] = {}
        self._line_names: dict[tuple[str, int], str] = {}
        self._used: set[tuple[_Node, _Node]] = set()

    def node(self, ij: _Node) -> tuple[float, float] | None:
        """Position (lon, lat) of corner ``ij``, or ``None`` outside the district."""
        if ij not in self._nodes:
            cx, cy = self.unit.centre
            jx, jy = self.rng.normal(0.0, 0.06 * self.spacing, 2)
            x = round(cx + (ij[0] * self.spacing + jx) / _metres_per_deg_lon(cy), 6)
            y = round(cy + (ij[1] * self.spacing + jy) / _M_PER_DEG_LAT, 6)
            inside = shapely.contains_xy(self.unit.inner, x, y)
            self._nodes[ij] = (x, y) if inside else None
        return self._nodes[ij]

    def line_name(self, a: _Node, b: _Node) -> str:
        """Street name of the grid line through corners ``a`` and ``b``."""
        key = ("ew", a[1]) if a[1] == b[1] else ("ns", a[0])
        if key not in self._line_names:
            if not self._unused_names:
                order = self.rng.permutation(len(self.names))
                self._unused_names = [self.names[int(i)] for i in order]
            self._line_names[key] = self._unused_names.pop()
        return self._line_names[key]

    def _free(self, a: _Node, b: _Node) -> bool:
        if (a, b) in self._used or (b, a) in self._used:
            return False
        pa, pb = self.node(a), self.node(b)
        return (
            pa is not None
            and pb is not None
            and bool(self.unit.inner.contains(LineString([pa, pb])))
        )

    def route(self, length: float, *, exact: bool = False) -> tuple[list[tuple[float, float]], str]:
        """Walk ``length`` metres along free streets; return the vertices and street name.

        The walk goes straight for a while and turns at a corner a few times
        (0 to 3 bends). It may end within a block. With ``exact`` the last
        vertex is moved so that the length of the rounded coordinates equals
        ``length`` to a few centimetres.
        """
        for _ in range(3000):
            gx, gy = self.rng.normal(0.0, self.sigma / self.spacing, 2)
            start = (int(round(gx)), int(round(gy)))
            if self.node(start) is None:
                continue
            walk = self._walk(start, length)
            if walk is None:
                continue
            nodes, coords = walk
            if exact:
                coords = _fit_length(coords, length)
            line = LineString(coords)
            if not (line.is_simple and self.unit.inner.contains(line)):
                continue
            legs: dict[str, float] = {}
            for a, b in zip(nodes[:-1], nodes[1:], strict=True):
                self._used.add((a, b))
                name = self.line_name(a, b)
                legs[name] = legs.get(name, 0.0) + 1.0
            street = max(sorted(legs), key=lambda n: legs[n])
            return coords, street
        raise RuntimeError(f"cannot draw a {length:.0f} m cable route in district {self.unit.code}")

    def _walk(
        self, start: _Node, length: float
    ) -> tuple[list[_Node], list[tuple[float, float]]] | None:
        bends = int(self.rng.choice([0, 1, 1, 2, 2, 3]))
        leg_target = length / (bends + 1)
        direction = _DIRECTIONS[int(self.rng.integers(4))]
        nodes = [start]
        coords = [self.node(start)]
        remaining, leg = length, 0.0
        turns = 0
        while remaining > 0.05:
            cur = nodes[-1]
            turn = leg >= leg_target and turns < bends
            left, right = (-direction[1], direction[0]), (direction[1], -direction[0])
            sides = [left, right] if self.rng.uniform() < 0.5 else [right, left]
            options = [*sides, direction] if turn else [direction, *sides]
            for option in options:
                nxt = (cur[0] + option[0], cur[1] + option[1])
                if nxt not in nodes and self._free(cur, nxt):
                    break
            else:
                return None
            if option != direction:
                turns += 1
                leg = 0.0
                if turns > bends + 1:
                    return None
            direction = option
            (x0, y0), (x1, y1) = self.node(cur), self.node(nxt)
            az, _, dist = _GEOD.inv(x0, y0, x1, y1)
            if remaining < dist:  # end within the block
                x1, y1, _ = _GEOD.fwd(x0, y0, az, remaining)
                x1, y1 = round(x1, 6), round(y1, 6)
                if remaining < 15.0:  # too short a stub: stop at the corner before
                    return None
            nodes.append(nxt)
            coords.append((x1, y1))
            step = _length(coords[-2:])
            remaining -= step
            leg += step
        return nodes, coords


def _fit_length(coords: list[tuple[float, float]], target: float) -> list[tuple[float, float]]:
    """Move the last vertex along the last segment until the length is ``target``."""
    coords = list(coords)
    best = coords
    for _ in range(8):
        delta = target - _length(coords)
        if abs(delta) < abs(target - _length(best)):
            best = coords
        if abs(delta) < 0.02:
            return coords
        (x0, y0), (x1, y1) = coords[-2], coords[-1]
        az, _, dist = _GEOD.inv(x0, y0, x1, y1)
        x, y, _ = _GEOD.fwd(x0, y0, az, dist + delta)
        coords = coords[:-1] + [(round(x, 6), round(y, 6))]
    return best if abs(target - _length(best)) <= abs(target - _length(coords)) else coords


def _length(coords: Sequence[tuple[float, float]]) -> float:
    """Geodesic length on WGS84 in metres, as the metrics measure it."""
    return float(_GEOD.geometry_length(LineString(coords)))


# --------------------------------------------------------------------------- #
# Subscribers
# --------------------------------------------------------------------------- #

# Share of the end-of-year migration reached by the end of each month: steady
# through the year, then a jump after 2G-only handsets were cut off (Oct 16).
_MIGRATION_CURVE = (0.22, 0.29, 0.36, 0.43, 0.50, 0.57, 0.63, 0.69, 0.76, 0.87, 0.96, 1.0)


def _subscribers(rng: np.random.Generator, units: Mapping[str, _Unit]) -> list[list[str]]:
    base = _split(SUBSCRIBERS_2G, {c: _SUBSCRIBER_WEIGHTS[c] for c in units})
    ratio = {c: float(np.clip(rng.normal(0.963, 0.012), 0.93, 0.99)) for c in units}
    migrated = _split(MIGRATED_TO_4G, {c: base[c] * ratio[c] for c in units})
    rows = [["code", "period", "subscribers_2g", "migrated_to_4g"]]
    for code in sorted(units):
        if migrated[code] > base[code]:
            raise RuntimeError(f"district {code}: more migrated than subscribers")
        shift = rng.normal(0.0, 0.03)
        curve = np.clip(np.array(_MIGRATION_CURVE) + shift * (1 - np.array(_MIGRATION_CURVE)), 0, 1)
        curve[-1] = 1.0
        curve = np.maximum.accumulate(curve)
        for month, share in enumerate(curve, start=1):
            value = migrated[code] if month == 12 else math.floor(share * migrated[code])
            rows.append([code, f"{YEAR}-{month:02d}", str(base[code]), str(value)])
    return rows


# --------------------------------------------------------------------------- #
# Output
# --------------------------------------------------------------------------- #


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _point_feature(props: dict, x: float, y: float) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
    }


def _nfc(value: object) -> object:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def _feature_collection(name: str, features: Sequence[dict]) -> str:
    """GeoJSON text, one feature per line (stable key order, compact numbers)."""
    lines = [
        json.dumps(_nfc(f), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        for f in features
    ]
    head = '{"type":"FeatureCollection","name":' + json.dumps(name, ensure_ascii=False)
    return head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def _csv_text(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(_nfc([list(r) for r in rows]))
    return buffer.getvalue()


def _write(path: Path, text: str) -> Path:
    """Write UTF-8 ``text`` atomically (temporary file, then rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.chmod(tmp, 0o644)  # mkstemp creates owner-only files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


if __name__ == "__main__":
    raise SystemExit(main())
