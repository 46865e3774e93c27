"""Metrics on small hand-made frames."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from fundflow.metrics.returns import (
    range_position, rank_top_bottom, turnover_comparison, weekly_change,
)


def frame(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "trade_date", "close", "amount_cny"]).assign(
        trade_date=lambda f: pd.to_datetime(f["trade_date"]))


def d(s: str) -> date:
    return date.fromisoformat(s)


# National Day 2025: week of 2025-10-06 has only 10-09 and 10-10; the session before is 09-30.
HOLIDAY = frame([
    ("A", "2025-09-29", 100.0, 10.0), ("A", "2025-09-30", 101.0, 12.0),
    ("A", "2025-10-09", 103.0, 20.0), ("A", "2025-10-10", 99.99, 30.0),
    ("B", "2025-09-30", 50.0, 5.0), ("B", "2025-10-10", 55.0, 7.0),
])
HOLIDAY_WEEK = (d("2025-10-09"), d("2025-10-10"))
PREV_WEEK = (d("2025-09-29"), d("2025-09-30"))


def test_weekly_change_holiday_week_uses_last_session_before_the_week() -> None:
    out = weekly_change(HOLIDAY, "code", HOLIDAY_WEEK, d("2025-09-30")).set_index("code")
    assert out.at["A", "start"] == 101.0
    assert out.at["A", "end"] == 99.99
    assert out.at["A", "return_pct"] == pytest.approx((99.99 / 101.0 - 1) * 100)
    assert out.at["A", "sessions_traded"] == 2
    # B missed 10-09 but traded 10-10: measured on what it has
    assert out.at["B", "return_pct"] == pytest.approx(10.0)
    assert out.at["B", "sessions_traded"] == 1


def test_weekly_change_suspended_stock_is_flat_and_flagged() -> None:
    f = frame([("S", "2025-10-31", 20.0, 1.0), ("T", "2025-10-31", 10.0, 1.0),
               ("T", "2025-11-07", 11.0, 1.0)])
    week = tuple(d(f"2025-11-0{i}") for i in range(3, 8))
    out = weekly_change(f, "code", week, d("2025-10-31")).set_index("code")
    assert out.at["S", "sessions_traded"] == 0
    assert out.at["S", "return_pct"] == 0.0
    assert out.at["S", "end_date"] == pd.Timestamp("2025-10-31")
    assert out.at["T", "return_pct"] == pytest.approx(10.0)


def test_weekly_change_new_listing_has_no_base() -> None:
    f = frame([("N", "2025-11-05", 30.0, 1.0), ("N", "2025-11-07", 33.0, 1.0)])
    week = tuple(d(f"2025-11-0{i}") for i in range(3, 8))
    out = weekly_change(f, "code", week, d("2025-10-31")).set_index("code")
    assert np.isnan(out.at["N", "return_pct"])


def test_weekly_change_ignores_rows_after_the_week() -> None:
    f = frame([("A", "2025-10-31", 10.0, 1.0), ("A", "2025-11-07", 12.0, 1.0),
               ("A", "2025-11-10", 99.0, 1.0)])
    week = tuple(d(f"2025-11-0{i}") for i in range(3, 8))
    out = weekly_change(f, "code", week, d("2025-10-31"))
    assert out["return_pct"].iloc[0] == pytest.approx(20.0)


def test_turnover_comparison_averages_over_sessions_present() -> None:
    out = turnover_comparison(HOLIDAY, "code", HOLIDAY_WEEK, PREV_WEEK).set_index("code")
    assert out.at["A", "adt"] == pytest.approx(25.0)      # (20 + 30) / 2, not / 5
    assert out.at["A", "adt_prev"] == pytest.approx(11.0)
    assert out.at["A", "adt_change_pct"] == pytest.approx((25 / 11 - 1) * 100)
    assert out.at["B", "adt"] == 7.0 and out.at["B", "days"] == 1


def test_range_position() -> None:
    f = frame([("A", "2024-11-01", 50.0, 0), ("A", "2024-12-01", 80.0, 0),
               ("A", "2025-06-01", 60.0, 0), ("A", "2025-11-07", 70.0, 0)])
    out = range_position(f, "code", d("2025-11-07"), weeks=52).set_index("code")
    # 2024-11-01 is more than 52 weeks before 2025-11-07: excluded
    assert out.at["A", "low"] == 60.0 and out.at["A", "high"] == 80.0
    assert out.at["A", "position_pct"] == pytest.approx(50.0)
    assert out.at["A", "from_high_pct"] == pytest.approx(-12.5)


def test_range_position_flat_series_has_no_position() -> None:
    f = frame([("A", "2025-11-06", 70.0, 0), ("A", "2025-11-07", 70.0, 0)])
    out = range_position(f, "code", d("2025-11-07"))
    assert np.isnan(out["position_pct"].iloc[0])


def test_rank_top_bottom_is_deterministic_and_skips_nan() -> None:
    f = pd.DataFrame({"code": ["a", "b", "c", "d"], "r": [1.0, 3.0, np.nan, 1.0]})
    top, bottom = rank_top_bottom(f, "r", 2)
    assert list(top["code"]) == ["b", "a"]
    assert list(bottom["code"]) == ["a", "d"]
