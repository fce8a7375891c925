"""Tests of ict_gis.validate on hand-made broken layers (tests/data/broken/).

``base/`` is a small clean layer set (two square districts, three stations,
...). Every other file there is one layer of that set with exactly one kind of
problem; each test swaps it into a copy of ``base/`` and expects exactly the
problems listed below (worked out by hand from the files). ``many/`` is a full
set with several problems at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

import ict_gis
from ict_gis import io
from ict_gis.errors import ValidationError
from ict_gis.layerset import LayerSet, bundled_layers, read_layers
from ict_gis.schema import kind_from_name
from ict_gis.validate import ensure_valid, format_problems, repair, validate

DATA = Path(__file__).parent / "data" / "broken"
BASE = DATA / "base"
MANY = DATA / "many"


def set_with(tmp_path: Path, fixture: str) -> Path:
    """A copy of base/ whose layer of the fixture's kind is the fixture."""
    kind = kind_from_name(fixture)
    target = tmp_path / "set"
    shutil.copytree(BASE, target)
    for old in target.glob(f"{kind}.*"):
        old.unlink()
    shutil.copy(DATA / fixture, target / f"{kind}{Path(fixture).suffix}")
    return target


def keys(problems):
    return [(p.layer, p.feature_id, p.column, p.severity) for p in problems]


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# fixture -> (expected (layer, feature_id, column, severity) in order, words in the message)
CASES = {
    "bts_stations-missing_column.geojson": (
        [("bts_stations", None, "status", "error")],
        "missing",
    ),
    "bts_stations-unknown_column.geojson": (
        [("bts_stations", None, "ghi_chu", "warning")],
        "not part of the bts_stations schema",
    ),
    "bts_stations-wrong_type.geojson": (
        [("bts_stations", "NĐ-002", "height_m", "error")],
        "'hai mươi lăm' is not a number",
    ),
    "bts_stations-unknown_value.geojson": (
        [("bts_stations", "NĐ-003", "operator", "error")],
        "'Viettle'",
    ),
    "bts_stations-duplicate_id.geojson": (
        [("bts_stations", "NĐ-002", "site_id", "error")] * 2,
        "used by 2 features (#1, #3",
    ),
    "bts_stations-null_geometry.geojson": (
        [("bts_stations", "NĐ-002", "geometry", "error")],
        "geometry is missing",
    ),
    "bts_stations-empty_geometry.csv": (
        [("bts_stations", "NĐ-002", "geometry", "error")],
        "geometry is empty",
    ),
    "bts_stations-wrong_geometry_type.geojson": (
        [("bts_stations", "NĐ-002", "geometry", "error")],
        "LineString; bts_stations takes Point",
    ),
    "bts_stations-swapped_coordinates.geojson": (
        [("bts_stations", "NĐ-002", "geometry", "error")],
        "(x=20.43, y=106.18) look swapped",
    ),
    "bts_stations-projected_coordinates.geojson": (
        [("bts_stations", "NĐ-002", "geometry", "error")],
        "(x=623102.2, y=2259508.8) are outside longitude ±180 / latitude ±90",
    ),
    # NĐ-001 lies 0.0004° ≈ 42 m east of the city square: within the 100 m
    # tolerance, so not reported; NĐ-002 is 5 km east of it.
    "bts_stations-outside_area.geojson": (
        [("bts_stations", "NĐ-002", "geometry", "warning")],
        "outside the admin area",
    ),
    "bts_stations-on_air_without_date.geojson": (
        [("bts_stations", "NĐ-003", "on_air_date", "warning")],
        "on_air but on_air_date is missing",
    ),
    "bts_stations-on_air_before_approved.geojson": (
        [("bts_stations", "NĐ-001", "on_air_date", "warning")],
        "on_air_date 2022-12-01 is before approved_date 2023-01-10",
    ),
    "districts-invalid_geometry.geojson": (
        [("districts", "358", "geometry", "error")],
        "Self-intersection",
    ),
    "cable_routes-no_crs.zip": (
        [("cable_routes", None, "geometry", "error")],
        "no CRS",
    ),
    "cable_routes-tidied_without_date.geojson": (
        [("cable_routes", "R-01", "done_date", "warning")],
        "tidied but done_date is missing",
    ),
    "shutdowns_2g-dangling_reference.geojson": (
        [("shutdowns_2g", "NĐ-009", "site_id", "error")],
        "'NĐ-009' is not in bts_stations",
    ),
    "shutdowns_2g-before_on_air.geojson": (
        [("shutdowns_2g", "NĐ-001", "switch_off_date", "warning")],
        "2023-02-01 is before the station went on air (2023-03-01",
    ),
    "shutdowns_2g-operator_mismatch.geojson": (
        [("shutdowns_2g", "NĐ-001", "operator", "warning")],
        "'MobiFone' differs from the station's operator 'Viettel'",
    ),
    "sites_5g-unknown_site.geojson": (
        [("sites_5g", "NĐ-010", "site_id", "warning")],
        "'NĐ-010' is not in bts_stations",
    ),
    "subscribers-unknown_code.csv": (
        [("subscribers", "999/2024-12", "code", "error")],
        "'999' is not in the districts layer",
    ),
    "subscribers-bad_period.csv": (
        [("subscribers", "358/12/2024", "period", "error")],
        "'12/2024' is not a month",
    ),
    "subscribers-duplicate_row.csv": (
        [("subscribers", "358/2024-12", None, "error")] * 2,
        "code/period '358/2024-12' is used by 2 features (#1, #2",
    ),
    "subscribers-more_migrated.csv": (
        [("subscribers", "356/2024-12", "migrated_to_4g", "warning")],
        "1200 is more than subscribers_2g 1000",
    ),
    "admin_changes-unknown_code.csv": (
        # a warning for the unknown code, and an error: the metrics stop on the merge
        [
            ("admin_changes", "358", "new_code", "warning"),
            ("admin_changes", "358", "new_code", "error"),
        ],
        "'357' is not in the districts layer",
    ),
}


