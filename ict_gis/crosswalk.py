"""Carrying tables per unit across boundary changes: merges, renames and splits.

A *crosswalk* is a table with one row per (old unit, new unit) pair:
``old_code``, ``new_code``, ``effective_date`` and ``weight`` (the share of the
old unit's figures the new unit gets; missing when it is to be computed). The
codes on the two sides belong to two vintages, so they are never compared with
each other: a code reused by another unit (new 13669 Phường Nam Định, old 13669
Phường Cửa Bắc) cannot collide. Crosswalks come from:

* :func:`from_changes`: an ``admin_changes`` table (merges: one row per old
  code; renames; splits: several rows per old code, with or without
  ``weight``);
* :func:`read_crosswalk`: the national crosswalk of the 2025 reform shipped
  with the package (dvhcvn, 10,047 old communes, 460 of them split);
* :func:`chain`: two crosswalks one after the other (old districts → their old
  communes → new communes);
* :func:`between`: from one unit layer to another (the bundled chain when the
  source are Nam Định's districts and the target the 2025 communes; else the
  overlay of the two layers).

:func:`carry` moves a table per unit (subscribers, any attribute table) along
a crosswalk: merges are summed, splits are divided by the ``weight`` given, the
area share (computed from the two vintages' geometries), or the population
share of the new units; whole numbers are divided by the largest remainder, so
that every old unit's figure, hence every total, is preserved exactly. The
method is recorded per row of the result.

Features with a geometry need no crosswalk: they are placed by location in the
target units (:func:`ict_gis.units.assign_units`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ict_gis.errors import CrosswalkError, UnitError
from ict_gis.geometry import Recent, digest
from ict_gis.io.tables import read_text_table
from ict_gis.layerset import (
    BUNDLED_UNITS,
    bundled_crosswalk_path,
    bundled_district_communes_path,
    bundled_units,
)
from ict_gis.units import (
    _code_series,
    _unit_codes,
    assign_units,
    metric_crs,
    remap_codes,
    to_date,
    unit_frame,
)

__all__ = [
    "CrosswalkError",
    "METHODS",
    "between",
    "carry",
    "carry_splits",
    "carry_to_units",
    "chain",
    "coverage_with_data",
    "data_share",
    "district_communes",
    "from_changes",
    "NEAREST_M",
    "place",
    "read_crosswalk",
    "report_units",
    "source_as_of",
    "unit_vintage",
    "with_weights",
]

#: How a row of a carried table got its figures: ``whole`` (an old unit kept
#: whole, alone or merged with others: summed), ``weight`` (a split by the
#: crosswalk's weights), ``area`` (a split by area share), ``population`` (a
#: split by the new units' population), ``none`` (the code is not in the
#: crosswalk; kept as it was).
METHODS: tuple[str, ...] = ("whole", "weight", "area", "population", "none")

#: Ways of dividing a split: ``auto`` takes the given weights when every part
#: of the split has one, else the area share when both geometries are known,
#: else the population share.
SPLIT_BY: tuple[str, ...] = ("auto", "weight", "area", "population")

_COLUMNS = ("old_code", "new_code", "effective_date", "weight")


# --------------------------------------------------------------------------- building


def _frame(old: Sequence, new: Sequence, dates: Sequence, weights: Sequence) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "old_code": _code_series(pd.Series(list(old), dtype=object)).to_numpy(),
            "new_code": _code_series(pd.Series(list(new), dtype=object)).to_numpy(),
            "effective_date": pd.to_datetime(pd.Series(list(dates), dtype=object)).to_numpy(),
            "weight": pd.to_numeric(pd.Series(list(weights), dtype=object)).to_numpy(float),
        }
    )
    out["effective_date"] = out["effective_date"].astype("datetime64[ns]")
    return out


def _check(xwalk: pd.DataFrame, what: str) -> pd.DataFrame:
    """Check a crosswalk: complete rows, no repeated pair, weights positive."""
    problems = []
    for col in ("old_code", "new_code"):
        missing = xwalk[col].isna()
        if missing.any():
            rows = ", ".join(str(i + 1) for i in np.flatnonzero(missing.to_numpy())[:10])
            problems.append(f"{col} is missing on row(s) {rows}; fill in the unit code.")
    bad = xwalk["weight"].notna() & ~(xwalk["weight"] > 0)
    if bad.any():
        pairs = ", ".join(
            f"{o} -> {n} ({w})"
            for o, n, w in xwalk.loc[bad, ["old_code", "new_code", "weight"]].to_numpy()[:10]
        )
        problems.append(f"weight must be a positive number: {pairs}.")
    repeated = xwalk[xwalk.duplicated(["old_code", "new_code"], keep=False)]
    if not repeated.empty:
        pairs = sorted({f"{o} -> {n}" for o, n in repeated[["old_code", "new_code"]].to_numpy()})
        problems.append(f"the pair(s) {', '.join(pairs[:10])} are listed twice; keep one row.")
    if problems:
        raise CrosswalkError(f"{what} cannot be used:\n  " + "\n  ".join(problems))
    xwalk = xwalk.copy()
    by_old = xwalk.groupby("old_code")
    single = by_old["new_code"].transform("size") == 1
    xwalk.loc[single, "weight"] = 1.0
    # Weights are shares: normalised per old code when every part has one.
    complete = ~xwalk["weight"].isna().groupby(xwalk["old_code"]).transform("any")
    totals = xwalk["weight"].groupby(xwalk["old_code"]).transform("sum")
    xwalk.loc[complete, "weight"] = xwalk.loc[complete, "weight"] / totals[complete]
    return xwalk.reset_index(drop=True)


def from_changes(
    changes: pd.DataFrame | None, *, as_of: object = None, since: object = None
) -> pd.DataFrame:
    """Return the crosswalk of an ``admin_changes`` table.

    Each row is one (old, new) pair: a merge or a rename is one row per old
    code; a split is several rows with the same ``old_code`` (with an optional
    ``weight`` each). Rows with ``old_code`` equal to ``new_code`` are kept: in
    a split, the old unit may keep its code for one of its parts.

    Parameters
    ----------
    changes
        The ``admin_changes`` table (``old_code``, ``new_code``,
        ``effective_date``, optional ``weight``); not modified. ``None``: no
        change.
    as_of, since
        Keep the changes effective on or before ``as_of`` and after ``since``
        (either may be ``None``: no bound).

    Returns
    -------
    pandas.DataFrame
        ``old_code``, ``new_code`` (text), ``effective_date``, ``weight``
        (1 for an old code with one new code; missing where it is to be computed).

    Raises
    ------
    CrosswalkError
        If a row is incomplete, a pair repeats or a weight is not positive.
    """
    if changes is None or len(changes) == 0:
        return _frame([], [], [], [])
    missing = [c for c in ("old_code", "new_code", "effective_date") if c not in changes.columns]
    if missing:
        raise CrosswalkError(
            f"admin_changes: column(s) {', '.join(missing)} missing. Fix: the table needs "
            "old_code, new_code and effective_date (YYYY-MM-DD), and may have weight."
        )
    # (each distinct date parsed once: a national crosswalk has 10,599 rows)
    codes, distinct = pd.factorize(changes["effective_date"], use_na_sentinel=True)
    parsed = [to_date(v) for v in distinct]
    dates = [parsed[c] if c >= 0 else None for c in codes]
    if any(d is None for d in dates):
        raise CrosswalkError(
            "admin_changes: an effective_date is missing. Fix: write every date as YYYY-MM-DD."
        )
    weights = changes["weight"] if "weight" in changes.columns else [np.nan] * len(changes)
    xwalk = _frame(changes["old_code"], changes["new_code"], dates, weights)
    upper, lower = to_date(as_of), to_date(since)
    if upper is not None:
        xwalk = xwalk[xwalk["effective_date"] <= upper]
    if lower is not None:
        xwalk = xwalk[xwalk["effective_date"] > lower]
    return _check(xwalk, "admin_changes")


def read_crosswalk(
    path: str | os.PathLike | None = None, *, province: str | None = None
) -> pd.DataFrame:
    """Read a crosswalk file: the national crosswalk of the 2025 reform by default.

    Parameters
    ----------
    path
        A CSV (or ``.csv.gz``) with ``old_code``, ``new_code`` and
        ``effective_date`` (other columns, e.g. ``old_name``, ``new_name``,
        ``weight``, are kept). ``None`` reads the bundled dvhcvn crosswalk
        (10,599 rows; codes with their leading zeros).
    province
        Keep only the rows whose ``new_province_code`` is this code (e.g.
        ``"37"``, the new Ninh Bình).

    Returns
    -------
    pandas.DataFrame
        The crosswalk (see :func:`from_changes`), with the file's other columns.

    Raises
    ------
    LayerReadError
        If the file cannot be read.
    CrosswalkError
        If a column is missing or a row is incomplete.

    Examples
    --------
    >>> xwalk = read_crosswalk(province="37")
    >>> xwalk.loc[xwalk["old_code"] == "13669", ["new_code", "new_name"]].to_numpy().tolist()
    [['13669', 'Phường Nam Định']]
    """
    source = (bundled_crosswalk_path() if path is None else Path(path)).resolve()
    try:
        stat = source.stat()
        key = (str(source), stat.st_mtime_ns, stat.st_size, province)
    except OSError:
        key = None  # read_text_table says what is wrong
    if key is None:
        return _read_crosswalk(source, province)
    return _copy(_CROSSWALKS.get(key, lambda: _read_crosswalk(source, province)))


#: The last crosswalk files read (a map reads the same file once per month).
_CROSSWALKS = Recent(4)


def _read_crosswalk(path: Path, province: str | None) -> pd.DataFrame:
    """:func:`read_crosswalk`, read."""
    table = read_text_table(path)
    if province is not None:
        if "new_province_code" not in table.columns:
            raise CrosswalkError(f"{path}: province={province!r} needs a new_province_code column.")
        table = table[table["new_province_code"] == str(province)].reset_index(drop=True)
    xwalk = from_changes(table)
    extra = [c for c in table.columns if c not in _COLUMNS]
    for col in extra:
        xwalk[col] = table[col].to_numpy()
    return xwalk


def district_communes(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read a list of communes and their districts (Nam Định's 175, 2025-03-01, by default).

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``district_code``, ``district_name`` (text).
    """
    table = read_text_table(bundled_district_communes_path() if path is None else Path(path))
    missing = [c for c in ("code", "district_code") if c not in table.columns]
    if missing:
        raise CrosswalkError(f"{path}: column(s) {', '.join(missing)} missing.")
    return table


