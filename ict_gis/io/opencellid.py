"""Read an OpenCelliD (or Mozilla Location Service) cell export as BTS sites.

The export is a CSV file, often gzipped, with one row per cell::

    radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal

with or without that header (OpenCelliD's full dumps have none). The
worldwide file has tens of millions of rows, so it is streamed: pyarrow's CSV
reader yields batches, each batch is filtered with array operations (country
code, radio, bounds, noise) and reduced to small per-site aggregates, and
only those aggregates stay in memory.

Cells become sites by one rule (see :func:`read_opencellid`), every row that
is not used is counted under the first reason that applies, and the report
adds up: rows read = cells kept + rows dropped.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import shapely

from ict_gis.errors import ImporterError, LayerReadError
from ict_gis.io.files import _check_exists, _remember_input
from ict_gis.settings import MCC, MNC, OPERATORS, TECHNOLOGIES, VIETNAM_BOUNDS

#: The columns of an OpenCelliD / Mozilla Location Service export, in order.
OPENCELLID_COLUMNS: tuple[str, ...] = (
    "radio",
    "mcc",
    "net",
    "area",
    "cell",
    "unit",
    "lon",
    "lat",
    "range",
    "samples",
    "changeable",
    "created",
    "updated",
    "averageSignal",
)

#: Radio (as written in the export) -> technology.
RADIO_TECHNOLOGY: dict[str, str] = {"GSM": "2G", "UMTS": "3G", "LTE": "4G", "NR": "5G"}

_INTS = ("mcc", "net", "area", "cell", "range", "samples", "created", "updated")
_FLOATS = ("lon", "lat")
_USED = ("radio", *_INTS, *_FLOATS)

#: Reasons a row is not used, in the order they are tested (a row counts under the first).
REASONS: dict[str, str] = {
    "malformed": "malformed line (wrong number of fields)",
    "other_mcc": "other country code (MCC)",
    "missing": "missing, unreadable or impossible value in radio, mcc, net, area, cell, "
    "lon, lat, range or samples",
    "radio": "radio not GSM/UMTS/LTE/NR (e.g. CDMA)",
    "outside_bounds": "coordinates outside the country's bounds",
    "unknown_mnc": "unknown network code (MNC)",
    "range": "absurd range (negative or above the maximum)",
    "samples": "too few samples",
    "not_seen": "not seen since the given date",
    "outside_units": "outside the units' polygons",
}

_TECH_CODE = {tech: i for i, tech in enumerate(TECHNOLOGIES)}  # 2G -> 0 ... 5G -> 3
_LTE = _TECH_CODE["4G"]
_BATCH_BYTES = 1 << 20  # pyarrow reads ahead several blocks: larger ones hold more memory
_PROCESS_AT = 50000  # rows of the country gathered before they are filtered together
_REDUCE_AT = 500_000  # aggregate rows held before they are reduced again


@dataclass
class OpenCellIdReport:
    """What an OpenCelliD import read, kept and dropped, and why.

    Attributes
    ----------
    source
        The file read.
    mcc
        The country code kept.
    rows
        Data rows in the file (header excluded, malformed lines included).
    cells
        Cells kept.
    sites
        Sites made from the kept cells.
    lte_sites
        Sites grouped by LTE eNB id (the others are grouped by distance).
    dropped
        Rows not used, by reason key (see :data:`REASONS`); every row that
        is not a kept cell is counted here exactly once.
    unknown_mnc
        Rows with an unknown network code, by code.
    other_radio
        Rows whose radio is not GSM/UMTS/LTE/NR, by radio.
    technologies
        Kept cells by technology.
    """

    source: str
    mcc: int
    rows: int = 0
    cells: int = 0
    sites: int = 0
    lte_sites: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    unknown_mnc: dict[int, int] = field(default_factory=dict)
    other_radio: dict[str, int] = field(default_factory=dict)
    technologies: dict[str, int] = field(default_factory=dict)

    @property
    def dropped_total(self) -> int:
        """Rows not used, all reasons together."""
        return sum(self.dropped.values())

    def lines(self) -> list[str]:
        """Return the report as lines of text (English)."""
        out = [
            f"{self.source}: {self.rows:,} row(s) read; {self.cells:,} cell(s) of MCC "
            f"{self.mcc} kept in {self.sites:,} site(s) ({self.lte_sites:,} by LTE eNB id); "
            f"{self.dropped_total:,} row(s) dropped:"
        ]
        for key, label in REASONS.items():
            count = self.dropped.get(key, 0)
            if count:
                out.append(f"  {count:>12,}  {label}")
                if key == "unknown_mnc":
                    codes = ", ".join(
                        f"{self.mcc}-{code:02d}: {n:,}"
                        for code, n in sorted(self.unknown_mnc.items())
                    )
                    out.append(f"                {codes} (map them with --mnc CODE=OPERATOR)")
                elif key == "radio":
                    radios = ", ".join(f"{r}: {n:,}" for r, n in sorted(self.other_radio.items()))
                    out.append(f"                {radios}")
        if not self.dropped_total:
            out.append("  none")
        if self.technologies:
            techs = ", ".join(f"{t}: {n:,}" for t, n in self.technologies.items())
            out.append(f"Cells kept by technology: {techs}.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def read_opencellid(
    path: str | os.PathLike,
    *,
    mcc: int = MCC,
    operators: Mapping[int, str] | None = None,
    bounds: tuple[float, float, float, float] | None = VIETNAM_BOUNDS,
    within: shapely.Geometry | None = None,
    min_samples: int = 2,
    max_range: float = 35_000.0,
    site_distance: float = 50.0,
    seen_since: dt.date | str | None = None,
) -> tuple[gpd.GeoDataFrame, OpenCellIdReport]:
    r"""Read an OpenCelliD / Mozilla Location Service export into BTS sites.

    The file is streamed in batches; memory holds only per-site aggregates,
    whatever the size of the file.

    Rows are kept when their ``mcc`` is ``mcc``, their ``radio`` is GSM
    (2G), UMTS (3G), LTE (4G) or NR (5G), their position is within
    ``bounds`` (and ``within``), their ``net`` is a known operator, their
    ``range`` is between 0 and ``max_range`` metres, they have at least
    ``min_samples`` samples and (with ``seen_since``) were updated on or
    after that date. Every other row is counted in the report under the
    first reason, in that order.

    Cells become sites by one rule: the LTE cells of an operator with the
    same eNB id (``cell >> 8``) are one site, at the mean of their positions;
    any other cell joins the nearest LTE site of its operator within
    ``site_distance`` metres; the cells left are grouped by distance (cells
    of one operator closer than ``site_distance`` are in the same site, and
    so, transitively, are their neighbours). Cells in one square of side
    ``site_distance / 1.5`` (in latitude; any two of them are closer than
    ``site_distance``) are taken together before grouping.

    Parameters
    ----------
    path
        The CSV file, plain or gzipped (``.csv.gz``), with or without header.
    mcc
        Mobile country code to keep (452: Viet Nam).
    operators
        Network code (MNC) -> operator; default
        :data:`ict_gis.settings.MNC` (01 MobiFone, 02 VNPT, 04 Viettel, 05
        Vietnamobile, 07 Gmobile). Codes not in it are counted, by code, and
        dropped.
    bounds
        ``(lon_min, lat_min, lon_max, lat_max)`` of the country; ``None``
        keeps every position.
    within
        Polygon(s) in EPSG:4326 (the units' outline): cells outside are dropped.
    min_samples
        Fewest measurements a cell must have.
    max_range
        Largest credible ``range`` (metres) of a cell.
    site_distance
        Distance (metres) within which cells of one operator are one site.
    seen_since
        Drop the cells last updated before this date.

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, OpenCellIdReport)
        The sites, with the ``bts_stations`` columns (``site_id``,
        ``operator``, ``technologies``, ``height_m`` unknown, ``status``
        ``on_air``, ``approved_date`` and ``on_air_date`` from the earliest
        ``created`` of the site's cells) in EPSG:4326; and the report.

    Raises
    ------
    LayerReadError
        If the file does not exist or cannot be read.
    ImporterError
        If it is not an OpenCelliD export, or an option is not usable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> rows = ["LTE,452,4,10,25600,,106.1,20.4,500,3,1,1577836800,1700000000,",
    ...         "LTE,452,4,10,25601,,106.1002,20.4,500,3,1,1600000000,1700000000,",
    ...         "GSM,452,4,10,7,,106.1001,20.4,900,3,1,1500000000,1700000000,"]
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "cells.csv").write_text("\n".join(rows) + "\n")
    >>> sites, report = read_opencellid(folder / "cells.csv")
    >>> sites[["site_id", "operator", "technologies"]].to_dict("records")
    [{'site_id': 'OCID-452-04-E100', 'operator': 'Viettel', 'technologies': '2G,4G'}]
    >>> report.rows, report.cells, report.sites
    (3, 3, 1)
    """
    path = Path(path)
    _check_exists(path)
    operators = dict(MNC if operators is None else operators)
    if not 0 < len(operators) <= 100:
        raise ImporterError(f"give 1 to 100 network codes, not {len(operators)}.")
    for code, name in operators.items():
        if name not in OPERATORS:
            raise ImporterError(
                f"MNC {code}: unknown operator {name!r}; use one of {', '.join(OPERATORS)}."
            )
    if not (np.isfinite(site_distance) and site_distance >= 2):
        raise ImporterError(f"site distance {site_distance!r} m: give a number of metres >= 2.")
    if not np.isfinite(max_range) or max_range < 0:
        raise ImporterError(f"maximum range {max_range!r} m: give a number >= 0.")
    seen = _timestamp(seen_since)
    if bounds is not None:
        bounds = tuple(float(b) for b in bounds)
        if len(bounds) != 4 or not (bounds[0] <= bounds[2] and bounds[1] <= bounds[3]):
            raise ImporterError(f"bounds {bounds!r}: give (lon_min, lat_min, lon_max, lat_max).")
    if within is not None:
        if not isinstance(within, shapely.Geometry) or within.is_empty:
            raise ImporterError("the units' outline is empty: no cell can be inside it.")
        shapely.prepare(within)
    _remember_input(path)
    report = OpenCellIdReport(source=str(path), mcc=int(mcc))
    state = _State(
        mcc=int(mcc),
        operators=operators,
        bounds=bounds,
        within=within,
        min_samples=int(min_samples),
        max_range=float(max_range),
        grid=site_distance / 111_320.0 / 1.5,
        seen=seen,
        report=report,
    )
    try:
        _stream(path, state, tolerant=False)
    except _Unreadable:
        # A value that is not a number somewhere: read again, column by column as text.
        state.reset()
        _stream(path, state, tolerant=True)
    groups = state.groups()
    sites, report.lte_sites = _sites(
        groups, mcc=int(mcc), codes=state.codes, operators=operators, distance=site_distance
    )
    report.cells = int(groups["cells"].sum())
    report.sites = len(sites)
    report.dropped = {k: v for k, v in state.dropped.items() if v}
    report.unknown_mnc = dict(state.unknown_mnc)
    report.other_radio = dict(state.other_radio)
    tech = (groups["key"] >> 54) & 3
    report.technologies = {
        t: int(groups["cells"][tech == i].sum()) for t, i in _TECH_CODE.items() if (tech == i).any()
    }
    return sites, report


class _Unreadable(Exception):
    """A batch has a value the typed reader cannot convert."""


def _timestamp(value: dt.date | str | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ImporterError(f"{value!r} is not a date; write YYYY-MM-DD.") from None
    if not isinstance(value, dt.date):
        raise ImporterError(f"{value!r} is not a date; write YYYY-MM-DD.")
    return int(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp())


_FIELDS = ("key", "cells", "sum_lon", "sum_lat", "created", "first_cell")
_BITS = 27  # bits of each of the two numbers in a group key (eNB id, or grid square x and y)
_MASK = (1 << _BITS) - 1


@dataclass
class _State:
    mcc: int
    operators: dict[int, str]
    bounds: tuple[float, float, float, float] | None
    within: shapely.Geometry | None
    min_samples: int
    max_range: float
    grid: float
    seen: int | None
    report: OpenCellIdReport
    dropped: Counter = field(default_factory=Counter)
    unknown_mnc: Counter = field(default_factory=Counter)
    other_radio: Counter = field(default_factory=Counter)
    parts: list[dict[str, np.ndarray]] = field(default_factory=list)
    held: int = 0
    reduce_at: int = _REDUCE_AT
    codes: np.ndarray = field(init=False)
    malformed: int = 0

    def __post_init__(self) -> None:
        self.codes = np.array(sorted(self.operators), dtype=np.int64)

    def reset(self) -> None:
        self.report.rows = 0
        self.dropped.clear()
        self.unknown_mnc.clear()
        self.other_radio.clear()
        self.parts.clear()
        self.held = 0
        self.reduce_at = _REDUCE_AT
        self.malformed = 0

    def add(self, part: dict[str, np.ndarray]) -> None:
        self.parts.append(part)
        self.held += len(part["key"])
        if self.held > self.reduce_at:
            self.parts = [_reduce(self.parts)]
            self.held = len(self.parts[0]["key"])
            # Reduce again when the aggregates have at least doubled, so that a
            # country with many sites is not reduced at every batch.
            self.reduce_at = max(_REDUCE_AT, 2 * self.held)

    def groups(self) -> dict[str, np.ndarray]:
        return _reduce(self.parts)


def _reduce(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Add up the aggregates with the same key (operator, technology, eNB or grid square)."""
    if not parts:
        return {f: np.zeros(0, dtype=np.float64 if "sum" in f else np.int64) for f in _FIELDS}
    keys = np.concatenate([p["key"] for p in parts])
    order = np.argsort(keys)
    keys = keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else order[:0]
    out = {"key": keys[starts]}
    del keys
    for name, ufunc in (
        ("cells", np.add),
        ("sum_lon", np.add),
        ("sum_lat", np.add),
        ("created", np.minimum),
        ("first_cell", np.minimum),
    ):
        # One field at a time, the parts freed as they are used: memory stays
        # near the size of one field.
        values = np.concatenate([p.pop(name) for p in parts])[order]
        out[name] = ufunc.reduceat(values, starts) if len(starts) else values[:0]
    return out


