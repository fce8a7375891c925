"""``ict-gis map --units``: the map on other units (the 129 communes of 2025), and validation.

Expected values are read here from the shipped files themselves (the crosswalk
CSV, the communes GeoJSON, the list of Nam Định's old communes) with the
standard library, never from ict_gis's tables.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ict_gis.cli.main import cli
from ict_gis.layerset import bundled_path

DATA_RE = re.compile(r'<script type="application/json" id="[^"]+">(.*?)</script>', re.S)
BROKEN = Path(__file__).parent / "data" / "broken"
UNITS = bundled_path() / "units"


def payload(html: str) -> dict:
    found = DATA_RE.findall(html)
    assert len(found) == 1
    return json.loads(found[0])


def _crosswalk_rows() -> list[dict]:
    with gzip.open(UNITS / "crosswalk_2025.csv.gz", "rt", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _communes() -> dict[str, dict]:
    data = json.loads((UNITS / "communes_2025.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["code"]: f["properties"] for f in data["features"]}


@pytest.fixture(scope="module")
def commune_map(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("units") / "communes.html"
    args = ["map", "--units", "communes-2025", "--metric", "bts", "-o", str(out)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def commune_payload(commune_map) -> dict:
    return payload(commune_map.read_text(encoding="utf-8"))


def _units(data: dict) -> dict[str, dict]:
    return {f["properties"]["code"]: f["properties"] for f in data["units"]["features"]}


def test_map_on_the_129_communes(commune_payload):
    units = _units(commune_payload)
    assert len(units) == 129
    communes = _communes()
    assert set(units) == set(communes)
    assert units["14215"]["name"] == "Xã Hải Hậu"
    assert commune_payload["heading"]["subtitle"] == "129 đơn vị hành chính"


def test_units_without_data_are_no_data_never_zero(commune_payload):
    # The data cover old Nam Định: the new communes its old communes went to.
    with (UNITS / "nam_dinh_communes_2025-03.csv").open(encoding="utf-8") as f:
        old_nam_dinh = {row["code"] for row in csv.DictReader(f)}
    with_data = {r["new_code"] for r in _crosswalk_rows() if r["old_code"] in old_nam_dinh}
    assert len(with_data) == 57
    units = _units(commune_payload)
    for code, props in units.items():
        if code in with_data:  # its figures (a share of no location at all has no colour)
            assert len(props["sections"]) > 1, props["name"]
            continue
        assert props["c"] == -1, props["name"]  # grey: the "no data" colour
        assert props["value"] == "Không có số liệu"
        assert "cm" not in props and "sm" not in props  # no month shows a figure either
        # Only the old units it came from: no figure that could read as 0.
        assert [title for title, _ in props["sections"]] == [
            "Hình thành từ các đơn vị cũ (trước 01/07/2025)"
        ]
    coloured = {code for code, props in units.items() if props["c"] >= 0}
    assert len(coloured) > 50 and coloured <= with_data
    legend = commune_payload["choropleth"]["legend"]
    assert "Không có số liệu" in legend and "57/129" in legend


def test_popup_lists_the_old_units_of_a_commune(commune_payload):
    # Hand-checked against layers/units/crosswalk_2025.csv.gz: Xã Hải Hậu (14215)
    # is Thị trấn Yên Định (14215), Xã Hải Trung (14227) and Xã Hải Long (14254), whole.
    rows = [r for r in _crosswalk_rows() if r["new_code"] == "14215"]
    expected = sorted([r["old_code"] + " " + r["old_name"], "toàn bộ"] for r in rows)
    assert expected == [
        ["14215 Thị trấn Yên Định", "toàn bộ"],
        ["14227 Xã Hải Trung", "toàn bộ"],
        ["14254 Xã Hải Long", "toàn bộ"],
    ]
    sections = dict((t, r) for t, r in _units(commune_payload)["14215"]["sections"])
    assert sorted(sections["Hình thành từ các đơn vị cũ (trước 01/07/2025)"]) == expected


def test_popup_gives_the_share_of_a_split_old_unit(commune_payload):
    # Old Phường Quang Trung (13285) was split between Phường Phủ Lý (13285) and
    # Phường Hà Nam (13366): each gets its population's share of it.
    rows = [r for r in _crosswalk_rows() if r["old_code"] == "13285"]
    assert sorted(r["new_code"] for r in rows) == ["13285", "13366"]
    pop = {code: _communes()[code]["population"] for code in ("13285", "13366")}
    share = 100 * pop["13285"] / (pop["13285"] + pop["13366"])
    cut = math.floor(share * 10) / 10  # one decimal, cut as the tool's percentages are
    text = f"{cut:.1f}".replace(".", ",") + "% theo dân số"
    lines = dict(_units(commune_payload)["13285"]["sections"][-1][1])
    assert lines["13285 Phường Quang Trung"] == text
    assert lines["13294 Phường Châu Cầu"] == "toàn bộ"


def _popup(page) -> dict:
    """The popup open on the page: title, metric line and its sections' rows."""
    page.wait_for_selector(".leaflet-popup-content .ict-popup")
    return page.evaluate(
        """() => {
        const box = document.querySelector(".leaflet-popup-content .ict-popup");
        const out = {title: box.querySelector("h3").textContent,
                     metric: box.querySelector(".ict-metric").textContent, sections: {}};
        box.querySelectorAll("h4").forEach(h => {
            const rows = h.nextElementSibling.querySelectorAll("tr");
            out.sections[h.textContent] = Array.from(rows).map(
                r => [r.querySelector("th").textContent, r.querySelector("td").textContent]);
        });
        return out;
    }"""
    )


