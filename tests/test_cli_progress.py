import io
import json
import shutil

import geopandas as gpd
import openpyxl
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

import ict_gis.cli.options
from ict_gis.cli.main import cli
from ict_gis.layerset import bundled_path


def run(*args):
    return CliRunner().invoke(cli, ["progress", *args], catch_exceptions=False)


def test_switch_off_table_by_default():
    result = run("switch-off", "--as-of", "2024-12-31")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Tắt sóng 2G (đến ngày 2024-12-31)"
    assert "Số trạm 2G" in lines[2]
    total = lines[-1].split()
    assert total[:4] == ["total", "Tổng", "cộng", "788"]
    assert "161" in total and "96,3%" in total


def test_switch_off_json_by_operator():
    result = run("switch-off", "--as-of", "2024-12-31", "--by", "operator", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {row["operator"]: row for row in json.loads(result.output)}
    assert rows["total"]["stations"] == 788 and rows["total"]["switched_off"] == 161
    assert sum(r["switched_off"] for k, r in rows.items() if k != "total") == 161


def test_5g_markdown_english():
    result = run(
        "5g", "--since", "2024-01-01", "--as-of", "2024-12-31", "--format", "md", "--lang", "en"
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("### 5G sites (from 2024-01-01 to 2024-12-31)")
    assert "| **total** | **Total** | **35** | **35** | **33** | **2** | **100.0%** |" in (
        result.output
    )


def test_bts_csv():
    result = run("bts", "--since", "2024-01-01", "--as-of", "2024-12-31", "--format", "csv")
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.startswith("code,name,approved,")
    total = dict(zip(header.split(","), rows[-1].split(","), strict=True))
    assert (total["code"], total["approved"], total["on_air"]) == ("total", "146", "52")


def test_cables_xlsx_to_file_and_timeline(tmp_path):
    out = tmp_path / "cables.xlsx"
    result = run("cables", "--as-of", "2024-12-31", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Mã", "Đơn vị hành chính", "Loại tuyến cáp", "Kế hoạch"]
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[0] == "total" and last[2] == "Chưa có cáp dưỡng, vòng khuyên"
    assert last[header.index("Đã chỉnh trang (km)")] == pytest.approx(20.8, abs=0.01)
    timeline = run("cables", "--timeline", "--as-of", "2024-12-31", "--format", "json")
    months = json.loads(timeline.output)
    assert months[-1]["month"] == "2024-12"
    assert months[-1]["with_messenger_cumulative_km"] == pytest.approx(91, abs=0.01)


def test_xlsx_is_not_written_to_a_terminal(monkeypatch):
    monkeypatch.setattr(ict_gis.cli.options, "_stdout_is_terminal", lambda: True)
    result = run("bts", "--format", "xlsx")
    assert result.exit_code == 2
    assert "-o FILE.xlsx" in result.output
    piped = run("bts", "--format", "csv")  # text formats are fine
    assert piped.exit_code == 0


def test_xlsx_bytes_to_a_pipe():
    result = run("5g", "--format", "xlsx")
    assert result.exit_code == 0
    book = openpyxl.load_workbook(io.BytesIO(result.stdout_bytes))
    assert [c.value for c in book.active[1]][:2] == ["Mã", "Đơn vị hành chính"]


def test_invalid_layers_are_a_clean_error(tmp_path):
    shutil.copy(bundled_path() / "districts.geojson", tmp_path / "districts.geojson")
    stations = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "site_id": "X1",
                    "operator": "Viettel",
                    "technologies": "2G",
                    "height_m": 30,
                    "status": "flying",
                    "approved_date": "2024-01-01",
                    "on_air_date": "2024-02-01",
                },
                "geometry": {"type": "Point", "coordinates": [106.17, 20.42]},
            }
        ],
    }
    (tmp_path / "bts_stations.geojson").write_text(json.dumps(stations), encoding="utf-8")
    result = run("bts", str(tmp_path))
    assert result.exit_code == 1
    assert "status" in result.output and "flying" in result.output
    assert "ict-gis validate" in result.output
    assert "Traceback" not in result.output


def test_missing_layer_and_bad_options_are_clean_errors(tmp_path):
    shutil.copy(bundled_path() / "districts.geojson", tmp_path / "districts.geojson")
    result = run("5g", str(tmp_path))
    assert result.exit_code == 1
    assert "sites_5g" in result.output and "Traceback" not in result.output
    bad_date = run("switch-off", "--as-of", "31/12/2024")
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    no_plan = run("cables", "--plan", "99/KH-UBND")
    assert no_plan.exit_code == 1 and "49/KH-UBND" in no_plan.output


def test_help_of_every_subcommand():
    for name in ("switch-off", "5g", "bts", "cables"):
        result = run(name, "--help")
        assert result.exit_code == 0
        assert "--as-of" in result.output and "--format" in result.output
    assert "--tech" in run("switch-off", "--help").output


def test_3g_switch_off_from_a_shutdowns_3g_file(tmp_path):
    shutil.copy(bundled_path() / "districts.geojson", tmp_path / "districts.geojson")
    city, vu_ban = Point(106.17, 20.42), Point(106.10, 20.35)  # in 356 and in 359
    gpd.GeoDataFrame(
        {
            "site_id": ["A", "B", "C"],
            "operator": ["Viettel", "VNPT", "Viettel"],
            "technologies": ["3G,4G", "3G", "4G"],
            "height_m": [30.0, 30.0, 30.0],
            "status": ["on_air"] * 3,
            "approved_date": ["2020-01-01"] * 3,
            "on_air_date": ["2021-01-01"] * 3,
        },
        geometry=[city, vu_ban, vu_ban],
        crs="EPSG:4326",
    ).to_file(tmp_path / "bts_stations.geojson")
    gpd.GeoDataFrame(
        {"site_id": ["B"], "operator": ["VNPT"], "switch_off_date": ["2028-03-01"]},
        geometry=[vu_ban],
        crs="EPSG:4326",
    ).to_file(tmp_path / "shutdowns_3g.geojson")
    result = run("switch-off", str(tmp_path), "--tech", "3G", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {row["code"]: row for row in json.loads(result.output)}
    assert (rows["356"]["stations"], rows["356"]["switched_off"]) == (1, 0)
    assert (rows["359"]["stations"], rows["359"]["switched_off"]) == (1, 1)
    assert rows["total"]["switched_off_pct"] == 50.0
    before = run(
        "switch-off", str(tmp_path), "--tech", "3G", "--as-of", "2028-02-29", "--format", "json"
    )
    total = json.loads(before.output)[-1]
    assert (total["code"], total["stations"], total["switched_off"]) == ("total", 2, 0)
    assert total["subscribers"] is None  # the subscriber table holds 2G only
