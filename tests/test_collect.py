"""fundflow collect / backfill end to end, with akshare replaced by frames shaped exactly like
akshare's (tests/fake_akshare.py). No network."""

from __future__ import annotations

import shutil
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import requests
import yaml

from fundflow import cli
from fundflow.build import BuildRequest, build
from fundflow.collect import CollectRequest, CollectResult, collect, summary_lines
from fundflow.config import Config, load_config
from fundflow.data import sources
from fundflow.data.sample import read_sample
from fundflow.data.schemas import DATASETS, conform, get_dataset
from fundflow.data.store import Store
from fundflow.errors import ConfigError, SourceError
from tests.fake_akshare import ROOT, SAMPLE, FakeAkshare

SH = ZoneInfo("Asia/Shanghai")
WEEK_END = date(2025, 11, 7)
SATURDAY = datetime(2025, 11, 8, 10, 0, tzinfo=SH)     # after the week, before T+1 data
MONDAY_NOON = datetime(2025, 11, 10, 12, 0, tzinfo=SH)  # T+1 data out; a session has opened


def make_config(folder: Path, **collect: Any) -> Config:
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    data["data"] = {"store": str(folder / "store.duckdb"),
                    "sample_store": str(folder / "sample.duckdb"),
                    "sample_dir": str(SAMPLE), "seeds_dir": str(ROOT / "seeds")}
    # charts at the lowest resolution: what is checked is the data's way to the page
    data["output"] = {"dir": str(folder / "reports"), "pdf": False, "excel": False,
                      "chart_dpi": 72}
    data.pop("delivery", None)
    data["collect"] = {"default_min_interval_s": 0, "min_interval_s": {},
                       "backoff_initial_s": 0, "backoff_max_s": 0, **collect}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def snapshot_store(path: Path) -> dict[str, pd.DataFrame]:
    with Store(path, read_only=True) as st:
        out = {d: st.read(d, with_provenance=True) for d in DATASETS}
        out["_loads"] = st.con.execute("SELECT * FROM _loads ORDER BY loaded_at").df()
    return out