def test_every_fixture_has_a_case():
    files = {p.name for p in DATA.iterdir() if p.suffix in (".geojson", ".csv", ".zip")}
    assert files == set(CASES)


def test_base_set_is_clean():
    layers = read_layers(BASE)
    assert len(layers) == 7
    assert validate(layers) == []
    assert validate(layers, strict=True) == []
    assert ensure_valid(layers) is None


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_one_problem_kind_per_fixture(tmp_path, fixture):
    expected, words = CASES[fixture]
    problems = validate(read_layers(set_with(tmp_path, fixture)))
    assert keys(problems) == expected
    for problem in problems:
        assert words in problem.message
        assert problem.fix  # every problem says how to fix it


def test_duplicate_ids_report_every_feature(tmp_path):
    problems = validate(read_layers(set_with(tmp_path, "bts_stations-duplicate_id.geojson")))
    assert [p.message.split("this is ")[1][:2] for p in problems] == ["#1", "#3"]


def test_missing_crs_fix_suggests_epsg_4326_for_degrees(tmp_path):
    (problem,) = validate(read_layers(set_with(tmp_path, "cable_routes-no_crs.zip")))
    assert "EPSG:4326" in problem.fix


def test_many_problems_are_reported_at_once():
    problems = validate(read_layers(MANY))
    assert keys(problems) == [
        ("bts_stations", "NĐ-001", "operator", "error"),
        ("bts_stations", "NĐ-002", "site_id", "error"),
        ("bts_stations", "NĐ-003", "on_air_date", "warning"),
        ("bts_stations", "NĐ-002", "site_id", "error"),  # the copy, row #3
        ("bts_stations", "NĐ-004", "geometry", "error"),  # swapped
        ("bts_stations", "NĐ-005", "geometry", "error"),  # missing
        ("shutdowns_2g", "NĐ-009", "site_id", "error"),
        ("cable_routes", "R-01", "done_date", "warning"),
        ("cable_routes", "R-02", "geometry", "warning"),  # 10 km east of the city
        ("subscribers", "999/2024-12", "code", "error"),
    ]
    assert "swapped" in problems[4].message
    assert "missing" in problems[5].message


