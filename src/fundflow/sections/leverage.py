"""3.1 Leveraged funds (杠杆资金), margin trading part: margin share of A-share turnover and the
margin balance W vs W-1 with ~half a year of weekly history; the balance against a float-cap
proxy; net margin purchases (Δ融资余额) by index constituents, by market-cap bucket (with the
dispersion inside each bucket and the largest buyers / sellers by name), by Shenwan industry as
% of the industry's turnover with streaks from the stored history; and the leveraged share of
the most-traded stocks' turnover.

Publication lag: exchange margin data for day T appears on T+1, so the per-stock window ends on
the last date the store has (``t1``), which the exhibits state. Formulas: ``metrics/margin.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from fundflow import formatting as F
from fundflow.charts.bars import signed_bars, week_pair_bars
from fundflow.charts.margin import history_chart
from fundflow.errors import SectionError
from fundflow.metrics import margin as M
from fundflow.narrative import (
    Fact, Items, Name, Num, move_score, rank_score, regime_score, size_score, streak_score,
)
from fundflow.narrative.facts import Slot
from fundflow.narrative.phrasebook import add_phrases
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, IndexCodes, Params, SectionEnv, SectionInput, SectionSpec,
    TableColumn, TableExhibit, run_exhibits, unknown_codes,
)
from fundflow.sections.registry import register

MARKET, STOCKS, BARS = "margin_market_daily", "margin_stock_daily", "stock_daily"
UNIVERSE, CONS, INDEX, SW = ("stock_universe", "index_constituents", "index_daily",
                             "sw_industry_daily")
DEFAULT_INDICES = ("000300", "000905", "000852", "399006", "000688")
YI = 1e8


class LeverageParams(Params):
    indices: IndexCodes = Field(
        default=DEFAULT_INDICES, min_length=1, max_length=10,
        description="indices whose constituents' net margin purchases are shown, in order")
    cap_bounds_yi: tuple[float, ...] = Field(
        default=(5000.0, 1000.0), min_length=1, max_length=5,
        description="market-cap bucket bounds in 亿元, descending: (5000, 1000) gives "
                    "> 5000亿, 1000-5000亿, < 1000亿")
    top_n: int = Field(default=5, ge=1, le=15,
                       description="how many net buyers / sellers and industries to name")
    popular_n: int = Field(default=35, ge=5, le=60,
                           description="how many of the most-traded stocks to show")
    history_weeks: int = Field(default=26, ge=4, le=104,
                               description="weeks of market margin history in the chart")
    streak_weeks: int = Field(default=52, ge=4, le=260,
                              description="how many weeks back industry streaks are counted")
    industry_turnover: Literal["stocks", "sw_index"] = Field(
        default="stocks",
        description="denominator of the industry ratio: 'stocks' = Σ turnover of the industry's "
                    "stocks in stock_daily (same stocks as the numerator); 'sw_index' = the "
                    "Shenwan index turnover (only consistent when per-stock data is complete)")
    turnover_indices: IndexCodes = Field(
        default=M.TURNOVER_INDICES, min_length=1,
        description="indices whose turnover sums to the A-share turnover (两市成交额)")


    @field_validator("cap_bounds_yi")
    @classmethod
    def _bounds(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(b <= 0 for b in v) or any(a <= b for a, b in zip(v, v[1:])):
            raise ValueError(f"bounds must be positive and strictly descending, e.g. "
                             f"[5000, 1000]; got {list(v)}")
        return v


@dataclass(frozen=True)
class MarketWeek:
    week_end: date
    sessions: int
    balance_cny: float
    fin_balance_cny: float
    sec_balance_cny: float
    change_cny: float
    margin_turnover_cny: float
    market_turnover_cny: float
    share_pct: float
    share_days: int
    float_ratio_pct: float          # Σ融资余额 / Σ流通市值 of covered stocks (proxy)


@dataclass(frozen=True)
class LeverageContext:
    week: MarketWeek
    prev: MarketWeek
    market_as_of: date
    balance_streak: int               # weeks in a row the balance rose (+) / fell (-)
    history: pd.DataFrame             # weekly market history (tail history_weeks)
    sec_sell_missing: int             # days of W without 融券卖出额 (counted as 0)
    coverage_pct: float               # covered stocks' 融资余额 / market 融资余额 at t1
    float_stocks: int
    # per stock
    t0: date
    t1: date                          # last date with per-stock margin data (T+1 lag)
    prev_t0: date | None
    window_sessions: tuple[date, ...]  # sessions of W inside (t0, t1]
    window_end: date                  # the week's last session
    lagged: bool                      # t1 before the week's last session
    stocks: pd.DataFrame              # per-stock W: code, name, industry, bucket, nb, nb_prev, ...
    status_counts: dict[str, int]
    indices: pd.DataFrame             # code, net_buy_cny, net_buy_prev_cny, members, covered, ...
    missing_indices: tuple[str, ...]
    buckets: pd.DataFrame             # bucket_summary + label
    buyers: pd.DataFrame
    sellers: pd.DataFrame
    industries: pd.DataFrame          # industry, net_buy_cny, turnover_cny, ratio_pct, streak..
    streak_weeks_available: int
    sw_coverage_median_pct: float
    popular: pd.DataFrame
    popular_avg_pct: float
    popular_avg_prev_pct: float
    popular_agg_pct: float
    popular_agg_prev_pct: float


# -- compute ------------------------------------------------------------------------------------
def _market_week(row: pd.Series, float_ratio: float) -> MarketWeek:
    return MarketWeek(
        week_end=pd.Timestamp(row["week_end"]).date(), sessions=int(row["sessions"]),
        balance_cny=float(row["balance_cny"]), fin_balance_cny=float(row["fin_balance_cny"]),
        sec_balance_cny=float(row["sec_balance_cny"]), change_cny=float(row["change_cny"]),
        margin_turnover_cny=float(row["margin_turnover_cny"]),
        market_turnover_cny=float(row["market_turnover_cny"]), share_pct=float(row["share_pct"]),
        share_days=int(row["share_days"]), float_ratio_pct=float_ratio)


def _empty_week(end: date) -> pd.Series:
    nan = float("nan")
    return pd.Series({"week_end": pd.Timestamp(end), "sessions": 0, "balance_cny": nan,
                      "fin_balance_cny": nan, "sec_balance_cny": nan, "change_cny": nan,
                      "margin_turnover_cny": nan, "market_turnover_cny": nan, "share_pct": nan,
                      "share_days": 0})


def _asof_mv(stock_daily: pd.DataFrame, at: date) -> pd.Series:
    """Total market value per stock at its last row on or before ``at`` (suspended stocks keep
    their last value), within STALE_DAYS."""
    T = pd.Timestamp(at)
    f = stock_daily[(stock_daily["trade_date"] <= T)
                    & (stock_daily["trade_date"] >= T - pd.Timedelta(days=M.STALE_DAYS))]
    return f.sort_values("trade_date").groupby("stock_code")["total_mv_cny"].last()


def _indices(cons: pd.DataFrame, codes: Sequence[str], week_end: date, nb: pd.DataFrame,
             nb_prev: pd.DataFrame, turn_w: pd.DataFrame, *,
             has_prev: bool) -> tuple[pd.DataFrame, list[str]]:
    """Net purchases and turnover of each index's latest constituents; the codes without a
    constituent list."""
    members: dict[str, list[str]] = {}
    missing_idx: list[str] = []
    for code in codes:
        c = cons[cons["index_code"] == code]
        if c.empty:
            missing_idx.append(code)
            continue
        members[code] = sorted(M.latest_snapshot(c, "stock_code", week_end)["stock_code"])
    idx_w = M.sum_by_members(nb, members)
    idx_p = M.sum_by_members(nb_prev, members)
    idx_to = M.sum_by_members(turn_w, members, "amount_cny")
    indices = pd.DataFrame({
        "index_code": idx_w["group"], "net_buy_cny": idx_w["net_buy_cny"],
        "net_buy_prev_cny": idx_p["net_buy_cny"].to_numpy() if has_prev else np.nan,
        "members": idx_w["members"], "covered": idx_w["covered"],
        "turnover_cny": idx_to["amount_cny"]})
    indices["ratio_pct"] = indices["net_buy_cny"] / indices["turnover_cny"].where(
        indices["turnover_cny"] > 0) * 100.0
    return indices, missing_idx


def _industries(inp: SectionInput, window: tuple[date, ...], ms: pd.DataFrame,
                sd: pd.DataFrame, nb: pd.DataFrame, nb_prev: pd.DataFrame,
                turn_w: pd.DataFrame, industry_of: pd.Series, t1: date, *,
                has_prev: bool) -> tuple[pd.DataFrame, int, pd.Series]:
    """Shenwan L1 net purchases as % of turnover with last week's ratio and the streaks; the
    weeks of history behind the streaks; the stocks' share of the Shenwan index turnover."""
    p: LeverageParams = inp.params
    week, prev = inp.week, inp.prev_week
    if p.industry_turnover == "stocks":
        ind_turn = turn_w.assign(ind=turn_w["stock_code"].map(industry_of)).groupby("ind")[
            "amount_cny"].sum()
    else:
        sw = inp.frames[SW]
        sw = sw[sw["trade_date"].isin([pd.Timestamp(d) for d in window])]
        ind_turn = sw.groupby("industry_code")["amount_cny"].sum()
    codes = list(inp.ref.sw_l1["industry_code"])
    ind_turn = ind_turn.reindex(codes)
    ind = M.industry_ratio(nb, industry_of, ind_turn)
    ind = ind[ind["industry"].isin(codes)]
    prev_turn = M.stock_turnover(sd, prev.sessions)
    ind_prev = M.industry_ratio(
        nb_prev, industry_of,
        prev_turn.assign(ind=prev_turn["stock_code"].map(industry_of)).groupby("ind")[
            "amount_cny"].sum()).set_index("industry")
    ind["ratio_prev_pct"] = ind["industry"].map(ind_prev["ratio_pct"]) if has_prev else np.nan
    # streaks from the stored history, never from this week's frame alone
    hist_from = pd.Timestamp(week.monday) - pd.Timedelta(weeks=p.streak_weeks)
    weekly_nb = M.weekly_net_purchases(ms[ms["trade_date"] >= hist_from - pd.Timedelta(days=7)],
                                       t1)
    weekly_ind = M.group_weekly(weekly_nb, industry_of)
    streak = M.group_streaks(weekly_ind, t1)
    ind["streak_weeks"] = ind["industry"].map(streak).fillna(0).astype(int)
    available = int(weekly_nb["week"].nunique())
    sw_all = inp.frames[SW]
    sw_w = sw_all[sw_all["trade_date"].isin([pd.Timestamp(d) for d in window])].groupby(
        "industry_code")["amount_cny"].sum()
    stock_ind_turn = turn_w.assign(ind=turn_w["stock_code"].map(industry_of)).groupby("ind")[
        "amount_cny"].sum()
    sw_cov = (stock_ind_turn / sw_w.where(sw_w > 0) * 100.0).reindex(codes)
    ind["sw_coverage_pct"] = ind["industry"].map(sw_cov)
    ind = ind.sort_values(["ratio_pct", "industry"], ascending=[False, True],
                          ignore_index=True)
    return ind, available, sw_cov


