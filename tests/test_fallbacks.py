"""Fallback routes (issue 16.3): when a dataset's first akshare route fails, the next one fills
it; the rows say so in the store, the page says so ("（备用来源）"), two routes are compared on
the days both answer, a fallback never overwrites the first route's rows, and the order is
configurable (collect.sources) and checked at load. akshare is tests/fake_akshare.py. No network.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
import yaml

from fundflow.build import BuildRequest, build
from fundflow.collect import CollectRequest, CollectResult, collect, summary_lines
from fundflow.config import load_config
from fundflow.data.routes import ROUTES, TOLERANCES
from fundflow.data.sample import read_sample
from fundflow.data.schemas import conform
from fundflow.data.store import Store
from fundflow.errors import ConfigError
from tests.fake_akshare import SAMPLE, FakeAkshare
from tests.test_collect import SH, make_config

PREV_WEEK = date(2025, 10, 31)
WEEK = date(2025, 11, 7)
PREV_NOW = datetime(2025, 11, 3, 12, 0, tzinfo=SH)    # margin of 10-31 out (T+1 10:00)
NOW = datetime(2025, 11, 10, 12, 0, tzinfo=SH)
# dataset -> (first route's function, fallback routes used): CSI and SSE indices fall back to
# csindex, the SZSE ones (399xxx) to sina
CASES = {
    "index_daily": ("index_zh_a_hist", {"csindex", "sina"}),
    "margin_market_daily": ("stock_margin_account_info", {"exchanges"}),
    "futures_daily": ("futures_hist_daily_cffex", {"daily_summary"}),
}


class Down(FakeAkshare):
    """The given akshare functions fail as requests does when a site refuses the client;
    ``skew`` multiplies one fallback function's prices (a disagreeing second source)."""

    def __init__(self, down: set[str], skew: dict[str, float] | None = None) -> None:
        super().__init__()
        self.down = down
        self.skew = skew or {}

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_") and name in object.__getattribute__(self, "down"):
            def refused(*a: Any, **k: Any) -> Any:
                self._count(name)
                raise requests.exceptions.ConnectionError(
                    f"('Connection aborted.', RemoteDisconnected()) calling {name}")
            return refused
        return object.__getattribute__(self, name)

    def stock_zh_index_daily(self, symbol: str = "sh000922") -> pd.DataFrame:
        f = super().stock_zh_index_daily(symbol)
        k = self.skew.get("stock_zh_index_daily", 1.0)
        return f.assign(**{c: f[c] * k for c in ("open", "high", "low", "close")})


def _collect(cfg: Any, week: date, now: datetime, ak: FakeAkshare, *datasets: str,
             refresh: bool = False) -> CollectResult:
    return collect(cfg, CollectRequest(week=week, datasets=datasets, refresh=refresh), now=now,
                   ak=ak, sleep=lambda s: None)


def _stored(cfg: Any, name: str) -> pd.DataFrame:
    with Store(cfg.resolve(cfg.data.store), read_only=True) as st:
        return st.read(name, with_provenance=True)


def _prepare(tmp_path: Path, name: str, **collect_cfg: Any) -> Any:
    """A store holding the week before from the first route."""
    cfg = make_config(tmp_path, attempts=2, **collect_cfg)
    datasets = (name, "futures_contracts") if name == "futures_daily" else (name,)
    res = _collect(cfg, PREV_WEEK, PREV_NOW, FakeAkshare(), *datasets)
    assert res.report(name).status == "fetched" and not res.report(name).fallbacks
    return cfg


