"""Progress per administrative unit: 2G switch-off, 5G rollout, BTS pipeline, cables.

Every function here is pure: it takes a :class:`~ict_gis.layerset.LayerSet`
(any mapping of layer kind to frame), optionally the admin units to report on
(any level; by default :func:`ict_gis.units.unit_frame` as of ``as_of``, so
that merged units are reported as the unit they joined), and an optional
``as_of`` day, inclusive. Nothing is read from files and nothing is modified.

Conventions shared by every table
---------------------------------
* The result is a DataFrame indexed by admin-unit ``code`` (text; the cable
  table adds the ``category`` and ``plan`` levels) with a ``name`` column, one
  row per unit in the order of the units.
* The last row has the code :data:`TOTAL` (``"total"``): the province total,
  computed from every feature of the layers (sums of the counts and lengths,
  percentages recomputed from the sums, never summed).
* Features that lie outside every unit (or have no geometry) and subscriber
  codes that match no unit are not dropped: they are counted in a row with
  the code :data:`OUTSIDE` (``"outside"``), just before the total, which
  exists only when there is something to put in it, and each of them is
  reported as a :class:`~ict_gis.problems.Problem`.
* Problems found while computing (features outside every unit, a unit missing
  from the subscriber table, ...) are in ``frame.attrs["problems"]`` (see
  :func:`problems_of`); ``frame.attrs`` also holds ``as_of``, ``since`` and,
  where it applies, ``tech``.
* Counts are whole numbers, lengths are in km (``*_km``, geodesic on WGS84,
  computed from the geometry, never taken from an attribute), percentages are
  0–100 (``*_pct``), exact (not rounded). A percentage of nothing is NaN.
* A date that is missing on a feature whose status says the event happened
  (an ``on_air`` station without ``on_air_date``, a ``tidied`` route without
  ``done_date``) means "before the records began": the event counts for any
  ``as_of``, but never inside a period with a ``since``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from ict_gis.crosswalk import carry_splits, carry_to_units, place, report_units
from ict_gis.errors import ProgressError
from ict_gis.numbers import percents
from ict_gis.problems import Problem
from ict_gis.schema import split_list, technology
from ict_gis.settings import CABLE_CATEGORIES, OPERATORS
from ict_gis.units import (
    geodesic_length_m,
    placement,
    remap_codes,
    split_by_unit,
    to_date,
    unit_frame,
)

__all__ = [
    "OUTSIDE",
    "OUTSIDE_NAME",
    "ProgressError",
    "TOTAL",
    "TOTAL_NAME",
    "bts_pipeline",
    "cable_progress",
    "cable_timeline",
    "problems_of",
    "rollout_5g",
    "shutdown_kind",
    "switch_off_timeline",
    "switch_off_progress",
]

#: Code of the province-total row of every progress table.
TOTAL = "total"
#: Code of the row counting features outside every unit.
OUTSIDE = "outside"
#: ``name`` of the total row (tables translate it).
TOTAL_NAME = "Total"
#: ``name`` of the outside row (tables translate it).
OUTSIDE_NAME = "Outside every unit"

#: Label of routes without a plan in the ``plan`` level of :func:`cable_progress`.
NO_PLAN = "(none)"

DateLike = dt.date | str | pd.Timestamp | None

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def problems_of(frame: pd.DataFrame) -> list[Problem]:
    """Return the problems found while computing a progress table.

    Parameters
    ----------
    frame
        A table returned by a function of this module.

    Returns
    -------
    list of Problem
        Empty when nothing was found.
    """
    return list(frame.attrs.get("problems", []))


def shutdown_kind(tech: str) -> str:
    """Return the layer kind holding the switch-offs of ``tech`` (``shutdowns_2g``).

    Examples
    --------
    >>> shutdown_kind("3G")
    'shutdowns_3g'
    """
    return f"shutdowns_{technology(tech).lower()}"


# --------------------------------------------------------------------------- helpers


def _layer(layers: Mapping[str, pd.DataFrame], kind: str, why: str) -> pd.DataFrame:
    if kind not in set(layers):  # not `in layers`: a LayerSet raises for unknown kinds
        have = ", ".join(layers) or "none"
        raise ProgressError(
            f"{why} needs a {kind!r} layer, and the layer set has none (it has: {have}). "
            f"Fix: add {kind}.geojson (or a {kind} layer in the GeoPackage)."
        )
    return layers[kind]


def _units(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame | str | None,
    as_of: pd.Timestamp | None,
) -> gpd.GeoDataFrame:
    """Return the units indexed by text code, with a ``name`` column.

    ``units`` may be the name of a bundled unit layer (``"communes-2025"``);
    units of another vintage than the layer set's get a ``has_data`` column
    (see :func:`ict_gis.crosswalk.report_units`).
    """
    attrs: dict = {}
    if units is None:
        units = unit_frame(layers, as_of=as_of)
    else:
        units = report_units(layers, units, as_of=as_of)
        attrs = dict(units.attrs)
    units = units.copy()
    units.attrs = attrs
    units.index = pd.Index([str(c) for c in units.index], name="code", dtype=object)
    for reserved in (TOTAL, OUTSIDE):
        if reserved in units.index:
            raise ProgressError(
                f"A unit has the code {reserved!r}, which progress tables keep for "
                f"the {'province total' if reserved == TOTAL else 'features outside every unit'}."
                " Fix: give the unit its official code."
            )
    if "name" not in units.columns:
        units["name"] = list(units.index)
    return units


def _assign(
    features: gpd.GeoDataFrame, units: gpd.GeoDataFrame, problems: list[Problem], layer: str
) -> pd.Series:
    """Codes of the units of the features; near misses in units of another vintage noted."""
    codes, moved = place(features, units)
    for idx, dist in moved.items():
        site = features.at[idx, "site_id"] if "site_id" in features.columns else idx
        problems.append(
            Problem(
                layer,
                str(site),
                "geometry",
                "warning",
                f"the feature lies {dist:.0f} m outside every unit of the layer "
                f"{units.attrs.get('units_name') or 'of units'}; it is counted in the nearest "
                f"unit, {codes.at[idx]} ({units.at[codes.at[idx], 'name']}).",
                "nothing to do if the two vintages' boundaries differ there (coast, sources); "
                "else check the coordinates.",
            )
        )
    return codes


def _upto(dates: pd.Series, as_of: pd.Timestamp | None) -> pd.Series:
    """Dates on or before ``as_of``; missing dates count (before the records)."""
    dates = pd.to_datetime(dates)
    if as_of is None:
        return pd.Series(True, index=dates.index)
    return dates.isna() | (dates <= as_of)


def _within(dates: pd.Series, since: pd.Timestamp | None, as_of: pd.Timestamp | None) -> pd.Series:
    """Dates in ``[since, as_of]``; a missing date counts only without ``since``."""
    dates = pd.to_datetime(dates)
    inside = _upto(dates, as_of)
    if since is not None:
        inside = inside & dates.notna() & (dates >= since)
    return inside


def _check_period(since: pd.Timestamp | None, as_of: pd.Timestamp | None) -> None:
    if since is not None and as_of is not None and since > as_of:
        raise ProgressError(
            f"since ({since.date()}) is after as_of ({as_of.date()}); the period is empty."
        )


def _ids(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column].astype(object).where(frame[column].notna(), None)
    return pd.Series([f"#{i}" for i in range(len(frame))], index=frame.index, dtype=object)


def _outside_problems(
    codes: pd.Series,
    frame: pd.DataFrame,
    *,
    layer: str,
    id_column: str,
    units: gpd.GeoDataFrame | None = None,
) -> list[Problem]:
    ids = _ids(frame, id_column)
    lost = codes.index[codes.isna()]
    advice = _outside_advice(frame.loc[lost], units) if units is not None and len(lost) else {}
    problems = []
    for idx in lost:
        geom = frame.geometry.loc[idx] if isinstance(frame, gpd.GeoDataFrame) else None
        where = "has no geometry" if geom is None or geom.is_empty else "lies outside every unit"
        where, fix = advice.get(idx, (where, _OUTSIDE_FIX))
        problems.append(
            Problem(
                layer,
                None if ids.loc[idx] is None else str(ids.loc[idx]),
                "geometry",
                "warning",
                f"the feature {where}; it is counted in the '{OUTSIDE}' row and in the total.",
                fix,
            )
        )
    return problems


_OUTSIDE_FIX = (
    "check its coordinates (a mistyped digit?), or report on a unit layer that covers it."
)


def _outside_advice(
    features: gpd.GeoDataFrame, units: gpd.GeoDataFrame
) -> dict[object, tuple[str, str]]:
    """Say how far each point outside every unit is, and from which unit; and why.

    Swapped coordinates are suggested only when they explain it: when the
    point with x and y exchanged would lie in a unit (the test of
    :func:`ict_gis.validate.validate`).
    """
    geoms = features.geometry
    points = (geoms.geom_type == "Point") & ~geoms.is_empty
    if not points.any():
        return {}
    points = features[points.to_numpy()]
    near = placement(points, units)
    xy = points.geometry
    exchanged = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(xy.y, xy.x), index=points.index, crs=points.crs
    )
    with np.errstate(invalid="ignore", over="ignore"):
        swapped = placement(exchanged, units)["code"]
    names = units["name"].astype(str).to_dict() if "name" in units.columns else {}
    advice = {}
    for idx, row in near.iterrows():
        where = "lies outside every unit"
        metres = float(row["distance_m"])
        if pd.notna(row["nearest"]) and np.isfinite(metres):
            far = f"{metres / 1000:,.1f} km" if metres >= 1000 else f"{metres:,.0f} m"
            nearest = f"{row['nearest']} ({names.get(row['nearest'], row['nearest'])})"
            where = f"lies outside every unit, {far} from the nearest, {nearest}"
        fix = _OUTSIDE_FIX
        if pd.notna(swapped.loc[idx]):
            code = swapped.loc[idx]
            fix = (
                f"its x and y look exchanged: swapped, it would lie in {code} "
                f"({names.get(code, code)}); put the longitude in x (lon), the latitude in y (lat)."
            )
        advice[idx] = (where, fix)
    return advice


def _tabulate(
    units: gpd.GeoDataFrame, codes: pd.Series, values: Mapping[str, pd.Series]
) -> pd.DataFrame:
    """Sum ``values`` per unit; rows for every unit, ``outside`` if any, ``total``."""
    data = pd.DataFrame(dict(values), index=codes.index)
    for col in data.columns:
        if data[col].dtype == bool:
            data[col] = data[col].astype("int64")
    key = codes.astype(object).where(codes.notna(), OUTSIDE)
    sums = data.groupby(key.to_numpy(), sort=False).sum()
    rows = list(units.index) + ([OUTSIDE] if codes.isna().any() else [])
    out = sums.reindex(rows, fill_value=0)
    out.loc[TOTAL] = data.sum()
    return _finish(out, units)


def _finish(out: pd.DataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Add ``name`` first and name the index ``code``; blank the units without data.

    Units of another vintage that lie outside the area of the layer set's
    units (``has_data`` False) have no data: their figures are missing, never 0.
    """
    names = {**units["name"].astype(object).to_dict(), OUTSIDE: OUTSIDE_NAME, TOTAL: TOTAL_NAME}
    codes = out.index.get_level_values(0)
    if "has_data" in units.columns and "name" not in out.columns:
        no_data = set(units.index[~units["has_data"].astype(bool)])
        blank = np.asarray([c in no_data for c in codes], dtype=bool)
        if blank.any():
            for col in out.columns:
                if pd.api.types.is_bool_dtype(out[col]):
                    continue
                if pd.api.types.is_integer_dtype(out[col]):
                    out[col] = out[col].astype("Int64")
                if pd.api.types.is_numeric_dtype(out[col]):
                    out.loc[blank, col] = pd.NA if out[col].dtype == "Int64" else np.nan
    out.insert(0, "name", [names.get(c, c) for c in codes])
    if out.index.nlevels == 1:
        out.index = pd.Index(list(out.index), name="code", dtype=object)
    out.attrs = {**out.attrs, **_units_attrs(units)}
    return out