def compute(inp: SectionInput[LeverageParams]) -> LeverageContext:
    p = inp.params
    week, prev = inp.week, inp.prev_week
    W0, W1 = pd.Timestamp(week.start), pd.Timestamp(week.end)

    # market level --------------------------------------------------------------------------
    mm = inp.frames[MARKET]
    if mm.empty:
        raise SectionError(f"no {MARKET} rows")
    daily = M.daily_market(mm, inp.frames[INDEX], p.turnover_indices)
    weekly = M.weekly_market(daily, week.end)
    if weekly.empty or weekly["week_end"].iloc[-1] < W0:
        last = mm["trade_date"].max().date()
        raise SectionError(f"{MARKET} has no row in the week {week.start}..{week.end} "
                           f"(it ends at {last})")
    cur_row = weekly.iloc[-1]
    prev_rows = weekly[weekly["week"] == pd.Timestamp(prev.monday)]
    prev_row = prev_rows.iloc[0] if len(prev_rows) else _empty_week(prev.end)
    in_w = daily[(daily["trade_date"] >= W0) & (daily["trade_date"] <= W1)]

    # per stock -----------------------------------------------------------------------------
    ms = M.a_shares(inp.frames[STOCKS])
    ms = ms[ms["trade_date"] <= W1]
    sd = M.a_shares(inp.frames[BARS])
    sd = sd[sd["trade_date"] <= W1]
    if ms.empty or ms["trade_date"].max() < W0:
        last = ms["trade_date"].max().date() if len(ms) else None
        raise SectionError(f"per-stock margin data ({STOCKS}) has no row in the week "
                           f"{week.start}..{week.end} (last date {last}); it is published "
                           f"on T+1")
    t1 = ms["trade_date"].max().date()
    t0 = prev.end
    before_prev = ms.loc[ms["trade_date"] < pd.Timestamp(prev.start), "trade_date"]
    prev_t0 = before_prev.max().date() if len(before_prev) else None
    window = tuple(s for s in week.sessions if s <= t1)
    panel = M.MarginPanel(ms)
    nb = panel.net_purchases(t0, t1)
    nb_prev = (panel.net_purchases(prev_t0, prev.end) if prev_t0 is not None
               else nb.iloc[0:0])

    uni = M.latest_snapshot(inp.frames[UNIVERSE], "stock_code", week.end)
    names = uni.set_index("stock_code")["stock_name"]
    industry_of = uni.set_index("stock_code")["sw_l1_code"]

    # float-cap proxy (covered stocks) at both week ends
    fl = M.balance_to_float_mv(ms, sd, t1)
    fl_prev = M.balance_to_float_mv(ms, sd, prev.end)
    cov = fl["fin_balance_cny"] / float(cur_row["fin_balance_cny"]) * 100.0

    # indices -------------------------------------------------------------------------------
    turn_w = M.stock_turnover(sd, window)
    indices, missing_idx = _indices(inp.frames[CONS], p.indices, week.end, nb, nb_prev, turn_w,
                                    has_prev=prev_t0 is not None)

    # cap buckets ---------------------------------------------------------------------------
    mv = _asof_mv(sd, t1)
    bucket = M.cap_bucket(mv, [b * YI for b in p.cap_bounds_yi])
    n_buckets = len(p.cap_bounds_yi) + 1
    buckets = M.bucket_summary(nb, bucket, n_buckets, prev=nb_prev if prev_t0 else None)
    buyers, sellers = M.top_contributors(nb, p.top_n)

    # industries ----------------------------------------------------------------------------
    ind, available, sw_cov = _industries(inp, window, ms, sd, nb, nb_prev, turn_w, industry_of,
                                         t1, has_prev=prev_t0 is not None)

    # popular stocks ------------------------------------------------------------------------
    pop = M.popular_stocks(sd, ms, window, prev.sessions, p.popular_n)
    agg_w = M.leveraged_share(sd, ms, window)
    agg_p = M.leveraged_share(sd, ms, prev.sessions)
    pick = set(pop["stock_code"])

    def agg(f: pd.DataFrame) -> float:
        f = f[f["stock_code"].isin(pick)]
        return float(f["fin_buy_cny"].sum() / f["amount_cny"].sum() * 100.0) if len(f) else \
            float("nan")

    # the per-stock table -------------------------------------------------------------------
    stocks = nb.copy()
    stocks["name"] = stocks["stock_code"].map(names).fillna(stocks["stock_code"])
    stocks["industry"] = stocks["stock_code"].map(industry_of)
    stocks["total_mv_cny"] = stocks["stock_code"].map(mv)
    stocks["bucket"] = stocks["stock_code"].map(bucket)
    stocks["net_buy_prev_cny"] = stocks["stock_code"].map(
        nb_prev.set_index("stock_code")["net_buy_cny"])

    def with_names(f: pd.DataFrame) -> pd.DataFrame:
        return f.merge(stocks[["stock_code", "name", "industry", "bucket"]], on="stock_code",
                       how="left")

    return LeverageContext(
        week=_market_week(cur_row, fl["ratio_pct"]),
        prev=_market_week(prev_row, fl_prev["ratio_pct"]),
        market_as_of=pd.Timestamp(cur_row["week_end"]).date(),
        balance_streak=M.balance_streak(weekly),
        history=weekly.tail(p.history_weeks).reset_index(drop=True),
        sec_sell_missing=int(in_w["sec_sell_missing"].sum()),
        coverage_pct=float(cov), float_stocks=int(fl["stocks"]),
        t0=t0, t1=t1, prev_t0=prev_t0, window_sessions=window, window_end=week.end,
        lagged=t1 < week.end,
        stocks=stocks,
        status_counts={k: int(v) for k, v in nb["status"].value_counts().sort_index().items()},
        indices=indices, missing_indices=tuple(missing_idx),
        buckets=buckets, buyers=with_names(buyers), sellers=with_names(sellers),
        industries=ind,
        streak_weeks_available=available,
        sw_coverage_median_pct=float(sw_cov.median()) if sw_cov.notna().any() else float("nan"),
        popular=with_names(pop),
        popular_avg_pct=float(pop["share_pct"].mean()),
        popular_avg_prev_pct=float(pop["share_prev_pct"].mean()),
        popular_agg_pct=agg(agg_w), popular_agg_prev_pct=agg(agg_p))


