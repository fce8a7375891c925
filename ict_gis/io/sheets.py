"""Read the station lists operators send (Excel workbooks, CSV from Vietnamese Excel).

Headers are recognised in Vietnamese or English, with or without diacritics,
in any case and any Unicode normal form (``Mã trạm``, ``MA TRAM``, ``Kinh độ
(°)``), on the first rows of each sheet (a title above the header is fine).
Coordinates may be decimal degrees with a point or a comma, or degrees,
minutes and seconds (``106°10'25.3"``); dates ``dd/mm/yyyy``; a CSV file
may use ``;`` or ``,``, decimal commas, and UTF-8 (with or without BOM),
UTF-16 or Windows-1258. Every row that cannot be converted is reported with
its sheet, its row number as Excel shows it and the reason; nothing is
dropped silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import io as _stdio
import math
import os
import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
import shapely

from ict_gis.errors import ImporterError, LayerReadError
from ict_gis.io.crs import parse_crs
from ict_gis.io.encodings import ENCODING_NAMES, decode_file, nfc
from ict_gis.io.files import _check_exists, _remember_input
from ict_gis.settings import BTS_STATUSES, OPERATOR_ALIASES, OPERATORS, TECHNOLOGIES

#: Column -> (how its values are read, header spellings recognised). Headers
#: are compared folded: no diacritics, lower case, no "(unit)".
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "site_id": (
        "text",
        (
            "mã trạm",
            "mã trạm bts",
            "mã số trạm",
            "mã site",
            "mã nhà trạm",
            "site id",
            "site_id",
            "site code",
            "id trạm",
        ),
    ),  # fmt: skip
    "name": ("text", ("tên trạm", "tên trạm bts", "tên site", "site name", "tên nhà trạm")),
    "lon": ("lon", ("kinh độ", "longitude", "lon", "lng", "long", "tọa độ kinh độ")),
    "lat": ("lat", ("vĩ độ", "latitude", "lat", "tọa độ vĩ độ")),
    # Both in one cell, "20.42, 106.17" as copied from a web map (see lat_lon).
    "latlon": ("latlon", ("tọa độ", "tọa độ gps", "coordinates", "gps", "vị trí gps")),
    # Projected coordinates in metres (VN-2000 X/Y), in either order: see _row.
    "x": ("metres", ("x", "tọa độ x", "x vn2000", "x vn 2000", "x m")),
    "y": ("metres", ("y", "tọa độ y", "y vn2000", "y vn 2000", "y m")),
    "operator": (
        "operator",
        (
            "doanh nghiệp",
            "nhà mạng",
            "doanh nghiệp viễn thông",
            "nhà khai thác",
            "operator",
            "tên doanh nghiệp",
            "mạng",
            "doanh nghiệp nhà mạng",
        ),
    ),  # fmt: skip
    "technologies": (
        "technologies",
        ("công nghệ", "loại công nghệ", "công nghệ sử dụng", "technology", "technologies"),
    ),
    "height_m": (
        "number",
        (
            "độ cao",
            "chiều cao",
            "độ cao cột",
            "chiều cao cột",
            "độ cao anten",
            "chiều cao anten",
            "độ cao ăng ten",
            "height",
            "height_m",
        ),
    ),  # fmt: skip
    "status": ("status", ("trạng thái", "tình trạng", "tình trạng hoạt động", "status")),
    "approved_date": (
        "date",
        ("ngày cấp phép", "ngày được cấp phép", "ngày phê duyệt", "approved date", "approved_date"),
    ),
    "on_air_date": (
        "date",
        (
            "ngày phát sóng",
            "ngày đưa vào hoạt động",
            "ngày hoạt động",
            "ngày on air",
            "on air date",
            "on_air_date",
        ),
    ),  # fmt: skip
    "switch_off_date": ("date", ("ngày tắt sóng", "switch off date", "switch_off_date")),
    "subscribers_left": ("number", ("thuê bao còn lại", "subscribers left", "subscribers_left")),
    "address": ("text", ("địa chỉ", "địa chỉ trạm", "địa điểm", "vị trí", "address")),
    "azimuths_deg": ("numbers", ("góc phương vị", "hướng anten", "azimuth", "azimuths_deg")),
    "band_mhz": ("number", ("băng tần", "tần số", "band", "band_mhz")),
    "eirp_dbm": ("number", ("eirp", "eirp_dbm")),
}

#: The columns of every list: its id, name and where it is (one of the
#: coordinate forms, see :data:`_POSITIONS`).
_WHO_AND_WHERE = ("site_id", "name", "lon", "lat", "latlon", "x", "y")
_SWITCH_OFF = ("operator", "switch_off_date", "subscribers_left", "address")
#: Layer kinds an operator's list can be imported as, and the columns each takes.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "bts_stations": (
        *_WHO_AND_WHERE, "operator", "technologies", "height_m", "status", "approved_date",
        "on_air_date", "address", "azimuths_deg", "band_mhz", "eirp_dbm",
    ),
    "sites_5g": (*_WHO_AND_WHERE, "operator", "band_mhz", "on_air_date", "address"),
    "shutdowns_2g": (*_WHO_AND_WHERE, *_SWITCH_OFF),
    "shutdowns_3g": (*_WHO_AND_WHERE, *_SWITCH_OFF),
}  # fmt: skip

#: Status words (folded) -> status of the ``bts_stations`` schema.
STATUS_WORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "dang phat song",
            "da phat song",
            "phat song",
            "dang hoat dong",
            "da hoat dong",
            "hoat dong",
            "on air",
            "on_air",
            "onair",
        ),
        "on_air",
    ),  # fmt: skip
    **dict.fromkeys(
        (
            "da cap phep",
            "cap phep",
            "duoc cap phep",
            "da duoc cap phep",
            "da phe duyet",
            "phe duyet",
            "approved",
        ),
        "approved",
    ),  # fmt: skip
    **dict.fromkeys(
        (
            "dang xay dung",
            "dang thi cong",
            "xay dung",
            "thi cong",
            "dang lap dat",
            "under construction",
            "under_construction",
        ),
        "under_construction",
    ),  # fmt: skip
    **dict.fromkeys(("da thao do", "thao do", "da do bo", "dismantled"), "dismantled"),
}

_TECH_WORDS = {
    "2g": "2G", "gsm": "2G", "3g": "3G", "umts": "3G", "wcdma": "3G", "4g": "4G", "lte": "4G",
    "5g": "5G", "nr": "5G",
}  # fmt: skip
#: The columns a row needs: an id and a position, in degrees or in metres.
_POSITIONS = (("lon", "lat"), ("latlon",), ("x", "y"))
_COORDINATES = ("lon", "lat", "latlon", "x", "y")
#: First words (folded) of the cell that makes a row without coordinates a
#: total ("Tổng cộng", "Cộng", "Tổng số trạm").
_TOTAL_WORDS = ("tong", "cong", "total")
_HEADER_ROWS = 20  # rows searched for the header
_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")


@dataclass(frozen=True)
class SheetProblem:
    """One value or row of a spreadsheet that could not be converted.

    Attributes
    ----------
    sheet
        Sheet name (the file name for CSV).
    row
        Row number as Excel shows it (1 is the first row), or ``None`` for the
        whole sheet.
    column
        The header in the file, or ``None``.
    message
        What is wrong.
    dropped
        Whether the row was left out (else only the value was left empty).
    """

    sheet: str
    row: int | None
    column: str | None
    message: str
    dropped: bool

    def __str__(self) -> str:
        where = self.sheet if self.row is None else f"{self.sheet} row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        end = " Row not imported." if self.dropped else " Value left empty."
        if self.row is None:
            end = ""
        return f"{where}: {self.message}{end}"


@dataclass
class SheetReport:
    """What :func:`read_sheet` read, imported and could not convert.

    Attributes
    ----------
    source
        The file read.
    kind
        Layer kind imported.
    sheets
        Sheets imported, with the header each column was read from
        (``{sheet: {column: header}}``).
    rows
        Data rows read (blank rows not counted).
    imported
        Rows imported.
    blank_rows
        Rows with no value at all, skipped.
    skipped
        ``(sheet, row)`` of the titles, totals and signatures, skipped (see
        :func:`_not_a_station`).
    filled
        Values given for every row whose list has no such column or leaves
        the cell empty (``{column: value}``).
    named_operator
        The operator of each sheet without an operator column whose name
        names one (a workbook with a sheet per operator), ``{sheet: operator}``.
    unused
        Headers not imported, by sheet.
    problems
        Every value or row that could not be converted.
    encoding
        Encoding of the text of a CSV file (``utf-8``, ``utf-16``,
        ``cp1258``, ``tcvn3``, ``vni`` or the codec given); ``None`` for a
        workbook.
    """

    source: str
    kind: str
    sheets: dict[str, dict[str, str]] = field(default_factory=dict)
    rows: int = 0
    imported: int = 0
    blank_rows: int = 0
    skipped: list[tuple[str, int]] = field(default_factory=list)
    filled: dict[str, object] = field(default_factory=dict)
    named_operator: dict[str, str] = field(default_factory=dict)
    unused: dict[str, list[str]] = field(default_factory=dict)
    problems: list[SheetProblem] = field(default_factory=list)
    encoding: str | None = None

    @property
    def dropped(self) -> int:
        """Rows not imported."""
        return len({(p.sheet, p.row) for p in self.problems if p.dropped and p.row is not None})

    def lines(self) -> list[str]:
        """Return the report as lines of text (English)."""
        out = [
            f"{self.source}: {self.rows:,} row(s) in {len(self.sheets)} sheet(s); "
            f"{self.imported:,} imported as {self.kind}, {self.dropped:,} not imported"
            + (f", {self.blank_rows:,} blank row(s) skipped." if self.blank_rows else ".")
        ]
        if self.skipped:
            where = "; ".join(
                f"{sheet} row(s) {', '.join(str(r) for s, r in self.skipped if s == sheet)}"
                for sheet in dict.fromkeys(s for s, _ in self.skipped)
            )
            out.append(
                f"  {len(self.skipped):,} row(s) skipped as titles, totals or signatures (no "
                f"coordinates; no station id and at most two values, or a 'Tổng'/'Cộng' "
                f"first): {where}."
            )
        if self.encoding not in (None, "utf-8", "utf-16"):
            name = ENCODING_NAMES.get(self.encoding, self.encoding)
            out.append(f"  the text was read as {name} and converted to Unicode (NFC).")
        for sheet, columns in self.sheets.items():
            mapping = ", ".join(f"{c} <- {h!r}" for c, h in columns.items())
            out.append(f"  {sheet}: {mapping}")
            if sheet in self.named_operator:
                out.append(
                    f"  {sheet}: operator {self.named_operator[sheet]}, from the sheet's name "
                    "(it has no operator column)"
                )
            if self.unused.get(sheet):
                unused = ", ".join(repr(h) for h in self.unused[sheet])
                out.append(f"  {sheet}: not imported: {unused} (map them with --columns)")
        if self.filled:
            given = ", ".join(f"{c} = {_shown(v)}" for c, v in self.filled.items())
            out.append(f"  where the list has no value: {given} (--set)")
        out += [f"  {p}" for p in self.problems]
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def fold(text: str) -> str:
    """Return ``text`` folded for comparing headers and words.

    Without diacritics (``đ`` is ``d``), lower case, without ``(...)`` parts,
    punctuation as single spaces.

    Examples
    --------
    >>> fold("  Độ cao (m) "), fold("KINH ĐỘ"), fold("Ma_tram")
    ('do cao', 'kinh do', 'ma tram')
    """
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", str(text))
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    text = text.replace("đ", "d").replace("Đ", "d").lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def read_sheet(
    path: str | os.PathLike,
    *,
    kind: str = "bts_stations",
    columns: Mapping[str, str] | str | None = None,
    sheets: list[str] | None = None,
    encoding: str | None = None,
    crs: object = None,
    fill: Mapping[str, object] | str | None = None,
) -> tuple[gpd.GeoDataFrame, SheetReport]:
    r"""Read an operator's list of stations (``.xlsx`` or ``.csv``) as one layer.

    Parameters
    ----------
    path
        An Excel workbook (every sheet with a recognised header is read) or a
        CSV file as Excel writes it (``;`` or ``,``; UTF-8, UTF-16 or
        Windows-1258, also TCVN3 or VNI text; decimal commas).
    kind
        Layer kind: ``bts_stations``, ``sites_5g``, ``shutdowns_2g`` or
        ``shutdowns_3g``.
    columns
        Headers to use for some columns, ``{"site_id": "Mã CSHT"}`` or the
        text ``"site_id=Mã CSHT,lon=X"``; the others are recognised.
    sheets
        Only these sheets of a workbook.
    encoding
        Encoding of a CSV file (``utf-8``, ``tcvn3``, ``vni``, ``cp1258`` or
        a Python codec name) instead of detecting it: UTF-16 or UTF-8 when
        a byte order mark or the bytes say so, else the one of Windows-1258,
        TCVN3 and VNI whose text is Vietnamese (:mod:`ict_gis.io.encodings`).
    crs
        The coordinate system of the list's coordinates (anything
        :func:`ict_gis.io.crs.parse_crs` reads: ``9209``, ``"VN-2000"``, a
        ``.prj``). Needed for X and Y in metres (VN-2000 UTM or the
        province's TM-3 zone), given in either order (the larger is the
        northing, as everywhere in Viet Nam); longitudes and latitudes are
        in WGS 84 unless a geographic ``crs`` (``VN-2000``) is given.
    fill
        Values for the rows whose list has no such column or leaves the cell
        empty, ``{"status": "on_air"}`` or the text
        ``"status=on_air,operator=Viettel"`` (an operator's list of its own
        stations on air often says neither); read as the cells are
        (``"Đang phát sóng"``, ``"MBF"`` work). A cell that holds a value
        that cannot be read is still left empty and reported.

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, SheetReport)
        The stations in EPSG:4326, with the layer's column names, dates as
        ``datetime64``, text in Unicode NFC; and the report (every row not
        imported, every value left empty, with sheet, row and reason).

    Raises
    ------
    LayerReadError
        If the file does not exist or cannot be read or decoded.
    ImporterError
        If no sheet has a recognisable header with a station id and
        coordinates, an option is not usable, or the coordinates are in
        metres and ``crs`` does not say in which system.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = "Mã trạm;Kinh độ;Vĩ độ;Nhà mạng;Công nghệ;Trạng thái\n"
    >>> text += "ND001;106°10'25.3\";20,42;Viettel;2G/4G;Đang phát sóng\n"
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tram.csv"
    >>> _ = path.write_bytes(text.encode("utf-8-sig"))  # or Windows-1258
    >>> stations, report = read_sheet(path)
    >>> stations.drop(columns="geometry").to_dict("records")
    [{'site_id': 'ND001', 'operator': 'Viettel', 'technologies': '2G,4G', 'status': 'on_air'}]
    >>> round(float(stations.geometry.x[0]), 6), float(stations.geometry.y[0])
    (106.173694, 20.42)
    """
    path = Path(path)
    _check_exists(path)
    if kind not in KIND_FIELDS:
        raise ImporterError(
            f"cannot import a list as {kind!r}; use one of {', '.join(KIND_FIELDS)}."
        )
    wanted = _parse_columns(columns, kind)
    report = SheetReport(source=str(path), kind=kind, filled=_parse_fill(fill, kind))
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ImporterError(f"{path}: old .xls workbooks are not read; save it as .xlsx in Excel.")
    if suffix not in _SUFFIXES:
        raise ImporterError(
            f"{path}: cannot read {suffix or 'files without a suffix'}; use .xlsx or .csv."
        )
    _remember_input(path)
    if suffix in (".xlsx", ".xlsm"):
        tables = _read_workbook(path, sheets)
    else:
        if sheets:
            raise ImporterError(f"{path}: a CSV file has no sheets; leave out --sheet.")
        tables = [(path.name, _read_csv(path, kind, wanted, report, encoding))]
    given_crs = crs if crs is None or isinstance(crs, pyproj.CRS) else parse_crs(crs)
    frames = []
    for name, rows in tables:
        frame = _convert(name, rows, kind, wanted, report)
        if frame is not None:
            frames.append(_in_degrees(frame, given_crs, f"{path}, sheet {name!r}"))
    if not report.sheets:
        seen = ", ".join(repr(name) for name, _ in tables) or "none"
        raise ImporterError(
            f"{path}: no sheet has a header with a station id, a longitude and a latitude "
            f"(or X and Y) (sheets: {seen}). Expected headers such as 'Mã trạm', 'Kinh độ', "
            "'Vĩ độ'; or name them with --columns 'site_id=...,lon=...,lat=...'."
        )
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    report.imported = len(table)
    return _frame(table, kind), report


def _pairs(text: str, option: str, what: str) -> dict[str, str]:
    """Parse ``"NAME=VALUE,NAME=VALUE"`` (the text of ``option``)."""
    pairs = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not value.strip():
            raise ImporterError(f"{option}: {part.strip()!r} is not COLUMN={what}.")
        pairs[name.strip()] = value.strip()
    return pairs


def _parse_fill(fill: Mapping[str, object] | str | None, kind: str) -> dict[str, object]:
    """Return the values of ``--set``, read as cells are (only columns a list may lack)."""
    if not fill:
        return {}
    given = _pairs(fill, "--set", "VALUE") if isinstance(fill, str) else dict(fill)
    allowed = [c for c in KIND_FIELDS[kind] if c not in _WHO_AND_WHERE]
    out = {}
    for name, raw in given.items():
        if name not in allowed:
            raise ImporterError(
                f"--set: {name!r} cannot be given for every row of {kind}; "
                f"use {', '.join(allowed)}."
            )
        try:
            out[name] = _value(raw, FIELDS[name][0])
        except ValueError as exc:
            raise ImporterError(f"--set {name}: {_shown(raw)} {exc}") from None
    return out


def _parse_columns(columns: Mapping[str, str] | str | None, kind: str) -> dict[str, str]:
    if columns is None:
        return {}
    if isinstance(columns, str):
        columns = _pairs(columns, "--columns", "HEADER")
    out = {}
    for name, header in columns.items():
        if name not in KIND_FIELDS[kind]:
            known = ", ".join(KIND_FIELDS[kind])
            raise ImporterError(f"--columns: {name!r} is not a column of {kind}; use {known}.")
        out[name] = fold(header)
    return out


def _read_workbook(path: Path, only: list[str] | None) -> list[tuple[str, list[tuple]]]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                names = list(book.sheetnames)
                if only:
                    missing = [s for s in only if s not in names]
                    if missing:
                        raise ImporterError(
                            f"{path}: no sheet {', '.join(map(repr, missing))}; "
                            f"it has {', '.join(map(repr, names))}."
                        )
                    names = [n for n in names if n in only]
                return [
                    (nfc(name), [tuple(r) for r in book[name].iter_rows(values_only=True)])
                    for name in names
                ]
            finally:
                book.close()
    except ImporterError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise LayerReadError(f"{path}: cannot read as an Excel workbook ({exc}).") from exc


def _decode(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Return the text of a CSV file and its encoding (see :func:`decode_file`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot read ({exc}).") from exc
    return decode_file(data, source=str(path), encoding=encoding, prefer="csv")


def _read_csv(
    path: Path, kind: str, wanted: dict[str, str], report: SheetReport, encoding: str | None
) -> list[tuple]:
    text, report.encoding = _decode(path, encoding)
    best: tuple[int, int, str] | None = None
    for delimiter in (";", ",", "\t", "|"):
        head = _records(text, delimiter, limit=_HEADER_ROWS)
        found = max((_recognised(row, kind, wanted) for row in head), default=0)
        widths = [len(r) for r in head if any(c.strip() for c in r)]
        width = max(set(widths), key=widths.count) if widths else 0
        score = (found, width, delimiter)
        if best is None or score[:2] > best[:2]:
            best = score
    return [tuple(r) for r in _records(text, best[2])]


def _records(text: str, delimiter: str, limit: int | None = None) -> list[list[str]]:
    reader = csv.reader(_stdio.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if limit is not None and len(rows) >= limit:
                break
    except csv.Error as exc:
        raise LayerReadError(f"cannot read the CSV text ({exc}).") from exc
    return rows


def _lookup(kind: str, wanted: dict[str, str]) -> dict[str, str]:
    """Folded header -> column, the explicit ``--columns`` first."""
    table = {header: name for name, header in wanted.items()}
    for name in KIND_FIELDS[kind]:
        if name in wanted:
            continue
        for alias in FIELDS[name][1]:
            table.setdefault(fold(alias), name)
    return table


def _recognised(row: tuple | list, kind: str, wanted: dict[str, str]) -> int:
    lookup = _lookup(kind, wanted)
    return len({lookup[f] for f in (fold(c) for c in row if c is not None) if f in lookup})


def _convert(
    sheet: str, rows: list[tuple], kind: str, wanted: dict[str, str], report: SheetReport
) -> pd.DataFrame | None:
    """Convert the rows of one sheet; ``None`` when it has no usable header."""
    lookup = _lookup(kind, wanted)

    def names(row: tuple | list) -> set[str | None]:
        return {lookup.get(fold(c)) for c in row if c is not None and str(c).strip()} - {None}

    def usable(row: tuple | list) -> bool:
        found = names(row)
        return "site_id" in found and any(set(pair) <= found for pair in _POSITIONS)

    header_at = None
    header_row: list = []
    for i, row in enumerate(rows[:_HEADER_ROWS]):
        if i + 1 < len(rows):
            # A header on two rows, as official lists have it: "Tọa độ" over
            # "Kinh độ" and "Vĩ độ" (merged cells), "Mã trạm" over nothing.
            below = list(rows[i + 1])
            width = max(len(row), len(below))
            two = [
                below[j]
                if j < len(below) and _filled(below[j])
                else (row[j] if j < len(row) else None)
                for j in range(width)
            ]
            if usable(two) and not usable(below) and names(below) - names(row):
                header_at, header_row = i + 1, two
                break
        if usable(row):
            header_at, header_row = i, list(row)
            break
    if header_at is None:
        if any(any(_filled(c) for c in row) for row in rows):
            report.problems.append(
                SheetProblem(
                    sheet, None, None,
                    "no header with a station id, a longitude and a latitude in the first "
                    f"{_HEADER_ROWS} rows; sheet not imported.",
                    True,
                )
            )  # fmt: skip
        return None
    header = [nfc(c) if _filled(c) else "" for c in header_row]
    positions: dict[str, int] = {}
    unused = []
    for j, text in enumerate(header):
        name = lookup.get(fold(text))
        if name is not None and name not in positions:
            positions[name] = j
        elif text:
            unused.append(text)
    report.sheets[sheet] = {name: header[j] for name, j in positions.items()}
    named = _operator_of_sheet(sheet, kind, positions, report)
    if unused:
        report.unused[sheet] = unused
    records = []
    for i, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(_filled(c) for c in row):
            report.blank_rows += 1
            continue
        if _not_a_station(row, positions):
            report.skipped.append((sheet, i))
            continue
        report.rows += 1
        extra = [c for c in row[len(header) :] if _filled(c)]
        if extra:
            report.problems.append(
                SheetProblem(
                    sheet, i, None,
                    f"has {len(header) + len(extra)} or more values, the header {len(header)} "
                    "(a decimal comma in a comma-separated file?).",
                    True,
                )
            )  # fmt: skip
            continue
        record = _row(sheet, i, row, positions, header, report)
        if record is not None:
            records.append(record)
    if named is not None:
        for record in records:
            record["operator"] = named
    names = [n for n in {**positions, **report.filled} if n not in _COORDINATES]
    if named is not None and "operator" not in names:
        names.append("operator")
    frame = pd.DataFrame(records, columns=["_lon", "_lat", *names])
    frame.attrs["metres"] = _pair(positions) == ("x", "y")
    return frame


def _operator_of_sheet(
    sheet: str, kind: str, positions: Mapping[str, int], report: SheetReport
) -> str | None:
    """Return the operator a sheet's name names (no operator column, none --set), or None."""
    if "operator" not in KIND_FIELDS[kind] or "operator" in {**positions, **report.filled}:
        return None
    try:
        named = operator(Path(sheet).stem)
    except ValueError:
        return None
    report.named_operator[sheet] = named
    return named


