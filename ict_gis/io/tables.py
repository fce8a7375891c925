"""Plain text tables, also gzip-compressed: every value read as text.

Codes of administrative units keep their leading zeros (``"00001"``) only when
they are read as text; :func:`read_text_table` reads a ``.csv`` or a
``.csv.gz`` that way, for the crosswalks of :mod:`ict_gis.crosswalk`.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import pandas as pd

from ict_gis.errors import LayerReadError

__all__ = ["read_text_table"]


def read_text_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a UTF-8 CSV file (``.csv`` or gzip ``.csv.gz``) with every value as text.

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
        If the file does not exist or is not a (gzip) UTF-8 CSV file.
    """
    path = Path(path)
    if not path.is_file():
        raise LayerReadError(f"{path}: no such file.")
    compression = "gzip" if path.name.lower().endswith(".gz") else None
    try:
        table = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            compression=compression,
        )
    except (
        OSError,
        EOFError,
        zlib.error,
        gzip.BadGzipFile,
        UnicodeDecodeError,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
    ) as exc:
        raise LayerReadError(f"{path}: cannot read as a UTF-8 CSV table ({exc}).") from exc
    return table.astype(object).where(table != "", None)
