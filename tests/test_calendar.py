"""Trading calendar and report weeks: holidays, weekends, 'latest', dates beyond the library."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from fundflow.calendar import TradingCalendar
from fundflow.errors import CalendarError

CAL = TradingCalendar()
SH = timezone(timedelta(hours=8))


def d(s: str) -> date:
    return date.fromisoformat(s)


def test_sample_week() -> None:
    w = CAL.week_of(d("2025-11-05"))
    assert w.sessions == tuple(d(f"2025-11-0{i}") for i in range(3, 8))
    assert (w.label, w.source, w.warnings) == ("2025-11-07", "exchange_calendars", ())
    assert CAL.previous_week(w).end == d("2025-10-31")


def test_national_day_2025_spans_a_closure() -> None:
    before = CAL.week_of(d("2025-10-01"))
    assert before.sessions == (d("2025-09-29"), d("2025-09-30"))
    after = CAL.week_of(d("2025-10-06"))
    assert after.sessions == (d("2025-10-09"), d("2025-10-10"))
    assert after.label == "2025-10-10"
    assert CAL.previous_week(after) == before
    assert CAL.previous_session(d("2025-10-09")) == d("2025-09-30")


def test_holiday_only_week_is_an_error_naming_the_dates() -> None:
    with pytest.raises(CalendarError) as info:
        CAL.week_of(d("2023-10-04"))  # National Day 2023: closed Mon 10-02 .. Fri 10-06
    assert str(info.value) == ("the week 2023-10-02..2023-10-06 has no trading session "
                               "(exchange holiday); choose a date in another week")
    # and the week after it looks back past the closed week
    after = CAL.week_of(d("2023-10-09"))
    assert CAL.previous_week(after).end == d("2023-09-28")


def test_weekend_maps_to_the_week_just_past() -> None:
    assert CAL.week_of(d("2025-11-08")).label == "2025-11-07"
    assert CAL.week_of(d("2025-11-09")).label == "2025-11-07"


@pytest.mark.parametrize("now, label", [
    (datetime(2025, 11, 7, 14, 0, tzinfo=SH), "2025-10-31"),   # Friday before the close
    (datetime(2025, 11, 7, 16, 0, tzinfo=SH), "2025-11-07"),   # Friday after the close
    (datetime(2025, 11, 8, 10, 0, tzinfo=SH), "2025-11-07"),   # Saturday
    (datetime(2025, 11, 5, 10, 0, tzinfo=SH), "2025-10-31"),   # mid-week
    (datetime(2025, 11, 7, 7, 30, tzinfo=timezone.utc), "2025-11-07"),  # 15:30 in Shanghai
    (datetime(2025, 10, 8, 20, 0, tzinfo=SH), "2025-09-30"),   # inside the holiday
])
def test_latest_completed_week(now: datetime, label: str) -> None:
    assert CAL.latest_completed_week(now).label == label


def test_beyond_the_library_uses_store_sessions() -> None:
    # a store list that knows 2027-02-08..12 as a holiday week except Friday
    store = [d("2027-02-01") + timedelta(days=i) for i in range(5)] + [d("2027-02-12")]
    cal = TradingCalendar(store)
    w = cal.week_of(d("2027-02-10"))
    assert (w.sessions, w.source, w.warnings) == ((d("2027-02-12"),), "store", ())
    assert cal.previous_week(w).end == d("2027-02-05")


def test_beyond_everything_falls_back_to_weekdays_with_a_warning() -> None:
    w = CAL.week_of(d("2030-12-31"))
    assert w.source == "weekdays"
    assert len(w.sessions) == 5
    assert w.warnings == ("trading calendar unknown for 2030-12-30..2031-01-03: "
                          "assumed Mon–Fri sessions",)


def test_dates_before_the_library_do_not_crash() -> None:
    w = CAL.week_of(d("1999-01-06"))
    assert w.source == "weekdays" and w.label == "1999-01-08"


def test_sessions_across_sources() -> None:
    days = CAL.sessions(d("2026-12-28"), d("2027-01-08"))
    assert days[0] == d("2026-12-28")
    assert d("2027-01-04") in days      # weekday fallback beyond 2026
    assert all(x.weekday() < 5 for x in days)
