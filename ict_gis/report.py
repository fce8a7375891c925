"""The telecom section of the province's annual report, computed from the layers.

:func:`annual` gathers, for one year, the figures the provincial ICT report
gives for telecom infrastructure (2G switch-off and subscriber migration, BTS
locations approved and on air, 5G sites, cable tidying), per administrative
unit and for the province, and writes the report's sentences in Vietnamese
(as the report writes them) or English:

    Các doanh nghiệp viễn thông đã thực hiện việc tắt sóng 161/788 trạm 2G
    (chiếm 20%).

Text shows percentages the way the report does: cut, not rounded, one
decimal for subscribers and whole numbers for stations and kilometres
(see :mod:`ict_gis.numbers`); the JSON output carries the exact values.

Examples
--------
>>> from ict_gis.layerset import bundled_layers
>>> report = annual(bundled_layers(), year=2024)
>>> report.sentences[1]
'Các doanh nghiệp viễn thông đã thực hiện việc tắt sóng 161/788 trạm 2G (chiếm 20%).'
>>> report.totals["bts"]["approved"], report.totals["bts"]["on_air"]
(146, 52)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from ict_gis.crosswalk import report_units
from ict_gis.errors import PlanError
from ict_gis.metrics import registry
from ict_gis.metrics.progress import NO_PLAN, OUTSIDE, TOTAL, problems_of
from ict_gis.numbers import LANGS, format_km, is_missing
from ict_gis.plan import PLAN_DEADLINES, forecast, pace_forecast
from ict_gis.problems import Problem
from ict_gis.texts import day_text, month_text, text
from ict_gis.units import unit_frame

__all__ = ["FORECAST_MONTHS", "AnnualReport", "annual"]

#: The pace of the report's forecasts: the months of the year reported.
FORECAST_MONTHS: int = 12


@dataclass(frozen=True)
class AnnualReport:
    """The telecom figures of one year: province totals, tables per unit, sentences.

    Built by :func:`annual`; the tables are those of the metrics of
    :mod:`ict_gis.metrics.registry` that have report parts (rows per unit,
    then ``outside`` if any, then ``total``). Written out as text, Markdown
    or XLSX by :mod:`ict_gis.render.report`.

    Attributes
    ----------
    year
        The year reported.
    lang
        Language of the sentences and of the text, Markdown and XLSX output.
    since, as_of
        First and last day of the year.
    totals
        Province totals, JSON-ready (the keys of :meth:`to_json_dict` but
        ``units``).
    tables
        ``switch_off``, ``sites_5g``, ``bts``, ``cables``, ``cable_timeline``
        (and ``switch_off_3g`` when the layers have a ``shutdowns_3g`` layer).
    sentences
        The report's sentences, in ``lang``.
    problems
        Problems found while computing (features outside every unit, units
        missing from the subscriber table, ...).
    source
        Where the layers came from: the layer set's name (``Nam Định 2024``)
        or, without one, its path.
    titles
        Title of each table (by key), in ``lang``.
    forecasts
        When the switch-off and each cable plan will be done at the pace of
        the year (:data:`FORECAST_MONTHS` months up to ``as_of``, see
        :func:`ict_gis.plan.forecast`), JSON-ready: ``months``,
        ``switch_off`` (``stations``, ``subscribers``: ``done``, ``goal``,
        ``pace_per_month``, ``finish``, ``status``) and ``cables`` (one dict
        per plan, with ``deadline``); the sentences say it.
    """

    year: int
    lang: str
    since: pd.Timestamp
    as_of: pd.Timestamp
    totals: dict[str, object]
    tables: dict[str, pd.DataFrame]
    sentences: list[str]
    problems: list[Problem] = field(default_factory=list)
    source: str = ""
    titles: dict[str, str] = field(default_factory=dict)
    forecasts: dict[str, object] = field(default_factory=dict)

    def title(self) -> str:
        """Return the report's title in its language."""
        return text("report_title", self.lang, year=self.year)

    def subtitle(self) -> str:
        """Return the line under the title: the day of the figures and their source."""
        line = text("report_as_of", self.lang, date=day_text(self.as_of, self.lang))
        if self.source:
            line += text("report_source", self.lang, source=self.source)
        return line + "."

    def titled_tables(self) -> dict[str, pd.DataFrame]:
        """Return the tables keyed by their title in the report's language."""
        return {self.titles.get(key, key): frame for key, frame in self.tables.items()}

    def to_json_dict(self) -> dict[str, object]:
        """Return the figures as one JSON-ready dict, exact values (not rounded).

        Keys: ``year``, ``switch_off`` (``tech``, ``switched_off``, ``total``,
        ``pct``, ``subscribers_migrated``, ``subscribers_total``,
        ``subscribers_pct``, ...), ``sites_5g`` (``total``,
        ``by_operator``), ``bts`` (``approved``, ``on_air``, ...),
        ``cables`` (one dict per category and plan: ``category``, ``plan``,
        ``tidied_km``, ``planned_km``, ``pct``, ...), ``units`` (the same
        figures per unit, with ``code`` and ``name``; ``None`` for a unit
        with no data), ``outside`` (the same
        for features outside every unit, or ``None``), ``forecast`` (see
        :attr:`forecasts`), ``since``, ``as_of``, ``lang`` and ``problems``.
        """
        first = _unit_table(self.tables)
        units = [] if first is None else [c for c in first.index if c not in (TOTAL, OUTSIDE)]
        has_outside = any(
            OUTSIDE in frame.index.get_level_values(0)
            for key, frame in self.tables.items()
            if key != "cable_timeline"
        )
        return {
            **self.totals,
            "units": [_unit_figures(self.tables, code) for code in units],
            "outside": _unit_figures(self.tables, OUTSIDE) if has_outside else None,
            "forecast": self.forecasts,
            "since": f"{self.since:%Y-%m-%d}",
            "as_of": f"{self.as_of:%Y-%m-%d}",
            "lang": self.lang,
            "problems": [p.to_dict() for p in self.problems],
        }


