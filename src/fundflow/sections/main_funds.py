"""3.3 Main funds (主力资金): daily main-fund net inflow of index constituents this week, weekly
totals W vs W-1, and Shenwan L1 industries' largest net inflows / outflows with their
consecutive-day streaks.

"Main" is Eastmoney's definition (extra-large + large orders): vendor-specific, not comparable
with Wind or THS. Index flow = Σ over the index's latest constituent list (a small look-ahead
bias for past weeks); industry flow = Σ over the collected stocks of each industry
(stock_universe.sw_l1_code). Streaks are trailing runs of same-sign daily values over the
trading sessions in the store, across weeks; holidays have no session and so are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from fundflow.charts.bars import grouped_bars, signed_bars
from fundflow.errors import SectionError
from fundflow.metrics import main_flow as M
from fundflow.metrics.returns import weekly_change
from fundflow.narrative import Fact, Items, Name, Num, rank_score, regime_score, streak_score
from fundflow.narrative.phrasebook import add_phrases
from fundflow.reference import Reference
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, IndexCodes, Params, SectionEnv, SectionInput, SectionSpec,
    TableColumn, TableExhibit, run_exhibits, unknown_codes,
)
from fundflow.sections.registry import register

FLOWS, CONSTITUENTS, UNIVERSE = "main_flow_stock_daily", "index_constituents", "stock_universe"
STOCKS, INDEX, DAYS = "stock_daily", "index_daily", "trade_days"
DEFAULT_INDICES = ("000300", "399006", "000688")
ALL = "ALL"  # group label of "every collected stock"


class MainFundsParams(Params):
    indices: IndexCodes = Field(default=DEFAULT_INDICES, min_length=1, max_length=6,
                                     description="index codes (6 digits) whose constituents' "
                                                 "flows are summed, in display order")
    top_n: int = Field(default=5, ge=1, le=15,
                       description="how many industries to name for inflows and for outflows")
    rank_by: Literal["net_inflow", "share_of_turnover"] = Field(
        default="net_inflow",
        description="rank industries by net inflow in yuan, or by net inflow as % of the "
                    "industry's turnover (comparable across industry sizes)")
    streak_lookback_days: int = Field(
        default=150, ge=30, le=730,
        description="calendar days of history searched for streaks; a run reaching the start "
                    "is shown as a lower bound")



@dataclass(frozen=True)
class FlowRow:
    code: str                     # index code, industry code, or ALL
    week_cny: float
    prev_cny: float
    change_cny: float
    week_days: int                # sessions of W with data
    prev_days: int
    week_avg_cny: float
    prev_avg_cny: float
    share_pct: float              # W net inflow / W turnover of the same stock-days
    prev_share_pct: float
    streak_days: int              # + consecutive inflow sessions, - outflow, ending at W's end
    streak_since: date | None
    censored: bool                # the run reached the start of the history or a data gap
    streak_cny: float             # net inflow summed over the run
    stocks: int                   # stocks in the list / industry
    covered: int                  # of which with a flow row in W
    return_pct: float = float("nan")  # index weekly return (indices only)


@dataclass(frozen=True)
class MainFundsContext:
    indices: tuple[FlowRow, ...]          # in params order
    all_stocks: FlowRow
    index_daily: pd.DataFrame             # W sessions x index codes, 元
    industries: tuple[FlowRow, ...]       # all, ranked by rank_by, best first
    top: tuple[str, ...]                  # industry codes
    bottom: tuple[str, ...]               # worst first
    longest_in: tuple[str, ...]
    longest_out: tuple[str, ...]
    missing_indices: tuple[str, ...]
    snapshot: dict[str, date]             # index code -> date of the list used
    look_ahead: tuple[str, ...]           # indices whose list is dated after the week
    universe_date: date | None
    unclassified: int                     # stocks with flows this week but no SW L1 code
    history_start: date                   # first session searched for streaks
    sessions: tuple[date, ...]
    as_of: date

    def industry(self, code: str) -> FlowRow:
        return next(r for r in self.industries if r.code == code)


def session_grid(trade_days: pd.DataFrame, flows: pd.DataFrame, start: date,
                 week: tuple[date, ...], prev: tuple[date, ...]) -> list[pd.Timestamp]:
    """The trading sessions from ``start`` to the week's end: the store's calendar plus the
    weeks' own sessions. Without a stored calendar, the dates that have flow rows."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(week[-1])
    days = set(pd.Timestamp(d) for d in (*week, *prev) if pd.Timestamp(d) >= lo)
    td = trade_days["trade_date"] if len(trade_days) else pd.Series([], dtype="datetime64[ns]")
    td = td[(td >= lo) & (td <= hi)]
    if td.empty:
        fd = flows["trade_date"]
        td = fd[(fd >= lo) & (fd <= hi)]
    days |= set(pd.to_datetime(td).dt.normalize())
    return sorted(days)


