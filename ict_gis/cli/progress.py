"""``ict-gis progress``: one subcommand per metric of the registry.

The subcommands (``switch-off``, ``5g``, ``bts``, ``cables``, and any metric
registered with a ``command``) are built from :mod:`ict_gis.metrics.registry`:
the metric's options become click options, its function computes the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click
import geopandas as gpd
import pandas as pd

from ict_gis.cli.options import (
    as_of_option,
    bar_drawn,
    emit,
    format_option,
    lang_option,
    layers_argument,
    level_option,
    load_valid_layers,
    output_option,
    parse_date,
    progress_bar,
    refuse_binary_on_terminal,
    report_problems,
    units_option,
)
from ict_gis.cli.plot_option import plot_option, write_plot
from ict_gis.layerset import LayerSet
from ict_gis.metrics.registry import Metric, Option

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
            as_of_option,
            level_option,
            units_option,
            format_option(*TABLE_FORMATS),
            lang_option("headers and numbers (table, md, xlsx)"),
            output_option,
            plot_option,
        )
    ):
        func = decorator(func)
    return func


def _units(
    layers: LayerSet,
    as_of: dt.date | None,
    level: str | None,
    units: gpd.GeoDataFrame | str | None = None,
) -> gpd.GeoDataFrame | str | None:
    if units is not None:
        if level is None:
            return units
        from ict_gis.crosswalk import report_units

        return report_units(layers, units, as_of=as_of, level=level)
    if level is None:
        return None
    from ict_gis.units import unit_frame

    return unit_frame(layers, as_of=as_of, level=level)


def _heading(frame: pd.DataFrame, lang: str, since: dt.date | None, as_of: dt.date | None) -> str:
    from ict_gis.metrics.registry import metric_of
    from ict_gis.texts import text

    metric = metric_of(frame)
    tech = str(frame.attrs.get("tech") or "")
    heading = text(metric.title, lang, tech=tech) if metric is not None else ""
    if metric is None and frame.attrs.get("metric") == "forecast":  # ``--forecast``
        from ict_gis.metrics.registry import get

        heading = text(get(frame.attrs["forecast_of"]).title, lang, tech=tech)
        heading += text("title_forecast", lang, months=frame.attrs["months"])
    if since is not None:
        end = "" if as_of is None else f" {text('heading_to', lang)} {as_of:%Y-%m-%d}"
        heading += f" ({text('heading_since', lang)} {since:%Y-%m-%d}{end})"
    elif as_of is not None:
        heading += f" ({text('heading_as_of', lang)} {as_of:%Y-%m-%d})"
    return heading


def _run(
    ctx: click.Context,
    compute: Callable[[LayerSet, gpd.GeoDataFrame | str | None], pd.DataFrame],
    *,
    layers: Path | None,
    as_of: dt.date | None,
    level: str | None,
    fmt: str,
    lang: str,
    output: Path | None,
    since: dt.date | None = None,
    plot: Path | None = None,
    units: gpd.GeoDataFrame | str | None = None,
) -> None:
    from ict_gis.metrics.progress import problems_of
    from ict_gis.render.tables import render_table

    refuse_binary_on_terminal(fmt, output)
    layer_set = load_valid_layers(layers)
    frame = compute(layer_set, _units(layer_set, as_of, level, units))
    report_problems(problems_of(frame), quiet=bool((ctx.obj or {}).get("quiet")))
    heading = _heading(frame, lang, since, as_of)
    emit(render_table(frame, fmt, lang=lang, title=heading), output)
    write_plot(frame, plot, lang=lang)


def _click_option(option: Option) -> Callable[[F], F]:
    flag = "--" + option.name.replace("_", "-")
    if option.flag:
        return click.option(flag, option.name, is_flag=True, help=option.help)
    if option.choices is not None:
        return click.option(
            flag,
            option.name,
            type=click.Choice(option.choices),
            default=option.default,
            show_default=option.default is not None,
            help=option.help,
        )
    return click.option(flag, option.name, default=option.default, help=option.help)


def metric_command(metric: Metric) -> click.Command:
    """Build the ``ict-gis progress`` subcommand of a registered metric."""
    from ict_gis.plan import FORECAST_METRICS

    forecastable = metric.name in FORECAST_METRICS

    def callback(**values: object) -> None:
        ctx = click.get_current_context()
        since = values.pop("since", None)
        months = values.pop("forecast", None)
        params = {o.name: values.pop(o.name) for o in metric.options}
        as_of = values["as_of"]
        extra = {"since": since} if metric.since else {}

        def compute(layers: LayerSet, units: gpd.GeoDataFrame | str | None) -> pd.DataFrame:
            if months is not None:
                from ict_gis.plan import forecast

                keep = {k: v for k, v in params.items() if k in ("tech", "plan")}
                return forecast(
                    layers, metric=metric.name, months=months, as_of=as_of, units=units, **keep
                )
            return metric.function(layers, units=units, as_of=as_of, **extra, **params)

        _run(ctx, compute, since=since, **values)

    func: F = callback
    if forecastable:
        func = click.option(
            "--forecast",
            type=click.IntRange(min=1),
            metavar="MONTHS",
            help="Instead of the table: when it will be done at the pace of the last MONTHS "
            "months, per unit and for the province, against the plan's end date.",
        )(func)
    for option in reversed(metric.options):
        func = _click_option(option)(func)
    if metric.since:
        func = _since_option(func)
    func = _common(func)
    return click.command(metric.command, help=metric.help or None)(func)


class _MetricGroup(click.Group):
    """The subcommands of ``ict-gis progress``: one per metric of the registry with a command."""

    def _commands(self) -> dict[str, Metric]:
        from ict_gis.metrics.registry import metrics

        return {m.command: m for m in metrics() if m.command is not None}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._commands(), *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        metric = self._commands().get(cmd_name)
        if metric is not None:
            return metric_command(metric)
        return super().get_command(ctx, cmd_name)


@click.group("progress", cls=_MetricGroup)
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
      ict-gis progress switch-off --tech 3G --as-of 2024-12-31
      ict-gis progress 5g --since 2024-01-01 --as-of 2024-12-31 --format md
      ict-gis progress cables --as-of 2024-12-31 --format xlsx -o cables.xlsx
      ict-gis progress switch-off --as-of 2024-12-31 --units communes-2025
    """


