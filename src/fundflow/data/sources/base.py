"""What an adapter is, and the checks every akshare frame goes through.

An adapter turns one canonical dataset (``fundflow.data.schemas``) into akshare calls. It
declares how the dataset is fetched (``mode``), when a trading day's data is published
(``lag``) and which keys it covers (index codes, assets, ...); plausible ranges of every column
are the schema's (``fundflow.data.schemas``), one place for collection and the quality gate. Its
fetch functions call akshare only through ``FetchContext.call``, check each raw frame with
``raw()`` (required columns, numeric columns, non-empty), rename to snake_case and convert
units to 元 / shares. The collector then conforms the result to the canonical schema.

Modes:

* ``range``: one call per key covers a date range (index bars, global assets, NAVs, ...);
* ``daily``: one unit per trading day covering every key (exchange margin detail, CFFEX);
* ``snapshot``: akshare only has the current state; stored under the date it was taken;
* ``reference``: a list refreshed when it no longer covers the dates needed (trade days).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, ClassVar, Literal

import pandas as pd

from fundflow.data.routes import route_names
from fundflow.errors import DataError, SchemaError, SourceError
from fundflow.reference import Reference

Mode = Literal["range", "daily", "snapshot", "reference"]

YI = 1e8        # 亿
WAN = 1e4       # 万
LOT = 100       # 手 = 100 shares

# A-share stock codes by board (data-sources.md §5.6); excludes funds, ETFs and B shares.
A_SHARE_SSE_SZSE = re.compile(r"^(60[0135]|68[89]|00[0-3]|30[01])\d{3}$")
A_SHARE_ALL = re.compile(r"^(60[0135]|68[89]|00[0-3]|30[01]|4[0-9]|8[3-9]|92[0-9])\d{3,4}$")


@dataclass(frozen=True)
class Lag:
    """When the data of trading day ``d`` is published (Beijing time).

    ``sessions``: on the n-th A-share session after ``d`` (0 = the same day);
    ``calendar_days`` instead counts calendar days (foreign markets)."""

    sessions: int = 0
    at: time = time(15, 30)
    calendar_days: int | None = None

    def describe(self) -> str:
        if self.calendar_days is not None:
            return f"T+{self.calendar_days} calendar day(s) {self.at:%H:%M}"
        return f"T+{self.sessions} {self.at:%H:%M}"


@dataclass
class FetchContext:
    """What a fetch function gets: the polite caller, reference tables, warnings sink."""

    dataset: str
    call_fn: Callable[..., pd.DataFrame]
    ref: Reference
    range_start: date
    range_end: date
    warnings: list[str] = field(default_factory=list)
    # the routes to try, in order (collect.sources, else the adapter's default order), and the
    # one that delivered this unit's rows (set by Adapter.via_routes)
    routes: tuple[str, ...] = ()
    used_route: str | None = None
    fell_back: bool = False     # an earlier route failed: the rows come from a fallback

    def call(self, site: str, fn: str, /, **kwargs: Any) -> pd.DataFrame:
        return self.call_fn(site, fn, dataset=self.dataset, **kwargs)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def ymd(d: date) -> str:
    return d.strftime("%Y%m%d")


def raw(ctx: FetchContext, frame: pd.DataFrame, *, fn: str, where: str,
        columns: Sequence[str], numeric: Sequence[str] = (), expected: Sequence[str] = (),
        allow_empty: bool = False) -> pd.DataFrame:
    """Check a frame as akshare returned it and return it with ``numeric`` columns as float.

    ``columns`` must be present (else SchemaError naming dataset, call and columns);
    ``expected`` is the full column list of akshare 1.19.5: any other column is schema drift,
    noted as a warning (the columns used are still checked). Numeric columns may hold
    placeholders like "-" (suspended stocks), which become NaN; a column with no numeric value
    at all is an error (a shifted, positional column assignment)."""
    ds = ctx.dataset
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"dataset {ds} ({where}): akshare.{fn} returned "
                          f"{type(frame).__name__}, not a DataFrame", dataset=ds)
    cols = [str(c) for c in frame.columns]
    if len(frame) == 0:
        # no rows is "no data", whatever the columns: akshare returns pd.DataFrame() (no
        # columns at all) for some empty answers (fund_etf_hist_em) and a headers-only frame for
        # others (fund_scale_daily_szse, stock_board_concept_hist_em)
        if allow_empty:
            return pd.DataFrame({c: pd.Series(dtype="float64" if c in numeric else "object")
                                 for c in dict.fromkeys([*columns, *cols])})
        raise SchemaError(f"dataset {ds} ({where}): akshare.{fn} returned an empty frame",
                          dataset=ds)
    missing = [c for c in columns if c not in cols]
    if missing:
        raise SchemaError(
            f"dataset {ds} ({where}): akshare.{fn} returned no column(s) {', '.join(missing)}; "
            f"got {', '.join(cols) or '(none)'} — akshare or the upstream site changed",
            dataset=ds)
    if expected:
        extra = [c for c in cols if c not in expected and c not in columns]
        if extra:
            ctx.warn(f"akshare.{fn}: unexpected column(s) {', '.join(extra)} (schema drift; "
                     f"the columns used are unchanged)")
    out = frame.copy()
    for c in numeric:
        s = out[c]
        if s.dtype == object:
            s = s.astype(str).str.replace(",", "", regex=False).str.strip()
        conv = pd.to_numeric(s, errors="coerce").astype("float64")
        if conv.notna().sum() == 0:
            sample = frame[c].dropna().head(1).tolist()
            raise SchemaError(f"dataset {ds} ({where}): akshare.{fn} column {c} has no numeric "
                              f"value (e.g. {sample[0] if sample else 'empty'!r})", dataset=ds)
        out[c] = conv
    return out


def to_date(s: pd.Series) -> pd.Series:
    """Dates from ``datetime.date``, ``YYYY-MM-DD``/``YYYYMMDD`` strings, ``YYYYMMDD`` numbers
    (a JSON number such as 20251107, or an Excel cell) or timestamps.

    A ``YYYYMMDD`` number must not reach ``pd.to_datetime`` as a number: it would be read as
    nanoseconds since 1970 and every row would become 1970-01-01."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        vals = pd.to_numeric(s, errors="coerce")
        known = vals.dropna()
        if len(known) and ((known >= 1e7) & (known < 1e8) & (known % 1 == 0)).all():
            text = vals.astype("Int64").astype("string")
            return pd.to_datetime(text, format="%Y%m%d", errors="coerce")
        return pd.to_datetime(s, errors="coerce")
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        text = s.astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
        known = text[s.notna().to_numpy()]
        if len(known) and known.str.fullmatch(r"\d{8}").all():
            return pd.to_datetime(text.where(s.notna().to_numpy()), format="%Y%m%d",
                                  errors="coerce")
    return pd.to_datetime(s, errors="coerce")


