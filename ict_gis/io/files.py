"""Reading and writing layer files: the only module that touches paths.

fiona lists layers, reads schemas, streams features and writes with an exact
schema; whole layers are read in bulk with pyogrio and Arrow, which is an
order of magnitude faster. Nothing outside this module imports either.

Every write goes to a temporary file in the destination folder and is renamed
into place once complete, and no write may replace a file this process has
read as input.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ict_gis.errors import LayerReadError, LayerWriteError
from ict_gis.io.encodings import (
    ENCODING_NAMES,
    ENCODINGS,
    canonical_encoding,
    decode_file,
    decode_text,
    detect_encoding,
    nfc,
    read_dbf_text,
)

#: File name endings read as vector layers.
VECTOR_SUFFIXES: tuple[str, ...] = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".kml")
#: File name endings read as tables (with optional coordinates).
TABLE_SUFFIXES: tuple[str, ...] = (".csv",)

_LON_NAMES = ("lon", "lng", "long", "longitude", "x")
_LAT_NAMES = ("lat", "latitude", "y")
_WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")

_inputs: set[Path] = set()


def _remember_input(path: Path) -> None:
    _inputs.add(Path(path).resolve())


def is_input(path: str | os.PathLike) -> bool:
    """Whether ``path`` was read as an input by this process."""
    return Path(path).resolve() in _inputs


def _fiona():
    """Import fiona when first needed: it adds 0.2 s to every command's start."""
    import fiona

    return fiona


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise LayerReadError(f"{path}: no such file or folder.")


def list_layers(path: str | os.PathLike) -> list[str]:
    """Return the names of the layers in a vector file (one for GeoJSON).

    Parameters
    ----------
    path
        GeoPackage, GeoJSON, Shapefile (or zipped Shapefile), or CSV.
    """
    path = Path(path)
    _check_exists(path)
    if path.suffix.lower() in TABLE_SUFFIXES:
        return [path.stem]
    try:
        return [str(name) for name, _ in pyogrio.list_layers(_gdal_path(path))]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise unreadable(path, "cannot list layers", exc) from exc


def read_schema(path: str | os.PathLike, *, layer: str | None = None) -> dict:
    """Return the fiona schema (``{"geometry": ..., "properties": {...}}``) of a layer."""
    path = Path(path)
    _check_exists(path)
    try:
        with _fiona().open(_gdal_path(path), layer=layer) as src:
            return dict(src.schema)
    except _fiona().errors.DriverError as exc:
        raise unreadable(path, "cannot read the schema", exc) from exc


def iter_features(path: str | os.PathLike, *, layer: str | None = None) -> Iterator[dict]:
    """Stream the features of a layer one by one, as GeoJSON-like dicts.

    For files larger than memory; :func:`read_layer` is faster for the rest.
    """
    path = Path(path)
    _check_exists(path)
    _remember_input(path)
    try:
        with _fiona().open(_gdal_path(path), layer=layer) as src:
            for feature in src:
                yield {
                    "id": feature.id,
                    "properties": dict(feature.properties),
                    "geometry": None if feature.geometry is None else dict(feature.geometry),
                }
    except _fiona().errors.DriverError as exc:
        raise unreadable(path, "cannot read features", exc) from exc


