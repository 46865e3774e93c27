"""2.2 Shenwan level-1 industries: weekly return ranking of all 31, top / bottom N."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from pydantic import Field

from fundflow import formatting as F
from fundflow.charts.bars import signed_bars
from fundflow.errors import SectionError
from fundflow.metrics.returns import rank_top_bottom, turnover_comparison, weekly_change
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionInput, SectionSpec, TableColumn,
    TableExhibit,
)
from fundflow.sections.registry import register

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


def compute(inp: SectionInput) -> SwIndustriesContext:
    p: SwIndustriesParams = inp.params
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


def exhibits(ctx: SwIndustriesContext, env: ExhibitEnv) -> list[Exhibit]:
    t = env.t
    source = env.source_of(DATASET)
    names = [env.ref.industry_name(r.code, env.lang) for r in ctx.ranked]
    values = [r.return_pct for r in ctx.ranked]
    data = pd.DataFrame([{"industry_code": r.code, "name": n, "return_pct": r.return_pct,
                          "adt_cny": r.adt_cny, "adt_change_pct": r.adt_change_pct}
                         for r, n in zip(ctx.ranked, names)])
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
    n = len(ctx.top)
    note = ""
    if ctx.missing:
        note = t("无本周数据：", "No data this week: ") + "、".join(
            env.ref.industry_name(c, env.lang) for c in ctx.missing)
    return [
        ChartExhibit(
            key="sw_ranking",
            title=t(f"申万一级行业本周涨跌幅排名（{len(values)}个）",
                    f"Shenwan L1 industries ranked by weekly return ({len(values)})"),
            make=lambda: signed_bars(names, values, env.style, horizontal=True,
                                     ylabel=t("周涨跌幅", "Weekly return"), height_in=5.6),
            source=source, as_of=ctx.as_of, data=data),
        TableExhibit(
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
            rows=tuple(rows), source=source, as_of=ctx.as_of, data=data, note=note),
    ]


def summary(ctx: SwIndustriesContext, env: ExhibitEnv) -> list[str]:
    def named(rows: tuple[IndustryRow, ...]) -> list[tuple[str, str]]:
        return [(env.ref.industry_name(r.code, env.lang), F.pct_signed(r.return_pct)) for r in rows]

    up = sum(1 for r in ctx.ranked if r.return_pct > 0)
    total = len(ctx.ranked)
    if env.lang == "zh":
        top = "、".join(f"{n}（{v}）" for n, v in named(ctx.top))
        bottom = "、".join(f"{n}（{v}）" for n, v in named(ctx.bottom))
        return [f"本周申万一级行业{total}个中{up}个上涨。",
                f"涨幅前{len(ctx.top)}的行业为{top}；跌幅居前的行业为{bottom}。"]
    top = ", ".join(f"{n} ({v})" for n, v in named(ctx.top))
    bottom = ", ".join(f"{n} ({v})" for n, v in named(ctx.bottom))
    return [f"{up} of {total} Shenwan L1 industries rose this week.",
            f"The top {len(ctx.top)} were {top}; the weakest were {bottom}."]


def metrics(ctx: SwIndustriesContext) -> dict[str, float]:
    return {f"return_pct.{r.code}": r.return_pct for r in ctx.ranked}


SPEC = register(SectionSpec(
    name="sw_industries", part="assets",
    title_zh="申万一级行业表现", title_en="Shenwan level-1 industries",
    params_model=SwIndustriesParams, datasets=(DATASET,),
    compute=compute, exhibits=exhibits, summary=summary,
    template="sections/sw_industries.html.j2", history_days=lambda _p: 45,
    description="Weekly return ranking of the 31 Shenwan L1 industries with top / bottom N.",
    metrics=metrics, metric_formats={"return_pct.{code}": "pct_signed"},
))
