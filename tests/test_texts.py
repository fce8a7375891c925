"""The catalogue of texts: one module holds every vi/en label table."""

from __future__ import annotations

import ast
import re
import string
import unicodedata
from pathlib import Path

import pytest

import ict_gis
from ict_gis import texts

PACKAGE = Path(ict_gis.__file__).resolve().parent


def _fields(words: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(words) if name}


PAIRS = {
    "LABELS": texts.LABELS,
    "COLUMN_LABELS": texts.COLUMN_LABELS,
    "ROW_NAMES": texts.ROW_NAMES,
    "VALUE_LABELS": texts.VALUE_LABELS,
}
PER_LANGUAGE = {
    "MAP_TEXT": texts.MAP_TEXT,
    "STATUS_TEXT": texts.STATUS_TEXT,
    "CHART_TEXT": texts.CHART_TEXT,
}


@pytest.mark.parametrize("name", PAIRS)
def test_pairs_have_both_languages_with_the_same_fields(name):
    for key, (vi, en) in PAIRS[name].items():
        assert vi and en, f"{name}[{key!r}] is empty"
        assert unicodedata.is_normalized("NFC", vi), f"{name}[{key!r}] is not NFC"
        assert _fields(vi) == _fields(en), f"{name}[{key!r}]: {{fields}} differ"


@pytest.mark.parametrize("name", PER_LANGUAGE)
def test_per_language_tables_have_the_same_keys_and_fields(name):
    table = PER_LANGUAGE[name]
    assert set(table) == {"vi", "en"}
    assert set(table["vi"]) == set(table["en"])
    for key in table["vi"]:
        assert unicodedata.is_normalized("NFC", table["vi"][key])
        assert _fields(table["vi"][key]) == _fields(table["en"][key]), f"{name}[{key!r}]"


def test_text_fills_fields_and_refuses_unknown_languages_and_keys():
    assert texts.text("report_switch_off", "en", ratio="1/4", tech="3G", pct="25%") == (
        "Operators switched off 1/4 3G stations (25%)."
    )
    assert texts.text(("Cột", "Mast"), "vi") == "Cột"
    with pytest.raises(ValueError, match="Unknown language"):
        texts.text("title_bts", "fr")
    with pytest.raises(KeyError):
        texts.text("no_such_key", "vi")


def _label_tables(path: Path) -> list[str]:
    """Dict literals of a module that look like label tables.

    Keyed by ``vi`` and ``en``, or whose values are all pairs of strings, some
    of them Vietnamese (non-ASCII first element).
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Dict) or not node.keys:
            continue
        keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
        pairs = [
            v
            for v in node.values
            if isinstance(v, ast.Tuple)
            and len(v.elts) == 2
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts)
        ]
        vietnamese = any(not p.elts[0].value.isascii() for p in pairs)
        if {"vi", "en"} <= keys or (vietnamese and len(pairs) == len(node.values)):
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_no_label_table_outside_the_catalogue():
    found = [
        where
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "texts.py"
        for where in _label_tables(path)
    ]
    assert found == []


def test_the_catalogue_imports_nothing_of_ict_gis():
    source = (PACKAGE / "texts.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import) ict_gis", source, flags=re.M)


#: What each module may not import (the river flows one way: texts -> ... -> metrics
#: -> report/charts/render -> cli).
UPSTREAM = {
    "report.py": ("ict_gis.render", "ict_gis.charts", "ict_gis.cli", "click"),
    "metrics/registry.py": ("ict_gis.render", "ict_gis.charts", "ict_gis.report", "ict_gis.cli"),
    "metrics/progress.py": ("ict_gis.render", "ict_gis.charts", "ict_gis.report", "ict_gis.cli"),
    "render/maps.py": ("importlib", "ict_gis.cli", "click"),
    "charts.py": ("ict_gis.cli", "click"),
    "render/tables.py": ("ict_gis.cli", "click"),
    "render/report.py": ("ict_gis.report", "ict_gis.charts", "ict_gis.cli", "click"),
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("module", UPSTREAM)
def test_imports_run_down_the_data_flow(module):
    imported = _imports(PACKAGE / module)
    upward = sorted(
        name
        for name in imported
        for up in UPSTREAM[module]
        if name == up or name.startswith(up + ".")
    )
    assert upward == []
