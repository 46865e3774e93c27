"""2.2 A-share broad indices: weekly return, level vs 52-week range, average daily turnover W vs
W-1."""

from __future__ import annotations

import math

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from pydantic import Field

from fundflow.charts.bars import paired_bars, signed_bars
from fundflow.errors import SectionError
from fundflow.metrics.returns import range_position, turnover_comparison, weekly_change
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, IndexCodes, Params, SectionEnv, SectionInput, SectionSpec,
    TableColumn, TableExhibit, run_exhibits, unknown_codes,
)
from fundflow.reference import Reference
from fundflow.sections.registry import register
from fundflow.narrative import Fact, Items, Name, Num, rank_score, size_score
from fundflow.narrative.phrasebook import add_phrases

if TYPE_CHECKING:
    import pandas as pd

DATASET = "index_daily"
DEFAULT_INDICES = ("000001", "399001", "399006", "000688", "000016", "000300", "000905",
                   "000852", "932000", "000922")


class BroadIndicesParams(Params):
    indices: IndexCodes = Field(default=DEFAULT_INDICES, min_length=1, max_length=20,
                                     description="index codes (6 digits), in display order")
    range_weeks: int = Field(default=52, ge=4, le=260,
                             description="window of the high/low range, in weeks")



@dataclass(frozen=True)
class IndexRow:
    code: str
    close: float
    return_pct: float
    high: float
    low: float
    position_pct: float
    from_high_pct: float
    adt_cny: float
    adt_prev_cny: float
    adt_change_pct: float
    sessions_traded: int
    # the first close inside the range window: later than the window's start when the history
    # is shorter (an imported file, a young index), and the range then says so
    range_from: date | None = None


@dataclass(frozen=True)
class BroadIndicesContext:
    rows: tuple[IndexRow, ...]
    missing: tuple[str, ...]
    as_of: date
    range_start: date | None = None    # the first day of the full range window

    @property
    def has_turnover(self) -> bool:
        return any(math.isfinite(r.adt_cny) for r in self.rows)

    def short_ranges(self) -> list[IndexRow]:
        """Rows whose range covers less than the window (more than a week short)."""
        if self.range_start is None:
            return []
        return [r for r in self.rows
                if r.range_from is not None and (r.range_from - self.range_start).days > 7]


def compute(inp: SectionInput[BroadIndicesParams]) -> BroadIndicesContext:
    p = inp.params
    frame = inp.frames[DATASET]
    frame = frame[frame["index_code"].isin(p.indices)]
    week, prev = inp.week, inp.prev_week
    if frame.empty:
        raise SectionError(f"no {DATASET} rows for indices {', '.join(p.indices)}")
    ret = weekly_change(frame, "index_code", week.sessions, prev.end).set_index("index_code")
    rng = range_position(frame, "index_code", week.end, p.range_weeks).set_index("index_code")
    adt = turnover_comparison(frame, "index_code", week.sessions, prev.sessions).set_index(
        "index_code")
    import pandas as pd

    window_start = week.end - timedelta(weeks=p.range_weeks)
    in_window = frame[(frame["trade_date"] > pd.Timestamp(window_start))
                      & frame["close"].notna()]
    first = {str(c): d.date() for c, d in in_window.groupby("index_code")["trade_date"].min()
             .items()}
    rows: list[IndexRow] = []
    missing: list[str] = []
    for code in p.indices:
        if code not in ret.index or ret.at[code, "sessions_traded"] == 0:
            missing.append(code)
            continue
        rows.append(IndexRow(
            code=code,
            close=float(ret.at[code, "end"]),
            return_pct=float(ret.at[code, "return_pct"]),
            high=float(rng.at[code, "high"]),
            low=float(rng.at[code, "low"]),
            position_pct=float(rng.at[code, "position_pct"]),
            from_high_pct=float(rng.at[code, "from_high_pct"]),
            adt_cny=float(adt.at[code, "adt"]) if code in adt.index else float("nan"),
            adt_prev_cny=float(adt.at[code, "adt_prev"]) if code in adt.index else float("nan"),
            adt_change_pct=(float(adt.at[code, "adt_change_pct"]) if code in adt.index
                            else float("nan")),
            sessions_traded=int(ret.at[code, "sessions_traded"]),
            range_from=first.get(code),
        ))
    if not rows:
        raise SectionError(f"none of the indices {', '.join(p.indices)} traded in the week "
                           f"{week.start}..{week.end}")
    as_of = max(d for d in frame["trade_date"]).date() if len(frame) else week.end
    return BroadIndicesContext(tuple(rows), tuple(missing), min(as_of, week.end),
                               window_start + timedelta(days=1))


