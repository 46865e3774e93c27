"""``fundflow doctor``: is every source the config needs answering, on time and in the right
units? One small live call per dataset through the real adapters (the same code ``collect``
runs, routes and fallbacks included), each within the collection's call deadline and all within
one overall deadline. Nothing is stored.

Per dataset: the function(s) called, status, seconds, rows, the latest date the answer covers
against the latest date that should be published by now (the adapter's publication lag), and
the magnitude check: the answer is conformed to the canonical schema, whose plausible ranges
catch a unit mix-up (万元 read as 元) as a failure instead of a report. Exit 0 only when every
required dataset passes.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

import pandas as pd

from fundflow.calendar import TradingCalendar
from fundflow.collect import SHANGHAI, available_at, policy_from, \
    snapshot_session
from fundflow.config import Config
from fundflow.data import sources as _sources
from fundflow.data.routes import ROUTES
from fundflow.data.schemas import conform, get_dataset
from fundflow.data.sources.base import Adapter, FetchContext
from fundflow.data.sources.polite import Caller, default_http_timeout
from fundflow.data.store import Store
from fundflow.errors import FundflowError, SchemaError
from fundflow.fund_list import UNIVERSE, resolve_fund_list
from fundflow.plan import planned_datasets
from fundflow.reference import Reference, load_reference

Status = Literal["ok", "stale", "implausible", "failed", "timeout"]
PROBE_DAYS = 10          # calendar days a range probe asks for


@dataclass
class Check:
    dataset: str
    functions: str
    required: bool
    status: Status = "timeout"
    seconds: float = 0.0
    rows: int = 0
    latest: date | None = None
    expected: date | None = None
    detail: str = ""
    route: str = ""
    data: pd.DataFrame | None = field(default=None, repr=False)   # what the probe returned

    @property
    def passed(self) -> bool:
        return self.status == "ok"


@dataclass
class DoctorResult:
    checks: list[Check]
    unreachable: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.checks if c.required)


class _Recorder:
    """Wraps the polite caller: which functions each dataset called, and per site whether any
    call answered (a site none of whose calls answered is named as unreachable)."""

    def __init__(self, caller: Caller) -> None:
        self.caller = caller
        self.lock = threading.Lock()
        self.functions: dict[str, list[str]] = {}
        self.answered: set[str] = set()
        self.errors: dict[str, str] = {}

    def call(self, site: str, fn: str, /, *, dataset: str, **kwargs: Any) -> pd.DataFrame:
        with self.lock:
            seen = self.functions.setdefault(dataset, [])
            if fn not in seen:
                seen.append(fn)
        try:
            out = self.caller.call(site, fn, dataset=dataset, **kwargs)
        except FundflowError as exc:
            with self.lock:
                self.errors.setdefault(site, str(exc).splitlines()[0])
            raise
        with self.lock:
            self.answered.add(site)
        return out

    def unreachable(self) -> dict[str, str]:
        with self.lock:
            return {s: e for s, e in self.errors.items() if s not in self.answered}


def expected_latest(adapter: Adapter, cal: TradingCalendar, now: datetime) -> date | None:
    """The latest session whose data the source should have published by ``now``."""
    if adapter.mode in ("snapshot", "reference"):
        return snapshot_session(cal, now)
    local = now.astimezone(SHANGHAI)
    for d in reversed(cal.sessions(local.date() - timedelta(days=40), local.date())):
        if available_at(adapter, d, cal) <= local:
            return d
    return None


def _probe(adapter: Adapter, ctx: FetchContext, ref: Reference, expected: date | None,
           today: date) -> pd.DataFrame:
    end = expected or today
    if adapter.mode == "range":
        keys = adapter.keys(ref)
        return adapter.fetch_range(ctx, keys[0] if keys else "", end - timedelta(days=PROBE_DAYS),
                                   end)
    if adapter.mode == "daily":
        return adapter.fetch_days(ctx, [end])
    return adapter.fetch_snapshot(ctx, end)


def _check_one(adapter: Adapter, check: Check, *, rec: _Recorder, ref: Reference,
               expected: date | None, today: date, order: tuple[str, ...]) -> None:
    t0 = _time.perf_counter()
    ctx = FetchContext(adapter.dataset, rec.call, ref, today - timedelta(days=PROBE_DAYS),
                       today, routes=order)
    try:
        frame = _probe(adapter, ctx, ref, expected, today)
        # the schema's plausible ranges (every numeric column, canonical units) are the
        # magnitude check: conform raises on a value outside them
        data = conform(adapter.dataset, frame, where="doctor")
    except SchemaError as exc:
        check.status = "implausible" if "plausible" in str(exc) else "failed"
        check.detail = str(exc).splitlines()[0]
    except FundflowError as exc:
        check.status, check.detail = "failed", str(exc).splitlines()[0]
    except Exception as exc:  # noqa: BLE001 - an adapter bug is a failed check, not a crash
        check.status, check.detail = "failed", f"unexpected {type(exc).__name__}: {exc}"
    else:
        check.data = data
        check.rows = len(data)
        dc = get_dataset(adapter.dataset).date_column
        if dc and not data.empty and dc in data:
            check.latest = pd.Timestamp(data[dc].max()).date()
        check.route = ctx.used_route or ""
        if ctx.fell_back:
            check.detail = f"first route failed; fallback {ctx.used_route} answered"
        if data.empty:
            check.status, check.detail = "stale", "answered with no rows"
        elif (expected is not None and check.latest is not None and check.latest < expected
              and adapter.mode in ("range", "daily")):
            check.status = "stale"
            check.detail = f"latest {check.latest}, expected {expected} by now"
        else:
            check.status = "ok"
    check.seconds = round(_time.perf_counter() - t0, 2)
    check.functions = ", ".join(rec.functions.get(adapter.dataset, [])) or check.functions


def doctor(cfg: Config, *, now: datetime, ak: Any | None = None, deadline_s: float = 120.0,
           sleep: Callable[[float], None] = _time.sleep) -> DoctorResult:
    """Probe every dataset the config needs; return within about ``deadline_s`` seconds."""
    t0 = _time.perf_counter()
    ref = load_reference(cfg.seeds_path())
    need = planned_datasets(cfg, ref)
    adapters = {d: _sources.get_adapter(d) for d in sorted(need)}
    if ak is None:
        ak = _sources.get_akshare()
    # one try per call, each within the overall deadline: a doctor answers, it does not wait
    base = policy_from(cfg)
    policy = replace(base, attempts=1, deadline_s=min(base.deadline_s, deadline_s))
    rec = _Recorder(Caller(ak, policy, sleep=sleep))
    store_path = cfg.resolve(cfg.data.store)
    days: list[date] = []
    if store_path.exists():
        try:
            with Store(store_path, read_only=True) as st:
                days = st.trade_days()
        except FundflowError:
            days = []
    cal = TradingCalendar(days)
    today = now.astimezone(SHANGHAI).date()
    checks: dict[str, Check] = {}
    # one daemon thread per dataset (the caller's per-site limits keep the calls polite): a
    # call still hanging at the deadline is left behind and cannot hold up the exit
    end = _time.monotonic() + deadline_s

    def start(d: str, probe_ref: Reference) -> threading.Thread:
        a = adapters[d]
        order = a.route_order(cfg.collect.sources.get(d)) if d in ROUTES else ()
        c = Check(d, "", required=a.required and d in need,
                  expected=expected_latest(a, cal, now))
        checks[d] = c
        t = threading.Thread(target=_check_one, args=(a, c), daemon=True, name=f"doctor-{d}",
                             kwargs={"rec": rec, "ref": probe_ref, "expected": c.expected,
                                     "today": today, "order": order})
        t.start()
        return t

    with default_http_timeout(min(cfg.collect.http_timeout_s, deadline_s)):
        # the fund universe first: the NAV probe asks for a fund of today's list, as collect
        # does (the curated list when the list does not answer)
        if UNIVERSE in adapters:
            start(UNIVERSE, ref).join(max(0.0, end - _time.monotonic()))
            answered = checks[UNIVERSE].data
            store_list = resolve_fund_list(answered, ref.enhanced_funds, today)
            ref = dataclasses.replace(ref, enhanced_funds=store_list.funds)
        threads = [start(d, ref) for d in adapters if d != UNIVERSE]
        for t in threads:
            t.join(max(0.0, end - _time.monotonic()))
    for c in checks.values():
        if c.status == "timeout":
            c.detail = f"no answer within the doctor's {deadline_s:.0f} s"
            c.seconds = round(_time.perf_counter() - t0, 2)
            c.functions = ", ".join(rec.functions.get(c.dataset, []))
    return DoctorResult(sorted(checks.values(), key=lambda c: c.dataset), rec.unreachable(),
                        round(_time.perf_counter() - t0, 2))


def doctor_lines(result: DoctorResult) -> list[str]:
    head = (f"{'dataset':<24} {'status':<11} {'seconds':>7} {'rows':>6}  {'latest':<10}  "
            f"{'expected':<10}  function")
    lines = [head, "-" * len(head)]
    for c in result.checks:
        req = "" if c.required else " (optional)"
        lines.append(f"{c.dataset:<24} {c.status:<11} {c.seconds:>7.1f} {c.rows:>6}  "
                     f"{c.latest.isoformat() if c.latest else '-':<10}  "
                     f"{c.expected.isoformat() if c.expected else '-':<10}  {c.functions}{req}")
    for c in result.checks:
        if c.detail:
            lines.append(f"  {c.status:<11} {c.dataset}: {c.detail[:300]}")
    for site, why in sorted(result.unreachable.items()):
        hosts = sorted(set(re.findall(r"host='([^']+)'", why)))
        kind = re.search(r"(\w+(?:Error|Timeout|Exception))", why)
        lines.append(f"  unreachable {site}{' (' + ', '.join(hosts) + ')' if hosts else ''}: "
                     f"{kind.group(1) if kind else why[:160]}")
    bad = [c.dataset for c in result.checks if c.required and not c.passed]
    lines.append(("OK: every required source answers" if not bad else
                  f"NOT READY: {', '.join(bad)}") + f" ({result.seconds:.1f} s)")
    return lines
