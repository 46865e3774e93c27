"""Data-quality gate (pure: frames in, findings out; no I/O).

``assess`` looks at every dataset a build read and returns ``Finding``s, each naming the dataset,
the date(s), the column and what is wrong, with a severity:

* ``error``   the dataset cannot serve the week (no rows for it), values that cannot be right
              (not finite, outside the schema's plausible range, duplicate keys, a unit change);
* ``warning`` the data is usable but a reader must know: it ends before the week's last session,
              sessions are missing, a series stopped, a sudden jump, a day that repeats the day
              before for every series (a stale upstream), an ETF share split;
* ``info``    normal but worth a line: a publication lag the source is known for (margin data is
              published on T+1), an old snapshot.

Findings go to the report's data appendix and to ``manifest.json`` (``quality``). The config's
``quality`` block maps each severity to what ``fundflow run`` does with the e-mail:
``delivery_decision(findings, policy)`` returns ``send``, ``banner`` (send with a warning banner)
or ``hold`` (do not send; tell ``quality.owner``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from fundflow.data.routes import fallback_route
from fundflow.data.schemas import DATASETS, get_dataset
from fundflow.quality_rules import (  # noqa: F401  (re-exported: quality.CHECKS, RULES, ...)
    CHECKS, JUMP_DATASETS, RULES, SNAPSHOT_DATASETS, Rule, Severity,
)

if TYPE_CHECKING:
    from fundflow.calendar import ReportWeek
    from fundflow.config import QualityConfig

Action = Literal["send", "banner", "hold"]

SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error")
ACTIONS: tuple[Action, ...] = ("send", "banner", "hold")
_SEV_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
_ACT_RANK: dict[str, int] = {a: i for i, a in enumerate(ACTIONS)}

# a move by this factor or more (or 1/factor) is a unit change (元 vs 万元), not a market move
UNIT_CHANGE_FACTOR = 20.0
# share of series that must repeat the previous session for a day to count as repeated
_REPEAT_SHARE = 0.95
_MAX_EXAMPLES = 3
LOOKBACK_DAYS = 31


_SEV_ZH = {"info": "提示", "warning": "警告", "error": "错误"}


@dataclass(frozen=True)
class Finding:
    dataset: str
    check: str
    severity: Severity
    message_en: str
    message_zh: str
    dates: tuple[date, ...] = ()
    column: str | None = None
    series: tuple[str, ...] = ()          # affected series codes (up to 20)
    count: int = 1                        # how many rows / series / days are affected

    def message(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message_en

    def as_dict(self) -> dict[str, Any]:
        """For manifest.json."""
        return {"dataset": self.dataset, "check": self.check, "severity": self.severity,
                "dates": [d.isoformat() for d in self.dates], "column": self.column,
                "series": list(self.series), "count": self.count,
                "message": self.message_en, "message_zh": self.message_zh}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Finding:
        return cls(dataset=str(d["dataset"]), check=str(d["check"]),
                   severity=d["severity"], message_en=str(d.get("message", "")),
                   message_zh=str(d.get("message_zh", d.get("message", ""))),
                   dates=tuple(date.fromisoformat(x) for x in d.get("dates", ())),
                   column=d.get("column"), series=tuple(d.get("series", ())),
                   count=int(d.get("count", 1)))

    def view(self, lang: str) -> dict[str, Any]:
        """A row of the appendix's findings table."""
        shown = [d.isoformat() for d in self.dates[:4]]
        more = len(self.dates) - len(shown)
        dates = ", ".join(shown) + (f" (+{more})" if more > 0 else "")
        return {"severity": self.severity,
                "severity_label": _SEV_ZH[self.severity] if lang == "zh" else self.severity,
                "dataset": self.dataset, "check": self.check, "dates": dates,
                "column": self.column or "",
                # the table has a dataset column: the message need not repeat it
                "message": self.message(lang).removeprefix(
                    f"{self.dataset}{'：' if lang == 'zh' else ': '}")}


def _d(x: Any) -> date:
    return pd.Timestamp(x).date()


def _span(days: Sequence[date]) -> str:
    return ", ".join(d.isoformat() for d in days)


