"""A coverage engine run on dask: units partitioned spatially, the engine called per partition.

Every engine of :mod:`ict_gis.engines` works on any subset of the units, and
a unit's figures depend only on the footprints that can touch it. So the
units are put in Hilbert order (dask-geopandas' ``hilbert_distance`` of their
centres), cut into partitions of about equal work (the number of footprints
whose bounding box meets each unit's), and each partition is sent, with only
the footprints whose bounding box meets one of its units, to the engine as a
dask task. Several measures of the same units (one per technology, say)
run as one graph (:func:`partitioned_areas_many`): the Hilbert order is
computed once, every partition of every measure is submitted at once, the
largest (by estimated work) first, so that the last tasks are small and the
workers finish together. On a dask.distributed cluster the units and the
footprints are sent to every worker once (``Client.scatter``) and each task
carries only its positions in them, so the task graph stays small however
many partitions there are. The answers are put back in the units' order: the
figures are those of the single-machine run.

Schedulers (``scheduler=`` of :func:`ict_gis.metrics.coverage.coverage`,
``--scheduler`` on the command line):

``"threads"``, ``"processes"``, ``"synchronous"``
    dask's local schedulers (``processes`` uses one process per core).
``"tcp://HOST:PORT"``
    The dask.distributed scheduler at that address (an existing cluster);
    its workers need ``ict_gis`` installed.
a ``distributed.Client``
    That client's cluster (e.g. a ``LocalCluster`` made in Python).

Needs the ``dask`` extra (``pip install 'ict_gis[dask]'``: dask,
distributed, dask-geopandas).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ict_gis.engines import Engine, Footprints, Progress, areas_frame
from ict_gis.errors import SchedulerError
from ict_gis.geometry import Recent, digest

__all__ = [
    "DASK_EXTRA",
    "LOCAL_SCHEDULERS",
    "Job",
    "Partition",
    "footprints_near",
    "partitioned_areas",
    "partitioned_areas_many",
    "plan_partitions",
]

#: The pip extra that installs dask, distributed and dask-geopandas.
DASK_EXTRA = "dask"
#: dask's local schedulers, by name.
LOCAL_SCHEDULERS: tuple[str, ...] = ("threads", "processes", "synchronous")
#: Partitions per worker and measure by default (shared between the measures
#: of one graph by their estimated work). Few: each partition is sent, and
#: measures, every footprint that can touch one of its units, so smaller
#: partitions repeat more work along their edges; with the largest sent
#: first, the last tasks are small enough to keep the workers even.
PARTITIONS_PER_WORKER = 2


@dataclass(frozen=True)
class Partition:
    """One partition of the units and the footprints that can touch them.

    Attributes
    ----------
    positions
        Positions of its units in the units given (Hilbert order).
    footprints
        Positions of the footprints whose bounding box meets one of its units'.
    work
        Its estimated work: unit-footprint pairs whose bounding boxes meet,
        plus one per unit.
    """

    positions: np.ndarray
    footprints: np.ndarray
    work: int


@dataclass(frozen=True)
class Job:
    """One measure of the units: an engine's areas of one set of footprints.

    Attributes
    ----------
    engine
        A coverage engine of :mod:`ict_gis.engines`.
    footprints
        The footprints to measure (e.g. those of one technology).
    groups, want_any, want_all, resolution_m
        As for :meth:`~ict_gis.engines.Engine.areas`.
    """

    engine: Engine
    footprints: Footprints
    groups: bool = True
    want_any: bool = True
    want_all: bool = True
    resolution_m: float = 200.0

    def options(self) -> dict:
        """Return the keyword arguments of :meth:`~ict_gis.engines.Engine.areas` but ``workers``.

        They are the fields after ``engine`` and ``footprints``.
        """
        return {f.name: getattr(self, f.name) for f in fields(self)[2:]}


def _require_dask():
    try:
        import dask
        import dask_geopandas
    except ImportError:
        raise SchedulerError(
            f"Running on dask needs the {DASK_EXTRA!r} extra: pip install 'ict_gis[{DASK_EXTRA}]'."
        ) from None
    return dask, dask_geopandas


def _footprint_boxes(fp: Footprints) -> np.ndarray:
    """Bounding boxes of the footprints: the circle's, grown to the polygon's when drawn."""
    boxes = np.column_stack(
        [fp.x - fp.radius, fp.y - fp.radius, fp.x + fp.radius, fp.y + fp.radius]
    )
    if fp.drawn and fp.geoms.size:
        drawn = shapely.bounds(fp.geoms)
        ok = ~np.isnan(drawn).any(axis=1)
        boxes[ok, :2] = np.minimum(boxes[ok, :2], drawn[ok, :2])
        boxes[ok, 2:] = np.maximum(boxes[ok, 2:], drawn[ok, 2:])
    return boxes


def _present(geoms: np.ndarray) -> np.ndarray:
    """Whether each unit has a geometry (not missing, not empty)."""
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def _unit_envelopes(units: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Return the envelopes of the units with a geometry, and their positions."""
    geoms = np.asarray(units.values, dtype=object)
    valid = _present(geoms)
    return shapely.envelope(geoms[valid]), np.flatnonzero(valid)


