"""Section 3.1 (ETF flows) and 3.4 (northbound) on hand-made frames; every expected value is
worked out by hand in the test (units x price flows, a split, a listing inside the week, a Hong
Kong holiday, quarterly holdings with a suspended stock)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fundflow import formatting as F
from fundflow.calendar import ReportWeek
from fundflow.charts.save import render_png
from fundflow.charts.style import ChartStyle
from fundflow.errors import SectionError
from fundflow.narrative import Items, Name, Num, render
from fundflow.metrics.flows import (
    a_share_turnover, category_totals, daily_category_flows, etf_daily_flows, etf_week_flows,
    flow_streak, holdings_performance, index_return_pct, is_unit_split, last_net_buy_date,
    latest_holdings, northbound_daily, northbound_week, top_flows, weekly_category_flows,
)
from fundflow.reference import load_reference
from fundflow.sections import etf_flows, northbound
from fundflow.sections.base import (
    ChartExhibit, ExhibitEnv, Params, SectionEnv, SectionInput, TableExhibit,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
WEEK = [date(2025, 11, 3), date(2025, 11, 4), date(2025, 11, 5), date(2025, 11, 6),
        date(2025, 11, 7)]
PREV = [date(2025, 10, 27), date(2025, 10, 28), date(2025, 10, 29), date(2025, 10, 30),
        date(2025, 10, 31)]
T0 = date(2025, 10, 31)
YI = 1e8


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


def etf_frame(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"etf_code": c, "trade_date": ts(d), "close": p, "shares": s}
                         for c, d, s, p in rows])


# A: a normal week with a day without a row (11-05); B: listed on 11-05; C: 1:2 split on 11-04.
ROWS = [
    ("A", "2025-10-31", 100, 1.0), ("A", "2025-11-03", 110, 1.1), ("A", "2025-11-04", 110, 1.2),
    ("A", "2025-11-06", 90, 1.0), ("A", "2025-11-07", 95, 1.0),
    ("B", "2025-11-05", 50, 2.0), ("B", "2025-11-06", 60, 2.5), ("B", "2025-11-07", 60, 2.4),
    ("C", "2025-10-31", 1000, 2.0), ("C", "2025-11-03", 1000, 2.02),
    ("C", "2025-11-04", 2000, 1.0), ("C", "2025-11-05", 2100, 1.0),
    ("C", "2025-11-06", 2100, 1.05), ("C", "2025-11-07", 2050, 1.0),
]
META = pd.DataFrame({"etf_code": ["A", "B", "C"], "category": ["broad", "broad", "sector"]})


# -- ETF metrics --------------------------------------------------------------------------------
def test_daily_flow_is_unit_change_times_close() -> None:
    f = etf_daily_flows(etf_frame(ROWS)).set_index(["etf_code", "trade_date"])
    # (110-100) x 1.1 = 11; (110-110) x 1.2 = 0; 11-06 spans the gap: (90-110) x 1.0 = -20
    assert f.at[("A", ts("2025-11-03")), "flow_cny"] == pytest.approx(11.0)
    assert f.at[("A", ts("2025-11-04")), "flow_cny"] == pytest.approx(0.0)
    assert f.at[("A", ts("2025-11-06")), "flow_cny"] == pytest.approx(-20.0)
    # the first row of every ETF has no previous units and so no flow
    assert np.isnan(f.at[("A", ts("2025-10-31")), "flow_cny"])
    assert bool(f.at[("B", ts("2025-11-05")), "first_row"])
    assert f.at[("B", ts("2025-11-06")), "flow_cny"] == pytest.approx(25.0)   # 10 x 2.5


def test_split_day_is_flagged_and_not_a_flow() -> None:
    f = etf_daily_flows(etf_frame(ROWS)).set_index(["etf_code", "trade_date"])
    # units x2 while the price halves (2.02 -> 1.00): value 2000 vs 2020, a split
    assert bool(f.at[("C", ts("2025-11-04")), "split"])
    assert np.isnan(f.at[("C", ts("2025-11-04")), "flow_cny"])
    # the next day is an ordinary creation: (2100-2000) x 1.0 = 100
    assert f.at[("C", ts("2025-11-05")), "flow_cny"] == pytest.approx(100.0)
    assert int(f["split"].sum()) == 1


def test_unit_split_rule() -> None:
    got = is_unit_split(np.array([2.0, 0.5, 2.0, 1.18, 1.0, 1.3]),
                        np.array([0.505, 1.98, 1.02, 0.85, 0.7, 1.3]))
    # split; merge; a real doubling by creations (price flat); a 15% drop (below the 25% jump);
    # a 30% price drop without unit change; units and price up together
    assert got.tolist() == [True, True, False, False, False, False]


def test_week_flows_per_etf() -> None:
    wk = etf_week_flows(etf_daily_flows(etf_frame(ROWS)), WEEK, T0)
    e = wk.etfs.set_index("etf_code")
    # A: 11 + 0 - 20 + (95-90) x 1.0 = -4
    assert e.at["A", "flow_cny"] == pytest.approx(-4.0)
    assert e.at["A", "days"] == 4
    assert e.at["A", "share_change_pct"] == pytest.approx(-5.0)     # 95 / 100 - 1
    assert e.at["A", "return_pct"] == pytest.approx(0.0)            # 1.0 / 1.0 - 1
    assert e.at["A", "aum_end_cny"] == pytest.approx(95.0)
    # B listed on 11-05: only 11-06 counts, 10 x 2.5 = 25; no base for units or price
    assert e.at["B", "flow_cny"] == pytest.approx(25.0)
    assert np.isnan(e.at["B", "shares_start"]) and np.isnan(e.at["B", "return_pct"])
    # C: 0 (11-03) + split left out + 100 + 0 + (2050-2100) x 1.0 = 50
    assert e.at["C", "flow_cny"] == pytest.approx(50.0)
    assert list(map(tuple, wk.listed.to_numpy())) == [("B", ts("2025-11-05"))]
    assert list(map(tuple, wk.split_days.to_numpy())) == [("C", ts("2025-11-04"))]


def test_category_totals_with_an_empty_category() -> None:
    wk = etf_week_flows(etf_daily_flows(etf_frame(ROWS)), WEEK, T0).etfs
    prev = pd.DataFrame({"etf_code": ["A", "C"], "flow_cny": [7.0, -3.0]})
    got = category_totals(wk, prev, META).set_index("category")
    assert list(got.index) == ["broad", "strategy", "sector"]
    # broad = A + B = -4 + 25 = 21; AUM 95 x 1.0 + 60 x 2.4 = 239; 21 / (239 - 21) = 9.633%
    assert got.at["broad", "n_etfs"] == 2
    assert got.at["broad", "flow_cny"] == pytest.approx(21.0)
    assert got.at["broad", "flow_prev_cny"] == pytest.approx(7.0)
    assert got.at["broad", "aum_end_cny"] == pytest.approx(239.0)
    assert got.at["broad", "flow_pct_of_aum"] == pytest.approx(21 / 218 * 100)
    # sector = C: 50 on AUM 2050 -> 50 / 2000 = 2.5%
    assert got.at["sector", "flow_pct_of_aum"] == pytest.approx(2.5)
    assert got.at["sector", "flow_prev_cny"] == pytest.approx(-3.0)
    assert got.at["strategy", "n_etfs"] == 0 and got.at["strategy", "flow_cny"] == 0.0
    assert np.isnan(got.at["strategy", "flow_pct_of_aum"])


def test_daily_category_flows() -> None:
    flows = etf_daily_flows(etf_frame(ROWS))
    d = daily_category_flows(flows, META, WEEK)
    # broad: 11 (A), 0 (A), B's listing row (no flow), -20 + 25, 5 + 0
    assert d["broad"].tolist() == pytest.approx([11.0, 0.0, 0.0, 5.0, 5.0])
    # sector (C): 1000 -> 1000 is 0; the split day is left out; 100; 0; -50
    assert d["sector"].tolist() == pytest.approx([0.0, 0.0, 100.0, 0.0, -50.0])
    assert d["strategy"].tolist() == [0.0] * 5
    # a session with no row at all is unknown, not zero
    d2 = daily_category_flows(flows[flows["trade_date"] != ts("2025-11-05")], META, WEEK)
    assert d2.loc[ts("2025-11-05")].isna().all()


def test_weekly_flows_and_streak() -> None:
    f = etf_frame([("A", "2025-10-17", 100, 1.0), ("A", "2025-10-24", 110, 1.0),
                   ("A", "2025-10-31", 120, 1.0), ("A", "2025-11-07", 115, 2.0)])
    w = weekly_category_flows(etf_daily_flows(f), META, date(2025, 11, 7), weeks=10)
    # the first week (no prior units) is dropped; then +10, +10, (115-120) x 2 = -10
    assert list(w.index) == [ts("2025-10-20"), ts("2025-10-27"), ts("2025-11-03")]
    assert w["broad"].tolist() == pytest.approx([10.0, 10.0, -10.0])
    assert flow_streak(w["broad"]) == -1
    assert flow_streak(w["broad"].iloc[:2]) == 2
    assert len(weekly_category_flows(etf_daily_flows(f), META, date(2025, 11, 7), weeks=2)) == 2


def test_top_flows_order_and_ties() -> None:
    wk = pd.DataFrame({"etf_code": ["X", "Y", "Z", "W", "V", "U"],
                       "flow_cny": [5.0, -3.0, 5.0, 0.0, -8.0, np.nan]})
    ins, outs = top_flows(wk, 2)
    assert list(ins["etf_code"]) == ["X", "Z"]        # tie broken by code
    assert list(outs["etf_code"]) == ["V", "Y"]       # most negative first
    ins1, outs1 = top_flows(wk, 5)
    assert list(ins1["etf_code"]) == ["X", "Z"]       # a zero flow is neither
    assert list(outs1["etf_code"]) == ["V", "Y"]


# -- northbound metrics -------------------------------------------------------------------------
def index_rows(amounts: dict[str, list[float]], days: list[date]) -> pd.DataFrame:
    rows = []
    for code, vals in amounts.items():
        for d, v in zip(days, vals):
            rows.append({"trade_date": ts(d.isoformat()), "index_code": code, "close": 100.0,
                         "amount_cny": v})
    return pd.DataFrame(rows)


def nb_rows(days: list[date], sh: list[float | None], sz: list[float | None],
            net: dict[tuple[str, date], float] | None = None) -> pd.DataFrame:
    rows = []
    for ch, vals in (("sh", sh), ("sz", sz)):
        for d, v in zip(days, vals):
            if v is None:
                continue                 # northbound closed that day: no row
            rows.append({"trade_date": ts(d.isoformat()), "channel": ch, "amount_cny": v,
                         "net_buy_cny": (net or {}).get((ch, d), np.nan)})
    return pd.DataFrame(rows)


# T = 000001 + 399106: 2000, 2000, 2500, 2000, 2000; northbound closed on Wednesday 11-05
IDX = index_rows({"000001": [800, 900, 1000, 900, 800],
                  "399106": [1200, 1100, 1500, 1100, 1200]}, WEEK)
NB = nb_rows(WEEK, [100, 120, None, 110, 100], [150, 130, None, 140, 100])


def test_a_share_turnover_needs_both_markets() -> None:
    t = a_share_turnover(IDX)
    assert t.tolist() == [2000, 2000, 2500, 2000, 2000]
    partial = IDX[~((IDX["index_code"] == "399106") & (IDX["trade_date"] == ts("2025-11-07")))]
    assert ts("2025-11-07") not in a_share_turnover(partial).index


def test_northbound_week_with_hong_kong_holiday() -> None:
    daily = northbound_daily(NB, a_share_turnover(IDX), WEEK)
    assert np.isnan(daily.at[ts("2025-11-05"), "amount_cny"])
    assert daily.at[ts("2025-11-03"), "share_pct"] == pytest.approx(12.5)   # 250 / 2000
    w = northbound_week(daily)
    assert (w.sessions, w.open_days, w.closed) == (5, 4, (date(2025, 11, 5),))
    assert w.total_cny == pytest.approx(950.0)            # 250 + 250 + 250 + 200
    assert w.adt_cny == pytest.approx(237.5)              # over the 4 open days
    assert w.sh_adt_cny == pytest.approx(107.5)
    assert w.sz_adt_cny == pytest.approx(130.0)
    assert w.market_adt_cny == pytest.approx(2100.0)      # (4 x 2000 + 2500) / 5
    # share on matched days: 950 / 8000, not 950 / 10500 (which would count the holiday's T)
    assert w.share_pct == pytest.approx(11.875)
    assert w.share_two_sided_pct == pytest.approx(5.9375)
    assert w.net_buy_cny is None and w.net_buy_days == 0


def test_share_skips_days_without_market_turnover() -> None:
    partial = IDX[~((IDX["index_code"] == "399106") & (IDX["trade_date"] == ts("2025-11-07")))]
    w = northbound_week(northbound_daily(NB, a_share_turnover(partial), WEEK))
    assert w.share_pct == pytest.approx(12.5)             # (950 - 200) / 6000
    assert w.total_cny == pytest.approx(950.0)            # the amount itself is still counted
    assert w.market_adt_cny == pytest.approx(2125.0)      # (3 x 2000 + 2500) / 4


def test_net_buying_only_when_published_for_every_channel() -> None:
    net = {("sh", WEEK[0]): 5.0, ("sz", WEEK[0]): -2.0, ("sh", WEEK[1]): 1.0}
    nb = nb_rows(WEEK, [100, 120, None, 110, 100], [150, 130, None, 140, 100], net)
    daily = northbound_daily(nb, a_share_turnover(IDX), WEEK)
    assert daily.at[ts("2025-11-03"), "net_buy_cny"] == pytest.approx(3.0)
    assert np.isnan(daily.at[ts("2025-11-04"), "net_buy_cny"])   # Shenzhen missing
    w = northbound_week(daily)
    assert w.net_buy_cny == pytest.approx(3.0) and w.net_buy_days == 1
    assert last_net_buy_date(nb) == date(2025, 11, 4)
    assert last_net_buy_date(NB) is None


HOLD = pd.DataFrame({
    "disclosure_date": [ts("2025-06-30")] * 2 + [ts("2025-09-30")] * 5 + [ts("2025-12-31")],
    "stock_code": ["600001", "600002", "600001", "600002", "600003", "600004", "600005",
                   "600001"],
    "shares": [10, 10, 30, 10, 20, 1, 5, 99],
    "market_value_cny": [999, 999, 300, 200, 100, 50, 150, 9999],
})


def stock_rows(points: dict[str, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"trade_date": ts(d), "stock_code": c, "close": v, "amount_cny": 1.0,
                          "total_mv_cny": 1.0, "float_mv_cny": 1.0}
                         for c, p in points.items() for d, v in p.items()])


# 600001 +10% this week; 600002 suspended all week (0%); 600003 +25%; 600005 has no prices
STOCKS = stock_rows({
    "600001": {"2025-09-30": 10, "2025-10-31": 10, "2025-11-07": 11},
    "600002": {"2025-09-30": 20, "2025-10-31": 25},
    "600003": {"2025-09-30": 5, "2025-10-31": 4, "2025-11-07": 5},
})


def test_latest_disclosure_before_the_week_end() -> None:
    d, top = latest_holdings(HOLD, date(2025, 11, 7), 3)
    assert d == date(2025, 9, 30)                       # 2025-12-31 is after the week
    assert list(top["stock_code"]) == ["600001", "600002", "600005"]   # 300, 200, 150
    assert list(top["rank"]) == [1, 2, 3]
    with pytest.raises(ValueError):
        latest_holdings(HOLD, date(2025, 6, 1), 3)


def test_holdings_performance_equal_and_value_weighted() -> None:
    top = HOLD[(HOLD["disclosure_date"] == ts("2025-09-30"))
               & HOLD["stock_code"].isin(["600001", "600002", "600003"])]
    top = top.assign(rank=[1, 2, 3])
    perf = holdings_performance(top, STOCKS, WEEK, T0, date(2025, 9, 30))
    s = perf.stocks.set_index("stock_code")
    assert s["week_return_pct"].tolist() == pytest.approx([10.0, 0.0, 25.0])
    assert s.at["600002", "sessions_traded"] == 0
    # value at t0: 30 x 10 = 300, 10 x 25 = 250, 20 x 4 = 80 -> 630
    assert s.at["600001", "weight_pct"] == pytest.approx(300 / 630 * 100)
    assert perf.ew_week_pct == pytest.approx(35 / 3)
    assert perf.vw_week_pct == pytest.approx((300 * 10 + 250 * 0 + 80 * 25) / 630)
    # since 09-30: +10%, +25%, 0%; weighted by disclosed value 300, 200, 100
    assert perf.ew_since_pct == pytest.approx(35 / 3)
    assert perf.vw_since_pct == pytest.approx((3000 + 5000) / 600)
    assert perf.missing == ()


def test_holding_without_prices_is_left_out_and_named() -> None:
    _d, top = latest_holdings(HOLD, date(2025, 11, 7), 3)   # 600001, 600002, 600005
    perf = holdings_performance(top, STOCKS, WEEK, T0, date(2025, 9, 30))
    assert perf.missing == ("600005",)
    assert perf.ew_week_pct == pytest.approx(5.0)           # (10 + 0) / 2
    assert perf.vw_week_pct == pytest.approx(3000 / 550)    # 300 x 10% over 300 + 250


def test_index_return() -> None:
    f = pd.DataFrame({"trade_date": [ts("2025-10-30"), ts("2025-10-31"), ts("2025-11-07")],
                      "index_code": "000300", "close": [90.0, 100.0, 102.5]})
    assert index_return_pct(f, "000300", T0, date(2025, 11, 7)) == pytest.approx(2.5)
    assert index_return_pct(f, "000300", date(2025, 11, 1), date(2025, 11, 7)) == \
        pytest.approx(2.5)                                   # base = last close on/before
    assert np.isnan(index_return_pct(f, "000300", date(2025, 1, 1), date(2025, 11, 7)))


# -- sections end to end on small frames --------------------------------------------------------
@pytest.fixture(scope="module")
def ref():  # type: ignore[no-untyped-def]
    return load_reference(SEEDS)


def weeks() -> tuple[ReportWeek, ReportWeek]:
    return (ReportWeek(WEEK[0], WEEK[-1], tuple(WEEK), "weekdays"),
            ReportWeek(PREV[0], PREV[-1], tuple(PREV), "weekdays"))


def env_for(ref, lang: str,  # type: ignore[no-untyped-def]
            params: Params | None = None) -> SectionEnv[Any]:
    """What exhibits and facts see: the report's env and a section's params (by default the
    northbound params of ``nb_input``; the ETF section reads none)."""
    return ExhibitEnv(lang=lang, style=ChartStyle(dpi=40), ref=ref,  # type: ignore[arg-type]
                      sources={"etf_daily": "SRC", "northbound_daily": "HKEX"},
                      as_of={}).for_section(params if params is not None else NB_PARAMS)


def etf_input(ref, rows: list[tuple[str, str, float, float]]):  # type: ignore[no-untyped-def]
    w, p = weeks()
    etfs = pd.DataFrame({"etf_code": ["510300", "510880", "512480", "159338"],
                         "name_zh": ["华泰柏瑞沪深300ETF", "华泰柏瑞红利ETF", "国联安半导体ETF",
                                     "国泰中证A500ETF"],
                         "tracks_index": ["000300", "000015", "H30184", "000510"],
                         "category": ["broad", "strategy", "sector", "broad"],
                         "exchange": ["SSE", "SSE", "SSE", "SZSE"]})
    r = dataclasses.replace(ref, etfs=etfs)
    params = etf_flows.EtfFlowsParams(etfs=(), top_n=2, history_weeks=4)
    return SectionInput(week=w, prev_week=p, history_start=date(2025, 9, 1),
                        frames={"etf_daily": etf_frame(rows)}, params=params, ref=r), r


ETF_ROWS = [
    # 510300: 1000 units at 4.0 on 10-24; +50 on 10-31 at 4.0 (last week +200);
    # this week -20 on 11-03 at 4.1 and -30 on 11-07 at 4.2: -82 - 126 = -208 (元 x 1e8 below)
    ("510300", "2025-10-24", 1000, 4.0), ("510300", "2025-10-31", 1050, 4.0),
    ("510300", "2025-11-03", 1030, 4.1), ("510300", "2025-11-07", 1000, 4.2),
    # 510880: +10 at 3.0 this week = +30
    ("510880", "2025-10-24", 100, 3.0), ("510880", "2025-10-31", 100, 3.0),
    ("510880", "2025-11-05", 110, 3.0), ("510880", "2025-11-07", 110, 3.1),
    # 512480: 1:2 split on 11-04 then +4 at 0.7 = +2.8
    ("512480", "2025-10-24", 100, 1.5), ("512480", "2025-10-31", 100, 1.5),
    ("512480", "2025-11-03", 100, 1.45), ("512480", "2025-11-04", 200, 0.72),
    ("512480", "2025-11-07", 204, 0.7),
]


def _scale(rows):  # type: ignore[no-untyped-def]
    # units in 1e8 so that flows come out in 亿元
    return [(c, d, s * YI, p) for c, d, s, p in rows]


def test_etf_section_compute_and_text(ref) -> None:  # type: ignore[no-untyped-def]
    inp, r = etf_input(ref, _scale(ETF_ROWS))
    ctx = etf_flows.compute(inp)
    e = ctx.etfs.set_index("etf_code")
    assert e.at["510300", "flow_cny"] == pytest.approx((-20 * 4.1 - 30 * 4.2) * YI)   # -208
    assert e.at["510300", "flow_prev_cny"] == pytest.approx(50 * 4.0 * YI)           # +200
    assert e.at["510880", "flow_cny"] == pytest.approx(30 * YI)
    assert e.at["512480", "flow_cny"] == pytest.approx(4 * 0.7 * YI)
    assert ctx.splits == (("512480", date(2025, 11, 4)),)
    assert ctx.missing == ("159338",)                          # in the list, no data
    assert ctx.total_cny == pytest.approx((-208 + 30 + 2.8) * YI)
    cats = ctx.categories.set_index("category")
    assert cats.at["broad", "flow_cny"] == pytest.approx(-208 * YI)
    assert ctx.streaks["broad"] == -1 and ctx.prior_streaks["broad"] == 1
    assert list(ctx.top_in["etf_code"]) == ["510880", "512480"]
    assert list(ctx.top_out["etf_code"]) == ["510300"]
    env = env_for(r, "zh")
    text = "".join(render(f, "zh") for f in etf_flows.facts(ctx, env))
    # the numbers in the text are the table's strings
    assert f"净流出{F.yi_signed(208 * YI)[1:]}亿元" in text       # '净流出208.00亿元'
    assert "宽基ETF净流出208.00亿元" in text
    assert "华泰柏瑞红利ETF（+30.00亿元）" in text
    assert "份额折算" in text
    exs = etf_flows.exhibits(ctx, env)
    table = next(x for x in exs if x.key == "etf_categories")
    assert isinstance(table, TableExhibit)
    total_row = table.rows[-1]
    assert F.yi_signed(total_row["flow"]) == F.yi_signed(ctx.total_cny) == "-175.20"
    assert "合计净流出175.20亿元，上周为净流入200.00亿元" in text
    assert "国联安半导体ETF 2025-11-04" in table.note          # the split day is named
    assert "国泰中证A500ETF" in table.note                     # and the ETF without data
    en = " ".join(render(f, "en") for f in etf_flows.facts(ctx, env_for(r, "en")))
    assert "CNY 17.5bn" in en and "CSI 300 ETF 510300" in en


def shown_in_exhibits(exs, fmt: str) -> set[str]:  # type: ignore[no-untyped-def]
    """Every cell of the exhibits' data frames formatted by ``fmt`` (as the e2e check does)."""
    out: set[str] = set()
    for ex in exs:
        for col in ex.data.columns:
            for v in ex.data[col].tolist():
                try:
                    out.add(str(F.FILTERS[fmt](float(v))))
                except (TypeError, ValueError):
                    pass
    return out


