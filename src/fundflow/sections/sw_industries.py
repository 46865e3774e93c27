"""2.2 Shenwan level-1 industries: weekly return ranking of all 31, top / bottom N."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from pydantic import Field

from fundflow.charts.bars import signed_bars
from fundflow.errors import SectionError
from fundflow.metrics.returns import rank_top_bottom, turnover_comparison, weekly_change
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionEnv, SectionInput, SectionSpec, TableColumn,
    TableExhibit, run_exhibits,
)
from fundflow.sections.registry import register
from fundflow.narrative import Fact, Items, Name, Num, rank_score, size_score
from fundflow.narrative.phrasebook import add_phrases

DATASET = "sw_industry_daily"


class SwIndustriesParams(Params):
    top_n: int = Field(default=5, ge=1, le=15, description="how many leaders and laggards to name")


@dataclass(frozen=True)
class IndustryRow:
    code: str
    return_pct: float
    adt_cny: float
    adt_change_pct: float


@dataclass(frozen=True)
class SwIndustriesContext:
    ranked: tuple[IndustryRow, ...]      # all industries, best first
    top: tuple[IndustryRow, ...]
    bottom: tuple[IndustryRow, ...]      # worst first
    missing: tuple[str, ...]
    as_of: date


def compute(inp: SectionInput[SwIndustriesParams]) -> SwIndustriesContext:
    p = inp.params
    codes = list(inp.ref.sw_l1["industry_code"])
    frame = inp.frames[DATASET]
    frame = frame[frame["industry_code"].isin(codes)]
    if frame.empty:
        raise SectionError(f"no {DATASET} rows for the {len(codes)} Shenwan L1 industries")
    ret = weekly_change(frame, "industry_code", inp.week.sessions, inp.prev_week.end)
    ret = ret[ret["sessions_traded"] > 0]
    adt = turnover_comparison(frame, "industry_code", inp.week.sessions, inp.prev_week.sessions)
    merged = ret.merge(adt, on="industry_code", how="left")
    top, bottom = rank_top_bottom(merged[["industry_code", "return_pct", "adt",
                                          "adt_change_pct"]], "return_pct", p.top_n)
    ranked = merged.sort_values(["return_pct", "industry_code"], ascending=[False, True])

    def rows(f: pd.DataFrame) -> tuple[IndustryRow, ...]:
        return tuple(IndustryRow(str(r.industry_code), float(r.return_pct), float(r.adt),
                                 float(r.adt_change_pct)) for r in f.itertuples())

    missing = tuple(sorted(set(codes) - set(ret["industry_code"])))
    as_of = min(frame["trade_date"].max().date(), inp.week.end)
    return SwIndustriesContext(rows(ranked), rows(top), rows(bottom), missing, as_of)


def _data(ctx: SwIndustriesContext, env: ExhibitEnv) -> pd.DataFrame:
    """Every industry, best first: weekly return and average daily turnover."""
    return pd.DataFrame([{"industry_code": r.code, "name": env.ref.industry_name(r.code, env.lang),
                          "return_pct": r.return_pct, "adt_cny": r.adt_cny,
                          "adt_change_pct": r.adt_change_pct} for r in ctx.ranked])


def _sw_ranking(ctx: SwIndustriesContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    names = [env.ref.industry_name(r.code, env.lang) for r in ctx.ranked]
    values = [r.return_pct for r in ctx.ranked]
    return ChartExhibit(
        key="sw_ranking",
        title=t(f"申万一级行业本周涨跌幅排名（{len(values)}个）",
                f"Shenwan L1 industries ranked by weekly return ({len(values)})"),
        make=lambda: signed_bars(names, values, env.style, horizontal=True,
                                 ylabel=t("周涨跌幅", "Weekly return"), height_in=5.6),
        source=env.source_of(DATASET), as_of=ctx.as_of, data=_data(ctx, env))


def _top_bottom_rows(ctx: SwIndustriesContext, env: ExhibitEnv) -> list[dict[str, object]]:
    """Leaders and laggards side by side, one rank a row."""
    rows = []
    for i in range(max(len(ctx.top), len(ctx.bottom))):
        row: dict[str, object] = {"rank": i + 1}
        if i < len(ctx.top):
            row["top_name"] = env.ref.industry_name(ctx.top[i].code, env.lang)
            row["top_return"] = ctx.top[i].return_pct
        if i < len(ctx.bottom):
            row["bottom_name"] = env.ref.industry_name(ctx.bottom[i].code, env.lang)
            row["bottom_return"] = ctx.bottom[i].return_pct
        rows.append(row)
    return rows


def _sw_top_bottom(ctx: SwIndustriesContext, env: ExhibitEnv) -> Exhibit:
    t, n = env.t, len(ctx.top)
    note = ""
    if ctx.missing:
        note = t("无本周数据：", "No data this week: ") + "、".join(
            env.ref.industry_name(c, env.lang) for c in ctx.missing)
    return TableExhibit(
        key="sw_top_bottom",
        title=t(f"申万一级行业涨幅前{n}与跌幅前{n}", f"Shenwan L1: top {n} and bottom {n}"),
        columns=(
            TableColumn("rank", t("排名", "Rank"), "text", align="center"),
            TableColumn("top_name", t("涨幅居前", "Leaders"), "text", align="left"),
            TableColumn("top_return", t("周涨跌幅", "Weekly chg"), "pct_signed", colored=True),
            TableColumn("bottom_name", t("跌幅居前", "Laggards"), "text", align="left"),
            TableColumn("bottom_return", t("周涨跌幅", "Weekly chg"), "pct_signed",
                        colored=True),
        ),
        rows=tuple(_top_bottom_rows(ctx, env)), source=env.source_of(DATASET), as_of=ctx.as_of,
        data=_data(ctx, env), note=note)


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (_sw_ranking, _sw_top_bottom)


def exhibits(ctx: SwIndustriesContext, env: SectionEnv[SwIndustriesParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


add_phrases({
    "sw_industries.breadth": {
        "zh": "本周{n}个申万一级行业中{up}个上涨。",
        "en": "{up} of {n} Shenwan L1 industries rose this week."},
    "sw_industries.leaders": {
        "zh": "涨幅前{k}的行业为{top}。",
        "en": "The top {k} were {top}."},
    "sw_industries.laggards": {
        "zh": "跌幅居前的行业为{bottom}。",
        "en": "The weakest were {bottom}."},
    "sw_industries.laggards_few": {
        "zh": "仅{d}个行业下跌：{bottom}。",
        "en": "Only {d} fell: {bottom}."},
    "sw_industries.laggards_none": {
        "zh": "全部行业上涨，涨幅最小的为{bottom}。",
        "en": "All of them rose; the smallest gains were in {bottom}."},
})

# A typical weekly return of the best (or worst) of the 31 industries, in % (for scores: a
# leader or laggard this far from zero scores 1.0).
TYPICAL_EXTREME_INDUSTRY_PCT = 5.0


def facts(ctx: SwIndustriesContext, env: ExhibitEnv) -> list[Fact]:
    """Breadth (industries up of all); the top N; the bottom N, said as the only decliners when
    fewer than N fell, or as the smallest gains when none fell."""
    ref = env.ref

    def items(rows: tuple[IndustryRow, ...]) -> Items:
        return Items(tuple((Name(ref.industry_name(r.code, "zh"), ref.industry_name(r.code, "en")),
                            Num(r.return_pct, "pct_signed")) for r in rows))

    total = len(ctx.ranked)
    if not total:
        return []
    up = sum(1 for r in ctx.ranked if r.return_pct > 0)
    out = [Fact("sw_industries.breadth", {"n": Num(total, "count"), "up": Num(up, "count")},
                score=rank_score(up / total))]
    if ctx.top:
        out.append(Fact("sw_industries.leaders",
                        {"k": Num(len(ctx.top), "count"), "top": items(ctx.top)},
                        score=size_score(ctx.top[0].return_pct, TYPICAL_EXTREME_INDUSTRY_PCT)))
    if ctx.bottom:
        falling = tuple(r for r in ctx.bottom if r.return_pct < 0)
        score = size_score(ctx.bottom[0].return_pct, TYPICAL_EXTREME_INDUSTRY_PCT)
        if len(falling) == len(ctx.bottom):
            out.append(Fact("sw_industries.laggards", {"bottom": items(ctx.bottom)}, score=score))
        elif falling:   # every decliner is among the bottom N
            out.append(Fact("sw_industries.laggards_few",
                            {"d": Num(len(falling), "count"), "bottom": items(falling)},
                            score=score))
        else:
            out.append(Fact("sw_industries.laggards_none", {"bottom": items(ctx.bottom)},
                            score=score))
    return out


def metrics(ctx: SwIndustriesContext) -> dict[str, float]:
    return {f"return_pct.{r.code}": r.return_pct for r in ctx.ranked}


SPEC = register(SectionSpec(
    name="sw_industries", part="assets",
    title_zh="申万一级行业表现", title_en="Shenwan level-1 industries",
    params_model=SwIndustriesParams, datasets=(DATASET,),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/sw_industries.html.j2", history_days=lambda _p: 45,
    description="Weekly return ranking of the 31 Shenwan L1 industries with top / bottom N.",
    metrics=metrics, metric_formats={"return_pct.{code}": "pct_signed"},
))
