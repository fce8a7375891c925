"""Coverage per administrative unit, and the gaps a switch-off leaves.

:func:`coverage` answers "what share of each unit (and of its people) has 4G,
from which operator?": for each unit, technology and operator, the unit's
area, the area covered by the footprints of the stations radiating that
technology (see :mod:`ict_gis.footprints`), and the covered share of the area
and of the population. Besides each operator there are two more rows:
``any`` (covered by at least one operator) and ``all`` (covered by every
operator that has stations of that technology).

:func:`switch_off_gaps` answers "what goes dark when 2G is switched off?":
the polygons served by a technology and by no newer one.

How it is computed
------------------
Everything is computed in the equal-area CRS of
:func:`ict_gis.units.metric_crs`, by one of the engines of
:mod:`ict_gis.engines` (``engine=``), behind one interface:

``arcs`` (``mode="exact"``, circles; numba)
    The exact area of the true circles, without polygons: by Green's
    theorem, the area of a unit's covered part is an integral along its
    boundary, made of the circles' arcs that lie on the boundary of the
    union and inside the unit, and of the unit's edges inside the union
    (see :mod:`ict_gis.engines.arcs`).
``polygons`` (``mode="exact"``: sectors, or without numba)
    Per unit, the union of the footprint polygons touching it, clipped to
    it (shapely/GEOS; see :mod:`ict_gis.engines.polygons`). The reference.
``scanlines`` (``mode="fast"``; numba)
    Measures along horizontal scan lines at most 200 m apart (closer for
    small footprints, see :mod:`ict_gis.engines.scanlines`), within 0.5 %
    of exact.

Without numba (``pip install 'ict_gis[fast]'``) every mode runs on ``polygons``.

Stations on air
---------------
A station radiates a technology on ``as_of`` (default: today) when its
``status`` is ``on_air``, its ``on_air_date`` is on or before ``as_of`` (a
missing date means "before the records began") and ``technologies`` lists
it. For 5G, a station listed in ``sites_5g`` takes that layer's
``on_air_date`` and ``band_mhz``, and 5G sites missing from ``bts_stations``
radiate too. A 2G station listed in ``shutdowns_2g`` with a
``switch_off_date`` on or before ``as_of`` no longer radiates 2G (its other
technologies do); likewise ``shutdowns_3g`` for 3G.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ict_gis.crosswalk import coverage_with_data, report_units
from ict_gis.engines import Engine, Footprints, default_engine, engine_names, get_engine
from ict_gis.engines.polygons import covered_geometries, pairs, reduce, run
from ict_gis.errors import CoverageError
from ict_gis.footprints import (
    UNIT_TYPE_ENVIRONMENTS,
    FootprintModel,
    _xy_in_crs,
    footprint_shapes,
    footprints,
    resolve_model,
)
from ict_gis.geometry import polygon_positions
from ict_gis.numbers import percents
from ict_gis.schema import split_list, technologies, technology
from ict_gis.settings import DEFAULT_TECH, OPERATOR_ALIASES, OPERATORS, TECHNOLOGIES
from ict_gis.units import metric_crs, to_date, unit_frame

__all__ = [
    "ALL",
    "ANY",
    "COVERAGE_COLUMNS",
    "CoverageError",
    "DEFAULT_RESOLUTION_M",
    "DEFAULT_TECH",
    "ENGINES",
    "GAP_SCENARIOS",
    "MODES",
    "TOTAL",
    "coverage",
    "coverage_footprints",
    "radiating_stations",
    "station_environments",
    "switch_off_gaps",
]

#: Operator value of the rows "covered by at least one operator".
ANY = "any"
#: Operator value of the rows "covered by every operator".
ALL = "all"
#: Code of the province-total rows.
TOTAL = "total"
#: Computation modes of :func:`coverage`.
MODES: tuple[str, ...] = ("exact", "fast")
#: Engines of :func:`coverage` (see its ``engine`` parameter and :mod:`ict_gis.engines`).
ENGINES: tuple[str, ...] = tuple(engine_names())
#: Largest distance (m) between the scan lines of ``mode="fast"`` (closer for
#: footprints of less than 1.6 km radius, see :func:`ict_gis.engines.scanlines.line_spacing`).
DEFAULT_RESOLUTION_M: float = 200.0
#: Scenarios of :func:`switch_off_gaps`.
GAP_SCENARIOS: tuple[str, ...] = ("before", "after", "lost")

#: Columns of the coverage table, in order (population columns only when known).
COVERAGE_COLUMNS: tuple[str, ...] = (
    "name",
    "tech",
    "operator",
    "area_km2",
    "covered_km2",
    "covered_pct",
    "population",
    "population_covered",
    "population_pct",
)

Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------- stations


def _has(layers: Mapping[str, pd.DataFrame], kind: str) -> bool:
    """Whether the layer set has ``kind`` (without asking a LayerSet for an unknown kind)."""
    return kind in set(layers)


def _layer(layers: Mapping[str, pd.DataFrame], kind: str) -> pd.DataFrame | None:
    """Return the layer ``kind`` of the set, or ``None``."""
    return layers[kind] if _has(layers, kind) else None


def _day(as_of: object) -> pd.Timestamp:
    stamp = to_date(as_of)
    return stamp if stamp is not None else pd.Timestamp.today().normalize().as_unit("ns")


def _upto(dates: pd.Series, day: pd.Timestamp) -> np.ndarray:
    dates = pd.to_datetime(dates)
    return (dates.isna() | (dates <= day)).to_numpy(dtype=bool)


def _has_tech(values: pd.Series, tech: str) -> np.ndarray:
    """Whether each ``technologies`` value (canonical ``"2G,4G"``) lists ``tech``."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    lists = np.array(
        [tech in str(u).replace(" ", "").split(",") for u in uniques] + [False], dtype=bool
    )
    return lists[codes]  # code -1 (missing) picks the last slot: False


