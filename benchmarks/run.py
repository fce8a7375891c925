"""Time the naive coverage recipe against ict_gis on the same data, in the same run.

Usage::

    python benchmarks/run.py DIR [--cases province,country-700,country-3300]
                                 [--techs "4G;2G,4G,5G"] [--repeat 3] [--scaling]

DIR holds the cases of ``benchmarks/generate.py`` (generated when missing).
Every measurement is a fresh ``python`` subprocess (interpreter start and
imports included) whose wall time and peak RSS (``os.wait4``) are recorded;
the median of ``--repeat`` runs is reported. The task is the same for every
method: per unit, the area covered by the 4G footprints of any operator
(radii from ict_gis's default circle model, environment from the unit type);
and, on the country cases, by the 2G, 4G and 5G footprints with the radii
of issue 11 (2G 4 km, 4G 2 km, 5G 500 m: the small 5G circles are the hard
case of the fast mode). The results go to ``DIR/results.json``, from which
``benchmarks/readme.py`` writes the tables of ``benchmarks/README.md``.

Methods
-------
naive
    Read the layers, buffer every site (shapely's default 16 segments per
    quarter), ``union_all``, ``geopandas.overlay`` with the units, areas.
polygons
    ict_gis's vector recipe as a library call: circles of 8 segments per
    quarter with an area-corrected radius, one STRtree bulk query, per unit
    the union of only the footprints touching it, clipped, thread pool.
exact
    ``ict-gis coverage CASE --tech 4G --operator any --format csv -o FILE``:
    the command as a user runs it (reading and validating the layers
    included), with the ``fast`` extra (numba) installed and numba's cache
    warm (one run before the clock starts): the ``arcs`` engine integrates
    the circles exactly along their arcs.
fast
    The same command with ``--mode fast`` (the ``scanlines`` engine).
no-numba
    The same command with ``--engine polygons``: what runs without the
    ``fast`` extra (numba is then never imported).
duckdb, postgis
    The per-unit recipe in SQL (``ST_Union`` of the buffers meeting each unit,
    ``ST_Intersection`` with it), when the DuckDB spatial extension (PyPI
    ``duckdb-extension-spatial``) or a local PostgreSQL with PostGIS is
    available. Their times are for the query only: the sites (with their
    radii) and units are loaded and indexed before the clock starts.

Accuracy is the per-unit relative error of ``covered_km2`` against a
reference: polygons of 64 segments per quarter (area-corrected), for a
sample of units; the exact method is also compared on every unit with the
polygons method, and the fast one with the exact one on every unit with at
least 0.5 km² covered.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable


def _console_script() -> list[str]:
    """The ``ict-gis`` command as a user runs it: the script pip put next to this Python.

    Not a wrapper found first on ``PATH`` (pyenv's shims are shell scripts
    that cost 0.06 s a run before Python starts), and the same interpreter
    as the other methods.
    """
    script = Path(sysconfig.get_path("scripts")) / "ict-gis"
    if script.exists():
        return [str(script)]
    return [PYTHON, "-c", "from ict_gis.cli.main import cli; cli()"]


ICT_GIS = _console_script()


# --------------------------------------------------------------------------- one run


#: Radii of the 2G, 4G and 5G case (issue 11), in ``--radius`` form.
THREE_TECH_RADII = {"2G": 4000.0, "4G": 2000.0, "5G": 500.0}


def _model(tech: str, quad_segs: int = 8):
    from ict_gis.footprints import FootprintModel

    radii = THREE_TECH_RADII if "," in tech else {}
    return FootprintModel(radii=radii, quad_segs=quad_segs)


def _radius_options(tech: str) -> list[str]:
    if "," not in tech:
        return []
    return [arg for t, r in THREE_TECH_RADII.items() for arg in ("--radius", f"{t}={r:g}")]


def _radii_table(gpkg: Path, tech: str = "4G"):
    """Sites (x, y, radius) and units in the metric CRS, as ict_gis would draw them."""
    import shapely

    from ict_gis.layerset import read_layers
    from ict_gis.metrics.coverage import (
        _build_footprints,
        _prepare_units,
        radiating_stations,
    )
    from ict_gis.units import metric_crs

    layers = read_layers(gpkg)
    units = _prepare_units(layers, None, None, None)
    crs = metric_crs(units)
    geoms = np.asarray(units.geometry.to_crs(crs).values, dtype=object)
    fps = []
    for one in tech.split(","):
        stations = radiating_stations(layers, tech=one)
        fp = _build_footprints(
            stations,
            tech=one,
            model=_model(tech),
            crs=crs,
            units=units,
            operators=None,
            polygons=False,
        )
        fps.append((one, fp))
    return layers, units, crs, geoms, fps, shapely


def one_naive(gpkg: Path, out: Path, tech: str = "4G") -> None:
    import geopandas as gpd

    layers, units, crs, geoms, fps, shapely = _radii_table(gpkg, tech)
    frame = gpd.GeoDataFrame({"code": units.index}, geometry=geoms, crs=crs)
    results = []
    for one, fp in fps:
        circles = shapely.buffer(shapely.points(fp.x, fp.y), fp.radius)  # 16 segments per quarter
        covered = shapely.union_all(circles)
        pieces = gpd.overlay(
            frame, gpd.GeoDataFrame(geometry=[covered], crs=crs), how="intersection"
        )
        result = pieces.assign(covered_km2=pieces.area / 1e6).groupby("code")["covered_km2"].sum()
        result = result.reindex(units.index, fill_value=0.0).reset_index()
        results.append(result.assign(tech=one, operator="any"))
    pd.concat(results).to_csv(out, index=False)


def one_polygons(
    gpkg: Path, out: Path, quad_segs: int = 8, sample: int | None = None, tech: str = "4G"
) -> None:
    from ict_gis.layerset import read_layers
    from ict_gis.metrics.coverage import coverage
    from ict_gis.units import unit_frame

    layers = read_layers(gpkg)
    units = unit_frame(layers)
    if sample:
        pick = np.random.default_rng(1).choice(len(units), min(sample, len(units)), replace=False)
        units = units.iloc[np.sort(pick)]
    table = coverage(
        layers,
        units,
        tech=tech,
        operator="any",
        engine="polygons",
        model=_model(tech, quad_segs),
    )
    table.drop(index="total")[["tech", "operator", "covered_km2"]].to_csv(out)


def _sql_inputs(gpkg: Path, folder: Path) -> tuple[Path, Path]:
    """Sites (x, y, radius) and units (code, wkt) in metres, as CSV for the databases."""
    from ict_gis.footprints import area_corrected_radius

    _, units, _, geoms, fps, shapely = _radii_table(gpkg)
    fp = fps[0][1]
    sites = folder / "sites.csv"
    unit_csv = folder / "units.csv"
    pd.DataFrame({"x": fp.x, "y": fp.y, "radius": area_corrected_radius(fp.radius, 32)}).to_csv(
        sites, index=False
    )
    pd.DataFrame({"code": units.index, "wkt": shapely.to_wkt(geoms, rounding_precision=3)}).to_csv(
        unit_csv, index=False
    )
    return sites, unit_csv


DUCKDB_QUERY = """
SELECT u.code, ST_Area(ST_Intersection(any_value(u.geom),
       ST_Union_Agg(ST_Buffer(s.geom, s.radius, 8)))) / 1e6 AS covered_km2
