"""Per-stock adapters: universe, daily snapshot bars, index constituents, main-fund flows,
Stock Connect (northbound) trading and holdings."""

from __future__ import annotations

from datetime import date, time

import pandas as pd

from fundflow.data.sources.base import (
    A_SHARE_ALL, WAN, YI, Adapter, FetchContext, Lag, code6, raw, to_date,
)
from fundflow.errors import SchemaError
from fundflow.reference import Reference

_SPOT_COLS = ["序号", "代码", "名称", "最新价", "涨跌幅", "涨跌额", "成交量", "成交额", "振幅",
              "最高", "最低", "今开", "昨收", "量比", "换手率", "市盈率-动态", "市净率", "总市值",
              "流通市值", "涨速", "5分钟涨跌", "60日涨跌幅", "年初至今涨跌幅"]


def _spot(ctx: FetchContext) -> pd.DataFrame:
    """The eastmoney A-share spot list (snapshot; ~58 pages; memoised for the run)."""
    fn = "stock_zh_a_spot_em"
    return raw(ctx, ctx.call("eastmoney", fn), fn=fn, where="spot list",
               columns=["代码", "名称", "最新价", "成交额", "总市值", "流通市值"],
               numeric=["最新价", "成交额", "总市值", "流通市值"], expected=_SPOT_COLS)


class StockDaily(Adapter):
    """Close, turnover and market caps of every A-share from the spot list, taken after the
    close and stored under that session (eastmoney has no market-cap history). Suspended
    stocks (no price) are skipped."""

    dataset = "stock_daily"
    mode = "snapshot"
    live_snapshot = True
    lag = Lag(0, time(15, 30))
    sites = ("eastmoney",)

    def fetch_snapshot(self, ctx: FetchContext, as_of: date) -> pd.DataFrame:
        df = _spot(ctx)
        out = pd.DataFrame({"trade_date": pd.Timestamp(as_of), "stock_code": code6(df["代码"]),
                            "close": df["最新价"], "amount_cny": df["成交额"],
                            "total_mv_cny": df["总市值"], "float_mv_cny": df["流通市值"]})
        out = out[out["stock_code"].str.match(A_SHARE_ALL)]
        n = len(out)
        out = out.dropna(subset=["close", "amount_cny", "total_mv_cny", "float_mv_cny"])
        if n - len(out):
            ctx.warn(f"{n - len(out)} suspended or unpriced stocks skipped")
        return out


class StockUniverse(Adapter):
    """Stock code, name and Shenwan L1 industry: ``stock_industry_clf_hist_sw`` (latest
    classification per stock; the first two digits of the industry code give the L1 industry via
    seeds/sw_l1.csv ``class_prefix``) joined with names from the spot list."""

    dataset = "stock_universe"
    mode = "snapshot"
    sites = ("swsresearch", "eastmoney")

    def fetch_snapshot(self, ctx: FetchContext, as_of: date) -> pd.DataFrame:
        fn = "stock_industry_clf_hist_sw"
        clf = raw(ctx, ctx.call("swsresearch", fn), fn=fn, where="classification",
                  columns=["symbol", "start_date", "industry_code"],
                  expected=["symbol", "start_date", "industry_code", "update_time"])
        clf = clf.assign(stock_code=code6(clf["symbol"]), start=to_date(clf["start_date"]),
                         industry=clf["industry_code"].astype(str).str.strip())
        latest = clf.sort_values(["stock_code", "start"]).groupby("stock_code").tail(1)
        prefix_map = dict(zip(ctx.ref.sw_l1["class_prefix"], ctx.ref.sw_l1["industry_code"],
                              strict=True))
        latest = latest.assign(sw_l1_code=latest["industry"].str[:2].map(prefix_map))
        unknown = latest["sw_l1_code"].isna()
        if unknown.mean() > 0.2:
            raise SchemaError(f"dataset stock_universe: {int(unknown.sum())} of {len(latest)} "
                              f"industry codes have a prefix not in sw_l1.csv class_prefix "
                              f"(e.g. {latest.loc[unknown, 'industry'].iloc[0]!r})",
                              dataset=self.dataset)
        if unknown.any():
            ctx.warn(f"{int(unknown.sum())} stocks with an unknown SW industry prefix skipped")
        spot = _spot(ctx)
        names = pd.DataFrame({"stock_code": code6(spot["代码"]),
                              "stock_name": spot["名称"].astype(str).str.strip()})
        out = latest.dropna(subset=["sw_l1_code"]).merge(names, on="stock_code", how="inner")
        out = out[out["stock_code"].str.match(A_SHARE_ALL)]
        return pd.DataFrame({"stock_code": out["stock_code"], "stock_name": out["stock_name"],
                             "sw_l1_code": out["sw_l1_code"],
                             "snapshot_date": pd.Timestamp(as_of)})


