"""``ict-gis progress``: 2G switch-off, 5G rollout, BTS pipeline, cable tidying per unit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click
import geopandas as gpd
import pandas as pd

from ict_gis.cli.options import (
    as_of_option,
    emit,
    format_option,
    kind_option,
    lang_option,
    layers_argument,
    level_option,
    load_valid_layers,
    output_option,
    parse_date,
    refuse_binary_on_terminal,
    report_problems,
)
from ict_gis.cli.plot_option import plot_option, write_plot
from ict_gis.errors import IctGisError
from ict_gis.layerset import LayerSet
from ict_gis.settings import TECHNOLOGIES

#: Formats of ``ict-gis progress``.
TABLE_FORMATS = ("table", "csv", "json", "md", "xlsx")

F = Callable[..., object]


def _since_option(func: F) -> F:
    return click.option(
        "--since",
        callback=parse_date,
        metavar="YYYY-MM-DD",
        help="Start of the period (inclusive) for what is new in it (5G sites, BTS approvals).",
    )(func)


def _common(func: F) -> F:
    """Options shared by every ``progress`` subcommand (in --help order)."""
    for decorator in reversed(
        (
            layers_argument,
            kind_option,
            as_of_option,
            level_option,
            format_option(*TABLE_FORMATS),
            lang_option("headers and numbers (table, md, xlsx)"),
            output_option,
            plot_option,
        )
    ):
        func = decorator(func)
    return func


def _units(layers: LayerSet, as_of: dt.date | None, level: str | None) -> gpd.GeoDataFrame | None:
    if level is None:
        return None
    from ict_gis.units import unit_frame

    return unit_frame(layers, as_of=as_of, level=level)


def _run(
    ctx: click.Context,
    compute: Callable[[LayerSet, gpd.GeoDataFrame | None], pd.DataFrame],
    *,
    layers: Path | None,
    kind: str | None,
    as_of: dt.date | None,
    level: str | None,
    fmt: str,
    lang: str,
    output: Path | None,
    title: tuple[str, str],
    since: dt.date | None = None,
    plot: Path | None = None,
) -> None:
    from ict_gis.metrics.progress import problems_of
    from ict_gis.render.tables import render_table

    refuse_binary_on_terminal(fmt, output)
    layer_set = load_valid_layers(layers, kind)
    try:
        frame = compute(layer_set, _units(layer_set, as_of, level))
    except IctGisError as exc:
        raise click.ClickException(str(exc)) from exc
    report_problems(problems_of(frame), quiet=bool((ctx.obj or {}).get("quiet")))
    vi = lang == "vi"
    heading = title[0 if vi else 1]
    if since is not None:
        end = "" if as_of is None else f" {'đến' if vi else 'to'} {as_of:%Y-%m-%d}"
        heading += f" ({'từ' if vi else 'from'} {since:%Y-%m-%d}{end})"
    elif as_of is not None:
        heading += f" ({'đến ngày' if vi else 'as of'} {as_of:%Y-%m-%d})"
    emit(render_table(frame, fmt, lang=lang, title=heading), output)
    write_plot(frame, plot, lang=lang)


@click.group("progress")
def command() -> None:
    """Progress per administrative unit: 2G switch-off, 5G, BTS pipeline, cable tidying.

    Each subcommand prints one table, one row per unit of the districts layer
    (units merged by admin_changes on or before --as-of are reported as the
    unit they joined), then a row "outside" for features outside every unit
    (only if there are any) and the province total. LAYERS are validated
    first; a layer with errors stops the command (see `ict-gis validate`).

    \b
    Examples:
      ict-gis progress switch-off --as-of 2024-12-31
      ict-gis progress 5g --since 2024-01-01 --as-of 2024-12-31 --format md
      ict-gis progress cables --as-of 2024-12-31 --format xlsx -o cables.xlsx
    """


@command.command("switch-off")
@_common
@click.option(
    "--tech",
    type=click.Choice(TECHNOLOGIES[:3]),
    default="2G",
    show_default=True,
    help="Technology being switched off (switch-offs read from the shutdowns_<tech> layer).",
)
@click.option(
    "--by",
    type=click.Choice(("unit", "operator")),
    default="unit",
    show_default=True,
    help="Rows per administrative unit, or per operator (province-wide).",
)
@click.pass_context
def switch_off(ctx: click.Context, tech: str, by: str, **options: object) -> None:
    """Stations with a technology, switched off, remaining, %; subscribers moved to 4G."""
    from ict_gis.metrics.progress import switch_off_progress

    as_of = options["as_of"]
    _run(
        ctx,
        lambda layers, units: switch_off_progress(
            layers, units=units, as_of=as_of, tech=tech, by=by
        ),
        title=(f"Tắt sóng {tech}", f"{tech} switch-off"),
        **options,
    )


@command.command("5g")
@_common
@_since_option
@click.pass_context
def sites_5g(ctx: click.Context, since: dt.date | None, **options: object) -> None:
    """5G sites per unit and operator: on air, new since --since, share of the province."""
    from ict_gis.metrics.progress import rollout_5g

    as_of = options["as_of"]
    _run(
        ctx,
        lambda layers, units: rollout_5g(layers, units=units, as_of=as_of, since=since),
        title=("Trạm 5G", "5G sites"),
        since=since,
        **options,
    )


@command.command("bts")
@_common
@_since_option
@click.pass_context
def bts(ctx: click.Context, since: dt.date | None, **options: object) -> None:
    """BTS locations approved in the period, and how many are on air, per unit."""
    from ict_gis.metrics.progress import bts_pipeline

    as_of = options["as_of"]
    _run(
        ctx,
        lambda layers, units: bts_pipeline(layers, units=units, as_of=as_of, since=since),
        title=("Vị trí trạm BTS được chấp thuận", "BTS locations approved"),
        since=since,
        **options,
    )


@command.command("cables")
@_common
@click.option("--plan", help="Only the routes of this plan, e.g. 49/KH-UBND.")
@click.option(
    "--timeline",
    is_flag=True,
    help="Print the km tidied per month (and cumulative) instead of the table per unit.",
)
@click.pass_context
def cables(ctx: click.Context, plan: str | None, timeline: bool, **options: object) -> None:
    """Cable routes per unit and category: km in the plan, tidied, underground, % of plan.

    Lengths are geodesic, computed from the route geometries (a route crossing
    a unit boundary is cut there), never taken from an attribute.
    """
    from ict_gis.metrics.progress import cable_progress, cable_timeline

    as_of = options["as_of"]
    if timeline:
        _run(
            ctx,
            lambda layers, units: cable_timeline(layers, as_of=as_of, plan=plan),
            title=("Chỉnh trang cáp theo tháng", "Cable tidying by month"),
            **options,
        )
        return
    _run(
        ctx,
        lambda layers, units: cable_progress(layers, units=units, as_of=as_of, plan=plan),
        title=("Chỉnh trang cáp viễn thông", "Telecom cable tidying"),
        **options,
    )
