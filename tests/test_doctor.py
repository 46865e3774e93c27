"""fundflow doctor (issue 16.2): one small call per dataset through the real adapters; a table
of status, rows, latest vs expected date and the magnitude check; exit 0 only when every
required dataset passes; bounded time without a network. akshare is tests/fake_akshare.py."""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from fundflow import cli
from fundflow.doctor import doctor, doctor_lines
from tests.fake_akshare import FakeAkshare
from tests.test_collect import SH, make_config

NOW = datetime(2025, 11, 10, 12, 0, tzinfo=SH)   # Monday noon: the week of 11-07 is published


class Offline:
    def __getattr__(self, name: str) -> Any:
        def fail(*a: Any, **k: Any) -> Any:
            raise requests.exceptions.ConnectionError(
                f"HTTPSConnectionPool(host='push2.eastmoney.com', port=443): Max retries "
                f"exceeded ({name})")
        return fail


class WanYuan(FakeAkshare):
    """eastmoney's margin totals in 万元 where akshare's parser expects 亿元 (×1e4)."""

    def stock_margin_account_info(self) -> pd.DataFrame:
        f = super().stock_margin_account_info()
        return f.assign(**{c: f[c] * 1e4 for c in ("融资余额", "融券余额", "融资买入额",
                                                   "融券卖出额")})


class Hung(FakeAkshare):
    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.returned = 0

    def stock_margin_account_info(self) -> pd.DataFrame:
        self.release.wait()
        self.returned += 1
        return super().stock_margin_account_info()


def _cfg(tmp_path: Path, **collect: Any) -> Any:
    return make_config(tmp_path, **collect)


def test_every_dataset_answers(tmp_path: Path) -> None:
    res = doctor(_cfg(tmp_path), now=NOW, ak=FakeAkshare(), deadline_s=120)
    by = {c.dataset: c for c in res.checks}
    assert res.ok, doctor_lines(res)
    assert {"index_daily", "margin_market_daily", "etf_daily", "futures_daily"} <= set(by)
    idx = by["index_daily"]
    assert idx.status == "ok" and idx.rows > 0 and idx.functions == "index_zh_a_hist"
    # published by Monday noon: the Friday for same-day data, margin (T+1 10:00) too
    assert idx.expected == idx.latest == date(2025, 11, 7)
    assert by["margin_market_daily"].expected == date(2025, 11, 7)
    lines = doctor_lines(res)
    assert lines[0].split()[:4] == ["dataset", "status", "seconds", "rows"]
    assert lines[-1].startswith("OK: every required source answers")


def test_offline_fails_every_dataset_and_names_the_sites(tmp_path: Path) -> None:
    res = doctor(_cfg(tmp_path), now=NOW, ak=Offline(), deadline_s=60)
    assert not res.ok
    assert all(c.status == "failed" for c in res.checks)
    assert "eastmoney" in res.unreachable
    text = "\n".join(doctor_lines(res))
    assert "unreachable eastmoney (push2.eastmoney.com): ConnectionError" in text
    assert "NOT READY:" in text


def test_a_unit_mix_up_is_a_failure_not_a_report(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, sources={"margin_market_daily": ["eastmoney"]})
    res = doctor(cfg, now=NOW, ak=WanYuan(), deadline_s=120)
    c = {c.dataset: c for c in res.checks}["margin_market_daily"]
    assert c.status == "implausible" and "fin_balance_cny" in c.detail
    assert "plausible" in c.detail
    assert not res.ok


def test_stale_source_is_flagged(tmp_path: Path) -> None:
    """Asked on the Monday after 11-14 (a week later), the sample ends at 11-07: stale."""
    res = doctor(_cfg(tmp_path), now=datetime(2025, 11, 17, 12, 0, tzinfo=SH),
                 ak=FakeAkshare(), deadline_s=120)
    c = {c.dataset: c for c in res.checks}["index_daily"]
    assert c.status in ("stale", "failed") and not res.ok


def test_a_hung_source_ends_at_the_deadline(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, call_deadline_s=0.5, sources={"margin_market_daily": ["eastmoney"]})
    ak = Hung()
    try:
        res = doctor(cfg, now=NOW, ak=ak, deadline_s=30)
        # doctor returned while the call is still blocked: it did not wait for it
        assert ak.returned == 0
    finally:
        ak.release.set()
    c = {c.dataset: c for c in res.checks}["margin_market_daily"]
    assert c.status in ("failed", "timeout") and "0.5 s" in c.detail
    assert not res.ok


def test_cli_doctor_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _cfg(tmp_path)
    monkeypatch.setattr(cli, "_collect_now", lambda: NOW)
    from fundflow.data import sources

    monkeypatch.setattr(sources, "get_akshare", lambda: FakeAkshare())
    assert cli.main(["doctor", "--config", str(tmp_path / "config.yaml")]) == 0
    assert "OK: every required source answers" in capsys.readouterr().out
    monkeypatch.setattr(sources, "get_akshare", lambda: Offline())
    assert cli.main(["doctor", "--config", str(tmp_path / "config.yaml"),
                     "--timeout", "30"]) == 1
    assert "NOT READY" in capsys.readouterr().out
    with pytest.raises(SystemExit) as err:
        cli.main(["doctor", "--timeout", "0"])
    assert err.value.code == 2
    del cfg


def test_run_logs_the_doctor_table_before_collecting(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    cfg = _cfg(tmp_path)
    from fundflow.data import sources

    monkeypatch.setattr(sources, "get_akshare", lambda: FakeAkshare())
    with caplog.at_level(logging.INFO, logger="fundflow"):
        cli._log_doctor(cfg, NOW)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("doctor: ")]
    assert lines[0].startswith("doctor: dataset") and "index_daily" in "\n".join(lines)
    assert lines[-1].startswith("doctor: OK")
