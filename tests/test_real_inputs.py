"""Real, messy unit boundaries: topology, the one placement rule, repairs (issue 12).

Hand-made fixtures in UTM zone 48N (metres, so every expected figure is
arithmetic), plus the 129 communes of the new Ninh Bình as published
(``tests/data/real/districts.geojson``: the ring lists of
``ninh_binh_2025_communes.json`` nested by ``layers/build_communes_2025.py``'s
``assemble_rings``, not cleaned).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner
from shapely import Point, box

from ict_gis.cli.main import cli
from ict_gis.layerset import LayerSet, bundled_layers, read_layers
from ict_gis.units import assign_units, unit_frame
from ict_gis.validate import validate

UTM = "EPSG:32648"
X0, Y0 = 600_000.0, 2_250_000.0
REAL = Path(__file__).parent / "data" / "real"
BROKEN = Path(__file__).parent / "data" / "broken"


def units(*boxes: tuple[str, tuple[float, float, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": [c for c, _ in boxes],
            "name": [f"Unit {c}" for c, _ in boxes],
            "level": "district",
        },
        geometry=[box(X0 + a, Y0 + b, X0 + c, Y0 + d) for _, (a, b, c, d) in boxes],
        crs=UTM,
    )


def stations(*xy: tuple[float, float], crs: str = UTM) -> gpd.GeoDataFrame:
    n = len(xy)
    off = (X0, Y0) if crs == UTM else (0.0, 0.0)
    return gpd.GeoDataFrame(
        {
            "site_id": [f"S{i}" for i in range(n)],
            "operator": "Viettel",
            "technologies": "4G",
            "height_m": 30.0,
            "status": "on_air",
            "approved_date": "2020-01-01",
            "on_air_date": "2020-02-01",
        },
        geometry=[Point(off[0] + x, off[1] + y) for x, y in xy],
        crs=crs,
    )


# Two 1 km squares overlapping by a 100 m x 1 km strip (0.1 km²).
OVERLAP = (("10", (0, 0, 1000, 1000)), ("20", (900, 0, 1900, 1000)))
# Four units enclosing a 10 m x 1 km sliver between x = 1000 and 1010.
SLIVER = (
    ("10", (0, 0, 1000, 1000)),
    ("20", (1010, 0, 2000, 1000)),
    ("30", (0, 1000, 2000, 2000)),
    ("40", (0, -1000, 2000, 0)),
)


def test_point_in_overlap_goes_to_lower_code_and_areas_are_a_partition():
    layers = LayerSet({"districts": units(*OVERLAP)})
    got = assign_units(stations((950, 500), (1500, 500)), layers["districts"])
    assert got.tolist() == ["10", "20"]
    frame = unit_frame(layers)
    # 10 keeps its 1 km²; 20 loses the 0.1 km² strip: 0.9 km²; sum = union = 1.9 km²
    assert frame.geometry.area.loc["10"] == pytest.approx(1e6, abs=1)
    assert frame.geometry.area.loc["20"] == pytest.approx(0.9e6, abs=1)
    assert frame.geometry.area.sum() == pytest.approx(1.9e6, abs=1)


def test_validate_reports_the_overlap_pair_with_its_area():
    problems = validate(LayerSet({"districts": units(*OVERLAP)}))
    pairs = [p for p in problems if "overlap by" in p.message]
    assert len(pairs) == 1
    assert pairs[0].severity == "warning"  # 0.1 km² is below the 1 km² error threshold
    assert "units 10 and 20 overlap by 0.1000 km² (100,000 m²)" in pairs[0].message


def test_a_large_overlap_is_an_error():
    big = (("10", (0, 0, 2000, 2000)), ("20", (0, 0, 2000, 1000)))  # 2 km² shared
    problems = validate(LayerSet({"districts": units(*big)}))
    assert any(p.severity == "error" and "overlap by 2.0000 km²" in p.message for p in problems)


def test_point_in_a_sliver_is_placed_by_validate_and_by_the_metrics_alike():
    districts = units(*SLIVER)
    sites = stations((1005, 500), (1500, 1500))
    problems = validate(LayerSet({"districts": districts, "bts_stations": sites}))
    # the sliver itself is reported: 10 m x 1000 m = 10,000 m²
    gaps = [p for p in problems if p.message.startswith("gap between units")]
    assert len(gaps) == 1 and "10,000 m²" in gaps[0].message
    # the station 5 m from units 10 and 20 is not "outside" for validate ...
    assert not [p for p in problems if p.layer == "bts_stations"]
    # ... nor for the metrics: equidistant from 10 and 20, it goes to the lower code
    assert assign_units(sites, districts).tolist() == ["10", "30"]


def test_message_for_a_point_outside_says_how_far_and_from_which_unit():
    districts = units(*OVERLAP)
    sites = stations((500, 1250))  # 250 m north of unit 10, not a swap
    problems = validate(LayerSet({"districts": districts, "bts_stations": sites}))
    (p,) = [p for p in problems if p.layer == "bts_stations"]
    assert "250 m from the nearest unit, 10" in p.message
    assert "swapped" not in p.message and "exchanged" not in p.message
    assert assign_units(sites, districts).isna().all()


def test_message_suggests_swapped_coordinates_only_when_that_explains_it():
    unit = gpd.GeoDataFrame(
        {"code": ["1"], "name": ["A"], "level": "district"},
        geometry=[box(106.0, 20.0, 106.5, 20.5)],
        crs="EPSG:4326",
    )
    # (20.2, 106.2) is not in Viet Nam's box as lon/lat either way round for the
    # plausibility check, but swapped it is (106.2, 20.2): inside the unit.
    near = stations((106.6, 20.2), crs="EPSG:4326")  # ~10 km east: no swap explains it
    problems = validate(LayerSet({"districts": unit, "bts_stations": near}))
    (p,) = [p for p in problems if p.layer == "bts_stations"]
    assert "exchanged" not in p.message
    # the unit drawn on the other side of the diagonal, so a swapped point is in Viet Nam
    unit2 = unit.set_geometry([box(106.0, 20.0, 106.5, 20.5)], crs="EPSG:4326")
    swapped = stations((106.3, 20.3), crs="EPSG:4326")
    swapped = swapped.set_geometry([Point(20.3, 106.3)], crs="EPSG:4326")
    problems = validate(LayerSet({"districts": unit2, "bts_stations": swapped}))
    texts = " ".join(p.message for p in problems if p.layer == "bts_stations")
    assert "swap" in texts


def test_validate_fix_writes_a_repaired_copy_that_reads_back_valid(tmp_path):
    src = tmp_path / "in"
    shutil.copytree(BROKEN / "base", src)
    shutil.copy(BROKEN / "districts-invalid_geometry.geojson", src / "districts.geojson")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in src.iterdir()}
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["validate", str(src), "--fix", "-o", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 1, result.output  # the input still has the error
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in src.iterdir()}
    assert after == before
    assert (out / "repair-report.txt").read_text(encoding="utf-8").count("repaired") >= 1
    repaired = read_layers(out)
    assert shapely.is_valid(repaired["districts"].geometry.to_numpy()).all()
    again = CliRunner().invoke(cli, ["validate", str(out)], catch_exceptions=False)
    assert "invalid" not in again.stdout


def test_fix_needs_an_output_folder(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(BROKEN / "base"), "--fix"])
    assert result.exit_code == 2 and "-o FOLDER" in result.output


# --------------------------------------------------------------------------- the real file


@pytest.fixture(scope="module")
def real_set(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("real")
    shutil.copy(REAL / "districts.geojson", folder / "districts.geojson")
    bundled = bundled_layers().source
    for name in ("bts_stations", "cable_routes", "shutdowns_2g", "sites_5g"):
        shutil.copy(Path(bundled) / f"{name}.geojson", folder / f"{name}.geojson")
    return folder


def test_real_ninh_binh_validate_reports_overlaps_and_slivers(real_set):
    result = CliRunner().invoke(
        cli, ["validate", str(real_set), "--max-problems", "5"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    pairs = int(out.split(" pairs of units overlap")[0].rsplit(" ", 1)[-1])
    km2 = float(out.split("pairs of units overlap, ")[1].split(" km²")[0])
    gaps = int(out.split(" gaps (slivers)")[0].rsplit(" ", 1)[-1])
    assert 260 <= pairs <= 300 and 3.4 <= km2 <= 4.0 and 600 <= gaps <= 660
    assert "... and " in out  # --max-problems 5 cut the list


@pytest.mark.parametrize(
    "args",
    [
        ["progress", "switch-off"],
        ["progress", "cables"],
        ["coverage"],
        ["coverage", "--mode", "fast"],
    ],
)
def test_real_ninh_binh_every_command_runs(real_set, args, tmp_path):
    result = CliRunner().invoke(cli, [*args, str(real_set)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_real_ninh_binh_province_area_is_the_filled_union(real_set):
    layers = read_layers(real_set)
    frame = unit_frame(layers)
    metric = frame.geometry.to_crs(frame.estimate_utm_crs())
    raw = layers["districts"].geometry.to_crs(metric.crs)
    union = shapely.union_all(shapely.make_valid(raw.to_numpy()))
    # every hole of the union is a sliver (< 1 km²): the partition fills them all
    holes = [shapely.Polygon(r).area for p in shapely.get_parts(union) for r in p.interiors]
    assert max(holes) < 1e6
    filled = sum(shapely.Polygon(p.exterior).area for p in shapely.get_parts(union))
    assert metric.area.sum() == pytest.approx(filled, rel=1e-5)
    assert raw.area.sum() > union.area * 1.0008  # the published units double-count ~3.7 km²
    # the units of the partition overlap by rounding only (< 1 m² per km² in all;
    # the published file: 3.7 km² of overlaps)
    tree = shapely.STRtree(metric.to_numpy())
    i, j = tree.query(metric.to_numpy(), predicate="intersects")
    pairs = i < j
    shared = shapely.area(
        shapely.intersection(metric.to_numpy()[i[pairs]], metric.to_numpy()[j[pairs]])
    )
    assert shared.sum() < 1e-6 * metric.area.sum()


def _totals(folder: Path) -> dict[tuple[str, str], tuple[float, float]]:
    result = CliRunner().invoke(
        cli, ["-q", "coverage", str(folder), "--format", "csv"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    out = {}
    for line in result.stdout.splitlines():
        cells = line.split(",")
        if cells[0] == "total":
            out[(cells[2], cells[3])] = (float(cells[4]), float(cells[5]))
    return out


def test_real_ninh_binh_messy_and_cleaned_give_the_same_figures(real_set, tmp_path):
    # The cleaned units: layers/build_communes_2025.py's partition of the same file.
    clean = tmp_path / "clean"
    shutil.copytree(real_set, clean)
    cleaned = gpd.read_file(
        Path(__file__).parents[1] / "layers" / "units" / "communes_2025.geojson"
    )
    cleaned = cleaned.drop(columns=[c for c in ("vintage", "unit_type") if c in cleaned])
    cleaned.to_file(clean / "districts.geojson", driver="GeoJSON")
    messy, tidy = _totals(real_set), _totals(clean)
    assert messy.keys() == tidy.keys() and len(messy) >= 4
    for key, (area, covered) in messy.items():
        assert area == pytest.approx(tidy[key][0], rel=1e-3), key
        assert covered == pytest.approx(tidy[key][1], rel=1e-3), key
