"""The ``scanlines`` engine: covered areas measured along scan lines (mode ``fast``).

Each unit is cut by horizontal scan lines ``spacing`` metres apart. On a
line, the unit is a set of intervals (its edge crossings, even-odd rule),
exact; each circle or wedge is one interval centred on its chord and as long
as the footprint's mean width over the line's band (half a spacing each
side), found in closed form for circles, so that the lines of a lone
footprint add up to its exact area. What is sampled is where footprints
overlap and where they meet the unit's boundary; the sum over lines,
``length × spacing``, gives areas, and a unit's covered area is its exact
area times the covered share of its sampled length.

The spacing follows the footprints: at most ``resolution_m``, and in a unit
near a footprint of radius ``r`` at most about ``r / 8``
(:func:`line_spacing`), so that small circles (5G) are crossed by as many
lines as large ones: every unit with at least 0.5 km² covered is then
within 0.5 % of the exact area (``tests/test_engines.py``,
``benchmarks/``). Such a unit is measured a second time on its closer
lines only when it is not (nearly) all covered: where footprints cover
all of it, their edges inside it lie inside one another.

Lines come in families (see :class:`_Lines`) on grids fixed in the CRS, so
that a unit's lines do not depend on the other units (a partition of the
units gives the same figures): one family ``resolution_m`` apart for all
the polygon parts that are high enough and need no closer lines, and one
family over each other part (near smaller footprints, or too low for 20
lines), so that every part has enough lines. Two numba kernels
(:func:`~ict_gis.engines._kernels.scan_chords` and
:func:`~ict_gis.engines._kernels.scan_cover`) make the chords line by line,
then sweep each line over its chords and the units' edges, in two threads
(they release the GIL). Needs numba (``pip install 'ict_gis[fast]'``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ict_gis.engines import FAST_EXTRA, Footprints, Progress, areas_frame, numba_installed
from ict_gis.geometry import ring_edges

__all__ = ["LINES_PER_RADIUS", "MIN_SPACING_M", "ScanlinesEngine", "line_spacing", "scanline_areas"]

#: Fewest lines across a polygon part: lower parts get lines closer than ``spacing``.
MIN_LINES_PER_UNIT = 20
#: Lines per radius of the smallest footprint near a unit, at least (see :func:`line_spacing`).
LINES_PER_RADIUS = 8.0
#: Share of a unit covered above which its lines need not be closer.
FULL = 0.995
#: Closest spacing of the lines (m), whatever the radii.
MIN_SPACING_M = 10.0
#: Sub-lines per band that sample a wedge's width.
WEDGE_SUBLINES = 4


def line_spacing(radius: np.ndarray, resolution_m: float, *, each: bool = False):
    """Distance between scan lines (m) near footprints of these radii.

    ``resolution_m`` at most, and at most the smallest radius over
    :data:`LINES_PER_RADIUS`, rounded down to ``resolution_m × 2^(-k/4)``
    (so that few distinct spacings are used), but not below
    :data:`MIN_SPACING_M`: the sampling error where a footprint's edge
    crosses a unit's boundary or another footprint shrinks with the square
    of the spacing over its radius. With ``each``, one spacing per radius.

    Examples
    --------
    >>> line_spacing(np.array([2000.0, 4000.0]), 200.0), line_spacing(np.array([500.0]), 200.0)
    (200.0, 59.46035575013605)
    """
    radius = np.asarray(radius, dtype=float)
    if not each:
        radius = radius[np.isfinite(radius) & (radius > 0)]
        if not len(radius):
            return float(resolution_m)
        return float(line_spacing(radius, resolution_m, each=True).min())
    wanted = np.maximum(radius / LINES_PER_RADIUS, MIN_SPACING_M)
    k = np.maximum(np.ceil(-4.0 * np.log2(wanted / resolution_m) - 1e-9), 0.0)
    return np.maximum(resolution_m * 2.0 ** (-k / 4.0), MIN_SPACING_M)


def scanline_areas(
    unit_geoms: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    radius: np.ndarray,
    azimuth: np.ndarray,
    half_beam: np.ndarray,
    group: np.ndarray,
    groups: int,
    *,
    spacing: float,
    want_groups: bool = True,
    want_any: bool = True,
    want_all: bool = True,
    threads: int = 2,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the sampled and covered lengths per unit, summed over its scan lines.

    Parameters
    ----------
    unit_geoms
        (Multi)Polygons in a metric CRS (``None`` or empty: nothing sampled).
    x, y, radius
        Footprint centres and radii (metres).
    azimuth, half_beam
        Sector bearing (degrees clockwise from north; NaN for a circle) and
        half its beamwidth (degrees).
    group, groups
        Operator group of each footprint (``0 .. groups - 1``).
    spacing
        Largest distance between scan lines (metres): closer near small
        footprints (see :func:`line_spacing`); a part of a unit less than
        ``MIN_LINES_PER_UNIT`` lines high gets that many lines.
    want_groups, want_any, want_all
        Which covered lengths to compute (the others stay 0).
    threads
        Threads the kernels run in (1 in a partition of a distributed run).

    Returns
    -------
    tuple of numpy.ndarray
        ``sampled`` (n_units,): the unit's length on its lines times their
        spacing (≈ its area, m²); ``per_group`` (n_units, groups), ``any``
        and ``all`` (n_units,): the same for the covered part.
    """
    unit_geoms = np.asarray(unit_geoms, dtype=object)
    n = len(unit_geoms)
    columns = (x, y, radius, azimuth, half_beam)
    as_float = [np.ascontiguousarray(v, dtype=np.float64) for v in columns]
    group = np.asarray(group, dtype=np.int64)
    lines = _unit_lines(unit_geoms, spacing, None)
    if lines is None:
        return np.zeros(n), np.zeros((n, groups)), np.zeros(n), np.zeros(n)
    from ict_gis.engines import _kernels  # numba, imported only now

    flags = (want_groups, True, want_all)
    sampled, per, a_any, a_all = _areas_by_kernels(
        _kernels, lines, *as_float, group, n, groups, flags, threads
    )
    # Units near smaller footprints and not (nearly) fully covered: again,
    # with their closer lines.
    redo = _to_refine(unit_geoms, lines, sampled, per, a_any, a_all, *as_float[:3], spacing)
    if len(redo):
        closer = _unit_lines(unit_geoms[redo], spacing, as_float[:3])
        again = _areas_by_kernels(
            _kernels, closer, *as_float, group, len(redo), groups, flags, threads
        )
        for whole, part in zip((sampled, per, a_any, a_all), again, strict=True):
            whole[redo] = part
    if not want_any:
        a_any = np.zeros(n)
    return sampled, per, a_any, a_all


