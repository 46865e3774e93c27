"""Files named by a content key under one folder: the store behind the chart and compute caches.

Writes are safe under concurrent builds: each file is written to a temporary file in its folder
and moved into place with ``os.replace``, so a reader sees a whole file or none. A file that
fails ``valid()`` (damaged, truncated, foreign) is ignored. A hit refreshes the file's mtime;
files unused for ``max_age_days`` are pruned. A cache that cannot be written only costs time.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)


class FileCache:
    suffix = ".bin"
    what = "cache"

    def __init__(self, folder: Path, *, max_age_days: float = 30.0) -> None:
        self.folder = folder
        self.max_age_days = max_age_days
        self.hits = 0
        self.misses = 0

    def valid(self, data: bytes) -> bool:
        return True

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}{self.suffix}"

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        if not self.valid(data):
            log.warning("%s: ignoring damaged file %s", self.what, path)
            self.misses += 1
            return None
        try:
            os.utime(path)  # keep it from being pruned while in use
        except OSError:
            pass
        self.hits += 1
        return data

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=self.suffix, dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError as exc:
            log.warning("%s: cannot write %s: %s", self.what, path, exc)

    def prune(self, now: float | None = None) -> int:
        """Remove files (and stale temporary files) not used for ``max_age_days``."""
        limit = (now if now is not None else time.time()) - self.max_age_days * 86400
        removed = 0
        if not self.folder.is_dir():
            return 0
        for path in self.folder.glob(f"*/*{self.suffix}"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


def user_cache_dir() -> Path:
    """``$FUNDFLOW_CACHE_DIR``, else ``$XDG_CACHE_HOME/fundflow``, else ``~/.cache/fundflow``."""
    if os.environ.get("FUNDFLOW_CACHE_DIR"):
        return Path(os.environ["FUNDFLOW_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fundflow"
