"""Progress metrics on hand-made layers whose answers are known.

Two square units side by side in UTM zone 48N (EPSG:32648): A = 001 from
x = 600 km to 605 km, B = 002 from 605 km to 610 km, both from y = 2,250 km
to 2,255 km. Cable lengths are checked against pyproj.Geod on the end points
and the boundary crossing, independently of ict_gis.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, box

from ict_gis.errors import TechnologyError
from ict_gis.layerset import LayerSet, bundled_layers
from ict_gis.metrics.progress import (
    OUTSIDE,
    TOTAL,
    ProgressError,
    bts_pipeline,
    cable_progress,
    cable_timeline,
    problems_of,
    rollout_5g,
    switch_off_progress,
)

UTM = "EPSG:32648"
Y0 = 2_250_000
GEOD = Geod(ellps="WGS84")
TO_LONLAT = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def geodesic_km(*points):
    """Geodesic length (km) of the polyline through UTM points, by pyproj alone."""
    lon, lat = TO_LONLAT.transform([p[0] for p in points], [p[1] for p in points])
    return GEOD.line_length(lon, lat) / 1000.0


def at(x_km, y_km):
    return Point(600_000 + x_km * 1000, Y0 + y_km * 1000)


def districts():
    return gpd.GeoDataFrame(
        {"code": ["001", "002"], "name": ["Xã A", "Xã B"], "level": ["commune", "commune"]},
        geometry=[
            box(600_000, Y0, 605_000, Y0 + 5_000),
            box(605_000, Y0, 610_000, Y0 + 5_000),
        ],
        crs=UTM,
    )


def stations():
    rows = [
        # site, operator, technologies, status, approved, on air, x km, y km
        ("S1", "Viettel", "2G,4G", "on_air", "2019-01-01", "2020-01-01", 1, 1),
        ("S2", "VNPT", "2G", "on_air", "2019-01-01", "2020-01-01", 2, 1),
        ("S3", "Viettel", "2G,3G", "on_air", "2019-01-01", "2020-01-01", 6, 1),
        ("S4", "MobiFone", "4G", "on_air", "2019-01-01", "2020-01-01", 7, 1),
        ("S5", "Viettel", "2G", "approved", "2024-03-01", None, 8, 1),
        ("S6", "VNPT", "2G", "on_air", "2024-01-01", "2025-01-01", 9, 1),
    ]
    return gpd.GeoDataFrame(
        {
            "site_id": [r[0] for r in rows],
            "operator": [r[1] for r in rows],
            "technologies": [r[2] for r in rows],
            "height_m": [30.0] * len(rows),
            "status": [r[3] for r in rows],
            "approved_date": [r[4] for r in rows],
            "on_air_date": [r[5] for r in rows],
        },
        geometry=[at(r[6], r[7]) for r in rows],
        crs=UTM,
    )


def shutdowns():
    # S1 switched off on 2024-12-31, S3 the day after.
    return gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S3"],
            "operator": ["Viettel", "Viettel"],
            "switch_off_date": ["2024-12-31", "2025-01-01"],
        },
        geometry=[at(1, 1), at(6, 1)],
        crs=UTM,
    )


def subscribers():
    # B (002) has no row in the 2024-12 snapshot.
    return pd.DataFrame(
        {
            "code": ["001", "002", "001"],
            "period": ["2024-11", "2024-11", "2024-12"],
            "subscribers_2g": ["100", "200", "100"],
            "migrated_to_4g": ["50", "100", "90"],
        }
    )


# Cable routes, in UTM: R1 is 1 km and crosses the boundary at its middle;
# R2 is 2 km, 1.5 km in A and 0.5 km in B; R3 is 1 km inside A.
R1 = [(604_500, Y0 + 2_000), (605_500, Y0 + 2_000)]
R2 = [(603_500, Y0 + 3_000), (605_500, Y0 + 3_000)]
R3 = [(600_500, Y0 + 1_000), (601_500, Y0 + 1_000)]
CROSS1 = (605_000, Y0 + 2_000)
CROSS2 = (605_000, Y0 + 3_000)


def routes():
    return gpd.GeoDataFrame(
        {
            "route_id": ["R1", "R2", "R3"],
            "street": ["Đường 1", "Đường 2", "Đường 3"],
            "category": ["with_messenger", "with_messenger", "without_messenger"],
            "plan": ["P1", "P1", "P1"],
            "status": ["tidied", "planned", "tidied"],
            "done_date": ["2024-05-10", None, "2025-02-01"],
            "operators": ["Viettel", "VNPT", "Viettel"],
            # a misleading length attribute, which must be ignored
            "length_m": [9999.0, 9999.0, 9999.0],
        },
        geometry=[LineString(R1), LineString(R2), LineString(R3)],
        crs=UTM,
    )


def sites_5g():
    return gpd.GeoDataFrame(
        {
            "site_id": ["G1", "G2", "G3"],
            "operator": ["Viettel", "Viettel", "VNPT"],
            "band_mhz": [2600.0, 2600.0, 3700.0],
            "on_air_date": ["2024-01-01", "2024-12-31", "2023-12-31"],
        },
        geometry=[at(1, 4), at(2, 4), at(6, 4)],
        crs=UTM,
    )


@pytest.fixture
def layers():
    return LayerSet.from_frames(
        {
            "districts": districts(),
            "bts_stations": stations(),
            "shutdowns_2g": shutdowns(),
            "subscribers": subscribers(),
            "cable_routes": routes(),
            "sites_5g": sites_5g(),
        },
        source="hand-made",
    )


# --------------------------------------------------------------------------- cables


def test_lines_crossing_a_boundary_give_exact_geodesic_km_per_unit(layers):
    table = cable_progress(layers, as_of="2024-12-31")
    r1_a, r1_b = geodesic_km(R1[0], CROSS1), geodesic_km(CROSS1, R1[1])
    r2_a, r2_b = geodesic_km(R2[0], CROSS2), geodesic_km(CROSS2, R2[1])
    r3 = geodesic_km(*R3)
    # the UTM lengths are 0.5 / 1.5 km; geodesic ones differ by the scale factor
    assert r1_a == pytest.approx(0.5, rel=1e-3) and r2_a == pytest.approx(1.5, rel=1e-3)
    a = table.loc[("001", "with_messenger", "P1")]
    b = table.loc[("002", "with_messenger", "P1")]
    assert a["planned_km"] == pytest.approx(r1_a + r2_a, abs=1e-6)
    assert a["tidied_km"] == pytest.approx(r1_a, abs=1e-6)
    assert b["planned_km"] == pytest.approx(r1_b + r2_b, abs=1e-6)
    assert b["tidied_km"] == pytest.approx(r1_b, abs=1e-6)
    assert b["remaining_km"] == pytest.approx(r2_b, abs=1e-6)
    assert a["pct"] == pytest.approx(100 * r1_a / (r1_a + r2_a), rel=1e-9)
    # R3 is tidied only on 2025-02-01: still to do at the end of 2024
    a3 = table.loc[("001", "without_messenger", "P1")]
    assert a3["planned_km"] == pytest.approx(r3, abs=1e-6)
    assert a3["tidied_km"] == 0
    assert np.isnan(table.loc[("002", "without_messenger", "P1"), "pct"])
    total = table.loc[(TOTAL, "with_messenger", "P1")]
    assert total["planned_km"] == pytest.approx(geodesic_km(*R1) + geodesic_km(*R2), abs=1e-6)
    assert total["name"] == "Total"
    assert OUTSIDE not in table.index.get_level_values("code")
    assert problems_of(table) == []


def test_cables_done_after_as_of_count_later_and_underground_separately(layers):
    frame = layers["cable_routes"].copy()
    frame.loc[frame["route_id"] == "R2", ["status", "done_date"]] = [
        "underground",
        pd.Timestamp("2024-06-01"),
    ]
    table = cable_progress(layers.replace(cable_routes=frame))
    a = table.loc[("001", "with_messenger", "P1")]
    assert a["underground_km"] == pytest.approx(geodesic_km(R2[0], CROSS2), abs=1e-6)
    assert a["remaining_km"] == pytest.approx(0, abs=1e-9)
    a3 = table.loc[("001", "without_messenger", "P1")]
    assert a3["tidied_km"] == pytest.approx(geodesic_km(*R3), abs=1e-6)  # no as_of: everything


def test_cable_plans(layers):
    frame = layers["cable_routes"].copy()
    frame.loc[frame["route_id"] == "R3", "plan"] = None
    table = cable_progress(layers.replace(cable_routes=frame))
    # only the (category, plan) pairs that exist, for every unit and the total
    pairs = [("with_messenger", "P1"), ("without_messenger", "(none)")]
    assert list(table.loc["001"].index) == pairs
    assert list(table.loc[TOTAL].index) == pairs
    assert table.loc[(TOTAL, "without_messenger", "(none)"), "tidied_km"] == pytest.approx(
        geodesic_km(*R3), abs=1e-6
    )
    only = cable_progress(layers.replace(cable_routes=frame), plan="P1")
    assert set(only.index.get_level_values("plan")) == {"P1"}
    with pytest.raises(ProgressError, match="plans: P1"):
        cable_progress(layers, plan="P9")


def test_route_outside_every_unit_is_reported_and_counted(layers):
    frame = layers["cable_routes"].copy()
    far = [(700_000, Y0), (701_000, Y0)]
    extra = gpd.GeoDataFrame(
        {
            "route_id": ["R9"],
            "category": ["with_messenger"],
            "plan": ["P1"],
            "status": ["planned"],
        },
        geometry=[LineString(far)],
        crs=UTM,
    )
    both = pd.concat([frame, extra], ignore_index=True)
    table = cable_progress(layers.replace(cable_routes=both), as_of="2024-12-31")
    outside = table.loc[(OUTSIDE, "with_messenger", "P1")]
    assert outside["planned_km"] == pytest.approx(geodesic_km(*far), abs=1e-6)
    total = table.loc[(TOTAL, "with_messenger", "P1")]
    expected = geodesic_km(*R1) + geodesic_km(*R2) + geodesic_km(*far)
    assert total["planned_km"] == pytest.approx(expected, abs=1e-6)
    assert [p.feature_id for p in problems_of(table)] == ["R9"]


def test_cable_timeline_is_monthly_and_cumulative(layers):
    timeline = cable_timeline(layers, as_of="2025-02-28")
    assert list(timeline.index) == [
        "2024-05",
        "2024-06",
        "2024-07",
        "2024-08",
        "2024-09",
        "2024-10",
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]
    r1, r3 = geodesic_km(*R1), geodesic_km(*R3)
    assert timeline.loc["2024-05", "with_messenger_km"] == pytest.approx(r1, abs=1e-6)
    assert timeline.loc["2024-06", "with_messenger_km"] == 0
    assert timeline.loc["2025-01", "with_messenger_cumulative_km"] == pytest.approx(r1, abs=1e-6)
    assert timeline.loc["2025-02", "without_messenger_km"] == pytest.approx(r3, abs=1e-6)
    assert timeline.loc["2025-02", "total_cumulative_km"] == pytest.approx(r1 + r3, abs=1e-6)
    # starting later: what was tidied before is in the cumulative figures
    later = cable_timeline(layers, since="2024-12-01", as_of="2024-12-31")
    assert list(later.index) == ["2024-12"]
    assert later.loc["2024-12", "with_messenger_km"] == 0
    assert later.loc["2024-12", "with_messenger_cumulative_km"] == pytest.approx(r1, abs=1e-6)


# --------------------------------------------------------------------------- switch-off


def test_switched_off_on_the_as_of_day_counts_the_day_after_does_not(layers):
    table = switch_off_progress(layers, as_of="2024-12-31")
    assert list(table.index) == ["001", "002", TOTAL]
    # A: S1 and S2 have 2G; S1 switched off on 2024-12-31 (the as_of day)
    assert table.loc["001", ["stations", "switched_off", "remaining"]].tolist() == [2, 1, 1]
    # B: S3 (S4 is 4G only, S5 is not on air, S6 only on air in 2025); S3 off on 2025-01-01
    assert table.loc["002", ["stations", "switched_off"]].tolist() == [1, 0]
    assert table.loc[TOTAL, ["stations", "switched_off"]].tolist() == [3, 1]
    assert table.loc[TOTAL, "switched_off_pct"] == pytest.approx(100 / 3)
    assert table.loc["001", "switched_off_pct"] == 50.0
    later = switch_off_progress(layers, as_of="2025-01-01")
    assert later.loc["002", ["stations", "switched_off"]].tolist() == [2, 1]
    assert later.loc[TOTAL, ["stations", "switched_off"]].tolist() == [4, 2]


def test_a_unit_missing_from_the_subscriber_snapshot_is_reported(layers):
    table = switch_off_progress(layers, as_of="2024-12-31")
    assert table.attrs["subscribers_period"] == "2024-12"
    assert table.loc["001", ["subscribers", "migrated", "not_migrated"]].tolist() == [100, 90, 10]
    assert table.loc["001", "migrated_pct"] == 90.0
    assert pd.isna(table.loc["002", "subscribers"])
    assert np.isnan(table.loc["002", "migrated_pct"])
    missing = [p for p in problems_of(table) if p.layer == "subscribers"]
    assert len(missing) == 1
    assert missing[0].feature_id == "002"
    assert "2024-12" in missing[0].message and "Xã B" in missing[0].message
    assert table.loc[TOTAL, "subscribers"] == 100  # and the total says what it holds
    # the November snapshot is complete
    november = switch_off_progress(layers, as_of="2024-11-30")
    assert november.attrs["subscribers_period"] == "2024-11"
    assert november.loc[TOTAL, ["subscribers", "migrated"]].tolist() == [300, 150]
    assert problems_of(november) == []


def test_switch_off_of_a_station_not_counted_is_reported(layers):
    frame = layers["bts_stations"].copy()
    frame.loc[frame["site_id"] == "S1", "technologies"] = "4G"  # 2G gone from the register
    table = switch_off_progress(layers.replace(bts_stations=frame), as_of="2024-12-31")
    assert table.loc["001", ["stations", "switched_off"]].tolist() == [1, 1]
    [problem] = [p for p in problems_of(table) if p.layer != "subscribers"]
    assert (problem.layer, problem.feature_id, problem.severity) == (
        "shutdowns_2g",
        "S1",
        "warning",
    )


def test_switch_off_by_operator(layers):
    table = switch_off_progress(layers, as_of="2025-01-01", by="operator")
    assert list(table.index) == ["Viettel", "VNPT", "MobiFone", TOTAL]
    assert table.loc["Viettel", ["stations", "switched_off"]].tolist() == [2, 2]
    assert table.loc["VNPT", ["stations", "switched_off"]].tolist() == [2, 0]
    assert table.loc["MobiFone", "stations"] == 0
    assert table.loc[TOTAL, ["stations", "switched_off"]].tolist() == [4, 2]


def test_3g_uses_its_own_shutdown_layer(layers):
    with pytest.raises(ProgressError, match="shutdowns_3g"):
        switch_off_progress(layers, tech="3G")
    off_3g = layers["shutdowns_2g"].iloc[[1]].copy()  # S3, on 2025-01-01
    table = switch_off_progress(layers.replace(shutdowns_3g=off_3g), tech="3G")
    assert table.attrs["tech"] == "3G"
    assert table.loc[TOTAL, ["stations", "switched_off"]].tolist() == [1, 1]
    assert table["subscribers"].isna().all()  # the subscriber table holds 2G only
    with pytest.raises(TechnologyError, match="Unknown technology"):
        switch_off_progress(layers, tech="6G")


def test_station_outside_every_unit_has_its_own_row(layers):
    frame = layers["bts_stations"].copy()
    frame.loc[frame["site_id"] == "S2", "geometry"] = Point(800_000, Y0)
    table = switch_off_progress(layers.replace(bts_stations=frame), as_of="2024-12-31")
    assert list(table.index) == ["001", "002", OUTSIDE, TOTAL]
    assert table.loc[OUTSIDE, "stations"] == 1
    assert table.loc["001", "stations"] == 1
    assert table.loc[TOTAL, "stations"] == 3
    outside = [p for p in problems_of(table) if p.layer == "bts_stations"]
    assert [p.feature_id for p in outside] == ["S2"]


def test_inputs_are_not_modified(layers):
    before = {kind: frame.copy() for kind, frame in layers.items()}
    switch_off_progress(layers, as_of="2024-12-31")
    cable_progress(layers, as_of="2024-12-31")
    rollout_5g(layers, since="2024-01-01")
    bts_pipeline(layers, since="2024-01-01")
    for kind, frame in layers.items():
        pd.testing.assert_frame_equal(frame, before[kind])


# --------------------------------------------------------------------------- 5G, BTS


def test_rollout_5g_new_in_period_per_operator(layers):
    table = rollout_5g(layers, since="2024-01-01", as_of="2024-12-31")
    assert table.loc["001", ["sites", "new", "Viettel", "VNPT"]].tolist() == [2, 2, 2, 0]
    assert table.loc["002", ["sites", "new", "Viettel", "VNPT"]].tolist() == [1, 0, 0, 0]
    assert table.loc[TOTAL, ["sites", "new"]].tolist() == [3, 2]
    assert table.loc["001", "share_pct"] == 100.0
    # as of the first day of 2024, one Viettel site is on air (the as_of day counts)
    early = rollout_5g(layers, since="2024-01-01", as_of="2024-01-01")
    assert early.loc[TOTAL, ["sites", "new", "Viettel"]].tolist() == [2, 1, 1]
    with pytest.raises(ProgressError, match="after as_of"):
        rollout_5g(layers, since="2025-01-01", as_of="2024-01-01")


def test_bts_pipeline_approved_in_period_and_status_on_as_of():
    rows = [
        ("B1", "approved", "2023-12-31", None),  # before the period
        ("B2", "on_air", "2024-01-01", "2024-12-31"),  # on air on the last day
        ("B3", "on_air", "2024-02-01", "2025-01-05"),  # on air only after as_of
        ("B4", "under_construction", "2024-03-01", None),
        ("B5", "approved", "2024-12-31", None),
        ("B6", "approved", "2025-01-01", None),  # after the period
    ]
    frame = gpd.GeoDataFrame(
        {
            "site_id": [r[0] for r in rows],
            "operator": "Viettel",
            "technologies": "4G",
            "height_m": 30.0,
            "status": [r[1] for r in rows],
            "approved_date": [r[2] for r in rows],
            "on_air_date": [r[3] for r in rows],
        },
        geometry=[at(1, 1), at(1, 2), at(1, 3), at(6, 1), at(6, 2), at(6, 3)],
        crs=UTM,
    )
    layers = LayerSet.from_frames({"districts": districts(), "bts_stations": frame})
    table = bts_pipeline(layers, since="2024-01-01", as_of="2024-12-31")
    columns = ["approved", "waiting", "under_construction", "on_air", "dismantled"]
    assert table.loc["001", columns].tolist() == [2, 0, 1, 1, 0]
    assert table.loc["002", columns].tolist() == [2, 1, 1, 0, 0]
    assert table.loc[TOTAL, columns].tolist() == [4, 1, 2, 1, 0]
    assert table.loc[TOTAL, "on_air_pct"] == 25.0
    later = bts_pipeline(layers, since="2024-01-01", as_of="2025-01-05")
    assert later.loc[TOTAL, ["approved", "on_air"]].tolist() == [5, 2]


def test_units_passed_with_a_code_column(layers):
    units = districts().iloc[[1]]  # only B, code as a column
    table = rollout_5g(layers, units=units)
    assert list(table.index) == ["002", OUTSIDE, TOTAL]
    assert table.loc[OUTSIDE, "sites"] == 2
    assert table.loc["002", "name"] == "Xã B"


# --------------------------------------------------------------------------- boundary changes


def test_site_in_my_loc_counts_for_the_unit_of_the_day():
    bundled = bundled_layers()
    my_loc = bundled["districts"].set_index("code").loc["358", "geometry"]
    site = my_loc.representative_point()
    sites = gpd.GeoDataFrame(
        {"site_id": ["X1"], "operator": ["Viettel"], "band_mhz": [2600.0]},
        geometry=[site],
        crs=bundled["districts"].crs,
    )
    sites["on_air_date"] = pd.Series([pd.Timestamp("2024-03-01")], dtype="datetime64[ns]")
    layers = bundled.replace(sites_5g=sites)
    end = rollout_5g(layers, as_of="2024-12-31")
    assert "358" not in end.index  # merged into Nam Định city on 2024-09-01
    assert end.loc["356", "sites"] == 1
    mid = rollout_5g(layers, as_of="2024-06-30")
    assert mid.loc["358", "sites"] == 1
    assert mid.loc["356", "sites"] == 0
    assert mid.loc["358", "name"] == "Huyện Mỹ Lộc"


def test_subscribers_of_a_merged_unit_go_to_the_unit_it_joined():
    bundled = bundled_layers()
    table = pd.DataFrame(
        {
            "code": ["356", "358"] + [c for c in bundled["districts"]["code"] if c > "358"],
            "period": "2024-12",
            "subscribers_2g": 10,
            "migrated_to_4g": 5,
        }
    )
    table["subscribers_2g"] = table["subscribers_2g"].astype("Int64")
    table["migrated_to_4g"] = table["migrated_to_4g"].astype("Int64")
    result = switch_off_progress(bundled.replace(subscribers=table), as_of="2024-12-31")
    assert result.loc["356", ["subscribers", "migrated"]].tolist() == [20, 10]
    assert result.loc[TOTAL, "subscribers"] == 10 * len(table)
    assert [p for p in problems_of(result) if p.layer == "subscribers"] == []


# --------------------------------------------------------------------------- bundled layers


def test_bundled_layers_reproduce_the_2024_report():
    layers = bundled_layers()
    so = switch_off_progress(layers, as_of="2024-12-31").loc[TOTAL]
    assert (so["switched_off"], so["stations"]) == (161, 788)
    assert (so["migrated"], so["subscribers"]) == (152954, 158699)
    g5 = rollout_5g(layers, since="2024-01-01", as_of="2024-12-31").loc[TOTAL]
    assert (g5["new"], g5["Viettel"], g5["VNPT"]) == (35, 33, 2)
    bts = bts_pipeline(layers, since="2024-01-01", as_of="2024-12-31").loc[TOTAL]
    assert (bts["approved"], bts["on_air"]) == (146, 52)
    cables = cable_progress(layers, as_of="2024-12-31").xs(TOTAL, level="code")
    with_m = cables.xs("with_messenger", level="category").iloc[0]
    without = cables.xs("without_messenger", level="category").iloc[0]
    assert with_m["tidied_km"] == pytest.approx(91, abs=0.05)
    assert with_m["planned_km"] == pytest.approx(146, abs=0.05)
    assert without["tidied_km"] == pytest.approx(20.8, abs=0.05)
    assert without["planned_km"] == pytest.approx(130, abs=0.05)
    assert int(with_m["pct"]) == 62
    assert int(without["pct"]) == 16
