"""Build the 2025 commune-level units of the new Ninh Bình and the 2025 crosswalk.

Since 2025-07-01 Viet Nam has no districts; the new Ninh Bình province (code
``37``) absorbed Nam Định and Hà Nam and has 129 commune-level units. This
build script writes three files into ``units/`` beside it:

- ``communes_2025.geojson``: the 129 units (``districts`` layer schema plus a
  ``vintage`` column), from the ring lists of ``ninh_binh_2025_communes.json``
  (vietnam-3d-map), repaired and made a clean partition;
- ``crosswalk_2025.csv.gz``: the national crosswalk old commune -> new
  commune(s), one row per (old, new) pair, from ``dvhcvn_2025_splits.json``
  (dvhcvn/20250701);
- ``nam_dinh_communes_2025-03.csv``: Nam Định's 175 communes and their 9
  districts as of 2025-03-01, so that old districts can be carried to new
  communes through their old communes.

How the boundaries are cleaned (all in a Lambert azimuthal equal-area CRS
centred on the province, the recipe of :func:`ict_gis.units.metric_crs`):

1. the rings of each unit are nested by containment (a ring inside an odd
   number of the unit's other rings is a hole), whatever their orientation;
2. each unit is made valid (:func:`shapely.make_valid`) and snapped to a 1 cm
   grid (:func:`shapely.set_precision`);
3. all unit boundaries are noded together and polygonized into faces; each
   face is covered by 0, 1 or several units;
4. a face covered by several units (an overlap as published) goes to the unit
   whose published ``area`` it fits better: the candidate whose relative area
   error ``|area - published| / published`` grows least (or shrinks most) when
   it takes the face, with faces taken from the largest down and each unit's
   area counted as it grows;
5. a face covered by no unit (a sliver enclosed by units: the unbounded
   outside is never a face, so the sea and the province border are not filled)
   goes to the unit that shares the longest boundary with it;
6. the faces of each unit are merged, projected back to EPSG:4326 and snapped
   to the written precision (1e-6 degrees), then checked: valid in degrees,
   valid once projected to metres (several metric CRSs), no overlap or interior
   gap above 1 m², and the same after a write/read round trip of the GeoJSON;
   exterior rings are written counter-clockwise (RFC 7946).

Run from the project root (the defaults are the shared data folder
``../shared/data`` and the ``units/`` folder beside this script)::

    python layers/build_communes_2025.py [--communes PATH] [--splits PATH]
        [--nam-dinh PATH] [--out DIR]

This is a build script: it writes its files with plain :mod:`json`,
:mod:`csv` and :mod:`gzip` (byte-identical output for the same input) and does
not go through :mod:`ict_gis.io`.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import re
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import Polygon, mapping, shape

from ict_gis.errors import LayerReadError, LayerWriteError, UnitError

#: The project root (this script lives in ``layers/``).
ROOT: Path = Path(__file__).resolve().parents[1]
#: Default inputs: the shared data folder next to the project.
SHARED: Path = ROOT.parent / "shared" / "data"
DEFAULT_COMMUNES: Path = SHARED / "vn2025" / "ninh_binh_2025_communes.json"
DEFAULT_SPLITS: Path = SHARED / "vn2025" / "dvhcvn_2025_splits.json"
DEFAULT_NAM_DINH: Path = SHARED / "nam_dinh_admin_units_2025-03.json"
#: Default output folder.
DEFAULT_OUT: Path = Path(__file__).resolve().parent / "units"

#: Output file names in the output folder.
COMMUNES_FILE: str = "communes_2025.geojson"
CROSSWALK_FILE: str = "crosswalk_2025.csv.gz"
NAM_DINH_FILE: str = "nam_dinh_communes_2025-03.csv"

#: Code of the new Ninh Bình province, and of the old Nam Định province.
PROVINCE_CODE: str = "37"
NAM_DINH_CODE: str = "36"
#: The date of the reform: vintage of the new units, effective date of the crosswalk.
VINTAGE: str = "2025-07-01"

#: Grid of the repair in the metric CRS (metres): 1 cm.
GRID_M: float = 0.01
#: Decimals of the written coordinates (degrees), and the matching grid.
DECIMALS: int = 6
GRID_DEG: float = 10.0**-DECIMALS
#: Overlaps and interior gaps up to this area (m²) are rounding noise.
TOLERANCE_M2: float = 1.0
#: Metric CRSs in which every written unit must be valid: the layer's own
#: equal-area CRS, that of the bundled 2024 districts, UTM 48N on WGS 84 and on
#: VN-2000.
CHECK_CRS: tuple[str, ...] = ("own", "laea:20.19:106.26", "EPSG:32648", "EPSG:3405")

_TYPES: tuple[str, ...] = ("Xã", "Phường")


# --------------------------------------------------------------------------- #
# Reports
# --------------------------------------------------------------------------- #


@dataclass
class CommuneReport:
    """What :func:`build_communes` found and did (printed and kept in README.md)."""

    units: int = 0
    rings: int = 0
    holes: int = 0
    outer_rings: int = 0
    ccw_outer: int = 0
    ccw_holes: int = 0
    rings_invalid: int = 0
    crossing_rings: int = 0
    multipart_units: list[str] = field(default_factory=list)
    invalid_in_degrees: int = 0
    invalid_in_metres: int = 0
    repaired_area_change_m2: float = 0.0
    faces: int = 0
    overlap_pieces: int = 0
    overlap_pairs: int = 0
    overlap_sets_of_three_or_more: int = 0
    overlap_km2: float = 0.0
    overlap_largest_m2: float = 0.0
    gap_pieces: int = 0
    gap_km2: float = 0.0
    gap_largest_m2: float = 0.0
    max_lost: tuple[str, float] = ("", 0.0)
    max_gained: tuple[str, float] = ("", 0.0)
    max_moved: tuple[str, float] = ("", 0.0)
    union_km2_before: float = 0.0
    union_km2_after: float = 0.0
    sum_km2_before: float = 0.0
    sum_km2_after: float = 0.0
    published_km2: float = 0.0
    area_ratio: list[tuple[str, str, float, float]] = field(default_factory=list)
    population: int = 0
    snapped_after_rounding: int = 0
    max_overlap_after_m2: float = 0.0
    max_gap_after_m2: float = 0.0
    metric_crs: str = ""

    def lines(self) -> list[str]:
        """Return the report as text lines."""
        rel = sorted(self.area_ratio, key=lambda r: -abs(r[3] / r[2] - 1))
        worst = rel[0]
        within = {
            t: sum(abs(r[3] / r[2] - 1) <= t for r in self.area_ratio) for t in (0.02, 0.05, 0.10)
        }
        out = [
            f"communes: {self.units} units, population {self.population:,}",
            f"  metric CRS: {self.metric_crs}",
            f"  rings read: {self.rings} ({self.outer_rings} outer, {self.holes} holes by "
            f"nesting depth; {self.ccw_outer} of the outer rings and {self.ccw_holes} of the "
            f"holes counter-clockwise; {self.rings_invalid} rings invalid on their own; "
            f"{self.crossing_rings} pairs of rings of one unit crossing)",
            f"  units in several parts: {len(self.multipart_units)} "
            f"({', '.join(self.multipart_units)})",
            f"  invalid as published: {self.invalid_in_degrees} in degrees, "
            f"{self.invalid_in_metres} in metres; make_valid + 1 cm grid changed areas by "
            f"{self.repaired_area_change_m2:.1f} m² in total",
            f"  faces of the noded boundaries: {self.faces}",
            f"  overlaps resolved: {self.overlap_pieces} pieces, {self.overlap_pairs} pairs of "
            f"units (+ {self.overlap_sets_of_three_or_more} pieces under 3 units), "
            f"{self.overlap_km2:.3f} km², largest {self.overlap_largest_m2:,.0f} m²",
            f"  slivers filled: {self.gap_pieces} pieces, {self.gap_km2:.3f} km², "
            f"largest {self.gap_largest_m2:,.0f} m²",
            f"  area moved per unit (max): lost {self.max_lost[1] / 1e6:.3f} km² "
            f"({self.max_lost[0]}), gained {self.max_gained[1] / 1e6:.3f} km² "
            f"({self.max_gained[0]}), net {self.max_moved[1] / 1e6:.3f} km² ({self.max_moved[0]})",
            f"  area: sum of units {self.sum_km2_before:.2f} km² before, "
            f"{self.sum_km2_after:.2f} km² after; union {self.union_km2_before:.2f} km² before, "
            f"{self.union_km2_after:.2f} km² after; published {self.published_km2:.2f} km²",
            f"  published area vs computed: max relative difference {worst[3] / worst[2] - 1:+.1%} "
            f"({worst[0]} {worst[1]}: {worst[2]} km² published, {worst[3]:.2f} computed); "
            f"within 2%: {within[0.02]}, 5%: {within[0.05]}, 10%: {within[0.1]} of "
            f"{len(self.area_ratio)}",
            "  beyond 10%: "
            + "; ".join(
                f"{c} {n} {p} vs {a:.2f} ({a / p - 1:+.0%})"
                for c, n, p, a in rel
                if abs(a / p - 1) > 0.10
            ),
            f"  written with {DECIMALS} decimals: {self.snapped_after_rounding} units re-snapped; "
            f"largest overlap {self.max_overlap_after_m2:.4f} m², largest interior gap "
            f"{self.max_gap_after_m2:.4f} m²; valid in EPSG:4326 and in "
            f"{', '.join(CHECK_CRS)} after the round trip",
        ]
        return out


@dataclass
class CrosswalkReport:
    """What :func:`build_crosswalk` and :func:`build_nam_dinh` found."""

    provinces: int = 0
    old_units: int = 0
    rows: int = 0
    split_units: int = 0
    splits_by_province: dict[str, int] = field(default_factory=dict)
    new_units: int = 0
    names_cleaned: int = 0
    new_names_unified: list[str] = field(default_factory=list)
    new_codes_in_two_provinces: list[str] = field(default_factory=list)
    codes_kept: int = 0
    codes_kept_renamed: int = 0
    codes_reused_elsewhere: list[str] = field(default_factory=list)
    nam_dinh: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return the report as text lines."""
        by_prov = ", ".join(f"{k}: {v}" for k, v in sorted(self.splits_by_province.items()))
        return [
            f"crosswalk: {self.provinces} old provinces, {self.old_units:,} old communes, "
            f"{self.rows:,} rows (old, new), {self.new_units:,} new communes",
            f"  split old communes: {self.split_units} (by old province: {by_prov})",
            f"  names cleaned (spaces, case of the type word, NFC): {self.names_cleaned}",
            "  new codes published with two spellings (most frequent kept): "
            + ("; ".join(self.new_names_unified) or "none"),
            "  new codes under two new provinces (kept as published): "
            + ("; ".join(self.new_codes_in_two_provinces) or "none"),
            f"  codes kept by a new unit from one of its old units: {self.codes_kept:,} "
            f"({self.codes_kept_renamed:,} of them under another name, e.g. new 13669 Phường "
            "Nam Định = old 13669 Phường Cửa Bắc + others); old codes given to a new unit the "
            f"old one is not part of: {len(self.codes_reused_elsewhere)}"
            + (
                f" ({'; '.join(self.codes_reused_elsewhere)})"
                if self.codes_reused_elsewhere
                else ""
            ),
            *self.nam_dinh,
        ]


