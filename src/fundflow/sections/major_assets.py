"""2.1 Major asset classes: weekly change of global equities, metals, yields, commodities, FX.

Each series is measured on its own market's calendar: the week is Monday..Friday in local dates,
so the US Friday close (Saturday morning in Beijing) belongs to the same report week, and a market
closed on some days of the week is measured on the days it traded. Prices change in %, yields in
basis points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from pydantic import Field

from fundflow import formatting as F
from fundflow.charts.bars import signed_bars
from fundflow.errors import SectionError
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionInput, SectionSpec, TableColumn,
    TableExhibit, unknown_codes,
)
from fundflow.sections.registry import register

DATASET = "global_asset_daily"
CLASS_ORDER = ("equity", "metal", "rate", "commodity", "fx")
CLASS_NAMES = {
    "equity": ("全球股指", "Equity indices"), "metal": ("有色金属", "Base metals"),
    "rate": ("国债收益率", "Government bond yields"), "commodity": ("大宗商品", "Commodities"),
    "fx": ("汇率", "Currencies"),
}


class MajorAssetsParams(Params):
    assets: tuple[str, ...] = Field(
        default=(), description="asset codes from seeds/global_assets.csv, in display order "
                                "within each class; empty = every asset in that file")


@dataclass(frozen=True)
class AssetRow:
    code: str
    asset_class: str
    kind: str            # price | yield
    unit: str
    close: float
    base: float
    change: float        # % for prices, bp for yields
    last_date: date
    days_traded: int


@dataclass(frozen=True)
class MajorAssetsContext:
    rows: tuple[AssetRow, ...]       # grouped by class in CLASS_ORDER
    missing: tuple[str, ...]         # no data at all, or no close before the week
    closed_all_week: tuple[str, ...]
    as_of: date


def asset_week_change(series: pd.DataFrame, monday: date, friday: date, kind: str
                      ) -> tuple[float, float, float, date, int] | None:
    """(close, base, change, last date, days traded) of one asset for the week Mon..Fri in its
    own local dates; None when there is no close at or before the week's Monday."""
    s = series.sort_values("trade_date")
    t_fri, t_mon = pd.Timestamp(friday), pd.Timestamp(monday)
    upto = s[s["trade_date"] <= t_fri]
    base = s[s["trade_date"] < t_mon]
    if upto.empty or base.empty:
        return None
    close, base_close = float(upto["close"].iloc[-1]), float(base["close"].iloc[-1])
    traded = int((upto["trade_date"] >= t_mon).sum())
    if kind == "yield":
        change = (close - base_close) * 100.0
    else:
        change = (close / base_close - 1.0) * 100.0
    return close, base_close, change, upto["trade_date"].iloc[-1].date(), traded


def compute(inp: SectionInput) -> MajorAssetsContext:
    p: MajorAssetsParams = inp.params
    ref = inp.ref.global_assets
    codes = list(p.assets) or list(ref["asset_code"])
    frame = inp.frames[DATASET]
    rows: list[AssetRow] = []
    missing: list[str] = []
    closed: list[str] = []
    for code in codes:
        meta = inp.ref.asset(code)
        assert meta is not None  # check_refs guarantees it
        got = asset_week_change(frame[frame["asset_code"] == code], inp.week.monday,
                                inp.week.friday, meta["kind"])
        if got is None:
            missing.append(code)
            continue
        close, base, change, last, traded = got
        if traded == 0:
            closed.append(code)
        rows.append(AssetRow(code, meta["asset_class"], meta["kind"], meta["unit"], close, base,
                             change, last, traded))
    if not rows:
        raise SectionError(f"no {DATASET} data for any of {', '.join(codes)} around the week "
                           f"{inp.week.monday}..{inp.week.friday}")
    order = {c: i for i, c in enumerate(CLASS_ORDER)}
    rows.sort(key=lambda r: order.get(r.asset_class, len(order)))  # stable: keeps config order
    as_of = max(r.last_date for r in rows)
    return MajorAssetsContext(tuple(rows), tuple(missing), tuple(closed), as_of)


