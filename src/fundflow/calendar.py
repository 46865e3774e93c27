"""Trading days and report weeks (pure: no I/O, no network).

Inside the range of exchange_calendars' XSHG calendar its sessions are used. Beyond it (the
library stops at the end of the year after next, and starts 20 years back), the trading-day list
kept in the store is used where it covers the date; otherwise Monday-Friday is assumed and the
week carries a warning that the report prints. No date makes this module crash.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from fundflow.errors import CalendarError

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARKET_CLOSE = time(15, 0)


@dataclass(frozen=True)
class ReportWeek:
    """The sessions Monday..Friday of one calendar week, labelled by its last session."""

    monday: date
    friday: date
    sessions: tuple[date, ...]
    source: str                      # "exchange_calendars" | "store" | "weekdays"
    warnings: tuple[str, ...] = ()

    @property
    def start(self) -> date:
        return self.sessions[0]

    @property
    def end(self) -> date:
        return self.sessions[-1]

    @property
    def label(self) -> str:
        return self.end.isoformat()


@dataclass(frozen=True)
class _Library:
    first: date
    last: date
    sessions: tuple[date, ...]


@lru_cache(maxsize=1)
def _library() -> _Library:
    import exchange_calendars as xcals

    cal = xcals.get_calendar("XSHG")
    sessions = tuple(ts.date() for ts in cal.sessions)
    return _Library(sessions[0], sessions[-1], sessions)


class TradingCalendar:
    """XSHG sessions from the library, then the store's list, then weekdays."""

    def __init__(self, store_sessions: Iterable[date] = ()) -> None:
        self._lib = _library()
        self._store = tuple(sorted(set(store_sessions)))

    # -- per-date resolution -------------------------------------------------------------------
    def source_for(self, d: date) -> str:
        if self._lib.first <= d <= self._lib.last:
            return "exchange_calendars"
        if self._store and self._store[0] <= d <= self._store[-1]:
            return "store"
        return "weekdays"

    def _sessions_from(self, src: str, start: date, end: date) -> list[date]:
        if src == "weekdays":
            days = (start + timedelta(days=i) for i in range((end - start).days + 1))
            return [d for d in days if d.weekday() < 5]
        seq = self._lib.sessions if src == "exchange_calendars" else self._store
        lo = bisect.bisect_left(seq, start)
        hi = bisect.bisect_right(seq, end)
        return list(seq[lo:hi])

    def sessions(self, start: date, end: date) -> list[date]:
        """Sessions with ``start <= d <= end``, each date resolved by its own source."""
        out: list[date] = []
        d = start
        while d <= end:
            src = self.source_for(d)
            # extend the run of dates that share this source
            run_end = d
            while run_end < end and self.source_for(run_end + timedelta(days=1)) == src:
                step = min(end, run_end + timedelta(days=366))
                if self.source_for(step) == src:
                    run_end = step
                else:
                    run_end += timedelta(days=1)
            out.extend(self._sessions_from(src, d, run_end))
            d = run_end + timedelta(days=1)
        return out

    def is_session(self, d: date) -> bool:
        return d in self.sessions(d, d)

    def previous_session(self, d: date) -> date:
        """The last session strictly before ``d`` (looks back up to a year)."""
        found = self.sessions(d - timedelta(days=366), d - timedelta(days=1))
        if not found:
            raise CalendarError(f"no trading session in the year before {d}")
        return found[-1]

    # -- weeks ---------------------------------------------------------------------------------
    def _week(self, monday: date) -> tuple[ReportWeek | None, str]:
        friday = monday + timedelta(days=4)
        sources = {self.source_for(monday), self.source_for(friday)}
        src = "weekdays" if "weekdays" in sources else (
            "store" if "store" in sources else "exchange_calendars")
        sessions = tuple(self.sessions(monday, friday))
        warnings: tuple[str, ...] = ()
        if src == "weekdays":
            warnings = (f"trading calendar unknown for {monday.isoformat()}..{friday.isoformat()}:"
                        f" assumed Mon–Fri sessions",)
        if not sessions:
            return None, src
        return ReportWeek(monday, friday, sessions, src, warnings), src

    def week_of(self, d: date) -> ReportWeek:
        """The Monday..Friday week containing ``d`` (a weekend date maps to the week before it
        ends: Saturday and Sunday belong to the Monday..Friday just past)."""
        monday = d - timedelta(days=d.weekday())
        week, _src = self._week(monday)
        if week is None:
            raise CalendarError(
                f"the week {monday.isoformat()}..{(monday + timedelta(days=4)).isoformat()} "
                f"has no trading session (exchange holiday); choose a date in another week")
        return week

    def previous_week(self, week: ReportWeek) -> ReportWeek:
        """The nearest earlier week that has sessions (skips holiday-only weeks)."""
        monday = week.monday
        for _ in range(8):
            monday -= timedelta(days=7)
            prev, _src = self._week(monday)
            if prev is not None:
                return prev
        raise CalendarError(f"no trading week in the 8 weeks before {week.monday.isoformat()}")

    def latest_completed_week(self, now: datetime) -> ReportWeek:
        """The last week whose last session has closed (15:00 Shanghai) at ``now``."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        local = now.astimezone(SHANGHAI)
        today = local.date()
        monday = today - timedelta(days=today.weekday())
        for _ in range(10):
            week, _src = self._week(monday)
            if week is not None:
                closed = datetime.combine(week.end, MARKET_CLOSE, tzinfo=SHANGHAI)
                # the week is complete once no session of it is still to come
                later = [s for s in week.sessions if s > today]
                if not later and local >= closed:
                    return week
            monday -= timedelta(days=7)
        raise CalendarError(f"no completed trading week in the 10 weeks before {today}")
