"""The curated public API of ``import ict_gis``."""

import importlib
import importlib.metadata
import inspect
import subprocess
import sys
import textwrap

import folium
import geopandas as gpd
import pandas as pd
import pytest
from matplotlib.figure import Figure

import ict_gis
from ict_gis.layerset import LayerSet

#: Modules that ``import ict_gis`` must not load (they make ``ict-gis --help`` slow).
HEAVY = ("pandas", "geopandas", "shapely", "pyogrio", "fiona", "matplotlib", "folium", "numpy")

#: Public functions whose docstrings have no Examples section yet. The list may
#: only shrink: a new public function comes with an example that runs.
WITHOUT_EXAMPLES = {
    "read_layers",
    "read_layer",
    "write_layer",
    "write_layers",
    "ensure_valid",
    "repair",
    "unit_frame",
    "split_by_unit",
    "cable_timeline",
    "problems_of",
    "coverage_footprints",
    "switch_off_gaps",
    "annual",
    "build_map",
}

AS_OF = "2024-12-31"


def run_python(code):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def layers():
    return ict_gis.bundled_layers()


def test_import_ict_gis_loads_nothing_heavy():
    out = run_python(
        f"""
        import sys
        import ict_gis
        print(sorted(m for m in {HEAVY!r} if m in sys.modules))
        """
    )
    assert out.strip() == "[]"


def test_the_command_group_loads_nothing_heavy_either():
    out = run_python(
        f"""
        import sys
        from ict_gis.cli.main import cli
        print(sorted(m for m in {HEAVY!r} if m in sys.modules))
        """
    )
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", ict_gis.__all__)
def test_every_public_name_is_the_object_of_its_module(name):
    value = getattr(ict_gis, name)
    if name in ict_gis._EXPORTS:
        module = importlib.import_module(ict_gis._EXPORTS[name])
        assert value is getattr(module, name)
    else:
        assert value is importlib.import_module(f"ict_gis.{name}")
    assert inspect.getdoc(value), f"{name} has no docstring"


def test_star_import_gives_every_public_name():
    namespace = {}
    exec("from ict_gis import *", namespace)
    assert set(ict_gis.__all__) <= set(namespace)
    assert set(ict_gis.__all__) <= set(dir(ict_gis))


def test_all_lists_exactly_the_lazy_names():
    assert len(ict_gis.__all__) == len(set(ict_gis.__all__))
    assert set(ict_gis.__all__) == set(ict_gis._EXPORTS) | set(ict_gis._SUBMODULES)


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'coverage_of'"):
        ict_gis.coverage_of  # noqa: B018


def test_validate_stays_the_function_whatever_was_imported_first():
    out = run_python(
        """
        import ict_gis.validate
        from ict_gis.validate import repair
        import ict_gis
        from ict_gis import validate
        print(callable(ict_gis.validate), validate is ict_gis.validate, repair.__name__)
        print(ict_gis.validate(ict_gis.bundled_layers()) == [])
        """
    )
    assert out.split() == ["True", "True", "repair", "True"]


def test_version_is_the_package_version():
    assert ict_gis.__version__ == importlib.metadata.version("ict_gis")


FUNCTIONS = sorted(n for n in ict_gis.__all__ if inspect.isfunction(getattr(ict_gis, n)))


@pytest.mark.parametrize("name", sorted(set(FUNCTIONS) - WITHOUT_EXAMPLES))
def test_public_functions_have_examples(name):
    value = getattr(ict_gis, name)
    assert "Examples\n--------" in inspect.getdoc(value), f"{name}: add an Examples section"


def test_the_list_of_functions_without_examples_only_shrinks():
    with_examples = {
        name
        for name in WITHOUT_EXAMPLES
        if "Examples\n--------" in (inspect.getdoc(getattr(ict_gis, name)) or "")
    }
    assert with_examples == set(), f"remove {sorted(with_examples)} from WITHOUT_EXAMPLES"


# --------------------------------------------------------------------------- contract


def _unit_codes(table):
    codes = list(table.index.get_level_values("code").unique())
    return [c for c in codes if c not in ("total", "outside")]


def test_metric_tables_are_indexed_by_the_unit_codes(layers):
    units = ict_gis.unit_frame(layers, as_of=AS_OF)
    expected = list(units.index)
    assert all(isinstance(c, str) for c in expected)
    tables = {
        "switch_off": ict_gis.switch_off_progress(layers, as_of=AS_OF),
        "sites_5g": ict_gis.rollout_5g(layers, since="2024-01-01", as_of=AS_OF),
        "bts": ict_gis.bts_pipeline(layers, since="2024-01-01", as_of=AS_OF),
        "cables": ict_gis.cable_progress(layers, as_of=AS_OF),
        "coverage": ict_gis.coverage(layers, tech="4G", operator="any", as_of=AS_OF),
    }
    for key, table in tables.items():
        assert table.index.names[0] == "code", key
        assert _unit_codes(table) == expected, key


def test_tables_join_onto_the_unit_polygons(layers):
    units = ict_gis.unit_frame(layers, as_of=AS_OF)
    table = ict_gis.switch_off_progress(layers, as_of=AS_OF)
    joined = units.join(table[["switched_off", "stations"]])
    assert isinstance(joined, gpd.GeoDataFrame)
    assert len(joined) == len(units)
    assert joined["stations"].notna().all()
    # the 2024 report: 161 of 788 2G stations switched off
    assert (joined["switched_off"].sum(), joined["stations"].sum()) == (161, 788)


def test_every_report_table_can_be_charted(layers):
    report = ict_gis.annual(layers, year=2024)
    for key, table in report.tables.items():
        assert isinstance(ict_gis.chart(table), Figure), key


def test_the_layer_set_shows_a_readable_html_summary():
    frame = pd.DataFrame({"code": ["1"], "name": ["Giao Thủy"]})
    layer_set = LayerSet({"districts": frame}, source="<b>mine</b>")
    page = layer_set._repr_html_()
    assert "&lt;b&gt;mine&lt;/b&gt;" in page and "<b>mine</b>" not in page
    assert "<td>districts</td><td>1</td>" in page


def test_the_map_shows_inline_in_a_notebook(layers):
    m = ict_gis.build_map(layers, metric="cables", as_of=AS_OF)
    assert isinstance(m, folium.Map)
    assert m._repr_html_().count("<iframe") == 1


def test_coverage_per_unit_picks_one_row_per_unit():
    import pandas as pd

    import ict_gis

    table = pd.DataFrame(
        {
            "tech": ["4G", "4G", "4G", "4G", "2G"],
            "operator": ["Viettel", "any", "Viettel", "any", "any"],
            "covered_pct": [10.0, 20.0, 30.0, 40.0, 50.0],
        },
        index=pd.Index(["A", "A", "B", "B", "A"], name="code"),
    )
    one = ict_gis.coverage_per_unit(table, tech="4G", operator="any")
    assert one["covered_pct"].to_dict() == {"A": 20.0, "B": 40.0}
    with pytest.raises(ict_gis.IctGisError, match="no rows for 5G/any"):
        ict_gis.coverage_per_unit(table, tech="5G")
