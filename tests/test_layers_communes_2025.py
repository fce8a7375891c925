"""The 2025 units shipped in layers/units/: the 129 communes of the new Ninh Bình,
the national crosswalk and Nam Định's 2025-03 commune list.

Expected values come from the source files in ../shared/data (read here with
plain json, csv and shapely, never with the build script) or from figures
checked by hand in those files. Tests that need the source files are skipped
when the shared folder is not next to the project.
"""

import csv
import gzip
import io
import json
import unicodedata
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Polygon, shape

import ict_gis

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "layers" / "units"
SHARED = ROOT.parent / "shared" / "data"
SOURCE_COMMUNES = SHARED / "vn2025" / "ninh_binh_2025_communes.json"
SOURCE_SPLITS = SHARED / "vn2025" / "dvhcvn_2025_splits.json"
SOURCE_NAM_DINH = SHARED / "nam_dinh_admin_units_2025-03.json"

#: Overlaps and interior gaps up to this area (m²) are rounding noise.
TOLERANCE_M2 = 1.0
#: Metric CRSs the units must be valid in: LAEA centred on the new province
#: (what ict_gis.units.metric_crs gives for this layer), LAEA of the bundled
#: 2024 districts, UTM 48N on WGS 84 and on VN-2000, and an equal-area world CRS.
METRIC_CRS = (
    "+proj=laea +lat_0=20.29 +lon_0=106.07 +datum=WGS84 +units=m +no_defs",
    "+proj=laea +lat_0=20.19 +lon_0=106.26 +datum=WGS84 +units=m +no_defs",
    "EPSG:32648",
    "EPSG:3405",
    "EPSG:6933",
)
#: Equal-area CRS of the area checks here (not the one the build script uses).
EQUAL_AREA = "EPSG:6933"
#: Units whose published area differs from their polygons' by more than 10 %:
#: the coastal communes of Giao Thủy, Nghĩa Hưng and Kim Sơn (tidal flats and
#: sea counted differently), two wards of Phủ Lý/Duy Tiên whose common
#: boundary disagrees with the published areas, and Giao Hưng.
AREA_OUTLIERS = {"14161", "13894", "14698", "14182", "14203", "13291", "13330", "14179"}

needs_source = pytest.mark.skipif(
    not SOURCE_COMMUNES.exists(), reason="the shared source data (../shared/data) is not here"
)


