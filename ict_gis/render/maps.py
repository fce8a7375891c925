"""Interactive maps: one self-contained, offline, safe HTML file.

:func:`build_map` turns a layer set into a :class:`folium.Map` that shows the
admin units as a choropleth of one metric (with every unit's figures in its
popup), the BTS stations clustered by operator and marked by status, the 2G
switch-offs, the 5G sites, the cable routes by status and, when the coverage
metrics are available, coverage footprints and switch-off gaps; with a grouped
layer control, legends, a scale bar, full screen, a measure tool, a minimap,
a search box and a month slider.

How the page is made
--------------------
* Leaflet and its plugins are inlined from an installed package (see
  :mod:`ict_gis.render.assets`); no tile server is needed: a light base map is
  drawn from the admin units themselves. ``offline=False`` adds OpenStreetMap
  tiles as a second base layer.
* The data travel as one JSON document in a ``<script type="application/json">``
  element, written by :func:`ict_gis.render._html.json_for_script` (no value
  can close the element). Our own script (``static/ictmap.js``) builds the
  layers from it and writes every value from a layer with ``textContent``;
  the only HTML it inserts is built here, every value escaped.
* Coordinates have at most 6 decimals (about 0.1 m); polygons are simplified
  for display (by 1/5000 of the extent, about 10 m for a province), never for
  computation. Points are drawn on a canvas and the BTS stations clustered
  by the page's own grid; coverage footprints go to the page as centres and
  radii and are drawn there (not united here), which keeps 100,000 sites
  quick to build and to use.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Mapping, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import CssLink, JavascriptLink, MacroElement
from shapely.ops import polylabel

from ict_gis.crosswalk import (
    between,
    read_crosswalk,
    report_units,
    source_as_of,
    unit_vintage,
    with_weights,
)
from ict_gis.errors import CrosswalkError, MapError
from ict_gis.footprints import FootprintModel, footprint_shapes, resolve_model
from ict_gis.layerset import bundled_path
from ict_gis.metrics import registry
from ict_gis.metrics.registry import MapView, Popup, techs_present
from ict_gis.numbers import (
    LANGS,
    format_count,
    format_km,
    format_number,
    format_percent,
    is_missing,
    percent,
)
from ict_gis.render._html import escape, inline_script, inline_style, json_for_script, swatch
from ict_gis.render.assets import ASSETS, OfflineFigure, RawHTML, own_files
from ict_gis.schema import split_list
from ict_gis.settings import (
    BTS_STATUSES,
    CABLE_CATEGORIES,
    CABLE_STATUSES,
    OPERATOR_COLOURS,
    OPERATORS,
    OTHER_COLOUR,
)
from ict_gis.texts import MAP_TEXT as _TEXT
from ict_gis.texts import STATUS_TEXT as _STATUS_TEXT
from ict_gis.texts import day_text, text
from ict_gis.units import geodesic_length_m, metric_crs, to_date, unit_frame

__all__ = [
    "CLASS_SCHEMES",
    "MAP_METRICS",
    "MapError",
    "build_map",
    "default_metric",
    "map_payload",
    "parse_classes",
    "spans_provinces",
]


# --------------------------------------------------------------------------- styles


#: Colour of each cable route status.
CABLE_COLOURS: dict[str, str] = {
    "planned": "#e34a33",
    "tidied": "#31a354",
    "underground": "#3f007d",
}
_OFF_2G = "#252525"
_ON_2G = "#ffd92f"

#: Sequential classes of a choropleth (light to dark).
CLASS_COLOURS: tuple[str, ...] = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
#: Nine sequential classes (ColorBrewer Greens), for six to nine classes.
CLASS_COLOURS_9: tuple[str, ...] = (
    "#f7fcf5",
    "#e5f5e0",
    "#c7e9c0",
    "#a1d99b",
    "#74c476",
    "#41ab5d",
    "#238b45",
    "#006d2c",
    "#00441b",
)
#: How ``classes="…"`` draws the class limits from the data.
CLASS_SCHEMES: tuple[str, ...] = ("quantiles", "fisher_jenks", "equal_interval", "fixed")
#: Number of classes of a scheme unless told (``quantiles:7``).
N_CLASSES = 5
NO_DATA_COLOUR = "#d9d9d9"
_TECH_COLOURS = {"2G": "#fdae61", "3G": "#abd9e9", "4G": "#2c7bb6", "5G": "#7b3294"}
_GAP_COLOUR = "#d7191c"

#: Coverage (figures, footprints and 2G gaps) is on every map of at most this
#: many stations; above it (computing it then takes more than about 10 s), only
#: on the maps of a coverage metric.
COVERAGE_AUTO_MAX_STATIONS = 20_000
#: Segments per quarter circle of the footprints behind the 2G gaps drawn on
#: maps of more stations (the footprints themselves are drawn by the page).
DISPLAY_QUAD_SEGS = 3

#: OpenStreetMap tiles, added as a base layer when ``offline=False``.
_OSM_TILES = {
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
}

#: Point style of a BTS status: fill opacity, dash pattern of the outline.
_STATUS_STYLE: dict[str, dict[str, object]] = {
    "on_air": {"fillOpacity": 0.9, "dashArray": None, "weight": 1.5},
    "under_construction": {"fillOpacity": 0.35, "dashArray": "3 2", "weight": 2},
    "approved": {"fillOpacity": 0.0, "dashArray": None, "weight": 2},
    "dismantled": {"fillOpacity": 0.15, "dashArray": "1 2", "weight": 1},
}


# --------------------------------------------------------------------------- metrics


class _MapViews(Mapping[str, MapView]):
    """The map views of :mod:`ict_gis.metrics.registry`, read when asked (never a copy)."""

    def __getitem__(self, key: str) -> MapView:
        return registry.map_views()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(registry.map_views())

    def __len__(self) -> int:
        return len(registry.map_views())

    def __repr__(self) -> str:
        return f"MAP_METRICS({', '.join(self)})"


#: Metrics ``build_map(metric=...)`` and ``ict-gis map --metric`` accept: the map
#: views of the metrics in :mod:`ict_gis.metrics.registry`, in registry order.
MAP_METRICS: Mapping[str, MapView] = _MapViews()


def default_metric(layers: Mapping[str, object]) -> str:
    """Return the first map view (registry order) whose layers are all in ``layers``.

    Raises
    ------
    MapError
        If no view can be drawn from these layers.

    Examples
    --------
    >>> default_metric({"districts": None, "bts_stations": None})
    'bts'
    """
    available = registry.available_map_views(layers)
    if not available:
        raise MapError(
            f"No map metric can be drawn from these layers (they are: {', '.join(layers)}); "
            "every metric needs bts_stations, sites_5g or cable_routes."
        )
    return available[0]


# --------------------------------------------------------------------------- formatting


def _fmt_pct(value: object, lang: str, digits: int = 0) -> str:
    return format_percent(float(value), digits=digits, lang=lang) if not is_missing(value) else "–"


def _fmt_count(value: object, lang: str) -> str:
    return format_count(int(value), lang=lang) if not is_missing(value) else "–"


def _fmt_km(value: object, lang: str) -> str:
    return f"{format_km(float(value), lang=lang)} km" if not is_missing(value) else "–"


def _with_pct(count: str, pct: object, lang: str, digits: int = 0) -> str:
    return count if is_missing(pct) else f"{count} ({_fmt_pct(pct, lang, digits)})"


def _date_text(value: object, lang: str) -> str:
    if is_missing(value):
        return "–"
    stamp = pd.Timestamp(value)
    return day_text(stamp, lang)


# --------------------------------------------------------------------------- unit tables


def _unit_tables(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame,
    as_of: pd.Timestamp | None,
    needed: str,
    model: object = None,
    tick: Callable[[], None] = lambda: None,
) -> dict[str, pd.DataFrame]:
    """Compute every per-unit table of the map views the layers allow; ``needed`` must succeed.

    A table whose layers are missing is left out of the popups (as is a costly
    one above :data:`COVERAGE_AUTO_MAX_STATIONS` stations); the table of the
    chosen view raises instead. Tables are keyed by :attr:`MapView.table`.
    """
    chosen = MAP_METRICS[needed]
    views: dict[str, MapView] = {}
    for view in MAP_METRICS.values():
        views.setdefault(view.table, view)
    views[chosen.table] = chosen
    have = set(layers)
    tables: dict[str, pd.DataFrame] = {}
    for key, view in views.items():
        tick()
        metric = registry.get(view.metric)
        if key != chosen.table:
            if not set(metric.needs(**view.params)) <= have:
                continue
            if metric.costly and _many_stations(layers):
                continue
        table = metric.compute_for_map(layers, units=units, as_of=as_of, model=model, view=view)
        # Only the figures are used: drop attrs (the metric's problems), which
        # pandas would deep-copy on every row lookup; keep the technology.
        table.attrs = {"tech": table.attrs.get("tech")} if table.attrs.get("tech") else {}
        tables[key] = table
    return tables


def _many_stations(layers: Mapping[str, pd.DataFrame]) -> bool:
    """Whether the stations are too many for the costly extras (coverage in every popup)."""
    stations = layers.get("bts_stations")
    return stations is not None and len(stations) > COVERAGE_AUTO_MAX_STATIONS


class _Steps:
    """Count a map's steps for a ``progress(done, total)`` callback (``None``: silent)."""

    def __init__(self, progress: Callable[[int, int], None] | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def tick(self) -> None:
        """One step more is done."""
        self.done = min(self.done + 1, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total)


def _map_units(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame | str | None,
    as_of: pd.Timestamp | None,
) -> gpd.GeoDataFrame:
    """Return the units a map colours: the layer set's own, or others (with ``has_data``).

    ``units`` is ``None`` (the ``districts`` as of ``as_of``), the name of a
    bundled unit layer (``"communes-2025"``) or a unit layer; units of
    another vintage are resolved by :func:`ict_gis.crosswalk.report_units`.
    """
    if units is None:
        return unit_frame(layers, as_of=as_of)
    frame = report_units(layers, units, as_of=as_of)
    frame = frame.copy()
    frame.index = pd.Index([str(c) for c in frame.index], name="code", dtype=object)
    frame.attrs = dict(frame.attrs)
    if "name" not in frame.columns:
        frame["name"] = list(frame.index)
    return frame


def _came_from(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame,
    as_of: pd.Timestamp | None,
    lang: str,
) -> dict[str, list]:
    """Popup section of each unit of another vintage: the old units it was formed from.

    For the communes of the 2025 reform, the old communes of the national
    crosswalk (code and name); for other units, the layer set's own units
    they were carried from. An old unit split among several new ones shows
    the share of its figures this unit gets, and how the share was drawn.

    Returns
    -------
    dict
        Unit code to ``[[title, [[old unit, share], ...]]]`` (empty for the
        layer set's own units).
    """
    if not units.attrs.get("foreign"):
        return {}
    codes = set(units.index)
    xwalk = pd.DataFrame()
    names: dict[str, str] = {}
    if str(unit_vintage(units) or "") == "2025-07-01":
        national = read_crosswalk()
        olds = set(national.loc[national["new_code"].isin(codes), "old_code"])
        xwalk = national[national["old_code"].isin(olds)].reset_index(drop=True)
        if "old_name" in xwalk.columns:
            names = dict(zip(xwalk["old_code"], xwalk["old_name"].astype(str), strict=True))
        try:
            xwalk = with_weights(xwalk, target=units)
        except CrosswalkError:  # a split whose parts lie outside these units: shares unknown
            size = xwalk.groupby("old_code")["new_code"].transform("size")
            xwalk = xwalk.assign(
                weight=np.where(size == 1, 1.0, np.nan),
                method=np.where(size == 1, "whole", ""),
            )
    if xwalk.empty:
        own = unit_frame(layers, as_of=source_as_of(units, as_of))
        try:
            xwalk = between(own, units, changes=layers.get("admin_changes"))
        except CrosswalkError:
            return {}
        if "name" in own.columns:
            names = {str(c): str(n) for c, n in own["name"].items() if not is_missing(n)}
    t = _TEXT[lang]
    day = xwalk["effective_date"].dropna().max() if "effective_date" in xwalk else None
    title = t["came_from"]
    if day is not None and not is_missing(day):
        title = t["came_from_before"].format(date=_date_text(day, lang))
    out: dict[str, list] = {}
    mine = xwalk[xwalk["new_code"].isin(codes)].sort_values(["new_code", "old_code"])
    for new, rows in mine.groupby("new_code", sort=False):
        lines = []
        for row in rows.itertuples(index=False):
            label = " ".join(p for p in (str(row.old_code), names.get(str(row.old_code), "")) if p)
            if row.method == "whole":
                share = t["share_whole"]
            elif is_missing(row.weight):
                share = t["share_part"]
            else:
                pct = format_percent(100.0 * float(row.weight), digits=1, lang=lang)
                how = t.get(f"share_by_{row.method}", "")
                share = f"{pct} {how}".strip()
            lines.append([label, share])
        out[str(new)] = [[title, lines]]
    return out


def _metric_values(
    tables: Mapping[str, pd.DataFrame], spec: MapView, index: pd.Index
) -> tuple[pd.Series, object]:
    """Return the metric of each unit (in ``index`` order) and its province total."""
    table = tables[spec.table]
    for column, value in spec.where.items():
        table = table[table[column] == value]
    if spec.column not in table.columns:
        raise MapError(f"The {spec.table} table has no column {spec.column!r}.")
    column = table[spec.column]
    total = column.get("total") if "total" in table.index else None
    return column.reindex(index), total


def _words(entry: str | tuple[str, str], lang: str, **values: object) -> str:
    """Return a text of the map: a key of the map's texts, or a ``(vi, en)`` pair."""
    words = _TEXT[lang][entry] if isinstance(entry, str) else text(entry, lang)
    return words.format(**values) if values else words


def _cell(value: object, kind: str, lang: str) -> str:
    if kind == "km":
        return _fmt_km(value, lang)
    if kind == "km2":
        return "–" if is_missing(value) else f"{format_number(value, digits=1, lang=lang)} km²"
    if kind == "pct":
        return _fmt_pct(value, lang)
    if kind == "count":
        return _fmt_count(value, lang)
    return "–" if is_missing(value) else str(value)


def _rows_section(popup: Popup, r: pd.Series, frame: pd.DataFrame, kinds, lang, tech) -> list:
    rows = []
    for spec in popup.rows:
        value = _cell(r[spec.column], kinds.get(spec.column, "count"), lang)
        if spec.pct is not None:
            value = _with_pct(value, r[spec.pct], lang, digits=spec.digits)
        rows.append([_words(spec.label, lang, tech=tech), value])
    if popup.extra_columns:  # one row per column not declared (the operators of the 5G table)
        for col in frame.columns:
            if col not in kinds:
                rows.append([f"– {col}", _fmt_count(r[col], lang)])
    return rows


def _cables_section(r: pd.Series, lang: str) -> list:
    rows = [
        [_TEXT[lang]["r_planned_km"], _fmt_km(r["planned_km"], lang)],
        [_TEXT[lang]["r_tidied_km"], _with_pct(_fmt_km(r["tidied_km"], lang), r["pct"], lang)],
        [_TEXT[lang]["r_underground_km"], _fmt_km(r["underground_km"], lang)],
    ]
    for cat in CABLE_CATEGORIES:
        if f"{cat}_planned_km" in r.index and r[f"{cat}_planned_km"] > 0:
            done, plan = r[f"{cat}_tidied_km"], r[f"{cat}_planned_km"]
            rows.append(
                [
                    f"– {_STATUS_TEXT[lang][cat]}",
                    f"{format_km(done, lang=lang)}/{format_km(plan, lang=lang)} km "
                    f"({_fmt_pct(percent(done, plan), lang)})",
                ]
            )
    return rows


#: The rows of the coverage table last seen, per unit code (the table is kept
#: with them, so its id is not reused): a country map asks for 700 units.
_COVERAGE_ROWS: dict[int, tuple[pd.DataFrame, dict[str, list[tuple]]]] = {}


def _coverage_section(frame: pd.DataFrame, code: str, lang: str) -> list:
    held = _COVERAGE_ROWS.get(id(frame))
    if held is None or held[0] is not frame:
        by_code: dict[str, list[tuple]] = {}
        columns = [frame[c].tolist() for c in ("tech", "covered_km2", "covered_pct")]
        for key, *row in zip(frame.index.tolist(), *columns, strict=True):
            by_code.setdefault(key, []).append(tuple(row))
        _COVERAGE_ROWS.clear()
        _COVERAGE_ROWS[id(frame)] = held = (frame, by_code)
    rows = []
    for tech, km2, pct in held[1].get(code, []):
        area = f"{format_number(km2, digits=1, lang=lang)} km²"
        rows.append([_TEXT[lang]["r_covered"].format(tech=tech), _with_pct(area, pct, lang)])
    return rows


def _unit_sections(code: str, tables: Mapping[str, pd.DataFrame], lang: str) -> list:
    """Popup sections of one unit: ``[[title, [[label, text], ...]], ...]``.

    One section per popup a metric declares in :mod:`ict_gis.metrics.registry`,
    for each of its tables, in registry order.
    """
    sections = []
    for key, frame in tables.items():
        if code not in frame.index:
            continue
        metric = registry.get(MAP_METRICS[_view_of_table(key)].metric)
        kinds = {c: col.kind for c, col in metric.columns.items()}
        tech = frame.attrs.get("tech") or ""
        for popup in metric.popups:
            title = _words(popup.title, lang, tech=tech)
            if popup.style == "coverage":
                sections.append([title, _coverage_section(frame, code, lang)])
                continue
            r = frame.loc[code]
            if popup.needs is not None and (
                popup.needs not in r.index or is_missing(r[popup.needs])
            ):
                continue
            if popup.style == "cables":
                sections.append([title, _cables_section(r, lang)])
            else:
                sections.append([title, _rows_section(popup, r, frame, kinds, lang, tech)])
    return sections


def _view_of_table(table: str) -> str:
    """Return the first map view of a table key."""
    return next(key for key, view in MAP_METRICS.items() if view.table == table)


# --------------------------------------------------------------------------- classes


def parse_classes(classes: str | Sequence[float]) -> tuple[str, int, tuple[float, ...]]:
    """Read a class specification: a scheme (with an optional count), or breaks.

    Parameters
    ----------
    classes
        ``quantiles``, ``fisher_jenks``, ``equal_interval`` (each optionally
        followed by ``:N``, the number of classes, 2–9; default 5), ``fixed``
        (classes of 20 points on a percentage, the old default), or the upper
        limits of the classes (``"92,93"`` or a sequence of numbers).

    Returns
    -------
    tuple
        ``(scheme, k, breaks)``; ``breaks`` is empty unless the scheme is ``breaks``.

    Raises
    ------
    MapError
        If the specification is none of these.

    Examples
    --------
    >>> parse_classes("fisher-jenks:4")
    ('fisher_jenks', 4, ())
    >>> parse_classes("92, 93.5")
    ('breaks', 0, (92.0, 93.5))
    """
    if not isinstance(classes, str):
        try:
            breaks = tuple(sorted({float(b) for b in classes}))
        except (TypeError, ValueError) as error:
            raise MapError(f"Class breaks must be numbers, not {classes!r}.") from error
        if not breaks or any(math.isnan(b) for b in breaks):
            raise MapError("Give at least one class break (a number).")
        return "breaks", 0, breaks
    spec = classes.strip().lower().replace("-", "_")
    name, _, count = spec.partition(":")
    if name in CLASS_SCHEMES:
        try:
            k = int(count) if count else N_CLASSES
        except ValueError:
            k = -1
        if not 2 <= k <= len(CLASS_COLOURS_9):
            raise MapError(
                f"The number of classes in {classes!r} must be a whole number from 2 to "
                f"{len(CLASS_COLOURS_9)}."
            )
        return name, k, ()
    try:
        return parse_classes([b for b in spec.split(",") if b.strip()])
    except MapError:
        raise MapError(
            f"Unknown classes {classes!r}: use {', '.join(CLASS_SCHEMES)} (optionally with "
            "':N', the number of classes) or upper class limits such as '92,93.5'."
        ) from None


def _palette(k: int) -> list[str]:
    """``k`` sequential colours, light to dark."""
    if k == 1:
        return [CLASS_COLOURS[3]]
    if k <= len(CLASS_COLOURS):
        return [CLASS_COLOURS[int(round(i))] for i in np.linspace(0, len(CLASS_COLOURS) - 1, k)]
    return [CLASS_COLOURS_9[int(round(i))] for i in np.linspace(0, len(CLASS_COLOURS_9) - 1, k)]


def _upper_limits(vals: np.ndarray, scheme: str, k: int, breaks: Sequence[float]) -> np.ndarray:
    """Upper limit of each class (ascending; the last is the largest value)."""
    top = float(vals.max())
    if scheme == "fixed":
        return np.array([20.0, 40.0, 60.0, 80.0, max(100.0, top)])
    if scheme == "breaks":
        return np.array([b for b in breaks if b < top] + [top])
    distinct = np.unique(vals)
    if float(distinct[-1] - distinct[0]) < 0.005:  # differences the map cannot write
        return np.array([top])
    k = min(k, len(distinct))
    if k <= 1:
        return np.array([top])
    # (with ties, quantiles form fewer classes: those are kept)
    bins = np.unique(np.asarray(_SCHEMES[scheme](vals, k), dtype=float))
    bins[-1] = top
    return bins


def _quantiles(vals: np.ndarray, k: int) -> np.ndarray:
    """Upper limits of ``k`` quantile classes, as ``mapclassify.Quantiles`` draws them."""
    width = 100.0 / k
    pct = np.arange(width, 100.0 + width, width)
    pct[-1] = min(pct[-1], 100.0)
    return np.percentile(vals, pct)


def _equal_intervals(vals: np.ndarray, k: int) -> np.ndarray:
    """Upper limits of ``k`` classes of equal width, as ``mapclassify.EqualInterval``."""
    low, high = float(vals.min()), float(vals.max())
    width = (high - low) / k
    cuts = np.arange(low + width, high + width, width)[:k]
    cuts[-1] = high
    return cuts


def _fisher_jenks(vals: np.ndarray, k: int) -> np.ndarray:
    """Upper limits of ``k`` Fisher-Jenks classes (``mapclassify.FisherJenks``)."""
    # Imported only for this scheme: with numba installed, mapclassify
    # compiles its kernels when imported (a second or more).
    import mapclassify

    return mapclassify.FisherJenks(vals, k=k).bins


#: Scheme -> upper limits of its classes. Quantiles and equal intervals are
#: a few lines of numpy (mapclassify's definitions, tested against it).
_SCHEMES = {
    "quantiles": _quantiles,
    "fisher_jenks": _fisher_jenks,
    "equal_interval": _equal_intervals,
}


def _edge_digits(edges: Sequence[float], integral: bool) -> int:
    """Fewest decimals (0–2) that write the class limits distinctly and closely.

    Close: each limit rounded moves by less than a tenth of the narrowest class.
    """
    if integral:
        return 0
    edges = np.asarray(edges, dtype=float)
    gaps = np.diff(np.unique(edges))
    narrowest = float(gaps.min()) if len(gaps) else 0.0
    for digits in (0, 1):
        rounded = np.round(edges, digits)
        distinct = len(np.unique(rounded)) == len(np.unique(edges))
        if distinct and float(np.abs(rounded - edges).max()) < narrowest / 10:
            return digits
    return 2


def _classes(
    values: pd.Series,
    kind: str,
    lang: str,
    classes: str | Sequence[float] = "quantiles",
    pooled: pd.Series | None = None,
) -> tuple[list[dict], np.ndarray, int]:
    """Return the legend classes, the class of each value (-1: no data) and the decimals.

    Each class is ``{"label", "color", "lo", "hi"}``.

    The limits are drawn from ``values``; ``pooled`` (every month's values)
    only widens the first and last classes to hold every month's figures, so
    that a colour means the same on every month of the slider. Class ``i``
    holds the values above the limit of class ``i - 1`` up to its own.
    """
    scheme, k, breaks = parse_classes(classes)
    if scheme == "fixed" and kind != "percent":
        scheme, k = "quantiles", N_CLASSES
    vals = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    basis = vals[~np.isnan(vals)]
    every = basis
    if pooled is not None:
        every = pd.to_numeric(pooled, errors="coerce").to_numpy(float)
        every = np.concatenate([basis, every[~np.isnan(every)]])
    idx = np.full(len(vals), -1, dtype=int)
    if not len(every):
        return [], idx, 0
    uppers = _upper_limits(basis if len(basis) else every, scheme, k, breaks)
    if kind != "percent" and bool(np.all(every == np.round(every))):
        uppers = np.unique(np.floor(uppers))  # whole numbers: classes of whole numbers
    uppers[-1] = max(float(uppers[-1]), float(every.max()))
    low = float(every.min()) if scheme != "fixed" else 0.0
    basis = every
    integral = kind != "percent" and bool(np.all(basis == np.round(basis)))
    integral = integral and (scheme != "breaks" or all(float(b).is_integer() for b in breaks))
    digits = _edge_digits([low, *uppers], integral)

    def fmt(v: float) -> str:
        if kind == "percent":
            return format_number(v, digits=digits, lang=lang, strip_zeros=True) + "%"
        return format_number(v, digits=digits, lang=lang, strip_zeros=True)

    colours = _palette(len(uppers))
    out: list[dict] = []
    lower = low
    for i, upper in enumerate(uppers):
        first = lower + 1 if integral and i else lower
        text = fmt(upper) if first >= upper else f"{fmt(first)}–{fmt(upper)}"
        out.append({"label": text, "color": colours[i], "lo": float(lower), "hi": float(upper)})
        lower = float(upper)
    return out, _classify(values, out), digits


def _classify(values: pd.Series, classes: Sequence[dict]) -> np.ndarray:
    """Class of each value (-1: no data) in the classes of :func:`_classes`."""
    vals = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    idx = np.full(len(vals), -1, dtype=int)
    ok = ~np.isnan(vals)
    if classes:
        uppers = np.array([c["hi"] for c in classes])
        idx[ok] = np.minimum(np.searchsorted(uppers, vals[ok], side="left"), len(uppers) - 1)
    return idx


def _value_text(value: object, kind: str, lang: str, digits: int = 0) -> str:
    if is_missing(value):
        return _TEXT[lang]["no_data"]
    if kind == "percent":
        return format_number(float(value), digits=digits, lang=lang, strip_zeros=True) + "%"
    return (
        _fmt_count(value, lang) if digits == 0 else format_number(value, digits=digits, lang=lang)
    )


# --------------------------------------------------------------------------- geometry


def _round(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, 6))


