"""Files that are not layers are named in plain words; ``--kind`` on every command.

A user passes what they were sent: a web page saved instead of the data, an
empty download, a PDF, the published 2025 commune file (rings, not GeoJSON),
the national crosswalk. Each gets one line saying what the file seems to be
and what to do, never GDAL's own message. And every command that reads
LAYERS takes ``--kind`` for a single file not named after its kind, since the
message for such a file says to pass it.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ict_gis.cli.main import cli

BASE = Path(__file__).parent / "data" / "broken" / "base"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "vn2025"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _zip_without_shapefile(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "no layer here")


def _rings_json(path: Path) -> None:
    rings = [[[106.0, 20.0], [106.1, 20.0], [106.1, 20.1], [106.0, 20.0]]]
    ward = {"id": "1", "name": "Xã Một", "polygons": rings}
    path.write_text(json.dumps({"provinceId": "37", "wards": [ward]}), encoding="utf-8")


@pytest.mark.parametrize(
    ("write", "words"),
    [
        (lambda p: p.write_text("<!DOCTYPE html><html><body>404</body></html>"), "web page"),
        (lambda p: p.write_bytes(b""), "the file is empty"),
        (lambda p: p.write_bytes(b"%PDF-1.7\n%binary"), "PDF document"),
        (_zip_without_shapefile, "ZIP archive with no Shapefile"),
        (_rings_json, "lists of rings (the published 2025 commune file)"),
        (lambda p: p.write_text('{"data": [1, 2]}'), "JSON document but not GeoJSON"),
        (lambda p: p.write_text('{"type": "Featu'), "not valid JSON (line 1, column 10"),
        (lambda p: p.write_text('{"type": "FeatureCollection", "features": [{'), "not valid JSON"),
        (lambda p: p.write_text('{"data": [1, 2'), "not valid JSON (line 1, column 15"),
    ],
)
def test_a_file_that_is_not_a_layer_is_named_in_plain_words(tmp_path, write, words):
    path = tmp_path / "districts.geojson"
    write(path)
    before = path.read_bytes()
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert words in result.output
    assert "cannot read it as a layer" in result.output
    assert "<DRIVER>" not in result.output  # GDAL's own advice does not reach the user
    assert path.read_bytes() == before  # never modified


def test_units_option_names_the_file_too(tmp_path):
    path = tmp_path / "units.json"
    _rings_json(path)
    result = run("coverage", "--units", str(path))
    assert result.exit_code == 2
    assert "--units communes-2025" in result.output
    assert "<DRIVER>" not in result.output


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data/vn2025")
@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("ninh_binh_2025_communes.json", "the published 2025 commune file"),
        ("dvhcvn_2025_splits.json", "the national crosswalk of the 2025 reform"),
    ],
)
def test_the_real_2025_files_are_recognised(name, words):
    result = run("coverage", "--kind", "districts", str(SHARED / name))
    assert result.exit_code == 2
    assert words in result.output


@pytest.mark.parametrize("command", ["coverage", "gaps", "map", "report", "info", "validate"])
def test_every_command_reading_layers_takes_kind(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "--kind [districts|" in result.output


def test_kind_reads_a_single_file_in_coverage(tmp_path):
    """A districts file named in Vietnamese: coverage reads it as districts when told."""
    path = tmp_path / "ranh_gioi.geojson"
    shutil.copy(BASE / "districts.geojson", path)
    without = run("coverage", str(path))
    assert without.exit_code == 2
    assert "cannot tell the layer kind" in without.output
    told = run("coverage", "--kind", "districts", str(path))
    # read as districts: what is missing now is the stations, not the kind
    assert "cannot tell the layer kind" not in told.output
    assert "bts_stations" in told.output
    assert told.exit_code == 1


def test_kind_in_export(tmp_path):
    path = tmp_path / "tram.geojson"
    shutil.copy(BASE / "bts_stations.geojson", path)
    out = tmp_path / "copy.gpkg"
    result = run("export", "--kind", "bts_stations", str(path), str(out))
    assert result.exit_code == 0, result.output
    info = run("info", str(out))
    assert "bts_stations" in info.output