def _project(geoms, crs):
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def fn(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return [shapely.transform(g, fn) for g in geoms]


@pytest.fixture(scope="module")
def features():
    data = json.loads((UNITS / "communes_2025.geojson").read_text(encoding="utf-8"))
    return data["features"]


@pytest.fixture(scope="module")
def geoms(features):
    return [shape(f["geometry"]) for f in features]


@pytest.fixture(scope="module")
def metric(geoms):
    return _project(geoms, EQUAL_AREA)


@pytest.fixture(scope="module")
def crosswalk():
    with gzip.open(UNITS / "crosswalk_2025.csv.gz", "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def nam_dinh():
    text = (UNITS / "nam_dinh_communes_2025-03.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def source():
    return json.loads(SOURCE_COMMUNES.read_text(encoding="utf-8"))["wards"]


# --------------------------------------------------------------------------- the communes


def test_129_units_with_the_district_schema_and_a_vintage(features):
    props = [f["properties"] for f in features]
    assert len(props) == 129
    codes = [p["code"] for p in props]
    assert len(set(codes)) == 129
    assert all(isinstance(c, str) and len(c) == 5 and c.isdigit() for c in codes)
    assert all(p["level"] == "commune" for p in props)
    assert all(p["parent_code"] == "37" for p in props)
    assert all(p["vintage"] == "2025-07-01" for p in props)
    assert Counter(p["unit_type"] for p in props) == {"Xã": 97, "Phường": 32}
    for p in props:
        assert p["name"].startswith(p["unit_type"] + " ")
        for key in ("name", "unit_type"):
            assert unicodedata.normalize("NFC", p[key]) == p[key]
    by_code = {p["code"]: p for p in props}
    assert by_code["13669"]["name"] == "Phường Nam Định"
    assert by_code["14182"]["name"] == "Xã Giao Hòa"


def test_populations_sum_to_the_published_total(features):
    # 4,412,264: the sum of the 129 published figures (checked by hand in the source).
    assert sum(f["properties"]["population"] for f in features) == 4_412_264
    assert all(f["properties"]["population"] > 0 for f in features)


@needs_source
def test_names_types_and_populations_are_the_published_ones(features, source):
    published = {w["id"]: w for w in source}
    assert {f["properties"]["code"] for f in features} == set(published)
    for f in features:
        p = f["properties"]
        w = published[p["code"]]
        assert p["population"] == w["population"]
        assert p["unit_type"] == w["type"]
        assert p["name"] == f"{w['type']} {unicodedata.normalize('NFC', w['name'])}"


def test_every_unit_is_valid_in_degrees_and_in_metres(geoms):
    assert all(g.geom_type in ("Polygon", "MultiPolygon") for g in geoms)
    # RFC 7946 orientation: exterior rings counter-clockwise
    assert all(p.exterior.is_ccw for g in geoms for p in shapely.get_parts(g))
    assert all(shapely.is_valid(geoms))
    for crs in METRIC_CRS:
        assert all(shapely.is_valid(_project(geoms, crs))), crs


def test_every_unit_stays_valid_after_a_geojson_round_trip(tmp_path, features):
    frame = gpd.read_file(UNITS / "communes_2025.geojson")
    assert len(frame) == 129 and frame.crs.to_epsg() == 4326
    assert list(frame["code"]) == [f["properties"]["code"] for f in features]
    path = tmp_path / "communes.geojson"
    frame.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=6)
    back = gpd.read_file(path)
    assert back.is_valid.all()
    for crs in METRIC_CRS:
        assert back.to_crs(crs).is_valid.all(), crs


def test_no_two_units_overlap(metric):
    tree = shapely.STRtree(metric)
    a, b = tree.query(metric, predicate="intersects")
    keep = a < b
    assert keep.sum() > 300  # neighbours touch
    overlap = shapely.area(shapely.intersection(np.take(metric, a[keep]), np.take(metric, b[keep])))
    assert overlap.max() < TOLERANCE_M2


def test_the_union_has_no_interior_gap(metric):
    union = shapely.union_all(metric)
    holes = [Polygon(r).area for p in shapely.get_parts(union) for r in p.interiors]
    assert max(holes, default=0.0) < TOLERANCE_M2
    # the mainland and the islands of Giao Minh, Hải Thịnh and Kim Đông
    assert len(shapely.get_parts(union)) == 14


@needs_source
def test_areas_are_close_to_the_published_ones(features, metric, source):
    # Published `area` and the polygons' own area agree within 2 % for 100
    # units, 10 % for 121; the 8 others are listed in AREA_OUTLIERS.
    published = {w["id"]: w["area"] for w in source}
    rel = {
        f["properties"]["code"]: g.area / 1e6 / published[f["properties"]["code"]] - 1
        for f, g in zip(features, metric, strict=True)
    }
    beyond = {c for c, r in rel.items() if abs(r) > 0.10}
    assert beyond == AREA_OUTLIERS
    assert np.median(np.abs(list(rel.values()))) < 0.01
    assert sum(abs(r) <= 0.02 for r in rel.values()) >= 100


@needs_source
def test_cleaning_moves_little_area_and_keeps_the_published_outline(features, metric, source):
    rings = {w["id"]: w["polygons"] for w in source}
    raw = _project(
        [shapely.union_all([Polygon(r) for r in rings[f["properties"]["code"]]]) for f in features],
        EQUAL_AREA,
    )
    moved = np.abs(shapely.area(metric) - shapely.area(raw)) / 1e6
    assert moved.max() < 0.25  # km², the largest overlap and sliver pieces are ≈ 0.1 km²
    published = shapely.union_all(raw)
    # as published: holes in the union (slivers between neighbours), ≈ 4 km² in all
    holes = [Polygon(r) for p in shapely.get_parts(published) for r in p.interiors]
    assert len(holes) > 600
    outline = shapely.union_all([Polygon(p.exterior) for p in shapely.get_parts(published)])
    clean = shapely.union_all(metric)
    # the slivers are filled, nothing beyond the published outline is added or lost
    assert clean.area == pytest.approx(outline.area, abs=1e3)
    assert clean.difference(outline).area < 1e3
    assert published.difference(clean).area < 1e3
    assert clean.area - published.area == pytest.approx(sum(h.area for h in holes), rel=1e-3)


def test_the_units_are_shipped_beside_the_bundled_layers_but_not_read_with_them():
    folder = resources.files("ict_gis.layers") / "units"
    for name in (
        "communes_2025.geojson",
        "crosswalk_2025.csv.gz",
        "nam_dinh_communes_2025-03.csv",
        "LICENSE-vietnam-3d-map.txt",
        "LICENSE-dvhcvn-20250701.txt",
    ):
        assert (folder / name).is_file(), name
    layers = ict_gis.bundled_layers()
    assert len(layers["districts"]) == 10
    assert set(layers["districts"]["code"]) >= {"356", "358"}


# --------------------------------------------------------------------------- the crosswalk


def test_the_crosswalk_has_every_old_commune_and_its_splits(crosswalk):
    assert list(crosswalk[0]) == [
        "old_code",
        "old_name",
        "old_province_code",
        "new_code",
        "new_name",
        "new_province_code",
        "effective_date",
    ]
    pairs = [(r["old_code"], r["new_code"]) for r in crosswalk]
    assert len(set(pairs)) == len(pairs)
    parts = Counter(r["old_code"] for r in crosswalk)
    assert len(parts) == 10_047
    assert sum(n > 1 for n in parts.values()) == 460
    old_of = {r["old_code"]: r["old_province_code"] for r in crosswalk}
    split_units = Counter(old_of[c] for c, n in parts.items() if n > 1)
    assert split_units["01"] == 200 and split_units["35"] == 5 and split_units["37"] == 3
    assert "36" not in split_units
    assert {r["effective_date"] for r in crosswalk} == {"2025-07-01"}
    assert all(len(r["old_code"]) == 5 and len(r["new_code"]) == 5 for r in crosswalk)
    assert ("00001", "00097") in set(pairs)  # leading zeros kept
    assert all(unicodedata.normalize("NFC", r["new_name"]) == r["new_name"] for r in crosswalk)
    assert all(r["new_name"] == r["new_name"].strip() for r in crosswalk)


def test_the_reused_code_13669(crosswalk):
    rows = [r for r in crosswalk if r["old_code"] == "13669"]
    assert [(r["old_name"], r["new_code"], r["new_name"]) for r in rows] == [
        ("Phường Cửa Bắc", "13669", "Phường Nam Định")
    ]


@needs_source
def test_the_crosswalk_has_every_published_pair():
    data = json.loads(SOURCE_SPLITS.read_text(encoding="utf-8"))["data"]
    expected = {
        (c["level3_id"], s["new_id"], p["level1_id"], p["splits"][0]["new_id"])
        for p in data
        for c in p["level3s"]
        for s in c["splits"]
    }
    with gzip.open(UNITS / "crosswalk_2025.csv.gz", "rt", encoding="utf-8") as f:
        got = {
            (r["old_code"], r["new_code"], r["old_province_code"], r["new_province_code"])
            for r in csv.DictReader(f)
        }
    assert got == expected


def test_the_new_province_in_the_crosswalk_is_the_129_units(crosswalk, features):
    new37 = {r["new_code"] for r in crosswalk if r["new_province_code"] == "37"}
    assert new37 == {f["properties"]["code"] for f in features}
    assert {r["old_province_code"] for r in crosswalk if r["new_province_code"] == "37"} == {
        "35",
        "36",
        "37",
    }


# --------------------------------------------------------------------------- Nam Định


def test_nam_dinh_has_175_communes_in_9_districts(nam_dinh):
    assert list(nam_dinh[0]) == ["code", "name", "district_code", "district_name"]
    assert len(nam_dinh) == 175
    assert len({r["code"] for r in nam_dinh}) == 175
    districts = Counter(r["district_code"] for r in nam_dinh)
    assert len(districts) == 9 and "358" not in districts  # Mỹ Lộc merged into 356
    assert districts["356"] == 21 and districts["366"] == 24
    assert {r["district_name"] for r in nam_dinh if r["district_code"] == "356"} == {
        "Thành phố Nam Định"
    }
    row = next(r for r in nam_dinh if r["code"] == "13669")
    assert (row["name"], row["district_code"]) == ("Phường Cửa Bắc", "356")


@needs_source
def test_nam_dinh_is_the_official_list(nam_dinh):
    data = json.loads(SOURCE_NAM_DINH.read_text(encoding="utf-8"))
    expected = {
        (c["code"], c["name"], d["code"], d["name"])
        for d in data["districts"]
        for c in d["communes"]
    }
    assert {tuple(r.values()) for r in nam_dinh} == expected


def test_old_nam_dinh_goes_to_57_new_communes_unsplit(nam_dinh, crosswalk, features):
    old = {r["code"] for r in nam_dinh}
    rows = [r for r in crosswalk if r["old_province_code"] == "36"]
    assert {r["old_code"] for r in rows} == old
    assert len(rows) == 175  # no old commune of Nam Định was split
    new = {r["new_code"] for r in rows}
    assert len(new) == 57
    assert new <= {f["properties"]["code"] for f in features}
    # each old district reaches new communes through its old communes
    district_of = {r["code"]: r["district_code"] for r in nam_dinh}
    reach = defaultdict(set)
    for r in rows:
        reach[district_of[r["old_code"]]].add(r["new_code"])
    assert len(reach) == 9 and all(reach.values())


# --------------------------------------------------------------------------- the build rules


@pytest.fixture(scope="module")
def build():
    from ict_gis.layers import build_communes_2025

    return build_communes_2025


def test_rings_are_nested_by_depth_not_by_orientation(build):
    outer = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]  # counter-clockwise
    hole = [[2, 2], [8, 2], [8, 8], [2, 8], [2, 2]]  # also counter-clockwise
    island = [[4, 4], [4, 6], [6, 6], [6, 4], [4, 4]]  # clockwise, inside the hole
    polygons, counts = build.assemble_rings([hole, island, outer])
    assert sorted(p.area for p in polygons) == [4, 100 - 36]
    assert counts["outer"] == 2 and counts["holes"] == 1 and counts["ccw_holes"] == 1


def test_an_overlap_goes_to_the_unit_whose_published_area_it_fits(build):
    a = shapely.box(0, 0, 10, 10)
    b = shapely.box(9, 0, 20, 10)  # overlaps a on a 1 x 10 strip
    report = build.CommuneReport()
    # a without the strip has 90 of its published 100; b has 100 of 100 without it
    clean = build.partition([a, b], [100.0, 100.0], ["a", "b"], report)
    assert [g.area for g in clean] == pytest.approx([100, 100])
    assert report.overlap_pieces == 1 and report.overlap_pairs == 1
    # published the other way round, the strip goes to b
    clean = build.partition([a, b], [90.0, 110.0], ["a", "b"], build.CommuneReport())
    assert [g.area for g in clean] == pytest.approx([90, 110])


def test_an_enclosed_sliver_goes_to_the_longest_shared_boundary(build):
    a = shapely.box(0, 0, 10, 10)
    # b has a notch 1 x 2 against a (enclosed: shares 2 with a, 4 with b) and a
    # notch 1 x 2 on the outer edge (open to the outside: stays)
    b = Polygon(
        [(10, 0), (20, 0), (20, 4), (19, 4), (19, 6), (20, 6), (20, 10), (10, 10), (10, 6)]
        + [(11, 6), (11, 4), (10, 4)]
    )
    report = build.CommuneReport()
    clean = build.partition([a, b], [100.0, 96.0], ["a", "b"], report)
    assert report.gap_pieces == 1 and report.gap_km2 == pytest.approx(2e-6)
    assert [g.area for g in clean] == pytest.approx([100, 98])
    assert shapely.union_all(clean).area == pytest.approx(198)  # the outer notch stays
