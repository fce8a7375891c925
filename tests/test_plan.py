"""Tests of ict_gis.plan on hand-made fixtures with known optima.

The geometric fixtures live in a Lambert azimuthal equal-area CRS centred on
106° E, 20° N: the units are symmetric about its centre, so the metric CRS
:func:`ict_gis.units.metric_crs` picks is that same projection, and the
squares drawn here in metres keep their areas.
"""

from __future__ import annotations

import itertools
import math
import os
import tempfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

# Hypothesis keeps caches in ./.hypothesis unless told otherwise: tests write only to /tmp.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "ict_gis-hypothesis")
)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ict_gis.errors import PlanError
from ict_gis.footprints import FootprintModel
from ict_gis.plan import (
    forecast,
    pace_forecast,
    plan_sharing,
    plan_sites,
    solve_exact,
    solve_greedy,
)

LAEA = "+proj=laea +lat_0=20 +lon_0=106 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
KM = 1000.0


def units_frame(population: list[float] | None = None) -> gpd.GeoDataFrame:
    """Two units side by side: west x∈[-40, 0] km and east x∈[0, 40] km, y∈[-20, 20] km."""
    frame = gpd.GeoDataFrame(
        {
            "code": ["W", "E"],
            "name": ["West", "East"],
            "level": ["district", "district"],
            "unit_type": ["Huyện", "Huyện"],
        },
        geometry=[
            shapely.box(-40 * KM, -20 * KM, 0, 20 * KM),
            shapely.box(0, -20 * KM, 40 * KM, 20 * KM),
        ],
        crs=LAEA,
    )
    if population is not None:
        frame["population"] = population
    return frame


