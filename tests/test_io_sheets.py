"""ict_gis.io.read_sheet on operators' lists (expected values computed by hand).

- ``tram_cp1258.csv``: what Vietnamese Excel writes as CSV: Windows-1258
  (tone marks as combining bytes, e.g. 0xF2 for the dot below), ``;``,
  decimal commas, CRLF, a title line above the header. Row 5 has the
  longitude "106,abc"; row 6 an unknown status and 31/02/2024.
- ``tram_dms.csv``: UTF-8 with BOM, ``,``, headers in capitals without
  diacritics, one header and two values in NFD, coordinates in DMS. Row 4
  has 75 minutes; row 5 has its longitude and latitude swapped (N on the
  longitude).
- a workbook made here with openpyxl: two sheets of stations and one of notes.
"""

import datetime as dt
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ict_gis.errors import ImporterError, LayerReadError
from ict_gis.io import read_sheet
from ict_gis.io.sheets import FIELDS, KIND_FIELDS, coordinate, fold, number, operator, status
from ict_gis.schema import schema_for

DATA = Path(__file__).parent / "data" / "import"

# 106°10'25.3" = 106 + 10/60 + 25.3/3600
DMS_LON = 106 + 10 / 60 + 25.3 / 3600


def test_the_cp1258_semicolon_file_reads_without_options():
    raw = (DATA / "tram_cp1258.csv").read_bytes()
    assert b"\xf2" in raw and b";" in raw  # really the format of the issue
    stations, report = read_sheet(DATA / "tram_cp1258.csv")
    assert list(stations["site_id"]) == ["ND-001", "ND-002", "ND-004"]
    assert list(stations["name"]) == ["Trạm Giao Thủy", "Trạm Hải Hậu", "Trạm Nghĩa Hưng"]
    assert all(unicodedata.is_normalized("NFC", n) for n in stations["name"])
    assert list(stations["operator"]) == ["Viettel", "VNPT", "MobiFone"]
    assert list(stations["technologies"]) == ["2G,4G", "4G", "3G,4G"]
    assert stations["height_m"].iloc[0] == 45.5 and stations["height_m"].iloc[1] == 30.0
    assert np.isnan(stations["height_m"].iloc[2])
    assert list(stations["status"]) == ["on_air", "approved", None]
    assert stations["on_air_date"].iloc[0] == pd.Timestamp("2024-09-05")
    assert stations["on_air_date"].iloc[1:].isna().all()
    assert list(stations["address"]) == ["Xã Giao Thủy", "Thị trấn Yên Định", "Xã Nghĩa Lâm"]
    assert list(stations.geometry.x) == [106.4512, 106.28, 106.18]
    assert list(stations.geometry.y) == [20.2534, 20.15, 20.05]
    assert (report.rows, report.imported, report.dropped) == (4, 3, 1)
    assert report.unused == {"tram_cp1258.csv": ["STT"]}
    found = [(p.row, p.column, p.dropped) for p in report.problems]
    assert found == [(5, "Kinh độ", True), (6, "Trạng thái", False), (6, "Ngày phát sóng", False)]
    assert "'106,abc' is not a coordinate" in str(report.problems[0])


def test_dms_table_with_capital_headers_and_nfd_text():
    stations, report = read_sheet(DATA / "tram_dms.csv")
    assert list(stations["site_id"]) == ["ND-101", "ND-102"]
    assert stations.geometry.x.iloc[0] == pytest.approx(DMS_LON, abs=1e-12)
    assert stations.geometry.y.iloc[0] == pytest.approx(20 + 25 / 60 + 12 / 3600, abs=1e-12)
    assert stations.geometry.x.iloc[1] == pytest.approx(106 + 10 / 60 + 30 / 3600, abs=1e-12)
    assert stations.geometry.y.iloc[1] == pytest.approx(20 + 25 / 60, abs=1e-12)
    assert list(stations["status"]) == ["on_air", "dismantled"]
    assert stations["name"].iloc[0] == unicodedata.normalize("NFC", "Trạm Xuân Trường")
    assert report.sheets["tram_dms.csv"]["name"] == "Tên trạm"  # header given in NFD, out NFC
    rows = sorted({(p.row, p.dropped) for p in report.problems})
    assert rows == [(4, True), (5, True)]
    assert any("60 or more" in p.message for p in report.problems)
    assert any("other axis" in p.message for p in report.problems)