FROM units u JOIN sites s ON ST_DWithin(u.geom, s.geom, s.radius)
GROUP BY u.code
"""


def one_duckdb(folder: Path, out: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(f"LOAD '{spatial_extension()}'")
    con.execute(
        f"CREATE TABLE sites AS SELECT ST_Point(x, y) AS geom, radius "
        f"FROM read_csv_auto('{folder / 'sites.csv'}')"
    )
    con.execute(
        f"CREATE TABLE units AS SELECT CAST(code AS VARCHAR) AS code, ST_GeomFromText(wkt) AS geom "
        f"FROM read_csv_auto('{folder / 'units.csv'}', types={{'code': 'VARCHAR'}})"
    )
    con.execute("CREATE INDEX sites_idx ON sites USING RTREE (geom)")
    start = time.perf_counter()
    frame = con.execute(DUCKDB_QUERY).df()
    elapsed = time.perf_counter() - start
    frame.set_index("code")["covered_km2"].to_csv(out)
    out.with_suffix(".seconds").write_text(f"{elapsed}")


POSTGIS_LOAD = """
DROP TABLE IF EXISTS sites; DROP TABLE IF EXISTS units;
CREATE TABLE sites (x float8, y float8, radius float8);
CREATE TABLE units (code text, wkt text);
\\copy sites FROM '{sites}' CSV HEADER
\\copy units FROM '{units}' CSV HEADER
ALTER TABLE sites ADD COLUMN geom geometry(Point);
UPDATE sites SET geom = ST_MakePoint(x, y);
ALTER TABLE units ADD COLUMN geom geometry;
UPDATE units SET geom = ST_GeomFromText(wkt);
CREATE INDEX ON sites USING GIST (geom);
CREATE INDEX ON units USING GIST (geom);
ANALYZE sites; ANALYZE units;
"""

POSTGIS_QUERY = (
    "\\copy (SELECT u.code, ST_Area(ST_Intersection(u.geom, "
    "ST_Union(ST_Buffer(s.geom, s.radius, 'quad_segs=8')))) / 1e6 AS covered_km2 "
    "FROM units u JOIN sites s ON ST_DWithin(u.geom, s.geom, s.radius) "
    "GROUP BY u.code, u.geom) TO '{out}' CSV HEADER\n"
)


def _psql(sql: str) -> None:
    subprocess.run(
        ["su", "postgres", "-c", "psql -q -v ON_ERROR_STOP=1 -d ictgis_bench"],
        input=sql,
        text=True,
        check=True,
        capture_output=True,
    )


def postgis_available() -> bool:
    if shutil.which("psql") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["su", "postgres", "-c", "psql -tAc 'select 1'"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        return False
    subprocess.run(
        ["su", "postgres", "-c", "createdb ictgis_bench"], capture_output=True, text=True
    )
    try:
        _psql("CREATE EXTENSION IF NOT EXISTS postgis;")
    except subprocess.CalledProcessError:
        return False
    return True


def spatial_extension() -> str | None:
    """Path of the DuckDB spatial extension shipped by the PyPI package, if installed."""
    try:
        import duckdb  # noqa: F401
        import duckdb_extension_spatial
    except ImportError:
        return None
    found = list(Path(duckdb_extension_spatial.__file__).parent.rglob("spatial.duckdb_extension"))
    return str(found[0]) if found else None


# --------------------------------------------------------------------------- driver


def measure(args: list[str], *, cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of a subprocess (and its children)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed with {proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024


COMMANDS = {
    "exact": ["--mode", "exact"],
    "fast": ["--mode", "fast"],
    "no-numba": ["--engine", "polygons"],
}


def _command(method: str, gpkg: Path, out: Path, tech: str) -> list[str]:
    """The command exactly as a user types it."""
    return [
        *ICT_GIS, "-q", "coverage", str(gpkg), "--tech", tech, *_radius_options(tech),
        "--operator", "any", *COMMANDS[method], "--format", "csv", "-o", str(out),
    ]  # fmt: skip


def run_method(
    method: str, gpkg: Path, out: Path, repeat: int, extra: list[str] | None = None, tech="4G"
):
    times, peaks = [], []
    for _ in range(repeat):
        if method in COMMANDS:
            cmd = _command(method, gpkg, out, tech)
            if out.exists():
                out.unlink()
        else:
            cmd = [
                PYTHON,
                str(Path(__file__)),
                "--one",
                method,
                str(gpkg),
                str(out),
                tech,
                *(extra or []),
            ]
        seconds, peak = measure(cmd)
        if method in ("duckdb", "postgis"):
            seconds = float(out.with_suffix(".seconds").read_text())
        times.append(seconds)
        peaks.append(peak)
        print(
            f"  {gpkg.stem:>13} {tech:>8} {method:>9}: {seconds:7.2f} s, peak {peak:6.0f} MiB",
            flush=True,
        )
    return statistics.median(times), max(peaks), times


def read_result(path: Path) -> pd.Series:
    """Covered km² of the "any" rows, by (code, tech)."""
    frame = pd.read_csv(path, dtype={"code": str})
    if "operator" in frame.columns:
        frame = frame[(frame["operator"] == "any") & (frame["code"] != "total")]
    if "tech" not in frame.columns:
        frame = frame.assign(tech="4G")
    return frame.set_index(["code", "tech"])["covered_km2"]


def errors(values: pd.Series, reference: pd.Series, least: float = 0.01) -> tuple[float, ...]:
    """p95, p99 and largest relative error (%) where the reference covers ``least`` km²."""
    ref = reference.reindex(values.index)
    common = ref.notna() & (ref > least)
    rel = (values[common] - ref[common]).abs() / ref[common]
    return (
        float(rel.quantile(0.95) * 100),
        float(rel.quantile(0.99) * 100),
        float(rel.max() * 100),
    )


def engine_lines() -> dict[str, int]:
    """Lines of code of each engine (non-blank lines of its module and of its numba kernels)."""
    import ict_gis.engines as package

    folder = Path(package.__file__).parent

    def count(text: str) -> int:
        return sum(1 for line in text.splitlines() if line.strip())

    kernels = (folder / "_kernels.py").read_text(encoding="utf-8")
    cut = kernels.index("# " + "-" * 75 + " scan lines")
    return {
        "interface and registry (__init__)": count((folder / "__init__.py").read_text()),
        "polygons": count((folder / "polygons.py").read_text()),
        "arcs": count((folder / "arcs.py").read_text()) + count(kernels[:cut]),
        "scanlines": count((folder / "scanlines.py").read_text()) + count(kernels[cut:]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--cases", default="province,country-700,country-3300")
    parser.add_argument(
        "--techs", default="4G;2G,4G,5G", help="technologies, ';' between tasks (country only)"
    )
    parser.add_argument("--methods", default="naive,polygons,exact,fast,no-numba,duckdb,postgis")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-repeat", type=int, default=None)
    parser.add_argument("--db-repeat", type=int, default=1, help="runs of DuckDB and PostGIS")
    parser.add_argument("--sample", type=int, default=100, help="units in the 64-segment reference")
    parser.add_argument("--scaling", action="store_true", help="also time 25k and 50k sites")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    cases = args.cases.split(",")
    methods = args.methods.split(",")
    if "province" in cases and not (args.dir / "province.gpkg").exists():
        subprocess.run([PYTHON, str(HERE / "generate.py"), "province", str(args.dir)], check=True)
    if any(c.startswith("country") for c in cases) and not (args.dir / "country-700.gpkg").exists():
        subprocess.run([PYTHON, str(HERE / "generate.py"), "country", str(args.dir)], check=True)
    # As after `pip install` (which compiles the package): no module compiled
    # from source in a timed run, even where PYTHONDONTWRITEBYTECODE is set.
    import ict_gis

    subprocess.run(
        [PYTHON, "-m", "compileall", "-q", str(Path(ict_gis.__file__).parent)], check=True
    )
    have_duckdb = spatial_extension() is not None
    have_postgis = postgis_available()
    yes = {True: "yes", False: "no"}
    print(f"DuckDB spatial: {yes[have_duckdb]}; PostGIS: {yes[have_postgis]}")
    results = []
    work = Path(tempfile.mkdtemp(prefix="ictgis-bench-"))
    work.chmod(0o777)  # the PostgreSQL server user reads and writes there
    for case in cases:
        gpkg = args.dir / f"{case}.gpkg"
        techs = args.techs.split(";") if case.startswith("country") else ["4G"]
        for tech in techs:
            results.append(
                run_case(args, case, tech, gpkg, methods, work, have_duckdb, have_postgis)
            )
    if args.scaling:
        results.append(scaling(args.dir, work, args.repeat))
    results.append({"case": "lines", "engines": engine_lines()})
    (args.dir / "results.json").write_text(json.dumps(results, indent=2))
    print_table(results)


def run_case(args, case, tech, gpkg, methods, work, have_duckdb, have_postgis) -> dict:
    """Time every method on one case and task; their errors."""
    row: dict = {"case": case, "tech": tech}
    if "," in tech:
        row["radii"] = THREE_TECH_RADII
    outputs: dict[str, Path] = {}
    sql_dir = work / case
    sql_dir.mkdir(exist_ok=True)
    sql_dir.chmod(0o777)
    single = tech == "4G"  # the databases: the 4G task only
    databases = ("duckdb" in methods and have_duckdb) or ("postgis" in methods and have_postgis)
    if single and databases:
        _sql_inputs(gpkg, sql_dir)
    for method in methods:
        if method == "duckdb" and not (have_duckdb and single):
            continue
        if method == "postgis" and not (have_postgis and single):
            continue
        out = work / f"{case}-{tech.replace(',', '')}-{method}.csv"
        repeat = args.repeat
        if method == "naive" and args.naive_repeat:
            repeat = args.naive_repeat
        if method in ("duckdb", "postgis"):
            repeat = args.db_repeat
        if method == "postgis":
            _psql(POSTGIS_LOAD.format(sites=sql_dir / "sites.csv", units=sql_dir / "units.csv"))
        if method in ("exact", "fast"):
            # numba's cache warm, as for a user's second run: one run off the clock.
            measure(_command(method, gpkg, out, tech))
        target = sql_dir if method == "duckdb" else gpkg
        median, peak, times = run_method(method, target, out, repeat, tech=tech)
        row[method] = {"median_s": median, "peak_mib": peak, "runs": times}
        outputs[method] = out
    # Reference: 64 segments per quarter on a sample of units.
    ref_out = work / f"{case}-{tech.replace(',', '')}-reference.csv"
    subprocess.run(
        [PYTHON, str(Path(__file__)), "--one", "reference", str(gpkg), str(ref_out), tech,
         str(args.sample)],
        check=True,
    )  # fmt: skip
    reference = read_result(ref_out)
    for method, out in outputs.items():
        p95, _, worst = errors(read_result(out), reference)
        row[method].update({"p95_error_pct": p95, "max_error_pct": worst})
    if "exact" in outputs and "polygons" in outputs:
        p95, p99, worst = errors(read_result(outputs["exact"]), read_result(outputs["polygons"]))
        row["exact_vs_polygons_all_units"] = {
            "p95_error_pct": p95, "p99_error_pct": p99, "max_error_pct": worst,
        }  # fmt: skip
    if "exact" in outputs and "fast" in outputs:
        p95, p99, worst = errors(
            read_result(outputs["fast"]), read_result(outputs["exact"]), least=0.5
        )
        row["fast_vs_exact_units_over_half_km2"] = {
            "p95_error_pct": p95, "p99_error_pct": p99, "max_error_pct": worst,
        }  # fmt: skip
    return row


def scaling(folder: Path, work: Path, repeat: int) -> dict:
    row: dict = {"case": "scaling"}
    for sites in (25_000, 50_000, 100_000):
        sub = folder / f"sites-{sites}"
        sub.mkdir(exist_ok=True)
        gpkg = sub / "country-700.gpkg"
        if not gpkg.exists():
            subprocess.run(
                [PYTHON, str(HERE / "generate.py"), "country", str(sub), "--sites", str(sites),
                 "--units", "700"],
                check=True,
            )  # fmt: skip
        median, peak, _ = run_method("exact", gpkg, work / f"scaling-{sites}.csv", repeat)
        row[str(sites)] = {"median_s": median, "peak_mib": peak}
    return row


def print_table(results: list[dict]) -> None:
    """Print the tables that ``benchmarks/readme.py`` writes into the README."""
    sys.path.insert(0, str(HERE))
    from readme import tables

    print()
    print(tables(results))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        what, target, output = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
        task = sys.argv[5] if len(sys.argv) > 5 else "4G"
        if what == "naive":
            one_naive(target, output, task)
        elif what == "polygons":
            one_polygons(target, output, tech=task)
        elif what == "reference":
            one_polygons(target, output, quad_segs=64, sample=int(sys.argv[6]), tech=task)
        elif what == "duckdb":
            one_duckdb(target, output)
        elif what == "postgis":
            start = time.perf_counter()
            _psql(POSTGIS_QUERY.format(out=output))
            output.with_suffix(".seconds").write_text(f"{time.perf_counter() - start}")
        else:
            raise SystemExit(f"unknown method {what}")
    else:
        main()