def assert_numbers_from_exhibits(facts, exs) -> None:  # type: ignore[no-untyped-def]
    for f in facts:
        for n in f.numbers():
            if n.fmt != "count":
                assert n.shown() in shown_in_exhibits(exs, n.fmt), (f.kind, n)


# four weeks of history (the first loaded week is dropped): CSI 300 ETF +40 a week for three
# weeks then -80 (a turn after a run over the whole window); dividend ETF 0, +30, +30, +30 (a
# three-week run); semiconductor ETF +15, -15, +15, -7.5 (no run)
RUN_ROWS = [
    ("510300", "2025-10-10", 1000, 4.0), ("510300", "2025-10-17", 1010, 4.0),
    ("510300", "2025-10-24", 1020, 4.0), ("510300", "2025-10-31", 1030, 4.0),
    ("510300", "2025-11-07", 1010, 4.0),
    ("510880", "2025-10-10", 100, 3.0), ("510880", "2025-10-17", 100, 3.0),
    ("510880", "2025-10-24", 110, 3.0), ("510880", "2025-10-31", 120, 3.0),
    ("510880", "2025-11-07", 130, 3.0),
    ("512480", "2025-10-10", 100, 1.5), ("512480", "2025-10-17", 110, 1.5),
    ("512480", "2025-10-24", 100, 1.5), ("512480", "2025-10-31", 110, 1.5),
    ("512480", "2025-11-07", 105, 1.5),
]