def _names(ctx: BroadIndicesContext, env: ExhibitEnv) -> list[str]:
    return [env.ref.index_name(r.code, env.lang) for r in ctx.rows]


def _range_note(ctx: BroadIndicesContext, env: SectionEnv[BroadIndicesParams]) -> str:
    """Says over how long a range was taken where the history is shorter than the window."""
    t = env.t
    parts = []
    for r in ctx.short_ranges():
        assert r.range_from is not None
        weeks = max(1, round((ctx.as_of - r.range_from).days / 7))
        name = env.ref.index_name(r.code, env.lang)
        parts.append(t(f"{name}仅有自{r.range_from.isoformat()}起约{weeks}周数据",
                       f"{name}: only about {weeks} weeks of history, from "
                       f"{r.range_from.isoformat()}"))
    if not parts:
        return ""
    w = env.params.range_weeks
    return (t(f"{w}周高低点按已有数据计算：", f"{w}-week high/low taken over the history there is: ")
            + t("；", "; ").join(parts) + t("。", ". "))


def _turnover_note(ctx: BroadIndicesContext, env: ExhibitEnv, names: list[str]) -> str:
    t = env.t
    if not ctx.has_turnover:
        return t("无成交额数据（amount_cny），日均成交额图表与列未展示。",
                 "No turnover data (amount_cny): the average daily turnover chart and columns "
                 "are left out. ")
    lacking = [n for r, n in zip(ctx.rows, names) if not math.isfinite(r.adt_cny)]
    if lacking:
        return t("无成交额数据：", "No turnover data: ") + "、".join(lacking) + t("。", ". ")
    return ""


def _data(ctx: BroadIndicesContext, env: SectionEnv[BroadIndicesParams]) -> pd.DataFrame:
    """Every index: close, return, range and turnover (the table's data; charts take columns)."""
    import pandas as pd

    w = env.params.range_weeks
    return pd.DataFrame([
        {"index_code": r.code, "name": n, "close": r.close, "return_pct": r.return_pct,
         f"high_{w}w": r.high, f"low_{w}w": r.low,
         "range_position_pct": r.position_pct,
         "range_from": r.range_from.isoformat() if r.range_from else None,
         "adt_cny": r.adt_cny, "adt_prev_cny": r.adt_prev_cny,
         "adt_change_pct": r.adt_change_pct}
        for r, n in zip(ctx.rows, _names(ctx, env))])


def _broad_returns(ctx: BroadIndicesContext, env: SectionEnv[BroadIndicesParams]) -> Exhibit:
    t, names = env.t, _names(ctx, env)
    returns = [r.return_pct for r in ctx.rows]
    return ChartExhibit(
        key="broad_returns", title=t("主要宽基指数本周涨跌幅", "Broad indices: weekly return"),
        make=lambda: signed_bars(names, returns, env.style, ylabel=t("周涨跌幅", "Weekly return")),
        source=env.source_of(DATASET), as_of=ctx.as_of,
        data=_data(ctx, env)[["index_code", "name", "return_pct"]])


