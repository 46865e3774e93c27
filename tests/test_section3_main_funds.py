"""3.3 Main funds: metrics on hand-made frames (expected values worked out by hand in the
comments), streaks across a holiday week from multi-week history, the section's compute /
exhibits / summary on a small store-like input, and one check against the sample week."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from fundflow import formatting as F
from fundflow.calendar import ReportWeek
from fundflow.charts.style import ChartStyle
from fundflow.data.sample import read_sample
from fundflow.data.schemas import conform
from fundflow.metrics import main_flow as M
from fundflow.narrative import render
from fundflow.reference import load_reference
from fundflow.sections import main_funds as S
from fundflow.sections import registry
from fundflow.sections.base import ChartExhibit, ExhibitEnv, SectionInput, TableExhibit

ROOT = Path(__file__).resolve().parents[1]
Y = 1e8  # 1 亿元


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


def d(s: str) -> date:
    return date.fromisoformat(s)


def flows(table: dict[str, dict[str, float]]) -> pd.DataFrame:
    """{stock: {date: value in 亿元}} -> long main_flow_stock_daily frame in 元."""
    rows = [(ts(day), code, v * Y) for code, per in table.items() for day, v in per.items()]
    return pd.DataFrame(rows, columns=["trade_date", "stock_code", "main_net_inflow_cny"])


# National Day 2025: 10-01..10-08 closed. Sessions used below (two full weeks around it):
PRE = ["2025-09-22", "2025-09-23", "2025-09-24", "2025-09-25", "2025-09-26"]
PREV = ["2025-09-29", "2025-09-30"]              # W-1: the holiday starts on Wednesday
WEEK = ["2025-10-09", "2025-10-10"]              # W: the holiday ends on Wednesday
SESSIONS = PRE + PREV + WEEK


# -- metrics ----------------------------------------------------------------------------------
def test_latest_members_picks_latest_list_on_or_before_the_week_and_flags_look_ahead() -> None:
    cons = pd.DataFrame({
        "index_code": ["000300", "000300", "000300", "000300", "000300", "000688", "000688"],
        "stock_code": ["A", "B", "A", "B", "D", "C", "E"],
        "snapshot_date": [ts("2025-06-01"), ts("2025-06-01"), ts("2025-09-01"), ts("2025-09-01"),
                          ts("2025-12-01"), ts("2025-12-01"), ts("2026-06-01")]})
    # the June list has A,B (old), September A,B (latest <= 10-10); D joins only in December
    out = M.latest_members(cons, ["000300", "000688", "399006"], d("2025-10-10"))
    got = {(r.index_code, r.stock_code, r.snapshot_date.date()) for r in out.itertuples()}
    assert got == {("000300", "A", d("2025-09-01")), ("000300", "B", d("2025-09-01")),
                   # no list on or before the week: the earliest one (look-ahead), not E's
                   ("000688", "C", d("2025-12-01"))}


def test_daily_group_sum_missing_stock_days_and_empty_sessions_are_not_zero() -> None:
    f = flows({"A": {"2025-10-09": 1.0, "2025-10-10": -2.0},
               "B": {"2025-10-09": 0.5},                          # suspended on 10-10
               "C": {"2025-10-10": 4.0}})                         # not in any group
    members = pd.DataFrame({"stock_code": ["A", "B", "B"], "g": ["x", "x", "y"]})
    grid = M.daily_group_sum(f, members, "g", [d("2025-10-09"), d("2025-10-10")])
    # x = A + B: 10-09 1.0 + 0.5 = 1.5; 10-10 only A: -2.0.  y = B: 0.5, then no row -> NaN
    assert list(grid.columns) == ["x", "y"]
    assert grid["x"].tolist() == [1.5 * Y, -2.0 * Y]
    assert grid.at[ts("2025-10-09"), "y"] == 0.5 * Y
    assert np.isnan(grid.at[ts("2025-10-10"), "y"])


def test_weekly_totals_holiday_week_counts_sessions_with_data() -> None:
    idx = pd.DatetimeIndex([ts(s) for s in PREV + WEEK + ["2025-10-13"]])
    grid = pd.DataFrame({"x": [1.0, -4.0, 3.0, 1.5, 9.0], "y": [np.nan, np.nan, 2.0, np.nan, 1.0]},
                        index=idx) * Y
    out = M.weekly_totals(grid, [d(s) for s in WEEK], [d(s) for s in PREV])
    # x: W = 3.0 + 1.5 = 4.5 over 2 sessions; W-1 = 1.0 - 4.0 = -3.0; change 7.5; 10-13 is later
    assert out.at["x", "week_cny"] == pytest.approx(4.5 * Y)
    assert out.at["x", "prev_cny"] == pytest.approx(-3.0 * Y)
    assert out.at["x", "change_cny"] == pytest.approx(7.5 * Y)
    assert out.at["x", "week_avg_cny"] == pytest.approx(2.25 * Y)
    assert out.at["x", "prev_avg_cny"] == pytest.approx(-1.5 * Y)
    # y: W has one session with data (2.0); W-1 has none -> NaN, not 0
    assert out.at["y", "week_cny"] == pytest.approx(2.0 * Y)
    assert (out.at["y", "week_days"], out.at["y", "prev_days"]) == (1, 0)
    assert np.isnan(out.at["y", "prev_cny"]) and np.isnan(out.at["y", "change_cny"])


def test_flow_share_uses_only_stock_days_present_in_both_datasets() -> None:
    f = flows({"A": {"2025-10-09": 1.0, "2025-10-10": -3.0}, "B": {"2025-10-09": 2.0}})
    amounts = pd.DataFrame({"trade_date": [ts("2025-10-09"), ts("2025-10-09"), ts("2025-10-10")],
                            "stock_code": ["A", "B", "B"],        # A has no bar on 10-10
                            "amount_cny": [50 * Y, 100 * Y, 70 * Y]})
    members = pd.DataFrame({"stock_code": ["A", "B"], "g": ["x", "x"]})
    share = M.flow_share_pct(f, amounts, members, "g", [d(s) for s in WEEK])
    # pairs: A 10-09 (1/50), B 10-09 (2/100); A 10-10 has no amount, B 10-10 has no flow
    assert share["x"] == pytest.approx((1.0 + 2.0) / (50 + 100) * 100)   # 2.0%


def test_session_streak_sign_start_and_censoring() -> None:
    idx = pd.DatetimeIndex([ts(s) for s in ["2025-09-26", "2025-09-29", "2025-09-30",
                                            "2025-10-09", "2025-10-10"]])
    # + then four - : run of 4 starting 09-29, bounded by a sign change -> exact
    assert M.session_streak(pd.Series([2.0, -1, -1, -3, -0.5], index=idx)) == \
        (-4, ts("2025-09-29"), False)
    # the run covers every row: the history may hide more -> lower bound
    assert M.session_streak(pd.Series([1.0, 1, 2, 3, 4], index=idx)) == (5, ts("2025-09-26"), True)
    # a session without data cuts the run and marks it as a lower bound
    assert M.session_streak(pd.Series([-1.0, np.nan, 1, 1, 2], index=idx)) == \
        (3, ts("2025-09-30"), True)
    # a last value of 0 or NaN has no run
    assert M.session_streak(pd.Series([1.0, 1, 1, 1, 0], index=idx)) == (0, None, False)
    assert M.session_streak(pd.Series([1.0, 1, 1, 1, np.nan], index=idx)) == (0, None, False)


def test_streaks_cross_the_holiday_and_need_history_not_the_week_alone() -> None:
    # one row per session: the holiday 10-01..10-08 has no rows, so it neither breaks nor
    # extends the run. x: + on 09-25, then - on 09-26, 09-29, 09-30, 10-09, 10-10 -> -5.
    idx = pd.DatetimeIndex([ts(s) for s in SESSIONS])
    grid = pd.DataFrame({"x": [1, 1, -1, 2, -1, -0.5, -1.5, -1, -0.5],
                         "y": [-1, -1, -1, -1, -1, 1, 1, 3, 2]}, index=idx) * Y
    st = M.streaks(grid, d("2025-10-10"))
    assert st.at["x", "streak_days"] == -5
    assert st.at["x", "streak_since"] == ts("2025-09-26")
    assert not st.at["x", "censored"]
    assert st.at["x", "streak_cny"] == pytest.approx((-1 - 0.5 - 1.5 - 1 - 0.5) * Y)   # -4.5
    assert st.at["y", "streak_days"] == 4 and st.at["y", "streak_since"] == ts("2025-09-29")
    assert st.at["y", "streak_cny"] == pytest.approx((1 + 1 + 3 + 2) * Y)            # 7.0
    # the holiday week's own frame sees only 2 sessions: that would be the wrong answer
    week_only = M.streaks(grid.loc[[ts(s) for s in WEEK]], d("2025-10-10"))
    assert week_only.at["x", "streak_days"] == -2 and week_only.at["x", "censored"]
    # streaks end at the given day: up to 09-30 x is -3 (09-26..09-30)
    assert M.streaks(grid, d("2025-09-30")).at["x", "streak_days"] == -3


def test_top_bottom_never_lists_an_outflow_as_an_inflow() -> None:
    f = pd.DataFrame({"v": [5.0, -1.0, -7.0, 5.0, np.nan, 0.0, -7.0]},
                     index=["a", "b", "c", "d", "e", "f", "g"])
    top, bottom = M.top_bottom(f, "v", 3)
    assert top == ["a", "d"]                 # only two positives; tie broken by label
    assert bottom == ["c", "g", "b"]         # lowest first, tie by label; 0 and NaN in neither
    assert M.top_bottom(f, "v", 1) == (["a"], ["c"])


def test_longest_streaks_by_sign() -> None:
    st = pd.DataFrame({"streak_days": [3, -12, 0, 3, -2, 1]}, index=list("abcdef"))
    assert M.longest_streaks(st, 2, +1) == ["a", "d"]
    assert M.longest_streaks(st, 5, -1) == ["b", "e"]
    assert M.longest_streaks(st.iloc[[2]], 3, +1) == []


def test_days_signed_filters() -> None:
    assert (F.days_signed(3), F.days_signed(-12), F.days_signed(0)) == ("+3", "-12", "0")
    assert F.days_signed_min(-80) == "-80*" and F.days_signed(None) == F.DASH
    assert F.FILTERS["days_signed"] is F.days_signed


# -- the section on a small hand-made store ---------------------------------------------------
# Stocks: A (CSI 300, Electronics), B (CSI 300 + ChiNext, Pharma), C (STAR 50, Electronics,
# listed 09-29), D (no Shenwan code; joins CSI 300 only on a list dated after the week).
A = dict(zip(SESSIONS, [1, 1, -1, 2, -1, -1, -1, -2, -1]))
B = dict(zip(SESSIONS, [-1, -1, -1, -1, -1, 1, 1, 3, 2]))
C = dict(zip(PREV + WEEK, [0.5, -0.5, 1, 0.5]))
D = dict(zip(SESSIONS, [3.0] * 9))


def _frames() -> dict[str, pd.DataFrame]:
    fl = flows({"600001": A, "300001": B, "688001": C, "000001": D})
    amount = {"600001": 100, "300001": 60, "688001": 10, "000001": 20}
    bars = [(ts(s), code, 10.0, amt * Y, 1e10, 1e10) for code, amt in amount.items()
            for s in SESSIONS
            if not (code == "688001" and s < "2025-09-29")
            and not (code == "300001" and s == "2025-10-09")]      # B has no bar on 10-09
    stock_daily = pd.DataFrame(bars, columns=["trade_date", "stock_code", "close", "amount_cny",
                                              "total_mv_cny", "float_mv_cny"])
    cons = pd.DataFrame(
        [("000300", "600001", "2025-09-01"), ("000300", "300001", "2025-09-01"),
         ("000300", "600001", "2025-12-01"), ("000300", "300001", "2025-12-01"),
         ("000300", "000001", "2025-12-01"), ("399006", "300001", "2025-09-01"),
         ("000688", "688001", "2025-12-01")],
        columns=["index_code", "stock_code", "snapshot_date"]).assign(
        snapshot_date=lambda f: pd.to_datetime(f["snapshot_date"]))
    uni = pd.DataFrame({"stock_code": ["600001", "300001", "688001", "000001"],
                        "stock_name": ["甲", "乙", "丙", "丁"],
                        "sw_l1_code": ["801080", "801150", "801080", "999999"],
                        "snapshot_date": ts("2025-11-07")})
    idx = pd.DataFrame({"trade_date": [ts("2025-09-30"), ts("2025-10-10"), ts("2025-09-30"),
                                       ts("2025-10-09"), ts("2025-10-10")],
                        "index_code": ["000300", "000300", "399006", "399006", "399006"],
                        "open": 1.0, "high": 1.0, "low": 1.0,
                        "close": [100.0, 101.0, 200.0, 210.0, 190.0],
                        "volume": 1.0, "amount_cny": 1.0})
    days = pd.DataFrame({"trade_date": [ts(s) for s in SESSIONS]})
    return {"main_flow_stock_daily": fl, "index_constituents": cons, "stock_universe": uni,
            "stock_daily": stock_daily, "index_daily": idx, "trade_days": days}


WEEK_RW = ReportWeek(d("2025-10-06"), d("2025-10-10"), tuple(d(s) for s in WEEK), "test")
PREV_RW = ReportWeek(d("2025-09-29"), d("2025-10-03"), tuple(d(s) for s in PREV), "test")


@pytest.fixture(scope="module")
def ref():  # type: ignore[no-untyped-def]
    return load_reference(ROOT / "seeds")


def _compute(ref, frames=None, **params):  # type: ignore[no-untyped-def]
    p = S.MainFundsParams(**params)
    return S.compute(SectionInput(WEEK_RW, PREV_RW, d("2025-05-01"), frames or _frames(), p, ref))


def test_compute_index_flows_weekly_totals_share_and_return(ref) -> None:  # type: ignore[no-untyped-def]
    ctx = _compute(ref)
    rows = {r.code: r for r in ctx.indices}
    assert [r.code for r in ctx.indices] == ["000300", "399006", "000688"]
    hs = rows["000300"]          # September list: A + B (D only joins in December)
    # W: A (-2 - 1) + B (3 + 2) = 2.0; W-1: A (-1 - 1) + B (1 + 1) = 0.0
    assert (hs.week_cny, hs.prev_cny, hs.change_cny) == (2.0 * Y, 0.0, 2.0 * Y)
    assert (hs.week_avg_cny, hs.week_days, hs.prev_days) == (1.0 * Y, 2, 2)
    # share: B has no bar on 10-09 -> pairs A 10-09, A 10-10, B 10-10: (-2 - 1 + 2)/(100+100+60)
    assert hs.share_pct == pytest.approx(-1 / 260 * 100)
    # daily: 10-09 -2 + 3 = +1, 10-10 -1 + 2 = +1; 09-30 -1 + 1 = 0 stops the run -> +2
    assert ctx.index_daily["000300"].tolist() == [1.0 * Y, 1.0 * Y]
    assert (hs.streak_days, hs.streak_since, hs.censored) == (2, d("2025-10-09"), False)
    assert hs.return_pct == pytest.approx(1.0)                    # 100 -> 101
    assert (hs.stocks, hs.covered) == (2, 2)
    cn = rows["399006"]          # B: W 3 + 2 = 5, W-1 2; runs + from 09-29 (4 sessions)
    assert (cn.week_cny, cn.prev_cny) == (5.0 * Y, 2.0 * Y)
    assert cn.share_pct == pytest.approx(2 / 60 * 100)            # only B 10-10 pairs
    assert (cn.streak_days, cn.streak_since) == (4, d("2025-09-29"))
    assert cn.return_pct == pytest.approx(-5.0)                   # 200 -> 190
    star = rows["000688"]        # C from its December list (look-ahead, flagged)
    assert (star.week_cny, star.prev_cny) == (1.5 * Y, 0.0)
    assert np.isnan(star.return_pct)                              # no index rows
    assert ctx.look_ahead == ("000688",) and ctx.snapshot["000688"] == d("2025-12-01")
    assert ctx.snapshot["000300"] == d("2025-09-01") and ctx.missing_indices == ()
    # all collected stocks: W -3 + 5 + 1.5 + 6 = 9.5; W-1 -2 + 2 + 0 + 6 = 6.0
    assert (ctx.all_stocks.week_cny, ctx.all_stocks.prev_cny) == (9.5 * Y, 6.0 * Y)
    assert ctx.all_stocks.stocks == 4
    assert ctx.sessions == (d("2025-10-09"), d("2025-10-10")) and ctx.as_of == d("2025-10-10")


def test_compute_industries_rank_and_streaks_across_the_holiday(ref) -> None:  # type: ignore[no-untyped-def]
    ctx = _compute(ref)
    ele, pharma = ctx.industry("801080"), ctx.industry("801150")
    # Electronics = A + C. W: (-2 + 1) + (-1 + 0.5) = -1.5; W-1: (-1 + 0.5) + (-1 - 0.5) = -2.0
    assert (ele.week_cny, ele.prev_cny) == (-1.5 * Y, -2.0 * Y)
    # daily A+C: 09-25 +2 | 09-26 -1, 09-29 -0.5, 09-30 -1.5, 10-09 -1, 10-10 -0.5 -> -5 from 09-26
    assert (ele.streak_days, ele.streak_since, ele.censored) == (-5, d("2025-09-26"), False)
    assert ele.streak_cny == pytest.approx(-4.5 * Y)
    assert ele.share_pct == pytest.approx(-1.5 / 220 * 100)       # A 200 + C 20 of turnover
    assert (pharma.week_cny, pharma.streak_days, pharma.streak_cny) == (5 * Y, 4, 7 * Y)
    assert ctx.top == ("801150",) and ctx.bottom == ("801080",)
    assert ctx.longest_in == ("801150",) and ctx.longest_out == ("801080",)
    assert ctx.unclassified == 1                                   # D: code 999999 unknown
    assert [r.code for r in ctx.industries] == ["801150", "801080"]
    assert ctx.history_start == d("2025-09-22")


def test_a_missing_session_in_the_store_cuts_the_streak_as_a_lower_bound(ref) -> None:  # type: ignore[no-untyped-def]
    fr = _frames()
    f = fr["main_flow_stock_daily"]
    # collection failed on 09-29 for every stock: the calendar still has the session
    fr["main_flow_stock_daily"] = f[f["trade_date"] != ts("2025-09-29")]
    ele = _compute(ref, fr).industry("801080")
    assert (ele.streak_days, ele.streak_since, ele.censored) == (-3, d("2025-09-30"), True)
    # ... and on 09-25, before W-1: only the stored calendar knows that session. Without it
    # the run would wrongly bridge the gap to 09-24 (-6, exact).
    fr["main_flow_stock_daily"] = f[f["trade_date"] != ts("2025-09-25")]
    ele = _compute(ref, fr).industry("801080")
    assert (ele.streak_days, ele.streak_since, ele.censored) == (-5, d("2025-09-26"), True)


def test_rank_by_share_of_turnover_and_top_n(ref) -> None:  # type: ignore[no-untyped-def]
    fr = _frames()
    # add Banks (801780): stock E, W flows +0.1 each day on 1.0 turnover = +10%: the smallest
    # amount, the largest share
    e = flows({"600002": dict(zip(SESSIONS, [0.1] * 9))})
    fr["main_flow_stock_daily"] = pd.concat([fr["main_flow_stock_daily"], e])
    fr["stock_daily"] = pd.concat([fr["stock_daily"], pd.DataFrame(
        [(ts(s), "600002", 1.0, 1.0 * Y, 1e9, 1e9) for s in SESSIONS],
        columns=fr["stock_daily"].columns)])
    fr["stock_universe"] = pd.concat([fr["stock_universe"], pd.DataFrame(
        {"stock_code": ["600002"], "stock_name": ["戊"], "sw_l1_code": ["801780"],
         "snapshot_date": [ts("2025-11-07")]})])
    by_amount = _compute(ref, fr)
    assert by_amount.top == ("801150", "801780")                  # 5.0 > 0.2
    by_share = _compute(ref, fr, rank_by="share_of_turnover", top_n=1)
    assert by_share.top == ("801780",)                            # 10% > 3.33%
    assert by_share.industry("801780").share_pct == pytest.approx(10.0)
    assert by_share.bottom == ("801080",)


def test_compute_fails_clearly_without_data_for_the_week(ref) -> None:  # type: ignore[no-untyped-def]
    from fundflow.errors import SectionError

    fr = _frames()
    f = fr["main_flow_stock_daily"]
    fr["main_flow_stock_daily"] = f[f["trade_date"] < ts("2025-10-01")]
    with pytest.raises(SectionError, match="no main_flow_stock_daily rows in the week"):
        _compute(ref, fr)
    fr = _frames()
    fr["index_constituents"] = fr["index_constituents"].iloc[0:0]
    with pytest.raises(SectionError, match="no constituent list"):
        _compute(ref, fr)


def _env(ref, lang, **params):  # type: ignore[no-untyped-def]
    """What exhibits and facts see: the report's env and the params ``_compute`` was given."""
    return ExhibitEnv(lang=lang, style=ChartStyle(), ref=ref,
                      sources={"main_flow_stock_daily": "东方财富", "index_constituents": "中证指数",
                               "stock_universe": "申万", "stock_daily": "东方财富",
                               "index_daily": "中证指数"}).for_section(S.MainFundsParams(**params))


