r"""Charts of the metric tables: matplotlib figures, headless, in Vietnamese or English.

Each function takes a table returned by a metric function (rows per unit,
then ``outside`` if any, then ``total``, see :mod:`ict_gis.metrics.progress`)
and returns a :class:`matplotlib.figure.Figure`; :func:`chart` picks the
right one from ``table.attrs["metric"]``. In Jupyter a figure displays
inline; elsewhere write it with :func:`save_figure` (atomically, through
:func:`ict_gis.io.write_bytes`) or get its bytes with :func:`figure_bytes`.

Figures are made without :mod:`matplotlib.pyplot`: each has its own Agg
canvas, so nothing depends on a display or on the backend chosen by the
caller, no global figure list grows, and nothing is shown (no ``plt.show()``).

Labels are Vietnamese by default (``lang="en"`` for English), with numbers
written the report's way (``20,4%``, ``1.234``). Text is set in
**DejaVu Sans**, the font that ships with matplotlib itself (so it is there
on every machine that has matplotlib) and has every glyph of Vietnamese
("Thành phố Nam Định, Giao Thủy, Hải Hậu").

The province total is drawn as a reference (a dashed line, or in the title),
never as a bar next to the units; the row of features outside every unit is
drawn like a unit, so that nothing counted disappears from the chart.

Examples
--------
>>> from ict_gis.layerset import bundled_layers
>>> from ict_gis.metrics.progress import switch_off_progress
>>> table = switch_off_progress(bundled_layers(), as_of="2024-12-31")
>>> fig = switch_off_chart(table)
>>> fig.axes[0].get_title(loc="left")
'Trạm 2G đã tắt sóng: 161/788 (20%)'
>>> figure_bytes(fig)[:4]
b'\x89PNG'
"""

from __future__ import annotations

import io as _bytes_io
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ict_gis import io
from ict_gis.errors import ChartError
from ict_gis.metrics import registry
from ict_gis.metrics.registry import Metric, metric_of
from ict_gis.numbers import (
    LANGS,
    format_count,
    format_km,
    format_number,
    format_percent,
    format_ratio,
    is_missing,
    percent,
)
from ict_gis.settings import CABLE_CATEGORIES, OPERATOR_COLOURS, OPERATORS, OTHER_COLOUR
from ict_gis.texts import CHART_TEXT as _TEXT
from ict_gis.texts import COLUMN_LABELS, ROW_NAMES, VALUE_LABELS, day_text
from ict_gis.texts import text as catalogue_text

__all__ = [
    "CHART_FONT",
    "CHART_FORMATS",
    "ChartError",
    "ChartFigure",
    "OPERATOR_COLOURS",
    "CHART_STYLES",
    "bars_chart",
    "bts_chart",
    "cable_chart",
    "chart",
    "coverage_chart",
    "figure_bytes",
    "save_figure",
    "sites_5g_chart",
    "switch_off_chart",
    "timeline_chart",
]

#: Font of every text of a chart: ships with matplotlib and covers Vietnamese.
CHART_FONT = "DejaVu Sans"

#: File formats :func:`save_figure` and :func:`figure_bytes` write.
CHART_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

_DONE = "#31a354"
_PLANNED = "#d9d9d9"
_UNDERGROUND = "#3f007d"
_TOTAL_LINE = "#252525"
_CATEGORY_COLOURS = {"with_messenger": "#2c7bb6", "without_messenger": "#fdae61"}
_STATUS_COLOURS = {
    "on_air": _DONE,
    "under_construction": "#fdae61",
    "waiting": "#bdbdbd",
    "dismantled": "#636363",
}

_TOTAL = "total"
_OUTSIDE = "outside"

_STYLE: dict[str, object] = {
    "font.family": [CHART_FONT],
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "figure.dpi": 100.0,
    "savefig.dpi": 150.0,
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
}

# --------------------------------------------------------------------------- helpers


def _check_lang(lang: str) -> int:
    if lang not in LANGS:
        raise ChartError(f"Unknown language {lang!r}; use one of {', '.join(LANGS)}.")
    return LANGS.index(lang)


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(_STYLE):
        yield


class ChartFigure(Figure):
    """A figure that shows itself in Jupyter without :mod:`matplotlib.pyplot`."""

    def _repr_png_(self) -> bytes:
        return figure_bytes(self, dpi=100)


