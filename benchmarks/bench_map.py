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

Country map in a browser (``--interactions``)::

    python benchmarks/generate.py country /tmp/mapbench
    python benchmarks/bench_map.py --case /tmp/mapbench/country-700.gpkg --interactions \
        --metric bts coverage_4g --out results/

For each metric, the map of the case is built by the ``ict-gis map`` command
(the console script next to this Python), on a pseudo-terminal as a user
runs it, and then opened and used in headless Chromium. It records:

* ``build_s``: wall time of ``ict-gis map CASE --metric M -o FILE`` (median
  of ``--build-repeat`` runs), its peak RSS and the file's size;
* ``first_output_s`` and ``terminal``: when the command first wrote to the
  terminal, and what (a progress bar shows early and is redrawn);
* ``interactive_s``: from the start of navigation until the map script has
  returned and two frames have been painted (median of ``--repeat`` loads);
* ``zoom_in_s``, ``pan_s``, ``zoom_out_s``, ``toggle_off_s``, ``toggle_on_s``:
  timed by the page itself, ``performance.now()`` from just before the
  action until the second animation frame after the map's events of the
  action (``zoomend`` and ``moveend``; ``moveend``; ``overlayremove`` or
  ``overlayadd``), median of ``--repeat`` rounds of: zoom in by 2 levels
  at the centre of the first view, pan by 300 × 200 px, zoom out by 2,
  then two clicks on the checkbox of each layer of ``--toggle`` (default
  ``Viettel``) in the layer control (off and on again, or on and off; the
  table shows the slowest layer, ``toggles`` in the JSON each one). Zoom
  and pan are not animated (``animate: false``): what is timed is the work
  the page does, not Leaflet's 0.25 s zoom transition. Half a second of
  quiet follows each action.

``--no-build`` times maps already in ``--out`` (``CASE-METRIC.html``);
the machine's load average is recorded before and after each step.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
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


# --------------------------------------------------------------------------- --interactions

#: Waits for the map's events of an action, then two animation frames; resolves
#: with the milliseconds since just before the action. A toggle clicks the
#: checkbox of the layer named ``arg`` and waits for ``overlayremove`` when it
#: was ticked, ``overlayadd`` when it was not.
TIMED_ACTION_JS = """
([action, events, arg]) => new Promise((resolve, reject) => {
  const map = ictMap.map;
  let input = null;
  if (action === "toggle") {
    const labels = [...document.querySelectorAll(".leaflet-control-layers label")];
    const label = labels.find((l) => l.textContent.trim() === arg);
    if (!label) throw new Error("no layer " + arg + " in the layer control");
    input = label.querySelector("input");
    events = [input.checked ? "overlayremove" : "overlayadd"];
  }
  const waiting = new Set(events);
  let t0 = null;
  const timer = setTimeout(
    () => reject(new Error(action + ": no " + [...waiting].join(", ") + " within 120 s")),
    120000
  );
  const on = (e) => {
    waiting.delete(e.type);
    if (waiting.size) return;
    map.off(events.join(" "), on);
    requestAnimationFrame(() => requestAnimationFrame(() => {
      clearTimeout(timer);
      resolve(performance.now() - t0);
    }));
  };
  map.on(events.join(" "), on);
  t0 = performance.now();
  if (action === "zoom") {
    map.setZoom(map.getZoom() + arg, { animate: false });
  } else if (action === "pan") {
    map.panBy(arg, { animate: false });
  } else if (action === "toggle") {
    input.click();
  }
})
"""

#: Each action of a round: (result key, action, events, argument).
ROUND = (
    ("zoom_in_s", "zoom", ["zoomend", "moveend"], 2),
    ("pan_s", "pan", ["moveend"], [300, 200]),
    ("zoom_out_s", "zoom", ["zoomend", "moveend"], -2),
)


#: Whether the layer named ``arg`` is ticked in the layer control (null: no such layer).
TOGGLE_STATE_JS = """
(arg) => {
  const label = [...document.querySelectorAll(".leaflet-control-layers label")]
    .find((l) => l.textContent.trim() === arg);
  return label ? label.querySelector("input").checked : null;
}
"""


def console_script() -> str:
    """The ``ict-gis`` console script next to this Python (else the one on ``PATH``)."""
    here = Path(sys.executable).parent / "ict-gis"
    if here.exists():
        return str(here)
    found = shutil.which("ict-gis")
    if found is None:
        sys.exit("bench_map: no ict-gis console script (pip install -e . first)")
    return found


