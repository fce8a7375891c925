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

The spacing follows the footprints: at most ``resolution_m``, and at most a
tenth of the smallest radius (:func:`line_spacing`), so that small circles
(5G) are crossed by as many lines as large ones: every unit with at least
0.5 km² covered is then within 0.5 % of the exact area (``tests/test_engines.py``,
``benchmarks/``).

Lines come in families (see :class:`_Lines`): one family, ``spacing``
apart on a grid fixed in the CRS (so that a unit's lines do not depend on
the other units: a partition of the units gives the same figures), for
all the polygon parts that are high enough, and one family each for the
lower parts, so that every part has enough lines. Two numba kernels
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
#: Lines per radius of the smallest footprint, at least (see :func:`line_spacing`).
LINES_PER_RADIUS = 10.0
#: Closest spacing of the lines (m), whatever the radii.
MIN_SPACING_M = 10.0
#: Sub-lines per band that sample a wedge's width.
WEDGE_SUBLINES = 4


def line_spacing(radius: np.ndarray, resolution_m: float) -> float:
    """Distance between scan lines (m) for footprints of these radii.

    ``resolution_m`` at most, and at most the smallest radius over
    :data:`LINES_PER_RADIUS` (but not below :data:`MIN_SPACING_M`): the
    sampling error of a footprint's edge shrinks with the square of the
    spacing over its radius.

    Examples
    --------
    >>> line_spacing(np.array([2000.0, 4000.0]), 200.0), line_spacing(np.array([500.0]), 200.0)
    (200.0, 50.0)
    """
    radius = np.asarray(radius, dtype=float)
    radius = radius[np.isfinite(radius) & (radius > 0)]
    if not len(radius):
        return float(resolution_m)
    return float(min(resolution_m, max(radius.min() / LINES_PER_RADIUS, MIN_SPACING_M)))


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
        Distance between scan lines (metres); a unit less than
        ``MIN_LINES_PER_UNIT * spacing`` high gets that many lines.
    want_groups, want_any, want_all
        Which covered lengths to compute (the others stay 0).

    Returns
    -------
    tuple of numpy.ndarray
        ``sampled`` (n_units,): the unit's length on its lines times their
        spacing (≈ its area, m²); ``per_group`` (n_units, groups), ``any``
        and ``all`` (n_units,): the same for the covered part.
    """
    n = len(unit_geoms)
    lines = _unit_lines(np.asarray(unit_geoms, dtype=object), spacing)
    if lines is None:
        return np.zeros(n), np.zeros((n, groups)), np.zeros(n), np.zeros(n)
    from ict_gis.engines import _kernels  # numba, imported only now

    columns = (x, y, radius, azimuth, half_beam)
    as_float = [np.ascontiguousarray(v, dtype=np.float64) for v in columns]
    flags = (want_groups, want_any, want_all)
    return _areas_by_kernels(
        _kernels, lines, *as_float, np.asarray(group, dtype=np.int64), n, groups, flags
    )


class _Lines:
    """Families of scan lines, numbered one after another.

    Polygon parts at least ``MIN_LINES_PER_UNIT`` lines high share one
    family of lines ``spacing`` apart over their common box (so each
    footprint's chords are computed once); each lower part (a small unit, an
    island) gets a family of its own, of ``MIN_LINES_PER_UNIT`` lines. Line
    ``j`` of family ``f`` lies at ``miny[f] + (j + 0.5) * step[f]`` and is
    numbered ``first[f] + j``; positions on it are relative to ``minx[f]``.
    """

    def __init__(
        self,
        bounds: np.ndarray,
        count: np.ndarray,
        parts: np.ndarray,
        part_unit: np.ndarray,
        part_family: np.ndarray,
    ) -> None:
        self.boxes = bounds
        self.minx, self.miny = bounds[:, 0], bounds[:, 1]
        self.count = count
        self.step = (bounds[:, 3] - bounds[:, 1]) / count
        self.first = np.concatenate([[0], np.cumsum(count)[:-1]])
        self.width = float(np.max(bounds[:, 2] - bounds[:, 0])) + 1.0
        self.parts = parts
        self.part_unit = part_unit
        self.part_family = part_family


def _unit_lines(unit_geoms: np.ndarray, spacing: float) -> _Lines | None:
    """Return the scan lines of the units' polygon parts (see :class:`_Lines`)."""
    usable = np.flatnonzero([g is not None and not g.is_empty for g in unit_geoms])
    if not len(usable):
        return None
    parts, part_index = shapely.get_parts(unit_geoms[usable], return_index=True)
    keep = ~shapely.is_empty(parts)
    parts, part_unit = parts[keep], usable[part_index[keep]]
    bounds = shapely.bounds(parts)
    height = bounds[:, 3] - bounds[:, 1]
    tall = height >= MIN_LINES_PER_UNIT * spacing
    low = np.flatnonzero(~tall)
    part_family = np.zeros(len(parts), dtype=np.int64)
    boxes, counts = [], []
    if tall.any():
        box = np.concatenate([bounds[tall, :2].min(axis=0), bounds[tall, 2:].max(axis=0)])
        box[1] = np.floor(box[1] / spacing) * spacing  # on a grid fixed in the CRS
        lines = max(1, int(np.ceil((box[3] - box[1]) / spacing)))
        box[3] = box[1] + lines * spacing
        boxes.append(box)
        counts.append(lines)
    part_family[low] = np.arange(len(low)) + len(boxes)
    low_boxes = bounds[low].copy()
    flat = low_boxes[:, 3] <= low_boxes[:, 1]
    low_boxes[flat, 3] = low_boxes[flat, 1] + 1.0  # a part of no height: one metre
    all_boxes = np.vstack([np.array(boxes).reshape(-1, 4), low_boxes])
    all_counts = np.array(counts + [MIN_LINES_PER_UNIT] * len(low), dtype=np.int64)
    return _Lines(all_boxes, all_counts, parts, part_unit, part_family)


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


def _areas_by_kernels(kernels, lines, x, y, radius, azimuth, half_beam, group, n, groups, flags):
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
    # Two threads, each on about half of the lines (the kernels release the
    # GIL): the first family's lines up to the one where half of the
    # footprints are below, then the rest.
    n_lines = int(lines.count.sum())
    ranges = [(0, n_lines)]
    if len(x) > 1000:
        middle = int(np.clip((np.median(y) - lines.miny[0]) // lines.step[0], 0, lines.count[0]))
        ranges = [(0, middle), (middle, n_lines)]

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
            spacing=line_spacing(fp.radius, resolution_m),
            want_groups=groups,
            want_any=want_any,
            want_all=want_all,
        )
        scale = np.divide(area, sampled, out=np.zeros_like(area), where=sampled > 0)
        if progress is not None:
            progress(1, 1)
        return areas_frame(units, fp.operators, per * scale[:, None], a_any * scale, a_all * scale)
