"""ict_gis.io.read_opencellid on hand-made OpenCelliD files (expected values by hand).

``tests/data/import/opencellid_noise.csv`` has 18 data rows (header first):

- rows 1-7 are kept: Viettel eNB 100 (LTE cells 25601 and 25602, created
  2020-01-01 and 2020-02-01) with a GSM cell 11 m away (created 2010-01-01);
  a MobiFone UMTS and a GSM cell 31 m apart (0.0003° of longitude at 20.4°N
  is 0.0003 * 111,320 * cos 20.4° = 31.3 m); a VNPT NR cell and a VNPT GSM
  cell 104 m from it;
- then one row of each kind of noise: another MCC, CDMA, outside Viet Nam,
  MNC 08, range -1 and 500 km, one sample, cell "abc", no longitude, a line
  of 7 fields, an LTE cell id of 29 bits.

``opencellid_noheader.csv`` is the same without the header and without the
"abc" row (so the typed reader never falls back to text).
"""

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from ict_gis.errors import ImporterError, LayerReadError
from ict_gis.io import read_opencellid, write_layer
from ict_gis.layerset import LayerSet
from ict_gis.validate import validate

DATA = Path(__file__).parent / "data" / "import"
NOISE = DATA / "opencellid_noise.csv"
NOHEADER = DATA / "opencellid_noheader.csv"

SITES = {
    "OCID-452-01-2G-20-6001": ("MobiFone", "2G,3G", "2014-01-01", 106.20015, 20.4),
    "OCID-452-02-2G-30-8001": ("VNPT", "2G", "2010-01-01", 106.301, 20.3),
    "OCID-452-02-5G-30-123456789": ("VNPT", "5G", "2024-01-01", 106.3, 20.3),
    "OCID-452-04-E100": ("Viettel", "2G,4G", "2010-01-01", 106.1701, (20.42 * 2 + 20.4201) / 3),
}


def check_sites(sites):
    assert list(sites["site_id"]) == sorted(SITES)
    for row in sites.itertuples():
        operator, techs, date, lon, lat = SITES[row.site_id]
        assert (row.operator, row.technologies, row.status) == (operator, techs, "on_air")
        assert row.on_air_date == pd.Timestamp(date) == row.approved_date
        assert np.isnan(row.height_m)
        assert row.geometry.x == pytest.approx(lon, abs=1e-9)
        assert row.geometry.y == pytest.approx(lat, abs=1e-9)
    assert sites.crs.to_epsg() == 4326


def test_every_kind_of_noise_is_counted_once():
    sites, report = read_opencellid(NOISE)
    check_sites(sites)
    assert (report.rows, report.cells, report.sites, report.lte_sites) == (18, 7, 4, 1)
    assert report.dropped == {
        "malformed": 1,
        "other_mcc": 1,
        "missing": 3,  # "abc", no longitude, LTE cell id >= 2**28
        "radio": 1,
        "outside_bounds": 1,
        "unknown_mnc": 1,
        "range": 2,
        "samples": 1,
    }
    assert report.rows == report.cells + report.dropped_total
    assert report.unknown_mnc == {8: 1}
    assert report.other_radio == {"CDMA": 1}
    assert report.technologies == {"2G": 3, "3G": 1, "4G": 2, "5G": 1}
    text = str(report)
    assert "452-08: 1" in text and "CDMA: 1" in text and "too few samples" in text


