"""3.2 Quant funds (part 2): stock index futures IF, IH, IC, IM — annualised basis of the
current-month, next-month, current-quarter and next-quarter contracts, its percentile over a
window of weeks and how many weeks in a row it has been at or beyond a threshold; open
interest per contract and its weekly change.

Tenors and expiries follow ``fundflow.metrics.basis`` (CFFEX rules; expiries from the CFFEX
contract table, the third-Friday rule only for contracts the table lacks). The weekly value of
a series is its value on the week's last session. Percentiles and streaks are computed from the
weekly history in the store, never from one week's rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from fundflow import formatting as F
from fundflow.calendar import TradingCalendar
from fundflow.charts.bars import grouped_bars
from fundflow.charts.lines import lines
from fundflow.errors import SectionError
from fundflow.metrics.basis import (
    TENOR_ZH, TENORS, basis_panel, complete_contracts, last_session_per_week,
    open_interest_change, open_interest_totals, weekly_stats,
)
from fundflow.narrative import Fact, Items, Name, Num, move_score, size_score, streak_score
from fundflow.narrative.phrasebook import add_phrases
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionEnv, SectionInput, SectionSpec,
    TableColumn, TableExhibit, run_exhibits, unknown_codes,
)
from fundflow.sections.registry import register

log = logging.getLogger(__name__)

CONTRACTS, DAILY, INDEX = "futures_contracts", "futures_daily", "index_daily"
VARIETIES = ("IF", "IH", "IC", "IM")
Tenor = Literal["m0", "m1", "q0", "q1"]


class IndexFuturesParams(Params):
    varieties: tuple[str, ...] = Field(default=VARIETIES, min_length=1,
                                       description="CFFEX equity index futures, display order")
    price_field: Literal["close", "settle"] = Field(
        default="close", description="futures price used for the basis (index close is 15:00)")
    percentile_weeks: int = Field(default=52, ge=4, le=520,
                                  description="window of the basis percentile, in weeks")
    streak_threshold_pct: float | dict[str, float] = Field(
        default_factory=lambda: {"IF": -5.0, "IH": -5.0, "IC": -10.0, "IM": -10.0},
        description="annualised basis (% a year) the streak counts weeks at or beyond: one "
                    "value for all varieties or one per variety; negative = discount at least "
                    "that deep")
    min_days_to_expiry: int = Field(default=5, ge=1, le=30,
                                    description="below this many calendar days to expiry the "
                                                "annualised basis is skipped or capped")
    short_expiry: Literal["skip", "cap"] = Field(
        default="skip", description="skip: no annualised basis when D < min_days_to_expiry; "
                                    "cap: annualise over min_days_to_expiry days")
    chart_tenor: Tenor = Field(default="q0", description="tenor of the basis history chart")
    streak_weeks: int = Field(default=104, ge=4, le=520,
                              description="weeks of history searched for the streak")

    @field_validator("varieties")
    @classmethod
    def _varieties(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError("varieties must not repeat")
        return tuple(x.upper() for x in v)

    def threshold(self, variety: str) -> float:
        th = self.streak_threshold_pct
        if isinstance(th, dict):
            return float(th.get(variety, float("nan")))
        return float(th)


@dataclass(frozen=True)
class IndexFuturesContext:
    current: pd.DataFrame       # per (variety, tenor) at t1: contract, prices, basis, stats
    history: pd.DataFrame       # weekly basis panel (one date per week)
    oi: pd.DataFrame            # per contract: oi_t1, oi_t0, change (all contracts of t0/t1)
    oi_totals: pd.DataFrame     # per variety
    underlying: dict[str, str]  # variety -> index code
    t1: date
    t0: date
    rule_expiries: tuple[str, ...]   # contracts whose expiry came from the rule
    as_of: date


def _rule_sessions(start: date, end: date) -> list[date]:
    # the contract table normally gives every expiry; the rule needs future sessions only
    # for a contract missing from it (library calendar, then weekdays)
    return TradingCalendar().sessions(start, end)


def compute(inp: SectionInput[IndexFuturesParams]) -> IndexFuturesContext:
    p = inp.params
    prods = inp.ref.futures_products.set_index("variety")
    underlying = {v: str(prods.at[v, "underlying_index"]) for v in p.varieties}
    daily = inp.frames[DAILY]
    daily = daily[daily["variety"].isin(p.varieties)]
    t1 = pd.Timestamp(inp.week.end)
    daily = daily[daily["trade_date"] <= t1]
    if daily.empty or daily["trade_date"].max() < pd.Timestamp(inp.week.start):
        raise SectionError(f"no futures_daily rows for {', '.join(p.varieties)} in the week "
                           f"{inp.week.start}..{inp.week.end}")
    t1 = daily["trade_date"].max()
    contracts = inp.frames[CONTRACTS]
    contracts = contracts[contracts["variety"].isin(p.varieties)]
    first = daily["trade_date"].min().date()
    try:
        full = complete_contracts(
            contracts, daily, _rule_sessions(first, (t1 + pd.Timedelta(days=400)).date()))
    except ValueError as exc:
        raise SectionError(f"futures contract expiry: {exc}") from exc
    rule = tuple(sorted(full.loc[full["expiry_source"] == "rule", "contract_code"]
                        [lambda s: s.isin(daily.loc[daily["trade_date"] == t1,
                                                    "contract_code"])]))
    if rule:
        log.warning("futures_contracts lacks %s; expiry from the third-Friday rule",
                    ", ".join(rule))
    idx = inp.frames[INDEX]
    spot = idx[idx["index_code"].isin(underlying.values())][["trade_date", "index_code", "close"]]
    by_code = {c: v for v, c in underlying.items()}
    spot = spot.assign(variety=spot["index_code"].map(by_code)).rename(columns={"close": "spot"})
    # weeks: the last futures session of each calendar week
    lookback = max(p.percentile_weeks, p.streak_weeks)
    weeks = last_session_per_week(daily["trade_date"], until=t1.date())[-(lookback + 1):]
    history = basis_panel(full, daily, spot, weeks, price_col=p.price_field,
                          min_days=p.min_days_to_expiry, short_expiry=p.short_expiry)
    thresholds = {v: p.threshold(v) for v in p.varieties}
    stats = weekly_stats(history, t1, window_weeks=p.percentile_weeks, thresholds=thresholds)
    cur = history[history["trade_date"] == t1].merge(
        stats, on=["variety", "tenor"], how="left", suffixes=("", "_s"))
    cur = cur.drop(columns=["basis_ann_pct_s"])
    missing = [v for v in p.varieties if v not in set(cur["variety"])]
    if missing:
        raise SectionError(f"no listed contract with a bar on {t1.date()} for {', '.join(missing)}")
    prev_dates = daily.loc[daily["trade_date"] <= pd.Timestamp(inp.prev_week.end), "trade_date"]
    if prev_dates.empty:
        raise SectionError(f"no futures_daily rows on or before {inp.prev_week.end}")
    t0 = prev_dates.max()
    oi = open_interest_change(daily, t1.date(), t0.date())
    cur = cur.merge(oi[["contract_code", "oi_t0", "oi_change", "oi_change_pct", "new"]],
                    on="contract_code", how="left")
    order = {v: i for i, v in enumerate(p.varieties)}
    cur = cur.sort_values(["variety", "tenor"], key=lambda s: s.map(
        order if s.name == "variety" else {t: i for i, t in enumerate(TENORS)})
    ).reset_index(drop=True)
    return IndexFuturesContext(
        current=cur, history=history, oi=oi, oi_totals=open_interest_totals(oi),
        underlying=underlying, t1=t1.date(), t0=t0.date(), rule_expiries=rule,
        as_of=t1.date())


# -- presentation ------------------------------------------------------------------------------
# table and legend labels; English ones short so that a tenor fits one table line
_TENOR_EN_SHORT = {"m0": "Front\u00a0mth", "m1": "Next\u00a0mth", "q0": "Front\u00a0qtr",
                   "q1": "Next\u00a0qtr"}


def _tenor(env: ExhibitEnv, t: str) -> str:
    return TENOR_ZH[t] if env.lang == "zh" else _TENOR_EN_SHORT[t]


def _streak_text(env: ExhibitEnv, r: dict[str, Any]) -> str:
    if not np.isfinite(r["basis_ann_pct"]) or not np.isfinite(r["threshold_pct"]):
        return F.DASH
    n = int(r["streak_weeks"])
    if n == 0:
        return "0"
    return ("≥" if r["streak_from_start"] else "") + str(n)


def _threshold_text(p: IndexFuturesParams, varieties: tuple[str, ...]) -> str:
    vals = {v: p.threshold(v) for v in varieties}
    uniq = set(vals.values())
    if len(uniq) == 1:
        return F.pct_signed(next(iter(uniq)), 1)
    return ", ".join(f"{v} {F.pct_signed(x, 1)}" for v, x in vals.items())


def _price_word(env: SectionEnv[IndexFuturesParams]) -> str:
    return (env.t("收盘价", "close") if env.params.price_field == "close"
            else env.t("结算价", "settlement price"))


def _basis_rows(ctx: IndexFuturesContext, env: SectionEnv[IndexFuturesParams]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for v in env.params.varieties:
        g = ctx.current[ctx.current["variety"] == v]
        for i, r in enumerate(g.to_dict("records")):
            rows.append({
                "variety": v if i == 0 else "",
                "tenor": _tenor(env, r["tenor"]), "code": r["contract_code"],
                "expiry": r["last_trade_date"].date().isoformat(),
                "dte": r["days_to_expiry"], "fut": r["futures_price"], "basis": r["basis_pts"],
                "ann": r["basis_ann_pct"], "chg": r["change_pp"],
                "pctl": r["percentile_pct"], "streak": _streak_text(env, r)})
    return rows


def _basis_note(ctx: IndexFuturesContext, env: SectionEnv[IndexFuturesParams]) -> str:
    t, p = env.t, env.params
    price = _price_word(env)
    th_text = _threshold_text(p, p.varieties)
    skip = (t(f"剩余不足{p.min_days_to_expiry}天的合约不计算年化基差（显示“—”，在分位与连续周数中跳过）。",
              f"Contracts with fewer than {p.min_days_to_expiry} days left get no annualised "
              f"basis ('—'; skipped in percentiles and streaks).")
            if p.short_expiry == "skip" else
            t(f"剩余不足{p.min_days_to_expiry}天的合约按{p.min_days_to_expiry}天年化。",
              f"Contracts with fewer than {p.min_days_to_expiry} days left are annualised over "
              f"{p.min_days_to_expiry} days."))
    rule_note = ""
    if ctx.rule_expiries:
        n_rule = len(ctx.rule_expiries)
        rule_note = t(f" 合约信息表缺少{n_rule}个在市合约，其最后交易日按“第三个周五、遇节假日顺延”规则推算。",
                      f" {n_rule} listed contract(s) missing from the contract table: last trade "
                      f"date from the third-Friday rule (rolled past holidays).")
    pairs = [(v, env.ref.index_name(ctx.underlying[v], env.lang)) for v in p.varieties]
    return t(
        "标的：" + "，".join(f"{v} {n}" for v, n in pairs) + "。"
        f"年化基差=(期货{price}−指数收盘)/指数收盘×365/剩余天数（自然日，至最后交易日）；负值为贴水。"
        f"“较上周”为与上周最后交易日同期限合约年化基差之差（百分点）。分位数为本周值在近{p.percentile_weeks}周"
        f"（每周取最后交易日）中不高于它的占比。连续周数为年化基差连续处于阈值（{th_text}）或更远离零一侧（负阈值即贴水不浅于该值）的周数，"
        f"由库内历史计算，“≥”表示已覆盖全部可用历史。" + skip,
        "Underlyings: " + ", ".join(f"{v} {n}" for v, n in pairs) + ". "
        f"Annualised basis = (futures {price} − index close) / index close × 365 / days to the "
        f"last trade date (calendar days); negative = discount. 'Chg' is the change vs last "
        f"week's same tenor (pp). Percentile: share of the last {p.percentile_weeks} weekly "
        f"values (week's last session) at or below this week's. Streak: weeks in a row at or "
        f"beyond the threshold {th_text} (for a negative one: a discount at least that deep), "
        f"from the stored history; '≥' = the "
        f"run covers all history available. " + skip) + rule_note


def _futures_basis_table(ctx: IndexFuturesContext, env: SectionEnv[IndexFuturesParams]) -> Exhibit:
    t, p = env.t, env.params
    price = _price_word(env)
    basis_data = ctx.current.assign(trade_date=ctx.current["trade_date"].dt.date.astype(str),
                                    last_trade_date=ctx.current["last_trade_date"].dt.date
                                    .astype(str))
    return TableExhibit(
        key="futures_basis_table",
        title=t(f"股指期货年化基差（{ctx.t1.isoformat()}，{price}）",
                f"Index futures: annualised basis ({ctx.t1.isoformat()}, {price})"),
        columns=(TableColumn("variety", t("品种", "Variety"), "text", align="left"),
                 TableColumn("tenor", t("期限", "Tenor"), "text", align="left"),
                 TableColumn("code", t("合约", "Contract"), "text", align="left"),
                 TableColumn("expiry", t("最后交易日", "Last trade"), "text", align="left"),
                 TableColumn("dte", t("剩余天数", "Days"), "num0"),
                 TableColumn("fut", t("期货价", "Futures"), "num"),
                 TableColumn("basis", t("基差(点)", "Basis (pts)"), "num", colored=True),
                 TableColumn("ann", t("年化基差", "Annualised"), "pct_signed", colored=True),
                 TableColumn("chg", t("较上周(pp)", "Chg (pp)"), "num2", colored=True),
                 TableColumn("pctl", t(f"{p.percentile_weeks}周分位",
                                       f"{p.percentile_weeks}-wk pctl"), "pct0"),
                 TableColumn("streak", t("连续周数", "Streak (wks)"), "text")),
        rows=tuple(_basis_rows(ctx, env)), source=env.source_of(DAILY, CONTRACTS, INDEX),
        as_of=ctx.as_of, data=basis_data, note=_basis_note(ctx, env))


def _futures_basis_history(ctx: IndexFuturesContext, env: SectionEnv[IndexFuturesParams]) -> Exhibit:
    t, p = env.t, env.params
    tenor = p.chart_tenor
    hist = ctx.history[(ctx.history["tenor"] == tenor)]
    chart_start = pd.Timestamp(ctx.t1) - pd.Timedelta(weeks=p.percentile_weeks)
    hist = hist[hist["trade_date"] > chart_start]
    series = {f"{v} {_tenor(env, tenor)}":
              hist[hist["variety"] == v].set_index("trade_date")["basis_ann_pct"].sort_index()
              for v in p.varieties}
    hist_data = ctx.history.assign(
        trade_date=ctx.history["trade_date"].dt.date.astype(str),
        last_trade_date=ctx.history["last_trade_date"].dt.date.astype(str))
    return ChartExhibit(
        key="futures_basis_history",
        title=t(f"{_tenor(env, tenor)}合约年化基差（近{p.percentile_weeks}周，周末值）",
                f"{_tenor(env, tenor)} contracts: annualised basis, last "
                f"{p.percentile_weeks} weeks (weekly)"),
        make=lambda: lines(series, env.style, ylabel=t("年化基差（%）", "Annualised basis (%)"),
                           zero_line=True, height_in=2.6),
        source=env.source_of(DAILY, CONTRACTS, INDEX), as_of=ctx.as_of, data=hist_data)


def _oi_rows(ctx: IndexFuturesContext, env: SectionEnv[IndexFuturesParams]) -> list[dict[str, Any]]:
    """Each variety's contracts then its total; a total over all varieties when several."""
    t = env.t
    oi_rows: list[dict[str, Any]] = []
    totals = ctx.oi_totals.set_index("variety")
    for v in env.params.varieties:
        g = ctx.current[ctx.current["variety"] == v]
        for i, r in enumerate(g.to_dict("records")):
            oi_rows.append({
                "variety": v if i == 0 else "", "tenor": _tenor(env, r["tenor"]),
                "code": r["contract_code"], "oi": r["open_interest"],
                "oi0": r["oi_t0"], "chg": r["oi_change"] if not r["new"] else None,
                "chg_pct": r["oi_change_pct"]})
        if v in totals.index:
            tot = totals.loc[v]
            oi_rows.append({"variety": "", "tenor": t("合计", "Total"), "code": t("全部合约", "all"),
                            "oi": tot["oi_t1"], "oi0": tot["oi_t0"], "chg": tot["oi_change"],
                            "chg_pct": tot["oi_change_pct"]})
    all_tot = all_varieties_total(ctx, env.params.varieties)
    if len(totals.index) > 1:
        oi_rows.append({"variety": t("全部", "All"), "tenor": t("合计", "Total"),
                        "code": t("全部品种", "all varieties"), "oi": all_tot["oi_t1"],
                        "oi0": all_tot["oi_t0"], "chg": all_tot["oi_change"],
                        "chg_pct": all_tot["oi_change_pct"]})
    return oi_rows