def test_exhibits_numbers_sources_and_formats(ref) -> None:  # type: ignore[no-untyped-def]
    ctx = _compute(ref)
    exs = S.exhibits(ctx, _env(ref, "zh"))
    assert [e.key for e in exs] == ["main_index_daily", "main_index_weekly",
                                    "main_industry_ranking", "main_industry_table",
                                    "main_industry_streaks"]
    for e in exs:
        assert e.title and e.source and e.as_of == d("2025-10-10")
    assert "东方财富" in exs[0].source and "中证指数" in exs[0].source
    daily = exs[0]
    assert isinstance(daily, ChartExhibit)
    ax = daily.make().axes[0]
    # 3 indices x 2 days; bar heights in 亿元: CSI 300 +1, +1; ChiNext +3, +2; STAR +1, +0.5
    assert sorted(round(p.get_height(), 6) for p in ax.patches) == [0.5, 1, 1, 1, 2, 3]
    weekly = exs[1]
    assert isinstance(weekly, TableExhibit)
    hs = weekly.rows[0]
    assert hs["name"] == "沪深300成分股" and F.yi(hs["week"]) == "2.0"
    assert hs["streak"] == 2 and hs["_fmt_streak"] == "days_signed"
    assert weekly.rows[-1]["name"] == "全部已采集个股（4只）" and weekly.rows[-1]["ret"] is None
    assert "东方财富口径" in weekly.note and "不可比" in weekly.note and "前视偏差" in weekly.note
    assert "名单日期晚于本周：科创50" in weekly.note
    table = exs[3]
    assert isinstance(table, TableExhibit)
    groups = [r["_group"] for r in table.rows if "_group" in r]
    assert groups == ["主力净流入居前（1个行业净流入）", "主力净流出居前（1个行业净流出）"]
    assert [r["name"] for r in table.rows if "_group" not in r] == ["医药生物", "电子"]
    assert "申万一级" in table.note and "已采集个股（4只）" not in table.note
    assert "1只个股无申万一级行业" in table.note
    streaks = exs[4]
    assert isinstance(streaks, TableExhibit)
    ele = [r for r in streaks.rows if r.get("name") == "电子"][0]
    assert (ele["streak"], ele["since"], F.yi(ele["run"])) == (-5, "09-26", "-4.5")


