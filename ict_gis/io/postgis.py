"""PostGIS as a shared layer store: read a layer set from a schema, write one into it.

A store is named by a URL::

    postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[/SCHEMA]

whose schema (``public`` when omitted) holds one table per layer kind
(``bts_stations``, ``districts``, ...): tables with a geometry column are read
as GeoDataFrames (the column is renamed ``geometry``), the others as plain
tables. An output table is named by one more part:
``postgresql://…/DATABASE/SCHEMA/TABLE``.

Reading and writing go through SQLAlchemy and psycopg (the ``postgis`` extra:
``pip install 'ict_gis[postgis]'``), imported on first use. Every write runs in
one transaction (PostgreSQL's DDL is transactional): a failed write leaves the
schema as it was. No write may replace a table this process has read.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from ict_gis.errors import LayerReadError, LayerWriteError

#: URL schemes of a PostGIS store.
SCHEMES: tuple[str, ...] = ("postgresql", "postgres", "postgresql+psycopg")
#: The pip extra that installs the database drivers.
EXTRA = "postgis"

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
#: Tables read by this process, as (database URL without password, schema, table).
_inputs: set[tuple[str, str, str]] = set()


def is_url(value: object) -> bool:
    """Whether ``value`` is a PostGIS store URL (``postgresql://...``)."""
    if not isinstance(value, str):
        return False
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    return scheme in SCHEMES


@dataclass(frozen=True)
class Location:
    """Where a URL points: the database, the schema and (for an output) the table.

    Attributes
    ----------
    database
        The SQLAlchemy URL of the database (``postgresql+psycopg://...``).
    schema
        Schema name.
    table
        Table name, or ``None`` for a layer set.
    """

    database: str
    schema: str
    table: str | None

    @property
    def shown(self) -> str:
        """The URL without its password, for messages."""
        parts = urllib.parse.urlsplit(self.database)
        netloc = parts.netloc
        if "@" in netloc:
            user, host = netloc.rsplit("@", 1)
            netloc = f"{user.split(':', 1)[0]}@{host}"
        path = f"{parts.path}/{self.schema}" + (f"/{self.table}" if self.table else "")
        return urllib.parse.urlunsplit(("postgresql", netloc, path, parts.query, ""))


def parse_url(url: str, *, table: bool = False) -> Location:
    """Split a store URL into database, schema and table.

    Parameters
    ----------
    url
        ``postgresql://USER@HOST:PORT/DATABASE[/SCHEMA]`` (a layer set), or
        with ``table``, ``postgresql://…/DATABASE[/SCHEMA]/TABLE``.
    table
        Whether the URL names a table (an output) rather than a schema.

    Raises
    ------
    LayerReadError
        If the URL is not a PostGIS URL or names no database, or a schema or
        table name is not a plain SQL name (letters, digits, ``_``).
    """
    if not is_url(url):
        raise LayerReadError(f"{url!r} is not a postgresql:// URL.")
    parts = urllib.parse.urlsplit(url)
    path = [p for p in parts.path.split("/") if p]
    most = 3 if table else 2
    least = 2 if table else 1
    if not least <= len(path) <= most:
        form = "DATABASE[/SCHEMA]/TABLE" if table else "DATABASE[/SCHEMA]"
        raise LayerReadError(
            f"{_hide_password(url)}: write the URL as postgresql://USER@HOST:PORT/{form}."
        )
    database, rest = path[0], path[1:]
    name = rest.pop() if table else None
    schema = rest[0] if rest else "public"
    for label, value in (("schema", schema), ("table", name)):
        if value is not None and not _NAME.match(value):
            raise LayerReadError(
                f"{_hide_password(url)}: {label} name {value!r} must be letters, digits and _, "
                "not starting with a digit (at most 63)."
            )
    db_url = urllib.parse.urlunsplit(
        ("postgresql+psycopg", parts.netloc, f"/{database}", parts.query, "")
    )
    return Location(db_url, schema, name)


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def _sqlalchemy():
    try:
        import sqlalchemy
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise LayerReadError(
            f"Reading or writing PostGIS needs the {EXTRA!r} extra: pip install 'ict_gis[{EXTRA}]'."
        ) from None
    return sqlalchemy


def _engine(location: Location):
    sa = _sqlalchemy()
    try:
        return sa.create_engine(location.database, poolclass=sa.pool.NullPool)
    except (ImportError, sa.exc.ArgumentError) as exc:
        raise LayerReadError(
            f"{location.shown}: cannot connect ({exc}); the {EXTRA!r} extra installs the driver."
        ) from exc


def _connect_error(location: Location, exc: Exception, error: type) -> Exception:
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return error(f"{location.shown}: {detail[0] if detail else type(exc).__name__}")


def list_tables(url: str) -> list[str]:
    """Names of the tables in the store's schema, sorted.

    Raises
    ------
    LayerReadError
        If the database cannot be reached or the schema does not exist.
    """
    location = parse_url(url)
    sa = _sqlalchemy()
    engine = _engine(location)
    try:
        with engine.connect() as con:
            if not _schema_exists(con, location.schema):
                raise LayerReadError(f"{location.shown}: no schema {location.schema!r}.")
            return sorted(sa.inspect(con).get_table_names(schema=location.schema))
    except sa.exc.SQLAlchemyError as exc:
        raise _connect_error(location, exc, LayerReadError) from exc
    finally:
        engine.dispose()


def _schema_exists(con, schema: str) -> bool:
    sa = _sqlalchemy()
    query = sa.text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s")
    return con.execute(query, {"s": schema}).first() is not None


def _geometry_columns(con, schema: str) -> dict[str, str]:
    """Table -> its (first) geometry column, from PostGIS's ``geometry_columns`` view."""
    sa = _sqlalchemy()
    query = sa.text(
        "SELECT f_table_name, f_geometry_column FROM geometry_columns "
        "WHERE f_table_schema = :s ORDER BY f_table_name, f_geometry_column"
    )
    found: dict[str, str] = {}
    for table, column in con.execute(query, {"s": schema}):
        found.setdefault(table, column)
    return found


def read_layers(url: str, kinds: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Read the tables named after layer kinds from the store's schema.

    Parameters
    ----------
    url
        ``postgresql://USER@HOST:PORT/DATABASE[/SCHEMA]``.
    kinds
        The layer kinds to look for; other tables are left alone.

    Returns
    -------
    dict
        Kind to frame, columns as stored (the geometry column named
        ``geometry``), in the order of ``kinds``.

    Raises
    ------
    LayerReadError
        If the database cannot be reached, the schema does not exist, or it
        holds no table named after a kind.
    """
    location = parse_url(url)
    sa = _sqlalchemy()
    engine = _engine(location)
    frames: dict[str, pd.DataFrame] = {}
    try:
        with engine.connect() as con:
            if not _schema_exists(con, location.schema):
                raise LayerReadError(f"{location.shown}: no schema {location.schema!r}.")
            tables = set(sa.inspect(con).get_table_names(schema=location.schema))
            geometry = _geometry_columns(con, location.schema)
            for kind in kinds:
                if kind in tables:
                    frames[kind] = _read_table(con, location.schema, kind, geometry.get(kind))
                    _inputs.add((_database_key(location), location.schema, kind))
    except sa.exc.SQLAlchemyError as exc:
        raise _connect_error(location, exc, LayerReadError) from exc
    finally:
        engine.dispose()
    if not frames:
        raise LayerReadError(
            f"{location.shown}: no table is named after a layer kind ({', '.join(kinds)})."
        )
    return frames


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_table(con, schema: str, table: str, geom: str | None) -> pd.DataFrame:
    sa = _sqlalchemy()
    name = f"{_quote(schema)}.{_quote(table)}"
    if geom is None:
        frame = pd.read_sql_query(sa.text(f"SELECT * FROM {name}"), con)
        return frame.astype(object).where(frame.notna(), None) if len(frame.columns) else frame
    frame = gpd.read_postgis(sa.text(f"SELECT * FROM {name}"), con, geom_col=geom)
    if geom != "geometry":
        frame = frame.rename_geometry("geometry")
    return frame


def _database_key(location: Location) -> str:
    parts = urllib.parse.urlsplit(location.database)
    host = parts.netloc.rsplit("@", 1)[-1]
    return f"{host}{parts.path}"


def is_input(url: str) -> bool:
    """Whether the table ``url`` names (``…/DATABASE[/SCHEMA]/TABLE``) was read by this process."""
    location = parse_url(url, table=True)
    return (_database_key(location), location.schema, location.table or "") in _inputs


def write_layers(
    frames: Mapping[str, pd.DataFrame], url: str, *, replace: bool = False
) -> list[str]:
    """Write layers into the store's schema, one table per name, in one transaction.

    Parameters
    ----------
    frames
        Table name (a layer kind) to frame; GeoDataFrames get a PostGIS
        geometry column ``geometry`` with their CRS's SRID and a GiST index.
    url
        ``postgresql://USER@HOST:PORT/DATABASE[/SCHEMA]``; the schema is
        created when missing.
    replace
        Replace tables that exist already (otherwise that is an error).

    Returns
    -------
    list of str
        The tables written.

    Raises
    ------
    LayerWriteError
        If the database cannot be reached, a table exists (without
        ``replace``) or was read by this process, or a frame cannot be stored.
    """
    location = parse_url(url)
    return _write(frames, location, replace=replace)


def write_table(frame: pd.DataFrame, url: str, *, replace: bool = False) -> str:
    """Write one frame to the table ``url`` names (``…/DATABASE[/SCHEMA]/TABLE``).

    Parameters
    ----------
    frame
        A DataFrame (its index is written as columns when named) or a
        GeoDataFrame.
    url
        The table's URL; the schema is created when missing.
    replace
        Replace the table if it exists (otherwise that is an error).

    Returns
    -------
    str
        The URL written, without its password.

    Raises
    ------
    LayerWriteError
        As :func:`write_layers`.
    """
    try:
        location = parse_url(url, table=True)
    except LayerReadError as exc:
        raise LayerWriteError(str(exc)) from None
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    _write({location.table or "": frame}, location, replace=replace)
    return location.shown


def _write(frames: Mapping[str, pd.DataFrame], location: Location, *, replace: bool) -> list[str]:
    sa = _sqlalchemy()
    key = _database_key(location)
    for name in frames:
        if not _NAME.match(name):
            raise LayerWriteError(f"{location.shown}: {name!r} is not a usable table name.")
        if (key, location.schema, name) in _inputs:
            raise LayerWriteError(
                f"{location.shown}: table {location.schema}.{name} was read as an input; "
                "refusing to overwrite it. Choose another schema or table."
            )
    engine = _engine(location)
    try:
        with engine.begin() as con:
            con.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {_quote(location.schema)}"))
            existing = set(sa.inspect(con).get_table_names(schema=location.schema))
            clash = sorted(set(frames) & existing)
            if clash and not replace:
                raise LayerWriteError(
                    f"{location.shown}: table(s) {', '.join(clash)} exist already in schema "
                    f"{location.schema!r}; replace them explicitly (--replace) or choose "
                    "another schema."
                )
            for name, frame in frames.items():
                if name in existing:
                    con.execute(sa.text(f"DROP TABLE {_quote(location.schema)}.{_quote(name)}"))
                _write_one(con, frame, location.schema, name)
    except sa.exc.SQLAlchemyError as exc:
        raise _connect_error(location, exc, LayerWriteError) from exc
    except ValueError as exc:  # e.g. a geometry without CRS
        raise LayerWriteError(f"{location.shown}: cannot write ({exc}).") from exc
    finally:
        engine.dispose()
    return list(frames)


def _write_one(con, frame: pd.DataFrame, schema: str, name: str) -> None:
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        geo = frame
        if geo.crs is None or geo.crs.to_epsg() is None:
            raise LayerWriteError(
                f"{schema}.{name}: the layer has no CRS with an EPSG code "
                f"({geo.crs.name if geo.crs else 'none'}); PostGIS stores an SRID per geometry."
            )
        if geo.geometry.name != "geometry":
            geo = geo.rename_geometry("geometry")
        # GeoAlchemy2 adds a GiST index on the geometry column.
        geo.to_postgis(name, con, schema=schema, index=False)
    else:
        pd.DataFrame(frame).to_sql(name, con, schema=schema, index=False)
