"""Tables carried across boundary changes (ict_gis.crosswalk), on hand-made vintages.

Units are 1 km squares in an equal-area CRS (Lambert azimuthal) near Nam
Định, so that areas are true areas; the expected figures are computed by
hand from the rectangles' sides (an area share of 300 m out of 1000 m is 30 %).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from ict_gis.crosswalk import (
    carry,
    carry_splits,
    chain,
    from_changes,
    place,
    read_crosswalk,
    with_weights,
)
from ict_gis.errors import CrosswalkError

X0, Y0 = 2_000.0, 3_000.0
UTM = "+proj=laea +lat_0=20.3 +lon_0=106.2 +datum=WGS84 +units=m +no_defs +type=crs"


def layer(rows: dict[str, tuple[float, float, float, float]], **columns) -> gpd.GeoDataFrame:
    """Units from {code: (x0, y0, x1, y1)} in metres from (X0, Y0)."""
    codes = list(rows)
    geoms = [box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in rows.values()]
    return gpd.GeoDataFrame({"code": codes, "name": codes, **columns}, geometry=geoms, crs=UTM)


def changes(*rows: tuple, weight: bool = False) -> pd.DataFrame:
    cols = ["old_code", "new_code", "effective_date"] + (["weight"] if weight else [])
    return pd.DataFrame([list(r) for r in rows], columns=cols)


def figures(out: pd.DataFrame, column: str) -> dict[str, object]:
    return dict(zip(out["code"], out[column].tolist(), strict=True))


def test_merge_sums_and_records_whole():
    xwalk = from_changes(changes(("1", "9", "2025-07-01"), ("2", "9", "2025-07-01")))
    table = pd.DataFrame({"code": ["1", "2", "3"], "subs": [5, 7, 4]})
    out = carry(table, xwalk, keep_unknown=True)
    assert figures(out, "subs") == {"3": 4, "9": 12}
    assert figures(out, "method") == {"3": "none", "9": "whole"}
    assert figures(out, "from_codes") == {"3": "3", "9": "1,2"}


def test_split_30_70_by_area_is_carried_exactly():
    old = layer({"A": (0, 0, 1000, 1000)})
    new = layer({"P": (0, 0, 300, 1000), "Q": (300, 0, 1000, 1000)})
    xwalk = from_changes(changes(("A", "P", "2025-07-01"), ("A", "Q", "2025-07-01")))
    table = pd.DataFrame({"code": ["A"], "subs": [1000], "km": [10.0]})
    out = carry(table, xwalk, source=old, target=new)
    assert figures(out, "subs") == {"P": 300, "Q": 700}
    assert figures(out, "km")["P"] == pytest.approx(3.0, rel=1e-6)
    assert figures(out, "km")["Q"] == pytest.approx(7.0, rel=1e-6)
    assert set(out["method"]) == {"area"}
    assert out["subs"].sum() == 1000


def test_split_by_explicit_weight_column():
    xwalk = from_changes(
        changes(("A", "P", "2025-07-01", 1), ("A", "Q", "2025-07-01", 3), weight=True)
    )
    out = carry(pd.DataFrame({"code": ["A"], "subs": [100]}), xwalk)
    assert figures(out, "subs") == {"P": 25, "Q": 75}
    assert set(out["method"]) == {"weight"}


def test_split_by_population_of_the_new_units():
    new = layer({"P": (0, 0, 500, 1000), "Q": (500, 0, 1000, 1000)}, population=[100, 300])
    xwalk = from_changes(changes(("A", "P", "2025-07-01"), ("A", "Q", "2025-07-01")))
    out = carry(pd.DataFrame({"code": ["A"], "subs": [40]}), xwalk, by="population", target=new)
    assert figures(out, "subs") == {"P": 10, "Q": 30}
    assert set(out["method"]) == {"population"}


def test_whole_numbers_by_largest_remainder_keep_every_total():
    # 10 in three equal parts: 3.33 each; the one left over goes to the first part.
    xwalk = from_changes(
        changes(*[("A", n, "2025-07-01", 1) for n in ("P", "Q", "R")], weight=True)
    )
    out = carry(pd.DataFrame({"code": ["A"], "subs": [10]}), xwalk)
    assert figures(out, "subs") == {"P": 4, "Q": 3, "R": 3}
    rng = np.random.default_rng(7)
    values = rng.integers(0, 100_000, size=50)
    weights = rng.uniform(0.1, 5, size=4)
    rows = [(f"u{i}", f"n{j}", "2025-07-01", weights[j]) for i in range(50) for j in range(4)]
    out = carry(
        pd.DataFrame({"code": [f"u{i}" for i in range(50)], "subs": values}),
        from_changes(changes(*rows, weight=True)),
    )
    assert int(out["subs"].sum()) == int(values.sum())


def test_rename_reusing_a_code_of_another_unit_does_not_chain():
    # On the same day X (100) takes the code 200, and Y (old 200) becomes 300.
    xwalk = from_changes(changes(("100", "200", "2025-07-01"), ("200", "300", "2025-07-01")))
    out = carry(pd.DataFrame({"code": ["100", "200"], "subs": [5, 7]}), xwalk)
    assert figures(out, "subs") == {"200": 5, "300": 7}
    assert figures(out, "from_codes") == {"200": "100", "300": "200"}


def test_chain_district_to_communes_to_new_commune_by_area():
    district = layer({"D": (0, 0, 1000, 1000)})
    new = layer({"N1": (0, 0, 300, 1000), "N2": (300, 0, 1000, 1000)})
    first = from_changes(changes(("D", "c1", "2025-03-01"), ("D", "c2", "2025-03-01")))
    second = from_changes(changes(("c1", "N1", "2025-07-01"), ("c2", "N2", "2025-07-01")))
    xwalk = chain(first, second)
    assert xwalk["weight"].isna().all()  # a district's share of each commune is not known
    out = carry(pd.DataFrame({"code": ["D"], "subs": [2000]}), xwalk, source=district, target=new)
    assert figures(out, "subs") == {"N1": 600, "N2": 1400}


def test_chain_multiplies_known_weights():
    first = from_changes(
        changes(("D", "c1", "2025-03-01", 1), ("D", "c2", "2025-03-01", 1), weight=True)
    )
    second = from_changes(
        changes(
            ("c1", "N1", "2025-07-01", 1),
            ("c2", "N1", "2025-07-01", 2),
            ("c2", "N2", "2025-07-01", 3),
            weight=True,
        )
    )
    xwalk = chain(first, second)
    # N1 = 0.5 * 1 + 0.5 * 0.4 = 0.7, N2 = 0.5 * 0.6 = 0.3
    assert dict(zip(xwalk["new_code"], xwalk["weight"], strict=True)) == pytest.approx(
        {"N1": 0.7, "N2": 0.3}
    )


def test_a_broken_chain_is_an_error():
    first = from_changes(changes(("D", "c1", "2025-03-01"), ("D", "c9", "2025-03-01")))
    second = from_changes(
        changes(
            ("c1", "N1", "2025-07-01"),
        )
    )
    with pytest.raises(CrosswalkError, match="c9"):
        chain(first, second)


def test_split_without_any_way_to_divide_is_an_error_with_the_fix():
    xwalk = from_changes(changes(("A", "P", "2025-07-01"), ("A", "Q", "2025-07-01")))
    with pytest.raises(CrosswalkError, match="Fix: add a weight column"):
        carry(pd.DataFrame({"code": ["A"], "subs": [1]}), xwalk)
    with pytest.raises(CrosswalkError, match="not in the crosswalk"):
        carry(pd.DataFrame({"code": ["Z"], "subs": [1]}), xwalk)


def test_bad_weights_and_repeated_pairs_are_errors():
    with pytest.raises(CrosswalkError, match="positive"):
        from_changes(changes(("A", "P", "2025-07-01", 0), weight=True))
    with pytest.raises(CrosswalkError, match="listed twice"):
        from_changes(changes(("A", "P", "2025-07-01"), ("A", "P", "2025-07-01")))


def test_missing_value_stays_missing():
    xwalk = from_changes(changes(("1", "9", "2025-07-01"), ("2", "9", "2025-07-01")))
    table = pd.DataFrame({"code": ["1", "2"], "subs": pd.array([5, None], dtype="Int64")})
    out = carry(table, xwalk)
    assert out["subs"].isna().all()


def test_with_weights_auto_prefers_given_weights():
    xwalk = from_changes(
        changes(("A", "P", "2025-07-01", 2), ("A", "Q", "2025-07-01", 2), weight=True)
    )
    old = layer({"A": (0, 0, 1000, 1000)})
    new = layer({"P": (0, 0, 300, 1000), "Q": (300, 0, 1000, 1000)})
    out = with_weights(xwalk, source=old, target=new)
    assert out["weight"].tolist() == [0.5, 0.5]
    assert with_weights(xwalk, by="area", source=old, target=new)["weight"].tolist() == (
        pytest.approx([0.3, 0.7], rel=1e-6)
    )


def test_point_exactly_on_a_new_boundary_is_counted_once():
    new = layer({"P": (0, 0, 300, 1000), "Q": (300, 0, 1000, 1000)})
    points = gpd.GeoDataFrame(geometry=[Point(X0 + 300, Y0 + 500)], crs=UTM)
    codes, moved = place(points, new)
    assert codes.tolist() == ["P"]  # the smaller code of the two, as assign_units does
    assert moved.empty


def test_near_miss_goes_to_the_nearest_unit_with_data_only():
    new = layer({"P": (0, 0, 300, 1000), "Q": (300, 0, 1000, 1000)})
    new["has_data"] = [False, True]
    points = gpd.GeoDataFrame(
        geometry=[
            Point(X0 + 1200, Y0 + 500),
            Point(X0 - 150, Y0 + 500),
            Point(X0 - 50, Y0 + 500),
            Point(X0 + 5000, Y0),
        ],
        crs=UTM,
    )
    codes, moved = place(points, new)
    # 200 m from Q; 150 m from P (no data) and 450 m from Q: beyond the 100 m
    # of the placement rule, so to the nearest unit with data. 50 m from P:
    # within 100 m, the one placement rule of every metric gives it to P.
    # 4 km away: outside.
    assert codes.tolist() == ["Q", "Q", "P", pd.NA]
    assert moved.round(3).to_dict() == {0: 200.0, 1: 450.0}


def test_carry_splits_of_admin_changes_divides_only_split_units():
    new = layer({"P": (0, 0, 300, 1000), "Q": (300, 0, 1000, 1000)})
    old = layer({"A": (0, 0, 1000, 1000)})
    table = pd.DataFrame({"code": ["A", "B"], "subs": [100, 6]})
    split = changes(("A", "P", "2025-07-01"), ("A", "Q", "2025-07-01"), ("C", "B", "2025-07-01"))
    out = carry_splits(table, split, as_of="2025-12-31", source=old, target=new)
    assert figures(out, "subs") == {"B": 6, "P": 30, "Q": 70}
    assert carry_splits(table, split, as_of="2025-06-30", source=old, target=new) is None


def test_national_crosswalk_keeps_leading_zeros_and_splits():
    xwalk = read_crosswalk()
    assert len(xwalk) == 10_599
    assert "00001" in set(xwalk["old_code"])
    assert (xwalk.groupby("old_code").size() > 1).sum() == 460
    ninh_binh = read_crosswalk(province="37")
    assert ninh_binh["new_code"].nunique() == 129
    # The reused code: old 13669 (Phường Cửa Bắc) went into new 13669 Phường Nam Định.
    row = ninh_binh[ninh_binh["old_code"] == "13669"]
    assert row[["old_name", "new_name"]].to_numpy().tolist() == [
        ["Phường Cửa Bắc", "Phường Nam Định"]
    ]


# --------------------------------------------------------------------------- validate agrees


def split_layers(weights: tuple | None = None, changes_rows: list | None = None):
    """New units P (30 %) and Q (70 %); subscribers still held on the old unit A."""
    from ict_gis.layerset import LayerSet

    units = layer({"P": (0, 0, 300, 1000), "Q": (300, 0, 1000, 1000)}).to_crs(4326)
    stations = gpd.GeoDataFrame(
        {
            "site_id": ["S1"],
            "operator": ["Viettel"],
            "technologies": ["2G,4G"],
            "height_m": ["30"],
            "status": ["on_air"],
            "approved_date": ["2020-01-01"],
            "on_air_date": ["2020-06-01"],
        },
        geometry=gpd.GeoSeries([Point(X0 + 100, Y0 + 500)], crs=UTM).to_crs(4326),
    )
    shutdowns = gpd.GeoDataFrame(
        {"site_id": [], "operator": [], "switch_off_date": []},
        geometry=gpd.GeoSeries([], crs=4326),
    )
    rows = changes_rows or [("A", "P", "2025-07-01"), ("A", "Q", "2025-07-01")]
    change = pd.DataFrame(rows, columns=["old_code", "new_code", "effective_date"])
    if weights is not None:
        change["weight"] = [str(w) for w in weights]
    subscribers = pd.DataFrame(
        {
            "code": ["A"],
            "period": ["2025-09"],
            "subscribers_2g": ["1000"],
            "migrated_to_4g": ["400"],
        }
    )
    return LayerSet.from_frames(
        {
            "districts": units,
            "bts_stations": stations,
            "shutdowns_2g": shutdowns,
            "subscribers": subscribers,
            "admin_changes": change,
        }
    )


def errors_of(layers) -> list[str]:
    from ict_gis.validate import validate

    return [p.message for p in validate(layers) if p.severity == "error"]


def test_split_without_weights_fails_in_validate_and_in_the_metric_alike():
    from ict_gis.metrics.progress import switch_off_progress

    layers = split_layers()
    found = errors_of(layers)
    assert len(found) == 1 and "A is split into P, Q" in found[0]
    with pytest.raises(CrosswalkError, match="Fix: add a weight column"):
        switch_off_progress(layers, as_of="2025-12-31")


def test_split_with_weights_passes_validate_and_is_carried():
    from ict_gis.metrics.progress import switch_off_progress

    layers = split_layers(weights=(3, 7))
    assert errors_of(layers) == []
    table = switch_off_progress(layers, as_of="2025-12-31")
    assert table.loc[["P", "Q", "total"], "subscribers"].tolist() == [300, 700, 1000]
    assert table.loc[["P", "Q", "total"], "migrated"].tolist() == [120, 280, 400]


def test_merge_into_a_unit_not_drawn_fails_in_validate_and_in_the_metric_alike():
    from ict_gis.errors import AdminChangeError
    from ict_gis.metrics.progress import switch_off_progress

    layers = split_layers(changes_rows=[("P", "Z", "2025-07-01")])
    found = errors_of(layers)
    assert any("P merges into 'Z'" in m for m in found)
    with pytest.raises(AdminChangeError, match="P"):
        switch_off_progress(layers, as_of="2025-12-31")


def test_non_positive_weight_fails_in_validate_and_in_the_metric_alike():
    from ict_gis.metrics.progress import switch_off_progress

    layers = split_layers(weights=(0, 1))
    assert any("not positive" in m for m in errors_of(layers))
    with pytest.raises(CrosswalkError, match="positive"):
        switch_off_progress(layers, as_of="2025-12-31")


def test_remap_codes_same_day_rename_reusing_a_code_is_not_a_chain():
    from ict_gis.units import remap_codes

    same_day = changes(("100", "200", "2025-07-01"), ("200", "300", "2025-07-01"))
    codes = pd.Series(["100", "200"])
    assert remap_codes(codes, same_day, as_of="2025-12-31").tolist() == ["200", "300"]
    # On two days it is a chain: 100 became 200, which later became 300.
    two_days = changes(("100", "200", "2025-07-01"), ("200", "300", "2025-09-01"))
    assert remap_codes(codes, two_days, as_of="2025-12-31").tolist() == ["300", "300"]
