"""Schemas of the layer kinds, and conversion of raw columns to their types.

A schema says which columns a layer kind has, their types, allowed values and
the geometry type. :func:`coerce` turns the columns of a freshly read layer
into those types (text in Unicode NFC, dates as ``datetime64``, canonical
operator names) and reports every value it cannot convert instead of dropping
it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ict_gis.errors import LayerKindError, TechnologyError
from ict_gis.io.encodings import nfc
from ict_gis.io.sheets import fold
from ict_gis.problems import Problem
from ict_gis.settings import (
    BTS_STATUSES,
    CABLE_CATEGORIES,
    CABLE_STATUSES,
    LAYER_KINDS,
    OPERATOR_ALIASES,
    OPERATORS,
    TECHNOLOGIES,
    UNIT_LEVELS,
)

DType = Literal["str", "int", "float", "date", "list", "floats"]


@dataclass(frozen=True)
class Column:
    """One column of a layer schema.

    Parameters
    ----------
    name
        Column name.
    dtype
        ``str``, ``int``, ``float``, ``date`` (ISO 8601), ``list`` (comma
        separated words such as ``"2G,4G"``) or ``floats`` (comma separated
        numbers such as ``"0,120,240"``).
    required
        Whether the column must be present.
    nullable
        Whether a value may be missing.
    allowed
        Allowed values (for ``str``) or items (for ``list``).
    unique
        Whether values must be unique within the layer.
    """

    name: str
    dtype: DType = "str"
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    unique: bool = False


@dataclass(frozen=True)
class LayerSchema:
    """Schema of one layer kind.

    Parameters
    ----------
    kind
        Layer kind, also the bundled file's stem (``bts_stations``).
    id_columns
        Columns that identify a feature in messages.
    geometry
        Allowed geometry types, or ``None`` for a table without geometry.
    columns
        The columns.
    references
        ``column -> (layer kind, column)`` that each value must exist in.
    """

    kind: str
    id_columns: tuple[str, ...]
    geometry: tuple[str, ...] | None
    columns: tuple[Column, ...]
    references: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        """Names of all columns of the schema."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


_OPERATOR = Column("operator", allowed=OPERATORS)

SCHEMAS: dict[str, LayerSchema] = {
    s.kind: s
    for s in (
        LayerSchema(
            "districts",
            ("code",),
            ("Polygon", "MultiPolygon"),
            (
                Column("code", unique=True),
                Column("name"),
                Column("level", required=False, allowed=UNIT_LEVELS),
                Column("parent_code", required=False, nullable=True),
                Column("unit_type", required=False, nullable=True),
                Column("population", "int", required=False, nullable=True),
                Column("households", "int", required=False, nullable=True),
                # The day the units came into force (e.g. 2025-07-01 for the
                # communes of the 2025 reform); a unit's key is (vintage, code).
                Column("vintage", required=False, nullable=True),
            ),
        ),
        LayerSchema(
            "bts_stations",
            ("site_id",),
            ("Point",),
            (
                Column("site_id", unique=True),
                _OPERATOR,
                Column("technologies", "list", allowed=TECHNOLOGIES),
                Column("height_m", "float", nullable=True),
                Column("status", allowed=BTS_STATUSES),
                Column("approved_date", "date", nullable=True),
                Column("on_air_date", "date", nullable=True),
                Column("azimuths_deg", "floats", required=False, nullable=True),
                Column("band_mhz", "float", required=False, nullable=True),
                Column("eirp_dbm", "float", required=False, nullable=True),
            ),
        ),
        *(
            # One layer per technology switched off: shutdowns_2g now, shutdowns_3g next.
            LayerSchema(
                f"shutdowns_{tech}",
                ("site_id",),
                ("Point",),
                (
                    Column("site_id", unique=True),
                    _OPERATOR,
                    Column("switch_off_date", "date"),
                    Column("subscribers_left", "int", required=False, nullable=True),
                ),
                references={"site_id": ("bts_stations", "site_id")},
            )
            for tech in ("2g", "3g")
        ),
        LayerSchema(
            "sites_5g",
            ("site_id",),
            ("Point",),
            (
                Column("site_id", unique=True),
                _OPERATOR,
                Column("band_mhz", "float", nullable=True),
                Column("on_air_date", "date", nullable=True),
            ),
        ),
        LayerSchema(
            "cable_routes",
            ("route_id",),
            ("LineString", "MultiLineString"),
            (
                Column("route_id", unique=True),
                Column("street", nullable=True),
                Column("category", allowed=CABLE_CATEGORIES),
                Column("plan", nullable=True),
                Column("status", allowed=CABLE_STATUSES),
                Column("done_date", "date", nullable=True),
                Column("operators", "list", nullable=True, allowed=OPERATORS),
            ),
        ),
        LayerSchema(
            "subscribers",
            ("code", "period"),
            None,
            (
                Column("code"),
                Column("period"),
                Column("subscribers_2g", "int"),
                Column("migrated_to_4g", "int"),
            ),
        ),
        LayerSchema(
            "admin_changes",
            ("old_code",),
            None,
            (
                Column("old_code"),
                Column("new_code"),
                Column("effective_date", "date"),
                # A split (one old_code, several rows) may give each part its
                # share of the old unit's figures (any positive numbers; they
                # are normalised per old_code). Without it figures are split
                # by area share, or by population share when asked.
                Column("weight", "float", required=False, nullable=True),
            ),
        ),
    )
}