def _examples(items: Sequence[str], total: int, lang: str) -> str:
    shown = "; ".join(items[:_MAX_EXAMPLES]) if lang == "en" else "；".join(items[:_MAX_EXAMPLES])
    more = total - min(total, _MAX_EXAMPLES)
    if more > 0:
        shown += f" and {more} more" if lang == "en" else f" 等（另有 {more} 项）"
    return shown


# -- the checks ---------------------------------------------------------------------------------
@dataclass
class _Ctx:
    name: str
    frame: pd.DataFrame
    rule: Rule
    week: ReportWeek
    prev: ReportWeek
    jump_pct: float
    max_age_days: int | None
    out: list[Finding] = field(default_factory=list)

    def add(self, check: str, severity: Severity, en: str, zh: str, *,
            dates: Iterable[date] = (), column: str | None = None,
            series: Iterable[str] = (), count: int = 1) -> None:
        self.out.append(Finding(self.name, check, severity, f"{self.name}: {en}",
                                f"{self.name}：{zh}", tuple(sorted(set(dates))), column,
                                tuple(list(dict.fromkeys(series))[:20]), count))


def _check_duplicates(c: _Ctx) -> None:
    ds = get_dataset(c.name)
    if not set(ds.key) <= set(c.frame.columns):
        return
    dup = c.frame[c.frame.duplicated(list(ds.key), keep=False)]
    if dup.empty:
        return
    keys = dup.drop_duplicates(list(ds.key))
    first = keys.iloc[0]
    shown = ", ".join(f"{k}={_d(first[k]).isoformat() if k == ds.date_column else first[k]}"
                      for k in ds.key)
    dates = [_d(x) for x in keys[ds.date_column]] if ds.date_column in keys else []
    c.add("duplicate", "error",
          f"{len(keys)} key(s) appear more than once, e.g. {shown}; which row is right is "
          f"unknown",
          f"{len(keys)} 个主键重复出现，如 {shown}；无法判断哪一行正确",
          dates=dates, column=", ".join(ds.key), count=len(keys))


def _float_columns(name: str) -> list[Any]:
    return [col for col in get_dataset(name).columns if col.kind in ("float", "int")]


def _check_values(c: _Ctx) -> None:
    """NaN where a value is required, +-inf, values outside the schema's bounds."""
    ds = get_dataset(c.name)
    f = c.frame
    dcol = ds.date_column if ds.date_column in f.columns else None
    ent = c.rule.entity if c.rule.entity in f.columns else None

    def where(mask: pd.Series) -> tuple[list[date], list[str], str]:
        rows = f[mask]
        dates = [_d(x) for x in rows[dcol]] if dcol else []
        series = [str(x) for x in rows[ent]] if ent else []
        first = rows.iloc[0]
        parts = []
        if ent:
            parts.append(f"{ent}={first[ent]}")
        if dcol:
            parts.append(f"{dcol}={_d(first[dcol]).isoformat()}")
        return dates, series, (" at " + ", ".join(parts)) if parts else ""

    for col in _float_columns(c.name):
        if col.name not in f.columns:
            continue
        vals = pd.to_numeric(f[col.name], errors="coerce").astype("float64")
        inf = np.isinf(vals.to_numpy())
        nan = vals.isna().to_numpy() & (not col.nullable)
        for mask, what_en, what_zh in ((inf, "infinite", "无穷大"), (nan, "missing (NaN)",
                                                                      "缺失（NaN）")):
            if mask.any():
                dates, series, at = where(pd.Series(mask, index=f.index))
                n = int(mask.sum())
                c.add("non_finite", "error",
                      f"column {col.name} has {n} {what_en} value(s){at}",
                      f"字段 {col.name} 有 {n} 个{what_zh}值{at}",
                      dates=dates, column=col.name, series=series, count=n)
        finite = vals.where(np.isfinite(vals.to_numpy()))
        for bound, below in ((col.min, True), (col.max, False)):
            if bound is None:
                continue
            mask = (finite < bound) if below else (finite > bound)
            if mask.any():
                dates, series, at = where(mask)
                worst = float(finite[mask].min() if below else finite[mask].max())
                word_en, word_zh = ("below", "低于") if below else ("above", "高于")
                c.add("out_of_range", "error",
                      f"column {col.name} has {int(mask.sum())} value(s) {word_en} the "
                      f"plausible bound {bound:g} (e.g. {worst:g}){at}",
                      f"字段 {col.name} 有 {int(mask.sum())} 个值{word_zh}合理界限 {bound:g}"
                      f"（如 {worst:g}）{at}",
                      dates=dates, column=col.name, series=series, count=int(mask.sum()))
    if {"open", "high", "low", "close"} <= set(f.columns):
        lo = f[["open", "close"]].min(axis=1)
        hi = f[["open", "close"]].max(axis=1)
        eps = 1e-9 * f["close"].abs().fillna(0)
        mask = (f["low"] > lo + eps) | (f["high"] < hi - eps)
        if mask.any():
            dates, series, at = where(mask)
            c.add("inconsistent", "warning",
                  f"{int(mask.sum())} row(s) have low above open/close or high below it{at}",
                  f"{int(mask.sum())} 行最低价高于开盘/收盘价或最高价低于之{at}",
                  dates=dates, column="low, high", series=series, count=int(mask.sum()))


