"""Adapters and the polite caller, against frames shaped exactly like akshare 1.19.5's output
(tests/fake_akshare.py, built from the synthetic sample). No network, except the tests marked
``network`` (skipped by default; ``pytest -m network`` runs them against the real akshare)."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import requests

from fundflow.data.sample import read_sample
from fundflow.data.schemas import conform, get_dataset
from fundflow.data.sources import ADAPTERS, CallPolicy, Caller, FetchContext, get_adapter
from fundflow.data.sources.polite import CallTimeout, default_http_timeout, is_transient
from fundflow.errors import SchemaError, SourceError
from fundflow.reference import load_reference
from tests.fake_akshare import SAMPLE, SEEDS, FakeAkshare

WEEK = [date(2025, 11, 3), date(2025, 11, 4), date(2025, 11, 5), date(2025, 11, 6),
        date(2025, 11, 7)]
REF = load_reference(SEEDS)
FAST = CallPolicy(attempts=3, backoff_initial_s=0, backoff_max_s=0, default_min_interval_s=0,
                  deadline_s=20)


def _ctx(caller: Caller, dataset: str, routes: tuple[str, ...] = ()) -> FetchContext:
    return FetchContext(dataset, caller.call, REF, date(2025, 6, 2), WEEK[-1], routes=routes)


def _fetch(dataset: str, ak: object | None = None, *, key: str = "",
           start: date = WEEK[0], end: date = WEEK[-1], caller: Caller | None = None,
           routes: tuple[str, ...] = ()) -> tuple[pd.DataFrame, FetchContext]:
    caller = caller or Caller(ak or FakeAkshare(), FAST, sleep=lambda s: None)
    a = get_adapter(dataset)
    ctx = _ctx(caller, dataset, routes)
    if a.mode == "range":
        frame = a.fetch_range(ctx, key, start, end)
    elif a.mode == "daily":
        frame = a.fetch_days(ctx, [d for d in WEEK if start <= d <= end])
    else:
        frame = a.fetch_snapshot(ctx, end)
    return frame, ctx


def _sample(dataset: str) -> pd.DataFrame:
    return conform(dataset, read_sample(SAMPLE, dataset))


# -- normalisation and units, every adapter -----------------------------------------------------
RANGE_KEYS = {
    "index_daily": ["000300", "399006", "932000"],
    "sw_industry_daily": ["801080"],
    "global_asset_daily": ["DJIA", "IXIC", "HSTECH", "LME_CU", "CN10Y", "US10Y", "USDCNH"],
    "concept_board_daily": ["BK1128"],
    "margin_market_daily": [""],
    "northbound_daily": ["sh", "sz"],
    "fund_nav_daily": ["900501", "901012"],
}


def _compare(dataset: str, got: pd.DataFrame, want: pd.DataFrame) -> None:
    ds = get_dataset(dataset)
    got = conform(dataset, got)
    assert list(got.columns) == ds.column_names
    merged = want.merge(got, on=list(ds.key), how="outer", suffixes=("_want", "_got"),
                        indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    for c in ds.columns:
        if c.name in ds.key:
            continue
        a, b = merged[f"{c.name}_want"], merged[f"{c.name}_got"]
        if c.kind == "float":
            np.testing.assert_allclose(b.astype(float), a.astype(float), rtol=1e-9,
                                       atol=100.0 if c.name == "volume" else 1e-6,  # 手 are whole lots
                                       err_msg=f"{dataset}.{c.name}")
        else:
            assert (a.astype(str) == b.astype(str)).all(), f"{dataset}.{c.name}"


@pytest.mark.parametrize("dataset,key", [(d, k) for d, ks in RANGE_KEYS.items() for k in ks])
def test_range_adapters_match_the_canonical_sample(dataset: str, key: str) -> None:
    frame, _ctx = _fetch(dataset, key=key)
    ds = get_dataset(dataset)
    lo, hi = pd.Timestamp(WEEK[0]), pd.Timestamp(WEEK[-1])
    frame = frame[(pd.to_datetime(frame["trade_date"]) >= lo)
                  & (pd.to_datetime(frame["trade_date"]) <= hi)]
    want = _sample(dataset)
    want = want[(want["trade_date"] >= lo) & (want["trade_date"] <= hi)]
    keycol = [k for k in ds.key if k != "trade_date"]
    if keycol:
        want = want[want[keycol[0]] == key]
    _compare(dataset, frame, want.dropna(subset=["amount_cny"]) if dataset == "northbound_daily"
             else want)


@pytest.mark.parametrize("dataset", ["margin_stock_daily", "futures_daily", "etf_daily"])
def test_daily_adapters_match_the_canonical_sample(dataset: str) -> None:
    frame, _ctx = _fetch(dataset)
    want = _sample(dataset)
    want = want[want["trade_date"].dt.date.isin(WEEK)]
    _compare(dataset, frame, want)


def test_snapshot_adapters_match_the_canonical_sample() -> None:
    ak = FakeAkshare()
    caller = Caller(ak, FAST, sleep=lambda s: None)
    # stock_daily: the spot list shows the close; the suspended stock has no price
    frame, ctx = _fetch("stock_daily", caller=caller)
    want = _sample("stock_daily")
    want = want[want["trade_date"] == pd.Timestamp(WEEK[-1])]
    _compare("stock_daily", frame, want)
    assert any("suspended" in w for w in ctx.warnings)
    # universe: latest SW classification mapped to L1 codes, names from the spot list
    frame, _ = _fetch("stock_universe", caller=caller)
    _compare("stock_universe", frame, _sample("stock_universe"))
    assert ak.calls["stock_zh_a_spot_em"] == 1        # memoised for the run
    frame, _ = _fetch("index_constituents", caller=caller)
    _compare("index_constituents", frame, _sample("index_constituents"))
    assert ak.calls["index_stock_cons"] == 1           # 399006 from sina
    frame, _ = _fetch("main_flow_stock_daily", caller=caller)
    want = _sample("main_flow_stock_daily")
    _compare("main_flow_stock_daily", frame, want[want["trade_date"] == pd.Timestamp(WEEK[-1])])
    frame, _ = _fetch("northbound_holdings", caller=caller)
    want = _sample("northbound_holdings")
    _compare("northbound_holdings", frame,
             want[want["disclosure_date"] == want["disclosure_date"].max()])


def test_futures_contracts_keep_only_equity_index_futures() -> None:
    frame, _ = _fetch("futures_contracts", start=WEEK[-1])
    data = conform("futures_contracts", frame)
    assert set(data["variety"]) == {"IF", "IH", "IC", "IM"}      # the T bond future is dropped
    assert (data.groupby("variety").size() == 4).all()
    want = _sample("futures_contracts").set_index("contract_code")
    got = data.set_index("contract_code")
    assert (got["last_trade_date"] == want.loc[got.index, "last_trade_date"]).all()


def test_unit_conversions_by_hand() -> None:
    """One value per source unit, checked against the akshare frame directly."""
    ak = FakeAkshare()
    raw = ak.stock_zh_index_hist_csindex("932000", "20251107", "20251107")
    frame, _ = _fetch("index_daily", ak, key="932000", start=WEEK[-1])
    row = frame.iloc[-1]
    assert row["amount_cny"] == pytest.approx(raw["成交金额"].iloc[-1] * 1e8)   # 亿元
    assert row["volume"] == pytest.approx(raw["成交量"].iloc[-1] * 1e6)         # 万手 -> 股
    em = ak.index_zh_a_hist("000300", "daily", "20251107", "20251107")
    frame, _ = _fetch("index_daily", ak, key="000300", start=WEEK[-1])
    assert frame["volume"].iloc[-1] == em["成交量"].iloc[-1] * 100              # 手 -> 股
    hold = ak.stock_hsgt_hold_stock_em("北向", "今日排行")
    frame, _ = _fetch("northbound_holdings", ak)
    assert frame["market_value_cny"].iloc[0] == pytest.approx(
        hold["今日持股-市值"].iloc[0] * 1e4)                                    # 万元
    acct = ak.stock_margin_account_info()
    frame, _ = _fetch("margin_market_daily", ak)
    last = frame.sort_values("trade_date").iloc[-1]
    assert last["fin_balance_cny"] == pytest.approx(acct["融资余额"].iloc[-1] * 1e8)  # 亿元


def test_margin_detail_drops_funds_and_checks_the_date() -> None:
    ak = FakeAkshare()
    frame, _ = _fetch("margin_stock_daily", ak, start=WEEK[-1])
    assert "510300" not in set(frame["stock_code"])          # the ETF row in the SSE file
    assert ak.calls["stock_margin_detail_sse"] == 1 and ak.calls["stock_margin_detail_szse"] == 1

    class Stale(FakeAkshare):
        def stock_margin_detail_sse(self, date: str = "") -> pd.DataFrame:
            return super().stock_margin_detail_sse("20251106")   # yesterday's file again

    with pytest.raises(SchemaError, match=r"margin_stock_daily \(2025-11-07\).*20251106|"
                                          r"margin_stock_daily \(2025-11-07\).*2025-11-06"):
        _fetch("margin_stock_daily", Stale(), start=WEEK[-1])


# -- schema drift and empty frames --------------------------------------------------------------
class Drift(FakeAkshare):
    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how

    def index_zh_a_hist(self, *a: object, **k: object) -> pd.DataFrame:
        f = super().index_zh_a_hist(*a, **k)  # type: ignore[arg-type]
        if self.how == "renamed":
            return f.rename(columns={"成交额": "成交金额"})
        if self.how == "missing":
            return f.drop(columns=["收盘"])
        if self.how == "extra":
            return f.assign(**{"成交笔数": 12345})
        if self.how == "empty":
            return f.iloc[0:0]
        if self.how == "text":
            return f.assign(收盘="-")
        return f


@pytest.mark.parametrize("how,column", [("renamed", "成交额"), ("missing", "收盘")])
def test_renamed_or_missing_column_is_a_schema_error_naming_it(how: str, column: str) -> None:
    with pytest.raises(SchemaError) as err:   # eastmoney alone: no fallback to hide the drift
        _fetch("index_daily", Drift(how), key="399006", routes=("eastmoney",))
    msg = str(err.value)
    assert "index_daily" in msg and column in msg and "index_zh_a_hist" in msg
    assert "399006" in msg and "2025-11-03" in msg           # the key and dates of the call
    assert err.value.dataset == "index_daily"


def test_extra_column_is_noted_and_the_data_kept() -> None:
    frame, ctx = _fetch("index_daily", Drift("extra"), key="399006")
    plain, _ = _fetch("index_daily", key="399006")
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), plain.reset_index(drop=True))
    assert any("成交笔数" in w and "drift" in w for w in ctx.warnings)


def test_a_column_without_numbers_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="收盘 has no numeric value"):
        _fetch("index_daily", Drift("text"), key="399006", routes=("eastmoney",))


def test_drift_on_the_first_route_is_bridged_by_the_fallback_and_said() -> None:
    """With the default routes, a renamed eastmoney column no longer empties the dataset:
    sina answers, and the warning names the drift that made it necessary."""
    frame, ctx = _fetch("index_daily", Drift("renamed"), key="399006")
    assert not frame.empty and ctx.used_route == "sina" and ctx.fell_back
    assert any("fallback route sina" in w and "成交额" in w for w in ctx.warnings)


def test_empty_frames() -> None:
    # an index eastmoney returns nothing for: empty (the collector decides what that means)
    frame, _ = _fetch("index_daily", Drift("empty"), key="399006", routes=("eastmoney",))
    assert frame.empty

    class EmptySpot(FakeAkshare):
        def stock_zh_a_spot_em(self) -> pd.DataFrame:
            return super().stock_zh_a_spot_em().iloc[0:0]

    with pytest.raises(SchemaError, match="stock_zh_a_spot_em returned an empty frame"):
        _fetch("stock_daily", EmptySpot())


def test_unknown_sw_prefixes_are_an_error() -> None:
    class NewClassification(FakeAkshare):
        def stock_industry_clf_hist_sw(self) -> pd.DataFrame:
            f = super().stock_industry_clf_hist_sw()
            return f.assign(industry_code="99" + f["industry_code"].str[2:])

    with pytest.raises(SchemaError, match="class_prefix"):
        _fetch("stock_universe", NewClassification())


# -- the polite caller --------------------------------------------------------------------------
class Flaky:
    def __init__(self, errors: list[BaseException], hang: bool = False) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.hang = hang
        self.release = threading.Event()   # a hung call blocks until the test sets it
        self.returned = 0

    def stock_margin_account_info(self) -> pd.DataFrame:
        self.calls += 1
        if self.hang:
            self.release.wait()
            self.returned += 1
        if self.errors:
            raise self.errors.pop(0)
        return pd.DataFrame({"x": [1.0]})


def _http_error(code: int) -> requests.exceptions.HTTPError:
    resp = requests.Response()
    resp.status_code = code
    return requests.exceptions.HTTPError(f"{code} error", response=resp)


def test_transient_error_succeeds_on_retry_with_backoff() -> None:
    fake = Flaky([requests.exceptions.ConnectionError("reset"), _http_error(503)])
    waits: list[float] = []
    policy = CallPolicy(attempts=3, backoff_initial_s=1.0, backoff_max_s=8,
                        default_min_interval_s=0)
    out = Caller(fake, policy, sleep=waits.append).call("eastmoney", "stock_margin_account_info",
                                                         dataset="margin_market_daily")
    assert fake.calls == 3 and list(out["x"]) == [1.0]
    assert len(waits) == 2 and all(0 <= w <= 8 for w in waits)   # jittered exponential waits


def test_permanent_error_is_not_retried() -> None:
    fake = Flaky([KeyError("data")])
    with pytest.raises(SourceError, match=r"margin_market_daily.*stock_margin_account_info\(\) "
                                          r"failed: KeyError"):
        Caller(fake, FAST, sleep=lambda s: None).call("eastmoney", "stock_margin_account_info",
                                                      dataset="margin_market_daily")
    assert fake.calls == 1
    fake = Flaky([_http_error(404)])
    with pytest.raises(SourceError):
        Caller(fake, FAST, sleep=lambda s: None).call("eastmoney", "stock_margin_account_info",
                                                      dataset="margin_market_daily")
    assert fake.calls == 1


def test_transient_errors_exhaust_and_take_the_site_down() -> None:
    fake = Flaky([requests.exceptions.ConnectionError("no route")] * 10)
    caller = Caller(fake, CallPolicy(attempts=2, backoff_initial_s=0, default_min_interval_s=0,
                                     site_failure_limit=2), sleep=lambda s: None)
    for _ in range(2):
        with pytest.raises(SourceError, match="after 2 attempts: ConnectionError"):
            caller.call("eastmoney", "stock_margin_account_info", dataset="margin_market_daily")
    assert fake.calls == 4
    with pytest.raises(SourceError, match="not attempted: eastmoney is unreachable"):
        caller.call("eastmoney", "stock_margin_account_info", dataset="margin_market_daily")
    assert fake.calls == 4 and "eastmoney" in caller.down_sites()


def test_a_hung_call_is_abandoned_at_its_deadline() -> None:
    fake = Flaky([], hang=True)
    caller = Caller(fake, CallPolicy(attempts=2, deadline_s=0.2, backoff_initial_s=0,
                                     default_min_interval_s=0), sleep=lambda s: None)
    try:
        with pytest.raises(SourceError, match="did not return within 0.2 s"):
            caller.call("eastmoney", "stock_margin_account_info", dataset="margin_market_daily")
        assert fake.returned == 0              # both attempts abandoned while still blocked
    finally:
        fake.release.set()
    assert fake.calls == 2                     # a timeout is transient: retried once


def test_classification_of_errors() -> None:
    assert is_transient(requests.exceptions.ReadTimeout())
    assert is_transient(_http_error(429)) and not is_transient(_http_error(403))
    assert is_transient(CallTimeout("x"))
    assert not is_transient(ValueError("Length mismatch"))
    import urllib.error

    assert not is_transient(urllib.error.HTTPError("u", 404, "nf", {}, None))  # type: ignore[arg-type]
    assert is_transient(urllib.error.URLError("down"))


def test_rate_limit_spaces_calls_to_one_site() -> None:
    fake = Flaky([])
    caller = Caller(fake, CallPolicy(min_interval_s={"eastmoney": 0.2},
                                     default_min_interval_s=0), sleep=lambda s: None)
    stamps: list[float] = []

    def go(i: int) -> None:
        caller.call("eastmoney", "stock_margin_account_info", dataset=f"d{i}", dummy=i)
        stamps.append(time.monotonic())

    fake.stock_margin_account_info = lambda dummy: (  # type: ignore[method-assign]
        pd.DataFrame({"x": [dummy]}))
    threads = [threading.Thread(target=go, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    assert stamps[-1] - stamps[0] >= 0.3      # three calls need at least two intervals


class _Overlap:
    """akshare stand-in that records how many calls run at once. An ordinary call waits (on a
    condition, not a clock) until ``want`` calls are in flight or no more are coming, so the
    peak is reached whatever the machine's load; a limiter that admitted more would show a
    higher peak."""

    def __init__(self, want: int, total: int, patience_s: float = 60.0) -> None:
        self.want = want
        self.patience_s = patience_s
        self.total = total           # ordinary calls that will be made
        self.cond = threading.Condition()
        self.now = 0
        self.peak = 0
        self.arrived = 0
        self.paging = 0
        self.paged_overlap = False   # a paginated call ran beside another call of the site

    def _run(self, paged: bool) -> pd.DataFrame:
        with self.cond:
            if self.paging or (paged and self.now):
                self.paged_overlap = True
            self.now += 1
            self.paging += paged
            self.peak = max(self.peak, self.now)
            if not paged:
                self.arrived += 1
                self.cond.notify_all()
                self.cond.wait_for(lambda: self.now >= self.want or self.arrived >= self.total,
                                   timeout=self.patience_s)
            self.now -= 1
            self.paging -= paged
            self.cond.notify_all()
        return pd.DataFrame({"x": [1]})

    def index_global_hist_em(self, symbol: str) -> pd.DataFrame:
        return self._run(False)

    def bond_zh_us_rate(self, start_date: str) -> pd.DataFrame:
        return self._run(True)


def _parallel(caller: Caller, calls: list[tuple[str, dict[str, str]]]) -> None:
    def go(fn: str, kw: dict[str, str]) -> None:
        caller.call("eastmoney", fn, dataset="d", **kw)

    threads = [threading.Thread(target=go, args=c) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@pytest.mark.parametrize("slots", [1, 2, 3])
def test_max_in_flight_overlaps_calls_but_keeps_their_spacing(slots: int) -> None:
    # the 60 s patience only guards a broken limiter from hanging the suite: with a working one
    # `slots` calls are in flight together and release each other at once
    fake = _Overlap(want=slots, total=6)
    caller = Caller(fake, CallPolicy(min_interval_s={"eastmoney": 0.05}, default_min_interval_s=0,
                                     max_in_flight={"eastmoney": slots}), sleep=lambda s: None)
    _parallel(caller, [("index_global_hist_em", {"symbol": str(i)}) for i in range(6)])
    stats = caller.site_stats()["eastmoney"]
    assert fake.peak == slots == stats["max_in_flight"]
    assert stats["calls"] == 6
    assert stats["min_gap_s"] >= 0.05 * 0.9     # starts stay min_interval apart


def test_paginated_function_has_its_site_to_itself() -> None:
    # ordinary calls linger up to 0.2 s for company, so a paginated call arrives while they are
    # in flight; the lingering decides only how hard the limiter is pressed: a correct one
    # passes whatever the machine's load
    fake = _Overlap(want=2, total=4, patience_s=0.2)
    caller = Caller(fake, CallPolicy(default_min_interval_s=0, max_in_flight={"eastmoney": 3}),
                    sleep=lambda s: None)
    calls = [("index_global_hist_em", {"symbol": str(i)}) for i in range(4)]
    calls.insert(2, ("bond_zh_us_rate", {"start_date": "20250101"}))
    calls.insert(4, ("bond_zh_us_rate", {"start_date": "20250102"}))
    _parallel(caller, calls)
    assert fake.arrived == 4
    assert not fake.paged_overlap       # ordinary calls may overlap, never with a paginated one


def test_max_in_flight_is_checked_in_the_config(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fundflow.config import load_config
    from fundflow.errors import ConfigError

    cfg = tmp_path / "c.yaml"
    cfg.write_text("collect:\n  max_in_flight:\n    eastmoney: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"collect\.max_in_flight.*between 1 and 8.*eastmoney"):
        load_config(cfg)


def test_default_http_timeout_is_injected_and_restored() -> None:
    seen: dict[str, object] = {}
    original = requests.Session.send

    def fake_send(self: requests.Session, request: object, **kwargs: object) -> object:
        seen.update(kwargs)
        raise requests.exceptions.ConnectTimeout("stop here")

    requests.Session.send = fake_send  # type: ignore[method-assign,assignment]
    try:
        with default_http_timeout(7):
            with pytest.raises(requests.exceptions.ConnectTimeout):
                requests.get("http://example.invalid/")
        assert seen["timeout"] == 7
        with pytest.raises(requests.exceptions.ConnectTimeout):
            requests.get("http://example.invalid/")
        assert seen["timeout"] is None           # restored: requests' own default again
    finally:
        requests.Session.send = original  # type: ignore[method-assign]


def test_every_dataset_has_an_adapter() -> None:
    from fundflow.data.schemas import DATASETS

    assert set(ADAPTERS) == set(DATASETS)


# -- real akshare (network) ---------------------------------------------------------------------
def _recent_week() -> tuple[date, date]:
    end = date.today() - timedelta(days=3)
    return end - timedelta(days=10), end


NETWORK_CASES = ["trade_days", "index_daily", "sw_industry_daily", "global_asset_daily",
                 "concept_board_daily", "margin_market_daily", "margin_stock_daily",
                 "stock_universe", "stock_daily", "index_constituents", "main_flow_stock_daily",
                 "northbound_daily", "northbound_holdings", "etf_daily", "fund_nav_daily",
                 "futures_contracts", "futures_daily"]


@pytest.mark.network
@pytest.mark.parametrize("dataset", NETWORK_CASES)
def test_real_akshare(dataset: str) -> None:
    """One real call per adapter; the result must conform to the canonical schema."""
    from fundflow.data.sources import get_akshare

    start, end = _recent_week()
    caller = Caller(get_akshare(), CallPolicy(http_timeout_s=30, deadline_s=240),
                    sleep=time.sleep)
    a = ADAPTERS[dataset]
    ctx = FetchContext(dataset, caller.call, REF, start, end)
    with default_http_timeout(30):
        if a.mode == "range":
            key = {"global_asset_daily": "SPX", "fund_nav_daily": "110011"}.get(
                dataset, a.keys(REF)[0])
            frame = a.fetch_range(ctx, key, start, end)
        elif a.mode == "daily":
            from fundflow.calendar import TradingCalendar

            days = TradingCalendar().sessions(start, end - timedelta(days=1))[-1:]
            frame = a.fetch_days(ctx, days)
        else:
            frame = a.fetch_snapshot(ctx, end)
    data = conform(dataset, frame)
    assert len(data) > 0