@pytest.mark.parametrize("name", sorted(CASES))
def test_failed_first_route_is_filled_by_the_fallback(name: str, tmp_path: Path) -> None:
    primary, routes = CASES[name]
    cfg = _prepare(tmp_path, name)
    ak = Down({primary})
    res = _collect(cfg, WEEK, NOW, ak, name)
    rep = res.report(name)
    assert rep.status == "fetched" and not rep.errors, rep.errors
    assert set(rep.fallbacks) == routes
    assert ak.calls[primary] >= 2                          # retried, then handed over
    stored = _stored(cfg, name)
    week = stored[stored["trade_date"] >= pd.Timestamp("2025-11-03")]
    before = stored[stored["trade_date"] <= pd.Timestamp("2025-10-31")]
    if name == "index_daily":   # csindex is CSI 2000's ordinary route: not a fallback there
        assert set(week.loc[week["index_code"] == "932000", "source"]) == {"akshare"}
        week = week[week["index_code"] != "932000"]
    assert set(week["source"]) == {f"akshare:fallback:{r}" for r in routes}
    assert set(before["source"]) == {"akshare"}            # the first route's rows are kept
    # the same numbers in 元 as the first route would have given (the fake splits consistently)
    want = conform(name, read_sample(SAMPLE, name), where=name)
    merged = week.merge(want, on=["trade_date"] + [k for k in ("index_code", "contract_code")
                                                   if k in week], suffixes=("", "_want"))
    assert len(merged) == len(week) > 0
    for col in TOLERANCES[name]:
        got, exp = merged[col].astype(float), merged[f"{col}_want"].astype(float)
        ok = got.isna() | ((got - exp).abs() <= exp.abs() * 1e-6 + 1e-6)
        assert ok.all(), (col, merged.loc[~ok, [col, f"{col}_want"]].head())
    # the fallback was asked again for days the first route delivered, and they agree
    assert rep.compared > 0 and rep.disagreements == 0
    text = "\n".join(summary_lines(res))
    assert "fallback route used: " + min(routes) in text and "（备用来源）" in text


def test_a_fallback_that_disagrees_is_a_quality_finding_and_the_page_says_fallback(
        tmp_path: Path) -> None:
    cfg = _prepare(tmp_path, "index_daily")
    res = _collect(cfg, WEEK, NOW, Down({"index_zh_a_hist"}, {"stock_zh_index_daily": 1.01}),
                   "index_daily")
    rep = res.report("index_daily")
    assert rep.disagreements > 0 and "beyond tolerance" in "\n".join(summary_lines(res))
    path = tmp_path / "config.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sections"] = [{"section": "broad_indices"}]
    data.pop("alerts", None)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = build(load_config(path), BuildRequest(week=WEEK, source="store"), now=NOW)
    html = (out.folder / "report.html").read_text(encoding="utf-8")
    assert "新浪财经（备用来源，无成交额）" in html             # source line and appendix
    manifest = json.loads((out.folder / "manifest.json").read_text(encoding="utf-8"))
    assert "新浪财经" in manifest["datasets"]["index_daily"]["source"]
    found = [q for q in manifest["quality"] if q["check"] == "source_disagreement"]
    assert found and found[0]["dataset"] == "index_daily" and found[0]["severity"] == "warning"
    msg = found[0]["message"]
    assert "first route" in msg and "fallback sina" in msg and "0.99%, tolerance 0.10%" in msg
    assert all(date(2025, 10, 27) <= date.fromisoformat(d) <= date(2025, 10, 31)
               for d in found[0]["dates"])


def test_a_fallback_never_overwrites_the_first_routes_rows(tmp_path: Path) -> None:
    cfg = _prepare(tmp_path, "index_daily")
    before = _stored(cfg, "index_daily")
    # the week before fetched again while eastmoney is down: sina answers with other prices
    res = _collect(cfg, PREV_WEEK, NOW, Down({"index_zh_a_hist"}, {"stock_zh_index_daily": 1.05}),
                   "index_daily", refresh=True)
    rep = res.report("index_daily")
    assert "sina" in rep.fallbacks and rep.disagreements > 0
    after = _stored(cfg, "index_daily")
    pd.testing.assert_frame_equal(before.drop(columns="fetched_at"),
                                  after.drop(columns="fetched_at"))
    # and the first route, back again, replaces fallback rows
    _collect(cfg, WEEK, NOW, Down({"index_zh_a_hist"}), "index_daily")
    _collect(cfg, WEEK, NOW, FakeAkshare(), "index_daily", refresh=True)
    stored = _stored(cfg, "index_daily")
    assert set(stored["source"]) == {"akshare"}


