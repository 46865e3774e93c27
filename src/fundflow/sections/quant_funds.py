"""3.2 Quant funds (part 1): weekly excess return of CSI 500 / CSI 1000 quantitative
index-enhanced funds over their index, this week and the weeks before.

The fund list is the latest ``enhanced_fund_universe`` snapshot on or before the report week (the
Eastmoney enhanced-index list, one share class per fund, collected weekly), or the curated
``seeds/enhanced_funds.csv`` when there is none (``fundflow.fund_list``); quant funds only by
default (``is_quant``: a name heuristic or the curated flag), unless the config names funds. The
exhibits' source line and the manifest say which list was used and as of when. The same list is
used for the weeks before the report week (funds closed earlier are not in it; funds launched
later lack NAVs for those weeks and are excluded there). Fund weekly return = Π(1 + 日增长率/100) − 1 over the week's sessions (dividend-safe);
excess = fund return − index price return, a simple difference (the funds' benchmarks are
usually 95 % index + 5 % deposits). A fund without a NAV on every session of a week is left
out of that week and counted as excluded. Streaks come from the weekly history in the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from fundflow import formatting as F
from fundflow.charts.bars import grouped_bars
from fundflow.errors import SectionError
from fundflow.fund_list import UNIVERSE, FundList, resolve_fund_list
from fundflow.metrics.quant import (
    Week, excess_for_week, excess_history, per_fund_history, summarise_excess, weeks_ending,
)
from fundflow.metrics.streaks import trailing_sign_streak
from fundflow.narrative import Fact, Name, Num, move_score, regime_score, streak_score
from fundflow.narrative.facts import Slot
from fundflow.narrative.phrasebook import add_phrases
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionEnv, SectionInput, SectionSpec,
    TableColumn, TableExhibit, run_exhibits, unknown_codes,
)
from fundflow.sections.registry import register

NAV, INDEX = "fund_nav_daily", "index_daily"


class QuantFundsParams(Params):
    funds: tuple[str, ...] = Field(
        default=(), description="fund codes (6 digits) from the fund list used (the stored "
                                "universe snapshot or seeds/enhanced_funds.csv); empty = the "
                                "whole list (quant funds only unless quant_only is false)")
    quant_only: bool = Field(default=True, description="keep funds flagged is_quant only")
    benchmarks: tuple[str, ...] = Field(default=("000905", "000852"), min_length=1,
                                        description="benchmark index codes to report")
    weeks_history: int = Field(default=8, ge=1, le=52,
                               description="weeks shown before the report week")
    streak_weeks: int = Field(default=52, ge=4, le=260,
                              description="weeks of history searched for the sign streak of "
                                          "the median excess")

    @field_validator("funds")
    @classmethod
    def _unique(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [c for c in v if not (len(c) == 6 and c.isdigit())]
        if bad:
            raise ValueError(f"fund code(s) {', '.join(map(repr, bad))} must be 6 digits "
                             f"(quote them in YAML so leading zeros survive)")
        if len(set(v)) != len(v):
            raise ValueError("fund codes must not repeat")
        return v


@dataclass(frozen=True)
class QuantFundsContext:
    funds: pd.DataFrame          # this week, per fund: code, name, benchmark, returns, excess
    summary: pd.DataFrame        # this week, per benchmark
    history: pd.DataFrame        # weeks_history + 1 weeks, per (week, benchmark)
    streaks: dict[str, tuple[int, bool]]   # benchmark -> (signed weeks, reaches history start)
    weeks: tuple[Week, ...]      # shown weeks, oldest first; the last is the report week
    as_of: Any
    fund_list: FundList          # which fund list was used (stored snapshot or curated)


def select_funds(ref_funds: pd.DataFrame, codes: tuple[str, ...], quant_only: bool,
                 benchmarks: tuple[str, ...]) -> pd.DataFrame:
    """The fund list used: named codes (in that order) or the seed list, filtered."""
    f = ref_funds.copy()
    if codes:
        f = f.set_index("fund_code").loc[list(codes)].reset_index()
    elif quant_only:
        f = f[f["is_quant"].astype(str).str.strip().str.lower().isin(("true", "1", "yes"))]
    return f[f["benchmark_index"].isin(benchmarks)].reset_index(drop=True)


def compute(inp: SectionInput[QuantFundsParams]) -> QuantFundsContext:
    p = inp.params
    fund_list = resolve_fund_list(inp.frames.get(UNIVERSE), inp.ref.enhanced_funds,
                                  inp.week.end)
    unknown = [c for c in p.funds if c not in set(fund_list.funds["fund_code"])]
    if unknown:
        raise SectionError(f"params.funds: {', '.join(unknown)} not in the "
                           f"{fund_list.describe('en')}")
    funds = select_funds(fund_list.funds, p.funds, p.quant_only, p.benchmarks)
    if funds.empty:
        raise SectionError("no enhanced fund in the list for benchmarks "
                           f"{', '.join(p.benchmarks)} ({fund_list.describe('en')}, "
                           f"params.funds, quant_only={p.quant_only})")
    idx = inp.frames[INDEX]
    closes = {b: idx[idx["index_code"] == b].set_index("trade_date")["close"].sort_index()
              for b in p.benchmarks}
    for b, s in closes.items():
        if s.empty:
            raise SectionError(f"no index_daily rows for the benchmark {b}")
    # sessions = the dates the benchmark indices have (funds publish NAVs on the same days)
    sessions = sorted(set().union(*(set(s.index) for s in closes.values())))
    sessions = [d for d in sessions if d.date() <= inp.week.end]
    if pd.Timestamp(inp.week.end) not in set(sessions):
        raise SectionError(f"benchmark index data end before the report week's last session "
                           f"{inp.week.end}")
    n_hist = max(p.weeks_history + 1, p.streak_weeks)
    all_weeks = weeks_ending([d.date() for d in sessions], inp.week.end, n_hist)
    if not all_weeks:
        raise SectionError("no complete week of index data before the report week")
    shown = all_weeks[-(p.weeks_history + 1):]
    nav = inp.frames[NAV]
    this = excess_for_week(nav, funds, closes, shown[-1])
    names = funds.set_index("fund_code")["fund_name"]
    this["fund_name"] = this["fund_code"].map(names)
    if "fund_name_en" in funds.columns:   # English reports show the seed's English name
        names_en = funds.set_index("fund_code")["fund_name_en"].replace("", np.nan)
        this["fund_name_en"] = this["fund_code"].map(names_en).fillna(this["fund_name"])
    else:
        this["fund_name_en"] = this["fund_name"]
    if not this["used"].any():
        raise SectionError(f"no fund has a NAV on every session of the week "
                           f"{inp.week.start}..{inp.week.end}")
    per_fund = per_fund_history(nav, funds, closes, shown)
    beat = (per_fund.assign(beat=per_fund["excess_pp"] > 0)
            .groupby("fund_code").agg(beat_weeks=("beat", "sum"), weeks=("used", "sum"),
                                      mean_excess_pp=("excess_pp", "mean")))
    this = this.join(beat, on="fund_code")
    summary = summarise_excess(this)
    full = excess_history(nav, funds, closes, all_weeks)
    history = full[full["monday"] >= pd.Timestamp(shown[0].monday)].reset_index(drop=True)
    streaks: dict[str, tuple[int, bool]] = {}
    for b in p.benchmarks:
        s = full[full["benchmark_index"] == b].sort_values("monday")["median_pp"]
        n = trailing_sign_streak(s)
        streaks[b] = (n, abs(n) == len(s) and len(s) > 0)
    as_of = min(nav["trade_date"].max().date(), inp.week.end)
    return QuantFundsContext(funds=this, summary=summary, history=history, streaks=streaks,
                             weeks=tuple(shown), as_of=as_of,
                             fund_list=fund_list)


# -- presentation ------------------------------------------------------------------------------
def _group_name(env: ExhibitEnv, bench: str) -> str:
    name = env.ref.index_name(bench, env.lang)
    return env.t(f"{name}指数增强", f"{name} enhanced")


def _streak_text(env: ExhibitEnv, streak: tuple[int, bool]) -> str:
    n, from_start = streak
    if n == 0:
        return F.DASH
    at_least = "≥" if from_start else ""
    return env.t(f"{at_least}{abs(n)}周为{'正' if n > 0 else '负'}",
                 f"{at_least}{abs(n)} wk ({'+' if n > 0 else '−'})")


def _row(ctx: QuantFundsContext, bench: str) -> dict[str, Any]:
    hit = ctx.summary[ctx.summary["benchmark_index"] == bench]
    return {} if hit.empty else hit.iloc[0].to_dict()


def _source(ctx: QuantFundsContext, env: ExhibitEnv) -> str:
    return env.source_of(NAV, INDEX) + env.t("；", "; ") + ctx.fund_list.describe(env.lang)


def _summary_rows(ctx: QuantFundsContext, env: SectionEnv[QuantFundsParams]
                  ) -> list[dict[str, Any]]:
    rows = []
    for b in env.params.benchmarks:
        r = _row(ctx, b)
        if not r:
            continue
        rows.append({
            "name": _group_name(env, b), "count": f"{r['count']}",
            "index": r["index_return_pct"], "median_ret": r["median_return_pct"],
            "median": r["median_pp"], "mean": r["mean_pp"], "p25": r["p25_pp"],
            "p75": r["p75_pp"], "beat": f"{r['beat']}/{r['count']}",
            "streak": _streak_text(env, ctx.streaks[b]),
        })
    return rows


def _summary_note(ctx: QuantFundsContext, env: ExhibitEnv) -> str:
    t = env.t
    note = t("超额收益=基金周收益−指数周收益（简单差，未按95%指数+5%存款的业绩基准调整）；基金周收益由日增长率复利计算（已含分红）。",
             "Excess = fund weekly return − index weekly return (simple difference, not "
             "adjusted to the funds' 95% index + 5% deposit benchmarks); fund returns compound "
             "the daily NAV growth rates (dividend-safe).")
    note += t("P25/P75为超额的25%/75%分位数（线性插值）。“中位超额连续”为各周超额中位数同号的连续周数（由库内历史计算）。",
              " Quartiles use linear interpolation. 'Median streak' counts weeks in a row "
              "with the same sign of the median excess (from the stored history).")
    excluded = int(ctx.summary["excluded"].sum())
    if excluded:
        note += t(f" 本周{excluded}只基金净值不全，未计入。",
                  f" {excluded} fund(s) without a NAV on every session were left out.")
    return note


def _quant_excess_table(ctx: QuantFundsContext, env: SectionEnv[QuantFundsParams]) -> Exhibit:
    t = env.t
    week_end = ctx.weeks[-1].end
    data = ctx.summary.assign(
        benchmark_name=[_group_name(env, b) for b in ctx.summary["benchmark_index"]],
        median_streak_weeks=[ctx.streaks[b][0] for b in ctx.summary["benchmark_index"]])
    return TableExhibit(
        key="quant_excess_table",
        title=t(f"量化指数增强基金本周超额收益（截至{week_end}）",
                f"Quant index-enhanced funds: excess return this week (to {week_end})"),
        columns=(TableColumn("name", t("类别", "Group"), "text", align="left"),
                 TableColumn("count", t("样本", "Funds"), "text"),
                 TableColumn("index", t("指数涨跌", "Index"), "pct_signed", colored=True),
                 TableColumn("median_ret", t("基金收益中位", "Median fund"), "pct_signed",
                             colored=True),
                 TableColumn("median", t("超额中位", "Median excess"), "pct_signed",
                             colored=True),
                 TableColumn("mean", t("超额均值", "Mean excess"), "pct_signed", colored=True),
                 TableColumn("p25", t("超额P25", "Excess P25"), "pct_signed", colored=True),
                 TableColumn("p75", t("超额P75", "Excess P75"), "pct_signed", colored=True),
                 TableColumn("beat", t("跑赢", "Beat"), "text"),
                 TableColumn("streak", t("中位超额连续", "Median streak"), "text")),
        rows=tuple(_summary_rows(ctx, env)), source=_source(ctx, env), as_of=ctx.as_of,
        data=data, note=_summary_note(ctx, env))


def _quant_excess_weeks(ctx: QuantFundsContext, env: SectionEnv[QuantFundsParams]) -> Exhibit:
    t = env.t
    hist = ctx.history
    labels = [w.end.strftime("%m-%d") for w in ctx.weeks]
    series = {}
    for b in env.params.benchmarks:
        h = hist[hist["benchmark_index"] == b].set_index("monday")["median_pp"]
        series[_group_name(env, b)] = [float(h.get(pd.Timestamp(w.monday), float("nan")))
                                       for w in ctx.weeks]
    data = hist.assign(week_end=hist["week_end"].dt.date.astype(str),
                       monday=hist["monday"].dt.date.astype(str))
    n_weeks = len(ctx.weeks)
    return ChartExhibit(
        key="quant_excess_weeks",
        title=t(f"量化指数增强基金周超额收益中位数（近{n_weeks}周）",
                f"Quant enhanced funds: median weekly excess return, last {n_weeks} weeks"),
        make=lambda: grouped_bars(labels, series, env.style,
                                  ylabel=t("超额收益中位数", "Median excess"),
                                  value_suffix="%", height_in=2.5),
        source=_source(ctx, env), as_of=ctx.as_of, data=data)


def _fund_rows(ctx: QuantFundsContext, env: SectionEnv[QuantFundsParams]
               ) -> list[dict[str, Any]]:
    """Per benchmark: a group row, its funds by this week's excess, the median and the mean."""
    t = env.t
    rows: list[dict[str, Any]] = []
    for b in env.params.benchmarks:
        g = ctx.funds[ctx.funds["benchmark_index"] == b].sort_values(
            ["excess_pp", "fund_code"], ascending=[False, True], na_position="last")
        if g.empty:
            continue
        r = _row(ctx, b)
        rows.append({"_group": t(f"{_group_name(env, b)}（{r['count']}只）",
                                 f"{_group_name(env, b)} ({r['count']} funds)")})
        for f in g.to_dict("records"):
            rows.append({
                "name": f["fund_name"] if env.lang == "zh" else f["fund_name_en"],
                "code": f["fund_code"], "ret": f["fund_return_pct"],
                "excess": f["excess_pp"],
                "beat": f"{int(f['beat_weeks'])}/{int(f['weeks'])}",
                "avg": f["mean_excess_pp"]})
        rows.append({"name": t("中位数", "Median"), "code": "",
                     "ret": r["median_return_pct"], "excess": r["median_pp"],
                     "beat": "", "avg": None})
        rows.append({"name": t("均值", "Mean"), "code": "", "ret": None,
                     "excess": r["mean_pp"], "beat": "", "avg": None})
    return rows


