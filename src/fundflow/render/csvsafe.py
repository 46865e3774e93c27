"""CSV written for readers who open it in a spreadsheet: a text cell that starts like a formula
(``=``, ``+``, ``-``, ``@``, tab, CR) gets a leading apostrophe so Excel, WPS or LibreOffice show
it as text instead of evaluating it (CSV injection). Numbers are left alone. Pure."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a plain decimal number such as "-1.5" or "+2e3" (not Python's float(): it also takes "1_0",
# "nan" and "-inf", which a spreadsheet reads as a formula or text)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def safe_cell(v: Any) -> Any:
    if isinstance(v, str) and v.startswith(FORMULA_START) and not _is_number(v):
        return "'" + v
    return v


def safe_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose formula-like text cells (and column names) are defused."""
    out = frame.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if isinstance(col.dtype, pd.CategoricalDtype):
            # categories are text too (as plain values: renamed categories could collide)
            out.isetitem(i, col.astype(object).map(safe_cell))
        elif col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            out.isetitem(i, col.map(safe_cell))
    out.columns = [safe_cell(c) for c in out.columns]
    return out