# -- exhibits -----------------------------------------------------------------------------------
def bucket_labels(bounds_yi: Sequence[float], lang: str) -> list[str]:
    """'>5000亿', '1000-5000亿', '<1000亿' (zh) / '> 500bn', '100-500bn', '< 100bn' (en)."""
    b = [float(x) for x in bounds_yi]

    def zh(x: float) -> str:
        return f"{x:,.0f}" if x < 10000 or x % 10000 else f"{x / 10000:g}万"

    def en(x: float) -> str:
        return f"{x / 10:g}bn"

    out = []
    for k in range(len(b) + 1):
        if k == 0:
            out.append(f">{zh(b[0])}亿" if lang == "zh" else f"> {en(b[0])}")
        elif k == len(b):
            out.append(f"<{zh(b[-1])}亿" if lang == "zh" else f"< {en(b[-1])}")
        else:
            out.append(f"{zh(b[k])}-{zh(b[k - 1])}亿" if lang == "zh"
                       else f"{b[k] / 10:g}-{en(b[k - 1])}")
    return out


def _streak_text(n: int, capped: bool, lang: str) -> str:
    if n == 0:
        return "—"
    mark = "≥" if capped else ""
    if lang == "zh":
        return f"{'加' if n > 0 else '降'}杠杆{mark}{abs(n)}周"
    return f"{mark}{abs(n)}w {'up' if n > 0 else 'down'}"


def _lag_note(ctx: LeverageContext, env: ExhibitEnv) -> str:
    t = env.t
    s = t(f"个股融资数据截至{ctx.t1.isoformat()}（T+1披露）；本周窗口为{ctx.t0.isoformat()}收盘至"
          f"{ctx.t1.isoformat()}收盘。",
          f"Per-stock margin data to {ctx.t1.isoformat()} (published T+1); this week's window "
          f"runs from the close of {ctx.t0.isoformat()} to {ctx.t1.isoformat()}.")
    if ctx.lagged:
        s += t("本周最后交易日数据尚未披露。", " The week's last session is not yet published.")
    return s


def _status_note(ctx: LeverageContext, env: ExhibitEnv) -> str:
    t = env.t
    c = ctx.status_counts
    parts = []
    if c.get("no_data"):
        parts.append(t(f"{c['no_data']}只个股本周无融资数据（停牌或调出标的），净买入计0",
                       f"{c['no_data']} stock(s) without margin data this week (suspended or "
                       f"off the list) count as 0"))
    if c.get("entered"):
        parts.append(t(f"{c['entered']}只新纳入标的以0为基数",
                       f"{c['entered']} stock(s) new to the list start from 0"))
    if c.get("stale_base") or c.get("stale_end"):
        n = c.get("stale_base", 0) + c.get("stale_end", 0)
        parts.append(t(f"{n}只个股缺期初或期末一日数据，取最近一日余额",
                       f"{n} stock(s) missing the first or last day use their nearest balance"))
    if not parts:
        return ""
    return (t("；".join(parts) + "。", " " + "; ".join(parts) + "."))


def _nb_def(env: ExhibitEnv) -> str:
    return env.t("融资净买入=期末融资余额-期初融资余额。", "Net margin purchase = change of "
                 "financing balance. ")


