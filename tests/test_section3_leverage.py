"""Section 3.1 leveraged funds (margin trading): metrics on hand-made frames, every expected value
worked out by hand in the test; streaks over several weeks including the National Day holiday
weeks of 2025 (29-30 Sep: two sessions; 9-10 Oct: two sessions); a stock missing on one side, a
suspended stock, a stock new to the margin list, per-stock data one day behind (T+1)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from fundflow.calendar import ReportWeek
from fundflow.charts.save import render_png
from fundflow.charts.style import ChartStyle
from fundflow.metrics import margin as M
from fundflow.narrative import Items, Name, Num, render
from fundflow.reference import Reference, load_reference
from fundflow.sections import leverage
from fundflow.sections.base import ChartExhibit, ExhibitEnv, SectionInput, TableExhibit

ROOT = Path(__file__).resolve().parents[1]
YI = 1e8


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


def margin_rows(balances: dict[str, dict[str, float]],
                buys: dict[str, dict[str, float]] | None = None) -> pd.DataFrame:
    """Long margin_stock_daily from {code: {date: balance in 亿}} (fin_buy in 亿, default 0)."""
    rows = []
    for code, series in balances.items():
        for d, bal in series.items():
            buy = (buys or {}).get(code, {}).get(d, 0.0)
            rows.append({"trade_date": ts(d), "stock_code": code, "fin_balance_cny": bal * YI,
                         "fin_buy_cny": buy * YI})
    return pd.DataFrame(rows)


# -- market level -------------------------------------------------------------------------------
def _index_amounts(days: dict[str, tuple[float | None, float | None]]) -> pd.DataFrame:
    rows = []
    for d, (sh, sz) in days.items():
        for code, amt in (("000001", sh), ("399106", sz)):
            if amt is not None:
                rows.append({"trade_date": ts(d), "index_code": code, "close": 1.0,
                             "amount_cny": amt})
    return pd.DataFrame(rows)


def test_turnover_share_counts_only_days_with_both_sides() -> None:
    mm = pd.DataFrame({
        "trade_date": [ts("2025-11-03"), ts("2025-11-04"), ts("2025-11-05")],
        "fin_balance_cny": [1.0, 1.0, 1.0], "sec_balance_cny": [0.0, 0.0, 0.0],
        "fin_buy_cny": [100.0, 90.0, 50.0], "sec_sell_cny": [10.0, np.nan, 5.0]})
    # 11-05 has no SZSE amount: that day counts on neither side
    idx = _index_amounts({"2025-11-03": (600.0, 400.0), "2025-11-04": (500.0, 500.0),
                          "2025-11-05": (700.0, None)})
    daily = M.daily_market(mm, idx)
    assert daily["sec_sell_missing"].tolist() == [False, True, False]
    got = M.turnover_share(daily, [date(2025, 11, 3), date(2025, 11, 4), date(2025, 11, 5)])
    # (100 + 10) + (90 + 0) = 200 over 1000 + 1000 = 2000
    assert got["margin_turnover_cny"] == 200.0
    assert got["market_turnover_cny"] == 2000.0
    assert got["share_pct"] == pytest.approx(10.0)
    assert got["days"] == 2


def _market_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    # week ends: 09-19 (W-3), 09-26 (W-2), 09-30 (W-1, holiday week), 10-10 (W, holiday week)
    days = ["2025-09-19", "2025-09-22", "2025-09-26", "2025-09-29", "2025-09-30", "2025-10-09",
            "2025-10-10"]
    fin = [24000, 24050, 24100, 24150, 24200, 24180, 24150]
    sec = [100, 100, 100, 100, 100, 105, 110]
    buy = [80, 80, 80, 100, 120, 110, 90]
    sell = [1, 1, 1, 1, 1, 2, np.nan]
    mm = pd.DataFrame({"trade_date": [ts(d) for d in days],
                       "fin_balance_cny": [x * YI for x in fin],
                       "sec_balance_cny": [x * YI for x in sec],
                       "fin_buy_cny": [x * YI for x in buy],
                       "sec_sell_cny": [x * YI for x in sell]})
    idx = _index_amounts({d: (500 * YI, 500 * YI) for d in days})
    return mm, idx


def test_weekly_market_with_holiday_weeks() -> None:
    mm, idx = _market_frames()
    wk = M.weekly_market(M.daily_market(mm, idx), date(2025, 10, 10))
    assert [d.date() for d in wk["week_end"]] == [date(2025, 9, 19), date(2025, 9, 26),
                                                  date(2025, 9, 30), date(2025, 10, 10)]
    assert wk["sessions"].tolist() == [1, 2, 2, 2]
    # balance = fin + sec at the week's last date: 24100, 24200, 24300, 24260 (亿)
    assert (wk["balance_cny"] / YI).tolist() == [24100, 24200, 24300, 24260]
    assert np.isnan(wk["change_cny"].iloc[0])
    assert (wk["change_cny"].iloc[1:] / YI).tolist() == [100, 100, -40]
    # W: (110 + 2) + (90 + 0) = 202 over 2 x 1000 -> 10.1 %; W-1: (101 + 121) / 2000 = 11.1 %
    assert wk["share_pct"].iloc[-1] == pytest.approx(10.1)
    assert wk["share_pct"].iloc[-2] == pytest.approx(11.1)
    assert M.balance_streak(wk) == -1
    # up to W-1 only: two rises in a row (the holiday week counts as one week)
    assert M.balance_streak(M.weekly_market(M.daily_market(mm, idx), date(2025, 9, 30))) == 2


# -- per stock: missing sides -------------------------------------------------------------------
def test_net_purchases_handles_missing_sides() -> None:
    f = margin_rows({
        "600000": {"2025-10-30": 99, "2025-10-31": 100, "2025-11-05": 120, "2025-11-07": 130},
        "600001": {"2025-11-05": 40, "2025-11-07": 50},                  # new to the list in W
        "600002": {"2025-10-30": 70, "2025-10-31": 70},                  # suspended all week
        "600003": {"2025-10-30": 20, "2025-11-07": 26},                  # no row on t0
        "600004": {"2025-10-31": 10, "2025-11-05": 9},                   # no row on t1
        "600005": {"2025-09-10": 33},                                    # off the list
        "510300": {"2025-10-31": 1000, "2025-11-07": 2000},              # an ETF
    })
    nb = M.net_purchases(M.a_shares(f), date(2025, 10, 31), date(2025, 11, 7)).set_index(
        "stock_code")
    assert sorted(nb.index) == ["600000", "600001", "600002", "600003", "600004"]
    assert nb.loc["600000", "status"] == "ok"
    assert nb.loc["600000", "net_buy_cny"] == 30 * YI                    # 130 - 100
    assert nb.loc["600000", "change_pct"] == pytest.approx(30.0)
    assert nb.loc["600001", "status"] == "entered"                       # base 0: real buying
    assert nb.loc["600001", "net_buy_cny"] == 50 * YI
    assert np.isnan(nb.loc["600001", "change_pct"])
    assert nb.loc["600002", "status"] == "no_data"                       # carried: 0, not -70
    assert nb.loc["600002", "net_buy_cny"] == 0.0
    assert nb.loc["600003", "status"] == "stale_base"                    # 26 - 20 (10-30)
    assert nb.loc["600003", "net_buy_cny"] == 6 * YI
    assert nb.loc["600004", "status"] == "stale_end"                     # 9 - 10 (11-05)
    assert nb.loc["600004", "net_buy_cny"] == -1 * YI
    assert nb["net_buy_cny"].sum() == (30 + 50 + 0 + 6 - 1) * YI


def test_net_purchases_without_history_before_t0_has_no_base() -> None:
    # the data starts after t0: nothing can be said about the change, so nothing is returned
    f = margin_rows({"600000": {"2025-11-03": 10, "2025-11-07": 12}})
    assert M.net_purchases(f, date(2025, 10, 31), date(2025, 11, 7)).empty
    with pytest.raises(ValueError):
        M.net_purchases(f, date(2025, 11, 7), date(2025, 11, 7))


# -- streaks from history, with holiday weeks ---------------------------------------------------
HIST_DAYS = ["2025-09-19", "2025-09-26", "2025-09-30", "2025-10-10", "2025-10-17"]


def _history_frame() -> pd.DataFrame:
    x = dict(zip(HIST_DAYS, [100, 90, 95, 100, 110]))    # Δ: -10, +5, +5, +10
    y1 = dict(zip(HIST_DAYS, [50, 60, 70, 65, 60]))      # industry Y = y1 + y2:
    y2 = dict(zip(HIST_DAYS, [20, 20, 25, 27, 27]))      # 70, 80, 95, 92, 87 -> +10 +15 -3 -5
    return margin_rows({"600010": x, "600020": y1, "600021": y2})


GROUPS = {"600010": "X", "600020": "Y", "600021": "Y"}


def test_weekly_net_purchases_span_holiday_weeks() -> None:
    w = M.weekly_net_purchases(_history_frame(), date(2025, 10, 17))
    # the first week has no base; four weeks follow, two of them holiday-shortened
    assert sorted({d.date() for d in w["week_end"]}) == [date(2025, 9, 26), date(2025, 9, 30),
                                                        date(2025, 10, 10), date(2025, 10, 17)]
    g = M.group_weekly(w, GROUPS)
    x = g[g["group"] == "X"].sort_values("week")
    assert (x["net_buy_cny"] / YI).tolist() == [-10, 5, 5, 10]
    y = g[g["group"] == "Y"].sort_values("week")
    assert (y["net_buy_cny"] / YI).tolist() == [10, 15, -3, -5]
    assert y["stocks"].tolist() == [2, 2, 2, 2]
    streaks = M.group_streaks(g, date(2025, 10, 17))
    assert streaks.to_dict() == {"X": 3, "Y": -2}
    # the same data up to the first holiday week: X fell then rose once; Y rose twice
    g2 = M.group_weekly(M.weekly_net_purchases(_history_frame(), date(2025, 9, 30)), GROUPS)
    assert M.group_streaks(g2, date(2025, 9, 30)).to_dict() == {"X": 1, "Y": 2}


def test_streak_needs_the_history_not_one_week() -> None:
    # one week's frame (its base day plus the week) can only ever show a streak of 1
    one_week = _history_frame()
    one_week = one_week[one_week["trade_date"] >= ts("2025-10-10")]
    g = M.group_weekly(M.weekly_net_purchases(one_week, date(2025, 10, 17)), GROUPS)
    assert M.group_streaks(g, date(2025, 10, 17)).to_dict() == {"X": 1, "Y": -1}


def test_streak_skips_a_week_without_sessions_and_zeroes_a_group_absent_this_week() -> None:
    f = _history_frame()
    f = f[f["trade_date"] != ts("2025-10-10")]          # no row at all in the week of 10-06
    g = M.group_weekly(M.weekly_net_purchases(f, date(2025, 10, 17)), GROUPS)
    x = g[g["group"] == "X"].sort_values("week")
    assert (x["net_buy_cny"] / YI).tolist() == [-10, 5, 15]   # 110 - 95 across the gap
    assert M.group_streaks(g, date(2025, 10, 17)).to_dict() == {"X": 2, "Y": -1}
    # a group with no value in the report week gets 0
    assert M.group_streaks(g[g["week"] < ts("2025-10-13")], date(2025, 10, 17)).to_dict() == {
        "X": 0, "Y": 0}


# -- aggregation --------------------------------------------------------------------------------
def test_cap_bucket_bounds() -> None:
    mv = pd.Series([6000, 5000, 1000, 999.99, 100, np.nan], index=list("abcdef")) * YI
    b = M.cap_bucket(mv, [5000 * YI, 1000 * YI])
    # > 5000 -> 0; 1000..5000 inclusive -> 1; < 1000 -> 2; unknown cap -> NaN
    assert b.iloc[:5].tolist() == [0, 1, 1, 2, 2]
    assert np.isnan(b["f"])
    with pytest.raises(ValueError):
        M.cap_bucket(mv, [1000 * YI, 5000 * YI])


def test_bucket_summary_and_dispersion() -> None:
    nb = pd.DataFrame({"stock_code": ["A", "B", "C", "D", "E"],
                       "net_buy_cny": [3 * YI, -1 * YI, 4 * YI, 2 * YI, 0.0]})
    prev = pd.DataFrame({"stock_code": ["A", "B", "D"], "net_buy_cny": [1 * YI, 1 * YI, -5 * YI]})
    bucket = pd.Series({"A": 0, "B": 0, "C": 0, "D": 1, "E": 2})
    s = M.bucket_summary(nb, bucket, 3, prev=prev).set_index("bucket")
    # bucket 0: 3, -1, 4 -> sum 6, mean 2, squared deviations 1 + 9 + 4 = 14, sample var 7
    assert s.loc[0, "net_buy_cny"] == 6 * YI
    assert s.loc[0, "net_buy_prev_cny"] == 2 * YI
    assert (s.loc[0, "buyers"], s.loc[0, "sellers"], s.loc[0, "stocks"]) == (2, 1, 3)
    assert s.loc[0, "std_cny"] == pytest.approx(np.sqrt(7) * YI)
    assert (s.loc[0, "max_code"], s.loc[0, "min_code"]) == ("C", "B")
    assert s.loc[0, "range_cny"] == 5 * YI
    assert np.isnan(s.loc[1, "std_cny"])                   # one stock: no spread
    assert s.loc[1, "net_buy_prev_cny"] == -5 * YI
    assert (s.loc[2, "buyers"], s.loc[2, "sellers"]) == (0, 0)   # a zero is neither
    d = M.dispersion(pd.Series([1.0, 2.0, 3.0, 4.0]))
    assert d["iqr"] == pytest.approx(1.5)                  # 3.25 - 1.75


def test_top_contributors_order_and_ties() -> None:
    nb = pd.DataFrame({"stock_code": ["B", "A", "C", "D", "E"],
                       "net_buy_cny": [5.0, 5.0, -2.0, -7.0, 0.0]})
    buy, sell = M.top_contributors(nb, 2)
    assert buy["stock_code"].tolist() == ["A", "B"]        # tie broken by code
    assert sell["stock_code"].tolist() == ["D", "C"]
    buy1, _ = M.top_contributors(nb, 1)
    assert buy1["stock_code"].tolist() == ["A"]


def test_sum_by_members_and_industry_ratio() -> None:
    nb = pd.DataFrame({"stock_code": ["A", "B", "C"], "net_buy_cny": [3.0, -1.0, 4.0]})
    got = M.sum_by_members(nb, {"IDX1": ["A", "B", "Z"], "IDX2": ["Z"]}).set_index("group")
    assert got.loc["IDX1", "net_buy_cny"] == 2.0
    assert (got.loc["IDX1", "members"], got.loc["IDX1", "covered"]) == (3, 2)
    assert (got.loc["IDX2", "net_buy_cny"], got.loc["IDX2", "covered"]) == (0.0, 0)
    r = M.industry_ratio(nb, {"A": "K1", "B": "K1", "C": "K2"},
                         {"K1": 100.0, "K2": 50.0, "K3": 10.0}).set_index("industry")
    assert r.loc["K1", "ratio_pct"] == pytest.approx(2.0)   # (3 - 1) / 100
    assert r.loc["K2", "ratio_pct"] == pytest.approx(8.0)   # 4 / 50
    assert (r.loc["K3", "net_buy_cny"], r.loc["K3", "ratio_pct"]) == (0.0, 0.0)


def _bars(rows: dict[str, dict[str, tuple[float, float, float]]]) -> pd.DataFrame:
    """stock_daily from {code: {date: (amount 亿, total_mv 亿, float_mv 亿)}}."""
    out = []
    for code, series in rows.items():
        for d, (amt, tmv, fmv) in series.items():
            out.append({"trade_date": ts(d), "stock_code": code, "close": 10.0,
                        "amount_cny": amt * YI, "total_mv_cny": tmv * YI,
                        "float_mv_cny": fmv * YI})
    return pd.DataFrame(out)


def test_leveraged_share_and_popular_stocks_with_a_lagging_day() -> None:
    d1, d2, p1 = "2025-11-06", "2025-11-07", "2025-10-31"
    sd = _bars({"P": {p1: (100, 1, 1), d1: (100, 1, 1), d2: (350, 1, 1)},
                "Q": {p1: (100, 1, 1), d1: (200, 1, 1), d2: (200, 1, 1)},
                "R": {d1: (10, 1, 1), d2: (10, 1, 1)}})
    # P's margin row for 11-07 is not published yet; R has no margin data (not on the list)
    ms = margin_rows({"P": {p1: 1, d1: 1}, "Q": {p1: 1, d1: 1, d2: 1}},
                     buys={"P": {p1: 20, d1: 10}, "Q": {p1: 5, d1: 30, d2: 30}})
    share = M.leveraged_share(sd, ms, [date(2025, 11, 6), date(2025, 11, 7)]).set_index(
        "stock_code")
    assert share.loc["P", "share_pct"] == pytest.approx(10.0)    # 10 / 100 on the one day
    assert share.loc["P", "days"] == 1
    assert share.loc["Q", "share_pct"] == pytest.approx(15.0)    # 60 / 400
    assert "R" not in share.index
    pop = M.popular_stocks(sd, ms, [date(2025, 11, 6), date(2025, 11, 7)],
                           [date(2025, 10, 31)], 5)
    # ranked by the week's turnover: P 450 > Q 400; R has no margin data and is not picked
    assert pop["stock_code"].tolist() == ["P", "Q"]
    assert pop["rank"].tolist() == [1, 2]
    assert pop["share_prev_pct"].tolist() == pytest.approx([20.0, 5.0])
    assert pop["change_pp"].tolist() == pytest.approx([-10.0, 10.0])


def test_balance_to_float_mv_proxy() -> None:
    sd = _bars({"A": {"2025-11-07": (1, 2000, 1000)}, "B": {"2025-11-07": (1, 5000, 3000)},
                "C": {"2025-11-07": (1, 1500, 1000)},            # not on the margin list
                "D": {"2025-11-05": (1, 900, 500)}})             # suspended since 11-06
    ms = margin_rows({"A": {"2025-11-07": 20}, "B": {"2025-11-07": 60},
                      "D": {"2025-11-05": 10}, "X": {"2025-11-07": 99}})   # X: no bars
    got = M.balance_to_float_mv(ms, sd, date(2025, 11, 7))
    # (20 + 60 + 10) / (1000 + 3000 + 1000 + 500) = 90 / 5500
    assert got["ratio_pct"] == pytest.approx(90 / 5500 * 100)
    assert (got["stocks"], got["margin_stocks"]) == (4, 3)


# -- the section on a small market: holiday weeks, suspension, a new listing, T+1 lag ----------
W_DAYS = ["2025-10-09", "2025-10-10"]                       # holiday week (Mon-Wed closed)
P_DAYS = ["2025-09-29", "2025-09-30"]                       # holiday week (Wed-Fri closed)
P2_DAYS = ["2025-09-22", "2025-09-23", "2025-09-24", "2025-09-25", "2025-09-26"]
H_DAYS = ["2025-09-19"]
ALL_DAYS = H_DAYS + P2_DAYS + P_DAYS + W_DAYS
WEEK = ReportWeek(date(2025, 10, 6), date(2025, 10, 10), (date(2025, 10, 9), date(2025, 10, 10)),
                  "test")
PREV = ReportWeek(date(2025, 9, 29), date(2025, 10, 3), (date(2025, 9, 29), date(2025, 9, 30)),
                  "test")

# week-end financing balances (亿) for W-3, W-2, W-1, W; held flat inside each week
BAL = {"600519": (100, 110, 115, 120), "601398": (50, 45, 40, 48), "300750": (80, 82, 81, 78),
       "688981": (None, None, None, 6), "002258": (10, 11, 12, None)}
BUY = {"600519": (4, 4, 4, 5), "601398": (2, 2, 2, 2), "300750": (10, 10, 10, 12),
       "688981": (0, 0, 0, 9), "002258": (1, 1, 1, 0)}
AMOUNT = {"600519": 50, "601398": 40, "300750": 100, "688981": 60, "002258": 5}
MV = {"600519": (18000, 18000), "601398": (20000, 15000), "300750": (3000, 2500),
      "688981": (800, 300), "002258": (50, 40)}   # (total, float) in 亿
INDUSTRY = {"600519": "801120", "601398": "801780", "300750": "801730", "688981": "801080",
            "002258": "801230"}


def _week_of(d: str) -> int:
    return 0 if d in H_DAYS else 1 if d in P2_DAYS else 2 if d in P_DAYS else 3


def _frames(drop_last_margin_day: bool = False) -> dict[str, pd.DataFrame]:
    ms, sd = [], []
    for code in BAL:
        for d in ALL_DAYS:
            k = _week_of(d)
            bal = BAL[code][k]
            if code == "688981" and d == "2025-10-09":
                bal = 5                                      # entered the list on 10-09
            if bal is not None and not (drop_last_margin_day and d == "2025-10-10"):
                ms.append({"trade_date": ts(d), "stock_code": code, "fin_balance_cny": bal * YI,
                           "fin_buy_cny": BUY[code][k] * YI})
            if not (code == "002258" and d in W_DAYS):        # suspended in W
                sd.append({"trade_date": ts(d), "stock_code": code, "close": 10.0,
                           "amount_cny": AMOUNT[code] * YI, "total_mv_cny": MV[code][0] * YI,
                           "float_mv_cny": MV[code][1] * YI})
    ms.append({"trade_date": ts("2025-10-10"), "stock_code": "510300",
               "fin_balance_cny": 500 * YI, "fin_buy_cny": 50 * YI})      # an ETF: ignored
    mm, idx = _market_frames()
    cons = pd.DataFrame({"index_code": ["000300", "000300", "000300", "000688", "399006",
                                        "000905"],
                         "stock_code": ["600519", "601398", "300750", "688981", "300750",
                                        "002258"],
                         "snapshot_date": ts("2025-10-10")})
    uni = pd.DataFrame({"stock_code": list(INDUSTRY), "stock_name": ["贵州茅台", "工商银行",
                                                                     "宁德时代", "中芯国际", "停牌股份"],
                        "sw_l1_code": list(INDUSTRY.values()), "snapshot_date": ts("2025-10-10")})
    sw = pd.DataFrame([{"trade_date": ts(d), "industry_code": c, "close": 1.0,
                        "amount_cny": 1000 * YI} for d in ALL_DAYS for c in set(INDUSTRY.values())])
    return {"margin_market_daily": mm, "margin_stock_daily": pd.DataFrame(ms),
            "stock_daily": pd.DataFrame(sd), "stock_universe": uni, "index_constituents": cons,
            "index_daily": idx, "sw_industry_daily": sw}


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference(ROOT / "seeds")


def _params(**params: object) -> leverage.LeverageParams:
    return leverage.LeverageParams(**{"top_n": 2, "popular_n": 5,
                                      "indices": ["000300", "000688", "399006", "000905",
                                                  "000852"], **params})


def _compute(ref: Reference, frames: dict[str, pd.DataFrame] | None = None,
             **params: object) -> leverage.LeverageContext:
    p = _params(**params)
    return leverage.compute(SectionInput(WEEK, PREV, date(2025, 9, 1), frames or _frames(), p,
                                         ref))


def test_section_market_figures(ref: Reference) -> None:
    ctx = _compute(ref)
    assert ctx.week.share_pct == pytest.approx(10.1) and ctx.prev.share_pct == pytest.approx(11.1)
    assert ctx.week.balance_cny == 24260 * YI and ctx.week.change_cny == -40 * YI
    assert ctx.prev.change_cny == 100 * YI
    assert ctx.balance_streak == -1
    assert ctx.sec_sell_missing == 1
    assert (ctx.week.sessions, ctx.prev.sessions) == (2, 2)
    # float-cap proxy at 10-10: balances 120 + 48 + 78 + 6 + 12 (suspended, carried) = 264 over
    # float caps 18000 + 15000 + 2500 + 300 + 40 = 35840
    assert ctx.week.float_ratio_pct == pytest.approx(264 / 35840 * 100)
    assert ctx.coverage_pct == pytest.approx(264 / 24150 * 100)


def test_section_net_purchases_by_index_bucket_and_name(ref: Reference) -> None:
    ctx = _compute(ref)
    assert (ctx.t0, ctx.t1, ctx.lagged) == (date(2025, 9, 30), date(2025, 10, 10), False)
    s = ctx.stocks.set_index("stock_code")
    assert "510300" not in s.index
    # W: +5, +8, -3, +6 (new to the list: base 0), 0 (suspended)
    assert (s["net_buy_cny"] / YI).to_dict() == {"002258": 0, "300750": -3, "600519": 5,
                                                 "601398": 8, "688981": 6}
    assert s.loc["688981", "status"] == "entered" and s.loc["002258", "status"] == "no_data"
    idx = ctx.indices.set_index("index_code")
    assert idx.loc["000300", "net_buy_cny"] == 10 * YI          # 5 + 8 - 3
    assert idx.loc["000300", "net_buy_prev_cny"] == -1 * YI     # 5 - 5 - 1
    assert idx.loc["000688", "net_buy_cny"] == 6 * YI
    assert idx.loc["000688", "net_buy_prev_cny"] == 0.0         # not on the list in W-1
    assert idx.loc["399006", "net_buy_cny"] == -3 * YI
    assert idx.loc["000905", "net_buy_prev_cny"] == 1 * YI      # the suspended stock, W-1
    # members' turnover over the window: (50 + 40 + 100) x 2 sessions = 380
    assert idx.loc["000300", "ratio_pct"] == pytest.approx(10 / 380 * 100)
    assert ctx.missing_indices == ("000852",)
    b = ctx.buckets.set_index("bucket")
    assert (b["net_buy_cny"] / YI).tolist() == [13, -3, 6]
    assert (b["net_buy_prev_cny"] / YI).tolist() == [0, -1, 1]
    assert b.loc[0, "std_cny"] == pytest.approx(np.std([5, 8], ddof=1) * YI)
    assert (b.loc[0, "max_code"], b.loc[0, "min_code"]) == ("601398", "600519")
    assert (b.loc[2, "buyers"], b.loc[2, "sellers"], b.loc[2, "stocks"]) == (1, 0, 2)
    assert ctx.buyers["name"].tolist() == ["工商银行", "中芯国际"]
    assert ctx.sellers["name"].tolist() == ["宁德时代"]


def test_section_industries_and_streaks_from_history(ref: Reference) -> None:
    ctx = _compute(ref)
    ind = ctx.industries.dropna(subset=["ratio_pct"]).set_index("industry")
    # net purchases / Σ turnover of the industry's stocks over the two sessions
    assert ind.loc["801780", "ratio_pct"] == pytest.approx(10.0)   # 8 / 80
    assert ind.loc["801120", "ratio_pct"] == pytest.approx(5.0)    # 5 / 100
    assert ind.loc["801080", "ratio_pct"] == pytest.approx(5.0)    # 6 / 120
    assert ind.loc["801730", "ratio_pct"] == pytest.approx(-1.5)   # -3 / 200
    assert "801230" not in ind.index                               # suspended: no turnover
    # tie at 5 % broken by code: 801080 before 801120
    assert list(ind.index) == ["801780", "801080", "801120", "801730"]
    # streaks over W-2, W-1 (holiday), W (holiday): 食品饮料 +10 +5 +5; 银行 -5 -5 +8;
    # 电力设备 +2 -1 -3; 电子 entered in W
    assert ind["streak_weeks"].to_dict() == {"801780": 1, "801080": 1, "801120": 3, "801730": -2}
    assert ctx.industries.set_index("industry").loc["801230", "streak_weeks"] == 0
    # W-1 ratio: 食品饮料 +5 over 50 x 2 = 5 %
    assert ind.loc["801120", "ratio_prev_pct"] == pytest.approx(5.0)
    # with only this week's rows the same industry could not show more than 1 week
    frames = _frames()
    frames["margin_stock_daily"] = frames["margin_stock_daily"][
        frames["margin_stock_daily"]["trade_date"] >= ts("2025-09-30")]
    short = _compute(ref, frames).industries.set_index("industry")
    assert short.loc["801120", "streak_weeks"] == 1
    assert ctx.streak_weeks_available == 3


def test_section_popular_stocks(ref: Reference) -> None:
    ctx = _compute(ref)
    pop = ctx.popular.set_index("stock_code")
    assert list(pop.index) == ["300750", "688981", "600519", "601398"]   # by W turnover
    assert (pop["share_pct"]).to_dict() == pytest.approx(
        {"300750": 12.0, "688981": 15.0, "600519": 10.0, "601398": 5.0})
    assert np.isnan(pop.loc["688981", "share_prev_pct"])
    assert ctx.popular_avg_pct == pytest.approx((12 + 15 + 10 + 5) / 4)
    assert ctx.popular_avg_prev_pct == pytest.approx((10 + 8 + 5) / 3)
    # weighted: (24 + 18 + 10 + 4) / (200 + 120 + 100 + 80)
    assert ctx.popular_agg_pct == pytest.approx(56 / 500 * 100)


def test_section_with_per_stock_data_one_day_behind(ref: Reference) -> None:
    ctx = _compute(ref, _frames(drop_last_margin_day=True))
    assert (ctx.t1, ctx.lagged, ctx.window_sessions) == (date(2025, 10, 9), True,
                                                         (date(2025, 10, 9),))
    s = ctx.stocks.set_index("stock_code")
    assert s.loc["688981", "net_buy_cny"] == 5 * YI            # first balance on 10-09
    pop = ctx.popular.set_index("stock_code")
    assert pop.loc["300750", "days"] == 1                     # shares over 10-09 only
    env = ExhibitEnv(lang="zh", style=ChartStyle(), ref=ref).for_section(_params())
    notes = " ".join(ex.note for ex in leverage.exhibits(ctx, env) if isinstance(ex, TableExhibit))
    assert "个股融资数据截至2025-10-09（T+1披露）" in notes
    assert "本周最后交易日数据尚未披露" in notes
    assert all(ex.as_of == date(2025, 10, 9) for ex in leverage.exhibits(ctx, env)
               if ex.key not in ("margin_history", "margin_market"))


def _shown_in_exhibits(exs: list, fmt: str) -> set[str]:
    """Every cell of the exhibits' data frames formatted by ``fmt`` (as the e2e check does)."""
    from fundflow.formatting import FILTERS

    out: set[str] = set()
    for ex in exs:
        for col in ex.data.columns:
            for v in ex.data[col].tolist():
                try:
                    out.add(str(FILTERS[fmt](float(v))))
                except (TypeError, ValueError):
                    pass
    return out