def _oi_data(ctx: IndexFuturesContext, varieties: tuple[str, ...]) -> pd.DataFrame:
    """The data behind the table: every contract, then the totals per variety and over all."""
    all_tot = all_varieties_total(ctx, varieties)
    tot_data = ctx.oi_totals[ctx.oi_totals["variety"].isin(varieties)].assign(
        contract_code="", new=False, scope="variety_total")
    all_data = pd.DataFrame([{"contract_code": "", "variety": "ALL", **all_tot, "new": False,
                              "scope": "all_total"}])
    oi_data = pd.concat([ctx.oi.assign(scope="contract"), tot_data, all_data],
                        ignore_index=True)[["scope", "contract_code", "variety", "oi_t1",
                                            "oi_t0", "oi_change", "oi_change_pct", "new"]]
    return oi_data.assign(t1=ctx.t1.isoformat(), t0=ctx.t0.isoformat())


def _futures_oi_table(ctx: IndexFuturesContext, env: SectionEnv[IndexFuturesParams]) -> Exhibit:
    t = env.t
    return TableExhibit(
        key="futures_oi_table",
        title=t(f"股指期货持仓量及周度变化（{ctx.t1.isoformat()}较{ctx.t0.isoformat()}，手）",
                f"Index futures: open interest and weekly change ({ctx.t1.isoformat()} vs "
                f"{ctx.t0.isoformat()}, lots)"),
        columns=(TableColumn("variety", t("品种", "Variety"), "text", align="left"),
                 TableColumn("tenor", t("期限", "Tenor"), "text", align="left"),
                 TableColumn("code", t("合约", "Contract"), "text", align="left"),
                 TableColumn("oi", t("本周持仓", "OI"), "num0"),
                 TableColumn("oi0", t("上周持仓", "OI last week"), "num0"),
                 TableColumn("chg", t("变化", "Change"), "num0", colored=True),
                 TableColumn("chg_pct", t("变化率", "Change %"), "pct_signed", colored=True)),
        rows=tuple(_oi_rows(ctx, env)), source=env.source_of(DAILY, CONTRACTS, INDEX),
        as_of=ctx.as_of, data=_oi_data(ctx, env.params.varieties),
        note=t("合约持仓变化为同一合约两周最后交易日之差，本周新上市合约不计变化；合计含本周到期与新上市的全部合约。",
               "A contract's change compares the same contract on both weeks' last sessions "
               "(none for a contract listed this week); totals cover every contract, expired "
               "and new ones included."))


