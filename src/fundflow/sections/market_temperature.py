"""2.0 Market temperature: option-implied volatility (QVIX) against the realised volatility of the
matching index, the turnover regime (two-market turnover against thresholds, runs and
historical analogues), and the "national team" footprint (large creations of broad-based ETFs on
days their index fell; an inference from public ETF unit changes).

The three parts are exhibit groups of one section (a preface numbered N.0 when it opens its
chapter); each can be switched off in its params block. Formulas: fundflow.metrics.temperature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from pydantic import Field, field_validator

from fundflow.charts.temperature import (
    creations_on_down_days, turnover_regime, volatility_lines,
)
from fundflow import formatting as F
from fundflow.errors import SectionError
from fundflow.metrics.flows import A_SHARE_TURNOVER_INDICES, a_share_turnover, etf_daily_flows
from fundflow.metrics.temperature import (
    Analogue, Run, footprint_days, group_daily_flows, index_daily_returns, percentile_1y,
    realised_vol_pct, threshold_run, turnover_analogue, value_at, weekly_averages,
)
from fundflow.narrative import Fact, Items, Name, Num, move_score, size_score
from fundflow.narrative.phrasebook import add_phrases
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, IndexCodes, Params, SectionEnv, SectionInput, SectionSpec,
    TableColumn, TableExhibit, run_exhibits, unknown_codes,
)
from fundflow.sections.registry import register

QVIX, INDEX, ETF = "qvix_daily", "index_daily", "etf_daily"
WAN_YI = 1e12

# QVIX series -> (underlying index whose realised volatility it is compared with, names)
QVIX_SERIES: dict[str, tuple[str, Name]] = {
    "50etf": ("000016", Name("50ETF期权QVIX", "50ETF option QVIX")),
    "300etf": ("000300", Name("300ETF期权QVIX", "300ETF option QVIX")),
    "500etf": ("000905", Name("500ETF期权QVIX", "500ETF option QVIX")),
    "1000index": ("000852", Name("中证1000指数期权QVIX", "CSI 1000 index option QVIX")),
    "cyb": ("399006", Name("创业板ETF期权QVIX", "ChiNext ETF option QVIX")),
    "kcb": ("000688", Name("科创50ETF期权QVIX", "STAR 50 ETF option QVIX")),
}
SHORT = {"50etf": ("50ETF", "50ETF"), "300etf": ("300ETF", "300ETF"),
         "500etf": ("500ETF", "500ETF"), "1000index": ("中证1000", "CSI 1000"),
         "cyb": ("创业板", "ChiNext"), "kcb": ("科创50", "STAR 50")}
# the large broad-based ETFs (seeds/etfs.csv): CSI 300, SSE 50, CSI 500, CSI 1000, CSI A500
NATIONAL_TEAM_ETFS = ("510300", "510310", "510330", "159919", "510050", "510500", "159922",
                      "512100", "159845", "512050", "563360", "159338")


class VolatilityParams(Params):
    enabled: bool = Field(default=True, description="show the volatility exhibits")
    series: tuple[str, ...] = Field(default=tuple(QVIX_SERIES), min_length=1,
                                    description="QVIX series, in display order: "
                                                + ", ".join(QVIX_SERIES))
    realised_sessions: int = Field(default=20, ge=5, le=120,
                                   description="sessions of the realised volatility")
    percentile_min_obs: int = Field(default=60, ge=10, le=250,
                                    description="fewest daily values in the 1-year window for a "
                                                "percentile")
    notable_percentile: float = Field(default=90.0, gt=50.0, lt=100.0,
                                      description="a percentile at or beyond this (or 100 minus "
                                                  "it) is stated in the text")

    @field_validator("series")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [s for s in v if s not in QVIX_SERIES]
        if bad:
            raise ValueError(f"unknown QVIX series {', '.join(bad)} (known: "
                             f"{', '.join(QVIX_SERIES)})")
        if len(set(v)) != len(v):
            raise ValueError("QVIX series must not repeat")
        return v


class TurnoverParams(Params):
    enabled: bool = Field(default=True, description="show the turnover-regime exhibits")
    thresholds_wanyi: tuple[float, ...] = Field(
        default=(1.0, 2.0), min_length=1, max_length=3,
        description="daily turnover thresholds in 万亿元 (trillion yuan), ascending")
    indices: IndexCodes = Field(default=A_SHARE_TURNOVER_INDICES, min_length=1,
                                description="indices whose amounts add up to the A-share "
                                            "turnover (两市成交额)")
    analogue_min_weeks: int = Field(default=4, ge=1, le=260,
                                    description="state 'the lowest/highest weekly average "
                                                "since ...' only when it covers at least this "
                                                "many weeks")
    history_weeks: int = Field(default=104, ge=52, le=520,
                               description="weeks of history searched for analogues and runs "
                                           "(the chart shows the last 52)")

    @field_validator("thresholds_wanyi")
    @classmethod
    def _ascending(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(x <= 0 for x in v) or list(v) != sorted(set(v)):
            raise ValueError("thresholds must be positive and strictly ascending, e.g. [1, 2]")
        return v


class NationalTeamParams(Params):
    enabled: bool = Field(default=True, description="show the national-team footprint")
    etfs: tuple[str, ...] = Field(default=NATIONAL_TEAM_ETFS, min_length=1,
                                  description="large broad-based ETF codes (seeds/etfs.csv), "
                                              "grouped by the index they track")
    min_flow_yi: float = Field(default=20.0, gt=0, le=10000,
                               description="a day's net creation of one index's ETFs (亿元) "
                                           "from which a falling day is flagged")
    max_index_return_pct: float = Field(default=0.0, ge=-10, le=0,
                                        description="the index's daily return must be below "
                                                    "this (%)")
    lookback_weeks: int = Field(default=4, ge=1, le=26,
                                description="weeks of flagged days listed (this week included)")
    benchmark: str = Field(default="000300", description="index whose daily return the chart "
                                                          "draws")


class MarketTemperatureParams(Params):
    volatility: VolatilityParams = Field(default_factory=VolatilityParams,
                                         description="QVIX implied vs realised volatility")
    turnover: TurnoverParams = Field(default_factory=TurnoverParams,
                                     description="two-market turnover: thresholds, runs, "
                                                 "analogues")
    national_team: NationalTeamParams = Field(default_factory=NationalTeamParams,
                                              description="broad-ETF creations on falling days "
                                                          "(inferred)")


# -- context -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VolRow:
    code: str
    index_code: str
    level: float
    prev_level: float
    change: float
    percentile: float
    observations: int
    realised_pct: float
    gap: float                     # implied - realised, volatility points


@dataclass(frozen=True)
class VolContext:
    rows: tuple[VolRow, ...]
    missing: tuple[str, ...]
    history: pd.DataFrame          # dates x series, last year
    weekly_changes: dict[str, tuple[float, ...]]   # week-on-week changes over the year
    as_of: date


@dataclass(frozen=True)
class TurnoverContext:
    daily: pd.Series               # T_d in 元, last 52 weeks (chart)
    week_avg: float
    prev_avg: float
    week_sessions: int
    thresholds: tuple[float, ...]  # 元
    runs: tuple[Run, ...]
    analogue: Analogue | None
    analogue_end: date | None      # last session of the analogue week
    weekly_history: tuple[float, ...]
    as_of: date


@dataclass(frozen=True)
class FootprintContext:
    days: pd.DataFrame             # flagged days in the lookback window
    chart: pd.DataFrame            # per session: flow_cny (all listed ETFs), flagged, return_pct
    week_start: date
    week_end: date
    n_etfs: int
    missing: tuple[str, ...]
    as_of: date


@dataclass(frozen=True)
class TemperatureContext:
    vol: VolContext | None
    turnover: TurnoverContext | None
    footprint: FootprintContext | None


# -- compute -------------------------------------------------------------------------------------
def _closes(frame: pd.DataFrame, key: str, code: str) -> pd.Series:
    f = frame[frame[key] == code]
    return pd.Series(f["close"].to_numpy(dtype=float), index=pd.DatetimeIndex(f["trade_date"]))


def compute_volatility(p: VolatilityParams, qvix: pd.DataFrame, index: pd.DataFrame,
                       t1: date, t0: date) -> VolContext:
    rows: list[VolRow] = []
    missing: list[str] = []
    hist: dict[str, pd.Series] = {}
    changes: dict[str, tuple[float, ...]] = {}
    for code in p.series:
        s = _closes(qvix, "qvix_code", code).sort_index()
        s = s[s.index <= pd.Timestamp(t1)]
        if s.empty or s.index[-1] < pd.Timestamp(t0) + pd.Timedelta(days=1):
            missing.append(code)
            continue
        level, prev = float(s.iloc[-1]), value_at(s, t0)
        # the percentile of the week-end level (the last value in the week)
        pct, n = percentile_1y(s, s.index[-1].date(), p.percentile_min_obs)
        idx_code = QVIX_SERIES[code][0]
        rv = realised_vol_pct(_closes(index, "index_code", idx_code), t1, p.realised_sessions)
        rows.append(VolRow(code, idx_code, level, prev, level - prev, pct, n, rv, level - rv))
        year = s[s.index > pd.Timestamp(t1) - pd.DateOffset(years=1)]
        hist[code] = year
        wk = weekly_last(year)
        changes[code] = tuple(float(x) for x in wk.diff().dropna().iloc[:-1])
    if not rows:
        raise SectionError(f"no {QVIX} rows in the week for {', '.join(p.series)}")
    history = pd.DataFrame(hist).sort_index()
    as_of = min(t1, max(pd.Timestamp(v.index[-1]).date() for v in hist.values()))
    return VolContext(tuple(rows), tuple(missing), history, changes, as_of)


def weekly_last(s: pd.Series) -> pd.Series:
    """The last value of each calendar week (index = the week's Monday)."""
    monday = s.index - pd.to_timedelta(s.index.weekday, unit="D")
    return s.groupby(monday.normalize()).last()


def compute_turnover(p: TurnoverParams, index: pd.DataFrame, week_sessions: tuple[date, ...],
                     prev_sessions: tuple[date, ...], t1: date) -> TurnoverContext:
    T = a_share_turnover(index, p.indices)
    T = T[T.index <= pd.Timestamp(t1)]
    T = T[T.index > pd.Timestamp(t1) - pd.Timedelta(weeks=p.history_weeks)]
    wk = T[T.index.isin(pd.DatetimeIndex([pd.Timestamp(d) for d in week_sessions]))]
    pv = T[T.index.isin(pd.DatetimeIndex([pd.Timestamp(d) for d in prev_sessions]))]
    if wk.empty:
        raise SectionError(f"no two-market turnover ({', '.join(p.indices)}) in the week")
    thresholds = tuple(x * WAN_YI for x in p.thresholds_wanyi)
    runs = tuple(threshold_run(T, th, t1) for th in thresholds)
    weekly = weekly_averages(T)
    monday = week_sessions[0] - timedelta(days=week_sessions[0].weekday())
    analogue = turnover_analogue(weekly, monday)
    end = None
    if analogue is not None and analogue.since_monday is not None:
        m = pd.Timestamp(analogue.since_monday)
        in_week = T[(T.index >= m) & (T.index < m + pd.Timedelta(days=7))]
        end = in_week.index[-1].date()
    chart = T[T.index > pd.Timestamp(t1) - pd.Timedelta(weeks=52)]
    return TurnoverContext(chart, float(wk.mean()), float(pv.mean()) if len(pv) else math.nan,
                           int(wk.size), thresholds, runs, analogue, end,
                           tuple(float(x) for x in weekly.iloc[:-1].tail(52)), wk.index[-1].date())


def compute_footprint(p: NationalTeamParams, etf: pd.DataFrame, index: pd.DataFrame,
                      ref: Reference, week_start: date, t1: date) -> FootprintContext:
    meta = ref.etfs[ref.etfs["etf_code"].isin(p.etfs)]
    tracks = dict(zip(meta["etf_code"], meta["tracks_index"]))
    frame = etf[etf["etf_code"].isin(tracks) & (etf["trade_date"] <= pd.Timestamp(t1))]
    if frame.empty:
        raise SectionError(f"no {ETF} rows for the ETFs {', '.join(p.etfs)}")
    flows = etf_daily_flows(frame)
    groups = group_daily_flows(flows, tracks)
    codes = sorted(set(tracks.values()) | {p.benchmark})
    rets = index_daily_returns(index, codes)
    start = week_start - timedelta(days=7 * (p.lookback_weeks - 1))
    start = start - timedelta(days=start.weekday())
    days = footprint_days(groups, rets, start=start, end=t1, min_flow_cny=p.min_flow_yi * 1e8,
                          max_return_pct=p.max_index_return_pct)
    daily = groups.groupby("trade_date")["flow_cny"].sum()
    daily = daily[(daily.index >= pd.Timestamp(start)) & (daily.index <= pd.Timestamp(t1))]
    bench = rets[rets["index_code"] == p.benchmark].set_index("trade_date")["return_pct"]
    chart = pd.DataFrame({"flow_cny": daily,
                          "flagged": daily.index.isin(pd.DatetimeIndex(days["trade_date"])),
                          "return_pct": bench.reindex(daily.index)})
    missing = tuple(c for c in p.etfs if c not in set(frame["etf_code"]))
    return FootprintContext(days, chart, week_start, t1, int(frame["etf_code"].nunique()),
                            missing,
                            min(t1, frame["trade_date"].max().date()))


def compute(inp: SectionInput[MarketTemperatureParams]) -> TemperatureContext:
    p = inp.params
    week, prev = inp.week, inp.prev_week
    t1, t0 = week.end, prev.end
    index = inp.frames[INDEX]
    vol = (compute_volatility(p.volatility, inp.frames[QVIX], index, t1, t0)
           if p.volatility.enabled else None)
    turnover = (compute_turnover(p.turnover, index, week.sessions, prev.sessions, t1)
                if p.turnover.enabled else None)
    footprint = (compute_footprint(p.national_team, inp.frames[ETF], index, inp.ref, week.start,
                                   t1) if p.national_team.enabled else None)
    if vol is None and turnover is None and footprint is None:
        raise SectionError("every part of market_temperature is disabled")
    return TemperatureContext(vol, turnover, footprint)


# -- exhibits ------------------------------------------------------------------------------------
def _short(code: str, env: ExhibitEnv) -> str:
    zh, en = SHORT[code]
    return env.t(zh, en)


def _side(run: Run, env: ExhibitEnv) -> str:
    return env.t("高于", "above") if run.side == "above" else env.t("低于", "below")


def _temp_vol_table(ctx: TemperatureContext, env: SectionEnv[MarketTemperatureParams]
                    ) -> Exhibit | None:
    v = ctx.vol
    if v is None:
        return None
    t = env.t
    data = pd.DataFrame([{
        "qvix_code": r.code, "name": QVIX_SERIES[r.code][1].get(env.lang),
        "index_code": r.index_code, "close": r.level, "prev_close": r.prev_level,
        "change": r.change, "percentile_1y_pct": r.percentile, "observations_1y": r.observations,
        "realised_vol_pct": r.realised_pct, "implied_minus_realised": r.gap} for r in v.rows])
    rows = tuple({
        "name": _short(r.code, env), "index": env.ref.index_name(r.index_code, env.lang),
        "level": r.level, "change": r.change, "pct": r.percentile, "rv": r.realised_pct,
        "gap": r.gap,
        "vs": (t("高于", "above") if r.gap > 0 else t("低于", "below") if r.gap < 0 else "—")
        if math.isfinite(r.gap) else "—"} for r in v.rows)
    n = env.params.volatility.realised_sessions
    note = t(f"QVIX为期权隐含波动率指数（年化，%）；已实现波动率=近{n}个交易日对数收益率标准差×√252；"
             f"分位=周末值在近1年日度值中的位置（≤该值的占比）。数据为第三方网站按日更新的CSV，"
             f"可能晚于收盘发布。",
             f"QVIX: option-implied volatility index (annualised, %). Realised volatility = "
             f"std of the last {n} daily log returns x sqrt(252). Percentile: share of the "
             f"past year's daily values at or below the week-end value. The QVIX file is a "
             f"third-party CSV updated after the close, sometimes late.")
    if v.missing:
        note += t("本周无数据：", " No data this week: ") + "、".join(
            _short(c, env) for c in v.missing)
    return TableExhibit(
        key="temp_vol_table",
        title=t("期权隐含波动率（QVIX）与对应指数已实现波动率",
                "Option-implied volatility (QVIX) vs realised volatility of the index"),
        columns=(TableColumn("name", t("QVIX", "QVIX"), "text", align="left"),
                 TableColumn("index", t("对应指数", "Index"), "text", align="left"),
                 TableColumn("level", t("周末值", "Week end"), "num1"),
                 TableColumn("change", t("周变动", "Weekly chg"), "num1_signed", colored=True),
                 TableColumn("pct", t("近1年分位", "1y pctile"), "pct0"),
                 TableColumn("rv", t(f"{n}日已实现波动率", f"{n}d realised"), "pct1"),
                 TableColumn("gap", t("隐含-已实现", "Implied - realised"), "num1_signed"),
                 TableColumn("vs", t("隐含vs已实现", "Implied vs realised"), "text",
                             align="center")),
        rows=rows, source=env.source_of(QVIX, INDEX), as_of=v.as_of, data=data, note=note)


def _temp_vol_chart(ctx: TemperatureContext, env: ExhibitEnv) -> Exhibit | None:
    v = ctx.vol
    if v is None:
        return None
    t = env.t
    series = {_short(c, env): v.history[c].dropna() for c in v.history.columns}
    hist = v.history.copy()
    hist.index = [d.date().isoformat() for d in hist.index]
    return ChartExhibit(
        key="temp_vol_chart", title=t("近1年QVIX走势（波动率点）", "QVIX over the past year (vol points)"),
        make=lambda: volatility_lines(series, env.style, ylabel=t("波动率（%）", "Volatility (%)"),
                                      week=_week_of(v.as_of), week_label=t("本周", "This week")),
        source=env.source_of(QVIX), as_of=v.as_of,
        data=hist.rename_axis("trade_date").reset_index())


def _week_of(end: date) -> tuple[date, date]:
    """The Monday of the week ``end`` falls in, and ``end`` (a chart's shaded week)."""
    return end - timedelta(days=end.weekday()), end


def _threshold_labels(tc: TurnoverContext, env: ExhibitEnv) -> list[str]:
    return [env.t(f"{x / WAN_YI:g}万亿元", F.cny_en(x)) for x in tc.thresholds]


def _temp_turnover_chart(ctx: TemperatureContext, env: ExhibitEnv) -> Exhibit | None:
    tc = ctx.turnover
    if tc is None:
        return None
    t = env.t
    th_labels = _threshold_labels(tc, env)
    daily = tc.daily / WAN_YI
    week = _week_of(tc.as_of)
    return ChartExhibit(
        key="temp_turnover_chart",
        title=t("近1年两市日成交额与阈值（万亿元）", "A-share daily turnover over the past year vs thresholds"),
        make=lambda: env.amounts(turnover_regime(daily, [x / WAN_YI for x in tc.thresholds], env.style,
                                     ylabel=t("万亿元", ""), threshold_labels=th_labels,
                                     series_label=t("两市成交额", "Two-market turnover"),
                                     week=week, week_label=t("本周", "This week")), 1e12),
        source=env.source_of(INDEX), as_of=tc.as_of,
        data=pd.DataFrame({"trade_date": [d.date().isoformat() for d in tc.daily.index],
                           "turnover_cny": tc.daily.to_numpy()}))


def _turnover_rows(tc: TurnoverContext, env: ExhibitEnv
                   ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The table's rows (averages, a run per threshold, the analogue) and its data rows."""
    t = env.t
    rows: list[dict[str, object]] = [
        {"item": t("本周日均成交额（万亿元）", "Average daily turnover this week"),
         "value": tc.week_avg, "_fmt_value": "wanyi",
         "detail": t(f"{tc.week_sessions}个交易日", f"{tc.week_sessions} sessions")},
        {"item": t("上周日均成交额（万亿元）", "Average daily turnover last week"),
         "value": tc.prev_avg, "_fmt_value": "wanyi", "detail": ""},
    ]
    data_rows: list[dict[str, object]] = [
        {"item": "week_avg", "value_cny": tc.week_avg, "sessions": tc.week_sessions,
         "start": None},
        {"item": "prev_week_avg", "value_cny": tc.prev_avg, "sessions": None, "start": None}]
    for th, run, lab in zip(tc.thresholds, tc.runs, _threshold_labels(tc, env)):
        more = "≥" if run.capped else ""
        rows.append({"item": t(f"相对{lab}", f"vs {lab}"),
                     "value": t(f"连续{more}{run.sessions}个交易日{_side(run, env)}",
                                f"{_side(run, env)} for {more}{run.sessions} sessions"),
                     "_fmt_value": "text",
                     "detail": t(f"自{run.start}起", f"since {run.start}") if run.start else ""})
        data_rows.append({"item": f"run_{run.side}_{th:.0f}", "value_cny": th,
                          "sessions": run.sessions if run.side == "above" else -run.sessions,
                          "start": run.start.isoformat() if run.start else None})
    a = tc.analogue
    if a is not None:   # the table always shows it; the text only from analogue_min_weeks
        word = t("最低", "lowest") if a.kind == "lowest" else t("最高", "highest")
        if a.whole_history:
            text = t(f"为{a.first_monday}以来（全部已存历史）{word}周均值",
                     f"{word} weekly average in the stored history (since {a.first_monday})")
            detail = ""
        else:
            text = t(f"为{tc.analogue_end}当周以来{word}周均值",
                     f"{word} weekly average since the week to {tc.analogue_end}")
            detail = t(f"该周日均{a.since_value / WAN_YI:.2f}万亿元；间隔{a.weeks}周",
                       f"that week {F.cny_en(a.since_value)} a day; {a.weeks} weeks between")
        rows.append({"item": t("历史对照", "Historical analogue"), "value": text,
                     "_fmt_value": "text", "detail": detail})
        data_rows.append({"item": f"analogue_{a.kind}", "value_cny": a.since_value,
                          "sessions": a.weeks,
                          "start": tc.analogue_end.isoformat() if tc.analogue_end else None})
    return rows, data_rows


def _temp_turnover_table(ctx: TemperatureContext, env: ExhibitEnv) -> Exhibit | None:
    tc = ctx.turnover
    if tc is None:
        return None
    t = env.t
    rows, data_rows = _turnover_rows(tc, env)
    return TableExhibit(
        key="temp_turnover_table", title=t("成交额温度：均值、连续天数与历史对照",
                                           "Turnover regime: averages, runs and analogues"),
        columns=(TableColumn("item", t("项目", "Item"), "text", align="left"),
                 TableColumn("value", t("数值", "Value"), "text", align="left"),
                 TableColumn("detail", t("说明", "Detail"), "text", align="left")),
        rows=tuple(rows), source=env.source_of(INDEX), as_of=tc.as_of,
        data=pd.DataFrame(data_rows),
        note=t("两市成交额=上证综指+深证综指成交额；连续天数按交易日计（节假日不中断）；周均值按自然周"
               "（周一至周日）的交易日平均，历史对照由已存数据计算。",
               "Two-market turnover = SSE Composite + SZSE Composite amounts. Runs count "
               "sessions (holidays do not break them); weekly averages are over each calendar "
               "week's sessions; analogues are computed from the stored history."))


def _footprint_note(fc: FootprintContext, env: SectionEnv[MarketTemperatureParams],
                    any_days: bool) -> str:
    t, p = env.t, env.params.national_team
    min_flow_cny = p.min_flow_yi * 1e8
    th = f"{min_flow_cny / 1e8:g}"
    th_en = F.cny_en(min_flow_cny)
    fall = ("" if p.max_index_return_pct == 0 else
            t(f"（跌幅超过{-p.max_index_return_pct:g}%）",
              f" (by more than {-p.max_index_return_pct:g}%)"))
    note = t(f"推断：依据公开的ETF份额变动（份额变动×收盘价）估算，并非持仓披露。标记条件：跟踪同一指数的"
             f"大型宽基ETF当日合计净申购≥{th}亿元且该指数当日下跌{fall}。统计{fc.n_etfs}只ETF，"
             f"近{p.lookback_weeks}周。",
             f"An inference from public ETF unit changes (units x close), not a disclosure of "
             f"holdings. Flagged: the large broad-based ETFs tracking one index took net "
             f"creations of at least {th_en} on a day that index fell{fall}. "
             f"{fc.n_etfs} ETFs, last {p.lookback_weeks} weeks.")
    if not any_days:
        note = t("近期未出现符合条件的交易日。", "No day met the condition in the window. ") + note
    if fc.missing:
        note += t("无数据：", " No data: ") + "、".join(fc.missing)
    return note


def _temp_footprint_table(ctx: TemperatureContext, env: SectionEnv[MarketTemperatureParams]
                          ) -> Exhibit | None:
    fc = ctx.footprint
    if fc is None:
        return None
    t = env.t
    rows = tuple({
        "date": d.trade_date.date().isoformat(),
        "week": t("是", "yes") if d.trade_date.date() >= fc.week_start else "",
        "index": env.ref.index_name(str(d.index_code), env.lang),
        "ret": d.return_pct, "flow": d.flow_cny, "n": d.n_etfs} for d in fc.days.itertuples())
    return TableExhibit(
        key="temp_footprint_table",
        title=t("“国家队”迹象：指数下跌日的宽基ETF大额净申购（推断）",
                "'National team' footprint: large broad-ETF creations on falling days (inferred)"),
        columns=(TableColumn("date", t("日期", "Date"), "text", align="left"),
                 TableColumn("week", t("本周", "This wk"), "text", align="center"),
                 TableColumn("index", t("指数", "Index"), "text", align="left"),
                 TableColumn("ret", t("指数涨跌幅", "Index return"), "pct_signed", colored=True),
                 TableColumn("flow", t("ETF净申购（亿元）", "ETF net creation"),
                             "yi_signed", colored=True),
                 TableColumn("n", t("ETF数量", "ETFs"), "num0")),
        rows=rows, source=env.source_of(ETF, INDEX), as_of=fc.as_of,
        data=fc.days.assign(trade_date=[d.date().isoformat() for d in fc.days["trade_date"]]),
        note=_footprint_note(fc, env, bool(rows)))


def _temp_footprint_chart(ctx: TemperatureContext, env: SectionEnv[MarketTemperatureParams]
                          ) -> Exhibit | None:
    fc = ctx.footprint
    if fc is None:
        return None
    t, p = env.t, env.params.national_team
    bench = {lang: env.ref.index_name(p.benchmark, lang) for lang in ("zh", "en")}
    days = [d.strftime("%m-%d") for d in fc.chart.index]
    return ChartExhibit(
        key="temp_footprint_chart",
        title=t(f"近{p.lookback_weeks}周大型宽基ETF逐日净申购（亿元）与{bench['zh']}涨跌幅",
                f"Large broad-based ETFs: daily net creation, last "
                f"{p.lookback_weeks} weeks, and the {bench['en']}"),
        make=lambda: env.amounts(creations_on_down_days(
            days, list(fc.chart["flow_cny"] / 1e8), list(fc.chart["flagged"]),
            list(fc.chart["return_pct"]), env.style, ylabel=t("亿元", ""),
            return_label=t(f"{bench['zh']}涨跌幅（右轴）", f"{bench['en']} return (right)"),
            flagged_label=t("标记日", "Flagged day"), other_label=t("其他交易日", "Other days"))),
        source=env.source_of(ETF, INDEX), as_of=fc.as_of,
        data=fc.chart.assign(flow_yi=fc.chart["flow_cny"] / 1e8).rename_axis(
            "trade_date").reset_index().assign(
            trade_date=lambda f: [d.date().isoformat() for d in f["trade_date"]]))


# The section's exhibits in page order (a part that is switched off has none): a new exhibit is
# one builder above and one name here.
EXHIBITS = (_temp_vol_table, _temp_vol_chart, _temp_turnover_chart, _temp_turnover_table,
            _temp_footprint_table, _temp_footprint_chart)


def exhibits(ctx: TemperatureContext, env: SectionEnv[MarketTemperatureParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


# -- facts ---------------------------------------------------------------------------------------
add_phrases({
    "market_temperature.vol": {
        "zh": "{name}周末为{level}，较上周{change_dir}{change_abs}，处于近1年{pct}分位，"
              "{vs}对应指数{n}日已实现波动率（{rv}）。",
        "en": "The {name} ended the week at {level} ({change}), at the {pct} percentile of the "
              "past year and {vs} the index's {n}-day realised volatility ({rv})."},
    "market_temperature.vol_extreme": {
        "zh": "{name}处于近1年{pct}分位（周末{level}），为各QVIX中{word}。",
        "en": "The {name} sits at the {pct} percentile of its past year (week end {level}), "
              "the {word} of the QVIX series."},
    "market_temperature.vol_breadth": {
        "zh": "{n}个QVIX中有{above}个高于对应指数的已实现波动率。",
        "en": "{above} of {n} QVIX series are above their index's realised volatility."},
    "market_temperature.turnover": {
        "zh": "本周两市日均成交额{avg}万亿元，上周为{prev}万亿元。",
        "en": "Two-market turnover averaged {avg} a day this week, after {prev} "
              "last week."},
    "market_temperature.run": {
        "zh": "两市成交额已连续{n}个交易日{side}{threshold}万亿元（自{start}起）。",
        "en": "Turnover has been {side} {threshold} for {n} sessions in a row "
              "(since {start})."},
    "market_temperature.run_min": {
        "zh": "两市成交额已至少连续{n}个交易日{side}{threshold}万亿元（已存历史内）。",
        "en": "Turnover has been {side} {threshold} for at least {n} sessions "
              "(the whole stored history)."},
    "market_temperature.analogue": {
        "zh": "本周日均成交额为{since}当周以来{word}（该周{then}万亿元）。",
        "en": "This week's average is the {word} since the week to {since} ({then} a "
              "day then)."},
    "market_temperature.analogue_all": {
        "zh": "本周日均成交额为已存历史（自{since}起）{word}。",
        "en": "This week's average is the {word} in the stored history (since {since})."},
    "market_temperature.footprint": {
        "zh": "本周有{n}个交易日大型宽基ETF在指数下跌时大额净申购（按份额变动推断的“国家队”迹象）：{items}亿元。",
        "en": "On {n} session(s) this week the large broad-based ETFs took big net creations "
              "while their index fell (a 'national team' footprint inferred from unit "
              "changes): {items}."},
    "market_temperature.footprint_none": {
        "zh": "本周未见大型宽基ETF在指数下跌日大额净申购。",
        "en": "No large broad-ETF creation on a falling day this week."},
})

TYPICAL_FOOTPRINT_CNY = 50e8


def _vol_facts(v: VolContext, env: SectionEnv[MarketTemperatureParams]) -> list[Fact]:
    out: list[Fact] = []
    ok = [r for r in v.rows if math.isfinite(r.percentile)]
    if not ok:
        return out
    lead = ok[0]

    def vs(r: VolRow) -> Name:
        return Name("高于", "above") if r.gap > 0 else Name("低于", "below")

    out.append(Fact("market_temperature.vol", {
        "name": QVIX_SERIES[lead.code][1], "level": Num(lead.level, "num1"),
        "change": Num(lead.change, "num1_signed"), "pct": Num(lead.percentile, "pct0"),
        "vs": vs(lead), "n": Num(env.params.volatility.realised_sessions, "count"),
        "rv": Num(lead.realised_pct, "pct1")},
        score=max(move_score(lead.change, v.weekly_changes.get(lead.code, ())),
                  abs(lead.percentile - 50) / 25)))
    hi = max(ok, key=lambda r: (r.percentile, r.code))
    lo = min(ok, key=lambda r: (r.percentile, r.code))
    notable_pct = env.params.volatility.notable_percentile
    for r, word in ((hi, Name("最高", "highest")), (lo, Name("最低", "lowest"))):
        notable = (r.percentile >= notable_pct if word.en == "highest"
                   else r.percentile <= 100 - notable_pct)
        if notable and r is not lead:
            out.append(Fact("market_temperature.vol_extreme", {
                "name": QVIX_SERIES[r.code][1], "pct": Num(r.percentile, "pct0"),
                "level": Num(r.level, "num1"), "word": word},
                score=1.0 + abs(r.percentile - 50) / 50))
    with_rv = [r for r in v.rows if math.isfinite(r.gap)]
    if len(with_rv) > 1:
        above = sum(1 for r in with_rv if r.gap > 0)
        out.append(Fact("market_temperature.vol_breadth",
                        {"n": Num(len(with_rv), "count"), "above": Num(above, "count")},
                        score=0.3))
    return out


def _turnover_facts(tc: TurnoverContext, p: TurnoverParams) -> list[Fact]:
    out = [Fact("market_temperature.turnover",
                {"avg": Num(tc.week_avg, "wanyi"), "prev": Num(tc.prev_avg, "wanyi")},
                score=0.8 * move_score(tc.week_avg, tc.weekly_history))]
    # the run on the threshold nearest to the week-end turnover
    last = float(tc.daily.iloc[-1])
    i = min(range(len(tc.thresholds)), key=lambda k: (abs(last - tc.thresholds[k]), k))
    run = tc.runs[i]
    if run.sessions >= 2 and run.start is not None:
        side = Name("高于", "above") if run.side == "above" else Name("低于", "below")
        kind = "market_temperature.run" + ("_min" if run.capped else "")
        out.append(Fact(kind, {"n": Num(run.sessions, "count"), "side": side,
                               "threshold": Num(tc.thresholds[i], "wanyi"),
                               "start": Name(run.start.isoformat(), run.start.isoformat())},
                        score=min(4.0, run.sessions / 15)))
    a = tc.analogue
    if a is not None and a.weeks >= p.analogue_min_weeks:
        word = Name("最低周均值", "lowest weekly average") if a.kind == "lowest" else \
            Name("最高周均值", "highest weekly average")
        if a.whole_history or tc.analogue_end is None:
            since = a.first_monday.isoformat()
            out.append(Fact("market_temperature.analogue_all",
                            {"word": word, "since": Name(since, since)},
                            score=min(4.0, a.weeks / 13)))
        else:
            since = tc.analogue_end.isoformat()
            out.append(Fact("market_temperature.analogue",
                            {"word": word, "since": Name(since, since),
                             "then": Num(a.since_value, "wanyi")},
                            score=min(4.0, a.weeks / 13)))
    return out


def _footprint_facts(fc: FootprintContext, env: ExhibitEnv) -> list[Fact]:
    week = fc.days[fc.days["trade_date"] >= pd.Timestamp(fc.week_start)]
    if week.empty:
        return [Fact("market_temperature.footprint_none", {}, score=0.0)]
    items = tuple(
        (Name(f"{d.trade_date.strftime('%m-%d')} {env.ref.index_name(str(d.index_code), 'zh')}",
              f"{d.trade_date.strftime('%m-%d')} {env.ref.index_name(str(d.index_code), 'en')}"),
         Num(float(d.flow_cny), "yi_signed")) for d in week.itertuples())
    n_days = int(week["trade_date"].nunique())
    return [Fact("market_temperature.footprint",
                 {"n": Num(n_days, "count"), "items": Items(items)},
                 score=size_score(float(week["flow_cny"].max()), TYPICAL_FOOTPRINT_CNY))]


def facts(ctx: TemperatureContext, env: SectionEnv[MarketTemperatureParams]) -> list[Fact]:
    out: list[Fact] = []
    if ctx.vol is not None:
        out += _vol_facts(ctx.vol, env)
    if ctx.turnover is not None:
        out += _turnover_facts(ctx.turnover, env.params.turnover)
    if ctx.footprint is not None:
        out += _footprint_facts(ctx.footprint, env)
    return out


# -- metrics for alerts ---------------------------------------------------------------------------
def metrics(ctx: TemperatureContext) -> dict[str, float]:
    out: dict[str, float] = {}
    if ctx.vol is not None:
        for r in ctx.vol.rows:
            out[f"qvix_level.{r.code}"] = r.level
            out[f"qvix_change.{r.code}"] = r.change
            out[f"qvix_percentile.{r.code}"] = r.percentile
            out[f"implied_minus_realised.{r.code}"] = r.gap
    if ctx.turnover is not None:
        tc = ctx.turnover
        out["turnover_avg_cny"] = tc.week_avg
        for th, run in zip(tc.thresholds, tc.runs):
            out[f"turnover_run_sessions.{th / 1e8:.0f}"] = (run.sessions if run.side == "above"
                                                           else -run.sessions)
    if ctx.footprint is not None:
        fc = ctx.footprint
        week = fc.days[fc.days["trade_date"] >= pd.Timestamp(fc.week_start)]
        out["footprint_days"] = float(week["trade_date"].nunique())
        out["footprint_flow_cny"] = float(week["flow_cny"].sum())
    return out


METRIC_FORMATS = {
    "qvix_level.{code}": "num1", "qvix_change.{code}": "num1_signed",
    "qvix_percentile.{code}": "pct0", "implied_minus_realised.{code}": "num1_signed",
    "turnover_avg_cny": "wanyi", "turnover_run_sessions.{code}": "days_signed",
    "footprint_days": "count", "footprint_flow_cny": "yi_signed",
}


def check_refs(p: MarketTemperatureParams, ref: Reference) -> list[tuple[str, str]]:
    problems = unknown_codes("turnover.indices", p.turnover.indices, ref.known_index_codes(),
                             "index code")
    problems += unknown_codes("national_team.etfs", p.national_team.etfs,
                              list(ref.etfs["etf_code"]), "ETF code")
    problems += unknown_codes("national_team.benchmark", (p.national_team.benchmark,),
                              ref.known_index_codes(), "index code")
    return problems


def _history(p: MarketTemperatureParams) -> int:
    return max(7 * p.turnover.history_weeks, 400) + 14


SPEC = register(SectionSpec(
    name="market_temperature", part="assets",
    title_zh="市场温度", title_en="Market temperature",
    params_model=MarketTemperatureParams, datasets=(QVIX, INDEX, ETF),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/market_temperature.html.j2", history_days=_history,
    # ETF flows only for the footprint's look-back (plus the row before it); QVIX for a year
    dataset_history_days=lambda p: {ETF: 7 * (p.national_team.lookback_weeks + 2) + 7,
                                    QVIX: 380},
    check_refs=check_refs, preface=True,
    description="Implied (QVIX) vs realised volatility; turnover regime with thresholds, runs "
                "and analogues; national-team footprint in broad-based ETF creations. Numbered "
                "N.0 when it opens its chapter. Metric codes: a QVIX series (50etf, ...) or a "
                "turnover threshold in 亿元 (10000 = 1万亿元; the run is signed: + above, "
                "- below).",
    metrics=metrics, metric_formats=METRIC_FORMATS,
))
