import json
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from ict_gis import io
from ict_gis.errors import LayerReadError, LayerWriteError

NAMES = ["Thành phố Nam Định", "Huyện Giao Thủy", "Đường Trần Hưng Đạo"]


@pytest.fixture
def points():
    return gpd.GeoDataFrame(
        {"site_id": ["A1", "A2", "A3"], "name": NAMES, "height_m": [30.0, 42.5, 18.0]},
        geometry=[Point(106.17, 20.42), Point(106.2, 20.3), Point(106.45, 20.25)],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".csv"])
def test_round_trip_keeps_vietnamese_names_and_coordinates(tmp_path, points, suffix):
    path = tmp_path / f"bts_stations{suffix}"
    io.write_layer(points, path)
    back = io.read_layer(path)
    assert list(back["site_id"]) == ["A1", "A2", "A3"]
    assert list(back["name"]) == NAMES
    assert back.crs.to_epsg() == 4326
    assert list(back.geometry.x.round(6)) == [106.17, 106.2, 106.45]
    assert list(back.geometry.y.round(6)) == [20.42, 20.3, 20.25]


def test_round_trip_lines_through_csv_uses_wkt(tmp_path):
    lines = gpd.GeoDataFrame(
        {"route_id": ["R1"]}, geometry=[LineString([(106.1, 20.4), (106.2, 20.41)])], crs=4326
    )
    path = tmp_path / "cable_routes.csv"
    io.write_layer(lines, path)
    assert "wkt" in path.read_text(encoding="utf-8").splitlines()[0]
    back = io.read_layer(path)
    assert back.geometry.iloc[0].equals(lines.geometry.iloc[0])


def test_shapefile_plain_and_zipped(tmp_path, points):
    shp = tmp_path / "bts_stations.shp"
    points.to_file(shp, engine="fiona", encoding="utf-8")
    assert list(io.read_layer(shp)["name"]) == NAMES
    archive = tmp_path / "bts_stations.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("bts_stations.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    zipped = io.read_layer(archive)
    assert list(zipped["name"]) == NAMES
    assert zipped.crs.to_epsg() == 4326


def test_geopackage_with_several_layers(tmp_path, points):
    path = tmp_path / "set.gpkg"
    table = pd.DataFrame({"code": ["356"], "period": ["2024-12"]})
    io.write_layers({"bts_stations": points, "subscribers": table}, path)
    assert sorted(io.list_layers(path)) == ["bts_stations", "subscribers"]
    assert list(io.read_layer(path, layer="subscribers")["code"]) == ["356"]
    schema = io.read_schema(path, layer="bts_stations")
    assert schema["geometry"] == "Point"
    assert set(schema["properties"]) == {"site_id", "name", "height_m"}


def test_iter_features_streams_dicts(tmp_path, points):
    path = tmp_path / "bts_stations.geojson"
    io.write_layer(points, path)
    features = list(io.iter_features(path))
    assert [f["properties"]["site_id"] for f in features] == ["A1", "A2", "A3"]
    assert features[0]["geometry"]["type"] == "Point"


def test_csv_lon_lat_gives_points_and_text_values(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("site_id,code,lon,lat\n007,0356,106.1,20.4\n008,,,\n", encoding="utf-8")
    frame = io.read_layer(path)
    assert list(frame["site_id"]) == ["007", "008"]  # leading zeros kept: read as text
    assert frame.loc[0, "code"] == "0356"
    assert frame.loc[1, "code"] is None
    assert frame.geometry.iloc[0].equals(Point(106.1, 20.4))
    assert frame.geometry.iloc[1] is None  # kept, to be reported by validation


def test_csv_without_coordinates_is_a_table(tmp_path):
    path = tmp_path / "subscribers.csv"
    path.write_text("code,period\n356,2024-12\n", encoding="utf-8")
    frame = io.read_layer(path)
    assert not isinstance(frame, gpd.GeoDataFrame)
    assert frame.to_dict("records") == [{"code": "356", "period": "2024-12"}]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(LayerReadError, match="no such file"):
        io.read_layer(tmp_path / "nope.geojson")


def test_unreadable_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bts_stations.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(LayerReadError, match="cannot read"):
        io.read_layer(path)


def test_write_refuses_to_overwrite_an_input(tmp_path, points):
    path = tmp_path / "bts_stations.geojson"
    io.write_layer(points, path)
    before = path.read_bytes()
    io.read_layer(path)
    with pytest.raises(LayerWriteError, match="read as an input"):
        io.write_layer(points, path)
    with pytest.raises(LayerWriteError):
        io.write_text("x", path)
    assert path.read_bytes() == before


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path, points, monkeypatch):
    path = tmp_path / "out.geojson"
    io.write_layer(points, path)
    good = path.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", broken)
    with pytest.raises(RuntimeError):
        io.write_layer(points, path)
    assert path.read_bytes() == good  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.geojson"]


def test_write_text_is_utf8(tmp_path):
    path = io.write_text("Giao Thủy", tmp_path / "a.txt")
    assert path.read_bytes() == "Giao Thủy".encode()


def test_dates_are_written_as_iso_text(tmp_path):
    frame = gpd.GeoDataFrame(
        {"d": pd.to_datetime(["2024-09-01", None])},
        geometry=[Point(0, 0), Point(1, 1)],
        crs=4326,
    )
    path = tmp_path / "x.geojson"
    io.write_layer(frame, path)
    props = [f["properties"]["d"] for f in json.loads(path.read_text())["features"]]
    assert props == ["2024-09-01", None]


def test_points_with_null_geometry_survive_csv(tmp_path):
    frame = gpd.GeoDataFrame({"site_id": ["a", "b"]}, geometry=[Point(1, 2), None], crs=4326)
    path = tmp_path / "bts_stations.csv"
    io.write_layer(frame, path)
    back = io.read_layer(path)
    assert list(back["site_id"]) == ["a", "b"]
    assert shapely.is_missing(back.geometry.iloc[1])


def test_the_io_package_keeps_every_name_of_the_old_module():
    import ict_gis.io.files as files

    for name in ("read_layer", "write_layer", "write_layers", "list_layers", "read_schema",
                 "iter_features", "is_input", "write_bytes", "write_text", "read_text",
                 "VECTOR_SUFFIXES", "TABLE_SUFFIXES"):  # fmt: skip
        assert getattr(io, name) is getattr(files, name), name
    assert callable(io.read_opencellid) and callable(io.read_sheet)


def test_only_the_io_package_imports_the_file_drivers():
    import re
    from pathlib import Path

    package = Path(io.__file__).resolve().parents[1]
    pattern = re.compile(
        r"^\s*(import|from)\s+(fiona|pyogrio|pyarrow\.csv)\b|pyarrow import csv", re.M
    )
    outside = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "io" not in path.relative_to(package).parts[:1]
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert outside == []
