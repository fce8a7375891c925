"""``ict-gis COMMAND --help`` answers at once: the library is imported when a command runs.

Each help is asked in a fresh interpreter, which must not have imported
GeoPandas, pandas, numpy or shapely by then (0.5-1 s on the project
machine). ``map`` and ``progress`` build their options from the metric
registry and still import them.
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("geopandas", "pandas", "numpy", "shapely", "pyogrio", "numba")

ASK = """
import json, sys
from click.testing import CliRunner
from ict_gis.cli.main import cli
result = CliRunner().invoke(cli, {args!r})
print(json.dumps([result.exit_code, [m for m in {heavy!r} if m in sys.modules]]))
"""


@pytest.mark.parametrize(
    "command",
    [
        ["coverage"],
        ["gaps"],
        ["plan", "sites"],
        ["plan", "sharing"],
        ["report"],
        ["validate"],
        ["export"],
        ["info"],
        ["import", "sheet"],
        ["import", "opencellid"],
    ],
)
def test_help_imports_no_heavy_library(command):
    code = ASK.format(args=[*command, "--help"], heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    exit_code, imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert exit_code == 0
    assert imported == []
