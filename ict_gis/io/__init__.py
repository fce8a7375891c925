"""Reading and writing files: the only package that touches paths.

:mod:`ict_gis.io.files` reads and writes layer files (GeoJSON, GeoPackage,
Shapefile, CSV) atomically; :mod:`ict_gis.io.opencellid` streams OpenCelliD
exports into sites and :mod:`ict_gis.io.sheets` reads the station lists
operators send (Excel, CSV from Vietnamese Excel). Nothing outside this package imports fiona,
pyogrio or pyarrow's CSV reader.
"""

from __future__ import annotations

from ict_gis.io.files import (
    TABLE_SUFFIXES,
    VECTOR_SUFFIXES,
    is_input,
    iter_features,
    list_layers,
    read_layer,
    read_schema,
    read_text,
    write_bytes,
    write_layer,
    write_layers,
    write_text,
)
from ict_gis.io.opencellid import OpenCellIdReport, read_opencellid
from ict_gis.io.sheets import SheetProblem, SheetReport, read_sheet

__all__ = [
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "is_input",
    "iter_features",
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