def _sessions_window(c: _Ctx) -> tuple[date, ...]:
    return tuple(c.prev.sessions) + tuple(c.week.sessions)


def _check_staleness(c: _Ctx, dates: pd.Series) -> None:
    last = _d(dates.max())
    if last >= c.week.end:
        return
    behind = [s for s in c.week.sessions if s > last]
    if c.rule.a_share_sessions and len(behind) <= c.rule.lag_sessions:
        c.add("stale", "info",
              f"ends at {last.isoformat()}, {len(behind)} session(s) before the week's last "
              f"session {c.week.end.isoformat()}: the normal publication lag of this source",
              f"数据截至 {last.isoformat()}，比本周最后交易日 {c.week.end.isoformat()} 早 "
              f"{len(behind)} 个交易日，属该数据源正常的发布时滞",
              dates=[last], count=len(behind))
        return
    missing = behind if behind else [c.week.end]
    c.add("stale", "warning",
          f"stale: ends at {last.isoformat()}, the week ends {c.week.end.isoformat()} "
          f"(no rows for {_span(missing)}); exhibits using it show {last.isoformat()} as their "
          f"as-of date",
          f"数据过期：截至 {last.isoformat()}，本周截至 {c.week.end.isoformat()}"
          f"（缺 {_span(missing)}）；相关图表的截至日期为 {last.isoformat()}",
          dates=missing, count=len(missing))


def _check_sessions(c: _Ctx, dates: pd.Series) -> None:
    """Sessions (week and week before, up to the data's last date) without any row."""
    last = _d(dates.max())
    have = {_d(x) for x in dates.unique()}
    gaps = [s for s in _sessions_window(c) if s <= last and s not in have]
    if gaps:
        c.add("missing_sessions", c.rule.missing_severity,
              f"no rows on session(s) {_span(gaps)}",
              f"以下交易日无数据：{_span(gaps)}", dates=gaps, count=len(gaps))


def _check_series(c: _Ctx, dcol: str) -> None:
    """Series present the week before that miss sessions of the report week."""
    f = c.frame
    ent = c.rule.entity
    assert ent is not None
    d = f[dcol].dt.date
    prev_alive = set(f.loc[d.isin(c.prev.sessions), ent].astype(str))
    if not prev_alive:
        return
    # sessions on which the dataset has rows at all (a day missing for every series is the
    # missing_sessions check's finding)
    have_any = set(d[d.isin(c.week.sessions)].unique())
    expected = [s for s in c.week.sessions if s in have_any]
    if not expected:
        return
    in_week = f[d.isin(expected)]
    pairs = set(zip(in_week[ent].astype(str), in_week[dcol].dt.date))
    gaps: dict[str, list[date]] = {}
    for code in sorted(prev_alive):
        have = {s for s in expected if (code, s) in pairs}
        # foreign markets: a missing day is a local holiday; only a whole missing week counts
        miss = ([s for s in expected if s not in have] if c.rule.a_share_sessions
                else (expected if not have else []))
        if miss:
            gaps[code] = miss
    if not gaps:
        return
    items_en = [f"{code} ({'none this week' if len(m) == len(expected) else _span(m)})"
                for code, m in gaps.items()]
    items_zh = [f"{code}（{'本周无数据' if len(m) == len(expected) else _span(m)}）"
                for code, m in gaps.items()]
    all_dates = [x for m in gaps.values() for x in m]
    assert c.rule.entity_severity is not None
    c.add("series_gaps", c.rule.entity_severity,
          f"{len(gaps)} series with rows the week before miss sessions of this week: "
          f"{_examples(items_en, len(gaps), 'en')}",
          f"{len(gaps)} 个序列上周有数据、本周缺交易日：{_examples(items_zh, len(gaps), 'zh')}",
          dates=all_dates, column=ent, series=list(gaps), count=len(gaps))


