"""PostGIS as the shared layer store, against a real PostgreSQL server with PostGIS.

The server is Debian's (``tests/install-postgis.sh`` installs ``postgresql``
and ``postgis``): a session fixture makes a cluster with ``initdb`` in a
temporary folder (as the ``postgres`` user when the tests run as root),
starts it with ``pg_ctl`` on a free loopback port, and stops it afterwards.
Without PostgreSQL and PostGIS the tests are skipped, except when the
environment variable CI is "true", where that is a failure.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from ict_gis.cli.main import cli
from ict_gis.errors import LayerReadError, LayerWriteError
from ict_gis.io import postgis
from ict_gis.layerset import bundled_path, read_layers

pytestmark = pytest.mark.timeout(300)

IN_CI = os.environ.get("CI", "").lower() == "true"


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true and {reason} (tests/install-postgis.sh installs it).")
    pytest.skip(reason)


def _bin_dir() -> Path | None:
    """The newest PostgreSQL server whose PostGIS extension is installed."""
    found = []
    for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        version = Path(initdb).parents[1].name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            found.append((int(version) if version.isdigit() else 0, Path(initdb).parent))
    return max(found)[1] if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A PostgreSQL cluster in a temporary folder, on a loopback port."""

    def __init__(self, bin_dir: Path, folder: Path, port: int, user: str | None):
        self.bin_dir, self.folder, self.port, self.user = bin_dir, folder, port, user
        self.data = folder / "data"

    def run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)

    def url(self, database: str = "ict", *rest: str) -> str:
        return "/".join([f"postgresql://postgres@127.0.0.1:{self.port}/{database}", *rest])

    def psql(self, sql: str, database: str = "ict") -> str:
        result = self.run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
            "-At", "-v", "ON_ERROR_STOP=1", "-c", sql,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        _missing("PostgreSQL with the PostGIS extension is not installed")
    user = None
    if os.geteuid() == 0:  # initdb refuses root: run the server as Debian's postgres user
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _missing("there is no 'postgres' user to run the server as")
        user = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="ict-gis-postgis-"))
    os.chmod(folder, 0o755)
    if user is not None:
        shutil.chown(folder, user=user)
    srv = Server(bin_dir, folder, _free_port(), user)
    started = False
    try:
        result = srv.run(
            "initdb", "-D", str(srv.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        options = f"-h 127.0.0.1 -p {srv.port} -k {folder} -c fsync=off"
        result = srv.run(
            "pg_ctl", "-D", str(srv.data), "-l", str(folder / "log"), "-o", options, "-w", "start"
        )
        assert result.returncode == 0, result.stdout + result.stderr
        started = True
        srv.psql("CREATE DATABASE ict", database="postgres")
        srv.psql("CREATE EXTENSION postgis")
        yield srv
    finally:
        if started:
            srv.run("pg_ctl", "-D", str(srv.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _report(*args: str) -> str:
    result = CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


# ----------------------------------------------------------------------------- URLs (no server)


def test_urls_are_told_from_paths_and_split():
    assert postgis.is_url("postgresql://u@h:5432/db") and postgis.is_url("postgres://h/db")
    assert not postgis.is_url("layers/postgresql") and not postgis.is_url(Path("x.gpkg"))
    where = postgis.parse_url("postgresql://u:secret@h:5433/db/store")
    assert (where.schema, where.table) == ("store", None)
    assert where.database == "postgresql+psycopg://u:secret@h:5433/db"
    assert "secret" not in where.shown and where.shown == "postgresql://u@h:5433/db/store"
    assert postgis.parse_url("postgresql://h/db").schema == "public"
    out = postgis.parse_url("postgresql://h/db/results/cov_2024", table=True)
    assert (out.schema, out.table) == ("results", "cov_2024")
    assert postgis.parse_url("postgresql://h/db/cov", table=True).schema == "public"


@pytest.mark.parametrize(
    "url", ["postgresql://h", "postgresql://h/db/a/b", 'postgresql://h/db/bad"name']
)
def test_bad_urls_are_refused_with_the_form(url):
    with pytest.raises(LayerReadError, match="postgresql://|letters"):
        postgis.parse_url(url)


def test_password_never_shown_in_messages():
    with pytest.raises(LayerReadError) as info:
        postgis.parse_url("postgresql://u:hunter2@h/db/a/b")
    assert "hunter2" not in str(info.value)


def test_export_to_a_geopackage_reads_back_the_same(tmp_path):
    out = tmp_path / "copy.gpkg"
    result = CliRunner().invoke(cli, ["export", str(bundled_path()), str(out)])
    assert result.exit_code == 0, result.output
    from_copy = _report(str(out), "--year", "2024", "--format", "json")
    assert json.loads(from_copy) == json.loads(_report("--year", "2024", "--format", "json"))
    again = CliRunner().invoke(cli, ["export", str(bundled_path()), str(out)])
    assert again.exit_code == 2 and "--replace" in again.output
    wrong = CliRunner().invoke(cli, ["export", str(bundled_path()), str(tmp_path / "x.shp")])
    assert wrong.exit_code == 2 and "postgresql://" in wrong.output


# ----------------------------------------------------------------------------- real server


def test_export_then_report_gives_the_same_figures(server, tmp_path):
    url = server.url("ict", "namdinh")
    result = CliRunner().invoke(cli, ["export", str(bundled_path()), url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    tables = server.psql(
        "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables "
        "WHERE table_schema = 'namdinh'"
    ).split(",")
    assert {"bts_stations", "districts", "sites_5g", "subscribers"} <= set(tables)
    # The stations are PostGIS points in lon/lat, one row per feature of the file.
    stations = gpd.read_file(bundled_path() / "bts_stations.geojson")
    count, srid, kind = server.psql(
        "SELECT count(*), max(ST_SRID(geometry)), max(GeometryType(geometry)) "
        "FROM namdinh.bts_stations"
    ).split("|")
    assert (int(count), int(srid), kind) == (len(stations), 4326, "POINT")

    from_files = _report("--year", "2024", "--format", "json")
    from_db = _report(url, "--year", "2024", "--format", "json")
    assert json.loads(from_db) == json.loads(from_files)
    # One figure by hand from the bundled data (as in test_cli_report).
    assert "tắt sóng 161/788 trạm 2G" in _report(url, "--year", "2024")


def test_every_command_reads_the_store(server):
    url = server.url("ict", "namdinh_cmds")
    postgis.write_layers(
        {k: v for k, v in read_layers(bundled_path()).items()}, url
    )  # typed frames
    layers = read_layers(url)
    files = read_layers(bundled_path())
    assert set(layers) == set(files)
    for kind in files:
        assert len(layers[kind]) == len(files[kind]), kind
    assert layers.source == url  # no password in it to hide
    commands = (["validate"], ["info"], ["progress", "switch-off"], ["coverage", "--tech", "2G"])
    for command in commands:
        from_files = CliRunner().invoke(cli, command)
        from_db = CliRunner().invoke(cli, [*command, url])
        assert from_db.exit_code == 0, (command, from_db.output)
        if command[0] != "info":  # info names the source
            assert from_db.output == from_files.output, command


def test_coverage_written_back_to_a_table(server):
    url = server.url("ict", "cov_in")
    postgis.write_layers(dict(read_layers(bundled_path()).items()), url)
    out = server.url("ict", "results", "coverage_4g")
    args = ["coverage", url, "--tech", "4G", "--operator", "any", "--as-of", "2024-12-31"]
    result = CliRunner().invoke(cli, [*args, "--format", "csv"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    expected = pd.read_csv(__import__("io").StringIO(result.output))
    result = CliRunner().invoke(cli, [*args, "-o", out], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = server.psql("SELECT count(*) FROM results.coverage_4g")
    assert int(rows) == len(expected)
    total = server.psql("SELECT covered_km2 FROM results.coverage_4g WHERE code = 'total'")
    csv_total = expected.loc[expected.iloc[:, 0].astype(str) == "total"].iloc[0]
    assert float(total) == pytest.approx(
        float(
            csv_total.iloc[
                list(expected.columns).index(
                    next(c for c in expected.columns if "km" in c and "cover" in c.lower())
                )
            ]
        ),
        rel=1e-6,
    )
    # A second write to the same table needs --replace.
    result = CliRunner().invoke(cli, [*args, "-o", out])
    assert result.exit_code != 0 and "exist" in result.output


def test_invalid_layers_in_the_store_are_reported_like_files(server):
    url = server.url("ict", "broken")
    stations = read_layers(bundled_path())["bts_stations"].head(5).copy()
    stations.loc[stations.index[0], "geometry"] = shapely.Point(200.0, 20.0)  # off the globe
    postgis.write_layers({"bts_stations": stations}, url)
    result = CliRunner().invoke(cli, ["validate", url])
    assert result.exit_code != 0
    assert "bts_stations" in result.output


def test_a_table_read_is_never_overwritten(server):
    url = server.url("ict", "guarded")
    postgis.write_layers({"districts": read_layers(bundled_path())["districts"]}, url)
    read_layers(url)
    with pytest.raises(LayerWriteError, match="read as an input"):
        postgis.write_layers({"districts": gpd.GeoDataFrame()}, url, replace=True)


def test_a_failed_write_leaves_the_schema_as_it_was(server):
    url = server.url("ict", "atomic")
    good = read_layers(bundled_path())["districts"]
    no_crs = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)])  # no CRS: refused
    with pytest.raises(LayerWriteError):
        postgis.write_layers({"districts": good, "cable_routes": no_crs}, url)
    assert server.psql("SELECT count(*) FROM information_schema.schemata "
                       "WHERE schema_name = 'atomic'") == "0"  # fmt: skip


def test_unreachable_server_and_missing_schema_are_clear_errors(server):
    with pytest.raises(LayerReadError, match="no schema 'nothing_here'"):
        read_layers(server.url("ict", "nothing_here"))
    closed = f"postgresql://postgres@127.0.0.1:{_free_port()}/ict"
    with pytest.raises(LayerReadError, match="127.0.0.1"):
        read_layers(closed)
    result = CliRunner().invoke(cli, ["report", closed])
    assert result.exit_code != 0 and "Traceback" not in result.output
