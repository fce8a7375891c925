"""``ict-gis report``: the telecom section of the annual report, from the layers."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ict_gis.cli.options import (
    emit,
    format_option,
    lang_option,
    layers_argument,
    level_option,
    load_valid_layers,
    output_option,
    refuse_binary_on_terminal,
    report_problems,
    units_option,
)


@click.command("report")
@layers_argument
@click.option(
    "--year",
    type=click.IntRange(1990, 2100),
    default=2024,
    show_default=True,
    help="The year reported (1 January to 31 December).",
)
@lang_option("the text, headers and numbers")
@level_option
@units_option
@format_option("text", "md", "json", "xlsx")
@output_option
@click.pass_context
def command(
    ctx: click.Context,
    layers: Path | None,
    year: int,
    lang: str,
    level: str | None,
    units: object,
    fmt: str,
    output: Path | None,
) -> None:
    """Print the annual report's telecom figures: sentences and one table per metric.

    For the year: 2G stations switched off and subscribers moved to 4G, BTS
    locations approved and on air, new 5G sites per operator, cable routes
    tidied against the plan, per administrative unit and for the province,
    written as the provincial report writes them (Vietnamese by default;
    percentages cut, not rounded). JSON carries the exact values; XLSX has
    one sheet per table (use -o FILE.xlsx).

    A last line per plan says when it will be done at the pace of the year
    (the 12 months to 31 December, as `ict-gis progress switch-off --forecast
    12`): the switch-off (stations and subscribers) and each cable plan,
    against its end date (49/KH-UBND: 31/12/2025). The source line names the
    layer set (the bundled layers: Nam Định 2024).

    A layer set without some layers gets the parts its layers allow; each
    part left out is named, with the layer it needs.

    \b
    Examples:
      ict-gis report --year 2024
      ict-gis report --year 2024 --lang en --format md
      ict-gis report --year 2024 --format xlsx -o report-2024.xlsx
      ict-gis report --year 2024 --units communes-2025
    """
    from ict_gis.render.report import report_markdown, report_text, report_xlsx
    from ict_gis.report import annual
    from ict_gis.units import unit_frame

    refuse_binary_on_terminal(fmt, output)
    layer_set = load_valid_layers(layers)
    if units is not None:
        if level is not None:
            from ict_gis.crosswalk import report_units

            units = report_units(layer_set, units, as_of=f"{year}-12-31", level=level)
    elif level is not None:
        units = unit_frame(layer_set, as_of=f"{year}-12-31", level=level)
    # A partial layer set: the parts its layers allow; the others are named.
    report = annual(layer_set, year=year, lang=lang, units=units, partial=True)
    if fmt != "text":  # the text output lists them itself
        report_problems(report.problems, quiet=bool((ctx.obj or {}).get("quiet")))
    if fmt == "json":
        data: str | bytes = (
            json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
        )
    elif fmt == "md":
        data = report_markdown(report)
    elif fmt == "xlsx":
        data = report_xlsx(report)
    else:
        data = report_text(report)
    emit(data, output)
