"""Tables for people and programs: terminal text, CSV, JSON, Markdown and XLSX.

:func:`render_table` turns one DataFrame (a metric table indexed by unit
code, or any other) into the text of one format, or the bytes of an XLSX
workbook; :func:`render_tables` does the same for several tables (one XLSX
sheet per table).

What each format shows
----------------------
``table`` and ``md``
    For people: headers in Vietnamese or English, numbers written the way the
    report writes them (``152.954``, ``20,8``; percentages cut, one decimal).
``csv`` and ``json``
    For programs: the column names as they are and the exact values
    (``json`` writes missing values as ``null``). Several tables in one CSV
    are stacked with a first column ``table``.
``xlsx``
    For Excel: one sheet per table, headers in Vietnamese or English, exact
    values with number formats (counts ``#,##0``, km ``#,##0.0``,
    percentages ``0.0%``, stored as fractions), the header row frozen, and
    the totals row in bold.

How columns are recognised
--------------------------
The kind of a column decides how it is written: ``pct`` (a name ``pct`` or
ending in ``_pct``, values 0–100), ``km`` (a name ending in ``_km``),
``count`` (integer values), ``number`` (other numbers) or ``text``; pass
``kinds`` to override. Headers come from ``labels``, then from the columns
the table's metric declares in :mod:`ict_gis.metrics.registry`, then from
:data:`ict_gis.texts.COLUMN_LABELS` (``{tech}`` is replaced by
``frame.attrs["tech"]``), else the column name.

The totals row is the row whose code (first index level) is ``"total"``, the
convention of :mod:`ict_gis.metrics.progress`; its name and that of the
``"outside"`` row are translated. No totals row is invented: sums of
percentages would be wrong.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ict_gis.metrics.registry import metric_of
from ict_gis.numbers import (
    MISSING,
    format_count,
    format_number,
    format_percent,
    is_missing,
)
from ict_gis.texts import (
    COLUMN_LABELS,
    ROW_NAMES,
    VALUE_LABELS,
    column_labels,
    lang_index,
    text,
)

__all__ = [
    "COLUMN_LABELS",
    "coverage_labels",
    "write_coverage_gpkg",
    "FORMATS",
    "column_kind",
    "json_value",
    "localise_frame",
    "records",
    "render_table",
    "render_tables",
]

Format = Literal["table", "csv", "json", "md", "xlsx"]
Kind = Literal["pct", "km", "count", "number", "text"]

#: Output formats of :func:`render_table`.
FORMATS: tuple[str, ...] = ("table", "csv", "json", "md", "xlsx")

#: Code of the totals row, and of the row of features outside every unit.
TOTAL_CODE = "total"
OUTSIDE_CODE = "outside"

_XLSX_FORMATS: dict[str, str] = {
    "count": "#,##0",
    "km": "#,##0.0",
    "pct": "0.0%",
    "number": "#,##0.00",
}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _lang_index(lang: str) -> int:
    return lang_index(lang)


def coverage_labels(lang: str) -> dict[str, str]:
    """Headers of the coverage columns in ``lang`` (``vi`` or ``en``).

    Examples
    --------
    >>> coverage_labels("en")["covered_pct"]
    'Area covered (%)'
    """
    return column_labels(
        lang,
        (
            "tech",
            "operator",
            "area_km2",
            "covered_km2",
            "covered_pct",
            "population",
            "population_covered",
            "population_pct",
        ),
    )


def column_kind(name: str, values: pd.Series) -> Kind:
    """Return how a column is written: ``pct``, ``km``, ``count``, ``number`` or ``text``.

    Examples
    --------
    >>> column_kind("tidied_km", pd.Series([1.5])), column_kind("pct", pd.Series([2.0]))
    ('km', 'pct')
    >>> column_kind("stations", pd.Series([3])), column_kind("name", pd.Series(["A"]))
    ('count', 'text')
    """
    name = str(name)
    if name == "pct" or name.endswith("_pct"):
        return "pct"
    if name.endswith("_km"):
        return "km"
    if pd.api.types.is_bool_dtype(values.dtype):
        return "text"
    if pd.api.types.is_integer_dtype(values.dtype):
        return "count"
    if pd.api.types.is_numeric_dtype(values.dtype):
        present = values.dropna()
        if len(present) and (present == np.floor(present)).all() and values.isna().any():
            return "count"  # whole numbers made float by missing values
        return "number"
    return "text"


def _flat(frame: pd.DataFrame, *, keyed: bool = False) -> pd.DataFrame:
    """Return the frame with its index as columns and ``name`` right after ``code``.

    With ``keyed`` (the files other programs read: CSV, JSON, XLSX), a table
    per units of a known vintage also gets a ``vintage`` column after
    ``code``: codes are reused across vintages (new 13669 is Phường Nam
    Định, old 13669 was Phường Cửa Bắc), so a unit's key is (vintage, code).
    """
    names = [n for n in frame.index.names if n is not None]
    flat = frame.reset_index() if names else frame.reset_index(drop=True)
    flat.columns = [str(c) for c in flat.columns]
    if "name" in flat.columns and "code" in flat.columns:
        cols = list(flat.columns)
        cols.remove("name")
        cols.insert(cols.index("code") + 1, "name")
        flat = flat[cols]
    vintage = frame.attrs.get("units_vintage")
    if keyed and vintage and "code" in flat.columns and "vintage" not in flat.columns:
        flat.insert(list(flat.columns).index("code") + 1, "vintage", str(vintage))
    return flat


def _total_rows(frame: pd.DataFrame) -> np.ndarray:
    if frame.index.nlevels == 0 or len(frame) == 0:
        return np.zeros(len(frame), dtype=bool)
    first = frame.index.get_level_values(0)
    return np.asarray([str(v) == TOTAL_CODE for v in first], dtype=bool)


def _label(
    column: str, lang: str, tech: str, labels: Mapping[str, str] | None, frame: pd.DataFrame
) -> str:
    if labels and column in labels:
        return labels[column]
    metric = metric_of(frame)
    declared = metric.label(column, lang) if metric is not None else None
    if declared is not None:
        return declared.replace("{tech}", tech).strip()
    pair = COLUMN_LABELS.get(column)
    text = pair[_lang_index(lang)] if pair else column
    return text.replace("{tech}", tech).strip()


def localise_frame(
    frame: pd.DataFrame,
    *,
    lang: str = "vi",
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
    keyed: bool = False,
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str], np.ndarray]:
    """Flatten a table for people: index as columns, special rows and values named.

    ``keyed``: with the ``vintage`` column of a file (see :func:`_flat`).

    Parameters
    ----------
    frame
        The table.
    lang
        ``"vi"`` or ``"en"``.
    labels
        Headers for some columns, overriding :data:`COLUMN_LABELS`.
    kinds
        Kinds for some columns, overriding :func:`column_kind`.

    Returns
    -------
    tuple of (pandas.DataFrame, dict, dict, numpy.ndarray)
        The flat table (column names unchanged, values unchanged but for
        category codes and the names of the total/outside rows), the header of
        each column, the kind of each column, and which rows are totals rows.
    """
    i = _lang_index(lang)
    flat = _flat(frame, keyed=keyed)
    totals = _total_rows(frame)
    first = flat.columns[0] if len(flat.columns) else None
    if "name" in flat.columns and "code" in flat.columns:
        special = flat["code"].astype(str).map(lambda c: ROW_NAMES.get(c, (None, None))[i])
        flat["name"] = special.where(special.notna(), flat["name"])
    elif first is not None and frame.index.names[0] is not None:
        # No name column (rows per operator, ...): name the special rows in place.
        flat[first] = flat[first].map(
            lambda v: ROW_NAMES[v][i] if isinstance(v, str) and v in ROW_NAMES else v
        )
    for col in flat.columns:
        if flat[col].dtype == object or pd.api.types.is_string_dtype(flat[col].dtype):
            flat[col] = flat[col].map(
                lambda v: VALUE_LABELS[v][i] if isinstance(v, str) and v in VALUE_LABELS else v
            )
    tech = str(frame.attrs.get("tech", "") or "")
    headers = {c: _label(c, lang, tech, labels, frame) for c in flat.columns}
    kind_of = {c: (kinds or {}).get(c) or column_kind(c, flat[c]) for c in flat.columns}
    return flat, headers, kind_of, totals


def _cell(value: object, kind: str, lang: str) -> str:
    if is_missing(value):
        return MISSING
    if kind == "count":
        return format_count(value, lang=lang)
    if kind == "km":
        return format_number(value, digits=1, lang=lang)
    if kind == "pct":
        return format_percent(value, digits=1, lang=lang)
    if kind == "number":
        return format_number(value, digits=2, lang=lang)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _text_cells(
    frame: pd.DataFrame,
    lang: str,
    labels: Mapping[str, str] | None,
    kinds: Mapping[str, str] | None,
) -> tuple[list[str], list[list[str]], list[bool], np.ndarray]:
    flat, headers, kind_of, totals = localise_frame(frame, lang=lang, labels=labels, kinds=kinds)
    cols = list(flat.columns)
    rows = [
        [_cell(v, kind_of[c], lang) for c, v in zip(cols, values, strict=True)]
        for values in flat.itertuples(index=False, name=None)
    ]
    right = [kind_of[c] != "text" for c in cols]
    return [headers[c] for c in cols], rows, right, totals


def _terminal(
    frame: pd.DataFrame,
    *,
    lang: str,
    title: str | None,
    labels: Mapping[str, str] | None,
    kinds: Mapping[str, str] | None,
) -> str:
    header, rows, right, totals = _text_cells(frame, lang, labels, kinds)
    widths = [max([len(h), *(len(r[j]) for r in rows)]) for j, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        parts = [
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [title, "=" * len(title)] if title else []
    out += [line(header), rule]
    for row, is_total in zip(rows, totals, strict=True):
        if is_total:
            out.append(rule)
        out.append(line(row))
    if not rows:
        out.append(text("no_rows", lang))
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    """Escape a cell for Markdown; no HTML tag survives if the Markdown becomes HTML."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _markdown(
    frame: pd.DataFrame,
    *,
    lang: str,
    title: str | None,
    labels: Mapping[str, str] | None,
    kinds: Mapping[str, str] | None,
) -> str:
    header, rows, right, totals = _text_cells(frame, lang, labels, kinds)
    out = [f"### {_md_escape(title)}", ""] if title else []
    out.append("| " + " | ".join(_md_escape(h) for h in header) + " |")
    out.append("|" + "|".join("---:" if r else ":---" for r in right) + "|")
    for row, is_total in zip(rows, totals, strict=True):
        cells = [_md_escape(c) for c in row]
        if is_total:
            cells = [f"**{c}**" if c else c for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def json_value(value: object) -> object:
    """Return ``value`` as a plain JSON value (``None`` for missing, exact numbers)."""
    if is_missing(value):
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, pd.Period):
        return str(value)
    return value


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Return the rows of a table as JSON-ready dicts (index as columns, exact values).

    Examples
    --------
    >>> frame = pd.DataFrame({"n": [1], "pct": [float("nan")]}, index=pd.Index(["a"], name="code"))
    >>> records(frame)
    [{'code': 'a', 'n': 1, 'pct': None}]
    """
    flat = _flat(frame, keyed=True)
    cols = list(flat.columns)
    return [
        {c: json_value(v) for c, v in zip(cols, values, strict=True)}
        for values in flat.itertuples(index=False, name=None)
    ]


def _csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    flat = _flat(frame, keyed=True)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(flat.columns)
    columns = [_csv_column(flat.iloc[:, k]) for k in range(flat.shape[1])]
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue()


def _csv_column(values: pd.Series) -> list[object]:
    """One column's CSV cells: floats exact (``repr``), missing values empty.

    Plain numpy columns are converted column-wise (a country table has
    hundreds of thousands of cells); any other goes value by value.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):  # text (pandas' own string type)
        return values.to_numpy(dtype=object, na_value="").tolist()
    if not isinstance(dtype, np.dtype) and pd.api.types.is_float_dtype(dtype):  # Float64
        values = pd.Series(values.to_numpy(dtype=float, na_value=np.nan))
    elif not isinstance(dtype, np.dtype) and pd.api.types.is_integer_dtype(dtype):  # Int64
        return [int(v) if v is not None else "" for v in values.to_numpy(object, na_value=None)]
    kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else "O"
    if kind == "f":
        return ["" if v != v else repr(v) for v in values.tolist()]
    if kind in "iub":
        return values.tolist()
    return ["" if is_missing(v) else _csv_value(v) for v in values.tolist()]


