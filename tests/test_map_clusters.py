"""The map's own clustering of the BTS stations and its in-page footprints, in Chromium.

Expected counts come from the grid rule worked out here by hand (Web
Mercator pixels of the map's zoom, cells of 45 px); distances from pyproj's
geodesic, never from the page's own arithmetic.
"""

from __future__ import annotations

import math

import geopandas as gpd
import pyproj
import pytest
from shapely.geometry import Point, box

from ict_gis.footprints import FootprintModel
from ict_gis.layerset import LayerSet
from ict_gis.maps import build_map

pytestmark = pytest.mark.browser

CELL = 45
GEOD = pyproj.Geod(ellps="WGS84")
#: S1-S3 within 4 m of each other; S4 and S5 tens of km away.
STATIONS = [
    ("S1", "Viettel", 105.5, 20.5),
    ("S2", "Viettel", 105.50003, 20.50002),
    ("S3", "VNPT", 105.50001, 20.49998),
    ("S4", "Viettel", 105.2, 20.2),
    ("S5", "VNPT", 105.98, 20.8),
]


def _cell(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """The 45-px cell of a point at ``zoom`` (Web Mercator, 256-px tiles)."""
    size = 256 * 2**zoom
    x = size * (lon + 180) / 360
    y = size * (0.5 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi))
    return math.floor(x / CELL), math.floor(y / CELL)


@pytest.fixture(scope="module")
def five(tmp_path_factory):
    """One 1° square unit; five 2G/4G stations; S4 switched off in 03/2024, S5 in 09/2024."""
    units = gpd.GeoDataFrame(
        [{"code": "1", "name": "Tỉnh Thử", "level": "district", "geometry": box(105, 20, 106, 21)}],
        crs="EPSG:4326",
    )
    bts = gpd.GeoDataFrame(
        [
            {
                "site_id": site,
                "operator": op,
                "technologies": "2G,4G",
                "height_m": 30.0,
                "status": "on_air",
                "approved_date": "2010-01-01",
                "on_air_date": "2011-01-01",
                "geometry": Point(x, y),
            }
            for site, op, x, y in STATIONS
        ],
        crs="EPSG:4326",
    )
    off = gpd.GeoDataFrame(
        [
            {"site_id": "S4", "operator": "Viettel", "switch_off_date": "2024-03-10"},
            {"site_id": "S5", "operator": "VNPT", "switch_off_date": "2024-09-10"},
        ],
        geometry=[Point(105.2, 20.2), Point(105.98, 20.8)],
        crs="EPSG:4326",
    )
    layers = LayerSet.from_frames(
        {"districts": units, "bts_stations": bts, "shutdowns_2g": off}, source="five"
    )
    folder = tmp_path_factory.mktemp("clusters")
    out = {}
    model = FootprintModel(radii={"4G": 5000.0, "2G": 5000.0})
    for metric in ("bts", "coverage_4g"):
        out[metric] = folder / f"{metric}.html"
        build_map(layers, metric=metric, model=model).save(str(out[metric]))
    # S4 with one sector facing east (65° wide); the others stay circles.
    bts = bts.assign(azimuths_deg=["", "", "", "90", ""])
    sectors = LayerSet.from_frames(
        {"districts": units, "bts_stations": bts, "shutdowns_2g": off}, source="five"
    )
    out["sector"] = folder / "sector.html"
    model = FootprintModel(kind="sector", radii={"4G": 5000.0, "2G": 5000.0})
    build_map(sectors, metric="coverage_4g", model=model).save(str(out["sector"]))
    return out


def _checkbox(page, label: str):
    return page.locator(".leaflet-control-layers").get_by_role("checkbox", name=label, exact=True)


def _shown(page) -> tuple[list[int], list[str]]:
    """Counts of the clusters drawn (sorted), and the stations drawn alone."""
    counts, singles = page.evaluate(
        "(() => { const b = ictMap.layers[0];"
        " return [b.clusters.clusters.map(c => c.n),"
        " b.clusters.singles().map(i => b.data.title[i]).sort()]; })()"
    )
    return sorted(counts), singles


def _screen(page, lat: float, lon: float) -> list[float]:
    """Page coordinates of a place."""
    return page.evaluate(
        "([lat, lon]) => { const p = ictMap.map.latLngToContainerPoint([lat, lon]);"
        " const r = ictMap.map.getContainer().getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; }",
        [lat, lon],
    )


def _canvas_alpha(page, canvas: str, lat: float, lon: float) -> int:
    """Opacity (0-255) of the pixel of a canvas (CSS selector) at a place."""
    return page.evaluate(
        """([canvas, lat, lon]) => {
            const map = ictMap.map;
            const c = document.querySelector(canvas);
            const p = map.latLngToContainerPoint([lat, lon]);
            const m = map.getContainer().getBoundingClientRect();
            const r = c.getBoundingClientRect();
            const k = c.width / r.width;
            const x = Math.round((m.left + p.x - r.left) * k);
            const y = Math.round((m.top + p.y - r.top) * k);
            return c.getContext("2d").getImageData(x, y, 1, 1).data[3];
        }""",
        [canvas, lat, lon],
    )


def _count_drawn(page, lat: float, lon: float) -> int:
    """Opacity (0-255) of the counts' canvas at a place."""
    return _canvas_alpha(page, "canvas.ict-counts", lat, lon)