def _not_a_station(row: tuple | list, positions: Mapping[str, int]) -> bool:
    """Whether a row is a title, a total or a signature, not a station.

    A row without a station id and without any coordinate, with at most
    two values (a title, "Người lập biểu ... Giám đốc", the names under
    them: a station that lacks both has more to say, and is reported); or
    a row whose first value starts with "Tổng" or "Cộng" (a total: its
    counts may sit in any column) and that has no readable coordinate.
    """
    cells = {name: row[j] for name, j in positions.items() if j < len(row)}
    places = [name for name in _COORDINATES if _filled(cells.get(name))]
    if not places:
        few = sum(_filled(c) for c in row) <= 2
        return (few and not _filled(cells.get("site_id"))) or _starts_a_total(row)
    return _starts_a_total(row) and not any(_readable(cells[name], name) for name in places)


def _starts_a_total(row: tuple | list) -> bool:
    first = next((c for c in row if _filled(c)), None)
    return first is not None and fold(str(first)).split(" ")[0] in _TOTAL_WORDS


def _readable(raw: object, name: str) -> bool:
    try:
        _value(raw, FIELDS[name][0])
    except ValueError:
        return False
    return True


def _pair(positions: Mapping[str, int]) -> tuple[str, str]:
    """Return the coordinate columns a sheet is read by: the first of :data:`_POSITIONS` it has."""
    return next(pair for pair in _POSITIONS if set(pair) <= set(positions))


