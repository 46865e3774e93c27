"""CSV written for readers who open it in a spreadsheet: a text cell that starts like a formula
(``=``, ``+``, ``-``, ``@``, tab, CR) gets a leading apostrophe so Excel, WPS or LibreOffice show
it as text instead of evaluating it (CSV injection). Numbers are left alone. Pure."""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(v: Any) -> Any:
    if isinstance(v, str) and v.startswith(FORMULA_START) and not _is_number(v):
        return "'" + v
    return v


def safe_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose formula-like text cells (and column names) are defused."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(c) for c in out.columns]
    return out