def _pairs(c: _Ctx, dcol: str, cols: Sequence[str]) -> pd.DataFrame:
    """Each row with the same series' previous row (``<col>_prev``, ``<dcol>_prev``), for rows
    dated in the week before or the report week."""
    f = c.frame
    ent = c.rule.entity
    keep = [dcol] + ([ent] if ent else []) + list(cols)
    f = f[keep].sort_values(([ent] if ent else []) + [dcol], kind="stable")
    g = f.groupby(ent, sort=False) if ent else None
    out = f.copy()
    for col in list(cols) + [dcol]:
        out[f"{col}_prev"] = g[col].shift(1) if g is not None else f[col].shift(1)
    lo = pd.Timestamp(c.prev.start) if c.prev.sessions else pd.Timestamp(c.week.start)
    return out[(out[dcol] >= lo) & out[f"{dcol}_prev"].notna()]


def _check_jumps(c: _Ctx, dcol: str) -> None:
    ent = c.rule.entity
    p = _pairs(c, dcol, c.rule.levels)
    for col in c.rule.levels:
        a = pd.to_numeric(p[col], errors="coerce")
        b = pd.to_numeric(p[f"{col}_prev"], errors="coerce")
        ok = np.isfinite(a) & np.isfinite(b) & (b != 0)
        ratio = (a / b).where(ok)
        move = (ratio - 1.0) * 100.0
        unit = ok & ((ratio.abs() >= UNIT_CHANGE_FACTOR) | (ratio.abs() <= 1 / UNIT_CHANGE_FACTOR))
        jump = ok & ~unit & (move.abs() > c.jump_pct)
        checks: tuple[tuple[pd.Series, str], ...] = ((unit, "unit"), (jump, "jump"))
        for mask, kind in checks:
            if not mask.any():
                continue
            rows = p[mask].assign(_m=move[mask], _r=ratio[mask])
            rows = rows.reindex(rows["_m"].abs().sort_values(ascending=False).index)
            en, zh, dates, series = [], [], [], []
            for _, r in rows.iterrows():
                who = f"{r[ent]} " if ent else ""
                day, before = _d(r[dcol]), _d(r[f"{dcol}_prev"])
                dates.append(day)
                if ent:
                    series.append(str(r[ent]))
                if kind == "unit":
                    en.append(f"{who}x{r['_r']:.3g} on {day.isoformat()} "
                              f"(from {before.isoformat()})")
                    zh.append(f"{who}{day.isoformat()} 较 {before.isoformat()} 变为 "
                              f"{r['_r']:.3g} 倍")
                else:
                    en.append(f"{who}{r['_m']:+.1f}% on {day.isoformat()} "
                              f"(from {before.isoformat()})")
                    zh.append(f"{who}{day.isoformat()} 较 {before.isoformat()} "
                              f"{r['_m']:+.1f}%")
            n = len(rows)
            if kind == "unit":
                c.add("jump", "error",
                      f"column {col} changes by a factor of {UNIT_CHANGE_FACTOR:g} or more in "
                      f"one session, a unit change upstream (e.g. 元 vs 万元) is likely: "
                      f"{_examples(en, n, 'en')}",
                      f"字段 {col} 单日变化 {UNIT_CHANGE_FACTOR:g} 倍以上，疑为上游单位变更"
                      f"（如元与万元）：{_examples(zh, n, 'zh')}",
                      dates=dates, column=col, series=series, count=n)
            else:
                c.add("jump", c.rule.jump_severity,
                      f"column {col} moves more than {c.jump_pct:g}% in one session: "
                      f"{_examples(en, n, 'en')}",
                      f"字段 {col} 单日变动超过 {c.jump_pct:g}%：{_examples(zh, n, 'zh')}",
                      dates=dates, column=col, series=series, count=n)