def assert_same_store(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k], obj=k)


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Saturday run (snapshots, most data), then Monday-noon run (T+1 data of Friday)."""
    folder = tmp_path_factory.mktemp("collect")
    cfg = make_config(folder)
    ak = FakeAkshare()
    sat = collect(cfg, CollectRequest(week=WEEK_END), now=SATURDAY, ak=ak,
                  sleep=lambda s: None)
    after_sat = snapshot_store(cfg.resolve(cfg.data.store))
    calls_sat = sum(ak.calls.values())
    mon = collect(cfg, CollectRequest(week=WEEK_END), now=MONDAY_NOON, ak=ak,
                  sleep=lambda s: None)
    return {"cfg": cfg, "folder": folder, "ak": ak, "sat": sat, "mon": mon,
            "after_sat": after_sat, "calls_sat": calls_sat,
            "calls_mon": sum(ak.calls.values()) - calls_sat}


def _sample(name: str) -> pd.DataFrame:
    return conform(name, read_sample(SAMPLE, name))


def test_saturday_run_fetches_every_dataset(collected: dict[str, Any]) -> None:
    sat: CollectResult = collected["sat"]
    assert sat.ok, "\n".join(summary_lines(sat))
    assert {r.dataset for r in sat.reports} == set(DATASETS)   # the sections need them all
    for r in sat.reports:
        assert r.status == "fetched", (r.dataset, r.status, r.errors)
        assert r.rows > 0 and r.failed == 0


def test_publication_lag_leaves_friday_for_a_later_run(collected: dict[str, Any]) -> None:
    sat: CollectResult = collected["sat"]
    margin = sat.report("margin_stock_daily")
    assert margin.last_date == date(2025, 11, 6)          # Friday's file appears on Monday
    assert date(2025, 11, 7) in margin.pending
    text = "\n".join(summary_lines(sat))
    assert "pending margin_stock_daily: not published yet for 2025-11-07" in text
    assert sat.report("index_daily").last_date == WEEK_END
    mon: CollectResult = collected["mon"]
    assert mon.ok, "\n".join(summary_lines(mon))
    assert mon.report("margin_stock_daily").last_date == WEEK_END
    assert mon.report("margin_stock_daily").fetched == 1     # only the missing day
    assert mon.report("etf_daily").last_date == WEEK_END


def test_monday_run_fetches_only_what_is_missing(collected: dict[str, Any]) -> None:
    mon: CollectResult = collected["mon"]
    assert mon.report("index_daily").status == "cached"
    assert mon.report("sw_industry_daily").status == "cached"
    assert mon.report("global_asset_daily").status == "cached"
    assert collected["calls_mon"] < collected["calls_sat"] / 5
    # live quote lists are not taken once a session has opened since the close
    for name in ("stock_daily", "main_flow_stock_daily"):
        r = mon.report(name)
        assert r.status == "skipped" and "session has opened" in r.skipped
        assert r.last_date == WEEK_END                       # Saturday's snapshot stays


def test_store_holds_the_sample_in_canonical_form(collected: dict[str, Any]) -> None:
    cfg: Config = collected["cfg"]
    with Store(cfg.resolve(cfg.data.store), read_only=True) as st:
        for name in DATASETS:
            ds = get_dataset(name)
            got = st.read(name, with_provenance=True)
            assert list(got.columns) == ds.column_names + ["source", "fetched_at"]
            assert set(got["source"]) == {"akshare"}, name
            got = got[ds.column_names]
            want = _sample(name)
            if name == "trade_days":
                assert set(want["trade_date"]) <= set(got["trade_date"])
                continue
            if name == "northbound_holdings":
                want = want[want["disclosure_date"] == want["disclosure_date"].max()]
            if name in ("stock_daily", "main_flow_stock_daily"):
                # snapshots: the week's last day only
                want = want[want["trade_date"] == pd.Timestamp(WEEK_END)]
            if ds.date_column == "trade_date" and name not in (
                    "stock_daily", "main_flow_stock_daily"):
                week = want["trade_date"].between(pd.Timestamp(2025, 11, 3),
                                                  pd.Timestamp(WEEK_END))
                if name == "northbound_daily":
                    week &= want["amount_cny"].notna()
                keys = set(map(tuple, want.loc[week, list(ds.key)].astype(str).to_numpy()))
                have = set(map(tuple, got[list(ds.key)].astype(str).to_numpy()))
                assert keys <= have, (name, sorted(keys - have)[:3])
            merged = got.merge(want, on=list(ds.key), how="left", suffixes=("", "_s"),
                               indicator=True)
            if name != "futures_contracts":
                assert (merged["_merge"] == "both").all(), name
            else:
                merged = merged[merged["_merge"] == "both"]
            for c in ds.columns:
                if c.name in ds.key:
                    continue
                if name == "enhanced_fund_universe" and c.name in ("fund_name_en", "is_quant"):
                    # Eastmoney has no English names and no quant flag (a name heuristic):
                    # the sample's are made up
                    continue
                a, b = merged[c.name], merged[f"{c.name}_s"]
                if c.kind == "float":
                    np.testing.assert_allclose(a.astype(float), b.astype(float), rtol=1e-9,
                                               atol=100 if c.name == "volume" else 1e-6,
                                               err_msg=f"{name}.{c.name}")
                else:
                    assert (a.astype(str) == b.astype(str)).all(), (name, c.name)


def test_build_from_the_collected_store(collected: dict[str, Any]) -> None:
    cfg: Config = collected["cfg"]
    res = build(cfg, BuildRequest(week=WEEK_END, source="store"),
                now=datetime(2025, 11, 10, 13, 0, tzinfo=SH))
    assert res.html.exists()
    assert res.manifest["sample_data"] is False
    assert res.week.end == WEEK_END
    built = {s["section"] for s in res.manifest["sections"]}
    assert {"major_assets", "broad_indices", "sw_industries", "tech_themes"} <= built


def test_refresh_fetches_again_and_changes_nothing(collected: dict[str, Any],
                                                   tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    shutil.copy(collected["cfg"].resolve(collected["cfg"].data.store), tmp_path / "store.duckdb")
    ak = FakeAkshare()
    res = collect(cfg, CollectRequest(week=WEEK_END, datasets=("index_daily",), refresh=True),
                  now=MONDAY_NOON, ak=ak, sleep=lambda s: None)
    r = res.report("index_daily")
    assert r.status == "fetched" and r.fetched == 14 and r.inserted == 0 and r.updated == 0
    # 932000 (CSI-only) goes to csindex first: eastmoney is not asked for what it lacks
    assert ak.calls["index_zh_a_hist"] == 13 and ak.calls["stock_zh_index_hist_csindex"] == 1


# -- failures -----------------------------------------------------------------------------------
class Offline:
    """Every akshare function fails the way requests does without a network."""

    def __init__(self) -> None:
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        def fail(*a: Any, **k: Any) -> Any:
            self.calls += 1
            raise requests.exceptions.ConnectionError(
                f"HTTPSConnectionPool: Failed to resolve host for {name}")
        return fail


class Hung:
    """Every call blocks until the test releases it (never, during the collection): a
    collection that returns while calls are still blocked did not wait for them."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.started = 0
        self.finished = 0

    def __getattr__(self, name: str) -> Any:
        def hang(*a: Any, **k: Any) -> Any:
            with self.lock:
                self.started += 1
            self.release.wait()
            with self.lock:
                self.finished += 1
        return hang


