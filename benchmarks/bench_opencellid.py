"""Time ``ict_gis.io.read_opencellid`` on a generated 10-million-row OpenCelliD file.

Usage::

    python benchmarks/bench_opencellid.py [--rows 10000000] [--folder /tmp] [--keep]

Writes a seeded, headerless file like OpenCelliD's worldwide dump into
``--folder`` (30 % of the rows in Viet Nam, MCC 452, on 100,000 sites of the
five operators; the rest elsewhere in the world; 2G/3G/4G/5G/CDMA cells; about
one row in six is noise: one sample, absurd ranges, unknown network codes,
positions outside the country). Then, each in a fresh Python process whose
peak memory is taken from ``os.wait4``:

1. the baseline: pyarrow's own streaming CSV reader (``pyarrow.csv.open_csv``,
   default options) reading every batch of the file and nothing else;
2. the import: ``read_opencellid`` (reading, filtering, grouping into sites).

Prints rows/s and peak memory of both, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

SEED = 20261204
CHUNK = 1_000_000
VN_SHARE = 0.30
VN_SITES = 100_000


def generate(path: Path, rows: int) -> None:
    """Write ``rows`` seeded rows of an OpenCelliD-like dump (no header) to ``path``.

    Run in a child process (see :func:`main`): the measuring process stays
    small, because a child's peak memory as ``os.wait4`` reports it starts
    from its parent's at the fork.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    rng = np.random.default_rng(SEED)
    site_lon = rng.uniform(102.2, 109.4, VN_SITES)
    site_lat = rng.uniform(8.6, 23.3, VN_SITES)
    site_mnc = rng.choice([1, 2, 4, 5, 7], VN_SITES, p=[0.25, 0.25, 0.35, 0.1, 0.05])
    radios = np.array(["GSM", "UMTS", "LTE", "NR", "CDMA"])
    tmp = path.with_suffix(".part")
    with pa.OSFile(str(tmp), "wb") as sink:
        done = 0
        while done < rows:
            n = min(CHUNK, rows - done)
            vn = rng.random(n) < VN_SHARE
            site = rng.integers(0, VN_SITES, n)
            radio = rng.choice(5, n, p=[0.30, 0.20, 0.45, 0.03, 0.02])
            mcc = np.where(vn, 452, rng.choice([310, 234, 262, 404, 460, 520], n))
            net = np.where(vn, site_mnc[site], rng.integers(1, 99, n))
            net = np.where(vn & (rng.random(n) < 0.01), 8, net)  # unknown MNC
            lon = np.where(vn, site_lon[site], rng.uniform(-180, 180, n))
            lat = np.where(vn, site_lat[site], rng.uniform(-60, 70, n))
            lon = lon + rng.normal(0, 0.0001, n)
            lat = lat + rng.normal(0, 0.0001, n)
            far = vn & (rng.random(n) < 0.01)  # MCC 452 placed abroad
            lon = np.where(far, lon + 20, lon)
            sector = rng.integers(0, 3, n)
            cell = np.where(radio == 2, (site + 10_000) * 256 + sector, site * 10 + sector)
            rng_m = rng.integers(100, 10_000, n)
            rng_m = np.where(rng.random(n) < 0.01, 200_000, rng_m)
            samples = rng.integers(1, 200, n)
            samples = np.where(rng.random(n) < 0.1, 1, samples)
            created = rng.integers(1_262_304_000, 1_735_689_600, n)
            table = pa.table(
                {
                    "radio": radios[radio],
                    "mcc": mcc,
                    "net": net,
                    "area": rng.integers(1, 60_000, n),
                    "cell": cell,
                    "unit": np.zeros(n, dtype=np.int64),
                    "lon": np.round(lon, 6),
                    "lat": np.round(lat, 6),
                    "range": rng_m,
                    "samples": samples,
                    "changeable": np.ones(n, dtype=np.int64),
                    "created": created,
                    "updated": created + rng.integers(0, 100_000_000, n),
                    "averageSignal": np.zeros(n, dtype=np.int64),
                }
            )
            pa_csv.write_csv(table, sink, pa_csv.WriteOptions(include_header=False))
            done += n
    tmp.replace(path)


BASELINE = """
import sys
import pyarrow.csv as pa_csv
options = pa_csv.ReadOptions(autogenerate_column_names=True)
reader = pa_csv.open_csv(sys.argv[1], read_options=options)
rows = 0
for batch in reader:
    rows += batch.num_rows
print(rows)
"""

IMPORT = """
import sys
from ict_gis.io import read_opencellid
sites, report = read_opencellid(sys.argv[1])
print(report.rows)
print(report, file=sys.stderr)
"""


def run(code: str, path: Path) -> tuple[float, float, str, str]:
    """Run ``code`` on ``path`` in a fresh Python; return seconds, peak MB, stdout, stderr.

    The child is reaped with ``os.wait4``, which gives its peak resident memory.
    """
    out_path = path.with_suffix(".out")
    err_path = path.with_suffix(".err")
    with out_path.open("w") as out, err_path.open("w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), str(path)], stdout=out, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = out_path.read_text(), err_path.read_text()
    out_path.unlink()
    err_path.unlink()
    if proc.returncode != 0:
        raise RuntimeError(stderr)
    return seconds, usage.ru_maxrss / 1024, stdout, stderr


def main() -> None:
    """Generate the file (unless it exists), time the baseline and the import."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp"))
    parser.add_argument("--keep", action="store_true", help="Keep the generated file.")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = args.folder / f"opencellid_{args.rows}.csv"
    if args.generate_only:
        generate(path, args.rows)
        return
    if not path.exists():
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--generate-only", "--rows", str(args.rows),
             "--folder", str(args.folder)],
            check=True,
        )  # fmt: skip
        print(f"generated {path} ({path.stat().st_size / 1e6:,.0f} MB) in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    # Read the file once so that both runs find it in the page cache.
    with path.open("rb") as f:
        while f.read(1 << 24):
            pass
    base_s, base_mb, base_out, _ = run(BASELINE, path)
    imp_s, imp_mb, imp_out, report = run(IMPORT, path)
    rows = int(imp_out.split()[0])
    assert int(base_out.split()[0]) == rows, (base_out, imp_out)
    print(report.rstrip())
    print(f"pyarrow open_csv alone : {base_s:6.2f} s  {rows / base_s / 1e6:5.2f} M rows/s  "
          f"peak {base_mb:6.0f} MB")  # fmt: skip
    print(f"read_opencellid        : {imp_s:6.2f} s  {rows / imp_s / 1e6:5.2f} M rows/s  "
          f"peak {imp_mb:6.0f} MB")  # fmt: skip
    print(f"import / baseline speed: {base_s / imp_s:.2f}")
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()
