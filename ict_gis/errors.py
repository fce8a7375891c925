"""Exception classes raised by the library.

The command line turns each of them into a clear message and a non-zero exit
code; the library itself never prints and never exits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ict_gis.problems import Problem


class IctGisError(Exception):
    """Base class of every error raised by ict_gis."""


class LayerReadError(IctGisError, OSError):
    """A layer file cannot be found, opened or read."""


class LayerWriteError(IctGisError, OSError):
    """An output cannot be written (for example it would overwrite an input)."""


class LayerKindError(IctGisError, ValueError):
    """The kind of a layer (``bts_stations``, ``districts``, ...) is unknown."""


class ValidationError(IctGisError, ValueError):
    """One or more layers have problems that prevent using them.

    Parameters
    ----------
    problems
        Every problem found, errors and warnings alike.
    """

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [f"{len(errors)} error(s) in the layers:"]
        lines += [f"  {p}" for p in errors]
        super().__init__("\n".join(lines))


class ConfigError(IctGisError, ValueError):
    """A configuration file cannot be read or has wrong keys or values."""


class CoverageError(IctGisError, ValueError):
    """Coverage cannot be computed from the layers and options as given."""


class ProgressError(IctGisError, ValueError):
    """A progress metric cannot be computed from the layers as given."""


class UnitError(IctGisError, ValueError):
    """A unit layer or a layer to attach to units cannot be used as it is."""


class AdminChangeError(UnitError):
    """The ``admin_changes`` table is inconsistent or cannot be applied to the units."""


class MapError(IctGisError, ValueError):
    """A map cannot be built from the layers and options as given."""


class AssetError(IctGisError, LookupError):
    """A script or style sheet a map needs cannot be inlined."""


class FootprintError(IctGisError, ValueError):
    """A footprint model, a radius or a path-loss parameter is not usable."""


class ChartError(IctGisError, ValueError):
    """A chart cannot be drawn from the table as given."""


class TechnologyError(IctGisError, ValueError):
    """A technology name is not one of 2G, 3G, 4G, 5G."""


class ImporterError(IctGisError, ValueError):
    """A file given to an importer (OpenCelliD export, operator's spreadsheet) cannot be used.

    For example it lacks the columns of its format, or an option is not usable.
    """


class CrosswalkError(UnitError):
    """A table cannot be carried to other units (a crosswalk gap, a split without weights)."""


class PlanError(IctGisError, ValueError):
    """A planning question (sites to build, sharing, forecasts) cannot be answered as asked."""


class SchedulerError(IctGisError, ValueError):
    """A dask scheduler (``--scheduler``) is not usable: unknown, unreachable or not installed."""


class CrsError(IctGisError, ValueError):
    """A coordinate reference system that cannot be understood (``--crs``, a ``.prj``)."""
