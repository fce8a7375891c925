"""The country per commune on dask: 1 and 2 workers, and how the work divides.

Usage::

    python benchmarks/generate.py country DIR          # country-3300.gpkg (and -700)
    python benchmarks/bench_dask.py DIR/country-3300.gpkg [--workers 1,2] [--out FILE.json]
        [--per-worker N] [--repeat N]

The task is the breakdown of ``ict-gis coverage``: 2G, 4G and 5G (radii 4,
2 and 0.5 km; ``--tech`` to choose), each operator, ``any`` and ``all``, per unit, exact mode
(the ``arcs`` engine), as of the generator's end date. It is run once on this
machine without dask (the reference figures and time), then with
``scheduler=`` a ``distributed.LocalCluster`` of 1, then 2 worker processes
(one thread each) on loopback. Each cluster first runs a small warm-up (5G
only, untimed), so that the workers have imported ict_gis and loaded numba's
cache, as a long-lived cluster would have; the cluster's start is not timed.

For each run it records the wall time of the whole ``coverage()`` call, the
CPU time of each partition's thread (on a machine shared with other work the
wall times stretch, the CPU times much less: the CPU time of the busiest
worker against the total tells the speed-up on free cores), the
time of its distributed part (the call of
:func:`ict_gis.engines.dask.partitioned_areas_many`, which plans, sends and
gathers the partitions of all the technologies as one graph), and per
partition its technology (``job``), units, footprints, estimated work and
seconds, and the worker process that ran it (in the order submitted);
the figures must equal the reference's (the largest difference of each
column is recorded and must stay below 1e-3 km², people or %: the order of
the arcs engine's float sums depends on the footprints it is given). The load of the
machine (``os.getloadavg``) is recorded before each run: the machine may be
shared. Because it is, and because this machine's two cores do not always
give two cores' work (they are virtual, and the host's other guests take
their share), the run also measures what two cores give now, in the same
run: the arcs engine's main kernel on the case's 4G circles, run twice one
after the other, then twice side by side in two threads (it releases the
GIL), before each dask run and after the last; the ratio is the best
speed-up any 1 -> 2 split of compute work could show at that moment, and
the dask speed-up is printed against it. With ``--repeat N`` the 1- and
2-worker runs alternate N times (the machine's mood sampled alike) and the
speed-up is that of the median times. Results go to ``--out`` (JSON) and a
Markdown table to stdout.
``--per-worker`` sets :data:`ict_gis.engines.dask.PARTITIONS_PER_WORKER`
(partitions per worker and technology).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

import ict_gis.engines.dask as dask_engine
from ict_gis.footprints import FootprintModel
from ict_gis.layerset import read_layers
from ict_gis.metrics.coverage import coverage

RADII = {"2G": 4000.0, "4G": 2000.0, "5G": 500.0}
TECHS = "2G,4G,5G"
AS_OF = "2024-12-31"


class Recorder:
    """Wraps :func:`ict_gis.engines.dask.partitioned_areas_many` to keep each call's timings."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self._original = dask_engine.partitioned_areas_many

    def __enter__(self) -> Recorder:
        def recording(*args, **kwargs):
            timings: list[dict] = []
            start = time.perf_counter()
            result = self._original(*args, timings=timings, **kwargs)
            self.calls.append({"seconds": time.perf_counter() - start, "partitions": timings})
            return result

        dask_engine.partitioned_areas_many = recording
        return self

    def __exit__(self, *exc) -> None:
        dask_engine.partitioned_areas_many = self._original


def run_once(layers, techs: str, scheduler=None) -> tuple[pd.DataFrame, float, list[dict]]:
    model = FootprintModel(radii=RADII)
    with Recorder() as rec:
        start = time.perf_counter()
        table = coverage(layers, tech=techs, model=model, as_of=AS_OF, scheduler=scheduler)
        wall = time.perf_counter() - start
    return table, wall, rec.calls


def summary(calls: list[dict], techs: list[str]) -> dict:
    parts = [p for call in calls for p in call["partitions"]]
    per_tech: dict[str, float] = {}
    for p in parts:  # one call: its jobs are the technologies, in order
        per_tech[techs[p["job"]]] = per_tech.get(techs[p["job"]], 0.0) + p["seconds"]
    per_worker: dict[int, float] = {}
    cpu_per_worker: dict[int, float] = {}
    for p in parts:
        per_worker[p["pid"]] = per_worker.get(p["pid"], 0.0) + p["seconds"]
        cpu_per_worker[p["pid"]] = cpu_per_worker.get(p["pid"], 0.0) + p["cpu_seconds"]
    cpu = sorted(cpu_per_worker.values(), reverse=True)
    seconds = np.array([p["seconds"] for p in parts])
    work = np.array([p["work"] for p in parts], dtype=float)
    return {
        "distributed_s": sum(c["seconds"] for c in calls),
        "partitions": len(parts),
        "task_s_total": float(seconds.sum()),
        "task_s_min": float(seconds.min()),
        "task_s_max": float(seconds.max()),
        "busy_s_per_worker": sorted(per_worker.values(), reverse=True),
        "cpu_s_per_worker": cpu,
        # On free cores the wall time is the busiest worker's CPU time.
        "cpu_bound_speedup": float(sum(cpu) / cpu[0]),
        "work_vs_seconds_corr": float(np.corrcoef(work, seconds)[0, 1]) if len(parts) > 2 else None,
        "footprints_sent": int(sum(p["footprints"] for p in parts)),
        "units": int(sum(p["units"] for p in parts)),
        "task_s_per_tech": per_tech,
    }


