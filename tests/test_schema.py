import unicodedata

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from ict_gis.errors import LayerKindError
from ict_gis.schema import coerce, kind_from_name, nfc, schema_for, split_list


def stations(**columns):
    base = {
        "site_id": ["S1", "S2"],
        "operator": ["Viettel", "VNPT"],
        "technologies": ["2G,4G", "4G"],
        "height_m": [30, 40],
        "status": ["on_air", "on_air"],
        "approved_date": ["2023-01-05", None],
        "on_air_date": ["2023-03-01", "2020-01-01"],
    }
    base.update(columns)
    return gpd.GeoDataFrame(base, geometry=[Point(106.1, 20.4), Point(106.2, 20.3)], crs=4326)


def test_clean_layer_has_no_problems_and_typed_columns():
    frame, problems = coerce("bts_stations", stations())
    assert problems == []
    assert frame["on_air_date"].dtype == "datetime64[ns]"
    assert frame.loc[0, "on_air_date"] == pd.Timestamp("2023-03-01")
    assert pd.isna(frame.loc[1, "approved_date"])
    assert frame["height_m"].tolist() == [30.0, 40.0]


def test_aliases_and_case_become_canonical():
    frame, problems = coerce(
        "bts_stations", stations(operator=["vinaphone", "MOBIFONE"], technologies=["4g, 2G", "5G"])
    )
    assert problems == []
    assert frame["operator"].tolist() == ["VNPT", "MobiFone"]
    assert frame["technologies"].tolist() == ["2G,4G", "5G"]


def test_every_bad_value_is_reported_with_its_feature_and_row_kept():
    raw = stations(
        operator=["Viettel", "Telco X"],
        technologies=["2G,6G", "4G"],
        on_air_date=["2023-13-01", "2020-01-01"],
        height_m=["tall", 40],
    )
    frame, problems = coerce("bts_stations", raw)
    found = {(p.feature_id, p.column) for p in problems}
    assert found == {
        ("S2", "operator"),
        ("S1", "technologies"),
        ("S1", "on_air_date"),
        ("S1", "height_m"),
    }
    assert all(p.severity == "error" and p.fix for p in problems)
    assert len(frame) == 2  # nothing dropped
    assert raw.loc[1, "operator"] == "Telco X"  # input untouched


def test_missing_required_column_suggests_the_rename():
    raw = stations().rename(columns={"site_id": "Site_ID"})
    _, problems = coerce("bts_stations", raw)
    missing = [p for p in problems if p.column == "site_id"]
    assert len(missing) == 1 and "rename column 'Site_ID'" in missing[0].fix
    unknown = [p for p in problems if p.column == "Site_ID"]
    assert unknown[0].severity == "warning"


def test_missing_value_in_required_column_is_reported():
    _, problems = coerce("bts_stations", stations(status=["on_air", None]))
    assert [(p.feature_id, p.column, p.message) for p in problems] == [
        ("S2", "status", "value is missing.")
    ]


def test_feature_without_id_is_named_by_row():
    _, problems = coerce("bts_stations", stations(site_id=["S1", None]))
    assert [(p.feature_id, p.column) for p in problems] == [("#1", "site_id")]


def test_text_is_nfc():
    decomposed = unicodedata.normalize("NFD", "Giao Thủy")
    frame, _ = coerce(
        "districts",
        gpd.GeoDataFrame({"code": ["365"], "name": [decomposed]}, geometry=[None], crs=4326),
    )
    assert frame.loc[0, "name"] == unicodedata.normalize("NFC", "Giao Thủy")
    assert nfc(" a ") == "a"


def test_numeric_codes_become_text_without_decimal_point():
    frame, problems = coerce(
        "subscribers",
        pd.DataFrame(
            {
                "code": [356.0],
                "period": ["2024-12"],
                "subscribers_2g": ["10"],
                "migrated_to_4g": [3],
            }
        ),
    )
    assert problems == []
    assert frame.loc[0, "code"] == "356"
    assert frame["subscribers_2g"].tolist() == [10]


def test_negative_and_fractional_counts_are_errors():
    _, problems = coerce(
        "subscribers",
        pd.DataFrame(
            {
                "code": ["1", "2"],
                "period": ["2024-12"] * 2,
                "subscribers_2g": [-1, 2.5],
                "migrated_to_4g": [0, 0],
            }
        ),
    )
    assert [(p.feature_id, p.message) for p in problems] == [
        ("1/2024-12", "value -1.0 is negative."),
        ("2/2024-12", "value 2.5 is not a whole number."),
    ]