def exhibits(ctx: MajorAssetsContext, env: ExhibitEnv) -> list[Exhibit]:
    t = env.t
    source = env.source_of(DATASET)
    names = {r.code: env.ref.asset_name(r.code, env.lang) for r in ctx.rows}
    data = pd.DataFrame([{"asset_code": r.code, "name": names[r.code], "asset_class": r.asset_class,
                          "kind": r.kind, "unit": r.unit, "close": r.close, "base": r.base,
                          "change": r.change, "change_unit": "bp" if r.kind == "yield" else "%",
                          "last_date": r.last_date.isoformat(), "days_traded": r.days_traded}
                         for r in ctx.rows])
    table_rows: list[dict[str, object]] = []
    current = None
    for r in ctx.rows:
        if r.asset_class != current:
            current = r.asset_class
            zh, en = CLASS_NAMES.get(current, (current, current))
            table_rows.append({"_group": t(zh, en)})
        table_rows.append({
            "name": names[r.code], "close": r.close, "unit": r.unit, "change": r.change,
            "_fmt_change": "bp" if r.kind == "yield" else "pct_signed",
            "_fmt_close": "num4" if r.close < 20 else "num2",
            "last_date": r.last_date.strftime("%m-%d"),
        })
    prices = [r for r in ctx.rows if r.kind == "price"]
    yields = [r for r in ctx.rows if r.kind == "yield"]
    notes = [t("各资产按其本地交易日计算，美股周五收盘（北京时间周六凌晨）计入本周；收益率变动单位为bp。",
               "Each asset on its own local trading days: the US Friday close (Saturday morning in "
               "Beijing) belongs to this week. Yield changes in bp.")]
    if ctx.closed_all_week:
        notes.append(t("本周休市：", "Closed all week: ") + "、".join(
            names[c] for c in ctx.closed_all_week))
    if ctx.missing:
        notes.append(t("无数据：", "No data: ") + "、".join(
            env.ref.asset_name(c, env.lang) for c in ctx.missing))
    out: list[Exhibit] = [
        TableExhibit(
            key="assets_table", title=t("全球大类资产本周表现", "Major asset classes this week"),
            columns=(TableColumn("name", t("资产", "Asset"), "text", align="left"),
                     TableColumn("close", t("最新", "Last"), "num2"),
                     TableColumn("unit", t("单位", "Unit"), "text", align="left"),
                     TableColumn("change", t("周变动", "Weekly chg"), "pct_signed", colored=True),
                     TableColumn("last_date", t("日期", "Date"), "text", align="center")),
            rows=tuple(table_rows), source=source, as_of=ctx.as_of, data=data,
            note=" ".join(notes)),
        ChartExhibit(
            key="assets_prices",
            title=t("全球大类资产本周涨跌幅（%）", "Major assets: weekly change (%)"),
            make=lambda: signed_bars([names[r.code] for r in prices],
                                     [r.change for r in prices], env.style, horizontal=True,
                                     ylabel=t("周涨跌幅", "Weekly change"),
                                     height_in=0.2 * len(prices) + 0.9),
            source=source, as_of=ctx.as_of, data=data[data["kind"] == "price"]),
    ]
    if yields:
        out.append(ChartExhibit(
            key="assets_yields", title=t("国债收益率本周变动（bp）", "Bond yields: weekly change (bp)"),
            make=lambda: signed_bars([names[r.code] for r in yields], [r.change for r in yields],
                                     env.style, horizontal=True, value_suffix="bp", decimals=1,
                                     ylabel=t("变动（bp）", "Change (bp)"),
                                     height_in=0.35 * len(yields) + 0.9),
            source=source, as_of=ctx.as_of, data=data[data["kind"] == "yield"]))
    return out


def summary(ctx: MajorAssetsContext, env: ExhibitEnv) -> list[str]:
    by = {r.code: r for r in ctx.rows}
    name = lambda c: env.ref.asset_name(c, env.lang)  # noqa: E731
    eq = [r for r in ctx.rows if r.asset_class == "equity"]
    up = sum(1 for r in eq if r.change > 0)
    best = max(ctx.rows, key=lambda r: (r.change if r.kind == "price" else -1e9, r.code))
    worst = min(ctx.rows, key=lambda r: (r.change if r.kind == "price" else 1e9, r.code))
    out: list[str] = []
    if env.lang == "zh":
        out.append(f"本周{len(eq)}个全球股指中{up}个上涨；涨幅最大的资产是{name(best.code)}"
                   f"（{F.pct_signed(best.change)}），跌幅最大的是{name(worst.code)}"
                   f"（{F.pct_signed(worst.change)}）。")
        ys = [f"{name(c)}{F.bp(by[c].change)}" for c in ("CN10Y", "US10Y") if c in by]
        if ys:
            out.append("国债收益率方面，" + "，".join(ys) + "。")
    else:
        out.append(f"{up} of {len(eq)} equity indices rose this week; the best performer was "
                   f"{name(best.code)} ({F.pct_signed(best.change)}) and the worst "
                   f"{name(worst.code)} ({F.pct_signed(worst.change)}).")
        ys = [f"{name(c)} {F.bp(by[c].change)}" for c in ("CN10Y", "US10Y") if c in by]
        if ys:
            out.append("Yields: " + ", ".join(ys) + ".")
    return out


def check_refs(p: MajorAssetsParams, ref: Reference) -> list[tuple[str, str]]:
    return unknown_codes("assets", p.assets, list(ref.global_assets["asset_code"]), "asset code")


def metrics(ctx: MajorAssetsContext) -> dict[str, float]:
    return {(f"change_bp.{r.code}" if r.kind == "yield" else f"change_pct.{r.code}"): r.change
            for r in ctx.rows}


SPEC = register(SectionSpec(
    name="major_assets", part="assets",
    title_zh="全球大类资产表现", title_en="Major asset classes",
    params_model=MajorAssetsParams, datasets=(DATASET,),
    compute=compute, exhibits=exhibits, summary=summary,
    template="sections/major_assets.html.j2", history_days=lambda _p: 30,
    check_refs=check_refs,
    description="Weekly change of global equities, metals, yields (bp), commodities and FX.",
    metrics=metrics, metric_formats={"change_pct.{code}": "pct_signed", "change_bp.{code}": "bp"},
))