def feature_count(path: str | os.PathLike, *, layer: str | None = None) -> int:
    """Return the number of features of a layer (from GDAL, without reading them)."""
    path = Path(path)
    _check_exists(path)
    source, options, _ = _point_source(path)
    try:
        return int(
            pyogrio.read_info(source, layer=layer, force_feature_count=True, **options)["features"]
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise unreadable(path, "cannot read the layer", exc) from exc


def iter_point_batches(
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    batch_rows: int = 100_000,
    column: str | None = None,
) -> tuple[object, Iterator[tuple[np.ndarray, ...]]]:
    """Stream the coordinates of a point layer, ``batch_rows`` features at a time.

    For inventories larger than memory (tens of millions of cells): only one
    batch's coordinates are held at once (GDAL's Arrow stream, through
    pyogrio); no attribute column is read but ``column``.

    Parameters
    ----------
    path
        A GeoPackage, GeoJSON, Shapefile or any point file GDAL reads; also
        a CSV file with longitude and latitude columns (``lon``/``lat``,
        ``longitude``/``latitude``, ``x``/``y``; WGS 84), as OpenCelliD
        exports are; gzipped (``.gz``) files are read as they are.
    layer
        The layer (default: the first).
    batch_rows
        Features per batch.
    column
        An attribute read along, as text (NFC; ``None`` where empty).

    Returns
    -------
    tuple
        The layer's CRS (as GDAL writes it; ``None`` without one) and an
        iterator of ``(x, y)`` arrays (NaN where a feature has no point
        geometry), ``(x, y, values)`` with ``column``.

    Raises
    ------
    LayerReadError
        If the file cannot be read, or has no such column.
    """
    path = Path(path)
    _check_exists(path)
    _remember_input(path)
    failures = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError)
    source, options, crs = _point_source(path)
    try:
        # The layer's description only (nothing read yet; read_info would count a CSV's rows).
        with pyogrio.open_arrow(source, layer=layer, use_pyarrow=True, **options) as (info, _):
            pass
    except failures as exc:
        raise unreadable(path, "cannot read the layer", exc) from exc
    fields = [str(f) for f in info.get("fields", [])]
    if crs is not None and not info.get("geometry_type"):
        raise LayerReadError(
            f"{path}: no longitude and latitude columns; name them lon and lat (or "
            f"longitude/latitude, x/y). Its columns: {', '.join(fields) or 'none'}."
        )
    if column is not None and column not in fields:
        raise LayerReadError(
            f"{path}: no column {column!r} to count by; its columns: {', '.join(fields) or 'none'}."
        )

    def batches() -> Iterator[tuple[np.ndarray, ...]]:
        try:
            with pyogrio.open_arrow(
                source,
                layer=layer,
                columns=[] if column is None else [column],
                batch_size=int(batch_rows),
                use_pyarrow=True,
                **options,
            ) as (meta, reader):
                geometry = meta["geometry_name"] or "wkb_geometry"
                for batch in reader:
                    wkb = batch.column(geometry).to_numpy(zero_copy_only=False)
                    geoms = shapely.from_wkb(wkb)
                    points = shapely.get_type_id(geoms) == int(shapely.GeometryType.POINT)
                    x = np.full(len(geoms), np.nan)
                    y = np.full(len(geoms), np.nan)
                    x[points] = shapely.get_x(geoms[points])
                    y[points] = shapely.get_y(geoms[points])
                    if column is None:
                        yield x, y
                    else:
                        yield x, y, _texts(batch.column(column))
        except failures as exc:  # a file that breaks while streamed
            raise unreadable(path, "cannot read the features", exc) from exc

    return crs or info.get("crs"), batches()


def _point_source(path: Path) -> tuple[str, dict[str, str], str | None]:
    """Return what GDAL opens for a point file: path, open options, and the CRS of a CSV.

    A ``.gz`` file is read through ``/vsigzip/``; a CSV file's points come
    from its longitude and latitude columns (the names of
    :func:`read_layer`), in WGS 84.
    """
    name = path.name.lower()
    source = f"/vsigzip/{path}" if name.endswith(".gz") else _gdal_path(path)
    if not name.removesuffix(".gz").endswith((".csv", ".txt")):
        return source, {}, None
    options = {
        "X_POSSIBLE_NAMES": ",".join(_LON_NAMES),
        "Y_POSSIBLE_NAMES": ",".join(_LAT_NAMES),
        "KEEP_GEOM_COLUMNS": "NO",
    }
    return source, options, "EPSG:4326"


def _texts(values) -> np.ndarray:
    """Return a pyarrow array's values as NFC text (``None`` if empty) in an object array.

    Each distinct value is converted once (a batch of an inventory holds a
    few: the radios, the operators).
    """
    import pyarrow as pa

    encoded = values.cast(pa.string()).dictionary_encode()
    words = [nfc(v) or None for v in encoded.dictionary.to_pylist()]
    table = np.array([*words, None], dtype=object)
    return table[encoded.indices.fill_null(len(words)).to_numpy(zero_copy_only=False)]


