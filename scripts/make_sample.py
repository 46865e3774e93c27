#!/usr/bin/env python3
"""Generate the bundled SYNTHETIC sample data set in seeds/sample/ (fixed seed, deterministic).

Every dataset of ``fundflow.data.schemas`` is written in canonical form (snake_case columns,
money in 元, ISO dates), covering the XSHG sessions 2024-06-03..2025-11-07. Magnitudes follow the
real market around the sample week (report-structure.md, "Realistic magnitudes"), and the week
2025-11-03..07 is shaped like the real one (seeds/002 broker summary): SSE Composite +1.10 %,
ChiNext +0.60 %, STAR 50 +0.01 %, CSI 500 -0.04 %, micro-cap and dividend leading, Nasdaq -3.04 %,
cyclicals on top of the Shenwan ranking, telecoms and electronics at the bottom. None of it is
market data.

    python scripts/make_sample.py [--out DIR]

Running it twice gives byte-identical files (gzip with mtime 0, fixed float formats).
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import exchange_calendars as xcals
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
START, END = date(2024, 6, 3), date(2025, 11, 7)
WEEK = [date(2025, 11, d) for d in range(3, 8)]
PREV = [date(2025, 10, 27) + timedelta(days=i) for i in range(5)]
NB_CUTOFF = date(2024, 8, 19)   # daily northbound net buying no longer published from here
BIG = {"stock_daily", "margin_stock_daily", "main_flow_stock_daily"}  # written gzipped

rng = np.random.default_rng(20251107)


# -- helpers ------------------------------------------------------------------------------------
def sessions(cal: str, start: date = START, end: date = END) -> list[date]:
    c = xcals.get_calendar(cal)
    return [t.date() for t in c.sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))]


def path_to(days: list[date], end_level: float, start_level: float, vol: float,
            week_returns: list[float] | None = None) -> np.ndarray:
    """Log-Brownian bridge from start to end level; the last len(week_returns) daily returns
    (fractions) are forced so the final week hits its target exactly."""
    n = len(days)
    k = len(week_returns or [])
    base_end = end_level / float(np.prod([1 + r for r in (week_returns or [])]))
    m = n - k
    steps = rng.normal(0, vol, m)
    walk = np.concatenate([[0.0], np.cumsum(steps[1:])])
    target = np.log(base_end / start_level)
    bridge = walk - np.linspace(0, 1, m) * (walk[-1] - target)
    levels = start_level * np.exp(bridge)
    if k:
        tail = base_end * np.cumprod([1 + r for r in week_returns or []])
        levels = np.concatenate([levels, tail])
    return levels


def week_shape(total_pct: float, shape: list[float] | None = None, k: int = 5) -> list[float]:
    """k daily returns (fractions) compounding exactly to total_pct: ``shape`` gives the rough
    daily moves in %, shifted by one constant in log space so the week hits its target."""
    s = np.array(shape if shape is not None else [total_pct / k] * k, dtype=float)[:k]
    logs = np.log1p(s / 100)
    logs += (np.log1p(total_pct / 100) - logs.sum()) / len(logs)
    return [float(x) for x in np.expm1(logs)]


def rand_series(n: int, level: float, rel_vol: float, rho: float = 0.9) -> np.ndarray:
    """A positive AR(1)-in-logs series around ``level``."""
    x = np.zeros(n)
    e = rng.normal(0, rel_vol, n)
    for i in range(1, n):
        x[i] = rho * x[i - 1] + e[i]
    return level * np.exp(x)


def write(out: Path, name: str, frame: pd.DataFrame) -> None:
    text = frame.to_csv(index=False, lineterminator="\n")
    if name in BIG:
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(text.encode("utf-8"))
        (out / f"{name}.csv.gz").write_bytes(buf.getvalue())
    else:
        (out / f"{name}.csv").write_text(text, encoding="utf-8")


def iso(days: list[date] | np.ndarray) -> list[str]:
    return [d.isoformat() for d in days]


# -- A-share indices ----------------------------------------------------------------------------
# code: (level on 2025-11-07, level in 2024-06, daily vol, sample-week %, daily shape,
#        ADT 元, turnover change prev->sample week)
INDICES = {
    "000001": (3997.56, 3050, 0.011, 1.10, [0.55, -0.41, 0.23, 0.97, -0.25], 8.6e11, -0.09),
    "399001": (13404.1, 9300, 0.014, 0.19, [0.2, -1.1, 0.4, 1.0, -0.3], 1.05e12, -0.10),
    "399006": (3208.2, 1850, 0.017, 0.60, [0.3, -1.9, 1.0, 2.0, -0.8], 4.6e11, -0.12),
    "000688": (1390.5, 750, 0.019, 0.01, [-0.5, -1.6, 0.7, 1.3, 0.2], 1.6e11, -0.15),
    "000016": (3060.3, 2400, 0.009, 0.80, [0.4, -0.3, 0.2, 0.8, -0.3], 1.3e11, -0.06),
    "000300": (4678.8, 3500, 0.010, 0.82, [0.4, -0.8, 0.2, 1.2, -0.3], 4.9e11, -0.08),
    "000905": (7394.5, 5200, 0.013, -0.04, [0.3, -1.4, 0.6, 0.9, -0.4], 3.3e11, -0.10),
    "000852": (7501.2, 5300, 0.015, 0.51, [0.4, -1.1, 0.6, 0.9, -0.2], 4.0e11, -0.07),
    "932000": (3050.6, 2150, 0.016, 3.40, [1.0, -0.3, 0.9, 1.1, 0.6], 3.2e11, 0.12),
    "000922": (5602.4, 5150, 0.007, 2.20, [0.5, 0.3, 0.4, 0.6, 0.4], 6.5e10, 0.03),
    "000985": (6351.9, 4400, 0.012, 1.02, [0.5, -0.7, 0.3, 1.0, -0.2], 1.9e12, -0.09),
    "399106": (2505.3, 1650, 0.014, 1.21, [0.4, -0.9, 0.5, 1.1, 0.1], 1.14e12, -0.10),
}


def make_index_daily(days: list[date]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    n = len(days)
    rows = []
    closes: dict[str, np.ndarray] = {}
    prev_idx = [days.index(d) for d in PREV]
    week_idx = [days.index(d) for d in WEEK]
    for code, (end, start, vol, wk, shape, adt, tchg) in INDICES.items():
        close = path_to(days, end, start, vol, week_shape(wk, shape))
        closes[code] = close
        amount = rand_series(n, adt, 0.06)
        # trend of turnover: lower in mid-2024, a surge after 2024-09-24, high in 2025
        ramp = np.interp(np.arange(n), [0, 80, 85, 200, n - 1], [0.45, 0.5, 1.4, 0.75, 1.0])
        amount *= ramp
        amount[prev_idx] = adt * (1 - tchg) * rng.uniform(0.96, 1.04, 5)
        amount[week_idx] = adt * rng.uniform(0.96, 1.04, 5)
        prev_close = np.concatenate([[close[0] / (1 + rng.normal(0, vol))], close[:-1]])
        opn = prev_close * (1 + rng.normal(0, vol / 3, n))
        high = np.maximum(opn, close) * (1 + np.abs(rng.normal(0, vol / 2, n)))
        low = np.minimum(opn, close) * (1 - np.abs(rng.normal(0, vol / 2, n)))
        price = amount / close / 8  # rough average price of a constituent share
        for i, d in enumerate(days):
            rows.append((d, code, opn[i], high[i], low[i], close[i],
                         round(amount[i] / max(price[i], 1) * 1e-2) * 100, amount[i]))
    f = pd.DataFrame(rows, columns=["trade_date", "index_code", "open", "high", "low", "close",
                                    "volume", "amount_cny"])
    for c in ("open", "high", "low", "close"):
        f[c] = f[c].round(2)
    f["amount_cny"] = f["amount_cny"].round(-4)
    f["trade_date"] = iso(list(f["trade_date"]))
    return f, closes


# -- Shenwan industries -------------------------------------------------------------------------
SW_WEEK = {"801960": 4.30, "801730": 4.28, "801040": 4.20, "801030": 4.10, "801950": 3.55,
           "801770": -3.20, "801080": -2.45, "801750": -0.90, "801760": -0.60}


def make_sw(days: list[date], sw: pd.DataFrame, market_adt: float) -> tuple[pd.DataFrame,
                                                                          dict[str, np.ndarray]]:
    n = len(days)
    weights = rng.dirichlet(np.full(len(sw), 2.0))
    rows = []
    rets: dict[str, np.ndarray] = {}
    for k, code in enumerate(sw["industry_code"]):
        wk = SW_WEEK.get(code, float(np.round(rng.uniform(-1.2, 3.0), 2)))
        shape = list(rng.normal(wk / 5, 0.8, 5))
        close = path_to(days, float(rng.uniform(1500, 9000)), float(rng.uniform(1200, 6000)),
                        float(rng.uniform(0.010, 0.020)), week_shape(wk, shape))
        rets[code] = np.concatenate([[0.0], close[1:] / close[:-1] - 1])
        amount = rand_series(n, market_adt * weights[k], 0.12)
        ramp = np.interp(np.arange(n), [0, 80, 85, 200, n - 1], [0.45, 0.5, 1.4, 0.75, 1.0])
        amount *= ramp
        for i, d in enumerate(days):
            rows.append((d.isoformat(), code, round(close[i], 2), round(amount[i], -4)))
    return pd.DataFrame(rows, columns=["trade_date", "industry_code", "close", "amount_cny"]), rets


# -- global assets ------------------------------------------------------------------------------
# asset: (level on the last session, level 2024-06, daily vol, weekly % (bp for yields), shape)
GLOBAL = {
    "DJIA": (46987.1, 38700, 0.008, -1.21, None), "SPX": (6728.8, 5280, 0.009, -1.63, None),
    "IXIC": (23004.5, 17000, 0.013, -3.04, [0.5, -2.0, 0.7, -1.9, -0.3]),
    "SX5E": (5566.5, 4950, 0.009, -1.03, None), "GDAXI": (23569.9, 18500, 0.010, -1.62, None),
    "FTSE": (9682.6, 8200, 0.007, -0.39, None), "N225": (50276.4, 38500, 0.014, -4.07, None),
    "HSI": (26241.8, 18300, 0.014, 1.29, None), "HSCEI": (9240.3, 6500, 0.015, 1.03, None),
    "HSTECH": (5850.2, 3700, 0.019, -1.20, None),
    "LME_CU": (10704.0, 9800, 0.011, -1.92, None), "LME_AL": (2852.5, 2500, 0.010, -1.58, None),
    "CN10Y": (1.812, 2.30, 0.012, 1.6, None), "US10Y": (4.095, 4.45, 0.030, -0.9, None),
    "GC": (4007.8, 2350, 0.011, -0.36, None), "SI": (48.32, 30.5, 0.019, -0.82, None),
    "CL": (59.75, 78.0, 0.018, -2.06, None), "NG": (4.32, 2.6, 0.035, 4.52, None),
    "ZS": (1118.5, 1180, 0.010, 1.23, None), "UDI": (99.61, 104.6, 0.004, -0.21, None),
    "USDCNH": (7.1268, 7.26, 0.0015, 0.05, None), "USDHKD": (7.7743, 7.81, 0.0003, 0.02, None),
}


def make_global(assets: pd.DataFrame, sse: np.ndarray, a_days: list[date]) -> pd.DataFrame:
    frames = []
    for row in assets.itertuples():
        code = row.asset_code
        if code == "SSEC":
            frames.append(pd.DataFrame({"trade_date": iso(a_days), "asset_code": code,
                                        "close": np.round(sse, 2)}))
            continue
        days = sessions(row.calendar)
        end, start, vol, wk, shape = GLOBAL[code]
        week_days = [d for d in days if d >= WEEK[0]]
        if row.kind == "yield":  # additive in bp
            n = len(days)
            steps = rng.normal(0, vol, n - len(week_days))
            walk = np.concatenate([[0.0], np.cumsum(steps[1:])])
            base_end = end - wk / 100
            lv = start + walk - np.linspace(0, 1, len(walk)) * (walk[-1] - (base_end - start))
            tail = base_end + np.cumsum(np.full(len(week_days), wk / 100 / len(week_days)))
            close = np.round(np.concatenate([lv, tail]), 4)
        else:
            k = len(week_days)
            wr = week_shape(wk, shape, k) if k else []
            close = path_to(days, end, start, vol, wr)
            close = np.round(close, 4 if end < 20 else 2)
        frames.append(pd.DataFrame({"trade_date": iso(days), "asset_code": code, "close": close}))
    return pd.concat(frames, ignore_index=True)


# -- stocks -------------------------------------------------------------------------------------
NAMED = [  # code, name, SW L1, market cap 亿元, price
    ("600519", "贵州茅台", "801120", 18000, 1452.0), ("601398", "工商银行", "801780", 26000, 7.9),
    ("601939", "建设银行", "801780", 23000, 9.2), ("601288", "农业银行", "801780", 22000, 6.9),
    ("601988", "中国银行", "801780", 17000, 5.6), ("600941", "中国移动", "801770", 23000, 105.0),
    ("601857", "中国石油", "801960", 16000, 8.9), ("300750", "宁德时代", "801730", 17500, 390.0),
    ("688256", "寒武纪", "801080", 5800, 1380.0), ("688041", "海光信息", "801080", 5100, 220.0),
    ("688981", "中芯国际", "801080", 9500, 118.0), ("600036", "招商银行", "801780", 10000, 42.0),
    ("002594", "比亚迪", "801880", 9500, 98.0), ("601899", "紫金矿业", "801050", 7800, 29.5),
    ("600900", "长江电力", "801160", 7000, 28.6), ("601318", "中国平安", "801790", 10500, 58.0),
    ("601138", "工业富联", "801080", 12000, 60.5), ("000333", "美的集团", "801110", 5600, 73.0),
    ("601088", "中国神华", "801950", 7800, 39.5), ("300308", "中际旭创", "801770", 4600, 415.0),
    ("000858", "五粮液", "801120", 4500, 116.0), ("300502", "新易盛", "801770", 3000, 345.0),
    ("600276", "恒瑞医药", "801150", 4000, 62.0), ("300059", "东方财富", "801790", 4200, 26.6),
    ("601166", "兴业银行", "801780", 4500, 21.5), ("600030", "中信证券", "801790", 4300, 29.0),
    ("002475", "立讯精密", "801080", 4500, 62.0), ("300274", "阳光电源", "801730", 3500, 170.0),
    ("002371", "北方华创", "801080", 3000, 420.0), ("688008", "澜起科技", "801080", 1500, 130.0),
    ("688012", "中微公司", "801080", 1700, 275.0), ("688111", "金山办公", "801750", 1500, 330.0),
    ("300760", "迈瑞医疗", "801150", 2900, 240.0), ("300124", "汇川技术", "801890", 1900, 72.0),
    ("300476", "胜宏科技", "801080", 2500, 290.0), ("601012", "隆基绿能", "801730", 1500, 19.8),
    ("688599", "天合光能", "801730", 400, 18.4),
]
SYL = list("华中恒天宏金新盛鑫海泰东远安瑞德博信嘉隆荣丰永祥润达兴凯亿通汇创力元星光")
SUFFIX = {"801080": ["电子", "微电", "半导体"], "801150": ["药业", "生物", "医疗"],
          "801730": ["电气", "能源", "新能"], "801750": ["软件", "信息", "数据"],
          "801770": ["通信", "光电", "网络"], "801030": ["化工", "新材", "化学"],
          "801890": ["精工", "机械", "智能"], "801780": ["银行"], "801790": ["证券", "信托"],
          "801180": ["地产", "置业"], "801120": ["食品", "酒业"], "801050": ["矿业", "有色"]}
BOARDS = [("600", 0.18), ("601", 0.1), ("603", 0.12), ("605", 0.05), ("000", 0.1),
          ("002", 0.17), ("001", 0.03), ("300", 0.17), ("688", 0.08)]


def make_universe(sw: pd.DataFrame, n_total: int = 336) -> pd.DataFrame:
    rows = [dict(stock_code=c, stock_name=nm, sw_l1_code=ind, cap=cap * 1e8, price=px)
            for c, nm, ind, cap, px in NAMED]
    used = {r["stock_code"] for r in rows}
    names = {r["stock_name"] for r in rows}
    inds = list(sw["industry_code"])
    prefixes, probs = zip(*BOARDS)
    p = np.array(probs) / sum(probs)
    while len(rows) < n_total:
        prefix = str(rng.choice(prefixes, p=p))
        code = prefix + f"{int(rng.integers(0, 1000)):03d}"
        ind = str(rng.choice(inds))
        name = "".join(rng.choice(SYL, 2)) + str(rng.choice(SUFFIX.get(ind, ["股份", "科技",
                                                                          "实业", "控股"])))
        if code in used or name in names:
            continue
        used.add(code)
        names.add(name)
        cap = float(np.exp(rng.uniform(np.log(35e8), np.log(3500e8))))
        rows.append(dict(stock_code=code, stock_name=name, sw_l1_code=ind, cap=cap,
                         price=float(np.round(np.exp(rng.uniform(np.log(4), np.log(180))), 2))))
    return pd.DataFrame(rows)


def make_stocks(days: list[date], uni: pd.DataFrame, sw_rets: dict[str, np.ndarray]
                ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, str]:
    n, m = len(days), len(uni)
    closes = np.zeros((n, m))
    for j, r in enumerate(uni.itertuples()):
        beta = rng.uniform(0.7, 1.3)
        idio = rng.normal(0, rng.uniform(0.008, 0.022), n)
        idio[0] = 0
        ret = beta * sw_rets[r.sw_l1_code] + idio
        ret[-5:] = beta * sw_rets[r.sw_l1_code][-5:] + idio[-5:] * 0.5
        growth = np.cumprod(1 + ret)
        closes[:, j] = r.price * growth / growth[-1]
    shares = (uni["cap"] / uni["price"]).to_numpy()
    float_ratio = rng.uniform(0.35, 1.0, m)
    total_mv = closes * shares
    float_mv = total_mv * float_ratio
    turn = np.exp(rng.normal(np.log(0.012), 0.5, m))
    turn[uni["sw_l1_code"].eq("801780").to_numpy()] = 0.0025
    ramp = np.interp(np.arange(n), [0, 80, 85, 200, n - 1], [0.45, 0.5, 1.4, 0.75, 1.0])
    amount = float_mv * turn * ramp[:, None] * np.exp(rng.normal(0, 0.3, (n, m)))
    suspended = str(uni.iloc[-1]["stock_code"])  # no trading in the sample week
    recs = []
    week_start = days.index(WEEK[0])
    for j, code in enumerate(uni["stock_code"]):
        for i, d in enumerate(days):
            if code == suspended and i >= week_start:
                continue
            recs.append((d.isoformat(), code, round(closes[i, j], 2), round(amount[i, j], -2),
                         round(total_mv[i, j], -4), round(float_mv[i, j], -4)))
    f = pd.DataFrame(recs, columns=["trade_date", "stock_code", "close", "amount_cny",
                                    "total_mv_cny", "float_mv_cny"])
    return f, closes, amount, float_mv, suspended


def make_constituents(uni: pd.DataFrame) -> pd.DataFrame:
    by_cap = uni.sort_values("cap", ascending=False)
    code = by_cap["stock_code"]
    sets = {
        "000300": list(code[:100]), "000905": list(code[100:180]), "000852": list(code[180:280]),
        "399006": list(code[code.str[:3].isin(["300", "301"])][:50]),
        "000688": list(code[code.str[:3].isin(["688", "689"])][:30]),
        "000016": list(code[code.str[0].eq("6")][:30]),
    }
    rows = [(k, c, END.isoformat()) for k, v in sets.items() for c in v]
    return pd.DataFrame(rows, columns=["index_code", "stock_code", "snapshot_date"])


def make_margin_stock(days: list[date], uni: pd.DataFrame, amount: np.ndarray,
                      float_mv: np.ndarray, suspended: str) -> pd.DataFrame:
    n, m = amount.shape
    ratio = rng.uniform(0.02, 0.08, m)
    drift = np.exp(np.cumsum(rng.normal(0, 0.01, (n, m)), axis=0))
    bal = float_mv * ratio * drift
    dbal = np.vstack([np.zeros(m), np.diff(bal, axis=0)])
    buy = np.maximum(amount * rng.uniform(0.07, 0.12, m), np.abs(dbal) * 1.2)
    off = {(int(rng.integers(0, n)), int(rng.integers(0, m))) for _ in range(40)}
    week_start = days.index(WEEK[0])
    recs = []
    for j, code in enumerate(uni["stock_code"]):
        for i, d in enumerate(days):
            if (i, j) in off or (code == suspended and i >= week_start):
                continue
            recs.append((d.isoformat(), code, round(bal[i, j], -2), round(buy[i, j], -2)))
    return pd.DataFrame(recs, columns=["trade_date", "stock_code", "fin_balance_cny",
                                       "fin_buy_cny"])


def make_margin_market(days: list[date], turnover: np.ndarray) -> pd.DataFrame:
    n = len(days)
    bal = path_to(days, 2.4935e12, 1.52e12, 0.004,
                  week_shape(0.21, [0.3, -0.2, 0.3, 0.4, 0.1]))
    sec = path_to(days, 1.71e10, 3.1e10, 0.01)
    share = np.clip(rng.normal(0.105, 0.008, n), 0.085, 0.125)
    share[[days.index(d) for d in PREV]] = 0.119 + rng.normal(0, 0.001, 5)
    share[[days.index(d) for d in WEEK]] = 0.109 + rng.normal(0, 0.001, 5)
    sec_sell = np.maximum(rng.normal(9e8, 1.5e8, n), 2e8)
    fin_buy = share * turnover - sec_sell
    return pd.DataFrame({"trade_date": iso(days), "fin_balance_cny": np.round(bal, -6),
                         "sec_balance_cny": np.round(sec, -5), "fin_buy_cny": np.round(fin_buy, -5),
                         "sec_sell_cny": np.round(sec_sell, -4)})


def make_etfs(days: list[date], etfs: pd.DataFrame, idx: dict[str, np.ndarray]) -> pd.DataFrame:
    n = len(days)
    frames = []
    week = np.array([d in WEEK for d in days])
    for r in etfs.itertuples():
        if r.tracks_index in idx:
            base = idx[r.tracks_index]
            px = base / base[-1] * rng.uniform(0.9, 4.8)
        else:
            px = path_to(days, rng.uniform(0.7, 2.5), rng.uniform(0.6, 2.0), 0.016)
        big = r.category == "broad"
        s0 = float(np.exp(rng.uniform(np.log(8e9), np.log(9e10)) if big
                          else rng.uniform(np.log(1e9), np.log(2e10))))
        mu = np.where(week, -0.004 if big else 0.003, rng.normal(0.0004, 0.0008))
        chg = rng.normal(mu, 0.004, n)
        shares = s0 * np.cumprod(1 + chg) / np.prod(1 + chg)
        frames.append(pd.DataFrame({"trade_date": iso(days), "etf_code": r.etf_code,
                                    "close": np.round(px, 3), "shares": np.round(shares, -4)}))
    return pd.concat(frames, ignore_index=True)


def third_friday(y: int, m: int, xshg: set[date]) -> date:
    d = date(y, m, 15)
    d += timedelta(days=(4 - d.weekday()) % 7)
    while d not in xshg:
        d += timedelta(days=1)
    return d


def make_futures(days: list[date], products: pd.DataFrame, idx: dict[str, np.ndarray]
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    xshg = set(sessions("XSHG", START, date(2026, 12, 31)))
    months = [(y, m) for y in range(2024, 2027) for m in range(1, 13)]
    expiry = {(y, m): third_friday(y, m, xshg) for y, m in months}
    listed_on: dict[str, tuple[date, date, str]] = {}
    rows = []
    n = len(days)
    late = np.array([d >= date(2025, 10, 17) for d in days])
    base_basis = {"IF": -0.01, "IH": 0.002, "IC": -0.07, "IM": -0.10}
    for p in products.itertuples():
        spot = idx[p.underlying_index]
        noise = rng.normal(0, 0.012, n)
        for i, d in enumerate(days):
            cur = next(ym for ym in months if expiry[ym] >= d)
            k = months.index(cur)
            nxt = months[k + 1]
            quarters = [ym for ym in months[k + 2:] if ym[1] in (3, 6, 9, 12)][:2]
            for tenor, ym in enumerate([cur, nxt] + quarters):
                code = f"{p.variety}{ym[0] % 100:02d}{ym[1]:02d}"
                last = expiry[ym]
                first = listed_on.get(code, (d, last, ""))[0]
                listed_on[code] = (first, last, p.variety)
                dte = (last - d).days
                ann = base_basis[p.variety] * (1.4 if late[i] and p.variety in ("IC", "IM")
                                               else 1.0)
                if p.variety == "IH" and d.month in (6, 7, 8):
                    ann -= 0.03
                ann += noise[i] + rng.normal(0, 0.004)
                fut = spot[i] * (1 + ann * dte / 365)
                oi = [78000, 42000, 95000, 36000][tenor] * (0.6 if p.variety == "IH" else 1.0)
                if tenor == 3 and d in WEEK:
                    oi *= 1.0 + 0.06 * (WEEK.index(d) + 1)
                oi *= rng.uniform(0.9, 1.1) * (max(dte, 1) / 30) ** 0.1
                vol = oi * rng.uniform(0.5, 1.2) * (1.6 if tenor == 0 else 0.7)
                rows.append((d.isoformat(), code, p.variety, round(fut, 1),
                             round(fut * (1 + rng.normal(0, 0.0003)), 1), round(vol), round(oi)))
    daily = pd.DataFrame(rows, columns=["trade_date", "contract_code", "variety", "close", "settle",
                                        "volume", "open_interest"])
    info = pd.DataFrame([(c, v, c[2:], f.isoformat(), last.isoformat())
                         for c, (f, last, v) in sorted(listed_on.items())],
                        columns=["contract_code", "variety", "contract_month", "list_date",
                                 "last_trade_date"])
    return info, daily


def make_funds(days: list[date], funds: pd.DataFrame, idx: dict[str, np.ndarray]) -> pd.DataFrame:
    targets = {"000905": {tuple(PREV): -0.9, tuple(WEEK): 0.1},
               "000852": {tuple(PREV): -1.0, tuple(WEEK): -0.5}}
    frames = []
    for f in funds.itertuples():
        base = idx[f.benchmark_index]
        r_idx = np.concatenate([[0.0], base[1:] / base[:-1] - 1])
        ex = rng.normal(0.0002, 0.0008, len(days))
        for wk, tgt in targets[f.benchmark_index].items():
            for d in wk:
                ex[days.index(d)] = tgt / 100 / 5 + rng.normal(0, 0.0004)
        r = r_idx + ex
        nav = rng.uniform(1.1, 2.8) * np.cumprod(1 + r) / np.prod(1 + r)
        frames.append(pd.DataFrame({"trade_date": iso(days), "fund_code": f.fund_code,
                                    "nav": np.round(nav, 4), "daily_return_pct": np.round(r * 100, 4)}))
    return pd.concat(frames, ignore_index=True)


def make_main_flow(days: list[date], uni: pd.DataFrame, amount: np.ndarray,
                   cons: pd.DataFrame, suspended: str) -> pd.DataFrame:
    n, m = amount.shape
    market = rng.normal(-0.012, 0.008, n)
    big = set(cons.loc[cons["index_code"].isin(["000300", "399006", "000688"]), "stock_code"])
    in_big = uni["stock_code"].isin(big).to_numpy()
    for d in PREV:
        market[days.index(d)] = -0.022
    for d in WEEK:
        market[days.index(d)] = -0.011
    ind = uni["sw_l1_code"].to_numpy()
    tilt = np.zeros((n, m))
    for k, d in enumerate(WEEK):
        i = days.index(d)
        tilt[i, ind == "801750"] = -0.03
        tilt[i, ind == "801080"] = -0.015
        if k >= 2:
            tilt[i, ind == "801030"] = 0.035
    frac = market[:, None] * np.where(in_big, 1.2, 0.8) + tilt + rng.normal(0, 0.015, (n, m))
    flow = amount * frac
    week_start = days.index(WEEK[0])
    recs = [(d.isoformat(), code, round(flow[i, j], -2)) for j, code in enumerate(uni["stock_code"])
            for i, d in enumerate(days) if not (code == suspended and i >= week_start)]
    return pd.DataFrame(recs, columns=["trade_date", "stock_code", "main_net_inflow_cny"])


def make_northbound(days: list[date], turnover: np.ndarray) -> pd.DataFrame:
    n = len(days)
    total = turnover * np.clip(rng.normal(0.12, 0.01, n), 0.09, 0.15)
    for wk, adt in ((PREV, 2.729e11), (WEEK, 2.435e11)):
        idx = [days.index(d) for d in wk]
        v = rng.uniform(0.95, 1.05, 5)
        total[idx] = adt * v / v.mean()
    rows = []
    for i, d in enumerate(days):
        sh = total[i] * rng.uniform(0.52, 0.58)
        for ch, amt in (("sh", sh), ("sz", total[i] - sh)):
            net = round(float(rng.normal(0, 3e9)), -4) if d < NB_CUTOFF else None
            rows.append((d.isoformat(), ch, round(amt, -4), net))
    return pd.DataFrame(rows, columns=["trade_date", "channel", "amount_cny", "net_buy_cny"])


def make_holdings(uni: pd.DataFrame, closes: np.ndarray, days: list[date]) -> pd.DataFrame:
    i = max(k for k, d in enumerate(days) if d <= date(2025, 9, 30))
    top = uni.sort_values("cap", ascending=False).head(60)
    rows = []
    for r in top.itertuples():
        j = int(r.Index)
        total_shares = r.cap / r.price
        sh = total_shares * rng.uniform(0.01, 0.08)
        rows.append(("2025-09-30", r.stock_code, round(sh, -2), round(sh * closes[i, j], -2)))
    return pd.DataFrame(rows, columns=["disclosure_date", "stock_code", "shares",
                                       "market_value_cny"])


def make_boards(days: list[date], themes: pd.DataFrame, allA: np.ndarray) -> pd.DataFrame:
    n = len(days)
    r_mkt = np.concatenate([[0.0], allA[1:] / allA[:-1] - 1])
    since = next(i for i, d in enumerate(days) if d >= date(2025, 10, 9))
    alpha_total = {"fusion": 0.12, "solid_state": 0.09, "storage": 0.15, "semiconductor": -0.02,
                   "optical": -0.04}
    week_amt = [1.25, 0.95, 0.9, 1.2, 0.85]
    frames = []
    for t in themes.itertuples():
        alpha = rng.normal(0.0003, 0.006, n)
        k = n - since
        alpha[since:] = alpha_total[t.theme_id] / k + rng.normal(0, 0.004, k)
        r = r_mkt * rng.uniform(1.1, 1.5) + alpha
        close = rng.uniform(900, 2500) * np.cumprod(1 + r) / np.prod(1 + r)
        amt = rand_series(n, rng.uniform(1e11, 3e11), 0.1)
        for q, d in enumerate(WEEK):
            amt[days.index(d)] = amt[days.index(WEEK[0]) - 1] * week_amt[q]
        frames.append(pd.DataFrame({"trade_date": iso(days), "board_code": t.board_code,
                                    "board_name": t.board_name, "close": np.round(close, 2),
                                    "amount_cny": np.round(amt, -4)}))
    return pd.concat(frames, ignore_index=True)


# -- main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=SEEDS / "sample")
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ref = {name: pd.read_csv(SEEDS / f"{name}.csv", dtype=str) for name in
           ("sw_l1", "global_assets", "etfs", "enhanced_funds", "futures_products", "themes")}
    days = sessions("XSHG")
    idx, closes = make_index_daily(days)
    turnover = (idx[idx.index_code == "000001"]["amount_cny"].to_numpy()
                + idx[idx.index_code == "399106"]["amount_cny"].to_numpy())
    sw, sw_rets = make_sw(days, ref["sw_l1"], 2.0e12)
    uni = make_universe(ref["sw_l1"])
    stock, s_close, s_amount, s_float, suspended = make_stocks(days, uni, sw_rets)
    cons = make_constituents(uni)
    fut_info, fut_daily = make_futures(days, ref["futures_products"], closes)
    out_frames = {
        "trade_days": pd.DataFrame({"trade_date": iso(sessions("XSHG", START, date(2025, 12, 31)))}),
        "index_daily": idx,
        "sw_industry_daily": sw,
        "global_asset_daily": make_global(ref["global_assets"], closes["000001"], days),
        "margin_market_daily": make_margin_market(days, turnover),
        "stock_universe": uni[["stock_code", "stock_name", "sw_l1_code"]].assign(
            snapshot_date=END.isoformat()),
        "stock_daily": stock,
        "index_constituents": cons,
        "margin_stock_daily": make_margin_stock(days, uni, s_amount, s_float, suspended),
        "etf_daily": make_etfs(days, ref["etfs"], closes),
        "futures_contracts": fut_info,
        "futures_daily": fut_daily,
        "fund_nav_daily": make_funds(days, ref["enhanced_funds"], closes),
        "main_flow_stock_daily": make_main_flow(days, uni, s_amount, cons, suspended),
        "northbound_daily": make_northbound(days, turnover),
        "northbound_holdings": make_holdings(uni, s_close, days),
        "concept_board_daily": make_boards(days, ref["themes"], closes["000985"]),
    }
    for name, frame in out_frames.items():
        write(out, name, frame)
    (out / "README.md").write_text(
        "# SYNTHETIC SAMPLE DATA\n\nGenerated by `scripts/make_sample.py` (fixed seed). Not "
        "market data: shaped like the week of 2025-11-03..07 for demonstration and tests.\n",
        encoding="utf-8")
    size = sum(p.stat().st_size for p in out.iterdir())
    print(f"wrote {len(out_frames)} datasets to {out} ({size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - t0:.1f} s; suspended in sample week: {suspended}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
