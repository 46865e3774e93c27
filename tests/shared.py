"""What the tests of one run share across xdist workers: a folder (set by conftest), and in it a
sample store loaded once, copied for each test that builds from the sample.

A build with ``--source sample`` loads the sample files into its sample store unless the store
already holds them (``refresh_sample``: a digest of the files and of the loader's code). A test
that builds from the sample gives its build a private copy of a store loaded once per run, so
the build takes the product's "already loaded" path instead of loading 20 files again. The
loading itself is tested where it matters (tests/test_sample_data.py, the kill and disk-full
tests in tests/test_faults.py, which load changed or fresh sample stores).
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "seeds" / "sample"
run_root: Path | None = None   # set by conftest at the start of the session
SAMPLE_NOW = datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc)  # Saturday 10:00 in Shanghai


def _folder(name: str) -> Path:
    assert run_root is not None, "tests/conftest.py sets shared.run_root"
    folder = run_root / f"shared-{name}"
    folder.mkdir(exist_ok=True)
    return folder


def locked_once(name: str, make: Callable[[Path], None], *, wait: bool = True) -> Path | None:
    """``run_root/shared-<name>``, made by ``make(path)`` by the first worker that asks (under
    an exclusive lock; the others wait) and reused by every later call of the run.

    ``wait=False``: make it only if no other worker is making it (the lock is taken without
    waiting, so two workers starting together never both decide to make it); None if another
    worker holds the lock."""
    folder = _folder(name)
    done = folder / "done"
    with open(folder / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        if not done.exists():
            make(folder)
            done.touch()
    return folder


def _load(folder: Path) -> None:
    from fundflow.data.sample import refresh_sample
    from fundflow.data.store import Store

    with Store(folder / "sample.duckdb") as st:
        refresh_sample(st, SAMPLE_DIR, fetched_at=SAMPLE_NOW)


def seeded_sample_store(dest: Path) -> Path:
    """``dest``: a private copy of the run's loaded sample store (made once per run)."""
    folder = locked_once("sample-store", _load)
    assert folder is not None
    src = folder / "sample.duckdb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return dest