def _units_attrs(units: gpd.GeoDataFrame) -> dict[str, object]:
    """Return what a table records of its units: vintage, name, which have data."""
    if "has_data" not in units.columns:
        return {}
    return {
        "units_vintage": units.attrs.get("vintage"),
        "units_name": units.attrs.get("units_name", ""),
        "units_with_data": int(units["has_data"].sum()),
        "units_count": len(units),
        "data_area": list(units.attrs.get("source_names", [])),
    }


def _attrs(frame: pd.DataFrame, problems: Sequence[Problem], **attrs: object) -> pd.DataFrame:
    units = {k: v for k, v in frame.attrs.items() if k.startswith("units_") or k == "data_area"}
    frame.attrs = {"problems": list(problems), **units, **attrs}
    return frame


# --------------------------------------------------------------------------- switch-off


def switch_off_progress(
    layers: Mapping[str, pd.DataFrame],
    *,
    units: gpd.GeoDataFrame | None = None,
    as_of: DateLike = None,
    tech: str = "2G",
    by: str = "unit",
) -> pd.DataFrame:
    """Stations and subscribers of a technology being switched off, per unit.

    Stations with the technology are the ``bts_stations`` whose
    ``technologies`` include it, with status ``on_air`` and on air on or
    before ``as_of``; those switched off are the rows of the
    ``shutdowns_<tech>`` layer (``shutdowns_2g``) with ``switch_off_date`` on
    or before ``as_of``, each placed by its own geometry. Subscribers come
    from the latest ``subscribers`` snapshot (``period`` ``YYYY-MM``) not
    after the month of ``as_of``, their codes mapped to the units with
    ``admin_changes`` as of ``as_of``; the table holds 2G subscribers only, so
    the subscriber columns are filled for ``tech="2G"`` and missing otherwise.

    Parameters
    ----------
    layers
        Layer set with ``bts_stations``, ``shutdowns_<tech>``, and (for 2G)
        ``subscribers``; ``districts`` and ``admin_changes`` when ``units`` is
        not given.
    units
        Units to report on (any level), with a ``code`` column or indexed by
        code; default: the ``districts`` layer as of ``as_of``.
    as_of
        Count what happened up to and including this day; ``None``: everything.
    tech
        The technology being switched off: ``"2G"`` (``"3G"`` next).
    by
        ``"unit"`` (rows per unit) or ``"operator"`` (rows per operator,
        province-wide, station columns only).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code`` (or ``operator``), with ``name``, ``stations``
        (with the technology), ``switched_off``, ``remaining``,
        ``switched_off_pct``, and for units ``subscribers`` (with the
        technology), ``migrated`` (to 4G), ``not_migrated``, ``migrated_pct``
        (``<NA>`` for a unit missing from the snapshot, which is reported);
        ``attrs["subscribers_period"]`` is the snapshot used.

    Raises
    ------
    ProgressError
        If the technology is unknown, ``by`` is not ``unit``/``operator``, or
        a needed layer is missing.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> table = switch_off_progress(bundled_layers(), as_of="2024-12-31")
    >>> table.loc["total", ["switched_off", "stations"]].tolist()
    [161, 788]
    """
    tech = technology(tech)
    as_of = to_date(as_of)
    if by not in ("unit", "operator"):
        raise ProgressError(f"by={by!r}: use 'unit' or 'operator'.")
    stations = _layer(layers, "bts_stations", f"The {tech} switch-off")
    kind = shutdown_kind(tech)
    shutdowns = _layer(layers, kind, f"The {tech} switch-off")

    has_tech = stations["technologies"].map(lambda v: tech in split_list(v)).astype(bool)
    active = has_tech & (stations["status"] == "on_air") & _upto(stations["on_air_date"], as_of)
    off = pd.to_datetime(shutdowns["switch_off_date"])
    done = off.notna() & _upto(off, as_of)
    problems: list[Problem] = []
    counted_ids = set(stations.loc[active, "site_id"].dropna())
    for idx in shutdowns.index[done & ~shutdowns["site_id"].isin(counted_ids)]:
        problems.append(
            Problem(
                kind,
                str(shutdowns.at[idx, "site_id"]),
                "site_id",
                "warning",
                f"the station is switched off but is not among the {tech} stations on air "
                f"{'' if as_of is None else f'on {as_of.date()} '}in bts_stations (status "
                f"on_air, {tech} in technologies, on_air_date); the share switched off counts "
                "it on one side only.",
                f"keep the station in bts_stations with status on_air and {tech} in its "
                "technologies (the switch-off is recorded here), or correct site_id.",
            )
        )
    attrs = {"as_of": as_of, "since": None, "tech": tech, "metric": "switch_off"}

    if by == "operator":
        seen = set(stations["operator"].dropna()) | set(shutdowns["operator"].dropna())
        index = [o for o in OPERATORS if o in seen] + sorted(str(o) for o in seen - set(OPERATORS))
        counted = stations["operator"][active].value_counts()
        switched = shutdowns["operator"][done].value_counts()
        out = pd.DataFrame(
            {
                "stations": counted.reindex(index, fill_value=0).astype("int64"),
                "switched_off": switched.reindex(index, fill_value=0).astype("int64"),
            }
        )
        out.loc[TOTAL] = [int(active.sum()), int(done.sum())]
        out.index = pd.Index(list(out.index), name="operator", dtype=object)
        _station_columns(out)
        return _attrs(out, problems, **attrs)

    units = _units(layers, units, as_of)
    station_codes = _assign(stations[active], units, problems, "bts_stations")
    off_codes = _assign(shutdowns[done], units, problems, kind)
    problems += _outside_problems(
        station_codes, stations[active], layer="bts_stations", id_column="site_id", units=units
    )
    problems += _outside_problems(
        off_codes, shutdowns[done], layer=kind, id_column="site_id", units=units
    )
    codes = pd.concat([station_codes, off_codes], ignore_index=True)
    is_station = np.arange(len(codes)) < len(station_codes)
    out = _tabulate(
        units,
        codes,
        {
            "stations": pd.Series(is_station, index=codes.index),
            "switched_off": pd.Series(~is_station, index=codes.index),
        },
    ).drop(columns="name")

    subs, found, period = _subscriber_table(layers, units, as_of, tech)
    problems += found
    attrs["subscribers_period"] = period
    if subs is None:
        subs = pd.DataFrame(index=out.index, columns=["subscribers", "migrated"], dtype="Int64")
    rows = [r for r in dict.fromkeys([*out.index, *subs.index]) if r not in (OUTSIDE, TOTAL)]
    rows += [OUTSIDE] if OUTSIDE in out.index or OUTSIDE in subs.index else []
    rows += [TOTAL]
    out = out.reindex(rows)
    for col in ("stations", "switched_off"):
        out[col] = out[col].fillna(0).astype("int64")
    _station_columns(out)
    subs = subs.reindex(rows)
    out["subscribers"] = subs["subscribers"].astype("Int64")
    out["migrated"] = subs["migrated"].astype("Int64")
    out["not_migrated"] = (out["subscribers"] - out["migrated"]).astype("Int64")
    out["migrated_pct"] = percents(out["migrated"], out["subscribers"])
    out = _finish(out, units)
    return _attrs(out, problems, **attrs)