def test_etf_facts_runs_turns_and_numbers(ref) -> None:  # type: ignore[no-untyped-def]
    inp, r = etf_input(ref, _scale(RUN_ROWS))
    ctx = etf_flows.compute(inp)
    assert (ctx.streaks, ctx.prior_streaks) == ({"broad": -1, "strategy": 3, "sector": -1},
                                                {"broad": 3, "strategy": 0, "sector": 1})
    env = env_for(r, "zh")
    facts = etf_flows.facts(ctx, env)
    assert [f.kind for f in facts] == [
        "etf_flows.total", "etf_flows.categories1", "etf_flows.category_turn_min",
        "etf_flows.category_run", "etf_flows.top"]
    total, plain, turn, run, top = facts
    assert total.slots["flow"] == Num(ctx.total_cny, "yi_signed")
    assert total.slots["flow"].value == pytest.approx(  # type: ignore[union-attr]
        (-80 + 30 - 7.5) * YI)
    assert plain.slots["c1"] == Name("行业/主题ETF", "sector/theme ETFs")
    assert turn.slots["weeks"] == Num(3, "count") and run.slots["weeks"] == Num(3, "count")
    # ending a run: the sign flip (2.0) times the run it ended (3 weeks: 1.0)
    assert turn.score == pytest.approx(2.0) and run.score == pytest.approx(1.0)
    zh = [render(f, "zh") for f in facts]
    assert zh[2] == "宽基ETF净流出80.00亿元，结束此前至少连续3周的净流入。"
    assert zh[3] == "策略/红利ETF净流入30.00亿元，已连续3周净流入。"
    assert zh[1] == "分类看，行业/主题ETF净流出7.50亿元。"
    en = [render(f, "en") for f in facts]
    assert en[2] == ("Broad-based ETFs saw a net outflow of CNY 8.00bn, ending a run of "
                     "at least 3 weeks of net inflow.")
    assert "SSE Dividend ETF 510880 (+CNY 3.00bn)" in en[4] and "CSI 300 ETF 510300 (-CNY 8.00bn)" in en[4]
    assert_numbers_from_exhibits(facts, etf_flows.exhibits(ctx, env))


