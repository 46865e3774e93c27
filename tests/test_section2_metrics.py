"""Section 2 metrics on hand-made frames: asset weeks on their own calendars (a US holiday inside
the A-share week), yields in bp, rebasing two markets, the seesaw spread, tech-theme excess
returns with a missing board."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fundflow.calendar import ReportWeek
from fundflow.metrics.returns import asset_week_change, daily_returns, rebase_pair
from fundflow.reference import Reference
from fundflow.sections import tech_themes
from fundflow.sections.base import SectionInput
from fundflow.sections.style_seesaw import seesaw_spread


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


def series_frame(points: dict[str, float], code: str = "X", col: str = "asset_code") -> pd.DataFrame:
    return pd.DataFrame({"trade_date": [ts(d) for d in points], col: code,
                         "close": list(points.values())})


# US Thanksgiving 2025: Thursday 2025-11-27 closed; the A-share week 11-24..28 is complete.
US = {"2025-11-21": 100.0, "2025-11-24": 101.0, "2025-11-25": 102.0, "2025-11-26": 103.0,
      "2025-11-28": 99.0}


def test_asset_week_with_us_holiday_uses_local_days() -> None:
    close, base, chg, last, traded = asset_week_change(
        series_frame(US), date(2025, 11, 24), date(2025, 11, 28), "price")
    assert (close, base, last, traded) == (99.0, 100.0, date(2025, 11, 28), 4)
    assert chg == pytest.approx(-1.0)


def test_us_friday_close_belongs_to_the_week_even_when_a_shares_end_on_thursday() -> None:
    # the A-share week may end on Thursday; the asset week still runs to its local Friday
    got = asset_week_change(series_frame(US), date(2025, 11, 24), date(2025, 11, 28), "price")
    assert got is not None and got[3] == date(2025, 11, 28)


def test_yield_change_in_bp() -> None:
    f = series_frame({"2025-10-31": 1.795, "2025-11-07": 1.812})
    got = asset_week_change(f, date(2025, 11, 3), date(2025, 11, 7), "yield")
    assert got is not None and got[2] == pytest.approx(1.7)


def test_asset_closed_all_week_and_without_base() -> None:
    f = series_frame({"2025-10-31": 10.0})
    got = asset_week_change(f, date(2025, 11, 3), date(2025, 11, 7), "price")
    assert got is not None and got[2] == 0.0 and got[4] == 0
    assert asset_week_change(series_frame({"2025-11-05": 1.0}), date(2025, 11, 3),
                             date(2025, 11, 7), "price") is None


def test_rebase_pair_aligns_calendars_without_filling_before_the_start() -> None:
    cn = pd.Series({ts("2025-11-24"): 50.0, ts("2025-11-25"): 51.0, ts("2025-11-26"): 49.0,
                    ts("2025-11-27"): 50.0, ts("2025-11-28"): 52.0})
    us = pd.Series({ts(d): v for d, v in US.items() if d >= "2025-11-24"})
    out = rebase_pair(cn, us)
    assert list(out.index) == list(cn.index)          # union of dates
    assert out.loc[ts("2025-11-24")].tolist() == [100.0, 100.0]
    assert out.loc[ts("2025-11-27"), "b"] == pytest.approx(103 / 101 * 100)  # US holiday: ffill
    assert out.loc[ts("2025-11-28"), "a"] == pytest.approx(104.0)
    late = pd.Series({ts("2025-11-26"): 10.0, ts("2025-11-28"): 11.0})
    out = rebase_pair(cn, late)
    assert out.index[0] == ts("2025-11-26")           # base = first common date
    assert out.loc[ts("2025-11-27"), "b"] == 100.0


def test_daily_returns_and_seesaw_spread() -> None:
    rows = []
    for code, closes in {"G": [100, 101, 99.99, 100.0], "D": [50, 50.5, 50.5, np.nan]}.items():
        for d, c in zip(["2025-10-31", "2025-11-03", "2025-11-04", "2025-11-05"], closes):
            if not np.isnan(c):
                rows.append((ts(d), code, c))
    f = pd.DataFrame(rows, columns=["trade_date", "index_code", "close"])
    days = [date(2025, 11, 3), date(2025, 11, 4), date(2025, 11, 5)]
    r = daily_returns(f, "index_code", days, date(2025, 10, 31))
    assert r.loc[ts("2025-11-03"), "G"] == pytest.approx(1.0)
    assert r.loc[ts("2025-11-04"), "D"] == pytest.approx(0.0)
    assert np.isnan(r.loc[ts("2025-11-05"), "D"])
    s = seesaw_spread(r, ("G",), ("D",))
    assert s.iloc[0] == pytest.approx(0.0)
    assert s.iloc[1] == pytest.approx(-1.0)
    assert np.isnan(s.iloc[2])


def _ref() -> Reference:
    empty = pd.DataFrame()
    themes = pd.DataFrame({"theme_id": ["a", "b"], "name_zh": ["甲", "乙"], "name_en": ["A", "B"],
                           "board_code": ["BK1", "BK2"], "board_name": ["甲", "乙"]})
    indices = pd.DataFrame({"index_code": ["000985"], "name_zh": ["中证全指"],
                            "name_en": ["CSI All Share"]})
    return Reference(indices=indices, sw_l1=empty, global_assets=empty, themes=themes,
                     etfs=empty, enhanced_funds=empty, futures_products=empty)


def test_tech_themes_excess_and_missing_board() -> None:
    days = ["2025-09-30", "2025-10-09", "2025-10-31", "2025-11-03", "2025-11-07"]
    bench = [100.0, 101.0, 102.0, 102.0, 103.02]
    board = [200.0, 210.0, 220.0, 221.0, 226.6]
    idx = pd.DataFrame({"trade_date": [ts(d) for d in days], "index_code": "000985",
                        "close": bench})
    boards = pd.DataFrame({"trade_date": [ts(d) for d in days], "board_code": "BK1",
                           "board_name": "甲", "close": board, "amount_cny": 1e10})
    week = ReportWeek(date(2025, 11, 3), date(2025, 11, 7),
                      (date(2025, 11, 3), date(2025, 11, 7)), "test")
    prev = ReportWeek(date(2025, 10, 27), date(2025, 10, 31), (date(2025, 10, 31),), "test")
    params = tech_themes.TechThemesParams(since=date(2025, 10, 1))
    ctx = tech_themes.compute(SectionInput(week, prev, date(2025, 9, 1),
                                           {"index_daily": idx, "concept_board_daily": boards},
                                           params, _ref()))
    assert ctx.missing == ("b",)                      # BK2 has no rows: listed, not counted
    (row,) = ctx.rows
    assert ctx.base_date == date(2025, 9, 30)
    assert row.since_pct == pytest.approx(13.3)
    assert ctx.bench_since_pct == pytest.approx(3.02)
    assert row.since_excess_pp == pytest.approx(13.3 - 3.02)
    assert row.week_pct == pytest.approx((226.6 / 220 - 1) * 100)
    assert row.week_excess_pp == pytest.approx((226.6 / 220 - 1) * 100 - 1.0)
    assert ctx.beat == 1
    assert ctx.excess_series["a"].iloc[-1] == pytest.approx(row.since_excess_pp)
    assert ctx.turnover["a"].tolist() == [1e10, 1e10]


def test_window_start_defaults() -> None:
    assert tech_themes.window_start("prev_month_start", date(2025, 11, 7)) == date(2025, 10, 1)
    assert tech_themes.window_start("month_start", date(2025, 11, 7)) == date(2025, 11, 1)
    assert tech_themes.window_start("prev_month_start", date(2025, 1, 10)) == date(2024, 12, 1)


# -- facts (the narrative layer) on hand-made contexts ------------------------------------------
from fundflow.charts.style import ChartStyle  # noqa: E402
from fundflow.narrative import Name, Num, render  # noqa: E402
from fundflow.sections import major_assets, sino_us_tech, style_seesaw, sw_industries  # noqa: E402
from fundflow.sections.base import ExhibitEnv, Params, SectionEnv, TableExhibit  # noqa: E402


def _env(ref: Reference, lang: str = "zh", params: Params | None = None) -> SectionEnv[Any]:
    """What a section's exhibits and facts see; ``params`` for sections that read them."""
    return ExhibitEnv(lang=lang, style=ChartStyle(), ref=ref).for_section(  # type: ignore[arg-type]
        params if params is not None else Params())


