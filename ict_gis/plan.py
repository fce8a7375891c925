"""Advice built on the metrics: where to build, which towers to share, when plans end.

:func:`plan_sites` answers "where should the next N sites go?": up to
``budget`` new sites that cover the most people (or km²) of the holes a
switch-off leaves (:func:`ict_gis.metrics.coverage.switch_off_gaps`), or of
any area without the technology.

:func:`plan_sharing` answers "which stations stand side by side?": stations
of different operators within a distance form co-location groups.

:func:`forecast` answers "at this pace, when will it be done?": the 2G
switch-off (stations and subscribers) and each cable plan, per unit and for
the province, against the plan's end date.

How sites are chosen
--------------------
The holes are cut into small cells (squares of ``cell_m``, clipped to the
holes and to the units). A cell is covered by a candidate when its
representative point lies in the candidate's footprint; its weight is its
area (km²) or its people (area × the unit's population density). Both
solvers work on these same weighted cells:

greedy
    The maximum-coverage greedy: take the candidate that adds the most
    weight, again and again. Lazy evaluation (the gain of a candidate can
    only shrink, so a stale gain is an upper bound) and a spatial index
    (no all-pairs matrix). Within 1 − 1/e of the optimum without spacing.
exact
    A mixed-integer programme solved by HiGHS (:func:`scipy.optimize.milp`),
    for small cases (``exact=None``: up to :data:`EXACT_MAX_CANDIDATES`
    candidates). The gap between the two is reported.

The figures of the chosen sites (km² and people each adds, holes before and
after) are then measured on the polygons themselves, in the metric CRS, not
on the cells.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ict_gis.errors import PlanError
from ict_gis.footprints import FootprintModel, environments_from_units, footprints, resolve_model
from ict_gis.metrics.coverage import radiating_stations, switch_off_gaps
from ict_gis.metrics.progress import cable_progress, switch_off_progress
from ict_gis.schema import technology
from ict_gis.settings import OPERATOR_ALIASES, OPERATORS
from ict_gis.units import metric_crs, to_date, unit_frame

__all__ = [
    "DEFAULT_CELL_M",
    "DEFAULT_GRID_M",
    "EXACT_MAX_CANDIDATES",
    "FORECAST_METRICS",
    "PLAN_DEADLINES",
    "SharingPlan",
    "SitePlan",
    "forecast",
    "pace_forecast",
    "plan_sharing",
    "plan_sites",
    "solve_exact",
    "solve_greedy",
]

#: Side (m) of the cells the holes are cut into.
DEFAULT_CELL_M: float = 100.0
#: Spacing (m) of the grid of candidate sites inside the holes.
DEFAULT_GRID_M: float = 500.0
#: Up to this many candidates, ``plan_sites(exact=None)`` also solves the MILP.
EXACT_MAX_CANDIDATES: int = 500
#: Time limit (s) of the MILP solver.
EXACT_TIME_LIMIT_S: float = 30.0
#: End date of each known plan.
PLAN_DEADLINES: dict[str, str] = {"49/KH-UBND": "2025-12-31"}
#: Metrics :func:`forecast` knows: metric -> ((what, done column, total column), ...).
FORECAST_METRICS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "switch_off": (
        ("stations", "switched_off", "stations"),
        ("subscribers", "migrated", "subscribers"),
    ),
    "cables": (("km", "done_km", "planned_km"),),
}
#: Days in an average month.
_MONTH_DAYS = 365.25 / 12
#: Code of the province-total rows.
TOTAL = "total"
#: Weights of :func:`plan_sites`.
WEIGHTS: tuple[str, ...] = ("population", "area")
#: Areas :func:`plan_sites` fills.
TARGETS: tuple[str, ...] = ("switch-off", "uncovered")


# --------------------------------------------------------------------------- solvers


@dataclass(frozen=True)
class Solution:
    """A choice of candidates and the weight of the cells it covers.

    Parameters
    ----------
    chosen
        Positions of the chosen candidates, in the order they were taken.
    gains
        Weight each one added, in that order.
    value
        Total weight covered.
    status
        ``greedy``, ``optimal`` or the solver's message.
    bound
        Best upper bound known (the optimum when ``optimal``).
    """

    chosen: tuple[int, ...]
    gains: tuple[float, ...]
    value: float
    status: str = "greedy"
    bound: float = float("nan")


def _covers(cover: Sequence[np.ndarray], n_cells: int) -> list[np.ndarray]:
    out = []
    for cells in cover:
        cells = np.unique(np.asarray(cells, dtype=np.int64))
        if len(cells) and (cells.min() < 0 or cells.max() >= n_cells):
            raise PlanError("A candidate covers a cell that does not exist.")
        out.append(cells)
    return out


def _conflict_lists(conflicts: Sequence[tuple[int, int]], n: int) -> list[list[int]]:
    lists: list[list[int]] = [[] for _ in range(n)]
    for i, j in conflicts:
        lists[i].append(j)
        lists[j].append(i)
    return lists


def _check_budget(budget: int) -> int:
    if isinstance(budget, bool) or int(budget) != budget or budget < 0:
        raise PlanError(f"The budget must be a whole number of sites, 0 or more, not {budget!r}.")
    return int(budget)


def solve_greedy(
    cover: Sequence[np.ndarray],
    weights: np.ndarray,
    budget: int,
    *,
    conflicts: Sequence[tuple[int, int]] = (),
) -> Solution:
    """Choose up to ``budget`` candidates greedily (lazy evaluation).

    Parameters
    ----------
    cover
        For each candidate, the positions of the cells it covers.
    weights
        Weight of each cell (not negative).
    budget
        Most candidates to choose.
    conflicts
        Pairs of candidates that cannot both be chosen (closer than the
        minimum spacing).

    Returns
    -------
    Solution
        The candidates in the order taken. A candidate is taken only if it
        adds weight; ties go to the lower position.

    Examples
    --------
    >>> import numpy as np
    >>> s = solve_greedy([np.array([0, 1]), np.array([1, 2, 3])], np.ones(4), 1)
    >>> s.chosen, s.value
    ((1,), 3.0)
    """
    budget = _check_budget(budget)
    weights = np.asarray(weights, dtype=float)
    if (weights < 0).any() or not np.isfinite(weights).all():
        raise PlanError("Cell weights must be finite and not negative.")
    cover = _covers(cover, len(weights))
    blocked = _conflict_lists(conflicts, len(cover))
    covered = np.zeros(len(weights), dtype=bool)
    allowed = np.ones(len(cover), dtype=bool)
    heap = [(-float(weights[c].sum()), i) for i, c in enumerate(cover)]
    heapq.heapify(heap)
    chosen: list[int] = []
    gains: list[float] = []
    while heap and len(chosen) < budget:
        _, i = heapq.heappop(heap)
        if not allowed[i]:
            continue
        cells = cover[i]
        gain = float(weights[cells[~covered[cells]]].sum())
        if heap and (-gain, i) > heap[0]:
            heapq.heappush(heap, (-gain, i))  # stale: put back with its true gain
            continue
        if gain <= 0:
            break
        chosen.append(i)
        gains.append(gain)
        covered[cells] = True
        allowed[i] = False
        allowed[blocked[i]] = False
    return Solution(tuple(chosen), tuple(gains), float(sum(gains)))


def _order(chosen: Sequence[int], cover: Sequence[np.ndarray], weights: np.ndarray) -> Solution:
    """Order a chosen set as the greedy would take it (largest gain first)."""
    sub = solve_greedy([cover[i] for i in chosen], weights, len(chosen))
    picked = [chosen[k] for k in sub.chosen]
    rest = sorted(set(chosen) - set(picked))  # candidates that add nothing
    return Solution(tuple(picked + rest), tuple(list(sub.gains) + [0.0] * len(rest)), sub.value)


def solve_exact(
    cover: Sequence[np.ndarray],
    weights: np.ndarray,
    budget: int,
    *,
    conflicts: Sequence[tuple[int, int]] = (),
    time_limit_s: float = EXACT_TIME_LIMIT_S,
) -> Solution:
    """Choose up to ``budget`` candidates optimally: a MILP solved by HiGHS.

    Variables: ``x_i`` (candidate ``i`` chosen, binary) and ``y_g`` (cells
    of group ``g`` covered, in [0, 1]), where a group gathers the cells that
    the same candidates cover. Maximise ``Σ w_g y_g`` subject to
    ``y_g ≤ Σ_{i covers g} x_i``, ``Σ x_i ≤ budget`` and ``x_i + x_j ≤ 1``
    for each conflict.

    Parameters
    ----------
    cover, weights, budget, conflicts
        As in :func:`solve_greedy`.
    time_limit_s
        Time limit of the solver.

    Returns
    -------
    Solution
        The chosen candidates, ordered by their greedy gains; ``status``
        ``optimal`` or the solver's message; ``bound`` the best upper bound.

    Raises
    ------
    PlanError
        If the solver finds no solution in time.
    """
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    budget = _check_budget(budget)
    weights = np.asarray(weights, dtype=float)
    cover = _covers(cover, len(weights))
    n = len(cover)
    if n == 0 or budget == 0:
        return Solution((), (), 0.0, "optimal", 0.0)
    # cells covered by the same candidates form one group
    rows = np.concatenate([np.full(len(c), i) for i, c in enumerate(cover)])
    cols = np.concatenate(cover) if n else np.empty(0, dtype=np.int64)
    by_cell = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(weights))).tocsc()
    by_cell.sort_indices()
    groups: dict[tuple[int, ...], int] = {}
    group_of = np.full(len(weights), -1, dtype=np.int64)
    for j in range(len(weights)):
        key = tuple(by_cell.indices[by_cell.indptr[j] : by_cell.indptr[j + 1]].tolist())
        if key:
            group_of[j] = groups.setdefault(key, len(groups))
    k = len(groups)
    w = np.zeros(k)
    np.add.at(w, group_of[group_of >= 0], weights[group_of >= 0])
    # y_g - sum x_i <= 0
    g_rows, g_cols = [], []
    for key, g in groups.items():
        g_rows.extend([g] * len(key))
        g_cols.extend(key)
    a_cover = sparse.hstack(
        [
            sparse.csr_matrix((-np.ones(len(g_rows)), (g_rows, g_cols)), shape=(k, n)),
            sparse.identity(k, format="csr"),
        ]
    )
    a_budget = sparse.csr_matrix(np.concatenate([np.ones(n), np.zeros(k)])[None, :])
    constraints = [
        LinearConstraint(a_cover, -np.inf, 0.0),
        LinearConstraint(a_budget, -np.inf, float(budget)),
    ]
    if len(conflicts):
        pairs = np.asarray(conflicts, dtype=np.int64).reshape(-1, 2)
        m = len(pairs)
        a_conf = sparse.csr_matrix(
            (np.ones(2 * m), (np.repeat(np.arange(m), 2), pairs.ravel())), shape=(m, n + k)
        )
        constraints.append(LinearConstraint(a_conf, -np.inf, 1.0))
    c = np.concatenate([np.zeros(n), -w])
    integrality = np.concatenate([np.ones(n), np.zeros(k)])
    res = milp(
        c,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": float(time_limit_s), "disp": False},
    )
    if res.x is None:
        raise PlanError(f"The MILP solver found no solution: {res.message}")
    chosen = [i for i in range(n) if res.x[i] > 0.5]
    ordered = _order(chosen, cover, weights)
    status = "optimal" if res.status == 0 else str(res.message)
    bound = ordered.value if res.status == 0 else float(getattr(res, "mip_dual_bound", np.nan))
    return Solution(
        ordered.chosen, ordered.gains, ordered.value, status, -bound if bound < 0 else bound
    )


# --------------------------------------------------------------------------- sites


@dataclass
class SitePlan:
    """New sites to build, and what they change.

    Attributes
    ----------
    sites
        The chosen sites in order (``rank``), with ``site_id``, ``source``
        (``grid``, ``tower``, ``file``), ``operator``, ``code`` (unit),
        ``radius_m``, ``adds_km2``, ``adds_people`` (only when weighing by
        population), the cumulative figures, ``model_gain`` (the weight it
        adds on the cells) and the point.
    footprints
        The chosen sites' footprints.
    holes_before, holes_after
        The holes per unit before and after the sites (polygons, ``code``,
        ``name``, ``area_km2``, ``people`` when weighing by population).
    per_unit
        Per unit (with holes) and ``total``: ``holes_km2``, ``people``,
        ``new_sites``, ``covered_km2``, ``covered_people``, ``left_km2``,
        ``left_people`` (no people columns when weighing by area).
    candidates
        Every candidate with its footprint's weight alone (``weight``) and
        whether it was chosen.
    summary
        The method's figures: weight, budget, candidates, cells, greedy
        value, exact value, status and bound, ``gap_pct`` (how far the
        greedy is below the optimum, in %; when the solver stopped before
        proving the optimum, below its bound: an upper bound of the gap),
        method of the sites.
    """

    sites: gpd.GeoDataFrame
    footprints: gpd.GeoDataFrame
    holes_before: gpd.GeoDataFrame
    holes_after: gpd.GeoDataFrame
    per_unit: pd.DataFrame
    candidates: gpd.GeoDataFrame
    summary: dict[str, object] = field(default_factory=dict)

    def layers(self) -> dict[str, pd.DataFrame]:
        """Return the plan's layers by name (for :func:`ict_gis.io.write_layers`)."""
        return {
            "sites": self.sites,
            "footprints": self.footprints,
            "holes_before": self.holes_before,
            "holes_after": self.holes_after,
            "candidates": self.candidates,
        }