def test_etf_section_exhibits_are_complete_and_render(ref) -> None:  # type: ignore[no-untyped-def]
    inp, r = etf_input(ref, _scale(ETF_ROWS))
    ctx = etf_flows.compute(inp)
    for lang in ("zh", "en"):
        env = env_for(r, lang)
        exs = etf_flows.exhibits(ctx, env)
        assert len(exs) >= 3
        assert [x.key for x in exs] == ["etf_categories", "etf_daily", "etf_top", "etf_weekly",
                                        "etf_detail"]
        for x in exs:
            assert x.title and x.source == "SRC" and x.as_of == date(2025, 11, 7)
            assert not x.data.empty
            if isinstance(x, ChartExhibit):
                png = render_png(x.make, env.style, name=x.key)
                assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_etf_section_without_week_data_fails_clearly(ref) -> None:  # type: ignore[no-untyped-def]
    rows = [r for r in _scale(ETF_ROWS) if r[1] < "2025-11-01"]
    inp, _r = etf_input(ref, rows)
    with pytest.raises(SectionError, match="no etf_daily rows in the week"):
        etf_flows.compute(inp)


def test_etf_check_refs(ref) -> None:  # type: ignore[no-untyped-def]
    bad = etf_flows.check_refs(etf_flows.EtfFlowsParams(etfs=("510300", "999999")), ref)
    assert bad and "999999" in bad[0][1]
    assert etf_flows.check_refs(etf_flows.EtfFlowsParams(), ref) == []