def core_scaling(layers) -> float:
    """Return what two cores give now: one kernel twice in a row, over twice side by side.

    The kernel is :func:`ict_gis.engines._kernels.uncovered_arcs` (the arcs
    engine's largest part) on every station of the case as a 2 km circle.
    """
    from ict_gis.engines import _kernels
    from ict_gis.engines.arcs import _grid
    from ict_gis.units import metric_crs

    points = layers["bts_stations"].geometry.to_crs(metric_crs(layers["districts"]))
    x, y = points.x.to_numpy(), points.y.to_numpy()
    r = np.full(len(x), 2000.0)
    grid = _grid(x, y, r)
    x, y = x[grid[-1]], y[grid[-1]]
    grid = (*grid[:-1], np.arange(len(x), dtype=np.int64))
    group = np.zeros(len(x), dtype=np.int64)
    active = np.ones(len(x), dtype=bool)

    def run(_: object = None) -> None:
        _kernels.uncovered_arcs(x, y, r, group, active, False, grid, 0, len(x))

    run()
    start = time.perf_counter()
    run()
    run()
    in_a_row = time.perf_counter() - start
    with ThreadPoolExecutor(2) as pool:
        start = time.perf_counter()
        list(pool.map(run, range(2)))
        side_by_side = time.perf_counter() - start
    return in_a_row / side_by_side


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gpkg", type=Path)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--tech", default=TECHS, help="technologies (default 2G,4G,5G)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--per-worker", type=int, default=None, help="partitions per worker")
    parser.add_argument("--repeat", type=int, default=1, help="alternating runs per count")
    args = parser.parse_args()
    if args.per_worker is not None:
        dask_engine.PARTITIONS_PER_WORKER = args.per_worker
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    layers = read_layers(args.gpkg)
    read_s = time.perf_counter() - start
    units = len(layers["districts"])
    stations = len(layers["bts_stations"])
    results: dict = {"case": args.gpkg.name, "units": units, "sites": stations, "read_s": read_s}
    results["cpus"] = os.cpu_count()
    results["partitions_per_worker"] = dask_engine.PARTITIONS_PER_WORKER

    results["tech"] = args.tech
    run_once(layers, "5G")  # numba's cache loaded in this process too
    results["load_before_single"] = os.getloadavg()
    reference, wall, _ = run_once(layers, args.tech)
    results["single"] = {"wall_s": wall}
    print(f"single machine: {wall:.2f} s (load {results['load_before_single'][0]:.2f})")

    results["dask"] = []
    results["core_scaling"] = []
    counts = [int(w) for w in args.workers.split(",")]
    for n in counts * args.repeat:
        results["core_scaling"].append(core_scaling(layers))
        with (
            LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=":0",
            ) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            run_once(layers, "5G", client)  # warm-up, untimed
            load = os.getloadavg()
            table, wall, calls = run_once(layers, args.tech, client)
        # The same figures, but for the order of float sums (the arcs engine's
        # disk grid depends on the footprints sent): the largest differences.
        assert table.index.equals(reference.index)
        numbers = reference.select_dtypes("number").columns
        diff = (table[numbers] - reference[numbers]).abs().max()
        row = {"workers": n, "wall_s": wall, "load_before": load, "max_abs_diff": diff.to_dict()}
        row.update(summary(calls, args.tech.split(",")))
        results["dask"].append(row)
        print(
            f"{n} worker(s): {wall:.2f} s whole, {row['distributed_s']:.2f} s distributed, "
            f"busy per worker {', '.join(f'{b:.2f}' for b in row['busy_s_per_worker'])} s "
            f"(load {load[0]:.2f})"
        )
    results["core_scaling"].append(core_scaling(layers))
    scaling = statistics.median(results["core_scaling"])
    median = {
        n: statistics.median(r["distributed_s"] for r in results["dask"] if r["workers"] == n)
        for n in counts
    }
    results["median_distributed_s"] = median
    speedup = median[counts[0]] / median[counts[-1]]
    results["speedup_of_medians"] = speedup
    base = {"distributed_s": median[counts[0]]}
    print(
        f"two cores gave {', '.join(f'{s:.2f}x' for s in results['core_scaling'])} to a kernel "
        f"run side by side (median {scaling:.2f}x); dask {counts[0]} -> {counts[-1]} workers "
        f"(medians of {args.repeat}): {speedup:.2f}x, {speedup / scaling:.0%} of what the "
        "cores gave"
    )
    print()
    print("| workers | coverage() s | distributed part s | speed-up (distributed part) | "
          "partitions | task s min–max | busy s per worker | CPU s per worker | "
          "CPU total / busiest | load avg (1 min) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---|---|---:|---:|")
    for row in results["dask"]:
        print(
            f"| {row['workers']} | {row['wall_s']:.2f} | {row['distributed_s']:.2f} | "
            f"{base['distributed_s'] / row['distributed_s']:.2f}× | {row['partitions']} | "
            f"{row['task_s_min']:.2f}–{row['task_s_max']:.2f} | "
            f"{' / '.join(f'{b:.2f}' for b in row['busy_s_per_worker'])} | "
            f"{' / '.join(f'{b:.2f}' for b in row['cpu_s_per_worker'])} | "
            f"{row['cpu_bound_speedup']:.2f}× | {row['load_before'][0]:.2f} |"
        )
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1, default=float), encoding="utf-8")
    for row in results["dask"]:
        print(f"{row['workers']} worker(s), largest differences: {row['max_abs_diff']}")
        assert max(row["max_abs_diff"].values()) < 1e-3, "the dask run's figures differ"


if __name__ == "__main__":
    main()
