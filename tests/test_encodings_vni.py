"""VNI-Windows text, and CSV files in legacy encodings (issue 12 item 5).

The VNI bytes are typed by hand from UniKey's "VNI-WIN" table (VnConv,
``unikey/data.cpp``): a letter is its base letter followed by one mark byte,
upper case after an upper-case letter:

- tones: 0xF9/0xD9 sắc, 0xF8/0xD8 huyền, 0xFB/0xDB hỏi, 0xF5/0xD5 ngã,
  0xEF/0xCF nặng (``a`` + 0xEF = ``ạ``);
- circumflex: 0xE2 alone, 0xE1 sắc, 0xE0 huyền, 0xE5 hỏi, 0xE3 ngã, 0xE4 nặng
  (``a`` + 0xE4 = ``ậ``, ``E`` + 0xC3 = ``Ễ``);
- breve: 0xEA alone, 0xE9 sắc, 0xE8 huyền, 0xFA hỏi, 0xFC ngã, 0xEB nặng;
- single bytes: 0xD1/0xF1 Đ/đ, 0xD4/0xF4 Ơ/ơ, 0xD6/0xF6 Ư/ư, 0xF3 ĩ, 0xF2 ị,
  0xEC ì, 0xED í, 0xE6 ỉ, 0xEE ỵ.

The TCVN3 bytes are those of TCVN 5712:1993 (0xA7 Đ, 0xDE ị, 0xB6 ả, 0xCB ậ,
0xDC ĩ, 0xAD ư, 0xB9 ạ, 0xF1 ủ, 0xA9 â, 0xEA ờ); the Windows-1258 ones are
those of Python's ``cp1258`` codec (precomposed letters where it has them,
else the base letter then a combining tone: 0xF2 dot below, 0xD2 hook above,
0xDE tilde).
"""

from __future__ import annotations

import itertools

import pytest

from ict_gis import io
from ict_gis.errors import LayerReadError
from ict_gis.io.encodings import canonical_encoding, decode_file, decode_text, detect_encoding

VNI = [
    (b"Nam \xd1\xf2nh", "Nam Định"),  # Ñ = Đ, ò = ị
    (b"Ha\xfbi Ha\xe4u", "Hải Hậu"),  # a+û = ả, a+ä = ậ
    (b"Ngh\xf3a H\xf6ng", "Nghĩa Hưng"),  # ó = ĩ, ö = ư
    (b"Tra\xefm", "Trạm"),  # a+ï = ạ
    (b"Giao Thu\xfby", "Giao Thủy"),  # u+û = ủ
    (b"Xua\xe2n Tr\xf6\xf4\xf8ng", "Xuân Trường"),  # a+â = â, ö ô+ø = ườ
    (b"NGUYE\xc3N \xd1A\xcfI", "NGUYỄN ĐẠI"),  # upper-case marks after upper case
    (b"\xd1a\xefi ho\xefc Ba\xe9c Ninh", "Đại học Bắc Ninh"),  # a+é = ắ
]

# The same six names in each encoding, as a file would hold them.
NAMES = ["Nam Định", "Hải Hậu", "Nghĩa Hưng", "Trạm", "Giao Thủy", "Xuân Trường"]
SAMPLES = {
    "utf-8": [n.encode("utf-8") for n in NAMES],
    "tcvn3": [
        b"Nam \xa7\xdenh",
        b"H\xb6i H\xcbu",
        b"Ngh\xdca H\xadng",
        b"Tr\xb9m",
        b"Giao Th\xf1y",
        b"Xu\xa9n Tr\xad\xeang",
    ],
    "cp1258": [
        b"Nam \xd0i\xf2nh",
        b"Ha\xd2i H\xe2\xf2u",
        b"Nghi\xdea H\xfdng",
        b"Tra\xf2m",
        b"Giao Thu\xd2y",
        b"Xu\xe2n Tr\xfd\xf5\xccng",
    ],
    "vni": [raw for raw, _ in VNI[:6]],
}


@pytest.mark.parametrize(("raw", "text"), VNI)
def test_vni_strings_decode_to_nfc(raw, text):
    assert decode_text(raw, "vni") == text


def test_the_samples_are_the_names():
    # the fixtures themselves: each sample decodes to the names
    assert [decode_text(r, "cp1258") for r in SAMPLES["cp1258"]] == NAMES
    assert [decode_text(r, "tcvn3") for r in SAMPLES["tcvn3"]] == NAMES
    assert [decode_text(r, "vni") for r in SAMPLES["vni"]] == NAMES


