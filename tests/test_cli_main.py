"""The command group: version, help of every command, README coverage."""

import json
import re
from pathlib import Path

from click.testing import CliRunner

from ict_gis import __version__
from ict_gis.cli.main import COMMANDS, cli

README = Path(__file__).resolve().parents[1] / "README.md"


def test_version():
    result = CliRunner().invoke(cli, ["--version"], catch_exceptions=False)
    assert result.exit_code == 0
    assert __version__ in result.output


def test_every_command_exists_has_help_and_is_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    runner = CliRunner()
    listed = runner.invoke(cli, ["--help"], catch_exceptions=False).output
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s+\S", listed, re.M), f"{name} missing from --help"
        result = runner.invoke(cli, [name, "--help"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert len(result.output.splitlines()) > 3
        assert "\\b" not in result.output, f"{name}: a literal \\b in the help text"
        assert f"ict-gis {name}" in readme, f"README does not show `ict-gis {name}`"


def test_info_on_bundled_layers():
    result = CliRunner().invoke(cli, ["info", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    rows = {row["layer"]: row for row in json.loads(result.output)}
    assert rows["districts"]["features"] == 10
    assert rows["districts"]["geometry"] == "MultiPolygon"
    assert rows["districts"]["crs"] == "EPSG:4326"
    assert 105.9 < rows["districts"]["min_x"] < rows["districts"]["max_x"] < 106.7


def test_info_text_and_unknown_path(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["info"], catch_exceptions=False)
    assert result.exit_code == 0 and "districts" in result.output
    missing = runner.invoke(cli, ["info", str(tmp_path / "nope")], catch_exceptions=False)
    assert missing.exit_code == 2
    assert "does not exist" in missing.output


def test_unreadable_layer_is_a_clean_error(tmp_path):
    bad = tmp_path / "bts_stations.geojson"
    bad.write_text("{broken", encoding="utf-8")
    result = CliRunner().invoke(cli, ["info", str(bad)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "cannot read" in result.output
    assert "Traceback" not in result.output


def test_quiet_writes_nothing_to_stderr(tmp_path):
    runner = CliRunner()
    out = tmp_path / "report.md"
    loud = runner.invoke(cli, ["report", "--format", "md", "-o", str(out)], catch_exceptions=False)
    assert loud.exit_code == 0 and "Wrote" in loud.stderr
    out.unlink()
    quiet = runner.invoke(
        cli, ["-q", "report", "--format", "md", "-o", str(out)], catch_exceptions=False
    )
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    assert out.read_text(encoding="utf-8").startswith("#")


def test_the_console_script_flushes_its_output_and_keeps_the_exit_status(tmp_path):
    # `ict-gis` leaves with os._exit after the command (see cli.main.main):
    # what it printed must still arrive, and errors still give their status.
    import subprocess
    import sys

    def run(*args):
        code = "from ict_gis.cli.main import main; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300
        )

    ok = run("info", "--format", "json")
    assert ok.returncode == 0
    assert json.loads(ok.stdout)  # the whole JSON document, flushed
    bad = run("coverage", "--tech", "9G")
    assert bad.returncode == 2 and "Invalid value for '--tech'" in bad.stderr
    missing = run("info", str(tmp_path / "nothing-here"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    out = tmp_path / "c.csv"
    written = run("-q", "coverage", "--tech", "4G", "--operator", "any", "--format", "csv",
                  "-o", str(out))  # fmt: skip
    assert written.returncode == 0 and written.stderr == ""
    assert out.read_text(encoding="utf-8").startswith("code,name,tech,operator")
