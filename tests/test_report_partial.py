"""``ict-gis report`` on a partial layer set: the parts its layers allow, the others named."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from ict_gis.cli.main import cli
from ict_gis.layerset import bundled_layers, bundled_path
from ict_gis.metrics.progress import ProgressError
from ict_gis.report import annual


@pytest.fixture
def partial(tmp_path):
    folder = tmp_path / "no_switch_off"
    folder.mkdir()
    for name in ("districts.geojson", "bts_stations.geojson", "sites_5g.geojson"):
        shutil.copy(bundled_path() / name, folder / name)
    return folder


def test_report_without_shutdowns_reports_the_rest_and_names_what_is_missing(partial):
    result = CliRunner().invoke(cli, ["report", str(partial), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "switch_off" not in data and "cables" not in data
    # 35 new 5G sites in 2024 in the bundled layers (the provincial report's figure).
    assert data["sites_5g"]["total"] == 35
    missing = {p["layer"] for p in data["problems"] if p["message"].startswith("Not reported")}
    assert missing == {"shutdowns_2g", "cable_routes"}
    assert "Not reported" in result.stderr


def test_annual_still_raises_unless_partial():
    layers = bundled_layers()
    few = {k: layers[k] for k in ("districts", "bts_stations")}
    with pytest.raises(ProgressError):
        annual(few, year=2024)
    report = annual(few, year=2024, partial=True)
    assert set(report.tables) == {"bts"}
