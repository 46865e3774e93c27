"""The enhanced-fund universe (issue 16 item 4): the CSI 500 / CSI 1000 filter of
``fund_info_index_em``, share classes collapsed, weekly snapshots that follow launches and
closures, the NAV collection and the quant section taking their fund list from the stored
snapshot, the fallback to the curated seed list (and the report saying which list it used), and
a guard that no placeholder code is in the seeds. No network, except the test marked
``network``."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from fundflow.build import BuildRequest, build
from fundflow.collect import CollectRequest, collect
from fundflow.config import Config, load_config
from fundflow.data.sample import load_sample, read_sample
from fundflow.data.schemas import DATASETS, conform
from fundflow.data.sources import CallPolicy, Caller, FetchContext, get_adapter
from fundflow.data.sources.fund_universe import (
    EXPECTED, benchmark_of, build_universe, share_class,
)
from fundflow.data.store import Store
from fundflow.errors import SchemaError
from fundflow.fund_list import UNIVERSE, resolve_fund_list
from fundflow.reference import load_reference
from tests.fake_akshare import ROOT, SAMPLE, SEEDS, FakeAkshare
from tests.shared import seeded_sample_store

SH = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
REF = load_reference(SEEDS)
FAST = CallPolicy(attempts=1, backoff_initial_s=0, backoff_max_s=0, default_min_interval_s=0,
                  deadline_s=20)
WEEK1, WEEK2 = date(2025, 11, 7), date(2025, 11, 14)
SAT1 = datetime(2025, 11, 8, 10, 0, tzinfo=SH)
SAT2 = datetime(2025, 11, 15, 10, 0, tzinfo=SH)

# The curated list (seeds/enhanced_funds.csv): only codes with evidence (see its evidence column)
VERIFIED = {
    "000478": "建信中证500指数增强A", "002311": "创金合信中证500指数增强A",
    "005062": "博时中证500指数增强A", "161017": "富国中证500指数增强(LOF)",
    "004194": "招商中证1000指数增强A", "005313": "万家中证1000指数增强A",
    "017644": "博道中证1000指数增强A", "161039": "富国中证1000指数增强",
    "561280": "工银中证1000增强策略ETF",
}

# a list as fund_info_index_em gives it: A/C/E classes, an LOF, an ETF, a C-only fund and
# funds on other indices or index variants
LIST = [
    ("100001", "甲中证500指数增强A"), ("100002", "甲中证500指数增强C"),
    ("100003", "乙中证1000指数增强A"), ("100004", "乙中证1000指数增强C"),
    ("100005", "乙中证1000指数增强E"),
    ("100009", "己中证1000增强策略ETF"),
    ("100010", "庚中证500指数增强(LOF)"), ("100011", "庚中证500指数增强（LOF）C"),
    ("100012", "辛量化中证1000指数增强C"),
    ("100006", "丙中证500价值指数增强A"), ("100007", "丁中证A500指数增强A"),
    ("100008", "戊沪深300指数增强A"), ("100013", "壬中证500质量成长指数增强A"),
    ("100014", "癸中证1000成长增强A"),
]


def fetch(ak: FakeAkshare, as_of: date = WEEK1) -> tuple[pd.DataFrame, FetchContext]:
    caller = Caller(ak, FAST, sleep=lambda s: None)
    ctx = FetchContext(UNIVERSE, caller.call, REF, date(2025, 6, 2), as_of)
    return get_adapter(UNIVERSE).fetch_snapshot(ctx, as_of), ctx


# -- the filter ---------------------------------------------------------------------------------
def test_fake_list_is_shaped_like_akshare() -> None:
    f = FakeAkshare().fund_info_index_em(symbol="沪深指数", indicator="增强指数型")
    assert list(f.columns) == EXPECTED
    assert f["基金代码"].map(type).eq(str).all() and f["日期"].map(type).eq(str).all()
    assert f["单位净值"].dtype == "float64" and f["近1周"].dtype == "float64"
    assert (f["跟踪标的"] == "沪深指数").all() and (f["跟踪方式"] == "增强指数型").all()


def test_filter_keeps_csi500_and_csi1000_one_class_per_fund() -> None:
    ak = FakeAkshare()
    ak.fund_list = LIST
    got, ctx = fetch(ak)
    got = conform(UNIVERSE, got).set_index("fund_code")
    assert ak.calls["fund_info_index_em"] == 1
    assert sorted(got.index) == ["100001", "100003", "100009", "100010", "100012"]
    bench = got["benchmark_index"].to_dict()
    assert bench == {"100001": "000905", "100003": "000852", "100009": "000852",
                     "100010": "000905", "100012": "000852"}
    # A preferred; the other classes are kept as other_share_codes
    assert got.loc["100001", "share_class"] == "A"
    assert got.loc["100001", "other_share_codes"] == "100002"
    assert got.loc["100003", "other_share_codes"] == "100004;100005"
    # an LOF / ETF name ends in letters of a word, not a class
    assert got.loc["100010", "share_class"] is None
    assert got.loc["100010", "other_share_codes"] == "100011"   # full-width (LOF) grouped
    assert got.loc["100009", "share_class"] is None
    # a fund listed with its C class only keeps it
    assert got.loc["100012", "share_class"] == "C"
    # is_quant from the name
    assert got.loc["100012", "is_quant"] == "true"
    assert got.loc["100001", "is_quant"] == "false"
    assert (got["snapshot_date"] == pd.Timestamp(WEEK1)).all()
    assert ctx.warnings == []


def test_curated_flags_and_english_names_apply_to_any_share_class() -> None:
    ak = FakeAkshare()
    ak.fund_list = [("005062", "博时中证500指数增强A"), ("005063", "博时中证500指数增强C"),
                    ("005313", "万家中证1000指数增强A")]
    got = fetch(ak)[0].set_index("fund_code")
    assert got.loc["005062", "fund_name_en"] == "Bosera CSI 500 Index Enhanced A"
    assert got.loc["005062", "is_quant"] == "true"        # the curated flag, not the name
    assert got.loc["005062", "other_share_codes"] == "005063"


def test_benchmark_from_the_tracking_target_when_akshare_gives_one() -> None:
    assert benchmark_of("某某增强A", "中证500指数") == "000905"
    assert benchmark_of("某某增强A", "中证1000") == "000852"
    # a variant named in 跟踪标的 wins over a name that looks right
    assert benchmark_of("某中证500指数增强A", "中证500价值指数") is None
    # 1.19.5 echoes the symbol: the name decides
    assert benchmark_of("某中证500指数增强A", "沪深指数") == "000905"
    assert benchmark_of("某中证A500指数增强A", "沪深指数") is None
    assert share_class("博时中证500指数增强A") == ("博时中证500指数增强", "A")
    assert share_class("富国中证500指数增强(LOF)") == ("富国中证500指数增强(LOF)", "")


def test_a_list_without_csi500_or_csi1000_funds_is_an_error_naming_dataset_and_date() -> None:
    ak = FakeAkshare()
    ak.fund_list = [("100008", "戊沪深300指数增强A")]
    with pytest.raises(SchemaError, match=r"dataset enhanced_fund_universe \(2025-11-07\).*"
                                          r"000905, 000852"):
        fetch(ak)


# -- weekly snapshots and the NAV collection ----------------------------------------------------
def make_config(folder: Path, sections: list[str] | None = None) -> Config:
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    data["data"] = {"store": str(folder / "store.duckdb"),
                    "sample_store": str(seeded_sample_store(folder / "sample.duckdb")),
                    "sample_dir": str(SAMPLE), "seeds_dir": str(SEEDS)}
    data["output"] = {"dir": str(folder / "reports"), "pdf": False, "excel": False}
    data.pop("delivery", None)
    data.pop("alerts", None)
    if sections is not None:
        data["sections"] = [s for s in data["sections"] if s["section"] in sections]
    data["collect"] = {"default_min_interval_s": 0, "min_interval_s": {},
                       "backoff_initial_s": 0, "backoff_max_s": 0, "attempts": 1}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path)


class RecordingFake(FakeAkshare):
    def __init__(self) -> None:
        super().__init__()
        self.nav_symbols: list[str] = []
        self.list_fails = False

    def fund_open_fund_info_em(self, symbol: str = "710001", indicator: str = "单位净值走势",
                               period: str = "成立来") -> pd.DataFrame:
        self.nav_symbols.append(symbol)
        return super().fund_open_fund_info_em(symbol, indicator, period)

    def fund_info_index_em(self, symbol: str = "沪深指数",
                           indicator: str = "被动指数型") -> pd.DataFrame:
        if self.list_fails:
            self._count("fund_info_index_em")
            raise ValueError("Expecting value: line 1 column 1 (char 0)")   # EM sent HTML
        return super().fund_info_index_em(symbol, indicator)


def test_snapshots_follow_closures_and_launches(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    ak = RecordingFake()
    datasets = ("trade_days", UNIVERSE, "fund_nav_daily")
    r1 = collect(cfg, CollectRequest(week=WEEK1, datasets=datasets), now=SAT1, ak=ak,
                 sleep=lambda s: None)
    assert r1.ok and r1.report(UNIVERSE).status == "fetched"
    first = {c for c in ak.nav_symbols}
    assert len(first) == 24 and all(c.startswith("90") for c in first)   # the snapshot's
    assert not first & set(REF.enhanced_funds["fund_code"])              # not the seed list
    assert any("snapshot of 2025-11-07 (24 funds)" in w
               for w in r1.report("fund_nav_daily").warnings)
    # a week later 900505 (A and C) has closed and 909001 has launched
    ak.fund_list = [(c, n) for c, n in ak._default_fund_list() if c not in ("900505", "900555")]
    ak.fund_list += [("909001", "示例新发中证1000指数增强A"), ("909051", "示例新发中证1000指数增强C")]
    ak.nav_symbols.clear()
    r2 = collect(cfg, CollectRequest(week=WEEK2, datasets=(UNIVERSE,)), now=SAT2, ak=ak,
                 sleep=lambda s: None)
    assert r2.ok and r2.report(UNIVERSE).status == "fetched"
    with Store(cfg.resolve(cfg.data.store), read_only=True) as st:
        uni = st.read(UNIVERSE)
    by_date = {d.date(): set(g["fund_code"]) for d, g in uni.groupby("snapshot_date")}
    assert set(by_date) == {WEEK1, WEEK2}
    assert "900505" in by_date[WEEK1] and "900505" not in by_date[WEEK2]
    assert "909001" in by_date[WEEK2] and "909001" not in by_date[WEEK1]
    assert "909051" not in by_date[WEEK2]                      # the C class is collapsed
    # each week takes the snapshot on or before it
    assert "909001" in set(resolve_fund_list(uni, REF.enhanced_funds, WEEK2).funds["fund_code"])
    old = resolve_fund_list(uni, REF.enhanced_funds, date(2025, 11, 13))
    assert (old.origin, old.as_of) == ("snapshot", WEEK1)
    assert "900505" in set(old.funds["fund_code"])
    before = resolve_fund_list(uni, REF.enhanced_funds, date(2025, 11, 6))
    assert before.origin == "curated" and "after 2025-11-06" in before.why


def test_list_failure_falls_back_to_the_curated_list(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    ak = RecordingFake()
    ak.list_fails = True
    res = collect(cfg, CollectRequest(week=WEEK1, datasets=("trade_days", UNIVERSE,
                                                            "fund_nav_daily")),
                  now=SAT1, ak=ak, sleep=lambda s: None)
    uni = res.report(UNIVERSE)
    assert uni.status == "failed" and not uni.required
    assert "dataset enhanced_fund_universe" in uni.errors[0]
    assert UNIVERSE not in res.failed_required
    # the NAV collection asked for the curated codes and says why
    assert sorted(set(ak.nav_symbols)) == sorted(VERIFIED)
    note = " ".join(res.report("fund_nav_daily").warnings)
    assert "curated seeds/enhanced_funds.csv" in note and "no enhanced_fund_universe" in note


# -- the quant section and the report -----------------------------------------------------------
def _quant(manifest: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in manifest["sections"] if s["section"] == "quant_funds")


def test_sample_report_uses_the_stored_snapshot(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, sections=["quant_funds"])
    res = build(cfg, BuildRequest(week=WEEK1, source="sample"),
                now=datetime(2025, 11, 10, 13, 0, tzinfo=SH))
    q = _quant(res.manifest)
    assert q["status"] == "ok", q["error"]
    assert q["inputs"] == {"fund_list": "snapshot", "fund_list_as_of": "2025-11-07",
                           "fund_list_count": 24, "fund_list_note": ""}
    html = res.html.read_text(encoding="utf-8")
    assert "基金名单：增强指数型基金列表2025-11-07快照（24只）" in html
    assert res.manifest["datasets"][UNIVERSE]["rows"] > 0


def test_report_without_a_snapshot_uses_the_curated_list_and_says_so(tmp_path: Path) -> None:
    """A store without universe rows (the list call failed): the section computes on the
    curated codes (here given NAVs taken from sample funds) and the report says so."""
    cfg = make_config(tmp_path, sections=["quant_funds"])
    now = datetime(2025, 11, 10, 13, 0, tzinfo=SH)
    with Store(cfg.resolve(cfg.data.store)) as st:
        load_sample(st, SAMPLE, fetched_at=now.replace(tzinfo=None),
                    datasets=[d for d in DATASETS if d not in (UNIVERSE, "fund_nav_daily")])
        nav = read_sample(SAMPLE, "fund_nav_daily")
        donors = sorted(nav["fund_code"].unique())
        curated = REF.enhanced_funds
        parts = []
        for bench, donor_prefix in (("000905", "9005"), ("000852", "9010")):
            codes = list(curated.loc[curated["benchmark_index"] == bench, "fund_code"])
            pool = [c for c in donors if c.startswith(donor_prefix)]
            for code, donor in zip(codes, pool):
                parts.append(nav[nav["fund_code"] == donor].assign(fund_code=code))
        st.load("fund_nav_daily", pd.concat(parts, ignore_index=True), source="sample",
                fetched_at=now.replace(tzinfo=None))
    res = build(cfg, BuildRequest(week=WEEK1, source="store"), now=now)
    q = _quant(res.manifest)
    assert q["status"] == "ok", q["error"]
    assert q["inputs"]["fund_list"] == "curated" and q["inputs"]["fund_list_as_of"] is None
    assert q["inputs"]["fund_list_count"] == len(VERIFIED)
    assert "no enhanced_fund_universe rows" in q["inputs"]["fund_list_note"]
    html = res.html.read_text(encoding="utf-8")
    assert "基金名单：人工维护名单seeds/enhanced_funds.csv" in html
    data = pd.read_csv(res.folder / "data" / next(
        e["data"].removeprefix("data/") for e in res.manifest["exhibits"]
        if e["key"] == "quant_fund_table"), dtype=str)
    assert set(data["fund_code"]) == set(VERIFIED)
    json.dumps(res.manifest)   # the inputs entry is plain JSON


# -- seeds: real codes only ---------------------------------------------------------------------
PLACEHOLDER = re.compile(r"^90\d{4}$")    # the sample's fund range (900501 ...), no real fund


def test_no_placeholder_fund_code_outside_the_sample() -> None:
    for path in sorted(SEEDS.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in frame.columns:
            hits = [v for v in frame[col] if PLACEHOLDER.match(v.strip())]
            assert not hits, f"{path.name}.{col}: placeholder code(s) {hits[:3]}"
    funds = pd.read_csv(SEEDS / "enhanced_funds.csv", dtype=str, keep_default_na=False)
    unverified = sorted(set(funds["fund_code"]) - set(VERIFIED))
    assert not unverified, f"seeds/enhanced_funds.csv: codes without evidence {unverified}"
    assert dict(zip(funds["fund_code"], funds["fund_name"])) == VERIFIED
    assert (funds["evidence"].str.strip() != "").all()
    assert set(funds["benchmark_index"]) == {"000905", "000852"}
    # and the curated names pass the adapter's own filter
    ak_like = pd.DataFrame({"基金代码": funds["fund_code"], "基金名称": funds["fund_name"],
                            "跟踪标的": "沪深指数"})
    got = build_universe(ak_like, WEEK1, funds)
    assert dict(zip(got["fund_code"], got["benchmark_index"])) == dict(
        zip(funds["fund_code"], funds["benchmark_index"]))


# -- the real function, once --------------------------------------------------------------------
@pytest.mark.network
def test_real_fund_info_index_em() -> None:
    from fundflow.data.sources import get_akshare

    ak = get_akshare()
    frame = ak.fund_info_index_em(symbol="沪深指数", indicator="增强指数型")
    assert list(frame.columns) == EXPECTED
    got = build_universe(frame, date.today(), REF.enhanced_funds)
    conform(UNIVERSE, got)
    counts = got["benchmark_index"].value_counts()
    assert counts.get("000905", 0) >= 10 and counts.get("000852", 0) >= 5, counts
    listed = set(got["fund_code"]) | {c for s in got["other_share_codes"].dropna()
                                      for c in s.split(";")}
    missing = sorted(set(VERIFIED) - listed)
    # the curated codes should be on the live list (a closed fund would show up here)
    assert len(missing) <= 2, f"curated codes not on the live list: {missing}"
