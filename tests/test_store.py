"""The DuckDB store: canonical tables, idempotent transactional loads, clear errors."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from fundflow.data.store import Store
from fundflow.errors import SchemaError, StoreError

T0 = datetime(2025, 11, 7, 10, tzinfo=timezone.utc)
T1 = datetime(2025, 11, 8, 10, tzinfo=timezone.utc)


def bars(close_b: float = 11.0) -> pd.DataFrame:
    return pd.DataFrame({
        "trade_date": ["2025-11-06", "2025-11-07", "2025-11-07"],
        "index_code": ["000300", "000300", "000905"],
        "open": [1.0, 1.0, 1.0], "high": [2.0, 2.0, 2.0], "low": [1.0, 1.0, 1.0],  # points >= 1
        "close": [10.0, close_b, 7.0], "volume": [1e9, 1e9, None],
        "amount_cny": [3e11, 3.1e11, 2e11],
    })


def test_load_is_idempotent_and_keeps_provenance(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        r1 = st.load("index_daily", bars(), source="test", fetched_at=T0)
        assert (r1.inserted, r1.updated, r1.unchanged) == (3, 0, 0)
        r2 = st.load("index_daily", bars(), source="test", fetched_at=T1)
        assert (r2.inserted, r2.updated, r2.unchanged) == (0, 0, 3)
        got = st.read("index_daily", with_provenance=True)
        assert len(got) == 3
        assert set(got["fetched_at"]) == {pd.Timestamp("2025-11-07 10:00")}  # untouched
        r3 = st.load("index_daily", bars(close_b=12.0), source="test", fetched_at=T1)
        assert (r3.inserted, r3.updated, r3.unchanged) == (0, 1, 2)
        got = st.read("index_daily", with_provenance=True).set_index(["index_code", "trade_date"])
        row = got.loc[("000300", pd.Timestamp("2025-11-07"))]
        assert row["close"] == 12.0 and row["fetched_at"] == pd.Timestamp("2025-11-08 10:00")
        assert got["trade_date" if False else "source"].eq("test").all()


def test_replace_load_makes_the_source_exactly_the_frame_and_keeps_other_sources(
        tmp_path: Path) -> None:
    """``replace=True`` on each path load takes: an empty table (plain insert), rows of another
    source only (plain insert, nothing deleted), matched rows with one changed, one new and one
    gone (upsert, then the delete), and the same frame again (nothing to delete)."""
    def rows(st: Store) -> dict[tuple[str, str], tuple[float, str]]:
        got = st.read("index_daily", with_provenance=True)
        return {(r.index_code, r.trade_date.date().isoformat()): (r.close, r.source)
                for r in got.itertuples()}

    with Store(tmp_path / "s.duckdb") as st:
        r = st.load("index_daily", bars(), source="sample", fetched_at=T0, replace=True)
        assert (r.inserted, r.updated, r.unchanged, r.deleted) == (3, 0, 0, 0)
        mine = bars().iloc[[0]].assign(index_code="399006")
        r = st.load("index_daily", mine, source="import:mine", fetched_at=T0, replace=True)
        assert (r.inserted, r.updated, r.unchanged, r.deleted) == (1, 0, 0, 0)
        assert len(rows(st)) == 4
        new = pd.concat([bars(close_b=12.0).iloc[[0, 1]],   # 000905 on 11-07 gone
                         bars().iloc[[2]].assign(trade_date="2025-11-05")], ignore_index=True)
        r = st.load("index_daily", new, source="sample", fetched_at=T1, replace=True)
        assert (r.inserted, r.updated, r.unchanged, r.deleted) == (1, 1, 1, 1)
        assert rows(st) == {
            ("000300", "2025-11-06"): (10.0, "sample"), ("000300", "2025-11-07"): (12.0, "sample"),
            ("000905", "2025-11-05"): (7.0, "sample"), ("399006", "2025-11-06"): (10.0, "import:mine")}
        r = st.load("index_daily", new, source="sample", fetched_at=T1, replace=True)
        assert (r.inserted, r.updated, r.unchanged, r.deleted) == (0, 0, 3, 0)
        assert len(rows(st)) == 4


def test_read_range_and_types(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        st.load("index_daily", bars(), source="test", fetched_at=T0)
        got = st.read("index_daily", start=date(2025, 11, 7), end=date(2025, 11, 7))
        assert list(got["index_code"]) == ["000300", "000905"]
        assert str(got["trade_date"].dtype).startswith("datetime64")
        cov = st.coverage("index_daily")
        assert (cov.rows, cov.first, cov.last, cov.sources) == (
            3, date(2025, 11, 6), date(2025, 11, 7), ("test",))


def test_bad_frame_stores_nothing(tmp_path: Path) -> None:
    bad = bars()
    bad["close"] = bad["close"].astype(object)
    bad.loc[2, "close"] = "n/a"
    with Store(tmp_path / "s.duckdb") as st:
        with pytest.raises(SchemaError) as info:
            st.load("index_daily", bad, source="test", fetched_at=T0)
        assert str(info.value) == (
            "dataset index_daily: column close is not numeric, e.g. 'n/a'")
        assert st.coverage("index_daily").rows == 0


def test_missing_column_and_duplicate_key_are_named(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as st:
        with pytest.raises(SchemaError) as info:
            st.load("index_daily", bars().drop(columns=["amount_cny"]), source="t",
                    fetched_at=T0, where="sample.csv")
        assert str(info.value) == (
            "dataset index_daily (sample.csv): missing column(s) amount_cny; expected "
            "trade_date, index_code, open, high, low, close, volume, amount_cny")
        dup = pd.concat([bars(), bars().iloc[[0]]])
        with pytest.raises(SchemaError, match=r"duplicate key index_code=000300, "
                                              r"trade_date=2025-11-06"):
            st.load("index_daily", dup, source="t", fetched_at=T0)


def test_implausible_value_names_row(tmp_path: Path) -> None:
    frame = pd.DataFrame({"trade_date": ["2025-11-07"], "fin_balance_cny": [2.5e16],
                          "sec_balance_cny": [1e10], "fin_buy_cny": [1e11],
                          "sec_sell_cny": [None]})
    with Store(tmp_path / "s.duckdb") as st:
        with pytest.raises(SchemaError) as info:
            st.load("margin_market_daily", frame, source="t", fetched_at=T0)
    assert str(info.value) == (
        "dataset margin_market_daily: column fin_balance_cny value 2.5e+16 is above the "
        "plausible bound 1e+13 at trade_date=2025-11-07")


def test_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "s.duckdb"
    p.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"cannot open store .*s\.duckdb"):
        Store(p)
    assert p.read_bytes().startswith(b"this is not a database")  # left as it was


def test_other_schema_version_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "s.duckdb"
    Store(p).close()
    con = duckdb.connect(str(p))
    con.execute("UPDATE _meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="schema version 99, this fundflow needs 1"):
        Store(p)


def test_missing_store_read_only(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "none.duckdb", read_only=True)