#: What to say when metres come without their coordinate system.
_METRES_CRS_HINT = (
    "give their CRS with --crs: VN-2000 / UTM zone 48N is 3405 (49N: 3406), the "
    "provinces' VN-2000 TM-3 zones are 9205 to 9218 (e.g. 9209 for central meridian 105°30′)"
)


def _in_degrees(frame: pd.DataFrame, crs: pyproj.CRS | None, where: str) -> pd.DataFrame:
    """Turn a sheet's coordinates (``_lon``, ``_lat``) into WGS 84 degrees."""
    metres = bool(frame.attrs.get("metres"))
    if metres and (crs is None or not crs.is_projected):
        raise ImporterError(f"{where}: the coordinates are X and Y in metres; {_METRES_CRS_HINT}.")
    if not metres and crs is not None and crs.is_projected:
        raise ImporterError(
            f"{where}: the coordinates are longitudes and latitudes (degrees), but --crs "
            f"{crs.name} is in metres: leave out --crs, or head the metre columns X and Y."
        )
    if crs is None or frame.empty or crs.equals(pyproj.CRS.from_epsg(4326)):
        return frame
    to_wgs84 = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    lon, lat = to_wgs84.transform(
        frame["_lon"].to_numpy(dtype=float), frame["_lat"].to_numpy(dtype=float)
    )
    frame = frame.copy()
    frame["_lon"], frame["_lat"] = lon, lat
    return frame


