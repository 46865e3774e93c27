#!/usr/bin/env python
"""Generate the bundled SYNTHETIC sample data set ``seeds/sample`` (not market data).

    .venv/bin/python scripts/make_sample.py [--out DIR]

Writes one file per dataset in ``fundflow.data.schemas.DATASETS``: ``<name>.csv``, or
``<name>.csv.gz`` for the three big per-stock datasets, with exactly the canonical columns, ISO
dates and zero-padded codes, plus a README.md. Static reference tables are read from ``seeds/*.csv``
(indices, sw_l1, global_assets, etfs, futures_products, themes); the sample's enhanced funds are
``SAMPLE_FUNDS`` below (placeholder ``9xxxxx`` codes, sample only), written as weekly
``enhanced_fund_universe`` snapshots.

How the numbers are made
* Calendars: A-share sessions are exchange_calendars XSHG from 2024-06-03 to 2025-11-07. Global
  assets use their own market's calendar (XNYS, XHKG, XTKS, XETR, XLON), so holidays differ.
* Levels: every price or yield is a random walk tied to a few rough real-world anchor levels (a
  Brownian bridge in log space; A-share series share a common market shock). The sample week
  2025-11-03..07 is forced to daily returns that reproduce a broker's summary of that week (SSE
  Composite +1.10%, ChiNext +0.60%, STAR 50 +0.01%, CSI 500 -0.04%, CSI 2000 +3.40%, CSI Dividend
  +2.20%, Nasdaq Composite -3.04%, Shenwan top 5 / bottom 2, ...) and the 2025-11-07 closes sit
  near the real ones.
* Stocks: real large caps (realistic market caps) plus synthetic names; each stock follows its
  Shenwan industry with a beta plus its own noise; market values move with the close.
* Flows (margin, ETFs, main funds, northbound, futures open interest, enhanced-fund excess
  returns) are built around the magnitudes of that week: two-market turnover ~2.0-2.3 万亿 a day,
  margin balance ~2.5 万亿, margin share of turnover 11.9% -> 10.9%, northbound 2,729 -> 2,435 亿.
* Market temperature and macro (issue 18): QVIX = a smoothed 20-day realised volatility of the
  matching index plus a premium and AR(1) noise (50ETF ~15-30); macro releases are rounded
  public prints of 2024-06..2025-10 with calendar-style release dates (PMI on the month's last
  day, exports on the 7th, CPI/PPI on the 9th, industrial production on the 15th of the next
  month; new loans and TSF estimated on the 15th), nothing released after 2025-11-07. They draw
  from a second Generator (SEED_TEMPERATURE) so that the datasets above keep their rows.
* Per-stock financing purchases (issue 19): each stock's share of its turnover drifts day to
  day (AR(1) in logs) and shifts in the sample week, so the popular-stock table's leveraged
  share change is not 0.0pp everywhere. Drawn from a third Generator (SEED_MARGIN_BUY): only
  margin_stock_daily changes.
* Deterministic: one numpy Generator seeded 20251107 drawn in a fixed order, stable sorts (ties
  keep code order), numpy held to its baseline SIMD kernels, gzip with mtime=0: with the locked
  library versions (requirements/*.lock) any machine gives the same rows. generator.json records
  the versions the committed files were made with.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import platform
import sys
import time
from datetime import date, timedelta
from pathlib import Path

# Reproducible by construction, not by luck of the machine: numpy picks SIMD kernels for exp, log,
# sums and sorts at run time from the CPU's features, and the AVX2 / AVX-512 kernels can differ
# from the baseline ones in the last bit, which moves a rounded share count or a 6-decimal price.
# Restrict numpy to its x86-64-v2 baseline kernels (every x86-64 machine that runs numpy 2 has
# them) before numpy is imported. Names that a numpy version does not know are ignored.
if platform.machine().lower() in ("x86_64", "amd64"):
    os.environ["NPY_DISABLE_CPU_FEATURES"] = (
        "X86_V3 X86_V4 AVX512_ICL AVX512_SPR "                       # numpy >= 2.4 groups
        "AVX F16C FMA3 AVX2 AVX512F AVX512CD AVX512_KNL AVX512_KNM "  # numpy < 2.4 names
        "AVX512_SKX AVX512_CLX AVX512_CNL")

import exchange_calendars as xcals
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
sys.path.insert(0, str(ROOT / "src"))
from fundflow.data.schemas import DATASETS  # noqa: E402

SEED = 20251107
START, END = pd.Timestamp("2024-06-03"), pd.Timestamp("2025-11-07")
PREV = pd.Timestamp("2025-10-27")          # first session of the week before the sample week
BASE = pd.Timestamp("2025-10-31")          # last session before the sample week
GZIPPED = {"stock_daily", "margin_stock_daily", "main_flow_stock_daily"}
YI = 1e8                                   # 亿

# ---------------------------------------------------------------------------------------------
# Specifications (rough real-world levels; everything else is random)
# ---------------------------------------------------------------------------------------------
ANCHOR_DATES = ("2024-06-03", "2024-09-23", "2024-10-08", "2024-10-09", "2025-01-13",
                "2025-04-03", "2025-04-07", "2025-08-25", "2025-10-09")
# code: (levels at ANCHOR_DATES, close 2025-11-07, sample-week %, daily shape Mon..Fri %,
#        beta to the common shock, share of two-market turnover, average price per share)
INDEX_SPEC = {
    "000001": ((3078, 2749, 3490, 3259, 3160, 3342, 3097, 3883, 3933), 3997.56, 1.10,
               (0.55, -0.41, 0.23, 0.97, -0.25), 0.9, None, 11),
    "399001": ((9400, 8199, 11495, 10586, 9590, 10504, 9365, 12441, 13726), 13404.06, 0.19,
               (0.19, -1.71, 0.65, 1.73, -0.36), 1.1, 0.42, 14),
    "399006": ((1830, 1547, 2436, 2230, 1980, 2102, 1831, 2763, 3260), 3208.21, 0.60,
               (0.29, -1.96, 1.03, 1.84, -0.51), 1.3, 0.12, 30),
    "000688": ((735, 727, 1080, 990, 960, 1040, 930, 1247, 1500), 1398.04, 0.01,
               (0.80, -1.60, -0.90, 1.90, -0.15), 1.4, 0.045, 60),
    "000016": ((2420, 2313, 2857, 2700, 2620, 2700, 2457, 2900, 3030), 3060.00, 0.50,
               (0.30, -0.20, 0.10, 0.70, -0.40), 0.8, 0.065, 16),
    "000300": ((3580, 3256, 4256, 3997, 3730, 3860, 3589, 4469, 4680), 4678.79, 0.82,
               (0.37, -0.75, 0.19, 1.41, -0.31), 0.9, 0.27, 17),
    "000905": ((5420, 4615, 6270, 5800, 5450, 5800, 5300, 6850, 7420), 7306.00, -0.04,
               (0.30, -1.20, 0.50, 1.00, -0.60), 1.1, 0.14, 13),
    "000852": ((5680, 4618, 6700, 6160, 5800, 6250, 5600, 7150, 7560), 7530.00, 0.45,
               (0.50, -1.10, 0.60, 1.10, -0.60), 1.2, 0.17, 12),
    "932000": ((2150, 1640, 2390, 2280, 2300, 2700, 2250, 3000, 3090), 3208.00, 3.40,
               (1.00, -0.20, 0.90, 1.20, 0.50), 1.2, 0.15, 10),
    "000922": ((5630, 5230, 5930, 5600, 5550, 5600, 5260, 5770, 5600), 5727.00, 2.20,
               (0.60, 0.30, 0.20, 0.90, 0.20), 0.6, 0.03, 7),
    "000015": ((3250, 3070, 3440, 3280, 3300, 3250, 3030, 3290, 3250), 3330.00, 2.00,
               (0.50, 0.40, 0.20, 0.80, 0.10), 0.6, 0.015, 7),
    "000510": ((3950, 3600, 4750, 4420, 4200, 4380, 4030, 5100, 5400), 5420.00, 0.70,
               (0.40, -0.80, 0.30, 1.20, -0.40), 1.0, 0.36, 15),
    "000985": ((4900, 4400, 5900, 5480, 5250, 5650, 5080, 6350, 6600), 6620.00, 0.95,
               (0.50, -0.80, 0.40, 1.20, -0.30), 1.0, 0.99, 11),
    "399106": ((1700, 1452, 2040, 1880, 1800, 1990, 1760, 2370, 2560), 2566.00, 0.90,
               (0.50, -1.00, 0.60, 1.30, -0.20), 1.1, None, 11),
}
EXTRA_ANCHORS = {"000985": {"2025-09-30": 6560}, "000001": {"2025-10-28": 4010},
                 "000016": {"2025-04-08": 2490, "2025-05-15": 2690, "2025-07-15": 2780,
                            "2025-09-04": 2930, "2025-09-30": 2990, "2025-10-20": 3010}}
# Return % of the week before (2025-10-27..31): growth indices up, the rest about flat
PREV_WEEK_PCT = {"000001": 0.11, "399001": 0.7, "399006": 1.6, "000688": 1.7, "000016": 0.3,
                 "000300": 0.4, "000905": 0.5, "000852": 0.6, "932000": 0.4, "000922": -0.5,
                 "000015": -0.5, "000510": 0.4, "000985": 0.4, "399106": 0.6}
MICRO_WEEK_BOOST = 1.25   # CSI 2000's share of turnover in the sample week (its turnover rises)

# SSE + SZSE turnover, 万亿元; the two last weeks are fixed (averages 2.332 and 2.012).
TURNOVER_ANCHORS = {
    "2024-06-03": 0.78, "2024-07-22": 0.62, "2024-09-18": 0.55, "2024-09-23": 0.62,
    "2024-10-08": 3.45, "2024-10-09": 2.60, "2024-11-08": 2.50, "2024-12-31": 1.35,
    "2025-01-13": 1.05, "2025-02-20": 2.00, "2025-04-03": 1.25, "2025-04-07": 1.60,
    "2025-06-30": 1.45, "2025-08-25": 3.15, "2025-09-30": 2.20, "2025-10-09": 2.70,
    "2025-10-24": 1.99, "2025-10-27": 2.17, "2025-10-28": 2.16, "2025-10-29": 2.38,
    "2025-10-30": 2.55, "2025-10-31": 2.40, "2025-11-03": 2.14, "2025-11-04": 1.93,
    "2025-11-05": 1.90, "2025-11-06": 2.05, "2025-11-07": 2.04,
}
# Margin financing balance, 万亿元 (last 11 sessions fixed) and securities-lending balance, 亿元.
MARGIN_ANCHORS = {
    "2024-06-03": 1.52, "2024-09-18": 1.36, "2024-10-08": 1.45, "2024-11-08": 1.85,
    "2025-01-13": 1.80, "2025-03-18": 1.95, "2025-04-08": 1.80, "2025-06-30": 1.85,
    "2025-08-25": 2.20, "2025-09-30": 2.42, "2025-10-24": 2.46, "2025-10-27": 2.470,
    "2025-10-28": 2.478, "2025-10-29": 2.484, "2025-10-30": 2.490, "2025-10-31": 2.4862,
    "2025-11-03": 2.4915, "2025-11-04": 2.4943, "2025-11-05": 2.4952, "2025-11-06": 2.5003,
    "2025-11-07": 2.4971,
}
SEC_LENDING_ANCHORS = {"2024-06-03": 250, "2024-09-23": 135, "2025-04-07": 140,
                       "2025-10-31": 170, "2025-11-07": 171}
MARGIN_TURNOVER_SHARE = {"prev": 0.119, "week": 0.109}   # (fin_buy + sec_sell) / turnover
NORTHBOUND_AVG = {"prev": 2729 * YI, "week": 2435 * YI}  # per trading day, both channels
NORTHBOUND_NET_END = pd.Timestamp("2024-08-19")          # no daily net buying from this day

# Shenwan L1 name: (close 2025-11-07, sample-week %, beta, extra log move over the span,
#                   share of turnover %)
SW_SPEC = {
    "农林牧渔": (2900, 2.1, 0.8, 0.00, 1.2), "基础化工": (3900, 4.10, 1.0, 0.05, 4.5),
    "钢铁": (2500, 4.20, 0.8, 0.05, 0.8), "有色金属": (6800, 0.9, 1.1, 0.40, 4.5),
    "电子": (6200, -2.1, 1.4, 0.35, 13.0), "汽车": (7600, 1.2, 1.1, 0.15, 5.0),
    "家用电器": (9200, 0.4, 0.8, 0.05, 1.5), "食品饮料": (17800, 1.8, 0.8, -0.30, 2.0),
    "纺织服饰": (1700, 2.6, 0.9, -0.05, 0.7), "轻工制造": (2300, 2.9, 0.9, -0.05, 1.2),
    "医药生物": (9300, 0.6, 0.9, 0.05, 6.5), "公用事业": (2400, 3.1, 0.6, -0.05, 2.0),
    "交通运输": (2300, 2.3, 0.7, -0.05, 1.5), "房地产": (2300, 3.3, 1.0, -0.25, 1.2),
    "商贸零售": (2600, 2.7, 1.0, 0.05, 1.2), "社会服务": (9300, 1.9, 1.0, 0.00, 0.8),
    "银行": (4200, 1.5, 0.5, 0.15, 2.0), "非银金融": (2000, 0.2, 1.2, 0.05, 4.0),
    "综合": (3200, 3.2, 1.0, 0.00, 0.3), "建筑材料": (5300, 2.4, 0.9, -0.15, 0.7),
    "建筑装饰": (2200, 2.8, 0.8, -0.10, 1.5), "电力设备": (10500, 4.28, 1.2, 0.20, 8.0),
    "机械设备": (2000, 1.6, 1.1, 0.20, 7.0), "国防军工": (1700, 0.8, 1.2, 0.25, 3.5),
    "计算机": (5600, -1.2, 1.4, 0.20, 8.0), "传媒": (720, -0.6, 1.3, 0.25, 3.0),
    "通信": (4500, -3.3, 1.3, 0.60, 4.5), "煤炭": (2600, 3.55, 0.6, -0.20, 0.7),
    "石油石化": (2300, 4.30, 0.6, -0.10, 1.0), "环保": (2000, 3.0, 0.9, 0.00, 0.8),
    "美容护理": (5700, 2.2, 0.9, -0.10, 0.4),
}
TECH = {"电子", "计算机", "通信", "传媒"}

# Theme boards: (anchors, close 2025-11-07, sample-week %, shape, excess vs 000985 since
# 2025-10-09 %, turnover 亿元 at the end)
THEME_SPEC = {
    "fusion": ({"2024-06-03": 900, "2024-10-08": 1300, "2025-04-07": 1150, "2025-08-25": 1500},
               1850, 1.5, (1.5, -1.2, 0.8, 1.8, -0.5), 14.0, 900),
    "solid_state": ({"2024-06-03": 1000, "2024-10-08": 1350, "2025-04-07": 1100,
                     "2025-08-25": 1350}, 1620, 3.5, (1.2, -0.5, 1.0, 2.0, -0.3), 9.0, 1300),
    "storage": ({"2024-06-03": 1200, "2024-10-08": 1600, "2025-04-07": 1400, "2025-08-25": 1700},
                2480, 2.5, (2.0, -1.5, 0.5, 2.5, -1.0), 16.0, 1100),
    "semiconductor": ({"2024-06-03": 1100, "2024-10-08": 1600, "2025-04-07": 1400,
                       "2025-08-25": 1750}, 1950, -1.2, (0.5, -2.5, 0.3, 2.0, -1.5), -4.0, 2400),
    "optical": ({"2024-06-03": 1500, "2024-10-08": 2300, "2025-04-07": 1900, "2025-08-25": 3400},
                3900, -3.8, (-0.5, -3.5, 0.5, 1.0, -1.2), -6.0, 1500),
}
TECH_WEEK_TURNOVER = (1.12, 0.96, 0.93, 1.10, 0.92)   # Mon..Fri, relative to market turnover

# Global assets, each on the calendar named in seeds/global_assets.csv: (anchors,
# close 2025-11-07, sample-week %, daily shape or None, daily vol, decimals).
# SSEC is copied from index 000001.
GLOBAL_SPEC = {
    "DJIA": ({"2024-06-03": 38571, "2025-04-08": 37645, "2025-10-28": 47706},
             46987.10, -1.21, None, 0.008, 2),
    "SPX": ({"2024-06-03": 5283, "2025-04-08": 4982, "2025-10-28": 6890},
            6728.80, -1.63, None, 0.009, 2),
    "IXIC": ({"2024-06-03": 16828, "2025-04-08": 15268, "2025-10-29": 23958},
             23004.54, -3.04, (0.46, -2.04, 0.65, -1.90, -0.21), 0.012, 2),
    "SX5E": ({"2024-06-03": 5060, "2025-04-07": 4700, "2025-10-30": 5700},
             5566.53, -2.10, None, 0.009, 2),
    "GDAXI": ({"2024-06-03": 18600, "2025-04-07": 19790, "2025-10-09": 24600},
              23569.96, -1.60, None, 0.009, 2),
    "FTSE": ({"2024-06-03": 8262, "2025-04-07": 7702, "2025-10-30": 9760},
             9682.57, -0.40, None, 0.007, 2),
    "N225": ({"2024-06-03": 38923, "2024-08-05": 31458, "2025-04-07": 31137},
             50276.37, -4.07, None, 0.012, 2),
    "HSI": ({"2024-06-03": 18403, "2024-10-07": 23100, "2025-04-07": 19828,
             "2025-10-02": 27140}, 26241.83, 1.29, None, 0.012, 2),
    "HSCEI": ({"2024-06-03": 6530, "2024-10-07": 8390, "2025-04-07": 7180,
               "2025-10-02": 9620}, 9290.00, 1.26, None, 0.012, 2),
    "HSTECH": ({"2024-06-03": 3750, "2024-10-07": 5400, "2025-04-07": 4420,
                "2025-10-02": 6570}, 5843.00, -1.20, None, 0.016, 2),
    "LME_CU": ({"2024-06-03": 10100, "2025-04-08": 8600, "2025-10-29": 11150},
               10700.0, -1.80, None, 0.011, 1),
    "LME_AL": ({"2024-06-03": 2580, "2025-04-08": 2330}, 2850.0, -1.50, None, 0.010, 1),
    "CN10Y": ({"2024-06-03": 2.30, "2024-09-23": 2.04, "2025-01-03": 1.60,
               "2025-03-17": 1.90, "2025-07-01": 1.64, "2025-09-26": 1.88},
              1.811, (1.811 / 1.803 - 1) * 100, None, 0.008, 4),
    "US10Y": ({"2024-06-03": 4.40, "2024-09-16": 3.62, "2025-01-13": 4.79,
               "2025-04-04": 4.00, "2025-05-21": 4.60, "2025-08-01": 4.22, "2025-09-16": 4.03},
              4.090, (4.090 / 4.105 - 1) * 100, None, 0.010, 4),
    "GC": ({"2024-06-03": 2370, "2025-04-22": 3500, "2025-10-20": 4360},
           4009.8, -0.20, None, 0.009, 1),
    "SI": ({"2024-06-03": 30.8, "2025-04-07": 29.0, "2025-10-16": 53.5},
           48.32, -0.60, None, 0.015, 3),
    "CL": ({"2024-06-03": 74.2, "2025-04-08": 57.6, "2025-06-20": 75.0},
           59.75, -2.00, None, 0.018, 2),
    "NG": ({"2024-06-03": 2.76, "2024-08-27": 1.95, "2024-12-27": 3.70, "2025-03-10": 4.50,
            "2025-08-22": 2.70}, 4.350, 5.60, None, 0.025, 3),
    "ZS": ({"2024-06-03": 1160, "2024-10-10": 1000, "2025-08-15": 1010},
           1115.5, 1.30, None, 0.010, 2),
    "UDI": ({"2024-06-03": 104.1, "2024-09-27": 100.4, "2025-01-13": 110.0,
             "2025-07-01": 96.8}, 99.60, -0.20, None, 0.004, 4),
    "USDCNH": ({"2024-06-03": 7.255, "2024-09-26": 6.98, "2025-04-08": 7.42},
               7.1240, 0.06, None, 0.002, 4),
    "USDHKD": ({"2024-06-03": 7.815, "2025-05-05": 7.7505, "2025-06-27": 7.8499,
                "2025-08-12": 7.849}, 7.7760, 0.03, None, 0.0004, 4),
}

# Real large caps: code name industry total_mv(亿) close float_ratio turnover(%/day)
# log move since 2024-06.  The rest of the universe is synthetic.
REAL_STOCKS = """
601398 工商银行 银行 27000 7.62 0.73 0.15 0.31
601288 农业银行 银行 27500 7.86 0.92 0.25 0.55
601939 建设银行 银行 24500 9.80 0.04 0.60 0.30
601988 中国银行 银行 17500 5.95 0.72 0.20 0.30
601857 中国石油 石油石化 17000 9.30 0.88 0.20 0.00
600519 贵州茅台 食品饮料 18100 1445.00 1.00 0.30 -0.10
300750 宁德时代 电力设备 17600 386.00 0.85 0.90 0.75
600941 中国移动 通信 23000 105.00 0.05 1.00 0.05
601138 工业富联 电子 12500 63.00 0.99 1.60 0.80
601318 中国平安 非银金融 10600 58.00 0.59 0.50 0.15
600036 招商银行 银行 10300 41.50 0.82 0.30 0.20
688981 中芯国际 电子 9300 117.00 0.25 2.20 0.95
688256 寒武纪 电子 5800 1390.00 0.70 3.50 1.94
300308 中际旭创 通信 6000 540.00 0.98 3.00 1.42
688041 海光信息 电子 5200 224.00 0.45 1.50 1.16
000858 五粮液 食品饮料 4500 116.00 1.00 0.35 -0.25
600030 中信证券 非银金融 4300 29.00 0.82 0.90 0.40
300059 东方财富 非银金融 3900 25.00 0.87 2.20 0.70
600276 恒瑞医药 医药生物 4200 63.50 0.99 0.60 0.20
002475 立讯精密 电子 4400 61.00 0.97 1.50 0.35
300274 阳光电源 电力设备 3800 184.00 0.75 2.50 0.80
300502 新易盛 通信 3000 300.00 0.80 3.50 1.90
300476 胜宏科技 电子 2500 290.00 0.95 3.80 2.20
002371 北方华创 电子 2400 450.00 0.99 1.50 0.40
300760 迈瑞医疗 医药生物 2700 222.00 1.00 0.50 -0.45
002714 牧原股份 农林牧渔 2900 52.00 0.95 0.50 0.05
600309 万华化学 基础化工 1900 61.00 1.00 0.60 -0.40
600019 宝钢股份 钢铁 1600 7.30 0.98 0.40 0.20
600690 海尔智家 家用电器 2400 26.00 0.60 0.50 -0.10
000651 格力电器 家用电器 2300 40.00 0.98 0.60 -0.10
600887 伊利股份 食品饮料 1800 28.50 0.99 0.50 0.05
603993 洛阳钼业 有色金属 3800 17.60 0.84 1.50 0.60
601012 隆基绿能 电力设备 1500 20.00 1.00 2.00 0.10
300124 汇川技术 机械设备 2000 74.00 0.90 1.00 0.30
688012 中微公司 电子 1800 290.00 1.00 1.80 0.50
688008 澜起科技 电子 1500 130.00 1.00 1.80 0.70
688111 金山办公 计算机 1500 320.00 1.00 1.50 0.15
603986 兆易创新 电子 1500 225.00 0.95 3.00 1.00
600150 中国船舶 国防军工 1500 33.50 0.93 1.20 0.05
600760 中航沈飞 国防军工 1400 50.00 0.90 1.20 0.15
600050 中国联通 通信 1800 5.70 0.97 0.60 0.20
601166 兴业银行 银行 4300 20.50 1.00 0.40 0.15
600111 北方稀土 有色金属 1800 50.00 1.00 3.00 0.85
601919 中远海控 交通运输 2300 14.80 0.80 0.60 0.05
600406 国电南瑞 电力设备 1800 23.00 0.98 0.50 -0.10
000725 京东方A 电子 1450 3.90 0.97 1.20 -0.05
601225 陕西煤业 煤炭 2000 20.80 1.00 0.50 -0.30
600346 恒力石化 石油石化 1150 16.40 1.00 0.70 0.00
600585 海螺水泥 建筑材料 1250 25.00 0.80 0.40 -0.10
603259 药明康德 医药生物 2900 100.00 0.85 1.20 0.70
002415 海康威视 计算机 2900 31.50 0.90 0.50 -0.05
601766 中国中车 机械设备 2200 7.70 0.86 0.50 0.05
601668 中国建筑 建筑装饰 2300 5.60 1.00 0.40 0.00
600031 三一重工 机械设备 1800 21.00 1.00 0.80 0.25
000063 中兴通讯 通信 1900 40.00 0.85 2.50 0.35
601888 中国中免 商贸零售 1500 72.00 0.90 1.00 0.00
300498 温氏股份 农林牧渔 1200 18.00 0.99 0.60 -0.05
002460 赣锋锂业 有色金属 1100 56.00 0.70 3.00 0.55
688271 联影医疗 医药生物 1150 140.00 0.80 0.80 0.15
300015 爱尔眼科 医药生物 1050 11.50 0.80 1.00 -0.05
600048 保利发展 房地产 870 7.30 1.00 0.80 -0.20
001979 招商蛇口 房地产 850 9.50 1.00 0.80 0.00
002027 分众传媒 传媒 980 7.00 1.00 0.80 0.05
603605 珀莱雅 美容护理 350 88.00 0.99 1.00 -0.30
300896 爱美客 美容护理 500 165.00 0.90 1.00 -0.30
"""
# Extra log return over the sample week and extra daily leverage tilt in it (named in the
# broker summary: Cambricon, Hygon and ICBC added leverage, Zhongji Innolight and SMIC cut it).
WEEK_STOCK_EXTRA = {"688256": (0.06, 0.020), "688041": (0.04, 0.020), "601398": (0.01, 0.020),
                    "300308": (-0.05, -0.012), "688981": (-0.04, -0.012),
                    "300502": (-0.09, -0.004)}
# Synthetic universe: (code prefixes with weights and max suffix, count)
BOARDS = (
    ({"600": (0.4, 999), "601": (0.2, 999), "603": (0.3, 999), "605": (0.1, 599)}, 100),
    ({"688": (1.0, 799)}, 55),
    ({"000": (0.3, 999), "001": (0.1, 399), "002": (0.55, 999), "003": (0.05, 43)}, 75),
    ({"300": (0.7, 999), "301": (0.3, 599)}, 70),
)
STAR_INDUSTRIES = {"电子": 35, "医药生物": 20, "机械设备": 15, "计算机": 15, "电力设备": 10,
                   "国防军工": 5}
NAME_HEADS = "华东南北中金新长恒天瑞盛鼎博宏永安泰嘉鸿汇锦景凯联明清荣润森拓万兴亚远正志卓晨辰航星通达"
NAME_TAILS = {
    "电子": "电子 微电 光电 芯材 精密 半导体", "计算机": "信息 软件 数据 智联 网络 科技",
    "通信": "通信 光通 讯通 网联", "医药生物": "医药 药业 生物 医疗 制药",
    "电力设备": "电气 新能 电力 储能 电工", "机械设备": "机械 重工 智能 装备 机电",
    "基础化工": "化工 化学 新材 材料", "汽车": "汽车 汽配 动力 车辆", "有色金属": "矿业 有色 资源 金属",
    "银行": "银行 农商行", "非银金融": "证券 保险 信托 期货", "食品饮料": "食品 酒业 乳业 饮品",
    "家用电器": "电器 家电 厨电", "纺织服饰": "纺织 服饰 时装", "轻工制造": "家居 纸业 包装 轻工",
    "公用事业": "电力 燃气 水务 能源", "交通运输": "物流 航运 港口 高速", "房地产": "地产 置业 发展",
    "商贸零售": "商业 百货 商贸", "社会服务": "旅游 教育 酒店", "综合": "控股 实业 集团",
    "建筑材料": "建材 水泥 玻璃", "建筑装饰": "建工 建设 设计 路桥", "国防军工": "航天 航空 防务 船舶",
    "传媒": "传媒 文化 影视 游戏", "煤炭": "煤业 能源 焦煤", "石油石化": "石化 油服 石油",
    "环保": "环保 环境 环境科技", "美容护理": "美妆 化妆品 护理", "钢铁": "钢铁 特钢 钢管",
    "农林牧渔": "农业 牧业 种业 渔业",
}

# ETFs: code -> (close 2025-11-07, shares 亿份 at the end, what it follows)
ETF_SPEC = {
    "510050": (3.125, 450, "idx:000016"), "510300": (4.800, 900, "idx:000300"),
    "510310": (1.950, 1300, "idx:000300"), "510330": (4.850, 450, "idx:000300"),
    "159919": (4.900, 380, "idx:000300"), "510500": (7.400, 130, "idx:000905"),
    "159922": (7.200, 30, "idx:000905"), "512100": (3.050, 250, "idx:000852"),
    "159845": (3.000, 120, "idx:000852"), "159915": (3.250, 300, "idx:399006"),
    "159949": (1.550, 200, "idx:399006"), "588000": (1.500, 550, "idx:000688"),
    "588080": (1.480, 300, "idx:000688"), "512050": (1.220, 220, "idx:000510"),
    "563360": (1.180, 200, "idx:000510"), "159338": (1.200, 180, "idx:000510"),
    "510880": (3.300, 70, "idx:000015"), "515080": (1.650, 50, "idx:000922"),
    "512890": (1.200, 180, "idx:000922"), "512480": (1.450, 120, "theme:semiconductor"),
    "159995": (1.750, 150, "theme:semiconductor"), "515050": (1.750, 60, "sw:通信"),
    "512880": (1.280, 450, "sw:非银金融"), "512800": (0.850, 250, "sw:银行"),
    "512010": (0.420, 400, "sw:医药生物"), "515790": (0.950, 150, "sw:电力设备"),
    "159870": (0.800, 180, "sw:基础化工"), "512660": (1.150, 80, "sw:国防军工"),
}
ETF_LISTED = {"563360": "2024-10-15", "159338": "2024-10-15", "512050": "2024-11-19"}  # A500
ETF_WEEK_DRIFT = {"broad": -0.0025, "strategy": 0.0010, "sector": 0.0}  # share of AUM per day

# Index futures: mean annualised basis %, total open interest (lots)
FUTURES_SPEC = {"IF": (-2.0, 260_000), "IH": (-0.5, 95_000), "IC": (-7.5, 280_000),
                "IM": (-9.0, 350_000)}
# open-interest weight by calendar days to expiry (rolls out of the current month near expiry)
OI_DTE = np.array([0, 7, 15, 35, 50, 65, 100, 140, 200, 280])
OI_WEIGHT = np.array([0.05, 0.6, 1.0, 0.95, 0.45, 0.55, 0.9, 0.7, 0.45, 0.3])

# Enhanced funds: median weekly excess % for the sample week and the week before
FUND_EXCESS = {"000905": {"week": 0.1, "prev": -0.9}, "000852": {"week": -0.5, "prev": -1.0}}

# Main-fund flow: market component (% of amount) for the two last weeks, industry tilts
MAIN_FLOW_MARKET = {"prev": (-1.4, -1.1, -1.6, -1.2, -1.5), "week": (-0.5, -1.3, -0.4, -0.3, -1.2)}
MAIN_FLOW_TILT = {"计算机": (-1.8,) * 5, "电子": (-0.8,) * 5, "医药生物": (-2.2,) * 5,
                  "通信": (0.6,) * 5,
                  "基础化工": (-0.2, 0.0, 2.2, 2.6, 2.4)}
# Margin: industry leverage tilts in the sample week (share of balance per day)
MARGIN_TILT = {"美容护理": 0.006, "房地产": 0.005, "电力设备": 0.0035, "钢铁": 0.004,
               "基础化工": 0.0035, "银行": -0.003, "非银金融": -0.003, "通信": -0.005,
               "家用电器": -0.003, "建筑材料": -0.003}

# -- market temperature and macro (issue 18): drawn from their own Generator, so the datasets
# above keep their rows byte for byte ---------------------------------------------------------
SEED_TEMPERATURE = 20251118
# per-stock financing purchases (issue 19): their own Generator, so only margin_stock_daily moves
SEED_MARGIN_BUY = 20251119
MARGIN_BUY_DRIFT = (0.15, 0.8)        # log share of turnover: AR(1) sd and daily persistence
MARGIN_BUY_WEEK_SD = 0.15             # per-stock log shift in the sample week
# QVIX series: (underlying index, volatility risk premium in vol points, floor)
QVIX_SPEC = {"50etf": ("000016", 3.0, 11.0), "300etf": ("000300", 3.0, 11.5),
             "500etf": ("000905", 3.5, 14.0), "1000index": ("000852", 4.0, 15.0),
             "cyb": ("399006", 4.5, 17.0), "kcb": ("000688", 5.0, 20.0)}
# Monthly macro prints (rounded public figures; months YYYY-MM). Jin10-calendar indicators have
# (actual, expected) and are released on the day given by MACRO_RELEASE_RULE; new loans and TSF
# (亿元) have no release date in their sources (estimated: the 15th of the next month).
MACRO_PRINTS = {
    "pmi_mfg": {"2024-06": 49.5, "2024-07": 49.4, "2024-08": 49.1, "2024-09": 49.8,
                "2024-10": 50.1, "2024-11": 50.3, "2024-12": 50.1, "2025-01": 49.1,
                "2025-02": 50.2, "2025-03": 50.5, "2025-04": 49.0, "2025-05": 49.5,
                "2025-06": 49.7, "2025-07": 49.3, "2025-08": 49.4, "2025-09": 49.8,
                "2025-10": 49.0},
    "pmi_non_mfg": {"2024-06": 50.5, "2024-07": 50.2, "2024-08": 50.3, "2024-09": 50.0,
                    "2024-10": 50.2, "2024-11": 50.0, "2024-12": 52.2, "2025-01": 50.2,
                    "2025-02": 50.4, "2025-03": 50.8, "2025-04": 50.4, "2025-05": 50.3,
                    "2025-06": 50.5, "2025-07": 50.1, "2025-08": 50.3, "2025-09": 50.0,
                    "2025-10": 50.1},
    "cpi_yoy": {"2024-06": 0.2, "2024-07": 0.5, "2024-08": 0.6, "2024-09": 0.4, "2024-10": 0.3,
                "2024-11": 0.2, "2024-12": 0.1, "2025-01": 0.5, "2025-02": -0.7,
                "2025-03": -0.1, "2025-04": -0.1, "2025-05": -0.1, "2025-06": 0.1,
                "2025-07": 0.0, "2025-08": -0.4, "2025-09": -0.3},
    "cpi_mom": {"2024-06": -0.2, "2024-07": 0.5, "2024-08": 0.4, "2024-09": 0.0,
                "2024-10": -0.3, "2024-11": -0.6, "2024-12": 0.0, "2025-01": 0.7,
                "2025-02": -0.2, "2025-03": -0.4, "2025-04": 0.1, "2025-05": -0.2,
                "2025-06": -0.1, "2025-07": 0.4, "2025-08": 0.0, "2025-09": 0.1},
    "ppi_yoy": {"2024-06": -0.8, "2024-07": -0.8, "2024-08": -1.8, "2024-09": -2.8,
                "2024-10": -2.9, "2024-11": -2.5, "2024-12": -2.3, "2025-01": -2.3,
                "2025-02": -2.2, "2025-03": -2.5, "2025-04": -2.7, "2025-05": -3.3,
                "2025-06": -3.6, "2025-07": -3.6, "2025-08": -2.9, "2025-09": -2.3},
    "ip_yoy": {"2024-06": 5.3, "2024-07": 5.1, "2024-08": 4.5, "2024-09": 5.4, "2024-10": 5.3,
               "2024-11": 5.4, "2024-12": 6.2, "2025-02": 5.9, "2025-03": 7.7, "2025-04": 6.1,
               "2025-05": 5.8, "2025-06": 6.8, "2025-07": 5.7, "2025-08": 5.2, "2025-09": 6.5},
    "exports_yoy": {"2024-06": 8.6, "2024-07": 7.0, "2024-08": 8.7, "2024-09": 2.4,
                    "2024-10": 12.7, "2024-11": 6.7, "2024-12": 10.7, "2025-02": 2.3,
                    "2025-03": 12.4, "2025-04": 8.1, "2025-05": 4.8, "2025-06": 5.8,
                    "2025-07": 7.2, "2025-08": 4.4, "2025-09": 8.3, "2025-10": -1.1},
    "new_loans_cny": {"2024-06": 21300, "2024-07": -770, "2024-08": 9000, "2024-09": 15900,
                      "2024-10": 5000, "2024-11": 5800, "2024-12": 9900, "2025-01": 51300,
                      "2025-02": 10100, "2025-03": 36400, "2025-04": 2800, "2025-05": 6200,
                      "2025-06": 22400, "2025-07": -500, "2025-08": 5900, "2025-09": 12900},
    "tsf_cny": {"2024-06": 32985, "2024-07": 7707, "2024-08": 30300, "2024-09": 37600,
                "2024-10": 14000, "2024-11": 23400, "2024-12": 28500, "2025-01": 70600,
                "2025-02": 22333, "2025-03": 58900, "2025-04": 11600, "2025-05": 22900,
                "2025-06": 41993, "2025-07": 11300, "2025-08": 25700, "2025-09": 35300},
}
# consensus expectations where the calendar has them (the rest are drawn near the actual)
MACRO_EXPECTED = {("exports_yoy", "2025-10"): 3.0, ("pmi_mfg", "2025-10"): 49.6,
                  ("pmi_non_mfg", "2025-10"): 50.2}
# release day: "last" = the month's last day (NBS PMI); an int = that day of the next month
MACRO_RELEASE_RULE = {"pmi_mfg": "last", "pmi_non_mfg": "last", "cpi_yoy": 9, "cpi_mom": 9, "ppi_yoy": 9,
                      "ip_yoy": 15, "exports_yoy": 7}
MACRO_SAMPLE_END = pd.Timestamp("2025-11-07")   # nothing released after the sample's last day

README = """\
# seeds/sample — SYNTHETIC SAMPLE DATA

