"""Legacy Vietnamese text: TCVN3 and Windows-1258 (issue 12 item 5).

Hand-made fixtures: the TCVN3 bytes are typed from the TCVN 5712:1993 chart
(0xA7 = Đ, 0xDE = ị, 0xB9 = ạ, 0xB5 = à, 0xA8 = ă); the Windows-1258 ones
from Microsoft's code page chart (0xF2 = combining dot below, 0xEC = combining
acute, 0xD2 = combining hook above, 0xE2 = â).
"""

from __future__ import annotations

import pytest

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


def test_tcvn3_shapefile_without_cpg_is_decoded_and_reported(tmp_path, legacy_shapefile):
    path = legacy_shapefile(b"Tr\xb9m Nam \xa7\xdenh", None)
    frame = io.read_layer(path)
    assert frame["name"].tolist() == ["Trạm Nam Định", "BTS"]
    assert frame.attrs["converted_columns"] == {"name": "tcvn3"}


def test_cp1258_shapefile_with_cpg_keeps_every_character(tmp_path, legacy_shapefile):
    path = legacy_shapefile(b"Ha\xd2i H\xe2\xf2u", "1258")
    frame = io.read_layer(path)
    assert frame["name"].tolist() == ["Hải Hậu", "BTS"]  # the last character kept
    assert frame.attrs["converted_columns"] == {"name": "cp1258"}


def _zipped(shp, folder: str = ""):
    """Zip a Shapefile's files (in ``folder`` inside the archive) next to it."""
    import zipfile

    archive = shp.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in sorted(shp.parent.glob(shp.stem + ".*")):
            if part != archive:
                zipped.write(part, folder + part.name)
    return archive


@pytest.mark.parametrize("folder", ["", "lop/"])
def test_zipped_tcvn3_shapefile_is_decoded_as_the_unzipped_one(legacy_shapefile, folder):
    archive = _zipped(legacy_shapefile(b"Tr\xb9m Nam \xa7\xdenh", None), folder)
    frame = io.read_layer(archive)
    assert frame["name"].tolist() == ["Trạm Nam Định", "BTS"]
    assert frame.attrs["converted_columns"] == {"name": "tcvn3"}


def test_zipped_shapefile_follows_its_cpg_and_the_encoding_given(legacy_shapefile):
    archive = _zipped(legacy_shapefile(b"Ha\xd2i H\xe2\xf2u", "1258"))
    assert io.read_layer(archive)["name"].tolist() == ["Hải Hậu", "BTS"]
    # told otherwise, the same bytes read as TCVN3 are other text
    assert io.read_layer(archive, encoding="tcvn3")["name"].tolist()[0] != "Hải Hậu"


def test_zipped_utf8_shapefile_is_left_to_gdal(legacy_shapefile):
    archive = _zipped(legacy_shapefile("Trạm Nam Định".encode(), "UTF-8"))
    frame = io.read_layer(archive)
    assert frame["name"].tolist() == ["Trạm Nam Định", "BTS"]
    assert "converted_columns" not in frame.attrs


def test_validate_reports_the_converted_columns(tmp_path, legacy_shapefile):
    from ict_gis.layerset import read_layers
    from ict_gis.validate import validate

    path = legacy_shapefile(b"Tr\xb9m Nam \xa7\xdenh", None)
    problems = validate(read_layers(path))
    (p,) = [p for p in problems if "converted to Unicode" in p.message]
    assert p.column == "name" and "TCVN3" in p.message and p.severity == "warning"
