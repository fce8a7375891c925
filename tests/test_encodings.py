"""Legacy Vietnamese text: TCVN3 and Windows-1258 (issue 12 item 5).

Hand-made fixtures: the TCVN3 bytes are typed from the TCVN 5712:1993 chart
(0xA7 = Đ, 0xDE = ị, 0xB9 = ạ, 0xB5 = à, 0xA8 = ă); the Windows-1258 ones
from Microsoft's code page chart (0xF2 = combining dot below, 0xEC = combining
acute, 0xD2 = combining hook above, 0xE2 = â).
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely import Point

from ict_gis import io
from ict_gis.io.encodings import decode_text, detect_encoding

TCVN3 = [
    (b"Nam \xa7\xdenh", "Nam Định"),
    (b"Tr\xb9m Ho\xb5ng V\xa8n", "Trạm Hoàng Văn"),
]
CP1258 = [
    (b"Tra\xf2m Ho\xe0ng", "Trạm Hoàng"),
    (b"Ha\xd2i H\xe2\xf2u", "Hải Hậu"),
]


@pytest.mark.parametrize(("raw", "text"), TCVN3)
def test_tcvn3_strings(raw, text):
    assert detect_encoding([raw]) == "tcvn3"
    assert decode_text(raw, "tcvn3") == text


@pytest.mark.parametrize(("raw", "text"), CP1258)
def test_cp1258_strings_are_nfc(raw, text):
    assert detect_encoding([raw]) == "cp1258"
    assert decode_text(raw, "cp1258") == text


def test_utf8_stays_utf8():
    assert detect_encoding(["Trạm".encode(), b"ASCII"]) == "utf-8"


def _shapefile(tmp_path, raw: bytes, cpg: str | None):
    # written as Latin-1 so that the .dbf holds exactly the legacy bytes
    frame = gpd.GeoDataFrame(
        {"name": [raw.decode("latin-1"), "BTS"]},
        geometry=[Point(106.2, 20.4), Point(106.3, 20.4)],
        crs=4326,
    )
    path = tmp_path / "bts_stations.shp"
    frame.to_file(path, encoding="ISO-8859-1")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg)
    return path


def test_tcvn3_shapefile_without_cpg_is_decoded_and_reported(tmp_path):
    path = _shapefile(tmp_path, b"Tr\xb9m Nam \xa7\xdenh", None)
    frame = io.read_layer(path)
    assert frame["name"].tolist() == ["Trạm Nam Định", "BTS"]
    assert frame.attrs["converted_columns"] == {"name": "tcvn3"}


def test_cp1258_shapefile_with_cpg_keeps_every_character(tmp_path):
    path = _shapefile(tmp_path, b"Ha\xd2i H\xe2\xf2u", "1258")
    frame = io.read_layer(path)
    assert frame["name"].tolist() == ["Hải Hậu", "BTS"]  # the last character kept
    assert frame.attrs["converted_columns"] == {"name": "cp1258"}


def test_validate_reports_the_converted_columns(tmp_path):
    from ict_gis.layerset import read_layers
    from ict_gis.validate import validate

    path = _shapefile(tmp_path, b"Tr\xb9m Nam \xa7\xdenh", None)
    problems = validate(read_layers(path))
    (p,) = [p for p in problems if "converted to Unicode" in p.message]
    assert p.column == "name" and "TCVN3" in p.message and p.severity == "warning"