@pytest.fixture()
def filled_copy(collected: dict[str, Any], tmp_path: Path) -> Path:
    shutil.copy(collected["cfg"].resolve(collected["cfg"].data.store), tmp_path / "store.duckdb")
    return tmp_path


def test_no_network_fails_every_dataset_and_leaves_the_store_unchanged(
        filled_copy: Path) -> None:
    cfg = make_config(filled_copy, attempts=3)
    before = snapshot_store(filled_copy / "store.duckdb")
    fake = Offline()
    # the next week: everything is due and nothing is stored yet
    res = collect(cfg, CollectRequest(week=date(2025, 11, 14), refresh=True),
                  now=datetime(2025, 11, 17, 8, 0, tzinfo=SH), ak=fake, sleep=lambda s: None)
    assert not res.ok
    # optional sources (the trading-day list, QVIX, macro releases, the fund universe: without
    # it the curated fund list is used) fail without failing the run
    optional = {d for d in DATASETS if not sources.get_adapter(d).required}
    assert optional == {"trade_days", "qvix_daily", "macro_releases", "enhanced_fund_universe"}
    assert set(res.failed_required) == set(DATASETS) - optional
    for d in optional:
        assert res.report(d).status == "failed" and not res.report(d).required, d
    assert "eastmoney" in res.down_sites            # circuit breaker: later calls not made
    assert fake.calls < 80
    text = "\n".join(summary_lines(res))
    assert "FAILED:" in text and "ConnectionError" in text and "unreachable" in text
    assert_same_store(before, snapshot_store(filled_copy / "store.duckdb"))


def test_hung_calls_end_within_the_deadline_and_store_nothing(filled_copy: Path) -> None:
    cfg = make_config(filled_copy, attempts=1, call_deadline_s=0.2, concurrency=4)
    before = snapshot_store(filled_copy / "store.duckdb")
    hung = Hung()
    try:
        res = collect(cfg, CollectRequest(week=date(2025, 11, 14), refresh=True),
                      now=datetime(2025, 11, 17, 8, 0, tzinfo=SH), ak=hung, sleep=lambda s: None)
        # collect returned while every call it started is still blocked: it abandoned them at
        # their deadline instead of waiting
        assert hung.started > 0 and hung.finished == 0
    finally:
        hung.release.set()
    assert not res.ok
    assert any("did not return within 0.2 s" in e for r in res.reports for e in r.errors)
    assert_same_store(before, snapshot_store(filled_copy / "store.duckdb"))


def test_a_failed_check_stores_nothing_from_that_call(filled_copy: Path) -> None:
    class WrongUnit(FakeAkshare):
        def index_hist_sw(self, symbol: str = "801030", period: str = "day") -> pd.DataFrame:
            f = super().index_hist_sw(symbol, period)
            if symbol == "801080":
                f["成交额"] = f["成交额"] * 1e8           # 元 instead of 亿元 upstream
            return f

    class Gap(WrongUnit):
        def index_zh_a_hist(self, symbol: str = "", period: str = "daily",
                            start_date: str = "", end_date: str = "") -> pd.DataFrame:
            f = super().index_zh_a_hist(symbol, period, start_date, end_date)
            return f[f["日期"] != "2025-11-12"] if symbol == "000300" else f

    cfg = make_config(filled_copy)
    res = collect(cfg, CollectRequest(week=date(2025, 11, 14),
                                      datasets=("sw_industry_daily", "index_daily")),
                  now=datetime(2025, 11, 15, 10, 0, tzinfo=SH), ak=_extend(Gap()),
                  sleep=lambda s: None)
    sw = res.report("sw_industry_daily")
    assert sw.status == "partial" and sw.failed == 1 and sw.fetched == 30
    assert "801080" in sw.errors[0] and "amount_cny" in sw.errors[0]
    idx = res.report("index_daily")
    assert idx.status == "partial" and "2025-11-12" in idx.errors[0]
    assert "expected at least one row per session" in idx.errors[0]
    with Store(filled_copy / "store.duckdb", read_only=True) as st:
        swd = st.read("sw_industry_daily", start=date(2025, 11, 10))
        assert "801080" not in set(swd["industry_code"]) and len(set(swd["industry_code"])) == 30
        ixd = st.read("index_daily", start=date(2025, 11, 10))
        assert "000300" not in set(ixd["index_code"]) and "000905" in set(ixd["index_code"])
    assert not res.ok


