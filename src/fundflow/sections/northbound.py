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
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from pydantic import Field, field_validator

from fundflow import formatting as F
from fundflow.charts.style import FULL_WIDTH_IN, ChartStyle
from fundflow.errors import SectionError
from fundflow.metrics.flows import (
    A_SHARE_TURNOVER_INDICES, HoldingsPerformance, NorthboundWeek, a_share_turnover,
    holdings_performance, index_return_pct, last_net_buy_date, latest_holdings, northbound_daily,
    northbound_week,
)
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionInput, SectionSpec, TableColumn,
    TableExhibit, unknown_codes,
)
from fundflow.sections.etf_flows import grouped_bars
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
    top_n: int
    last_net_buy: date | None
    week_end: date
    as_of: date


def compute(inp: SectionInput) -> NorthboundContext:
    p: NorthboundParams = inp.params
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
        bench_week=bench_week, bench_since=bench_since, top_n=p.holdings_top_n,
        last_net_buy=last_net_buy_date(nb), week_end=week.end,
        as_of=min(week.end, nb_last))


# -- chart --------------------------------------------------------------------------------------
def daily_amount_chart(labels: list[str], sh: list[float], sz: list[float], share: list[float],
                       closed: list[bool], split_at: int, style: ChartStyle, *, sh_label: str,
                       sz_label: str, share_label: str, closed_label: str, ylabel: str,
                       y2label: str, prev_label: str, cur_label: str) -> Figure:
    """Stacked daily northbound amount by channel (bars, 亿元) over W-1 and W, its share of
    A-share turnover (line, right axis), closed days marked, a divider between the weeks."""
    fig = Figure(figsize=(FULL_WIDTH_IN, 2.9))
    ax = fig.add_subplot()
    pos = np.arange(len(labels))
    a = np.nan_to_num(np.asarray(sh, dtype=float))
    b = np.nan_to_num(np.asarray(sz, dtype=float))
    ax.bar(pos, a, width=0.6, color=style.accent_color, label=sh_label)
    ax.bar(pos, b, bottom=a, width=0.6, color=style.secondary_color, label=sz_label)
    total = a + b
    top = float(total.max()) if len(total) and total.max() > 0 else 1.0
    for p, v, c in zip(pos.tolist(), total.tolist(), closed):
        if c:
            ax.text(p, top * 0.04, closed_label, ha="center", va="bottom", rotation=90,
                    fontsize=style.base_size - 1, color="#666666")
        else:
            ax.text(p, v + top * 0.01, f"{v:,.0f}", ha="center", va="bottom",
                    fontsize=style.base_size - 1.5)
    # bars in the lower ~55% of the axes, the share line in a band above them
    ax.set_ylim(0, top * 1.8)
    ax.set_xticks(pos, labels)
    ax.set_ylabel(ylabel)
    ax.set_yticks([t for t in ax.get_yticks() if 0 <= t <= top * 1.05])
    if 0 < split_at < len(labels):
        ax.axvline(split_at - 0.5, color="#999999", linestyle="--", linewidth=0.8)
        for x, text in (((split_at - 1) / 2, prev_label),
                        ((split_at + len(labels) - 1) / 2, cur_label)):
            ax.text(x, 1.0, text, transform=ax.get_xaxis_transform(), ha="center",
                    va="bottom", fontsize=style.base_size, color="#555555")
    ax2 = ax.twinx()
    s = np.asarray(share, dtype=float)
    ax2.plot(pos, s, color=style.up_color, marker="o", markersize=3, linewidth=1.2,
             label=share_label)
    for p, v in zip(pos.tolist(), s.tolist()):
        if np.isfinite(v):
            ax2.annotate(f"{v:.1f}%", (p, v), xytext=(0, 4), textcoords="offset points",
                         ha="center", va="bottom", fontsize=style.base_size - 2,
                         color=style.up_color)
    fin = s[np.isfinite(s)]
    if len(fin):
        lo, hi = float(fin.min()), float(fin.max())
        if hi - lo < 0.2:
            lo, hi = lo - 0.1, hi + 0.1
        span = (hi - lo) / 0.20          # the line spans 20% of the height ...
        ymin = lo - 0.66 * span          # ... from 66% to 86% up, under the week labels
        ax2.set_ylim(ymin, ymin + span)
        ax2.set_yticks(np.round(np.linspace(lo, hi, 3), 1))
    if y2label:
        ax2.set_ylabel(y2label)
    ax2.grid(False)
    ax2.spines["right"].set_visible(True)
    from matplotlib.ticker import FuncFormatter

    ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.1f}%"))
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=3)
    return fig


