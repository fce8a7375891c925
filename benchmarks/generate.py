"""Generate the synthetic benchmark cases: a province and a country.

Usage::

    python benchmarks/generate.py province DIR      # ~1,000 sites, 10 units
    python benchmarks/generate.py country DIR       # ~100,000 sites, 700 and 3,300 units

Each case is a GeoPackage in DIR with the layers ``districts`` (units) and
``bts_stations``, in EPSG:4326, readable by ``ict-gis coverage``:

- ``province.gpkg``: 1,000 sites over a 41 x 41 km square (about Nam Định's
  1,669 km²), 10 units;
- ``country-700.gpkg`` and ``country-3300.gpkg``: the same 100,000 sites (2G,
  4G and 5G, five operators) over a rough outline of Viet Nam, with about 700
  (district-like) or 3,300 (commune-like) units.

Units are Voronoi cells of random seeds (denser around the cities, as real
communes are), clipped to the outline, with edges cut into 250 m pieces and
bent by a smooth displacement field so that each unit has a few hundred
vertices, like real boundaries, while neighbours still share their edges.
Sites cluster around the same cities. Everything depends only on the seed.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ict_gis import io

SEED = 20241231

#: A rough outline of Viet Nam (lon, lat), about 330,000 km².
VIETNAM = [
    (102.15, 22.40),
    (102.60, 22.75),
    (103.50, 22.75),
    (104.40, 22.85),
    (105.35, 23.30),
    (106.20, 22.95),
    (106.75, 22.85),
    (107.35, 21.85),
    (108.00, 21.55),
    (107.30, 21.10),
    (106.75, 20.60),
    (106.20, 19.95),
    (105.85, 19.30),
    (105.95, 18.60),
    (106.45, 17.75),
    (107.10, 16.85),
    (108.20, 16.10),
    (108.80, 15.30),
    (109.25, 13.90),
    (109.45, 12.60),
    (109.20, 11.70),
    (108.70, 11.10),
    (107.90, 10.70),
    (107.00, 10.35),
    (106.75, 9.70),
    (106.30, 9.30),
    (105.40, 8.60),
    (104.75, 8.60),
    (104.80, 9.60),
    (104.45, 10.40),
    (105.10, 10.95),
    (106.15, 11.25),
    (106.45, 11.80),
    (107.40, 12.20),
    (107.55, 13.00),
    (107.45, 14.10),
    (107.60, 15.00),
    (107.20, 15.80),
    (106.50, 16.40),
    (105.70, 17.40),
    (104.80, 18.20),
    (103.95, 18.80),
    (104.50, 19.40),
    (104.95, 19.85),
    (104.40, 20.30),
    (103.60, 20.70),
    (103.05, 20.65),
    (102.75, 21.20),
    (102.55, 21.70),
    (102.15, 22.40),
]

#: City centres (lon, lat) and their weight in the site density.
CITIES = [
    (105.85, 21.03, 10.0),  # Hà Nội
    (106.66, 10.78, 12.0),  # TP Hồ Chí Minh
    (106.68, 20.86, 3.0),  # Hải Phòng
    (108.21, 16.05, 3.0),  # Đà Nẵng
    (105.78, 10.03, 2.0),  # Cần Thơ
    (106.18, 20.42, 1.5),  # Nam Định
    (105.69, 18.68, 1.5),  # Vinh
    (107.59, 16.46, 1.5),  # Huế
    (109.19, 12.24, 1.5),  # Nha Trang
    (108.44, 11.94, 1.0),  # Đà Lạt
    (106.82, 10.95, 2.5),  # Biên Hòa
    (107.08, 10.35, 1.0),  # Vũng Tàu
    (106.08, 21.18, 1.5),  # Bắc Ninh
    (105.84, 21.59, 1.0),  # Thái Nguyên
    (105.78, 19.81, 1.0),  # Thanh Hóa
    (108.00, 14.00, 0.8),  # Pleiku
    (108.05, 12.67, 0.8),  # Buôn Ma Thuột
    (109.22, 13.78, 0.8),  # Quy Nhơn
    (105.43, 10.38, 1.0),  # Long Xuyên
    (106.05, 20.95, 1.0),  # Hưng Yên
]

OPERATORS = ("Viettel", "VNPT", "MobiFone", "Vietnamobile", "Gmobile")
OPERATOR_SHARE = (0.42, 0.27, 0.23, 0.05, 0.03)
TECH_MIX = (("2G,4G", 0.45), ("4G", 0.33), ("2G,4G,5G", 0.12), ("4G,5G", 0.06), ("2G", 0.04))


def _laea(lon: float, lat: float) -> pyproj.CRS:
    return pyproj.CRS.from_proj4(
        f"+proj=laea +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs +type=crs"
    )


def _sample_in(region: shapely.Geometry, n: int, rng, centres, weights, sigma_m, share):
    """``n`` points in ``region``: ``share`` clustered around ``centres``, the rest uniform."""
    shapely.prepare(region)
    minx, miny, maxx, maxy = region.bounds
    out = []
    n_cluster = int(round(n * share))
    if n_cluster:
        p = np.asarray(weights, dtype=float) / np.sum(weights)
        got = 0
        while got < n_cluster:
            k = rng.choice(len(centres), size=2 * (n_cluster - got), p=p)
            sig = rng.choice(sigma_m, size=len(k))
            xy = np.asarray(centres)[k] + rng.normal(size=(len(k), 2)) * sig[:, None]
            inside = shapely.contains_xy(region, xy[:, 0], xy[:, 1])
            xy = xy[inside][: n_cluster - got]
            out.append(xy)
            got += len(xy)
    got = 0
    n_uniform = n - n_cluster
    while got < n_uniform:
        xy = np.column_stack(
            [
                rng.uniform(minx, maxx, 2 * (n_uniform - got)),
                rng.uniform(miny, maxy, 2 * (n_uniform - got)),
            ]
        )
        xy = xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])][: n_uniform - got]
        out.append(xy)
        got += len(xy)
    xy = np.concatenate(out)
    return xy[rng.permutation(len(xy))]


def _bend(coords: np.ndarray, amplitude: float, wavelength: float) -> np.ndarray:
    """A smooth displacement field: equal points move equally, so shared edges stay shared."""
    x, y = coords[:, 0], coords[:, 1]
    k = 2 * math.pi / wavelength
    dx = amplitude * (np.sin(k * y + 1.3) * 0.6 + np.sin(2.7 * k * (x + y) + 0.4) * 0.4)
    dy = amplitude * (np.sin(k * x + 2.1) * 0.6 + np.sin(3.1 * k * (x - y) + 0.9) * 0.4)
    return np.column_stack([x + dx, y + dy])


def _units(region, n, rng, centres, weights, sigma_m, share, segment_m, prefix):
    seeds = _sample_in(region, n, rng, centres, weights, sigma_m, share)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=region)
    )
    cells = shapely.intersection(cells, region)
    cells = shapely.segmentize(cells, segment_m)
    cells = shapely.transform(cells, lambda c: _bend(c, segment_m * 0.8, segment_m * 23))
    cells = shapely.make_valid(cells)
    cells = np.array([_polygonal(g) for g in cells], dtype=object)
    keep = ~shapely.is_empty(cells)
    cells = cells[keep]
    # Communes near a city centre are wards (phường), the others rural communes (xã).
    centre_pts = shapely.points(np.asarray(centres))
    dist = np.min(shapely.distance(shapely.centroid(cells)[:, None], centre_pts[None, :]), axis=1)
    urban = dist < 6000
    area_km2 = shapely.area(cells) / 1e6
    density = np.where(
        urban, rng.uniform(3000, 12000, len(cells)), rng.uniform(150, 900, len(cells))
    )
    codes = [f"{prefix}{i:05d}" for i in range(len(cells))]
    return pd.DataFrame(
        {
            "code": codes,
            "name": [f"Unit {c}" for c in codes],
            "level": "commune" if prefix == "C" else "district",
            "parent_code": None,
            "unit_type": np.where(urban, "Phường", "Xã"),
            "population": np.round(area_km2 * density).astype(int),
        }
    ), cells


def _polygonal(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _sites(region, n, rng, centres, weights, sigma_m, share, prefix):
    xy = _sample_in(region, n, rng, centres, weights, sigma_m, share)
    techs, probs = zip(*TECH_MIX, strict=True)
    operator = rng.choice(OPERATORS, size=n, p=OPERATOR_SHARE)
    status = rng.choice(["on_air", "approved", "dismantled"], size=n, p=[0.95, 0.04, 0.01])
    on_air = pd.Timestamp("2008-01-01") + pd.to_timedelta(rng.integers(0, 6200, n), unit="D")
    approved = on_air - pd.to_timedelta(rng.integers(60, 400, n), unit="D")
    base = rng.uniform(0, 120, n)
    azimuths = [
        f"{a:.0f},{(a + 120) % 360:.0f},{(a + 240) % 360:.0f}" if rng.random() < 0.6 else None
        for a in base
    ]
    frame = pd.DataFrame(
        {
            "site_id": [f"{prefix}{i:06d}" for i in range(n)],
            "operator": operator,
            "technologies": rng.choice(techs, size=n, p=probs),
            "height_m": np.round(rng.uniform(15, 45, n), 1),
            "status": status,
            "approved_date": approved.strftime("%Y-%m-%d"),
            "on_air_date": np.where(status == "on_air", on_air.strftime("%Y-%m-%d"), None),
            "azimuths_deg": azimuths,
        }
    )
    return frame, xy


def _write(path: Path, units, unit_geoms, sites, site_xy, crs) -> None:
    to_ll = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    unit_ll = shapely.transform(
        unit_geoms, lambda c: np.column_stack(to_ll.transform(c[:, 0], c[:, 1]))
    )
    lon, lat = to_ll.transform(site_xy[:, 0], site_xy[:, 1])
    districts = gpd.GeoDataFrame(units, geometry=unit_ll, crs="EPSG:4326")
    stations = gpd.GeoDataFrame(sites, geometry=shapely.points(lon, lat), crs="EPSG:4326")
    if path.exists():
        path.unlink()
    io.write_layers({"districts": districts, "bts_stations": stations}, path)
    print(f"wrote {path}: {len(districts):,} units, {len(stations):,} sites")


def province(out: Path, *, seed: int = SEED, sites: int = 1000, units: int = 10) -> Path:
    rng = np.random.default_rng(seed)
    crs = _laea(106.2, 20.3)
    half = 20_500.0
    region = shapely.box(-half, -half, half, half)
    centres = [(0.0, 0.0), (-9000.0, 6000.0), (8000.0, -7000.0)]
    weights = [4.0, 1.0, 1.0]
    unit_frame, unit_geoms = _units(region, units, rng, centres, weights, [4000.0], 0.3, 250.0, "P")
    site_frame, site_xy = _sites(region, sites, rng, centres, weights, [2500.0, 6000.0], 0.6, "S")
    path = out / "province.gpkg"
    _write(path, unit_frame, unit_geoms, site_frame, site_xy, crs)
    return path


def country(
    out: Path, *, seed: int = SEED, sites: int = 100_000, units: tuple[int, ...] = (700, 3300)
) -> list[Path]:
    rng = np.random.default_rng(seed)
    crs = _laea(106.0, 16.0)
    to_m = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    region = shapely.Polygon(np.column_stack(to_m.transform(*np.array(VIETNAM).T)))
    cx, cy = to_m.transform([c[0] for c in CITIES], [c[1] for c in CITIES])
    centres = list(zip(cx, cy, strict=True))
    weights = [c[2] for c in CITIES]
    site_frame, site_xy = _sites(
        region, sites, rng, centres, weights, [4000.0, 10000.0, 25000.0], 0.55, "S"
    )
    paths = []
    for n in units:
        unit_rng = np.random.default_rng(seed + n)
        prefix = "D" if n < 1500 else "C"
        unit_frame, unit_geoms = _units(
            region, n, unit_rng, centres, weights, [8000.0, 30000.0], 0.45, 250.0, prefix
        )
        path = out / f"country-{n}.gpkg"
        _write(path, unit_frame, unit_geoms, site_frame, site_xy, crs)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", choices=["province", "country"])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sites", type=int, default=None, help="number of sites")
    parser.add_argument(
        "--units", default="700,3300", help="country: numbers of units, comma separated"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.case == "province":
        province(args.out, seed=args.seed, sites=args.sites or 1000)
    else:
        units = tuple(int(u) for u in args.units.split(","))
        country(args.out, seed=args.seed, sites=args.sites or 100_000, units=units)


if __name__ == "__main__":
    main()
