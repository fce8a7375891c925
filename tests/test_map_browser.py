"""The HTML map in a real browser: Debian's chromium, headless, with no network.

Expected figures are computed here independently (geopandas joins on the
bundled layers, pyproj distances), never read from ict_gis's own tables.
"""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import pandas as pd
import pyproj
import pytest

from ict_gis.layerset import bundled_layers
from ict_gis.maps import build_map

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "make_screenshot.py"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def layers():
    return bundled_layers()


@pytest.fixture(scope="module")
def maps(layers, tmp_path_factory):
    """The bundled layers as maps: default metric, BTS metric, and with XSS payloads."""
    folder = tmp_path_factory.mktemp("maps")
    out = {}
    for name, metric in (("switch_off", "switch_off_2g"), ("bts", "bts")):
        out[name] = folder / f"{name}.html"
        build_map(layers, metric=metric).save(str(out[name]))

    bts = layers["bts_stations"].copy()
    bts.loc[bts.index[0], "site_id"] = XSS
    routes = layers["cable_routes"].copy()
    routes.loc[routes.index[0], "street"] = XSS
    units = layers["districts"].copy()
    units.loc[units["code"] == "366", "name"] = XSS
    poisoned = layers.replace(bts_stations=bts, cable_routes=routes, districts=units)
    out["xss"] = folder / "xss.html"
    build_map(poisoned, metric="bts").save(str(out["xss"]))
    return out


def _checkbox(page, label: str):
    return page.locator(".leaflet-control-layers").get_by_role("checkbox", name=label, exact=True)


def _rows(page) -> dict[str, str]:
    cells = page.eval_on_selector_all(
        ".leaflet-popup-content tr",
        "rows => rows.map(r => [r.querySelector('th').textContent,"
        " r.querySelector('td').textContent])",
    )
    return dict(cells)


def test_loads_offline_without_errors(open_map, maps):
    page, log = open_map(maps["switch_off"])
    page.wait_for_timeout(300)
    assert log.console_errors == []
    assert log.requests, "the page itself was not requested"
    assert all(url.startswith(("file:", "data:")) for url in log.requests), log.requests
    assert page.locator("canvas").count() >= 1
    # The province outline, units, legend, scale and attribution are on the page.
    assert page.locator(".ict-legend").inner_text().startswith("Chú giải")
    assert page.locator(".leaflet-control-scale-line").count() == 1
    assert "Tổng cục Thống kê" in page.locator(".leaflet-control-attribution").inner_text()
    assert "Sở TT&TT Nam Định" in page.locator(".leaflet-control-attribution").inner_text()
    for control in (
        ".leaflet-control-zoom-fullscreen",
        ".leaflet-control-minimap",
        ".ict-search input",
        ".ict-measure-button",
        ".ict-slider input[type=range]",
        ".leaflet-control-layers",
    ):
        assert page.locator(control).count() == 1, control
    # 9 units after the Mỹ Lộc merger; a name that would touch another waits for a
    # closer zoom (tests/test_map_communes.py checks that none overlap).
    assert 5 <= page.locator(".ict-label").count() <= 9
    page.evaluate("() => { ictMap.map.setZoom(ictMap.map.getZoom() + 2, {animate: false}); }")
    names = set(page.locator(".ict-label").all_inner_texts())
    assert "Huyện Hải Hậu" in names


def test_layer_control_lists_every_layer(open_map, maps):
    page, _ = open_map(maps["switch_off"])
    text = page.locator(".leaflet-control-layers").inner_text()
    for label in (
        "Nền hành chính",
        "Tỷ lệ trạm 2G đã tắt sóng",
        "Tên đơn vị hành chính",
        "Trạm BTS theo doanh nghiệp",
        "Viettel",
        "VNPT",
        "MobiFone",
        "Vietnamobile",
        "Đã tắt sóng 2G",
        "Còn phát sóng 2G",
        "5G Viettel",
        "5G VNPT",
        "Chưa chỉnh trang",
        "Đã chỉnh trang",
        "Phủ sóng 4G",
        "Sẽ mất sóng khi tắt hết 2G",
    ):
        assert label in text, label


