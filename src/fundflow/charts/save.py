"""The one place figures are written: PNG, deterministic, with missing glyphs as errors."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
        pixels = _Pixels()
        fig.savefig(pixels, format="rgba", dpi=style.dpi)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    if missing:
        raise RenderError(f"chart {name}: {missing[0]}")
    if pixels.size is None:
        raise RenderError(f"chart {name}: matplotlib wrote no pixel buffer")
    return _rgb_png(pixels.getvalue(), pixels.size, style.dpi, name=name)


class _Pixels(io.BytesIO):
    """Where savefig(format="rgba") writes the Agg renderer's buffer: a (height, width, 4)
    memoryview, kept with its size (computing the size from figure inches and dpi would have
    to copy matplotlib's rounding)."""

    size: tuple[int, int] | None = None

    def write(self, data: Any) -> int:
        view = memoryview(data)
        if view.ndim == 3 and view.shape is not None and view.shape[2] == 4:
            self.size = (view.shape[1], view.shape[0])
        return super().write(view)


def _rgb_png(rgba: bytes, size: tuple[int, int], dpi: int, *, name: str) -> bytes:
    """The drawn pixels as an RGB PNG, without the alpha channel matplotlib's own PNG carries.

    Charts are opaque (white figure), so the channel is 255 everywhere and says nothing; but
    WeasyPrint splits every RGBA image into colour and a separate alpha mask, re-encoding both
    at each PDF render (~1 s of a 6 s render of the sample report). A pixel that is not opaque
    (a transparent figure) is composited onto white, as a page shows it. No text chunks: the
    bytes depend on the pixels alone (the chart cache and the parallel renderer rely on it)."""
    from PIL import Image

    width, height = size
    if len(rgba) != width * height * 4:
        raise RenderError(f"chart {name}: {len(rgba)} bytes of pixels for {width}x{height}")
    image = Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1)
    alpha = image.getchannel("A")
    if alpha.getextrema()[0] == 255:
        rgb = image.convert("RGB")
    else:
        rgb = Image.new("RGB", size, "white")
        rgb.paste(image, mask=alpha)
    out = io.BytesIO()
    rgb.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def write_png(data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
