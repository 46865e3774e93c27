"""Weekly returns, 52-week ranges and average daily turnover on long (code, date) frames.

Conventions (data-sources.md): week W = its sessions; t1 = last session of W, t0 = last session
before W. ``r_W = C(t1) / C(t0) - 1``; ``ADT_W = mean(amount_d, d in W)``. A series is measured on
the sessions it actually has: a suspended stock or an index with a missing day uses its last
close at or before t1 and its last close at or before t0, and reports how many sessions of W it
traded, so nothing is silently invented.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd


def _ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def weekly_change(frame: pd.DataFrame, code_col: str, sessions: Sequence[date],
                  prev_session: date, value_col: str = "close") -> pd.DataFrame:
    """Per code: value at t0 and t1, return in %, sessions traded in W.

    ``frame`` is long: one row per (code, trade_date). Returns one row per code with columns
    ``start`` (value at or before t0), ``end`` (at or before t1), ``return_pct``,
    ``sessions_traded`` (rows inside W) and ``end_date``. Codes with no value at or before t0
    get NaN returns (no base to compare with).
    """
    if not sessions:
        raise ValueError("a week needs at least one session")
    t1, t0 = _ts(sessions[-1]), _ts(prev_session)
    first = _ts(sessions[0])
    f = frame[[code_col, "trade_date", value_col]].dropna(subset=[value_col])
    f = f[f["trade_date"] <= t1].sort_values([code_col, "trade_date"])
    last_end = f.groupby(code_col, sort=True).tail(1).set_index(code_col)
    base = f[f["trade_date"] <= t0].groupby(code_col, sort=True).tail(1).set_index(code_col)
    in_week = f[(f["trade_date"] >= first) & (f["trade_date"] <= t1)]
    traded = in_week.groupby(code_col).size()
    out = pd.DataFrame(index=last_end.index)
    out["start"] = base[value_col].reindex(out.index)
    out["end"] = last_end[value_col]
    out["end_date"] = last_end["trade_date"]
    out["return_pct"] = (out["end"] / out["start"] - 1.0) * 100.0
    out["sessions_traded"] = traded.reindex(out.index).fillna(0).astype(int)
    out.index.name = code_col
    return out.reset_index()


def range_position(frame: pd.DataFrame, code_col: str, end: date, weeks: int = 52,
                   value_col: str = "close") -> pd.DataFrame:
    """Per code: high, low over the ``weeks`` weeks ending at ``end`` (closes), and where the
    last close sits in that range (0 % = at the low, 100 % = at the high)."""
    t1 = _ts(end)
    start = t1 - pd.Timedelta(weeks=weeks)
    f = frame[(frame["trade_date"] > start) & (frame["trade_date"] <= t1)]
    f = f.dropna(subset=[value_col]).sort_values([code_col, "trade_date"])
    g = f.groupby(code_col, sort=True)[value_col]
    out = pd.DataFrame({"high": g.max(), "low": g.min(), "last": g.last()})
    span = out["high"] - out["low"]
    out["position_pct"] = np.where(span > 0, (out["last"] - out["low"]) / span.where(span > 0) * 100.0,
                                   np.nan)
    out["from_high_pct"] = (out["last"] / out["high"] - 1.0) * 100.0
    out.index.name = code_col
    return out.reset_index()


def average_daily(frame: pd.DataFrame, code_col: str, sessions: Sequence[date],
                  value_col: str = "amount_cny") -> pd.DataFrame:
    """Per code: mean of ``value_col`` over the rows it has on the given sessions, and the
    count of those rows (a holiday-shortened week averages over fewer days, which keeps
    averages comparable between weeks where sums would not be)."""
    days = pd.DatetimeIndex([_ts(d) for d in sessions])
    f = frame[frame["trade_date"].isin(days)].dropna(subset=[value_col])
    g = f.groupby(code_col, sort=True)[value_col]
    out = pd.DataFrame({"mean": g.mean(), "days": g.size()})
    out.index.name = code_col
    return out.reset_index()


def turnover_comparison(frame: pd.DataFrame, code_col: str, sessions: Sequence[date],
                        prev_sessions: Sequence[date],
                        value_col: str = "amount_cny") -> pd.DataFrame:
    """ADT this week vs last week per code, with the change in %."""
    cur = average_daily(frame, code_col, sessions, value_col).set_index(code_col)
    prev = average_daily(frame, code_col, prev_sessions, value_col).set_index(code_col)
    out = pd.DataFrame({
        "adt": cur["mean"], "days": cur["days"],
        "adt_prev": prev["mean"].reindex(cur.index), "days_prev": prev["days"].reindex(cur.index),
    })
    out["adt_change_pct"] = (out["adt"] / out["adt_prev"] - 1.0) * 100.0
    out.index.name = code_col
    return out.reset_index()


def rank_top_bottom(frame: pd.DataFrame, value_col: str, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Top n (descending) and bottom n (ascending) rows by ``value_col``, NaNs excluded, ties
    broken by the frame's first column so the order is deterministic."""
    key = frame.columns[0]
    f = frame.dropna(subset=[value_col])
    top = f.sort_values([value_col, key], ascending=[False, True]).head(n)
    bottom = f.sort_values([value_col, key], ascending=[True, True]).head(n)
    return top.reset_index(drop=True), bottom.reset_index(drop=True)


