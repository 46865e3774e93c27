"""Data sources: one adapter per canonical dataset; the only code that touches akshare.

``get_akshare()`` imports the real module; everything else receives the module (or a test
stand-in with the same function names) as an argument, so tests never reach the network path.
"""

from __future__ import annotations

import os
from typing import Any

from fundflow.data.sources.base import Adapter, FetchContext, Lag
from fundflow.data.sources.fund_universe import EnhancedFundUniverse
from fundflow.data.sources.funds import EtfDaily, FundNavDaily, FuturesContracts, FuturesDaily
from fundflow.data.sources.margin import MarginMarketDaily, MarginStockDaily
from fundflow.data.sources.market import (
    ConceptBoardDaily, GlobalAssetDaily, IndexDaily, SwIndustryDaily, TradeDays,
)
from fundflow.data.sources.polite import CallPolicy, Caller, default_http_timeout, is_transient
from fundflow.data.sources.stocks import (
    IndexConstituents, MainFlowStockDaily, NorthboundDaily, NorthboundHoldings, StockDaily,
    StockUniverse,
)
from fundflow.data.sources.temperature import MacroReleases, QvixDaily
from fundflow.errors import SourceError

ADAPTERS: dict[str, Adapter] = {a.dataset: a for a in (
    TradeDays(), IndexDaily(), SwIndustryDaily(), GlobalAssetDaily(), ConceptBoardDaily(),
    MarginMarketDaily(), MarginStockDaily(), StockUniverse(), StockDaily(), IndexConstituents(),
    MainFlowStockDaily(), NorthboundDaily(), NorthboundHoldings(), EtfDaily(), FundNavDaily(),
    FuturesContracts(), FuturesDaily(), QvixDaily(), MacroReleases(), EnhancedFundUniverse(),
)}


def get_adapter(dataset: str) -> Adapter:
    try:
        return ADAPTERS[dataset]
    except KeyError:
        raise SourceError(f"no akshare adapter for dataset {dataset!r} "
                          f"(have: {', '.join(sorted(ADAPTERS))})", dataset=dataset) from None


def get_akshare() -> Any:
    """Import akshare (slow: it imports most of its ~1000 functions)."""
    os.environ.setdefault("TQDM_DISABLE", "1")   # no progress bars from paginated calls
    try:
        import akshare
    except ImportError as exc:
        raise SourceError(f"akshare cannot be imported: {exc}") from exc
    import urllib3

    # the Shenwan functions call with verify=False; say so once instead of per request
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return akshare


__all__ = [
    "ADAPTERS", "Adapter", "CallPolicy", "Caller", "FetchContext", "Lag", "default_http_timeout",
    "get_adapter", "get_akshare", "is_transient",
]
