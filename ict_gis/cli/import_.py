"""``ict-gis import``: turn what a department receives into layers.

``ict-gis import opencellid`` reads an OpenCelliD / Mozilla Location Service
export into BTS sites; ``ict-gis import sheet`` reads an operator's list of
stations (Excel or CSV).
"""

from __future__ import annotations

from pathlib import Path

import click

from ict_gis.cli.options import (
    encoding_option,
    given_encoding,
    note,
    parse_crs_text,
    parsed,
    units_value,
)
from ict_gis.errors import ImporterError
from ict_gis.settings import MCC, OPERATORS

_OUTPUT_SUFFIXES = (".gpkg", ".geojson", ".json")
#: A value to show in the hint of ``--set`` for a column a list lacks.
_SET_EXAMPLES = {"status": "on_air", "operator": "Viettel", "technologies": "4G"}


def _output(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    if value.suffix.lower() not in _OUTPUT_SUFFIXES:
        raise click.BadParameter(f"{value}: write a GeoPackage (.gpkg) or GeoJSON (.geojson).")
    return value


def _lacking(file: Path, kind: str, lacking: list[str]) -> str:
    """Return the message for a list without columns every row of ``kind`` needs."""
    from ict_gis.io.sheets import FIELDS

    headers = "; ".join(f"{c}: {FIELDS[c][1][0].capitalize()!r}" for c in lacking)
    options = " ".join(f"--set {c}={_SET_EXAMPLES.get(c, 'VALUE')}" for c in lacking)
    return (
        f"{file}: the list has no column {', '.join(map(repr, lacking))}, which every {kind} "
        f"row needs; nothing written. Add the column ({headers}) or give one value for every "
        f"row: {options}."
    )


def _mnc(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[int, str]:
    """Parse ``--mnc CODE=OPERATOR`` options."""
    out = {}
    for value in values:
        code, sep, name = value.partition("=")
        if not sep or not code.strip().isdigit():
            raise click.BadParameter(f"{value!r} is not CODE=OPERATOR (e.g. 8=VNPT).")
        canon = next((o for o in OPERATORS if o.lower() == name.strip().lower()), None)
        if canon is None:
            raise click.BadParameter(f"{name!r}: use one of {', '.join(OPERATORS)}.")
        out[int(code)] = canon
    return out


def _output_option(func):
    return click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_output,
        help="GeoPackage (.gpkg) or GeoJSON (.geojson) to write, atomically; never an input.",
    )(func)


@click.group("import")
def command() -> None:
    """Import what a department receives: OpenCelliD exports, operators' station lists.

    Each subcommand writes one layer that `ict-gis validate` and the other
    commands read, and reports every row it could not use, with the reason.

    \b
    Examples:
      ict-gis import opencellid 452.csv.gz --units layers/ -o bts_stations.gpkg
      ict-gis import sheet tram_bts.xlsx -o bts_stations.gpkg
    """


@command.command("opencellid")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mcc",
    type=int,
    default=MCC,
    show_default=True,
    help="Country code to keep (for 452 the cells outside Viet Nam's bounds are dropped).",
)
@click.option(
    "--units",
    callback=units_value,
    metavar="VINTAGE|LAYER",
    help="Units whose outside is dropped: a bundled unit layer (districts-2024, "
    "communes-2025) or layers with a districts layer.",
)
@click.option(
    "--site-distance",
    type=click.FloatRange(min=2),
    default=50.0,
    show_default=True,
    help="Metres within which cells of one operator are one site (LTE: one eNB is one site).",
)
@click.option(
    "--min-samples", type=int, default=2, show_default=True, help="Fewest samples of a cell."
)
@click.option(
    "--max-range",
    type=click.FloatRange(min=0),
    default=35_000.0,
    show_default=True,
    help="Largest credible range of a cell, in metres.",
)
@click.option("--seen-since", metavar="YYYY-MM-DD", help="Drop cells not updated since this date.")
@click.option(
    "--mnc",
    "mnc",
    multiple=True,
    callback=_mnc,
    metavar="CODE=OPERATOR",
    help="Add or change a network code (default 01 MobiFone, 02 VNPT, 04 Viettel, "
    "05 Vietnamobile, 07 Gmobile); repeatable.",
)
@_output_option
def opencellid(
    file: Path,
    mcc: int,
    units: object,
    site_distance: float,
    min_samples: int,
    max_range: float,
    seen_since: str | None,
    mnc: dict[int, str],
    output: Path,
) -> None:
    """Read an OpenCelliD / Mozilla Location Service export (CSV, .gz) as BTS sites.

    Keeps the cells of --mcc in the country's bounds (and the --units
    polygons), groups them into sites (LTE: one eNB per site; other cells
    join the nearest LTE site of their operator within --site-distance, else
    are grouped by distance), merges their technologies, and writes a
    bts_stations layer (status on_air, dates from the cells' `created`).
    Every row not used is counted by reason on stderr. The file is streamed:
    the worldwide dump needs no more memory than a country's.

    \b
    Examples:
      ict-gis import opencellid cell_towers.csv.gz -o bts_stations.gpkg
      ict-gis import opencellid 452.csv --units layers/ --mnc 8=VNPT -o bts.geojson
      ict-gis import opencellid 452.csv.gz --units communes-2025 -o bts_stations.gpkg
    """
    from ict_gis import io
    from ict_gis.settings import MNC, VIETNAM_BOUNDS

    within = None
    if units is not None:
        within = _outline(units)
    sites, report = io.read_opencellid(
        file,
        mcc=mcc,
        operators={**MNC, **mnc},
        # Viet Nam's bounds for its code; another country: only --units, if given.
        bounds=VIETNAM_BOUNDS if mcc == MCC else None,
        within=within,
        min_samples=min_samples,
        max_range=max_range,
        site_distance=site_distance,
        seen_since=seen_since,
    )
    io.write_layer(sites, output, layer="bts_stations")
    note(str(report))
    note(f"Wrote {output}: {len(sites):,} site(s) (layer bts_stations).")