@pytest.mark.parametrize("prefer", ["dbf", "csv"])
@pytest.mark.parametrize(("true", "other"), list(itertools.permutations(sorted(SAMPLES), 2)))
def test_detection_tells_each_pair_apart(true, other, prefer):
    """Each encoding's sample is detected as itself, never as the other of the pair."""
    got = detect_encoding(SAMPLES[true], prefer=prefer)
    assert got == true and got != other


@pytest.mark.parametrize(("raw", "text"), VNI)
def test_each_vni_name_alone_is_detected(raw, text):
    assert detect_encoding([raw]) == "vni"


def test_a_mark_byte_after_no_vowel_is_its_windows_1252_letter():
    # 0xF9 after "b" marks nothing: it is Windows-1252's "ù"
    assert decode_text(b"b\xf9", "vni") == "bù"


def test_canonical_names():
    assert canonical_encoding("VNI-Windows") == "vni"
    assert canonical_encoding("ABC") == "tcvn3"
    assert canonical_encoding("windows-1258") == "cp1258"
    assert canonical_encoding("UTF8") == "utf-8"
    assert canonical_encoding("latin-1") == "iso8859-1"
    with pytest.raises(LayerReadError, match="utf-8, tcvn3, vni, cp1258"):
        canonical_encoding("klingon")
    with pytest.raises(LayerReadError, match="unknown encoding 'base64'"):
        canonical_encoding("base64")  # a codec, but not of text


# --------------------------------------------------------------------------- Shapefiles


def test_vni_shapefile_without_cpg_is_decoded_and_reported(tmp_path, legacy_shapefile):
    path = legacy_shapefile(b"Tra\xefm Nam \xd1\xf2nh", None)
    frame = io.read_layer(path)
    assert frame["name"].tolist() == ["Trạm Nam Định", "BTS"]
    assert frame.attrs["converted_columns"] == {"name": "vni"}


def test_validate_names_vni(tmp_path, legacy_shapefile):
    from ict_gis.layerset import read_layers
    from ict_gis.validate import validate

    path = legacy_shapefile(b"Tra\xefm Nam \xd1\xf2nh", None)
    (p,) = [p for p in validate(read_layers(path)) if "converted to Unicode" in p.message]
    assert p.column == "name" and "VNI-Windows" in p.message


def test_encoding_overrides_the_cpg_and_detection(tmp_path, legacy_shapefile):
    # the .cpg says UTF-8, the bytes are VNI: only the override reads them
    path = legacy_shapefile(b"Ha\xfbi Ha\xe4u", "UTF-8")
    frame = io.read_layer(path, encoding="vni")
    assert frame["name"].tolist() == ["Hải Hậu", "BTS"]
    assert frame.attrs["converted_columns"] == {"name": "vni"}
    # ... and over detection: the TCVN3 bytes of "Trạm" read as Windows-1258 on demand
    path = legacy_shapefile(b"Tr\xb9m", None)
    assert io.read_layer(path)["name"].tolist() == ["Trạm", "BTS"]
    assert io.read_layer(path, encoding="cp1252")["name"].tolist() == ["Tr¹m", "BTS"]


def test_a_cpg_naming_vni_is_followed(tmp_path, legacy_shapefile):
    path = legacy_shapefile(b"Ngh\xf3a H\xf6ng", "VNI")
    assert io.read_layer(path)["name"].tolist() == ["Nghĩa Hưng", "BTS"]


def test_forced_utf8_on_legacy_bytes_is_a_clear_error(tmp_path, legacy_shapefile):
    path = legacy_shapefile(b"Tra\xefm", None)
    with pytest.raises(LayerReadError, match=r"bts_stations\.shp.*cannot be decoded as UTF-8"):
        io.read_layer(path, encoding="utf-8")


def test_undecodable_shapefile_text_is_a_clear_error(tmp_path, legacy_shapefile):
    path = legacy_shapefile(b"Ch\xe2teau d'\xe9t\xe9 cr\xe9\xe9", None)
    with pytest.raises(LayerReadError, match=r"bts_stations\.shp: cannot decode the text"):
        io.read_layer(path)
    assert io.read_layer(path, encoding="cp1252")["name"][0] == "Château d'été créé"


# --------------------------------------------------------------------------- CSV


