"""Collect a week of data from akshare into the store.

Plan: the datasets follow from the enabled sections (``spec.datasets``) or ``--datasets``; each
dataset's adapter says how it is fetched. For every dataset the collector works out which
trading days (per key: index, asset, fund, ...) are due — published according to the dataset's
publication lag at ``now`` — and not yet in the store, and fetches only those (everything with
``refresh``). Each unit of work (one key's date range, one day, one snapshot) is fetched,
checked (raw columns, canonical schema, plausible ranges, a row for every expected session) and
loaded in its own transaction: a failed unit stores nothing, the others are kept, and a later
run fills what is missing.

Snapshot-only datasets are stored under the session they were taken after; live quote lists
are only taken while no session has opened since that close.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time as _time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd

from fundflow.calendar import ReportWeek, TradingCalendar, exchange_sessions
from fundflow.config import Config
from fundflow.data import sources as _sources
from fundflow.data.reconcile import compare, keep_by_rank
from fundflow.data.routes import PRIMARY_SOURCE, TOLERANCES, route_names, source_of
from fundflow.data.schemas import DATASETS, conform, get_dataset
from fundflow.data.sources.base import Adapter, FetchContext
from fundflow.data.sources.polite import CallPolicy, Caller, default_http_timeout
from fundflow.data.store import Store
from fundflow.errors import ConfigError, FundflowError, SchemaError
from fundflow.plan import planned_datasets, report_week
from fundflow.quality import Finding
from fundflow.fund_list import UNIVERSE, resolve_fund_list
from fundflow.reference import Reference, load_reference

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
AKSHARE_SOURCE = PRIMARY_SOURCE
CROSS_CHECK_SESSIONS = 3            # stored sessions a fallback route is asked for again
SESSION_OPEN = time(9, 15)          # call auction: quotes start moving
SNAPSHOT_AFTER = time(15, 30)       # spot lists and rankings are final by then

Status = Literal["fetched", "cached", "partial", "failed", "skipped"]


@dataclass(frozen=True)
class CollectRequest:
    week: date | None = None                 # any date in the week; None = latest completed
    datasets: tuple[str, ...] | None = None  # None = what the enabled sections need
    refresh: bool = False                    # fetch again what the store already has
    backfill_weeks: int | None = None        # collect this many weeks before the week too


@dataclass
class DatasetReport:
    dataset: str
    required: bool
    status: Status = "cached"
    units: int = 0
    fetched: int = 0
    cached: int = 0
    failed: int = 0
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    seconds: float = 0.0
    last_date: date | None = None
    lag: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pending: list[date] = field(default_factory=list)   # due later (publication lag)
    skipped: str = ""
    fallbacks: dict[str, int] = field(default_factory=dict)   # route -> units it filled
    compared: int = 0          # values compared between two routes
    disagreements: int = 0     # of which beyond tolerance
    # data that should have arrived by now and did not (a source that stopped delivering)
    findings: list[Finding] = field(default_factory=list)

    def finish(self) -> None:
        if self.skipped and not self.fetched and not self.failed:
            self.status = "skipped"
        elif self.failed and self.fetched:
            self.status = "partial"
        elif self.failed:
            self.status = "failed"
        elif self.fetched:
            self.status = "fetched"
        else:
            self.status = "cached"


@dataclass
class CollectResult:
    week: ReportWeek
    start: date
    end: date
    store: Path
    reports: list[DatasetReport]
    down_sites: dict[str, str]
    seconds: float
    # per site: calls, most in flight at once, shortest gap between call starts (Caller)
    sites: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """False if a required dataset failed, entirely or in part."""
        return not self.failed_required

    @property
    def failed_required(self) -> list[str]:
        return [r.dataset for r in self.reports
                if r.required and r.status in ("failed", "partial")]

    def report(self, dataset: str) -> DatasetReport:
        return next(r for r in self.reports if r.dataset == dataset)

    @property
    def findings(self) -> list[Finding]:
        """Data due by now that did not arrive, per dataset (see ``DatasetReport.findings``)."""
        return [f for r in self.reports for f in r.findings]


class CollectProgress:
    """Receives per-dataset progress; the CLI supplies a terminal implementation."""

    def started(self, dataset: str, units: int) -> None:
        log.info("collect %s: %d unit(s) to fetch", dataset, units)

    def advanced(self, dataset: str, done: int, units: int, label: str) -> None:
        log.debug("collect %s: %d/%d %s", dataset, done, units, label)

    def finished(self, report: DatasetReport) -> None:
        log.info("collect %s: %s (%d rows, %.1f s)", report.dataset, report.status,
                 report.rows, report.seconds)


@dataclass(frozen=True)
class _Unit:
    label: str
    kind: Literal["range", "days", "snapshot", "reference"]
    key: str = ""
    start: date | None = None
    end: date | None = None
    days: tuple[date, ...] = ()
    expected: tuple[date, ...] = ()
    as_of: date | None = None


def policy_from(cfg: Config) -> CallPolicy:
    c = cfg.collect
    return CallPolicy(http_timeout_s=c.http_timeout_s, deadline_s=c.call_deadline_s,
                      attempts=c.attempts, backoff_initial_s=c.backoff_initial_s,
                      backoff_max_s=c.backoff_max_s, min_interval_s=dict(c.min_interval_s),
                      default_min_interval_s=c.default_min_interval_s,
                      site_failure_limit=c.site_failure_limit,
                      max_in_flight=dict(c.max_in_flight))


# -- calendars ----------------------------------------------------------------------------------
def _sessions_on(calendar: str, cal: TradingCalendar, start: date, end: date) -> list[date]:
    """Sessions of ``calendar`` ('XSHG', another exchange_calendars code, or 'A&B' for days both
    trade); weekdays outside the library's range."""
    if "&" in calendar:
        parts = [set(_sessions_on(c, cal, start, end)) for c in calendar.split("&")]
        return sorted(set.intersection(*parts))
    if calendar == "XSHG":
        return cal.sessions(start, end)
    try:
        lib = exchange_sessions(calendar)
    except Exception:  # noqa: BLE001 - unknown code: fall back to weekdays
        lib = ()
    out = []
    d = start
    while d <= end:
        if lib and lib[0] <= d <= lib[-1]:
            pass
        elif d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    if lib:
        out.extend(x for x in lib if start <= x <= end)
    return sorted(set(out))


