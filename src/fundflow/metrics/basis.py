"""Stock index futures: expiries, tenor assignment, annualised basis, percentile, streaks, open
interest (pure pandas; no I/O).

Conventions (data-sources.md §3.2.2, §5.8):

* CFFEX lists four contracts per variety: the current month, the next month and the next two
  quarterly months (Mar/Jun/Sep/Dec). On date ``d`` a contract is listed when
  ``list_date <= d <= last_trade_date``. Sorted by last trade date, the first two are 当月 (``m0``)
  and 下月 (``m1``); among the rest, the nearest quarterly month is 当季 (``q0``) and the next one
  下季 (``q1``). 当季 is the nearest quarterly month *after* the next month: on 2025-11-07 IF2512
  is 下月 (not 当季) and IF2603 is 当季.
* The last trading day is the third Friday of the contract month, moved to the next session when
  that Friday is a holiday. The official date comes from CFFEX (``futures_contracts``);
  ``expiry_by_rule`` is the rule itself, used to check that data and to fill in contracts the
  table does not have.
* Basis ``B = F - S`` in index points; annualised ``B_ann = (F - S) / S * 365 / D * 100`` (% a
  year, 365-day convention), ``D`` = calendar days from the trade date to the last trade date.
  When ``D < min_days`` the annualised figure is dominated by noise: it is left out (``skip``,
  NaN) or computed with ``D = min_days`` (``cap``).
* The weekly value of a series is its value on the week's last session with data (not a mean of
  the days).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from fundflow.metrics.streaks import week_monday

TENORS: tuple[str, ...] = ("m0", "m1", "q0", "q1")
TENOR_ZH = {"m0": "当月", "m1": "下月", "q0": "当季", "q1": "下季"}
TENOR_EN = {"m0": "Current month", "m1": "Next month", "q0": "Current quarter",
            "q1": "Next quarter"}
DAYS_PER_YEAR = 365

ShortExpiry = Literal["skip", "cap"]

_CODE = re.compile(r"^([A-Z]+)(\d{2})(\d{2})$")


# -- expiries -----------------------------------------------------------------------------------
def third_friday(year: int, month: int) -> date:
    """The third Friday of a month (always between the 15th and the 21st)."""
    d = date(year, month, 15)
    return d + timedelta(days=(4 - d.weekday()) % 7)


def expiry_by_rule(year: int, month: int, sessions: Sequence[date]) -> date:
    """CFFEX last trading day: the third Friday, or the first session after it when the
    exchange is closed that day. ``sessions`` must cover the month (sorted or not)."""
    friday = third_friday(year, month)
    later = sorted(d for d in sessions if d >= friday)
    if not later or (later[0] - friday).days > 14:
        raise ValueError(f"the session list does not cover {friday.isoformat()} "
                         f"({year}-{month:02d} third Friday)")
    return later[0]


def parse_contract(code: str) -> tuple[str, int, int]:
    """'IF2512' -> ('IF', 2025, 12)."""
    m = _CODE.match(code.strip().upper())
    if not m:
        raise ValueError(f"not a CFFEX index futures code: {code!r}")
    month = int(m.group(3))
    if not 1 <= month <= 12:
        raise ValueError(f"bad contract month in {code!r}")
    return m.group(1), 2000 + int(m.group(2)), month


def contract_month_number(row_month: str, code: str) -> int:
    """Calendar month (1..12) of a contract from its 'YYMM' contract_month, else its code."""
    s = str(row_month or "").strip()
    if len(s) >= 2 and s[-2:].isdigit() and 1 <= int(s[-2:]) <= 12:
        return int(s[-2:])
    return parse_contract(code)[2]


def complete_contracts(contracts: pd.DataFrame, daily: pd.DataFrame,
                       sessions: Sequence[date]) -> pd.DataFrame:
    """The contract table plus any contract that has bars in ``daily`` but no row in
    ``contracts``: its last trade date comes from ``expiry_by_rule`` and its list date is its
    first bar. Column ``expiry_source`` says which ('cffex' or 'rule')."""
    cols = ["contract_code", "variety", "contract_month", "list_date", "last_trade_date"]
    have = contracts[cols].assign(expiry_source="cffex")
    missing = sorted(set(daily["contract_code"]) - set(have["contract_code"]))
    extra = []
    for code in missing:
        variety, year, month = parse_contract(code)
        first_bar = daily.loc[daily["contract_code"] == code, "trade_date"].min()
        extra.append({"contract_code": code, "variety": variety,
                      "contract_month": f"{year % 100:02d}{month:02d}",
                      "list_date": pd.Timestamp(first_bar),
                      "last_trade_date": pd.Timestamp(expiry_by_rule(year, month, sessions)),
                      "expiry_source": "rule"})
    if not extra:
        return have.reset_index(drop=True)
    out = pd.concat([have, pd.DataFrame(extra)], ignore_index=True)
    return out.sort_values(["variety", "last_trade_date", "contract_code"], ignore_index=True)


# -- tenors -------------------------------------------------------------------------------------
def assign_tenors(contracts: pd.DataFrame, on: date) -> pd.DataFrame:
    """Contracts listed on ``on`` with their tenor (m0, m1, q0, q1), one row per
    (variety, tenor) found. Columns: variety, tenor, contract_code, last_trade_date (+ any
    other column of ``contracts``)."""
    d = pd.Timestamp(on)
    live = contracts[(contracts["list_date"] <= d) & (contracts["last_trade_date"] >= d)]
    out: list[dict[str, object]] = []
    for _variety, g in live.groupby("variety", sort=True):
        rows = g.sort_values(["last_trade_date", "contract_code"]).to_dict("records")
        picked: list[tuple[str, dict[str, object]]] = list(zip(("m0", "m1"), rows[:2]))
        quarterly = [r for r in rows[2:]
                     if contract_month_number(str(r.get("contract_month", "")),
                                              str(r["contract_code"])) % 3 == 0]
        picked += list(zip(("q0", "q1"), quarterly[:2]))
        out.extend({**r, "tenor": t} for t, r in picked)
    cols = ["variety", "tenor", "contract_code", "last_trade_date"]
    if not out:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame(out)
    rest = [c for c in frame.columns if c not in cols]
    return frame[cols + rest].reset_index(drop=True)


# -- basis --------------------------------------------------------------------------------------
def annualised_basis_pct(futures: float, spot: float, days: int, *, min_days: int = 5,
                         short_expiry: ShortExpiry = "skip") -> float:
    """(F - S) / S * 365 / D in % a year; NaN (skip) or D := min_days (cap) when D < min_days."""
    if not (np.isfinite(futures) and np.isfinite(spot)) or spot <= 0:
        return float("nan")
    if days < min_days:
        if short_expiry == "skip":
            return float("nan")
        days = min_days
    return float((futures - spot) / spot * DAYS_PER_YEAR / days * 100.0)


def last_session_per_week(dates: pd.Series | Sequence[pd.Timestamp],
                          until: date | None = None) -> list[pd.Timestamp]:
    """The last date of each Monday..Sunday week among ``dates`` (ascending), weeks up to
    ``until``. A holiday week contributes its last session; a week without dates, nothing."""
    s = pd.Series(pd.to_datetime(pd.Series(list(dates))).unique())
    if until is not None:
        s = s[s <= pd.Timestamp(until)]
    if s.empty:
        return []
    last = s.groupby(week_monday(s).to_numpy()).max().sort_values()
    return [pd.Timestamp(x) for x in last]


def assign_tenors_on(contracts: pd.DataFrame,
                     dates: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """``assign_tenors`` for every date of ``dates`` in one pass: columns pos (position in
    ``dates``), trade_date, variety, tenor, contract_code, last_trade_date; rows ordered by
    pos, variety, then tenor as ``assign_tenors`` picks them (m0, m1, q0, q1)."""
    cols = ["pos", "trade_date", "variety", "tenor", "contract_code", "last_trade_date"]
    days = pd.DataFrame({"pos": np.arange(len(dates)),
                         "trade_date": pd.DatetimeIndex([pd.Timestamp(d) for d in dates])})
    if days.empty or contracts.empty:
        return pd.DataFrame(columns=cols)
    c = contracts.assign(
        list_date=pd.to_datetime(contracts["list_date"]).astype("datetime64[ns]"),
        last_trade_date=pd.to_datetime(contracts["last_trade_date"]).astype("datetime64[ns]"),
        _month=(contracts["contract_month"].map(str) if "contract_month" in contracts.columns
                else ""))
    day = days["trade_date"].dt.normalize().astype("datetime64[ns]")   # as assign_tenors(d.date())
    x = days.assign(_day=day).merge(c, how="cross")
    x = x[(x["list_date"] <= x["_day"]) & (x["last_trade_date"] >= x["_day"])]
    x = x.sort_values(["pos", "variety", "last_trade_date", "contract_code"], kind="stable",
                      ignore_index=True)
    rank = x.groupby(["pos", "variety"], sort=False).cumcount().to_numpy()
    rest = x[rank >= 2]
    # the quarterly test is made only on contracts past the two monthly ones, as assign_tenors
    # does (a code it cannot parse elsewhere does not matter)
    month = {k: contract_month_number(k[0], str(k[1]))
             for k in dict.fromkeys(zip(rest["_month"], rest["contract_code"]))}
    quarterly = np.array([month[k] % 3 == 0 for k in zip(rest["_month"], rest["contract_code"])],
                         dtype=bool)
    q = rest[quarterly]
    q_rank = q.groupby(["pos", "variety"], sort=False).cumcount().to_numpy()
    picked = pd.concat([
        x[rank < 2].assign(tenor=np.where(rank[rank < 2] == 0, "m0", "m1"), _t=rank[rank < 2]),
        q[q_rank < 2].assign(tenor=np.where(q_rank[q_rank < 2] == 0, "q0", "q1"),
                             _t=2 + q_rank[q_rank < 2]),
    ])
    picked = picked.sort_values(["pos", "variety", "_t"], kind="stable", ignore_index=True)
    return picked[cols]


def basis_panel(contracts: pd.DataFrame, daily: pd.DataFrame, spot: pd.DataFrame,
                dates: Sequence[pd.Timestamp], *, price_col: str = "close", min_days: int = 5,
                short_expiry: ShortExpiry = "skip") -> pd.DataFrame:
    """Basis of every (variety, tenor) contract on each of ``dates``.

    ``spot``: columns trade_date, variety, spot (the underlying index close). Rows: trade_date,
    variety, tenor, contract_code, last_trade_date, days_to_expiry, futures_price, spot,
    basis_pts, basis_ann_pct, open_interest. A contract without a bar on the date, or a variety
    without a spot close, gets NaN prices rather than a borrowed value from another day.
    One pass over all dates (``assign_tenors_on``, then look-ups by (date, contract) and
    (date, variety)); the same arithmetic as ``annualised_basis_pct``.
    """
    cols = ["trade_date", "variety", "tenor", "contract_code", "last_trade_date",
            "days_to_expiry", "futures_price", "spot", "basis_pts", "basis_ann_pct",
            "open_interest"]
    t = assign_tenors_on(contracts, dates)
    if t.empty:
        return pd.DataFrame([], columns=cols)
    ns = "datetime64[ns]"
    bars = daily.assign(trade_date=daily["trade_date"].astype(ns)).drop_duplicates(
        ["trade_date", "contract_code"], keep="last").set_index(["trade_date", "contract_code"])
    key = pd.MultiIndex.from_arrays([t["trade_date"].astype(ns), t["contract_code"]])
    f = bars[price_col].reindex(key).to_numpy(dtype="float64")
    oi = bars["open_interest"].reindex(key).to_numpy(dtype="float64")
    spot_ix = spot.assign(trade_date=spot["trade_date"].astype(ns)).drop_duplicates(
        ["trade_date", "variety"], keep="last").set_index(["trade_date", "variety"])["spot"]
    sp = spot_ix.reindex(pd.MultiIndex.from_arrays([t["trade_date"].astype(ns), t["variety"]])
                         ).to_numpy(dtype="float64")
    dte = (t["last_trade_date"] - t["trade_date"].astype(ns)).dt.days.to_numpy(dtype="int64")
    days = dte.astype("float64")
    ok = np.isfinite(f) & np.isfinite(sp) & (sp > 0)
    short = dte < min_days
    if short_expiry == "skip":
        ok &= ~short
    else:
        days = np.where(short, float(min_days), days)
    with np.errstate(divide="ignore", invalid="ignore"):
        ann = np.where(ok, (f - sp) / sp * DAYS_PER_YEAR / days * 100.0, np.nan)
    out = pd.DataFrame({
        "trade_date": t["trade_date"].to_numpy(), "variety": t["variety"].to_numpy(),
        "tenor": t["tenor"].to_numpy(), "contract_code": t["contract_code"].to_numpy(),
        "last_trade_date": t["last_trade_date"].to_numpy(), "days_to_expiry": dte,
        "futures_price": f, "spot": sp, "basis_pts": f - sp, "basis_ann_pct": ann,
        "open_interest": oi}, columns=cols)
    return out


def basis_panel_by_date(contracts: pd.DataFrame, daily: pd.DataFrame, spot: pd.DataFrame,
                        dates: Sequence[pd.Timestamp], *, price_col: str = "close",
                        min_days: int = 5, short_expiry: ShortExpiry = "skip") -> pd.DataFrame:
    """``basis_panel`` one date at a time with ``assign_tenors`` (the definition; slower),
    kept as the reference the one-pass version is tested against."""
    bars = daily.set_index(["trade_date", "contract_code"])
    spot_ix = spot.set_index(["trade_date", "variety"])["spot"]
    rows: list[dict[str, object]] = []
    for d in dates:
        d = pd.Timestamp(d)
        for r in assign_tenors(contracts, d.date()).to_dict("records"):
            key = (d, r["contract_code"])
            f = float(bars.at[key, price_col]) if key in bars.index else float("nan")
            oi = float(bars.at[key, "open_interest"]) if key in bars.index else float("nan")
            s = float(spot_ix.get((d, r["variety"]), np.nan))
            dte = int((pd.Timestamp(r["last_trade_date"]) - d).days)
            rows.append({
                "trade_date": d, "variety": r["variety"], "tenor": r["tenor"],
                "contract_code": r["contract_code"],
                "last_trade_date": pd.Timestamp(r["last_trade_date"]), "days_to_expiry": dte,
                "futures_price": f, "spot": s, "basis_pts": f - s,
                "basis_ann_pct": annualised_basis_pct(f, s, dte, min_days=min_days,
                                                      short_expiry=short_expiry),
                "open_interest": oi,
            })
    cols = ["trade_date", "variety", "tenor", "contract_code", "last_trade_date",
            "days_to_expiry", "futures_price", "spot", "basis_pts", "basis_ann_pct",
            "open_interest"]
    return pd.DataFrame(rows, columns=cols)


# -- history statistics -------------------------------------------------------------------------
def percentile_in_window(values: pd.Series, at: pd.Timestamp, window_weeks: int,
                         min_obs: int = 8) -> tuple[float, int]:
    """Where the value at ``at`` ranks among the values of the ``window_weeks`` calendar weeks
    ending with ``at``'s week (itself included), as the share of values <= it, in %.

    ``values`` is indexed by date (one value per week). NaNs are left out. Returns
    (percentile, observations); the percentile is NaN when the value at ``at`` is missing or
    fewer than ``min(min_obs, window_weeks)`` observations exist.
    """
    at = pd.Timestamp(at)
    s = values.dropna().sort_index()
    s = s[s.index <= at]
    monday = at - pd.Timedelta(days=at.weekday())
    first = monday - pd.Timedelta(weeks=window_weeks - 1)
    win = s[s.index >= first]
    n = int(win.size)
    if at not in win.index or n < min(min_obs, window_weeks):
        return float("nan"), n
    cur = float(win.loc[at])
    return float((win <= cur).sum() / n * 100.0), n


def beyond(value: float, threshold: float) -> bool:
    """'At or beyond' a threshold, away from zero: <= it when it is negative (a discount at
    least that deep), >= it otherwise."""
    return value <= threshold if threshold < 0 else value >= threshold


def threshold_streak(values: pd.Series, threshold: float) -> tuple[int, bool]:
    """Weeks in a row, ending with the last value, that are at or beyond ``threshold``.

    ``values``: one value per week, in week order. Missing values (NaN: a week where the
    contract was too close to expiry) are skipped: they neither extend nor break the run.
    Returns (length, reaches_start): ``reaches_start`` is True when the run covers every value
    given, so the true streak may be longer than the history loaded ("at least").
    """
    s = values.dropna()
    n = 0
    for v in reversed(s.tolist()):
        if not beyond(float(v), threshold):
            break
        n += 1
    return n, bool(n > 0 and n == s.size)


def weekly_stats(panel: pd.DataFrame, at: pd.Timestamp, *, window_weeks: int,
                 thresholds: Mapping[str, float], min_obs: int = 8) -> pd.DataFrame:
    """Per (variety, tenor) of a weekly ``basis_panel`` (one date per week): the value at
    ``at``, last week's value, the percentile in the window, observations, and the threshold
    streak. Columns: variety, tenor, basis_ann_pct, prev_basis_ann_pct, change_pp,
    percentile_pct, window_obs, threshold_pct, streak_weeks, streak_from_start."""
    at = pd.Timestamp(at)
    p = panel[panel["trade_date"] <= at]
    rows = []
    for (variety, tenor), g in p.groupby(["variety", "tenor"], sort=True):
        s = g.set_index("trade_date")["basis_ann_pct"].sort_index()
        cur = float(s.get(at, np.nan))
        before = s[s.index < at]
        prev = float(before.iloc[-1]) if not before.empty else float("nan")
        pct, n = percentile_in_window(s, at, window_weeks, min_obs)
        th = float(thresholds.get(str(variety), np.nan))
        streak, from_start = (threshold_streak(s, th) if np.isfinite(th) and at in s.index
                              and np.isfinite(cur) else (0, False))
        rows.append({"variety": variety, "tenor": tenor, "basis_ann_pct": cur,
                     "prev_basis_ann_pct": prev, "change_pp": cur - prev,
                     "percentile_pct": pct, "window_obs": n, "threshold_pct": th,
                     "streak_weeks": streak, "streak_from_start": from_start})
    return pd.DataFrame(rows)


# -- open interest ------------------------------------------------------------------------------
def open_interest_change(daily: pd.DataFrame, t1: date, t0: date) -> pd.DataFrame:
    """Per contract: open interest at ``t1`` and ``t0`` (lots) and the change. A contract with
    no bar at ``t0`` (listed since) has ``oi_t0`` NaN and its change equals its whole open
    interest; one with no bar at ``t1`` (expired since) has ``oi_t1`` 0."""
    d1, d0 = pd.Timestamp(t1), pd.Timestamp(t0)
    a = daily[daily["trade_date"] == d1].set_index("contract_code")
    b = daily[daily["trade_date"] == d0].set_index("contract_code")
    codes = sorted(set(a.index) | set(b.index))
    out = pd.DataFrame(index=pd.Index(codes, name="contract_code"))
    out["variety"] = a["variety"].reindex(codes).fillna(b["variety"].reindex(codes))
    out["oi_t1"] = a["open_interest"].reindex(codes).fillna(0.0)
    out["oi_t0"] = b["open_interest"].reindex(codes)
    out["oi_change"] = out["oi_t1"] - out["oi_t0"].fillna(0.0)
    out["oi_change_pct"] = (out["oi_t1"] / out["oi_t0"] - 1.0) * 100.0
    out["new"] = out["oi_t0"].isna()
    return out.reset_index()


def open_interest_totals(change: pd.DataFrame) -> pd.DataFrame:
    """Per variety: total open interest at t1 and t0 over every contract (expired and newly
    listed ones included, so a roll does not look like a change), change and change in %."""
    g = change.assign(oi_t0=change["oi_t0"].fillna(0.0)).groupby("variety", sort=True)
    out = pd.DataFrame({"oi_t1": g["oi_t1"].sum(), "oi_t0": g["oi_t0"].sum()})
    out["oi_change"] = out["oi_t1"] - out["oi_t0"]
    out["oi_change_pct"] = (out["oi_t1"] / out["oi_t0"].where(out["oi_t0"] > 0) - 1.0) * 100.0
    return out.reset_index()
