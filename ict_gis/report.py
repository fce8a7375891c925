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

from ict_gis.metrics.progress import (
    OUTSIDE,
    TOTAL,
    bts_pipeline,
    cable_progress,
    cable_timeline,
    problems_of,
    rollout_5g,
    switch_off_progress,
)
from ict_gis.numbers import (
    LANGS,
    format_count,
    format_percent,
    format_ratio,
    is_missing,
)
from ict_gis.problems import Problem
from ict_gis.render.tables import json_value, render_tables
from ict_gis.settings import OPERATORS
from ict_gis.units import unit_frame

__all__ = ["AnnualReport", "annual"]

#: Table keys of :attr:`AnnualReport.tables`, with their titles (vi, en).
TABLE_TITLES: dict[str, tuple[str, str]] = {
    "switch_off": ("Tắt sóng {tech}", "{tech} switch-off"),
    "sites_5g": ("Trạm 5G năm {year}", "5G sites {year}"),
    "bts": ("Trạm BTS năm {year}", "BTS locations {year}"),
    "cables": ("Chỉnh trang cáp", "Cable tidying"),
    "cable_timeline": ("Chỉnh trang cáp theo tháng", "Cable tidying by month"),
}

_UNIT_TYPES = ("Thành phố", "Thị xã", "Huyện", "Quận", "Phường", "Thị trấn", "Xã", "Tỉnh")