def _pairs(
    envelopes: np.ndarray, valid: np.ndarray, fp: Footprints
) -> tuple[np.ndarray, np.ndarray]:
    """Return (unit position, footprint position) of every pair whose bounding boxes meet."""
    if not len(fp.x) or not len(valid):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    tree = shapely.STRtree(shapely.box(*_footprint_boxes(fp).T))
    # Without a predicate the tree compares bounding boxes: those of boxes are exact.
    unit_pos, fp_pos = tree.query(envelopes)
    return valid[unit_pos], fp_pos


def _hilbert_order(units: gpd.GeoSeries) -> np.ndarray:
    """Positions of the units sorted by the Hilbert distance of their centres."""
    _, dask_geopandas = _require_dask()
    geoms = np.asarray(units.values, dtype=object)
    valid = _present(geoms)
    distance = np.zeros(len(geoms), dtype=np.int64)
    if valid.any():
        centres = gpd.GeoSeries(shapely.centroid(geoms[valid]), crs=units.crs)
        frame = dask_geopandas.from_geopandas(gpd.GeoDataFrame(geometry=centres), npartitions=1)
        bounds = centres.total_bounds
        distance[valid] = frame.hilbert_distance(total_bounds=bounds).compute().to_numpy()
    return np.argsort(distance, kind="stable")


def plan_partitions(
    units: gpd.GeoSeries, footprints: Footprints, npartitions: int
) -> list[Partition]:
    """Cut the units, in Hilbert order, into partitions of about equal work.

    Parameters
    ----------
    units
        Unit polygons in the footprints' metric CRS.
    footprints
        The footprints of one technology.
    npartitions
        The number of partitions wanted (fewer when there are fewer units).

    Returns
    -------
    list of Partition
        Non-empty partitions covering every unit once.
    """
    if len(units) == 0:
        return []
    envelopes, valid = _unit_envelopes(units)
    return _cut(_hilbert_order(units), *_pairs(envelopes, valid, footprints), npartitions)


def _plan_many(units: gpd.GeoSeries, jobs: list[Job], npartitions: int) -> list[list[Partition]]:
    """Partitions of each job: the Hilbert order once, ``npartitions`` shared by estimated work."""
    if len(units) == 0:
        return [[] for _ in jobs]
    order = _hilbert_order(units)
    envelopes, valid = _unit_envelopes(units)
    pairs = [_pairs(envelopes, valid, job.footprints) for job in jobs]
    work = np.array([len(unit_pos) + len(units) for unit_pos, _ in pairs], dtype=float)
    shares = np.maximum(1, np.round(npartitions * work / work.sum())).astype(int)
    return [_cut(order, *pair, int(k)) for pair, k in zip(pairs, shares, strict=True)]


def _cut(
    order: np.ndarray, unit_pos: np.ndarray, fp_pos: np.ndarray, npartitions: int
) -> list[Partition]:
    """Cut the units in ``order`` where the cumulative work passes each share of the total."""
    n = len(order)
    cost = np.bincount(unit_pos, minlength=n) + 1
    cumulative = np.cumsum(cost[order])
    parts = max(1, min(int(npartitions), n))
    # Cut where the cumulative work passes each k/parts of the total.
    targets = cumulative[-1] * np.arange(1, parts) / parts
    cuts = np.unique(np.searchsorted(cumulative, targets, side="left") + 1)
    cuts = cuts[(cuts > 0) & (cuts < n)]
    chunks = [chunk for chunk in np.split(order, cuts) if len(chunk)]
    part_of = np.empty(n, dtype=np.int64)
    for k, chunk in enumerate(chunks):
        part_of[chunk] = k
    pair_part = part_of[unit_pos]
    found = []
    for k, chunk in enumerate(chunks):
        near = np.unique(fp_pos[pair_part == k])
        found.append(Partition(np.sort(chunk), near, int(cost[chunk].sum())))
    return found