def radiating_stations(
    layers: Mapping[str, pd.DataFrame],
    *,
    tech: str,
    as_of: dt.date | str | pd.Timestamp | None = None,
    switch_offs: bool = True,
) -> gpd.GeoDataFrame:
    """Return the stations radiating ``tech`` on ``as_of`` (see the module docstring).

    Parameters
    ----------
    layers
        A layer set with ``bts_stations`` (and optionally ``sites_5g``,
        ``shutdowns_2g``, ``shutdowns_3g``).
    tech
        ``2G``, ``3G``, ``4G`` or ``5G``.
    as_of
        The day (inclusive); ``None`` is today.
    switch_offs
        Whether stations switched off up to ``as_of`` are left out. ``False``
        gives the network as if no switch-off had happened.

    Returns
    -------
    geopandas.GeoDataFrame
        The stations' rows (5G: with ``band_mhz`` and ``on_air_date`` from
        ``sites_5g``), in the stations' CRS.

    Raises
    ------
    CoverageError
        If the layer set has no ``bts_stations`` (nor, for 5G, ``sites_5g``).
    """
    tech = technology(tech)
    day = _day(as_of)
    if not _has(layers, "bts_stations") and not (tech == "5G" and _has(layers, "sites_5g")):
        have = ", ".join(layers) or "none"
        raise CoverageError(
            f"Coverage needs a 'bts_stations' layer, and the layer set has none (it has: {have})."
        )
    stations = layers["bts_stations"] if _has(layers, "bts_stations") else None
    if stations is None:
        stations = gpd.GeoDataFrame(
            {"site_id": [], "operator": [], "technologies": [], "status": []},
            geometry=[],
            crs=layers["sites_5g"].crs,
        )
    on_air = (stations["status"] == "on_air").to_numpy(dtype=bool) & _has_tech(
        stations["technologies"], tech
    )
    dates = (
        stations["on_air_date"]
        if "on_air_date" in stations.columns
        else pd.Series(pd.NaT, index=stations.index)
    )
    if tech == "5G" and _has(layers, "sites_5g"):
        stations = stations.copy()  # its columns change below; the layer set's must not
        sites = layers["sites_5g"]
        by_id = sites.drop_duplicates("site_id").set_index("site_id")
        listed = stations["site_id"].isin(by_id.index).to_numpy()
        if listed.any():
            ids = stations.loc[listed, "site_id"]
            dates = dates.copy()
            site_dates = by_id["on_air_date"].reindex(ids).to_numpy()
            dates.loc[listed] = np.where(pd.isna(site_dates), dates.loc[listed], site_dates)
            if "band_mhz" in by_id.columns:
                if "band_mhz" not in stations.columns:
                    stations["band_mhz"] = np.nan
                bands = by_id["band_mhz"].reindex(ids).to_numpy(dtype=float)
                stations.loc[listed, "band_mhz"] = np.where(
                    np.isnan(bands), stations.loc[listed, "band_mhz"], bands
                )
        extra = sites[~sites["site_id"].isin(stations["site_id"])]
        if len(extra):
            extra = extra.to_crs(stations.crs) if stations.crs is not None else extra
            add = gpd.GeoDataFrame(
                {
                    "site_id": extra["site_id"].to_numpy(),
                    "operator": extra["operator"].to_numpy(),
                    "technologies": "5G",
                    "status": "on_air",
                    "on_air_date": extra["on_air_date"].to_numpy(),
                    "band_mhz": extra["band_mhz"].to_numpy() if "band_mhz" in extra else np.nan,
                },
                geometry=extra.geometry.to_numpy(),
                crs=stations.crs,
            )
            start = len(stations)
            add.index = pd.RangeIndex(start, start + len(add))
            stations = pd.concat([stations, add])
            dates = pd.concat([dates, add["on_air_date"]])
            on_air = np.concatenate([on_air, np.ones(len(add), dtype=bool)])
    keep = on_air & _upto(dates, day)
    if switch_offs:
        kind = f"shutdowns_{tech.lower()}"
        if _has(layers, kind):
            offs = layers[kind]
            gone = offs.loc[
                _upto(offs["switch_off_date"], day) & offs["switch_off_date"].notna().to_numpy(),
                "site_id",
            ]
            keep &= ~stations["site_id"].isin(set(gone)).to_numpy()
    out = stations[keep].copy(deep=False)  # a new frame: the layer set's is left as it is
    if tech == "5G":
        out["on_air_date"] = pd.to_datetime(dates[keep])
    return out


# --------------------------------------------------------------------------- units


def _prepare_units(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame | None,
    as_of: object,
    level: str | None,
) -> gpd.GeoDataFrame:
    if isinstance(units, str):  # a bundled unit layer by name, e.g. "communes-2025"
        units = report_units(layers, units, as_of=to_date(as_of), level=level)
    if units is None:
        if not _has(layers, "districts"):
            raise CoverageError(
                "Coverage is reported per administrative unit and the layer set has no "
                "'districts' layer. Fix: add districts.geojson, or pass units=."
            )
        units = unit_frame(layers, as_of=to_date(as_of), level=level)
    else:
        if "code" in units.columns:
            units = units.set_index("code")
        if level is not None and "level" in units.columns:
            units = units[units["level"] == level]
    units = units.copy()
    units.index = pd.Index([str(c) for c in units.index], name="code", dtype=object)
    if TOTAL in units.index:
        raise CoverageError(
            f"A unit has the code {TOTAL!r}, which coverage tables keep for the province "
            "total. Fix: give the unit its official code."
        )
    if units.index.duplicated().any():
        dup = sorted(set(units.index[units.index.duplicated()]))[:20]
        raise CoverageError(f"Unit codes must be unique; repeated: {', '.join(dup)}.")
    if "name" not in units.columns:
        units["name"] = list(units.index)
    if units.crs is None:
        raise CoverageError("The units have no CRS. Fix: set it (e.g. EPSG:4326).")
    return units