# --------------------------------------------------------------------------- #
# The communes
# --------------------------------------------------------------------------- #


def read_wards(path: Path) -> list[dict]:
    """Read the ward list of ``ninh_binh_2025_communes.json`` and check its fields.

    Raises
    ------
    LayerReadError
        If the file cannot be read or a ward lacks a field.
    """
    data = _read_json(path)
    wards = data.get("wards") if isinstance(data, dict) else None
    if not isinstance(wards, list) or not wards:
        raise LayerReadError(f"{path}: expected an object with a non-empty 'wards' list.")
    if str(data.get("provinceId")) != PROVINCE_CODE:
        raise LayerReadError(
            f"{path}: provinceId is {data.get('provinceId')!r}, expected {PROVINCE_CODE!r}."
        )
    needed = ("id", "name", "type", "area", "population", "polygons")
    for i, ward in enumerate(wards):
        missing = [k for k in needed if k not in ward]
        if missing:
            raise LayerReadError(f"{path}: ward #{i} ({ward.get('id')}) has no {missing}.")
        if ward["type"] not in _TYPES:
            raise LayerReadError(f"{path}: ward {ward['id']} has type {ward['type']!r}.")
        if not ward["polygons"] or any(len(r) < 4 for r in ward["polygons"]):
            raise LayerReadError(f"{path}: ward {ward['id']} has a ring of fewer than 4 points.")
    codes = Counter(str(w["id"]) for w in wards)
    dup = sorted(c for c, n in codes.items() if n > 1)
    if dup:
        raise LayerReadError(f"{path}: ward codes repeated: {', '.join(dup)}.")
    return wards