def footprints_near(footprints: Footprints, positions: np.ndarray) -> Footprints:
    """Return the footprints at ``positions`` (same operators; the others dropped)."""
    positions = np.asarray(positions, dtype=np.int64)
    return replace(
        footprints,
        geoms=footprints.geoms[positions],
        x=footprints.x[positions],
        y=footprints.y[positions],
        radius=footprints.radius[positions],
        azimuth=footprints.azimuth[positions],
        beamwidth=footprints.beamwidth[positions],
        group=footprints.group[positions],
        unit=footprints.unit[positions],
    )


def _measure(
    engine: Engine, units: gpd.GeoSeries, fp: Footprints, options: dict
) -> tuple[np.ndarray, float, float, int]:
    """Run one partition's task: the engine's areas, wall and CPU seconds, and the process id."""
    start, cpu = time.perf_counter(), time.thread_time()
    frame = engine.areas(units, fp, workers=1, **options)
    return (
        frame.to_numpy(),
        time.perf_counter() - start,
        time.thread_time() - cpu,
        os.getpid(),
    )


def _measure_near(
    engine: Engine,
    units: gpd.GeoSeries,
    footprints: Footprints,
    unit_positions: np.ndarray,
    footprint_positions: np.ndarray,
    options: dict,
) -> tuple[np.ndarray, float, float, int]:
    """Run one partition's task from the data every worker holds: its units and footprints."""
    return _measure(
        engine,
        units.iloc[unit_positions],
        footprints_near(footprints, footprint_positions),
        options,
    )


def _workers_of(scheduler: object) -> int:
    if isinstance(scheduler, str) and scheduler in LOCAL_SCHEDULERS:
        return 1 if scheduler == "synchronous" else os.cpu_count() or 1
    info = scheduler.scheduler_info()  # a distributed.Client
    return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))