def _to_refine(unit_geoms, lines, sampled, per, a_any, a_all, x, y, radius, spacing):
    """Positions of the units to measure again on closer lines.

    Those near footprints that need lines closer than ``spacing`` (see
    :func:`_part_spacings`), unless every figure measured there covers at
    least :data:`FULL` of the unit, or nothing: where (nearly) all of a
    unit is covered, the footprints' edges inside it are inside other
    footprints, and sampling them costs nothing.
    """
    need = _part_spacings(shapely.bounds(lines.parts), x, y, radius, spacing)
    closer = np.zeros(len(unit_geoms), dtype=bool)
    closer[lines.part_unit[need < spacing]] = True
    if not closer.any():
        return np.zeros(0, dtype=np.int64)
    figures = np.column_stack([per, a_any, a_all])
    with np.errstate(invalid="ignore", divide="ignore"):
        share = figures / sampled[:, None]
    partial = ((share > 0) & (share < FULL)).any(axis=1)
    return np.flatnonzero(closer & partial)


class _Lines:
    """Families of scan lines, numbered one after another.

    Polygon parts at least ``MIN_LINES_PER_UNIT`` lines high that need no
    closer lines than ``spacing`` share one family of lines ``spacing``
    apart over their common box (so each footprint's chords are computed
    once); every other part (near smaller footprints, or low: a small unit,
    an island) gets a family of its own over its box, of lines at most its
    spacing apart and at least ``MIN_LINES_PER_UNIT`` of them. Line ``j`` of family
    ``f`` lies at ``miny[f] + (j + 0.5) * step[f]`` and is numbered
    ``first[f] + j``; positions on it are relative to ``minx[f]``.
    ``split`` is a line number that leaves about half of the parts' lines
    on each side (for two threads).
    """

    def __init__(
        self,
        bounds: np.ndarray,
        count: np.ndarray,
        parts: np.ndarray,
        part_unit: np.ndarray,
        part_family: np.ndarray,
        part_bounds: np.ndarray,
    ) -> None:
        self.boxes = bounds
        # Contiguous (a column of one row would be, others not): one type for the kernels.
        self.minx = np.ascontiguousarray(bounds[:, 0])
        self.miny = np.ascontiguousarray(bounds[:, 1])
        self.count = count
        self.step = (bounds[:, 3] - bounds[:, 1]) / count
        self.first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
        self.width = float(np.max(bounds[:, 2] - bounds[:, 0])) + 1.0
        self.parts = parts
        self.part_unit = part_unit
        self.part_family = part_family
        # Lines of each part, counted on a line-by-line difference array.
        f = part_family
        lo = np.floor((part_bounds[:, 1] - self.miny[f]) / self.step[f])
        hi = np.ceil((part_bounds[:, 3] - self.miny[f]) / self.step[f])
        lo = self.first[f] + np.clip(lo, 0, count[f]).astype(np.int64)
        hi = self.first[f] + np.clip(hi, 0, count[f]).astype(np.int64)
        diff = np.zeros(int(count.sum()) + 1)
        np.add.at(diff, lo, 1.0)
        np.add.at(diff, hi, -1.0)
        weight = np.cumsum(np.cumsum(diff))
        self.split = int(np.searchsorted(weight, weight[-1] / 2.0)) if len(weight) else 0


