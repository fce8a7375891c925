"""ict_gis: telecom infrastructure GIS for provincial ICT departments.

Read layers of BTS stations, 2G switch-offs, 5G sites and cable routes, check
them, and compute coverage and progress per administrative unit.

The public API is importable from here (``from ict_gis import coverage``);
every metric takes a layer set and returns a DataFrame indexed by admin-unit
``code``, so tables join, filter and plot with pandas::

    import ict_gis

    layers = ict_gis.bundled_layers()          # or ict_gis.read_layers("folder")
    ict_gis.ensure_valid(layers)               # or ict_gis.validate(layers): problems
    table = ict_gis.switch_off_progress(layers, as_of="2024-12-31")
    report = ict_gis.annual(layers, year=2024)
    m = ict_gis.build_map(layers)              # a folium.Map; shows inline in Jupyter
    ict_gis.chart(table)                       # a matplotlib Figure

Names are imported on first use, so ``import ict_gis`` (and ``ict-gis
--help``) does not load geopandas, matplotlib or folium until needed.
``ict_gis.validate`` is the function :func:`ict_gis.validate.validate` (its
module stays importable as usual: ``from ict_gis.validate import repair``).

Examples
--------
>>> import ict_gis
>>> layers = ict_gis.bundled_layers()
>>> [p for p in ict_gis.validate(layers) if p.severity == "error"]
[]
>>> table = ict_gis.switch_off_progress(layers, as_of="2024-12-31")
>>> int(table.loc["total", "switched_off"]), int(table.loc["total", "stations"])
(161, 788)
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: Public name -> module defining it (imported on first use).
_EXPORTS: dict[str, str] = {
    # layers in and out
    "LayerSet": "ict_gis.layerset",
    "bundled_layers": "ict_gis.layerset",
    "read_layers": "ict_gis.layerset",
    "read_layer": "ict_gis.io",
    "write_layer": "ict_gis.io",
    "write_layers": "ict_gis.io",
    # checks
    "validate": "ict_gis.validate",
    "ensure_valid": "ict_gis.validate",
    "repair": "ict_gis.validate",
    "Problem": "ict_gis.problems",
    # administrative units
    "unit_frame": "ict_gis.units",
    "units_as_of": "ict_gis.units",
    "assign_units": "ict_gis.units",
    "split_by_unit": "ict_gis.units",
    "metric_crs": "ict_gis.units",
    # metrics
    "switch_off_progress": "ict_gis.metrics.progress",
    "rollout_5g": "ict_gis.metrics.progress",
    "bts_pipeline": "ict_gis.metrics.progress",
    "cable_progress": "ict_gis.metrics.progress",
    "cable_timeline": "ict_gis.metrics.progress",
    "problems_of": "ict_gis.metrics.progress",
    "coverage": "ict_gis.metrics.coverage",
    "coverage_footprints": "ict_gis.metrics.coverage",
    "switch_off_gaps": "ict_gis.metrics.coverage",
    "FootprintModel": "ict_gis.footprints",
    # outputs
    "annual": "ict_gis.report",
    "AnnualReport": "ict_gis.report",
    "report_text": "ict_gis.render.report",
    "report_markdown": "ict_gis.render.report",
    "report_xlsx": "ict_gis.render.report",
    "build_map": "ict_gis.maps",
    "chart": "ict_gis.charts",
    "save_figure": "ict_gis.charts",
    "switch_off_timeline": "ict_gis.metrics.progress",
    # errors
    "IctGisError": "ict_gis.errors",
    "LayerReadError": "ict_gis.errors",
    "LayerWriteError": "ict_gis.errors",
    "ValidationError": "ict_gis.errors",
    # units of other vintages (the 2025 reform)
    "bundled_units": "ict_gis.layerset",
    "read_crosswalk": "ict_gis.crosswalk",
    "carry": "ict_gis.crosswalk",
    # planning
    "plan_sites": "ict_gis.plan",
    "plan_sharing": "ict_gis.plan",
    "forecast": "ict_gis.plan",
    "coverage_per_unit": "ict_gis.metrics.coverage",
}

#: Submodules reachable as attributes without importing them first.
_SUBMODULES: tuple[str, ...] = ("charts",)

__all__ = [
    "LayerSet",
    "bundled_layers",
    "read_layers",
    "read_layer",
    "write_layer",
    "write_layers",
    "validate",
    "ensure_valid",
    "repair",
    "Problem",
    "unit_frame",
    "units_as_of",
    "assign_units",
    "split_by_unit",
    "metric_crs",
    "switch_off_progress",
    "rollout_5g",
    "bts_pipeline",
    "cable_progress",
    "cable_timeline",
    "problems_of",
    "coverage",
    "coverage_footprints",
    "switch_off_gaps",
    "FootprintModel",
    "annual",
    "AnnualReport",
    "report_text",
    "report_markdown",
    "report_xlsx",
    "build_map",
    "chart",
    "save_figure",
    "switch_off_timeline",
    "IctGisError",
    "LayerReadError",
    "LayerWriteError",
    "ValidationError",
    "charts",
    "bundled_units",
    "read_crosswalk",
    "carry",
    "plan_sites",
    "plan_sharing",
    "forecast",
    "coverage_per_unit",
]

#: Public functions named like the module that defines them.
_SHADOWED: frozenset[str] = frozenset(
    name for name, module in _EXPORTS.items() if module == f"{__name__}.{name}"
)


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """The package module: keeps ``ict_gis.validate`` the function.

    Importing a submodule sets it as an attribute of its package; for
    ``ict_gis.validate`` that would replace the function ``validate`` by the
    module, depending on what was imported first.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

if TYPE_CHECKING:  # pragma: no cover
    from ict_gis import charts
    from ict_gis.charts import chart, save_figure
    from ict_gis.crosswalk import carry, read_crosswalk
    from ict_gis.errors import IctGisError, LayerReadError, LayerWriteError, ValidationError
    from ict_gis.footprints import FootprintModel
    from ict_gis.io import read_layer, write_layer, write_layers
    from ict_gis.layerset import LayerSet, bundled_layers, bundled_units, read_layers
    from ict_gis.maps import build_map
    from ict_gis.metrics.coverage import (
        coverage,
        coverage_footprints,
        coverage_per_unit,
        switch_off_gaps,
    )
    from ict_gis.metrics.progress import (
        bts_pipeline,
        cable_progress,
        cable_timeline,
        problems_of,
        rollout_5g,
        switch_off_progress,
        switch_off_timeline,
    )
    from ict_gis.plan import forecast, plan_sharing, plan_sites
    from ict_gis.problems import Problem
    from ict_gis.render.report import report_markdown, report_text, report_xlsx
    from ict_gis.report import AnnualReport, annual
    from ict_gis.units import assign_units, metric_crs, split_by_unit, unit_frame, units_as_of
    from ict_gis.validate import ensure_valid, repair, validate
