"""The one place figures are written: PNG, deterministic, with missing glyphs as errors."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from fundflow.charts import mpl
from fundflow.charts.style import ChartStyle
from fundflow.errors import RenderError
from fundflow.gcpause import cyclic_gc_paused

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def render_png(make, style: ChartStyle, *, name: str) -> bytes:  # type: ignore[no-untyped-def]
    """Build a figure with ``make()`` under the style and return PNG bytes.

    Any "Glyph ... missing from font" warning raises RenderError naming the chart: a chart with
    tofu boxes instead of Chinese characters is broken, not degraded.
    """
    mpl.load()
    from matplotlib import rc_context

    with (cyclic_gc_paused(), rc_context(style.rc()),  # type: ignore[arg-type]
          warnings.catch_warnings(record=True) as caught):
        warnings.simplefilter("always")
        fig: Figure = make()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=style.dpi, metadata={"Software": None})
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    if missing:
        raise RenderError(f"chart {name}: {missing[0]}")
    return buf.getvalue()


def write_png(data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