def build_on_terminal(argv: list[str]) -> dict:
    """Run a command on a pseudo-terminal (100 x 30): wall time, peak RSS, terminal output.

    Returns ``seconds``, ``peak_mib``, ``status``, ``first_output_s`` (``None``
    when nothing was written) and ``chunks``: ``(seconds, text)`` of each read.
    """
    import fcntl
    import pty
    import struct
    import termios

    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of 100 columns, then the command
        try:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    chunks: list[tuple[float, str]] = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append((time.perf_counter() - started, data.decode("utf-8", "replace")))
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    os.close(fd)
    return {
        "seconds": seconds,
        "peak_mib": usage.ru_maxrss / 1024,
        "status": os.waitstatus_to_exitcode(status),
        "first_output_s": chunks[0][0] if chunks else None,
        "chunks": chunks,
    }


def load_average() -> list[float]:
    """The machine's load average over 1, 5 and 15 minutes."""
    return [round(x, 2) for x in os.getloadavg()]


def browse(path: Path, repeat: int, toggles: list[str]) -> dict:
    """Open the map ``repeat`` times (time to interactive), then time ``repeat`` rounds.

    A round: the actions of :data:`ROUND`, then two clicks on each layer of
    ``toggles`` in the layer control (off then on again, or on then off).
    ``toggle_off_s`` and ``toggle_on_s`` are the slowest layer's medians;
    ``toggles`` has each layer's.
    """
    from playwright.sync_api import sync_playwright

    loads: list[dict] = []
    rounds: list[dict] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for k in range(repeat):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.set_offline(True)
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.resolve().as_uri(), timeout=600_000)
            page.wait_for_function(
                "window.ictMap && ictMap.paintedAt !== null", timeout=600_000, polling=50
            )
            built, painted, dom = page.evaluate(
                "[ictMap.builtAt, ictMap.paintedAt,"
                " performance.getEntriesByType('navigation')[0].domInteractive]"
            )
            loads.append(
                {
                    "html_parsed_s": dom / 1000,
                    "built_s": built / 1000,
                    "interactive_s": painted / 1000,
                }
            )
            print(f"  load {k + 1}: {json.dumps(loads[-1])}", file=sys.stderr, flush=True)
            if k < repeat - 1:
                context.close()
        # The rounds, on the last page opened (layers the map does not have are left out).
        page.wait_for_timeout(1000)
        toggles = [t for t in toggles if page.evaluate(TOGGLE_STATE_JS, t) is not None]
        for k in range(repeat):
            times = {}
            for key, action, events, arg in ROUND:
                times[key] = page.evaluate(TIMED_ACTION_JS, [action, events, arg]) / 1000
                page.wait_for_timeout(500)  # let timers of the action (cluster animations) end
            for name in toggles:
                for _ in range(2):
                    on = page.evaluate(TOGGLE_STATE_JS, name)
                    key = f"toggle_{'off' if on else 'on'}_s {name}"
                    times[key] = page.evaluate(TIMED_ACTION_JS, ["toggle", [], name]) / 1000
                    page.wait_for_timeout(500)
            rounds.append(times)
            print(f"  round {k + 1}: {json.dumps(times)}", file=sys.stderr, flush=True)
        browser.close()
    out = {key: statistics.median(r[key] for r in loads) for key in loads[0]}
    out.update({key: statistics.median(r[key] for r in rounds) for key, *_ in ROUND})
    out["toggles"] = {
        name: {
            way: statistics.median(r[f"toggle_{way}_s {name}"] for r in rounds)
            for way in ("off", "on")
        }
        for name in toggles
    }
    for way in ("off", "on"):
        out[f"toggle_{way}_s"] = max((t[way] for t in out["toggles"].values()), default=None)
    out["loads"] = loads
    out["rounds"] = rounds
    out["console_errors"] = errors
    return out


