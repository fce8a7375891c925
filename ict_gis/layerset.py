"""A set of layers read together: the bundled Nam Định set, a folder or a GeoPackage."""

from __future__ import annotations

import html
import os
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path, PurePath

import geopandas as gpd
import pandas as pd

from ict_gis import io
from ict_gis.errors import LayerKindError, LayerReadError
from ict_gis.io import postgis
from ict_gis.io.encodings import canonical_encoding
from ict_gis.problems import Problem
from ict_gis.schema import LAYER_KINDS, coerce, kind_from_name, schema_for


class LayerSet(Mapping[str, pd.DataFrame]):
    """Layers by kind (``bts_stations``, ``districts``, ...), columns typed per schema.

    Behaves as a read-only mapping from layer kind to (Geo)DataFrame. Values
    that could not be converted to their column's type are kept as missing
    and listed in :attr:`problems`, which :func:`ict_gis.validate.validate`
    reports together with its own checks.

    Parameters
    ----------
    frames
        Layer kind to frame. Their columns are converted to the types of their
        schema as :meth:`from_frames` does (``VinaPhone`` becomes ``VNPT``, a
        date that cannot be read is kept missing and listed in
        :attr:`problems`); the frames given are not modified.
    source
        Where the layers came from (for messages).
    problems
        Problems found while reading (the conversion's are added).
    name
        Name of the data (``Nam Định 2024``), shown as the source of maps and
        reports (default: the file or folder name of ``source``, ``""``
        without a source).
    coerced
        The frames were converted with :func:`ict_gis.schema.coerce` already
        (skip the conversion).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> raw = gpd.GeoDataFrame(
    ...     {"site_id": ["A"], "operator": ["VinaPhone"], "technologies": ["2G"],
    ...      "status": ["on_air"], "approved_date": ["bad"]},
    ...     geometry=[Point(106.1, 20.4)], crs="EPSG:4326")
    >>> layers = LayerSet({"bts_stations": raw})
    >>> layers["bts_stations"]["operator"].iloc[0]
    'VNPT'
    >>> any(p.column == "approved_date" for p in layers.problems)
    True
    """

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame],
        *,
        source: str = "",
        problems: list[Problem] | None = None,
        name: str = "",
        coerced: bool = False,
    ):
        found: list[Problem] = list(problems or [])
        if coerced:
            self._frames = dict(frames)
        else:
            self._frames = {}
            for kind in sorted(frames, key=_kind_order):
                self._frames[kind], more = coerce(kind, frames[kind])
                found += more
        self.source = source
        self.name = name or default_name(source)
        self.problems: list[Problem] = found

    @classmethod
    def from_frames(
        cls, frames: Mapping[str, pd.DataFrame], *, source: str = "", name: str = ""
    ) -> LayerSet:
        """Build a layer set from raw frames (as read), converting their columns.

        Parameters
        ----------
        frames
            Layer kind to frame; the frames are not modified.
        source
            Where the layers came from.
        name
            Name of the data (default: the file or folder name of ``source``).
        """
        converted: dict[str, pd.DataFrame] = {}
        problems: list[Problem] = []
        for kind in sorted(frames, key=_kind_order):
            converted[kind], found = coerce(kind, frames[kind])
            problems += found
        return cls(converted, source=source, problems=problems, name=name, coerced=True)

    def __getitem__(self, kind: str) -> pd.DataFrame:
        try:
            return self._frames[kind]
        except KeyError:
            schema_for(kind)  # raises LayerKindError for unknown kinds
            have = ", ".join(self._frames) or "none"
            raise KeyError(
                f"The layer set {self.source!r} has no {kind!r} layer (it has: {have})."
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    def replace(self, **frames: pd.DataFrame) -> LayerSet:
        """Return a new layer set with some layers replaced or added (already typed)."""
        return LayerSet(
            {**self._frames, **frames},
            source=self.source,
            problems=self.problems,
            name=getattr(self, "name", ""),
            coerced=True,
        )

    def summary(self) -> pd.DataFrame:
        """One row per layer: features, geometry type, CRS and bounds (lon/lat)."""
        rows = []
        for kind, frame in self._frames.items():
            row = {"layer": kind, "features": len(frame), "geometry": "", "crs": ""}
            row.update(dict.fromkeys(("min_x", "min_y", "max_x", "max_y"), None))
            if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
                types = sorted(frame.geom_type.dropna().unique())
                row["geometry"] = "/".join(types)
                row["crs"] = frame.crs.to_string() if frame.crs else "none"
                if len(frame) and frame.geometry.notna().any():
                    bounds = frame.total_bounds
                    row.update(zip(("min_x", "min_y", "max_x", "max_y"), bounds, strict=True))
            else:
                row["geometry"] = "table"
            rows.append(row)
        return pd.DataFrame(rows).set_index("layer")

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}: {len(v)}" for k, v in self._frames.items())
        return f"LayerSet({self.source!r}; {parts})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(kind)}</td><td>{row.features}</td>"
            f"<td>{html.escape(str(row.geometry))}</td><td>{html.escape(str(row.crs))}</td></tr>"
            for kind, row in self.summary().iterrows()
        )
        return (
            f"<p><b>LayerSet</b> {html.escape(self.source)}</p>"
            "<table><tr><th>layer</th><th>features</th><th>geometry</th><th>CRS</th></tr>"
            f"{rows}</table>"
        )


