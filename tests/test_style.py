"""The code base stays ruff clean, and the README's test command is what CI runs."""

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    # The ruff of the environment the tests run in (the `test` extra), not
    # whichever one is first on PATH.
    if importlib.util.find_spec("ruff") is not None:
        command = [sys.executable, "-m", "ruff"]
    else:
        command = [shutil.which("ruff") or "ruff"]
    return subprocess.run([*command, *args], cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("args", [("check", "."), ("format", "--check", ".")])
def test_ruff_is_clean(args):
    result = _ruff(*args)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Try it", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    assert len(blocks) == 2, blocks
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == blocks[1]
    # A fresh virtualenv in the clone, and everything run from it.
    assert "python3 -m venv --clear .venv" in blocks[1]
    assert ".venv/bin/python -m pip install -e '.[test]'" in blocks[1]
    assert blocks[1].endswith(".venv/bin/python -m pytest")