def _filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def _row(
    sheet: str,
    number: int,
    row: tuple,
    positions: dict[str, int],
    header: list[str],
    report: SheetReport,
) -> dict | None:
    record: dict[str, object] = {}
    problems = []
    dropped = False
    pair = _pair(positions)
    required = ("site_id", *pair)
    for name, j in positions.items():
        if name in _COORDINATES and name not in pair:
            continue  # other coordinate columns (the first of _POSITIONS given is used)
        raw = row[j] if j < len(row) else None
        how = FIELDS[name][0]
        if not _filled(raw) and name in report.filled:
            record[name] = report.filled[name]
            continue
        if not _filled(raw):
            if name in required:
                problems.append(SheetProblem(sheet, number, header[j], "no value.", True))
                dropped = True
            record[name] = None
            continue
        try:
            record[name] = _value(raw, how)
        except ValueError as exc:
            needed = name in required
            problems.append(SheetProblem(sheet, number, header[j], f"{_shown(raw)} {exc}", needed))
            dropped |= needed
            record[name] = None
    if dropped:
        report.problems += [
            SheetProblem(p.sheet, p.row, p.column, p.message, True) for p in problems
        ]
        return None
    report.problems += problems
    for name, value in report.filled.items():
        record.setdefault(name, value)
    if pair == ("x", "y"):
        # In Viet Nam a northing (0.9-2.6 million m) is always the larger of
        # the two (eastings of UTM and TM-3 zones are under 0.9 million m):
        # surveyors' X is the northing, a GIS's X the easting; both are read.
        x, y = record.pop("x"), record.pop("y")
        record["_lon"], record["_lat"] = min(x, y), max(x, y)
    elif pair == ("latlon",):
        record["_lon"], record["_lat"] = record.pop("latlon")
    else:
        record["_lon"], record["_lat"] = record.pop("lon"), record.pop("lat")
    return record


