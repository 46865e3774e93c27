"""Trading days and report weeks: no network, and no I/O but an optional disk cache of the
library's session list (see below).

Each date is resolved by the first source that knows it:

1. exchange_calendars' XSHG calendar, inside its range (its first session is 20 years before
   today; its holiday data ends on 2026-12-31 in exchange_calendars 4.13);
2. the trading-day list kept in the store (from akshare), where that list covers the date
   (its first entry <= date <= its last entry);
3. otherwise Monday..Friday is assumed, and the week carries a warning the report prints.

No date makes this module crash: unknown dates fall through to the weekday rule.

Building the library calendar takes 0.5-3 s (import and holiday rules), which every build and
collect paid, and each foreign exchange's calendar (XNYS, XHKG, XLON, ... for the global assets
a collect fetches, ``exchange_sessions``) another 0.2-0.4 s. The session lists are therefore
kept on disk, one small text file per exchange, exchange_calendars version and build date (UTC),
in ``$FUNDFLOW_CACHE_DIR`` or
``$XDG_CACHE_HOME/fundflow`` (default ``~/.cache/fundflow``); a process that finds today's
file does not import exchange_calendars at all. The file is written to a temporary name and
moved into place, so concurrent processes are safe; a damaged or unreadable file is ignored and
rebuilt; files of other days or versions are removed. ``FUNDFLOW_CALENDAR_CACHE=off`` disables
the file. This is the module's only I/O, and a failing cache never fails the calendar.
"""

from __future__ import annotations

import bisect
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

from fundflow.errors import CalendarError

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARKET_CLOSE = time(15, 0)            # A-share close, Shanghai time

SOURCE_LIBRARY = "exchange_calendars"
SOURCE_STORE = "store"
SOURCE_WEEKDAYS = "weekdays"
# a week mixing sources is labelled by its least certain one
_CERTAINTY = {SOURCE_LIBRARY: 0, SOURCE_STORE: 1, SOURCE_WEEKDAYS: 2}

_ONE_DAY = timedelta(days=1)
_MAX_CLOSED_WEEKS = 8                 # longest plausible run of holiday-only weeks to skip


@dataclass(frozen=True)
class ReportWeek:
    """The sessions Monday..Friday of one calendar week, labelled by its last session."""

    monday: date
    friday: date
    sessions: tuple[date, ...]        # 1..5 sessions, ascending
    source: str                       # "exchange_calendars" | "store" | "weekdays"
    warnings: tuple[str, ...] = ()    # English, shown in the report's appendix

    @property
    def start(self) -> date:
        """The week's first session."""
        return self.sessions[0]

    @property
    def end(self) -> date:
        """The week's last session (the week's label)."""
        return self.sessions[-1]

    @property
    def label(self) -> str:
        """The last session as ISO date, e.g. '2025-11-07'."""
        return self.end.isoformat()


@dataclass(frozen=True)
class _Library:
    first: date
    last: date
    sessions: tuple[date, ...]


_CACHE_SUFFIX = "-sessions-"
_HOME = "XSHG"


def _prefix(code: str) -> str:
    return f"{code.lower()}{_CACHE_SUFFIX}"


def _header(code: str) -> str:
    return f"# fundflow {code} sessions from exchange_calendars"


def _cache_dir() -> Path | None:
    """Folder of the session-list files, or None when the files are disabled."""
    if os.environ.get("FUNDFLOW_CALENDAR_CACHE", "").strip().lower() in {"off", "0", "no"}:
        return None
    from fundflow.filecache import user_cache_dir

    return user_cache_dir()


def _cache_file(folder: Path, today: date, code: str) -> Path | None:
    """The file of exchange ``code`` for the installed exchange_calendars version and
    ``today``."""
    try:
        version = metadata.version("exchange_calendars")
    except metadata.PackageNotFoundError:
        return None
    return folder / f"{_prefix(code)}{version}-{today.isoformat()}.txt"


def _read_cached(path: Path, code: str) -> tuple[date, ...] | None:
    """Sessions from a cache file; None if it is missing, damaged, of another exchange or not
    in order."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
        if not lines or lines[0] != _header(code) or lines[-1] != "# end":
            return None
        sessions = tuple(date.fromisoformat(x) for x in lines[1:-1])
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not sessions or any(a >= b for a, b in zip(sessions, sessions[1:])):
        return None
    return sessions


def _write_cached(path: Path, sessions: Sequence[date], code: str) -> None:
    """Write atomically (temporary file + os.replace) and remove this exchange's files of other
    days or versions; errors are logged and ignored."""
    text = "\n".join([_header(code), *(d.isoformat() for d in sessions), "# end"]) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for old in path.parent.glob(f"{_prefix(code)}*.txt"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("calendar cache %s not written: %s", path, exc)


def _build_sessions(code: str) -> tuple[date, ...]:
    """Sessions of exchange ``code`` from exchange_calendars (the slow part: 0.2-3 s). An
    unknown code raises the library's InvalidCalendarName."""
    import exchange_calendars as xcals

    cal = xcals.get_calendar(code)
    return tuple(ts.date() for ts in cal.sessions)


@lru_cache(maxsize=32)
def exchange_sessions(code: str) -> tuple[date, ...]:
    """Every session exchange_calendars knows for exchange ``code`` ('XSHG', 'XNYS', 'XHKG',
    ...), built once per day per machine (kept in a file, see the module docstring) and once
    per process. Raises the library's error for a code it does not know; nothing is cached
    then."""
    folder = _cache_dir()
    path = _cache_file(folder, datetime.now(timezone.utc).date(), code) if folder else None
    sessions = _read_cached(path, code) if path else None
    if sessions is None:
        sessions = _build_sessions(code)
        if path:
            _write_cached(path, sessions, code)
    return sessions


