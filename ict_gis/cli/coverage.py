"""``ict-gis coverage``: covered area and population per unit, technology and operator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ict_gis.cli.footprint_options import (
    engine_option,
    footprint_model,
    footprint_options,
    mode_option,
)
from ict_gis.cli.options import (
    as_of_option,
    emit,
    format_option,
    lang_option,
    layers_argument,
    level_option,
    load_valid_layers,
    note,
    progress_bar,
    refuse_binary_on_terminal,
    units_option,
)
from ict_gis.cli.plot_option import plot_option, write_plot
from ict_gis.settings import DEFAULT_TECH, TECHNOLOGIES

#: Output formats of ``ict-gis coverage``.
FORMATS = ("table", "csv", "json", "md", "xlsx", "gpkg")


def labels(lang: str) -> dict[str, str]:
    """Headers of the coverage columns in ``lang`` (``vi`` or ``en``)."""
    from ict_gis.render.tables import coverage_labels

    return coverage_labels(lang)


def _techs(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    from ict_gis.schema import split_list

    items = [t.strip().upper() for t in split_list(value)]
    unknown = [t for t in items if t not in TECHNOLOGIES]
    if unknown or not items:
        raise click.BadParameter(
            f"{value!r}: use technologies from {', '.join(TECHNOLOGIES)}, comma separated."
        )
    return items


def _operators(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]):
    if not values:
        return None
    from ict_gis.schema import split_list
    from ict_gis.settings import OPERATOR_ALIASES, OPERATORS

    items = [item for value in values for item in split_list(value)]
    known = {o.lower() for o in OPERATORS} | set(OPERATOR_ALIASES) | {"any", "all"}
    unknown = [item for item in items if item.strip().lower() not in known]
    if unknown:
        raise click.BadParameter(
            f"unknown operator(s) {', '.join(map(repr, unknown))}; use {', '.join(OPERATORS)}, "
            "'any' or 'all'."
        )
    return items


def _output(ctx: click.Context, param: click.Parameter, value: str | None):
    """``-o``: a PostGIS table URL kept as text, anything else a file path."""
    from ict_gis.io import postgis

    if value is None or postgis.is_url(value):
        return value
    return click.Path(dir_okay=False, path_type=Path).convert(value, param, ctx)


@click.command("coverage")
@layers_argument
@click.option(
    "--tech",
    callback=_techs,
    default=DEFAULT_TECH,
    show_default=True,
    metavar="2G,4G,5G",
    help="Technologies, comma separated (--tech 2G,4G,5G for all); the default is the "
    "Python function's (ict_gis.coverage).",
)
@click.option(
    "--operator",
    "operator",
    multiple=True,
    callback=_operators,
    help="Operators to report (repeatable or comma separated), and/or 'any' (covered by "
    "at least one) and 'all' (covered by every one). [default: each operator, any, all]",
)
@footprint_options
@mode_option
@engine_option
@as_of_option
@level_option
@units_option
@format_option(*FORMATS)
@lang_option("headers and numbers (table, md, xlsx)")
@click.option(
    "-o",
    "--output",
    callback=_output,
    metavar="FILE|postgresql://…/TABLE",
    help="Write to this file (atomically) instead of standard output, or to a PostGIS "
    "table: postgresql://USER@HOST:PORT/DATABASE[/SCHEMA]/TABLE (one row per unit, "
    "technology and operator; --replace to overwrite).",
)
@click.option(
    "--replace", is_flag=True, help="Replace the PostGIS table given with -o if it exists."
)
@click.option(
    "--scheduler",
    metavar="threads|processes|tcp://HOST:PORT",
    help="Run the coverage on dask, units partitioned spatially: local threads, local "
    "processes, or the dask.distributed cluster at this address (the 'dask' extra).",
)
@plot_option
@click.pass_context
def command(
    ctx: click.Context,
    layers: Path | None,
    tech: list[str] | None,
    operator: list[str] | None,
    model: str | None,
    radius: dict[str, float],
    config,
    mode: str,
    engine: str | None,
    as_of: dt.date | None,
    level: str | None,
    units: object,
    fmt: str,
    lang: str,
    output: Path | str | None,
    replace: bool,
    scheduler: str | None,
    plot: Path | None,
) -> None:
    """Covered area and population per unit, technology and operator.

    For each administrative unit (then the province total, code "total"):
    area (km²), area covered by the footprints of the stations on air on
    --as-of (km² and %), and the population covered when the units have a
    population. Rows for each operator, for "any" (at least one operator)
    and "all" (every operator with stations of that technology). Stations
    switched off (shutdowns_2g) up to --as-of no longer radiate 2G.

    The defaults are those of the Python function ict_gis.coverage(): 4G
    (--tech 2G,4G,5G for every technology), each operator with any and all,
    exact mode, the circle footprint model, today's date, the districts
    layer.

    \b
    Examples:
      ict-gis coverage --tech 4G --as-of 2024-12-31
      ict-gis coverage --tech 2G,4G --operator any --format csv -o coverage.csv
      ict-gis coverage --model hata --radius 4G:urban=900 --format md
      ict-gis coverage --mode fast --tech 2G,4G,5G
      ict-gis coverage --engine polygons   # the reference engine
      ict-gis coverage --format gpkg -o coverage.gpkg   # for QGIS
      ict-gis coverage --tech 4G --units communes-2025   # with population_pct
      ict-gis coverage --scheduler processes   # partitioned, on dask
      ict-gis coverage postgresql://gis@db/ict/nam_dinh -o postgresql://gis@db/ict/out/cov
    """
    from ict_gis.io import postgis
    from ict_gis.metrics.coverage import coverage

    to_db = postgis.is_url(output)
    if fmt == "gpkg" and output is None:
        raise click.UsageError(
            "--format gpkg writes a GeoPackage: give the file with -o FILE.gpkg."
        )
    if not to_db:
        refuse_binary_on_terminal(fmt, output)
    layer_set = load_valid_layers(layers)
    if units is not None:
        if fmt == "gpkg":
            raise click.UsageError("--units cannot be used with --format gpkg yet.")
        from ict_gis.crosswalk import report_units

        units = report_units(layer_set, units, as_of=as_of, level=level)
    fp_model = footprint_model(model, radius, config)
    techs = tech or [DEFAULT_TECH]
    update, close = progress_bar(ctx, "Coverage")
    try:
        table = coverage(
            layer_set,
            tech=techs,
            operator=operator,
            model=fp_model,
            as_of=as_of,
            mode=mode,
            engine=engine,
            level=level,
            units=units,
            progress=update,
            scheduler=scheduler,
        )
    finally:
        close()
    if units is not None:  # units of another vintage: no data is not 0
        from ict_gis.crosswalk import coverage_with_data

        table = coverage_with_data(table, units)
    if to_db:
        note(f"Wrote {len(table)} rows to {postgis.write_table(table, output, replace=replace)}.")
        write_plot(table, plot, lang=lang)
        return
    if fmt == "gpkg":
        _write_gpkg(layer_set, table, output, techs, operator, fp_model, as_of, level)
        write_plot(table, plot, lang=lang)
        return
    from ict_gis.render.tables import render_table

    vi = lang == "vi"
    title = "Phủ sóng" if vi else "Coverage"
    if as_of is not None:
        title += f" ({'đến ngày' if vi else 'as of'} {as_of:%Y-%m-%d})"
    emit(render_table(table, fmt, lang=lang, title=title, labels=labels(lang)), output)
    write_plot(table, plot, lang=lang)


def _write_gpkg(layer_set, table, output, techs, operator, model, as_of, level) -> None:
    """Write the units with their coverage rows, and the footprints, to a GeoPackage."""
    from ict_gis.render.tables import write_coverage_gpkg

    write_coverage_gpkg(
        layer_set,
        table,
        output,
        tech=techs,
        operator=operator,
        model=model,
        as_of=as_of,
        level=level,
    )
    click.echo(f"Wrote {output} ({output.stat().st_size:,} bytes).", err=True)
