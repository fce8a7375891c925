"""Shared test settings, and the browser fixtures (Debian's chromium driven by Playwright).

The browser is `/usr/bin/chromium` (installed by `tests/install-chromium.sh`),
never one downloaded by `playwright install`. Without it the browser tests
are skipped, except when the environment variable CI is "true", where a
missing browser fails them.

Tests write only to temporary folders. In a git checkout, a run that changed
the work tree (a tracked file modified or deleted, or a new file, ignored or
not, outside caches and the virtualenv) fails, listing what changed.
``tests/data/`` holds fixtures and the scripts that made them: it is not
collected (importing a script must never run it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Fixtures and the scripts that wrote them: never imported by the doctest collection.
collect_ignore_glob = ["data/*"]

#: Paths a test run may create or change: caches (Python's and numba's
#: ``__pycache__``, pytest's, ruff's), the virtualenv and the package metadata.
_SCRATCH = ("__pycache__", ".pytest_cache", ".ruff_cache", ".venv")

_WORK_TREE = pytest.StashKey[dict[str, str] | None]()


def _git_status(git: str, *options: str) -> list[tuple[str, str]] | None:
    result = subprocess.run(
        [git, "status", "--porcelain=v1", "-z", *options],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        return None
    entries = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [(entry[:2], entry[3:]) for entry in entries if len(entry) > 3]


def _work_tree() -> dict[str, str] | None:
    """Every changed, new or ignored path of the checkout, with a digest of its content.

    Tracked and untracked files are listed one by one; ignored ones by their
    top folder (``out/``), so a new ignored file or folder is seen, though not
    a change inside an ignored folder that was already there. None when the
    tests do not run in a git checkout (or git is missing).
    """
    git = shutil.which("git")
    if git is None:
        return None
    changed = _git_status(git, "--untracked-files=all")
    ignored = _git_status(git, "--ignored=traditional", "--untracked-files=normal")
    if changed is None or ignored is None:
        return None
    state = {}
    for status, path in changed + [(s, p) for s, p in ignored if s == "!!"]:
        parts = Path(path).parts
        if any(p in _SCRATCH or p.endswith(".egg-info") for p in parts):
            continue
        file = ROOT / path
        digest = hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else "-"
        state[path] = f"{status} {digest}"
    return state


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_WORK_TREE] = _work_tree()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before = session.config.stash.get(_WORK_TREE, None)
    after = _work_tree() if before is not None else None
    if before is None or after is None or after == before:
        return
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [
        "The test run changed the work tree (tests must write only to temporary folders):",
        *(f"  {after.get(p, 'restored').split()[0]:>8} {p}" for p in changed),
    ]
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_sep("=", "work tree changed", red=True)
        for line in lines:
            reporter.write_line(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"{reason}; CI=true, so the browser tests must run (tests/install-chromium.sh)."
        )
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium for the whole session."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Debian's chromium is not installed ({CHROMIUM})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        _unavailable(f"{CHROMIUM} does not start: {exc}")
    yield browser
    browser.close()
    playwright.stop()


@dataclass
class PageLog:
    """What a page did: every request, console message, page error and dialog."""

    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def console_errors(self) -> list[str]:
        """Console messages of type error, and uncaught exceptions."""
        return [text for kind, text in self.console if kind == "error"] + self.errors


@pytest.fixture
def open_map(chromium):
    """Open an HTML map from disk with the network off; return ``(page, log)``.

    Every request is recorded; any request not to ``file:`` (or ``data:``)
    is aborted, and the context is offline as well. Dialogs (``alert``) are
    recorded and dismissed.
    """
    contexts = []

    def _open(path: Path, *, width: int = 1280, height: int = 800, wait: bool = True):
        context = chromium.new_context(
            viewport={"width": width, "height": height}, service_workers="block"
        )
        contexts.append(context)
        context.set_offline(True)
        log = PageLog()

        def route(route):
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            else:
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda request: log.requests.append(request.url))
        page.on("console", lambda msg: log.console.append((msg.type, msg.text)))
        page.on("pageerror", lambda exc: log.errors.append(str(exc)))

        def on_dialog(dialog):
            log.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(path.resolve().as_uri())
        if wait:
            page.wait_for_function("window.ictMap !== undefined", timeout=30_000)
        return page, log

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def legacy_shapefile(tmp_path):
    """Write ``bts_stations.shp`` whose first name is these raw (legacy) bytes.

    Returns ``write(raw, cpg, also=("BTS",))``: the names are ``raw`` then
    ``also`` (plain ASCII), one point each; the .dbf holds exactly the
    bytes (written as Latin-1); a .cpg with ``cpg`` unless it is ``None``.
    """
    import geopandas as gpd
    from shapely.geometry import Point

    def write(raw: bytes, cpg: str | None, also: tuple[str, ...] = ("BTS",)):
        names = [raw.decode("latin-1"), *also]
        frame = gpd.GeoDataFrame(
            {"name": names},
            geometry=[Point(106.2 + 0.1 * k, 20.4) for k in range(len(names))],
            crs=4326,
        )
        path = tmp_path / "bts_stations.shp"
        frame.to_file(path, encoding="ISO-8859-1")
        path.with_suffix(".cpg").unlink(missing_ok=True)
        if cpg is not None:
            path.with_suffix(".cpg").write_text(cpg)
        return path

    return write


@pytest.fixture
def loopback_cluster():
    """A dask ``LocalCluster`` of 2 one-thread workers on loopback TCP, closed afterwards."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=":0",
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        yield cluster