def assemble_rings(
    rings: Sequence[Sequence[Sequence[float]]],
) -> tuple[list[Polygon], dict[str, int]]:
    """Nest a flat list of rings into polygons by containment depth.

    A ring inside an even number of the other rings (0, 2, ...) is an outer
    ring; inside an odd number, a hole of the smallest outer ring that holds
    it. The orientation of a ring is not used (it is only counted).

    Parameters
    ----------
    rings
        Closed rings of ``[lon, lat]`` positions.

    Returns
    -------
    tuple of (list of Polygon, dict)
        The polygons (may overlap each other; not yet valid) and counts:
        ``outer``, ``holes``, ``ccw_outer``, ``ccw_holes``, ``invalid``,
        ``crossing``.
    """
    shells = [Polygon(r) for r in rings]
    n = len(shells)
    parents: list[list[int]] = [
        [j for j in range(n) if j != i and shells[j].contains(shells[i])] for i in range(n)
    ]
    crossing = sum(
        1
        for i in range(n)
        for j in range(i + 1, n)
        if shells[i].intersects(shells[j]) and i not in parents[j] and j not in parents[i]
    )
    depth = [len(p) for p in parents]
    ccw = [shapely.LinearRing(r).is_ccw for r in rings]
    holes_of: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        if depth[i] % 2:
            # the smallest ring that holds it (its direct parent when rings nest)
            parent = min(parents[i], key=lambda j: shells[j].area)
            holes_of[parent].append(i)
    polygons = [
        Polygon(rings[i], [rings[h] for h in holes_of[i]]) for i in range(n) if depth[i] % 2 == 0
    ]
    counts = {
        "outer": sum(d % 2 == 0 for d in depth),
        "holes": sum(d % 2 == 1 for d in depth),
        "ccw_outer": sum(c for c, d in zip(ccw, depth, strict=True) if d % 2 == 0),
        "ccw_holes": sum(c for c, d in zip(ccw, depth, strict=True) if d % 2 == 1),
        "invalid": sum(not s.is_valid for s in shells),
        "crossing": crossing,
    }
    return polygons, counts


def laea(lat: float, lon: float) -> pyproj.CRS:
    """Lambert azimuthal equal-area CRS on WGS 84 centred on (lat, lon), metres."""
    return pyproj.CRS.from_proj4(
        f"+proj=laea +lat_0={lat:.2f} +lon_0={lon:.2f} +x_0=0 +y_0=0 "
        "+datum=WGS84 +units=m +no_defs +type=crs"
    )