def _client(scheduler: object):
    """Return a ``distributed.Client`` for an address (caller closes it); ``None`` if local."""
    if not isinstance(scheduler, str):
        if hasattr(scheduler, "scheduler_info") and hasattr(scheduler, "compute"):
            return None
        raise SchedulerError(
            f"scheduler must be one of {', '.join(LOCAL_SCHEDULERS)}, an address "
            f"tcp://HOST:PORT or a distributed.Client, not {type(scheduler).__name__}."
        )
    if scheduler in LOCAL_SCHEDULERS:
        return None
    if "://" not in scheduler:
        raise SchedulerError(
            f"Unknown scheduler {scheduler!r}: use {', '.join(LOCAL_SCHEDULERS)} or the "
            "address of a dask.distributed scheduler, tcp://HOST:PORT."
        )
    try:
        from distributed import Client
    except ImportError:
        raise SchedulerError(
            f"A dask.distributed scheduler needs the {DASK_EXTRA!r} extra: "
            f"pip install 'ict_gis[{DASK_EXTRA}]'."
        ) from None
    try:
        return Client(scheduler, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerError(f"Cannot reach the dask scheduler at {scheduler}: {exc}") from exc


def partitioned_areas(
    engine: Engine,
    units: gpd.GeoSeries,
    footprints: Footprints,
    *,
    scheduler: object = "threads",
    npartitions: int | None = None,
    groups: bool = True,
    want_any: bool = True,
    want_all: bool = True,
    resolution_m: float = 200.0,
    workers: int | None = None,
    progress: Progress | None = None,
    timings: list[dict] | None = None,
) -> pd.DataFrame:
    """Run the engine's :meth:`~ict_gis.engines.Engine.areas` partition by partition on dask.

    The one-measure case of :func:`partitioned_areas_many`.

    Parameters
    ----------
    engine
        A coverage engine (it must work on any subset of the units, as every
        engine of :mod:`ict_gis.engines` does).
    units, footprints, groups, want_any, want_all, resolution_m
        As for :meth:`~ict_gis.engines.Engine.areas`.
    scheduler, npartitions, progress, timings
        As for :func:`partitioned_areas_many`.
    workers
        Ignored: each partition runs on one thread; the scheduler's workers
        give the parallelism.

    Returns
    -------
    pandas.DataFrame
        As :meth:`~ict_gis.engines.Engine.areas`: the same figures.

    Raises
    ------
    SchedulerError
        If the scheduler is unknown or unreachable, or dask is not installed.
    """
    job = Job(engine, footprints, groups, want_any, want_all, resolution_m)
    (frame,) = partitioned_areas_many(
        [job],
        units,
        scheduler=scheduler,
        npartitions=npartitions,
        progress=progress,
        timings=timings,
    )
    return frame


def partitioned_areas_many(
    jobs: Sequence[Job],
    units: gpd.GeoSeries,
    *,
    scheduler: object = "threads",
    npartitions: int | None = None,
    progress: Progress | None = None,
    timings: list[dict] | None = None,
) -> list[pd.DataFrame]:
    """Run several measures of the same units partition by partition, as one dask graph.

    The units are put in Hilbert order once; each job's units are cut into
    partitions of about equal estimated work; every partition of every job
    is submitted at once, the largest first.

    Parameters
    ----------
    jobs
        The measures (e.g. one per technology).
    units
        Unit polygons in the footprints' metric CRS.
    scheduler
        See the module docstring.
    npartitions
        About how many partitions over all the jobs, shared between them by
        estimated work (each job's share rounded, at least one); default
        :data:`PARTITIONS_PER_WORKER` per worker thread of the scheduler and
        per job.
    progress
        Called as ``progress(done, total)`` per partition done, over all the
        jobs (on a dask.distributed cluster; at the end on a local scheduler).
    timings
        When a list, one dict per partition is appended, in the order they
        were submitted: ``job`` (its position in ``jobs``), ``units``,
        ``footprints``, ``work``, ``seconds`` (wall), ``cpu_seconds`` (of the
        thread that ran it) and the ``pid`` of its process.

    Returns
    -------
    list of pandas.DataFrame
        One per job, as :meth:`~ict_gis.engines.Engine.areas`: the same figures.

    Raises
    ------
    SchedulerError
        If the scheduler is unknown or unreachable, or dask is not installed.
    """
    dask, _ = _require_dask()
    jobs = list(jobs)
    if not jobs:
        return []
    client = _client(scheduler)
    owned = client is not None
    if client is None and not isinstance(scheduler, str):
        client = scheduler
    try:
        count = npartitions or PARTITIONS_PER_WORKER * _workers_of(client or scheduler) * len(jobs)
        plans = _plan_many(units, jobs, count)
        # Largest first, over all the jobs: the last tasks are the small ones.
        queue = sorted(
            ((k, part) for k, plan in enumerate(plans) for part in plan),
            key=lambda item: -item[1].work,
        )
        if client is None:
            measure = dask.delayed(_measure, pure=False)
            tasks = [
                measure(
                    jobs[k].engine,
                    units.iloc[part.positions],
                    footprints_near(jobs[k].footprints, part.footprints),
                    jobs[k].options(),
                )
                for k, part in queue
            ]
        else:
            # Every worker gets the units and footprints once; a task, its positions.
            shared_units = _scattered_units(client, units)
            shared_fp = client.scatter([j.footprints for j in jobs], broadcast=True, hash=False)
            tasks = [
                (
                    _measure_near,
                    jobs[k].engine,
                    shared_units,
                    shared_fp[k],
                    part.positions,
                    part.footprints,
                    jobs[k].options(),
                )
                for k, part in queue
            ]
        results = _run(dask, tasks, client, scheduler, progress)
    finally:
        if owned:
            client.close()
    out = [np.zeros((len(units), len(job.footprints.operators) + 2)) for job in jobs]
    for (k, part), (values, seconds, cpu, pid) in zip(queue, results, strict=True):
        out[k][part.positions] = values
        if timings is not None:
            timings.append(
                {
                    "job": k,
                    "units": len(part.positions),
                    "footprints": len(part.footprints),
                    "work": part.work,
                    "seconds": seconds,
                    "cpu_seconds": cpu,
                    "pid": pid,
                }
            )
    frames = []
    for job, values in zip(jobs, out, strict=True):
        n_ops = len(job.footprints.operators)
        frames.append(
            areas_frame(
                units,
                job.footprints.operators,
                values[:, :n_ops],
                values[:, n_ops],
                values[:, n_ops + 1],
            )
        )
    return frames


def _scattered_units(client, units: gpd.GeoSeries):
    """Scatter the units to every worker, once per client: each technology reuses them.

    Remembered under the client and a digest of the units' geometries and
    codes: another client, or other units, scatter again.
    """
    key = (client, digest(np.asarray(units.values, dtype=object), tuple(map(str, units.index))))
    return _SCATTERED.get(key, lambda: client.scatter(units, broadcast=True, hash=False))


#: The last units scattered (see :func:`_scattered_units`).
_SCATTERED = Recent(1)


def _run(dask, tasks: list, client, scheduler: object, progress: Progress | None) -> list:
    total = len(tasks)
    if progress is not None:
        progress(0, total)
    if client is None:
        results = list(dask.compute(*tasks, scheduler=scheduler))
    else:
        from distributed import as_completed

        # Submitted in order, each with a priority to match: the first runs first.
        futures = [
            client.submit(*task, pure=False, priority=total - rank)
            for rank, task in enumerate(tasks)
        ]
        for done, _ in enumerate(as_completed(futures, loop=client.loop), start=1):
            if progress is not None:
                progress(done, total)
        results = client.gather(futures)
    if progress is not None:
        progress(total, total)
    return results