def said(ctx, ref, lang):  # type: ignore[no-untyped-def]
    """The opening sentences the section's facts render to."""
    return [render(f, lang) for f in S.facts(ctx, _env(ref, lang))]


def test_summary_zh_and_en_use_the_table_numbers(ref) -> None:  # type: ignore[no-untyped-def]
    ctx = _compute(ref)
    zh = said(ctx, ref, "zh")
    assert 2 <= len(zh) <= 4
    # CSI 300 last week was exactly 0.0: stated as a number, not as an inflow or outflow
    assert zh[0] == ("本周沪深300成分股主力资金净流入2.0亿元（上周0.0亿元），2个交易日中2日主力净流入，"
                     "截至本周末已连续2个交易日净流入。")
    assert zh[1] == "其他指数成分股本周主力资金净流入（亿元）：创业板指（5.0）、科创50（1.5）。"
    assert zh[2] == ("分行业看（单位：亿元），2个申万一级行业中1个主力净流入，为医药生物（5.0）；"
                     "净流出居前的是电子（-1.5）。")
    assert zh[3] == "电子已连续5个交易日净流出；医药生物已连续4个交易日净流入，为各行业中最长。"
    en = said(ctx, ref, "en")
    assert 2 <= len(en) <= 4
    assert en[0] == ("CSI 300 members saw a main-fund net inflow of CNY 200m this week, "
                     "against CNY 0 last week; net inflows on 2 of 2 sessions, and 2 consecutive "
                     "sessions of net inflows by the week's close.")
    assert en[1] == ("Main-fund net inflow of the other index members this week: "
                     "ChiNext (CNY 500m) and STAR 50 (CNY 150m).")
    assert "Pharma & Biotech (CNY 500m)" in en[2] and "Electronics (-CNY 150m)" in en[2]
    assert "5 consecutive sessions of net outflows" in en[3]


