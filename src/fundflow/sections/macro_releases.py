"""Macro releases of the week (end of chapter 2 by default): one table of the monthly releases
that fell in the report week -- CPI, PPI, PMI, industrial production, exports, new loans, TSF --
with the actual value, the previous one and the consensus expectation where the source has it;
a note when none fell (with the latest prints). No chart.

Release dates and reference months: fundflow.metrics.macro and
docs/data-sources-temperature.md (Jin10 rows carry the release date; new loans and TSF have
only the month, their date is estimated and marked).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd
from pydantic import Field, field_validator

from fundflow.errors import SectionError
from fundflow.formatting import fmt_value
from fundflow.metrics.macro import INDICATORS, latest_before, release_window, releases_in
from fundflow.narrative import Fact, Name, Num
from fundflow.narrative.facts import Lang
from fundflow.narrative.facts import Slot
from fundflow.narrative.phrasebook import add_phrases
from fundflow.sections.base import (
    Exhibit, ExhibitEnv, Params, SectionEnv, SectionInput, SectionSpec, TableColumn, TableExhibit,
    run_exhibits,
)
from fundflow.sections.registry import register

DATASET = "macro_releases"

# display names (zh, en) and the unit shown next to the values
NAMES: dict[str, tuple[Name, tuple[str, str]]] = {
    "pmi_mfg": (Name("官方制造业PMI", "official manufacturing PMI"), ("", "")),
    "pmi_non_mfg": (Name("官方非制造业PMI", "official non-manufacturing PMI"), ("", "")),
    "cpi_yoy": (Name("CPI同比", "CPI, year on year"), ("", "")),
    "cpi_mom": (Name("CPI环比", "CPI, month on month"), ("", "")),
    "ppi_yoy": (Name("PPI同比", "PPI, year on year"), ("", "")),
    "ip_yoy": (Name("规上工业增加值同比", "industrial production, year on year"), ("", "")),
    "exports_yoy": (Name("出口同比（美元计）", "exports in USD, year on year"), ("", "")),
    "new_loans_cny": (Name("新增人民币贷款", "new yuan loans"), ("亿元", "")),
    "tsf_cny": (Name("社会融资规模增量", "total social financing (flow)"), ("亿元", "")),
}
DEFAULT = ("pmi_mfg", "pmi_non_mfg", "cpi_yoy", "ppi_yoy", "ip_yoy", "exports_yoy",
           "new_loans_cny", "tsf_cny")


class MacroReleasesParams(Params):
    indicators: tuple[str, ...] = Field(
        default=DEFAULT, min_length=1,
        description="indicators in display order: " + ", ".join(INDICATORS))
    max_age_days: int = Field(
        default=35, ge=7, le=400,
        description="the section fails (data unavailable) when the latest release in the store "
                    "is older than this at the week's end: monthly releases come every 1-3 "
                    "weeks, so an older store was not collected, rather than a quiet month")
    through_sunday: bool = Field(
        default=False, description="count releases up to the Sunday after the week (a report "
                                   "issued on Sunday shows e.g. CPI published that Sunday); "
                                   "default: up to the week's last session")

    @field_validator("indicators")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [i for i in v if i not in INDICATORS]
        if bad:
            raise ValueError(f"unknown indicator(s) {', '.join(bad)} (known: "
                             f"{', '.join(INDICATORS)})")
        if len(set(v)) != len(v):
            raise ValueError("indicators must not repeat")
        return v


@dataclass(frozen=True)
class MacroContext:
    releases: pd.DataFrame       # releases in the window (metrics.macro.releases_in)
    latest: pd.DataFrame         # each indicator's latest release before the window ends
    window: tuple[date, date]
    missing: tuple[str, ...]     # indicators without any row in the store
    as_of: date


def compute(inp: SectionInput[MacroReleasesParams]) -> MacroContext:
    p = inp.params
    frame = inp.frames[DATASET]
    if frame.empty:
        raise SectionError(f"no {DATASET} rows in the store")
    start, end = release_window(inp.week.start, inp.week.end, inp.prev_week.end,
                                p.through_sunday)
    released = pd.to_datetime(frame["release_date"])
    upto = released[released <= pd.Timestamp(end)]
    if upto.empty or (end - upto.max().date()).days > p.max_age_days:
        last = upto.max().date().isoformat() if len(upto) else "none"
        raise SectionError(f"{DATASET}: the latest release up to {end} is {last}, more than "
                           f"{p.max_age_days} days old (collect the macro releases)")
    rel = releases_in(frame, start, end, p.indicators)
    latest = latest_before(frame, end, p.indicators)
    have = set(frame["indicator"])
    missing = tuple(i for i in p.indicators if i not in have)
    known = pd.to_datetime(frame["release_date"])
    as_of = min(end, known[known <= pd.Timestamp(end)].max().date()) if (
        known <= pd.Timestamp(end)).any() else end
    return MacroContext(rel, latest, (start, end), missing, as_of)


def _fmt(indicator: str, value: float, lang: Lang, change: bool = False) -> str:
    ind = INDICATORS[indicator]
    return fmt_value(value, ind.change_fmt if change else ind.fmt, lang)


def _rows(frame: pd.DataFrame, env: ExhibitEnv) -> tuple[dict[str, object], ...]:
    rows = []
    for r in frame.itertuples():
        name, unit = NAMES[r.indicator]
        est = r.date_basis == "estimated"
        rows.append({
            "name": name.get(env.lang) + (f"（{unit[0]}）" if env.lang == "zh" and unit[0]
                                          else f" ({unit[1]})" if unit[1] else ""),
            "month": r.reference_month,
            "released": pd.Timestamp(r.release_date).date().isoformat()
            + (env.t("（估）", " (est.)") if est else ""),
            "actual": _fmt(r.indicator, r.actual, env.lang),
            "expected": _fmt(r.indicator, r.expected, env.lang) if pd.notna(r.expected) else "—",
            "previous": _fmt(r.indicator, r.previous, env.lang) if pd.notna(r.previous) else "—",
            "change": (_fmt(r.indicator, r.actual - r.previous, env.lang, change=True)
                       if pd.notna(r.previous) else "—"),
        })
    return tuple(rows)


def _note(ctx: MacroContext, env: ExhibitEnv) -> str:
    t = env.t
    note = t("实际值、预期值与前值来自金十数据日历（预期为市场一致预期，部分指标无预期）；新增贷款"
             "（东方财富）与社融（商务部转载，发布较晚）来源不含发布日期，按参考月次月15日估计，标“估”。"
             "参考月：月末发布者（如PMI）为当月，其余为上月。",
             "Actual, expected and previous values from the Jin10 calendar (expected = market "
             "consensus, not available for every indicator). New loans (Eastmoney) and TSF "
             "(MOFCOM, republished late) have no release date in their source: estimated as "
             "the 15th of the following month and marked 'est.'. Reference month: the release "
             "month for month-end releases (PMI), else the month before.")
    if ctx.missing:
        note += t("无数据：", " No data: ") + "、".join(NAMES[i][0].get(env.lang)
                                                      for i in ctx.missing)
    return note


def _macro_table(ctx: MacroContext, env: ExhibitEnv) -> Exhibit:
    """This week's releases, or each indicator's latest print when nothing came out."""
    t = env.t
    start, end = ctx.window
    if ctx.releases.empty:
        shown = ctx.latest
        title = t(f"宏观数据：本周（{start}至{end}）无发布，最近一期",
                  f"Macro data: nothing released this week ({start} to {end}); latest prints")
    else:
        shown = ctx.releases
        title = t(f"本周公布的宏观数据（{start}至{end}）",
                  f"Macro data released this week ({start} to {end})")
    data = shown.assign(release_date=[pd.Timestamp(d).date().isoformat()
                                      for d in shown["release_date"]])
    return TableExhibit(
        key="macro_table", title=title,
        columns=(TableColumn("name", t("指标", "Indicator"), "text", align="left"),
                 TableColumn("month", t("参考月", "Month"), "text", align="center"),
                 TableColumn("released", t("发布日", "Released"), "text", align="center"),
                 TableColumn("actual", t("实际值", "Actual"), "text"),
                 TableColumn("expected", t("预期值", "Expected"), "text"),
                 TableColumn("previous", t("前值", "Previous"), "text"),
                 TableColumn("change", t("较前值", "Chg vs prev."), "text")),
        rows=_rows(shown, env), source=env.source_of(DATASET), as_of=ctx.as_of, data=data,
        note=_note(ctx, env))


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (_macro_table,)


def exhibits(ctx: MacroContext, env: SectionEnv[MacroReleasesParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


add_phrases({
    "macro_releases.release": {
        "zh": "{month}{name}为{actual}，前值{previous}。",
        "en": "The {month} {name} came in at {actual}, after {previous}."},
    "macro_releases.release_exp": {
        "zh": "{month}{name}为{actual}，前值{previous}，{vs}预期{expected}。",
        "en": "The {month} {name} came in at {actual}, after {previous}, {vs} the expected "
              "{expected}."},
    "macro_releases.none": {
        "zh": "本周无主要宏观数据发布。",
        "en": "No major macro data were released this week."},
})


def _month_name(ym: str) -> Name:
    y, m = ym.split("-")
    return Name(f"{int(m)}月", pd.Timestamp(f"{y}-{m}-01").strftime("%B"))


def facts(ctx: MacroContext, env: ExhibitEnv) -> list[Fact]:
    if ctx.releases.empty:
        return [Fact("macro_releases.none", {}, score=0.0)]
    out: list[Fact] = []
    for r in ctx.releases.itertuples():
        ind = INDICATORS[r.indicator]
        if pd.isna(r.previous):
            continue
        slots: dict[str, Slot] = {
            "month": _month_name(r.reference_month), "name": NAMES[r.indicator][0],
            "actual": Num(r.actual, ind.fmt), "previous": Num(r.previous, ind.fmt)}
        kind = "macro_releases.release"
        if pd.notna(r.expected) and math.isfinite(r.expected):
            kind = "macro_releases.release_exp"
            slots["expected"] = Num(r.expected, ind.fmt)
            slots["vs"] = (Name("高于", "above") if r.actual > r.expected else
                           Name("低于", "below") if r.actual < r.expected else
                           Name("持平于", "in line with"))
        # the surprise (or the change) against a typical size scores the sentence
        typical = ind.typical_change if ind.unit != "cny" else abs(r.previous) * 0.3 or 1.0
        size = abs(r.actual - (r.expected if pd.notna(r.expected) else r.previous)) / typical
        out.append(Fact(kind, slots, score=min(4.0, 0.5 + 0.5 * size)))
    return out or [Fact("macro_releases.none", {}, score=0.0)]


def metrics(ctx: MacroContext) -> dict[str, float]:
    out: dict[str, float] = {"releases": float(len(ctx.releases))}
    for r in ctx.releases.itertuples():
        out[f"actual.{r.indicator}"] = float(r.actual)
        if pd.notna(r.expected):
            out[f"surprise.{r.indicator}"] = float(r.actual - r.expected)
    return out


SPEC = register(SectionSpec(
    name="macro_releases", part="assets",
    title_zh="本周宏观数据", title_en="Macro releases of the week",
    params_model=MacroReleasesParams, datasets=(DATASET,),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/macro_releases.html.j2", history_days=lambda p: 400,
    description="CPI, PPI, PMI, industrial production, exports, new loans and TSF released in "
                "the report week: actual, previous and expected; a note when none fell. Metric "
                "codes: an indicator id (exports_yoy, ...).",
    metrics=metrics, metric_formats={"releases": "count", "actual.{code}": "num2",
                                     "surprise.{code}": "num2"},
))
