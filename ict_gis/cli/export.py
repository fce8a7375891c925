"""``ict-gis export``: copy a layer set into a PostGIS schema (or a GeoPackage)."""

from __future__ import annotations

from pathlib import Path

import click

from ict_gis.cli.options import (
    LayersParam,
    encoding_option,
    kind_option,
    load_valid_layers,
    note,
)


@click.command("export")
@click.argument("layers", type=LayersParam())
@encoding_option
@kind_option
@click.argument("destination")
@click.option(
    "--replace",
    is_flag=True,
    help="Replace tables of the same names that exist already in the schema.",
)
def command(layers: Path | str, destination: str, replace: bool) -> None:
    """Write the layers of LAYERS, checked, into DESTINATION.

    LAYERS is a folder of layer files, a GeoPackage, one file or a PostGIS
    URL. DESTINATION is a PostGIS schema,
    postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[/SCHEMA] (schema
    "public" when omitted; created when missing), where each layer becomes a
    table named after its kind, or a .gpkg file. Every command then reads
    the layers from there: pass the same URL as LAYERS. The layers are
    checked first (as by `ict-gis validate`); the tables are written in one
    transaction, so a failed export leaves the schema as it was.

    \b
    Examples:
      ict-gis export layers/ postgresql://gis@db.local/ict/nam_dinh
      ict-gis report postgresql://gis@db.local/ict/nam_dinh --year 2024
      ict-gis export postgresql://gis@db.local/ict/nam_dinh copy.gpkg
    """
    from ict_gis import io
    from ict_gis.io import postgis

    layer_set = load_valid_layers(layers)
    frames = dict(layer_set.items())
    if postgis.is_url(destination):
        tables = postgis.write_layers(frames, destination, replace=replace)
        shown = postgis.parse_url(destination).shown
        note(f"Wrote {len(tables)} tables to {shown}: {', '.join(tables)}.")
        return
    path = Path(destination)
    if path.suffix.lower() != ".gpkg":
        raise click.BadParameter(
            "write to a postgresql:// URL or a .gpkg file.", param_hint="'DESTINATION'"
        )
    if path.exists() and not replace:
        raise click.BadParameter(
            f"{path} exists already; pass --replace to overwrite it.", param_hint="'DESTINATION'"
        )
    io.write_layers(frames, path)
    note(f"Wrote {len(frames)} layers to {path}: {', '.join(frames)}.")
