"""Number and date formatting shared by templates (as Jinja filters) and generated text, so a
number in a sentence is always the same string as in the table next to it."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any
import re

# C0 and C1 control characters (Unicode category Cc); \t \n \r become a space
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("[\t\n\r]+")


def clean_text(value: str) -> str:
    """A name from data as one line of drawable text: control characters dropped (no font has
    a glyph for them; one in an industry name failed the whole build), tabs and line breaks
    made a space."""
    return _LINE_BREAKS.sub(" ", _CONTROL.sub("", value)).strip()

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


FILTERS: dict[str, Callable[..., str]] = {
    "pct": pct, "pct_signed": pct_signed, "bp": bp, "yi": yi, "wanyi": wanyi, "num": num,
    "num0": num0, "num2": num2, "num4": num4, "iso": iso, "sign_class": sign_class, "abs_pct": abs_pct,
}


def days_signed(x: float | None) -> str:
    """Signed run of sessions: 3 -> '+3', -12 -> '-12', 0 -> '0'."""
    return DASH if (v := _ok(x)) is None else f"{int(v):+d}" if v else "0"


def days_signed_min(x: float | None) -> str:
    """A run that reached the start of the available history (a lower bound): -12 -> '-12*'."""
    return DASH if _ok(x) is None else days_signed(x) + "*"


FILTERS["days_signed"] = days_signed
FILTERS["days_signed_min"] = days_signed_min


def yi2(x: float | None) -> str:
    """Yuan -> 亿元 with two decimals (small amounts such as one ETF's weekly flow)."""
    return yi(x, 2)


def yi_signed(x: float | None, decimals: int = 2) -> str:
    """Yuan -> signed 亿元: 1.5e8 -> '+1.50', -2e8 -> '-2.00'."""
    return DASH if (v := _ok(x)) is None else f"{v / 1e8:+,.{decimals}f}"


FILTERS["yi2"] = yi2
FILTERS["yi_signed"] = yi_signed


def pp_signed(x: float | None, decimals: int = 2) -> str:
    """Change of a percentage in percentage points: 0.345 -> '+0.35pp'."""
    return DASH if (v := _ok(x)) is None else f"{v:+.{decimals}f}pp"


FILTERS["pp_signed"] = pp_signed


def pct1(x: float | None) -> str:
    """Percent with one decimal: 10.94 -> '10.9%' (dense tables)."""
    return pct(x, 1)


def pp1_signed(x: float | None) -> str:
    """Percentage-point change with one decimal: -0.26 -> '-0.3pp'; -0.04 -> '0.0pp' (no '-0.0')."""
    v = _ok(x)
    return pp_signed(x, 1) if v is None or round(v, 1) != 0 else "0.0pp"


def yi0(x: float | None) -> str:
    """Yuan -> 亿元 without decimals: 2.08e10 -> '208'."""
    return yi(x, 0)


FILTERS["pct1"] = pct1
FILTERS["pp1_signed"] = pp1_signed
FILTERS["yi0"] = yi0


def count(x: float | None) -> str:
    """A count of things (indices, industries, weeks) in text: 9 -> '9'."""
    return DASH if (v := _ok(x)) is None else f"{int(round(v))}"


FILTERS["count"] = count


def pct0(x: float | None) -> str:
    """Percent without decimals, e.g. a percentile: 23.08 -> '23%'."""
    return pct(x, 0)


FILTERS["pct0"] = pct0


def num1(x: float | None) -> str:
    """One decimal, e.g. a PMI or a volatility level: 50.23 -> '50.2'."""
    return num(x, 1)


def num1_signed(x: float | None) -> str:
    """Signed change with one decimal (index points, volatility points): -0.26 -> '-0.3';
    -0.04 -> '0.0' (no '-0.0')."""
    v = _ok(x)
    if v is None:
        return DASH
    return f"{v:+,.1f}" if round(v, 1) != 0 else "0.0"


def yi_signed0(x: float | None) -> str:
    """Yuan -> signed 亿元 without decimals (monthly credit flows): -1.2e11 -> '-1,200'."""
    return yi_signed(x, 0)


def wanyi_signed(x: float | None) -> str:
    """Yuan -> signed 万亿元: 1.5e11 -> '+0.15'."""
    return DASH if (v := _ok(x)) is None else f"{v / 1e12:+,.2f}"


FILTERS["num1"] = num1
FILTERS["num1_signed"] = num1_signed
FILTERS["yi_signed0"] = yi_signed0
FILTERS["wanyi_signed"] = wanyi_signed
