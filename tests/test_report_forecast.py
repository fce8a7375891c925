"""The report's forecast line: at the pace of the year, when each plan will be done.

A small hand-made layer set (two units, in UTM 48N so that cable lengths are
exact) whose finish months are computed by hand below, then the bundled
layers, checked against ``ict-gis progress --forecast`` and against a plain
count of the raw shutdown layer.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from ict_gis.cli.main import cli
from ict_gis.layerset import LayerSet, bundled_path
from ict_gis.render.report import report_markdown, report_text
from ict_gis.report import annual

UTM = "EPSG:32648"
X0, Y0 = 600_000.0, 2_250_000.0
KM = 1000.0


def _units() -> gpd.GeoDataFrame:
    boxes = [shapely.box(X0, Y0, X0 + 10 * KM, Y0 + 10 * KM)]
    boxes.append(shapely.box(X0 + 10 * KM, Y0, X0 + 20 * KM, Y0 + 10 * KM))
    return gpd.GeoDataFrame(
        {"code": ["001", "002"], "name": ["Huyện A", "Huyện B"], "level": ["district"] * 2},
        geometry=boxes,
        crs=UTM,
    )


def _stations(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": [f"S{i:02d}" for i in range(n)],
            "operator": ["Viettel"] * n,
            "technologies": ["2G,4G"] * n,
            "height_m": [30.0] * n,
            "status": ["on_air"] * n,
            "approved_date": ["2019-01-01"] * n,
            "on_air_date": ["2020-01-01"] * n,
        },
        geometry=[shapely.Point(X0 + (0.5 + 0.7 * i) * KM, Y0 + 5 * KM) for i in range(n)],
        crs=UTM,
    )


def _shutdowns(dates: list[str]) -> gpd.GeoDataFrame:
    n = len(dates)
    return gpd.GeoDataFrame(
        {
            "site_id": [f"S{i:02d}" for i in range(n)],
            "operator": ["Viettel"] * n,
            "switch_off_date": dates,
        },
        geometry=[shapely.Point(X0 + (0.5 + 0.7 * i) * KM, Y0 + 5 * KM) for i in range(n)],
        crs=UTM,
    )


def _subscribers() -> pd.DataFrame:
    # Each unit: 1,000 2G subscribers; migrated 100 at the end of 2023, then
    # 27.5 more a month (a straight line) up to 430 in December 2024.
    rows = []
    for code in ("001", "002"):
        rows.append(
            {"code": code, "period": "2023-12", "subscribers_2g": 1000, "migrated_to_4g": 100}
        )
        for month in range(1, 13):
            migrated = 100 + 27.5 * month
            rows.append(
                {
                    "code": code,
                    "period": f"2024-{month:02d}",
                    "subscribers_2g": 1000,
                    "migrated_to_4g": int(migrated),
                }
            )
    frame = pd.DataFrame(rows)
    assert frame.loc[frame.period == "2024-12", "migrated_to_4g"].tolist() == [430, 430]
    return frame


def _route(route_id: str, km: float, category: str, status: str, done: str | None, y: float):
    line = shapely.LineString([(X0 + 1 * KM, Y0 + y * KM), (X0 + 1 * KM + km * KM, Y0 + y * KM)])
    return {
        "route_id": route_id,
        "street": f"Đường {route_id}",
        "category": category,
        "plan": "49/KH-UBND",
        "status": status,
        "done_date": done,
        "operators": "Viettel",
        "geometry": line,
    }


def _cables() -> gpd.GeoDataFrame:
    # Plan 49/KH-UBND: 101 km. Tidied 10 km before 2024; 12 km tidied and
    # 6 km put underground in 2024; 41 + 32 km still planned. (Each route
    # stays inside unit 001 or runs on into 002; the plan total is what counts.)
    rows = [
        _route("R1", 10, "with_messenger", "tidied", "2023-06-01", 1),
        _route("R2", 12, "with_messenger", "tidied", "2024-03-01", 2),
        _route("R3", 6, "without_messenger", "underground", "2024-09-01", 3),
        _route("R4", 18, "with_messenger", "planned", None, 4),
        _route("R5", 18, "with_messenger", "planned", None, 5),
        _route("R6", 5, "with_messenger", "planned", None, 6),
        _route("R7", 16, "without_messenger", "planned", None, 7),
        _route("R8", 16, "without_messenger", "planned", None, 8),
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=UTM)


@pytest.fixture(scope="module")
def small() -> LayerSet:
    # 25 2G stations: 4 switched off in 2023, 5 in 2024.
    dates = ["2023-03-10", "2023-06-10", "2023-09-10", "2023-11-10"]
    dates += ["2024-02-10", "2024-04-10", "2024-06-10", "2024-09-10", "2024-11-10"]
    return LayerSet(
        {
            "districts": _units(),
            "bts_stations": _stations(25),
            "shutdowns_2g": _shutdowns(dates),
            "subscribers": _subscribers(),
            "cable_routes": _cables(),
        },
        name="Tỉnh thử",
    )


# Worked out by hand (a month is 365.25 / 12 = 30.4375 days; the finish day is
# 31/12/2024 plus the months left in days, rounded up):
#
# stations:    9 done of 25 by 31/12/2024, 4 by 31/12/2023: 5 a year, 5/12 a
#              month; 16 left -> 38.4 months = 1168.8 -> 1169 days ->
#              31/12/2027 (1095 days) + 74 days = 14/03/2028 (2028 is a leap
#              year): March 2028.
# subscribers: 860 of 2,000 migrated, 200 a year earlier: 660 a year, 55 a
#              month; 1,140 left -> 20.73 months = 630.9 -> 631 days ->
#              31/12/2025 + 266 days = 23/09/2026: September 2026.
# cables:      28 km done (R1 + R2 + R3) of 101, 10 km a year earlier: 18 km
#              a year, 1.5 km a month; 73 km left -> 48.67 months = 1481.3 ->
#              1482 days -> 31/12/2028 (1461 days) + 21 = 21/01/2029: January
#              2029, after the plan's end 31/12/2025.


def test_small_set_sentences_by_hand(small):
    assert _cables().length.sum() == pytest.approx(101 * KM)
    vi = annual(small, year=2024, lang="vi", partial=True)
    en = annual(small, year=2024, lang="en", partial=True)
    assert (
        "Theo tốc độ năm 2024, việc tắt sóng 2G sẽ hoàn thành vào tháng 3/2028 đối với các "
        "trạm và sẽ hoàn thành vào tháng 9/2026 đối với thuê bao." in vi.sentences
    )
    assert (
        "At the 2024 pace, the 2G switch-off will be finished in March 2028 for the stations "
        "and will be finished in September 2026 for the subscribers." in en.sentences
    )
    assert (
        "Theo tốc độ năm 2024 (1,5 km/tháng), Kế hoạch 49/KH-UBND sẽ hoàn thành vào "
        "tháng 1/2029, chậm so với hạn 31/12/2025." in vi.sentences
    )
    assert (
        "At the 2024 pace (1.5 km a month), plan 49/KH-UBND will be finished in January 2029, "
        "after its end date 2025-12-31." in en.sentences
    )
    # The figures behind them, in the JSON output.
    data = en.to_json_dict()["forecast"]
    assert data["months"] == 12
    stations = data["switch_off"]["stations"]
    assert (stations["done"], stations["goal"]) == (9, 25)
    assert stations["pace_per_month"] == pytest.approx(5 / 12)
    assert stations["finish"] == "2028-03-14"
    assert data["switch_off"]["subscribers"]["finish"] == "2026-09-23"
    (plan,) = data["cables"]
    assert plan["plan"] == "49/KH-UBND" and plan["status"] == "late"
    # lengths are measured on the ground (UTM's scale factor: 0.03 % here)
    assert plan["done"] == pytest.approx(28, rel=1e-3)
    assert plan["goal"] == pytest.approx(101, rel=1e-3)
    assert plan["pace_per_month"] == pytest.approx(1.5, rel=1e-3)
    assert (plan["finish"], plan["deadline"]) == ("2029-01-21", "2025-12-31")
    # The text and Markdown outputs carry the line; the source is the set's name.
    assert "- At the 2024 pace (1.5 km a month), plan 49/KH-UBND" in report_text(en)
    assert "Figures as of 2024-12-31; source: Tỉnh thử." in report_markdown(en)


def test_a_plan_on_time_and_one_already_done(small):
    # Put most of R4-R8 underground in 2024: 49 + 28 km more done in the year.
    cables = small["cable_routes"].copy()
    early = cables["route_id"].isin(["R4", "R5", "R7"])
    cables.loc[early, "status"] = "underground"
    cables.loc[early, "done_date"] = pd.Timestamp("2024-10-01")
    shut = _shutdowns([f"2024-{m:02d}-10" for m in range(1, 13)] * 2 + ["2023-05-05"])
    shut["site_id"] = [f"S{i:02d}" for i in range(25)]
    layers = small.replace(cable_routes=cables, shutdowns_2g=shut)
    en = annual(layers, year=2024, lang="en", partial=True)
    # 80 km done of 101, 10 a year before: 70 km a year (5.83 a month); 21 km
    # left -> 3.6 months -> 110 days -> 20/04/2025: April 2025, before the end.
    assert (
        "At the 2024 pace (5.8 km a month), plan 49/KH-UBND will be finished in April 2025, "
        "before its end date 2025-12-31." in en.sentences
    )
    # Every station is off: the switch-off is finished for the stations.
    line = next(s for s in en.sentences if s.startswith("At the 2024 pace, the 2G"))
    assert line.startswith("At the 2024 pace, the 2G switch-off is finished for the stations and")


def test_no_progress_in_the_year_has_no_finish_date(small):
    shut = small["shutdowns_2g"]
    layers = small.replace(shutdowns_2g=shut[shut["switch_off_date"] < "2024-01-01"])
    vi = annual(layers, year=2024, lang="vi", partial=True)
    line = next(s for s in vi.sentences if s.startswith("Theo tốc độ năm 2024, việc tắt sóng"))
    assert "chưa thể hoàn thành (năm 2024 không có tiến độ) đối với các trạm" in line


def test_a_set_without_cables_gets_no_cable_forecast(small):
    layers = LayerSet({k: v for k, v in small.items() if k != "cable_routes"}, coerced=True)
    en = annual(layers, year=2024, lang="en", partial=True)
    assert not any("plan 49/KH-UBND will" in s for s in en.sentences)
    assert any(s.startswith("At the 2024 pace, the 2G switch-off") for s in en.sentences)
    assert "cables" not in en.to_json_dict()["forecast"]


# --------------------------------------------------------------------------- bundled


def _month(day: dt.date, lang: str) -> str:
    names = ["January", "February", "March", "April", "May", "June", "July", "August"]
    names += ["September", "October", "November", "December"]
    return f"tháng {day.month}/{day.year}" if lang == "vi" else f"{names[day.month - 1]} {day.year}"


def test_bundled_report_prints_the_line_and_agrees_with_progress_forecast():
    runner = CliRunner()
    report = runner.invoke(cli, ["report", "--year", "2024", "--lang", "en"])
    assert report.exit_code == 0, report.output
    progress = runner.invoke(
        cli,
        ["progress", "switch-off", "--as-of", "2024-12-31", "--forecast", "12", "--format", "json"],
    )
    assert progress.exit_code == 0, progress.output
    rows = {(r["code"], r["what"]): r for r in json.loads(progress.stdout)}
    stations, subscribers = rows[("total", "stations")], rows[("total", "subscribers")]

    # The pace from the raw layers, by a plain count: shutdowns dated in 2024,
    # 2G stations on air.
    raw_off = gpd.read_file(bundled_path() / "shutdowns_2g.geojson")
    raw_bts = gpd.read_file(bundled_path() / "bts_stations.geojson")
    days = pd.to_datetime(raw_off["switch_off_date"])
    in_2024 = int(((days >= "2024-01-01") & (days <= "2024-12-31")).sum())
    by_end = int((days <= "2024-12-31").sum())
    total = int(
        (raw_bts["technologies"].str.contains("2G") & (raw_bts["status"] != "dismantled")).sum()
    )
    assert (in_2024, by_end, total) == (161, 161, 788)
    pace = in_2024 / 12
    assert stations["pace_per_month"] == pytest.approx(pace)
    assert (stations["done"], stations["goal"]) == (by_end, total)
    months = (total - by_end) / pace  # 46.7
    finish = dt.date(2024, 12, 31) + dt.timedelta(days=math.ceil(months * 365.25 / 12))
    assert finish.isoformat() == stations["finish"] == "2028-11-23"

    sub_finish = dt.date.fromisoformat(subscribers["finish"])
    assert (
        f"At the 2024 pace, the 2G switch-off will be finished in {_month(finish, 'en')} for "
        f"the stations and will be finished in {_month(sub_finish, 'en')} for the subscribers."
        in report.output
    )
    assert "November 2028" in report.output
    vi = runner.invoke(cli, ["report", "--year", "2024"])
    assert vi.exit_code == 0, vi.output
    assert "Theo tốc độ năm 2024, việc tắt sóng 2G sẽ hoàn thành vào tháng 11/2028" in vi.output


def test_bundled_cable_plan_line_agrees_with_progress_forecast():
    runner = CliRunner()
    progress = runner.invoke(
        cli,
        ["progress", "cables", "--as-of", "2024-12-31", "--forecast", "12", "--format", "json"],
    )
    assert progress.exit_code == 0, progress.output
    rows = [r for r in json.loads(progress.stdout) if r["code"] == "total"]
    assert {r["plan"] for r in rows} == {"49/KH-UBND"}
    done = sum(r["done"] for r in rows)
    goal = sum(r["goal"] for r in rows)
    pace = sum(r["pace_per_month"] for r in rows)
    months = (goal - done) / pace
    finish = dt.date(2024, 12, 31) + dt.timedelta(days=math.ceil(months * 365.25 / 12))
    assert finish > dt.date(2025, 12, 31)  # late
    report = runner.invoke(cli, ["report", "--year", "2024", "--lang", "en", "--format", "json"])
    assert report.exit_code == 0, report.output
    (plan,) = json.loads(report.stdout)["forecast"]["cables"]
    assert plan["finish"] == finish.isoformat() and plan["status"] == "late"
    text = runner.invoke(cli, ["report", "--year", "2024", "--lang", "en"]).output
    assert (
        f"At the 2024 pace ({pace:.1f} km a month), plan 49/KH-UBND will be finished in "
        f"{_month(finish, 'en')}, after its end date 2025-12-31." in text
    )


# --------------------------------------------------------------------------- the source line


def test_the_report_names_the_layer_set_not_its_path(tmp_path):
    from ict_gis.layerset import bundled_layers, read_layers

    bundled = annual(bundled_layers(), year=2024, lang="en")
    assert bundled.subtitle() == "Figures as of 2024-12-31; source: Nam Định 2024."
    assert str(bundled_path()) not in report_text(bundled)
    # The bundled folder read by its path is the bundled set, with its name.
    assert read_layers(bundled_path()).name == "Nam Định 2024"
    # A folder of one's own: its name (not the whole path) unless a name is given.
    folder = tmp_path / "ninh_binh_2025"
    folder.mkdir()
    _units().to_file(folder / "districts.geojson", driver="GeoJSON")
    assert read_layers(folder).name == "ninh_binh_2025"
    named = read_layers(folder, name="Ninh Bình 2025")
    assert named.name == "Ninh Bình 2025" and named.source == str(folder)
    assert named.replace().name == "Ninh Bình 2025"
    result = CliRunner().invoke(cli, ["report", "--year", "2024", "--lang", "en"])
    assert "Figures as of 2024-12-31; source: Nam Định 2024." in result.output


def test_subscriber_pace_starts_at_the_first_snapshot_in_the_window():
    """The bundled subscribers begin in 2024-01: the 2024 pace is (Dec − Jan) / 11 months."""
    raw = pd.read_csv(bundled_path() / "subscribers.csv", dtype={"code": str})
    by_month = raw.groupby("period")["migrated_to_4g"].sum()
    pace = (by_month["2024-12"] - by_month["2024-01"]) / 11
    progress = CliRunner().invoke(
        cli,
        ["progress", "switch-off", "--as-of", "2024-12-31", "--forecast", "12", "--format", "json"],
    )
    assert progress.exit_code == 0, progress.output
    rows = {(r["code"], r["what"]): r for r in json.loads(progress.stdout)}
    assert rows[("total", "subscribers")]["pace_per_month"] == pytest.approx(pace)