NB_PARAMS = northbound.NorthboundParams(holdings_top_n=3)


def nb_input(ref, *, net_in_week: bool = False,  # type: ignore[no-untyped-def]
             net_in_prev: bool = False):
    w, p = weeks()
    days = PREV + WEEK
    # T = 20000 亿 every day; northbound 2400 亿 (12%) a day this week, 2600 亿 last week with
    # Hong Kong closed on 10-29 (so 4 days)
    idx = index_rows({"000001": [8000 * YI] * 10, "399106": [12000 * YI] * 10}, days)
    bench = pd.DataFrame(
        [{"trade_date": ts(d), "index_code": c, "close": v, "amount_cny": np.nan}
         for c, pts in {"000300": {"2025-09-30": 100.0, "2025-10-31": 105.0, "2025-11-07": 106.05},
                        "000985": {"2025-09-30": 50.0, "2025-10-31": 50.0, "2025-11-07": 49.5}}.items()
         for d, v in pts.items()])
    sh_prev = [1300 * YI, 1300 * YI, None, 1300 * YI, 1300 * YI]
    sh_week = [1200 * YI] * 5
    net = {("sh", WEEK[0]): 10 * YI, ("sz", WEEK[0]): 5 * YI} if net_in_week else {}
    if net_in_prev:
        net.update({("sh", PREV[0]): -4 * YI, ("sz", PREV[0]): 1 * YI})
    nb = nb_rows(days, sh_prev + sh_week, sh_prev + sh_week, net)
    uni = pd.DataFrame({"stock_code": ["600001", "600002", "600003"],
                        "stock_name": ["甲银行", "乙电力", "丙食品"],
                        "sw_l1_code": ["801780", "801730", "801120"],
                        "snapshot_date": ts("2025-11-07")})
    frames = {"northbound_daily": nb, "northbound_holdings": HOLD, "stock_daily": STOCKS,
              "stock_universe": uni, "index_daily": pd.concat([idx, bench], ignore_index=True)}
    return SectionInput(week=w, prev_week=p, history_start=date(2025, 6, 1), frames=frames,
                        params=NB_PARAMS, ref=ref)


