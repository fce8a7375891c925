"""Commune-level maps (the 129 communes of 2025): names that do not collide, search by name."""

from __future__ import annotations

import itertools

import geopandas as gpd
import pytest

from ict_gis.layerset import LayerSet, bundled_layers, bundled_path
from ict_gis.maps import build_map

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def commune_map(tmp_path_factory):
    communes = gpd.read_file(bundled_path() / "units" / "communes_2025.geojson")
    assert len(communes) == 129
    layers = bundled_layers()
    frames = {
        "districts": communes.drop(columns=["vintage"]),
        "bts_stations": layers["bts_stations"],
    }
    path = tmp_path_factory.mktemp("communes") / "communes.html"
    build_map(LayerSet(frames, source="communes"), metric="bts").save(str(path))
    return path


def _label_boxes(page) -> list[dict]:
    return page.eval_on_selector_all(
        ".ict-label span",
        "spans => spans.map(s => { const r = s.getBoundingClientRect();"
        " return {x: r.x, y: r.y, w: r.width, h: r.height, text: s.textContent}; })",
    )


def _overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"] - 0.5
        and b["x"] < a["x"] + a["w"] - 0.5
        and a["y"] < b["y"] + b["h"] - 0.5
        and b["y"] < a["y"] + a["h"] - 0.5
    )


def test_commune_names_do_not_collide(open_map, commune_map):
    page, log = open_map(commune_map, width=1366, height=768)
    first = _label_boxes(page)
    assert 0 < len(first) < 129  # not every name fits at the first zoom
    assert not [
        (a["text"], b["text"]) for a, b in itertools.combinations(first, 2) if _overlaps(a, b)
    ]
    page.evaluate("() => { ictMap.map.setZoom(ictMap.map.getZoom() + 2, {animate: false}); }")
    page.wait_for_timeout(200)
    closer = _label_boxes(page)
    assert not [
        (a["text"], b["text"]) for a, b in itertools.combinations(closer, 2) if _overlaps(a, b)
    ]
    # Zoomed in, the names of smaller communes appear (those in view).
    assert {b["text"] for b in closer} - {b["text"] for b in first}
    assert log.console_errors == []


@pytest.mark.parametrize("query", ["Hai Hau", "hải hậu", "HAI HAU"])
def test_search_finds_communes_with_or_without_diacritics(open_map, commune_map, query):
    page, _ = open_map(commune_map)
    page.fill(".ict-search input", query)
    hits = page.locator(".ict-results a").all_inner_texts()
    assert "Xã Hải Hậu" in hits
    page.locator(".ict-results a", has_text="Xã Hải Hậu").first.click()
    page.wait_for_selector(".leaflet-popup-content .ict-popup")
    assert page.locator(".leaflet-popup-content h3").inner_text() == "Xã Hải Hậu"
