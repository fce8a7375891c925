"""``ict-gis coverage`` on the bundled layers and on a hand-made layer set."""

from __future__ import annotations

import io
import json
import math

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
from click.testing import CliRunner

from ict_gis import io as ict_io
from ict_gis.cli.main import cli

LAEA = pyproj.CRS.from_proj4(
    "+proj=laea +lat_0=20.00 +lon_0=106.00 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs +type=crs"
)


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def fixture_layers(tmp_path_factory):
    """A 20 km square unit and two stations, in EPSG:4326 (drawn in LAEA metres)."""
    folder = tmp_path_factory.mktemp("layers")
    unit = gpd.GeoDataFrame(
        {"code": ["A"], "name": ["Xã A"], "level": ["commune"], "population": [10_000]},
        geometry=[shapely.box(-10_000, -10_000, 10_000, 10_000)],
        crs=LAEA,
    ).to_crs("EPSG:4326")
    stations = gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S2"],
            "operator": ["Viettel", "VNPT"],
            "technologies": ["2G,4G", "4G"],
            "height_m": [30.0, 30.0],
            "status": ["on_air", "on_air"],
            "approved_date": ["2019-01-01", "2019-01-01"],
            "on_air_date": ["2020-01-01", "2020-01-01"],
        },
        geometry=[shapely.Point(-1250, 0), shapely.Point(1250, 0)],
        crs=LAEA,
    ).to_crs("EPSG:4326")
    ict_io.write_layer(unit, folder / "districts.geojson")
    ict_io.write_layer(stations, folder / "bts_stations.geojson")
    return folder


def lens_area(r: float, d: float) -> float:
    return 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)


def test_json_rows_have_the_documented_keys_and_closed_form_areas(fixture_layers):
    result = run(
        "coverage", str(fixture_layers), "--tech", "4G", "--radius", "4G=2000",
        "--as-of", "2024-12-31", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    keys = {"code", "name", "tech", "operator", "area_km2", "covered_km2", "covered_pct"}
    assert all(
        keys | {"population", "population_covered", "population_pct"} == set(r) for r in rows
    )
    by_op = {r["operator"]: r for r in rows if r["code"] == "A"}
    assert set(by_op) == {"any", "all", "Viettel", "VNPT"}
    disk = math.pi * 4.0
    lens = lens_area(2000, 2500) / 1e6
    assert by_op["Viettel"]["covered_km2"] == pytest.approx(disk, rel=1e-3)
    assert by_op["all"]["covered_km2"] == pytest.approx(lens, rel=1e-3)
    assert by_op["any"]["covered_km2"] == pytest.approx(2 * disk - lens, rel=1e-3)
    assert by_op["any"]["area_km2"] == pytest.approx(400.0, rel=1e-6)
    assert by_op["any"]["population_pct"] == pytest.approx(by_op["any"]["covered_pct"])
    assert [r["code"] for r in rows].count("total") == 4


def test_operator_any_and_fast_mode(fixture_layers):
    exact = run(
        "coverage", str(fixture_layers), "--tech", "4G", "--operator", "any",
        "--radius", "4G=2000", "--format", "csv",
    )  # fmt: skip
    fast = run(
        "coverage", str(fixture_layers), "--tech", "4G", "--operator", "any",
        "--radius", "4G=2000", "--mode", "fast", "--format", "csv",
    )  # fmt: skip
    a = pd.read_csv(io.StringIO(exact.stdout), dtype={"code": str})
    b = pd.read_csv(io.StringIO(fast.stdout), dtype={"code": str})
    assert set(a["operator"]) == {"any"}
    assert len(a) == 2  # unit A and the total
    assert b["covered_km2"].tolist() == pytest.approx(a["covered_km2"].tolist(), rel=5e-3)


@pytest.mark.parametrize("engine", ["polygons", "arcs", "scanlines"])
def test_every_engine_gives_the_closed_form_areas(fixture_layers, engine):
    if engine != "polygons":
        pytest.importorskip("numba")
    result = run(
        "coverage", str(fixture_layers), "--tech", "4G", "--operator", "any,all,Viettel",
        "--radius", "4G=2000", "--engine", engine, "--format", "csv",
    )  # fmt: skip
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"code": str}).set_index("operator")
    disk, lens = math.pi * 4.0, lens_area(2000.0, 2500.0) / 1e6
    rel = 5e-3 if engine == "scanlines" else 1e-3
    # "any" and "all" across both operators, although only Viettel is listed.
    assert table.loc["any"].iloc[0]["covered_km2"] == pytest.approx(2 * disk - lens, rel=rel)
    assert table.loc["all"].iloc[0]["covered_km2"] == pytest.approx(lens, rel=rel)
    assert table.loc["Viettel"].iloc[0]["covered_km2"] == pytest.approx(disk, rel=rel)


