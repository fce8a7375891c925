"""The numba kernels of the accelerated engines: arcs of circles, scan lines.

Imported only when one of the engines :mod:`ict_gis.engines.arcs` and
:mod:`ict_gis.engines.scanlines` runs (numba is the ``fast`` extra,
``pip install 'ict_gis[fast]'``). Ordinary JIT: each entry point is compiled
once for the argument types it is called with (always float64 and int64
arrays) and kept in numba's cache (``cache=True``, numba's own cache
location rules), so later runs load it instead of compiling. Only the entry
points are cached; their helpers are inlined into them, so that a cached
entry point never links to a stale helper. The tests hold the engines to the
``polygons`` engine.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(inline="always", nogil=True)
def _fully_covered(la, lb, k):  # pragma: no cover - compiled
    """Whether the ``k`` intervals cover the whole circle (sorts them by start, in place)."""
    _sort_pairs(la, lb, k)
    cursor = 0.0
    for q in range(k):
        if la[q] > cursor:
            return False
        if lb[q] > cursor:
            cursor = lb[q]
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
    _sort_pairs(la, lb, k)
    cursor = 0.0
    for q in range(k):
        a = la[q]
        b = lb[q]
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
                d2 = dx * dx + dy * dy
                if d2 >= (r[i] + r[j]) * (r[i] + r[j]):
                    continue  # apart (without a square root)
                d = math.sqrt(d2)
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


@numba.njit(inline="always", nogil=True)
def _merged(e, la, lb, key, by_key, order, m, out_e, out_k, out_a, out_b, n):  # pragma: no cover
    """Append edge ``e``'s ``m`` intervals merged (per key when ``by_key``, else all as key 0).

    ``order`` lists the intervals sorted by start (by key, then start, when
    ``by_key``).
    """
    i = order[0]
    cur_k, cur_a, cur_b = key[i] if by_key else 0, la[i], lb[i]
    for q in range(1, m + 1):
        if q < m:
            i = order[q]
            if (not by_key or key[i] == cur_k) and la[i] <= cur_b:
                cur_b = max(cur_b, lb[i])
                continue
        if n == out_e.shape[0]:
            out_e, out_k = _grown(out_e, n), _grown(out_k, n)
            out_a, out_b = _grown(out_a, n), _grown(out_b, n)
        out_e[n], out_k[n], out_a[n], out_b[n] = e, cur_k, cur_a, cur_b
        n += 1
        if q < m:
            cur_k, cur_a, cur_b = key[i] if by_key else 0, la[i], lb[i]
    return out_e, out_k, out_a, out_b, n


@numba.njit(cache=True, nogil=True)
def edge_disk_intervals(
    ex0, ey0, ex1, ey1, edge_unit, twin, x, y, r, group, grid, lo, hi
):  # pragma: no cover - compiled
    """Find where the disks cover each edge, where circles cross it, and which units they reach.

    An edge is ``p(t) = (ex0, ey0) + t (ex1 - ex0, ey1 - ey0)``, ``0 <= t <= 1``,
    of unit ``edge_unit``; candidate disks come from the grid (``grid`` as for
    :func:`uncovered_arcs`). Only edges ``lo`` to ``hi - 1`` are done (so
    that threads can share the work). An edge shared by two units is
    measured once: ``twin[e]`` is the other unit's copy of edge ``e`` (the
    same end points, reversed), done with ``e`` (its ``t`` is ``1 - t``);
    -2 marks such a copy (skipped in its turn), -1 an edge without one.
    Each edge's entries are contiguous in each output. Returns, in this order:

    - ``pair_unit, pair_disk``: each disk entering an edge of a unit, once
      per run of that unit's edges (the caller makes them unique);
    - ``cross_edge, cross_disk, cross_t``: where a circle crosses an edge
      (``0 < t < 1``);
    - ``union_edge, union_a, union_b``: per edge, the union of the ``t``
      intervals inside the disks (overlapping or touching ones merged);
    - ``group_edge, group_id, group_a, group_b``: the same per edge and
      operator group.

    Nothing grows with the number of (edge, disk) pairs: intervals are merged
    edge by edge. Used by :func:`ict_gis.engines.arcs.disk_coverage_areas`.
    """
    gx, gy, cell, nx, ny, rmax, cell_start, cell_disks = grid
    la = np.empty(64)
    lb = np.empty(64)
    lg = np.empty(64, dtype=np.int64)
    by_group = np.empty(64, dtype=np.int64)
    n_groups = 0
    for j in range(group.shape[0]):
        n_groups = max(n_groups, group[j] + 1)
    first = np.zeros(n_groups + 1, dtype=np.int64)
    last_unit = np.full(x.shape[0], -1, dtype=np.int64)
    last_twin = np.full(x.shape[0], -1, dtype=np.int64)
    n_edges = max(hi - lo, 0)
    pu = np.empty(n_edges + 16, dtype=np.int64)
    pd_ = np.empty(n_edges + 16, dtype=np.int64)
    ce = np.empty(2 * n_edges + 16, dtype=np.int64)
    cd = np.empty(2 * n_edges + 16, dtype=np.int64)
    ct = np.empty(2 * n_edges + 16)
    ue = np.empty(n_edges + 16, dtype=np.int64)
    uk = np.empty(n_edges + 16, dtype=np.int64)
    ua = np.empty(n_edges + 16)
    ub = np.empty(n_edges + 16)
    ge = np.empty(2 * n_edges + 16, dtype=np.int64)
    gg = np.empty(2 * n_edges + 16, dtype=np.int64)
    ga = np.empty(2 * n_edges + 16)
    gb = np.empty(2 * n_edges + 16)
    npair = 0
    nc = 0
    nu = 0
    ng = 0
    for e in range(lo, hi):
        e2 = twin[e]
        if e2 == -2:
            continue
        minx = min(ex0[e], ex1[e])
        maxx = max(ex0[e], ex1[e])
        miny = min(ey0[e], ey1[e])
        maxy = max(ey0[e], ey1[e])
        vx = ex1[e] - ex0[e]
        vy = ey1[e] - ey0[e]
        aa = vx * vx + vy * vy
        m = 0
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
                if m == la.shape[0]:
                    la, lb, lg = _grown(la, m), _grown(lb, m), _grown(lg, m)
                    by_group = np.empty(la.shape[0], dtype=np.int64)
                la[m], lb[m], lg[m] = ta, tb, group[j]
                m += 1
                if last_unit[j] != edge_unit[e]:
                    last_unit[j] = edge_unit[e]
                    if npair == pu.shape[0]:
                        pu, pd_ = _grown(pu, npair), _grown(pd_, npair)
                    pu[npair], pd_[npair] = edge_unit[e], j
                    npair += 1
                if e2 >= 0 and last_twin[j] != edge_unit[e2]:
                    last_twin[j] = edge_unit[e2]
                    if npair == pu.shape[0]:
                        pu, pd_ = _grown(pu, npair), _grown(pd_, npair)
                    pu[npair], pd_[npair] = edge_unit[e2], j
                    npair += 1
                for t in (t1, t2):
                    if 0.0 < t < 1.0:
                        for copy in range(2 if e2 >= 0 else 1):
                            if nc == ce.shape[0]:
                                ce, cd, ct = _grown(ce, nc), _grown(cd, nc), _grown(ct, nc)
                            ce[nc] = e if copy == 0 else e2
                            cd[nc] = j
                            ct[nc] = t if copy == 0 else 1.0 - t
                            nc += 1
        if m == 0:
            continue
        nu0 = nu
        ng0 = ng
        # One sort by t; the groups' order from it by counting (stable).
        order = np.argsort(la[:m])
        ue, uk, ua, ub, nu = _merged(e, la, lb, lg, False, order, m, ue, uk, ua, ub, nu)
        first[:] = 0
        for q in range(m):
            first[lg[q] + 1] += 1
        for g in range(n_groups):
            first[g + 1] += first[g]
        for q in range(m):
            i = order[q]
            by_group[first[lg[i]]] = i
            first[lg[i]] += 1
        ge, gg, ga, gb, ng = _merged(e, la, lb, lg, True, by_group, m, ge, gg, ga, gb, ng)
        if e2 >= 0:  # the twin: the same pieces, t reversed
            for q in range(nu - 1, nu0 - 1, -1):
                if nu == ue.shape[0]:
                    ue, uk = _grown(ue, nu), _grown(uk, nu)
                    ua, ub = _grown(ua, nu), _grown(ub, nu)
                ue[nu], uk[nu], ua[nu], ub[nu] = e2, uk[q], 1.0 - ub[q], 1.0 - ua[q]
                nu += 1
            for q in range(ng0, ng):
                if ng == ge.shape[0]:
                    ge, gg = _grown(ge, ng), _grown(gg, ng)
                    ga, gb = _grown(ga, ng), _grown(gb, ng)
                ge[ng], gg[ng], ga[ng], gb[ng] = e2, gg[q], 1.0 - gb[q], 1.0 - ga[q]
                ng += 1
    return (
        pu[:npair].copy(),
        pd_[:npair].copy(),
        ce[:nc].copy(),
        cd[:nc].copy(),
        ct[:nc].copy(),
        ue[:nu].copy(),
        ua[:nu].copy(),
        ub[:nu].copy(),
        ge[:ng].copy(),
        gg[:ng].copy(),
        ga[:ng].copy(),
        gb[:ng].copy(),
    )


@numba.njit(cache=True, nogil=True)
def intersect_sorted(k1, a1, b1, k2, a2, b2):  # pragma: no cover - compiled
    """Intersection of two sets of intervals, key by key, in one pass.

    Each set is sorted by key, then start, its intervals of a key disjoint
    (they may touch). Returns ``(key, start, end)`` of the non-empty
    overlaps, sorted the same way.
    """
    n1 = k1.shape[0]
    n2 = k2.shape[0]
    cap = n1 + n2 + 1
    out_k = np.empty(cap, dtype=np.int64)
    out_a = np.empty(cap)
    out_b = np.empty(cap)
    i = 0
    j = 0
    n = 0
    while i < n1 and j < n2:
        if k1[i] < k2[j]:
            i += 1
        elif k1[i] > k2[j]:
            j += 1
        else:
            lo = max(a1[i], a2[j])
            hi = min(b1[i], b2[j])
            if hi > lo:
                out_k[n], out_a[n], out_b[n] = k1[i], lo, hi
                n += 1
            if b1[i] < b2[j]:
                i += 1
            else:
                j += 1
    return out_k[:n].copy(), out_a[:n].copy(), out_b[:n].copy()


@numba.njit(cache=True, nogil=True)
def count_at_least(key, a, b, need):  # pragma: no cover - compiled
    """Where at least ``need`` of the intervals of a key overlap.

    The intervals of a key are contiguous (sorted by key, or each edge's
    run), in any order within the run. At a tie an interval's end comes
    before another's start, so touching intervals do not overlap. Returns
    ``(key, start, end)`` of the non-empty pieces, in the keys' order, then
    by start (pieces may touch end to start).
    """
    n = key.shape[0]
    out_k = np.empty(2 * n + 1, dtype=np.int64)
    out_a = np.empty(2 * n + 1)
    out_b = np.empty(2 * n + 1)
    pos = np.empty(2 * n)
    step = np.empty(2 * n, dtype=np.int64)
    m = 0
    s = 0
    while s < n:
        e = s
        while e < n and key[e] == key[s]:
            e += 1
        c = e - s
        for q in range(c):  # the ends first: a stable sort keeps them first at a tie
            pos[q] = b[s + q]
            step[q] = -1
            pos[c + q] = a[s + q]
            step[c + q] = 1
        order = np.argsort(pos[: 2 * c], kind="mergesort")
        count = 0
        for q in range(2 * c - 1):
            count += step[order[q]]
            if count >= need:
                lo = pos[order[q]]
                hi = pos[order[q + 1]]
                if hi > lo:
                    out_k[m], out_a[m], out_b[m] = key[s], lo, hi
                    m += 1
        s = e
    return out_k[:m].copy(), out_a[:m].copy(), out_b[:m].copy()


@numba.njit(cache=True, nogil=True)
def pair_arc_sums(
    arc_start, arc_a, arc_b, pair_disk, in_start, in_a, in_b, cx, cy, r
):  # pragma: no cover - compiled
    """Integral of ``x dy - y dx`` along each (unit, disk) pair's arcs inside its unit.

    The arcs of disk ``d`` are ``arc_a[k] .. arc_b[k]`` for ``arc_start[d]
    <= k < arc_start[d + 1]``; the angles of pair ``p``'s circle inside its
    unit are ``in_a[k] .. in_b[k]`` for ``in_start[p] <= k < in_start[p +
    1]`` (both sorted, disjoint). ``cx, cy, r``: the pair's circle, its
    centre relative to the unit's origin. Returns one sum per pair.
    """
    n_pairs = pair_disk.shape[0]
    out = np.zeros(n_pairs)
    for p in range(n_pairs):
        d = pair_disk[p]
        i = arc_start[d]
        i_end = arc_start[d + 1]
        j = in_start[p]
        j_end = in_start[p + 1]
        if i == i_end or j == j_end:
            continue
        rr = r[p]
        total = 0.0
        while i < i_end and j < j_end:
            lo = max(arc_a[i], in_a[j])
            hi = min(arc_b[i], in_b[j])
            if hi > lo:
                total += rr * rr * (hi - lo) + rr * (
                    cx[p] * (math.sin(hi) - math.sin(lo)) - cy[p] * (math.cos(hi) - math.cos(lo))
                )
            if arc_b[i] < in_b[j]:
                i += 1
            else:
                j += 1
        out[p] = total
    return out


@numba.njit(cache=True, nogil=True)
def edge_piece_sums(edge, ta, tb, slot, ex0, ey0, ex1, ey1, ox, oy, n_slots):  # pragma: no cover
    """Sum ``p.x q.y - q.x p.y`` of the edge pieces ``p(ta) .. p(tb)`` per slot.

    Edge ``edge[k]``'s piece goes to ``slot[k]``; the edge's points are
    taken relative to ``(ox[k], oy[k])`` (its unit's origin).
    """
    out = np.zeros(n_slots)
    for k in range(edge.shape[0]):
        e = edge[k]
        x0 = ex0[e] - ox[k]
        y0 = ey0[e] - oy[k]
        dx = ex1[e] - ex0[e]
        dy = ey1[e] - ey0[e]
        px = x0 + ta[k] * dx
        py = y0 + ta[k] * dy
        qx = x0 + tb[k] * dx
        qy = y0 + tb[k] * dy
        out[slot[k]] += px * qy - qx * py
    return out


# --------------------------------------------------------------------------- scan lines (fast mode)


@numba.njit(inline="always", nogil=True)
def _strip(t, r):  # pragma: no cover - compiled
    """Twice the area of the disk of radius ``r`` between heights 0 and ``t``."""
    if r <= 0.0:
        return 0.0
    t = min(max(t, -r), r)
    return t * math.sqrt(max(r * r - t * t, 0.0)) + r * r * math.asin(t / r)


@numba.njit(inline="always", nogil=True)
def _wedge_chord(cx, dy, r, azimuth, half_beam):  # pragma: no cover - compiled
    """Chord ``(a, b)`` of a wedge of at most 180° on the line ``dy`` above its apex."""
    chord = math.sqrt(max(r * r - dy * dy, 0.0))
    lo = cx - chord
    hi = cx + chord
    for side in range(2):
        bearing = azimuth - half_beam if side == 0 else azimuth + half_beam
        sign = 1.0 if side == 0 else -1.0
        ex = math.sin(math.radians(bearing))
        ey = math.cos(math.radians(bearing))
        if abs(ey) < 1e-12:
            if sign * -ex * dy < 0:
                hi = lo
        else:
            edge_x = cx + ex * dy / ey
            if sign * ey > 0:
                lo = max(lo, edge_x)
            else:
                hi = min(hi, edge_x)
    return lo, hi


@numba.njit(inline="always", nogil=True)
def _wedge_band_chord(cx, dy, r, azimuth, half_beam, step, sublines):  # pragma: no cover
    """Return a wedge's interval on a line: its mean chord over ``sublines`` sub-lines."""
    mean = 0.0
    middle = 0.0
    for q in range(sublines):
        sub_dy = dy + ((q + 0.5) / sublines - 0.5) * step
        a, b = _wedge_chord(cx, sub_dy, r, azimuth, half_beam)
        length = max(b - a, 0.0)
        mean += length / sublines
        if length > 0:
            middle += (a + b) / 2.0 * length
    middle = middle / (mean * sublines) if mean > 0 else cx
    return middle - mean / 2.0, middle + mean / 2.0


@numba.njit(inline="always", nogil=True)
def _put_chord(lo, hi, line, group, width, chords):  # pragma: no cover - compiled
    """Clip ``[lo, hi]`` to the lines' width and, unless empty, add it to line ``line``."""
    line_start, line_fill, out_lo, out_hi, out_grp = chords
    lo = min(max(lo, 0.0), width - 1.0)
    hi = min(max(hi, 0.0), width - 1.0)
    if hi > lo:
        at = line_start[line] + line_fill[line]
        out_lo[at] = lo
        out_hi[at] = hi
        out_grp[at] = group
        line_fill[line] += 1


@numba.njit(cache=True, nogil=True)
def scan_chords(
    x,
    y,
    radius,
    azimuth,
    half_beam,
    group,
    boxes,
    step,
    count,
    first,
    width,
    sublines,
    first_line,
    stop_line,
):  # pragma: no cover - compiled
    """Chords of each footprint on the scan lines of each family whose box its box meets.

    Band-mean widths (see :mod:`ict_gis.engines.scanlines`), a wedge's
    chords stretched to its exact area, clipped to the family's box. The footprints
    must be sorted by ``x``: then each line's chords come out nearly sorted
    (by their centres), which :func:`scan_cover` relies on to sort them
    quickly. Family ``f`` has the box ``boxes[f]`` (min x, min y, max x,
    max y) and ``count[f]`` lines ``step[f]`` apart, numbered from
    ``first[f]``. Only the chords on lines ``first_line`` to ``stop_line -
    1`` are made (so that threads can share the work: a circle's chords
    need nothing of its other lines, as its strips add up to its area
    exactly; a wedge's are stretched to its area over all its lines). Returns
    ``(line_start, line_fill, start, end, group)``:
    the chords of line ``L`` are at ``line_start[L]`` to ``line_start[L] +
    line_fill[L] - 1`` (line by line, so that :func:`scan_cover` reads them
    in order), their ends relative to the family's min x, and the
    footprint's group.
    """
    n = x.shape[0]
    rmax = 0.0
    for i in range(n):
        rmax = max(rmax, radius[i])
    # Pairs (family, footprint) whose boxes meet; per family in the order of x.
    cap = n + 16
    pair_fam = np.empty(cap, dtype=np.int64)
    pair_fp = np.empty(cap, dtype=np.int64)
    n_pairs = 0
    n_lines = 0
    for f in range(boxes.shape[0]):
        n_lines = max(n_lines, first[f] + count[f])
    line_start = np.zeros(n_lines + 1, dtype=np.int64)  # room per line, then its start
    longest = 1
    for f in range(boxes.shape[0]):
        i0 = np.searchsorted(x, boxes[f, 0] - rmax)
        i1 = np.searchsorted(x, boxes[f, 2] + rmax, side="right")
        for i in range(i0, i1):
            r = radius[i]
            if (
                x[i] - r > boxes[f, 2]
                or x[i] + r < boxes[f, 0]
                or y[i] - r > boxes[f, 3]
                or y[i] + r < boxes[f, 1]
            ):
                continue
            if n_pairs == pair_fam.shape[0]:
                pair_fam, pair_fp = _grown(pair_fam, n_pairs), _grown(pair_fp, n_pairs)
            pair_fam[n_pairs] = f
            pair_fp[n_pairs] = i
            n_pairs += 1
            j0 = int(math.floor((y[i] - r - boxes[f, 1]) / step[f]))
            j1 = int(math.ceil((y[i] + r - boxes[f, 1]) / step[f]))
            longest = max(longest, j1 - j0)
            j0 = min(max(j0, 0, first_line - first[f]), count[f], stop_line - first[f])
            j1 = min(max(j1, j0), count[f], stop_line - first[f])
            if j1 > j0:
                line_start[first[f] + j0] += 1
                line_start[first[f] + j1] -= 1
    room = 0
    for L in range(n_lines + 1):
        room += line_start[L]
        line_start[L] = room
    total = 0
    for L in range(n_lines + 1):
        room = line_start[L]
        line_start[L] = total
        total += room
    line_fill = np.zeros(n_lines, dtype=np.int64)
    chords = (line_start, line_fill, np.empty(total), np.empty(total), np.empty(total, np.int64))
    buf_lo = np.empty(longest)
    buf_hi = np.empty(longest)
    for p in range(n_pairs):
        f = pair_fam[p]
        i = pair_fp[p]
        r = radius[i]
        s = step[f]
        base = boxes[f, 1]
        # Every line whose band meets the footprint, also beyond the family's
        # box (for the area correction).
        j0 = int(math.floor((y[i] - r - base) / s))
        j1 = int(math.ceil((y[i] + r - base) / s))
        cx = x[i] - boxes[f, 0]
        lo_j = max(0, first_line - first[f])
        hi_j = min(count[f], stop_line - first[f])
        if math.isnan(azimuth[i]):
            # A circle: its band strips add up to its area, no correction.
            j = max(j0, lo_j)
            below = _strip(base + j * s - y[i], r)  # a band's top is the next one's bottom
            for j in range(max(j0, lo_j), min(j1, hi_j)):
                above = _strip(base + (j + 1) * s - y[i], r)
                half = (above - below) / s / 2.0
                below = above
                _put_chord(cx - half, cx + half, first[f] + j, group[i], width, chords)
            continue
        sampled = 0.0
        for k in range(j1 - j0):
            dy = base + (j0 + k + 0.5) * s - y[i]
            lo, hi = _wedge_band_chord(cx, dy, r, azimuth[i], half_beam[i], s, sublines)
            buf_lo[k] = lo
            buf_hi[k] = hi
            sampled += max(hi - lo, 0.0)
        sampled *= s
        exact = r * r * math.radians(half_beam[i])
        factor = exact / sampled if sampled > 0 else 1.0
        centre = int(math.floor((y[i] - base) / s))
        for k in range(j1 - j0):
            j = j0 + k
            if j < lo_j or j >= hi_j:
                continue
            middle = (buf_lo[k] + buf_hi[k]) / 2.0
            half = max(buf_hi[k] - buf_lo[k], 0.0) / 2.0 * factor
            if j == centre and not sampled > 0:
                half = exact / s / 2.0  # too small for any sub-line: all on one line
            _put_chord(middle - half, middle + half, first[f] + j, group[i], width, chords)
    return chords


@numba.njit(inline="always", nogil=True)
def _sort_pairs(values, ids, m):  # pragma: no cover - compiled
    """Sort ``values[:m]`` (and ``ids`` with them): insertion sort, fast when nearly sorted.

    The intervals of a circle are sorted again as more are found: the first
    ones are then already in order.

    Gives up on insertion (too many moves) for ``numpy.argsort``.
    """
    moves = 0
    for k in range(1, m):
        v = values[k]
        d = ids[k]
        q = k - 1
        while q >= 0 and values[q] > v:
            values[q + 1] = values[q]
            ids[q + 1] = ids[q]
            q -= 1
        values[q + 1] = v
        ids[q + 1] = d
        moves += k - 1 - q
        if moves > 32 * m:
            order = np.argsort(values[:m])
            values[:m] = values[:m][order]
            ids[:m] = ids[:m][order]
            return


@numba.njit(inline="always", nogil=True)
def _edge_lines(y0, y1, base, step, count):  # pragma: no cover - compiled
    """Return the lines ``j0 <= j < j1`` at ``base + (j + 0.5) * step`` in ``[min y, max y)``."""
    j0 = min(max(math.ceil((min(y0, y1) - base) / step - 0.5), 0), count)
    j1 = min(max(math.ceil((max(y0, y1) - base) / step - 0.5), 0), count)
    return j0, j1


@numba.njit(cache=True, nogil=True)
def scan_cover(
    line_start,
    line_fill,
    c_lo,
    c_hi,
    c_grp,
    ex0,
    ey0,
    ex1,
    ey1,
    edge_part,
    part_unit,
    part_family,
    fam_minx,
    fam_miny,
    fam_step,
    fam_count,
    fam_first,
    width,
    n_units,
    groups,
    want_groups,
    want_any,
    want_all,
    first_line,
    stop_line,
):  # pragma: no cover - compiled
    """Measure each unit's sampled and covered lengths on its scan lines, times their spacing.

    Chords ``(c_lo, c_hi, c_grp)``, line by line as :func:`scan_chords`
    returns them (``line_start``, ``line_fill``); the units' polygon parts
    as the edges of their rings (``ex0 .. ey1``, part ``edge_part``; part
    ``p`` belongs to unit ``part_unit[p]`` and to the family of lines
    ``part_family[p]``). Only lines ``first_line`` to ``stop_line - 1`` are
    done (so that threads can share the work).

    On each line, the crossings of the edges with it (an edge crosses the
    line at height ``y`` when ``min(y0, y1) <= y < max(y0, y1)``) switch their
    part in and out (even-odd rule: holes need nothing special). One sweep
    over the sorted crossings and chord ends keeps, per group, how many of
    its chords cover the current point (and since where), and which parts
    hold it; lengths are credited to the parts' units when a group stops
    covering or a part starts or stops. Returns ``(sampled, per_group
    (n_units, groups), any, all)``.
    """
    sampled = np.zeros(n_units)
    per_group = np.zeros((n_units, groups))
    cov_any = np.zeros(n_units)
    cov_all = np.zeros(n_units)
    n_lines = line_fill.shape[0]
    first_line = max(first_line, 0)
    stop_line = min(stop_line, n_lines)
    # The edges' crossings with the lines, line by line (counted, then placed).
    x_start = np.zeros(n_lines + 1, dtype=np.int64)
    for e in range(ex0.shape[0]):
        f = part_family[edge_part[e]]
        j0, j1 = _edge_lines(ey0[e], ey1[e], fam_miny[f], fam_step[f], fam_count[f])
        for j in range(max(j0, first_line - fam_first[f]), min(j1, stop_line - fam_first[f])):
            x_start[fam_first[f] + j + 1] += 1
    for L in range(n_lines):
        x_start[L + 1] += x_start[L]
    x_fill = np.zeros(n_lines, dtype=np.int64)
    x_pos = np.empty(x_start[n_lines])
    x_part = np.empty(x_start[n_lines], dtype=np.int64)
    for e in range(ex0.shape[0]):
        p = edge_part[e]
        f = part_family[p]
        base = fam_miny[f]
        s = fam_step[f]
        j0, j1 = _edge_lines(ey0[e], ey1[e], base, s, fam_count[f])
        for j in range(max(j0, first_line - fam_first[f]), min(j1, stop_line - fam_first[f])):
            L = fam_first[f] + j
            along = (base + (j + 0.5) * s - ey0[e]) / (ey1[e] - ey0[e])
            cross = ex0[e] + along * (ex1[e] - ex0[e]) - fam_minx[f]
            at = x_start[L] + x_fill[L]
            x_pos[at] = min(max(cross, 0.0), width - 1.0)
            x_part[at] = p
            x_fill[L] += 1
    widest = 1
    for L in range(first_line, stop_line):
        widest = max(widest, line_fill[L], x_fill[L])
    # The three sorted streams of a line: chord starts, chord ends, crossings.
    values = np.empty((3, widest))
    ids = np.empty((3, widest), dtype=np.int64)
    size = np.zeros(3, dtype=np.int64)
    head = np.zeros(3, dtype=np.int64)
    depth = np.zeros(max(groups, 1), dtype=np.int64)
    since = np.zeros(max(groups, 1))
    n_parts = part_unit.shape[0]
    slot = np.full(n_parts, -1, dtype=np.int64)  # position in `active`, -1 when out
    entered = np.zeros(n_parts)
    active = np.empty(max(n_parts, 1), dtype=np.int64)
    for L in range(first_line, stop_line):
        nx = x_fill[L]
        if nx == 0:
            continue
        nc = line_fill[L]
        w = fam_step[part_family[x_part[x_start[L]]]]
        for k in range(nc):
            c = line_start[L] + k
            values[0, k] = c_lo[c]
            ids[0, k] = c
            values[1, k] = c_hi[c]
            ids[1, k] = c
        for k in range(nx):
            values[2, k] = x_pos[x_start[L] + k]
            ids[2, k] = x_part[x_start[L] + k]
        size[0] = size[1] = nc
        size[2] = nx
        for stream in range(3):
            _sort_pairs(values[stream], ids[stream], size[stream])
        head[:] = 0
        depth[:] = 0
        n_active = 0
        covering = 0  # groups with at least one chord over the current point
        since_any = 0.0
        since_all = 0.0
        while True:
            # The next event: the smallest head (any order among equal values).
            stream = -1
            here = 0.0
            for t in range(3):
                if head[t] < size[t] and (stream < 0 or values[t, head[t]] < here):
                    stream = t
                    here = values[t, head[t]]
            if stream < 0:
                break
            item = ids[stream, head[stream]]
            head[stream] += 1
            if stream == 0:
                g = c_grp[item]
                if depth[g] == 0:
                    since[g] = here
                    if covering == 0:
                        since_any = here
                    covering += 1
                    if covering == groups:
                        since_all = here
                depth[g] += 1
            elif stream == 1:
                g = c_grp[item]
                depth[g] -= 1
                if depth[g] == 0:
                    for a in range(n_active):
                        u = part_unit[active[a]]
                        if want_groups:
                            per_group[u, g] += (here - since[g]) * w
                        if want_all and covering == groups:
                            cov_all[u] += (here - since_all) * w
                        if want_any and covering == 1:
                            cov_any[u] += (here - since_any) * w
                    covering -= 1
            else:
                # A part starts or stops: credit what is covered so far.
                if covering > 0:
                    for a in range(n_active):
                        u = part_unit[active[a]]
                        if want_any:
                            cov_any[u] += (here - since_any) * w
                        if want_all and covering == groups:
                            cov_all[u] += (here - since_all) * w
                        if want_groups:
                            for g in range(groups):
                                if depth[g] > 0:
                                    per_group[u, g] += (here - since[g]) * w
                    since_any = here
                    since_all = here
                    for g in range(groups):
                        since[g] = here
                if slot[item] < 0:
                    slot[item] = n_active
                    active[n_active] = item
                    n_active += 1
                    entered[item] = here
                else:
                    sampled[part_unit[item]] += (here - entered[item]) * w
                    last = active[n_active - 1]
                    active[slot[item]] = last
                    slot[last] = slot[item]
                    slot[item] = -1
                    n_active -= 1
        for a in range(n_active):  # (an odd number of crossings cannot happen on a ring)
            slot[active[a]] = -1
    return sampled, per_group, cov_any, cov_all
