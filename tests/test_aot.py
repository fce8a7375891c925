"""The exact mode's kernels compiled ahead of time: built, loaded, and equal to numba's."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest
import shapely

from ict_gis.metrics import _aot, _disks

pytest.importorskip("numba")


def random_case(seed: int):
    """Three square units with a hole, 300 disks of three groups over them."""
    rng = np.random.default_rng(seed)
    units = np.array(
        [
            shapely.box(0, 0, 5000, 5000).difference(shapely.box(2000, 2000, 3000, 3000)),
            shapely.box(5000, 0, 10_000, 5000),
            shapely.box(0, 5000, 10_000, 9000),
        ],
        dtype=object,
    )
    n = 300
    x = rng.uniform(-500, 10_500, n)
    y = rng.uniform(-500, 9500, n)
    r = rng.uniform(200, 1500, n)
    group = rng.integers(0, 3, n)
    x[:5], y[:5], r[:5] = x[5:10], y[5:10], r[5:10]  # identical disks, too
    centre = np.full(n, -1, dtype=np.int64)
    for u, unit in enumerate(units):
        inside = shapely.contains_xy(unit, x, y) & (centre < 0)
        centre[inside] = u
    return units, x, y, r, group, centre


def areas(case, kernels, monkeypatch):
    monkeypatch.setattr(_disks, "_kernels", lambda: kernels)
    units, x, y, r, group, centre = case
    return _disks.disk_coverage_areas(units, x, y, r, group, 3, unit_of_centre=centre)


@pytest.mark.timeout(600)
@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler to build the module")
def test_built_in_the_background_then_loaded_and_equal_to_numba(tmp_path, monkeypatch):
    monkeypatch.setenv("ICT_GIS_AOT", "1")
    monkeypatch.setattr(_aot, "_cache_dir", lambda: tmp_path)
    older = tmp_path / f"ict_gis_kernels_0123456789abcdef{_aot.module_path(tmp_path).suffix}"
    older.write_bytes(b"an older version of the kernels")
    assert _aot.start_build()
    target = _aot.module_path(tmp_path)
    deadline = time.monotonic() + 300
    while not target.exists() and time.monotonic() < deadline:
        failed = target.with_suffix(".failed")
        assert not failed.exists(), failed.read_text()
        time.sleep(0.5)
    assert target.exists(), "the background build did not finish in 5 minutes"
    assert _aot._BUILDS[-1].wait(timeout=60) == 0
    assert not target.with_suffix(".lock").exists()
    assert not older.exists()
    assert not _aot.start_build()  # built: nothing more to do
    compiled = _aot.import_module(target)
    assert compiled is not None
    from ict_gis.metrics import _numba
    from ict_gis.metrics._numba import edge_disk_intervals, uncovered_arcs
    from ict_gis.metrics._scanlines import scanline_areas

    for seed in (1, 2):
        case = random_case(seed)
        ahead = areas(case, (compiled.uncovered_arcs, compiled.edge_disk_intervals), monkeypatch)
        jit = areas(case, (uncovered_arcs, edge_disk_intervals), monkeypatch)
        numpy_only = areas(case, None, monkeypatch)
        for a, b, c in zip(ahead, jit, numpy_only, strict=True):
            assert np.array_equal(a, b)
            assert np.allclose(a, c, rtol=1e-9, atol=1e-3)
            assert (a > 0).any()
    # Points in polygons (validation, stations' units), too.
    from ict_gis import geometry

    units, x, y, *_ = random_case(3)
    monkeypatch.setattr(geometry, "_compiled_kernel", lambda: compiled.points_in_polygons)
    by_kernel = geometry.polygon_positions(x, y, units)
    assert (by_kernel == geometry.polygon_positions(x, y, units, use_kernel=False)).all()
    assert (by_kernel >= 0).sum() > 200
    # The scan-line kernels of the fast mode, too.
    for seed in (1, 2):
        units, x, y, r, group, _ = random_case(seed)
        azimuth = np.where(np.arange(len(x)) % 2 == 0, np.nan, x % 360)
        half_beam = np.where(np.isnan(azimuth), 180.0, 32.5)
        args = (units, x, y, r, azimuth, half_beam, group, 3)
        monkeypatch.setattr(_aot, "load", lambda: compiled)
        ahead = scanline_areas(*args, spacing=150.0)
        monkeypatch.setattr(_aot, "load", lambda: _numba)
        jit = scanline_areas(*args, spacing=150.0)
        numpy_only = scanline_areas(*args, spacing=150.0, use_kernels=False)
        for a, b, c in zip(ahead, jit, numpy_only, strict=True):
            assert np.array_equal(a, b)
            assert np.allclose(a, c, rtol=1e-9, atol=1e-3)
            assert (a > 0).any()


def test_nothing_is_built_or_loaded_when_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("ICT_GIS_AOT", "0")
    monkeypatch.setattr(_aot, "_cache_dir", lambda: tmp_path)
    monkeypatch.setattr(_aot, "_LOADED", [])
    assert not _aot.start_build()
    time.sleep(0.5)
    assert list(tmp_path.iterdir()) == []
    assert _aot.load() is None


def test_a_failed_build_leaves_a_marker_and_is_not_retried(tmp_path, monkeypatch):
    def broken(folder):
        raise RuntimeError("no C compiler")

    monkeypatch.setattr(_aot, "build", broken)
    assert _aot._main(tmp_path) == 1
    target = _aot.module_path(tmp_path)
    assert target.with_suffix(".failed").read_text() == "RuntimeError: no C compiler\n"
    assert not target.with_suffix(".lock").exists()
    monkeypatch.setenv("ICT_GIS_AOT", "1")
    monkeypatch.setattr(_aot, "_cache_dir", lambda: tmp_path)
    started = []
    monkeypatch.setattr(_aot.subprocess, "Popen", lambda *a, **k: started.append(a))
    assert not _aot.start_build()
    assert started == []


def test_the_module_name_follows_the_kernels_source():
    name = _aot.module_name()
    assert name.startswith("ict_gis_kernels_") and len(name) == len("ict_gis_kernels_") + 16
    assert _aot.module_path().name.startswith(name)


def test_the_coverage_command_says_when_it_starts_a_build(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ict_gis.cli.main import cli

    monkeypatch.setenv("ICT_GIS_AOT", "1")
    monkeypatch.setattr(_aot, "_cache_dir", lambda: tmp_path)
    started = []
    monkeypatch.setattr(_aot.subprocess, "Popen", lambda *a, **k: started.append(a[0]))
    args = ["coverage", "--tech", "4G", "--operator", "any", "--format", "csv"]
    loud = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert loud.exit_code == 0
    assert "Compiling the coverage kernels in the background" in loud.stderr
    assert started and started[0][1:4] == ["-m", "ict_gis.metrics._aot", str(tmp_path)]
    quiet = CliRunner().invoke(cli, ["-q", *args], catch_exceptions=False)
    assert quiet.exit_code == 0 and quiet.stderr == ""
    # A fast run uses kernels too; a run of the polygon engine (sectors) does not.
    started.clear()
    fast = CliRunner().invoke(cli, [*args, "--mode", "fast"], catch_exceptions=False)
    assert fast.exit_code == 0 and len(started) == 1
    started.clear()
    sectors = CliRunner().invoke(cli, [*args, "--model", "sector"], catch_exceptions=False)
    assert sectors.exit_code == 0 and started == []