def _figure(width: float, height: float) -> Figure:
    fig = ChartFigure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _need(table: pd.DataFrame, columns: Sequence[str], what: str, source: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ChartError(f"{what} needs a DataFrame (from {source}), not {type(table).__name__}.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ChartError(
            f"{what} needs the columns {', '.join(columns)} (a table from {source}); "
            f"the table has no {', '.join(missing)}."
        )


def _day(value: object, lang: str) -> str:
    return day_text(pd.Timestamp(value), lang)


def _period(attrs: Mapping[str, object], lang: str) -> str:
    """``"đến ngày 31/12/2024"``, ``"từ 01/01/2024 đến 31/12/2024"`` or ``""``."""
    text = _TEXT[lang]
    since, as_of = attrs.get("since"), attrs.get("as_of")
    since = None if is_missing(since) else since
    as_of = None if is_missing(as_of) else as_of
    if since is not None and as_of is not None:
        return text["period"].format(since=_day(since, lang), as_of=_day(as_of, lang))
    if as_of is not None:
        return text["as_of"].format(date=_day(as_of, lang))
    if since is not None:
        return text["since"].format(date=_day(since, lang))
    return ""


def _suptitle(
    fig: Figure, title: str | None, default: str, attrs: Mapping[str, object], lang: str
) -> None:
    if title is None:
        when = _period(attrs, lang)
        title = f"{default} ({when})" if when else default
    if title:
        fig.suptitle(title, fontweight="bold", fontsize=11)


def _row_label(code: object, name: object, lang: str) -> str:
    i = LANGS.index(lang)
    if code in ROW_NAMES:
        return ROW_NAMES[str(code)][i]
    if is_missing(name) or name == "":
        return str(code) if not is_missing(code) else _TEXT[lang]["unknown"]
    return str(name)


def _bar_rows(table: pd.DataFrame, lang: str) -> tuple[list[object], list[str]]:
    """Codes and labels of the rows drawn as bars: every row but the total."""
    codes = [c for c in table.index if c != _TOTAL]
    if "name" in table.columns:
        labels = [_row_label(c, table.at[c, "name"], lang) for c in codes]
    else:
        labels = [_row_label(c, None, lang) for c in codes]
    return codes, labels


def _unit_axes(ax: Axes, labels: Sequence[str]) -> np.ndarray:
    """Rows top to bottom in table order; returns the y positions."""
    y = np.arange(len(labels))
    ax.set_yticks(y, labels=labels)
    ax.set_ylim(max(len(labels), 1) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    return y


def _number_axis(ax: Axes, lang: str, *, axis: str = "x", integer: bool = False) -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    if integer:
        target.set_major_locator(MaxNLocator(integer=True))
    target.set_major_formatter(
        FuncFormatter(lambda v, _pos: format_number(v, digits=_decimals(v), lang=lang))
    )


def _decimals(value: float) -> int:
    for digits in (0, 1, 2):
        if abs(round(value, digits) - value) < 1e-9:
            return digits
    return 2


def _height(rows: int) -> float:
    return 1.5 + 0.34 * max(rows, 1)


def _values(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").astype(float).fillna(0.0).to_numpy()


def _bar_label(ax: Axes, y: float, x: float, text: str, xmax: float) -> None:
    inside = x > 0.8 * xmax
    ax.text(
        x - 0.01 * xmax if inside else x + 0.01 * xmax,
        y,
        text,
        va="center",
        ha="right" if inside else "left",
        fontsize=8,
        color="white" if inside else "#252525",
    )


def _operator_colour(operator: str) -> str:
    return OPERATOR_COLOURS.get(operator, OTHER_COLOUR)


def _operators_in(columns: Sequence[str]) -> list[str]:
    return [c for c in OPERATORS if c in columns]


# --------------------------------------------------------------------------- switch-off


def switch_off_chart(table: pd.DataFrame, *, lang: str = "vi", title: str | None = None) -> Figure:
    """Share of stations switched off per unit (and of subscribers moved to 4G).

    One bar per unit (or per operator, for a table made with
    ``by="operator"``) with the share of its stations switched off, labelled
    ``switched off/stations``; the province share is a dashed line. When the
    table has subscriber figures, a second panel shows the share of
    subscribers moved to 4G the same way.

    Parameters
    ----------
    table
        A table of :func:`ict_gis.metrics.progress.switch_off_progress`.
    lang
        ``"vi"`` or ``"en"``.
    title
        Title of the figure; default: the metric and its day. ``""``: none.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ChartError
        If the table is not a switch-off table, or ``lang`` is unknown.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> from ict_gis.metrics.progress import switch_off_progress
    >>> layers = bundled_layers()
    >>> fig = switch_off_chart(switch_off_progress(layers, as_of="2024-12-31"), lang="en")
    >>> for ax in fig.axes:
    ...     print(ax.get_title(loc="left"))
    2G stations switched off: 161/788 (20%)
    2G subscribers moved to 4G: 152,954/158,699 (96.3%)
    """
    _check_lang(lang)
    source = "ict_gis.metrics.progress.switch_off_progress"
    _need(table, ("stations", "switched_off", "switched_off_pct"), "switch_off_chart", source)
    text = _TEXT[lang]
    tech = str(table.attrs.get("tech", "2G"))
    codes, labels = _bar_rows(table, lang)
    rows = table.loc[codes]
    total = table.loc[_TOTAL] if _TOTAL in table.index else None
    panels = [("switched_off_pct", "switched_off", "stations", "stations_off", 0)]
    if (
        "migrated_pct" in table.columns
        and pd.to_numeric(table["migrated_pct"], errors="coerce").notna().any()
    ):
        panels.append(("migrated_pct", "migrated", "subscribers", "migrated", 1))
    by_operator = table.index.name == "operator"
    with _style():
        fig = _figure(6.0 + 4.0 * len(panels), _height(len(codes)))
        axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
        for ax, (pct_col, part_col, whole_col, key, digits) in zip(axes, panels, strict=True):
            y = _unit_axes(ax, labels)
            pct = pd.to_numeric(rows[pct_col], errors="coerce").astype(float)
            colours = (
                [_operator_colour(str(c)) for c in codes] if by_operator else [_DONE] * len(codes)
            )
            ax.barh(y, pct.fillna(0.0).to_numpy(), color=colours, height=0.7)
            ax.set_xlim(0, 100)
            for yi, code in zip(y, codes, strict=True):
                part, whole, share = rows.at[code, part_col], rows.at[code, whole_col], pct[code]
                label = (
                    text["no_data"]
                    if is_missing(share)
                    else f"{format_ratio(part, whole, lang=lang)} "
                    f"({format_percent(share, digits=digits, lang=lang)})"
                )
                _bar_label(ax, yi, 0.0 if is_missing(share) else share, label, 100)
            heading = text[key].format(tech=tech)
            if total is not None and not is_missing(total[pct_col]):
                share = float(total[pct_col])
                ax.axvline(share, color=_TOTAL_LINE, linestyle="--", linewidth=1)
                ax.set_title(
                    f"{heading}: {format_ratio(total[part_col], total[whole_col], lang=lang)} "
                    f"({format_percent(share, digits=digits, lang=lang)})",
                    loc="left",
                )
            else:
                ax.set_title(heading, loc="left")
            ax.set_xlabel(text[f"{key}_axis"].format(tech=tech))
            _number_axis(ax, lang)
        default = text["switch_off_op" if by_operator else "switch_off"].format(tech=tech)
        _suptitle(fig, title, default, table.attrs, lang)
    return fig


# --------------------------------------------------------------------------- cables


def cable_chart(table: pd.DataFrame, *, lang: str = "vi", title: str | None = None) -> Figure:
    """Km of cable tidied (and put underground) against the plan, per unit and category.

    One panel per route category; in each, one bar per unit: the km in the
    plan (grey), of which tidied (green) and put underground (purple),
    labelled ``tidied/planned km``. Plans are added up; pass a table made
    with ``plan=`` for one plan. The panel title gives the province figures.

    Parameters
    ----------
    table
        A table of :func:`ict_gis.metrics.progress.cable_progress`.
    lang
        ``"vi"`` or ``"en"``.
    title
        Title of the figure; default: the metric and its day. ``""``: none.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> from ict_gis.metrics.progress import cable_progress
    >>> fig = cable_chart(cable_progress(bundled_layers(), as_of="2024-12-31"))
    >>> for ax in fig.axes:
    ...     print(ax.get_title(loc="left"))
    Có cáp dưỡng, vòng khuyên: 91/146 km (62%)
    Chưa có cáp dưỡng, vòng khuyên: 20,8/130 km (16%)
    """
    i = _check_lang(lang)
    source = "ict_gis.metrics.progress.cable_progress"
    _need(table, ("planned_km", "tidied_km"), "cable_chart", source)
    if "category" not in (table.index.names or []):
        raise ChartError(
            f"cable_chart needs a table indexed by code, category and plan (from {source})."
        )
    text = _TEXT[lang]
    columns = ["planned_km", "tidied_km"] + (
        ["underground_km"] if "underground_km" in table.columns else []
    )
    sums = table[columns].groupby(level=["code", "category"], sort=False).sum()
    names = table["name"].groupby(level="code", sort=False).first() if "name" in table else None
    codes = [c for c in dict.fromkeys(sums.index.get_level_values("code")) if c != _TOTAL]
    labels = [_row_label(c, None if names is None else names.get(c), lang) for c in codes]
    present = list(dict.fromkeys(sums.index.get_level_values("category")))
    categories = [c for c in CABLE_CATEGORIES if c in present] + [
        c for c in present if c not in CABLE_CATEGORIES
    ]
    with _style():
        fig = _figure(5.0 + 4.0 * len(categories), _height(len(codes)) + 0.3)
        axes = fig.subplots(1, max(len(categories), 1), sharey=True, squeeze=False)[0]
        for ax, category in zip(axes, categories, strict=False):
            part = sums.xs(category, level="category").reindex(codes, fill_value=0.0)
            y = _unit_axes(ax, labels)
            planned = _values(part["planned_km"])
            tidied = _values(part["tidied_km"])
            under = _values(part["underground_km"]) if "underground_km" in part else 0 * tidied
            ax.barh(y, planned, color=_PLANNED, height=0.75, label=text["planned"])
            ax.barh(y, tidied, color=_DONE, height=0.45, label=text["tidied"])
            if under.any():
                ax.barh(
                    y,
                    under,
                    left=tidied,
                    color=_UNDERGROUND,
                    height=0.45,
                    label=text["underground"],
                )
            xmax = max(float(planned.max(initial=0.0)), float((tidied + under).max(initial=0.0)))
            xmax = xmax * 1.25 or 1.0
            ax.set_xlim(0, xmax)
            for yi, done, whole in zip(y, tidied, planned, strict=True):
                ax.text(
                    max(whole, done) + 0.01 * xmax,
                    yi,
                    format_ratio(done, whole, lang=lang, km=True),
                    va="center",
                    ha="left",
                    fontsize=8,
                    color="#252525",
                )
            heading = VALUE_LABELS.get(category, (category, category))[i]
            if _TOTAL in sums.index.get_level_values("code"):
                tot = sums.loc[(_TOTAL, category)]
                share = percent(tot["tidied_km"], tot["planned_km"])
                heading += (
                    f": {format_ratio(tot['tidied_km'], tot['planned_km'], lang=lang, km=True)} "
                    f"km ({format_percent(share, lang=lang)})"
                )
            ax.set_title(heading, loc="left")
            ax.set_xlabel(text["km"])
            _number_axis(ax, lang)
        axes[0].legend(loc="lower right")
        _suptitle(fig, title, text["cables"], table.attrs, lang)
    return fig


# --------------------------------------------------------------------------- 5G and BTS


def _stacked(
    table: pd.DataFrame,
    parts: Sequence[tuple[str, str, str]],
    *,
    lang: str,
    title: str | None,
    default: str,
    xlabel: str,
    annotate: Callable[[pd.Series], str],
    total_title: str,
) -> Figure:
    codes, labels = _bar_rows(table, lang)
    rows = table.loc[codes]
    with _style():
        fig = _figure(9.0, _height(len(codes)) + 0.3)
        ax = fig.subplots()
        y = _unit_axes(ax, labels)
        left = np.zeros(len(codes))
        for column, label, colour in parts:
            values = _values(rows[column])
            if values.any():
                ax.barh(y, values, left=left, color=colour, height=0.7, label=label)
            left = left + values
        xmax = float(left.max(initial=0.0)) * 1.2 or 1.0
        ax.set_xlim(0, xmax)
        for yi, code, end in zip(y, codes, left, strict=True):
            ax.text(end + 0.01 * xmax, yi, annotate(rows.loc[code]), va="center", fontsize=8)
        ax.set_xlabel(xlabel)
        _number_axis(ax, lang, integer=True)
        if total_title:
            ax.set_title(total_title, loc="left")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower right")
        _suptitle(fig, title, default, table.attrs, lang)
    return fig


def sites_5g_chart(table: pd.DataFrame, *, lang: str = "vi", title: str | None = None) -> Figure:
    """Draw the new 5G sites per unit, stacked by operator.

    Parameters
    ----------
    table
        A table of :func:`ict_gis.metrics.progress.rollout_5g`.
    lang
        ``"vi"`` or ``"en"``.
    title
        Title of the figure; default: the metric and its period. ``""``: none.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> from ict_gis.metrics.progress import rollout_5g
    >>> table = rollout_5g(bundled_layers(), since="2024-01-01", as_of="2024-12-31")
    >>> fig = sites_5g_chart(table, lang="en")
    >>> fig.axes[0].get_legend_handles_labels()[1]
    ['Viettel', 'VNPT']
    """
    _check_lang(lang)
    _need(table, ("new", "sites"), "sites_5g_chart", "ict_gis.metrics.progress.rollout_5g")
    text = _TEXT[lang]
    operators = _operators_in(table.columns)
    others = [
        c for c in table.columns if c not in (*operators, "name", "sites", "new", "share_pct")
    ]
    parts = [(op, op, _operator_colour(op)) for op in [*operators, *others]]
    if not parts:
        parts = [("new", text["sites"], _operator_colour(""))]
    total = table.loc[_TOTAL] if _TOTAL in table.index else None
    heading = ""
    if total is not None:
        by_op = ", ".join(
            f"{op} {format_count(total[op], lang=lang)}" for op, _, _ in parts if op in total
        )
        heading = f"{text['total']}: {format_count(total['new'], lang=lang)}"
        heading += f" ({by_op})" if by_op and len(parts) > 1 else ""
    new = table.attrs.get("since") is not None and not is_missing(table.attrs.get("since"))
    return _stacked(
        table,
        parts,
        lang=lang,
        title=title,
        default=text["sites_5g_new" if new else "sites_5g"],
        xlabel=text["sites"],
        annotate=lambda row: format_count(row["new"], lang=lang),
        total_title=heading,
    )


def bts_chart(table: pd.DataFrame, *, lang: str = "vi", title: str | None = None) -> Figure:
    """BTS locations approved per unit, stacked by where they stand (on air, building, ...).

    Parameters
    ----------
    table
        A table of :func:`ict_gis.metrics.progress.bts_pipeline`.
    lang
        ``"vi"`` or ``"en"``.
    title
        Title of the figure; default: the metric and its period. ``""``: none.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> from ict_gis.metrics.progress import bts_pipeline
    >>> table = bts_pipeline(bundled_layers(), since="2024-01-01", as_of="2024-12-31")
    >>> bts_chart(table).axes[0].get_title(loc="left")
    'Đã phát sóng: 52/146 (35%)'
    """
    i = _check_lang(lang)
    statuses = ("on_air", "under_construction", "waiting", "dismantled")
    _need(table, ("approved", *statuses), "bts_chart", "ict_gis.metrics.progress.bts_pipeline")
    text = _TEXT[lang]
    parts = [(s, COLUMN_LABELS[s][i], _STATUS_COLOURS[s]) for s in statuses]
    heading = ""
    if _TOTAL in table.index:
        tot = table.loc[_TOTAL]
        share = format_percent(percent(tot["on_air"], tot["approved"]), lang=lang)
        ratio = format_ratio(tot["on_air"], tot["approved"], lang=lang)
        heading = f"{COLUMN_LABELS['on_air'][i]}: {ratio} ({share})"
    return _stacked(
        table,
        parts,
        lang=lang,
        title=title,
        default=text["bts"],
        xlabel=text["locations"],
        annotate=lambda row: format_ratio(row["on_air"], row["approved"], lang=lang),
        total_title=heading,
    )


# --------------------------------------------------------------------------- timelines


def _month_label(month: str, lang: str) -> str:
    year, mon = month.split("-")
    return f"{mon}/{year}" if lang == "vi" else month


def timeline_chart(timeline: pd.DataFrame, *, lang: str = "vi", title: str | None = None) -> Figure:
    """Cumulative monthly lines, with the month's own figure as bars.

    For cable tidying: one line per category and the total (km tidied so
    far), bars for the km tidied in the month. For the switch-off: one line
    per operator and the total (stations switched off so far), bars for the
    stations switched off in the month.

    Parameters
    ----------
    timeline
        A table of :func:`ict_gis.metrics.progress.cable_timeline` or of
        :func:`switch_off_timeline`.
    lang
        ``"vi"`` or ``"en"``.
    title
        Title of the figure; default: the metric and its period. ``""``: none.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> from ict_gis.metrics.progress import cable_timeline
    >>> fig = timeline_chart(cable_timeline(bundled_layers(), as_of="2024-12-31"), lang="en")
    >>> fig.axes[0].get_legend_handles_labels()[1]
    ['With messenger wire', 'Without messenger wire', 'Total', 'In the month (total)']
    """
    i = _check_lang(lang)
    text = _TEXT[lang]
    if not isinstance(timeline, pd.DataFrame):
        raise ChartError(f"timeline_chart needs a DataFrame, not {type(timeline).__name__}.")
    if "total_cumulative_km" in timeline.columns:
        cable = True
        lines = [
            (
                c,
                VALUE_LABELS.get(c.removesuffix("_cumulative_km"), (c, c))[i],
                _CATEGORY_COLOURS.get(c.removesuffix("_cumulative_km"), OTHER_COLOUR),
            )
            for c in timeline.columns
            if c.endswith("_cumulative_km") and c != "total_cumulative_km"
        ]
        total_col, month_col = "total_cumulative_km", "total_km"
        default, ylabel = text["cable_timeline"], text["km"]
    elif {"total", "in_month"} <= set(timeline.columns):
        cable = False
        operators = _operators_in(timeline.columns)
        others = [
            c
            for c in timeline.columns
            if c not in (*operators, "total", "in_month", "stations", "switched_off_pct")
        ]
        lines = [(op, op, _operator_colour(op)) for op in [*operators, *others]]
        total_col, month_col = "total", "in_month"
        tech = str(timeline.attrs.get("tech", "2G"))
        default, ylabel = text["switch_off_timeline"].format(tech=tech), text["stations"]
    else:
        raise ChartError(
            "timeline_chart needs a table of ict_gis.metrics.progress.cable_timeline "
            "(total_cumulative_km) or of ict_gis.charts.switch_off_timeline (total, in_month)."
        )
    months = [str(m) for m in timeline.index]
    x = np.arange(len(months))
    with _style():
        fig = _figure(9.0, 4.8)
        ax = fig.subplots()
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.8)
        for column, label, colour in lines:
            ax.plot(
                x, _values(timeline[column]), marker="o", markersize=3, color=colour, label=label
            )
        ax.plot(
            x,
            _values(timeline[total_col]),
            marker="o",
            markersize=4,
            color=_TOTAL_LINE,
            linewidth=2.2,
            label=text["total"],
        )
        ax.bar(
            x,
            _values(timeline[month_col]),
            color="#bdbdbd",
            width=0.6,
            label=text["in_month"],
            zorder=0,
        )
        if len(months):
            last = float(_values(timeline[total_col])[-1])
            shown = format_km(last, lang=lang) + " km" if cable else format_count(last, lang=lang)
            ax.annotate(
                shown,
                (x[-1], last),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8.5,
                fontweight="bold",
            )
        step = max(1, int(np.ceil(len(months) / 12)))
        ax.set_xticks(x[::step], labels=[_month_label(m, lang) for m in months[::step]])
        ax.set_xlim(-0.6, max(len(months) - 0.4, 0.6))
        ax.set_ylim(bottom=0)
        ax.set_ylabel(ylabel)
        _number_axis(ax, lang, axis="y", integer=not cable)
        ax.legend(loc="upper left")
        _suptitle(fig, title, default, timeline.attrs, lang)
    return fig


# --------------------------------------------------------------------------- coverage

_ANY = "any"
_ALL = "all"
_ANY_COLOUR = "#e3e3e3"


def _coverage_operators(operators: Sequence[object]) -> list[str]:
    present = [str(o) for o in dict.fromkeys(operators) if o not in (_ANY, _ALL)]
    return [o for o in OPERATORS if o in present] + [o for o in present if o not in OPERATORS]


def _is_coverage(table: pd.DataFrame) -> bool:
    return isinstance(table, pd.DataFrame) and {"tech", "operator", "covered_pct"} <= set(
        table.columns
    )


def coverage_chart(
    table: pd.DataFrame,
    *,
    lang: str = "vi",
    title: str | None = None,
    by: str = "unit",
    share: str = "area",
) -> Figure:
    """Covered share per unit, technology and operator (or for the province).

    ``by="unit"``: one panel per technology; in each, one group of bars per
    unit, one bar per operator, over a light bar for ``any`` operator (the
    figure written at its end) and a black tick for ``all`` operators. The
    panel title gives the province's ``any`` share. ``by="province"``: the
    province total rows only, one group of bars per technology.

    Parameters
    ----------
    table
        A table of :func:`ict_gis.metrics.coverage.coverage` (one or several
        technologies).
    lang
        ``"vi"`` or ``"en"``.
    title
        Title of the figure; default: the metric and its day. ``""``: none.
    by
        ``"unit"`` or ``"province"``.
    share
        ``"area"`` (``covered_pct``) or ``"population"`` (``population_pct``,
        when the table has it).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ChartError
        If the table is not a coverage table, or an option is unknown.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> from ict_gis.metrics.coverage import coverage
    >>> table = coverage(bundled_layers(), tech="2G,4G", as_of="2024-12-31")
    >>> fig = coverage_chart(table, lang="en")
    >>> for ax in fig.axes:
    ...     print(ax.get_title(loc="left"))
    2G, province: 99% (any operator)
    4G, province: 79% (any operator)
    """
    _check_lang(lang)
    if not _is_coverage(table):
        raise ChartError(
            "coverage_chart needs a table of ict_gis.metrics.coverage.coverage "
            "(columns tech, operator, covered_pct)."
        )
    if by not in ("unit", "province"):
        raise ChartError(f"by={by!r}: use 'unit' or 'province'.")
    if share not in ("area", "population"):
        raise ChartError(f"share={share!r}: use 'area' or 'population'.")
    column = "covered_pct" if share == "area" else "population_pct"
    if column not in table.columns:
        raise ChartError(
            f"The coverage table has no {column} column (the units have no population); "
            "use share='area'."
        )
    text = _TEXT[lang]
    techs = [str(t) for t in dict.fromkeys(table["tech"])]
    operators = _coverage_operators(table["operator"])
    codes = [str(c) for c in table.index]
    data = table.assign(_code=codes)
    if by == "province":
        fig = _coverage_province(data, techs, operators, column, lang)
        _suptitle(fig, title, text["coverage_province"], table.attrs, lang)
        return fig
    units = [c for c in dict.fromkeys(codes) if c != _TOTAL]
    names = data.groupby("_code", sort=False)["name"].first() if "name" in data else {}
    labels = [_row_label(c, names.get(c) if len(names) else None, lang) for c in units]
    ncols = 1 if len(techs) == 1 else 2
    nrows = -(-len(techs) // ncols)
    group = 0.8
    with _style():
        fig = _figure(
            5.0 + 4.5 * ncols, nrows * (1.0 + 0.16 * max(len(units), 1) * max(len(operators), 2))
        )
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, tech in zip(axes, techs, strict=False):
            sub = data[data["tech"] == tech]
            y = _unit_axes(ax, labels)

            def values(operator: str, sub: pd.DataFrame = sub) -> np.ndarray:
                rows = sub[sub["operator"] == operator].set_index("_code")[column]
                return _values(rows.reindex(units))

            anyv = values(_ANY)
            ax.barh(y, anyv, height=0.92, color=_ANY_COLOUR, label=text["any"])
            width = group / max(len(operators), 1)
            for k, op in enumerate(operators):
                offset = -group / 2 + (k + 0.5) * width
                ax.barh(
                    y + offset, values(op), height=width * 0.9, color=_operator_colour(op), label=op
                )
            if (sub["operator"] == _ALL).any():
                ax.plot(
                    values(_ALL),
                    y,
                    linestyle="none",
                    marker="|",
                    markersize=14,
                    markeredgewidth=2,
                    color=_TOTAL_LINE,
                    label=text["all"],
                )
            for yi, v in zip(y, anyv, strict=True):
                ax.text(min(v, 100) + 1, yi, format_percent(v, lang=lang), va="center", fontsize=8)
            ax.set_xlim(0, 112)
            ax.set_xticks(range(0, 101, 20))
            total = sub[(sub["_code"] == _TOTAL) & (sub["operator"] == _ANY)][column]
            heading = tech
            if len(total) and not is_missing(total.iloc[0]):
                heading = text["tech_total"].format(
                    tech=tech,
                    value=format_percent(float(total.iloc[0]), lang=lang),
                    what=text["any"].lower(),
                )
            ax.set_title(heading, loc="left")
            ax.set_xlabel(text[column])
            _number_axis(ax, lang)
        for ax in axes[len(techs) :]:
            ax.set_visible(False)
        handles, names_ = _legend_order(axes[0], [text["any"], *operators, text["all"]])
        fig.legend(handles, names_, loc="outside lower center", ncols=min(len(names_), 7))
        _suptitle(fig, title, text["coverage"], table.attrs, lang)
    return fig


def _coverage_province(
    data: pd.DataFrame, techs: list[str], operators: list[str], column: str, lang: str
) -> Figure:
    text = _TEXT[lang]
    total = data[data["_code"] == _TOTAL]
    x = np.arange(len(techs))
    group = 0.8
    with _style():
        fig = _figure(2.5 + 1.6 * len(techs) + 0.3 * len(operators), 4.8)
        ax = fig.subplots()
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.8)

        def values(operator: str) -> np.ndarray:
            rows = total[total["operator"] == operator].set_index("tech")[column]
            return _values(rows.reindex(techs))

        anyv = values(_ANY)
        ax.bar(x, anyv, width=0.92, color=_ANY_COLOUR, label=text["any"])
        width = group / max(len(operators), 1)
        for k, op in enumerate(operators):
            ax.bar(
                x - group / 2 + (k + 0.5) * width,
                values(op),
                width=width * 0.9,
                color=_operator_colour(op),
                label=op,
            )
        if (total["operator"] == _ALL).any():
            ax.plot(
                x,
                values(_ALL),
                linestyle="none",
                marker="_",
                markersize=30,
                markeredgewidth=2,
                color=_TOTAL_LINE,
                label=text["all"],
            )
        for xi, v in zip(x, anyv, strict=True):
            ax.text(
                xi,
                min(v, 100) + 1.5,
                format_percent(v, lang=lang),
                ha="center",
                fontsize=8.5,
                fontweight="bold",
            )
        ax.set_xticks(x, labels=techs)
        ax.set_ylim(0, 110)
        ax.set_yticks(range(0, 101, 20))
        ax.set_ylabel(text[column])
        ax.set_xlabel(text["tech"])
        _number_axis(ax, lang, axis="y")
        fig.legend(
            *_legend_order(ax, [text["any"], *operators, text["all"]]), loc="outside right upper"
        )
    return fig


def _legend_order(ax: Axes, order: Sequence[str]) -> tuple[list, list[str]]:
    handles, labels = ax.get_legend_handles_labels()
    pairs = sorted(zip(handles, labels, strict=True), key=lambda hl: list(order).index(hl[1]))
    return [h for h, _ in pairs], [label for _, label in pairs]


# --------------------------------------------------------------------------- any table

_BAR_COLOURS = ("#2c7bb6", "#fdae61", "#31a354", "#7b3294", "#636363", "#d7191c")


def bars_chart(table: pd.DataFrame, *, lang: str = "vi", title: str | None = None) -> Figure:
    """Draw any metric table: side by side, one bar per unit for each count or length.

    The chart of a metric of :mod:`ict_gis.metrics.registry` declared with
    ``chart="bars"``: its ``count``, ``km`` and ``km2`` columns (those of
    the table when the metric is not registered), headers from the registry
    or the catalogue, the title from the metric.

    Parameters
    ----------
    table
        A table indexed by unit code (then ``total``).
    lang
        ``"vi"`` or ``"en"``.
    title
        Title of the figure; default: the metric's title and its day. ``""``: none.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ChartError
        If the table has no column to draw.
    """
    _check_lang(lang)
    if not isinstance(table, pd.DataFrame):
        raise ChartError(f"bars_chart needs a DataFrame, not {type(table).__name__}.")
    metric: Metric | None = metric_of(table)
    tech = str(table.attrs.get("tech") or "")
    if metric is not None:
        columns = [
            c
            for c, col in metric.columns.items()
            if col.kind in ("count", "km", "km2") and c in table.columns
        ]
        default = catalogue_text(metric.title, lang, tech=tech)
    else:
        columns = [
            str(c)
            for c in table.columns
            if pd.api.types.is_numeric_dtype(table[c].dtype)
            and not (str(c) == "pct" or str(c).endswith("_pct"))
        ]
        default = ""
    if not columns:
        raise ChartError("bars_chart found no count or length column to draw in the table.")
    i = LANGS.index(lang)

    def header(column: str) -> str:
        declared = metric.label(column, lang) if metric is not None else None
        if declared is None:
            pair = COLUMN_LABELS.get(column)
            declared = pair[i] if pair else column
        return declared.replace("{tech}", tech).strip()

    codes, labels = _bar_rows(table, lang)
    rows = table.loc[codes]
    width = 0.8 / len(columns)
    with _style():
        fig = _figure(9.0, _height(len(codes)) + 0.3)
        ax = fig.subplots()
        y = _unit_axes(ax, labels)
        for k, column in enumerate(columns):
            ax.barh(
                y - 0.4 + width * (k + 0.5),
                _values(rows[column]),
                height=width,
                color=_BAR_COLOURS[k % len(_BAR_COLOURS)],
                label=header(column),
            )
        _number_axis(ax, lang)
        ax.legend(loc="lower right")
        _suptitle(fig, title, default, table.attrs, lang)
    return fig


#: Chart of each style a metric of :mod:`ict_gis.metrics.registry` may name.
CHART_STYLES: dict[str, Callable[..., Figure]] = {
    "switch_off": switch_off_chart,
    "sites_5g": sites_5g_chart,
    "bts": bts_chart,
    "cables": cable_chart,
    "timeline": timeline_chart,
    "coverage": coverage_chart,
    "bars": bars_chart,
}


def chart(table: pd.DataFrame, *, lang: str = "vi", title: str | None = None) -> Figure:
    """Draw the chart that suits a metric table (its metric's chart in the registry).

    The metric is ``table.attrs["metric"]`` (a coverage table is recognised
    by its columns); its chart is the style it declares in
    :mod:`ict_gis.metrics.registry` (see :data:`CHART_STYLES`).

    Parameters
    ----------
    table
        A table of a metric function (:mod:`ict_gis.metrics.progress`,
        :func:`switch_off_timeline`, the coverage metrics, or any registered
        metric).
    lang
        ``"vi"`` or ``"en"``.
    title
        Title of the figure; default: the metric and its day. ``""``: none.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ChartError
        If the table does not say which metric it holds, or the metric has no chart.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> from ict_gis.metrics.progress import bts_pipeline
    >>> fig = chart(bts_pipeline(bundled_layers(), as_of="2024-12-31"), lang="en")
    >>> fig.get_suptitle()
    'BTS locations approved and where they stand (as of 2024-12-31)'
    """
    metric = metric_of(table)
    if metric is None and _is_coverage(table):
        metric = registry.get("coverage")
    draw = None if metric is None or metric.chart is None else CHART_STYLES.get(metric.chart)
    if draw is None:
        name = getattr(table, "attrs", {}).get("metric")
        charted = [m.name for m in registry.metrics() if m.chart in CHART_STYLES]
        raise ChartError(
            f"No chart for a table of metric {name!r}; charts exist for "
            f"{', '.join(sorted(charted))} (the tables of ict_gis.metrics)."
        )
    return draw(table, lang=lang, title=title)


# --------------------------------------------------------------------------- output


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in CHART_FORMATS:
        raise ChartError(
            f"{path}: cannot write a chart as {suffix or 'a file without suffix'!r}; "
            f"use {', '.join('.' + f for f in CHART_FORMATS)}."
        )
    return suffix


def figure_bytes(figure: Figure, *, format: str = "png", dpi: float = 150) -> bytes:
    """Return the figure as PNG, SVG or PDF bytes (drawn with Agg, no display needed).

    Parameters
    ----------
    figure
        A figure of this module (or any matplotlib figure).
    format
        ``png``, ``svg`` or ``pdf``.
    dpi
        Resolution of a PNG.
    """
    if format not in CHART_FORMATS:
        raise ChartError(f"Unknown chart format {format!r}; use one of {', '.join(CHART_FORMATS)}.")
    buffer = _bytes_io.BytesIO()
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}
    with _style():
        figure.savefig(buffer, format=format, dpi=dpi, metadata=metadata[format])
    return buffer.getvalue()


def save_figure(figure: Figure, path: str | os.PathLike, *, dpi: float = 150) -> Path:
    """Write the figure to ``path`` atomically; the suffix chooses PNG, SVG or PDF.

    Parameters
    ----------
    figure
        The figure.
    path
        Output file (``.png``, ``.svg`` or ``.pdf``); never an input file.
    dpi
        Resolution of a PNG.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ChartError
        If the suffix is not a chart format.
    ict_gis.errors.LayerWriteError
        If the folder does not exist or ``path`` was read as an input.

    Examples
    --------
    >>> import tempfile
    >>> from ict_gis.layerset import bundled_layers
    >>> from ict_gis.metrics.progress import cable_timeline
    >>> folder = Path(tempfile.mkdtemp())
    >>> fig = chart(cable_timeline(bundled_layers(), as_of="2024-12-31"))
    >>> path = save_figure(fig, folder / "cables.png")
    >>> path.name, path.read_bytes()[1:4]
    ('cables.png', b'PNG')
    """
    path = Path(path)
    return io.write_bytes(figure_bytes(figure, format=_format_of(path), dpi=dpi), path)
