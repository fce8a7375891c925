"""The generator of the bundled modelled layers.

The totals are computed here independently of ``ict_gis`` metric code, with
plain pandas/geopandas/shapely/pyproj on the files, and compared with the
figures of the 2024 report of the Nam Định Department of Information and
Communications (shared/reference/report-2024-facts.md).
"""

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Geod

from ict_gis.layers import generate as gen
from ict_gis.layerset import bundled_path, read_layers

FILES = (
    "bts_stations.geojson",
    "shutdowns_2g.geojson",
    "sites_5g.geojson",
    "cable_routes.geojson",
    "subscribers.csv",
)
DISTRICT_CODES = {"356", "358", "359", "360", "361", "362", "363", "364", "365", "366"}
UTM_48N = "EPSG:32648"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    written = gen.generate(out)
    return out, written


@pytest.fixture(scope="module")
def layers():
    """The committed files, read with geopandas/pandas only."""
    folder = bundled_path()
    frames = {}
    for name in FILES:
        stem = name.split(".")[0]
        if name.endswith(".csv"):
            frames[stem] = pd.read_csv(folder / name, dtype={"code": str, "period": str})
        else:
            frames[stem] = gpd.read_file(folder / name)
    frames["districts"] = gpd.read_file(folder / "districts.geojson")
    for frame in frames.values():
        for col in frame.columns:
            if col.endswith("_date"):
                frame[col] = pd.to_datetime(frame[col])
    return frames


def _year(series, year=2024):
    return series.notna() & (series.dt.year == year)


# --- determinism ------------------------------------------------------------


def test_same_seed_gives_identical_bytes(tmp_path, fresh):
    out, written = fresh
    gen.generate(tmp_path / "again", seed=gen.SEED)
    assert sorted(p.name for p in written.values()) == sorted(FILES)
    for name in FILES:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_another_seed_gives_other_positions(tmp_path, fresh):
    out, _ = fresh
    gen.generate(tmp_path, seed=7)
    assert (out / "bts_stations.geojson").read_bytes() != (
        tmp_path / "bts_stations.geojson"
    ).read_bytes()


def test_committed_layers_equal_a_fresh_generation(fresh):
    out, _ = fresh
    for name in FILES:
        committed = (bundled_path() / name).read_bytes()
        assert committed == (out / name).read_bytes(), (
            f"layers/{name} differs from the generator's output; do not edit it by hand, "
            "run `python -m ict_gis.layers.generate`."
        )


def test_files_are_utf8_nfc_and_rounded(fresh):
    import json
    import unicodedata

    out, _ = fresh
    for name in FILES:
        text = (out / name).read_bytes().decode("utf-8")
        assert unicodedata.normalize("NFC", text) == text
    data = json.loads((out / "cable_routes.geojson").read_text(encoding="utf-8"))
    assert "crs" not in data  # RFC 7946: WGS 84 lon/lat
    streets = {f["properties"]["street"] for f in data["features"]}
    assert "Đường Trần Hưng Đạo" in streets
    for feature in data["features"]:
        for x, y in feature["geometry"]["coordinates"]:
            assert round(x, 6) == x and round(y, 6) == y


