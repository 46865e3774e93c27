"""The bundled sample data: every dataset present and valid, realistic, reproducible."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from fundflow.data.sample import load_sample, read_sample, sample_file
from fundflow.data.schemas import DATASETS, conform
from fundflow.data.store import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "seeds" / "sample"


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_dataset_is_present_and_valid(name: str) -> None:
    frame = conform(name, read_sample(SAMPLE, name), where=name)
    assert len(frame) > 0
    ds = DATASETS[name]
    if not ds.snapshot and ds.date_column == "trade_date" and name != "trade_days":
        days = frame["trade_date"]
        assert days.max() == pd.Timestamp("2025-11-07")
        assert days[days <= "2025-11-07"].nunique() >= 260


def test_size_limit() -> None:
    size = sum(p.stat().st_size for p in SAMPLE.iterdir())
    assert size <= 20 * 1024 * 1024


def test_magnitudes() -> None:
    m = conform("margin_market_daily", read_sample(SAMPLE, "margin_market_daily"))
    last = m.set_index("trade_date").loc["2025-11-07"]
    assert 2.4e12 < last["fin_balance_cny"] + last["sec_balance_cny"] < 2.6e12
    idx = conform("index_daily", read_sample(SAMPLE, "index_daily"))
    amt = idx.pivot(index="trade_date", columns="index_code", values="amount_cny")
    two_market = (amt["000001"] + amt["399106"]).loc["2025-11-03":"2025-11-07"].mean()
    assert 1.9e12 < two_market < 2.2e12
    uni = read_sample(SAMPLE, "stock_universe")
    assert len(uni) >= 300 and uni["stock_code"].str.fullmatch(r"\d{6}").all()
    nb = conform("northbound_daily", read_sample(SAMPLE, "northbound_daily"))
    assert nb.loc[nb["trade_date"] >= "2024-08-19", "net_buy_cny"].isna().all()


def test_a_stock_is_suspended_in_the_sample_week() -> None:
    stock = conform("stock_daily", read_sample(SAMPLE, "stock_daily"))
    week = stock[stock["trade_date"] >= "2025-11-03"]
    assert set(stock["stock_code"]) - set(week["stock_code"])


def test_loading_twice_changes_nothing(tmp_path: Path) -> None:
    t = datetime(2025, 11, 8, tzinfo=timezone.utc)
    with Store(tmp_path / "s.duckdb") as st:
        first = load_sample(st, SAMPLE, fetched_at=t, datasets=["index_daily", "etf_daily"])
        again = load_sample(st, SAMPLE, fetched_at=datetime(2025, 11, 9, tzinfo=timezone.utc),
                            datasets=["index_daily", "etf_daily"])
        assert [r.inserted for r in first] == [r.unchanged for r in again]
        assert all(r.inserted == 0 and r.updated == 0 for r in again)
        assert st.coverage("index_daily").sources == ("sample",)


def test_generator_is_deterministic(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_sample.py"), "--out",
                    str(tmp_path)], check=True, capture_output=True, timeout=300)
    for name in DATASETS:
        ours = sample_file(SAMPLE, name)
        new = sample_file(tmp_path, name)
        assert ours is not None and new is not None
        assert ours.read_bytes() == new.read_bytes(), f"{name} differs when regenerated"