**These files are synthetic sample data, not market data.** They are generated by
`scripts/make_sample.py` (deterministic: `numpy.random.default_rng(20251107)`, stable sorts,
numpy's baseline SIMD kernels; with the locked library versions any machine regenerates the same
rows, and `generator.json` names the versions they were made with) and exist so that the report can be built, demonstrated and tested
offline. Every report built from them is marked "样本数据 / SAMPLE DATA".

* One file per dataset in `fundflow.data.schemas.DATASETS`, with exactly the canonical columns
  (`<dataset>.csv`, or `<dataset>.csv.gz` for the big per-stock datasets). Dates are ISO
  `YYYY-MM-DD`, codes zero-padded strings, money in 元, volumes in shares / lots / fund units,
  yields and `*_pct` in percent.
* Span: XSHG sessions 2024-06-03 .. 2025-11-07; global assets on their own exchange calendars.
* The sample week 2025-11-03 .. 2025-11-07 is shaped to resemble a published broker summary of that
  week (index and industry weekly returns, turnover, margin, northbound and fund figures).
  Everything else is made up: price histories, synthetic stock names, flows, holdings, and the
  enhanced funds (placeholder `9xxxxx` codes, listed in `enhanced_fund_universe.csv` as weekly
  snapshots; `seeds/enhanced_funds.csv` holds real codes and is not used by the sample). Real company
  names appear only as labels for synthetic series.