def _check_repeated(c: _Ctx, dcol: str) -> None:
    """A report-week day on which every series repeats its previous values exactly."""
    ds = get_dataset(c.name)
    cols = list(c.rule.levels) or [col.name for col in _float_columns(c.name)
                                    if col.name not in ds.key and not col.nullable]
    cols = [x for x in cols if x in c.frame.columns]
    if not cols:
        return
    p = _pairs(c, dcol, cols)
    p = p[p[dcol].dt.date.isin(c.week.sessions)]
    if p.empty:
        return
    same = np.ones(len(p), dtype=bool)
    for col in cols:
        same &= (p[col].to_numpy() == p[f"{col}_prev"].to_numpy())
    p = p.assign(_same=same)
    per_day = p.groupby(p[dcol].dt.date)["_same"].agg(["mean", "size"])
    days = [d for d, r in per_day.iterrows() if r["mean"] >= _REPEAT_SHARE]
    if days:
        n = int(per_day.loc[days, "size"].max())
        c.add("repeated", "warning",
              f"on {_span(days)} {'every' if n > 1 else 'the'} series repeats its previous "
              f"session's {', '.join(cols)} exactly ({n} series): the source may have served "
              f"stale data",
              f"{_span(days)} 全部序列（{n} 个）的 {', '.join(cols)} 与上一交易日完全相同，"
              f"数据源可能返回了过期数据",
              dates=days, column=", ".join(cols), count=len(days))


def _check_etf_split(c: _Ctx, dcol: str) -> None:
    """Shares and price move inversely by the same factor: a split or merge, not a flow."""
    if not {"shares", "close"} <= set(c.frame.columns):
        return
    p = _pairs(c, dcol, ("shares", "close"))
    ok = (p["shares_prev"] > 0) & (p["close_prev"] > 0)
    rs = (p["shares"] / p["shares_prev"]).where(ok)
    rp = (p["close"] / p["close_prev"]).where(ok)
    mask = ok & ((rs - 1).abs() > 0.3) & ((rs * rp - 1).abs() < 0.1)
    if not mask.any():
        return
    rows = p[mask]
    en = [f"{r.etf_code} on {_d(getattr(r, dcol)).isoformat()} (shares x{s:.3g}, close "
          f"x{q:.3g})" for r, s, q in zip(rows.itertuples(), rs[mask], rp[mask])]
    zh = [f"{r.etf_code} {_d(getattr(r, dcol)).isoformat()}（份额 ×{s:.3g}，价格 ×{q:.3g}）"
          for r, s, q in zip(rows.itertuples(), rs[mask], rp[mask])]
    c.add("etf_split", "warning",
          f"share split or merge suspected, that day's share change is not a flow: "
          f"{_examples(en, len(rows), 'en')}",
          f"疑似份额折算，当日份额变化并非资金流动：{_examples(zh, len(rows), 'zh')}",
          dates=[_d(x) for x in rows[dcol]], column="shares",
          series=[str(x) for x in rows["etf_code"]], count=len(rows))


def _check_snapshot_age(c: _Ctx, dcol: str) -> None:
    if c.max_age_days is None:
        return
    last = _d(c.frame[dcol].max())
    age = (c.week.end - last).days
    if age > c.max_age_days:
        c.add("snapshot_age", c.rule.age_severity,
              f"the latest snapshot is from {last.isoformat()}, {age} days before the week's "
              f"end (limit {c.max_age_days} days)",
              f"最新快照日期为 {last.isoformat()}，早于本周末 {age} 天（上限 "
              f"{c.max_age_days} 天）",
              dates=[last], column=dcol, count=age)


