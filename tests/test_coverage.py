"""Coverage and switch-off gaps on hand-made fixtures with closed-form answers.

The fixtures are drawn in the equal-area CRS that :func:`ict_gis.units.metric_crs`
chooses for them (Lambert azimuthal equal-area centred on 106°E 20°N), so
that distances and areas are exactly the ones written here.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ict_gis.errors import TechnologyError
from ict_gis.footprints import FootprintModel
from ict_gis.metrics.coverage import (
    CoverageError,
    coverage,
    radiating_stations,
    switch_off_gaps,
)
from ict_gis.units import metric_crs

CRS = "+proj=laea +lat_0=20.00 +lon_0=106.00 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs +type=crs"
R = 2000.0
MODEL = FootprintModel(radii={"2G": R, "4G": R, "5G": R})
ENGINES = [("exact", None), ("exact", "polygons")]


def lens_area(r: float, d: float) -> float:
    """Area of the intersection of two disks of radius r, centres d apart."""
    return 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)


def segment_area(r: float, h: float) -> float:
    """Area of the part of a disk of radius r beyond a line at distance h from its centre."""
    return r * r * math.acos(h / r) - h * math.sqrt(r * r - h * h)


def units(*boxes, population=None):
    frame = gpd.GeoDataFrame(
        {"code": [b[0] for b in boxes], "name": [f"Unit {b[0]}" for b in boxes]},
        geometry=[shapely.box(*b[1]) for b in boxes],
        crs=CRS,
    )
    if population is not None:
        frame["population"] = population
    return frame


def stations(rows):
    """rows: (site_id, operator, technologies, x, y, **extra)."""
    records = []
    for site_id, operator, techs, x, y, *extra in rows:
        rec = {
            "site_id": site_id,
            "operator": operator,
            "technologies": techs,
            "status": "on_air",
            "on_air_date": pd.Timestamp("2020-01-01"),
            "azimuths_deg": None,
            "geometry": shapely.Point(x, y),
        }
        if extra:
            rec.update(extra[0])
        records.append(rec)
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs=CRS)
    frame["on_air_date"] = pd.to_datetime(frame["on_air_date"]).astype("datetime64[ns]")
    return frame


SQUARE = ("A", (-10_000, -10_000, 10_000, 10_000))


def test_fixture_crs_is_the_one_coverage_works_in():
    assert metric_crs(units(SQUARE)).equals(gpd.GeoSeries([], crs=CRS).crs)


def rows(table, operator, code=None):
    sub = table[table["operator"] == operator]
    return sub if code is None else sub.loc[code]


@pytest.mark.parametrize(("mode", "engine"), ENGINES)
def test_one_circle_inside_a_square(mode, engine):
    layers = {
        "districts": units(SQUARE),
        "bts_stations": stations([("S1", "Viettel", "4G", 0, 0)]),
    }
    table = coverage(layers, tech="4G", model=MODEL, mode=mode, engine=engine, as_of="2024-12-31")
    row = rows(table, "any", "A")
    assert row["area_km2"] == pytest.approx(400.0, rel=1e-9)
    assert row["covered_km2"] == pytest.approx(math.pi * R * R / 1e6, rel=1e-3)
    assert row["covered_pct"] == pytest.approx(100 * math.pi * R * R / 4e8, rel=1e-3)
    assert table.attrs["engine"] == (engine or "arcs")


@pytest.mark.parametrize(("mode", "engine"), ENGINES)
def test_two_overlapping_circles_lens(mode, engine):
    d = 2500.0
    layers = {
        "districts": units(SQUARE),
        "bts_stations": stations(
            [("S1", "Viettel", "4G", -d / 2, 0), ("S2", "VNPT", "4G", d / 2, 0)]
        ),
    }
    table = coverage(layers, tech="4G", model=MODEL, mode=mode, engine=engine, as_of="2024-12-31")
    lens = lens_area(R, d) / 1e6
    disk = math.pi * R * R / 1e6
    assert rows(table, "all", "A")["covered_km2"] == pytest.approx(lens, rel=1e-3)
    assert rows(table, "any", "A")["covered_km2"] == pytest.approx(2 * disk - lens, rel=1e-3)
    assert rows(table, "Viettel", "A")["covered_km2"] == pytest.approx(disk, rel=1e-3)
    assert rows(table, "VNPT", "A")["covered_km2"] == pytest.approx(disk, rel=1e-3)


@pytest.mark.parametrize(("mode", "engine"), ENGINES)
def test_circle_cut_by_a_unit_boundary_is_a_circular_segment(mode, engine):
    h = 1200.0
    layers = {
        "districts": units(
            ("W", (-10_000, -10_000, h, 10_000)), ("E", (h, -10_000, 10_000, 10_000))
        ),
        "bts_stations": stations([("S1", "Viettel", "4G", 0, 0)]),
    }
    table = coverage(
        layers, tech="4G", operator="any", model=MODEL, mode=mode, engine=engine, as_of="2024-12-31"
    )
    seg = segment_area(R, h) / 1e6
    assert table.loc["E", "covered_km2"] == pytest.approx(seg, rel=1e-3)
    assert table.loc["W", "covered_km2"] == pytest.approx(math.pi * R * R / 1e6 - seg, rel=1e-3)
    total = table.loc["total"]
    assert total["area_km2"] == pytest.approx(400.0, rel=1e-9)
    assert total["covered_km2"] == pytest.approx(math.pi * R * R / 1e6, rel=1e-3)


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_65_degree_wedge(mode):
    layers = {
        "districts": units(SQUARE),
        "bts_stations": stations([("S1", "Viettel", "4G", 0, 0, {"azimuths_deg": "30"})]),
    }
    model = FootprintModel(kind="sector", radii={"4G": R})
    table = coverage(layers, tech="4G", operator="any", model=model, mode=mode)
    tolerance = 1e-3 if mode == "exact" else 5e-3
    expected = R * R * math.radians(65) / 2 / 1e6
    assert table.loc["A", "covered_km2"] == pytest.approx(expected, rel=tolerance)


def test_fast_mode_is_within_half_a_percent():
    d = 2500.0
    layers = {
        "districts": units(
            ("W", (-10_000, -10_000, 1200, 10_000)), ("E", (1200, -10_000, 10_000, 10_000))
        ),
        "bts_stations": stations(
            [("S1", "Viettel", "4G", -d / 2, 0), ("S2", "VNPT", "4G", d / 2, 0)]
        ),
    }
    exact = coverage(layers, tech="4G", model=MODEL, as_of="2024-12-31")
    fast = coverage(layers, tech="4G", model=MODEL, mode="fast", as_of="2024-12-31")
    assert fast.attrs["engine"] == "scanlines"
    assert np.allclose(fast["covered_km2"], exact["covered_km2"], rtol=5e-3)


def test_stations_on_air_dates_status_and_switch_offs():
    bts = stations(
        [
            ("ON", "Viettel", "2G,4G", 0, 0),
            ("LATER", "Viettel", "2G", 5000, 5000, {"on_air_date": pd.Timestamp("2025-03-01")}),
            ("APPROVED", "Viettel", "2G", -5000, 5000, {"status": "approved"}),
        ]
    )
    offs = gpd.GeoDataFrame(
        {
            "site_id": ["ON"],
            "operator": ["Viettel"],
            "switch_off_date": pd.to_datetime(["2024-06-01"]).astype("datetime64[ns]"),
        },
        geometry=[shapely.Point(0, 0)],
        crs=CRS,
    )
    layers = {"districts": units(SQUARE), "bts_stations": bts, "shutdowns_2g": offs}
    assert radiating_stations(layers, tech="2G", as_of="2024-05-31")["site_id"].tolist() == ["ON"]
    assert radiating_stations(layers, tech="2G", as_of="2024-06-01").empty
    assert radiating_stations(layers, tech="4G", as_of="2024-06-01")["site_id"].tolist() == ["ON"]
    assert radiating_stations(layers, tech="2G", as_of="2025-03-01")["site_id"].tolist() == [
        "LATER"
    ]
    before = coverage(layers, tech="2G", operator="any", model=MODEL, as_of="2024-05-31")
    after = coverage(layers, tech="2G", operator="any", model=MODEL, as_of="2024-06-01")
    assert before.loc["A", "covered_km2"] == pytest.approx(math.pi * R * R / 1e6, rel=1e-3)
    assert after.loc["A", "covered_km2"] == 0.0


def test_5g_takes_its_date_and_band_from_sites_5g():
    bts = stations([("S1", "Viettel", "4G,5G", 0, 0)])
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["S1", "ONLY5G"],
            "operator": ["Viettel", "VNPT"],
            "band_mhz": [2600.0, 3700.0],
            "on_air_date": pd.to_datetime(["2024-10-01", "2024-11-01"]).astype("datetime64[ns]"),
        },
        geometry=[shapely.Point(0, 0), shapely.Point(5000, 0)],
        crs=CRS,
    )
    layers = {"districts": units(SQUARE), "bts_stations": bts, "sites_5g": sites}
    assert radiating_stations(layers, tech="5G", as_of="2024-09-30").empty
    on = radiating_stations(layers, tech="5G", as_of="2024-12-31")
    assert sorted(on["site_id"]) == ["ONLY5G", "S1"]
    assert on.set_index("site_id").loc["S1", "band_mhz"] == 2600.0
    table = coverage(layers, tech="5G", operator="any", model=MODEL, as_of="2024-12-31")
    assert table.loc["A", "covered_km2"] == pytest.approx(2 * math.pi * R * R / 1e6, rel=1e-3)


def test_population_even_in_units_and_from_points():
    layers = {
        "districts": units(SQUARE, population=[40_000]),
        "bts_stations": stations([("S1", "Viettel", "4G", 0, 0)]),
    }
    table = coverage(layers, tech="4G", operator="any", model=MODEL, as_of="2024-12-31")
    row = table.loc["A"]
    assert row["population_pct"] == pytest.approx(row["covered_pct"], rel=1e-12)
    assert row["population_covered"] == pytest.approx(40_000 * math.pi * R * R / 4e8, rel=1e-3)
    people = gpd.GeoDataFrame(
        {"population": [100, 200, 300]},
        geometry=[shapely.Point(0, 0), shapely.Point(1900, 0), shapely.Point(2100, 0)],
        crs=CRS,
    )
    table = coverage(
        layers, tech="4G", operator="any", model=MODEL, population=people, as_of="2024-12-31"
    )
    assert table.loc["A", "population"] == 600
    assert table.loc["A", "population_covered"] == 300
    assert table.loc["A", "population_pct"] == pytest.approx(50.0)


def test_population_polygons_spread_evenly():
    layers = {
        "districts": units(SQUARE),
        "bts_stations": stations([("S1", "Viettel", "4G", 0, 0)]),
    }
    # A 4 km x 4 km block of 1,600 people, half of it east of x = 0.
    people = gpd.GeoDataFrame(
        {"population": [1600]}, geometry=[shapely.box(0, -2000, 4000, 2000)], crs=CRS
    )
    table = coverage(
        layers, tech="4G", operator="any", model=MODEL, population=people, as_of="2024-12-31"
    )
    # The half of the disk with x > 0 lies inside the block.
    covered_area = math.pi * R * R / 2
    assert table.loc["A", "population_covered"] == pytest.approx(
        1600 * covered_area / 16e6, rel=1e-3
    )


def test_operator_selection_and_errors():
    layers = {
        "districts": units(SQUARE),
        "bts_stations": stations([("S1", "Viettel", "4G", 0, 0), ("S2", "VNPT", "4G", 3000, 0)]),
    }
    default = coverage(layers, tech="4G", model=MODEL)
    assert rows(default, "any").shape[0] == 2  # unit A and the total
    assert list(default.loc["A", "operator"]) == ["any", "all", "Viettel", "VNPT"]
    only_any = coverage(layers, tech="4G", operator="any", model=MODEL)
    assert set(only_any["operator"]) == {"any"}
    viettel = coverage(layers, tech="4G", operator="viettel", model=MODEL)
    assert set(viettel["operator"]) == {"Viettel"}
    mobifone = coverage(layers, tech="4G", operator=["MobiFone"], model=MODEL)
    assert mobifone.loc["A", "covered_km2"] == 0.0
    with pytest.raises(CoverageError, match="Unknown operator"):
        coverage(layers, tech="4G", operator="Telecom X", model=MODEL)
    with pytest.raises(TechnologyError, match="Unknown technology"):
        coverage(layers, tech="6G", model=MODEL)
    with pytest.raises(CoverageError, match="mode"):
        coverage(layers, tech="4G", mode="quick", model=MODEL)


def test_several_technologies_and_table_order():
    layers = {
        "districts": units(("B", (0, 0, 10_000, 10_000)), SQUARE),
        "bts_stations": stations([("S1", "Viettel", "2G,4G", 0, 0)]),
    }
    table = coverage(layers, tech="4G,2G", operator="any", model=MODEL)
    assert table.index.tolist() == ["A", "A", "B", "B", "total", "total"]
    assert table["tech"].tolist() == ["2G", "4G"] * 3
    assert table.attrs["tech"] == "2G,4G"
    # Units overlap here, so the total is the sum of the rows, as documented.
    assert table.loc["total", "area_km2"].tolist() == pytest.approx([500.0, 500.0])


def test_switch_off_gaps_before_after_lost():
    d = 5000.0
    r2, r4 = 3000.0, 1000.0
    bts = stations([("A", "Viettel", "2G,4G", 0, 0), ("B", "VNPT", "2G", d, 0)])
    offs = gpd.GeoDataFrame(
        {
            "site_id": ["B"],
            "operator": ["VNPT"],
            "switch_off_date": pd.to_datetime(["2024-06-01"]).astype("datetime64[ns]"),
        },
        geometry=[shapely.Point(d, 0)],
        crs=CRS,
    )
    layers = {"districts": units(SQUARE), "bts_stations": bts, "shutdowns_2g": offs}
    model = FootprintModel(radii={"2G": r2, "4G": r4})
    gaps = switch_off_gaps(layers, as_of="2024-12-31", model=model)
    area = gaps.set_index("scenario")["area_km2"]
    lens = lens_area(r2, d)
    assert area["before"] == pytest.approx(
        (2 * math.pi * r2**2 - lens - math.pi * r4**2) / 1e6, rel=1e-3
    )
    assert area["after"] == pytest.approx(math.pi * (r2**2 - r4**2) / 1e6, rel=1e-3)
    assert area["lost"] == pytest.approx((math.pi * r2**2 - lens) / 1e6, rel=1e-3)
    assert set(gaps["code"]) == {"A"}
    assert gaps.crs == gpd.GeoSeries([], crs=CRS).crs
    # Before the switch-off nothing is lost yet.
    early = switch_off_gaps(layers, as_of="2024-05-31", model=model).set_index("scenario")
    assert "lost" not in early.index
    assert early.loc["after", "area_km2"] == pytest.approx(area["before"], rel=1e-9)


def test_switch_off_gaps_of_the_newest_technology_is_an_error():
    layers = {"districts": units(SQUARE), "bts_stations": stations([("S", "Viettel", "5G", 0, 0)])}
    with pytest.raises(CoverageError, match="newer"):
        switch_off_gaps(layers, tech="5G")


def test_inputs_are_not_modified():
    layers = {
        "districts": units(SQUARE, population=[10]),
        "bts_stations": stations([("S1", "Viettel", "4G", 0, 0, {"azimuths_deg": "0,120"})]),
    }
    copies = {k: v.copy() for k, v in layers.items()}
    coverage(layers, tech="4G", model="sector")
    switch_off_gaps(layers, tech="4G")
    for kind, frame in layers.items():
        pd.testing.assert_frame_equal(frame, copies[kind])


@pytest.mark.parametrize("engine", ["arcs", "polygons", "scanlines"])
def test_any_and_all_are_across_every_operator_whatever_is_named(engine):
    # Two circles of two operators, d apart: "any" is both disks, "all" their
    # lens, whichever operators are listed with them.
    d = 2500.0
    layers = {
        "districts": units(SQUARE),
        "bts_stations": stations(
            [("S1", "Viettel", "4G", -d / 2, 0), ("S2", "VNPT", "4G", d / 2, 0)]
        ),
    }
    lens = lens_area(R, d) / 1e6
    disk = math.pi * R * R / 1e6
    rel = 1e-3 if engine != "scanlines" else 5e-3
    for operator in ("any,all", "any,all,Viettel", ["all", "any", "VNPT"], "any,Viettel,all"):
        table = coverage(layers, tech="4G", operator=operator, model=MODEL, engine=engine)
        assert rows(table, "any", "A")["covered_km2"] == pytest.approx(2 * disk - lens, rel=rel)
        assert rows(table, "all", "A")["covered_km2"] == pytest.approx(lens, rel=rel)
    table = coverage(layers, tech="4G", operator="any,Viettel", model=MODEL, engine=engine)
    assert sorted(set(table["operator"])) == ["Viettel", "any"]
    assert rows(table, "Viettel", "A")["covered_km2"] == pytest.approx(disk, rel=rel)


def test_any_on_the_bundled_layers_does_not_depend_on_the_operators_listed():
    from ict_gis.layerset import bundled_layers

    layers = bundled_layers()
    alone = coverage(layers, tech="2G", operator="any", as_of="2024-12-31")
    listed = coverage(layers, tech="2G", operator="any,Viettel", as_of="2024-12-31")
    every = coverage(layers, tech="2G", as_of="2024-12-31")
    a = rows(alone, "any")["covered_km2"]
    assert rows(listed, "any")["covered_km2"].tolist() == pytest.approx(a.tolist(), rel=1e-12)
    assert rows(every, "any")["covered_km2"].tolist() == pytest.approx(a.tolist(), rel=1e-12)
    # and more than Viettel's own coverage somewhere (other operators add to it)
    assert (a > rows(listed, "Viettel")["covered_km2"] + 1e-6).any()


def test_engine_errors_name_the_engines_and_the_extra(monkeypatch):
    from ict_gis.engines import arcs, scanlines

    layers = {
        "districts": units(SQUARE),
        "bts_stations": stations([("S1", "Viettel", "4G", 0, 0, {"azimuths_deg": "30"})]),
    }
    with pytest.raises(CoverageError, match="Unknown coverage engine 'gpu'.*polygons"):
        coverage(layers, tech="4G", model=MODEL, engine="gpu")
    with pytest.raises(CoverageError, match="circles only"):
        coverage(layers, tech="4G", model=FootprintModel(kind="sector"), engine="arcs")
    monkeypatch.setattr(arcs, "numba_installed", lambda: False)
    monkeypatch.setattr(scanlines, "numba_installed", lambda: False)
    with pytest.raises(CoverageError, match=r"pip install 'ict_gis\[fast\]'"):
        coverage(layers, tech="4G", model=MODEL, engine="arcs")
    # Without numba, both modes run on polygons.
    for mode in ("exact", "fast"):
        table = coverage(layers, tech="4G", model=MODEL, mode=mode, operator="any")
        assert table.attrs["engine"] == "polygons"
        assert table.loc["A", "covered_km2"] == pytest.approx(math.pi * R * R / 1e6, rel=1e-3)