def test_strict_turns_warnings_into_errors():
    normal = validate(read_layers(MANY))
    strict = validate(read_layers(MANY), strict=True)
    assert [p.severity for p in strict] == ["error"] * 10
    assert [(p.layer, p.feature_id, p.column, p.message) for p in strict] == [
        (p.layer, p.feature_id, p.column, p.message) for p in normal
    ]


def test_ensure_valid(tmp_path):
    with pytest.raises(ValidationError) as info:
        ensure_valid(read_layers(MANY))
    assert len(info.value.problems) == 10
    assert "7 error(s)" in str(info.value)
    warnings_only = read_layers(set_with(tmp_path, "cable_routes-tidied_without_date.geojson"))
    ensure_valid(warnings_only)
    with pytest.raises(ValidationError):
        ensure_valid(warnings_only, strict=True)


def test_validation_never_modifies_files_or_drops_rows():
    before = digests(DATA)
    layers = read_layers(MANY)
    frames = {kind: frame.copy() for kind, frame in layers.items()}
    validate(layers, strict=True)
    repair(layers)
    format_problems(validate(layers))
    assert digests(DATA) == before
    for kind, frame in layers.items():
        pd.testing.assert_frame_equal(frame, frames[kind])
    # every feature of the files is still there, the broken ones too
    for path in MANY.glob("*.geojson"):
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        assert list(layers[path.stem].iloc[:, 0]) == [
            f["properties"][layers[path.stem].columns[0]] for f in features
        ]
    assert len(layers["subscribers"]) == 2


def test_missing_id_falls_back_to_row_number():
    raw = io.read_layer(BASE / "bts_stations.geojson")
    raw.loc[1, "site_id"] = None
    raw.loc[1, "geometry"] = None
    layers = LayerSet.from_frames({"bts_stations": raw})
    assert keys(validate(layers)) == [
        ("bts_stations", "#1", "site_id", "error"),
        ("bts_stations", "#1", "geometry", "error"),
    ]


def test_whole_layer_swapped_is_one_problem():
    layers = read_layers(BASE)
    stations = layers["bts_stations"]
    swapped = stations.set_geometry(
        gpd.points_from_xy(stations.geometry.y, stations.geometry.x, crs=stations.crs)
    )
    problems = validate(layers.replace(bts_stations=swapped))
    # the shutdown and the 5G site still sit where the stations really are
    assert keys(problems) == [("bts_stations", None, "geometry", "error")]
    assert "of all 3 features (e.g. NĐ-001, NĐ-002, NĐ-003" in problems[0].message


def test_missing_crs_with_metres_suggests_projected_crs():
    layers = read_layers(BASE)
    stations = layers["bts_stations"].to_crs("EPSG:32648").set_crs(None, allow_override=True)
    (problem,) = validate(LayerSet({"bts_stations": stations}))
    assert keys([problem]) == [("bts_stations", None, "geometry", "error")]
    assert "EPSG:32648" in problem.fix


def test_outside_viet_nam_without_districts():
    raw = io.read_layer(BASE / "bts_stations.geojson")
    raw.loc[2, "geometry"] = shapely.Point(2.35, 48.85)  # Paris
    problems = validate(LayerSet.from_frames({"bts_stations": raw}))
    assert keys(problems) == [("bts_stations", "NĐ-003", "geometry", "warning")]
    assert "outside Viet Nam" in problems[0].message


