"""3.1 (ETF part) ETF flows: net creation/redemption of a configurable ETF list by category
(broad-based, strategy/dividend, sector/theme), W vs W-1, daily this week, weekly over a longer
window with streaks, and the largest inflows and outflows by name.

Flow of one ETF on day d: ``(S_d - S_{d-1}) x P_d`` (units x close, metrics.flows); weekly sum
over the sessions of W. Unit splits/merges are detected and left out; an ETF listed inside the
window contributes from the day after its listing (units raised before listing are no creation).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd
import numpy as np
from pydantic import Field

from fundflow import formatting as F
from fundflow.charts.bars import grouped_bars, signed_bars
from fundflow.errors import SectionError
from fundflow.metrics.flows import (
    CATEGORIES, category_totals, daily_category_flows, etf_daily_flows, etf_week_flows,
    flow_streak, top_flows, weekly_category_flows,
)
from fundflow.narrative import Fact, Name, Num, move_score, regime_score, size_score, streak_score
from fundflow.narrative.facts import Slot
from fundflow.narrative.phrasebook import add_phrases
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionEnv, SectionInput, SectionSpec, TableColumn,
    TableExhibit, run_exhibits, unknown_codes,
)
from fundflow.sections.registry import register

DATASET = "etf_daily"

CATEGORY_LABELS = {
    "broad": ("宽基ETF", "Broad-based"),
    "strategy": ("策略/红利ETF", "Strategy/dividend"),
    "sector": ("行业/主题ETF", "Sector/theme"),
}


class EtfFlowsParams(Params):
    etfs: tuple[str, ...] = Field(default=(), description="ETF codes from seeds/etfs.csv; "
                                                          "empty = every ETF in the seed list")
    top_n: int = Field(default=5, ge=1, le=15,
                       description="how many largest inflows and outflows to name")
    history_weeks: int = Field(default=12, ge=4, le=52,
                               description="weeks of weekly flows in the history chart and "
                                           "the window of the streak count")
    split_price_jump_pct: float = Field(
        default=25.0, gt=10.0, le=90.0,
        description="a one-day price move beyond this (%) with an opposite jump in units is "
                    "treated as a unit split/merge, not a flow")


@dataclass(frozen=True)
class EtfFlowsContext:
    etfs: pd.DataFrame          # per ETF with data in W: flows W and W-1, units, AUM, return
    categories: pd.DataFrame    # category_totals
    daily: pd.DataFrame         # sessions x categories, 元
    weekly: pd.DataFrame        # week Monday x categories, 元 (last history_weeks weeks)
    streaks: dict[str, int]     # category -> signed consecutive weeks (within the window)
    prior_streaks: dict[str, int]  # the run before the current one (for "turned to ...")
    prior_capped: dict[str, bool]  # True when that run reaches the start of the window
    streak_capped: dict[str, bool]  # True when the run covers the whole window (a lower bound)
    top_in: pd.DataFrame
    top_out: pd.DataFrame
    splits: tuple[tuple[str, date], ...]
    listed: tuple[tuple[str, date], ...]
    missing: tuple[str, ...]    # configured ETFs without a row in W
    stale: tuple[tuple[str, date], ...]  # ETFs whose last row is before t1
    total_cny: float
    total_prev_cny: float
    n_etfs: int
    week_start: date
    week_end: date
    as_of: date


def compute(inp: SectionInput[EtfFlowsParams]) -> EtfFlowsContext:
    p = inp.params
    ref_etfs = inp.ref.etfs
    codes = list(p.etfs) or list(ref_etfs["etf_code"])
    meta = ref_etfs[ref_etfs["etf_code"].isin(codes)].copy()
    frame = inp.frames[DATASET]
    frame = frame[frame["etf_code"].isin(codes) & (frame["trade_date"] <= pd.Timestamp(inp.week.end))]
    if frame.empty:
        raise SectionError(f"no {DATASET} rows for the ETFs {', '.join(codes)}")
    flows = etf_daily_flows(frame, price_jump=p.split_price_jump_pct / 100.0)
    week, prev = inp.week, inp.prev_week
    cur = etf_week_flows(flows, week.sessions, prev.end)
    if cur.etfs.empty:
        raise SectionError(f"no {DATASET} rows in the week {week.start}..{week.end}")
    before_prev = flows[flows["trade_date"] < pd.Timestamp(prev.start)]["trade_date"]
    prev_t0 = before_prev.max().date() if len(before_prev) else prev.start - timedelta(days=1)
    last = etf_week_flows(flows, prev.sessions, prev_t0)
    etfs = cur.etfs.merge(last.etfs[["etf_code", "flow_cny"]].rename(
        columns={"flow_cny": "flow_prev_cny"}), on="etf_code", how="left")
    etfs = etfs.merge(meta[["etf_code", "name_zh", "tracks_index", "category"]], on="etf_code",
                      how="left")
    order = {c: i for i, c in enumerate(codes)}
    etfs = etfs.sort_values(["category", "etf_code"], key=lambda s: s.map(
        {c: i for i, c in enumerate(CATEGORIES)}) if s.name == "category" else s.map(order))
    etfs = etfs.reset_index(drop=True)
    cats = category_totals(cur.etfs, last.etfs, meta)
    daily = daily_category_flows(flows, meta, week.sessions)
    weekly = weekly_category_flows(flows, meta, week.end, p.history_weeks)
    streaks = {c: flow_streak(weekly[c]) for c in CATEGORIES}
    prior = {c: flow_streak(weekly[c].iloc[:len(weekly) - abs(streaks[c])]) if streaks[c] else 0
             for c in CATEGORIES}
    capped = {c: abs(streaks[c]) == len(weekly) and len(weekly) > 0 for c in CATEGORIES}
    prior_capped = {c: bool(prior[c]) and abs(streaks[c]) + abs(prior[c]) == len(weekly)
                    for c in CATEGORIES}
    top_in, top_out = top_flows(etfs, p.top_n)
    t1 = pd.Timestamp(week.end)
    last_row = flows.groupby("etf_code")["trade_date"].max()
    stale = tuple((c, d.date()) for c, d in last_row.items() if d < t1 and c in set(etfs["etf_code"]))
    missing = tuple(c for c in codes if c not in set(etfs["etf_code"]))
    as_of = min(week.end, frame["trade_date"].max().date())
    return EtfFlowsContext(
        etfs=etfs, categories=cats, daily=daily, weekly=weekly, streaks=streaks,
        prior_streaks=prior, prior_capped=prior_capped,
        streak_capped=capped, top_in=top_in, top_out=top_out,
        splits=tuple((r.etf_code, r.trade_date.date()) for r in cur.split_days.itertuples()),
        listed=tuple((r.etf_code, r.trade_date.date()) for r in cur.listed.itertuples()),
        missing=missing, stale=stale,
        total_cny=float(cats["flow_cny"].sum()), total_prev_cny=float(cats["flow_prev_cny"].sum()),
        n_etfs=int(len(etfs)), week_start=week.start, week_end=week.end, as_of=as_of)


# -- chart --------------------------------------------------------------------------------------
# -- display helpers ----------------------------------------------------------------------------
def _cat(c: str, env: ExhibitEnv) -> str:
    zh, en = CATEGORY_LABELS.get(c, (c, c))
    return env.t(zh, en)


def etf_label(code: str, env: ExhibitEnv) -> str:
    """Display name from seeds/etfs.csv in the report language (name_zh / name_en); an ETF
    without an English name shows its tracked index's English name and its code."""
    hit = env.ref.etfs.loc[env.ref.etfs["etf_code"] == code]
    if hit.empty:
        return code
    row = hit.iloc[0]
    if env.lang == "zh":
        return str(row["name_zh"])
    if str(row.get("name_en", "")).strip():
        return str(row["name_en"])
    idx = env.ref.index_name(str(row["tracks_index"]), "en")
    return f"{idx} ETF {code}" if idx != row["tracks_index"] else f"ETF {code}"


