"""2.2 Style seesaw: daily relative performance this week of growth (STAR 50, ChiNext) against
micro-cap and dividend indices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from pydantic import Field

from fundflow import formatting as F
from fundflow.charts.lines import daily_grouped_bars
from fundflow.errors import SectionError
from fundflow.metrics.returns import daily_returns
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionInput, SectionSpec, TableColumn,
    TableExhibit, unknown_codes,
)
from fundflow.sections.registry import register

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
    growth: tuple[str, ...]
    defensive: tuple[str, ...]
    as_of: date


def seesaw_spread(rets: pd.DataFrame, growth: tuple[str, ...],
                  defensive: tuple[str, ...]) -> pd.Series:
    """Per day: equal-weight mean daily return of the growth side minus the defensive side
    (percentage points); NaN on a day either side has no data."""
    g = rets.reindex(columns=list(growth)).mean(axis=1, skipna=True)
    d = rets.reindex(columns=list(defensive)).mean(axis=1, skipna=True)
    return g - d


def compute(inp: SectionInput) -> SeesawContext:
    p: StyleSeesawParams = inp.params
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
        growth=p.growth, defensive=p.defensive,
        as_of=rets.dropna(how="all").index.max().date())


def exhibits(ctx: SeesawContext, env: ExhibitEnv) -> list[Exhibit]:
    t = env.t
    source = env.source_of(DATASET)
    name = lambda c: env.ref.index_name(c, env.lang)  # noqa: E731
    weekday = ["周一", "周二", "周三", "周四", "周五"] if env.lang == "zh" else \
        ["Mon", "Tue", "Wed", "Thu", "Fri"]
    labels = [f"{d.strftime('%m-%d')} {weekday[d.weekday()]}" for d in ctx.days]
    codes = list(ctx.growth) + list(ctx.defensive)
    data = pd.DataFrame({"trade_date": [d.isoformat() for d in ctx.days],
                         **{f"{c}_return_pct": ctx.returns[c] for c in codes},
                         "growth_minus_defensive_pp": ctx.spread})
    rows = []
    for i, lab in enumerate(labels):
        row: dict[str, object] = {"day": lab, "spread": ctx.spread[i]}
        for c in codes:
            row[c] = ctx.returns[c][i]
        rows.append(row)
    spread_label = t("成长-防御（百分点）", "Growth minus defensive (pp)")
    return [
        ChartExhibit(
            key="seesaw_chart",
            title=t("风格跷跷板：成长与微盘、红利本周逐日涨跌幅",
                    "Style seesaw: daily returns of growth vs micro-cap and dividend"),
            make=lambda: daily_grouped_bars(labels, {name(c): ctx.returns[c] for c in codes},
                                            env.style, ylabel=t("日涨跌幅", "Daily return"),
                                            line=ctx.spread, line_label=spread_label),
            source=source, as_of=ctx.as_of, data=data),
        TableExhibit(
            key="seesaw_table", title=t("风格指数本周逐日涨跌幅", "Style indices: daily returns"),
            columns=(TableColumn("day", t("日期", "Day"), "text", align="left"),
                     *(TableColumn(c, name(c), "pct_signed", colored=True) for c in codes),
                     TableColumn("spread", spread_label, "num2", colored=True)),
            rows=tuple(rows), source=source, as_of=ctx.as_of, data=data,
            note=t("成长=" + "、".join(name(c) for c in ctx.growth) + "；防御=" +
                   "、".join(name(c) for c in ctx.defensive) + "，各组等权平均。",
                   "Growth = " + ", ".join(name(c) for c in ctx.growth) + "; defensive = " +
                   ", ".join(name(c) for c in ctx.defensive) + "; equal-weight averages.")),
    ]


def summary(ctx: SeesawContext, env: ExhibitEnv) -> list[str]:
    s = np.array(ctx.spread, dtype=float)
    ok = np.isfinite(s)
    growth_days = int((s[ok] > 0).sum())
    flips = int((np.diff(np.sign(s[ok])) != 0).sum()) if ok.sum() > 1 else 0
    total = float(np.nansum(s))
    if env.lang == "zh":
        lead = "成长风格" if total > 0 else "微盘与红利"
        return [f"本周{int(ok.sum())}个交易日中成长风格跑赢{growth_days}天，强弱切换{flips}次，"
                f"全周累计相对收益差{F.num2(total)}个百分点，{lead}占优。"]
    lead = "growth" if total > 0 else "micro-cap and dividend"
    return [f"Growth beat the defensive side on {growth_days} of {int(ok.sum())} days with "
            f"{flips} reversals; the spread summed to {F.num2(total)} pp for the week, in favour "
            f"of {lead}."]


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
    compute=compute, exhibits=exhibits, summary=summary,
    template="sections/style_seesaw.html.j2", history_days=lambda _p: 30,
    check_refs=check_refs,
    description="Daily relative performance of growth vs micro-cap and dividend indices.",
    metrics=metrics, metric_formats={"spread_week_pp": "num2"},
))
