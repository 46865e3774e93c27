"""Issue 10: the one-pass metrics give exactly what the per-week definitions give.

``weekly_net_purchases``, ``excess_history`` / ``per_fund_history`` and ``basis_panel`` were
loops over weeks (55, 62 and 75 passes over the whole frame in the sample build). Their one-pass
versions are compared here with the loops they replaced (kept in the modules as
``*_by_window`` / ``*_by_week`` / ``*_by_date``), on the synthetic sample data and on variants
of it with the awkward cases put in: stocks that are suspended, enter or leave the margin list,
funds with a missing NAV day or a NaN growth rate, an index without a close, contracts whose
expiry is days away, the other price field and the other short-expiry rule. Equality is exact
(values, dtypes, order)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fundflow.data.sample import read_sample
from fundflow.metrics import basis as B
from fundflow.metrics import margin as M
from fundflow.metrics import quant as Q
from fundflow.reference import load_reference

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "seeds" / "sample"


def sample(name: str, *date_cols: str) -> pd.DataFrame:
    f = read_sample(SAMPLE, name)
    for c in date_cols:
        f[c] = pd.to_datetime(f[c])
    return f


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# -- margin -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def margin_stock() -> pd.DataFrame:
    f = sample("margin_stock_daily", "trade_date")
    return f.assign(fin_balance_cny=f["fin_balance_cny"].astype(float))


def test_a_shares_matches_the_row_by_row_regex(margin_stock: pd.DataFrame) -> None:
    f = pd.concat([margin_stock, pd.DataFrame({
        "trade_date": margin_stock["trade_date"].iloc[:4],
        "stock_code": ["510300", "200001", "900901", "60000"]})], ignore_index=True)
    want = f[f["stock_code"].astype(str).str.match(M.A_SHARE_CODE)]
    same(M.a_shares(f), want)
    assert len(want) == len(margin_stock)


def _awkward_margin(f: pd.DataFrame) -> pd.DataFrame:
    codes = sorted(f["stock_code"].unique())
    d = f["trade_date"]
    drop = (
        # suspended for three weeks in October 2025 (stale_end, then no_data, then stale_base)
        ((f["stock_code"] == codes[0]) & d.between("2025-10-09", "2025-10-29"))
        # enters the margin list in September 2025 (entered)
        | ((f["stock_code"] == codes[1]) & (d < "2025-09-10"))
        # leaves the list in August 2025 (off the list once STALE_DAYS have passed)
        | ((f["stock_code"] == codes[2]) & (d > "2025-08-05"))
        # misses single days, the last day of a week among them
        | ((f["stock_code"] == codes[3]) & d.isin(pd.to_datetime(["2025-10-31", "2025-11-05"])))
    )
    out = f[~drop].copy()
    out.loc[out["stock_code"] == codes[4], "fin_balance_cny"] = np.nan   # never a balance
    return out


@pytest.mark.parametrize("until", [date(2025, 11, 7), date(2025, 10, 10), date(2024, 7, 12)])
@pytest.mark.parametrize("awkward", [False, True])
def test_weekly_net_purchases_equals_week_by_week(margin_stock: pd.DataFrame, until: date,
                                                  awkward: bool) -> None:
    f = _awkward_margin(margin_stock) if awkward else margin_stock
    fast = M.weekly_net_purchases(f, until)
    same(fast, M.weekly_net_purchases_by_window(f, until))
    assert len(fast) > 0
    if awkward and until == date(2025, 11, 7):
        assert {"entered", "stale_base", "stale_end", "no_data"} <= set(fast["status"])


def test_weekly_net_purchases_without_two_weeks(margin_stock: pd.DataFrame) -> None:
    one = margin_stock[margin_stock["trade_date"].between("2025-11-03", "2025-11-07")]
    assert M.weekly_net_purchases(one, date(2025, 11, 7)).empty
    assert list(M.weekly_net_purchases(one, date(2025, 11, 7)).columns) == [
        "stock_code", "week", "week_end", "net_buy_cny", "status"]


# -- enhanced funds -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fund_inputs() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.Series], list[date]]:
    uni = sample("enhanced_fund_universe", "snapshot_date")   # the sample's own fund list
    funds = uni[uni["snapshot_date"] == uni["snapshot_date"].max()].reset_index(drop=True)
    nav = sample("fund_nav_daily", "trade_date")
    idx = sample("index_daily", "trade_date")
    benches = sorted(set(funds["benchmark_index"]))
    closes = {b: idx[idx["index_code"] == b].set_index("trade_date")["close"].sort_index()
              for b in benches}
    sessions = sorted({d.date() for s in closes.values() for d in s.index})
    return nav, funds, closes, sessions


def _awkward_nav(nav: pd.DataFrame) -> pd.DataFrame:
    codes = sorted(nav["fund_code"].unique())
    out = nav[~((nav["fund_code"] == codes[0])
                & (nav["trade_date"] == pd.Timestamp("2025-11-05")))].copy()
    out.loc[(out["fund_code"] == codes[1]) & (out["trade_date"] == pd.Timestamp("2025-10-22")),
            "daily_return_pct"] = np.nan
    out.loc[(out["fund_code"] == codes[2]) & (out["trade_date"] > pd.Timestamp("2025-09-15")),
            "daily_return_pct"] = np.nan                       # stops publishing
    return out[out["fund_code"] != codes[3]]                  # never publishes


@pytest.mark.parametrize("n_weeks", [62, 13, 1])
@pytest.mark.parametrize("awkward", [False, True])
def test_excess_history_equals_week_by_week(fund_inputs, n_weeks: int, awkward: bool) -> None:
    nav, funds, closes, sessions = fund_inputs
    if awkward:
        nav = _awkward_nav(nav)
        first = next(iter(closes))
        closes = {**closes, first: closes[first].drop(pd.Timestamp("2025-10-31"))}
    weeks = Q.weeks_ending(sessions, date(2025, 11, 7), n_weeks)
    assert len(weeks) == n_weeks
    hist = Q.excess_history(nav, funds, closes, weeks)
    same(hist, Q.excess_history_by_week(nav, funds, closes, weeks))
    per = Q.per_fund_history(nav, funds, closes, weeks)
    same(per, Q.per_fund_history_by_week(nav, funds, closes, weeks))
    if awkward:
        assert (~per["used"]).any() and per["used"].any()


def test_excess_history_of_no_week(fund_inputs) -> None:
    nav, funds, closes, _sessions = fund_inputs
    assert Q.excess_history(nav, funds, closes, []).empty
    assert Q.per_fund_history(nav, funds, closes, []).empty


# -- index futures basis ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def futures_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ref = load_reference(ROOT / "seeds")
    contracts = sample("futures_contracts", "list_date", "last_trade_date")
    daily = sample("futures_daily", "trade_date")
    idx = sample("index_daily", "trade_date")
    under = dict(zip(ref.futures_products["underlying_index"].astype(str),
                     ref.futures_products["variety"]))
    spot = idx[idx["index_code"].isin(under)][["trade_date", "index_code", "close"]]
    spot = spot.assign(variety=spot["index_code"].map(under)).rename(columns={"close": "spot"})
    return contracts, daily, spot


@pytest.mark.parametrize("kw", [{}, {"price_col": "settle", "min_days": 10, "short_expiry": "cap"},
                                {"min_days": 30}])
def test_basis_panel_equals_date_by_date(futures_inputs, kw) -> None:
    contracts, daily, spot = futures_inputs
    weeks = B.last_session_per_week(daily["trade_date"])
    every_day = list(pd.DatetimeIndex(sorted(daily["trade_date"].unique()))[-30:])
    # a bar missing (no price), a spot close missing (no spot), a date past the data
    holey = daily.drop(daily.index[(daily["trade_date"] == weeks[-2])][:2])
    no_spot = spot[spot["trade_date"] != weeks[-3]]
    for dates in (weeks, weeks[-3:], every_day, [pd.Timestamp("2030-01-04")]):
        fast = B.basis_panel(contracts, holey, no_spot, dates, **kw)
        same(fast, B.basis_panel_by_date(contracts, holey, no_spot, dates, **kw))
    full = B.basis_panel(contracts, daily, spot, weeks, **kw)
    assert set(full["tenor"]) == set(B.TENORS)
    assert full["basis_ann_pct"].notna().any()


def test_basis_panel_tenors_match_assign_tenors(futures_inputs) -> None:
    contracts, daily, _spot = futures_inputs
    days = list(pd.DatetimeIndex(sorted(daily["trade_date"].unique()))[::7])
    on = B.assign_tenors_on(contracts, days)
    for pos, d in enumerate(days):
        want = B.assign_tenors(contracts, d.date())
        got = on[on["pos"] == pos]
        assert got["tenor"].tolist() == want["tenor"].tolist()
        assert got["contract_code"].tolist() == want["contract_code"].tolist()
        assert got["variety"].tolist() == want["variety"].tolist()


# -- week-end rows instead of daily history (Store.read(weekly_before=...)) ------------------
@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from datetime import datetime, timezone

    from fundflow.data.store import Store
    from tests.shared import seeded_sample_store

    path = seeded_sample_store(tmp_path_factory.mktemp("weekly") / "s.duckdb")
    with Store(path) as st:
        # awkward series: a stock suspended for five weeks, one that stops, one with a single
        # mid-week row per week (a weekly publisher)
        ms = st.read("margin_stock_daily")
        codes = sorted(ms["stock_code"].unique())[:3]
        d = ms["trade_date"]
        drop = (((ms["stock_code"] == codes[0]) & d.between("2025-07-07", "2025-08-08"))
                | ((ms["stock_code"] == codes[1]) & (d > pd.Timestamp("2025-08-20")))
                | ((ms["stock_code"] == codes[2]) & (d.dt.weekday != 2)))
        kept = ms[~drop]
        st.con.execute("DELETE FROM margin_stock_daily")
        st.load("margin_stock_daily", kept, source="sample",
                fetched_at=datetime(2025, 11, 8, tzinfo=timezone.utc))
    return path


def _asof(frame: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    f = frame[frame["trade_date"] <= day]
    return f.sort_values(["stock_code", "trade_date"]).groupby("stock_code").tail(1) \
        .set_index("stock_code").sort_index()


@pytest.mark.parametrize("monday", [date(2025, 9, 29), date(2025, 7, 7), date(2024, 1, 1)])
def test_weekly_rows_keep_every_week_end_value(sample_store: Path, monday: date) -> None:
    from fundflow.data.store import Store

    with Store(sample_store, read_only=True) as st:
        full = st.read("margin_stock_daily", start=date(2025, 3, 1), end=date(2025, 11, 7))
        wk = st.read("margin_stock_daily", start=date(2025, 3, 1), end=date(2025, 11, 7),
                     weekly_before=monday)
    recent = pd.Timestamp(monday)
    same(wk[wk["trade_date"] >= recent].reset_index(drop=True),
         full[full["trade_date"] >= recent].reset_index(drop=True))
    assert list(wk.columns) == list(full.columns) and list(wk.dtypes) == list(full.dtypes)
    if monday > date(2025, 3, 1):
        assert len(wk) < len(full)
    for friday in pd.date_range("2025-03-07", "2025-11-07", freq="W-FRI"):
        same(_asof(wk, friday), _asof(full, friday))
    # sorted by the key like every read
    assert wk.equals(wk.sort_values(["stock_code", "trade_date"]).reset_index(drop=True))


def test_weekly_before_must_be_a_monday_of_a_series_dataset(sample_store: Path) -> None:
    from fundflow.data.store import Store

    with Store(sample_store, read_only=True) as st, pytest.raises(ValueError, match="Monday"):
        st.read("margin_stock_daily", weekly_before=date(2025, 10, 1))
    with Store(sample_store, read_only=True) as st, pytest.raises(ValueError, match="series"):
        st.read("margin_market_daily", weekly_before=date(2025, 9, 29))


def _ctx_equal(a: object, b: object) -> None:
    import dataclasses

    for f in dataclasses.fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True, obj=f.name)
        elif dataclasses.is_dataclass(x):
            _ctx_equal(x, y)
        elif isinstance(x, float) and np.isnan(x):
            assert isinstance(y, float) and np.isnan(y), f.name
        else:
            assert x == y, f.name


@pytest.mark.parametrize("week_end", [date(2025, 11, 7), date(2025, 10, 10)])
def test_leverage_on_week_end_rows_equals_daily(sample_store: Path, week_end: date) -> None:
    """What the build reads for leverage (daily rows for recent weeks, week ends before) gives
    exactly the context the full daily history gives."""
    from datetime import timedelta

    from fundflow.calendar import TradingCalendar
    from fundflow.data.store import Store
    from fundflow.sections import leverage
    from fundflow.sections.base import SectionInput

    p = leverage.LeverageParams()
    with Store(sample_store, read_only=True) as st:
        cal = TradingCalendar(st.trade_days())
        week = cal.week_of(week_end)
        prev = cal.previous_week(week)
        start = week.end - timedelta(days=leverage._history(p))   # noqa: SLF001
        n = leverage.BARS_HISTORY_DAYS
        first = week.end - timedelta(days=n)
        monday = first - timedelta(days=first.weekday())
        datasets = ("margin_market_daily", "margin_stock_daily", "stock_daily",
                    "stock_universe", "index_constituents", "index_daily", "sw_industry_daily")
        snap = {"stock_universe", "index_constituents"}
        full = {d: st.read(d, start=None if d in snap else start,
                           end=None if d in snap else week.friday) for d in datasets}
        cut = dict(full, margin_stock_daily=st.read("margin_stock_daily", start=start,
                                                    end=week.friday, weekly_before=monday))
    assert len(cut["margin_stock_daily"]) < len(full["margin_stock_daily"]) / 2
    ref = load_reference(ROOT / "seeds")
    a = leverage.compute(SectionInput(week, prev, start, full, p, ref))
    b = leverage.compute(SectionInput(week, prev, start, cut, p, ref))
    _ctx_equal(a, b)
    assert a.streak_weeks_available > 10
