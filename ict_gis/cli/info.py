"""``ict-gis info``: what is in a layer set."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ict_gis.cli.options import format_option, kind_option, layers_argument, load_layers


@click.command("info")
@layers_argument
@kind_option
@format_option("text", "json")
def command(layers: Path | None, kind: str | None, fmt: str) -> None:
    """Each layer: feature count, geometry type, CRS and bounds.

    LAYERS is a folder, a GeoPackage or a single file (default: the bundled
    Nam Định layers).
    """
    layer_set = load_layers(layers, kind)
    summary = layer_set.summary()
    if fmt == "json":
        records = [
            {"layer": name, **{k: (None if v != v else v) for k, v in row.items()}}
            for name, row in summary.astype(object).iterrows()
        ]
        click.echo(json.dumps(records, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"Layers in {layer_set.source}")
    width = max(len(name) for name in summary.index)
    for name, row in summary.iterrows():
        line = f"  {name:<{width}}  {row.features:>7,} {row.geometry or 'table':<22}"
        if row.crs:
            line += f" {row.crs:<10}"
        if row.min_x == row.min_x and row.min_x is not None:  # not NaN
            line += f" [{row.min_x:.4f}, {row.min_y:.4f}, {row.max_x:.4f}, {row.max_y:.4f}]"
        click.echo(line.rstrip())
