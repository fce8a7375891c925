"""The advice for a feature outside every unit in ``ict-gis progress`` (issue 12 item 2).

Two square units in EPSG:4326, 001 (lon 106.0-106.1) and 002 (lon 106.1-106.2),
both lat 20.0-20.1. A station 150 m east of 002 (put there with pyproj.Geod,
independently of ict_gis) is outside every unit by 150 m, and exchanging its
lon and lat explains nothing; a station typed as (lat, lon) = (20.05, 106.15)
lands in 002 once exchanged: only that one is told its coordinates look swapped.
"""

import geopandas as gpd
from pyproj import Geod
from shapely.geometry import Point, box

from ict_gis.layerset import LayerSet
from ict_gis.metrics.progress import OUTSIDE, bts_pipeline, problems_of

NEAR_LON, NEAR_LAT, _ = Geod(ellps="WGS84").fwd(106.2, 20.05, 90, 150)


def _layers() -> LayerSet:
    districts = gpd.GeoDataFrame(
        {"code": ["001", "002"], "name": ["Xã A", "Xã B"], "level": ["commune", "commune"]},
        geometry=[box(106.0, 20.0, 106.1, 20.1), box(106.1, 20.0, 106.2, 20.1)],
        crs=4326,
    )
    rows = [("S1", 106.05, 20.05), ("NEAR", NEAR_LON, NEAR_LAT), ("SWAP", 20.05, 106.15)]
    stations = gpd.GeoDataFrame(
        {
            "site_id": [r[0] for r in rows],
            "operator": ["Viettel"] * 3,
            "technologies": ["4G"] * 3,
            "height_m": [30.0] * 3,
            "status": ["on_air"] * 3,
            "approved_date": ["2020-01-01"] * 3,
            "on_air_date": ["2020-06-01"] * 3,
        },
        geometry=[Point(r[1], r[2]) for r in rows],
        crs=4326,
    )
    return LayerSet.from_frames({"districts": districts, "bts_stations": stations}, source="t")


def _outside() -> dict:
    table = bts_pipeline(_layers())
    assert table.loc[OUTSIDE, "approved"] == 2
    return {p.feature_id: p for p in problems_of(table) if p.layer == "bts_stations"}


def test_a_point_150_m_off_a_unit_is_not_told_its_coordinates_are_swapped():
    problem = _outside()["NEAR"]
    assert "150 m from the nearest, 002 (Xã B)" in problem.message
    text = (problem.message + " " + problem.fix).lower()
    assert "swap" not in text and "exchanged" not in text and "crs" not in text


def test_a_point_with_lon_and_lat_exchanged_is_told_so():
    problem = _outside()["SWAP"]
    assert "outside every unit" in problem.message
    assert "x and y look exchanged: swapped, it would lie in 002 (Xã B)" in problem.fix