# -- exhibits -----------------------------------------------------------------------------------
def _day(d: pd.Timestamp, env: ExhibitEnv) -> str:
    names = ("一", "二", "三", "四", "五", "六", "日")
    if env.lang == "zh":
        return f"{d.strftime('%m-%d')}\n周{names[d.weekday()]}"
    return f"{d.strftime('%m-%d')}\n{d.strftime('%a')}"


def _closed_text(days: tuple[date, ...], env: ExhibitEnv) -> str:
    return "、".join(d.isoformat() for d in days) if env.lang == "zh" else \
        ", ".join(d.isoformat() for d in days)


def net_buy_text(ctx: NorthboundContext, env: ExhibitEnv) -> str:
    """The sentence on daily net buying (published or not), used in the summary and the table
    note so both say the same thing."""
    since = NET_BUY_DISCONTINUED.isoformat()
    if ctx.cur.net_buy_cny is not None:
        return env.t(f"本周有{ctx.cur.net_buy_days}个交易日公布了北向每日净买入额，"
                     f"合计{F.yi_signed(ctx.cur.net_buy_cny)}亿元。",
                     f"Daily net buying was published for {ctx.cur.net_buy_days} session(s) "
                     f"this week, {F.yi_signed(ctx.cur.net_buy_cny)} (100m yuan) in total.")
    last = ""
    if ctx.last_net_buy is not None:
        last = env.t(f"（最后一个公布日为{ctx.last_net_buy.isoformat()}）",
                     f" (last published for {ctx.last_net_buy.isoformat()})")
    return env.t(f"自{since}起交易所不再公布北向资金每日净买入额{last}，持股改为按季度披露；"
                 f"本节只分析仍在公布的成交额与季度持股，不以0代替净买入。",
                 f"Since {since} the exchanges no longer publish daily northbound net "
                 f"buying{last} and holdings are disclosed quarterly; this section analyses "
                 f"what is still published (trading amount, quarterly holdings) and does not "
                 f"show net buying as zero.")


def net_buy_note(ctx: NorthboundContext, env: ExhibitEnv) -> str:
    """Short form of ``net_buy_text`` for the table note."""
    if ctx.cur.net_buy_cny is not None or ctx.prev.net_buy_cny is not None:
        return ""
    since = NET_BUY_DISCONTINUED.isoformat()
    return env.t(f"每日净买入额自{since}起不再公布，表中不以0代替。",
                 f"Daily net buying is not published since {since}; it is not shown as zero.")


def _bench(code: str, env: ExhibitEnv) -> str:
    return env.ref.index_name(code, env.lang)


