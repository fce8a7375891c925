"""The compiled kernels of the exact mode of ``coverage`` (arcs of circles).

Imported only when numba is installed (``pip install 'ict_gis[fast]'``); the
numpy code in :mod:`ict_gis.metrics._disks`
computes the same, and the tests check that both agree. Only the entry
points are cached on disk; their helpers are inlined into them, so that a
cached entry point never links to a stale helper.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(inline="always", nogil=True)
def _fully_covered(la, lb, k):  # pragma: no cover - compiled
    """Whether the ``k`` intervals cover the whole circle."""
    order = np.argsort(la[:k])
    cursor = 0.0
    for q in range(k):
        a = la[order[q]]
        if a > cursor:
            return False
        b = lb[order[q]]
        if b > cursor:
            cursor = b
    return cursor >= 2.0 * math.pi


@numba.njit(inline="always", nogil=True)
def _gaps(la, lb, k, i, out_k, out_a, out_b, pos):  # pragma: no cover - compiled
    """Write the gaps in [0, 2π] between the ``k`` intervals; return the new position."""
    two_pi = 2.0 * math.pi
    if k == 0:
        out_k[pos] = i
        out_a[pos] = 0.0
        out_b[pos] = two_pi
        return pos + 1
    order = np.argsort(la[:k])
    cursor = 0.0
    for q in range(k):
        a = la[order[q]]
        b = lb[order[q]]
        if a > cursor:
            out_k[pos] = i
            out_a[pos] = cursor
            out_b[pos] = a
            pos += 1
        if b > cursor:
            cursor = b
    if cursor < two_pi:
        out_k[pos] = i
        out_a[pos] = cursor
        out_b[pos] = two_pi
        pos += 1
    return pos


@numba.njit(inline="always", nogil=True)
def _cell_range(lo, hi, origin, cell, n):  # pragma: no cover - compiled
    """First and last (exclusive) grid cells met by the interval ``[lo, hi]``."""
    c0 = int(math.floor((lo - origin) / cell))
    c1 = int(math.floor((hi - origin) / cell)) + 1
    c0 = min(max(c0, 0), n)
    c1 = min(max(c1, c0), n)
    return c0, c1


@numba.njit(cache=True, nogil=True)
def uncovered_arcs(x, y, r, group, active, same_group, grid, lo, hi):  # pragma: no cover - compiled
    """Arcs of each active circle not covered by another active disk (of its group).

    ``grid`` is ``(gx, gy, cell, nx, ny, rmax, cell_start, cell_disks)``: the
    disks sorted by the square grid cell holding their centre (CSR), so that
    the disks meeting circle ``i`` are found in the cells within
    ``r[i] + rmax`` of its centre. Only disks ``lo`` to ``hi - 1`` are done
    (so that threads can share the work). Returns ``(disk, start angle, end
    angle)`` arrays, sorted by disk then angle, angles in [0, 2π]. A circle
    is checked for full coverage after 8, 16, 32, ... intervals, so that
    circles deep inside a dense cluster stop early.
    """
    gx, gy, cell, nx, ny, rmax, cell_start, cell_disks = grid
    two_pi = 2.0 * math.pi
    la = np.empty(64)
    lb = np.empty(64)
    span = int(4.0 * rmax / cell) + 3
    ranges = np.empty((span * span, 2), dtype=np.int64)
    cap = hi - lo + 16
    out_k = np.empty(cap, dtype=np.int64)
    out_a = np.empty(cap)
    out_b = np.empty(cap)
    pos = 0
    for i in range(lo, hi):
        if not active[i]:
            continue
        k = 0
        full = False
        check = 8
        reach = r[i] + rmax
        c0, c1 = _cell_range(x[i] - reach, x[i] + reach, gx, cell, nx)
        r0, r1 = _cell_range(y[i] - reach, y[i] + reach, gy, cell, ny)
        # The cells in rings around the disk's own cell, nearest first: near
        # disks cover most, so covered circles stop sooner.
        cc = min(max(int((x[i] - gx) // cell), c0), c1 - 1)
        cr = min(max(int((y[i] - gy) // cell), r0), r1 - 1)
        rings = max(cr - r0, r1 - 1 - cr, cc - c0, c1 - 1 - cc)
        nr = 0
        for q in range(rings + 1):
            for row in range(max(r0, cr - q), min(r1, cr + q + 1)):
                if row == cr - q or row == cr + q:
                    a = max(c0, cc - q)
                    b = min(c1, cc + q + 1)
                    if b > a:
                        ranges[nr, 0] = cell_start[row * nx + a]
                        ranges[nr, 1] = cell_start[row * nx + b]
                        nr += 1
                else:
                    for col in (cc - q, cc + q):
                        if c0 <= col < c1:
                            ranges[nr, 0] = cell_start[row * nx + col]
                            ranges[nr, 1] = cell_start[row * nx + col + 1]
                            nr += 1
        for g in range(nr):
            if full:
                break
            for p in range(ranges[g, 0], ranges[g, 1]):
                j = cell_disks[p]
                if j == i or not active[j]:
                    continue
                if same_group and group[j] != group[i]:
                    continue
                dx = x[j] - x[i]
                dy = y[j] - y[i]
                d = math.hypot(dx, dy)
                if d + r[i] <= r[j]:
                    full = True
                    break
                if d >= r[i] + r[j] or d + r[j] <= r[i] or d == 0.0:
                    continue
                cos_a = (r[i] * r[i] + d * d - r[j] * r[j]) / (2.0 * r[i] * d)
                cos_a = min(1.0, max(-1.0, cos_a))
                half = math.acos(cos_a)
                start = (math.atan2(dy, dx) - half) % two_pi
                end = start + 2.0 * half
                if k + 2 > la.shape[0]:
                    grown_a = np.empty(2 * la.shape[0])
                    grown_b = np.empty(2 * la.shape[0])
                    grown_a[:k] = la[:k]
                    grown_b[:k] = lb[:k]
                    la, lb = grown_a, grown_b
                if end > two_pi:
                    la[k] = start
                    lb[k] = two_pi
                    la[k + 1] = 0.0
                    lb[k + 1] = end - two_pi
                    k += 2
                else:
                    la[k] = start
                    lb[k] = end
                    k += 1
                if k >= check:
                    if _fully_covered(la, lb, k):
                        full = True
                        break
                    check *= 2
        if full:
            continue
        if pos + k + 1 > cap:
            cap = 2 * (pos + k + 1)
            grown_k = np.empty(cap, dtype=np.int64)
            grown_oa = np.empty(cap)
            grown_ob = np.empty(cap)
            grown_k[:pos] = out_k[:pos]
            grown_oa[:pos] = out_a[:pos]
            grown_ob[:pos] = out_b[:pos]
            out_k, out_a, out_b = grown_k, grown_oa, grown_ob
        pos = _gaps(la, lb, k, i, out_k, out_a, out_b, pos)
    return out_k[:pos].copy(), out_a[:pos].copy(), out_b[:pos].copy()


@numba.njit(inline="always", nogil=True)
def _grown(values, used):  # pragma: no cover - compiled
    """Return a copy of ``values`` with twice the room, keeping its first ``used`` entries."""
    grown = np.empty(2 * values.shape[0], dtype=values.dtype)
    grown[:used] = values[:used]
    return grown


@numba.njit(cache=True, nogil=True)
def edge_disk_intervals(ex0, ey0, ex1, ey1, x, y, r, grid):  # pragma: no cover - compiled
    """Find the pieces of each edge inside each disk, the crossings, and their union per edge.

    An edge is ``p(t) = (ex0, ey0) + t (ex1 - ex0, ey1 - ey0)``, ``0 <= t <= 1``;
    candidate disks come from the grid (``grid`` as for
    :func:`uncovered_arcs`). Returns, in this order:

    - ``pair_edge, pair_disk, pair_a, pair_b``: the ``t`` interval of each
      edge inside each disk it enters (sorted by edge);
    - ``cross_edge, cross_disk, cross_t``: where a circle crosses an edge
      (``0 < t < 1``);
    - ``union_edge, union_a, union_b``: per edge, the union of its intervals
      (overlapping or touching intervals merged), sorted by edge then ``t``.

    The same as the numpy code of :func:`ict_gis.metrics._disks.disk_coverage_areas`.
    """
    gx, gy, cell, nx, ny, rmax, cell_start, cell_disks = grid
    n_edges = ex0.shape[0]
    cap = 4 * n_edges + 16
    pe = np.empty(cap, dtype=np.int64)
    pd_ = np.empty(cap, dtype=np.int64)
    pa = np.empty(cap)
    pb = np.empty(cap)
    ce = np.empty(2 * n_edges + 16, dtype=np.int64)
    cd = np.empty(2 * n_edges + 16, dtype=np.int64)
    ct = np.empty(2 * n_edges + 16)
    ue = np.empty(n_edges + 16, dtype=np.int64)
    ua = np.empty(n_edges + 16)
    ub = np.empty(n_edges + 16)
    np_ = 0
    nc = 0
    nu = 0
    for e in range(n_edges):
        minx = min(ex0[e], ex1[e])
        maxx = max(ex0[e], ex1[e])
        miny = min(ey0[e], ey1[e])
        maxy = max(ey0[e], ey1[e])
        vx = ex1[e] - ex0[e]
        vy = ey1[e] - ey0[e]
        aa = vx * vx + vy * vy
        first = np_
        c0, c1 = _cell_range(minx - rmax, maxx + rmax, gx, cell, nx)
        r0, r1 = _cell_range(miny - rmax, maxy + rmax, gy, cell, ny)
        for row in range(r0, r1):
            for p in range(cell_start[row * nx + c0], cell_start[row * nx + c1]):
                j = cell_disks[p]
                if (
                    x[j] - r[j] > maxx
                    or x[j] + r[j] < minx
                    or y[j] - r[j] > maxy
                    or y[j] + r[j] < miny
                ):
                    continue
                wx = ex0[e] - x[j]
                wy = ey0[e] - y[j]
                bb = wx * vx + wy * vy
                cc = wx * wx + wy * wy - r[j] * r[j]
                disc = bb * bb - aa * cc
                if not disc > 0:
                    continue
                root = math.sqrt(disc)
                t1 = (-bb - root) / aa
                t2 = (-bb + root) / aa
                ta = min(max(t1, 0.0), 1.0)
                tb = min(max(t2, 0.0), 1.0)
                if not tb > ta:
                    continue
                if np_ == pe.shape[0]:
                    pe, pd_ = _grown(pe, np_), _grown(pd_, np_)
                    pa, pb = _grown(pa, np_), _grown(pb, np_)
                pe[np_] = e
                pd_[np_] = j
                pa[np_] = ta
                pb[np_] = tb
                np_ += 1
                for t in (t1, t2):
                    if 0.0 < t < 1.0:
                        if nc == ce.shape[0]:
                            ce, cd, ct = _grown(ce, nc), _grown(cd, nc), _grown(ct, nc)
                        ce[nc] = e
                        cd[nc] = j
                        ct[nc] = t
                        nc += 1
        if np_ == first:
            continue
        # Union of this edge's intervals: sort them by start, then sweep.
        order = np.argsort(pa[first:np_])
        cur_a = pa[first + order[0]]
        cur_b = pb[first + order[0]]
        for q in range(1, order.shape[0]):
            a = pa[first + order[q]]
            b = pb[first + order[q]]
            if a > cur_b:
                if nu == ue.shape[0]:
                    ue, ua, ub = _grown(ue, nu), _grown(ua, nu), _grown(ub, nu)
                ue[nu] = e
                ua[nu] = cur_a
                ub[nu] = cur_b
                nu += 1
                cur_a = a
                cur_b = b
            elif b > cur_b:
                cur_b = b
        if nu == ue.shape[0]:
            ue, ua, ub = _grown(ue, nu), _grown(ua, nu), _grown(ub, nu)
        ue[nu] = e
        ua[nu] = cur_a
        ub[nu] = cur_b
        nu += 1
    return (
        pe[:np_].copy(),
        pd_[:np_].copy(),
        pa[:np_].copy(),
        pb[:np_].copy(),
        ce[:nc].copy(),
        cd[:nc].copy(),
        ct[:nc].copy(),
        ue[:nu].copy(),
        ua[:nu].copy(),
        ub[:nu].copy(),
    )
