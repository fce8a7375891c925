"""The floor under ``ict-gis coverage``: what any command doing the same must spend.

Usage::

    python benchmarks/generate.py country DIR       # country-700.gpkg
    python benchmarks/floor.py DIR/country-700.gpkg [--repeat 3] [--naive] [--out FILE.json]

Issue 11 asks the whole command to be 10x (exact) and 20x (fast) quicker
than the naive GeoPandas recipe. Part of any run does not depend on how
coverage is computed: starting Python, importing GeoPandas, reading the
two layers and writing a table; with the ``fast`` extra, importing numba
and its first call of a cached kernel (numba then fills its typing
registries and imports SciPy's BLAS when SciPy is installed, whatever the
kernel). This script times those steps, each in a fresh ``python`` process
as :mod:`benchmarks.run` times the commands (medians of ``--repeat``), then
the commands themselves, and prints each against the naive recipe (its
time from ``--naive``, measured here, else from ``results.json`` of
``run.py``): a step's ratio is the best any program that does at least that
step could reach.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import ICT_GIS, PYTHON, measure  # noqa: E402

READ_AND_WRITE = """
import geopandas as gpd
units = gpd.read_file({gpkg!r}, layer="districts", use_arrow=True)
sites = gpd.read_file({gpkg!r}, layer="bts_stations", use_arrow=True)
units[["code"]].to_csv({out!r}, index=False)
"""
KERNEL_CALL = """
import numpy as np
from ict_gis.engines import _kernels
key = np.zeros(1, dtype=np.int64)
_kernels.count_at_least(key, np.zeros(1), np.ones(1), 1)
"""


def steps(gpkg: Path, folder: Path) -> dict[str, list[str]]:
    """The commands timed, by name, from the smallest to the whole command."""
    out = str(folder / "out.csv")
    read = READ_AND_WRITE.format(gpkg=str(gpkg), out=out)
    coverage = [*ICT_GIS, "-q", "coverage", str(gpkg), "--tech", "4G", "--operator", "any"]
    return {
        "python": [PYTHON, "-c", "pass"],
        "import geopandas": [PYTHON, "-c", "import geopandas"],
        "read the layers, write a table": [PYTHON, "-c", read],
        "... and numba's first kernel call": [PYTHON, "-c", read + KERNEL_CALL],
        "ict-gis coverage --mode fast": [*coverage, "--mode", "fast", "--format", "csv", "-o", out],
        "ict-gis coverage (exact)": [*coverage, "--format", "csv", "-o", out],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gpkg", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive", action="store_true", help="time the naive recipe here too")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    results: dict = {"case": args.gpkg.name, "load_before": os.getloadavg(), "steps": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        todo = steps(args.gpkg, folder)
        for cmd in todo.values():  # numba's cache and the OS's file cache warm
            subprocess.run(cmd, check=True, capture_output=True)
        for name, cmd in todo.items():
            runs = [measure(cmd)[0] for _ in range(args.repeat)]
            results["steps"][name] = {"median_s": statistics.median(runs), "runs": runs}
        if args.naive:
            cmd = [PYTHON, str(HERE / "run.py"), "--one", "naive", str(args.gpkg)]
            cmd += [str(folder / "naive.csv"), "4G"]
            start = time.perf_counter()
            runs = [measure(cmd)[0] for _ in range(args.repeat)]
            results["naive_s"] = statistics.median(runs)
            results["naive_runs"] = runs
            results["naive_from"] = f"measured here ({time.perf_counter() - start:.0f} s)"
    if "naive_s" not in results:
        rows = json.loads((HERE / "results.json").read_text(encoding="utf-8"))
        row = next(r for r in rows if r.get("case") == args.gpkg.stem and r.get("tech") == "4G")
        results["naive_s"] = row["naive"]["median_s"]
        results["naive_from"] = "benchmarks/results.json"
    naive = results["naive_s"]
    print(f"naive recipe: {naive:.2f} s ({results['naive_from']})")
    print(f"load average before: {results['load_before'][0]:.2f}\n")
    print("| step (fresh process) | seconds (median) | naive / step |")
    print("|---|---:|---:|")
    for name, row in results["steps"].items():
        print(f"| {name} | {row['median_s']:.2f} | {naive / row['median_s']:.1f}x |")
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