def test_facts_kinds_slots_and_scores(ref) -> None:  # type: ignore[no-untyped-def]
    from fundflow.narrative import rank_score, regime_score, streak_score

    ctx = _compute(ref)
    facts = S.facts(ctx, _env(ref, "zh"))
    assert [f.kind for f in facts] == ["main_funds.lead.prevzero_mix_run", "main_funds.others",
                                       "main_funds.industries_all_named",
                                       "main_funds.runs.out_both_in"]
    lead = facts[0].slots
    # the weekly table's numbers, by the table's filters
    assert (lead["week"].value, lead["week"].fmt) == (2.0 * Y, "yi")  # type: ignore[union-attr]
    assert (lead["streak"].value, lead["streak"].fmt) == (2, "days_signed")  # type: ignore[union-attr]
    assert (lead["n_days"].value, lead["mix"].value) == (2, 2)  # type: ignore[union-attr]
    others = facts[1].slots["items"]
    assert [(n.zh, v.value) for n, v in others.items] == [  # type: ignore[union-attr]
        ("创业板指", 5.0 * Y), ("科创50", 1.5 * Y)]
    ind = facts[2].slots
    assert (ind["total"].value, ind["n_in"].value) == (2, 1)  # type: ignore[union-attr]
    runs = facts[3].slots
    assert (runs["out"].value, runs["in"].value) == (-5, 4)  # type: ignore[union-attr]
    # scores: the lead's run of 2 sessions is no complete week; last week 0.0 is no sign change
    assert facts[0].score == pytest.approx(max(regime_score(2.0, 0.0), streak_score(0)))
    assert facts[2].score == pytest.approx(rank_score(0.5))
    assert facts[3].score == pytest.approx(streak_score(1))        # 5 sessions = 1 week