def _operator(name: str | None) -> str | None:
    if name is None:
        return None
    key = str(name).strip().lower()
    lookup = {o.lower(): o for o in OPERATORS}
    if key in lookup:
        return lookup[key]
    if key in OPERATOR_ALIASES:
        return OPERATOR_ALIASES[key]
    raise PlanError(f"Unknown operator {name!r}; use one of {', '.join(OPERATORS)}.")


def _units(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame | None,
    as_of: object,
    level: str | None,
) -> gpd.GeoDataFrame:
    if units is None:
        if "districts" not in set(layers):
            raise PlanError("Planning needs the administrative units: a 'districts' layer.")
        units = unit_frame(layers, as_of=to_date(as_of), level=level)
    elif "code" in units.columns:
        units = units.set_index("code")
    units = units.copy()
    units.index = pd.Index([str(c) for c in units.index], name="code", dtype=object)
    if units.crs is None:
        raise PlanError("The units have no CRS. Fix: set it (e.g. EPSG:4326).")
    if "name" not in units.columns:
        units["name"] = list(units.index)
    return units


def _density(units: gpd.GeoDataFrame, crs: object, weight: str | None) -> tuple[str, pd.Series]:
    """Return the weight used and each unit's people per m² (NaN when weighing by area)."""
    area = units.geometry.to_crs(crs).area
    pop = (
        pd.to_numeric(units["population"], errors="coerce")
        if "population" in units.columns
        else pd.Series(np.nan, index=units.index)
    ).astype(float)
    if weight is None:
        weight = "population" if len(pop) and pop.notna().all() else "area"
    if weight not in WEIGHTS:
        raise PlanError(f"Unknown weight {weight!r}; use one of {', '.join(WEIGHTS)}.")
    if weight == "population" and pop.isna().any():
        missing = ", ".join(list(pop.index[pop.isna()])[:20])
        raise PlanError(
            f"Weighing by population needs the population of every unit; missing for: {missing}. "
            "Fix: use the 2025 communes (which have it), or --weight area."
        )
    density = pop / area.where(area > 0)
    return weight, density if weight == "population" else pd.Series(np.nan, index=units.index)


