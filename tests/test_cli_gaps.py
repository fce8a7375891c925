"""``ict-gis gaps``: switch-off gap polygons to a GeoPackage."""

from __future__ import annotations

import math

import geopandas as gpd
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
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def fixture_layers(tmp_path_factory):
    """One unit; a 2G+4G site at the centre, a 2G-only site 5 km east switched off."""
    folder = tmp_path_factory.mktemp("gaps")
    unit = gpd.GeoDataFrame(
        {"code": ["A"], "name": ["Xã A"]},
        geometry=[shapely.box(-10_000, -10_000, 10_000, 10_000)],
        crs=LAEA,
    ).to_crs("EPSG:4326")
    stations = gpd.GeoDataFrame(
        {
            "site_id": ["C", "E"],
            "operator": ["Viettel", "VNPT"],
            "technologies": ["2G,4G", "2G"],
            "height_m": [30.0, 30.0],
            "status": ["on_air", "on_air"],
            "approved_date": ["2019-01-01", "2019-01-01"],
            "on_air_date": ["2020-01-01", "2020-01-01"],
        },
        geometry=[shapely.Point(0, 0), shapely.Point(5000, 0)],
        crs=LAEA,
    ).to_crs("EPSG:4326")
    shutdowns = gpd.GeoDataFrame(
        {"site_id": ["E"], "operator": ["VNPT"], "switch_off_date": ["2024-06-01"]},
        geometry=[shapely.Point(5000, 0)],
        crs=LAEA,
    ).to_crs("EPSG:4326")
    ict_io.write_layer(unit, folder / "districts.geojson")
    ict_io.write_layer(stations, folder / "bts_stations.geojson")
    ict_io.write_layer(shutdowns, folder / "shutdowns_2g.geojson")
    return folder


def test_gaps_gpkg_has_code_area_and_closed_form_areas(fixture_layers, tmp_path):
    out = tmp_path / "gaps.gpkg"
    result = run(
        "gaps", str(fixture_layers), "--switch-off", "2G", "--as-of", "2024-12-31",
        "--radius", "2G=3000", "--radius", "4G=1000", "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.stderr
    assert ict_io.list_layers(out) == ["gaps"]
    gaps = ict_io.read_layer(out, layer="gaps")
    assert {"code", "area_km2", "scenario"} <= set(gaps.columns)
    assert gaps.crs.to_epsg() == 4326
    area = dict(zip(gaps["scenario"], gaps["area_km2"], strict=True))
    r2, r4, d = 3000.0, 1000.0, 5000.0
    lens = 2 * r2 * r2 * math.acos(d / (2 * r2)) - d / 2 * math.sqrt(4 * r2 * r2 - d * d)
    assert area["before"] == pytest.approx(
        (2 * math.pi * r2**2 - lens - math.pi * r4**2) / 1e6, rel=1e-3
    )
    assert area["after"] == pytest.approx(math.pi * (r2**2 - r4**2) / 1e6, rel=1e-3)
    assert area["lost"] == pytest.approx((math.pi * r2**2 - lens) / 1e6, rel=1e-3)
    # The per-unit summary the help promises: one line for unit A, its three areas (to 0.01 km²).
    line = next(x for x in result.stderr.splitlines() if x.startswith("A "))
    assert line.split()[1:3] == ["Xã", "A"]
    shown = [float(v.replace(",", "")) for v in line.split()[3:]]
    expected = [area["before"], area["after"], area["lost"]]
    assert shown == pytest.approx([round(v, 2) for v in expected], abs=1e-9)
    # The polygons' own area (in an equal-area CRS) is the area_km2 written beside them.
    measured = gaps.to_crs(LAEA).area / 1e6
    assert measured.tolist() == pytest.approx(gaps["area_km2"].tolist(), rel=1e-6)


def test_before_the_switch_off_nothing_is_lost(fixture_layers, tmp_path):
    out = tmp_path / "early.gpkg"
    result = run("gaps", str(fixture_layers), "--as-of", "2024-05-31", "--radius", "2G=3000",
                 "--radius", "4G=1000", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0
    gaps = ict_io.read_layer(out, layer="gaps")
    assert sorted(gaps["scenario"]) == ["after", "before"]


def test_bundled_layers_default_output_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("-q", "gaps", "--as-of", "2024-12-31")
    assert result.exit_code == 0
    assert result.stderr == ""
    gaps = ict_io.read_layer(tmp_path / "gaps.gpkg", layer="gaps")
    assert len(gaps) > 0
    assert gaps["code"].isin(["356", "359", "360", "361", "362", "363", "364", "365", "366"]).all()
    assert (gaps["area_km2"] > 0).all()


def test_refuses_to_overwrite_an_input(fixture_layers):
    result = CliRunner().invoke(
        cli, ["gaps", str(fixture_layers), "-o", str(fixture_layers / "districts.geojson")]
    )
    assert result.exit_code != 0
    assert "input" in result.output


def test_bad_radius_is_a_usage_error():
    result = run("gaps", "--radius", "2G=zero")
    assert result.exit_code == 2
    assert "--radius" in result.output