def _lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    geoms = frame.geometry
    if geoms.crs is not None and not geoms.crs.equals("EPSG:4326"):
        geoms = geoms.to_crs("EPSG:4326")
    return geoms


def _tolerance(bounds: Sequence[float]) -> float:
    minx, miny, maxx, maxy = bounds
    return max(maxx - minx, maxy - miny, 1e-3) / 5000.0


def _display_polygons(
    geoms: gpd.GeoSeries, tolerance: float, *, keep_topology: bool = True
) -> list[dict | None]:
    arr = np.asarray(geoms.array, dtype=object)
    simple = shapely.simplify(arr, tolerance, preserve_topology=keep_topology)
    out: list[dict | None] = []
    for geom in _round(simple):
        out.append(None if geom is None or geom.is_empty else shapely.geometry.mapping(geom))
    return out


def _paths(geom: shapely.Geometry | None) -> list | None:
    """Coordinates of a (multi)line as ``[[lat, lon], ...]`` (or a list of those)."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "LineString":
        return [[y, x] for x, y, *_ in geom.coords]
    return [[[y, x] for x, y, *_ in part.coords] for part in geom.geoms if not part.is_empty]


def _label_points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Where to write each unit's name: the pole of inaccessibility of its largest part.

    Unlike a representative point it stays away from the unit's edges, so the
    names of long, thin units do not run into their neighbours'.
    """

    def place(geom: shapely.Geometry | None) -> shapely.Geometry | None:
        if geom is None or geom.is_empty:
            return None
        parts = shapely.get_parts(geom)
        largest = parts[int(np.argmax(shapely.area(parts)))]
        if largest.geom_type != "Polygon":
            return shapely.point_on_surface(largest)
        return polylabel(largest, tolerance=max(largest.length, 1e-9) / 1000)

    return gpd.GeoSeries([place(g) for g in geoms], index=geoms.index, crs=geoms.crs)