def _open(path: Path) -> pa.NativeFile:
    try:
        with path.open("rb") as raw:
            magic = raw.read(2)
        return pa.input_stream(str(path), compression="gzip" if magic == b"\x1f\x8b" else None)
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot open ({exc}).") from exc


def _first_line(path: Path) -> str:
    try:
        with _open(path) as stream:
            head = stream.read(1 << 16)
    except (OSError, pa.ArrowException, EOFError) as exc:
        raise LayerReadError(f"{path}: cannot read ({exc}).") from exc
    if not head.strip():
        raise ImporterError(f"{path}: the file is empty; expected OpenCelliD rows.")
    return head.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")


def _layout(path: Path) -> tuple[list[str], bool]:
    """Return the column names of the file, and whether its first line is a header."""
    fields = [f.strip().strip('"') for f in _first_line(path).split(",")]
    if fields and fields[0].lower() == "radio":
        lowered = {f.lower(): f for f in fields}
        missing = [c for c in _USED if c.lower() not in lowered]
        if missing:
            raise ImporterError(
                f"{path}: the header lacks column(s) {', '.join(missing)}; an OpenCelliD "
                f"export has {','.join(OPENCELLID_COLUMNS)}."
            )
        names = [
            next((c for c in OPENCELLID_COLUMNS if c.lower() == f.lower()), f"extra_{i}")
            for i, f in enumerate(fields)
        ]
        if len(set(names)) != len(names):
            raise ImporterError(f"{path}: the header names a column twice.")
        return names, True
    if len(fields) != len(OPENCELLID_COLUMNS):
        raise ImporterError(
            f"{path}: not an OpenCelliD export: the first line has {len(fields)} field(s) "
            f"and no header; expected {len(OPENCELLID_COLUMNS)}: {','.join(OPENCELLID_COLUMNS)}."
        )
    return list(OPENCELLID_COLUMNS), False


