"""Choosing the cover's core views from the sections' facts (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MIN_VIEWS, MAX_VIEWS, PER_SECTION = 3, 5, 2   # the cover holds five bullets
NOTABLE = 1.0   # a fact scoring at least this is worth a core view on its own


@dataclass(frozen=True)
class Candidate:
    section_order: int      # position of the section in the report
    fact_order: int         # position of the fact in its section
    section: str
    score: float
    text: str
    part: str = ""          # the report chapter (assets | flows | ...)
    headline: bool = True   # may be its chapter's headline (False: a preface section's fact)


def choose_core_views(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The three to five most notable facts: each chapter's headline, then every fact scoring
    >= NOTABLE up to five, at most two per section, padded to three with the next best; shown in
    report order."""
    ranked = sorted(candidates, key=lambda c: (-c.score, c.section_order, c.fact_order))
    chosen: list[Candidate] = []
    per: dict[str, int] = {}
    # every chapter leads with its headline, the first fact of its first section (the main
    # indices' move, the margin market), then the rest compete on score
    in_order = sorted(candidates, key=lambda c: (c.section_order, c.fact_order))
    for part in dict.fromkeys(c.part for c in in_order):
        best = next((c for c in in_order if c.part == part and c.headline), None)
        if best is None:
            continue
        if len(chosen) < MAX_VIEWS:
            chosen.append(best)
            per[best.section] = per.get(best.section, 0) + 1
    for c in ranked:
        if c in chosen:
            continue
        if len(chosen) >= MAX_VIEWS:
            break
        if per.get(c.section, 0) >= PER_SECTION:
            continue
        if c.score < NOTABLE and len(chosen) >= MIN_VIEWS:
            break
        chosen.append(c)
        per[c.section] = per.get(c.section, 0) + 1
    return sorted(chosen, key=lambda c: (c.section_order, c.fact_order))
