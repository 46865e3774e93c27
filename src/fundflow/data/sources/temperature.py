"""Adapters for market temperature and the macro backdrop: QVIX option-implied volatility
indices (optbbs) and monthly macro releases (Jin10 calendar, Eastmoney, MOFCOM). Columns, units
and release timing: docs/data-sources-temperature.md."""

from __future__ import annotations

from datetime import date, time

import pandas as pd

from fundflow.data.sources.base import YI, Adapter, FetchContext, Lag, raw, to_date
from fundflow.errors import SchemaError, SourceError
from fundflow.metrics.macro import estimated_release, parse_month, reference_month_of
from fundflow.reference import Reference

# QVIX code -> akshare function. Every function reads the same optbbs CSV (k.csv, cached by
# akshare with lru_cache) and picks its columns by position.
QVIX_FUNCTIONS: dict[str, str] = {
    "50etf": "index_option_50etf_qvix",
    "300etf": "index_option_300etf_qvix",
    "500etf": "index_option_500etf_qvix",
    "1000index": "index_option_1000index_qvix",
    "cyb": "index_option_cyb_qvix",
    "kcb": "index_option_kcb_qvix",
}


class QvixDaily(Adapter):
    """QVIX daily bars (``date, open, high, low, close``; volatility points), full history per
    call; rows before a series existed are NaN and dropped. optbbs updates the CSV after the
    close; it is a third-party site that can miss a day, so sessions are not enforced."""

    dataset = "qvix_daily"
    mode = "range"
    lag = Lag(0, time(16, 0))
    sites = ("optbbs",)
    strict_sessions = False
    required = False
    bounds = {"close": (3.0, 200.0)}     # volatility points; a fraction (0.2) would be a unit change

    def key_column(self) -> str:
        return "qvix_code"

    def keys(self, ref: Reference) -> list[str]:
        return list(QVIX_FUNCTIONS)

    def fetch_range(self, ctx: FetchContext, key: str, start: date, end: date) -> pd.DataFrame:
        fn = QVIX_FUNCTIONS[key]
        df = raw(ctx, ctx.call("optbbs", fn), fn=fn, where=key,
                 columns=["date", "open", "high", "low", "close"],
                 numeric=["open", "high", "low", "close"],
                 expected=["date", "open", "high", "low", "close"])
        out = pd.DataFrame({"trade_date": to_date(df["date"]), "qvix_code": key,
                            "open": df["open"], "high": df["high"], "low": df["low"],
                            "close": df["close"]})
        out = out.dropna(subset=["trade_date", "close"])
        days = out["trade_date"]
        return out[(days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))]


_JIN10_COLS = ["商品", "日期", "今值", "预测值", "前值"]
# indicator -> (site, akshare function, kind)
MACRO_FUNCTIONS: dict[str, tuple[str, str, str]] = {
    "pmi_mfg": ("jin10", "macro_china_pmi_yearly", "jin10"),
    "pmi_non_mfg": ("jin10", "macro_china_non_man_pmi", "jin10"),
    "cpi_yoy": ("jin10", "macro_china_cpi_yearly", "jin10"),
    "cpi_mom": ("jin10", "macro_china_cpi_monthly", "jin10"),
    "ppi_yoy": ("jin10", "macro_china_ppi_yearly", "jin10"),
    "ip_yoy": ("jin10", "macro_china_industrial_production_yoy", "jin10"),
    "exports_yoy": ("jin10", "macro_china_exports_yoy", "jin10"),
    "new_loans_cny": ("eastmoney", "macro_china_new_financial_credit", "em_month"),
    "tsf_cny": ("mofcom", "macro_china_shrzgm", "mofcom_month"),
}
_COLUMNS = ["release_date", "indicator", "reference_month", "actual", "expected", "previous",
            "date_basis"]


class MacroReleases(Adapter):
    """Monthly macro releases, every indicator's whole history per call (a snapshot dated by
    the sources: taken again only after a session has closed since the last fetch). One
    indicator failing is a warning; all failing is an error."""

    dataset = "macro_releases"
    mode = "snapshot"
    snapshot_dated_by_source = True
    sites = ("jin10", "eastmoney", "mofcom")
    required = False

    def fetch_snapshot(self, ctx: FetchContext, as_of: date) -> pd.DataFrame:
        parts: list[pd.DataFrame] = []
        failed: list[str] = []
        for indicator, (site, fn, kind) in MACRO_FUNCTIONS.items():
            try:
                frame = ctx.call(site, fn)
                if kind == "jin10":
                    parts.append(self._jin10(ctx, indicator, fn, frame))
                elif kind == "em_month":
                    parts.append(self._monthly(ctx, indicator, fn, frame, "当月",
                                               ["月份", "当月", "当月-同比增长", "当月-环比增长",
                                                "累计", "累计-同比增长"]))
                else:
                    parts.append(self._monthly(ctx, indicator, fn, frame, "社会融资规模增量",
                                               ["月份", "社会融资规模增量", "其中-人民币贷款",
                                                "其中-委托贷款外币贷款", "其中-委托贷款",
                                                "其中-信托贷款", "其中-未贴现银行承兑汇票",
                                                "其中-企业债券", "其中-非金融企业境内股票融资"]))
            except (SourceError, SchemaError) as exc:
                failed.append(indicator)
                ctx.warn(f"{indicator} ({fn}) failed: {str(exc).splitlines()[0][:160]}")
        if not parts:
            raise SourceError(f"dataset macro_releases: every indicator failed "
                              f"({', '.join(failed)})", dataset=self.dataset)
        return pd.concat(parts, ignore_index=True)[_COLUMNS]

    def _jin10(self, ctx: FetchContext, indicator: str, fn: str,
               frame: pd.DataFrame) -> pd.DataFrame:
        df = raw(ctx, frame, fn=fn, where=indicator, columns=["日期", "今值", "预测值", "前值"],
                 numeric=["今值"], expected=_JIN10_COLS)
        for c in ("预测值", "前值"):
            df[c] = pd.to_numeric(df[c], errors="coerce")
        # the calendar lists scheduled releases before they happen (no actual value yet)
        df = df.dropna(subset=["今值"])
        release = to_date(df["日期"])
        df = df[release.notna()]
        release = release[release.notna()]
        return pd.DataFrame({
            "release_date": release, "indicator": indicator,
            "reference_month": [reference_month_of(d.date()) for d in release],
            "actual": df["今值"], "expected": df["预测值"], "previous": df["前值"],
            "date_basis": "source"}).drop_duplicates(subset=["release_date"], keep="last")

    def _monthly(self, ctx: FetchContext, indicator: str, fn: str, frame: pd.DataFrame,
                 value_col: str, expected: list[str]) -> pd.DataFrame:
        """A table by reference month in 亿元 (no release date, no consensus)."""
        df = raw(ctx, frame, fn=fn, where=indicator, columns=["月份", value_col],
                 numeric=[value_col], expected=expected)
        months = df["月份"].map(parse_month)
        df = df.assign(_m=months).dropna(subset=["_m", value_col])
        df = df.sort_values("_m", kind="stable").drop_duplicates("_m", keep="last")
        value = df[value_col] * YI
        return pd.DataFrame({
            "release_date": [pd.Timestamp(estimated_release(m)) for m in df["_m"]],
            "indicator": indicator, "reference_month": df["_m"].to_numpy(),
            "actual": value.to_numpy(), "expected": float("nan"),
            "previous": value.shift(1).to_numpy(), "date_basis": "estimated"})
