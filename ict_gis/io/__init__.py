"""Reading and writing files: the only package that touches paths.

:mod:`ict_gis.io.files` reads and writes layer files (GeoJSON, GeoPackage,
Shapefile, CSV) atomically; :mod:`ict_gis.io.opencellid` streams OpenCelliD
exports into sites and :mod:`ict_gis.io.sheets` reads the station lists
operators send (Excel, CSV from Vietnamese Excel); both are loaded on first
use. Nothing outside this package imports fiona, pyogrio or pyarrow's CSV
reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ict_gis.io.files import (
    TABLE_SUFFIXES,
    VECTOR_SUFFIXES,
    feature_count,
    is_input,
    iter_features,
    iter_point_batches,
    list_layers,
    read_layer,
    read_schema,
    read_text,
    write_bytes,
    write_layer,
    write_layers,
    write_text,
)

if TYPE_CHECKING:  # pragma: no cover
    from ict_gis.io.opencellid import OpenCellIdReport, read_opencellid
    from ict_gis.io.sheets import SheetProblem, SheetReport, read_sheet

#: The importers' names, loaded on first use (every command reads layers; few import).
_OPENCELLID = ("OpenCellIdReport", "read_opencellid")
_SHEETS = ("SheetProblem", "SheetReport", "read_sheet")

__all__ = [
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "is_input",
    "iter_features",
    "feature_count",
    "iter_point_batches",
    "list_layers",
    "OpenCellIdReport",
    "read_opencellid",
    "SheetProblem",
    "SheetReport",
    "read_sheet",
    "read_layer",
    "read_schema",
    "read_text",
    "write_bytes",
    "write_layer",
    "write_layers",
    "write_text",
]


def __getattr__(name: str) -> object:
    if name in _OPENCELLID:
        from ict_gis.io import opencellid

        return getattr(opencellid, name)
    if name in _SHEETS:
        from ict_gis.io import sheets

        return getattr(sheets, name)
    raise AttributeError(f"module 'ict_gis.io' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_OPENCELLID, *_SHEETS})