def _quant_fund_table(ctx: QuantFundsContext, env: SectionEnv[QuantFundsParams]) -> Exhibit:
    t = env.t
    n_weeks = len(ctx.weeks)
    data = ctx.funds[["fund_code", "fund_name", "benchmark_index", "fund_return_pct",
                      "index_return_pct", "excess_pp", "days", "used", "beat_weeks",
                      "weeks", "mean_excess_pp"]]
    return TableExhibit(
        key="quant_fund_table",
        title=t("量化指数增强基金明细：本周收益与超额",
                "Quant enhanced funds: this week's return and excess by fund"),
        columns=(TableColumn("name", t("基金", "Fund"), "text", align="left"),
                 TableColumn("code", t("代码", "Code"), "text", align="left"),
                 TableColumn("ret", t("本周收益", "Return"), "pct_signed", colored=True),
                 TableColumn("excess", t("本周超额", "Excess"), "pct_signed", colored=True),
                 TableColumn("beat", t(f"近{n_weeks}周跑赢周数", f"Weeks beating, last "
                                                                 f"{n_weeks}"), "text"),
                 TableColumn("avg", t(f"近{n_weeks}周平均超额", f"Avg excess, last {n_weeks}"),
                             "pct_signed", colored=True)),
        rows=tuple(_fund_rows(ctx, env)), source=_source(ctx, env), as_of=ctx.as_of,
        data=data,
        note=t("按本周超额从高到低排列；净值不全的基金显示为“—”且不计入统计。",
               "Sorted by this week's excess; funds without complete NAVs show '—' and are "
               "not counted."))


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (_quant_excess_table, _quant_excess_weeks, _quant_fund_table)


