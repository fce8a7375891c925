"""The annual report written out: plain text, Markdown and XLSX.

:func:`ict_gis.report.annual` computes the figures and the sentences; the
functions here lay them out, with the tables written by
:mod:`ict_gis.render.tables`.

Examples
--------
>>> from ict_gis.layerset import bundled_layers
>>> from ict_gis.report import annual
>>> text = report_text(annual(bundled_layers(), year=2024, lang="en"))
>>> text.splitlines()[0]
'Telecom infrastructure in 2024'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import pandas as pd

from ict_gis.render.tables import render_tables
from ict_gis.texts import text

__all__ = ["AnnualFigures", "report_markdown", "report_text", "report_xlsx"]


class AnnualFigures(Protocol):
    """What the writers need of a report (:class:`ict_gis.report.AnnualReport` has it).

    ``render`` and ``report`` are siblings on the data flow, so this module
    does not import :mod:`ict_gis.report`; it takes any object like this.
    """

    lang: str
    sentences: Sequence[str]
    problems: Sequence[object]

    def title(self) -> str:
        """Return the report's title."""

    def subtitle(self) -> str:
        """Return the line under the title."""

    def titled_tables(self) -> dict[str, pd.DataFrame]:
        """Return the tables keyed by their titles."""


def _md(words: object) -> str:
    """Keep text inert in Markdown that may become HTML."""
    return str(words).replace("<", "&lt;").replace(">", "&gt;")


def report_text(report: AnnualFigures) -> str:
    """Return the report as plain text: title, sentences, tables, problems.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> from ict_gis.report import annual
    >>> report_text(annual(bundled_layers(), year=2024)).splitlines()[5]
    '- Các doanh nghiệp viễn thông đã thực hiện việc tắt sóng 161/788 trạm 2G (chiếm 20%).'
    """
    title = report.title()
    lines = [title, "=" * len(title), report.subtitle(), ""]
    lines += [f"- {s}" for s in report.sentences]
    lines.append("")
    out = "\n".join(lines) + "\n"
    out += render_tables(report.titled_tables(), "table", lang=report.lang)
    if report.problems:
        head = text("report_notes", report.lang)
        out += f"\n{head}:\n" + "\n".join(f"  {p}" for p in report.problems) + "\n"
    return out


def report_markdown(report: AnnualFigures) -> str:
    """Return the report as Markdown: title, sentences, one table per metric.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> from ict_gis.report import annual
    >>> report_markdown(annual(bundled_layers(), year=2024, lang="en")).splitlines()[0]
    '# Telecom infrastructure in 2024'
    """
    lines = [f"# {report.title()}", "", f"_{_md(report.subtitle())}_", ""]
    lines += [f"- {_md(s)}" for s in report.sentences]
    lines.append("")
    out = "\n".join(lines) + "\n"
    out += render_tables(report.titled_tables(), "md", lang=report.lang)
    if report.problems:
        head = text("report_notes", report.lang)
        out += f"\n**{head}**\n\n" + "\n".join(f"- {_md(p)}" for p in report.problems)
        out += "\n"
    return out


def report_xlsx(report: AnnualFigures) -> bytes:
    """Return an XLSX workbook: a summary sheet with the sentences, one sheet per table.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> from ict_gis.report import annual
    >>> report_xlsx(annual(bundled_layers(), year=2024))[:2]
    b'PK'
    """
    sheet, column = text("report_summary", report.lang), text("report_statement", report.lang)
    summary = pd.DataFrame({"text": [report.title(), report.subtitle(), *report.sentences]})
    frames = {sheet: summary, **report.titled_tables()}
    data = render_tables(frames, "xlsx", lang=report.lang, labels={"text": column})
    if not isinstance(data, bytes):  # pragma: no cover - render_tables returns bytes for xlsx
        raise TypeError("render_tables did not return bytes for xlsx")
    return data