def _shown(raw: object) -> str:
    text = f"'{nfc(raw)}'" if isinstance(raw, str) else repr(raw)
    return text if len(text) <= 60 else text[:57] + "...'"


def _value(raw: object, how: str) -> object:
    """Convert one value; raise ``ValueError`` saying why it cannot be."""
    if how == "text":
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        if isinstance(raw, dt.datetime | dt.date):
            raise ValueError("is a date, not a text.")
        return nfc(raw)
    if how in ("lon", "lat"):
        return coordinate(raw, axis=how)
    if how == "latlon":
        return lat_lon(raw)
    if how == "metres":
        value = number(raw)
        if not math.isfinite(value) or value < 0:
            raise ValueError("is not a coordinate in metres.")
        return value
    if how == "number":
        return number(raw)
    if how == "numbers":
        if isinstance(raw, int | float):
            return f"{number(raw):g}"
        items = [p for p in re.split(r"[;,/\s]+", str(raw).strip()) if p]
        return ",".join(f"{number(p):g}" for p in items)
    if how == "date":
        return to_date(raw)
    if how == "operator":
        return operator(raw)
    if how == "technologies":
        return technologies(raw)
    if how == "status":
        return status(raw)
    raise AssertionError(how)  # pragma: no cover


_UNITS = re.compile(r"\s*(m|mhz|dbm|met|mét)\.?\s*$", re.IGNORECASE)


