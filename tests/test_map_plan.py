"""``ict-gis map --plan/--sharing/--forecast``: the plan as layers of the map.

The plan and sharing GeoPackages here are made by hand (two chosen sites, one
other candidate, a hole before and after), so every figure the map shows is
known; the forecast is recounted with geopandas from the bundled layers.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point, box

from ict_gis import io
from ict_gis.cli.main import cli
from ict_gis.layerset import bundled_layers

DATA_RE = re.compile(r'<script type="application/json" id="[^"]+">(.*?)</script>', re.S)
BASE = Path(__file__).parent / "data" / "broken" / "base"
XSS = "<img src=x onerror=alert(1)>"


def payload(html: str) -> dict:
    found = DATA_RE.findall(html)
    assert len(found) == 1
    return json.loads(found[0])


def _layer(data: dict, key: str) -> dict:
    return next(layer for layer in data["layers"] if layer["key"] == key)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """The base layer set, a plan and a sharing GeoPackage (unit 356: 106.15-106.20 E)."""
    folder = tmp_path_factory.mktemp("plan")
    layers = folder / "layers"
    shutil.copytree(BASE, layers)
    crs = "EPSG:4326"
    a, b, c = Point(106.16, 20.41), Point(106.18, 20.43), Point(106.19, 20.44)
    sites = gpd.GeoDataFrame(
        {
            "rank": [1, 2],
            "site_id": ["NEW-0001", XSS],
            "source": ["grid", "tower"],
            "operator": ["", "Viettel"],
            "code": ["356", "356"],
            "radius_m": [1000.0, 1000.0],
            "adds_km2": [1.5, 0.5],
            "cumulative_km2": [1.5, 2.0],
            "model_gain": [1.5, 0.5],
        },
        geometry=[a, b],
        crs=crs,
    )
    candidates = gpd.GeoDataFrame(
        {
            "site_id": ["NEW-0001", XSS, "NEW-0003"],
            "source": ["grid", "tower", "grid"],
            "operator": ["", "Viettel", ""],
            "radius_m": [1000.0] * 3,
            "weight": [1.5, 0.9, 0.4],
            "chosen": [True, True, False],
        },
        geometry=[a, b, c],
        crs=crs,
    )
    hole = box(106.155, 20.405, 106.185, 20.435)
    holes = {"code": ["356"], "name": [XSS], "area_km2": [2.5]}
    frames = {
        "sites": sites,
        "footprints": gpd.GeoDataFrame(
            {"rank": [1, 2], "site_id": ["NEW-0001", XSS]},
            geometry=[a.buffer(0.01), b.buffer(0.01)],
            crs=crs,
        ),
        "holes_before": gpd.GeoDataFrame(holes, geometry=[hole], crs=crs),
        "holes_after": gpd.GeoDataFrame(
            {**holes, "area_km2": [0.5]}, geometry=[box(106.18, 20.405, 106.185, 20.41)], crs=crs
        ),
        "candidates": candidates,
        "per_unit": pd.DataFrame(
            {
                "code": ["356", "total"],
                "name": ["Thành phố Nam Định", "Total"],
                "holes_km2": [2.5, 2.5],
                "new_sites": [2, 2],
                "covered_km2": [2.0, 2.0],
                "left_km2": [0.5, 0.5],
            }
        ),
    }
    plan = io.write_layers(frames, folder / "plan.gpkg")
    towers = gpd.GeoDataFrame(
        {
            "tower_id": ["T-00001", "T-00002"],
            "code": ["356", "356"],
            "stations": [2, 1],
            "site_ids": ["NĐ-001, NĐ-002", XSS],
            "operators": ["Viettel, VNPT", "MobiFone"],
            "n_operators": [2, 1],
            "shared": [True, False],
            "could_host": ["MobiFone, Vietnamobile", "Viettel, VNPT, Vietnamobile"],
        },
        geometry=[Point(106.17, 20.42), Point(106.175, 20.425)],
        crs=crs,
    )
    sharing = io.write_layers({"towers": towers}, folder / "sharing.gpkg")
    return {"layers": layers, "plan": plan, "sharing": sharing, "folder": folder}


@pytest.fixture(scope="module")
def plan_map(files) -> Path:
    out = files["folder"] / "plan_map.html"
    args = ["map", str(files["layers"]), "--metric", "bts", "-o", str(out)]
    args += ["--plan", str(files["plan"]), "--sharing", str(files["sharing"])]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_plan_layers_with_escaped_names(plan_map):
    html = plan_map.read_text(encoding="utf-8")
    assert "<img src=x" not in html  # nowhere in the page as HTML
    data = payload(html)
    sites = _layer(data, "plan_sites")
    assert sites["group"] == "Kế hoạch trạm mới"
    names = [sub["name"] for sub in sites["subs"]]
    assert names[0].endswith("</i> Trạm mới đề xuất")
    assert names[1].endswith("</i> Vị trí ứng viên khác")
    # Only the chosen sites are shown at first.
    assert [sub["show"] for sub in sites["subs"]] == [True, False]
    # The two chosen sites, then the candidate not chosen; ids as plain text.
    assert sites["title"] == ["NEW-0001", XSS, "NEW-0003"]
    assert sites["sub"] == [0, 0, 1]
    cols = {col["label"]: col for col in sites["cols"]}
    assert cols["Phủ thêm vùng lõm"]["v"] == [1.5, 0.5, None]
    assert cols["Lũy kế phủ thêm"]["v"] == [1.5, 2.0, None]
    assert cols["Thứ tự chọn"]["v"] == [1, 2, None]
    areas = _layer(data, "plan_areas")
    assert [sub["show"] for sub in areas["subs"]] == [False, False, False]
    assert [sub["name"].split("</i> ")[1] for sub in areas["subs"]] == [
        "Vùng lõm trước kế hoạch",
        "Vùng lõm còn lại sau kế hoạch",
        "Vùng phủ của trạm mới",
    ]
    assert areas["sub"] == [0, 1, 2, 2]
    units = {c["label"]: c for c in areas["cols"]}
    assert units["Đơn vị"]["v"][:2] == [XSS, XSS]  # written with textContent
    assert units["Diện tích"]["v"][:2] == [2.5, 0.5]
    sharing = _layer(data, "sharing")
    assert [sub["show"] for sub in sharing["subs"]] == [False, False]
    assert sharing["sub"] == [0, 1]
    assert sharing["title"] == ["T-00001", "T-00002"]
    assert "&lt;" not in json.dumps(sites["title"])  # text, not HTML: never double-escaped


def test_unit_popup_has_the_plan_figures(plan_map):
    data = payload(plan_map.read_text(encoding="utf-8"))
    unit = next(f["properties"] for f in data["units"]["features"])
    assert unit["code"] == "356"
    sections = dict((title, rows) for title, rows in unit["sections"])
    assert sections["Kế hoạch trạm mới"] == [
        ["Trạm mới", "2"],
        ["Vùng lõm trước kế hoạch", "2,5 km²"],
        ["Được phủ thêm", "2,0 km²"],
        ["Vùng lõm còn lại", "0,5 km²"],
    ]


def test_plan_file_without_sites_is_a_clear_error(files, tmp_path):
    out = tmp_path / "m.html"
    args = ["map", str(files["layers"]), "--plan", str(files["sharing"]), "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "no 'sites' layer" in result.output and "ict-gis plan sites" in result.output
    assert not out.exists()


def test_forecast_in_unit_popups():
    from ict_gis.maps import map_payload

    layers = bundled_layers()
    data = map_payload(layers, metric="bts", as_of="2024-12-31", forecast=6)
    unit = next(
        f["properties"] for f in data["units"]["features"] if f["properties"]["code"] == "356"
    )
    title = "Dự báo tắt sóng 2G (theo tốc độ 6 tháng gần nhất) · Số liệu đến ngày 31/12/2024"
    rows = dict(dict(unit["sections"])[title])
    # Recount: Thành phố Nam Định with Mỹ Lộc merged into it (admin_changes).
    districts = layers["districts"]
    area = districts[districts["code"].isin(["356", "358"])].union_all()
    bts = layers["bts_stations"]
    bts = bts[bts.within(area) & bts["technologies"].str.contains("2G")]
    off = layers["shutdowns_2g"]
    off = pd.to_datetime(off[off.within(area)]["switch_off_date"])
    total, now, then = len(bts), int((off <= "2024-12-31").sum()), int((off <= "2024-06-30").sum())
    assert (total, now, then) == (188, 38, 9)
    pace = (now - then) / 6
    days = math.ceil((total - now) / pace * 365.25 / 12)
    finish = pd.Timestamp("2024-12-31") + pd.Timedelta(days=days)
    pace_text = f"{math.floor(pace * 10 + 0.5) / 10:.1f}".replace(".", ",")
    assert rows["Trạm 2G"] == (
        f"dự kiến xong {finish:%d/%m/%Y} (còn {total - now}, {pace_text}/tháng)"
    )
    assert "Thuê bao 2G" in rows
    # The whole province, in the legend.
    bts = layers["bts_stations"]
    total = int(bts["technologies"].str.contains("2G").sum())
    off = pd.to_datetime(layers["shutdowns_2g"]["switch_off_date"])
    now, then = int((off <= "2024-12-31").sum()), int((off <= "2024-06-30").sum())
    assert (total, now) == (788, 161)
    days = math.ceil((total - now) / ((now - then) / 6) * 365.25 / 12)
    finish = pd.Timestamp("2024-12-31") + pd.Timedelta(days=days)
    line = f"Trạm 2G (Toàn tỉnh, dự báo): dự kiến xong {finish:%d/%m/%Y} (còn {total - now}, "
    assert line in data["choropleth"]["legend"]


def test_forecast_needs_the_switch_off_layers(files, tmp_path):
    folder = tmp_path / "no_off"
    shutil.copytree(files["layers"], folder)
    (folder / "shutdowns_2g.geojson").unlink()
    args = [
        "map",
        str(folder),
        "--metric",
        "bts",
        "--forecast",
        "6",
        "-o",
        str(tmp_path / "m.html"),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "shutdowns_2g" in result.output
    assert "Traceback" not in result.output


@pytest.mark.browser
def test_toggling_the_plan_layers_in_a_browser(open_map, plan_map):
    page, log = open_map(plan_map)
    control = page.locator(".leaflet-control-layers")
    page.evaluate(
        "() => ictMap.layerControl.getContainer().classList.add('leaflet-control-layers-expanded')"
    )

    def box(name: str):
        return control.get_by_role("checkbox", name=name, exact=True)

    def on(key: str, k: int) -> bool:
        return page.evaluate(
            "([key, k]) => { const b = ictMap.layers.find(l => l.data.key === key);"
            " return ictMap.map.hasLayer(b.subs[k]); }",
            [key, k],
        )

    assert "Kế hoạch trạm mới" in control.inner_text()
    assert box("Trạm mới đề xuất").is_checked() and on("plan_sites", 0)
    assert not box("Vùng lõm trước kế hoạch").is_checked() and not on("plan_areas", 0)
    box("Vùng lõm trước kế hoạch").check()
    assert on("plan_areas", 0)
    assert "Vùng lõm sóng theo kế hoạch" in page.locator(".ict-legend").inner_text()
    box("Trạm mới đề xuất").uncheck()
    assert not on("plan_sites", 0)
    box("Trạm mới đề xuất").check()
    # A chosen site's popup: what it adds.
    page.evaluate(
        "() => { const b = ictMap.layers.find(l => l.data.key === 'plan_sites');"
        " b.subs[0].fire('click', {layer: b.objs[0]}); }"
    )
    page.wait_for_selector(".leaflet-popup-content .ict-popup")
    rows = dict(
        page.eval_on_selector_all(
            ".leaflet-popup-content tr",
            "rows => rows.map(r => [r.querySelector('th').textContent,"
            " r.querySelector('td').textContent])",
        )
    )
    assert page.locator(".leaflet-popup-content h3").inner_text() == "NEW-0001"
    assert rows["Phủ thêm vùng lõm"] == "1,5 km²"
    assert rows["Thứ tự chọn"] == "1"
    assert log.console_errors == [] and log.dialogs == []
