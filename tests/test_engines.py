"""The coverage engines behind one interface: registry, agreement, partitions, fast mode."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ict_gis import engines
from ict_gis.engines import ALL, ANY, Footprints, available_engines, get_engine
from ict_gis.errors import CoverageError
from ict_gis.footprints import area_corrected_radius
from ict_gis.geometry import polygon_positions

OPERATORS = ["Viettel", "VNPT", "MobiFone"]


def footprints(x, y, r, group, units, *, quad_segs=8, azimuth=None):
    """Footprints of circles (or wedges of 65°), with area-corrected polygons."""
    x, y, r = (np.asarray(v, dtype=float) for v in (x, y, r))
    pos = polygon_positions(x, y, np.asarray(units.values, dtype=object))
    codes = np.append(units.index.to_numpy(dtype=object), None)[np.where(pos >= 0, pos, len(units))]
    polys = shapely.buffer(
        shapely.points(x, y), area_corrected_radius(r, 4 * quad_segs), quad_segs=quad_segs
    )
    az = np.full(len(x), np.nan) if azimuth is None else np.asarray(azimuth, dtype=float)
    return Footprints(
        geoms=polys,
        x=x,
        y=y,
        radius=r,
        azimuth=az,
        beamwidth=np.where(np.isnan(az), 360.0, 65.0),
        group=np.asarray(group, dtype=np.int64),
        unit=codes,
        operators=OPERATORS,
    )


def generated_case(seed=11, n=60, cells=8):
    """Random circles of three operators (one disk twice) over a Voronoi mosaic of units."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 20_000, n), rng.uniform(0, 20_000, n)
    r = rng.choice([700.0, 1500.0, 3000.0], n)
    x[1], y[1], r[1] = x[0], y[0], r[0]  # identical disks of two operators
    group = rng.integers(0, 3, n)
    group[1] = (group[0] + 1) % 3
    mosaic = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(rng.uniform(0, 20_000, (cells, 2))),
            extend_to=shapely.box(0, 0, 20_000, 20_000),
        )
    )
    mosaic = shapely.intersection(mosaic, shapely.box(0, 0, 20_000, 20_000))
    units = gpd.GeoSeries(mosaic, index=[f"U{i}" for i in range(len(mosaic))])
    return units, x, y, r, group


def test_the_registry():
    assert {"polygons", "arcs", "scanlines"} <= set(engines.engine_names())
    assert "polygons" in available_engines()
    assert get_engine("polygons").mode == "exact"
    with pytest.raises(CoverageError, match="Unknown coverage engine 'gpu'"):
        get_engine("gpu")
    with pytest.raises(CoverageError, match="registered already"):
        engines.register_engine(get_engine("polygons"))


def test_without_numba_every_mode_runs_on_polygons(monkeypatch):
    from ict_gis.engines import arcs, scanlines

    monkeypatch.setattr(arcs, "numba_installed", lambda: False)
    monkeypatch.setattr(scanlines, "numba_installed", lambda: False)
    assert available_engines() == ["polygons"]
    assert engines.default_engine("exact").name == "polygons"
    assert engines.default_engine("fast").name == "polygons"
    with pytest.raises(CoverageError, match=r"'fast' extra: pip install 'ict_gis\[fast\]'"):
        get_engine("scanlines")


def test_the_defaults_with_numba():
    pytest.importorskip("numba")
    units, x, y, r, group = generated_case()
    circles = footprints(x, y, r, group, units)
    wedges = footprints(x, y, r, group, units, azimuth=np.zeros(len(x)))
    assert engines.default_engine("exact", circles).name == "arcs"
    assert engines.default_engine("exact", wedges).name == "polygons"
    assert engines.default_engine("fast", wedges).name == "scanlines"


def test_arcs_agree_with_fine_polygons_and_the_polygons_engine():
    pytest.importorskip("numba")
    units, x, y, r, group = generated_case()
    # An independent method: polygons of 256 segments per quarter, area-corrected
    # (their own error at the corners of unions is ~1e-5 of the areas).
    fine = footprints(x, y, r, group, units, quad_segs=256)
    arcs = get_engine("arcs").areas(units, fine)
    polys = fine.geoms
    for code, cell in units.items():
        per = [shapely.intersection(shapely.union_all(polys[group == g]), cell) for g in range(3)]
        assert arcs.loc[code, ANY] == pytest.approx(shapely.union_all(per).area, rel=3e-5, abs=1)
        assert arcs.loc[code, ALL] == pytest.approx(
            shapely.intersection_all(per).area, rel=3e-5, abs=1
        )
        for g, name in enumerate(OPERATORS):
            assert arcs.loc[code, name] == pytest.approx(per[g].area, rel=3e-5, abs=1.0)
    # The two exact engines give the same figures within 0.01 %.
    reference = get_engine("polygons").areas(units, fine)
    assert list(reference.columns) == [*OPERATORS, ANY, ALL]
    assert (arcs.to_numpy() > 0).any()
    np.testing.assert_allclose(arcs.to_numpy(), reference.to_numpy(), rtol=1e-4, atol=1.0)


