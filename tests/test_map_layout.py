"""The map's layout in a real browser at phone and desktop sizes, and the month slider.

The controls' bounding boxes are read from the page and compared here: no two
of them overlap, and none is cut off by the edge of the window. Expected
figures of the slider test are counted here with geopandas, independently.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from ict_gis.layerset import bundled_layers
from ict_gis.maps import build_map

pytestmark = pytest.mark.browser

SIZES = [(390, 844), (1366, 768), (1920, 1080)]

#: Every control that can sit on the map (a missing one is skipped).
CONTROLS = {
    "title": ".ict-title",
    "zoom": ".leaflet-control-zoom",
    "fullscreen": ".leaflet-control-zoom-fullscreen",
    "search": ".ict-search",
    "measure": ".ict-measure",
    "layers": ".leaflet-control-layers",
    "minimap": ".leaflet-control-minimap",
    "attribution": ".leaflet-control-attribution",
    "scale": ".leaflet-control-scale",
    "slider": ".ict-slider",
    "legend": ".ict-legend",
}


@pytest.fixture(scope="module")
def layers():
    return bundled_layers()


@pytest.fixture(scope="module")
def maps(layers, tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    out = {}
    for metric in ("switch_off_2g", "bts", "coverage_4g"):
        out[metric] = folder / f"{metric}.html"
        build_map(layers, metric=metric, title="Bản đồ hạ tầng viễn thông tỉnh").save(
            str(out[metric])
        )
    return out


def _boxes(page) -> dict[str, dict]:
    boxes = {}
    for name, selector in CONTROLS.items():
        loc = page.locator(selector)
        if loc.count() != 1 or not loc.is_visible():
            continue
        boxes[name] = loc.bounding_box()
    return boxes


def _overlap(a: dict, b: dict) -> float:
    dx = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    dy = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(dx, 0) * max(dy, 0)


@pytest.mark.parametrize("metric", ["switch_off_2g", "bts", "coverage_4g"])
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_controls_do_not_overlap_and_fit(open_map, maps, metric, width, height, tmp_path):
    page, log = open_map(maps[metric], width=width, height=height)
    page.wait_for_timeout(200)
    assert log.console_errors == []
    boxes = _boxes(page)
    must = {"title", "zoom", "search", "layers", "legend", "scale", "attribution"}
    assert must <= set(boxes), sorted(must - set(boxes))
    for (na, a), (nb, b) in itertools.combinations(boxes.items(), 2):
        assert _overlap(a, b) < 1, (na, a, nb, b)
    for name, box in boxes.items():
        assert box["x"] >= 0 and box["y"] >= 0, (name, box)
        assert box["x"] + box["width"] <= width + 0.5, (name, box)
        assert box["y"] + box["height"] <= height + 0.5, (name, box)
    # The layer list is whole or scrolls inside its box (nothing cut off).
    if width < 900:
        # On a phone the layer control is a button, and the minimap is left out.
        assert boxes["layers"]["width"] <= 50 and boxes["layers"]["height"] <= 50
        assert "minimap" not in boxes
        toggle = boxes["layers"]
        page.mouse.click(toggle["x"] + toggle["width"] / 2, toggle["y"] + toggle["height"] / 2)
        page.wait_for_timeout(100)
        assert page.locator(".leaflet-control-layers-expanded").count() == 1
        # A tap on the map closes it again.
        top = max(b["y"] + b["height"] for n, b in boxes.items() if b["y"] < height / 3)
        bottom = min(b["y"] for n, b in boxes.items() if b["y"] > height / 2)
        page.mouse.click(5, (top + bottom) / 2)
        page.wait_for_timeout(100)
        assert page.locator(".leaflet-control-layers-expanded").count() == 0
    else:
        assert "minimap" in boxes
    # The search box's placeholder fits in the box.
    fits = page.eval_on_selector(
        ".ict-search input",
        """input => {
            const style = getComputedStyle(input);
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = style.font;
            const room = input.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight);
            return ctx.measureText(input.placeholder).width <= room;
        }""",
    )
    assert fits


def test_zoom_buttons_and_layer_button_speak_the_maps_language(open_map, maps):
    page, _ = open_map(maps["bts"], width=390, height=844)
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Phóng to"
    assert page.locator(".leaflet-control-zoom-out").get_attribute("title") == "Thu nhỏ"
    assert page.locator(".leaflet-control-layers-toggle").get_attribute("title") == "Lớp bản đồ"
    heading = page.locator(".ict-title").inner_text()
    assert "Bản đồ hạ tầng viễn thông tỉnh" in heading
    assert "9 đơn vị hành chính" in heading


def test_measurement_is_cleared_when_the_tool_is_turned_off(open_map, maps):
    page, _ = open_map(maps["bts"])
    page.locator(".ict-measure-button").click()
    box = page.locator(".folium-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(cx - 80, cy)
    page.mouse.click(cx + 80, cy)
    assert page.evaluate("window.ictMap.measure.points().length") == 2
    assert page.locator(".ict-distance").count() == 1
    page.locator(".ict-measure-button").click()
    assert page.evaluate("window.ictMap.measure.points().length") == 0
    assert page.locator(".ict-distance").count() == 0
    assert page.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane svg").count() == 0 or (
        page.evaluate(
            "Object.values(window.ictMap.map._layers).filter(l => l.options && "
            "l.options.dashArray === '6 4').length"
        )
        == 0
    )


def test_print_hides_the_controls_and_keeps_title_legend_scale(open_map, maps):
    page, _ = open_map(maps["bts"])
    page.emulate_media(media="print")
    hidden_ones = (".leaflet-control-zoom", ".leaflet-control-layers", ".ict-search", ".ict-slider")
    for hidden in hidden_ones:
        assert not page.locator(hidden).is_visible(), hidden
    for kept in (".ict-title", ".ict-legend", ".leaflet-control-scale", ".ict-source"):
        assert page.locator(kept).is_visible(), kept


def _set_month(page, month: int) -> None:
    page.evaluate(
        """m => { const i = document.querySelector('.ict-slider input');
                  i.value = m; i.dispatchEvent(new Event('input')); }""",
        month,
    )


def _colours(page) -> dict[str, str]:
    return page.evaluate(
        "() => Object.fromEntries(ictMap.unitLayers.map(p => "
        "[p[0].properties.code, p[1].options.fillColor]))"
    )


def test_slider_recolours_units_and_their_popups(open_map, maps, layers):
    # Independent count: 2G switch-offs in Hải Hậu (366) in January 2024 and in all 2024.
    unit = layers["districts"].set_index("code").geometry["366"]
    off = layers["shutdowns_2g"]
    inside = off.within(unit)
    dates = pd.to_datetime(off["switch_off_date"])
    january = int((inside & (dates < "2024-02-01")).sum())
    whole = int(inside.sum())
    assert january < whole

    page, log = open_map(maps["switch_off_2g"])
    december = _colours(page)
    legend_dec = page.locator(".ict-legend").inner_text()
    _set_month(page, 12 * 2024)
    assert page.locator(".ict-month").inner_text() == "01/2024"
    # Few stations are off in January: the units take lighter colours.
    assert _colours(page) != december
    assert page.locator(".ict-legend").inner_text() != legend_dec
    for label in ("Đã tắt sóng 2G", "Còn phát sóng 2G"):
        page.locator(".leaflet-control-layers").get_by_role(
            "checkbox", name=label, exact=True
        ).uncheck()
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
    rows = dict(
        page.eval_on_selector_all(
            ".leaflet-popup-content tr",
            "rows => rows.map(r => [r.querySelector('th').textContent,"
            " r.querySelector('td').textContent])",
        )
    )
    assert rows["Đã tắt sóng"].split(" ")[0] == str(january)
    # Back to December: the final figures and colours again.
    page.keyboard.press("Escape")
    _set_month(page, 12 * 2024 + 11)
    assert _colours(page) == december
    assert log.console_errors == []