def read_layer(
    path: str | os.PathLike, *, layer: str | None = None, encoding: str | None = None
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Read a whole layer into a GeoDataFrame (or a DataFrame for a plain table).

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage, Shapefile (also zipped) or CSV file. A CSV file
        with ``lon``/``lat`` (or ``longitude``/``latitude``, ``x``/``y``)
        columns gives points in EPSG:4326; one with a ``wkt`` (or
        ``geometry``) column gives those geometries in EPSG:4326; any other
        CSV is a plain table. Every CSV value is read as text.
    layer
        Layer name inside a GeoPackage; the only layer when omitted.
    encoding
        The encoding of the text of a Shapefile or CSV file (``utf-8``,
        ``tcvn3``, ``vni``, ``cp1258`` or a Python codec name), used instead
        of its ``.cpg`` and of detection. By default a Shapefile's ``.cpg``
        is followed when it names UTF-8, Windows-1258, TCVN3 or VNI, and the
        text of other Shapefiles and of CSV files that are not UTF-8 is
        detected among TCVN3, VNI and Windows-1258
        (:mod:`ict_gis.io.encodings`). GeoJSON and GeoPackage text is
        always UTF-8.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        The layer, columns as stored (text is not yet normalised). Text
        decoded from a legacy encoding is Unicode NFC, and its columns are
        in ``frame.attrs["converted_columns"]`` (column to encoding).

    Raises
    ------
    LayerReadError
        If the file does not exist or cannot be read, the encoding is
        unknown, or the text cannot be decoded (the message names the
        encodings tried).
    """
    path = Path(path)
    _check_exists(path)
    if encoding is not None:
        encoding = canonical_encoding(encoding)
    _remember_input(path)
    if path.suffix.lower() in TABLE_SUFFIXES:
        return _read_csv(path, encoding)
    try:
        with warnings.catch_warnings():
            # GDAL warns about e.g. a missing .prj; the CRS check reports that.
            warnings.simplefilter("ignore", RuntimeWarning)
            # A GeoJSON property mixing numbers and text is left as text;
            # schema.coerce reports each value it cannot convert.
            warnings.filterwarnings("ignore", "Could not parse column .* as JSON", UserWarning)
            raw_text = _legacy_shapefile(path, encoding, layer)
            extra = {"encoding": "ISO-8859-1"} if raw_text else {}
            frame = pyogrio.read_dataframe(_gdal_path(path), layer=layer, use_arrow=True, **extra)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise unreadable(path, f"cannot read layer {layer or ''}", exc) from exc
    if raw_text:
        frame = _legacy_text(path, frame, encoding, layer)
    if path.suffix.lower() == ".kml":
        frame = _without_kml_fields(frame)
    return frame


#: The fields GDAL's KML driver gives every placemark, with the value meaning
#: "not set" (``None``: only empty); ``Name`` and ``description`` are the
#: author's text and stay.
_KML_FIELDS: dict[str, object] = {
    "id": None, "timestamp": None, "begin": None, "end": None, "altitudeMode": None,
    "tessellate": -1, "extrude": 0, "visibility": -1, "drawOrder": None, "icon": None,
    "snippet": None,
}  # fmt: skip


def _without_kml_fields(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the KML driver's own fields where no placemark sets them (not the author's data)."""
    unset = [
        name
        for name, default in _KML_FIELDS.items()
        if name in frame.columns
        and (frame[name].isna() | (frame[name] == default if default is not None else False)).all()
    ]
    return frame.drop(columns=unset)


def unreadable(path: str | os.PathLike, what: str, exc: Exception) -> LayerReadError:
    """Return the error for a file GDAL could not read: what it seems to be, or why."""
    seems = what_it_seems(Path(path)) if Path(path).is_file() else None
    if seems is not None:
        return LayerReadError(f"{path}: cannot read it as a layer; {seems}")
    return LayerReadError(f"{path}: {what} ({exc}).")


_WEB_PAGE = (
    "it is a web page (HTML), not data: a download that saved an error or login page? "
    "Download the file again."
)
#: What a file seems to be, from its first bytes, and what to do with it.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "it is a PDF document: ask for the layer as GeoJSON, GeoPackage or Shapefile."),
    (
        b"PK\x03\x04",
        "it is a ZIP archive with no Shapefile in it: unzip it and pass the layer file itself.",
    ),
    (
        b"\xd0\xcf\x11\xe0",
        "it is an old Excel or Word file (.xls/.doc): save a station "
        "list as .xlsx or .csv and read it with `ict-gis import sheet`.",
    ),
    (b"<!doctype html", _WEB_PAGE),
    (b"<html", _WEB_PAGE),
    (
        b"<?xml",
        "it is an XML document that GDAL does not know (KML and GML are read): export "
        "the layer as GeoJSON or GeoPackage.",
    ),
)


