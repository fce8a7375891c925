"""The HTML map: structure, offline assets, escaping, coordinates, figures.

Figures are checked on a hand-made layer set of two 0.1° squares whose
expected values are counted by hand below; the browser tests
(test_map_browser.py) check the page in Chromium.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
from branca.element import JavascriptLink
from shapely.geometry import LineString, Point, box

from ict_gis.layerset import LayerSet, bundled_layers
from ict_gis.maps import MAP_METRICS, MapError, build_map, map_payload
from ict_gis.render import assets
from ict_gis.render._html import escape, inline_script, inline_style, json_for_script, swatch
from ict_gis.render.maps import NO_DATA_COLOUR, _classes
from ict_gis.units import unit_frame

XSS = "<img src=x onerror=alert(1)>"
DATA_RE = re.compile(r'<script type="application/json" id="[^"]+">(.*?)</script>', re.S)


def payload_of(html: str) -> dict:
    found = DATA_RE.findall(html)
    assert len(found) == 1
    return json.loads(found[0])


def page(m: folium.Map) -> str:
    return m.get_root().render()


def _gdf(rows: list[dict], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


@pytest.fixture(scope="module")
def tiny() -> LayerSet:
    """Two units; 2G: 4 stations in A (1 switched off), 2 in B (both switched off, one in 2025)."""
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

    def station(
        site, x, y, tech="2G,4G", status="on_air", approved="2010-01-01", on_air="2011-01-01"
    ):
        return {
            "site_id": site,
            "operator": "Viettel" if site.startswith(("A1", "A2", "B")) else "VNPT",
            "technologies": tech,
            "height_m": 30.0,
            "status": status,
            "approved_date": approved,
            "on_air_date": on_air,
            "geometry": Point(x, y),
        }

    bts = _gdf(
        [
            station("A1", 106.02, 20.02),
            station("A2", 106.04, 20.04),
            station("A3", 106.06, 20.06),
            station("A4", 106.08, 20.08),
            station(
                "A5",
                106.05,
                20.01,
                tech="4G",
                status="approved",
                approved="2025-02-01",
                on_air=None,
            ),
            station("B1", 106.15, 20.05),
            station("B2", 106.17, 20.07),
        ]
    )
    shutdowns = _gdf(
        [
            {
                "site_id": "A1",
                "operator": "Viettel",
                "switch_off_date": "2024-03-10",
                "geometry": Point(106.02, 20.02),
            },
            {
                "site_id": "B1",
                "operator": "Viettel",
                "switch_off_date": "2024-05-20",
                "geometry": Point(106.15, 20.05),
            },
            {
                "site_id": "B2",
                "operator": "Viettel",
                "switch_off_date": "2025-01-15",
                "geometry": Point(106.17, 20.07),
            },
        ]
    )
    sites = _gdf(
        [
            {
                "site_id": "A2",
                "operator": "Viettel",
                "band_mhz": 2600.0,
                "on_air_date": "2024-06-01",
                "geometry": Point(106.04, 20.04),
            }
        ]
    )
    routes = _gdf(
        [
            {
                "route_id": "R1",
                "street": "Phố Hàng",
                "category": "with_messenger",
                "plan": "49/KH-UBND",
                "status": "tidied",
                "done_date": "2024-04-02",
                "operators": "Viettel,VNPT",
                "geometry": LineString([(106.01, 20.05), (106.02, 20.05)]),
            },
            {
                "route_id": "R2",
                "street": "Phố Mới",
                "category": "without_messenger",
                "plan": "49/KH-UBND",
                "status": "planned",
                "done_date": None,
                "operators": "VNPT",
                "geometry": LineString([(106.11, 20.05), (106.13, 20.05)]),
            },
        ]
    )
    layers = LayerSet.from_frames(
        {
            "districts": units,
            "bts_stations": bts,
            "shutdowns_2g": shutdowns,
            "sites_5g": sites,
            "cable_routes": routes,
        },
        source="tiny",
    )
    assert [p for p in layers.problems if p.severity == "error"] == []
    return layers


@pytest.fixture(scope="module")
def bundled_html() -> str:
    return page(build_map(bundled_layers()))


def _unit(payload: dict, code: str) -> dict:
    return next(
        f["properties"] for f in payload["units"]["features"] if f["properties"]["code"] == code
    )


def _layer(payload: dict, key: str) -> dict:
    """A layer of the payload, with the points it shares with another layer filled in."""
    layer = dict(next(layer for layer in payload["layers"] if layer["key"] == key))
    if "ref" in layer:
        base = next(b for b in payload["layers"] if b["key"] == layer["ref"]["layer"])
        for name in ("title", "lat", "lon"):
            layer[name] = [
                base[name][j] if j >= 0 else v
                for v, j in zip(layer[name], layer["ref"]["index"], strict=True)
            ]
    return layer


# --------------------------------------------------------------------------- one offline file


def _markup(html: str) -> str:
    """The page without the content of its <script> and <style> elements."""
    return re.sub(r"(<(script|style)[^>]*>).*?(</\2>)", r"\1\3", html, flags=re.S)


def test_page_is_one_self_contained_offline_file(bundled_html):
    html = bundled_html
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in html
    assert not re.search(r"<script[^>]+src=", html)
    assert "<link" not in html
    assert "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", _markup(html))
    # Style sheets load nothing: every url() is a data: URI.
    for sheet in re.findall(r"<style>(.*?)</style>", html, re.S):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]*)", sheet):
            assert ref.startswith("data:"), ref
    assert "tile.openstreetmap.org" not in html
    # Leaflet, the plugins and our own script are inlined.
    assert "Leaflet 1.9.3" in html
    # (the BTS stations are clustered by our own script, not Leaflet.markercluster)
    assert "L.MarkerClusterGroup" not in html
    assert "L.Control.GroupedLayers" in html
    assert "L.Control.MiniMap" in html
    assert "window.IctMap" in html
    assert "sourceMappingURL" not in html


def test_online_tiles_are_the_only_remote_address(tiny):
    html = page(build_map(tiny, offline=False))
    data = payload_of(html)
    assert data["tiles"]["url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert not re.search(r"<script[^>]+src=", html)
    assert payload_of(page(build_map(tiny)))["tiles"] is None


def test_save_writes_the_inlined_page(tiny, tmp_path):
    m = build_map(tiny, metric="cables", lang="en")
    assert isinstance(m, folium.Map)
    target = tmp_path / "map.html"
    m.save(str(target))
    html = target.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "<title>Telecom infrastructure</title>" in html
    assert not re.search(r"<script[^>]+src=", html)
    assert payload_of(html)["choropleth"]["title"] == "Share of planned cable routes tidied"


def test_folium_popups_added_by_an_analyst_get_jquery(tiny):
    m = build_map(tiny)
    assert "jQuery v3.7.1" not in page(m)
    folium.Marker([20.05, 106.05], popup="Trạm mới").add_to(m)
    html = page(m)
    assert "jQuery v3.7.1" in html
    assert not re.search(r"<script[^>]+src=", html)


def test_a_link_without_offline_copy_is_refused(tiny):
    m = build_map(tiny)
    m.get_root().header.add_child(JavascriptLink("https://example.invalid/plugin.js"), name="x")
    with pytest.raises(assets.AssetError, match="No offline copy"):
        page(m)
    online = build_map(tiny, offline=False)
    online.get_root().header.add_child(
        JavascriptLink("https://example.invalid/plugin.js"), name="x"
    )
    assert '<script src="https://example.invalid/plugin.js">' in page(online)


def test_assets_are_pinned_and_available():
    name, version = assets.ASSET_PACKAGE
    from importlib import metadata

    assert metadata.version(name) == version
    for asset in assets.ASSETS:
        text = assets.asset_text(asset.url)
        assert len(text) > 100, asset.name
        assert asset.licence in ("BSD-2-Clause", "MIT")
        if asset.kind == "css":
            assert not re.search(r"url\(\s*(?!['\"]?data:)", text), asset.name


def test_asset_package_version_is_checked(monkeypatch):
    monkeypatch.setattr(assets.metadata, "version", lambda name: "0.0.1")
    with pytest.raises(assets.AssetError, match="pip install 'folium-offline==0.20.0.2'"):
        assets._check_installed()


def test_readme_or_doc_records_versions_and_licences():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "map-assets.md").read_text(
        encoding="utf-8"
    )
    for asset in assets.ASSETS:
        assert f"{asset.project} | {asset.version} | {asset.licence}" in doc, asset.project
    assert "folium-offline" in doc and assets.ASSET_PACKAGE[1] in doc


# --------------------------------------------------------------------------- escaping


def test_html_helpers():
    assert escape(XSS) == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape(None) == ""
    text = json_for_script({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}
    with pytest.raises(ValueError):
        json_for_script({"a": float("nan")})
    with pytest.raises(ValueError, match="</script"):
        inline_script("var a = '</script>';")
    with pytest.raises(ValueError, match="</style"):
        inline_style("a{} </style>")
    assert swatch("#1f77b4", shape="dot").startswith('<i class="ict-swatch ict-swatch-dot"')
    with pytest.raises(ValueError):
        swatch('red" onmouseover="x')


def test_every_layer_string_is_escaped(tiny):
    bts = tiny["bts_stations"].copy()
    bts.loc[bts["site_id"] == "A3", ["site_id", "technologies"]] = [XSS, XSS]
    bts.loc[bts["site_id"] == "A4", "operator"] = XSS
    routes = tiny["cable_routes"].copy()
    routes.loc[0, ["street", "plan"]] = [XSS, XSS]
    units = tiny["districts"].copy()
    units.loc[0, "name"] = XSS
    layers = tiny.replace(bts_stations=bts, cable_routes=routes, districts=units)
    html = page(build_map(layers, metric="bts"))
    assert XSS not in html
    assert "onerror=alert(1)>" not in html
    data = payload_of(html)
    # As text in the data (written with textContent by the page) ...
    assert _unit(data, "101")["name"] == XSS
    bts_layer = _layer(data, "bts")
    assert XSS in bts_layer["title"]
    cables = _layer(data, "cables")
    assert cables["alt"][0] == XSS and cables["tip"][0].startswith("R1 · " + XSS)
    # ... and escaped where the page inserts HTML (layer names, legends).
    names = [sub["name"] for sub in bts_layer["subs"]]
    assert any(name.endswith(" &lt;img src=x onerror=alert(1)&gt;") for name in names)
    assert "&lt;img src=x onerror=alert(1)&gt;" in bts_layer["legend"]


def test_layer_text_is_never_template_code(tiny):
    # branca compiles Element(text) as Jinja: a site id must not be evaluated.
    bts = tiny["bts_stations"].copy()
    bts.loc[bts["site_id"] == "A3", "site_id"] = "{{ 6*7 }}{% raw %}"
    html = page(build_map(tiny.replace(bts_stations=bts), metric="bts"))
    assert "{{ 6*7 }}{% raw %}" in _layer(payload_of(html), "bts")["title"]
    assert "42" not in _layer(payload_of(html), "bts")["title"]


def test_source_name_in_attribution_is_escaped(tiny):
    layers = LayerSet(dict(tiny), source=f"/data/{XSS}")
    data = payload_of(page(build_map(layers)))
    assert data["attribution"] == "Dữ liệu: &lt;img src=x onerror=alert(1)&gt;"
    bundled = payload_of(page(build_map(bundled_layers(), lang="en")))
    assert "General Statistics Office" in bundled["attribution"]
    assert "Department of Information and Communications" in bundled["attribution"]


# --------------------------------------------------------------------------- coordinates


def _numbers(obj):
    if isinstance(obj, float | int) and not isinstance(obj, bool):
        yield obj
    elif isinstance(obj, list):
        for item in obj:
            yield from _numbers(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _numbers(item)


def _decimals(value: float) -> int:
    text = repr(float(value))
    return 0 if "e" in text else len(text.split(".")[1].rstrip("0"))


def test_coordinates_have_at_most_six_decimals(bundled_html):
    data = payload_of(bundled_html)
    coords = [
        *(f["geometry"] for f in data["units"]["features"]),
        data["outline"],
        *(v for layer in data["layers"] for v in (layer.get("lat"), layer.get("lon"))),
        *(layer.get("paths") for layer in data["layers"]),
        *(layer.get("shapes") for layer in data["layers"]),
    ]
    values = [v for c in coords if c is not None for v in _numbers(c)]
    assert len(values) > 10_000
    assert max(_decimals(v) for v in values) <= 6


def test_polygons_are_simplified_for_display_only():
    layers = bundled_layers()
    data = payload_of(page(build_map(layers)))
    original = layers["districts"].set_index("code").geometry
    shown = {
        f["properties"]["code"]: shapely.geometry.shape(f["geometry"])
        for f in data["units"]["features"]
    }
    before = sum(shapely.get_num_coordinates(original[c]) for c in shown if c in original.index)
    after = sum(shapely.get_num_coordinates(g) for g in shown.values())
    assert after < 0.8 * before
    minx, miny, maxx, maxy = layers["districts"].total_bounds
    tolerance = max(maxx - minx, maxy - miny) / 5000 + 1e-6
    assert shapely.hausdorff_distance(shown["366"], original["366"]) <= tolerance
    # The layers themselves are untouched.
    assert layers["districts"].geometry.equals(bundled_layers()["districts"].geometry)


# --------------------------------------------------------------------------- figures


def test_choropleth_classes_and_popup_figures(tiny):
    data = map_payload(tiny, classes="fixed")
    a, b = _unit(data, "101"), _unit(data, "102")
    # A: 1 of 4 stations switched off = 25 % -> class 20-40 %; B: 2 of 2 = 100 %.
    assert (a["c"], a["value"]) == (1, "25%")
    assert (b["c"], b["value"]) == (4, "100%")
    assert [c["label"] for c in data["choropleth"]["classes"]] == [
        "0%–20%",
        "20%–40%",
        "40%–60%",
        "60%–80%",
        "80%–100%",
    ]
    sections = dict((title, dict(rows)) for title, rows in a["sections"])
    assert sections["Tắt sóng 2G"] == {
        "Trạm có 2G": "4",
        "Đã tắt sóng": "1 (25%)",
        "Còn phát sóng": "3",
    }
    assert sections["Trạm 5G"]["Trạm 5G đang phát sóng"] == "1"
    km = (
        pyproj.Geod(ellps="WGS84").geometry_length(LineString([(106.01, 20.05), (106.02, 20.05)]))
        / 1000
    )
    tidied = sections["Chỉnh trang cáp viễn thông"]
    shown = f"{km:.1f}".rstrip("0").rstrip(".").replace(".", ",")  # km to 0.1, no trailing 0
    assert tidied["Đã chỉnh trang"] == f"{shown} km (100%)"
    assert "Toàn tỉnh: 50%" in data["choropleth"]["legend"]  # 3 of 6


def test_as_of_cuts_the_layers(tiny):
    data = map_payload(tiny, as_of="2024-12-31", classes="fixed")
    assert (_unit(data, "102")["c"], _unit(data, "102")["value"]) == (2, "50%")
    bts = _layer(data, "bts")
    assert "A5" not in bts["title"]  # approved only in 2025
    off = _layer(data, "switch_off")
    i = off["title"].index("B2")
    assert off["sub"][i] == 1 and off["time"]["m"][i] is None  # switched off after as_of
    j = off["title"].index("A1")
    assert off["sub"][j] == 0 and off["time"]["m"][j] == 12 * 2024 + 2
    assert data["slider"] == {"first": 12 * 2024 + 2, "last": 12 * 2024 + 11, "monthly": True}
    early = map_payload(tiny, as_of="2024-03-31", metric="cables")
    cables = _layer(early, "cables")
    assert cables["sub"][cables["title"].index("R1")] == 0  # tidied only in April: still planned
    assert _unit(early, "101")["value"] == "0%"
    assert "A2" not in _layer(early, "sites_5g")["title"]  # on air from June


def test_count_metric_classes(tiny):
    data = map_payload(tiny, metric="sites_5g")
    assert [c["label"] for c in data["choropleth"]["classes"]] == ["0", "1"]
    assert (_unit(data, "101")["c"], _unit(data, "102")["c"]) == (1, 0)
    assert _unit(data, "101")["value"] == "1"


def test_layers_shown_first_follow_the_metric(tiny):
    for metric, key in (("switch_off_2g", "switch_off"), ("bts", "bts"), ("cables", "cables")):
        data = map_payload(tiny, metric=metric)
        shown = {layer["key"] for layer in data["layers"] if any(s["show"] for s in layer["subs"])}
        assert shown == {key}
    # The coverage overlay starts off: it would muddy the colours of the units.
    coverage = map_payload(tiny, metric="coverage_4g")
    subs = _layer(coverage, "coverage")["subs"]
    assert "4G" in [s["id"] for s in subs]
    assert [s["id"] for s in subs if s["show"]] == []


def test_bts_points_styles_and_popups(tiny):
    bts = _layer(map_payload(tiny, metric="bts"), "bts")
    i = bts["title"].index("A1")
    assert (bts["lat"][i], bts["lon"][i]) == (20.02, 106.02)
    ops = [s["name"].rsplit(" ", 1)[1] for s in bts["subs"]]
    assert ops == ["Viettel", "VNPT"]
    assert ops[bts["sub"][i]] == "Viettel"
    status = next(c for c in bts["cols"] if c["label"] == "Trạng thái")
    assert status["dict"][status["v"][bts["title"].index("A5")]] == "Đã chấp thuận vị trí"
    on_air = next(c for c in bts["cols"] if c["label"] == "Ngày phát sóng")
    assert on_air["v"][i] == (pd.Timestamp("2011-01-01") - pd.Timestamp("1970-01-01")).days
    style = bts["styles"][bts["sty"][bts["title"].index("A5")]]
    assert style["fillOpacity"] == 0.0  # approved only: hollow


def test_points_at_a_station_are_written_once(tiny):
    data = map_payload(tiny)
    raw = next(layer for layer in data["layers"] if layer["key"] == "switch_off")
    bts = _layer(data, "bts")
    off = _layer(data, "switch_off")
    i = off["title"].index("A1")
    assert raw["title"][i] is None and raw["lat"][i] is None
    assert raw["ref"]["index"][i] == bts["title"].index("A1")
    assert (off["lat"][i], off["lon"][i]) == (20.02, 106.02)
    # A switch-off recorded away from its station keeps its own position.
    moved = tiny["shutdowns_2g"].copy()
    moved.loc[moved["site_id"] == "A1", "geometry"] = Point(106.021, 20.02)
    data = map_payload(tiny.replace(shutdowns_2g=moved))
    raw = next(layer for layer in data["layers"] if layer["key"] == "switch_off")
    i = raw["title"].index("A1")
    assert raw["ref"]["index"][i] == -1 and raw["lon"][i] == 106.021


def test_coverage_layers_when_available(tiny):
    data = map_payload(tiny, metric="coverage_4g")
    layer = _layer(data, "coverage")
    # No station lists 5G (A2's 5G site is a 2G,4G station), so no 5G footprint.
    assert [s["id"] for s in layer["subs"]] == ["2G", "4G", "after", "lost"]
    first = shapely.geometry.shape(layer["shapes"][0])
    assert first.within(box(106.0, 20.0, 106.2, 20.1).buffer(1e-5))
    assert _unit(data, "101")["value"].endswith("%")


def test_metric_language_and_unit_errors(tiny):
    with pytest.raises(MapError, match="Unknown metric 'nope'"):
        build_map(tiny, metric="nope")
    with pytest.raises(MapError, match="Unknown language"):
        build_map(tiny, lang="fr")
    no_units = LayerSet({k: v for k, v in tiny.items() if k != "districts"}, source="x")
    with pytest.raises(MapError, match="districts"):
        build_map(no_units)
    no_cables = LayerSet({k: v for k, v in tiny.items() if k != "cable_routes"}, source="x")
    with pytest.raises(Exception, match="cable_routes"):
        build_map(no_cables, metric="cables")
    # Without cables the other metrics work, with no cable layer.
    assert "cables" not in {layer["key"] for layer in map_payload(no_cables)["layers"]}


def test_the_map_metrics_come_from_the_registry_and_import_no_module_by_name():
    from ict_gis.metrics.registry import map_views
    from ict_gis.render import maps

    assert list(MAP_METRICS) == list(map_views())
    assert set(MAP_METRICS) >= {"switch_off_2g", "switch_off_3g", "cables", "sites_5g", "bts"}
    assert {"coverage_2g", "coverage_4g"} <= set(MAP_METRICS)
    source = Path(maps.__file__).read_text(encoding="utf-8")
    assert "importlib" not in source and "find_spec" not in source


def test_default_metric_is_the_first_whose_layers_are_present(tiny):
    only_bts = LayerSet({k: tiny[k] for k in ("districts", "bts_stations")}, source="x")
    data = map_payload(only_bts)
    assert data["choropleth"]["title"] == "Tỷ lệ vị trí BTS được chấp thuận đã phát sóng"
    # A: 4 of the 5 stations approved are on air (A5 is only approved) -> 80 %.
    assert _unit(data, "101")["value"] == "80%"
    with pytest.raises(MapError) as err:
        map_payload(only_bts, metric="switch_off_2g")
    message = str(err.value)
    assert "shutdowns_2g" in message
    assert "bts" in message.split("allow:")[1] and "sites_5g" not in message.split("allow:")[1]
    assert map_payload(tiny)["choropleth"]["title"] == "Tỷ lệ trạm 2G đã tắt sóng"


def test_english_labels(tiny):
    data = map_payload(tiny, lang="en")
    assert data["choropleth"]["title"] == "Share of 2G stations switched off"
    sections = dict((title, dict(rows)) for title, rows in _unit(data, "101")["sections"])
    assert sections["2G switch-off"]["Switched off"] == "1 (25%)"
    assert data["text"]["search"].startswith("Find site id")


def test_unit_names_sit_at_the_pole_of_inaccessibility_of_the_largest_part():
    import geopandas as gpd
    from shapely.geometry import MultiPolygon, box

    from ict_gis.render.maps import _label_points

    thin = box(0, 0, 10, 1)  # its widest inscribed circle has radius 0.5
    islands = MultiPolygon([box(20, 0, 21, 1), box(30, 0, 34, 4)])
    points = _label_points(gpd.GeoSeries([thin, islands, None]))
    assert thin.exterior.distance(points.iloc[0]) >= 0.49
    assert box(30, 0, 34, 4).contains(points.iloc[1])  # the larger island
    assert points.iloc[1].distance(box(30, 0, 34, 4).exterior) >= 1.98
    assert points.iloc[2] is None


# --------------------------------------------------------------------------- classes


def test_quantile_classes_by_hand():
    values = pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None], dtype=float)
    # numpy's linear quantiles of 1..10 at 20, 40, 60, 80 %: 2.8, 4.6, 6.4, 8.2.
    classes, idx, digits = _classes(values, "percent", "vi", "quantiles")
    assert [c["label"] for c in classes] == [
        "1%–2,8%",
        "2,8%–4,6%",
        "4,6%–6,4%",
        "6,4%–8,2%",
        "8,2%–10%",
    ]
    assert idx.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, -1]
    assert digits == 1
    # Equal intervals of 1..10 in 3 classes: 4, 7, 10.
    classes, idx, _ = _classes(values, "percent", "en", "equal_interval:3")
    assert [c["label"] for c in classes] == ["1%–4%", "4%–7%", "7%–10%"]
    assert idx.tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, -1]
    # Breaks of one's own (counts: whole numbers, classes of whole numbers).
    classes, idx, _ = _classes(values, "count", "en", [3, 5])
    assert [c["label"] for c in classes] == ["1–3", "4–5", "6–10"]
    assert idx.tolist() == [0, 0, 0, 1, 1, 2, 2, 2, 2, 2, -1]
    # Every colour differs, and none is the grey of "no data".
    colours = [c["color"] for c in _classes(values, "count", "en", "fisher_jenks:9")[0]]
    assert len(set(colours)) == len(colours) and NO_DATA_COLOUR not in colours


@pytest.mark.parametrize(
    "bad", ["quantile", "quantiles:1", "quantiles:10", "fisher_jenks:x", "a,b", [], ["x"]]
)
def test_bad_classes_raise_our_error(tiny, bad):
    with pytest.raises(MapError):
        map_payload(tiny, classes=bad)


def test_bts_classes_differ_where_the_data_differs():
    layers = bundled_layers()
    data = map_payload(layers, metric="bts")
    # Independent share of approved locations on air per district (geopandas join).
    # (the units after the Mỹ Lộc merger, as the map draws them)
    bts = layers["bts_stations"]
    units = unit_frame(layers).reset_index()[["code", "geometry"]]
    joined = gpd.sjoin(bts, units.to_crs(bts.crs), predicate="within")
    share = joined.groupby("code")["status"].apply(lambda s: 100 * (s == "on_air").mean())
    assert share.min() >= 90 and share.max() <= 94
    cls = {f["properties"]["code"]: f["properties"]["c"] for f in data["units"]["features"]}
    assert len(set(cls.values())) >= 3  # not one colour for the 9 districts
    # A higher share never has a lower class.
    order = share.sort_values().index
    assert [cls[c] for c in order] == sorted(cls[c] for c in order)


def test_slider_months_carry_the_units_figures(tiny):
    data = map_payload(tiny, metric="switch_off_2g")
    first, last = data["slider"]["first"], data["slider"]["last"]
    b = _unit(data, "102")
    assert len(b["cm"]) == len(b["vm"]) == last - first + 1
    assert len(b["sm"]) == last - first
    assert b["vm"][-1] == b["value"]
    # In the first month (03/2024) only A1 (unit 101) is switched off: 0 of 2 in B.
    assert b["vm"][0] == "0%"
    assert _unit(data, "101")["vm"][0] == "25%"


def test_country_and_data_name_labels(tiny):
    data = map_payload(tiny, lang="en")
    assert "Province: " in data["choropleth"]["legend"]
    assert data["heading"]["subtitle"] == "2 administrative units"
    units = tiny["districts"].copy()
    units["parent_code"] = ["01", "36"]  # two provinces: the figures are the country's
    named = LayerSet({**dict(tiny), "districts": units}, source="/data/national", name="Viet Nam")
    data = map_payload(named, lang="en")
    assert "Country: " in data["choropleth"]["legend"]
    assert data["heading"]["subtitle"] == "Whole country"
    assert data["attribution"] == "Data: Viet Nam"  # the layer set's name, not the folder's
    assert data["heading"]["source"] == "Source: Viet Nam"


@pytest.mark.parametrize("k", [2, 3, 5, 7])
def test_quantile_and_equal_interval_limits_are_mapclassifys(k):
    """Our numpy classes (no mapclassify import, which compiles numba kernels) match it."""
    import warnings

    import mapclassify
    import numpy as np

    from ict_gis.render import maps as render_maps

    rng = np.random.default_rng(k)
    for vals in (
        rng.uniform(0, 100, 700),
        np.round(rng.normal(95, 2, 129), 1),  # many ties
        np.array([19.6, 20.1, 20.4, 21.0, 22.2, 22.2, 22.2]),
    ):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Not enough unique values", UserWarning)
            expected_q = mapclassify.Quantiles(vals, k=k).bins
        expected_e = mapclassify.EqualInterval(vals, k=k).bins

        def limits(values):  # (scipy and numpy interpolate to within 1e-14)
            return np.unique(np.round(np.asarray(values, dtype=float), 9))

        np.testing.assert_allclose(limits(render_maps._quantiles(vals, k)), limits(expected_q))
        np.testing.assert_allclose(
            limits(render_maps._equal_intervals(vals, k)), limits(expected_e)
        )


def test_progress_reaches_its_total_step_by_step():
    seen: list[tuple[int, int]] = []
    map_payload(
        bundled_layers(), metric="bts", progress=lambda done, total: seen.append((done, total))
    )
    dones = [d for d, _ in seen]
    assert len({t for _, t in seen}) == 1 and len(seen) >= 3
    assert dones == sorted(dones) and dones[-1] == seen[-1][1]


def test_with_many_stations_the_overlay_draws_only_the_metric(monkeypatch):
    """A country's map of 4G coverage draws no 2G/5G footprints and no 2G gaps."""
    from ict_gis.render import maps as render_maps

    layers = bundled_layers()

    def overlay(payload):
        layer = next(p for p in payload["layers"] if p["key"] == "coverage")
        return [sub["id"] for sub in layer["subs"]]

    everything = ["2G", "3G", "4G", "5G", "after", "lost"]
    assert overlay(map_payload(layers, metric="coverage_4g")) == everything
    monkeypatch.setattr(render_maps, "COVERAGE_AUTO_MAX_STATIONS", 10)
    assert overlay(map_payload(layers, metric="coverage_4g")) == ["4G"]
    assert overlay(map_payload(layers, metric="coverage_2g")) == ["2G", "after", "lost"]