def box_km(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(x0 * KM, y0 * KM, x1 * KM, y1 * KM)


def points_km(xy: list[tuple[float, float]], ids: list[str] | None = None) -> gpd.GeoDataFrame:
    ids = ids or [f"S{i + 1}" for i in range(len(xy))]
    return gpd.GeoDataFrame(
        {"site_id": ids}, geometry=[shapely.Point(x * KM, y * KM) for x, y in xy], crs=LAEA
    )


#: Four holes in the east unit on a line (areas a=1, b=2, c=2, d=1 km²) and a
#: fifth (e=1 km²) that no candidate reaches.
HOLES = gpd.GeoDataFrame(
    geometry=[
        box_km(1.0, -0.5, 2.0, 0.5),  # a
        box_km(2.5, -1.0, 3.5, 1.0),  # b
        box_km(4.5, -1.0, 5.5, 1.0),  # c
        box_km(6.0, -0.5, 7.0, 0.5),  # d
        box_km(20.0, 5.0, 21.0, 6.0),  # e: out of reach
    ],
    crs=LAEA,
)
#: A 4G circle of 1.9 km holds two neighbouring holes whole and no cell of a third:
#: S1 at 2.25 km holds a+b (3 km²), S2 at 5.75 km c+d (3 km²), S3 at 4 km b+c (4 km²);
#: S4 and S5 cover nothing.
CANDIDATES = points_km([(2.25, 0), (5.75, 0), (4.0, 0), (30.0, -15.0), (-30.0, 10.0)])
MODEL = FootprintModel(radii={"4G": 1900.0, "2G": 1000.0})


def sites(budget: int, **kw) -> object:
    options = dict(
        budget=budget,
        units=units_frame(),
        holes=HOLES,
        candidates=CANDIDATES,
        model=MODEL,
        min_spacing_m=0,
        weight="area",
        exact=True,
    )
    options.update(kw)
    return plan_sites({}, **options)


# --------------------------------------------------------------------------- solvers


def test_greedy_is_not_optimal_and_the_milp_finds_the_optimum():
    # cells a=1, b=2, c=2, d=1; S1={a,b}, S2={c,d}, S3={b,c}, S4={}, S5={a}
    cover = [np.array([0, 1]), np.array([2, 3]), np.array([1, 2]), np.array([]), np.array([0])]
    weights = np.array([1.0, 2.0, 2.0, 1.0])
    greedy = solve_greedy(cover, weights, 2)
    # S3 first (4), then S1 and S2 both add 1: the tie goes to the lower position
    assert greedy.chosen == (2, 0)
    assert greedy.gains == (4.0, 1.0)
    assert greedy.value == 5.0
    exact = solve_exact(cover, weights, 2)
    assert exact.status == "optimal"
    assert set(exact.chosen) == {0, 1}
    assert exact.value == pytest.approx(6.0)
    assert greedy.value >= (1 - 1 / math.e) * exact.value


def test_budget_zero_and_nothing_to_gain():
    cover = [np.array([0]), np.array([1])]
    assert solve_greedy(cover, np.ones(2), 0).chosen == ()
    assert solve_exact(cover, np.ones(2), 0).chosen == ()
    # a candidate that adds nothing is not taken, even with budget left
    assert solve_greedy([np.array([0]), np.array([0])], np.ones(1), 2).chosen == (0,)


def test_ties_are_broken_by_position():
    cover = [np.array([0]), np.array([1]), np.array([2])]
    assert solve_greedy(cover, np.array([1.0, 1.0, 1.0]), 2).chosen == (0, 1)
    assert solve_greedy(cover[::-1], np.array([1.0, 1.0, 1.0]), 2).chosen == (0, 1)


def test_conflicts_keep_sites_apart():
    cover = [np.array([0, 1]), np.array([1, 2]), np.array([3])]
    weights = np.array([1.0, 1.0, 1.0, 0.5])
    # 0 and 1 conflict: after 0, candidate 1 is out and 2 is taken
    assert solve_greedy(cover, weights, 2, conflicts=[(0, 1)]).chosen == (0, 2)
    exact = solve_exact(cover, weights, 2, conflicts=[(0, 1)])
    assert exact.value == pytest.approx(2.5)


@pytest.mark.parametrize("budget", [-1, 1.5, True])
def test_bad_budget(budget):
    with pytest.raises(PlanError, match="budget"):
        solve_greedy([np.array([0])], np.ones(1), budget)


def _plain_greedy(cover, weights, budget):
    """Greedy without laziness: recompute every gain at every step."""
    covered: set[int] = set()
    chosen: list[int] = []
    for _ in range(budget):
        gains = [
            (sum(weights[j] for j in set(c) - covered), -i)
            for i, c in enumerate(cover)
            if i not in chosen
        ]
        if not gains:
            break
        gain, neg = max(gains)
        if gain <= 0:
            break
        chosen.append(-neg)
        covered |= set(cover[-neg])
    return chosen


instances = st.integers(1, 9).flatmap(
    lambda m: st.tuples(
        st.lists(st.lists(st.integers(0, m - 1), max_size=m), min_size=1, max_size=7),
        st.lists(st.integers(1, 20), min_size=m, max_size=m),
        st.integers(0, 4),
    )
)


@settings(max_examples=60, deadline=None)
@given(instances)
def test_lazy_greedy_and_milp_against_plain_methods(instance):
    sets, weights, budget = instance
    cover = [np.array(sorted(set(s)), dtype=np.int64) for s in sets]
    w = np.array(weights, dtype=float)  # whole numbers: sums are exact, ties are real
    greedy = solve_greedy(cover, w, budget)
    assert list(greedy.chosen) == _plain_greedy(sets, weights, budget)
    best = max(
        sum(w[j] for j in set().union(*(set(sets[i]) for i in combo)))
        for k in range(min(budget, len(sets)) + 1)
        for combo in itertools.combinations(range(len(sets)), k)
    )
    exact = solve_exact(cover, w, budget)
    assert exact.value == pytest.approx(best)
    assert greedy.value <= best + 1e-9
    assert greedy.value >= (1 - 1 / math.e) * best - 1e-9


# --------------------------------------------------------------------------- plan_sites


def test_plan_sites_three_holes_five_candidates_known_optimum():
    plan = sites(2)
    s = plan.summary
    assert s["greedy_value"] == pytest.approx(5.0)  # S3 (b+c), then S1 (a)
    assert s["exact_value"] == pytest.approx(6.0)  # S1 + S2
    assert s["exact_status"] == "optimal"
    assert s["gap_pct"] == pytest.approx(100 / 6)
    assert s["method"] == "exact"
    assert plan.sites["site_id"].tolist() == ["S1", "S2"]  # equal gains: input order
    assert plan.sites["adds_km2"].to_numpy() == pytest.approx([3.0, 3.0])
    assert plan.sites["cumulative_km2"].to_numpy() == pytest.approx([3.0, 6.0])
    assert plan.sites["code"].tolist() == ["E", "E"]
    table = plan.per_unit
    assert table.loc["E", "holes_km2"] == pytest.approx(7.0)
    assert table.loc["E", "covered_km2"] == pytest.approx(6.0)
    assert table.loc["E", "left_km2"] == pytest.approx(1.0)  # hole e: out of reach
    assert table.loc["total", "new_sites"] == 2
    assert "W" not in table.index  # no hole there
    assert plan.holes_after["area_km2"].sum() == pytest.approx(1.0)
    assert plan.holes_before["area_km2"].sum() == pytest.approx(7.0)


def test_plan_sites_greedy_only():
    plan = sites(2, exact=False)
    assert plan.summary["method"] == "greedy"
    assert "exact_value" not in plan.summary
    assert plan.sites["site_id"].tolist() == ["S3", "S1"]
    assert plan.sites["adds_km2"].to_numpy() == pytest.approx([4.0, 1.0])


def test_plan_sites_budget_zero_and_large_budget():
    assert len(sites(0).sites) == 0
    assert sites(0).per_unit.loc["total", "left_km2"] == pytest.approx(7.0)
    # budget 5: S3, S1, S2 cover a-d; S4 and S5 add nothing and are not proposed
    plan = sites(5, exact=False)
    assert plan.sites["site_id"].tolist() == ["S3", "S1", "S2"]
    assert plan.sites["adds_km2"].sum() == pytest.approx(6.0)


def test_plan_sites_min_spacing_and_exclude():
    # S1-S3 are 1.75 km apart, S3-S2 1.75 km, S1-S2 3.5 km: a 2 km spacing
    # forbids S1+S3 and S2+S3; {S1, S2} stays
    plan = sites(2, exact=False, min_spacing_m=2000)
    assert plan.sites["site_id"].tolist() == ["S3"]  # then S1, S2 are too close
    plan = sites(2, min_spacing_m=2000)
    assert sorted(plan.sites["site_id"]) == ["S1", "S2"]
    no_go = gpd.GeoDataFrame(geometry=[box_km(3.9, -0.1, 4.1, 0.1)], crs=LAEA)
    plan = sites(2, exclude=no_go, exact=False)
    assert plan.summary["excluded"] == 1
    assert plan.sites["site_id"].tolist() == ["S1", "S2"]


def test_plan_sites_population_weights():
    # the east unit: 1,600 km², 160,000 people → 100 people per km²
    plan = sites(2, units=units_frame([1000.0, 160000.0]), weight=None)
    assert plan.summary["weight"] == "population"
    assert plan.sites["adds_people"].to_numpy() == pytest.approx([300.0, 300.0])
    assert plan.per_unit.loc["E", "left_people"] == pytest.approx(100.0)


def test_plan_sites_population_missing():
    with pytest.raises(PlanError, match="population"):
        sites(1, weight="population")
    assert sites(1, weight=None).summary["weight"] == "area"


def test_plan_sites_bad_candidates():
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=LAEA)
    with pytest.raises(PlanError, match="points"):
        sites(1, candidates=lines)
    with pytest.raises(PlanError, match="candidates"):
        sites(1, candidates="everywhere")


