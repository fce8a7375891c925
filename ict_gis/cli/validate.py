"""``ict-gis validate``: check layers and list every problem with its fix."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ict_gis.cli.options import format_option, kind_option, layers_argument, load_layers
from ict_gis.validate import format_problems, validate


@click.command("validate")
@layers_argument
@kind_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 on any problem).")
@format_option("text", "json")
@click.pass_context
def command(
    ctx: click.Context, layers: Path | None, kind: str | None, strict: bool, fmt: str
) -> None:
    """Check LAYERS and list every problem: layer, feature id, column, what is wrong, the fix.

    Checks columns and their types, allowed values (operator, technology,
    status), duplicate ids, missing/empty/invalid geometries, geometry types,
    the CRS, swapped or projected coordinates, features outside the districts,
    references between layers and dates that disagree. Nothing is repaired;
    for invalid geometries see ict_gis.repair in Python (it returns the
    repaired layers and the list of what changed).

    Exit status: 0 when there is no error (warnings are listed), 1 when there
    are errors (with --strict: any problem), 2 when LAYERS cannot be read.
    """
    layer_set = load_layers(layers, kind)
    problems = validate(layer_set, strict=strict)
    if fmt == "json":
        click.echo(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        click.echo(format_problems(problems, n_layers=len(layer_set)))
    if any(p.severity == "error" for p in problems):
        ctx.exit(1)