def _broad_turnover(ctx: BroadIndicesContext, env: SectionEnv[BroadIndicesParams]
                    ) -> Exhibit | None:
    """Only with turnover: a partial dataset (closes only) has none to chart."""
    if not ctx.has_turnover:
        return None
    t = env.t
    with_adt = [(r, n) for r, n in zip(ctx.rows, _names(ctx, env)) if math.isfinite(r.adt_cny)]
    adt_names = [n for _r, n in with_adt]
    adt = [r.adt_cny / 1e8 for r, _n in with_adt]
    adt_prev = [r.adt_prev_cny / 1e8 for r, _n in with_adt]
    return ChartExhibit(
        key="broad_turnover",
        title=t("主要宽基指数日均成交额：本周 vs 上周（亿元）",
                "Broad indices: average daily turnover, this week vs last"),
        make=lambda: env.amounts(paired_bars(adt_names, adt, adt_prev, env.style,
                                 current_label=t("本周", "This week"),
                                 previous_label=t("上周", "Last week"),
                                 ylabel=t("亿元", ""))),
        source=env.source_of(DATASET), as_of=ctx.as_of,
        data=_data(ctx, env)[["index_code", "name", "adt_cny", "adt_prev_cny", "adt_change_pct"]])


def _broad_table(ctx: BroadIndicesContext, env: SectionEnv[BroadIndicesParams]) -> Exhibit:
    t, w, names = env.t, env.params.range_weeks, _names(ctx, env)
    rows = tuple(
        {"name": n, "close": r.close, "return_pct": r.return_pct, "high": r.high, "low": r.low,
         "position_pct": r.position_pct, "adt_cny": r.adt_cny,
         "adt_change_pct": r.adt_change_pct}
        for r, n in zip(ctx.rows, names))
    note = ""
    if ctx.missing:
        note = t("无本周数据：", "No data this week: ") + "、".join(ctx.missing)
    columns = [
        TableColumn("name", t("指数", "Index"), "text", align="left"),
        TableColumn("close", t("收盘", "Close"), "num2"),
        TableColumn("return_pct", t("周涨跌幅", "Weekly chg"), "pct_signed", colored=True),
        TableColumn("high", t(f"{w}周最高", f"{w}w high"), "num2"),
        TableColumn("low", t(f"{w}周最低", f"{w}w low"), "num2"),
        TableColumn("position_pct", t("区间位置", "Range pos."), "pct"),
    ]
    if ctx.has_turnover:
        columns += [
            TableColumn("adt_cny", t("日均成交额（亿元）", "Avg daily turnover"), "yi"),
            TableColumn("adt_change_pct", t("成交额环比", "Turnover chg"), "pct_signed",
                        colored=True)]
    return TableExhibit(
        key="broad_table", title=t("主要宽基指数表现", "Broad indices: performance"),
        columns=tuple(columns), rows=rows, source=env.source_of(DATASET), as_of=ctx.as_of,
        data=_data(ctx, env),
        note=(t("区间位置：收盘价在区间内的位置，0%为最低、100%为最高。",
                "Range position: where the close sits in the range, 0% = low, 100% = high. ")
              + _range_note(ctx, env) + _turnover_note(ctx, env, names) + note))


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (_broad_returns, _broad_turnover, _broad_table)


