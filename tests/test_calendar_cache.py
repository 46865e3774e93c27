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


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FUNDFLOW_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("FUNDFLOW_CALENDAR_CACHE", raising=False)
    C._library.cache_clear()
    yield tmp_path
    C._library.cache_clear()


@pytest.fixture(scope="module")
def built() -> tuple[date, ...]:
    return C._build_sessions()


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
    C._library.cache_clear()
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
    C._library.cache_clear()
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
    C._library.cache_clear()
    assert C._library().sessions == built
    assert C._read_cached(f) == built          # and written again


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
    C._library.cache_clear()
    try:
        assert C._library().sessions == built
    finally:
        C._library.cache_clear()


def test_concurrent_writers_leave_one_whole_file(cache_dir: Path,
                                                 built: tuple[date, ...]) -> None:
    path = C._cache_file(cache_dir, date(2031, 1, 1))
    assert path is not None
    for _ in range(20):
        C._write_cached(path, built)
    assert C._read_cached(path) == built
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
