"""Coordinate reference systems as agencies ship them: VN-2000 codes, ESRI ``.prj`` files.

VN-2000 (EPSG:4756) is Viet Nam's national datum; its projected CRSs are UTM
zones 48N/49N (EPSG:3405/3406) and the provincial TM-3 zones (EPSG:9205 to
9218). PROJ recognises the ESRI spellings (``D_Vietnam_2000``,
``GCS_VN_2000``, ``VN_2000_UTM_Zone_48N``). The official transformation to
WGS 84 is EPSG:6960, "VN-2000 to WGS 84 (2)" (Circular 973/2001/TT-TCĐC), a
7-parameter Helmert in the coordinate-frame convention; a ``.prj`` with a
``TOWGS84`` clause (position-vector convention, by the WKT 1 definition) that
does not give the same transformation gets a warning with the size of the
shift it causes (:func:`towgs84_shift_m`).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pyproj

from ict_gis.errors import CrsError

__all__ = [
    "VN2000_TO_WGS84",
    "VN2000_CODES",
    "parse_crs",
    "towgs84_of",
    "towgs84_shift_m",
]

#: EPSG:6960 "VN-2000 to WGS 84 (2)": tx, ty, tz (m), rx, ry, rz (arc-seconds,
#: coordinate-frame convention), scale (ppm), as in the EPSG registry.
VN2000_TO_WGS84: tuple[float, ...] = (
    -191.90441429,
    -39.30318279,
    -111.45032835,
    -0.00928836,
    0.01975479,
    -0.00427372,
    0.252906278,
)
#: The EPSG codes of VN-2000 (geographic, UTM 48N/49N, TM-3 zones).
VN2000_CODES: tuple[int, ...] = (4756, 3405, 3406, *range(9205, 9219))
_ALIASES = {"vn-2000": 4756, "vn2000": 4756, "vn_2000": 4756}


def parse_crs(value: str | int | os.PathLike) -> pyproj.CRS:
    """Read a CRS given by a user: an EPSG code, ``VN-2000``, any PROJ/WKT text, or a ``.prj``.

    Parameters
    ----------
    value
        ``4326``, ``EPSG:3405``, ``VN-2000``, a WKT or PROJ string, or the
        path of a ``.prj`` file (ESRI or OGC WKT).

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CrsError
        If the value names no CRS that PROJ knows.

    Examples
    --------
    >>> parse_crs("VN-2000").name
    'VN-2000'
    >>> parse_crs("3405").to_epsg()
    3405
    """
    text = str(value).strip()
    if text.lower().endswith(".prj"):
        path = Path(text)
        try:
            text = path.read_text(encoding="utf-8-sig", errors="replace").strip()
        except OSError as exc:
            raise CrsError(f"{path}: cannot read the .prj file ({exc}).") from exc
    elif text.lower() in _ALIASES:
        text = f"EPSG:{_ALIASES[text.lower()]}"
    elif text.isdigit():
        text = f"EPSG:{text}"
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError as exc:
        raise CrsError(
            f"{value!r} is not a coordinate system PROJ knows ({exc}). Fix: give an EPSG "
            "code (e.g. 4326 for longitude/latitude, 3405 for VN-2000 / UTM zone 48N), "
            "or the layer's .prj file."
        ) from exc


def _geographic_datum(crs: pyproj.CRS) -> pyproj.CRS:
    base = crs.source_crs if crs.is_bound else crs
    return base.geodetic_crs or base


def towgs84_of(crs: pyproj.CRS | None) -> tuple[float, ...] | None:
    """Return the 7 TOWGS84 parameters of a bound CRS (position-vector convention), or None.

    Examples
    --------
    >>> towgs84_of(pyproj.CRS.from_epsg(4326)) is None
    True
    """
    if crs is None or not crs.is_bound:
        return None
    op = crs.to_json_dict().get("transformation", {})
    params = {p.get("name", "").lower(): float(p["value"]) for p in op.get("parameters", [])}
    names = (
        "x-axis translation",
        "y-axis translation",
        "z-axis translation",
        "x-axis rotation",
        "y-axis rotation",
        "z-axis rotation",
        "scale difference",
    )
    if not all(n in params for n in names[:3]):
        return None
    values = [params.get(n, 0.0) for n in names]
    method = str(op.get("method", {}).get("name", "")).lower()
    if "coordinate frame" in method:  # stored the other way round: express as position vector
        values[3:6] = [-v for v in values[3:6]]
    return tuple(values)


def _helmert_pv(lon: float, lat: float, p: tuple[float, ...]) -> np.ndarray:
    """ECEF (WGS 84 ellipsoid) of (lon, lat, h=0) moved by a position-vector Helmert."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    phi, lam = math.radians(lat), math.radians(lon)
    n = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    x = np.array(
        [
            n * math.cos(phi) * math.cos(lam),
            n * math.cos(phi) * math.sin(lam),
            n * (1 - e2) * math.sin(phi),
        ]
    )
    tx, ty, tz, rx, ry, rz, ds = p
    sec = math.pi / (180 * 3600)
    rx, ry, rz = rx * sec, ry * sec, rz * sec
    r = np.array([[1, -rz, ry], [rz, 1, -rx], [-ry, rx, 1]])
    return np.array([tx, ty, tz]) + (1 + ds * 1e-6) * r @ x


def towgs84_shift_m(crs: pyproj.CRS, lon: float, lat: float) -> float | None:
    """How far a ``.prj``'s TOWGS84 puts a point from the official EPSG:6960 transformation.

    Parameters
    ----------
    crs
        The layer's CRS (a VN-2000 bound CRS, as read from a ``.prj`` with a
        ``TOWGS84`` clause).
    lon, lat
        The point (the layer's centre), in degrees.

    Returns
    -------
    float or None
        The horizontal distance in metres between the two WGS 84 positions
        (geodesic; the height difference left out), or ``None``
        when the CRS is not VN-2000 or has no TOWGS84.

    Examples
    --------
    The older EPSG:6959 parameters, typed into a ``.prj``:

    >>> wkt = pyproj.CRS.from_epsg(4756).to_wkt("WKT1_GDAL")
    >>> old = wkt.replace('AUTHORITY["EPSG","6756"]',
    ...     'TOWGS84[-192.873,-39.382,-111.202,-0.00205,-0.0005,0.00335,0.0188],'
    ...     'AUTHORITY["EPSG","6756"]')
    >>> round(towgs84_shift_m(pyproj.CRS.from_wkt(old), 106.2, 20.4), 2)
    0.69
    """
    params = towgs84_of(crs)
    if params is None:
        return None
    datum = _geographic_datum(crs)
    if "vietnam 2000" not in (datum.datum.name or "").lower():
        return None
    official = tuple(VN2000_TO_WGS84[:3]) + tuple(-v for v in VN2000_TO_WGS84[3:6])
    official += (VN2000_TO_WGS84[6],)
    to_lonlat = pyproj.Transformer.from_crs("EPSG:4978", "EPSG:4326", always_xy=True)
    ends = [to_lonlat.transform(*_helmert_pv(lon, lat, p)) for p in (params, official)]
    (lon1, lat1, *_), (lon2, lat2, *_) = ends
    return float(pyproj.Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2])