def assess_dataset(name: str, frame: pd.DataFrame, week: ReportWeek, prev_week: ReportWeek, *,
                   policy: QualityConfig | None = None,
                   problem: str | None = None) -> list[Finding]:
    """Findings for one dataset's frame as the build read it (history up to the week's Friday
    for daily data, whole tables for snapshots). ``problem``: why the build cannot use it."""
    rule = RULES.get(name, Rule())
    ds = get_dataset(name)
    disabled = set(policy.disable) if policy else set()
    jump = (policy.jump_pct.get(name) if policy else None) or rule.jump_pct
    age = (policy.snapshot_max_age_days.get(name) if policy else None) or rule.max_age_days
    c = _Ctx(name, frame, rule, week, prev_week, jump, age)
    if problem is not None:
        c.add("unavailable", "error", problem.removeprefix(f"dataset {name} "),
              _problem_zh(problem, name, frame, ds.date_column, week), dates=week.sessions,
              count=len(week.sessions))
    elif not frame.empty:
        _check_duplicates(c)
        _check_values(c)
        dcol = ds.date_column if ds.date_column in frame.columns else None
        if dcol is not None:
            f = frame.assign(**{dcol: pd.to_datetime(frame[dcol])})
            if not ds.snapshot:
                # the checks below look at the week before and this week; a series' previous
                # row is at most a long holiday before the week before
                f = f[f[dcol] >= pd.Timestamp(prev_week.start if prev_week.sessions
                                              else week.start) - pd.Timedelta(days=LOOKBACK_DAYS)]
            c.frame = f
            if ds.snapshot:
                _check_snapshot_age(c, dcol)
            elif rule.dated and dcol == "trade_date":
                _check_staleness(c, f[dcol])
                if rule.a_share_sessions:
                    _check_sessions(c, f[dcol])
                if rule.entity and rule.entity_severity and rule.entity in f.columns:
                    _check_series(c, dcol)
                if rule.levels:
                    _check_jumps(c, dcol)
                _check_repeated(c, dcol)
                if name == "etf_daily":
                    _check_etf_split(c, dcol)
    return [x for x in c.out if x.check not in disabled]


def _problem_zh(problem: str, name: str, frame: pd.DataFrame, dcol: str | None,
                week: ReportWeek) -> str:
    span = f"{week.start.isoformat()}..{week.end.isoformat()}"
    if frame.empty:
        return f"截至 {week.end.isoformat()} 数据库中无数据，使用它的章节未纳入本报告"
    last = _d(frame[dcol].max()) if dcol in frame.columns else None
    ends = f"（最新数据为 {last.isoformat()}）" if last else ""
    return f"本周 {span} 无数据{ends}，使用它的章节未纳入本报告"


def _route_word(source: str) -> str:
    route = fallback_route(source)
    return f"fallback {route}" if route else ("first route" if source == "akshare" else source)


def source_disagreements(rows: pd.DataFrame) -> list[Finding]:
    """One warning per dataset whose routes disagreed beyond tolerance (rows as stored in
    ``_source_disagreements``: dataset, trade_date, series, column_name, stored/other source
    and value, rel_diff, tolerance), with the largest difference as the example."""
    out: list[Finding] = []
    if rows is None or rows.empty:
        return out
    for name, g in rows.groupby("dataset", sort=True):
        worst = g.loc[g["rel_diff"].idxmax()]
        dates = tuple(sorted({_d(x) for x in g["trade_date"]}))
        series = tuple(sorted({str(x) for x in g["series"] if str(x)}))[:20]
        cols = sorted(set(g["column_name"]))
        day = _d(worst["trade_date"]).isoformat()
        ex_en = (f"{worst['series'] or name} {day} {worst['column_name']}: "
                 f"{_route_word(worst['stored_source'])} {worst['stored_value']:,.6g} vs "
                 f"{_route_word(worst['other_source'])} {worst['other_value']:,.6g} "
                 f"({worst['rel_diff']:.2%}, tolerance {worst['tolerance']:.2%})")
        out.append(Finding(
            str(name), "source_disagreement", "warning",
            f"{name}: two sources disagree on {len(g)} value(s) beyond tolerance "
            f"({', '.join(cols)}; {_span(dates)}), e.g. {ex_en}",
            f"{name}：两个数据来源有 {len(g)} 个数值的差异超出容差（{'、'.join(cols)}；"
            f"{_span(dates)}），例如 {ex_en}",
            dates=dates, column=cols[0] if len(cols) == 1 else None, series=series,
            count=len(g)))
    return out


def assess(frames: Mapping[str, pd.DataFrame], week: ReportWeek, prev_week: ReportWeek, *,
           problems: Mapping[str, str] | None = None,
           policy: QualityConfig | None = None,
           disagreements: pd.DataFrame | None = None) -> list[Finding]:
    """Findings for every dataset, most severe first, then by dataset name."""
    problems = problems or {}
    out: list[Finding] = []
    for name in sorted(frames):
        if name not in DATASETS:
            continue
        out += assess_dataset(name, frames[name], week, prev_week, policy=policy,
                              problem=problems.get(name))
    disabled = set(policy.disable) if policy else set()
    if "source_disagreement" not in disabled:
        out += [f for f in source_disagreements(disagreements) if f.dataset in frames]
    return sorted(out, key=lambda f: (-_SEV_RANK[f.severity], f.dataset, CHECKS.index(f.check)
                                      if f.check in CHECKS else len(CHECKS)))