def _stream(path: Path, state: _State, *, tolerant: bool) -> None:
    names, header = _layout(path)

    def count_invalid(row: pa_csv.InvalidRow) -> str:
        state.malformed += 1
        return "skip"

    text = pa.string()
    types = {c: text for c in _USED} if tolerant else {c: pa.int64() for c in _INTS}
    if not tolerant:
        types.update({c: pa.float64() for c in _FLOATS})
        types["radio"] = pa.string()
    try:
        reader = pa_csv.open_csv(
            _open(path),
            read_options=pa_csv.ReadOptions(
                column_names=names, skip_rows=1 if header else 0, block_size=_BATCH_BYTES
            ),
            parse_options=pa_csv.ParseOptions(invalid_row_handler=count_invalid),
            convert_options=pa_csv.ConvertOptions(
                column_types=types, include_columns=list(_USED), strings_can_be_null=True
            ),
        )
        pending: list[pa.RecordBatch] = []
        held = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            selected = _select(batch, state)
            if selected is not None:
                pending.append(selected)
                held += selected.num_rows
            if held >= _PROCESS_AT:
                _batch(pa.Table.from_batches(pending).combine_chunks(), state)
                pending, held = [], 0
        if pending:
            _batch(pa.Table.from_batches(pending).combine_chunks(), state)
    except pa.ArrowInvalid as exc:
        if not tolerant and "conversion error" in str(exc).lower():
            raise _Unreadable from exc
        raise LayerReadError(f"{path}: cannot read as an OpenCelliD CSV ({exc}).") from exc
    except (OSError, EOFError, pa.ArrowException) as exc:
        raise LayerReadError(f"{path}: cannot read as an OpenCelliD CSV ({exc}).") from exc
    state.report.rows += state.malformed
    state.dropped["malformed"] += state.malformed


