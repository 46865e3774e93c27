"""Index-enhanced funds: weekly returns from daily NAV growth, excess over the benchmark index,
and cross-sectional summaries (pure pandas; no I/O).

Conventions (data-sources.md §3.2.2):

* Fund weekly return ``r_f = Π_{d∈W} (1 + 日增长率_d / 100) - 1`` over the sessions of the week.
  The daily growth rate is dividend-adjusted, so a distribution does not look like a loss (the
  raw unit-NAV ratio would). A fund must have a NAV row on every session of the week to be
  counted; otherwise it is left out and counted as excluded.
* Index weekly return ``r_i = C(t1) / C(t0) - 1`` (price index, closes).
* Excess ``r_f - r_i`` is a simple difference in percentage points. Enhanced funds are usually
  benchmarked to 95 % index + 5 % deposits; the simple difference is kept and said so.
* Cross-section per benchmark: count, median, mean, quartiles (linear interpolation), and how
  many funds beat the index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from fundflow.metrics.streaks import week_monday


@dataclass(frozen=True)
class Week:
    """One calendar week: its sessions (ascending) and the last session before it."""

    monday: date
    sessions: tuple[date, ...]
    prev_session: date

    @property
    def end(self) -> date:
        return self.sessions[-1]


def weeks_ending(sessions: Sequence[date] | pd.Series, end: date, n: int) -> list[Week]:
    """The last ``n`` calendar weeks that have sessions, ending with the week of ``end``,
    oldest first. A week needs a session before it (its ``t0``); weeks without sessions do not
    exist here (a holiday week with two sessions is one week)."""
    s = pd.Series(pd.to_datetime(pd.Series(list(sessions))).unique()).sort_values()
    s = s[s <= pd.Timestamp(end)].reset_index(drop=True)
    if s.empty:
        return []
    monday = week_monday(s)
    groups = list(s.groupby(monday.to_numpy(), sort=True))
    out: list[Week] = []
    for i in range(len(groups) - 1, 0, -1):
        mon, days = groups[i]
        prev_days = groups[i - 1][1]
        out.append(Week(pd.Timestamp(mon).date(), tuple(d.date() for d in days),
                        prev_days.iloc[-1].date()))
        if len(out) == n:
            break
    return out[::-1]


def compound_return_pct(daily_return_pct: Sequence[float] | pd.Series) -> float:
    """(Π(1 + r/100) - 1) * 100 of daily returns in %; NaN for an empty or gappy input."""
    arr = np.asarray(list(daily_return_pct), dtype="float64")
    if arr.size == 0 or not np.isfinite(arr).all():
        return float("nan")
    return float((np.prod(1.0 + arr / 100.0) - 1.0) * 100.0)


def index_week_return_pct(close: pd.Series, week: Week) -> float:
    """C(t1)/C(t0) - 1 in %, with the last close at or before each date (index = dates)."""
    c = close.dropna().sort_index()
    a = c[c.index <= pd.Timestamp(week.end)]
    b = c[c.index <= pd.Timestamp(week.prev_session)]
    if a.empty or b.empty:
        return float("nan")
    return float((a.iloc[-1] / b.iloc[-1] - 1.0) * 100.0)


def fund_week_returns(nav: pd.DataFrame, funds: pd.DataFrame, week: Week) -> pd.DataFrame:
    """Per fund of ``funds`` (fund_code, benchmark_index): compounded return over the week's
    sessions, the number of sessions with a NAV row, and whether that is all of them."""
    days = pd.DatetimeIndex([pd.Timestamp(d) for d in week.sessions])
    f = nav[nav["fund_code"].isin(funds["fund_code"]) & nav["trade_date"].isin(days)]
    f = f.dropna(subset=["daily_return_pct"])
    g = f.groupby("fund_code", sort=True)["daily_return_pct"]
    ret = g.apply(compound_return_pct)
    n = g.size()
    out = funds[["fund_code", "benchmark_index"]].drop_duplicates("fund_code").set_index(
        "fund_code")
    out["fund_return_pct"] = ret.reindex(out.index)
    out["days"] = n.reindex(out.index).fillna(0).astype(int)
    out["complete"] = out["days"] == len(week.sessions)
    out.loc[~out["complete"], "fund_return_pct"] = np.nan
    return out.reset_index()


def excess_for_week(nav: pd.DataFrame, funds: pd.DataFrame,
                    index_close: Mapping[str, pd.Series], week: Week) -> pd.DataFrame:
    """Per fund: fund return, its benchmark's return, excess (pp), ``used`` (complete NAVs and
    an index return)."""
    out = fund_week_returns(nav, funds, week)
    idx = {code: index_week_return_pct(s, week) for code, s in index_close.items()}
    out["index_return_pct"] = out["benchmark_index"].map(idx).astype(float)
    out["excess_pp"] = out["fund_return_pct"] - out["index_return_pct"]
    out["used"] = out["excess_pp"].notna()
    return out


def summarise_excess(per_fund: pd.DataFrame) -> pd.DataFrame:
    """Per benchmark: index return, funds used/excluded, median fund return, median, mean,
    25th and 75th percentile of the excess, and how many funds beat the index."""
    rows = []
    for bench, g in per_fund.groupby("benchmark_index", sort=True):
        used = g[g["used"]]
        ex = used["excess_pp"]
        idx_ret = g["index_return_pct"].dropna()
        rows.append({
            "benchmark_index": bench,
            "index_return_pct": float(idx_ret.iloc[0]) if not idx_ret.empty else float("nan"),
            "count": int(used.shape[0]), "excluded": int(g.shape[0] - used.shape[0]),
            "median_return_pct": float(used["fund_return_pct"].median()) if len(used) else
            float("nan"),
            "median_pp": float(ex.median()) if len(ex) else float("nan"),
            "mean_pp": float(ex.mean()) if len(ex) else float("nan"),
            "p25_pp": float(ex.quantile(0.25)) if len(ex) else float("nan"),
            "p75_pp": float(ex.quantile(0.75)) if len(ex) else float("nan"),
            "beat": int((ex > 0).sum()),
        })
    return pd.DataFrame(rows)


def excess_table(nav: pd.DataFrame, funds: pd.DataFrame,
                 index_close: Mapping[str, pd.Series], weeks: Sequence[Week]) -> pd.DataFrame:
    """``excess_for_week`` for every week of ``weeks`` in one pass over ``nav``, long (weeks in
    order, funds in the order of ``funds`` within a week), with a ``week_no`` column (position
    in ``weeks``). Same rules and the same floating-point operations as the one-week version."""
    base = funds[["fund_code", "benchmark_index"]].drop_duplicates("fund_code")
    codes = base["fund_code"].to_numpy()
    n_funds, n_weeks = len(codes), len(weeks)
    days = pd.DataFrame({"trade_date": [pd.Timestamp(d) for w in weeks for d in w.sessions],
                         "week_no": [i for i, w in enumerate(weeks) for _ in w.sessions]})
    f = nav.loc[nav["fund_code"].isin(funds["fund_code"]) & nav["trade_date"].isin(
        pd.DatetimeIndex(days["trade_date"])), ["fund_code", "trade_date", "daily_return_pct"]]
    f = f.dropna(subset=["daily_return_pct"])
    days["trade_date"] = days["trade_date"].astype(f["trade_date"].dtype)
    f = f.merge(days, on="trade_date", how="inner")          # keeps nav's row order
    f = f.sort_values(["week_no", "fund_code"], kind="stable", ignore_index=True)
    # compound each (week, fund) run with the same reduction as compound_return_pct
    ret = np.full((n_weeks, n_funds), np.nan)
    n_days = np.zeros((n_weeks, n_funds), dtype=int)
    if len(f):
        r = f["daily_return_pct"].to_numpy(dtype="float64")
        key = f["week_no"].to_numpy() * max(n_funds, 1) + pd.Index(codes).get_indexer(
            f["fund_code"])
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        sizes = np.diff(np.r_[starts, len(key)])
        prod = np.multiply.reduceat(1.0 + r / 100.0, starts)
        finite = np.logical_and.reduceat(np.isfinite(r), starts)
        val = np.where(finite, (prod - 1.0) * 100.0, np.nan)
        w_ix, f_ix = np.divmod(key[starts], max(n_funds, 1))
        ret[w_ix, f_ix] = val
        n_days[w_ix, f_ix] = sizes
    n_sessions = np.array([len(w.sessions) for w in weeks], dtype=int)[:, None]
    complete = n_days == n_sessions
    ret = np.where(complete, ret, np.nan)
    idx = {code: _index_week_returns_pct(s, weeks) for code, s in index_close.items()}
    bench = base["benchmark_index"].to_numpy()
    idx_ret = np.array([[idx[b][i] if b in idx else np.nan for b in bench]
                        for i in range(n_weeks)], dtype="float64").reshape(n_weeks, n_funds)
    out = pd.DataFrame({
        "fund_code": np.tile(codes, n_weeks), "benchmark_index": np.tile(bench, n_weeks),
        "fund_return_pct": ret.ravel(), "days": n_days.ravel(),
        "complete": complete.ravel(), "index_return_pct": idx_ret.ravel()})
    out["excess_pp"] = out["fund_return_pct"] - out["index_return_pct"]
    out["used"] = out["excess_pp"].notna()
    out["week_no"] = np.repeat(np.arange(n_weeks), n_funds)
    return out


def _index_week_returns_pct(close: pd.Series, weeks: Sequence[Week]) -> list[float]:
    """``index_week_return_pct`` for each week, sorting the closes once."""
    c = close.dropna().sort_index()
    out = []
    for w in weeks:
        i1 = c.index.searchsorted(pd.Timestamp(w.end), side="right")
        i0 = c.index.searchsorted(pd.Timestamp(w.prev_session), side="right")
        out.append(float((c.iloc[i1 - 1] / c.iloc[i0 - 1] - 1.0) * 100.0)
                   if i1 > 0 and i0 > 0 else float("nan"))
    return out


def _summarise_by_week(per_fund: pd.DataFrame) -> pd.DataFrame:
    """``summarise_excess`` per week of an ``excess_table``, one group-by over all weeks: one
    row per (week_no, benchmark_index) in that order. The statistics are computed on the same
    values with the same numpy reductions as the one-week version, so the figures are
    identical (tested)."""
    rows = []
    for (week_no, bench), g in per_fund.groupby(["week_no", "benchmark_index"], sort=True):
        used = g["used"].to_numpy()
        ex = g["excess_pp"][used]
        idx_ret = g["index_return_pct"].dropna()
        n = int(used.sum())
        rows.append({
            "week_no": week_no, "benchmark_index": bench,
            "index_return_pct": float(idx_ret.iloc[0]) if not idx_ret.empty else float("nan"),
            "count": n, "excluded": int(len(g) - n),
            "median_return_pct": float(g["fund_return_pct"][used].median()) if n else
            float("nan"),
            "median_pp": float(ex.median()) if n else float("nan"),
            "mean_pp": float(ex.mean()) if n else float("nan"),
            # what Series.quantile computes for values without NaN (linear interpolation)
            "p25_pp": float(np.percentile(ex.to_numpy(), 25.0)) if n else float("nan"),
            "p75_pp": float(np.percentile(ex.to_numpy(), 75.0)) if n else float("nan"),
            "beat": int((ex > 0).sum()),
        })
    return pd.DataFrame(rows)


def excess_history(nav: pd.DataFrame, funds: pd.DataFrame,
                   index_close: Mapping[str, pd.Series], weeks: Sequence[Week]) -> pd.DataFrame:
    """``summarise_excess`` for each week, long: one row per (week, benchmark), with
    ``monday`` and ``week_end`` (last session) columns, oldest week first."""
    if not weeks:
        return pd.DataFrame()
    s = _summarise_by_week(excess_table(nav, funds, index_close, weeks))
    if s.empty:
        return s
    wk = s.pop("week_no").to_numpy()
    s["monday"] = _stamps([weeks[i].monday for i in wk])
    s["week_end"] = _stamps([weeks[i].end for i in wk])
    s["sessions"] = [len(weeks[i].sessions) for i in wk]
    return s


def _stamps(days: Sequence[date]) -> pd.Series:
    """Dates as a datetime column of the unit ``pd.Timestamp(date)`` has (what ``assign`` of
    one Timestamp gives the one-week version)."""
    unit = pd.Timestamp(days[0]).unit if len(days) else "ns"
    return pd.Series(pd.to_datetime(list(days))).astype(f"datetime64[{unit}]")


def per_fund_history(nav: pd.DataFrame, funds: pd.DataFrame,
                     index_close: Mapping[str, pd.Series], weeks: Sequence[Week]) -> pd.DataFrame:
    """Per fund and week: excess (pp), long, with ``monday``."""
    if not weeks:
        return pd.DataFrame()
    t = excess_table(nav, funds, index_close, weeks)
    t["monday"] = _stamps([weeks[i].monday for i in t.pop("week_no")])
    return t


def excess_history_by_week(nav: pd.DataFrame, funds: pd.DataFrame,
                           index_close: Mapping[str, pd.Series],
                           weeks: Sequence[Week]) -> pd.DataFrame:
    """``excess_history`` one week at a time (the definition; slower), kept as the reference
    the one-pass version is tested against."""
    parts = []
    for w in weeks:
        s = summarise_excess(excess_for_week(nav, funds, index_close, w))
        parts.append(s.assign(monday=pd.Timestamp(w.monday), week_end=pd.Timestamp(w.end),
                              sessions=len(w.sessions)))
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def per_fund_history_by_week(nav: pd.DataFrame, funds: pd.DataFrame,
                             index_close: Mapping[str, pd.Series],
                             weeks: Sequence[Week]) -> pd.DataFrame:
    """``per_fund_history`` one week at a time (the reference of the one-pass version)."""
    parts = [excess_for_week(nav, funds, index_close, w).assign(monday=pd.Timestamp(w.monday))
             for w in weeks]
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)