def _market_rows(ctx: LeverageContext, env: ExhibitEnv) -> list[dict[str, object]]:
    """The market table's rows, this week against last."""
    t, cur, prv = env.t, ctx.week, ctx.prev

    def avg(total: float, days: int) -> float:
        return total / days if days else float("nan")

    def row(label: str, w: float, p: float, fmt: str, chg: float | None = None,
            chg_fmt: str = "yi") -> dict[str, object]:
        c = (w - p) if chg is None else chg
        return {"item": label, "w": w, "p": p, "chg": c, "_fmt_w": fmt, "_fmt_p": fmt,
                "_fmt_chg": chg_fmt}

    return [
        row(t("两融余额（亿元）", "Margin balance"), cur.balance_cny, prv.balance_cny,
            "yi"),
        row(t("  其中：融资余额", "  of which financing"), cur.fin_balance_cny,
            prv.fin_balance_cny, "yi"),
        row(t("  融券余额", "  securities lending"), cur.sec_balance_cny, prv.sec_balance_cny,
            "yi"),
        row(t("两融余额周变动（亿元）", "Weekly change of balance"), cur.change_cny,
            prv.change_cny, "yi"),
        row(t("两融交易额，日均（亿元）", "Margin turnover, daily avg"),
            avg(cur.margin_turnover_cny, cur.share_days), avg(prv.margin_turnover_cny,
                                                              prv.share_days), "yi"),
        row(t("A股成交额，日均（亿元）", "A-share turnover, daily avg"),
            avg(cur.market_turnover_cny, cur.share_days), avg(prv.market_turnover_cny,
                                                              prv.share_days), "yi"),
        row(t("两融交易额占A股成交额", "Margin share of A-share turnover"), cur.share_pct,
            prv.share_pct, "pct", chg_fmt="pp_signed"),
        row(t("融资余额/流通市值（代理）", "Financing balance / float cap (proxy)"),
            cur.float_ratio_pct, prv.float_ratio_pct, "pct", chg_fmt="pp_signed"),
        row(t("统计交易日（天）", "Sessions counted"), float(cur.share_days),
            float(prv.share_days), "num0", chg_fmt="num0"),
    ]


def _market_note(ctx: LeverageContext, env: ExhibitEnv) -> str:
    t, cur, prv = env.t, ctx.week, ctx.prev
    note = t(
        "两融交易额=融资买入额+融券卖出额，A股成交额=上证指数与深证综指成交额之和（不含北交所）；"
        "两融标的含ETF，分子口径略宽于分母。融资余额/流通市值为代理指标：自由流通市值无公开来源，"
        f"此处取样本内{ctx.float_stocks}只个股的融资余额合计除以其流通市值合计（不含融券，"
        f"流通市值非自由流通口径），样本融资余额约占全市场的{F.pct(ctx.coverage_pct, 1)}。",
        "Margin turnover = financing purchases + short sales; A-share turnover = SSE Composite + "
        "SZSE Composite turnover (excl. BSE); margin totals include ETFs. Balance / float cap is "
        "a PROXY: no public free-float cap exists, so it is Σ financing balance / Σ float market "
        f"cap of the {ctx.float_stocks} stocks the data covers (financing only; float cap is not "
        f"free-float); they hold {F.pct(ctx.coverage_pct, 1)} of the market's financing balance.")
    if ctx.market_as_of < ctx.window_end:
        note += t(f"两融汇总数据截至{ctx.market_as_of.isoformat()}（T+1披露），本周按已披露交易日计。",
                  f" Market margin totals to {ctx.market_as_of.isoformat()} (published T+1); "
                  f"this week counts the days published.")
    if ctx.sec_sell_missing:
        note += t(f"本周{ctx.sec_sell_missing}天缺融券卖出额，按0计。",
                  f" Short sales missing on {ctx.sec_sell_missing} day(s), counted as 0.")
    if cur.share_days != cur.sessions or cur.sessions < 5 or prv.sessions < 5:
        note += t("交易日不足5天的周按日均比较。",
                  " Weeks with fewer than 5 sessions are compared by daily averages.")
    return note


