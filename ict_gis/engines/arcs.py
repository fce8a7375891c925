"""The ``arcs`` engine: exact area of unions of disks inside polygons, from circular arcs.

Mode ``exact``, circles only; needs numba (``pip install 'ict_gis[fast]'``).

The covered area of a unit is ``area(P ∩ U)`` where ``P`` is the unit polygon
and ``U`` the union of the footprint disks. By Green's theorem it is half the
integral of ``x dy - y dx`` along the boundary of ``P ∩ U``, which is made of

* arcs of the circles that lie on the boundary of ``U`` (not inside another
  disk) and inside ``P``;
* pieces of the edges of ``P`` that lie inside ``U``.

Both are found with interval arithmetic on angles (arcs) and on edge
parameters (edges), by two numba kernels (:mod:`ict_gis.engines._kernels`)
and numpy, and integrated in closed form: an arc of radius ``r`` centred on
``(cx, cy)`` from angle ``a`` to ``b`` contributes
``r²(b - a) + r(cx(sin b - sin a) - cy(cos b - cos a))``; an edge piece
from ``p`` to ``q`` contributes ``p.x q.y - q.x p.y``. The result is the
area of the true circles: no polygonisation, so no segment-count error.

Three unions are supported: per operator group, of every disk ("any"), and the
intersection of the group unions ("all": the boundary of ``∩ U_g`` is made of
the pieces of each ``∂U_g`` lying inside every other ``U_h``). Identical disks
are counted once (in "all", the boundary of identical disks of several groups
belongs to the group with the lowest index).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ict_gis.engines import FAST_EXTRA, Footprints, Progress, areas_frame, numba_installed
from ict_gis.geometry import Recent, digest, ring_edges

__all__ = ["ArcsEngine", "disk_coverage_areas"]

TWO_PI = 2.0 * np.pi
_EMPTY_F = np.empty(0)
_EMPTY_I = np.empty(0, dtype=np.int64)
#: Circles paired with their neighbours at a time for "all" (bounds memory).
ALL_CHUNK = 2048
#: The units' edges and their twins: one command measures the same units
#: for each technology.
_EDGES = Recent(2)


# --------------------------------------------------------------------------- intervals


def _merge(key: np.ndarray, a: np.ndarray, b: np.ndarray, width: float):
    """Merge overlapping intervals ``[a, b]`` of the same key; sorted by key, then a."""
    keep = b > a
    if not keep.all():
        key, a, b = key[keep], a[keep], b[keep]
    if not len(key):
        return _EMPTY_I, _EMPTY_F, _EMPTY_F
    offset = key.astype(float) * width
    s = a + offset
    order = np.argsort(s)
    key, s, offset = key[order], s[order], offset[order]
    e = b[order] + offset
    run = np.maximum.accumulate(e)
    start = np.ones(len(s), dtype=bool)
    start[1:] = s[1:] > run[:-1]
    idx = np.flatnonzero(start)
    ends = np.maximum.reduceat(e, idx)
    return key[idx], s[idx] - offset[idx], ends - offset[idx]


def _angle_intervals(key, centre, half):
    """Intervals ``[centre - half, centre + half]`` on the circle, split at 0."""
    start = np.mod(centre - half, TWO_PI)
    end = start + 2 * half
    wraps = end > TWO_PI
    k = np.concatenate([key, key[wraps]])
    a = np.concatenate([start, np.zeros(int(wraps.sum()))])
    b = np.concatenate([np.minimum(end, TWO_PI), end[wraps] - TWO_PI])
    return k, a, b


# --------------------------------------------------------------------------- geometry


def _cover_of_circles(i, j, x, y, r):
    """Angular intervals of circle ``i`` covered by disk ``j``.

    Returns arrays (circle, start angle, end angle, covering disk), one entry
    per interval; intervals are split at angle 0 so that none wraps.
    """
    dx = x[j] - x[i]
    dy = y[j] - y[i]
    d = np.hypot(dx, dy)
    ri, rj = r[i], r[j]
    full = d + ri <= rj
    partial = ~full & (d < ri + rj) & (d + rj > ri) & (d > 0)
    ip = i[partial]
    jp = j[partial]
    cos_a = (ri[partial] ** 2 + d[partial] ** 2 - rj[partial] ** 2) / (2 * ri[partial] * d[partial])
    half = np.arccos(np.clip(cos_a, -1.0, 1.0))
    phi = np.arctan2(dy[partial], dx[partial])
    pos, a, b = _angle_intervals(np.arange(len(ip)), phi, half)
    n_full = int(full.sum())
    return (
        np.concatenate([i[full], ip[pos]]),
        np.concatenate([np.zeros(n_full), a]),
        np.concatenate([np.full(n_full, TWO_PI), b]),
        np.concatenate([j[full], jp[pos]]),
    )


def _unit_edges(units: np.ndarray):
    """Oriented ring edges of the units (exterior counter-clockwise, holes clockwise).

    Returns (unit index, x0, y0, x1, y1) arrays.
    """
    unit, x0, y0, x1, y1 = ring_edges(shapely.orient_polygons(units, exterior_cw=False))
    nonzero = (x0 != x1) | (y0 != y1)
    return unit[nonzero], x0[nonzero], y0[nonzero], x1[nonzero], y1[nonzero]


# --------------------------------------------------------------------------- main


def disk_coverage_areas(
    units: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    r: np.ndarray,
    group: np.ndarray,
    groups: int,
    *,
    unit_of_centre: np.ndarray,
    want_groups: bool = True,
    want_any: bool = True,
    want_all: bool = True,
    threads: int = 2,
):
    """Areas of ``unit ∩ union of disks`` per unit: per group, any, all.

    Parameters
    ----------
    units
        Polygons (metres), one per unit.
    x, y, r
        Disk centres and radii (same CRS).
    group
        Operator group of each disk, ``0 .. groups - 1``.
    groups
        Number of groups.
    unit_of_centre
        Position in ``units`` of the unit containing each disk's centre, -1
        when none (from the caller's point-in-polygon, so it is not redone).
    want_groups, want_any, want_all
        Which unions to compute.
    threads
        Threads the kernels run in (they release the GIL); 1 in a partition
        of a distributed run, where the workers are the parallelism.

    Returns
    -------
    tuple of (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Areas (m²): ``(n_units, groups)`` per group, ``(n_units,)`` any and all
        (zeros where not asked for).
    """
    n_units = len(units)
    per_group = np.zeros((n_units, groups))
    area_any = np.zeros(n_units)
    area_all = np.zeros(n_units)
    n = len(x)
    if not n or not n_units:
        return per_group, area_any, area_all
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    r = np.asarray(r, dtype=float)
    group = np.asarray(group, dtype=np.int64)

    width = TWO_PI + 1

    # Local origin per unit, to keep the Green sums well conditioned.
    bounds = shapely.bounds(units)
    ox = (bounds[:, 0] + bounds[:, 2]) / 2
    oy = (bounds[:, 1] + bounds[:, 3]) / 2

    unit_of_centre = np.asarray(unit_of_centre, dtype=np.int64)
    kernels = _kernels()
    # Disks in grid-cell order (the areas do not depend on the order):
    # neighbours are then near in memory too.
    grid = _grid(x, y, r)
    order = grid[-1]
    x, y, r, group, unit_of_centre = (
        x[order],
        y[order],
        r[order],
        group[order],
        unit_of_centre[order],
    )
    grid = (*grid[:-1], np.arange(n, dtype=np.int64))
    # Identical disks are counted once: the later of two (in a group, or overall) is dropped.
    dup_any = _duplicates(np.column_stack([x, y, r]))
    dup_group = _duplicates(np.column_stack([x, y, r, group.astype(float)]))

    def covered_by_others(circles: np.ndarray):
        """Arcs of these circles inside every other group's union (sorted by circle).

        Only the disks near these circles are paired with them (an STRtree
        of the disks' boxes), so memory follows the circles asked for.
        """
        if not tree:
            tree.append(shapely.STRtree(shapely.box(x - r, y - r, x + r, y + r)))
        qi, pj = tree[0].query(shapely.box(*(v[circles] for v in (x - r, y - r, x + r, y + r))))
        pi_ = circles[qi]
        keep = (pi_ != pj) & (np.hypot(x[pj] - x[pi_], y[pj] - y[pi_]) < r[pi_] + r[pj])
        pi_, pj = pi_[keep], pj[keep]
        identical = (x[pi_] == x[pj]) & (y[pi_] == y[pj]) & (r[pi_] == r[pj])
        # Identical disks of two groups: the lower group keeps the boundary.
        other = (group[pi_] != group[pj]) & ~(identical & (group[pj] < group[pi_]))
        ck, ca, cb, cj = _cover_of_circles(pi_[other], pj[other], x, y, r)
        k2, a2, b2 = _merge(ck.astype(np.int64) * groups + group[cj], ca, cb, width)
        return kernels.count_at_least(k2 // groups, a2, b2, groups - 1)

    tree: list = []

    def uncovered(same: bool, dup: np.ndarray):
        """Arcs of the non-duplicate circles not covered by another (same-group) disk."""
        # The kernel releases the GIL: chunks of the disks in a thread pool.
        active = ~dup
        cuts = np.linspace(0, n, 9 if n > 20_000 else 2).astype(np.int64)
        workers = min(threads, len(cuts) - 1)

        def run(k):
            return kernels.uncovered_arcs(x, y, r, group, active, same, grid, cuts[k], cuts[k + 1])

        if workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                parts = list(pool.map(run, range(len(cuts) - 1)))
        else:
            parts = [run(k) for k in range(len(cuts) - 1)]
        return tuple(np.concatenate([p[c] for p in parts]) for c in range(3))

    # --- unit edges and edge-disk pairs
    e_unit, ex0, ey0, ex1, ey1, twin = _edges_of(units)
    (ed_unit, ed_disk, c_edge, c_disk, c_t, *edge_union, ge, gg, ga, gb) = _edges_in_threads(
        kernels.edge_disk_intervals, ex0, ey0, ex1, ey1, e_unit, twin, x, y, r, group, grid,
        threads=threads,
    )  # fmt: skip
    c_unit = e_unit[c_edge]
    px = ex0[c_edge] + c_t * (ex1[c_edge] - ex0[c_edge])
    py = ey0[c_edge] + c_t * (ey1[c_edge] - ey0[c_edge])
    c_theta = np.mod(np.arctan2(py - y[c_disk], px - x[c_disk]), TWO_PI)

    # --- (unit, disk) pairs: disks crossing or reaching a unit's edges, and
    # disks whose centre is in a unit.
    pair_codes = np.concatenate(
        [
            ed_unit.astype(np.int64) * n + ed_disk,
            np.flatnonzero(unit_of_centre >= 0)
            + unit_of_centre[unit_of_centre >= 0].astype(np.int64) * n,
        ]
    )
    pair_codes = np.unique(pair_codes)
    p_unit = pair_codes // n
    p_disk = pair_codes % n
    n_pairs = len(pair_codes)

    # Arcs of each pair's circle inside the unit.
    c_pair = np.searchsorted(pair_codes, c_unit.astype(np.int64) * n + c_disk)
    order = np.lexsort((c_theta, c_pair))
    c_pair, c_theta = c_pair[order], c_theta[order]
    counts = np.bincount(c_pair, minlength=n_pairs)
    has = counts > 0
    first = np.cumsum(counts) - counts
    nxt = np.arange(len(c_pair)) + 1
    last_of_pair = np.zeros(len(c_pair), dtype=bool)
    if len(c_pair):
        last_of_pair[first[has] + counts[has] - 1] = True
    nxt[last_of_pair] = first[c_pair[last_of_pair]]
    arc_lo = c_theta
    arc_hi = np.where(last_of_pair, c_theta[nxt] + TWO_PI, c_theta[nxt])
    arc_pair = c_pair
    # Pairs without crossings: the whole circle is inside or outside.
    bare = np.flatnonzero(~has)
    arc_lo = np.concatenate([arc_lo, np.zeros(len(bare))])
    arc_hi = np.concatenate([arc_hi, np.full(len(bare), TWO_PI)])
    arc_pair = np.concatenate([arc_pair, bare])
    mid = (arc_lo + arc_hi) / 2
    # A circle without crossings is inside or outside as a whole (it may touch
    # an edge at one point): test it at an angle unlikely to be such a point.
    mid[len(mid) - len(bare) :] = 2.3999632297286535  # the golden angle
    mdisk = p_disk[arc_pair]
    mx = x[mdisk] + r[mdisk] * np.cos(mid)
    my = y[mdisk] + r[mdisk] * np.sin(mid)
    shapely.prepare(units)
    inside = shapely.contains_xy(units[p_unit[arc_pair]], mx, my)
    arc_lo, arc_hi, arc_pair = arc_lo[inside], arc_hi[inside], arc_pair[inside]
    wrap = arc_hi > TWO_PI
    in_key = np.concatenate([arc_pair, arc_pair[wrap]])
    in_a = np.concatenate([arc_lo, np.zeros(int(wrap.sum()))])
    in_b = np.concatenate([np.minimum(arc_hi, TWO_PI), arc_hi[wrap] - TWO_PI])
    in_key, in_a, in_b = _merge(in_key, in_a, in_b, TWO_PI + 1)

    # The angles inside each pair's unit, by pair (CSR), and each pair's
    # circle relative to its unit's origin.
    in_start = np.searchsorted(in_key, np.arange(n_pairs + 1))
    p_cx = x[p_disk] - ox[p_unit]
    p_cy = y[p_disk] - oy[p_unit]
    p_r = r[p_disk]

    def boundary_area(bk, ba, bb_):
        """Integral along the arcs (keyed by disk, sorted) inside each pair's unit, per pair."""
        arc_start = np.searchsorted(bk, np.arange(n + 1))
        return kernels.pair_arc_sums(
            arc_start, ba, bb_, p_disk, in_start, in_a, in_b, p_cx, p_cy, p_r
        )

    def edge_area(key_edge, ta_, tb_, slot, n_slots):
        """Sum per slot of the edge pieces ``[ta, tb]`` (keyed by edge)."""
        u = e_unit[key_edge]
        return kernels.edge_piece_sums(
            key_edge, ta_, tb_, slot, ex0, ey0, ex1, ey1, ox[u], oy[u], n_slots
        )

    # --- any: arcs of unique disks not covered by any other unique disk
    if want_any:
        uk, ua, ub = uncovered(False, dup_any)
        total = _sum_by(p_unit, boundary_area(uk, ua, ub), n_units)
        k, a, b = edge_union
        total += edge_area(k, a, b, e_unit[k], n_units)
        area_any = total / 2

    need_groups = (want_groups or want_all) and groups > 0
    if need_groups:
        own_k, own_a, own_b = uncovered(True, dup_group)

    if want_groups and groups > 0:
        slots = n_units * groups
        total = _sum_by(p_unit * groups + group[p_disk], boundary_area(own_k, own_a, own_b), slots)
        total += edge_area(ge, ga, gb, e_unit[ge] * groups + gg, slots)
        per_group = total.reshape(n_units, groups) / 2

    if want_all and groups > 0:
        if groups == 1:
            total = _sum_by(p_unit, boundary_area(own_k, own_a, own_b), n_units)
            total += edge_area(ge, ga, gb, e_unit[ge], n_units)
            area_all = total / 2
        else:
            # Arcs of ∂U_g inside every other group's union: only the circles
            # with arcs on ∂U_g (own_k, sorted) matter; a few thousand at a
            # time, so that memory does not grow with the pairs of disks.
            parts = []
            circles = np.unique(own_k)
            for chunk in np.array_split(circles, max(1, -(-len(circles) // ALL_CHUNK))):
                if not len(chunk):
                    continue
                k3, a3, b3 = covered_by_others(chunk)
                lo = np.searchsorted(own_k, chunk[0], side="left")
                hi = np.searchsorted(own_k, chunk[-1], side="right")
                parts.append(
                    kernels.intersect_sorted(own_k[lo:hi], own_a[lo:hi], own_b[lo:hi], k3, a3, b3)
                )
            # (the chunks follow each other in circle order: still sorted)
            bk, ba, bb2 = (
                (np.concatenate([p[c] for p in parts]) for c in range(3))
                if parts
                else (_EMPTY_I, _EMPTY_F, _EMPTY_F)
            )
            total = _sum_by(p_unit, boundary_area(bk, ba, bb2), n_units)
            # Edge pieces covered by every group (each edge's pieces contiguous).
            ek, ea, eb = kernels.count_at_least(ge, ga, gb, groups)
            total += edge_area(ek, ea, eb, e_unit[ek], n_units)
            area_all = total / 2
    return per_group, area_any, area_all


def _twins(x0, y0, x1, y1) -> np.ndarray:
    """Pair each edge with the other unit's copy of it (same end points, reversed).

    Returns ``twin`` for :func:`ict_gis.engines._kernels.edge_disk_intervals`:
    the copy's index at the first edge of a pair, -2 at the copy, -1 where
    an edge has no (single) reversed copy.
    """
    twin = np.full(len(x0), -1, dtype=np.int64)
    if len(x0) < 2:
        return twin
    fwd = (x0 < x1) | ((x0 == x1) & (y0 < y1))
    ax, ay = np.where(fwd, x0, x1), np.where(fwd, y0, y1)
    bx, by = np.where(fwd, x1, x0), np.where(fwd, y1, y0)
    order = np.lexsort((by, bx, ay, ax))
    key = np.column_stack([ax, ay, bx, by])[order]
    same = (key[1:] == key[:-1]).all(axis=1)
    # exactly two copies (not three or more), in opposite directions
    alone_before = np.concatenate([[True], ~same[:-1]])
    alone_after = np.concatenate([~same[1:], [True]])
    k = np.flatnonzero(same & alone_before & alone_after)
    first, second = order[k], order[k + 1]
    opposite = fwd[first] != fwd[second]
    first, second = first[opposite], second[opposite]
    twin[first] = second
    twin[second] = -2
    return twin


def _edges_of(units: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return the units' oriented edges (:func:`_unit_edges`) and their twins (:func:`_twins`).

    Remembered for the last units asked about (not to be modified).
    """

    def compute() -> tuple[np.ndarray, ...]:
        e_unit, x0, y0, x1, y1 = _unit_edges(units)
        e_unit = np.ascontiguousarray(e_unit, dtype=np.int64)
        return e_unit, x0, y0, x1, y1, _twins(x0, y0, x1, y1)

    return _EDGES.get(digest(units, "arcs edges"), compute)


def _edges_in_threads(kernel, ex0, ey0, ex1, ey1, e_unit, twin, x, y, r, group, grid, *, threads):
    """Run the edge kernel on two halves of the edges in two threads (it releases the GIL).

    An edge shared by two units is measured once (see :func:`_twins`); the
    halves' outputs are joined one after the other (each edge's entries stay
    contiguous).
    """
    n = len(ex0)

    def run(lo: int, hi: int):
        return kernel(ex0, ey0, ex1, ey1, e_unit, twin, x, y, r, group, grid, lo, hi)

    if n < 10_000 or threads < 2:
        return run(0, n)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda h: run(*h), ((0, n // 2), (n // 2, n)))
    return tuple(np.concatenate([a, b]) for a, b in zip(first, second, strict=True))


def _duplicates(rows: np.ndarray) -> np.ndarray:
    """Flag each row equal to an earlier row."""
    if not len(rows):
        return np.zeros(0, dtype=bool)
    order = np.lexsort(rows.T[::-1])
    sorted_rows = rows[order]
    same = np.zeros(len(rows), dtype=bool)
    same[1:] = (sorted_rows[1:] == sorted_rows[:-1]).all(axis=1)
    out = np.zeros(len(rows), dtype=bool)
    out[order] = same
    return out


def _kernels():
    """Return the numba kernels module; numba is imported here."""
    from ict_gis.engines import _kernels

    return _kernels


def _grid(x: np.ndarray, y: np.ndarray, r: np.ndarray, max_cells: int = 1 << 20):
    """Square grid of the disk centres for the kernels (see ``_numba.uncovered_arcs``).

    Cells are half the largest radius wide (but fewer than ``max_cells``);
    a disk meets only disks whose centre is in the cells within its radius
    plus the largest radius.
    """
    rmax = float(r.max())
    gx, gy = float(x.min()), float(y.min())
    width = max(float(x.max()) - gx, 1.0)
    height = max(float(y.max()) - gy, 1.0)
    cell = max(0.5 * rmax, math.sqrt(width * height / max_cells), 1.0)
    nx = int(width // cell) + 1
    ny = int(height // cell) + 1
    cx = np.minimum(((x - gx) // cell).astype(np.int64), nx - 1)
    cy = np.minimum(((y - gy) // cell).astype(np.int64), ny - 1)
    cell_id = cy * nx + cx
    cell_disks = np.argsort(cell_id, kind="stable")
    cell_start = np.zeros(nx * ny + 1, dtype=np.int64)
    np.cumsum(np.bincount(cell_id, minlength=nx * ny), out=cell_start[1:])
    return gx, gy, cell, nx, ny, rmax, cell_start, cell_disks


def _sum_by(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Float sums of ``values`` per ``index`` in ``0 .. n - 1``."""
    return np.bincount(index, weights=values, minlength=n).astype(float)


class ArcsEngine:
    """Exact areas of circles from their arcs (see the module docstring)."""

    name = "arcs"
    mode = "exact"
    extra = FAST_EXTRA
    needs_polygons = False

    def available(self) -> bool:
        """Whether numba is installed."""
        return numba_installed()

    def supports(self, footprints: Footprints) -> bool:
        """Circles only."""
        return footprints.circles_only

    def areas(
        self,
        units: gpd.GeoSeries,
        footprints: Footprints,
        *,
        groups: bool = True,
        want_any: bool = True,
        want_all: bool = True,
        resolution_m: float = 200.0,
        workers: int | None = None,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Covered areas (m²) per unit (see :meth:`ict_gis.engines.Engine.areas`)."""
        if progress is not None:
            progress(0, 1)
        geoms = np.asarray(units.values, dtype=object)
        valid = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
        safe = np.where(valid, geoms, shapely.Polygon())
        fp = footprints
        centre = pd.Index(units.index).get_indexer(pd.Index(fp.unit, dtype=object))
        per, a_any, a_all = disk_coverage_areas(
            safe,
            fp.x,
            fp.y,
            fp.radius,
            fp.group,
            len(fp.operators),
            unit_of_centre=centre,
            want_groups=groups,
            want_any=want_any,
            want_all=want_all,
            threads=workers or min(2, os.cpu_count() or 1),
        )
        if progress is not None:
            progress(1, 1)
        return areas_frame(units, fp.operators, per, a_any, a_all)
