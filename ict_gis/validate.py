"""Check a layer set and report every problem at once.

:func:`validate` returns one :class:`~ict_gis.problems.Problem` per thing that
is wrong (missing or unknown columns, values of the wrong type, duplicate ids,
missing, empty, invalid or misplaced geometries, a missing or mislabelled CRS,
references to stations that do not exist, dates in the wrong order, ...), each
with the layer, the feature id, the column, what is wrong and how to fix it.
Nothing is ever repaired silently: :func:`repair` applies
:func:`shapely.make_valid` to invalid geometries only when asked, and returns
a new layer set together with a report of what it changed.

Geometry checks run on whole arrays (shapely 2), so a layer of 100,000
stations is checked in about a second.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ict_gis.errors import ValidationError
from ict_gis.geometry import (
    MAX_FILLED_GAP_M2,
    PLACEMENT_TOLERANCE_M,
    clean_polygons,
    laea_proj4,
    place_points,
    topology,
)
from ict_gis.io.crs import towgs84_of, towgs84_shift_m
from ict_gis.io.encodings import ENCODING_NAMES
from ict_gis.layerset import LayerSet
from ict_gis.problems import Problem, Severity
from ict_gis.schema import LAYER_KINDS, SCHEMAS, LayerSchema, feature_ids, split_list
from ict_gis.settings import VIETNAM_BOUNDS

__all__ = [
    "AREA_TOLERANCE_M",
    "TOPOLOGY_ERROR_KM2",
    "ensure_valid",
    "format_problems",
    "repair",
    "validate",
]

#: How far (metres) a feature may lie outside the ``districts`` layer before it
#: is reported as outside the admin area (boundaries are drawn at ~1:10,000).
AREA_TOLERANCE_M: float = PLACEMENT_TOLERANCE_M
#: An overlap of two units, or a gap enclosed by units, larger than this (km²)
#: is an error; smaller ones (slivers of digitising) are warnings.
TOPOLOGY_ERROR_KM2: float = 1.0
#: Overlaps and gaps smaller than this (m²) are rounding, not reported.
TOPOLOGY_MIN_M2: float = 1.0

#: References checked as warnings only: ``kind -> {column: (layer kind, column)}``
#: (a 5G site may be new and not yet in the station register).
SOFT_REFERENCES: dict[str, dict[str, tuple[str, str]]] = {
    "sites_5g": {"site_id": ("bts_stations", "site_id")},
}

_PROJECTED_FIX = (
    "label the layer with the CRS its coordinates are in (for Nam Định e.g. "
    "VN-2000 / UTM zone 48N, EPSG:3405, or WGS 84 / UTM zone 48N, EPSG:32648), "
    "or reproject the coordinates to longitude/latitude (EPSG:4326)."
)
#: The call that :data:`_REPAIR_FIX` suggests (a test runs it on a broken layer set).
_REPAIR_CALL = "repaired, report = ict_gis.repair(layers)"
_REPAIR_FIX = (
    f"repair it in Python with `{_REPAIR_CALL}` (shapely.make_valid; `report` "
    "lists what changed) or with QGIS 'Fix geometries', check the result, and "
    "save the repaired layer."
)
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _layer_order(kind: str) -> int:
    return LAYER_KINDS.index(kind) if kind in LAYER_KINDS else len(LAYER_KINDS)


class _Collector:
    """Collects problems with the row they belong to, for sorting."""

    def __init__(self) -> None:
        self.found: list[tuple[int, int, int, Problem]] = []
        self._layers: dict[str, tuple[pd.DataFrame, LayerSchema]] = {}
        self._ids: dict[str, np.ndarray] = {}
        self._rows: dict[str, dict[str, int]] = {}

    def register(self, kind: str, frame: pd.DataFrame, schema: LayerSchema) -> None:
        """Register a layer; feature ids are built only for the rows that have problems."""
        self._layers[kind] = (frame, schema)

    def _row_of(self, kind: str, feature_id: str) -> int | None:
        """Position of the first feature with this id (the lookup is built when first needed)."""
        if kind not in self._rows:
            rows: dict[str, int] = {}
            ids = self.ids(kind) if kind in self._layers else np.empty(0)
            for row, fid in enumerate(ids.tolist()):
                rows.setdefault(fid, row)
            self._rows[kind] = rows
        return self._rows[kind].get(feature_id)

    def ids(self, kind: str) -> np.ndarray:
        """Return the feature ids of a registered layer."""
        if kind not in self._ids:
            self._ids[kind] = feature_ids(*self._layers[kind]).to_numpy(dtype=object)
        return self._ids[kind]

    def ids_at(self, kind: str, rows: np.ndarray) -> np.ndarray:
        """Return the feature ids of some rows (positions) of a registered layer."""
        if kind in self._ids:
            return self._ids[kind][rows]
        return feature_ids(*self._layers[kind], rows=rows).to_numpy(dtype=object)

    def add_problem(self, problem: Problem) -> None:
        """Add a problem found elsewhere (e.g. while reading), locating its row."""
        row = -1
        if problem.feature_id is not None:
            found = self._row_of(problem.layer, problem.feature_id)
            row = -2 if found is None else found
            if row == -2 and problem.feature_id.startswith("#"):
                row = int(problem.feature_id[1:]) if problem.feature_id[1:].isdigit() else -2
            if row == -2:
                row = 1 << 62  # unknown row: after the layer's features
        self.found.append((_layer_order(problem.layer), row, len(self.found), problem))

    def add(
        self,
        kind: str,
        row: int | None,
        column: str | None,
        severity: Severity,
        message: str,
        fix: str,
    ) -> None:
        """Add a problem of feature ``row`` (position), or of the layer if ``None``."""
        fid = None if row is None else self.ids_at(kind, np.array([row]))[0]
        self._add(kind, row, fid, column, severity, message, fix)

    def _add(self, kind, row, fid, column, severity, message, fix) -> None:
        problem = Problem(kind, None if fid is None else str(fid), column, severity, message, fix)
        self.found.append(
            (_layer_order(kind), -1 if row is None else int(row), len(self.found), problem)
        )

    def add_rows(
        self,
        kind: str,
        mask: np.ndarray,
        column: str | None,
        severity: Severity,
        message: Callable[[int], str] | str,
        fix: str,
    ) -> None:
        """Add one problem per row where ``mask`` is true."""
        rows = np.flatnonzero(mask)
        for row, fid in zip(rows, self.ids_at(kind, rows), strict=True):
            text = message(int(row)) if callable(message) else message
            self._add(kind, int(row), fid, column, severity, text, fix)

    def problems(self) -> list[Problem]:
        return [p for *_, p in sorted(self.found, key=lambda item: item[:3])]


def _column(frame: pd.DataFrame, name: str) -> pd.Series | None:
    return frame[name] if name in frame.columns else None


def _dates(frame: pd.DataFrame, name: str) -> pd.Series | None:
    col = _column(frame, name)
    if col is None or not pd.api.types.is_datetime64_any_dtype(col):
        return None
    return col


def _day(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _geometry(frame: pd.DataFrame) -> gpd.GeoSeries | None:
    if not isinstance(frame, gpd.GeoDataFrame):
        return None
    try:
        return frame.geometry
    except AttributeError:  # a GeoDataFrame without an active geometry column
        return None


# --------------------------------------------------------------------------- checks


def _check_unique(kind: str, frame: pd.DataFrame, schema: LayerSchema, out: _Collector) -> None:
    keys = [[c.name] for c in schema.columns if c.unique]
    if len(schema.id_columns) > 1:  # e.g. subscribers: one row per (code, period)
        keys.append(list(schema.id_columns))
    for key in keys:
        if not all(c in frame.columns for c in key):
            continue
        values = frame[key].astype(object)
        present = values.notna().all(axis=1).to_numpy()
        dup = values.duplicated(keep=False).to_numpy() & present
        if not dup.any():
            continue
        label = "/".join(key)
        table = values.to_numpy(dtype=object)
        groups: dict[tuple, list[int]] = {}
        for row in np.flatnonzero(dup):
            groups.setdefault(tuple(table[row]), []).append(int(row))
        for value_tuple, rows in groups.items():
            value = "/".join(str(v) for v in value_tuple)
            where = ", ".join(f"#{r}" for r in rows)
            for row in rows:
                out.add(
                    kind,
                    row,
                    key[0] if len(key) == 1 else None,
                    "error",
                    f"{label} {value!r} is used by {len(rows)} features ({where}; this is #{row});"
                    f" each {label} must be unique.",
                    f"give each feature its own {label}, or delete the repeated feature "
                    "if it is a copy.",
                )


def _check_geometry(
    kind: str, frame: pd.DataFrame, schema: LayerSchema, out: _Collector
) -> tuple[np.ndarray, np.ndarray] | None:
    """Check geometries.

    Returns the rows whose geometry is placed well enough for the admin-area
    check (present, of the right type, plausible coordinates) and the rows
    whose geometry is valid, or ``None`` when the layer's geometry cannot be
    placed at all (no geometry column or no CRS).
    """
    series = _geometry(frame)
    if series is None:
        out.add(
            kind,
            None,
            "geometry",
            "error",
            f"the layer has no geometry; {kind} needs {' or '.join(schema.geometry)} features.",
            "save it in a vector format (GeoJSON, GeoPackage, Shapefile) or, for a CSV, "
            "add lon and lat columns (or a wkt column).",
        )
        return None
    geoms = series.to_numpy()
    missing = shapely.is_missing(geoms)
    empty = shapely.is_empty(geoms) & ~missing
    out.add_rows(
        kind,
        missing,
        "geometry",
        "error",
        "geometry is missing.",
        "give the feature its location (in a CSV: numbers in the lon and lat columns), "
        "or delete the feature.",
    )
    out.add_rows(
        kind,
        empty,
        "geometry",
        "error",
        "geometry is empty.",
        "draw the feature again, or delete it.",
    )
    present = ~missing & ~empty
    placed = present.copy()

    allowed = {int(shapely.GeometryType[name.upper()]) for name in schema.geometry}
    type_ids = shapely.get_type_id(geoms)
    wrong = present & ~np.isin(type_ids, list(allowed))
    if wrong.any():
        takes = " or ".join(schema.geometry)
        type_names = np.asarray(series.geom_type, dtype=object)

        def wrong_type(row: int) -> str:
            return f"geometry is a {type_names[row]}; {kind} takes {takes}."

        single = schema.geometry[0]
        out.add_rows(
            kind,
            wrong,
            "geometry",
            "error",
            wrong_type,
            f"draw the feature as a {single} (a Multi- geometry: split it into one feature "
            f"per part; a station drawn as an area: use its centre point).",
        )
        placed &= ~wrong

    valid = shapely.is_valid(geoms)
    invalid = present & ~valid
    if invalid.any():
        reasons = np.empty(len(geoms), dtype=object)
        reasons[invalid] = shapely.is_valid_reason(geoms[invalid])
        out.add_rows(
            kind,
            invalid,
            "geometry",
            "error",
            lambda row: f"geometry is invalid: {reasons[row]}.",
            _REPAIR_FIX,
        )

    crs = frame.crs
    bounds = shapely.bounds(geoms)  # NaN for missing/empty
    if crs is None:
        degrees = bool(present.any()) and bool(
            (np.abs(bounds[present][:, [0, 2]]) <= 180).all()
            and (np.abs(bounds[present][:, [1, 3]]) <= 90).all()
        )
        fix = (
            "the coordinates look like longitude/latitude: set the CRS to EPSG:4326 "
            "(add the Shapefile's .prj, or GeoDataFrame.set_crs('EPSG:4326'))."
            if degrees
            else "set the CRS the coordinates are in (e.g. VN-2000 / UTM zone 48N, "
            "EPSG:3405, or WGS 84 / UTM zone 48N, EPSG:32648)."
        )
        out.add(kind, None, "geometry", "error", "the layer has no CRS (coordinate system).", fix)
        return None
    _check_towgs84(kind, crs, bounds[present], out)
    if not crs.is_geographic:
        return placed, valid

    with np.errstate(invalid="ignore"):
        lon_min, lat_min, lon_max, lat_max = VIETNAM_BOUNDS
        swapped = (
            present
            & (bounds[:, 0] >= lat_min)
            & (bounds[:, 2] <= lat_max)
            & (bounds[:, 1] >= lon_min)
            & (bounds[:, 3] <= lon_max)
        )
        projected = (
            present
            & ~swapped
            & (
                (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1)
                | (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1)
            )
        )
    crs_name = crs.to_string()
    _report_coordinates(
        kind,
        projected,
        present,
        bounds,
        out,
        "coordinates {xy} are outside longitude ±180 / latitude ±90: they look projected "
        f"(metres) but the layer is labelled {crs_name}.",
        _PROJECTED_FIX,
    )
    _report_coordinates(
        kind,
        swapped,
        present,
        bounds,
        out,
        "coordinates {xy} look swapped: x is a latitude and y a longitude of Viet Nam.",
        "swap x and y: x is the longitude (about 106 in Nam Định), y the latitude (about 20); "
        "in a CSV check that the lon and lat columns are not exchanged.",
    )
    return placed & ~projected & ~swapped, valid


#: A TOWGS84 that moves the layer's centre by more than this (metres) from
#: the official transformation gets a warning.
TOWGS84_TOLERANCE_M: float = 0.1


def _check_towgs84(kind: str, crs: pyproj.CRS, bounds: np.ndarray, out: _Collector) -> None:
    """Warn when a VN-2000 ``.prj``'s TOWGS84 is not the official EPSG:6960 transformation."""
    if not crs.is_bound or not len(bounds) or not np.isfinite(bounds).all():
        return
    x = (np.nanmin(bounds[:, 0]) + np.nanmax(bounds[:, 2])) / 2
    y = (np.nanmin(bounds[:, 1]) + np.nanmax(bounds[:, 3])) / 2
    try:
        lon, lat = pyproj.Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
        shift = towgs84_shift_m(crs, float(lon), float(lat))
    except pyproj.exceptions.ProjError:  # pragma: no cover - PROJ cannot place the centre
        return
    if shift is None or not shift > TOWGS84_TOLERANCE_M:
        return
    params = ", ".join(f"{v:g}" for v in towgs84_of(crs) or ())
    out.add(
        kind,
        None,
        "geometry",
        "warning",
        f"the layer's VN-2000 CRS carries TOWGS84[{params}], not the official transformation "
        f"(EPSG:6960): at the layer's centre (lon {lon:.4f}, lat {lat:.4f}) it puts features "
        f"{shift:.2f} m away from where the official one does.",
        "replace the .prj with the official one (e.g. EPSG:3405 for VN-2000 / UTM zone 48N), "
        "or read the layer with --crs EPSG:3405.",
    )