def number(raw: object) -> float:
    """Return the number in ``raw``: ``45``, ``"45,5"``, ``"1.234,5"``, ``"30 m"``.

    A single comma is a decimal comma; with both ``.`` and ``,`` the last one
    is the decimal mark.

    Raises
    ------
    ValueError
        If it is not a finite number.

    Examples
    --------
    >>> number("45,5"), number("1.234,5"), number("30 m"), number(12)
    (45.5, 1234.5, 30.0, 12.0)
    """
    if isinstance(raw, bool):
        raise ValueError("is not a number.")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = _UNITS.sub("", nfc(raw)).replace("\u00a0", "").replace(" ", "")
        if "," in text and "." in text:
            decimal = "," if text.rfind(",") > text.rfind(".") else "."
            text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
        elif text.count(",") == 1:
            text = text.replace(",", ".")
        elif text.count(",") > 1 or text.count(".") > 1:
            text = text.replace(",", "").replace(".", "")
        if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
            raise ValueError("is not a number.")
        value = float(text)
    if not math.isfinite(value):
        raise ValueError("is not a finite number.")
    return value


_DMS_MARKS = str.maketrans({"′": "'", "’": "'", "‘": "'", "´": "'", "`": "'", "″": '"',
                            "“": '"', "”": '"', "º": "°", "˚": "°", "o": "°"})  # fmt: skip


