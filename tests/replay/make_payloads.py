"""Write the replay payloads of tests/test_akshare_replay.py (run once; the files are committed).

Each payload has the shape akshare 1.19.5's parser reads (field names, nesting, key order where
akshare assigns columns by position, pagination, units); the source line akshare reads it with is
named next to it. Values are small, hand-picked numbers whose canonical value the tests compute by
hand. Run: ``.venv/bin/python tests/replay/make_payloads.py`` (rewrites every file).
"""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent


def js(name: str, obj: object) -> None:
    (HERE / name).write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")


def text(name: str, body: str) -> None:
    (HERE / name).write_text(body, encoding="utf-8")


def xlsx(name: str, rows: list[list[object]]) -> None:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(HERE / name)


def em_kline(code: str, name: str, lines: list[str]) -> dict[str, object]:
    return {"rc": 0, "data": {"code": code, "market": 1, "name": name, "decimal": 2,
                              "dktotal": len(lines), "klines": lines}}


def main() -> None:
    # -- index_zh_a_hist [index/index_zh_em.py]: code map (fetch_paginated_data, 2 pages of the
    # clist; f12 code, f13 market id), then one kline request; 11 comma fields, 成交量 手, 成交额 元
    js("em_index_codes_p1.json", {"rc": 0, "data": {"total": 3, "diff": [
        {"f3": 0.52, "f12": "000300", "f13": 1}, {"f3": 0.31, "f12": "399006", "f13": 0}]}})
    js("em_index_codes_p2.json", {"rc": 0, "data": {"total": 3, "diff": [
        {"f3": -0.12, "f12": "000001", "f13": 1}]}})
    js("em_kline_000300.json", em_kline("000300", "沪深300", [
        "2025-10-31,4630.10,4640.78,4655.20,4610.00,180000000,420000000000.00,0.97,0.21,9.70,0.62",
        "2025-11-03,4640.00,4660.50,4668.00,4620.30,195000000,430500000000.00,1.03,0.42,19.72,0.66",
        "2025-11-04,4660.00,4621.10,4671.00,4615.00,201000000,441000000000.00,1.20,-0.85,-39.40,0.68",
        "2025-11-05,4620.00,4650.00,4655.00,4600.00,188000000,425000000000.00,1.19,0.63,28.90,0.64",
        "2025-11-06,4650.00,4700.20,4710.00,4648.00,210000000,470000000000.00,1.33,1.08,50.20,0.71",
        "2025-11-07,4700.00,4680.40,4705.00,4670.00,201234567,456789012345.60,0.74,-0.42,-19.80,0.68",
    ]))
    js("em_kline_none.json", {"rc": 0, "rt": 17, "svr": 181734976, "lt": 1, "full": 1,
                              "dlmkts": "", "data": None})
    # -- stock_zh_index_hist_csindex [index/index_stock_zh_csindex.py]: 16 keys, positional;
    # tradingVol 万手, tradingValue 亿元
    def csi(d: str, o: float, c: float, vol: float, val: float) -> dict[str, object]:
        return {"tradeDate": d, "indexCode": "932000", "indexNameCnAll": "中证2000指数",
                "indexNameCn": "中证2000", "indexNameEnAll": "CSI 2000 Index",
                "indexNameEn": "CSI 2000", "open": o, "high": max(o, c) + 5,
                "low": min(o, c) - 5, "close": c, "change": round(c - o, 2),
                "changePct": round((c / o - 1) * 100, 2), "tradingVol": vol,
                "tradingValue": val, "consNumber": 2000, "peg": 35.2}
    js("csindex_perf_932000.json", {"code": "200", "msg": "Success", "data": [
        csi("20251103", 2800.0, 2810.5, 1198.76, 310.25),
        csi("20251104", 2810.0, 2790.1, 1250.00, 322.00),
        csi("20251105", 2790.0, 2801.0, 1100.10, 300.00),
        csi("20251106", 2801.0, 2830.0, 1300.00, 340.00),
        csi("20251107", 2830.0, 2822.2, 1234.56, 345.67),
    ], "success": True})
    # -- index_hist_sw [index/index_research_sw.py]: bargainsum 成交额 亿元
    js("sw_trend_801080.json", {"code": 200, "message": "操作成功", "data": [
        {"swindexcode": "801080", "bargaindate": f"2025-11-0{d}", "openindex": 5000.0 + d,
         "maxindex": 5050.0 + d, "minindex": 4950.0 + d, "closeindex": 5010.0 + d,
         "hike": 1.0, "markup": 0.1, "bargainamount": 120.5 + d,
         "bargainsum": 1234.5 if d == 7 else 1100.0 + d} for d in (3, 4, 5, 6, 7)]})
    # -- index_global_hist_em / forex_hist_em [index/index_global_em.py, forex/forex_em.py]:
    # 14 comma fields + code + name, positional (最新价 = the 3rd field)
    def g14(d: str, o: float, c: float) -> str:
        return f"{d},{o},{c},{max(o, c) + 1},{min(o, c) - 1},0,0,1.05,0.3,12.0,0.0,0,0,0"
    js("em_kline_DJIA.json", em_kline("DJIA", "道琼斯", [
        g14("2025-11-03", 47500.0, 47336.68), g14("2025-11-04", 47300.0, 47085.24),
        g14("2025-11-05", 47100.0, 47311.0), g14("2025-11-06", 47300.0, 46912.3),
        g14("2025-11-07", 46900.0, 46987.1)]))
    js("em_kline_USDCNH.json", em_kline("USDCNH", "美元兑离岸人民币", [
        g14("2025-11-03", 7.1201, 7.1268), g14("2025-11-04", 7.1268, 7.1322),
        g14("2025-11-05", 7.1322, 7.1290), g14("2025-11-06", 7.1290, 7.1245),
        g14("2025-11-07", 7.1245, 7.1230)]))
    # -- stock_hk_index_daily_em [index/index_stock_hk.py]: the HK spot list first (2 pages,
    # f12 code -> f13 market id), then the kline (14 fields: date, open, latest, high, low, ...)
    def hk(code: str, mid: int, f3: float) -> dict[str, object]:
        return {"f1": 2, "f2": 5800.1, "f3": f3, "f4": 10.2, "f5": 1000, "f6": 2.0e9,
                "f12": code, "f13": mid, "f14": code, "f15": 5810.0, "f16": 5750.0,
                "f17": 5760.0, "f18": 5790.0}
    js("em_hk_spot_p1.json", {"rc": 0, "data": {"total": 3, "diff": [
        hk("HSI", 100, 0.5), hk("HSTECH", 124, 0.4)]}})
    js("em_hk_spot_p2.json", {"rc": 0, "data": {"total": 3, "diff": [hk("HSCEI", 100, 0.1)]}})
    js("em_kline_HSTECH.json", em_kline("HSTECH", "恒生科技指数", [
        g14("2025-11-03", 5900.0, 5921.33), g14("2025-11-04", 5920.0, 5801.2),
        g14("2025-11-05", 5800.0, 5850.0), g14("2025-11-06", 5850.0, 5899.9),
        g14("2025-11-07", 5900.0, 5810.45)]))
    # -- index_us_stock_sina [index/index_stock_us_sina.py]: the page is a JS string decoded by
    # sina's decoder in V8; the decoded list of dicts is replayed (see the test module)
    text("sina_us_IXIC.txt", 'var KKE_ShareData="REPLAYED-ENCODED-DATA";\n')
    js("sina_us_IXIC_decoded.json", [
        {"date": f"2025-11-0{d}", "open": 23000.0 + d, "high": 23100.0 + d, "low": 22900.0 + d,
         "close": 23348.64 if d == 3 else 23000.0 + 10 * d, "volume": 9.1e9, "amount": 3.0e11}
        for d in (3, 4, 5, 6, 7)])
    # -- futures_foreign_hist [futures/futures_foreign.py]: jsonp; akshare reads
    # text[text.find("["):-2], so the body ends exactly with "]);"
    rows = [{"date": f"2025-11-0{d}", "open": "10850.000", "high": "10990.000",
             "low": "10800.000", "close": "10925.500" if d == 7 else f"{10860 + d}.000",
             "volume": "0"} for d in (3, 4, 5, 6, 7)]
    text("sina_futures_CAD.jsonp.txt", "/*<script>location.href='//sina.com';</script>*/\n"
         f"var _S2025_11_8=({json.dumps(rows, separators=(',', ':'))});")
    # -- bond_zh_us_rate [bond/bond_em.py]: pages of 500 rows, newest first; stops paging once
    # start_date lies inside the rows read
    def yld(d: str, cn: float, us: float | None) -> dict[str, object]:
        return {"SOLAR_DATE": f"{d} 00:00:00", "EMM00588704": 1.42, "EMM00166462": 1.58,
                "EMM00166466": cn, "EMM00166469": 2.12, "EMM01276014": 0.39,
                "EMM00000024": None, "EMG00001306": 3.58, "EMG00001308": 3.69,
                "EMG00001310": us, "EMG00001312": 4.66, "EMG01339436": 0.52,
                "EMG00159635": None}
    js("em_bond_yield_p1.json", {"version": None, "result": {"pages": 2, "count": 7, "data": [
        yld("2025-11-07", 1.8123, 4.1), yld("2025-11-06", 1.8155, 4.09),
        yld("2025-11-05", 1.8201, 4.16)]}, "success": True, "message": "ok", "code": 0})
    js("em_bond_yield_p2.json", {"version": None, "result": {"pages": 2, "count": 7, "data": [
        yld("2025-11-04", 1.8100, None), yld("2025-11-03", 1.8050, 4.11),
        yld("2025-10-31", 1.7990, 4.08)]}, "success": True, "message": "ok", "code": 0})
    # -- stock_board_concept_hist_em [stock/stock_board_concept_em.py]: 11 fields, 成交额 元
    js("em_kline_BK1208.json", em_kline("BK1208", "可控核聚变", [
        f"2025-11-0{d},1500.0,{1512.34 if d == 7 else 1500.0 + d},1520.0,1490.0,"
        f"25000000,{45600000000.0 if d == 7 else 40000000000.0 + d},2.0,0.8,12.0,3.1"
        for d in (3, 4, 5, 6, 7)]))
    js("em_kline_empty.json", em_kline("BK9999", "无", []))
    # -- stock_margin_account_info [stock_feature/stock_margin_em.py]: pages of 500 (page 1 is
    # read twice), 亿元
    def acct(d: str, fin: float, buy: float) -> dict[str, object]:
        return {"STATISTICS_DATE": f"{d} 00:00:00", "FIN_BALANCE": fin, "LOAN_BALANCE": 130.5,
                "FIN_BUY_AMT": buy, "LOAN_SELL_AMT": 11.2, "SECURITY_ORG_NUM": 110,
                "OPERATEDEPT_NUM": 11000, "PERSONAL_INVESTOR_NUM": 1.2,
                "ORG_INVESTOR_NUM": 2.1, "INVESTOR_NUM": 520000, "MARGINLIAB_INVESTOR_NUM":
                4000000, "TOTAL_GUARANTEE": 50000.0, "AVG_GUARANTEE_RATIO": 280.5}
    js("em_margin_account_p1.json", {"result": {"pages": 2, "count": 5, "data": [
        acct("2025-11-07", 24000.5, 2300.25), acct("2025-11-06", 23980.0, 2200.0),
        acct("2025-11-05", 23900.0, 2100.0)]}, "success": True, "code": 0})
    js("em_margin_account_p2.json", {"result": {"pages": 2, "count": 5, "data": [
        acct("2025-11-04", 23850.0, 2050.0), acct("2025-11-03", 23800.0, 2000.0)]},
        "success": True, "code": 0})
    # -- stock_margin_detail_sse [stock_feature/stock_margin_sse.py]: "result" rows, 13 keys
    # assigned by position; 元 and 股
    def sse(op: object, code: str, name: str, bal: int, buy: int) -> dict[str, object]:
        return {"num": 1, "opDate": op, "rqchl": 0, "rqmcl": 100, "rqyl": 2000, "rqylje": 1,
                "rzbzj": 1, "rzche": 5000000, "rzmre": buy, "rzrqjyzl": 1, "rzye": bal,
                "securityAbbr": name, "stdCode": code}
    for tag, op in (("str", "20251107"), ("int", 20251107)):
        js(f"sse_margin_detail_{tag}.json", {"actionErrors": [], "result": [
            sse(op, "600000", "浦发银行", 5123456789, 123456789),
            sse(op, "688981", "中芯国际", 9876543210, 987654321),
            sse(op, "510300", "300ETF", 111111111, 2222222)], "isPagination": "true"})
    # -- stock_margin_detail_szse: an xlsx, 8 columns renamed by position; amounts as text
    xlsx("szse_margin_detail.xlsx", [
        ["证券代码", "证券简称", "融资买入额(元)", "融资余额(元)", "融券卖出量(股/份)",
         "融券余量(股/份)", "融券余额(元)", "融资融券余额(元)"],
        ["000001", "平安银行", "234,567,890", "4,567,890,123", "0", "12,000", "135,600",
         "4,568,025,723"],
        ["300750", "宁德时代", "1,234,567,890", "25,000,000,000", "100", "20,000",
         "5,000,000", "25,005,000,000"],
        ["159915", "创业板ETF", "99,999", "888,888", "0", "0", "0", "888,888"]])
    # -- stock_zh_a_spot_em [stock_feature/stock_hist_em.py]: fetch_paginated_data, 31 keys per
    # row assigned by position (index + 31 = 32 names); 成交额/总市值/流通市值 元
    def spot(code: str, name: str, price: object, amount: object, mv: float,
             fmv: float, f3: float) -> dict[str, object]:
        return {"f1": 2, "f2": price, "f3": f3, "f4": 0.1, "f5": 123456, "f6": amount,
                "f7": 1.5, "f8": 0.8, "f9": 12.3, "f10": 1.1, "f11": 0.0, "f12": code,
                "f13": 1 if code.startswith("6") else 0, "f14": name, "f15": price,
                "f16": price, "f17": price, "f18": price, "f20": mv, "f21": fmv, "f22": 0.0,
                "f23": 1.2, "f24": 3.0, "f25": 10.0, "f62": 1.0, "f115": 11.0, "f128": "-",
                "f136": "-", "f140": "-", "f141": "-", "f152": 2}
    js("em_spot_p1.json", {"rc": 0, "data": {"total": 5, "diff": [
        spot("600000", "浦发银行", 11.52, 1234567890.0, 3.38e11, 3.38e11, 1.2),
        spot("300750", "宁德时代", 280.1, 9876543210.5, 1.23e12, 1.09e12, 0.8)]}})
    js("em_spot_p2.json", {"rc": 0, "data": {"total": 5, "diff": [
        spot("000001", "平安银行", 11.8, 2345678901.0, 2.29e11, 2.29e11, 0.5),
        spot("688981", "中芯国际", 120.5, 8765432109.0, 9.6e11, 2.4e11, -0.3)]}})
    js("em_spot_p3.json", {"rc": 0, "data": {"total": 5, "diff": [
        spot("600001", "停牌股份", "-", "-", 1.0e10, 1.0e10, -1.0)]}})
    # -- stock_industry_clf_hist_sw [stock/stock_industry_sw.py]: an Excel file, renamed by
    # header; served as xlsx (read_excel picks the engine from the bytes)
    xlsx("sw_industry_clf.xlsx", [
        ["股票代码", "计入日期", "行业代码", "更新日期"],
        ["600000", "2014-01-01", "110101", "2025-06-30"],
        ["600000", "2021-07-30", "480101", "2025-06-30"],
        ["300750", "2021-07-30", "630101", "2025-06-30"],
        ["000001", "2021-07-30", "480201", "2025-06-30"],
        ["688981", "2021-07-30", "270101", "2025-06-30"]])
    # -- index_stock_cons_csindex [index/index_cons.py]: cons.xls, 9 columns by position,
    # codes as Excel numbers (akshare zero-pads them)
    xlsx("csindex_cons.xlsx", [
        ["日期Date", "指数代码 Index Code", "指数名称 Index Name", "指数英文名称 Index Name(Eng)",
         "成份券代码Constituent Code", "成份券名称Constituent Name",
         "成份券英文名称Constituent Name(Eng)", "交易所Exchange", "交易所英文名称Exchange(Eng)"],
        [20251107, 300, "沪深300", "CSI 300", 600000, "浦发银行", "SPDB", "上海证券交易所",
         "Shanghai Stock Exchange"],
        [20251107, 300, "沪深300", "CSI 300", 1, "平安银行", "PAB", "深圳证券交易所",
         "Shenzhen Stock Exchange"],
        [20251107, 300, "沪深300", "CSI 300", 300750, "宁德时代", "CATL", "深圳证券交易所",
         "Shenzhen Stock Exchange"]])
    # -- index_stock_cons [index/index_cons.py]: sina pages (gb2312); the 4th table holds
    # 品种代码/品种名称/纳入日期 under a title row; the last link of .table2 gives the page count
    def cons_page(rows: list[tuple[str, str, str]], pager: str) -> str:
        body = "".join(f"<tr><td>{c}</td><td>{n}</td><td>{d}</td></tr>" for c, n, d in rows)
        return ("<html><head><meta charset='gb2312'></head><body>"
                # read_html(header=1) parses every table: each needs two rows or more
                "<table><tr><td>nav</td></tr><tr><td>行情</td></tr></table>"
                "<table><tr><td>menu</td></tr><tr><td>指数</td></tr></table>"
                f"<table class='table2'><tr><td>{pager}</td></tr><tr><td>页</td></tr></table>"
                "<table id='NewStockTable'><tr><td colspan='3'>创业板指成份股</td></tr>"
                "<tr><td>品种代码</td><td>品种名称</td><td>纳入日期</td></tr>"
                f"{body}</table></body></html>\n")
    pager = ("<a href='vII_NewestComponent.php?page=1&indexid=399006'>1</a>"
             "<a href='vII_NewestComponent.php?page=2&indexid=399006'>2</a>")
    text("sina_cons_399006.html", cons_page([("300750", "宁德时代", "2018-06-11")], pager))
    text("sina_cons_399006_p1.html", cons_page([("300750", "宁德时代", "2018-06-11"),
                                                ("300059", "东方财富", "2010-06-01")], pager))
    text("sina_cons_399006_p2.html", cons_page([("300124", "汇川技术", "2012-01-04")], pager))
    # -- stock_individual_fund_flow_rank [stock/stock_fund_em.py]: pages of 100 (page 1 read
    # twice), 18 keys by position; 净额 元, "-" for suspended stocks
    def flow(code: str, name: str, net: object) -> dict[str, object]:
        return {"f2": 11.5, "f3": 1.2, "f12": code, "f14": name, "f62": net, "f66": 1.0,
                "f69": 0.5, "f72": 2.0, "f75": 0.3, "f78": -1.0, "f81": -0.2, "f84": -2.0,
                "f87": -0.6, "f124": 1762502400, "f184": 3.2, "f204": "-", "f205": "-",
                "f206": "-"}
    js("em_fund_flow_p1.json", {"rc": 0, "data": {"total": 150, "diff": [
        flow("600000", "浦发银行", 123456789.0), flow("300750", "宁德时代", -987654321.5)]}})
    js("em_fund_flow_p2.json", {"rc": 0, "data": {"total": 150, "diff": [
        flow("000001", "平安银行", 55555555.0), flow("600001", "停牌股份", "-")]}})
    # -- stock_hsgt_hist_em [stock_feature/stock_hsgt_em.py]: 百万元 (akshare /100 -> 亿元)
    def deal(d: str, mt: str, buy: float | None, sell: float | None) -> dict[str, object]:
        return {"MUTUAL_TYPE": mt, "TRADE_DATE": f"{d} 00:00:00", "FUND_INFLOW": None,
                "NET_DEAL_AMT": None, "QUOTA_BALANCE": None, "ACCUM_DEAL_AMT": 180000.0,
                "BUY_AMT": buy, "SELL_AMT": sell, "LEAD_STOCKS_CODE": "600000.SH",
                "LEAD_STOCKS_NAME": "浦发银行", "LS_CHANGE_RATE": 10.0,
                "INDEX_CLOSE_PRICE": 3990.0, "INDEX_CHANGE_RATE": 0.5,
                "HOLD_MARKET_CAP": None}
    js("em_hsgt_sh_p1.json", {"result": {"pages": 2, "count": 5, "data": [
        deal("2025-11-07", "001", 60000.0, 55000.0), deal("2025-11-06", "001", 58000.0, 57000.0),
        deal("2025-11-05", "001", 52000.0, 51000.0)]}, "success": True, "code": 0})
    js("em_hsgt_sh_p2.json", {"result": {"pages": 2, "count": 5, "data": [
        deal("2025-11-04", "001", 50000.0, 50500.0), deal("2025-11-03", "001", 49000.0, 48000.0)]},
        "success": True, "code": 0})
    js("em_hsgt_sz.json", {"result": {"pages": 1, "count": 5, "data": [
        deal(f"2025-11-0{d}", "003", 70000.0 + d, 69000.0) for d in (7, 6, 5, 4, 3)]},
        "success": True, "code": 0})
    # northbound turnover no longer published from 2025-11-06 (null 买入/卖出成交额)
    js("em_hsgt_sz_stopped.json", {"result": {"pages": 1, "count": 5, "data": [
        deal(f"2025-11-0{d}", "003", None if d >= 6 else 70000.0 + d,
             None if d >= 6 else 69000.0) for d in (7, 6, 5, 4, 3)]},
        "success": True, "code": 0})
    # -- stock_hsgt_hold_stock_em: the list page (disclosure date in div.title span), then the
    # data centre rows, 43 keys by position; 股数 万股, 市值 万元
    text("em_hsgt_hold_page.html",
         "<html><body><div class='title'>沪深港通持股<span>（2025-09-30）</span></div>"
         "</body></html>\n")
    names = ["SECUCODE", "MUTUAL_TYPE", "TRADE_DATE", "ORG_CODE", "SECURITY_NAME",
             "SECURITY_INNER_CODE", "MARKET_CODE", "SECURITY_CODE", "HOLD_DATE", "X09", "X10",
             "X11", "HOLD_SHARES", "HOLD_MARKET_CAP", "FREE_SHARES_RATIO",
             "TOTAL_SHARES_RATIO", "CLOSE_PRICE", "CHANGE_RATE", "X18", "BOARD_NAME"] + \
            [f"X{i}" for i in range(20, 30)] + \
            ["ADD_MARKET_CAP", "ADD_SHARES_REPAIR", "ADD_MARKET_CAP_RATE", "ADD_FREE_RATIO",
             "ADD_TOTAL_RATIO"] + [f"Y{i}" for i in range(35, 43)]
    assert len(names) == 43

    def hold(code: str, name: str, shares: float, cap: float) -> dict[str, object]:
        row: dict[str, object] = {n: "-" for n in names}
        row.update({"TRADE_DATE": "2025-09-30 00:00:00", "SECURITY_NAME": name,
                    "SECURITY_CODE": code, "HOLD_SHARES": shares, "HOLD_MARKET_CAP": cap,
                    "FREE_SHARES_RATIO": 3.1, "TOTAL_SHARES_RATIO": 2.9, "CLOSE_PRICE": 10.5,
                    "CHANGE_RATE": 0.3, "BOARD_NAME": "银行", "ADD_MARKET_CAP": 100.0,
                    "ADD_SHARES_REPAIR": 10.0, "ADD_MARKET_CAP_RATE": 0.1,
                    "ADD_FREE_RATIO": 0.01, "ADD_TOTAL_RATIO": 0.01})
        return row
    js("em_hsgt_hold_p1.json", {"result": {"pages": 2, "count": 3, "data": [
        hold("600000", "浦发银行", 45678.9, 512345.6), hold("300750", "宁德时代", 12345.0,
                                                            3456789.0)]},
        "success": True, "code": 0})
    js("em_hsgt_hold_p2.json", {"result": {"pages": 2, "count": 3, "data": [
        hold("000001", "平安银行", 60000.0, 700000.0)]}, "success": True, "code": 0})
    # -- fund_etf_scale_sse [fund/fund_etf_sse.py]: TOT_VOL 万份 (akshare x10000 -> 份)
    js("sse_etf_scale_20251107.json", {"result": [
        {"NUM": "1", "SEC_CODE": "510300", "SEC_NAME": "沪深300ETF华泰柏瑞", "ETF_TYPE": "跨市场ETF",
         "STAT_DATE": "2025-11-07", "TOT_VOL": "9123456.78"},
        {"NUM": "2", "SEC_CODE": "510050", "SEC_NAME": "上证50ETF华夏", "ETF_TYPE": "单市场ETF",
         "STAT_DATE": "2025-11-07", "TOT_VOL": "2500000.00"}], "isPagination": "true"})
    # -- fund_scale_daily_szse [fund/fund_scale_szse.py]: an xlsx, 基金规模(份) in 份
    xlsx("szse_fund_scale.xlsx", [
        ["日期", "基金代码", "基金简称", "基金规模(份)"],
        ["2025-11-06", "159915", "创业板ETF易方达", "30,123,456,789"],
        ["2025-11-07", "159915", "创业板ETF易方达", "30,223,456,789"]])
    xlsx("szse_fund_scale_empty.xlsx", [["日期", "基金代码", "基金简称", "基金规模(份)"]])
    # -- fund_etf_hist_em [fund/fund_etf_em.py]: 11 fields
    for code, c in (("510300", 4.712), ("510050", 3.105), ("159915", 3.021)):
        js(f"em_kline_{code}.json", em_kline(code, code, [
            f"2025-11-0{d},{c},{c if d == 7 else c - 0.01 * d},{c + 0.02},{c - 0.02},"
            f"5000000,2300000000.0,1.0,0.2,0.01,1.1" for d in (6, 7)]))
    # -- fund_open_fund_info_em [fund/fund_em.py]: the pingzhongdata JS file, run in V8;
    # x = ms since epoch (Beijing midnight), y = unit NAV, equityReturn = 日增长率 %
    from datetime import datetime
    from zoneinfo import ZoneInfo
    ms = {d: int(datetime(2025, 11, d, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp() * 1000)
          for d in (3, 4, 5, 6, 7)}
    trend = [{"x": ms[d], "y": 1.2345 if d == 7 else 1.2 + 0.001 * d,
              "equityReturn": 0.52 if d == 7 else (None if d == 5 else 0.1), "unitMoney": ""}
             for d in (3, 4, 5, 6, 7)]
    text("em_pingzhong_900501.js",
         '/*Fri Nov 07 2025 20:00:00 GMT+0800*/var ishb=false;var fS_name = "示例量化中证500指数增强A";'
         'var fS_code = "900501";'
         f"var Data_netWorthTrend = {json.dumps(trend, separators=(',', ':'))};"
         'var Data_ACWorthTrend = [];\n')
    # -- futures_contract_info_cffex [futures_derivative/futures_contract_info_cffex.py]: XML
    def contract(cid: str, pid: str, month: str, open_d: str, end_d: str) -> str:
        return (f"<INDEX><TRADING_DAY>20251107</TRADING_DAY><PRODUCT_ID>{pid}</PRODUCT_ID>"
                f"<INSTRUMENT_ID>{cid}</INSTRUMENT_ID><INSTRUMENT_MONTH>{month}"
                f"</INSTRUMENT_MONTH><BASIS_PRICE>4000</BASIS_PRICE><OPEN_DATE>{open_d}"
                f"</OPEN_DATE><END_TRADING_DAY>{end_d}</END_TRADING_DAY><UPPER_VALUE>0.1"
                f"</UPPER_VALUE><LOWER_VALUE>0.1</LOWER_VALUE><UPPERLIMITPRICE>4400"
                f"</UPPERLIMITPRICE><LOWERLIMITPRICE>3600</LOWERLIMITPRICE><LONG_LIMIT>5000"
                f"</LONG_LIMIT></INDEX>")
    text("cffex_contracts_20251107.xml",
         '<?xml version="1.0" encoding="UTF-8"?>\n<indexs>'
         + contract("IF2511", "IF", "2511", "20250915", "20251121")
         + contract("IF2512", "IF", "2512", "20250421", "20251219")
         + contract("IM2511", "IM", "2511", "20250915", "20251121")
         + contract("T2512", "T", "2512", "20250317", "20251212")
         + "</indexs>\n")
    # -- futures_hist_daily_cffex [futures/futures_daily_bar.py]: a gbk CSV read by
    # pandas.read_csv(url); 14 columns by position, option rows and 小计/合计 dropped by akshare
    text("cffex_daily_20251107.csv",
         "合约代码,今开盘,最高价,最低价,成交量,成交金额,持仓量,持仓变化,今收盘,今结算,前结算,涨跌1,涨跌2,Delta\n"
         "IF2511 ,4680.0,4705.0,4660.0,85432,12000000.5,123456,-1000,4690.2,4691.4,4700.0,-9.8,-8.6,--\n"
         "IF2512 ,4670.0,4700.0,4650.0,20000,2800000.0,90000,500,4680.0,4681.0,4690.0,-10.0,-9.0,--\n"
         "小计,,,,105432,14800000.5,213456,-500,,,,,,\n"
         "IO2511-C-4700,50.0,60.0,40.0,3000,100.0,20000,10,55.0,55.2,52.0,3.0,3.2,0.5\n"
         "IM2511 ,7300.0,7350.0,7280.0,150000,220000000.0,200000,3000,7320.4,7321.0,7310.0,10.4,11.0,--\n"
         "T2512,108.2,108.3,108.1,60000,6500000.0,200000,100,108.25,108.21,108.2,0.05,0.01,--\n"
         "合计,,,,318432,241300000.5,633456,2600,,,,,,\n")
    # -- tool_trade_date_hist_sina [tool/trade_date_hist.py]: as index_us_stock_sina, the JS
    # string is decoded in V8; the decoded list is replayed
    text("sina_trade_dates.txt", 'var datelist="REPLAYED-ENCODED-DATA";\n')
    import exchange_calendars as xcals
    days = [ts.strftime("%Y-%m-%d") for ts in xcals.get_calendar("XSHG").sessions
            if "2021-01-01" <= ts.strftime("%Y-%m-%d") <= "2025-12-31"]
    (HERE / "sina_trade_dates_decoded.json").write_text(
        json.dumps(days, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