def test_configured_order_is_used(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, sources={"index_daily": ["sina", "eastmoney"]})
    ak = FakeAkshare()
    res = _collect(cfg, WEEK, NOW, ak, "index_daily")
    assert res.report("index_daily").status == "fetched"
    assert ak.calls["index_zh_a_hist"] == 0 and ak.calls["stock_zh_index_daily"] > 0
    # the first route in force is not a fallback: no label
    assert set(_stored(cfg, "index_daily")["source"]) == {"akshare"}


def test_every_route_failing_names_them_all(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, attempts=1, sources={"margin_market_daily": ["eastmoney",
                                                                             "exchanges"]})
    res = _collect(cfg, WEEK, NOW, Down({"stock_margin_account_info", "stock_margin_sse"}),
                   "margin_market_daily")
    rep = res.report("margin_market_daily")
    assert rep.status == "failed"
    assert "every route failed" in rep.errors[0]
    assert "eastmoney:" in rep.errors[0] and "exchanges:" in rep.errors[0]


@pytest.mark.parametrize("sources,message", [
    ({"stock_daily": ["eastmoney"]}, "collect.sources: stock_daily: no dataset with a choice of "
                                     "routes (datasets with routes: futures_daily, index_daily, "
                                     "margin_market_daily)"),
    ({"index_daily": ["sina", "tencent"]}, "collect.sources: index_daily: unknown route(s) "
                                           "'tencent' (routes of index_daily: eastmoney, "
                                           "csindex, sina)"),
    ({"index_daily": []}, "collect.sources: index_daily: at least one route"),
    ({"index_daily": ["sina", "sina"]}, "collect.sources: index_daily: a route is listed twice"),
])
def test_sources_are_checked_at_load(sources: dict[str, list[str]], message: str,
                                     tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        make_config(tmp_path, sources=sources)
    assert message in str(err.value)


def test_every_route_is_an_akshare_function() -> None:
    import akshare

    for name, routes in ROUTES.items():
        assert set(TOLERANCES[name]) and len(routes) >= 2
        for r in routes:
            for fn in r.functions:
                assert hasattr(akshare, fn), f"{name}.{r.name}: akshare has no {fn}"


# -- the real routes (network, skipped by default: pytest -m network -n 0) ----------------------
@pytest.mark.network
@pytest.mark.parametrize("name,route,key", [
    ("index_daily", "csindex", "000905"),
    ("index_daily", "sina", "399006"),
    ("margin_market_daily", "exchanges", ""),
    ("futures_daily", "daily_summary", ""),
])
def test_fallback_route_live(name: str, route: str, key: str) -> None:
    """Each fallback route alone, through the real akshare, for the last two weeks: canonical
    columns, values inside the plausible ranges, rows up to a recent session."""
    from datetime import timedelta

    from fundflow.data.sources import Caller, CallPolicy, FetchContext, get_adapter, get_akshare
    from fundflow.reference import load_reference
    from tests.fake_akshare import SEEDS

    a = get_adapter(name)
    caller = Caller(get_akshare(), CallPolicy(attempts=2))
    end = date.today()
    ctx = FetchContext(name, caller.call, load_reference(SEEDS), end - timedelta(days=14), end,
                       routes=(route,))
    if a.mode == "range":
        frame = a.fetch_range(ctx, key, end - timedelta(days=14), end)
    else:
        days = [end - timedelta(days=i) for i in range(1, 8)]
        frame = a.fetch_days(ctx, [d for d in days if d.weekday() < 5][:1])
    data = conform(name, frame, where=f"live {route}")
    assert not data.empty and ctx.used_route == route
    assert data["trade_date"].max() >= pd.Timestamp(end - timedelta(days=10))
