"""Charts drawn from hand-made metric tables whose figures are known.

Each chart is checked by what it draws (bar lengths, line heights, labels,
titles) against numbers computed by hand here, not by the metric code.
"""

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import click
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Rectangle
from shapely.geometry import Point

from ict_gis import charts, io
from ict_gis.charts import (
    CHART_FONT,
    ChartError,
    cable_chart,
    chart,
    coverage_chart,
    figure_bytes,
    save_figure,
    switch_off_chart,
    timeline_chart,
)
from ict_gis.cli.plot_option import plot_option, write_plot
from ict_gis.errors import LayerReadError, LayerWriteError
from ict_gis.layerset import LayerSet
from ict_gis.metrics.progress import switch_off_timeline

AS_OF = pd.Timestamp("2024-12-31")
VIETNAMESE = ["Thành phố Nam Định", "Giao Thủy", "Hải Hậu"]


def bars(ax, colour=None):
    """Widths (horizontal bars) of the bar patches of an axes, in drawing order."""
    out = []
    for patch in ax.patches:
        if isinstance(patch, Rectangle) and (colour is None or patch.get_facecolor() == colour):
            out.append(patch.get_width())
    return out


def texts(fig):
    """Every text drawn on a figure (titles, labels, tick labels, annotations)."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


# --------------------------------------------------------------------------- tables


def switch_off_table(**extra):
    # A: 3 of 4 stations off = 75 %; B: 1 of 4 = 25 %; outside: 0 of 2;
    # total: 4 of 10 = 40 %.
    table = pd.DataFrame(
        {
            "name": ["Thành phố Nam Định", "Giao Thủy", "Outside every unit", "Total"],
            "stations": [4, 4, 2, 10],
            "switched_off": [3, 1, 0, 4],
            "remaining": [1, 3, 2, 6],
            "switched_off_pct": [75.0, 25.0, 0.0, 40.0],
            **extra,
        },
        index=pd.Index(["001", "002", "outside", "total"], name="code"),
    )
    table.attrs = {"as_of": AS_OF, "since": None, "tech": "2G", "metric": "switch_off"}
    return table


def cable_table():
    # Unit 001 has two plans: 1.0 + 2.0 = 3.0 km planned, 0.5 + 1.0 = 1.5 km tidied.
    index = pd.MultiIndex.from_tuples(
        [
            ("001", "with_messenger", "P1"),
            ("001", "with_messenger", "P2"),
            ("002", "with_messenger", "P1"),
            ("002", "with_messenger", "P2"),
            ("total", "with_messenger", "P1"),
            ("total", "with_messenger", "P2"),
        ],
        names=["code", "category", "plan"],
    )
    table = pd.DataFrame(
        {
            "name": ["Hải Hậu", "Hải Hậu", "Giao Thủy", "Giao Thủy", "Total", "Total"],
            "planned_km": [1.0, 2.0, 4.0, 0.0, 5.0, 2.0],
            "tidied_km": [0.5, 1.0, 1.0, 0.0, 1.5, 1.0],
            "underground_km": [0.0, 0.5, 0.0, 0.0, 0.0, 0.5],
        },
        index=index,
    )
    table.attrs = {"as_of": AS_OF, "since": None, "metric": "cables"}
    return table


def coverage_table():
    rows = []
    # (code, name, operator, covered %)
    for code, name, shares in (
        ("001", "Hải Hậu", {"any": 90.0, "all": 20.0, "Viettel": 80.0, "VNPT": 30.0}),
        ("002", "Giao Thủy", {"any": 50.0, "all": 10.0, "Viettel": 40.0, "VNPT": 20.0}),
        ("total", "Total", {"any": 60.0, "all": 12.0, "Viettel": 50.0, "VNPT": 22.0}),
    ):
        for op, pct in shares.items():
            rows.append(
                {"code": code, "name": name, "tech": "4G", "operator": op, "covered_pct": pct}
            )
    table = pd.DataFrame(rows).set_index("code")
    table["area_km2"] = 100.0
    table["covered_km2"] = table["covered_pct"]
    table.attrs = {"as_of": "2024-12-31", "tech": "4G", "model": "circle"}
    return table


# --------------------------------------------------------------------------- switch-off


def test_switch_off_chart_draws_each_units_share_and_the_province_line():
    fig = switch_off_chart(switch_off_table())
    (ax,) = fig.axes
    assert bars(ax) == [75.0, 25.0, 0.0]  # the total is not a bar
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Thành phố Nam Định",
        "Giao Thủy",
        "Ngoài các đơn vị hành chính",
    ]
    vertical = [ln for ln in ax.get_lines() if list(ln.get_xdata()) == [40.0, 40.0]]
    assert len(vertical) == 1
    assert ax.get_title(loc="left") == "Trạm 2G đã tắt sóng: 4/10 (40%)"
    assert fig.get_suptitle() == "Tắt sóng 2G theo đơn vị hành chính (đến ngày 31/12/2024)"
    drawn = texts(fig)
    assert "3/4 (75%)" in drawn and "1/4 (25%)" in drawn


def test_switch_off_chart_adds_a_subscriber_panel_when_there_are_figures():
    # A: 1,500 of 2,000 moved = 75.0 %; B: 999 of 1,000 = 99.9 %.
    table = switch_off_table(
        subscribers=[2000, 1000, pd.NA, 3000],
        migrated=[1500, 999, pd.NA, 2499],
        migrated_pct=[75.0, 99.9, np.nan, 83.3],
    )
    fig = switch_off_chart(table, lang="en")
    assert len(fig.axes) == 2
    assert bars(fig.axes[1]) == [75.0, 99.9, 0.0]
    assert fig.axes[1].get_title(loc="left") == "2G subscribers moved to 4G: 2,499/3,000 (83.3%)"
    drawn = texts(fig)
    assert "1,500/2,000 (75.0%)" in drawn
    assert "No data" in drawn  # the outside row has no subscriber figures


def test_switch_off_chart_without_subscriber_figures_has_one_panel():
    table = switch_off_table(migrated_pct=[np.nan] * 4)
    assert len(switch_off_chart(table).axes) == 1


def test_switch_off_chart_by_operator_uses_operator_names_and_colours():
    table = switch_off_table()
    table.index = pd.Index(["Viettel", "VNPT", "MobiFone", "total"], name="operator")
    table = table.drop(columns="name")
    fig = switch_off_chart(table, lang="en")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Viettel", "VNPT", "MobiFone"]
    colours = [charts.OPERATOR_COLOURS[o] for o in ("Viettel", "VNPT", "MobiFone")]
    from matplotlib.colors import to_rgba

    assert [p.get_facecolor() for p in ax.patches] == [to_rgba(c) for c in colours]
    assert fig.get_suptitle().startswith("2G switch-off by operator")


def test_switch_off_chart_refuses_another_table():
    with pytest.raises(ChartError, match="switched_off_pct"):
        switch_off_chart(cable_table())
    with pytest.raises(ChartError, match="language"):
        switch_off_chart(switch_off_table(), lang="fr")


# --------------------------------------------------------------------------- cables


def test_cable_chart_adds_up_the_plans_of_each_unit():
    fig = cable_chart(cable_table())
    (ax,) = fig.axes
    grey = bars(ax, colour=(217 / 255, 217 / 255, 217 / 255, 1.0))
    assert grey == pytest.approx([3.0, 4.0])
    green = bars(ax, colour=(49 / 255, 163 / 255, 84 / 255, 1.0))
    assert green == pytest.approx([1.5, 1.0])
    # underground is stacked after the tidied km: starts at 1.5 for unit 001
    purple = [p for p in ax.patches if p.get_facecolor()[:3] == (63 / 255, 0.0, 125 / 255)]
    assert [(p.get_x(), p.get_width()) for p in purple] == [(1.5, 0.5), (1.0, 0.0)]
    # province: 2.5 of 7 km tidied = 35.7 %, written cut as 35%
    assert ax.get_title(loc="left") == "Có cáp dưỡng, vòng khuyên: 2,5/7 km (35%)"
    assert "1,5/3" in texts(fig)


def test_cable_chart_needs_the_category_level():
    flat = cable_table().reset_index(level=["category", "plan"])
    with pytest.raises(ChartError, match="category"):
        cable_chart(flat)


# --------------------------------------------------------------------------- timelines


def test_timeline_chart_draws_cumulative_cable_km():
    timeline = pd.DataFrame(
        {
            "with_messenger_km": [1.0, 0.0, 2.0],
            "with_messenger_cumulative_km": [1.0, 1.0, 3.0],
            "total_km": [1.5, 0.0, 2.0],
            "total_cumulative_km": [1.5, 1.5, 3.5],
        },
        index=pd.Index(["2024-01", "2024-02", "2024-03"], name="month"),
    )
    timeline.attrs = {
        "as_of": pd.Timestamp("2024-03-31"),
        "since": None,
        "metric": "cable_timeline",
    }
    fig = chart(timeline, lang="en")
    ax = fig.axes[0]
    lines = {ln.get_label(): list(ln.get_ydata()) for ln in ax.get_lines()}
    assert lines == {"With messenger wire": [1.0, 1.0, 3.0], "Total": [1.5, 1.5, 3.5]}
    assert [p.get_height() for p in ax.patches] == [1.5, 0.0, 2.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024-01", "2024-02", "2024-03"]
    assert "3.5 km" in texts(fig)
    vi = timeline_chart(timeline)
    assert [t.get_text() for t in vi.axes[0].get_xticklabels()] == ["01/2024", "02/2024", "03/2024"]


def test_timeline_chart_refuses_a_table_without_cumulative_columns():
    with pytest.raises(ChartError, match="cable_timeline"):
        timeline_chart(switch_off_table())


def station_layers():
    """Four stations and two 2G switch-offs, dates chosen for hand counting."""
    stations = gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S2", "S3", "S4"],
            "operator": ["Viettel", "VNPT", "Viettel", "Viettel"],
            "technologies": ["2G,4G", "2G", "4G", "2G,4G"],
            "height_m": [30.0] * 4,
            "status": ["on_air"] * 4,
            "approved_date": ["2022-01-01"] * 4,
            "on_air_date": ["2023-01-01", "2023-01-01", "2023-01-01", "2024-02-15"],
        },
        geometry=[Point(106.2 + i / 100, 20.3) for i in range(4)],
        crs="EPSG:4326",
    )
    shutdowns = gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S2"],
            "operator": ["Viettel", "VNPT"],
            "switch_off_date": ["2024-01-10", "2024-03-31"],
        },
        geometry=[Point(106.2, 20.3), Point(106.21, 20.3)],
        crs="EPSG:4326",
    )
    return LayerSet.from_frames({"bts_stations": stations, "shutdowns_2g": shutdowns})


def test_switch_off_timeline_counts_by_hand():
    layers = station_layers()
    timeline = switch_off_timeline(layers, since="2024-01-01", as_of="2024-03-15")
    assert list(timeline.index) == ["2024-01", "2024-02", "2024-03"]
    # S1 (Viettel) off on 10 Jan; S2 (VNPT) only on 31 Mar, after as_of.
    assert timeline["Viettel"].tolist() == [1, 1, 1]
    assert timeline["VNPT"].tolist() == [0, 0, 0]
    assert timeline["total"].tolist() == [1, 1, 1]
    assert timeline["in_month"].tolist() == [1, 0, 0]
    # 2G stations: S1, S2; S4 comes on air on 15 Feb; S3 has no 2G.
    assert timeline["stations"].tolist() == [2, 3, 3]
    assert timeline["switched_off_pct"].tolist() == pytest.approx([50.0, 100 / 3, 100 / 3])
    fig = chart(timeline)
    lines = {ln.get_label(): list(ln.get_ydata()) for ln in fig.axes[0].get_lines()}
    assert lines["Tổng cộng"] == [1, 1, 1]
    assert lines["Viettel"] == [1, 1, 1]


def test_switch_off_timeline_counts_earlier_switch_offs_but_not_in_the_month():
    timeline = switch_off_timeline(station_layers(), since="2024-02-01", as_of="2024-04-30")
    assert list(timeline.index) == ["2024-02", "2024-03", "2024-04"]
    assert timeline["total"].tolist() == [1, 2, 2]
    assert timeline["in_month"].tolist() == [0, 1, 0]


def test_switch_off_timeline_defaults_to_the_months_with_switch_offs():
    timeline = switch_off_timeline(station_layers())
    assert list(timeline.index) == ["2024-01", "2024-02", "2024-03"]
    assert timeline["total"].tolist() == [1, 1, 2]


# --------------------------------------------------------------------------- coverage


def test_coverage_chart_draws_any_operators_and_all():
    fig = coverage_chart(coverage_table())
    (ax,) = [a for a in fig.axes if a.get_visible()]
    any_bars = bars(ax, colour=(0xE3 / 255, 0xE3 / 255, 0xE3 / 255, 1.0))
    assert any_bars == [90.0, 50.0]
    viettel = bars(ax, colour=(0xD6 / 255, 0x27 / 255, 0x28 / 255, 1.0))
    assert viettel == [80.0, 40.0]
    vnpt = bars(ax, colour=(0x1F / 255, 0x77 / 255, 0xB4 / 255, 1.0))
    assert vnpt == [30.0, 20.0]
    (ticks,) = [ln for ln in ax.get_lines() if ln.get_marker() == "|"]
    assert list(ticks.get_xdata()) == [20.0, 10.0]
    assert ax.get_title(loc="left") == "4G, toàn tỉnh: 60% (ít nhất một doanh nghiệp)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Hải Hậu", "Giao Thủy"]


def test_coverage_chart_for_the_province_uses_the_total_rows():
    fig = coverage_chart(coverage_table(), by="province", lang="en")
    ax = fig.axes[0]
    heights = sorted(p.get_height() for p in ax.patches)
    assert heights == [22.0, 50.0, 60.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["4G"]


def test_coverage_chart_options_are_checked():
    with pytest.raises(ChartError, match="population"):
        coverage_chart(coverage_table(), share="population")
    with pytest.raises(ChartError, match="by="):
        coverage_chart(coverage_table(), by="operator")
    with pytest.raises(ChartError, match="coverage"):
        coverage_chart(switch_off_table())


def test_tables_with_nothing_to_draw_still_make_a_figure():
    only_total = switch_off_table().loc[["total"]]
    assert bars(switch_off_chart(only_total).axes[0]) == []
    empty = pd.DataFrame(columns=["total_km", "total_cumulative_km"], dtype=float)
    empty.attrs = {"metric": "cable_timeline"}
    fig = chart(empty)
    assert fig.axes[0].get_lines()[0].get_ydata().tolist() == []
    figure_bytes(fig)  # no warning (they are errors here)


def test_chart_picks_the_chart_of_the_metric():
    assert len(chart(switch_off_table()).axes) == 1
    assert chart(coverage_table()).get_suptitle().startswith("Vùng phủ sóng")
    unknown = switch_off_table()
    unknown.attrs = {}
    with pytest.raises(ChartError, match="No chart"):
        chart(unknown)


# --------------------------------------------------------------------------- fonts and output


def test_vietnamese_labels_render_with_dejavu_sans_and_no_missing_glyph():
    table = switch_off_table()
    table["name"] = [*VIETNAMESE, "Total"]
    table.index = pd.Index(["001", "002", "003", "total"], name="code")
    fig = switch_off_chart(table)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure_bytes(fig)
    assert [str(w.message) for w in caught] == []
    labels = fig.axes[0].get_yticklabels()
    assert [t.get_text() for t in labels] == VIETNAMESE
    path = font_manager.findfont(labels[0].get_fontproperties(), fallback_to_default=False)
    assert Path(path).name == "DejaVuSans.ttf"
    cmap = TTFont(path).getBestCmap()
    drawn = "".join(texts(fig))
    assert [c for c in drawn if ord(c) not in cmap] == []


def test_a_missing_glyph_would_be_caught():
    # The check above can fail: a character DejaVu Sans lacks warns.
    table = switch_off_table()
    table["name"] = ["中文", "B", "C", "Total"]
    fig = switch_off_chart(table)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure_bytes(fig)
    assert any("missing from font" in str(w.message) for w in caught)


def test_figures_have_their_own_agg_canvas_and_need_no_pyplot(tmp_path):
    code = textwrap.dedent(
        f"""
        import sys
        import pandas as pd
        from ict_gis.charts import save_figure, switch_off_chart
        table = pd.DataFrame({{"stations": [2, 2], "switched_off": [1, 1],
                              "switched_off_pct": [50.0, 50.0]}}, index=["A", "total"])
        save_figure(switch_off_chart(table), {str(tmp_path / "out.png")!r})
        assert "matplotlib.pyplot" not in sys.modules
        """
    )
    env = {**os.environ, "MPLBACKEND": "TkAgg"}  # an interactive backend, and no display
    env.pop("DISPLAY", None)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert (tmp_path / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert isinstance(switch_off_chart(switch_off_table()).canvas, FigureCanvasAgg)


def test_figures_show_inline_in_jupyter_as_png():
    assert switch_off_chart(switch_off_table())._repr_png_()[:4] == b"\x89PNG"


def test_save_figure_writes_the_format_of_the_suffix(tmp_path):
    fig = switch_off_chart(switch_off_table())
    assert save_figure(fig, tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in save_figure(fig, tmp_path / "a.svg").read_bytes()[:500]
    assert save_figure(fig, tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
    with pytest.raises(ChartError, match=".png"):
        save_figure(fig, tmp_path / "a.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "a.png", "a.svg"]


def test_save_figure_never_overwrites_an_input(tmp_path):
    source = tmp_path / "input.png"
    source.write_bytes(b"not a chart")
    with pytest.raises(LayerReadError):  # not a layer, but read as an input...
        io.read_layer(source)
    with pytest.raises(LayerWriteError, match="input"):  # ...but it was read as an input
        save_figure(switch_off_chart(switch_off_table()), source)
    assert source.read_bytes() == b"not a chart"
    with pytest.raises(LayerWriteError, match="folder"):
        save_figure(switch_off_chart(switch_off_table()), tmp_path / "no" / "a.png")


def test_chart_font_is_dejavu_sans():
    assert CHART_FONT == "DejaVu Sans"


# --------------------------------------------------------------------------- --plot


@click.command()
@plot_option
def _plotting(plot):
    write_plot(switch_off_table(), plot, lang="en")
    click.echo("table")


def test_plot_option_writes_the_chart(tmp_path):
    out = tmp_path / "chart.png"
    result = CliRunner().invoke(_plotting, ["--plot", str(out)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == "table\n"
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert f"Wrote {out}" in result.stderr


def test_plot_option_refuses_other_suffixes_before_computing(tmp_path):
    result = CliRunner().invoke(_plotting, ["--plot", str(tmp_path / "chart.xlsx")])
    assert result.exit_code == 2
    assert ".png" in result.stderr
    assert not (tmp_path / "chart.xlsx").exists()


def test_plot_write_errors_become_one_cli_error(tmp_path):
    from ict_gis.cli.main import cli

    chart_path = tmp_path / "no" / "chart.png"
    result = CliRunner().invoke(cli, ["progress", "switch-off", "--plot", str(chart_path)])
    assert result.exit_code == 1
    assert "folder does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_plot_nothing_is_drawn():
    result = CliRunner().invoke(_plotting, [], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Wrote" not in result.stderr


# ------------------------------------------------------------------- ict-gis progress --plot


@pytest.fixture
def drawn(monkeypatch):
    """Record the figures the command line writes (and write them)."""
    figures = []
    real = charts.save_figure

    def record(figure, path, **kwargs):
        figures.append(figure)
        return real(figure, path, **kwargs)

    monkeypatch.setattr(charts, "save_figure", record)
    return figures


def test_progress_switch_off_plot(tmp_path, drawn):
    from ict_gis.cli.main import cli

    out = tmp_path / "switch_off.png"
    args = ["progress", "switch-off", "--as-of", "2024-12-31", "--format", "csv"]
    result = CliRunner().invoke(cli, [*args, "--plot", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("code,")  # the table still goes to stdout
    assert out.read_bytes()[:4] == b"\x89PNG"
    (fig,) = drawn
    # the 2024 report: 161 of 788 2G stations switched off (20 %)
    assert fig.axes[0].get_title(loc="left") == "Trạm 2G đã tắt sóng: 161/788 (20%)"


@pytest.mark.parametrize(
    ("args", "suptitle"),
    [
        (["5g", "--since", "2024-01-01", "--as-of", "2024-12-31"], "New 5G sites"),
        (["bts", "--as-of", "2024-12-31"], "BTS locations approved"),
        (["cables", "--as-of", "2024-12-31"], "Telecom cable tidying"),
        (["cables", "--timeline", "--as-of", "2024-12-31"], "Telecom cable tidied, cumulative"),
        (["switch-off", "--by", "operator"], "2G switch-off by operator"),
    ],
)
def test_every_progress_table_can_be_plotted(tmp_path, drawn, args, suptitle):
    from ict_gis.cli.main import cli

    out = tmp_path / "chart.svg"
    result = CliRunner().invoke(
        cli,
        ["progress", *args, "--lang", "en", "--format", "csv", "--plot", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert b"<svg" in out.read_bytes()[:500]
    assert drawn[0].get_suptitle().startswith(suptitle)


def test_coverage_plot(tmp_path, drawn):
    from ict_gis.cli.main import cli
    from ict_gis.layerset import bundled_layers
    from ict_gis.metrics.coverage import coverage

    out = tmp_path / "coverage.png"
    args = ["coverage", "--tech", "4G", "--operator", "any", "--as-of", "2024-12-31"]
    result = CliRunner().invoke(
        cli, [*args, "--format", "csv", "--plot", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    # the chart shows the table the command printed
    table = coverage(bundled_layers(), tech="4G", operator="any", as_of="2024-12-31")
    share = int(table.loc["total", "covered_pct"])  # cut, as the chart writes it
    (fig,) = drawn
    (ax,) = [a for a in fig.axes if a.get_visible()]
    assert ax.get_title(loc="left") == f"4G, toàn tỉnh: {share}% (ít nhất một doanh nghiệp)"