def _futures_oi_change(ctx: IndexFuturesContext, env: SectionEnv[IndexFuturesParams]) -> Exhibit:
    t = env.t
    totals = ctx.oi_totals.set_index("variety")
    varieties = list(env.params.varieties)
    chg_series: dict[str, list[float]] = {}
    for tn in TENORS:
        vals = []
        for v in varieties:
            hit = ctx.current[(ctx.current["variety"] == v) & (ctx.current["tenor"] == tn)]
            vals.append(float(hit["oi_change"].iloc[0]) / 1e4 if not hit.empty else float("nan"))
        chg_series[_tenor(env, tn)] = vals
    tot_line = [float(totals.at[v, "oi_change"]) / 1e4 if v in totals.index else float("nan")
                for v in varieties]
    return ChartExhibit(
        key="futures_oi_change",
        title=t("股指期货持仓周度变化（万手）", "Index futures: weekly change in open interest "
                                              "(10k lots)"),
        make=lambda: grouped_bars(varieties, chg_series, env.style,
                                  ylabel=t("万手", "10k lots"), line=tot_line,
                                  line_label=t("品种合计", "Variety total"),
                                  value_suffix="", height_in=2.4),
        source=env.source_of(DAILY, CONTRACTS, INDEX), as_of=ctx.as_of,
        data=ctx.current[["variety", "tenor", "contract_code", "open_interest", "oi_t0",
                          "oi_change"]])


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (
    _futures_basis_table, _futures_basis_history, _futures_oi_table, _futures_oi_change,
)


