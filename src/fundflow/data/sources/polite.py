"""Calling akshare politely: a deadline on every call, retries for transient errors only,
a per-site rate limit (calls start at least ``min_interval_s`` apart), at most ``max_in_flight``
calls per site at once (a paginated function has its site to itself), and a circuit breaker per
site.

akshare issues ``requests.get`` without a timeout, so a hung server would hang the run.
Two guards: ``default_http_timeout`` gives every request (and every plain socket, for the few
functions that read URLs with pandas) a default timeout, and ``run_with_deadline`` runs each
akshare call in a daemon thread and stops waiting for it after ``deadline_s`` — an abandoned
call can neither block the run nor the interpreter's exit.

Retries use tenacity (exponential backoff with full jitter); the rate limit uses pyrate-limiter
(one permit per ``min_interval`` per site). The eastmoney endpoints ban clients that call too fast.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import urllib.error
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import requests
from pyrate_limiter import Limiter, Rate
from tenacity import (
    RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential,
)

from fundflow.errors import SchemaError, SourceError

log = logging.getLogger(__name__)


class CallTimeout(SourceError):
    """An akshare call did not return within its deadline."""


class SiteDown(SourceError):
    """A site failed repeatedly in this run; further calls to it are not attempted."""


def is_transient(exc: BaseException) -> bool:
    """Errors worth retrying: timeouts, connection problems, throttling and server errors.

    Everything else (a 404, a parse error after an upstream change, a bad argument) is
    permanent: retrying would only hammer the site.
    """
    if isinstance(exc, SiteDown):
        return False
    if isinstance(exc, CallTimeout):
        return True
    if isinstance(exc, requests.exceptions.HTTPError):
        code = exc.response.status_code if exc.response is not None else None
        return code is None or code == 429 or code >= 500
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                        requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        return True
    # a throttled eastmoney endpoint answers with an empty or HTML body instead of JSON
    if isinstance(exc, requests.exceptions.JSONDecodeError):
        return True
    if isinstance(exc, urllib.error.HTTPError):  # pandas.read_csv(url) in CFFEX functions
        return exc.code == 429 or exc.code >= 500
    if isinstance(exc, urllib.error.URLError):
        return True
    return isinstance(exc, (ConnectionError, TimeoutError, socket.timeout))


@contextlib.contextmanager
def default_http_timeout(seconds: float) -> Iterator[None]:
    """Give every ``requests`` call without an explicit timeout ``seconds`` (connect and read),
    and plain sockets the same default, for the duration of the block."""
    original = requests.Session.request

    def request(self: requests.Session, method: str | bytes, url: str | bytes,
                *args: Any, **kwargs: Any) -> requests.Response:
        # after method and url: params, data, headers, cookies, files, auth, timeout, ...
        if len(args) <= 6 and kwargs.get("timeout") is None:
            kwargs["timeout"] = seconds
        return original(self, method, url, *args, **kwargs)  # type: ignore[arg-type]

    old_socket = socket.getdefaulttimeout()
    requests.Session.request = request  # type: ignore[method-assign,assignment]
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        requests.Session.request = original  # type: ignore[method-assign]
        socket.setdefaulttimeout(old_socket)


def run_with_deadline(fn: Callable[[], Any], deadline_s: float, what: str) -> Any:
    """Run ``fn`` in a daemon thread; raise CallTimeout if it has not returned in time."""
    fut: Future[Any] = Future()

    def runner() -> None:
        if not fut.set_running_or_notify_cancel():
            return
        try:
            fut.set_result(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            fut.set_exception(exc)

    threading.Thread(target=runner, name=f"akshare {what}", daemon=True).start()
    try:
        return fut.result(timeout=deadline_s)
    except FutureTimeout:
        raise CallTimeout(f"{what} did not return within {deadline_s:g} s") from None


@dataclass(frozen=True)
class CallPolicy:
    """How every akshare call is made (from the ``collect:`` block of the config)."""

    http_timeout_s: float = 30.0       # per HTTP request (akshare sets none)
    deadline_s: float = 180.0          # per akshare call (paginated calls make many requests)
    attempts: int = 3                  # tries per call, for transient errors only
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0
    min_interval_s: Mapping[str, float] = field(default_factory=dict)  # per site
    default_min_interval_s: float = 0.5
    site_failure_limit: int = 2        # calls failing after all retries before a site is down
    max_in_flight: Mapping[str, int] = field(default_factory=dict)  # per site, default 1

    def interval(self, site: str) -> float:
        return float(self.min_interval_s.get(site, self.default_min_interval_s))

    def slots(self, site: str) -> int:
        return max(1, int(self.max_in_flight.get(site, 1)))


# akshare functions that make several requests per call (read from akshare 1.19.5's source and
# checked against what tests/test_akshare_replay.py observes): such a call has its site to
# itself, whatever ``max_in_flight`` allows, so overlapping calls never multiply the request rate
# of a site. The rate limit spaces call starts only; the requests inside one call are akshare's.
PAGINATED = frozenset({
    # eastmoney clist via fetch_paginated_data (0.5-1.5 s between pages)
    "stock_zh_a_spot_em",
    # the first call pages through eastmoney's index code map (lru-cached afterwards); an index
    # missing from it is tried with market ids 1, 0, 2 and 47
    "index_zh_a_hist",
    # pages through the HK index spot list to find the market id (lru-cached), then the kline
    "stock_hk_index_daily_em",
    # eastmoney pages of 100 with no pause at all (~55 requests for the whole market)
    "stock_individual_fund_flow_rank",
    # eastmoney data centre reports: page 1 is read twice, then every page
    "stock_hsgt_hold_stock_em", "stock_margin_account_info", "bond_zh_us_rate",
    "stock_hsgt_hist_em",
    # sina constituent pages (page count from the first page)
    "index_stock_cons",
})


class SiteSlots:
    """Up to ``n`` calls in flight to one site; an exclusive call waits until the site is idle
    and holds all of it (waiting exclusive calls go first, so they are not starved)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._cond = threading.Condition()
        self._busy = 0
        self._exclusive_waiting = 0
        self._calls = 0
        self.max_in_flight = 0

    @contextlib.contextmanager
    def hold(self, exclusive: bool) -> Iterator[None]:
        need = self.n if exclusive else 1
        with self._cond:
            if exclusive:
                self._exclusive_waiting += 1
                self._cond.wait_for(lambda: self._busy == 0)
                self._exclusive_waiting -= 1
            else:
                self._cond.wait_for(lambda: self._busy < self.n and not self._exclusive_waiting)
            self._busy += need
            self._calls += 1
            self.max_in_flight = max(self.max_in_flight, self._calls)
        try:
            yield
        finally:
            with self._cond:
                self._busy -= need
                self._calls -= 1
                self._cond.notify_all()