def _holes(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame,
    crs: object,
    *,
    tech: str,
    target: str,
    switch_off: str,
    as_of: object,
    model: FootprintModel,
) -> gpd.GeoDataFrame:
    """Return the holes per unit (``code``, ``name``, polygon) in ``crs``.

    The switch-off gaps are already less what any newer technology covers.
    """
    if target == "switch-off":
        gaps = switch_off_gaps(layers, units, tech=switch_off, as_of=as_of, model=model)
        gaps = gaps[gaps["scenario"] == "before"].to_crs(crs)
        geoms = gaps.geometry.to_numpy()
        codes = gaps["code"].astype(str).to_numpy()
    elif target == "uncovered":
        stations = radiating_stations(layers, tech=tech, as_of=as_of)
        unit_geoms = units.geometry.to_crs(crs).to_numpy()
        have = (
            shapely.union_all(_footprint_geoms(stations, units, tech, model, crs))
            if len(stations)
            else shapely.Polygon()
        )
        have = shapely.make_valid(have)
        geoms = np.array(
            [shapely.difference(shapely.make_valid(g), have) for g in unit_geoms], dtype=object
        )
        codes = units.index.to_numpy(dtype=object)
    else:
        raise PlanError(f"Unknown target {target!r}; use one of {', '.join(TARGETS)}.")
    # (gaps come back through the units' CRS: repair what the round trip bent)
    geoms = np.array([_polygonal(shapely.make_valid(g)) for g in geoms], dtype=object)
    frame = gpd.GeoDataFrame(
        {"code": codes, "name": units["name"].reindex(codes).to_numpy()},
        geometry=gpd.GeoSeries(geoms, crs=crs),
        crs=crs,
    )
    frame = frame[~frame.geometry.is_empty & (frame.geometry.area > 0)]
    return frame.sort_values("code", kind="stable").reset_index(drop=True)


def _given_holes(holes: gpd.GeoDataFrame, units: gpd.GeoDataFrame, crs: object) -> gpd.GeoDataFrame:
    """Return polygons given as holes, cut along the units (``code``, ``name``, polygon)."""
    if holes.crs is None:
        raise PlanError("The holes have no CRS. Fix: set it (e.g. EPSG:4326).")
    kinds = set(holes.geometry.dropna().geom_type)
    if kinds - {"Polygon", "MultiPolygon"}:
        raise PlanError(f"Holes must be polygons, not {', '.join(sorted(kinds))}.")
    union = shapely.make_valid(shapely.union_all(holes.geometry.to_crs(crs).dropna().to_numpy()))
    unit_geoms = units.geometry.to_crs(crs).to_numpy()
    geoms = np.array(
        [_polygonal(shapely.intersection(union, shapely.make_valid(u))) for u in unit_geoms],
        dtype=object,
    )
    frame = gpd.GeoDataFrame(
        {"code": units.index.to_numpy(dtype=object), "name": units["name"].to_numpy()},
        geometry=gpd.GeoSeries(geoms, crs=crs),
        crs=crs,
    )
    frame = frame[~frame.geometry.is_empty & (frame.geometry.area > 0)]
    return frame.sort_values("code", kind="stable").reset_index(drop=True)


def _multi(geom: shapely.Geometry) -> shapely.Geometry:
    """Return a polygon as a one-part multipolygon (others as they are)."""
    if geom.is_empty:
        return shapely.MultiPolygon()
    return shapely.MultiPolygon([geom]) if geom.geom_type == "Polygon" else geom


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _footprint_geoms(
    stations: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    tech: str,
    model: FootprintModel,
    crs: object,
) -> np.ndarray:
    env = environments_from_units(stations, units) if model.environment is None else None
    fp = footprints(stations, tech=tech, model=model, crs=crs, environment=env)
    return fp.geometry.to_numpy()


