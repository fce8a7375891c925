"""``ict-gis map``: one self-contained, offline HTML map of a layer set."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from ict_gis.cli.footprint_options import footprint_model, footprint_options
from ict_gis.cli.options import (
    as_of_option,
    emit,
    lang_option,
    layers_argument,
    load_layers,
    note,
    progress_bar,
    units_option,
)
from ict_gis.layerset import LayerSet
from ict_gis.maps import MAP_METRICS, build_map


@click.command("map")
@layers_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (atomically) [default: map.html, or map.png/.pdf/.svg with "
    "--format]; '-' writes to standard output.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "png", "pdf", "svg"]),
    default=None,
    help="html: the interactive page; png, pdf, svg: a static map for a report, drawn "
    "without a browser [default: from the output's suffix, else html].",
)
@click.option(
    "--metric",
    type=click.Choice(list(MAP_METRICS)),
    default=None,
    help="What the administrative units are coloured by "
    "[default: the first of these whose layers are present].",
)
@as_of_option
@units_option
@lang_option("the map's labels")
@click.option(
    "--online-tiles",
    is_flag=True,
    help="Add OpenStreetMap tiles as the base map (needs internet when the map is opened).",
)
@click.option(
    "--classes",
    default="quantiles",
    show_default=True,
    help="Class limits of the colours: quantiles, fisher-jenks, equal-interval (each "
    "optionally with ':N' classes, 2-9; default 5), fixed (20-point classes of a "
    "percentage), or your own upper limits such as '92,93.5'.",
)
@click.option(
    "--title",
    default=None,
    help="Title of the map [default: the metric's name]; the area, date and source follow.",
)
@click.option(
    "--name",
    "data_name",
    default=None,
    metavar="TEXT",
    help="Name of the data, shown as the map's source (e.g. 'Sở TT&TT Hà Nội') "
    "[default: the layer set's name, else its file or folder name].",
)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A site plan (the GeoPackage of `ict-gis plan sites -o`) to draw as layers: the "
    "chosen sites with what each adds (shown), the other candidates, the holes before and "
    "after (switched off), and each unit's figures in its popup.",
)
@click.option(
    "--sharing",
    "sharing_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Towers to share (the GeoPackage of `ict-gis plan sharing -o`): co-location "
    "groups and single-operator towers, as layers switched off at first.",
)
@click.option(
    "--forecast",
    type=click.IntRange(min=1),
    metavar="MONTHS",
    help="Add to each unit's popup when its 2G switch-off will be done at the pace of "
    "the last MONTHS months before --as-of (needs bts_stations and shutdowns_2g).",
)
@footprint_options
def command(
    layers: Path | None,
    output: Path | None,
    fmt: str | None,
    metric: str | None,
    as_of: dt.date | None,
    units: object,
    lang: str,
    online_tiles: bool,
    classes: str,
    title: str | None,
    data_name: str | None,
    plan_file: Path | None,
    sharing_file: Path | None,
    forecast: int | None,
    model: str | None,
    radius: dict[str, float],
    config,
) -> None:
    """Write an interactive map that opens in any browser, with no network.

    The administrative units are coloured by METRIC, with every unit's
    figures in its popup; BTS stations, 2G switch-offs, 5G sites and cable
    routes are layers to switch on and off, with legends, search, a measure
    tool and a month slider. Leaflet and its plugins are inlined, so the one
    file works from a shared folder or an e-mail attachment.

    Coverage footprints, 2G switch-off gaps and each unit's covered share
    (footprints from --model/--radius/--config) are on coverage maps, and on
    every map of at most 20,000 stations.

    With --format png, pdf or svg, the same choropleth is drawn as a static
    map for a report (base map of the units, classes, legend, scale bar,
    north arrow, title and source), with no browser.

    With --units communes-2025 (or a unit layer file) the map is coloured on
    those units instead of the layer set's districts: figures are carried
    across the boundary changes, units the data do not cover are grey (no
    data, never 0), and each unit's popup lists the old units it was formed
    from.

    --plan and --sharing add the outputs of `ict-gis plan sites` and `ict-gis
    plan sharing` as layers (only the chosen sites are shown at first);
    --forecast adds to each unit's popup when its 2G switch-off will be done.

    LAYERS is a folder, a GeoPackage or a single file (default: the bundled
    Nam Định layers). They are validated first: a layer with errors stops the
    command with one message (see `ict-gis validate`); warnings are printed
    on stderr.
    """
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        fmt = suffix if suffix in ("png", "pdf", "svg") else "html"
    if output is None:
        output = Path(f"map.{fmt}")
    extras = {
        "--plan": plan_file,
        "--sharing": sharing_file,
        "--forecast": forecast,
    }
    given = [flag for flag, value in extras.items() if value is not None]
    if given and fmt != "html":
        raise click.UsageError(
            f"{', '.join(given)}: only with the HTML map (not with --format {fmt})."
        )
    layer_set = _valid_layers(layers)
    if data_name:
        layer_set.name = data_name
    plan = _read_gpkg(plan_file) if plan_file is not None else None
    sharing = _read_gpkg(sharing_file) if sharing_file is not None else None
    started = time.perf_counter()
    if fmt != "html":
        # (imported here: matplotlib takes about 1.5 s to import, which the
        # HTML map does not need)
        from ict_gis.charts import figure_bytes
        from ict_gis.render.static_map import static_map

        figure = static_map(
            layer_set,
            metric=metric,
            as_of=as_of,
            lang=lang,
            model=footprint_model(model, radius, config),
            classes=classes,
            title=title,
            units=units,
        )
        data = figure_bytes(figure, format=fmt)
        emit(data, None if str(output) == "-" else output)
        return
    update, close = progress_bar(click.get_current_context(), "Map")
    try:
        page = build_map(
            layer_set,
            metric=metric,
            as_of=as_of,
            lang=lang,
            offline=not online_tiles,
            model=footprint_model(model, radius, config),
            classes=classes,
            title=title,
            units=units,
            plan=plan,
            sharing=sharing,
            forecast=forecast,
            progress=update,
        )
        page = page.get_root().render()
    finally:
        close()
    seconds = time.perf_counter() - started
    if str(output) == "-":
        emit(page, None)
        return
    emit(page, output)
    note(f"Built in {seconds:.1f} s; open {output} in a browser (no internet needed).")


#: Warnings printed before the map is built; ``ict-gis validate`` lists them all.
MAX_WARNINGS = 10


def _valid_layers(path: Path | None) -> LayerSet:
    """Read LAYERS and validate them: errors stop the command, warnings go to stderr.

    Raises
    ------
    click.ClickException
        With one line: how many errors, the first of them, and the command
        that lists them all with their fixes.
    """
    from ict_gis.validate import validate  # imported when needed: keeps --help fast

    layer_set = load_layers(path)
    problems = validate(layer_set)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        first = " ".join(str(errors[0]).split())
        many = f"{len(errors)} errors, the first: " if len(errors) > 1 else "an error: "
        raise click.ClickException(
            f"The layers have {many}{first} Run `ict-gis validate` on them for the full "
            "list with fixes; no map was written."
        )
    warnings = [p for p in problems if p.severity != "error"]
    for problem in warnings[:MAX_WARNINGS]:
        note(" ".join(str(problem).split()))
    if len(warnings) > MAX_WARNINGS:
        note(f"... and {len(warnings) - MAX_WARNINGS} more warning(s): see `ict-gis validate`.")
    return layer_set


def _read_gpkg(path: Path) -> dict[str, object]:
    """Read every layer (and table) of a GeoPackage written by ``ict-gis plan``."""
    from ict_gis import io

    return {name: io.read_layer(path, layer=name) for name in io.list_layers(path)}
