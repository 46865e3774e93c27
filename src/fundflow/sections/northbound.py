"""3.4 Northbound funds (Stock Connect): trading amount W vs W-1 and its share of A-share
turnover, daily amounts by channel, and this week's performance of the stocks northbound funds
hold most (latest quarterly disclosure) against CSI 300 and the all-A proxy.

Since 2024-08-19 the exchanges no longer publish daily northbound net buying and holdings are
disclosed quarterly; the section says so in its text and tables instead of showing zeros, and
shows published net buying only if the store has it for the week.

Share of A-share turnover: ``sum NBT / sum T`` over the days northbound traded, NBT = buy + sell
of both channels, T = turnover of SSE Composite (000001) + SZSE Composite (399106). This is the
convention of the broker reports this report follows (~12%); the share of two-sided market
turnover ``NBT / (2T)`` is shown next to it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from fundflow import formatting as F
from fundflow.errors import SectionError
from fundflow.metrics.flows import (
    A_SHARE_TURNOVER_INDICES, HoldingsPerformance, NorthboundWeek, a_share_turnover,
    holdings_performance, index_return_pct, last_net_buy_date, latest_holdings, northbound_daily,
    northbound_week,
)
from fundflow.narrative import Fact, Items, Name, Num, size_score
from fundflow.narrative.facts import Slot
from fundflow.narrative.phrasebook import add_phrases
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionEnv, SectionInput, SectionSpec, TableColumn,
    TableExhibit, run_exhibits, unknown_codes,
)
from fundflow.charts.bars import grouped_bars
from fundflow.charts.northbound import daily_amount_chart
from fundflow.sections.registry import register

log = logging.getLogger(__name__)

NB, HOLD, STOCKS, UNIVERSE, INDEX = ("northbound_daily", "northbound_holdings", "stock_daily",
                                     "stock_universe", "index_daily")
# First day without published daily net buying (data-sources.md §3.2.4; net_buy_cny is null
# from this day in the canonical dataset).
NET_BUY_DISCONTINUED = date(2024, 8, 19)
# A disclosure older than this is flagged as stale (quarterly disclosures arrive within ~3
# months of the quarter end).
STALE_DISCLOSURE_DAYS = 135


class NorthboundParams(Params):
    holdings_top_n: int = Field(default=20, ge=3, le=50,
                                description="largest disclosed northbound holdings to track")
    benchmarks: tuple[str, ...] = Field(default=("000300", "000985"), min_length=1,
                                        max_length=4,
                                        description="index codes the holdings are compared with")

    @field_validator("benchmarks")
    @classmethod
    def _codes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError("benchmark codes must not repeat")
        return v


@dataclass(frozen=True)
class NorthboundContext:
    daily: pd.DataFrame          # W-1 then W sessions: northbound_daily rows + "week" column
    cur: NorthboundWeek
    prev: NorthboundWeek
    adt_change_pct: float
    disclosure: date | None      # None: no holdings disclosed on or before the week's end
    disclosure_age_days: int
    holdings: pd.DataFrame | None  # holdings_performance().stocks + name, industry
    perf: HoldingsPerformance | None
    bench_week: dict[str, float]
    bench_since: dict[str, float]
    last_net_buy: date | None
    week_end: date
    as_of: date


def compute(inp: SectionInput[NorthboundParams]) -> NorthboundContext:
    p = inp.params
    week, prev = inp.week, inp.prev_week
    nb = inp.frames[NB]
    nb = nb[nb["trade_date"] <= pd.Timestamp(week.end)]
    idx = inp.frames[INDEX]
    turnover = a_share_turnover(idx, A_SHARE_TURNOVER_INDICES)
    d_prev = northbound_daily(nb, turnover, prev.sessions).assign(week="prev")
    d_cur = northbound_daily(nb, turnover, week.sessions).assign(week="cur")
    if d_cur["amount_cny"].isna().all():
        raise SectionError(f"no {NB} rows in the week {week.start}..{week.end}")
    if d_cur["turnover_cny"].isna().all():
        raise SectionError(f"no A-share turnover (index_daily {', '.join(A_SHARE_TURNOVER_INDICES)}) "
                           f"in the week {week.start}..{week.end}")
    cur, last = northbound_week(d_cur), northbound_week(d_prev)
    chg = (cur.adt_cny / last.adt_cny - 1.0) * 100.0 if last.adt_cny > 0 else float("nan")

    bench_week = {b: index_return_pct(idx, b, prev.end, week.end) for b in p.benchmarks}
    if all(np.isnan(v) for v in bench_week.values()):
        raise SectionError(f"no index_daily closes for the benchmarks {', '.join(p.benchmarks)}")
    disclosure: date | None = None
    perf: HoldingsPerformance | None = None
    h: pd.DataFrame | None = None
    bench_since: dict[str, float] = {}
    try:
        disclosure, top = latest_holdings(inp.frames[HOLD], week.end, p.holdings_top_n)
    except ValueError:
        log.warning("northbound: no holdings disclosed on or before %s; holdings part left out",
                    week.end)
    if disclosure is not None:
        perf = holdings_performance(top, inp.frames[STOCKS], week.sessions, prev.end, disclosure)
        uni = inp.frames[UNIVERSE].sort_values("snapshot_date").drop_duplicates(
            "stock_code", keep="last").set_index("stock_code")
        h = perf.stocks.copy()
        h["stock_name"] = h["stock_code"].map(uni["stock_name"])
        h["sw_l1_code"] = h["stock_code"].map(uni["sw_l1_code"])
        bench_since = {b: index_return_pct(idx, b, disclosure, week.end) for b in p.benchmarks}
    daily = pd.concat([d_prev, d_cur])
    nb_last = nb["trade_date"].max().date()
    return NorthboundContext(
        daily=daily, cur=cur, prev=last, adt_change_pct=chg, disclosure=disclosure,
        disclosure_age_days=(week.end - disclosure).days if disclosure else -1,
        holdings=h, perf=perf,
        bench_week=bench_week, bench_since=bench_since,
        last_net_buy=last_net_buy_date(nb), week_end=week.end,
        as_of=min(week.end, nb_last))


# -- exhibits -----------------------------------------------------------------------------------
def _day(d: pd.Timestamp, env: ExhibitEnv) -> str:
    names = ("一", "二", "三", "四", "五", "六", "日")
    if env.lang == "zh":
        return f"{d.strftime('%m-%d')}\n周{names[d.weekday()]}"
    return f"{d.strftime('%m-%d')}\n{d.strftime('%a')}"


def _closed_text(days: tuple[date, ...], env: ExhibitEnv) -> str:
    return "、".join(d.isoformat() for d in days) if env.lang == "zh" else \
        ", ".join(d.isoformat() for d in days)


def net_buy_note(ctx: NorthboundContext, env: ExhibitEnv) -> str:
    """The table note on daily net buying (the opening paragraph says it in full)."""
    if ctx.cur.net_buy_cny is not None or ctx.prev.net_buy_cny is not None:
        return ""
    since = NET_BUY_DISCONTINUED.isoformat()
    return env.t(f"每日净买入额自{since}起不再公布，表中不以0代替。",
                 f"Daily net buying is not published since {since}; it is not shown as zero.")


def _bench(code: str, env: ExhibitEnv) -> str:
    return env.ref.index_name(code, env.lang)


def _summary_rows(ctx: NorthboundContext, env: ExhibitEnv) -> list[dict[str, object]]:
    """The summary table's rows, this week against last."""
    t, c, p = env.t, ctx.cur, ctx.prev

    def row(label: str, cur: float | None, prev: float | None, fmt: str, chg: float | None,
            chg_fmt: str = "pct_signed") -> dict[str, object]:
        return {"metric": label, "cur": cur, "prev": prev, "chg": chg, "_fmt_cur": fmt,
                "_fmt_prev": fmt, "_fmt_chg": chg_fmt}

    def pct_chg(a: float, b: float) -> float | None:
        return (a / b - 1.0) * 100.0 if b and np.isfinite(a) and np.isfinite(b) else None

    rows = [
        row(t("北向交易天数 / A股交易日", "Northbound days / A-share sessions"),
            None, None, "text", None, "text"),
        row(t("北向成交总额（亿元）", "Total amount"), c.total_cny, p.total_cny, "yi",
            pct_chg(c.total_cny, p.total_cny)),
        row(t("日均成交额（亿元）", "Average daily amount"), c.adt_cny, p.adt_cny, "yi",
            ctx.adt_change_pct),
        row(t("　沪股通日均（亿元）", "  Shanghai Connect, daily avg"), c.sh_adt_cny, p.sh_adt_cny,
            "yi", pct_chg(c.sh_adt_cny, p.sh_adt_cny)),
        row(t("　深股通日均（亿元）", "  Shenzhen Connect, daily avg"), c.sz_adt_cny, p.sz_adt_cny,
            "yi", pct_chg(c.sz_adt_cny, p.sz_adt_cny)),
        row(t("A股两市日均成交额（亿元）", "A-share turnover, daily avg"),
            c.market_adt_cny, p.market_adt_cny, "yi", pct_chg(c.market_adt_cny, p.market_adt_cny)),
        row(t("北向成交额/A股成交额", "Northbound / A-share turnover"), c.share_pct, p.share_pct,
            "pct", c.share_pct - p.share_pct, "pp_signed"),
        row(t("北向成交额/(2×A股成交额)", "Northbound / (2 × A-share turnover)"),
            c.share_two_sided_pct, p.share_two_sided_pct, "pct",
            c.share_two_sided_pct - p.share_two_sided_pct, "pp_signed"),
    ]
    rows[0].update(cur=f"{c.open_days} / {c.sessions}", prev=f"{p.open_days} / {p.sessions}")
    if c.net_buy_cny is None and p.net_buy_cny is None:
        rows.append({"metric": t("每日净买入额", "Daily net buying"),
                     "cur": t("未公布", "not published"), "prev": t("未公布", "not published"),
                     "chg": None, "_fmt_cur": "text", "_fmt_prev": "text"})
    else:
        net = row(t("净买入额合计（亿元）", "Net buying"), c.net_buy_cny,
                  p.net_buy_cny, "yi_signed", None)
        for key, val in (("cur", c.net_buy_cny), ("prev", p.net_buy_cny)):
            if val is None:
                net.update({key: t("未公布", "not published"), f"_fmt_{key}": "text"})
        rows.append(net)
    return rows