def test_clicking_a_unit_shows_its_figures(open_map, maps, layers):
    # Independent count for Hải Hậu (366): 2G stations on air and 2G switch-offs inside it.
    unit = layers["districts"].set_index("code").geometry["366"]
    bts = layers["bts_stations"]
    has_2g = bts["technologies"].str.split(",").map(lambda techs: "2G" in techs)
    stations = int((has_2g & (bts["status"] == "on_air") & bts.within(unit)).sum())
    switched = int(layers["shutdowns_2g"].within(unit).sum())
    assert stations > 0

    page, log = open_map(maps["switch_off"])
    for label in ("Đã tắt sóng 2G", "Còn phát sóng 2G"):
        _checkbox(page, label).uncheck()
    point = page.evaluate(
        """() => {
            const f = ictMap.unitLayers.find(p => p[0].properties.code === "366")[0];
            const pt = ictMap.map.latLngToContainerPoint(f.properties.label);
            const box = ictMap.map.getContainer().getBoundingClientRect();
            return [box.left + pt.x, box.top + pt.y];
        }"""
    )
    page.mouse.click(*point)
    page.wait_for_selector(".leaflet-popup-content .ict-popup")
    assert page.locator(".leaflet-popup-content h3").inner_text() == "Huyện Hải Hậu"
    rows = _rows(page)
    assert rows["Trạm có 2G"] == str(stations)
    assert rows["Đã tắt sóng"] == f"{switched} ({math.floor(100 * switched / stations)}%)"
    assert rows["Còn phát sóng"] == str(stations - switched)
    assert log.console_errors == []


def test_toggling_layers_hides_their_features(open_map, maps):
    page, _ = open_map(maps["bts"])
    shown = "ictMap.layers[0].clusters.clusters.length + ictMap.layers[0].clusters.singles().length"
    assert page.evaluate(shown) > 0
    for operator in ("Viettel", "VNPT", "MobiFone", "Vietnamobile"):
        _checkbox(page, operator).uncheck()
    assert page.evaluate(shown) == 0
    _checkbox(page, "Viettel").check()
    assert page.evaluate(shown) > 0

    # A canvas layer (2G switch-offs): its markers leave the map and come back.
    def on_map():
        return page.evaluate("ictMap.layers[1].subs[0].getLayers().filter(m => m._map).length")

    _checkbox(page, "Đã tắt sóng 2G").check()
    assert on_map() > 0
    _checkbox(page, "Đã tắt sóng 2G").uncheck()
    assert on_map() == 0


def test_a_site_named_like_html_is_text_and_never_runs(open_map, maps):
    page, log = open_map(maps["xss"])
    page.fill(".ict-search input", "onerror")
    results = page.locator(".ict-results a")
    assert results.first.inner_text().startswith(XSS)
    results.first.click()
    page.wait_for_selector(".leaflet-popup-content .ict-popup")
    assert page.locator(".leaflet-popup-content h3").inner_text() == XSS
    # The unit name (label and popup) and a street (tooltip) are text too.
    assert XSS in page.locator(".ict-label").all_inner_texts()
    page.evaluate(
        """street => {
            const cables = ictMap.layers.find(b => b.data.key === "cables");
            const i = cables.data.alt.indexOf(street);
            cables.subs[cables.current[i]].addTo(ictMap.map);
            cables.objs[i].openTooltip();
        }""",
        XSS,
    )
    assert XSS in page.locator(".leaflet-tooltip").inner_text()
    page.wait_for_timeout(300)
    assert page.locator("img[src='x']").count() == 0
    assert log.dialogs == []
    assert not any(url.endswith("/x") for url in log.requests)
    assert log.console_errors == []


