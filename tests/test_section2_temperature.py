"""Market temperature (2.0) and macro releases (end of chapter 2): metrics on hand-made series
with every expected value worked out by hand (a turnover run across the National Day holiday, an
analogue week found across New Year, a QVIX percentile at the edge of its one-year window, a
week without a macro release), the adapters through akshare's own parsing code, and both
sections end to end on the sample week."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fundflow.calendar import ReportWeek
from fundflow.charts.save import render_png
from fundflow.charts.style import ChartStyle
from fundflow.data.sample import read_sample
from fundflow.data.schemas import conform
from fundflow.data.sources import get_adapter
from fundflow.data.sources.base import FetchContext
from fundflow.errors import SectionError
from fundflow.metrics.flows import etf_daily_flows
from fundflow.metrics.macro import (
    estimated_release, parse_month, reference_month_of, release_window, releases_in,
)
from fundflow.metrics.temperature import (
    footprint_days, group_daily_flows, index_daily_returns, percentile_1y, realised_vol_pct,
    threshold_run, turnover_analogue, weekly_averages,
)
from fundflow.narrative import render
from fundflow.reference import load_reference
from fundflow.sections import macro_releases, market_temperature, registry
from fundflow.sections.base import (
    ChartExhibit, ExhibitEnv, Params, SectionEnv, SectionInput, TableExhibit,
)
from tests.test_section3_etf_northbound import assert_numbers_from_exhibits
from tests.shared import seeded_sample_store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "seeds" / "sample"
WAN_YI = 1e12
YI = 1e8


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


def series(values: dict[str, float]) -> pd.Series:
    return pd.Series(list(values.values()), index=pd.DatetimeIndex([ts(d) for d in values]))


# -- volatility ---------------------------------------------------------------------------------
def test_realised_vol_by_hand() -> None:
    closes = series({"2025-11-03": 100.0, "2025-11-04": 101.0, "2025-11-05": 100.0,
                     "2025-11-06": 101.0, "2025-11-07": 100.0})
    # last 2 returns: ln(101/100) = +0.0099503, ln(100/101) = -0.0099503; mean 0;
    # sample std = sqrt(2 x 0.0099503^2 / 1) = 0.0140719; x sqrt(252) x 100 = 22.34%
    r = math.log(1.01)
    want = math.sqrt(2 * r * r) * math.sqrt(252) * 100
    assert realised_vol_pct(closes, date(2025, 11, 7), 2) == pytest.approx(want)
    assert want == pytest.approx(22.339, abs=1e-3)
    # as of Thursday: returns +r, -r, +r -> std = sqrt((3 x (r - r/3)^2 ...)) by numpy, ddof 1
    rets = np.array([r, -r, r])
    assert realised_vol_pct(closes, date(2025, 11, 6), 3) == pytest.approx(
        float(np.std(rets, ddof=1)) * math.sqrt(252) * 100)
    # fewer returns than sessions asked for: no number
    assert math.isnan(realised_vol_pct(closes, date(2025, 11, 7), 5))


def test_qvix_percentile_at_the_edge_of_the_one_year_window() -> None:
    s = series({"2024-11-07": 10.0,     # exactly one year before t1: outside the window
                "2024-11-08": 30.0,     # the first day inside
                "2025-05-01": 20.0,
                "2025-11-07": 25.0})    # t1
    # window (2024-11-07, 2025-11-07]: 30, 20, 25 -> values <= 25: 20, 25 -> 2/3
    pct, n = percentile_1y(s, date(2025, 11, 7), min_obs=2)
    assert n == 3 and pct == pytest.approx(200 / 3)
    # one day later the 30 has left the window too: 20, 25 -> 2/2 (and 25 is the top: 100%)
    s2 = pd.concat([s, series({"2025-11-08": 25.0})]).sort_index()
    pct, n = percentile_1y(s2, date(2025, 11, 8), min_obs=2)
    assert n == 3 and pct == pytest.approx(100.0)   # 20, 25 (11-07), 25 (11-08): all <= 25
    # too few values in the window: no percentile
    assert math.isnan(percentile_1y(s, date(2025, 11, 7), min_obs=4)[0])


# -- turnover regime ----------------------------------------------------------------------------
def test_turnover_run_spans_the_national_day_holiday() -> None:
    # sessions around the 2025-10-01..08 holiday (no rows on those days), in 万亿元
    t = series({"2025-09-26": 1.8, "2025-09-29": 2.1, "2025-09-30": 2.2, "2025-10-09": 2.3,
                "2025-10-10": 2.05}) * WAN_YI
    run = threshold_run(t, 2.0 * WAN_YI, date(2025, 10, 10))
    # 09-29, 09-30, 10-09, 10-10 are >= 2: four sessions, the holiday does not break the run
    assert (run.side, run.sessions, run.start, run.capped) == ("above", 4, date(2025, 9, 29),
                                                              False)
    # above 1 trillion on every loaded session: a run of at least 5 (capped)
    run1 = threshold_run(t, 1.0 * WAN_YI, date(2025, 10, 10))
    assert (run1.side, run1.sessions, run1.capped) == ("above", 5, True)
    # exactly at the threshold counts as above
    assert threshold_run(series({"2025-10-10": 2.0}) * WAN_YI, 2.0 * WAN_YI,
                         date(2025, 10, 10)).side == "above"
    # as of 09-26: below 2 for one session
    below = threshold_run(t, 2.0 * WAN_YI, date(2025, 9, 26))
    assert (below.side, below.sessions) == ("below", 1)


NEW_YEAR = {  # 万亿元; 2025-01-01 is a holiday
    "2024-12-16": 1.0, "2024-12-17": 1.0, "2024-12-18": 1.0, "2024-12-19": 1.0,
    "2024-12-20": 1.0,
    "2024-12-23": 1.5, "2024-12-24": 1.5, "2024-12-25": 1.5, "2024-12-26": 1.5,
    "2024-12-27": 1.5,
    "2024-12-30": 1.3, "2024-12-31": 1.5, "2025-01-02": 1.4, "2025-01-03": 1.4,
    "2025-01-06": 1.3, "2025-01-07": 1.3, "2025-01-08": 1.3, "2025-01-09": 1.3,
    "2025-01-10": 1.3,
    "2025-01-13": 1.2, "2025-01-14": 1.2, "2025-01-15": 1.2, "2025-01-16": 1.2,
    "2025-01-17": 1.2,
}


def test_weekly_average_of_the_week_across_new_year_is_one_week() -> None:
    w = weekly_averages(series(NEW_YEAR) * WAN_YI) / WAN_YI
    assert list(w.index.date) == [date(2024, 12, 16), date(2024, 12, 23), date(2024, 12, 30),
                                  date(2025, 1, 6), date(2025, 1, 13)]
    # (1.3 + 1.5 + 1.4 + 1.4) / 4 = 1.4, Monday 2024-12-30 to Friday 2025-01-03
    assert w.loc[ts("2024-12-30")] == pytest.approx(1.4)


def test_analogue_found_across_a_year_boundary() -> None:
    w = weekly_averages(series(NEW_YEAR) * WAN_YI)
    a = turnover_analogue(w, date(2025, 1, 13))
    assert a is not None
    # 1.2 this week; earlier weeks 1.0, 1.5, 1.4, 1.3: the last lower one is the week of
    # 2024-12-16 (1.0), with three weeks between (12-23, 12-30, 01-06) -> lowest since then
    assert (a.kind, a.since_monday, a.weeks, a.whole_history) == (
        "lowest", date(2024, 12, 16), 3, False)
    assert a.since_value == pytest.approx(1.0 * WAN_YI)
    # the week of 01-06 (1.3): highest? 1.4 (12-30) is higher; lowest? 1.0 (12-16) lower with
    # two weeks between, 'highest' has none between (12-30 is just before): lowest wins
    b = turnover_analogue(w, date(2025, 1, 6))
    assert b is not None and (b.kind, b.since_monday, b.weeks) == ("lowest", date(2024, 12, 16), 2)
    # the week of 12-23 (1.5) is above everything before it: highest of the whole history
    c = turnover_analogue(w, date(2024, 12, 23))
    assert c is not None and (c.kind, c.whole_history, c.weeks, c.first_monday) == (
        "highest", True, 1, date(2024, 12, 16))
    assert turnover_analogue(w, date(2024, 12, 16)) is None     # nothing before it


# -- national team footprint --------------------------------------------------------------------
def test_footprint_days_by_hand() -> None:
    # units in 1e8 so flows come out in 亿元; A and B track CSI 300, C tracks SSE 50
    rows = [("A", "2025-11-03", 100, 4.0), ("A", "2025-11-04", 110, 4.0),
            ("A", "2025-11-05", 125, 4.0),
            ("B", "2025-11-03", 50, 2.0), ("B", "2025-11-04", 60, 2.0),
            ("B", "2025-11-05", 60, 2.0),
            ("C", "2025-11-03", 10, 3.0), ("C", "2025-11-04", 30, 3.0),
            ("C", "2025-11-05", 30, 3.0)]
    etf = pd.DataFrame([{"etf_code": c, "trade_date": ts(d), "shares": s * YI, "close": p}
                        for c, d, s, p in rows])
    idx = pd.DataFrame([{"index_code": c, "trade_date": ts(d), "close": v} for c, d, v in [
        ("000300", "2025-11-03", 4000.0), ("000300", "2025-11-04", 3960.0),
        ("000300", "2025-11-05", 4000.0),
        ("000016", "2025-11-03", 3000.0), ("000016", "2025-11-04", 2970.0),
        ("000016", "2025-11-05", 2980.0)]])
    tracks = {"A": "000300", "B": "000300", "C": "000016"}
    g = group_daily_flows(etf_daily_flows(etf), tracks).set_index(["index_code", "trade_date"])
    # 11-04: A +10 x 4.0 = 40, B +10 x 2.0 = 20 -> CSI 300 group +60; C +20 x 3.0 = 60
    assert g.at[("000300", ts("2025-11-04")), "flow_cny"] == pytest.approx(60 * YI)
    assert g.at[("000016", ts("2025-11-04")), "flow_cny"] == pytest.approx(60 * YI)
    # 11-05: A +15 x 4.0 = 60 on a rising day (+1.01%)
    assert g.at[("000300", ts("2025-11-05")), "flow_cny"] == pytest.approx(60 * YI)
    rets = index_daily_returns(idx, ["000300", "000016"])
    days = footprint_days(g.reset_index(), rets, start=date(2025, 11, 3), end=date(2025, 11, 7),
                          min_flow_cny=50 * YI)
    # both indices fell 1% on 11-04 with 60亿 of creations; 11-05 rose: not flagged; the
    # larger creation first, ties by code
    assert list(zip(days["trade_date"].dt.date, days["index_code"])) == [
        (date(2025, 11, 4), "000016"), (date(2025, 11, 4), "000300")]
    assert days["return_pct"].tolist() == pytest.approx([-1.0, -1.0])
    assert days["n_etfs"].tolist() == [1, 2]
    # a higher bar leaves nothing; a deeper required fall too
    assert footprint_days(g.reset_index(), rets, start=date(2025, 11, 3), end=date(2025, 11, 7),
                          min_flow_cny=61 * YI).empty
    assert footprint_days(g.reset_index(), rets, start=date(2025, 11, 3), end=date(2025, 11, 7),
                          min_flow_cny=50 * YI, max_return_pct=-1.5).empty


# -- macro releases -----------------------------------------------------------------------------
def test_reference_months_and_estimated_release_dates() -> None:
    assert reference_month_of(date(2025, 10, 31)) == "2025-10"   # PMI: its own month
    assert reference_month_of(date(2025, 11, 9)) == "2025-10"    # CPI of October
    assert reference_month_of(date(2025, 1, 13)) == "2024-12"    # across New Year
    assert reference_month_of(date(2025, 3, 17)) == "2025-02"    # Jan-Feb combined
    assert estimated_release("2025-12") == date(2026, 1, 15)
    assert estimated_release("2025-09") == date(2025, 10, 15)
    assert [parse_month(x) for x in ("2025年10月份", "202510", "2025-10", "2025.1", "x")] == [
        "2025-10", "2025-10", "2025-10", "2025-01", None]


def _macro_frame() -> pd.DataFrame:
    return pd.DataFrame([
        {"release_date": ts("2025-10-31"), "indicator": "pmi_mfg", "reference_month": "2025-10",
         "actual": 49.0, "expected": 49.6, "previous": 49.8, "date_basis": "source"},
        {"release_date": ts("2025-11-09"), "indicator": "cpi_yoy", "reference_month": "2025-10",
         "actual": 0.2, "expected": 0.0, "previous": -0.3, "date_basis": "source"},
        {"release_date": ts("2025-10-15"), "indicator": "tsf_cny", "reference_month": "2025-09",
         "actual": 35300 * YI, "expected": np.nan, "previous": 25700 * YI,
         "date_basis": "estimated"}])


def test_release_window_every_day_in_one_week() -> None:
    # W = 11-03..11-07 after W-1 ending Friday 10-31: Saturday 11-01 .. Friday 11-07
    assert release_window(date(2025, 11, 3), date(2025, 11, 7), date(2025, 10, 31), False) == (
        date(2025, 11, 1), date(2025, 11, 7))
    # through Sunday: Monday 11-03 .. Sunday 11-09 (the Sunday before belonged to W-1)
    assert release_window(date(2025, 11, 3), date(2025, 11, 7), date(2025, 10, 31), True) == (
        date(2025, 11, 3), date(2025, 11, 9))


def test_a_week_with_no_macro_release(ref: Any) -> None:
    # PMI came out on Friday 10-31 (the week before), CPI on Sunday 11-09 (after the week)
    f = _macro_frame()
    assert releases_in(f, date(2025, 11, 1), date(2025, 11, 7), ("pmi_mfg", "cpi_yoy")).empty
    inp = _input(ref, {"macro_releases": f}, macro_releases.MacroReleasesParams())
    ctx = macro_releases.compute(inp)
    assert ctx.releases.empty and ctx.window == (date(2025, 11, 1), date(2025, 11, 7))
    facts = macro_releases.facts(ctx, _env(ref, "zh"))
    assert [x.kind for x in facts] == ["macro_releases.none"]
    assert render(facts[0], "zh") == "本周无主要宏观数据发布。"
    (table,) = macro_releases.exhibits(ctx, _env(ref, "zh"))
    assert isinstance(table, TableExhibit)
    assert "无发布" in table.title
    # the latest prints up to the week's end instead: PMI (10-31) and TSF (10-15, estimated)
    assert [r["name"] for r in table.rows] == ["官方制造业PMI", "社会融资规模增量（亿元）"]
    assert table.rows[1]["released"] == "2025-10-15（估）"
    assert table.rows[1]["actual"] == "35,300" and table.rows[1]["change"] == "+9,600"
    # counted through Sunday, October's CPI (11-09) is this week's: 0.2% vs 0.0% expected
    ctx2 = macro_releases.compute(_input(ref, {"macro_releases": f},
                                         macro_releases.MacroReleasesParams(through_sunday=True)))
    assert ctx2.releases["indicator"].tolist() == ["cpi_yoy"]
    (fact,) = macro_releases.facts(ctx2, _env(ref, "zh"))
    assert render(fact, "zh") == "10月CPI同比为0.2%，前值-0.3%，高于预期0.0%。"
    assert render(fact, "en") == ("The October CPI, year on year came in at 0.2%, after -0.3%, "
                                  "above the expected 0.0%.")
    assert_numbers_from_exhibits([fact], macro_releases.exhibits(ctx2, _env(ref, "zh")))
    assert macro_releases.metrics(ctx2) == {"releases": 1.0, "actual.cpi_yoy": 0.2,
                                            "surprise.cpi_yoy": pytest.approx(0.2)}
    # a store whose latest release is over max_age_days old at the week's end was not collected
    # (not a quiet week): the section is unavailable rather than saying "nothing released"
    old = f.assign(release_date=f["release_date"] - pd.Timedelta(days=60))
    with pytest.raises(SectionError, match="more than 35 days old"):
        macro_releases.compute(_input(ref, {"macro_releases": old},
                                      macro_releases.MacroReleasesParams()))


# -- sections end to end on the sample week -----------------------------------------------------
@pytest.fixture(scope="module")
def ref():  # type: ignore[no-untyped-def]
    return load_reference(ROOT / "seeds")


WEEK = tuple(date(2025, 11, d) for d in range(3, 8))
PREV = tuple(date(2025, 10, d) for d in range(27, 32))


def _env(ref: Any, lang: str, params: Params | None = None) -> SectionEnv[Any]:
    """What exhibits and facts see; by default the market temperature section's default params
    (the macro section reads none)."""
    return ExhibitEnv(lang=lang, style=ChartStyle(dpi=40), ref=ref,  # type: ignore[arg-type]
                      sources={}, as_of={}).for_section(
        params if params is not None else market_temperature.MarketTemperatureParams())


def _input(ref: Any, frames: dict[str, pd.DataFrame], params: Any) -> SectionInput:
    return SectionInput(week=ReportWeek(WEEK[0], WEEK[-1], WEEK, "weekdays"),
                        prev_week=ReportWeek(PREV[0], PREV[-1], PREV, "weekdays"),
                        history_start=date(2024, 6, 1), frames=frames, params=params, ref=ref)


@pytest.fixture(scope="module")
def sample_frames() -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("qvix_daily", "index_daily", "etf_daily", "macro_releases"):
        f = conform(name, read_sample(SAMPLE, name))
        if "trade_date" in f.columns:
            f = f[f["trade_date"] <= ts("2025-11-07")]
        out[name] = f
    return out


def test_temperature_on_the_sample_week(ref: Any, sample_frames: dict[str, pd.DataFrame]) -> None:
    p = market_temperature.MarketTemperatureParams()
    ctx = market_temperature.compute(_input(ref, sample_frames, p))
    assert ctx.vol is not None and ctx.turnover is not None and ctx.footprint is not None
    # QVIX 50ETF: week-end close and weekly change straight from the sample file
    q = sample_frames["qvix_daily"]
    q50 = q[q["qvix_code"] == "50etf"].set_index("trade_date")["close"]
    row = ctx.vol.rows[0]
    assert row.code == "50etf" and row.index_code == "000016"
    assert row.level == q50[ts("2025-11-07")]
    assert row.change == pytest.approx(q50[ts("2025-11-07")] - q50[ts("2025-10-31")])
    assert 10 <= row.level <= 35 and 0 <= row.percentile <= 100
    # two-market turnover: the sample fixes this week's average at ~2.01 and last week's ~2.33
    tc = ctx.turnover
    assert tc.week_avg / WAN_YI == pytest.approx(2.012, abs=0.005)
    assert tc.prev_avg / WAN_YI == pytest.approx(2.332, abs=0.005)
    assert tc.week_sessions == 5
    # 11-06 (2.05) and 11-07 (2.04) are above 2 trillion, 11-05 (1.90) is not
    assert (tc.runs[1].side, tc.runs[1].sessions, tc.runs[1].start) == (
        "above", 2, date(2025, 11, 6))
    # the sample week: ETFs redeemed every day, so no footprint this week; 10-16 in the window
    fc = ctx.footprint
    assert fc.days["trade_date"].min() >= ts("2025-10-13")
    assert not (fc.days["trade_date"] >= ts("2025-11-03")).any()
    m = market_temperature.metrics(ctx)
    assert m["footprint_days"] == 0 and m["turnover_run_sessions.20000"] == 2
    assert m["turnover_run_sessions.10000"] > 100
    for lang in ("zh", "en"):
        env = _env(ref, lang)
        exs = market_temperature.exhibits(ctx, env)
        assert [x.key for x in exs] == ["temp_vol_table", "temp_vol_chart",
                                        "temp_turnover_chart", "temp_turnover_table",
                                        "temp_footprint_table", "temp_footprint_chart"]
        facts = market_temperature.facts(ctx, env)
        assert_numbers_from_exhibits(facts, exs)
        text = " ".join(render(f, lang) for f in facts)
        assert ("2.01" in text and "2.33" in text)
        for ex in exs:
            if isinstance(ex, ChartExhibit):
                assert render_png(ex.make, env.style, name=ex.key)[:4] == b"\x89PNG"
    zh = "".join(render(f, "zh") for f in market_temperature.facts(ctx, _env(ref, "zh")))
    assert "两市成交额已连续2个交易日高于2.00万亿元（自2025-11-06起）" in zh
    assert "本周未见大型宽基ETF在指数下跌日大额净申购" in zh


def test_parts_can_be_switched_off(ref: Any, sample_frames: dict[str, pd.DataFrame]) -> None:
    p = market_temperature.MarketTemperatureParams.model_validate(
        {"volatility": {"enabled": False}, "national_team": {"enabled": False}})
    ctx = market_temperature.compute(_input(ref, sample_frames, p))
    assert ctx.vol is None and ctx.footprint is None
    keys = [x.key for x in market_temperature.exhibits(ctx, _env(ref, "zh", p))]
    assert keys == ["temp_turnover_chart", "temp_turnover_table"]


def test_params_are_checked() -> None:
    M = market_temperature.MarketTemperatureParams
    with pytest.raises(ValueError, match="ascending"):
        M.model_validate({"turnover": {"thresholds_wanyi": [2.0, 1.0]}})
    with pytest.raises(ValueError, match="unknown QVIX series"):
        M.model_validate({"volatility": {"series": ["vix"]}})
    with pytest.raises(ValueError, match="extra"):
        M.model_validate({"turnover": {"threshold": 1}})
    with pytest.raises(ValueError, match="unknown indicator"):
        macro_releases.MacroReleasesParams.model_validate({"indicators": ["gdp"]})


def test_national_team_footprint_in_the_week(ref: Any,
                                             sample_frames: dict[str, pd.DataFrame]) -> None:
    # the sample's CSI 300 ETFs on 11-04 (CSI 300 -0.77%): raise 510300's units by 20亿 worth
    etf = sample_frames["etf_daily"].copy()
    later = (etf["etf_code"] == "510300") & (etf["trade_date"] >= ts("2025-11-04"))
    price = float(etf.loc[(etf["etf_code"] == "510300") & (etf["trade_date"] == ts("2025-11-04")),
                          "close"].iloc[0])
    frames = dict(sample_frames, etf_daily=etf)
    base = market_temperature.compute(_input(ref, frames, market_temperature.MarketTemperatureParams()))
    assert base.footprint is not None
    g_before = base.footprint.chart.loc[ts("2025-11-04"), "flow_cny"]
    etf.loc[later, "shares"] += 60 * YI / price
    ctx = market_temperature.compute(_input(ref, frames, market_temperature.MarketTemperatureParams()))
    assert ctx.footprint is not None
    week = ctx.footprint.days[ctx.footprint.days["trade_date"] >= ts("2025-11-03")]
    assert week["trade_date"].dt.date.tolist() == [date(2025, 11, 4)]
    assert week["index_code"].tolist() == ["000300"]
    assert ctx.footprint.chart.loc[ts("2025-11-04"), "flow_cny"] == pytest.approx(g_before + 60 * YI)
    env = _env(ref, "zh")
    facts = market_temperature.facts(ctx, env)
    fp = [f for f in facts if f.kind == "market_temperature.footprint"]
    assert len(fp) == 1 and "11-04 沪深300" in render(fp[0], "zh")
    assert_numbers_from_exhibits(fp, market_temperature.exhibits(ctx, env))
    assert market_temperature.metrics(ctx)["footprint_days"] == 1


def test_registry_lists_params_and_alert_metrics() -> None:
    from fundflow.introspect import sections_listing

    text = sections_listing()
    for name in ("market_temperature", "macro_releases"):
        assert registry.get(name) is not None and name in text
    assert "param turnover.thresholds_wanyi: list of number = [1.0, 2.0]" in text
    assert "qvix_percentile.{code}" in text and "turnover_run_sessions.{code}" in text
    spec = registry.get("market_temperature")
    assert spec is not None and spec.preface and spec.part == "assets"


# -- adapters through akshare's own parsing -------------------------------------------------------
def _ctx(dataset: str, ak: Any) -> FetchContext:
    def call(site: str, fn: str, dataset: str = "", **kw: Any) -> pd.DataFrame:
        return getattr(ak, fn)(**kw)
    return FetchContext(dataset, call, load_reference(ROOT / "seeds"), date(2024, 6, 1),
                        date(2025, 11, 7))


@pytest.mark.filterwarnings("ignore::pandas.errors.SettingWithCopyWarning")   # akshare's own
def test_qvix_adapter_through_akshare_positional_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    import akshare
    from akshare.index import index_option_qvix as mod

    # optbbs k.csv: date, then 4 columns per series; 50ETF at 1-4, 300ETF at 9-12
    raw = pd.DataFrame([["2025-11-06"] + [float(i) for i in range(1, 90)],
                        ["2025-11-07"] + [float(i) + 0.5 for i in range(1, 90)],
                        ["bad"] + [np.nan] * 89])
    ctx = _ctx("qvix_daily", akshare)       # reads the seeds before read_csv is replaced
    monkeypatch.setattr(mod.pd, "read_csv", lambda *a, **k: raw)
    getattr(mod, "__get_optbbs_daily").cache_clear()
    try:
        a = get_adapter("qvix_daily")
        out = a.fetch_range(ctx, "300etf", date(2025, 11, 7), date(2025, 11, 7))
    finally:
        monkeypatch.undo()
        getattr(mod, "__get_optbbs_daily").cache_clear()
    # one row in range; 300ETF columns 9..12 -> open 9.5, high 10.5, low 11.5, close 12.5
    assert out["trade_date"].tolist() == [ts("2025-11-07")]
    assert out[["open", "high", "low", "close"]].iloc[0].tolist() == [9.5, 10.5, 11.5, 12.5]
    conform("qvix_daily", out)


def test_macro_adapter_through_akshare_jin10_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    import akshare
    from akshare.economic import macro_china as mod

    pages = [{"data": {"values": [["2025-11-07", "-1.1", "3", "8.3"],
                                  ["2025-12-09", None, None, "-1.1"]]}},
             {"data": {"values": []}}]

    class Resp:
        def __init__(self, payload: dict[str, Any]) -> None:
            self.payload = payload

        def json(self) -> dict[str, Any]:
            return self.payload

    it = iter(pages)
    monkeypatch.setattr(mod.requests, "get", lambda *a, **k: Resp(next(it)))
    a = get_adapter("macro_releases")
    frame = akshare.macro_china_exports_yoy()
    assert list(frame.columns) == ["商品", "日期", "今值", "预测值", "前值"]
    out = a._jin10(_ctx("macro_releases", akshare), "exports_yoy",  # type: ignore[attr-defined]
                   "macro_china_exports_yoy", frame)
    # the scheduled December row (no actual yet) is dropped; October's exports released 11-07
    assert out[["indicator", "reference_month", "actual", "expected", "previous"]].to_dict(
        "records") == [{"indicator": "exports_yoy", "reference_month": "2025-10", "actual": -1.1,
                        "expected": 3.0, "previous": 8.3}]
    assert out["release_date"].tolist() == [ts("2025-11-07")]


def test_macro_adapter_estimates_dates_of_monthly_tables() -> None:
    from tests.fake_akshare import FakeAkshare

    ak = FakeAkshare()
    a = get_adapter("macro_releases")
    out = a._monthly(_ctx("macro_releases", ak), "new_loans_cny",  # type: ignore[attr-defined]
                     "macro_china_new_financial_credit", ak.macro_china_new_financial_credit(),
                     "当月", [])
    last = out.iloc[-1]
    # '2025年09月份' 12,900亿元 -> reference 2025-09, estimated release 2025-10-15, previous =
    # August's 5,900亿元 (the table is newest first; the adapter sorts by month)
    assert last["reference_month"] == "2025-09" and last["release_date"] == ts("2025-10-15")
    assert last["actual"] == pytest.approx(12900 * YI)
    assert last["previous"] == pytest.approx(5900 * YI)
    assert (out["date_basis"] == "estimated").all()
    assert math.isnan(out.iloc[0]["previous"])      # nothing before the first month


def test_every_new_akshare_function_has_a_fake() -> None:
    from tests.fake_akshare import FakeAkshare
    from fundflow.data.sources.temperature import MACRO_FUNCTIONS, QVIX_FUNCTIONS

    ak = FakeAkshare()
    for fn in list(QVIX_FUNCTIONS.values()) + [f for _s, f, _k in MACRO_FUNCTIONS.values()]:
        assert callable(getattr(ak, fn)), fn


# -- placement: 2.0 before 2.1, the macro table last in chapter 2, both movable ------------------
def test_a_preface_fact_competes_but_does_not_take_the_chapter_headline() -> None:
    from fundflow.narrative.core import Candidate, choose_core_views

    c = [Candidate(0, 0, "market_temperature", 3.5, "vol", "assets", headline=False),
         Candidate(1, 0, "major_assets", 0.2, "assets lead", "assets"),
         Candidate(2, 0, "leverage", 0.1, "flows lead", "flows"),
         Candidate(3, 0, "macro_releases", 0.1, "macro", "assets")]
    # both chapter headlines (the first fact of each chapter's first regular section), then the
    # preface's notable fact on its score, shown in report order
    assert [v.text for v in choose_core_views(c)] == ["vol", "assets lead", "flows lead"]


def _build(tmp: Path, sections: list[Any] | None = None) -> Any:
    from datetime import datetime, timezone

    from fundflow.build import BuildRequest, build
    from fundflow.config import load_config

    cfg = load_config(ROOT / "config.yaml")
    update: dict[str, Any] = {
        "data": cfg.data.model_copy(update={"sample_store": seeded_sample_store(tmp / "sample.duckdb")}),
        "output": cfg.output.model_copy(update={"pdf": False, "excel": False})}
    if sections is not None:
        update["sections"] = sections
    return build(cfg.model_copy(update=update),
                 BuildRequest(week=date(2025, 11, 7), source="sample", lang="zh",
                              out_dir=tmp / "reports"),
                 now=datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc))


def test_sample_report_numbering_sources_and_core_views(sample_report: Any) -> None:
    import json
    import re

    res = sample_report   # the shipped config's report of the sample week (conftest)
    html = res.html.read_text(encoding="utf-8")
    heads = re.findall(r'<h2[^>]*>\s*(?:<[^>]+>)*\s*(\d\.\d+) ([^<]+)<', html)
    numbers = [n for n, _t in heads]
    assert ("2.0", "市场温度") in [(n, t.strip()) for n, t in heads]
    assert numbers.index("2.0") < numbers.index("2.1")
    chapter2 = [(n, t.strip()) for n, t in heads if n.startswith("2.")]
    assert chapter2[-1] == ("2.7", "本周宏观数据")
    manifest = json.loads((res.folder / "manifest.json").read_text(encoding="utf-8"))
    ours = [e for e in manifest["exhibits"]
            if e["section"] in ("market_temperature", "macro_releases")]
    assert [e["number"] for e in ours][:6] == [1, 2, 3, 4, 5, 6]
    assert len(ours) == 7
    assert [e["key"] for e in ours] == ["temp_vol_table", "temp_vol_chart",
                                        "temp_turnover_chart", "temp_turnover_table",
                                        "temp_footprint_table", "temp_footprint_chart",
                                        "macro_table"]
    # every exhibit has a source line; the QVIX one names optbbs
    assert html.count('class="ex-source"') == len(manifest["exhibits"])
    assert "optbbs" in html
    # their facts compete for the cover with scores (the sample week's flows score higher;
    # test_a_preface_fact_competes_... shows a notable one being chosen)
    scored = {f["kind"]: f["score"] for f in manifest["facts"]
              if f["section"] in ("market_temperature", "macro_releases")}
    assert {"market_temperature.vol", "market_temperature.turnover",
            "macro_releases.release_exp"} <= set(scored)
    assert scored["macro_releases.release_exp"] > 1.0     # exports -1.1% vs 3.0% expected


def test_sections_can_be_moved_and_switched_off(tmp_path: Path) -> None:
    from fundflow.config import load_config

    entries = list(load_config(ROOT / "config.yaml").sections)
    by = {e.section: e for e in entries}
    # temperature switched off, macro moved to the front of chapter 2
    moved = ([by["macro_releases"]] + [e.model_copy(update={"enabled": False})
                                       if e.section == "market_temperature" else e
                                       for e in entries if e.section != "macro_releases"])
    res = _build(tmp_path, moved)
    html = res.html.read_text(encoding="utf-8")
    assert "市场温度" not in html
    import re
    heads = [(n, t.strip()) for n, t in
             re.findall(r'<h2[^>]*>\s*(?:<[^>]+>)*\s*(\d\.\d+) ([^<]+)<', html)]
    assert heads[0] == ("2.1", "本周宏观数据")     # a regular section: numbering starts at 1
