"""The phrasebook: one Chinese and one English sentence per fact kind.

Placeholders are slot names; for a number slot ``x`` also ``x_abs``, ``x_dir`` (上涨/下跌,
rose/fell), ``x_more`` (增加/减少) and ``x_in`` (净流入/净流出). Sections add their phrases
with ``add_phrases``; a phrase id is ``<section>.<fact>``.
"""

from __future__ import annotations

from collections.abc import Mapping

PHRASES: dict[str, dict[str, str]] = {}


def add_phrases(phrases: Mapping[str, Mapping[str, str]]) -> None:
    """Register phrases (id -> {zh, en}); an id registered twice with other text is an error."""
    for key, texts in phrases.items():
        if set(texts) != {"zh", "en"}:
            raise ValueError(f"phrase {key!r} needs exactly zh and en, got {sorted(texts)}")
        if key in PHRASES and PHRASES[key] != dict(texts):
            raise ValueError(f"phrase {key!r} registered twice with different text")
        PHRASES[key] = dict(texts)
