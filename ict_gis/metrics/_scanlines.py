"""Covered areas along scan lines: the fast mode of ``coverage``.

Each unit is cut by horizontal scan lines at most ``spacing`` metres apart.
On a line, the unit is a set of intervals (its edge crossings, even-odd
rule), exact; each circle or wedge is one interval centred on its chord and
as long as the footprint's mean width over the line's band (half a spacing
each side), found in closed form for circles, so that the lines of a lone
footprint add up to its exact area. What is sampled is where footprints
overlap and where they meet the unit's boundary; the sum over lines,
``length × spacing``, gives areas, and a unit's covered area is its exact
area times the covered share of its sampled length.

Lines come in families (see :class:`_Lines`): one family, ``spacing``
apart, for all the polygon parts that are high enough, and one family each
for the lower parts, so that every part has enough lines. Every line of
every family has a number, and a position on line ``i`` at ``x`` becomes
the number ``i * width + (x - family's min x)``: the chords of all lines
are merged by sorting numbers, and covered lengths inside the units'
intervals are read from a cumulative sum with ``numpy.searchsorted``. No
Python loop runs per unit or per line; the work is split in two halves for
two threads (numpy releases the GIL).

Once the kernels have been compiled ahead of time (see
:mod:`ict_gis.metrics._aot`; numba and a C compiler are needed), two of
them (:func:`_numba.scan_chords <ict_gis.metrics._numba.scan_chords>` and
:func:`_numba.scan_cover <ict_gis.metrics._numba.scan_cover>`) do the same
without the large temporary arrays: the chords line by line, then one
sweep per line over its chords and the units' edges. numba's own (JIT)
kernels are not used here: loading numba costs as much as they save. The
numpy code is the fallback and the reference the tests hold the kernels
to.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

from ict_gis.geometry import ring_edges
from ict_gis.metrics import _aot

#: Fewest lines across a polygon part: lower parts get lines closer than ``spacing``.
MIN_LINES_PER_UNIT = 20


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
    use_kernels: bool = True,
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
        Largest distance between scan lines (metres); a unit less than
        ``MIN_LINES_PER_UNIT * spacing`` high gets that many lines.
    want_groups, want_any, want_all
        Which covered lengths to compute (the others stay 0).
    use_kernels
        Use the kernels compiled ahead of time when they have been built
        (see :mod:`ict_gis.metrics._aot`); the numpy code otherwise, and
        always when ``False``.

    Returns
    -------
    tuple of numpy.ndarray
        ``sampled`` (n_units,): the unit's length on its lines times their
        spacing (≈ its area, m²); ``per_group`` (n_units, groups), ``any``
        and ``all`` (n_units,): the same for the covered part.
    """
    n = len(unit_geoms)
    sampled = np.zeros(n)
    per_group = np.zeros((n, groups))
    cov_any = np.zeros(n)
    cov_all = np.zeros(n)
    lines = _unit_lines(unit_geoms, spacing)
    if lines is None:
        return sampled, per_group, cov_any, cov_all
    flags = (want_groups, want_any, want_all)
    # Only the kernels compiled ahead of time: loading numba (0.45 s, and a
    # first compilation of several seconds) would cost more than they save.
    kernels = _aot.load() if use_kernels else None
    if kernels is not None:
        return _areas_by_kernels(
            kernels, lines, x, y, radius, azimuth, half_beam, group, n, groups, flags
        )
    unit_of, family, line, xa, xb = _unit_intervals(lines)
    weight = lines.step[family]
    sampled += np.bincount(unit_of, weights=(xb - xa) * weight, minlength=n)
    if not len(x) or not len(xa):
        return sampled, per_group, cov_any, cov_all
    qa, qb = line * lines.width + xa, line * lines.width + xb
    chords = _chords_in_threads(lines, x, y, radius, azimuth, half_beam, group)
    if chords is None:
        return sampled, per_group, cov_any, cov_all
    start, end, grp = chords
    # Lines are independent: the first and second half of them in two threads
    # (numpy's sorts and searches release the GIL).
    middle = float(np.median(qa)) // lines.width * lines.width
    blocks = []
    for chosen_q, chosen_c in ((qa < middle, start < middle), (qa >= middle, start >= middle)):
        q = np.flatnonzero(chosen_q)
        c = np.flatnonzero(chosen_c)
        blocks.append((start[c], end[c], grp[c], qa[q], qb[q], unit_of[q], weight[q]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(lambda b: _covered(*b, n, groups, flags, lines.total_keys), blocks))
    for part_groups, part_any, part_all in parts:
        per_group += part_groups
        cov_any += part_any
        cov_all += part_all
    return sampled, per_group, cov_any, cov_all


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


def _covered(start, end, grp, qa, qb, unit_of, weight, n, groups, flags, shift):
    """Covered lengths (weighted) per unit: per group, any and all; see :func:`scanline_areas`."""
    want_groups, want_any, want_all = flags
    per_group = np.zeros((n, groups))
    cov_any = np.zeros(n)
    cov_all = np.zeros(n)
    if (want_groups or want_all) and groups > 0:
        # One sort for every group: the group's keys are shifted past the others'.
        g_start, g_end = _union(start + grp * shift, end + grp * shift)
        segments = []
        for g in range(groups):
            lo_g = np.searchsorted(g_start, g * shift)
            hi_g = np.searchsorted(g_start, (g + 1) * shift)
            seg = (g_start[lo_g:hi_g] - g * shift, g_end[lo_g:hi_g] - g * shift)
            segments.append(seg)
            if want_groups:
                per_group[:, g] = _measure_in(seg, qa, qb, unit_of, weight, n)
        if want_any:
            merged = _union(
                np.concatenate([s for s, _ in segments]), np.concatenate([e for _, e in segments])
            )
            cov_any = _measure_in(merged, qa, qb, unit_of, weight, n)
        if want_all:
            cov_all = _measure_in(_intersection(segments), qa, qb, unit_of, weight, n)
    elif want_any:
        cov_any = _measure_in(_union(start, end), qa, qb, unit_of, weight, n)
    return per_group, cov_any, cov_all


def _chords_in_threads(lines, x, y, radius, azimuth, half_beam, group):
    """:func:`_chords` of the two halves of the footprints in two threads."""
    if len(x) < 2:
        return _chords(lines, x, y, radius, azimuth, half_beam, group)
    cut = len(x) // 2
    halves = [slice(0, cut), slice(cut, len(x))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(
            pool.map(
                lambda h: _chords(lines, x[h], y[h], radius[h], azimuth[h], half_beam[h], group[h]),
                halves,
            )
        )
    parts = [p for p in parts if p is not None]
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True)) if parts else None