def test_arcs_all_in_small_chunks_of_circles(monkeypatch):
    """ "all" paired a few circles at a time (as on a country) gives the same areas."""
    pytest.importorskip("numba")
    from ict_gis.engines import arcs as arcs_module

    units, x, y, r, group = generated_case(seed=5, n=80)
    fine = footprints(x, y, r, group, units, quad_segs=256)
    monkeypatch.setattr(arcs_module, "ALL_CHUNK", 3)
    arcs = get_engine("arcs").areas(units, fine)
    polys = fine.geoms
    for code, cell in units.items():
        per = [shapely.intersection(shapely.union_all(polys[group == g]), cell) for g in range(3)]
        assert arcs.loc[code, ALL] == pytest.approx(
            shapely.intersection_all(per).area, rel=3e-5, abs=1
        )
    assert (arcs[ALL] > 0).sum() >= 3


@pytest.mark.parametrize("name", ["polygons", "arcs", "scanlines"])
def test_a_partition_of_the_units_gives_the_whole_run(name):
    if name not in available_engines():
        pytest.skip(f"{name} needs numba")
    engine = get_engine(name)
    units, x, y, r, group = generated_case(seed=3, n=120, cells=12)
    fp = footprints(x, y, r, group, units)
    whole = engine.areas(units, fp)
    order = np.random.default_rng(5).permutation(len(units))
    parts = [units.iloc[np.sort(chunk)] for chunk in np.array_split(order, 3)]
    joined = pd.concat([engine.areas(part, fp) for part in parts]).reindex(whole.index)
    assert (whole[ANY] > 0).sum() > len(units) // 2
    np.testing.assert_allclose(joined.to_numpy(), whole.to_numpy(), rtol=1e-9, atol=1e-6)
    # Units one by one too (and units the footprints' centres are not in).
    single = pd.concat([engine.areas(units.iloc[[i]], fp) for i in range(len(units))])
    np.testing.assert_allclose(single.to_numpy(), whole.to_numpy(), rtol=1e-9, atol=1e-6)


def segment_area(r: float, h: float) -> float:
    """Area of the part of a disk of radius r beyond a line at distance h from its centre."""
    return r * r * math.acos(h / r) - h * math.sqrt(r * r - h * h)


def test_fast_mode_on_small_circles_is_within_half_a_percent():
    pytest.importorskip("numba")
    # 5G-like circles of 500 m, apart from each other, each cut by the edge
    # between two units (x = 10 km) at a distance h from its centre, or
    # whole inside the west unit: exact areas in closed form.
    r = 500.0
    west = shapely.box(0, 0, 10_000, 20_000)
    east = shapely.box(10_000, 0, 20_000, 20_000)
    units = gpd.GeoSeries([west, east], index=["W", "E"])
    cut = [(10_000 - h, 1_300 + 1_500 * k, h) for k, h in enumerate([50, 130, 210, 290, 370, 440])]
    whole = [(3_000 + 1_300 * k, 17_000.0 + 300 * (k % 2), None) for k in range(4)]
    x = np.array([c[0] for c in cut + whole])
    y = np.array([c[1] for c in cut + whole], dtype=float)
    fp = footprints(x, y, np.full(len(x), r), np.zeros(len(x)), units)
    east_area = sum(segment_area(r, h) for _, _, h in cut)
    west_area = len(x) * math.pi * r * r - east_area
    fast = get_engine("scanlines").areas(units, fp)
    assert east_area > 0.5e6  # at least 0.5 km² covered in each unit
    assert fast.loc["W", ANY] == pytest.approx(west_area, rel=5e-3)
    assert fast.loc["E", ANY] == pytest.approx(east_area, rel=5e-3)
    assert fast.loc["E", "Viettel"] == pytest.approx(east_area, rel=5e-3)


def test_the_exact_engines_agree_on_hand_fixtures_within_a_hundredth_of_a_percent():
    pytest.importorskip("numba")
    # Two circles of two operators d apart (a lens), cut by the edge between
    # two units at x = h; a third operator's circle alone in the east unit.
    r, d, h = 2000.0, 2500.0, 1200.0
    units = gpd.GeoSeries(
        [shapely.box(-10_000, -10_000, h, 10_000), shapely.box(h, -10_000, 10_000, 10_000)],
        index=["W", "E"],
    )
    fp = footprints([-d / 2, d / 2, 7000.0], [0.0, 0.0, 0.0], [r, r, r], [0, 1, 2], units,
                    quad_segs=256)  # fmt: skip
    arcs = get_engine("arcs").areas(units, fp)
    polygons = get_engine("polygons").areas(units, fp)
    np.testing.assert_allclose(arcs.to_numpy(), polygons.to_numpy(), rtol=1e-4, atol=1.0)
    # Closed forms: the lens, the disks, the segment of the VNPT disk east of h.
    lens = 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)
    disk = math.pi * r * r
    east = segment_area(r, h - d / 2)
    assert arcs.loc["E", "VNPT"] == pytest.approx(east, rel=1e-9)
    assert arcs.loc["E", "MobiFone"] == pytest.approx(disk, rel=1e-9)
    assert arcs.loc["W", ANY] + arcs.loc["E", ANY] == pytest.approx(3 * disk - lens, rel=1e-9)
    assert arcs.loc["W", ALL] == 0.0  # the third operator covers nothing in the west
    assert arcs.loc["E", "Viettel"] == 0.0
