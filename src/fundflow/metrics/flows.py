"""ETF creations/redemptions and northbound (Stock Connect) trading, on long frames (pure pandas).

ETF flows (data-sources.md §3.2.1)
    ``F_d = (S_d - S_{d-1}) x P_d`` with ``S`` the fund units outstanding and ``P`` the close of
    day d; the weekly flow is ``sum of F_d over the sessions of W``. ``S_{d-1}`` is the ETF's
    previous row, so a day after a gap spans the gap. The first row of an ETF (its listing day,
    or the first day in the loaded history) has no previous units and no flow: the units raised
    before listing are not a creation on that day.
    A unit split (份额折算/拆分) multiplies the units and divides the price by the same factor; a
    merge does the reverse. Neither is a flow, so a day where the units and the price jump in
    opposite directions while the fund's value barely moves is flagged and its flow is left out
    (``is_unit_split``).

Northbound trading (data-sources.md §3.2.4)
    ``NBT_d = buy + sell`` over both channels (Shanghai and Shenzhen Connect). Its share of
    A-share turnover is measured on the days northbound trading was open (it closes on Hong Kong
    holidays while the A-share market trades): ``sum NBT_d / sum T_d`` with
    ``T_d = amount(000001 SSE Composite) + amount(399106 SZSE Composite)``. Both numerator and
    denominator count both sides of the trades they contain; dividing by ``2 x T_d`` instead gives
    the share of two-sided market turnover (half the first number). Both are returned.

Northbound holdings
    Quarterly disclosures (since 2024-08). The weekly return of the top N holdings is measured as
    if the disclosed positions were held unchanged: equal-weighted, and value-weighted by
    ``shares x close(t0)`` (the position's value at the start of the week).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from fundflow.metrics.returns import weekly_change
from fundflow.metrics.streaks import trailing_sign_streak, week_monday

CATEGORIES: tuple[str, ...] = ("broad", "strategy", "sector")
A_SHARE_TURNOVER_INDICES: tuple[str, ...] = ("000001", "399106")

# A price move this large in one session is beyond any ETF's daily limit (10%, 20% on STAR and
# ChiNext ETFs), so together with an opposite unit jump it marks a split or merge.
SPLIT_PRICE_JUMP = 0.25
# ...and the fund's value (units x price) changes by less than this on that day.
SPLIT_VALUE_TOLERANCE = 0.15


def _days(sessions: Sequence[date]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([pd.Timestamp(d) for d in sessions])


# -- ETFs -------------------------------------------------------------------------------------
def is_unit_split(share_ratio: pd.Series | np.ndarray, price_ratio: pd.Series | np.ndarray,
                  price_jump: float = SPLIT_PRICE_JUMP,
                  value_tolerance: float = SPLIT_VALUE_TOLERANCE) -> np.ndarray:
    """True where ``S_d/S_{d-1}`` and ``P_d/P_{d-1}`` move inversely like a split or merge.

    A split 1:2 gives share_ratio 2.0 and price_ratio ~0.5: the price jump exceeds
    ``price_jump`` (relative, either way), the units jump the other way, and the value ratio
    ``share_ratio x price_ratio`` stays within ``1 +/- value_tolerance``.
    """
    s = np.asarray(share_ratio, dtype="float64")
    p = np.asarray(price_ratio, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s, log_p = np.log(s), np.log(p)
        jump = np.abs(log_p) >= np.log1p(price_jump)
        inverse = np.sign(log_s) == -np.sign(log_p)
        value = np.abs(log_s + log_p) <= np.log1p(value_tolerance)
    return np.asarray(jump & inverse & value & np.isfinite(log_s) & np.isfinite(log_p))


def etf_daily_flows(frame: pd.DataFrame, *, price_jump: float = SPLIT_PRICE_JUMP,
                    value_tolerance: float = SPLIT_VALUE_TOLERANCE) -> pd.DataFrame:
    """Daily net creation per ETF from an ``etf_daily`` frame.

    Returns the rows of ``frame`` sorted by (etf_code, trade_date) with columns ``etf_code``,
    ``trade_date``, ``close``, ``shares``, ``prev_shares``, ``share_change``, ``flow_cny``,
    ``first_row`` (no previous row: flow is NaN) and ``split`` (flow left out, NaN).
    """
    f = frame[["etf_code", "trade_date", "close", "shares"]].dropna(subset=["close", "shares"])
    f = f.sort_values(["etf_code", "trade_date"]).reset_index(drop=True)
    g = f.groupby("etf_code", sort=False)
    prev_shares = g["shares"].shift(1)
    prev_close = g["close"].shift(1)
    out = f.copy()
    out["prev_shares"] = prev_shares
    out["share_change"] = f["shares"] - prev_shares
    out["first_row"] = prev_shares.isna()
    out["split"] = is_unit_split(f["shares"] / prev_shares, f["close"] / prev_close,
                                 price_jump, value_tolerance)
    flow = out["share_change"] * f["close"]
    out["flow_cny"] = flow.where(~out["split"])
    return out


@dataclass(frozen=True)
class EtfWeek:
    """Per-ETF weekly figures (frame ``etfs``) plus the days that were flagged."""

    etfs: pd.DataFrame      # one row per ETF with data in W (see etf_week_flows)
    split_days: pd.DataFrame  # etf_code, trade_date of split/merge days inside W
    listed: pd.DataFrame    # etf_code, trade_date of ETFs whose first row is inside W


def etf_week_flows(flows: pd.DataFrame, sessions: Sequence[date],
                   prev_session: date) -> EtfWeek:
    """Weekly net creation per ETF over ``sessions`` from ``etf_daily_flows`` output.

    Columns of ``etfs``: ``etf_code``, ``flow_cny`` (sum over W, NaN days skipped; 0.0 when the ETF
    traded but no day had a flow), ``days`` (rows in W), ``shares_start`` (units at or before t0,
    NaN if listed in W), ``shares_end``, ``close_end``, ``aum_end_cny`` (units x close at the last
    row), ``share_change_pct`` and ``return_pct`` (close at t1 vs t0, NaN without a t0 close).
    """
    days = _days(sessions)
    t0 = pd.Timestamp(prev_session)
    inweek = flows[flows["trade_date"].isin(days)]
    if inweek.empty:
        empty = pd.DataFrame(columns=["etf_code", "flow_cny", "days", "shares_start", "shares_end",
                                      "close_end", "aum_end_cny", "share_change_pct",
                                      "return_pct"])
        return EtfWeek(empty, inweek[["etf_code", "trade_date"]], inweek[["etf_code", "trade_date"]])
    g = inweek.groupby("etf_code", sort=True)
    out = pd.DataFrame({"flow_cny": g["flow_cny"].sum(min_count=0), "days": g.size(),
                        "shares_end": g["shares"].last(), "close_end": g["close"].last()})
    base = flows[flows["trade_date"] <= t0].groupby("etf_code", sort=True).tail(1)
    base = base.set_index("etf_code")
    out["shares_start"] = base["shares"].reindex(out.index)
    close_start = base["close"].reindex(out.index)
    out["aum_end_cny"] = out["shares_end"] * out["close_end"]
    out["share_change_pct"] = (out["shares_end"] / out["shares_start"] - 1.0) * 100.0
    out["return_pct"] = (out["close_end"] / close_start - 1.0) * 100.0
    out.index.name = "etf_code"
    out = out.reset_index()[["etf_code", "flow_cny", "days", "shares_start", "shares_end",
                             "close_end", "aum_end_cny", "share_change_pct", "return_pct"]]
    splits = inweek.loc[inweek["split"], ["etf_code", "trade_date"]].reset_index(drop=True)
    listed = inweek.loc[inweek["first_row"], ["etf_code", "trade_date"]].reset_index(drop=True)
    # a first row inside W is a listing only if the ETF has no row before W at all
    listed = listed[~listed["etf_code"].isin(base.index)].reset_index(drop=True)
    return EtfWeek(out, splits, listed)


def category_totals(week: pd.DataFrame, prev_week: pd.DataFrame, etfs: pd.DataFrame,
                    categories: Sequence[str] = CATEGORIES) -> pd.DataFrame:
    """Weekly flow by category this week and last, with the ETF count and AUM at t1.

    ``week``/``prev_week`` are ``EtfWeek.etfs`` frames; ``etfs`` maps ``etf_code`` -> ``category``.
    One row per category in ``categories`` order (0.0 flows for a category without ETFs in W),
    columns ``category``, ``n_etfs``, ``flow_cny``, ``flow_prev_cny``, ``aum_end_cny`` and
    ``flow_pct_of_aum`` (flow / (AUM at t1 - flow), i.e. of the value before the flow; NaN
    when there is no AUM).
    """
    cat = etfs.set_index("etf_code")["category"]
    cur = week.assign(category=week["etf_code"].map(cat))
    prev = prev_week.assign(category=prev_week["etf_code"].map(cat))
    rows = []
    for c in categories:
        w = cur[cur["category"] == c]
        p = prev[prev["category"] == c]
        flow = float(w["flow_cny"].sum())
        aum = float(w["aum_end_cny"].sum())
        base = aum - flow
        rows.append({"category": c, "n_etfs": int(len(w)), "flow_cny": flow,
                     "flow_prev_cny": float(p["flow_cny"].sum()), "aum_end_cny": aum,
                     "flow_pct_of_aum": flow / base * 100.0 if base > 0 else float("nan")})
    return pd.DataFrame(rows)


def daily_category_flows(flows: pd.DataFrame, etfs: pd.DataFrame, sessions: Sequence[date],
                         categories: Sequence[str] = CATEGORIES) -> pd.DataFrame:
    """Net creation per session (rows, every session of W) and category (columns), in 元.

    A session without any flow in a category is 0.0 (nothing was created or redeemed that we
    can see); sessions missing from the data entirely are NaN.
    """
    days = _days(sessions)
    cat = etfs.set_index("etf_code")["category"]
    f = flows[flows["trade_date"].isin(days)]
    f = f.assign(category=f["etf_code"].map(cat))
    wide = f.groupby(["trade_date", "category"])["flow_cny"].sum().unstack(fill_value=0.0)
    wide = wide.reindex(index=days, columns=list(categories))
    have = wide.index.isin(f["trade_date"])
    wide.loc[have] = wide.loc[have].fillna(0.0)
    wide.index.name = "trade_date"
    wide.columns.name = None
    return wide


def weekly_category_flows(flows: pd.DataFrame, etfs: pd.DataFrame, until: date,
                          weeks: int, categories: Sequence[str] = CATEGORIES) -> pd.DataFrame:
    """Net creation per calendar week (rows, the Monday) and category (columns), in 元: the last
    ``weeks`` weeks with data up to ``until``. A category without flows in a week is 0.0. The
    first calendar week of ``flows`` is dropped: the first loaded day has no prior units and so
    no flow, which would understate that week."""
    cat = etfs.set_index("etf_code")["category"]
    f = flows[flows["trade_date"] <= pd.Timestamp(until)]
    if f.empty:
        return pd.DataFrame(columns=list(categories), dtype="float64")
    f = f.assign(category=f["etf_code"].map(cat), week=week_monday(f["trade_date"]))
    f = f[f["week"] > f["week"].min()]
    wide = f.groupby(["week", "category"])["flow_cny"].sum().unstack(fill_value=0.0)
    wide = wide.reindex(columns=list(categories)).fillna(0.0).sort_index()
    wide.columns.name = None
    return wide.tail(weeks)


def flow_streak(weekly: pd.Series) -> int:
    """Signed number of consecutive weeks of net creation (+) or redemption (-) ending with the
    last week of ``weekly`` (ordered by week)."""
    return trailing_sign_streak(weekly.sort_index().to_numpy(dtype="float64"))


def top_flows(week: pd.DataFrame, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` largest net creations (> 0, descending) and redemptions (< 0, most negative
    first); ties broken by code. An ETF with no flow is in neither list."""
    f = week.dropna(subset=["flow_cny"])
    ins = f[f["flow_cny"] > 0].sort_values(["flow_cny", "etf_code"], ascending=[False, True])
    outs = f[f["flow_cny"] < 0].sort_values(["flow_cny", "etf_code"], ascending=[True, True])
    return ins.head(n).reset_index(drop=True), outs.head(n).reset_index(drop=True)


