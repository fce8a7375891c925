"""The interval kernels of the ``arcs`` engine, on hand-computed cases."""

import math

import numpy as np
import pytest

kernels = pytest.importorskip("ict_gis.engines._kernels")


def arrays(rows):
    key, a, b = zip(*rows, strict=True) if rows else ((), (), ())
    return np.array(key, dtype=np.int64), np.array(a, dtype=float), np.array(b, dtype=float)


def as_rows(result):
    return [(int(k), float(a), float(b)) for k, a, b in zip(*result, strict=True)]


def test_intersect_sorted_key_by_key_drops_touching_ends():
    first = arrays([(0, 0.0, 1.0), (0, 2.0, 3.0), (1, 0.0, 5.0), (3, 1.0, 2.0)])
    second = arrays([(0, 0.5, 2.5), (1, 5.0, 6.0), (2, 0.0, 1.0), (3, 0.0, 4.0)])
    got = as_rows(kernels.intersect_sorted(*first, *second))
    # key 0: [0.5, 1] and [2, 2.5]; key 1 only touches at 5; key 2 has no partner
    assert got == [(0, 0.5, 1.0), (0, 2.0, 2.5), (3, 1.0, 2.0)]


def test_count_at_least_per_key_in_any_order():
    rows = arrays(
        [
            (0, 2.0, 6.0),  # group intervals of key 0, not sorted
            (0, 0.0, 3.0),
            (0, 5.0, 9.0),
            (4, 0.0, 1.0),  # key 4: two intervals that only touch
            (4, 1.0, 2.0),
        ]
    )
    assert as_rows(kernels.count_at_least(*rows, 2)) == [(0, 2.0, 3.0), (0, 5.0, 6.0)]
    assert as_rows(kernels.count_at_least(*rows, 3)) == []
    assert as_rows(kernels.count_at_least(*arrays([]), 2)) == []


def test_pair_arc_sums_is_twice_the_area_of_a_half_disk():
    """The upper half circle of radius 2 centred at the origin, with the chord closing it."""
    arc_start = np.array([0, 1])  # disk 0 has one arc: [0, 2π]
    arc_a, arc_b = np.array([0.0]), np.array([2 * math.pi])
    in_start = np.array([0, 1])  # pair 0: its circle is inside the unit on [0, π]
    in_a, in_b = np.array([0.0]), np.array([math.pi])
    one = np.array([0], dtype=np.int64)
    sums = kernels.pair_arc_sums(
        arc_start,
        arc_a,
        arc_b,
        one,
        in_start,
        in_a,
        in_b,
        np.zeros(1),
        np.zeros(1),
        np.full(1, 2.0),
    )
    # ∮ x dy - y dx along the half circle is r² π; the chord on y = 0 adds nothing.
    assert sums[0] == pytest.approx(4 * math.pi)


def test_edge_piece_sums_close_a_square():
    """The four edges of the unit square, counter-clockwise: twice its area, in slot 1."""
    ex0, ey0 = np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0, 1.0])
    ex1, ey1 = np.array([1.0, 1.0, 0.0, 0.0]), np.array([0.0, 1.0, 1.0, 0.0])
    edge = np.arange(4, dtype=np.int64)
    sums = kernels.edge_piece_sums(
        edge,
        np.zeros(4),
        np.ones(4),
        np.ones(4, dtype=np.int64),
        ex0,
        ey0,
        ex1,
        ey1,
        np.full(4, 0.5),
        np.full(4, 0.5),
        2,
    )
    assert sums.tolist() == pytest.approx([0.0, 2.0])


def test_an_edge_shared_by_two_units_is_measured_once_for_both():
    """A unit disk centred 0.5 right of the edge x = 0 shared by two squares."""
    import shapely

    from ict_gis.engines.arcs import _twins, _unit_edges, disk_coverage_areas

    left, right = shapely.box(-2, -2, 0, 2), shapely.box(0, -2, 2, 2)
    units = np.array([left, right], dtype=object)
    _, x0, y0, x1, y1 = _unit_edges(units)
    twin = _twins(x0, y0, x1, y1)
    assert sorted(twin.tolist()).count(-2) == 1  # one pair: the shared edge
    assert (twin >= 0).sum() == 1
    # two disks of two groups, the second identical to the first
    x, y, r = np.array([0.5, 0.5]), np.array([0.0, 0.0]), np.array([1.0, 1.0])
    per_group, any_, all_ = disk_coverage_areas(
        units, x, y, r, np.array([0, 1]), 2, unit_of_centre=np.array([1, 1])
    )
    segment = math.acos(0.5) - 0.5 * math.sqrt(0.75)  # the part left of the chord x = 0
    expected = [segment, math.pi - segment]
    assert any_.tolist() == pytest.approx(expected, rel=1e-12)
    assert all_.tolist() == pytest.approx(expected, rel=1e-12)
    assert per_group[:, 0].tolist() == pytest.approx(expected, rel=1e-12)
    assert per_group[:, 1].tolist() == pytest.approx(expected, rel=1e-12)