def _json_error(path: Path, largest: int = 64 * 2**20) -> str | None:
    """Where a (not too large) JSON file stops being JSON, or ``None`` if it is JSON."""
    import json

    if path.stat().st_size > largest:
        return None
    try:
        json.loads(path.read_bytes())
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except json.JSONDecodeError as exc:
        return f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
    return None


def what_it_seems(path: Path) -> str | None:
    """Say in plain words what a file GDAL cannot read seems to be, and what to do.

    Parameters
    ----------
    path
        An existing file.

    Returns
    -------
    str or None
        A sentence, or ``None`` when the first bytes say nothing known.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     page = Path(folder, "districts.geojson")
    ...     _ = page.write_text("<!DOCTYPE html><html>Not found</html>")
    ...     what_it_seems(page).split(":")[0]
    'it is a web page (HTML), not data'
    """
    try:
        with open(path, "rb") as stream:
            head = stream.read(4096)
    except OSError:
        return None
    if not head.strip():
        return "the file is empty."
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for signature, sentence in _SIGNATURES:
        if start[: len(signature)].lower() == signature.lower():
            return sentence
    if start[:1] not in (b"{", b"["):
        return None
    broken = _json_error(path)
    if broken is not None:
        return (
            f"it is not valid JSON ({broken}): a truncated download or an edit by hand? "
            "Download or export it again."
        )
    if b'"Feature' not in head:
        if b'"polygons"' in head and (b'"wards"' in head or b'"provinceId"' in head):
            return (
                "it is a JSON document with polygons as lists of rings (the published 2025 "
                "commune file), not GeoJSON: use the bundled units (--units communes-2025) or "
                "convert it with layers/build_communes_2025.py."
            )
        if b'"level3_id"' in head and b'"splits"' in head:
            return (
                "it is the national crosswalk of the 2025 reform (old units to new), not a "
                "layer: it is bundled with ict_gis and used by --units communes-2025."
            )
        return (
            'it is a JSON document but not GeoJSON (no "type": "FeatureCollection" with '
            "features): export the layer as GeoJSON or GeoPackage."
        )
    return None


def _sidecar_member(path: Path, suffix: str, layer: str | None = None) -> str | None:
    """Return where a Shapefile's ``.dbf`` or ``.cpg`` (``suffix``) is, also in a ZIP.

    For a ``.shp``, the sidecar's path; for a ``.zip``, its member name, of
    the Shapefile named ``layer``, else of the only one in the archive.
    ``None`` when there is no such file (or several Shapefiles and no ``layer``).
    """
    if path.suffix.lower() == ".shp":
        sidecar = path.with_suffix(suffix)
        return str(sidecar) if sidecar.exists() else None
    if path.suffix.lower() != ".zip":
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return None
    shapes = [n for n in names if n.lower().endswith(".shp")]
    if layer is not None:
        shapes = [n for n in shapes if Path(n).stem == layer]
    if len(shapes) != 1:
        return None
    wanted = shapes[0][:-4].lower() + suffix
    return next((n for n in names if n.lower() == wanted), None)


def _shapefile_sidecar(path: Path, suffix: str, layer: str | None = None) -> bytes | None:
    """Return the bytes of a Shapefile's ``.dbf`` or ``.cpg`` (see :func:`_sidecar_member`)."""
    member = _sidecar_member(path, suffix, layer)
    if member is None:
        return None
    if path.suffix.lower() == ".shp":
        return Path(member).read_bytes()
    with zipfile.ZipFile(path) as archive:
        return archive.read(member)


def _declared_encoding(path: Path, layer: str | None = None) -> str | None:
    """Return the encoding a Shapefile's ``.cpg`` names, if it is one of :data:`ENCODINGS`.

    Another code page (``1252``, ``ANSI 1252``...) is not believed: in Viet Nam
    such files mostly hold TCVN3 or VNI text typed with their fonts, so
    their text is detected.
    """
    cpg = _shapefile_sidecar(path, ".cpg", layer)
    if cpg is None:
        return None
    declared = cpg.decode("ascii", errors="replace").strip()
    try:
        encoding = canonical_encoding(declared)
    except LayerReadError:
        return None
    return encoding if encoding in ENCODINGS else None


def _legacy_shapefile(path: Path, encoding: str | None = None, layer: str | None = None) -> bool:
    """Whether a Shapefile's text (also zipped) is decoded here rather than by GDAL.

    Unless its ``.cpg`` says UTF-8 (and no ``encoding`` is given), the
    ``.dbf`` is read byte for byte (as Latin-1, which maps every byte) and
    decoded by :func:`_legacy_text`.
    """
    if _sidecar_member(path, ".dbf", layer) is None:
        return False
    return encoding is not None or _declared_encoding(path, layer) != "utf-8"