def make_workbook(path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Viettel"
    first.append(["DANH SÁCH TRẠM BTS VIETTEL NAM ĐỊNH"])  # row 1: a title
    first.append([])  # row 2: blank
    first.append(["Mã trạm", "Kinh độ", "Vĩ độ", "Doanh nghiệp", "Công nghệ", "Trạng thái",
                  "Ngày phát sóng", "Độ cao"])  # fmt: skip
    first.append(["VT-1", 106.17, 20.42, "Viettel", "2G, 4G", "Đang phát sóng",
                  dt.datetime(2023, 3, 15), 40])  # fmt: skip
    first.append(["VT-2", "106,2", "20,3", "Viettel", "4G", "Đang xây dựng", "15/03/2023", "36,5"])
    first.append([None] * 8)  # row 6: blank
    first.append(["VT-3", None, 20.3, "Viettel", "4G", "Đang phát sóng", None, None])  # row 7
    second = book.create_sheet("VNPT")
    nfd = unicodedata.normalize("NFD", "MÃ TRẠM")
    second.append([nfd, "KINH ĐỘ", "VĨ ĐỘ", "NHÀ MẠNG", "CÔNG NGHỆ", "TRẠNG THÁI"])
    second.append(["VN-1", "106°10'25.3\"", "20°25'12\"", "VinaPhone", "LTE", "Đã cấp phép"])
    second.append(["VN-2", 106.3, 20.1, "Telstra", "4G", "Đã cấp phép"])  # row 3
    notes = book.create_sheet("Ghi chú")
    notes.append(["Số liệu đến 31/12/2024"])
    book.save(path)


def test_workbook_with_two_sheets_title_rows_and_row_numbers(tmp_path):
    path = tmp_path / "tram.xlsx"
    make_workbook(path)
    stations, report = read_sheet(path)
    assert list(stations["site_id"]) == ["VT-1", "VT-2", "VN-1", "VN-2"]
    assert list(stations.geometry.x.round(9)) == [106.17, 106.2, round(DMS_LON, 9), 106.3]
    assert list(stations["operator"]) == ["Viettel", "Viettel", "VNPT", None]
    assert list(stations["technologies"]) == ["2G,4G", "4G", "4G", "4G"]
    assert list(stations["status"]) == ["on_air", "under_construction", "approved", "approved"]
    assert list(stations["on_air_date"][:2]) == [pd.Timestamp("2023-03-15")] * 2
    assert list(stations["height_m"][:2]) == [40.0, 36.5]
    assert list(report.sheets) == ["Viettel", "VNPT"]
    assert (report.rows, report.imported, report.blank_rows) == (5, 4, 1)  # blank: row 6
    found = [(p.sheet, p.row, p.column, p.dropped) for p in report.problems]
    assert found == [
        ("Viettel", 7, "Kinh độ", True),  # no longitude
        ("VNPT", 3, "NHÀ MẠNG", False),  # Telstra
        ("Ghi chú", None, None, True),  # no header: said, not skipped silently
    ]
    only, _ = read_sheet(path, sheets=["VNPT"])
    assert list(only["site_id"]) == ["VN-1", "VN-2"]
    with pytest.raises(ImporterError, match="no sheet 'Mobi'"):
        read_sheet(path, sheets=["Mobi"])


def test_columns_option_names_other_headers(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Mã CSHT,X,Y,Mạng\nA1,106.1,20.4,Gmobile\n", encoding="utf-8")
    with pytest.raises(ImporterError, match="no sheet has a header"):
        read_sheet(path)
    stations, report = read_sheet(path, columns="site_id=Mã CSHT, lon=X ,lat=Y")
    assert stations[["site_id", "operator"]].to_dict("records") == [
        {"site_id": "A1", "operator": "Gmobile"}
    ]
    with pytest.raises(ImporterError, match="not a column of bts_stations"):
        read_sheet(path, columns="colour=X")
    with pytest.raises(ImporterError, match="not COLUMN=HEADER"):
        read_sheet(path, columns="site_id")


def test_a_comma_file_with_decimal_commas_reports_the_row(tmp_path):
    # the file of the issue: "Expected 7 fields in line 3, saw 8"
    path = tmp_path / "list.csv"
    path.write_text("Mã trạm,Kinh độ,Vĩ độ\nA1,106.1,20.4\nA2,106,2,20.4\n", encoding="utf-8")
    stations, report = read_sheet(path)
    assert list(stations["site_id"]) == ["A1"]
    assert [(p.row, p.dropped) for p in report.problems] == [(3, True)]
    assert "decimal comma" in report.problems[0].message


def test_windows_1258_header_and_utf16(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_text("Mã trạm\tKinh độ\tVĩ độ\nA1\t106,1\t20,4\n", encoding="utf-16")
    stations, _ = read_sheet(path)
    assert (stations.geometry.x[0], stations.geometry.y[0]) == (106.1, 20.4)


@pytest.mark.parametrize(
    ("text", "axis", "expected"),
    [
        ("106°10'25.3\"", "lon", DMS_LON),
        ("106° 10′ 25,3″ E", "lon", DMS_LON),
        ("20 25 12 N", "lat", 20 + 25 / 60 + 12 / 3600),
        ("10°30'S", "lat", -10.5),
        ("106,25", "lon", 106.25),
        (" 20.5 ", "lat", 20.5),
        (106.5, "lon", 106.5),
    ],
)
def test_coordinates(text, axis, expected):
    assert coordinate(text, axis=axis) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "axis"),
    [("200", "lon"), ("95", "lat"), ("106°60'", "lon"), ("abc", "lon"), ("20N", "lon")],
)
def test_bad_coordinates(text, axis):
    with pytest.raises(ValueError):
        coordinate(text, axis=axis)


def test_words():
    assert fold("Ngày  PHÁT sóng (dd/mm/yyyy)") == "ngay phat song"
    assert fold(unicodedata.normalize("NFD", "Độ cao")) == "do cao"
    assert number("1.234,5") == 1234.5 and number("1,234.5") == 1234.5
    assert operator("Viettel Nam Định") == "Viettel"
    with pytest.raises(ValueError, match="several"):
        operator("Viettel và VNPT")
    assert status("ĐANG PHÁT SÓNG") == "on_air"
    with pytest.raises(ValueError):
        status("Tạm dừng")


def test_import_columns_are_schema_columns():
    for kind, names in KIND_FIELDS.items():
        schema = set(schema_for(kind).column_names)
        assert set(names) - schema == {"lon", "lat", "latlon", "x", "y", "name", "address"}, kind
        assert set(names) <= set(FIELDS)


def test_unreadable_files(tmp_path):
    with pytest.raises(LayerReadError, match="no such file"):
        read_sheet(tmp_path / "none.csv")
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImporterError, match="save it as .xlsx"):
        read_sheet(xls)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(LayerReadError, match="cannot read as an Excel workbook"):
        read_sheet(broken)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(LayerReadError, match="cannot decode"):
        read_sheet(binary)
    with pytest.raises(ImporterError, match="cannot import a list as"):
        read_sheet(DATA / "tram_dms.csv", kind="districts")