def _cells(holes: gpd.GeoDataFrame, cell_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut the holes into squares of ``cell_m``: (pieces, unit position, area m²).

    Each polygon part is cut on its own (a box is clipped to one part, not
    to the whole multipolygon); the squares lie on one grid aligned on
    multiples of ``cell_m``.
    """
    parts, owner = shapely.get_parts(holes.geometry.to_numpy(), return_index=True)
    if not len(parts):
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64), np.empty(0)
    bounds = shapely.bounds(parts)
    x0 = np.floor(bounds[:, 0] / cell_m) * cell_m
    y0 = np.floor(bounds[:, 1] / cell_m) * cell_m
    nx = np.maximum(np.ceil((bounds[:, 2] - x0) / cell_m), 1).astype(np.int64)
    ny = np.maximum(np.ceil((bounds[:, 3] - y0) / cell_m), 1).astype(np.int64)
    count = nx * ny
    part_of = np.repeat(np.arange(len(parts)), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    xs = x0[part_of] + (k % nx[part_of]) * cell_m
    ys = y0[part_of] + (k // nx[part_of]) * cell_m
    boxes = shapely.box(xs, ys, xs + cell_m, ys + cell_m)
    shapely.prepare(parts)
    keep = shapely.intersects(parts[part_of], boxes)
    cut = shapely.intersection(boxes[keep], parts[part_of[keep]])
    simple = np.isin(shapely.get_type_id(cut), (3, 6))  # Polygon, MultiPolygon
    cut[~simple] = [_polygonal(g) for g in cut[~simple]]
    area = shapely.area(cut)
    good = area > 0
    return cut[good], owner[part_of[keep]][good], area[good]


def _grid_candidates(holes: gpd.GeoDataFrame, grid_m: float) -> np.ndarray:
    """Grid points inside the holes, plus a point in each hole part the grid misses."""
    union = shapely.union_all(holes.geometry.to_numpy())
    if union.is_empty:
        return np.empty(0, dtype=object)
    minx, miny, maxx, maxy = union.bounds
    xs = np.arange(np.floor(minx / grid_m) * grid_m, maxx + grid_m, grid_m)
    ys = np.arange(np.floor(miny / grid_m) * grid_m, maxy + grid_m, grid_m)
    gx, gy = np.meshgrid(xs, ys)
    points = shapely.points(gx.ravel(), gy.ravel())
    shapely.prepare(union)
    points = points[shapely.contains(union, points)]
    extra = []
    for part in shapely.get_parts(union):
        shapely.prepare(part)
        if not shapely.contains(part, points).any():
            extra.append(shapely.point_on_surface(part))
    return np.concatenate([points, np.array(extra, dtype=object)])


def plan_sites(
    layers: Mapping[str, pd.DataFrame],
    *,
    budget: int,
    tech: str = "4G",
    operator: str | None = None,
    candidates: gpd.GeoDataFrame | str = "grid",
    grid_m: float = DEFAULT_GRID_M,
    weight: str | None = None,
    min_spacing_m: float = 500.0,
    exclude: gpd.GeoDataFrame | None = None,
    target: str = "switch-off",
    switch_off: str = "2G",
    as_of: dt.date | str | pd.Timestamp | None = None,
    model: FootprintModel | str | None = None,
    units: gpd.GeoDataFrame | None = None,
    level: str | None = None,
    cell_m: float = DEFAULT_CELL_M,
    exact: bool | None = None,
    time_limit_s: float = EXACT_TIME_LIMIT_S,
    holes: gpd.GeoDataFrame | None = None,
) -> SitePlan:
    """Choose up to ``budget`` new sites that cover the most of the holes.

    Parameters
    ----------
    layers
        A layer set with ``districts`` and ``bts_stations`` (and the
        switch-off layers for ``target="switch-off"``).
    budget
        Most sites to build (0 or more). Fewer are proposed when no more
        candidate adds anything.
    tech
        Technology of the new sites (their footprint, and the coverage that
        is already there).
    operator
        Operator of the new sites; ``candidates="towers"`` then takes the
        towers of the other operators.
    candidates
        ``grid`` (points every ``grid_m`` inside the holes, and one in each
        hole part the grid misses), ``towers`` (existing stations of other
        operators, to share), or a point GeoDataFrame (land on offer; its
        ``site_id`` column, if any, names them).
    grid_m
        Spacing of the grid candidates (m).
    weight
        ``population`` (people, from the units' population spread evenly
        over each unit) or ``area`` (km²); ``None``: population when every
        unit has it, else area.
    min_spacing_m
        Two chosen sites are at least this far apart (0: no limit). With a
        spacing the greedy's 1 − 1/e guarantee no longer holds; the MILP
        keeps the spacing too.
    exclude
        Polygons where no site may go; candidates in them are left out
        (counted in ``summary["excluded"]``).
    target
        ``switch-off`` (the holes the ``switch_off`` technology leaves, less
        what ``tech`` already covers) or ``uncovered`` (every area without
        ``tech``).
    switch_off
        The technology being switched off.
    as_of
        The day of the network (default today).
    model
        Footprint model of the new sites and of the network.
    units
        Units to report on; default the ``districts`` layer as of ``as_of``.
    level
        Keep only units of this level.
    cell_m
        Side of the cells the holes are cut into (m).
    exact
        Also solve the MILP: ``True``, ``False``, or ``None`` (when there are
        at most :data:`EXACT_MAX_CANDIDATES` candidates).
    time_limit_s
        Time limit of the MILP.
    holes
        Polygons to fill instead of those of ``target`` (cut along the units).

    Returns
    -------
    SitePlan
        The sites, the holes before and after, the figures per unit. When
        the MILP is solved to optimality and beats the greedy, its sites are
        proposed (``summary["method"] == "exact"``).

    Raises
    ------
    PlanError
        If the options or layers cannot be used.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> plan = plan_sites(bundled_layers(), budget=3, as_of="2024-12-31", exact=False)
    >>> plan.sites["site_id"].tolist()
    ['NEW-0047', 'NEW-0024', 'NEW-0096']
    >>> plan.sites["adds_km2"].round(2).tolist()
    [4.17, 3.34, 1.76]
    >>> round(float(plan.per_unit.loc["total", "holes_km2"]), 2)
    27.72
    """
    budget = _check_budget(budget)
    tech = technology(tech)
    operator = _operator(operator)
    for name, value in (("grid_m", grid_m), ("cell_m", cell_m)):
        if not value > 0:
            raise PlanError(f"{name} must be positive, not {value!r}.")
    if not min_spacing_m >= 0:
        raise PlanError(f"min_spacing_m must be 0 or more, not {min_spacing_m!r}.")
    model = resolve_model(model)
    units = _units(layers, units, as_of, level)
    crs = metric_crs(units)
    weight, density = _density(units, crs, weight)
    if holes is None:
        holes = _holes(
            layers,
            units,
            crs,
            tech=tech,
            target=target,
            switch_off=switch_off,
            as_of=as_of,
            model=model,
        )
    else:
        holes = _given_holes(holes, units, crs)
    # candidates
    if isinstance(candidates, str):
        if candidates == "grid":
            points = _grid_candidates(holes, grid_m)
            cands = gpd.GeoDataFrame(
                {
                    "site_id": [f"NEW-{i + 1:04d}" for i in range(len(points))],
                    "source": "grid",
                },
                geometry=gpd.GeoSeries(points, crs=crs),
                crs=crs,
            )
        elif candidates == "towers":
            if "bts_stations" not in set(layers):
                raise PlanError("Candidates 'towers' need a 'bts_stations' layer.")
            towers = layers["bts_stations"]
            towers = towers[towers["status"].astype(str) != "dismantled"]
            if operator is not None:
                towers = towers[towers["operator"] != operator]
            cands = gpd.GeoDataFrame(
                {"site_id": towers["site_id"].astype(str).to_numpy(), "source": "tower"},
                geometry=towers.geometry.to_crs(crs).to_numpy(),
                crs=crs,
            )
        else:
            raise PlanError(
                f"Unknown candidates {candidates!r}; use 'grid', 'towers' or a layer of points."
            )
    else:
        if candidates.crs is None:
            raise PlanError("The candidate sites have no CRS. Fix: set it (e.g. EPSG:4326).")
        kinds = set(candidates.geometry.geom_type.dropna())
        if kinds - {"Point"} or candidates.geometry.isna().any():
            raise PlanError("Candidate sites must be points (one per row, none empty).")
        ids = (
            candidates["site_id"].astype(str).to_numpy()
            if "site_id" in candidates.columns
            else [f"C-{i + 1:04d}" for i in range(len(candidates))]
        )
        if len(set(ids)) != len(ids):
            raise PlanError("Candidate site_id values must be unique.")
        cands = gpd.GeoDataFrame(
            {"site_id": ids, "source": "file"},
            geometry=candidates.geometry.to_crs(crs).to_numpy(),
            crs=crs,
        )
    excluded = 0
    if exclude is not None and len(cands):
        if exclude.crs is None:
            raise PlanError("The excluded areas have no CRS. Fix: set it (e.g. EPSG:4326).")
        no_go = shapely.union_all(exclude.geometry.to_crs(crs).to_numpy())
        shapely.prepare(no_go)
        inside = shapely.intersects(no_go, cands.geometry.to_numpy())
        excluded = int(inside.sum())
        cands = cands[~inside]
    cands = cands.reset_index(drop=True)
    cands["operator"] = operator if operator is not None else ""
    # footprints of the candidates
    if len(cands):
        env = environments_from_units(cands, units) if model.environment is None else None
        fp = footprints(cands, tech=tech, model=model, crs=crs, environment=env)
        fp_rows = fp.index.to_numpy()
        fp_geoms = fp.geometry.to_numpy()
        radius = fp.groupby(level=0)["radius_m"].max().reindex(cands.index).to_numpy()
    else:
        fp_rows, fp_geoms, radius = np.empty(0, dtype=np.int64), np.empty(0, dtype=object), []
    cands["radius_m"] = np.asarray(radius, dtype=float)
    # cells and their weights
    cells, owner, cell_area = _cells(holes, cell_m)
    unit_density = density.reindex(holes["code"]).to_numpy(dtype=float)
    if weight == "population":
        w = cell_area * unit_density[owner] if len(cells) else np.empty(0)
    else:
        w = cell_area / 1e6
    points = shapely.point_on_surface(cells) if len(cells) else np.empty(0, dtype=object)
    tree = shapely.STRtree(points)
    fp_idx, cell_idx = tree.query(fp_geoms, predicate="contains") if len(fp_geoms) else ([], [])
    cand_of = fp_rows[np.asarray(fp_idx, dtype=np.int64)]
    order = np.lexsort((cell_idx, cand_of))
    cand_of, cell_idx = cand_of[order], np.asarray(cell_idx, dtype=np.int64)[order]
    bounds = np.searchsorted(cand_of, np.arange(len(cands) + 1))
    cover = [np.unique(cell_idx[bounds[i] : bounds[i + 1]]) for i in range(len(cands))]
    conflicts: list[tuple[int, int]] = []
    if min_spacing_m > 0 and len(cands):
        ctree = shapely.STRtree(cands.geometry.to_numpy())
        a, b = ctree.query(cands.geometry.to_numpy(), predicate="dwithin", distance=min_spacing_m)
        pts = cands.geometry.to_numpy()
        near = (a < b) & (shapely.distance(pts[a], pts[b]) < min_spacing_m)
        conflicts = [(int(i), int(j)) for i, j in zip(a[near], b[near], strict=True)]
    greedy = solve_greedy(cover, w, budget, conflicts=conflicts)
    run_exact = len(cands) <= EXACT_MAX_CANDIDATES if exact is None else bool(exact)
    best, method = greedy, "greedy"
    summary: dict[str, object] = {
        "tech": tech,
        "target": target,
        "weight": weight,
        "budget": budget,
        "candidates": len(cands),
        "excluded": excluded,
        "cells": len(cells),
        "cell_m": float(cell_m),
        "greedy_value": greedy.value,
    }
    if run_exact:
        sol = solve_exact(cover, w, budget, conflicts=conflicts, time_limit_s=time_limit_s)
        summary.update(exact_value=sol.value, exact_status=sol.status, exact_bound=sol.bound)
        ref = sol.bound if np.isfinite(sol.bound) else sol.value
        summary["gap_pct"] = 100.0 * (ref - greedy.value) / ref if ref > 0 else 0.0
        if sol.status == "optimal" and sol.value > greedy.value * (1 + 1e-9):
            best, method = sol, "exact"
    summary["method"] = method
    return _site_plan(
        best, cands, fp_rows, fp_geoms, holes, units, density, weight, summary, w, cover
    )


def _site_plan(
    best: Solution,
    cands: gpd.GeoDataFrame,
    fp_rows: np.ndarray,
    fp_geoms: np.ndarray,
    holes: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    density: pd.Series,
    weight: str,
    summary: dict[str, object],
    w: np.ndarray,
    cover: list[np.ndarray],
) -> SitePlan:
    """Measure the chosen sites on the polygons; build the plan's frames."""
    crs = holes.crs
    out_crs = units.crs
    chosen = list(best.chosen)
    per_site = [
        shapely.union_all(fp_geoms[fp_rows == i]) if len(fp_geoms) else shapely.Polygon()
        for i in chosen
    ]
    codes = holes["code"].to_numpy(dtype=object)
    dens = density.reindex(codes).to_numpy(dtype=float)
    use_people = weight == "population"
    # measured part by part: a site touches a few parts of the holes, found by the index
    parts, part_unit = shapely.get_parts(holes.geometry.to_numpy(), return_index=True)
    open_parts = list(parts)
    tree = shapely.STRtree(parts)  # parts only shrink: their first boxes stay good bounds
    adds_km2, adds_people = [], []
    for geom in per_site:
        km2 = people = 0.0
        for i in tree.query(geom, predicate="intersects").tolist():
            part = open_parts[i]
            if part.is_empty or not shapely.intersects(part, geom):
                continue
            piece = shapely.intersection(part, geom).area
            open_parts[i] = _polygonal(shapely.difference(part, geom))
            km2 += piece / 1e6
            people += piece * dens[part_unit[i]] if use_people else 0.0
        adds_km2.append(km2)
        adds_people.append(people if use_people else np.nan)
    by_unit: list[list[shapely.Geometry]] = [[] for _ in codes]
    for i, u in enumerate(part_unit.tolist()):
        by_unit[u].extend(g for g in shapely.get_parts(open_parts[i]) if not g.is_empty)
    open_ = [shapely.MultiPolygon(p) if p else shapely.Polygon() for p in by_unit]
    site_points = cands.geometry.to_numpy()[chosen] if chosen else np.empty(0, dtype=object)
    site_units = _unit_codes(site_points, units, crs)
    sites = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, len(chosen) + 1, dtype=np.int64),
            "site_id": cands["site_id"].to_numpy()[chosen] if chosen else [],
            "source": cands["source"].to_numpy()[chosen] if chosen else [],
            "operator": cands["operator"].to_numpy()[chosen] if chosen else [],
            "code": site_units,
            "radius_m": cands["radius_m"].to_numpy()[chosen] if chosen else [],
            "adds_km2": np.asarray(adds_km2, dtype=float),
            "adds_people": np.asarray(adds_people, dtype=float),
            "cumulative_km2": np.cumsum(adds_km2),
            "cumulative_people": np.cumsum(adds_people),
            "model_gain": np.asarray(best.gains, dtype=float),
        },
        geometry=gpd.GeoSeries(site_points, crs=crs),
        crs=crs,
    )
    fps = gpd.GeoDataFrame(
        {"rank": sites["rank"].to_numpy(), "site_id": sites["site_id"].to_numpy()},
        geometry=gpd.GeoSeries(np.asarray(per_site, dtype=object), crs=crs),
        crs=crs,
    )

    def hole_frame(geoms: Sequence[shapely.Geometry]) -> gpd.GeoDataFrame:
        area = shapely.area(np.asarray(geoms, dtype=object)) if len(geoms) else np.empty(0)
        geoms = [_multi(g) for g in geoms]  # one geometry type per layer
        frame = gpd.GeoDataFrame(
            {
                "code": codes,
                "name": holes["name"].to_numpy(),
                "area_km2": area / 1e6,
                "people": area * dens if use_people else np.full(len(area), np.nan),
            },
            geometry=gpd.GeoSeries(np.asarray(geoms, dtype=object), crs=crs),
            crs=crs,
        )
        return frame

    before = hole_frame(holes.geometry.to_numpy())
    after = hole_frame(open_)
    table = pd.DataFrame(
        {
            "name": holes["name"].to_numpy(),
            "holes_km2": before["area_km2"].to_numpy(),
            "people": before["people"].to_numpy(),
            "new_sites": [int((site_units == c).sum()) for c in codes],
            "left_km2": after["area_km2"].to_numpy(),
            "left_people": after["people"].to_numpy(),
        },
        index=pd.Index(codes, name="code", dtype=object),
    )
    table["covered_km2"] = table["holes_km2"] - table["left_km2"]
    table["covered_people"] = table["people"] - table["left_people"]
    total = table.drop(columns="name").sum(min_count=1)
    total["new_sites"] = len(chosen)
    table.loc[TOTAL] = pd.Series({"name": "Total", **total.to_dict()})
    table["new_sites"] = table["new_sites"].astype("int64")
    table = table[
        [
            "name",
            "holes_km2",
            "people",
            "new_sites",
            "covered_km2",
            "covered_people",
            "left_km2",
            "left_people",
        ]
    ]
    if not use_people:  # weighing by area: no people to show
        table = table.drop(columns=["people", "covered_people", "left_people"])
        sites = sites.drop(columns=["adds_people", "cumulative_people"])
        before, after = before.drop(columns="people"), after.drop(columns="people")
    alone = np.array([float(w[c].sum()) for c in cover]) if cover else np.empty(0)
    cand_frame = cands.assign(weight=alone, chosen=np.isin(np.arange(len(cands)), chosen))
    after = after[after["area_km2"] > 0]
    for frame in (sites, fps, before, after, cand_frame, table):
        frame.attrs = {"metric": "plan_sites", **summary}
    return SitePlan(
        sites=sites.to_crs(out_crs),
        footprints=fps.to_crs(out_crs),
        holes_before=before.to_crs(out_crs),
        holes_after=after.reset_index(drop=True).to_crs(out_crs),
        per_unit=table,
        candidates=cand_frame.to_crs(out_crs),
        summary=summary,
    )


