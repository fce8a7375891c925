"""The metric registry: the 3G switch-off through it, and a toy metric that shows up everywhere.

The fixture is hand-made: two 10 km x 10 km squares (A: code 101, B: 102),
five stations and their switch-offs, so that every figure below is counted by
hand.

Stations (technologies, on air since 2011):

* A1 ``2G,3G,4G``, A2 ``3G,4G``, A3 ``3G`` (height 45 m), all in A;
* B1 ``3G,4G`` (height 45 m), B2 ``2G,4G`` in B.

3G switch-offs: A1 on 2024-03-01, B1 on 2025-02-01. 2G switch-offs: A1 on
2024-06-01.

So as of 2024-12-31: A has 3 stations with 3G, 1 switched off (33.3 %); B
has 1, none switched off (0 %); the province 4, 1 switched off (25 %). With
no day given, B1 is switched off too: 2 of 4 (50 %). 2G: A1 and B2, 1 of 2
switched off (50 %).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString, Point, box

from ict_gis import io
from ict_gis.charts import chart
from ict_gis.cli.main import cli
from ict_gis.errors import ProgressError
from ict_gis.layerset import LayerSet, bundled_layers
from ict_gis.maps import map_payload
from ict_gis.metrics import registry
from ict_gis.metrics.progress import switch_off_progress
from ict_gis.metrics.registry import Column, MapView, Metric, Option, Popup, PopupRow
from ict_gis.render.tables import render_table
from ict_gis.report import annual

DATA_RE = re.compile(r'<script type="application/json" id="[^"]+">(.*?)</script>', re.S)


def _gdf(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _frames() -> dict[str, gpd.GeoDataFrame]:
    units = _gdf(
        [
            {
                "code": "101",
                "name": "Xã An",
                "level": "commune",
                "geometry": box(106.0, 20.0, 106.1, 20.1),
            },
            {
                "code": "102",
                "name": "Xã Bình",
                "level": "commune",
                "geometry": box(106.1, 20.0, 106.2, 20.1),
            },
        ]
    )

    def station(site: str, x: float, tech: str, height: float = 30.0) -> dict:
        return {
            "site_id": site,
            "operator": "Viettel" if site in ("A1", "B1") else "VNPT",
            "technologies": tech,
            "height_m": height,
            "status": "on_air",
            "approved_date": "2010-01-01",
            "on_air_date": "2011-01-01",
            "geometry": Point(x, 20.05),
        }

    bts = _gdf(
        [
            station("A1", 106.02, "2G,3G,4G"),
            station("A2", 106.04, "3G,4G"),
            station("A3", 106.06, "3G", height=45.0),
            station("B1", 106.15, "3G,4G", height=45.0),
            station("B2", 106.17, "2G,4G"),
        ]
    )

    def off(site: str, x: float, day: str) -> dict:
        return {
            "site_id": site,
            "operator": "Viettel",
            "switch_off_date": day,
            "geometry": Point(x, 20.05),
        }

    return {
        "districts": units,
        "bts_stations": bts,
        "shutdowns_2g": _gdf([off("A1", 106.02, "2024-06-01")]),
        "shutdowns_3g": _gdf([off("A1", 106.02, "2024-03-01"), off("B1", 106.15, "2025-02-01")]),
        "sites_5g": _gdf(
            [
                {
                    "site_id": "A2",
                    "operator": "VNPT",
                    "band_mhz": 2600.0,
                    "on_air_date": "2024-06-01",
                    "geometry": Point(106.04, 20.05),
                }
            ]
        ),
        "cable_routes": _gdf(
            [
                {
                    "route_id": "R1",
                    "street": "Phố Hàng",
                    "category": "with_messenger",
                    "plan": "49/KH-UBND",
                    "status": "tidied",
                    "done_date": "2024-04-02",
                    "operators": "Viettel",
                    "geometry": LineString([(106.01, 20.03), (106.02, 20.03)]),
                }
            ]
        ),
    }


@pytest.fixture(scope="module")
def layers() -> LayerSet:
    layer_set = LayerSet.from_frames(_frames(), source="three_g")
    assert [p for p in layer_set.problems if p.severity == "error"] == []
    return layer_set


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "layers"
    out.mkdir()
    for kind, frame in _frames().items():
        io.write_layers({kind: frame}, out / f"{kind}.geojson")
    return out


def _payload(html: str) -> dict:
    return json.loads(DATA_RE.search(html).group(1))


# --------------------------------------------------------------------------- 3G switch-off


def test_3g_switch_off_per_unit(layers):
    table = switch_off_progress(layers, tech="3G", as_of="2024-12-31")
    assert table.loc["101", ["stations", "switched_off", "remaining"]].tolist() == [3, 1, 2]
    assert table.loc["102", ["stations", "switched_off", "remaining"]].tolist() == [1, 0, 1]
    assert table.loc["total", ["stations", "switched_off"]].tolist() == [4, 1]
    assert table.at["101", "switched_off_pct"] == pytest.approx(100 / 3)
    assert table.at["total", "switched_off_pct"] == pytest.approx(25.0)
    assert table["subscribers"].isna().all()  # the subscriber table holds 2G only
    assert table.attrs["tech"] == "3G" and table.attrs["metric"] == "switch_off"
    everything = switch_off_progress(layers, tech="3G")
    assert everything.loc["total", ["stations", "switched_off"]].tolist() == [4, 2]
    # 2G is unchanged by the 3G layer.
    two = switch_off_progress(layers, tech="2G", as_of="2024-12-31")
    assert two.loc["total", ["stations", "switched_off"]].tolist() == [2, 1]


def test_3g_switch_off_needs_its_layer(layers):
    without = LayerSet({k: v for k, v in layers.items() if k != "shutdowns_3g"}, source="x")
    with pytest.raises(ProgressError, match="shutdowns_3g"):
        switch_off_progress(without, tech="3G")
    assert registry.get("switch_off").needs(tech="3G") == ("bts_stations", "shutdowns_3g")


def test_cli_progress_switch_off_3g(folder):
    args = ["progress", "switch-off", str(folder), "--tech", "3G", "--as-of", "2024-12-31"]
    result = CliRunner().invoke(cli, [*args, "--lang", "en", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {line.split(",")[0]: line.split(",") for line in result.output.splitlines()}
    header = rows["code"]
    total = dict(zip(header, rows["total"], strict=True))
    assert (total["stations"], total["switched_off"], total["switched_off_pct"]) == (
        "4",
        "1",
        "25.0",
    )
    result = CliRunner().invoke(cli, [*args, "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3G switch-off (as of 2024-12-31)")
    assert "3G stations" in result.output


def test_cli_progress_switch_off_3g_plot(folder, tmp_path):
    out = tmp_path / "so3g.png"
    args = ["progress", "switch-off", str(folder), "--tech", "3G", "--plot", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_3g_chart(layers):
    fig = chart(switch_off_progress(layers, tech="3G", as_of="2024-12-31"), lang="en")
    assert fig.get_suptitle() == "3G switch-off by administrative unit (as of 2024-12-31)"
    assert "1/4" in fig.axes[0].get_title(loc="left")


def test_3g_map_metric(layers):
    data = map_payload(layers, metric="switch_off_3g", as_of="2024-12-31", lang="en")
    assert data["choropleth"]["title"] == "Share of 3G stations switched off"
    a = next(f["properties"] for f in data["units"]["features"] if f["properties"]["code"] == "101")
    b = next(f["properties"] for f in data["units"]["features"] if f["properties"]["code"] == "102")
    assert (a["c"], a["value"]) == (1, "33%")  # 33.3 % -> class 20-40 %
    assert (b["c"], b["value"]) == (0, "0%")
    sections = dict((title, dict(rows)) for title, rows in a["sections"])
    assert sections["3G switch-off"] == {
        "Stations with 3G": "3",
        "Switched off": "1 (33%)",
        "Still on air": "2",
    }
    assert sections["2G switch-off"]["Stations with 2G"] == "1"
    assert "Province: 25%" in data["choropleth"]["legend"]
    # Without shutdowns_2g, the first metric these layers allow is the 3G switch-off.
    no_2g = LayerSet({k: v for k, v in layers.items() if k != "shutdowns_2g"}, source="x")
    assert (
        map_payload(no_2g, lang="en")["choropleth"]["title"] == "Share of 3G stations switched off"
    )


def test_3g_report_lines(layers):
    report = annual(layers, year=2024, lang="en")
    assert "Operators switched off 1/2 2G stations (50%)." in report.sentences
    assert "Operators switched off 1/4 3G stations (25%)." in report.sentences
    three = report.totals["switch_off_3g"]
    assert (three["tech"], three["switched_off"], three["total"]) == ("3G", 1, 4)
    assert three["subscribers_total"] is None
    assert report.titles["switch_off_3g"] == "3G switch-off"
    units = {u["code"]: u for u in report.to_json_dict()["units"]}
    assert units["101"]["switch_off_3g"]["switched_off"] == 1
    vi = annual(layers, year=2024)
    assert "Các doanh nghiệp viễn thông đã thực hiện việc tắt sóng 1/4 trạm 3G (chiếm 25%)." in (
        vi.sentences
    )


def test_bundled_2g_figures_do_not_move():
    report = annual(bundled_layers(), year=2024)
    so = report.totals["switch_off"]
    assert (so["switched_off"], so["total"]) == (161, 788)
    assert (so["subscribers_migrated"], so["subscribers_total"]) == (152954, 158699)
    assert "switch_off_3g" not in report.tables  # no shutdowns_3g layer in the bundled set
    assert report.totals["sites_5g"]["total"] == 35
    assert (report.totals["bts"]["approved"], report.totals["bts"]["on_air"]) == (146, 52)


# --------------------------------------------------------------------------- a toy metric


def _tall_masts(layers, *, units=None, as_of=None, min_height: str = "40") -> pd.DataFrame:
    """Stations at least ``min_height`` m tall per unit, by x of the point (toy, no ict_gis)."""
    bts = layers["bts_stations"]
    tall = bts[bts["height_m"] >= float(min_height)]
    code = ["101" if p.x < 106.1 else "102" for p in tall.geometry]
    counts = pd.Series(code, dtype=object).value_counts()
    frame = pd.DataFrame(
        {
            "name": ["Xã An", "Xã Bình", "Total"],
            "tall": [int(counts.get("101", 0)), int(counts.get("102", 0)), len(tall)],
        },
        index=pd.Index(["101", "102", "total"], name="code", dtype=object),
    )
    frame.attrs = {"metric": "toy_tall", "as_of": None, "since": None}
    return frame


@pytest.fixture()
def toy():
    metric = registry.register(
        Metric(
            name="toy_tall",
            function=_tall_masts,
            layers=lambda **_: ("bts_stations",),
            columns={"name": Column("text"), "tall": Column("count", ("Cột cao", "Tall masts"))},
            title=("Cột cao", "Tall masts"),
            help="Tall masts per unit (a toy metric of the tests).",
            command="toy-tall",
            options=(Option("min_height", "Least height in metres.", default="40"),),
            chart="bars",
            maps=(MapView("toy_tall", "tall", "count", ("Số cột cao", "Number of tall masts")),),
            popups=(Popup(("Cột cao", "Tall masts"), (PopupRow(("Số cột", "Masts"), "tall"),)),),
        )
    )
    yield metric
    registry.unregister("toy_tall")
    assert "toy_tall" not in registry.map_views()


def test_a_toy_metric_shows_up_in_the_cli(toy, folder):
    help_text = CliRunner().invoke(cli, ["progress", "--help"]).output
    assert "toy-tall" in help_text
    args = ["progress", "toy-tall", str(folder), "--lang", "en", "--min-height", "40"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Tall masts\n")
    assert "Tall masts" in result.output.splitlines()[2]  # the column header
    total = next(line for line in result.output.splitlines() if line.startswith("total"))
    assert total.split()[-1] == "2"  # A3 and B1 are 45 m tall


def test_a_toy_metric_shows_up_in_the_table_chart_and_map(toy, layers):
    table = _tall_masts(layers)
    assert "| Code | Administrative unit | Tall masts |" in render_table(table, "md", lang="en")
    assert "Cột cao" in render_table(table, "table", lang="vi")
    fig = chart(table, lang="en")
    assert fig.get_suptitle() == "Tall masts"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["Tall masts"]
    data = map_payload(layers, metric="toy_tall", lang="en")
    assert data["choropleth"]["title"] == "Number of tall masts"
    a = next(f["properties"] for f in data["units"]["features"] if f["properties"]["code"] == "101")
    sections = dict((title, dict(rows)) for title, rows in a["sections"])
    assert sections["Tall masts"] == {"Masts": "1"}


def test_registering_twice_is_refused(toy):
    with pytest.raises(ProgressError, match="registered already"):
        registry.register(toy)
    with pytest.raises(ProgressError, match="No metric named"):
        registry.get("nothing_here")


def test_map_views_follow_the_registry_and_the_layers():
    views = list(registry.map_views())
    assert views[:3] == ["switch_off_2g", "migration_2g", "switch_off_3g"]
    assert views.index("switch_off_3g") < views.index("sites_5g") < views.index("bts")
    have = {"districts", "bts_stations", "shutdowns_3g"}
    assert registry.available_map_views(dict.fromkeys(have))[:2] == ["switch_off_3g", "bts"]
    assert registry.available_map_views({"districts": None}) == []
    help_text = CliRunner().invoke(cli, ["map", "--help"]).output
    assert "switch_off_3g" in help_text


def test_a_second_metric_cannot_take_a_subcommand_or_view(toy):
    clash = Metric(
        name="other",
        function=_tall_masts,
        layers=lambda **_: ("bts_stations",),
        columns={},
        title=("Khác", "Other"),
        command="toy-tall",
    )
    with pytest.raises(ProgressError, match="subcommand 'toy-tall'"):
        registry.register(clash)
    assert "other" not in {m.name for m in registry.metrics()}
