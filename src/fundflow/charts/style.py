"""The one chart style: CJK font, palette, red-up/green-down, sizes for an A4 page.

Never touches global rcParams: ``ChartStyle.rc()`` is applied with ``matplotlib.rc_context``
around each figure, so the style is a value that tests and callers can pass around.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fundflow.errors import RenderError

# A4 portrait with 18 mm side margins leaves ~174 mm of text width.
FULL_WIDTH_IN = 6.8
HALF_WIDTH_IN = 3.3

# Greys of the chart furniture, one name each instead of hex literals in the chart code.
AXIS_GREY = "#555555"       # zero lines, axis edges, emphasised annotations
PREVIOUS_GREY = "#c8c8c8"   # last week's bars next to this week's
NOTE_GREY = "#666666"       # small annotations inside the plot
DIVIDER_GREY = "#999999"    # dashed lines separating groups of bars


@lru_cache(maxsize=8)
def cjk_font_path(family: str) -> str:
    """The file of the configured CJK font family; RenderError if it is not installed."""
    from matplotlib import font_manager

    path: object
    try:
        path = font_manager.findfont(
            font_manager.FontProperties(family=family), fallback_to_default=False)
    except ValueError:
        path = ""
    if not path:
        raise RenderError(
            f"chart font {family!r} is not installed (style.font_family); install it, e.g. "
            f"'apt-get install fonts-noto-cjk' (scripts/bootstrap.sh does this)")
    return str(path)


def _surely_covered(ch: str) -> bool:
    """ASCII, CJK punctuation, unified ideographs, full-width forms: in every CJK font (checked
    without reading the font file, which takes ~0.3 s)."""
    o = ord(ch)
    return (0x20 <= o < 0x7F or 0x3000 <= o <= 0x303F or 0x4E00 <= o <= 0x9FFF
            or 0xFF00 <= o <= 0xFFEF)


@lru_cache(maxsize=4)
def _font_cmap(path: str, family: str) -> frozenset[int]:
    from fontTools.ttLib import TTCollection, TTFont

    if path.lower().endswith((".ttc", ".otc")):
        fonts = TTCollection(path, lazy=True).fonts
        chosen = next((f for f in fonts if f["name"].getDebugName(1) == family), fonts[0])
    else:
        chosen = TTFont(path, lazy=True)
    return frozenset(chosen.getBestCmap())


def uncovered_chars(text: str, family: str) -> str:
    """The distinct characters of ``text`` the font family has no glyph for (they print as
    empty boxes), in order of appearance; '' when all are covered."""
    rest = [c for c in dict.fromkeys(text) if not c.isspace() and not _surely_covered(c)]
    if not rest:
        return ""
    cmap = _font_cmap(cjk_font_path(family), family)
    return "".join(c for c in rest if ord(c) not in cmap)


@dataclass(frozen=True)
class ChartStyle:
    up_color: str = "#d7262b"
    down_color: str = "#1a9641"
    accent_color: str = "#1f4e79"
    neutral_color: str = "#8c8c8c"
    secondary_color: str = "#f0a030"
    font_family: str = "Noto Sans CJK SC"
    base_size: float = 8.0
    dpi: int = 200

    def rc(self) -> dict[str, Any]:
        cjk_font_path(self.font_family)  # fail early and clearly if the font is missing
        return {
            "font.family": "sans-serif",
            "font.sans-serif": [self.font_family],
            "font.size": self.base_size,
            # names are text: a '$' in a stock or fund name must not start TeX math
            "text.parse_math": False,
            "axes.titlesize": self.base_size + 1,
            "axes.labelsize": self.base_size,
            "xtick.labelsize": self.base_size - 0.5,
            "ytick.labelsize": self.base_size - 0.5,
            "legend.fontsize": self.base_size - 0.5,
            "legend.frameon": False,
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": AXIS_GREY,
            "axes.grid": True,
            "axes.grid.axis": "y",
            "grid.color": "#e3e3e3",
            "grid.linewidth": 0.6,
            "axes.axisbelow": True,
            "figure.dpi": 100,
            "savefig.dpi": self.dpi,
            "figure.constrained_layout.use": True,
            "svg.hashsalt": "fundflow",
        }

    def sign_color(self, value: float) -> str:
        if value > 0:
            return self.up_color
        if value < 0:
            return self.down_color
        return self.neutral_color
