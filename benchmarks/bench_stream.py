"""Count a large point inventory per unit, streamed: time and peak memory.

Usage::

    python benchmarks/bench_stream.py DIR/country-3300.gpkg --rows 10000000 [--whole]
        [--command] [--cells-dir DIR]

Writes ``cells-N.gpkg`` next to the case, or in ``--cells-dir`` (N random
points inside the case's units, written a million at a time; kept for the
next run), then, in a fresh process, ``ict_gis.units.count_points``
(batches of 100,000 points placed by the one placement rule); with
``--command``, also the command a user runs, ``ict-gis -q progress count
CELLS CASE --format csv -o FILE`` (the case read and validated as its layer
set, its districts as the units); with ``--whole``, also the same count
after reading the whole layer (``geopandas.read_file`` + ``assign_units``),
for comparison. Wall time and peak RSS (``os.wait4``) of each process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

PYTHON = sys.executable

STREAM = """
import sys
import geopandas as gpd
from ict_gis.units import count_points
units = gpd.read_file(sys.argv[1], layer="districts")
counts = count_points(sys.argv[2], units, batch_rows=100_000)
import re
peak = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
print(int(counts.sum()), int(counts["outside"]), "peak_kib", peak)
"""

WHOLE = """
import sys
import geopandas as gpd
from ict_gis.units import assign_units
units = gpd.read_file(sys.argv[1], layer="districts")
cells = gpd.read_file(sys.argv[2])
codes = assign_units(cells, units)
import re
peak = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
print(len(codes), int(codes.isna().sum()), "peak_kib", peak)
"""


def write_cells(case: Path, rows: int, folder: Path | None = None) -> Path:
    """N random points inside the case's units (EPSG:4326), written in chunks."""
    import geopandas as gpd
    import numpy as np
    import shapely

    path = (folder or case.parent) / f"cells-{rows}.gpkg"
    if path.exists():
        return path
    units = gpd.read_file(case, layer="districts")
    land = shapely.union_all(units.geometry.to_numpy())
    shapely.prepare(land)
    minx, miny, maxx, maxy = units.total_bounds
    rng = np.random.default_rng(1)
    tmp = path.with_suffix(".tmp.gpkg")
    done = 0
    while done < rows:
        n = min(1_000_000, rows - done)
        # uniform over the units (cells are where people are: on land)
        x, y = rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)
        inside = shapely.contains_xy(land, x, y)
        x, y = x[inside][:n], y[inside][:n]
        n = len(x)
        frame = gpd.GeoDataFrame(
            {"cell": np.arange(done, done + n)}, geometry=shapely.points(x, y), crs=4326
        )
        frame.to_file(tmp, layer="cells", engine="pyogrio", append=done > 0)
        done += n
    os.replace(tmp, path)
    return path


#: The command a user runs (the console script next to this Python).
COMMAND = """
import resource, subprocess, sys, tempfile
from pathlib import Path
ict_gis = Path(sys.executable).with_name("ict-gis")
with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "counts.csv"
    subprocess.run([str(ict_gis), "-q", "progress", "count", sys.argv[2], sys.argv[1],
                    "--format", "csv", "-o", str(out)], check=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # (this process is small)
    import pandas as pd
    table = pd.read_csv(out, dtype={"code": str}).set_index("code")
outside = int(table["points"].get("outside", 0))
print(int(table.loc["total", "points"]), outside, "peak_kib", peak)
"""


def measure(code: str, case: Path, cells: Path) -> dict:
    """Wall seconds, peak RSS (MiB) and output of one fresh process (and its children)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, "-c", code, str(case), str(cells)], stdout=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read().strip()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("the measured process failed")
    # The process reports its own peak (VmHWM; the command: its child's):
    # os.wait4's includes the memory this (large) process had when it forked.
    peak_kib = int(out.split("peak_kib")[1]) if "peak_kib" in out else usage.ru_maxrss
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "peak_mib": round(peak_kib / 1024),
        "output": out.split(" peak_kib")[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", type=Path)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--whole", action="store_true", help="also read the layer whole")
    parser.add_argument("--command", action="store_true", help="also run ict-gis progress count")
    parser.add_argument("--cells-dir", type=Path, default=None, help="where cells-N.gpkg go")
    args = parser.parse_args()
    cells = write_cells(args.case, args.rows, args.cells_dir)
    rows = [{"method": "stream", "rows": args.rows, **measure(STREAM, args.case, cells)}]
    if args.command:
        rows.append({"method": "command", "rows": args.rows, **measure(COMMAND, args.case, cells)})
    if args.whole:
        rows.append({"method": "whole", "rows": args.rows, **measure(WHOLE, args.case, cells)})
    for row in rows:
        row["load_1min"] = round(os.getloadavg()[0], 2)
        print(json.dumps(row))


if __name__ == "__main__":
    main()
