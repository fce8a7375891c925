import io
import json

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import Point

from ict_gis.layerset import bundled_layers
from ict_gis.render.report import report_markdown, report_text, report_xlsx
from ict_gis.report import AnnualReport, annual

CODES_2024 = ["356", "359", "360", "361", "362", "363", "364", "365", "366"]


@pytest.fixture(scope="module")
def layers():
    return bundled_layers()


@pytest.fixture(scope="module")
def vi(layers):
    return annual(layers, year=2024)


@pytest.fixture(scope="module")
def en(layers):
    return annual(layers, year=2024, lang="en")


def test_vietnamese_sentences_reproduce_the_report(vi):
    assert isinstance(vi, AnnualReport)
    text = " ".join(vi.sentences)
    for expected in (
        "Các doanh nghiệp viễn thông đã thực hiện việc tắt sóng 161/788 trạm 2G (chiếm 20%).",
        "Tổng số thuê bao 2G đã chuyển sang thuê bao 4G là 152.954/158.699 thuê bao đạt 96,3%",
        "còn 5.745 thuê bao chưa chuyển đổi",
        "đã chấp thuận 146 vị trí xây dựng trạm BTS",
        "đi vào phát sóng 52 trạm",
        "đã phát triển được 35 trạm 5G (trong đó Viettel có 33 trạm, VNPT có 02 trạm)",
        "tập trung chủ yếu ở thành phố Nam Định",
        "cáp dưỡng, vòng khuyên được chỉnh trang là 91/146 km, đạt 62% so với Kế hoạch 49/KH-UBND",
        "chưa có cáp dưỡng, vòng khuyên đã được chỉnh trang là 20,8/130 km, đạt 16%",
    ):
        assert expected in text, expected


def test_english_sentences(en):
    text = " ".join(en.sentences)
    for expected in (
        "2G subscribers moved to 4G: 152,954/158,699 (96.3%); 5,745 have not moved yet.",
        "Operators switched off 161/788 2G stations (20%).",
        "146 BTS locations were approved",
        "52 of them have been built and are on air",
        "operators built 35 5G sites (Viettel 33, VNPT 2), mostly in Thành phố Nam Định",
        "with messenger wire and rings tidied: 91/146 km, 62% of plan 49/KH-UBND",
        "without messenger wire tidied: 20.8/130 km, 16% of plan 49/KH-UBND",
    ):
        assert expected in text, expected


def test_json_has_the_issue_keys_and_exact_values(vi):
    data = json.loads(json.dumps(vi.to_json_dict(), allow_nan=False))
    assert list(data)[:6] == ["year", "switch_off", "sites_5g", "bts", "cables", "units"]
    assert data["year"] == 2024
    so = data["switch_off"]
    assert {k: so[k] for k in ("tech", "switched_off", "total")} == {
        "tech": "2G",
        "switched_off": 161,
        "total": 788,
    }
    assert so["pct"] == pytest.approx(161 / 788 * 100, rel=1e-12)  # exact, not 20.43
    assert (so["subscribers_migrated"], so["subscribers_total"]) == (152954, 158699)
    assert so["subscribers_pct"] == pytest.approx(152954 / 158699 * 100, rel=1e-12)
    assert data["sites_5g"]["total"] == 35
    assert data["sites_5g"]["by_operator"] == {"Viettel": 33, "VNPT": 2}
    assert (data["bts"]["approved"], data["bts"]["on_air"]) == (146, 52)
    cables = {c["category"]: c for c in data["cables"]}
    assert set(cables) == {"with_messenger", "without_messenger"}
    for entry in cables.values():
        assert {"category", "tidied_km", "planned_km", "pct"} <= set(entry)
    assert cables["with_messenger"]["tidied_km"] == pytest.approx(91.0, abs=0.01)
    assert cables["with_messenger"]["planned_km"] == pytest.approx(146.0, abs=0.01)
    assert cables["with_messenger"]["pct"] == pytest.approx(62.33, abs=0.01)
    assert cables["without_messenger"]["tidied_km"] == pytest.approx(20.8, abs=0.01)
    assert cables["without_messenger"]["pct"] == pytest.approx(16.0, abs=0.01)
    # Mỹ Lộc (358) merged into Nam Định city (356) on 2024-09-01
    assert [u["code"] for u in data["units"]] == CODES_2024
    city = data["units"][0]
    assert city["name"] == "Thành phố Nam Định"
    assert {"switch_off", "sites_5g", "bts", "cables"} <= set(city)
    assert sum(u["switch_off"]["switched_off"] for u in data["units"]) == 161
    assert sum(u["sites_5g"]["total"] for u in data["units"]) == 35
    assert sum(u["bts"]["approved"] for u in data["units"]) == 146
    assert data["outside"] is None and data["problems"] == []
    assert data["as_of"] == "2024-12-31" and data["since"] == "2024-01-01"