def _next_session(cal: TradingCalendar, d: date) -> date:
    found = cal.sessions(d + timedelta(days=1), d + timedelta(days=20))
    return found[0] if found else d + timedelta(days=1)


def available_at(adapter: Adapter, d: date, cal: TradingCalendar) -> datetime:
    """When the data of day ``d`` is expected to be published (Beijing time)."""
    lag = adapter.lag
    if lag.calendar_days is not None:
        day = d + timedelta(days=lag.calendar_days)
    else:
        day = d
        for _ in range(lag.sessions):
            day = _next_session(cal, day)
    return datetime.combine(day, lag.at, SHANGHAI)


def snapshot_session(cal: TradingCalendar, now: datetime) -> date | None:
    """The latest session whose close (plus settling) has passed at ``now``."""
    local = now.astimezone(SHANGHAI)
    for d in reversed(cal.sessions(local.date() - timedelta(days=30), local.date())):
        if datetime.combine(d, SNAPSHOT_AFTER, SHANGHAI) <= local:
            return d
    return None


def live_snapshot_valid(cal: TradingCalendar, as_of: date, now: datetime) -> bool:
    """A live quote list shows ``as_of``'s close only until the next session opens."""
    nxt = _next_session(cal, as_of)
    return now.astimezone(SHANGHAI) < datetime.combine(nxt, SESSION_OPEN, SHANGHAI)


# -- planning -----------------------------------------------------------------------------------
def _fetched_after_close(st: Store, dataset: str, as_of: date) -> bool:
    """Whether a snapshot dated by its source (e.g. a disclosure date) was taken after the
    close of ``as_of``: the source cannot have published anything newer since, so a re-run
    does not fetch it again. ``fetched_at`` is stored without its time zone (the wall time of
    the ``now`` given, UTC from the CLI); it is compared with the close as Beijing wall time,
    which errs towards fetching again, never towards a stale snapshot."""
    stored = st.read(dataset, with_provenance=True)
    if stored.empty:
        return False
    last = pd.Timestamp(stored["fetched_at"].max())
    return bool(last >= pd.Timestamp(datetime.combine(as_of, SNAPSHOT_AFTER)))