def _switch_off_layers() -> dict[str, gpd.GeoDataFrame]:
    """One 2G-only station (1 km) in the east unit, one 2G+4G station in the west."""
    stations = gpd.GeoDataFrame(
        {
            "site_id": ["A", "B"],
            "operator": ["Viettel", "VNPT"],
            "technologies": ["2G", "2G,4G"],
            "status": ["on_air", "on_air"],
            "on_air_date": pd.to_datetime(["2020-01-01", "2020-01-01"]),
        },
        geometry=[shapely.Point(10 * KM, 0), shapely.Point(-10 * KM, 0)],
        crs=LAEA,
    )
    return {"districts": units_frame(), "bts_stations": stations}


def test_plan_sites_fills_the_switch_off_hole():
    layers = _switch_off_layers()
    grid = plan_sites(layers, budget=1, model=MODEL, weight="area", as_of="2024-12-31", exact=True)
    # the hole: station A's 2G circle (area-corrected polygon: π·1 km²); B's is served by 4G
    hole = math.pi * 1.0
    assert grid.per_unit.loc["total", "holes_km2"] == pytest.approx(hole, rel=1e-3)
    assert grid.per_unit.index.tolist() == ["E", "total"]
    # one 1.9 km circle from a grid point at most 0.25·√2 km from A holds the whole hole
    assert grid.sites["adds_km2"].iloc[0] == pytest.approx(hole, rel=1e-3)
    assert grid.per_unit.loc["total", "left_km2"] == pytest.approx(0.0, abs=1e-6)
    towers = plan_sites(
        layers,
        budget=1,
        model=MODEL,
        weight="area",
        as_of="2024-12-31",
        candidates="towers",
        operator="VNPT",
    )
    # VNPT's own station B is not a candidate; Viettel's A is
    assert towers.sites["site_id"].tolist() == ["A"]
    assert towers.sites["source"].tolist() == ["tower"]