def _station_columns(out: pd.DataFrame) -> None:
    out["remaining"] = (out["stations"] - out["switched_off"]).astype("int64")
    out["switched_off_pct"] = percents(out["switched_off"], out["stations"])


def _subscriber_table(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame,
    as_of: pd.Timestamp | None,
    tech: str,
) -> tuple[pd.DataFrame | None, list[Problem], str | None]:
    """Return subscribers and migrated per unit (units, ``outside`` if any, ``total``)."""
    problems: list[Problem] = []
    if tech != "2G":
        return None, problems, None
    if "subscribers" not in set(layers):
        problems.append(
            Problem(
                "subscribers",
                None,
                None,
                "warning",
                "there is no subscribers table; the subscriber columns are missing.",
                "add subscribers.csv (code, period YYYY-MM, subscribers_2g, migrated_to_4g).",
            )
        )
        return None, problems, None
    table = layers["subscribers"]
    periods = table["period"].astype(object)
    valid = periods.map(lambda p: isinstance(p, str) and bool(_PERIOD.match(p.strip())))
    for idx in table.index[~valid]:
        problems.append(
            Problem(
                "subscribers",
                f"{table.at[idx, 'code']}/{periods.at[idx]}",
                "period",
                "error",
                f"period {periods.at[idx]!r} is not a month (YYYY-MM); the row is not used.",
                "write the period as YYYY-MM, e.g. 2024-12.",
            )
        )
    table = table[valid]
    periods = periods[valid].str.strip()
    if as_of is not None:
        keep = periods <= f"{as_of.year:04d}-{as_of.month:02d}"
        table, periods = table[keep], periods[keep]
    if table.empty:
        problems.append(
            Problem(
                "subscribers",
                None,
                "period",
                "warning",
                "no subscriber snapshot on or before "
                f"{'the end' if as_of is None else as_of.date()}; the subscriber columns are "
                "missing.",
                "add the snapshot of the month wanted.",
            )
        )
        return None, problems, None
    period = str(periods.max())
    snap = table[periods == period]
    if units.attrs.get("foreign"):
        # Units of another vintage: the table is carried along the crosswalk
        # (merges summed, splits divided; whole numbers stay whole).
        snap = carry_to_units(
            pd.DataFrame(
                {
                    "code": snap["code"].to_numpy(object),
                    "subscribers_2g": pd.array(snap["subscribers_2g"], dtype="Int64"),
                    "migrated_to_4g": pd.array(snap["migrated_to_4g"], dtype="Int64"),
                }
            ),
            layers,
            units,
            as_of=as_of,
        )
        codes = snap["code"].astype(object)
    else:
        codes = remap_codes(snap["code"], layers.get("admin_changes"), as_of=as_of)
        split = carry_splits(
            pd.DataFrame(
                {
                    "code": codes.to_numpy(object),
                    "subscribers_2g": pd.array(snap["subscribers_2g"], dtype="Int64"),
                    "migrated_to_4g": pd.array(snap["migrated_to_4g"], dtype="Int64"),
                }
            ),
            layers.get("admin_changes"),
            as_of=as_of if as_of is not None else pd.Timestamp.today(),
            source=layers.get("districts"),
            target=units,
        )
        if split is not None:  # units split by admin_changes: their figures divided
            snap = split
            codes = snap["code"].astype(object)
    codes = codes.where(codes.isin(units.index), pd.NA)
    for idx in codes.index[codes.isna()]:
        problems.append(
            Problem(
                "subscribers",
                f"{snap.at[idx, 'code']}/{period}",
                "code",
                "warning",
                f"code {snap.at[idx, 'code']!r} matches no unit; its subscribers are counted in "
                f"the '{OUTSIDE}' row and in the total.",
                "use the code of a unit of the boundary layer (or add the change to "
                "admin_changes).",
            )
        )
    values = pd.DataFrame(
        {
            "subscribers": pd.array(snap["subscribers_2g"], dtype="Int64"),
            "migrated": pd.array(snap["migrated_to_4g"], dtype="Int64"),
        },
        index=snap.index,
    )
    key = codes.astype(object).where(codes.notna(), OUTSIDE)
    grouped = values.groupby(key.to_numpy(), sort=False)
    sums = grouped.sum()
    incomplete = values.isna().groupby(key.to_numpy(), sort=False).any()
    sums = sums.mask(incomplete)
    rows = list(units.index) + ([OUTSIDE] if codes.isna().any() else [])
    out = sums.reindex(rows)
    no_data = (
        set(units.index[~units["has_data"].astype(bool)]) if "has_data" in units.columns else set()
    )
    for code in units.index[~units.index.isin(sums.index)]:
        if code in no_data:
            continue
        problems.append(
            Problem(
                "subscribers",
                code,
                "code",
                "warning",
                f"unit {code} ({units.at[code, 'name']}) has no row in the {period} snapshot; "
                "its subscriber figures are missing and the province total leaves it out.",
                f"add the unit's row for {period} (code {code}).",
            )
        )
    for code in sums.index[incomplete.any(axis=1)]:
        problems.append(
            Problem(
                "subscribers",
                f"{code}/{period}",
                "subscribers_2g",
                "warning",
                "a subscriber figure is missing; the unit's figures are missing and the "
                "province total leaves them out.",
                "fill in subscribers_2g and migrated_to_4g.",
            )
        )
    total = out.sum(skipna=True)
    out.loc[TOTAL] = total
    return out.astype("Int64"), problems, period