# -- what `run` does with them ------------------------------------------------------------------
_DEFAULT_ACTIONS: dict[Severity, Action] = {"info": "send", "warning": "banner", "error": "hold"}


def _severity_of(f: Finding | Mapping[str, Any]) -> Severity:
    sev = f.severity if isinstance(f, Finding) else f["severity"]
    if sev not in _SEV_RANK:
        raise ValueError(f"unknown severity {sev!r} (known: {', '.join(SEVERITIES)})")
    return sev  # type: ignore[no-any-return]


def delivery_decision(findings: Iterable[Finding | Mapping[str, Any]],
                      policy: QualityConfig | None) -> Action:
    """``send``, ``banner`` (send with a warning banner) or ``hold`` (do not send; tell the
    owner): the strictest action the policy gives any finding's severity."""
    actions: Mapping[str, str] = (dict(policy.actions.model_dump()) if policy is not None
                                  else {k: str(v) for k, v in _DEFAULT_ACTIONS.items()})
    worst: Action = "send"
    for f in findings:
        act = actions[_severity_of(f)]
        if _ACT_RANK[act] > _ACT_RANK[worst]:
            worst = act  # type: ignore[assignment]
    return worst


def findings_from_manifest(manifest: Mapping[str, Any],
                           policy: QualityConfig | None = None) -> list[Finding]:
    """The findings a built report recorded, plus one per section shown as unavailable
    (severity ``quality.unavailable_section``), for ``delivery_decision``."""
    out = [Finding.from_dict(d) for d in manifest.get("quality", ())]
    sev: Severity = policy.unavailable_section if policy is not None else "error"
    for s in manifest.get("sections", ()):
        if s.get("status") == "unavailable":
            out.append(Finding(f"section:{s['id']}", "unavailable", sev,
                               f"section {s['id']} is not in the report: {s.get('error')}",
                               f"章节 {s['id']} 未纳入本报告：{s.get('error')}"))
    return out


def banner_text(findings: Iterable[Finding], lang: str = "zh", *,
                min_severity: Severity = "warning") -> str:
    """The warning banner put on top of the e-mail: one line per finding at or above
    ``min_severity`` (errors first). Empty when there is none."""
    shown = [f for f in findings if _SEV_RANK[f.severity] >= _SEV_RANK[min_severity]]
    if not shown:
        return ""
    shown.sort(key=lambda f: -_SEV_RANK[f.severity])
    head = ("数据质量提示：本期报告的部分数据存在以下问题，相关图表与结论请谨慎使用。"
            if lang == "zh" else
            "Data quality: parts of this week's data have the problems below; read the "
            "exhibits concerned with care.")
    lines = [head] + [f"[{_SEV_ZH[f.severity] if lang == 'zh' else f.severity}] "
                      f"{f.message(lang)}" for f in shown]
    return "\n".join(lines)


def owner_notice(findings: Sequence[Finding], *, week_label: str, report_folder: str,
                 action: Action) -> tuple[str, str]:
    """Subject and plain-text body of the message to ``quality.owner`` (English: it goes to
    whoever runs the data, not to readers)."""
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    verb = {"hold": "HELD (not sent)", "banner": "sent with a data-quality banner",
            "send": "sent"}[action]
    subject = (f"fundflow {week_label}: report {verb} - {counts['error']} error(s), "
               f"{counts['warning']} warning(s)")
    body = [f"The weekly report for the week ending {week_label} was {verb}.",
            f"Report folder: {report_folder}", "",
            f"Findings: {counts['error']} error(s), {counts['warning']} warning(s), "
            f"{counts['info']} info.", ""]
    for f in sorted(findings, key=lambda f: -_SEV_RANK[f.severity]):
        body.append(f"- [{f.severity}] {f.message_en}")
    if action == "hold":
        body += ["", "Fix or re-collect the data, rebuild, then send with 'fundflow send', "
                     "or send as it is with 'fundflow send --force'."]
    return subject, "\n".join(body) + "\n"


def summary_counts(findings: Iterable[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {s: 0 for s in SEVERITIES}
    for f in findings:
        counts[f.severity] += 1
    return counts

