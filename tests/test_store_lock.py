"""A store locked by another process (issue 19): a cron run collecting while an analyst
builds. Opening waits for the lock with a bounded timeout, names the process that holds it,
and never calls the file damaged. Two real processes: the holder keeps a write connection open
until the test tells it (on its stdin) to let go."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fundflow.data.store import Store, lock_holder
from fundflow.errors import StoreError

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])          # a write connection: the file's lock
print("locked", flush=True)
sys.stdin.readline()                       # until the test says so
con.close()
print("released", flush=True)
sys.stdin.readline()
"""


@pytest.fixture()
def store_file(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    Store(path).close()                    # a valid, empty fundflow store
    return path


@pytest.fixture()
def holder(store_file: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(store_file)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("read_only", [True, False])
def test_a_locked_store_is_refused_after_the_wait_naming_the_holder(
        store_file: Path, holder: subprocess.Popen[str], read_only: bool) -> None:
    with pytest.raises(StoreError) as err:
        Store(store_file, read_only=read_only, lock_wait_s=0.3)
    msg = str(err.value)
    assert f"locked by PID {holder.pid}" in msg and "waited 0.3 s" in msg
    assert "damaged" not in msg and "truncated" not in msg and "\n" not in msg


class _ReleaseOnWait(logging.Handler):
    """Tells the holder to let go when the store logs that it is waiting."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        super().__init__(logging.WARNING)
        self.proc, self.messages = proc, []  # type: ignore[var-annotated]

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "released"


def test_a_build_waits_for_the_lock_and_then_reads(store_file: Path,
                                                   holder: subprocess.Popen[str]) -> None:
    handler = _ReleaseOnWait(holder)
    log = logging.getLogger("fundflow.data.store")
    log.addHandler(handler)
    try:
        with Store(store_file, read_only=True, lock_wait_s=30) as st:
            assert st.trade_days() is not None
    finally:
        log.removeHandler(handler)
    assert len(handler.messages) == 1
    assert f"locked by PID {holder.pid}" in handler.messages[0]


def test_two_readers_do_not_block_each_other(store_file: Path) -> None:
    reader = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb; c = duckdb.connect(sys.argv[1], "
         "read_only=True); print('open', flush=True); sys.stdin.readline()", str(store_file)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        with Store(store_file, read_only=True, lock_wait_s=0):
            pass
    finally:
        reader.kill()
        reader.wait()


def test_lock_holder_parses_duckdb_messages() -> None:
    msg = ('IO Error: Could not set lock on file "/s.duckdb": Conflicting lock is held in '
           '/usr/bin/python3.11 (PID 2870) by user bob. See also https://duckdb.org/docs')
    assert lock_holder(msg).startswith("PID 2870 (/usr/bin/python3.11")  # type: ignore[union-attr]
    assert lock_holder('IO Error: Could not set lock on file "/s": busy') == "another process"
    assert lock_holder("IO Error: not a database file") is None