def _summary_note(ctx: NorthboundContext, env: ExhibitEnv) -> str:
    t = env.t
    closed_note = ""
    for label, wk in ((t("本周", "This week"), ctx.cur), (t("上周", "Last week"), ctx.prev)):
        if wk.closed:
            closed_note += t(f"{label}北向休市（港股假期）：{_closed_text(wk.closed, env)}，"
                             f"日均与占比按北向交易日计算。",
                             f"{label}, northbound closed (Hong Kong holiday): "
                             f"{_closed_text(wk.closed, env)}; averages and shares use the days "
                             f"northbound traded. ")
    return (t("北向成交额=买入成交额+卖出成交额（沪股通+深股通）；A股成交额=上证指数+深证综指成交额"
              "（两市，不含北交所）。占比口径：北向成交额/A股成交额（与券商周报口径一致，约12%）；"
              "因北向成交额含买卖双边，另列北向成交额/(2×A股成交额)。占比变化单位为百分点。",
              "Northbound amount = buys + sells (Shanghai + Shenzhen Connect); A-share turnover = "
              "SSE Composite + SZSE Composite turnover (excl. BSE). Share convention: northbound / "
              "A-share turnover (as in broker weeklies, ~12%); since the northbound amount counts "
              "both sides, northbound / (2 × turnover) is shown too. Share changes in pp. ")
            + closed_note + net_buy_note(ctx, env))


