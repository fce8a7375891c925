"""Points in polygons (the shapely sweep) against hand-made answers."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from ict_gis import geometry
from ict_gis.geometry import place_points, polygon_positions


@pytest.fixture
def fresh(monkeypatch):
    """Nothing remembered from elsewhere."""
    monkeypatch.setattr(geometry, "_REMEMBERED", [])


def test_inside_outside_holes_parts_and_edges(fresh):
    ring = shapely.Polygon(
        [(0, 0), (10, 0), (10, 10), (0, 10)], [[(4, 4), (6, 4), (6, 6), (4, 6)]]
    )  # a square with a square hole
    pair = shapely.MultiPolygon([shapely.box(20, 0, 22, 2), shapely.box(30, 0, 32, 2)])
    right = shapely.box(10, 0, 15, 10)  # shares the edge x = 10 with the first
    polygons = np.array([ring, pair, None, shapely.Polygon(), right], dtype=object)
    points = [
        ((1, 1), 0),  # inside
        ((5, 5), -1),  # in the hole
        ((4, 5), 0),  # on the hole's edge: on the boundary counts as inside
        ((0, 0), 0),  # a corner
        ((5, 0), 0),  # on the bottom edge
        ((10, 5), 0),  # on the shared edge: the first polygon
        ((12, 5), 4),
        ((21, 1), 1),  # the first part of the multipolygon
        ((31, 1), 1),  # the second
        ((25, 1), -1),  # between them
        ((-1, 5), -1),
        ((np.nan, 5), -1),
        ((5, np.inf), -1),
    ]
    x = np.array([p[0][0] for p in points], dtype=float)
    y = np.array([p[0][1] for p in points], dtype=float)
    assert polygon_positions(x, y, polygons).tolist() == [want for _, want in points]


def test_random_points_in_a_mosaic_agree_with_shapely_contains(fresh):
    rng = np.random.default_rng(3)
    seeds = shapely.multipoints(rng.uniform(0, 1000, (40, 2)))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(seeds, extend_to=shapely.box(0, 0, 1000, 1000))
    )
    cells = shapely.intersection(cells, shapely.box(0, 0, 1000, 1000))
    x, y = rng.uniform(-50, 1050, 20_000), rng.uniform(-50, 1050, 20_000)
    got = polygon_positions(x, y, cells)
    # Independent: shapely's own predicate, one polygon after the other.
    expected = np.full(len(x), -1)
    for u in range(len(cells))[::-1]:  # the first polygon last, so it wins
        expected[shapely.contains_xy(cells[u], x, y)] = u
    assert (got == expected).all()
    assert (got >= 0).sum() > 15_000 and (got < 0).sum() > 500


def test_no_points_or_no_polygons(fresh):
    assert (
        polygon_positions(np.empty(0), np.empty(0), np.array([shapely.box(0, 0, 1, 1)])).size == 0
    )
    assert polygon_positions(
        np.array([0.5]), np.array([0.5]), np.array([], dtype=object)
    ).tolist() == [-1]
    assert polygon_positions(np.array([0.5]), np.array([0.5]), np.array([None])).tolist() == [-1]


def test_the_last_answers_are_remembered_and_only_for_the_same_question(monkeypatch):
    monkeypatch.setattr(geometry, "_REMEMBERED", [])
    computed = []
    real = geometry._positions
    monkeypatch.setattr(geometry, "_positions", lambda *a: computed.append(1) or real(*a))
    squares = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], dtype=object)
    x, y = np.array([0.5, 1.5, 3.0]), np.array([0.5, 0.5, 0.5])
    first = polygon_positions(x, y, squares)
    again = polygon_positions(x.copy(), y.copy(), squares)  # equal values: remembered
    assert first.tolist() == again.tolist() == [0, 1, -1] and len(computed) == 1
    again[0] = 7  # the caller's copy: what is remembered does not change
    assert polygon_positions(x, y, squares).tolist() == [0, 1, -1] and len(computed) == 1
    moved = x.copy()
    moved[2] = 0.25
    assert polygon_positions(moved, y, squares).tolist() == [0, 1, 0] and len(computed) == 2
    # Equal polygons but other objects: asked again (the objects are the key).
    copies = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], dtype=object)
    assert polygon_positions(x, y, copies).tolist() == [0, 1, -1] and len(computed) == 3


def _ring_of_boxes() -> np.ndarray:
    """Eight 10 m boxes around an empty ninth (a 3 × 3 grid without its centre)."""
    return np.array(
        [
            shapely.box(10 * i, 10 * j, 10 * i + 10, 10 * j + 10)
            for j in range(3)
            for i in range(3)
            if (i, j) != (1, 1)
        ],
        dtype=object,
    )


def test_topology_of_a_clean_coverage_needs_no_general_union(monkeypatch):
    """Units whose edges match: the hole found by the coverage union (by hand: 100 m²)."""
    units = _ring_of_boxes()

    def no_union(*args, **kwargs):
        raise AssertionError("a clean coverage needs no general union")

    monkeypatch.setattr(geometry.shapely, "union_all", no_union)
    monkeypatch.setattr(geometry, "_TOPOLOGIES", geometry.Recent(4))  # nothing remembered
    overlaps, gaps, union_area = geometry.topology(units, min_area=0.0)
    assert overlaps == []
    assert [area for area, _ in gaps] == [100.0]
    assert union_area == 800.0


def test_topology_with_an_overlap_takes_the_general_way():
    """One box moved 2 m onto its neighbour: a 20 m² overlap and a 20 m² gap (by hand)."""
    units = _ring_of_boxes()
    units[0] = shapely.box(2, 0, 12, 10)  # overlaps units[1] (10..20) by 2 × 10
    overlaps, gaps, union_area = geometry.topology(units, min_area=1.0)
    assert [(i, j, area) for i, j, area in overlaps] == [(0, 1, 20.0)]
    # the strip x = 0..2 it left is open to the outside: the only gap is the centre
    assert [area for area, _ in gaps] == [100.0]
    assert union_area == pytest.approx(800.0 - 20.0)


def test_placement_searches_only_within_the_tolerance_unless_the_nearest_is_asked():
    """Rule 2 within the tolerance (inclusive); rule 3's nearest unit only when asked.

    Two squares 0-10 and 30-40 (x), y 0-10; tolerance 100 m. By hand:
    (5, 5) inside the first; (20, 5) 10 m from both, the lower code wins
    ("a" < "b"); (140, 5) exactly 100 m from the second: placed; (141, 5)
    101 m from the second: outside, its nearest the second at 101 m.
    """
    squares = np.array([shapely.box(0, 0, 10, 10), shapely.box(30, 0, 40, 10)])
    x = np.array([5.0, 20.0, 140.0, 141.0])
    y = np.full(4, 5.0)
    pos, near, dist = place_points(x, y, squares, np.array(["a", "b"]), None)
    assert pos.tolist() == [0, 0, 1, -1]
    assert near.tolist() == [0, 0, 1, 1]
    assert dist.tolist() == [0.0, 10.0, 100.0, 101.0]
    pos, near, dist = place_points(
        x, y, squares, np.array(["a", "b"]), None, nearest_of_outside=False
    )
    assert pos.tolist() == [0, 0, 1, -1]
    assert near.tolist() == [0, 0, 1, -1]
    assert dist[:3].tolist() == [0.0, 10.0, 100.0] and np.isnan(dist[3])
