"""Administrative units: boundary changes, and attaching features to units.

Every metric is reported per administrative unit. This module gives the
metrics the units to report on and tells them which unit each feature is in:

* :func:`units_as_of` applies the ``admin_changes`` effective on a date to a
  boundary layer (merged units are dissolved into the unit they joined), and
  :func:`remap_codes` applies the same mapping to a column of codes, so that
  old data can be reported on new units;
* :func:`assign_units` gives the code of the unit containing each feature, and
  :func:`split_by_unit` cuts lines (cable routes) at unit boundaries;
* :func:`metric_crs` and :func:`geodesic_length_m` are the project's
  definitions of an area-preserving CRS and of a length.

Nothing here is specific to districts: any level (province, district, commune)
works, as long as the layer has a text ``code`` per unit.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import unicodedata
from collections.abc import Callable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ict_gis.errors import AdminChangeError, UnitError
from ict_gis.geometry import (
    GRID_M,
    MAX_FILLED_GAP_M2,
    PLACEMENT_TOLERANCE_M,
    Recent,
    clean_polygons,
    digest,
    gap_owners,
    laea_proj4,
    place_points,
    topology,
)

__all__ = [
    "AdminChangeError",
    "SUMMED_COLUMNS",
    "UnitError",
    "assign_units",
    "count_points",
    "geodesic_length_m",
    "metric_crs",
    "remap_codes",
    "split_by_unit",
    "to_date",
    "unit_frame",
    "units_as_of",
]

#: Columns added up when units are merged (other attributes come from the
#: unit that survives the merge).
SUMMED_COLUMNS: tuple[str, ...] = ("population", "households")

#: Pieces of a cut line shorter than this (in metres of the working CRS) are
#: rounding slivers at unit boundaries and are not reported.
_SLIVER_M = 1e-3

_GEOD = pyproj.Geod(ellps="WGS84")
_LINEAR_TYPES = ("LineString", "MultiLineString")


# --------------------------------------------------------------------------- dates


def to_date(value: object) -> pd.Timestamp | None:
    """Turn an ``as_of`` value into a day (a ``Timestamp`` at midnight).

    Parameters
    ----------
    value
        A ``datetime.date``, ``datetime.datetime``, ``numpy.datetime64``,
        ``pandas.Timestamp`` or an ISO 8601 text (``"2024-12-31"``). The time
        of day and a time zone, if any, are dropped: ``as_of`` means "up to and
        including that day". ``None`` (and ``NaT``) stay ``None``.

    Returns
    -------
    pandas.Timestamp or None

    Raises
    ------
    UnitError
        If ``value`` is not a date.

    Examples
    --------
    >>> to_date("2024-12-31")
    Timestamp('2024-12-31 00:00:00')
    >>> to_date(None) is None
    True
    """
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise UnitError(f"{text!r} is not a date; write it as YYYY-MM-DD.") from None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date | np.datetime64):
        stamp = pd.Timestamp(value)
        if stamp is pd.NaT:
            return None
        if stamp.tzinfo is not None:
            stamp = stamp.tz_localize(None)
        try:
            return stamp.normalize().as_unit("ns")
        except (OverflowError, pd.errors.OutOfBoundsDatetime):
            raise UnitError(
                f"The date {stamp.date()} is out of the supported range (years 1678 to 2261)."
            ) from None
    raise UnitError(f"{value!r} is not a date; give a date or a text YYYY-MM-DD.")


def _as_of_or_today(as_of: object) -> pd.Timestamp:
    stamp = to_date(as_of)
    return stamp if stamp is not None else pd.Timestamp.today().normalize().as_unit("ns")


# --------------------------------------------------------------------------- CRS, lengths


def metric_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """Return an equal-area CRS centred on ``frame``, for areas and clipping.

    A Lambert azimuthal equal-area projection on WGS84, centred on the centre
    of the frame's longitude/latitude bounds rounded to 0.01°, so that layers
    of the same area share the same CRS. Areas in it are exact (up to the
    ellipsoid); distances are distorted by less than 0.1 % within about 400 km
    of the centre.

    Parameters
    ----------
    frame
        Any layer with a CRS and at least one geometry.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    UnitError
        If the frame has no CRS or no geometry.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> metric_crs(bundled_layers()["districts"]).srs  # doctest: +ELLIPSIS
    '+proj=laea +lat_0=20.19 +lon_0=106.26 ...'
    """
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    if geoms.crs is None:
        raise UnitError(
            "The layer has no CRS, so its position on Earth is unknown. "
            "Set one (for example EPSG:4326 for longitude/latitude)."
        )
    usable = geoms[geoms.notna() & ~geoms.is_empty]
    if usable.empty:
        raise UnitError("The layer has no geometry to centre a metric CRS on.")
    minx, miny, maxx, maxy = usable.total_bounds
    if not _is_wgs84_lonlat(geoms.crs):
        to_lonlat = pyproj.Transformer.from_crs(geoms.crs, "EPSG:4326", always_xy=True)
        minx, miny, maxx, maxy = to_lonlat.transform_bounds(minx, miny, maxx, maxy)
    lon = round((minx + maxx) / 2, 2) + 0.0
    lat = round((miny + maxy) / 2, 2) + 0.0
    return _laea(lat, lon)


@functools.lru_cache(maxsize=64)
def _laea(lat: float, lon: float) -> pyproj.CRS:
    return pyproj.CRS.from_proj4(laea_proj4(lat, lon))


@functools.lru_cache(maxsize=64)
def _is_wgs84_lonlat_cached(crs: pyproj.CRS) -> bool:
    return crs.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True)


def _is_wgs84_lonlat(crs: object) -> bool:
    return _is_wgs84_lonlat_cached(pyproj.CRS.from_user_input(crs))


def geodesic_length_m(geoms: gpd.GeoSeries) -> pd.Series:
    """Return the geodesic length of each geometry on WGS84, in metres.

    The project's one definition of a length: the sum of the geodesic
    distances between consecutive vertices, as
    ``pyproj.Geod(ellps="WGS84").geometry_length`` computes it after
    reprojecting to EPSG:4326 (a polygon's length is its perimeter, a point's
    is 0).

    Parameters
    ----------
    geoms
        Geometries with a CRS (a GeoDataFrame's active geometry is used).

    Returns
    -------
    pandas.Series
        Float lengths named ``length_m``, with the index of ``geoms``; ``NaN``
        for a missing geometry, 0 for an empty one.

    Raises
    ------
    UnitError
        If the geometries have no CRS.
    """
    if isinstance(geoms, gpd.GeoDataFrame):
        geoms = geoms.geometry
    if geoms.crs is None:
        raise UnitError("The geometries have no CRS, so their lengths cannot be computed.")
    if not _is_wgs84_lonlat(geoms.crs):
        geoms = geoms.to_crs("EPSG:4326")
    arr = _geometry_array(geoms)
    out = np.full(len(arr), np.nan)
    type_ids = shapely.get_type_id(arr)
    linear = np.isin(type_ids, (1, 2, 5))  # LineString, LinearRing, MultiLineString
    if linear.any():
        out[linear] = _linear_lengths(arr[linear])
    for i in np.flatnonzero(~linear & (type_ids >= 0)):
        out[i] = 0.0 if arr[i].is_empty else _GEOD.geometry_length(arr[i])
    return pd.Series(out, index=geoms.index, name="length_m")


def _linear_lengths(arr: np.ndarray) -> np.ndarray:
    """Geodesic lengths of lon/lat (multi)line strings, all segments at once."""
    parts, part_of = shapely.get_parts(arr, return_index=True)
    coords, coord_part = shapely.get_coordinates(parts, return_index=True)
    same = coord_part[1:] == coord_part[:-1]
    start, end = coords[:-1][same], coords[1:][same]
    if len(start):
        _, _, dist = _GEOD.inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    else:
        dist = np.empty(0)
    seg_geom = part_of[coord_part[:-1][same]]
    return np.bincount(seg_geom, weights=dist, minlength=len(arr)).astype(float)


def _geometry_array(geoms: gpd.GeoSeries) -> np.ndarray:
    return np.asarray(geoms.values, dtype=object)


# --------------------------------------------------------------------------- codes


def _code_text(value: object) -> object:
    """Return an admin-unit code as NFC text (``358.0`` -> ``"358"``), or ``pd.NA``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return pd.NA
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return pd.NA
        if float(value).is_integer():
            return str(int(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text if text else pd.NA


def _code_series(values: pd.Series | pd.Index) -> pd.Series:
    series = pd.Series(values) if isinstance(values, pd.Index) else values
    return pd.Series(
        [_code_text(v) for v in series], index=series.index, dtype=object, name=series.name
    )


def _unit_codes(units: gpd.GeoDataFrame, *, layer: str = "units") -> pd.Series:
    """Codes of ``units`` as text, from its ``code`` column or else its index."""
    raw = units["code"] if "code" in units.columns else pd.Series(units.index, index=units.index)
    codes = _code_series(raw)
    missing = codes.isna()
    if missing.any():
        rows = ", ".join(f"#{i}" for i in np.flatnonzero(missing.to_numpy())[:20])
        raise UnitError(
            f"{layer}: {int(missing.sum())} unit(s) have no code (rows {rows}). "
            "Fix: give every unit its code (text such as '356'), e.g. from the "
            "General Statistics Office list of administrative units."
        )
    return codes


# --------------------------------------------------------------------------- admin changes


def _changes_table(changes: pd.DataFrame | None) -> pd.DataFrame:
    """Check ``admin_changes`` and return it with text codes and day timestamps."""
    columns = ("old_code", "new_code", "effective_date")
    if changes is None or len(changes) == 0:
        return pd.DataFrame(
            {
                "old_code": pd.Series(dtype=object),
                "new_code": pd.Series(dtype=object),
                "effective_date": pd.Series(dtype="datetime64[ns]"),
            }
        )
    missing = [c for c in columns if c not in changes.columns]
    if missing:
        raise AdminChangeError(
            f"admin_changes: column(s) {', '.join(missing)} missing. "
            "Fix: the table needs old_code, new_code and effective_date (YYYY-MM-DD)."
        )
    table = pd.DataFrame(
        {
            "old_code": _code_series(changes["old_code"]),
            "new_code": _code_series(changes["new_code"]),
            "effective_date": [_date_or_none(v) for v in changes["effective_date"]],
        },
        index=changes.index,
    )
    table["effective_date"] = pd.to_datetime(table["effective_date"]).astype("datetime64[ns]")
    problems = []
    incomplete = np.flatnonzero(table.isna().any(axis=1).to_numpy())
    for pos in incomplete:
        row = table.iloc[pos]
        which = f"row {pos + 1}" + ("" if pd.isna(row.old_code) else f" (old_code {row.old_code})")
        for col in ("old_code", "new_code"):
            if pd.isna(row[col]):
                problems.append(f"{which}: {col} is missing; fill in the unit code.")
        if pd.isna(row.effective_date):
            raw = changes["effective_date"].iloc[pos]
            problems.append(
                f"{which}: effective_date {raw!r} is not a date; write it as YYYY-MM-DD."
            )
    if problems:
        raise AdminChangeError("admin_changes cannot be applied:\n  " + "\n  ".join(problems))
    return table


def _date_or_none(value: object) -> pd.Timestamp | None:
    try:
        return to_date(value)
    except UnitError:
        return None


def _split_rows(table: pd.DataFrame) -> pd.Series:
    """Rows of a split: an old code with several new codes on the same effective date.

    A split cannot be drawn on the old unit's boundary nor applied to a code:
    the codes and the boundaries keep the old unit, and tables are carried to
    the new units by :mod:`ict_gis.crosswalk` (by weight, area or population).
    """
    if table.empty:
        return pd.Series(False, index=table.index)
    pairs = table.drop_duplicates(["old_code", "new_code", "effective_date"])
    size = pairs.groupby(["old_code", "effective_date"])["new_code"].size()
    split = {key for key, n in size.items() if n > 1}
    return pd.Series(
        [(o, d) in split for o, d in zip(table["old_code"], table["effective_date"], strict=True)],
        index=table.index,
    )


def _code_map(changes: pd.DataFrame | None, as_of: object) -> dict[str, str]:
    """Map each old code to its final code after the changes up to ``as_of``."""
    table = _changes_table(changes)
    cutoff = _as_of_or_today(as_of)
    table = table[table["effective_date"] <= cutoff]
    table = table[~_split_rows(table)]
    table = table[table["old_code"] != table["new_code"]]
    table = table.drop_duplicates(["old_code", "new_code"])
    ambiguous = table[table.duplicated("old_code", keep=False)]
    if not ambiguous.empty:
        lines = [
            f"{old} -> {', '.join(sorted(group['new_code']))}"
            for old, group in ambiguous.groupby("old_code", sort=True)
        ]
        raise AdminChangeError(
            "admin_changes maps a code to several new codes as of "
            f"{cutoff.date()}: {'; '.join(lines)}. A unit merges into only one "
            "unit; a split has all its rows on one effective_date. Fix: keep one row per "
            "old_code, or give the parts of a split the same effective_date."
        )
    direct = dict(zip(table["old_code"], table["new_code"], strict=True))
    when = dict(zip(table["old_code"], table["effective_date"], strict=True))
    final: dict[str, str] = {}
    for start in direct:
        chain = [start]
        code = start
        last = None
        # A chain A -> B -> C goes on only through a change of another day:
        # changes of one day are simultaneous (X takes the code of Y while Y
        # gets a new code).
        while code in direct and (last is None or when[code] != last):
            last = when[code]
            code = direct[code]
            if code in chain:
                loop = " -> ".join([*chain[chain.index(code) :], code])
                raise AdminChangeError(
                    f"admin_changes has a loop as of {cutoff.date()}: {loop}. "
                    "Fix: remove the row that maps a unit back to an earlier code."
                )
            chain.append(code)
        final[start] = code
    return final


def remap_codes(
    codes: pd.Series,
    changes: pd.DataFrame | None,
    *,
    as_of: dt.date | str | pd.Timestamp | None = None,
) -> pd.Series:
    """Map old admin-unit codes to the codes of the units they merged into.

    The same mapping as :func:`units_as_of`, for tables that carry a code
    column (``subscribers``): changes effective on or before ``as_of`` apply,
    chains (A → B → C) are followed.

    Parameters
    ----------
    codes
        Admin-unit codes (not modified).
    changes
        The ``admin_changes`` table (``old_code``, ``new_code``,
        ``effective_date``), or ``None`` for no changes.
    as_of
        Apply the changes effective on or before this day; ``None`` applies
        every change up to today.

    Returns
    -------
    pandas.Series
        Codes as text (object dtype), same index and name; missing codes stay
        ``<NA>``, codes without a change are kept.

    Raises
    ------
    AdminChangeError
        If a change row is incomplete, a code maps to two codes, or the
        changes loop.

    Examples
    --------
    >>> changes = pd.DataFrame(
    ...     {"old_code": ["358"], "new_code": ["356"], "effective_date": ["2024-09-01"]}
    ... )
    >>> remap_codes(pd.Series(["356", "358", "359"]), changes, as_of="2024-12-31").tolist()
    ['356', '356', '359']
    >>> remap_codes(pd.Series(["358"]), changes, as_of="2024-08-31").tolist()
    ['358']
    """
    mapping = _code_map(changes, as_of)
    text = _code_series(codes)
    return pd.Series(
        [v if v is pd.NA else mapping.get(v, v) for v in text],
        index=codes.index,
        name=codes.name,
        dtype=object,
    )


def units_as_of(
    units: gpd.GeoDataFrame,
    changes: pd.DataFrame | None = None,
    *,
    as_of: dt.date | str | pd.Timestamp | None = None,
    level: str | None = None,
) -> gpd.GeoDataFrame:
    """Return the admin units as they were on a day, merged units dissolved.

    Each change of ``changes`` effective on or before ``as_of`` (the day
    itself counts) merges the unit ``old_code`` into the unit ``new_code``;
    chains A → B → C are followed. The merged unit's geometry is the union of
    the parts, ``population`` and ``households`` (when present) are summed
    (missing if any part is missing), and every other attribute (``name``,
    ``level``, ...) is the surviving unit's. Changes whose ``old_code`` is not
    in the layer are ignored (they concern another level or area, or the layer
    is already drawn after them): changes are only applied forward.

    Changes of the same day are simultaneous: when unit X takes the code of
    unit Y while Y gets another code, X's figures stay apart from Y's (a code
    reused by another unit is not a chain).

    A split (one ``old_code`` with several ``new_code`` rows on the same
    ``effective_date``) cannot be drawn from the old boundary: the old unit
    stays as it is. To report on the parts, give a unit layer of the new
    vintage (``units=``); tables per unit are carried to it by
    :mod:`ict_gis.crosswalk` (by weight, area share or population share).

    Parameters
    ----------
    units
        Boundary layer at any level, with a ``code`` column (or index) and a
        ``name`` column; not modified.
    changes
        The ``admin_changes`` table, or ``None`` for no changes.
    as_of
        Apply the changes effective on or before this day; ``None`` applies
        every change up to today.
    level
        Keep only units of this ``level`` (``"district"``, ``"commune"``) first,
        for layers holding several levels.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit, indexed by ``code`` (text, index name ``"code"``) and
        sorted by it, with the layer's columns, a ``merged_codes`` column (the
        codes merged into the unit, comma separated, ``""`` if none), and the
        layer's CRS.

    Raises
    ------
    UnitError
        If a unit has no code, codes repeat, or ``level`` selects nothing.
    AdminChangeError
        If a unit would merge into a code that is not in the layer, or the
        changes are incomplete or contradictory.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> layers = bundled_layers()
    >>> len(units_as_of(layers["districts"], layers["admin_changes"], as_of="2024-06-30"))
    10
    >>> units = units_as_of(layers["districts"], layers["admin_changes"], as_of="2024-12-31")
    >>> len(units), units.loc["356", "merged_codes"]
    (9, '358')
    """
    frame = units.copy()
    codes = _unit_codes(frame)
    if "code" in frame.columns:
        frame = frame.drop(columns="code")
    frame.index = pd.Index(codes.to_numpy(), name="code", dtype=object)
    if level is not None:
        if "level" not in frame.columns:
            raise UnitError(
                f"level={level!r} was asked for, but the unit layer has no 'level' column."
            )
        present = sorted(frame["level"].dropna().astype(str).unique())
        frame = frame[frame["level"] == level]
        if frame.empty:
            raise UnitError(
                f"The unit layer has no unit of level {level!r} "
                f"(levels present: {', '.join(present) or 'none'})."
            )
    duplicated = frame.index[frame.index.duplicated()].unique()
    if len(duplicated):
        raise UnitError(
            f"Unit codes must be unique; repeated: {', '.join(sorted(duplicated)[:20])}. "
            "Fix: merge the rows of each unit into one (Multi)Polygon."
        )

    mapping = _code_map(changes, as_of)
    target = pd.Series([mapping.get(c, c) for c in frame.index], index=frame.index, dtype=object)
    unknown = target[~target.isin(frame.index)]
    if not unknown.empty:
        where = "" if level is None else f" of level {level!r}"
        lines = [
            f"{code} ({_name(frame, code)}) -> {new}" for code, new in unknown.sort_index().items()
        ]
        raise AdminChangeError(
            f"admin_changes merges units into codes that are not in the unit layer{where}: "
            f"{'; '.join(lines)}. Fix: add the receiving unit to the boundary layer, or "
            "correct new_code in admin_changes."
        )

    moved = target[target != target.index]
    result = frame[target == target.index].copy()
    merged_codes = pd.Series("", index=result.index, dtype=object)
    if not moved.empty:
        geom_name = frame.geometry.name
        receivers = sorted(moved.unique())
        groups = moved.groupby(moved.to_numpy()).groups
        members = {r: [r, *sorted(groups[r])] for r in receivers}
        geometry_of = dict(zip(frame.index, _geometry_array(frame.geometry), strict=True))
        unions = [shapely.union_all([geometry_of[c] for c in members[r]]) for r in receivers]
        result.loc[receivers, geom_name] = gpd.GeoSeries(unions, index=receivers, crs=frame.crs)
        for col in SUMMED_COLUMNS:
            if col in frame.columns:
                result[col] = _summed(frame[col], target).reindex(result.index)
        for r in receivers:
            merged_codes[r] = ",".join(members[r][1:])
    result["merged_codes"] = merged_codes
    result = result.sort_index()
    result.index.name = "code"
    return result


def _name(frame: pd.DataFrame, code: str) -> str:
    if "name" in frame.columns and pd.notna(frame.at[code, "name"]):
        return str(frame.at[code, "name"])
    return "no name"


def _summed(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Sum ``values`` per group; missing when any value of the group is missing."""
    if not pd.api.types.is_numeric_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() & values.notna()
        if bad.any():
            raise UnitError(
                f"{values.name}: {values[bad].iloc[0]!r} (unit {values.index[bad][0]}) is not "
                "a number. Fix: write whole numbers, or leave the value empty."
            )
        values = numbers
    sums = values.groupby(groups.to_numpy()).sum()
    incomplete = values.isna().groupby(groups.to_numpy()).any()
    return sums.mask(incomplete)


def unit_frame(
    layers: Mapping[str, pd.DataFrame],
    *,
    as_of: dt.date | str | pd.Timestamp | None = None,
    level: str | None = None,
) -> gpd.GeoDataFrame:
    """Return the units of a layer set as of a day (see :func:`units_as_of`).

    Parameters
    ----------
    layers
        A :class:`~ict_gis.layerset.LayerSet` (or any mapping) with a
        ``districts`` layer and optionally ``admin_changes``.
    as_of
        Apply the changes effective on or before this day (``None``: up to today).
    level
        Keep only units of this level.

    Returns
    -------
    geopandas.GeoDataFrame
        Units indexed by ``code``.
    """
    return partition_units(
        units_as_of(layers["districts"], layers.get("admin_changes"), as_of=as_of, level=level)
    )


def partition_units(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the units as a partition: slivers of overlap and of gap resolved.

    Units as published often overlap their neighbours by a few metres and
    leave slivers between them. Within each level (the ``level`` column;
    units of different levels nest by design), in the units' metric CRS
    (:func:`metric_crs`), every unit is made valid (``make_valid`` then a
    1 cm grid, see :func:`ict_gis.geometry.clean_polygons`); then

    - an overlap of two units of at most
      :data:`~ict_gis.geometry.MAX_FILLED_GAP_M2` (1 km²) belongs to the unit
      with the lower code, as a point in it does (:func:`assign_units`);
      larger overlaps are left as they are (``validate`` reports them as
      errors);
    - a gap enclosed by units of at most 1 km² belongs to the unit sharing
      the longest boundary with it (:func:`ict_gis.geometry.gap_owners`), as
      a point in it does.

    So the unit areas add up to the area of their union, slivers included,
    and every figure is the one the cleaned boundaries give. A level whose
    units have no overlap and no gap is returned untouched.

    Parameters
    ----------
    units
        Unit polygons with a ``code`` column or indexed by code; not modified.

    Returns
    -------
    geopandas.GeoDataFrame
        The units, or a copy with the geometries of the levels that changed
        replaced (projected back to the units' CRS).
    """
    if units.crs is None or units.empty:
        return units
    geoms = _geometry_array(units.geometry)
    present = ~shapely.is_missing(geoms)
    present[present] &= ~shapely.is_empty(geoms[present])
    if not present.any():
        return units
    codes = _unit_codes(units).astype(str).to_numpy()
    levels = np.array(
        ["" if pd.isna(v) else str(v) for v in units["level"].tolist()]
        if "level" in units.columns
        else [""] * len(units),
        dtype=object,
    )
    key = digest(geoms, *codes, *levels, units.crs.to_wkt())
    answer = _PARTITIONS.get(key, lambda: _partitioned(units, geoms, present, codes, levels))
    return _with_geometry(units, answer)


#: The last partitions computed (a command asks for the same units several times).
_PARTITIONS = Recent(4)


def _partitioned(
    units: gpd.GeoDataFrame,
    geoms: np.ndarray,
    present: np.ndarray,
    codes: np.ndarray,
    levels: np.ndarray,
) -> np.ndarray | None:
    """Return the geometries of :func:`partition_units` (``None``: unchanged)."""
    crs = units.crs if units.crs.is_projected else metric_crs(units.geometry[present])
    metric = _geometry_array(units.geometry.to_crs(crs)) if crs != units.crs else geoms
    values = geoms.copy()
    touched = False
    for level in pd.unique(levels):
        group = np.flatnonzero((levels == level) & present)
        if not len(group):
            continue
        new = _partition(metric[group], codes[group])
        if new is None:
            continue
        touched = True
        values[group] = (
            _geometry_array(gpd.GeoSeries(new, crs=crs).to_crs(units.crs))
            if crs != units.crs
            else new
        )
    return values if touched else None


def _with_geometry(units: gpd.GeoDataFrame, values: np.ndarray | None) -> gpd.GeoDataFrame:
    """``units`` with these geometries (``None``: unchanged, the same frame)."""
    if values is None:
        return units
    out = units.copy()
    out[units.geometry.name] = gpd.GeoSeries(values.copy(), index=units.index, crs=units.crs)
    return out


def _partition(metric: np.ndarray, codes: np.ndarray) -> np.ndarray | None:
    """:func:`partition_units` for the units of one level (``None``: nothing to do)."""
    rank = np.argsort(codes, kind="stable")
    # In code order (the lowest first), as the placement rule sees them.
    cleaned, invalid = clean_polygons(metric[rank])
    changed = bool(invalid.any())
    new = cleaned.copy()
    # Each small overlap goes to the unit of the two with the lower code.
    losers: dict[int, list[int]] = {}
    for i, j, m2 in topology(cleaned, min_area=0.0)[0]:
        if 0 < m2 <= MAX_FILLED_GAP_M2:
            losers.setdefault(max(i, j), []).append(min(i, j))
    for k in sorted(losers):
        taken = shapely.union_all(new[losers[k]])
        try:
            new[k] = shapely.difference(new[k], taken)
        except shapely.errors.GEOSException:  # pragma: no cover - grid fallback
            new[k] = shapely.difference(new[k], taken, grid_size=GRID_M)
        changed = True
    gaps, owners = gap_owners(cleaned)
    for owner in np.unique(owners):
        new[owner] = shapely.union_all([new[owner], *gaps[owners == owner]], grid_size=GRID_M)
        changed = True
    # All or nothing: an untouched unit off the 1 cm grid would overlap its
    # snapped neighbours by a few m².
    if not changed:
        return None
    out = np.empty(len(new), dtype=object)
    out[rank] = new
    return out


# --------------------------------------------------------------------------- attaching


def _check_crs(crs: object, units_crs: object, what: str) -> None:
    """Raise when exactly one of the two layers has a CRS."""
    if (crs is None) != (units_crs is None):
        which, other = (what, "units") if crs is None else ("units", what)
        raise UnitError(
            f"The {which} have no CRS, so they cannot be matched to the {other}. "
            "Fix: set the layer's CRS (e.g. EPSG:4326)."
        )


def _aligned(features: gpd.GeoDataFrame, units: gpd.GeoDataFrame, what: str) -> gpd.GeoSeries:
    """``features``' geometry in the CRS of ``units``."""
    geoms = features.geometry
    _check_crs(geoms.crs, units.crs, what)
    if geoms.crs is not None and geoms.crs != units.crs:
        geoms = geoms.to_crs(units.crs)
    return geoms


def _to_metres(units: gpd.GeoDataFrame):
    """Coordinates of the units' CRS -> metres (``None`` when already projected)."""
    if units.crs is None or units.crs.is_projected:
        return None
    arr = _geometry_array(units.geometry)
    present = ~shapely.is_missing(arr)
    present[present] &= ~shapely.is_empty(arr[present])
    if not present.any():
        return None
    crs = metric_crs(units.geometry[present])
    return pyproj.Transformer.from_crs(units.crs, crs, always_xy=True).transform


def placement(
    features: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    tolerance_m: float = PLACEMENT_TOLERANCE_M,
) -> pd.DataFrame:
    """Place each feature in a unit by THE rule, with the nearest unit and its distance.

    See :func:`assign_units` for the rule; this also says, for a feature
    outside every unit, which unit is nearest and how far it is (metres).

    Returns
    -------
    pandas.DataFrame
        Index of ``features``; columns ``code`` (the unit by the rule, or
        ``<NA>``), ``nearest`` (code of the nearest unit) and ``distance_m``
        (0 inside a unit; NaN without geometry).
    """
    codes = _unit_codes(units).to_numpy()
    geoms = _aligned(features, units, "features")
    arr = _geometry_array(geoms)
    type_ids = shapely.get_type_id(arr)
    not_point = (type_ids != 0) & (type_ids >= 0)
    x = np.full(len(arr), np.nan)
    y = np.full(len(arr), np.nan)
    if not_point.any():
        others = arr[not_point]
        try:
            reps = shapely.point_on_surface(others)
        except shapely.errors.GEOSException:  # an invalid polygon: made valid first
            reps = shapely.point_on_surface(shapely.make_valid(others))
        x[not_point], y[not_point] = shapely.get_x(reps), shapely.get_y(reps)
    points = type_ids == 0
    if points.any():
        present = points & ~shapely.is_empty(arr)
        x[present], y[present] = shapely.get_x(arr[present]), shapely.get_y(arr[present])
    unit_arr = _geometry_array(units.geometry)
    pos, near, dist = place_points(
        x, y, unit_arr, codes.astype(str), _to_metres(units), tolerance_m=tolerance_m
    )
    with_na = np.append(codes.astype(object), pd.NA)
    out = pd.DataFrame(index=features.index)
    out["code"] = pd.Series(
        with_na[np.where(pos >= 0, pos, len(codes))], index=features.index, dtype=object
    )
    out["nearest"] = pd.Series(
        with_na[np.where(near >= 0, near, len(codes))], index=features.index, dtype=object
    )
    out["distance_m"] = dist
    return out


def count_points(
    path: str | os.PathLike,
    units: gpd.GeoDataFrame,
    *,
    layer: str | None = None,
    batch_rows: int = 100_000,
    progress: Callable[[int, int], None] | None = None,
    by: str | None = None,
) -> pd.Series | pd.DataFrame:
    """Count the points of a file per unit, streaming it: never loaded whole.

    An inventory of tens of millions of cells (OpenCelliD, an operator's
    national list) is read ``batch_rows`` points at a time
    (:func:`ict_gis.io.iter_point_batches`); each batch is placed by the one
    placement rule (:func:`ict_gis.geometry.place_points`, as
    :func:`assign_units` places them) and counted. Memory follows the batch
    and the units, not the file.

    Parameters
    ----------
    path
        A point layer (GeoPackage, GeoJSON, Shapefile, …) with a CRS.
    units
        Unit polygons with a ``code`` column or indexed by code.
    layer
        The file's layer (default: the first).
    batch_rows
        Points per batch.
    progress
        Called as ``progress(done, total)`` after each batch (points).
    by
        A column of the file (e.g. ``radio`` of an OpenCelliD export,
        ``operator``): count per unit and per value of it too.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Points per unit code (every unit, 0 included), then ``outside``
        (outside every unit, or without a point geometry): they add up to
        the file's feature count. With ``by``, a frame with one column per
        value (sorted; ``None``, points without a value, last) instead.

    Raises
    ------
    LayerReadError
        If the file cannot be read, or has no column ``by``.
    UnitError
        If the file or the units have no CRS.
    """
    from ict_gis import io

    crs, batches = io.iter_point_batches(path, layer=layer, batch_rows=batch_rows, column=by)
    _check_crs(crs, units.crs, f"points of {path}")
    codes = _unit_codes(units).to_numpy(dtype=object)
    geoms = _geometry_array(units.geometry)
    to_units = (
        None
        if crs is None or pyproj.CRS.from_user_input(crs).equals(units.crs)
        else pyproj.Transformer.from_crs(crs, units.crs, always_xy=True).transform
    )
    to_metres = _to_metres(units)
    rows = len(codes) + 1  # the last: outside
    values: dict[object, int] = {}  # each value's column
    counts = np.zeros((rows, 1), dtype=np.int64)
    total = io.feature_count(path, layer=layer) if progress is not None else 0
    done = 0
    for x, y, *value in batches:
        if to_units is not None:
            x, y = (np.asarray(v, dtype=float) for v in to_units(x, y))
        pos = place_points(
            x,
            y,
            geoms,
            codes.astype(str),
            to_metres,
            tolerance_m=PLACEMENT_TOLERANCE_M,
            nearest_of_outside=False,  # a count needs no "nearest unit" message
        )[0]
        row = np.where(pos >= 0, pos, len(codes))
        column = np.zeros(len(x), dtype=np.int64)
        if value:
            column = _value_columns(value[0], values)
            if len(values) > counts.shape[1]:
                counts = np.pad(counts, ((0, 0), (0, len(values) - counts.shape[1])))
        width = counts.shape[1]
        counts += np.bincount(row * width + column, minlength=rows * width).reshape(rows, width)
        done += len(x)
        if progress is not None:
            progress(done, max(total, done))
    index = pd.Index([*codes, "outside"], name="code")
    if by is None:
        return pd.Series(counts[:, 0], index=index, name="points")
    order = sorted(values, key=lambda v: (v is None, str(v)))
    return pd.DataFrame(
        counts[:, [values[value] for value in order]],
        index=index,
        columns=pd.Index(order, dtype=object),
    )


def _value_columns(batch: np.ndarray, values: dict[object, int]) -> np.ndarray:
    """Each value's column in the counts, new values given the next columns."""
    inverse, present = pd.factorize(pd.Series(batch, dtype=object), use_na_sentinel=False)
    for value in present:
        key = None if pd.isna(value) else value
        values.setdefault(key, len(values))
    ids = np.array([values[None if pd.isna(v) else v] for v in present], dtype=np.int64)
    return ids[inverse]


def assign_units(features: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.Series:
    """Return the code of the unit of each feature, by the one placement rule.

    The rule (:func:`ict_gis.geometry.place_points`, used by validation and
    by every metric): a point inside or on the boundary of one or more units
    goes to the unit with the smallest code (compared as text): on an edge
    shared by several units, or in an overlap of units as published; a point
    outside every unit but within
    :data:`~ict_gis.geometry.PLACEMENT_TOLERANCE_M` (100 m) of one (a sliver
    between units, a station on the shore) goes to the nearest unit; any other
    is outside. Each feature is counted exactly once, the same way every
    time. Other geometries are placed by their representative point
    (``shapely.point_on_surface``), which lies on the line or inside the
    polygon. Features are reprojected to the units' CRS when it differs;
    distances are measured in :func:`metric_crs` of the units.

    Parameters
    ----------
    features
        Points (or other geometries); not modified.
    units
        Unit polygons with a ``code`` column, or indexed by code (as
        :func:`units_as_of` returns them).

    Returns
    -------
    pandas.Series
        Unit codes (text, object dtype) named ``code``, with the index of
        ``features``; ``<NA>`` for a feature outside every unit or without
        geometry (callers report these, never drop them).

    Raises
    ------
    UnitError
        If a unit has no code, or only one of the layers has a CRS.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> from shapely import Point
    >>> layers = bundled_layers()
    >>> sites = gpd.GeoDataFrame(geometry=[Point(106.17, 20.42), Point(0, 0)], crs=4326)
    >>> assign_units(sites, layers["districts"]).tolist()
    ['356', <NA>]
    """
    codes = placement(features, units)["code"]
    return pd.Series(codes.to_numpy(dtype=object), index=features.index, name="code", dtype=object)


def split_by_unit(lines: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cut lines at unit boundaries: one row per piece of a line in a unit.

    The lines are intersected with the units in a projected CRS (the units'
    CRS when it is projected, otherwise :func:`metric_crs` of the units) and
    the pieces are returned in the lines' CRS. A stretch running along a
    boundary shared by two units goes to the unit with the smallest code, as
    for points in :func:`assign_units`, so no length is counted twice. Parts
    outside every unit are kept with code ``<NA>``: the pieces of a line add
    up to the whole line. Pieces shorter than 1 mm (rounding slivers where a
    line crosses a boundary) are not reported.

    Parameters
    ----------
    lines
        LineString/MultiLineString layer (``cable_routes``); not modified.
    units
        Unit polygons with a ``code`` column, or indexed by code.

    Returns
    -------
    geopandas.GeoDataFrame
        The lines' columns plus ``code`` (text, or ``<NA>`` outside every
        unit) and ``length_m`` (geodesic length of the piece, see
        :func:`geodesic_length_m`; replaces an input ``length_m``). Each row
        keeps the index label of its line (repeated when a line crosses
        units, as in ``explode``); rows are in line order, then by code with
        ``<NA>`` last. A line without geometry gives one row with code
        ``<NA>``. Same CRS as ``lines``.

    Raises
    ------
    UnitError
        If the lines are not lines, already have a ``code`` column, a unit has
        no code, or only one of the layers has a CRS.
    """
    if "code" in lines.columns:
        raise UnitError(
            "The lines already have a 'code' column; rename it before splitting them by unit."
        )
    geoms = lines.geometry
    types = geoms.geom_type
    wrong = types.notna() & ~types.isin(_LINEAR_TYPES) & ~geoms.is_empty
    if wrong.any():
        found = ", ".join(sorted(types[wrong].unique()))
        raise UnitError(f"split_by_unit needs LineString/MultiLineString features, got {found}.")
    codes = _unit_codes(units).to_numpy()
    _check_crs(geoms.crs, units.crs, "lines")
    if units.crs is None:
        work_crs = None
    elif units.crs.is_projected:
        work_crs = units.crs
    else:
        work_crs = metric_crs(units)
    lines_work = geoms if work_crs is None or geoms.crs == work_crs else geoms.to_crs(work_crs)
    units_work = (
        units.geometry
        if work_crs is None or units.crs == work_crs
        else units.geometry.to_crs(work_crs)
    )
    remaining = _geometry_array(lines_work).copy()
    unit_arr = _geometry_array(units_work)
    tree = shapely.STRtree(remaining)

    line_pos: list[np.ndarray] = []
    piece_code: list[np.ndarray] = []
    pieces: list[np.ndarray] = []
    for k in np.argsort(codes.astype(str), kind="stable"):
        unit_geom = unit_arr[k]
        if unit_geom is None or unit_geom.is_empty:
            continue
        idx = tree.query(unit_geom, predicate="intersects")
        if not len(idx):
            continue
        candidates = remaining[idx]
        cut = _linear_part(shapely.intersection(candidates, unit_geom))
        keep = shapely.length(cut) >= _SLIVER_M
        line_pos.append(idx[keep])
        piece_code.append(np.full(int(keep.sum()), codes[k], dtype=object))
        pieces.append(cut[keep])
        remaining[idx] = shapely.difference(candidates, unit_geom)

    outside = _linear_part(remaining).copy()
    if work_crs is not None and work_crs.is_projected:
        gap_pos, gap_code, gap_piece = _gap_pieces(outside, unit_arr, codes)
        line_pos.append(gap_pos)
        piece_code.append(gap_code)
        pieces.append(gap_piece)
    has_outside = shapely.length(outside) >= _SLIVER_M
    found = np.concatenate([*line_pos, np.empty(0, dtype=int)]).astype(int)
    no_piece = np.ones(len(remaining), dtype=bool)
    no_piece[found] = False
    no_piece &= ~has_outside
    # Lines without any piece (no geometry, empty, or shorter than a sliver):
    # one row with their own geometry, so that no line disappears.
    outside[no_piece] = _geometry_array(lines_work)[no_piece]
    rest = has_outside | no_piece
    line_pos.append(np.flatnonzero(rest))
    piece_code.append(np.full(int(rest.sum()), pd.NA, dtype=object))
    pieces.append(outside[rest])

    pos = np.concatenate(line_pos).astype(int)
    code_values = np.concatenate(piece_code)
    piece_arr = np.concatenate(pieces)
    order = np.argsort(pos, kind="stable")
    pos, code_values, piece_arr = pos[order], code_values[order], piece_arr[order]

    # A line lying in one unit keeps its own geometry, untouched by reprojection.
    counts = np.bincount(pos, minlength=len(remaining))
    whole = counts[pos] == 1
    original = _geometry_array(geoms)
    if work_crs is not None and geoms.crs != work_crs:
        back = _geometry_array(gpd.GeoSeries(piece_arr, crs=work_crs).to_crs(geoms.crs))
        piece_arr = _restore_vertices(back, piece_arr, pos, _geometry_array(lines_work), original)
    piece_arr[whole] = original[pos[whole]]

    geom_name = geoms.name
    out = lines.iloc[pos].copy()
    out[geom_name] = gpd.GeoSeries(piece_arr, index=out.index, crs=geoms.crs)
    out = out.set_geometry(geom_name)
    out["code"] = pd.Series(code_values, index=out.index, dtype=object)
    out["length_m"] = (
        geodesic_length_m(out.geometry).to_numpy()
        if geoms.crs is not None
        else np.full(len(out), np.nan)
    )
    return out


def _gap_pieces(
    outside: np.ndarray, unit_arr: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Give the pieces of lines lying in a gap between units to the nearest unit.

    The placement rule of :func:`assign_units` for lines: a part of a line
    outside every unit whose every point (vertices, and every 10 m) is within
    :data:`~ict_gis.geometry.PLACEMENT_TOLERANCE_M` of a unit goes to the
    unit nearest its middle (ties: smallest code). ``outside`` (metric
    pieces per line) is updated in place to what is left outside.
    """
    empty = (np.empty(0, dtype=int), np.empty(0, dtype=object), np.empty(0, dtype=object))
    present = ~shapely.is_missing(outside)
    present[present] &= shapely.length(outside[present]) >= _SLIVER_M
    usable = np.flatnonzero(~shapely.is_missing(unit_arr))
    if not present.any() or not len(usable):
        return empty
    metric, _ = clean_polygons(unit_arr[usable])
    order = np.argsort(codes[usable].astype(str), kind="stable")
    metric, usable = metric[order], usable[order]
    tree = shapely.STRtree(metric)
    rows = np.flatnonzero(present)
    parts, part_of = shapely.get_parts(outside[rows], return_index=True)
    dense = shapely.segmentize(parts, 10.0)
    xy, vertex_of = shapely.get_coordinates(dense, return_index=True)
    (vi, _unit), dist = tree.query_nearest(
        shapely.points(xy), return_distance=True, all_matches=False
    )
    farthest = np.zeros(len(parts))
    np.maximum.at(farthest, vertex_of[vi], dist)
    close = np.flatnonzero(farthest <= PLACEMENT_TOLERANCE_M)
    if not len(close):
        return empty
    mids = shapely.line_interpolate_point(parts[close], 0.5, normalized=True)
    (mi, unit), _d = tree.query_nearest(mids, return_distance=True, all_matches=True)
    pick = np.lexsort((unit, mi))
    mi, unit = mi[pick], unit[pick]
    first = np.ones(len(mi), dtype=bool)
    first[1:] = mi[1:] != mi[:-1]
    mi, unit = mi[first], unit[first]
    given = np.zeros(len(parts), dtype=bool)
    given[close[mi]] = True
    for r in np.unique(part_of):
        kept = parts[(part_of == r) & ~given]
        outside[rows[r]] = (
            shapely.line_merge(shapely.MultiLineString(list(kept)))
            if len(kept)
            else shapely.LineString()
        )
    return (
        rows[part_of[close[mi]]].astype(int),
        codes[usable[unit]].astype(object),
        parts[close[mi]],
    )


def _linear_part(geoms: np.ndarray) -> np.ndarray:
    """Keep only the line parts of each geometry (drop points where a line touches)."""
    geoms = np.asarray(geoms, dtype=object)
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)  # GeometryCollection
    if not len(mixed):
        return geoms
    out = geoms.copy()
    for i in mixed:
        parts = [p for p in _flat_parts(geoms[i]) if p.geom_type == "LineString" and not p.is_empty]
        out[i] = (
            shapely.line_merge(shapely.MultiLineString(parts), directed=True)
            if parts
            else shapely.LineString()
        )
    return out


def _flat_parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    if hasattr(geom, "geoms"):
        return [part for sub in geom.geoms for part in _flat_parts(sub)]
    return [geom]


def _restore_vertices(
    back: np.ndarray, work: np.ndarray, pos: np.ndarray, lines_work: np.ndarray, lines: np.ndarray
) -> np.ndarray:
    """Give the pieces their lines' own vertices back, exactly.

    ``back`` are the pieces ``work`` (cut in the working CRS) projected back to
    the lines' CRS; a projection round trip moves a vertex by up to a few
    millimetres. Every vertex of a piece that is a vertex of its line in the
    working CRS gets the line's original coordinates; only the cut points
    keep projected coordinates.
    """
    if shapely.has_z(lines[pd.notna(lines)]).any():
        return back
    line_work_xy, line_of = shapely.get_coordinates(lines_work, return_index=True)
    line_xy = shapely.get_coordinates(lines)
    if len(line_xy) != len(line_work_xy):  # pragma: no cover - projection dropped a vertex
        return back
    known = pd.DataFrame(
        {
            "line": line_of,
            "x": line_work_xy[:, 0],
            "y": line_work_xy[:, 1],
            "ox": line_xy[:, 0],
            "oy": line_xy[:, 1],
        }
    ).drop_duplicates(["line", "x", "y"])
    piece_work_xy, piece_of = shapely.get_coordinates(work, return_index=True)
    vertices = pd.DataFrame(
        {"line": pos[piece_of], "x": piece_work_xy[:, 0], "y": piece_work_xy[:, 1]}
    ).merge(known, on=["line", "x", "y"], how="left")
    back_xy = shapely.get_coordinates(back)
    found = vertices["ox"].notna().to_numpy()
    back_xy[found, 0] = vertices["ox"].to_numpy()[found]
    back_xy[found, 1] = vertices["oy"].to_numpy()[found]
    return shapely.set_coordinates(back.copy(), back_xy)
