"""Coverage engines: the covered area of each unit, behind one interface.

An engine takes the units (polygons in a metric CRS, indexed by code) and
the footprints of one technology (:class:`Footprints`), and returns the
covered area of each unit per operator group, for ``any`` operator and for
``all`` of them (:meth:`Engine.areas`). It works on any subset of the units
(each unit's figures depend only on the unit and the footprints), so that a
partitioned run can call it per partition and concatenate the results.

Engines (see :func:`available_engines`):

``polygons`` (:mod:`ict_gis.engines.polygons`, mode ``exact``)
    shapely/GEOS: union of the footprint polygons touching each unit,
    clipped to it. The reference; always available.
``arcs`` (:mod:`ict_gis.engines.arcs`, mode ``exact``, circles only)
    The exact area of the true circles, integrated along their arcs (numba).
``scanlines`` (:mod:`ict_gis.engines.scanlines`, mode ``fast``)
    Measured along scan lines (numba), within 0.5 % of exact.

The accelerated engines need numba (``pip install 'ict_gis[fast]'``); their
kernels are compiled by numba's ordinary JIT and kept in numba's cache
(``cache=True``), and numba is imported only when one of them runs. Without
numba every mode runs on ``polygons``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from ict_gis.errors import CoverageError

__all__ = [
    "ALL",
    "ANY",
    "Engine",
    "Footprints",
    "available_engines",
    "default_engine",
    "engine_names",
    "get_engine",
    "register_engine",
]

#: Column of the areas covered by at least one operator.
ANY = "any"
#: Column of the areas covered by every operator.
ALL = "all"
#: The pip extra that installs the accelerated engines.
FAST_EXTRA = "fast"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Footprints:
    """Footprints of one technology in a metric CRS, grouped by operator.

    Attributes
    ----------
    geoms
        Footprint polygons (``None`` where not drawn: the accelerated
        engines need only the centres, radii and angles).
    x, y, radius
        Centre (the station) and radius (m).
    azimuth, beamwidth
        Sector bearing (degrees clockwise from north; NaN for a circle) and
        beamwidth (degrees; 360 for a circle).
    group
        Position of each footprint's operator in ``operators``.
    unit
        Code of the unit containing each station (``None`` when none).
    operators
        Names of the operator groups.
    """

    geoms: np.ndarray
    x: np.ndarray
    y: np.ndarray
    radius: np.ndarray
    azimuth: np.ndarray
    beamwidth: np.ndarray
    group: np.ndarray
    unit: np.ndarray
    operators: list[str]

    @property
    def circles_only(self) -> bool:
        """Whether every footprint is a full circle."""
        return bool(np.isnan(self.azimuth).all())

    @property
    def drawn(self) -> bool:
        """Whether the footprints have their polygons (none, or the first is not ``None``)."""
        return not self.geoms.size or self.geoms[0] is not None


class Engine(Protocol):
    """What a coverage engine provides (see the module docstring)."""

    #: Name in the registry (``--engine`` on the command line).
    name: str
    #: ``exact`` or ``fast``.
    mode: str
    #: pip extra it needs (``None``: always available).
    extra: str | None
    #: Whether it needs the footprints' polygons (:attr:`Footprints.geoms`).
    needs_polygons: bool

    def available(self) -> bool:
        """Whether it can run here (its extra is installed)."""
        ...

    def supports(self, footprints: Footprints) -> bool:
        """Whether it can measure these footprints (e.g. circles only)."""
        ...

    def areas(
        self,
        units: gpd.GeoSeries,
        footprints: Footprints,
        *,
        groups: bool = True,
        want_any: bool = True,
        want_all: bool = True,
        resolution_m: float = 200.0,
        workers: int | None = None,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Return the covered area (m²) of each unit.

        Parameters
        ----------
        units
            (Multi)Polygons in the footprints' metric CRS, indexed by unit
            code (``None`` or empty: nothing covered).
        footprints
            The footprints of one technology.
        groups, want_any, want_all
            Which areas to compute: per operator group, ``any``, ``all``
            (the others are 0).
        resolution_m
            Largest distance between scan lines (fast engines only).
        workers
            Threads (default: up to 4).
        progress
            Called as ``progress(done, total)``.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``units``; one float column per operator of
            ``footprints.operators``, then ``any`` and ``all``.
        """
        ...


def areas_frame(
    units: gpd.GeoSeries,
    operators: list[str],
    per_group: np.ndarray,
    area_any: np.ndarray,
    area_all: np.ndarray,
) -> pd.DataFrame:
    """Build an engine's answer (see :meth:`Engine.areas`) from its arrays."""
    data = {name: per_group[:, g] for g, name in enumerate(operators)}
    frame = pd.DataFrame(data, index=units.index, dtype=float)
    frame[ANY] = np.asarray(area_any, dtype=float)
    frame[ALL] = np.asarray(area_all, dtype=float)
    return frame


def numba_installed() -> bool:
    """Whether numba can be imported (without importing it)."""
    return importlib.util.find_spec("numba") is not None


_REGISTRY: dict[str, Engine] = {}


def register_engine(engine: Engine, *, replace: bool = False) -> Engine:
    """Add ``engine`` to the registry under its name; return it.

    Raises
    ------
    CoverageError
        If an engine of that name is registered already (and not ``replace``).
    """
    if engine.name in _REGISTRY and not replace:
        raise CoverageError(f"An engine named {engine.name!r} is registered already.")
    _REGISTRY[engine.name] = engine
    return engine


def engine_names() -> list[str]:
    """Names of every registered engine, available here or not."""
    return list(_REGISTRY)


def available_engines() -> list[str]:
    """Names of the registered engines that can run here."""
    return [name for name, engine in _REGISTRY.items() if engine.available()]


def get_engine(name: str) -> Engine:
    """Return the engine ``name``, ready to run.

    Raises
    ------
    CoverageError
        If no engine has that name, or its extra is not installed (the
        message names the pip extra).
    """
    engine = _REGISTRY.get(name)
    if engine is None:
        raise CoverageError(
            f"Unknown coverage engine {name!r}; use one of {', '.join(engine_names())}."
        )
    if not engine.available():
        raise CoverageError(
            f"The {name!r} coverage engine needs the {engine.extra!r} extra: "
            f"pip install 'ict_gis[{engine.extra}]' (or use the 'polygons' engine)."
        )
    return engine


def default_engine(mode: str, footprints: Footprints | None = None) -> Engine:
    """Return the engine used for ``mode`` when none is named.

    ``exact``: ``arcs`` for circles, ``polygons`` otherwise; ``fast``:
    ``scanlines``. Without numba, ``polygons`` for everything.
    """
    preferred = ("arcs", "polygons") if mode == "exact" else ("scanlines", "polygons")
    for name in preferred:
        engine = _REGISTRY[name]
        if engine.available() and (footprints is None or engine.supports(footprints)):
            return engine
    return _REGISTRY["polygons"]


def _register_builtin() -> None:
    from ict_gis.engines.arcs import ArcsEngine
    from ict_gis.engines.polygons import PolygonsEngine
    from ict_gis.engines.scanlines import ScanlinesEngine

    for engine in (PolygonsEngine(), ArcsEngine(), ScanlinesEngine()):
        register_engine(engine)


_register_builtin()
