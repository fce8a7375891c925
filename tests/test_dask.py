"""The coverage on dask: Hilbert partitions, footprints per partition, same figures.

The reference is the single-machine run of the same engine (itself checked
against closed forms and fine polygons in test_engines.py); a dask run must
give the same figures, on dask's local schedulers and on a
``distributed.LocalCluster`` on loopback that the test starts and closes.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from ict_gis.engines import Footprints, available_engines, get_engine
from ict_gis.errors import SchedulerError
from ict_gis.layerset import bundled_layers

dask_engine = pytest.importorskip("ict_gis.engines.dask")
pytest.importorskip("dask_geopandas")

import geopandas as gpd  # noqa: E402

OPERATORS = ["Viettel", "VNPT", "MobiFone"]


def case(seed: int = 7, n: int = 300, cells: int = 10, size: float = 10_000.0):
    """A grid of cells x cells square units and n circles (1-6 km) of three operators."""
    rng = np.random.default_rng(seed)
    boxes = [
        shapely.box(i * size, j * size, (i + 1) * size, (j + 1) * size)
        for j in range(cells)
        for i in range(cells)
    ]
    units = gpd.GeoSeries(boxes, index=[f"U{k:03d}" for k in range(len(boxes))], crs="EPSG:3405")
    x = rng.uniform(0, cells * size, n)
    y = rng.uniform(0, cells * size, n)
    r = rng.uniform(1_000, 6_000, n)
    group = rng.integers(0, 3, n)
    col = np.minimum((x // size).astype(int), cells - 1)
    row = np.minimum((y // size).astype(int), cells - 1)
    unit = units.index.to_numpy()[row * cells + col]
    polys = shapely.buffer(shapely.points(x, y), r * 1.0033, quad_segs=8)
    fp = Footprints(
        geoms=polys,
        x=x,
        y=y,
        radius=r,
        azimuth=np.full(n, np.nan),
        beamwidth=np.full(n, 360.0),
        group=group.astype(np.int64),
        unit=unit.astype(object),
        operators=OPERATORS,
    )
    return units, fp


def test_partitions_cover_every_unit_once_and_get_the_footprints_that_can_touch_them():
    units, fp = case()
    plan = dask_engine.plan_partitions(units, fp, 6)
    assert len(plan) == 6
    positions = np.concatenate([p.positions for p in plan])
    assert sorted(positions) == list(range(len(units)))
    drawn = shapely.bounds(fp.geoms)
    for part in plan:
        # By hand: a footprint belongs to a partition when its polygon's box
        # meets the box of one of the partition's units (units are boxes here).
        b = shapely.bounds(units.values[part.positions])
        meets = (
            (drawn[:, None, 0] <= b[None, :, 2])
            & (drawn[:, None, 2] >= b[None, :, 0])
            & (drawn[:, None, 1] <= b[None, :, 3])
            & (drawn[:, None, 3] >= b[None, :, 1])
        ).any(axis=1)
        assert list(part.footprints) == list(np.flatnonzero(meets))
        assert 0 < len(part.footprints) < len(fp.x)
    # Hilbert order keeps partitions compact: each spans far less than the grid.
    spans = [np.ptp(shapely.bounds(units.values[p.positions])[:, [0, 2]]) for p in plan]
    assert max(spans) < 100_000


def test_work_is_balanced_between_partitions():
    units, fp = case(n=600)
    plan = dask_engine.plan_partitions(units, fp, 4)
    work = np.array([p.work for p in plan])
    # Work of a unit: 1 + the footprints whose box meets it (counted by hand here).
    drawn = shapely.bounds(fp.geoms)
    b = shapely.bounds(units.values)
    meets = (
        (drawn[:, None, 0] <= b[None, :, 2])
        & (drawn[:, None, 2] >= b[None, :, 0])
        & (drawn[:, None, 1] <= b[None, :, 3])
        & (drawn[:, None, 3] >= b[None, :, 1])
    )
    per_unit = meets.sum(axis=0) + 1
    assert work.sum() == per_unit.sum()
    # Cuts fall between units: each partition is within one unit's work of its share.
    assert np.abs(work - work.sum() / 4).max() <= per_unit.max()


@pytest.mark.parametrize("name", ["polygons", "arcs", "scanlines"])
@pytest.mark.parametrize("scheduler", ["synchronous", "threads"])
def test_partitioned_run_gives_the_figures_of_the_whole_run(name, scheduler):
    if name not in available_engines():
        pytest.skip(f"{name} needs numba")
    engine = get_engine(name)
    units, fp = case()
    whole = engine.areas(units, fp)
    timings: list[dict] = []
    parts = dask_engine.partitioned_areas(
        engine, units, fp, scheduler=scheduler, npartitions=5, timings=timings
    )
    assert (whole["any"] > 0).sum() > len(units) // 2
    pd.testing.assert_index_equal(parts.index, whole.index)
    np.testing.assert_allclose(parts.to_numpy(), whole.to_numpy(), rtol=1e-9, atol=1e-6)
    assert len(timings) == 5 and sum(t["units"] for t in timings) == len(units)
    for t in timings:
        assert set(t) == {"job", "units", "footprints", "work", "seconds", "cpu_seconds", "pid"}
        assert t["job"] == 0
        assert t["cpu_seconds"] >= 0 and t["seconds"] >= 0


def test_units_without_geometry_and_no_footprints():
    units, fp = case(n=40, cells=3)
    units = units.copy()
    units.iloc[1] = None
    engine = get_engine("polygons")
    whole = engine.areas(units, fp)
    parts = dask_engine.partitioned_areas(engine, units, fp, scheduler="synchronous")
    np.testing.assert_allclose(parts.to_numpy(), whole.to_numpy(), rtol=1e-9, atol=1e-6)
    assert (parts.iloc[1] == 0).all()
    none = dask_engine.footprints_near(fp, np.empty(0, dtype=np.int64))
    empty = dask_engine.partitioned_areas(engine, units, none, scheduler="synchronous")
    assert (empty.to_numpy() == 0).all()


def test_the_whole_coverage_on_a_local_cluster_is_the_single_machine_run(loopback_cluster):
    distributed = pytest.importorskip("distributed")
    layers = bundled_layers()
    options = {"tech": "2G,4G", "as_of": "2024-12-31"}
    single = coverage(layers, **options)
    on_cluster = coverage(layers, **options, scheduler=loopback_cluster.scheduler_address)
    with distributed.Client(loopback_cluster, set_as_default=False) as client:
        with_client = coverage(layers, tech="4G", as_of="2024-12-31", scheduler=client)
    pd.testing.assert_frame_equal(on_cluster, single, check_exact=False, rtol=1e-9)
    four_g = single[single["tech"] == "4G"]
    pd.testing.assert_frame_equal(with_client, four_g, check_exact=False, rtol=1e-9)


def coverage(*args, **kwargs):
    from ict_gis.metrics.coverage import coverage as run

    return run(*args, **kwargs)


def test_processes_scheduler_gives_the_same_table():
    layers = bundled_layers()
    single = coverage(layers, tech="4G", mode="fast", as_of="2024-12-31")
    on_processes = coverage(
        layers, tech="4G", mode="fast", as_of="2024-12-31", scheduler="processes"
    )
    pd.testing.assert_frame_equal(on_processes, single, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("scheduler", ["cluster", "tcp//nohost", 3])
def test_unknown_schedulers_are_refused(scheduler):
    with pytest.raises(SchedulerError, match="threads, processes, synchronous"):
        coverage(bundled_layers(), tech="4G", scheduler=scheduler)


def test_cli_scheduler_option_prints_the_same_table():
    from ict_gis.cli.main import cli

    args = ["coverage", "--tech", "4G", "--as-of", "2024-12-31", "--format", "csv"]
    plain = CliRunner().invoke(cli, args, catch_exceptions=False)
    threaded = CliRunner().invoke(cli, [*args, "--scheduler", "threads"], catch_exceptions=False)
    assert plain.exit_code == 0 and threaded.exit_code == 0, threaded.output
    # The same table (floats printed in full agree to their last 3 digits).
    read = [pd.read_csv(io.StringIO(r.output)) for r in (plain, threaded)]
    pd.testing.assert_frame_equal(read[1], read[0], check_exact=False, rtol=1e-9)
    bad = CliRunner().invoke(cli, [*args, "--scheduler", "yarn"])
    assert bad.exit_code == 1 and "Unknown scheduler 'yarn'" in bad.output