def _unit_table(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    """Return the first table with one row per unit and a name (switch-off first), if any."""
    keys = ["switch_off", *tables]
    for key in keys:
        frame = tables.get(key)
        if frame is not None and frame.index.nlevels == 1 and "name" in frame.columns:
            return frame
    return None


def _parts() -> list[registry.ReportPart]:
    return [part for metric in registry.metrics() for part in metric.report]


def _unit_figures(tables: Mapping[str, pd.DataFrame], code: str) -> dict[str, object]:
    first = _unit_table(tables)
    name = first.at[code, "name"] if first is not None and code in first.index else None
    figures: dict[str, object] = {"code": code, "name": None if is_missing(name) else name}
    for part in _parts():
        if part.figures is not None and part.key in tables:
            table = tables[part.key]
            figures[part.key] = None if _no_data(table, code) else part.figures(table, code)
    return figures


def _no_data(table: pd.DataFrame, code: str) -> bool:
    """Whether the unit ``code`` has no data in ``table`` (a unit of another vintage)."""
    if code not in table.index.get_level_values(0):
        return False
    rows = table[table.index.get_level_values(0) == code].select_dtypes("number")
    return not rows.empty and bool(rows.isna().all().all())


# --------------------------------------------------------------------------- annual


def _left_out(part, params: Mapping[str, object], lacking: list[str], lang: str, year: int):
    """Return the warning that names a part left out of the report and the layers it needs."""
    title = text(part.title, lang, tech=params.get("tech") or "", year=year)
    return Problem(
        layer=", ".join(lacking),
        feature_id=None,
        column=None,
        severity="warning",
        message=f"Not reported: {title} (the layer set has no {', '.join(lacking)}).",
        fix=f"Add the layer(s) {', '.join(lacking)} to report it.",
    )


def annual(
    layers: Mapping[str, pd.DataFrame],
    *,
    year: int = 2024,
    lang: str = "vi",
    units: gpd.GeoDataFrame | str | None = None,
    tech: str = "2G",
    plan: str | None = None,
    partial: bool = False,
) -> AnnualReport:
    """Compute the telecom figures of one year, per unit and for the province.

    The year runs from 1 January to 31 December inclusive. Switch-off,
    subscribers and cable tidying are cumulative up to 31 December (the plan
    runs over several years); BTS approvals and 5G sites are those of the
    year. Units are the ``districts`` layer as of 31 December (units merged
    during the year are reported as the unit they joined), unless ``units``
    is given.

    After the figures, one sentence per plan says when it will be done at the
    pace of the year (the :data:`FORECAST_MONTHS` months up to 31 December,
    :func:`ict_gis.plan.forecast`): the switch-off (stations and
    subscribers), and each cable plan against its end date
    (:data:`ict_gis.plan.PLAN_DEADLINES`).

    Parameters
    ----------
    layers
        Layer set with ``districts``, ``bts_stations``, ``shutdowns_2g``,
        ``sites_5g``, ``cable_routes``, and optionally ``subscribers`` and
        ``admin_changes``. The layers are not validated here; call
        :func:`ict_gis.validate.ensure_valid` first.
    year
        The year reported.
    lang
        ``"vi"`` (the report's Vietnamese) or ``"en"``.
    units
        Units to report on (any level), or the name of a bundled unit layer
        (``"communes-2025"``: the 2024 figures per commune of the new Ninh
        Bình); default: ``districts`` as of 31 December of ``year``. Units of
        another vintage that the data do not cover are shown as no data, and
        a last sentence says which part of them the data cover.
    tech
        The technology being switched off.
    plan
        Only the cable routes of this plan; ``None``: every plan.
    partial
        Leave out the parts whose layers are missing, each named by a warning
        in :attr:`AnnualReport.problems`, instead of raising.

    Returns
    -------
    AnnualReport

    Raises
    ------
    ValueError
        If ``lang`` is not ``vi`` or ``en``, or ``year`` is not a year.
    ict_gis.metrics.progress.ProgressError
        If a layer needed is missing.
    """
    if lang not in LANGS:
        raise ValueError(f"Unknown language {lang!r}; use one of {', '.join(LANGS)}.")
    try:
        since = pd.Timestamp(dt.date(int(year), 1, 1))
        as_of = pd.Timestamp(dt.date(int(year), 12, 31))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"year={year!r} is not a year ({exc}).") from None
    if units is None:
        units = unit_frame(layers, as_of=as_of)
    else:
        units = report_units(layers, units, as_of=as_of)
    options = {"tech": tech, "plan": plan}
    tables: dict[str, pd.DataFrame] = {}
    titles: dict[str, str] = {}
    totals: dict[str, object] = {"year": int(year)}
    lines: list[tuple[int, list[str]]] = []
    left_out: list[Problem] = []
    for metric in registry.metrics():
        for part in metric.report:
            params = part.params(options)
            if params is None or (part.optional and not set(metric.needs(**params)) <= set(layers)):
                continue
            lacking = sorted(set(metric.needs(**params)) - set(layers))
            if lacking and partial:
                left_out.append(_left_out(part, params, lacking, lang, int(year)))
                continue
            kwargs: dict[str, object] = {"as_of": as_of, **params}
            if part.per_unit:
                kwargs["units"] = units
            if part.year:
                kwargs["since"] = since
            table = metric.function(layers, **kwargs)
            tables[part.key] = table
            titles[part.key] = text(
                part.title, lang, tech=table.attrs.get("tech") or "", year=int(year)
            )
            if part.figures is None:
                continue
            figures = part.totals(table) if part.totals else part.figures(table, TOTAL)
            totals[part.key] = figures
            if part.sentences is not None:
                lines.append((part.rank, part.sentences(figures, table, lang, int(year))))
    problems = left_out + list(dict.fromkeys(p for t in tables.values() for p in problems_of(t)))
    sentences = [s for _, found in sorted(lines, key=lambda rl: rl[0]) for s in found]
    outlook = _Outlook(layers, units, tech=tech, plan=plan, as_of=as_of, lang=lang)
    forecasts = outlook.run(tables)
    sentences += outlook.sentences
    problems += outlook.problems
    if "has_data" in units.columns:
        sentences.append(_coverage_sentence(units, lang))
    return AnnualReport(
        year=int(year),
        lang=lang,
        since=since,
        as_of=as_of,
        totals=totals,
        tables=tables,
        sentences=sentences,
        problems=problems,
        source=_source_name(layers),
        titles=titles,
        forecasts=forecasts,
    )


