"""Market temperature: implied vs realised volatility, the turnover regime, and the "national
team" footprint in ETF creations (pure pandas).

Volatility
    QVIX is an option-implied volatility index in volatility points (annualised %, 30 days).
    Realised volatility of the matching index over ``n`` sessions (default 20):
    ``sqrt(252) x std(ln(C_d / C_{d-1}), ddof=1) x 100`` over the last n daily log returns up
    to the week's last session. The 1-year percentile of a level is the share of the daily
    closes in the window ``(t1 - 1 year, t1]`` (calendar; the day one year before is outside)
    that are <= the level, in %.

Turnover regime
    ``T_d`` = two-market turnover (SSE Composite + SZSE Composite amounts, metrics.flows). A run
    counts the trailing sessions, ending at the week's last session, on which T_d stayed on the
    same side of a threshold (>= is above). Sessions are the days with turnover, so a holiday
    does not break a run. A weekly average is the mean of T_d over a calendar week's sessions
    (weeks by their Monday, so a week that spans New Year is one week). The analogue: this
    week's average is the lowest (highest) since the most recent earlier week whose average was
    lower (higher); with no such week it is the lowest (highest) of the whole history loaded.

National team footprint (an inference from public ETF unit changes, not a disclosure)
    For each tracked index, the day's net creation of its listed ETFs (metrics.flows, units x
    close) on days its index closed down: a day is flagged when that creation is at least the
    threshold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from fundflow.metrics.streaks import week_monday

TRADING_DAYS_PER_YEAR = 252


# -- volatility ---------------------------------------------------------------------------------
def realised_vol_pct(closes: pd.Series, at: date, sessions: int = 20) -> float:
    """Annualised realised volatility (%) of ``closes`` (indexed by date) over the last
    ``sessions`` daily log returns ending at ``at``; NaN with fewer returns than that."""
    s = closes.dropna().sort_index()
    s = s[s.index <= pd.Timestamp(at)]
    if len(s) < sessions + 1:
        return float("nan")
    r = np.log(s.to_numpy(dtype=float)[-(sessions + 1):])
    rets = np.diff(r)
    return float(np.std(rets, ddof=1) * math.sqrt(TRADING_DAYS_PER_YEAR) * 100.0)


def percentile_1y(values: pd.Series, at: date, min_obs: int = 60) -> tuple[float, int]:
    """Percentile (%) of the value at ``at`` among the values in ``(at - 1 year, at]``: the share
    of them <= it. Returns (percentile, observations); NaN when ``at`` has no value or the
    window holds fewer than ``min_obs`` values."""
    s = values.dropna().sort_index()
    t = pd.Timestamp(at)
    win = s[(s.index > t - pd.DateOffset(years=1)) & (s.index <= t)]
    n = int(win.size)
    if t not in win.index or n < min_obs:
        return float("nan"), n
    cur = float(win.loc[t])
    return float((win <= cur).sum() / n * 100.0), n


def value_at(values: pd.Series, at: date) -> float:
    """The last value on or before ``at`` (NaN if none)."""
    s = values.dropna().sort_index()
    s = s[s.index <= pd.Timestamp(at)]
    return float(s.iloc[-1]) if len(s) else float("nan")


# -- turnover regime ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    side: str              # "above" (>= threshold) or "below"
    sessions: int
    start: date | None     # first session of the run
    capped: bool           # the run reaches the first value loaded (a lower bound)


def threshold_run(series: pd.Series, threshold: float, until: date) -> Run:
    """The trailing run of sessions (index = dates) ending at the last value on or before
    ``until`` that stayed on one side of ``threshold``."""
    s = series.dropna().sort_index()
    s = s[s.index <= pd.Timestamp(until)]
    if s.empty:
        return Run("below", 0, None, False)
    above = (s >= threshold).to_numpy()
    side = bool(above[-1])
    n = 0
    for v in above[::-1]:
        if bool(v) != side:
            break
        n += 1
    return Run("above" if side else "below", n, s.index[-n].date(), n == len(s))


def weekly_averages(series: pd.Series) -> pd.Series:
    """Mean per calendar week (index = the week's Monday), over the sessions with a value."""
    s = series.dropna().sort_index()
    return s.groupby(week_monday(pd.Series(s.index, index=s.index))).mean().sort_index()


@dataclass(frozen=True)
class Analogue:
    kind: str               # "lowest" | "highest"
    value: float            # this week's average
    since_monday: date | None   # Monday of the most recent earlier week beyond it (None: none)
    since_value: float      # that week's average (NaN without one)
    weeks: int              # weeks between (exclusive) -> "lowest in N weeks"
    whole_history: bool     # no earlier week beyond it in the history loaded
    first_monday: date      # first week of the history loaded


def turnover_analogue(weekly: pd.Series, week_monday_: date) -> Analogue | None:
    """Whether the week starting ``week_monday_`` has the lowest or highest weekly average
    since some earlier week; the direction with the longer stretch wins (ties: lowest).
    None when the week has no average or no earlier week exists."""
    w = weekly.dropna().sort_index()
    t = pd.Timestamp(week_monday_)
    if t not in w.index:
        return None
    cur = float(w.loc[t])
    before = w[w.index < t]
    if before.empty:
        return None
    found: list[Analogue] = []
    for kind, beyond in (("lowest", before < cur), ("highest", before > cur)):
        hits = before[beyond]
        if hits.empty:
            found.append(Analogue(kind, cur, None, float("nan"), int(before.size), True,
                                  before.index[0].date()))
        else:
            last = hits.index[-1]
            between = int((before.index > last).sum())
            found.append(Analogue(kind, cur, last.date(), float(hits.iloc[-1]), between, False,
                                  before.index[0].date()))
    return max(found, key=lambda a: (a.weeks, a.kind == "lowest"))


# -- national team footprint --------------------------------------------------------------------
def index_daily_returns(index_daily: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Close-to-close return (%) per index and session: columns index_code, trade_date,
    return_pct (NaN on an index's first row)."""
    f = index_daily[index_daily["index_code"].isin(codes)].sort_values(
        ["index_code", "trade_date"], kind="stable")
    prev = f.groupby("index_code")["close"].shift(1)
    return pd.DataFrame({"index_code": f["index_code"], "trade_date": f["trade_date"],
                         "return_pct": (f["close"] / prev - 1.0) * 100.0}).reset_index(drop=True)


def group_daily_flows(flows: pd.DataFrame, tracks: Mapping[str, str]) -> pd.DataFrame:
    """Daily net creation per tracked index from per-ETF flows (metrics.flows.etf_daily_flows):
    columns index_code, trade_date, flow_cny (NaN flows -- first rows, splits -- count as 0),
    n_etfs (ETFs with a row that day), etfs (their codes, comma-separated)."""
    f = flows[flows["etf_code"].isin(tracks)].assign(
        index_code=lambda x: x["etf_code"].map(tracks),
        flow=lambda x: x["flow_cny"].fillna(0.0))
    if f.empty:
        return pd.DataFrame(columns=["index_code", "trade_date", "flow_cny", "n_etfs", "etfs"])
    g = f.sort_values(["index_code", "trade_date", "etf_code"], kind="stable").groupby(
        ["index_code", "trade_date"], sort=True)
    out = g.agg(flow_cny=("flow", "sum"), n_etfs=("etf_code", "size"),
                etfs=("etf_code", lambda s: ",".join(s)))
    return out.reset_index()


def footprint_days(group_flows: pd.DataFrame, returns: pd.DataFrame, *, start: date, end: date,
                   min_flow_cny: float, max_return_pct: float = 0.0) -> pd.DataFrame:
    """Days in [start, end] on which an index closed below ``max_return_pct`` (down) while its
    ETFs took net creations of at least ``min_flow_cny``: columns trade_date, index_code,
    return_pct, flow_cny, n_etfs, etfs; by date, then largest creation first."""
    m = group_flows.merge(returns, on=["index_code", "trade_date"], how="inner")
    d = m["trade_date"]
    m = m[(d >= pd.Timestamp(start)) & (d <= pd.Timestamp(end))]
    hit = m[(m["return_pct"] < max_return_pct) & (m["flow_cny"] >= min_flow_cny)]
    hit = hit.sort_values(["trade_date", "flow_cny", "index_code"], ascending=[True, False, True],
                          kind="stable")
    return hit[["trade_date", "index_code", "return_pct", "flow_cny", "n_etfs", "etfs"]
               ].reset_index(drop=True)