def _legacy_text(
    path: Path, frame: pd.DataFrame, encoding: str | None = None, layer: str | None = None
) -> pd.DataFrame:
    """Decode a Shapefile's text ourselves: ``encoding``, else its ``.cpg``'s, else detected.

    GDAL reads a ``.dbf`` without ``.cpg`` as Latin-1 and drops characters of
    Windows-1258 text; the raw bytes are decoded here (TCVN3, VNI,
    Windows-1258 or UTF-8, see :mod:`ict_gis.io.encodings`) to NFC. The
    columns converted and the encoding are recorded in
    ``frame.attrs["converted_columns"]``.
    """
    dbf = _shapefile_sidecar(path, ".dbf", layer)
    if dbf is None:
        return frame
    columns = read_dbf_text(path.with_suffix(".dbf"), dbf)
    samples = [v for values in columns.values() for v in values if v]
    if not samples:
        return frame
    encoding = (
        encoding
        or _declared_encoding(path, layer)
        or detect_encoding(samples, prefer="dbf", source=str(path))
    )
    converted = {}
    for name, values in columns.items():
        if name not in frame.columns or len(values) != len(frame):
            continue
        if all(v.isascii() for v in values) and encoding != "utf-8":
            continue
        try:
            texts = [decode_text(v, encoding) if v else None for v in values]
        except UnicodeDecodeError as exc:
            raise LayerReadError(
                f"{path}: the text of column {name!r} cannot be decoded as "
                f"{ENCODING_NAMES.get(encoding, encoding)} ({exc}). Fix: name its encoding "
                f"with --encoding ({', '.join(ENCODINGS)}), or save the layer in UTF-8."
            ) from exc
        original = [None if pd.isna(v) else v for v in frame[name].tolist()]
        if texts != original:
            frame[name] = pd.Series(texts, index=frame.index, dtype=object)
            converted[name] = encoding
    if converted:
        frame.attrs["converted_columns"] = converted
    return frame


def _gdal_path(path: Path) -> str:
    """Return the path GDAL reads: a ZIP through ``/vsizip/``, into its Shapefiles' folder.

    An archive made by zipping a folder holds its Shapefiles in that folder;
    GDAL looks only at the archive's root unless told the folder.
    """
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            folders = {
                str(Path(n).parent) for n in archive.namelist() if n.lower().endswith(".shp")
            }
    except (OSError, zipfile.BadZipFile):
        folders = set()
    if len(folders) == 1 and (folder := folders.pop()) != ".":
        return f"/vsizip/{path}/{folder}"
    return f"/vsizip/{path}"


