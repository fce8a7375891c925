"""The metric registry: each metric of ict_gis declared once.

A :class:`Metric` says everything the rest of the package needs to know to
show a metric: the function that computes its table, the layers it needs, its
columns (kind and header), its title, its ``ict-gis progress`` subcommand and
options, its chart, its map choropleths and popup sections, and its lines in
the annual report. The CLI (:mod:`ict_gis.cli.progress`), the charts
(:func:`ict_gis.charts.chart`), the tables (:mod:`ict_gis.render.tables`), the
maps (:mod:`ict_gis.render.maps`) and the report (:func:`ict_gis.report.annual`)
read it, so adding a metric means writing its function and one
:func:`register` call.

Presentation is declared, not drawn, here (this module sits below charts and
render): a chart is named by its style (``"bars"`` draws any table, the
others are the charts of :mod:`ict_gis.charts`), a popup section lists its
rows, texts are keys of :mod:`ict_gis.texts` or ``(vi, en)`` pairs.

Examples
--------
>>> [view.key for view in map_views().values()][:3]
['switch_off_2g', 'migration_2g', 'switch_off_3g']
>>> get("switch_off").needs(tech="3G")
('bts_stations', 'shutdowns_3g')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from ict_gis.errors import ProgressError
from ict_gis.metrics import progress
from ict_gis.metrics.progress import OUTSIDE, TOTAL, shutdown_kind
from ict_gis.numbers import format_count, format_percent, format_ratio, is_missing, percents
from ict_gis.schema import split_list, technology
from ict_gis.settings import OPERATORS, TECHNOLOGIES
from ict_gis.texts import UNIT_TYPES, Entry, text

__all__ = [
    "Column",
    "MapView",
    "Metric",
    "Option",
    "Popup",
    "PopupRow",
    "ReportPart",
    "available_map_views",
    "get",
    "map_views",
    "metric_of",
    "metrics",
    "register",
    "techs_present",
    "unregister",
]

Kind = Literal["count", "km", "km2", "pct", "text"]


@dataclass(frozen=True)
class Column:
    """A column of a metric's table.

    Parameters
    ----------
    kind
        ``count``, ``km``, ``km2``, ``pct`` (0–100) or ``text``.
    label
        Header: a ``(vi, en)`` pair; ``None``: the header of
        :data:`ict_gis.texts.COLUMN_LABELS` (or the column name).
    """

    kind: Kind
    label: tuple[str, str] | None = None


@dataclass(frozen=True)
class Option:
    """An option of the metric's ``ict-gis progress`` subcommand (``--name``).

    Parameters
    ----------
    name
        Keyword argument of the metric's function (``tech``); the option is
        ``--tech``.
    help
        Help text.
    choices
        Values allowed (``None``: any text).
    default
        Default value.
    flag
        A switch (``True`` when given).
    """

    name: str
    help: str
    choices: tuple[str, ...] | None = None
    default: object = None
    flag: bool = False


@dataclass(frozen=True)
class MapView:
    """A choropleth of the map: one column of a metric's table per unit.

    Parameters
    ----------
    key
        Name on the command line (``ict-gis map --metric switch_off_2g``).
    column
        Column shown.
    scale
        ``percent`` (classes of 20 %) or ``count`` (classes from the data).
    label
        Legend title (key of :data:`ict_gis.texts.LABELS` or ``(vi, en)``),
        formatted with ``params`` and ``where``.
    params
        Keyword arguments of the metric's function (``{"tech": "3G"}``).
    where
        Rows of the table shown, by column value (``{"tech": "4G"}``).
    shown
        Point layers of the map switched on when it opens (``switch_off``,
        ``sites_5g``, ``bts``, ``cables``, ``coverage:4G``).
    """

    key: str
    column: str
    scale: Literal["percent", "count"]
    label: Entry
    params: Mapping[str, object] = field(default_factory=dict)
    where: Mapping[str, object] = field(default_factory=dict)
    shown: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        """Key of the table the view comes from: the metric, then its parameters."""
        return "_".join([self.metric, *(str(v).lower() for v in self.params.values())])

    @property
    def metric(self) -> str:
        """Name of the metric (set by :func:`register`)."""
        return self.__dict__.get("_metric", "")


@dataclass(frozen=True)
class PopupRow:
    """A row of a popup section: a label and a column (with its share).

    Parameters
    ----------
    label
        Key of :data:`ict_gis.texts.MAP_TEXT` or ``(vi, en)``; ``{tech}`` is
        the table's technology.
    column
        Column written (as its kind says).
    pct
        Column of a share written after it in brackets.
    digits
        Decimals of the share.
    """

    label: Entry
    column: str
    pct: str | None = None
    digits: int = 0


@dataclass(frozen=True)
class Popup:
    """A section of a unit's popup on the map.

    Parameters
    ----------
    title
        Key of :data:`ict_gis.texts.MAP_TEXT` or ``(vi, en)``.
    rows
        The rows, in order.
    extra_columns
        Also one row ``– <column>`` per column of the table that the metric
        does not declare (the operators of the 5G table).
    needs
        Only when this column has a value for the unit.
    style
        ``rows`` (the rows above), or the name of a section drawn by
        :mod:`ict_gis.render.maps` (``cables``, ``coverage``).
    """

    title: Entry
    rows: tuple[PopupRow, ...] = ()
    extra_columns: bool = False
    needs: str | None = None
    style: str = "rows"


@dataclass(frozen=True)
class ReportPart:
    """A table and its sentences in the annual report.

    Parameters
    ----------
    key
        Key of the table and of its figures (``switch_off``).
    title
        Title of the table (formatted with ``tech`` and ``year``).
    params
        The function's keyword arguments from the report's options (``tech``,
        ``plan``); ``None`` leaves the part out.
    figures
        The JSON-ready figures of a unit (or ``total``) from the table;
        ``None`` when the table has no row for it. ``None``: a table only.
    sentences
        The report's sentences from the province figures:
        ``(totals, table, lang, year) -> list of str``.
    rank
        Where the sentences go (lower first).
    year
        The table covers the year (``since`` is 1 January); otherwise it is
        cumulative.
    per_unit
        The function takes ``units``.
    optional
        Left out when its layers are missing (otherwise the report fails).
    """

    key: str
    title: Entry
    params: Callable[[Mapping[str, object]], Mapping[str, object] | None] = lambda o: {}
    figures: Callable[[pd.DataFrame, str], object] | None = None
    sentences: Callable[..., list[str]] | None = None
    rank: int = 100
    year: bool = False
    per_unit: bool = True
    optional: bool = False
    totals: Callable[[pd.DataFrame], object] | None = None


@dataclass(frozen=True)
class Metric:
    """A metric: how to compute it and how every output shows it.

    Parameters
    ----------
    name
        Its key; the metric's function writes it in ``table.attrs["metric"]``.
    function
        ``function(layers, *, units=..., as_of=..., **options)`` -> DataFrame.
    layers
        The layer kinds it needs, from its options (``tech``).
    columns
        Its columns: kind and header.
    title
        Title of its table (``{tech}`` from ``table.attrs``).
    help
        Help of its CLI subcommand.
    command
        Name of its ``ict-gis progress`` subcommand (``None``: none).
    options
        Options of the subcommand, passed to ``function``.
    since
        The function takes ``since`` (a period), and so does the subcommand.
    chart
        Style of its chart (see :func:`ict_gis.charts.chart`); ``None``: none.
    maps
        Its choropleths on the map.
    map_table
        ``(layers, *, units, as_of, model, view)`` -> the table the map shows
        (default: ``function`` with the view's ``params``).
    popups
        Its sections in a unit's popup.
    costly
        Slow on large layer sets: on the map only up to a number of stations.
    report
        Its parts of the annual report.
    """

    name: str
    function: Callable[..., pd.DataFrame]
    layers: Callable[..., tuple[str, ...]]
    columns: Mapping[str, Column]
    title: Entry
    help: str = ""
    command: str | None = None
    options: tuple[Option, ...] = ()
    since: bool = False
    chart: str | None = "bars"
    maps: tuple[MapView, ...] = ()
    map_table: Callable[..., pd.DataFrame] | None = None
    popups: tuple[Popup, ...] = ()
    costly: bool = False
    report: tuple[ReportPart, ...] = ()

    def needs(self, **params: object) -> tuple[str, ...]:
        """Return the layer kinds the metric needs with these options."""
        return tuple(self.layers(**params))

    def label(self, column: str, lang: str) -> str | None:
        """Return the header the metric declares for ``column`` (``None``: none)."""
        col = self.columns.get(column)
        return None if col is None or col.label is None else text(col.label, lang)

    def compute_for_map(
        self, layers: Mapping[str, pd.DataFrame], *, units, as_of, model, view: MapView | None
    ) -> pd.DataFrame:
        """Compute the table a map shows (its view's parameters, or the defaults)."""
        if self.map_table is not None:
            return self.map_table(layers, units=units, as_of=as_of, model=model, view=view)
        params = dict(view.params) if view is not None else {}
        return self.function(layers, units=units, as_of=as_of, **params)


_REGISTRY: dict[str, Metric] = {}


def register(metric: Metric, *, replace: bool = False) -> Metric:
    """Add a metric to the registry (after those there) and return it.

    Raises
    ------
    ProgressError
        If a metric, a subcommand or a map view of that name is registered
        already (and ``replace`` is false).
    """
    old = _REGISTRY.get(metric.name)
    if old is not None and not replace:
        raise ProgressError(f"A metric named {metric.name!r} is registered already.")
    others = [m for m in _REGISTRY.values() if m.name != metric.name]
    if metric.command is not None and metric.command in {m.command for m in others}:
        raise ProgressError(f"A metric has the subcommand {metric.command!r} already.")
    taken = {v.key for m in others for v in m.maps}
    clash = [v.key for v in metric.maps if v.key in taken]
    if clash:
        raise ProgressError(f"A metric has the map view {clash[0]!r} already.")
    for view in metric.maps:
        object.__setattr__(view, "_metric", metric.name)
    _REGISTRY[metric.name] = metric
    return metric


def unregister(name: str) -> None:
    """Remove a metric from the registry (nothing happens if it is not there)."""
    _REGISTRY.pop(name, None)


def metrics() -> list[Metric]:
    """Return the registered metrics, in the order they were registered."""
    return list(_REGISTRY.values())


def get(name: str) -> Metric:
    """Return the metric named ``name``.

    Raises
    ------
    ProgressError
        If no metric has that name.
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ProgressError(
            f"No metric named {name!r}; the metrics are: {', '.join(_REGISTRY)}."
        ) from None


def metric_of(table: pd.DataFrame) -> Metric | None:
    """Return the metric a table comes from (by ``table.attrs["metric"]``), if registered."""
    name = getattr(table, "attrs", {}).get("metric")
    return _REGISTRY.get(str(name)) if name is not None else None


def map_views() -> dict[str, MapView]:
    """Return every map view by key, in registry order."""
    return {view.key: view for metric in _REGISTRY.values() for view in metric.maps}


def available_map_views(layers: Mapping[str, object]) -> list[str]:
    """Return the keys of the map views whose layers are all in ``layers``, in registry order."""
    have = set(layers)
    return [
        key
        for key, view in map_views().items()
        if set(get(view.metric).needs(**view.params)) <= have
    ]


def techs_present(layers: Mapping[str, pd.DataFrame]) -> list[str]:
    """Technologies some station lists (5G also from ``sites_5g``), oldest first."""
    found: set[str] = set()
    if "bts_stations" in set(layers):
        for value in layers["bts_stations"]["technologies"].dropna().unique():
            found.update(split_list(value))
    if "sites_5g" in set(layers) and len(layers["sites_5g"]):
        found.add("5G")
    return [t for t in TECHNOLOGIES if t in found]


# --------------------------------------------------------------------------- helpers


def _int(value: object) -> int | None:
    return None if is_missing(value) else int(value)


def _float(value: object) -> float | None:
    return None if is_missing(value) else float(value)


def _row(table: pd.DataFrame, code: str) -> pd.Series | None:
    return table.loc[code] if code in table.index else None


def _in_text(name: str, lang: str) -> str:
    """Write a unit name inside a Vietnamese sentence ("thành phố Nam Định")."""
    if lang == "vi":
        for unit_type in UNIT_TYPES:
            if name.startswith(unit_type + " "):
                return unit_type.lower() + name[len(unit_type) :]
    return name


# --------------------------------------------------------------------------- switch-off


def _switch_off_figures(table: pd.DataFrame, code: str) -> dict[str, object] | None:
    row = _row(table, code)
    if row is None:
        return None
    return {
        "tech": table.attrs.get("tech"),
        "switched_off": _int(row["switched_off"]),
        "total": _int(row["stations"]),
        "pct": _float(row["switched_off_pct"]),
        "subscribers_migrated": _int(row["migrated"]),
        "subscribers_total": _int(row["subscribers"]),
        "subscribers_pct": _float(row["migrated_pct"]),
        "subscribers_left": _int(row["not_migrated"]),
        "subscribers_period": table.attrs.get("subscribers_period"),
    }


def _switch_off_sentences(
    so: Mapping[str, object], table: pd.DataFrame, lang: str, year: int
) -> list[str]:
    out = []
    tech = so["tech"]
    if so["subscribers_total"] is not None:
        out.append(
            text(
                "report_subscribers",
                lang,
                tech=tech,
                ratio=format_ratio(so["subscribers_migrated"], so["subscribers_total"], lang=lang),
                pct=format_percent(so["subscribers_pct"], digits=1, lang=lang),
                left=format_count(so["subscribers_left"], lang=lang),
            )
        )
    ratio = format_ratio(so["switched_off"], so["total"], lang=lang)
    pct = format_percent(so["pct"], lang=lang)
    out.append(text("report_switch_off", lang, ratio=ratio, tech=tech, pct=pct))
    return out


def _other_switch_off(tech: str) -> Callable[[Mapping[str, object]], Mapping[str, object] | None]:
    """Report options -> the part of ``tech``, unless it is the report's own switch-off."""

    def params(options: Mapping[str, object]) -> Mapping[str, object] | None:
        return None if technology(str(options.get("tech", "2G"))) == tech else {"tech": tech}

    return params


# --------------------------------------------------------------------------- 5G


def _operators(table: pd.DataFrame) -> list[str]:
    fixed = set(get("sites_5g").columns)
    return [c for c in table.columns if c not in fixed]


def _sites_figures(table: pd.DataFrame, code: str) -> dict[str, object] | None:
    row = _row(table, code)
    if row is None:
        return None
    return {
        "total": _int(row["new"]),
        "by_operator": {op: int(row[op]) for op in _operators(table) if row[op] > 0},
        "on_air": _int(row["sites"]),
        "share_pct": _float(row["share_pct"]),
    }


def _sites_totals(table: pd.DataFrame) -> dict[str, object] | None:
    figures = _sites_figures(table, TOTAL)
    if figures is not None:  # operators in the report's order of importance
        rank = {op: i for i, op in enumerate(OPERATORS)}
        figures["by_operator"] = dict(
            sorted(
                figures["by_operator"].items(),
                key=lambda kv: (-kv[1], rank.get(kv[0], len(OPERATORS))),
            )
        )
    return figures


def _sites_sentences(
    g5: Mapping[str, object], sites: pd.DataFrame, lang: str, year: int
) -> list[str]:
    vi = lang == "vi"
    if not g5["total"]:
        return [text("report_5g_none", lang, year=year)]
    count = format_count(g5["total"], lang=lang, pad=vi)
    by_op = [
        text(
            "report_5g_operator",
            lang,
            operator=op,
            count=format_count(n, lang=lang, pad=True) if vi else f"{n:,}",
        )
        for op, n in g5["by_operator"].items()
    ]
    where = ""
    units_only = sites.drop(index=[c for c in (TOTAL, OUTSIDE) if c in sites.index])
    if len(units_only):
        top = units_only["new"].idxmax()
        if units_only.at[top, "new"] * 2 > g5["total"]:
            name = _in_text(str(units_only.at[top, "name"]), lang)
            where = text("report_5g_where", lang, name=name)
    return [
        text("report_5g", lang, year=year, count=count, by_operator=", ".join(by_op), where=where)
    ]


# --------------------------------------------------------------------------- BTS


def _bts_figures(table: pd.DataFrame, code: str) -> dict[str, object] | None:
    row = _row(table, code)
    if row is None:
        return None
    return {
        "approved": _int(row["approved"]),
        "on_air": _int(row["on_air"]),
        "under_construction": _int(row["under_construction"]),
        "waiting": _int(row["waiting"]),
        "dismantled": _int(row["dismantled"]),
        "on_air_pct": _float(row["on_air_pct"]),
    }


def _bts_sentences(
    bts: Mapping[str, object], table: pd.DataFrame, lang: str, year: int
) -> list[str]:
    pad = lang == "vi"
    return [
        text(
            "report_bts",
            lang,
            year=year,
            approved=format_count(bts["approved"], lang=lang, pad=pad),
            on_air=format_count(bts["on_air"], lang=lang, pad=pad),
        )
    ]


# --------------------------------------------------------------------------- cables


def _cable_figures(table: pd.DataFrame, code: str) -> list[dict[str, object]]:
    if code not in table.index.get_level_values("code"):
        return []
    part = table.xs(code, level="code")
    return [
        {
            "category": category,
            "plan": plan,
            "tidied_km": float(row["tidied_km"]),
            "planned_km": float(row["planned_km"]),
            "underground_km": float(row["underground_km"]),
            "remaining_km": float(row["remaining_km"]),
            "pct": _float(row["pct"]),
        }
        for (category, plan), row in part.iterrows()
    ]


def _cable_sentence(entry: Mapping[str, object], lang: str) -> str:
    ratio = format_ratio(entry["tidied_km"], entry["planned_km"], lang=lang, km=True)
    pct = format_percent(entry["pct"], lang=lang)
    plan = entry["plan"]
    has_plan = plan and not str(plan).startswith("(")
    goal = (
        text("report_cable_plan", lang, plan=plan)
        if has_plan
        else text("report_cable_no_plan", lang)
    )
    category = str(entry["category"])
    key = f"report_cable_{category}"
    what = (
        text(key, lang)
        if category in ("with_messenger", "without_messenger")
        else text("report_cable_other", lang, category=category)
    )
    return text("report_cable", lang, what=what, ratio=ratio, pct=pct, goal=goal)


def _cable_sentences(
    entries: Sequence[Mapping[str, object]], table: pd.DataFrame, lang: str, year: int
) -> list[str]:
    return [_cable_sentence(entry, lang) for entry in entries]


def _cables(
    layers: Mapping[str, pd.DataFrame],
    *,
    units=None,
    as_of=None,
    plan: str | None = None,
    timeline: bool = False,
) -> pd.DataFrame:
    """Return the cable table per unit, or (``timeline``) the km tidied per month."""
    if timeline:
        return progress.cable_timeline(layers, as_of=as_of, plan=plan)
    return progress.cable_progress(layers, units=units, as_of=as_of, plan=plan)


def _cable_map_table(layers, *, units, as_of, model, view) -> pd.DataFrame:
    """Cable progress per unit, categories and plans added up; shares per category."""
    full = progress.cable_progress(layers, units=units, as_of=as_of)
    cols = ["planned_km", "tidied_km", "underground_km"]
    sums = full[cols].groupby(level="code", sort=False).sum()
    sums["pct"] = percents(sums["tidied_km"], sums["planned_km"])
    by_cat = full[cols].groupby(level=["code", "category"], sort=False).sum()
    for cat in by_cat.index.get_level_values("category").unique():
        part = by_cat.xs(cat, level="category")
        sums[f"{cat}_planned_km"] = part["planned_km"]
        sums[f"{cat}_tidied_km"] = part["tidied_km"]
    return sums


# --------------------------------------------------------------------------- coverage


def _coverage(layers, *, units=None, as_of=None, tech=None, model=None) -> pd.DataFrame:
    """Covered area per unit for every technology present ("any operator" rows)."""
    from ict_gis.metrics.coverage import coverage

    techs = techs_present(layers)
    if tech is not None and tech not in techs:
        techs = [t for t in TECHNOLOGIES if t in {*techs, tech}]
    return coverage(layers, units, tech=techs, operator="any", as_of=as_of, model=model)


def _coverage_map_table(layers, *, units, as_of, model, view) -> pd.DataFrame:
    tech = None if view is None else view.where.get("tech")
    return _coverage(layers, units=units, as_of=as_of, tech=tech, model=model)


# --------------------------------------------------------------------------- the metrics

_SWITCH_OFF_POPUPS = (
    Popup(
        "s_switch_off",
        (
            PopupRow("r_stations", "stations"),
            PopupRow("r_switched_off", "switched_off", pct="switched_off_pct"),
            PopupRow("r_remaining", "remaining"),
        ),
    ),
    Popup(
        "s_subscribers",
        (
            PopupRow("r_subscribers", "subscribers"),
            PopupRow("r_migrated", "migrated", pct="migrated_pct", digits=1),
        ),
        needs="subscribers",
    ),
)

register(
    Metric(
        name="switch_off",
        function=progress.switch_off_progress,
        layers=lambda tech="2G", **_: ("bts_stations", shutdown_kind(tech)),
        columns={
            "name": Column("text"),
            "stations": Column("count"),
            "switched_off": Column("count"),
            "remaining": Column("count"),
            "switched_off_pct": Column("pct"),
            "subscribers": Column("count"),
            "migrated": Column("count"),
            "not_migrated": Column("count"),
            "migrated_pct": Column("pct"),
        },
        title="title_switch_off",
        help="Stations with a technology, switched off, remaining, %; subscribers moved to 4G.",
        command="switch-off",
        options=(
            Option(
                "tech",
                "Technology being switched off (switch-offs read from the shutdowns_<tech> layer).",
                choices=TECHNOLOGIES[:3],
                default="2G",
            ),
            Option(
                "by",
                "Rows per administrative unit, or per operator (province-wide).",
                choices=("unit", "operator"),
                default="unit",
            ),
        ),
        chart="switch_off",
        maps=(
            MapView(
                "switch_off_2g",
                "switched_off_pct",
                "percent",
                "map_switch_off",
                {"tech": "2G"},
                shown=("switch_off",),
            ),
            MapView(
                "migration_2g",
                "migrated_pct",
                "percent",
                "map_migration",
                {"tech": "2G"},
                shown=("switch_off",),
            ),
            MapView(
                "switch_off_3g",
                "switched_off_pct",
                "percent",
                "map_switch_off",
                {"tech": "3G"},
                shown=("bts",),
            ),
        ),
        popups=_SWITCH_OFF_POPUPS,
        report=(
            ReportPart(
                "switch_off",
                "report_table_switch_off",
                params=lambda o: {"tech": o.get("tech", "2G")},
                figures=_switch_off_figures,
                sentences=_switch_off_sentences,
                rank=10,
            ),
            ReportPart(
                "switch_off_3g",
                "report_table_switch_off",
                params=_other_switch_off("3G"),
                figures=_switch_off_figures,
                sentences=_switch_off_sentences,
                rank=11,
                optional=True,
            ),
        ),
    )
)

register(
    Metric(
        name="sites_5g",
        function=progress.rollout_5g,
        layers=lambda **_: ("sites_5g",),
        columns={
            "name": Column("text"),
            "sites": Column("count"),
            "new": Column("count"),
            "share_pct": Column("pct"),
        },
        title="title_sites_5g",
        help="5G sites per unit and operator: on air, new since --since, share of the province.",
        command="5g",
        since=True,
        chart="sites_5g",
        maps=(MapView("sites_5g", "sites", "count", "map_sites_5g", shown=("sites_5g",)),),
        popups=(Popup("s_5g", (PopupRow("r_sites_5g", "sites"),), extra_columns=True),),
        report=(
            ReportPart(
                "sites_5g",
                "report_table_sites_5g",
                figures=_sites_figures,
                totals=_sites_totals,
                sentences=_sites_sentences,
                rank=30,
                year=True,
            ),
        ),
    )
)

register(
    Metric(
        name="bts",
        function=progress.bts_pipeline,
        layers=lambda **_: ("bts_stations",),
        columns={
            "name": Column("text"),
            "approved": Column("count"),
            "waiting": Column("count"),
            "under_construction": Column("count"),
            "on_air": Column("count"),
            "dismantled": Column("count"),
            "on_air_pct": Column("pct"),
        },
        title="title_bts",
        help="BTS locations approved in the period, and how many are on air, per unit.",
        command="bts",
        since=True,
        chart="bts",
        maps=(MapView("bts", "on_air_pct", "percent", "map_bts", shown=("bts",)),),
        popups=(
            Popup(
                "s_bts",
                (
                    PopupRow("r_approved", "approved"),
                    PopupRow("r_on_air", "on_air", pct="on_air_pct"),
                    PopupRow("r_under_construction", "under_construction"),
                    PopupRow("r_waiting", "waiting"),
                ),
            ),
        ),
        report=(
            ReportPart(
                "bts",
                "report_table_bts",
                figures=_bts_figures,
                sentences=_bts_sentences,
                rank=20,
                year=True,
            ),
        ),
    )
)

register(
    Metric(
        name="cables",
        function=_cables,
        layers=lambda **_: ("cable_routes",),
        columns={
            "name": Column("text"),
            "planned_km": Column("km"),
            "tidied_km": Column("km"),
            "underground_km": Column("km"),
            "remaining_km": Column("km"),
            "pct": Column("pct"),
        },
        title="title_cables",
        help=(
            "Cable routes per unit and category: km in the plan, tidied, underground, % of plan."
            "\n\nLengths are geodesic, computed from the route geometries (a route crossing\n"
            "a unit boundary is cut there), never taken from an attribute."
        ),
        command="cables",
        options=(
            Option("plan", "Only the routes of this plan, e.g. 49/KH-UBND."),
            Option(
                "timeline",
                "Print the km tidied per month (and cumulative) instead of the table per unit.",
                flag=True,
            ),
        ),
        chart="cables",
        maps=(MapView("cables", "pct", "percent", "map_cables", shown=("cables",)),),
        map_table=_cable_map_table,
        popups=(Popup("s_cables", style="cables"),),
        report=(
            ReportPart(
                "cables",
                "report_table_cables",
                params=lambda o: {"plan": o.get("plan")},
                figures=_cable_figures,
                sentences=_cable_sentences,
                rank=40,
            ),
            ReportPart(
                "cable_timeline",
                "report_table_cable_timeline",
                params=lambda o: {"plan": o.get("plan"), "timeline": True},
                per_unit=False,
            ),
        ),
    )
)

register(
    Metric(
        name="cable_timeline",
        function=progress.cable_timeline,
        layers=lambda **_: ("cable_routes",),
        columns={},
        title="title_cable_timeline",
        chart="timeline",
    )
)

register(
    Metric(
        name="switch_off_timeline",
        function=progress.switch_off_timeline,
        layers=lambda tech="2G", **_: ("bts_stations", shutdown_kind(tech)),
        columns={"total": Column("count"), "in_month": Column("count")},
        title="title_switch_off_timeline",
        chart="timeline",
    )
)

register(
    Metric(
        name="coverage",
        function=_coverage,
        layers=lambda **_: ("bts_stations",),
        columns={
            "tech": Column("text"),
            "operator": Column("text"),
            "area_km2": Column("km2"),
            "covered_km2": Column("km2"),
            "covered_pct": Column("pct"),
            "population": Column("count"),
            "population_covered": Column("count"),
            "population_pct": Column("pct"),
        },
        title="title_coverage",
        chart="coverage",
        maps=tuple(
            MapView(
                f"coverage_{tech.lower()}",
                "covered_pct",
                "percent",
                "map_coverage",
                where={"tech": tech},
                shown=(f"coverage:{tech}",),
            )
            for tech in ("2G", "3G", "4G", "5G")
        ),
        map_table=_coverage_map_table,
        popups=(Popup("s_coverage", style="coverage"),),
        costly=True,
    )
)
