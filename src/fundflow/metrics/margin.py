"""Margin-trading (两融) metrics on canonical frames: pure pandas, no I/O, no formatting.

Conventions (data-sources.md §3.2.1):

* Market turnover share of margin trading over a set of days
  ``Σ_d (fin_buy_d + sec_sell_d) / Σ_d (amount_000001_d + amount_399106_d)``, on the days that
  have both the margin totals and both index amounts (publication lag: exchange margin data for
  day T appears on T+1, so a week can be measured on fewer days than it had).
* Margin balance = 融资余额 + 融券余额 at the last date of a week; weekly change = difference of
  consecutive week-end balances.
* Net margin purchase of a stock over ``(t0, t1]`` = ``融资余额(t1) - 融资余额(t0)``, each taken
  as of the date (the last row on or before it). Missing sides, following the exchanges' lists:
  no row ever on or before t0 while the data does reach back to t0 -> the stock entered the list
  inside the window and its base is 0 (its first balance is real new financing); no row inside
  the window (suspended, or dropped from the list) -> its balance is carried and the purchase is
  0, not minus its balance. A stock whose last row is more than ``STALE_DAYS`` before t0 is not
  on the list any more and is left out.
* Weeks are calendar weeks (Monday..Sunday) of the dates present in the data, so a holiday week
  with two sessions is one week and a week without sessions does not exist (streaks.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from fundflow.metrics.streaks import trailing_sign_streak, week_monday

#: A-share stock codes (SSE main + STAR, SZSE main + ChiNext, BSE); funds, ETFs and B shares are
#: excluded from stock aggregates (data-sources.md §5.6).
A_SHARE_CODE = re.compile(r"^(60[0-5]|68[89]|00[0-3]|30[01]|920|[48]\d\d)\d{3}$")
#: a stock with no margin row for this many calendar days before t0 is off the list
STALE_DAYS = 21
TURNOVER_INDICES = ("000001", "399106")   # SSE Composite + SZSE Composite = 两市成交额


def _ts(d: date | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(d).normalize()


def a_shares(frame: pd.DataFrame, col: str = "stock_code") -> pd.DataFrame:
    """Rows whose ``col`` is an A-share stock code (the pattern is tested once per distinct
    code, not once per row)."""
    codes = frame[col].astype(str)
    ok = [c for c in pd.unique(codes) if A_SHARE_CODE.match(c)]
    return frame[codes.isin(ok)]


# -- market level -------------------------------------------------------------------------------
def daily_market(margin_market: pd.DataFrame, index_daily: pd.DataFrame,
                 turnover_indices: Sequence[str] = TURNOVER_INDICES) -> pd.DataFrame:
    """One row per date with margin totals: balances, margin turnover (融资买入 + 融券卖出) and
    two-market turnover (NaN when one of ``turnover_indices`` has no amount that day)."""
    m = margin_market.sort_values("trade_date").copy()
    m["balance_cny"] = m["fin_balance_cny"] + m["sec_balance_cny"]
    m["sec_sell_missing"] = m["sec_sell_cny"].isna()
    m["margin_turnover_cny"] = m["fin_buy_cny"] + m["sec_sell_cny"].fillna(0.0)
    idx = index_daily[index_daily["index_code"].isin(list(turnover_indices))]
    wide = idx.pivot_table(index="trade_date", columns="index_code", values="amount_cny",
                           aggfunc="last").reindex(columns=list(turnover_indices))
    market = wide.sum(axis=1, min_count=len(turnover_indices)).where(wide.notna().all(axis=1))
    m["market_turnover_cny"] = m["trade_date"].map(market)
    return m.reset_index(drop=True)


def turnover_share(daily: pd.DataFrame, days: Sequence[date]) -> dict[str, float]:
    """Margin turnover share over ``days`` (rows of ``daily_market``), on days with both sides.

    Keys: margin_turnover_cny, market_turnover_cny, share_pct, days (count used)."""
    want = {_ts(d) for d in days}
    f = daily[daily["trade_date"].isin(want)].dropna(subset=["market_turnover_cny"])
    mt, tt = float(f["margin_turnover_cny"].sum()), float(f["market_turnover_cny"].sum())
    return {"margin_turnover_cny": mt, "market_turnover_cny": tt,
            "share_pct": mt / tt * 100.0 if tt > 0 else float("nan"), "days": float(len(f))}


def weekly_market(daily: pd.DataFrame, until: date) -> pd.DataFrame:
    """Per calendar week up to ``until``: week-end balances and their change, the week's margin
    and market turnover, the share in % and the number of days.

    Columns: week (Monday), week_end, sessions, balance_cny, fin_balance_cny, sec_balance_cny,
    change_cny (vs the previous week's end; NaN for the first), margin_turnover_cny,
    market_turnover_cny, share_pct, share_days (days with both sides).
    """
    f = daily[daily["trade_date"] <= _ts(until)].sort_values("trade_date")
    f = f.assign(week=week_monday(f["trade_date"]))
    g = f.groupby("week", sort=True)
    last = g.tail(1).set_index("week")
    both = f.dropna(subset=["market_turnover_cny"]).groupby("week")
    out = pd.DataFrame({
        "week_end": last["trade_date"], "sessions": g.size(),
        "balance_cny": last["balance_cny"], "fin_balance_cny": last["fin_balance_cny"],
        "sec_balance_cny": last["sec_balance_cny"],
        "margin_turnover_cny": both["margin_turnover_cny"].sum(),
        "market_turnover_cny": both["market_turnover_cny"].sum(),
        "share_days": both.size(),
    })
    out["share_days"] = out["share_days"].fillna(0).astype(int)
    out["change_cny"] = out["balance_cny"].diff()
    out["share_pct"] = out["margin_turnover_cny"] / out["market_turnover_cny"] * 100.0
    return out.reset_index()


def balance_streak(weekly: pd.DataFrame) -> int:
    """Signed run of weeks in which the balance rose (+) or fell (-), ending with the last week."""
    return trailing_sign_streak(weekly["change_cny"].dropna())


# -- per stock ----------------------------------------------------------------------------------
class MarginPanel:
    """融资余额 of every stock by date (wide, built once) with the date of each stock's row, so
    that many as-of lookups (one per week) do not pivot the long frame again."""

    def __init__(self, margin_stock: pd.DataFrame) -> None:
        bal = margin_stock.pivot_table(index="trade_date", columns="stock_code",
                                       values="fin_balance_cny", aggfunc="last").sort_index()
        self.balance = bal
        stamps = np.where(bal.notna().to_numpy(), bal.index.to_numpy()[:, None],
                          np.datetime64("NaT", "ns"))
        self.stamp = pd.DataFrame(stamps, index=bal.index, columns=bal.columns)
        self.first = bal.index.min() if len(bal) else pd.NaT

    def asof(self, dates: Sequence[date]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Balance as of each date (last row on or before it) and that row's date: index
        stock_code, one column per date (Timestamp); NaN / NaT where there is no such row."""
        want = pd.DatetimeIndex(sorted({_ts(d) for d in dates}))
        idx = self.balance.index.union(want)
        bal = self.balance.reindex(idx).ffill().reindex(want)
        when = self.stamp.reindex(idx).ffill().reindex(want)
        return bal.T, when.T

    def net_purchases(self, t0: date, t1: date) -> pd.DataFrame:
        """See the module function ``net_purchases``."""
        T0, T1 = _ts(t0), _ts(t1)
        if T1 <= T0:
            raise ValueError(f"t1 {t1} must be after t0 {t0}")
        cols = ["stock_code", "bal_t0_cny", "bal_t1_cny", "net_buy_cny", "change_pct", "status"]
        if self.balance.empty:
            return pd.DataFrame(columns=cols)
        bal, when = self.asof([T0, T1])
        out = pd.DataFrame({"bal_t0_cny": bal[T0], "bal_t1_cny": bal[T1],
                            "seen_t0": when[T0], "seen_t1": when[T1]})
        out = out[out["seen_t1"].notna()]
        out = out[out["seen_t1"] >= T0 - pd.Timedelta(days=STALE_DAYS)]   # off the list
        status = pd.Series("ok", index=out.index, dtype=object)
        status[out["seen_t0"].notna() & (out["seen_t0"] < T0)] = "stale_base"
        status[(out["seen_t1"] < T1) & (out["seen_t1"] > T0)] = "stale_end"
        status[out["seen_t0"].isna()] = "entered" if self.first <= T0 else "no_base"
        status[out["seen_t1"] <= T0] = "no_data"
        out["status"] = status
        out = out[out["status"] != "no_base"].copy()
        out.loc[out["status"] == "entered", "bal_t0_cny"] = 0.0
        out["net_buy_cny"] = out["bal_t1_cny"] - out["bal_t0_cny"]
        base = out["bal_t0_cny"].where(out["bal_t0_cny"] > 0)
        out["change_pct"] = out["net_buy_cny"] / base * 100.0
        out.index.name = "stock_code"
        return out.reset_index()[cols].sort_values("stock_code", ignore_index=True)


def net_purchases(margin_stock: pd.DataFrame, t0: date, t1: date) -> pd.DataFrame:
    """Per stock: balance at t0 and t1 (as of), net margin purchase ``bal(t1) - bal(t0)`` in 元,
    the change in % of the t0 balance, and how the sides were found (``status``):

    ``ok`` rows on both dates; ``stale_base`` no row on t0, an earlier one used; ``stale_end``
    no row on t1, the last one inside the window used; ``entered`` no row on or before t0 while
    the data reaches back that far: base 0; ``no_data`` no row inside the window (suspended or
    dropped from the list): purchase 0. Left out: stocks off the list (last row more than
    STALE_DAYS before t0) and stocks without a base because the data starts after t0.
    """
    return MarginPanel(margin_stock[margin_stock["trade_date"] <= _ts(t1)]).net_purchases(t0, t1)


def week_ends(dates: pd.Series | Sequence[date], until: date) -> pd.DataFrame:
    """The last date of each calendar week among ``dates`` up to ``until``: columns week
    (Monday), week_end, sessions."""
    raw = dates if isinstance(dates, pd.Series) else pd.Series(list(dates))
    d = pd.Series(pd.to_datetime(raw.drop_duplicates()).dt.normalize().unique())
    d = d[d <= _ts(until)].sort_values()
    f = pd.DataFrame({"trade_date": d, "week": week_monday(d)})
    g = f.groupby("week", sort=True)["trade_date"]
    return pd.DataFrame({"week_end": g.max(), "sessions": g.size()}).reset_index()


def weekly_net_purchases(margin_stock: pd.DataFrame, until: date) -> pd.DataFrame:
    """Net margin purchase per stock and calendar week, from week-end to week-end, up to
    ``until`` (the first week in the data has no base and is left out).

    Long frame: stock_code, week, week_end, net_buy_cny, status (see ``net_purchases``), weeks
    oldest first and stocks in code order within a week. One pass: the balances as of every
    week end are looked up at once and each week is compared with the one before it on a
    (stock x week) array, with the rules of ``MarginPanel.net_purchases``.
    """
    cols = ["stock_code", "week", "week_end", "net_buy_cny", "status"]
    ends = week_ends(margin_stock["trade_date"], until)
    panel = MarginPanel(margin_stock[margin_stock["trade_date"] <= _ts(until)])
    if len(ends) < 2 or panel.balance.empty:
        return pd.DataFrame(columns=cols)
    end_days = pd.DatetimeIndex(ends["week_end"])
    bal, when = panel.asof(end_days)
    order = np.argsort(bal.index.to_numpy(dtype=str), kind="stable")
    codes = bal.index.to_numpy()[order]
    b = bal.to_numpy(dtype="float64")[order]
    seen = when.to_numpy(dtype="datetime64[ns]")[order]
    t = end_days.to_numpy(dtype="datetime64[ns]")
    t0, t1 = t[None, :-1], t[None, 1:]
    b0, b1 = b[:, :-1], b[:, 1:]
    s0, s1 = seen[:, :-1], seen[:, 1:]
    no_t0, no_t1 = np.isnat(s0), np.isnat(s1)
    stale_limit = t0 - np.timedelta64(STALE_DAYS, "D")
    status = np.full(b0.shape, "ok", dtype=object)
    status[~no_t0 & (s0 < t0)] = "stale_base"
    status[~no_t1 & (s1 < t1) & (s1 > t0)] = "stale_end"
    first = np.datetime64(panel.first, "ns")
    entered = np.broadcast_to(first <= t0, b0.shape)
    status[no_t0 & entered] = "entered"
    status[no_t0 & ~entered] = "no_base"
    status[~no_t1 & (s1 <= t0)] = "no_data"
    keep = ~no_t1 & (s1 >= stale_limit) & (status != "no_base")
    net = b1 - np.where(status == "entered", 0.0, b0)
    # week-major order: transpose so that ravel walks the stocks of one week, then the next
    keep_w = keep.T.ravel()
    n_stocks, n_weeks = b0.shape
    return pd.DataFrame({
        "stock_code": np.tile(codes, n_weeks)[keep_w],
        "week": np.repeat(ends["week"].to_numpy()[1:], n_stocks)[keep_w],
        "week_end": np.repeat(ends["week_end"].to_numpy()[1:], n_stocks)[keep_w],
        "net_buy_cny": net.T.ravel()[keep_w],
        "status": status.T.ravel()[keep_w],
    }, columns=cols)


def weekly_net_purchases_by_window(margin_stock: pd.DataFrame, until: date) -> pd.DataFrame:
    """``weekly_net_purchases`` computed one week at a time with ``MarginPanel.net_purchases``
    (the definition; slower). Kept as the reference the one-pass version is tested against."""
    ends = week_ends(margin_stock["trade_date"], until)
    panel = MarginPanel(margin_stock[margin_stock["trade_date"] <= _ts(until)])
    rows = []
    for (w0, w1) in zip(ends.itertuples(), ends.iloc[1:].itertuples()):
        nb = panel.net_purchases(w0.week_end, w1.week_end)
        rows.append(nb[["stock_code", "net_buy_cny", "status"]].assign(
            week=w1.week, week_end=w1.week_end))
    if not rows:
        return pd.DataFrame(columns=["stock_code", "week", "week_end", "net_buy_cny", "status"])
    return pd.concat(rows, ignore_index=True)[["stock_code", "week", "week_end", "net_buy_cny",
                                               "status"]]


def group_weekly(weekly: pd.DataFrame, groups: Mapping[str, str] | pd.Series) -> pd.DataFrame:
    """Sum weekly per-stock purchases by group (stock_code -> group). Columns group, week,
    week_end, net_buy_cny, stocks. Stocks without a group are left out."""
    g = pd.Series(groups) if not isinstance(groups, pd.Series) else groups
    f = weekly.assign(group=weekly["stock_code"].map(g)).dropna(subset=["group"])
    out = f.groupby(["group", "week"], sort=True).agg(
        week_end=("week_end", "max"), net_buy_cny=("net_buy_cny", "sum"),
        stocks=("stock_code", "nunique"))
    return out.reset_index()


def group_streaks(weekly_groups: pd.DataFrame, last_week: date) -> pd.Series:
    """Signed trailing streak per group of weeks with net buying (+N) or selling (-N), ending
    with the week of ``last_week``; a group without a value that week gets 0."""
    wk = week_monday(pd.Series([_ts(last_week)])).iloc[0]
    out = {}
    for grp, f in weekly_groups.sort_values("week").groupby("group", sort=True):
        f = f[f["week"] <= wk]
        out[grp] = (trailing_sign_streak(f["net_buy_cny"].to_numpy())
                    if not f.empty and f["week"].iloc[-1] == wk else 0)
    return pd.Series(out, dtype=int, name="streak_weeks")


# -- aggregation --------------------------------------------------------------------------------
def sum_by_members(nb: pd.DataFrame, members: Mapping[str, Sequence[str]],
                   value_col: str = "net_buy_cny") -> pd.DataFrame:
    """Per group (e.g. index): Σ of ``value_col`` over its members that are in ``nb``, the number
    of members and how many of them have a value. Columns group, <value_col>, members, covered."""
    v = nb.set_index("stock_code")[value_col]
    rows = []
    for grp, codes in members.items():
        codes = list(dict.fromkeys(codes))
        hit = v.reindex(codes).dropna()
        rows.append({"group": grp, value_col: float(hit.sum()), "members": len(codes),
                     "covered": int(len(hit))})
    return pd.DataFrame(rows, columns=["group", value_col, "members", "covered"])


def cap_bucket(mv_cny: pd.Series, bounds_cny: Sequence[float]) -> pd.Series:
    """Bucket index per stock for descending ``bounds_cny`` (e.g. 5e11, 1e11): 0 = above the
    first bound, k = between bound k-1 (inclusive) and bound k (inclusive), last = below the last
    bound. With (5e11, 1e11): > 5000亿 -> 0, 1000-5000亿 -> 1, < 1000亿 -> 2 (data-sources.md)."""
    b = list(bounds_cny)
    if any(x <= y for x, y in zip(b, b[1:])):
        raise ValueError(f"bounds must be strictly descending, got {b}")
    vals = mv_cny.to_numpy(dtype=float)
    k = np.zeros(len(vals), dtype=int)
    if b:
        k += (vals <= b[0]).astype(int)
        for bound in b[1:]:
            k += (vals < bound).astype(int)
    out = pd.Series(k, index=mv_cny.index, name="bucket")
    return out.where(~np.isnan(vals))


def dispersion(values: pd.Series) -> dict[str, float]:
    """Spread of per-stock values: sample standard deviation (n-1), max, min, range and
    interquartile range; NaN where undefined."""
    v = values.dropna().astype(float)
    nan = float("nan")
    if v.empty:
        return {"std": nan, "max": nan, "min": nan, "range": nan, "iqr": nan}
    return {"std": float(v.std(ddof=1)) if len(v) > 1 else nan, "max": float(v.max()),
            "min": float(v.min()), "range": float(v.max() - v.min()),
            "iqr": float(v.quantile(0.75) - v.quantile(0.25))}


def bucket_summary(nb: pd.DataFrame, bucket: pd.Series, n_buckets: int,
                   prev: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per bucket: stocks, Σ net purchases this window (and the previous one when ``prev`` is
    given, on the same bucket assignment), net buyers and sellers, and the dispersion of the
    per-stock values (std, max, min). ``bucket``: stock_code -> bucket index."""
    f = nb.assign(bucket=nb["stock_code"].map(bucket)).dropna(subset=["bucket"])
    p = None
    if prev is not None:
        p = prev.assign(bucket=prev["stock_code"].map(bucket)).dropna(subset=["bucket"])
    rows = []
    for k in range(n_buckets):
        g = f[f["bucket"] == k]
        vals = g["net_buy_cny"]
        d = dispersion(vals)
        top = g.sort_values(["net_buy_cny", "stock_code"], ascending=[False, True])
        bot = g.sort_values(["net_buy_cny", "stock_code"], ascending=[True, True])
        rows.append({
            "bucket": k, "stocks": int(len(g)), "net_buy_cny": float(vals.sum()),
            "net_buy_prev_cny": (float(p.loc[p["bucket"] == k, "net_buy_cny"].sum())
                                 if p is not None else float("nan")),
            "buyers": int((vals > 0).sum()), "sellers": int((vals < 0).sum()),
            "std_cny": d["std"], "max_cny": d["max"], "min_cny": d["min"],
            "range_cny": d["range"],
            "max_code": str(top["stock_code"].iloc[0]) if len(g) else "",
            "min_code": str(bot["stock_code"].iloc[0]) if len(g) else "",
        })
    return pd.DataFrame(rows)


def top_contributors(nb: pd.DataFrame, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The n largest net buyers (value > 0, descending) and net sellers (value < 0, ascending),
    ties broken by code."""
    f = nb.dropna(subset=["net_buy_cny"])
    buy = f[f["net_buy_cny"] > 0].sort_values(["net_buy_cny", "stock_code"],
                                              ascending=[False, True]).head(n)
    sell = f[f["net_buy_cny"] < 0].sort_values(["net_buy_cny", "stock_code"],
                                               ascending=[True, True]).head(n)
    return buy.reset_index(drop=True), sell.reset_index(drop=True)


def stock_turnover(stock_daily: pd.DataFrame, days: Sequence[date]) -> pd.DataFrame:
    """Σ amount per stock over ``days`` and the number of days it traded: stock_code,
    amount_cny, days."""
    want = {_ts(d) for d in days}
    f = stock_daily[stock_daily["trade_date"].isin(want)]
    g = f.groupby("stock_code", sort=True)["amount_cny"]
    return pd.DataFrame({"amount_cny": g.sum(), "days": g.size()}).reset_index()


def industry_ratio(nb: pd.DataFrame, industry_of: Mapping[str, str] | pd.Series,
                   turnover_cny: Mapping[str, float] | pd.Series) -> pd.DataFrame:
    """Per industry: Σ net purchases of its stocks, its turnover, and the purchases as % of
    the turnover. Columns industry, net_buy_cny, turnover_cny, ratio_pct, stocks."""
    ind = pd.Series(industry_of) if not isinstance(industry_of, pd.Series) else industry_of
    f = nb.assign(industry=nb["stock_code"].map(ind)).dropna(subset=["industry"])
    g = f.groupby("industry", sort=True)
    out = pd.DataFrame({"net_buy_cny": g["net_buy_cny"].sum(), "stocks": g.size()})
    to = pd.Series(turnover_cny, dtype=float)
    out = out.reindex(out.index.union(to.index))
    out["net_buy_cny"] = out["net_buy_cny"].fillna(0.0)
    out["stocks"] = out["stocks"].fillna(0).astype(int)
    out["turnover_cny"] = to.reindex(out.index)
    out["ratio_pct"] = out["net_buy_cny"] / out["turnover_cny"].where(out["turnover_cny"] > 0) * 100
    out.index.name = "industry"
    return out.reset_index()[["industry", "net_buy_cny", "turnover_cny", "ratio_pct", "stocks"]]


def leveraged_share(stock_daily: pd.DataFrame, margin_stock: pd.DataFrame,
                    days: Sequence[date]) -> pd.DataFrame:
    """Per stock: Σ 融资买入额 / Σ 成交额 over the ``days`` on which it has both rows (a day
    without margin data - not yet published, or off the list - counts on neither side).
    Columns stock_code, fin_buy_cny, amount_cny, share_pct, days."""
    want = {_ts(d) for d in days}
    s = stock_daily.loc[stock_daily["trade_date"].isin(want), ["stock_code", "trade_date",
                                                               "amount_cny"]]
    m = margin_stock.loc[margin_stock["trade_date"].isin(want), ["stock_code", "trade_date",
                                                                 "fin_buy_cny"]]
    f = s.merge(m, on=["stock_code", "trade_date"], how="inner")
    g = f.groupby("stock_code", sort=True)
    out = pd.DataFrame({"fin_buy_cny": g["fin_buy_cny"].sum(), "amount_cny": g["amount_cny"].sum(),
                        "days": g.size()})
    out["share_pct"] = out["fin_buy_cny"] / out["amount_cny"].where(out["amount_cny"] > 0) * 100
    return out.reset_index()[["stock_code", "fin_buy_cny", "amount_cny", "share_pct", "days"]]


def popular_stocks(stock_daily: pd.DataFrame, margin_stock: pd.DataFrame,
                   days: Sequence[date], prev_days: Sequence[date], n: int) -> pd.DataFrame:
    """The ``n`` most-traded stocks of ``days`` (Σ amount, among stocks with margin data in the
    window) with their leveraged share this window and the previous one (same names).

    Columns rank, stock_code, amount_cny, share_pct, share_prev_pct, change_pp, days."""
    to = stock_turnover(stock_daily, days)
    cur = leveraged_share(stock_daily, margin_stock, days).set_index("stock_code")
    prev = leveraged_share(stock_daily, margin_stock, prev_days).set_index("stock_code")
    to = to[to["stock_code"].isin(cur.index)]
    top = to.sort_values(["amount_cny", "stock_code"], ascending=[False, True]).head(n)
    out = pd.DataFrame({"stock_code": top["stock_code"].to_numpy(),
                        "amount_cny": top["amount_cny"].to_numpy()})
    out["share_pct"] = out["stock_code"].map(cur["share_pct"])
    out["share_prev_pct"] = out["stock_code"].map(prev["share_pct"])
    out["change_pp"] = out["share_pct"] - out["share_prev_pct"]
    out["days"] = out["stock_code"].map(cur["days"]).astype(int)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def balance_to_float_mv(margin_stock: pd.DataFrame, stock_daily: pd.DataFrame,
                        at: date) -> dict[str, float]:
    """Σ 融资余额 / Σ 流通市值 of the stocks in ``stock_daily`` as of ``at`` (each stock's last row
    on or before it, within STALE_DAYS). A PROXY of "margin balance / free-float market cap":
    流通市值 is not free-float, and the stocks are those the data covers. Keys fin_balance_cny,
    float_mv_cny, ratio_pct, stocks (in the denominator), margin_stocks (in the numerator)."""
    T = _ts(at)
    lo = T - pd.Timedelta(days=STALE_DAYS)
    sd = stock_daily[(stock_daily["trade_date"] <= T) & (stock_daily["trade_date"] >= lo)]
    mv = sd.sort_values("trade_date").groupby("stock_code")["float_mv_cny"].last()
    ms = margin_stock[(margin_stock["trade_date"] <= T) & (margin_stock["trade_date"] >= lo)]
    bal = ms.sort_values("trade_date").groupby("stock_code")["fin_balance_cny"].last()
    bal = bal[bal.index.isin(mv.index)]
    denom = float(mv.sum())
    return {"fin_balance_cny": float(bal.sum()), "float_mv_cny": denom,
            "ratio_pct": float(bal.sum()) / denom * 100.0 if denom > 0 else float("nan"),
            "stocks": float(len(mv)), "margin_stocks": float(len(bal))}


def latest_snapshot(frame: pd.DataFrame, key: str, at: date,
                    date_col: str = "snapshot_date") -> pd.DataFrame:
    """Rows of the latest snapshot on or before ``at`` per ``key`` (or the earliest snapshot when
    none is that old)."""
    T = _ts(at)
    f = frame[frame[date_col] <= T]
    if f.empty:
        f = frame[frame[date_col] == frame[date_col].min()]
    last = f.groupby(key)[date_col].transform("max")
    return f[f[date_col] == last]
