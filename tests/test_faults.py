"""Fault injection and bad input (issue 9): every scenario fails with a clear message naming
what and where, or builds; none loses data. The process is SIGKILLed at each build stage
(``FUNDFLOW_TEST_KILL_AT``), the disk fills up under the store and under the report, and bad
files of every kind are fed in. After each: the previous week's report and the store are as they
were (or hold whole datasets only), and running the command again succeeds.

Every test here is marked ``fault``; README's figures are ``pytest -m fault`` counts.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from fundflow.build import BuildRequest, BuildResult, build
from fundflow.calendar import TradingCalendar
from fundflow.plan import load_config  # with the section and alert checks
from fundflow.data.sample import load_sample
from fundflow.data.schemas import DATASETS
from fundflow.data.store import Store
from fundflow.errors import CalendarError, ConfigError, DataError, RenderError, SchemaError
from fundflow.errors import StoreError
from fundflow.formatting import FILTERS
from tests.clirunner import run_cli
from tests.shared import seeded_sample_store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "seeds" / "sample"
NOW = datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc)
WEEK = date(2025, 11, 7)
pytestmark = pytest.mark.fault



# -- helpers --------------------------------------------------------------------------------
def write_config(tmp: Path, *, store: Path, sections: str = "  - section: sw_industries\n",
                 pdf: bool = False, extra: str = "", sample_dir: Path = SAMPLE,
                 sample_store: Path | None = None) -> Path:
    p = tmp / "config.yaml"
    p.write_text(
        f"data: {{store: {store}, sample_store: {sample_store or seeded_sample_store(tmp / 'sample.duckdb')}, "
        f"sample_dir: {sample_dir}, seeds_dir: {ROOT / 'seeds'}}}\n"
        f"output: {{dir: {tmp / 'reports'}, excel: false, pdf: {str(pdf).lower()}, "
        f"chart_dpi: 72}}\n"
        f"{extra}sections:\n{sections}", encoding="utf-8")
    return p


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300,
        fsize: int | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run ``python -m fundflow.cli`` in its own process group (``tests/clirunner.py``), with
    command-line builds drawing charts on their default workers; whatever it leaves running
    (forked chart workers of a killed build) is killed with the group. ``fsize``: files may not
    grow beyond that many bytes (writes fail with EFBIG, as on a full disk)."""
    return run_cli(*args, env={**{k: v for k, v in os.environ.items()
                                  if k != "FUNDFLOW_CHART_WORKERS"}, **(env or {})},
                   timeout=timeout, fsize=fsize, cwd=cwd)


