"""``--plot FILE.png``: also draw a command's result as a chart.

Commands that print a metric table take ``--plot``; the chart is chosen from
the table by :func:`ict_gis.charts.chart` and written atomically (through
:func:`ict_gis.io.write_bytes`), in the format of the file's suffix (``.png``,
``.svg`` or ``.pdf``). matplotlib is imported only when ``--plot`` is given.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ict_gis.cli.options import note

F = Callable[..., object]

#: Suffixes ``--plot`` writes (the formats of :data:`ict_gis.charts.CHART_FORMATS`).
PLOT_SUFFIXES: tuple[str, ...] = (".png", ".svg", ".pdf")


def _check_suffix(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in PLOT_SUFFIXES:
        raise click.BadParameter(
            f"{str(value)!r}: write the chart to a {', '.join(PLOT_SUFFIXES[:-1])} or "
            f"{PLOT_SUFFIXES[-1]} file (the suffix chooses the format)."
        )
    return value


def plot_option(func: F) -> F:
    """``--plot FILE``: also write the result as a chart (PNG, SVG or PDF)."""
    return click.option(
        "--plot",
        "plot",
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_check_suffix,
        metavar="FILE.png",
        help="Also draw the result as a chart into this file (.png, .svg or .pdf).",
    )(func)


def write_figure(figure: object, path: Path) -> None:
    """Write a matplotlib figure to ``path`` atomically; library errors become click errors."""
    from ict_gis.charts import save_figure

    save_figure(figure, path)
    note(f"Wrote {path} ({path.stat().st_size:,} bytes).")


def write_plot(table: object, path: Path | None, *, lang: str = "vi") -> None:
    """Draw ``table`` with :func:`ict_gis.charts.chart` and write it to ``path`` (if given)."""
    if path is None:
        return
    from ict_gis.charts import chart

    figure = chart(table, lang=lang)
    write_figure(figure, path)
