"""``ict-gis gaps``: the areas that lose every service when a technology is switched off."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ict_gis.cli.footprint_options import footprint_model, footprint_options
from ict_gis.cli.options import (
    as_of_option,
    layers_argument,
    level_option,
    load_valid_layers,
    progress_bar,
    units_option,
)


@click.command("gaps")
@layers_argument
@click.option(
    "--switch-off",
    "switch_off",
    type=click.Choice(("2G", "3G")),
    default="2G",
    show_default=True,
    help="The technology being switched off.",
)
@footprint_options
@as_of_option
@level_option
@units_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("gaps.gpkg"),
    show_default=True,
    help="GeoPackage (or .geojson) to write, atomically: one layer 'gaps'.",
)
@click.pass_context
def command(
    ctx: click.Context,
    layers: Path | None,
    switch_off: str,
    model: str | None,
    radius: dict[str, float],
    config,
    as_of: dt.date | None,
    level: str | None,
    units: object,
    output: Path,
) -> None:
    """Polygons served by a technology and by no newer one, per unit.

    Writes one polygon layer 'gaps' with the unit code and name, the scenario
    and the area in km²: 'before' (every station on air on --as-of, as if
    nothing had been switched off), 'after' (after the switch-offs listed up
    to --as-of: what goes dark when the remaining stations are switched off
    too) and 'lost' (served before, and by no technology after: already
    dark). A summary per unit goes to stderr.

    \b
    Examples:
      ict-gis gaps --switch-off 2G --as-of 2024-12-31 -o gaps.gpkg
      ict-gis gaps --radius 2G=5000 --radius 4G=1500 -o gaps.gpkg
      ict-gis gaps --units communes-2025 -o gaps-communes.gpkg
    """
    from ict_gis import io
    from ict_gis.metrics.coverage import switch_off_gaps

    layer_set = load_valid_layers(layers)
    if units is not None:
        from ict_gis.crosswalk import report_units

        units = report_units(layer_set, units, as_of=as_of, level=level)
    update, close = progress_bar(ctx, "Gaps")
    try:
        gaps = switch_off_gaps(
            layer_set,
            tech=switch_off,
            as_of=as_of,
            model=footprint_model(model, radius, config),
            level=level,
            units=units,
            progress=update,
        )
    finally:
        close()
    io.write_layers({"gaps": gaps}, output)
    if not (ctx.obj or {}).get("quiet"):
        click.echo(_unit_summary(gaps), err=True, nl=False)
        summary = gaps.groupby("scenario", sort=False)["area_km2"].sum()
        parts = ", ".join(f"{name} {value:,.2f} km²" for name, value in summary.items())
        click.echo(
            f"Wrote {output}: {len(gaps)} gap polygon(s) in {gaps['code'].nunique()} unit(s)"
            + (f" ({parts})." if parts else "."),
            err=True,
        )


def _unit_summary(gaps) -> str:
    """One line per unit: its code, name and the km² of each scenario (the help's summary)."""
    if not len(gaps):
        return ""
    table = gaps.pivot_table(
        index=["code", "name"],
        columns="scenario",
        values="area_km2",
        aggfunc="sum",
        sort=False,
        dropna=False,
    ).fillna(0.0)
    order = [s for s in ("before", "after", "lost") if s in table.columns]
    table = table[order + [c for c in table.columns if c not in order]]
    width = max(len(str(name)) for _, name in table.index)
    head = f"{'code':<8} {'unit':<{width}} " + " ".join(f"{c + ' km²':>12}" for c in table.columns)
    lines = [head]
    for (code, name), row in table.iterrows():
        cells = " ".join(f"{value:>12,.2f}" for value in row)
        lines.append(f"{code!s:<8} {name!s:<{width}} {cells}")
    return "\n".join(lines) + "\n"