# -- northbound trading -----------------------------------------------------------------------
def a_share_turnover(index_daily: pd.DataFrame,
                     codes: Sequence[str] = A_SHARE_TURNOVER_INDICES) -> pd.Series:
    """Two-market turnover ``T_d`` in 元: the sum of ``amount_cny`` of ``codes`` per day, only on
    days where every code has an amount (a day with one market missing is left out rather than
    understated)."""
    f = index_daily[index_daily["index_code"].isin(codes)].dropna(subset=["amount_cny"])
    g = f.groupby("trade_date")
    total = g["amount_cny"].sum()[g["index_code"].nunique() == len(set(codes))]
    return total.rename("turnover_cny").sort_index()


def northbound_daily(northbound: pd.DataFrame, turnover: pd.Series,
                     sessions: Sequence[date]) -> pd.DataFrame:
    """One row per A-share session: ``sh_cny``, ``sz_cny``, ``amount_cny`` (both channels; NaN when
    northbound was closed), ``net_buy_cny`` (NaN unless published for every channel that day),
    ``turnover_cny`` (T_d) and ``share_pct`` (amount / T_d x 100)."""
    days = _days(sessions)
    f = northbound[northbound["trade_date"].isin(days)]
    amt = f.pivot_table(index="trade_date", columns="channel", values="amount_cny", aggfunc="sum")
    amt = amt.reindex(index=days, columns=["sh", "sz"])
    out = pd.DataFrame(index=days)
    out.index.name = "trade_date"
    out["sh_cny"] = amt["sh"]
    out["sz_cny"] = amt["sz"]
    out["amount_cny"] = amt.sum(axis=1, min_count=1)
    nets = f.groupby("trade_date")["net_buy_cny"]
    net = nets.sum(min_count=1).where(nets.count() == nets.size())
    out["net_buy_cny"] = net.reindex(days)
    out["turnover_cny"] = turnover.reindex(days)
    out["share_pct"] = out["amount_cny"] / out["turnover_cny"] * 100.0
    return out