def metric_crs_of(bounds: Sequence[float]) -> pyproj.CRS:
    """Return the project's metric CRS for lon/lat ``bounds`` (LAEA, centre rounded to 0.01°)."""
    minx, miny, maxx, maxy = bounds
    return laea(round((miny + maxy) / 2, 2) + 0.0, round((minx + maxx) / 2, 2) + 0.0)


def _check_crs(name: str, own: pyproj.CRS) -> pyproj.CRS:
    if name == "own":
        return own
    if name.startswith("laea:"):
        _, lat, lon = name.split(":")
        return laea(float(lat), float(lon))
    return pyproj.CRS.from_user_input(name)


def _project(geoms: Iterable, transformer: pyproj.Transformer) -> np.ndarray:
    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return np.array([shapely.transform(g, fn) for g in geoms], dtype=object)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the polygonal part of ``geom`` (make_valid may add lines or points)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts, grid_size=GRID_M) if parts else shapely.Polygon()


def _repair(geom: shapely.Geometry) -> shapely.Geometry:
    return _polygonal(shapely.set_precision(shapely.make_valid(geom), GRID_M))


def partition(
    units: Sequence[shapely.Geometry],
    published_m2: Sequence[float],
    labels: Sequence[str],
    report: CommuneReport,
) -> list[shapely.Geometry]:
    """Turn overlapping units with slivers between them into a clean partition.

    See the module docstring (steps 3-5) for the rules.

    Parameters
    ----------
    units
        Valid polygonal geometries in a metric CRS, on the :data:`GRID_M` grid.
    published_m2
        Published area of each unit, m².
    labels
        Code and name of each unit (for the report).
    report
        Filled in with what was done.

    Returns
    -------
    list of shapely.Geometry
        One geometry per unit, in the same order.

    Raises
    ------
    UnitError
        If an enclosed gap touches no unit along a line.
    """
    units = np.asarray(units, dtype=object)
    pub = np.asarray(published_m2, dtype=float)
    lines = shapely.union_all(shapely.boundary(units), grid_size=GRID_M)
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))))
    face_area = shapely.area(faces)
    tree = shapely.STRtree(units)
    f_idx, u_idx = tree.query(faces, predicate="intersects")
    shared = shapely.area(shapely.intersection(faces[f_idx], units[u_idx], grid_size=GRID_M))
    owners: list[list[int]] = [[] for _ in faces]
    for f, u, a in zip(f_idx, u_idx, shared, strict=True):
        if a > 0.5 * face_area[f]:
            owners[f].append(int(u))
    report.faces = len(faces)

    owner = np.full(len(faces), -1)
    current = np.zeros(len(units))
    for f, own in enumerate(owners):
        if len(own) == 1:
            owner[f] = own[0]
            current[own[0]] += face_area[f]

    lost = np.zeros(len(units))
    gained = np.zeros(len(units))
    pieces = [f for f in np.argsort(-face_area, kind="stable") if len(owners[f]) > 1]
    for f in pieces:
        a = face_area[f]
        cands = sorted(owners[f])
        cost = [(abs(current[u] + a - pub[u]) - abs(current[u] - pub[u])) / pub[u] for u in cands]
        best = cands[int(np.argmin(cost))]
        owner[f] = best
        current[best] += a
        for u in cands:
            if u != best:
                lost[u] += a
    report.overlap_pieces = len(pieces)
    report.overlap_pairs = len({tuple(sorted(owners[f])) for f in pieces if len(owners[f]) == 2})
    report.overlap_sets_of_three_or_more = sum(len(owners[f]) > 2 for f in pieces)
    report.overlap_km2 = float(face_area[pieces].sum() / 1e6) if pieces else 0.0
    report.overlap_largest_m2 = float(face_area[pieces].max()) if pieces else 0.0

    gaps = [f for f in np.argsort(-face_area, kind="stable") if not owners[f]]
    report.gap_pieces = len(gaps)
    report.gap_km2 = float(face_area[gaps].sum() / 1e6) if gaps else 0.0
    report.gap_largest_m2 = float(face_area[gaps].max()) if gaps else 0.0
    pending = list(gaps)
    while pending:
        merged = _merge_faces(faces, owner, len(units))
        merged_tree = shapely.STRtree(merged)
        left = []
        for f in pending:
            edge = shapely.boundary(faces[f])
            cands = sorted(int(u) for u in merged_tree.query(faces[f], predicate="intersects"))
            lengths = [
                shapely.length(shapely.intersection(edge, merged[u].boundary, grid_size=GRID_M))
                for u in cands
            ]
            if not cands or max(lengths) <= 0:
                left.append(f)
                continue
            best = cands[int(np.argmax(lengths))]
            owner[f] = best
            gained[best] += face_area[f]
        if len(left) == len(pending):
            where = shapely.get_coordinates(faces[left[0]])[0]
            raise UnitError(
                f"{len(left)} gaps between units share no boundary line with any unit "
                f"(the first near x={where[0]:.0f}, y={where[1]:.0f} m)."
            )
        pending = left

    net = gained - lost
    report.max_lost = (labels[int(np.argmax(lost))], float(lost.max()))
    report.max_gained = (labels[int(np.argmax(gained))], float(gained.max()))
    i = int(np.argmax(np.abs(net)))
    report.max_moved = (labels[i], float(net[i]))
    return list(_merge_faces(faces, owner, len(units)))