def _latlon(geoms: gpd.GeoSeries) -> tuple[list, list, np.ndarray]:
    """Latitudes and longitudes (6 decimals; ``None`` without geometry), and which exist.

    Other geometries than points are placed by their representative point.
    """
    arr = np.asarray(geoms.array, dtype=object)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    pts = arr.copy()
    types = shapely.get_type_id(pts)
    other = present & (types != 0)
    if other.any():
        pts[other] = shapely.point_on_surface(pts[other])
    x = np.full(len(arr), np.nan)
    y = np.full(len(arr), np.nan)
    x[present] = np.round(shapely.get_x(pts[present]), 6)
    y[present] = np.round(shapely.get_y(pts[present]), 6)
    lat = [v if ok else None for v, ok in zip(y.tolist(), present, strict=True)]
    lon = [v if ok else None for v, ok in zip(x.tolist(), present, strict=True)]
    return lat, lon, present


# --------------------------------------------------------------------------- columns


def _day(values: pd.Series) -> list[int | None]:
    """Dates as days since 1970-01-01 (the map formats them)."""
    stamps = pd.to_datetime(values)
    days = (stamps - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)
    return [None if is_missing(d) else int(d) for d in days]


def _month(values: pd.Series) -> list[int | None]:
    """Dates as months since year 0 (``12 * year + month - 1``)."""
    stamps = pd.to_datetime(values)
    return [None if is_missing(s) else 12 * s.year + s.month - 1 for s in stamps]


def _texts(values: pd.Series) -> list[str | None]:
    return [None if is_missing(v) else str(v) for v in values]


def _coded(values: Sequence[str | None], labels: Mapping[str, str] | None = None) -> dict:
    """Encode a text column as a dictionary plus one code per row (small when repeated)."""
    # (factorize numbers the words in order of first appearance; None is -1)
    codes, words = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    shown = [labels.get(w, w) if labels else w for w in words.tolist()]
    return {"type": "coded", "dict": shown, "v": codes.tolist()}


def _col(label: str, column: dict) -> dict:
    return {"label": label, **column}


def _numbers(values: pd.Series, *, digits: int = 0, unit: str = "") -> dict:
    nums = pd.to_numeric(values, errors="coerce").astype(float)
    return {
        "type": "num",
        "digits": digits,
        "unit": unit,
        "v": [None if math.isnan(v) else round(v, digits) for v in nums],
    }


def _operator_index(values: pd.Series) -> tuple[list[str], list[int]]:
    present = [str(v) for v in values.dropna().unique()]
    ops = [o for o in OPERATORS if o in present] + sorted(set(present) - set(OPERATORS))
    if values.isna().any():
        ops.append("")
    pos = {o: i for i, o in enumerate(ops)}
    return ops, [pos["" if is_missing(v) else str(v)] for v in values]


