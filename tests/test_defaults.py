"""Python and CLI share defaults: a command left alone does what its function does.

Each command's defaults are read from click itself (``make_context`` with no
options, so the parameters' callbacks have run) and compared with the
defaults of the Python function the command calls (``inspect.signature``).
"""

from __future__ import annotations

import inspect

import click
import pytest

from ict_gis.cli.footprint_options import footprint_model
from ict_gis.cli.main import cli
from ict_gis.footprints import resolve_model
from ict_gis.metrics import registry
from ict_gis.metrics.coverage import coverage, switch_off_gaps
from ict_gis.plan import plan_sharing, plan_sites
from ict_gis.report import annual
from ict_gis.schema import technologies


def _command(*path: str) -> click.Command:
    command: click.Command = cli
    for name in path:
        command = command.get_command(click.Context(cli), name)  # type: ignore[attr-defined]
    return command


def _cli_defaults(*path: str, args: tuple[str, ...] = ()) -> dict[str, object]:
    """The values a command gets when no option is given (after click's callbacks)."""
    command = _command(*path)
    with command.make_context(path[-1], list(args)) as ctx:
        return dict(ctx.params)


def _py_defaults(function) -> dict[str, object]:
    return {
        name: p.default
        for name, p in inspect.signature(function).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def _option(path: tuple[str, ...], name: str) -> click.Parameter:
    return next(p for p in _command(*path).params if p.name == name)


#: (command, required options, Python function, CLI parameter -> Python parameter).
PAIRS = [
    (
        ("coverage",),
        (),
        coverage,
        {
            "operator": "operator",
            "mode": "mode",
            "engine": "engine",
            "as_of": "as_of",
            "level": "level",
            "units": "units",
            "scheduler": "scheduler",
        },
    ),
    (("gaps",), (), switch_off_gaps, {"as_of": "as_of", "level": "level"}),
    (
        ("plan", "sites"),
        ("--budget", "1"),
        plan_sites,
        {
            "tech": "tech",
            "operator": "operator",
            "grid_m": "grid_m",
            "weight": "weight",
            "min_spacing_m": "min_spacing_m",
            "target": "target",
            "exact": "exact",
            "as_of": "as_of",
            "level": "level",
        },
    ),
    (
        ("plan", "sharing"),
        (),
        plan_sharing,
        {"distance_m": "distance_m", "as_of": "as_of", "level": "level"},
    ),
    (("report",), (), annual, {"year": "year", "lang": "lang", "units": "units"}),
]


@pytest.mark.parametrize(
    ("path", "args", "function", "names"), PAIRS, ids=[" ".join(p[0]) for p in PAIRS]
)
def test_cli_defaults_are_the_python_defaults(path, args, function, names):
    cli_values, py_values = _cli_defaults(*path, args=args), _py_defaults(function)
    for cli_name, py_name in names.items():
        assert cli_values[cli_name] == py_values[py_name], (path, cli_name)


def test_coverage_technology_is_one_default_for_python_and_cli():
    # click's own default, its value after the callback, and the function's default.
    option = _option(("coverage",), "tech")
    python = inspect.signature(coverage).parameters["tech"].default
    assert option.default == python == "4G"
    assert technologies(_cli_defaults("coverage")["tech"]) == technologies(python) == ["4G"]
    # --help says it.
    assert "[default: 4G]" in " ".join(
        _command("coverage").get_help(click.Context(_command("coverage"))).split()
    )


def test_gaps_switch_off_is_the_python_tech():
    assert _cli_defaults("gaps")["switch_off"] == _py_defaults(switch_off_gaps)["tech"] == "2G"


@pytest.mark.parametrize(("path", "function"), [(("coverage",), coverage), (("gaps",), None)])
def test_the_default_footprint_model_is_the_python_one(path, function):
    values = _cli_defaults(*path)
    cli_model = footprint_model(values["model"], values["radius"], values["config"])
    py_model = resolve_model(_py_defaults(function or switch_off_gaps)["model"])
    assert cli_model == py_model


@pytest.mark.parametrize("metric", [m for m in registry.metrics() if m.command])
def test_progress_defaults_are_the_metric_functions(metric):
    values = _cli_defaults("progress", metric.command)
    python = _py_defaults(metric.function)
    for name in ("as_of", "units", *(o.name for o in metric.options)):
        if name in python and name in values:
            assert values[name] == python[name], (metric.name, name)