def _key_of(adapter: Adapter, frame: pd.DataFrame) -> pd.Series:
    col = adapter.key_column()
    if col is None or adapter.mode == "daily":
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[col].astype(str)


def _plan_units(adapter: Adapter, st: Store, cal: TradingCalendar, ref: Reference, *,
                start: date, end: date, daily_start: date, now: datetime, refresh: bool,
                report: DatasetReport, backfill: bool = False) -> list[_Unit]:
    ds = get_dataset(adapter.dataset)
    units: list[_Unit] = []

    published: dict[date, bool] = {}      # each day's publication time, computed once

    def due(days: Sequence[date]) -> list[date]:
        for d in days:
            if d not in published:
                published[d] = available_at(adapter, d, cal) <= now
        ready = [d for d in days if published[d]]
        if adapter.strict_sessions:
            report.pending.extend(d for d in days if not published[d])
        return ready

    if adapter.mode == "reference":
        have = st.trade_days()
        if refresh or not have or have[-1] < end:
            units.append(_Unit("full list", "reference", as_of=end))
        else:
            report.cached += 1
    elif adapter.mode == "snapshot":
        as_of = snapshot_session(cal, now)
        if as_of is None:
            report.skipped = "no session has closed yet"
        elif adapter.live_snapshot and not live_snapshot_valid(cal, as_of, now):
            report.skipped = (f"live quotes no longer show the close of {as_of} (a session has "
                              f"opened since); run after {SNAPSHOT_AFTER:%H:%M} on a trading day "
                              f"or before the next open")
        else:
            cached = False
            if not refresh and not adapter.snapshot_dated_by_source and ds.date_column:
                cached = st.coverage(adapter.dataset, start=as_of, end=as_of).rows > 0
            elif not refresh and adapter.snapshot_dated_by_source:
                cached = _fetched_after_close(st, adapter.dataset, as_of)
            if cached:
                report.cached += 1
            else:
                units.append(_Unit(f"snapshot {as_of}", "snapshot", as_of=as_of))
    elif adapter.mode == "range":
        stored = st.read(adapter.dataset, start=start, end=end)
        keys_present: dict[str, set[date]] = {}
        if not stored.empty:
            for k, grp in stored.groupby(_key_of(adapter, stored)):
                keys_present[str(k)] = set(grp["trade_date"].dt.date)
        for key in adapter.keys(ref):
            sessions = due(_sessions_on(adapter.calendar(key, ref), cal, start, end))
            if not sessions:
                continue
            present = set() if refresh else keys_present.get(key, set())
            if present and not backfill:
                # collect fills forward; older gaps (a later listing, a source's shorter
                # history) are for 'fundflow backfill'
                first_present = min(present)
                sessions = [s for s in sessions if s >= first_present]
            missing = [s for s in sessions if s not in present]
            if not missing:
                report.cached += 1
                continue
            first = missing[0]
            units.append(_Unit(f"{key or 'all'} {first}..{end}", "range", key=key, start=first,
                               end=end, expected=tuple(s for s in sessions if s >= first)))
    else:  # daily
        sessions = due(cal.sessions(daily_start, end))
        probes = adapter.probe_days(sessions)
        if probes:
            stored = st.read(adapter.dataset, start=None if ds.date_column != "trade_date"
                             else daily_start, end=end if ds.date_column == "trade_date"
                             else None)
            present = set() if refresh else adapter.present_days(stored, probes, ref)
            missing = [d for d in probes if d not in present]
            report.cached += len(probes) - len(missing)
            size = max(1, adapter.batch_days())
            for i in range(0, len(missing), size):
                chunk = tuple(missing[i:i + size])
                label = str(chunk[0]) if len(chunk) == 1 else f"{chunk[0]}..{chunk[-1]}"
                units.append(_Unit(label, "days", days=chunk, expected=chunk))
    return units


