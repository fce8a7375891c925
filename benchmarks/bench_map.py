"""Benchmark of the HTML map: file size, build time and first render in Chromium.

Usage::

    python benchmarks/bench_map.py                    # 1,000 / 10,000 / 100,000 sites
    python benchmarks/bench_map.py --sites 1000 10000 --metric bts --out results/

For each size the bundled Nam Định layers get that many synthetic BTS stations
(seeded, spread over the units, 2G/4G/5G mix of five operators), a 2G
switch-off for every fifth 2G station and a 5G site for every fifth 5G
station; units and cable routes stay the bundled ones. For each case it
records:

* ``build_s``: ``build_map(...)`` plus rendering the page to text, after a
  warm-up build (imports and numba compilation are not counted);
* ``size_mb``: the HTML file, in MB (10^6 bytes);
* ``first_render_s``: opening the file in headless Chromium (Debian's
  ``/usr/bin/chromium``, network off), from the start of navigation until the
  map script has built every layer and two frames have been painted (timed
  by the page itself, ``performance.now()``);
* ``built_s``: from the start of navigation until the map script has
  returned (HTML and JSON parsed, every layer built, the BTS stations
  shown clustered).

Results are printed as a Markdown table (and written as JSON with ``--out``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ict_gis.layerset import bundled_layers
from ict_gis.maps import build_map

SEED = 20241231
OPERATORS = ("Viettel", "VNPT", "MobiFone", "Vietnamobile", "Gmobile")
SHARES = (0.42, 0.27, 0.23, 0.05, 0.03)
TECHS = (("2G,4G", 0.45), ("4G", 0.33), ("2G,4G,5G", 0.12), ("4G,5G", 0.06), ("2G", 0.04))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def synthetic_layers(n: int, *, seed: int = SEED):
    """The bundled layers with ``n`` synthetic stations (and their 2G and 5G layers)."""
    base = bundled_layers()
    rng = np.random.default_rng(seed + n)
    units = base["districts"]
    area = shapely.union_all(np.asarray(units.geometry.array, dtype=object))
    minx, miny, maxx, maxy = area.bounds
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    prepared = shapely.prepared.prep(area)
    while sum(len(x) for x in xs) < n:
        x = rng.uniform(minx, maxx, 2 * n)
        y = rng.uniform(miny, maxy, 2 * n)
        inside = np.array([prepared.contains(p) for p in shapely.points(x, y)])
        xs.append(x[inside])
        ys.append(y[inside])
    x = np.concatenate(xs)[:n].round(6)
    y = np.concatenate(ys)[:n].round(6)
    operator = rng.choice(OPERATORS, n, p=SHARES)
    techs = rng.choice([t for t, _ in TECHS], n, p=[p for _, p in TECHS])
    status = rng.choice(
        ["on_air", "approved", "under_construction", "dismantled"], n, p=[0.9, 0.05, 0.04, 0.01]
    )
    approved = pd.Timestamp("2005-01-01") + pd.to_timedelta(rng.integers(0, 7000, n), unit="D")
    on_air = (approved + pd.to_timedelta(rng.integers(60, 400, n), unit="D")).where(
        status == "on_air"
    )
    ids = np.array([f"SYN-{i:06d}" for i in range(n)])
    bts = gpd.GeoDataFrame(
        {
            "site_id": ids,
            "operator": operator,
            "technologies": techs,
            "height_m": rng.uniform(15, 60, n).round(1),
            "status": status,
            "approved_date": approved,
            "on_air_date": on_air,
        },
        geometry=shapely.points(x, y),
        crs="EPSG:4326",
    )
    on = status == "on_air"
    off = np.flatnonzero(on & np.char.find(techs.astype(str), "2G") >= 0)[::5]
    shutdowns = gpd.GeoDataFrame(
        {
            "site_id": ids[off],
            "operator": operator[off],
            "switch_off_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365, len(off)), unit="D"),
        },
        geometry=bts.geometry.iloc[off].to_numpy(),
        crs="EPSG:4326",
    )
    five = np.flatnonzero(on & np.char.find(techs.astype(str), "5G") >= 0)[::5]
    sites = gpd.GeoDataFrame(
        {
            "site_id": ids[five],
            "operator": operator[five],
            "band_mhz": 2600.0,
            "on_air_date": pd.Timestamp("2024-06-01"),
        },
        geometry=bts.geometry.iloc[five].to_numpy(),
        crs="EPSG:4326",
    )
    return base.replace(bts_stations=bts, shutdowns_2g=shutdowns, sites_5g=sites)


def first_render(path: Path) -> tuple[float, float, list[str]]:
    """Seconds to the map built and to first render, and the console errors."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_offline(True)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.resolve().as_uri(), timeout=300_000)
        page.wait_for_function(
            "window.ictMap && ictMap.paintedAt !== null",
            timeout=300_000,
        )
        times = page.evaluate("[ictMap.builtAt, ictMap.paintedAt]")
        browser.close()
    return *(t / 1000 for t in times), errors


def run(sizes: list[int], metric: str, folder: Path) -> list[dict]:
    """Run every case; return one result per size."""
    rows = []
    # Warm up (imports, numba compilation of the coverage kernels): not timed.
    build_map(synthetic_layers(200), metric=metric).get_root().render()
    for n in sizes:
        layers = synthetic_layers(n)
        started = time.perf_counter()
        html = build_map(layers, metric=metric).get_root().render()
        build_s = time.perf_counter() - started
        path = folder / f"map-{n}.html"
        path.write_text(html, encoding="utf-8")
        built_s, render_s, errors = first_render(path)
        rows.append(
            {
                "sites": n,
                "metric": metric,
                "size_mb": round(path.stat().st_size / 1e6, 2),
                "build_s": round(build_s, 2),
                "built_s": round(built_s, 2),
                "first_render_s": round(render_s, 2),
                "console_errors": len(errors),
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def main() -> None:
    """Command line: sizes, metric, output folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--metric", default="switch_off_2g")
    parser.add_argument("--out", type=Path, help="folder for the maps and results.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        rows = run(args.sites, args.metric, folder)
        if args.out:
            (folder / "results.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print("| sites | metric | size (MB) | build (s) | script done (s) | first render (s) |")
    print("|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['sites']:,} | {r['metric']} | {r['size_mb']} | {r['build_s']} | "
            f"{r['built_s']} | {r['first_render_s']} |"
        )


if __name__ == "__main__":
    main()