def test_northbound_section_numbers_and_text(ref) -> None:  # type: ignore[no-untyped-def]
    ctx = northbound.compute(nb_input(ref))
    assert ctx.cur.adt_cny == pytest.approx(2400 * YI)
    assert ctx.prev.adt_cny == pytest.approx(2600 * YI)
    assert ctx.prev.closed == (date(2025, 10, 29),)
    assert ctx.adt_change_pct == pytest.approx((2400 / 2600 - 1) * 100)
    assert ctx.cur.share_pct == pytest.approx(12.0)
    assert ctx.prev.share_pct == pytest.approx(13.0)        # 2600 / 20000 on the 4 open days
    assert ctx.disclosure == date(2025, 9, 30)
    assert ctx.bench_week["000300"] == pytest.approx(1.0)   # 106.05 / 105
    assert ctx.bench_since["000985"] == pytest.approx(-1.0)
    assert ctx.perf.missing == ("600005",)
    zh = "".join(render(f, "zh") for f in northbound.facts(ctx, env_for(ref, "zh")))
    assert "日均2,400.0亿元" in zh and "2,600.0亿元" in zh and "减少7.69%" in zh
    assert "12.00%（上周13.00%）" in zh
    assert "上周港股休市1天" in zh
    assert "不再公布北向资金每日净买入额" in zh and "2024-08-19" in zh
    assert "净买入额0" not in zh and "+0.00亿元" not in zh
    en = " ".join(render(f, "en") for f in northbound.facts(ctx, env_for(ref, "en")))
    assert "no longer publish daily northbound net buying" in en
    assert "CNY 240bn" in en and "12.00%" in en
    exs = northbound.exhibits(ctx, env_for(ref, "zh"))
    assert [x.key for x in exs] == ["nb_summary", "nb_daily", "nb_holdings_perf", "nb_holdings"]
    table = exs[0]
    assert isinstance(table, TableExhibit)
    net_row = table.rows[-1]
    assert net_row["cur"] == "未公布" and net_row["prev"] == "未公布"
    adt_row = next(r for r in table.rows if str(r["metric"]).startswith("日均成交额"))
    assert F.yi(adt_row["cur"]) == "2,400.0"                # the string in the text
    assert "不再公布" in table.note
    hold = exs[3]
    assert isinstance(hold, TableExhibit)
    assert [r["code"] for r in hold.rows] == ["600001", "600002", "600005"]
    assert hold.rows[0]["name"] == "甲银行"
    assert "600005" in hold.note and "2025-09-30" in hold.title


