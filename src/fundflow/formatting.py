"""Number and date formatting shared by templates (as Jinja filters) and generated text, so a
number in a sentence is always the same string as in the table next to it."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

DASH = "—"


def _bad(x: Any) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def _ok(x: float | None) -> float | None:
    """The value as a float, or None when it is missing or not finite."""
    return None if _bad(x) else float(x)  # type: ignore[arg-type]


def pct(x: float | None, decimals: int = 2) -> str:
    """1.234 -> '1.23%' (input already in percent)."""
    return DASH if (v := _ok(x)) is None else f"{v:.{decimals}f}%"


def pct_signed(x: float | None, decimals: int = 2) -> str:
    """1.234 -> '+1.23%', -0.5 -> '-0.50%'."""
    return DASH if (v := _ok(x)) is None else f"{v:+.{decimals}f}%"


def bp(x: float | None, decimals: int = 1) -> str:
    return DASH if (v := _ok(x)) is None else f"{v:+.{decimals}f}bp"


def yi(x: float | None, decimals: int = 1) -> str:
    """Yuan -> 亿元 number string: 2.1e11 -> '2,100.0'."""
    return DASH if (v := _ok(x)) is None else f"{v / 1e8:,.{decimals}f}"


def wanyi(x: float | None, decimals: int = 2) -> str:
    """Yuan -> 万亿元 number string: 2.49e12 -> '2.49'."""
    return DASH if (v := _ok(x)) is None else f"{v / 1e12:,.{decimals}f}"


def num(x: float | None, decimals: int = 2) -> str:
    return DASH if (v := _ok(x)) is None else f"{v:,.{decimals}f}"


def num0(x: float | None) -> str:
    return num(x, 0)


def num2(x: float | None) -> str:
    return num(x, 2)


def num4(x: float | None) -> str:
    return num(x, 4)


def iso(d: date | None) -> str:
    return DASH if d is None else d.isoformat()


def updown_zh(x: float) -> str:
    return "上涨" if x > 0 else ("下跌" if x < 0 else "持平")


def updown_en(x: float) -> str:
    return "rose" if x > 0 else ("fell" if x < 0 else "was flat")


def abs_pct(x: float, decimals: int = 2) -> str:
    """Magnitude for use after a verb ('上涨1.10%')."""
    return pct(abs(x), decimals)


def sign_class(x: float | None) -> str:
    v = _ok(x)
    if v is None or v == 0:
        return "flat"
    return "up" if v > 0 else "down"


FILTERS = {
    "pct": pct, "pct_signed": pct_signed, "bp": bp, "yi": yi, "wanyi": wanyi, "num": num,
    "num0": num0, "num2": num2, "num4": num4, "iso": iso, "sign_class": sign_class, "abs_pct": abs_pct,
}