@dataclass(frozen=True)
class AnnualReport:
    """The telecom figures of one year: province totals, tables per unit, sentences.

    Built by :func:`annual`; the tables are those of
    :mod:`ict_gis.metrics.progress` (rows per unit, then ``outside`` if any,
    then ``total``).

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
        ``switch_off``, ``sites_5g``, ``bts``, ``cables``, ``cable_timeline``.
    sentences
        The report's sentences, in ``lang``.
    problems
        Problems found while computing (features outside every unit, units
        missing from the subscriber table, ...).
    source
        Where the layers came from.
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

    # ------------------------------------------------------------------ output

    def title(self) -> str:
        """Return the report's title in its language."""
        if self.lang == "vi":
            return f"Kết quả phát triển hạ tầng viễn thông năm {self.year}"
        return f"Telecom infrastructure in {self.year}"

    def _subtitle(self) -> str:
        if self.lang == "vi":
            text = f"Số liệu tính đến hết ngày {self.as_of:%d/%m/%Y}"
            return text + (f"; nguồn: {self.source}" if self.source else "") + "."
        text = f"Figures as of {self.as_of:%Y-%m-%d}"
        return text + (f"; source: {self.source}" if self.source else "") + "."

    def titled_tables(self) -> dict[str, pd.DataFrame]:
        """Return the tables keyed by their title in the report's language."""
        i = LANGS.index(self.lang)
        tech = self.totals["switch_off"]["tech"]
        return {
            TABLE_TITLES[key][i].format(tech=tech, year=self.year): frame
            for key, frame in self.tables.items()
        }

    def _problem_lines(self) -> list[str]:
        return [str(p) for p in self.problems]

    def to_text(self) -> str:
        """Return the report as plain text: title, sentences, tables, problems."""
        title = self.title()
        lines = [title, "=" * len(title), self._subtitle(), ""]
        lines += [f"- {s}" for s in self.sentences]
        lines.append("")
        text = "\n".join(lines) + "\n"
        text += render_tables(self.titled_tables(), "table", lang=self.lang)
        if self.problems:
            head = "Lưu ý" if self.lang == "vi" else "Notes"
            text += f"\n{head}:\n" + "\n".join(f"  {p}" for p in self._problem_lines()) + "\n"
        return text

    def to_markdown(self) -> str:
        """Return the report as Markdown: title, sentences, one table per metric."""
        lines = [f"# {self.title()}", "", f"_{_md(self._subtitle())}_", ""]
        lines += [f"- {_md(s)}" for s in self.sentences]
        lines.append("")
        text = "\n".join(lines) + "\n"
        text += render_tables(self.titled_tables(), "md", lang=self.lang)
        if self.problems:
            head = "Lưu ý" if self.lang == "vi" else "Notes"
            text += f"\n**{head}**\n\n" + "\n".join(f"- {_md(p)}" for p in self._problem_lines())
            text += "\n"
        return text

    def to_json_dict(self) -> dict[str, object]:
        """Return the figures as one JSON-ready dict, exact values (not rounded).

        Keys: ``year``, ``switch_off`` (``tech``, ``switched_off``, ``total``,
        ``pct``, ``subscribers_migrated``, ``subscribers_total``,
        ``subscribers_pct``, ...), ``sites_5g`` (``total``,
        ``by_operator``), ``bts`` (``approved``, ``on_air``, ...),
        ``cables`` (one dict per category and plan: ``category``, ``plan``,
        ``tidied_km``, ``planned_km``, ``pct``, ...), ``units`` (the same
        figures per unit, with ``code`` and ``name``), ``outside`` (the same
        for features outside every unit, or ``None``), ``since``, ``as_of``,
        ``lang`` and ``problems``.
        """
        units = [c for c in self.tables["switch_off"].index if c not in (TOTAL, OUTSIDE)]
        has_outside = any(
            OUTSIDE in frame.index.get_level_values(0)
            for key, frame in self.tables.items()
            if key != "cable_timeline"
        )
        return {
            **self.totals,
            "units": [_unit_figures(self.tables, code) for code in units],
            "outside": _unit_figures(self.tables, OUTSIDE) if has_outside else None,
            "since": f"{self.since:%Y-%m-%d}",
            "as_of": f"{self.as_of:%Y-%m-%d}",
            "lang": self.lang,
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_xlsx_bytes(self) -> bytes:
        """Return an XLSX workbook: a summary sheet with the sentences, one sheet per table."""
        head = ("Tóm tắt", "Nội dung") if self.lang == "vi" else ("Summary", "Statement")
        summary = pd.DataFrame({"text": [self.title(), self._subtitle(), *self.sentences]})
        frames = {head[0]: summary, **self.titled_tables()}
        data = render_tables(frames, "xlsx", lang=self.lang, labels={"text": head[1]})
        assert isinstance(data, bytes)
        return data


def _md(text: str) -> str:
    """Keep text inert in Markdown that may become HTML."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------- figures


def _int(value: object) -> int | None:
    return None if is_missing(value) else int(value)


def _float(value: object) -> float | None:
    return None if is_missing(value) else float(value)


def _switch_off_figures(table: pd.DataFrame, code: str) -> dict[str, object]:
    row = table.loc[code]
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


def _operators(table: pd.DataFrame) -> list[str]:
    fixed = {"name", "sites", "new", "share_pct"}
    return [c for c in table.columns if c not in fixed]


def _sites_figures(table: pd.DataFrame, code: str) -> dict[str, object]:
    row = table.loc[code]
    return {
        "total": _int(row["new"]),
        "by_operator": {op: int(row[op]) for op in _operators(table) if row[op] > 0},
        "on_air": _int(row["sites"]),
        "share_pct": _float(row["share_pct"]),
    }


def _bts_figures(table: pd.DataFrame, code: str) -> dict[str, object]:
    row = table.loc[code]
    return {
        "approved": _int(row["approved"]),
        "on_air": _int(row["on_air"]),
        "under_construction": _int(row["under_construction"]),
        "waiting": _int(row["waiting"]),
        "dismantled": _int(row["dismantled"]),
        "on_air_pct": _float(row["on_air_pct"]),
    }


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


def _unit_figures(tables: Mapping[str, pd.DataFrame], code: str) -> dict[str, object]:
    switch_off = tables["switch_off"]
    name = switch_off.at[code, "name"] if code in switch_off.index else None
    figures: dict[str, object] = {"code": code, "name": json_value(name)}
    for key, build in (
        ("switch_off", _switch_off_figures),
        ("sites_5g", _sites_figures),
        ("bts", _bts_figures),
    ):
        table = tables[key]
        figures[key] = build(table, code) if code in table.index else None
    figures["cables"] = _cable_figures(tables["cables"], code)
    return figures


# --------------------------------------------------------------------------- sentences


def _in_text(name: str, lang: str) -> str:
    """Write a unit name inside a Vietnamese sentence ("thành phố Nam Định")."""
    if lang == "vi":
        for unit_type in _UNIT_TYPES:
            if name.startswith(unit_type + " "):
                return unit_type.lower() + name[len(unit_type) :]
    return name


def _sentences(
    totals: Mapping[str, object], sites: pd.DataFrame, lang: str, year: int
) -> list[str]:
    vi = lang == "vi"
    out: list[str] = []
    so = totals["switch_off"]
    tech = so["tech"]
    if so["subscribers_total"] is not None:
        ratio = format_ratio(so["subscribers_migrated"], so["subscribers_total"], lang=lang)
        pct = format_percent(so["subscribers_pct"], digits=1, lang=lang)
        left = format_count(so["subscribers_left"], lang=lang)
        out.append(
            f"Tổng số thuê bao {tech} đã chuyển sang thuê bao 4G là {ratio} thuê bao đạt {pct}, "
            f"còn {left} thuê bao chưa chuyển đổi."
            if vi
            else f"{tech} subscribers moved to 4G: {ratio} ({pct}); {left} have not moved yet."
        )
    ratio = format_ratio(so["switched_off"], so["total"], lang=lang)
    pct = format_percent(so["pct"], lang=lang)
    out.append(
        f"Các doanh nghiệp viễn thông đã thực hiện việc tắt sóng {ratio} trạm {tech} (chiếm {pct})."
        if vi
        else f"Operators switched off {ratio} {tech} stations ({pct})."
    )

    bts = totals["bts"]
    approved = format_count(bts["approved"], lang=lang, pad=vi)
    on_air = format_count(bts["on_air"], lang=lang, pad=vi)
    out.append(
        f"Trong năm {year} đã chấp thuận {approved} vị trí xây dựng trạm BTS cho các doanh "
        f"nghiệp viễn thông; trong đó các doanh nghiệp đã tiến hành xây dựng và đi vào phát "
        f"sóng {on_air} trạm."
        if vi
        else f"In {year}, {approved} BTS locations were approved for the operators; "
        f"{on_air} of them have been built and are on air."
    )

    g5 = totals["sites_5g"]
    count = format_count(g5["total"], lang=lang, pad=vi)
    by_op = [
        (f"{op} có {format_count(n, lang=lang, pad=True)} trạm" if vi else f"{op} {n:,}")
        for op, n in g5["by_operator"].items()
    ]
    where = ""
    units_only = sites.drop(index=[c for c in (TOTAL, OUTSIDE) if c in sites.index])
    if g5["total"] and len(units_only):
        top = units_only["new"].idxmax()
        if units_only.at[top, "new"] * 2 > g5["total"]:
            name = _in_text(str(units_only.at[top, "name"]), lang)
            where = f", tập trung chủ yếu ở {name}" if vi else f", mostly in {name}"
    if not g5["total"]:
        out.append(f"Trong năm {year} chưa có trạm 5G mới." if vi else f"No new 5G site in {year}.")
    elif vi:
        out.append(
            f"Các doanh nghiệp viễn thông trong năm {year} đã phát triển được {count} trạm 5G "
            f"(trong đó {', '.join(by_op)}){where}."
        )
    else:
        out.append(f"In {year}, operators built {count} 5G sites ({', '.join(by_op)}){where}.")

    for entry in totals["cables"]:
        out.append(_cable_sentence(entry, lang))
    return out


def _cable_sentence(entry: Mapping[str, object], lang: str) -> str:
    vi = lang == "vi"
    ratio = format_ratio(entry["tidied_km"], entry["planned_km"], lang=lang, km=True)
    pct = format_percent(entry["pct"], lang=lang)
    plan = entry["plan"]
    has_plan = plan and not str(plan).startswith("(")
    if vi:
        goal = f"so với Kế hoạch {plan}" if has_plan else "so với tổng chiều dài cần chỉnh trang"
        what = {
            "with_messenger": "Chiều dài tuyến cáp đã có cáp dưỡng, vòng khuyên được chỉnh trang",
            "without_messenger": "Chiều dài tuyến cáp chưa có cáp dưỡng, vòng khuyên đã được "
            "chỉnh trang",
        }.get(str(entry["category"]), f"Chiều dài tuyến cáp ({entry['category']}) đã chỉnh trang")
        return f"{what} là {ratio} km, đạt {pct} {goal}."
    goal = f"of plan {plan}" if has_plan else "of the length to tidy"
    what = {
        "with_messenger": "Cable routes with messenger wire and rings tidied",
        "without_messenger": "Cable routes without messenger wire tidied",
    }.get(str(entry["category"]), f"Cable routes ({entry['category']}) tidied")
    return f"{what}: {ratio} km, {pct} {goal}."


# --------------------------------------------------------------------------- annual


def annual(
    layers: Mapping[str, pd.DataFrame],
    *,
    year: int = 2024,
    lang: str = "vi",
    units: gpd.GeoDataFrame | None = None,
    tech: str = "2G",
    plan: str | None = None,
) -> AnnualReport:
    """Compute the telecom figures of one year, per unit and for the province.

    The year runs from 1 January to 31 December inclusive. Switch-off,
    subscribers and cable tidying are cumulative up to 31 December (the plan
    runs over several years); BTS approvals and 5G sites are those of the
    year. Units are the ``districts`` layer as of 31 December (units merged
    during the year are reported as the unit they joined), unless ``units``
    is given.

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
        Units to report on (any level); default: ``districts`` as of
        31 December of ``year``.
    tech
        The technology being switched off.
    plan
        Only the cable routes of this plan; ``None``: every plan.

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
    tables = {
        "switch_off": switch_off_progress(layers, units=units, as_of=as_of, tech=tech),
        "sites_5g": rollout_5g(layers, units=units, as_of=as_of, since=since),
        "bts": bts_pipeline(layers, units=units, as_of=as_of, since=since),
        "cables": cable_progress(layers, units=units, as_of=as_of, plan=plan),
        "cable_timeline": cable_timeline(layers, as_of=as_of, plan=plan),
    }
    problems = list(dict.fromkeys(p for t in tables.values() for p in problems_of(t)))
    totals: dict[str, object] = {
        "year": int(year),
        "switch_off": _switch_off_figures(tables["switch_off"], TOTAL),
        "sites_5g": _sites_figures(tables["sites_5g"], TOTAL),
        "bts": _bts_figures(tables["bts"], TOTAL),
        "cables": _cable_figures(tables["cables"], TOTAL),
    }
    # Operators in the report's order of importance, then the rest.
    by_op = totals["sites_5g"]["by_operator"]
    totals["sites_5g"]["by_operator"] = dict(
        sorted(by_op.items(), key=lambda kv: (-kv[1], _operator_rank(kv[0])))
    )
    sentences = _sentences(totals, tables["sites_5g"], lang, int(year))
    return AnnualReport(
        year=int(year),
        lang=lang,
        since=since,
        as_of=as_of,
        totals=totals,
        tables=tables,
        sentences=sentences,
        problems=problems,
        source=str(getattr(layers, "source", "") or ""),
    )


def _operator_rank(operator: str) -> int:
    return OPERATORS.index(operator) if operator in OPERATORS else len(OPERATORS)