_INT_TEXT = r"^\s*[-+]?[0-9]+\s*$"
_FLOAT_TEXT = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"


def _numbers(column: pa.Array, kind: pa.DataType) -> tuple[np.ndarray, np.ndarray]:
    """Values as numpy (missing: 0) and a mask of the missing or unreadable ones."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        pattern = _INT_TEXT if pa.types.is_integer(kind) else _FLOAT_TEXT
        good = pc.fill_null(pc.match_substring_regex(column, pattern), False)
        column = pc.if_else(good, pc.utf8_trim_whitespace(column), pa.scalar(None, pa.string()))
        try:
            column = pc.cast(column, kind)
        except pa.ArrowInvalid:  # out of range for int64
            column = pc.cast(pc.cast(column, pa.float64()), kind, safe=False)
    missing = column.is_null().to_numpy(zero_copy_only=False)
    zero = 0 if pa.types.is_integer(kind) else 0.0
    values = pc.fill_null(column, zero).to_numpy(zero_copy_only=False)
    if not pa.types.is_integer(kind):
        missing = missing | ~np.isfinite(values)
    return values, missing


def _radio_codes(column: pa.Array) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Technology code of each row (-1: not a supported radio, -2: missing).

    Also the radio names and each row's index into them (for the report).
    """
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    names = [n.strip().upper() if n is not None else "" for n in column.dictionary.to_pylist()]
    table = np.array(
        [_TECH_CODE[RADIO_TECHNOLOGY[n]] if n in RADIO_TECHNOLOGY else -1 for n in names] + [-2],
        dtype=np.int64,
    )
    indices = pc.fill_null(column.indices, len(names)).to_numpy(zero_copy_only=False)
    codes = table[indices] if len(names) else np.full(len(indices), -2, dtype=np.int64)
    codes[indices == len(names)] = -2
    blank = np.array([n == "" for n in names] + [True])
    codes[blank[indices]] = -2
    return codes, names, indices