# -- checking -----------------------------------------------------------------------------------
def _check(adapter: Adapter, unit: _Unit, frame: pd.DataFrame, report: DatasetReport,
           ctx: FetchContext) -> pd.DataFrame:
    """Conform to the canonical schema (columns, dtypes, plausible ranges) and check sessions;
    return what to load."""
    name = adapter.dataset
    ds = get_dataset(name)
    where = f"{unit.label}"
    if unit.kind in ("range", "days") and ds.date_column == "trade_date":
        had_rows = not frame.empty
        dates = pd.to_datetime(frame["trade_date"], errors="coerce") if had_rows else None
        lo = unit.start or min(unit.days)
        hi = unit.end or max(unit.days)
        if dates is not None:
            frame = frame[(dates >= pd.Timestamp(lo)) & (dates <= pd.Timestamp(hi))]
        if frame.empty:
            if had_rows and unit.expected and not adapter.strict_sessions:
                _stopped(adapter, unit, list(unit.expected), report)
                return frame
            if had_rows and unit.expected:
                # the source has data, just not for these days yet
                report.pending.extend(unit.expected)
                ctx.warn(f"{unit.key or name}: no rows yet for {unit.expected[0]}.."
                         f"{unit.expected[-1]} (publication lag {adapter.lag.describe()})")
                return frame
            raise SchemaError(f"dataset {name} ({where}): akshare returned an empty frame",
                              dataset=name)
    data = conform(name, frame, where=where)
    if unit.kind in ("range", "days") and ds.date_column == "trade_date" and unit.expected:
        got = set(data["trade_date"].dt.date)
        first, last = min(got), max(got)
        gaps = [d for d in unit.expected if first <= d <= last and d not in got]
        if gaps and adapter.strict_sessions:
            raise SchemaError(
                f"dataset {name} ({where}): no rows for session(s) "
                f"{', '.join(str(g) for g in gaps[:5])}{' ...' if len(gaps) > 5 else ''} "
                f"(expected at least one row per session; columns "
                f"{', '.join(ds.column_names)})", dataset=name)
        tail = [d for d in unit.expected if d > last]
        if tail and adapter.strict_sessions:
            report.pending.extend(tail)
        elif tail:
            # a source allowed to skip sessions (other markets' holidays) must still deliver the
            # sessions of its own calendar once they are published: it may have stopped
            _stopped(adapter, unit, tail, report)
    return data


def _stopped(adapter: Adapter, unit: _Unit, missing: list[date], report: DatasetReport) -> None:
    """Record a finding: sessions due by now (publication lag passed) that the source did not
    deliver (e.g. northbound 买入/卖出成交额 no longer published: null rows are dropped)."""
    name = adapter.dataset
    span = str(missing[0]) if len(missing) == 1 else f"{missing[0]}..{missing[-1]}"
    who = f"{unit.key}: " if unit.key else ""
    report.findings.append(Finding(
        name, "stale", "warning",
        f"{name}: {who}no rows for {len(missing)} session(s) {span} although they are due "
        f"(publication lag {adapter.lag.describe()}): the source may have stopped delivering "
        f"this data",
        f"{name}：{who}{span} 共 {len(missing)} 个交易日应已发布但无数据，数据源可能已停止提供",
        dates=tuple(missing), series=(unit.key,) if unit.key else (), count=len(missing)))


