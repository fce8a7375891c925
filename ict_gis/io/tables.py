"""Plain text tables, also gzip-compressed: every value read as text.

Codes of administrative units keep their leading zeros (``"00001"``) only when
they are read as text; :func:`read_text_table` reads a ``.csv`` or a
``.csv.gz`` that way, for the crosswalks of :mod:`ict_gis.crosswalk`. Text in
TCVN3, VNI or Windows-1258 is detected and decoded as in CSV layers
(:func:`ict_gis.io.encodings.decode_file`).
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path

import pandas as pd

from ict_gis.errors import LayerReadError
from ict_gis.io.encodings import decode_file

__all__ = ["read_text_table"]


def read_text_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV file (``.csv`` or gzip ``.csv.gz``) with every value as text.

    Parameters
    ----------
    path
        The file; not modified.

    Returns
    -------
    pandas.DataFrame
        Columns as in the file's header; values are text (object dtype), an
        empty cell is ``None``.

    Raises
    ------
    LayerReadError
        If the file does not exist, is not a (gzip) CSV file, or its text
        cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise LayerReadError(f"{path}: no such file.")
    try:
        data = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise LayerReadError(f"{path}: cannot read as a (gzip) CSV table ({exc}).") from exc
    text, _ = decode_file(data, source=str(path))
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LayerReadError(f"{path}: cannot read as a CSV table ({exc}).") from exc
    return table.astype(object).where(table != "", None)
