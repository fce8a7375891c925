"""Write the result tables of ``benchmarks/README.md`` from ``results.json``.

Usage::

    python benchmarks/readme.py [RESULTS_JSON]      # default: benchmarks/results.json

The tables go between the markers ``<!-- results:begin -->`` and
``<!-- results:end -->`` of the README; the rest of the file is left as it
is. ``benchmarks/run.py`` prints the same tables at the end of a run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BEGIN = "<!-- results:begin (written by benchmarks/readme.py from results.json) -->"
END = "<!-- results:end -->"

#: The engine each command runs, for the table of engines.
ENGINE_METHODS = {"polygons": "no-numba", "arcs": "exact", "scanlines": "fast"}

LABELS = {
    "no-numba": "no-numba (`--engine polygons`)",
    "duckdb": "duckdb (query only)",
    "postgis": "postgis (query only)",
}


def _pct(value) -> str:
    return "" if value is None else f"{value:.3f}"


def tables(results: list[dict]) -> str:
    """Return the Markdown tables of a benchmark run."""
    out = [
        "| case | task | method | median s | naive / method | peak MiB | p95 error % |"
        " max error % |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    accuracy = [
        "| case | task | compared | p95 % | p99 % | max % |",
        "|---|---|---|---:|---:|---:|",
    ]
    for row in results:
        if row["case"] in ("scaling", "lines"):
            continue
        task = row.get("tech", "4G")
        if "radii" in row:
            task += " (" + ", ".join(f"{t} {r / 1000:g} km" for t, r in row["radii"].items()) + ")"
        naive = row.get("naive", {}).get("median_s")
        for method, data in row.items():
            if not isinstance(data, dict) or "median_s" not in data:
                continue
            query_only = method in ("duckdb", "postgis")
            ratio = f"{naive / data['median_s']:.1f}×" if naive and not query_only else ""
            bold = method in ("exact", "fast", "no-numba")
            name = LABELS.get(method, method)
            median = f"{data['median_s']:.2f}"
            if bold:
                name, median, ratio = f"**{name}**", f"**{median}**", f"**{ratio}**"
            out.append(
                f"| {row['case']} | {task} | {name} | {median} | {ratio} | "
                f"{data['peak_mib']:.0f} | {_pct(data.get('p95_error_pct'))} | "
                f"{_pct(data.get('max_error_pct'))} |"
            )
        for key, label in (
            ("exact_vs_polygons_all_units", "exact vs polygons, every unit"),
            ("fast_vs_exact_units_over_half_km2", "fast vs exact, every unit with ≥ 0.5 km²"),
        ):
            if key in row:
                e = row[key]
                accuracy.append(
                    f"| {row['case']} | {task} | {label} | {_pct(e['p95_error_pct'])} | "
                    f"{_pct(e.get('p99_error_pct'))} | {_pct(e['max_error_pct'])} |"
                )
    parts = ["\n".join(out), "Accuracy on every unit:", "\n".join(accuracy)]
    engines = _engine_table(results)
    if engines:
        parts += ["Engine by engine (`ict_gis/engines/`):", engines]
    for row in results:
        if row["case"] == "scaling":
            lines = ["| sites | exact median s | peak MiB |", "|---:|---:|---:|"]
            for sites, data in row.items():
                if isinstance(data, dict):
                    lines.append(
                        f"| {int(sites):,} | {data['median_s']:.2f} | {data['peak_mib']:.0f} |"
                    )
            parts += ["Time against the number of sites (700 units, exact):", "\n".join(lines)]
    return "\n\n".join(parts)


def _engine_table(results: list[dict]) -> str:
    lines_of = next((r["engines"] for r in results if r["case"] == "lines"), None)
    if lines_of is None:
        return ""
    tasks = [r for r in results if r["case"] == "country-700"]
    head = "| engine | lines of code |"
    rule = "|---|---:|"
    for row in tasks:
        head += f" {row.get('tech', '4G')}: s | × naive | × polygons |"
        rule += "---:|---:|---:|"
    out = [head, rule]
    for engine, count in lines_of.items():
        line = f"| {engine} | {count} |"
        method = ENGINE_METHODS.get(engine)
        for row in tasks:
            data = row.get(method) if method else None
            if not data:
                line += " | | |"
                continue
            naive = row.get("naive", {}).get("median_s")
            base = row.get("no-numba", {}).get("median_s")
            line += f" {data['median_s']:.2f} |"
            line += f" {naive / data['median_s']:.1f}× |" if naive else " |"
            line += f" {base / data['median_s']:.1f}× |" if base else " |"
        out.append(line)
    return "\n".join(out)


def write(results_path: Path, readme: Path = HERE / "README.md") -> None:
    """Replace the README's text between the markers with the tables of ``results_path``."""
    results = json.loads(results_path.read_text(encoding="utf-8"))
    text = readme.read_text(encoding="utf-8")
    start, stop = text.index(BEGIN), text.index(END)
    body = f"{BEGIN}\n\n{tables(results)}\n\n"
    readme.write_text(text[:start] + body + text[stop:], encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results.json")