def default_name(source: object) -> str:
    """Return the name of a layer set read from ``source``: its file or folder name.

    Examples
    --------
    >>> default_name("/data/ninh_binh.gpkg"), default_name("")
    ('ninh_binh.gpkg', '')
    """
    return PurePath(str(source)).name if source else ""


def _kind_order(kind: str) -> int:
    return LAYER_KINDS.index(kind) if kind in LAYER_KINDS else len(LAYER_KINDS)


#: Name of the bundled layer set (shown as the source of maps and reports).
BUNDLED_NAME = "Nam Định 2024"


def bundled_path() -> Path:
    """Return the folder of the bundled Nam Định layers (installed with the package)."""
    return Path(str(resources.files("ict_gis.layers")))


def bundled_layers() -> LayerSet:
    """Read the bundled Nam Định layers (boundaries real, network modelled).

    Examples
    --------
    >>> layers = bundled_layers()
    >>> len(layers["districts"]), layers.name
    (10, 'Nam Định 2024')
    """
    return read_layers(bundled_path(), name=BUNDLED_NAME)


def read_layers(
    path: str | os.PathLike | None = None,
    *,
    kind: str | None = None,
    name: str | None = None,
    encoding: str | None = None,
) -> LayerSet:
    """Read a layer set: a folder of layer files, one GeoPackage, or one file.

    Parameters
    ----------
    path
        A folder (each file named after its kind, e.g. ``bts_stations.geojson``),
        a ``.gpkg`` (each layer named after its kind), a single layer file, or
        a PostGIS schema ``postgresql://USER@HOST:PORT/DATABASE[/SCHEMA]``
        (each table named after its kind; see :mod:`ict_gis.io.postgis`).
        ``None`` reads the bundled Nam Định layers.
    kind
        Layer kind of a single file whose name does not tell it.
    name
        Name of the data, shown as the source of maps and reports (default:
        :data:`BUNDLED_NAME` for the bundled layers, else the file or folder
        name, or the PostGIS schema).
    encoding
        Encoding of the text of the Shapefiles and CSV files (``utf-8``,
        ``tcvn3``, ``vni``, ``cp1258`` or a Python codec name), instead of
        their ``.cpg`` and of detection; see :func:`ict_gis.io.read_layer`.

    Returns
    -------
    LayerSet

    Raises
    ------
    LayerReadError
        If the path does not exist or holds no recognisable layer.
    LayerKindError
        If the kind of a single file cannot be told.
    """
    if encoding is not None:
        encoding = canonical_encoding(encoding)  # an unknown name fails before any read
    if path is None:
        return bundled_layers() if name is None else read_layers(bundled_path(), name=name)
    if isinstance(path, str) and postgis.is_url(path):
        location = postgis.parse_url(path)
        return LayerSet.from_frames(
            postgis.read_layers(path, LAYER_KINDS), source=location.shown, name=name or ""
        )
    path = Path(path)
    if name is None and _is_bundled(path):
        name = BUNDLED_NAME
    if not path.exists():
        raise LayerReadError(f"{path}: no such file or folder.")
    raw: dict[str, pd.DataFrame] = {}
    if path.is_dir():
        for kind_of_file, child in _layer_files(path):
            raw[kind_of_file] = io.read_layer(child, encoding=encoding)
        if not raw:
            raise LayerReadError(
                f"{path}: no layer files found. Name them after their kind: "
                f"{', '.join(k + '.geojson' for k in LAYER_KINDS[:2])}, ..."
            )
    elif path.suffix.lower() == ".gpkg" and kind is None:
        for layer_name in io.list_layers(path):
            layer_kind = kind_from_name(layer_name)
            if layer_kind is not None:
                raw[layer_kind] = io.read_layer(path, layer=layer_name, encoding=encoding)
        if not raw:
            raise LayerReadError(
                f"{path}: no layer is named after a kind ({', '.join(LAYER_KINDS)})."
            )
    else:
        file_kind = kind or kind_from_name(path.name)
        if file_kind is None:
            raise LayerKindError(
                f"{path}: cannot tell the layer kind from the file name; pass kind= "
                f"(--kind on the command line), one of {', '.join(LAYER_KINDS)}."
            )
        schema_for(file_kind)
        raw[file_kind] = io.read_layer(path, encoding=encoding)
    return LayerSet.from_frames(raw, source=str(path), name=name or "")


