"""VN-2000 from EPSG codes and ESRI .prj files, --crs, and TOWGS84 checks (issue 12 item 6)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from click.testing import CliRunner
from shapely import Point

from ict_gis import io
from ict_gis.cli.main import cli
from ict_gis.errors import CrsError
from ict_gis.io.crs import VN2000_CODES, parse_crs, towgs84_shift_m
from ict_gis.layerset import LayerSet
from ict_gis.validate import validate

BROKEN = Path(__file__).parent / "data" / "broken"

_GEOGCS = (
    'GEOGCS["GCS_VN_2000",DATUM["{datum}",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)
_TM = (
    'PROJCS["{name}",{geogcs},PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",{lon0}],PARAMETER["Scale_Factor",{k}],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
#: ESRI .prj spellings seen in files of Vietnamese agencies (ArcGIS exports).
PRJ_SPELLINGS = {
    "esri_utm48_d_vietnam_2000": _TM.format(
        name="VN_2000_UTM_Zone_48N",
        geogcs=_GEOGCS.format(datum="D_Vietnam_2000"),
        lon0=105.0,
        k=0.9996,
    ),
    "esri_utm48_d_vn_2000": _TM.format(
        name="VN_2000_UTM_Zone_48N", geogcs=_GEOGCS.format(datum="D_VN_2000"), lon0=105.0, k=0.9996
    ),
    "esri_tm3_nam_dinh": _TM.format(
        name="VN2000_TM3_Nam_Dinh",
        geogcs=_GEOGCS.format(datum="D_Vietnam_2000"),
        lon0=105.5,
        k=0.9999,
    ),
    "esri_geographic": _GEOGCS.format(datum="D_Vietnam_2000"),
}

# EPSG:6960 "VN-2000 to WGS 84 (2)", coordinate-frame convention, as published
# in the EPSG registry (translations m, rotations arc-seconds, scale ppm).
EPSG_6960 = (
    -191.90441429,
    -39.30318279,
    -111.45032835,
    -0.00928836,
    0.01975479,
    -0.00427372,
    0.252906278,
)
A, F = 6378137.0, 1 / 298.257223563  # VN-2000 uses the WGS 84 ellipsoid
E2 = F * (2 - F)


def _ecef(lon: float, lat: float) -> np.ndarray:
    phi, lam = math.radians(lat), math.radians(lon)
    n = A / math.sqrt(1 - E2 * math.sin(phi) ** 2)
    return np.array(
        [
            n * math.cos(phi) * math.cos(lam),
            n * math.cos(phi) * math.sin(lam),
            n * (1 - E2) * math.sin(phi),
        ]
    )


def _geodetic(xyz: np.ndarray) -> tuple[float, float]:
    x, y, z = xyz
    p = math.hypot(x, y)
    lat = math.atan2(z, p * (1 - E2))
    for _ in range(10):
        n = A / math.sqrt(1 - E2 * math.sin(lat) ** 2)
        h = p / math.cos(lat) - n
        lat = math.atan2(z, p * (1 - E2 * n / (n + h)))
    return math.degrees(math.atan2(y, x)), math.degrees(lat)


def hand_vn2000_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """The coordinate-frame Helmert of EPSG:6960, by hand (EPSG Guidance Note 7-2, 4.4.3.1)."""
    tx, ty, tz, rx, ry, rz, ds = EPSG_6960
    sec = math.pi / (180 * 3600)
    rx, ry, rz = rx * sec, ry * sec, rz * sec
    # coordinate frame: the transposed rotation of the position-vector form
    r = np.array([[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]])
    return _geodetic(np.array([tx, ty, tz]) + (1 + ds * 1e-6) * r @ _ecef(lon, lat))


@pytest.mark.parametrize("code", VN2000_CODES)
def test_every_vn2000_epsg_code_is_vn2000(code):
    crs = parse_crs(str(code))
    assert crs.to_epsg() == code
    assert crs.geodetic_crs.datum.name == "Vietnam 2000"


def test_aliases_and_bad_values():
    assert parse_crs("VN-2000").to_epsg() == 4756
    assert parse_crs("EPSG:3405").to_epsg() == 3405
    with pytest.raises(CrsError, match="not a coordinate system"):
        parse_crs("EPSG:999999")


@pytest.mark.parametrize("name", sorted(PRJ_SPELLINGS))
def test_esri_prj_spellings_are_vn2000(tmp_path, name):
    prj = tmp_path / f"{name}.prj"
    prj.write_text(PRJ_SPELLINGS[name], encoding="ascii")
    crs = parse_crs(prj)
    assert crs.geodetic_crs.datum.name == "Vietnam 2000"
    # and it transforms to WGS 84 as the official transformation does (within 1 m)
    lon, lat = 106.2, 20.4
    if crs.is_projected:
        x, y = pyproj.Transformer.from_crs(4756, crs, always_xy=True).transform(lon, lat)
    else:
        x, y = lon, lat
    got = pyproj.Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    want = hand_vn2000_to_wgs84(lon, lat)
    assert pyproj.Geod(ellps="WGS84").inv(*got, *want)[2] < 1.0


def test_a_point_surveyed_in_vn2000_lands_within_1_m_of_its_wgs84_position(tmp_path):
    # A station surveyed at VN-2000 lon 106.2, lat 20.4 (Nam Định), delivered as a
    # Shapefile in VN-2000 / UTM zone 48N with an ESRI .prj.
    x, y = pyproj.Transformer.from_crs(4756, 3405, always_xy=True).transform(106.2, 20.4)
    folder = tmp_path / "shp"
    folder.mkdir()
    frame = gpd.GeoDataFrame({"site_id": ["S1"]}, geometry=[Point(x, y)], crs=32648)
    frame.to_file(folder / "bts_stations.shp")
    # the agency's .prj replaces the one written
    (folder / "bts_stations.prj").write_text(PRJ_SPELLINGS["esri_utm48_d_vietnam_2000"])
    read = io.read_layer(folder / "bts_stations.shp")
    p = read.to_crs(4326).geometry.iloc[0]
    want = hand_vn2000_to_wgs84(106.2, 20.4)
    assert pyproj.Geod(ellps="WGS84").inv(p.x, p.y, *want)[2] < 1.0
    # the datum shift is real: ignoring it would put the station ~ 300 m off
    assert pyproj.Geod(ellps="WGS84").inv(106.2, 20.4, *want)[2] > 100


def test_towgs84_other_than_the_official_gets_a_warning_with_the_shift():
    wkt = pyproj.CRS.from_epsg(4756).to_wkt("WKT1_GDAL")
    # the older parameters (EPSG:6959), hand-typed into a .prj
    old = wkt.replace(
        'AUTHORITY["EPSG","6756"]',
        "TOWGS84[-192.873,-39.382,-111.202,-0.00205,-0.0005,0.00335,0.0188],"
        'AUTHORITY["EPSG","6756"]',
        1,
    )
    crs = pyproj.CRS.from_wkt(old)
    # independent figure: PROJ's own transformations, compared at the centre
    a = pyproj.Transformer.from_crs(crs, 4326, always_xy=True).transform(106.2, 20.4)
    b = hand_vn2000_to_wgs84(106.2, 20.4)
    expected = pyproj.Geod(ellps="WGS84").inv(*a, *b)[2]
    assert towgs84_shift_m(crs, 106.2, 20.4) == pytest.approx(expected, abs=0.01)
    sites = gpd.GeoDataFrame(
        {"site_id": ["S1"], "operator": "Viettel", "technologies": "4G"},
        geometry=[Point(106.2, 20.4)],
        crs=crs,
    )
    problems = validate(LayerSet({"bts_stations": sites}))
    (p,) = [p for p in problems if "TOWGS84" in p.message]
    assert p.severity == "warning" and f"{expected:.2f} m" in p.message
    # the official parameters (as a position-vector TOWGS84): no warning
    official = wkt.replace(
        'AUTHORITY["EPSG","6756"]',
        "TOWGS84[-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,"
        '0.00427372,0.252906278],AUTHORITY["EPSG","6756"]',
        1,
    )
    sites = sites.set_crs(pyproj.CRS.from_wkt(official), allow_override=True)
    assert not [p for p in validate(LayerSet({"bts_stations": sites})) if "TOWGS84" in p.message]


def test_crs_option_gives_a_crs_to_a_layer_without_one():
    path = str(BROKEN / "cable_routes-no_crs.zip")
    runner = CliRunner()
    without = runner.invoke(cli, ["validate", path, "--kind", "cable_routes"])
    assert "no CRS" in without.output
    given = runner.invoke(cli, ["validate", path, "--kind", "cable_routes", "--crs", "4326"])
    assert "no CRS" not in given.output
    info = runner.invoke(cli, ["info", path, "--kind", "cable_routes", "--crs", "EPSG:4326"])
    assert info.exit_code == 0 and "EPSG:4326" in info.output
    bad = runner.invoke(cli, ["info", path, "--crs", "EPSG:999999"])
    assert bad.exit_code == 2 and "not a coordinate system" in bad.output