def coordinate(raw: object, *, axis: str) -> float:
    r"""Return a longitude (``axis="lon"``) or latitude in decimal degrees.

    Accepts decimal degrees with a point or a comma and degrees, minutes,
    seconds such as ``106°10'25.3"``, ``106° 10' 25,3" E`` or ``20 25 12 N``
    (``S`` and ``W`` are negative).

    Raises
    ------
    ValueError
        If it is not a coordinate, or out of range for its axis.

    Examples
    --------
    >>> coordinate("106°10'25.3\"", axis="lon"), coordinate("20,42", axis="lat")
    (106.17369444444445, 20.42)
    """
    limit = 180.0 if axis == "lon" else 90.0
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    else:
        text = nfc(raw).translate(_DMS_MARKS).replace("''", '"').upper()
        sign = 1.0
        hemisphere = re.fullmatch(r"([NSEW])?\s*(.*?)\s*([NSEW])?", text)
        letters = {hemisphere.group(1), hemisphere.group(3)} - {None}
        if len(letters) > 1:
            raise ValueError("has two hemisphere letters.")
        if letters:
            letter = letters.pop()
            if letter in ("N", "S") and axis == "lon" or letter in ("E", "W") and axis == "lat":
                raise ValueError(f"has {letter!r}, a letter of the other axis.")
            sign = -1.0 if letter in ("S", "W") else 1.0
            text = hemisphere.group(2)
        if text.startswith("-"):
            sign, text = -sign, text[1:].strip()
        parts = re.fullmatch(
            r"(\d+(?:[.,]\d+)?)\s*°?\s*(?:(\d+(?:[.,]\d+)?)\s*'?\s*(?:(\d+(?:[.,]\d+)?)\s*\"?)?)?",
            text,
        )
        if any(m in text for m in "°'\"") or (parts and " " in text):
            if not parts:
                raise ValueError("is not a coordinate (degrees, minutes, seconds?).")
            deg, minutes, seconds = (
                float(p.replace(",", ".")) if p else 0.0 for p in parts.groups()
            )
            if minutes >= 60 or seconds >= 60:
                raise ValueError("has minutes or seconds of 60 or more.")
            value = sign * (deg + minutes / 60 + seconds / 3600)
        else:
            try:
                value = sign * number(text)
            except ValueError:
                raise ValueError("is not a coordinate.") from None
    if not math.isfinite(value) or abs(value) > limit:
        name = "longitude" if axis == "lon" else "latitude"
        hint = (
            " Metres (VN-2000 X/Y)? Head the columns X and Y (or --columns x=...,y=...) and "
            "give their CRS with --crs."
            if math.isfinite(value) and abs(value) > 10_000
            else ""
        )
        raise ValueError(f"is not a {name} (between -{limit:g} and {limit:g}).{hint}")
    return value


def lat_lon(raw: object) -> tuple[float, float]:
    r"""Return ``(longitude, latitude)`` from one cell holding both, as a web map copies them.

    ``"20.42, 106.17"`` (latitude first), ``"106.17, 20.42"``, ``"20,42; 106,17"``
    (decimal commas), ``20°25'12"N 106°10'25"E``: the order is told by the
    values (a latitude is within ±90) or by the hemisphere letters.

    Raises
    ------
    ValueError
        If the cell does not hold two coordinates.

    Examples
    --------
    >>> lat_lon("20.42, 106.17"), lat_lon("106,17; 20,42")
    ((106.17, 20.42), (106.17, 20.42))
    """
    text = nfc(raw)
    if ";" in text:
        parts = text.split(";")
    elif ", " in text or text.count(",") == 1:
        parts = text.split(", " if ", " in text else ",")
    else:
        # Separated by spaces only, which may also sit inside each coordinate
        # (20° 25' 12" N 106° 10' 25" E): every split at a space is tried, and
        # exactly one must give two coordinates.
        words = text.split()
        found = {
            pair
            for k in range(1, len(words))
            if (pair := _two_coordinates(" ".join(words[:k]), " ".join(words[k:]))) is not None
        }
        if len(found) == 1:
            return found.pop()
        if found:
            raise ValueError(
                "can be read as two coordinates in more than one way; separate them with "
                "a semicolon (latitude; longitude)."
            )
        raise ValueError("is not two coordinates (latitude, longitude).")
    parts = [p.strip() for p in parts if p.strip()]
    pair = _two_coordinates(*parts) if len(parts) == 2 else None
    if pair is None:
        raise ValueError("is not two coordinates (latitude, longitude).")
    return pair


def _two_coordinates(first: str, second: str) -> tuple[float, float] | None:
    """``(longitude, latitude)`` from two texts in either order, or ``None``."""
    for lon, lat in ((second, first), (first, second)):
        try:
            return coordinate(lon, axis="lon"), coordinate(lat, axis="lat")
        except ValueError:
            continue
    return None


_DATE_FORMATS = (
    "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%y", "%d-%m-%y", "%d.%m.%y",
)  # fmt: skip
#: Day 0 of Excel's date serials (1900 system, with its leap-year quirk), and the
#: serials read as dates (1954-10-04 to 2119-01-10).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_SERIALS = (20_000, 80_000)