def _select(batch: pa.RecordBatch, state: _State) -> pa.RecordBatch | None:
    """Count the rows of a batch and keep those of the country code asked for."""
    n = batch.num_rows
    state.report.rows += n
    if n == 0:
        return None
    mcc, mcc_missing = _numbers(batch.column("mcc"), pa.int64())
    ours = (mcc == state.mcc) & ~mcc_missing
    state.dropped["other_mcc"] += int(np.count_nonzero(~ours & ~mcc_missing))
    state.dropped["missing"] += int(np.count_nonzero(mcc_missing))
    if not ours.any():
        return None
    return batch.filter(pa.array(ours))


def _batch(table: pa.Table, state: _State) -> None:
    """Filter the rows of the country code asked for and add them to the aggregates."""
    batch = table.combine_chunks().to_batches()[0]
    values = {}
    missing = np.zeros(batch.num_rows, dtype=bool)
    for name in _INTS[1:]:
        values[name], gone = _numbers(batch.column(name), pa.int64())
        if name not in ("created", "updated"):
            missing |= gone
        else:
            values[name] = np.where(gone, -1, values[name])
    for name in _FLOATS:
        values[name], gone = _numbers(batch.column(name), pa.float64())
        missing |= gone
    tech, radio_names, radio_index = _radio_codes(batch.column("radio"))
    missing |= tech == -2
    lon, lat, cell = values["lon"], values["lat"], values["cell"]
    missing |= (np.abs(lon) > 180) | (np.abs(lat) > 90) | (cell < 0) | (values["area"] < 0)
    missing |= (tech == _LTE) & (cell >= 1 << 28)  # an LTE cell id has 28 bits
    state.dropped["missing"] += int(np.count_nonzero(missing))
    keep = ~missing
    other = keep & (tech == -1)
    if other.any():
        for index, count in zip(*np.unique(radio_index[other], return_counts=True), strict=True):
            state.other_radio[radio_names[index]] += int(count)
        state.dropped["radio"] += int(np.count_nonzero(other))
    keep &= ~other
    if state.bounds is not None:
        b = state.bounds
        inside = (lon >= b[0]) & (lon <= b[2]) & (lat >= b[1]) & (lat <= b[3])
        state.dropped["outside_bounds"] += int(np.count_nonzero(keep & ~inside))
        keep &= inside
    net = values["net"]
    known = np.isin(net, state.codes)
    unknown = keep & ~known
    if unknown.any():
        for code, count in zip(*np.unique(net[unknown], return_counts=True), strict=True):
            state.unknown_mnc[int(code)] += int(count)
        state.dropped["unknown_mnc"] += int(np.count_nonzero(unknown))
    keep &= known
    rng = values["range"]
    bad_range = keep & ((rng < 0) | (rng > state.max_range))
    state.dropped["range"] += int(np.count_nonzero(bad_range))
    keep &= ~bad_range
    few = keep & (values["samples"] < state.min_samples)
    state.dropped["samples"] += int(np.count_nonzero(few))
    keep &= ~few
    if state.seen is not None:
        old = keep & (values["updated"] < state.seen)
        state.dropped["not_seen"] += int(np.count_nonzero(old))
        keep &= ~old
    if state.within is not None and keep.any():
        x0, y0, x1, y1 = state.within.bounds
        outside = keep & ((lon < x0) | (lon > x1) | (lat < y0) | (lat > y1))
        state.dropped["outside_units"] += int(np.count_nonzero(outside))
        keep &= ~outside
        at = np.flatnonzero(keep)
        inside = shapely.contains_xy(state.within, lon[at], lat[at]) | shapely.intersects_xy(
            state.within, lon[at], lat[at]
        )
        state.dropped["outside_units"] += int(np.count_nonzero(~inside))
        keep[at[~inside]] = False
    if not keep.any():
        return
    tech, lon, lat = tech[keep], lon[keep], lat[keep]
    operator = np.searchsorted(state.codes, net[keep])
    area, cell = values["area"][keep], values["cell"][keep]
    lte = tech == _LTE
    a = np.where(lte, cell >> 8, np.floor((lon + 180.0) / state.grid).astype(np.int64))
    b = np.where(lte, 0, np.floor((lat + 90.0) / state.grid).astype(np.int64))
    created = values["created"][keep]
    state.add(
        {
            "key": (operator << 56) | (tech << 54) | ((a & _MASK) << _BITS) | (b & _MASK),
            "cells": np.ones(len(tech), dtype=np.int64),
            "sum_lon": lon,
            "sum_lat": lat,
            "created": np.where(created > 0, created, np.iinfo(np.int64).max),
            "first_cell": (np.clip(area, 0, (1 << 24) - 1) << 36) | np.clip(cell, 0, (1 << 36) - 1),
        }
    )


