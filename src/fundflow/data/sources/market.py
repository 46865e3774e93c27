"""Adapters for prices and levels: trading days, A-share indices, Shenwan industries, global
assets, concept boards. Columns and units as in shared/data-sources.md §1, §4, §5.10."""

from __future__ import annotations

from datetime import date, time

import pandas as pd

from fundflow.data.sources.base import (
    LOT, WAN, YI, Adapter, FetchContext, Lag, raw, to_date, ymd,
)
from fundflow.errors import SchemaError, SourceError
from fundflow.reference import Reference


class TradeDays(Adapter):
    """SSE trading calendar from sina (needs the JS runtime); future dates appear once sina
    publishes next year's holidays."""

    dataset = "trade_days"
    mode = "reference"
    sites = ("sina",)
    required = False   # the calendar falls back to exchange_calendars and weekdays

    def fetch_snapshot(self, ctx: FetchContext, as_of: date) -> pd.DataFrame:
        fn = "tool_trade_date_hist_sina"
        df = raw(ctx, ctx.call("sina", fn), fn=fn, where="full list", columns=["trade_date"],
                 expected=["trade_date"])
        out = pd.DataFrame({"trade_date": to_date(df["trade_date"])})
        if len(out) < 1000:
            raise SchemaError(f"dataset trade_days: akshare.{fn} returned only {len(out)} "
                              f"dates (the list starts in 1990)", dataset="trade_days")
        return out.drop_duplicates()


_EM_INDEX_COLS = ["日期", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅",
                  "涨跌额", "换手率"]
_INDEX_OUT = ["trade_date", "index_code", "open", "high", "low", "close", "volume", "amount_cny"]
_CSI_COLS = ["日期", "指数代码", "指数中文全称", "指数中文简称", "指数英文全称", "指数英文简称",
             "开盘", "最高", "最低", "收盘", "涨跌", "涨跌幅", "成交量", "成交金额", "样本数量",
             "滚动市盈率"]