* Gaps on purpose, as in real data: one stock suspended for the whole sample week, one stock
  listed in June 2025, a few stocks missing from the margin list (always or on some days), the
  A500 ETFs listed in Oct/Nov 2024, northbound trading closed on Hong Kong holidays (e.g.
  2025-10-29), the Nikkei closed on 2025-11-03, net northbound buying empty from 2024-08-19.
* Regenerate: `.venv/bin/python scripts/make_sample.py [--out DIR]`.
"""


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
_CALS: dict[str, xcals.ExchangeCalendar] = {}


def calendar(name: str) -> xcals.ExchangeCalendar:
    if name not in _CALS:
        _CALS[name] = xcals.get_calendar(name)
    return _CALS[name]


def sessions(name: str = "XSHG") -> pd.DatetimeIndex:
    return pd.DatetimeIndex(calendar(name).sessions_in_range(START, END))


def pos(days: pd.DatetimeIndex, d: str | pd.Timestamp) -> int:
    return int(days.searchsorted(pd.Timestamp(d)))


def bridge(rng: np.random.Generator, n: int, anchors: list[tuple[int, float]], vol: float,
           common: np.ndarray | None = None, beta: float = 1.0) -> np.ndarray:
    """A random walk of length ``n`` through ``anchors`` [(position, value)], noise ``vol``."""
    steps = rng.normal(0.0, vol, n - 1)
    if common is not None:
        steps = steps + beta * common[: n - 1]
    walk = np.concatenate([[0.0], np.cumsum(steps)])
    out = np.empty(n)
    for (i0, v0), (i1, v1) in zip(anchors, anchors[1:]):
        seg = walk[i0:i1 + 1] - walk[i0]
        t = np.linspace(0.0, 1.0, i1 - i0 + 1)
        out[i0:i1 + 1] = v0 + (v1 - v0) * t + seg - t * seg[-1]
    return out


def week_log_returns(days: pd.DatetimeIndex, shape, target_pct: float) -> np.ndarray:
    """Log returns of the sessions after BASE: ``shape`` (% by weekday Mon..Fri, or None) moved
    by a constant so that they compound to exactly ``target_pct``."""
    wk = days[days > BASE]
    shape = shape if shape is not None else (0.0,) * 5
    r = np.log1p(np.array([shape[d.weekday()] for d in wk], dtype=float) / 100)
    return r + (np.log1p(target_pct / 100) - r.sum()) / len(r)


def level_path(rng, days, anchors: dict, end: float, shape, target_pct: float, vol: float,
               common: np.ndarray | None = None, beta: float = 1.0) -> np.ndarray:
    """Levels over ``days``: bridge through ``anchors`` up to BASE, then the forced week that
    ends exactly at ``end`` after ``target_pct``."""
    wk = week_log_returns(days, shape, target_pct)
    nh = len(days) - len(wk)
    base = np.log(end) - wk.sum()
    pts = {pos(days, d): np.log(v) for d, v in sorted(anchors.items())
           if pos(days, d) < nh - 1}
    pts[nh - 1] = base
    hist = bridge(rng, nh, sorted(pts.items()), vol, common, beta)
    return np.exp(np.concatenate([hist, base + np.cumsum(wk)]))


def ar1(rng, n: int, sd: float, phi: float) -> np.ndarray:
    e = rng.normal(0.0, sd * np.sqrt(1 - phi ** 2), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sd)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + e[i]
    return out


def iso(days) -> np.ndarray:
    return pd.DatetimeIndex(days).strftime("%Y-%m-%d").to_numpy()


def to_int(x) -> np.ndarray:
    return np.rint(np.asarray(x, dtype=float)).astype(np.int64)


# The sample's enhanced funds: placeholder codes (9xxxxx is no real fund range), sample only.
SAMPLE_FUNDS = """\
fund_code,fund_name,fund_name_en,benchmark_index,is_quant
900501,示例量化中证500指数增强A,Sample Quant CSI 500 Enhanced A,000905,true
900502,示例智选中证500指数增强A,Sample Smart Select CSI 500 Enhanced A,000905,true
900503,示例稳进中证500指数增强A,Sample Steady CSI 500 Enhanced A,000905,true
900504,示例鑫源中证500指数增强A,Sample Xinyuan CSI 500 Enhanced A,000905,true
900505,示例恒泰中证500指数增强A,Sample Hengtai CSI 500 Enhanced A,000905,true
900506,示例博远中证500指数增强A,Sample Boyuan CSI 500 Enhanced A,000905,true
900507,示例汇智中证500指数增强A,Sample Huizhi CSI 500 Enhanced A,000905,true
900508,示例长盈中证500指数增强A,Sample Changying CSI 500 Enhanced A,000905,true
900509,示例景和中证500指数增强A,Sample Jinghe CSI 500 Enhanced A,000905,false
900510,示例嘉业中证500指数增强A,Sample Jiaye CSI 500 Enhanced A,000905,true
900511,示例安信中证500指数增强A,Sample Anxin CSI 500 Enhanced A,000905,true
900512,示例华睿中证500指数增强A,Sample Huarui CSI 500 Enhanced A,000905,true
901001,示例量化中证1000指数增强A,Sample Quant CSI 1000 Enhanced A,000852,true
901002,示例智选中证1000指数增强A,Sample Smart Select CSI 1000 Enhanced A,000852,true
901003,示例稳进中证1000指数增强A,Sample Steady CSI 1000 Enhanced A,000852,true
901004,示例鑫源中证1000指数增强A,Sample Xinyuan CSI 1000 Enhanced A,000852,true
901005,示例恒泰中证1000指数增强A,Sample Hengtai CSI 1000 Enhanced A,000852,true
901006,示例博远中证1000指数增强A,Sample Boyuan CSI 1000 Enhanced A,000852,true
901007,示例汇智中证1000指数增强A,Sample Huizhi CSI 1000 Enhanced A,000852,true
901008,示例长盈中证1000指数增强A,Sample Changying CSI 1000 Enhanced A,000852,true
901009,示例景和中证1000指数增强A,Sample Jinghe CSI 1000 Enhanced A,000852,false
901010,示例嘉业中证1000指数增强A,Sample Jiaye CSI 1000 Enhanced A,000852,true
901011,示例安信中证1000指数增强A,Sample Anxin CSI 1000 Enhanced A,000852,true
901012,示例华睿中证1000指数增强A,Sample Huarui CSI 1000 Enhanced A,000852,true
"""


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------
class Sample:
    def __init__(self) -> None:
        self.rng = np.random.default_rng(SEED)
        # issue 18 datasets draw from their own stream: the ones above stay byte-identical
        self.rng_temperature = np.random.default_rng(SEED_TEMPERATURE)
        self.days = sessions("XSHG")
        self.n = len(self.days)
        self.dates = iso(self.days)
        self.week = np.asarray(self.days > BASE)
        self.prev = np.asarray((self.days >= PREV) & (self.days <= BASE))
        self.common = self.rng.normal(0.0, 0.009, self.n)
        self.ref = {name: pd.read_csv(SEEDS / f"{name}.csv", dtype=str, keep_default_na=False)
                    for name in ("indices", "sw_l1", "global_assets", "etfs",
                                 "futures_products", "themes")}
        # the sample's own fund list: seeds/enhanced_funds.csv holds real codes only
        self.ref["enhanced_funds"] = pd.read_csv(io.StringIO(SAMPLE_FUNDS), dtype=str,
                                                 keep_default_na=False)
        self.sw_code = dict(zip(self.ref["sw_l1"]["name_zh"], self.ref["sw_l1"]["industry_code"]))
        self.frames: dict[str, pd.DataFrame] = {}
        self.idx: dict[str, np.ndarray] = {}      # index code -> rounded closes
        self.sw_log: dict[str, np.ndarray] = {}   # industry name -> log levels
        self.theme: dict[str, np.ndarray] = {}    # theme id -> levels

    def build(self) -> dict[str, pd.DataFrame]:
        self.frames["trade_days"] = pd.DataFrame({"trade_date": self.dates})
        self.turnover()
        self.indices()
        self.industries()
        self.themes()
        self.global_assets()
        self.margin_market()
        self.stocks()
        self.margin_stocks()
        self.main_flow()
        self.etfs()
        self.futures()
        self.funds()
        self.northbound()
        self.qvix()
        self.macro()
        self.fund_universe()
        return self.frames

    # -- market turnover (SSE + SZSE), 元 ---------------------------------------------------
    def turnover(self) -> None:
        pts = sorted({pos(self.days, d): np.log(v * 1e12)
                      for d, v in TURNOVER_ANCHORS.items()}.items())
        self.T = np.rint(np.exp(bridge(self.rng, self.n, pts, 0.07)))

    # -- A-share indices --------------------------------------------------------------------
    def indices(self) -> None:
        rng, out = self.rng, []
        sse_amount = None
        for code, (levels, end, wk, shape, beta, share, px) in INDEX_SPEC.items():
            anchors = dict(zip(ANCHOR_DATES, levels)) | EXTRA_ANCHORS.get(code, {})
            anchors["2025-10-24"] = end / (1 + wk / 100) / (1 + PREV_WEEK_PCT[code] / 100)
            vol = 0.006 if beta >= 1.2 else 0.004
            path = level_path(rng, self.days, anchors, end, shape, wk, vol, self.common, beta)
            close = np.round(path, 2)
            self.idx[code] = close
            if code == "000985":
                self.all_a = path
            if code == "000001":
                amount = to_int(self.T * 0.43 * np.exp(rng.normal(0, 0.03, self.n)))
                sse_amount = amount
            elif code == "399106":
                amount = to_int(self.T) - sse_amount
            else:
                boost = np.where(self.week, MICRO_WEEK_BOOST, 1.0) if code == "932000" else 1.0
                amount = to_int(self.T * share * boost * np.exp(rng.normal(0, 0.05, self.n)))
            volume = to_int(amount / px * np.exp(rng.normal(0, 0.05, self.n)))
            prev_close = np.concatenate([[close[0] / (1 + rng.normal(0, 0.01))], close[:-1]])
            open_ = prev_close * np.exp(rng.normal(0, 0.003, self.n))
            high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.004, self.n)))
            low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.004, self.n)))
            out.append(pd.DataFrame({
                "trade_date": self.dates, "index_code": code, "open": np.round(open_, 2),
                "high": np.round(high, 2), "low": np.round(low, 2), "close": close,
                "volume": volume, "amount_cny": amount}))
        self.frames["index_daily"] = pd.concat(out, ignore_index=True)

    # -- Shenwan L1 industries --------------------------------------------------------------
    def industries(self) -> None:
        rng, n = self.rng, self.n
        m = np.log(self.all_a)
        nh = n - int(self.week.sum())
        wk_all = np.diff(m)[-int(self.week.sum()):] * 100
        weights = np.array([SW_SPEC[name][4] for name in self.sw_code])
        weights = weights / weights.sum() * 0.985
        out = []
        for (name, code), w in zip(self.sw_code.items(), weights):
            end, wk, beta, extra, _ = SW_SPEC[name]
            wr = week_log_returns(self.days, beta * wk_all + rng.normal(0, 0.6, len(wk_all)), wk)
            base = np.log(end) - wr.sum()
            up_prev = 0.025 if name in TECH else 0.0     # tech rose the week before
            b = bridge(rng, nh, [(0, -extra + rng.normal(0, 0.06)), (pos(self.days, PREV) - 1,
                                 -up_prev + rng.normal(0, 0.012)), (nh - 1, 0.0)], 0.006)
            log_level = np.concatenate([base + beta * (m[:nh] - m[nh - 1]) + b,
                                        base + np.cumsum(wr)])
            self.sw_log[name] = log_level
            amount = to_int(self.T * w * np.exp(rng.normal(0, 0.08, n)))
            out.append(pd.DataFrame({"trade_date": self.dates, "industry_code": code,
                                     "close": np.round(np.exp(log_level), 2),
                                     "amount_cny": amount}))
        self.frames["sw_industry_daily"] = pd.concat(out, ignore_index=True)

    # -- theme (concept) boards -------------------------------------------------------------
    def themes(self) -> None:
        rng, out = self.rng, []
        d1009, d0930 = pos(self.days, "2025-10-09"), pos(self.days, "2025-09-30")
        bench = self.all_a[-1] / self.all_a[d1009]
        tech_mult = np.ones(self.n)
        tech_mult[self.week] = TECH_WEEK_TURNOVER
        for row in self.ref["themes"].itertuples():
            anchors, end, wk, shape, excess, amount_end = THEME_SPEC[row.theme_id]
            level_1009 = end / (bench + excess / 100)
            anchors = anchors | {"2025-10-09": level_1009,
                                 "2025-09-30": level_1009 / (1 + rng.uniform(0.005, 0.03)),
                                 "2025-10-24": end / (1 + wk / 100)
                                 / (1 + rng.uniform(0.01, 0.05))}       # up in W-1
            path = level_path(rng, self.days, anchors, end, shape, wk, 0.012, self.common, 1.4)
            self.theme[row.theme_id] = path
            noise = np.where(self.week, 1.0, np.exp(rng.normal(0, 0.1, self.n)))
            amount = amount_end * YI * self.T / self.T[-1] * tech_mult * noise
            out.append(pd.DataFrame({"trade_date": self.dates, "board_code": row.board_code,
                                     "board_name": row.board_name, "close": np.round(path, 2),
                                     "amount_cny": to_int(amount)}))
        self.frames["concept_board_daily"] = pd.concat(out, ignore_index=True)

    # -- global assets ----------------------------------------------------------------------
    def global_assets(self) -> None:
        out = []
        for code, cal in self.ref["global_assets"][["asset_code", "calendar"]].itertuples(
                index=False):
            if code == "SSEC":
                out.append(pd.DataFrame({"trade_date": self.dates, "asset_code": code,
                                         "close": self.idx["000001"]}))
                continue
            anchors, end, wk, shape, vol, dec = GLOBAL_SPEC[code]
            days = sessions(cal)
            path = level_path(self.rng, days, anchors, end, shape, wk, vol)
            if code == "USDHKD":
                path = np.clip(path, 7.75, 7.85)
            out.append(pd.DataFrame({"trade_date": iso(days), "asset_code": code,
                                     "close": np.round(path, dec)}))
        self.frames["global_asset_daily"] = pd.concat(out, ignore_index=True)

    # -- margin market totals ---------------------------------------------------------------
    def margin_market(self) -> None:
        rng, n, T = self.rng, self.n, self.T
        pts = sorted({pos(self.days, d): np.log(v * 1e12) for d, v in MARGIN_ANCHORS.items()}
                     .items())
        fin_balance = np.exp(bridge(rng, n, pts, 0.003))
        pts = sorted({pos(self.days, d): np.log(v * YI) for d, v in SEC_LENDING_ANCHORS.items()}
                     .items())
        sec_balance = np.exp(bridge(rng, n, pts, 0.01))
        share = np.clip(0.10 + ar1(rng, n, 0.008, 0.97), 0.08, 0.13)
        for key, mask in (("prev", self.prev), ("week", self.week)):
            u = np.exp(rng.normal(0, 0.02, mask.sum()))
            share[mask] = MARGIN_TURNOVER_SHARE[key] * T[mask].sum() / (T[mask] * u).sum() * u
        sec_sell = T * 0.00045 * np.exp(rng.normal(0, 0.2, n))
        fin_buy = share * T - sec_sell
        self.fin_balance = fin_balance
        self.frames["margin_market_daily"] = pd.DataFrame({
            "trade_date": self.dates, "fin_balance_cny": to_int(fin_balance),
            "sec_balance_cny": to_int(sec_balance), "fin_buy_cny": to_int(fin_buy),
            "sec_sell_cny": to_int(sec_sell)})

    # -- stock universe, daily bars, index constituents -------------------------------------
    def universe(self) -> pd.DataFrame:
        rng = self.rng
        rows = []
        for line in REAL_STOCKS.strip().splitlines():
            code, name, ind, mv, close, fr, tau, move = line.split()
            rows.append(dict(code=code, name=name, ind=ind, mv=float(mv), close=float(close),
                             float_ratio=float(fr), tau=float(tau) / 100, move=float(move),
                             real=True))
        used = {r["code"] for r in rows}
        names = {r["name"] for r in rows}
        ind_names = list(SW_SPEC)
        ind_w = np.array([SW_SPEC[k][4] for k in ind_names])
        star_names = list(STAR_INDUSTRIES)
        star_w = np.array(list(STAR_INDUSTRIES.values()), dtype=float)
        for prefixes, count in BOARDS:
            keys = list(prefixes)
            p = np.array([prefixes[k][0] for k in keys])
            made = 0
            while made < count:
                pre = keys[rng.choice(len(keys), p=p / p.sum())]
                code = f"{pre}{rng.integers(1, prefixes[pre][1] + 1):03d}"
                if code in used:
                    continue
                star = pre == "688"
                ind = (star_names[rng.choice(len(star_names), p=star_w / star_w.sum())] if star
                       else ind_names[rng.choice(len(ind_names), p=ind_w / ind_w.sum())])
                tails = NAME_TAILS[ind].split()
                heads = rng.integers(len(NAME_HEADS), size=2)
                name = NAME_HEADS[heads[0]] + NAME_HEADS[heads[1]] + tails[rng.integers(len(tails))]
                if name in names or name[0] == name[1]:
                    continue
                used.add(code)
                names.add(name)
                big = rng.random() < 0.05
                mv = (np.exp(rng.uniform(np.log(1050), np.log(3500))) if big
                      else float(np.clip(np.exp(rng.normal(np.log(110), 0.85)), 25, 950)))
                close = float(np.clip(np.exp(rng.normal(np.log(16), 0.7)) * (2.2 if star else 1),
                                      3.5, 400))
                ind_factor = 1.4 if ind in TECH else 0.35 if ind == "银行" else 1.0
                tau = float(np.clip(0.03 * (mv / 100) ** -0.25 * np.exp(rng.normal(0, 0.4))
                                    * ind_factor, 0.003, 0.12))
                rows.append(dict(code=code, name=name, ind=ind, mv=mv, close=round(close, 2),
                                 float_ratio=round(rng.uniform(0.3 if star else 0.45, 1.0), 2),
                                 tau=tau, move=np.nan, real=False))
                made += 1
        uni = pd.DataFrame(rows)
        # every industry gets at least four stocks
        for ind in ind_names:
            while (uni["ind"] == ind).sum() < 4:
                counts = uni.loc[~uni["real"], "ind"].value_counts()
                donor = uni.index[(uni["ind"] == counts.index[0]) & ~uni["real"]
                                  & ~uni["code"].str.startswith("688")][0]
                tails = NAME_TAILS[ind].split()
                uni.loc[donor, "ind"] = ind
                uni.loc[donor, "name"] = uni.loc[donor, "name"][:2] + tails[0]
        uni = uni.sort_values("code", ignore_index=True)
        return uni

    def stocks(self) -> None:
        rng, n = self.rng, self.n
        uni = self.universe()
        ns = len(uni)
        real = uni["real"].to_numpy()
        tech = uni["ind"].isin(TECH).to_numpy()
        beta = np.where(uni["ind"] == "银行", 0.6, rng.uniform(0.75, 1.3, ns))
        size = np.clip(np.log(1000 / uni["mv"].to_numpy()) / np.log(40), 0, 1)
        sigma = 0.012 + 0.010 * size + 0.004 * tech
        ind_log = np.vstack([self.sw_log[i] for i in uni["ind"]])
        r = (beta[:, None] * np.diff(ind_log, axis=1)
             + sigma[:, None] * rng.normal(0, 1, (ns, n - 1)))
        r += rng.normal(0.05, 0.3, ns)[:, None] / (n - 1) * ~real[:, None]
        wcols = self.week[1:]
        for code, (extra, _) in WEEK_STOCK_EXTRA.items():
            i = uni.index[uni["code"] == code][0]
            r[i, wcols] += extra / wcols.sum()
        move = uni["move"].to_numpy()
        r[real] += ((move[real] - r[real].sum(axis=1)) / (n - 1))[:, None]
        limit = np.where(uni["code"].str[:3].isin(["300", "301", "688"]), 0.199, 0.099)
        r = np.clip(r, np.log1p(-limit)[:, None], np.log1p(limit)[:, None])   # price limits
        tail = np.cumsum(r[:, ::-1], axis=1)[:, ::-1]
        logp = np.log(uni["close"].to_numpy())[:, None] - np.hstack([tail, np.zeros((ns, 1))])
        close = np.round(np.exp(logp), 2)
        total_shares = np.rint(uni["mv"].to_numpy() * YI / uni["close"].to_numpy())
        float_shares = np.rint(total_shares * uni["float_ratio"].to_numpy())
        total_mv, float_mv = close * total_shares[:, None], close * float_shares[:, None]
        r_full = np.hstack([np.zeros((ns, 1)), r])
        rate = (self.T / self.T[-1]) / (self.all_a / self.all_a[-1])
        amount = (float_mv * uni["tau"].to_numpy()[:, None] * rate[None, :]
                  * np.exp(rng.normal(0, 0.3, (ns, n))) * (1 + 5 * np.abs(r_full)) / 1.075)
        # gaps: one stock suspended for the whole sample week, one listed in June 2025
        order = np.argsort(-total_mv[:, -1], kind="stable")
        present = np.ones((ns, n), dtype=bool)
        cands = [i for i in order[230:] if uni.at[i, "code"][:3] in ("000", "002")]
        self.suspended = int(cands[0])
        present[self.suspended, self.week] = False
        cands = [i for i in order[150:] if uni.at[i, "code"].startswith("301")]
        self.new_listing = int(cands[0])
        self.listing_pos = pos(self.days, "2025-06-18")
        present[self.new_listing, : self.listing_pos] = False

        self.uni, self.close, self.amount, self.float_mv = uni, close, amount, float_mv
        self.r_full, self.present, self.total_mv = r_full, present, total_mv
        s_idx, t_idx = np.nonzero(present)
        self.frames["stock_daily"] = pd.DataFrame({
            "trade_date": self.dates[t_idx], "stock_code": uni["code"].to_numpy()[s_idx],
            "close": close[s_idx, t_idx], "amount_cny": to_int(amount[s_idx, t_idx]),
            "total_mv_cny": to_int(total_mv[s_idx, t_idx]),
            "float_mv_cny": to_int(float_mv[s_idx, t_idx])})
        self.frames["stock_universe"] = pd.DataFrame({
            "stock_code": uni["code"], "stock_name": uni["name"],
            "sw_l1_code": uni["ind"].map(self.sw_code), "snapshot_date": "2025-11-07"})
        self.constituents(order)
        self.northbound_holdings(order)

    def constituents(self, order: np.ndarray) -> None:
        codes = self.uni["code"].to_numpy()[order]       # largest first
        sse = [c for c in codes if c[0] == "6"]
        members = {
            "000300": codes[:100], "000905": codes[100:200], "000852": codes[200:320],
            "932000": codes[320:], "000016": sse[:40],
            "399006": [c for c in codes if c[:3] in ("300", "301")][:60],
            "000688": [c for c in codes if c.startswith("688")][:50],
        }
        rows = [(k, c) for k, v in members.items() for c in sorted(v)]
        self.frames["index_constituents"] = pd.DataFrame(
            rows, columns=["index_code", "stock_code"]).assign(snapshot_date="2025-11-07")
        self.members = {k: set(v) for k, v in members.items()}

    def northbound_holdings(self, order: np.ndarray) -> None:
        rng = self.rng
        t = pos(self.days, "2025-09-30")
        top = order[:120]
        ind = self.uni["ind"].to_numpy()[top]
        hold = rng.uniform(0.02, 0.09, len(top)) * np.where(
            np.isin(ind, ["食品饮料", "家用电器", "银行", "非银金融", "电力设备"]), 1.6, 1.0)
        shares = np.rint(self.float_mv[top, t] / self.close[top, t] * hold / 100) * 100
        value = shares * self.close[top, t]
        keep = np.argsort(-value, kind="stable")[:60]
        self.frames["northbound_holdings"] = pd.DataFrame({
            "disclosure_date": "2025-09-30", "stock_code": self.uni["code"].to_numpy()[top][keep],
            "shares": to_int(shares[keep]), "market_value_cny": to_int(value[keep]),
        }).sort_values("stock_code", ignore_index=True)

    # -- margin by stock --------------------------------------------------------------------
    def margin_stocks(self) -> None:
        """Balance follows a target share of float mv (rising with market leverage), chases the
        price, and is tilted in the sample week; Δbalance = buy - repay with repay >= 0."""
        rng, n, uni = self.rng, self.n, self.uni
        ns = len(uni)
        ind, codes = uni["ind"].to_numpy(), uni["code"].to_numpy()
        mega = self.total_mv[:, -1] > 5000 * YI
        ratio = np.clip(np.exp(rng.normal(np.log(0.035), 0.35, ns)), 0.015, 0.08)
        ratio *= np.where(ind == "银行", 0.3, np.where(mega & ~np.isin(ind, list(TECH)), 0.5, 1))
        leverage = (self.fin_balance / self.fin_balance[-1]) / (self.all_a / self.all_a[-1])
        target = ratio[:, None] * leverage[None, :] * self.float_mv
        buy = rng.uniform(0.08, 0.12, ns)[:, None] * self.amount
        buy = buy * self.margin_buy_variation(ns)
        tilt = np.zeros((ns, n))
        tilt[np.isin(ind, ["基础化工", "医药生物"])[:, None]
             & (self.days >= pd.Timestamp("2025-10-09"))[None, :]] = 0.0015
        for name, v in MARGIN_TILT.items():
            tilt[np.ix_(ind == name, self.week)] += v
        # the > 500 bn names in the sample week: most cut leverage, a few named ones moved it
        tilt[np.ix_(mega, self.week)] = -0.002
        for code, (_, v) in WEEK_STOCK_EXTRA.items():
            tilt[np.ix_(codes == code, self.week)] = v
        chase = np.full((ns, n), 0.6)
        pull = np.full((ns, n), 0.05)
        noise = rng.normal(0, 0.004, (ns, n))
        quiet = np.ix_(mega, self.week)
        chase[quiet], pull[quiet], noise[quiet] = 0.3, 0.0, noise[quiet] / 4
        # eligibility: three stocks never on the list, a few random gaps, suspension, new listing
        elig = self.present.copy()
        small = np.argsort(self.total_mv[:, -1], kind="stable")
        elig[small[[3, 11, 19]], :] = False
        for i in small[[40, 60, 80, 100, 120]]:
            elig[i] &= rng.random(n) > 0.04
        elig[self.new_listing, : self.listing_pos + 5] = False
        bal = np.zeros((ns, n))
        bal[:, 0] = target[:, 0]
        seen = elig[:, 0].copy()
        for t in range(1, n):
            prev = bal[:, t - 1]
            d = (prev * (np.exp(chase[:, t] * self.r_full[:, t]) - 1)
                 + pull[:, t] * (target[:, t] - prev) + prev * (tilt[:, t] + noise[:, t]))
            d = np.clip(d, -0.5 * prev, 0.95 * buy[:, t])
            bal[:, t] = np.where(elig[:, t], prev + d, prev)
            first = elig[:, t] & ~seen                      # first day on the margin list
            bal[first, t] = 0.3 * target[first, t]
            seen |= elig[:, t]
        s_idx, t_idx = np.nonzero(elig)
        self.frames["margin_stock_daily"] = pd.DataFrame({
            "trade_date": self.dates[t_idx], "stock_code": codes[s_idx],
            "fin_balance_cny": to_int(bal[s_idx, t_idx]),
            "fin_buy_cny": to_int(buy[s_idx, t_idx])})

    def margin_buy_variation(self, ns: int) -> np.ndarray:
        """(stocks x days) factor on each stock's financing purchases: a daily AR(1) drift in
        logs plus a per-stock shift in the sample week (its own Generator: no other dataset's
        draws move)."""
        rng = np.random.default_rng(SEED_MARGIN_BUY)
        sd, phi = MARGIN_BUY_DRIFT
        drift = np.stack([ar1(rng, self.n, sd, phi) for _ in range(ns)])
        shift = rng.normal(0.0, MARGIN_BUY_WEEK_SD, ns)[:, None] * self.week[None, :]
        return np.exp(drift + shift)

    # -- main-fund flow by stock ------------------------------------------------------------
    def main_flow(self) -> None:
        rng, n, uni = self.rng, self.n, self.uni
        ns = len(uni)
        r_mkt = np.concatenate([[0.0], np.diff(np.log(self.all_a))]) * 100
        m = -0.6 + 0.35 * r_mkt + rng.normal(0, 0.3, n)
        m[self.prev] = MAIN_FLOW_MARKET["prev"]
        m[self.week] = MAIN_FLOW_MARKET["week"]
        tilt = np.zeros((ns, n))
        for name, v in MAIN_FLOW_TILT.items():
            tilt[np.ix_(uni["ind"].to_numpy() == name, self.week)] = v
        pct = (m[None, :] + 0.2 * (self.r_full * 100 - r_mkt[None, :]) + tilt
               + rng.normal(0, 0.8, (ns, n)))
        flow = np.clip(pct, -4, 4) / 100 * self.amount
        s_idx, t_idx = np.nonzero(self.present)
        self.frames["main_flow_stock_daily"] = pd.DataFrame({
            "trade_date": self.dates[t_idx], "stock_code": uni["code"].to_numpy()[s_idx],
            "main_net_inflow_cny": to_int(flow[s_idx, t_idx])})

    # -- ETFs -------------------------------------------------------------------------------
    def etfs(self) -> None:
        rng, n, out = self.rng, self.n, []
        for row in self.ref["etfs"].itertuples():
            close_end, shares_yi, follows = ETF_SPEC[row.etf_code]
            kind, key = follows.split(":")
            ref = (self.idx[key] if kind == "idx" else self.theme[key] if kind == "theme"
                   else np.exp(self.sw_log[key]))
            track = np.concatenate([[0.0], np.cumsum(rng.normal(0, 0.0004, n - 1))])
            close = np.round(close_end * ref / ref[-1] * np.exp(track - track[-1]), 3)
            shares_end = shares_yi * YI
            aum = shares_end * close_end
            live = np.asarray(self.days >= pd.Timestamp(ETF_LISTED.get(row.etf_code, START)))
            drift = 0.0015 if live.all() else 0.75 / live.sum()   # new ETFs grew fast
            flow = aum * (drift + rng.normal(0, 0.004, n))
            flow[self.week] = aum * (ETF_WEEK_DRIFT[row.category] + rng.normal(0, 0.002, 5))
            flow = np.clip(flow, -30 * YI, 30 * YI)
            dshares = np.round(flow / close / 100) * 100
            dshares[: np.argmax(live) + 1] = 0
            shares = shares_end - np.concatenate([np.cumsum(dshares[::-1])[::-1][1:], [0]])
            shares = np.maximum(shares, 0.1 * shares_end)
            out.append(pd.DataFrame({"trade_date": self.dates, "etf_code": row.etf_code,
                                     "close": close, "shares": to_int(shares)})[live])
        self.frames["etf_daily"] = pd.concat(out, ignore_index=True)

    # -- index futures ----------------------------------------------------------------------
    @staticmethod
    def last_trade_date(y: int, m: int, cal_sessions: pd.DatetimeIndex) -> pd.Timestamp:
        d = date(y, m, 15)
        d += timedelta(days=(4 - d.weekday()) % 7)          # third Friday (15th..21st)
        return cal_sessions[cal_sessions.searchsorted(pd.Timestamp(d))]

    def futures_listing(self) -> dict[tuple[int, int], pd.Timestamp]:
        """CFFEX rule: current month, next month, next two quarterly months. Returns the first
        session on which each contract month is listed, for months listed in the span."""
        allsess = pd.DatetimeIndex(calendar("XSHG").sessions)
        scan = allsess[(allsess >= pd.Timestamp("2023-06-01")) & (allsess <= END)]
        ltd = {}

        def ltd_of(y, m):
            if (y, m) not in ltd:
                ltd[(y, m)] = self.last_trade_date(y, m, allsess)
            return ltd[(y, m)]

        def add(y, m, k):
            m0 = y * 12 + m - 1 + k
            return m0 // 12, m0 % 12 + 1

        first: dict[tuple[int, int], pd.Timestamp] = {}
        for d in scan:
            cur = (d.year, d.month)
            if ltd_of(*cur) < d:
                cur = add(*cur, 1)
            months = [cur, add(*cur, 1)]
            k = 2
            while len(months) < 4:
                ym = add(*cur, k)
                if ym[1] % 3 == 0:
                    months.append(ym)
                k += 1
            for ym in months:
                first.setdefault(ym, d)
        self.ltd = {ym: ltd_of(*ym) for ym in first}
        return {ym: d for ym, d in first.items() if self.ltd[ym] >= START}

    def futures(self) -> None:
        rng, n = self.rng, self.n
        listing = self.futures_listing()
        allsess = pd.DatetimeIndex(calendar("XSHG").sessions)
        contracts, daily = [], []
        wide = np.asarray(self.days >= pd.Timestamp("2025-10-20"))
        activity = np.sqrt(self.T / self.T.mean())
        for variety, underlying, *_ in self.ref["futures_products"].itertuples(index=False):
            mean_basis, oi_total = FUTURES_SPEC[variety]
            spot = self.idx[underlying]
            discount = variety in ("IC", "IM")
            noise = ar1(rng, n, 1.8 if discount else 1.0, 0.97)
            # IC/IM: discount widened and stayed wide for the last three weeks
            level = mean_basis + np.where(wide & discount, 0.3 * noise - 2.5, noise)
            total = oi_total * np.exp(ar1(rng, n, 0.08, 0.98))
            rows = []
            for (y, m), list_date in sorted(listing.items()):
                code = f"{variety}{y % 100:02d}{m:02d}"
                ltd = self.ltd[(y, m)]
                contracts.append((code, variety, f"{y % 100:02d}{m:02d}", list_date, ltd))
                live = np.flatnonzero((self.days >= list_date) & (self.days <= ltd))
                dte = (ltd - self.days[live]).days.to_numpy()
                age = allsess.searchsorted(self.days[live]) - allsess.searchsorted(list_date)
                weight = np.interp(dte, OI_DTE, OI_WEIGHT) * np.minimum(1, (age + 1) / 40)
                ann = level[live] * rng.uniform(0.85, 1.15) + rng.normal(0, 0.8, len(live))
                s = spot[live]
                close = s * (1 + ann / 100 * dte / 365) + s * rng.normal(0, 0.0004, len(live))
                settle = close + s * rng.normal(0, 0.0003, len(live))
                turn = np.where(dte < 5, 1.5, np.where(dte < 40, 0.8, np.where(dte < 70, 0.45,
                                                                                0.25)))
                rows.append(pd.DataFrame({"t": live, "contract_code": code, "weight": weight,
                                          "close": np.round(close / 0.2) * 0.2,
                                          "settle": np.round(settle / 0.2) * 0.2, "turn": turn}))
            f = pd.concat(rows, ignore_index=True)
            share = f["weight"] / f.groupby("t")["weight"].transform("sum")
            t = f["t"].to_numpy()
            oi = total[t] * share.to_numpy() * np.exp(rng.normal(0, 0.03, len(f)))
            vol = oi * f["turn"].to_numpy() * activity[t] * np.exp(rng.normal(0, 0.15, len(f)))
            daily.append(pd.DataFrame({
                "trade_date": self.dates[t], "contract_code": f["contract_code"],
                "variety": variety, "close": np.round(f["close"], 1),
                "settle": np.round(f["settle"], 1), "volume": to_int(vol),
                "open_interest": to_int(oi)}))
        self.frames["futures_contracts"] = pd.DataFrame(
            contracts, columns=["contract_code", "variety", "contract_month", "list_date",
                                "last_trade_date"]).assign(
            list_date=lambda f: iso(f["list_date"]),
            last_trade_date=lambda f: iso(f["last_trade_date"]))
        self.frames["futures_daily"] = pd.concat(daily, ignore_index=True)

    # -- index-enhanced funds ---------------------------------------------------------------
    def funds(self) -> None:
        rng, n, out = self.rng, self.n, []
        funds = self.ref["enhanced_funds"]
        for bench, group in funds.groupby("benchmark_index", sort=True):
            k = len(group)
            ri = np.concatenate([[rng.normal(0, 0.01)], self.idx[bench][1:] / self.idx[bench][:-1]
                                 - 1])
            ex = (rng.normal(0.0003, 0.0002, k)[:, None]
                  + rng.uniform(0.0015, 0.003, k)[:, None] * rng.normal(0, 1, (k, n)))
            for key, mask in (("prev", self.prev), ("week", self.week)):
                for _ in range(3):   # shift the group's daily excess until the median hits
                    fund_wk = np.prod(1 + ri[mask] + ex[:, mask], axis=1) - 1
                    index_wk = np.prod(1 + ri[mask]) - 1
                    gap = FUND_EXCESS[bench][key] / 100 - np.median(fund_wk - index_wk)
                    ex[:, mask] += gap / mask.sum()
            nav = np.round(rng.uniform(1.0, 2.8, k)[:, None] * np.cumprod(1 + ri + ex, axis=1), 4)
            ret = np.hstack([np.round((ri[0] + ex[:, :1]) * 100, 4),
                             np.round((nav[:, 1:] / nav[:, :-1] - 1) * 100, 4)])
            for j, code in enumerate(group["fund_code"]):
                out.append(pd.DataFrame({"trade_date": self.dates, "fund_code": code,
                                         "nav": nav[j], "daily_return_pct": ret[j]}))
        self.frames["fund_nav_daily"] = pd.concat(out, ignore_index=True).sort_values(
            ["fund_code", "trade_date"], ignore_index=True)

    # -- enhanced-fund universe: a snapshot on the last session of every week ---------------
    def fund_universe(self) -> None:
        """The same 24 placeholder funds in every weekly snapshot, each with a C class code
        (A code + 50) collapsed into it (no random numbers: the other files' rows do not depend
        on this one)."""
        funds = self.ref["enhanced_funds"]
        c_codes = [f"{int(c) + 50:06d}" for c in funds["fund_code"]]
        week_last = pd.Series(self.days, index=self.days).groupby(
            self.days.to_period("W")).max()
        out = []
        for d in week_last:
            out.append(pd.DataFrame({
                "snapshot_date": d.strftime("%Y-%m-%d"), "fund_code": funds["fund_code"],
                "fund_name": funds["fund_name"], "fund_name_en": funds["fund_name_en"],
                "benchmark_index": funds["benchmark_index"], "share_class": "A",
                "other_share_codes": c_codes, "is_quant": funds["is_quant"]}))
        self.frames["enhanced_fund_universe"] = pd.concat(out, ignore_index=True)

    # -- northbound (Stock Connect) trading -------------------------------------------------
    def northbound(self) -> None:
        rng = self.rng
        open_ = np.isin(self.days, sessions("XHKG"))       # closed on Hong Kong holidays
        ratio = 0.115 * np.exp(rng.normal(0, 0.05, self.n))
        for key, mask in (("prev", self.prev), ("week", self.week)):
            m = mask & open_
            ratio[m] = NORTHBOUND_AVG[key] * m.sum() / (self.T[m] * ratio[m] / ratio[m].mean()
                                                         ).sum() * ratio[m] / ratio[m].mean()
        total = self.T * ratio
        sh = 0.47 * np.exp(rng.normal(0, 0.03, self.n))
        r_mkt = np.concatenate([[0.0], np.diff(np.log(self.idx["000300"]))]) * 100
        out = []
        for channel, part in (("sh", sh), ("sz", 1 - sh)):
            net = (rng.normal(0, 25, self.n) + 15 * r_mkt) * part * YI
            net = pd.array(to_int(net), dtype="Int64")
            net[np.asarray(self.days >= NORTHBOUND_NET_END)] = pd.NA
            out.append(pd.DataFrame({"trade_date": self.dates, "channel": channel,
                                     "amount_cny": to_int(total * part),
                                     "net_buy_cny": net})[open_])
        self.frames["northbound_daily"] = pd.concat(out, ignore_index=True)

    # -- QVIX: implied volatility = realised volatility of the index + a premium + noise -------
    def qvix(self) -> None:
        rng, n, out = self.rng_temperature, self.n, []
        for code, (index, premium, floor) in QVIX_SPEC.items():
            r = np.diff(np.log(self.idx[index].astype(float)))
            r = np.concatenate([[0.0], r])
            rv = pd.Series(r).rolling(20, min_periods=5).std().to_numpy() * np.sqrt(252) * 100
            rv = np.where(np.isnan(rv), np.nanmean(rv), rv)
            # implied volatility jumps on the day of a large move (|r| annualised, decaying over
            # about a week) and otherwise tracks realised volatility, reverting to its mean
            shock = pd.Series(np.abs(r) * np.sqrt(252) * 100).ewm(span=6).mean().to_numpy()
            close = np.maximum(floor, 0.45 * rv + 0.35 * shock + 0.2 * np.nanmean(rv) + premium
                               + ar1(rng, n, 1.2, 0.9))
            close = np.round(close, 2)
            prev = np.concatenate([[close[0]], close[:-1]])
            open_ = np.round(prev * np.exp(rng.normal(0, 0.02, n)), 2)
            high = np.round(np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.02, n))), 2)
            low = np.round(np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.02, n))), 2)
            out.append(pd.DataFrame({"trade_date": self.dates, "qvix_code": code, "open": open_,
                                     "high": high, "low": low, "close": close}))
        self.frames["qvix_daily"] = pd.concat(out, ignore_index=True)

    # -- macro releases: fixed prints, calendar-style release dates ---------------------------
    def macro(self) -> None:
        rng, rows = self.rng_temperature, []
        for indicator, prints in MACRO_PRINTS.items():
            months = sorted(prints)
            rule = MACRO_RELEASE_RULE.get(indicator)
            for i, month in enumerate(months):
                first = pd.Timestamp(f"{month}-01")
                nxt = first + pd.offsets.MonthBegin(1)
                if rule is None:
                    released, basis = nxt + pd.Timedelta(days=14), "estimated"
                elif rule == "last":
                    released, basis = nxt - pd.Timedelta(days=1), "source"
                else:
                    released, basis = nxt + pd.Timedelta(days=int(rule) - 1), "source"
                if released > MACRO_SAMPLE_END:
                    continue
                actual = prints[month]
                prev = prints[months[i - 1]] if i > 0 else np.nan
                scale = 1e8 if indicator.endswith("_cny") else 1.0
                if basis == "estimated":
                    expected = np.nan
                else:
                    expected = MACRO_EXPECTED.get((indicator, month),
                                                  round(actual + rng.normal(0, 0.3), 1))
                rows.append({"release_date": released.strftime("%Y-%m-%d"),
                             "indicator": indicator, "reference_month": month,
                             "actual": actual * scale, "expected": expected,
                             "previous": prev * scale, "date_basis": basis})
        self.frames["macro_releases"] = pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
GENERATOR_FILE = "generator.json"


def generator_versions() -> dict[str, str]:
    """What the output depends on besides this script: written next to the data, so a
    regeneration that differs can name the library that changed (tests/test_sample_data.py)."""
    import zlib

    return {"python": ".".join(platform.python_version_tuple()[:2]),
            "numpy": np.__version__, "pandas": pd.__version__,
            "exchange_calendars": xcals.__version__,
            "simd": ("x86-64-v2 baseline kernels (NPY_DISABLE_CPU_FEATURES)"
                     if "NPY_DISABLE_CPU_FEATURES" in os.environ else platform.machine()),
            "zlib": zlib.ZLIB_VERSION}


def write(out: Path, name: str, frame: pd.DataFrame) -> Path:
    ds = DATASETS[name]
    frame = frame[ds.column_names]
    frame = frame.sort_values(list(ds.key), ignore_index=True)
    data = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    gz = name in GZIPPED
    path = out / f"{name}.csv{'.gz' if gz else ''}"
    stale = out / f"{name}.csv{'' if gz else '.gz'}"
    stale.unlink(missing_ok=True)
    if gz:
        with open(path, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh,
                                                   compresslevel=6, mtime=0) as z:
            z.write(data)
    else:
        path.write_bytes(data)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate the synthetic sample data set.")
    ap.add_argument("--out", type=Path, default=SEEDS / "sample",
                    help="output folder (default: seeds/sample)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    frames = Sample().build()
    missing = set(DATASETS) - set(frames)
    if missing:
        raise SystemExit(f"make_sample: no generator for {sorted(missing)}")
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for name in DATASETS:
        path = write(args.out, name, frames[name])
        total += path.stat().st_size
        print(f"{path.name:32s} {len(frames[name]):>8d} rows {path.stat().st_size / 1e6:7.2f} MB")
    (args.out / "README.md").write_text(README, encoding="utf-8")
    (args.out / GENERATOR_FILE).write_text(json.dumps(generator_versions(), indent=2) + "\n",
                                           encoding="utf-8")
    print(f"total {total / 1e6:.2f} MB in {time.perf_counter() - t0:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