# --------------------------------------------------------------------------- 5G


def rollout_5g(
    layers: Mapping[str, pd.DataFrame],
    *,
    units: gpd.GeoDataFrame | None = None,
    as_of: DateLike = None,
    since: DateLike = None,
) -> pd.DataFrame:
    """5G sites per unit and operator: on air, new in a period, share of the province.

    Parameters
    ----------
    layers
        Layer set with ``sites_5g`` (and ``districts`` when ``units`` is not
        given).
    units
        Units to report on; default: the ``districts`` layer as of ``as_of``.
    as_of
        Last day counted (inclusive); ``None``: everything.
    since
        First day of the period of ``new`` sites (inclusive); ``None``: no
        start, ``new`` equals ``sites``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``: ``name``, ``sites`` (on air on ``as_of``),
        ``new`` (on air in ``[since, as_of]``), one column per operator
        present in the layer (its ``new`` sites), and ``share_pct`` (the
        unit's share of the province's ``new`` sites).

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> table = rollout_5g(bundled_layers(), since="2024-01-01", as_of="2024-12-31")
    >>> table.loc["total", ["new", "Viettel", "VNPT"]].tolist()
    [35, 33, 2]
    """
    as_of, since = to_date(as_of), to_date(since)
    _check_period(since, as_of)
    sites = _layer(layers, "sites_5g", "The 5G rollout")
    units = _units(layers, units, as_of)
    on_air = _upto(sites["on_air_date"], as_of)
    new = _within(sites["on_air_date"], since, as_of)
    problems: list[Problem] = []
    codes = _assign(sites[on_air], units, problems, "sites_5g")
    problems += _outside_problems(
        codes, sites[on_air], layer="sites_5g", id_column="site_id", units=units
    )
    operators = [o for o in OPERATORS if (sites["operator"] == o).any()]
    operators += sorted(set(sites["operator"].dropna().astype(str)) - set(operators))
    values: dict[str, pd.Series] = {
        "sites": pd.Series(1, index=codes.index),
        "new": new[on_air],
    }
    for op in operators:
        values[op] = new[on_air] & (sites.loc[on_air, "operator"] == op)
    out = _tabulate(units, codes, values)
    total = out.at[TOTAL, "new"]
    out["share_pct"] = percents(out["new"], [total] * len(out))
    return _attrs(out, problems, as_of=as_of, since=since, metric="sites_5g")