def exhibits(ctx: NorthboundContext, env: ExhibitEnv) -> list[Exhibit]:
    t = env.t
    src_nb = env.source_of(NB, INDEX)
    src_hold = env.source_of(HOLD, STOCKS)
    c, p = ctx.cur, ctx.prev

    # 1 summary table W vs W-1
    def row(label: str, cur: float | None, prev: float | None, fmt: str, chg: float | None,
            chg_fmt: str = "pct_signed") -> dict[str, object]:
        return {"metric": label, "cur": cur, "prev": prev, "chg": chg, "_fmt_cur": fmt,
                "_fmt_prev": fmt, "_fmt_chg": chg_fmt}

    def pct_chg(a: float, b: float) -> float | None:
        return (a / b - 1.0) * 100.0 if b and np.isfinite(a) and np.isfinite(b) else None

    rows = [
        row(t("北向交易天数 / A股交易日", "Northbound days / A-share sessions"),
            None, None, "text", None, "text"),
        row(t("北向成交总额（亿元）", "Total amount (100m yuan)"), c.total_cny, p.total_cny, "yi",
            pct_chg(c.total_cny, p.total_cny)),
        row(t("日均成交额（亿元）", "Average daily amount (100m yuan)"), c.adt_cny, p.adt_cny, "yi",
            ctx.adt_change_pct),
        row(t("　沪股通日均（亿元）", "  Shanghai Connect, daily avg"), c.sh_adt_cny, p.sh_adt_cny,
            "yi", pct_chg(c.sh_adt_cny, p.sh_adt_cny)),
        row(t("　深股通日均（亿元）", "  Shenzhen Connect, daily avg"), c.sz_adt_cny, p.sz_adt_cny,
            "yi", pct_chg(c.sz_adt_cny, p.sz_adt_cny)),
        row(t("A股两市日均成交额（亿元）", "A-share turnover, daily avg (100m yuan)"),
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
        net = row(t("净买入额合计（亿元）", "Net buying (100m yuan)"), c.net_buy_cny,
                  p.net_buy_cny, "yi_signed", None)
        for key, val in (("cur", c.net_buy_cny), ("prev", p.net_buy_cny)):
            if val is None:
                net.update({key: t("未公布", "not published"), f"_fmt_{key}": "text"})
        rows.append(net)
    closed_note = ""
    for label, wk in ((t("本周", "This week"), c), (t("上周", "Last week"), p)):
        if wk.closed:
            closed_note += t(f"{label}北向休市（港股假期）：{_closed_text(wk.closed, env)}，"
                             f"日均与占比按北向交易日计算。",
                             f"{label}, northbound closed (Hong Kong holiday): "
                             f"{_closed_text(wk.closed, env)}; averages and shares use the days "
                             f"northbound traded. ")
    note = (t("北向成交额=买入成交额+卖出成交额（沪股通+深股通）；A股成交额=上证指数+深证综指成交额"
              "（两市，不含北交所）。占比口径：北向成交额/A股成交额（与券商周报口径一致，约12%）；"
              "因北向成交额含买卖双边，另列北向成交额/(2×A股成交额)。占比变化单位为百分点。",
              "Northbound amount = buys + sells (Shanghai + Shenzhen Connect); A-share turnover = "
              "SSE Composite + SZSE Composite turnover (excl. BSE). Share convention: northbound / "
              "A-share turnover (as in broker weeklies, ~12%); since the northbound amount counts "
              "both sides, northbound / (2 × turnover) is shown too. Share changes in pp. ")
            + closed_note + net_buy_note(ctx, env))
    d = ctx.daily
    data = pd.DataFrame({"trade_date": [x.date().isoformat() for x in d.index],
                         "week": d["week"].to_numpy(), "sh_cny": d["sh_cny"].to_numpy(),
                         "sz_cny": d["sz_cny"].to_numpy(), "amount_cny": d["amount_cny"].to_numpy(),
                         "net_buy_cny": d["net_buy_cny"].to_numpy(),
                         "a_share_turnover_cny": d["turnover_cny"].to_numpy(),
                         "share_pct": d["share_pct"].to_numpy()})
    table_data = pd.DataFrame([{"metric": r["metric"], "this_week": r["cur"],
                                "last_week": r["prev"], "change": r["chg"]} for r in rows])
    summary_table = TableExhibit(
        key="nb_summary",
        title=t("北向资金成交：本周 vs 上周", "Northbound trading: this week vs last"),
        columns=(TableColumn("metric", t("指标", "Metric"), "text", align="left"),
                 TableColumn("cur", t("本周", "This week"), "text"),
                 TableColumn("prev", t("上周", "Last week"), "text"),
                 TableColumn("chg", t("变化（%/百分点）", "Change (% / pp)"), "pct_signed",
                             colored=True)),
        rows=tuple(rows), source=src_nb, as_of=ctx.as_of, data=table_data, note=note)

    # 2 daily chart
    labels = [_day(x, env) for x in d.index]
    n_prev = int((d["week"] == "prev").sum())
    chart = ChartExhibit(
        key="nb_daily",
        title=t("北向资金逐日成交额（亿元）及占A股成交额比例：上周与本周",
                "Northbound daily trading amount (100m yuan) and share of A-share turnover"),
        make=lambda: daily_amount_chart(
            labels, list(d["sh_cny"] / 1e8), list(d["sz_cny"] / 1e8), list(d["share_pct"]),
            list(d["amount_cny"].isna()), n_prev, env.style,
            sh_label=t("沪股通", "Shanghai Connect"), sz_label=t("深股通", "Shenzhen Connect"),
            share_label=t("占A股成交额（右轴）", "Share of A-share turnover (rhs)"),
            closed_label=t("北向休市", "closed"), ylabel=t("亿元", "100m yuan"),
            y2label="", prev_label=t("上周", "Last week"),
            cur_label=t("本周", "This week")),
        source=src_nb, as_of=ctx.as_of, data=data)

    if ctx.perf is None or ctx.holdings is None or ctx.disclosure is None:
        return [summary_table, chart]
    # 3 holdings vs market
    n = ctx.top_n
    disc = ctx.disclosure.isoformat()
    groups = [t(f"前{n}大持股等权", f"Top {n}, equal-wt"),
              t(f"前{n}大持股市值加权", f"Top {n}, value-wt")] + [
        _bench(b, env) for b in ctx.bench_week]
    wk_vals = [ctx.perf.ew_week_pct, ctx.perf.vw_week_pct] + list(ctx.bench_week.values())
    since_vals = [ctx.perf.ew_since_pct, ctx.perf.vw_since_pct] + list(ctx.bench_since.values())
    perf_data = pd.DataFrame({"portfolio": groups, "week_return_pct": wk_vals,
                              "since_disclosure_return_pct": since_vals,
                              "disclosure_date": disc})
    perf_chart = ChartExhibit(
        key="nb_holdings_perf",
        title=t(f"北向前{n}大持股（{disc}披露）与市场：本周及披露日以来涨跌幅",
                f"Top {n} northbound holdings (disclosed {disc}) vs the market: this week and "
                f"since disclosure"),
        make=lambda: grouped_bars(groups, {t("本周", "This week"): wk_vals,
                                           t(f"自{disc}以来", f"Since {disc}"): since_vals},
                                  env.style, ylabel=t("涨跌幅", "Return"), value_suffix="%",
                                  decimals=2, value_labels=True, height_in=2.5),
        source=env.source_of(HOLD, STOCKS, INDEX), as_of=ctx.as_of, data=perf_data)

    # 4 holdings table
    h = ctx.holdings.sort_values("rank")
    hrows: list[dict[str, object]] = []
    for r in h.itertuples():
        ind = env.ref.industry_name(str(r.sw_l1_code), env.lang) if isinstance(
            r.sw_l1_code, str) else F.DASH
        hrows.append({"rank": r.rank, "code": r.stock_code,
                      "name": r.stock_name if isinstance(r.stock_name, str) else r.stock_code,
                      "industry": ind, "mv": r.market_value_cny, "weight": r.weight_pct,
                      "week": r.week_return_pct, "since": r.since_return_pct})
    stale = ""
    if ctx.disclosure_age_days > STALE_DISCLOSURE_DAYS:
        stale = t(f"注意：最新持股披露已是{ctx.disclosure_age_days}天前。",
                  f"Note: the latest disclosure is {ctx.disclosure_age_days} days old. ")
    missing = ""
    if ctx.perf.missing:
        missing = t("无行情、未计入：", "No prices, left out: ") + "、".join(ctx.perf.missing)
    hold_note = t(f"持股为{disc}季度披露数据（2024年8月起北向持股按季度披露），假设本周持仓不变；"
                  f"市值加权权重=披露股数×上周末收盘价；披露日以来按披露市值加权。",
                  f"Holdings as disclosed for {disc} (quarterly since 2024-08), assumed unchanged "
                  f"this week; value weights = disclosed shares × last week's close; since "
                  f"disclosure weighted by disclosed value. ") + stale + missing
    hold_data = h.assign(disclosure_date=disc)[[
        "rank", "stock_code", "stock_name", "sw_l1_code", "shares", "market_value_cny",
        "close_t0", "close_t1", "weight_pct", "week_return_pct", "since_return_pct",
        "disclosure_date"]]
    hold_table = TableExhibit(
        key="nb_holdings",
        title=t(f"北向资金持股市值前{n}（截至{disc}）本周表现",
                f"Top {n} northbound holdings by value (as of {disc}): performance"),
        columns=(TableColumn("rank", t("排名", "#"), "num0", align="center"),
                 TableColumn("code", t("代码", "Code"), "text", align="left"),
                 TableColumn("name", t("名称", "Name"), "text", align="left"),
                 TableColumn("industry", t("申万一级", "SW L1"), "text", align="left"),
                 TableColumn("mv", t("持股市值（亿元）", "Value (100m yuan)"), "yi"),
                 TableColumn("weight", t("权重", "Weight"), "pct"),
                 TableColumn("week", t("本周涨跌幅", "Week"), "pct_signed", colored=True),
                 TableColumn("since", t(f"自{disc}以来", f"Since {disc}"), "pct_signed",
                             colored=True)),
        rows=tuple(hrows), source=src_hold, as_of=ctx.as_of, data=hold_data, note=hold_note)
    return [summary_table, chart, perf_chart, hold_table]


def _more_less_zh(x: float) -> str:
    return "增长" if x > 0 else ("下降" if x < 0 else "持平")


def _more_less_en(x: float) -> str:
    return "is up" if x > 0 else ("is down" if x < 0 else "is unchanged")


def _vs_last_zh(ctx: NorthboundContext) -> str:
    if not np.isfinite(ctx.adt_change_pct):
        return "（上周无北向成交数据）"
    return (f"较上周日均{F.yi(ctx.prev.adt_cny)}亿元{_more_less_zh(ctx.adt_change_pct)}"
            f"{F.abs_pct(ctx.adt_change_pct)}")


def _vs_last_en(ctx: NorthboundContext) -> str:
    if not np.isfinite(ctx.adt_change_pct):
        return " (no northbound data last week)"
    return (f", which {_more_less_en(ctx.adt_change_pct)} {F.abs_pct(ctx.adt_change_pct)} from "
            f"{F.yi(ctx.prev.adt_cny)} a day last week")


def summary(ctx: NorthboundContext, env: ExhibitEnv) -> list[str]:
    c, p = ctx.cur, ctx.prev
    n = ctx.top_n
    disc = ctx.disclosure.isoformat() if ctx.disclosure else ""
    bw = ctx.bench_week
    perf = ctx.perf
    out: list[str] = []
    if env.lang == "zh":
        closed = ""
        if p.closed or c.closed:
            parts = []
            if c.closed:
                parts.append(f"本周港股休市{len(c.closed)}天，北向交易{c.open_days}天")
            if p.closed:
                parts.append(f"上周港股休市{len(p.closed)}天，北向交易{p.open_days}天")
            closed = "（" + "；".join(parts) + "）"
        out.append(f"本周北向资金成交总额{F.yi(c.total_cny)}亿元，日均{F.yi(c.adt_cny)}亿元，"
                   f"{_vs_last_zh(ctx)}{closed}。")
        out.append(f"北向成交额占A股成交额的比例为{F.pct(c.share_pct)}（上周{F.pct(p.share_pct)}）。")
        bench = "，".join(f"{_bench(b, env)}{F.pct_signed(v)}" for b, v in bw.items())
        if perf is None:
            out.append(f"截至本周尚无北向持股披露数据，持股表现从略（同期{bench}）。")
        else:
            out.append(f"按{disc}披露的持股市值前{n}只个股，本周等权涨跌幅"
                       f"{F.pct_signed(perf.ew_week_pct)}、市值加权{F.pct_signed(perf.vw_week_pct)}，"
                       f"同期{bench}。")
        out.append(net_buy_text(ctx, env))
        return out
    closed = ""
    if p.closed or c.closed:
        parts = []
        if c.closed:
            parts.append(f"{len(c.closed)} day(s) this week")
        if p.closed:
            parts.append(f"{len(p.closed)} day(s) last week")
        closed = " (northbound closed for Hong Kong holidays: " + ", ".join(parts) + ")"
    out.append(f"Northbound trading totalled {F.yi(c.total_cny)} (100m yuan) this week, "
               f"{F.yi(c.adt_cny)} a day{_vs_last_en(ctx)}{closed}.")
    out.append(f"Its share of A-share turnover was {F.pct(c.share_pct)} "
               f"(last week {F.pct(p.share_pct)}).")
    bench = ", ".join(f"the {_bench(b, env)} {F.pct_signed(v)}" for b, v in bw.items())
    if perf is None:
        out.append(f"No northbound holdings had been disclosed by this week, so their "
                   f"performance is not shown ({bench}).")
    else:
        out.append(f"The top {n} holdings disclosed for {disc} returned "
                   f"{F.pct_signed(perf.ew_week_pct)} equal-weighted and "
                   f"{F.pct_signed(perf.vw_week_pct)} value-weighted this week, against {bench}.")
    out.append(net_buy_text(ctx, env))
    return out


def check_refs(p: NorthboundParams, ref: Reference) -> list[tuple[str, str]]:
    return unknown_codes("benchmarks", p.benchmarks, ref.known_index_codes(), "index code")


SPEC = register(SectionSpec(
    name="northbound", part="flows",
    title_zh="北向资金", title_en="Northbound funds",
    params_model=NorthboundParams, datasets=(NB, HOLD, STOCKS, UNIVERSE, INDEX),
    compute=compute, exhibits=exhibits, summary=summary,
    template="sections/northbound.html.j2",
    # two weeks of trading; holdings' since-disclosure returns need closes back to the latest
    # quarterly disclosure (up to ~4.5 months)
    history_days=lambda _p: 160, check_refs=check_refs,
    description="Northbound trading amount and share of turnover; top holdings vs the market.",
))
