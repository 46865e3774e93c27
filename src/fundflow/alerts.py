"""Alerts: thresholds from config tested against the metrics the sections computed (pure).

A rule names ``<section id>.<metric>``; sections declare their metric names (with ``{code}`` for
any code, e.g. ``return_pct.{code}``) and the number filter that formats each, so a rule can be
checked against the config before any data is read, and its hit is worded with the same filter
as the tables.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from fundflow.config import AlertRule
from fundflow.formatting import FILTERS, MONEY_FILTERS, fmt_value

Lang = Literal["zh", "en"]

# unit written after a value formatted by these filters (the others carry their unit: %, bp)
# (Chinese only: an English amount is written 'CNY 2.51tn', unit included)
_UNITS: dict[str, str] = {"yi": "亿元", "wanyi": "万亿元"}


@dataclass(frozen=True)
class AlertHit:
    metric: str          # <section id>.<metric>
    value: float
    bound: float
    kind: str            # above | below | abs_above
    text: str            # one line in the report language

    def as_dict(self) -> dict[str, object]:
        return {"metric": self.metric, "value": self.value, "bound": self.bound,
                "kind": self.kind, "text": self.text}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(name).replace(re.escape("{code}"), r"[^.]+") + "$")


def metric_format(formats: Mapping[str, str], metric: str) -> str | None:
    """The number filter declared for ``metric`` (a name matched against the patterns)."""
    for pattern, fmt in formats.items():
        if _pattern(pattern).match(metric):
            return fmt
    return None


def _show(value: float, fmt: str, lang: Lang) -> str:
    if lang != "zh" and fmt in MONEY_FILTERS:
        return fmt_value(value, fmt, lang)          # 'CNY 2.51tn' carries its unit
    text = str(FILTERS[fmt](value)) if fmt in FILTERS else f"{value:g}"
    unit = _UNITS.get(fmt)
    return text + unit if unit and lang == "zh" else text


def evaluate(rules: Sequence[AlertRule], metrics: Mapping[str, Mapping[str, float]],
             formats: Mapping[str, Mapping[str, str]], lang: Lang) -> list[AlertHit]:
    """The hits of ``rules`` given each section's metrics (section id -> name -> value) and
    declared formats (section id -> pattern -> filter). A metric the section did not produce
    this week (no data for that code) is not a hit."""
    hits: list[AlertHit] = []
    for rule in rules:
        section, _, name = rule.metric.partition(".")
        value = metrics.get(section, {}).get(name)
        if value is None or not math.isfinite(value):
            continue
        fmt = metric_format(formats.get(section, {}), name) or "num2"
        label = rule.label.get(lang) if rule.label else rule.metric
        checks: list[tuple[str, float | None, bool]] = [
            ("above", rule.above, rule.above is not None and value > rule.above),
            ("below", rule.below, rule.below is not None and value < rule.below),
            ("abs_above", rule.abs_above,
             rule.abs_above is not None and abs(value) > rule.abs_above),
        ]
        for kind, bound, hit in checks:
            if not hit or bound is None:
                continue
            shown, limit = _show(value, fmt, lang), _show(bound, fmt, lang)
            if lang == "zh":
                word = {"above": "高于", "below": "低于", "abs_above": "绝对值超过"}[kind]
                text = f"{label}：{shown}，{word}阈值{limit}"
            else:
                word = {"above": "above", "below": "below", "abs_above": "beyond ±"}[kind]
                text = (f"{label}: {shown}, {word} the threshold {limit}" if kind != "abs_above"
                        else f"{label}: {shown}, beyond ±{limit}")
            hits.append(AlertHit(rule.metric, value, bound, kind, text))
            break
    return hits