# --------------------------------------------------------------------------- BTS


def bts_pipeline(
    layers: Mapping[str, pd.DataFrame],
    *,
    units: gpd.GeoDataFrame | None = None,
    as_of: DateLike = None,
    since: DateLike = None,
) -> pd.DataFrame:
    """BTS locations approved in a period, and where each of them stands on ``as_of``.

    A station is approved in the period when its ``approved_date`` is in
    ``[since, as_of]``. Of those, on ``as_of``: ``on_air`` (status
    ``on_air``, on air on or before ``as_of``), ``under_construction``
    (status ``under_construction``, or ``on_air`` only after ``as_of``),
    ``waiting`` (status ``approved``) and ``dismantled``; the four add up to
    ``approved``.

    Parameters
    ----------
    layers
        Layer set with ``bts_stations``.
    units
        Units to report on; default: the ``districts`` layer as of ``as_of``.
    as_of
        Last day of the period (inclusive); ``None``: no end.
    since
        First day of the period (inclusive); ``None``: no start.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``: ``name``, ``approved``, ``waiting``,
        ``under_construction``, ``on_air``, ``dismantled``, ``on_air_pct``
        (on air / approved).

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> table = bts_pipeline(bundled_layers(), since="2024-01-01", as_of="2024-12-31")
    >>> table.loc["total", ["approved", "on_air"]].tolist()
    [146, 52]
    """
    as_of, since = to_date(as_of), to_date(since)
    _check_period(since, as_of)
    stations = _layer(layers, "bts_stations", "The BTS pipeline")
    units = _units(layers, units, as_of)
    approved = _within(stations["approved_date"], since, as_of)
    chosen = stations[approved]
    status = chosen["status"]
    on_air_by = _upto(chosen["on_air_date"], as_of)
    problems: list[Problem] = []
    codes = _assign(chosen, units, problems, "bts_stations")
    problems += _outside_problems(
        codes, chosen, layer="bts_stations", id_column="site_id", units=units
    )
    out = _tabulate(
        units,
        codes,
        {
            "approved": pd.Series(1, index=chosen.index),
            "waiting": status == "approved",
            "under_construction": (status == "under_construction")
            | ((status == "on_air") & ~on_air_by),
            "on_air": (status == "on_air") & on_air_by,
            "dismantled": status == "dismantled",
        },
    )
    out["on_air_pct"] = percents(out["on_air"], out["approved"])
    return _attrs(out, problems, as_of=as_of, since=since, metric="bts")


