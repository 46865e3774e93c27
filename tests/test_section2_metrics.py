"""Section 2 metrics on hand-made frames: asset weeks on their own calendars (a US holiday inside
the A-share week), yields in bp, rebasing two markets, the seesaw spread, tech-theme excess
returns with a missing board."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from fundflow.calendar import ReportWeek
from fundflow.metrics.returns import daily_returns, rebase_pair
from fundflow.reference import Reference
from fundflow.sections import tech_themes
from fundflow.sections.base import SectionInput
from fundflow.sections.major_assets import asset_week_change
from fundflow.sections.style_seesaw import seesaw_spread


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


def series_frame(points: dict[str, float], code: str = "X", col: str = "asset_code") -> pd.DataFrame:
    return pd.DataFrame({"trade_date": [ts(d) for d in points], col: code,
                         "close": list(points.values())})


# US Thanksgiving 2025: Thursday 2025-11-27 closed; the A-share week 11-24..28 is complete.
US = {"2025-11-21": 100.0, "2025-11-24": 101.0, "2025-11-25": 102.0, "2025-11-26": 103.0,
      "2025-11-28": 99.0}


def test_asset_week_with_us_holiday_uses_local_days() -> None:
    close, base, chg, last, traded = asset_week_change(
        series_frame(US), date(2025, 11, 24), date(2025, 11, 28), "price")
    assert (close, base, last, traded) == (99.0, 100.0, date(2025, 11, 28), 4)
    assert chg == pytest.approx(-1.0)


def test_us_friday_close_belongs_to_the_week_even_when_a_shares_end_on_thursday() -> None:
    # the A-share week may end on Thursday; the asset week still runs to its local Friday
    got = asset_week_change(series_frame(US), date(2025, 11, 24), date(2025, 11, 28), "price")
    assert got is not None and got[3] == date(2025, 11, 28)


def test_yield_change_in_bp() -> None:
    f = series_frame({"2025-10-31": 1.795, "2025-11-07": 1.812})
    got = asset_week_change(f, date(2025, 11, 3), date(2025, 11, 7), "yield")
    assert got is not None and got[2] == pytest.approx(1.7)


def test_asset_closed_all_week_and_without_base() -> None:
    f = series_frame({"2025-10-31": 10.0})
    got = asset_week_change(f, date(2025, 11, 3), date(2025, 11, 7), "price")
    assert got is not None and got[2] == 0.0 and got[4] == 0
    assert asset_week_change(series_frame({"2025-11-05": 1.0}), date(2025, 11, 3),
                             date(2025, 11, 7), "price") is None


def test_rebase_pair_aligns_calendars_without_filling_before_the_start() -> None:
    cn = pd.Series({ts("2025-11-24"): 50.0, ts("2025-11-25"): 51.0, ts("2025-11-26"): 49.0,
                    ts("2025-11-27"): 50.0, ts("2025-11-28"): 52.0})
    us = pd.Series({ts(d): v for d, v in US.items() if d >= "2025-11-24"})
    out = rebase_pair(cn, us)
    assert list(out.index) == list(cn.index)          # union of dates
    assert out.loc[ts("2025-11-24")].tolist() == [100.0, 100.0]
    assert out.loc[ts("2025-11-27"), "b"] == pytest.approx(103 / 101 * 100)  # US holiday: ffill
    assert out.loc[ts("2025-11-28"), "a"] == pytest.approx(104.0)
    late = pd.Series({ts("2025-11-26"): 10.0, ts("2025-11-28"): 11.0})
    out = rebase_pair(cn, late)
    assert out.index[0] == ts("2025-11-26")           # base = first common date
    assert out.loc[ts("2025-11-27"), "b"] == 100.0


def test_daily_returns_and_seesaw_spread() -> None:
    rows = []
    for code, closes in {"G": [100, 101, 99.99, 100.0], "D": [50, 50.5, 50.5, np.nan]}.items():
        for d, c in zip(["2025-10-31", "2025-11-03", "2025-11-04", "2025-11-05"], closes):
            if not np.isnan(c):
                rows.append((ts(d), code, c))
    f = pd.DataFrame(rows, columns=["trade_date", "index_code", "close"])
    days = [date(2025, 11, 3), date(2025, 11, 4), date(2025, 11, 5)]
    r = daily_returns(f, "index_code", days, date(2025, 10, 31))
    assert r.loc[ts("2025-11-03"), "G"] == pytest.approx(1.0)
    assert r.loc[ts("2025-11-04"), "D"] == pytest.approx(0.0)
    assert np.isnan(r.loc[ts("2025-11-05"), "D"])
    s = seesaw_spread(r, ("G",), ("D",))
    assert s.iloc[0] == pytest.approx(0.0)
    assert s.iloc[1] == pytest.approx(-1.0)
    assert np.isnan(s.iloc[2])


def _ref() -> Reference:
    empty = pd.DataFrame()
    themes = pd.DataFrame({"theme_id": ["a", "b"], "name_zh": ["甲", "乙"], "name_en": ["A", "B"],
                           "board_code": ["BK1", "BK2"], "board_name": ["甲", "乙"]})
    indices = pd.DataFrame({"index_code": ["000985"], "name_zh": ["中证全指"],
                            "name_en": ["CSI All Share"]})
    return Reference(indices=indices, sw_l1=empty, global_assets=empty, themes=themes)


def test_tech_themes_excess_and_missing_board() -> None:
    days = ["2025-09-30", "2025-10-09", "2025-10-31", "2025-11-03", "2025-11-07"]
    bench = [100.0, 101.0, 102.0, 102.0, 103.02]
    board = [200.0, 210.0, 220.0, 221.0, 226.6]
    idx = pd.DataFrame({"trade_date": [ts(d) for d in days], "index_code": "000985",
                        "close": bench})
    boards = pd.DataFrame({"trade_date": [ts(d) for d in days], "board_code": "BK1",
                           "board_name": "甲", "close": board, "amount_cny": 1e10})
    week = ReportWeek(date(2025, 11, 3), date(2025, 11, 7),
                      (date(2025, 11, 3), date(2025, 11, 7)), "test")
    prev = ReportWeek(date(2025, 10, 27), date(2025, 10, 31), (date(2025, 10, 31),), "test")
    params = tech_themes.TechThemesParams(since=date(2025, 10, 1))
    ctx = tech_themes.compute(SectionInput(week, prev, date(2025, 9, 1),
                                           {"index_daily": idx, "concept_board_daily": boards},
                                           params, _ref()))
    assert ctx.missing == ("b",)                      # BK2 has no rows: listed, not counted
    (row,) = ctx.rows
    assert ctx.base_date == date(2025, 9, 30)
    assert row.since_pct == pytest.approx(13.3)
    assert ctx.bench_since_pct == pytest.approx(3.02)
    assert row.since_excess_pp == pytest.approx(13.3 - 3.02)
    assert row.week_pct == pytest.approx((226.6 / 220 - 1) * 100)
    assert row.week_excess_pp == pytest.approx((226.6 / 220 - 1) * 100 - 1.0)
    assert ctx.beat == 1
    assert ctx.excess_series["a"].iloc[-1] == pytest.approx(row.since_excess_pp)
    assert ctx.turnover["a"].tolist() == [1e10, 1e10]


def test_window_start_defaults() -> None:
    assert tech_themes.window_start("prev_month_start", date(2025, 11, 7)) == date(2025, 10, 1)
    assert tech_themes.window_start("month_start", date(2025, 11, 7)) == date(2025, 11, 1)
    assert tech_themes.window_start("prev_month_start", date(2025, 1, 10)) == date(2024, 12, 1)
