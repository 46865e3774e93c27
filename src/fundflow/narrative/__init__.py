"""Rule-based commentary: sections state facts, a phrasebook turns facts into sentences.

No free-form generation: the same numbers always give the same text, in Chinese or English.

* A ``Fact`` is a phrase id (a key of ``phrasebook.PHRASES``), its slots and a score.
* Slots are ``Num`` (a value and the name of the number filter that formats it: the same filter
  the table next to the text uses, so the text and the table show the same string), ``Name``
  (a proper name in both languages) or ``Items`` (a list of name + number pairs).
* ``render(fact, lang)`` fills the phrase. For a ``Num`` slot ``x`` the phrase may use ``{x}``
  (formatted value), ``{x_abs}`` (formatted absolute value), ``{x_dir}`` (上涨/下跌, rose/fell),
  ``{x_more}`` (增加/减少, rose/fell for amounts) and ``{x_in}`` (净流入/净流出, inflow/outflow).

Scores (how notable a fact is, for the cover's core views; documented in README):
``score = weight(kind) x magnitude``, where magnitude is one of

* ``move_score(value, history)``: the move's size against its own history, |z| = |value -
  mean| / std of the history (capped at 4; 1.0 when the history is too short to judge);
* ``streak_score(n)``: a run of n weeks/days in a row scores n / 3 (capped at 4);
* ``regime_score(now, before)``: 2.0 when the sign flipped against last week, else 0.5;
* ``rank_score(share)``: for breadth facts, 4 x |share - 0.5| (all up or all down = 2).

Core views: each chapter's headline (first fact of its first section; a preface section such as
market temperature does not take the headline, its facts compete on score), then the highest scores across sections, at most two
per section, three to five in all, in report order of their sections.
"""

from __future__ import annotations

from fundflow.narrative.facts import (
    Fact, Items, Name, Num, move_score, rank_score, regime_score, render, size_score,
    streak_score,
)

__all__ = ["Fact", "Items", "Name", "Num", "move_score", "rank_score", "regime_score", "render",
           "size_score", "streak_score"]
