"""Macro releases: which indicator means what, reference months, and the releases of a week (pure).

A release row (dataset ``macro_releases``) has the day it was published (``release_date``), the
month it describes (``reference_month``, ``YYYY-MM``), the actual value and, where the source has
them, the consensus expectation and the previous value. The units are the indicator's
(``INDICATORS``): percent for year-on-year and month-on-month rates, index points for the PMI,
元 for flows (TSF, new loans).

Release dates (docs/data-sources-temperature.md): the Jin10 calendar functions
(``macro_china_cpi_yearly`` & co.) are dated by the release itself; the reference month is then
the month before the release, except for releases in the last days of a month (the official PMI
comes out on the last day of the month it describes). The Eastmoney / MOFCOM tables (new loans,
TSF) have only the reference month; their release date is *estimated* as the 15th of the next
month (the PBoC publishes its monthly financial statistics between about the 10th and the 15th)
and marked so on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import pandas as pd

Unit = Literal["pct", "points", "cny"]

# the day of the month from which a release describes its own month (PMI on the 30th/31st)
SAME_MONTH_FROM_DAY = 25
ESTIMATED_RELEASE_DAY = 15


@dataclass(frozen=True)
class Indicator:
    id: str
    unit: Unit
    fmt: str            # number filter of the value in tables and text
    change_fmt: str     # filter of actual - previous
    # a typical surprise / monthly change, in the indicator's unit (scores a release for the
    # cover; flows use 30% of the previous month instead)
    typical_change: float = 0.5


INDICATORS: dict[str, Indicator] = {i.id: i for i in (
    Indicator("pmi_mfg", "points", "num1", "num1_signed", 0.5),
    Indicator("pmi_non_mfg", "points", "num1", "num1_signed", 0.5),
    Indicator("cpi_yoy", "pct", "pct1", "pp1_signed", 0.3),
    Indicator("cpi_mom", "pct", "pct1", "pp1_signed", 0.3),
    Indicator("ppi_yoy", "pct", "pct1", "pp1_signed", 0.4),
    Indicator("ip_yoy", "pct", "pct1", "pp1_signed", 0.7),
    Indicator("exports_yoy", "pct", "pct1", "pp1_signed", 3.0),
    Indicator("new_loans_cny", "cny", "yi0", "yi_signed0"),
    Indicator("tsf_cny", "cny", "yi0", "yi_signed0"),
)}


def reference_month_of(release: date) -> str:
    """The month a dated release describes: the previous month, or the release's own month
    when it comes out on or after the SAME_MONTH_FROM_DAY-th (the official PMI)."""
    if release.day >= SAME_MONTH_FROM_DAY:
        return f"{release.year:04d}-{release.month:02d}"
    prev = release.replace(day=1) - timedelta(days=1)
    return f"{prev.year:04d}-{prev.month:02d}"


def estimated_release(reference_month: str) -> date:
    """The estimated release day of a month's data without a published release date."""
    y, m = (int(x) for x in reference_month.split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return date(y, m, ESTIMATED_RELEASE_DAY)


_MONTH = re.compile(r"^\s*(\d{4})\D{0,2}?(\d{1,2})")


def parse_month(text: str) -> str | None:
    """'2025年10月份', '2025-10', '202510', '2025.10' -> '2025-10' (None if unreadable)."""
    m = _MONTH.match(str(text))
    if not m:
        return None
    y, mo = int(m.group(1)), int(m.group(2))
    return f"{y:04d}-{mo:02d}" if 1 <= mo <= 12 else None


def release_window(week_start: date, week_end: date, prev_week_end: date,
                   through_sunday: bool) -> tuple[date, date]:
    """Calendar days whose releases belong to the report week: from the day after the previous
    week's last session to its last session (every day belongs to exactly one week), or to the
    Sunday after it when ``through_sunday`` (a report issued on Sunday shows Sunday's data, and
    the next week then starts on Monday)."""
    start = prev_week_end + timedelta(days=1)
    if through_sunday:
        sunday_before = week_start - timedelta(days=week_start.weekday() + 1)
        start = max(start, sunday_before + timedelta(days=1))
        end = week_end + timedelta(days=6 - week_end.weekday())
    else:
        end = week_end
    return start, end


def releases_in(frame: pd.DataFrame, start: date, end: date,
                indicators: tuple[str, ...]) -> pd.DataFrame:
    """Rows of ``frame`` released in [start, end] for ``indicators``, in indicator order then
    by release date, with ``change`` = actual - previous and ``surprise`` = actual - expected."""
    f = frame[frame["indicator"].isin(indicators)]
    days = pd.to_datetime(f["release_date"])
    f = f[(days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))].copy()
    order = {k: i for i, k in enumerate(indicators)}
    f["_o"] = f["indicator"].map(order)
    f = f.sort_values(["_o", "release_date"], kind="stable").drop(columns="_o")
    f["change"] = f["actual"] - f["previous"]
    f["surprise"] = f["actual"] - f["expected"]
    return f.reset_index(drop=True)


def latest_before(frame: pd.DataFrame, end: date, indicators: tuple[str, ...]) -> pd.DataFrame:
    """Each indicator's latest release on or before ``end`` (for the note when none fell in the
    week: what the last prints were)."""
    f = frame[frame["indicator"].isin(indicators)
              & (pd.to_datetime(frame["release_date"]) <= pd.Timestamp(end))]
    if f.empty:
        return f.copy()
    last = f.sort_values("release_date", kind="stable").groupby("indicator").tail(1)
    order = {k: i for i, k in enumerate(indicators)}
    return last.assign(_o=last["indicator"].map(order)).sort_values("_o").drop(
        columns="_o").reset_index(drop=True)