def _report_coordinates(
    kind: str,
    mask: np.ndarray,
    present: np.ndarray,
    bounds: np.ndarray,
    out: _Collector,
    template: str,
    fix: str,
) -> None:
    """Report rows of ``mask``; one layer problem when it is every feature (≥ 2)."""
    count = int(mask.sum())
    if not count:
        return

    def xy(row: int) -> str:
        return f"(x={_number(bounds[row, 0])}, y={_number(bounds[row, 1])})"

    if count >= 2 and count == int(present.sum()):
        rows = np.flatnonzero(mask)
        examples = ", ".join(str(out.ids(kind)[r]) for r in rows[:3])
        message = template.format(xy=f"of all {count} features (e.g. {examples}: {xy(rows[0])})")
        out.add(kind, None, "geometry", "error", message, fix)
        return
    out.add_rows(kind, mask, "geometry", "error", lambda row: template.format(xy=xy(row)), fix)


def _number(value: float) -> str:
    """Degrees with up to 6 decimals, metres with 1."""
    if abs(value) >= 1000:
        return f"{value:.1f}"
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _laea_of(geoms: np.ndarray, crs: pyproj.CRS) -> pyproj.CRS:
    """Return the metric CRS of :func:`ict_gis.units.metric_crs` for these geometries."""
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    if not crs.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True):
        to_lonlat = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
        minx, miny, maxx, maxy = to_lonlat.transform_bounds(minx, miny, maxx, maxy)
    lat = round((miny + maxy) / 2, 2) + 0.0
    lon = round((minx + maxx) / 2, 2) + 0.0
    return pyproj.CRS.from_proj4(laea_proj4(lat, lon))