def test_summary_when_every_industry_had_outflows(ref) -> None:  # type: ignore[no-untyped-def]
    fr = _frames()
    f = fr["main_flow_stock_daily"].copy()
    f.loc[f["stock_code"] == "300001", "main_net_inflow_cny"] *= -1   # Pharma now flows out
    fr["main_flow_stock_daily"] = f
    ctx = _compute(ref, fr)
    assert ctx.top == () and ctx.bottom == ("801150", "801080")       # -5.0, then -1.5
    zh = said(ctx, ref, "zh")
    assert zh[2] == ("分行业看（单位：亿元），2个申万一级行业均为主力净流出，净流出居前的是医药生物（-5.0）、"
                     "电子（-1.5）。")
    assert "none of 2 Shenwan L1 industries had net inflows" in said(ctx, ref, "en")[2]
    table = S.exhibits(ctx, _env(ref, "zh"))[3]
    assert table.rows[0] == {"_group": "本周无行业主力净流入"}


def test_index_without_flows_this_week_is_reported_not_zero(ref) -> None:  # type: ignore[no-untyped-def]
    fr = _frames()
    f = fr["main_flow_stock_daily"]
    # C (the STAR 50 list) has no flow rows this week
    fr["main_flow_stock_daily"] = f[~((f["stock_code"] == "688001")
                                      & (f["trade_date"] >= ts("2025-10-09")))]
    ctx = _compute(ref, fr)
    star = [r for r in ctx.indices if r.code == "000688"][0]
    assert star.week_days == 0 and np.isnan(star.week_cny) and star.covered == 0
    assert star.prev_cny == pytest.approx(0.0)                    # 0.5 - 0.5
    assert star.streak_days == 0
    zh = said(ctx, ref, "zh")
    assert "科创50成分股本周无主力资金数据" in "".join(zh)
    assert "科创50（" not in "".join(zh)                             # not stated as 0.0
    row = S.exhibits(ctx, _env(ref, "zh"))[1].rows[2]
    assert F.yi(row["week"]) == F.DASH and row["cover"] == "0/1"