def to_date(raw: object) -> pd.Timestamp:
    """Return the date in ``raw``: a date cell, ``dd/mm/yyyy`` (or ``-``/``.``, or ``yy``), ISO.

    A number from 20,000 to 80,000 (1954 to 2119) is an Excel date serial,
    the form a date cell takes when its format is lost (45292 is 2024-01-01).

    Raises
    ------
    ValueError
        If it is not a date.

    Examples
    --------
    >>> to_date("05/09/2024"), to_date("2024-09-05")
    (Timestamp('2024-09-05 00:00:00'), Timestamp('2024-09-05 00:00:00'))
    >>> to_date(45292), to_date("05/09/24")
    (Timestamp('2024-01-01 00:00:00'), Timestamp('2024-09-05 00:00:00'))
    """
    if isinstance(raw, dt.datetime | dt.date):
        return pd.Timestamp(raw.year, raw.month, raw.day)
    serial = raw if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    if serial is None and re.fullmatch(r"\s*\d{5}(\.\d+)?\s*", str(raw)):
        serial = float(raw)
    if serial is not None:
        if not (math.isfinite(serial) and _EXCEL_SERIALS[0] <= serial <= _EXCEL_SERIALS[1]):
            raise ValueError("is a number, not a date (write dd/mm/yyyy).")
        day = _EXCEL_EPOCH + dt.timedelta(days=int(serial))
        return pd.Timestamp(day.year, day.month, day.day)
    text = nfc(raw).split(" ")[0].split("T")[0]
    for fmt in _DATE_FORMATS:
        try:
            stamp = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if 1900 <= stamp.year <= 2200:
            return pd.Timestamp(stamp.year, stamp.month, stamp.day)
    raise ValueError("is not a date (dd/mm/yyyy).")


_OPERATOR_WORDS = {fold(k).replace(" ", ""): v for k, v in OPERATOR_ALIASES.items()} | {
    fold(o).replace(" ", ""): o for o in OPERATORS
}


def operator(raw: object) -> str:
    """Return the operator named in ``raw`` (``"Tập đoàn Viettel"`` -> ``"Viettel"``).

    Raises
    ------
    ValueError
        If no operator, or more than one, is named.

    Examples
    --------
    >>> operator("VNPT-VinaPhone"), operator("Tổng công ty Viễn thông MobiFone")
    ('VNPT', 'MobiFone')
    """
    folded = fold(str(raw))
    whole = folded.replace(" ", "")
    if whole in _OPERATOR_WORDS:
        return _OPERATOR_WORDS[whole]
    named = {_OPERATOR_WORDS[w] for w in folded.split() if w in _OPERATOR_WORDS}
    if len(named) == 1:
        return named.pop()
    if named:
        raise ValueError(f"names several operators ({', '.join(sorted(named))}).")
    raise ValueError(f"is not an operator ({', '.join(OPERATORS)}).")


def technologies(raw: object) -> str:
    """Return the technologies in ``raw`` as ``"2G,4G"`` (``"GSM/LTE"``, ``"2G+4G"``).

    Raises
    ------
    ValueError
        If a word is not a technology, or there is none.

    Examples
    --------
    >>> technologies("4G/2G"), technologies("GSM, LTE, NR")
    ('2G,4G', '2G,4G,5G')
    """
    words = [w for w in re.split(r"[\s,;/+&]+", fold(str(raw)).replace(" ", ",")) if w]
    unknown = [w for w in words if w not in _TECH_WORDS]
    if unknown or not words:
        raise ValueError(f"is not a list of technologies ({', '.join(TECHNOLOGIES)}).")
    found = {_TECH_WORDS[w] for w in words}
    return ",".join(t for t in TECHNOLOGIES if t in found)


def status(raw: object) -> str:
    """Return the status of a station from its Vietnamese or English word.

    Raises
    ------
    ValueError
        If the word is not one that names a status without ambiguity.

    Examples
    --------
    >>> status("Đang phát sóng"), status("ĐÃ CẤP PHÉP"), status("on_air")
    ('on_air', 'approved', 'on_air')
    """
    folded = fold(str(raw))
    if folded in STATUS_WORDS:
        return STATUS_WORDS[folded]
    if folded.replace(" ", "_") in BTS_STATUSES:
        return folded.replace(" ", "_")
    raise ValueError(
        f"is not a status this importer knows ({', '.join(BTS_STATUSES)}; e.g. "
        "'Đang phát sóng', 'Đã cấp phép', 'Đang xây dựng', 'Đã tháo dỡ')."
    )


def _frame(table: pd.DataFrame, kind: str) -> gpd.GeoDataFrame:
    order = [c for c in KIND_FIELDS[kind] if c in table.columns and c not in _COORDINATES]
    if table.empty:
        data = {c: pd.Series(dtype=object) for c in order}
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    out = pd.DataFrame(index=table.index)
    for name in order:
        how = FIELDS[name][0]
        values = table[name]
        if how == "date":
            out[name] = pd.to_datetime(values.astype(object), errors="coerce").astype(
                "datetime64[ns]"
            )
        elif how == "number":
            out[name] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            out[name] = values.astype(object).where(values.notna(), None)
    points = shapely.points(
        table["_lon"].to_numpy(dtype=float), table["_lat"].to_numpy(dtype=float)
    )
    return gpd.GeoDataFrame(out, geometry=points, crs="EPSG:4326")