def test_northbound_facts_kinds_slots_and_numbers(ref) -> None:  # type: ignore[no-untyped-def]
    ctx = northbound.compute(nb_input(ref))
    env = env_for(ref, "zh")
    facts = northbound.facts(ctx, env)
    assert [f.kind for f in facts] == ["northbound.trading", "northbound.closed_prev",
                                       "northbound.share", "northbound.holdings",
                                       "northbound.net_buy_stopped"]
    trading, closed, share, holdings, stopped = facts
    assert trading.slots["adt"] == Num(2400 * YI, "yi")
    assert trading.slots["chg"].value == pytest.approx(  # type: ignore[union-attr]
        (2400 / 2600 - 1) * 100)
    assert (closed.slots["closed"], closed.slots["open"]) == (Num(1, "count"), Num(4, "count"))
    assert share.slots["share"].value == pytest.approx(12.0)  # type: ignore[union-attr]
    assert holdings.slots["disclosure"] == Name("2025-09-30", "2025-09-30")
    bench = holdings.slots["bench"]
    assert isinstance(bench, Items) and [(n.en, round(v.value, 6)) for n, v in bench.items] == [
        ("CSI 300", 1.0), ("CSI All Share", -1.0)]
    # the discontinued net buying is said in words, with no number at all
    assert stopped.numbers() == [] and stopped.slots["since"] == Name("2024-08-19", "2024-08-19")
    assert "不以零代替净买入" in render(stopped, "zh")
    assert "does not show net buying as zero" in render(stopped, "en")
    assert_numbers_from_exhibits(facts, northbound.exhibits(ctx, env))
    # without a disclosure the benchmarks' returns are still traceable to an exhibit's data
    inp = nb_input(ref)
    frames = dict(inp.frames)
    frames["northbound_holdings"] = HOLD[HOLD["disclosure_date"] > ts("2025-11-07")]
    bare = northbound.compute(dataclasses.replace(inp, frames=frames))
    facts = northbound.facts(bare, env)
    assert "northbound.no_holdings" in [f.kind for f in facts]
    assert_numbers_from_exhibits(facts, northbound.exhibits(bare, env))