def test_summary_marks_a_lower_bound_streak(ref) -> None:  # type: ignore[no-untyped-def]
    fr = _frames()
    f = fr["main_flow_stock_daily"]
    fr["main_flow_stock_daily"] = f[f["trade_date"] != ts("2025-09-29")]
    ctx = _compute(ref, fr)
    assert "电子已连续3个交易日净流出（至少）" in said(ctx, ref, "zh")[3]
    assert "at least 3 consecutive sessions of net outflows" in said(ctx, ref, "en")[3]
    table = S.exhibits(ctx, _env(ref, "zh"))[4]
    ele = [r for r in table.rows if r.get("name") == "电子"][0]
    assert ele["_fmt_streak"] == "days_signed_min" and "*" in table.note


# -- params, registration ---------------------------------------------------------------------
def test_params_validation_and_reference_check(ref) -> None:  # type: ignore[no-untyped-def]
    p = S.MainFundsParams()
    assert p.indices == ("000300", "399006", "000688") and p.top_n == 5
    for bad in ({"indices": ["300"]}, {"indices": ["000300", "000300"]}, {"top_n": 0},
                {"rank_by": "volume"}, {"colour": "red"}):
        with pytest.raises(ValidationError):
            S.MainFundsParams(**bad)
    assert S.check_refs(p, ref) == []
    problems = S.check_refs(S.MainFundsParams(indices=("000300", "123456")), ref)
    assert problems and problems[0][0] == "indices" and "'123456'" in problems[0][1]
    spec = registry.get("main_funds")
    assert spec is S.SPEC and spec.part == "flows"
    assert spec.history_days(p) >= p.streak_lookback_days