# -- running ------------------------------------------------------------------------------------
class _Runner:
    def __init__(self, *, caller: Caller, st: Store, ref: Reference, now: datetime,
                 progress: CollectProgress, start: date, end: date,
                 sources: dict[str, list[str]] | None = None) -> None:
        self.caller = caller
        self.st = st
        self.ref = ref
        self.now = now
        self.progress = progress
        self.start = start
        self.end = end
        self.sources = sources or {}
        self.store_lock = threading.Lock()

    def order(self, adapter: Adapter) -> tuple[str, ...]:
        """The routes in force for the adapter's dataset (empty: it has no choice of route)."""
        if not route_names(adapter.dataset):
            return ()
        return adapter.route_order(self.sources.get(adapter.dataset))

    def context(self, adapter: Adapter, routes: tuple[str, ...]) -> FetchContext:
        return FetchContext(adapter.dataset, self.caller.call, self.ref, self.start, self.end,
                            routes=routes)

    def _stored_like(self, name: str, data: pd.DataFrame) -> pd.DataFrame:
        """Stored rows (with their source) on the dates and series of ``data``."""
        ds = get_dataset(name)
        dc = ds.date_column
        if dc is None or data.empty:
            return pd.DataFrame()
        dates = pd.to_datetime(data[dc])
        stored = self.st.read(name, start=dates.min().date(), end=dates.max().date(),
                              with_provenance=True)
        key = list(ds.key)
        return stored.merge(data[key].drop_duplicates(), on=key) if not stored.empty else stored

    def reconcile(self, adapter: Adapter, data: pd.DataFrame, source: str,
                  order: tuple[str, ...], report: DatasetReport) -> pd.DataFrame:
        """Compare ``data`` with stored rows of another route and drop the rows a better
        route already delivered. Call with the store lock held."""
        name = adapter.dataset
        stored = self._stored_like(name, data)
        if stored.empty:
            return data
        cmp = compare(name, stored, data, tolerances=TOLERANCES.get(name, {}),
                      other_source=source, checked_at=self.now)
        if cmp.compared:
            self.st.record_disagreements(cmp.disagreements)
            report.compared += cmp.compared
            report.disagreements += len(cmp.disagreements)
        return keep_by_rank(name, data, stored, source=source, order=order)

    def cross_check(self, adapter: Adapter, unit: _Unit, route: str, report: DatasetReport,
                    ) -> None:
        """A fallback filled ``unit``: ask it again for the last few sessions the store holds
        from another route, so the two can be compared (a failure here is only a warning)."""
        name = adapter.dataset
        first = unit.start or (min(unit.days) if unit.days else None)
        if first is None:
            return
        with self.store_lock:
            before = self.st.read(name, start=first - timedelta(days=21),
                                  end=first - timedelta(days=1), with_provenance=True)
        col = adapter.key_column()
        if col and unit.key and not before.empty:
            before = before[before[col] == unit.key]
        before = before[before["source"] != source_of(route, True)] \
            if not before.empty else before
        if before.empty:
            report.warnings.append(f"{unit.label}: nothing stored from another route before "
                                   f"{first} to compare the fallback {route} with")
            return
        days = sorted(set(before["trade_date"].dt.date))[-CROSS_CHECK_SESSIONS:]
        ctx = self.context(adapter, (route,))
        try:
            if unit.kind == "range":
                frame = adapter.fetch_range(ctx, unit.key, days[0], days[-1])
            else:
                frame = adapter.fetch_days(ctx, days[-1:])
            data = conform(name, frame, where=f"cross-check {unit.label}")
        except FundflowError as exc:
            report.warnings.append(f"{unit.label}: cross-check of the fallback {route} "
                                   f"failed ({str(exc).splitlines()[0][:200]})")
            return
        with self.store_lock:
            self.reconcile(adapter, data, source_of(route, True), self.order(adapter),
                           report)

    def fetch(self, adapter: Adapter, unit: _Unit, ctx: FetchContext) -> pd.DataFrame:
        if unit.kind == "range":
            assert unit.start is not None and unit.end is not None
            return adapter.fetch_range(ctx, unit.key, unit.start, unit.end)
        if unit.kind == "days":
            return adapter.fetch_days(ctx, unit.days)
        assert unit.as_of is not None
        return adapter.fetch_snapshot(ctx, unit.as_of)

    def run(self, adapter: Adapter, units: list[_Unit], report: DatasetReport) -> DatasetReport:
        t0 = _time.perf_counter()
        name = adapter.dataset
        report.units = len(units) + report.cached
        self.progress.started(name, len(units))
        order = self.order(adapter)
        for i, unit in enumerate(units, 1):
            ctx = self.context(adapter, order)
            try:
                frame = self.fetch(adapter, unit, ctx)
                data = _check(adapter, unit, frame, report, ctx)
                source = source_of(ctx.used_route, ctx.fell_back)
                if not data.empty:
                    with self.store_lock:
                        if order:
                            data = self.reconcile(adapter, data, source, order, report)
                        res = self.st.load(name, data, source=source,
                                           fetched_at=self.now, where=unit.label)
                    report.rows += len(data)
                    report.inserted += res.inserted
                    report.updated += res.updated
                report.fetched += 1
                if source != AKSHARE_SOURCE and ctx.used_route:
                    report.fallbacks[ctx.used_route] = report.fallbacks.get(ctx.used_route,
                                                                           0) + 1
                    self.cross_check(adapter, unit, ctx.used_route, report)
            except FundflowError as exc:
                report.failed += 1
                report.errors.append(str(exc).splitlines()[0])
                log.warning("collect %s %s: %s", name, unit.label, exc)
            except Exception as exc:  # noqa: BLE001 - an adapter bug must not stop other datasets
                report.failed += 1
                report.errors.append(f"dataset {name} ({unit.label}): unexpected "
                                     f"{type(exc).__name__}: {exc}"[:600])
                log.exception("collect %s %s failed", name, unit.label)
            for w in ctx.warnings:
                if w not in report.warnings:
                    report.warnings.append(w)
            self.progress.advanced(name, i, len(units), unit.label)
        with self.store_lock:
            cov = self.st.coverage(name)
        # what the source did deliver after all is not pending
        report.pending = sorted(d for d in set(report.pending)
                                if cov.last is None or d > cov.last)
        report.last_date = cov.last
        report.seconds = round(_time.perf_counter() - t0, 2)
        report.finish()
        self.progress.finished(report)
        return report


