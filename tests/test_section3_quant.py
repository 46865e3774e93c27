"""Section 3.2 (quant funds): enhanced-fund excess returns and index futures basis / open
interest, on small hand-made frames whose expected values are worked out in the comments; streaks
on multi-week frames with a holiday-shortened week and a week without sessions; expiries of the
sample's contracts against the third-Friday rule."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fundflow import formatting as F
from fundflow.calendar import ReportWeek, TradingCalendar
from fundflow.charts.style import ChartStyle
from fundflow.data.sample import read_sample
from fundflow.data.schemas import DATASETS
from fundflow.metrics.basis import (
    annualised_basis_pct, assign_tenors, basis_panel, beyond, complete_contracts,
    expiry_by_rule, last_session_per_week, open_interest_change, open_interest_totals,
    parse_contract, percentile_in_window, third_friday, threshold_streak, weekly_stats,
)
from fundflow.metrics.quant import (
    Week, compound_return_pct, excess_for_week, excess_history, fund_week_returns,
    index_week_return_pct, summarise_excess, weeks_ending,
)
from fundflow.narrative import Fact, render
from fundflow.reference import Reference, load_reference
from fundflow.sections import index_futures, quant_funds
from fundflow.sections.base import ExhibitEnv, Params, SectionEnv, SectionInput, TableExhibit

ROOT = Path(__file__).resolve().parents[1]


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


def d(s: str) -> date:
    return date.fromisoformat(s)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference(ROOT / "seeds")


def env(ref: Reference, params: Params, lang: str = "zh") -> SectionEnv[Any]:
    """What a section's exhibits and facts see: the report's env and the section's params."""
    return ExhibitEnv(lang=lang, style=ChartStyle(), ref=ref).for_section(  # type: ignore[arg-type]
        params)


def said(facts: list[Fact], lang: str) -> str:
    """The opening paragraph the facts render to."""
    return ("" if lang == "zh" else " ").join(render(f, lang) for f in facts)  # type: ignore[arg-type]


# ============================================================================================
# expiries
# ============================================================================================
def test_third_friday() -> None:
    assert third_friday(2025, 10) == date(2025, 10, 17)    # Oct 2025: Fridays 3, 10, 17
    assert third_friday(2025, 11) == date(2025, 11, 21)
    assert third_friday(2026, 5) == date(2026, 5, 15)      # the 1st is a Friday -> 15th
    assert third_friday(2025, 2) == date(2025, 2, 21)      # the 1st is a Saturday -> 21st


def test_expiry_rolls_past_a_holiday_to_the_next_session() -> None:
    # hand-made June 2026: Friday 19th (Dragon Boat) is closed, Monday 22nd trades
    june = [date(2026, 6, 1) + timedelta(days=i) for i in range(30)]
    sessions = [x for x in june if x.weekday() < 5 and x != date(2026, 6, 19)]
    assert expiry_by_rule(2026, 6, sessions) == date(2026, 6, 22)
    # without the holiday the Friday itself
    assert expiry_by_rule(2026, 6, [x for x in june if x.weekday() < 5]) == date(2026, 6, 19)


def test_expiry_rule_with_the_exchange_calendar() -> None:
    sessions = TradingCalendar().sessions(date(2024, 1, 1), date(2026, 12, 31))
    assert expiry_by_rule(2025, 10, sessions) == date(2025, 10, 17)
    # Spring Festival 2024: Friday 16 Feb closed; IF2402 expired on Monday 19 Feb
    assert expiry_by_rule(2024, 2, sessions) == date(2024, 2, 19)
    assert expiry_by_rule(2026, 6, sessions) == date(2026, 6, 22)


def test_expiry_rule_needs_sessions_covering_the_month() -> None:
    with pytest.raises(ValueError, match="does not cover"):
        expiry_by_rule(2025, 12, [date(2025, 11, 3)])


def test_sample_expiries_match_the_rule() -> None:
    c = read_sample(ROOT / "seeds" / "sample", "futures_contracts")
    sessions = TradingCalendar().sessions(date(2024, 1, 1), date(2026, 12, 31))
    got = {}
    for code, ltd in zip(c["contract_code"], c["last_trade_date"]):
        _v, y, m = parse_contract(code)
        got[code] = (expiry_by_rule(y, m, sessions), date.fromisoformat(ltd))
    assert all(rule == table for rule, table in got.values()), \
        {k: v for k, v in got.items() if v[0] != v[1]}
    assert got["IF2510"][1] == date(2025, 10, 17)
    assert got["IC2606"][1] == date(2026, 6, 22)     # rolled past the Dragon Boat holiday


def test_parse_contract() -> None:
    assert parse_contract("IF2512") == ("IF", 2025, 12)
    assert parse_contract("im2603") == ("IM", 2026, 3)
    with pytest.raises(ValueError):
        parse_contract("IF25")
    with pytest.raises(ValueError):
        parse_contract("IF2513")


