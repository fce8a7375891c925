"""The command group: version, help of every command, README coverage."""

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from ict_gis import __version__
from ict_gis.cli.main import COMMANDS, SHORT_HELP, cli

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


def test_a_library_error_a_command_lets_through_is_one_clean_line(monkeypatch):
    # `info` has no `except` of its own: the group turns the error into a message.
    from ict_gis.errors import UnitError
    from ict_gis.layerset import LayerSet

    def broken(self):
        raise UnitError("the districts layer has no usable units")

    monkeypatch.setattr(LayerSet, "summary", broken)
    result = CliRunner().invoke(cli, ["info"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr == "Error: the districts layer has no usable units\n"
    assert result.stdout == ""


def test_a_validation_error_lists_the_errors_and_points_to_validate(monkeypatch):
    from ict_gis.errors import ValidationError
    from ict_gis.layerset import LayerSet
    from ict_gis.problems import Problem

    problems = [
        Problem("bts_stations", "S1", "height_m", "error", "height is negative", "measure it"),
        Problem("bts_stations", "S2", "status", "warning", "status is old"),
    ]

    def broken(self):
        raise ValidationError(problems)

    monkeypatch.setattr(LayerSet, "summary", broken)
    result = CliRunner().invoke(cli, ["info"], catch_exceptions=False)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: 1 error(s) in the layers:"
    assert "S1" in lines[1] and "height is negative" in lines[1]
    assert "S2" not in result.stderr  # warnings are not errors
    assert lines[-1] == "Run `ict-gis validate` on the layers for the full list with fixes."


def _console_script(*args: str, before: str = "") -> subprocess.CompletedProcess:
    """Run ``ict-gis ARGS`` the way the console script does (``main()``)."""
    code = f"{before}\nfrom ict_gis.cli.main import main\nmain()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300
    )


def test_the_console_script_keeps_its_output_and_exit_status(tmp_path):
    ok = _console_script("info", "--format", "json")
    assert ok.returncode == 0
    assert json.loads(ok.stdout)  # the whole JSON document
    bad = _console_script("coverage", "--tech", "9G")
    assert bad.returncode == 2 and "Invalid value for '--tech'" in bad.stderr
    missing = _console_script("info", str(tmp_path / "nothing-here"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    out = tmp_path / "c.csv"
    written = _console_script("-q", "coverage", "--tech", "4G", "--operator", "any",
                              "--format", "csv", "-o", str(out))  # fmt: skip
    assert written.returncode == 0 and written.stderr == ""
    assert out.read_text(encoding="utf-8").startswith("code,name,tech,operator")


def test_the_console_script_reports_a_library_error_without_a_traceback():
    before = (
        "import ict_gis.layerset, ict_gis.errors\n"
        "def broken(self):\n"
        "    raise ict_gis.errors.ProgressError('no 2G stations in the layers')\n"
        "ict_gis.layerset.LayerSet.summary = broken"
    )
    result = _console_script("info", before=before)
    assert result.returncode == 1
    assert result.stderr == "Error: no 2G stations in the layers\n"
    assert result.stdout == ""


def test_the_short_helps_are_the_commands_own():
    """`ict-gis --help` lists each command's own first sentence (kept in SHORT_HELP)."""
    import importlib

    assert set(SHORT_HELP) == set(COMMANDS)
    for name, module in COMMANDS.items():
        command = importlib.import_module(module).command
        assert SHORT_HELP[name] == command.get_short_help_str(limit=1000), name


def test_help_imports_no_command():
    """The group's help lists every command without importing one (nor GeoPandas)."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from ict_gis.cli.main import cli\n"
        "out = CliRunner().invoke(cli, ['--help']).output\n"
        "assert 'coverage' in out and 'Covered area' in out, out\n"
        "loaded = [m for m in sys.modules if m.startswith('ict_gis.cli.') or m == 'geopandas']\n"
        "print(sorted(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['ict_gis.cli.main']"
