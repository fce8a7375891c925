"""``ict-gis info`` reads every file the tool writes.

Each output is written by its real command (bundled layers) into a temporary
folder; ``info`` must describe it (exit 0) with its layers and their row
counts, which are read here independently with geopandas / openpyxl.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
from click.testing import CliRunner

from ict_gis.cli.main import cli

#: name -> (command writing it, what info says it is).
OUTPUTS = {
    "coverage.gpkg": (
        ["coverage", "--as-of", "2024-12-31", "--format", "gpkg", "-o"],
        "the output of ict-gis coverage",
    ),
    "gaps.gpkg": (["gaps", "--as-of", "2024-12-31", "-o"], "the output of ict-gis gaps"),
    "plan.gpkg": (
        ["plan", "sites", "--budget", "2", "--as-of", "2024-12-31", "-o"],
        "the output of ict-gis plan sites",
    ),
    "sharing.gpkg": (
        ["plan", "sharing", "-o"],  # (with --as-of it crashes: plan.py, reported)
        "the output of ict-gis plan sharing",
    ),
    "coverage.csv": (
        ["coverage", "--as-of", "2024-12-31", "--operator", "any", "--format", "csv", "-o"],
        "a table (CSV)",
    ),
    "switch-off.xlsx": (
        ["progress", "switch-off", "--as-of", "2024-12-31", "--format", "xlsx", "-o"],
        "a workbook (XLSX) with 1 sheet",
    ),
    "report.xlsx": (["report", "--format", "xlsx", "-o"], "a workbook (XLSX) with 6 sheets"),
}


def run(*args: str):
    return CliRunner().invoke(cli, ["-q", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("outputs")
    paths = {}
    for name, (command, _) in OUTPUTS.items():
        path = folder / name
        result = run(*command, str(path))  # (an empty layer among them: no warning)
        assert result.exit_code == 0, (name, result.output)
        assert path.is_file(), name
        paths[name] = path
    return paths


def _layers_and_rows(path: Path) -> dict[str, int]:
    """Layer (or sheet) names and their row counts, read without ict_gis."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return {path.stem: sum(1 for _ in csv.reader(f)) - 1}
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            return {s: book[s].max_row - 1 for s in book.sheetnames}
        finally:
            book.close()
    return {
        str(name): len(gpd.read_file(path, layer=str(name)))
        for name, _ in pyogrio.list_layers(path)
    }


@pytest.mark.parametrize("name", OUTPUTS)
def test_info_describes_each_output(written, name):
    path = written[name]
    expected = _layers_and_rows(path)
    result = run("info", str(path))
    assert result.exit_code == 0, result.output
    first, *lines = result.stdout.splitlines()
    assert first.startswith(f"{path}: not a layer set; {OUTPUTS[name][1]}")
    shown = {}
    for line in lines:
        if line.strip().startswith("columns:"):
            continue
        layer = next(
            n for n in sorted(expected, key=len, reverse=True) if line.startswith(f"  {n}")
        )
        shown[layer] = int(line[len(f"  {layer}") :].split()[0].replace(",", ""))
    assert shown == expected


@pytest.mark.parametrize("name", ["plan.gpkg", "coverage.csv", "report.xlsx"])
def test_info_json_lists_layers_rows_columns_crs_and_bounds(written, name):
    path = written[name]
    expected = _layers_and_rows(path)
    result = run("info", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert {r["layer"]: r["features"] for r in records} == expected
    assert all(r["file"] == str(path) for r in records)
    assert all(r["what"].startswith(OUTPUTS[name][1]) for r in records)
    if name == "plan.gpkg":
        sites = next(r for r in records if r["layer"] == "sites")
        raw = gpd.read_file(path, layer="sites")
        assert sites["geometry"] == "Point" and sites["crs"] == raw.crs.to_string()
        assert [sites[k] for k in ("min_x", "min_y", "max_x", "max_y")] == pytest.approx(
            list(raw.total_bounds)
        )
        assert sites["columns"] == [c for c in raw.columns if c != "geometry"]
    if name == "report.xlsx":  # each sheet's first row is its header
        summary = next(r for r in records if r["layer"] == "Tóm tắt")
        assert summary["columns"] == ["Nội dung"]
    if name == "coverage.csv":
        (table,) = records
        assert table["geometry"] == "table" and table["crs"] == ""
        with path.open(encoding="utf-8-sig", newline="") as f:
            assert table["columns"] == next(csv.reader(f))


def test_a_layer_set_is_still_a_layer_set(written):
    result = run("info")
    assert result.exit_code == 0
    assert result.stdout.startswith("Layers in ")


def test_a_file_that_is_nothing_readable_is_still_a_clean_error(tmp_path):
    path = tmp_path / "notes.gpkg"
    path.write_text("not a GeoPackage", encoding="utf-8")
    result = run("info", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("command", "name", "rows", "what"),
    [
        (["coverage", "--as-of", "2024-12-31", "--operator", "any", "--format", "json"],
         "coverage.json", "list", "a JSON document"),
        (["report", "--format", "json"], "report.json", "object", "a JSON document"),
        (["map", "--format", "html"], "map.html", None, "an HTML page (ict-gis map)"),
    ],
)  # fmt: skip
def test_info_describes_json_outputs_and_maps(tmp_path, command, name, rows, what):
    path = tmp_path / name
    assert run(*command, "-o", str(path)).exit_code == 0
    result = run("info", str(path))
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{path}: not a layer set; {what}")
    if rows is None:
        assert f"{path.stat().st_size:,} bytes" in first
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    (record,) = json.loads(run("info", str(path), "--format", "json").stdout)
    if rows == "list":
        assert record["features"] == len(data) and record["columns"] == list(data[0])
    else:
        assert record["geometry"] == "object" and record["columns"] == list(data)