# ============================================================================================
# tenors
# ============================================================================================
def contracts_frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(code, list_date, last_trade_date) -> a futures_contracts frame."""
    return pd.DataFrame({
        "contract_code": [r[0] for r in rows],
        "variety": [parse_contract(r[0])[0] for r in rows],
        "contract_month": [r[0][-4:] for r in rows],
        "list_date": [ts(r[1]) for r in rows], "last_trade_date": [ts(r[2]) for r in rows]})


IF_CONTRACTS = contracts_frame([
    ("IF2510", "2025-08-18", "2025-10-17"), ("IF2511", "2025-09-22", "2025-11-21"),
    ("IF2512", "2025-04-21", "2025-12-19"), ("IF2601", "2025-11-24", "2026-01-16"),
    ("IF2602", "2025-12-22", "2026-02-27"), ("IF2603", "2025-07-21", "2026-03-20"),
    ("IF2606", "2025-10-20", "2026-06-22"), ("IF2609", "2026-01-19", "2026-09-18"),
])


def tenors_on(day: str) -> dict[str, str]:
    t = assign_tenors(IF_CONTRACTS, d(day))
    return dict(zip(t["tenor"], t["contract_code"]))


def test_tenors_next_month_is_quarterly_but_current_quarter_comes_after_it() -> None:
    # 2025-11-07: listed 2511, 2512, 2603, 2606 (2510 expired, 2601 not yet listed).
    # Dec is a quarterly month but it is the next month; 当季 is March.
    assert tenors_on("2025-11-07") == {"m0": "IF2511", "m1": "IF2512", "q0": "IF2603",
                                       "q1": "IF2606"}


def test_tenors_on_and_after_expiry_day() -> None:
    # the expiring contract is still 当月 on its last trading day
    assert tenors_on("2025-11-21")["m0"] == "IF2511"
    # the next session: 2512 is now 当月 (and quarterly), 2601 下月, 2603 当季, 2606 下季
    assert tenors_on("2025-11-24") == {"m0": "IF2512", "m1": "IF2601", "q0": "IF2603",
                                       "q1": "IF2606"}


def test_tenors_when_next_month_is_the_quarter_month() -> None:
    # 2026-02-02: 2602 当月, 2603 下月, so 当季 is June and 下季 September
    assert tenors_on("2026-02-02") == {"m0": "IF2602", "m1": "IF2603", "q0": "IF2606",
                                       "q1": "IF2609"}


def test_complete_contracts_fills_missing_expiries_from_the_rule() -> None:
    daily = pd.DataFrame({"trade_date": [ts("2025-11-06"), ts("2025-11-07")],
                          "contract_code": ["IF2512", "IF2512"], "variety": "IF"})
    have = IF_CONTRACTS[IF_CONTRACTS["contract_code"] != "IF2512"]
    june = [date(2025, 12, 1) + timedelta(days=i) for i in range(31)]
    out = complete_contracts(have, daily, [x for x in june if x.weekday() < 5])
    row = out[out["contract_code"] == "IF2512"].iloc[0]
    assert row["last_trade_date"] == ts("2025-12-19")
    assert row["list_date"] == ts("2025-11-06")          # its first bar
    assert row["expiry_source"] == "rule"
    assert set(out.loc[out["contract_code"] != "IF2512", "expiry_source"]) == {"cffex"}


# ============================================================================================
# basis
# ============================================================================================
def test_annualised_basis_by_hand() -> None:
    # (5100 - 5000) / 5000 = 2 %; x 365 / 73 = x 5 -> 10 % a year
    assert annualised_basis_pct(5100, 5000, 73) == pytest.approx(10.0)
    # discount: (4950 - 5000) / 5000 = -1 %; x 365 / 73 = x 5 -> -5 %
    assert annualised_basis_pct(4950, 5000, 73) == pytest.approx(-5.0)
    # D < 5: skipped, or annualised over 5 days: -1 % x 73 = -73 %
    assert np.isnan(annualised_basis_pct(4950, 5000, 4))
    assert annualised_basis_pct(4950, 5000, 4, short_expiry="cap") == pytest.approx(-73.0)
    assert annualised_basis_pct(4950, 5000, 5) == pytest.approx(-1.0 * 73)
    assert np.isnan(annualised_basis_pct(float("nan"), 5000, 30))


def test_beyond_threshold_direction() -> None:
    assert beyond(-10.0, -10.0) and beyond(-12.0, -10.0) and not beyond(-9.9, -10.0)
    assert beyond(3.0, 2.0) and not beyond(1.0, 2.0)


def test_threshold_streak_skips_missing_weeks() -> None:
    s = pd.Series([-12.0, -11.0, -9.0, -10.5, np.nan, -13.0])
    # from the end: -13 yes, NaN skipped, -10.5 yes, -9 breaks -> 2
    assert threshold_streak(s, -10.0) == (2, False)
    assert threshold_streak(pd.Series([-11.0, -12.0]), -10.0) == (2, True)   # covers history
    assert threshold_streak(pd.Series([-11.0, -8.0]), -10.0) == (0, False)
    assert threshold_streak(pd.Series([1.0, 2.5, 3.0]), 2.0) == (2, False)


def test_percentile_in_window_by_hand() -> None:
    weeks = pd.to_datetime(["2025-09-05", "2025-09-12", "2025-09-19", "2025-09-26",
                            "2025-10-03"])
    s = pd.Series([3.0, 1.0, 5.0, 2.0, 2.0], index=weeks)
    # all 5: values <= 2 are 1, 2, 2 -> 3/5 = 60 %
    assert percentile_in_window(s, ts("2025-10-03"), 52, min_obs=1) == (pytest.approx(60.0), 5)
    # 2-week window: {2, 2} -> 100 %
    assert percentile_in_window(s, ts("2025-10-03"), 2, min_obs=1) == (pytest.approx(100.0), 2)
    # too few observations -> NaN with the count
    pct, n = percentile_in_window(s, ts("2025-10-03"), 52, min_obs=8)
    assert np.isnan(pct) and n == 5


# A hand-made history: one IC contract, spot 5000 every day. The weekly value is the value on
# each week's last session; the other days carry a zero basis, so a mean of the days would be
# visibly different. Week of 09-29 is holiday-shortened (Mon, Tue); week of 10-06 has no session.
WEEK_ANN = {"2025-09-05": -8.0, "2025-09-12": -11.0, "2025-09-19": -12.0,
            "2025-09-26": -9.0, "2025-09-30": -10.0, "2025-10-17": -10.5}
EXPIRY = "2025-12-19"


def _weekdays(start: str, end: str) -> list[pd.Timestamp]:
    return [x for x in pd.date_range(start, end) if x.weekday() < 5]


def history_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    days = [x for x in _weekdays("2025-09-01", "2025-10-17")
            if not (ts("2025-10-01") <= x <= ts("2025-10-10"))]
    rows = []
    for x in days:
        dte = (ts(EXPIRY) - x).days
        ann = WEEK_ANN.get(x.date().isoformat(), 0.0)
        price = 5000 * (1 + ann / 100 * dte / 365)
        rows.append({"trade_date": x, "contract_code": "IC2512", "variety": "IC",
                     "close": price, "settle": 5000.0, "volume": 1000.0,
                     "open_interest": 10_000.0 + 100 * len(rows)})
    daily = pd.DataFrame(rows)
    spot = pd.DataFrame({"trade_date": days, "variety": "IC", "spot": 5000.0})
    contracts = contracts_frame([("IC2512", "2025-04-21", EXPIRY)])
    return contracts, daily, spot


def test_last_session_per_week_with_holiday_and_empty_week() -> None:
    _c, daily, _s = history_frames()
    got = [x.date().isoformat() for x in last_session_per_week(daily["trade_date"])]
    assert got == list(WEEK_ANN)     # 09-30 for the short week; no entry for 10-06..10-10


def test_basis_panel_and_weekly_stats_on_multi_week_history() -> None:
    contracts, daily, spot = history_frames()
    weeks = last_session_per_week(daily["trade_date"])
    panel = basis_panel(contracts, daily, spot, weeks)
    assert list(panel["tenor"].unique()) == ["m0"]
    assert panel["basis_ann_pct"].to_numpy() == pytest.approx(list(WEEK_ANN.values()))
    last = panel.iloc[-1]
    assert last["days_to_expiry"] == 63          # 2025-10-17 -> 2025-12-19
    # basis in points: 5000 x -10.5 % x 63 / 365 = -90.616...
    assert last["basis_pts"] == pytest.approx(5000 * -0.105 * 63 / 365)
    stats = weekly_stats(panel, ts("2025-10-17"), window_weeks=52, thresholds={"IC": -10.0})
    r = stats.iloc[0]
    assert r["basis_ann_pct"] == pytest.approx(-10.5)
    assert r["prev_basis_ann_pct"] == pytest.approx(-10.0)   # the holiday week's Tuesday
    assert r["change_pp"] == pytest.approx(-0.5)
    # streak: -10.5 (yes), -10.0 (at the threshold: yes), -9.0 breaks -> 2 weeks; the week
    # without sessions neither breaks nor extends it
    assert (r["streak_weeks"], r["streak_from_start"]) == (2, False)
    # 6 weekly values; <= -10.5: -11, -12, -10.5 -> 50 %; but 6 < 8 observations -> NaN
    assert np.isnan(r["percentile_pct"]) and r["window_obs"] == 6
    pct, n = percentile_in_window(panel.set_index("trade_date")["basis_ann_pct"],
                                  ts("2025-10-17"), 52, min_obs=6)
    assert (pct, n) == (pytest.approx(50.0), 6)
    # 4-calendar-week window (weeks of 09-22, 09-29, 10-06, 10-13): values -9, -10, -10.5
    pct, n = percentile_in_window(panel.set_index("trade_date")["basis_ann_pct"],
                                  ts("2025-10-17"), 4, min_obs=3)
    assert (pct, n) == (pytest.approx(100 / 3), 3)


def test_streak_is_not_computed_from_one_week() -> None:
    contracts, daily, spot = history_frames()
    one = daily[daily["trade_date"] >= ts("2025-10-13")]
    panel = basis_panel(contracts, one, spot, last_session_per_week(one["trade_date"]))
    r = weekly_stats(panel, ts("2025-10-17"), window_weeks=52, thresholds={"IC": -10.0}).iloc[0]
    # one week of history: a run of 1 that reaches the start -> shown as "at least 1"
    assert (r["streak_weeks"], r["streak_from_start"]) == (1, True)


def test_short_expiry_week_is_skipped_in_streak() -> None:
    contracts, daily, spot = history_frames()
    # move the expiry to 2025-10-20: on 10-17 D = 3 < 5 -> no value that week
    c = contracts.assign(last_trade_date=ts("2025-10-20"))
    panel = basis_panel(c, daily, spot, last_session_per_week(daily["trade_date"]))
    assert np.isnan(panel.iloc[-1]["basis_ann_pct"])
    s = panel.set_index("trade_date")["basis_ann_pct"]
    # the earlier weeks' values change with D, but the rule holds: NaN is skipped
    assert threshold_streak(s, -100.0) == (0, False)
    capped = basis_panel(c, daily, spot, last_session_per_week(daily["trade_date"]),
                         short_expiry="cap")
    assert np.isfinite(capped.iloc[-1]["basis_ann_pct"])


def test_basis_uses_settle_when_asked() -> None:
    contracts, daily, spot = history_frames()
    panel = basis_panel(contracts, daily, spot, [ts("2025-10-17")], price_col="settle")
    assert panel.iloc[0]["basis_ann_pct"] == pytest.approx(0.0)


# ============================================================================================
# open interest
# ============================================================================================
def test_open_interest_change_with_roll() -> None:
    daily = pd.DataFrame({
        "trade_date": [ts("2025-10-31"), ts("2025-10-31"), ts("2025-11-07"), ts("2025-11-07")],
        "contract_code": ["IF2511", "IF2510", "IF2511", "IF2603"], "variety": "IF",
        "open_interest": [100.0, 200.0, 150.0, 50.0]})
    ch = open_interest_change(daily, date(2025, 11, 7), date(2025, 10, 31)).set_index(
        "contract_code")
    assert ch.loc["IF2511", ["oi_t1", "oi_t0", "oi_change"]].tolist() == [150, 100, 50]
    assert ch.loc["IF2511", "oi_change_pct"] == pytest.approx(50.0)
    assert ch.loc["IF2510", "oi_t1"] == 0 and ch.loc["IF2510", "oi_change"] == -200
    assert bool(ch.loc["IF2603", "new"]) and np.isnan(ch.loc["IF2603", "oi_change_pct"])
    tot = open_interest_totals(ch.reset_index()).iloc[0]
    # 150 + 0 + 50 = 200 vs 100 + 200 = 300 -> -100, -33.33 %
    assert (tot["oi_t1"], tot["oi_t0"], tot["oi_change"]) == (200, 300, -100)
    assert tot["oi_change_pct"] == pytest.approx(-100 / 3)


# ============================================================================================
# enhanced funds
# ============================================================================================
def test_compound_return() -> None:
    # 1.01 x 0.99 = 0.9999; x 1.02 = 1.019898 -> +1.9898 %
    assert compound_return_pct([1.0, -1.0, 2.0]) == pytest.approx(1.9898)
    assert np.isnan(compound_return_pct([]))
    assert np.isnan(compound_return_pct([1.0, np.nan]))


def test_weeks_ending_with_holiday_week() -> None:
    sessions = [x.date() for x in _weekdays("2025-09-22", "2025-10-17")
                if not (ts("2025-10-01") <= x <= ts("2025-10-10"))]
    weeks = weeks_ending(sessions, date(2025, 10, 17), 2)
    assert [w.monday for w in weeks] == [date(2025, 9, 29), date(2025, 10, 13)]
    assert weeks[0].sessions == (date(2025, 9, 29), date(2025, 9, 30))
    assert weeks[0].prev_session == date(2025, 9, 26)
    assert weeks[1].prev_session == date(2025, 9, 30)   # the empty week is skipped
    # the first week of the data has no t0 and is never a week here
    assert len(weeks_ending(sessions, date(2025, 10, 17), 10)) == 2   # 3 groups, 2 weeks


def nav_frame(returns: dict[str, list[float]], days: list[str]) -> pd.DataFrame:
    rows = []
    for code, rs in returns.items():
        for day, r in zip(days, rs):
            rows.append({"trade_date": ts(day), "fund_code": code, "nav": 1.0,
                         "daily_return_pct": r})
    return pd.DataFrame(rows)


FUNDS = pd.DataFrame({
    "fund_code": ["A1", "A2", "A3", "A4", "B1", "B2"],
    "fund_name": ["a1", "a2", "a3", "a4", "b1", "b2"],
    "benchmark_index": ["000905"] * 4 + ["000852"] * 2, "is_quant": "true"})
WEEK = Week(date(2025, 9, 29), (date(2025, 9, 29), date(2025, 9, 30)), date(2025, 9, 26))


def test_fund_week_return_uses_daily_growth_not_nav_ratio() -> None:
    # a dividend day: the unit NAV falls from 1.50 to 1.40 but the growth rate is +1 %
    nav = pd.DataFrame({"trade_date": [ts("2025-09-29"), ts("2025-09-30")],
                        "fund_code": "A1", "nav": [1.50, 1.40], "daily_return_pct": [0.5, 1.0]})
    out = fund_week_returns(nav, FUNDS[FUNDS["fund_code"] == "A1"], WEEK).iloc[0]
    assert out["fund_return_pct"] == pytest.approx((1.005 * 1.01 - 1) * 100)   # +1.505 %
    assert out["days"] == 2 and bool(out["complete"])


def test_excess_and_summary_by_hand() -> None:
    days = ["2025-09-29", "2025-09-30"]
    nav = nav_frame({"A1": [1.0, 1.0], "A2": [0.0, 0.5], "A3": [-1.0, 0.0], "A4": [3.0],
                     "B1": [2.0, 0.0], "B2": [0.0, 0.0]}, days)
    closes = {"000905": pd.Series([100.0, 99.0, 100.0], index=pd.to_datetime(
                  ["2025-09-26", "2025-09-29", "2025-09-30"])),        # +0 % on the week
              "000852": pd.Series([200.0, 202.0], index=pd.to_datetime(
                  ["2025-09-26", "2025-09-30"]))}                     # +1 %
    assert index_week_return_pct(closes["000852"], WEEK) == pytest.approx(1.0)
    per = excess_for_week(nav, FUNDS, closes, WEEK).set_index("fund_code")
    # A1: 1.01^2 - 1 = 2.01 %; A2: 0.5 %; A3: -1 %; A4 lacks a day -> excluded
    assert per.loc["A1", "excess_pp"] == pytest.approx(2.01)
    assert per.loc["A2", "excess_pp"] == pytest.approx(0.5)
    assert per.loc["A3", "excess_pp"] == pytest.approx(-1.0)
    assert not per.loc["A4", "used"] and np.isnan(per.loc["A4", "excess_pp"])
    # B1: 2 % - 1 % = 1 pp; B2: -1 pp
    assert per.loc["B1", "excess_pp"] == pytest.approx(1.0)
    s = summarise_excess(per.reset_index()).set_index("benchmark_index")
    a = s.loc["000905"]
    assert (a["count"], a["excluded"], a["beat"]) == (3, 1, 2)
    assert a["median_pp"] == pytest.approx(0.5)
    assert a["mean_pp"] == pytest.approx((2.01 + 0.5 - 1.0) / 3)      # 0.50333
    # quartiles of (-1, 0.5, 2.01), linear: P25 = -1 + 0.5 x 1.5 = -0.25; P75 = 1.255
    assert a["p25_pp"] == pytest.approx(-0.25)
    assert a["p75_pp"] == pytest.approx(1.255)
    b = s.loc["000852"]
    assert (b["count"], b["median_pp"], b["mean_pp"], b["beat"]) == (2, 0.0, 0.0, 1)
    assert b["index_return_pct"] == pytest.approx(1.0)


# A three-week fund history with a holiday week (09-29, 09-30) and an empty week (10-06):
# index flat except the days below; two funds on 000905 with daily returns chosen so the weekly
# median excess is +1, -0.5, +0.25 pp.
def fund_history() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[date]]:
    days = [x for x in _weekdays("2025-09-15", "2025-10-17")
            if not (ts("2025-10-01") <= x <= ts("2025-10-10"))]
    idx = pd.DataFrame({"trade_date": days, "index_code": "000905", "close": 1000.0})
    nav_rows = []
    # fund daily returns on one day of each week (others 0): F1 / F2
    plan = {"2025-09-26": (1.5, 0.5),    # week 09-22: excess 1.5, 0.5 -> median 1.0
            "2025-09-30": (-1.0, 0.0),   # holiday week: -1.0, 0.0 -> median -0.5
            "2025-10-15": (0.5, 0.0)}    # week 10-13: 0.5, 0.0 -> median 0.25
    for x in days:
        r1, r2 = plan.get(x.date().isoformat(), (0.0, 0.0))
        nav_rows += [{"trade_date": x, "fund_code": "F1", "nav": 1.0, "daily_return_pct": r1},
                     {"trade_date": x, "fund_code": "F2", "nav": 1.0, "daily_return_pct": r2}]
    funds = pd.DataFrame({"fund_code": ["F1", "F2"], "fund_name": ["f1", "f2"],
                          "benchmark_index": "000905", "is_quant": "true"})
    return pd.DataFrame(nav_rows), funds, idx, [x.date() for x in days]


def test_excess_history_over_holiday_week() -> None:
    nav, funds, idx, days = fund_history()
    closes = {"000905": idx.set_index("trade_date")["close"]}
    weeks = weeks_ending(days, date(2025, 10, 17), 3)
    h = excess_history(nav, funds, closes, weeks)
    assert h["median_pp"].to_numpy() == pytest.approx([1.0, -0.5, 0.25])
    assert h["sessions"].tolist() == [5, 2, 5]


def _week(days: list[str]) -> ReportWeek:
    ds = tuple(d(x) for x in days)
    monday = ds[0] - timedelta(days=ds[0].weekday())
    return ReportWeek(monday, monday + timedelta(days=4), ds, "test")


def test_quant_funds_section_on_history(ref: Reference) -> None:
    nav, funds, idx, _days = fund_history()
    r = dataclasses.replace(ref, enhanced_funds=funds)
    week = _week(["2025-10-13", "2025-10-14", "2025-10-15", "2025-10-16", "2025-10-17"])
    prev = _week(["2025-09-29", "2025-09-30"])
    p = quant_funds.QuantFundsParams(benchmarks=("000905",), weeks_history=2)
    inp = SectionInput(week=week, prev_week=prev, history_start=date(2025, 9, 1),
                       frames={"fund_nav_daily": nav, "index_daily": idx}, params=p, ref=r)
    ctx = quant_funds.compute(inp)
    s = ctx.summary.iloc[0]
    assert (s["count"], s["median_pp"]) == (2, pytest.approx(0.25))
    # median excess by week: +1.0, -0.5, +0.25 -> positive streak of 1 (turned this week)
    assert ctx.streaks["000905"] == (1, False)
    assert [w.monday for w in ctx.weeks] == [d("2025-09-22"), d("2025-09-29"), d("2025-10-13")]
    f1 = ctx.funds.set_index("fund_code").loc["F1"]
    assert (f1["beat_weeks"], f1["weeks"]) == (2, 3)
    assert f1["mean_excess_pp"] == pytest.approx((1.5 - 1.0 + 0.5) / 3)
    e = env(r, p)
    exs = quant_funds.exhibits(ctx, e)
    assert len(exs) == 3
    table = exs[0]
    assert isinstance(table, TableExhibit)
    assert table.rows[0]["median"] == s["median_pp"]
    text = said(quant_funds.facts(ctx, e), "zh")
    assert F.pct_signed(s["median_pp"]) in text and "本周转为正" in text
    en = said(quant_funds.facts(ctx, env(r, p, "en")), "en")
    assert "+0.25%" in en and "turning positive" in en
    # the facts: this week's excess (table 1), then the sign record (chart 2, streak column)
    facts = quant_funds.facts(ctx, e)
    assert [f.kind for f in facts] == ["quant_funds.excess", "quant_funds.turn_pos"]
    ex = facts[0].slots
    assert (ex["median"].value, ex["mean"].value) == (s["median_pp"], s["mean_pp"])  # type: ignore[union-attr]
    assert (ex["n"].value, ex["beat"].value) == (2, s["beat"])  # type: ignore[union-attr]
    assert ex["idx_ret"].value == s["index_return_pct"]  # type: ignore[union-attr]
    # weeks shown 3, median positive in 2 of them (+1.0, +0.25)
    assert (facts[1].slots["weeks"].value, facts[1].slots["pos"].value) == (3, 2)  # type: ignore[union-attr]
    # a flip scores regime 2.0 capped by the move against the 2 weeks before (too few: 1.0)
    assert facts[1].score == pytest.approx(1.0)
    # the chart's data covers the shown weeks only, the streak all loaded ones
    assert len(ctx.history) == 3


# ============================================================================================
# sections on the sample week
# ============================================================================================
def sample_frame(name: str) -> pd.DataFrame:
    f = read_sample(ROOT / "seeds" / "sample", name)
    for c in DATASETS[name].columns:
        if c.kind == "date":
            f[c.name] = pd.to_datetime(f[c.name])
    return f


@pytest.fixture(scope="module")
def sample_weeks() -> tuple[ReportWeek, ReportWeek]:
    days = pd.to_datetime(sample_frame("trade_days")["trade_date"]).dt.date
    cal = TradingCalendar(list(days))
    week = cal.week_of(date(2025, 11, 7))
    return week, cal.previous_week(week)


DEFAULT_FUTURES = index_futures.IndexFuturesParams()


def _futures_input(ref: Reference, weeks: tuple[ReportWeek, ReportWeek],
                   contracts: pd.DataFrame, **params: object) -> SectionInput:
    frames = {"futures_contracts": contracts, "futures_daily": sample_frame("futures_daily"),
              "index_daily": sample_frame("index_daily")}
    return SectionInput(week=weeks[0], prev_week=weeks[1], history_start=date(2024, 6, 1),
                        frames=frames, params=index_futures.IndexFuturesParams(**params),
                        ref=ref)


def test_index_futures_section_on_sample_week(ref: Reference, sample_weeks) -> None:
    contracts = sample_frame("futures_contracts")
    ctx = index_futures.compute(_futures_input(ref, sample_weeks, contracts))
    assert ctx.rule_expiries == ()
    assert (ctx.t1, ctx.t0) == (date(2025, 11, 7), date(2025, 10, 31))
    cur = ctx.current.set_index(["variety", "tenor"])
    assert cur.loc[("IF", "m1"), "contract_code"] == "IF2512"
    assert cur.loc[("IF", "q0"), "contract_code"] == "IF2603"
    # IC2603 close 6990.6 vs CSI 500 7306.0, 133 days: -315.4/7306 x 365/133 = -11.847 %
    assert cur.loc[("IC", "q0"), "days_to_expiry"] == 133
    assert cur.loc[("IC", "q0"), "basis_ann_pct"] == pytest.approx(
        (6990.6 - 7306.0) / 7306.0 * 365 / 133 * 100)
    # open interest IC2603: 81,910 vs 88,440 -> -6,530
    assert cur.loc[("IC", "q0"), "oi_change"] == pytest.approx(81910 - 88440)
    # the streak agrees with a direct count on the weekly history
    h = ctx.history[(ctx.history["variety"] == "IM") & (ctx.history["tenor"] == "q0")]
    vals = h.sort_values("trade_date")["basis_ann_pct"].dropna().tolist()
    n = 0
    for v in reversed(vals):
        if v > -10.0:
            break
        n += 1
    assert cur.loc[("IM", "q0"), "streak_weeks"] == n
    e = env(ref, DEFAULT_FUTURES)
    exs = index_futures.exhibits(ctx, e)
    assert len(exs) == 4
    text = said(index_futures.facts(ctx, e), "zh")
    assert F.pct_signed(cur.loc[("IC", "q0"), "basis_ann_pct"]) in text
    basis_rows = [r for r in exs[0].rows if r.get("code") == "IC2603"]  # type: ignore[union-attr]
    assert basis_rows[0]["ann"] == cur.loc[("IC", "q0"), "basis_ann_pct"]
    en = said(index_futures.facts(ctx, env(ref, DEFAULT_FUTURES, "en")), "en")
    assert "annualised basis" in en
    # the facts: q0 basis and percentile of each variety, the longest streak (IM q0, the
    # threshold -10 %), open interest over all varieties and the variety that moved most
    facts = index_futures.facts(ctx, e)
    assert [f.kind for f in facts] == ["index_futures.basis", "index_futures.streak_below",
                                       "index_futures.oi"]
    basis = dict((n.zh, v.value) for n, v in facts[0].slots["basis"].items)  # type: ignore[union-attr]
    assert basis == {v: cur.loc[(v, "q0"), "basis_ann_pct"] for v in ("IF", "IH", "IC", "IM")}
    pctl = dict((n.zh, v) for n, v in facts[0].slots["pctl"].items)  # type: ignore[union-attr]
    assert pctl["IC"].value == cur.loc[("IC", "q0"), "percentile_pct"] and pctl["IC"].fmt == "pct0"
    st = facts[1].slots
    assert (st["v"].zh, st["n"].value, st["th"].value) == (  # type: ignore[union-attr]
        "IM", cur.loc[("IM", "q0"), "streak_weeks"], -10.0)
    assert st["k"].value == int((ctx.current["streak_weeks"] > 0).sum())  # type: ignore[union-attr]
    assert facts[1].score == pytest.approx(min(4.0, st["n"].value / 3))  # type: ignore[union-attr]
    oi = facts[2].slots
    tot = ctx.oi_totals.set_index("variety")
    assert oi["all"].value == pytest.approx(tot["oi_change"].sum())  # type: ignore[union-attr]
    big = tot["oi_change"].abs().idxmax()
    assert (oi["big"].zh, oi["big_chg"].value) == (big, tot.at[big, "oi_change"])  # type: ignore[union-attr]
    # every number the text shows is in the data behind the open interest table
    oi_data = exs[2].data
    assert oi_data.loc[oi_data["scope"] == "all_total", "oi_change"].iloc[0] == \
        pytest.approx(oi["all"].value)  # type: ignore[union-attr]
    assert exs[2].rows[-1]["chg"] == pytest.approx(oi["all"].value)  # type: ignore[union-attr]


def test_index_futures_without_live_contracts_in_the_table(ref: Reference,
                                                           sample_weeks) -> None:
    # the store read bounded by the week's Friday drops contracts expiring later: the section
    # falls back to the third-Friday rule and says so, with the same tenors and expiries
    contracts = sample_frame("futures_contracts")
    bounded = contracts[contracts["last_trade_date"] <= ts("2025-11-07")]
    ctx = index_futures.compute(_futures_input(ref, sample_weeks, bounded))
    full = index_futures.compute(_futures_input(ref, sample_weeks, contracts))
    assert len(ctx.rule_expiries) == 16
    cols = ["variety", "tenor", "contract_code", "last_trade_date", "basis_ann_pct"]
    pd.testing.assert_frame_equal(ctx.current[cols], full.current[cols])
    note = index_futures.exhibits(ctx, env(ref, DEFAULT_FUTURES))[0].note  # type: ignore[union-attr]
    assert "规则推算" in note


def test_index_futures_single_threshold_and_params(ref: Reference, sample_weeks) -> None:
    contracts = sample_frame("futures_contracts")
    inp = _futures_input(ref, sample_weeks, contracts, streak_threshold_pct=-100.0,
                         varieties=("IC", "IM"), price_field="settle")
    ctx = index_futures.compute(inp)
    assert set(ctx.current["variety"]) == {"IC", "IM"}
    assert (ctx.current["streak_weeks"] == 0).all()
    facts = index_futures.facts(ctx, env(ref, inp.params))
    assert facts[1].kind == "index_futures.no_streak"
    assert [(n.zh, v.shown()) for n, v in facts[1].slots["th"].items] == [  # type: ignore[union-attr]
        ("IC", "-100.0%"), ("IM", "-100.0%")]
    assert "IC、IM合计持仓" in said(facts, "zh")
    p = index_futures.IndexFuturesParams(streak_threshold_pct={"IF": -5.0})
    problems = index_futures.check_refs(p, ref)
    assert any("no threshold" in msg for _k, msg in problems)


def test_quant_funds_section_on_sample_week(ref: Reference, sample_weeks) -> None:
    week, prev = sample_weeks
    frames = {"fund_nav_daily": sample_frame("fund_nav_daily"),
              "index_daily": sample_frame("index_daily"),
              "enhanced_fund_universe": sample_frame("enhanced_fund_universe")}
    inp = SectionInput(week=week, prev_week=prev, history_start=date(2024, 6, 1),
                       frames=frames, params=quant_funds.QuantFundsParams(), ref=ref)
    ctx = quant_funds.compute(inp)
    # the fund list is the sample's universe snapshot of the report week, not the seed list
    assert (ctx.fund_list.origin, ctx.fund_list.as_of) == ("snapshot", d("2025-11-07"))
    s = ctx.summary.set_index("benchmark_index")
    assert s.loc["000905", "count"] == 11 and s.loc["000852", "count"] == 11   # quant only
    # direct: CSI 500 7306.0 / close of 10-31 - 1; fund 900507 compounded daily growth
    nav = frames["fund_nav_daily"]
    f = nav[(nav["fund_code"] == "900507") & (nav["trade_date"] >= ts("2025-11-03"))]
    r = (np.prod(1 + f["daily_return_pct"] / 100) - 1) * 100
    idx = frames["index_daily"].set_index(["index_code", "trade_date"])["close"]
    ri = (idx[("000905", ts("2025-11-07"))] / idx[("000905", ts("2025-10-31"))] - 1) * 100
    got = ctx.funds.set_index("fund_code").loc["900507"]
    assert got["excess_pp"] == pytest.approx(r - ri)
    assert len(ctx.weeks) == 9
    all_funds = quant_funds.compute(SectionInput(
        week=week, prev_week=prev, history_start=date(2024, 6, 1), frames=frames,
        params=quant_funds.QuantFundsParams(quant_only=False), ref=ref))
    # the sample is shaped so the median over all 12 CSI 500 funds is +0.10 %
    assert all_funds.summary.set_index("benchmark_index").loc["000905", "median_pp"] == \
        pytest.approx(0.1, abs=0.02)