def _unit_codes(points: np.ndarray, units: gpd.GeoDataFrame, crs: object) -> np.ndarray:
    """Code of the unit containing each point (``None`` outside every unit)."""
    if not len(points):
        return np.empty(0, dtype=object)
    geoms = units.geometry.to_crs(crs).to_numpy()
    tree = shapely.STRtree(geoms)
    p, u = tree.query(points, predicate="intersects")
    out = np.full(len(points), None, dtype=object)
    codes = units.index.to_numpy(dtype=object)
    for i, j in sorted(zip(p.tolist(), u.tolist(), strict=True), reverse=True):
        out[i] = codes[j]  # the first unit (lowest position) wins on a shared edge
    return out


# --------------------------------------------------------------------------- sharing


@dataclass
class SharingPlan:
    """Towers where stations of several operators stand side by side.

    Attributes
    ----------
    towers
        One row per tower (stations within the distance of one another,
        chained): ``tower_id``, ``code``, ``stations``, ``site_ids``,
        ``operators``, ``n_operators``, ``shared`` (two operators or more),
        ``could_host`` (operators of the province not on it) and the point
        (the stations' centroid).
    per_unit
        Per unit and ``total``: ``station_count``, ``towers``, ``groups``
        (co-location groups: towers with two operators or more),
        ``stations_in_groups``, ``sites_avoided`` (Σ operators − 1 over the
        groups: separate sites one shared tower would have saved) and
        ``single_operator_towers`` (towers that could host more operators).
    """

    towers: gpd.GeoDataFrame
    per_unit: pd.DataFrame

    def groups(self) -> gpd.GeoDataFrame:
        """Return the co-location groups only (the towers with two operators or more)."""
        return self.towers[self.towers["shared"]].reset_index(drop=True)


