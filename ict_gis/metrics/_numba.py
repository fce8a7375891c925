"""The compiled kernels of ``coverage``: raster cells (fast mode) and arcs (exact mode).

Imported only when numba is installed (``pip install 'ict_gis[fast]'``); the
numpy code in :mod:`ict_gis.metrics.coverage` and :mod:`ict_gis.metrics._disks`
computes the same, and the tests check that both agree. Only the two entry
points are cached on disk; their helpers are inlined into them, so that a
cached entry point never links to a stale helper.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(inline="always", nogil=True)
def _inside(edges, x0, y0, res, nx, ny):  # pragma: no cover - compiled
    """Cells whose centre is inside the rings (even-odd scan-line fill)."""
    inside = np.zeros((ny, nx), dtype=np.bool_)
    n_edges = edges.shape[0]
    xs = np.empty(n_edges)
    for row in range(ny):
        y = y0 + (row + 0.5) * res
        k = 0
        for e in range(n_edges):
            ya = edges[e, 1]
            yb = edges[e, 3]
            if (ya <= y and yb > y) or (yb <= y and ya > y):
                t = (y - ya) / (yb - ya)
                xs[k] = edges[e, 0] + t * (edges[e, 2] - edges[e, 0])
                k += 1
        if k < 2:
            continue
        crossings = np.sort(xs[:k])
        for j in range(0, k - 1, 2):
            c0 = int(math.ceil((crossings[j] - x0) / res - 0.5))
            c1 = int(math.ceil((crossings[j + 1] - x0) / res - 0.5))
            if c0 < 0:
                c0 = 0
            if c1 > nx:
                c1 = nx
            for c in range(c0, c1):
                inside[row, c] = not inside[row, c]
    return inside


@numba.njit(cache=True, nogil=True)
def raster_counts(
    edges, x0, y0, res, nx, ny, cx, cy, radius, azimuth, half_beam, group, groups
):  # pragma: no cover - compiled
    """Count the unit's cells per bit pattern of the operator groups covering them.

    Returns an array of length ``2**groups``: entry ``p`` is the number of
    cells inside the unit covered by exactly the groups whose bits are set in
    ``p`` (entry 0: inside, not covered).
    """
    inside = _inside(edges, x0, y0, res, nx, ny)
    mask = np.zeros((ny, nx), dtype=np.int64)
    for k in range(cx.shape[0]):
        r = radius[k]
        bit = np.int64(1) << group[k]
        r0 = max(0, int(math.floor((cy[k] - r - y0) / res - 0.5)))
        r1 = min(ny, int(math.ceil((cy[k] + r - y0) / res + 0.5)))
        sector = not math.isnan(azimuth[k])
        for row in range(r0, r1):
            dy = y0 + (row + 0.5) * res - cy[k]
            rem = r * r - dy * dy
            if rem < 0:
                continue
            half = math.sqrt(rem)
            # Columns whose centre x satisfies |x - cx| <= half.
            c0 = int(math.ceil((cx[k] - half - x0) / res - 0.5))
            c1 = int(math.floor((cx[k] + half - x0) / res - 0.5)) + 1
            if c0 < 0:
                c0 = 0
            if c1 > nx:
                c1 = nx
            if not sector:
                for c in range(c0, c1):
                    mask[row, c] |= bit
            else:
                for c in range(c0, c1):
                    dx = x0 + (c + 0.5) * res - cx[k]
                    bearing = math.degrees(math.atan2(dx, dy))
                    diff = abs((bearing - azimuth[k] + 180.0) % 360.0 - 180.0)
                    if diff <= half_beam[k]:
                        mask[row, c] |= bit
    counts = np.zeros(np.int64(1) << groups, dtype=np.int64)
    for row in range(ny):
        for c in range(nx):
            if inside[row, c]:
                counts[mask[row, c]] += 1
    return counts


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


@numba.njit(cache=True, nogil=True)
def uncovered_arcs(
    starts, neighbours, x, y, r, group, active, same_group, lo, hi
):  # pragma: no cover
    """Arcs of each active circle not covered by another active disk (of its group).

    ``starts``/``neighbours`` list, for each disk, the disks whose bounding
    boxes meet its own (CSR); only disks ``lo`` to ``hi - 1`` are done (so
    that threads can share the work). Returns ``(disk, start angle, end angle)``
    arrays, sorted by disk then angle, angles in [0, 2π]. A circle is checked
    for full coverage after 8, 16, 32, ... intervals, so that circles deep
    inside a dense cluster stop early.
    """
    two_pi = 2.0 * math.pi
    max_deg = 0
    for i in range(lo, hi):
        max_deg = max(max_deg, starts[i + 1] - starts[i])
    la = np.empty(2 * max_deg + 2)
    lb = np.empty(2 * max_deg + 2)
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
        for p in range(starts[i], starts[i + 1]):
            j = neighbours[p]
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
            grown_a = np.empty(cap)
            grown_b = np.empty(cap)
            grown_k[:pos] = out_k[:pos]
            grown_a[:pos] = out_a[:pos]
            grown_b[:pos] = out_b[:pos]
            out_k, out_a, out_b = grown_k, grown_a, grown_b
        pos = _gaps(la, lb, k, i, out_k, out_a, out_b, pos)
    return out_k[:pos].copy(), out_a[:pos].copy(), out_b[:pos].copy()