def _part_spacings(
    bounds: np.ndarray, x: np.ndarray, y: np.ndarray, radius: np.ndarray, spacing: float
) -> np.ndarray:
    """Spacing of the lines each polygon part needs (see :func:`line_spacing`).

    ``spacing``, or closer where footprints of radius under
    ``LINES_PER_RADIUS * spacing`` reach the part's box: the smallest such
    radius over :data:`LINES_PER_RADIUS`, rounded down to
    ``spacing × 2^(-k/4)``, not closer than :data:`MIN_SPACING_M`.
    """
    out = np.full(len(bounds), float(spacing))
    small = np.flatnonzero(radius < LINES_PER_RADIUS * spacing)
    if not len(small) or not len(bounds):
        return out
    xs, ys, rs = x[small], y[small], radius[small]
    tree = shapely.STRtree(shapely.box(xs - rs, ys - rs, xs + rs, ys + rs))
    part, near = tree.query(shapely.box(*bounds.T))
    smallest = np.full(len(bounds), np.inf)
    np.minimum.at(smallest, part, rs[near])
    met = np.isfinite(smallest)
    out[met] = line_spacing(smallest[met], spacing, each=True)
    return out


def _touching(bounds: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    """Label boxes of the same spacing that touch, directly or through others (0, 1, ...)."""
    n = len(bounds)
    if not n:
        return np.zeros(0, dtype=np.int64)
    boxes = shapely.box(*bounds.T)
    left, right = shapely.STRtree(boxes).query(boxes, predicate="intersects")
    keep = spacing[left] == spacing[right]
    left, right = left[keep], right[keep]
    label = np.arange(n)
    while True:  # each pass joins the labels of touching boxes
        low = np.minimum(label[left], label[right])
        new = label.copy()
        np.minimum.at(new, left, low)
        np.minimum.at(new, right, low)
        new = new[new]
        if (new == label).all():
            break
        label = new
    return np.unique(label, return_inverse=True)[1].astype(np.int64)


def _unit_lines(
    unit_geoms: np.ndarray, spacing: float, footprints: list[np.ndarray] | None
) -> _Lines | None:
    """Return the scan lines of the units' polygon parts (see :class:`_Lines`).

    ``footprints``: ``(x, y, radius)``, for lines closer than ``spacing``
    near small footprints; ``None``: ``spacing`` everywhere.

    The shared family lies on a grid fixed in the CRS (at multiples of
    ``spacing``), the others on their part's box, so that a unit's lines
    depend only on the unit and the footprints near it.
    """
    usable = np.flatnonzero([g is not None and not g.is_empty for g in unit_geoms])
    if not len(usable):
        return None
    parts, part_index = shapely.get_parts(unit_geoms[usable], return_index=True)
    keep = ~shapely.is_empty(parts)
    parts, part_unit = parts[keep], usable[part_index[keep]]
    bounds = shapely.bounds(parts)
    height = bounds[:, 3] - bounds[:, 1]
    need = np.full(len(parts), float(spacing))
    if footprints is not None:
        need = _part_spacings(bounds, *footprints, spacing)
    shared = (need >= spacing) & (height >= MIN_LINES_PER_UNIT * spacing)
    # Parts near smaller footprints, high enough: one family per spacing and
    # group of parts whose boxes touch (a city's units share their lines).
    closer = ~shared & (height >= MIN_LINES_PER_UNIT * need)
    cluster = np.full(len(parts), -1, dtype=np.int64)
    cluster[shared] = 0
    cluster[closer] = _touching(bounds[closer], need[closer]) + 1
    family_spacing = np.concatenate([[spacing], np.zeros(max(int(cluster.max()), 0))])
    family_spacing[cluster[closer]] = need[closer]
    boxes = np.full((len(family_spacing), 4), np.nan)
    chosen = cluster >= 0
    for k in range(4):  # each family's box: the union of its parts' boxes
        (np.fmin if k < 2 else np.fmax).at(boxes[:, k], cluster[chosen], bounds[chosen, k])
    used = ~np.isnan(boxes[:, 0])  # no shared family when no part is in it
    boxes, family_spacing = boxes[used], family_spacing[used]
    renumber = np.cumsum(used) - 1
    step = family_spacing
    boxes[:, 1] = np.floor(boxes[:, 1] / step) * step  # on grids fixed in the CRS
    counts = np.maximum(np.ceil((boxes[:, 3] - boxes[:, 1]) / step), 1)
    boxes[:, 3] = boxes[:, 1] + counts * step
    part_family = np.where(cluster >= 0, renumber[np.maximum(cluster, 0)], 0)
    # Low parts (a small unit, an island): lines of their own over their box,
    # at least MIN_LINES_PER_UNIT, at most their spacing apart.
    own = np.flatnonzero(cluster < 0)
    part_family[own] = np.arange(len(own)) + len(boxes)
    own_boxes = bounds[own].copy()
    flat = own_boxes[:, 3] <= own_boxes[:, 1]
    own_boxes[flat, 3] = own_boxes[flat, 1] + 1.0  # a part of no height: one metre
    own_counts = np.maximum(
        np.ceil((own_boxes[:, 3] - own_boxes[:, 1]) / need[own] - 1e-9), MIN_LINES_PER_UNIT
    )
    all_boxes = np.vstack([boxes, own_boxes])
    all_counts = np.concatenate([counts, own_counts]).astype(np.int64)
    return _Lines(all_boxes, all_counts, parts, part_unit, part_family, bounds)


def _split_wide_sectors(x, y, radius, azimuth, half_beam, group):
    """Circles for beams of 360° or more; two halves for beams wider than 180°.

    The chord of a wedge of at most 180° on a line is one interval; a wider
    wedge is the union of two such wedges.
    """
    azimuth = np.where(half_beam >= 180.0, np.nan, azimuth)
    wide = np.flatnonzero(~np.isnan(azimuth) & (half_beam > 90.0))
    if not len(wide):
        return x, y, radius, azimuth, half_beam, group
    quarter = half_beam[wide] / 2.0
    azimuth = azimuth.copy()
    half_beam = half_beam.copy()
    azimuth[wide] -= quarter
    half_beam[wide] = quarter
    return (
        np.concatenate([x, x[wide]]),
        np.concatenate([y, y[wide]]),
        np.concatenate([radius, radius[wide]]),
        np.concatenate([azimuth, azimuth[wide] + 2.0 * quarter]),
        np.concatenate([half_beam, quarter]),
        np.concatenate([group, group[wide]]),
    )


def _areas_by_kernels(
    kernels, lines, x, y, radius, azimuth, half_beam, group, n, groups, flags, threads
):
    """:func:`scanline_areas` by the compiled kernels (``scan_chords``, ``scan_cover``)."""
    x, y, radius, azimuth, half_beam, group = _split_wide_sectors(
        x, y, radius, azimuth, half_beam, group
    )
    by_x = np.argsort(x, kind="stable")
    footprints = (
        x[by_x], y[by_x], radius[by_x], azimuth[by_x], half_beam[by_x],
        group[by_x].astype(np.int64),
    )  # fmt: skip
    part, x0, y0, x1, y1 = ring_edges(lines.parts)
    # Two threads, each on about half of the parts' lines (the kernels
    # release the GIL).
    n_lines = int(lines.count.sum())
    ranges = [(0, n_lines)]
    if len(x) > 1000 and threads > 1:
        ranges = [(0, lines.split), (lines.split, n_lines)]

    def chords_and_cover(first_and_stop):
        chords = kernels.scan_chords(
            *footprints, lines.boxes, lines.step, lines.count, lines.first, lines.width,
            WEDGE_SUBLINES, *first_and_stop,
        )  # fmt: skip
        return kernels.scan_cover(
            *chords, x0, y0, x1, y1, part, lines.part_unit, lines.part_family, lines.minx,
            lines.miny, lines.step, lines.count, lines.first, lines.width, n, groups, *flags,
            *first_and_stop,
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
        parts = list(pool.map(chords_and_cover, ranges))
    sampled, per_group, cov_any, cov_all = (sum(column) for column in zip(*parts, strict=True))
    return sampled, per_group, cov_any, cov_all


class ScanlinesEngine:
    """Areas along scan lines (see the module docstring)."""

    name = "scanlines"
    mode = "fast"
    extra = FAST_EXTRA
    needs_polygons = False

    def available(self) -> bool:
        """Whether numba is installed."""
        return numba_installed()

    def supports(self, footprints: Footprints) -> bool:
        """Circles and wedges."""
        return True

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
        fp = footprints
        geoms = np.asarray(units.values, dtype=object)
        area = np.nan_to_num(shapely.area(geoms)) if len(geoms) else np.zeros(0)
        sampled, per, a_any, a_all = scanline_areas(
            geoms,
            fp.x,
            fp.y,
            fp.radius,
            fp.azimuth,
            fp.beamwidth / 2.0,
            fp.group,
            len(fp.operators),
            spacing=resolution_m,
            want_groups=groups,
            want_any=want_any,
            want_all=want_all,
            threads=workers or 2,
        )
        scale = np.divide(area, sampled, out=np.zeros_like(area), where=sampled > 0)
        if progress is not None:
            progress(1, 1)
        return areas_frame(units, fp.operators, per * scale[:, None], a_any * scale, a_all * scale)
