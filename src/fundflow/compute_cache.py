"""A cache of pure computations (section contexts, the data-quality findings), so a rebuild on
the same data does not compute again.

A section's ``compute`` is a pure function of its ``SectionInput`` (design.md: pure metrics), and
the quality assessment of its frames, weeks and policy, so their results can be reused when
nothing they depend on changed. The key of a section is a SHA-256 over:

* the section's name, its params (type and JSON), the report week and the week before (every
  field, sessions included), the history start;
* every input frame (values, dtypes, index, column names) and the reference tables;
* the source text of every module of the fundflow package, the fundflow, Python, numpy and
  pandas versions: any change of code invalidates every entry (coarse, and never stale).

Values are pickled, signed with an HMAC whose key lives in the user's cache folder
(``~/.cache/fundflow/compute-cache.key``, mode 0600), and checked before they are unpickled: a
file planted in, or damaged inside, the reports folder is ignored, never loaded. A context that
cannot be pickled or fingerprinted is computed every time. ``FUNDFLOW_COMPUTE_CACHE=off``
disables the cache. Files live in ``<output.dir>/.cache/compute`` and are pruned like charts.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import pickle
import secrets
import sys
from pathlib import Path
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from fundflow import __version__
from fundflow.filecache import FileCache, user_cache_dir
from fundflow.fingerprint import Fingerprinter, Uncacheable, h, sources_digest
from fundflow.sections.base import SectionInput

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_FORMAT = "fundflow-compute-cache/1"
_MAGIC = b"FFCC1\n"
_SIG = 32   # HMAC-SHA256 bytes after the magic


@functools.lru_cache(maxsize=1)
def code_digest() -> bytes:
    """Versions and the source of every fundflow module (read once per process)."""
    import fundflow

    parts = [CACHE_FORMAT.encode(), __version__.encode(), sys.version.encode(),
             np.__version__.encode(), pd.__version__.encode()]
    return h(*parts, sources_digest(Path(fundflow.__file__).parent, "**/*.py"))


def memo_key(label: str, *inputs: Any, fp: Fingerprinter | None = None) -> str | None:
    """The cache key of the pure computation ``label`` on ``inputs``; None if an input cannot
    be fingerprinted (the computation then runs every time)."""
    fp = fp or Fingerprinter()
    try:
        return h(code_digest(), label.encode(), *(fp.digest(v) for v in inputs)).hex()
    except Uncacheable as exc:
        log.debug("%s is not cached: %s", label, exc)
        return None


def section_key(section: str, inp: SectionInput, fp: Fingerprinter | None = None) -> str | None:
    """The cache key of ``section`` computed on ``inp``."""
    return memo_key(f"section:{section}", inp.params, inp.week, inp.prev_week, inp.history_start,
                    dict(inp.frames), inp.ref, fp=fp)


def _secret() -> bytes | None:
    """The per-user signing key, created on first use; None if it cannot be kept."""
    path = user_cache_dir() / "compute-cache.key"
    try:
        key = path.read_bytes()
        if len(key) == 32 and (path.stat().st_mode & 0o077) == 0:
            return key
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        os.replace(tmp, path)
        return path.read_bytes()   # another process may have won the race: use the winner
    except OSError as exc:
        log.warning("compute cache: no signing key (%s); the cache is off", exc)
        return None


class ComputeCache(FileCache):
    """Signed pickles of section contexts, named by ``section_key``."""

    suffix = ".pkl"
    what = "compute cache"

    def __init__(self, folder: Path, *, max_age_days: float = 30.0,
                 secret: bytes | None = None) -> None:
        super().__init__(folder, max_age_days=max_age_days)
        self._key = secret

    def _sign(self, payload: bytes) -> bytes:
        assert self._key is not None
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def valid(self, data: bytes) -> bool:
        if self._key is None or not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + _SIG:
            return False
        sig, payload = data[len(_MAGIC):len(_MAGIC) + _SIG], data[len(_MAGIC) + _SIG:]
        return hmac.compare_digest(sig, self._sign(payload))

    def load(self, key: str | None) -> Any | None:
        if self._key is None or key is None:
            return None
        data = self.get(key)
        if data is None:
            return None
        try:
            return pickle.loads(data[len(_MAGIC) + _SIG:])
        except Exception as exc:  # noqa: BLE001 - e.g. a class renamed since: compute again
            log.warning("compute cache: cannot load %s (%s); computing again", key, exc)
            self.hits -= 1
            self.misses += 1
            return None

    def store(self, key: str | None, value: Any) -> None:
        if self._key is None or key is None:
            return
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            log.debug("compute cache: %s not stored: %s", key, exc)
            return
        self.put(key, _MAGIC + self._sign(payload) + payload)


def cached(cache: ComputeCache | None, key: Callable[[], str | None],
           compute: Callable[[], T]) -> T:
    """``compute()``, or its stored result under ``key()`` (the key is only made when there
    is a cache); a new result is stored."""
    if cache is None:
        return compute()
    k = key()
    value = cache.load(k)
    if value is None:
        value = compute()
        cache.store(k, value)
    return value  # type: ignore[no-any-return]


def open_cache(folder: Path) -> ComputeCache | None:
    """The compute cache under ``folder``; None if disabled (``FUNDFLOW_COMPUTE_CACHE=off``)
    or no signing key can be kept."""
    if os.environ.get("FUNDFLOW_COMPUTE_CACHE", "").strip().lower() in ("0", "off", "false", "no"):
        return None
    secret = _secret()
    return ComputeCache(folder, secret=secret) if secret is not None else None
