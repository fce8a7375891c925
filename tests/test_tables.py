import csv
import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ict_gis.render.tables import column_kind, records, render_table, render_tables


@pytest.fixture
def frame():
    table = pd.DataFrame(
        {
            "name": ["Xã A", "Xã B", "Total"],
            "stations": [1200, 3, 1203],
            "tidied_km": [20.84, 0.05, 20.89],
            "pct": [96.38, np.nan, 62.99],
        },
        index=pd.Index(["001", "002", "total"], name="code"),
    )
    table.attrs["tech"] = "2G"
    return table


def test_column_kinds():
    assert column_kind("pct", pd.Series([1.0])) == "pct"
    assert column_kind("migrated_pct", pd.Series([1.0])) == "pct"
    assert column_kind("planned_km", pd.Series([1.0])) == "km"
    assert column_kind("stations", pd.Series([1])) == "count"
    assert column_kind("subscribers", pd.Series([1, None], dtype="Int64")) == "count"
    assert column_kind("height_m", pd.Series([1.5])) == "number"
    assert column_kind("name", pd.Series(["x"])) == "text"


def test_markdown_vietnamese(frame):
    text = render_table(frame, "md", title="Bảng | 1")
    assert text.splitlines() == [
        "### Bảng \\| 1",
        "",
        "| Mã | Đơn vị hành chính | Số trạm 2G | Đã chỉnh trang (km) | Tỷ lệ so với kế hoạch |",
        "|:---|:---|---:|---:|---:|",
        "| 001 | Xã A | 1.200 | 20,8 | 96,3% |",
        "| 002 | Xã B | 3 | 0,1 | – |",
        "| **total** | **Tổng cộng** | **1.203** | **20,9** | **62,9%** |",
    ]


def test_terminal_table_english(frame):
    text = render_table(frame, "table", lang="en", title="Stations")
    lines = text.splitlines()
    assert lines[:2] == ["Stations", "========"]
    assert lines[2].split("  ")[0] == "Code"
    assert "2G stations" in lines[2]
    assert set(lines[3].replace(" ", "")) == {"-"}
    assert lines[-2] == lines[3]  # a rule above the totals row
    assert lines[-1].split() == ["total", "Total", "1,203", "20.9", "62.9%"]
    # numbers right-aligned under their header
    assert lines[4].endswith("96.3%")


def test_csv_and_json_keep_names_and_exact_values(frame):
    rows = list(csv.DictReader(io.StringIO(render_table(frame, "csv"))))
    assert list(rows[0]) == ["code", "name", "stations", "tidied_km", "pct"]
    assert rows[0]["tidied_km"] == "20.84" and rows[1]["pct"] == ""
    data = json.loads(render_table(frame, "json"))
    assert data[0] == {
        "code": "001",
        "name": "Xã A",
        "stations": 1200,
        "tidied_km": 20.84,
        "pct": 96.38,
    }
    assert data[1]["pct"] is None
    assert records(frame)[2]["code"] == "total"


def test_xlsx_headers_formats_totals(frame):
    data = render_table(frame, "xlsx", title="Bảng: tắt sóng/2G [2024]")
    assert isinstance(data, bytes)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Bảng  tắt sóng 2G  2024"]
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header == ["Mã", "Đơn vị hành chính", "Số trạm 2G", "Đã chỉnh trang (km)",
                      "Tỷ lệ so với kế hoạch"]  # fmt: skip
    row = sheet[2]
    assert [c.value for c in row[:3]] == ["001", "Xã A", 1200]
    assert row[2].number_format == "#,##0"
    assert row[3].number_format == "#,##0.0" and row[3].value == 20.84
    assert row[4].number_format == "0.0%" and row[4].value == pytest.approx(0.9638)
    assert sheet["E3"].value is None
    total = sheet[4]
    assert total[1].value == "Tổng cộng"
    assert all(c.font.b for c in total)
    assert not any(c.font.b for c in row)
    assert sheet.freeze_panes == "C2"


def test_xlsx_english_one_sheet_per_table(frame):
    other = pd.DataFrame({"month": ["2024-05"], "total_km": [1.5]}).set_index("month")
    long_title = "A title that is much longer than thirty-one characters"
    data = render_tables({"First": frame, long_title: other, "first": frame}, "xlsx", lang="en")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["First", long_title[:31], "first (2)"]
    assert [c.value for c in book["First"][1]][:3] == ["Code", "Administrative unit",
                                                       "2G stations"]  # fmt: skip
    assert book[long_title[:31]]["A1"].value == "Month"
    assert book[long_title[:31]]["B2"].number_format == "#,##0.0"