def _operators(
    operator: str | Sequence[str] | None,
) -> tuple[list[str] | None, list[str] | None, bool, bool]:
    """Parse ``operator``: (operators named, operator rows, want any, want all).

    ``None`` for the operators named means every operator; ``None`` for the
    rows means one row per operator present. ``any`` and ``all`` are across
    every operator of the layer, whatever operators are named.
    """
    if operator is None:
        return None, None, True, True
    items = split_list(operator) if isinstance(operator, str) else list(operator)
    named: list[str] = []
    want_any = want_all = False
    lookup = {o.lower(): o for o in OPERATORS}
    for item in items:
        key = str(item).strip().lower()
        if key == ANY:
            want_any = True
        elif key == ALL:
            want_all = True
        elif key in lookup or key in OPERATOR_ALIASES:
            name = lookup.get(key) or OPERATOR_ALIASES[key]
            if name not in named:
                named.append(name)
        else:
            raise CoverageError(
                f"Unknown operator {item!r}; use one of {', '.join(OPERATORS)}, {ANY!r} or {ALL!r}."
            )
    if not named and not (want_any or want_all):
        raise CoverageError(
            f"No operator given; use one of {', '.join(OPERATORS)}, {ANY!r} or {ALL!r}."
        )
    if not named:
        return None, [], want_any, want_all
    if len(named) > 1 and not (want_any or want_all):
        want_any = want_all = True
    return named, named, want_any, want_all


# --------------------------------------------------------------------------- footprints