def _source_name(layers: Mapping[str, pd.DataFrame]) -> str:
    """Return the name of the layer set (``Nam Định 2024``), or its path without one."""
    return str(getattr(layers, "name", "") or getattr(layers, "source", "") or "")


# --------------------------------------------------------------------------- forecasts


def _when(row: pd.Series, lang: str, year: int) -> str:
    """Write when a row of :func:`ict_gis.plan.pace_forecast` will be done."""
    if row["status"] == "done":
        return text("report_forecast_done", lang)
    if pd.isna(row["finish"]):
        return text("report_forecast_stalled", lang, year=year)
    return text("report_forecast_finish", lang, month=month_text(row["finish"], lang))


def _outlook_json(row: pd.Series) -> dict[str, object]:
    """Return the figures of one forecast row, JSON-ready (days as ``YYYY-MM-DD``)."""

    def day(value: object) -> str | None:
        return None if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"

    def number(value: object) -> float | None:
        return None if pd.isna(value) else float(value)

    return {
        "done": number(row["done"]),
        "goal": number(row["goal"]),
        "pace_per_month": number(row["pace_per_month"]),
        "months_left": number(row["months_left"]),
        "finish": day(row["finish"]),
        "deadline": day(row["deadline"]),
        "status": str(row["status"]),
    }


