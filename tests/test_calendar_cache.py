"""Issue 10: the XSHG session list is kept on disk so that a process does not rebuild the
exchange_calendars calendar (0.5-3 s); the file gives exactly the library's sessions, a damaged
file is rebuilt, concurrent writers are safe, and the cache can be turned off."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timezone
from importlib import metadata
from pathlib import Path

import pytest

from fundflow import calendar as C


def new_process() -> None:
    """Forget what this process has built (as a new process would start)."""
    C._library.cache_clear()
    C.exchange_sessions.cache_clear()


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FUNDFLOW_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("FUNDFLOW_CALENDAR_CACHE", raising=False)
    new_process()
    yield tmp_path
    new_process()


@pytest.fixture(scope="module")
def built() -> tuple[date, ...]:
    return C._build_sessions("XSHG")


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("xshg-sessions-*.txt"))


def test_first_process_writes_the_list_and_the_next_reads_it(cache_dir: Path,
                                                             built: tuple[date, ...]) -> None:
    lib = C._library()
    assert lib.sessions == built
    [f] = _files(cache_dir)
    today = datetime.now(timezone.utc).date().isoformat()
    version = metadata.version("exchange_calendars")
    assert f.name == f"xshg-sessions-{version}-{today}.txt"        # version and build date
    new_process()
    again = C._library()
    assert again.sessions == built and (again.first, again.last) == (built[0], built[-1])
    # a known week resolves the same way from the file
    week = C.TradingCalendar().week_of(date(2025, 10, 6))
    assert week.sessions == (date(2025, 10, 9), date(2025, 10, 10))


def test_file_is_really_used(cache_dir: Path, built: tuple[date, ...]) -> None:
    C._library()
    [f] = _files(cache_dir)
    # drop a session from the file: the next process sees the file's list, not a rebuild
    lines = f.read_text(encoding="ascii").splitlines()
    victim = date(2025, 11, 5).isoformat()
    f.write_text("\n".join(x for x in lines if x != victim) + "\n", encoding="ascii")
    new_process()
    assert date(2025, 11, 5) not in C._library().sessions


@pytest.mark.parametrize("damage", [
    "", "# fundflow XSHG sessions from exchange_calendars\n2025-11-03\n",      # cut short
    "# fundflow XSHG sessions from exchange_calendars\n2025-11-04\n2025-11-03\n# end\n",
    "# fundflow XSHG sessions from exchange_calendars\n2025-13-01\n# end\n",
    "something else\n# end\n"])
def test_damaged_file_is_rebuilt(cache_dir: Path, built: tuple[date, ...], damage: str) -> None:
    C._library()
    [f] = _files(cache_dir)
    f.write_text(damage, encoding="ascii")
    new_process()
    assert C._library().sessions == built
    assert C._read_cached(f, "XSHG") == built          # and written again


def test_other_days_files_are_removed(cache_dir: Path) -> None:
    stale = cache_dir / "xshg-sessions-0.0.1-2020-01-01.txt"
    stale.write_text("old", encoding="ascii")
    C._library()
    assert not stale.exists() and len(_files(cache_dir)) == 1


def test_cache_can_be_turned_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                 built: tuple[date, ...]) -> None:
    monkeypatch.setenv("FUNDFLOW_CALENDAR_CACHE", "off")
    assert C._library().sessions == built
    assert _files(cache_dir) == []


def test_unwritable_folder_does_not_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         built: tuple[date, ...]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="ascii")
    monkeypatch.setenv("FUNDFLOW_CACHE_DIR", str(blocker / "sub"))   # cannot mkdir under a file
    new_process()
    try:
        assert C._library().sessions == built
    finally:
        new_process()


def test_concurrent_writers_leave_one_whole_file(cache_dir: Path,
                                                 built: tuple[date, ...]) -> None:
    path = C._cache_file(cache_dir, date(2031, 1, 1), "XSHG")
    assert path is not None
    for _ in range(20):
        C._write_cached(path, built, "XSHG")
    assert C._read_cached(path, "XSHG") == built
    assert not list(cache_dir.glob("*.tmp"))


def test_a_process_with_the_file_does_not_import_exchange_calendars(cache_dir: Path) -> None:
    C._library()       # writes the file
    code = ("import sys; from fundflow.calendar import TradingCalendar; "
            "TradingCalendar().week_of(__import__('datetime').date(2025, 11, 5)); "
            "print('exchange_calendars' in sys.modules)")
    env = dict(os.environ, FUNDFLOW_CACHE_DIR=str(cache_dir))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout.strip()
    assert out == "False"


def test_other_exchanges_are_kept_in_their_own_files(cache_dir: Path) -> None:
    """The foreign calendars a collect needs (global assets on XNYS, XHKG, ...) are kept the
    same way, one file per exchange, and one exchange's file never answers for another."""
    nyse = C._build_sessions("XNYS")
    assert C.exchange_sessions("XNYS") == nyse
    assert C.exchange_sessions("XSHG") == C._build_sessions("XSHG") != nyse
    [ny] = sorted(cache_dir.glob("xnys-sessions-*.txt"))
    assert len(_files(cache_dir)) == 1
    assert C._read_cached(ny, "XNYS") == nyse and C._read_cached(ny, "XSHG") is None
    # the file is what the next process uses: a session taken out of it stays out
    victim = date(2025, 11, 5).isoformat()
    ny.write_text("\n".join(x for x in ny.read_text(encoding="ascii").splitlines()
                            if x != victim) + "\n", encoding="ascii")
    new_process()
    assert date(2025, 11, 5) not in C.exchange_sessions("XNYS")
    # a file planted under another exchange's name is rebuilt, not believed
    hk = C._cache_file(cache_dir, datetime.now(timezone.utc).date(), "XHKG")
    assert hk is not None
    hk.write_text(ny.read_text(encoding="ascii"), encoding="ascii")
    new_process()
    assert C.exchange_sessions("XHKG") == C._build_sessions("XHKG")


def test_an_unknown_exchange_raises_and_leaves_no_file(cache_dir: Path) -> None:
    with pytest.raises(Exception, match="XNOPE"):
        C.exchange_sessions("XNOPE")
    assert list(cache_dir.glob("xnope*")) == []
