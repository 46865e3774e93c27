"""The bundled sample data set (``seeds/sample``): synthetic, made by scripts/make_sample.py.

``load_sample`` reads every dataset file, checks it against its schema and loads it into a store
with ``source = "sample"``, so a report built from it can say so on every page.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pandas as pd

from fundflow.data.schemas import DATASETS
from fundflow.data.store import LoadResult, Store
from fundflow.errors import DataError, StoreError
from fundflow.fingerprint import h

log = logging.getLogger(__name__)

SAMPLE_SOURCE = "sample"
SAMPLE_DIGEST_KEY = "sample_digest"   # in the store's _meta: what the last whole load loaded
# the code that reads, checks, cleans and writes sample rows: a change to it means loading again
_LOADER_SOURCES = ("data/sample.py", "data/schemas.py", "data/store.py", "formatting.py")


def sample_file(sample_dir: Path, name: str) -> Path | None:
    for suffix in (".csv", ".csv.gz"):
        p = sample_dir / f"{name}{suffix}"
        if p.exists():
            return p
    return None


def read_sample(sample_dir: Path, name: str) -> pd.DataFrame:
    path = sample_file(sample_dir, name)
    if path is None:
        raise DataError(f"sample data for dataset {name} not found in {sample_dir} "
                        f"(expected {name}.csv or {name}.csv.gz; regenerate with "
                        f"'python scripts/make_sample.py')", dataset=name)
    ds = DATASETS[name]
    str_cols = {c.name: str for c in ds.columns if c.kind == "str"}
    try:
        return pd.read_csv(path, dtype=str_cols, keep_default_na=True)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read sample file {path}: {exc}", dataset=name) from exc


def load_sample(store: Store, sample_dir: Path, *, fetched_at: datetime,
                datasets: list[str] | None = None) -> list[LoadResult]:
    """Load the sample files into ``store`` (idempotent: unchanged rows are left alone; each
    dataset's sample rows become exactly the file's rows)."""
    results = []
    for name in datasets or list(DATASETS):
        frame = read_sample(sample_dir, name)
        path = sample_file(sample_dir, name)
        # the files are the whole sample: a row removed from them leaves the store too
        result = store.load(name, frame, source=SAMPLE_SOURCE, fetched_at=fetched_at,
                            where=str(path), replace=True)
        if result.deleted:
            log.info("sample %s: %d row(s) no longer in %s removed", name, result.deleted, path)
        results.append(result)
    return results


def sample_digest(sample_dir: Path, datasets: list[str] | None = None) -> str:
    """One digest of what loading ``sample_dir`` would put in a store: every dataset file's
    name and bytes, and the source of the code that reads, checks and writes them."""
    pkg = Path(__file__).resolve().parents[1]
    parts = [b"fundflow-sample-load"]
    parts += [rel.encode() + b"\0" + (pkg / rel).read_bytes() for rel in _LOADER_SOURCES]
    for name in datasets or list(DATASETS):
        path = sample_file(sample_dir, name)
        parts.append(name.encode() + b"\0" + (path.read_bytes() if path else b"-"))
    return h(*parts).hex()


def refresh_sample(store: Store, sample_dir: Path, *, fetched_at: datetime,
                   digest: str | None = None) -> bool:
    """Load the sample into ``store`` unless it holds exactly these files, loaded by this code
    (the digest of the last whole load); return whether it loaded.

    The digest is removed before loading and recorded after the last dataset is committed, so a
    load cut short (killed, disk full) leaves none and the next build loads again."""
    digest = digest or sample_digest(sample_dir)
    if store.meta(SAMPLE_DIGEST_KEY) == digest:
        log.info("sample data in %s is up to date (%s)", store.path, digest[:12])
        return False
    store.set_meta(SAMPLE_DIGEST_KEY, None)
    load_sample(store, sample_dir, fetched_at=fetched_at)
    store.set_meta(SAMPLE_DIGEST_KEY, digest)
    return True


def ensure_sample(path: Path, sample_dir: Path, *, fetched_at: datetime) -> bool:
    """``refresh_sample`` of the sample store at ``path``, opening it for writing only when it
    must load: a store already holding the sample is checked through a read-only connection
    (a write connection creates the schema's tables and checkpoints on closing, ~0.1 s of a
    build that otherwise only reads). Return whether it loaded."""
    digest = sample_digest(sample_dir)
    if path.exists():
        try:   # a read-only open checks the schema version (and that _meta exists)
            with Store(path, read_only=True, lock_wait_s=0) as st:
                if st.meta(SAMPLE_DIGEST_KEY) == digest:
                    log.info("sample data in %s is up to date (%s)", path, digest[:12])
                    return False
        except StoreError:
            pass   # locked, foreign or damaged: the write open below waits or says what
    with Store(path) as st:
        return refresh_sample(st, sample_dir, fetched_at=fetched_at, digest=digest)