def test_facts_kinds_slots_and_numbers_from_the_exhibits(ref: Reference) -> None:
    ctx = _compute(ref, top_n=3)
    env = ExhibitEnv(lang="zh", style=ChartStyle(), ref=ref).for_section(_params(top_n=3))
    facts = leverage.facts(ctx, env)
    assert [f.kind for f in facts] == ["leverage.market", "leverage.indices_mixed",
                                       "leverage.bucket", "leverage.industries_run_min",
                                       "leverage.popular"]
    market, indices, bucket, industries, popular = facts
    assert market.slots["chg"] == Num(-40 * YI, "yi")
    assert market.slots["share"].value == pytest.approx(10.1)      # type: ignore[union-attr]
    items = indices.slots["items"]
    assert isinstance(items, Items)
    assert [(n.zh, v.value / YI) for n, v in items.items] == [
        ("沪深300", 10), ("科创50", 6), ("创业板指", -3), ("中证500", 0)]
    assert (indices.slots["n_buy"], indices.slots["n_sell"]) == (Num(2, "count"),
                                                                  Num(1, "count"))
    # CSI 300 constituents turned from net selling (-1) to net buying: a regime change
    assert indices.score == pytest.approx(0.6 * 2.0)
    assert bucket.slots["nb"] == Num(13 * YI, "yi") and bucket.slots["bound"] == Num(
        5000 * YI, "yi0")
    assert industries.slots["run_industry"] == Name("食品饮料", "Food & Beverage")
    assert industries.slots["weeks"] == Num(3, "count")
    assert popular.slots["avg"].value == pytest.approx(10.5)       # type: ignore[union-attr]
    # every number a sentence shows is a cell of the section's exhibits, by the same filter
    exs = leverage.exhibits(ctx, env)
    for f in facts:
        for n in f.numbers():
            if n.fmt != "count":
                assert n.shown() in _shown_in_exhibits(exs, n.fmt), (f.kind, n)


