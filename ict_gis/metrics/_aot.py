"""The coverage kernels compiled ahead of time, so that a run need not load numba.

Loading numba and its cached kernels costs about 0.45 s at the start of
every process that uses them: most of a short ``ict-gis coverage`` run's
computing time on a country. numba can also compile the same functions
(:mod:`ict_gis.metrics._numba`) into an ordinary Python extension module,
which imports in a millisecond and needs no numba at all.

That module is built on this machine (numba and a C compiler are needed,
about 15 s), once per version of the kernels' source, by
``python -m ict_gis.metrics._aot DIR``; :func:`start_build` runs that in
the background (``ict-gis coverage`` does, so the next runs are quicker)
and :func:`load` imports the module when it exists. It lives next to
numba's own cache (``ict_gis/metrics/__pycache__``, or the user's cache
folder when that is not writable), named after a hash of the source. If it
cannot be built, the numba kernels (or numpy) are used: the results are the
same, which the tests check. A failed build leaves a ``.failed`` file with
the reason next to where the module would be, and is not tried again until
that file is deleted. ``ICT_GIS_AOT=0`` in the environment switches the
compiled module off (neither built nor loaded).

The module holds the exact mode's kernels, the fast mode's scan lines and
the points-in-polygons test of :func:`ict_gis.geometry.polygon_positions`;
like the JIT kernels (``nogil=True``) they release the GIL while they run,
so that threads can share the work.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from types import ModuleType

__all__ = ["build", "import_module", "kernels", "load", "module_path", "start_build"]

#: Changes to how the module is built (the signatures below) change its name,
#: as do changes to the kernels' source and to numpy's version (its C API).
BUILD_VERSION = "3"
#: A build that started longer ago than this (s) and left its lock is dead.
STALE_LOCK_S = 600.0

_SOURCE = Path(__file__).with_name("_numba.py")
_LOADED: list[ModuleType | None] = []
_BUILDS: list[subprocess.Popen] = []


def _key() -> str:
    """Hash of what the module depends on: the kernels' source and numpy's version."""
    import numpy

    depends = f"{BUILD_VERSION} numpy {numpy.__version__}".encode()
    return hashlib.sha256(_SOURCE.read_bytes() + depends).hexdigest()[:16]


def module_name() -> str:
    """Return the extension module's name (it includes the source's hash)."""
    return f"ict_gis_kernels_{_key()}"


def _cache_dir() -> Path:
    """``__pycache__`` next to the kernels' source when writable, else the user's cache."""
    local = _SOURCE.parent / "__pycache__"
    with contextlib.suppress(OSError):
        local.mkdir(exist_ok=True)
    if os.access(local, os.W_OK):
        return local
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "ict_gis"


def module_path(folder: Path | None = None) -> Path:
    """Return where the compiled module is (or would be) for the current source."""
    folder = folder or _cache_dir()
    return folder / f"{module_name()}{sysconfig.get_config_var('EXT_SUFFIX')}"


def load() -> ModuleType | None:
    """Import the compiled kernels if they have been built, else return ``None``."""
    if os.environ.get("ICT_GIS_AOT", "1") == "0":
        return None
    if not _LOADED:
        path = module_path()
        _LOADED.append(import_module(path) if path.exists() else None)
    return _LOADED[0]


def kernels() -> ModuleType | None:
    """Return the kernels: compiled ahead of time if built, else numba's, else ``None``.

    Either way a module with the functions of :mod:`ict_gis.metrics._numba`
    that are exported (``uncovered_arcs``, ``edge_disk_intervals``,
    ``scan_chords``, ``scan_cover``); ``None`` without numba.
    """
    compiled = load()
    if compiled is not None:
        return compiled
    try:
        from ict_gis.metrics import _numba
    except ImportError:
        return None
    return _numba


def import_module(path: Path) -> ModuleType | None:
    """Import the compiled module at ``path`` (``None`` if it cannot be imported)."""
    try:
        loader = importlib.machinery.ExtensionFileLoader(module_name(), str(path))
        spec = importlib.util.spec_from_file_location(module_name(), path, loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
    except (ImportError, OSError):
        return None
    return module


def start_build() -> bool:
    """Build the compiled kernels in a background process, unless built, failed or building.

    Needs numba (``pip install 'ict_gis[fast]'``) and a C compiler; does
    nothing without numba, or when ``ICT_GIS_AOT=0``. Returns whether a
    build was started.
    """
    if os.environ.get("ICT_GIS_AOT", "1") == "0" or importlib.util.find_spec("numba") is None:
        return False
    path = module_path()
    failed = path.with_suffix(".failed")
    if path.exists() or failed.exists() or _locked(path.with_suffix(".lock")):
        return False
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "ict_gis.metrics._aot", str(path.parent)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    _BUILDS.append(process)  # it outlives this process if need be; keep the handle meanwhile
    return True


def _locked(lock: Path) -> bool:
    try:
        return time.time() - lock.stat().st_mtime < STALE_LOCK_S
    except OSError:
        return False


def build(folder: Path) -> Path:
    """Compile the kernels into ``folder`` (atomically) and return the module's path.

    Raises whatever numba or the compiler raise.
    """
    import tempfile
    import warnings

    folder.mkdir(parents=True, exist_ok=True)
    target = module_path(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba.pycc is marked for deprecation
        from numba import types
        from numba.pycc import CC
        from numba.pycc import compiler as pycc_compiler

        from ict_gis.metrics import _numba

        f8 = types.float64[:]
        i8 = types.int64[:]
        grid = types.Tuple(
            (
                types.float64,
                types.float64,
                types.float64,
                types.int64,
                types.int64,
                types.float64,
                i8,
                i8,
            )
        )
        # Like the JIT kernels (nogil=True), the exported ones release the GIL
        # while they run (they touch no Python object), so that threads can
        # share the work; numba.pycc has no option for it, only the flag.
        plain_flags = pycc_compiler.Flags

        def releasing_flags():
            flags = plain_flags()
            flags.release_gil = True
            return flags

        pycc_compiler.Flags = releasing_flags
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            cc = CC(module_name())
            cc.output_dir = tmp
            cc.verbose = False
            cc.export(
                "uncovered_arcs",
                types.Tuple((i8, f8, f8))(
                    f8, f8, f8, i8, types.boolean[:], types.boolean, grid, types.int64, types.int64
                ),
            )(_numba.uncovered_arcs.py_func)
            cc.export(
                "edge_disk_intervals",
                types.Tuple((i8, i8, f8, f8, i8, i8, f8, i8, f8, f8))(
                    f8, f8, f8, f8, f8, f8, f8, grid
                ),
            )(_numba.edge_disk_intervals.py_func)
            cc.export(
                "scan_chords",
                types.Tuple((i8, i8, f8, f8, i8))(
                    f8, f8, f8, f8, f8, i8,  # the footprints
                    types.float64[:, :], f8, i8, i8, types.float64,  # the families of lines
                    types.int64, types.int64, types.int64,  # sub-lines, lines to do
                ),
            )(_numba.scan_chords.py_func)  # fmt: skip
            flag = types.boolean
            cc.export(
                "scan_cover",
                types.Tuple((f8, types.float64[:, :], f8, f8))(
                    i8, i8, f8, f8, i8,  # the chords, line by line
                    f8, f8, f8, f8, i8, i8, i8,  # edges, their parts, the parts' units, families
                    f8, f8, f8, i8, i8, types.float64,  # the families of lines, width
                    types.int64, types.int64, flag, flag, flag, types.int64, types.int64,
                ),
            )(_numba.scan_cover.py_func)  # fmt: skip
            cc.export(
                "points_in_polygons",
                i8(f8, f8, types.float64[:, :], i8, f8, f8, f8, f8),
            )(_numba.points_in_polygons.py_func)
            try:
                cc.compile()
            finally:
                pycc_compiler.Flags = plain_flags
            built = Path(tmp) / target.name
            os.replace(built, target)
    # Modules and markers of older versions of the kernels are of no more use.
    for old in folder.glob("ict_gis_kernels_*"):
        if not old.name.startswith(module_name()):
            old.unlink(missing_ok=True)
    return target


def _main(folder: Path) -> int:
    """Build with a lock; on failure leave a ``.failed`` marker so that no one retries."""
    target = module_path(folder)
    lock = target.with_suffix(".lock")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        if _locked(lock):
            return 0
        lock.unlink(missing_ok=True)
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    os.close(fd)
    try:
        build(folder)
    except Exception as exc:  # noqa: BLE001 - any failure: fall back to the numba kernels
        target.with_suffix(".failed").write_text(f"{type(exc).__name__}: {exc}\n")
        return 1
    finally:
        lock.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(Path(sys.argv[1])))
