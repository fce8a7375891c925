"""Imports run one way, down the data flow (docs: /work/shared/DESIGN.md, README).

The import statements of ict_gis's own modules are read with :mod:`ast`
(every ``import``, also those inside functions and under ``TYPE_CHECKING``)
and each one is checked against the floors below: a module may import a
module of its own component or of a floor above its own, never one of a
floor below, and never a sibling on its floor (``report``, ``charts`` and
``render`` do not import one another). The first floor is the shared
foundation, whose modules may import one another. ``ict_gis/__init__.py`` is
the lazy public facade and is exempt.

An import through a string (``importlib.import_module(...)``) hides a
dependency from readers and tools: only the facade and the command group's
lazy loading of its own commands may do it.

Third-party packages with an owner: only ``ict_gis.cli`` imports click, only
``ict_gis.io`` imports fiona, pyogrio and SQLAlchemy, only ``ict_gis.render``
imports folium, branca and folium-offline.

Known violations, being removed on other branches, are marked
``xfail(strict=True)``: when one is fixed its test passes, which fails the
strict mark, and the mark must go.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ict_gis"

#: The data flow, top to bottom: each floor lists its components (a component
#: is a module or a package of ict_gis, named without the ``ict_gis.`` prefix).
FLOORS: tuple[tuple[str, ...], ...] = (
    # foundation: exceptions, defaults, texts, problem records, number
    # formats, low-level geometry helpers (these may import one another)
    ("errors", "settings", "texts", "problems", "numbers", "geometry"),
    ("io",),  # the only code that touches paths, URLs and drivers
    ("schema",),
    ("layerset",),  # a set of layers read through io and normalised by schema
    ("validate",),
    ("units",),
    ("crosswalk",),  # tables carried across boundary changes (merges, splits)
    ("footprints",),
    ("config",),  # footprint settings read from a TOML file
    ("engines",),
    ("metrics",),
    ("plan",),
    ("report", "charts", "render", "maps"),  # siblings; ``maps`` is render's public name
    ("cli",),
)
#: Components whose modules may import each other on the same floor.
FOUNDATION = 0
#: ``ict_gis.maps`` is the public name of ``ict_gis.render.maps``: one component.
SAME_COMPONENT = {"maps": "render"}

#: Third-party top-level packages -> the components allowed to import them.
OWNERS: dict[str, tuple[str, ...]] = {
    "click": ("cli",),
    "fiona": ("io",),
    "pyogrio": ("io",),
    "sqlalchemy": ("io",),
    "folium": ("render",),
    "branca": ("render",),
    "offlinefolium": ("render",),
}

#: Modules that may import ict_gis modules through strings, and the components they may name.
STRING_IMPORTS: dict[str, tuple[str, ...]] = {"ict_gis.cli.main": ("cli",)}

#: Known violations (module -> why), removed on other branches.
KNOWN_DIRECTION: dict[str, str] = {}
KNOWN_STRINGS: dict[str, str] = {}
KNOWN_OWNERS: dict[str, str] = {}

_IMPORT_CALLS = {"import_module", "__import__", "find_spec"}


@dataclass(frozen=True)
class Import:
    """One import of an ict_gis module: the line and the module imported."""

    line: int
    target: str
    via_string: bool = False


def _module_name(path: Path) -> str:
    parts = ["ict_gis", *path.relative_to(PACKAGE).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return _modules()[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if _is_package(module) else module.rsplit(".", 1)[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


@cache
def _parse(module: str) -> ast.Module:
    return ast.parse(_modules()[module].read_text(encoding="utf-8"))


@cache
def imports_of(module: str) -> tuple[list[Import], list[tuple[int, str]]]:
    """The ict_gis modules ``module`` imports, and the third-party top-level packages."""
    tree = _parse(module)
    ours: list[Import] = []
    theirs: list[tuple[int, str]] = []
    known = _modules()
    strings_import = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "ict_gis" or alias.name.startswith("ict_gis."):
                    ours.append(Import(node.lineno, alias.name))
                else:
                    theirs.append((node.lineno, alias.name.split(".")[0]))
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            if source == "ict_gis" or source.startswith("ict_gis."):
                for alias in node.names:
                    sub = f"{source}.{alias.name}"
                    if sub in known:
                        ours.append(Import(node.lineno, sub))
                    elif not (source == "ict_gis" and alias.name == "__version__"):
                        ours.append(Import(node.lineno, source))
            else:
                theirs.append((node.lineno, source.split(".")[0]))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            strings_import |= name in _IMPORT_CALLS
    if strings_import:
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
                and node.value in known
                and node.value not in ("ict_gis", module)
            ):
                ours.append(Import(node.lineno, node.value, via_string=True))
    ours = sorted(set(ours), key=lambda imp: (imp.line, imp.target))
    return ours, sorted(set(theirs))


def component(module: str) -> str:
    """The component of an ict_gis module (``ict_gis.metrics.coverage`` -> ``metrics``)."""
    first = module.split(".")[1] if module != "ict_gis" else ""
    return SAME_COMPONENT.get(first, first)


@cache
def _floor_of() -> dict[str, int]:
    return {SAME_COMPONENT.get(c, c): i for i, floor in enumerate(FLOORS) for c in floor}


def floor(module: str) -> int:
    """The floor of an ict_gis module (0 is the top of the data flow)."""
    return _floor_of()[component(module)]


def direction_violations(module: str) -> list[str]:
    """Every import of ``module`` that runs up the data flow or sideways to a sibling."""
    found = []
    here = component(module)
    for imp in imports_of(module)[0]:
        if imp.target == "ict_gis":
            if here != "cli":
                found.append(f"line {imp.line}: imports the public facade ict_gis")
            continue
        there = component(imp.target)
        if there == here:
            continue
        mine, theirs = floor(module), floor(imp.target)
        if theirs < mine or (theirs == mine == FOUNDATION):
            continue
        how = "a sibling" if theirs == mine else "a module further down the data flow"
        found.append(f"line {imp.line}: imports {imp.target}, {how} ({here} -> {there})")
    return found


def string_violations(module: str) -> list[str]:
    allowed = STRING_IMPORTS.get(module, ())
    return [
        f"line {imp.line}: imports {imp.target} through a string"
        for imp in imports_of(module)[0]
        if imp.via_string and component(imp.target) not in allowed
    ]


def owner_violations(module: str) -> list[str]:
    here = component(module)
    return [
        f"line {line}: imports {package}, which only {' / '.join(OWNERS[package])} may import"
        for line, package in imports_of(module)[1]
        if package in OWNERS and here not in OWNERS[package]
    ]


CHECKED = [m for m in _modules() if m != "ict_gis"]


def _cases(known: dict[str, str]) -> list:
    return [
        pytest.param(m, marks=pytest.mark.xfail(strict=True, reason=known[m])) if m in known else m
        for m in CHECKED
    ]


def test_every_module_is_on_a_floor():
    placed = _floor_of()
    assert [m for m in CHECKED if component(m) not in placed] == []
    # ... and the known violations name real modules (a renamed one needs its mark moved)
    assert set(KNOWN_DIRECTION) | set(KNOWN_STRINGS) | set(KNOWN_OWNERS) <= set(CHECKED)


@pytest.mark.parametrize("module", _cases(KNOWN_DIRECTION))
def test_imports_run_down_the_data_flow(module):
    assert direction_violations(module) == []


@pytest.mark.parametrize("module", _cases(KNOWN_STRINGS))
def test_no_import_hidden_in_a_string(module):
    assert string_violations(module) == []


@pytest.mark.parametrize("module", _cases(KNOWN_OWNERS))
def test_third_party_packages_only_from_their_owner(module):
    assert owner_violations(module) == []


# --------------------------------------------------------------------------- the checker itself


def _check_source(tmp_path, monkeypatch, files: dict[str, str]) -> dict[str, list[str]]:
    """Run the checks on a made-up package ``ict_gis`` in ``tmp_path``."""
    root = tmp_path / "ict_gis"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", root)
    for func in (_modules, imports_of, _parse):
        func.cache_clear()
    try:
        mods = [m for m in _modules() if m != "ict_gis"]
        return {
            m: direction_violations(m) + string_violations(m) + owner_violations(m) for m in mods
        }
    finally:
        monkeypatch.undo()
        for func in (_modules, imports_of, _parse):
            func.cache_clear()


def test_the_checker_sees_upward_sideways_hidden_and_owned_imports(tmp_path, monkeypatch):
    found = _check_source(
        tmp_path,
        monkeypatch,
        {
            "errors.py": "from ict_gis import problems\n",  # foundation: fine
            "problems.py": "",
            "io.py": "import fiona\nfrom ict_gis.errors import IctGisError\n",
            "units.py": "def f():\n    from ict_gis.metrics import coverage\n",  # upward
            "metrics/__init__.py": "",
            "metrics/coverage.py": "from .. import units\nimport click\n",  # relative; click
            "report.py": "from ict_gis.render.tables import X\n",  # sibling
            "render/__init__.py": "",
            "render/tables.py": (
                '"""ict_gis.units in a docstring is not an import."""\n'
                "import importlib\n"
                'M = importlib.import_module("ict_gis.metrics.coverage")\n'
            ),
            "cli/__init__.py": "",
            "cli/main.py": (
                'import importlib\nimport click\nC = {"a": "ict_gis.cli.a"}\n'
                'A = importlib.import_module(C["a"])\n'
            ),
            "cli/a.py": "from ict_gis import report\n",
        },
    )
    assert found == {
        "ict_gis.errors": [],
        "ict_gis.problems": [],
        "ict_gis.io": [],
        "ict_gis.units": [
            "line 2: imports ict_gis.metrics.coverage, a module further down the data flow "
            "(units -> metrics)"
        ],
        "ict_gis.metrics": [],
        "ict_gis.metrics.coverage": ["line 2: imports click, which only cli may import"],
        "ict_gis.report": ["line 1: imports ict_gis.render.tables, a sibling (report -> render)"],
        "ict_gis.render": [],
        "ict_gis.render.tables": ["line 3: imports ict_gis.metrics.coverage through a string"],
        "ict_gis.cli": [],
        "ict_gis.cli.main": [],
        "ict_gis.cli.a": [],
    }