# --------------------------------------------------------------------------- sharing


def test_plan_sharing_groups():
    stations = gpd.GeoDataFrame(
        {
            "site_id": ["A", "B", "C", "D", "E", "F", "G"],
            "operator": ["Viettel", "VNPT", "MobiFone", "Viettel", "Viettel", "Viettel", "VNPT"],
            "status": ["on_air"] * 6 + ["dismantled"],
        },
        geometry=[
            shapely.Point(1000, 0),  # A
            shapely.Point(1030, 0),  # B: 30 m from A
            shapely.Point(1070, 0),  # C: 40 m from B, 70 m from A (chained)
            shapely.Point(3000, 0),  # D: alone
            shapely.Point(-5000, 0),  # E (west)
            shapely.Point(-5020, 0),  # F: 20 m from E, same operator
            shapely.Point(3010, 0),  # G: dismantled, left out
        ],
        crs=LAEA,
    )
    sharing = plan_sharing({"districts": units_frame(), "bts_stations": stations})
    towers = sharing.towers.set_index("site_ids")
    assert sorted(towers.index) == ["A, B, C", "D", "E, F"]
    assert towers.loc["A, B, C", "operators"] == "Viettel, VNPT, MobiFone"
    assert bool(towers.loc["A, B, C", "shared"])
    assert towers.loc["A, B, C", "could_host"] == ""
    assert towers.loc["D", "could_host"] == "VNPT, MobiFone"
    assert towers.loc["E, F", "n_operators"] == 1
    table = sharing.per_unit
    assert table.loc["E"].drop("name").tolist() == [4, 2, 1, 3, 2, 1]
    assert table.loc["W"].drop("name").tolist() == [2, 1, 0, 0, 0, 1]
    assert table.loc["total"].drop("name").tolist() == [6, 3, 1, 3, 2, 2]
    assert len(sharing.groups()) == 1
    # at 25 m, A-B (30 m) no longer share a tower
    apart = plan_sharing({"districts": units_frame(), "bts_stations": stations}, distance_m=25)
    assert apart.per_unit.loc["total", "groups"] == 0


def test_plan_sharing_as_of_leaves_out_stations_not_yet_on_air():
    """B goes on air after the day asked: A and C (70 m apart) are then two towers."""
    stations = gpd.GeoDataFrame(
        {
            "site_id": ["A", "B", "C"],
            "operator": ["Viettel", "VNPT", "MobiFone"],
            "status": ["on_air"] * 3,
            "on_air_date": pd.to_datetime(["2023-05-01", "2025-03-01", None]),
        },
        geometry=[shapely.Point(1000, 0), shapely.Point(1030, 0), shapely.Point(1070, 0)],
        crs=LAEA,
    )
    layers = {"districts": units_frame(), "bts_stations": stations}
    before = plan_sharing(layers, as_of="2024-12-31").towers
    assert sorted(before["site_ids"]) == ["A", "C"]
    after = plan_sharing(layers, as_of="2025-12-31").towers
    assert sorted(after["site_ids"]) == ["A, B, C"]