#: Data files a user may have meant as a layer, but not read as one.
_NOT_LAYERS = (
    ".xlsx", ".xls", ".xlsm", ".ods", ".kmz", ".gml", ".tab", ".mif", ".dxf", ".dwg",
    ".sqlite", ".parquet", ".tsv", ".txt",
)  # fmt: skip


def _layer_files(folder: Path) -> list[tuple[str, Path]]:
    """Return the layer files of a folder, one per kind, by name.

    A file named after a kind that cannot be read as a layer (a workbook, a
    KMZ), or two files of one kind, are errors, not files passed over: the
    user would otherwise see results without the layer they meant to give.
    """
    found: dict[str, list[Path]] = {}
    unreadable = []
    for child in sorted(folder.iterdir()):
        child_kind = kind_from_name(child.name)
        if child_kind is None or child.name.startswith(".") or child.is_dir():
            continue
        suffix = child.suffix.lower()
        if suffix in io.VECTOR_SUFFIXES + io.TABLE_SUFFIXES:
            found.setdefault(child_kind, []).append(child)
        elif suffix in _NOT_LAYERS:
            unreadable.append(child)
    if unreadable:
        workbook = any(p.suffix.lower() in (".xlsx", ".xls", ".xlsm") for p in unreadable)
        raise LayerReadError(
            f"{folder}: {', '.join(p.name for p in unreadable)} "
            f"{'is' if len(unreadable) == 1 else 'are'} named after a layer kind but not a "
            f"layer file ({', '.join(io.VECTOR_SUFFIXES + io.TABLE_SUFFIXES)})."
            + (
                " Fix: turn a station list into a layer with `ict-gis import sheet FILE -o "
                "bts_stations.gpkg`."
                if workbook
                else " Fix: convert it (e.g. to GeoPackage), or rename it."
            )
        )
    doubled = {k: files for k, files in found.items() if len(files) > 1}
    if doubled:
        listed = "; ".join(f"{k}: {', '.join(p.name for p in v)}" for k, v in doubled.items())
        raise LayerReadError(
            f"{folder}: more than one file for a layer ({listed}). Fix: keep one file per "
            "layer kind in the folder (move the others out, or rename them)."
        )
    return [(k, files[0]) for k, files in found.items()]


def _is_bundled(path: Path) -> bool:
    """Whether ``path`` is the folder of the bundled layers."""
    try:
        return path.resolve() == bundled_path().resolve()
    except OSError:
        return False


# --------------------------------------------------------------------------- bundled units

#: The bundled unit layers, by name: the vintage of their units and their file.
BUNDLED_UNITS: dict[str, tuple[str, str]] = {
    "districts-2024": ("2024-01-01", "districts.geojson"),
    "communes-2025": ("2025-07-01", "units/communes_2025.geojson"),
}

#: Name of the bundled unit layer used when none is asked for.
DEFAULT_UNITS = "districts-2024"


def bundled_units(name: str = DEFAULT_UNITS) -> gpd.GeoDataFrame:
    """Read one of the bundled unit layers (see :data:`BUNDLED_UNITS`), with its vintage.

    ``districts-2024`` are the 10 districts of Nam Định as drawn until
    2024-08-31 (the default layer set's ``districts``); ``communes-2025`` are
    the 129 communes of the new Ninh Bình in force since 2025-07-01 (with
    ``population``).

    Parameters
    ----------
    name
        A key of :data:`BUNDLED_UNITS`.

    Returns
    -------
    geopandas.GeoDataFrame
        The units, columns typed as the ``districts`` schema, with a
        ``vintage`` column and ``attrs["vintage"]`` and ``attrs["units_name"]``.

    Raises
    ------
    LayerKindError
        If ``name`` is not a bundled unit layer.

    Examples
    --------
    >>> communes = bundled_units("communes-2025")
    >>> len(communes), communes.attrs["vintage"]
    (129, '2025-07-01')
    """
    if name not in BUNDLED_UNITS:
        raise LayerKindError(
            f"No bundled unit layer {name!r}; known: {', '.join(BUNDLED_UNITS)} "
            "(or give the path of a unit layer)."
        )
    vintage, file = BUNDLED_UNITS[name]
    frame, _ = coerce("districts", io.read_layer(bundled_path() / file))
    if "vintage" not in frame.columns or frame["vintage"].isna().all():
        frame["vintage"] = vintage
    frame.attrs = {"vintage": vintage, "units_name": name}
    return frame


def bundled_crosswalk_path() -> Path:
    """Return the path of the bundled national crosswalk of the 2025 reform (``.csv.gz``)."""
    return bundled_path() / "units" / "crosswalk_2025.csv.gz"


def bundled_district_communes_path() -> Path:
    """Return the path of Nam Định's old communes and their districts (2025-03-01)."""
    return bundled_path() / "units" / "nam_dinh_communes_2025-03.csv"