def schema_for(kind: str) -> LayerSchema:
    """Return the schema of layer ``kind``.

    Raises
    ------
    LayerKindError
        If ``kind`` is not a known layer kind.
    """
    try:
        return SCHEMAS[kind]
    except KeyError:
        close = difflib.get_close_matches(kind, LAYER_KINDS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise LayerKindError(
            f"Unknown layer kind {kind!r}.{hint} Known kinds: {', '.join(LAYER_KINDS)}."
        ) from None


def kind_from_name(name: str) -> str | None:
    """Guess a layer kind from a file or layer name (``bts_stations.geojson``).

    Returns ``None`` when the name matches no kind.
    """
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0].lower().replace("-", "_")
    if stem in SCHEMAS:
        return stem
    for kind in LAYER_KINDS:
        if stem.startswith(kind) or stem.endswith(kind):
            return kind
    return None


def split_list(value: object) -> list[str]:
    """Split a comma separated value such as ``"2G, 4G"`` into its items."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return []
    return [item.strip() for item in str(value).replace(";", ",").split(",") if item.strip()]


def technology(value: object) -> str:
    """Return the canonical name of one technology (``"4g"`` -> ``"4G"``).

    The one check of a technology name for every metric and command.

    Raises
    ------
    TechnologyError
        When ``value`` is not one of :data:`ict_gis.settings.TECHNOLOGIES`.

    Examples
    --------
    >>> technology(" 4g ")
    '4G'
    """
    canon = str(value).strip().upper()
    if canon not in TECHNOLOGIES:
        raise TechnologyError(
            f"Unknown technology {value!r}; use one of {', '.join(TECHNOLOGIES)}."
        )
    return canon


def technologies(value: str | Iterable[str]) -> list[str]:
    """Return the canonical technologies of ``"2G,4G"`` or a list, in the usual order.

    Raises
    ------
    TechnologyError
        When a name is unknown or none is given.

    Examples
    --------
    >>> technologies("5G, 2g")
    ['2G', '5G']
    """
    items = (
        split_list(value) if isinstance(value, str) else [t for x in value for t in split_list(x)]
    )
    if not items:
        raise TechnologyError(f"No technology given; use one or more of {', '.join(TECHNOLOGIES)}.")
    return sorted({technology(item) for item in items}, key=TECHNOLOGIES.index)


def feature_ids(
    frame: pd.DataFrame, schema: LayerSchema, rows: np.ndarray | None = None
) -> pd.Series:
    """Return one printable id per row: the id columns, or ``#<row>`` if missing.

    With ``rows`` (positions), only the ids of those rows (``#<row>`` still
    counts from the start of ``frame``).
    """
    positions = np.arange(len(frame)) if rows is None else np.asarray(rows, dtype=np.int64)
    if not all(c in frame.columns for c in schema.id_columns):
        index = frame.index if rows is None else frame.index[positions]
        return pd.Series([f"#{i}" for i in positions], index=index, dtype=object)
    columns = [frame[c] if rows is None else frame[c].iloc[positions] for c in schema.id_columns]
    parts = [
        pd.Series(_id_texts(column.to_numpy(dtype=object)), index=column.index, dtype=object)
        for column in columns
    ]
    ids = parts[0]
    missing = ids.isna()
    for part in parts[1:]:
        missing |= part.isna()
        ids = ids.str.cat(part, sep="/")
    if missing.any():
        at = np.flatnonzero(missing.to_numpy())
        ids = ids.astype(object)
        ids.iloc[at] = [f"#{i}" for i in positions[at]]
    return ids.astype(object)


def _id_texts(values: np.ndarray) -> list[str | None]:
    """:func:`_id_text` of many values (a quicker path for ASCII text, NFC already)."""
    return [
        value if type(value) is str and value.isascii() and value.strip() else _id_text(value)
        for value in values
    ]


def _id_text(value: object) -> str | None:
    return None if _missing(value) else _to_text(value)


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _to_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value))


def _canonical(value: str, allowed: Iterable[str]) -> str | None:
    allowed = tuple(allowed)
    if value in allowed:
        return value
    lowered = value.lower()
    if allowed == OPERATORS and lowered in OPERATOR_ALIASES:
        return OPERATOR_ALIASES[lowered]
    for item in allowed:
        if item.lower() == lowered:
            return item
    return None


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def _to_date(value: object) -> pd.Timestamp | None:
    """Parse a date, or return ``None``.

    Accepts ISO ``2024-09-01`` and the forms GDAL and Vietnamese offices write
    (``2024/09/01``, and day first ``01/09/2024``, ``01-09-2024``).
    """
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date | np.datetime64):
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            return None
        return stamp.tz_localize(None) if stamp.tzinfo else stamp
    text = str(value).strip()
    if len(text) > 10 and text[10] in "T ":
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


#: Usual other names of required columns in files as agencies publish them
#: (as :func:`ict_gis.io.sheets.fold` folds them, without spaces): a unit layer
#: with "Mã xã" / "TenXa" / "ma_dvhc" is read without renaming.
COLUMN_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "districts": {
        "code": (
            "ma", "madvhc", "madonvi", "maxa", "maphuongxa", "mahuyen", "maquanhuyen",
            "matinh", "unitcode", "admcode",
        ),
        "name": (
            "ten", "tendvhc", "tendonvi", "tenxa", "tenphuongxa", "tenhuyen", "tenquanhuyen",
            "tentinh", "unitname", "admname",
        ),
    },
}  # fmt: skip
#: Digits of a General Statistics Office code per unit level (leading zeros kept).
GSO_CODE_DIGITS: dict[str, int] = {"province": 2, "district": 3, "commune": 5}


def _synonym_columns(kind: str, frame: pd.DataFrame) -> dict[str, str]:
    """Return the required columns missing from ``frame`` that one other column stands for."""
    found = {}
    for column, names in COLUMN_SYNONYMS.get(kind, {}).items():
        if column in frame.columns:
            continue
        matches = [c for c in frame.columns if fold(c).replace(" ", "") in names]
        if len(matches) == 1:
            found[column] = matches[0]
    return found


def _padded_codes(frame: pd.DataFrame, source: object, codes: pd.Series) -> tuple[pd.Series, str]:
    """GSO codes stored as numbers: pad them by level; say what was done (or could not be)."""
    if not pd.api.types.is_numeric_dtype(frame[source]):
        return codes, ""
    if "level" not in frame.columns:
        return codes, (
            f"the codes in {source!r} are numbers, so leading zeros may be lost (GSO codes "
            "have 2, 3 or 5 digits); store them as text, or add a 'level' column."
        )
    digits = frame["level"].map(GSO_CODE_DIGITS)
    short = codes.notna() & digits.notna() & (codes.str.len() < digits.fillna(0))
    if not short.any():
        return codes, ""
    padded = codes.copy()
    padded[short] = [c.zfill(int(d)) for c, d in zip(codes[short], digits[short], strict=True)]
    return padded, (
        f"the codes in {source!r} are numbers; {int(short.sum())} were padded with leading "
        "zeros to the digits of their level's GSO codes (e.g. a commune's 5)."
    )


def coerce(kind: str, frame: pd.DataFrame, *, layer: str | None = None):
    """Convert the columns of a raw layer to the types of its schema.

    Parameters
    ----------
    kind
        Layer kind.
    frame
        The layer as read (not modified).
    layer
        Name used in problems; defaults to ``kind``.

    Returns
    -------
    tuple of (pandas.DataFrame, list of Problem)
        A converted copy, and every value that could not be converted (left
        missing in the copy, never dropped), every missing required column
        (added, all missing) and every unknown column (kept as it is).
    """
    schema = schema_for(kind)
    layer = layer or kind
    out = frame.copy()
    problems: list[Problem] = []
    found_ids: list[pd.Series] = []

    def ids(idx: object) -> str:
        """Return the feature id of row label ``idx`` (all ids are computed once, if needed)."""
        if not found_ids:
            found_ids.append(feature_ids(frame, schema))
        return found_ids[0][idx]

    lower_cols = {str(c).lower(): c for c in frame.columns}
    synonyms = _synonym_columns(kind, frame)
    for column, source in synonyms.items():
        out[column] = frame[source]
        problems.append(
            Problem(
                layer,
                None,
                str(source),
                "warning",
                f"no column {column!r}: column {source!r} is read as {column!r}.",
                f"nothing to do if that is right; else rename the columns so that one is "
                f"named {column!r}.",
            )
        )
    for col in schema.columns:
        if col.name not in out.columns:
            if col.required:
                found = lower_cols.get(col.name.lower())
                fix = (
                    f"rename column {found!r} to {col.name!r}"
                    if found is not None
                    else f"add a column {col.name!r} ({col.dtype})"
                )
                problems.append(
                    Problem(layer, None, col.name, "error", "required column is missing.", fix)
                )
            out[col.name] = _empty(col.dtype, len(out), out.index)
            continue
        converted, bad = _convert(out[col.name], col)
        if kind == "districts" and col.name == "code":
            converted, said = _padded_codes(frame, synonyms.get("code", "code"), converted)
            if said:
                problems.append(
                    Problem(layer, None, "code", "warning", said, "store the codes as text.")
                )
        out[col.name] = converted
        for idx, raw, why in bad:
            problems.append(
                Problem(layer, ids(idx), col.name, "error", f"value {raw!r} {why}", _fix_for(col))
            )
        if not col.nullable:
            for idx in converted.index[converted.isna()]:
                if frame.at[idx, col.name] is not None and not _missing(frame.at[idx, col.name]):
                    continue  # already reported as unconvertible
                problems.append(
                    Problem(layer, ids(idx), col.name, "error", "value is missing.", _fix_for(col))
                )
    known = set(schema.column_names) | {"geometry"} | set(synonyms.values())
    for name in frame.columns:
        if name not in known and str(name) != getattr(frame, "_geometry_column_name", None):
            close = difflib.get_close_matches(str(name), schema.column_names, n=1)
            fix = f"rename it to {close[0]!r}" if close else "remove it or ignore this warning"
            problems.append(
                Problem(
                    layer,
                    None,
                    str(name),
                    "warning",
                    f"column is not part of the {kind} schema; it is kept but not used.",
                    fix,
                )
            )
    return out, problems


def _empty(dtype: DType, n: int, index: pd.Index) -> pd.Series:
    if dtype == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if dtype == "int":
        return pd.Series(pd.NA, index=index, dtype="Int64")
    if dtype == "float":
        return pd.Series(np.nan, index=index, dtype="float64")
    return pd.Series([None] * n, index=index, dtype=object)


def _fix_for(col: Column) -> str:
    if col.allowed and col.dtype == "list":
        return f"use comma separated values from: {', '.join(col.allowed)}."
    if col.allowed:
        return f"use one of: {', '.join(col.allowed)}."
    return {
        "date": "write the date as YYYY-MM-DD (or DD/MM/YYYY).",
        "int": "write a whole number.",
        "float": "write a number (decimal point, no unit).",
        "floats": "write comma separated numbers, e.g. 0,120,240.",
    }.get(col.dtype, "fill in a value.")


def _convert(series: pd.Series, col: Column) -> tuple[pd.Series, list[tuple[object, object, str]]]:
    """Convert one column; return the converted column and the bad values.

    Each distinct value is converted once (``pandas.factorize``), so columns
    with few distinct values (operators, statuses, dates) convert quickly;
    numbers already stored as numbers are taken as they are.
    """
    if col.dtype == "float" and _is_plain_numeric(series):
        result = series.astype("float64")
        bad = [(i, v, "is not a finite number.") for i, v in result[np.isinf(result)].items()]
        return result.where(np.isfinite(result)), bad
    if col.dtype == "str" and col.allowed is None and isinstance(series.dtype, pd.StringDtype):
        return _convert_texts(series), []
    if isinstance(series.dtype, pd.StringDtype):
        # Arrow text: distinct values found without a Python string per row.
        codes, found = series.factorize(use_na_sentinel=True)
        uniques = np.asarray(found, dtype=object)
    else:
        codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    if col.dtype == "str" and col.allowed is None and all(isinstance(u, str) for u in uniques):
        done = [(t, "") for t in _convert_texts(pd.Series(uniques, dtype=object))]
    elif col.dtype == "date":
        stamps, whys = _convert_dates(uniques, col)
        done = list(zip(stamps, whys, strict=True))
    else:
        done = [(None, "") if _missing(u) else _convert_value(u, col) for u in uniques]
    bad_codes = np.flatnonzero([bool(why) for _, why in done])
    bad_rows = np.flatnonzero(np.isin(codes, bad_codes))
    raw = series.iloc[bad_rows].to_numpy(dtype=object)  # plain Python values, for messages
    bad = [
        (series.index[row], value, done[codes[row]][1])
        for row, value in zip(bad_rows, raw, strict=True)
    ]
    # One typed value per distinct value, plus a last slot for missing values
    # (code -1 picks it), then one take per row.
    if col.dtype == "date":
        table = np.append(stamps, np.datetime64("NaT", "ns"))
        values = table.take(codes) if len(codes) else table[:0]
        return pd.Series(values, index=series.index, dtype="datetime64[ns]"), bad
    converted = [v for v, _ in done]
    if col.dtype == "int":
        table = pd.array([*converted, None], dtype="Int64")
    elif col.dtype == "float":
        table = pd.array([*converted, None], dtype="float64")
    else:
        table = np.array([*converted, None], dtype=object)
    values = table.take(codes) if len(codes) else table[:0]
    dtype = object if isinstance(table, np.ndarray) else None  # text stays object, not "str"
    return pd.Series(values, index=series.index, dtype=dtype), bad


def _convert_dates(values: np.ndarray, col: Column) -> tuple[np.ndarray, list[str]]:
    """Convert distinct date values: ISO texts in one parse, the others one by one.

    Returns the dates (``datetime64[ns]``, NaT when missing or not a date)
    and, for each value, why it is not a date ("" when it is, or is missing).
    """
    texts = [v if isinstance(v, str) else None for v in values]
    iso = pd.to_datetime(pd.Series(texts, dtype=object), format="%Y-%m-%d", errors="coerce")
    stamps = iso.to_numpy(dtype="datetime64[ns]")
    whys = [""] * len(values)
    for i in np.flatnonzero(np.isnat(stamps)):
        if _missing(values[i]):
            continue
        stamp, whys[i] = _convert_value(values[i], col)
        if stamp is not None:
            stamps[i] = pd.Timestamp(stamp).as_unit("ns").to_datetime64()
    return stamps, whys


def _convert_texts(series: pd.Series) -> pd.Series:
    """Strip and NFC-normalise a column of texts (blank: missing), with string kernels.

    Only non-ASCII texts need NFC; columns of unique ids convert without a
    Python call per value.
    """
    stripped = series.str.strip()
    values = stripped.to_numpy(dtype=object, copy=True)
    missing = stripped.isna().to_numpy() | (stripped == "").to_numpy(dtype=bool, na_value=False)
    odd = np.flatnonzero(~stripped.str.isascii().to_numpy(dtype=bool, na_value=True) & ~missing)
    values[odd] = [unicodedata.normalize("NFC", v) for v in values[odd]]
    values[missing] = None
    return pd.Series(values, index=series.index, dtype=object)


def _is_plain_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    )


def _convert_value(raw: object, col: Column) -> tuple[object, str]:
    """Convert one value; return ``(value, "")`` or ``(None, why it failed)``."""
    if col.dtype == "date":
        stamp = _to_date(raw)
        return (stamp, "") if stamp is not None else (None, "is not a date (YYYY-MM-DD).")
    if col.dtype in ("int", "float"):
        try:
            number = float(str(raw).strip()) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            return None, "is not a number."
        if not np.isfinite(number):
            return None, "is not a finite number."
        if col.dtype == "int":
            if not number.is_integer():
                return None, "is not a whole number."
            if number < 0:
                return None, "is negative."
            return int(number), ""
        return number, ""
    if col.dtype == "floats":
        try:
            numbers = [float(x) for x in split_list(raw)]
        except ValueError:
            return None, "is not a list of numbers."
        return ",".join(f"{x:g}" for x in numbers), ""
    if col.dtype == "list":
        items = split_list(_to_text(raw))
        canon = [_canonical(item, col.allowed) if col.allowed else item for item in items]
        unknown = [i for i, c in zip(items, canon, strict=True) if c is None]
        if unknown:
            return None, f"has unknown item(s) {', '.join(map(repr, unknown))}."
        if col.allowed:
            canon = sorted(set(canon), key=col.allowed.index)
        return ",".join(canon), ""
    text = _to_text(raw)
    if col.allowed:
        canon = _canonical(text, col.allowed)
        if canon is None:
            return None, "is not an allowed value."
        return canon, ""
    return text, ""
