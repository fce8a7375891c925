"""``ict-gis progress count``: points of a point file per unit, read in batches."""

import json

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point, box

from ict_gis import io as ict_io
from ict_gis.cli.main import cli


@pytest.fixture
def layers_and_points(tmp_path):
    """Two 0.1° squares A and B; 7 points: 4 in A, 2 in B, 1 far outside (hand-placed)."""
    folder = tmp_path / "layers"
    folder.mkdir()
    units = gpd.GeoDataFrame(
        {"code": ["A", "B"], "name": ["Xã Ân", "Xã Bình"], "level": ["commune", "commune"]},
        geometry=[box(106.0, 20.0, 106.1, 20.1), box(106.1, 20.0, 106.2, 20.1)],
        crs=4326,
    )
    ict_io.write_layer(units, folder / "districts.geojson")
    lonlat = [
        (106.01, 20.05),  # A
        (106.05, 20.05),  # A
        (106.09, 20.02),  # A
        (106.03, 20.08),  # A
        (106.15, 20.05),  # B
        (106.19, 20.09),  # B
        (110.0, 10.0),  # outside every unit
    ]
    points = gpd.GeoDataFrame(
        {"operator": ["Viettel"] * 7}, geometry=[Point(xy) for xy in lonlat], crs=4326
    )
    path = tmp_path / "cells.gpkg"
    points.to_file(path, layer="cells")
    return folder, path


def run(*args):
    return CliRunner().invoke(cli, ["-q", "progress", "count", *args], catch_exceptions=False)


@pytest.mark.parametrize("batch", ["3", "100000"])
def test_counts_per_unit_with_an_outside_row_and_the_total(layers_and_points, batch):
    folder, path = layers_and_points
    result = run(str(path), str(folder), "--batch-rows", batch, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in json.loads(result.output)}
    assert {c: r["points"] for c, r in rows.items()} == {
        "A": 4,
        "B": 2,
        "outside": 1,
        "total": 7,
    }
    assert rows["A"]["name"] == "Xã Ân"
    assert list(rows) == ["A", "B", "outside", "total"]


def test_csv_to_a_file_and_no_outside_row_when_every_point_is_inside(tmp_path, layers_and_points):
    folder, path = layers_and_points
    inside = gpd.read_file(path).iloc[:6]
    inside_path = tmp_path / "inside.geojson"
    inside.to_file(inside_path)
    out = tmp_path / "counts.csv"
    result = run(
        str(inside_path), str(folder), "--batch-rows", "4", "--format", "csv", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[-1] == "points"
    assert [line.split(",")[0] for line in lines[1:]] == ["A", "B", "total"]
    assert [line.split(",")[-1] for line in lines[1:]] == ["4", "2", "6"]


def test_a_missing_points_file_is_a_clear_error(layers_and_points, tmp_path):
    folder, _ = layers_and_points
    result = CliRunner().invoke(
        cli, ["progress", "count", str(tmp_path / "nope.gpkg"), str(folder)]
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "nope.gpkg" in result.output


def test_by_a_column_gives_a_column_per_value(tmp_path, layers_and_points):
    """Operators of the 7 points: A Viettel x2, VNPT, none; B VNPT x2; outside Viettel."""
    folder, path = layers_and_points
    cells = gpd.read_file(path)
    cells["operator"] = ["Viettel", "VNPT", "Viettel", None, "VNPT", "VNPT", "Viettel"]
    by_path = tmp_path / "by.gpkg"
    cells.to_file(by_path, layer="cells")
    result = run(str(by_path), str(folder), "--by", "operator", "--batch-rows", "3")
    assert result.exit_code == 0, result.output
    rows = {
        r["code"]: r
        for r in json.loads(
            run(str(by_path), str(folder), "--by", "operator", "--format", "json").output
        )
    }
    assert {c: (r["VNPT"], r["Viettel"], r["no_value"], r["points"]) for c, r in rows.items()} == {
        "A": (1, 2, 1, 4),
        "B": (2, 0, 0, 2),
        "outside": (0, 1, 0, 1),
        "total": (3, 3, 1, 7),
    }
    english = run(str(by_path), str(folder), "--by", "operator", "--lang", "en")
    assert "(no value)" in english.output and "Viettel" in english.output
    missing = CliRunner().invoke(
        cli, ["progress", "count", str(by_path), str(folder), "--by", "radio"]
    )
    assert missing.exit_code == 1 and "no column 'radio' to count by" in missing.output


@pytest.mark.parametrize("gzipped", [False, True])
def test_an_opencellid_csv_is_counted_as_it_comes(tmp_path, layers_and_points, gzipped):
    """OpenCelliD's columns (lon, lat: WGS 84), plain or gzipped: A 2 LTE, B 1 GSM, 1 out."""
    import gzip

    folder, _ = layers_and_points
    text = (
        "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,"
        "averageSignal\n"
        "LTE,452,4,1,1,0,106.01,20.05,1000,5,1,1500000000,1600000000,0\n"
        "LTE,452,4,1,2,0,106.05,20.05,1000,5,1,1500000000,1600000000,0\n"
        "GSM,452,1,1,3,0,106.15,20.05,1000,5,1,1500000000,1600000000,0\n"
        "GSM,452,1,1,4,0,110.0,10.0,1000,5,1,1500000000,1600000000,0\n"
    )
    path = tmp_path / ("452.csv.gz" if gzipped else "452.csv")
    path.write_bytes(gzip.compress(text.encode()) if gzipped else text.encode())
    result = run(str(path), str(folder), "--by", "radio", "--batch-rows", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["code"]: (r["GSM"], r["LTE"], r["points"]) for r in json.loads(result.output)}
    assert rows == {"A": (0, 2, 2), "B": (1, 0, 1), "outside": (1, 0, 1), "total": (2, 2, 4)}


def test_a_csv_without_coordinates_is_a_clear_error(tmp_path, layers_and_points):
    folder, _ = layers_and_points
    path = tmp_path / "cells.csv"
    path.write_text("cell,radio\n1,LTE\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["progress", "count", str(path), str(folder)])
    assert result.exit_code == 1
    assert "no longitude and latitude columns" in result.output and "cell, radio" in result.output


def test_counts_in_the_2025_communes_say_their_vintage(tmp_path, layers_and_points):
    """Units of a vintage (the bundled 2025 communes): CSV rows keyed by (code, vintage)."""
    folder, path = layers_and_points
    out = tmp_path / "counts.csv"
    result = run(
        str(path), str(folder), "--units", "communes-2025", "--format", "csv", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    header, *rows = [line.split(",") for line in out.read_text(encoding="utf-8").splitlines()]
    assert header[:3] == ["code", "vintage", "name"]
    assert {row[1] for row in rows} == {"2025-07-01"}
    assert rows[-1][0] == "total" and rows[-1][-1] == "7"
