"""2.3 Sino-US tech: Nasdaq Composite vs STAR 50, daily closes rebased to 100 over a window.

The two markets have different trading days and time zones. Each keeps its native dates (a US
date d closes on the Beijing morning of d+1), is forward-filled only within its own calendar, and
the US Friday close belongs to the same report week (the week is Monday..Friday in local dates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from pydantic import Field

from fundflow.charts.lines import lines
from fundflow.errors import SectionError
from fundflow.metrics.returns import asset_week_change, rebase_pair, weekly_change
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionEnv, SectionInput, SectionSpec, TableColumn,
    TableExhibit, WEEKDAYS, run_exhibits, unknown_codes,
)
from fundflow.sections.registry import register
from fundflow.narrative import Fact, Items, Name, Num, size_score
from fundflow.narrative.phrasebook import add_phrases

CN_DATA, US_DATA = "index_daily", "global_asset_daily"


class SinoUsTechParams(Params):
    us_asset: str = Field(default="IXIC", description="US tech index (global asset code)")
    cn_index: str = Field(default="000688", description="domestic tech index code")
    window_sessions: int = Field(default=20, ge=5, le=250,
                                 description="A-share sessions in the rebased chart")


@dataclass(frozen=True)
class SinoUsContext:
    rebased: pd.DataFrame          # index dates, columns cn, us (base 100)
    week_days: tuple[date, ...]    # Mon..Fri dates on which either market traded
    cn_daily: tuple[float, ...]    # % per week day, NaN when closed
    us_daily: tuple[float, ...]
    cn_week_pct: float
    us_week_pct: float
    monday: date
    friday: date
    us_holidays: tuple[date, ...]  # weekdays of the week the US was closed
    cn_holidays: tuple[date, ...]
    as_of: date


def _daily(series: pd.Series, days: list[pd.Timestamp]) -> list[float]:
    """% change on each of ``days`` vs the previous available close; NaN when not traded."""
    s = series.sort_index()
    out = []
    for d in days:
        if d not in s.index:
            out.append(float("nan"))
            continue
        prev = s[s.index < d]
        out.append(float((s[d] / prev.iloc[-1] - 1) * 100) if len(prev) else float("nan"))
    return out


def compute(inp: SectionInput[SinoUsTechParams]) -> SinoUsContext:
    p = inp.params
    cn_f = inp.frames[CN_DATA]
    cn_f = cn_f[cn_f["index_code"] == p.cn_index]
    us_f = inp.frames[US_DATA]
    us_f = us_f[us_f["asset_code"] == p.us_asset]
    if cn_f.empty or us_f.empty:
        which = p.cn_index if cn_f.empty else p.us_asset
        raise SectionError(f"no data for {which}")
    week = inp.week
    cn_s = cn_f.set_index("trade_date")["close"].sort_index()
    us_s = us_f.set_index("trade_date")["close"].sort_index()
    cn_s = cn_s[cn_s.index <= pd.Timestamp(week.end)]
    us_s = us_s[us_s.index <= pd.Timestamp(week.friday)]
    start = cn_s.index[-p.window_sessions] if len(cn_s) >= p.window_sessions else cn_s.index[0]
    reb = rebase_pair(cn_s[cn_s.index >= start], us_s[us_s.index >= start])
    reb.columns = ["cn", "us"]
    days = [pd.Timestamp(week.monday) + pd.Timedelta(days=i) for i in range(5)]
    cn_week = weekly_change(cn_f, "index_code", week.sessions, inp.prev_week.end)
    us_week = asset_week_change(us_f, week.monday, week.friday, "price")
    if us_week is None or cn_week.empty:
        raise SectionError("no close before the week to compare with")
    traded_days = [d for d in days if d in cn_s.index or d in us_s.index]
    return SinoUsContext(
        rebased=reb, week_days=tuple(d.date() for d in traded_days),
        cn_daily=tuple(_daily(cn_s, traded_days)), us_daily=tuple(_daily(us_s, traded_days)),
        cn_week_pct=float(cn_week["return_pct"].iloc[0]), us_week_pct=us_week[2],
        monday=week.monday, friday=week.friday,
        us_holidays=tuple(d.date() for d in days if d not in us_s.index),
        cn_holidays=tuple(d.date() for d in days if d not in cn_s.index),
        as_of=max(cn_s.index.max(), us_s.index.max()).date())


def _names(env: SectionEnv[SinoUsTechParams]) -> tuple[str, str]:
    """The display names of the domestic and the US index."""
    return (env.ref.index_name(env.params.cn_index, env.lang),
            env.ref.asset_name(env.params.us_asset, env.lang))


def _sino_us_chart(ctx: SinoUsContext, env: SectionEnv[SinoUsTechParams]) -> Exhibit:
    t, (cn_name, us_name) = env.t, _names(env)
    cn, us = env.params.cn_index, env.params.us_asset
    data = ctx.rebased.rename(columns={"cn": f"{cn}_rebased", "us": f"{us}_rebased"})
    data = data.reset_index().rename(columns={"index": "trade_date"})
    data["trade_date"] = data["trade_date"].dt.date.astype(str)
    return ChartExhibit(
        key="sino_us_chart",
        title=t(f"{us_name}与{cn_name}走势（窗口起点=100）",
                f"{us_name} vs {cn_name}, rebased to 100 at the window start"),
        make=lambda: lines({cn_name: ctx.rebased["cn"], us_name: ctx.rebased["us"]},
                           env.style, ylabel=t("起点=100", "Start = 100"),
                           shade=(ctx.monday, ctx.friday), shade_label=t("本周", "This week")),
        source=env.source_of(CN_DATA, US_DATA), as_of=ctx.as_of, data=data)


def _table_rows(ctx: SinoUsContext, env: ExhibitEnv) -> list[dict[str, object]]:
    """Each day both indices' change and the gap, then the week."""
    rows: list[dict[str, object]] = []
    for i, d in enumerate(ctx.week_days):
        cn, us = ctx.cn_daily[i], ctx.us_daily[i]
        rows.append({"day": env.day_label(d),
                     "cn": None if np.isnan(cn) else cn, "us": None if np.isnan(us) else us,
                     "gap": None if np.isnan(cn) or np.isnan(us) else cn - us})
    rows.append({"day": env.t("本周", "Week"), "cn": ctx.cn_week_pct, "us": ctx.us_week_pct,
                 "gap": ctx.cn_week_pct - ctx.us_week_pct})
    return rows