# indices whose membership sections aggregate by (futures underlyings, boards, micro-cap)
CONSTITUENT_INDICES = ("000016", "000300", "000905", "000852", "932000", "000688", "399006")
_CSI_CONS_COLS = ["日期", "指数代码", "指数名称", "指数英文名称", "成分券代码", "成分券名称",
                  "成分券英文名称", "交易所", "交易所英文名称"]


class IndexConstituents(Adapter):
    """Latest constituents (csindex files; SZSE indices from sina), stored under the date taken
    so that membership history accumulates week by week."""

    dataset = "index_constituents"
    mode = "snapshot"
    sites = ("csindex", "sina")

    def fetch_snapshot(self, ctx: FetchContext, as_of: date) -> pd.DataFrame:
        known = set(ctx.ref.indices["index_code"])
        frames = []
        for code in CONSTITUENT_INDICES:
            if code not in known:
                continue
            if code.startswith("399"):
                fn = "index_stock_cons"
                df = raw(ctx, ctx.call("sina", fn, symbol=code), fn=fn, where=code,
                         columns=["品种代码"], expected=["品种代码", "品种名称", "纳入日期"])
                codes = code6(df["品种代码"])
            else:
                fn = "index_stock_cons_csindex"
                df = raw(ctx, ctx.call("csindex", fn, symbol=code), fn=fn, where=code,
                         columns=["成分券代码"], expected=_CSI_CONS_COLS)
                codes = code6(df["成分券代码"])
            frames.append(pd.DataFrame({"index_code": code, "stock_code": codes.unique(),
                                        "snapshot_date": pd.Timestamp(as_of)}))
        if not frames:
            return pd.DataFrame(columns=["index_code", "stock_code", "snapshot_date"])
        return pd.concat(frames, ignore_index=True)


_RANK_COLS = ["序号", "代码", "名称", "最新价", "今日涨跌幅", "今日主力净流入-净额",
              "今日主力净流入-净占比", "今日超大单净流入-净额", "今日超大单净流入-净占比",
              "今日大单净流入-净额", "今日大单净流入-净占比", "今日中单净流入-净额",
              "今日中单净流入-净占比", "今日小单净流入-净额", "今日小单净流入-净占比"]


class MainFlowStockDaily(Adapter):
    """Eastmoney main-fund (超大单 + 大单) net inflow per stock for the day, from the
    ``今日`` ranking taken after the close (values in 元; "-" for suspended stocks)."""

    dataset = "main_flow_stock_daily"
    mode = "snapshot"
    live_snapshot = True
    lag = Lag(0, time(15, 30))
    sites = ("eastmoney",)

    def fetch_snapshot(self, ctx: FetchContext, as_of: date) -> pd.DataFrame:
        fn = "stock_individual_fund_flow_rank"
        df = raw(ctx, ctx.call("eastmoney", fn, indicator="今日"), fn=fn, where="今日",
                 columns=["代码", "今日主力净流入-净额"], numeric=["今日主力净流入-净额"],
                 expected=_RANK_COLS)
        out = pd.DataFrame({"trade_date": pd.Timestamp(as_of), "stock_code": code6(df["代码"]),
                            "main_net_inflow_cny": df["今日主力净流入-净额"]})
        out = out[out["stock_code"].str.match(A_SHARE_ALL)]
        return out.dropna(subset=["main_net_inflow_cny"])