def _streak_text(streak: int, capped: bool, prior: int, env: ExhibitEnv,
                 prior_capped: bool = False) -> str:
    """'连续3周净申购', or for a one-week run after an opposite run '转为净赎回（此前连续5周净申购）'
    (the table's run column)."""
    if streak == 0:
        return F.DASH
    more = "≥" if capped else ""
    word_zh = "净申购" if streak > 0 else "净赎回"
    word_en = "in" if streak > 0 else "out"
    if abs(streak) == 1 and prior and (prior > 0) != (streak > 0):
        pw_zh = "净申购" if prior > 0 else "净赎回"
        pw_en = "in" if prior > 0 else "out"
        pm = "≥" if prior_capped else ""
        return env.t(f"转为{word_zh}（此前连续{pm}{abs(prior)}周{pw_zh}）",
                     f"turned {word_en} (after {pm}{abs(prior)} wk {pw_en})")
    return env.t(f"连续{more}{abs(streak)}周{word_zh}", f"{more}{abs(streak)} wk {word_en}")


def _notes(ctx: EtfFlowsContext, env: ExhibitEnv) -> str:
    t = env.t
    parts = [t("净申赎=Σ(当日份额变动×当日收盘价)，为估算值；规模=份额×收盘价。",
               "Net creation = Σ(daily change in units × that day's close), an estimate; "
               "AUM = units × close.")]
    if ctx.splits:
        parts.append(t("份额折算/拆分日已剔除：", "Unit split/merge days left out: ")
                     + "、".join(f"{etf_label(c, env)} {d.isoformat()}" for c, d in ctx.splits)
                     + t("。", "."))
    if ctx.listed:
        parts.append(t("本周新上市（上市首日份额为募集份额，不计入申赎）：",
                       "Listed this week (units raised before listing are not counted): ")
                     + "、".join(f"{etf_label(c, env)} {d.isoformat()}" for c, d in ctx.listed)
                     + t("。", "."))
    if ctx.stale:
        parts.append(t("份额数据未更新至本周最后交易日：", "Units not updated to the last session: ")
                     + "、".join(f"{etf_label(c, env)}（{d.isoformat()}）" for c, d in ctx.stale)
                     + t("。", "."))
    if ctx.missing:
        parts.append(t("本周无数据：", "No data this week: ")
                     + "、".join(etf_label(c, env) for c in ctx.missing) + t("。", "."))
    return " ".join(parts) if env.lang == "en" else "".join(parts)