def test_config_yaml_enables_the_section() -> None:
    from fundflow.config import load_config

    cfg = load_config(ROOT / "config.yaml")
    entry = [s for s in cfg.sections if s.section == "main_funds"]
    assert len(entry) == 1 and entry[0].params["top_n"] == 5


# -- the sample week --------------------------------------------------------------------------
def test_sample_week_matches_a_direct_computation(ref) -> None:  # type: ignore[no-untyped-def]
    from fundflow.calendar import TradingCalendar

    sample = ROOT / "seeds" / "sample"
    frames = {name: conform(name, read_sample(sample, name)) for name in S.SPEC.datasets}
    cal = TradingCalendar(list(frames["trade_days"]["trade_date"].dt.date))
    week = cal.week_of(d("2025-11-07"))
    prev = cal.previous_week(week)
    ctx = S.compute(SectionInput(week, prev, d("2025-05-01"), frames, S.MainFundsParams(), ref))
    fl, cons = frames["main_flow_stock_daily"], frames["index_constituents"]
    members = set(cons.loc[cons["index_code"] == "000300", "stock_code"])
    in_week = fl["trade_date"].between(ts("2025-11-03"), ts("2025-11-07"))
    direct = fl.loc[in_week & fl["stock_code"].isin(members), "main_net_inflow_cny"].sum()
    assert ctx.indices[0].week_cny == pytest.approx(direct)
    # CSI 300's streak, walked day by day over every stored session
    daily = fl[fl["stock_code"].isin(members)].groupby("trade_date")["main_net_inflow_cny"].sum()
    daily = daily[daily.index <= ts("2025-11-07")]
    signs = np.sign(daily.to_numpy())[::-1]
    run = next(i for i, s in enumerate(signs) if s != signs[0])
    assert ctx.indices[0].streak_days == run * int(signs[0])
    # industries: every Shenwan L1 industry of the sample appears, totals add up to the
    # classified stocks' total
    assert len(ctx.industries) == 31 and ctx.unclassified == 0
    assert sum(r.week_cny for r in ctx.industries) == pytest.approx(ctx.all_stocks.week_cny)