# --------------------------------------------------------------------------- forecasts


def test_pace_forecast_linear_series():
    # a monthly series with a known pace: 10 per month, 30 done in March, 60 in June
    series = pd.Series({"2024-03": 30.0, "2024-04": 40.0, "2024-05": 50.0, "2024-06": 60.0})
    idx = pd.Index(["u1", "u2", "u3", "u4"], name="code")
    done = pd.Series([series["2024-06"], 100.0, 20.0, 60.0], index=idx)
    before = pd.Series([series["2024-03"], 70.0, 20.0, 30.0], index=idx)
    total = pd.Series([100.0, 100.0, 50.0, 100.0], index=idx)
    deadline = pd.Series(pd.to_datetime(["2024-12-31", "2024-12-31", "2024-12-31", "2024-09-30"]))
    deadline.index = idx
    out = pace_forecast(done, before, total, months=3, as_of="2024-06-30", deadline=deadline)
    assert out["pace_per_month"].tolist() == [10.0, 10.0, 0.0, 10.0]
    assert out.loc["u1", "months_left"] == 4.0
    # 4 months of 365.25/12 days: 121.75 → 122 days after 30 June
    assert out.loc["u1", "finish"] == pd.Timestamp("2024-10-30")
    assert out["status"].tolist() == ["on_time", "done", "stalled", "late"]
    assert pd.isna(out.loc["u2", "finish"]) and out.loc["u2", "months_left"] == 0.0
    assert pd.isna(out.loc["u3", "finish"])
    no_end = pace_forecast(done, before, total, months=3, as_of="2024-06-30")
    assert no_end.loc["u1", "status"] == "no_deadline"
    with pytest.raises(PlanError, match="1 month"):
        pace_forecast(done, before, total, months=0, as_of="2024-06-30")


def test_forecast_switch_off_from_layers():
    # 10 2G stations in the east unit; one switched off on the 15th of each month, Jan–Jun
    n = 10
    stations = gpd.GeoDataFrame(
        {
            "site_id": [f"S{i}" for i in range(n)],
            "operator": ["Viettel"] * n,
            "technologies": ["2G,4G"] * n,
            "status": ["on_air"] * n,
            "on_air_date": pd.to_datetime(["2020-01-01"] * n),
        },
        geometry=[shapely.Point((1 + i) * KM, 0) for i in range(n)],
        crs=LAEA,
    )
    offs = gpd.GeoDataFrame(
        {
            "site_id": [f"S{i}" for i in range(6)],
            "operator": ["Viettel"] * 6,
            "switch_off_date": pd.to_datetime([f"2024-0{m}-15" for m in range(1, 7)]),
        },
        geometry=[shapely.Point((1 + i) * KM, 0) for i in range(6)],
        crs=LAEA,
    )
    layers = {"districts": units_frame(), "bts_stations": stations, "shutdowns_2g": offs}
    out = forecast(layers, metric="switch_off", months=3, as_of="2024-06-30")
    row = out.loc[("E", "stations")]
    # 6 done by 30 June, 3 by 30 March: 1 a month, 4 left → 4 months
    assert row["done"] == 6 and row["goal"] == 10 and row["pace_per_month"] == 1.0
    assert row["finish"] == pd.Timestamp("2024-10-30")
    assert out.loc[("total", "stations"), "finish"] == pd.Timestamp("2024-10-30")
    assert out.loc[("total", "stations"), "status"] == "no_deadline"
    late = forecast(
        layers, metric="switch_off", months=3, as_of="2024-06-30", deadline="2024-09-30"
    )
    assert late.loc[("total", "stations"), "status"] == "late"
    with pytest.raises(PlanError, match="forecast"):
        forecast(layers, metric="bts", as_of="2024-06-30")
