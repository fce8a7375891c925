"""The Python examples of the README and docs/python-api.md run as written.

Each ```python block runs in a fresh interpreter (a registry example must not
register its metric in this test session), in a temporary folder.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _blocks() -> list[tuple[str, str]]:
    out = []
    for name in ("README.md", "docs/python-api.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        out += [(f"{name}#{i}", code) for i, code in enumerate(BLOCK.findall(text))]
    return out


BLOCKS = _blocks()


def test_there_are_examples():
    names = [name for name, _ in BLOCKS]
    assert any(n.startswith("README.md") for n in names)
    assert any(n.startswith("docs/python-api.md") for n in names)


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[n for n, _ in BLOCKS])
def test_example_runs(name, code, tmp_path):
    # Each block is the complete example: it fails on any exception or warning.
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "error"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{name}:\n{done.stderr[-3000:]}"
    assert list(tmp_path.iterdir()) == []  # the examples write nothing