def test_a_missing_extra_names_the_pip_extra(fixture_layers, monkeypatch):
    from ict_gis.engines import arcs

    monkeypatch.setattr(arcs, "numba_installed", lambda: False)
    result = run("coverage", str(fixture_layers), "--engine", "arcs")
    assert result.exit_code == 2
    assert "pip install 'ict_gis[fast]'" in result.output


def test_radius_and_config_change_the_result(fixture_layers, tmp_path):
    small = run("coverage", str(fixture_layers), "--tech", "2G", "--operator", "any",
                "--radius", "2G=1000", "--format", "json")  # fmt: skip
    config = tmp_path / "footprints.toml"
    config.write_text('[radii]\n"2G" = 3000\n', encoding="utf-8")
    big = run("coverage", str(fixture_layers), "--tech", "2G", "--operator", "any",
              "--config", str(config), "--format", "json")  # fmt: skip
    # --radius wins over the configuration file.
    both = run("coverage", str(fixture_layers), "--tech", "2G", "--operator", "any",
               "--config", str(config), "--radius", "2G=1000", "--format", "json")  # fmt: skip
    covered = [json.loads(r.stdout)[0]["covered_km2"] for r in (small, big, both)]
    assert covered[0] == pytest.approx(math.pi * 1.0, rel=1e-3)
    assert covered[1] == pytest.approx(math.pi * 9.0, rel=1e-3)
    assert covered[2] == pytest.approx(covered[0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--radius", "4G"], "TECH=METRES"),
        (["--radius", "4G=far"], "not a number"),
        (["--radius", "7G=100"], "unknown technology"),
        (["--radius", "4G=-3"], "positive"),
        (["--tech", "4G,6G"], "use technologies"),
        (["--operator", "Telco"], "unknown operator"),
        (["--model", "hexagon"], "hexagon"),
        (["--format", "gpkg"], "-o FILE.gpkg"),
        (["--engine", "gpu"], "Unknown coverage engine 'gpu'"),
    ],
)
def test_bad_options_are_usage_errors(args, message):
    result = run("coverage", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_bad_config_file_is_a_usage_error(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[radii\n", encoding="utf-8")
    result = run("coverage", "--config", str(config))
    assert result.exit_code == 2
    assert "not valid TOML" in result.output


def test_bundled_layers_table_md_and_xlsx(tmp_path):
    result = run("coverage", "--tech", "4G", "--operator", "any", "--as-of", "2024-12-31",
                 "--format", "md", "--lang", "en")  # fmt: skip
    assert result.exit_code == 0
    assert "| Code | Administrative unit | Technology | Operator |" in result.stdout
    assert "Thành phố Nam Định" in result.stdout
    # Mỹ Lộc (358) was merged into Nam Định city on 2024-09-01.
    assert "| 358 |" not in result.stdout
    out = tmp_path / "coverage.xlsx"
    result = run("coverage", "--tech", "2G,4G", "--as-of", "2024-12-31", "--format", "xlsx",
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == 0
    sheet = pd.read_excel(out, header=None)
    assert len(sheet) > 9 * 2


def test_gpkg_output_for_qgis(tmp_path):
    out = tmp_path / "coverage.gpkg"
    result = run("coverage", "--tech", "4G", "--as-of", "2024-12-31", "--format", "gpkg",
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert set(ict_io.list_layers(out)) >= {"coverage", "footprints"}
    layer = ict_io.read_layer(out, layer="coverage")
    assert {"code", "tech", "operator", "covered_pct"} <= set(layer.columns)
    assert layer.geometry.notna().all()
    assert "total" not in set(layer["code"])


def test_quiet_run_prints_only_data():
    result = CliRunner().invoke(
        cli,
        ["-q", "coverage", "--tech", "5G", "--operator", "any", "--format", "csv"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.startswith("code,name,tech,operator,")


def test_help_mentions_every_option():
    result = run("coverage", "--help")
    for option in ("--tech", "--operator", "--model", "--radius", "--config", "--mode",
                   "--engine", "--as-of", "--format", "--output"):  # fmt: skip
        assert option in result.output
