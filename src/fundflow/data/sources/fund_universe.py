"""The CSI 500 / CSI 1000 index-enhanced fund universe, taken weekly from Eastmoney's fund list
(``fund_info_index_em(symbol="沪深指数", indicator="增强指数型")``).

akshare 1.19.5 fills ``跟踪标的`` with the ``symbol`` argument ("沪深指数"), not the tracked
index, so the index comes from the fund name ("…中证500指数增强A"); should a later akshare give
the real index there, it is used first. Variants of an index ("中证500价值", "中证500质量成长",
"中证A500") are other indices and are left out. Share classes (A/C/E/I/Y …) are collapsed to
one fund: the A class, else the class-less code, else the first class, lowest code first.

``is_quant`` is a heuristic: the name says 量化/数量/智能/多因子/AI…, or the curated list
(``seeds/enhanced_funds.csv``) flags the code. Most enhanced funds run quant models without
saying so in their names, so the heuristic under-counts; the curated flags correct known funds.
"""

from __future__ import annotations

import re
from datetime import date, time

import pandas as pd

from fundflow.data.sources.base import Adapter, FetchContext, Lag, code6, raw
from fundflow.errors import SchemaError

FN = "fund_info_index_em"
SYMBOL, INDICATOR = "沪深指数", "增强指数型"
# fund_info_index_em's columns in akshare 1.19.5 (fund/fund_em.py)
EXPECTED = ["基金代码", "基金名称", "单位净值", "日期", "日增长率", "近1周", "近1月", "近3月",
            "近6月", "近1年", "近2年", "近3年", "今年来", "成立来", "手续费", "起购金额",
            "跟踪标的", "跟踪方式"]
# the index name must be followed by one of these (else it is a variant such as 中证500价值)
_AFTER = r"(?=指数|增强|指增|量化|ETF|\(|（|[A-Z]?$)"
BENCHMARKS: dict[str, re.Pattern[str]] = {
    "000905": re.compile(r"中证500" + _AFTER),
    "000852": re.compile(r"中证1000" + _AFTER),
}
# values akshare puts in 跟踪标的 when it only echoes the symbol argument
_CATEGORIES = {"", "全部", "沪深指数", "行业主题", "大盘指数", "中盘指数", "小盘指数", "股票指数",
               "债券指数"}
QUANT_NAME = re.compile(r"量化|数量|智能|多因子|AI|机器学习|算法")
_CLASS = re.compile(r"^(?P<base>.*[^A-Za-z])(?P<cls>[A-Z])$")


def _norm(name: str) -> str:
    return (str(name).strip().replace("（", "(").replace("）", ")").replace(" ", "")
            .replace("\u3000", ""))


def benchmark_of(name: str, target: str = "") -> str | None:
    """Index code a fund tracks, from 跟踪标的 when it names an index, else from the name."""
    t = _norm(target)
    text = _norm(name) if t in _CATEGORIES else t
    for code, pat in BENCHMARKS.items():
        if pat.search(text):
            return code
    return None


def share_class(name: str) -> tuple[str, str]:
    """(base name, class letter or "") — "博时中证500指数增强A" -> ("博时中证500指数增强", "A");
    "…ETF" and "…(LOF)" end in letters of a word, not a class."""
    n = _norm(name)
    m = _CLASS.match(n)
    if m is None:
        return n, ""
    return m["base"], m["cls"]


def _class_rank(cls: str) -> tuple[int, str]:
    return (0, "") if cls == "A" else (1, "") if cls == "" else (2, cls)


def build_universe(frame: pd.DataFrame, as_of: date,
                   curated: pd.DataFrame | None = None) -> pd.DataFrame:
    """Canonical ``enhanced_fund_universe`` rows from a ``fund_info_index_em`` frame."""
    cur = curated if curated is not None else pd.DataFrame(
        columns=["fund_code", "fund_name_en", "is_quant"])
    quant_codes = set(cur.loc[cur["is_quant"].astype(str).str.strip().str.lower()
                              .isin(("true", "1", "yes")), "fund_code"])
    names_en = dict(zip(cur["fund_code"], cur.get("fund_name_en", pd.Series(dtype=str))))
    f = pd.DataFrame({"code": code6(frame["基金代码"]),
                      "name": frame["基金名称"].astype(str).map(_norm),
                      "target": (frame["跟踪标的"].astype(str) if "跟踪标的" in frame
                                 else "")})
    f = f.drop_duplicates("code")
    f["bench"] = [benchmark_of(n, t) for n, t in zip(f["name"], f["target"])]
    f = f[f["bench"].notna()].copy()
    parts = [share_class(n) for n in f["name"]]
    f["base"] = [p[0] for p in parts]
    f["cls"] = [p[1] for p in parts]
    f["rank"] = [_class_rank(c) for c in f["cls"]]
    rows = []
    for (bench, _base), g in f.groupby(["bench", "base"], sort=True):
        g = g.sort_values(["rank", "code"])
        keep = g.iloc[0]
        codes = list(g["code"])
        quant = bool(QUANT_NAME.search(keep["name"])) or bool(set(codes) & quant_codes)
        en = next((names_en[c] for c in codes if names_en.get(c)), None)
        rows.append({"snapshot_date": pd.Timestamp(as_of), "fund_code": keep["code"],
                     "fund_name": keep["name"], "fund_name_en": en, "benchmark_index": bench,
                     "share_class": keep["cls"] or None,
                     "other_share_codes": ";".join(sorted(codes[1:])) or None,
                     "is_quant": "true" if quant else "false"})
    return pd.DataFrame(rows, columns=["snapshot_date", "fund_code", "fund_name", "fund_name_en",
                                       "benchmark_index", "share_class", "other_share_codes",
                                       "is_quant"])


class EnhancedFundUniverse(Adapter):
    """CSI 500 / CSI 1000 enhanced funds (one share class each), a dated weekly snapshot.
    Not required: when the list call fails, the NAV collection and the quant section use the
    curated ``seeds/enhanced_funds.csv`` and say so."""

    dataset = "enhanced_fund_universe"
    mode = "snapshot"
    lag = Lag(0, time(22, 0))    # the list shows NAVs of T from the evening of T
    sites = ("eastmoney_fund",)
    required = False
    description = "enhanced-index fund list (Eastmoney), filtered to CSI 500 / CSI 1000"

    def key_column(self) -> str:
        return "fund_code"

    def fetch_snapshot(self, ctx: FetchContext, as_of: date) -> pd.DataFrame:
        df = raw(ctx, ctx.call("eastmoney_fund", FN, symbol=SYMBOL, indicator=INDICATOR),
                 fn=FN, where=f"{as_of} {SYMBOL}/{INDICATOR}",
                 columns=["基金代码", "基金名称"], expected=EXPECTED)
        out = build_universe(df, as_of, ctx.ref.enhanced_funds)
        found = set(out["benchmark_index"])
        missing = [b for b in BENCHMARKS if b not in found]
        if missing:
            raise SchemaError(
                f"dataset {self.dataset} ({as_of}): akshare.{FN} lists {len(df)} enhanced "
                f"funds but none whose name matches index {', '.join(missing)} (中证500 / "
                f"中证1000) — the names or the list changed", dataset=self.dataset)
        return out
