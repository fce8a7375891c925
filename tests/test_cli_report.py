import io
import json

import openpyxl
from click.testing import CliRunner

import ict_gis.cli.options
from ict_gis.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)


def test_report_in_vietnamese_by_default():
    result = run("--year", "2024")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Kết quả phát triển hạ tầng viễn thông năm 2024")
    assert "tắt sóng 161/788 trạm 2G (chiếm 20%)" in out
    assert "152.954/158.699 thuê bao đạt 96,3%" in out
    assert "35 trạm 5G (trong đó Viettel có 33 trạm, VNPT có 02 trạm)" in out
    assert "chấp thuận 146 vị trí" in out and "phát sóng 52 trạm" in out
    assert "91/146 km, đạt 62%" in out and "20,8/130 km, đạt 16%" in out
    assert "Thành phố Nam Định" in out and "Tổng cộng" in out


def test_report_in_english_markdown():
    result = run("--year", "2024", "--lang", "en", "--format", "md")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Telecom infrastructure in 2024")
    assert "152,954/158,699 (96.3%)" in result.output
    assert "Operators switched off 161/788 2G stations (20%)." in result.output
    assert "| Code | Administrative unit |" in result.output


def test_report_json_keys():
    result = run("--format", "json")  # --year defaults to 2024
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data)[:6] == ["year", "switch_off", "sites_5g", "bts", "cables", "units"]
    assert data["year"] == 2024
    assert set(data["switch_off"]) >= {
        "tech",
        "switched_off",
        "total",
        "pct",
        "subscribers_migrated",
        "subscribers_total",
        "subscribers_pct",
    }
    assert data["switch_off"]["switched_off"] == 161 and data["switch_off"]["total"] == 788
    assert data["sites_5g"] == {
        **data["sites_5g"],
        "total": 35,
        "by_operator": {"Viettel": 33, "VNPT": 2},
    }
    assert data["bts"]["approved"] == 146 and data["bts"]["on_air"] == 52
    assert [c["category"] for c in data["cables"]] == ["with_messenger", "without_messenger"]
    assert len(data["units"]) == 9 and data["units"][0]["code"] == "356"


def test_report_xlsx(tmp_path):
    out = tmp_path / "report.xlsx"
    result = run("--year", "2024", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "Tóm tắt" and "Tắt sóng 2G" in book.sheetnames
    piped = run("--format", "xlsx", "--lang", "en")
    book = openpyxl.load_workbook(io.BytesIO(piped.stdout_bytes))
    assert book.sheetnames[:2] == ["Summary", "2G switch-off"]


def test_xlsx_to_a_terminal_is_refused(monkeypatch):
    monkeypatch.setattr(ict_gis.cli.options, "_stdout_is_terminal", lambda: True)
    result = run("--format", "xlsx")
    assert result.exit_code == 2
    assert "binary" in result.output and "-o FILE.xlsx" in result.output


def test_bad_year_and_unreadable_layers(tmp_path):
    assert run("--year", "24").exit_code == 2
    bad = tmp_path / "bts_stations.geojson"
    bad.write_text("{broken", encoding="utf-8")
    result = run(str(bad))
    assert result.exit_code in (1, 2)  # a click error either way
    assert "cannot read" in result.output and "Traceback" not in result.output
