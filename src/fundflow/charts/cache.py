"""A content-addressed cache of chart PNGs, so a rebuild re-renders only charts that changed.

The key of a chart is a SHA-256 over everything that decides its pixels and that can be read
cheaply:

* the exhibit's ``data`` frame (values, dtypes, index, column names), its title and name;
* the *closure* of its ``make`` callable: the code of the function, its defaults, the values it
  captured (frames, arrays, lists, dataclass contexts, the ``ExhibitEnv``), and, recursively,
  the code of the fundflow functions it calls by global name (``signed_bars``, a section's own
  chart helper, ...), so editing the text of a label, a captured series or a chart function
  invalidates the PNG even when ``data`` is unchanged;
* the chart style (every field and the rc dict it yields), the dpi, the font file (path, size,
  mtime), the fundflow, matplotlib, numpy and Pillow versions, and the source text of every
  module in ``fundflow.charts``.

The fingerprints come from ``fundflow.fingerprint`` (shared with the compute cache). Limits
(documented in benchmarks/README.md): state a chart reads at render time without
capturing it (a module-level mutable, an environment variable, a file it opens) is not in the
key; third-party functions and classes are identified by module, name and library version, not
by their code; instances of classes from outside fundflow (other than pandas / numpy values and
plain containers) make the chart *uncacheable*: it is always re-rendered, never wrongly reused.

Writes are safe under concurrent builds: each PNG is written to a temporary file in the cache
folder and moved into place with ``os.replace``; a reader sees a whole file or none. A hit
refreshes the file's mtime; files unused for ``max_age_days`` are pruned.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fundflow import __version__
from fundflow.charts.style import ChartStyle, cjk_font_path
from fundflow.filecache import FileCache
from fundflow.fingerprint import Fingerprinter, Uncacheable, h, module_version, sources_digest

log = logging.getLogger(__name__)

CACHE_FORMAT = "fundflow-chart-cache/1"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@functools.lru_cache(maxsize=1)
def _environment_digest() -> bytes:
    """Versions of what draws and encodes the PNG, and the source of the chart package."""
    import fundflow.charts as charts_pkg

    # versions from the package metadata: a build whose charts are all cached does not import
    # matplotlib or Pillow (fundflow.charts.mpl)
    parts = [CACHE_FORMAT.encode(), __version__.encode(), module_version("matplotlib"),
             np.__version__.encode(), module_version("PIL"), pd.__version__.encode()]
    return h(*parts, sources_digest(Path(charts_pkg.__file__).parent, "*.py"))


def style_digest(style: ChartStyle) -> bytes:
    font = Path(cjk_font_path(style.font_family))
    try:
        st = font.stat()
        font_id = f"{font}|{st.st_size}|{st.st_mtime_ns}"
    except OSError:
        font_id = str(font)
    rc = sorted((k, repr(v)) for k, v in style.rc().items())
    return h(repr(dataclasses.astuple(style)).encode(), repr(rc).encode(), font_id.encode())


def chart_key(make: Callable[[], Any], style: ChartStyle, *, name: str, title: str,
              data: pd.DataFrame | None, fp: Fingerprinter | None = None) -> str | None:
    """The cache key of one chart, or None if its closure cannot be fingerprinted (then the
    chart is rendered every time)."""
    fp = fp or Fingerprinter()
    try:
        return h(_environment_digest(), style_digest(style), name.encode(), title.encode(),
                  fp.digest(data), fp.digest(make)).hex()
    except Uncacheable as exc:
        log.debug("chart %s is not cached: %s", name, exc)
        return None


# -- the store ------------------------------------------------------------------------------------
class ChartCache(FileCache):
    """PNG files named by key under ``folder``; safe under concurrent writers."""

    suffix = ".png"
    what = "chart cache"

    def valid(self, data: bytes) -> bool:
        return data.startswith(_PNG_MAGIC) and data.endswith(b"IEND\xaeB`\x82")
