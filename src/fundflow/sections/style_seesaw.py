"""2.2 Style seesaw: daily relative performance this week of growth (STAR 50, ChiNext) against
micro-cap and dividend indices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from pydantic import Field

from fundflow.charts.bars import grouped_bars
from fundflow.errors import SectionError
from fundflow.metrics.returns import daily_returns
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionEnv, SectionInput, SectionSpec, TableColumn,
    TableExhibit, WEEKDAYS, run_exhibits, unknown_codes,
)
from fundflow.sections.registry import register
from fundflow.narrative import Fact, Name, Num, rank_score, size_score
from fundflow.narrative.phrasebook import add_phrases

DATASET = "index_daily"


class StyleSeesawParams(Params):
    growth: tuple[str, ...] = Field(default=("000688", "399006"), min_length=1,
                                    description="growth side index codes")
    defensive: tuple[str, ...] = Field(default=("932000", "000922"), min_length=1,
                                       description="micro-cap / dividend side index codes")


@dataclass(frozen=True)
class SeesawContext:
    days: tuple[date, ...]
    returns: dict[str, tuple[float, ...]]   # code -> daily % return per day
    spread: tuple[float, ...]               # mean(growth) - mean(defensive), pp per day
    as_of: date


def seesaw_spread(rets: pd.DataFrame, growth: tuple[str, ...],
                  defensive: tuple[str, ...]) -> pd.Series:
    """Per day: equal-weight mean daily return of the growth side minus the defensive side
    (percentage points); NaN on a day either side has no data."""
    g = rets.reindex(columns=list(growth)).mean(axis=1, skipna=True)
    d = rets.reindex(columns=list(defensive)).mean(axis=1, skipna=True)
    return g - d


def compute(inp: SectionInput[StyleSeesawParams]) -> SeesawContext:
    p = inp.params
    codes = list(p.growth) + list(p.defensive)
    frame = inp.frames[DATASET]
    frame = frame[frame["index_code"].isin(codes)]
    if frame.empty:
        raise SectionError(f"no {DATASET} rows for {', '.join(codes)}")
    rets = daily_returns(frame, "index_code", inp.week.sessions, inp.prev_week.end)
    absent = [c for c in codes if c not in rets.columns or rets[c].isna().all()]
    if absent:
        raise SectionError(f"no data this week for index {', '.join(absent)}")
    spread = seesaw_spread(rets, p.growth, p.defensive)
    return SeesawContext(
        days=tuple(inp.week.sessions),
        returns={c: tuple(float(x) for x in rets[c]) for c in codes},
        spread=tuple(float(x) for x in spread),
        as_of=rets.dropna(how="all").index.max().date())


def _codes(env: SectionEnv[StyleSeesawParams]) -> list[str]:
    return list(env.params.growth) + list(env.params.defensive)


def _data(ctx: SeesawContext, env: SectionEnv[StyleSeesawParams]) -> pd.DataFrame:
    """Per day: each index's return, the spread and its running sum."""
    return pd.DataFrame({"trade_date": [d.isoformat() for d in ctx.days],
                         **{f"{c}_return_pct": ctx.returns[c] for c in _codes(env)},
                         "growth_minus_defensive_pp": ctx.spread,
                         "growth_minus_defensive_cum_pp": cumulative_spread(ctx.spread)})


def _spread_label(env: ExhibitEnv) -> str:
    return env.t("成长-防御（百分点）", "Growth minus defensive (pp)")


def _seesaw_chart(ctx: SeesawContext, env: SectionEnv[StyleSeesawParams]) -> Exhibit:
    t = env.t
    labels = [env.day_label(d) for d in ctx.days]
    series = {env.ref.index_name(c, env.lang): ctx.returns[c] for c in _codes(env)}
    return ChartExhibit(
        key="seesaw_chart",
        title=t("风格跷跷板：成长与微盘、红利本周逐日涨跌幅",
                "Style seesaw: daily returns of growth vs micro-cap and dividend"),
        make=lambda: grouped_bars(labels, series, env.style,
                                  ylabel=t("日涨跌幅", "Daily return"), line=ctx.spread,
                                  line_label=_spread_label(env), value_suffix="%"),
        source=env.source_of(DATASET), as_of=ctx.as_of, data=_data(ctx, env))


def _seesaw_table(ctx: SeesawContext, env: SectionEnv[StyleSeesawParams]) -> Exhibit:
    t, p, codes = env.t, env.params, _codes(env)
    name = lambda c: env.ref.index_name(c, env.lang)  # noqa: E731
    cum = cumulative_spread(ctx.spread)
    rows = []
    for i, d in enumerate(ctx.days):
        row: dict[str, object] = {"day": env.day_label(d), "spread": ctx.spread[i], "cum": cum[i]}
        for c in codes:
            row[c] = ctx.returns[c][i]
        rows.append(row)
    return TableExhibit(
        key="seesaw_table", title=t("风格指数本周逐日涨跌幅", "Style indices: daily returns"),
        columns=(TableColumn("day", t("日期", "Day"), "text", align="left"),
                 *(TableColumn(c, name(c), "pct_signed", colored=True) for c in codes),
                 TableColumn("spread", _spread_label(env), "num2", colored=True),
                 TableColumn("cum", t("累计差（百分点）", "Cumulative (pp)"), "num2",
                             colored=True)),
        rows=tuple(rows), source=env.source_of(DATASET), as_of=ctx.as_of, data=_data(ctx, env),
        note=t("成长=" + "、".join(name(c) for c in p.growth) + "；防御=" +
               "、".join(name(c) for c in p.defensive) + "，各组等权平均。",
               "Growth = " + ", ".join(name(c) for c in p.growth) + "; defensive = " +
               ", ".join(name(c) for c in p.defensive) + "; equal-weight averages."))


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (_seesaw_chart, _seesaw_table)


