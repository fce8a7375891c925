"""Static maps for reports: the choropleth of a metric drawn with matplotlib.

:func:`static_map` draws the same units, classes and colours as the
interactive map (:func:`ict_gis.render.maps.build_map`) on a
:class:`matplotlib.figure.Figure`: the administrative units as the base map,
a legend with the class limits, a scale bar, a north arrow, the title, the
area and date, and the source. No browser is needed; write the figure as PNG,
PDF or SVG with :func:`ict_gis.charts.figure_bytes` (``ict-gis map --format
pdf``).

Examples
--------
>>> from ict_gis.layerset import bundled_layers
>>> fig = static_map(bundled_layers(), metric="bts", lang="en")
>>> fig.axes[0].get_title(loc="left").startswith("Share of approved BTS")
True
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from ict_gis.errors import MapError
from ict_gis.metrics import registry
from ict_gis.numbers import LANGS, format_number
from ict_gis.render.maps import (
    MAP_METRICS,
    NO_DATA_COLOUR,
    _classes,
    _heading,
    _label_points,
    _map_units,
    _metric_values,
    _source_label,
    _unit_tables,
    _value_text,
    default_metric,
    spans_provinces,
)
from ict_gis.texts import MAP_TEXT as _TEXT
from ict_gis.texts import text
from ict_gis.units import to_date

__all__ = ["static_map"]

#: Page size of a static map in inches (A4 landscape).
PAGE_SIZE: tuple[float, float] = (11.69, 8.27)


def _nice_length(span_m: float) -> float:
    """Return a round length (1, 2 or 5 times a power of ten) near a fifth of ``span_m``."""
    target = max(span_m / 5, 1.0)
    power = 10 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target)


def _scale_bar(ax, bounds: Sequence[float], lang: str) -> None:
    minx, miny, maxx, maxy = bounds
    length = _nice_length(maxx - minx)
    x0 = minx + 0.03 * (maxx - minx)
    y0 = miny + 0.03 * (maxy - miny)
    height = 0.008 * (maxy - miny)
    half = length / 2
    ax.add_patch(Rectangle((x0, y0), half, height, facecolor="#212121", edgecolor="#212121"))
    ax.add_patch(Rectangle((x0 + half, y0), half, height, facecolor="white", edgecolor="#212121"))
    km = length / 1000
    label = f"{format_number(km, digits=1, lang=lang, strip_zeros=True)} km"
    ax.text(x0 + length, y0 + 2.5 * height, label, ha="right", va="bottom", fontsize=8)
    ax.text(x0, y0 + 2.5 * height, "0", ha="left", va="bottom", fontsize=8)


def _north_arrow(ax) -> None:
    ax.annotate(
        "N",
        xy=(0.95, 0.95),
        xytext=(0.95, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        arrowprops={"facecolor": "#212121", "edgecolor": "#212121", "width": 3, "headwidth": 9},
    )


def static_map(
    layers: Mapping[str, pd.DataFrame],
    *,
    metric: str | None = None,
    as_of: dt.date | str | pd.Timestamp | None = None,
    lang: str = "vi",
    classes: str | Sequence[float] = "quantiles",
    title: str | None = None,
    model: object = None,
    labels: bool = True,
    units: gpd.GeoDataFrame | str | None = None,
) -> Figure:
    """Draw the choropleth of a metric as a printable figure (A4 landscape).

    Parameters
    ----------
    layers
        A layer set with ``districts`` and the layers of the metric.
    metric, as_of, lang, classes, title, model
        As for :func:`ict_gis.render.maps.build_map`.
    labels
        Write the units' names (left out above 150 units, where they would collide).
    units
        Colour these units instead of the layer set's districts: a bundled
        unit layer's name (``"communes-2025"``) or a unit layer, as for
        :func:`ict_gis.render.maps.build_map`; units with no data are grey.

    Returns
    -------
    matplotlib.figure.Figure
        Drawn with Agg: write it with :func:`ict_gis.charts.figure_bytes`.

    Raises
    ------
    MapError
        If the metric or language is unknown, or the layers cannot give the metric.
    """
    if lang not in LANGS:
        raise MapError(f"Unknown language {lang!r}; use one of {', '.join(LANGS)}.")
    if metric is not None and metric not in MAP_METRICS:
        raise MapError(f"Unknown metric {metric!r}; use one of {', '.join(MAP_METRICS)}.")
    if "districts" not in layers:
        raise MapError("A map needs the administrative units: the layer set has no 'districts'.")
    metric = metric or default_metric(layers)
    spec = MAP_METRICS[metric]
    missing = [k for k in registry.get(spec.metric).needs(**spec.params) if k not in layers]
    if missing:
        raise MapError(f"The map metric {metric!r} needs the layer(s) {', '.join(missing)}.")
    as_of = to_date(as_of)
    units = _map_units(layers, units, as_of)
    tables = _unit_tables({k: layers[k] for k in layers}, units, as_of, metric, model)
    tables = {spec.table: tables[spec.table]}
    values, total = _metric_values(tables, spec, units.index)
    legend_classes, cls, digits = _classes(values, spec.scale, lang, classes)
    country = spans_provinces(units)
    legend_title = text(spec.label, lang, **spec.params, **spec.where)
    heading = _heading(
        title if title is not None else legend_title,
        units,
        country,
        as_of,
        lang,
        source=_source_label(layers, lang),
    )
    t = _TEXT[lang]

    frame = gpd.GeoDataFrame(geometry=units.geometry.to_numpy(), crs=units.crs)
    if frame.crs is None or frame.crs.is_geographic:
        frame = frame.set_crs("EPSG:4326", allow_override=frame.crs is None)
        frame = frame.to_crs(frame.estimate_utm_crs())
    colours = np.array(
        [legend_classes[c]["color"] if c >= 0 else NO_DATA_COLOUR for c in cls], dtype=object
    )

    fig = Figure(figsize=PAGE_SIZE, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    frame.plot(ax=ax, color=list(colours), edgecolor="#616161", linewidth=0.6)
    frame.dissolve().boundary.plot(ax=ax, color="#424242", linewidth=1.4)
    placed = []
    if labels and len(frame) <= 150:
        names = units["name"] if "name" in units.columns else pd.Series(units.index)
        points = _label_points(frame.geometry)
        areas = frame.geometry.area.to_numpy()
        for point, name, area in zip(points, names, areas, strict=True):
            if point is None or pd.isna(name):
                continue
            label = ax.text(
                point.x,
                point.y,
                str(name),
                ha="center",
                va="center",
                fontsize=7,
                color="#303030",
                bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 0.5},
            )
            placed.append((area, label))
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(heading["title"], loc="left", fontsize=14, fontweight="bold")
    ax.text(
        0.0,
        1.0,
        f"{heading['subtitle']} · {heading['date']}",
        transform=ax.transAxes,
        fontsize=9,
        color="#424242",
        va="bottom",
    )
    handles = [
        Patch(facecolor=c["color"], edgecolor="#616161", label=c["label"]) for c in legend_classes
    ]
    handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#616161", label=t["no_data"]))
    total_word = t["total_country"] if country else t["total"]
    note = ""
    if total is not None:
        note = f"{total_word}: {_value_text(total, spec.scale, lang, digits)}"
    legend = ax.legend(
        handles=handles,
        title=legend_title if not note else f"{legend_title}\n{note}",
        loc="lower right",
        fontsize=8,
        title_fontsize=8.5,
        frameon=True,
    )
    legend.get_frame().set_edgecolor("#9e9e9e")
    _scale_bar(ax, frame.total_bounds, lang)
    _north_arrow(ax)
    fig.text(0.01, 0.005, heading["source"], fontsize=7, color="#616161", ha="left", va="bottom")
    _hide_colliding_labels(fig, [label for _, label in sorted(placed, key=lambda p: -p[0])])
    return fig


def _hide_colliding_labels(fig: Figure, labels: list) -> None:
    """Hide every label that would overlap one before it (the larger units' first).

    The layout is drawn once to know where each label lands on the page.
    """
    if len(labels) < 2:
        return
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    kept: list = []
    for label in labels:
        box = label.get_window_extent(renderer).expanded(1.05, 1.15)
        if any(box.overlaps(other) for other in kept):
            label.set_visible(False)
        else:
            kept.append(box)