def _rows(codes: list[str], totals: pd.DataFrame, share: pd.Series, prev_share: pd.Series,
          st: pd.DataFrame, stocks: pd.Series, covered: pd.Series,
          returns: pd.Series | None = None) -> list[FlowRow]:
    out = []
    for c in codes:
        since = st.at[c, "streak_since"]
        out.append(FlowRow(
            code=c, week_cny=float(totals.at[c, "week_cny"]),
            prev_cny=float(totals.at[c, "prev_cny"]), change_cny=float(totals.at[c, "change_cny"]),
            week_days=int(totals.at[c, "week_days"]), prev_days=int(totals.at[c, "prev_days"]),
            week_avg_cny=float(totals.at[c, "week_avg_cny"]),
            prev_avg_cny=float(totals.at[c, "prev_avg_cny"]),
            share_pct=float(share.get(c, np.nan)), prev_share_pct=float(prev_share.get(c, np.nan)),
            streak_days=int(st.at[c, "streak_days"]),
            streak_since=None if since is None or pd.isna(since) else pd.Timestamp(since).date(),
            censored=bool(st.at[c, "censored"]), streak_cny=float(st.at[c, "streak_cny"]),
            stocks=int(stocks.get(c, 0)), covered=int(covered.get(c, 0)),
            return_pct=float(returns.get(c, np.nan)) if returns is not None else float("nan")))
    return out


def _group_rows(flows: pd.DataFrame, amounts: pd.DataFrame, members: pd.DataFrame,
                group_col: str, grid: list[pd.Timestamp], week: tuple[date, ...],
                prev: tuple[date, ...], returns: pd.Series | None = None
                ) -> tuple[list[FlowRow], pd.DataFrame]:
    daily = M.daily_group_sum(flows, members, group_col, grid)
    totals = M.weekly_totals(daily, week, prev)
    share = M.flow_share_pct(flows, amounts, members, group_col, week)
    prev_share = M.flow_share_pct(flows, amounts, members, group_col, prev)
    st = M.streaks(daily, week[-1])
    stocks = members.groupby(group_col)["stock_code"].nunique()
    in_week = flows[flows["trade_date"].isin([pd.Timestamp(d) for d in week])]
    covered = (members[members["stock_code"].isin(set(in_week["stock_code"]))]
               .groupby(group_col)["stock_code"].nunique())
    codes = [str(c) for c in daily.columns]
    return _rows(codes, totals, share, prev_share, st, stocks, covered, returns), daily


def compute(inp: SectionInput[MainFundsParams]) -> MainFundsContext:
    p = inp.params
    week, prev = inp.week.sessions, inp.prev_week.sessions
    start = inp.week.end - timedelta(days=p.streak_lookback_days)
    flows = inp.frames[FLOWS]
    flows = flows[(flows["trade_date"] >= pd.Timestamp(start))
                  & (flows["trade_date"] <= pd.Timestamp(week[-1]))]
    flows = flows.dropna(subset=[M.FLOW])
    if not flows["trade_date"].isin([pd.Timestamp(d) for d in week]).any():
        raise SectionError(f"no {FLOWS} rows in the week {week[0]}..{week[-1]}")
    amounts = inp.frames[STOCKS]
    grid = session_grid(inp.frames[DAYS], flows, start, week, prev)

    # indices: sum over the latest constituent list
    members = M.latest_members(inp.frames[CONSTITUENTS], p.indices, inp.week.end)
    have = set(members["index_code"])
    missing = tuple(c for c in p.indices if c not in have)
    if not have:
        raise SectionError(f"no constituent list for any of the indices {', '.join(p.indices)} "
                           f"in {CONSTITUENTS}")
    snap = members.groupby("index_code")["snapshot_date"].max()
    snapshot = {str(c): pd.Timestamp(d).date() for c, d in snap.items()}
    look_ahead = tuple(c for c in p.indices if c in snapshot and snapshot[c] > inp.week.end)
    idx = inp.frames[INDEX]
    idx = idx[idx["index_code"].isin(p.indices)]
    rets = (weekly_change(idx, "index_code", week, inp.prev_week.end)
            .set_index("index_code")["return_pct"] if len(idx) else pd.Series(dtype=float))
    idx_rows, idx_daily = _group_rows(flows, amounts, members, "index_code", grid, week, prev,
                                      rets)
    by_code = {r.code: r for r in idx_rows}
    indices = tuple(by_code[c] for c in p.indices if c in by_code)

    everyone = pd.DataFrame({"stock_code": sorted(flows["stock_code"].unique()),
                             "group": ALL})
    (all_row,), _ = _group_rows(flows, amounts, everyone, "group", grid, week, prev)

    # industries: Shenwan L1 of each collected stock
    uni = inp.frames[UNIVERSE]
    known = set(inp.ref.sw_l1["industry_code"])
    uni = uni[uni["sw_l1_code"].isin(known)]
    universe_date = (pd.Timestamp(uni["snapshot_date"].max()).date()
                     if len(uni) else None)
    ind_members = uni[["stock_code", "sw_l1_code"]].rename(columns={"sw_l1_code": "industry"})
    week_codes = set(flows.loc[flows["trade_date"] >= pd.Timestamp(week[0]), "stock_code"])
    unclassified = len(week_codes - set(ind_members["stock_code"]))
    if ind_members.empty:
        raise SectionError(f"no stock in {UNIVERSE} has a known Shenwan L1 code")
    ind_rows, _ = _group_rows(flows, amounts, ind_members, "industry", grid, week, prev)
    ind_rows = [r for r in ind_rows if r.week_days > 0]
    if not ind_rows:
        raise SectionError("no industry has main-fund flow rows this week")
    col = "week_cny" if p.rank_by == "net_inflow" else "share_pct"
    ind_frame = pd.DataFrame({col: [getattr(r, col) for r in ind_rows],
                              "streak_days": [r.streak_days for r in ind_rows]},
                             index=[r.code for r in ind_rows])
    top, bottom = M.top_bottom(ind_frame, col, p.top_n)
    n_long = min(5, p.top_n)
    order = sorted(ind_rows, key=lambda r: (-(getattr(r, col) if np.isfinite(getattr(r, col))
                                              else -np.inf), r.code))
    as_of = min(inp.week.end, flows["trade_date"].max().date())
    return MainFundsContext(
        indices=indices, all_stocks=all_row,
        index_daily=idx_daily.reindex(pd.DatetimeIndex([pd.Timestamp(d) for d in week]))[
            [r.code for r in indices]],
        industries=tuple(order), top=tuple(top), bottom=tuple(bottom),
        longest_in=tuple(M.longest_streaks(ind_frame, n_long, +1)),
        longest_out=tuple(M.longest_streaks(ind_frame, n_long, -1)),
        missing_indices=missing, snapshot=snapshot, look_ahead=look_ahead,
        universe_date=universe_date, unclassified=unclassified,
        history_start=grid[0].date(), sessions=tuple(week), as_of=as_of)