def code6(s: pd.Series) -> pd.Series:
    """Zero-padded 6-character security codes (exchange Excel files turn them into ints)."""
    return s.astype(str).str.strip().str.replace(r"\.0$", "", regex=True).str.zfill(6)


class Adapter:
    """Base of the per-dataset adapters (see the module docstring)."""

    dataset: ClassVar[str]
    mode: ClassVar[Mode]
    lag: ClassVar[Lag] = Lag()
    sites: ClassVar[tuple[str, ...]] = ()
    # every session between the first and last row returned must be present
    strict_sessions: ClassVar[bool] = True
    # live quotes (spot lists): only valid while no session has opened since the last close
    live_snapshot: ClassVar[bool] = False
    # snapshot dated by the source (e.g. a disclosure date), not by the day it was taken
    snapshot_dated_by_source: ClassVar[bool] = False
    required: ClassVar[bool] = True
    description: ClassVar[str] = ""

    def key_column(self) -> str | None:
        """The column that holds the adapter's keys (None: one series per date)."""
        return None

    def route_order(self, configured: Sequence[str] | None = None) -> tuple[str, ...]:
        """The routes to try: the configured order, else the catalogue's default order."""
        return tuple(configured) if configured else route_names(self.dataset)

    def via_routes(self, ctx: FetchContext, where: str,
                   attempts: dict[str, Callable[[], pd.DataFrame | None]]) -> pd.DataFrame:
        """Try the routes of ``ctx.routes`` in order and return the first frame with rows.

        ``attempts`` maps each route this adapter implements to a fetch; a fetch returns None
        when the route does not serve this key (e.g. csindex for a SZSE index). A route that
        fails (after the caller's retries) or returns no rows hands over to the next, with a
        warning; when every route fails, the errors of all of them are raised together. An
        empty frame from the last route that answered is returned as it is (nothing published
        yet), so the collector can report the days as pending."""
        order = ctx.routes or self.route_order()
        errors: list[str] = []
        empty: tuple[str, pd.DataFrame] | None = None
        tried: list[str] = []
        first: type[DataError] | None = None
        for route in order:
            attempt = attempts.get(route)
            if attempt is None:
                continue
            try:
                frame = attempt()
            except (SourceError, SchemaError) as exc:
                errors.append(f"{route}: {str(exc).splitlines()[0][:300]}")
                tried.append(route)
                first = first or type(exc)
                continue
            if frame is None:
                continue
            tried.append(route)
            if frame.empty:
                empty = empty or (route, frame)
                errors.append(f"{route}: no rows")
                continue
            # a route that has no rows for the key (eastmoney lacks CSI 2000) is not a failure:
            # the next one is then the key's ordinary route, not a fallback
            failed = [e for e in errors if not e.endswith(": no rows")]
            if failed:
                ctx.warn(f"{where}: used the fallback route {route} ({'; '.join(failed)})")
            ctx.used_route = route
            ctx.fell_back = bool(failed)
            return frame
        if empty is not None:   # a route answered, with nothing for these dates yet
            if len(errors) > sum(e.endswith(": no rows") for e in errors):
                ctx.warn(f"{where}: {'; '.join(errors)}")
            ctx.used_route = empty[0]
            return empty[1]
        if not tried:
            raise SourceError(f"dataset {self.dataset} ({where}): no route serves it (routes "
                              f"in force: {', '.join(order)})", dataset=self.dataset)
        # the first route's kind of error: a changed schema stays a SchemaError
        if len(errors) == 1:
            raise (first or SourceError)(errors[0].split(": ", 1)[1], dataset=self.dataset)
        raise (first or SourceError)(f"dataset {self.dataset} ({where}): every route failed — "
                                     + " | ".join(errors), dataset=self.dataset)

    def keys(self, ref: Reference) -> list[str]:
        return [""]

    def calendar(self, key: str, ref: Reference) -> str:
        """Exchange calendar (exchange_calendars code) on which the key's series trades."""
        return "XSHG"

    def fetch_range(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        raise NotImplementedError

    def fetch_days(self, ctx: FetchContext, days: Sequence[date]) -> pd.DataFrame:
        raise NotImplementedError

    def batch_days(self) -> int:
        """How many days one ``daily`` unit covers (1 = one unit per day)."""
        return 1

    def fetch_snapshot(self, ctx: FetchContext, as_of: date) -> pd.DataFrame:
        raise NotImplementedError

    def probe_days(self, sessions: Sequence[date]) -> list[date]:
        """For ``daily`` adapters: the days that need a unit (default: every session)."""
        return list(sessions)

    def present_days(self, stored: pd.DataFrame, days: Sequence[date],
                     ref: Reference) -> set[date]:
        """For ``daily`` adapters: which of ``days`` the stored rows already cover."""
        have = set(stored["trade_date"].dt.date) if not stored.empty else set()
        return {d for d in days if d in have}