def _outline(units: object):
    """Return the union of the unit polygons (a bundled layer's name or a frame), in EPSG:4326."""
    import shapely

    if isinstance(units, str):
        from ict_gis.layerset import bundled_units

        units = bundled_units(units)
    if units.crs is None:
        raise click.BadParameter("the units have no CRS.", param_hint="'--units'")
    geoms = units.to_crs("EPSG:4326").geometry.dropna().to_numpy()
    return shapely.union_all(shapely.make_valid(geoms))


@command.command("sheet")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(("bts_stations", "sites_5g", "shutdowns_2g", "shutdowns_3g")),
    default="bts_stations",
    show_default=True,
    help="Layer kind of the list.",
)
@click.option(
    "--columns",
    metavar="'COLUMN=HEADER,...'",
    help="Headers of columns not recognised by themselves, e.g. 'site_id=Mã CSHT,lon=X'.",
)
@click.option(
    "--sheet", "sheets", multiple=True, help="Only this sheet of a workbook (repeatable)."
)
@click.option(
    "--crs",
    callback=parsed(parse_crs_text),
    metavar="CRS",
    help="Coordinate system of the list: needed for X/Y in metres (VN-2000 UTM 48N: 3405; "
    "a province's TM-3 zone: 9205-9218); for degrees, VN-2000 (else WGS 84).",
)
@click.option(
    "--set",
    "fill",
    multiple=True,
    metavar="COLUMN=VALUE",
    help="A value for every row whose list has no such column or leaves the cell empty, "
    "read as a cell is (repeatable): e.g. --set status=on_air --set operator=Viettel for an "
    "operator's list of its own stations on air.",
)
@encoding_option
@_output_option
def sheet(
    file: Path,
    kind: str,
    columns: str | None,
    sheets: tuple[str, ...],
    crs: object,
    fill: tuple[str, ...],
    output: Path,
) -> None:
    """Read an operator's list of stations (.xlsx or .csv) as a layer.

    Recognises Vietnamese headers (Mã trạm, Tên trạm, Kinh độ, Vĩ độ, Doanh
    nghiệp / Nhà mạng, Công nghệ, Độ cao, Trạng thái, Ngày phát sóng, Địa
    chỉ, ...) with or without diacritics, coordinates in decimal degrees
    (point or comma) or degrees-minutes-seconds, both in one "Tọa độ" cell
    as a web map copies them, or X/Y in metres with --crs (VN-2000; X and Y
    in either order), headers on two rows, dates dd/mm/yyyy, every sheet
    of a workbook, and CSV as Vietnamese Excel writes it (';', decimal
    commas, Windows-1258 or UTF-8; also TCVN3 or VNI text, detected, or
    named with --encoding). Title, total ("Tổng cộng") and signature rows
    are skipped and listed. Lists every row not imported and every value
    left empty, with sheet, row and reason, on stderr. A list without a
    column every station needs (an operator's own list has no operator,
    often no status) is refused unless --set gives one value for all rows.

    Exit status: 0 when every row was imported whole, 1 when some row or
    value could not be converted (the rest is written), 2 on usage errors.

    \b
    Examples:
      ict-gis import sheet tram_bts_2024.xlsx -o bts_stations.gpkg
      ict-gis import sheet ds_tram.csv --columns 'site_id=Mã CSHT' -o bts.geojson
      ict-gis import sheet tram_vn2000.xlsx --crs 9209 -o bts_stations.gpkg
      ict-gis import sheet tram_viettel.xlsx --set operator=Viettel \\
          --set status=on_air -o bts_stations.gpkg
    """
    from ict_gis import io
    from ict_gis.schema import coerce, schema_for

    stations, report = io.read_sheet(
        file,
        kind=kind,
        columns=columns,
        sheets=list(sheets) or None,
        encoding=given_encoding(),
        crs=crs,
        fill=",".join(fill) or None,
    )
    lacking = [
        c.name
        for c in schema_for(kind).columns
        if c.required and not c.nullable and c.name not in stations.columns
    ]
    if lacking:
        raise ImporterError(_lacking(file, kind, lacking))
    # A column the list does not have, and that may be empty, is unknown: empty.
    absent = [
        c.name
        for c in schema_for(kind).columns
        if c.required and c.nullable and c.name not in stations.columns
    ]
    for name in absent:
        stations[name] = None
    typed, problems = coerce(kind, stations, layer=kind)
    io.write_layer(typed, output, layer=kind)
    note(str(report))
    if absent:
        note(f"Not in the list, left empty: {', '.join(absent)}.")
    for problem in problems:
        if problem.column in ("name", "address") and problem.severity == "warning":
            continue  # kept on purpose: the station's name and address
        note(str(problem))
    note(f"Wrote {output}: {len(typed):,} row(s) (layer {kind}).")
    if report.problems or any(p.severity == "error" for p in problems):
        click.get_current_context().exit(1)