def exhibits(ctx: QuantFundsContext, env: SectionEnv[QuantFundsParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


add_phrases({
    # the first benchmark's sentence defines the excess; later ones do not repeat it
    "quant_funds.excess": {
        "zh": "本周{index}{idx_ret_dir}{idx_ret_abs}，{n}只{index}指数增强基金超额收益（基金与指数周收益之差）"
              "中位数为{median}、均值为{mean}，{beat}只跑赢指数。",
        "en": "The {index} {idx_ret_dir} {idx_ret_abs} this week; its {n} enhanced funds had a median "
              "excess return (fund minus index weekly return) of {median} (mean {mean}), and {beat} "
              "of them beat the index."},
    "quant_funds.excess_next": {
        "zh": "本周{index}{idx_ret_dir}{idx_ret_abs}，{n}只{index}指数增强基金超额收益中位数为{median}、"
              "均值为{mean}，{beat}只跑赢指数。",
        "en": "The {index} {idx_ret_dir} {idx_ret_abs} this week; its {n} enhanced funds had a median excess "
              "return of {median} (mean {mean}), and {beat} of them beat the index."},
})
_SIGN = {"pos": ("正", "positive"), "neg": ("负", "negative")}
for _s, (_zh, _en) in _SIGN.items():
    _head_zh = "{index}增强近{weeks}周中{pos}周中位超额为正，"
    _head_en = "{index} enhanced funds: median excess positive in {pos} of the last {weeks} weeks, "
    add_phrases({
        f"quant_funds.turn_{_s}": {"zh": _head_zh + f"本周转为{_zh}。",
                                   "en": _head_en + f"turning {_en} this week."},
        f"quant_funds.run_{_s}": {"zh": _head_zh + f"已连续{{run}}周为{_zh}。",
                                  "en": _head_en + f"{_en} for {{run}} weeks in a row."},
        f"quant_funds.run_min_{_s}": {"zh": _head_zh + f"已连续至少{{run}}周为{_zh}。",
                                      "en": _head_en + f"{_en} for at least {{run}} weeks in a row."},
    })


def _median_history(ctx: QuantFundsContext, bench: str) -> list[float]:
    """Median weekly excess of the shown weeks before the report week, oldest first."""
    h = ctx.history[ctx.history["benchmark_index"] == bench].sort_values("monday")
    h = h[h["monday"] < pd.Timestamp(ctx.weeks[-1].monday)]
    return [float(x) for x in h["median_pp"]]


def facts(ctx: QuantFundsContext, env: SectionEnv[QuantFundsParams]) -> list[Fact]:
    """Per benchmark: this week's median / mean excess, funds beating the index and the index's
    return (table 1); then the sign record of the median over the shown weeks and its streak
    (chart 2, table 1's streak column).

    Scores: the week's median excess against the shown weeks before it (move_score); a streak
    of n weeks scores streak_score(n); a sign change this week scores the smaller of
    regime_score and move_score, so a flip matters only when the new value is itself unusual.
    """
    excess_facts: list[Fact] = []
    streak_facts: list[Fact] = []
    for b in env.params.benchmarks:
        r = _row(ctx, b)
        if not r:
            continue
        index = Name(env.ref.index_name(b, "zh"), env.ref.index_name(b, "en"))
        hist = _median_history(ctx, b)
        median = float(r["median_pp"])
        excess_facts.append(Fact(
            "quant_funds.excess" if not excess_facts else "quant_funds.excess_next",
            {"index": index, "idx_ret": Num(float(r["index_return_pct"]), "pct_signed"),
             "n": Num(int(r["count"]), "count"), "median": Num(median, "pct_signed"),
             "mean": Num(float(r["mean_pp"]), "pct_signed"), "beat": Num(int(r["beat"]), "count")},
            score=move_score(median, hist)))
        h = ctx.history[ctx.history["benchmark_index"] == b]["median_pp"]
        n, from_start = ctx.streaks[b]
        if n == 0:
            continue
        sign = "pos" if n > 0 else "neg"
        slots: dict[str, Slot] = {"index": index, "weeks": Num(len(ctx.weeks), "count"),
                 "pos": Num(int((h > 0).sum()), "count")}
        if abs(n) == 1 and not from_start:
            before = hist[-1] if hist else float("nan")
            streak_facts.append(Fact(f"quant_funds.turn_{sign}", slots,
                                     score=min(regime_score(median, before),
                                               move_score(median, hist))))
        else:
            kind = f"quant_funds.run_min_{sign}" if from_start else f"quant_funds.run_{sign}"
            streak_facts.append(Fact(kind, {**slots, "run": Num(abs(n), "count")},
                                     score=streak_score(abs(n))))
    return excess_facts + streak_facts


def check_refs(p: QuantFundsParams, ref: Reference) -> list[tuple[str, str]]:
    # named fund codes are checked against the fund list the week uses, in compute(): the
    # stored universe changes week by week and is not known when the config is read
    problems = unknown_codes("benchmarks", p.benchmarks, ref.known_index_codes(), "index code")
    return problems


def _history(p: QuantFundsParams) -> int:
    return 7 * (max(p.weeks_history + 1, p.streak_weeks) + 2)


def metrics(ctx: QuantFundsContext) -> dict[str, float]:
    """Median weekly excess of the funds per benchmark, e.g. ``median_excess_pp.000852``."""
    return {f"median_excess_pp.{row.benchmark_index}": float(row.median_pp)
            for row in ctx.summary.itertuples()}


SPEC = register(SectionSpec(
    name="quant_funds", part="flows",
    title_zh="量化资金：指数增强基金超额", title_en="Quant funds: index-enhanced excess return",
    params_model=QuantFundsParams, datasets=(NAV, INDEX, UNIVERSE),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/quant_funds.html.j2", history_days=_history, check_refs=check_refs,
    description="Median weekly excess return of CSI 500 / CSI 1000 quant enhanced funds.",
    metrics=metrics, metric_formats={"median_excess_pp.{code}": "num2"},
    provenance=lambda ctx: ctx.fund_list.as_dict(),
))