# --------------------------------------------------------------------------- properties

import os  # noqa: E402
import tempfile  # noqa: E402

# Hypothesis keeps caches in ./.hypothesis unless told otherwise: tests write only to /tmp.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "ict_gis-hypothesis")
)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ict_gis.errors import IctGisError  # noqa: E402

PROPERTY = settings(max_examples=50, deadline=None, database=None)

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn")), max_size=12)
CELL = st.one_of(
    st.none(),
    TEXT,
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-1000, 1000),
    st.sampled_from(["106°10'25\"", "20,5", "Viettel", "2G/4G", "Đang phát sóng", "05/09/2024"]),
)
HEADERS = ["Mã trạm", "Kinh độ", "Vĩ độ", "Nhà mạng", "Công nghệ", "Trạng thái", "Ngày phát sóng"]


def _checked(path, **options):
    try:
        stations, report = read_sheet(path, **options)
    except IctGisError as exc:
        assert str(exc)
        return
    assert report.rows == report.imported + report.dropped
    assert len(stations) == report.imported
    for column in stations.columns:
        if stations[column].dtype == object:
            texts = [v for v in stations[column] if isinstance(v, str)]
            assert all(unicodedata.is_normalized("NFC", v) for v in texts)


@PROPERTY
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_any_bytes_give_a_layer_or_our_error(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("sheet") / f"list{suffix}"
    path.write_bytes(data)
    _checked(path)


@PROPERTY
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=8), max_size=6), sep=st.sampled_from(";,"))
def test_any_small_csv_table_gives_a_layer_or_our_error(tmp_path_factory, rows, sep):
    lines = [sep.join(HEADERS)] + [
        sep.join("" if c is None else str(c).replace(sep, " ") for c in row) for row in rows
    ]
    path = tmp_path_factory.mktemp("sheet") / "list.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    _checked(path)


