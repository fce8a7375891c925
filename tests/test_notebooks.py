"""The notebooks: each runs top to bottom, is stored without outputs, uses the public API.

Each notebook is executed with nbclient in a fresh kernel (working directory:
a temporary folder) against the bundled layers; any error fails the test, as
does a warning or anything else written to stderr.
"""

import ast
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import ict_gis
from ict_gis import charts

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = [
    "01_quickstart.ipynb",
    "02_coverage.ipynb",
    "03_switch_off_and_5g.ipynb",
    "04_cable_tidying.ipynb",
    "05_your_own_data.ipynb",
]
#: Seconds after which a notebook is taken to hang (a guard, not a speed test:
#: speed is measured in benchmarks/, never asserted in tests).
HANG_S = 120


def notebooks():
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_the_five_notebooks_are_there():
    assert [p.name for p in notebooks()] == EXPECTED


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} of {path.name} has outputs; clear them"
            assert cell.execution_count is None, f"cell {i} of {path.name} has an execution count"
        assert "attachments" not in cell or not cell.attachments
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def _public_names(tree):
    """``ict_gis.<name>`` / ``charts.<name>`` attributes and ``ict_gis`` imports in a cell."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ict_gis"):
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (alias.name, None) for alias in node.names if alias.name.startswith("ict_gis")
            ]
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("ict_gis", "charts")
        ):
            found.append((node.value.id, node.attr))
    return found


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_notebook_uses_only_the_public_api(path):
    for cell in code_cells(path):
        for module, name in _public_names(ast.parse(cell.source)):
            where = f"{path.name}: {module}{'.' + name if name else ''}"
            if module == "ict_gis" and name is None:
                continue  # import ict_gis
            if module == "ict_gis":
                assert name in ict_gis.__all__ or name == "__version__", where
            elif module == "charts":
                assert name in charts.__all__, where
            else:
                pytest.fail(f"{where}: import from the package, not from its modules")


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_notebook_needs_no_file_outside_it(path):
    for cell in code_cells(path):
        assert not re.search(r"\.\./|/work/|shared/", cell.source), f"{path.name}: {cell.source}"


@pytest.mark.slow
@pytest.mark.timeout(HANG_S * 2)
@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=HANG_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    # The notebooks write to tempfile folders: keep them inside tmp_path.
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}", pytrace=False)
    stderr = [
        output["text"]
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    ]
    assert stderr == [], f"{path.name} wrote to stderr:\n" + "\n".join(stderr)
    shown = [
        mime
        for cell in nb.cells
        for output in cell.get("outputs", [])
        for mime in output.get("data", {})
    ]
    assert "image/png" in shown, f"{path.name} shows no chart"
    assert any(tmp_path.glob("ict_gis_*")) == ("tempfile" in path.read_text(encoding="utf-8"))