def _csv(tmp_path, name: str, names: list[bytes]) -> object:
    path = tmp_path / name
    rows = [b"site_id,name,lon,lat"] + [
        b"S%d,%s,106.%d,20.4" % (i, raw, i) for i, raw in enumerate(names)
    ]
    path.write_bytes(b"\r\n".join(rows) + b"\r\n")
    return path


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "cp1258"])
def test_legacy_csv_layers_are_decoded_and_reported(tmp_path, encoding):
    path = _csv(tmp_path, "bts_stations.csv", SAMPLES[encoding])
    frame = io.read_layer(path)
    assert frame["name"].tolist() == NAMES
    assert frame.attrs["converted_columns"] == {"name": encoding}
    assert frame.geometry.x.round(1).tolist()[:2] == [106.0, 106.1]
    # the same names in UTF-8: read as they are, nothing reported
    utf8 = io.read_layer(_csv(tmp_path, "sites_5g.csv", SAMPLES["utf-8"]))
    assert utf8["name"].tolist() == NAMES and "converted_columns" not in utf8.attrs


def test_undecodable_csv_names_the_file_and_the_encodings_tried(tmp_path):
    # Latin-1 French: not UTF-8, and no legacy Vietnamese reading makes words of it
    path = _csv(tmp_path, "bts_stations.csv", [b"Ch\xe2teau d'\xe9t\xe9", b"Cr\xe9\xe9e"])
    with pytest.raises(LayerReadError) as caught:
        io.read_layer(path)
    message = str(caught.value)
    assert str(path) in message and "cannot decode" in message
    for name in ("UTF-8", "TCVN3", "VNI-Windows", "Windows-1258", "--encoding"):
        assert name in message
    # the encoding named reads it
    frame = io.read_layer(path, encoding="latin-1")
    assert frame["name"].tolist() == ["Château d'été", "Créée"]


def test_binary_csv_is_a_clear_error(tmp_path):
    path = tmp_path / "subscribers.csv"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(LayerReadError, match=r"subscribers\.csv: cannot decode the text"):
        io.read_layer(path)


def test_decode_file_keeps_utf8_and_utf16():
    assert decode_file("\ufeffTrạm".encode(), source="x") == ("Trạm", "utf-8")
    assert decode_file("Trạm".encode("utf-16"), source="x") == ("Trạm", "utf-16")


def test_tie_goes_to_the_kind_of_file():
    # "Ho\xe0ng" is "Hoàng" in Windows-1258 and "Hồng" in VNI (o + 0xE0 = ồ)
    assert decode_text(b"Ho\xe0ng", "cp1258") == "Hoàng"
    assert decode_text(b"Ho\xe0ng", "vni") == "Hồng"
    assert detect_encoding([b"Ho\xe0ng"], prefer="csv") == "cp1258"
    text, used = decode_file(b"name\nHo\xe0ng\n", source="x", encoding="vni")
    assert (text, used) == ("name\nHồng\n", "vni")


# --------------------------------------------------------------------------- sheets


def test_sheet_in_vni_is_read_and_reported(tmp_path):
    from ict_gis.io import read_sheet

    path = tmp_path / "tram.csv"
    # "Mã trạm;Tên trạm;Kinh độ;Vĩ độ;Nhà mạng": a+õ = ã, e+â = ê, ñ = đ, o+ä = ộ, ó = ĩ
    header = b"Ma\xf5 tra\xefm;Te\xe2n tra\xefm;Kinh \xf1o\xe4;V\xf3 \xf1o\xe4;Nha\xf8 ma\xefng"
    row = b"ND-001;Tra\xefm Ha\xfbi Ha\xe4u;106,45;20,25;Viettel"
    path.write_bytes(header + b"\r\n" + row + b"\r\n")
    stations, report = read_sheet(path)
    assert stations["site_id"].tolist() == ["ND-001"]
    assert report.encoding == "vni"
    assert "read as VNI-Windows and converted to Unicode" in str(report)
    assert report.sheets["tram.csv"]["site_id"] == "Mã trạm"


def test_text_tables_decode_legacy_text_too(tmp_path):
    import gzip

    from ict_gis.io.tables import read_text_table

    path = tmp_path / "crosswalk.csv.gz"
    path.write_bytes(gzip.compress(b"old_code,name\n00001," + SAMPLES["vni"][0] + b"\n"))
    table = read_text_table(path)
    assert table.to_dict("records") == [{"old_code": "00001", "name": "Nam Định"}]