def test_command_line_writes_the_files(tmp_path, capsys):
    assert gen.main(["--out", str(tmp_path), "--seed", "3"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    assert "bts_stations" in capsys.readouterr().out


# --- totals of the 2024 report ---------------------------------------------


def test_788_stations_with_2g_all_on_air_before_2024(layers):
    bts = layers["bts_stations"]
    has_2g = bts["technologies"].str.split(",").apply(lambda items: "2G" in items)
    on_air = (bts["status"] == "on_air") & (bts["on_air_date"] <= "2024-12-31")
    assert (has_2g & on_air).sum() == 788
    assert (bts.loc[has_2g, "on_air_date"] < "2024-01-01").all()
    assert (bts.loc[has_2g, "status"] == "on_air").all()


def test_other_stations_and_operator_shares(layers):
    bts = layers["bts_stations"]
    on_air = bts[(bts["status"] == "on_air") & (bts["on_air_date"] <= "2024-12-31")]
    assert 1200 <= len(on_air) <= 1400
    dismantled = bts[bts["status"] == "dismantled"]
    assert 1 <= len(dismantled) <= 10
    assert not dismantled["technologies"].str.contains("2G").any()
    share = bts["operator"].value_counts(normalize=True)
    assert 0.36 <= share["Viettel"] <= 0.44
    assert 0.24 <= share["VNPT"] <= 0.32
    assert 0.21 <= share["MobiFone"] <= 0.29
    assert 0.04 <= share["Vietnamobile"] <= 0.10
    prefixes = {"Viettel": "VTL", "VNPT": "VNP", "MobiFone": "MBF", "Vietnamobile": "VNM"}
    expected = bts["operator"].map(prefixes) + "-ND-"
    assert (bts["site_id"].str[:7] == expected).all()
    assert bts["site_id"].is_unique
    assert list(bts["site_id"]) == sorted(bts["site_id"])
    assert bts["height_m"].between(15, 60).all()
    assert bts["eirp_dbm"].dropna().between(43, 61).all()
    omni = bts["azimuths_deg"].isna()
    assert 0 < omni.sum() < len(bts) / 4


def test_146_locations_approved_in_2024_and_52_on_air(layers):
    bts = layers["bts_stations"]
    new = bts[_year(bts["approved_date"])]
    assert len(new) == 146
    on_air = new[(new["status"] == "on_air") & _year(new["on_air_date"])]
    assert len(on_air) == 52
    assert (on_air["on_air_date"] > on_air["approved_date"]).all()
    rest = new.drop(on_air.index)
    assert len(rest) == 94
    assert set(rest["status"]) == {"approved", "under_construction"}
    assert rest["on_air_date"].isna().all()
    assert set(new["technologies"]) <= {"4G", "4G,5G"}
    # nothing else was approved or put on air in 2024
    old = bts.drop(new.index)
    assert not _year(old["on_air_date"]).any()


def test_161_switch_offs_mostly_in_the_second_half(layers):
    off = layers["shutdowns_2g"]
    assert len(off) == 161
    assert off["site_id"].is_unique
    assert _year(off["switch_off_date"]).all()
    second_half = (off["switch_off_date"] >= "2024-07-01").sum()
    assert second_half > 161 / 2
    assert (off["switch_off_date"] >= "2024-10-16").sum() > 161 / 4
    # first where few subscribers remained
    first = off.nsmallest(20, "switch_off_date")["subscribers_left"].mean()
    last = off.nlargest(20, "switch_off_date")["subscribers_left"].mean()
    assert first < last
    assert (off["subscribers_left"] >= 0).all()


def test_35_5g_sites_viettel_33_vnpt_2_mostly_in_the_city(layers):
    g5 = layers["sites_5g"]
    assert len(g5) == 35
    assert g5["operator"].value_counts().to_dict() == {"Viettel": 33, "VNPT": 2}
    bands = dict(zip(g5["operator"], g5["band_mhz"], strict=True))
    assert bands == {"Viettel": 2600, "VNPT": 3700}
    assert _year(g5["on_air_date"]).all()
    city = layers["districts"].set_index("code").geometry["356"]
    in_city = g5.geometry.within(city).sum()
    assert in_city >= 25


def test_cable_kilometres_per_category_and_status(layers):
    routes = layers["cable_routes"]
    geod = Geod(ellps="WGS84")
    routes = routes.assign(metres=[geod.geometry_length(g) for g in routes.geometry])
    totals = routes.groupby(["category", "status"])["metres"].sum()
    expected = {
        ("with_messenger", "tidied"): 91_000,
        ("with_messenger", "planned"): 146_000 - 91_000,
        ("without_messenger", "tidied"): 20_800,
        ("without_messenger", "planned"): 130_000 - 20_800,
    }
    assert set(totals.index) == set(expected)  # no underground in 2024
    for key, metres in expected.items():
        assert abs(totals[key] - metres) < 1.0, (key, totals[key])
    assert routes.groupby("category")["metres"].sum()["with_messenger"] == pytest.approx(
        146_000, abs=2
    )
    assert routes["metres"].between(300, 3000).all()
    assert (routes["plan"] == "49/KH-UBND").all()
    tidied = routes["status"] == "tidied"
    assert _year(routes.loc[tidied, "done_date"]).all()
    assert routes.loc[~tidied, "done_date"].isna().all()
    assert routes["route_id"].is_unique
    assert routes["route_id"].str.fullmatch(r"CR-\d{4}").all()


def test_subscribers_migrated_to_4g(layers):
    subs = layers["subscribers"]
    assert list(subs.columns) == ["code", "period", "subscribers_2g", "migrated_to_4g"]
    assert set(subs["code"]) == DISTRICT_CODES
    assert len(subs) == 120
    assert sorted(set(subs["period"])) == [f"2024-{m:02d}" for m in range(1, 13)]
    december = subs[subs["period"] == "2024-12"]
    assert december["subscribers_2g"].sum() == 158_699
    assert december["migrated_to_4g"].sum() == 152_954
    for _, unit in subs.sort_values("period").groupby("code"):
        assert unit["subscribers_2g"].nunique() == 1
        assert unit["migrated_to_4g"].is_monotonic_increasing
        assert (unit["migrated_to_4g"] <= unit["subscribers_2g"]).all()


# --- geography and references ----------------------------------------------


def test_points_inside_one_district_away_from_boundaries(layers):
    districts = layers["districts"][["code", "geometry"]]
    boundaries = districts.to_crs(UTM_48N).boundary.union_all()
    for kind in ("bts_stations", "shutdowns_2g", "sites_5g"):
        points = layers[kind]
        joined = gpd.sjoin(points, districts, predicate="within", how="left")
        assert joined.index.is_unique, kind  # never in two districts
        assert joined["code"].notna().all(), kind
        assert (points.to_crs(UTM_48N).distance(boundaries) > 50).all(), kind


def test_routes_inside_the_province(layers):
    province = layers["districts"].union_all()
    assert layers["cable_routes"].geometry.within(province).all()


def test_every_district_has_sites_and_switch_offs(layers):
    districts = layers["districts"][["code", "geometry"]]
    bts = gpd.sjoin(layers["bts_stations"], districts, predicate="within")
    off = gpd.sjoin(layers["shutdowns_2g"], districts, predicate="within")
    assert set(bts["code"]) == DISTRICT_CODES
    assert set(off["code"]) == DISTRICT_CODES
    per_unit = bts["code"].value_counts()
    assert per_unit.idxmax() == "356"  # densest in the city
    area = districts.set_index("code").to_crs(UTM_48N).area / 1e6
    density = per_unit / area
    assert density["356"] > 2 * density.drop("356").max()


@pytest.mark.parametrize(("kind", "technology"), [("shutdowns_2g", "2G"), ("sites_5g", "5G")])
def test_site_ids_reference_bts_stations(layers, kind, technology):
    bts = layers["bts_stations"].set_index("site_id")
    sites = layers[kind]
    assert sites["site_id"].isin(bts.index).all()
    station = bts.loc[sites["site_id"]]
    assert station["technologies"].str.split(",").apply(lambda t: technology in t).all()
    assert (station["operator"].to_numpy() == sites["operator"].to_numpy()).all()
    assert (station.geometry.x.to_numpy() == sites.geometry.x.to_numpy()).all()
    assert (station.geometry.y.to_numpy() == sites.geometry.y.to_numpy()).all()


def test_bundled_folder_reads_without_problems():
    layers = read_layers(bundled_path())
    assert layers.problems == []
    assert len(layers["bts_stations"]) > 1000
    assert len(layers["subscribers"]) == 120