@dataclass(frozen=True)
class NorthboundWeek:
    sessions: int               # A-share sessions in the week
    open_days: int              # of which northbound traded
    closed: tuple[date, ...]    # A-share sessions without northbound trading
    total_cny: float            # sum of NBT_d
    adt_cny: float              # mean NBT_d over open days
    sh_adt_cny: float
    sz_adt_cny: float
    market_adt_cny: float       # mean T_d over all sessions with T_d
    share_pct: float            # sum NBT / sum T over open days with T  (buy+sell / turnover)
    share_two_sided_pct: float  # the same over 2 x T
    net_buy_cny: float | None   # sum of published daily net buying, None if none published
    net_buy_days: int


def northbound_week(daily: pd.DataFrame) -> NorthboundWeek:
    """Weekly figures from ``northbound_daily`` rows of one week."""
    open_ = daily[daily["amount_cny"].notna()]
    matched = open_[open_["turnover_cny"].notna()]
    t_sum = float(matched["turnover_cny"].sum())
    share = float(matched["amount_cny"].sum()) / t_sum * 100.0 if t_sum > 0 else float("nan")
    nets = open_["net_buy_cny"].dropna()
    nan = float("nan")
    return NorthboundWeek(
        sessions=int(len(daily)), open_days=int(len(open_)),
        closed=tuple(d.date() for d in daily.index[daily["amount_cny"].isna()]),
        total_cny=float(open_["amount_cny"].sum()) if len(open_) else nan,
        adt_cny=float(open_["amount_cny"].mean()) if len(open_) else nan,
        sh_adt_cny=float(open_["sh_cny"].mean()) if len(open_) else nan,
        sz_adt_cny=float(open_["sz_cny"].mean()) if len(open_) else nan,
        market_adt_cny=float(daily["turnover_cny"].mean()),
        share_pct=share, share_two_sided_pct=share / 2.0,
        net_buy_cny=float(nets.sum()) if len(nets) else None, net_buy_days=int(len(nets)))