@command.command("count")
@click.argument("points", type=click.Path(exists=True, dir_okay=True, path_type=Path))
@layers_argument
@as_of_option
@level_option
@units_option
@click.option(
    "--layer", "points_layer", metavar="NAME", help="Layer of POINTS (default: the first)."
)
@click.option(
    "--batch-rows",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Points read at a time (memory follows the batch, not the file).",
)
@click.option(
    "--by",
    metavar="COLUMN",
    help="Count per value of this column of POINTS too (e.g. radio of an OpenCelliD "
    "export: GSM, UMTS, LTE, NR; or operator): one column per value, then the points.",
)
@format_option(*TABLE_FORMATS)
@lang_option("headers and numbers (table, md, xlsx)")
@output_option
@click.pass_context
def count_command(
    ctx: click.Context,
    points: Path,
    layers: Path | None,
    as_of: dt.date | None,
    level: str | None,
    units: gpd.GeoDataFrame | str | None,
    points_layer: str | None,
    batch_rows: int,
    by: str | None,
    fmt: str,
    lang: str,
    output: Path | None,
) -> None:
    """Count the points of a (large) point file per unit, reading it in batches.

    POINTS is a point layer (GeoPackage, GeoJSON, Shapefile, ...) of any
    size, e.g. a crowdsourced inventory of millions of cells, or a CSV file
    with lon and lat columns (WGS 84) such as an OpenCelliD export, also
    gzipped: it is read
    --batch-rows points at a time, never whole, and each point is placed in
    the units of LAYERS by the same rule as every other table. One row per
    unit, a row "outside" for points outside every unit (or without a point
    geometry; only if there are any), then the total, which is the file's
    number of features. With --by, a column per value of that column.

    \b
    Examples:
      ict-gis progress count cells.gpkg
      ict-gis progress count 452.csv.gz --by radio --units communes-2025
      ict-gis progress count cells.gpkg data/ --level commune --format csv -o counts.csv
    """
    from ict_gis.crosswalk import report_units
    from ict_gis.render.tables import render_table
    from ict_gis.texts import text
    from ict_gis.units import count_points

    refuse_binary_on_terminal(fmt, output)
    layer_set = load_valid_layers(layers)
    chosen = report_units(layer_set, units, as_of=as_of, level=level)
    update, close = progress_bar(ctx, "Count")
    try:
        counts = count_points(
            points,
            chosen,
            layer=points_layer,
            batch_rows=batch_rows,
            # (the bar's total is the file's feature count: not counted when not drawn)
            progress=update if bar_drawn(ctx) else None,
            by=by,
        )
    finally:
        close()
    emit(
        render_table(points_table(counts, chosen), fmt, lang=lang, title=text("points", lang)),
        output,
    )


def points_table(counts: pd.Series | pd.DataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Build the table of ``ict-gis progress count``: name, points; outside (if any), total.

    Counts per value of a column (a frame, see ``count_points(by=...)``)
    give a column per value (``no_value`` for points without one) before
    the points.
    """
    from ict_gis.crosswalk import unit_vintage
    from ict_gis.metrics.progress import OUTSIDE, OUTSIDE_NAME, TOTAL, TOTAL_NAME

    names = units["name"] if "name" in units.columns else pd.Series(dtype=object)
    codes = units["code"] if "code" in units.columns else pd.Series(units.index, index=units.index)
    by_code = dict(zip(codes.astype(str), names.reindex(codes.index), strict=True))
    per_value = counts if isinstance(counts, pd.DataFrame) else counts.to_frame("points")
    per_value = per_value.rename(columns=lambda v: "no_value" if v is None else str(v))
    points = per_value.sum(axis=1)
    rows = [c for c in points.index if c != OUTSIDE]
    if points[OUTSIDE] > 0:
        rows.append(OUTSIDE)
    frame = per_value.reindex(rows).astype("int64")
    frame["points"] = points.reindex(rows).to_numpy(dtype="int64")
    frame.loc[TOTAL] = frame.sum()
    special = {OUTSIDE: OUTSIDE_NAME, TOTAL: TOTAL_NAME}
    frame.insert(0, "name", [special.get(c, by_code.get(c)) for c in frame.index])
    frame.index = pd.Index(list(frame.index), name="code", dtype=object)
    frame.attrs["units_vintage"] = unit_vintage(units)  # CSV/JSON/XLSX: a vintage column
    return frame