def test_a_projected_layer_is_checked_against_the_districts():
    layers = read_layers(BASE)
    utm = layers["bts_stations"].to_crs("EPSG:32648")
    assert validate(layers.replace(bts_stations=utm)) == []
    # 0.05° north of the districts' northern edge (20.45°): about 5.5 km out
    moved = utm.copy()
    moved.loc[0, "geometry"] = (
        gpd.GeoSeries([shapely.Point(106.17, 20.50)], crs=4326).to_crs(utm.crs).iloc[0]
    )
    problems = validate(layers.replace(bts_stations=moved))
    assert keys(problems) == [("bts_stations", "NĐ-001", "geometry", "warning")]


def test_the_admin_area_tolerance_holds_for_projected_districts(tmp_path):
    # The outside-area fixture (NĐ-001 42 m out: within 100 m; NĐ-002 5 km out)
    # with the districts in UTM instead of longitude/latitude.
    layers = read_layers(set_with(tmp_path, "bts_stations-outside_area.geojson"))
    utm = layers.replace(districts=layers["districts"].to_crs("EPSG:32648"))
    assert keys(validate(utm)) == [("bts_stations", "NĐ-002", "geometry", "warning")]


def test_height_and_azimuths():
    layers = read_layers(BASE)
    stations = layers["bts_stations"].copy()
    stations.loc[0, "height_m"] = -5.0
    stations["azimuths_deg"] = [None, "0,120,400", "0,120,240"]
    problems = validate(layers.replace(bts_stations=stations))
    assert keys(problems) == [
        ("bts_stations", "NĐ-001", "height_m", "error"),
        ("bts_stations", "NĐ-002", "azimuths_deg", "error"),
    ]


def test_repair_is_explicit_and_reports_what_changed(tmp_path):
    layers = read_layers(set_with(tmp_path, "districts-invalid_geometry.geojson"))
    original = layers["districts"].copy()
    repaired, report = repair(layers)
    assert keys(report) == [("districts", "358", "geometry", "warning")]
    assert "Polygon → MultiPolygon (2 parts)" in report[0].message
    # the input is untouched and still invalid
    assert_geodataframe_equal(layers["districts"], original)
    assert not layers["districts"].geometry.iloc[1].is_valid
    fixed = repaired["districts"].geometry.iloc[1]
    assert fixed.is_valid
    # By hand, in units of 0.01°: the edge (10, 45) -> (10.3, 39.9) crosses
    # y = 40 at x = 10 + 0.3 * 5 / 5.1 = 10.29412. Kept: the square minus the
    # triangle (10,40) (10.29412,40) (10,45), i.e. 25 - 0.5*0.29412*5, plus
    # the lobe (10,40) (10.29412,40) (10.3,39.9), i.e. 0.5*0.29412*0.1.
    cut = 0.3 * 5 / 5.1
    expected = (25 - 0.5 * cut * 5 + 0.5 * cut * 0.1) * 1e-4
    assert fixed.area == pytest.approx(expected, rel=1e-9)
    assert repaired["districts"].geometry.iloc[0].equals(original.geometry.iloc[0])
    assert validate(repaired) == []
    assert len(repaired["districts"]) == len(original)


def _suggested_code(fix: str) -> str:
    """The first piece of code (between backticks) that a fix suggests."""
    code = re.findall(r"`([^`]+)`", fix)
    assert code, f"the fix suggests no code to run: {fix!r}"
    return code[0]


def test_the_suggested_repair_runs_as_written(tmp_path, monkeypatch):
    # The fix for an invalid geometry names a call; run it exactly as written,
    # with only `ict_gis` imported and the user's layer set called `layers`.
    layers = read_layers(set_with(tmp_path, "districts-invalid_geometry.geojson"))
    [problem] = validate(layers)
    assert (problem.layer, problem.feature_id, problem.column) == ("districts", "358", "geometry")
    namespace = {"ict_gis": ict_gis, "layers": layers}
    exec(_suggested_code(problem.fix), namespace)
    assert isinstance(namespace["repaired"], LayerSet)
    assert validate(namespace["repaired"]) == []
    assert keys(namespace["report"]) == [("districts", "358", "geometry", "warning")]
    # The report's own fix (save the repaired layer) runs as written too.
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    exec(_suggested_code(namespace["report"][0].fix), namespace)
    [written] = out.iterdir()
    saved = io.read_layer(written)
    assert len(saved) == 2
    assert shapely.is_valid(saved.geometry.to_numpy()).all()


