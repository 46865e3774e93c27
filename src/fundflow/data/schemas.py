"""Canonical datasets: names, columns, dtypes, keys and plausible ranges.

Every dataset in the store and in the sample set has exactly these columns (plus ``source`` and
``fetched_at``, added by the store). Money is in 元 (``*_cny``), volumes in shares/units,
percentages in percent (``*_pct``), dates as ``datetime.date``. Column names are snake_case and
say their unit; Chinese display names live in templates and seeds, never here.

Every numeric column has a plausible range in these canonical units (``min``/``max``), wide
enough for any real value and narrow enough that a wrong unit (万元 taken for 元, 手 for 股,
万份 for 份: a factor of 100 or 1e4) falls outside it: ``conform`` rejects such a frame at
collection, and the quality gate reports stored values outside it (``out_of_range``). Per-row
ranges of per-stock columns that may legitimately be 0 (turnover, holdings, margin balances of
one stock) can only catch a unit that is too large.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from fundflow.errors import SchemaError
from fundflow.formatting import clean_text

Kind = Literal["date", "str", "float", "int"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    # the unit values are stored in ("" for dates and text); see UNIT_FACTORS for conversions
    unit: str = ""
    # an imported file may leave the column out (its values are then null): partial datasets
    # such as an index history with only dates and closes are normal. Optional implies nullable.
    optional: bool = False


@dataclass(frozen=True)
class Dataset:
    name: str
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    date_column: str | None = "trade_date"
    # Default attribution of the data (shown in source lines and the data appendix).
    source_zh: str = ""
    source_en: str = ""
    snapshot: bool = False
    notes: str = ""
    # what the sections using it fall back to when the store has no rows (an empty dataset
    # then does not take those sections out of the report); "" = no fallback
    fallback: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        """Columns every frame of this dataset must have (an import is refused without them)."""
        return [c.name for c in self.columns if not c.optional]

    @property
    def optional_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.optional]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


# Units a file's column may be given in (``fundflow import --unit COL=万元``) -> (dimension,
# factor to the dimension's base unit). A column stored in a unit of the same dimension is
# converted (万元 -> 元: x 1e4); other units (index points, prices) are never converted.
UNIT_FACTORS: dict[str, tuple[str, float]] = {
    "元": ("money", 1.0), "万元": ("money", 1e4), "亿元": ("money", 1e8),
    "份": ("units", 1.0), "万份": ("units", 1e4), "亿份": ("units", 1e8),
    "股": ("units", 1.0), "万股": ("units", 1e4), "亿股": ("units", 1e8),
    "%": ("percent", 1.0),
}


def unit_factor(column: Column, given: str) -> float:
    """Factor that turns values in unit ``given`` into ``column``'s stored unit.

    Raises ValueError naming the allowed units when the two do not measure the same thing.
    """
    if given not in UNIT_FACTORS:
        raise ValueError(f"unknown unit {given!r} (units: {', '.join(UNIT_FACTORS)})")
    stored = UNIT_FACTORS.get(column.unit)
    dim, factor = UNIT_FACTORS[given]
    if stored is None or stored[0] != dim:
        allowed = [u for u, (d, _f) in UNIT_FACTORS.items() if stored and d == stored[0]]
        what = (f"units: {', '.join(allowed)}" if allowed
                else "it is stored as given, no unit conversion applies")
        raise ValueError(f"column {column.name} is stored in {column.unit or 'no unit'}, "
                         f"not convertible from {given} ({what})")
    return factor / stored[1]


def _c(name: str, kind: Kind, nullable: bool = False, lo: float | None = None,
       hi: float | None = None, *, unit: str | None = None, optional: bool = False) -> Column:
    if unit is None:   # the name says the unit (*_cny in 元, *_pct in percent)
        unit = ("元" if name.endswith("_cny") else "%" if name.endswith("_pct") else "")
    return Column(name, kind, nullable or optional, lo, hi, unit, optional)


_DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "trade_days", "交易日历", "Trading calendar",
        (_c("trade_date", "date"),), ("trade_date",),
        source_zh="上交所交易日历（新浪）", source_en="SSE trading calendar (Sina)",
    ),
    Dataset(
        "index_daily", "A股指数日行情", "A-share index daily bars",
        (_c("trade_date", "date"), _c("index_code", "str"), _c("open", "float", lo=1, hi=1e6, unit="点", optional=True),
         _c("high", "float", lo=1, hi=1e6, unit="点", optional=True), _c("low", "float", lo=1, hi=1e6, unit="点", optional=True),
         _c("close", "float", lo=1, hi=1e6, unit="点"),
         # 股: 上证50 ~2e9 a day, 中证全指 ~1e11 (手 would be 100x smaller)
         _c("volume", "float", True, lo=1e7, hi=1e12, unit="股", optional=True),
         _c("amount_cny", "float", True, lo=1e8, hi=1e13, optional=True)),
        ("index_code", "trade_date"),
        source_zh="东方财富，中证指数", source_en="Eastmoney, CSI",
    ),
    Dataset(
        "sw_industry_daily", "申万一级行业指数日行情", "Shenwan L1 industry index daily",
        (_c("trade_date", "date"), _c("industry_code", "str"), _c("close", "float", lo=1, hi=1e6, unit="点"),
         _c("amount_cny", "float", True, lo=1e7, hi=2e12, optional=True)),
        ("industry_code", "trade_date"),
        source_zh="申万宏源研究", source_en="Shenwan Research",
    ),
    Dataset(
        "global_asset_daily", "全球大类资产日行情", "Global asset daily closes",
        (_c("trade_date", "date"), _c("asset_code", "str"),
         # yields in percent (may go below 0), FX rates, commodity prices, index points
         _c("close", "float", lo=-10, hi=1e6, unit="报价单位（点、美元、%）")),
        ("asset_code", "trade_date"),
        source_zh="东方财富，新浪财经", source_en="Eastmoney, Sina Finance",
        notes="Dates are each market's local trading dates; yields in percent.",
    ),
    Dataset(
        "margin_market_daily", "两融市场汇总", "Margin trading, market totals",
        (_c("trade_date", "date"), _c("fin_balance_cny", "float", lo=1e11, hi=1e13),
         _c("sec_balance_cny", "float", lo=1e8, hi=1e12),
         _c("fin_buy_cny", "float", lo=1e9, hi=1e12),
         _c("sec_sell_cny", "float", True, lo=1e6, hi=1e11, optional=True)),
        ("trade_date",),
        source_zh="东方财富，沪深北交易所", source_en="Eastmoney; SSE, SZSE, BSE",
    ),
    Dataset(
        "stock_universe", "个股基本信息", "Stock universe",
        (_c("stock_code", "str"), _c("stock_name", "str"), _c("sw_l1_code", "str"),
         _c("snapshot_date", "date")),
        ("stock_code",), date_column="snapshot_date", snapshot=True,
        source_zh="申万行业分类，东方财富", source_en="Shenwan classification, Eastmoney",
    ),
    Dataset(
        "stock_daily", "个股日行情", "Stock daily bars",
        (_c("trade_date", "date"), _c("stock_code", "str"), _c("close", "float", lo=0.01, hi=1e4, unit="元/股"),
         _c("amount_cny", "float", lo=0, hi=5e11), _c("total_mv_cny", "float", lo=1e7, hi=5e13),
         _c("float_mv_cny", "float", lo=1e6, hi=5e13)),
        ("stock_code", "trade_date"),
        source_zh="东方财富", source_en="Eastmoney",
    ),
    Dataset(
        "index_constituents", "指数成分股", "Index constituents",
        (_c("index_code", "str"), _c("stock_code", "str"), _c("snapshot_date", "date")),
        ("index_code", "stock_code", "snapshot_date"), date_column="snapshot_date",
        snapshot=True, source_zh="中证指数，新浪财经", source_en="CSI, Sina Finance",
    ),
    Dataset(
        "margin_stock_daily", "个股融资融券明细", "Margin trading by stock",
        (_c("trade_date", "date"), _c("stock_code", "str"),
         _c("fin_balance_cny", "float", lo=0, hi=1e12), _c("fin_buy_cny", "float", lo=0, hi=1e11)),
        ("stock_code", "trade_date"),
        source_zh="上交所，深交所", source_en="SSE, SZSE",
        notes="Day T is published on T+1.",
    ),
    Dataset(
        "etf_daily", "ETF份额与价格", "ETF shares and prices",
        (_c("trade_date", "date"), _c("etf_code", "str"), _c("close", "float", lo=0.01, hi=1e4, unit="元/份"),
         # 份: 万份 would be 1e4 smaller
         _c("shares", "float", lo=1e5, hi=1e13, unit="份")),
        ("etf_code", "trade_date"),
        source_zh="上交所，深交所，东方财富", source_en="SSE, SZSE, Eastmoney",
    ),
    Dataset(
        "futures_contracts", "股指期货合约信息", "Index futures contracts",
        (_c("contract_code", "str"), _c("variety", "str"), _c("contract_month", "str"),
         _c("list_date", "date"), _c("last_trade_date", "date")),
        ("contract_code",), date_column="last_trade_date",
        source_zh="中国金融期货交易所", source_en="CFFEX",
    ),
    Dataset(
        "futures_daily", "股指期货日行情", "Index futures daily",
        (_c("trade_date", "date"), _c("contract_code", "str"), _c("variety", "str"),
         _c("close", "float", lo=100, hi=1e5, unit="点"), _c("settle", "float", lo=100, hi=1e5, unit="点"),
         # 手 (contracts)
         _c("volume", "float", lo=0, hi=5e6, unit="手"), _c("open_interest", "float", lo=0, hi=5e6, unit="手")),
        ("contract_code", "trade_date"),
        source_zh="中国金融期货交易所", source_en="CFFEX",
    ),
    Dataset(
        "fund_nav_daily", "指数增强基金净值", "Index-enhanced fund NAVs",
        (_c("trade_date", "date"), _c("fund_code", "str"), _c("nav", "float", lo=0.01, hi=100, unit="元/份"),
         _c("daily_return_pct", "float", lo=-25, hi=25)),
        ("fund_code", "trade_date"),
        source_zh="天天基金（东方财富）", source_en="Eastmoney fund site",
    ),
    Dataset(
        "enhanced_fund_universe", "指数增强基金名单", "Index-enhanced fund universe",
        (_c("snapshot_date", "date"), _c("fund_code", "str"), _c("fund_name", "str"),
         _c("fund_name_en", "str", True), _c("benchmark_index", "str"),
         _c("share_class", "str", True), _c("other_share_codes", "str", True),
         _c("is_quant", "str")),
        ("snapshot_date", "fund_code"), date_column="snapshot_date", snapshot=True,
        source_zh="天天基金指数型基金列表（增强指数型）", source_en="Eastmoney fund list (enhanced index)",
        notes="CSI 500 / CSI 1000 enhanced funds, one share class per fund, taken weekly; "
              "is_quant is a name heuristic (or the curated list's flag).",
        fallback="seeds/enhanced_funds.csv",
    ),
    Dataset(
        "main_flow_stock_daily", "个股主力资金净流入", "Main-fund net inflow by stock",
        (_c("trade_date", "date"), _c("stock_code", "str"),
         _c("main_net_inflow_cny", "float", lo=-1e11, hi=1e11)),
        ("stock_code", "trade_date"),
        source_zh="东方财富（主力=超大单+大单）", source_en="Eastmoney (main = extra-large + large orders)",
    ),
    Dataset(
        "northbound_daily", "北向资金成交", "Northbound trading",
        (_c("trade_date", "date"), _c("channel", "str"), _c("amount_cny", "float", lo=1e9, hi=1e12),
         _c("net_buy_cny", "float", True, lo=-2e11, hi=2e11, optional=True)),
        ("channel", "trade_date"),
        source_zh="港交所，东方财富", source_en="HKEX, Eastmoney",
        notes="Daily net buying is no longer published since 2024-08; net_buy_cny is null then.",
    ),
    Dataset(
        "northbound_holdings", "北向资金持股", "Northbound holdings",
        (_c("disclosure_date", "date"), _c("stock_code", "str"),
         _c("shares", "float", lo=0, hi=1e12, unit="股"), _c("market_value_cny", "float", lo=0, hi=2e12)),
        ("disclosure_date", "stock_code"), date_column="disclosure_date", snapshot=True,
        source_zh="港交所（季度披露），东方财富", source_en="HKEX (quarterly), Eastmoney",
    ),
    Dataset(
        "concept_board_daily", "概念板块日行情", "Concept board daily bars",
        (_c("trade_date", "date"), _c("board_code", "str"), _c("board_name", "str"),
         _c("close", "float", lo=1, hi=1e6, unit="点"), _c("amount_cny", "float", True, lo=1e7, hi=5e12, optional=True)),
        ("board_code", "trade_date"),
        source_zh="东方财富概念板块", source_en="Eastmoney concept boards",
    ),
    Dataset(
        "qvix_daily", "期权隐含波动率指数（QVIX）", "Option-implied volatility indices (QVIX)",
        # volatility points (annualised %): 50ETF QVIX ~12-60 in 2015-2025; a fraction (0.2)
        # or basis points would fall outside
        (_c("trade_date", "date"), _c("qvix_code", "str"),
         _c("open", "float", True, lo=1, hi=300, unit="波动率点", optional=True),
         _c("high", "float", True, lo=1, hi=300, unit="波动率点", optional=True),
         _c("low", "float", True, lo=1, hi=300, unit="波动率点", optional=True),
         _c("close", "float", lo=1, hi=300, unit="波动率点")),
        ("qvix_code", "trade_date"),
        source_zh="期权论坛（optbbs）QVIX", source_en="optbbs.com QVIX",
        notes="Volatility points (annualised %); one CSV for every series, positional columns.",
    ),
    Dataset(
        "macro_releases", "宏观数据发布", "Macro data releases",
        (_c("release_date", "date"), _c("indicator", "str"), _c("reference_month", "str"),
         # percent, index points or 元 by indicator: one column range spans them all (new
         # loans and TSF reach a few 万亿元); metrics.macro knows each indicator's unit
         _c("actual", "float", lo=-1e14, hi=1e14),
         _c("expected", "float", True, lo=-1e14, hi=1e14, optional=True),
         _c("previous", "float", True, lo=-1e14, hi=1e14, optional=True),
         _c("date_basis", "str")),
        ("indicator", "release_date"), date_column="release_date", snapshot=True,
        source_zh="金十数据，东方财富，商务部", source_en="Jin10, Eastmoney, MOFCOM",
        notes="Percent, index points or 元 by indicator (fundflow.metrics.macro.INDICATORS); "
              "date_basis 'source' = the publisher's release date, 'estimated' = the source has "
              "no release date and it is estimated from the reference month.",
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in _DATASETS}


def get_dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise SchemaError(
            f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}", dataset=name
        ) from None


def _clean_texts(text: pd.Series) -> pd.Series:
    """``clean_text`` of every present cell (None stays None). Cleaned once per distinct value:
    a sample load has ~450,000 text cells but few distinct names and codes."""
    present = text.notna()
    mapping = {v: clean_text(v) for v in pd.unique(text[present])}
    return text.map(mapping).astype(object).where(present, None)


def conform(name: str, frame: pd.DataFrame, *, where: str = "") -> pd.DataFrame:
    """Check ``frame`` against the dataset's schema and return it with canonical dtypes.

    Raises SchemaError naming the dataset, the columns and (if known) the offending dates.
    """
    ds = get_dataset(name)
    loc = f" ({where})" if where else ""
    missing = [c for c in ds.column_names if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"dataset {name}{loc}: missing column(s) {', '.join(missing)}; "
            f"expected {', '.join(ds.column_names)}",
            dataset=name,
        )
    out = pd.DataFrame(index=range(len(frame)))
    src = frame.reset_index(drop=True)
    for col in ds.columns:
        s = src[col.name]
        if col.kind == "date":
            # already datetime64 (a frame conformed before, or read from the store): as it is;
            # to_datetime would walk every value to decide whether to cache
            conv = s if pd.api.types.is_datetime64_dtype(s) else pd.to_datetime(s, errors="coerce")
            bad = conv.isna() & s.notna()
            if bad.any():
                raise SchemaError(
                    f"dataset {name}{loc}: column {col.name} has unparseable dates, "
                    f"e.g. {s[bad].iloc[0]!r}", dataset=name)
            out[col.name] = conv.dt.normalize()
        elif col.kind == "str":
            text = s.astype("string").astype(object).where(s.notna(), None)
            out[col.name] = _clean_texts(text)
        else:
            conv = pd.to_numeric(s, errors="coerce").astype("float64")
            bad = conv.isna() & s.notna()
            if bad.any():
                raise SchemaError(
                    f"dataset {name}{loc}: column {col.name} is not numeric, "
                    f"e.g. {s[bad].iloc[0]!r}", dataset=name)
            if np.isinf(conv.to_numpy()).any():
                raise SchemaError(f"dataset {name}{loc}: column {col.name} has infinite values",
                                  dataset=name)
            out[col.name] = conv
        if not col.nullable and out[col.name].isna().any():
            idx = out[col.name].isna().idxmax()
            raise SchemaError(
                f"dataset {name}{loc}: column {col.name} has missing values"
                f"{_row_hint(ds, out, idx)}", dataset=name)
        if col.kind == "float":
            vals = out[col.name]
            for bound, op, word in ((col.min, vals.lt, "below"), (col.max, vals.gt, "above")):
                if bound is not None and op(bound).any():
                    idx = op(bound).idxmax()
                    raise SchemaError(
                        f"dataset {name}{loc}: column {col.name} value {float(vals[idx]):g} is {word} "
                        f"the plausible bound {bound:g}{_row_hint(ds, out, idx)}", dataset=name)
    dup = out.duplicated(list(ds.key), keep=False)
    if dup.any():
        first = out[dup].iloc[0]
        raise SchemaError(
            f"dataset {name}{loc}: duplicate key "
            + ", ".join(f"{k}={first[k]}" for k in ds.key), dataset=name)
    return out


def _row_hint(ds: Dataset, frame: pd.DataFrame, idx: object) -> str:
    parts = []
    for k in ds.key:
        v = frame.at[idx, k]
        parts.append(f"{k}={v.date().isoformat() if isinstance(v, pd.Timestamp) else v}")
    return f" at {', '.join(parts)}" if parts else ""
