"""The scan-line engine of the fast mode, against hand-made answers and fine polygons."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

pytest.importorskip("numba")

from ict_gis.engines import _kernels  # noqa: E402
from ict_gis.engines.scanlines import line_spacing, scanline_areas  # noqa: E402


def run(units, footprints, groups=1, spacing=200.0):
    """footprints: rows (x, y, r, azimuth or NaN, half beam, group)."""
    f = np.array(footprints, dtype=float).reshape(-1, 6)
    return scanline_areas(
        np.array(units, dtype=object),
        f[:, 0],
        f[:, 1],
        f[:, 2],
        f[:, 3],
        f[:, 4],
        f[:, 5].astype(np.int64),
        groups,
        spacing=spacing,
    )


def wedge(x, y, r, azimuth, half_beam, points=4000):
    """A fine polygon of a circle (half_beam >= 180) or wedge; bearings clockwise from north."""
    if half_beam >= 180:
        t = np.linspace(0, 2 * np.pi, points, endpoint=False)
        ring = np.column_stack([x + r * np.sin(t), y + r * np.cos(t)])
        poly = shapely.Polygon(ring)
    else:
        t = np.radians(np.linspace(azimuth - half_beam, azimuth + half_beam, points))
        arc = np.column_stack([x + r * np.sin(t), y + r * np.cos(t)])
        poly = shapely.Polygon(np.vstack([[x, y], arc]))
    # Scale about the centre so that the polygon's area is exactly the true one.
    true = math.pi * r * r if half_beam >= 180 else r * r * math.radians(half_beam)
    factor = math.sqrt(true / poly.area)
    coords = shapely.get_coordinates(poly)
    return shapely.Polygon((coords - [x, y]) * factor + [x, y])


@pytest.mark.parametrize("spacing", [37.0, 200.0, 1000.0, 5000.0])
@pytest.mark.parametrize("r", [40.0, 750.0, 1700.0])
def test_a_lone_circle_has_its_exact_area_whatever_the_spacing(spacing, r):
    unit = shapely.box(-20_000, -20_000, 20_000, 20_000)
    sampled, per, any_, all_ = run([unit], [(123.4, -56.7, r, np.nan, 180, 0)], spacing=spacing)
    # Covered length on the lines times their spacing: the disk's area.
    assert any_[0] == pytest.approx(math.pi * r * r, rel=1e-9)
    assert per[0, 0] == pytest.approx(any_[0])
    assert all_[0] == pytest.approx(any_[0])


@pytest.mark.parametrize("azimuth", [0, 15, 30, 45, 90, 135, 180, 200, 270, 330, 359])
@pytest.mark.parametrize("half_beam", [32.5, 60, 100, 150])
def test_a_lone_wedge_has_its_exact_area(azimuth, half_beam):
    unit = shapely.box(-20_000, -20_000, 20_000, 20_000)
    r = 1500.0
    sampled, _, any_, _ = run([unit], [(0, 0, r, azimuth, half_beam, 0)])
    expected = r * r * math.radians(half_beam)  # r²θ/2 with θ = 2 × half beam
    # Beams wider than 180° are two wedges whose mean chords may overlap a little.
    assert any_[0] == pytest.approx(expected, rel=1e-9 if half_beam <= 90 else 1e-3)


def test_a_wedge_is_on_the_side_it_points_to():
    west = shapely.box(-20_000, -20_000, 0, 20_000)
    east = shapely.box(0, -20_000, 20_000, 20_000)
    sampled, _, any_, _ = run([west, east], [(0, 0, 1500, 90, 32.5, 0)])
    assert any_[0] == 0
    assert any_[1] == pytest.approx(1500**2 * math.radians(32.5), rel=1e-9)


def test_random_footprints_agree_with_fine_polygons():
    rng = np.random.default_rng(7)
    ring = shapely.Polygon(
        [(0, 0), (9000, 800), (10_000, 7000), (4000, 10_000), (600, 6000)],
        [[(3000, 3000), (5000, 3000), (5000, 5000), (3000, 5200)]],
    )
    islands = shapely.MultiPolygon(
        [shapely.box(10_500, 0, 12_000, 2500), shapely.box(10_500, 4000, 11_000, 4300)]
    )
    units = [ring, islands]
    n = 60
    half_beams = rng.choice([32.5, 60, 100, 180], n)
    rows = np.column_stack(
        [
            rng.uniform(-1000, 12_500, n),
            rng.uniform(-1000, 10_500, n),
            rng.uniform(200, 1800, n),
            np.where(half_beams >= 180, np.nan, rng.uniform(0, 360, n)),
            half_beams,
            rng.integers(0, 3, n),
        ]
    )
    sampled, per, any_, all_ = run(units, rows, groups=3)
    polys = np.array([wedge(*row[:4], row[4]) for row in rows], dtype=object)
    group_union = [shapely.union_all(polys[rows[:, 5] == g]) for g in range(3)]
    for u, unit in enumerate(units):
        share = unit.area / sampled[u]
        # Within 0.5 %, or 0.2 % of the unit's area: a sliver of a footprint
        # thinner than the lines' spacing can fall between two lines.
        tolerance = {"rel": 5e-3, "abs": 2e-3 * unit.area}
        expected = [shapely.intersection(g, unit).area for g in group_union]
        assert per[u] * share == pytest.approx(expected, **tolerance)
        any_expected = shapely.intersection(shapely.union_all(group_union), unit).area
        all_expected = shapely.intersection(shapely.intersection_all(group_union), unit).area
        assert any_[u] * share == pytest.approx(any_expected, **tolerance)
        assert all_[u] * share == pytest.approx(all_expected, **tolerance)
        assert min(expected) > 0.05 * unit.area or u == 1


@pytest.mark.parametrize("r", [140.0, 2000.0])
def test_a_small_unit_gets_lines_of_its_own(r):
    # 200 m high: on the 200 m lines of the big unit it would get one line.
    small = shapely.box(0, 0, 300, 200)
    big = shapely.box(-20_000, -20_000, 0, 20_000)
    h = 100.0
    sampled, _, any_, _ = run([small, big], [(150, 200 + h, r, np.nan, 180, 0)])
    # The part of the disk below y = 300 (a circular segment), inside the small
    # unit (the small circle), or the whole unit but the corners (the large).
    if r < 200:
        expected = r * r * math.acos(h / r) - h * math.sqrt(r * r - h * h)
    else:
        expected = shapely.intersection(shapely.Point(150, 300).buffer(r, 1024), small).area
    assert sampled[0] == pytest.approx(300 * 200, rel=1e-9)  # 20 lines fitted to the unit
    assert any_[0] / sampled[0] * small.area == pytest.approx(expected, rel=5e-3)
    assert any_[1] == 0 if r < 200 else any_[1] > 0


def test_a_small_island_of_a_unit_gets_lines_of_its_own():
    mainland = shapely.box(0, 0, 1500, 2500)
    island = shapely.box(0, 4000, 500, 4300)
    unit = shapely.MultiPolygon([mainland, island])
    # A circle over the whole island, none of the mainland.
    sampled, _, any_, _ = run([unit], [(250, 4150, 600, np.nan, 180, 0)])
    assert any_[0] / sampled[0] * unit.area == pytest.approx(island.area, rel=5e-3)


def test_units_without_geometry_and_no_footprints_give_zeros():
    sampled, per, any_, all_ = run([None, shapely.Polygon()], [], groups=2)
    assert sampled.tolist() == [0, 0] and any_.tolist() == [0, 0]
    assert per.shape == (2, 2)
    sampled, per, any_, all_ = run([shapely.box(0, 0, 1000, 1000)], [], groups=1)
    assert sampled[0] == pytest.approx(1e6) and any_[0] == 0


def test_the_kernels_sweep_counts_every_group_once_per_point():
    # One line, at y = 1 (a family of one line 2 m high: weight 2), through
    # unit 0 = [0, 10] x [0, 2] and unit 1 = [20, 30] x [0, 2] (their ring
    # edges). Chords: group 0 on [2, 6] and [4, 8], group 1 on [5, 25].
    edges = []
    for part, (a, b) in enumerate([(0.0, 10.0), (20.0, 30.0)]):
        ring = [(a, 0.0), (b, 0.0), (b, 2.0), (a, 2.0), (a, 0.0)]
        edges += [(part, *p, *q) for p, q in zip(ring[:-1], ring[1:], strict=True)]
    part, x0, y0, x1, y1 = (np.array(column) for column in zip(*edges, strict=True))
    sampled, per, any_, all_ = _kernels.scan_cover(
        np.array([0, 3]),  # line 0's chords start at 0 ...
        np.array([3]),  # ... and there are three
        np.array([2.0, 4.0, 5.0]),
        np.array([6.0, 8.0, 25.0]),
        np.array([0, 0, 1]),
        x0, y0, x1, y1, part.astype(np.int64),
        np.array([0, 1]),  # part -> unit
        np.array([0, 0]),  # part -> family
        np.array([0.0]), np.array([0.0]), np.array([2.0]),  # family: min x, min y, step
        np.array([1]), np.array([0]), 100.0,  # one line, numbered from 0; width
        2, 2, True, True, True, 0, 1,
    )  # fmt: skip
    # Unit 0: group 0 covers [2, 8] (6), group 1 [5, 10] (5), any [2, 10] (8),
    # both [5, 8] (3); unit 1: group 1 [20, 25] (5). Times the weight 2.
    assert sampled.tolist() == [20.0, 20.0]
    assert per.tolist() == [[12.0, 10.0], [0.0, 10.0]]
    assert any_.tolist() == [16.0, 10.0]
    assert all_.tolist() == [6.0, 0.0]


def test_the_spacing_follows_the_smallest_radius():
    assert line_spacing(np.array([2000.0, 4000.0]), 200.0) == 200.0
    assert line_spacing(np.array([500.0, 4000.0, np.nan]), 200.0) == pytest.approx(200 * 2**-1.75)
    assert line_spacing(np.array([1.0]), 200.0) == 10.0  # not closer than 10 m
    assert line_spacing(np.array([]), 150.0) == 150.0