def test_clusters_show_hand_counted_groups_and_follow_the_toggles(open_map, five):
    page, log = open_map(five["bts"])
    zoom = page.evaluate("ictMap.map.getZoom()")
    cells = {site: _cell(x, y, zoom) for site, _, x, y in STATIONS}
    # The grid's rule by hand at the map's first zoom: S1-S3 share a cell,
    # S4 and S5 each have their own.
    assert cells["S1"] == cells["S2"] == cells["S3"]
    assert len({cells["S1"], cells["S4"], cells["S5"]}) == 3
    assert _shown(page) == ([3], ["S4", "S5"])
    # The count is drawn at the three stations, nothing where S4 stands alone.
    assert _count_drawn(page, 20.5, 105.5) > 0
    assert _count_drawn(page, 20.2, 105.2) == 0

    # VNPT off: S3 and S5 leave; S1-S2 stay a cluster of 2.
    _checkbox(page, "VNPT").uncheck()
    assert _shown(page) == ([2], ["S4"])
    _checkbox(page, "Viettel").uncheck()
    assert _shown(page) == ([], [])
    assert _count_drawn(page, 20.5, 105.5) == 0
    _checkbox(page, "VNPT").check()
    assert _shown(page) == ([], ["S3", "S5"])
    _checkbox(page, "Viettel").check()
    assert _shown(page) == ([3], ["S4", "S5"])

    # A click on the cluster zooms in until its stations stand alone.
    page.mouse.click(*_screen(page, 20.5, 105.5))
    assert page.evaluate("ictMap.map.getZoom()") > zoom
    counts, singles = _shown(page)
    assert counts == [] and {"S1", "S2", "S3"} <= set(singles)

    # A single station keeps its popup.
    assert page.locator(".leaflet-popup").count() == 0  # (not the unit's popup)
    page.evaluate("ictMap.map.setView([20.2, 105.2], 12, {animate: false}) && 1")
    page.mouse.click(*_screen(page, 20.2, 105.2))
    page.wait_for_selector(".leaflet-popup-content .ict-popup")
    assert page.locator(".leaflet-popup-content h3").inner_text() == "S4"
    assert log.console_errors == []


def test_month_slider_still_filters_the_switch_offs(open_map, five):
    page, log = open_map(five["bts"])
    _checkbox(page, "Đã tắt sóng 2G").check()
    steps = (((2024, 3), ["S4"]), ((2024, 8), ["S4"]), ((2024, 9), ["S4", "S5"]))
    for month, expected in (*steps, steps[0]):
        page.evaluate(
            """m => { const i = document.querySelector('.ict-slider input');
                      i.value = m; i.dispatchEvent(new Event('input')); }""",
            12 * month[0] + month[1] - 1,
        )
        stats = page.locator(".ict-slider-stats").inner_text()
        assert stats.startswith(f"{len(expected)} trạm đã tắt 2G"), stats
        done = page.evaluate(
            "(() => { const b = ictMap.layers.find(l => l.data.key === 'switch_off');"
            " return b.subs[0].getLayers().map(m => b.data.title[m._ict]).sort(); })()"
        )
        assert done == expected
    assert log.console_errors == []


def _alpha(page, lon: float, lat: float) -> int:
    """Opacity (0-255) of the footprint canvas at a place."""
    return _canvas_alpha(page, "canvas.ict-footprints", lat, lon)


def test_footprints_are_drawn_where_the_stations_reach(open_map, five):
    page, log = open_map(five["coverage_4g"])
    # Off at first on a coverage map.
    assert page.locator("canvas.ict-footprints").count() == 0
    _checkbox(page, "Phủ sóng 4G").check()
    assert page.locator("canvas.ict-footprints").count() == 1

    def east(lon, lat, km):
        x, y, _ = GEOD.fwd(lon, lat, 90, km * 1000)
        return x, y

    alone = _alpha(page, 105.2, 20.2)
    assert alone > 0
    assert _alpha(page, *east(105.2, 20.2, 4.5)) == alone  # inside the 5 km circle
    assert _alpha(page, *east(105.2, 20.2, 5.5)) == 0  # outside it
    assert _alpha(page, 105.05, 20.95) == 0  # far from every station
    # Three overlapping circles look like their union: no darker than one.
    assert _alpha(page, 105.5, 20.5) == alone
    # Clipped to the units: S5 reaches 3 km past the square's east edge.
    assert _alpha(page, *east(105.98, 20.8, 1)) == alone
    assert _alpha(page, *east(106.0, 20.8, 1)) == 0
    # Zoomed out, a circle is a few pixels wide (set pixel by pixel): 5 km is
    # about 4.4 px at zoom 7 (1,149 m a pixel at 20° N).
    page.evaluate("ictMap.map.setView([20.5, 105.5], 7, {animate: false})")
    assert _alpha(page, 105.2, 20.2) == alone
    assert _alpha(page, *east(105.2, 20.2, 3)) == alone
    assert _alpha(page, *east(105.2, 20.2, 8)) == 0
    assert _alpha(page, 105.05, 20.95) == 0
    assert _alpha(page, 105.5, 20.5) == alone
    _checkbox(page, "Phủ sóng 4G").uncheck()
    assert page.locator("canvas.ict-footprints").count() == 0
    assert log.console_errors == []


def test_a_sector_is_drawn_on_its_side_only(open_map, five):
    page, log = open_map(five["sector"])
    _checkbox(page, "Phủ sóng 4G").check()

    def toward(azimuth, km):
        x, y, _ = GEOD.fwd(105.2, 20.2, azimuth, km * 1000)
        return x, y

    inside = _alpha(page, *toward(90, 3))
    assert inside > 0
    assert _alpha(page, *toward(90 + 25, 3)) == inside  # within ±32.5° of east
    assert _alpha(page, *toward(90 + 45, 3)) == 0  # beyond the beam
    assert _alpha(page, *toward(270, 3)) == 0  # behind the antenna
    assert _alpha(page, 105.5, 20.5) == inside  # S1-S3 are still circles
    assert log.console_errors == []