def interactions(case: Path, metrics: list[str], folder: Path, args) -> list[dict]:
    """Build each metric's map of ``case`` with ``ict-gis map`` and time it in Chromium."""
    script = console_script()
    rows = []
    for metric in metrics:
        path = folder / f"{case.stem}-{metric}.html"
        builds = []
        for k in range(args.build_repeat if not args.no_build else 0):
            load = load_average()
            argv = [script, "map", str(case), "--metric", metric, "-o", str(path)]
            run = build_on_terminal(argv)
            run["load_before"] = load
            run["load_after"] = load_average()
            if run["status"] != 0:
                sys.exit(
                    f"bench_map: {' '.join(argv)} failed:\n" + "".join(t for _, t in run["chunks"])
                )
            builds.append(run)
            first = run["first_output_s"]
            print(
                f"{metric}: build {k + 1}: {run['seconds']:.1f} s, first terminal output at "
                f"{'-' if first is None else round(first, 1)} s, load {load} -> "
                f"{run['load_after']}",
                file=sys.stderr,
                flush=True,
            )
        load = load_average()
        page = browse(path, args.repeat, args.toggle)
        last = builds[-1] if builds else {"chunks": [], "first_output_s": None}
        rows.append(
            {
                "case": case.name,
                "metric": metric,
                "size_mb": round(path.stat().st_size / 1e6, 2),
                "build_s": round(statistics.median(b["seconds"] for b in builds), 2)
                if builds
                else None,
                "builds_s": [round(b["seconds"], 2) for b in builds],
                "build_peak_mib": round(max(b["peak_mib"] for b in builds)) if builds else None,
                "first_output_s": last["first_output_s"],
                "terminal_writes": len(last["chunks"]),
                "terminal": "".join(t for _, t in last["chunks"]),
                "load_builds": [[b["load_before"], b["load_after"]] for b in builds],
                "load_browser": [load, load_average()],
                **{k: v for k, v in page.items()},
                "toggle": args.toggle,
                "repeat": args.repeat,
            }
        )
    return rows


def interactions_table(rows: list[dict]) -> str:
    """The results of ``--interactions`` as a Markdown table."""

    def s(v: float | None) -> str:
        return "–" if v is None else f"{v:.2f}"

    lines = [
        "| metric | build (s) | terminal output | size (MB) | interactive (s) | zoom +2 (s) "
        "| pan (s) | zoom −2 (s) | toggle off (s) | toggle on (s) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        writes = r["terminal_writes"]
        first = r["first_output_s"]
        shown = f"first at {first:.1f} s, {writes} write(s)" if first is not None else "–"
        lines.append(
            f"| {r['metric']} | {s(r['build_s'])} | {shown} | {r['size_mb']} "
            f"| {s(r['interactive_s'])} | {s(r['zoom_in_s'])} | {s(r['pan_s'])} "
            f"| {s(r['zoom_out_s'])} | {s(r['toggle_off_s'])} | {s(r['toggle_on_s'])} |"
        )
    lines += ["", "| metric | layer toggled | off (s) | on (s) |", "|---|---|---:|---:|"]
    for r in rows:
        for name, t in r["toggles"].items():
            lines.append(f"| {r['metric']} | {name} | {s(t['off'])} | {s(t['on'])} |")
    return "\n".join(lines)


def main() -> None:
    """Command line: sizes, metric, output folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument(
        "--metric",
        nargs="+",
        default=None,
        help="metric(s) of the map [default: switch_off_2g; with --interactions: bts coverage_4g]",
    )
    parser.add_argument("--out", type=Path, help="folder for the maps and results.json")
    parser.add_argument("--case", type=Path, help="with --interactions: a layer set to map")
    parser.add_argument(
        "--interactions",
        action="store_true",
        help="build CASE's maps with `ict-gis map` and time loading, zoom, pan, toggles",
    )
    parser.add_argument("--repeat", type=int, default=5, help="page loads and rounds [5]")
    parser.add_argument("--build-repeat", type=int, default=1, help="builds per metric [1]")
    parser.add_argument(
        "--toggle",
        nargs="+",
        default=["Viettel"],
        help="layer(s) of the layer control to click twice, where the map has them [Viettel]",
    )
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="time the maps already in --out (CASE-METRIC.html) without building them",
    )
    args = parser.parse_args()
    if args.interactions:
        if args.case is None or not args.case.exists():
            parser.error("--interactions needs --case, an existing layer set")
        metrics = args.metric or ["bts", "coverage_4g"]
        with tempfile.TemporaryDirectory() as tmp:
            folder = args.out or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            rows = interactions(args.case, metrics, folder, args)
            if args.out:
                (folder / "results_interactions.json").write_text(
                    json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8"
                )
        print(interactions_table(rows))
        return
    if args.metric is not None and len(args.metric) != 1:
        parser.error("--metric takes one metric without --interactions")
    args.metric = args.metric[0] if args.metric else "switch_off_2g"
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
