"""Which akshare routes can fill a dataset, in their default order (a catalogue, no I/O).

A *route* is one way to get a dataset from akshare: a site and the function(s) called there.
Where akshare 1.19.5 offers a second route (``../shared/second-sources.md``), the adapter tries
the routes in order and falls back to the next when one fails after its retries. The config may
reorder or drop routes per dataset (``collect.sources``); it is validated against this table,
which is why this module imports nothing heavy: the config layer sits below the data sources.

Rows keep the route they came from: ``akshare`` for the route that normally serves the key, and
``akshare:fallback:<route>`` when an earlier route failed and this one stood in, so the page can say "（备用来源）" and the quality
checks can compare two routes on the days both answered (``TOLERANCES``).
"""

from __future__ import annotations

from dataclasses import dataclass

PRIMARY_SOURCE = "akshare"
FALLBACK_PREFIX = "akshare:fallback:"


@dataclass(frozen=True)
class Route:
    name: str
    functions: tuple[str, ...]       # the akshare functions this route calls
    label_zh: str
    label_en: str
    note_zh: str = ""                # how it differs from the first route, said on the page
    note_en: str = ""


ROUTES: dict[str, tuple[Route, ...]] = {
    "index_daily": (
        Route("eastmoney", ("index_zh_a_hist",), "东方财富", "Eastmoney"),
        Route("csindex", ("stock_zh_index_hist_csindex",), "中证指数公司", "CSI",
              "仅中证、上证指数", "CSI and SSE indices only"),
        Route("sina", ("stock_zh_index_daily",), "新浪财经", "Sina Finance",
              "无成交额", "no turnover"),
    ),
    "margin_market_daily": (
        Route("eastmoney", ("stock_margin_account_info",), "东方财富", "Eastmoney"),
        Route("exchanges", ("stock_margin_sse", "stock_margin_szse"), "沪深交易所",
              "SSE and SZSE", "沪深两市合计，不含北交所；无融券卖出额",
              "SSE + SZSE, without BSE; no short-sale amount"),
    ),
    "futures_daily": (
        Route("cffex", ("futures_hist_daily_cffex",), "中国金融期货交易所", "CFFEX"),
        Route("daily_summary", ("get_futures_daily",), "中金所（期货日行情汇总）",
              "CFFEX (daily futures summary)"),
    ),
}

# Two routes answering for the same day should agree within these relative tolerances (per
# column); beyond them the difference is a data-quality finding (quality check
# ``source_disagreement``). Margin totals: the exchange route lacks the BSE (~0.3% of the total).
TOLERANCES: dict[str, dict[str, float]] = {
    "index_daily": {"close": 0.001, "open": 0.002, "high": 0.002, "low": 0.002,
                    "amount_cny": 0.02},
    "margin_market_daily": {"fin_balance_cny": 0.01, "sec_balance_cny": 0.05,
                            "fin_buy_cny": 0.02},
    "futures_daily": {"close": 0.0005, "settle": 0.0005, "volume": 0.001,
                      "open_interest": 0.001},
}


def route_names(dataset: str) -> tuple[str, ...]:
    return tuple(r.name for r in ROUTES.get(dataset, ()))


def get_route(dataset: str, name: str) -> Route:
    for r in ROUTES.get(dataset, ()):
        if r.name == name:
            return r
    raise KeyError(f"{dataset} has no route {name!r} (routes: "
                   f"{', '.join(route_names(dataset)) or 'none'})")


def source_of(route: str | None, fell_back: bool) -> str:
    """The ``source`` stored with rows fetched by ``route``: the plain primary source unless
    an earlier route failed and ``route`` stood in for it."""
    return FALLBACK_PREFIX + route if fell_back and route else PRIMARY_SOURCE


def fallback_route(source: str) -> str | None:
    """The route name of a fallback source string, None for anything else."""
    return source[len(FALLBACK_PREFIX):] if source.startswith(FALLBACK_PREFIX) else None