def _sites(
    groups: dict[str, np.ndarray],
    *,
    mcc: int,
    codes: np.ndarray,
    operators: Mapping[int, str],
    distance: float,
) -> tuple[gpd.GeoDataFrame, int]:
    """Group the aggregates into sites (see :func:`read_opencellid` for the rule).

    Returns the sites and how many of them are LTE eNBs.
    """
    key = groups["key"]
    if len(key) == 0:
        columns = {
            "site_id": pd.Series(dtype=object),
            "operator": pd.Series(dtype=object),
            "technologies": pd.Series(dtype=object),
            "height_m": pd.Series(dtype="float64"),
            "status": pd.Series(dtype=object),
            "approved_date": pd.Series(dtype="datetime64[ns]"),
            "on_air_date": pd.Series(dtype="datetime64[ns]"),
        }
        return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs="EPSG:4326")), 0
    operator = key >> 56
    tech = (key >> 54) & 3
    enb = (key >> _BITS) & _MASK
    cells = groups["cells"]
    lon = groups["sum_lon"] / cells
    lat = groups["sum_lat"] / cells
    x, y = _utm(lon, lat)
    site = np.full(len(key), -1, dtype=np.int64)
    lte = np.flatnonzero(tech == _LTE)
    site[lte] = np.arange(len(lte))
    next_id = len(lte)
    for op in np.unique(operator):
        mine = operator == op
        anchors = np.flatnonzero(mine & (tech == _LTE))
        rest = np.flatnonzero(mine & (tech != _LTE))
        if len(rest) and len(anchors):
            nearest = _nearest_within(x[rest], y[rest], x[anchors], y[anchors], distance)
            found = nearest >= 0
            site[rest[found]] = site[anchors[nearest[found]]]
            rest = rest[~found]
        if len(rest):
            labels = _components(x[rest], y[rest], distance)
            site[rest] = next_id + labels
            next_id += int(labels.max()) + 1
    # Per site: the first member decides the id (the eNB of an LTE site, else the
    # first cell of the oldest technology); positions are means over the cells.
    order = np.lexsort((groups["first_cell"], np.where(tech == _LTE, -1, tech), site))
    site_sorted = site[order]
    starts = np.flatnonzero(np.r_[True, site_sorted[1:] != site_sorted[:-1]])
    head = order[starts]
    n_cells = np.add.reduceat(cells[order], starts)
    mean_lon = np.add.reduceat(groups["sum_lon"][order], starts) / n_cells
    mean_lat = np.add.reduceat(groups["sum_lat"][order], starts) / n_cells
    created = np.minimum.reduceat(groups["created"][order], starts)
    bits = np.bitwise_or.reduceat(np.left_shift(1, tech[order]), starts)
    tech_text = {
        m: ",".join(t for i, t in enumerate(TECHNOLOGIES) if m >> i & 1) for m in range(16)
    }
    mask36 = (1 << 36) - 1
    ids = [
        f"OCID-{mcc}-{codes[o]:02d}-E{e}"
        if t == _LTE
        else f"OCID-{mcc}-{codes[o]:02d}-{TECHNOLOGIES[t]}-{fc >> 36}-{fc & mask36}"
        for o, t, e, fc in zip(
            operator[head].tolist(),
            tech[head].tolist(),
            enb[head].tolist(),
            groups["first_cell"][head].tolist(),
            strict=True,
        )
    ]
    dates = _dates(created)
    # The same cell listed twice far apart makes two sites with one id: number them.
    seen: Counter = Counter()
    for i, site_id in enumerate(ids):
        seen[site_id] += 1
        if seen[site_id] > 1:
            ids[i] = f"{site_id}-{seen[site_id]}"
    out = gpd.GeoDataFrame(
        {
            "site_id": pd.Series(ids, dtype=object),
            "operator": pd.Series(
                [operators[int(codes[o])] for o in operator[head].tolist()], dtype=object
            ),
            "technologies": pd.Series([tech_text[m] for m in bits.tolist()], dtype=object),
            "height_m": np.full(len(head), np.nan),
            "status": pd.Series(["on_air"] * len(head), dtype=object),
            "approved_date": dates,
            "on_air_date": dates.copy(),
        },
        geometry=shapely.points(mean_lon, mean_lat),
        crs="EPSG:4326",
    )
    n_lte = int(np.count_nonzero(tech[head] == _LTE))
    return out.sort_values("site_id", kind="stable").reset_index(drop=True), n_lte


