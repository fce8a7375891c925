"""Several measures as one dask graph: every partition submitted at once, largest first.

The figures are checked against the single-machine run of the same engine
(itself checked against closed forms in test_engines.py); the order of the
tasks against the estimated work counted here by hand (one per unit, plus
the footprints whose bounding box meets the unit's).
"""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np
import pandas as pd
import pytest
import shapely

from ict_gis.engines import get_engine
from ict_gis.layerset import bundled_layers

dask_engine = pytest.importorskip("ict_gis.engines.dask")
distributed = pytest.importorskip("distributed")

from test_dask import case  # noqa: E402


class RecordingClient:
    """A stand-in for ``distributed.Client``: runs each task in this process, records events.

    ``events`` gets ``("submit", args, priority)`` per task submitted and
    ``("wait",)`` when the caller starts waiting for the results.
    """

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self.events: list[tuple] = []
        self.loop = None

    def scheduler_info(self) -> dict:
        return {"workers": {f"w{k}": {"nthreads": 1} for k in range(self.workers)}}

    def compute(self, *args, **kwargs):  # pragma: no cover - only its presence counts
        raise AssertionError("not used")

    def scatter(self, data, broadcast: bool, hash: bool):
        assert broadcast and not hash
        return data

    def submit(self, fn, *args, pure: bool, priority: int) -> Future:
        self.events.append(("submit", args, priority))
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def gather(self, futures: list[Future]) -> list:
        return [f.result() for f in futures]


def by_hand_work(units, fp, positions) -> int:
    """One per unit, plus the footprints whose (polygon's) box meets the unit's box."""
    drawn = shapely.bounds(fp.geoms)
    b = shapely.bounds(units.values[positions])
    meets = (
        (drawn[:, None, 0] <= b[None, :, 2])
        & (drawn[:, None, 2] >= b[None, :, 0])
        & (drawn[:, None, 1] <= b[None, :, 3])
        & (drawn[:, None, 3] >= b[None, :, 1])
    )
    return int(meets.sum() + len(positions))


def test_every_measure_is_submitted_at_once_largest_first(monkeypatch):
    waits = []

    def as_completed(futures, loop=None):
        client.events.append(("wait",))
        waits.append(len(futures))
        return iter(futures)

    monkeypatch.setattr(distributed, "as_completed", as_completed)
    engine = get_engine("polygons")
    units, big = case(seed=1, n=400)
    _, small = case(seed=2, n=60)
    jobs = [dask_engine.Job(engine, small), dask_engine.Job(engine, big, want_all=False)]
    client = RecordingClient(workers=2)
    progress: list[tuple[int, int]] = []
    timings: list[dict] = []
    frames = dask_engine.partitioned_areas_many(
        jobs,
        units,
        scheduler=client,
        npartitions=8,
        progress=lambda done, total: progress.append((done, total)),
        timings=timings,
    )

    # The figures of each measure are the single-machine run's.
    for job, frame in zip(jobs, frames, strict=True):
        whole = engine.areas(units, job.footprints, want_all=job.want_all)
        pd.testing.assert_index_equal(frame.index, whole.index)
        np.testing.assert_allclose(frame.to_numpy(), whole.to_numpy(), rtol=1e-9, atol=1e-6)

    # One go: every task of both measures submitted before any result is awaited.
    kinds = [e[0] for e in client.events]
    submitted = kinds.index("wait")
    assert kinds == ["submit"] * submitted + ["wait"] and waits == [submitted]
    tasks = [e[1] for e in client.events[:submitted]]
    measured = {id(task[2]) for task in tasks}
    assert measured == {id(small), id(big)}
    # Each measure's partitions cover every unit once.
    for fp in (small, big):
        positions = np.concatenate([t[3] for t in tasks if t[2] is fp])
        assert sorted(positions) == list(range(len(units)))
    # Largest first, by the work counted by hand, across the measures; the
    # priorities say the same to the scheduler.
    work = [by_hand_work(units, t[2], t[3]) for t in tasks]
    assert work == sorted(work, reverse=True)
    assert work[0] > work[-1]
    priorities = [e[2] for e in client.events[:submitted]]
    assert priorities == sorted(priorities, reverse=True) and len(set(priorities)) == submitted
    # The partitions are shared by work: the big measure gets more of them.
    per_job = [sum(t[2] is fp for t in tasks) for fp in (small, big)]
    assert sum(per_job) == 8 and per_job[1] > per_job[0] >= 1
    assert [t["work"] for t in timings] == work
    assert [t["job"] for t in timings] == [0 if t[2] is small else 1 for t in tasks]

    # One progress bar over every partition of every measure.
    assert progress[0] == (0, submitted) and progress[-1] == (submitted, submitted)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    assert {t for _, t in progress} == {submitted}


def test_the_hilbert_order_is_computed_once_for_all_measures(monkeypatch):
    calls = []
    original = dask_engine._hilbert_order

    def counting(units):
        calls.append(len(units))
        return original(units)

    monkeypatch.setattr(dask_engine, "_hilbert_order", counting)
    engine = get_engine("polygons")
    units, fp = case(n=80, cells=4)
    jobs = [dask_engine.Job(engine, fp) for _ in range(3)]
    frames = dask_engine.partitioned_areas_many(jobs, units, scheduler="synchronous")
    assert calls == [len(units)]
    whole = engine.areas(units, fp)
    for frame in frames:
        np.testing.assert_allclose(frame.to_numpy(), whole.to_numpy(), rtol=1e-9, atol=1e-6)
    assert dask_engine.partitioned_areas_many([], units, scheduler="synchronous") == []


def test_three_technologies_on_a_local_cluster_as_one_graph(monkeypatch, loopback_cluster):
    from ict_gis.metrics.coverage import coverage

    layers = bundled_layers()
    options = {"tech": "2G,4G,5G", "as_of": "2024-12-31"}
    single = coverage(layers, **options)
    calls = []
    original = dask_engine.partitioned_areas_many

    def recording(jobs, units, **kwargs):
        timings: list[dict] = []
        calls.append((len(jobs), timings))
        return original(jobs, units, timings=timings, **kwargs)

    monkeypatch.setattr(dask_engine, "partitioned_areas_many", recording)
    progress: list[tuple[int, int]] = []
    with distributed.Client(loopback_cluster, set_as_default=False) as client:
        on_cluster = coverage(
            layers,
            **options,
            scheduler=client,
            progress=lambda done, total: progress.append((done, total)),
        )
    # One graph for the three technologies, its tasks run on both workers' threads.
    assert len(calls) == 1 and calls[0][0] == 3
    assert {t["job"] for t in calls[0][1]} == {0, 1, 2}
    # The same table, within 1e-3 km² (the order of float sums may differ).
    pd.testing.assert_index_equal(on_cluster.index, single.index)
    pd.testing.assert_frame_equal(on_cluster, single, check_exact=False, rtol=1e-9)
    numbers = single.select_dtypes("number").columns
    assert (on_cluster[numbers] - single[numbers]).abs().max().max() < 1e-3
    assert set(single["tech"]) == {"2G", "4G", "5G"}
    # One bar: units over all three technologies, from 0 to the end, never back.
    total = 3 * single.loc[single.index != "total"].index.nunique()
    assert progress[0] == (0, total) and progress[-1] == (total, total)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