def _table_note(ctx: SinoUsContext, env: ExhibitEnv) -> str:
    t = env.t
    note = t("中美市场各按本地交易日；美股日期d的收盘对应北京时间d+1早晨。",
             "Each market on its own local dates; a US close on date d is the Beijing morning of d+1.")
    if ctx.us_holidays:
        note += t(" 美股休市：", " US closed: ") + ", ".join(d.isoformat() for d in ctx.us_holidays)
    if ctx.cn_holidays:
        note += t(" A股休市：", " A-shares closed: ") + ", ".join(
            d.isoformat() for d in ctx.cn_holidays)
    n = len(ctx.rebased)
    return note + t(f" 走势图窗口：{n}个日期。", f" Chart window: {n} dates.")


def _sino_us_table(ctx: SinoUsContext, env: SectionEnv[SinoUsTechParams]) -> Exhibit:
    t, (cn_name, us_name) = env.t, _names(env)
    rows = _table_rows(ctx, env)
    # the table's rows: each day, then the week ("week" in the date column)
    data = pd.DataFrame({"date": [d.isoformat() for d in ctx.week_days] + ["week"],
                         f"{env.params.cn_index}_return_pct": [*ctx.cn_daily, ctx.cn_week_pct],
                         f"{env.params.us_asset}_return_pct": [*ctx.us_daily, ctx.us_week_pct],
                         "gap_pp": [r["gap"] for r in rows]})
    return TableExhibit(
        key="sino_us_table",
        title=t(f"{cn_name}与{us_name}本周逐日涨跌幅", f"{cn_name} and {us_name}: daily returns"),
        columns=(TableColumn("day", t("日期", "Day"), "text", align="left"),
                 TableColumn("cn", cn_name, "pct_signed", colored=True),
                 TableColumn("us", us_name, "pct_signed", colored=True),
                 TableColumn("gap", t("差值（百分点）", "Gap (pp)"), "num2", colored=True)),
        rows=tuple(rows), source=env.source_of(CN_DATA, US_DATA), as_of=ctx.as_of, data=data,
        note=_table_note(ctx, env))


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (_sino_us_chart, _sino_us_table)