def exhibits(ctx: BroadIndicesContext, env: SectionEnv[BroadIndicesParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


add_phrases({
    "broad_indices.lead": {"zh": "本周{moves}。", "en": "This week {moves}."},
    "broad_indices.breadth": {
        "zh": "{n}个主要宽基指数中{up}个上涨，{best}表现最好（{best_ret}），{worst}表现最弱（{worst_ret}）。",
        "en": "{up} of {n} broad indices rose; the {best} did best ({best_ret}) and the {worst} "
              "worst ({worst_ret})."},
    "broad_indices.turnover": {
        "zh": "{down}个指数日均成交额较上周下降，{main}日均成交{adt}亿元（{adt_chg}）。",
        "en": "Average daily turnover fell for {down} of them; the {main} averaged {adt} "
              "a day ({adt_chg})."},
    "broad_indices.near_high": {
        "zh": "{name}收于{close}点，位于{w}周区间的{pos}分位（区间高点{high}）。",
        "en": "The {name} closed at {close}, at {pos} of its {w}-week range (high {high})."},
})

TYPICAL_WEEKLY_MOVE_PCT = 1.5   # a typical absolute weekly move of a broad index (for scores)


def facts(ctx: BroadIndicesContext, env: SectionEnv[BroadIndicesParams]) -> list[Fact]:
    ref = env.ref
    name = {r.code: Name(ref.index_name(r.code, "zh"), ref.index_name(r.code, "en"))
            for r in ctx.rows}
    by_code = {r.code: r for r in ctx.rows}
    lead: list[str] = [c for c in ("000001", "399006", "000688") if c in by_code]
    lead = lead or [ctx.rows[0].code]
    ranked = sorted(ctx.rows, key=lambda r: (-r.return_pct, r.code))
    best, worst = ranked[0], ranked[-1]
    up = sum(1 for r in ctx.rows if r.return_pct > 0)
    out = [
        Fact("broad_indices.lead",
             {"moves": Items(tuple((name[c], Num(by_code[c].return_pct, "pct_signed"))
                                   for c in lead), style="move")},
             score=size_score(by_code[lead[0]].return_pct, TYPICAL_WEEKLY_MOVE_PCT)),
    ]
    if len(ctx.rows) > 1:   # best and worst of one index (a single imported history) say nothing
        out.append(Fact(
            "broad_indices.breadth",
            {"n": Num(len(ctx.rows), "count"), "up": Num(up, "count"),
             "best": name[best.code], "best_ret": Num(best.return_pct, "pct_signed"),
             "worst": name[worst.code], "worst_ret": Num(worst.return_pct, "pct_signed")},
            score=max(rank_score(up / len(ctx.rows)),
                      size_score(best.return_pct - worst.return_pct,
                                 2 * TYPICAL_WEEKLY_MOVE_PCT))))
    with_adt = [r for r in ctx.rows if math.isfinite(r.adt_change_pct)]
    if with_adt:
        main = by_code.get("000300") or with_adt[0]
        down = sum(1 for r in with_adt if r.adt_change_pct < 0)
        out.append(Fact("broad_indices.turnover",
                        {"down": Num(down, "count"), "main": name[main.code],
                         "adt": Num(main.adt_cny, "yi"),
                         "adt_chg": Num(main.adt_change_pct, "pct_signed")},
                        score=0.8 * rank_score(down / len(with_adt))))
    top = max(ctx.rows, key=lambda r: (r.position_pct if math.isfinite(r.position_pct) else -1,
                                       r.code))
    if math.isfinite(top.position_pct) and top.position_pct >= 90:
        out.append(Fact("broad_indices.near_high",
                        {"name": name[top.code],
                         "w": Num(_weeks_covered(ctx, top, env.params.range_weeks), "count"),
                         "close": Num(top.close, "num2"), "pos": Num(top.position_pct, "pct"),
                         "high": Num(top.high, "num2")},
                        score=1.0 + (top.position_pct - 90) / 10))
    return out


def _weeks_covered(ctx: BroadIndicesContext, row: IndexRow, window_weeks: int) -> int:
    """The range's length in weeks: the window, or less where the history is shorter."""
    if row in ctx.short_ranges() and row.range_from is not None:
        return max(1, round((ctx.as_of - row.range_from).days / 7))
    return window_weeks


def check_refs(p: BroadIndicesParams, ref: Reference) -> list[tuple[str, str]]:
    return unknown_codes("indices", p.indices, ref.known_index_codes(), "index code")


def metrics(ctx: BroadIndicesContext) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in ctx.rows:
        out[f"return_pct.{r.code}"] = r.return_pct
        out[f"adt_change_pct.{r.code}"] = r.adt_change_pct
        out[f"range_position_pct.{r.code}"] = r.position_pct
    return out


SPEC = register(SectionSpec(
    name="broad_indices", part="assets",
    title_zh="A股主要指数表现", title_en="A-share broad indices",
    params_model=BroadIndicesParams, datasets=(DATASET,),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/broad_indices.html.j2", history_days=lambda p: p.range_weeks * 7 + 21,
    description="Weekly return, 52-week range and average daily turnover of broad indices.",
    check_refs=check_refs,
    metrics=metrics, metric_formats={"return_pct.{code}": "pct_signed", "adt_change_pct.{code}": "pct_signed",
                    "range_position_pct.{code}": "pct"},
))
