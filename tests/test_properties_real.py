"""Property tests (hypothesis) for the geometry of real inputs: arbitrary polygons,
points and bytes never crash; every failure is our own exception (issue 12 item 7)."""

from __future__ import annotations

import os
import tempfile

# Hypothesis keeps caches in ./.hypothesis unless told otherwise: tests write only to /tmp.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "ict_gis-hypothesis")
)

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ict_gis.geometry import clean_polygons, gap_owners, place_points, topology  # noqa: E402
from ict_gis.io.encodings import decode_text, detect_encoding  # noqa: E402

coord = st.floats(min_value=-1000, max_value=1000, allow_nan=False, allow_infinity=False)
ring = st.lists(st.tuples(coord, coord), min_size=3, max_size=8)
polygons = st.lists(ring, min_size=1, max_size=5)

SETTINGS = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def _polys(rings):
    return np.array([shapely.Polygon(r) for r in rings], dtype=object)


@SETTINGS
@given(polygons)
def test_clean_polygons_gives_valid_polygonal_geometry(rings):
    cleaned, _ = clean_polygons(_polys(rings))
    for geom in cleaned:
        assert geom.is_valid
        assert geom.is_empty or geom.geom_type in ("Polygon", "MultiPolygon")


@SETTINGS
@example(
    rings=[
        [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0)],
        [(0.0, 1.0), (0.0, 2.0), (1.0, 1.0)],
        [(1.0, 0.0), (30.0, 122.0), (0.0, 0.0), (25.0, 104.0), (-1.0, 0.0)],
    ],
    points=[(2.0, 0.0)],
)  # a hole of the union that vanishes once the units are taken off it
@given(polygons, st.lists(st.tuples(coord, coord), min_size=1, max_size=20))
def test_place_points_never_crashes_and_respects_the_tolerance(rings, points):
    units, _ = clean_polygons(_polys(rings))
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    pos, near, dist = place_points(x, y, units, np.arange(len(units)).astype(str), None)
    assert len(pos) == len(points)
    placed = pos >= 0
    # a point placed by the tolerance rule is within 100 m of its unit
    for k in np.flatnonzero(placed & (dist > 0)):
        assert shapely.distance(units[pos[k]], shapely.Point(x[k], y[k])) <= 100 + 1e-6


@SETTINGS
@given(polygons)
def test_topology_and_gap_owners_never_crash(rings):
    units, _ = clean_polygons(_polys(rings))
    overlaps, gaps, union = topology(units)
    assert union >= 0
    assert all(a >= 1.0 for *_, a in overlaps)
    holes, owners = gap_owners(units)
    assert len(holes) == len(owners)


@SETTINGS
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=5))
def test_arbitrary_bytes_decode_or_raise_a_clear_error(samples):
    encoding = detect_encoding(samples)
    for raw in samples:
        try:
            text = decode_text(raw, encoding)
        except UnicodeDecodeError:
            continue  # io turns this into a LayerReadError naming the column
        assert isinstance(text, str)
