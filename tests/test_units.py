"""Tests of ict_gis.units against hand-computed expectations.

Fixtures are unit squares in UTM zone 48N (EPSG:32648, metres) near Nam Định,
so that areas and crossing points can be computed by hand, and a few squares
in longitude/latitude. Geodesic expectations come from ``pyproj.Geod.inv`` on
the end points, independently of the code under test.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely import LineString, MultiLineString, Point, box

from ict_gis.layerset import bundled_layers
from ict_gis.units import (
    AdminChangeError,
    UnitError,
    assign_units,
    geodesic_length_m,
    metric_crs,
    remap_codes,
    split_by_unit,
    to_date,
    unit_frame,
    units_as_of,
)

GEOD = pyproj.Geod(ellps="WGS84")
UTM = "EPSG:32648"
X0, Y0 = 600_000.0, 2_230_000.0  # about 105.95 E, 20.16 N
TO_LONLAT = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def square(i: float, j: float, size: float = 1000.0):
    return box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)


@pytest.fixture
def three_units() -> gpd.GeoDataFrame:
    """Three units: "10" = [0,1]x[0,1] km, "20" = [1,2]x[0,1] km, "30" = [0,2]x[1,2] km.

    Rows are in reverse code order on purpose. The point (1 km, 1 km) is a
    corner of all three units.
    """
    return gpd.GeoDataFrame(
        {
            "code": ["30", "20", "10"],
            "name": ["Ba", "Hai", "Một"],
            "level": ["district"] * 3,
            "population": pd.array([300, 200, 100], dtype="Int64"),
            "households": pd.array([30, 20, 10], dtype="Int64"),
        },
        geometry=[
            box(X0, Y0 + 1000, X0 + 2000, Y0 + 2000),
            square(1, 0),
            square(0, 0),
        ],
        crs=UTM,
    )


def changes(*rows: tuple[str, str, str]) -> pd.DataFrame:
    old, new, date = zip(*rows, strict=True) if rows else ((), (), ())
    return pd.DataFrame(
        {
            "old_code": list(old),
            "new_code": list(new),
            "effective_date": pd.to_datetime(list(date)).astype("datetime64[ns]"),
        }
    )


def lonlat(x: float, y: float) -> tuple[float, float]:
    return TO_LONLAT.transform(x, y)


def geodesic(p: tuple[float, float], q: tuple[float, float]) -> float:
    """Geodesic distance between two UTM points, via their lon/lat."""
    (lon1, lat1), (lon2, lat2) = lonlat(*p), lonlat(*q)
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


# --------------------------------------------------------------------------- to_date


@pytest.mark.parametrize(
    "value",
    [
        "2024-12-31",
        " 2024-12-31 ",
        dt.date(2024, 12, 31),
        dt.datetime(2024, 12, 31, 15, 30),
        pd.Timestamp("2024-12-31 23:59", tz="Asia/Ho_Chi_Minh"),
        np.datetime64("2024-12-31"),
        "2024-12-31T08:00:00",
    ],
)
def test_to_date_gives_the_day(value):
    assert to_date(value) == pd.Timestamp(2024, 12, 31)


def test_to_date_none_and_nat_stay_none():
    assert to_date(None) is None
    assert to_date(pd.NaT) is None


@pytest.mark.parametrize(
    "value", ["31/12/2024", "yesterday", "", 20241231, "2999-01-01", dt.date(1500, 1, 1)]
)
def test_to_date_rejects_non_dates(value):
    with pytest.raises(UnitError, match="date"):
        to_date(value)


# --------------------------------------------------------------------------- metric_crs


def cell_1deg(lon: float, lat: float) -> shapely.Polygon:
    return shapely.segmentize(box(lon, lat, lon + 1, lat + 1), 0.01)


def test_metric_crs_is_equal_area():
    cell = cell_1deg(106.0, 20.0)
    frame = gpd.GeoSeries([cell], crs="EPSG:4326")
    crs = metric_crs(frame)
    planar = frame.to_crs(crs).area.iloc[0]
    lons, lats = np.asarray(cell.exterior.coords).T
    geodesic_area = abs(GEOD.polygon_area_perimeter(lons, lats)[0])
    # Hand estimate: 111.32 km x cos(20.5°) east-west times 110.72 km north-south.
    assert geodesic_area == pytest.approx(111.32e3 * np.cos(np.radians(20.5)) * 110.72e3, rel=1e-3)
    assert planar == pytest.approx(geodesic_area, rel=1e-4)


def test_metric_crs_is_equal_area_away_from_its_centre():
    # A cell 2° from the centre of the layer still has its true area.
    cells = gpd.GeoSeries([cell_1deg(104.0, 18.0), cell_1deg(108.0, 22.0)], crs="EPSG:4326")
    crs = metric_crs(cells)
    lons, lats = np.asarray(cells.iloc[0].exterior.coords).T
    expected = abs(GEOD.polygon_area_perimeter(lons, lats)[0])
    assert cells.to_crs(crs).area.iloc[0] == pytest.approx(expected, rel=1e-4)


def params(crs: pyproj.CRS) -> dict[str, float]:
    return {p.name: p.value for p in crs.coordinate_operation.params}


def test_metric_crs_is_laea_centred_on_rounded_bounds():
    frame = gpd.GeoSeries([Point(106.0, 20.0), Point(106.4690, 20.9130)], crs="EPSG:4326")
    crs = metric_crs(frame)
    assert crs.is_projected
    assert "Lambert Azimuthal Equal Area" in crs.coordinate_operation.method_name
    assert params(crs)["Latitude of natural origin"] == pytest.approx(20.46)  # 20.4565
    assert params(crs)["Longitude of natural origin"] == pytest.approx(106.23)  # 106.2345
    # A nearby layer (centre within the same 0.01°) shares the CRS.
    other = gpd.GeoSeries([Point(106.0004, 20.0003), Point(106.4690, 20.9130)], crs="EPSG:4326")
    assert metric_crs(other) == crs


def test_metric_crs_of_a_projected_layer_uses_its_lonlat_bounds(three_units):
    crs = metric_crs(three_units)  # a GeoDataFrame in UTM
    lon_min, lat_min = lonlat(X0, Y0)
    lon_max, lat_max = lonlat(X0 + 2000, Y0 + 2000)
    assert params(crs)["Latitude of natural origin"] == pytest.approx(
        round((lat_min + lat_max) / 2, 2), abs=0.0100001
    )
    assert params(crs)["Longitude of natural origin"] == pytest.approx(
        round((lon_min + lon_max) / 2, 2), abs=0.0100001
    )


def test_metric_crs_needs_a_crs_and_geometry():
    with pytest.raises(UnitError, match="no CRS"):
        metric_crs(gpd.GeoSeries([Point(106, 20)]))
    with pytest.raises(UnitError, match="no geometry"):
        metric_crs(gpd.GeoSeries([None], crs="EPSG:4326"))


# --------------------------------------------------------------------------- geodesic_length_m


def test_geodesic_length_of_one_degree_on_the_equator():
    # Along the equator a geodesic is the equator: 2 pi a / 360 with a = 6378137 m.
    lines = gpd.GeoSeries([LineString([(0, 0), (1, 0)])], index=["x"], crs="EPSG:4326")
    lengths = geodesic_length_m(lines)
    assert lengths.index.tolist() == ["x"]
    assert lengths["x"] == pytest.approx(2 * np.pi * 6_378_137 / 360, abs=1e-6)


def test_geodesic_length_matches_geod_for_every_geometry_kind():
    line = LineString([(106.1, 20.4), (106.2, 20.45), (106.25, 20.3)])
    multi = MultiLineString([line.coords, [(106.3, 20.3), (106.31, 20.3)]])
    polygon = box(106.0, 20.0, 106.1, 20.1)
    geoms = gpd.GeoSeries(
        [line, multi, polygon, Point(106, 20), None, LineString()],
        index=[5, 4, 3, 2, 1, 0],
        crs="EPSG:4326",
    )
    lengths = geodesic_length_m(geoms)
    leg = [GEOD.inv(106.1, 20.4, 106.2, 20.45)[2], GEOD.inv(106.2, 20.45, 106.25, 20.3)[2]]
    extra = GEOD.inv(106.3, 20.3, 106.31, 20.3)[2]
    assert lengths.index.tolist() == [5, 4, 3, 2, 1, 0]
    assert lengths[5] == pytest.approx(sum(leg), abs=1e-6)
    assert lengths[4] == pytest.approx(sum(leg) + extra, abs=1e-6)
    assert lengths[3] == pytest.approx(GEOD.geometry_length(polygon), abs=1e-6)
    assert lengths[2] == 0.0
    assert np.isnan(lengths[1])
    assert lengths[0] == 0.0


def test_geodesic_length_reprojects_projected_input():
    lines = gpd.GeoSeries([LineString([(X0, Y0), (X0 + 1000, Y0)])], crs=UTM)
    expected = geodesic((X0, Y0), (X0 + 1000, Y0))
    assert geodesic_length_m(lines).iloc[0] == pytest.approx(expected, abs=1e-6)
    # UTM is not distance preserving: 1 km on the grid is not 1 km on Earth.
    assert abs(expected - 1000) > 0.01


# --------------------------------------------------------------------------- assign_units


def test_assign_units_edges_corners_and_outside(three_units):
    points = gpd.GeoDataFrame(
        {"site_id": list("abcdefghi")},
        geometry=[
            Point(X0 + 500, Y0 + 500),  # inside 10
            Point(X0 + 1500, Y0 + 500),  # inside 20
            Point(X0 + 500, Y0 + 1500),  # inside 30
            Point(X0 + 1000, Y0 + 500),  # edge 10|20 -> 10
            Point(X0 + 1500, Y0 + 1000),  # edge 20|30 -> 20
            Point(X0 + 500, Y0 + 1000),  # edge 10|30 -> 10
            Point(X0 + 1000, Y0 + 1000),  # corner of 10, 20 and 30 -> 10
            Point(X0 + 3000, Y0 + 500),  # outside -> NA
            Point(X0 + 2000, Y0 + 2000),  # outer corner of 30 (on its boundary) -> 30
        ],
        index=pd.Index([11, 12, 13, 14, 15, 16, 17, 18, 19], name="row"),
        crs=UTM,
    )
    got = assign_units(points, three_units)
    assert got.index.equals(points.index)
    assert got.name == "code"
    assert got.dtype == object
    assert got.iloc[:7].tolist() == ["10", "20", "30", "10", "20", "10", "10"]
    assert got.iloc[7] is pd.NA
    assert got.iloc[8] == "30"


def test_assign_units_does_not_depend_on_row_order(three_units):
    points = gpd.GeoDataFrame(
        geometry=[Point(X0 + 1000, Y0 + 1000), Point(X0 + 1500, Y0 + 1000)], crs=UTM
    )
    forward = assign_units(points, three_units)
    backward = assign_units(points, three_units.iloc[::-1])
    assert forward.tolist() == backward.tolist() == ["10", "20"]


def test_assign_units_accepts_units_indexed_by_code(three_units):
    units = units_as_of(three_units)
    assert "code" not in units.columns
    points = gpd.GeoDataFrame(geometry=[Point(X0 + 1000, Y0 + 500)], crs=UTM)
    assert assign_units(points, units).tolist() == ["10"]


def test_assign_units_reprojects_features(three_units):
    points = gpd.GeoDataFrame(
        geometry=[Point(*lonlat(X0 + 1500, Y0 + 500)), Point(*lonlat(X0 + 200, Y0 + 1800))],
        crs="EPSG:4326",
    )
    assert assign_units(points, three_units).tolist() == ["20", "30"]


def test_assign_units_places_other_geometries_by_a_point_on_them(three_units):
    features = gpd.GeoDataFrame(
        geometry=[
            box(X0 + 1100, Y0 + 100, X0 + 1900, Y0 + 900),  # polygon inside 20
            LineString([(X0 + 100, Y0 + 1100), (X0 + 1900, Y0 + 1900)]),  # line inside 30
            None,
            Point(),
        ],
        crs=UTM,
    )
    got = assign_units(features, three_units)
    assert got.iloc[:2].tolist() == ["20", "30"]
    assert got.iloc[2] is pd.NA
    assert got.iloc[3] is pd.NA


def test_assign_units_does_not_modify_inputs(three_units):
    points = gpd.GeoDataFrame(
        {"site_id": ["a"]}, geometry=[Point(*lonlat(X0 + 5, Y0 + 5))], crs=4326
    )
    before_points, before_units = points.copy(), three_units.copy()
    assign_units(points, three_units)
    pd.testing.assert_frame_equal(points, before_points)
    pd.testing.assert_frame_equal(three_units, before_units)


def test_assign_units_crs_must_be_known_on_both_sides(three_units):
    points = gpd.GeoDataFrame(geometry=[Point(X0 + 5, Y0 + 5)])
    with pytest.raises(UnitError, match="no CRS"):
        assign_units(points, three_units)


def test_assign_units_rejects_units_without_code(three_units):
    units = three_units.copy()
    units.loc[0, "code"] = None
    with pytest.raises(UnitError, match="no code"):
        assign_units(gpd.GeoDataFrame(geometry=[Point(X0, Y0)], crs=UTM), units)


def test_assign_units_100000_points_against_arithmetic():
    # A 10 x 10 grid of 1 km cells with codes "r-c"; a point's cell is floor(x / 1 km).
    cells = [(r, c) for r in range(10) for c in range(10)]
    units = gpd.GeoDataFrame(
        {"code": [f"{r}-{c}" for r, c in cells]},
        geometry=[square(c, r) for r, c in cells],
        crs=UTM,
    )
    rng = np.random.default_rng(7)
    x = rng.uniform(-1000, 11_000, 100_000)  # some outside the grid
    y = rng.uniform(0, 10_000, 100_000)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(X0 + x, Y0 + y), crs=UTM)
    got = assign_units(points, units)
    # The placement rule: within 100 m of the grid, a point goes to the nearest cell.
    inside = (x >= -100) & (x <= 10_100)
    expected = np.where(
        inside,
        [f"{int(r)}-{int(c)}" for r, c in zip(y // 1000, np.clip(x, 0, 9999) // 1000, strict=True)],
        None,
    )
    assert got[~inside].isna().all()
    assert (got[inside].to_numpy() == expected[inside]).all()


# --------------------------------------------------------------------------- units_as_of


def test_units_as_of_without_changes_indexes_by_code(three_units):
    units = units_as_of(three_units)
    assert units.index.name == "code"
    assert units.index.tolist() == ["10", "20", "30"]
    assert units.loc["10", "name"] == "Một"
    assert units.crs == three_units.crs
    assert isinstance(units, gpd.GeoDataFrame)
    assert (units["merged_codes"] == "").all()


def test_units_as_of_merge_is_inclusive_of_its_effective_date(three_units):
    merge = changes(("20", "10", "2024-09-01"))
    assert units_as_of(three_units, merge, as_of="2024-08-31").index.tolist() == ["10", "20", "30"]
    after = units_as_of(three_units, merge, as_of="2024-09-01")
    assert after.index.tolist() == ["10", "30"]
    assert after.loc["10", "name"] == "Một"
    assert after.loc["10", "population"] == 100 + 200
    assert after.loc["10", "households"] == 10 + 20
    assert after.loc["10", "merged_codes"] == "20"
    assert after.loc["10"].geometry.area == pytest.approx(2_000_000)  # 2 km x 1 km
    assert after.loc["10"].geometry.equals(box(X0, Y0, X0 + 2000, Y0 + 1000))
    assert after.loc["30", "population"] == 300
    assert after.crs == three_units.crs


def test_units_as_of_takes_attributes_from_the_surviving_unit(three_units):
    # "10" merges into "20": name, level come from "20", even though "10" is listed later.
    merged = units_as_of(three_units, changes(("10", "20", "2024-01-01")), as_of="2024-12-31")
    assert merged.index.tolist() == ["20", "30"]
    assert merged.loc["20", "name"] == "Hai"
    assert merged.loc["20", "population"] == 300


def test_units_as_of_follows_chains(three_units):
    chain = changes(("20", "10", "2024-09-01"), ("30", "20", "2025-01-01"))
    mid = units_as_of(three_units, chain, as_of="2024-12-31")
    assert mid.index.tolist() == ["10", "30"]
    end = units_as_of(three_units, chain, as_of="2025-01-01")
    assert end.index.tolist() == ["10"]
    assert end.loc["10", "population"] == 600
    assert end.loc["10", "merged_codes"] == "20,30"
    assert end.loc["10"].geometry.area == pytest.approx(1e6 + 1e6 + 2e6)
    assert end.loc["10"].geometry.equals(box(X0, Y0, X0 + 2000, Y0 + 2000))


def test_units_as_of_chain_link_not_yet_effective(three_units):
    # 30 -> 20 in 2024, 20 -> 10 only in 2025: at the end of 2024, 30 is in 20.
    chain = changes(("30", "20", "2024-03-01"), ("20", "10", "2025-01-01"))
    units = units_as_of(three_units, chain, as_of="2024-12-31")
    assert units.index.tolist() == ["10", "20"]
    assert units.loc["20", "population"] == 500


def test_units_as_of_none_applies_changes_up_to_today(three_units):
    chain = changes(("20", "10", "2024-09-01"), ("30", "10", "2199-01-01"))
    assert units_as_of(three_units, chain).index.tolist() == ["10", "30"]


def test_units_as_of_missing_population_stays_missing(three_units):
    units = three_units.copy()
    units["population"] = pd.array([300, pd.NA, 100], dtype="Int64")
    merged = units_as_of(units, changes(("20", "10", "2024-09-01")), as_of="2024-12-31")
    assert merged.loc["10", "population"] is pd.NA
    assert merged.loc["30", "population"] == 300


def test_units_as_of_accepts_raw_change_tables(three_units):
    raw = pd.DataFrame({"old_code": [20], "new_code": [10], "effective_date": ["2024-09-01"]})
    assert units_as_of(three_units, raw, as_of=dt.date(2024, 9, 1)).index.tolist() == ["10", "30"]


def test_units_as_of_ignores_changes_of_other_units(three_units):
    other = changes(("358", "356", "2024-09-01"), ("999", "30", "2024-09-01"))
    assert units_as_of(three_units, other, as_of="2024-12-31").index.tolist() == ["10", "20", "30"]


def test_units_as_of_merge_into_unknown_code_is_an_error(three_units):
    with pytest.raises(AdminChangeError, match=r"20 \(Hai\) -> 77"):
        units_as_of(three_units, changes(("20", "77", "2024-09-01")), as_of="2024-12-31")


def test_units_as_of_contradictory_changes_are_errors(three_units):
    with pytest.raises(AdminChangeError, match="20 -> 10, 30"):
        units_as_of(
            three_units,
            changes(("20", "10", "2024-09-01"), ("20", "30", "2024-10-01")),
            as_of="2024-12-31",
        )
    with pytest.raises(AdminChangeError, match="loop"):
        units_as_of(
            three_units,
            changes(("20", "10", "2024-09-01"), ("10", "20", "2024-10-01")),
            as_of="2024-12-31",
        )


def test_units_as_of_bad_change_rows_are_all_reported(three_units):
    bad = pd.DataFrame(
        {
            "old_code": ["20", None],
            "new_code": ["10", "10"],
            "effective_date": ["soon", "2024-01-01"],
        }
    )
    with pytest.raises(AdminChangeError) as info:
        units_as_of(three_units, bad)
    assert "row 1 (old_code 20): effective_date 'soon' is not a date" in str(info.value)
    assert "row 2: old_code is missing" in str(info.value)


def test_units_as_of_level_filter(three_units):
    province = gpd.GeoDataFrame(
        {"code": ["1"], "name": ["Tỉnh"], "level": ["province"]},
        geometry=[box(X0, Y0, X0 + 2000, Y0 + 2000)],
        crs=UTM,
    )
    layer = pd.concat([province, three_units], ignore_index=True)
    assert units_as_of(layer, level="district").index.tolist() == ["10", "20", "30"]
    assert units_as_of(layer, level="province").index.tolist() == ["1"]
    with pytest.raises(UnitError, match="levels present: district, province"):
        units_as_of(layer, level="commune")
    with pytest.raises(UnitError, match="no 'level' column"):
        units_as_of(three_units.drop(columns="level"), level="district")


def test_units_as_of_duplicate_codes_are_an_error(three_units):
    units = three_units.copy()
    units.loc[0, "code"] = "10"
    with pytest.raises(UnitError, match="repeated: 10"):
        units_as_of(units)


def test_units_as_of_does_not_modify_inputs(three_units):
    merge = changes(("20", "10", "2024-09-01"))
    before_units, before_changes = three_units.copy(), merge.copy()
    units_as_of(three_units, merge, as_of="2024-12-31")
    pd.testing.assert_frame_equal(three_units, before_units)
    pd.testing.assert_frame_equal(merge, before_changes)


# --------------------------------------------------------------------------- remap_codes


def test_remap_codes_follows_chains_and_keeps_missing():
    chain = changes(("358", "356", "2024-09-01"), ("356", "36", "2025-07-01"))
    codes = pd.Series(["358", "356", "359", None], index=list("abcd"), name="code")
    assert remap_codes(codes, chain, as_of="2024-08-31").tolist() == ["358", "356", "359", pd.NA]
    before = codes.copy()
    got = remap_codes(codes, chain, as_of="2024-09-01")
    assert got.tolist() == ["356", "356", "359", pd.NA]
    assert got.index.tolist() == list("abcd")
    assert got.name == "code"
    assert remap_codes(codes, chain, as_of="2025-07-01").tolist() == ["36", "36", "359", pd.NA]
    pd.testing.assert_series_equal(codes, before)


def test_remap_codes_without_changes_returns_text():
    assert remap_codes(pd.Series([356, 358]), None).tolist() == ["356", "358"]


# --------------------------------------------------------------------------- split_by_unit


@pytest.fixture
def two_units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": ["20", "10"]}, geometry=[square(1, 0), square(0, 0)], crs=UTM)


def test_split_by_unit_cuts_at_the_boundary(two_units):
    one_km = LineString([(X0 + 700, Y0 + 500), (X0 + 1700, Y0 + 500)])  # 300 m | 700 m
    two_km = LineString([(X0 + 500, Y0 + 200), (X0 + 2500, Y0 + 200)])  # 500 | 1000 | 500 out
    lines = gpd.GeoDataFrame(
        {"route_id": ["R1", "R2"], "category": ["with_messenger", "without_messenger"]},
        geometry=[one_km, two_km],
        index=[7, 3],
        crs=UTM,
    )
    pieces = split_by_unit(lines, two_units)
    assert pieces.crs == lines.crs
    assert list(pieces.columns) == ["route_id", "category", "geometry", "code", "length_m"]
    assert pieces.index.tolist() == [7, 7, 3, 3, 3]
    assert pieces["route_id"].tolist() == ["R1", "R1", "R2", "R2", "R2"]
    assert pieces["code"].iloc[:4].tolist() == ["10", "20", "10", "20"]
    assert pieces["code"].iloc[4] is pd.NA

    cross1, cross2 = (X0 + 1000, Y0 + 500), (X0 + 1000, Y0 + 200)
    edge2 = (X0 + 2000, Y0 + 200)
    expected = [
        geodesic((X0 + 700, Y0 + 500), cross1),
        geodesic(cross1, (X0 + 1700, Y0 + 500)),
        geodesic((X0 + 500, Y0 + 200), cross2),
        geodesic(cross2, edge2),
        geodesic(edge2, (X0 + 2500, Y0 + 200)),
    ]
    assert pieces["length_m"].tolist() == pytest.approx(expected, abs=1e-6)
    assert pieces["length_m"].iloc[0] == pytest.approx(300, rel=1e-3)  # grid metres ~ metres
    assert pieces.geometry.iloc[1].equals(LineString([cross1, (X0 + 1700, Y0 + 500)]))

    km_per_unit = pieces.groupby("code")["length_m"].sum() / 1000
    assert km_per_unit["10"] == pytest.approx((expected[0] + expected[2]) / 1000, abs=1e-9)
    assert km_per_unit["20"] == pytest.approx((expected[1] + expected[3]) / 1000, abs=1e-9)
    whole = [geodesic(one_km.coords[0], one_km.coords[1]), geodesic(*two_km.coords)]
    total = pieces.groupby(level=0, sort=False)["length_m"].sum()
    assert total.tolist() == pytest.approx(whole, abs=1e-6)


def test_split_by_unit_in_lonlat_uses_a_metric_crs_and_keeps_vertices():
    units = gpd.GeoDataFrame(
        {"code": ["10", "20"]},
        geometry=[box(106.0, 20.0, 106.01, 20.01), box(106.01, 20.0, 106.02, 20.01)],
        crs="EPSG:4326",
    )
    line = LineString([(106.005, 20.005), (106.008, 20.006), (106.015, 20.005)])
    lines = gpd.GeoDataFrame({"route_id": ["R"]}, geometry=[line], crs="EPSG:4326")
    pieces = split_by_unit(lines, units)
    assert pieces["code"].tolist() == ["10", "20"]
    assert pieces.crs == "EPSG:4326"
    first, second = pieces.geometry
    # The line's own vertices come back exactly; the cut point is on lon 106.01.
    assert first.coords[0] == (106.005, 20.005)
    assert first.coords[1] == (106.008, 20.006)
    assert second.coords[-1] == (106.015, 20.005)
    cut = first.coords[-1]
    assert cut == pytest.approx(second.coords[0])
    assert cut[0] == pytest.approx(106.01, abs=1e-9)
    # On the lon/lat segment from (106.008, 20.006) to (106.015, 20.005): lat at 106.01.
    assert cut[1] == pytest.approx(20.006 - 0.001 * 2 / 7, abs=1e-7)
    legs = [
        GEOD.inv(106.005, 20.005, 106.008, 20.006)[2] + GEOD.inv(106.008, 20.006, *cut)[2],
        GEOD.inv(*cut, 106.015, 20.005)[2],
    ]
    assert pieces["length_m"].tolist() == pytest.approx(legs, abs=1e-6)
    assert pieces["length_m"].sum() == pytest.approx(GEOD.geometry_length(line), abs=1e-3)


def test_split_by_unit_line_along_a_shared_edge_counts_once(two_units):
    along = LineString([(X0 + 1000, Y0 + 100), (X0 + 1000, Y0 + 900)])
    lines = gpd.GeoDataFrame({"route_id": ["E"]}, geometry=[along], crs=UTM)
    pieces = split_by_unit(lines, two_units)
    assert pieces["code"].tolist() == ["10"]
    assert pieces["length_m"].iloc[0] == pytest.approx(geodesic(*along.coords), abs=1e-6)


def test_split_by_unit_keeps_lines_inside_one_unit_as_they_are(two_units):
    inside = LineString([(X0 + 1100, Y0 + 100), (X0 + 1333.3, Y0 + 777.7), (X0 + 1900, Y0 + 10)])
    lines = gpd.GeoDataFrame({"route_id": ["A"]}, geometry=[inside], crs=UTM).to_crs("EPSG:4326")
    pieces = split_by_unit(lines, two_units)
    assert pieces["code"].tolist() == ["20"]
    assert pieces.geometry.iloc[0].equals_exact(lines.geometry.iloc[0], tolerance=0)


def test_split_by_unit_leaves_a_row_for_lines_without_geometry_and_multilines(two_units):
    multi = MultiLineString(
        [
            [(X0 + 100, Y0 + 100), (X0 + 400, Y0 + 100)],
            [(X0 + 1100, Y0 + 100), (X0 + 1500, Y0 + 100)],
        ]
    )
    lines = gpd.GeoDataFrame({"route_id": ["M", "N"]}, geometry=[multi, None], crs=UTM)
    pieces = split_by_unit(lines, two_units)
    assert pieces["route_id"].tolist() == ["M", "M", "N"]
    assert pieces["code"].iloc[:2].tolist() == ["10", "20"]
    assert pieces["code"].iloc[2] is pd.NA
    assert pieces["length_m"].iloc[0] == pytest.approx(
        geodesic((X0 + 100, Y0 + 100), (X0 + 400, Y0 + 100)), abs=1e-6
    )
    assert pieces["length_m"].iloc[1] == pytest.approx(
        geodesic((X0 + 1100, Y0 + 100), (X0 + 1500, Y0 + 100)), abs=1e-6
    )
    assert pieces.geometry.iloc[2] is None
    assert np.isnan(pieces["length_m"].iloc[2])


def test_split_by_unit_rejects_bad_input(two_units):
    polygons = gpd.GeoDataFrame(geometry=[square(0, 0)], crs=UTM)
    with pytest.raises(UnitError, match="Polygon"):
        split_by_unit(polygons, two_units)
    coded = gpd.GeoDataFrame({"code": ["x"]}, geometry=[LineString([(0, 0), (1, 1)])], crs=UTM)
    with pytest.raises(UnitError, match="'code' column"):
        split_by_unit(coded, two_units)


def test_split_by_unit_does_not_modify_inputs(two_units):
    lines = gpd.GeoDataFrame(
        {"route_id": ["R"]},
        geometry=[LineString([(X0 + 700, Y0 + 500), (X0 + 1700, Y0 + 500)])],
        crs=UTM,
    ).to_crs("EPSG:4326")
    before_lines, before_units = lines.copy(), two_units.copy()
    split_by_unit(lines, two_units)
    pd.testing.assert_frame_equal(lines, before_lines)
    pd.testing.assert_frame_equal(two_units, before_units)


# --------------------------------------------------------------------------- bundled districts


@pytest.fixture(scope="module")
def bundled():
    return bundled_layers()


def geodesic_area(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def test_bundled_districts_before_and_after_the_my_loc_merge(bundled):
    districts, merges = bundled["districts"], bundled["admin_changes"]
    assert len(units_as_of(districts, merges, as_of="2024-06-30")) == 10
    assert len(units_as_of(districts, merges, as_of="2024-08-31")) == 10
    units = units_as_of(districts, merges, as_of="2024-12-31")
    assert len(units) == 9
    assert "358" not in units.index
    assert units.loc["356", "name"] == "Thành phố Nam Định"
    by_code = districts.set_index("code").geometry
    expected = geodesic_area(by_code["356"]) + geodesic_area(by_code["358"])
    assert 100e6 < expected < 150e6  # Nam Định city + Mỹ Lộc: about 121 km²
    area = units.geometry.to_crs(metric_crs(units)).area
    assert area["356"] == pytest.approx(expected, rel=1e-4)
    assert area["359"] == pytest.approx(geodesic_area(by_code["359"]), rel=1e-4)


def test_unit_frame_reads_districts_and_changes(bundled):
    assert len(unit_frame(bundled, as_of="2024-12-31")) == 9
    assert len(unit_frame(bundled, as_of=dt.date(2024, 6, 30), level="district")) == 10
    assert len(unit_frame({"districts": bundled["districts"]}, as_of="2024-12-31")) == 10


def test_bundled_remap_of_my_loc(bundled):
    codes = pd.Series(["358", "356", "366"])
    got = remap_codes(codes, bundled["admin_changes"], as_of="2024-12-31")
    assert got.tolist() == ["356", "356", "366"]


def test_bundled_points_in_districts(bundled):
    districts = bundled["districts"]
    # Representative points of each district are in that district (before the merge)
    # and, after it, Mỹ Lộc's point is in Nam Định city.
    points = gpd.GeoDataFrame(
        {"expected": districts["code"].to_numpy()},
        geometry=districts.geometry.representative_point().to_numpy(),
        crs=districts.crs,
    )
    assert assign_units(points, districts).tolist() == districts["code"].tolist()
    merged = units_as_of(districts, bundled["admin_changes"], as_of="2024-12-31")
    got = assign_units(points, merged)
    assert got[districts["code"] == "358"].tolist() == ["356"]
    assert got.notna().all()


def _two_units_and_seven_points() -> tuple[gpd.GeoDataFrame, gpd.GeoSeries]:
    """Squares A and B (0.1° each); 3 points in A, 2 in B, 1 far outside, 1 without geometry."""
    from shapely.geometry import Point, box

    units = gpd.GeoDataFrame(
        {"code": ["A", "B"]},
        geometry=[box(106.0, 20.0, 106.1, 20.1), box(106.1, 20.0, 106.2, 20.1)],
        crs=4326,
    )
    lonlat = [(106.01, 20.05), (106.05, 20.05), (106.09, 20.02), (106.15, 20.05), (106.19, 20.09)]
    points = gpd.GeoSeries([Point(xy) for xy in lonlat] + [Point(110.0, 10.0), None], crs=4326)
    return units, points


def test_count_points_streams_in_batches_and_counts_by_the_placement_rule(tmp_path):
    """The 7 points, counted 2 at a time."""
    from ict_gis.units import count_points

    units, points = _two_units_and_seven_points()
    path = tmp_path / "cells.gpkg"  # in Web Mercator: reprojected batch by batch
    gpd.GeoDataFrame({"n": range(7)}, geometry=points.to_crs(3857)).to_file(path, layer="cells")
    counts = count_points(path, units, layer="cells", batch_rows=2)
    assert counts.to_dict() == {"A": 3, "B": 2, "outside": 2}
    # the same as placing the whole layer at once
    whole = assign_units(gpd.read_file(path), units)
    assert whole.value_counts().to_dict() == {"A": 3, "B": 2}


def test_count_points_by_a_column_counts_each_value_per_unit(tmp_path):
    """The same 7 points with a radio each, counted 2 at a time (values met batch by batch).

    A: LTE, GSM, LTE; B: none, NR; outside: LTE (far away), GSM (no geometry).
    """
    from ict_gis.errors import LayerReadError
    from ict_gis.units import count_points

    units, points = _two_units_and_seven_points()
    radio = ["LTE", "GSM", "LTE", None, "NR", "LTE", "GSM"]
    path = tmp_path / "cells.gpkg"
    gpd.GeoDataFrame({"radio": radio}, geometry=points).to_file(path, layer="cells")
    counts = count_points(path, units, batch_rows=2, by="radio")
    assert counts.columns.tolist() == ["GSM", "LTE", "NR", None]
    assert counts.to_dict("index") == {
        "A": {"GSM": 1, "LTE": 2, "NR": 0, None: 0},
        "B": {"GSM": 0, "LTE": 0, "NR": 1, None: 1},
        "outside": {"GSM": 1, "LTE": 1, "NR": 0, None: 0},
    }
    with pytest.raises(LayerReadError, match="no column 'band' to count by; its columns: radio"):
        count_points(path, units, by="band")