def _search_and_open(page, name: str) -> dict:
    page.fill(".ict-search input", name)
    page.locator(".ict-results a", has_text=name).first.click()
    return _popup(page)


@pytest.mark.browser
def test_commune_popups_in_a_browser(open_map, commune_map):
    page, log = open_map(commune_map, width=1366, height=768)
    page.wait_for_timeout(200)
    assert page.evaluate("() => ictMap.unitLayers.length") == 129
    # Readable: the names shown do not touch one another.
    boxes = page.eval_on_selector_all(
        ".ict-label span",
        "spans => spans.map(s => { const r = s.getBoundingClientRect();"
        " return [r.x, r.y, r.x + r.width, r.y + r.height]; })",
    )
    assert len(boxes) > 10
    assert not [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5
    ]
    shown = _search_and_open(page, "Xã Hải Hậu")
    assert shown["title"] == "Xã Hải Hậu"
    came = shown["sections"]["Hình thành từ các đơn vị cũ (trước 01/07/2025)"]
    assert sorted(came) == [
        ["14215 Thị trấn Yên Định", "toàn bộ"],
        ["14227 Xã Hải Trung", "toàn bộ"],
        ["14254 Xã Hải Long", "toàn bộ"],
    ]
    assert len(shown["sections"]) > 1  # and its figures
    # A commune of old Hà Nam: no data, grey, and where it came from.
    page.keyboard.press("Escape")
    shown = _search_and_open(page, "Phường Phủ Lý")
    assert shown["metric"].endswith(": Không có số liệu")
    assert list(shown["sections"]) == ["Hình thành từ các đơn vị cũ (trước 01/07/2025)"]
    assert "13285 Phường Quang Trung" in dict(shown["sections"][list(shown["sections"])[0]])
    fill = page.evaluate(
        "() => ictMap.unitLayers.find(p => p[0].properties.code === '13285')[1].options.fillColor"
    )
    assert fill == "#d9d9d9"
    assert log.console_errors == []


