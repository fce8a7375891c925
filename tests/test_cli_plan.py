"""``ict-gis plan sites|sharing`` and ``ict-gis progress ... --forecast`` on the bundled layers.

Every figure the commands print is recounted here another way: the km² each
site adds from the written polygons, the sharing groups by a plain all-pairs
search, the forecast from the monthly switch-off timeline.
"""

from __future__ import annotations

import io as stdio
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from ict_gis import io as ict_io
from ict_gis.cli.main import cli
from ict_gis.layerset import bundled_layers
from ict_gis.metrics.coverage import switch_off_gaps
from ict_gis.metrics.progress import switch_off_timeline
from ict_gis.units import metric_crs


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "plan.gpkg"
    result = run(
        "-q",
        "plan",
        "sites",
        "--tech",
        "4G",
        "--budget",
        "10",
        "--as-of",
        "2024-12-31",
        "-o",
        str(out),
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    return out, pd.read_csv(stdio.StringIO(result.output), dtype={"code": str})


def test_plan_sites_ten_sites_recounted(plan_file):
    path, table = plan_file
    assert len(table) == 10
    assert table["rank"].tolist() == list(range(1, 11))
    sites = ict_io.read_layer(path, layer="sites")
    fps = ict_io.read_layer(path, layer="footprints")
    before = ict_io.read_layer(path, layer="holes_before")
    crs = metric_crs(bundled_layers()["districts"])
    fps, before, sites = fps.to_crs(crs), before.to_crs(crs), sites.to_crs(crs)
    holes = shapely.union_all(before.geometry.to_numpy())
    # the holes are those of `ict-gis gaps` (scenario before)
    gaps = switch_off_gaps(bundled_layers(), as_of="2024-12-31")
    assert holes.area / 1e6 == pytest.approx(
        gaps.loc[gaps["scenario"] == "before", "area_km2"].sum(), rel=1e-6
    )
    # each site adds its footprint's part of the holes not covered by the sites before it
    done = shapely.Polygon()
    for k, geom in enumerate(fps.sort_values("rank").geometry):
        added = shapely.difference(shapely.intersection(holes, geom), done).area / 1e6
        assert added == pytest.approx(table["adds_km2"].iloc[k], rel=1e-6, abs=1e-9)
        done = shapely.union(done, geom)
    assert shapely.intersection(holes, done).area / 1e6 == pytest.approx(
        table["adds_km2"].sum(), rel=1e-6
    )
    # each footprint is a circle of the site's radius around it
    for point, geom, radius in zip(sites.geometry, fps.geometry, sites["radius_m"], strict=True):
        assert shapely.distance(point, geom.exterior) == pytest.approx(radius, rel=0.01)
    # the sites are 500 m apart at least (--min-spacing 500)
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert dist[np.triu_indices(len(xy), 1)].min() >= 500 - 1e-6
    after = ict_io.read_layer(path, layer="holes_after").to_crs(crs)
    assert after.area.sum() / 1e6 == pytest.approx(
        holes.area / 1e6 - table["adds_km2"].sum(), rel=1e-6
    )
    per_unit = ict_io.read_layer(path, layer="per_unit")
    total = per_unit[per_unit["code"] == "total"].iloc[0]
    assert int(total["new_sites"]) == 10


def test_plan_sites_budget_zero_and_options(tmp_path):
    result = run("-q", "plan", "sites", "--budget", "0", "--as-of", "2024-12-31", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert pd.read_csv(stdio.StringIO(result.output)).empty
    both = CliRunner().invoke(
        cli, ["plan", "sites", "--budget", "1", "--towers", "--candidates", __file__]
    )
    assert both.exit_code == 2
    assert "not both" in both.output
    missing = CliRunner().invoke(cli, ["plan", "sites", "--budget", "1", "--weight", "population"])
    assert missing.exit_code == 1
    assert "population" in missing.output


def test_plan_sharing_groups_recounted(tmp_path):
    out = tmp_path / "sharing.gpkg"
    result = run("-q", "plan", "sharing", "--distance", "300", "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(stdio.StringIO(result.output), dtype={"code": str}).set_index("code")
    # an independent count: all pairs within 300 m, chained (union-find)
    stations = bundled_layers()["bts_stations"]
    stations = stations[stations["status"] != "dismantled"]
    pts = stations.geometry.to_crs(metric_crs(bundled_layers()["districts"]))
    xy = np.column_stack([pts.x, pts.y])
    parent = list(range(len(xy)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(xy)):
        near = np.flatnonzero(np.hypot(*(xy[i + 1 :] - xy[i]).T) <= 300) + i + 1
        for j in near:
            parent[find(int(j))] = find(i)
    roots = np.array([find(i) for i in range(len(xy))])
    ops = stations["operator"].to_numpy()
    groups = [set(ops[roots == r]) for r in np.unique(roots)]
    assert table.loc["total", "towers"] == len(groups)
    assert table.loc["total", "groups"] == sum(len(g) >= 2 for g in groups)
    assert table.loc["total", "sites_avoided"] == sum(len(g) - 1 for g in groups)
    assert table.loc["total", "station_count"] == len(stations)
    layer = ict_io.read_layer(out, layer="groups")
    assert len(layer) == table.loc["total", "groups"]


def test_progress_forecast_switch_off_from_the_timeline():
    result = run(
        "-q",
        "progress",
        "switch-off",
        "--as-of",
        "2024-12-31",
        "--forecast",
        "6",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(stdio.StringIO(result.output), dtype={"code": str})
    row = table[(table["code"] == "total") & (table["what"] == "stations")].iloc[0]
    timeline = switch_off_timeline(bundled_layers(), since="2024-06-01", as_of="2024-12-31")
    done = timeline.loc["2024-12", "total"]
    pace = (done - timeline.loc["2024-06", "total"]) / 6
    left = timeline.loc["2024-12", "stations"] - done
    assert row["pace_per_month"] == pytest.approx(pace)
    days = math.ceil(left / pace * 365.25 / 12)
    assert pd.Timestamp(row["finish"]) == pd.Timestamp("2024-12-31") + pd.Timedelta(days=days)
    assert set(table["what"]) == {"stations", "subscribers"}
    assert len(table) == 2 * 10  # nine districts and the total, twice


def test_progress_forecast_cables_against_the_plan_end():
    result = run(
        "-q",
        "progress",
        "cables",
        "--as-of",
        "2024-12-31",
        "--forecast",
        "12",
        "--format",
        "csv",
        "--lang",
        "en",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(stdio.StringIO(result.output))
    assert set(table["deadline"]) == {"2025-12-31"}
    assert set(table["status"]) <= {"done", "on_time", "late", "stalled"}
    english = run("progress", "cables", "--as-of", "2024-12-31", "--forecast", "12", "--lang", "en")
    assert "at the pace of the last 12 months" in english.output


def test_plan_sites_candidates_file_and_exclude(plan_file, tmp_path):
    path, table = plan_file
    offered = ict_io.read_layer(path, layer="sites")[["site_id", "geometry"]]
    offered["site_id"] = [f"LAND-{i}" for i in range(len(offered))]
    cands = tmp_path / "land.geojson"
    ict_io.write_layer(offered, cands)
    no_go = tmp_path / "no_go.geojson"
    square = shapely.buffer(offered.geometry.iloc[0], 0.001)  # about 100 m around LAND-0
    ict_io.write_layer(offered.iloc[[0]].set_geometry([square], crs=offered.crs), no_go)
    result = run(
        "-q",
        "plan",
        "sites",
        "--budget",
        "3",
        "--as-of",
        "2024-12-31",
        "--candidates",
        str(cands),
        "--exclude",
        str(no_go),
        "--no-exact",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    chosen = pd.read_csv(stdio.StringIO(result.output))
    assert len(chosen) == 3
    assert set(chosen["source"]) == {"file"}
    assert set(chosen["site_id"]) <= set(offered["site_id"][1:])  # LAND-0 is excluded
    assert (chosen["adds_km2"] > 0).all()


def test_plan_candidates_are_read_in_the_encoding_given(plan_file, tmp_path):
    """``--encoding`` reaches the ``--candidates`` file as it reaches LAYERS."""
    path, _ = plan_file
    offered = ict_io.read_layer(path, layer="sites").to_crs(4326)
    names = [f"Đà Hà {i}" for i in range(len(offered))]  # letters Windows-1258 has whole
    table = pd.DataFrame(
        {"site_id": names, "lon": offered.geometry.x.round(6), "lat": offered.geometry.y.round(6)}
    )
    cands = tmp_path / "dat.csv"
    cands.write_bytes(table.to_csv(index=False).encode("cp1258"))

    def chosen(encoding: str) -> set[str]:
        result = run(
            "-q", "plan", "sites", "--budget", "2", "--as-of", "2024-12-31", "--no-exact",
            "--candidates", str(cands), "--encoding", encoding, "--format", "csv",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return set(pd.read_csv(stdio.StringIO(result.output))["site_id"])

    assert chosen("cp1258") <= set(names)
    assert not chosen("tcvn3") & set(names)  # the same bytes read as TCVN3 are other text
