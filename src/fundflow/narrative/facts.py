"""Facts, their slots, scoring and rendering (pure). See the package docstring."""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Union

from fundflow.formatting import fmt_value

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Num:
    """A number in a sentence, formatted by the named filter (the table's filter)."""

    value: float
    fmt: str = "num2"

    def shown(self, lang: Lang = "zh") -> str:
        """The number as the tables of a ``lang`` report show it (amounts: 亿元 / CNY bn)."""
        return fmt_value(self.value, self.fmt, lang)


@dataclass(frozen=True)
class Name:
    """A proper name in both languages."""

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Items:
    """Names with a number each. style "paren": '电子（-2.10%）、通信（-3.30%）' /
    'Electronics (-2.10%), Telecoms (-3.30%)'; style "move": '上证指数上涨1.10%、科创50下跌0.20%' /
    'the SSE Composite rose 1.10%, the STAR 50 fell 0.20%'."""

    items: tuple[tuple[Name, Num], ...]
    style: Literal["paren", "move"] = "paren"

    def shown(self, lang: Lang) -> str:
        if self.style == "move":
            parts = [(f"{n.zh}{_word('dir', v.value, lang)}{_abs(v, lang)}" if lang == "zh" else
                      f"the {n.en} {_word('dir', v.value, lang)} {_abs(v, lang)}")
                     for n, v in self.items]
        elif lang == "zh":
            parts = [f"{n.zh}（{v.shown(lang)}）" for n, v in self.items]
        else:
            parts = [f"{n.en} ({v.shown(lang)})" for n, v in self.items]
        if lang == "zh":
            return "、".join(parts)
        return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


def _abs(v: Num, lang: Lang = "zh") -> str:
    """The absolute value by the same filter, without the sign a signed filter adds."""
    return fmt_value(abs(v.value), v.fmt, lang).lstrip("+")


Slot = Union[Num, Name, Items, str]


@dataclass(frozen=True)
class Fact:
    kind: str                                  # phrase id in phrasebook.PHRASES
    slots: Mapping[str, Slot] = field(default_factory=dict)
    score: float = 0.0

    def names(self, lang: Lang) -> list[str]:
        """Every proper name the sentence shows (names may contain digits: 沪深300)."""
        out: list[str] = []
        for v in self.slots.values():
            if isinstance(v, Name):
                out.append(v.get(lang))
            elif isinstance(v, Items):
                out.extend(n.get(lang) for n, _v in v.items)
        return out

    def numbers(self) -> list[Num]:
        """Every number the sentence shows (for the consistency check)."""
        out: list[Num] = []
        for v in self.slots.values():
            if isinstance(v, Num):
                out.append(v)
            elif isinstance(v, Items):
                out.extend(num for _n, num in v.items)
        return out


_WORDS = {
    "dir": {"zh": ("上涨", "下跌", "持平"), "en": ("rose", "fell", "was flat")},
    "more": {"zh": ("增加", "减少", "持平"), "en": ("rose", "fell", "was unchanged")},
    "in": {"zh": ("净流入", "净流出", "持平"), "en": ("net inflow", "net outflow", "flat")},
}


def _word(kind: str, value: float, lang: Lang) -> str:
    up, down, flat = _WORDS[kind][lang]
    if not math.isfinite(value) or value == 0:
        return flat
    return up if value > 0 else down


def _fields(fact: Fact, lang: Lang) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, v in fact.slots.items():
        if isinstance(v, Num):
            out[key] = v.shown(lang)
            out[f"{key}_abs"] = _abs(v, lang)
            for w in _WORDS:
                out[f"{key}_{w}"] = _word(w, v.value, lang)
        elif isinstance(v, Name):
            out[key] = v.get(lang)
        elif isinstance(v, Items):
            out[key] = v.shown(lang)
        else:
            out[key] = str(v)
    return out


def render(fact: Fact, lang: Lang) -> str:
    """The sentence for ``fact`` in ``lang``. KeyError names a missing phrase or slot."""
    from fundflow.narrative.phrasebook import PHRASES

    try:
        phrase = PHRASES[fact.kind][lang]
    except KeyError:
        raise KeyError(f"phrasebook has no {lang} phrase {fact.kind!r}") from None
    fields = _fields(fact, lang)
    wanted = [f for _t, f, _s, _c in string.Formatter().parse(phrase) if f]
    missing = [f for f in wanted if f not in fields]
    if missing:
        raise KeyError(f"phrase {fact.kind!r} needs slot(s) {', '.join(missing)}")
    return phrase.format(**fields)


# -- scores ---------------------------------------------------------------------------------------
def move_score(value: float, history: Sequence[float]) -> float:
    """|z| of ``value`` against ``history`` (capped at 4); 1.0 without enough history."""
    hist = [h for h in history if h is not None and math.isfinite(h)]
    if not math.isfinite(value) or len(hist) < 4:
        return 1.0
    mean = sum(hist) / len(hist)
    var = sum((h - mean) ** 2 for h in hist) / (len(hist) - 1)
    if var <= 0:
        return 1.0
    return min(4.0, abs(value - mean) / math.sqrt(var))


def size_score(value: float, typical: float) -> float:
    """|value| in units of a typical size of such a move (capped at 4), for facts without a
    history in the section's context (e.g. typical weekly index move 1.5%)."""
    if not math.isfinite(value) or typical <= 0:
        return 0.0
    return min(4.0, abs(value) / typical)


def streak_score(n: float) -> float:
    return min(4.0, abs(n) / 3.0)


def regime_score(now: float, before: float) -> float:
    if not (math.isfinite(now) and math.isfinite(before)):
        return 0.5
    return 2.0 if (now > 0) != (before > 0) and now != 0 and before != 0 else 0.5


def rank_score(share: float) -> float:
    return 4.0 * abs(share - 0.5) if math.isfinite(share) else 0.0