class _Outlook:
    """The report's forecasts: at the pace of the year, when each plan will be done.

    The figures come from :func:`ict_gis.plan.forecast` (province totals);
    a cable plan's categories are added up and forecast together by
    :func:`ict_gis.plan.pace_forecast`.
    """

    def __init__(
        self,
        layers: Mapping[str, pd.DataFrame],
        units: gpd.GeoDataFrame,
        *,
        tech: str,
        plan: str | None,
        as_of: pd.Timestamp,
        lang: str,
    ):
        self.layers, self.units, self.tech, self.plan = layers, units, tech, plan
        self.as_of, self.lang, self.year = as_of, lang, int(as_of.year)
        self.sentences: list[str] = []
        self.problems: list[Problem] = []

    def _forecast(self, metric: str, **params: object) -> pd.DataFrame | None:
        try:
            table = forecast(
                self.layers,
                metric=metric,
                months=FORECAST_MONTHS,
                as_of=self.as_of,
                units=self.units,
                **params,
            )
        except PlanError as exc:
            self.problems.append(
                Problem(
                    layer=metric,
                    feature_id=None,
                    column=None,
                    severity="warning",
                    message=f"No forecast in the report: {exc}",
                    fix="Add the figures of the year to the layers to get one.",
                )
            )
            return None
        return table[table.index.get_level_values(0) == TOTAL]

    def run(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, object]:
        """Compute the forecasts of the parts in ``tables``; fill :attr:`sentences`."""
        out: dict[str, object] = {"months": FORECAST_MONTHS}
        if "switch_off" in tables:
            out["switch_off"] = self._switch_off()
        if "cables" in tables:
            out["cables"] = self._cables()
        return out

    def _switch_off(self) -> dict[str, object]:
        table = self._forecast("switch_off", tech=self.tech)
        if table is None:
            return {}
        rows = table.droplevel(0)
        clauses = [
            text(
                "report_forecast_for",
                self.lang,
                clause=_when(row, self.lang, self.year),
                what=text(f"report_forecast_{what}", self.lang),
            )
            for what, row in rows.iterrows()
        ]
        if clauses:
            joined = clauses[0]
            for clause in clauses[1:]:
                joined = text("report_forecast_and", self.lang, first=joined, second=clause)
            tech = str(table.attrs.get("tech") or self.tech)
            self.sentences.append(
                text(
                    "report_forecast_switch_off",
                    self.lang,
                    year=self.year,
                    tech=tech,
                    clauses=joined,
                )
            )
        return {str(what): _outlook_json(row) for what, row in rows.iterrows()}

    def _cables(self) -> list[dict[str, object]]:
        table = self._forecast("cables", plan=self.plan)
        if table is None:
            return []
        plans = table.index.get_level_values("plan")
        table = table[plans != NO_PLAN]
        per_plan = table.groupby(level="plan", sort=True)[["done", "goal", "pace_per_month"]].sum()
        if per_plan.empty:
            return []
        deadlines = pd.Series(
            pd.to_datetime([PLAN_DEADLINES.get(str(p)) for p in per_plan.index]),
            index=per_plan.index,
        )
        outlook = pace_forecast(
            per_plan["done"],
            per_plan["done"] - per_plan["pace_per_month"] * FORECAST_MONTHS,
            per_plan["goal"],
            months=FORECAST_MONTHS,
            as_of=self.as_of,
            deadline=deadlines,
        )
        found = []
        for plan, row in outlook.iterrows():
            self.sentences.append(self._cable_sentence(str(plan), row))
            found.append({"plan": str(plan), **_outlook_json(row)})
        return found

    def _cable_sentence(self, plan: str, row: pd.Series) -> str:
        status = str(row["status"])
        keys = {"on_time": "on_time", "late": "late", "stalled": "not_by"}
        outlook = ""
        if status in keys and not pd.isna(row["deadline"]):
            deadline = day_text(pd.Timestamp(row["deadline"]).date(), self.lang)
            outlook = text(f"report_forecast_{keys[status]}", self.lang, deadline=deadline)
        return text(
            "report_forecast_cable",
            self.lang,
            year=self.year,
            pace=format_km(row["pace_per_month"], lang=self.lang),
            plan=plan,
            clause=_when(row, self.lang, self.year),
            outlook=outlook,
        )


def _coverage_sentence(units: gpd.GeoDataFrame, lang: str) -> str:
    """Write the sentence saying which units of another vintage the data cover."""
    area = list(units.attrs.get("source_names", []))
    shown = ", ".join(area[:12]) + (", …" if len(area) > 12 else "")
    return text(
        "report_units_coverage",
        lang,
        count=int(units["has_data"].sum()),
        total=len(units),
        missing=len(units) - int(units["has_data"].sum()),
        units=units.attrs.get("units_name") or "",
        vintage=_vintage_text(units.attrs.get("vintage"), lang),
        area=shown,
    )


def _vintage_text(vintage: object, lang: str) -> str:
    """Write a vintage as a day when it is one (``01/07/2025``), else as it is."""
    if not vintage:
        return "?"
    try:
        return day_text(pd.Timestamp(str(vintage)).date(), lang)
    except ValueError:
        return str(vintage)