class IndexDaily(Adapter):
    """A-share index bars. Routes (``data/routes.py``): eastmoney ``index_zh_a_hist`` (成交量 手,
    成交额 元); csindex ``stock_zh_index_hist_csindex`` for CSI and SSE indices (成交量 万手,
    成交金额 亿元), also when eastmoney has no bars (e.g. 932000 中证2000); sina
    ``stock_zh_index_daily`` (whole history, 成交量 股, no turnover)."""

    dataset = "index_daily"
    mode = "range"
    lag = Lag(0, time(15, 30))
    sites = ("eastmoney", "csindex", "sina")

    def key_column(self) -> str:
        return "index_code"

    def keys(self, ref: Reference) -> list[str]:
        return list(ref.indices["index_code"])

    def fetch_range(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        publisher = ""
        hit = ctx.ref.indices.loc[ctx.ref.indices["index_code"] == key]
        if not hit.empty:
            publisher = str(hit.iloc[0].get("publisher", ""))
        on_csindex = publisher in ("CSI", "SSE") or key.startswith(("93", "H"))
        routes = ctx.routes or self.route_order()
        if key.startswith(("93", "H")) and routes == self.route_order():
            # CSI-only indices (932000 中证2000) are not on eastmoney: under the default order
            # csindex is their ordinary route (an order set in collect.sources is kept as is)
            ctx.routes = ("csindex",) + tuple(r for r in routes if r != "csindex")
        return self.via_routes(ctx, f"{key} {start}..{end}", {
            "eastmoney": lambda: self._em(ctx, key, start, end),
            "csindex": (lambda: self._csindex(ctx, key, start, end)) if on_csindex
            else (lambda: None),
            "sina": lambda: self._sina(ctx, key, start, end),
        })

    def _sina(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        fn = "stock_zh_index_daily"
        symbol = ("sz" if key.startswith("39") else "sh") + key
        df = raw(ctx, ctx.call("sina", fn, symbol=symbol), fn=fn, where=f"{symbol}",
                 columns=["date", "open", "high", "low", "close", "volume"],
                 numeric=["open", "high", "low", "close", "volume"],
                 expected=["date", "open", "high", "low", "close", "volume"], allow_empty=True)
        out = pd.DataFrame({
            "trade_date": to_date(df["date"]), "index_code": key,
            "open": df["open"], "high": df["high"], "low": df["low"], "close": df["close"],
            "volume": df["volume"], "amount_cny": float("nan"),
        }) if not df.empty else pd.DataFrame(columns=_INDEX_OUT)
        # the whole history comes back: keep the requested range
        dates = pd.to_datetime(out["trade_date"])
        return out[(dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))]

    def _em(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        fn = "index_zh_a_hist"
        df = raw(ctx, ctx.call("eastmoney", fn, symbol=key, period="daily",
                               start_date=ymd(start), end_date=ymd(end)),
                 fn=fn, where=f"{key} {start}..{end}",
                 columns=["日期", "开盘", "收盘", "最高", "最低", "成交量", "成交额"],
                 numeric=["开盘", "收盘", "最高", "最低", "成交量", "成交额"],
                 expected=_EM_INDEX_COLS, allow_empty=True)
        if df.empty:
            return pd.DataFrame(columns=_INDEX_OUT)
        return pd.DataFrame({
            "trade_date": to_date(df["日期"]), "index_code": key,
            "open": df["开盘"], "high": df["最高"], "low": df["最低"], "close": df["收盘"],
            "volume": df["成交量"] * LOT, "amount_cny": df["成交额"],
        })

    def _csindex(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        fn = "stock_zh_index_hist_csindex"
        df = raw(ctx, ctx.call("csindex", fn, symbol=key, start_date=ymd(start),
                               end_date=ymd(end)),
                 fn=fn, where=f"{key} {start}..{end}",
                 columns=["日期", "开盘", "最高", "最低", "收盘", "成交量", "成交金额"],
                 numeric=["开盘", "最高", "最低", "收盘", "成交量", "成交金额"],
                 expected=_CSI_COLS)
        return pd.DataFrame({
            "trade_date": to_date(df["日期"]), "index_code": key,
            "open": df["开盘"], "high": df["最高"], "low": df["最低"], "close": df["收盘"],
            "volume": df["成交量"] * WAN * LOT, "amount_cny": df["成交金额"] * YI,
        })


class SwIndustryDaily(Adapter):
    """Shenwan L1 industry indices, ``index_hist_sw`` one call per industry (full history).
    成交额 is in 亿元 (inferred from the docs sample; the schema's plausible range catches a unit change)."""

    dataset = "sw_industry_daily"
    mode = "range"
    lag = Lag(0, time(17, 0))
    sites = ("swsresearch",)

    def key_column(self) -> str:
        return "industry_code"

    def keys(self, ref: Reference) -> list[str]:
        return list(ref.sw_l1["industry_code"])

    def fetch_range(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        fn = "index_hist_sw"
        df = raw(ctx, ctx.call("swsresearch", fn, symbol=key, period="day"), fn=fn,
                 where=key, columns=["代码", "日期", "收盘", "成交额"], numeric=["收盘", "成交额"],
                 expected=["代码", "日期", "收盘", "开盘", "最高", "最低", "成交量", "成交额"])
        return pd.DataFrame({"trade_date": to_date(df["日期"]), "industry_code": key,
                             "close": df["收盘"], "amount_cny": df["成交额"] * YI})


# function -> (site, date column, close column, expected columns)
_GLOBAL = {
    "index_global_hist_em": ("eastmoney", "日期", "最新价",
                             ["日期", "代码", "名称", "今开", "最新价", "最高", "最低", "振幅"]),
    "forex_hist_em": ("eastmoney", "日期", "最新价",
                      ["日期", "代码", "名称", "今开", "最新价", "最高", "最低", "振幅"]),
    "stock_hk_index_daily_em": ("eastmoney", "date", "latest",
                                ["date", "open", "high", "low", "latest"]),
    "index_us_stock_sina": ("sina", "date", "close",
                            ["date", "open", "high", "low", "close", "volume", "amount"]),
    "futures_foreign_hist": ("sina", "date", "close",
                             ["date", "open", "high", "low", "close", "volume"]),
}


class GlobalAssetDaily(Adapter):
    """Global indices, commodities, FX and yields, one call per asset as listed in
    seeds/global_assets.csv (function + symbol). Dates are each market's local dates."""

    dataset = "global_asset_daily"
    mode = "range"
    lag = Lag(calendar_days=1, at=time(8, 0))   # US Friday close: Saturday morning Beijing
    sites = ("eastmoney", "sina")
    strict_sessions = False                     # markets have their own holidays

    def key_column(self) -> str:
        return "asset_code"

    def keys(self, ref: Reference) -> list[str]:
        return list(ref.global_assets["asset_code"])

    def calendar(self, key: str, ref: Reference) -> str:
        asset = ref.asset(key)
        return asset.get("calendar", "XSHG") if asset else "XSHG"

    def fetch_range(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        asset = ctx.ref.asset(key)
        if asset is None:
            raise SourceError(f"dataset global_asset_daily: asset {key} is not in "
                              f"global_assets.csv", dataset=self.dataset)
        fn, symbol = asset["akshare_function"], asset["akshare_symbol"]
        if fn == "bond_zh_us_rate":
            # one table for CN and US yields: one call (memoised) from the range start
            df = raw(ctx, ctx.call("eastmoney", fn, start_date=ymd(ctx.range_start)), fn=fn,
                     where=key, columns=["日期", symbol], numeric=[symbol])
            out = pd.DataFrame({"trade_date": to_date(df["日期"]), "asset_code": key,
                                "close": df[symbol]})
            return out.dropna(subset=["close"])   # the other market's holidays
        if fn not in _GLOBAL:
            raise SourceError(f"dataset global_asset_daily: asset {key}: function {fn} is not "
                              f"supported (use one of {', '.join(sorted(_GLOBAL))}, "
                              f"bond_zh_us_rate)", dataset=self.dataset)
        site, dcol, ccol, expected = _GLOBAL[fn]
        df = raw(ctx, ctx.call(site, fn, symbol=symbol), fn=fn, where=f"{key} ({symbol})",
                 columns=[dcol, ccol], numeric=[ccol], expected=expected)
        out = pd.DataFrame({"trade_date": to_date(df[dcol]), "asset_code": key,
                            "close": df[ccol]})
        return out.dropna(subset=["close"])


class ConceptBoardDaily(Adapter):
    """Eastmoney concept boards of seeds/themes.csv, by board code (成交额 in 元)."""

    dataset = "concept_board_daily"
    mode = "range"
    lag = Lag(0, time(15, 30))
    sites = ("eastmoney",)

    def key_column(self) -> str:
        return "board_code"

    def keys(self, ref: Reference) -> list[str]:
        return sorted(set(ref.themes["board_code"]))

    def fetch_range(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        fn = "stock_board_concept_hist_em"
        names = ctx.ref.themes.loc[ctx.ref.themes["board_code"] == key, "board_name"]
        df = raw(ctx, ctx.call("eastmoney", fn, symbol=key, period="daily",
                               start_date=ymd(start), end_date=ymd(end), adjust=""),
                 fn=fn, where=f"{key} {start}..{end}", columns=["日期", "收盘", "成交额"],
                 numeric=["收盘", "成交额"],
                 expected=["日期", "开盘", "收盘", "最高", "最低", "涨跌幅", "涨跌额", "成交量",
                           "成交额", "振幅", "换手率"], allow_empty=True)
        if df.empty:
            return pd.DataFrame(columns=["trade_date", "board_code", "board_name", "close",
                                         "amount_cny"])
        return pd.DataFrame({"trade_date": to_date(df["日期"]), "board_code": key,
                             "board_name": str(names.iloc[0]) if not names.empty else key,
                             "close": df["收盘"], "amount_cny": df["成交额"]})