def chain(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Return the crosswalk ``first`` then ``second`` (e.g. districts → communes → new communes).

    The new codes of ``first`` are the old codes of ``second`` (one vintage in
    between). A weight of the result is the product of the two weights,
    summed over the units in between; it is missing for every pair of an old
    unit when one of its paths has no weight (it is then computed for the
    whole chain, e.g. by area share of the first and last vintages).

    Raises
    ------
    CrosswalkError
        If a unit in between has no row in ``second``.
    """
    lost = sorted(set(first["new_code"]) - set(second["old_code"]))
    if lost:
        raise CrosswalkError(
            f"the chain is broken: {len(lost)} unit(s) in between have no row in the second "
            f"crosswalk ({', '.join(lost[:10])}). Fix: add their rows to it."
        )
    joined = first.merge(second, left_on="new_code", right_on="old_code", suffixes=("_1", "_2"))
    weight = joined["weight_1"] * joined["weight_2"]
    out = pd.DataFrame(
        {
            "old_code": joined["old_code_1"],
            "new_code": joined["new_code_2"],
            "effective_date": joined["effective_date_2"],
            "weight": weight,
        }
    )
    unknown = out["weight"].isna().groupby(out["old_code"]).transform("any")
    grouped = out.groupby(["old_code", "new_code"], sort=True, as_index=False).agg(
        effective_date=("effective_date", "max"), weight=("weight", "sum")
    )
    unknown_codes = set(out.loc[unknown, "old_code"])
    grouped.loc[grouped["old_code"].isin(unknown_codes), "weight"] = np.nan
    return _check(grouped, "the chained crosswalk")


# --------------------------------------------------------------------------- weights


def unit_vintage(units: pd.DataFrame) -> str | None:
    """Return the vintage of a unit layer: ``attrs["vintage"]``, else its ``vintage`` column."""
    if units.attrs.get("vintage"):
        return str(units.attrs["vintage"])
    if "vintage" in units.columns:
        values = units["vintage"].dropna().astype(str).unique()
        if len(values) == 1:
            return str(values[0])
    return None


def _by_code(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    codes = _unit_codes(units)
    frame = units.drop(columns="code") if "code" in units.columns else units.copy()
    frame.index = pd.Index(codes.to_numpy(), name="code", dtype=object)
    return frame


def _overlap_areas(
    old: np.ndarray, new: np.ndarray, source: gpd.GeoDataFrame, target: gpd.GeoDataFrame
) -> np.ndarray:
    """Area (m²) of old unit ∩ new unit for each pair, in the target's equal-area CRS."""
    crs = metric_crs(target)
    src = _by_code(source).geometry.to_crs(crs)
    dst = _by_code(target).geometry.to_crs(crs)
    a = np.asarray(src.reindex(old).values, dtype=object)
    b = np.asarray(dst.reindex(new).values, dtype=object)
    known = pd.notna(a) & pd.notna(b)
    areas = np.full(len(old), np.nan)
    if known.any():
        areas[known] = shapely.area(shapely.intersection(a[known], b[known]))
    return areas


def with_weights(
    xwalk: pd.DataFrame,
    *,
    by: str = "auto",
    source: gpd.GeoDataFrame | None = None,
    target: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Return the crosswalk with every weight known and the ``method`` of each row.

    Parameters
    ----------
    xwalk
        A crosswalk; not modified.
    by
        How splits are divided, one of :data:`SPLIT_BY`: ``weight`` (the
        crosswalk's own), ``area`` (area of old ∩ new over the old unit's
        area shared among its new units; needs both layers), ``population``
        (the new units' ``population``; needs ``target``), ``auto`` (weight
        when every part has one, else area when both layers are given, else
        population).
    source, target
        The old and the new unit layers (codes in ``code`` or the index).

    Returns
    -------
    pandas.DataFrame
        The crosswalk with ``weight`` normalised to sum to 1 per old code and
        ``method`` (``whole``, ``weight``, ``area`` or ``population``).

    Raises
    ------
    CrosswalkError
        If a split cannot be divided the way asked (no weights, no geometry,
        no population, or nothing in common with any of its parts).
    """
    if by not in SPLIT_BY:
        raise CrosswalkError(f"by={by!r}: choose one of {', '.join(SPLIT_BY)}.")
    out = xwalk.copy().reset_index(drop=True)
    size = out.groupby("old_code")["new_code"].transform("size")
    out["method"] = np.where(size == 1, "whole", "")
    out.loc[size == 1, "weight"] = 1.0
    split = size > 1
    if not split.any():
        return out
    problems: list[str] = []
    for old, rows in out[split].groupby("old_code", sort=True).groups.items():
        rows = list(rows)
        given = out.loc[rows, "weight"]
        method = by
        if by == "auto":
            if given.notna().all():
                method = "weight"
            elif source is not None and target is not None:
                method = "area"
            elif target is not None and _has_population(target, out.loc[rows, "new_code"]):
                method = "population"
            else:
                problems.append(
                    f"{old} is split into {', '.join(out.loc[rows, 'new_code'])} with no weight, "
                    "no geometry of both vintages and no population of the parts"
                )
                continue
        if method == "weight":
            values = given.to_numpy(float)
            if np.isnan(values).any():
                problems.append(f"{old}: a part of the split has no weight; give every part one")
                continue
        elif method == "area":
            if source is None or target is None:
                problems.append(f"{old}: area shares need both the old and the new unit layers")
                continue
            values = _overlap_areas(
                np.array([old] * len(rows), dtype=object),
                out.loc[rows, "new_code"].to_numpy(object),
                source,
                target,
            )
            if np.isnan(values).any():
                problems.append(f"{old}: the old unit or a new unit has no geometry in the layers")
                continue
        else:
            if target is None or "population" not in target.columns:
                problems.append(f"{old}: population shares need the new units' population")
                continue
            pop = pd.to_numeric(_by_code(target)["population"], errors="coerce")
            values = pop.reindex(out.loc[rows, "new_code"]).to_numpy(float)
            if np.isnan(values).any():
                problems.append(f"{old}: a new unit of the split has no population")
                continue
        total = float(np.sum(values))
        if not total > 0:
            problems.append(
                f"{old}: its parts {', '.join(out.loc[rows, 'new_code'])} get nothing by {method}"
            )
            continue
        out.loc[rows, "weight"] = values / total
        out.loc[rows, "method"] = method
    if problems:
        raise CrosswalkError(
            "Splits cannot be divided:\n  "
            + ";\n  ".join(problems[:20])
            + ("" if len(problems) <= 20 else f"\n  ... and {len(problems) - 20} more")
            + ".\nFix: add a weight column to the changes (a weight on every part of a "
            "split), or give both unit layers (area share), or the new units' population."
        )
    return out


def _has_population(target: gpd.GeoDataFrame, codes: pd.Series) -> bool:
    if "population" not in target.columns:
        return False
    pop = pd.to_numeric(_by_code(target)["population"], errors="coerce")
    return bool(pop.reindex(codes.to_numpy()).notna().all())


# --------------------------------------------------------------------------- carrying


def _largest_remainder(values: np.ndarray, weights: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Divide whole numbers by weights, per group, so that each group's parts sum exactly."""
    exact = values * weights
    floor = np.floor(exact)
    rest = np.rint(
        pd.Series(values).groupby(groups).transform("first").to_numpy()
        - pd.Series(floor).groupby(groups).transform("sum").to_numpy()
    )
    order = pd.DataFrame({"g": groups, "r": -(exact - floor), "i": np.arange(len(values))})
    order = order.sort_values(["g", "r", "i"], kind="stable")
    rank = order.groupby("g").cumcount().to_numpy()
    extra = np.zeros(len(values))
    extra[order["i"].to_numpy()] = (rank < rest[order["i"].to_numpy()]).astype(float)
    return floor + extra


def carry(
    table: pd.DataFrame,
    xwalk: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    code: str = "code",
    keys: Sequence[str] = (),
    by: str = "auto",
    source: gpd.GeoDataFrame | None = None,
    target: gpd.GeoDataFrame | None = None,
    keep_unknown: bool = False,
) -> pd.DataFrame:
    """Carry a table per unit along a crosswalk: merges summed, splits divided.

    Parameters
    ----------
    table
        One row per old unit (and per ``keys``, e.g. ``period``), with the
        unit's code in ``code``; not modified.
    xwalk
        The crosswalk (:func:`from_changes`, :func:`read_crosswalk`,
        :func:`chain`, :func:`between`).
    columns
        The numeric columns to carry (default: every numeric column). Whole
        numbers stay whole (divided by the largest remainder: an old unit's
        parts always add up to its figure); other numbers are multiplied by
        the weights. A missing value makes the new unit's value missing.
    code, keys
        The column of the codes and the other key columns of the table.
    by, source, target
        How splits are divided (see :func:`with_weights`).
    keep_unknown
        What to do with a code that is not an old code of the crosswalk:
        keep it as it is (``True``: the crosswalk lists changes only, as
        ``admin_changes`` does) or raise (``False``).

    Returns
    -------
    pandas.DataFrame
        ``code`` (the new unit), the ``keys``, the carried columns, ``method``
        (the methods that brought figures to the row, comma separated, see
        :data:`METHODS`) and ``from_codes`` (the old codes, comma separated),
        sorted by code and keys; ``attrs["split_by"]`` records ``by``.

    Raises
    ------
    CrosswalkError
        If a code is not in the crosswalk (and not ``keep_unknown``), a split
        cannot be divided, or a column is not numeric.

    Examples
    --------
    >>> changes = pd.DataFrame(
    ...     {"old_code": ["1", "1", "2"], "new_code": ["10", "11", "10"],
    ...      "effective_date": ["2025-07-01"] * 3, "weight": [3, 7, None]}
    ... )
    >>> table = pd.DataFrame({"code": ["1", "2"], "subscribers": [100, 5]})
    >>> carry(table, from_changes(changes))[["code", "subscribers", "method"]].to_numpy().tolist()
    [['10', 35, 'weight,whole'], ['11', 70, 'weight']]
    """
    missing = [c for c in (code, *keys) if c not in table.columns]
    if missing:
        raise CrosswalkError(f"The table has no column {', '.join(missing)}.")
    if columns is None:
        columns = [
            c
            for c in table.columns
            if c not in (code, *keys) and pd.api.types.is_numeric_dtype(table[c])
        ]
    columns = list(columns)
    for col in columns:
        if not pd.api.types.is_numeric_dtype(table[col]):
            raise CrosswalkError(f"Column {col!r} is not numeric; only numbers can be carried.")
    codes = _code_series(table[code]).reset_index(drop=True)
    known = codes.isin(set(xwalk["old_code"]))
    if not keep_unknown and not known.all():
        lost = sorted(set(codes[~known].dropna()))
        raise CrosswalkError(
            f"{len(lost)} code(s) of the table are not in the crosswalk ({', '.join(lost[:10])}). "
            "Fix: add their rows to the crosswalk (admin_changes), or correct the codes."
        )
    used = xwalk[xwalk["old_code"].isin(set(codes))]
    weighted = with_weights(used, by=by, source=source, target=target)
    rows = table.reset_index(drop=True).assign(__old=codes, __row=np.arange(len(table)))
    joined = rows.merge(weighted, left_on="__old", right_on="old_code", how="left", sort=False)
    joined["new_code"] = joined["new_code"].where(joined["new_code"].notna(), joined["__old"])
    joined["weight"] = joined["weight"].fillna(1.0)
    joined["method"] = joined["method"].where(joined["method"].notna(), "none")
    joined = joined.sort_values(["__row", "new_code"], kind="stable").reset_index(drop=True)
    weights = joined["weight"].to_numpy(float)
    groups = joined["__row"].to_numpy()
    carried = pd.DataFrame({"code": joined["new_code"].to_numpy(object)})
    for k in keys:
        carried[k] = joined[k].to_numpy()
    for col in columns:
        series = joined[col]
        values = pd.to_numeric(series).to_numpy(float, na_value=np.nan)
        whole = pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_bool_dtype(
            series.dtype
        )
        if whole:
            out = np.full(len(values), np.nan)
            ok = ~np.isnan(values)
            if ok.any():
                out[ok] = _largest_remainder(values[ok], weights[ok], groups[ok])
            carried[col] = pd.array([pd.NA if np.isnan(v) else int(v) for v in out], dtype="Int64")
        else:
            carried[col] = values * weights
    carried["method"] = joined["method"].to_numpy(object)
    carried["from_codes"] = joined["__old"].to_numpy(object)
    group_cols = ["code", *keys]
    grouped = carried.groupby(group_cols, sort=True, dropna=False)
    result = grouped[columns].sum(min_count=1) if columns else grouped.size().to_frame("n")
    if columns:
        incomplete = (
            carried[columns]
            .isna()
            .groupby([carried[c] for c in group_cols], sort=True, dropna=False)
            .any()
        )
        result = result.mask(incomplete)
    else:
        result = result.drop(columns="n")
    result["method"] = grouped["method"].agg(lambda s: ",".join(sorted(set(s))))
    result["from_codes"] = grouped["from_codes"].agg(lambda s: ",".join(sorted(set(s))))
    result = result.reset_index()
    for col in columns:
        if str(carried[col].dtype) == "Int64":
            result[col] = result[col].astype("Int64")
    result.attrs = {"split_by": by}
    return result


# --------------------------------------------------------------------------- between layers


def data_share(source: gpd.GeoDataFrame, target: gpd.GeoDataFrame) -> pd.Series:
    """Share (0–1) of each target unit's area inside the union of the source units.

    The part of a new set of units that the data (collected on ``source``)
    covers: the communes of old Hà Nam have (almost) 0 of their area in old
    Nam Định's districts.

    Returns
    -------
    pandas.Series
        Indexed by the target's codes.
    """
    crs = metric_crs(target)
    dst = _by_code(target).geometry.to_crs(crs)
    union = shapely.union_all(np.asarray(source.geometry.to_crs(crs).values, dtype=object))
    arr = np.asarray(dst.values, dtype=object)
    area = shapely.area(arr)
    inside = shapely.area(shapely.intersection(arr, union))
    share = np.divide(inside, area, out=np.zeros(len(arr)), where=area > 0)
    return pd.Series(share, index=dst.index, name="data_share")


def between(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    *,
    changes: pd.DataFrame | None = None,
    by: str = "auto",
) -> pd.DataFrame:
    """Return the crosswalk from one unit layer to another, with its weights.

    * When ``changes`` (an ``admin_changes`` table) reaches every source code
      into the target's codes, those changes (merges, renames, splits) are it.
    * When the target are the communes of the 2025 reform (vintage
      2025-07-01) and the source are districts of the bundled list of
      Nam Định's old communes: districts → their old communes → new
      communes (the national crosswalk), splits of a district divided by
      area share of the district's geometry among its new communes.
    * Otherwise the overlay: each source unit goes to the target units it
      overlaps, by area share.

    Parameters
    ----------
    source, target
        Unit layers (codes in ``code`` or the index).
    changes
        An ``admin_changes`` table, if any.
    by
        How splits are divided (see :func:`with_weights`).

    Returns
    -------
    pandas.DataFrame
        The crosswalk with ``weight`` and ``method`` (see :func:`with_weights`)
        and ``attrs["via"]``: ``admin_changes``, ``communes-2025`` or ``overlay``.
    """
    key = (
        _layer_key(source),
        _layer_key(target),
        None if changes is None else pd.util.hash_pandas_object(changes).to_numpy().tobytes(),
        by,
    )
    return _copy(_BETWEEN.get(key, lambda: _between(source, target, changes=changes, by=by)))


#: The last crosswalks between unit layers (a map asks once per month).
_BETWEEN = Recent(4)


def _layer_key(units: gpd.GeoDataFrame) -> bytes:
    """Return what identifies a unit layer for :func:`between` (geometries, codes, CRS)."""
    crs = "" if units.crs is None else units.crs.to_wkt()
    return digest(units.geometry.to_numpy(), *_unit_codes(units).tolist(), unit_vintage(units), crs)


def _copy(xwalk: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of a crosswalk with its attrs."""
    out = xwalk.copy()
    out.attrs = dict(xwalk.attrs)
    return out


def _between(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    *,
    changes: pd.DataFrame | None,
    by: str,
) -> pd.DataFrame:
    """:func:`between`, computed."""
    src_codes = set(_unit_codes(source))
    dst_codes = set(_unit_codes(target))
    if changes is not None and len(changes):
        xwalk = from_changes(changes)
        reached = xwalk[xwalk["old_code"].isin(src_codes)]
        if not reached.empty and set(reached["new_code"]) <= dst_codes:
            unchanged = sorted((src_codes - set(reached["old_code"])) & dst_codes)
            if src_codes <= set(reached["old_code"]) | set(unchanged):
                same = _frame(
                    unchanged,
                    unchanged,
                    [reached["effective_date"].max()] * len(unchanged),
                    [1.0] * len(unchanged),
                )
                xwalk = _check(pd.concat([reached, same], ignore_index=True), "admin_changes")
                out = with_weights(xwalk, by=by, source=source, target=target)
                out.attrs["via"] = "admin_changes"
                return out
    if str(unit_vintage(target) or "") == "2025-07-01":
        listing = district_communes()
        if src_codes <= set(listing["district_code"]):
            first = _frame(
                listing["district_code"],
                listing["code"],
                ["2025-03-01"] * len(listing),
                [np.nan] * len(listing),
            )
            first = _check(first[first["old_code"].isin(src_codes)], "the district list")
            second = read_crosswalk()
            second = second[second["old_code"].isin(set(first["new_code"]))]
            xwalk = chain(first, second[list(_COLUMNS)])
            xwalk = xwalk[xwalk["new_code"].isin(dst_codes)]
            out = with_weights(_check(xwalk, "the chain"), by=by, source=source, target=target)
            out.attrs["via"] = "communes-2025"
            return out
    crs = metric_crs(target)
    src = _by_code(source).geometry.to_crs(crs)
    dst = _by_code(target).geometry.to_crs(crs)
    tree = shapely.STRtree(np.asarray(dst.values, dtype=object))
    s_pos, d_pos = tree.query(np.asarray(src.values, dtype=object), predicate="intersects")
    pairs = pd.DataFrame(
        {"old_code": src.index.to_numpy()[s_pos], "new_code": dst.index.to_numpy()[d_pos]}
    )
    areas = shapely.area(
        shapely.intersection(
            np.asarray(src.values, dtype=object)[s_pos], np.asarray(dst.values, dtype=object)[d_pos]
        )
    )
    pairs = pairs[areas > 0]
    xwalk = _frame(
        pairs["old_code"], pairs["new_code"], [pd.NaT] * len(pairs), [np.nan] * len(pairs)
    )
    out = with_weights(_check(xwalk, "the overlay"), by="area", source=source, target=target)
    out.attrs["via"] = "overlay"
    return out


# --------------------------------------------------------------------------- units to report on


def _named_units(units: object) -> gpd.GeoDataFrame:
    if isinstance(units, str):
        return bundled_units(units)
    if isinstance(units, gpd.GeoDataFrame):
        return units
    raise CrosswalkError(
        f"units={units!r}: give a unit layer (GeoDataFrame) or the name of a bundled one "
        f"({', '.join(BUNDLED_UNITS)})."
    )


def source_as_of(target: pd.DataFrame, as_of: object) -> pd.Timestamp | None:
    """Return the day the layer set's own units are taken on to reach ``target``.

    The day before the target's vintage when the vintage is a date later than
    ``as_of`` (the old units were in force until then), else ``as_of``.
    """
    day = to_date(as_of)
    vintage = unit_vintage(target)
    try:
        start = to_date(vintage) if vintage else None
    except UnitError:  # a vintage that is a name, not a date
        start = None
    if start is not None and (day is None or start > day):
        return start - pd.Timedelta(days=1)
    return day


def report_units(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame | str | None = None,
    *,
    as_of: object = None,
    level: str | None = None,
) -> gpd.GeoDataFrame:
    """Return the units a metric reports on, indexed by code, and which of them have data.

    Parameters
    ----------
    layers
        The layer set (its ``districts``, as of ``as_of``, are the units its
        data were collected on).
    units
        ``None`` (the layer set's own units as of ``as_of``), a unit layer, or
        the name of a bundled one (``"communes-2025"``).
    as_of
        The day reported.
    level
        Keep only units of this level.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by text ``code``, with ``name``. When the units are not the
        layer set's own (another vintage, other codes), a boolean ``has_data``
        column: whether the unit lies in the area of the layer set's units
        (reached by the crosswalk, or at least half its area inside them);
        ``attrs`` then holds ``foreign`` (True), ``vintage``, ``units_name``,
        ``via`` and ``source_names`` (the layer set's units).
    """
    if units is None:
        return unit_frame(layers, as_of=as_of, level=level)
    target = _named_units(units)
    if target.attrs.get("foreign") and "has_data" in target.columns and level is None:
        return target  # already resolved
    attrs = dict(target.attrs)
    frame = _by_code(target)
    if level is not None and "level" in frame.columns:
        frame = frame[frame["level"] == level]
    frame = frame.copy()
    frame.attrs = attrs
    if "name" not in frame.columns:
        frame["name"] = list(frame.index)
    if "districts" not in set(layers):
        return frame
    own = unit_frame(layers, as_of=source_as_of(frame, as_of))
    vintage, own_vintage = unit_vintage(frame), unit_vintage(layers["districts"])
    same_codes = set(frame.index) <= set(own.index) | set(
        _code_series(layers["districts"]["code"]) if "code" in layers["districts"] else []
    )
    if same_codes and (vintage is None or own_vintage is None or vintage == own_vintage):
        return frame
    xwalk = between(own, frame, changes=layers.get("admin_changes"))
    if xwalk.attrs.get("via") == "overlay":
        reached = set(data_share(own, frame).loc[lambda s: s >= 0.5].index)
    else:
        reached = set(xwalk["new_code"])
    frame["has_data"] = frame.index.isin(reached)
    frame.attrs = {
        **attrs,
        "foreign": True,
        "vintage": vintage,
        "units_name": attrs.get("units_name", ""),
        "via": xwalk.attrs.get("via", ""),
        "source_names": [str(n) for n in own["name"]] if "name" in own else list(own.index),
    }
    return frame


def carry_to_units(
    table: pd.DataFrame,
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame,
    *,
    as_of: object = None,
    columns: Sequence[str] | None = None,
    code: str = "code",
    by: str = "auto",
) -> pd.DataFrame:
    """Carry a table held per unit of the layer set (``subscribers``) to other units.

    The table's codes are first taken to the layer set's units as of the day
    before the target's vintage (``admin_changes``), then along
    :func:`between` to ``units``. Codes the crosswalk does not know are kept
    as they are (the caller reports them).

    Returns
    -------
    pandas.DataFrame
        As :func:`carry`, with ``attrs["via"]``.
    """
    day = source_as_of(units, as_of)
    own = unit_frame(layers, as_of=day)
    changes = layers.get("admin_changes")
    moved = table.copy()
    moved[code] = remap_codes(table[code], _merges_only(changes), as_of=day)
    xwalk = between(own, units, changes=changes, by=by)
    out = carry(
        moved, xwalk, columns=columns, code=code, by=by, source=own, target=units, keep_unknown=True
    )
    out.attrs["via"] = xwalk.attrs.get("via", "")
    return out


def _merges_only(changes: pd.DataFrame | None) -> pd.DataFrame | None:
    """Keep the rows of ``admin_changes`` that are merges or renames (one per old code)."""
    if changes is None or len(changes) == 0 or "old_code" not in changes.columns:
        return changes
    counts = changes.groupby(_code_series(changes["old_code"]).to_numpy())["new_code"].transform(
        "size"
    )
    return changes[counts.to_numpy() == 1]


#: A feature of the layer set that falls outside every unit of another vintage
#: by at most this many metres (the two vintages' boundaries are drawn by
#: different sources, e.g. along the coast) goes to the nearest unit with data.
NEAREST_M = 500.0


def place(
    features: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, max_m: float = NEAREST_M
) -> tuple[pd.Series, pd.Series]:
    """Place features in units by location; in units of another vintage, near misses too.

    As :func:`ict_gis.units.assign_units`; when ``units`` has a ``has_data``
    column (units of another vintage, see :func:`report_units`), a feature
    outside every unit by at most ``max_m`` metres goes to the nearest unit
    with data.

    Returns
    -------
    tuple of pandas.Series
        The codes (``<NA>`` outside), and the distance in metres of each
        feature placed in a nearest unit (empty when none was).
    """
    codes = assign_units(features, units)
    lost = codes.isna() & features.geometry.notna().to_numpy()
    if "has_data" not in units.columns or not lost.any():
        return codes, pd.Series(dtype=float)
    with_data = units[units["has_data"].astype(bool)]
    if with_data.empty:
        return codes, pd.Series(dtype=float)
    crs = metric_crs(units)
    unit_geoms = np.asarray(with_data.geometry.to_crs(crs).values, dtype=object)
    geoms = np.asarray(features.geometry[lost].to_crs(crs).values, dtype=object)
    tree = shapely.STRtree(unit_geoms)
    (feat_pos, unit_pos), dist = tree.query_nearest(
        geoms, max_distance=max_m, return_distance=True, all_matches=False
    )
    index = features.index[lost.to_numpy()][feat_pos]
    codes = codes.copy()
    codes.loc[index] = _unit_codes(with_data).to_numpy()[unit_pos]
    return codes, pd.Series(dist, index=index, name="distance_m")


def carry_splits(
    table: pd.DataFrame,
    changes: pd.DataFrame | None,
    *,
    as_of: object = None,
    source: gpd.GeoDataFrame | None = None,
    target: gpd.GeoDataFrame | None = None,
    columns: Sequence[str] | None = None,
    code: str = "code",
) -> pd.DataFrame | None:
    """Divide the rows of units split by ``admin_changes`` (up to ``as_of``) among their parts.

    Merges and renames are applied to codes by
    :func:`ict_gis.units.remap_codes`; a split cannot be, so the figures of a
    split unit are carried here: by the changes' ``weight``, else by area
    share (when ``source`` has the old unit and ``target`` the new ones),
    else by the new units' population.

    Returns
    -------
    pandas.DataFrame or None
        As :func:`carry` (every row of ``table``, codes of unsplit units
        kept), or ``None`` when no code of the table was split.

    Raises
    ------
    CrosswalkError
        If a split cannot be divided (see :func:`with_weights`).
    """
    xwalk = from_changes(changes, as_of=as_of)
    if xwalk.empty:
        return None
    size = xwalk.groupby(["old_code", "effective_date"])["new_code"].transform("size")
    xwalk = xwalk[size > 1]
    codes = _code_series(table[code])
    if xwalk.empty or not codes.isin(set(xwalk["old_code"])).any():
        return None
    if source is not None and not set(xwalk["old_code"]) <= set(_unit_codes(source)):
        source = None  # the old units are not drawn: no area share
    return carry(
        table, xwalk, columns=columns, code=code, source=source, target=target, keep_unknown=True
    )


def coverage_with_data(table: pd.DataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Blank the coverage of units without data and total the units with data only.

    For units of another vintage (``has_data`` from :func:`report_units`):
    the covered area and population of a unit the data do not cover are
    missing (not 0: nothing is known there), and each ``total`` row sums the
    units with data only (its ``area_km2`` and ``population`` are theirs), so
    that its percentages are those of the part of the province the data cover.

    Parameters
    ----------
    table
        A coverage table (:func:`ict_gis.metrics.coverage.coverage`) indexed
        by ``code``, with ``tech`` and ``operator`` columns; not modified.
    units
        The units it was computed on, with ``has_data``.

    Returns
    -------
    pandas.DataFrame
        The table; ``attrs`` records ``units_with_data`` and ``units_count``.
    """
    if "has_data" not in units.columns:
        return table
    out = table.copy()
    no_data = set(units.index[~units["has_data"].astype(bool)])
    codes = pd.Series(out.index.get_level_values(0), index=out.index)
    blank = codes.isin(no_data).to_numpy()
    covered = [c for c in out.columns if "covered" in c]
    covered += [c for c in out.columns if c.endswith("_pct") and c not in covered]
    for col in covered:
        out[col] = out[col].astype(float)
        out.loc[blank, col] = np.nan
    is_total = (codes == "total").to_numpy()
    keys = [c for c in ("tech", "operator") if c in out.columns]
    held = out[~blank & ~is_total & (codes != "outside").to_numpy()]
    sums = held.groupby(keys, sort=False).sum(numeric_only=True) if keys else None
    for pos in np.flatnonzero(is_total):
        key = tuple(out.iloc[pos][keys]) if keys else ()
        if sums is None or key not in sums.index:
            continue
        row = sums.loc[key] if len(keys) > 1 else sums.loc[key[0]]
        for col in ("area_km2", "covered_km2", "population", "population_covered"):
            if col in out.columns:
                out.iloc[pos, out.columns.get_loc(col)] = row[col]
        if {"covered_pct", "area_km2", "covered_km2"} <= set(out.columns):
            out.iloc[pos, out.columns.get_loc("covered_pct")] = (
                100.0 * row["covered_km2"] / row["area_km2"] if row["area_km2"] > 0 else np.nan
            )
        if {"population_pct", "population", "population_covered"} <= set(out.columns):
            out.iloc[pos, out.columns.get_loc("population_pct")] = (
                100.0 * row["population_covered"] / row["population"]
                if row["population"] > 0
                else np.nan
            )
    out.attrs = {
        **table.attrs,
        "units_vintage": unit_vintage(units),
        "units_with_data": int(units["has_data"].sum()),
        "units_count": len(units),
    }
    return out
