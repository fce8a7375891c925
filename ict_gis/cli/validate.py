"""``ict-gis validate``: check layers and list every problem with its fix."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ict_gis.cli.options import checking_bar, format_option, layers_argument, load_layers


@click.command("validate")
@layers_argument
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 on any problem).")
@format_option("text", "json")
@click.option(
    "--max-problems",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="List at most N problems per layer (errors first), then a count of the rest; 0: all.",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Write a repaired copy of the layers (invalid geometries made valid) to -o FOLDER.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --fix: the folder for the repaired copy and its report (never the input).",
)
@click.pass_context
def command(
    ctx: click.Context,
    layers: Path | None,
    strict: bool,
    fmt: str,
    max_problems: int,
    fix: bool,
    output: Path | None,
) -> None:
    """Check LAYERS and list every problem: layer, feature id, column, what is wrong, the fix.

    Checks columns and their types, allowed values (operator, technology,
    status), duplicate ids, missing/empty/invalid geometries, geometry types,
    the CRS, swapped or projected coordinates, features outside the districts,
    overlaps and gaps between units (largest first), units that become
    invalid once projected to metres, references between layers and dates
    that disagree. Nothing is repaired unless --fix is given: then a repaired
    copy of every layer is written to -o FOLDER (never over the input) with
    a report, repair-report.txt.

    Exit status: 0 when there is no error (warnings are listed), 1 when there
    are errors (with --strict: any problem), 2 when LAYERS cannot be read.
    """
    if fix and output is None:
        raise click.UsageError("--fix writes a repaired copy: give its folder with -o FOLDER.")
    if output is not None and not fix:
        raise click.UsageError("-o FOLDER is for the repaired copy of --fix.")
    import geopandas as gpd

    from ict_gis import io
    from ict_gis.validate import format_problems, repair, validate

    layer_set = load_layers(layers)
    update, close = checking_bar(layer_set)
    try:
        problems = validate(layer_set, strict=strict, progress=update)
    finally:
        close()
    limit = max_problems or None
    if fmt == "json":
        click.echo(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        click.echo(format_problems(problems, n_layers=len(layer_set), max_problems=limit))
    if fix:
        repaired, changes = repair(layer_set)
        if layers is not None and output.resolve() == Path(layers).resolve():
            raise click.UsageError("-o FOLDER must not be the input: the input is never changed.")
        output.mkdir(parents=True, exist_ok=True)
        for name in repaired:
            frame = repaired[name]
            # GeoPackage keeps full precision: a repair is not undone by rounding.
            suffix = ".gpkg" if isinstance(frame, gpd.GeoDataFrame) else ".csv"
            io.write_layer(frame, output / f"{name}{suffix}")
        report = (
            format_problems(changes, n_layers=len(repaired)) if changes else "Nothing to repair."
        )
        io.write_text(report + "\n", output / "repair-report.txt")
        click.echo(
            f"Wrote the repaired copy to {output} ({len(changes)} change(s), see "
            f"{output / 'repair-report.txt'}).",
            err=True,
        )
    if any(p.severity == "error" for p in problems):
        ctx.exit(1)
