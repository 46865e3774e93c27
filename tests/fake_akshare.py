"""A stand-in for the akshare module, built from the synthetic sample (seeds/sample).

Every function has akshare 1.19.5's name and arguments and returns a frame shaped exactly like
akshare's: Chinese column names in akshare's order, akshare's units (亿元, 万元, 手, 万手, ...)
and dtypes (``datetime.date`` or ``str`` dates, string codes, numbers that akshare leaves as
JSON values). The shapes were read from the installed akshare source. No network is touched.
"""

from __future__ import annotations

import functools

import datetime as dt
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from fundflow.data.sample import read_sample
from fundflow.reference import load_reference

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "seeds" / "sample"
SEEDS = ROOT / "seeds"


def _d(s: str) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.strptime(s, "%Y%m%d"))


@functools.lru_cache(maxsize=64)
def _sample_frame(sample_dir: Path, name: str) -> pd.DataFrame:
    """A sample file as the fakes serve it, read once per test process (callers copy it)."""
    f = read_sample(sample_dir, name)
    for c in f.columns:
        if c in ("trade_date", "snapshot_date", "disclosure_date", "list_date",
                 "last_trade_date", "release_date"):
            f[c] = pd.to_datetime(f[c])
    return f


class FakeAkshare:
    """Functions named like akshare's; ``calls`` counts calls per function."""

    def __init__(self, sample_dir: Path = SAMPLE, seeds_dir: Path = SEEDS) -> None:
        self.calls: Counter[str] = Counter()
        self._frames: dict[str, pd.DataFrame] = {}
        self._sample_dir = sample_dir
        self.ref = load_reference(seeds_dir)

    def _s(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = _sample_frame(self._sample_dir, name)
        return self._frames[name].copy()

    def _count(self, name: str) -> None:
        self.calls[name] += 1

    # -- calendar -------------------------------------------------------------------------------
    def tool_trade_date_hist_sina(self) -> pd.DataFrame:
        self._count("tool_trade_date_hist_sina")
        import exchange_calendars as xcals

        days = [ts.date() for ts in xcals.get_calendar("XSHG").sessions
                if ts.date() <= dt.date(2025, 12, 31)]
        return pd.DataFrame({"trade_date": days})

    # -- indices --------------------------------------------------------------------------------
    def index_zh_a_hist(self, symbol: str = "000859", period: str = "daily",
                        start_date: str = "19700101", end_date: str = "22220101") -> pd.DataFrame:
        self._count("index_zh_a_hist")
        if symbol == "932000":
            # eastmoney does not know this CSI index: akshare fails while parsing
            raise TypeError("'NoneType' object is not subscriptable")
        f = self._s("index_daily")
        f = f[(f["index_code"] == symbol) & (f["trade_date"] >= _d(start_date))
              & (f["trade_date"] <= _d(end_date))].reset_index(drop=True)
        prev = f["close"].shift(1)
        return pd.DataFrame({
            "日期": f["trade_date"].dt.strftime("%Y-%m-%d"),
            "开盘": f["open"], "收盘": f["close"], "最高": f["high"], "最低": f["low"],
            "成交量": (f["volume"] / 100).round(0).astype("int64"),
            "成交额": f["amount_cny"],
            "振幅": ((f["high"] - f["low"]) / prev * 100).round(2),
            "涨跌幅": ((f["close"] / prev - 1) * 100).round(2),
            "涨跌额": (f["close"] - prev).round(2),
            "换手率": 0.5,
        })

    def stock_zh_index_hist_csindex(self, symbol: str = "000928", start_date: str = "20180526",
                                    end_date: str = "20240604") -> pd.DataFrame:
        self._count("stock_zh_index_hist_csindex")
        f = self._s("index_daily")
        f = f[(f["index_code"] == symbol) & (f["trade_date"] >= _d(start_date))
              & (f["trade_date"] <= _d(end_date))].reset_index(drop=True)
        prev = f["close"].shift(1)
        return pd.DataFrame({
            "日期": f["trade_date"].dt.date, "指数代码": symbol,
            "指数中文全称": "中证2000指数", "指数中文简称": "中证2000",
            "指数英文全称": "CSI 2000 Index", "指数英文简称": "CSI 2000",
            "开盘": f["open"], "最高": f["high"], "最低": f["low"], "收盘": f["close"],
            "涨跌": (f["close"] - prev).round(2), "涨跌幅": ((f["close"] / prev - 1) * 100).round(2),
            "成交量": f["volume"] / 1e6, "成交金额": f["amount_cny"] / 1e8,
            "样本数量": 2000, "滚动市盈率": 35.2,
        })

    def stock_zh_index_daily(self, symbol: str = "sh000922") -> pd.DataFrame:
        """sina: the whole history, lower-case English columns, 成交量 in shares, no turnover;
        ``date`` as ``datetime.date`` (akshare converts it)."""
        self._count("stock_zh_index_daily")
        f = self._s("index_daily")
        f = f[f["index_code"] == symbol[2:]].reset_index(drop=True)
        return pd.DataFrame({"date": f["trade_date"].dt.date, "open": f["open"],
                             "high": f["high"], "low": f["low"], "close": f["close"],
                             "volume": f["volume"]})

    def index_hist_sw(self, symbol: str = "801030", period: str = "day") -> pd.DataFrame:
        self._count("index_hist_sw")
        f = self._s("sw_industry_daily")
        f = f[f["industry_code"] == symbol].reset_index(drop=True)
        return pd.DataFrame({
            "代码": symbol, "日期": f["trade_date"].dt.date, "收盘": f["close"],
            "开盘": f["close"], "最高": f["close"], "最低": f["close"],
            "成交量": 12.5, "成交额": f["amount_cny"] / 1e8,
        })

    # -- global assets --------------------------------------------------------------------------
    def _asset(self, fn: str, symbol: str) -> pd.DataFrame:
        ga = self.ref.global_assets
        hit = ga[(ga["akshare_function"] == fn) & (ga["akshare_symbol"] == symbol)]
        if hit.empty:
            raise KeyError(symbol)
        f = self._s("global_asset_daily")
        return f[f["asset_code"] == hit.iloc[0]["asset_code"]].reset_index(drop=True)

    def index_global_hist_em(self, symbol: str = "美元指数") -> pd.DataFrame:
        self._count("index_global_hist_em")
        f = self._asset("index_global_hist_em", symbol)
        return pd.DataFrame({"日期": f["trade_date"].dt.date, "代码": "X", "名称": symbol,
                             "今开": f["close"], "最新价": f["close"], "最高": f["close"],
                             "最低": f["close"], "振幅": 1.0})

    def forex_hist_em(self, symbol: str = "USDCNH") -> pd.DataFrame:
        self._count("forex_hist_em")
        f = self._asset("forex_hist_em", symbol)
        return pd.DataFrame({"日期": f["trade_date"].dt.date, "代码": symbol, "名称": symbol,
                             "今开": f["close"], "最新价": f["close"], "最高": f["close"],
                             "最低": f["close"], "振幅": 0.1})

    def index_us_stock_sina(self, symbol: str = ".INX") -> pd.DataFrame:
        self._count("index_us_stock_sina")
        f = self._asset("index_us_stock_sina", symbol)
        return pd.DataFrame({"date": f["trade_date"].dt.date, "open": f["close"],
                             "high": f["close"], "low": f["close"], "close": f["close"],
                             "volume": 1e9, "amount": 1e11})

    def stock_hk_index_daily_em(self, symbol: str = "HSTECH") -> pd.DataFrame:
        self._count("stock_hk_index_daily_em")
        f = self._asset("stock_hk_index_daily_em", symbol)
        return pd.DataFrame({"date": f["trade_date"].dt.strftime("%Y-%m-%d"),
                             "open": f["close"], "high": f["close"], "low": f["close"],
                             "latest": f["close"]})

    def futures_foreign_hist(self, symbol: str = "ZSD") -> pd.DataFrame:
        self._count("futures_foreign_hist")
        f = self._asset("futures_foreign_hist", symbol)
        # pandas.read_json turns the "date" key into datetime64
        return pd.DataFrame({"date": f["trade_date"], "open": f["close"], "high": f["close"],
                             "low": f["close"], "close": f["close"], "volume": 1000})

    def bond_zh_us_rate(self, start_date: str = "19901219") -> pd.DataFrame:
        self._count("bond_zh_us_rate")
        f = self._s("global_asset_daily")
        f = f[f["asset_code"].isin(["CN10Y", "US10Y"])]
        wide = f.pivot(index="trade_date", columns="asset_code", values="close").sort_index()
        wide = wide[wide.index >= _d(start_date)]
        out = pd.DataFrame({"日期": wide.index.date})
        cols = ["中国国债收益率2年", "中国国债收益率5年", "中国国债收益率10年", "中国国债收益率30年",
                "中国国债收益率10年-2年", "中国GDP年增率", "美国国债收益率2年", "美国国债收益率5年",
                "美国国债收益率10年", "美国国债收益率30年", "美国国债收益率10年-2年", "美国GDP年增率"]
        for c in cols:
            out[c] = np.nan
        out["中国国债收益率10年"] = wide["CN10Y"].to_numpy()
        out["美国国债收益率10年"] = wide["US10Y"].to_numpy()
        return out

    # -- boards ---------------------------------------------------------------------------------
    def stock_board_concept_hist_em(self, symbol: str = "绿色电力", period: str = "daily",
                                    start_date: str = "20220101", end_date: str = "20221128",
                                    adjust: str = "") -> pd.DataFrame:
        self._count("stock_board_concept_hist_em")
        f = self._s("concept_board_daily")
        f = f[(f["board_code"] == symbol) & (f["trade_date"] >= _d(start_date))
              & (f["trade_date"] <= _d(end_date))].reset_index(drop=True)
        return pd.DataFrame({
            "日期": f["trade_date"].dt.strftime("%Y-%m-%d"), "开盘": f["close"],
            "收盘": f["close"], "最高": f["close"], "最低": f["close"], "涨跌幅": 0.5,
            "涨跌额": 1.0, "成交量": 1e7, "成交额": f["amount_cny"], "振幅": 1.2, "换手率": 2.1})

    # -- margin ---------------------------------------------------------------------------------
    def stock_margin_account_info(self) -> pd.DataFrame:
        self._count("stock_margin_account_info")
        f = self._s("margin_market_daily")
        return pd.DataFrame({
            "日期": f["trade_date"].dt.date, "融资余额": f["fin_balance_cny"] / 1e8,
            "融券余额": f["sec_balance_cny"] / 1e8, "融资买入额": f["fin_buy_cny"] / 1e8,
            "融券卖出额": f["sec_sell_cny"] / 1e8, "证券公司数量": 110.0, "营业部数量": 11000.0,
            "个人投资者数量": 1.2, "机构投资者数量": 2.0, "参与交易的投资者数量": 500000.0,
            "有融资融券负债的投资者数量": 4000000.0, "担保物总价值": 50000.0,
            "平均维持担保比例": 280.0})

    # the exchanges' summaries split the sample's market totals 55% SSE (元) / 45% SZSE (亿元)
    def stock_margin_sse(self, start_date: str = "20010106",
                         end_date: str = "20230922") -> pd.DataFrame:
        self._count("stock_margin_sse")
        f = self._s("margin_market_daily")
        f = f[(f["trade_date"] >= _d(start_date)) & (f["trade_date"] <= _d(end_date))]
        f = f.sort_values("trade_date", ascending=False).reset_index(drop=True)
        return pd.DataFrame({
            "信用交易日期": f["trade_date"].dt.strftime("%Y%m%d"),
            "融资余额": (f["fin_balance_cny"] * 0.55).round(0),
            "融资买入额": (f["fin_buy_cny"] * 0.55).round(0),
            "融券余量": 1.2e9, "融券余量金额": (f["sec_balance_cny"] * 0.55).round(0),
            "融券卖出量": 3.0e7,
            "融资融券余额": ((f["fin_balance_cny"] + f["sec_balance_cny"]) * 0.55).round(0)})

    def stock_margin_szse(self, date: str = "20240411") -> pd.DataFrame:
        self._count("stock_margin_szse")
        f = self._s("margin_market_daily")
        f = f[f["trade_date"] == _d(date)].reset_index(drop=True)
        return pd.DataFrame({
            "融资买入额": f["fin_buy_cny"] * 0.45 / 1e8, "融资余额": f["fin_balance_cny"] * 0.45 / 1e8,
            "融券卖出量": 0.3, "融券余量": 1.1, "融券余额": f["sec_balance_cny"] * 0.45 / 1e8,
            "融资融券余额": (f["fin_balance_cny"] + f["sec_balance_cny"]) * 0.45 / 1e8})

    def _margin_day(self, date: str) -> pd.DataFrame:
        f = self._s("margin_stock_daily")
        return f[f["trade_date"] == _d(date)].reset_index(drop=True)

    def stock_margin_detail_sse(self, date: str = "20230922") -> pd.DataFrame:
        self._count("stock_margin_detail_sse")
        f = self._margin_day(date)
        f = f[f["stock_code"].str.startswith("6")]
        out = pd.DataFrame({
            "信用交易日期": date, "标的证券代码": f["stock_code"], "标的证券简称": "示例",
            "融资余额": f["fin_balance_cny"].astype("int64"),
            "融资买入额": f["fin_buy_cny"].astype("int64"), "融资偿还额": 1000,
            "融券余量": 100, "融券卖出量": 0, "融券偿还量": 0})
        if out.empty:
            return out
        etf = pd.DataFrame([{**out.iloc[0].to_dict(), "标的证券代码": "510300",
                             "标的证券简称": "300ETF"}])
        return pd.concat([out, etf], ignore_index=True)

    def stock_margin_detail_szse(self, date: str = "20230925") -> pd.DataFrame:
        self._count("stock_margin_detail_szse")
        f = self._margin_day(date)
        f = f[~f["stock_code"].str.startswith("6")]
        return pd.DataFrame({
            "证券代码": f["stock_code"], "证券简称": "示例",
            "融资买入额": f["fin_buy_cny"].astype("int64"),
            "融资余额": f["fin_balance_cny"].astype("int64"),
            "融券卖出量": 0, "融券余量": 100, "融券余额": 1000, "融资融券余额": f["fin_balance_cny"]})

    # -- stocks ---------------------------------------------------------------------------------
    def stock_zh_a_spot_em(self) -> pd.DataFrame:
        self._count("stock_zh_a_spot_em")
        uni = self._s("stock_universe")
        day = self._s("stock_daily")
        day = day[day["trade_date"] == day["trade_date"].max()]
        f = uni.merge(day, on="stock_code", how="left")
        n = len(f)
        return pd.DataFrame({
            "序号": range(1, n + 1), "代码": f["stock_code"], "名称": f["stock_name"],
            "最新价": f["close"], "涨跌幅": 0.5, "涨跌额": 0.1, "成交量": 1e5,
            "成交额": f["amount_cny"], "振幅": 1.0, "最高": f["close"], "最低": f["close"],
            "今开": f["close"], "昨收": f["close"], "量比": 1.0, "换手率": 1.0,
            "市盈率-动态": 20.0, "市净率": 2.0, "总市值": f["total_mv_cny"],
            "流通市值": f["float_mv_cny"], "涨速": 0.0, "5分钟涨跌": 0.0, "60日涨跌幅": 3.0,
            "年初至今涨跌幅": 10.0})

    def stock_industry_clf_hist_sw(self) -> pd.DataFrame:
        self._count("stock_industry_clf_hist_sw")
        uni = self._s("stock_universe")
        prefix = dict(zip(self.ref.sw_l1["industry_code"], self.ref.sw_l1["class_prefix"]))
        cur = pd.DataFrame({"symbol": uni["stock_code"],
                            "start_date": dt.date(2021, 7, 30),
                            "industry_code": uni["sw_l1_code"].map(prefix) + "0101",
                            "update_time": dt.date(2025, 6, 30)})
        # an older classification of the first stock that the latest one replaces
        old = cur.iloc[:1].assign(start_date=dt.date(2014, 1, 1), industry_code="110101")
        return pd.concat([old, cur], ignore_index=True)

    def index_stock_cons_csindex(self, symbol: str = "000300") -> pd.DataFrame:
        self._count("index_stock_cons_csindex")
        f = self._s("index_constituents")
        f = f[f["index_code"] == symbol].reset_index(drop=True)
        return pd.DataFrame({
            "日期": dt.date(2025, 11, 7), "指数代码": symbol, "指数名称": "指数",
            "指数英文名称": "Index", "成分券代码": f["stock_code"], "成分券名称": "示例",
            "成分券英文名称": "Example", "交易所": "上海证券交易所",
            "交易所英文名称": "Shanghai Stock Exchange"})

    def index_stock_cons(self, symbol: str = "399639") -> pd.DataFrame:
        self._count("index_stock_cons")
        f = self._s("index_constituents")
        f = f[f["index_code"] == symbol].reset_index(drop=True)
        return pd.DataFrame({"品种代码": f["stock_code"], "品种名称": "示例",
                             "纳入日期": "2010-06-01"})

    def stock_individual_fund_flow_rank(self, indicator: str = "5日") -> pd.DataFrame:
        self._count("stock_individual_fund_flow_rank")
        uni = self._s("stock_universe")
        mf = self._s("main_flow_stock_daily")
        mf = mf[mf["trade_date"] == mf["trade_date"].max()]
        f = uni.merge(mf, on="stock_code", how="left")
        # JSON values: numbers, "-" for suspended stocks
        net = [v if pd.notna(v) else "-" for v in f["main_net_inflow_cny"]]
        n = len(f)
        return pd.DataFrame({
            "序号": range(1, n + 1), "代码": f["stock_code"], "名称": f["stock_name"],
            "最新价": 10.0, "今日涨跌幅": 1.0, "今日主力净流入-净额": net,
            "今日主力净流入-净占比": 1.0, "今日超大单净流入-净额": 1.0, "今日超大单净流入-净占比": 1.0,
            "今日大单净流入-净额": 1.0, "今日大单净流入-净占比": 1.0, "今日中单净流入-净额": 1.0,
            "今日中单净流入-净占比": 1.0, "今日小单净流入-净额": 1.0, "今日小单净流入-净占比": 1.0})

    def stock_hsgt_hist_em(self, symbol: str = "北向资金") -> pd.DataFrame:
        self._count("stock_hsgt_hist_em")
        channel = {"沪股通": "sh", "深股通": "sz"}[symbol]
        index_name = "上证指数" if channel == "sh" else "深证指数"
        f = self._s("northbound_daily")
        f = f[f["channel"] == channel].reset_index(drop=True)
        half = f["amount_cny"] / 2 / 1e8
        return pd.DataFrame({
            "日期": f["trade_date"].dt.date, "当日成交净买额": f["net_buy_cny"] / 1e8,
            "买入成交额": half, "卖出成交额": half, "历史累计净买额": 1.8,
            "当日资金流入": np.nan, "当日余额": np.nan, "持股市值": 2.5e12, "领涨股": "示例",
            "领涨股-涨跌幅": 10.0, index_name: 3900.0, f"{index_name}-涨跌幅": 0.5,
            "领涨股-代码": "600000.SH"})

    def stock_hsgt_hold_stock_em(self, market: str = "沪股通",
                                 indicator: str = "5日排行") -> pd.DataFrame:
        self._count("stock_hsgt_hold_stock_em")
        f = self._s("northbound_holdings")
        f = f[f["disclosure_date"] == f["disclosure_date"].max()].reset_index(drop=True)
        n = len(f)
        p = indicator.split("排")[0]
        return pd.DataFrame({
            "序号": range(1, n + 1), "代码": f["stock_code"], "名称": "示例", "今日收盘价": 10.0,
            "今日涨跌幅": 0.5, "今日持股-股数": f["shares"] / 1e4,
            "今日持股-市值": f["market_value_cny"] / 1e4, "今日持股-占流通股比": 3.0,
            "今日持股-占总股本比": 2.0, f"{p}增持估计-股数": 1.0, f"{p}增持估计-市值": 1.0,
            f"{p}增持估计-市值增幅": 0.1, f"{p}增持估计-占流通股比": 0.1,
            f"{p}增持估计-占总股本比": 0.1, "所属板块": "示例行业",
            "日期": f["disclosure_date"].dt.date})

    # -- funds and futures ----------------------------------------------------------------------
    def _etf(self, exchange: str) -> pd.DataFrame:
        f = self._s("etf_daily")
        codes = set(self.ref.etfs.loc[self.ref.etfs["exchange"] == exchange, "etf_code"])
        return f[f["etf_code"].isin(codes)].reset_index(drop=True)

    def fund_etf_scale_sse(self, date: str = "20250115") -> pd.DataFrame:
        self._count("fund_etf_scale_sse")
        f = self._etf("SSE")
        f = f[f["trade_date"] == _d(date)].reset_index(drop=True)
        return pd.DataFrame({"序号": range(1, len(f) + 1), "基金代码": f["etf_code"],
                             "基金简称": "示例ETF", "ETF类型": "单市场ETF",
                             "统计日期": f["trade_date"].dt.date, "基金份额": f["shares"]})

    def fund_scale_daily_szse(self, start_date: str = "", end_date: str = "",
                              symbol: str = "ETF") -> pd.DataFrame:
        self._count("fund_scale_daily_szse")
        f = self._etf("SZSE")
        f = f[(f["trade_date"] >= _d(start_date)) & (f["trade_date"] <= _d(end_date))]
        return pd.DataFrame({"日期": f["trade_date"].dt.date, "基金代码": f["etf_code"],
                             "基金简称": "示例ETF", "基金份额": f["shares"]})

    def fund_etf_hist_em(self, symbol: str = "159707", period: str = "daily",
                         start_date: str = "19700101", end_date: str = "20500101",
                         adjust: str = "") -> pd.DataFrame:
        self._count("fund_etf_hist_em")
        f = self._s("etf_daily")
        f = f[(f["etf_code"] == symbol) & (f["trade_date"] >= _d(start_date))
              & (f["trade_date"] <= _d(end_date))].reset_index(drop=True)
        if f.empty:
            return pd.DataFrame()
        return pd.DataFrame({
            "日期": f["trade_date"].dt.strftime("%Y-%m-%d"), "开盘": f["close"],
            "收盘": f["close"], "最高": f["close"], "最低": f["close"], "成交量": 1e6,
            "成交额": 1e8, "振幅": 1.0, "涨跌幅": 0.1, "涨跌额": 0.001, "换手率": 1.0})

    def fund_open_fund_info_em(self, symbol: str = "710001",
                               indicator: str = "单位净值走势",
                               period: str = "成立来") -> pd.DataFrame:
        self._count("fund_open_fund_info_em")
        f = self._s("fund_nav_daily")
        f = f[f["fund_code"] == symbol].reset_index(drop=True)
        if f.empty:
            return pd.DataFrame()
        return pd.DataFrame({"净值日期": f["trade_date"].dt.date, "单位净值": f["nav"],
                             "日增长率": f["daily_return_pct"]})

    # enhanced-index fund list: (code, name) rows; tests replace it to launch or close funds.
    # Default: the sample's latest universe snapshot, A and C class of each fund, plus funds
    # on other indices (and index variants) that the adapter must leave out.
    OTHER_ENHANCED = [("903001", "示例沪深300指数增强A"), ("903051", "示例沪深300指数增强C"),
                      ("903002", "示例中证500价值指数增强A"), ("903003", "示例中证A500指数增强A"),
                      ("903004", "示例中证1000质量成长指数增强"), ("903005", "示例创业板指数增强A")]
    fund_list: list[tuple[str, str]] | None = None

    def _default_fund_list(self) -> list[tuple[str, str]]:
        u = self._s("enhanced_fund_universe")
        u = u[u["snapshot_date"] == u["snapshot_date"].max()]
        rows = []
        for code, name, other in zip(u["fund_code"], u["fund_name"], u["other_share_codes"]):
            rows.append((code, name))
            if isinstance(other, str) and other:
                rows += [(c, name[:-1] + "C") for c in other.split(";")]
        return rows + self.OTHER_ENHANCED

    def fund_info_index_em(self, symbol: str = "沪深指数",
                           indicator: str = "被动指数型") -> pd.DataFrame:
        """akshare 1.19.5 fund/fund_em.py: 基金代码/基金名称/日期/起购金额 str (日期
        "YYYY-MM-DD"), returns and 手续费 pd.to_numeric (手续费 "0.12%" -> NaN), 跟踪标的 and
        跟踪方式 echo the arguments."""
        self._count("fund_info_index_em")
        if symbol not in {"全部", "沪深指数", "行业主题", "大盘指数", "中盘指数", "小盘指数",
                          "股票指数", "债券指数"}:
            raise KeyError(symbol)
        if indicator not in {"全部", "被动指数型", "增强指数型"}:
            raise KeyError(indicator)
        rows = self.fund_list if self.fund_list is not None else self._default_fund_list()
        n = len(rows)
        ret = {c: pd.to_numeric(pd.Series(["0.52"] * n), errors="coerce")
               for c in ("日增长率", "近1周", "近1月", "近3月", "近6月", "近1年", "近2年",
                         "近3年", "今年来", "成立来")}
        return pd.DataFrame({
            "基金代码": [c for c, _ in rows], "基金名称": [nm for _, nm in rows],
            "单位净值": pd.to_numeric(pd.Series(["1.2345"] * n), errors="coerce"),
            "日期": ["2025-11-07"] * n, **ret,
            "手续费": pd.to_numeric(pd.Series(["0.12%"] * n), errors="coerce"),
            "起购金额": ["10元"] * n, "跟踪标的": symbol, "跟踪方式": indicator})

    def futures_contract_info_cffex(self, date: str = "20240228") -> pd.DataFrame:
        self._count("futures_contract_info_cffex")
        f = self._s("futures_contracts")
        d = _d(date)
        f = f[(f["list_date"] <= d) & (f["last_trade_date"] >= d)].reset_index(drop=True)
        bond = pd.DataFrame({"contract_code": ["T2512"], "variety": ["T"],
                             "contract_month": ["2512"], "list_date": [pd.Timestamp("2025-03-17")],
                             "last_trade_date": [pd.Timestamp("2025-12-12")]})
        f = pd.concat([f, bond], ignore_index=True)
        return pd.DataFrame({
            "合约代码": f["contract_code"], "合约月份": f["contract_month"], "挂盘基准价": 4000.0,
            "上市日": f["list_date"].dt.date, "最后交易日": f["last_trade_date"].dt.date,
            "涨停板幅度": "10%", "跌停板幅度": "-10%", "涨停板价位": 4400.0,
            "跌停板价位": 3600.0, "持仓限额": 5000.0, "品种": f["variety"],
            "查询交易日": d.date()}).sort_values("合约代码", ascending=False, ignore_index=True)

    def get_futures_daily(self, start_date: str = "20210105", end_date: str = "20210105",
                          market: str = "CFFEX") -> pd.DataFrame:
        """akshare's daily futures summary: for CFFEX the same columns as the daily CSV."""
        self._count("get_futures_daily")
        assert market == "CFFEX" and start_date == end_date
        return self._cffex_day(start_date)

    def futures_hist_daily_cffex(self, date: str = "20100416") -> pd.DataFrame:
        self._count("futures_hist_daily_cffex")
        return self._cffex_day(date)

    def _cffex_day(self, date: str) -> pd.DataFrame:
        f = self._s("futures_daily")
        f = f[f["trade_date"] == _d(date)].reset_index(drop=True)
        bond = pd.DataFrame({"trade_date": [_d(date)], "contract_code": ["T2512"],
                             "variety": ["T"], "close": [108.2], "settle": [108.21],
                             "volume": [60000.0], "open_interest": [200000.0]})
        f = pd.concat([f, bond], ignore_index=True)
        return pd.DataFrame({
            "symbol": f["contract_code"], "date": date, "open": f["close"],
            "high": f["close"], "low": f["close"], "close": f["close"],
            "volume": f["volume"].astype("int64"),
            "open_interest": f["open_interest"].astype("int64"), "turnover": 1e6,
            "settle": f["settle"], "pre_settle": f["settle"], "variety": f["variety"]})

    # -- market temperature: QVIX (optbbs CSV; akshare picks columns by position) --------------
    def _qvix(self, code: str) -> pd.DataFrame:
        self._count(f"qvix_{code}")
        f = self._s("qvix_daily")
        f = f[f["qvix_code"] == code].reset_index(drop=True)
        # akshare: pd.to_datetime(...).dt.date and to_numeric on the CSV's columns
        return pd.DataFrame({"date": f["trade_date"].dt.date, "open": f["open"],
                             "high": f["high"], "low": f["low"], "close": f["close"]})

    def index_option_50etf_qvix(self) -> pd.DataFrame:
        return self._qvix("50etf")

    def index_option_300etf_qvix(self) -> pd.DataFrame:
        return self._qvix("300etf")

    def index_option_500etf_qvix(self) -> pd.DataFrame:
        return self._qvix("500etf")

    def index_option_1000index_qvix(self) -> pd.DataFrame:
        return self._qvix("1000index")

    def index_option_cyb_qvix(self) -> pd.DataFrame:
        return self._qvix("cyb")

    def index_option_kcb_qvix(self) -> pd.DataFrame:
        return self._qvix("kcb")

    # -- macro: Jin10 calendar (商品, 日期 = release date, 今值, 预测值, 前值) ----------------------
    def _jin10(self, indicator: str, symbol: str) -> pd.DataFrame:
        self._count(f"macro_{indicator}")
        f = self._s("macro_releases")
        f = f[f["indicator"] == indicator].sort_values("release_date").reset_index(drop=True)
        out = pd.DataFrame({"商品": symbol, "日期": f["release_date"].dt.date,
                            "今值": f["actual"], "预测值": f["expected"], "前值": f["previous"]})
        # the calendar also lists the next scheduled release, without an actual value yet
        nxt = pd.DataFrame([{"商品": symbol, "日期": dt.date(2025, 12, 9), "今值": np.nan,
                             "预测值": np.nan, "前值": float(f["actual"].iloc[-1])}])
        return pd.concat([out, nxt], ignore_index=True)

    def macro_china_pmi_yearly(self) -> pd.DataFrame:
        return self._jin10("pmi_mfg", "中国官方制造业PMI")

    def macro_china_non_man_pmi(self) -> pd.DataFrame:
        return self._jin10("pmi_non_mfg", "中国官方非制造业PMI报告")

    def macro_china_cpi_yearly(self) -> pd.DataFrame:
        return self._jin10("cpi_yoy", "中国CPI年率报告")

    def macro_china_cpi_monthly(self) -> pd.DataFrame:
        return self._jin10("cpi_mom", "中国CPI月率报告")

    def macro_china_ppi_yearly(self) -> pd.DataFrame:
        return self._jin10("ppi_yoy", "中国PPI年率报告")

    def macro_china_industrial_production_yoy(self) -> pd.DataFrame:
        return self._jin10("ip_yoy", "中国规模以上工业增加值年率报告")

    def macro_china_exports_yoy(self) -> pd.DataFrame:
        return self._jin10("exports_yoy", "中国以美元计算出口年率报告")

    # -- macro: monthly tables without a release date (亿元) -----------------------------------
    def _monthly(self, indicator: str) -> pd.DataFrame:
        f = self._s("macro_releases")
        return f[f["indicator"] == indicator].sort_values("reference_month").reset_index(
            drop=True)

    def macro_china_new_financial_credit(self) -> pd.DataFrame:
        self._count("macro_new_loans_cny")
        f = self._monthly("new_loans_cny").iloc[::-1].reset_index(drop=True)   # newest first
        months = [f"{m[:4]}年{m[5:]}月份" for m in f["reference_month"]]
        v = f["actual"] / 1e8
        return pd.DataFrame({"月份": months, "当月": v, "当月-同比增长": 5.0,
                             "当月-环比增长": -10.0, "累计": v.cumsum(), "累计-同比增长": 3.0})

    def macro_china_shrzgm(self) -> pd.DataFrame:
        self._count("macro_tsf_cny")
        f = self._monthly("tsf_cny")
        v = f["actual"] / 1e8
        return pd.DataFrame({
            "月份": [m.replace("-", "") for m in f["reference_month"]],
            "社会融资规模增量": v, "其中-人民币贷款": v * 0.6, "其中-委托贷款外币贷款": 10.0,
            "其中-委托贷款": 50.0, "其中-信托贷款": 20.0, "其中-未贴现银行承兑汇票": -30.0,
            "其中-企业债券": v * 0.1, "其中-非金融企业境内股票融资": 200.0})