def _in_background(work: Callable[[], object]) -> Future:
    """Start ``work`` in a thread of its own; return its future."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(work)
    finally:
        pool.shutdown(wait=False)  # the thread ends with the work


def _station_units(
    stations: gpd.GeoDataFrame, units: gpd.GeoDataFrame, layer: gpd.GeoDataFrame | None = None
) -> np.ndarray:
    """Position of the unit containing each station, in the units' own CRS (-1 if none).

    ``layer``: the ``bts_stations`` layer that ``stations`` were selected
    from (their index labels are its rows). Then every station of the layer
    is placed, as validation did (the answer is remembered, see
    :func:`ict_gis.geometry.polygon_positions`), and the selected ones are
    taken from it.
    """
    polygons = np.asarray(units.geometry.values, dtype=object)
    labels = stations.index.to_numpy()
    whole = (
        layer is not None
        and isinstance(layer.index, pd.RangeIndex)
        and layer.index.start == 0
        and layer.index.step == 1
        and layer.crs == stations.crs
        and labels.dtype.kind in "iu"
    )
    if not whole:
        x, y = _xy_in_crs(stations.geometry, units.crs)
        return polygon_positions(x, y, polygons)
    out = np.full(len(stations), -1, dtype=np.int64)
    ours = (labels >= 0) & (labels < len(layer))  # others: sites_5g added to the stations
    if ours.any():
        x, y = _xy_in_crs(layer.geometry, units.crs)
        out[ours] = polygon_positions(x, y, polygons)[labels[ours]]
    if (~ours).any():
        x, y = _xy_in_crs(stations.geometry[~ours], units.crs)
        out[~ours] = polygon_positions(x, y, polygons)
    return out


def _positions(points: np.ndarray, unit_geoms: np.ndarray) -> np.ndarray:
    """Position of the unit containing each point (the first on a shared edge), or -1."""
    return polygon_positions(shapely.get_x(points), shapely.get_y(points), unit_geoms)


def _codes_at(units: gpd.GeoDataFrame, positions: np.ndarray) -> np.ndarray:
    """Codes of the units at ``positions`` (``None`` for -1)."""
    codes = np.append(units.index.to_numpy(dtype=object), None)
    return codes[np.where(positions >= 0, positions, len(units))]


def station_environments(stations: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.Series | None:
    """Return the environment of each station from the ``unit_type`` of the unit it is in.

    What :func:`coverage_footprints` (and the map's footprints) give the
    footprint model when it fixes no environment; ``None`` when the units
    have no ``unit_type``.
    """
    return _unit_environments(units, _station_units(stations, units))


def _unit_environments(units: gpd.GeoDataFrame, unit_pos: np.ndarray) -> pd.Series | None:
    """Environment of each station from the ``unit_type`` of its unit (None if unknown)."""
    if "unit_type" not in units.columns:
        return None
    types = units["unit_type"].astype(object).where(units["unit_type"].notna(), "")
    envs = types.astype(str).str.strip().str.lower().map(UNIT_TYPE_ENVIRONMENTS)
    values = envs.to_numpy(dtype=object)
    out = np.full(len(unit_pos), None, dtype=object)
    inside = unit_pos >= 0
    values = np.array([v if isinstance(v, str) else None for v in values], dtype=object)
    out[inside] = values[unit_pos[inside]]
    return pd.Series(out, dtype=object)


def _build_footprints(
    stations: gpd.GeoDataFrame,
    *,
    tech: str,
    model: FootprintModel,
    crs: pyproj.CRS,
    units: gpd.GeoDataFrame,
    operators: list[str] | None,
    polygons: bool,
    layer: gpd.GeoDataFrame | None = None,
) -> Footprints:
    """Footprints of ``stations`` in ``crs``, with their operator group and unit.

    A station's unit is the one containing it in the units' own CRS (as in
    validation), the first one when it is on a shared edge. ``layer``: the
    ``bts_stations`` layer the stations were selected from, if they were
    (see :func:`_station_units`).
    """
    if operators is not None:
        stations = stations[stations["operator"].isin(operators)]
    unit_pos = _station_units(stations, units, layer)
    stations = stations.reset_index(drop=True)
    present = set(pd.unique(stations["operator"].dropna().to_numpy(dtype=object)))
    names = list(operators) if operators is not None else [o for o in OPERATORS if o in present]
    if operators is None:
        names += sorted(present - set(OPERATORS))
    sx, sy = _xy_in_crs(stations.geometry, crs)
    envs = None if model.environment is not None else _unit_environments(units, unit_pos)
    if polygons:
        frame = footprints(
            stations, tech=tech, model=model, crs=crs, environment=envs, _xy=(sx, sy)
        )
        rows = frame.index.to_numpy(dtype=np.int64)
        geoms = np.asarray(frame.geometry.values, dtype=object)
    else:
        # Only the analytic shapes are needed (centre, radius, azimuth): no polygons.
        frame, rows = footprint_shapes(stations, tech=tech, model=model, environment=envs)
        geoms = np.full(len(rows), None, dtype=object)
    x = sx[rows]
    y = sy[rows]
    codes, values = pd.factorize(np.asarray(frame["operator"], dtype=object))
    lookup = {name: i for i, name in enumerate(names)}
    known = np.array([lookup.get(o, -1) for o in values], dtype=np.int64)
    group = np.where(codes >= 0, known[codes] if len(known) else -1, -1).astype(np.int64)
    ok = (group >= 0) & np.isfinite(x) & np.isfinite(y)
    return Footprints(
        geoms=geoms[ok],
        x=x[ok],
        y=y[ok],
        radius=np.asarray(frame["radius_m"], dtype=float)[ok],
        azimuth=np.asarray(frame["azimuth_deg"], dtype=float)[ok],
        beamwidth=np.asarray(frame["beamwidth_deg"], dtype=float)[ok],
        group=group[ok],
        unit=_codes_at(units, unit_pos[rows][ok]),
        operators=names,
    )


def coverage_footprints(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame | None = None,
    *,
    tech: str | Sequence[str] = "4G",
    operator: str | Sequence[str] | None = None,
    model: FootprintModel | str | None = None,
    as_of: dt.date | str | pd.Timestamp | None = None,
    level: str | None = None,
) -> gpd.GeoDataFrame:
    """Return the footprints :func:`coverage` uses, for a map or a GeoPackage.

    Parameters
    ----------
    layers, units, tech, operator, model, as_of, level
        As for :func:`coverage` (``operator`` here only selects stations).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per circle or sector (see :func:`ict_gis.footprints.footprints`)
        of every technology asked for, in the units' CRS.
    """
    units = _prepare_units(layers, units, as_of, level)
    model = resolve_model(model)
    crs = metric_crs(units)
    named, _, _, _ = _operators(operator)
    frames = []
    for tech_ in technologies(tech):
        stations = radiating_stations(layers, tech=tech_, as_of=as_of)
        if named is not None:
            stations = stations[stations["operator"].isin(named)]
        stations = stations.reset_index(drop=True)
        envs = None if model.environment is not None else station_environments(stations, units)
        frames.append(footprints(stations, tech=tech_, model=model, crs=crs, environment=envs))
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs).to_crs(units.crs)


# --------------------------------------------------------------------------- population


def _population_points(
    population: gpd.GeoDataFrame, crs: pyproj.CRS, unit_geoms: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points with counts: x, y, count, position of their unit (-1 outside)."""
    counts = _population_counts(population)
    arr = np.asarray(population.geometry.to_crs(crs).values, dtype=object)
    return shapely.get_x(arr), shapely.get_y(arr), counts, _positions(arr, unit_geoms)


def _population_counts(population: gpd.GeoDataFrame) -> np.ndarray:
    if "population" not in population.columns:
        raise CoverageError(
            "The population layer needs a 'population' column (people per point or polygon)."
        )
    counts = pd.to_numeric(population["population"], errors="coerce")
    bad = counts.isna() | (counts < 0)
    if bad.any():
        rows = ", ".join(f"#{i}" for i in np.flatnonzero(bad.to_numpy())[:10])
        raise CoverageError(
            f"The population layer has missing, negative or non-numeric counts (rows {rows}). "
            "Fix: write a number of people in 'population' for every feature."
        )
    return counts.to_numpy(dtype=float)


def _points_covered(fp: Footprints, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Bit pattern of the groups whose true circles/wedges contain each point."""
    pattern = np.zeros(len(px), dtype=np.int64)
    if not len(fp.x) or not len(px):
        return pattern
    boxes = shapely.box(fp.x - fp.radius, fp.y - fp.radius, fp.x + fp.radius, fp.y + fp.radius)
    p_idx, f_idx = shapely.STRtree(boxes).query(shapely.points(px, py))
    dx = px[p_idx] - fp.x[f_idx]
    dy = py[p_idx] - fp.y[f_idx]
    hit = dx * dx + dy * dy <= fp.radius[f_idx] ** 2
    sector = ~np.isnan(fp.azimuth[f_idx])
    if sector.any():
        bearing = np.degrees(np.arctan2(dx[sector], dy[sector]))
        diff = np.abs((bearing - fp.azimuth[f_idx][sector] + 180.0) % 360.0 - 180.0)
        hit[sector] &= diff <= fp.beamwidth[f_idx][sector] / 2.0
    np.bitwise_or.at(pattern, p_idx[hit], np.left_shift(1, fp.group[f_idx[hit]]))
    return pattern


def _population_from_points(pop_points, fp: Footprints, n_units: int):
    px, py, count, pos = pop_points
    groups = len(fp.operators)
    pattern = _points_covered(fp, px, py)
    inside = pos >= 0
    total = np.bincount(pos[inside], weights=count[inside], minlength=n_units).astype(float)
    per = np.zeros((n_units, groups))
    for g in range(groups):
        sel = inside & ((pattern >> g) & 1 == 1)
        per[:, g] = np.bincount(pos[sel], weights=count[sel], minlength=n_units)
    sel = inside & (pattern != 0)
    any_ = np.bincount(pos[sel], weights=count[sel], minlength=n_units).astype(float)
    sel = inside & (pattern == (1 << groups) - 1) & (groups > 0)
    all_ = np.bincount(pos[sel], weights=count[sel], minlength=n_units).astype(float)
    return total, per, any_, all_


# --------------------------------------------------------------------------- coverage


def coverage(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame | None = None,
    *,
    tech: str | Sequence[str] = DEFAULT_TECH,
    operator: str | Sequence[str] | None = None,
    model: FootprintModel | str | None = None,
    as_of: dt.date | str | pd.Timestamp | None = None,
    mode: str = "exact",
    level: str | None = None,
    population: gpd.GeoDataFrame | None = None,
    resolution_m: float = DEFAULT_RESOLUTION_M,
    engine: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: object | None = None,
) -> pd.DataFrame:
    """Covered area and population per unit, technology and operator.

    Parameters
    ----------
    layers
        A :class:`~ict_gis.layerset.LayerSet` (any mapping of kind to frame)
        with ``bts_stations`` and, unless ``units`` is given, ``districts``.
    units
        Units to report on (``code`` column or index, optional ``name``,
        ``population``, ``unit_type``), or the name of a bundled unit layer
        (``"communes-2025"``: units the data do not cover are no data, see
        :func:`ict_gis.crosswalk.coverage_with_data`); default: the
        ``districts`` layer as of ``as_of`` (merged units dissolved, see
        :func:`ict_gis.units.unit_frame`).
    tech
        One technology or several (``"4G"``, ``"2G,4G"``, ``["2G", "5G"]``);
        default :data:`DEFAULT_TECH` (4G, as ``ict-gis coverage``).
    operator
        ``None``: every operator with stations of that technology, plus
        ``any`` and ``all`` across them. Otherwise operator names and/or
        ``"any"``/``"all"``: only the rows asked for. ``any`` and ``all`` are
        always across every operator with stations of that technology,
        whatever operators are named. Several names without
        ``any``/``all`` give both as well.
    model
        A :class:`~ict_gis.footprints.FootprintModel` or a model kind
        (``circle``, ``sector``, ``hata``); default circle.
    as_of
        The day (inclusive) for stations, switch-offs and boundary changes;
        ``None`` is today.
    mode
        ``exact`` or ``fast`` (scan lines at most ``resolution_m`` apart,
        within 0.5 % of exact).
    level
        Keep only units of this level (``district``, ``commune``).
    population
        Optional points or polygons with a ``population`` column (people).
        Without it, people are spread evenly over each unit that has a
        ``population``.
    resolution_m
        Largest distance between the scan lines of ``mode="fast"`` (m).
    engine
        A coverage engine of :mod:`ict_gis.engines` (``polygons``, ``arcs``,
        ``scanlines``); its mode replaces ``mode``. ``None`` chooses (see
        :func:`ict_gis.engines.default_engine`): in ``exact`` mode ``arcs``
        (circles integrated exactly along their arcs) when every footprint
        is a circle, ``polygons`` (union and clipping of area-corrected
        polygons) otherwise; in ``fast`` mode ``scanlines``. Without numba
        (the ``fast`` extra) everything runs on ``polygons``.
    workers
        Threads (default: up to 4, one per core).
    progress
        Called as ``progress(done, total)`` while units are computed.
    scheduler
        ``None``: this process. Otherwise the areas are measured on dask,
        units partitioned spatially (see :mod:`ict_gis.engines.dask`):
        ``"threads"``, ``"processes"``, ``"tcp://HOST:PORT"`` (a
        dask.distributed scheduler) or a ``distributed.Client``. The figures
        are the same.

    Returns
    -------
    pandas.DataFrame
        Indexed by unit ``code``; columns :data:`COVERAGE_COLUMNS` (the
        population columns only when population is known). One row per unit,
        technology and operator (``any``, ``all``, then the operators), then
        the province-total rows with code ``"total"``. Areas in km², shares
        in % (0-100). ``attrs`` hold ``as_of``, ``mode``, ``engine``,
        ``model`` and ``tech``.

    Raises
    ------
    CoverageError
        If a layer is missing or an option is not usable.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> table = coverage(bundled_layers(), tech="4G", operator="any", as_of="2024-12-31")
    >>> list(table.columns[:6])
    ['name', 'tech', 'operator', 'area_km2', 'covered_km2', 'covered_pct']
    """
    if mode not in MODES:
        raise CoverageError(f"Unknown mode {mode!r}; use one of {', '.join(MODES)}.")
    if not resolution_m > 0:
        raise CoverageError("resolution_m must be a positive number of metres.")
    chosen = get_engine(engine) if engine is not None else None
    if chosen is not None:
        mode = chosen.mode
    techs = technologies(tech)
    model = resolve_model(model)
    units = _prepare_units(layers, units, as_of, level)
    _, row_ops, want_any, want_all = _operators(operator)
    crs = metric_crs(units)
    # The units in metres, in a thread (pyproj releases the GIL) while the
    # stations are selected and placed (in the units' own CRS).
    projecting = _in_background(lambda: np.asarray(units.geometry.to_crs(crs).values, dtype=object))
    n_units = len(units)

    pop_points = pop_polygons = None
    unit_pop = None
    if population is not None:
        if population.geom_type.isin(["Polygon", "MultiPolygon"]).any():
            _population_counts(population)
            pop_polygons = population.to_crs(crs)
        else:
            pop_points = _population_points(population, crs, projecting.result())
    elif "population" in units.columns:
        values = pd.to_numeric(units["population"], errors="coerce").to_numpy(dtype=float)
        if np.isfinite(values).any():
            unit_pop = values

    setting = _Setting(
        units=units,
        crs=crs,
        projecting=projecting,
        groups=row_ops is None or bool(row_ops),
        row_ops=row_ops,
        want_any=want_any,
        want_all=want_all,
        resolution_m=resolution_m,
        workers=workers,
        unit_pop=unit_pop,
        pop_points=pop_points,
        pop_polygons=pop_polygons,
    )

    def prepare(tech_: str) -> _TechRun:
        return _tech_footprints(layers, tech_, model, crs, units, chosen, mode, as_of)

    if scheduler is None:
        # One technology after the other: its footprints, its areas, its rows.
        per_tech, engines = [], set()
        for k, tech_ in enumerate(techs):
            run_ = prepare(tech_)
            engines.add(run_.runner.name)
            stage = _stage_progress(progress, k, len(techs), n_units)
            measured = run_.runner.areas(
                setting.unit_series, run_.fp, **setting.options(), workers=workers, progress=stage
            )
            per_tech.append(_tech_rows(run_, measured.to_numpy(), setting))
    else:
        # Every technology's footprints, then all their partitions as one dask graph.
        runs = [prepare(tech_) for tech_ in techs]
        engines = {run_.runner.name for run_ in runs}
        measured = _measured_on_dask(runs, setting, scheduler, progress, len(techs) * n_units)
        per_tech = [_tech_rows(run_, m, setting) for run_, m in zip(runs, measured, strict=True)]
    table = _assemble(units, per_tech)
    table.attrs = {
        "as_of": _day(as_of).date().isoformat(),
        "mode": mode,
        "engine": ",".join(sorted(engines)),
        "model": model.kind,
        "tech": ",".join(techs),
        "resolution_m": resolution_m if mode == "fast" else None,
    }
    return coverage_with_data(table, units)  # units of another vintage: no data is not 0


@dataclass
class _Setting:
    """What the measures and rows of every technology of one :func:`coverage` share."""

    units: gpd.GeoDataFrame
    crs: pyproj.CRS
    projecting: Future
    groups: bool
    row_ops: list[str] | None
    want_any: bool
    want_all: bool
    resolution_m: float
    workers: int | None
    unit_pop: np.ndarray | None
    pop_points: tuple | None
    pop_polygons: gpd.GeoDataFrame | None

    @cached_property
    def unit_geoms(self) -> np.ndarray:
        """The unit polygons in metres (waits for the projection)."""
        return self.projecting.result()

    @cached_property
    def unit_series(self) -> gpd.GeoSeries:
        """The unit polygons in metres, indexed by code."""
        return gpd.GeoSeries(self.unit_geoms, index=self.units.index, crs=self.crs)

    @cached_property
    def area_m2(self) -> np.ndarray:
        """The units' areas (m²; 0 without geometry)."""
        return np.nan_to_num(shapely.area(self.unit_geoms))

    def options(self) -> dict:
        """Return the engine's options but ``workers`` and ``progress``."""
        return {
            "groups": self.groups,
            "want_any": self.want_any,
            "want_all": self.want_all,
            "resolution_m": self.resolution_m,
        }


@dataclass(frozen=True)
class _TechRun:
    """One technology's footprints, the engine that measures them, and how to redraw them."""

    tech: str
    fp: Footprints
    runner: Engine
    build: Callable[[bool], Footprints]


def _tech_footprints(
    layers: Mapping[str, pd.DataFrame],
    tech: str,
    model: FootprintModel,
    crs: pyproj.CRS,
    units: gpd.GeoDataFrame,
    chosen: Engine | None,
    mode: str,
    as_of: object,
) -> _TechRun:
    """Select the stations radiating ``tech``, build their footprints and choose the engine."""
    stations = radiating_stations(layers, tech=tech, as_of=as_of)

    def build(polygons: bool) -> Footprints:
        # Every operator's stations: "any" and "all" are across all of them.
        return _build_footprints(
            stations,
            tech=tech,
            model=model,
            crs=crs,
            units=units,
            operators=None,
            polygons=polygons,
            layer=_layer(layers, "bts_stations"),
        )

    # Without polygons first when an accelerated engine may take them.
    fp = build(
        chosen.needs_polygons
        if chosen is not None
        else not _accelerated(mode) or (mode == "exact" and model.kind == "sector")
    )
    runner = chosen or default_engine(mode, fp)
    if not runner.supports(fp):
        raise CoverageError(
            f"The {runner.name!r} engine measures circles only; use the 'polygons' "
            "engine for sectors."
        )
    if runner.needs_polygons and not fp.drawn:
        fp = build(True)
    if len(fp.operators) > 60:
        raise CoverageError("Too many operators (more than 60) for one table.")
    return _TechRun(tech, fp, runner, build)


def _stage_progress(progress: Progress | None, k: int, stages: int, n_units: int) -> Progress:
    """Report stage ``k`` of ``stages`` (of ``n_units`` each) as units done over all."""

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(k * n_units + done * n_units // max(total, 1), stages * n_units)

    return report


def _measured_on_dask(
    runs: list[_TechRun],
    setting: _Setting,
    scheduler: object,
    progress: Progress | None,
    total: int,
) -> list[np.ndarray]:
    """Measure every technology on dask as one graph (see :mod:`ict_gis.engines.dask`)."""
    from ict_gis.engines import dask as dask_engine

    jobs = [dask_engine.Job(run_.runner, run_.fp, **setting.options()) for run_ in runs]
    frames = dask_engine.partitioned_areas_many(
        jobs,
        setting.unit_series,
        scheduler=scheduler,
        progress=_stage_progress(progress, 0, 1, total),
    )
    return [frame.to_numpy() for frame in frames]


def _tech_rows(run_: _TechRun, measured: np.ndarray, setting: _Setting) -> pd.DataFrame:
    """Build one technology's rows from its measured areas (and its people covered)."""
    fp, n_units = run_.fp, len(setting.units)
    groups = len(fp.operators)
    per, a_any, a_all = measured[:, :groups], measured[:, groups], measured[:, groups + 1]
    if not setting.want_all or groups == 0:
        a_all = np.zeros(n_units)
    area_m2 = setting.area_m2
    pop = None
    if setting.unit_pop is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            density = np.where(
                area_m2 > 0, setting.unit_pop / np.where(area_m2 > 0, area_m2, 1), 0.0
            )
        pop = (setting.unit_pop, per * density[:, None], a_any * density, a_all * density)
    elif setting.pop_points is not None:
        pop = _population_from_points(setting.pop_points, fp, n_units)
    elif setting.pop_polygons is not None:
        covered_geoms = covered_geometries(
            setting.unit_series, fp if fp.drawn else run_.build(True), workers=setting.workers
        )
        pop = _population_polygons(
            setting.pop_polygons,
            setting.unit_geoms,
            covered_geoms,
            groups,
            setting.want_any,
            setting.want_all,
            setting.workers,
        )
    return _rows(
        setting.units,
        run_.tech,
        fp.operators if setting.row_ops is None else setting.row_ops,
        fp.operators,
        area_m2 / 1e6,
        per / 1e6,
        a_any / 1e6,
        a_all / 1e6,
        setting.want_any,
        setting.want_all,
        pop,
    )


def _accelerated(mode: str) -> bool:
    """Whether the default engine of ``mode`` here works without polygons."""
    return not default_engine(mode).needs_polygons


def _population_polygons(
    pop: gpd.GeoDataFrame,
    unit_geoms: np.ndarray,
    covered: list[list[shapely.Geometry]],
    groups: int,
    want_any: bool,
    want_all: bool,
    workers: int | None,
):
    """People covered from population polygons (even density within each polygon)."""
    geoms = np.asarray(pop.geometry.values, dtype=object)
    counts = pd.to_numeric(pop["population"], errors="coerce").to_numpy(dtype=float)
    poly_area = shapely.area(geoms)
    tree = shapely.STRtree(geoms)
    n = len(unit_geoms)
    unit_idx, poly_idx = tree.query(unit_geoms, predicate="intersects")
    order = np.argsort(unit_idx, kind="stable")
    unit_idx, poly_idx = unit_idx[order], poly_idx[order]
    bounds = np.searchsorted(unit_idx, np.arange(n + 1))

    def work(i: int):
        idx = poly_idx[bounds[i] : bounds[i + 1]]
        if not len(idx):
            return 0.0, np.zeros(groups), 0.0, 0.0
        pieces = shapely.intersection(geoms[idx], unit_geoms[i])
        density = np.divide(
            counts[idx], poly_area[idx], out=np.zeros(len(idx)), where=poly_area[idx] > 0
        )
        total = float(np.sum(density * shapely.area(pieces)))
        per = np.array(
            [
                float(np.sum(density * shapely.area(shapely.intersection(pieces, c))))
                for c in covered[i]
            ]
        )
        any_ = (
            float(
                np.sum(
                    density * shapely.area(shapely.intersection(pieces, reduce(covered[i], ANY)))
                )
            )
            if want_any
            else 0.0
        )
        all_ = (
            float(
                np.sum(
                    density * shapely.area(shapely.intersection(pieces, reduce(covered[i], ALL)))
                )
            )
            if want_all and groups
            else 0.0
        )
        return total, per, any_, all_

    results = run(work, n, workers, None)
    total = np.array([r[0] for r in results])
    per = np.array([r[1] for r in results]).reshape(n, groups)
    any_ = np.array([r[2] for r in results])
    all_ = np.array([r[3] for r in results])
    return total, per, any_, all_


def _rows(
    units: gpd.GeoDataFrame,
    tech: str,
    wanted: list[str],
    operators: list[str],
    area_km2: np.ndarray,
    per_km2: np.ndarray,
    any_km2: np.ndarray,
    all_km2: np.ndarray,
    want_any: bool,
    want_all: bool,
    pop: tuple | None,
) -> pd.DataFrame:
    """Build the rows of one technology: any, all, then each operator asked for."""
    n = len(units)
    pop_total, pop_per, pop_any, pop_all = pop if pop is not None else (None,) * 4

    def block(label: str, covered: np.ndarray, people: np.ndarray | None) -> pd.DataFrame:
        data = {
            "code": units.index.to_numpy(),
            "name": units["name"].to_numpy(dtype=object),
            "tech": tech,
            "operator": label,
            "area_km2": area_km2,
            "covered_km2": np.minimum(covered, area_km2),
        }
        if pop_total is not None:
            data["population"] = pop_total
            data["population_covered"] = people if people is not None else np.zeros(n)
        return pd.DataFrame(data)

    blocks = []
    if want_any:
        blocks.append(block(ANY, any_km2, pop_any))
    if want_all:
        blocks.append(block(ALL, all_km2, pop_all))
    for name in wanted:
        if name in operators:
            g = operators.index(name)
            blocks.append(block(name, per_km2[:, g], None if pop_per is None else pop_per[:, g]))
        else:
            blocks.append(block(name, np.zeros(n), None))
    return pd.concat(blocks, ignore_index=True)


def _assemble(units: gpd.GeoDataFrame, per_tech: list[pd.DataFrame]) -> pd.DataFrame:
    rows = pd.concat(per_tech, ignore_index=True)
    has_pop = "population" in rows.columns
    position = {c: i for i, c in enumerate(units.index)}
    order_op = {ANY: -2, ALL: -1, **{o: i for i, o in enumerate(OPERATORS)}}
    rows["_u"] = rows["code"].map(position)
    rows["_t"] = rows["tech"].map(TECHNOLOGIES.index)
    rows["_o"] = rows["operator"].map(lambda o: order_op.get(o, len(OPERATORS)))
    rows = rows.sort_values(["_u", "_t", "_o"], kind="stable")
    totals = []
    for (tech, op), grp in rows.groupby(["tech", "operator"], sort=False):
        total = {
            "code": TOTAL,
            "name": "Total",
            "tech": tech,
            "operator": op,
            "area_km2": grp["area_km2"].sum(),
            "covered_km2": grp["covered_km2"].sum(),
            "_t": TECHNOLOGIES.index(tech),
            "_o": order_op.get(op, len(OPERATORS)),
        }
        if has_pop:
            known = grp["population"].notna()
            total["population"] = grp.loc[known, "population"].sum() if known.all() else np.nan
            total["population_covered"] = (
                grp.loc[known, "population_covered"].sum() if known.all() else np.nan
            )
        totals.append(total)
    total_frame = pd.DataFrame(totals).sort_values(["_t", "_o"], kind="stable")
    out = pd.concat([rows, total_frame], ignore_index=True)
    out["covered_pct"] = percents(out["covered_km2"], out["area_km2"])
    if has_pop:
        pop = out["population"].astype(float)
        out["population_pct"] = percents(out["population_covered"].astype(float), pop)
        if "population" in out:
            out["population"] = out["population"].astype(float)
    out = out.drop(columns=["_u", "_t", "_o"])
    columns = [c for c in COVERAGE_COLUMNS if c in out.columns]
    out = out.set_index("code")[columns]
    out.index = pd.Index(out.index.to_numpy(dtype=object), name="code", dtype=object)
    return out


# --------------------------------------------------------------------------- gaps


def switch_off_gaps(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame | None = None,
    *,
    tech: str = "2G",
    as_of: dt.date | str | pd.Timestamp | None = None,
    model: FootprintModel | str | None = None,
    level: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Areas served by ``tech`` and by no newer technology, per unit, as polygons.

    These are the places that lose every mobile service when ``tech`` is
    switched off (any operator; newer means later in
    :data:`ict_gis.settings.TECHNOLOGIES`).

    Parameters
    ----------
    layers
        A layer set with ``bts_stations``, optionally ``shutdowns_2g`` (or
        ``shutdowns_3g``), ``sites_5g`` and ``districts``.
    units
        Units to report on; default the ``districts`` layer as of ``as_of``.
    tech
        The technology being switched off (``2G`` or ``3G``).
    as_of
        The day (inclusive); ``None`` is today.
    model
        Footprint model (see :func:`coverage`).
    level
        Keep only units of this level.
    workers
        Threads (default: up to 4).
    progress
        Called as ``progress(done, total)``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit and scenario with a gap, in the units' CRS:
        ``code``, ``name``, ``scenario``, ``tech``, ``area_km2`` and the
        (multi)polygon. ``scenario`` is ``before`` (every station on air on
        ``as_of`` radiating ``tech``, as if nothing had been switched off),
        ``after`` (after the switch-offs listed up to ``as_of``: the area
        that goes dark when the remaining stations are switched off too) or
        ``lost`` (served by ``tech`` before, and by no technology after the
        switch-offs: the area already gone dark). ``attrs`` hold ``as_of``
        and ``tech``.

    Raises
    ------
    CoverageError
        If the technology has no newer one or a layer is missing.
    """
    tech = technology(tech)
    newer = [t for t in TECHNOLOGIES if TECHNOLOGIES.index(t) > TECHNOLOGIES.index(tech)]
    if not newer:
        raise CoverageError(f"No technology is newer than {tech}; nothing replaces it.")
    model = resolve_model(model)
    units = _prepare_units(layers, units, as_of, level)
    crs = metric_crs(units)
    unit_geoms = np.asarray(units.geometry.to_crs(crs).values, dtype=object)
    n = len(unit_geoms)

    def geoms_of(stations: gpd.GeoDataFrame, tech_: str) -> np.ndarray:
        fp = _build_footprints(
            stations,
            tech=tech_,
            model=model,
            crs=crs,
            units=units,
            operators=None,
            polygons=True,
            layer=_layer(layers, "bts_stations"),
        )
        return fp.geoms

    before = geoms_of(radiating_stations(layers, tech=tech, as_of=as_of, switch_offs=False), tech)
    after = geoms_of(radiating_stations(layers, tech=tech, as_of=as_of), tech)
    newer_geoms = [geoms_of(radiating_stations(layers, tech=t, as_of=as_of), t) for t in newer]
    newer_all = np.concatenate(newer_geoms) if newer_geoms else np.empty(0, dtype=object)
    cand_before = pairs(unit_geoms, before)
    cand_after = pairs(unit_geoms, after)
    cand_newer = pairs(unit_geoms, newer_all)

    def clipped(geoms: np.ndarray, idx: np.ndarray, unit: shapely.Geometry) -> shapely.Geometry:
        if not len(idx):
            return shapely.Polygon()
        return shapely.intersection(shapely.union_all(geoms[idx]), unit)

    def work(i: int) -> tuple[shapely.Geometry, shapely.Geometry, shapely.Geometry]:
        unit = unit_geoms[i]
        if unit is None or unit.is_empty:
            return shapely.Polygon(), shapely.Polygon(), shapely.Polygon()
        old_before = clipped(before, cand_before[i], unit)
        old_after = clipped(after, cand_after[i], unit)
        new = clipped(newer_all, cand_newer[i], unit)
        gap_before = _polygonal(shapely.difference(old_before, new))
        gap_after = _polygonal(shapely.difference(old_after, new))
        lost = _polygonal(shapely.difference(gap_before, old_after))
        return gap_before, gap_after, lost

    results = run(work, n, workers, progress)
    rows = []
    for i, code in enumerate(units.index):
        for scenario, geom in zip(GAP_SCENARIOS, results[i], strict=True):
            if geom.is_empty or geom.area <= 0:
                continue
            rows.append(
                {
                    "code": code,
                    "name": units["name"].iloc[i],
                    "scenario": scenario,
                    "tech": tech,
                    "area_km2": geom.area / 1e6,
                    "geometry": geom,
                }
            )
    if rows:
        frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    else:
        frame = gpd.GeoDataFrame(
            {
                "code": pd.Series(dtype=object),
                "name": pd.Series(dtype=object),
                "scenario": pd.Series(dtype=object),
                "tech": pd.Series(dtype=object),
                "area_km2": pd.Series(dtype=float),
            },
            geometry=gpd.GeoSeries([], crs=crs),
            crs=crs,
        )
    frame = frame.to_crs(units.crs)
    frame.attrs = {"as_of": _day(as_of).date().isoformat(), "tech": tech}
    return frame


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygons of a geometry (drop lines and points of a difference)."""
    if geom.is_empty or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


# --------------------------------------------------------------------------- one row per unit


def coverage_per_unit(
    table: pd.DataFrame, *, tech: str = "4G", operator: str = ANY
) -> pd.DataFrame:
    """Return one row per unit (then ``total``) of a :func:`coverage` table.

    :func:`coverage` gives several rows per unit ``code``: one per technology
    and operator, plus ``any`` (covered by at least one operator) and ``all``
    (by every operator). This picks the rows of one technology and operator.

    Parameters
    ----------
    table
        A table returned by :func:`coverage`.
    tech
        The technology (``"4G"``).
    operator
        An operator name, ``"any"`` (default) or ``"all"``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code`` (unique), with the columns of ``table``.

    Raises
    ------
    CoverageError
        If the table has no rows of that technology and operator.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> table = coverage(bundled_layers(), tech="4G", as_of="2024-12-31")
    >>> one = coverage_per_unit(table, tech="4G", operator="any")
    >>> one.index.is_unique
    True
    """
    rows = table[(table["tech"] == tech) & (table["operator"] == operator)]
    if not len(rows):
        have = sorted({f"{t}/{o}" for t, o in zip(table["tech"], table["operator"], strict=True)})
        raise CoverageError(
            f"The coverage table has no rows for {tech}/{operator}; it has: {', '.join(have)}."
        )
    return rows