def test_bad_units_and_static_formats(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(cli, ["map", "--units", "communes-2099", "-o", str(tmp_path / "m.html")])
    assert bad.exit_code == 2 and "communes-2025" in bad.output
    assert not list(tmp_path.iterdir())
    # a static map takes --units (tests/test_static_map.py); --forecast is HTML only
    png = runner.invoke(
        cli, ["map", "--units", "communes-2025", "--forecast", "6", "-o", str(tmp_path / "m.png")]
    )
    assert png.exit_code == 2 and "HTML" in png.output
    assert not list(tmp_path.iterdir())


def test_python_api_takes_units(tmp_path):
    from ict_gis.layerset import bundled_layers
    from ict_gis.maps import map_payload

    data = map_payload(bundled_layers(), metric="cables", units="communes-2025", lang="en")
    units = _units(data)
    assert len(units) == 129
    assert units["13285"]["value"] == "No data"
    assert units["13285"]["sections"][-1][0] == "Formed from the old units (before 2025-07-01)"


# --------------------------------------------------------------------------- validation


def _set_with(tmp_path: Path, broken: str) -> Path:
    folder = tmp_path / "layers"
    shutil.copytree(BROKEN / "base", folder)
    kind = broken.split("-")[0]
    for old in folder.glob(f"{kind}.*"):
        old.unlink()
    shutil.copy(BROKEN / broken, folder / (kind + Path(broken).suffix))
    return folder


def test_map_of_invalid_layers_is_one_line_and_exit_1(tmp_path):
    folder = _set_with(tmp_path, "bts_stations-duplicate_id.geojson")
    out = tmp_path / "map.html"
    result = CliRunner().invoke(cli, ["map", str(folder), "-o", str(out)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: The layers have 2 errors, the first: ERROR: bts_stations")
    assert "NĐ-002" in lines[0] and "ict-gis validate" in lines[0]
    assert not out.exists()


def test_map_prints_warnings_and_is_drawn(tmp_path):
    folder = _set_with(tmp_path, "bts_stations-unknown_column.geojson")
    out = tmp_path / "map.html"
    result = CliRunner().invoke(cli, ["map", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "WARNING: bts_stations .ghi_chu" in result.stderr
    assert out.exists()


# --------------------------------------------------------------------------- labels


def _layer_set(boxes: dict[str, tuple[float, float, float, float]], **extra):
    import geopandas as gpd
    from shapely.geometry import Point, box

    from ict_gis.layerset import LayerSet

    units = gpd.GeoDataFrame(
        {"code": list(boxes), "name": [f"Unit {c}" for c in boxes]},
        geometry=[box(*b) for b in boxes.values()],
        crs="EPSG:4326",
    )
    centres = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in boxes.values()]
    bts = gpd.GeoDataFrame(
        {
            "site_id": [f"S{i}" for i in range(len(centres))],
            "operator": "Viettel",
            "technologies": "2G,4G",
            "status": "on_air",
            "approved_date": "2023-01-01",
            "on_air_date": "2023-06-01",
            "height_m": 30.0,
        },
        geometry=[Point(x, y) for x, y in centres],
        crs="EPSG:4326",
    )
    return LayerSet({"districts": units, "bts_stations": bts}, **extra)


def test_units_over_several_provinces_say_country():
    from ict_gis.maps import map_payload

    # Two 2° x 2° squares at 18-20° N: about 2 x 44,000 km², more than any province,
    # with no parent_code to tell.
    country = _layer_set({"A": (104, 18, 106, 20), "B": (106, 18, 108, 20)})
    data = map_payload(country, metric="bts", lang="en")
    assert "Country: " in data["choropleth"]["legend"]
    assert data["heading"]["subtitle"] == "Whole country"
    vi = map_payload(country, metric="bts", lang="vi")
    assert (
        "Toàn quốc: " in vi["choropleth"]["legend"]
        and "Toàn tỉnh" not in vi["choropleth"]["legend"]
    )
    # Two 5 km squares: a province.
    small = _layer_set({"A": (106.1, 20.4, 106.15, 20.45), "B": (106.15, 20.4, 106.2, 20.45)})
    data = map_payload(small, metric="bts", lang="en")
    assert "Province: " in data["choropleth"]["legend"]
    assert data["heading"]["subtitle"] == "2 administrative units"
    # Small, but 2025 communes of two provinces (the shipped crosswalk: 00004 Phường Ba
    # Đình is in Hà Nội, 01; 14215 Xã Hải Hậu in Ninh Bình, 37).
    rows = {r["new_code"]: r["new_province_code"] for r in _crosswalk_rows()}
    assert (rows["00004"], rows["14215"]) == ("01", "37")
    two = _layer_set({"00004": (106.1, 20.4, 106.15, 20.45), "14215": (106.15, 20.4, 106.2, 20.45)})
    assert "Country: " in map_payload(two, metric="bts", lang="en")["choropleth"]["legend"]


def test_data_label_is_the_name_given_not_the_folder(tmp_path):
    folder = _set_with(tmp_path, "bts_stations-unknown_column.geojson")
    out = tmp_path / "map.html"
    name = "Sở TT&TT <Hà Nội>"
    args = ["map", str(folder), "-o", str(out), "--name", name, "--metric", "bts"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = payload(out.read_text(encoding="utf-8"))
    assert data["attribution"] == "Dữ liệu: Sở TT&amp;TT &lt;Hà Nội&gt;"  # inserted as HTML
    assert data["heading"]["source"] == "Nguồn: Sở TT&TT <Hà Nội>"  # written as text
    assert "layers" not in data["attribution"]
