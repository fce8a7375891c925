"""``--encoding NAME`` on every command that reads layers (issue 12 item 5).

VNI bytes typed from UniKey's VNI-WIN table (see tests/test_encodings_vni.py):
``Tra\\xefm Ha\\xfbi Ha\\xe4u`` is "Trạm Hải Hậu" (a+ï = ạ, a+û = ả, a+ä = ậ).
"""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from ict_gis.cli.main import cli
from ict_gis.io import read_layer
from ict_gis.layerset import read_layers

VNI_NAME = b"Tra\xefm Ha\xfbi Ha\xe4u"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _layer_commands():
    """Every (sub)command with a LAYERS argument, by its command line."""
    root = click.Context(cli)
    found = []

    def walk(group, prefix):
        for name in group.list_commands(root):
            command = group.get_command(root, name)
            if isinstance(command, click.Group):
                walk(command, [*prefix, name])
            elif any(p.name == "layers" for p in command.params):
                found.append((" ".join([*prefix, name]), command))

    walk(cli, [])
    return found


def test_every_command_that_reads_layers_takes_encoding():
    commands = _layer_commands()
    names = {name for name, _ in commands}
    assert {"validate", "info", "map", "coverage", "export", "plan sites"} <= names
    for name, command in commands:
        assert any(p.name == "encoding" for p in command.params), name


def test_import_sheet_takes_encoding():
    result = run("import", "sheet", "--help")
    assert "--encoding NAME" in result.output


def test_unknown_encoding_is_a_usage_error_listing_the_accepted_names(tmp_path, legacy_shapefile):
    path = legacy_shapefile(VNI_NAME, None, also=())
    result = run("validate", path, "--encoding", "klingon")
    assert result.exit_code == 2
    assert "Invalid value for '--encoding'" in result.output
    assert "utf-8, tcvn3, vni, cp1258" in result.output
    assert "Traceback" not in result.output


def test_encoding_is_honoured_over_the_cpg(tmp_path, legacy_shapefile):
    # the .cpg says Windows-1258; the bytes are VNI (which Windows-1258 reads as
    # "Traïm Haûi Haäu", the same as GDAL's Latin-1: nothing converted to report)
    path = legacy_shapefile(VNI_NAME, "1258", also=())
    assert read_layers(path)["bts_stations"]["name"].tolist() == ["Traïm Haûi Haäu"]
    assert read_layers(path, encoding="vni")["bts_stations"]["name"].tolist() == ["Trạm Hải Hậu"]
    plain = run("validate", path)
    assert "the text was read as" not in plain.output
    forced = run("validate", path, "--encoding", "VNI-Windows")
    assert "WARNING name: the text was read as VNI-Windows" in forced.output, forced.output


def test_encoding_reaches_the_layers_of_units(tmp_path):
    # --units FILE is read with the same --encoding (an eager option, known first)
    units = tmp_path / "districts.csv"
    units.write_bytes(
        b"code,name,wkt\n001," + VNI_NAME + b',"POLYGON ((106 20, 107 20, 107 21, 106 20))"\n'
    )
    result = run("progress", "bts", "--units", units, "--encoding", "utf-8")
    assert result.exit_code == 2
    assert "Invalid value for '--units'" in result.output
    assert "districts.csv: the text cannot be decoded as UTF-8" in result.output


def test_sheet_with_encoding_over_detection(tmp_path):
    path = tmp_path / "tram.csv"
    # "Mã trạm;Kinh độ;Vĩ độ;Tên trạm" in UTF-8 headers are ASCII-free: write them in VNI
    header = b"Ma\xf5 tra\xefm;Kinh \xf1o\xe4;V\xf3 \xf1o\xe4;Te\xe2n tra\xefm"
    # "Ho\xe0ng": Windows-1258 "Hoàng", VNI "Hồng"; the header says VNI, the row is ambiguous
    path.write_bytes(header + b"\r\nND-1;106,17;20,42;Ho\xe0ng\r\n")
    out = tmp_path / "bts_stations.geojson"
    every_row = ("--set", "operator=Viettel", "--set", "technologies=4G", "--set", "status=on_air")
    result = run("import", "sheet", path, "--encoding", "vni", *every_row, "-o", out)
    assert "read as VNI-Windows" in result.stderr, result.output
    assert read_layer(out)["name"].tolist() == ["Hồng"]
    out2 = tmp_path / "bts2.geojson"
    result = run("import", "sheet", path, "--encoding", "cp1258", "-o", out2)
    # as Windows-1258 the headers are not Vietnamese: no station id column is found
    assert result.exit_code == 1 and "no sheet has a header" in result.output


def test_undecodable_sheet_is_a_clear_error(tmp_path):
    path = tmp_path / "tram.csv"
    path.write_bytes(b"site_id;lon;lat;name\nA;106;20;Ch\xe2teau d'\xe9t\xe9\n")
    result = run("import", "sheet", path, "-o", tmp_path / "x.geojson")
    assert result.exit_code == 1
    assert "tram.csv" in result.output and "cannot decode" in result.output
    assert "Traceback" not in result.output
    named = run("import", "sheet", path, "--encoding", "latin-1", "-o", tmp_path / "x.geojson")
    assert named.exit_code in (0, 1), named.output
    assert "cannot decode" not in named.output


@pytest.mark.parametrize("encoding", ["vni", "utf-8"])
def test_validate_vni_csv_layer(tmp_path, encoding):
    path = tmp_path / "bts_stations.csv"
    path.write_bytes(b"site_id,name,lon,lat\nS1," + VNI_NAME + b",106.2,20.4\n")
    result = run("validate", path, "--encoding", encoding)
    if encoding == "vni":
        assert "WARNING name: the text was read as VNI-Windows" in result.output, result.output
    else:
        assert result.exit_code == 2
        assert "cannot be decoded as UTF-8" in result.output