def collect(cfg: Config, req: CollectRequest, *, now: datetime, ak: Any | None = None,
            progress: CollectProgress | None = None,
            sleep: Callable[[float], None] = _time.sleep) -> CollectResult:
    """Fetch what the week needs into the store (``cfg.data.store``). ``ak`` is the akshare
    module or a stand-in (default: the real one, imported lazily)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    t_start = _time.perf_counter()
    progress = progress or CollectProgress()
    ref = load_reference(cfg.seeds_path())
    if req.datasets:
        unknown = [d for d in req.datasets if d not in DATASETS]
        if unknown:
            raise ConfigError(f"--datasets: unknown dataset(s) {', '.join(unknown)} "
                              f"(known: {', '.join(sorted(DATASETS))})", key="datasets")
        sections = planned_datasets(cfg, ref) if cfg.sections else {}
        need = {d: sections.get(d, 400) for d in req.datasets}
        required = set(req.datasets)
    else:
        need = planned_datasets(cfg, ref)
        required = set(need)
    if req.backfill_weeks is not None and req.backfill_weeks < 1:
        raise ConfigError("--weeks must be at least 1", key="weeks")
    adapters = {d: _sources.get_adapter(d) for d in need}
    store_path = cfg.resolve(cfg.data.store)
    if ak is None:
        ak = _sources.get_akshare()
    caller = Caller(ak, policy_from(cfg), sleep=sleep)
    reports: dict[str, DatasetReport] = {
        d: DatasetReport(d, required=d in required and a.required, lag=a.lag.describe())
        for d, a in adapters.items()}

    with default_http_timeout(cfg.collect.http_timeout_s), Store(store_path) as st:
        cal = TradingCalendar(st.trade_days())
        week = report_week(cal, req.week, now)
        end = min(week.friday, now.astimezone(SHANGHAI).date())
        prev = cal.previous_week(week)
        base_start = prev.start - timedelta(days=7)
        back = (week.monday - timedelta(days=7 * req.backfill_weeks)
                if req.backfill_weeks else None)
        daily_start = back or (week.monday - timedelta(days=7 * (cfg.collect.daily_weeks - 1)))
        daily_start = min(daily_start, prev.start)
        starts = {d: min([base_start, week.end - timedelta(days=days)] + ([back] if back else []))
                  for d, days in need.items()}
        overall_start = min(starts.values())
        runner = _Runner(caller=caller, st=st, ref=ref, now=now, progress=progress,
                         start=overall_start, end=end, sources=cfg.collect.sources)

        # the trading-day list first: the calendar uses it beyond the library's range
        if "trade_days" in adapters:
            rep = reports["trade_days"]
            units = _plan_units(adapters["trade_days"], st, cal, ref, start=overall_start,
                                end=end, daily_start=daily_start, now=now,
                                refresh=req.refresh, report=rep)
            runner.run(adapters["trade_days"], units, rep)
            cal = TradingCalendar(st.trade_days())

        # then the enhanced-fund universe: the NAV collection takes its fund list from the
        # latest snapshot on or before the week (or the curated seed list when there is none)
        if UNIVERSE in adapters:
            rep = reports[UNIVERSE]
            units = _plan_units(adapters[UNIVERSE], st, cal, ref, start=starts[UNIVERSE],
                                end=end, daily_start=daily_start, now=now,
                                refresh=req.refresh, report=rep)
            runner.run(adapters[UNIVERSE], units, rep)
        if "fund_nav_daily" in adapters:
            funds = resolve_fund_list(st.read(UNIVERSE), ref.enhanced_funds, end)
            ref = dataclasses.replace(ref, enhanced_funds=funds.funds)
            runner.ref = ref
            note = funds.describe("en") + (f" — {funds.why}" if funds.why else "")
            reports["fund_nav_daily"].warnings.append(note)

        jobs: list[tuple[Adapter, list[_Unit], DatasetReport]] = []
        for d in sorted(adapters):
            if d in ("trade_days", UNIVERSE):
                continue
            rep = reports[d]
            units = _plan_units(adapters[d], st, cal, ref, start=starts[d], end=end,
                                daily_start=daily_start, now=now, refresh=req.refresh,
                                report=rep, backfill=bool(req.backfill_weeks))
            jobs.append((adapters[d], units, rep))
        # datasets with the most work first, so the pool drains evenly
        jobs.sort(key=lambda j: -len(j[1]))
        with ThreadPoolExecutor(max_workers=cfg.collect.concurrency,
                                thread_name_prefix="collect") as pool:
            futures = [pool.submit(runner.run, a, u, r) for a, u, r in jobs]
            for f in futures:
                f.result()
    ordered = [reports[d] for d in sorted(reports)]
    return CollectResult(week=week, start=overall_start, end=end, store=store_path,
                         reports=ordered, down_sites=caller.down_sites(),
                         seconds=round(_time.perf_counter() - t_start, 2),
                         sites=caller.site_stats())


def summary_lines(result: CollectResult) -> list[str]:
    """A plain-text table: per dataset status, units fetched/cached/failed, rows, seconds and
    the last date the store covers; then errors, warnings and data not yet published."""
    head = (f"{'dataset':<22} {'status':<8} {'fetched':>7} {'cached':>6} {'failed':>6} "
            f"{'rows':>8} {'seconds':>7}  covers to   lag")
    lines = [f"collect week {result.week.start}..{result.week.end} (history from "
             f"{result.start}) into {result.store}", head, "-" * len(head)]
    for r in result.reports:
        req = "" if r.required else " (optional)"
        lines.append(f"{r.dataset:<22} {r.status:<8} {r.fetched:>7} {r.cached:>6} "
                     f"{r.failed:>6} {r.rows:>8} {r.seconds:>7.1f}  "
                     f"{r.last_date.isoformat() if r.last_date else '-':<10}  {r.lag}{req}")
    for r in result.reports:
        for e in r.errors[:2]:
            lines.append(f"  error   {r.dataset}: {e.removeprefix(f'dataset {r.dataset}: ')}")
        if len(r.errors) > 2:
            lines.append(f"  error   {r.dataset}: ... and {len(r.errors) - 2} more")
        if r.skipped:
            lines.append(f"  skipped {r.dataset}: {r.skipped}")
        if r.pending:
            lines.append(f"  pending {r.dataset}: not published yet for "
                         f"{', '.join(d.isoformat() for d in r.pending[:5])}"
                         f"{' ...' if len(r.pending) > 5 else ''}; run again later")
        if r.fallbacks:
            used = ", ".join(f"{route} ({n} unit{'s' if n > 1 else ''})"
                             for route, n in sorted(r.fallbacks.items()))
            lines.append(f"  source  {r.dataset}: fallback route used: {used}; labelled "
                         f"（备用来源） in the report")
        if r.compared:
            lines.append(f"  compare {r.dataset}: {r.compared} values compared between routes, "
                         f"{r.disagreements} beyond tolerance"
                         f"{' (quality findings)' if r.disagreements else ''}")
        for f in r.findings:
            lines.append(f"  warning {f.message_en}")
        for w in r.warnings[:3]:
            lines.append(f"  note    {r.dataset}: {w}")
    for site, why in sorted(result.down_sites.items()):
        lines.append(f"  site    {site} unreachable, later calls skipped: {why}")
    failed = result.failed_required
    lines.append(f"{'FAILED: ' + ', '.join(failed) if failed else 'OK'} "
                 f"({result.seconds:.1f} s)")
    return lines
