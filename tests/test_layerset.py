import json

import pytest

from ict_gis.errors import LayerKindError, LayerReadError
from ict_gis.layerset import bundled_layers, bundled_path, read_layers


def test_bundled_set_is_found_without_a_path():
    layers = bundled_layers()
    assert (bundled_path() / "districts.geojson").exists()
    assert len(layers["districts"]) == 10
    assert layers["districts"].crs.to_epsg() == 4326
    assert list(layers["admin_changes"]["old_code"]) == ["358"]


def test_bundled_districts_are_the_real_boundaries():
    layers = bundled_layers()
    names = dict(zip(layers["districts"]["code"], layers["districts"]["name"], strict=True))
    assert names["356"] == "Thành phố Nam Định"
    assert names["358"] == "Huyện Mỹ Lộc"
    assert names["365"] == "Huyện Giao Thủy"


def test_folder_single_file_and_kind(tmp_path):
    src = bundled_path() / "districts.geojson"
    copy = tmp_path / "my_units.geojson"
    copy.write_bytes(src.read_bytes())
    with pytest.raises(LayerKindError, match="--kind"):
        read_layers(copy)
    layers = read_layers(copy, kind="districts")
    assert list(layers) == ["districts"]


def test_folder_without_layer_files_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(LayerReadError, match="no layer files"):
        read_layers(tmp_path)


def test_missing_layer_message_lists_what_is_there(tmp_path):
    (tmp_path / "districts.geojson").write_bytes(
        (bundled_path() / "districts.geojson").read_bytes()
    )
    layers = read_layers(tmp_path)
    with pytest.raises(KeyError, match="has: districts"):
        layers["bts_stations"]


def test_summary_and_html_repr_escape_names(tmp_path):
    data = json.loads((bundled_path() / "districts.geojson").read_text(encoding="utf-8"))
    data["features"] = data["features"][:1]
    (tmp_path / "districts.geojson").write_text(json.dumps(data), encoding="utf-8")
    layers = read_layers(tmp_path)
    summary = layers.summary()
    assert summary.loc["districts", "features"] == 1
    assert summary.loc["districts", "crs"] == "EPSG:4326"
    html = layers.__class__(dict(layers), source="<b>x</b>")._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_a_geopackage_set_is_named_after_its_file(tmp_path):
    """Not after its last layer (the layer loop must not take the name's place)."""
    layers = bundled_layers()
    path = tmp_path / "tinh.gpkg"
    for kind in ("districts", "bts_stations"):
        layers[kind].to_file(path, layer=kind, driver="GPKG", engine="pyogrio")
    assert read_layers(path).name == "tinh.gpkg"
    assert read_layers(path, name="Tỉnh X").name == "Tỉnh X"


def _folder_with(tmp_path, *extra: str):
    import shutil

    folder = tmp_path / "layers"
    folder.mkdir()
    shutil.copy(bundled_path() / "districts.geojson", folder)
    for name in extra:
        (folder / name).write_bytes(b"")
    return folder


def test_two_files_of_one_kind_are_an_error_not_a_choice(tmp_path):
    import shutil

    folder = _folder_with(tmp_path)
    shutil.copy(bundled_path() / "bts_stations.geojson", folder)
    shutil.copy(bundled_path() / "bts_stations.geojson", folder / "bts_stations_2023.geojson")
    with pytest.raises(LayerReadError, match="more than one file for a layer") as caught:
        read_layers(folder)
    assert "bts_stations.geojson, bts_stations_2023.geojson" in str(caught.value)


def test_a_workbook_named_after_a_kind_is_not_passed_over(tmp_path):
    folder = _folder_with(tmp_path, "bts_stations.xlsx")
    with pytest.raises(LayerReadError, match="bts_stations.xlsx is named after a layer kind"):
        read_layers(folder)


def test_other_files_beside_the_layers_are_left_alone(tmp_path):
    folder = _folder_with(
        tmp_path, "make_districts.py", "districts.qmd", "README.md", "ban_do.xlsx"
    )
    assert set(read_layers(folder)) == {"districts"}


def test_kml_layers_are_read(tmp_path):
    import geopandas as gpd

    folder = _folder_with(tmp_path)
    stations = gpd.read_file(bundled_path() / "bts_stations.geojson").iloc[:3]
    stations[["site_id", "geometry"]].to_file(folder / "bts_stations.kml", driver="KML")
    layers = read_layers(folder)
    assert len(layers["bts_stations"]) == 3


def test_kml_driver_fields_nobody_set_are_not_columns(tmp_path):
    """A placemark written by hand: GDAL adds id, tessellate (-1), extrude (0), visibility (-1)...

    Only the author's fields (Name, description, the ExtendedData) are kept,
    and a driver field that a placemark does set (visibility 0) stays.
    """
    from ict_gis.io.files import read_layer

    path = tmp_path / "bts_stations.kml"
    placemark = (
        "<Placemark><name>{0}</name><description>Trạm {0}</description>"
        '<ExtendedData><Data name="site_id"><value>{0}</value></Data></ExtendedData>'
        "<Point><coordinates>106.17,20.42,0</coordinates></Point></Placemark>"
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document>{placemark.format('ND001')}{placemark.format('ND002')}</Document></kml>",
        encoding="utf-8",
    )
    frame = read_layer(path)
    assert sorted(frame.columns) == ["Name", "description", "geometry", "site_id"]
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "</name><description>Trạm ND002",
            "</name><visibility>0</visibility><description>Trạm ND002",
        ),
        encoding="utf-8",
    )
    frame = read_layer(path)
    assert "visibility" in frame.columns and list(frame["visibility"]) == [-1, 0]