def folder_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def store_digest(path: Path) -> dict[str, tuple[int, str]]:
    """Per dataset: row count and a hash of every row (order-independent)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for name, ds in DATASETS.items():
            cols = ", ".join(f'"{c}"' for c in ds.column_names)
            n, h = con.execute(f'SELECT count(*), coalesce(sum(hash({cols})), 0)::VARCHAR '
                               f'FROM "{name}"').fetchone()  # type: ignore[misc]
            out[name] = (int(n), str(h))
        return out
    finally:
        con.close()


def last_error(r: subprocess.CompletedProcess[str]) -> str:
    lines = [x for x in r.stderr.splitlines() if x.startswith("fundflow: error: ")]
    assert lines, r.stderr[-3000:]
    return lines[-1].removeprefix("fundflow: error: ")


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_sample_store(tmp_path_factory.mktemp("faults") / "sample.duckdb")


@pytest.fixture()
def store(tmp_path: Path, sample_store: Path) -> Path:
    """A private copy of the loaded sample store."""
    p = tmp_path / "store.duckdb"
    shutil.copy(sample_store, p)
    return p


def build_from(cfg: Path, week: date = WEEK, **req: object) -> BuildResult:
    return build(load_config(cfg), BuildRequest(week=week, source="store", **req),  # type: ignore[arg-type]
                 now=NOW)


# -- killed at each stage -------------------------------------------------------------------
def assert_killed(r: subprocess.CompletedProcess[str], point: str) -> None:
    """The process died at the kill point; a run that finished (or failed) without reaching it
    is an error of the test, not a pass."""
    if r.returncode != -signal.SIGKILL:
        pytest.fail(f"kill point {point!r} was never reached (exit code {r.returncode}): "
                    f"the scenario did not happen\n{r.stderr[-2000:]}")


@pytest.mark.parametrize("stage", ["read", "compute", "chart",
                                   pytest.param("pdf", marks=pytest.mark.pdf_process),
                                   pytest.param("pdf-write", marks=pytest.mark.pdf_process)])
def test_kill_during_build_leaves_the_previous_report_and_store(
        stage: str, tmp_path: Path, store: Path) -> None:
    """Killed at a stage (pdf-write: in the PDF process once WeasyPrint has written the first
    bytes, the PDF half-written), the previous report of the week is untouched, and the same
    command run again succeeds."""
    pdf = stage.startswith("pdf")
    cfg = write_config(tmp_path, store=store, pdf=pdf)
    report_before = folder_digest(build_from(cfg).folder)
    store_before = store_digest(store)
    week_dir = tmp_path / "reports" / WEEK.isoformat()
    r = cli("build", "--config", str(cfg), "--source", "store", "--week", WEEK.isoformat(),
            # charts are drawn, not taken from the cache the previous build filled
            env={"FUNDFLOW_TEST_KILL_AT": stage, "FUNDFLOW_CHART_CACHE": "off"})
    assert_killed(r, stage)
    assert "pdf:" in r.stderr if pdf else f"{stage}:" in r.stderr   # it got as far as the stage
    assert folder_digest(week_dir) == report_before
    assert store_digest(store) == store_before
    # leftovers are hidden temporary folders, never a half-written report folder
    visible = sorted(p.name for p in (tmp_path / "reports").iterdir()
                     if not p.name.startswith("."))
    assert visible in ([WEEK.isoformat()], [WEEK.isoformat(), "index.html"])
    # and running it again succeeds and replaces the report whole
    r = cli("build", "--config", str(cfg), "--source", "store", "--week", WEEK.isoformat())
    assert r.returncode == 0, r.stderr[-2000:]
    after = folder_digest(week_dir)
    assert set(after) == set(report_before) and ("report.pdf" in after) == pdf
    assert store_digest(store) == store_before


def changed_sample(tmp: Path) -> Path:
    """A sample folder whose index and industry closes differ from the stored ones by 1%, so
    loading it rewrites rows (the other files are links to the real ones)."""
    out = tmp / "sample_changed"
    out.mkdir()
    for f in SAMPLE.iterdir():
        (out / f.name).symlink_to(f)
    for name in ("index_daily", "sw_industry_daily", "global_asset_daily"):
        (out / f"{name}.csv").unlink()
        frame = pd.read_csv(SAMPLE / f"{name}.csv", dtype=str)
        for col in ("open", "high", "low", "close"):
            if col in frame:
                frame[col] = (frame[col].astype(float) * 1.01).map(lambda x: f"{x:.6f}")
        frame.to_csv(out / f"{name}.csv", index=False)
    return out


def whole_datasets(store: Path, before: dict[str, tuple[int, str]],
                   after: dict[str, tuple[int, str]]) -> None:
    """Each dataset is exactly as before or exactly as after: no half-applied load."""
    now = store_digest(store)
    for name in DATASETS:
        assert now[name] in (before[name], after[name]), name


@pytest.fixture(scope="module")
def changed_load(tmp_path_factory: pytest.TempPathFactory,
                 sample_store: Path) -> tuple[Path, dict[str, tuple[int, str]]]:
    """A changed sample folder (read only by the tests) and the digest of the loaded sample
    store once that folder is loaded into it: the same for every kill point below."""
    tmp = tmp_path_factory.mktemp("changed")
    changed = changed_sample(tmp)
    expected = tmp / "expected.duckdb"
    shutil.copy(sample_store, expected)
    with Store(expected) as st:
        load_sample(st, changed, fetched_at=NOW)
    return changed, store_digest(expected)


@pytest.mark.parametrize("stage", ["load", "store-write:index_daily", "store-write:sw_industry"])
def test_kill_while_loading_the_store_keeps_whole_datasets(
        stage: str, tmp_path: Path, sample_store: Path,
        changed_load: tuple[Path, dict[str, tuple[int, str]]]) -> None:
    """--source sample writes the sample store: killed before the load, or inside the
    transaction of a changed dataset (its rows written, not committed; the second one after
    another changed dataset was committed), the store opens, every dataset is wholly old or
    wholly new, and a rerun completes it."""
    s = tmp_path / "sample.duckdb"
    shutil.copy(sample_store, s)
    changed, after = changed_load
    cfg = write_config(tmp_path, store=tmp_path / "unused.duckdb", sample_store=s,
                       sample_dir=changed)
    before = store_digest(s)
    assert after["index_daily"] != before["index_daily"]
    r = cli("build", "--config", str(cfg), "--source", "sample", "--week", WEEK.isoformat(),
            env={"FUNDFLOW_TEST_KILL_AT": stage})
    assert_killed(r, stage)
    whole_datasets(s, before, after)
    if stage == "store-write:sw_industry":   # index_daily was loaded and committed before it
        assert store_digest(s)["index_daily"] == after["index_daily"]
        assert store_digest(s)["sw_industry_daily"] == before["sw_industry_daily"]
    r = cli("build", "--config", str(cfg), "--source", "sample", "--week", WEEK.isoformat())
    assert r.returncode == 0, r.stderr[-2000:]
    assert store_digest(s) == after
    assert (tmp_path / "reports" / WEEK.isoformat() / "manifest.json").is_file()


# -- disk full ------------------------------------------------------------------------------
def test_disk_full_while_loading_the_store(tmp_path: Path) -> None:
    s = tmp_path / "sample.duckdb"
    cfg = write_config(tmp_path, store=tmp_path / "unused.duckdb", sample_store=s)
    r = cli("build", "--config", str(cfg), "--source", "sample", "--week", WEEK.isoformat(),
            fsize=3_000_000)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    msg = last_error(r)
    assert msg.startswith("loading dataset ") and f" into {s} failed: " in msg
    assert "File too large" in msg
    assert not (tmp_path / "reports" / WEEK.isoformat()).exists()
    # what was committed is whole; the dataset being written is not there at all
    partial = store_digest(s)
    full = store_digest(seeded_sample_store(tmp_path / "full.duckdb"))
    assert any(partial[n][0] == 0 for n in DATASETS)
    for name in DATASETS:
        assert partial[name][0] in (0, full[name][0]), name
    # with room again, the same command completes the store and builds
    r = cli("build", "--config", str(cfg), "--source", "sample", "--week", WEEK.isoformat())
    assert r.returncode == 0, r.stderr[-2000:]
    assert {n: v[0] for n, v in store_digest(s).items()} == {n: v[0] for n, v in full.items()}


def test_disk_full_while_writing_the_report(tmp_path: Path, store: Path) -> None:
    cfg = write_config(tmp_path, store=store)
    old = build_from(cfg)
    before = folder_digest(old.folder)
    # report.html of this one-section report is ~56 KB at 72 dpi, the files before it smaller
    r = cli("build", "--config", str(cfg), "--source", "store", "--week", WEEK.isoformat(),
            fsize=40_000)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-3000:]
    msg = last_error(r)
    assert f"{tmp_path / 'reports'}" in msg and "File too large" in msg
    assert folder_digest(old.folder) == before
    assert [p.name for p in (tmp_path / "reports").iterdir() if p.name.startswith(".tmp")] == []


# -- bad input ------------------------------------------------------------------------------
def test_malformed_yaml_from_the_command_line(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("sections:\n  - section: sw_industries\n\tparams: {}\n", encoding="utf-8")
    r = cli("build", "--config", str(p), "--source", "sample")
    assert r.returncode == 2
    assert r.stderr.startswith(f"fundflow: error: {p}: malformed YAML at line 3, column 1: ")
    assert "Traceback" not in r.stderr


BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def test_billion_laughs_config_is_refused_fast(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(BILLION_LAUGHS + "sections: []\n", encoding="utf-8")
    r = cli("config", "check", "--config", str(p), timeout=30)
    assert r.returncode == 2
    assert r.stderr == (f"fundflow: error: {p}: aliases expand to more than 100000 nodes "
                        "(refused: a config never needs that many)\n")
    p.write_text("x: &a [*a]\n", encoding="utf-8")        # an alias inside its own anchor
    with pytest.raises(ConfigError, match="aliases expand to more than"):
        load_config(p)
    # a small anchor/alias still works
    p.write_text("report: {title: &t {zh: 周报, en: Weekly}, subtitle: *t}\n", encoding="utf-8")
    assert load_config(p).report.subtitle is not None


def test_duplicate_yaml_keys_name_the_key_and_line(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("language: zh\noutput: {pdf: false}\nlanguage: en\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert str(exc.value) == f"{p}: line 3: duplicate key 'language' (first at line 1)"
    p.write_text("sections:\n  - section: sw_industries\n    params: {top_n: 3, top_n: 5}\n",
                 encoding="utf-8")
    with pytest.raises(ConfigError, match="line 3: duplicate key 'top_n' \\(first at line 3\\)"):
        load_config(p)
    # merge keys may be overridden: that is not a duplicate
    p.write_text("report:\n  title: &t {zh: a, en: b}\n  subtitle: {<<: *t, en: c}\n",
                 encoding="utf-8")
    assert load_config(p).report.subtitle.en == "c"  # type: ignore[union-attr]


def test_non_utf8_config_names_the_file_and_offset(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_bytes("report: {title: {zh: 周报, en: x}}\n".encode("gbk"))
    r = cli("config", "check", "--config", str(p), timeout=60)
    assert r.returncode == 2
    assert r.stderr == (f"fundflow: error: {p}: not UTF-8 text: byte 0xd6 at offset 21 cannot "
                        "be decoded (save the file as UTF-8)\n")


@pytest.mark.parametrize("text, message", [
    ("sections:\n  section: sw_industries\n",
     "sections: Input should be a valid tuple (got {'section': 'sw_industries'})"),
    ("sections:\n  - section: sw_industries\n    params: {top_n: five}\n",
     "sections[0].params.top_n: Input should be a valid integer, unable to parse string as an "
     "integer (got 'five')"),
    ("output: {pdf: maybe}\n", "output.pdf: Input should be a valid boolean, unable to "
                               "interpret input (got 'maybe')"),
    ("sections:\n  - section: sw_industries\n    requird: true\n",
     "sections[0].requird: unknown key (allowed keys: enabled, id, params, required, section, "
     "title)"),
    ("quality: {actions: {warning: hold}, jump_pct: {index_daily: '-3'}}\n",
     "quality.jump_pct: index_daily: must be > 0, got -3.0 (got {'index_daily': '-3'})"),
])
def test_wrong_types_and_unknown_keys_name_the_key(tmp_path: Path, text: str,
                                                   message: str) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(p)
    assert str(info.value) == f"{p}: {message}"


@pytest.mark.parametrize("text, key", [
    ("sections:\n  - section: etf_flows\n    params: {split_price_jump_pct: .nan}\n",
     "sections[0].params.split_price_jump_pct"),
    ("sections:\n  - section: leverage\n    params: {cap_bounds_yi: [10, .inf]}\n",
     "sections[0].params.cap_bounds_yi[1]"),
    ("sections:\n  - section: sw_industries\nalerts:\n  - {metric: sw_industries.x, "
     "above: .NaN}\n", "alerts[0].above"),
    ("output: {pdf_timeout_s: .inf}\n", "output.pdf_timeout_s"),
    ("quality: {jump_pct: {index_daily: .nan}}\n", "quality.jump_pct.index_daily"),
])
def test_nan_and_infinity_in_config_are_refused(tmp_path: Path, text: str, key: str) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert f"{p}: {key}: Input should be a finite number" in str(exc.value)


@pytest.mark.parametrize("section_id", ["../evil", "a/b", "Sw", "", "x.y", "a b"])
def test_section_id_must_be_a_plain_name(tmp_path: Path, section_id: str) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(f"sections:\n  - {{section: sw_industries, id: {section_id!r}}}\n",
                 encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert str(exc.value) == (f"{p}: sections[0].id: use lowercase letters, digits and _ (at "
                              f"most 64), e.g. sw_industries_2 (got {section_id!r})")


def test_empty_lists(tmp_path: Path, store: Path) -> None:
    cfg = write_config(tmp_path, store=store, sections="  []\n")
    with pytest.raises(ConfigError, match="^sections: no section is enabled; nothing to build$"):
        build_from(cfg)
    cfg = write_config(tmp_path, store=store, sections=(
        "  - section: broad_indices\n    params: {indices: []}\n"))
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert "sections[0].params.indices: " in str(info.value)
    p = tmp_path / "d.yaml"
    p.write_text("delivery:\n  email: {smtp: {host: localhost}, from: a@example.com, to: []}\n",
                 encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(p)
    assert str(info.value).startswith(f"{p}: delivery.email.to: ")


def test_week_in_the_future(tmp_path: Path, store: Path) -> None:
    cfg = write_config(tmp_path, store=store)
    with pytest.raises(DataError) as info:
        build_from(cfg, week=date(2030, 1, 2))
    assert str(info.value) == (
        f"no rows for the week 2029-12-31..2030-01-04 in the store {store} for dataset(s) "
        f"sw_industry_daily; collect that week first")
    assert not (tmp_path / "reports" / "2030-01-04").exists()


def test_week_before_the_data_starts(tmp_path: Path, store: Path) -> None:
    cfg = write_config(tmp_path, store=store)
    with pytest.raises(DataError) as info:
        build_from(cfg, week=date(2023, 3, 8))
    assert str(info.value) == (
        f"no rows for the week 2023-03-06..2023-03-10 in the store {store} for dataset(s) "
        f"sw_industry_daily; collect that week first")


def test_holiday_only_week_in_2027_from_the_stored_calendar(tmp_path: Path, store: Path) -> None:
    """Beyond the calendar library (it ends with 2026) the store's trading-day list decides:
    a closed week is refused with its dates, the week after it looks back past it."""
    days = [d.date() for d in pd.bdate_range("2027-01-04", "2027-03-31")
            if not (date(2027, 2, 8) <= d.date() <= date(2027, 2, 12))]
    with Store(store) as st:
        st.load("trade_days", pd.DataFrame({"trade_date": days}), source="test",
                fetched_at=NOW)
    cfg = write_config(tmp_path, store=store)
    with pytest.raises(CalendarError) as info:
        build_from(cfg, week=date(2027, 2, 10))
    assert str(info.value) == ("the week 2027-02-08..2027-02-12 has no trading session "
                               "(exchange holiday); choose a date in another week")
    with Store(store, read_only=True) as st:
        cal = TradingCalendar(st.trade_days())
    after = cal.week_of(date(2027, 2, 17))
    assert (after.source, after.warnings) == ("store", ())
    assert cal.previous_week(after).end == date(2027, 2, 5)
    assert cal.latest_completed_week(datetime(2027, 2, 13, 9, tzinfo=timezone.utc)).end == \
        date(2027, 2, 5)


def test_truncated_store_file(tmp_path: Path, store: Path) -> None:
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 3])
    cfg = write_config(tmp_path, store=store)
    r = cli("build", "--config", str(cfg), "--source", "store", "--week", WEEK.isoformat())
    assert r.returncode == 1 and "Traceback" not in r.stderr
    msg = last_error(r)
    # DuckDB may open the file and fail on the first read: either way the store is named
    assert msg.startswith((f"cannot open store {store}: ", f"store {store} ")), msg
    assert "IO Error" in msg or "Corrupt" in msg or "not a valid DuckDB" in msg, msg
    assert store.read_bytes() == data[: len(data) // 3]     # left as it was, for recovery


def test_store_from_an_older_schema_version(tmp_path: Path, store: Path) -> None:
    con = duckdb.connect(str(store))
    con.execute("UPDATE _meta SET value = '0' WHERE key = 'schema_version'")
    con.close()
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    cfg = write_config(tmp_path, store=store)
    with pytest.raises(StoreError) as info:
        build_from(cfg)
    assert str(info.value) == (f"store {store} has schema version 0, this fundflow needs 1; no "
                               f"migration exists yet: move the file away and collect again")
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def test_duckdb_file_of_another_program(tmp_path: Path) -> None:
    p = tmp_path / "other.duckdb"
    con = duckdb.connect(str(p))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    cfg = write_config(tmp_path, store=p)
    with pytest.raises(StoreError) as info:
        build_from(cfg)
    assert str(info.value).startswith(f"store {p} has no fundflow metadata: ")


def sample_copy(tmp: Path, name: str, edit) -> Path:  # type: ignore[no-untyped-def]
    out = tmp / "sample_bad"
    out.mkdir(exist_ok=True)
    frame = pd.read_csv(SAMPLE / f"{name}.csv", dtype=str)
    edit(frame).to_csv(out / f"{name}.csv", index=False)
    return out


def test_sample_file_with_a_missing_column(tmp_path: Path, sample_store: Path) -> None:
    s = tmp_path / "sample.duckdb"
    shutil.copy(sample_store, s)
    before = store_digest(s)
    bad = sample_copy(tmp_path, "index_daily", lambda f: f.drop(columns=["close"]))
    with Store(s) as st, pytest.raises(SchemaError) as info:
        load_sample(st, bad, fetched_at=NOW, datasets=["index_daily"])
    assert str(info.value) == (
        f"dataset index_daily ({bad / 'index_daily.csv'}): missing column(s) close; expected "
        f"trade_date, index_code, open, high, low, close, volume, amount_cny")
    assert store_digest(s) == before


@pytest.mark.parametrize("value, message", [
    ("inf", "column close has infinite values"),
    ("-inf", "column close has infinite values"),
    ("", "column close has missing values at index_code=000300, trade_date=2025-11-05"),
    ("NaN", "column close has missing values at index_code=000300, trade_date=2025-11-05"),
])
def test_nan_and_infinite_values_in_a_file(tmp_path: Path, sample_store: Path, value: str,
                                           message: str) -> None:
    s = tmp_path / "sample.duckdb"
    shutil.copy(sample_store, s)
    before = store_digest(s)

    def edit(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[(f["index_code"] == "000300") & (f["trade_date"] == "2025-11-05"), "close"] = value
        return f

    bad = sample_copy(tmp_path, "index_daily", edit)
    with Store(s) as st, pytest.raises(SchemaError) as info:
        load_sample(st, bad, fetched_at=NOW, datasets=["index_daily"])
    assert str(info.value) == f"dataset index_daily ({bad / 'index_daily.csv'}): {message}"
    assert store_digest(s) == before


def test_nan_and_infinite_numbers_render_as_a_dash() -> None:
    for name in ("pct", "pct_signed", "yi", "yi_signed", "num2", "bp", "wanyi"):
        for x in (float("nan"), float("inf"), float("-inf"), None):
            assert FILTERS[name](x) == "—", (name, x)


def test_missing_font(tmp_path: Path, store: Path) -> None:
    cfg = write_config(tmp_path, store=store)
    old = build_from(cfg)
    before = folder_digest(old.folder)
    cfg = write_config(tmp_path, store=store, extra="style: {font_family: No Such Font CJK}\n")
    with pytest.raises(RenderError) as info:
        build_from(cfg)
    assert str(info.value).startswith("chart font 'No Such Font CJK' is not installed "
                                      "(style.font_family); install it")
    assert folder_digest(old.folder) == before


def test_read_only_output_folder(tmp_path: Path, store: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write_config(tmp_path, store=store)
    old = build_from(cfg)
    before = folder_digest(old.folder)
    out = tmp_path / "reports"
    if os.geteuid() != 0:
        out.chmod(0o555)
    else:  # root writes anywhere: the file system says no instead
        def refuse(*_a: object, **_k: object) -> str:
            raise PermissionError(errno.EROFS, os.strerror(errno.EROFS))
        monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    try:
        with pytest.raises(RenderError) as info:
            build_from(cfg)
    finally:
        out.chmod(0o755)
    assert str(info.value) in (f"cannot write to output folder {out}: Permission denied",
                               f"cannot write to output folder {out}: Read-only file system")
    assert folder_digest(old.folder) == before


# -- the acceptance scenario ----------------------------------------------------------
def test_two_datasets_failing_and_one_stale(tmp_path: Path, store: Path) -> None:
    """The report still builds, marks exactly those three datasets (appendix, manifest, the
    exhibits' as-of dates), and the default policy holds the e-mail."""
    from fundflow.quality import delivery_decision, findings_from_manifest

    con = duckdb.connect(str(store))
    con.execute("DELETE FROM global_asset_daily WHERE trade_date >= DATE '2025-11-03'")
    con.execute("DELETE FROM sw_industry_daily WHERE trade_date >= DATE '2025-11-03'")
    con.execute("DELETE FROM index_daily WHERE trade_date = DATE '2025-11-07'")
    con.close()
    cfg_path = write_config(tmp_path, store=store, sections=(
        "  - section: broad_indices\n  - section: sw_industries\n  - section: major_assets\n"),
        extra="quality: {owner: data-desk@example.com}\n")
    cfg = load_config(cfg_path)
    res = build(cfg, BuildRequest(week=WEEK, source="store"), now=NOW)
    manifest = res.manifest
    assert manifest == json.loads(
        (res.folder / "manifest.json").read_text(encoding="utf-8"))
    marked = sorted((q["dataset"], q["check"], q["severity"]) for q in manifest["quality"]
                    if q["severity"] != "info")
    assert marked == [("global_asset_daily", "unavailable", "error"),
                      ("index_daily", "stale", "warning"),
                      ("sw_industry_daily", "unavailable", "error")]
    assert {s["id"]: s["status"] for s in manifest["sections"]} == {
        "broad_indices": "ok", "sw_industries": "unavailable", "major_assets": "unavailable"}
    html = (res.folder / "report.html").read_text(encoding="utf-8")
    assert html.count('<tr class="q-error">') == 2 and html.count('<tr class="q-warning">') == 1
    assert "数据过期：截至 2025-11-06，本周截至 2025-11-07（缺 2025-11-07）" in html
    assert "截至 2025-11-06</p>" in html                 # the stale exhibits say so
    findings = findings_from_manifest(manifest, cfg.quality)
    assert delivery_decision(findings, cfg.quality) == "hold"
    assert cfg.quality.owner == "data-desk@example.com"
    lax = load_config(write_config(tmp_path, store=store, extra=(
        "quality: {actions: {error: banner}, unavailable_section: warning}\n"))).quality
    assert delivery_decision(findings_from_manifest(manifest, lax), lax) == "banner"


def test_missing_templates_dir_names_the_key_and_path(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("templates_dir: my_templates\n", encoding="utf-8")
    r = cli("config", "check", "--config", str(p), timeout=60)
    assert r.returncode == 2
    assert r.stderr == (f"fundflow: error: {p}: templates_dir: {tmp_path / 'my_templates'} is "
                        "not a folder (it does not exist or is a file)\n")
    (tmp_path / "my_templates").mkdir()
    assert load_config(p).templates_dir == Path("my_templates")


@pytest.mark.parametrize("command", ["build", "send", "run", "archive"])
def test_empty_out_folder_is_a_usage_error(tmp_path: Path, command: str) -> None:
    (tmp_path / "index.html").write_text("keep me", encoding="utf-8")
    r = cli(command, "--out", "", "--config", str(tmp_path / "none.yaml"), cwd=tmp_path,
            timeout=60)
    assert r.returncode == 2
    assert r.stderr.splitlines()[-1] == (f"fundflow {command}: error: argument --out: must "
                                         "name a folder, got an empty string")
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == "keep me"


def test_rows_removed_from_the_sample_leave_the_sample_store(tmp_path: Path,
                                                             sample_store: Path) -> None:
    """Reloading the sample makes each dataset exactly the files' rows, in the load's own
    transaction; rows of another source (an import) are kept."""
    s = tmp_path / "sample.duckdb"
    shutil.copy(sample_store, s)
    edited = tmp_path / "sample"
    shutil.copytree(SAMPLE, edited)
    path = next(edited.glob("index_daily.csv*"))
    frame = pd.read_csv(path, dtype=str)
    dropped = [(r["trade_date"], r["index_code"]) for _, r in frame.iloc[-3:].iterrows()]
    frame.iloc[:-3].to_csv(edited / "index_daily.csv", index=False)
    if path.name != "index_daily.csv":
        path.unlink()
    con = duckdb.connect(str(s))
    con.execute("UPDATE index_daily SET source = 'import:abc:mine.csv' WHERE trade_date = ? "
                "AND index_code = ?", list(dropped[0]))
    con.close()
    with Store(s) as st:
        (result,) = load_sample(st, edited, fetched_at=NOW, datasets=["index_daily"])
    assert result.deleted == 2
    con = duckdb.connect(str(s))
    try:
        n = con.execute("SELECT count(*) FROM index_daily").fetchone()
        assert n is not None and n[0] == len(frame) - 2
        left = [con.execute("SELECT source FROM index_daily WHERE trade_date = ? AND "
                            "index_code = ?", list(key)).fetchall() for key in dropped]
        assert left == [[("import:abc:mine.csv",)], [], []]
    finally:
        con.close()
    with Store(s) as st:                                  # idempotent
        (result,) = load_sample(st, edited, fetched_at=NOW, datasets=["index_daily"])
    assert (result.inserted, result.updated, result.deleted) == (0, 0, 0)


def _processes_with_marker(marker: str) -> set[int]:
    """Live processes whose environment holds ``marker`` (the build and its forked workers
    inherit it); zombies are dead and not counted."""
    found = set()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if marker.encode() not in (d / "environ").read_bytes():
                continue
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.add(int(d.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_chart_workers_die_with_a_killed_build(tmp_path: Path, store: Path) -> None:
    """SIGKILL of the build at the chart stage (the build in the test's process group, so
    nothing kills the group for it): its forked chart workers exit too, no orphans."""
    import time
    import uuid

    cfg = write_config(tmp_path, store=store, sections=(
        "  - section: sw_industries\n  - section: broad_indices\n"))
    marker = f"FUNDFLOW_TEST_MARKER={uuid.uuid4().hex}"
    env = {**os.environ, "FUNDFLOW_TEST_KILL_AT": "chart", "FUNDFLOW_CHART_CACHE": "off",
           "FUNDFLOW_CHART_WORKERS": "2", marker.split("=")[0]: marker.split("=")[1]}
    proc = subprocess.Popen([sys.executable, "-m", "fundflow.cli", "build", "--config",
                             str(cfg), "--source", "store", "--week", WEEK.isoformat()],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == -signal.SIGKILL, err[-2000:]
        # the build names its child processes as it is killed (after its first chart came
        # back from a worker, so the workers are alive then)
        said = re.findall(r"^fundflow: test kill point; child processes: ([\d ]*)$", err, re.M)
        assert said and said[-1].split(), f"no chart worker when the build was killed: {err}"
        # wait for the event (no marked process left), bounded; the deadline decides failure
        deadline = time.monotonic() + 20
        left = _processes_with_marker(marker)
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = _processes_with_marker(marker)
        assert left == set(), f"orphaned chart workers: {sorted(left)}"
    finally:
        for pid in _processes_with_marker(marker):   # only what this test started
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proc.stderr is not None:
            proc.stderr.close()


def test_send_in_progress_is_not_reported_as_interrupted(tmp_path: Path) -> None:
    """A concurrent send sees a 'sending' row of a live process as in progress (and does not
    send over it, even forced); once that process is gone, the row is an interrupted send."""
    from fundflow.delivery.ledger import SENDING, UNCONFIRMED, AlreadyRecorded, Attempt
    from fundflow.delivery.ledger import Ledger, owner_alive, process_owner

    ledger = Ledger(tmp_path / "store.duckdb")
    common = dict(week_end=WEEK, data_kind="real", recipients=[("to", "a@example.com")],
                  message_id="<m@x>", subject="s", pdf_sha256="0", size_bytes=1,
                  report_dir="r", started_at=NOW)
    sender = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                              stdin=subprocess.PIPE)
    try:
        owner = process_owner(sender.pid)
        assert owner_alive(owner) is True
        ledger.begin(Attempt(owner=owner, **common))            # type: ignore[arg-type]
        for forced in (False, True):
            with pytest.raises(AlreadyRecorded) as exc:
                ledger.begin(Attempt(forced=forced, **common))  # type: ignore[arg-type]
            msg = str(exc.value)
            assert "is in progress since 2025-11-08 02:00 UTC (process " in msg
            assert msg.endswith("wait for it to finish") and "never finished" not in msg
    finally:
        sender.communicate(b"")                                # it ends: the send died
    assert owner_alive(owner) is False
    with pytest.raises(AlreadyRecorded, match="never finished .*use --force to send again"):
        ledger.begin(Attempt(**common))                         # type: ignore[arg-type]
    ledger.begin(Attempt(forced=True, **common))                # type: ignore[arg-type]
    statuses = sorted(e.status for e in ledger.entries(WEEK, "real"))
    assert statuses == [SENDING, UNCONFIRMED]
    assert owner_alive("otherhost:1:5") is None and owner_alive(None) is None