def _nearest_within(
    x: np.ndarray, y: np.ndarray, ax: np.ndarray, ay: np.ndarray, distance: float
) -> np.ndarray:
    """Index of the nearest anchor within ``distance`` of each point, or -1."""
    tree = shapely.STRtree(shapely.points(ax, ay))
    left, right = tree.query(shapely.points(x, y), predicate="dwithin", distance=distance)
    nearest = np.full(len(x), -1, dtype=np.int64)
    if len(left):
        gap = np.hypot(x[left] - ax[right], y[left] - ay[right])
        order = np.lexsort((right, gap, left))  # per point: the nearest, then the lowest index
        left, right = left[order], right[order]
        first = np.r_[True, left[1:] != left[:-1]]
        nearest[left[first]] = right[first]
    return nearest


def _dates(stamps: np.ndarray) -> np.ndarray:
    """Unix seconds to dates (``datetime64[ns]``); NaT when unset (<= 0) or beyond 2262."""
    usable = (stamps > 0) & (stamps < 9_000_000_000)
    seconds = np.where(usable, stamps, 0).astype("datetime64[s]").astype("datetime64[D]")
    dates = seconds.astype("datetime64[ns]")
    dates[~usable] = np.datetime64("NaT")
    return dates


def _utm(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in metres: the UTM zone of the median position (WGS 84)."""
    from pyproj import Transformer

    zone = int(np.clip((np.median(lon) + 180) // 6 + 1, 1, 60))
    epsg = (32600 if np.median(lat) >= 0 else 32700) + zone
    transformer = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    x, y = transformer.transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _components(x: np.ndarray, y: np.ndarray, distance: float) -> np.ndarray:
    """Label the groups of points linked by steps shorter than ``distance`` (0, 1, ...)."""
    points = shapely.points(x, y)
    left, right = shapely.STRtree(points).query(points, predicate="dwithin", distance=distance)
    labels = np.arange(len(x))
    while True:  # each pass lets the smallest label travel one step further
        smallest = np.minimum(labels[left], labels[right])
        new = labels.copy()
        np.minimum.at(new, left, smallest)
        new = new[new]  # jump along the chain of labels
        if np.array_equal(new, labels):
            break
        labels = new
    _, dense = np.unique(labels, return_inverse=True)
    return dense.astype(np.int64)