def _full_ref() -> Reference:
    ref = _ref()
    assets = pd.DataFrame({
        "asset_code": ["SPX", "N225", "HSI", "GC", "CL", "NG", "CN10Y", "US10Y", "UDI"],
        "name_zh": ["标普500", "日经225", "恒生指数", "COMEX黄金", "NYMEX WTI原油", "NYMEX天然气",
                    "中国10年期国债收益率", "美国10年期国债收益率", "美元指数"],
        "name_en": ["S&P 500", "Nikkei 225", "Hang Seng", "COMEX gold", "NYMEX WTI crude",
                    "NYMEX natural gas", "China 10Y yield", "US 10Y yield", "US dollar index"]})
    indices = pd.DataFrame({"index_code": ["000985", "000688"], "name_zh": ["中证全指", "科创50"],
                            "name_en": ["CSI All Share", "STAR 50"]})
    sw = pd.DataFrame({"industry_code": [f"8010{i}0" for i in range(6)],
                       "name_zh": ["甲业", "乙业", "丙业", "丁业", "戊业", "己业"],
                       "name_en": ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"]})
    themes = pd.DataFrame({"theme_id": ["a", "b", "c"], "name_zh": ["甲", "乙", "丙"],
                           "name_en": ["A", "B", "C"], "board_code": ["BK1", "BK2", "BK3"],
                           "board_name": ["甲", "乙", "丙"]})
    return Reference(indices=indices, sw_l1=sw, global_assets=assets, themes=themes,
                     etfs=ref.etfs, enhanced_funds=ref.enhanced_funds,
                     futures_products=ref.futures_products)


def _row(code: str, cls: str, change: float, kind: str = "price") -> major_assets.AssetRow:
    return major_assets.AssetRow(code, cls, kind, "pt", 100.0, 100.0, change,
                                 date(2025, 11, 7), 5)


def test_major_assets_facts() -> None:
    ctx = major_assets.MajorAssetsContext(
        rows=(_row("SPX", "equity", -1.63), _row("N225", "equity", -4.07),
              _row("HSI", "equity", 1.29), _row("GC", "commodity", -0.2),
              _row("CL", "commodity", -2.0), _row("NG", "commodity", 5.61),
              _row("CN10Y", "rate", 0.8, "yield"), _row("US10Y", "rate", -1.5, "yield"),
              _row("UDI", "fx", -0.2)),
        missing=(), closed_all_week=(), as_of=date(2025, 11, 7))
    ref = _full_ref()
    facts = major_assets.facts(ctx, _env(ref))
    assert [f.kind for f in facts] == ["major_assets.equities", "major_assets.commodities_mover",
                                       "major_assets.yields", "major_assets.fx"]
    eq = facts[0].slots
    assert (eq["n"], eq["up"]) == (Num(3, "count"), Num(1, "count"))
    assert eq["best"] == Name("恒生指数", "Hang Seng") and eq["worst_chg"] == Num(-4.07, "pct_signed")
    assert facts[0].score == pytest.approx(4.07 / major_assets.TYPICAL_EQUITY_WEEK_PCT)
    assert render(facts[0], "zh") == ("本周3个全球股指中1个上涨，恒生指数表现最好（+1.29%），"
                                      "日经225表现最弱（-4.07%）。")
    assert render(facts[1], "zh") == ("商品方面，COMEX黄金下跌0.20%、NYMEX WTI原油下跌2.00%；"
                                      "NYMEX天然气上涨5.61%，变动幅度最大。")
    assert render(facts[1], "en").endswith("the biggest move was NYMEX natural gas, which rose 5.61%.")
    assert [n.fmt for n in facts[2].numbers()] == ["bp", "bp"]
    assert render(facts[2], "en") == ("Government bond yields: China 10Y yield (+0.8bp) and "
                                      "US 10Y yield (-1.5bp).")
    # the largest commodity move among gold/oil: no separate mover clause
    calm = major_assets.MajorAssetsContext(
        rows=(_row("GC", "commodity", -3.0), _row("CL", "commodity", 1.0)), missing=(),
        closed_all_week=(), as_of=date(2025, 11, 7))
    assert [f.kind for f in major_assets.facts(calm, _env(ref))] == ["major_assets.commodities"]


def test_style_seesaw_facts_and_cumulative_column() -> None:
    days = tuple(date(2025, 11, d) for d in range(3, 8))
    spread = (-0.25, -1.83, -0.48, 0.82, -0.68)
    codes = ("000688",)
    ctx = style_seesaw.SeesawContext(days, {"000688": (0.0,) * 5, "000985": (0.0,) * 5},
                                     spread, date(2025, 11, 7))
    params = style_seesaw.StyleSeesawParams(growth=codes, defensive=("000985",))
    ref = _full_ref()
    facts = style_seesaw.facts(ctx, _env(ref))
    assert [f.kind for f in facts] == ["style_seesaw.days", "style_seesaw.week_defensive",
                                       "style_seesaw.widest_defensive"]
    d = facts[0].slots
    assert (d["n"], d["g"], d["flips"]) == (Num(5, "count"), Num(1, "count"), Num(2, "count"))
    assert facts[1].slots["total"].value == pytest.approx(-2.42)     # type: ignore[union-attr]
    assert facts[2].slots["day"] == Name("周二", "Tuesday")
    assert render(facts[2], "zh") == "周二分化最大，成长风格落后1.83个百分点。"
    # the stated total is the last value of the table's cumulative column
    table = next(e for e in style_seesaw.exhibits(ctx, _env(ref, params=params))
                 if isinstance(e, TableExhibit))
    assert table.data["growth_minus_defensive_cum_pp"].iloc[-1] == pytest.approx(-2.42)
    assert table.rows[-1]["cum"] == pytest.approx(-2.42)
    cum = style_seesaw.cumulative_spread((float("nan"), 1.0, float("nan"), 2.0))
    assert np.isnan(cum[0]) and cum[1:] == [1.0, 1.0, 3.0]


def _industries(returns: list[float], top_n: int = 2) -> sw_industries.SwIndustriesContext:
    rows = tuple(sw_industries.IndustryRow(f"8010{i}0", r, 1e9, 0.0)
                 for i, r in enumerate(returns))
    ranked = tuple(sorted(rows, key=lambda r: -r.return_pct))
    return sw_industries.SwIndustriesContext(ranked, ranked[:top_n], ranked[::-1][:top_n], (),
                                             date(2025, 11, 7))


def test_sw_industries_facts_name_decliners_correctly() -> None:
    env = _env(_full_ref())
    facts = sw_industries.facts(_industries([4.3, 2.0, 1.0, 0.5, -0.6, -3.3]), env)
    assert [f.kind for f in facts] == ["sw_industries.breadth", "sw_industries.leaders",
                                       "sw_industries.laggards"]
    assert (facts[0].slots["n"], facts[0].slots["up"]) == (Num(6, "count"), Num(4, "count"))
    assert render(facts[2], "zh") == "跌幅居前的行业为己业（-3.30%）、戊业（-0.60%）。"
    few = sw_industries.facts(_industries([4.3, 2.0, 1.0, 0.5, 0.2, -3.3]), env)[2]
    assert few.kind == "sw_industries.laggards_few" and few.slots["d"] == Num(1, "count")
    assert render(few, "en") == "Only 1 fell: Zeta (-3.30%)."
    none = sw_industries.facts(_industries([4.3, 2.0, 1.0, 0.5, 0.2, 0.1]), env)[2]
    assert none.kind == "sw_industries.laggards_none"
    assert [n.value for n in none.numbers()] == [0.1, 0.2]


def test_sino_us_tech_facts_and_week_row_in_table_data() -> None:
    days = tuple(date(2025, 11, d) for d in range(24, 29))
    ctx = sino_us_tech.SinoUsContext(
        rebased=pd.DataFrame({"cn": [100.0, 101.0], "us": [100.0, 99.0]},
                             index=[ts("2025-11-24"), ts("2025-11-28")]),
        week_days=days, cn_daily=(0.5, -1.0, 1.0, 0.2, 0.3),
        us_daily=(0.4, -0.5, 0.1, float("nan"), -1.0), cn_week_pct=1.0, us_week_pct=-1.0,
        monday=days[0], friday=days[-1], us_holidays=(date(2025, 11, 27),), cn_holidays=(),
        as_of=days[-1])
    env = _env(_full_ref(), params=sino_us_tech.SinoUsTechParams(cn_index="000688", us_asset="SPX"))
    facts = sino_us_tech.facts(ctx, env)
    assert [f.kind for f in facts] == ["sino_us_tech.week", "sino_us_tech.gap_cn_ahead",
                                       "sino_us_tech.closed"]
    gap = facts[1].slots
    assert (gap["gap"], gap["n"], gap["m"]) == (Num(2.0, "num2"), Num(4, "count"),
                                                Num(3, "count"))
    assert render(facts[0], "en") == "This week the S&P 500 fell 1.00% and the STAR 50 rose 1.00%."
    assert render(facts[2], "zh") == "美股周四休市，周涨跌幅按实际交易日计算。"
    table = next(e for e in sino_us_tech.exhibits(ctx, env) if isinstance(e, TableExhibit))
    week = table.data.iloc[-1]
    assert week["date"] == "week" and week["gap_pp"] == pytest.approx(2.0)
    assert week["000688_return_pct"] == 1.0 and week["SPX_return_pct"] == -1.0


def test_tech_themes_facts() -> None:
    idx = pd.DataFrame({"trade_date": [ts(d) for d in ["2025-09-30", "2025-10-31", "2025-11-03",
                                                       "2025-11-07"]],
                        "index_code": "000985", "close": [100.0, 102.0, 102.0, 103.02]})
    closes = {"BK1": [200, 220, 221, 226.6], "BK2": [100, 95, 96, 97], "BK3": [50, 49, 48, 47]}
    amounts = {"BK1": [0, 0, 1e10, 2e10], "BK2": [0, 0, 3e10, 1e10], "BK3": [0, 0, 1e9, 1e9]}
    boards = pd.concat([pd.DataFrame({"trade_date": idx["trade_date"], "board_code": b,
                                      "board_name": b, "close": c, "amount_cny": amounts[b]})
                        for b, c in closes.items()])
    week = ReportWeek(date(2025, 11, 3), date(2025, 11, 7),
                      (date(2025, 11, 3), date(2025, 11, 7)), "test")
    prev = ReportWeek(date(2025, 10, 27), date(2025, 10, 31), (date(2025, 10, 31),), "test")
    ref = _full_ref()
    params = tech_themes.TechThemesParams(since=date(2025, 10, 1))
    ctx = tech_themes.compute(SectionInput(
        week, prev, date(2025, 9, 1), {"index_daily": idx, "concept_board_daily": boards},
        params, ref))
    facts = tech_themes.facts(ctx, _env(ref, params=params))
    assert [f.kind for f in facts] == ["tech_themes.since", "tech_themes.week",
                                       "tech_themes.turnover_peak"]
    since = facts[0].slots
    assert since["start"] == "2025-10-01" and since["beat"] == Num(1, "count")
    assert [n.value for n in facts[0].numbers()] == [3, 1, pytest.approx(13.3 - 3.02)]
    wk = facts[1].slots
    assert wk["best"] == Name("甲", "A") and wk["worst"] == Name("丙", "C")
    assert wk["worst_ex"].value == pytest.approx((47 / 49 - 1) * 100 - 1.0)  # type: ignore[union-attr]
    assert facts[2].slots["day"] == Name("周一", "Monday")
    assert facts[2].slots["total"] == Num(4.1e10, "yi2")      # 1e10 + 3e10 + 1e9
    assert render(facts[2], "en").startswith("Tech-board turnover peaked on Monday this week, "
                                             "at CNY 41.0bn across")
    chart = tech_themes.exhibits(ctx, _env(ref, params=params))[-1]
    assert chart.data["total"].tolist() == [410.0, 310.0]
    # no theme beat the benchmark: say which came closest
    lagging = tech_themes.TechThemesContext(**{**ctx.__dict__, "rows": ctx.rows[1:], "beat": 0})
    assert tech_themes.facts(lagging, _env(ref, params=params))[0].kind == "tech_themes.since_none"
