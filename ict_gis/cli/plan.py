"""``ict-gis plan``: where to build new sites, and which towers to share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ict_gis.cli.footprint_options import footprint_model, footprint_options
from ict_gis.cli.options import (
    as_of_option,
    emit,
    format_option,
    given_encoding,
    lang_option,
    layers_argument,
    level_option,
    load_valid_layers,
    note,
    refuse_binary_on_terminal,
)

#: Formats of the tables of ``ict-gis plan``.
TABLE_FORMATS = ("table", "csv", "json", "md", "xlsx")


def _read_points(path: Path | None, what: str):
    """Read a layer given by an option (``None`` when not given), in the ``--encoding``."""
    if path is None:
        return None
    from ict_gis import io

    frame = io.read_layer(path, encoding=given_encoding())
    if not hasattr(frame, "geometry"):
        raise click.BadParameter(f"{path}: {what} must have geometries (points or polygons).")
    return frame


@click.group("plan")
def command() -> None:
    """Advice: new sites to fill the holes of the 2G switch-off, towers to share.

    \b
    Examples:
      ict-gis plan sites --tech 4G --budget 10 --as-of 2024-12-31 -o plan.gpkg
      ict-gis plan sites --budget 5 --towers --operator Viettel -o plan.gpkg
      ict-gis plan sharing --distance 50 -o sharing.gpkg
    """


@command.command("sites")
@layers_argument
@click.option("--tech", default="4G", show_default=True, help="Technology of the new sites.")
@click.option(
    "--budget", type=click.IntRange(min=0), required=True, help="Most new sites to propose."
)
@click.option("--operator", help="Operator of the new sites (with --towers: share the others').")
@click.option(
    "--candidates",
    "candidates_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Points where a site may go (e.g. land the province can offer).",
)
@click.option(
    "--towers",
    is_flag=True,
    help="Candidates: the existing towers (of the other operators with --operator).",
)
@click.option(
    "--grid",
    "grid_m",
    type=click.FloatRange(min=0, min_open=True),
    default=500.0,
    show_default=True,
    help="Candidates every this many metres inside the holes (when no other source is given).",
)
@click.option(
    "--weight",
    type=click.Choice(("population", "area")),
    help="Cover the most people or the most km². [default: population when every unit has it]",
)
@click.option(
    "--min-spacing",
    "min_spacing_m",
    type=click.FloatRange(min=0),
    default=500.0,
    show_default=True,
    help="Two new sites are at least this many metres apart (0: no limit).",
)
@click.option(
    "--exclude",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Polygons where no site may go.",
)
@click.option(
    "--target",
    type=click.Choice(("switch-off", "uncovered")),
    default="switch-off",
    show_default=True,
    help="Fill the holes the 2G switch-off leaves, or every area without --tech.",
)
@click.option(
    "--exact/--no-exact",
    default=None,
    help="Also solve exactly (MILP, HiGHS). [default: up to 500 candidates]",
)
@footprint_options
@as_of_option
@level_option
@format_option(*TABLE_FORMATS)
@lang_option("headers and numbers of the table")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="GeoPackage to write, atomically: layers sites, footprints, holes_before, "
    "holes_after, candidates and the table per_unit.",
)
@click.option(
    "--table",
    "table_output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the sites table to this file instead of standard output.",
)
def sites_command(
    layers: Path | None,
    tech: str,
    budget: int,
    operator: str | None,
    candidates_file: Path | None,
    towers: bool,
    grid_m: float,
    weight: str | None,
    min_spacing_m: float,
    exclude: Path | None,
    target: str,
    exact: bool | None,
    model: str | None,
    radius: dict[str, float],
    config,
    as_of: dt.date | None,
    level: str | None,
    fmt: str,
    lang: str,
    output: Path | None,
    table_output: Path | None,
) -> None:
    """Choose up to --budget new sites that cover the most of the holes.

    By default the holes are the areas the 2G switch-off leaves without any
    service (see `ict-gis gaps`); the candidates are a grid inside them.
    The choice is greedy (maximum coverage, lazy evaluation) and, for small
    cases, exact (a MILP solved by HiGHS); the gap between the two goes to
    stderr. The table lists the sites in order with the km² and people each
    adds; the GeoPackage (-o) also holds the holes before and after.
    """
    from ict_gis import io
    from ict_gis.plan import plan_sites
    from ict_gis.render.tables import render_table

    if towers and candidates_file is not None:
        raise click.UsageError("Give either --towers or --candidates, not both.")
    refuse_binary_on_terminal(fmt, table_output)
    layer_set = load_valid_layers(layers)
    cands = _read_points(candidates_file, "--candidates")
    source = "towers" if towers else (cands if cands is not None else "grid")
    plan = plan_sites(
        layer_set,
        budget=budget,
        tech=tech,
        operator=operator,
        candidates=source,
        grid_m=grid_m,
        weight=weight,
        min_spacing_m=min_spacing_m,
        exclude=_read_points(exclude, "--exclude"),
        target=target,
        as_of=as_of,
        model=footprint_model(model, radius, config),
        level=level,
        exact=exact,
    )
    s = plan.summary
    unit = "people" if s["weight"] == "population" else "km²"
    line = (
        f"{len(plan.sites)} site(s) from {s['candidates']} candidate(s) over {s['cells']} cell(s); "
        f"greedy covers {s['greedy_value']:,.2f} {unit}"
    )
    if "exact_value" in s and s["exact_status"] == "optimal":
        line += (
            f", exact (optimal) {s['exact_value']:,.2f} {unit}, "
            f"greedy gap {s['gap_pct']:.2f} %; proposed: {s['method']}"
        )
    elif "exact_value" in s:
        line += (
            f"; the exact solver stopped ({s['exact_status']}) at {s['exact_value']:,.2f} "
            f"{unit} with a bound of {s['exact_bound']:,.2f}: greedy within "
            f"{s['gap_pct']:.2f} % of the optimum; proposed: {s['method']}"
        )
    note(line + ".")
    if output is not None:
        frames = {**plan.layers(), "per_unit": plan.per_unit.reset_index()}
        io.write_layers(frames, output)
        note(f"Wrote {output}.")
    table = plan.sites.drop(columns="geometry").set_index("rank")
    if fmt == "table":
        table = table.round(3)
    emit(render_table(table, fmt, lang=lang), table_output)
    if fmt == "table" and table_output is None:
        emit(render_table(plan.per_unit.round(3), fmt, lang=lang), None)


@command.command("sharing")
@layers_argument
@click.option(
    "--distance",
    "distance_m",
    type=click.FloatRange(min=0),
    default=50.0,
    show_default=True,
    help="Stations closer than this (m) stand at one tower.",
)
@as_of_option
@level_option
@format_option(*TABLE_FORMATS)
@lang_option("headers and numbers of the table")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="GeoPackage to write, atomically: layers towers, groups and the table per_unit.",
)
@click.option(
    "--table",
    "table_output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the table to this file instead of standard output.",
)
def sharing_command(
    layers: Path | None,
    distance_m: float,
    as_of: dt.date | None,
    level: str | None,
    fmt: str,
    lang: str,
    output: Path | None,
    table_output: Path | None,
) -> None:
    """Co-location groups: stations of different operators within --distance.

    The table gives, per unit, the towers (stations within --distance of one
    another), the groups of two operators or more, the sites sharing would
    have avoided (operators − 1 per group) and the towers of one operator
    that could host more.
    """
    from ict_gis import io
    from ict_gis.plan import plan_sharing
    from ict_gis.render.tables import render_table

    refuse_binary_on_terminal(fmt, table_output)
    layer_set = load_valid_layers(layers)
    sharing = plan_sharing(layer_set, distance_m=distance_m, as_of=as_of, level=level)
    if output is not None:
        io.write_layers(
            {
                "towers": sharing.towers,
                "groups": sharing.groups(),
                "per_unit": sharing.per_unit.reset_index(),
            },
            output,
        )
        note(f"Wrote {output}.")
    emit(render_table(sharing.per_unit, fmt, lang=lang), table_output)