def _csv_value(value: object) -> object:
    value = json_value(value)
    if isinstance(value, float):
        return repr(value)
    return value


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title).strip().strip("'") or "Sheet"
    base = base[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _xlsx(
    frames: Mapping[str, pd.DataFrame],
    *,
    lang: str,
    labels: Mapping[str, str] | None,
    kinds: Mapping[str, str] | None,
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    bold = Font(bold=True)
    fill = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
    top = Border(top=Side(style="thin"))
    for title, frame in frames.items():
        sheet = book.create_sheet(_sheet_name(title, used))
        flat, headers, kind_of, totals = localise_frame(
            frame, lang=lang, labels=labels, kinds=kinds, keyed=True
        )
        cols = list(flat.columns)
        sheet.append([headers[c] for c in cols])
        for cell in sheet[1]:
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for values, is_total in zip(flat.itertuples(index=False, name=None), totals, strict=True):
            row = []
            for col, value in zip(cols, values, strict=True):
                value = json_value(value)
                if kind_of[col] == "pct" and isinstance(value, int | float):
                    value = value / 100.0
                elif isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                row.append(value)
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # text such as "=1+1" stays text, never a formula
                    cell.data_type = "s"
            if is_total:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
                    cell.border = top
        for j, col in enumerate(cols, start=1):
            number_format = _XLSX_FORMATS.get(kind_of[col])
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = number_format
            longest = max([len(str(headers[col])) // 2 + 1] + [len(str(v)) for v in flat[col]])
            sheet.column_dimensions[get_column_letter(j)].width = min(max(longest + 2, 8), 45)
        sheet.freeze_panes = "A2"
        if "name" in cols:
            sheet.freeze_panes = sheet.cell(row=2, column=cols.index("name") + 2)
    if not frames:
        book.create_sheet("Sheet")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"Unknown table format {fmt!r}; use one of {', '.join(FORMATS)}.")


def render_table(
    frame: pd.DataFrame,
    fmt: Format = "table",
    *,
    lang: str = "vi",
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> str | bytes:
    """Render one table as terminal text, CSV, JSON, Markdown (text) or XLSX (bytes).

    Parameters
    ----------
    frame
        The table; its index (``code``, or several levels) becomes the first
        columns. Not modified.
    fmt
        ``table``, ``csv``, ``json``, ``md`` or ``xlsx``.
    lang
        Language of headers and numbers (``table``, ``md``, ``xlsx``).
    title
        Title above the table (``table``, ``md``), or the XLSX sheet name
        (cut to 31 characters).
    labels
        Headers for some columns, overriding :data:`COLUMN_LABELS`.
    kinds
        Kinds for some columns (``pct``, ``km``, ``count``, ``number``,
        ``text``), overriding :func:`column_kind`.

    Returns
    -------
    str or bytes
        Text, or the bytes of an XLSX workbook.

    Raises
    ------
    ValueError
        If the format or language is unknown.

    Examples
    --------
    >>> frame = pd.DataFrame(
    ...     {"name": ["A", "Total"], "tidied_km": [1234.5, 1234.5], "pct": [96.38, 96.38]},
    ...     index=pd.Index(["1", "total"], name="code"),
    ... )
    >>> print(render_table(frame, "md", lang="en"))
    | Code | Administrative unit | Tidied (km) | Share of the plan |
    |:---|:---|---:|---:|
    | 1 | A | 1,234.5 | 96.3% |
    | **total** | **Total** | **1,234.5** | **96.3%** |
    <BLANKLINE>
    """
    _check_format(fmt)
    _lang_index(lang)
    if fmt == "table":
        return _terminal(frame, lang=lang, title=title, labels=labels, kinds=kinds)
    if fmt == "md":
        return _markdown(frame, lang=lang, title=title, labels=labels, kinds=kinds)
    if fmt == "csv":
        return _csv(frame)
    if fmt == "json":
        return json.dumps(records(frame), ensure_ascii=False, indent=2) + "\n"
    return _xlsx({title or "Sheet": frame}, lang=lang, labels=labels, kinds=kinds)


def render_tables(
    frames: Mapping[str, pd.DataFrame],
    fmt: Format = "table",
    *,
    lang: str = "vi",
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> str | bytes:
    """Render several tables, keyed by title, in one output.

    ``table`` and ``md`` write the tables one after the other under their
    titles; ``json`` writes one object ``{title: [rows]}``; ``csv`` stacks
    them with a first column ``table`` holding the title (columns are the
    union of all tables'); ``xlsx`` writes one sheet per table.

    Parameters
    ----------
    frames
        Title to table, in the order wanted.
    fmt, lang, labels, kinds
        As for :func:`render_table`.

    Returns
    -------
    str or bytes
    """
    _check_format(fmt)
    _lang_index(lang)
    if fmt == "xlsx":
        return _xlsx(frames, lang=lang, labels=labels, kinds=kinds)
    if fmt == "json":
        data = {title: records(frame) for title, frame in frames.items()}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        flats = [
            _flat(frame, keyed=True).astype(object).assign(table=title)
            for title, frame in frames.items()
        ]
        if not flats:
            return ""
        stacked = pd.concat(flats, ignore_index=True)
        stacked = stacked[["table", *[c for c in stacked.columns if c != "table"]]]
        return _csv(stacked)
    parts = [
        render_table(frame, fmt, lang=lang, title=title, labels=labels, kinds=kinds)
        for title, frame in frames.items()
    ]
    return "\n".join(str(p) for p in parts)


def write_coverage_gpkg(
    layers: Mapping[str, pd.DataFrame],
    table: pd.DataFrame,
    path: str | os.PathLike,
    *,
    tech: str | Sequence[str] = "4G",
    operator: str | Sequence[str] | None = None,
    model: object = None,
    as_of: object = None,
    level: str | None = None,
) -> Path:
    """Write a coverage table with its units and footprints to a GeoPackage, atomically.

    Three layers: ``coverage`` (the rows of ``table`` per unit, with the
    unit's polygon), ``footprints`` (the footprints of
    :func:`ict_gis.metrics.coverage.coverage_footprints` with the same
    options) and ``coverage_total`` (the ``total`` rows, no geometry).

    Parameters
    ----------
    layers
        The layer set ``table`` was computed from.
    table
        A table of :func:`ict_gis.metrics.coverage.coverage`.
    path
        The ``.gpkg`` file to write (through :func:`ict_gis.io.write_layers`).
    tech, operator, model, as_of, level
        The options ``table`` was computed with.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    import geopandas as gpd

    from ict_gis import io as layer_io
    from ict_gis.metrics.coverage import coverage_footprints
    from ict_gis.units import unit_frame

    units = unit_frame(layers, as_of=as_of, level=level)
    rows = table.drop(index="total", errors="ignore").reset_index()
    geoms = units.geometry.reindex(rows["code"]).to_numpy()
    layer = gpd.GeoDataFrame(rows, geometry=geoms, crs=units.crs)
    fps = coverage_footprints(
        layers, tech=tech, operator=operator, model=model, as_of=as_of, level=level
    )
    return layer_io.write_layers(
        {
            "coverage": layer,
            "footprints": fps,
            "coverage_total": pd.DataFrame(table.loc[["total"]].reset_index()),
        },
        path,
    )