def plan_sharing(
    layers: Mapping[str, pd.DataFrame],
    *,
    distance_m: float = 50.0,
    as_of: dt.date | str | pd.Timestamp | None = None,
    units: gpd.GeoDataFrame | None = None,
    level: str | None = None,
) -> SharingPlan:
    """Group stations of different operators that stand within ``distance_m``.

    Stations (``bts_stations`` not dismantled, on air or built by ``as_of``)
    closer than ``distance_m`` to one another, directly or through a chain,
    stand at one tower.

    Parameters
    ----------
    layers
        A layer set with ``bts_stations`` and ``districts``.
    distance_m
        Largest distance between stations of one tower (m).
    as_of
        Leave out stations on air only after this day (default: every one).
    units
        Units to report on; default the ``districts`` layer as of ``as_of``.
    level
        Keep only units of this level.

    Returns
    -------
    SharingPlan
        The towers and the figures per unit.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> sharing = plan_sharing(bundled_layers(), distance_m=300)
    >>> sharing.per_unit.loc["total", ["towers", "groups", "sites_avoided"]].tolist()
    [931, 142, 175]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not distance_m >= 0:
        raise PlanError(f"The distance must be 0 or more, not {distance_m!r}.")
    if "bts_stations" not in set(layers):
        raise PlanError("Sharing needs a 'bts_stations' layer.")
    units = _units(layers, units, as_of, level)
    crs = metric_crs(units)
    st = layers["bts_stations"]
    keep = (st["status"].astype(str) != "dismantled").to_numpy()
    day = to_date(as_of)
    if day is not None and "on_air_date" in st.columns:
        dates = pd.to_datetime(st["on_air_date"])
        keep = keep & (dates.isna() | (dates <= day) | (st["status"] != "on_air")).to_numpy()
    st = st[keep]
    pts = st.geometry.to_crs(crs).to_numpy()
    n = len(st)
    if n:
        a, b = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=distance_m)
        graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        _, label = connected_components(graph, directed=False)
    else:
        label = np.empty(0, dtype=np.int64)
    province_ops = sorted(set(st["operator"].astype(str)), key=_op_key)
    ids = st["site_id"].astype(str).to_numpy()
    ops = st["operator"].astype(str).to_numpy()
    rows = []
    # number the towers by their first station (in the layer's order)
    first: dict[int, int] = {}
    for pos, lab in enumerate(label.tolist()):
        first.setdefault(lab, pos)
    for number, lab in enumerate(sorted(first, key=first.get), start=1):
        members = np.flatnonzero(label == lab)
        on = sorted(set(ops[members]), key=_op_key)
        rows.append(
            {
                "tower_id": f"T-{number:05d}",
                "stations": len(members),
                "site_ids": ", ".join(ids[members]),
                "operators": ", ".join(on),
                "n_operators": len(on),
                "shared": len(on) >= 2,
                "could_host": ", ".join(o for o in province_ops if o not in on),
                "geometry": shapely.centroid(shapely.multipoints(pts[members])),
            }
        )
    towers = gpd.GeoDataFrame(
        rows
        or {
            "tower_id": [],
            "stations": [],
            "site_ids": [],
            "operators": [],
            "n_operators": [],
            "shared": [],
            "could_host": [],
        },
        geometry="geometry" if rows else gpd.GeoSeries([], crs=crs),
        crs=crs,
    )
    towers.insert(1, "code", _unit_codes(towers.geometry.to_numpy(), units, crs))
    codes = units.index.to_numpy(dtype=object)
    table = pd.DataFrame(index=pd.Index(codes, name="code", dtype=object))
    table["name"] = units["name"].to_numpy()
    by = towers.groupby("code", sort=False)
    shared = towers[towers["shared"].astype(bool)]
    table["station_count"] = by["stations"].sum().reindex(codes).fillna(0).astype("int64")
    table["towers"] = by.size().reindex(codes).fillna(0).astype("int64")
    table["groups"] = shared.groupby("code").size().reindex(codes).fillna(0).astype("int64")
    table["stations_in_groups"] = (
        shared.groupby("code")["stations"].sum().reindex(codes).fillna(0).astype("int64")
    )
    table["sites_avoided"] = (
        (shared["n_operators"] - 1).groupby(shared["code"]).sum().reindex(codes).fillna(0)
    ).astype("int64")
    single = towers[towers["n_operators"] == 1]
    table["single_operator_towers"] = (
        single.groupby("code").size().reindex(codes).fillna(0).astype("int64")
    )
    outside = towers["code"].isna()
    if outside.any():
        table.loc["outside"] = [
            "Outside every unit",
            int(towers.loc[outside, "stations"].sum()),
            int(outside.sum()),
            int((outside & towers["shared"].astype(bool)).sum()),
            int(towers.loc[outside & towers["shared"].astype(bool), "stations"].sum()),
            int((towers.loc[outside & towers["shared"].astype(bool), "n_operators"] - 1).sum()),
            int((outside & (towers["n_operators"] == 1)).sum()),
        ]
    total = table.drop(columns="name").sum()
    table.loc[TOTAL] = ["Total", *total.astype("int64").tolist()]
    for col in table.columns[1:]:
        table[col] = table[col].astype("int64")
    towers.attrs = table.attrs = {"metric": "plan_sharing", "distance_m": float(distance_m)}
    return SharingPlan(towers=towers.to_crs(units.crs), per_unit=table)


def _op_key(name: str) -> tuple[int, str]:
    return (OPERATORS.index(name) if name in OPERATORS else len(OPERATORS), name)


# --------------------------------------------------------------------------- forecasts


def pace_forecast(
    done: pd.Series,
    done_before: pd.Series,
    total: pd.Series,
    *,
    months: int,
    as_of: dt.date | str | pd.Timestamp,
    deadline: dt.date | str | pd.Timestamp | pd.Series | None = None,
) -> pd.DataFrame:
    """When each row will be done, at the pace of the last ``months`` months.

    The pace is ``(done − done_before) / months`` per month; what is left
    (``total − done``) at that pace takes ``left / pace`` months from
    ``as_of`` (a month is 365.25 / 12 days).

    Parameters
    ----------
    done
        Done by ``as_of``, per row.
    done_before
        Done ``months`` months before ``as_of`` (same index).
    total
        The whole job (same index).
    months
        Length of the pace window (months, 1 or more).
    as_of
        The last day counted.
    deadline
        The plan's end date (one for all rows, or per row); ``None``: none.

    Returns
    -------
    pandas.DataFrame
        Same index: ``done``, ``goal`` (the whole job), ``left``, ``pace_per_month``,
        ``months_left``, ``finish`` (a day; NaT when done already or when
        the pace is not positive), ``deadline`` and ``status``: ``done``,
        ``on_time``, ``late``, ``stalled`` (nothing done in the window, or
        going backwards) or ``no_deadline``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pace_forecast(pd.Series([60]), pd.Series([30]), pd.Series([100]),
    ...                   months=3, as_of="2024-06-30", deadline="2024-12-31")
    >>> f.loc[0, ["pace_per_month", "months_left"]].astype(float).tolist()
    [10.0, 4.0]
    >>> f.loc[0, "status"], f.loc[0, "finish"].date().isoformat()
    ('on_time', '2024-10-30')
    """
    months = int(months)
    if months < 1:
        raise PlanError(f"The pace window must be 1 month or more, not {months}.")
    day = to_date(as_of)
    if day is None:
        raise PlanError("A forecast needs the day it is made (as_of).")
    done = pd.to_numeric(done, errors="coerce").astype(float)
    total = pd.to_numeric(total.reindex(done.index), errors="coerce").astype(float)
    before = pd.to_numeric(done_before.reindex(done.index), errors="coerce").astype(float)
    left = (total - done).clip(lower=0.0)
    pace = (done - before) / months
    months_left = (left / pace).where(pace > 0)
    months_left = months_left.where(left > 0, 0.0)
    finish = pd.Series(pd.NaT, index=done.index, dtype="datetime64[ns]")
    going = (left > 0) & (pace > 0)
    finish[going] = day + pd.to_timedelta(np.ceil(months_left[going] * _MONTH_DAYS), unit="D")
    if isinstance(deadline, pd.Series):
        end = pd.to_datetime(deadline.reindex(done.index))
    else:
        stamp = to_date(deadline)
        end = pd.Series(stamp if stamp is not None else pd.NaT, index=done.index)
        end = pd.to_datetime(end)
    status = np.where(
        left <= 0,
        "done",
        np.where(
            ~(pace > 0),
            "stalled",
            np.where(end.isna(), "no_deadline", np.where(finish <= end, "on_time", "late")),
        ),
    )
    return pd.DataFrame(
        {
            "done": done,
            "goal": total,
            "left": left,
            "pace_per_month": pace,
            "months_left": months_left,
            "finish": finish,
            "deadline": end,
            "status": pd.Series(status, index=done.index, dtype=object),
        }
    )


def forecast(
    layers: Mapping[str, pd.DataFrame],
    *,
    metric: str = "switch_off",
    months: int = 6,
    as_of: dt.date | str | pd.Timestamp | None = None,
    units: gpd.GeoDataFrame | None = None,
    tech: str = "2G",
    plan: str | None = None,
    deadline: dt.date | str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Forecast when the 2G switch-off or the cable plans will be done, per unit.

    The progress table of ``metric`` is computed on ``as_of`` and ``months``
    months before it; :func:`pace_forecast` does the rest.

    Parameters
    ----------
    layers
        The layer set.
    metric
        ``switch_off`` (its stations and its subscribers) or ``cables``
        (each category and plan; done = tidied + underground km).
    months
        Length of the pace window.
    as_of
        The last day counted (default today).
    units
        Units to report on (default the ``districts`` layer).
    tech
        The technology switched off (``switch_off``).
    plan
        Only this cable plan (``cables``).
    deadline
        End date of the job; default: a cable plan's own end date from
        :data:`PLAN_DEADLINES` (none for the switch-off).

    Returns
    -------
    pandas.DataFrame
        The rows of the progress table (per unit, then ``total``) with a
        ``what`` level (``stations``, ``subscribers``, ``km``) and the
        columns of :func:`pace_forecast` after ``name`` (and ``category``,
        ``plan`` in the index for cables).

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> f = forecast(bundled_layers(), months=6, as_of="2024-12-31")
    >>> f.loc[("total", "stations"), ["done", "goal", "pace_per_month"]].round(2).tolist()
    [161.0, 788.0, 20.17]
    >>> f.loc[("total", "stations"), "finish"].date()
    datetime.date(2027, 8, 5)
    """
    if metric not in FORECAST_METRICS:
        raise PlanError(f"No forecast for {metric!r}; use one of {', '.join(FORECAST_METRICS)}.")
    day = to_date(as_of)
    if day is None:
        day = pd.Timestamp.today().normalize()
    before_day = day - pd.DateOffset(months=int(months))
    if int(months) < 1:
        raise PlanError(f"The pace window must be 1 month or more, not {months}.")

    def table(on: pd.Timestamp) -> pd.DataFrame:
        if metric == "switch_off":
            return switch_off_progress(layers, units=units, as_of=on, tech=tech)
        out = cable_progress(layers, units=units, as_of=on, plan=plan)
        out = out.assign(done_km=out["tidied_km"] + out["underground_km"])
        return out

    now, then = table(day), table(before_day)
    tables = {0: then}

    def window_start(done_col: str) -> tuple[pd.Series, int]:
        """Return what was done when the window starts, and the window's months.

        A snapshot series (subscribers per month) may begin inside the
        window: it then starts at its first month-end with a figure, not at
        an assumed 0.
        """
        for k in range(int(months)):
            if k not in tables:
                tables[k] = table(before_day + pd.DateOffset(months=k) + pd.offsets.MonthEnd(0))
            if tables[k][done_col].notna().any():
                return tables[k][done_col], int(months) - k
        return then[done_col], int(months)

    parts = []
    for what, done_col, total_col in FORECAST_METRICS[metric]:
        if done_col not in now.columns or now[total_col].isna().all():
            continue
        before, span = window_start(done_col)
        end: object = deadline
        if deadline is None and metric == "cables":
            plans = now.index.get_level_values("plan")
            end = pd.Series(
                pd.to_datetime([PLAN_DEADLINES.get(str(p)) for p in plans]), index=now.index
            )
        part = pace_forecast(
            now[done_col],
            before.reindex(now.index).fillna(0.0),
            now[total_col],
            months=span,
            as_of=day,
            deadline=end,
        )
        part.insert(0, "name", now["name"])
        part["what"] = what
        parts.append(part.set_index("what", append=True))
    if not parts:
        raise PlanError(f"Nothing to forecast: the {metric} table has no figures.")
    out = pd.concat(parts)
    out.attrs = {
        "metric": "forecast",
        "forecast_of": metric,
        "as_of": day,
        "since": before_day,
        "months": int(months),
        "tech": tech,
    }
    return out