def exhibits(ctx: SinoUsContext, env: SectionEnv[SinoUsTechParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


add_phrases({
    "sino_us_tech.week": {"zh": "本周{moves}。", "en": "This week {moves}."},
    "sino_us_tech.gap_cn_ahead": {
        "zh": "{cn}本周跑赢{us}{gap_abs}个百分点，两地均开市的{n}天中有{m}天表现更强。",
        "en": "The {cn} beat the {us} by {gap_abs} pp and was the stronger of the two on {m} of "
              "the {n} days both markets traded."},
    "sino_us_tech.gap_us_ahead": {
        "zh": "{cn}本周跑输{us}{gap_abs}个百分点，两地均开市的{n}天中有{m}天表现更强。",
        "en": "The {cn} lagged the {us} by {gap_abs} pp and was the stronger of the two on {m} "
              "of the {n} days both markets traded."},
    "sino_us_tech.closed": {
        "zh": "{market}{days}休市，周涨跌幅按实际交易日计算。",
        "en": "The {market} was closed on {days}; its weekly change covers the days it traded."},
})

# Typical absolute weekly move of a tech index and typical weekly gap between the two, in % and
# pp (for scores: a move or gap this size scores 1.0).
TYPICAL_TECH_WEEK_PCT = 2.5
TYPICAL_GAP_PP = 3.0


def facts(ctx: SinoUsContext, env: SectionEnv[SinoUsTechParams]) -> list[Fact]:
    """Both weekly changes; the STAR-over-Nasdaq gap (the table's week row) with how many common
    trading days the STAR 50 won; holidays of either market inside the week."""
    ref, p = env.ref, env.params
    cn = Name(ref.index_name(p.cn_index, "zh"), ref.index_name(p.cn_index, "en"))
    us = Name(ref.asset_name(p.us_asset, "zh"), ref.asset_name(p.us_asset, "en"))
    out = [Fact("sino_us_tech.week",
                {"moves": Items(((us, Num(ctx.us_week_pct, "pct_signed")),
                                 (cn, Num(ctx.cn_week_pct, "pct_signed"))), style="move")},
                score=size_score(max(abs(ctx.us_week_pct), abs(ctx.cn_week_pct)),
                                 TYPICAL_TECH_WEEK_PCT))]
    gap = ctx.cn_week_pct - ctx.us_week_pct
    both = [(c, u) for c, u in zip(ctx.cn_daily, ctx.us_daily) if np.isfinite(c) and np.isfinite(u)]
    if np.isfinite(gap) and gap != 0:
        out.append(Fact("sino_us_tech.gap_cn_ahead" if gap > 0 else "sino_us_tech.gap_us_ahead",
                        {"cn": cn, "us": us, "gap": Num(gap, "num2"),
                         "n": Num(len(both), "count"),
                         "m": Num(sum(1 for c, u in both if c > u), "count")},
                        score=size_score(gap, TYPICAL_GAP_PP)))
    for market, days in ((Name("美股", "US market"), ctx.us_holidays),
                         (Name("A股", "A-share market"), ctx.cn_holidays)):
        if days:
            names = [WEEKDAYS[d.weekday()] for d in days]
            out.append(Fact("sino_us_tech.closed",
                            {"market": market,
                             "days": Name("、".join(z for z, _e in names),
                                          ", ".join(e for _z, e in names))},
                            score=0.2))
    return out


def check_refs(p: SinoUsTechParams, ref: Reference) -> list[tuple[str, str]]:
    return (unknown_codes("cn_index", [p.cn_index], ref.known_index_codes(), "index code")
            + unknown_codes("us_asset", [p.us_asset], list(ref.global_assets["asset_code"]),
                            "asset code"))


def metrics(ctx: SinoUsContext) -> dict[str, float]:
    return {"cn_week_pct": ctx.cn_week_pct, "us_week_pct": ctx.us_week_pct,
            "gap_pp": ctx.cn_week_pct - ctx.us_week_pct}


SPEC = register(SectionSpec(
    name="sino_us_tech", part="assets",
    title_zh="中美科技股对比", title_en="Sino-US tech",
    params_model=SinoUsTechParams, datasets=(CN_DATA, US_DATA),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/sino_us_tech.html.j2",
    history_days=lambda p: int(p.window_sessions * 7 / 5) + 30, check_refs=check_refs,
    description="Nasdaq Composite vs STAR 50 rebased to 100, daily and weekly returns.",
    metrics=metrics, metric_formats={"cn_week_pct": "pct_signed", "us_week_pct": "pct_signed", "gap_pp": "num2"},
))
