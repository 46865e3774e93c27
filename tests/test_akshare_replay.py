"""Every adapter through akshare 1.19.5's own code, on replayed HTTP payloads.

The real akshare function runs; only its HTTP transport is replaced (tests/akshare_replay.py:
``requests`` at ``HTTPAdapter.send``, ``urllib.request.urlopen`` for ``pandas.read_csv(url)``,
sockets blocked, any unknown URL fails the test). The payloads under tests/replay/ have the shape
the endpoint sends as far as akshare reads it: field names, nesting, key order where akshare
assigns columns by position, pagination (two or three pages where akshare pages) and the
endpoint's units (tests/replay/make_payloads.py names the akshare source line for each). Each test
asserts the canonical frame (``conform``), one hand-computed value per unit conversion, parsed
dates, and the request parameters akshare sent (dates, symbols as the adapter passed them).
After an akshare upgrade, a failure here names the adapter whose parsing drifted.

Not driven through the endpoint payload alone (and why):

* ``trade_days`` (``tool_trade_date_hist_sina``) and ``global_asset_daily`` IXIC
  (``index_us_stock_sina``): sina sends the table as a string encoded by its own JS routine,
  which akshare runs in V8. Writing that encoder is out of scope, so the *decoded* list is
  replayed in place of the V8 call (``Replay.decode_sina``); the request and everything akshare
  does after decoding are real.
* ``stock_industry_clf_hist_sw`` and ``index_stock_cons_csindex`` download ``.xls`` files; the
  replay serves the same table as ``.xlsx`` bytes (``pandas.read_excel`` picks the engine from
  the content), so the legacy-xls reader itself is not exercised.
* Error paths of the polite caller (retries, timeouts, circuit breaker) and schema-drift cases
  stay on hand-made frames in tests/test_sources.py: they test fundflow's reaction to a frame,
  not akshare's parsing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import pytest

from fundflow.data.schemas import conform
from fundflow.data.sources import CallPolicy, Caller, FetchContext, get_adapter
from fundflow.data.sources.polite import PAGINATED
from fundflow.reference import Reference, load_reference
from tests.akshare_replay import Replay, Route
from tests.fake_akshare import SEEDS

pytest.importorskip("akshare")

REF = load_reference(SEEDS)
WEEK = [date(2025, 11, 3), date(2025, 11, 4), date(2025, 11, 5), date(2025, 11, 6),
        date(2025, 11, 7)]
FAST = CallPolicy(attempts=1, backoff_initial_s=0, backoff_max_s=0, default_min_interval_s=0,
                  deadline_s=60)

EM80 = "https://80.push2.eastmoney.com/api/qt/clist/get"
EM82 = "https://82.push2.eastmoney.com/api/qt/clist/get"
EM15 = "https://15.push2.eastmoney.com/api/qt/clist/get"
EM_PUSH2 = "https://push2.eastmoney.com/api/qt/clist/get"
KLINE = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
BOARD_KLINE = "https://91.push2his.eastmoney.com/api/qt/stock/kline/get"
DATACENTER = "https://datacenter-web.eastmoney.com/api/data/v1/get"
SZSE_REPORT = "https://www.szse.cn/api/report/ShowReport"

R: dict[str, list[Route]] = {
    "index_codes": [Route(EM80, "em_index_codes_p1.json", {"pn": "1", "fields": "f3,f12,f13"}),
                    Route(EM80, "em_index_codes_p2.json", {"pn": "2", "fields": "f3,f12,f13"})],
    "kline_000300": [Route(KLINE, "em_kline_000300.json", {"secid": "1.000300", "klt": "101"})],
    "kline_932000": [Route(KLINE, "em_kline_none.json", {"secid": r"re:(0|1|2|47)\.932000"})],
    "csindex_932000": [Route("https://www.csindex.com.cn/csindex-home/perf/index-perf",
                             "csindex_perf_932000.json", {"indexCode": "932000"})],
    "sw_801080": [Route("https://www.swsresearch.com/institute-sw/api/index_publish/trend/",
                        "sw_trend_801080.json", {"swindexcode": "801080", "period": "DAY"})],
    "DJIA": [Route(KLINE, "em_kline_DJIA.json", {"secid": "100.DJIA"})],
    "USDCNH": [Route(KLINE, "em_kline_USDCNH.json", {"secid": "133.USDCNH"})],
    "HSTECH": [Route(EM15, "em_hk_spot_p1.json", {"pn": "1", "fs": "m:124,m:125,m:305"}),
               Route(EM15, "em_hk_spot_p2.json", {"pn": "2", "fs": "m:124,m:125,m:305"}),
               Route(KLINE, "em_kline_HSTECH.json", {"secid": "124.HSTECH"})],
    "IXIC": [Route("https://finance.sina.com.cn/staticdata/us/.IXIC", "sina_us_IXIC.txt")],
    "LME_CU": [Route(r"https://stock2\.finance\.sina\.com\.cn/futures/api/jsonp\.php/"
                     r"var%20_S\d{4}_\d{1,2}_\d{1,2}=/GlobalFuturesService\."
                     r"getGlobalFuturesDailyKLine", "sina_futures_CAD.jsonp.txt",
                     {"symbol": "CAD", "source": "web"}, regex=True)],
    "bond": [Route("https://datacenter.eastmoney.com/api/data/get", f"em_bond_yield_p{p}.json",
                   {"type": "RPTA_WEB_TREASURYYIELD", "p": str(p)}) for p in (1, 2)],
    "BK1208": [Route(BOARD_KLINE, "em_kline_BK1208.json", {"secid": "90.BK1208"})],
    "BK1208_empty": [Route(BOARD_KLINE, "em_kline_empty.json", {"secid": "90.BK1208"})],
    "margin_account": [Route(DATACENTER, f"em_margin_account_p{p}.json",
                             {"reportName": "RPTA_WEB_MARGIN_DAILYTRADE", "pageNumber": str(p)})
                       for p in (1, 2)],
    "sse_detail": [Route("https://query.sse.com.cn/marketdata/tradedata/queryMargin.do",
                         "sse_margin_detail_str.json",
                         {"detailsDate": "20251107", "tabType": "mxtype"})],
    "sse_detail_int": [Route("https://query.sse.com.cn/marketdata/tradedata/queryMargin.do",
                             "sse_margin_detail_int.json",
                             {"detailsDate": "20251107", "tabType": "mxtype"})],
    "szse_detail": [Route(SZSE_REPORT, "szse_margin_detail.xlsx",
                          {"CATALOGID": "1837_xxpl", "txtDate": "2025-11-07"})],
    "spot": [Route(EM82, f"em_spot_p{p}.json", {"pn": str(p), "fid": "f12"}) for p in (1, 2, 3)],
    "sw_clf": [Route("https://www.swsresearch.com/swindex/pdf/SwClass2021/"
                     "StockClassifyUse_stock.xls", "sw_industry_clf.xlsx")],
    "csindex_cons": [Route(r"https://oss-ch\.csindex\.com\.cn/static/html/csindex/public/"
                           r"uploads/file/autofile/cons/\d{6}cons\.xls", "csindex_cons.xlsx",
                           regex=True)],
    "sina_cons": [
        Route("https://vip.stock.finance.sina.com.cn/corp/go.php/vII_NewestComponent/indexid/"
              "399006.phtml", "sina_cons_399006.html", encoding="gb2312"),
        *[Route("https://vip.stock.finance.sina.com.cn/corp/view/vII_NewestComponent.php",
                f"sina_cons_399006_p{p}.html", {"page": str(p), "indexid": "399006"},
                encoding="gb2312") for p in (1, 2)]],
    "fund_flow": [Route(EM_PUSH2, f"em_fund_flow_p{p}.json", {"fid": "f62", "pn": str(p)})
                  for p in (1, 2)],
    "hsgt_sh": [Route(DATACENTER, f"em_hsgt_sh_p{p}.json",
                      {"reportName": "RPT_MUTUAL_DEAL_HISTORY",
                       "filter": '(MUTUAL_TYPE="001")', "pageNumber": str(p)}) for p in (1, 2)],
    "hsgt_sz": [Route(DATACENTER, "em_hsgt_sz.json", {"reportName": "RPT_MUTUAL_DEAL_HISTORY",
                                                      "filter": '(MUTUAL_TYPE="003")'})],
    "hsgt_sz_stopped": [Route(DATACENTER, "em_hsgt_sz_stopped.json",
                              {"reportName": "RPT_MUTUAL_DEAL_HISTORY",
                               "filter": '(MUTUAL_TYPE="003")'})],
    "hold": [Route("https://data.eastmoney.com/hsgtcg/list.html", "em_hsgt_hold_page.html"),
             *[Route(DATACENTER, f"em_hsgt_hold_p{p}.json",
                     {"reportName": "RPT_MUTUAL_STOCK_NORTHSTA", "pageNumber": str(p)})
               for p in (1, 2)]],
    "etf_sse": [Route("https://query.sse.com.cn/commonQuery.do", "sse_etf_scale_20251107.json",
                      {"sqlId": "COMMON_SSE_ZQPZ_ETFZL_XXPL_ETFGM_SEARCH_L",
                       "STAT_DATE": "2025-11-07"})],
    "etf_szse": [Route(SZSE_REPORT, "szse_fund_scale.xlsx",
                       {"CATALOGID": "scsj_fund_jjgm", "jjlb": "ETF"})],
    "etf_szse_empty": [Route(SZSE_REPORT, "szse_fund_scale_empty.xlsx",
                             {"CATALOGID": "scsj_fund_jjgm", "jjlb": "ETF"})],
    "etf_klines": [Route(KLINE, f"em_kline_{c}.json", {"secid": f"{m}.{c}", "fqt": "0"})
                   for c, m in (("510300", 1), ("510050", 1), ("159915", 0))],
    "etf_unlisted": [Route(KLINE, "em_kline_none.json", {"secid": "1.563360"})],
    "fund_nav": [Route("https://fund.eastmoney.com/pingzhongdata/900501.js",
                       "em_pingzhong_900501.js")],
    "cffex_contracts": [Route("http://www.cffex.com.cn/sj/jycs/202511/07/index.xml",
                              "cffex_contracts_20251107.xml")],
    "cffex_daily": [Route("http://www.cffex.com.cn/sj/hqsj/rtj/202511/07/20251107_1.csv",
                          "cffex_daily_20251107.csv", encoding="gbk")],
    "trade_days": [Route("https://finance.sina.com.cn/realstock/company/klc_td_sh.txt",
                         "sina_trade_dates.txt")],
}


def routes(*names: str) -> list[Route]:
    return [r for n in names for r in R[n]]


@dataclasses.dataclass
class Run:
    frame: pd.DataFrame
    ctx: FetchContext
    replay: Replay


def fetch(dataset: str, route_names: tuple[str, ...], *, key: str = "",
          start: date = WEEK[0], end: date = WEEK[-1], days: list[date] | None = None,
          ref: Reference = REF, before: Callable[[Replay], None] | None = None,
          order: tuple[str, ...] = ()) -> Run:
    """Run the dataset's adapter on the real akshare with only ``route_names`` answering
    (``order``: the adapter's routes in force, default its own order)."""
    a = get_adapter(dataset)
    with Replay(routes(*route_names)) as replay:
        if before:
            before(replay)
        caller = Caller(replay.akshare(), FAST, sleep=lambda s: None)
        ctx = FetchContext(dataset, caller.call, ref, start, end, routes=order)
        if a.mode == "range":
            frame = a.fetch_range(ctx, key, start, end)
        elif a.mode == "daily":
            frame = a.fetch_days(ctx, days or [end])
        else:
            frame = a.fetch_snapshot(ctx, end)
    return Run(frame, ctx, replay)


def row(frame: pd.DataFrame, **where: Any) -> pd.Series:
    f = frame
    for k, v in where.items():
        f = f[f[k] == (pd.Timestamp(v) if isinstance(v, date) else v)]
    assert len(f) == 1, (where, f)
    return f.iloc[0]


# -- trading calendar ----------------------------------------------------------------------------
def test_trade_days() -> None:
    run = fetch("trade_days", ("trade_days",), before=lambda r: r.decode_sina(
        "akshare.tool.trade_date_hist", "sina_trade_dates_decoded.json"))
    data = conform("trade_days", run.frame)
    assert run.replay.decoded_inputs == ["REPLAYED-ENCODED-DATA"]   # split out of var datelist=
    assert pd.Timestamp("2025-11-07") in set(data["trade_date"])
    assert pd.Timestamp("1992-05-04") in set(data["trade_date"])    # akshare adds this day


# -- indices -------------------------------------------------------------------------------------
def test_index_daily_eastmoney() -> None:
    run = fetch("index_daily", ("index_codes", "kline_000300"), key="000300")
    data = conform("index_daily", run.frame)
    # akshare slices the full history to start..end itself (the request has beg=0)
    assert [d.date() for d in data["trade_date"]] == WEEK
    last = row(data, trade_date=WEEK[-1])
    assert last["volume"] == 201234567 * 100                      # 手 -> 股
    assert last["amount_cny"] == pytest.approx(456789012345.6)    # 元
    assert last["close"] == pytest.approx(4680.40)
    (kline,) = run.replay.requests_to("em_kline_000300.json")
    assert kline["secid"] == "1.000300" and kline["beg"] == "0"   # market id from the code map
    assert len(run.replay.requests_to("em_index_codes_p2.json")) == 1   # the map has 2 pages


def test_index_daily_csindex_fallback_when_eastmoney_lacks_the_index() -> None:
    run = fetch("index_daily", ("index_codes", "kline_932000", "csindex_932000"), key="932000")
    data = conform("index_daily", run.frame)
    # a CSI-only index goes to csindex first: its ordinary route, not a fallback
    assert run.ctx.used_route == "csindex" and not run.ctx.fell_back
    last = row(data, trade_date=WEEK[-1])
    assert last["volume"] == pytest.approx(1234.56 * 1e6)     # 万手 -> 股
    assert last["amount_cny"] == pytest.approx(345.67 * 1e8)  # 亿元 -> 元
    assert last["close"] == pytest.approx(2822.2)
    (csi,) = run.replay.requests_to("csindex_perf_932000.json")
    assert (csi["startDate"], csi["endDate"]) == ("20251103", "20251107")
    assert run.replay.requests_to("em_kline_none.json") == []   # eastmoney not asked


def test_index_daily_eastmoney_without_the_index_hands_over_to_csindex() -> None:
    """With an order set in collect.sources (eastmoney first), akshare tries every market id it
    knows, gives up, and csindex fills the rows as a fallback."""
    run = fetch("index_daily", ("index_codes", "kline_932000", "csindex_932000"), key="932000",
                order=("eastmoney", "csindex"))
    assert run.ctx.used_route == "csindex" and run.ctx.fell_back
    assert any("fallback route csindex" in w for w in run.ctx.warnings)
    secids = [p["secid"] for p in run.replay.requests_to("em_kline_none.json")]
    assert {"1.932000", "0.932000", "2.932000", "47.932000"} <= set(secids)


def test_sw_industry_daily() -> None:
    run = fetch("sw_industry_daily", ("sw_801080",), key="801080")
    data = conform("sw_industry_daily", run.frame)
    last = row(data, trade_date=WEEK[-1])
    assert last["amount_cny"] == pytest.approx(1234.5 * 1e8)   # 亿元 -> 元
    assert last["close"] == pytest.approx(5017.0)
    assert run.replay.requests_to("sw_trend_801080.json") == [
        {"swindexcode": "801080", "period": "DAY"}]


# -- global assets -------------------------------------------------------------------------------
@pytest.mark.parametrize("asset,names,payload,close", [
    ("DJIA", ("DJIA",), "em_kline_DJIA.json", 47336.68),
    ("USDCNH", ("USDCNH",), "em_kline_USDCNH.json", 7.1268),
    ("HSTECH", ("HSTECH",), "em_kline_HSTECH.json", 5921.33),
    ("LME_CU", ("LME_CU",), "sina_futures_CAD.jsonp.txt", 10863.0),
])
def test_global_asset_daily(asset: str, names: tuple[str, ...], payload: str,
                            close: float) -> None:
    run = fetch("global_asset_daily", names, key=asset)
    data = conform("global_asset_daily", run.frame)
    assert row(data, trade_date=WEEK[0])["close"] == pytest.approx(close)
    assert len(run.replay.requests_to(payload)) == 1


def test_global_asset_daily_sina_us_index() -> None:
    run = fetch("global_asset_daily", ("IXIC",), key="IXIC", before=lambda r: r.decode_sina(
        "akshare.index.index_stock_us_sina", "sina_us_IXIC_decoded.json"))
    data = conform("global_asset_daily", run.frame)
    assert row(data, trade_date=WEEK[0])["close"] == pytest.approx(23348.64)
    assert run.replay.decoded_inputs == ["REPLAYED-ENCODED-DATA"]


def test_global_asset_daily_yields_skip_the_other_markets_holidays() -> None:
    run = fetch("global_asset_daily", ("bond",), key="US10Y")
    data = conform("global_asset_daily", run.frame)
    assert date(2025, 11, 4) not in set(data["trade_date"].dt.date)   # null US yield that day
    assert row(data, trade_date=WEEK[-1])["close"] == pytest.approx(4.1)   # percent
    # start_date reached on page 2: akshare stops paging there
    pages = [p["p"] for p in run.replay.seen_params("em_bond_yield")]
    assert pages == ["1", "1", "2"]
    cn = fetch("global_asset_daily", ("bond",), key="CN10Y")
    assert row(conform("global_asset_daily", cn.frame),
               trade_date=WEEK[0])["close"] == pytest.approx(1.8050)


# -- concept boards ------------------------------------------------------------------------------
def test_concept_board_daily() -> None:
    run = fetch("concept_board_daily", ("BK1208",), key="BK1208")
    data = conform("concept_board_daily", run.frame)
    last = row(data, trade_date=WEEK[-1])
    assert last["amount_cny"] == pytest.approx(45600000000.0)   # 元
    assert last["board_name"] == "可控核聚变"
    (req,) = run.replay.requests_to("em_kline_BK1208.json")
    assert (req["beg"], req["end"], req["fqt"]) == ("20251103", "20251107", "0")


# -- margin --------------------------------------------------------------------------------------
def test_margin_market_daily() -> None:
    run = fetch("margin_market_daily", ("margin_account",))
    data = conform("margin_market_daily", run.frame)
    last = row(data, trade_date=WEEK[-1])
    assert last["fin_balance_cny"] == pytest.approx(24000.5 * 1e8)   # 亿元 -> 元
    assert last["fin_buy_cny"] == pytest.approx(2300.25 * 1e8)
    assert last["sec_sell_cny"] == pytest.approx(11.2 * 1e8)
    assert len(data) == 5                                           # both pages


@pytest.mark.parametrize("sse", ["sse_detail", "sse_detail_int"])
def test_margin_stock_daily(sse: str) -> None:
    """``sse_detail_int``: the SSE JSON sends 信用交易日期 as a number (20251107); it must parse
    as that date, not as nanoseconds since 1970 (which rejected every day)."""
    run = fetch("margin_stock_daily", (sse, "szse_detail"), days=[WEEK[-1]])
    data = conform("margin_stock_daily", run.frame)
    assert set(data["trade_date"].dt.date) == {WEEK[-1]}
    assert set(data["stock_code"]) == {"600000", "688981", "000001", "300750"}   # ETFs dropped
    assert row(data, stock_code="600000")["fin_balance_cny"] == 5123456789     # 元
    assert row(data, stock_code="300750")["fin_buy_cny"] == 1234567890         # "1,234,567,890"
    assert row(data, stock_code="000001")["fin_balance_cny"] == 4567890123


# -- stocks --------------------------------------------------------------------------------------
def test_stock_daily() -> None:
    run = fetch("stock_daily", ("spot",))
    data = conform("stock_daily", run.frame)
    assert set(data["stock_code"]) == {"600000", "300750", "000001", "688981"}
    assert any("1 suspended" in w for w in run.ctx.warnings)          # 600001: "-" price
    r = row(data, stock_code="300750")
    assert r["amount_cny"] == pytest.approx(9876543210.5)             # 元
    assert r["total_mv_cny"] == pytest.approx(1.23e12) and r["close"] == pytest.approx(280.1)
    assert [p["pn"] for p in run.replay.seen_params("em_spot")] == ["1", "2", "3"]


def test_stock_universe() -> None:
    run = fetch("stock_universe", ("sw_clf", "spot"))
    data = conform("stock_universe", run.frame)
    by_code = dict(zip(data["stock_code"], data["sw_l1_code"], strict=True))
    # 600000 was reclassified in 2021 (11 -> 48): the latest classification wins
    l1 = dict(zip(REF.sw_l1["class_prefix"].astype(str), REF.sw_l1["industry_code"],
                  strict=True))
    assert by_code["600000"] == l1["48"] and by_code["688981"] == l1["27"]
    assert row(data, stock_code="300750")["stock_name"] == "宁德时代"


def test_index_constituents() -> None:
    run = fetch("index_constituents", ("csindex_cons", "sina_cons"))
    data = conform("index_constituents", run.frame)
    hs300 = set(data.loc[data["index_code"] == "000300", "stock_code"])
    assert hs300 == {"600000", "000001", "300750"}            # Excel number 1 -> "000001"
    chinext = set(data.loc[data["index_code"] == "399006", "stock_code"])
    assert chinext == {"300750", "300059", "300124"}          # both sina pages
    assert len(run.replay.requests_to("sina_cons_399006_p2.html")) == 1


def test_main_flow_stock_daily() -> None:
    run = fetch("main_flow_stock_daily", ("fund_flow",))
    data = conform("main_flow_stock_daily", run.frame)
    assert row(data, stock_code="300750")["main_net_inflow_cny"] == pytest.approx(-987654321.5)
    assert "600001" not in set(data["stock_code"])            # "-": suspended
    pages = [p["pn"] for p in run.replay.seen_params("em_fund_flow")]
    assert pages == ["1", "1", "2"] and run.replay.sleeps == []   # no pause between pages


def test_northbound_daily() -> None:
    run = fetch("northbound_daily", ("hsgt_sh",), key="sh")
    data = conform("northbound_daily", run.frame)
    last = row(data, trade_date=WEEK[-1])
    # BUY_AMT 60000.0 + SELL_AMT 55000.0 百万元 -> akshare 600 + 550 亿元 -> 1.15e11 元
    assert last["amount_cny"] == pytest.approx(1.15e11)
    assert pd.isna(last["net_buy_cny"])                     # no longer published
    sz = fetch("northbound_daily", ("hsgt_sz",), key="sz")
    assert row(conform("northbound_daily", sz.frame),
               trade_date=WEEK[0])["amount_cny"] == pytest.approx((70003.0 + 69000.0) * 1e6)


def test_northbound_daily_stopped_turnover_is_reported_with_its_dates() -> None:
    run = fetch("northbound_daily", ("hsgt_sz_stopped",), key="sz")
    assert set(run.frame["trade_date"].dt.date) == {date(2025, 11, 3), date(2025, 11, 4),
                                                     date(2025, 11, 5)}
    (w,) = [w for w in run.ctx.warnings if "not published" in w]
    assert "2025-11-06" in w and "2025-11-07" in w


def test_northbound_holdings() -> None:
    run = fetch("northbound_holdings", ("hold",))
    data = conform("northbound_holdings", run.frame)
    r = row(data, stock_code="600000")
    assert r["shares"] == pytest.approx(45678.9 * 1e4)              # 万股 -> 股
    assert r["market_value_cny"] == pytest.approx(512345.6 * 1e4)   # 万元 -> 元
    assert set(data["disclosure_date"].dt.date) == {date(2025, 9, 30)}
    filt = run.replay.seen_params("em_hsgt_hold_p1")[0]["filter"]
    assert filt == "(TRADE_DATE='2025-09-30')(INTERVAL_TYPE=\"1\")"   # 北向, 今日排行


# -- funds and futures ---------------------------------------------------------------------------
def _etf_ref(*codes: str) -> Reference:
    return dataclasses.replace(REF, etfs=REF.etfs[REF.etfs["etf_code"].isin(codes)])


def test_etf_daily() -> None:
    run = fetch("etf_daily", ("etf_sse", "etf_szse", "etf_klines"), days=[WEEK[-1]],
                ref=_etf_ref("510300", "510050", "159915"))
    data = conform("etf_daily", run.frame)
    assert set(data["trade_date"].dt.date) == {WEEK[-1]}
    assert row(data, etf_code="510300")["shares"] == pytest.approx(9123456.78 * 1e4)  # 万份
    assert row(data, etf_code="159915")["shares"] == 30223456789                      # 份
    assert row(data, etf_code="510300")["close"] == pytest.approx(4.712)
    (szse,) = run.replay.requests_to("szse_fund_scale.xlsx")
    assert (szse["txtStart"], szse["txtEnd"]) == ("2025-11-07", "2025-11-07")
    (k,) = run.replay.requests_to("em_kline_159915.json")
    assert (k["beg"], k["end"], k["secid"]) == ("20251107", "20251107", "0.159915")


def test_etf_daily_an_unlisted_etf_and_an_empty_szse_answer_are_no_data() -> None:
    """fund_etf_hist_em returns ``pd.DataFrame()`` (no columns) when eastmoney has no bars and
    fund_scale_daily_szse a headers-only frame when nothing is published: neither may fail the
    unit of every other ETF."""
    run = fetch("etf_daily", ("etf_sse", "etf_szse_empty", "etf_klines", "etf_unlisted"),
                days=[WEEK[-1]], ref=_etf_ref("510300", "563360", "159915"))
    data = conform("etf_daily", run.frame)
    assert set(data["etf_code"]) == {"510300"}
    assert any("563360: no bars" in w and "not listed yet" in w for w in run.ctx.warnings)
    assert any("SZSE: no ETF shares published for 2025-11-07..2025-11-07" in w
               for w in run.ctx.warnings)
    assert any("without published shares" in w and "159915" in w for w in run.ctx.warnings)


def test_fund_nav_daily() -> None:
    run = fetch("fund_nav_daily", ("fund_nav",), key="900501")
    data = conform("fund_nav_daily", run.frame)
    # x is milliseconds at Beijing midnight: the date must not shift to the UTC day before
    assert [d.date() for d in data["trade_date"]] == WEEK
    last = row(data, trade_date=WEEK[-1])
    assert last["nav"] == pytest.approx(1.2345) and last["daily_return_pct"] == pytest.approx(0.52)
    # a missing 日增长率 (null equityReturn on 11-05) is derived from the NAV ratio
    assert row(data, trade_date=WEEK[2])["daily_return_pct"] == pytest.approx(
        (1.205 / 1.204 - 1) * 100)


def test_futures_contracts() -> None:
    run = fetch("futures_contracts", ("cffex_contracts",), days=[WEEK[-1]])
    data = conform("futures_contracts", run.frame)
    assert set(data["contract_code"]) == {"IF2511", "IF2512", "IM2511"}   # T bond future dropped
    assert row(data, contract_code="IF2511")["last_trade_date"] == pd.Timestamp("2025-11-21")


def test_futures_daily() -> None:
    run = fetch("futures_daily", ("cffex_daily",), days=[WEEK[-1]])
    data = conform("futures_daily", run.frame)
    assert set(data["contract_code"]) == {"IF2511", "IF2512", "IM2511"}   # options, T, 小计 gone
    r = row(data, contract_code="IF2511")                                 # "IF2511 " stripped
    assert (r["volume"], r["open_interest"]) == (85432, 123456)           # 手
    assert r["settle"] == pytest.approx(4691.4) and r["close"] == pytest.approx(4690.2)
    assert set(data["trade_date"].dt.date) == {WEEK[-1]}


# -- the harness itself --------------------------------------------------------------------------
def test_an_unknown_url_fails_loudly_even_when_akshare_swallows_the_error() -> None:
    from tests.akshare_replay import UnexpectedRequest

    with pytest.raises(UnexpectedRequest, match="932000"):
        # index_zh_a_hist catches every exception of its first kline parse (bare except)
        fetch("index_daily", ("index_codes",), key="932000")


def test_empty_concept_board_answer_is_no_data() -> None:
    run = fetch("concept_board_daily", ("BK1208_empty",), key="BK1208")
    assert run.frame.empty


# -- pagination: a function that makes several requests per call holds its site -----------------
SCENARIOS: dict[str, Callable[[], Run]] = {
    "trade_days": lambda: fetch("trade_days", ("trade_days",), before=lambda r: r.decode_sina(
        "akshare.tool.trade_date_hist", "sina_trade_dates_decoded.json")),
    "index_daily": lambda: fetch("index_daily", ("index_codes", "kline_000300"), key="000300"),
    "index_daily_csi": lambda: fetch("index_daily", ("index_codes", "kline_932000",
                                                     "csindex_932000"), key="932000"),
    "sw": lambda: fetch("sw_industry_daily", ("sw_801080",), key="801080"),
    "djia": lambda: fetch("global_asset_daily", ("DJIA",), key="DJIA"),
    "fx": lambda: fetch("global_asset_daily", ("USDCNH",), key="USDCNH"),
    "hk": lambda: fetch("global_asset_daily", ("HSTECH",), key="HSTECH"),
    "us": lambda: fetch("global_asset_daily", ("IXIC",), key="IXIC", before=lambda r: (
        r.decode_sina("akshare.index.index_stock_us_sina", "sina_us_IXIC_decoded.json"))),
    "lme": lambda: fetch("global_asset_daily", ("LME_CU",), key="LME_CU"),
    "bond": lambda: fetch("global_asset_daily", ("bond",), key="US10Y"),
    "board": lambda: fetch("concept_board_daily", ("BK1208",), key="BK1208"),
    "margin": lambda: fetch("margin_market_daily", ("margin_account",)),
    "margin_detail": lambda: fetch("margin_stock_daily", ("sse_detail", "szse_detail"),
                                   days=[WEEK[-1]]),
    "universe": lambda: fetch("stock_universe", ("sw_clf", "spot")),
    "cons": lambda: fetch("index_constituents", ("csindex_cons", "sina_cons")),
    "flow": lambda: fetch("main_flow_stock_daily", ("fund_flow",)),
    "north": lambda: fetch("northbound_daily", ("hsgt_sh",), key="sh"),
    "hold": lambda: fetch("northbound_holdings", ("hold",)),
    "etf": lambda: fetch("etf_daily", ("etf_sse", "etf_szse", "etf_klines"), days=[WEEK[-1]],
                         ref=_etf_ref("510300", "510050", "159915")),
    "nav": lambda: fetch("fund_nav_daily", ("fund_nav",), key="900501"),
    "contracts": lambda: fetch("futures_contracts", ("cffex_contracts",), days=[WEEK[-1]]),
    "futures": lambda: fetch("futures_daily", ("cffex_daily",), days=[WEEK[-1]]),
}


def test_every_function_that_pages_is_in_paginated() -> None:
    """Functions that made more than one request in one call page through their site (code maps,
    spot lists, report pages) and must hold it (``polite.PAGINATED``); and PAGINATED lists no
    function the adapters do not call."""
    per_call: dict[str, int] = {}
    for scenario in SCENARIOS.values():
        for fn, counts in scenario().replay.calls.items():
            per_call[fn] = max(per_call.get(fn, 0), *counts)
    paging = {fn for fn, n in per_call.items() if n > 1}
    assert paging - PAGINATED == set(), f"page internally but not in PAGINATED: {paging}"
    assert PAGINATED - set(per_call) == set(), "PAGINATED names functions no adapter calls"
    # what the replay observed, for the record (update with akshare)
    assert paging == {
        "index_zh_a_hist", "stock_hk_index_daily_em", "bond_zh_us_rate",
        "stock_margin_account_info", "stock_zh_a_spot_em", "index_stock_cons",
        "stock_individual_fund_flow_rank", "stock_hsgt_hist_em", "stock_hsgt_hold_stock_em",
    }