@PROPERTY
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=8), max_size=6))
def test_any_small_workbook_gives_a_layer_or_our_error(tmp_path_factory, rows):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(row)
    path = tmp_path_factory.mktemp("sheet") / "list.xlsx"
    book.save(path)
    _checked(path)


# --------------------------------------------------------------------------- VN-2000 X/Y


def _vn2000_list(tmp_path, header: str, rows: list[str]) -> Path:
    path = tmp_path / "tram_vn2000.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# Two stations given in WGS 84, projected here to VN-2000 / TM-3 105-30
# (EPSG:9209) by PROJ's forward transformation; the importer must find the
# degrees again by the inverse one.
STATIONS_WGS84 = [(106.2, 20.4), (106.05, 20.15)]


def _projected():
    import pyproj

    forward = pyproj.Transformer.from_crs(4326, 9209, always_xy=True)
    return [forward.transform(lon, lat) for lon, lat in STATIONS_WGS84]


@pytest.mark.parametrize("surveyors_order", [True, False])
def test_vn2000_x_y_in_metres_with_crs(tmp_path, surveyors_order):
    """X is the northing for surveyors, the easting for a GIS: both read the same."""
    rows = []
    for k, (easting, northing) in enumerate(_projected()):
        x, y = (northing, easting) if surveyors_order else (easting, northing)
        rows.append(f"ND-{k};{x:.3f};{y:.3f}".replace(".", ","))  # decimal commas
    path = _vn2000_list(tmp_path, "Mã trạm;Tọa độ X (VN-2000);Tọa độ Y (VN-2000)", rows)
    stations, report = read_sheet(path, crs=9209)
    assert stations.crs == "EPSG:4326"
    got = list(zip(stations.geometry.x, stations.geometry.y, strict=True))
    assert np.allclose(got, STATIONS_WGS84, atol=1e-7)  # 1 mm of rounding: < 1e-7 degrees
    assert report.imported == 2


def test_vn2000_x_y_without_crs_is_a_clear_error(tmp_path):
    path = _vn2000_list(tmp_path, "Mã trạm;X;Y", ["ND-0;2256123,45;586432,10"])
    with pytest.raises(ImporterError, match="X and Y in metres; give their CRS with --crs"):
        read_sheet(path)


def test_degrees_with_a_projected_crs_is_a_clear_error(tmp_path):
    path = _vn2000_list(tmp_path, "Mã trạm;Kinh độ;Vĩ độ", ["ND-0;106,2;20,4"])
    with pytest.raises(ImporterError, match="longitudes and latitudes .* in metres"):
        read_sheet(path, crs=9209)


def test_metres_under_degree_headers_say_what_to_do(tmp_path):
    rows = ["ND-0;586432;2256123", "ND-1;106,2;20,4"]
    path = _vn2000_list(tmp_path, "Mã trạm;Kinh độ;Vĩ độ", rows)
    stations, report = read_sheet(path)
    assert list(stations["site_id"]) == ["ND-1"]
    (row2,) = {p.message for p in report.problems if p.row == 2 and p.column == "Kinh độ"}
    assert "Metres (VN-2000 X/Y)? Head the columns X and Y" in row2


def test_degrees_in_vn2000_are_moved_to_wgs84(tmp_path):
    """Geographic VN-2000 degrees differ from WGS 84 by the EPSG:6960 shift (a few metres)."""
    import pyproj

    to_vn2000 = pyproj.Transformer.from_crs(4326, "EPSG:4756", always_xy=True)
    lon, lat = to_vn2000.transform(*STATIONS_WGS84[0])
    path = _vn2000_list(tmp_path, "Mã trạm;Kinh độ;Vĩ độ", [f"ND-0;{lon:.9f};{lat:.9f}"])
    stations, _ = read_sheet(path, crs="VN-2000")
    assert stations.geometry.x[0] == pytest.approx(STATIONS_WGS84[0][0], abs=1e-8)
    assert stations.geometry.y[0] == pytest.approx(STATIONS_WGS84[0][1], abs=1e-8)
    assert abs(lon - STATIONS_WGS84[0][0]) > 1e-6  # the datums really differ here