def _nb_summary(ctx: NorthboundContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    rows = _summary_rows(ctx, env)
    table_data = pd.DataFrame([{"metric": r["metric"], "this_week": r["cur"],
                                "last_week": r["prev"], "change": r["chg"]} for r in rows])
    if ctx.perf is None:
        # without a holdings disclosure the benchmarks' weekly returns (stated in the text) are
        # in no other exhibit: add them to this table's data
        table_data = pd.concat([table_data, pd.DataFrame([
            {"metric": t(f"{_bench(b, env)}周涨跌幅", f"{_bench(b, env)} weekly return"),
             "this_week": v} for b, v in ctx.bench_week.items()])], ignore_index=True)
    return TableExhibit(
        key="nb_summary",
        title=t("北向资金成交：本周 vs 上周", "Northbound trading: this week vs last"),
        columns=(TableColumn("metric", t("指标", "Metric"), "text", align="left"),
                 TableColumn("cur", t("本周", "This week"), "text"),
                 TableColumn("prev", t("上周", "Last week"), "text"),
                 TableColumn("chg", t("变化（%/百分点）", "Change (% / pp)"), "pct_signed",
                             colored=True)),
        rows=tuple(rows), source=env.source_of(NB, INDEX), as_of=ctx.as_of, data=table_data,
        note=_summary_note(ctx, env))


def _nb_daily(ctx: NorthboundContext, env: ExhibitEnv) -> Exhibit:
    t, d = env.t, ctx.daily
    data = pd.DataFrame({"trade_date": [x.date().isoformat() for x in d.index],
                         "week": d["week"].to_numpy(), "sh_cny": d["sh_cny"].to_numpy(),
                         "sz_cny": d["sz_cny"].to_numpy(), "amount_cny": d["amount_cny"].to_numpy(),
                         "net_buy_cny": d["net_buy_cny"].to_numpy(),
                         "a_share_turnover_cny": d["turnover_cny"].to_numpy(),
                         "share_pct": d["share_pct"].to_numpy()})
    labels = [_day(x, env) for x in d.index]
    n_prev = int((d["week"] == "prev").sum())
    return ChartExhibit(
        key="nb_daily",
        title=t("北向资金逐日成交额（亿元）及占A股成交额比例：上周与本周",
                "Northbound daily trading amount and share of A-share turnover"),
        make=lambda: env.amounts(daily_amount_chart(
            labels, list(d["sh_cny"] / 1e8), list(d["sz_cny"] / 1e8), list(d["share_pct"]),
            list(d["amount_cny"].isna()), n_prev, env.style,
            sh_label=t("沪股通", "Shanghai Connect"), sz_label=t("深股通", "Shenzhen Connect"),
            share_label=t("占A股成交额（右轴）", "Share of A-share turnover (rhs)"),
            closed_label=t("北向休市", "closed"), ylabel=t("亿元", ""),
            y2label="", prev_label=t("上周", "Last week"),
            cur_label=t("本周", "This week"))),
        source=env.source_of(NB, INDEX), as_of=ctx.as_of, data=data)


def _nb_holdings_perf(ctx: NorthboundContext, env: SectionEnv[NorthboundParams]) -> Exhibit | None:
    """Only with a holdings disclosure."""
    if ctx.perf is None or ctx.holdings is None or ctx.disclosure is None:
        return None
    t, n = env.t, env.params.holdings_top_n
    disc = ctx.disclosure.isoformat()
    groups = [t(f"前{n}大持股等权", f"Top {n}, equal-wt"),
              t(f"前{n}大持股市值加权", f"Top {n}, value-wt")] + [
        _bench(b, env) for b in ctx.bench_week]
    wk_vals = [ctx.perf.ew_week_pct, ctx.perf.vw_week_pct] + list(ctx.bench_week.values())
    since_vals = [ctx.perf.ew_since_pct, ctx.perf.vw_since_pct] + list(ctx.bench_since.values())
    perf_data = pd.DataFrame({"portfolio": groups, "week_return_pct": wk_vals,
                              "since_disclosure_return_pct": since_vals,
                              "disclosure_date": disc})
    return ChartExhibit(
        key="nb_holdings_perf",
        title=t(f"北向前{n}大持股（{disc}披露）与市场：本周及披露日以来涨跌幅",
                f"Top {n} northbound holdings (disclosed {disc}) vs the market: this week and "
                f"since disclosure"),
        make=lambda: grouped_bars(groups, {t("本周", "This week"): wk_vals,
                                           t(f"自{disc}以来", f"Since {disc}"): since_vals},
                                  env.style, ylabel=t("涨跌幅", "Return"), value_suffix="%",
                                  decimals=2, value_labels=True, height_in=2.5),
        source=env.source_of(HOLD, STOCKS, INDEX), as_of=ctx.as_of, data=perf_data)


def _holdings_rows(h: pd.DataFrame, env: ExhibitEnv) -> list[dict[str, object]]:
    hrows: list[dict[str, object]] = []
    for r in h.itertuples():
        ind = env.ref.industry_name(str(r.sw_l1_code), env.lang) if isinstance(
            r.sw_l1_code, str) else F.DASH
        hrows.append({"rank": r.rank, "code": r.stock_code,
                      "name": r.stock_name if isinstance(r.stock_name, str) else r.stock_code,
                      "industry": ind, "mv": r.market_value_cny, "weight": r.weight_pct,
                      "week": r.week_return_pct, "since": r.since_return_pct})
    return hrows


def _holdings_note(ctx: NorthboundContext, env: ExhibitEnv, disc: str,
                   missing_codes: Sequence[str]) -> str:
    t = env.t
    stale = ""
    if ctx.disclosure_age_days > STALE_DISCLOSURE_DAYS:
        stale = t(f"注意：最新持股披露已是{ctx.disclosure_age_days}天前。",
                  f"Note: the latest disclosure is {ctx.disclosure_age_days} days old. ")
    missing = ""
    if missing_codes:
        missing = t("无行情、未计入：", "No prices, left out: ") + "、".join(missing_codes)
    return t(f"持股为{disc}季度披露数据（2024年8月起北向持股按季度披露），假设本周持仓不变；"
             f"市值加权权重=披露股数×上周末收盘价；披露日以来按披露市值加权。",
             f"Holdings as disclosed for {disc} (quarterly since 2024-08), assumed unchanged "
             f"this week; value weights = disclosed shares × last week's close; since "
             f"disclosure weighted by disclosed value. ") + stale + missing


def _nb_holdings(ctx: NorthboundContext, env: SectionEnv[NorthboundParams]) -> Exhibit | None:
    """Only with a holdings disclosure."""
    if ctx.perf is None or ctx.holdings is None or ctx.disclosure is None:
        return None
    t, n = env.t, env.params.holdings_top_n
    disc = ctx.disclosure.isoformat()
    h = ctx.holdings.sort_values("rank")
    hold_data = h.assign(disclosure_date=disc)[[
        "rank", "stock_code", "stock_name", "sw_l1_code", "shares", "market_value_cny",
        "close_t0", "close_t1", "weight_pct", "week_return_pct", "since_return_pct",
        "disclosure_date"]]
    return TableExhibit(
        key="nb_holdings",
        title=t(f"北向资金持股市值前{n}（截至{disc}）本周表现",
                f"Top {n} northbound holdings by value (as of {disc}): performance"),
        columns=(TableColumn("rank", t("排名", "#"), "num0", align="center"),
                 TableColumn("code", t("代码", "Code"), "text", align="left"),
                 TableColumn("name", t("名称", "Name"), "text", align="left"),
                 TableColumn("industry", t("申万一级", "SW L1"), "text", align="left"),
                 TableColumn("mv", t("持股市值（亿元）", "Value"), "yi"),
                 TableColumn("weight", t("权重", "Weight"), "pct"),
                 TableColumn("week", t("本周涨跌幅", "Week"), "pct_signed", colored=True),
                 TableColumn("since", t(f"自{disc}以来", f"Since {disc}"), "pct_signed",
                             colored=True)),
        rows=tuple(_holdings_rows(h, env)), source=env.source_of(HOLD, STOCKS),
        as_of=ctx.as_of, data=hold_data,
        note=_holdings_note(ctx, env, disc, ctx.perf.missing))


# The section's exhibits in page order: a new exhibit is one builder above and one name here;
# a builder returns None when its data is absent (the holdings without a disclosure).
EXHIBITS = (
    _nb_summary, _nb_daily, _nb_holdings_perf, _nb_holdings,
)


def exhibits(ctx: NorthboundContext, env: SectionEnv[NorthboundParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


# -- facts (the opening paragraph, fundflow.narrative) ------------------------------------------
add_phrases({
    "northbound.trading": {
        "zh": "本周北向资金成交总额{total}亿元，日均{adt}亿元，较上周日均{adt_prev}亿元{chg_more}"
              "{chg_abs}。",
        "en": "Northbound trading totalled {total} this week; the daily average of "
              "{adt} {chg_more} {chg_abs} from {adt_prev} last week."},
    "northbound.trading_no_prev": {
        "zh": "本周北向资金成交总额{total}亿元，日均{adt}亿元（上周无北向成交数据）。",
        "en": "Northbound trading totalled {total} this week, {adt} a day (no "
              "northbound data last week)."},
    "northbound.closed_cur": {
        "zh": "本周港股休市{closed}天，北向交易{open}天，日均与占比按北向交易日计算。",
        "en": "Northbound was closed for {closed} Hong Kong holiday(s) this week and traded on "
              "{open} days; averages and shares use the days it traded."},
    "northbound.closed_prev": {
        "zh": "上周港股休市{closed}天，北向交易{open}天，日均与占比按北向交易日计算。",
        "en": "Northbound was closed for {closed} Hong Kong holiday(s) last week and traded on "
              "{open} days; averages and shares use the days it traded."},
    "northbound.closed_both": {
        "zh": "本周、上周港股分别休市{closed}天、{closed_prev}天，日均与占比按北向交易日计算。",
        "en": "Northbound was closed for {closed} Hong Kong holiday(s) this week and "
              "{closed_prev} last week; averages and shares use the days it traded."},
    "northbound.share": {
        "zh": "北向成交额占A股成交额的比例为{share}（上周{share_prev}）。",
        "en": "Its share of A-share turnover was {share} (last week {share_prev})."},
    "northbound.holdings": {
        "zh": "按{disclosure}披露的持股市值前{n}只个股，本周等权涨跌幅{ew}、市值加权{vw}，"
              "同期{bench}。",
        "en": "The top {n} holdings disclosed for {disclosure} returned {ew} equal-weighted and "
              "{vw} value-weighted this week, while {bench}."},
    "northbound.no_holdings": {
        "zh": "截至本周尚无北向持股披露数据，持股表现从略；同期{bench}。",
        "en": "No northbound holdings had been disclosed by this week, so their performance is "
              "not shown (over the week {bench})."},
    "northbound.net_buy": {
        "zh": "本周有{days}个交易日公布了北向每日净买入额，合计{net}亿元。",
        "en": "Daily net buying was published for {days} session(s) this week, {net} "
              "in total."},
    "northbound.net_buy_stopped": {
        "zh": "自{since}起交易所不再公布北向资金每日净买入额，持股改为按季度披露；本节只分析仍在公布的"
              "成交额与季度持股，不以零代替净买入。",
        "en": "Since {since} the exchanges no longer publish daily northbound net buying and "
              "holdings are disclosed quarterly; this section analyses what is still published "
              "(trading amount, quarterly holdings) and does not show net buying as zero."},
    "northbound.net_buy_stopped_last": {
        "zh": "自{since}起交易所不再公布北向资金每日净买入额（最后一个公布日为{last}），持股改为按季度"
              "披露；本节只分析仍在公布的成交额与季度持股，不以零代替净买入。",
        "en": "Since {since} the exchanges no longer publish daily northbound net buying (last "
              "published for {last}) and holdings are disclosed quarterly; this section analyses "
              "what is still published (trading amount, quarterly holdings) and does not show "
              "net buying as zero."},
})


# Typical sizes for scores (fundflow.narrative.size_score); only two weeks of trading are in the
# context, so no history to score against. The weekly change of the daily average amount is
# ~11% in the median (sample data since 2024-06), hence 15%.
TYPICAL_ADT_CHANGE_PCT = 15.0   # weekly change of the northbound daily average amount
TYPICAL_SHARE_CHANGE_PP = 1.0   # weekly change of its share of A-share turnover
TYPICAL_EXCESS_PP = 1.5         # top holdings (value-weighted) against the first benchmark


def _day_name(d: date) -> Name:
    """A date in running text: shown as is in both languages, like a name."""
    return Name(d.isoformat(), d.isoformat())


def facts(ctx: NorthboundContext, env: SectionEnv[NorthboundParams]) -> list[Fact]:
    """What the opening paragraph says: the amount W vs W-1 (with Hong Kong holidays), the
    share of A-share turnover, the top disclosed holdings against the benchmarks, and, in
    words, that daily net buying is no longer published (or what was published). Every number
    is a cell of an exhibit's data."""
    ref = env.ref
    c, p = ctx.cur, ctx.prev
    out: list[Fact] = []
    trading: dict[str, Slot] = {"total": Num(c.total_cny, "yi"), "adt": Num(c.adt_cny, "yi")}
    if np.isfinite(ctx.adt_change_pct):
        out.append(Fact("northbound.trading",
                        {**trading, "adt_prev": Num(p.adt_cny, "yi"),
                         "chg": Num(ctx.adt_change_pct, "pct_signed")},
                        score=size_score(ctx.adt_change_pct, TYPICAL_ADT_CHANGE_PCT)))
    else:
        out.append(Fact("northbound.trading_no_prev", trading, score=0.5))
    if c.closed and p.closed:
        out.append(Fact("northbound.closed_both", {"closed": Num(len(c.closed), "count"),
                                                   "closed_prev": Num(len(p.closed), "count")}))
    elif c.closed or p.closed:
        wk = c if c.closed else p
        out.append(Fact("northbound.closed_cur" if c.closed else "northbound.closed_prev",
                        {"closed": Num(len(wk.closed), "count"),
                         "open": Num(wk.open_days, "count")}))
    out.append(Fact("northbound.share",
                    {"share": Num(c.share_pct, "pct"), "share_prev": Num(p.share_pct, "pct")},
                    score=0.8 * size_score(c.share_pct - p.share_pct, TYPICAL_SHARE_CHANGE_PP)))
    bench = Items(tuple((Name(ref.index_name(b, "zh"), ref.index_name(b, "en")),
                         Num(v, "pct_signed"))
                        for b, v in ctx.bench_week.items() if np.isfinite(v)), style="move")
    if ctx.perf is not None and ctx.disclosure is not None:
        first = next((v for v in ctx.bench_week.values() if np.isfinite(v)), float("nan"))
        out.append(Fact("northbound.holdings",
                        {"disclosure": _day_name(ctx.disclosure),
                         "n": Num(env.params.holdings_top_n, "count"),
                         "ew": Num(ctx.perf.ew_week_pct, "pct_signed"),
                         "vw": Num(ctx.perf.vw_week_pct, "pct_signed"), "bench": bench},
                        score=size_score(ctx.perf.vw_week_pct - first, TYPICAL_EXCESS_PP)))
    elif bench.items:
        out.append(Fact("northbound.no_holdings", {"bench": bench}, score=0.0))
    if c.net_buy_cny is not None:
        out.append(Fact("northbound.net_buy", {"days": Num(c.net_buy_days, "count"),
                                               "net": Num(c.net_buy_cny, "yi_signed")},
                        score=0.5))
    elif ctx.last_net_buy is not None:
        out.append(Fact("northbound.net_buy_stopped_last",
                        {"since": _day_name(NET_BUY_DISCONTINUED),
                         "last": _day_name(ctx.last_net_buy)}, score=0.3))
    else:
        out.append(Fact("northbound.net_buy_stopped",
                        {"since": _day_name(NET_BUY_DISCONTINUED)}, score=0.3))
    return out


def check_refs(p: NorthboundParams, ref: Reference) -> list[tuple[str, str]]:
    return unknown_codes("benchmarks", p.benchmarks, ref.known_index_codes(), "index code")


SPEC = register(SectionSpec(
    name="northbound", part="flows",
    title_zh="北向资金", title_en="Northbound funds",
    params_model=NorthboundParams, datasets=(NB, HOLD, STOCKS, UNIVERSE, INDEX),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/northbound.html.j2",
    # two weeks of trading; holdings' since-disclosure returns need closes back to the latest
    # quarterly disclosure (up to ~4.5 months)
    history_days=lambda _p: 160, check_refs=check_refs,
    description="Northbound trading amount and share of turnover; top holdings vs the market.",
))