# --------------------------------------------------------------------------- cables


def _route_lengths(
    layers: Mapping[str, pd.DataFrame], plan: str | None
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    routes = _layer(layers, "cable_routes", "Cable tidying")
    plans = routes["plan"].astype(object).where(routes["plan"].notna(), NO_PLAN)
    if plan is not None:
        if not (plans == plan).any():
            known = ", ".join(sorted(set(plans))) or "none"
            raise ProgressError(f"No cable route has the plan {plan!r} (plans: {known}).")
        routes, plans = routes[plans == plan], plans[plans == plan]
    return routes, plans


def _done(routes: pd.DataFrame, status: str, as_of: pd.Timestamp | None) -> pd.Series:
    return (routes["status"] == status) & _upto(routes["done_date"], as_of)


def cable_progress(
    layers: Mapping[str, pd.DataFrame],
    *,
    units: gpd.GeoDataFrame | None = None,
    as_of: DateLike = None,
    plan: str | None = None,
) -> pd.DataFrame:
    """Cable routes per unit, category and plan: km in the plan, tidied, underground.

    Lengths are geodesic on WGS84, computed from the geometry (a route
    crossing unit boundaries is cut there, each piece counted in its unit);
    a ``length`` attribute, if any, is ignored. A route counts as tidied (or
    underground) when its status says so and its ``done_date`` is on or
    before ``as_of``; otherwise it is still to do. Shares are exact.

    Parameters
    ----------
    layers
        Layer set with ``cable_routes``.
    units
        Units to report on; default: the ``districts`` layer as of ``as_of``.
    as_of
        Last day counted (inclusive); ``None``: everything.
    plan
        Only the routes of this plan (``"49/KH-UBND"``); ``None``: every plan.
        A plan no route has is an error.

    Returns
    -------
    pandas.DataFrame
        Indexed by (``code``, ``category``, ``plan``): every unit with every
        (category, plan) pair found in the routes, then ``outside`` (if any)
        and ``total`` rows for each pair: ``name``, ``planned_km`` (every route of the
        plan), ``tidied_km``, ``underground_km``, ``remaining_km`` and
        ``pct`` (tidied / planned). Routes without a plan have plan
        ``"(none)"``.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> table = cable_progress(bundled_layers(), as_of="2024-12-31")
    >>> total = table.xs("total", level="code")
    >>> total["pct"].round(3).tolist()
    [62.329, 16.0]
    """
    as_of = to_date(as_of)
    routes, plans = _route_lengths(layers, plan)
    units = _units(layers, units, as_of)
    tidied = _done(routes, "tidied", as_of)
    underground = _done(routes, "underground", as_of)
    pieces = split_by_unit(
        gpd.GeoDataFrame(
            {
                "route_id": routes["route_id"],
                "category": routes["category"],
                "plan": plans,
                "tidied": tidied,
                "underground": underground,
            },
            geometry=routes.geometry,
            crs=routes.crs,
        ),
        units,
    )
    outside = pieces[pieces["code"].isna()]
    problems = [
        Problem(
            "cable_routes",
            None if pd.isna(row.route_id) else str(row.route_id),
            "geometry",
            "warning",
            f"{row.length_m / 1000:.3f} km of the route lie outside every unit (or it has no "
            f"geometry); counted in the '{OUTSIDE}' row and in the total.",
            "check its coordinates, or report on a unit layer that covers it.",
        )
        for row in outside.itertuples()
    ]
    km = pieces["length_m"].fillna(0.0) / 1000.0
    pieces = pieces.assign(
        code=pieces["code"].astype(object).where(pieces["code"].notna(), OUTSIDE),
        planned_km=km,
        tidied_km=km.where(pieces["tidied"], 0.0),
        underground_km=km.where(pieces["underground"], 0.0),
    )
    columns = ["planned_km", "tidied_km", "underground_km"]
    sums = pieces.groupby(["code", "category", "plan"], sort=False)[columns].sum()
    rank = {c: i for i, c in enumerate(CABLE_CATEGORIES)}
    combos = sorted(
        {(str(c), str(p)) for c, p in zip(routes["category"], plans, strict=True)},
        key=lambda cp: (rank.get(cp[0], len(rank)), cp[0], cp[1]),
    )
    codes = list(units.index) + ([OUTSIDE] if len(outside) else []) + [TOTAL]
    index = pd.MultiIndex.from_tuples(
        [(code, c, p) for code in codes for c, p in combos], names=["code", "category", "plan"]
    )
    totals = pieces.groupby(["category", "plan"])[columns].sum()
    totals.index = pd.MultiIndex.from_tuples(
        [(TOTAL, c, p) for c, p in totals.index], names=["code", "category", "plan"]
    )
    out = pd.concat([sums, totals]).reindex(index, fill_value=0.0)
    out["remaining_km"] = out["planned_km"] - out["tidied_km"] - out["underground_km"]
    out["pct"] = percents(out["tidied_km"], out["planned_km"])
    out = _finish(out, units)
    return _attrs(out, problems, as_of=as_of, since=None, metric="cables", plan=plan)


def cable_timeline(
    layers: Mapping[str, pd.DataFrame],
    *,
    as_of: DateLike = None,
    since: DateLike = None,
    plan: str | None = None,
) -> pd.DataFrame:
    """Km of cable tidied per month, and cumulative, per category (province-wide).

    Parameters
    ----------
    layers
        Layer set with ``cable_routes``.
    as_of
        Last day counted; the last month is its month (default: the month of
        the last ``done_date``).
    since
        First month shown is the month of this day (default: the month of
        the first ``done_date``); km tidied before it (or on an unknown day)
        are in the cumulative figures from the first month on.
    plan
        Only the routes of this plan; ``None``: every plan.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month`` (``YYYY-MM``, every month of the span): for each
        category ``<category>_km`` (tidied in the month) and
        ``<category>_cumulative_km``, then ``total_km`` and
        ``total_cumulative_km``. Empty when nothing is dated.
    """
    as_of, since = to_date(as_of), to_date(since)
    _check_period(since, as_of)
    routes, _ = _route_lengths(layers, plan)
    tidied = routes[_done(routes, "tidied", as_of)]
    km = geodesic_length_m(tidied.geometry).fillna(0.0) / 1000.0
    dates = pd.to_datetime(tidied["done_date"])
    categories = [c for c in CABLE_CATEGORIES if (routes["category"] == c).any()]
    categories += sorted(set(routes["category"].dropna().astype(str)) - set(categories))
    dated = dates.dropna()
    first = since if since is not None else (dated.min() if len(dated) else None)
    last = as_of if as_of is not None else (dated.max() if len(dated) else None)
    columns = [f"{c}{s}" for c in [*categories, "total"] for s in ("_km", "_cumulative_km")]
    if first is None or last is None:
        empty = pd.DataFrame(columns=columns, dtype=float)
        empty.index.name = "month"
        return _attrs(empty, [], as_of=as_of, since=since, metric="cable_timeline", plan=plan)
    months = pd.period_range(first.to_period("M"), last.to_period("M"), freq="M")
    month = dates.dt.to_period("M")
    before = dates.isna() | (month < months[0])
    out = pd.DataFrame(index=pd.Index([str(m) for m in months], name="month", dtype=object))
    for cat in [*categories, "total"]:
        mine = pd.Series(True, index=tidied.index) if cat == "total" else tidied["category"] == cat
        per_month = km[mine & ~before].groupby(month[mine & ~before].astype(str)).sum()
        out[f"{cat}_km"] = per_month.reindex(out.index, fill_value=0.0).astype(float)
        out[f"{cat}_cumulative_km"] = out[f"{cat}_km"].cumsum() + float(km[mine & before].sum())
    return _attrs(out[columns], [], as_of=as_of, since=since, metric="cable_timeline", plan=plan)


def switch_off_timeline(
    layers: Mapping[str, pd.DataFrame],
    *,
    since: DateLike = None,
    as_of: DateLike = None,
    tech: str = "2G",
) -> pd.DataFrame:
    """Stations switched off, cumulative at the end of each month, per operator.

    Each month's figures are those of
    :func:`ict_gis.metrics.progress.switch_off_progress` ``(by="operator")``
    as of the month's last day (or ``as_of`` in its last month), so they
    agree with the progress table of any of those days.

    Parameters
    ----------
    layers
        Layer set with ``bts_stations`` and ``shutdowns_<tech>``.
    since
        The first month is the month of this day (default: that of the first
        ``switch_off_date``).
    as_of
        The last month is the month of this day (default: that of the last
        ``switch_off_date``).
    tech
        The technology being switched off.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month`` (``YYYY-MM``): one column per operator (its
        stations switched off so far), ``total``, ``in_month`` (switched off
        during the month), ``stations`` (stations with the technology so far)
        and ``switched_off_pct``. Empty when nothing is dated.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> timeline = switch_off_timeline(bundled_layers(), since="2024-01-01", as_of="2024-12-31")
    >>> timeline.loc["2024-12", ["total", "stations"]].tolist()
    [161, 788]
    >>> int(timeline["in_month"].sum())
    161
    """
    since, as_of = to_date(since), to_date(as_of)
    kind = shutdown_kind(tech)
    dates = pd.to_datetime(layers[kind]["switch_off_date"]).dropna() if kind in layers else None
    first = (
        since if since is not None else (dates.min() if dates is not None and len(dates) else None)
    )
    last = (
        as_of if as_of is not None else (dates.max() if dates is not None and len(dates) else None)
    )
    attrs = {"as_of": as_of, "since": since, "tech": tech.upper(), "metric": "switch_off_timeline"}
    if first is None or last is None:
        empty = pd.DataFrame(columns=["total", "in_month", "stations", "switched_off_pct"])
        empty.index.name = "month"
        empty.attrs = attrs
        return empty
    if first > last:
        raise ProgressError(f"since ({first.date()}) is after as_of ({last.date()}).")
    rows: dict[str, pd.Series] = {}
    for month in pd.period_range(first.to_period("M"), last.to_period("M"), freq="M"):
        end = min(month.end_time.normalize(), last)
        table = switch_off_progress(layers, as_of=end, tech=tech, by="operator")
        rows[str(month)] = pd.concat(
            [table["switched_off"], pd.Series({"stations": table.at[TOTAL, "stations"]})]
        )
    out = pd.DataFrame(rows).T.fillna(0).astype("int64")
    out.index = pd.Index(list(out.index), name="month", dtype=object)
    before = switch_off_progress(
        layers,
        as_of=first.to_period("M").start_time - pd.Timedelta(days=1),
        tech=tech,
        by="operator",
    ).at[TOTAL, "switched_off"]
    out.insert(out.columns.get_loc("total") + 1, "in_month", out["total"].diff())
    out.iloc[0, out.columns.get_loc("in_month")] = out["total"].iloc[0] - before
    out["in_month"] = out["in_month"].astype("int64")
    out["switched_off_pct"] = percents(out["total"], out["stations"])
    out.attrs = attrs
    return out