class _AdminArea:
    """The placed districts, for the admin-area check.

    Points are placed by the one placement rule
    (:func:`ict_gis.geometry.place_points`, the rule of
    :func:`ict_gis.units.assign_units` and of every metric): a point validate
    accepts is never "outside" in a metric. Other geometries are tested
    against the union of the districts buffered by the tolerance.
    """

    def __init__(self, geoms: np.ndarray, crs: pyproj.CRS, codes: np.ndarray) -> None:
        self.geoms = geoms
        self.crs = pyproj.CRS.from_user_input(crs)
        self.codes = codes
        self._metric: pyproj.CRS | None = None
        self._union: shapely.Geometry | None = None

    def metric_crs(self) -> pyproj.CRS:
        """Return the metric (LAEA) CRS of the districts."""
        if self._metric is None:
            self._metric = self.crs if self.crs.is_projected else _laea_of(self.geoms, self.crs)
        return self._metric

    def _in_metres(self, geoms: np.ndarray) -> np.ndarray:
        return gpd.GeoSeries(geoms, crs=self.crs).to_crs(self.metric_crs()).to_numpy()

    def union(self) -> shapely.Geometry:
        """Return the metric districts' union, buffered by the tolerance (prepared)."""
        if self._union is None:
            metric, _ = clean_polygons(self._in_metres(self.geoms))
            self._union = shapely.union_all(metric).buffer(AREA_TOLERANCE_M)
            shapely.prepare(self._union)
        return self._union

    def place(
        self, x: np.ndarray, y: np.ndarray, crs: pyproj.CRS
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Place points (coordinates in ``crs``): see :func:`ict_gis.geometry.place_points`."""
        if not pyproj.CRS.from_user_input(crs).equals(self.crs):
            to_own = pyproj.Transformer.from_crs(crs, self.crs, always_xy=True)
            x, y = (np.asarray(v, dtype=float) for v in to_own.transform(x, y))
        to_metres = (
            None
            if self.crs.is_projected
            else pyproj.Transformer.from_crs(self.crs, self.metric_crs(), always_xy=True).transform
        )
        return place_points(x, y, self.geoms, self.codes, to_metres, tolerance_m=AREA_TOLERANCE_M)

    def points_inside(self, x: np.ndarray, y: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
        """Whether each point (coordinates in ``crs``) is placed in a district."""
        if not len(x):
            return np.zeros(0, dtype=bool)
        return self.place(x, y, crs)[0] >= 0


def _admin_area(layers: LayerSet, placed: np.ndarray | None) -> _AdminArea | None:
    """Return the placed districts (see :class:`_AdminArea`).

    Invalid district polygons are made valid for this purpose only.
    """
    mask = placed
    if "districts" not in layers or mask is None or not mask.any():
        return None
    districts = layers["districts"]
    geoms = districts.geometry.to_numpy()[mask]
    broken = ~shapely.is_valid(geoms)
    if broken.any():
        geoms = geoms.copy()
        geoms[broken] = shapely.make_valid(geoms[broken])
    if "code" in districts.columns:
        codes = districts["code"].astype(str).to_numpy()[mask]
    else:
        codes = np.array([f"{i:09d}" for i in np.flatnonzero(mask)], dtype=object)
    return _AdminArea(geoms, districts.crs, codes)


def _outside_message(codes: np.ndarray, nearest: int, distance: float, swapped: bool) -> str:
    """Return the message for a point outside every unit: how far, from which, and why."""
    if nearest < 0 or not np.isfinite(distance):
        text = f"lies outside the admin area (the districts layer plus {AREA_TOLERANCE_M:g} m)."
    else:
        where = f"{distance / 1000:,.1f} km" if distance >= 1000 else f"{distance:,.0f} m"
        text = (
            f"lies outside the admin area (the districts layer plus {AREA_TOLERANCE_M:g} m): "
            f"{where} from the nearest unit, {codes[nearest]}."
        )
    if swapped:
        text += " With x and y swapped it would lie inside a unit: are lon and lat exchanged?"
    return text


def _report_converted(kind: str, frame: pd.DataFrame, out: _Collector) -> None:
    """Warn about each text column that was decoded from a legacy encoding when read."""
    for column, encoding in sorted(frame.attrs.get("converted_columns", {}).items()):
        name = ENCODING_NAMES.get(encoding, encoding)
        out.add(
            kind,
            None,
            column,
            "warning",
            f"the text was read as {name} (the file does not say it is UTF-8) and converted "
            "to Unicode (NFC).",
            "check a few values (if they are wrong, name the encoding with --encoding); save "
            "the layer in UTF-8 (GeoPackage, a UTF-8 CSV, or a Shapefile with a .cpg saying "
            "UTF-8) so that it is read the same everywhere.",
        )


def _check_topology(frame: gpd.GeoDataFrame, mask: np.ndarray, out: _Collector) -> None:
    """Units invalid in metres, overlaps between units and gaps enclosed by units.

    Checked in the metric CRS where the metrics use the units: a polygon valid
    in degrees may be invalid once projected (it is made valid there, each
    repair a warning with the area before and after). Overlapping pairs and
    gaps (holes of the union, "slivers") are reported largest first: a
    warning up to :data:`TOPOLOGY_ERROR_KM2`, an error above it.
    """
    if frame.crs is None or not mask.any():
        return
    if "level" in frame.columns:
        levels = np.array(
            ["" if pd.isna(v) else str(v) for v in frame["level"].tolist()], dtype=object
        )
        for level in pd.unique(levels[mask]):
            _check_level_topology(frame, mask & (levels == level), out)
    else:
        _check_level_topology(frame, mask, out)


def _check_level_topology(frame: gpd.GeoDataFrame, mask: np.ndarray, out: _Collector) -> None:
    """:func:`_check_topology` for the units of one level."""
    rows = np.flatnonzero(mask)
    if "code" in frame.columns:
        # in code order, as the placement and the partition see them (one topology)
        rows = rows[np.argsort(frame["code"].astype(str).to_numpy()[rows], kind="stable")]
    geoms = frame.geometry.to_numpy()[rows]
    crs = frame.crs if frame.crs.is_projected else _laea_of(geoms, frame.crs)
    metric = gpd.GeoSeries(geoms, crs=frame.crs).to_crs(crs).to_numpy()
    cleaned, invalid = clean_polygons(metric)
    for k in np.flatnonzero(invalid):
        before = float(shapely.area(metric[k]))
        after = float(shapely.area(cleaned[k]))
        out.add(
            "districts",
            int(rows[k]),
            "geometry",
            "warning",
            f"the polygon is valid in {frame.crs.to_string()} but invalid once projected to "
            f"metres ({shapely.is_valid_reason(metric[k])}); it is made valid there for the "
            f"metrics: area {before / 1e6:,.6f} km² before, {after / 1e6:,.6f} km² after.",
            "nothing to do for the metrics; `ict-gis validate --fix -o FOLDER` writes a "
            "repaired copy.",
        )
    ids = out.ids_at("districts", rows)
    overlaps, gaps, _union = topology(cleaned, min_area=TOPOLOGY_MIN_M2)
    # The two summaries first, then the pairs and the gaps, each largest first.
    if overlaps:
        total = sum(m2 for *_, m2 in overlaps)
        out.add(
            "districts",
            None,
            "geometry",
            "warning",
            f"{len(overlaps)} pairs of units overlap, {total / 1e6:,.3f} km² in all; areas "
            "are counted once (each overlap goes to the unit with the lower code).",
            "correct the shared boundaries (listed per pair, largest first).",
        )
    if gaps:
        total = sum(m2 for m2, _ in gaps)
        out.add(
            "districts",
            None,
            "geometry",
            "warning",
            f"{len(gaps)} gaps (slivers) enclosed by units, {total / 1e6:,.3f} km² in all, "
            f"the largest {gaps[0][0]:,.0f} m²; a gap up to {MAX_FILLED_GAP_M2 / 1e6:g} km² "
            "belongs to the unit sharing the longest boundary with it (its area, and any "
            "feature in it).",
            "close the gaps by moving the units' shared boundaries together.",
        )
    for i, j, m2 in overlaps:
        severity: Severity = "error" if m2 / 1e6 > TOPOLOGY_ERROR_KM2 else "warning"
        lower = min(str(ids[i]), str(ids[j]))
        out.add(
            "districts",
            None,
            "geometry",
            severity,
            f"units {ids[i]} and {ids[j]} overlap by {m2 / 1e6:,.4f} km² ({m2:,.0f} m²); a "
            f"feature in the overlap is placed in unit {lower} (the lower code), and so is "
            "the overlap's area.",
            "correct the shared boundary of the two units (QGIS: Check Geometries / "
            "Topology Checker).",
        )
    if gaps:
        to_lonlat = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
        for m2, hole in gaps:
            p = shapely.point_on_surface(hole)
            lon, lat = to_lonlat.transform(p.x, p.y)
            severity = "error" if m2 / 1e6 > TOPOLOGY_ERROR_KM2 else "warning"
            out.add(
                "districts",
                None,
                "geometry",
                severity,
                f"gap between units of {m2:,.0f} m² near lon {lon:.5f}, lat {lat:.5f}.",
                "close the gap by moving the units' shared boundaries together.",
            )


def _check_area(
    kind: str, frame: pd.DataFrame, mask: np.ndarray, area: _AdminArea | None, out: _Collector
) -> None:
    if not mask.any():
        return
    geoms = frame.geometry.to_numpy()
    rows = np.flatnonzero(mask)
    sub = geoms[rows]
    points = shapely.get_type_id(sub) == int(shapely.GeometryType.POINT)
    inside = np.empty(len(rows), dtype=bool)
    partly = np.zeros(len(frame), dtype=bool)
    lines = rows[~points]
    if area is None:
        if not frame.crs.is_geographic:
            return
        region = shapely.box(*VIETNAM_BOUNDS)
        where = "Viet Nam"
        fix = "check the coordinates (a mistyped digit?), or remove the feature."
        shapely.prepare(region)
        inside[points] = shapely.contains_xy(
            region, shapely.get_x(sub[points]), shapely.get_y(sub[points])
        )
        inside[~points] = shapely.covered_by(sub[~points], region)
        lines = rows[~inside & ~points]  # a point is either inside or outside
        partly[lines] = shapely.intersects(geoms[lines], region)
    else:
        where = f"the admin area (the districts layer plus {AREA_TOLERANCE_M:g} m)"
        fix = (
            "check the coordinates (a mistyped digit?); if the feature belongs to another "
            "province, remove it from this layer."
        )
        if points.any():
            px, py = shapely.get_x(sub[points]), shapely.get_y(sub[points])
            placed, nearest, distance = area.place(px, py, frame.crs)
            inside[points] = placed >= 0
            far = np.flatnonzero(placed < 0)
            if len(far):
                # Would swapped coordinates land in a unit? Then say so; else not.
                swapped = area.place(py[far], px[far], frame.crs)[0] >= 0
                messages = np.empty(len(frame), dtype=object)
                far_rows = rows[points][far]
                for k, row in enumerate(far_rows.tolist()):
                    messages[row] = _outside_message(
                        area.codes, nearest[far[k]], distance[far[k]], bool(swapped[k])
                    )
                far_mask = np.zeros(len(frame), dtype=bool)
                far_mask[far_rows] = True
                out.add_rows(kind, far_mask, "geometry", "warning", lambda row: messages[row], fix)
                inside[np.flatnonzero(points)[far]] = True  # reported above
        if (~points).any():
            metric_crs = area.metric_crs()
            metric = gpd.GeoSeries(sub[~points], crs=frame.crs).to_crs(metric_crs).to_numpy()
            region = area.union()
            inside[~points] = shapely.covered_by(metric, region)
            lines = rows[~inside & ~points]
            partly[lines] = shapely.intersects(metric[~inside[~points]], region)
    outside = np.zeros(len(frame), dtype=bool)
    outside[rows[~inside]] = True
    out.add_rows(
        kind,
        outside,
        "geometry",
        "warning",
        lambda row: f"lies {'partly ' if partly[row] else ''}outside {where}.",
        fix,
    )


def _check_references(
    kind: str, frame: pd.DataFrame, layers: LayerSet, out: _Collector, schema: LayerSchema
) -> None:
    checks = [(col, ref, "error") for col, ref in schema.references.items()]
    checks += [(col, ref, "warning") for col, ref in SOFT_REFERENCES.get(kind, {}).items()]
    for column, (ref_kind, ref_column), severity in checks:
        values = _column(frame, column)
        if values is None or ref_kind not in layers or ref_column not in layers[ref_kind]:
            continue
        known = set(layers[ref_kind][ref_column].dropna().tolist())
        dangling = (values.notna() & ~values.isin(known)).to_numpy()
        out.add_rows(
            kind,
            dangling,
            column,
            severity,
            lambda row, v=values, c=column, rk=ref_kind, rc=ref_column: (
                f"{c} {v.iloc[row]!r} is not in {rk} (column {rc})."
            ),
            f"correct the {column}, or add the station to {ref_kind}.",
        )


def _check_codes(kind: str, frame: pd.DataFrame, layers: LayerSet, out: _Collector) -> None:
    """Admin-unit codes of tables must be units of the districts layer."""
    column, severity = {"subscribers": ("code", "error"), "admin_changes": ("new_code", "warning")}[
        kind
    ]
    values = _column(frame, column)
    if values is None or "districts" not in layers or "code" not in layers["districts"]:
        return
    known = set(layers["districts"]["code"].dropna().astype(str))
    if "admin_changes" in layers and "old_code" in layers["admin_changes"]:
        known |= set(layers["admin_changes"]["old_code"].dropna().astype(str))
    text = values.astype(object).map(lambda v: v if v is None else str(v))
    unknown = (text.notna() & ~text.isin(known)).to_numpy()
    out.add_rows(
        kind,
        unknown,
        column,
        severity,
        lambda row: (
            f"admin-unit code {text.iloc[row]!r} is not in the districts layer"
            " (nor an old_code of admin_changes)."
        ),
        "use the code of a unit of the districts layer (codes are text, e.g. '356'), "
        "or record the change of the unit in admin_changes.",
    )


def _check_logic(kind: str, frame: pd.DataFrame, layers: LayerSet, out: _Collector) -> None:
    """Compare columns: dates in order, statuses and dates agreeing."""
    if kind == "bts_stations":
        status = _column(frame, "status")
        on_air = _dates(frame, "on_air_date")
        approved = _dates(frame, "approved_date")
        if status is not None and on_air is not None:
            out.add_rows(
                kind,
                ((status == "on_air") & on_air.isna()).to_numpy(),
                "on_air_date",
                "warning",
                "status is on_air but on_air_date is missing.",
                "fill in the date the station went on air (YYYY-MM-DD).",
            )
        if on_air is not None and approved is not None:
            out.add_rows(
                kind,
                (on_air < approved).to_numpy(),
                "on_air_date",
                "warning",
                lambda row: (
                    f"on_air_date {_day(on_air.iloc[row])} is before approved_date "
                    f"{_day(approved.iloc[row])}."
                ),
                "check both dates; a station goes on air after it is approved.",
            )
        height = _column(frame, "height_m")
        if height is not None and pd.api.types.is_numeric_dtype(height):
            out.add_rows(
                kind,
                (height <= 0).fillna(False).to_numpy(dtype=bool),
                "height_m",
                "error",
                lambda row: f"height_m {height.iloc[row]:g} is not above ground.",
                "write the antenna height above ground in metres.",
            )
        azimuths = _column(frame, "azimuths_deg")
        if azimuths is not None:
            text = azimuths.astype(object)
            bad_values = {v for v in text.dropna().unique() if _bad_azimuths(v)}
            bad = text.isin(bad_values).to_numpy(dtype=bool)
            out.add_rows(
                kind,
                bad,
                "azimuths_deg",
                "error",
                lambda row: f"azimuths_deg {azimuths.iloc[row]!r} has a value outside 0-360.",
                "write sector azimuths in degrees from north, 0 to 360 (e.g. 0,120,240).",
            )
    elif kind == "cable_routes":
        status = _column(frame, "status")
        done = _dates(frame, "done_date")
        if status is not None and done is not None:
            out.add_rows(
                kind,
                (status.isin(["tidied", "underground"]) & done.isna()).to_numpy(),
                "done_date",
                "warning",
                lambda row: f"status is {status.iloc[row]} but done_date is missing.",
                "fill in the date the route was tidied or put underground (YYYY-MM-DD).",
            )
            out.add_rows(
                kind,
                ((status == "planned") & done.notna()).to_numpy(),
                "done_date",
                "warning",
                lambda row: f"status is planned but done_date is {_day(done.iloc[row])}.",
                "set status to tidied or underground, or clear done_date.",
            )
    elif kind == "shutdowns_2g":
        _check_shutdowns(frame, layers, out)
    elif kind == "subscribers":
        period = _column(frame, "period")
        if period is not None:
            bad = period.map(lambda v: v is not None and not _PERIOD.match(str(v))).to_numpy(
                dtype=bool
            )
            out.add_rows(
                kind,
                bad,
                "period",
                "error",
                lambda row: f"period {period.iloc[row]!r} is not a month (YYYY-MM).",
                "write the month as YYYY-MM, e.g. 2024-12.",
            )
        total = _column(frame, "subscribers_2g")
        moved = _column(frame, "migrated_to_4g")
        if total is not None and moved is not None:
            with np.errstate(invalid="ignore"):
                more = (moved > total).fillna(False).to_numpy(dtype=bool)
            out.add_rows(
                kind,
                more,
                "migrated_to_4g",
                "warning",
                lambda row: (
                    f"migrated_to_4g {moved.iloc[row]} is more than subscribers_2g "
                    f"{total.iloc[row]}."
                ),
                "check both numbers; migrated_to_4g counts 2G subscribers who moved to 4G.",
            )


def _bad_azimuths(value: object) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    try:
        return any(not 0 <= float(x) <= 360 for x in split_list(value))
    except ValueError:
        return False  # not numbers: reported when the column is converted


def _check_shutdowns(frame: pd.DataFrame, layers: LayerSet, out: _Collector) -> None:
    if "bts_stations" not in layers or "site_id" not in frame.columns:
        return
    stations = layers["bts_stations"]
    if "site_id" not in stations.columns:
        return
    first = stations.drop_duplicates("site_id").set_index("site_id")
    site = frame["site_id"]
    known = site.isin(first.index).to_numpy()
    rows = np.flatnonzero(known)
    if not len(rows):
        return
    ids = site.iloc[rows]
    switch_off = _dates(frame, "switch_off_date")
    on_air = _dates(stations, "on_air_date")
    if switch_off is not None and on_air is not None:
        station_on_air = first["on_air_date"].reindex(ids).to_numpy()
        off = switch_off.iloc[rows].to_numpy()
        early = np.zeros(len(frame), dtype=bool)
        early[rows] = off < station_on_air  # NaT compares False
        lookup = dict(zip(rows.tolist(), station_on_air, strict=True))
        out.add_rows(
            "shutdowns_2g",
            early,
            "switch_off_date",
            "warning",
            lambda row: (
                f"switch_off_date {_day(switch_off.iloc[row])} is before the station went on "
                f"air ({_day(lookup[row])} in bts_stations)."
            ),
            "check the switch-off date and the station's on_air_date.",
        )
    if "operator" in frame.columns and "operator" in stations.columns:
        station_operator = first["operator"].reindex(ids).to_numpy(dtype=object)
        operator = frame["operator"].iloc[rows].to_numpy(dtype=object)
        differs = np.zeros(len(frame), dtype=bool)
        differs[rows] = (
            pd.notna(operator) & pd.notna(station_operator) & (operator != station_operator)
        )
        lookup_op = dict(zip(rows.tolist(), station_operator, strict=True))
        out.add_rows(
            "shutdowns_2g",
            differs,
            "operator",
            "warning",
            lambda row: (
                f"operator {frame['operator'].iloc[row]!r} differs from the station's "
                f"operator {lookup_op[row]!r} in bts_stations."
            ),
            "correct the operator here or in bts_stations.",
        )


# --------------------------------------------------------------------------- API


def validate(
    layers: LayerSet,
    *,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[Problem]:
    """Check every layer of a layer set and return every problem found.

    Parameters
    ----------
    layers
        The layer set, as returned by :func:`ict_gis.layerset.read_layers`. It
        is not modified.
    strict
        Report warnings as errors.
    progress
        Called as ``progress(done, total)`` after each step (a layer's own
        checks, the units' topology, a layer's placement in the units).

    Returns
    -------
    list of Problem
        Sorted by layer (in the order of :data:`ict_gis.schema.LAYER_KINDS`),
        then whole-layer problems, then by feature. Includes the problems found
        while reading (``layers.problems``): missing and unknown columns,
        values of the wrong type, unknown operators, technologies and statuses.

    Notes
    -----
    Besides those, each layer is checked for: duplicate ids (every repeated
    feature is reported); missing, empty and invalid geometries (with the
    reason from :func:`shapely.is_valid_reason`; see :func:`repair`);
    geometry types the layer kind does not take; a missing CRS; coordinates
    that look projected or swapped (lat/lon) in a geographic CRS; features
    outside the ``districts`` layer buffered by :data:`AREA_TOLERANCE_M`
    (warning; outside Viet Nam when there is no districts layer);
    ``shutdowns_2g`` sites missing from ``bts_stations`` (error) and
    ``sites_5g`` sites missing from it (warning); ``subscribers`` codes
    (error) and ``admin_changes`` new codes (warning) unknown to the
    ``districts`` layer; and dates or statuses that disagree (warnings). A
    check that needs another layer is skipped when that layer is absent.

    Examples
    --------
    >>> from ict_gis.layerset import bundled_layers
    >>> [p for p in validate(bundled_layers()) if p.severity == "error"]
    []
    """
    out = _Collector()
    kinds = sorted(layers, key=_layer_order)
    for kind in kinds:
        schema = SCHEMAS.get(kind)
        if schema is not None:
            out.register(kind, layers[kind], schema)
    for problem in layers.problems:
        out.add_problem(problem)
    checked: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}
    total = 2 * len(kinds) + 1
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    for kind in kinds:
        step()
        schema = SCHEMAS.get(kind)
        if schema is None:
            continue
        frame = layers[kind]
        _check_unique(kind, frame, schema, out)
        _report_converted(kind, frame, out)
        if schema.geometry is not None:
            checked[kind] = _check_geometry(kind, frame, schema, out)
        _check_references(kind, frame, layers, out, schema)
        if kind in ("subscribers", "admin_changes"):
            _check_codes(kind, frame, layers, out)
        if kind == "admin_changes":
            _check_admin_changes(layers, out)
        _check_logic(kind, frame, layers, out)
    districts = checked.get("districts")
    if districts is not None:
        _check_topology(layers["districts"], districts[0] & districts[1], out)
    step()
    area = _admin_area(layers, None if districts is None else districts[0])
    for kind in kinds:
        masks = checked.get(kind)
        if kind != "districts" and masks is not None:
            _check_area(kind, layers[kind], masks[0] & masks[1], area, out)
        step()
    problems = out.problems()
    if strict:
        problems = [
            dataclasses.replace(p, severity="error") if p.severity == "warning" else p
            for p in problems
        ]
    return problems


def ensure_valid(
    layers: LayerSet,
    *,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Raise :class:`~ict_gis.errors.ValidationError` if the layers have any error.

    Parameters
    ----------
    layers
        The layer set to check.
    strict
        Treat warnings as errors.
    progress
        As for :func:`validate`.

    Raises
    ------
    ValidationError
        Listing every problem (errors and warnings) in ``.problems``.
    """
    problems = validate(layers, strict=strict, progress=progress)
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)


