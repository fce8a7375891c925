"""Units with vintages: the 2024 figures of the bundled layers on the 2025 communes.

The expected province totals are those of the Nam Định 2024 report (see
layers/README.md); the 57 communes that came from old Nam Định are counted
independently from the shipped crosswalk files with the csv module.
"""

from __future__ import annotations

import csv
import gzip
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from ict_gis.cli.main import cli
from ict_gis.crosswalk import report_units, unit_vintage
from ict_gis.layerset import bundled_layers, bundled_path, bundled_units
from ict_gis.metrics.progress import (
    OUTSIDE,
    TOTAL,
    bts_pipeline,
    cable_progress,
    rollout_5g,
    switch_off_progress,
)
from ict_gis.report import annual


@pytest.fixture(scope="module")
def layers():
    return bundled_layers()


@pytest.fixture(scope="module")
def from_nam_dinh() -> set[str]:
    """New codes of the old Nam Định communes, read with csv from the shipped files."""
    units = bundled_path() / "units"
    with open(units / "nam_dinh_communes_2025-03.csv", encoding="utf-8") as handle:
        old = {row["code"] for row in csv.DictReader(handle)}
    with gzip.open(units / "crosswalk_2025.csv.gz", "rt", encoding="utf-8") as handle:
        return {row["new_code"] for row in csv.DictReader(handle) if row["old_code"] in old}


@pytest.fixture(scope="module")
def communes(layers):
    return report_units(layers, "communes-2025", as_of="2024-12-31")


def test_bundled_units_carry_their_vintage():
    districts = bundled_units("districts-2024")
    communes = bundled_units("communes-2025")
    assert (len(districts), len(communes)) == (10, 129)
    assert unit_vintage(communes) == "2025-07-01"
    assert unit_vintage(districts) == "2024-01-01"
    # The key is (vintage, code): 13669 is a commune of 2025, not a 2024 unit.
    assert "13669" in set(communes["code"]) and "13669" not in set(districts["code"])


def test_units_with_data_are_the_57_communes_of_old_nam_dinh(communes, from_nam_dinh):
    assert len(from_nam_dinh) == 57
    assert set(communes.index[communes["has_data"]]) == from_nam_dinh


def test_own_units_by_name_are_not_foreign(layers):
    units = report_units(layers, "districts-2024", as_of="2024-06-30")
    assert "has_data" not in units.columns


def test_2024_totals_are_identical_on_districts_and_communes(layers, from_nam_dinh):
    day, since = "2024-12-31", "2024-01-01"
    for units in (None, "communes-2025"):
        off = switch_off_progress(layers, units=units, as_of=day)
        assert off.loc[TOTAL, ["switched_off", "stations"]].tolist() == [161, 788]
        assert off.loc[TOTAL, ["migrated", "subscribers"]].tolist() == [152_954, 158_699]
        five = rollout_5g(layers, units=units, as_of=day, since=since)
        assert five.loc[TOTAL, ["new", "Viettel", "VNPT"]].tolist() == [35, 33, 2]
        bts = bts_pipeline(layers, units=units, as_of=day, since=since)
        assert bts.loc[TOTAL, ["approved", "on_air"]].tolist() == [146, 52]
        cables = cable_progress(layers, units=units, as_of=day).xs(TOTAL, level=0)
        assert cables["tidied_km"].round(1).tolist() == [91.0, 20.8]
        assert cables["planned_km"].round(1).tolist() == [146.0, 130.0]
        if units is None:
            continue
        # The 57 communes of old Nam Định hold every figure; no row "outside".
        for table in (off, five, bts):
            assert OUTSIDE not in table.index
            held = table.drop(TOTAL)
            counts = [c for c in held.select_dtypes("number").columns if not c.endswith("_pct")]
            counted = held[counts].sum()
            assert (counted == table.loc[TOTAL, counted.index].astype(float)).all()
            assert set(held.index[held.notna().all(axis=1)]) <= from_nam_dinh
        assert int(off.loc[sorted(from_nam_dinh), "subscribers"].sum()) == 158_699
        assert int(off.loc[sorted(from_nam_dinh), "migrated"].sum()) == 152_954


