"""``ict-gis info``: what is in a layer set, or in a file the tool wrote."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ict_gis.cli.options import format_option, given_kind, layers_argument, load_layers

if TYPE_CHECKING:
    import pandas as pd

#: The outputs of ict-gis, told by their layers: (layers they have, the command that writes them).
OUTPUTS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"coverage", "coverage_total"}), "ict-gis coverage --format gpkg -o FILE"),
    (frozenset({"gaps"}), "ict-gis gaps -o FILE"),
    (frozenset({"sites", "holes_before", "holes_after"}), "ict-gis plan sites -o FILE"),
    (frozenset({"towers", "groups"}), "ict-gis plan sharing -o FILE"),
)

#: Outputs that are documents, not layers: file suffix -> what they are.
DOCUMENTS: dict[str, str] = {
    ".html": "an HTML page (ict-gis map)",
    ".png": "an image (PNG, ict-gis map --format png)",
    ".pdf": "a PDF document (ict-gis map --format pdf)",
    ".svg": "an SVG drawing (ict-gis map --format svg)",
    ".md": "a Markdown document",
    ".txt": "a text document",
}

#: Keys of the bounds in a record of ``--format json``.
BOUNDS = ("min_x", "min_y", "max_x", "max_y")


def what_file(path: Path, layers: list[str]) -> str:
    """Say what a file that is not a layer set is: which command wrote it, or its format.

    Examples
    --------
    >>> what_file(Path("plan.gpkg"), ["sites", "holes_before", "holes_after", "per_unit"])
    'the output of ict-gis plan sites -o FILE'
    >>> what_file(Path("table.xlsx"), ["Sheet1", "Sheet2"])
    'a workbook (XLSX) with 2 sheets'
    """
    names = set(layers)
    for wanted, command in OUTPUTS:
        if wanted <= names:
            return f"the output of {command}"
    suffix = path.suffix.lower()
    if suffix == ".json" and layers == [path.stem]:
        return "a JSON document"
    if suffix == ".xlsx":
        return f"a workbook (XLSX) with {len(layers)} sheet{'s' * (len(layers) != 1)}"
    if suffix == ".csv":
        return "a table (CSV)"
    return f"a file with {len(layers)} layer{'s' * (len(layers) != 1)}, none a layer kind"


@contextmanager
def _xlsx_headers() -> Iterator[None]:
    """Read the first row of every sheet as its header, as ict-gis writes them.

    (GDAL otherwise guesses, and takes the header of an all-text sheet for a row.)
    """
    before = os.environ.get("OGR_XLSX_HEADERS")
    os.environ["OGR_XLSX_HEADERS"] = "FORCE"
    try:
        yield
    finally:
        if before is None:
            del os.environ["OGR_XLSX_HEADERS"]
        else:
            os.environ["OGR_XLSX_HEADERS"] = before


def describe_file(path: Path) -> list[dict[str, object]]:
    """One record per layer (or sheet) of a file: rows, columns, geometry, CRS, bounds.

    Raises
    ------
    ict_gis.errors.LayerReadError
        If the file cannot be read as vector layers or tables.
    """
    import geopandas as gpd

    from ict_gis import io

    records = []
    single = path.suffix.lower() in io.TABLE_SUFFIXES
    with _xlsx_headers():
        frames = {
            name: io.read_layer(path, layer=None if single else name)
            for name in io.list_layers(path)
        }
    for name, frame in frames.items():
        record: dict[str, object] = {"layer": name, "features": len(frame)}
        record.update({"geometry": "table", "crs": ""}, **dict.fromkeys(BOUNDS))
        columns = [str(c) for c in frame.columns]
        if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
            columns.remove(frame.geometry.name)
            record["geometry"] = "/".join(sorted(frame.geom_type.dropna().unique())) or "none"
            record["crs"] = frame.crs.to_string() if frame.crs else "none"
            if len(frame) and frame.geometry.notna().any():
                record.update(zip(BOUNDS, (float(b) for b in frame.total_bounds), strict=True))
        record["columns"] = columns
        records.append(record)
    return records


def describe_json(path: Path) -> list[dict[str, object]]:
    """One record for a JSON output: a list of rows (its columns), or an object (its keys).

    Raises
    ------
    ict_gis.errors.LayerReadError
        If the file is not JSON.
    """
    from ict_gis import io
    from ict_gis.errors import LayerReadError

    try:
        data = json.loads(io.read_text(path))
    except json.JSONDecodeError as exc:
        raise LayerReadError(f"{path}: not JSON ({exc}).") from None
    record: dict[str, object] = {"layer": path.stem, "geometry": "table", "crs": ""}
    record.update(dict.fromkeys(BOUNDS))
    if isinstance(data, list):
        keys = dict.fromkeys(k for row in data if isinstance(row, dict) for k in row)
        record.update(features=len(data), columns=list(keys))
    elif isinstance(data, dict):
        record.update(features=1, geometry="object", columns=list(data))
    else:
        record.update(features=1, geometry="value", columns=[])
    return [record]


def _show_document(path: Path, fmt: str) -> None:
    what, size = DOCUMENTS[path.suffix.lower()], path.stat().st_size
    if fmt == "json":
        out = {"file": str(path), "what": what, "bytes": size}
        click.echo(json.dumps([out], ensure_ascii=False, indent=2))
        return
    click.echo(f"{path}: not a layer set; {what}, {size:,} bytes.")


def _line(name: str, width: int, row: dict[str, object] | pd.Series) -> str:
    line = f"  {name:<{width}}  {row['features']:>7,} {row['geometry'] or 'table':<22}"
    if row["crs"]:
        line += f" {row['crs']:<10}"
    if row["min_x"] is not None and row["min_x"] == row["min_x"]:  # not NaN
        line += f" [{row['min_x']:.4f}, {row['min_y']:.4f}, {row['max_x']:.4f}, {row['max_y']:.4f}]"
    return line.rstrip()


def _show_file(path: Path, fmt: str, records: list[dict[str, object]]) -> None:
    what = what_file(path, [str(r["layer"]) for r in records])
    if fmt == "json":
        out = [{**r, "file": str(path), "what": what} for r in records]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"{path}: not a layer set; {what}.")
    width = max(len(str(r["layer"])) for r in records)
    for record in records:
        click.echo(_line(str(record["layer"]), width, record))
        columns = ", ".join(map(str, record["columns"]))
        click.echo(f"  {'':<{width}}  columns: {columns}")


@click.command("info")
@layers_argument
@format_option("text", "json")
def command(layers: Path | None, fmt: str) -> None:
    """Each layer: feature count, geometry type, CRS and bounds.

    LAYERS is a folder, a GeoPackage or a single file (default: the bundled
    Nam Định layers). A file the tool wrote (the GeoPackages of coverage,
    gaps, plan sites and plan sharing; CSV, XLSX and JSON tables; maps and
    documents) is described as it is: what it is, and each layer or sheet
    with its rows, columns, geometry type, CRS and bounds.
    """
    try:
        layer_set = load_layers(layers)
    except click.BadParameter as exc:
        if layers is None or given_kind() is not None or not Path(layers).is_file():
            raise
        path = Path(layers)
        if path.suffix.lower() in DOCUMENTS:
            _show_document(path, fmt)
            return
        from ict_gis.errors import IctGisError

        try:
            records = describe_file(path)
        except IctGisError:
            if path.suffix.lower() != ".json":
                raise exc from None
            try:
                records = describe_json(path)
            except IctGisError:
                raise exc from None
        if not records:
            raise
        _show_file(path, fmt, records)
        return
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
        click.echo(_line(str(name), width, row))