# -- exhibits ---------------------------------------------------------------------------------
def _streak_fmt(r: FlowRow) -> str:
    return "days_signed_min" if r.censored else "days_signed"


def _iname(env: ExhibitEnv, code: str) -> str:
    return env.ref.index_name(code, env.lang)


def _dname(env: ExhibitEnv, code: str) -> str:
    return env.ref.industry_name(code, env.lang)


def _main_index_daily(ctx: MainFundsContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    weekday = (["周一", "周二", "周三", "周四", "周五", "周六", "周日"] if env.lang == "zh"
               else ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    days = [f"{d.strftime('%m-%d')} {weekday[d.weekday()]}" for d in ctx.sessions]
    codes = [r.code for r in ctx.indices]
    series = {_iname(env, c): (ctx.index_daily[c] / 1e8).tolist() for c in codes}
    daily_data = (ctx.index_daily.copy())
    daily_data.index = [d.date().isoformat() for d in daily_data.index]
    daily_data = daily_data.rename_axis("trade_date").reset_index()
    return ChartExhibit(
        key="main_index_daily",
        title=t("主要指数成分股主力资金逐日净流入（亿元）",
                "Main-fund net inflow of index members, daily this week"),
        make=lambda: env.amounts(grouped_bars(days, series, env.style, ylabel=t("亿元", ""),
                                  value_labels=True, decimals=0, height_in=2.9)),
        source=env.source_of(FLOWS, CONSTITUENTS, STOCKS), as_of=ctx.as_of, data=daily_data)


def _index_labels(ctx: MainFundsContext, env: ExhibitEnv) -> dict[str, str]:
    """Each weekly row's label: the index's members, or all collected stocks."""
    t = env.t
    all_label = t(f"全部已采集个股（{ctx.all_stocks.stocks}只）",
                  f"All collected stocks ({ctx.all_stocks.stocks})")
    return {r.code: (all_label if r.code == ALL else t(f"{_iname(env, r.code)}成分股",
                                                        f"{_iname(env, r.code)} members"))
            for r in [*ctx.indices, ctx.all_stocks]}


def _index_weekly_data(rows_all: list[FlowRow], label: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{
        "group": r.code, "name": label[r.code], "week_net_inflow_cny": r.week_cny,
        "prev_week_net_inflow_cny": r.prev_cny, "change_cny": r.change_cny,
        "week_sessions": r.week_days, "prev_week_sessions": r.prev_days,
        "week_avg_daily_cny": r.week_avg_cny, "prev_avg_daily_cny": r.prev_avg_cny,
        "week_share_of_turnover_pct": r.share_pct,
        "prev_share_of_turnover_pct": r.prev_share_pct,
        "streak_sessions": r.streak_days,
        "streak_since": r.streak_since.isoformat() if r.streak_since else "",
        "streak_is_lower_bound": r.censored, "stocks": r.stocks, "stocks_with_data": r.covered,
        "index_return_pct": r.return_pct} for r in rows_all])


def _index_note(ctx: MainFundsContext, env: ExhibitEnv) -> str:
    t = env.t
    rows_all = [*ctx.indices, ctx.all_stocks]
    snaps = sorted({d.isoformat() for d in ctx.snapshot.values()})
    note_idx = t(
        "主力资金为东方财富口径（超大单+大单净额），各数据商口径不同，与Wind、同花顺等数据不可比。"
        f"指数资金流为最新成分股名单（{'、'.join(snaps)}）个股主力净流入之和，回看历史周时存在"
        "轻微前视偏差。占成交额=本周净流入/同一批个股本周成交额。连续天数：截至本周最后一个交易日"
        "同向（+流入/-流出）的交易日数，可跨周，节假日不计；“成分股”列为本周有数据/名单内个股数。",
        "Main funds follow Eastmoney's definition (net extra-large + large orders); vendors "
        "differ, so figures are not comparable with Wind or THS. Index flow = sum over the "
        f"latest constituent list ({', '.join(snaps)}): a small look-ahead bias for past weeks. "
        "Share = net inflow / turnover of the same stocks this week. Streak = consecutive "
        "sessions of the same sign (+ in / - out) up to the week's last session, across weeks, "
        "holidays skipped; 'Members' = stocks with data this week / stocks in the list.")
    if any(r.censored for r in rows_all):
        note_idx += t(f" *已达可用历史起点（{ctx.history_start.isoformat()}）或数据缺口，实际连续天数可能更长。",
                      f" * reaches the start of the history searched "
                      f"({ctx.history_start.isoformat()}) or a data gap: a lower bound.")
    if ctx.missing_indices:
        note_idx += t(" 无成分股名单：", " No constituent list: ") + "、".join(
            _iname(env, c) for c in ctx.missing_indices)
    if ctx.look_ahead:
        note_idx += t(" 名单日期晚于本周：", " List dated after this week: ") + "、".join(
            _iname(env, c) for c in ctx.look_ahead)
    if any(r.week_days != r.prev_days for r in rows_all if r.week_days and r.prev_days):
        note_idx += t(" 两周交易日数不同，请参考日均值。",
                      " The weeks have different numbers of sessions: compare daily averages.")
    return note_idx


def _main_index_weekly(ctx: MainFundsContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    rows_all = [*ctx.indices, ctx.all_stocks]
    label = _index_labels(ctx, env)
    wk_rows = tuple(
        {"name": label[r.code], "week": r.week_cny, "prev": r.prev_cny, "change": r.change_cny,
         "avg": r.week_avg_cny, "share": r.share_pct, "streak": r.streak_days,
         "_fmt_streak": _streak_fmt(r),
         "ret": r.return_pct if r.code != ALL else None,
         "cover": f"{r.covered}/{r.stocks}"}
        for r in rows_all)
    return TableExhibit(
        key="main_index_weekly",
        title=t("主要指数成分股主力资金净流入：本周 vs 上周（亿元）",
                "Main-fund net inflow of index members: this week vs last"),
        columns=(
            TableColumn("name", t("范围", "Scope"), "text", align="left"),
            TableColumn("week", t("本周", "This week"), "yi", colored=True),
            TableColumn("prev", t("上周", "Last week"), "yi", colored=True),
            TableColumn("change", t("变化", "Change"), "yi", colored=True),
            TableColumn("avg", t("本周日均", "Daily avg"), "yi", colored=True),
            TableColumn("share", t("占成交额", "% of turnover"), "pct_signed", colored=True),
            TableColumn("streak", t("连续天数", "Streak"), "days_signed", colored=True,
                        align="center"),
            TableColumn("ret", t("指数涨跌", "Index chg"), "pct_signed", colored=True),
            TableColumn("cover", t("成分股", "Members"), "text", align="center"),
        ),
        rows=wk_rows, source=env.source_of(FLOWS, CONSTITUENTS, STOCKS)
        + ("；" if env.lang == "zh" else "; ") + env.source_of(INDEX), as_of=ctx.as_of,
        data=_index_weekly_data(rows_all, label), note=_index_note(ctx, env))


def _industry_data(ctx: MainFundsContext, env: ExhibitEnv) -> pd.DataFrame:
    """Every industry in ranking order: the data of the industry exhibits."""
    return pd.DataFrame([{
        "industry_code": r.code, "name": _dname(env, r.code), "week_net_inflow_cny": r.week_cny,
        "prev_week_net_inflow_cny": r.prev_cny, "week_share_of_turnover_pct": r.share_pct,
        "prev_share_of_turnover_pct": r.prev_share_pct, "streak_sessions": r.streak_days,
        "streak_since": r.streak_since.isoformat() if r.streak_since else "",
        "streak_is_lower_bound": r.censored, "streak_net_inflow_cny": r.streak_cny,
        "stocks": r.stocks, "stocks_with_data": r.covered}
        for r in ctx.industries])


def _main_industry_ranking(ctx: MainFundsContext, env: SectionEnv[MainFundsParams]) -> Exhibit:
    t = env.t
    by_share = env.params.rank_by == "share_of_turnover"
    ranked = list(ctx.industries)
    rank_vals = [r.share_pct if by_share else r.week_cny / 1e8 for r in ranked]
    return ChartExhibit(
        key="main_industry_ranking",
        title=(t(f"申万一级行业本周主力净流入占成交额（{len(ranked)}个）",
                 f"Shenwan L1: main-fund net inflow as % of turnover ({len(ranked)})")
               if by_share else
               t(f"申万一级行业本周主力净流入（亿元，{len(ranked)}个）",
                 f"Shenwan L1: main-fund net inflow this week ({len(ranked)})")),
        make=lambda: (lambda fig: fig if by_share else env.amounts(fig, axis="x"))(
            signed_bars([_dname(env, r.code) for r in ranked], rank_vals, env.style,
                        horizontal=True, decimals=2 if by_share else 1,
                        value_suffix="%" if by_share else "",
                        ylabel=t("占成交额", "% of turnover") if by_share else t("亿元", ""),
                        height_in=min(4.6, 0.9 + 0.115 * len(ranked)))),
        source=env.source_of(FLOWS, UNIVERSE, STOCKS), as_of=ctx.as_of,
        data=_industry_data(ctx, env))


def _industry_row(ctx: MainFundsContext, env: ExhibitEnv, code: str) -> dict[str, object]:
    r = ctx.industry(code)
    return {"name": _dname(env, code), "week": r.week_cny, "share": r.share_pct,
            "prev": r.prev_cny, "streak": r.streak_days, "_fmt_streak": _streak_fmt(r),
            "since": r.streak_since.strftime("%m-%d") if r.streak_since else "",
            "stocks": r.covered}


def _industry_table_rows(ctx: MainFundsContext, env: ExhibitEnv) -> list[dict[str, object]]:
    """The largest inflows, then the largest outflows, each under a group heading."""
    t, ranked = env.t, ctx.industries
    n_in = sum(1 for r in ranked if r.week_cny > 0)
    n_out = sum(1 for r in ranked if r.week_cny < 0)
    tbl: list[dict[str, object]] = []
    if ctx.top:
        tbl += [{"_group": t(f"主力净流入居前（{n_in}个行业净流入）",
                             f"Largest net inflows ({n_in} industries with inflows)")}]
        tbl += [_industry_row(ctx, env, c) for c in ctx.top]
    else:
        tbl += [{"_group": t("本周无行业主力净流入", "No industry had a net inflow this week")}]
    if ctx.bottom:
        tbl += [{"_group": t(f"主力净流出居前（{n_out}个行业净流出）",
                             f"Largest net outflows ({n_out} industries with outflows)")}]
        tbl += [_industry_row(ctx, env, c) for c in ctx.bottom]
    else:
        tbl += [{"_group": t("本周无行业主力净流出", "No industry had a net outflow this week")}]
    return tbl


def _censor_note(ctx: MainFundsContext, env: ExhibitEnv) -> str:
    return env.t(f" *已达可用历史起点（{ctx.history_start.isoformat()}）或数据缺口，实际可能更长。",
                 f" * reaches the start of the history ({ctx.history_start.isoformat()}) "
                 f"or a data gap: a lower bound.")


def _industry_note(ctx: MainFundsContext, env: SectionEnv[MainFundsParams]) -> str:
    t, ranked = env.t, ctx.industries
    by_share = env.params.rank_by == "share_of_turnover"
    rank_word = t("按占成交额排序", "ranked by share of turnover") if by_share else \
        t("按净流入金额排序", "ranked by net inflow")
    note_ind = t(
        f"行业为申万一级，由已采集个股（{sum(r.stocks for r in ranked)}只）的主力净流入汇总，"
        f"非全市场口径；{rank_word}。占成交额=行业净流入/同一批个股成交额，便于不同规模行业比较。"
        "连续天数按交易日计（+流入/-流出），可跨周、节假日不计，起始日为连续区间的第一天。",
        f"Shenwan L1 industries, aggregated from the {sum(r.stocks for r in ranked)} collected "
        f"stocks (not the whole market); {rank_word}. Share = industry net inflow / turnover "
        "of the same stocks, comparable across industry sizes. Streaks count sessions "
        "(+ in / - out) across weeks, holidays skipped; 'Since' = first session of the run.")
    if any(ctx.industry(c).censored for c in {*ctx.top, *ctx.bottom}):
        note_ind += _censor_note(ctx, env)
    if ctx.unclassified:
        note_ind += t(f" {ctx.unclassified}只个股无申万一级行业，未计入。",
                      f" {ctx.unclassified} stocks without a Shenwan L1 code are left out.")
    return note_ind


def _main_industry_table(ctx: MainFundsContext, env: SectionEnv[MainFundsParams]) -> Exhibit:
    t = env.t
    return TableExhibit(
        key="main_industry_table",
        title=t("申万一级行业主力资金：净流入/净流出居前与连续天数（亿元）",
                "Shenwan L1: largest main-fund net inflows / outflows and streaks"),
        columns=(
            TableColumn("name", t("行业", "Industry"), "text", align="left"),
            TableColumn("week", t("本周净流入", "This week"), "yi", colored=True),
            TableColumn("share", t("占成交额", "% of turnover"), "pct_signed", colored=True),
            TableColumn("prev", t("上周净流入", "Last week"), "yi", colored=True),
            TableColumn("streak", t("连续天数", "Streak"), "days_signed", colored=True,
                        align="center"),
            TableColumn("since", t("起始日", "Since"), "text", align="center"),
            TableColumn("stocks", t("个股数", "Stocks"), "num0"),
        ),
        rows=tuple(_industry_table_rows(ctx, env)),
        source=env.source_of(FLOWS, UNIVERSE, STOCKS),
        as_of=ctx.as_of, data=_industry_data(ctx, env), note=_industry_note(ctx, env))


def _streak_note(ctx: MainFundsContext, env: ExhibitEnv) -> str:
    note_streak = env.t(
        f"截至{ctx.as_of.isoformat()}，主力资金连续同向净流入（+）或净流出（-）的交易日数，由存储的"
        f"逐日行业汇总计算（可回溯至{ctx.history_start.isoformat()}），跨周计数，节假日不是交易日、"
        "不中断也不计入；区间累计为连续区间内逐日净流入之和。",
        f"Consecutive sessions of same-sign main-fund net flow (+ in / - out) up to "
        f"{ctx.as_of.isoformat()}, from the stored daily industry totals (searched back to "
        f"{ctx.history_start.isoformat()}), across weeks; holidays are not sessions and neither "
        "break nor extend a run. 'Over the run' = sum of the daily net flows in the run.")
    if any(ctx.industry(c).censored for c in {*ctx.longest_in, *ctx.longest_out}):
        note_streak += _censor_note(ctx, env)
    return note_streak


def _main_industry_streaks(ctx: MainFundsContext, env: ExhibitEnv) -> Exhibit:
    t = env.t
    streak_tbl: list[dict[str, object]] = []
    for run_codes, zh_head, en_head in (
            (ctx.longest_in, "连续净流入天数最长", "Longest inflow runs"),
            (ctx.longest_out, "连续净流出天数最长", "Longest outflow runs")):
        if run_codes:
            streak_tbl += [{"_group": t(zh_head, en_head)}]
            streak_tbl += [{**_industry_row(ctx, env, c), "run": ctx.industry(c).streak_cny}
                           for c in run_codes]
    ind_data = _industry_data(ctx, env)
    return TableExhibit(
        key="main_industry_streaks",
        title=t("申万一级行业主力资金连续净流入/净流出天数最长（亿元）",
                "Shenwan L1: longest main-fund inflow / outflow runs"),
        columns=(
            TableColumn("name", t("行业", "Industry"), "text", align="left"),
            TableColumn("streak", t("连续天数", "Streak"), "days_signed", colored=True,
                        align="center"),
            TableColumn("since", t("起始日", "Since"), "text", align="center"),
            TableColumn("run", t("区间累计净流入", "Over the run"), "yi", colored=True),
            TableColumn("week", t("本周净流入", "This week"), "yi", colored=True),
            TableColumn("share", t("本周占成交额", "% of turnover"), "pct_signed",
                        colored=True),
            TableColumn("stocks", t("个股数", "Stocks"), "num0"),
        ),
        rows=tuple(streak_tbl) or ({"_group": t("本周无行业形成连续流入或流出",
                                                "No industry has a run")},),
        source=env.source_of(FLOWS, UNIVERSE, STOCKS), as_of=ctx.as_of,
        data=ind_data[ind_data["industry_code"].isin([*ctx.longest_in, *ctx.longest_out])]
        .reset_index(drop=True), note=_streak_note(ctx, env))


# The section's exhibits in page order: a new exhibit is one builder above and one name here.
EXHIBITS = (
    _main_index_daily, _main_index_weekly, _main_industry_ranking, _main_industry_table,
    _main_industry_streaks,
)


def exhibits(ctx: MainFundsContext, env: SectionEnv[MainFundsParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


# -- facts ------------------------------------------------------------------------------------
SESSIONS_PER_WEEK = 5   # a run of sessions scores as its complete weeks: streak_score(n // 5)
# the unit of the ``yi`` filter, a label like the tables' headers (not a figure of the week)


def _variants(prefix: str, parts: list[tuple[str, dict[str, tuple[str, str]]]],
              head: tuple[str, str], tail: tuple[str, str],
              valid: Callable[[tuple[str, ...]], bool] = lambda _c: True) -> None:
    """Register one phrase per (valid) combination of optional parts: ``parts`` is a list of
    (part name, {variant: (zh, en)}), a variant "" meaning the part is left out; the phrase id
    is ``prefix`` + "." + the chosen variants joined by "_" ("-" for a part left out)."""
    import itertools

    names = [dict(p[1]) for p in parts]
    for combo in itertools.product(*[list(n) for n in names]):
        if not valid(combo):
            continue
        zh = head[0] + "".join(n[v][0] for n, v in zip(names, combo)) + tail[0]
        en = head[1] + "".join(n[v][1] for n, v in zip(names, combo)) + tail[1]
        add_phrases({f"{prefix}.{'_'.join(v or '-' for v in combo)}": {"zh": zh, "en": en}})


# lead index: this week, last week (or none), the majority of the week's days, the streak
_variants("main_funds.lead", [
    ("prev", {"prev": ("（上周{prev_in}{prev_abs}亿元）",
                       ", against a {prev_in} of {prev_abs} last week"),
              "prevzero": ("（上周{prev}亿元）", ", against {prev} last week"),
              "noprev": ("（上周无数据）", " (no data last week)")}),
    ("mix", {"mix": ("，{n_days}个交易日中{mix_abs}日主力{mix_in}",
                     "; {mix_in}s on {mix_abs} of {n_days} sessions"), "": ("", "")}),
    ("streak", {"run": ("，截至本周末已连续{streak_abs}个交易日{streak_in}",
                        ", and {streak_abs} consecutive sessions of {streak_in}s by the week's "
                        "close"),
                "runmin": ("，截至本周末已连续至少{streak_abs}个交易日{streak_in}",
                           ", and at least {streak_abs} consecutive sessions of {streak_in}s by "
                           "the week's close"),
                "": ("", "")}),
], ("本周{index}成分股主力资金{week_in}{week_abs}亿元",
    "{index} members saw a main-fund {week_in} of {week_abs} this week"),
    ("。", "."))
# the longest industry runs, outflow then inflow; "min" = a lower bound
_variants("main_funds.runs", [
    ("out", {"out": ("{out_name}已连续{out_abs}个交易日净流出",
                     "{out_name}, {out_abs} consecutive sessions of net outflows"),
             "outmin": ("{out_name}已连续{out_abs}个交易日净流出（至少）",
                        "{out_name}, at least {out_abs} consecutive sessions of net outflows"),
             "": ("", "")}),
    ("sep", {"both": ("；", "; "), "": ("", "")}),
    ("in", {"in": ("{in_name}已连续{in_abs}个交易日净流入",
                   "{in_name}, {in_abs} consecutive sessions of net inflows"),
            "inmin": ("{in_name}已连续{in_abs}个交易日净流入（至少）",
                      "{in_name}, at least {in_abs} consecutive sessions of net inflows"),
            "": ("", "")}),
], ("", "Longest runs among industries: "), ("，为各行业中最长。", "."),
    valid=lambda c: bool(c[0] or c[2]) and bool(c[1]) == bool(c[0] and c[2]))
add_phrases({
    "main_funds.others": {
        "zh": "其他指数成分股本周主力资金净流入（亿元）：{items}。",
        "en": "Main-fund net inflow of the other index members this week: {items}."},
    "main_funds.no_data": {
        "zh": "{names}成分股本周无主力资金数据。",
        "en": "No main-fund data this week for {names} members."},
    # industries (amounts in 亿元): some in, some out; the inflows are all named ("为") or led
    "main_funds.industries_all_named": {
        "zh": "分行业看（单位：亿元），{total}个申万一级行业中{n_in}个主力净流入，为{top}；"
              "净流出居前的是{bottom}。",
        "en": "By industry, {n_in} of {total} Shenwan L1 industries had net inflows: "
              "{top}; the largest net outflows were in {bottom}."},
    "main_funds.industries": {
        "zh": "分行业看（单位：亿元），{total}个申万一级行业中{n_in}个主力净流入，居前的是{top}；"
              "净流出居前的是{bottom}。",
        "en": "By industry, {n_in} of {total} Shenwan L1 industries had net inflows, "
              "led by {top}; the largest net outflows were in {bottom}."},
    "main_funds.industries_all_out": {
        "zh": "分行业看（单位：亿元），{total}个申万一级行业均为主力净流出，净流出居前的是{bottom}。",
        "en": "By industry, none of {total} Shenwan L1 industries had net inflows; "
              "the largest net outflows were in {bottom}."},
    "main_funds.industries_all_in": {
        "zh": "分行业看（单位：亿元），{total}个申万一级行业均为主力净流入，居前的是{top}。",
        "en": "By industry, all {total} Shenwan L1 industries had net inflows, led "
              "by {top}."},
})


def _run_variant(r: FlowRow, side: str) -> str:
    return side + ("min" if r.censored else "")


def facts(ctx: MainFundsContext, env: SectionEnv[MainFundsParams]) -> list[Fact]:
    """The lead index's weekly net inflow vs last week, its days in / out and streak (weekly
    table, daily chart); the other indices' weekly net inflow; the industries with net inflows
    and the largest inflows / outflows (industry table); the longest industry runs (streak
    table). Amounts are the tables' 亿元 (``yi``), streaks their ``days_signed``.

    Scores: the lead index takes the larger of regime_score (this week vs last) and
    streak_score(run // 5 sessions); other indices 0.75 x their largest regime_score;
    industries rank_score(share of industries with inflows); runs streak_score(longest run //
    5 sessions)."""
    ref = env.ref
    iname = {r.code: Name(ref.index_name(r.code, "zh"), ref.index_name(r.code, "en"))
             for r in ctx.indices}
    dname = lambda c: Name(ref.industry_name(c, "zh"), ref.industry_name(c, "en"))  # noqa: E731
    out: list[Fact] = []
    with_data = [r for r in ctx.indices if r.week_days]
    if with_data:
        lead = with_data[0]
        slots: dict[str, Any] = {"index": iname[lead.code], "week": Num(lead.week_cny, "yi")}
        v_prev = "noprev"
        if lead.prev_days and np.isfinite(lead.prev_cny):
            v_prev = "prev" if lead.prev_cny != 0 else "prevzero"
            slots["prev"] = Num(lead.prev_cny, "yi")
        days = (ctx.index_daily[lead.code].dropna() if lead.code in ctx.index_daily
                else pd.Series(dtype=float))
        days_in, days_out = int((days > 0).sum()), int((days < 0).sum())
        v_mix = ""
        if days_in or days_out:   # the majority side, outflows when tied (signed day count)
            v_mix = "mix"
            slots["n_days"] = Num(len(days), "count")
            slots["mix"] = Num(days_in if days_in > days_out else -days_out, "count")
        v_streak = ""
        if lead.streak_days:
            v_streak = "runmin" if lead.censored else "run"
            slots["streak"] = Num(lead.streak_days, "days_signed")
        score = max(regime_score(lead.week_cny, lead.prev_cny),
                    streak_score(abs(lead.streak_days) // SESSIONS_PER_WEEK))
        out.append(Fact(f"main_funds.lead.{v_prev}_{v_mix or '-'}_{v_streak or '-'}", slots,
                        score=score))
        others = with_data[1:]
        if others:
            out.append(Fact("main_funds.others", {
                "items": Items(tuple((iname[r.code], Num(r.week_cny, "yi")) for r in others))},
                score=0.75 * max(regime_score(r.week_cny, r.prev_cny) for r in others)))
    no_data = [r for r in ctx.indices if not r.week_days]
    if no_data:
        out.append(Fact("main_funds.no_data", {"names": Name(
            "、".join(iname[r.code].zh for r in no_data),
            ", ".join(iname[r.code].en for r in no_data))}, score=0.0))
    total = len(ctx.industries)
    n_in = sum(1 for r in ctx.industries if r.week_cny > 0)
    top, bottom = ctx.top[:3], ctx.bottom[:3]
    items = lambda cs: Items(tuple((dname(c), Num(ctx.industry(c).week_cny, "yi"))  # noqa: E731
                                   for c in cs))
    ind_slots: dict[str, Any] = {"total": Num(total, "count"), "n_in": Num(n_in, "count")}
    kind = ""
    if top and bottom:
        kind = "industries_all_named" if len(top) == n_in else "industries"
        ind_slots.update(top=items(top), bottom=items(bottom))
    elif bottom:
        kind = "industries_all_out"
        ind_slots.update(bottom=items(bottom))
    elif top:
        kind = "industries_all_in"
        ind_slots.update(top=items(top))
    if kind and total:
        out.append(Fact(f"main_funds.{kind}", ind_slots, score=rank_score(n_in / total)))
    run_slots: dict[str, Any] = {}
    v_out = v_in = ""
    longest = 0
    if ctx.longest_out:
        r = ctx.industry(ctx.longest_out[0])
        v_out = _run_variant(r, "out")
        run_slots.update(out_name=dname(r.code), out=Num(r.streak_days, "days_signed"))
        longest = max(longest, abs(r.streak_days))
    if ctx.longest_in:
        r = ctx.industry(ctx.longest_in[0])
        v_in = _run_variant(r, "in")
        run_slots.update(in_name=dname(r.code), **{"in": Num(r.streak_days, "days_signed")})
        longest = max(longest, abs(r.streak_days))
    if v_out or v_in:
        sep = "both" if v_out and v_in else ""
        out.append(Fact(f"main_funds.runs.{v_out or '-'}_{sep or '-'}_{v_in or '-'}", run_slots,
                        score=streak_score(longest // SESSIONS_PER_WEEK)))
    return out


def check_refs(p: MainFundsParams, ref: Reference) -> list[tuple[str, str]]:
    return unknown_codes("indices", p.indices, ref.known_index_codes(), "index code")


def metrics(ctx: MainFundsContext) -> dict[str, float]:
    """Alertable figures: weekly net inflow and streaks of each index list, the whole collected
    market and each industry."""
    out: dict[str, float] = {}
    for r in (*ctx.indices, ctx.all_stocks, *ctx.industries):
        out[f"net_inflow_cny.{r.code}"] = r.week_cny
        out[f"streak_days.{r.code}"] = float(r.streak_days)
    return out


SPEC = register(SectionSpec(
    name="main_funds", part="flows",
    title_zh="主力资金", title_en="Main funds",
    params_model=MainFundsParams, datasets=(FLOWS, CONSTITUENTS, UNIVERSE, STOCKS, INDEX, DAYS),
    compute=compute, exhibits=exhibits, facts=facts,
    template="sections/main_funds.html.j2",
    history_days=lambda p: p.streak_lookback_days + 7, check_refs=check_refs,
    # turnover (the share of flows) is only needed for the week and the week before
    dataset_history_days=lambda _p: {STOCKS: 42},
    description="Main-fund (Eastmoney) net inflow of index members and Shenwan L1 industries, "
                "W vs W-1, with consecutive-day streaks.",
    metrics=metrics, metric_formats={"net_inflow_cny.{code}": "yi",
                                     "streak_days.{code}": "days_signed"},
))