def _op_label(op: str, lang: str) -> str:
    return op or _TEXT[lang]["unknown"]


def _op_colour(op: str) -> str:
    return OPERATOR_COLOURS.get(op, OTHER_COLOUR)


# --------------------------------------------------------------------------- layers


def _bts_status_as_of(frame: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.Series:
    """Status of each station on ``as_of``; missing for a station not yet approved."""
    status = frame["status"].astype(object).copy()
    if as_of is None:
        return status
    approved = pd.to_datetime(frame["approved_date"])
    on_air = pd.to_datetime(frame["on_air_date"])
    later_on_air = (status == "on_air") & on_air.notna() & (on_air > as_of)
    status[later_on_air] = "under_construction"
    not_yet = approved.notna() & (approved > as_of) & ~(on_air.notna() & (on_air <= as_of))
    status[not_yet] = None
    return status


def _bts_layer(bts: gpd.GeoDataFrame, as_of, lang: str) -> dict:
    t, st = _TEXT[lang], _STATUS_TEXT[lang]
    status = _bts_status_as_of(bts, as_of)
    frame = bts[status.notna()]
    status = status[status.notna()]
    lat, lon, present = _latlon(_lonlat(frame))
    ops, op_idx = _operator_index(frame["operator"])
    statuses = list(BTS_STATUSES) + sorted(set(status.dropna()) - set(BTS_STATUSES))
    st_pos = {s: i for i, s in enumerate(statuses)}
    styles = []
    for op in ops:
        for s in statuses:
            look = _STATUS_STYLE.get(s, _STATUS_STYLE["on_air"])
            styles.append(
                {
                    "radius": 5,
                    "color": _op_colour(op),
                    "fillColor": _op_colour(op),
                    "fillOpacity": look["fillOpacity"],
                    "weight": look["weight"],
                    "dashArray": look["dashArray"],
                }
            )
    sty = [o * len(statuses) + st_pos[s] for o, s in zip(op_idx, status, strict=True)]
    legend = _legend_points(
        t["g_bts"],
        [(_op_label(op, lang), _op_colour(op), False, False) for op in ops]
        + [
            (
                st.get(s, s),
                "#555555",
                bool(_STATUS_STYLE.get(s, {}).get("dashArray")),
                _STATUS_STYLE.get(s, {}).get("fillOpacity", 1) == 0,
            )
            for s in statuses
            if (status == s).any()
        ],
    )
    cols = [
        _col(t["operator"], _coded(_texts(frame["operator"]))),
        _col(t["technologies"], _coded(_texts(frame["technologies"]))),
        _col(t["status"], _coded(_texts(status), st)),
        _col(t["height"], _numbers(frame["height_m"], digits=1, unit=" m")),
        _col(t["approved_date"], {"type": "date", "v": _day(frame["approved_date"])}),
        _col(t["on_air_date"], {"type": "date", "v": _day(frame["on_air_date"])}),
    ]
    if "band_mhz" in frame.columns:
        cols.append(_col(t["band"], _numbers(frame["band_mhz"], unit=" MHz")))
    return {
        "key": "bts",
        "label": t["g_bts"],
        "group": escape(t["g_bts"]),
        "geom": "point",
        "cluster": True,
        "search": True,
        "subs": [
            {
                "name": f"{swatch(_op_colour(op), shape='dot')} {escape(_op_label(op, lang))}",
                "show": True,
            }
            for op in ops
        ],
        "styles": styles,
        "lat": lat,
        "lon": lon,
        "sub": op_idx,
        "sty": sty,
        "title": _texts(frame["site_id"]),
        "cols": cols,
        "legend": legend,
    }


def _switch_off_layer(
    bts: gpd.GeoDataFrame | None, off: gpd.GeoDataFrame, as_of, lang: str
) -> dict:
    """2G sites: the switch-offs (each with its date) and the 2G stations still on air."""
    t = _TEXT[lang]
    off = off.copy()
    date = pd.to_datetime(off["switch_off_date"])
    frames = [off.assign(_date=date)]
    if bts is not None:
        has_2g = bts["technologies"].map(lambda v: "2G" in split_list(v)).astype(bool)
        on_air_by = bts["on_air_date"].isna() | (
            pd.Series(True, index=bts.index)
            if as_of is None
            else pd.to_datetime(bts["on_air_date"]) <= as_of
        )
        active = has_2g & (bts["status"] == "on_air") & on_air_by
        still = bts[active & ~bts["site_id"].isin(off["site_id"])]
        frames.append(
            gpd.GeoDataFrame(
                {
                    "site_id": still["site_id"],
                    "operator": still["operator"],
                    "_date": pd.Series(pd.NaT, index=still.index, dtype="datetime64[ns]"),
                },
                geometry=still.geometry,
                crs=still.crs,
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame = gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=off.crs)
    dates = frame["_date"]
    done = dates.notna() if as_of is None else dates.notna() & (dates <= as_of)
    months = _month(dates.where(done))
    lat, lon, present = _latlon(_lonlat(frame))
    styles = [
        {"radius": 4, "color": "#ffffff", "fillColor": _OFF_2G, "fillOpacity": 0.9, "weight": 1},
        {"radius": 4, "color": "#6d4c00", "fillColor": _ON_2G, "fillOpacity": 0.95, "weight": 1},
    ]
    sub = [0 if d else 1 for d in done]
    cols = [
        _col(t["operator"], _coded(_texts(frame["operator"]))),
        _col(t["switch_off_date"], {"type": "date", "v": _day(frame["_date"])}),
    ]
    if "subscribers_left" in frame.columns:
        cols.append(_col(t["subscribers_left"], _numbers(frame["subscribers_left"])))
    return {
        "key": "switch_off",
        "label": t["g_2g"],
        "group": escape(t["g_2g"]),
        "geom": "point",
        "cluster": False,
        "search": True,
        "subs": [
            {"name": f"{swatch(_OFF_2G, shape='dot')} {escape(t['off_2g'])}", "show": True},
            {"name": f"{swatch(_ON_2G, shape='dot')} {escape(t['on_2g'])}", "show": True},
        ],
        "styles": styles,
        "lat": lat,
        "lon": lon,
        "sub": sub,
        "sty": sub,
        "title": _texts(frame["site_id"]),
        "cols": cols,
        "time": {"m": months, "todo_sub": 1, "todo_sty": 1, "count": "n"},
        "legend": _legend_points(
            t["g_2g"], [(t["off_2g"], _OFF_2G, False, False), (t["on_2g"], _ON_2G, False, False)]
        ),
    }


def _sites_5g_layer(sites: gpd.GeoDataFrame, as_of, lang: str) -> dict:
    t = _TEXT[lang]
    frame = sites
    if as_of is not None:
        on_air = pd.to_datetime(sites["on_air_date"])
        frame = sites[on_air.isna() | (on_air <= as_of)]
    lat, lon, present = _latlon(_lonlat(frame))
    ops, op_idx = _operator_index(frame["operator"])
    styles = [
        {
            "radius": 6,
            "color": "#ffffff",
            "fillColor": _op_colour(op),
            "fillOpacity": 1.0,
            "weight": 2,
        }
        for op in ops
    ]
    return {
        "key": "sites_5g",
        "label": t["g_5g"],
        "group": escape(t["g_5g"]),
        "geom": "point",
        "cluster": False,
        "search": True,
        "subs": [
            {
                "name": f"{swatch(_op_colour(op), shape='dot')} 5G {escape(_op_label(op, lang))}",
                "show": True,
            }
            for op in ops
        ],
        "styles": styles,
        "lat": lat,
        "lon": lon,
        "sub": op_idx,
        "sty": op_idx,
        "title": _texts(frame["site_id"]),
        "cols": [
            _col(t["operator"], _coded(_texts(frame["operator"]))),
            _col(t["band"], _numbers(frame["band_mhz"], unit=" MHz")),
            _col(t["on_air_date"], {"type": "date", "v": _day(frame["on_air_date"])}),
        ],
        "legend": _legend_points(
            t["g_5g"], [(f"5G {_op_label(op, lang)}", _op_colour(op), False, False) for op in ops]
        ),
    }


def _cables_layer(routes: gpd.GeoDataFrame, as_of, lang: str) -> dict:
    t, st = _TEXT[lang], _STATUS_TEXT[lang]
    geoms = _lonlat(routes)
    km = (geodesic_length_m(geoms) / 1000.0).to_numpy()
    statuses = list(CABLE_STATUSES) + sorted(set(routes["status"].dropna()) - set(CABLE_STATUSES))
    pos = {s: i for i, s in enumerate(statuses)}
    planned = pos["planned"]
    status = routes["status"].astype(object)
    dates = pd.to_datetime(routes["done_date"])
    done = status.isin(["tidied", "underground"])
    after = (
        dates.notna() & (dates > as_of)
        if as_of is not None
        else pd.Series(False, index=routes.index)
    )
    final = [
        planned if (is_missing(s) or (d and a)) else pos[s]
        for s, d, a in zip(status, done, after, strict=True)
    ]
    months = _month(dates.where(done & ~after))
    styles = [
        {"color": CABLE_COLOURS.get(s, OTHER_COLOUR), "weight": 4, "opacity": 0.9} for s in statuses
    ]
    streets = _texts(routes["street"])
    tips = [
        " · ".join(p for p in (rid, street, f"{format_km(k, digits=2, lang=lang)} km") if p)
        for rid, street, k in zip(_texts(routes["route_id"]), streets, km, strict=True)
    ]
    paths = [_paths(g) for g in _round(np.asarray(geoms.array, dtype=object))]
    ops = [", ".join(split_list(v)) or None for v in routes["operators"]]
    return {
        "key": "cables",
        "label": t["g_cables"],
        "group": escape(t["g_cables"]),
        "geom": "line",
        "cluster": False,
        "search": True,
        "subs": [
            {
                "name": f"{swatch(CABLE_COLOURS.get(s, OTHER_COLOUR), shape='line')} "
                f"{escape(st.get(s, s))}",
                "show": True,
            }
            for s in statuses
        ],
        "styles": styles,
        "paths": paths,
        "sub": final,
        "sty": final,
        "title": _texts(routes["route_id"]),
        "alt": streets,
        "tip": tips,
        "km": [round(float(k), 4) if not math.isnan(k) else 0.0 for k in km],
        "cols": [
            _col(t["street"], {"type": "text", "v": streets}),
            _col(t["length"], _numbers(pd.Series(km), digits=2, unit=" km")),
            _col(t["status"], _coded(_texts(routes["status"]), st)),
            _col(t["category"], _coded(_texts(routes["category"]), st)),
            _col(t["plan"], _coded(_texts(routes["plan"]))),
            _col(t["done_date"], {"type": "date", "v": _day(routes["done_date"])}),
            _col(t["operators"], _coded(ops)),
        ],
        "time": {"m": months, "todo_sub": planned, "todo_sty": planned, "count": "km"},
        "legend": _legend_lines(
            t["g_cables"],
            [(st.get(s, s), CABLE_COLOURS.get(s, OTHER_COLOUR)) for s in statuses],
        ),
    }


def _polygonal(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    """Return the polygons of ``geom`` (a clip may leave lines and points), or ``None``."""
    if geom is None or geom.is_empty:
        return None
    parts = [geom]
    while any(
        p.geom_type.startswith("Multi") or p.geom_type == "GeometryCollection" for p in parts
    ):
        parts = [q for p in parts for q in shapely.get_parts(p)]
    polygons = [p for p in parts if p.geom_type == "Polygon" and not p.is_empty]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _footprint_discs(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame,
    tech: str,
    model: FootprintModel,
    as_of,
) -> dict:
    """Return the footprints of ``tech`` as the page draws them: centre, radius, sector.

    The same stations, radii and sectors as
    :func:`ict_gis.metrics.coverage.coverage_footprints` (the stations
    radiating ``tech`` on ``as_of``; the environment of each from its unit
    unless the model fixes one), without building their polygons.

    Returns
    -------
    dict
        ``lat``, ``lon`` (5 decimals, about 1 m), ``r`` (true radius, whole
        metres), ``az`` (azimuth in degrees, ``None`` for a circle) and ``bw``
        (the model's beamwidth in degrees), one value per footprint.
    """
    from ict_gis.metrics import coverage as cov

    stations = cov.radiating_stations(layers, tech=tech, as_of=as_of).reset_index(drop=True)
    envs = None
    if model.environment is None and len(stations):
        envs = cov.station_environments(stations, units)
    columns, rows = footprint_shapes(stations, tech=tech, model=model, environment=envs)
    arr = np.asarray(_lonlat(stations).array, dtype=object)[rows]
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    radius = np.asarray(columns["radius_m"], dtype=float)
    ok &= np.isfinite(radius) & (radius > 0)
    azimuth = np.asarray(columns["azimuth_deg"], dtype=float)[ok]
    return {
        "lat": np.round(shapely.get_y(arr[ok]), 5).tolist(),
        "lon": np.round(shapely.get_x(arr[ok]), 5).tolist(),
        "r": np.round(radius[ok]).astype(int).tolist(),
        "az": [None if math.isnan(a) else round(float(a), 1) for a in azimuth],
        "bw": float(model.beamwidth_deg),
    }


def _coverage_layer(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame,
    as_of,
    model,
    lang: str,
    tol: float,
    metric: str,
) -> dict:
    """Footprints per technology (any operator, clipped to the units) and 2G switch-off gaps.

    The footprints are not united here: every station's circle (or sector)
    goes to the page, which fills them as one shape (one canvas path, clipped
    to the units' outline; see ``ictmap.js``). The 2G gaps are polygons.
    With many stations (a country), only what the chosen metric shows: its
    technology's footprints, and the 2G gaps on a map of the 2G switch-off.
    """
    from ict_gis.metrics import coverage as cov

    t = _TEXT[lang]
    present = techs_present(layers)
    many = _many_stations(layers)
    gaps_shown = "2G" in present and (not many or metric in ("coverage_2g", "switch_off_2g"))
    techs = present
    if many:
        view = MAP_METRICS[metric]
        tech = view.params.get("tech") or view.where.get("tech")
        techs = sorted({*([tech] if tech in present else []), *(["2G"] if gaps_shown else [])})
    subs: list[dict] = []
    styles: list[dict] = []
    legend: list[tuple[str, str]] = []
    geoms: list[shapely.Geometry | None] = []
    sub: list[int] = []
    titles: list[str] = []
    areas: list[float] = []
    names: list[str | None] = []
    discs: list[dict] = []

    def add_sub(key: str, label: str, colour: str, style: dict) -> int:
        subs.append({"id": key, "name": f"{swatch(colour)} {escape(label)}", "show": False})
        styles.append({"color": colour, "fillColor": colour, **style})
        legend.append((label, colour))
        return len(subs) - 1

    model = resolve_model(model)
    for tech in techs:
        shapes_ = _footprint_discs(layers, units, tech, model, as_of)
        if not len(shapes_["lat"]):
            continue
        label = t["covered"].format(tech=tech)
        k = add_sub(
            tech,
            label,
            _TECH_COLOURS.get(tech, OTHER_COLOUR),
            {"weight": 0.5, "fillOpacity": 0.25, "interactive": False},
        )
        discs.append({"sub": k, **shapes_})
    if gaps_shown:
        if many:
            # Drawn, not measured: circles of 12 sides (off the circle by 3.4 %
            # of the radius, under the simplification tolerance of a country
            # map) make a country's gaps quicker to compute.
            model = resolve_model(model, quad_segs=DISPLAY_QUAD_SEGS)
        gaps = cov.switch_off_gaps(layers, units, tech="2G", as_of=as_of, model=model)
        for scenario, key, colour, dash in (
            ("after", "gap_after", _GAP_COLOUR, None),
            ("lost", "gap_lost", "#67000d", "4 3"),
        ):
            label = t[key].format(tech="2G")
            k = add_sub(
                scenario, label, colour, {"weight": 1, "fillOpacity": 0.45, "dashArray": dash}
            )
            for row in gaps[gaps["scenario"] == scenario].itertuples():
                geoms.append(_polygonal(row.geometry))
                sub.append(k)
                titles.append(label)
                areas.append(float(row.area_km2))
                names.append(None if is_missing(row.name) else str(row.name))
    shapes = _display_polygons(
        _lonlat(gpd.GeoDataFrame(geometry=geoms, crs=units.crs)), tol, keep_topology=False
    )
    return {
        "key": "coverage",
        "label": t["g_coverage"],
        "group": escape(t["g_coverage"]),
        "geom": "area",
        "cluster": False,
        "search": False,
        "subs": subs,
        "styles": styles,
        "shapes": shapes,
        "discs": discs,
        "sub": sub,
        "sty": sub,
        "title": titles,
        "cols": [
            _col(t["unit"], {"type": "text", "v": names}),
            _col(t["area"], _numbers(pd.Series(areas, dtype=float), digits=2, unit=" km²")),
        ],
        "legend": f"<h4>{escape(t['g_coverage'])}</h4>"
        + "".join(f"<div>{swatch(c)} {escape(label)}</div>" for label, c in legend),
    }


# --------------------------------------------------------------------------- plans

_PLAN_SITE = "#e7298a"
_PLAN_CANDIDATE = "#737373"
_HOLE_BEFORE = "#fc9272"
_HOLE_AFTER = "#a50f15"
_PLAN_FOOTPRINT = "#1b9e77"
_SHARED_TOWER = "#6a3d9a"
_SINGLE_TOWER = "#b2abd2"


def _plan_frames(plan: object) -> dict[str, pd.DataFrame]:
    """Return the layers of a site plan (a :class:`~ict_gis.plan.SitePlan`, or by name).

    Raises
    ------
    MapError
        If there is no ``sites`` layer of points.
    """
    if hasattr(plan, "layers") and hasattr(plan, "per_unit"):
        frames = {**plan.layers(), "per_unit": plan.per_unit.reset_index()}
    elif isinstance(plan, Mapping):
        frames = dict(plan)
    else:
        raise MapError(
            f"plan={type(plan).__name__}: give a SitePlan (ict_gis.plan_sites) or its layers "
            "by name (the GeoPackage of `ict-gis plan sites -o`)."
        )
    sites = frames.get("sites")
    if not isinstance(sites, gpd.GeoDataFrame) or "site_id" not in sites.columns:
        raise MapError(
            "The plan has no 'sites' layer of points with a site_id: give the GeoPackage "
            "that `ict-gis plan sites -o plan.gpkg` writes."
        )
    return frames


def _num_col(frame: pd.DataFrame, column: str, **kw) -> dict:
    values = frame[column] if column in frame.columns else pd.Series(np.nan, index=frame.index)
    return _numbers(values.reset_index(drop=True), **kw)


def _plan_sites_layer(frames: Mapping[str, pd.DataFrame], lang: str) -> dict:
    """Draw the chosen sites (shown) and the other candidates (hidden), with what each adds."""
    t = _TEXT[lang]
    sites = frames["sites"]
    parts = [sites.assign(_sub=0)]
    cands = frames.get("candidates")
    if isinstance(cands, gpd.GeoDataFrame) and len(cands) and "site_id" in cands.columns:
        chosen = cands["chosen"].astype(bool) if "chosen" in cands.columns else False
        rest = cands[~chosen & ~cands["site_id"].isin(sites["site_id"])]
        parts.append(rest.to_crs(sites.crs).assign(_sub=1))
    frame = pd.concat(parts, ignore_index=True)
    frame = gpd.GeoDataFrame(frame, geometry=sites.geometry.name, crs=sites.crs)
    lat, lon, _ = _latlon(_lonlat(frame))
    sub = frame["_sub"].astype(int).tolist()
    labels = {k: t[f"plan_src_{k}"] for k in ("grid", "tower", "file")}
    cols = [
        _col(t["plan_rank"], _num_col(frame, "rank")),
        _col(t["plan_adds"], _num_col(frame, "adds_km2", digits=2, unit=" km²")),
    ]
    if "adds_people" in frame.columns:
        cols.append(_col(t["plan_adds_people"], _num_col(frame, "adds_people")))
    cols.append(
        _col(t["plan_cumulative"], _num_col(frame, "cumulative_km2", digits=2, unit=" km²"))
    )
    if "cumulative_people" in frame.columns:
        cols.append(_col(t["plan_cumulative_people"], _num_col(frame, "cumulative_people")))
    cols += [
        _col(t["unit"], _coded(_texts(frame["code"]) if "code" in frame else [None] * len(frame))),
        _col(t["plan_source"], _coded(_texts(frame["source"]), labels)),
        _col(t["operator"], _coded(_texts(frame["operator"].replace("", None)))),
        _col(t["plan_radius"], _num_col(frame, "radius_m", unit=" m")),
    ]
    styles = [
        {"radius": 7, "color": "#ffffff", "fillColor": _PLAN_SITE, "fillOpacity": 1.0, "weight": 2},
        {
            "radius": 3,
            "color": _PLAN_CANDIDATE,
            "fillColor": _PLAN_CANDIDATE,
            "fillOpacity": 0.5,
            "weight": 1,
        },
    ]
    names = [(t["plan_sites"], _PLAN_SITE), (t["plan_candidates"], _PLAN_CANDIDATE)]
    return {
        "key": "plan_sites",
        "label": t["g_plan"],
        "group": escape(t["g_plan"]),
        "geom": "point",
        "cluster": False,
        "search": True,
        "subs": [
            {"name": f"{swatch(c, shape='dot')} {escape(n)}", "show": k == 0}
            for k, (n, c) in enumerate(names)
        ],
        "styles": styles,
        "lat": lat,
        "lon": lon,
        "sub": sub,
        "sty": sub,
        "title": _texts(frame["site_id"]),
        "cols": cols,
        "legend": _legend_points(t["g_plan"], [(n, c, False, False) for n, c in names]),
    }


def _plan_areas_layer(frames: Mapping[str, pd.DataFrame], lang: str, tol: float) -> dict | None:
    """Draw the holes before and after the plan, and the new sites' footprints (hidden)."""
    t = _TEXT[lang]
    kinds = (
        ("holes_before", t["plan_holes_before"], _HOLE_BEFORE, {"fillOpacity": 0.35}),
        ("holes_after", t["plan_holes_after"], _HOLE_AFTER, {"fillOpacity": 0.55}),
        ("footprints", t["plan_footprints"], _PLAN_FOOTPRINT, {"fillOpacity": 0.2}),
    )
    pieces = []
    for k, (name, label, _, _) in enumerate(kinds):
        frame = frames.get(name)
        if not isinstance(frame, gpd.GeoDataFrame) or not len(frame):
            continue
        piece = pd.DataFrame(
            {
                "_sub": k,
                "_title": label if name != "footprints" else frame.get("site_id", label),
                "_unit": frame.get("name", None),
                "_km2": frame.get("area_km2", np.nan),
                "_people": frame.get("people", np.nan),
                "geometry": _lonlat(frame).to_numpy(),
            }
        )
        pieces.append(piece)
    if not pieces:
        return None
    frame = pd.concat(pieces, ignore_index=True)
    shapes = _display_polygons(gpd.GeoSeries(frame["geometry"], crs="EPSG:4326"), tol)
    sub = frame["_sub"].astype(int).tolist()
    cols = [
        _col(t["unit"], {"type": "text", "v": _texts(frame["_unit"])}),
        _col(t["area"], _numbers(frame["_km2"], digits=2, unit=" km²")),
    ]
    if frame["_people"].notna().any():
        cols.append(_col(t["plan_people"], _numbers(frame["_people"])))
    return {
        "key": "plan_areas",
        "label": t["g_plan_areas"],
        "group": escape(t["g_plan_areas"]),
        "geom": "area",
        "cluster": False,
        "search": False,
        "subs": [
            {"name": f"{swatch(colour)} {escape(label)}", "show": False}
            for _, label, colour, _ in kinds
        ],
        "styles": [
            {"color": colour, "fillColor": colour, "weight": 1, **style}
            for _, _, colour, style in kinds
        ],
        "shapes": shapes,
        "sub": sub,
        "sty": sub,
        "title": _texts(frame["_title"]),
        "cols": cols,
        "legend": f"<h4>{escape(t['g_plan_areas'])}</h4>"
        + "".join(f"<div>{swatch(c)} {escape(label)}</div>" for _, label, c, _ in kinds),
    }


def _sharing_towers(sharing: object) -> gpd.GeoDataFrame:
    """Return the towers of a sharing plan: a SharingPlan, its towers, or its layers."""
    towers = getattr(sharing, "towers", None)
    if towers is None and isinstance(sharing, Mapping):
        towers = sharing.get("towers", sharing.get("groups"))
    if towers is None:
        towers = sharing
    if not isinstance(towers, gpd.GeoDataFrame) or "tower_id" not in towers.columns:
        raise MapError(
            "The sharing plan has no 'towers' (or 'groups') layer with a tower_id: give the "
            "GeoPackage that `ict-gis plan sharing -o sharing.gpkg` writes."
        )
    return towers


def _sharing_layer(sharing: object, lang: str) -> dict:
    """Co-location groups (towers with several operators) and single-operator towers."""
    t = _TEXT[lang]
    frame = _sharing_towers(sharing).reset_index(drop=True)
    lat, lon, _ = _latlon(_lonlat(frame))
    if "shared" in frame.columns:
        shared = frame["shared"].astype(bool)
    else:
        shared = pd.to_numeric(frame["n_operators"], errors="coerce").fillna(0) > 1
    sub = [0 if s else 1 for s in shared]
    names = [(t["sharing_groups"], _SHARED_TOWER, 6), (t["sharing_single"], _SINGLE_TOWER, 3)]
    cols = [
        _col(
            t["operators"], {"type": "text", "v": _texts(frame.get("operators", frame["tower_id"]))}
        ),
        _col(t["sharing_n_operators"], _num_col(frame, "n_operators")),
        _col(t["sharing_stations"], _num_col(frame, "stations")),
        _col(
            t["sharing_site_ids"],
            {"type": "text", "v": _texts(frame.get("site_ids", frame["tower_id"]))},
        ),
        _col(
            t["sharing_could_host"],
            {"type": "text", "v": _texts(frame.get("could_host", frame["tower_id"]))},
        ),
    ]
    return {
        "key": "sharing",
        "label": t["g_sharing"],
        "group": escape(t["g_sharing"]),
        "geom": "point",
        "cluster": False,
        "search": True,
        "subs": [
            {"name": f"{swatch(c, shape='dot')} {escape(n)}", "show": False} for n, c, _ in names
        ],
        "styles": [
            {"radius": r, "color": "#ffffff", "fillColor": c, "fillOpacity": 0.9, "weight": 1}
            for _, c, r in names
        ],
        "lat": lat,
        "lon": lon,
        "sub": sub,
        "sty": sub,
        "title": _texts(frame["tower_id"]),
        "cols": cols,
        "legend": _legend_points(t["g_sharing"], [(n, c, False, False) for n, c, _ in names]),
    }


def _plan_sections(frames: Mapping[str, pd.DataFrame] | None, lang: str) -> dict[str, list]:
    """Popup section of each unit with holes: new sites, holes before, covered, left."""
    if frames is None:
        return {}
    table = frames.get("per_unit")
    if not isinstance(table, pd.DataFrame) or not len(table):
        return {}
    t = _TEXT[lang]
    if "code" in table.columns:
        table = table.set_index("code")
    rows = (
        ("new_sites", t["r_plan_new_sites"], "count"),
        ("holes_km2", t["r_plan_holes"], "km2"),
        ("covered_km2", t["r_plan_covered"], "km2"),
        ("left_km2", t["r_plan_left"], "km2"),
        ("people", t["r_plan_people"], "count"),
        ("covered_people", t["r_plan_covered_people"], "count"),
        ("left_people", t["r_plan_left_people"], "count"),
    )
    out = {}
    for code, r in table.iterrows():
        lines = [[label, _cell(r[col], kind, lang)] for col, label, kind in rows if col in r.index]
        out[str(code)] = [[t["s_plan"], lines]]
    return out


def _forecast_sections(
    layers: Mapping[str, pd.DataFrame],
    units: gpd.GeoDataFrame,
    as_of: pd.Timestamp | None,
    months: int | None,
    lang: str,
) -> dict[str, list]:
    """Popup section of each unit: when the 2G switch-off will be done at the recent pace."""
    if months is None:
        return {}
    needs = registry.get("switch_off").needs(tech="2G")
    missing = [kind for kind in needs if kind not in set(layers)]
    if missing:
        raise MapError(
            f"The switch-off forecast needs the layer(s) {', '.join(missing)}, which the layer "
            "set does not have; leave out the forecast."
        )
    from ict_gis.plan import forecast

    table = forecast(layers, metric="switch_off", months=months, as_of=as_of, units=units)
    t = _TEXT[lang]
    title = t["s_forecast"].format(tech="2G", months=months)
    day = as_of if as_of is not None else table.attrs.get("as_of")
    if day is not None:
        title += f" · {t['as_of'].format(date=_date_text(day, lang))}"
    out: dict[str, list] = {}
    for (code, what), r in table.iterrows():
        label = t[f"f_{what}"].format(tech="2G") if f"f_{what}" in t else str(what)
        out.setdefault(str(code), [[title, []]])[0][1].append([label, _forecast_text(r, lang)])
    return out


def _forecast_text(r: pd.Series, lang: str) -> str:
    """One line of a forecast: done, no progress, or the day it will be done."""
    t = _TEXT[lang]
    if is_missing(r["goal"]):
        return _TEXT[lang]["no_data"]
    if r["status"] == "done":
        return t["f_done"]
    left = format_count(int(round(float(r["left"]))), lang=lang)
    if r["status"] == "stalled":
        return t["f_stalled"].format(left=left)
    pace = format_number(float(r["pace_per_month"]), digits=1, lang=lang, strip_zeros=True)
    line = t["f_finish"].format(date=_date_text(r["finish"], lang), left=left, pace=pace)
    if r["status"] == "late":
        line += f"; {t['f_late'].format(date=_date_text(r['deadline'], lang))}"
    return line


def _share_points(layer: dict, base: dict) -> None:
    """Point to the station of ``base`` with the same id and position instead of repeating it.

    A 2G switch-off or a 5G site is usually a BTS station: its position and id
    are then written once. ``ref`` holds the index in ``base`` (or -1), and
    the shared ``lat``, ``lon`` and ``title`` become ``None``; the page fills
    them back in.
    """
    where = {
        (t, la, lo): j
        for j, (t, la, lo) in enumerate(zip(base["title"], base["lat"], base["lon"], strict=True))
        if t is not None and la is not None
    }
    ref = []
    for i, key in enumerate(zip(layer["title"], layer["lat"], layer["lon"], strict=True)):
        j = where.get(key, -1)
        ref.append(j)
        if j >= 0:
            layer["title"][i] = layer["lat"][i] = layer["lon"][i] = None
    layer["ref"] = {"layer": base["key"], "index": ref}


# --------------------------------------------------------------------------- legends


def _legend_points(title: str, items: Sequence[tuple[str, str, bool, bool]]) -> str:
    rows = "".join(
        f"<div>{swatch(colour, shape='dot', dashed=dashed, hollow=hollow)} {escape(label)}</div>"
        for label, colour, dashed, hollow in items
    )
    return f"<h4>{escape(title)}</h4>{rows}"


def _legend_lines(title: str, items: Sequence[tuple[str, str]]) -> str:
    rows = "".join(
        f"<div>{swatch(colour, shape='line')} {escape(label)}</div>" for label, colour in items
    )
    return f"<h4>{escape(title)}</h4>{rows}"


def _legend_classes(title: str, classes: Sequence[dict], lang: str, note: str = "") -> str:
    rows = "".join(
        f"<div>{swatch(c['color'])} {escape(c['label'])}</div>"
        for c in [*classes, {"label": _TEXT[lang]["no_data"], "color": NO_DATA_COLOUR}]
    )
    extra = f"<p>{escape(note)}</p>" if note else ""
    return f"<h4>{escape(title)}</h4>{rows}{extra}"


# --------------------------------------------------------------------------- payload


def map_payload(
    layers: Mapping[str, pd.DataFrame],
    *,
    metric: str | None = None,
    as_of: dt.date | str | pd.Timestamp | None = None,
    lang: str = "vi",
    offline: bool = True,
    model: object = None,
    classes: str | Sequence[float] = "quantiles",
    title: str | None = None,
    units: gpd.GeoDataFrame | str | None = None,
    plan: object = None,
    sharing: object = None,
    forecast: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Return the data of a map as plain JSON-ready Python (what the page's script reads).

    Parameters are those of :func:`build_map`. Every text from a layer is kept
    as plain text here (the page writes it with ``textContent``); the few
    HTML fragments (``legend``, ``group`` and ``name`` entries) are built with
    every value escaped.

    Returns
    -------
    dict
    """
    if lang not in LANGS:
        raise MapError(f"Unknown language {lang!r}; use one of {', '.join(LANGS)}.")
    if metric is not None and metric not in MAP_METRICS:
        raise MapError(f"Unknown metric {metric!r}; use one of {', '.join(MAP_METRICS)}.")
    if "districts" not in layers:
        raise MapError(
            "A map needs the administrative units: the layer set has no 'districts' layer."
        )
    if metric is None:
        metric = default_metric(layers)
    spec = MAP_METRICS[metric]
    needs = registry.get(spec.metric).needs(**spec.params)
    missing = [kind for kind in needs if kind not in set(layers)]
    if missing:
        available = registry.available_map_views(layers)
        raise MapError(
            f"The map metric {metric!r} needs the layer(s) {', '.join(missing)}, which the layer "
            f"set does not have. Metrics these layers allow: {', '.join(available) or 'none'}."
        )
    as_of = to_date(as_of)
    parse_classes(classes)  # a bad specification fails before any work
    plan_frames = _plan_frames(plan) if plan is not None else None
    if sharing is not None:
        _sharing_towers(sharing)
    if forecast is not None and (isinstance(forecast, bool) or int(forecast) < 1):
        raise MapError(f"forecast={forecast!r}: give the pace window in months (1 or more).")
    t = _TEXT[lang]
    units = _map_units(layers, units, as_of)
    steps = _Steps(progress, len({view.table for view in MAP_METRICS.values()}) + 3)
    tables = _unit_tables(layers, units, as_of, metric, model, tick=steps.tick)
    came_from = _came_from(layers, units, as_of, lang)
    forecasts = _forecast_sections(layers, units, as_of, forecast, lang)
    planned = _plan_sections(plan_frames, lang)
    values, total = _metric_values(tables, spec, units.index)

    point_layers = []
    bts = layers.get("bts_stations")
    if bts is not None and len(bts):
        point_layers.append(_bts_layer(bts, as_of, lang))
    if layers.get("shutdowns_2g") is not None:
        point_layers.append(_switch_off_layer(bts, layers["shutdowns_2g"], as_of, lang))
    if layers.get("sites_5g") is not None and len(layers["sites_5g"]):
        point_layers.append(_sites_5g_layer(layers["sites_5g"], as_of, lang))
    if layers.get("cable_routes") is not None and len(layers["cable_routes"]):
        point_layers.append(_cables_layer(layers["cable_routes"], as_of, lang))
    months = [
        m for layer in point_layers if "time" in layer for m in layer["time"]["m"] if m is not None
    ]
    slider = None
    if months:
        last = max(months)
        if as_of is not None:
            last = 12 * as_of.year + as_of.month - 1
        slider = {"first": min(months), "last": max(last, min(months))}

    # The chosen metric on every month of the slider (computed here; the page
    # only switches between them). A costly metric (coverage) keeps one state.
    monthly: list[tuple[pd.Series, object, dict[str, pd.DataFrame]]] = []
    if slider is not None and not registry.get(spec.metric).costly:
        for month in range(slider["first"], slider["last"]):
            year, mo = divmod(month, 12)
            end = pd.Timestamp(year=year, month=mo + 1, day=1) + pd.offsets.MonthEnd(0)
            table = registry.get(spec.metric).compute_for_map(
                layers, units=units, as_of=end, model=model, view=spec
            )
            table.attrs = {"tech": table.attrs.get("tech")} if table.attrs.get("tech") else {}
            month_values, month_total = _metric_values({spec.table: table}, spec, units.index)
            monthly.append((month_values, month_total, {spec.table: table}))
        monthly.append((values, total, {spec.table: tables[spec.table]}))
        slider["monthly"] = True
    steps.tick()
    pooled = pd.concat([v for v, _, _ in monthly]) if monthly else None
    classes_, cls, digits = _classes(values, spec.scale, lang, classes, pooled=pooled)

    geoms = _lonlat(units)
    bounds = geoms.total_bounds
    tol = _tolerance(bounds)
    shapes = _display_polygons(geoms, tol)
    names = units["name"].astype(object) if "name" in units.columns else pd.Series(units.index)
    label_lat, label_lon, _ = _latlon(_label_points(geoms))
    country = spans_provinces(units)
    total_word = t["total_country"] if country else t["total"]
    month_classes = []
    for month_values, _, _ in monthly:
        month_classes.append(_classify(month_values, classes_))
    features = []
    chosen = {spec.table: tables[spec.table]}
    # Units the data do not cover (another vintage): no figures at all, never 0.
    no_data = (
        units["has_data"].astype(bool).to_numpy()
        if "has_data" in units.columns
        else np.ones(len(units), dtype=bool)
    )
    no_data = ~no_data
    for i, code in enumerate(units.index):
        if shapes[i] is None:
            continue
        props = {
            "code": str(code),
            "name": None if is_missing(names.iloc[i]) else str(names.iloc[i]),
            "c": -1 if no_data[i] else int(cls[i]),
            "value": _value_text(None if no_data[i] else values.iloc[i], spec.scale, lang, digits),
            "sections": (
                []
                if no_data[i]
                else _unit_sections(code, tables, lang)
                + forecasts.get(str(code), [])
                + planned.get(str(code), [])
            )
            + came_from.get(str(code), []),
            "label": [label_lat[i], label_lon[i]],
        }
        if monthly and not no_data[i]:
            # Per month: class, value and the sections of the chosen metric;
            # the other metrics' sections stay at the final state
            props["cm"] = [int(mc[i]) for mc in month_classes]
            props["vm"] = [
                _value_text(mv.iloc[i], spec.scale, lang, digits) for mv, _, _ in monthly
            ]
            # (``sm``: the months before the last; ``st``: titles they replace.)
            props["sm"] = [_unit_sections(code, mt, lang) for _, _, mt in monthly[:-1]]
            props["st"] = [title for title, _ in _unit_sections(code, chosen, lang)]
        features.append({"type": "Feature", "geometry": shapes[i], "properties": props})
    outline = shapely.union_all(np.asarray(geoms.array, dtype=object))
    outline = _round(shapely.simplify(outline, tol, preserve_topology=True))

    part = ""
    if "has_data" in units.columns:  # units of another vintage: the part the data cover
        have = format_count(int(units["has_data"].astype(bool).sum()), lang=lang)
        part = t["data_part"].format(n=have, total=format_count(len(units), lang=lang))

    def note_of(value: object) -> str:
        note = f"{total_word}: {_value_text(value, spec.scale, lang, digits)}"
        note = note if value is not None else ""
        return f"{note} ({part})" if note and part else note or part

    note = note_of(total)
    for _, rows in forecasts.get("total", []):  # the forecast for the whole area
        for label, line in rows:
            note += f" · {t['f_total'].format(what=label, where=total_word)}: {line}"
    if as_of is not None:
        note = f"{note} · {t['as_of'].format(date=_date_text(as_of, lang))}".strip(" ·")
    if "coverage" in tables:
        point_layers.append(_coverage_layer(layers, units, as_of, model, lang, tol, metric))
    steps.tick()
    if point_layers and point_layers[0]["key"] == "bts":
        for layer in point_layers[1:]:
            if layer["geom"] == "point":
                _share_points(layer, point_layers[0])

    # The coverage overlay would muddy the fill of the choropleth: it starts off.
    shown = frozenset(s for s in spec.shown if not s.startswith("coverage"))
    legend_title = text(spec.label, lang, **spec.params, **spec.where)
    for layer in point_layers:
        for sub in layer["subs"]:
            sub["show"] = layer["key"] in shown or f"{layer['key']}:{sub.get('id')}" in shown

    # The plan's layers: only the chosen sites are shown at first.
    if plan_frames is not None:
        point_layers.append(_plan_sites_layer(plan_frames, lang))
        areas = _plan_areas_layer(plan_frames, lang, tol)
        if areas is not None:
            point_layers.append(areas)
    if sharing is not None:
        point_layers.append(_sharing_layer(sharing, lang))

    steps.tick()  # (the plan, sharing and point layers)
    source = getattr(layers, "source", "")
    bundled = bool(source) and _same_path(source, bundled_path())
    attribution = escape(
        t["attr_bundled"] if bundled else t["attr_user"].format(source=_source_label(layers, lang))
    )
    return {
        "lang": lang,
        "text": {k: v for k, v in t.items() if not k.startswith(("attr_", "r_", "s_"))},
        "bounds": [
            [round(bounds[1], 6), round(bounds[0], 6)],
            [round(bounds[3], 6), round(bounds[2], 6)],
        ],
        "attribution": attribution,
        "tiles": None if offline else _OSM_TILES,
        "units": {"type": "FeatureCollection", "features": features},
        "outline": None
        if outline is None or outline.is_empty
        else shapely.geometry.mapping(outline),
        "choropleth": {
            "group": escape(t["g_metric"]),
            "title": legend_title,
            "name": f"{swatch(CLASS_COLOURS[3])} {escape(legend_title)}",
            "classes": classes_,
            "no_data": NO_DATA_COLOUR,
            "legend": _legend_classes(legend_title, classes_, lang, note),
            "legends": [
                _legend_classes(legend_title, classes_, lang, note_of(month_total))
                for _, month_total, _ in monthly
            ],
        },
        "heading": _heading(
            title if title is not None else legend_title,
            units,
            country,
            as_of,
            lang,
            source=_source_label(layers, lang),
        ),
        "layers": point_layers,
        "slider": slider,
    }


#: Units over more than this many km² span several provinces: the largest
#: province (Lâm Đồng since 2025) has about 24,200 km².
PROVINCE_MAX_KM2 = 25_000.0


def spans_provinces(units: gpd.GeoDataFrame) -> bool:
    """Whether the units span several provinces (the map then says "country", not "province").

    True when the units name two provinces or more in ``parent_code``, are
    themselves several provinces (``level``), have commune codes of the 2025
    reform in several provinces (the bundled crosswalk), or cover more than
    :data:`PROVINCE_MAX_KM2` (larger than any province).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> spans_provinces(gpd.GeoDataFrame(
    ...     {"code": ["a", "b"]}, geometry=[box(104, 20, 105, 21), box(105, 20, 106, 21)],
    ...     crs="EPSG:4326"))
    False
    >>> spans_provinces(gpd.GeoDataFrame(
    ...     {"code": ["a", "b"]}, geometry=[box(104, 18, 106, 20), box(106, 18, 108, 20)],
    ...     crs="EPSG:4326"))
    True
    """
    if "parent_code" in units.columns and units["parent_code"].dropna().nunique() > 1:
        return True
    if "level" in units.columns and len(units) > 1 and (units["level"] == "province").all():
        return True
    codes = pd.Index([str(c) for c in (units["code"] if "code" in units.columns else units.index)])
    if len(codes) > 1 and bool(codes.str.fullmatch(r"\d{5}").all()):
        national = read_crosswalk()
        if "new_province_code" in national.columns:
            found = national[national["new_code"].isin(set(codes))]
            if found["new_code"].nunique() == len(set(codes)):
                return found["new_province_code"].nunique() > 1
    if units.crs is None or not len(units):
        return False
    area_m2 = units.geometry.to_crs(metric_crs(units)).area.sum()
    return bool(area_m2 / 1e6 > PROVINCE_MAX_KM2)


def _source_label(layers: Mapping[str, pd.DataFrame], lang: str) -> str:
    """Name of the data: the layer set's ``name``, else the bundled data's or the file's."""
    name = getattr(layers, "name", "") or ""
    if name:
        return str(name)
    source = getattr(layers, "source", "")
    if source and _same_path(source, bundled_path()):
        return text(("Sở TT&TT Nam Định (mô phỏng)", "Nam Định DIC (modelled)"), lang)
    return _source_name(source)


def _heading(
    title: str,
    units: gpd.GeoDataFrame,
    country: bool,
    as_of: pd.Timestamp | None,
    lang: str,
    *,
    source: str,
) -> dict[str, str]:
    """Title, subtitle (the area), date and source of a map, as plain text."""
    t = _TEXT[lang]
    area = t["area_country"] if country else t["area_units"].format(n=format_count(len(units)))
    if as_of is not None:
        date = t["as_of"].format(date=_date_text(as_of, lang))
    else:
        date = t["made"].format(date=_date_text(pd.Timestamp.today().normalize(), lang))
    return {
        "title": str(title),
        "subtitle": area,
        "date": date,
        "source": t["source"].format(source=source),
    }


def _same_path(a: object, b: object) -> bool:
    from pathlib import Path

    try:
        return Path(str(a)).resolve() == Path(str(b)).resolve()
    except OSError:
        return False


def _source_name(source: object) -> str:
    from pathlib import PurePath

    return PurePath(str(source)).name or "ict_gis"


# --------------------------------------------------------------------------- folium


class _IctLayers(MacroElement):
    """The map's layers and controls, built in the browser from the JSON payload.

    Everything is added to the page as :class:`~ict_gis.render.assets.RawHTML`,
    never through a Jinja template, so that no text from a layer is ever
    evaluated as template code.
    """

    def __init__(self, payload: dict):
        super().__init__()
        self._name = "IctLayers"
        self.data = json_for_script(payload)

    def render(self, **kwargs) -> None:
        """Add the plugins, our script and style sheet, the data and the call that builds."""
        figure = self.get_root()
        for asset in ASSETS:
            if asset.name in ("leaflet", "leaflet_css"):
                continue
            link = JavascriptLink(asset.url) if asset.kind == "js" else CssLink(asset.url)
            figure.header.add_child(link, name=asset.name)
        files = own_files()
        figure.header.add_child(
            RawHTML(inline_style(files["ictmap.css"], what="ictmap.css")), name="ictmap_css"
        )
        figure.header.add_child(
            RawHTML(inline_script(files["ictmap.js"], what="ictmap.js")), name="ictmap_js"
        )
        data_id = f"{self.get_name()}_data"
        figure.html.add_child(
            RawHTML(f'<script type="application/json" id="{data_id}">{self.data}</script>'),
            name=data_id,
        )
        figure.script.add_child(
            RawHTML(
                f"window.ictMap = IctMap.build({self._parent.get_name()}, "
                f'JSON.parse(document.getElementById("{data_id}").textContent));'
            ),
            name=self.get_name(),
        )


def build_map(
    layers: Mapping[str, pd.DataFrame],
    *,
    metric: str | None = None,
    as_of: dt.date | str | pd.Timestamp | None = None,
    lang: str = "vi",
    offline: bool = True,
    model: object = None,
    classes: str | Sequence[float] = "quantiles",
    title: str | None = None,
    units: gpd.GeoDataFrame | str | None = None,
    plan: object = None,
    sharing: object = None,
    forecast: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> folium.Map:
    """Build an interactive map of a layer set: one self-contained HTML page.

    Parameters
    ----------
    layers
        A :class:`~ict_gis.layerset.LayerSet` with at least ``districts``;
        every other layer present is drawn.
    metric
        What the admin units are coloured by, one of :data:`MAP_METRICS`
        (the map views of :mod:`ict_gis.metrics.registry`): ``switch_off_2g``
        (share of 2G stations switched off), ``migration_2g`` (2G subscribers
        moved to 4G), ``switch_off_3g``, ``sites_5g``, ``bts`` (approved
        locations on air), ``cables`` (share of the plan tidied),
        ``coverage_2g`` … ``coverage_5g``. Default: the first of them whose
        layers the layer set has (:func:`default_metric`).
    as_of
        Show the state on this day (inclusive): stations approved later are
        left out, switch-offs and cable works after it show as not done.
    lang
        ``vi`` (default) or ``en``.
    offline
        ``True``: the page needs no network at all (a base map drawn from the
        units). ``False``: OpenStreetMap tiles are added as the default base
        layer. Scripts are inlined either way.
    model
        Footprint model of the coverage layers and figures (a
        :class:`~ict_gis.footprints.FootprintModel` or ``circle``, ``sector``,
        ``hata``; default circle). Coverage footprints per technology, the
        2G switch-off gaps and each unit's covered share are on the maps of a
        coverage metric, and on every map of at most
        :data:`COVERAGE_AUTO_MAX_STATIONS` stations (the footprints start
        switched off, not to muddy the colours of the units).
    classes
        How the class limits are drawn from the data (:func:`parse_classes`):
        ``quantiles`` (default), ``fisher_jenks``, ``equal_interval`` (each
        with an optional ``:N`` classes, default 5), ``fixed`` (20-point
        classes of a percentage) or the upper limits, ``"92,93"`` or
        ``[92, 93]``. The limits are drawn from every month of the slider
        together, so a colour means the same figure on every month.
    title
        Title of the map (default: the metric's name); the subtitle names the
        area, then the date (``as_of``) and the source follow.
    units
        The units to colour instead of the layer set's ``districts``: the
        name of a bundled unit layer (``"communes-2025"``, the 129 communes
        of the new Ninh Bình) or a unit layer (as ``units=`` of the metrics).
        Figures are carried across the boundary changes; units the data do
        not cover are grey, "no data" (never 0), and the popup of each unit
        lists the old units it was formed from (with the share carried from
        an old unit that was split).
    plan
        A site plan to draw as layers: a :class:`~ict_gis.plan.SitePlan`
        (:func:`ict_gis.plan_sites`) or its layers by name (the GeoPackage
        of ``ict-gis plan sites -o``): the chosen sites with what each adds
        (shown), the other candidates, the holes before and after and the
        new sites' footprints (switched off), and each unit's figures in its
        popup.
    sharing
        Towers to share (:func:`ict_gis.plan_sharing`, or the ``towers``
        layer of ``ict-gis plan sharing -o``): co-location groups and towers
        of one operator, switched off at first.
    forecast
        Add to each unit's popup when its 2G switch-off (stations and
        subscribers) will be done at the pace of the last ``forecast``
        months before ``as_of`` (needs ``bts_stations`` and ``shutdowns_2g``).
    progress
        Called as ``progress(done, total)`` as the map's steps are done (the
        command line draws a bar with it).

    Returns
    -------
    folium.Map
        Save it with ``m.save("map.html")`` (or render it with
        ``m.get_root().render()``).

    Raises
    ------
    MapError
        If the metric or language is unknown, the units or the metric's
        layers are missing (the message lists the metrics the layers allow).
    """
    payload = map_payload(
        layers,
        metric=metric,
        as_of=as_of,
        lang=lang,
        offline=offline,
        model=model,
        classes=classes,
        title=title,
        units=units,
        plan=plan,
        sharing=sharing,
        forecast=forecast,
        progress=progress,
    )
    (south, west), (north, east) = payload["bounds"]
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=10,
        tiles=None,
        prefer_canvas=True,
        control_scale=False,
    )
    m.options["maxZoom"] = 19
    m.default_js = [(a.name, a.url) for a in ASSETS if a.name == "leaflet"]
    m.default_css = [(a.name, a.url) for a in ASSETS if a.name == "leaflet_css"]
    OfflineFigure(title=_TEXT[lang]["title"], lang=lang, strict=offline).add_child(m)
    m.add_child(_IctLayers(payload))
    return m
