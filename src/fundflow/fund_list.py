"""Which index-enhanced fund list a week uses: the latest stored universe snapshot
(``enhanced_fund_universe``, taken weekly from Eastmoney's enhanced-index fund list) on or before
the week, else the curated list ``seeds/enhanced_funds.csv`` (real codes, maintained by hand).

Used by the NAV collection (which funds to fetch) and by the quant-funds section (which funds
to report), so both take the same list; the section says which list it used and as of when.
No akshare here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd

UNIVERSE = "enhanced_fund_universe"
CURATED_FILE = "seeds/enhanced_funds.csv"
LIST_COLUMNS = ["fund_code", "fund_name", "fund_name_en", "benchmark_index", "is_quant"]

Origin = Literal["snapshot", "curated"]


@dataclass(frozen=True)
class FundList:
    funds: pd.DataFrame     # LIST_COLUMNS, one row per fund
    origin: Origin
    as_of: date | None      # the snapshot's date (None for the curated list)
    why: str = ""           # why the curated list is used

    def describe(self, lang: Literal["zh", "en"]) -> str:
        n = len(self.funds)
        if self.origin == "snapshot":
            # where the snapshot came from is the dataset's source (appendix): Eastmoney, or
            # the synthetic sample
            return (f"基金名单：增强指数型基金列表{self.as_of}快照（{n}只）" if lang == "zh"
                    else f"fund list: enhanced-index fund list, snapshot of {self.as_of} "
                         f"({n} funds)")
        return (f"基金名单：人工维护名单{CURATED_FILE}（{n}只；无{UNIVERSE}快照）" if lang == "zh"
                else f"fund list: curated {CURATED_FILE} ({n} funds; no {UNIVERSE} snapshot)")

    def as_dict(self) -> dict[str, object]:
        return {"fund_list": self.origin, "fund_list_as_of": _iso(self.as_of),
                "fund_list_count": len(self.funds), "fund_list_note": self.why}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _curated(curated: pd.DataFrame) -> pd.DataFrame:
    out = curated.copy()
    for c in LIST_COLUMNS:
        if c not in out.columns:
            out[c] = ""
    blank = out["fund_name_en"].isna() | (out["fund_name_en"].astype(str).str.strip() == "")
    out["fund_name_en"] = out["fund_name_en"].where(~blank, out["fund_name"])
    return out[LIST_COLUMNS].reset_index(drop=True)


def resolve_fund_list(universe: pd.DataFrame | None, curated: pd.DataFrame,
                      on_or_before: date) -> FundList:
    """The latest universe snapshot dated on or before ``on_or_before``; else the curated
    list. English names come from the curated list where it has the code (Eastmoney has none),
    else the stored English name, else the Chinese name."""
    if universe is None or universe.empty:
        return FundList(_curated(curated), "curated", None,
                        f"the store has no {UNIVERSE} rows")
    dates = pd.to_datetime(universe["snapshot_date"]).dt.date
    usable = dates[dates <= on_or_before]
    if usable.empty:
        return FundList(_curated(curated), "curated", None,
                        f"the first {UNIVERSE} snapshot ({dates.min()}) is after "
                        f"{on_or_before}")
    as_of = usable.max()
    snap = universe[dates == as_of].copy()
    en = curated.set_index("fund_code")["fund_name_en"] if "fund_name_en" in curated else None
    stored_en = snap["fund_name_en"] if "fund_name_en" in snap else pd.Series(None, snap.index)
    names_en = snap["fund_code"].map(en) if en is not None else pd.Series(None, snap.index)
    snap["fund_name_en"] = (names_en.replace("", None).fillna(stored_en.replace("", None))
                            .fillna(snap["fund_name"]))
    funds = snap[LIST_COLUMNS].sort_values(["benchmark_index", "fund_code"]).reset_index(
        drop=True)
    return FundList(funds, "snapshot", as_of)
