"""2.4 Tech internals: theme boards' excess return over an all-A benchmark since a start date and
this week, how many themes beat it, and the tech group's daily turnover this week.

Excess is arithmetic: ``r_board - r_benchmark`` over the same dates; the daily cumulative series
is ``C_b/C_b(base) - C_m/C_m(base)`` with base = the last close before the start date. Themes map
to Eastmoney concept boards (seeds/themes.csv); a theme whose board has no data is listed as
missing and left out of the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from fundflow.charts.bars import signed_bars
from fundflow.charts.lines import lines, stacked_daily_bars
from fundflow.errors import SectionError
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionEnv, SectionInput, SectionSpec, TableColumn,
    TableExhibit, WEEKDAYS, run_exhibits, unknown_codes,
)
from fundflow.sections.registry import register
from fundflow.narrative import Fact, Items, Name, Num, rank_score, size_score
from fundflow.narrative.phrasebook import add_phrases

BOARDS, INDEX = "concept_board_daily", "index_daily"


class TechThemesParams(Params):
    themes: tuple[str, ...] = Field(default=(), description="theme ids from seeds/themes.csv; "
                                                            "empty = all of them")
    benchmark: str = Field(default="000985", description="all-A benchmark index code")
    since: date | Literal["month_start", "prev_month_start"] = Field(
        default="prev_month_start",
        description="start of the excess-return window: a date, or the first day of the "
                    "report month / of the month before")


def window_start(since: date | str, week_end: date) -> date:
    """The first calendar day of the excess-return window."""
    if isinstance(since, date):
        return since
    first = week_end.replace(day=1)
    if since == "month_start":
        return first
    return (first - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class ThemeRow:
    theme_id: str
    board_code: str
    since_pct: float
    since_excess_pp: float
    week_pct: float
    week_excess_pp: float
    adt_cny: float


@dataclass(frozen=True)
class TechThemesContext:
    rows: tuple[ThemeRow, ...]
    missing: tuple[str, ...]
    start: date                     # first day of the window
    base_date: date                 # close the window is measured from
    bench_since_pct: float
    bench_week_pct: float
    excess_series: pd.DataFrame     # index dates, one column per theme id (pp)
    turnover: pd.DataFrame          # index week sessions, one column per theme id (元)
    beat: int
    as_of: date


def _ret(s: pd.Series, base: pd.Timestamp, end: pd.Timestamp) -> float:
    b = s[s.index <= base]
    e = s[s.index <= end]
    if b.empty or e.empty:
        return float("nan")
    return float((e.iloc[-1] / b.iloc[-1] - 1) * 100)


def compute(inp: SectionInput[TechThemesParams]) -> TechThemesContext:
    p = inp.params
    week, prev = inp.week, inp.prev_week
    themes = list(p.themes) or list(inp.ref.themes["theme_id"])
    idx = inp.frames[INDEX]
    bench = idx[idx["index_code"] == p.benchmark].set_index("trade_date")["close"].sort_index()
    if bench.empty:
        raise SectionError(f"no data for the benchmark index {p.benchmark}")
    start = window_start(p.since, week.end)
    before = bench[bench.index < pd.Timestamp(start)]
    if before.empty:
        raise SectionError(f"no benchmark close before the window start {start}")
    base = before.index[-1]
    t1, t0 = pd.Timestamp(week.end), pd.Timestamp(prev.end)
    bench_since, bench_week = _ret(bench, base, t1), _ret(bench, t0, t1)
    boards = inp.frames[BOARDS]
    rows: list[ThemeRow] = []
    missing: list[str] = []
    series: dict[str, pd.Series] = {}
    turnover: dict[str, pd.Series] = {}
    sessions = [pd.Timestamp(d) for d in week.sessions]
    bench_w = bench[(bench.index >= base) & (bench.index <= t1)]
    for tid in themes:
        meta = inp.ref.theme(tid)
        assert meta is not None
        b = boards[boards["board_code"] == meta["board_code"]].set_index("trade_date").sort_index()
        if b.empty or b.index.max() < pd.Timestamp(week.start) or (b.index <= base).sum() == 0:
            missing.append(tid)
            continue
        close = b["close"]
        since, wk = _ret(close, base, t1), _ret(close, t0, t1)
        cb = close[(close.index >= base) & (close.index <= t1)]
        aligned = pd.concat([cb.rename("b"), bench_w.rename("m")], axis=1).sort_index().ffill()
        aligned = aligned.dropna()
        series[tid] = (aligned["b"] / aligned["b"].iloc[0] - aligned["m"] / aligned["m"].iloc[0]
                       ) * 100
        amt = b["amount_cny"].reindex(sessions)
        turnover[tid] = amt
        rows.append(ThemeRow(tid, meta["board_code"], since, since - bench_since, wk,
                             wk - bench_week, float(amt.mean())))
    if not rows:
        raise SectionError(f"no concept-board data for any theme ({', '.join(themes)})")
    beat = sum(1 for r in rows if r.since_excess_pp > 0)
    return TechThemesContext(
        rows=tuple(rows), missing=tuple(missing), start=start, base_date=base.date(),
        bench_since_pct=bench_since, bench_week_pct=bench_week,
        excess_series=pd.DataFrame(series), turnover=pd.DataFrame(turnover),
        beat=beat, as_of=min(week.end, bench.index.max().date()))


def _theme(env: ExhibitEnv, tid: str) -> str:
    return env.ref.theme_name(tid, env.lang)


def _bench(env: SectionEnv[TechThemesParams]) -> str:
    return env.ref.index_name(env.params.benchmark, env.lang)


def _rows_data(ctx: TechThemesContext, env: ExhibitEnv) -> pd.DataFrame:
    """Per theme: returns and excess since the window start and this week, and its ADT."""
    return pd.DataFrame([{"theme_id": r.theme_id, "name": _theme(env, r.theme_id),
                          "board_code": r.board_code, "since": ctx.start.isoformat(),
                          "since_return_pct": r.since_pct, "since_excess_pp": r.since_excess_pp,
                          "week_return_pct": r.week_pct, "week_excess_pp": r.week_excess_pp,
                          "adt_cny": r.adt_cny} for r in ctx.rows])


def _table_note(ctx: TechThemesContext, env: SectionEnv[TechThemesParams]) -> str:
    t, bench, since = env.t, _bench(env), ctx.start.isoformat()
    note = t(f"超额收益=板块涨跌幅-{bench}涨跌幅（算术差）；区间自{since}起，基准为{ctx.base_date}收盘。",
             f"Excess = theme return minus {bench} return (arithmetic), from the close of "
             f"{ctx.base_date} (window starts {since}).")
    if ctx.missing:
        note += t(" 无数据的主题：", " Themes without data: ") + "、".join(
            _theme(env, m) for m in ctx.missing)
    return note + t(" 各板块成分可能重叠，成交额合计仅供参考。",
                    " Boards can share constituents: the turnover total double-counts.")


def _themes_table(ctx: TechThemesContext, env: SectionEnv[TechThemesParams]) -> Exhibit:
    t, since = env.t, ctx.start.isoformat()
    rows = tuple({"name": _theme(env, r.theme_id), "board": r.board_code,
                  "since": r.since_pct, "since_ex": r.since_excess_pp, "week": r.week_pct,
                  "week_ex": r.week_excess_pp, "adt": r.adt_cny} for r in ctx.rows)
    return TableExhibit(
        key="themes_table", title=t("科技主题表现", "Tech themes: performance"),
        columns=(TableColumn("name", t("主题", "Theme"), "text", align="left"),
                 TableColumn("board", t("板块代码", "Board"), "text", align="left"),
                 TableColumn("since", t(f"自{since}涨跌", f"Since {since}"), "pct_signed",
                             colored=True),
                 TableColumn("since_ex", t("区间超额", "Excess"), "num2", colored=True),
                 TableColumn("week", t("本周涨跌", "Week"), "pct_signed", colored=True),
                 TableColumn("week_ex", t("本周超额", "Week excess"), "num2", colored=True),
                 TableColumn("adt", t("日均成交（亿元）", "ADT"), "yi")),
        rows=rows, source=env.source_of(BOARDS, INDEX), as_of=ctx.as_of,
        data=_rows_data(ctx, env), note=_table_note(ctx, env))


def _themes_excess_since(ctx: TechThemesContext, env: SectionEnv[TechThemesParams]) -> Exhibit:
    t, bench, since = env.t, _bench(env), ctx.start.isoformat()
    data = ctx.excess_series.copy()
    data.index = [d.date().isoformat() for d in data.index]
    data = data.rename_axis("trade_date").reset_index()
    series = {_theme(env, r.theme_id): ctx.excess_series[r.theme_id] for r in ctx.rows}
    return ChartExhibit(
        key="themes_excess_since",
        title=t(f"科技主题相对{bench}的累计超额收益（自{since}，百分点）",
                f"Tech themes: cumulative excess over {bench} since {since} (pp)"),
        make=lambda: lines(series, env.style, ylabel=t("超额（百分点）", "Excess (pp)"),
                           zero_line=True),
        source=env.source_of(BOARDS, INDEX), as_of=ctx.as_of, data=data)


def _themes_week_excess(ctx: TechThemesContext, env: SectionEnv[TechThemesParams]) -> Exhibit:
    t, bench = env.t, _bench(env)
    names = [_theme(env, r.theme_id) for r in ctx.rows]
    return ChartExhibit(
        key="themes_week_excess",
        title=t(f"科技主题本周超额收益（相对{bench}，百分点）",
                f"Tech themes: excess return this week over {bench} (pp)"),
        make=lambda: signed_bars(names, [r.week_excess_pp for r in ctx.rows], env.style,
                                 value_suffix="", ylabel=t("百分点", "pp"), height_in=2.3),
        source=env.source_of(BOARDS, INDEX), as_of=ctx.as_of, data=_rows_data(ctx, env))


def _themes_turnover(ctx: TechThemesContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    days = [env.day_label(d) for d in ctx.turnover.index]
    data = (ctx.turnover / 1e8).round(2)
    data["total"] = turnover_totals_yi(ctx.turnover)
    data["total_cny"] = data["total"] * 1e8     # what the text states (CNY 41.0bn in en)
    data.index = [d.date().isoformat() for d in data.index]
    data = data.rename_axis("trade_date").reset_index()
    series = {_theme(env, r.theme_id): list(ctx.turnover[r.theme_id] / 1e8) for r in ctx.rows}
    return ChartExhibit(
        key="themes_turnover",
        title=t("科技板块本周逐日成交额（亿元）", "Tech boards: daily turnover this week"),
        make=lambda: env.amounts(stacked_daily_bars(days, series, env.style,
                                                    ylabel=t("亿元", ""))),
        source=env.source_of(BOARDS, INDEX), as_of=ctx.as_of, data=data)


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (_themes_table, _themes_excess_since, _themes_week_excess, _themes_turnover)


def exhibits(ctx: TechThemesContext, env: SectionEnv[TechThemesParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


add_phrases({
    "tech_themes.since": {
        "zh": "自{start}以来，{n}个科技主题中{beat}个跑赢{bench}，超额收益（百分点）依次为{winners}。",
        "en": "{beat} of {n} tech themes have beaten the {bench} since {start}; their excess "
              "returns in pp: {winners}."},
    "tech_themes.since_none": {
        "zh": "自{start}以来，{n}个科技主题均未跑赢{bench}，{best}超额收益最高（{best_ex}个百分点）。",
        "en": "None of the {n} tech themes has beaten the {bench} since {start}; {best} came "
              "closest ({best_ex} pp)."},
    "tech_themes.week": {
        "zh": "本周{n}个科技主题中{wbeat}个跑赢{bench}，{best}超额收益最高"
              "（{best_ex}个百分点），{worst}最低（{worst_ex}个百分点）。",
        "en": "This week {wbeat} of {n} tech themes beat the {bench}: {best} led ({best_ex} pp) "
              "and {worst} trailed ({worst_ex} pp)."},
    "tech_themes.turnover_peak": {
        "zh": "本周科技板块成交额在{day}最高，各板块合计{total}亿元（成分有重叠）。",
        "en": "Tech-board turnover peaked on {day} this week, at {total} "
              "across the boards (which overlap)."},
})

# Typical size of the best theme's excess over a one-to-two-month window, and of the spread
# between the best and worst theme's excess in one week, in pp (for scores: 1.0 at that size).
TYPICAL_SINCE_EXCESS_PP = 10.0
TYPICAL_WEEK_SPREAD_PP = 5.0
TURNOVER_SCORE = 0.3      # descriptive: the peak day alone is never a core view


def turnover_totals_yi(turnover: pd.DataFrame) -> pd.Series:
    """Per session: the boards' turnover summed, in 亿元 rounded as the turnover chart's data
    (boards overlap, so this double-counts shared constituents)."""
    return (turnover / 1e8).round(2).sum(axis=1, min_count=1).round(2)


def facts(ctx: TechThemesContext, env: SectionEnv[TechThemesParams]) -> list[Fact]:
    """Themes beating the benchmark since the window start (with their excess); this week's
    winners against it, best and worst; the day tech turnover peaked."""
    ref = env.ref

    def name(tid: str) -> Name:
        return Name(ref.theme_name(tid, "zh"), ref.theme_name(tid, "en"))

    code = env.params.benchmark
    bench = Name(ref.index_name(code, "zh"), ref.index_name(code, "en"))
    rows = [r for r in ctx.rows if np.isfinite(r.since_excess_pp)]
    out: list[Fact] = []
    if rows:
        ranked = sorted(rows, key=lambda r: (-r.since_excess_pp, r.theme_id))
        winners = [r for r in ranked if r.since_excess_pp > 0]
        n = Num(len(rows), "count")
        score = max(rank_score(len(winners) / len(rows)),
                    size_score(ranked[0].since_excess_pp, TYPICAL_SINCE_EXCESS_PP))
        if winners:
            out.append(Fact("tech_themes.since",
                            {"start": ctx.start.isoformat(), "n": n, "bench": bench,
                             "beat": Num(len(winners), "count"),
                             "winners": Items(tuple(
                                 (name(r.theme_id), Num(r.since_excess_pp, "num2"))
                                 for r in winners))},
                            score=score))
        else:
            out.append(Fact("tech_themes.since_none",
                            {"start": ctx.start.isoformat(), "n": n, "bench": bench,
                             "best": name(ranked[0].theme_id),
                             "best_ex": Num(ranked[0].since_excess_pp, "num2")},
                            score=score))
    week = [r for r in ctx.rows if np.isfinite(r.week_excess_pp)]
    if len(week) >= 2:
        ranked = sorted(week, key=lambda r: (-r.week_excess_pp, r.theme_id))
        best, worst = ranked[0], ranked[-1]
        out.append(Fact("tech_themes.week",
                        {"n": Num(len(week), "count"),
                         "wbeat": Num(sum(1 for r in week if r.week_excess_pp > 0), "count"),
                         "bench": bench, "best": name(best.theme_id),
                         "best_ex": Num(best.week_excess_pp, "num2"),
                         "worst": name(worst.theme_id),
                         "worst_ex": Num(worst.week_excess_pp, "num2")},
                        score=size_score(best.week_excess_pp - worst.week_excess_pp,
                                         TYPICAL_WEEK_SPREAD_PP)))
    totals = turnover_totals_yi(ctx.turnover)
    if totals.notna().any():
        peak = totals.idxmax()
        zh, en = WEEKDAYS[peak.weekday()]
        out.append(Fact("tech_themes.turnover_peak",
                        {"day": Name(zh, en), "total": Num(float(totals[peak]) * 1e8, "yi2")},
                        score=TURNOVER_SCORE))
    return out


def check_refs(p: TechThemesParams, ref: Reference) -> list[tuple[str, str]]:
    return (unknown_codes("themes", p.themes, list(ref.themes["theme_id"]), "theme")
            + unknown_codes("benchmark", [p.benchmark], ref.known_index_codes(), "index code"))


def _history(p: TechThemesParams) -> int:
    if isinstance(p.since, date):
        return 400  # a fixed date may lie far back; a year covers the usual case
    return 75


def metrics(ctx: TechThemesContext) -> dict[str, float]:
    out: dict[str, float] = {"beat_count": float(ctx.beat)}
    for r in ctx.rows:
        out[f"excess_week_pp.{r.theme_id}"] = r.week_excess_pp
        out[f"excess_since_pp.{r.theme_id}"] = r.since_excess_pp
    return out


SPEC = register(SectionSpec(
    name="tech_themes", part="assets",
    title_zh="科技板块内部结构", title_en="Tech sector internals",
    params_model=TechThemesParams, datasets=(BOARDS, INDEX),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/tech_themes.html.j2", history_days=_history, check_refs=check_refs,
    description="Theme boards' excess return vs an all-A benchmark, and tech turnover.",
    metrics=metrics, metric_formats={"beat_count": "num0", "excess_week_pp.{code}": "num2",
                    "excess_since_pp.{code}": "num2"},
))
