"""2.1 Major asset classes: weekly change of global equities, metals, yields, commodities, FX.

Each series is measured on its own market's calendar: the week is Monday..Friday in local dates,
so the US Friday close (Saturday morning in Beijing) belongs to the same report week, and a market
closed on some days of the week is measured on the days it traded. Prices change in %, yields in
basis points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from pydantic import Field

from fundflow.charts.bars import signed_bars
from fundflow.errors import SectionError
from fundflow.metrics.returns import asset_week_change
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, Params, SectionEnv, SectionInput, SectionSpec, TableColumn,
    TableExhibit, run_exhibits, unknown_codes,
)
from fundflow.sections.registry import register
from fundflow.narrative import Fact, Items, Name, Num, rank_score, size_score
from fundflow.narrative.phrasebook import add_phrases

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


def compute(inp: SectionInput[MajorAssetsParams]) -> MajorAssetsContext:
    p = inp.params
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


def _names(ctx: MajorAssetsContext, env: ExhibitEnv) -> dict[str, str]:
    return {r.code: env.ref.asset_name(r.code, env.lang) for r in ctx.rows}


def _data(ctx: MajorAssetsContext, env: ExhibitEnv) -> pd.DataFrame:
    """Every asset: close, base, change (in % or bp) and the days it traded."""
    names = _names(ctx, env)
    return pd.DataFrame([{"asset_code": r.code, "name": names[r.code], "asset_class": r.asset_class,
                          "kind": r.kind, "unit": r.unit, "close": r.close, "base": r.base,
                          "change": r.change, "change_unit": "bp" if r.kind == "yield" else "%",
                          "last_date": r.last_date.isoformat(), "days_traded": r.days_traded}
                         for r in ctx.rows])


def _table_rows(ctx: MajorAssetsContext, env: ExhibitEnv) -> list[dict[str, object]]:
    """The assets grouped by class, a group row before each class."""
    names = _names(ctx, env)
    rows: list[dict[str, object]] = []
    current = None
    for r in ctx.rows:
        if r.asset_class != current:
            current = r.asset_class
            zh, en = CLASS_NAMES.get(current, (current, current))
            rows.append({"_group": env.t(zh, en)})
        rows.append({
            "name": names[r.code], "close": r.close, "unit": r.unit, "change": r.change,
            "_fmt_change": "bp" if r.kind == "yield" else "pct_signed",
            "_fmt_close": "num4" if r.close < 20 else "num2",
            "last_date": r.last_date.strftime("%m-%d"),
        })
    return rows


def _table_note(ctx: MajorAssetsContext, env: ExhibitEnv) -> str:
    t, names = env.t, _names(ctx, env)
    notes = [t("各资产按其本地交易日计算，美股周五收盘（北京时间周六凌晨）计入本周；收益率变动单位为bp。",
               "Each asset on its own local trading days: the US Friday close (Saturday morning in "
               "Beijing) belongs to this week. Yield changes in bp.")]
    if ctx.closed_all_week:
        notes.append(t("本周休市：", "Closed all week: ") + "、".join(
            names[c] for c in ctx.closed_all_week))
    if ctx.missing:
        notes.append(t("无数据：", "No data: ") + "、".join(
            env.ref.asset_name(c, env.lang) for c in ctx.missing))
    return " ".join(notes)


def _assets_table(ctx: MajorAssetsContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    return TableExhibit(
        key="assets_table", title=t("全球大类资产本周表现", "Major asset classes this week"),
        columns=(TableColumn("name", t("资产", "Asset"), "text", align="left"),
                 TableColumn("close", t("最新", "Last"), "num2"),
                 TableColumn("unit", t("单位", "Unit"), "text", align="left"),
                 TableColumn("change", t("周变动", "Weekly chg"), "pct_signed", colored=True),
                 TableColumn("last_date", t("日期", "Date"), "text", align="center")),
        rows=tuple(_table_rows(ctx, env)), source=env.source_of(DATASET), as_of=ctx.as_of,
        data=_data(ctx, env), note=_table_note(ctx, env))


def _assets_prices(ctx: MajorAssetsContext, env: ExhibitEnv) -> Exhibit:
    t, names = env.t, _names(ctx, env)
    prices = [r for r in ctx.rows if r.kind == "price"]
    data = _data(ctx, env)
    return ChartExhibit(
        key="assets_prices",
        title=t("全球大类资产本周涨跌幅（%）", "Major assets: weekly change (%)"),
        make=lambda: signed_bars([names[r.code] for r in prices],
                                 [r.change for r in prices], env.style, horizontal=True,
                                 ylabel=t("周涨跌幅", "Weekly change"),
                                 height_in=0.2 * len(prices) + 0.9),
        source=env.source_of(DATASET), as_of=ctx.as_of, data=data[data["kind"] == "price"])


def _assets_yields(ctx: MajorAssetsContext, env: ExhibitEnv) -> Exhibit | None:
    """Only when the week has a bond yield."""
    t, names = env.t, _names(ctx, env)
    yields = [r for r in ctx.rows if r.kind == "yield"]
    if not yields:
        return None
    data = _data(ctx, env)
    return ChartExhibit(
        key="assets_yields", title=t("国债收益率本周变动（bp）", "Bond yields: weekly change (bp)"),
        make=lambda: signed_bars([names[r.code] for r in yields], [r.change for r in yields],
                                 env.style, horizontal=True, value_suffix="bp", decimals=1,
                                 ylabel=t("变动（bp）", "Change (bp)"),
                                 height_in=0.35 * len(yields) + 0.9),
        source=env.source_of(DATASET), as_of=ctx.as_of, data=data[data["kind"] == "yield"])


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (_assets_table, _assets_prices, _assets_yields)


def exhibits(ctx: MajorAssetsContext, env: SectionEnv[MajorAssetsParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


add_phrases({
    "major_assets.equities": {
        "zh": "本周{n}个全球股指中{up}个上涨，{best}表现最好（{best_chg}），{worst}表现最弱"
              "（{worst_chg}）。",
        "en": "{up} of {n} global equity indices rose this week; the {best} did best "
              "({best_chg}) and the {worst} worst ({worst_chg})."},
    "major_assets.commodities": {
        "zh": "商品方面，{moves}。",
        "en": "In commodities, {moves}."},
    "major_assets.commodities_mover": {
        "zh": "商品方面，{moves}；{mover}{mover_chg_dir}{mover_chg_abs}，变动幅度最大。",
        "en": "In commodities, {moves}; the biggest move was {mover}, which {mover_chg_dir} "
              "{mover_chg_abs}."},
    "major_assets.yields": {
        "zh": "国债收益率方面，{yields}。",
        "en": "Government bond yields: {yields}."},
    "major_assets.fx": {
        "zh": "汇率方面，{moves}。",
        "en": "In currencies, {moves}."},
})

# Typical absolute weekly changes (for scores: a move this size scores 1.0, see narrative).
TYPICAL_EQUITY_WEEK_PCT = 2.5
TYPICAL_COMMODITY_WEEK_PCT = 5.0
TYPICAL_YIELD_WEEK_BP = 10.0
TYPICAL_FX_WEEK_PCT = 1.0
KEY_COMMODITIES = ("GC", "CL", "LME_CU")   # always named when configured: gold, oil, copper
KEY_YIELDS = ("CN10Y", "US10Y")            # named first; other yields follow in config order
KEY_FX = ("UDI", "USDCNH")


def facts(ctx: MajorAssetsContext, env: ExhibitEnv) -> list[Fact]:
    """Equity breadth with the best and worst index; gold, oil and copper (and the largest
    commodity move when it is another one); ten-year yields in bp; the dollar and the yuan."""
    ref = env.ref
    by = {r.code: r for r in ctx.rows}

    def name(code: str) -> Name:
        return Name(ref.asset_name(code, "zh"), ref.asset_name(code, "en"))

    def chg(r: AssetRow) -> Num:
        return Num(r.change, "bp" if r.kind == "yield" else "pct_signed")

    out: list[Fact] = []
    eq = [r for r in ctx.rows if r.asset_class == "equity"]
    if eq:
        ranked = sorted(eq, key=lambda r: (-r.change, r.code))
        best, worst = ranked[0], ranked[-1]
        up = sum(1 for r in eq if r.change > 0)
        out.append(Fact("major_assets.equities",
                        {"n": Num(len(eq), "count"), "up": Num(up, "count"),
                         "best": name(best.code), "best_chg": chg(best),
                         "worst": name(worst.code), "worst_chg": chg(worst)},
                        score=max(rank_score(up / len(eq)),
                                  size_score(max(abs(best.change), abs(worst.change)),
                                             TYPICAL_EQUITY_WEEK_PCT))))
    goods = [r for r in ctx.rows if r.asset_class in ("metal", "commodity") and r.kind == "price"]
    if goods:
        key = [by[c] for c in KEY_COMMODITIES if c in by and by[c] in goods] or goods[:3]
        mover = max(goods, key=lambda r: (abs(r.change), r.code))
        slots: dict[str, Num | Name | Items] = {
            "moves": Items(tuple((name(r.code), chg(r)) for r in key), style="move")}
        kind = "major_assets.commodities"
        if mover not in key:
            kind = "major_assets.commodities_mover"
            slots.update(mover=name(mover.code), mover_chg=chg(mover))
        out.append(Fact(kind, slots, score=size_score(mover.change, TYPICAL_COMMODITY_WEEK_PCT)))
    ys = [r for r in ctx.rows if r.kind == "yield"]
    if ys:
        ys = sorted(ys, key=lambda r: KEY_YIELDS.index(r.code) if r.code in KEY_YIELDS
                    else len(KEY_YIELDS))
        out.append(Fact("major_assets.yields",
                        {"yields": Items(tuple((name(r.code), chg(r)) for r in ys))},
                        score=size_score(max(abs(r.change) for r in ys), TYPICAL_YIELD_WEEK_BP)))
    fx = [by[c] for c in KEY_FX if c in by]
    if fx:
        out.append(Fact("major_assets.fx",
                        {"moves": Items(tuple((name(r.code), chg(r)) for r in fx), style="move")},
                        score=size_score(max(abs(r.change) for r in fx), TYPICAL_FX_WEEK_PCT)))
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
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/major_assets.html.j2", history_days=lambda _p: 30,
    check_refs=check_refs,
    description="Weekly change of global equities, metals, yields (bp), commodities and FX.",
    metrics=metrics, metric_formats={"change_pct.{code}": "pct_signed", "change_bp.{code}": "bp"},
))
