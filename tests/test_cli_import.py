"""``ict-gis import opencellid|sheet`` on the hand-made fixtures of tests/data/import."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ict_gis.cli.main import cli
from ict_gis.io import read_layer
from ict_gis.layerset import bundled_path

DATA = Path(__file__).parent / "data" / "import"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_opencellid_writes_sites_that_validate_and_coverage_accept(tmp_path):
    folder = tmp_path / "layers"
    folder.mkdir()
    shutil.copy(bundled_path() / "districts.geojson", folder)
    out = folder / "bts_stations.gpkg"
    result = run("import", "opencellid", DATA / "opencellid_noise.csv", "-o", out)
    assert result.exit_code == 0, result.output
    assert "18 row(s) read; 7 cell(s) of MCC 452 kept in 4 site(s)" in result.stderr
    assert "11 row(s) dropped" in result.stderr and "452-08: 1" in result.stderr
    sites = read_layer(out)
    assert sorted(sites["site_id"]) == [
        "OCID-452-01-2G-20-6001",
        "OCID-452-02-2G-30-8001",
        "OCID-452-02-5G-30-123456789",
        "OCID-452-04-E100",
    ]
    checked = run("validate", folder)
    assert checked.exit_code == 0, checked.output
    covered = run("coverage", folder, "--tech", "4G", "--operator", "any", "--format", "csv")
    assert covered.exit_code == 0, covered.output
    assert covered.output.startswith("code,name,tech,operator")


def test_opencellid_units_and_mnc_options(tmp_path):
    out = tmp_path / "bts.geojson"
    result = run(
        "import", "opencellid", DATA / "opencellid_noheader.csv",
        "--units", bundled_path(), "--mnc", "8=vnpt", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # every kept cell of the fixture lies in Nam Định; MNC 08 is now VNPT's eNB 10
    assert "8 cell(s) of MCC 452 kept in 5 site(s)" in result.stderr
    assert "outside the units" not in result.stderr
    assert "OCID-452-08-E10" in set(read_layer(out)["site_id"])
    bad = run("import", "opencellid", DATA / "opencellid_noheader.csv", "--mnc", "8=Telstra",
              "-o", out)  # fmt: skip
    assert bad.exit_code == 2 and "use one of" in bad.output


def test_opencellid_errors_are_clean(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = run("import", "opencellid", bad, "-o", tmp_path / "x.gpkg")
    assert result.exit_code == 1
    assert "not an OpenCelliD export" in result.output and "Traceback" not in result.output
    wrong = run("import", "opencellid", bad, "-o", tmp_path / "x.csv")
    assert wrong.exit_code == 2 and ".gpkg" in wrong.output


def test_sheet_reports_rows_and_writes_the_rest(tmp_path):
    out = tmp_path / "bts_stations.geojson"
    result = run("import", "sheet", DATA / "tram_cp1258.csv", "-o", out)
    assert result.exit_code == 1  # a row was not imported: said, and the exit status says it
    assert "row 5, column 'Kinh độ': '106,abc' is not a coordinate. Row not imported." in (
        result.stderr
    )
    assert "row 6, column 'Trạng thái'" in result.stderr
    stations = read_layer(out)
    assert list(stations["site_id"]) == ["ND-001", "ND-002", "ND-004"]
    assert list(stations["name"])[0] == "Trạm Giao Thủy"


def test_sheet_clean_list_exits_0_and_validates(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "Mã trạm;Kinh độ;Vĩ độ;Nhà mạng;Công nghệ;Độ cao;Trạng thái;Ngày cấp phép;Ngày phát sóng\n"
        "ND-1;106,17;20,42;Viettel;2G/4G;30;Đang phát sóng;01/02/2020;05/09/2020\n",
        encoding="utf-8-sig",
    )
    out = tmp_path / "bts_stations.gpkg"
    result = run("import", "sheet", path, "-o", out)
    assert result.exit_code == 0, result.output
    checked = run("validate", out)
    assert checked.exit_code == 0, checked.output
    assert read_layer(out).loc[0, "on_air_date"] == "2020-09-05"


def test_sheet_never_writes_over_its_input(tmp_path):
    path = tmp_path / "bts_stations.geojson"
    before = b"{}"
    path.write_bytes(before)
    result = run("import", "sheet", path, "-o", path)
    assert result.exit_code == 1 and "cannot read" in result.output
    csv = tmp_path / "list.csv"
    shutil.copy(DATA / "tram_dms.csv", csv)
    same = run("import", "sheet", csv, "-o", tmp_path / "list.geojson")
    assert same.exit_code == 1  # rows 4 and 5
    raw = csv.read_bytes()
    again = run("import", "sheet", csv, "-o", csv.with_suffix(".csv"))
    assert again.exit_code == 2
    assert csv.read_bytes() == raw


@pytest.mark.parametrize("name", ["opencellid", "sheet"])
def test_subcommands_have_help(name):
    result = run("import", name, "--help")
    assert result.exit_code == 0 and "Examples" in result.output


def test_sheet_from_a_workbook(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Trạm"
    book.active.append(["Mã trạm", "Kinh độ", "Vĩ độ", "Nhà mạng", "Trạng thái"])
    book.active.append(["X1", "106°10'25.3\"", 20.42, "Gmobile", "Đã cấp phép"])
    book.active.append(["X2", 106.2, "abc", "Gmobile", "Đã cấp phép"])
    path = tmp_path / "list.xlsx"
    book.save(path)
    out = tmp_path / "bts.gpkg"
    result = run("import", "sheet", path, "--set", "technologies=2G", "-o", out)
    assert result.exit_code == 1
    assert "Trạm row 3, column 'Vĩ độ': 'abc' is not a coordinate." in result.stderr
    assert list(read_layer(out)["site_id"]) == ["X1"]


def test_sheet_with_vn2000_x_y_and_crs(tmp_path):
    """X/Y in metres of VN-2000 / TM-3 105-30: read with --crs, refused without it."""
    import pyproj

    easting, northing = pyproj.Transformer.from_crs(4326, 9209, always_xy=True).transform(
        106.2, 20.4
    )
    path = tmp_path / "tram.csv"
    path.write_text(
        "Mã trạm;Nhà mạng;Công nghệ;Trạng thái;X;Y\n"
        f"ND-1;Viettel;4G;Đang phát sóng;{northing:.3f};{easting:.3f}\n",
        encoding="utf-8",
    )
    out = tmp_path / "bts_stations.gpkg"
    refused = run("import", "sheet", path, "-o", out)
    assert refused.exit_code == 1 and "give their CRS with --crs" in refused.output
    assert not out.exists()
    result = run("import", "sheet", path, "--crs", "9209", "-o", out)
    assert result.exit_code == 0, result.output
    (point,) = read_layer(out).geometry
    assert (point.x, point.y) == pytest.approx((106.2, 20.4), abs=1e-7)
    assert run("import", "sheet", path, "--crs", "no such crs", "-o", out).exit_code == 2


def test_opencellid_units_may_be_a_bundled_unit_layer(tmp_path):
    """--units communes-2025: the new Ninh Bình holds old Nam Định, so the same sites."""
    source = DATA / "opencellid_noise.csv"
    by_folder, by_name = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    assert (
        run("import", "opencellid", source, "--units", bundled_path(), "-o", by_folder).exit_code
        == 0
    )
    result = run("import", "opencellid", source, "--units", "communes-2025", "-o", by_name)
    assert result.exit_code == 0, result.output
    assert sorted(read_layer(by_name)["site_id"]) == sorted(read_layer(by_folder)["site_id"])
    assert run("import", "opencellid", source, "--units", "nope", "-o", by_name).exit_code == 2


def _official_list(path, header, rows):
    """A workbook as a department receives it: title rows, the list, a total, signatures."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    sheet.append(["CÔNG TY VIỄN THÔNG NAM ĐỊNH"])
    sheet.append(["DANH SÁCH TRẠM BTS NĂM 2024"])
    sheet.append([])
    sheet.append(header)  # row 4
    for row in rows:
        sheet.append(row)
    sheet.append(["Tổng cộng", f"{len(rows)} trạm"])
    sheet.append([])
    sheet.append([None, None, None, None, "Người lập biểu", None, "Giám đốc"])
    sheet.append([None, None, None, None, "Nguyễn Văn An", None, "Trần Thị Bình"])
    book.save(path)