def exhibits(ctx: IndexFuturesContext, env: SectionEnv[IndexFuturesParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


# -- facts -------------------------------------------------------------------------------------
_TENOR_EN_TEXT = {"m0": "front-month", "m1": "next-month", "q0": "front-quarter",
                  "q1": "next-quarter"}
TYPICAL_WEEKLY_OI_CHANGE_PCT = 5.0   # a typical absolute weekly change of total open interest

add_phrases({
    "index_futures.basis": {
        "zh": "本周末{tenor}合约年化基差为{basis}；近{w}周分位数为{pctl}。",
        "en": "At the week's close the {tenor} annualised basis was {basis}; percentiles over the "
              "last {w} weeks: {pctl}."},
    "index_futures.basis_nopctl": {
        "zh": "本周末{tenor}合约年化基差为{basis}。",
        "en": "At the week's close the {tenor} annualised basis was {basis}."},
    "index_futures.no_streak": {
        "zh": "本周各合约年化基差均未达到所设阈值（{th}）。",
        "en": "No contract's annualised basis was at or beyond its threshold this week ({th})."},
    "index_futures.oi": {
        "zh": "{varieties}合计持仓较上周{all_more}{all_abs}手（{all_pct}），其中{big}变化最大，"
              "持仓{big_chg_more}{big_chg_abs}手（{big_pct}）。",
        "en": "Open interest across {varieties} {all_more} by {all_abs} lots ({all_pct}) on the "
              "week; the largest change was in {big}, whose open interest {big_chg_more} by {big_chg_abs} "
              "lots ({big_pct})."},
})
# the threshold streak: a negative threshold is a discount at least that deep ("below"), a
# positive one a premium at least that high ("above"); "min" = the run covers all history
for _side, _zh, _en in (("below", "以下", "below"), ("above", "以上", "above")):
    _tail_zh = "；本周{n_tenors}个合约中{k}个达到或超过所设阈值。"
    _tail_en = "; {k} of {n_tenors} contracts were at or beyond their thresholds this week."
    add_phrases({
        f"index_futures.streak1_{_side}": {
            "zh": f"本周{{v}}{{tenor}}合约年化基差进入{{th}}及{_zh}区间" + _tail_zh,
            "en": f"The {{v}} {{tenor}} basis moved to {{th}} or {_en} this week" + _tail_en},
        f"index_futures.streak_{_side}": {
            "zh": f"{{v}}{{tenor}}合约年化基差已连续{{n}}周处于{{th}}及{_zh}" + _tail_zh,
            "en": f"The {{v}} {{tenor}} basis has been at or {_en} {{th}} for {{n}} weeks in a row"
                  + _tail_en},
        f"index_futures.streak_min_{_side}": {
            "zh": f"{{v}}{{tenor}}合约年化基差已连续至少{{n}}周处于{{th}}及{_zh}" + _tail_zh,
            "en": f"The {{v}} {{tenor}} basis has been at or {_en} {{th}} for at least {{n}} weeks "
                  f"in a row" + _tail_en},
    })


def _tenor_name(tn: str) -> Name:
    return Name(TENOR_ZH[tn], _TENOR_EN_TEXT[tn])


def _varieties_name(vs: list[str]) -> Name:
    en = ", ".join(vs[:-1]) + " and " + vs[-1] if len(vs) > 1 else "".join(vs)
    return Name("、".join(vs), en)


def all_varieties_total(ctx: IndexFuturesContext, varieties: tuple[str, ...]
                        ) -> dict[str, float]:
    """Open interest over every contract of the shown varieties at t1 and t0, change and %."""
    tot = ctx.oi_totals.set_index("variety")
    vs = [v for v in varieties if v in tot.index]
    oi_t1, oi_t0 = float(tot.loc[vs, "oi_t1"].sum()), float(tot.loc[vs, "oi_t0"].sum())
    return {"oi_t1": oi_t1, "oi_t0": oi_t0, "oi_change": oi_t1 - oi_t0,
            "oi_change_pct": (oi_t1 / oi_t0 - 1) * 100 if oi_t0 > 0 else float("nan")}


def _weekly_history(ctx: IndexFuturesContext, variety: str, tenor: str, weeks: int
                    ) -> list[float]:
    """The weekly annualised basis of one variety and tenor in the percentile window, before
    this week."""
    h = ctx.history[(ctx.history["variety"] == variety) & (ctx.history["tenor"] == tenor)
                    & (ctx.history["trade_date"] < pd.Timestamp(ctx.t1))]
    h = h.sort_values("trade_date")["basis_ann_pct"].dropna()
    return [float(x) for x in h.tail(weeks)]


def facts(ctx: IndexFuturesContext, env: SectionEnv[IndexFuturesParams]) -> list[Fact]:
    """The chart tenor's annualised basis per variety with its percentile (basis table); the
    longest threshold streak, or that no contract reached its threshold (streak column); total
    open interest and the variety that moved most (open interest table's total rows).

    Scores: the basis fact takes the largest move_score of a variety's basis against its own
    weekly history in the percentile window (how far from usual the level is); a streak of n
    weeks scores streak_score(n); open interest scores size_score(change %, 5%)."""
    p = env.params
    tn = p.chart_tenor
    tenor = _tenor_name(tn)
    c = ctx.current[ctx.current["tenor"] == tn].set_index("variety")
    vs = [v for v in p.varieties if v in c.index and np.isfinite(c.at[v, "basis_ann_pct"])]
    out: list[Fact] = []
    if vs:
        basis = Items(tuple((Name(v, v), Num(float(c.at[v, "basis_ann_pct"]), "pct_signed"))
                            for v in vs))
        with_p = [v for v in vs if np.isfinite(c.at[v, "percentile_pct"])]
        score = max(move_score(float(c.at[v, "basis_ann_pct"]), _weekly_history(ctx, v, tn, p.percentile_weeks))
                    for v in vs)
        if with_p:
            pctl = Items(tuple((Name(v, v), Num(float(c.at[v, "percentile_pct"]), "pct0"))
                               for v in with_p))
            out.append(Fact("index_futures.basis", {"tenor": tenor, "basis": basis, "pctl": pctl,
                                                    "w": Num(p.percentile_weeks, "count")},
                            score=score))
        else:
            out.append(Fact("index_futures.basis_nopctl", {"tenor": tenor, "basis": basis},
                            score=score))
    judged = ctx.current[ctx.current["basis_ann_pct"].notna()
                         & ctx.current["threshold_pct"].notna()]
    streaky = judged[judged["streak_weeks"] > 0]
    if not streaky.empty:
        best = (streaky.sort_values(["streak_weeks", "basis_ann_pct"], ascending=[False, True])
                .iloc[0])
        n = int(best["streak_weeks"])
        side = "below" if float(best["threshold_pct"]) < 0 else "above"
        kind = ("streak1" if n == 1 and not best["streak_from_start"] else
                "streak_min" if best["streak_from_start"] else "streak")
        out.append(Fact(f"index_futures.{kind}_{side}", {
            "v": Name(best["variety"], best["variety"]), "tenor": _tenor_name(best["tenor"]),
            "n": Num(n, "count"), "th": Num(float(best["threshold_pct"]), "pct1"),
            "k": Num(len(streaky), "count"), "n_tenors": Num(len(judged), "count")},
            score=streak_score(n)))
    else:
        ths = [(v, p.threshold(v)) for v in p.varieties if np.isfinite(p.threshold(v))]
        if ths:
            out.append(Fact("index_futures.no_streak", {
                "th": Items(tuple((Name(v, v), Num(x, "pct1")) for v, x in ths))}, score=0.3))
    tot = ctx.oi_totals.set_index("variety")
    tv = [v for v in p.varieties if v in tot.index]
    if tv:
        all_tot = all_varieties_total(ctx, p.varieties)
        big = max(tv, key=lambda v: (abs(float(tot.at[v, "oi_change"])), v))
        out.append(Fact("index_futures.oi", {
            "varieties": _varieties_name(tv),
            "all": Num(all_tot["oi_change"], "num0"),
            "all_pct": Num(all_tot["oi_change_pct"], "pct_signed"),
            "big": Name(big, big),
            "big_chg": Num(float(tot.at[big, "oi_change"]), "num0"),
            "big_pct": Num(float(tot.at[big, "oi_change_pct"]), "pct_signed")},
            score=size_score(all_tot["oi_change_pct"], TYPICAL_WEEKLY_OI_CHANGE_PCT)))
    return out


def check_refs(p: IndexFuturesParams, ref: Reference) -> list[tuple[str, str]]:
    problems = unknown_codes("varieties", p.varieties, list(ref.futures_products["variety"]),
                             "futures variety (seeds/futures_products.csv)")
    th = p.streak_threshold_pct
    if isinstance(th, dict):
        problems += unknown_codes("streak_threshold_pct", list(th), list(p.varieties),
                                  "variety (not in params.varieties)")
        lacking = [v for v in p.varieties if v not in th]
        if lacking:
            problems.append(("streak_threshold_pct",
                             f"no threshold for {', '.join(lacking)}; give one per variety "
                             f"or a single number"))
    return problems


def _history(p: IndexFuturesParams) -> int:
    return 7 * (max(p.percentile_weeks, p.streak_weeks) + 2)


def metrics(ctx: IndexFuturesContext) -> dict[str, float]:
    """Annualised basis and its streak per variety and tenor, e.g. ``basis_ann_pct.IM_q0``."""
    out: dict[str, float] = {}
    for row in ctx.current.itertuples():
        code = f"{row.variety}_{row.tenor}"
        out[f"basis_ann_pct.{code}"] = float(row.basis_ann_pct)
        out[f"streak_weeks.{code}"] = float(row.streak_weeks)
    for row in ctx.oi_totals.itertuples():
        if hasattr(row, "oi_change"):
            out[f"oi_change.{row.variety}"] = float(row.oi_change)
    return out


SPEC = register(SectionSpec(
    name="index_futures", part="flows",
    title_zh="量化资金：股指期货基差与持仓", title_en="Quant funds: index futures basis and open interest",
    params_model=IndexFuturesParams, datasets=(CONTRACTS, DAILY, INDEX),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/index_futures.html.j2", history_days=_history, check_refs=check_refs,
    description="Annualised basis of IF/IH/IC/IM by tenor with percentile and streak; open "
                "interest and its weekly change.",
    metrics=metrics, metric_formats={"basis_ann_pct.{code}": "pct_signed", "streak_weeks.{code}": "count",
                    "oi_change.{code}": "num0"},
))