class _Lines:
    """Families of scan lines, numbered one after another.

    Polygon parts at least ``MIN_LINES_PER_UNIT`` lines high share one
    family of lines ``spacing`` apart over their common box (so each
    footprint's chords are computed once); each lower part (a small unit, an
    island) gets a family of its own, of ``MIN_LINES_PER_UNIT`` lines. Line
    ``j`` of family ``f`` lies at ``miny[f] + (j + 0.5) * step[f]`` and is
    numbered ``first[f] + j``; a position ``x`` on it has the key
    ``number * width + (x - minx[f])``.
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
        self.total_keys = float(count.sum()) * self.width
        self.parts = parts
        self.part_unit = part_unit
        self.part_family = part_family

    def key(self, family: np.ndarray, j: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Return the key of position ``x`` (relative to the family's min x) on line ``j``."""
        return (self.first[family] + j) * self.width + x


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


def _unit_intervals(
    lines: _Lines,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the intervals inside each part on its lines: ``(unit, family, line, start, end)``.

    ``line`` is the line's number, ``start`` and ``end`` are relative to the
    family's min x.

    Crossings of each ring edge with the lines in its y range (a line at
    height ``y`` crosses an edge when ``min(y0, y1) <= y < max(y0, y1)``),
    sorted along each line and paired (even-odd rule: holes need nothing
    special).
    """
    part, x0, y0, x1, y1 = ring_edges(lines.parts)
    fam = lines.part_family[part]
    base, step = lines.miny[fam], lines.step[fam]
    # Lines j with base + (j + 0.5) * step in [min(y0, y1), max(y0, y1)).
    j0 = np.clip(np.ceil((np.minimum(y0, y1) - base) / step - 0.5), 0, lines.count[fam])
    j1 = np.clip(np.ceil((np.maximum(y0, y1) - base) / step - 0.5), 0, lines.count[fam])
    edge, j = _expand(j0.astype(np.int64), j1.astype(np.int64))
    p, f = part[edge], fam[edge]
    line_y = lines.miny[f] + (j + 0.5) * lines.step[f]
    t = (line_y - y0[edge]) / (y1[edge] - y0[edge])
    cross_x = x0[edge] + t * (x1[edge] - x0[edge]) - lines.minx[f]
    cross_x = np.clip(cross_x, 0.0, lines.width - 1.0)
    order = np.lexsort((lines.key(f, j, cross_x), p))
    # Each line of a part has an even number of crossings: after sorting by
    # part and key, consecutive pairs never straddle two lines or parts.
    cross_x, p, number = cross_x[order], p[order], (lines.first[f] + j)[order]
    p = p[0::2]
    return lines.part_unit[p], lines.part_family[p], number[0::2], cross_x[0::2], cross_x[1::2]


def _chords(
    lines: _Lines,
    x: np.ndarray,
    y: np.ndarray,
    radius: np.ndarray,
    azimuth: np.ndarray,
    half_beam: np.ndarray,
    group: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Return the chords of each footprint on the lines of each family its box meets.

    Returns ``(start key, end key, group)``, clipped to the family's box;
    empty chords are left out.
    """
    if not len(x):
        return None
    x, y, radius, azimuth, half_beam, group = _split_wide_sectors(
        x, y, radius, azimuth, half_beam, group
    )
    fam_idx, f_idx = _families_met(lines, x, y, radius)
    base, step = lines.miny[fam_idx], lines.step[fam_idx]
    # Every line whose band (half a spacing each side) meets the footprint,
    # also beyond the family's box (for the area correction).
    j0 = np.floor((y[f_idx] - radius[f_idx] - base) / step).astype(np.int64)
    j1 = np.ceil((y[f_idx] + radius[f_idx] - base) / step).astype(np.int64)
    pair, j = _expand(j0, j1)
    fam, f = fam_idx[pair], f_idx[pair]
    dy = lines.miny[fam] + (j + 0.5) * lines.step[fam] - y[f]
    cx = x[f] - lines.minx[fam]
    lo, hi = _band_chords(cx, dy, radius[f], azimuth[f], half_beam[f], lines.step[fam])
    centre = j == np.floor((y[f] - lines.miny[fam]) / lines.step[fam])
    lo, hi = _area_corrected(
        lo, hi, pair, centre, fam_idx, f_idx, lines, radius, azimuth, half_beam
    )
    inside = np.flatnonzero((j >= 0) & (j < lines.count[fam]))
    fam, j, f, lo, hi = fam[inside], j[inside], f[inside], lo[inside], hi[inside]
    lo = np.clip(lo, 0.0, lines.width - 1.0)
    hi = np.clip(hi, 0.0, lines.width - 1.0)
    keep = np.flatnonzero(hi > lo)
    fam, j, f = fam[keep], j[keep], f[keep]
    return lines.key(fam, j, lo[keep]), lines.key(fam, j, hi[keep]), group[f]


def _families_met(lines: _Lines, x, y, radius) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(family, footprint)`` whose boxes meet."""
    boxes = shapely.box(x - radius, y - radius, x + radius, y + radius)
    return shapely.STRtree(boxes).query(shapely.box(*lines.boxes.T))


#: Sub-lines per band that sample a wedge's width.
WEDGE_SUBLINES = 4


def _band_chords(cx, dy, radius, azimuth, half_beam, step):
    """Return one interval per footprint and band whose length is its mean width there.

    The band of a line is the strip half a spacing either side of it. For a
    circle the mean width is exact (the area of the strip of the disk, in
    closed form, over the spacing), so the chords of a lone circle add up to
    ``πr²`` whatever the spacing, and the sampling error is left only where
    footprints overlap or meet a boundary. A wedge's interval is the mean of
    its chords on :data:`WEDGE_SUBLINES` lines across the band.
    """

    def strip(t):
        t = np.clip(t, -radius, radius)
        return t * np.sqrt(np.maximum(radius * radius - t * t, 0.0)) + radius * radius * np.arcsin(
            np.divide(t, radius, out=np.zeros_like(t), where=radius > 0)
        )

    half = (strip(dy + step / 2.0) - strip(dy - step / 2.0)) / step / 2.0
    lo, hi = cx - half, cx + half
    sector = np.flatnonzero(~np.isnan(azimuth))
    if len(sector):
        width = np.zeros(len(sector))
        middle = np.zeros(len(sector))
        for i in range(WEDGE_SUBLINES):
            sub_dy = dy[sector] + ((i + 0.5) / WEDGE_SUBLINES - 0.5) * step[sector]
            r = radius[sector]
            chord = np.sqrt(np.maximum(r * r - sub_dy * sub_dy, 0.0))
            a, b = _clip_to_wedges(
                cx[sector] - chord,
                cx[sector] + chord,
                cx[sector],
                sub_dy,
                azimuth[sector],
                half_beam[sector],
            )
            length = np.maximum(b - a, 0.0)
            width += length / WEDGE_SUBLINES
            middle += np.where(length > 0, (a + b) / 2.0, 0.0) * length
        middle = np.divide(middle, width * WEDGE_SUBLINES, out=cx[sector].copy(), where=width > 0)
        lo[sector], hi[sector] = middle - width / 2.0, middle + width / 2.0
    return lo, hi


def _area_corrected(lo, hi, pair, centre, fam_idx, f_idx, lines, radius, azimuth, half_beam):
    """Stretch each footprint's chords about their middles so that they add up to its area.

    Circles' chords add up to ``πr²`` already (up to rounding); a wedge's
    to within the error of its sub-lines, corrected here to ``r²θ/2`` for a
    wedge of angle ``θ``, as the area-corrected radius does for polygons.
    A footprint too small to meet any sub-line gets one chord of its area on
    the line of the band holding its centre (``centre`` marks that line).
    """
    step = lines.step[fam_idx]
    r = radius[f_idx]
    exact = np.where(np.isnan(azimuth[f_idx]), np.pi * r * r, r * r * np.radians(half_beam[f_idx]))
    sampled = np.bincount(pair, weights=np.maximum(hi - lo, 0.0), minlength=len(f_idx)) * step
    factor = np.divide(exact, sampled, out=np.ones_like(exact), where=sampled > 0)
    middle = (lo + hi) / 2.0
    half = np.maximum(hi - lo, 0.0) / 2.0 * factor[pair]
    alone = centre & (sampled <= 0)[pair]
    half[alone] = (exact / step / 2.0)[pair][alone]
    return middle - half, middle + half


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


def _clip_to_wedges(lo, hi, cx, dy, azimuth, half_beam):
    """Clip chords ``[lo, hi]`` (at height ``dy`` above the apex) to wedges of ≤ 180°.

    A point at offset ``(vx, dy)`` from the apex is in the wedge when it is
    clockwise of the first edge (bearing ``azimuth - half_beam``) and
    anticlockwise of the second: two half-planes, each a half-line here.
    """
    lo, hi = lo.copy(), hi.copy()
    for bearing, sign in ((azimuth - half_beam, 1.0), (azimuth + half_beam, -1.0)):
        ex, ey = np.sin(np.radians(bearing)), np.cos(np.radians(bearing))
        # Keep sign * (ey * vx - ex * dy) >= 0.
        flat = np.abs(ey) < 1e-12
        with np.errstate(divide="ignore", invalid="ignore"):
            edge_x = cx + ex * dy / ey
        lower = ~flat & (sign * ey > 0)  # vx >= ex * dy / ey
        upper = ~flat & (sign * ey < 0)  # vx <= ex * dy / ey
        lo = np.where(lower, np.maximum(lo, edge_x), lo)
        hi = np.where(upper, np.minimum(hi, edge_x), hi)
        hi = np.where(flat & (sign * -ex * dy < 0), lo, hi)  # the whole line is outside
    return lo, hi


def _expand(first: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges ``first[i] .. stop[i] - 1``: each member and the index of its range."""
    count = np.maximum(stop - first, 0)
    owner = np.repeat(np.arange(len(first)), count)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    return owner, first[owner] + offset


def _union(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint sorted intervals covering the same points as ``[start, end]``.

    Starts and ends are sorted separately (no argsort): the ``i``-th smallest
    start opens a new interval when fewer than ``i`` ends come before it, and
    the ``j``-th smallest end closes one when ``j + 1`` starts come at or
    before it (each interval starts before it ends).
    """
    if not len(start):
        return start, end
    start, end = np.sort(start), np.sort(end)
    rank = np.arange(len(start))
    opens = np.searchsorted(end, start, side="left") == rank
    closes = np.searchsorted(start, end, side="right") == rank + 1
    return start[opens], end[closes]


def _intersection(segments: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Points covered by every one of several sets of disjoint intervals."""
    if not segments:
        return np.empty(0), np.empty(0)
    keys = np.concatenate([k for seg in segments for k in seg])
    steps = np.concatenate([np.full(len(seg[0]), sign) for seg in segments for sign in (1, -1)])
    order = np.lexsort((steps, keys))  # at a tie, ends (-1) before starts
    keys, depth = keys[order], np.cumsum(steps[order])
    full = np.flatnonzero(depth[:-1] == len(segments))
    return keys[full], keys[full + 1]


def _measure_in(
    segments: tuple[np.ndarray, np.ndarray],
    qa: np.ndarray,
    qb: np.ndarray,
    unit_of: np.ndarray,
    weight: np.ndarray,
    n: int,
) -> np.ndarray:
    """Length of ``segments`` inside each interval ``[qa, qb]``, weighted, summed per unit."""
    start, end = segments
    if not len(start):
        return np.zeros(n)
    before = np.concatenate([[0.0], np.cumsum(end - start)])

    def covered_up_to(q: np.ndarray) -> np.ndarray:
        k = np.searchsorted(start, q, side="right") - 1
        inside = np.clip(q - start[np.maximum(k, 0)], 0.0, (end - start)[np.maximum(k, 0)])
        return np.where(k >= 0, before[np.maximum(k, 0)] + inside, 0.0)

    lengths = covered_up_to(qb) - covered_up_to(qa)
    return np.bincount(unit_of, weights=lengths * weight, minlength=n)