def test_search_month_slider_and_measure(open_map, maps, layers):
    page, log = open_map(maps["switch_off"])
    # Search by site id.
    site = layers["sites_5g"]["site_id"].iloc[0]
    page.fill(".ict-search input", site.lower())
    page.locator(".ict-results a", has_text=site).first.click()
    page.wait_for_selector(".leaflet-popup-content .ict-popup")
    assert page.locator(".leaflet-popup-content h3").inner_text() == site

    # Month slider: back to the first month, then to June 2024.
    dates = pd.to_datetime(layers["shutdowns_2g"]["switch_off_date"])
    first = dates.min()
    for stamp in (first, pd.Timestamp("2024-06-30")):
        month = 12 * stamp.year + stamp.month - 1
        page.evaluate(
            """m => { const i = document.querySelector('.ict-slider input');
                      i.value = m; i.dispatchEvent(new Event('input')); }""",
            month,
        )
        expected = int((dates.dt.to_period("M") <= stamp.to_period("M")).sum())
        stats = page.locator(".ict-slider-stats").inner_text()
        assert re.match(rf"{expected} trạm đã tắt 2G", stats), stats
        assert page.locator(".ict-month").inner_text() == f"{stamp.month:02d}/{stamp.year}"
        shown = page.evaluate("ictMap.layers[1].subs[0].getLayers().length")
        assert shown == expected

    # Measure: two clicks 400 px apart; compare with the WGS84 geodesic distance.
    page.click(".ict-measure-button")
    box = page.locator(".folium-map").bounding_box()
    a = (box["x"] + 300, box["y"] + 420)
    b = (box["x"] + 700, box["y"] + 420)
    page.mouse.click(*a)
    page.mouse.click(*b)
    ends = page.evaluate(
        """pts => pts.map(p => { const box = ictMap.map.getContainer().getBoundingClientRect();
            const ll = ictMap.map.containerPointToLatLng([p[0] - box.left, p[1] - box.top]);
            return [ll.lat, ll.lng]; })""",
        [a, b],
    )
    text = page.locator(".ict-distance").inner_text()
    number, unit = re.search(r"([\d.,]+) (km|m)$", text).groups()
    shown = float(number.replace(".", "").replace(",", ".")) * (1000 if unit == "km" else 1)
    _, _, metres = pyproj.Geod(ellps="WGS84").inv(ends[0][1], ends[0][0], ends[1][1], ends[1][0])
    assert shown == pytest.approx(metres, rel=0.006)
    page.click(".ict-measure-button")
    assert log.console_errors == []


def _screenshot_script():
    """docs/make_screenshot.py, the script that refreshes the README's picture."""
    spec = importlib.util.spec_from_file_location("make_screenshot", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_screenshot_for_the_readme(open_map, chromium, maps, tmp_path):
    # The page the picture shows loads cleanly ...
    page, log = open_map(maps["switch_off"], width=1100, height=720)
    page.wait_for_timeout(500)
    assert log.console_errors == []
    # ... and the script that refreshes docs/map.png works (into tmp_path only).
    png = _screenshot_script().screenshot(chromium, maps["switch_off"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert 20_000 < len(png) < 600_000
    (tmp_path / "map.png").write_bytes(png)


def test_folium_markers_added_by_an_analyst_work_offline(open_map, layers, tmp_path):
    import folium

    m = build_map(layers, metric="cables")
    folium.Marker([20.42, 106.17], popup="Trạm mới", tooltip="Dự kiến").add_to(m)
    path = tmp_path / "analyst.html"
    m.save(str(path))
    page, log = open_map(path)
    page.locator(".leaflet-marker-icon:not(.ict-label):not(.ict-cluster)").click()
    page.wait_for_selector(".leaflet-popup-content")
    assert "Trạm mới" in page.locator(".leaflet-popup-content").inner_text()
    assert log.console_errors == []
    assert all(url.startswith(("file:", "data:")) for url in log.requests), log.requests