def _short(exc: BaseException, limit: int = 160) -> str:
    """The first line of an error, cut (requests errors repeat the whole URL)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if len(text) <= limit else text[:limit] + "…"


def _describe(fn: str, kwargs: Mapping[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"akshare.{fn}({args})"


class Caller:
    """Makes akshare calls for the adapters. ``ak`` is the akshare module or a stand-in.

    Results are memoised for the run by (function, arguments): adapters that need the same
    snapshot (the A-share spot list, the bond yield table) share one call.
    """

    def __init__(self, ak: Any, policy: CallPolicy,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.ak = ak
        self.policy = policy
        self._sleep = sleep
        self._lock = threading.Lock()
        self._limiters: dict[str, Limiter] = {}
        self._in_flight: dict[str, SiteSlots] = {}
        self._starts: dict[str, list[float]] = {}   # monotonic start time of every call
        self._failures: dict[str, int] = {}
        self._down: dict[str, str] = {}
        self._memo: dict[tuple[str, tuple[tuple[str, str], ...]], pd.DataFrame] = {}
        self._key_locks: dict[tuple[str, tuple[tuple[str, str], ...]], threading.Lock] = {}
        self.calls = 0           # akshare calls attempted (retries included)

    def _site(self, site: str) -> tuple[Limiter | None, SiteSlots]:
        with self._lock:
            if site not in self._in_flight:
                interval_ms = int(self.policy.interval(site) * 1000)
                self._limiters[site] = Limiter(Rate(1, interval_ms)) if interval_ms > 0 \
                    else None  # type: ignore[assignment]
                self._in_flight[site] = SiteSlots(self.policy.slots(site))
            return self._limiters.get(site), self._in_flight[site]

    def site_stats(self) -> dict[str, dict[str, float]]:
        """Per site: calls made, most calls in flight at once, shortest gap between two
        call starts (seconds) -- what the per-site limits allowed in this run."""
        with self._lock:
            out: dict[str, dict[str, float]] = {}
            for site, starts in self._starts.items():
                gaps = [b - a for a, b in zip(starts, starts[1:])]
                out[site] = {"calls": len(starts),
                             "max_in_flight": self._in_flight[site].max_in_flight,
                             "min_gap_s": min(gaps) if gaps else float("nan")}
            return out

    def down_sites(self) -> dict[str, str]:
        with self._lock:
            return dict(self._down)

    def call(self, site: str, fn: str, /, *, dataset: str, **kwargs: Any) -> pd.DataFrame:
        """Call ``akshare.<fn>(**kwargs)`` politely and return its DataFrame.

        Raises SourceError (CallTimeout, SiteDown) naming the dataset and the call."""
        what = _describe(fn, kwargs)
        memo_key = (fn, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
        with self._lock:
            key_lock = self._key_locks.setdefault(memo_key, threading.Lock())
        with key_lock:  # a second caller of the same call waits for the first one's result
            return self._call(site, fn, memo_key, what, dataset, kwargs)

    def _call(self, site: str, fn: str, memo_key: tuple[str, tuple[tuple[str, str], ...]],
              what: str, dataset: str, kwargs: dict[str, Any]) -> pd.DataFrame:
        with self._lock:
            if memo_key in self._memo:
                return self._memo[memo_key].copy()
            if site in self._down:
                raise SiteDown(f"dataset {dataset}: {what} not attempted: {site} is unreachable "
                               f"in this run ({self._down[site]})", dataset=dataset)
        func = getattr(self.ak, fn, None)
        if not callable(func):
            raise SourceError(f"dataset {dataset}: akshare has no function {fn} (akshare "
                              f"version changed?)", dataset=dataset)
        limiter, in_flight = self._site(site)

        def attempt() -> Any:
            # max_in_flight calls per site (a paginated function: the site to itself), and
            # calls started at least min_interval apart
            with in_flight.hold(exclusive=fn in PAGINATED):
                if limiter is not None:
                    limiter.try_acquire(site)
                with self._lock:
                    self.calls += 1
                    self._starts.setdefault(site, []).append(time.monotonic())
                return run_with_deadline(lambda: func(**kwargs), self.policy.deadline_s, what)

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning("%s: %s: %s; retry %d/%d in %.1f s", dataset, what,
                        type(exc).__name__, state.attempt_number, self.policy.attempts - 1, wait)

        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.policy.attempts)),
            wait=wait_random_exponential(multiplier=self.policy.backoff_initial_s,
                                         max=self.policy.backoff_max_s),
            retry=retry_if_exception(is_transient), reraise=True, sleep=self._sleep,
            before_sleep=before_sleep)
        try:
            result = retrying(attempt)
        except Exception as exc:
            transient = is_transient(exc)
            if transient:
                with self._lock:
                    self._failures[site] = self._failures.get(site, 0) + 1
                    if self._failures[site] >= self.policy.site_failure_limit:
                        self._down.setdefault(site, f"{type(exc).__name__}: {_short(exc, 100)}")
            tries = f" after {self.policy.attempts} attempts" if transient else ""
            if isinstance(exc, SourceError) and not isinstance(exc, CallTimeout):
                raise
            raise SourceError(f"dataset {dataset}: {what} failed{tries}: "
                              f"{type(exc).__name__}: {_short(exc)}", dataset=dataset) from exc
        with self._lock:
            self._failures[site] = 0
        if not isinstance(result, pd.DataFrame):
            raise SchemaError(f"dataset {dataset}: {what} returned {type(result).__name__}, "
                              f"not a DataFrame", dataset=dataset)
        with self._lock:
            self._memo[memo_key] = result
        return result.copy()
