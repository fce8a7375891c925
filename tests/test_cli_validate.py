"""Tests of ``ict-gis validate`` through the top-level group."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ict_gis.cli.main import cli

DATA = Path(__file__).parent / "data" / "broken"
BASE = DATA / "base"
MANY = DATA / "many"


def run(*args: str):
    return CliRunner().invoke(cli, ["validate", *args], catch_exceptions=False)


def test_clean_set_exits_0():
    result = run(str(BASE))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "0 errors, 0 warnings in 7 layers"


def test_bundled_set_has_no_errors():
    result = run()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("0 errors, ")


def test_broken_set_lists_every_problem_and_exits_1():
    result = run(str(MANY))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == "7 errors, 3 warnings in 7 layers"
    problem_lines = [line for line in lines if line.startswith(("  ERROR", "  WARNING"))]
    assert len(problem_lines) == 10
    for fid in ("NĐ-001", "NĐ-002", "NĐ-003", "NĐ-004", "NĐ-005", "NĐ-009", "R-01", "R-02"):
        assert f"[{fid}]" in result.stdout
    assert "[999/2024-12] code:" in result.stdout


def test_json_output():
    result = run(str(MANY), "--format", "json")
    assert result.exit_code == 1
    assert "NĐ-001" in result.stdout  # ensure_ascii=False
    problems = json.loads(result.stdout)
    assert len(problems) == 10
    for problem in problems:
        assert set(problem) == {"layer", "feature_id", "column", "severity", "message", "fix"}
    assert problems[0] == {
        "layer": "bts_stations",
        "feature_id": "NĐ-001",
        "column": "operator",
        "severity": "error",
        "message": "value 'Viettle' is not an allowed value.",
        "fix": "use one of: Viettel, VNPT, MobiFone, Vietnamobile, Gmobile.",
    }
    assert json.loads(run(str(BASE), "--format", "json").stdout) == []


def test_warnings_exit_0_unless_strict(tmp_path):
    folder = tmp_path / "set"
    shutil.copytree(BASE, folder)
    shutil.copy(DATA / "cable_routes-tidied_without_date.geojson", folder / "cable_routes.geojson")
    result = run(str(folder))
    assert result.exit_code == 0
    assert "  WARNING [R-01] done_date:" in result.stdout
    assert result.stdout.splitlines()[-1] == "0 errors, 1 warning in 7 layers"
    strict = run(str(folder), "--strict")
    assert strict.exit_code == 1
    assert "  ERROR [R-01] done_date:" in strict.stdout
    assert strict.stdout.splitlines()[-1] == "1 error, 0 warnings in 7 layers"


def test_single_file_kind_from_name():
    result = run(str(DATA / "bts_stations-duplicate_id.geojson"))
    assert result.exit_code == 1
    assert result.stdout.count("ERROR [NĐ-002] site_id:") == 2
    assert result.stdout.splitlines()[-1] == "2 errors, 0 warnings in 1 layer"


def test_single_file_with_kind_option(tmp_path):
    path = tmp_path / "tram.geojson"
    shutil.copy(BASE / "bts_stations.geojson", path)
    assert run(str(path)).exit_code == 2  # the name does not tell the kind
    result = run(str(path), "--kind", "bts_stations")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "0 errors, 0 warnings in 1 layer"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bts_stations.geojson", b"this is not GeoJSON"),
        # Windows-1258 text is now decoded (issue 12 item 5); NUL bytes are not text
        ("subscribers.csv", b"code,period\n356,\x00\x00\xff\n"),
        ("empty_folder", None),
    ],
)
def test_unreadable_layers_are_usage_errors(tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    result = run(str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "Invalid value for '[LAYERS]'" in result.output
    assert str(path) in result.output


def test_usage_errors_exit_2(tmp_path):
    assert run(str(tmp_path / "missing")).exit_code == 2
    assert run(str(BASE), "--format", "xml").exit_code == 2
    assert run(str(BASE), "--kind", "antennas").exit_code == 2


def test_inputs_are_not_modified():
    def digest(folder):
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}

    before = digest(MANY)
    run(str(MANY))
    run(str(MANY), "--format", "json", "--strict")
    assert digest(MANY) == before


def test_help_mentions_exit_status():
    result = CliRunner().invoke(cli, ["validate", "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Exit status" in result.output
    assert "--strict" in result.output
