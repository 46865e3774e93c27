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


def test_spring_festival_2026_week_is_closed() -> None:
    with pytest.raises(CalendarError, match=r"2026-02-16\.\.2026-02-20"):
        CAL.week_of(d("2026-02-18"))
    after = CAL.week_of(d("2026-02-24"))
    assert after.sessions[0] == d("2026-02-24")     # Monday 02-23 is closed too
    assert CAL.previous_week(after).end == d("2026-02-13")
    assert CAL.previous_session(d("2026-02-24")) == d("2026-02-13")


def test_week_straddling_the_library_end_warns_only_for_unknown_days() -> None:
    w = CAL.week_of(d("2026-12-31"))
    assert w.sessions[-1] == d("2027-01-01")        # assumed, the library stops at 12-31
    assert w.source == "weekdays"
    assert w.warnings == ("trading calendar unknown for 2027-01-01: assumed Mon–Fri sessions",)
    # with the store knowing 2027, the same week is exact and has no warning
    cal = TradingCalendar([d("2027-01-04"), d("2027-01-05")] + [d("2026-12-31")])
    w = cal.week_of(d("2026-12-31"))
    assert (w.label, w.source, w.warnings) == ("2026-12-31", "store", ())


def test_store_ending_mid_week_warns_for_the_days_after_it() -> None:
    cal = TradingCalendar([d("2027-03-01"), d("2027-03-02"), d("2027-03-03")])
    w = cal.week_of(d("2027-03-03"))
    assert w.sessions == tuple(d(f"2027-03-0{i}") for i in range(1, 6))
    assert w.source == "weekdays"
    assert w.warnings == ("trading calendar unknown for 2027-03-04..2027-03-05: "
                          "assumed Mon–Fri sessions",)
    assert cal.source_for(d("2027-03-03")) == "store"
    assert cal.source_for(d("2027-03-04")) == "weekdays"


def test_a_short_store_span_between_unknown_dates_is_not_skipped() -> None:
    # store knows spring 2005 (before the library), with 2005-04-04 closed; weekdays elsewhere
    store = [x for x in CAL.sessions(d("2005-03-01"), d("2005-06-30")) if x != d("2005-04-04")]
    cal = TradingCalendar(store)
    days = cal.sessions(d("2004-12-01"), d("2006-01-31"))
    assert d("2005-04-01") in days and d("2005-04-04") not in days
    assert d("2004-12-01") in days and d("2006-01-31") in days
    assert not cal.is_session(d("2005-04-04")) and cal.is_session(d("2005-04-05"))


def test_small_queries() -> None:
    assert CAL.sessions(d("2025-11-07"), d("2025-11-03")) == []
    assert CAL.is_session(d("2025-11-07")) and not CAL.is_session(d("2025-11-08"))
    assert not CAL.is_session(d("2025-10-01"))
    assert CAL.previous_session(d("2025-11-10")) == d("2025-11-07")
    assert CAL.previous_session(d("2027-03-03")) == d("2027-03-02")   # beyond: weekdays
    assert CAL.source_for(d("2025-11-07")) == "exchange_calendars"
    with pytest.raises(ValueError):
        CAL.latest_completed_week(datetime(2025, 11, 7, 16, 0))