def test_several_tables_as_text_csv_json(frame):
    other = pd.DataFrame({"operator": ["Viettel", "total"], "stations": [2, 2]}).set_index(
        "operator"
    )
    text = render_tables({"Units": frame, "Operators": other}, "table", lang="en")
    assert "Units\n=====" in text and "Operators\n=========" in text
    assert text.rstrip().splitlines()[-1].split() == ["Total", "2"]  # named in place
    rows = list(csv.DictReader(io.StringIO(render_tables({"u": frame, "o": other}, "csv"))))
    assert [r["table"] for r in rows] == ["u", "u", "u", "o", "o"]
    assert rows[0]["stations"] == "1200"  # not 1200.0
    assert rows[3]["operator"] == "Viettel" and rows[0]["operator"] == ""
    data = json.loads(render_tables({"u": frame, "o": other}, "json"))
    assert list(data) == ["u", "o"] and data["o"][0] == {"operator": "Viettel", "stations": 2}


def test_multiindex_is_flattened_with_name_after_code():
    index = pd.MultiIndex.from_tuples(
        [("001", "with_messenger", "P1"), ("total", "with_messenger", "P1")],
        names=["code", "category", "plan"],
    )
    table = pd.DataFrame({"planned_km": [1.0, 1.0], "name": ["Xã A", "Total"]}, index=index)
    text = render_table(table, "md", lang="en")
    assert text.splitlines()[0] == (
        "| Code | Administrative unit | Route category | Plan | In the plan (km) |"
    )
    assert "| 001 | Xã A | With messenger wire | P1 | 1.0 |" in text
    assert json.loads(render_table(table, "json"))[0]["category"] == "with_messenger"


def test_labels_override_and_unknown_format(frame):
    text = render_table(frame, "md", lang="en", labels={"stations": "Sites"})
    assert "| Sites |" in text
    with pytest.raises(ValueError, match="table, csv, json, md, xlsx"):
        render_table(frame, "html")
    with pytest.raises(ValueError, match="vi"):
        render_table(frame, "md", lang="fr")


def test_frame_is_not_modified(frame):
    before = frame.copy()
    for fmt in ("table", "csv", "json", "md", "xlsx"):
        render_table(frame, fmt)
    pd.testing.assert_frame_equal(frame, before)


def test_text_is_never_markup_or_a_formula():
    table = pd.DataFrame({"street": ['=HYPERLINK("http://x")', "<b>x</b> | y", "a\x07b"]})
    md = render_table(table, "md")
    assert "&lt;b&gt;x&lt;/b&gt; \\| y" in md and "<b>" not in md
    sheet = openpyxl.load_workbook(io.BytesIO(render_table(table, "xlsx"))).active
    assert [c.data_type for c in sheet["A"]] == ["s", "s", "s", "s"]
    assert sheet["A2"].value == '=HYPERLINK("http://x")'
    assert sheet["A4"].value == "ab"  # a control character Excel refuses


def test_csv_cells_of_every_column_type():
    """Each kind of column, written by hand: exact floats, empty for missing."""
    table = pd.DataFrame(
        {
            "ratio": [0.1 + 0.2, np.nan, np.inf],
            "n": np.array([1, 2, 3], dtype=np.int64),
            "on": [True, False, True],
            "subscribers": pd.array([5, None, 7], dtype="Int64"),
            "day": pd.to_datetime(["2024-12-31", None, "2025-07-01"]),
            "note": ["a,b", None, "Nam Định"],
        },
        index=pd.Index(["x", "y", "z"], name="code"),
    )
    assert render_table(table, "csv").splitlines() == [
        "code,ratio,n,on,subscribers,day,note",
        'x,0.30000000000000004,1,True,5,2024-12-31,"a,b"',
        "y,,2,False,,,",
        "z,inf,3,True,7,2025-07-01,Nam Định",
    ]


def test_tables_per_units_of_a_vintage_carry_it_in_files_only():
    """A unit's key is (vintage, code): new 13669 is not old 13669 (DESIGN.md)."""
    frame = pd.DataFrame(
        {"name": ["Phường Nam Định"], "n": [1]}, index=pd.Index(["13669"], name="code")
    )
    frame.attrs["units_vintage"] = "2025-07-01"
    assert render_table(frame, "csv").splitlines() == [
        "code,vintage,name,n",
        "13669,2025-07-01,Phường Nam Định,1",
    ]
    assert json.loads(render_table(frame, "json")) == [
        {"code": "13669", "vintage": "2025-07-01", "name": "Phường Nam Định", "n": 1}
    ]
    book = openpyxl.load_workbook(io.BytesIO(render_table(frame, "xlsx", lang="en")))
    assert [c.value for c in book.active[1]] == [
        "Code", "Units in force from", "Administrative unit", "n",
    ]  # fmt: skip
    assert "vintage" not in render_table(frame, "md", lang="en")  # people see the heading
    frame.attrs = {}
    assert render_table(frame, "csv").splitlines()[0] == "code,name,n"


def test_csv_of_pandas_own_dtypes_is_written_column_wise_and_exactly():
    frame = pd.DataFrame(
        {
            "name": pd.array(["Xã A", None], dtype="str"),
            "n": pd.array([5, None], dtype="Int64"),
            "x": pd.array([0.1, None], dtype="Float64"),
        },
        index=pd.Index(["1", "2"], name="code"),
    )
    assert render_table(frame, "csv").splitlines() == ["code,name,n,x", "1,Xã A,5,0.1", "2,,,"]
