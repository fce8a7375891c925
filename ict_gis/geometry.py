"""Geometric helpers shared by validation, admin units and the metrics.

Only array code (numpy and shapely 2): nothing here knows about layers.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["polygon_positions"]


def polygon_positions(x: np.ndarray, y: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Return the position of the polygon containing each point, or -1.

    A point on the boundary of a polygon counts as inside it; on an edge
    shared by several polygons it gets the first of them. Points with a NaN
    coordinate get -1; ``None`` or empty polygons contain no point.

    The points are sorted along the longer side of their extent, and each
    polygon tests only the points in its slab of that sort, prepared once:
    for 100,000 points in 700 polygons this is several times quicker than an
    STRtree query (which also needs a shapely point per coordinate pair).

    Parameters
    ----------
    x, y
        Coordinates, in the CRS of ``polygons``.
    polygons
        Array of shapely (Multi)Polygons (or ``None``).

    Returns
    -------
    numpy.ndarray
        int64 positions into ``polygons``, -1 for points in none of them.

    Examples
    --------
    >>> squares = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    >>> polygon_positions(np.array([0.5, 1.0, 1.5, 3.0]), np.array([0.5] * 4), squares)
    array([ 0,  0,  1, -1])
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    out = np.full(len(x), -1, dtype=np.int64)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if not len(ok) or not len(polygons):
        return out
    along, across = (x, y) if np.ptp(x[ok]) >= np.ptp(y[ok]) else (y, x)
    order = ok[np.argsort(along[ok], kind="stable")]
    key = along[order]
    bounds = shapely.bounds(polygons)
    if along is y:
        bounds = bounds[:, [1, 0, 3, 2]]
    lo = np.searchsorted(key, bounds[:, 0], side="left")
    hi = np.searchsorted(key, bounds[:, 2], side="right")
    for u in range(len(polygons)):
        geom = polygons[u]
        if hi[u] <= lo[u] or geom is None or geom.is_empty:
            continue
        cand = order[lo[u] : hi[u]]
        a = across[cand]
        cand = cand[(a >= bounds[u, 1]) & (a <= bounds[u, 3]) & (out[cand] < 0)]
        if not len(cand):
            continue
        # Prepared for the test only: the caller's geometry is left as it was
        # (a prepared polygon makes later overlays of it slower).
        was_prepared = shapely.is_prepared(geom)
        shapely.prepare(geom)
        hit = shapely.intersects_xy(geom, x[cand], y[cand])
        if not was_prepared:
            shapely.destroy_prepared(geom)
        out[cand[hit]] = u
    return out