def daily_returns(frame: pd.DataFrame, code_col: str, sessions: Sequence[date],
                  prev_session: date, value_col: str = "close") -> pd.DataFrame:
    """Daily return in % on each of ``sessions`` (rows) per code (columns), each against the
    code's previous available close (so a day after a gap spans the gap). A code with no row
    on a session gets NaN for it."""
    days = [_ts(d) for d in sessions]
    f = frame[(frame["trade_date"] <= days[-1])].dropna(subset=[value_col])
    wide = f.pivot_table(index="trade_date", columns=code_col, values=value_col, aggfunc="last")
    wide = wide[wide.index <= days[-1]].sort_index()
    prior = wide[wide.index <= _ts(prev_session)].ffill().tail(1)
    inweek = wide[wide.index.isin(days)]
    both = pd.concat([prior, inweek])
    rets = both.ffill().pct_change(fill_method=None) * 100.0
    rets = rets.iloc[1:].where(inweek.notna())
    return rets.reindex(days)


def rebase_pair(a: pd.Series, b: pd.Series, base: float = 100.0) -> pd.DataFrame:
    """Two close series (index = each market's own trading dates) on the union of their dates,
    each forward-filled within its own history only (never before its first date), divided by
    its value on the first date both have, times ``base``. Columns ``a`` and ``b``."""
    a, b = a.sort_index(), b.sort_index()
    idx = a.index.union(b.index)
    wide = pd.DataFrame({"a": a.reindex(idx), "b": b.reindex(idx)})
    first_a, first_b = a.index.min(), b.index.min()
    filled = wide.ffill()
    filled.loc[filled.index < first_a, "a"] = np.nan
    filled.loc[filled.index < first_b, "b"] = np.nan
    common = wide.dropna().index
    if common.empty:
        raise ValueError("the two series have no date in common")
    start = common.min()
    out = filled[filled.index >= start]
    return out / out.loc[start] * base


def asset_week_change(series: pd.DataFrame, monday: date, friday: date, kind: str
                      ) -> tuple[float, float, float, date, int] | None:
    """(close, base, change, last date, days traded) of one asset for the week Mon..Fri in its
    own local dates; None when there is no close at or before the week's Monday. ``kind``
    "yield" changes in basis points, anything else in % (used by major assets and sino-US
    tech, each market on its own calendar)."""
    s = series.sort_values("trade_date")
    t_fri, t_mon = pd.Timestamp(friday), pd.Timestamp(monday)
    upto = s[s["trade_date"] <= t_fri]
    base = s[s["trade_date"] < t_mon]
    if upto.empty or base.empty:
        return None
    close, base_close = float(upto["close"].iloc[-1]), float(base["close"].iloc[-1])
    traded = int((upto["trade_date"] >= t_mon).sum())
    if kind == "yield":
        change = (close - base_close) * 100.0
    else:
        change = (close / base_close - 1.0) * 100.0
    return close, base_close, change, upto["trade_date"].iloc[-1].date(), traded