def _margin_market(ctx: LeverageContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    mrows = _market_rows(ctx, env)
    mdata = pd.DataFrame([{"item": r["item"], "this_week": r["w"], "last_week": r["p"],
                           "change": r["chg"]} for r in mrows])
    return TableExhibit(
        key="margin_market",
        title=t("两融市场概览：本周 vs 上周", "Margin trading: this week vs last"),
        columns=(TableColumn("item", t("指标", "Item"), "text", align="left"),
                 TableColumn("w", t("本周", "This week"), "text"),
                 TableColumn("p", t("上周", "Last week"), "text"),
                 TableColumn("chg", t("变动", "Change"), "text", colored=True)),
        rows=tuple(mrows), source=env.source_of(MARKET, INDEX, STOCKS, BARS),
        as_of=ctx.market_as_of, data=mdata, note=_market_note(ctx, env))


def _margin_history(ctx: LeverageContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    hist = ctx.history
    hist_data = hist[["week", "week_end", "sessions", "balance_cny", "fin_balance_cny",
                      "sec_balance_cny", "change_cny", "margin_turnover_cny",
                      "market_turnover_cny", "share_pct", "share_days"]].copy()
    for c in ("week", "week_end"):
        hist_data[c] = hist_data[c].dt.date.astype(str)
    h_ends = [pd.Timestamp(d).date() for d in hist["week_end"]]
    h_bal = hist["balance_cny"].tolist()
    h_share = hist["share_pct"].tolist()
    n_hist = len(hist)
    return ChartExhibit(
        key="margin_history",
        title=t(f"两融余额与两融交易额占A股成交额比重（近{n_hist}周）",
                f"Margin balance and margin share of A-share turnover (last {n_hist} weeks)"),
        make=lambda: env.amounts(history_chart(
            h_ends, h_bal, h_share, env.style,
            bar_label=t("两融余额（周末，万亿元）", "Margin balance (week end)"),
            line_label=t("两融交易额占比（右轴）", "Margin share of turnover (rhs)"),
            left_label=t("万亿元", ""), right_label=t("占比", "Share")), 1e12),
        source=env.source_of(MARKET, INDEX), as_of=ctx.market_as_of, data=hist_data)


def _index_net_buy(ctx: LeverageContext, env: ExhibitEnv) -> Exhibit:
    t, lang = env.t, env.lang
    idx = ctx.indices
    idx_names = [env.ref.index_name(c, lang) for c in idx["index_code"]]
    idx_data = idx.assign(name=idx_names)[["index_code", "name", "net_buy_cny",
                                           "net_buy_prev_cny", "members", "covered",
                                           "turnover_cny", "ratio_pct"]]
    return ChartExhibit(
        key="index_net_buy",
        title=t("主要指数成分股融资净买入：本周 vs 上周（亿元）",
                "Net margin purchases by index constituents, this week vs last"),
        make=lambda: env.amounts(week_pair_bars(idx_names, list(idx["net_buy_cny"] / YI),
                                    list(idx["net_buy_prev_cny"] / YI), env.style,
                                    current_labels=(t("本周净买入", "This week: buying"),
                                                    t("本周净卖出", "This week: selling")),
                                    previous_label=t("上周", "Last week"),
                                    ylabel=t("亿元", ""))),
        source=env.source_of(STOCKS, CONS), as_of=ctx.t1, data=idx_data)


def _cap_buckets(ctx: LeverageContext, env: SectionEnv[LeverageParams]) -> Exhibit:
    t = env.t
    blabels = bucket_labels(env.params.cap_bounds_yi, env.lang)
    name_of = ctx.stocks.set_index("stock_code")["name"]
    b = ctx.buckets.copy()
    b["label"] = [blabels[int(k)] for k in b["bucket"]]
    bucket_rows = tuple({
        "label": r.label, "stocks": float(r.stocks), "nb": r.net_buy_cny,
        "nb_prev": r.net_buy_prev_cny, "split": f"{r.buyers}/{r.sellers}",
        "max": r.max_cny, "max_name": str(name_of.get(r.max_code, r.max_code)) if r.stocks else "",
        "min": r.min_cny, "min_name": str(name_of.get(r.min_code, r.min_code)) if r.stocks else "",
        "std": r.std_cny} for r in b.itertuples())
    # the bucket's bounds in 元 (floor NaN for the smallest, ceiling NaN for the largest)
    bounds_cny = [float(x) * YI for x in env.params.cap_bounds_yi]
    b_data = b.assign(max_name=[x["max_name"] for x in bucket_rows],
                      min_name=[x["min_name"] for x in bucket_rows],
                      cap_floor_cny=[bounds_cny[int(k)] if int(k) < len(bounds_cny) else np.nan
                                     for k in b["bucket"]],
                      cap_ceiling_cny=[bounds_cny[int(k) - 1] if int(k) > 0 else np.nan
                                       for k in b["bucket"]])
    return TableExhibit(
        key="cap_buckets",
        title=t("按市值分组的融资净买入与组内分化", "Net margin purchases by market-cap bucket and "
                "dispersion within each"),
        columns=(TableColumn("label", t("总市值", "Market cap"), "text", align="left"),
                 TableColumn("stocks", t("股票数", "Stocks"), "num0"),
                 TableColumn("nb", t("本周净买入", "Net buy W"), "yi", colored=True),
                 TableColumn("nb_prev", t("上周净买入", "Net buy W-1"), "yi", colored=True),
                 TableColumn("split", t("净买/净卖家数", "Buyers/sellers"), "text",
                             align="center"),
                 TableColumn("max_name", t("净买入最多", "Top buyer"), "text", align="left"),
                 TableColumn("max", t("金额", "Amount"), "yi", colored=True),
                 TableColumn("min_name", t("净卖出最多", "Top seller"), "text", align="left"),
                 TableColumn("min", t("金额", "Amount"), "yi", colored=True),
                 TableColumn("std", t("标准差", "Std dev"), "yi")),
        rows=bucket_rows, source=env.source_of(STOCKS, BARS), as_of=ctx.t1, data=b_data,
        note=t("金额单位亿元；分组按本周末总市值；分化以组内个股融资净买入的标准差衡量。",
               "Buckets by total market cap at the window's end; "
               "dispersion = standard deviation of the bucket's per-stock net purchases. ")
        + _nb_def(env) + _lag_note(ctx, env) + _status_note(ctx, env))


def _contributor_rows(ctx: LeverageContext, env: SectionEnv[LeverageParams]) -> tuple[dict[str, object], ...]:
    """Buyers and sellers side by side, one rank a row."""
    blabels = bucket_labels(env.params.cap_bounds_yi, env.lang)
    rows = []
    for i in range(max(len(ctx.buyers), len(ctx.sellers))):
        r: dict[str, object] = {"rank": str(i + 1)}
        if i < len(ctx.buyers):
            x = ctx.buyers.iloc[i]
            r.update(b_name=f"{x['name']}", b_code=x["stock_code"],
                     b_bucket=blabels[int(x["bucket"])] if pd.notna(x["bucket"]) else "",
                     b_nb=float(x["net_buy_cny"]), b_pct=float(x["change_pct"]))
        if i < len(ctx.sellers):
            x = ctx.sellers.iloc[i]
            r.update(s_name=f"{x['name']}", s_code=x["stock_code"],
                     s_bucket=blabels[int(x["bucket"])] if pd.notna(x["bucket"]) else "",
                     s_nb=float(x["net_buy_cny"]), s_pct=float(x["change_pct"]))
        rows.append(r)
    return tuple(rows)


def _top_contributors(ctx: LeverageContext, env: SectionEnv[LeverageParams]) -> Exhibit:
    t, n = env.t, env.params.top_n
    contrib_data = pd.concat([ctx.buyers.assign(side="buy"), ctx.sellers.assign(side="sell")],
                             ignore_index=True)
    return TableExhibit(
        key="top_contributors",
        title=t(f"融资净买入与净卖出前{n}的个股（亿元）",
                f"Top {n} net margin buyers and sellers"),
        columns=(TableColumn("rank", "#", "text", align="center"),
                 TableColumn("b_name", t("净买入", "Net buying"), "text", align="left"),
                 TableColumn("b_bucket", t("市值", "Cap"), "text", align="left"),
                 TableColumn("b_nb", t("金额", "Amount"), "yi", colored=True),
                 TableColumn("b_pct", t("余额变动", "Bal. chg"), "pct_signed", colored=True),
                 TableColumn("s_name", t("净卖出", "Net selling"), "text", align="left"),
                 TableColumn("s_bucket", t("市值", "Cap"), "text", align="left"),
                 TableColumn("s_nb", t("金额", "Amount"), "yi", colored=True),
                 TableColumn("s_pct", t("余额变动", "Bal. chg"), "pct_signed", colored=True)),
        rows=_contributor_rows(ctx, env), source=env.source_of(STOCKS, UNIVERSE),
        as_of=ctx.t1, data=contrib_data, note=_nb_def(env) + _lag_note(ctx, env))


def _industry_table(ctx: LeverageContext, env: ExhibitEnv) -> tuple[pd.DataFrame, list[str],
                                                                      pd.DataFrame]:
    """Industries with a ratio, their names, and the exhibits' data."""
    ind = ctx.industries.dropna(subset=["ratio_pct"])
    ind_names = [env.ref.industry_name(c, env.lang) for c in ind["industry"]]
    ind_data = ind.assign(name=ind_names)[["industry", "name", "net_buy_cny", "turnover_cny",
                                           "ratio_pct", "ratio_prev_pct", "streak_weeks",
                                           "stocks", "sw_coverage_pct"]]
    return ind, ind_names, ind_data


def _industry_ratio(ctx: LeverageContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    ind, ind_names, ind_data = _industry_table(ctx, env)
    return ChartExhibit(
        key="industry_ratio",
        title=t("申万一级行业融资净买入占行业成交额比重（本周）",
                "Net margin purchases as % of industry turnover, Shenwan L1 (this week)"),
        make=lambda: signed_bars(ind_names, list(ind["ratio_pct"]), env.style,
                                 horizontal=True, value_suffix="%", decimals=2,
                                 ylabel=t("融资净买入/成交额", "Net purchases / turnover"),
                                 height_in=5.4),
        source=env.source_of(STOCKS, BARS, UNIVERSE), as_of=ctx.t1, data=ind_data)


def _industry_rows(ctx: LeverageContext, env: SectionEnv[LeverageParams],
                   ind: pd.DataFrame) -> list[dict[str, object]]:
    """Top and bottom industries side by side, with their streaks."""
    n, capped, lang = env.params.top_n, ctx.streak_weeks_available, env.lang
    top = ind.head(n)
    bottom = ind.iloc[::-1].head(n)
    rows = []
    for i in range(max(len(top), len(bottom))):
        r: dict[str, object] = {"rank": str(i + 1)}
        for side, part in (("t", top), ("b", bottom)):
            if i < len(part):
                x = part.iloc[i]
                streak = int(x["streak_weeks"])
                r.update({f"{side}_name": env.ref.industry_name(x["industry"], lang),
                          f"{side}_ratio": float(x["ratio_pct"]),
                          f"{side}_nb": float(x["net_buy_cny"]),
                          f"{side}_streak": _streak_text(streak, abs(streak) >= capped, lang)})
        rows.append(r)
    return rows


def _industry_notes(ctx: LeverageContext, env: SectionEnv[LeverageParams]) -> str:
    """What the industry turnover is, and how the streaks are counted."""
    t, capped = env.t, ctx.streak_weeks_available
    if env.params.industry_turnover == "stocks":
        den = t("行业成交额为样本内该行业个股成交额之和（与分子同一批个股）"
                + (f"，约为申万行业指数成交额的{F.pct(ctx.sw_coverage_median_pct, 0)}（中位数）"
                   if np.isfinite(ctx.sw_coverage_median_pct) else "") + "。",
                "Industry turnover = Σ turnover of the industry's stocks in the data (the same "
                "stocks as the numerator)"
                + (f", about {F.pct(ctx.sw_coverage_median_pct, 0)} of the Shenwan index "
                   "turnover (median)" if np.isfinite(ctx.sw_coverage_median_pct) else "") + ".")
    else:
        den = t("行业成交额为申万一级行业指数成交额。", "Industry turnover = Shenwan L1 index "
                "turnover.")
    return den + t(
        f"连续周数：行业融资净买入（周末融资余额之差）连续为正（加杠杆）或为负（降杠杆）的周数，"
        f"由库内近{capped}周历史计算，节假日缩短的周计为一周，“≥”表示达到历史上限。",
        f"Streak: consecutive weeks of industry net buying (up) or selling (down) of financing "
        f"balance, from the last {capped} stored weeks; a holiday-shortened week counts as one "
        f"week; '≥' = reaches the start of the history.")


def _industry_top_bottom(ctx: LeverageContext, env: SectionEnv[LeverageParams]) -> Exhibit:
    t, n = env.t, env.params.top_n
    ind, _names, ind_data = _industry_table(ctx, env)
    return TableExhibit(
        key="industry_top_bottom",
        title=t(f"行业融资净买入占成交额比重前{n}与后{n}及连续周数",
                f"Industries: top and bottom {n} by net purchases / turnover, with streaks"),
        columns=(TableColumn("rank", "#", "text", align="center"),
                 TableColumn("t_name", t("居前行业", "Top"), "text", align="left"),
                 TableColumn("t_ratio", t("占比", "% of TO"), "pct_signed", colored=True),
                 TableColumn("t_nb", t("净买入（亿元）", "Net"), "yi", colored=True),
                 TableColumn("t_streak", t("连续", "Streak"), "text", align="center"),
                 TableColumn("b_name", t("居后行业", "Bottom"), "text", align="left"),
                 TableColumn("b_ratio", t("占比", "% of TO"), "pct_signed", colored=True),
                 TableColumn("b_nb", t("净买入（亿元）", "Net"), "yi", colored=True),
                 TableColumn("b_streak", t("连续", "Streak"), "text", align="center")),
        rows=tuple(_industry_rows(ctx, env, ind)),
        source=env.source_of(STOCKS, BARS, UNIVERSE, SW), as_of=ctx.t1, data=ind_data,
        note=_industry_notes(ctx, env))


def _popular_rows(pop: pd.DataFrame) -> list[dict[str, object]]:
    """The popular stocks in two halves side by side ('l' and 'r' columns)."""
    half = (len(pop) + 1) // 2
    rows = []
    for i in range(half):
        r: dict[str, object] = {}
        for side, j in (("l", i), ("r", i + half)):
            if j < len(pop):
                x = pop.iloc[j]
                r.update({f"{side}_rank": str(int(x["rank"])), f"{side}_name": str(x["name"]),
                          f"{side}_amt": float(x["amount_cny"]),
                          f"{side}_w": float(x["share_pct"]),
                          f"{side}_p": float(x["share_prev_pct"]),
                          # rounded as shown, so a '0.0pp' cell is not coloured
                          f"{side}_chg": round(float(x["change_pp"]), 1)})
        rows.append(r)
    return rows


def _popular_columns(env: ExhibitEnv) -> tuple[TableColumn, ...]:
    t = env.t
    cols: list[TableColumn] = []
    for side in ("l", "r"):
        cols += [
            TableColumn(f"{side}_rank", "#", "text", align="center"),
            TableColumn(f"{side}_name", t("股票", "Stock"), "text", align="left"),
            TableColumn(f"{side}_amt", t("成交额", "Turnover"), "yi0"),
            TableColumn(f"{side}_w", t("本周", "W"), "pct1"),
            TableColumn(f"{side}_p", t("上周", "W-1"), "pct1"),
            TableColumn(f"{side}_chg", t("变动", "Chg"), "pp1_signed", colored=True),
        ]
    return tuple(cols)


def _popular_data(ctx: LeverageContext, env: ExhibitEnv) -> pd.DataFrame:
    """The stocks, then the group's averages (stated in the note and the text) as two rows."""
    t, pop = env.t, ctx.popular
    return pd.concat([
        pop[["rank", "stock_code", "name", "industry", "amount_cny", "share_pct",
             "share_prev_pct", "change_pp", "days"]],
        pd.DataFrame([
            {"name": t("平均（等权）", "Average (equal-weighted)"),
             "amount_cny": float(pop["amount_cny"].sum()), "share_pct": ctx.popular_avg_pct,
             "share_prev_pct": ctx.popular_avg_prev_pct,
             "change_pp": ctx.popular_avg_pct - ctx.popular_avg_prev_pct},
            {"name": t("按成交额加权", "Turnover-weighted"),
             "amount_cny": float(pop["amount_cny"].sum()), "share_pct": ctx.popular_agg_pct,
             "share_prev_pct": ctx.popular_agg_prev_pct,
             "change_pp": ctx.popular_agg_pct - ctx.popular_agg_prev_pct}])],
        ignore_index=True)


def _popular_stocks(ctx: LeverageContext, env: ExhibitEnv) -> Exhibit:
    t, pop = env.t, ctx.popular
    pop_note = t(
        f"热门股：本周成交额前{len(pop)}只（有融资数据的个股），成交额单位亿元；杠杆资金占比=融资买入额/成交额"
        f"（个股融券卖出额无数据，未计入），按当日有融资数据的交易日计；上周为同一批个股。"
        f"平均占比{F.pct(ctx.popular_avg_pct)}（上周{F.pct(ctx.popular_avg_prev_pct)}），"
        f"按成交额加权{F.pct(ctx.popular_agg_pct)}（上周{F.pct(ctx.popular_agg_prev_pct)}）。",
        f"Popular = the {len(pop)} most-traded stocks this week (with margin data). "
        f"Leveraged share = financing purchases / turnover (per-stock short sales are "
        f"not published), on days with margin data; last week = the same stocks. Average "
        f"{F.pct(ctx.popular_avg_pct)} (last week {F.pct(ctx.popular_avg_prev_pct)}); "
        f"turnover-weighted {F.pct(ctx.popular_agg_pct)} (last week "
        f"{F.pct(ctx.popular_agg_prev_pct)}).")
    return TableExhibit(
        key="popular_stocks",
        title=t(f"成交额前{len(pop)}个股的杠杆资金占比：本周 vs 上周",
                f"Leveraged share of turnover, {len(pop)} most-traded stocks: W vs W-1"),
        columns=_popular_columns(env), rows=tuple(_popular_rows(pop)),
        source=env.source_of(STOCKS, BARS), as_of=ctx.t1, data=_popular_data(ctx, env),
        note=pop_note + _lag_note(ctx, env))


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (
    _margin_market, _margin_history, _index_net_buy, _cap_buckets, _top_contributors,
    _industry_ratio, _industry_top_bottom, _popular_stocks,
)


def exhibits(ctx: LeverageContext, env: SectionEnv[LeverageParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


# -- facts (the opening paragraph, fundflow.narrative) ------------------------------------------
add_phrases({
    "leverage.market": {
        "zh": "本周两融交易额占A股成交额{share}，上周为{share_prev}；两融余额{bal}亿元，较上周"
              "{chg_more}{chg_abs}亿元；融资余额占流通市值{float_ratio}（代理口径）。",
        "en": "Margin trading was {share} of A-share turnover this week ({share_prev} last week); "
              "the margin balance {chg_more} by {chg_abs} to {bal}, and the "
              "financing balance was {float_ratio} of float cap (proxy)."},
    "leverage.market_run_up": {
        "zh": "本周两融交易额占A股成交额{share}，上周为{share_prev}；两融余额{bal}亿元，较上周"
              "增加{chg_abs}亿元，已连续{weeks}周增加；融资余额占流通市值{float_ratio}（代理口径）。",
        "en": "Margin trading was {share} of A-share turnover this week ({share_prev} last week); "
              "the margin balance rose by {chg_abs} to {bal}, making {weeks} weekly "
              "rises in a row, and the financing balance was {float_ratio} of float cap (proxy)."},
    "leverage.market_run_down": {
        "zh": "本周两融交易额占A股成交额{share}，上周为{share_prev}；两融余额{bal}亿元，较上周"
              "减少{chg_abs}亿元，已连续{weeks}周减少；融资余额占流通市值{float_ratio}（代理口径）。",
        "en": "Margin trading was {share} of A-share turnover this week ({share_prev} last week); "
              "the margin balance fell by {chg_abs} to {bal}, making {weeks} weekly "
              "falls in a row, and the financing balance was {float_ratio} of float cap (proxy)."},
    "leverage.market_no_prev": {
        "zh": "本周两融交易额占A股成交额{share}；两融余额{bal}亿元（上周无数据）；"
              "融资余额占流通市值{float_ratio}（代理口径）。",
        "en": "Margin trading was {share} of A-share turnover this week; the margin balance was "
              "{bal} (no data last week), and the financing balance was "
              "{float_ratio} of float cap (proxy)."},
    "leverage.indices_mixed": {
        "zh": "分指数看，成分股融资净买入（亿元）为{items}，{n_buy}个指数净买入、{n_sell}个净卖出。",
        "en": "Net margin purchases by index constituents were {items}: {n_buy} "
              "of the indices saw net buying and {n_sell} net selling."},
    "leverage.indices_all_buy": {
        "zh": "分指数看，{n}个指数成分股均获融资净买入（亿元）：{items}。",
        "en": "Constituents of all {n} indices saw net margin buying: {items}."},
    "leverage.indices_all_sell": {
        "zh": "分指数看，{n}个指数成分股均为融资净卖出（亿元）：{items}。",
        "en": "Constituents of all {n} indices saw net margin selling: {items}."},
    "leverage.bucket": {
        "zh": "总市值{bound}亿元以上的个股合计融资净买入{nb}亿元，{buyers}只净买入、{sellers}只净卖出。",
        "en": "Stocks with a market cap above {bound} saw net margin purchases of "
              "{nb} in total, with {buyers} net buyers and {sellers} net sellers."},
    "leverage.bucket_split": {
        "zh": "总市值{bound}亿元以上的个股合计融资净买入{nb}亿元，{buyers}只净买入、{sellers}只净卖出，"
              "其中{top_buyer}净买入{max}亿元、{top_seller}净卖出{min_abs}亿元，内部分化。",
        "en": "Stocks with a market cap above {bound} saw net margin purchases of "
              "{nb} in total, with {buyers} net buyers and {sellers} net sellers, split between "
              "{top_buyer} (net buying of {max}) and {top_seller} (net selling of {min_abs})."},
    "leverage.industries": {
        "zh": "行业上，融资净买入占成交额比重居前的是{top}，居后的是{bottom}。",
        "en": "Relative to industry turnover, net margin purchases were largest in {top} and "
              "smallest in {bottom}."},
    "leverage.industries_run": {
        "zh": "行业上，融资净买入占成交额比重居前的是{top}，居后的是{bottom}；"
              "{run_industry}已连续{weeks}周加杠杆。",
        "en": "Relative to industry turnover, net margin purchases were largest in {top} and "
              "smallest in {bottom}; net margin buying in {run_industry} has continued for "
              "{weeks} weeks in a row."},
    "leverage.industries_run_min": {
        "zh": "行业上，融资净买入占成交额比重居前的是{top}，居后的是{bottom}；"
              "{run_industry}已至少连续{weeks}周加杠杆。",
        "en": "Relative to industry turnover, net margin purchases were largest in {top} and "
              "smallest in {bottom}; net margin buying in {run_industry} has continued for at "
              "least {weeks} weeks in a row."},
    "leverage.popular": {
        "zh": "成交额前{n}只个股的融资买入额占成交额平均为{avg}，上周为{avg_prev}。",
        "en": "Financing purchases averaged {avg} of the turnover of the {n} most-traded stocks "
              "({avg_prev} last week)."},
})


# Typical sizes for scores (fundflow.narrative.size_score; judgement, not fitted). The market
# fact is scored against its own weekly history (move_score) instead.
TYPICAL_BUCKET_NET_BUY_CNY = 30 * YI     # weekly net margin purchases of the largest-cap bucket
TYPICAL_POPULAR_SHARE_CHANGE_PP = 1.0    # weekly change of the popular stocks' leveraged share
INDUSTRY_SHOWN = 3                       # industries named at each end


def _sign(x: float) -> int:
    return 0 if not np.isfinite(x) or x == 0 else (1 if x > 0 else -1)


def facts(ctx: LeverageContext, env: SectionEnv[LeverageParams]) -> list[Fact]:
    """What the opening paragraph says: the market (share of turnover, balance and its run, the
    float-cap proxy), net purchases by index, the largest-cap bucket and its split, industries
    by net purchases / turnover (with the longest run of adding leverage) and the leveraged
    share of the most-traded stocks. Every number is a cell of an exhibit's data."""
    ref = env.ref
    cur, prv = ctx.week, ctx.prev
    hist = ctx.history
    before = hist.iloc[:-1] if len(hist) else hist
    out: list[Fact] = []

    # 1 market: score = the most unusual of the balance change and the share against the
    # weekly history, or the balance run
    slots: dict[str, Slot] = {
        "share": Num(cur.share_pct, "pct"), "share_prev": Num(prv.share_pct, "pct"),
        "bal": Num(cur.balance_cny, "yi"), "chg": Num(cur.change_cny, "yi"),
        "float_ratio": Num(cur.float_ratio_pct, "pct")}
    streak = ctx.balance_streak
    score = max(move_score(cur.change_cny, before["change_cny"].tolist()),
                move_score(cur.share_pct, before["share_pct"].tolist()),
                streak_score(streak) if abs(streak) >= 2 else 0.0)
    if not np.isfinite(cur.change_cny) or not np.isfinite(prv.share_pct):
        out.append(Fact("leverage.market_no_prev",
                        {k: v for k, v in slots.items()
                         if k in ("share", "bal", "float_ratio")},
                        score=move_score(cur.share_pct, before["share_pct"].tolist())))
    elif abs(streak) >= 2 and _sign(streak) == _sign(cur.change_cny):
        out.append(Fact("leverage.market_run_up" if streak > 0 else "leverage.market_run_down",
                        {**slots, "weeks": Num(abs(streak), "count")}, score=score))
    else:
        out.append(Fact("leverage.market", slots, score=score))

    # 2 indices, in the chart's order; notable when an index's net purchases turned sign
    idx = ctx.indices
    if len(idx):
        items = Items(tuple((Name(ref.index_name(r.index_code, "zh"),
                                  ref.index_name(r.index_code, "en")), Num(r.net_buy_cny, "yi"))
                            for r in idx.itertuples()))
        n_buy = int((idx["net_buy_cny"] > 0).sum())
        n_sell = int((idx["net_buy_cny"] < 0).sum())
        flips = [regime_score(float(a), float(b))
                 for a, b in zip(idx["net_buy_cny"], idx["net_buy_prev_cny"])]
        score = 0.6 * max(flips, default=0.5)
        if n_buy == len(idx) or n_sell == len(idx):
            kind = "leverage.indices_all_buy" if n_buy == len(idx) else "leverage.indices_all_sell"
            out.append(Fact(kind, {"n": Num(len(idx), "count"), "items": items},
                            score=score))
        else:
            out.append(Fact("leverage.indices_mixed",
                            {"n_buy": Num(n_buy, "count"), "n_sell": Num(n_sell, "count"),
                             "items": items}, score=score))

    # 3 the largest-cap bucket: its total and how split it is
    top_b = ctx.buckets.iloc[0]
    if int(top_b["stocks"]) > 0:
        name_of = ctx.stocks.set_index("stock_code")["name"]
        buyers, sellers = int(top_b["buyers"]), int(top_b["sellers"])
        slots = {"bound": Num(float(env.params.cap_bounds_yi[0]) * YI, "yi0"),
                 "nb": Num(float(top_b["net_buy_cny"]), "yi"),
                 "buyers": Num(buyers, "count"), "sellers": Num(sellers, "count")}
        share = buyers / (buyers + sellers) if buyers + sellers else 0.5
        score = 0.5 * max(rank_score(share),
                          size_score(float(top_b["net_buy_cny"]), TYPICAL_BUCKET_NET_BUY_CNY))
        if top_b["max_cny"] > 0 and top_b["min_cny"] < 0:
            bn = str(name_of.get(top_b["max_code"], top_b["max_code"]))
            sn = str(name_of.get(top_b["min_code"], top_b["min_code"]))
            # stock names have no English form in the reference data: Chinese in both
            out.append(Fact("leverage.bucket_split",
                            {**slots, "top_buyer": Name(bn, bn), "top_seller": Name(sn, sn),
                             "max": Num(float(top_b["max_cny"]), "yi"),
                             "min": Num(float(top_b["min_cny"]), "yi")}, score=score))
        else:
            out.append(Fact("leverage.bucket", slots, score=score))

    # 4 industries by net purchases / turnover, with the longest run of adding leverage
    ind = ctx.industries.dropna(subset=["ratio_pct"])
    if len(ind) >= 2:
        k = min(INDUSTRY_SHOWN, len(ind) // 2)

        def named(rows: pd.DataFrame) -> Items:
            return Items(tuple((Name(ref.industry_name(r.industry, "zh"),
                                     ref.industry_name(r.industry, "en")),
                                Num(float(r.ratio_pct), "pct_signed"))
                               for r in rows.itertuples()))

        slots = {"top": named(ind.head(k)), "bottom": named(ind.iloc[::-1].head(k))}
        ups = ind[ind["streak_weeks"] >= 2].sort_values(["streak_weeks", "ratio_pct"],
                                                        ascending=[False, False])
        spread = float(ind["ratio_pct"].iloc[0] - ind["ratio_pct"].iloc[-1])
        if len(ups):
            u = ups.iloc[0]
            n = int(u["streak_weeks"])
            kind = ("leverage.industries_run_min" if n >= ctx.streak_weeks_available
                    else "leverage.industries_run")
            out.append(Fact(kind, {**slots,
                                   "run_industry": Name(ref.industry_name(u["industry"], "zh"),
                                                        ref.industry_name(u["industry"], "en")),
                                   "weeks": Num(n, "count")}, score=streak_score(n)))
        else:
            out.append(Fact("leverage.industries", slots, score=0.5 if spread else 0.0))

    # 5 leveraged share of the most-traded stocks
    if len(ctx.popular):
        chg = ctx.popular_avg_pct - ctx.popular_avg_prev_pct
        out.append(Fact("leverage.popular",
                        {"n": Num(len(ctx.popular), "count"),
                         "avg": Num(ctx.popular_avg_pct, "pct"),
                         "avg_prev": Num(ctx.popular_avg_prev_pct, "pct")},
                        score=0.8 * size_score(chg, TYPICAL_POPULAR_SHARE_CHANGE_PP)))
    return out


def metrics(ctx: LeverageContext) -> dict[str, float]:
    out = {"share_pct": ctx.week.share_pct, "balance_cny": ctx.week.balance_cny,
           "balance_change_cny": ctx.week.change_cny, "float_ratio_pct": ctx.week.float_ratio_pct,
           "popular_share_pct": ctx.popular_avg_pct}
    for r in ctx.indices.itertuples():
        out[f"net_buy_cny.{r.index_code}"] = float(r.net_buy_cny)
    return out


def check_refs(p: LeverageParams, ref: Reference) -> list[tuple[str, str]]:
    known = ref.known_index_codes()
    return (unknown_codes("indices", p.indices, known, "index code")
            + unknown_codes("turnover_indices", p.turnover_indices, known, "index code"))


def _history(p: LeverageParams) -> int:
    return 7 * (max(p.history_weeks, p.streak_weeks) + 3)


# Daily bars serve the week, the week before (turnover, the most-traded stocks) and the market
# value as of their last sessions: six weeks cover a week before that follows a long holiday,
# and a stock suspended for longer than that has no market value here (no cap bucket, not in
# the float-cap proxy) rather than a stale one.
BARS_HISTORY_DAYS = 42


SPEC = register(SectionSpec(
    name="leverage", part="flows",
    title_zh="杠杆资金：融资融券", title_en="Leveraged funds: margin trading",
    params_model=LeverageParams, datasets=(MARKET, STOCKS, BARS, UNIVERSE, CONS, INDEX, SW),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/leverage.html.j2", history_days=_history,
    dataset_history_days=lambda _p: {BARS: BARS_HISTORY_DAYS},
    # per-stock margin: daily rows for the week, the week before and the as-of lookups around
    # them; before that only week-end balances (the weekly net purchases behind the streaks)
    weekly_history_days=lambda _p: {STOCKS: BARS_HISTORY_DAYS}, check_refs=check_refs,
    description="Margin share of turnover, balance, net margin purchases by index, market-cap "
                "bucket, Shenwan industry (with streaks) and the most-traded stocks.",
    metrics=metrics,
    metric_formats={"share_pct": "pct", "balance_cny": "yi", "balance_change_cny": "yi",
                    "float_ratio_pct": "pct", "popular_share_pct": "pct",
                    "net_buy_cny.{code}": "yi"},
))