@lru_cache(maxsize=1)
def _library() -> _Library:
    """XSHG sessions from exchange_calendars (``exchange_sessions``)."""
    sessions = exchange_sessions(_HOME)
    return _Library(sessions[0], sessions[-1], sessions)


def _span(days: Sequence[date]) -> str:
    """'2027-01-01' for one date, '2027-01-04..2027-01-08' for several."""
    if len(days) == 1:
        return days[0].isoformat()
    return f"{days[0].isoformat()}..{days[-1].isoformat()}"


class TradingCalendar:
    """XSHG sessions from the library, then the store's trading-day list, then weekdays."""

    def __init__(self, store_sessions: Iterable[date] = ()) -> None:
        self._lib = _library()
        self._store = tuple(sorted(set(store_sessions)))

    # -- per-date resolution -------------------------------------------------------------------
    def source_for(self, d: date) -> str:
        """Which source decides whether ``d`` is a session."""
        if self._lib.first <= d <= self._lib.last:
            return SOURCE_LIBRARY
        if self._store and self._store[0] <= d <= self._store[-1]:
            return SOURCE_STORE
        return SOURCE_WEEKDAYS

    def _segments(self, start: date, end: date) -> list[tuple[date, date, str]]:
        """Split ``start..end`` into maximal runs of dates that share one source."""
        # source_for is constant between these dates, so only they can start a new run
        cuts = {self._lib.first, self._lib.last + _ONE_DAY}
        if self._store:
            cuts |= {self._store[0], self._store[-1] + _ONE_DAY}
        starts = [start] + sorted(c for c in cuts if start < c <= end)
        segments: list[tuple[date, date, str]] = []
        for i, seg_start in enumerate(starts):
            seg_end = starts[i + 1] - _ONE_DAY if i + 1 < len(starts) else end
            src = self.source_for(seg_start)
            if segments and segments[-1][2] == src:
                segments[-1] = (segments[-1][0], seg_end, src)
            else:
                segments.append((seg_start, seg_end, src))
        return segments

    def _from_source(self, src: str, start: date, end: date) -> list[date]:
        if src == SOURCE_WEEKDAYS:
            days = (start + timedelta(days=i) for i in range((end - start).days + 1))
            return [d for d in days if d.weekday() < 5]
        seq = self._lib.sessions if src == SOURCE_LIBRARY else self._store
        return list(seq[bisect.bisect_left(seq, start):bisect.bisect_right(seq, end)])

    def sessions(self, start: date, end: date) -> list[date]:
        """Sessions with ``start <= d <= end`` (empty if start > end), each date resolved by
        its own source."""
        if start > end:
            return []
        out: list[date] = []
        for seg_start, seg_end, src in self._segments(start, end):
            out.extend(self._from_source(src, seg_start, seg_end))
        return out

    def is_session(self, d: date) -> bool:
        """Whether the exchange trades on ``d``."""
        return bool(self.sessions(d, d))

    def previous_session(self, d: date) -> date:
        """The last session strictly before ``d`` (looks back up to a year)."""
        found = self.sessions(d - timedelta(days=366), d - _ONE_DAY)
        if not found:
            raise CalendarError(f"no trading session in the year before {d.isoformat()}")
        return found[-1]

    # -- weeks ---------------------------------------------------------------------------------
    def _week(self, monday: date) -> ReportWeek | None:
        """The week starting ``monday``, or None if it has no session."""
        friday = monday + timedelta(days=4)
        sessions = tuple(self.sessions(monday, friday))
        if not sessions:
            return None
        weekdays = [monday + timedelta(days=i) for i in range(5)]
        src = max((self.source_for(x) for x in weekdays), key=_CERTAINTY.__getitem__)
        unknown = [x for x in weekdays if self.source_for(x) == SOURCE_WEEKDAYS]
        warnings: tuple[str, ...] = ()
        if unknown:
            warnings = (f"trading calendar unknown for {_span(unknown)}: "
                        f"assumed Mon–Fri sessions",)
        return ReportWeek(monday, friday, sessions, src, warnings)

    def week_of(self, d: date) -> ReportWeek:
        """The Monday..Friday week containing ``d``; Saturday and Sunday belong to the
        Monday..Friday just before them. CalendarError if that week has no session."""
        monday = d - timedelta(days=d.weekday())
        week = self._week(monday)
        if week is None:
            raise CalendarError(
                f"the week {monday.isoformat()}..{(monday + timedelta(days=4)).isoformat()} "
                f"has no trading session (exchange holiday); choose a date in another week")
        return week

    def previous_week(self, week: ReportWeek) -> ReportWeek:
        """The nearest earlier week that has sessions (skips holiday-only weeks)."""
        monday = week.monday
        for _ in range(_MAX_CLOSED_WEEKS):
            monday -= timedelta(days=7)
            prev = self._week(monday)
            if prev is not None:
                return prev
        raise CalendarError(f"no trading week in the {_MAX_CLOSED_WEEKS} weeks before "
                            f"{week.monday.isoformat()}")

    def latest_completed_week(self, now: datetime) -> ReportWeek:
        """The latest week whose last session has closed (15:00 Shanghai) at ``now``, which
        must be timezone-aware."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        local = now.astimezone(SHANGHAI)
        monday = local.date() - timedelta(days=local.date().weekday())
        for _ in range(_MAX_CLOSED_WEEKS + 1):
            week = self._week(monday)
            if week is not None and local >= datetime.combine(week.end, MARKET_CLOSE, SHANGHAI):
                return week
            monday -= timedelta(days=7)
        raise CalendarError(f"no completed trading week in the {_MAX_CLOSED_WEEKS + 1} weeks "
                            f"before {local.date().isoformat()}")