def last_net_buy_date(northbound: pd.DataFrame) -> date | None:
    """The last day with a published net-buying figure, or None if there is none."""
    f = northbound.dropna(subset=["net_buy_cny"])
    return None if f.empty else f["trade_date"].max().date()


# -- northbound holdings ----------------------------------------------------------------------
def latest_holdings(holdings: pd.DataFrame, as_of: date, n: int) -> tuple[date, pd.DataFrame]:
    """The latest disclosure on or before ``as_of`` and its ``n`` largest positions by market
    value (ties by code), with ``rank`` 1..n. Raises ValueError when nothing is disclosed."""
    f = holdings[holdings["disclosure_date"] <= pd.Timestamp(as_of)]
    if f.empty:
        raise ValueError(f"no northbound holdings disclosed on or before {as_of}")
    d = f["disclosure_date"].max()
    top = f[f["disclosure_date"] == d].sort_values(["market_value_cny", "stock_code"],
                                                   ascending=[False, True]).head(n)
    top = top.reset_index(drop=True)
    top.insert(0, "rank", np.arange(1, len(top) + 1))
    return d.date(), top


@dataclass(frozen=True)
class HoldingsPerformance:
    stocks: pd.DataFrame   # per holding: see holdings_performance
    ew_week_pct: float
    vw_week_pct: float
    ew_since_pct: float    # since the disclosure date
    vw_since_pct: float
    missing: tuple[str, ...]  # holdings without prices in the window