def test_northbound_shows_published_net_buying(ref) -> None:  # type: ignore[no-untyped-def]
    ctx = northbound.compute(nb_input(ref, net_in_week=True))
    assert ctx.cur.net_buy_cny == pytest.approx(15 * YI)
    zh = "".join(render(f, "zh") for f in northbound.facts(ctx, env_for(ref, "zh")))
    assert "+15.00亿元" in zh and "不再公布" not in zh
    table = northbound.exhibits(ctx, env_for(ref, "zh"))[0]
    assert F.yi_signed(table.rows[-1]["cur"]) == "+15.00"  # type: ignore[union-attr]


def test_week_after_net_buying_stopped(ref) -> None:  # type: ignore[no-untyped-def]
    ctx = northbound.compute(nb_input(ref, net_in_prev=True))
    assert ctx.cur.net_buy_cny is None and ctx.prev.net_buy_cny == pytest.approx(-3 * YI)
    assert ctx.last_net_buy == date(2025, 10, 27)
    zh = "".join(render(f, "zh") for f in northbound.facts(ctx, env_for(ref, "zh")))
    assert "不再公布" in zh and "最后一个公布日为2025-10-27" in zh
    last = northbound.exhibits(ctx, env_for(ref, "zh"))[0].rows[-1]  # type: ignore[union-attr]
    assert last["cur"] == "未公布" and F.yi_signed(last["prev"]) == "-3.00"


def test_northbound_exhibits_render(ref) -> None:  # type: ignore[no-untyped-def]
    ctx = northbound.compute(nb_input(ref))
    for lang in ("zh", "en"):
        env = env_for(ref, lang)
        for x in northbound.exhibits(ctx, env):
            assert x.title and x.as_of == date(2025, 11, 7) and x.source
            if isinstance(x, ChartExhibit):
                assert render_png(x.make, env.style, name=x.key)[:4] == b"\x89PNG"


def test_northbound_before_any_disclosure_keeps_the_trading_part(ref) -> None:  # type: ignore[no-untyped-def]
    inp = nb_input(ref)
    frames = dict(inp.frames)
    frames["northbound_holdings"] = HOLD[HOLD["disclosure_date"] > ts("2025-11-07")]
    ctx = northbound.compute(dataclasses.replace(inp, frames=frames))
    assert ctx.perf is None and ctx.disclosure is None
    assert ctx.cur.adt_cny == pytest.approx(2400 * YI)
    exs = northbound.exhibits(ctx, env_for(ref, "zh"))
    assert [x.key for x in exs] == ["nb_summary", "nb_daily"]
    zh = "".join(render(f, "zh") for f in northbound.facts(ctx, env_for(ref, "zh")))
    assert "尚无北向持股披露数据" in zh and "沪深300上涨1.00%" in zh


def test_northbound_without_trading_in_the_week_fails_clearly(ref) -> None:  # type: ignore[no-untyped-def]
    inp = nb_input(ref)
    frames = dict(inp.frames)
    nb = frames["northbound_daily"]
    frames["northbound_daily"] = nb[nb["trade_date"] < ts("2025-11-03")]
    with pytest.raises(SectionError, match="no northbound_daily rows in the week"):
        northbound.compute(dataclasses.replace(inp, frames=frames))