def test_sheet_lacking_a_needed_column_is_refused_and_set_fills_it(tmp_path):
    """An operator's list of its own stations on air: no operator, no status column.

    Rows 5-7 are stations (row 6 with an empty 'Công nghệ' cell and row 7
    with an unreadable one); row 8 is the total, rows 10-11 the signatures.
    """
    path = tmp_path / "tram.xlsx"
    _official_list(
        path,
        ["STT", "Mã trạm", "Kinh độ", "Vĩ độ", "Công nghệ", "Độ cao (m)", "Ngày phát sóng"],
        [
            [1, "ND001", 106.17, 20.42, "2G/4G", 30, "01/03/2020"],
            [2, "ND002", 106.18, 20.43, None, 25, "15/06/2021"],
            [3, "ND003", 106.19, 20.44, "6G", 25, "15/06/2021"],
        ],
    )
    out = tmp_path / "bts_stations.gpkg"
    refused = run("import", "sheet", path, "-o", out)
    assert refused.exit_code == 1 and not out.exists()
    assert "no column 'operator', 'status'" in refused.output
    assert "--set operator=Viettel --set status=on_air" in refused.output
    result = run(
        "import", "sheet", path, "--set", "operator=MBF", "--set", "status=Đang phát sóng",
        "--set", "technologies=4G", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 1  # row 7's '6G' is reported, not replaced by --set
    assert "row 7, column 'Công nghệ': '6G'" in result.stderr
    assert "3 row(s) skipped as titles, totals or signatures" in result.stderr
    assert "Danh sách row(s) 8, 10, 11" in result.stderr
    stations = read_layer(out)
    assert stations["site_id"].tolist() == ["ND001", "ND002", "ND003"]
    assert stations["operator"].tolist() == ["MobiFone"] * 3
    assert stations["status"].tolist() == ["on_air"] * 3
    assert stations["technologies"].tolist()[:2] == ["2G,4G", "4G"]
    assert stations["technologies"].isna().tolist()[2]


def test_set_values_are_read_as_cells_or_refused(tmp_path):
    path = tmp_path / "tram.xlsx"
    _official_list(path, ["Mã trạm", "Kinh độ", "Vĩ độ"], [["ND001", 106.17, 20.42]])
    out = tmp_path / "bts_stations.gpkg"
    bad = run("import", "sheet", path, "--set", "status=maybe", "-o", out)
    assert bad.exit_code == 1 and "--set status: 'maybe' is not a status" in bad.output
    not_settable = run("import", "sheet", path, "--set", "site_id=X", "-o", out)
    assert not_settable.exit_code == 1 and "'site_id' cannot be given for every row" in (
        not_settable.output
    )
    assert not out.exists()
    result = run(
        "import", "sheet", path, "--set", "operator=Viettel", "--set", "technologies=4G",
        "--set", "status=on_air", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert run("validate", out).exit_code == 0


def test_a_workbook_with_a_sheet_per_operator(tmp_path):
    """Sheets 'Viettel' and 'VNPT' without an operator column: the sheet names say it."""
    import openpyxl

    book = openpyxl.Workbook()
    header = ["Mã trạm", "Kinh độ", "Vĩ độ", "Công nghệ", "Trạng thái"]
    for k, name in enumerate(["Viettel", "VNPT-Vinaphone", "Ghi chú"]):
        sheet = book.active if k == 0 else book.create_sheet()
        sheet.title = name
        if name != "Ghi chú":
            sheet.append(header)
            sheet.append([f"{name[:2]}1", 106.17 + k / 100, 20.42, "4G", "Đang phát sóng"])
        else:
            sheet.append(["Số liệu đến 31/12/2024"])
    path = tmp_path / "tong_hop.xlsx"
    book.save(path)
    out = tmp_path / "bts_stations.gpkg"
    result = run("import", "sheet", path, "-o", out)
    assert result.exit_code == 1, result.output  # the notes sheet has no header: said
    assert "Viettel: operator Viettel, from the sheet's name" in result.stderr
    assert "VNPT-Vinaphone: operator VNPT, from the sheet's name" in result.stderr
    stations = read_layer(out)
    assert stations["site_id"].tolist() == ["Vi1", "VN1"]
    assert stations["operator"].tolist() == ["Viettel", "VNPT"]
    # --set wins over the sheets' names
    out = tmp_path / "forced.gpkg"
    forced = run("import", "sheet", path, "--set", "operator=MobiFone", "-o", out)
    assert "from the sheet's name" not in forced.stderr
    assert read_layer(out)["operator"].tolist() == ["MobiFone", "MobiFone"]


def test_a_station_row_without_id_and_coordinates_is_reported_not_skipped(tmp_path):
    """Row 6 has an operator, technologies, a height and a status but no id and no position.

    It is a station with its key values missing, not a title or a signature
    (those have one or two values): it is listed as not imported, exit 1.
    """
    path = tmp_path / "tram.xlsx"
    _official_list(
        path,
        ["Mã trạm", "Kinh độ", "Vĩ độ", "Nhà mạng", "Công nghệ", "Độ cao (m)", "Trạng thái"],
        [
            ["ND001", 106.17, 20.42, "Viettel", "4G", 30, "Đang phát sóng"],
            [None, None, None, "Viettel", "4G", 25, "Đang phát sóng"],
        ],
    )
    result = run("import", "sheet", path, "-o", tmp_path / "bts_stations.gpkg")
    assert result.exit_code == 1
    assert "row 6, column 'Mã trạm': no value. Row not imported." in result.stderr
    assert "Danh sách row(s) 7, 9, 10" in result.stderr  # the total and the signatures
