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


# -- money in English -----------------------------------------------------------------------------
# Chinese text counts yuan in 亿 (1e8) and 万亿 (1e12); English broker research writes
# "CNY 2.51tn", "CNY 19.3bn", "CNY 520m". In an English report every amount in yuan goes through
# cny_en, so a sentence, a table cell and an axis tick show the same string for the same number.
_CNY_SCALES = ((1e12, "tn"), (1e9, "bn"), (1e6, "m"))


def cny_en(x: float | None, signed: bool = False) -> str:
    """Yuan -> English broker style with three significant figures: 2.5142e12 -> 'CNY 2.51tn',
    1.93e10 -> 'CNY 19.3bn', 5.2e8 -> 'CNY 520m', -1.2e9 -> '-CNY 1.20bn' (the sign goes before
    the currency, as in '-$1.2bn'); ``signed`` adds '+' to positive amounts."""
    v = _ok(x)
    if v is None:
        return DASH
    a = abs(v)
    text = "CNY 0"
    for i, (scale, suffix) in enumerate(_CNY_SCALES):
        n = a / scale
        if n < 1 and i < len(_CNY_SCALES) - 1:
            continue
        decimals = 2 if n < 10 else 1 if n < 100 else 0
        if round(n, decimals) >= 1000 and i > 0:      # 999.7bn -> 1.00tn
            n, suffix, decimals = n / 1000, _CNY_SCALES[i - 1][1], 2
        text = f"CNY {n:,.{decimals}f}{suffix}"
        break
    if not any(ch in "123456789" for ch in text):    # rounds to zero: no sign, no decimals
        return "CNY 0"
    return ("-" if v < 0 else "+" if signed else "") + text


def cny_en_signed(x: float | None) -> str:
    return cny_en(x, signed=True)


#: filters whose value is an amount in yuan, shown in 亿元 / 万亿元 in Chinese
MONEY_FILTERS = {"yi": cny_en, "yi0": cny_en, "yi2": cny_en, "wanyi": cny_en,
                 "yi_signed": cny_en_signed, "yi_signed0": cny_en_signed,
                 "wanyi_signed": cny_en_signed}
FILTERS["cny_en"] = cny_en
FILTERS["cny_en_signed"] = cny_en_signed


def filters_for(lang: str) -> dict[str, Callable[..., str]]:
    """The named filters of a report language: in English the money filters (yi, wanyi, ...)
    write 'CNY 2.51tn' instead of a number of 亿元."""
    return dict(FILTERS) if lang == "zh" else {**FILTERS, **MONEY_FILTERS}


def fmt_value(value: Any, name: str, lang: str = "zh") -> str:
    """``value`` by the named filter of ``lang``; KeyError for an unknown name."""
    fn = MONEY_FILTERS[name] if lang != "zh" and name in MONEY_FILTERS else FILTERS[name]
    return str(fn(value))