def test_repair_refuses_a_result_of_the_wrong_type():
    layers = read_layers(BASE)
    routes = layers["cable_routes"].copy()
    routes.loc[1, "geometry"] = shapely.LineString([(106.12, 20.42), (106.12, 20.42)])
    layers = layers.replace(cable_routes=routes)
    assert keys(validate(layers)) == [("cable_routes", "R-02", "geometry", "error")]
    repaired, report = repair(layers)
    assert keys(report) == [("cable_routes", "R-02", "geometry", "error")]
    assert "was not repaired" in report[0].message
    assert repaired["cable_routes"].geometry.iloc[1].equals(routes.geometry.iloc[1])


def test_format_problems():
    layers = read_layers(MANY)
    problems = validate(layers)
    text = format_problems(problems, n_layers=len(layers))
    lines = text.splitlines()
    assert lines[-1] == "7 errors, 3 warnings in 7 layers"
    assert sum(line.startswith(("  ERROR", "  WARNING")) for line in lines) == 10
    assert "bts_stations: 5 errors, 1 warning" in lines
    assert "  ERROR [NĐ-009] site_id: site_id 'NĐ-009' is not in bts_stations" in text
    assert format_problems([], n_layers=1) == "0 errors, 0 warnings in 1 layer"


def test_problems_sorted_by_layer_then_feature():
    problems = validate(read_layers(MANY))
    layer_order = ["bts_stations", "shutdowns_2g", "cable_routes", "subscribers"]
    assert sorted({p.layer for p in problems}, key=layer_order.index) == layer_order
    assert [p.layer for p in problems] == sorted((p.layer for p in problems), key=layer_order.index)


@pytest.mark.timeout(60)
def test_100000_features_validate_with_placement_by_arithmetic():
    layers = read_layers(BASE)
    n = 100_000
    rng = np.random.default_rng(0)
    # districts cover 106.10-106.20 x 20.40-20.45; x up to 106.25 puts about
    # (106.25 - 106.2009) / 0.15 ≈ 1/3 of the points beyond the 100 m margin
    x = rng.uniform(106.10, 106.25, n)
    y = rng.uniform(20.40, 20.45, n)
    stations = gpd.GeoDataFrame(
        {
            "site_id": [f"S{i:06d}" for i in range(n)],
            "operator": "Viettel",
            "technologies": "2G,4G",
            "height_m": 30.0,
            "status": "on_air",
            "approved_date": pd.Timestamp("2023-01-01"),
            "on_air_date": pd.Timestamp("2023-03-01"),
        },
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:4326",
    )
    big = LayerSet({"districts": layers["districts"], "bts_stations": stations})
    problems = validate(big)
    # 100 m east of 106.20° at 20.4°N is 100 / (111,320 * cos 20.4°) ≈ 0.00096°
    # (0.00096° at 20.40°N, 0.00096 / cos 20.45 * cos 20.40 ≈ 0.000961° at 20.45°N)
    surely_out = (x > 106.20 + 100 / (111_320 * np.cos(np.radians(20.45))) + 1e-5).sum()
    maybe_out = (x > 106.20 + 100 / (111_320 * np.cos(np.radians(20.40))) - 1e-5).sum()
    assert surely_out <= len(problems) <= maybe_out
    assert len(problems) == pytest.approx(n * (106.25 - 106.20096) / 0.15, rel=0.02)
    assert {p.severity for p in problems} == {"warning"}


def test_validate_reports_progress_step_by_step():
    """The bundled set has 7 layers: 7 layers' own checks, the topology, 7 placements."""
    calls = []
    validate(bundled_layers(), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 15) for k in range(1, 16)]
