"""``ict-gis map``: writes one offline HTML file and says how big it is."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from ict_gis.cli.main import cli

DATA_RE = re.compile(r'<script type="application/json" id="[^"]+">(.*?)</script>', re.S)


def payload(html: str) -> dict:
    return json.loads(DATA_RE.search(html).group(1))


def test_map_writes_one_file_and_prints_its_size(tmp_path):
    out = tmp_path / "nam_dinh_map.html"
    result = CliRunner().invoke(cli, ["map", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    size = out.stat().st_size
    assert f"({size:,} bytes)" in result.output
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html)
    data = payload(html)
    assert data["lang"] == "vi" and data["tiles"] is None
    assert data["choropleth"]["title"] == "Tỷ lệ trạm 2G đã tắt sóng"
    assert not list(tmp_path.glob("*.tmp*")), "temporary file left behind"


def test_map_options(tmp_path):
    out = tmp_path / "map.html"
    args = ["map", "-o", str(out), "--metric", "cables", "--lang", "en", "--as-of", "2024-06-30"]
    result = CliRunner().invoke(cli, [*args, "--online-tiles"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = payload(out.read_text(encoding="utf-8"))
    assert data["lang"] == "en"
    assert data["choropleth"]["title"] == "Share of planned cable routes tidied"
    assert "tile.openstreetmap.org" in data["tiles"]["url"]
    assert data["slider"]["last"] == 12 * 2024 + 5
    assert "Figures as of 2024-06-30" in data["choropleth"]["legend"]


def test_map_to_stdout_and_bad_options(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["map", "-o", "-", "--metric", "sites_5g"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.startswith("<!DOCTYPE html>")
    bad = runner.invoke(cli, ["map", "--metric", "nope"], catch_exceptions=False)
    assert bad.exit_code == 2 and "nope" in bad.output
    date = runner.invoke(cli, ["map", "--as-of", "31/12/2024"], catch_exceptions=False)
    assert date.exit_code == 2 and "YYYY-MM-DD" in date.output


def test_map_of_layers_without_units_is_a_clean_error(tmp_path):
    only = tmp_path / "bts_stations.geojson"
    only.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"site_id":"A","operator":"Viettel","technologies":"2G","height_m":30,'
        '"status":"on_air","approved_date":null,"on_air_date":null},'
        '"geometry":{"type":"Point","coordinates":[106.1,20.4]}}]}',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["map", str(only), "-o", str(tmp_path / "m.html")], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "districts" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "m.html").exists()


def test_map_footprint_options_reach_the_coverage_figures(tmp_path):
    out = tmp_path / "map.html"
    args = ["map", "-o", str(out), "--metric", "coverage_4g", "--radius", "4G=1"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    units = payload(out.read_text(encoding="utf-8"))["units"]["features"]
    # 4G circles of 1 m cover nothing measurable: every unit 0 %, lowest class.
    assert {f["properties"]["value"] for f in units} == {"0%"}
    assert {f["properties"]["c"] for f in units} == {0}
    bad = CliRunner().invoke(cli, ["map", "--radius", "4G"], catch_exceptions=False)
    assert bad.exit_code == 2 and "TECH=METRES" in bad.output


def test_map_of_districts_and_stations_only_defaults_to_a_metric_it_can_draw(tmp_path):
    import shutil

    from ict_gis.layerset import bundled_path

    folder = tmp_path / "two_layers"
    folder.mkdir()
    for kind in ("districts", "bts_stations"):
        shutil.copy(bundled_path() / f"{kind}.geojson", folder / f"{kind}.geojson")
    out = tmp_path / "map.html"
    result = CliRunner().invoke(cli, ["map", str(folder), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = payload(out.read_text(encoding="utf-8"))
    assert data["choropleth"]["title"] == "Tỷ lệ vị trí BTS được chấp thuận đã phát sóng"
    # A metric whose layer is missing is an error that lists the metrics these layers allow.
    args = ["map", str(folder), "-o", str(out), "--metric", "switch_off_2g"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert "shutdowns_2g" in result.output
    assert "allow: bts, coverage_2g" in result.output


def test_map_classes_and_title(tmp_path):
    out = tmp_path / "map.html"
    args = ["map", "-o", str(out), "--metric", "bts", "--classes", "equal-interval:3"]
    result = CliRunner().invoke(cli, [*args, "--title", "Trạm BTS <2024>"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = payload(out.read_text(encoding="utf-8"))
    assert len(data["choropleth"]["classes"]) == 3
    assert data["heading"]["title"] == "Trạm BTS <2024>"  # plain text, written with textContent
    bad = CliRunner().invoke(cli, [*args, "--classes", "nine"])
    assert bad.exit_code == 1 and "Unknown classes 'nine'" in bad.output
