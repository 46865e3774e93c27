"""Main-fund (主力) net inflow aggregated from stock-level flows (pure pandas; no I/O).

"Main" is Eastmoney's order-size definition (extra-large + large orders). Index flows are the sum
over an index's constituents, industry flows the sum over the stocks of a Shenwan L1 industry;
both are aggregates of whatever stocks were collected. Daily values live on a grid of trading
sessions (rows) by group (columns): a session on which a group has no stock row is NaN, which a
streak treats as "unknown" (the run is cut there and flagged as a lower bound), never as zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd

from fundflow.metrics.streaks import trailing_sign_streak

FLOW = "main_net_inflow_cny"
AMOUNT = "amount_cny"


def _days(sessions: Iterable[date | pd.Timestamp]) -> list[pd.Timestamp]:
    return [pd.Timestamp(d).normalize() for d in sessions]


def latest_members(constituents: pd.DataFrame, index_codes: Sequence[str],
                   as_of: date) -> pd.DataFrame:
    """Constituents of each index from its latest list dated on or before ``as_of``.

    An index whose lists are all dated after ``as_of`` uses its earliest list (look-ahead: the
    caller can see it from ``snapshot_date > as_of``). Columns: ``index_code``, ``stock_code``,
    ``snapshot_date``; indices without any list have no rows.
    """
    f = constituents[constituents["index_code"].isin(index_codes)]
    cut = pd.Timestamp(as_of)
    parts = []
    for code, g in f.groupby("index_code", sort=True):
        dates = g["snapshot_date"]
        pick = dates[dates <= cut].max() if (dates <= cut).any() else dates.min()
        parts.append(g[dates == pick])
    if not parts:
        return pd.DataFrame(columns=["index_code", "stock_code", "snapshot_date"])
    out = pd.concat(parts)[["index_code", "stock_code", "snapshot_date"]]
    return out.drop_duplicates(["index_code", "stock_code"]).reset_index(drop=True)


def daily_group_sum(frame: pd.DataFrame, members: pd.DataFrame, group_col: str,
                    sessions: Sequence[date | pd.Timestamp], value_col: str = FLOW
                    ) -> pd.DataFrame:
    """Σ ``value_col`` over each group's stocks per session: sessions (rows) x groups (columns).

    ``members`` maps ``stock_code`` to ``group_col`` (a stock may belong to several groups).
    A session on which none of a group's stocks has a row is NaN, not 0. Groups in ``members``
    without any row at all are kept as all-NaN columns.
    """
    days = _days(sessions)
    f = frame[frame["trade_date"].isin(days)][["stock_code", "trade_date", value_col]]
    f = f.dropna(subset=[value_col])
    m = members[["stock_code", group_col]].drop_duplicates()
    joined = f.merge(m, on="stock_code", how="inner")
    wide = joined.pivot_table(index="trade_date", columns=group_col, values=value_col,
                              aggfunc="sum")
    groups = sorted(m[group_col].dropna().unique())
    out = wide.reindex(index=pd.DatetimeIndex(days, name="trade_date"), columns=groups)
    out.columns.name = group_col
    return out.astype("float64")


def weekly_totals(daily: pd.DataFrame, week: Sequence[date], prev: Sequence[date]
                  ) -> pd.DataFrame:
    """Per group (index): totals of W and W-1 over their sessions, the change, the number of
    sessions with data and the average per such session.

    Columns: ``week_cny``, ``prev_cny``, ``change_cny``, ``week_days``, ``prev_days``,
    ``week_avg_cny``, ``prev_avg_cny``. A week without any data is NaN (not 0).
    """
    w = daily.reindex(_days(week))
    p = daily.reindex(_days(prev))
    out = pd.DataFrame(index=daily.columns)
    out["week_cny"] = w.sum(min_count=1)
    out["prev_cny"] = p.sum(min_count=1)
    out["change_cny"] = out["week_cny"] - out["prev_cny"]
    out["week_days"] = w.notna().sum().astype(int)
    out["prev_days"] = p.notna().sum().astype(int)
    out["week_avg_cny"] = out["week_cny"] / out["week_days"].replace(0, np.nan)
    out["prev_avg_cny"] = out["prev_cny"] / out["prev_days"].replace(0, np.nan)
    return out


def flow_share_pct(flows: pd.DataFrame, amounts: pd.DataFrame, members: pd.DataFrame,
                   group_col: str, sessions: Sequence[date | pd.Timestamp]) -> pd.Series:
    """Σ main net inflow / Σ turnover (both 元) per group over ``sessions``, in percent.

    Only stock-days that have both a flow and a turnover row count, so a stock missing from
    one dataset does not skew the ratio. Groups with no turnover are NaN.
    """
    days = _days(sessions)
    f = flows[flows["trade_date"].isin(days)][["stock_code", "trade_date", FLOW]]
    a = amounts[amounts["trade_date"].isin(days)][["stock_code", "trade_date", AMOUNT]]
    both = f.merge(a, on=["stock_code", "trade_date"], how="inner").dropna()
    m = members[["stock_code", group_col]].drop_duplicates()
    joined = both.merge(m, on="stock_code", how="inner")
    sums = joined.groupby(group_col)[[FLOW, AMOUNT]].sum()
    groups = sorted(m[group_col].dropna().unique())
    sums = sums.reindex(groups)
    share = sums[FLOW] / sums[AMOUNT].where(sums[AMOUNT] > 0) * 100.0
    share.name = "share_pct"
    return share


def session_streak(values: pd.Series) -> tuple[int, pd.Timestamp | None, bool]:
    """Trailing same-sign run of a session-indexed series ending at its last row.

    Returns (signed length in sessions, first session of the run, censored). ``censored`` is
    True when the run reaches the first row or a session without data (NaN): the true streak
    may be longer, so the length is a lower bound. A last value of 0 or NaN gives (0, None,
    False).
    """
    vals = values.to_numpy(dtype="float64")
    n = trailing_sign_streak(vals)
    if n == 0:
        return 0, None, False
    k = abs(n)
    censored = k == len(vals) or not np.isfinite(vals[-k - 1])
    return n, pd.Timestamp(values.index[len(vals) - k]), censored


def streaks(daily: pd.DataFrame, end: date) -> pd.DataFrame:
    """``session_streak`` per group (column) of a sessions x groups grid, up to ``end``.

    Columns: ``streak_days`` (signed: + inflow, - outflow), ``streak_since``, ``censored``,
    ``streak_cny`` (the values summed over the run; 0 without a run). The grid holds trading sessions only, so holidays neither extend nor break a run; a run
    crosses week boundaries.
    """
    g = daily[daily.index <= pd.Timestamp(end)].sort_index()
    rows = {}
    for col in g.columns:
        n, since, cens = session_streak(g[col])
        total = float(g[col].iloc[len(g) - abs(n):].sum()) if n else 0.0
        rows[col] = {"streak_days": n, "streak_since": since, "censored": cens,
                     "streak_cny": total}
    out = pd.DataFrame.from_dict(rows, orient="index",
                                 columns=["streak_days", "streak_since", "censored", "streak_cny"])
    out["streak_days"] = out["streak_days"].astype(int)
    out["censored"] = out["censored"].astype(bool)
    out.index.name = daily.columns.name
    return out


def top_bottom(frame: pd.DataFrame, value_col: str, n: int) -> tuple[list[str], list[str]]:
    """Index labels of the largest inflows (``n`` highest positive values, highest first) and
    the largest outflows (``n`` lowest negative values, lowest first). A week in which fewer
    than ``n`` groups had a net inflow gives a shorter inflow list: a net outflow is never
    listed as an inflow. Zero and NaN are in neither list; ties are broken by label."""
    f = frame[value_col].dropna()
    pos = sorted((k for k in f.index if f[k] > 0), key=lambda k: (-float(f[k]), str(k)))
    neg = sorted((k for k in f.index if f[k] < 0), key=lambda k: (float(f[k]), str(k)))
    return pos[:n], neg[:n]


def longest_streaks(st: pd.DataFrame, n: int, sign: int) -> list[str]:
    """Labels of the ``n`` longest runs of the given sign (+1 inflow, -1 outflow), longest
    first; ties broken by label. Runs of length 0 are never listed."""
    s = st["streak_days"] * sign
    s = s[s > 0]
    return sorted(s.index, key=lambda k: (-int(s[k]), str(k)))[:n]