def exhibits(ctx: SeesawContext, env: SectionEnv[StyleSeesawParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


add_phrases({
    "style_seesaw.days": {
        "zh": "本周{n}个交易日中成长风格跑赢{g}天，强弱切换{flips}次。",
        "en": "Growth beat the defensive side on {g} of {n} days this week, with {flips} "
              "reversals."},
    "style_seesaw.week_growth": {
        "zh": "全周逐日相对收益差累计{total}个百分点，成长风格占优。",
        "en": "The daily spreads summed to {total} pp for the week, in favour of growth."},
    "style_seesaw.week_defensive": {
        "zh": "全周逐日相对收益差累计{total}个百分点，微盘与红利占优。",
        "en": "The daily spreads summed to {total} pp for the week, in favour of micro-cap and "
              "dividend."},
    "style_seesaw.widest_growth": {
        "zh": "{day}分化最大，成长风格领先{spread_abs}个百分点。",
        "en": "The widest gap came on {day}, with growth ahead by {spread_abs} pp."},
    "style_seesaw.widest_defensive": {
        "zh": "{day}分化最大，成长风格落后{spread_abs}个百分点。",
        "en": "The widest gap came on {day}, with growth behind by {spread_abs} pp."},
})

# A typical absolute sum of the week's daily growth-minus-defensive spreads, and of one day's
# spread, in percentage points (for scores: a gap this size scores 1.0).
TYPICAL_WEEK_SPREAD_PP = 2.0
TYPICAL_DAY_SPREAD_PP = 1.5


def cumulative_spread(spread: tuple[float, ...]) -> list[float]:
    """Running sum of the daily spreads through the week (days without a spread add nothing;
    NaN until the first day with one)."""
    out: list[float] = []
    total, seen = 0.0, False
    for v in spread:
        if np.isfinite(v):
            total, seen = total + v, True
        out.append(total if seen else float("nan"))
    return out


def facts(ctx: SeesawContext, env: ExhibitEnv) -> list[Fact]:
    """How many days growth won and how often the lead changed hands; the week's summed spread
    (the last value of the table's cumulative column) and who it favours; the widest day."""
    s = np.array(ctx.spread, dtype=float)
    ok = np.isfinite(s)
    if not ok.any():
        return []
    n = int(ok.sum())
    growth_days = int((s[ok] > 0).sum())
    flips = int((np.diff(np.sign(s[ok])) != 0).sum()) if n > 1 else 0
    total = cumulative_spread(ctx.spread)[-1]
    out = [
        Fact("style_seesaw.days",
             {"n": Num(n, "count"), "g": Num(growth_days, "count"), "flips": Num(flips, "count")},
             score=0.8 * rank_score(growth_days / n)),
        Fact("style_seesaw.week_growth" if total > 0 else "style_seesaw.week_defensive",
             {"total": Num(total, "num2")},
             score=size_score(total, TYPICAL_WEEK_SPREAD_PP)),
    ]
    i = max((j for j in range(len(s)) if ok[j]), key=lambda j: (abs(s[j]), -j))
    zh, en = WEEKDAYS[ctx.days[i].weekday()]
    out.append(Fact("style_seesaw.widest_growth" if s[i] > 0 else "style_seesaw.widest_defensive",
                    {"day": Name(zh, en), "spread": Num(float(s[i]), "num2")},
                    score=size_score(float(s[i]), TYPICAL_DAY_SPREAD_PP) * 0.5))
    return out


def check_refs(p: StyleSeesawParams, ref: Reference) -> list[tuple[str, str]]:
    known = ref.known_index_codes()
    return (unknown_codes("growth", p.growth, known, "index code")
            + unknown_codes("defensive", p.defensive, known, "index code"))


def metrics(ctx: SeesawContext) -> dict[str, float]:
    """The week's summed daily spread of growth over defensive (pp)."""
    import math

    vals = [v for v in ctx.spread if math.isfinite(v)]
    return {"spread_week_pp": float(sum(vals))} if vals else {}


SPEC = register(SectionSpec(
    name="style_seesaw", part="assets",
    title_zh="风格跷跷板", title_en="Style seesaw",
    params_model=StyleSeesawParams, datasets=(DATASET,),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/style_seesaw.html.j2", history_days=lambda _p: 30,
    check_refs=check_refs,
    description="Daily relative performance of growth vs micro-cap and dividend indices.",
    metrics=metrics, metric_formats={"spread_week_pp": "num2"},
))