def test_kinds():
    assert kind_from_name("bts_stations.geojson") == "bts_stations"
    assert kind_from_name("/x/nam_dinh_cable_routes.gpkg") == "cable_routes"
    assert kind_from_name("notes.txt") is None
    with pytest.raises(LayerKindError, match="Did you mean 'bts_stations'"):
        schema_for("bts_station")


def test_split_list():
    assert split_list(" 2G, 4G;5G ") == ["2G", "4G", "5G"]
    assert split_list(None) == []
    assert split_list(float("nan")) == []


@pytest.mark.parametrize("text", ["2024-07-20", "2024/07/20", "20/07/2024", "20-07-2024"])
def test_dates_in_common_forms_day_first(text):
    frame, problems = coerce(
        "admin_changes",
        pd.DataFrame({"old_code": ["1"], "new_code": ["2"], "effective_date": [text]}),
    )
    assert problems == []
    assert frame.loc[0, "effective_date"] == pd.Timestamp(2024, 7, 20)


def test_impossible_date_is_reported():
    _, problems = coerce(
        "admin_changes",
        pd.DataFrame({"old_code": ["1"], "new_code": ["2"], "effective_date": ["31/02/2024"]}),
    )
    assert [(p.feature_id, p.column) for p in problems] == [("1", "effective_date")]


def test_text_columns_stay_python_text_with_none_for_missing():
    raw = gpd.GeoDataFrame(
        {
            "route_id": ["R1", "R2"],
            "street": ["  Đường Trần Hưng Đạo ", "   "],
            "category": ["with_messenger"] * 2,
            "plan": [None, "49/KH-UBND"],
            "status": ["planned"] * 2,
            "done_date": [None, None],
            "operators": ["VNPT", None],
        },
        geometry=[None, None],
        crs=4326,
    )
    frame, problems = coerce("cable_routes", raw)
    assert problems == []
    assert frame["street"].dtype == object
    assert frame["street"].tolist() == ["Đường Trần Hưng Đạo", None]  # blank is missing
    assert frame["plan"].tolist() == [None, "49/KH-UBND"]


def _units(**columns):
    from shapely.geometry import box

    n = len(next(iter(columns.values())))
    return gpd.GeoDataFrame(columns, geometry=[box(k, 0, k + 1, 1) for k in range(n)], crs=4326)


@pytest.mark.parametrize(
    ("code", "name"), [("ma_xa", "ten_xa"), ("MaXa", "TenXa"), ("Mã ĐVHC", "Tên")]
)
def test_unit_columns_under_their_usual_vietnamese_names_are_read(code, name):
    frame = _units(**{code: ["13285", "13291"], name: ["Phường Phủ Lý", "Phường Phù Vân"]})
    out, problems = coerce("districts", frame)
    assert out["code"].tolist() == ["13285", "13291"]
    assert out["name"].tolist() == ["Phường Phủ Lý", "Phường Phù Vân"]
    assert [p.severity for p in problems] == ["warning", "warning"]
    assert {p.column for p in problems} == {code, name}
    assert frame.columns.tolist()[:2] == [code, name]  # the input is not modified


def test_two_candidate_columns_are_not_guessed():
    frame = _units(ma_xa=["1"], ma_huyen=["2"], name=["A"])
    out, problems = coerce("districts", frame)
    assert out["code"].isna().all()
    assert any(p.column == "code" and p.severity == "error" for p in problems)


def test_numeric_gso_codes_get_their_leading_zeros_by_level():
    """Hà Nội's first ward is 00001, its first district 001, the province 01 (GSO list)."""
    frame = _units(code=[1, 1, 1, 13285], name=["Phúc Xá", "Ba Đình", "Hà Nội", "Phủ Lý"],
                   level=["commune", "district", "province", "commune"])  # fmt: skip
    out, problems = coerce("districts", frame)
    assert out["code"].tolist() == ["00001", "001", "01", "13285"]
    (said,) = [p.message for p in problems if p.column == "code"]
    assert "3 were padded" in said


def test_numeric_codes_without_level_are_only_warned_about():
    frame = _units(code=[1, 13285], name=["Phúc Xá", "Phủ Lý"])
    out, problems = coerce("districts", frame)
    assert out["code"].tolist() == ["1", "13285"]
    (said,) = [p for p in problems if p.column == "code"]
    assert said.severity == "warning" and "leading zeros may be lost" in said.message


def test_every_layer_kind_has_a_schema_in_the_order_of_settings():
    """settings.LAYER_KINDS (read by the CLI's options without importing pandas) is SCHEMAS'."""
    from ict_gis.schema import SCHEMAS
    from ict_gis.settings import LAYER_KINDS

    assert tuple(SCHEMAS) == LAYER_KINDS