_HSGT_CHANNELS = {"sh": "沪股通", "sz": "深股通"}


class NorthboundDaily(Adapter):
    """Northbound (沪股通, 深股通) turnover = 买入 + 卖出 成交额 and net buying, 亿元. Net buying
    is no longer published since 2024-08 (null); days without turnover are skipped."""

    dataset = "northbound_daily"
    mode = "range"
    lag = Lag(0, time(17, 0))
    sites = ("eastmoney",)
    strict_sessions = False   # Stock Connect closes on Hong Kong holidays

    def key_column(self) -> str:
        return "channel"

    def keys(self, ref: Reference) -> list[str]:
        return list(_HSGT_CHANNELS)

    def calendar(self, key: str, ref: Reference) -> str:
        return "XSHG&XHKG"

    def fetch_range(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        fn = "stock_hsgt_hist_em"
        symbol = _HSGT_CHANNELS[key]
        index_name = "上证指数" if key == "sh" else "深证指数"
        df = raw(ctx, ctx.call("eastmoney", fn, symbol=symbol), fn=fn, where=symbol,
                 columns=["日期", "当日成交净买额", "买入成交额", "卖出成交额"],
                 numeric=["买入成交额", "卖出成交额"],
                 expected=["日期", "当日成交净买额", "买入成交额", "卖出成交额", "历史累计净买额",
                           "当日资金流入", "当日余额", "持股市值", "领涨股", "领涨股-涨跌幅",
                           index_name, f"{index_name}-涨跌幅", "领涨股-代码"])
        net = pd.to_numeric(df["当日成交净买额"], errors="coerce")
        out = pd.DataFrame({"trade_date": to_date(df["日期"]), "channel": key,
                            "amount_cny": (df["买入成交额"] + df["卖出成交额"]) * YI,
                            "net_buy_cny": net * YI})
        window = out[(out["trade_date"].dt.date >= start) & (out["trade_date"].dt.date <= end)]
        blank = window.loc[window["amount_cny"].isna(), "trade_date"].dt.date
        if len(blank):
            shown = ", ".join(str(d) for d in sorted(blank)[:5])
            ctx.warn(f"{key}: 买入/卖出成交额 not published (null) on {len(blank)} day(s): "
                     f"{shown}{' ...' if len(blank) > 5 else ''}; those days are skipped")
        return out.dropna(subset=["amount_cny"])


_HOLD_COLS = ["序号", "代码", "名称", "今日收盘价", "今日涨跌幅", "今日持股-股数", "今日持股-市值",
              "今日持股-占流通股比", "今日持股-占总股本比", "今日增持估计-股数", "今日增持估计-市值",
              "今日增持估计-市值增幅", "今日增持估计-占流通股比", "今日增持估计-占总股本比",
              "所属板块", "日期"]


class NorthboundHoldings(Adapter):
    """Northbound holdings per stock at the latest disclosure (quarterly since 2024-08),
    shares in 万股 and value in 万元; stored under the disclosure date."""

    dataset = "northbound_holdings"
    mode = "snapshot"
    snapshot_dated_by_source = True
    sites = ("eastmoney",)

    def fetch_snapshot(self, ctx: FetchContext, as_of: date) -> pd.DataFrame:
        fn = "stock_hsgt_hold_stock_em"
        df = raw(ctx, ctx.call("eastmoney", fn, market="北向", indicator="今日排行"), fn=fn,
                 where="北向 今日排行", columns=["代码", "今日持股-股数", "今日持股-市值", "日期"],
                 numeric=["今日持股-股数", "今日持股-市值"], expected=_HOLD_COLS)
        out = pd.DataFrame({"disclosure_date": to_date(df["日期"]),
                            "stock_code": code6(df["代码"]),
                            "shares": df["今日持股-股数"] * WAN,
                            "market_value_cny": df["今日持股-市值"] * WAN})
        return out.dropna(subset=["disclosure_date", "shares", "market_value_cny"])