def _extend(fake: FakeAkshare) -> FakeAkshare:
    """Add the week after the sample (2025-11-10..14) by repeating the sample week."""
    for name in ("index_daily", "sw_industry_daily"):
        f = fake._s(name)
        wk = f[f["trade_date"].between(pd.Timestamp(2025, 11, 3), pd.Timestamp(2025, 11, 7))]
        nxt = wk.assign(trade_date=wk["trade_date"] + pd.Timedelta(days=7))
        fake._frames[name] = pd.concat([f, nxt], ignore_index=True)
    return fake


# -- CLI ----------------------------------------------------------------------------------------
def test_cli_collect_and_backfill(filled_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    cfg = make_config(filled_copy)
    fake = FakeAkshare()
    monkeypatch.setattr(sources, "get_akshare", lambda: fake)
    monkeypatch.setattr(cli, "_collect_now", lambda: MONDAY_NOON)
    path = str(cfg.source_path)
    rc = cli.main(["collect", "--config", path, "--week", "2025-11-07",
                   "--datasets", "index_daily,margin_market_daily"])
    out = capsys.readouterr().out
    assert rc == 0 and "index_daily" in out and "cached" in out and out.rstrip().endswith("s)")
    assert "margin_stock_daily" not in out
    rc = cli.main(["backfill", "--config", path, "--week", "2025-11-07", "--weeks", "8",
                   "--datasets", "futures_daily"])
    out = capsys.readouterr().out
    assert rc == 0 and "futures_daily" in out
    with Store(filled_copy / "store.duckdb", read_only=True) as st:
        assert st.coverage("futures_daily").first <= date(2025, 9, 15)
    assert cli.main(["collect", "--config", path, "--datasets", "no_such"]) == 2
    monkeypatch.setattr(sources, "get_akshare", lambda: Offline())
    monkeypatch.setattr(cli, "_collect_now", lambda: datetime(2025, 11, 17, 8, tzinfo=SH))
    rc = cli.main(["collect", "--config", path, "--week", "2025-11-14",
                   "--datasets", "index_daily"])
    captured = capsys.readouterr()
    assert rc == 1 and "FAILED: index_daily" in captured.out


def test_build_source_akshare_collects_first(filled_copy: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = make_config(filled_copy)
    monkeypatch.setattr(sources, "get_akshare", lambda: Offline())
    with pytest.raises(SourceError, match="--source akshare: collecting .* failed"):
        build(cfg, BuildRequest(week=date(2025, 11, 14), source="akshare"),
              now=datetime(2025, 11, 17, 8, 0, tzinfo=SH))


def test_unknown_dataset_is_a_config_error(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    with pytest.raises(ConfigError, match="unknown dataset"):
        collect(cfg, CollectRequest(datasets=("nope",)), now=SATURDAY, ak=FakeAkshare())
    assert not (tmp_path / "store.duckdb").exists()


def test_the_sample_week_collects_without_stopped_data_findings(collected: dict[str, Any]) -> None:
    assert collected["sat"].findings == [] and collected["mon"].findings == []


def test_a_source_that_stops_delivering_is_a_finding_with_its_dates(tmp_path: Path) -> None:
    """Northbound 买入/卖出成交额 null from Thursday on: the adapter drops those rows and the
    dataset may skip sessions (Hong Kong holidays), so only this finding says the data stopped."""

    class Stopped(FakeAkshare):
        def stock_hsgt_hist_em(self, symbol: str = "北向资金") -> pd.DataFrame:
            f = super().stock_hsgt_hist_em(symbol)
            if symbol == "深股通":
                late = pd.to_datetime(f["日期"]) >= pd.Timestamp("2025-11-06")
                f.loc[late, ["买入成交额", "卖出成交额"]] = np.nan
            return f

    cfg = make_config(tmp_path)
    res = collect(cfg, CollectRequest(week=WEEK_END, datasets=("northbound_daily",)),
                  now=SATURDAY, ak=Stopped(), sleep=lambda s: None)
    assert res.ok                               # the rows that did arrive are stored
    (f,) = res.report("northbound_daily").findings
    assert (f.dataset, f.check, f.severity, f.series) == (
        "northbound_daily", "stale", "warning", ("sz",))
    assert f.dates == (date(2025, 11, 6), date(2025, 11, 7))
    assert "2025-11-06..2025-11-07" in f.message_en and "stopped" in f.message_en
    text = "\n".join(summary_lines(res))
    assert "warning northbound_daily: sz: no rows for 2 session(s) 2025-11-06..2025-11-07" in text
    assert any("not published (null)" in w and "2025-11-06" in w
               for w in res.report("northbound_daily").warnings)