def test_facts_balance_run_and_split_bucket(ref: Reference) -> None:
    import dataclasses

    ctx = _compute(ref, top_n=3)
    env = ExhibitEnv(lang="zh", style=ChartStyle(), ref=ref).for_section(_params(top_n=3))
    down = dataclasses.replace(ctx, balance_streak=-3)
    market = leverage.facts(down, env)[0]
    assert market.kind == "leverage.market_run_down" and market.slots["weeks"] == Num(3, "count")
    assert "较上周减少40.0亿元，已连续3周减少" in render(market, "zh")
    assert "making 3 weekly falls in a row" in render(market, "en")
    # a run whose sign disagrees with this week's change is not stated
    assert leverage.facts(dataclasses.replace(ctx, balance_streak=4), env)[0].kind == \
        "leverage.market"
    # the top bucket with a buyer and a seller names both
    b = ctx.buckets.copy()
    b.loc[0, ["max_cny", "min_cny", "max_code", "min_code", "sellers"]] = [
        8 * YI, -2 * YI, "601398", "600519", 1]
    split = next(f for f in leverage.facts(dataclasses.replace(ctx, buckets=b), env)
                 if f.kind.startswith("leverage.bucket"))
    assert split.kind == "leverage.bucket_split"
    assert "工商银行净买入8.0亿元、贵州茅台净卖出2.0亿元" in render(split, "zh")
    assert "工商银行 (net buying of CNY 800m) and 贵州茅台 (net selling of CNY 200m)" in \
        render(split, "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_section_exhibits_render_and_summary_matches_tables(ref: Reference, lang: str) -> None:
    ctx = _compute(ref, top_n=3)
    env = ExhibitEnv(lang=lang, style=ChartStyle(), ref=ref,  # type: ignore[arg-type]
                     sources={"margin_stock_daily": "SSE, SZSE"}).for_section(_params(top_n=3))
    exs = leverage.exhibits(ctx, env)
    assert len(exs) == 8 and len({e.key for e in exs}) == 8
    assert sum(isinstance(e, ChartExhibit) for e in exs) == 3
    for ex in exs:
        assert ex.title and ex.source and ex.as_of is not None and not ex.data.empty
        if isinstance(ex, ChartExhibit):
            assert render_png(ex.make, env.style, name=ex.key)[:4] == b"\x89PNG"
    market = next(e for e in exs if e.key == "margin_market")
    assert isinstance(market, TableExhibit)
    assert "代理" in market.note if lang == "zh" else "PROXY" in market.note
    sentences = [render(f, lang) for f in leverage.facts(ctx, env)]  # type: ignore[arg-type]
    text = " ".join(sentences)
    assert 2 <= len(sentences) <= 5
    # the same strings as the table cells
    assert "10.10%" in text and "11.10%" in text
    assert ("24,260.0" if lang == "zh" else "CNY 2.43tn") in text
    if lang == "zh":
        assert "沪深300（10.0）" in text and "创业板指（-3.0）" in text
        # three weeks is all the history there is: a lower bound, said so
        assert "食品饮料已至少连续3周加杠杆" in text
        assert "减少40.0亿元" in text
    else:
        assert "CSI 300 (CNY 1.00bn)" in text and "fell by CNY 4.00bn" in text
        assert "net margin buying in Food & Beverage has continued for at least 3 weeks in a " \
            "row" in text
    top = next(e for e in exs if e.key == "industry_top_bottom")
    assert isinstance(top, TableExhibit)
    streak_cells = [r.get("t_streak") for r in top.rows]
    assert ("加杠杆≥3周" if lang == "zh" else "≥3w up") in streak_cells
    assert ("降杠杆2周" if lang == "zh" else "2w down") in [r.get("b_streak") for r in top.rows]


def test_section_errors_and_params(ref: Reference) -> None:
    from fundflow.errors import SectionError

    frames = _frames()
    frames["margin_stock_daily"] = frames["margin_stock_daily"][
        frames["margin_stock_daily"]["trade_date"] < ts("2025-10-09")]
    with pytest.raises(SectionError, match="T\\+1"):
        _compute(ref, frames)
    with pytest.raises(ValidationError):
        leverage.LeverageParams(cap_bounds_yi=(1000, 5000))
    with pytest.raises(ValidationError):
        leverage.LeverageParams(indices=("300",))
    with pytest.raises(ValidationError):
        leverage.LeverageParams(top_bucket=3)                  # type: ignore[call-arg]
    p = leverage.LeverageParams(indices=("000300", "999999"))
    assert leverage.check_refs(p, ref) == [
        ("indices", leverage.unknown_codes("indices", ["999999"], ref.known_index_codes(),
                                           "index code")[0][1])]
    assert leverage.bucket_labels((5000, 1000), "zh") == [">5,000亿", "1,000-5,000亿", "<1,000亿"]
    assert leverage.bucket_labels((5000, 1000), "en") == ["> 500bn", "100-500bn", "< 100bn"]


def test_section_industry_ratio_on_shenwan_index_turnover(ref: Reference) -> None:
    ctx = _compute(ref, industry_turnover="sw_index")
    ind = ctx.industries.set_index("industry")
    # the Shenwan index turnover is 1000 亿 a session: 食品饮料 5 / 2000, 电力设备 -3 / 2000
    assert ind.loc["801120", "ratio_pct"] == pytest.approx(0.25)
    assert ind.loc["801730", "ratio_pct"] == pytest.approx(-0.15)
    # the stocks' share of the index turnover is reported either way: 100 / 2000
    assert ind.loc["801120", "sw_coverage_pct"] == pytest.approx(5.0)


def test_section_with_market_totals_one_day_behind(ref: Reference) -> None:
    frames = _frames()
    mm = frames["margin_market_daily"]
    frames["margin_market_daily"] = mm[mm["trade_date"] < ts("2025-10-10")]
    ctx = _compute(ref, frames)
    # W = 10-09 only: (110 + 2) / 1000; balance 24180 + 105 against 24300
    assert ctx.market_as_of == date(2025, 10, 9)
    assert ctx.week.share_pct == pytest.approx(11.2) and ctx.week.share_days == 1
    assert ctx.week.change_cny == -15 * YI
    env = ExhibitEnv(lang="zh", style=ChartStyle(), ref=ref).for_section(_params())
    market = next(e for e in leverage.exhibits(ctx, env) if e.key == "margin_market")
    assert isinstance(market, TableExhibit) and market.as_of == date(2025, 10, 9)
    assert "两融汇总数据截至2025-10-09" in market.note
