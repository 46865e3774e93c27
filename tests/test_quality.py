"""Data-quality gate (issue 9): hand-made frames for each kind of finding, the policy that turns
findings into send / banner / hold, and the config block."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from fundflow.calendar import ReportWeek
from fundflow.config import QualityConfig, load_config
from fundflow.errors import ConfigError
from fundflow.quality import (
    Finding, assess, assess_dataset, banner_text, delivery_decision, findings_from_manifest,
    owner_notice,
)

ROOT = Path(__file__).resolve().parents[1]

def d(s: str) -> date:
    return date.fromisoformat(s)


def week_of(monday: str, closed: tuple[str, ...] = ()) -> ReportWeek:
    m = d(monday)
    days = tuple(m + timedelta(days=i) for i in range(5) if (m + timedelta(days=i)).isoformat()
                 not in closed)
    return ReportWeek(m, m + timedelta(days=4), days, "exchange_calendars")


WEEK = week_of("2025-11-03")
PREV = week_of("2025-10-27")
SESSIONS = [x for w in (week_of("2025-10-20"), PREV, WEEK) for x in w.sessions]


def index_bars(codes: tuple[str, ...] = ("000300", "000905", "000852"),
               sessions: list[date] | None = None) -> pd.DataFrame:
    """Smooth, plausible daily bars: +0.3% a day, high/low around open/close."""
    rows = []
    for k, code in enumerate(codes):
        for i, day in enumerate(sessions or SESSIONS):
            close = (1000 + 100 * k) * 1.003 ** i + (i % 3)
            rows.append({"trade_date": pd.Timestamp(day), "index_code": code,
                         "open": close * 0.999, "high": close * 1.01, "low": close * 0.99,
                         "close": close, "volume": 1e9 + i, "amount_cny": 3e11 + i * 1e8})
    return pd.DataFrame(rows)


def run(name: str, frame: pd.DataFrame, policy: QualityConfig | None = None,
        problem: str | None = None) -> list[Finding]:
    return assess_dataset(name, frame, WEEK, PREV, policy=policy, problem=problem)


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [f.message_en for f in findings]
    return findings[0]


def test_clean_data_has_no_finding() -> None:
    assert run("index_daily", index_bars()) == []


def test_unavailable_dataset_is_an_error_over_the_week() -> None:
    f = only(run("global_asset_daily", pd.DataFrame(), problem=(
        "dataset global_asset_daily has no rows for the week 2025-11-03..2025-11-07 "
        "(it ends at 2025-10-31)")))
    assert (f.check, f.severity, f.dates) == ("unavailable", "error", WEEK.sessions)
    assert f.message_en == ("global_asset_daily: has no rows for the week "
                            "2025-11-03..2025-11-07 (it ends at 2025-10-31)")
    assert "使用它的章节未纳入本报告" in f.message_zh


def test_stale_dataset_names_its_last_date_and_the_missing_sessions() -> None:
    bars = index_bars()
    f = only(run("index_daily", bars[bars["trade_date"] < "2025-11-06"]))
    assert (f.check, f.severity, f.column) == ("stale", "warning", None)
    assert f.dates == (d("2025-11-06"), d("2025-11-07"))
    assert f.message_en == (
        "index_daily: stale: ends at 2025-11-05, the week ends 2025-11-07 (no rows for "
        "2025-11-06, 2025-11-07); exhibits using it show 2025-11-05 as their as-of date")


def margin_market(sessions: list[date]) -> pd.DataFrame:
    return pd.DataFrame({"trade_date": pd.to_datetime(sessions),
                         "fin_balance_cny": [2.4e12 + i * 1e9 for i in range(len(sessions))],
                         "sec_balance_cny": [1.5e10 + i * 1e7 for i in range(len(sessions))],
                         "fin_buy_cny": [1.5e11 + (i % 4) * 1e9 for i in range(len(sessions))],
                         "sec_sell_cny": [1e9] * len(sessions)})


def test_margin_data_one_session_late_is_the_normal_t_plus_1_lag() -> None:
    f = only(run("margin_market_daily", margin_market(SESSIONS[:-1])))
    assert (f.check, f.severity) == ("stale", "info")
    assert "normal publication lag" in f.message_en
    f = only(run("margin_market_daily", margin_market(SESSIONS[:-2])))
    assert (f.check, f.severity) == ("stale", "warning")


def test_missing_session_mid_week() -> None:
    bars = index_bars()
    f = only(run("index_daily", bars[bars["trade_date"] != "2025-11-05"]))
    assert (f.check, f.severity, f.dates) == ("missing_sessions", "warning", (d("2025-11-05"),))
    assert f.message_en == "index_daily: no rows on session(s) 2025-11-05"
    # Stock Connect closes on Hong Kong holidays: only a note
    nb = pd.DataFrame({"trade_date": pd.to_datetime([x for x in SESSIONS
                                                     if x != d("2025-10-29")] * 2),
                       "channel": ["sh"] * (len(SESSIONS) - 1) + ["sz"] * (len(SESSIONS) - 1),
                       "net_buy_cny": None})
    nb["amount_cny"] = [1e11 + i * 1e8 for i in range(len(nb))]
    f = only(run("northbound_daily", nb))
    assert (f.check, f.severity, f.dates) == ("missing_sessions", "info", (d("2025-10-29"),))


def test_a_series_that_stopped_is_named() -> None:
    bars = index_bars()
    bars = bars[~((bars["index_code"] == "000905") & (bars["trade_date"] >= "2025-11-03"))
                & ~((bars["index_code"] == "000852") & (bars["trade_date"] == "2025-11-04"))]
    f = only(run("index_daily", bars))
    assert (f.check, f.severity, f.column) == ("series_gaps", "warning", "index_code")
    assert f.series == ("000852", "000905") and f.count == 2
    assert f.message_en == ("index_daily: 2 series with rows the week before miss sessions of "
                            "this week: 000852 (2025-11-04); 000905 (none this week)")


def stocks(n: int = 3) -> pd.DataFrame:
    rows = []
    for k in range(n):
        for i, day in enumerate(SESSIONS):
            rows.append({"trade_date": pd.Timestamp(day), "stock_code": f"60000{k}",
                         "close": 10.0 + k + i * 0.01, "amount_cny": 1e8 + i,
                         "total_mv_cny": (1e10 + k * 1e9) * (1 + i * 0.001),
                         "float_mv_cny": 5e9 * (1 + i * 0.001)})
    return pd.DataFrame(rows)


def test_a_suspended_stock_is_not_a_finding() -> None:
    s = stocks()
    s = s[~((s["stock_code"] == "600001") & (s["trade_date"] >= "2025-11-03"))]
    assert run("stock_daily", s) == []


def test_nan_and_infinite_values_are_errors_naming_series_and_date() -> None:
    bars = index_bars()
    bars["close"] = bars["close"].astype(float)
    i = bars.index[(bars["index_code"] == "000905") & (bars["trade_date"] == "2025-11-05")][0]
    bars.loc[i, "close"] = float("nan")
    bars.loc[i + 1, "high"] = float("inf")
    found = {f.column: f for f in run("index_daily", bars) if f.check == "non_finite"}
    assert found["close"].severity == "error"
    assert found["close"].message_en == ("index_daily: column close has 1 missing (NaN) "
                                         "value(s) at index_code=000905, trade_date=2025-11-05")
    assert found["high"].message_en == ("index_daily: column high has 1 infinite value(s) at "
                                        "index_code=000905, trade_date=2025-11-06")
    # a nullable column may be empty
    bars = index_bars()
    bars["volume"] = None
    assert run("index_daily", bars) == []


def test_value_outside_the_schema_bounds() -> None:
    m = margin_market(SESSIONS)
    m.loc[len(m) - 1, "fin_balance_cny"] = 2.5e16
    f = [x for x in run("margin_market_daily", m) if x.check == "out_of_range"]
    assert len(f) == 1 and f[0].severity == "error" and f[0].column == "fin_balance_cny"
    assert f[0].message_en == ("margin_market_daily: column fin_balance_cny has 1 value(s) "
                               "above the plausible bound 1e+13 (e.g. 2.5e+16) at "
                               "trade_date=2025-11-07")
    bars = index_bars()
    bars.loc[0, ["open", "high", "low", "close"]] = [-5.0, 1.0, -6.0, -5.0]
    f = [x for x in run("index_daily", bars) if x.check == "out_of_range"]
    assert {x.column for x in f} == {"open", "low", "close"}
    assert all("below the plausible bound 1 " in x.message_en for x in f)


def test_low_above_close_is_inconsistent() -> None:
    bars = index_bars()
    i = bars.index[(bars["index_code"] == "000300") & (bars["trade_date"] == "2025-11-06")][0]
    bars.loc[i, "low"] = bars.loc[i, "close"] * 1.05
    f = only(run("index_daily", bars))
    assert (f.check, f.severity, f.dates, f.series) == (
        "inconsistent", "warning", (d("2025-11-06"),), ("000300",))


def test_sudden_jump_names_series_move_and_dates() -> None:
    bars = index_bars()
    mask = (bars["index_code"] == "000905") & (bars["trade_date"] >= "2025-11-05")
    bars.loc[mask, ["open", "high", "low", "close"]] *= 1.2
    f = only(run("index_daily", bars))
    assert (f.check, f.severity, f.column, f.series) == ("jump", "warning", "close", ("000905",))
    assert f.dates == (d("2025-11-05"),)
    assert f.message_en.startswith("index_daily: column close moves more than 12% in one "
                                   "session: 000905 +20.")
    assert f.message_en.endswith("% on 2025-11-05 (from 2025-11-04)")
    # the threshold is configurable per dataset
    assert run("index_daily", bars, QualityConfig(jump_pct={"index_daily": 25})) == []


def test_unit_change_is_an_error() -> None:
    m = margin_market(SESSIONS)
    m.loc[m["trade_date"] >= "2025-11-06", "sec_balance_cny"] /= 1e4   # 元 -> 万元 upstream
    found = run("margin_market_daily", m)
    # the jump names the day the unit changed; the plausible range says the values are wrong
    assert sorted((f.check, f.severity, f.column) for f in found) == [
        ("jump", "error", "sec_balance_cny"), ("out_of_range", "error", "sec_balance_cny")]
    (f,) = [f for f in found if f.check == "jump"]
    assert "unit change upstream" in f.message_en and "x0.0001 on 2025-11-06" in f.message_en


def test_stock_jumps_are_notes_only_when_extreme() -> None:
    s = stocks()
    s.loc[(s["stock_code"] == "600000") & (s["trade_date"] >= "2025-11-04"), "total_mv_cny"] *= 1.3
    assert run("stock_daily", s) == []          # +30%: a 20% limit board plus noise
    s.loc[(s["stock_code"] == "600002") & (s["trade_date"] >= "2025-11-06"), "total_mv_cny"] *= 2
    f = only(run("stock_daily", s))
    assert (f.check, f.severity, f.series) == ("jump", "info", ("600002",))


def test_a_day_that_repeats_the_day_before_for_every_series() -> None:
    bars = index_bars()
    thu = bars["trade_date"] == "2025-11-06"
    wed = bars[bars["trade_date"] == "2025-11-05"].set_index("index_code")
    for col in ("open", "high", "low", "close"):
        bars.loc[thu, col] = bars.loc[thu, "index_code"].map(wed[col]).to_numpy()
    f = only(run("index_daily", bars))
    assert (f.check, f.severity, f.dates) == ("repeated", "warning", (d("2025-11-06"),))
    assert "every series repeats its previous session's close exactly (3 series)" in f.message_en


def test_duplicate_keys() -> None:
    bars = pd.concat([index_bars(), index_bars().iloc[[5]]], ignore_index=True)
    f = only(run("index_daily", bars))
    assert (f.check, f.severity) == ("duplicate", "error")
    assert "e.g. index_code=000300, trade_date=2025-10-27" in f.message_en


def test_etf_share_split_is_flagged() -> None:
    rows = []
    for i, day in enumerate(SESSIONS):
        split = day >= d("2025-11-04")
        rows.append({"trade_date": pd.Timestamp(day), "etf_code": "510300",
                     "close": (4.0 + i * 0.001) / (2 if split else 1),
                     "shares": (9e10 + i * 1e7) * (2 if split else 1)})
    f = [x for x in run("etf_daily", pd.DataFrame(rows)) if x.check == "etf_split"]
    assert len(f) == 1 and f[0].severity == "warning" and f[0].dates == (d("2025-11-04"),)
    assert "510300 on 2025-11-04 (shares x2, close x0.5" in f[0].message_en


def test_old_snapshots() -> None:
    cons = pd.DataFrame({"index_code": ["000300"] * 2, "stock_code": ["600000", "600001"],
                         "snapshot_date": pd.to_datetime(["2025-01-02"] * 2)})
    f = only(run("index_constituents", cons))
    assert (f.check, f.severity, f.dates) == ("snapshot_age", "warning", (d("2025-01-02"),))
    assert "309 days before the week's end (limit 200 days)" in f.message_en
    assert run("index_constituents", cons,
               QualityConfig(snapshot_max_age_days={"index_constituents": 400})) == []


def test_disabled_checks_are_left_out() -> None:
    bars = index_bars()
    assert run("index_daily", bars[bars["trade_date"] != "2025-11-05"],
               QualityConfig(disable=("missing_sessions",))) == []


def test_assess_orders_errors_first() -> None:
    bars = index_bars()
    found = assess({"index_daily": bars[bars["trade_date"] < "2025-11-07"],
                    "sw_industry_daily": pd.DataFrame()}, WEEK, PREV,
                   problems={"sw_industry_daily": "dataset sw_industry_daily has no rows in "
                                                  "the store up to 2025-11-07"})
    assert [(f.dataset, f.severity) for f in found] == [("sw_industry_daily", "error"),
                                                         ("index_daily", "warning")]


def test_the_sample_week_is_clean() -> None:
    """The bundled sample week has no warning or error (the one note: Stock Connect was
    closed on 2025-10-29, a Hong Kong holiday)."""
    sample = ROOT / "seeds" / "sample"
    frames = {}
    for name in ("index_daily", "sw_industry_daily", "global_asset_daily", "margin_market_daily",
                 "etf_daily", "fund_nav_daily", "futures_daily", "northbound_daily",
                 "concept_board_daily", "index_constituents", "stock_universe"):
        f = pd.read_csv(sample / f"{name}.csv", dtype=str)
        for col in f.columns:
            if col.endswith("_date"):
                f[col] = pd.to_datetime(f[col])
            elif col not in ("index_code", "industry_code", "asset_code", "etf_code", "fund_code",
                             "contract_code", "variety", "channel", "board_code", "board_name",
                             "stock_code", "stock_name", "sw_l1_code"):
                f[col] = pd.to_numeric(f[col])
        frames[name] = f[f[f.columns[0]] <= "2025-11-07"] if "trade_date" in f else f
    found = assess(frames, WEEK, PREV)
    assert [(f.dataset, f.check, f.severity) for f in found] == [
        ("northbound_daily", "missing_sessions", "info")]


# -- policy ---------------------------------------------------------------------------------
def finding(severity: str, dataset: str = "index_daily") -> Finding:
    return Finding(dataset, "stale", severity, f"{dataset}: x", f"{dataset}：x")  # type: ignore[arg-type]


def test_delivery_decision_takes_the_strictest_action() -> None:
    assert delivery_decision([], None) == "send"
    assert delivery_decision([finding("info")], None) == "send"
    assert delivery_decision([finding("info"), finding("warning")], None) == "banner"
    assert delivery_decision([finding("warning"), finding("error")], None) == "hold"
    lax = QualityConfig(actions={"error": "banner"})
    assert delivery_decision([finding("error")], lax) == "banner"
    strict = QualityConfig(actions={"warning": "hold", "info": "banner"})
    assert delivery_decision([finding("info")], strict) == "banner"
    assert delivery_decision([finding("warning").as_dict()], strict) == "hold"


def test_manifest_round_trip_and_unavailable_sections() -> None:
    f = finding("warning")
    assert Finding.from_dict(f.as_dict()) == f
    manifest = {"quality": [f.as_dict()],
                "sections": [{"id": "broad_indices", "status": "ok", "error": None},
                             {"id": "leverage", "status": "unavailable",
                              "error": "KeyError: 'x'"}]}
    found = findings_from_manifest(manifest)
    assert [(x.dataset, x.severity) for x in found] == [("index_daily", "warning"),
                                                        ("section:leverage", "error")]
    assert delivery_decision(found, None) == "hold"
    found = findings_from_manifest(manifest, QualityConfig(unavailable_section="warning"))
    assert delivery_decision(found, None) == "banner"


def test_banner_and_owner_notice() -> None:
    found = [finding("info", "a"), finding("error", "b"), finding("warning", "c")]
    text = banner_text(found, "en")
    assert text.splitlines()[1:] == ["[error] b: x", "[warning] c: x"]
    assert banner_text([finding("info")], "zh") == ""
    assert banner_text(found, "zh").splitlines()[1] == "[错误] b：x"
    subject, body = owner_notice(found, week_label="2025-11-07", report_folder="/r/2025-11-07",
                                 action="hold")
    assert subject == "fundflow 2025-11-07: report HELD (not sent) - 1 error(s), 1 warning(s)"
    assert "- [error] b: x\n- [warning] c: x\n- [info] a: x\n" in body


# -- config ---------------------------------------------------------------------------------
def cfg_error(tmp_path: Path, block: str) -> str:
    p = tmp_path / "c.yaml"
    p.write_text("quality:\n" + block, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(p)
    return str(info.value).replace(str(p), "CFG")


def test_quality_config_block(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("quality:\n  owner: data@example.com\n  actions: {warning: send}\n"
                 "  jump_pct: {index_daily: 8}\n  disable: [repeated]\n", encoding="utf-8")
    q = load_config(p).quality
    assert (q.owner, q.actions.warning, q.actions.error, q.jump_pct, q.disable) == (
        "data@example.com", "send", "hold", {"index_daily": 8.0}, ("repeated",))
    assert cfg_error(tmp_path, "  actions: {error: drop}\n") == (
        "CFG: quality.actions.error: got 'drop', allowed values: 'send', 'banner' or 'hold'")
    assert cfg_error(tmp_path, "  jump_pct: {stock_universe: 5}\n").startswith(
        "CFG: quality.jump_pct: 'stock_universe' has no jump check (datasets: index_daily, ")
    assert cfg_error(tmp_path, "  disable: [staleness]\n").startswith(
        "CFG: quality.disable: unknown check(s) 'staleness' (checks: unavailable, stale, ")
    assert cfg_error(tmp_path, "  owner: nobody\n") == (
        "CFG: quality.owner: not an e-mail address: 'nobody' (got 'nobody')")
    assert cfg_error(tmp_path, "  hold_on: error\n").startswith(
        "CFG: quality.hold_on: unknown key (allowed keys: actions, disable, jump_pct, owner, ")