def _read_csv(path: Path, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV layer; text in a legacy encoding is decoded (see :func:`decode_file`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot read ({exc}).") from exc
    text, used = decode_file(data, source=str(path), encoding=encoding, prefer="csv")
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LayerReadError(f"{path}: cannot read as CSV ({exc}).") from exc
    table = table.astype(object).where(table != "", None)
    converted = {}
    if used not in ("utf-8", "utf-16"):
        converted = {
            str(name): used
            for name in table.columns
            if not str(name).isascii() or any(not v.isascii() for v in table[name].dropna())
        }
    frame = _csv_layer(table)
    converted = {name: e for name, e in converted.items() if name in frame.columns}
    if converted:
        frame.attrs["converted_columns"] = converted
    return frame


def _csv_layer(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table, as points or geometries when it has coordinates or WKT."""
    lower = {c.lower(): c for c in table.columns}
    lon = next((lower[n] for n in _LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in _LAT_NAMES if n in lower), None)
    wkt = next((lower[n] for n in _WKT_NAMES if n in lower), None)
    if lon and lat:
        x = pd.to_numeric(table[lon], errors="coerce")
        y = pd.to_numeric(table[lat], errors="coerce")
        geometry = shapely.points(x.to_numpy(), y.to_numpy())
        geometry[(x.isna() | y.isna()).to_numpy()] = None
        return gpd.GeoDataFrame(table.drop(columns=[lon, lat]), geometry=geometry, crs="EPSG:4326")
    if wkt:
        texts = table[wkt].to_numpy()
        geometry = shapely.from_wkt(texts, on_invalid="ignore")
        return gpd.GeoDataFrame(table.drop(columns=[wkt]), geometry=geometry, crs="EPSG:4326")
    return table


def _check_output(path: Path) -> None:
    if is_input(path):
        raise LayerWriteError(
            f"{path} was read as an input; refusing to overwrite it. Choose another output path."
        )
    if not path.parent.exists():
        raise LayerWriteError(f"{path.parent}: the output folder does not exist.")


def _atomic_target(path: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # GDAL drivers want to create the file themselves
    return Path(tmp)


def write_layer(
    frame: gpd.GeoDataFrame | pd.DataFrame,
    path: str | os.PathLike,
    *,
    layer: str | None = None,
) -> Path:
    """Write one layer atomically to GeoJSON, GeoPackage or CSV.

    Parameters
    ----------
    frame
        The layer. CSV output writes points as ``lon``/``lat`` columns and
        other geometries as a ``wkt`` column.
    path
        Output file; its suffix chooses the format.
    layer
        Layer name inside a GeoPackage (default: the file's stem).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    LayerWriteError
        If ``path`` was read as an input or its folder does not exist.
    """
    return write_layers({layer or Path(path).stem: frame}, path)


def write_layers(frames: Mapping[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """Write several layers to one GeoPackage (or one layer to GeoJSON/CSV), atomically.

    Parameters
    ----------
    frames
        Layer name to frame; GeoJSON and CSV take exactly one.
    path
        Output file.
    """
    path = Path(path)
    _check_output(path)
    suffix = path.suffix.lower()
    if suffix not in (".gpkg", ".geojson", ".json", ".csv"):
        raise LayerWriteError(
            f"{path}: cannot write {suffix!r} files; use .gpkg, .geojson or .csv."
        )
    if suffix != ".gpkg" and len(frames) != 1:
        raise LayerWriteError(f"{path}: a {suffix} file holds one layer; use .gpkg for several.")
    tmp = _atomic_target(path)
    try:
        for name, frame in frames.items():
            if suffix == ".csv":
                _table_for_csv(frame).to_csv(tmp, index=False, encoding="utf-8")
            elif isinstance(frame, gpd.GeoDataFrame):
                with warnings.catch_warnings():
                    # An empty layer (no sharing group, no hole left) is a
                    # result too: GeoPackage and GeoJSON store it.
                    warnings.filterwarnings("ignore", "You are attempting to write an empty")
                    _for_ogr(frame).to_file(
                        tmp,
                        layer=name,
                        driver="GPKG" if suffix == ".gpkg" else "GeoJSON",
                        engine="fiona",
                        # mode "w" with a new layer name adds the layer to an existing
                        # GeoPackage (fiona's mode "a" only appends to an existing layer).
                        mode="w",
                    )
            else:
                _write_table_to_gpkg(frame, tmp, name)
        os.replace(tmp, path)
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _for_ogr(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dates to ISO text, so every driver stores them the same way."""
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].dt.strftime("%Y-%m-%d").astype(object)
            out[name] = out[name].where(frame[name].notna(), None)
    return out


def _write_table_to_gpkg(frame: pd.DataFrame, path: Path, name: str) -> None:
    table = _for_ogr(gpd.GeoDataFrame(frame.copy()))
    pyogrio.write_dataframe(table, path, layer=name, driver="GPKG", append=path.exists())


def _table_for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        return frame
    geom = frame.geometry
    out = pd.DataFrame(frame.drop(columns=[geom.name]))
    if len(geom) and (geom.geom_type.dropna() == "Point").all():
        out["lon"] = geom.x.round(7)
        out["lat"] = geom.y.round(7)
    else:
        out["wkt"] = shapely.to_wkt(geom.to_numpy(), rounding_precision=7)
    return out


def write_bytes(data: bytes, path: str | os.PathLike) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, then rename).

    Raises
    ------
    LayerWriteError
        If ``path`` was read as an input or its folder does not exist.
    """
    path = Path(path)
    _check_output(path)
    tmp = _atomic_target(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`write_bytes`)."""
    return write_bytes(text.encode("utf-8"), path)


def read_text(path: str | os.PathLike) -> str:
    """Read a UTF-8 text file (a configuration file, for example).

    Raises
    ------
    LayerReadError
        If the file does not exist or is not UTF-8 text.
    """
    path = Path(path)
    _check_exists(path)
    _remember_input(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LayerReadError(f"{path}: cannot read as UTF-8 text ({exc}).") from exc