def test_text_and_markdown(vi, en):
    text = report_text(vi)
    assert text.startswith("Kết quả phát triển hạ tầng viễn thông năm 2024\n")
    assert "31/12/2024" in text
    assert "Tổng cộng" in text and "Tắt sóng 2G" in text
    markdown = report_markdown(en)
    assert markdown.startswith("# Telecom infrastructure in 2024\n")
    assert "- Operators switched off 161/788 2G stations (20%)." in markdown
    assert "| Code | Administrative unit | 2G stations |" in markdown


def test_xlsx_opens_with_the_right_sheets_headers_and_totals(vi, en):
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(vi)))
    assert book.sheetnames == [
        "Tóm tắt",
        "Tắt sóng 2G",
        "Trạm 5G năm 2024",
        "Trạm BTS năm 2024",
        "Chỉnh trang cáp",
        "Chỉnh trang cáp theo tháng",
    ]
    summary = book["Tóm tắt"]
    assert summary["A1"].value == "Nội dung"
    assert any("161/788" in str(c.value) for c in summary["A"])
    sheet = book["Tắt sóng 2G"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Mã", "Đơn vị hành chính", "Số trạm 2G", "Đã tắt sóng"]
    last = sheet[sheet.max_row]
    assert [c.value for c in last[:4]] == ["total", "Tổng cộng", 788, 161]
    assert last[0].font.b
    pct = header.index("Tỷ lệ tắt sóng")
    assert last[pct].number_format == "0.0%"
    assert last[pct].value == pytest.approx(161 / 788)
    cables = book["Chỉnh trang cáp"]
    km = [c.value for c in cables[1]].index("Đã chỉnh trang (km)")
    assert cables.cell(row=2, column=km + 1).number_format == "#,##0.0"
    english = openpyxl.load_workbook(io.BytesIO(report_xlsx(en)))
    assert english.sheetnames[:2] == ["Summary", "2G switch-off"]
    assert [c.value for c in english["2G switch-off"][1]][:3] == [
        "Code",
        "Administrative unit",
        "2G stations",
    ]


def test_other_year_and_bad_arguments(layers):
    later = annual(layers, year=2025)
    assert later.totals["bts"]["approved"] == 0  # the bundled approvals are all in 2024
    assert later.totals["sites_5g"] == {
        "total": 0,
        "by_operator": {},
        "on_air": 35,
        "share_pct": None,
    }
    assert "chưa có trạm 5G mới" in " ".join(later.sentences)
    with pytest.raises(ValueError, match="language"):
        annual(layers, lang="fr")
    with pytest.raises(ValueError, match="year"):
        annual(layers, year="twenty")


def test_problems_reach_the_report(layers):
    sites = layers["sites_5g"].copy()
    sites.loc[sites.index[0], "geometry"] = Point(100.0, 10.0)  # far outside the province
    report = annual(layers.replace(sites_5g=gpd.GeoDataFrame(sites)), year=2024)
    data = report.to_json_dict()
    assert data["outside"]["sites_5g"]["total"] == 1
    assert data["sites_5g"]["total"] == 35  # still counted in the province total
    assert [p["layer"] for p in data["problems"]] == ["sites_5g"]
    assert "Lưu ý" in report_text(report)


def test_report_per_unit_layer_given(layers):
    units = layers["districts"][layers["districts"]["code"] == "356"]
    report = annual(layers, units=units, year=2024)
    data = report.to_json_dict()
    assert [u["code"] for u in data["units"]] == ["356"]
    assert data["outside"] is not None  # everything outside Nam Định city is outside
    assert data["switch_off"]["total"] == 788
    assert report.tables["switch_off"].loc["356", "name"] == "Thành phố Nam Định"
