"""The catalogue of data-quality checks and per-dataset rules: plain data with no imports from
fundflow, so ``config`` (the bottom layer) can validate ``quality.jump_pct``,
``quality.snapshot_max_age_days`` and ``quality.disable`` against it without importing
``quality``, which uses the config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["info", "warning", "error"]

# every check by name (quality.disable takes these names)
CHECKS: tuple[str, ...] = (
    "unavailable",       # no rows for the report week (the sections using it are left out)
    "stale",             # rows end before the week's last session
    "missing_sessions",  # a session of the report week or the week before has no row at all
    "series_gaps",       # a series that traded the week before misses sessions of this week
    "non_finite",        # NaN in a column that must have a value, or +-inf anywhere
    "out_of_range",      # outside the schema's plausible bounds
    "inconsistent",      # e.g. a daily low above the close
    "jump",              # a day-over-day move beyond the dataset's threshold
    "repeated",          # every series repeats the previous session's values
    "duplicate",         # the same key twice
    "etf_split",         # ETF shares and price jump inversely: a split, not a flow
    "snapshot_age",      # the latest snapshot is old
    "source_disagreement",  # two akshare routes gave different values for the same day
)


@dataclass(frozen=True)
class Rule:
    """How one dataset is checked."""

    entity: str | None = None             # the column naming each series; None: one series
    levels: tuple[str, ...] = ()          # columns whose day-over-day move is checked
    jump_pct: float = 15.0                # a move beyond this (percent) is a jump
    jump_severity: Severity = "warning"
    a_share_sessions: bool = True         # a row is expected on every A-share session
    lag_sessions: int = 0                 # sessions of publication lag that are normal
    missing_severity: Severity = "warning"
    entity_severity: Severity | None = "warning"   # None: series may stop (suspended stocks)
    dated: bool = True                    # a daily series (staleness, sessions, jumps apply)
    max_age_days: int | None = None       # snapshots: older than this is a finding
    age_severity: Severity = "info"


RULES: dict[str, Rule] = {
    # the calendar module reports its own gaps (the appendix's calendar notes)
    "trade_days": Rule(dated=False, entity_severity=None),
    "index_daily": Rule("index_code", ("close",), 12.0),
    "sw_industry_daily": Rule("industry_code", ("close",), 12.0),
    # foreign markets keep their own holidays: no A-share session check
    "global_asset_daily": Rule("asset_code", ("close",), 25.0, a_share_sessions=False),
    # exchange margin data for day T is published on T+1 (data-sources.md)
    "margin_market_daily": Rule(None, ("fin_balance_cny", "sec_balance_cny"), 10.0,
                                lag_sessions=1),
    "stock_universe": Rule(dated=False, max_age_days=120),
    # suspended stocks have no rows; market value, not price (price halves on a bonus issue)
    "stock_daily": Rule("stock_code", ("total_mv_cny",), 60.0, jump_severity="info",
                        entity_severity=None),
    "index_constituents": Rule(dated=False, max_age_days=200, age_severity="warning"),
    "margin_stock_daily": Rule("stock_code", (), lag_sessions=1, entity_severity=None),
    "etf_daily": Rule("etf_code", ("close",), 15.0),
    "futures_contracts": Rule(dated=False, entity_severity=None),
    # contracts expire and new ones list: no series-gap check
    "futures_daily": Rule("contract_code", ("settle",), 12.0, entity_severity=None),
    # a distribution lowers the unit NAV without a loss
    "fund_nav_daily": Rule("fund_code", ("nav",), 12.0, jump_severity="info"),
    "main_flow_stock_daily": Rule("stock_code", (), entity_severity=None),
    # Stock Connect closes on Hong Kong holidays while the A-share market trades
    "northbound_daily": Rule("channel", (), missing_severity="info", entity_severity="info"),
    "northbound_holdings": Rule(dated=False, max_age_days=200),  # quarterly disclosure
    # taken weekly; funds launch and close, so a list a month old is worth a note
    "enhanced_fund_universe": Rule(dated=False, entity_severity=None, max_age_days=31),
    "concept_board_daily": Rule("board_code", ("close",), 15.0),
    # implied volatility doubles in a crash day: a jump is worth a note, not a warning
    "qvix_daily": Rule("qvix_code", ("close",), 40.0, jump_severity="info"),
    # monthly releases: the latest is normally 2-5 weeks old
    "macro_releases": Rule(dated=False, entity_severity=None, max_age_days=45),
}

# datasets whose jump threshold quality.jump_pct may set
JUMP_DATASETS: tuple[str, ...] = tuple(d for d, r in RULES.items() if r.levels)
SNAPSHOT_DATASETS: tuple[str, ...] = tuple(d for d, r in RULES.items()
                                           if r.max_age_days is not None)