def test_without_header_and_gzipped(tmp_path):
    sites, report = read_opencellid(NOHEADER)
    check_sites(sites)
    assert (report.rows, report.cells, report.dropped["missing"]) == (17, 7, 2)
    packed = tmp_path / "cells.csv.gz"
    with NOHEADER.open("rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    zipped, again = read_opencellid(packed)
    check_sites(zipped)
    assert again.dropped == report.dropped


def test_mnc_mapping_keeps_an_unknown_network():
    sites, report = read_opencellid(NOHEADER, operators={4: "Viettel", 8: "VNPT"})
    # MNC 08 is kept as VNPT; MobiFone (01) and VNPT's 02 are now the unknown ones.
    assert report.unknown_mnc == {1: 2, 2: 2}
    assert "OCID-452-08-E10" in set(sites["site_id"])  # 2560 >> 8 = 10


def test_units_outline_and_the_other_filters():
    outline = box(106.16, 20.41, 106.18, 20.43)  # around the Viettel site only
    sites, report = read_opencellid(NOHEADER, within=outline)
    assert list(sites["site_id"]) == ["OCID-452-04-E100"]
    assert report.dropped["outside_units"] == 4
    # the noise rows are counted under their own (earlier) reasons
    assert report.cells + report.dropped_total == report.rows == 17
    _, strict = read_opencellid(NOHEADER, min_samples=6, max_range=650)
    # kept before: (range, samples) (500, 10) (600, 8) (900, 5) (1000, 3) (800, 4) (300, 6) (700, 6)
    assert (strict.cells, strict.dropped["range"], strict.dropped["samples"]) == (3, 2 + 4, 1 + 0)
    _, seen = read_opencellid(NOHEADER, seen_since="2024-01-01")
    assert seen.dropped["not_seen"] == 6 and seen.cells == 1  # only the NR cell (2024-03-09)


def test_site_distance_decides_the_mobifone_pair():
    near, _ = read_opencellid(NOHEADER, site_distance=40)
    far, _ = read_opencellid(NOHEADER, site_distance=25)
    assert len(near) == 4
    assert len(far) == 5  # the two MobiFone cells 31 m apart are two sites
    assert {"OCID-452-01-2G-20-6001", "OCID-452-01-3G-20-50001"} <= set(far["site_id"])


def test_written_file_passes_validate(tmp_path):
    sites, _ = read_opencellid(NOISE)
    path = write_layer(sites, tmp_path / "bts_stations.gpkg")
    from ict_gis.layerset import read_layers

    layers = read_layers(path)
    assert [p for p in validate(layers) if p.severity == "error"] == []
    assert len(LayerSet.from_frames({"bts_stations": sites})["bts_stations"]) == 4


def test_a_cell_listed_twice_far_apart_gives_two_ids(tmp_path):
    path = tmp_path / "twice.csv"
    row = "GSM,452,4,10,7001,0,{lon},20.42,900,5,1,1262304000,1700000000,0\n"
    path.write_text(row.format(lon=106.17) + row.format(lon=106.37))  # 20 km apart
    sites, _ = read_opencellid(path)
    assert list(sites["site_id"]) == ["OCID-452-04-2G-10-7001", "OCID-452-04-2G-10-7001-2"]


def test_an_empty_result_is_an_empty_layer(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("GSM,310,260,1,1,0,-122.4,37.7,1000,10,1,1262304000,1700000000,0\n")
    sites, report = read_opencellid(path)
    assert len(sites) == 0 and report.dropped == {"other_mcc": 1}
    assert list(sites.columns)[:3] == ["site_id", "operator", "technologies"]


@pytest.mark.parametrize(
    ("content", "error", "match"),
    [
        (b"", ImporterError, "empty"),
        (b"a,b,c\n1,2,3\n", ImporterError, "not an OpenCelliD export"),
        (b"radio,mcc,net\nGSM,452,4\n", ImporterError, "lacks column"),
        (b"\x1f\x8b\x08garbage", LayerReadError, "cannot read"),
    ],
)
def test_files_that_are_not_opencellid_exports(tmp_path, content, error, match):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(error, match=match):
        read_opencellid(path)


def test_bad_options_and_missing_file(tmp_path):
    with pytest.raises(LayerReadError, match="no such file"):
        read_opencellid(tmp_path / "nope.csv")
    with pytest.raises(ImporterError, match="site distance"):
        read_opencellid(NOISE, site_distance=0)
    with pytest.raises(ImporterError, match="unknown operator"):
        read_opencellid(NOISE, operators={4: "Telstra"})
    with pytest.raises(ImporterError, match="not a date"):
        read_opencellid(NOISE, seen_since="yesterday")


# --------------------------------------------------------------------------- properties

import os  # noqa: E402
import tempfile  # noqa: E402

# Hypothesis keeps caches in ./.hypothesis unless told otherwise: tests write only to /tmp.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "ict_gis-hypothesis")
)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ict_gis.errors import IctGisError  # noqa: E402

PROPERTY = settings(max_examples=60, deadline=None, database=None)

FIELD = st.one_of(
    st.integers(-(2**40), 2**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["GSM", "UMTS", "LTE", "NR", "CDMA", "452", "4", "", "106.2", "20.4", "x"]),
    st.text(
        alphabet=st.characters(exclude_categories=("Cs",), exclude_characters=',\n\r"'),
        max_size=5,
    ),
)


def _checked(path):
    try:
        sites, report = read_opencellid(path)
    except IctGisError as exc:
        assert str(exc)
        return
    assert report.rows == report.cells + report.dropped_total
    assert len(sites) <= report.cells
    assert sites["site_id"].is_unique


@PROPERTY
@given(data=st.binary(max_size=400))
def test_any_bytes_give_sites_or_our_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("ocid") / "cells.csv"
    path.write_bytes(data)
    _checked(path)


@PROPERTY
@given(
    rows=st.lists(st.lists(FIELD, min_size=12, max_size=15), min_size=1, max_size=8),
    header=st.booleans(),
)
def test_any_small_table_gives_sites_or_our_error(tmp_path_factory, rows, header):
    lines = [",".join(row) for row in rows]
    if header:
        lines.insert(0, "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,"
                        "created,updated,averageSignal")  # fmt: skip
    path = tmp_path_factory.mktemp("ocid") / "cells.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _checked(path)
