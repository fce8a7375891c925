"""Time and memory of :func:`ict_gis.plan.plan_sites` on synthetic cases.

``python benchmarks/bench_plan.py province`` (about 2,000 grid candidates,
1,000 holes) or ``country`` (about 50,000 candidates, 25,000 holes). Each
case runs in this process; the peak RSS is read from ``resource`` at the end
(run one case per process to read it for that case). Only the greedy is
timed for ``country``; ``province`` also times the MILP (``--exact``).

Measured on the 2-core build machine (shared with other jobs; wall time,
CPU time and peak RSS from ``/usr/bin/time -v``), budget 100, min spacing
500 m, 4G radius 1.7 km, cells of 100 m:

=============  ==========  =====  =========  ========  ========  =========
case           candidates  holes  cells      wall (s)  CPU (s)   peak RSS
=============  ==========  =====  =========  ========  ========  =========
province       2,000       1,000  66,569     7.3       3.6       243 MB
province+MILP  2,000       1,000  66,569     40.1      19.4      427 MB
country        50,000      25,000 1,864,974  108.1     57.6      2.4 GB
=============  ==========  =====  =========  ========  ========  =========

The MILP of the province case stops at its 30 s limit with a worse
solution than the greedy's (HiGHS gets no starting solution): the exact
method is for small cases (``exact=None``: up to 500 candidates). The
country's memory is the 1.9 million cells; a larger ``cell_m`` cuts it.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import geopandas as gpd
import numpy as np
import shapely

from ict_gis.footprints import FootprintModel
from ict_gis.plan import plan_sites

LAEA = "+proj=laea +lat_0=20 +lon_0=106 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
CASES = {
    # side of the square (km), holes, candidates
    "province": (45.0, 1_000, 2_000),
    "country": (320.0, 25_000, 50_000),
}


def case(name: str, seed: int = 1) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Units (one square), holes (random 300-600 m blobs), candidate points near them."""
    side, n_holes, n_cands = CASES[name]
    half = side * 500.0
    rng = np.random.default_rng(seed)
    units = gpd.GeoDataFrame(
        {"code": ["P"], "name": ["Province"], "unit_type": ["Huyện"]},
        geometry=[shapely.box(-half, -half, half, half)],
        crs=LAEA,
    )
    centres = rng.uniform(-half * 0.95, half * 0.95, size=(n_holes, 2))
    radii = rng.uniform(300, 600, size=n_holes)
    holes = gpd.GeoDataFrame(
        geometry=shapely.buffer(shapely.points(centres), radii, quad_segs=4), crs=LAEA
    )
    picks = rng.integers(0, n_holes, size=n_cands)
    offsets = rng.normal(0, 800, size=(n_cands, 2))
    cands = gpd.GeoDataFrame(
        {"site_id": [f"C{i}" for i in range(n_cands)]},
        geometry=shapely.points(np.clip(centres[picks] + offsets, -half, half)),
        crs=LAEA,
    )
    return units, holes, cands


def main(argv: list[str] | None = None) -> int:
    """Run one case and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--exact", action="store_true", help="Also solve the MILP.")
    args = parser.parse_args(argv)
    units, holes, cands = case(args.case)
    start = time.perf_counter()
    plan = plan_sites(
        {},
        budget=args.budget,
        units=units,
        holes=holes,
        candidates=cands,
        model=FootprintModel(radii={"4G": 1700.0}),
        weight="area",
        min_spacing_m=500,
        exact=args.exact,
    )
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = plan.summary
    print(
        f"{args.case}: {s['candidates']} candidates, {len(holes)} holes, {s['cells']} cells, "
        f"budget {args.budget}: {seconds:.1f} s, peak RSS {peak_mb:.0f} MB; "
        f"greedy {s['greedy_value']:.2f} km²"
        + (
            f", exact {s['exact_value']:.2f} km² ({s['exact_status']})"
            if "exact_value" in s
            else ""
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
