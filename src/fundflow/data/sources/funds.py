"""Fund and futures adapters: ETF shares and prices, index-enhanced fund NAVs, CFFEX equity index
futures contracts and daily bars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta
from functools import partial

import pandas as pd

from fundflow.data.sources.base import Adapter, FetchContext, Lag, code6, raw, to_date, ymd
from fundflow.errors import SchemaError
from fundflow.reference import Reference

_ETF_HIST_COLS = ["日期", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅",
                  "涨跌额", "换手率"]
_SZSE_SPAN = timedelta(days=180)   # fund_scale_daily_szse: at most 6 months per call


class EtfDaily(Adapter):
    """ETF close (eastmoney ``fund_etf_hist_em``) and shares outstanding: SSE
    ``fund_etf_scale_sse`` one day per call (akshare already converts 万份 to 份), SZSE
    ``fund_scale_daily_szse`` for a range (份). One unit covers a run of days."""

    dataset = "etf_daily"
    mode = "daily"
    lag = Lag(1, time(9, 30))    # share counts of day T appear on T+1 (verify)
    sites = ("sse", "szse", "eastmoney")

    def key_column(self) -> str:
        return "etf_code"

    def batch_days(self) -> int:
        return 60

    def present_days(self, stored: pd.DataFrame, days: Sequence[date],
                     ref: Reference) -> set[date]:
        # a day is complete when every ETF already trading by then has a row
        if stored.empty:
            return set()
        first = stored.groupby("etf_code")["trade_date"].min().dt.date
        by_day = stored.groupby(stored["trade_date"].dt.date)["etf_code"].agg(set)
        done = set()
        for d in days:
            listed = {c for c, f in first.items() if f <= d}
            if d in by_day.index and listed <= by_day[d]:
                done.add(d)
        return done

    def fetch_days(self, ctx: FetchContext, days: Sequence[date]) -> pd.DataFrame:
        etfs = ctx.ref.etfs
        start, end = min(days), max(days)
        shares = []
        if (etfs["exchange"] == "SSE").any():
            fn = "fund_etf_scale_sse"
            for d in days:
                df = raw(ctx, ctx.call("sse", fn, date=ymd(d)), fn=fn, where=str(d),
                         columns=["基金代码", "统计日期", "基金份额"], numeric=["基金份额"],
                         expected=["序号", "基金代码", "基金简称", "ETF类型", "统计日期", "基金份额"])
                shares.append(pd.DataFrame({"etf_code": code6(df["基金代码"]),
                                            "trade_date": to_date(df["统计日期"]),
                                            "shares": df["基金份额"]}))
        if (etfs["exchange"] == "SZSE").any():
            fn = "fund_scale_daily_szse"
            s = start
            while s <= end:
                e = min(end, s + _SZSE_SPAN)
                df = raw(ctx, ctx.call("szse", fn, start_date=ymd(s), end_date=ymd(e),
                                       symbol="ETF"), fn=fn, where=f"{s}..{e}",
                         columns=["日期", "基金代码", "基金份额"], numeric=["基金份额"],
                         expected=["日期", "基金代码", "基金简称", "基金份额"], allow_empty=True)
                if df.empty:
                    # akshare answers a span with nothing published by a headers-only frame
                    ctx.warn(f"SZSE: no ETF shares published for {s}..{e}")
                else:
                    shares.append(pd.DataFrame({"etf_code": code6(df["基金代码"]),
                                                "trade_date": to_date(df["日期"]),
                                                "shares": df["基金份额"]}))
                s = e + timedelta(days=1)
        share = (pd.concat(shares, ignore_index=True).dropna() if shares else
                 pd.DataFrame({"etf_code": pd.Series(dtype=object),
                               "trade_date": pd.Series(dtype="datetime64[ns]"),
                               "shares": pd.Series(dtype="float64")}))
        share = share.drop_duplicates(["etf_code", "trade_date"], keep="last")
        prices = []
        fn = "fund_etf_hist_em"
        for code in etfs["etf_code"]:
            df = raw(ctx, ctx.call("eastmoney", fn, symbol=code, period="daily",
                                   start_date=ymd(start), end_date=ymd(end), adjust=""),
                     fn=fn, where=f"{code} {start}..{end}", columns=["日期", "收盘"],
                     numeric=["收盘"], expected=_ETF_HIST_COLS, allow_empty=True)
            if df.empty:
                ctx.warn(f"{code}: no bars {start}..{end} (not listed yet?)")
                continue
            prices.append(pd.DataFrame({"etf_code": code, "trade_date": to_date(df["日期"]),
                                        "close": df["收盘"]}))
        if not prices:
            raise SchemaError(f"dataset etf_daily ({start}..{end}): no ETF prices at all",
                              dataset=self.dataset)
        price = pd.concat(prices, ignore_index=True)
        wanted = set(pd.Timestamp(d) for d in days)
        price = price[price["trade_date"].isin(wanted)]
        out = price.merge(share, on=["etf_code", "trade_date"], how="left")
        no_share = out["shares"].isna()
        if no_share.any():
            ctx.warn(f"{int(no_share.sum())} ETF-day(s) without published shares skipped "
                     f"(e.g. {out.loc[no_share, 'etf_code'].iloc[0]} "
                     f"{out.loc[no_share, 'trade_date'].iloc[0].date()})")
        return out.dropna(subset=["shares"])[["trade_date", "etf_code", "close", "shares"]]


class FundNavDaily(Adapter):
    """Unit NAV and daily return (%) per enhanced fund from the eastmoney fund site (JS
    runtime). A missing 日增长率 is derived from the NAV ratio. The funds are
    ``ref.enhanced_funds``, which collect() replaces by the week's list (the latest
    enhanced_fund_universe snapshot, else seeds/enhanced_funds.csv: fundflow.fund_list)."""

    dataset = "fund_nav_daily"
    mode = "range"
    lag = Lag(1, time(8, 0))     # NAVs of T appear on the evening of T
    sites = ("eastmoney_fund",)

    def key_column(self) -> str:
        return "fund_code"

    def keys(self, ref: Reference) -> list[str]:
        return list(ref.enhanced_funds["fund_code"])

    def fetch_range(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        fn = "fund_open_fund_info_em"
        df = raw(ctx, ctx.call("eastmoney_fund", fn, symbol=key, indicator="单位净值走势"),
                 fn=fn, where=key, columns=["净值日期", "单位净值", "日增长率"],
                 numeric=["单位净值"], expected=["净值日期", "单位净值", "日增长率"])
        out = pd.DataFrame({"trade_date": to_date(df["净值日期"]), "fund_code": key,
                            "nav": df["单位净值"],
                            "daily_return_pct": pd.to_numeric(df["日增长率"], errors="coerce")})
        out = out.sort_values("trade_date").reset_index(drop=True)
        derived = out["nav"].pct_change() * 100
        out["daily_return_pct"] = out["daily_return_pct"].fillna(derived)
        return out.dropna(subset=["nav", "daily_return_pct"])


_CFFEX_INFO_COLS = ["合约代码", "合约月份", "挂盘基准价", "上市日", "最后交易日", "涨停板幅度",
                    "跌停板幅度", "涨停板价位", "跌停板价位", "持仓限额", "品种", "查询交易日"]


def _varieties(ref: Reference) -> set[str]:
    return set(ref.futures_products["variety"])


class FuturesContracts(Adapter):
    """CFFEX contract list with listing and last trading days (holiday-adjusted), probed once
    a week: each probe lists the four live contracts of IF/IH/IC/IM."""

    dataset = "futures_contracts"
    mode = "daily"
    lag = Lag(0, time(17, 0))
    sites = ("cffex",)
    strict_sessions = False

    def key_column(self) -> str:
        return "contract_code"

    def probe_days(self, sessions: Sequence[date]) -> list[date]:
        last: dict[tuple[int, int], date] = {}
        for d in sessions:
            iso = d.isocalendar()
            last[(iso[0], iso[1])] = max(d, last.get((iso[0], iso[1]), d))
        return sorted(last.values())

    def present_days(self, stored: pd.DataFrame, days: Sequence[date],
                     ref: Reference) -> set[date]:
        if stored.empty:
            return set()
        done = set()
        ts = stored.assign(ld=stored["list_date"].dt.date, lt=stored["last_trade_date"].dt.date)
        for d in days:
            live = ts[(ts["ld"] <= d) & (ts["lt"] >= d)]
            counts = live.groupby("variety").size()
            if all(counts.get(v, 0) >= 4 for v in _varieties(ref)):
                done.add(d)
        return done

    def fetch_days(self, ctx: FetchContext, days: Sequence[date]) -> pd.DataFrame:
        fn = "futures_contract_info_cffex"
        frames = []
        for d in days:
            df = raw(ctx, ctx.call("cffex", fn, date=ymd(d)), fn=fn, where=str(d),
                     columns=["合约代码", "合约月份", "上市日", "最后交易日", "品种"],
                     expected=_CFFEX_INFO_COLS)
            df = df[df["品种"].astype(str).str.strip().isin(_varieties(ctx.ref))]
            if df.empty:
                raise SchemaError(f"dataset futures_contracts ({d}): akshare.{fn} lists no "
                                  f"{'/'.join(sorted(_varieties(ctx.ref)))} contract",
                                  dataset=self.dataset)
            frames.append(pd.DataFrame({
                "contract_code": df["合约代码"].astype(str).str.strip(),
                "variety": df["品种"].astype(str).str.strip(),
                "contract_month": df["合约月份"].astype(str).str.strip(),
                "list_date": to_date(df["上市日"]),
                "last_trade_date": to_date(df["最后交易日"])}))
        return pd.concat(frames, ignore_index=True).drop_duplicates("contract_code")


_CFFEX_DAILY_COLS = ["symbol", "date", "open", "high", "low", "close", "volume", "open_interest",
                     "turnover", "settle", "pre_settle", "variety"]


class FuturesDaily(Adapter):
    """CFFEX daily statistics of the IF/IH/IC/IM contracts: close, settle, volume (手) and open
    interest (手). Routes: ``futures_hist_daily_cffex`` (one CSV per day), then akshare's daily
    futures summary ``get_futures_daily(market="CFFEX")`` (same columns, from CFFEX's monthly
    archive; empty for dates outside akshare's bundled calendar)."""

    dataset = "futures_daily"
    mode = "daily"
    lag = Lag(0, time(17, 0))
    sites = ("cffex",)

    def key_column(self) -> str:
        return "contract_code"

    def fetch_days(self, ctx: FetchContext, days: Sequence[date]) -> pd.DataFrame:
        frames = [self.via_routes(ctx, str(d), {
            "cffex": partial(self._day, ctx, d, "futures_hist_daily_cffex", date=ymd(d)),
            "daily_summary": partial(self._day, ctx, d, "get_futures_daily", start_date=ymd(d),
                                     end_date=ymd(d), market="CFFEX"),
        }) for d in days]
        return pd.concat(frames, ignore_index=True)

    def _day(self, ctx: FetchContext, d: date, fn: str, **kwargs: str) -> pd.DataFrame:
        df = raw(ctx, ctx.call("cffex", fn, **kwargs), fn=fn, where=str(d),
                 columns=["symbol", "date", "close", "settle", "volume", "open_interest",
                          "variety"],
                 numeric=["close", "settle", "volume", "open_interest"],
                 expected=_CFFEX_DAILY_COLS)
        df = df[df["variety"].astype(str).str.strip().isin(_varieties(ctx.ref))]
        if df.empty:
            raise SchemaError(f"dataset futures_daily ({d}): akshare.{fn} has no IF/IH/IC/IM "
                              f"rows", dataset=self.dataset)
        return pd.DataFrame({
            "trade_date": to_date(df["date"].astype(str)),
            "contract_code": df["symbol"].astype(str).str.strip(),
            "variety": df["variety"].astype(str).str.strip(),
            "close": df["close"], "settle": df["settle"], "volume": df["volume"],
            "open_interest": df["open_interest"]})