def test_units_without_data_are_no_data_never_zero(layers, from_nam_dinh):
    off = switch_off_progress(layers, units="communes-2025", as_of="2024-12-31")
    others = [c for c in off.index if c not in from_nam_dinh and c != TOTAL]
    assert len(others) == 129 - 57
    assert off.loc[others, ["stations", "switched_off", "subscribers"]].isna().all().all()
    assert off.loc[sorted(from_nam_dinh), "stations"].notna().all()
    assert off.attrs["units_with_data"] == 57


def test_annual_report_on_communes_says_what_the_data_cover(layers):
    report = annual(layers, year=2024, lang="en", units="communes-2025")
    assert report.totals["switch_off"]["switched_off"] == 161
    assert "the 129 administrative units of communes-2025" in report.sentences[-1]
    assert "only the 57 units" in report.sentences[-1]
    assert "the other 72 are shown" in report.sentences[-1]
    assert "Thành phố Nam Định" in report.sentences[-1]


def test_cli_report_units_communes_2025():
    result = CliRunner().invoke(
        cli, ["report", "--year", "2024", "--units", "communes-2025", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "161/788" in out and "152,954/158,699" in out and "91/146 km" in out
    assert "Phường Nam Định" in out and "Phường Phủ Lý" in out  # one of Nam Định, one of Hà Nam
    assert "only the 57 units" in out


def test_cli_report_json_on_communes_has_missing_for_no_data():
    result = CliRunner().invoke(
        cli, ["report", "--year", "2024", "--units", "communes-2025", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    units = {u["code"]: u for u in data["units"]}
    assert len(units) == 129
    assert units["13285"]["switch_off"] is None  # Phường Phủ Lý, old Hà Nam: no data
    assert units["13669"]["switch_off"]["total"] > 0  # Phường Nam Định
    assert data["switch_off"]["switched_off"] == 161


def test_cli_progress_units_from_a_file(tmp_path):
    path = tmp_path / "communes.geojson"
    bundled_units("communes-2025").to_file(path, driver="GeoJSON")
    result = CliRunner().invoke(
        cli, ["progress", "5g", "--as-of", "2024-12-31", "--units", str(path), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(__import__("io").StringIO(result.stdout), dtype={"code": str})
    assert len(table) == 130


def test_cli_unknown_units_is_a_usage_error():
    result = CliRunner().invoke(cli, ["progress", "5g", "--units", "communes-1999"])
    assert result.exit_code == 2
    assert "communes-2025" in result.output


def test_cli_coverage_on_communes_has_population_pct_and_no_data():
    result = CliRunner().invoke(
        cli,
        [
            "coverage",
            "--tech",
            "4G",
            "--operator",
            "any",
            "--as-of",
            "2024-12-31",
            "--units",
            "communes-2025",
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(__import__("io").StringIO(result.stdout), dtype={"code": str})
    table = table.set_index("code")
    assert "population_pct" in table.columns
    assert pd.isna(table.loc["13285", "covered_km2"])  # old Hà Nam: no data, not 0
    assert table.loc["13669", "population_pct"] > 0  # Phường Nam Định
    # The total is over the units with data: the population of the 57 communes.
    communes = bundled_units("communes-2025").set_index("code")
    with_data = report_units(bundled_layers(), "communes-2025", as_of="2024-12-31")
    expected = communes.loc[with_data.index[with_data["has_data"]], "population"].sum()
    assert table.loc["total", "population"] == pytest.approx(float(expected))


def test_cli_gaps_on_communes(tmp_path):
    out = tmp_path / "gaps.gpkg"
    result = CliRunner().invoke(
        cli, ["gaps", "--as-of", "2024-12-31", "--units", "communes-2025", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    import geopandas as gpd

    gaps = gpd.read_file(out)
    assert set(gaps["code"]) <= set(bundled_units("communes-2025")["code"])


def test_coverage_in_python_takes_the_name_of_a_bundled_unit_layer(layers):
    from ict_gis.metrics.coverage import coverage

    table = coverage(layers, "communes-2025", tech="4G", operator="any", as_of="2024-12-31")
    assert len(table) == 130
    assert pd.isna(table.loc["13285", "population_pct"])  # Phường Phủ Lý, old Hà Nam
    assert 0 < table.loc["total", "population_pct"] <= 100
    assert table.attrs["units_with_data"] == 57
