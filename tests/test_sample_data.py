"""The bundled sample data (seeds/sample) and the static reference seeds: every dataset present
and valid against its schema, long enough, small enough, shaped like the sample week, and
reproducible by scripts/make_sample.py. No network."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from fundflow.data.sample import load_sample, read_sample, sample_file
from fundflow.data.schemas import DATASETS, conform
from fundflow.data.store import Store
from fundflow.errors import SchemaError

from tests.tools import locked_versions

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SAMPLE = SEEDS / "sample"
LAST = pd.Timestamp("2025-11-07")
BASE = pd.Timestamp("2025-10-31")
SIX_DIGIT_CODES = ("stock_code", "index_code", "industry_code", "etf_code", "fund_code")


def sample(name: str) -> pd.DataFrame:
    return conform(name, read_sample(SAMPLE, name), where=name)


def seed(name: str) -> pd.DataFrame:
    return pd.read_csv(SEEDS / f"{name}.csv", dtype=str, keep_default_na=False)


def weekly_pct(frame: pd.DataFrame, key: str) -> pd.Series:
    closes = frame.pivot(index="trade_date", columns=key, values="close").ffill()
    return (closes.loc[:LAST].iloc[-1] / closes.loc[:BASE].iloc[-1] - 1) * 100


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_dataset_is_present_and_valid(name: str) -> None:
    path = sample_file(SAMPLE, name)
    assert path is not None, f"no sample file for {name}"
    raw = read_sample(SAMPLE, name)
    assert list(raw.columns) == DATASETS[name].column_names   # exactly the canonical columns
    frame = conform(name, raw, where=name)
    assert len(frame) > 0
    for col in SIX_DIGIT_CODES:
        if col in frame.columns:
            assert frame[col].str.fullmatch(r"\d{6}").all(), f"{name}.{col} not zero-padded"
    ds = DATASETS[name]
    if not ds.snapshot and ds.date_column == "trade_date":
        days = frame["trade_date"]
        assert days.max() == LAST
        assert days[days <= LAST].nunique() >= 260


def test_size_limit() -> None:
    size = sum(p.stat().st_size for p in SAMPLE.iterdir())
    assert size <= 20 * 1024 * 1024


def test_reference_seeds_match_the_sample() -> None:
    sw = seed("sw_l1")
    assert len(sw) == 31 and sw["industry_code"].str.fullmatch(r"80\d{4}").all()
    assert set(sample("sw_industry_daily")["industry_code"]) == set(sw["industry_code"])
    assert set(sample("stock_universe")["sw_l1_code"]) <= set(sw["industry_code"])
    indices = seed("indices")
    for code in ("000001", "399001", "399006", "000688", "000016", "000300", "000905",
                 "000852", "932000", "000922", "000985", "399106"):
        assert code in set(indices["index_code"]), code
    assert set(sample("index_daily")["index_code"]) == set(indices["index_code"])
    assets = seed("global_assets")
    assert set(assets["asset_class"]) <= {"equity", "metal", "rate", "commodity", "fx"}
    assert set(assets["kind"]) <= {"price", "yield"}
    assert set(sample("global_asset_daily")["asset_code"]) == set(assets["asset_code"])
    etfs = seed("etfs")
    assert set(etfs["category"]) <= {"broad", "strategy", "sector"}
    assert set(sample("etf_daily")["etf_code"]) == set(etfs["etf_code"])
    funds = seed("enhanced_funds")            # real codes; the sample has its own fund list
    assert set(funds["benchmark_index"]) == {"000905", "000852"}
    uni = sample("enhanced_fund_universe")
    assert set(uni["benchmark_index"]) == {"000905", "000852"}
    assert set(sample("fund_nav_daily")["fund_code"]) == set(uni["fund_code"])
    assert not set(uni["fund_code"]) & set(funds["fund_code"])
    assert set(sample("concept_board_daily")["board_code"]) == set(seed("themes")["board_code"])
    assert set(sample("futures_daily")["variety"]) == set(seed("futures_products")["variety"])


def test_magnitudes() -> None:
    m = sample("margin_market_daily").set_index("trade_date")
    assert 2.4e12 < m.at[LAST, "fin_balance_cny"] < 2.6e12
    idx = sample("index_daily")
    amt = idx.pivot(index="trade_date", columns="index_code", values="amount_cny")
    two_market = amt["000001"] + amt["399106"]
    assert 1.9e12 < two_market.loc["2025-11-03":"2025-11-07"].mean() < 2.2e12
    share = (m["fin_buy_cny"] + m["sec_sell_cny"]) / two_market
    assert share.loc["2025-10-27":"2025-10-31"].mean() == pytest.approx(0.119, abs=0.002)
    assert share.loc["2025-11-03":"2025-11-07"].mean() == pytest.approx(0.109, abs=0.002)
    uni = sample("stock_universe")
    assert len(uni) >= 320
    nb = sample("northbound_daily")
    assert nb.loc[nb["trade_date"] >= "2024-08-19", "net_buy_cny"].isna().all()
    assert nb.loc[nb["trade_date"] < "2024-08-19", "net_buy_cny"].notna().all()


def test_sample_week_resembles_the_broker_summary() -> None:
    idx = weekly_pct(sample("index_daily"), "index_code")
    for code, pct in {"000001": 1.10, "399006": 0.60, "000688": 0.01, "000905": -0.04,
                      "932000": 3.40, "000922": 2.20}.items():
        assert idx[code] == pytest.approx(pct, abs=0.01), code
    assert weekly_pct(sample("global_asset_daily"), "asset_code")["IXIC"] == pytest.approx(
        -3.04, abs=0.01)
    names = seed("sw_l1").set_index("industry_code")["name_zh"]
    sw = weekly_pct(sample("sw_industry_daily"), "industry_code").rename(names).sort_values()
    assert list(sw.index[-5:][::-1]) == ["石油石化", "电力设备", "钢铁", "基础化工", "煤炭"]
    assert list(sw.index[:2]) == ["通信", "电子"]


def test_gaps_a_reader_must_handle() -> None:
    stock = sample("stock_daily")
    week = stock[stock["trade_date"] >= "2025-11-03"]
    suspended = set(stock["stock_code"]) - set(week["stock_code"])
    assert suspended, "no stock is suspended in the sample week"
    margin = sample("margin_stock_daily")
    assert not suspended & set(margin.loc[margin["trade_date"] >= "2025-11-03", "stock_code"])
    assert len(margin) < len(stock)          # some stocks are not on the margin list some days
    m = margin.sort_values(["stock_code", "trade_date"], ignore_index=True)
    delta = m.groupby("stock_code")["fin_balance_cny"].diff()
    assert (delta.isna() | (delta <= m["fin_buy_cny"] + 1)).all()   # repayments are >= 0


def test_loading_twice_changes_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        first = load_sample(st, SAMPLE, fetched_at=datetime(2025, 11, 8, tzinfo=timezone.utc),
                            datasets=["index_daily", "etf_daily"])
        again = load_sample(st, SAMPLE, fetched_at=datetime(2025, 11, 9, tzinfo=timezone.utc),
                            datasets=["index_daily", "etf_daily"])
        assert [r.inserted for r in first] == [r.unchanged for r in again]
        assert all(r.inserted == 0 and r.updated == 0 for r in again)
        assert st.coverage("index_daily").sources == ("sample",)


def _content(path: Path) -> bytes:
    """A file's data: gzip members are compared decompressed (the compressed bytes depend on the
    zlib build, the rows do not)."""
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.suffix == ".gz" else raw


def _first_difference(a: bytes, b: bytes) -> str:
    la, lb = a.decode("utf-8").splitlines(), b.decode("utf-8").splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}: committed {x!r}, regenerated {y!r}"
    return f"committed {len(la)} lines, regenerated {len(lb)}"


def test_generator_is_deterministic(tmp_path: Path) -> None:
    """scripts/make_sample.py regenerates the committed rows exactly. When it does not, the
    message names the library versions that differ from the ones recorded in generator.json."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_sample.py"), "--out",
                    str(tmp_path)], check=True, capture_output=True, timeout=300)
    ours = sorted(p.name for p in SAMPLE.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ours
    made_with = json.loads((SAMPLE / "generator.json").read_text(encoding="utf-8"))
    now = json.loads((tmp_path / "generator.json").read_text(encoding="utf-8"))
    changed = ", ".join(f"{k} {made_with.get(k)} -> {now.get(k)}"
                        for k in sorted(set(made_with) | set(now))
                        if made_with.get(k) != now.get(k) and k != "zlib")
    for name in ours:
        if name == "generator.json":
            continue
        a, b = _content(SAMPLE / name), _content(tmp_path / name)
        assert a == b, (
            f"{name} differs when regenerated ({_first_difference(a, b)}); "
            + (f"library versions differ from the ones the sample was made with: {changed}. "
               "Install the locked set (bash scripts/bootstrap.sh --test) or, if the lock was "
               "upgraded on purpose, regenerate with scripts/make_sample.py and commit both"
               if changed else
               "same library versions as recorded in generator.json, so the generator itself "
               "changed: regenerate with scripts/make_sample.py and commit"))


def test_sample_was_made_with_the_locked_versions() -> None:
    """generator.json names the numpy / pandas / exchange_calendars versions in the lock: an
    upgraded lock must come with a regenerated sample."""
    made_with = json.loads((SAMPLE / "generator.json").read_text(encoding="utf-8"))
    locked = locked_versions(ROOT / "requirements" / "test.lock")
    for lib in ("numpy", "pandas", "exchange_calendars"):
        assert made_with[lib] == locked[lib.replace("_", "-")], (
            f"seeds/sample/generator.json says {lib} {made_with[lib]}, requirements/test.lock "
            f"pins {locked[lib.replace('_', '-')]}: regenerate the sample with "
            "scripts/make_sample.py after upgrading the lock")

# -- plausible ranges catch a wrong unit ---------------------------------------------------------
def _is_amount(name: str) -> bool:
    """Money and volume columns: the ones a unit mix-up (元/万元/亿元, 股/手/万手, 份/万份)
    scales by 1e2..1e8."""
    return name.endswith("_cny") or name in ("volume", "shares", "open_interest")


AMOUNT_COLUMNS = [(d.name, c.name) for d in DATASETS.values() for c in d.columns
                  if c.kind == "float" and _is_amount(c.name)]
# per-stock columns where 0 is a real value (no turnover, no holding, no margin balance): a
# per-row range cannot catch a unit 1e4 too small there
SMALL_UNIT_UNCATCHABLE = {
    ("stock_daily", "amount_cny"), ("margin_stock_daily", "fin_balance_cny"),
    ("margin_stock_daily", "fin_buy_cny"), ("main_flow_stock_daily", "main_net_inflow_cny"),
    ("northbound_daily", "net_buy_cny"), ("northbound_holdings", "shares"),
    ("northbound_holdings", "market_value_cny"), ("futures_daily", "volume"),
    ("futures_daily", "open_interest"),
}


def test_every_numeric_column_has_a_plausible_range() -> None:
    unbounded = [f"{d.name}.{c.name}" for d in DATASETS.values() for c in d.columns
                 if c.kind == "float" and (c.min is None or c.max is None)]
    assert unbounded == []


@pytest.mark.parametrize("name,column", AMOUNT_COLUMNS)
def test_a_unit_1e4_too_large_is_caught(name: str, column: str) -> None:
    frame = read_sample(SAMPLE, name)
    frame[column] = frame[column] * 1e4
    # a signed column (net flows) leaves its range on the side of its largest value
    with pytest.raises(SchemaError, match=rf"dataset {name}.*column {column} .*(above|below) "
                                          rf"the plausible bound"):
        conform(name, frame)


@pytest.mark.parametrize("name,column", [nc for nc in AMOUNT_COLUMNS
                                         if nc not in SMALL_UNIT_UNCATCHABLE])
def test_a_unit_1e4_too_small_is_caught(name: str, column: str) -> None:
    frame = read_sample(SAMPLE, name)
    frame[column] = frame[column] * 1e-4
    with pytest.raises(SchemaError, match=rf"dataset {name}.*column {column} .*below the "
                                          rf"plausible bound"):
        conform(name, frame)


def test_index_volume_in_lots_instead_of_shares_is_caught() -> None:
    """手 vs 股 is a factor of 100 only; index volumes are bounded tightly enough for it."""
    for factor, word in ((100.0, "above"), (0.01, "below")):
        frame = read_sample(SAMPLE, "index_daily")
        frame["volume"] = frame["volume"] * factor
        with pytest.raises(SchemaError, match=rf"column volume .*{word}"):
            conform("index_daily", frame)


def test_the_quality_gate_reports_a_wrong_unit_in_stored_data() -> None:
    from fundflow.calendar import TradingCalendar
    from fundflow.quality import assess_dataset

    frame = conform("northbound_holdings", read_sample(SAMPLE, "northbound_holdings"))
    frame["market_value_cny"] = frame["market_value_cny"] * 1e4
    cal = TradingCalendar()
    week = cal.week_of(datetime(2025, 11, 7).date())
    found = assess_dataset("northbound_holdings", frame, week, cal.previous_week(week))
    assert any(f.check == "out_of_range" and f.column == "market_value_cny" for f in found)


def test_a_build_loads_the_sample_only_when_files_or_loader_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``refresh_sample`` (what ``--source sample`` builds call) skips a load that would change
    nothing, loads again when a file changes, and after a load cut short."""
    from fundflow.data import sample as sample_mod
    from fundflow.data.sample import SAMPLE_DIGEST_KEY, refresh_sample

    t = datetime(2025, 11, 8, tzinfo=timezone.utc)
    edited = tmp_path / "sample"
    edited.mkdir()
    for f in SAMPLE.iterdir():
        (edited / f.name).symlink_to(f)
    with Store(tmp_path / "s.duckdb") as st:
        assert refresh_sample(st, edited, fetched_at=t) is True
        rows = st.coverage("index_daily").rows
        assert refresh_sample(st, edited, fetched_at=t) is False     # nothing would change
        # a file changes: loaded again, and the store follows the file
        frame = pd.read_csv(SAMPLE / "index_daily.csv", dtype=str).iloc[:-5]
        (edited / "index_daily.csv").unlink()
        frame.to_csv(edited / "index_daily.csv", index=False)
        assert refresh_sample(st, edited, fetched_at=t) is True
        assert st.coverage("index_daily").rows == rows - 5
        # a load that fails half-way leaves no digest behind: the next build loads again
        (edited / "index_daily.csv").unlink()
        (edited / "index_daily.csv").symlink_to(SAMPLE / "index_daily.csv")
        real_load = Store.load
        seen: list[str] = []

        def failing(self: Store, name: str, *a: object, **k: object) -> object:
            seen.append(name)
            if len(seen) == 3:
                raise OSError("disk full")
            return real_load(self, name, *a, **k)  # type: ignore[arg-type]

        monkeypatch.setattr(Store, "load", failing)
        with pytest.raises(OSError):
            refresh_sample(st, edited, fetched_at=t)
        monkeypatch.setattr(Store, "load", real_load)
        assert st.meta(SAMPLE_DIGEST_KEY) is None
        assert refresh_sample(st, edited, fetched_at=t) is True
        assert st.coverage("index_daily").rows == rows
    # the loader's own code is part of what was loaded
    monkeypatch.setattr(sample_mod, "_LOADER_SOURCES", sample_mod._LOADER_SOURCES[:-1])
    with Store(tmp_path / "s.duckdb") as st:
        assert refresh_sample(st, edited, fetched_at=t) is True


def test_an_up_to_date_sample_store_is_only_read(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``ensure_sample`` (what ``--source sample`` builds call) opens the sample store for
    writing only to load it: when it holds the sample already, a read-only connection checks
    that and nothing else is opened; a missing or foreign file is opened for writing, which
    loads it or names what is wrong."""
    from fundflow.data.sample import ensure_sample
    from fundflow.errors import StoreError

    t = datetime(2025, 11, 8, tzinfo=timezone.utc)
    opened: list[bool] = []
    real_init = Store.__init__

    def spy(self: Store, path: Path, *, read_only: bool = False, **k: object) -> None:
        opened.append(read_only)
        real_init(self, path, read_only=read_only, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "__init__", spy)
    path = tmp_path / "s.duckdb"
    assert ensure_sample(path, SAMPLE, fetched_at=t) is True
    assert opened == [False]                       # no file yet: loaded
    opened.clear()
    assert ensure_sample(path, SAMPLE, fetched_at=t) is False
    assert opened == [True]                        # read, nothing else
    foreign = tmp_path / "other.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    opened.clear()
    with pytest.raises(StoreError, match="not a fundflow store"):
        ensure_sample(foreign, SAMPLE, fetched_at=t)
    assert opened == [True, False]