def _close_at(frame: pd.DataFrame, when: pd.Timestamp) -> pd.Series:
    f = frame[frame["trade_date"] <= when].sort_values(["stock_code", "trade_date"])
    return f.groupby("stock_code")["close"].last()


def holdings_performance(top: pd.DataFrame, stock_daily: pd.DataFrame, sessions: Sequence[date],
                         prev_session: date, disclosure: date) -> HoldingsPerformance:
    """Weekly return (t0 -> t1) and return since the disclosure date of each disclosed holding,
    and their equal- and value-weighted averages.

    Weekly value weights are ``shares x close(t0)``; weights since disclosure are the disclosed
    ``market_value_cny``. A holding without a close at t0 and t1 is left out and listed in
    ``missing``. A stock suspended all week has a 0% return (last close = base close).
    """
    codes = list(top["stock_code"])
    px = stock_daily[stock_daily["stock_code"].isin(codes)]
    wk = weekly_change(px, "stock_code", sessions, prev_session).set_index("stock_code")
    base_d = _close_at(px, pd.Timestamp(disclosure))
    out = top.set_index("stock_code")[["rank", "shares", "market_value_cny"]].copy()
    out["close_t0"] = wk["start"].reindex(out.index)
    out["close_t1"] = wk["end"].reindex(out.index)
    out["sessions_traded"] = wk["sessions_traded"].reindex(out.index)
    out["week_return_pct"] = wk["return_pct"].reindex(out.index)
    out["since_return_pct"] = (out["close_t1"] / base_d.reindex(out.index) - 1.0) * 100.0
    ok = out["week_return_pct"].notna()
    value_t0 = out["shares"] * out["close_t0"]
    out["weight_pct"] = (value_t0 / value_t0[ok].sum() * 100.0).where(ok)
    r = out.loc[ok, "week_return_pct"]
    w = value_t0[ok]
    s_ok = out["since_return_pct"].notna()
    rs, ws = out.loc[s_ok, "since_return_pct"], out.loc[s_ok, "market_value_cny"]
    nan = float("nan")
    out.index.name = "stock_code"
    return HoldingsPerformance(
        stocks=out.reset_index(),
        ew_week_pct=float(r.mean()) if len(r) else nan,
        vw_week_pct=float((r * w).sum() / w.sum()) if len(r) and w.sum() > 0 else nan,
        ew_since_pct=float(rs.mean()) if len(rs) else nan,
        vw_since_pct=float((rs * ws).sum() / ws.sum()) if len(rs) and ws.sum() > 0 else nan,
        missing=tuple(out.index[~ok]))


def index_return_pct(index_daily: pd.DataFrame, code: str, start: date, end: date) -> float:
    """Return in % of ``code`` from its last close on or before ``start`` to its last close on or
    before ``end`` (NaN when either is missing)."""
    s = index_daily[index_daily["index_code"] == code].set_index("trade_date")["close"].sort_index()
    a = s[s.index <= pd.Timestamp(start)]
    b = s[s.index <= pd.Timestamp(end)]
    if a.empty or b.empty:
        return float("nan")
    return float((b.iloc[-1] / a.iloc[-1] - 1.0) * 100.0)