def _category_rows(ctx: EtfFlowsContext, env: ExhibitEnv) -> list[dict[str, object]]:
    """One row per category with its streak, then the total."""
    t = env.t
    cat_rows: list[dict[str, object]] = []
    for r in ctx.categories.itertuples():
        cat_rows.append({"category": _cat(r.category, env), "n": r.n_etfs, "flow": r.flow_cny,
                         "flow_prev": r.flow_prev_cny, "aum": r.aum_end_cny,
                         "pct": r.flow_pct_of_aum,
                         "streak": _streak_text(ctx.streaks[r.category],
                                                ctx.streak_capped[r.category],
                                                ctx.prior_streaks[r.category], env,
                                                ctx.prior_capped[r.category])})
    aum_total = float(ctx.categories["aum_end_cny"].sum())
    base_total = aum_total - ctx.total_cny
    cat_rows.append({"category": t("合计", "Total"), "n": ctx.n_etfs, "flow": ctx.total_cny,
                     "flow_prev": ctx.total_prev_cny, "aum": aum_total,
                     "pct": ctx.total_cny / base_total * 100.0 if base_total > 0 else None,
                     "streak": ""})
    return cat_rows


def _etf_categories(ctx: EtfFlowsContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    cat_rows = _category_rows(ctx, env)
    cat_data = ctx.categories.assign(
        category_label=[_cat(c, env) for c in ctx.categories["category"]],
        streak_weeks=[ctx.streaks[c] for c in ctx.categories["category"]])
    cat_data = pd.concat([cat_data, pd.DataFrame([{
        "category": "total", "category_label": t("合计", "Total"), "n_etfs": ctx.n_etfs,
        "flow_cny": ctx.total_cny, "flow_prev_cny": ctx.total_prev_cny,
        "aum_end_cny": cat_rows[-1]["aum"], "flow_pct_of_aum": cat_rows[-1]["pct"]}])],
        ignore_index=True)
    n_weeks = len(ctx.weekly)
    return TableExhibit(
        key="etf_categories",
        title=t("ETF净申赎：分类汇总（亿元）", "ETF net creations by category"),
        columns=(TableColumn("category", t("类别", "Category"), "text", align="left"),
                 TableColumn("n", t("ETF数量", "ETFs"), "num0"),
                 TableColumn("flow", t("本周净申赎", "This week"), "yi_signed", colored=True),
                 TableColumn("flow_prev", t("上周净申赎", "Last week"), "yi_signed", colored=True),
                 TableColumn("aum", t("周末规模", "AUM at week end"), "yi"),
                 TableColumn("pct", t("净申赎/期初规模", "Flow / AUM"), "pct_signed",
                             colored=True),
                 TableColumn("streak", t(f"近{n_weeks}周连续性", f"Run (last {n_weeks} wk)"),
                             "text", align="center")),
        rows=tuple(cat_rows), source=env.source_of(DATASET), as_of=ctx.as_of, data=cat_data,
        note=_notes(ctx, env) + t("期初规模=周末规模-本周净申赎。", " Start AUM = week-end AUM "
                                  "minus the week's flow."))


def _etf_daily(ctx: EtfFlowsContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    days = [env.day_label(d) for d in ctx.daily.index]
    daily_yi = {_cat(c, env): list(ctx.daily[c] / 1e8) for c in CATEGORIES}
    daily_total = list(ctx.daily.sum(axis=1, min_count=1) / 1e8)
    daily_data = (ctx.daily / 1e8).round(4)
    daily_data.index = [d.date().isoformat() for d in daily_data.index]
    daily_data = daily_data.rename(columns=lambda c: f"{c}_flow_yi").rename_axis(
        "trade_date").reset_index()
    return ChartExhibit(
        key="etf_daily",
        title=t("本周ETF逐日净申赎（分类，亿元）", "ETF net creations per day this week"),
        make=lambda: env.amounts(grouped_bars(days, daily_yi, env.style, ylabel=t("亿元", ""),
                                  line=daily_total, line_label=t("合计", "Total"))),
        source=env.source_of(DATASET), as_of=ctx.as_of, data=daily_data)


def _etf_weekly(ctx: EtfFlowsContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    n_weeks = len(ctx.weekly)
    wk_labels = [(m + pd.Timedelta(days=4)).strftime("%m-%d") for m in ctx.weekly.index]
    weekly_yi = {_cat(c, env): list(ctx.weekly[c] / 1e8) for c in CATEGORIES}
    weekly_total = list(ctx.weekly.sum(axis=1) / 1e8)
    weekly_data = (ctx.weekly / 1e8).round(4)
    weekly_data.index = [m.date().isoformat() for m in weekly_data.index]
    weekly_data = weekly_data.rename(columns=lambda c: f"{c}_flow_yi").rename_axis(
        "week_monday").reset_index()
    return ChartExhibit(
        key="etf_weekly",
        title=t(f"近{n_weeks}周ETF净申赎（分类，亿元；横轴为周五日期）",
                f"ETF net creations over the last {n_weeks} weeks (week ending)"),
        make=lambda: env.amounts(grouped_bars(wk_labels, weekly_yi, env.style,
                                  ylabel=t("亿元", ""), line=weekly_total,
                                  line_label=t("合计", "Total"))),
        source=env.source_of(DATASET), as_of=ctx.as_of, data=weekly_data)


def _etf_top(ctx: EtfFlowsContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    top = pd.concat([ctx.top_in, ctx.top_out.iloc[::-1]], ignore_index=True)
    top_labels = [f"{etf_label(c, env)}" for c in top["etf_code"]]
    top_vals = list(top["flow_cny"] / 1e8)
    top_data = top[["etf_code", "name_zh", "category", "flow_cny", "flow_prev_cny",
                    "share_change_pct", "return_pct"]]
    n_bars = max(len(top_vals), 1)
    return ChartExhibit(
        key="etf_top",
        title=t(f"本周净申购与净赎回最多的ETF（各前{len(ctx.top_in)}/{len(ctx.top_out)}只，亿元）",
                "Largest ETF net creations and redemptions this week"),
        make=lambda: env.amounts(signed_bars(top_labels, top_vals, env.style, horizontal=True,
                                 value_suffix="", decimals=2, ylabel=t("亿元", ""),
                                 height_in=min(0.8 + 0.24 * n_bars, 4.2)), axis="x"),
        source=env.source_of(DATASET), as_of=ctx.as_of, data=top_data)


def _etf_detail(ctx: EtfFlowsContext, env: ExhibitEnv) -> Exhibit:
    """Every ETF, grouped by category."""
    t = env.t
    rows: list[dict[str, object]] = []
    for c in CATEGORIES:
        part = ctx.etfs[ctx.etfs["category"] == c]
        if part.empty:
            continue
        rows.append({"_group": _cat(c, env)})
        for r in part.itertuples():
            idx = env.ref.index_name(str(r.tracks_index), env.lang)
            rows.append({"code": r.etf_code, "name": etf_label(r.etf_code, env), "index": idx,
                         "flow": r.flow_cny, "flow_prev": r.flow_prev_cny,
                         "units": r.share_change_pct, "ret": r.return_pct, "aum": r.aum_end_cny})
    return TableExhibit(
        key="etf_detail", title=t("ETF本周净申赎明细", "ETF net creations this week, by fund"),
        columns=(TableColumn("code", t("代码", "Code"), "text", align="left"),
                 TableColumn("name", t("名称", "Name"), "text", align="left"),
                 TableColumn("index", t("跟踪指数", "Index"), "text", align="left"),
                 TableColumn("flow", t("本周净申赎（亿元）", "Week"), "yi_signed",
                             colored=True),
                 TableColumn("flow_prev", t("上周（亿元）", "Last week"), "yi_signed",
                             colored=True),
                 TableColumn("units", t("份额变动", "Units chg"), "pct_signed", colored=True),
                 TableColumn("ret", t("周涨跌幅", "Price chg"), "pct_signed", colored=True),
                 TableColumn("aum", t("规模（亿元）", "AUM"), "yi")),
        rows=tuple(rows), source=env.source_of(DATASET), as_of=ctx.as_of,
        data=ctx.etfs.assign(name=[etf_label(c, env) for c in ctx.etfs["etf_code"]]),
        note=t("跟踪指数为代码时表示该指数不在指数参考表中。",
               "An index shown as a code is not in the index reference table."))


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (
    _etf_categories, _etf_daily, _etf_top, _etf_weekly, _etf_detail,
)


def exhibits(ctx: EtfFlowsContext, env: SectionEnv[EtfFlowsParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


# -- facts (the opening paragraph, fundflow.narrative) ------------------------------------------
add_phrases({
    "etf_flows.total": {
        "zh": "本周纳入统计的{n}只ETF合计{flow_in}{flow_abs}亿元，上周为{prev_in}{prev_abs}亿元。",
        "en": "The {n} ETFs tracked saw a {flow_in} of {flow_abs} this week, after "
              "a {prev_in} of {prev_abs} last week."},
    "etf_flows.categories1": {
        "zh": "分类看，{c1}{f1_in}{f1_abs}亿元。",
        "en": "By category, {c1} saw a {f1_in} of {f1_abs}."},
    "etf_flows.categories2": {
        "zh": "分类看，{c1}{f1_in}{f1_abs}亿元，{c2}{f2_in}{f2_abs}亿元。",
        "en": "By category, {c1} saw a {f1_in} of {f1_abs} and {c2} a {f2_in} of "
              "{f2_abs}."},
    "etf_flows.categories3": {
        "zh": "分类看，{c1}{f1_in}{f1_abs}亿元，{c2}{f2_in}{f2_abs}亿元，{c3}{f3_in}{f3_abs}亿元。",
        "en": "By category, {c1} saw a {f1_in} of {f1_abs}, {c2} a {f2_in} of {f2_abs} "
              "and {c3} a {f3_in} of {f3_abs}."},
    "etf_flows.category_flat": {
        "zh": "{category}本周无净申赎。",
        "en": "{category} saw no net flow this week."},
    "etf_flows.category_run": {
        "zh": "{category}{flow_in}{flow_abs}亿元，已连续{weeks}周{flow_in}。",
        "en": "{category} saw a {flow_in} of {flow_abs}, making {weeks} weeks of "
              "{flow_in} in a row."},
    "etf_flows.category_run_min": {
        "zh": "{category}{flow_in}{flow_abs}亿元，已至少连续{weeks}周{flow_in}。",
        "en": "{category} saw a {flow_in} of {flow_abs}, making at least {weeks} weeks "
              "of {flow_in} in a row."},
    "etf_flows.category_turn": {
        "zh": "{category}{flow_in}{flow_abs}亿元，结束此前连续{weeks}周的{prev_in}。",
        "en": "{category} saw a {flow_in} of {flow_abs}, ending a run of {weeks} weeks "
              "of {prev_in}."},
    "etf_flows.category_turn_min": {
        "zh": "{category}{flow_in}{flow_abs}亿元，结束此前至少连续{weeks}周的{prev_in}。",
        "en": "{category} saw a {flow_in} of {flow_abs}, ending a run of at least "
              "{weeks} weeks of {prev_in}."},
    "etf_flows.top": {
        "zh": "净流入最多的是{best}（{best_flow}亿元），净流出最多的是{worst}（{worst_flow}亿元）。",
        "en": "The largest inflow went to {best} ({best_flow}) and the largest outflow came "
              "from {worst} ({worst_flow})."},
    "etf_flows.top_in": {
        "zh": "净流入最多的是{best}（{best_flow}亿元），没有ETF净流出。",
        "en": "The largest inflow went to {best} ({best_flow}); no ETF saw a net "
              "outflow."},
    "etf_flows.top_out": {
        "zh": "净流出最多的是{worst}（{worst_flow}亿元），没有ETF净流入。",
        "en": "The largest outflow came from {worst} ({worst_flow}); no ETF saw a "
              "net inflow."},
    "etf_flows.splits": {
        "zh": "{n}个份额折算/拆分日的份额变动未计入净申赎。",
        "en": "Unit changes on {n} split/merge day(s) are not counted as flows."},
})

# Category names in running text (the tables use CATEGORY_LABELS); English in mid-sentence
# form, capitalised where a sentence starts with it.
CATEGORY_NAMES = {
    "broad": Name("宽基ETF", "broad-based ETFs"),
    "strategy": Name("策略/红利ETF", "strategy/dividend ETFs"),
    "sector": Name("行业/主题ETF", "sector/theme ETFs"),
}


def _capitalised(name: Name) -> Name:
    return Name(name.zh, name.en[:1].upper() + name.en[1:])


# Typical size of one ETF's weekly flow, for the score of the largest inflow/outflow
# (fundflow.narrative.size_score).
TYPICAL_ETF_FLOW_CNY = 20e8


def _etf_name(code: str, env: ExhibitEnv) -> Name:
    return Name(etf_label(code, replace(env, lang="zh")), etf_label(code, replace(env, lang="en")))


def _sign(x: float) -> int:
    return 0 if not np.isfinite(x) or x == 0 else (1 if x > 0 else -1)


def facts(ctx: EtfFlowsContext, env: SectionEnv[EtfFlowsParams]) -> list[Fact]:
    """What the opening paragraph says: the total flow W vs W-1, each category's flow with its
    run of inflow / outflow weeks (or the run it ended), the largest inflow and outflow by name,
    and the split days left out. Every number is a cell of an exhibit's data."""
    cats = ctx.categories.set_index("category")
    weekly_total = ctx.weekly.sum(axis=1)
    out = [Fact("etf_flows.total",
                {"n": Num(ctx.n_etfs, "count"), "flow": Num(ctx.total_cny, "yi_signed"),
                 "prev": Num(ctx.total_prev_cny, "yi_signed")},
                score=move_score(ctx.total_cny, weekly_total.iloc[:-1].tolist()))]
    plain: list[tuple[Name, Num, float]] = []
    for c in CATEGORIES:
        if cats.at[c, "n_etfs"] <= 0:
            continue
        flow, prev = float(cats.at[c, "flow_cny"]), float(cats.at[c, "flow_prev_cny"])
        streak, prior = ctx.streaks[c], ctx.prior_streaks[c]
        slots: dict[str, Slot] = {
            "category": _capitalised(CATEGORY_NAMES.get(c, Name(c, c))),
            "flow": Num(flow, "yi_signed"), "prev": Num(prev, "yi_signed")}
        # the runs come from the weekly series; state them only when their signs agree with
        # this week's and last week's flows in the table
        if flow == 0:
            out.append(Fact("etf_flows.category_flat", {"category": slots["category"]},
                            score=0.0))
        elif abs(streak) >= 2 and _sign(streak) == _sign(flow):
            kind = "etf_flows.category_run" + ("_min" if ctx.streak_capped[c] else "")
            out.append(Fact(kind, {**slots, "weeks": Num(abs(streak), "count")},
                            score=streak_score(streak)))
        elif (abs(streak) == 1 and abs(prior) >= 2 and _sign(streak) == _sign(flow)
              and _sign(prior) == _sign(prev) == -_sign(flow)):
            kind = "etf_flows.category_turn" + ("_min" if ctx.prior_capped[c] else "")
            out.append(Fact(kind, {**slots, "weeks": Num(abs(prior), "count")},
                            score=min(4.0, regime_score(flow, prev) * streak_score(prior))))
        else:
            history = ctx.weekly[c].iloc[:-1].tolist() if c in ctx.weekly else []
            plain.append((CATEGORY_NAMES.get(c, Name(c, c)), Num(flow, "yi_signed"),
                          move_score(flow, history)))
    if plain:   # the categories without a run to tell, in one sentence after the total
        group: dict[str, Slot] = {}
        for i, (name, num, _s) in enumerate(plain, 1):
            group.update({f"c{i}": name, f"f{i}": num})
        out.insert(1, Fact(f"etf_flows.categories{len(plain)}", group,
                           score=0.8 * max(s for _n, _v, s in plain)))
    best = ctx.top_in.iloc[0] if len(ctx.top_in) else None
    worst = ctx.top_out.iloc[0] if len(ctx.top_out) else None
    named: dict[str, Slot] = {}
    if best is not None:
        named.update(best=_etf_name(str(best["etf_code"]), env),
                     best_flow=Num(float(best["flow_cny"]), "yi_signed"))
    if worst is not None:
        named.update(worst=_etf_name(str(worst["etf_code"]), env),
                     worst_flow=Num(float(worst["flow_cny"]), "yi_signed"))
    if best is not None or worst is not None:
        kind = ("etf_flows.top" if best is not None and worst is not None
                else "etf_flows.top_in" if best is not None else "etf_flows.top_out")
        biggest = max(abs(float(x["flow_cny"])) for x in (best, worst) if x is not None)
        out.append(Fact(kind, named,
                        score=0.5 * size_score(biggest, TYPICAL_ETF_FLOW_CNY)))
    if ctx.splits:
        out.append(Fact("etf_flows.splits", {"n": Num(len(ctx.splits), "count")}, score=0.0))
    return out


def check_refs(p: EtfFlowsParams, ref: Reference) -> list[tuple[str, str]]:
    return unknown_codes("etfs", p.etfs, list(ref.etfs["etf_code"]), "ETF code")


def _history(p: EtfFlowsParams) -> int:
    return 7 * (p.history_weeks + 2) + 7


SPEC = register(SectionSpec(
    name="etf_flows", part="flows",
    title_zh="ETF资金流向", title_en="ETF flows",
    params_model=EtfFlowsParams, datasets=(DATASET,),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/etf_flows.html.j2", history_days=_history, check_refs=check_refs,
    description="Net creation/redemption of major ETFs by category, with top inflows/outflows.",
))