def repair(layers: LayerSet) -> tuple[LayerSet, list[Problem]]:
    """Repair invalid geometries with :func:`shapely.make_valid`, on request only.

    Only geometries that are invalid are touched; polygons are repaired with
    the ``structure`` method (the result stays polygonal), lines with the
    ``linework`` method. A repair whose result the layer kind does not take
    (for example a route collapsed to a point) is not applied but reported as
    an error.

    Parameters
    ----------
    layers
        The layer set; it is not modified.

    Returns
    -------
    tuple of (LayerSet, list of Problem)
        A new layer set with the repaired geometries, and one warning per
        repaired feature saying what changed (an error per feature that could
        not be repaired).
    """
    out = _Collector()
    replaced: dict[str, pd.DataFrame] = {}
    for kind in sorted(layers, key=_layer_order):
        schema = SCHEMAS.get(kind)
        frame = layers[kind]
        series = _geometry(frame)
        if schema is None or schema.geometry is None or series is None:
            continue
        geoms = series.to_numpy()
        invalid = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms) & ~shapely.is_valid(geoms)
        if not invalid.any():
            continue
        out.register(kind, frame, schema)
        polygonal = set(schema.geometry) <= {"Polygon", "MultiPolygon"}
        method = {"method": "structure", "keep_collapsed": False} if polygonal else {}
        new = geoms.copy()
        for row in np.flatnonzero(invalid):
            before = geoms[row]
            reason = shapely.is_valid_reason(before)
            after = shapely.make_valid(before, **method)
            if after.is_empty or after.geom_type not in schema.geometry:
                what = "an empty geometry" if after.is_empty else f"a {after.geom_type}"
                out.add(
                    kind,
                    int(row),
                    "geometry",
                    "error",
                    f"invalid geometry ({reason}) was not repaired: make_valid would turn "
                    f"the {before.geom_type} into {what}, which {kind} does not take.",
                    "draw the feature again, or delete it.",
                )
                continue
            new[row] = after
            parts = int(shapely.get_num_geometries(after))
            out.add(
                kind,
                int(row),
                "geometry",
                "warning",
                f"invalid geometry ({reason}) was repaired with shapely.make_valid: "
                f"{before.geom_type} → {after.geom_type} ({parts} part{'s' * (parts != 1)}).",
                "check the repaired shape, then save the layer to a new file: "
                f'`ict_gis.write_layer(repaired["{kind}"], "{kind}-repaired.geojson")`.',
            )
        copy = frame.copy()
        copy[series.name] = gpd.GeoSeries(new, index=frame.index, crs=frame.crs)
        replaced[kind] = copy
    return layers.replace(**replaced), out.problems()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def format_problems(
    problems: Sequence[Problem], *, n_layers: int | None = None, max_problems: int | None = None
) -> str:
    """Format problems as text: one line per problem, grouped by layer, and a summary.

    Parameters
    ----------
    problems
        Problems as returned by :func:`validate`.
    n_layers
        Number of layers checked, for the summary line; by default the number
        of layers that have problems.
    max_problems
        List at most this many problems per layer (errors first), then a
        line with the count of the rest; ``None``: all.

    Returns
    -------
    str
        Lines such as ``ERROR [BTS-0001] operator: value 'Viettle' is not an
        allowed value. Fix: use one of: ...`` under a heading per layer, then
        ``"3 errors, 1 warning in 7 layers"``.

    Examples
    --------
    >>> from ict_gis.problems import Problem
    >>> print(format_problems([Problem("districts", "356", "name", "error", "value is missing.")]))
    districts: 1 error, 0 warnings
      ERROR [356] name: value is missing.
    <BLANKLINE>
    1 error, 0 warnings in 1 layer
    """
    lines: list[str] = []
    by_layer: dict[str, list[Problem]] = {}
    for problem in problems:
        by_layer.setdefault(problem.layer, []).append(problem)
    for layer, found in by_layer.items():
        counts = Counter(p.severity for p in found)
        lines.append(
            f"{layer}: {_plural(counts['error'], 'error')}, {_plural(counts['warning'], 'warning')}"
        )
        shown = found
        if max_problems is not None and len(found) > max_problems:
            shown = sorted(found, key=lambda p: p.severity != "error")[:max_problems]
        for p in shown:
            where = f" [{p.feature_id}]" if p.feature_id is not None else ""
            column = f" {p.column}:" if p.column is not None else ""
            fix = f" Fix: {p.fix}" if p.fix else ""
            lines.append(f"  {p.severity.upper()}{where}{column} {p.message}{fix}")
        if len(shown) < len(found):
            rest = Counter(p.severity for p in found) - Counter(p.severity for p in shown)
            lines.append(
                f"  ... and {len(found) - len(shown)} more ({_plural(rest['error'], 'error')}, "
                f"{_plural(rest['warning'], 'warning')}); --max-problems 0 lists them all."
            )
        lines.append("")
    counts = Counter(p.severity for p in problems)
    layers_count = len(by_layer) if n_layers is None else n_layers
    lines.append(
        f"{_plural(counts['error'], 'error')}, {_plural(counts['warning'], 'warning')} "
        f"in {_plural(layers_count, 'layer')}"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- admin changes
# The same rules as ict_gis.units (merges, renames) and ict_gis.crosswalk
# (splits): whatever makes a metric fail is an error here, with its fix.


def _code_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _check_admin_changes(layers: LayerSet, out: _Collector) -> None:
    """Check that every change can be applied: merges reach a unit, splits can be divided."""
    if "admin_changes" not in layers:
        return
    changes = layers["admin_changes"]
    if not {"old_code", "new_code", "effective_date"} <= set(changes.columns):
        return
    kind = "admin_changes"
    old = [_code_text(v) for v in changes["old_code"]]
    new = [_code_text(v) for v in changes["new_code"]]
    dates = pd.to_datetime(changes["effective_date"], errors="coerce").tolist()
    weights = (
        pd.to_numeric(changes["weight"], errors="coerce").tolist()
        if "weight" in changes.columns
        else [np.nan] * len(changes)
    )
    rows = [
        i for i in range(len(changes)) if old[i] and new[i] and not pd.isna(dates[i])
    ]  # incomplete rows are reported by the schema checks
    for i in rows:
        if not np.isnan(weights[i]) and weights[i] <= 0:
            out.add(
                kind,
                i,
                "weight",
                "error",
                f"weight {weights[i]:g} of {old[i]} -> {new[i]} is not positive.",
                "give every part of a split a positive weight (its share of the old unit).",
            )
    seen: dict[tuple[str, str], int] = {}
    for i in rows:
        pair = (old[i], new[i])
        if pair in seen:
            out.add(
                kind,
                i,
                "new_code",
                "error",
                f"{old[i]} -> {new[i]} is listed twice (also row {seen[pair] + 1}).",
                "keep one row per (old_code, new_code).",
            )
        seen.setdefault(pair, i)
    parts: dict[tuple[str, object], list[int]] = {}
    for i in rows:
        parts.setdefault((old[i], dates[i]), []).append(i)
    splits = {key: found for key, found in parts.items() if len({new[i] for i in found}) > 1}
    in_split = {i for found in splits.values() for i in found}
    merges = [i for i in rows if i not in in_split and old[i] != new[i]]
    targets: dict[str, dict[str, int]] = {}
    for i in merges:
        targets.setdefault(old[i], {}).setdefault(new[i], i)
    for code, found in sorted(targets.items()):
        if len(found) > 1:
            first = min(found.values())
            out.add(
                kind,
                first,
                "new_code",
                "error",
                f"{code} is mapped to {', '.join(sorted(found))} on different dates; the "
                "metrics stop on it.",
                "keep one row per old_code, or give the parts of a split the same effective_date.",
            )
    direct = {code: next(iter(found)) for code, found in targets.items() if len(found) == 1}
    units = _district_codes(layers)
    for code, first_new in sorted(direct.items()):
        chain, current = [code], first_new
        while current in direct and current not in chain:
            chain.append(current)
            current = direct[current]
        row = targets[code][first_new]
        if current in chain:
            out.add(
                kind,
                row,
                "new_code",
                "error",
                f"the changes loop: {' -> '.join([*chain, current])}; the metrics stop on it.",
                "remove the row that maps a unit back to an earlier code.",
            )
        elif units is not None and code in units and current not in units:
            out.add(
                kind,
                row,
                "new_code",
                "error",
                f"unit {code} merges into {current!r}, and {current!r} is not in the "
                "districts layer: the metrics stop on it.",
                f"add unit {current} to the districts layer, or correct new_code.",
            )
    _check_split_weights(layers, splits, old, new, weights, out)


def _district_codes(layers: LayerSet) -> set[str] | None:
    if "districts" not in layers or "code" not in layers["districts"]:
        return None
    return {c for c in (_code_text(v) for v in layers["districts"]["code"]) if c}


def _check_split_weights(
    layers: LayerSet,
    splits: dict[tuple[str, object], list[int]],
    old: list[str | None],
    new: list[str | None],
    weights: list[float],
    out: _Collector,
) -> None:
    """Check that a split unit with subscriber rows has weights, both drawings or populations."""
    if not splits or "subscribers" not in layers or "code" not in layers["subscribers"]:
        return
    held = {c for c in (_code_text(v) for v in layers["subscribers"]["code"]) if c}
    units = _district_codes(layers) or set()
    population: dict[str, float] = {}
    districts = layers.get("districts")
    if districts is not None and {"code", "population"} <= set(districts.columns):
        values = pd.to_numeric(districts["population"], errors="coerce")
        population = {
            str(_code_text(c)): float(v)
            for c, v in zip(districts["code"], values, strict=True)
            if not pd.isna(v)
        }
    for (code, _), found in sorted(splits.items(), key=lambda item: item[1][0]):
        if code not in held or all(not np.isnan(weights[i]) for i in found):
            continue
        parts = sorted({str(new[i]) for i in found})
        if code in units and set(parts) <= units:
            continue  # area share of the two drawings
        if all(p in population for p in parts):
            continue  # population share of the parts
        out.add(
            "admin_changes",
            found[0],
            "weight",
            "error",
            f"{code} is split into {', '.join(parts)} and the subscribers table has figures "
            f"for {code}, but nothing tells how to divide them (no weight, the old unit and "
            "its parts are not all drawn in districts, and the parts have no population); "
            "the metrics stop on it.",
            "give every row of the split a weight (e.g. its share of the subscribers), or "
            "draw the old unit and its parts, or give the parts a population.",
        )
