"""matplotlib, imported when a chart is drawn and not before.

A rebuild whose charts all come from the cache never imports matplotlib (about 0.6 s of a
build). Chart code makes figures and tick formatters through this module; ``load()`` imports
everything a chart needs, and the parallel renderer calls it once before forking its workers
so they inherit the imports instead of paying for them again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter


def load() -> None:
    """Import what drawing and saving a chart needs (idempotent, cheap after the first call)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.backends.backend_agg  # noqa: F401 - savefig(png) needs it
    import matplotlib.dates  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import matplotlib.patches  # noqa: F401
    import matplotlib.ticker  # noqa: F401


def figure(width_in: float, height_in: float) -> Figure:
    load()
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in))


def formatter(fn: Callable[[float, Any], str]) -> FuncFormatter:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(fn)


def amounts_in_cny(fig: Figure, yuan_per_unit: float, *, axis: str = "y") -> Figure:
    """An English chart of amounts (plotted in units of ``yuan_per_unit`` yuan, e.g. 1e8 for
    亿元): the value axis of its first axes ticks as 'CNY 20.0bn' and each value written on it
    as 'CNY 1.23bn', by ``formatting.cny_en``, the function English text and tables use."""
    from fundflow.formatting import cny_en

    ax = fig.axes[0]
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(
        formatter(lambda v, _p: cny_en(v * yuan_per_unit)))
    for text in ax.texts:                     # value labels: plain numbers such as '-1,234.5'
        try:
            v = float(text.get_text().replace(",", ""))
        except ValueError:
            continue
        text.set_text(cny_en(v * yuan_per_unit))
    return fig
