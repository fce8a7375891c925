"""The whole country with the full breakdown: time and memory as units and sites grow.

Usage::

    python benchmarks/bench_breakdown.py DIR [--units 700,3300]
        [--sites 10000,100000,1000000] [--modes exact,fast] [--repeat 1]
        [--out results_breakdown.json]

For each number of sites, ``benchmarks/generate.py country`` writes the cases
into ``DIR/sites-N/`` (when missing; the 100,000-site cases are those of
``run.py``). Each run is the command as a user types it, in a fresh process
(the console script next to this Python, as in ``run.py``)::

    ict-gis -q coverage CASE --tech 2G,4G,5G --radius 2G=4000 --radius 4G=2000
        --radius 5G=500 --as-of 2024-12-31 --format csv -o FILE [--mode fast]

every operator, ``any`` and ``all`` (issue 15's "full breakdown"); the wall
time and the peak RSS of the process (``os.wait4``) are recorded, the median
of ``--repeat`` runs, after one untimed run per mode (numba's cache warm).
The results are printed as a Markdown table and written as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import ICT_GIS, PYTHON, measure  # noqa: E402

TECH = "2G,4G,5G"
RADII = ["--radius", "2G=4000", "--radius", "4G=2000", "--radius", "5G=500"]


def case_path(folder: Path, sites: int, units: int) -> Path:
    """The case with ``sites`` sites and ``units`` units, generated when missing."""
    sub = folder if sites == 100_000 else folder / f"sites-{sites}"
    path = sub / f"country-{units}.gpkg"
    if not path.exists():
        sub.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [PYTHON, str(HERE / "generate.py"), "country", str(sub), "--sites", str(sites),
             "--units", str(units)],
            check=True,
        )  # fmt: skip
    return path


def command(gpkg: Path, out: Path, mode: str) -> list[str]:
    """The full-breakdown coverage command."""
    return [
        *ICT_GIS, "-q", "coverage", str(gpkg), "--tech", TECH, *RADII, "--as-of", "2024-12-31",
        "--mode", mode, "--format", "csv", "-o", str(out),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--units", default="700,3300")
    parser.add_argument("--sites", default="10000,100000,1000000")
    parser.add_argument("--modes", default="exact,fast")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.csv"
        for sites in (int(s) for s in args.sites.split(",")):
            for units in (int(u) for u in args.units.split(",")):
                gpkg = case_path(args.dir, sites, units)
                for mode in args.modes.split(","):
                    measure(command(gpkg, out, mode))  # warm-up (numba's cache)
                    runs = [measure(command(gpkg, out, mode)) for _ in range(args.repeat)]
                    with out.open(encoding="utf-8") as f:
                        lines = sum(1 for _ in f) - 1
                    row = {
                        "sites": sites,
                        "units": units,
                        "mode": mode,
                        "median_s": statistics.median(r[0] for r in runs),
                        "peak_mib": max(r[1] for r in runs),
                        "rows": lines,
                        "load_1min": round(os.getloadavg()[0], 2),
                    }
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    print(f"\nload average (1 min) at the start: {load:.2f}\n")
    print("| sites | units | mode | rows | wall s | peak MiB | load |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['sites']:,} | {r['units']:,} | {r['mode']} | {r['rows']:,} | "
            f"{r['median_s']:.2f} | {r['peak_mib']:,.0f} | {r['load_1min']:.2f} |"
        )
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