def _merge_faces(faces: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    for u in range(n):
        out[u] = shapely.union_all(faces[owner == u], grid_size=GRID_M)
    return out


def _snap_written(geom: shapely.Geometry) -> shapely.Geometry:
    """Snap to the written grid (degrees) and keep the polygonal part."""
    snapped = shapely.set_precision(geom, GRID_DEG)
    if not snapped.is_valid:
        snapped = shapely.set_precision(shapely.make_valid(snapped), GRID_DEG)
    parts = [p for p in shapely.get_parts(snapped) if p.geom_type == "Polygon"]
    if not parts:
        raise UnitError(f"a unit collapses to nothing on the {GRID_DEG}° grid.")
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]


def _valid_everywhere(geom: shapely.Geometry, checks: Sequence[pyproj.Transformer]) -> bool:
    if not geom.is_valid:
        return False
    return all(_project([geom], t)[0].is_valid for t in checks)


def _round_trip(geom: shapely.Geometry) -> shapely.Geometry:
    return shape(json.loads(json.dumps(_rounded(mapping(geom)))))


def _rounded(obj: object) -> object:
    if isinstance(obj, float):
        return round(obj, DECIMALS)
    if isinstance(obj, list | tuple):
        return [_rounded(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    return obj


def topology_check(geoms: Sequence[shapely.Geometry]) -> tuple[float, float]:
    """Largest pairwise overlap and largest interior gap of the union, m² (metric geoms)."""
    geoms = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    overlap = shapely.area(shapely.intersection(geoms[a[keep]], geoms[b[keep]]))
    union = shapely.union_all(geoms)
    holes = [
        shapely.area(Polygon(ring)) for poly in shapely.get_parts(union) for ring in poly.interiors
    ]
    return float(max(overlap, default=0.0)), float(max(holes, default=0.0))


def build_communes(path: Path) -> tuple[list[dict], CommuneReport]:
    """Read, repair and clean the 129 units; return GeoJSON features and a report.

    Parameters
    ----------
    path
        ``ninh_binh_2025_communes.json``.

    Returns
    -------
    tuple of (list of dict, CommuneReport)
        Features sorted by code, coordinates rounded to :data:`DECIMALS`.

    Raises
    ------
    UnitError
        If a unit cannot be made valid in degrees and in metres.
    """
    wards = sorted(read_wards(path), key=lambda w: str(w["id"]))
    report = CommuneReport(units=len(wards))
    raw = []
    for ward in wards:
        polygons, counts = assemble_rings(ward["polygons"])
        report.rings += len(ward["polygons"])
        report.outer_rings += counts["outer"]
        report.holes += counts["holes"]
        report.ccw_outer += counts["ccw_outer"]
        report.ccw_holes += counts["ccw_holes"]
        report.rings_invalid += counts["invalid"]
        report.crossing_rings += counts["crossing"]
        if counts["outer"] > 1:
            report.multipart_units.append(f"{ward['id']} {ward['name']}: {counts['outer']}")
        raw.append(polygons)

    bounds = shapely.total_bounds([p for polys in raw for p in polys])
    crs = metric_crs_of(bounds)
    report.metric_crs = crs.srs
    to_m = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_deg = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    published = [
        shapely.MultiPolygon(p) if len(p) > 1 else p[0] for p in raw
    ]  # as published: parts not merged
    report.invalid_in_degrees = int((~shapely.is_valid(np.asarray(published))).sum())
    metric = _project(published, to_m)
    report.invalid_in_metres = int((~shapely.is_valid(metric)).sum())
    repaired = np.array([_repair(g) for g in metric], dtype=object)
    report.repaired_area_change_m2 = float(
        np.abs(shapely.area(repaired) - shapely.area(metric)).sum()
    )
    report.sum_km2_before = float(shapely.area(repaired).sum() / 1e6)
    report.union_km2_before = float(shapely.union_all(repaired).area / 1e6)
    report.published_km2 = float(sum(w["area"] for w in wards))

    labels = [f"{w['id']} {_nfc(w['name'])}" for w in wards]
    clean = partition(repaired, [w["area"] * 1e6 for w in wards], labels, report)
    codes = [str(w["id"]) for w in wards]

    checks = [
        pyproj.Transformer.from_crs("EPSG:4326", _check_crs(name, crs), always_xy=True)
        for name in CHECK_CRS
    ]
    written = []
    for code, geom in zip(codes, _project(clean, to_deg), strict=True):
        out = _snap_written(geom)
        tries = 0
        while not (_valid_everywhere(out, checks) and _valid_everywhere(_round_trip(out), checks)):
            tries += 1
            if tries > 3:
                raise UnitError(f"unit {code}: still invalid after snapping to {GRID_DEG}°.")
            fixed = _project([_repair(_project([out], to_m)[0])], to_deg)[0]
            out = _snap_written(fixed)
        report.snapped_after_rounding += tries > 0
        # RFC 7946: exterior rings counter-clockwise, holes clockwise
        written.append(shapely.orient_polygons(_round_trip(out)))

    final_m = _project(written, to_m)
    report.max_overlap_after_m2, report.max_gap_after_m2 = topology_check(final_m)
    if report.max_overlap_after_m2 > TOLERANCE_M2 or report.max_gap_after_m2 > TOLERANCE_M2:
        raise UnitError(
            f"the cleaned units still overlap by {report.max_overlap_after_m2:.2f} m² or leave "
            f"a gap of {report.max_gap_after_m2:.2f} m² (tolerance {TOLERANCE_M2} m²)."
        )
    report.sum_km2_after = float(shapely.area(final_m).sum() / 1e6)
    report.union_km2_after = float(shapely.union_all(final_m).area / 1e6)
    report.area_ratio = [
        (str(w["id"]), _nfc(w["name"]), float(w["area"]), float(shapely.area(g) / 1e6))
        for w, g in zip(wards, final_m, strict=True)
    ]
    report.population = int(sum(int(w["population"]) for w in wards))

    features = []
    for ward, geom in zip(wards, written, strict=True):
        unit_type = _nfc(ward["type"])
        properties = {
            "code": str(ward["id"]),
            "name": f"{unit_type} {_nfc(ward['name']).strip()}",
            "level": "commune",
            "parent_code": PROVINCE_CODE,
            "unit_type": unit_type,
            "population": int(ward["population"]),
            "vintage": VINTAGE,
        }
        features.append(
            {"type": "Feature", "properties": properties, "geometry": _rounded(mapping(geom))}
        )
    return features, report


# --------------------------------------------------------------------------- #
# The crosswalk and Nam Định's old communes
# --------------------------------------------------------------------------- #

_SPACES = re.compile(r"\s+")
_TYPE_WORDS = ("xã", "phường", "thị trấn", "đặc khu", "thành phố", "tỉnh")


def clean_name(name: str) -> str:
    """Trim and collapse spaces, NFC, and capitalise a lower-case type word (``xã`` -> ``Xã``)."""
    text = _SPACES.sub(" ", _nfc(str(name))).strip()
    for word in _TYPE_WORDS:
        if text.startswith(word + " "):
            return word[0].upper() + text[1:]
    return text


def build_crosswalk(path: Path) -> tuple[list[list[str]], CrosswalkReport]:
    """Read ``dvhcvn_2025_splits.json`` into crosswalk rows (header first).

    Names are cleaned with :func:`clean_name`; a new code published with two
    spellings gets the most frequent one (the first met on a tie). Everything
    else is kept as published, one row per (old, new) pair.

    Raises
    ------
    LayerReadError
        If the file lacks a field or a province maps to several new provinces.
    """
    data = _read_json(path)
    provinces = data.get("data") if isinstance(data, dict) else None
    if not isinstance(provinces, list) or not provinces:
        raise LayerReadError(f"{path}: expected an object with a non-empty 'data' list.")
    report = CrosswalkReport(provinces=len(provinces))
    pairs: list[tuple[str, str, str, str, str, str]] = []
    spellings: dict[str, Counter] = defaultdict(Counter)
    new_provinces: dict[str, set[str]] = defaultdict(set)
    for prov in provinces:
        try:
            old_prov = str(prov["level1_id"])
            targets = {str(s["new_id"]) for s in prov["splits"]}
            communes = prov["level3s"]
        except (KeyError, TypeError) as exc:
            raise LayerReadError(f"{path}: a province has no {exc}.") from None
        if len(targets) != 1:
            raise LayerReadError(f"{path}: old province {old_prov} maps to {sorted(targets)}.")
        new_prov = targets.pop()
        for commune in communes:
            old_code = str(commune["level3_id"])
            old_name = clean_name(commune["name"])
            report.names_cleaned += old_name != commune["name"]
            if not commune["splits"]:
                raise LayerReadError(f"{path}: old commune {old_code} goes to no new unit.")
            if len(commune["splits"]) > 1:
                report.split_units += 1
                report.splits_by_province[old_prov] = report.splits_by_province.get(old_prov, 0) + 1
            for split in commune["splits"]:
                new_code = str(split["new_id"])
                new_name = clean_name(split["name"])
                report.names_cleaned += new_name != split["name"]
                spellings[new_code][new_name] += 1
                new_provinces[new_code].add(new_prov)
                pairs.append((old_code, old_name, old_prov, new_code, new_name, new_prov))
    canonical = {code: counts.most_common(1)[0][0] for code, counts in spellings.items()}
    for code, counts in sorted(spellings.items()):
        if len(counts) > 1:
            other = [n for n in counts if n != canonical[code]]
            report.new_names_unified.append(f"{code} {canonical[code]} (also {', '.join(other)})")
    report.new_codes_in_two_provinces = [
        f"{code} {canonical[code]} under {', '.join(sorted(provs))}"
        for code, provs in sorted(new_provinces.items())
        if len(provs) > 1
    ]
    rows = [
        [
            "old_code",
            "old_name",
            "old_province_code",
            "new_code",
            "new_name",
            "new_province_code",
            "effective_date",
        ]
    ]
    rows += [[o, on, op, n, canonical[n], np_, VINTAGE] for o, on, op, n, _, np_ in pairs]
    old_names = {r[0]: r[1] for r in rows[1:]}
    report.old_units = len(old_names)
    report.rows = len(rows) - 1
    report.new_units = len(canonical)
    went_to: dict[str, set[str]] = defaultdict(set)
    for r in rows[1:]:
        went_to[r[0]].add(r[3])
    for code, name in sorted(old_names.items()):
        if code not in canonical:
            continue
        if code in went_to[code]:
            report.codes_kept += 1
            report.codes_kept_renamed += canonical[code] != name
        else:
            report.codes_reused_elsewhere.append(
                f"old {code} {name} -> {', '.join(sorted(went_to[code]))}; new {code} "
                f"{canonical[code]}"
            )
    if len({(r[0], r[3]) for r in rows[1:]}) != report.rows:
        raise LayerReadError(f"{path}: an (old, new) pair is listed twice.")
    return rows, report


def build_nam_dinh(path: Path) -> list[list[str]]:
    """Read Nam Định's official unit list (2025-03-01) into rows (header first).

    Raises
    ------
    LayerReadError
        If the file lacks a field or repeats a code.
    """
    data = _read_json(path)
    try:
        districts = data["districts"]
        rows = [
            [str(c["code"]), clean_name(c["name"]), str(d["code"]), clean_name(d["name"])]
            for d in districts
            for c in d["communes"]
        ]
    except (KeyError, TypeError) as exc:
        raise LayerReadError(f"{path}: expected districts with communes; missing {exc}.") from None
    codes = Counter(r[0] for r in rows)
    dup = sorted(c for c, n in codes.items() if n > 1)
    if dup:
        raise LayerReadError(f"{path}: commune codes repeated: {', '.join(dup)}.")
    return [["code", "name", "district_code", "district_name"], *sorted(rows)]


def nam_dinh_lines(
    nam_dinh: list[list[str]], crosswalk: list[list[str]], communes: list[dict]
) -> list[str]:
    """Check Nam Định's old communes against the crosswalk and the new units."""
    old = {r[0]: r for r in nam_dinh[1:]}
    rows36 = [r for r in crosswalk[1:] if r[2] == NAM_DINH_CODE]
    in_cw = {r[0]: r[1] for r in rows36}
    missing = sorted(set(old) - set(in_cw))
    extra = sorted(set(in_cw) - set(old))
    renamed = sorted(c for c in set(old) & set(in_cw) if old[c][1] != in_cw[c])
    new_of: dict[str, set[str]] = defaultdict(set)
    for r in rows36:
        new_of[r[0]].add(r[3])
    splits = sorted(c for c, news in new_of.items() if len(news) > 1)
    new_codes = {r[3] for r in rows36}
    layer = {f["properties"]["code"]: f["properties"]["name"] for f in communes}
    not_in_layer = sorted(new_codes - set(layer))
    sources: dict[str, set[str]] = defaultdict(set)
    for r in crosswalk[1:]:
        if r[3] in new_codes:
            sources[r[3]].add(r[2])
    mixed = [
        f"{r[3]} {r[4]} also from old {r[0]} {r[1]} (province {r[2]})"
        for r in crosswalk[1:]
        if r[3] in new_codes and r[2] != NAM_DINH_CODE
    ]
    prov37 = {r[3]: r[4] for r in crosswalk[1:] if r[5] == PROVINCE_CODE}
    spelled = [f"{c} {layer[c]} / {n}" for c, n in sorted(prov37.items()) if layer.get(c) != n]
    same_code = sorted(c for c in old if c in layer)
    renamed_code = [c for c in same_code if layer[c] != old[c][1]]
    elsewhere = [c for c in same_code if c not in new_of[c]]
    districts = defaultdict(set)
    for r in nam_dinh[1:]:
        districts[r[2]].update(new_of.get(r[0], ()))
    per_district = ", ".join(f"{d}: {len(n)}" for d, n in sorted(districts.items()))
    return [
        f"Nam Định (old 36): {len(old)} communes in {len({r[2] for r in nam_dinh[1:]})} districts "
        f"in the 2025-03 list; {len(in_cw)} in the crosswalk; missing {missing or 'none'}; "
        f"extra {extra or 'none'}; names differing {renamed or 'none'}",
        f"  they go to {len(new_codes)} new communes of Ninh Bình "
        f"({len(not_in_layer)} not in the 129-unit layer); split old communes: "
        f"{splits or 'none'}; new communes also fed by another old province: "
        f"{'; '.join(mixed) or 'none'}",
        f"  new communes per old district: {per_district}",
        f"  new province 37 in the crosswalk: {len(prov37)} new communes; the layer has "
        f"{len(layer)}; same codes: {set(prov37) == set(layer)}; names spelled differently "
        f"(layer / crosswalk): {'; '.join(spelled) or 'none'}",
        f"  codes of Nam Định's old communes that are codes of new units: {len(same_code)}, "
        f"{len(renamed_code)} of them naming another unit (e.g. "
        + "; ".join(f"{c} old {old[c][1]} -> new {layer[c]}" for c in renamed_code[:3])
        + f"); of those old communes, not part of the new unit with their code: "
        f"{elsewhere or 'none'}",
    ]


def split_lines(crosswalk: list[list[str]], communes: list[dict]) -> list[str]:
    """List the split old communes of the new province and how far apart their new units are.

    An old commune split between new units that do not touch (distance above
    100 m between the cleaned polygons) is doubtful in the source.
    """
    geoms = {f["properties"]["code"]: shape(f["geometry"]) for f in communes}
    names = {f["properties"]["code"]: f["properties"]["name"] for f in communes}
    crs = metric_crs_of(shapely.total_bounds(list(geoms.values())))
    to_m = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    metric = dict(zip(geoms, _project(geoms.values(), to_m), strict=True))
    targets: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for r in crosswalk[1:]:
        if r[5] == PROVINCE_CODE:
            targets[(r[0], r[1], r[2])].append(r[3])
    out = []
    for (code, name, prov), news in sorted(targets.items()):
        if len(news) < 2:
            continue
        gap = max(metric[a].distance(metric[b]) for i, a in enumerate(news) for b in news[i + 1 :])
        flag = " <- new units do not touch: doubtful" if gap > 100 else ""
        out.append(
            f"    old {code} {name} (province {prov}) -> "
            + ", ".join(f"{n} {names[n]}" for n in news)
            + f"; largest distance between them {gap / 1000:.1f} km{flag}"
        )
    return [f"  split old communes of the new province: {len(out)}", *out]


# --------------------------------------------------------------------------- #
# Writing
# --------------------------------------------------------------------------- #


def _nfc(value: object) -> object:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    return value


def _read_json(path: Path) -> object:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LayerReadError(f"{path}: cannot read as UTF-8 JSON ({exc}).") from None


def feature_collection(name: str, features: Sequence[dict]) -> str:
    """GeoJSON text, one feature per line (stable key order, compact numbers)."""
    lines = [
        json.dumps(_nfc(f), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        for f in features
    ]
    head = '{"type":"FeatureCollection","name":' + json.dumps(name, ensure_ascii=False)
    return head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    """CSV text (Unix line ends, NFC, minimal quoting)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(_nfc([list(r) for r in rows]))
    return buffer.getvalue()


def gzip_bytes(text: str) -> bytes:
    """Gzip ``text`` (UTF-8) reproducibly: no file name, no time stamp."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes, inputs: Sequence[Path] = ()) -> Path:
    """Write ``data`` atomically (temporary file, then rename), never over an input.

    Raises
    ------
    LayerWriteError
        If ``path`` is one of ``inputs``.
    """
    path = Path(path)
    if any(path.resolve() == Path(p).resolve() for p in inputs):
        raise LayerWriteError(f"{path}: refusing to overwrite an input file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates owner-only files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def build(
    out: Path,
    *,
    communes: Path = DEFAULT_COMMUNES,
    splits: Path = DEFAULT_SPLITS,
    nam_dinh: Path = DEFAULT_NAM_DINH,
) -> list[str]:
    """Build the three files into ``out``; return the report lines.

    Parameters
    ----------
    out
        Output folder (created if needed).
    communes, splits, nam_dinh
        The shared source files (never modified).
    """
    inputs = (communes, splits, nam_dinh)
    features, commune_report = build_communes(communes)
    crosswalk, crosswalk_report = build_crosswalk(splits)
    nam_dinh_rows = build_nam_dinh(nam_dinh)
    crosswalk_report.nam_dinh = [
        *nam_dinh_lines(nam_dinh_rows, crosswalk, features),
        *split_lines(crosswalk, features),
    ]
    written = [
        write_atomic(
            out / COMMUNES_FILE,
            feature_collection("communes_2025", features).encode("utf-8"),
            inputs,
        ),
        write_atomic(out / CROSSWALK_FILE, gzip_bytes(csv_text(crosswalk)), inputs),
        write_atomic(out / NAM_DINH_FILE, csv_text(nam_dinh_rows).encode("utf-8"), inputs),
    ]
    return [*commune_report.lines(), *crosswalk_report.lines(), *(f"wrote {p}" for p in written)]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``python layers/build_communes_2025.py``.

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status (0).
    """
    parser = argparse.ArgumentParser(
        prog="python layers/build_communes_2025.py",
        description=(
            "Write the 129 communes of the new Ninh Bình (a clean partition), the national "
            "2025 crosswalk and Nam Định's 2025-03 commune list into layers/units/."
        ),
    )
    parser.add_argument("--communes", type=Path, default=DEFAULT_COMMUNES, help="ward ring list")
    parser.add_argument("--splits", type=Path, default=DEFAULT_SPLITS, help="dvhcvn splits.json")
    parser.add_argument(
        "--nam-dinh", type=Path, default=DEFAULT_NAM_DINH, help="Nam Định unit list 2025-03"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    for line in build(args.out, communes=args.communes, splits=args.splits, nam_dinh=args.nam_dinh):
        print(line)  # noqa: T201 - script output
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
