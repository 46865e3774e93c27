"""Streaks and weekly aggregation over history (pure pandas; no I/O).

"Added leverage N weeks in a row", "net outflow for N consecutive days", "basis beyond -10% for N
weeks": each is the length of the trailing run of a condition ending at the report week/day.
They are always computed from the history in the store, never from one week's frame.

A report week is the Monday..Friday calendar week of a session (``week_monday``); a holiday week
with fewer sessions is still one week, and a week with no session at all has no row and is simply
skipped (it neither extends nor breaks a streak).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import pandas as pd


def week_monday(dates: pd.Series) -> pd.Series:
    """The Monday of each date's Monday..Sunday week, as a normalised Timestamp."""
    d = pd.to_datetime(dates).dt.normalize()
    return d - pd.to_timedelta(d.dt.weekday, unit="D")


def weekly_sum(frame: pd.DataFrame, value_col: str, by: Sequence[str] = (),
               date_col: str = "trade_date", until: date | None = None) -> pd.DataFrame:
    """Sum ``value_col`` per calendar week (and per ``by`` keys), weeks up to ``until``.

    Columns: ``*by``, ``week`` (the Monday), ``value_col``, ``sessions`` (days with a row).
    """
    f = frame
    if until is not None:
        f = f[f[date_col] <= pd.Timestamp(until)]
    f = f.assign(week=week_monday(f[date_col]))
    keys = [*by, "week"]
    out = f.groupby(keys, sort=True).agg(**{value_col: (value_col, "sum"),
                                           "sessions": (date_col, "nunique")})
    return out.reset_index()


def trailing_sign_streak(values: Sequence[float] | pd.Series) -> int:
    """Signed length of the run of same-sign values that ends with the last value.

    ``[1, -2, 3, 4] -> 2``; ``[5, -1, -1] -> -2``; a last value of 0 or NaN gives 0.
    """
    arr = np.asarray(list(values), dtype="float64")
    if arr.size == 0 or not np.isfinite(arr[-1]) or arr[-1] == 0:
        return 0
    sign = np.sign(arr[-1])
    n = 0
    for v in arr[::-1]:
        if not np.isfinite(v) or np.sign(v) != sign:
            break
        n += 1
    return int(n * sign)


def trailing_run(values: Sequence[float] | pd.Series, cond: Callable[[float], bool]) -> int:
    """Length of the run of values meeting ``cond`` that ends with the last value (NaN breaks)."""
    n = 0
    for v in reversed(list(values)):
        if v is None or (isinstance(v, float) and np.isnan(v)) or not cond(float(v)):
            break
        n += 1
    return n


def sign_streaks(frame: pd.DataFrame, key: str, value_col: str, order_col: str) -> pd.Series:
    """Trailing signed streak per ``key`` (index) over rows ordered by ``order_col``."""
    f = frame.sort_values([key, order_col])
    return f.groupby(key, sort=True)[value_col].apply(trailing_sign_streak).astype(int)