def test_a_header_on_two_rows_with_merged_cells(tmp_path):
    """Official lists head coordinates with "Tọa độ" over "Kinh độ" and "Vĩ độ"."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    sheet.append(["DANH SÁCH TRẠM BTS"])
    sheet.append(["STT", "Mã trạm", "Tọa độ", None, "Nhà mạng"])
    sheet.append([None, None, "Kinh độ", "Vĩ độ", None])
    for cells in ("C2:D2", "A2:A3", "B2:B3", "E2:E3"):
        sheet.merge_cells(cells)
    sheet.append([1, "ND001", 106.17, 20.42, "Viettel"])
    sheet.append([2, "ND002", "106,abc", 20.5, "VNPT"])  # Excel row 5
    path = tmp_path / "danh_sach.xlsx"
    book.save(path)
    stations, report = read_sheet(path)
    assert list(stations["site_id"]) == ["ND001"]
    assert (stations.geometry.x[0], stations.geometry.y[0]) == (106.17, 20.42)
    assert report.sheets["Danh sách"]["lon"] == "Kinh độ"
    assert report.sheets["Danh sách"]["site_id"] == "Mã trạm"
    (bad,) = [p for p in report.problems if p.dropped]
    assert (bad.row, bad.column) == (5, "Kinh độ")


@pytest.mark.parametrize(
    "cell",
    [
        "20.42, 106.17",
        "106.17, 20.42",
        "20,42; 106,17",
        "20°25'12\"N 106°10'12\"E",
        "20.42 106.17",
        # spaces inside each coordinate too, as typed by hand
        "20° 25' 12\" N 106° 10' 12\" E",
        "N 20° 25' 12\"  E 106° 10' 12\"",
        "20 25 12 106 10 12",
        "20° 25,2' N 106° 10,2' E",  # 25.2' = 0.42°, 10.2' = 0.17°
    ],
)
def test_both_coordinates_in_one_cell(tmp_path, cell):
    """A "Tọa độ" cell holding "lat, lon" as a web map copies it.

    20°25'12" is 20 + 25/60 + 12/3600 = 20.42; 106°10'12" is 106.17.
    """
    import csv

    path = tmp_path / "tram.csv"
    rows = [
        ["Mã trạm", "Tọa độ", "Nhà mạng"],
        ["ND001", cell, "Viettel"],
        ["ND002", "20.42", "VNPT"],
    ]
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, delimiter=";").writerows(rows)
    stations, report = read_sheet(path)
    assert list(stations["site_id"]) == ["ND001"]
    point = stations.geometry.iloc[0]
    assert (point.x, point.y) == (pytest.approx(106.17), pytest.approx(20.42))
    (bad,) = [p for p in report.problems if p.dropped]
    assert (bad.row, bad.column) == (3, "Tọa độ") and "two coordinates" in bad.message


def test_spaced_coordinates_read_two_ways_are_refused():
    """ "10 20 30 40" is 10; 20°30'40", 10°20'; 30°40' or 10°20'30"; 40: no guess."""
    from ict_gis.io.sheets import lat_lon

    with pytest.raises(ValueError, match="more than one way"):
        lat_lon("10 20 30 40")


def test_excel_date_serials_and_two_digit_years_are_dates():
    """Excel counts days from 1899-12-30: 1 January 2024 is 45292 (Excel's own DATEVALUE)."""
    from ict_gis.io.sheets import to_date

    assert to_date(45292) == pd.Timestamp("2024-01-01")
    assert to_date("45292") == pd.Timestamp("2024-01-01")
    assert to_date(45351.75) == pd.Timestamp("2024-02-29")  # 45292 + 59 days, time dropped
    assert to_date("29/02/24") == pd.Timestamp("2024-02-29")
    for number_not_date in (12, 99_999, "123"):
        with pytest.raises(ValueError):
            to_date(number_not_date)


def test_operator_abbreviations():
    assert operator("MBF") == "MobiFone" and operator("VNMB") == "Vietnamobile"


def test_report_names_each_sheets_headers_not_imported(tmp_path):
    """Two sheets, each with a header the importer does not know ("STT", "Ghi chú"): both said."""
    import openpyxl

    book = openpyxl.Workbook()
    for k, (title, extra) in enumerate([("Viettel", "STT"), ("VNPT", "Ghi chú")]):
        sheet = book.active if k == 0 else book.create_sheet()
        sheet.title = title
        sheet.append([extra, "Mã trạm", "Kinh độ", "Vĩ độ"])
        sheet.append([1, f"{title[:2]}1", 106.17, 20.42])
    path = tmp_path / "tram.xlsx"
    book.save(path)
    _, report = read_sheet(path)
    lines = report.lines()
    assert "  Viettel: not imported: 'STT' (map them with --columns)" in lines
    assert "  VNPT: not imported: 'Ghi chú' (map them with --columns)" in lines
