"""Margin trading adapters: market totals (eastmoney, 亿元) and per-stock detail (SSE + SZSE
exchange files, 元). Exchange data for day T is published on T+1."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

import pandas as pd

from fundflow.data.sources.base import (
    A_SHARE_SSE_SZSE, YI, Adapter, FetchContext, Lag, code6, raw, to_date, ymd,
)
from fundflow.errors import SchemaError

_ACCOUNT_COLS = ["日期", "融资余额", "融券余额", "融资买入额", "融券卖出额", "证券公司数量",
                 "营业部数量", "个人投资者数量", "机构投资者数量", "参与交易的投资者数量",
                 "有融资融券负债的投资者数量", "担保物总价值", "平均维持担保比例"]


class MarginMarketDaily(Adapter):
    """Market-wide margin totals. Routes: eastmoney ``stock_margin_account_info`` (whole history
    in one call, 亿元; the only source with a market-wide 融券卖出额), then the exchanges:
    ``stock_margin_sse`` (range, 元) + ``stock_margin_szse`` (one day per call, 亿元), which
    lack the BSE and 融券卖出额 (left empty)."""

    dataset = "margin_market_daily"
    mode = "range"
    lag = Lag(1, time(10, 0))
    sites = ("eastmoney", "sse", "szse")

    def fetch_range(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        return self.via_routes(ctx, f"market totals {start}..{end}", {
            "eastmoney": lambda: self._em(ctx),
            "exchanges": lambda: self._exchanges(ctx, start, end),
        })

    def _em(self, ctx: FetchContext) -> pd.DataFrame:
        fn = "stock_margin_account_info"
        df = raw(ctx, ctx.call("eastmoney", fn), fn=fn, where="market totals",
                 columns=["日期", "融资余额", "融券余额", "融资买入额", "融券卖出额"],
                 numeric=["融资余额", "融券余额", "融资买入额", "融券卖出额"],
                 expected=_ACCOUNT_COLS)
        out = pd.DataFrame({"trade_date": to_date(df["日期"]),
                            "fin_balance_cny": df["融资余额"] * YI,
                            "sec_balance_cny": df["融券余额"] * YI,
                            "fin_buy_cny": df["融资买入额"] * YI,
                            "sec_sell_cny": df["融券卖出额"] * YI})
        # the newest row can be a partially filled placeholder before publication
        return out.dropna(subset=["fin_balance_cny", "sec_balance_cny", "fin_buy_cny"])

    def _exchanges(self, ctx: FetchContext, start: date, end: date) -> pd.DataFrame:
        fn = "stock_margin_sse"
        sh = raw(ctx, ctx.call("sse", fn, start_date=ymd(start), end_date=ymd(end)), fn=fn,
                 where=f"{start}..{end}",
                 columns=["信用交易日期", "融资余额", "融资买入额", "融券余量金额"],
                 numeric=["融资余额", "融资买入额", "融券余量金额"], expected=_SSE_SUM_COLS,
                 allow_empty=True)
        if sh.empty:
            return pd.DataFrame(columns=_MARGIN_OUT)
        sh = sh.assign(trade_date=to_date(sh["信用交易日期"]))
        if sh["trade_date"].isna().any():
            bad = sh.loc[sh["trade_date"].isna(), "信用交易日期"].iloc[0]
            raise SchemaError(f"dataset margin_market_daily ({start}..{end}): akshare.{fn} "
                              f"信用交易日期 {bad!r} is not a date", dataset=self.dataset)
        rows = []
        fn2 = "stock_margin_szse"
        for d in sorted(set(sh["trade_date"].dt.date)):
            if not start <= d <= end:
                continue
            sz = raw(ctx, ctx.call("szse", fn2, date=ymd(d)), fn=fn2, where=str(d),
                     columns=["融资买入额", "融资余额", "融券余额"],
                     numeric=["融资买入额", "融资余额", "融券余额"], expected=_SZSE_SUM_COLS)
            if len(sz) != 1:
                raise SchemaError(f"dataset margin_market_daily ({d}): akshare.{fn2} returned "
                                  f"{len(sz)} rows, expected the one summary row",
                                  dataset=self.dataset)
            day = sh[sh["trade_date"].dt.date == d].iloc[0]
            rows.append({"trade_date": pd.Timestamp(d),
                         "fin_balance_cny": day["融资余额"] + sz["融资余额"].iloc[0] * YI,
                         "sec_balance_cny": day["融券余量金额"] + sz["融券余额"].iloc[0] * YI,
                         "fin_buy_cny": day["融资买入额"] + sz["融资买入额"].iloc[0] * YI,
                         "sec_sell_cny": float("nan")})
        return pd.DataFrame(rows, columns=_MARGIN_OUT)


_MARGIN_OUT = ["trade_date", "fin_balance_cny", "sec_balance_cny", "fin_buy_cny", "sec_sell_cny"]
_SSE_SUM_COLS = ["信用交易日期", "融资余额", "融资买入额", "融券余量", "融券余量金额", "融券卖出量",
                 "融资融券余额"]
_SZSE_SUM_COLS = ["融资买入额", "融资余额", "融券卖出量", "融券余量", "融券余额", "融资融券余额"]
_SSE_DETAIL_COLS = ["信用交易日期", "标的证券代码", "标的证券简称", "融资余额", "融资买入额",
                    "融资偿还额", "融券余量", "融券卖出量", "融券偿还量"]
_SZSE_DETAIL_COLS = ["证券代码", "证券简称", "融资买入额", "融资余额", "融券卖出量", "融券余量",
                     "融券余额", "融资融券余额"]


class MarginStockDaily(Adapter):
    """Per-stock 融资余额 / 融资买入额 (元) for one day: SSE detail + SZSE detail; both must
    succeed for the day to be stored. Funds and ETFs in the files are dropped (§5.6)."""

    dataset = "margin_stock_daily"
    mode = "daily"
    lag = Lag(1, time(9, 30))
    sites = ("sse", "szse")

    def key_column(self) -> str:
        return "stock_code"

    def fetch_days(self, ctx: FetchContext, days: Sequence[date]) -> pd.DataFrame:
        frames = [self._day(ctx, d) for d in days]
        return pd.concat(frames, ignore_index=True)

    def _day(self, ctx: FetchContext, d: date) -> pd.DataFrame:
        fn = "stock_margin_detail_sse"
        sh = raw(ctx, ctx.call("sse", fn, date=ymd(d)), fn=fn, where=f"{d}",
                 columns=["信用交易日期", "标的证券代码", "融资余额", "融资买入额"],
                 numeric=["融资余额", "融资买入额"], expected=_SSE_DETAIL_COLS)
        dates = set(to_date(sh["信用交易日期"]).dt.date.dropna())
        if dates != {d}:
            raise SchemaError(f"dataset margin_stock_daily ({d}): akshare.{fn} returned dates "
                              f"{', '.join(sorted(str(x) for x in dates))} instead of {d}",
                              dataset=self.dataset)
        fn2 = "stock_margin_detail_szse"
        sz = raw(ctx, ctx.call("szse", fn2, date=ymd(d)), fn=fn2, where=f"{d}",
                 columns=["证券代码", "融资买入额", "融资余额"], numeric=["融资买入额", "融资余额"],
                 expected=_SZSE_DETAIL_COLS)
        out = pd.concat([
            pd.DataFrame({"stock_code": code6(sh["标的证券代码"]),
                          "fin_balance_cny": sh["融资余额"], "fin_buy_cny": sh["融资买入额"]}),
            pd.DataFrame({"stock_code": code6(sz["证券代码"]),
                          "fin_balance_cny": sz["融资余额"], "fin_buy_cny": sz["融资买入额"]}),
        ], ignore_index=True)
        out = out[out["stock_code"].str.match(A_SHARE_SSE_SZSE)]
        out = out.dropna(subset=["fin_balance_cny", "fin_buy_cny"])
        if out.empty:
            raise SchemaError(f"dataset margin_stock_daily ({d}): no A-share rows in the "
                              f"exchange files", dataset=self.dataset)
        out.insert(0, "trade_date", pd.Timestamp(d))
        return out.reset_index(drop=True)
