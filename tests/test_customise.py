"""Customising the report through YAML (issue 8): order, enabled, titles, a section twice with
distinct ids, template overrides, branding, alerts; `config check`, `sections`, and the README's
configuration reference kept in sync with the models."""

from __future__ import annotations

import re
import socket
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pytest

from fundflow.alerts import evaluate, metric_format
from fundflow.build import BuildRequest, build
from fundflow.config import AlertRule, Localized
from fundflow.plan import load_config
from fundflow.errors import ConfigError, RenderError
from fundflow.introspect import README_END, README_START, check_config, config_reference, readme_block
from tests import tools
from tests.test_cli import run
from tests.shared import seeded_sample_store

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc)

def png_bytes() -> bytes:
    """A small real PNG (a logo)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 20), (31, 78, 121)).save(buf, "PNG")
    return buf.getvalue()


def write_config(tmp: Path, sections: str, extra: str = "") -> Path:
    text = f"""
report:
  title: {{zh: 定制周报, en: Custom weekly}}
  organisation: {{zh: 甲证券研究所, en: Alpha Securities Research}}
  logo: logo.png
  footer: {{zh: 甲证券 · 内部资料, en: Alpha Securities · internal}}
data:
  store: {tmp}/store.duckdb
  sample_store: {seeded_sample_store(tmp / 'sample.duckdb')}
  sample_dir: {ROOT}/seeds/sample
  seeds_dir: {ROOT}/seeds
output: {{dir: {tmp}/reports, excel: false, chart_dpi: 72}}
templates_dir: overrides
sections:
{sections}
{extra}"""
    (tmp / "logo.png").write_bytes(png_bytes())
    (tmp / "overrides").mkdir(exist_ok=True)
    p = tmp / "config.yaml"
    p.write_text(text, encoding="utf-8")
    return p


SECTIONS = """
  - section: sw_industries
    title: {zh: 行业轮动一览, en: Industry rotation}
    params: {top_n: 3}
  - section: broad_indices
    enabled: false
  - section: tech_themes
    id: themes_chips
    title: {zh: 芯片主题, en: Chip themes}
    params: {themes: [storage, semiconductor]}
  - section: tech_themes
    id: themes_energy
    title: {zh: 新能源主题, en: Energy themes}
    params: {themes: [fusion, solid_state]}
"""


@pytest.mark.e2e
def test_reordered_disabled_repeated_and_overridden_cover(tmp_path: Path) -> None:
    cover = (ROOT / "templates" / "cover.html.j2").read_text(encoding="utf-8")
    (tmp_path / "overrides").mkdir()
    (tmp_path / "overrides" / "cover.html.j2").write_text(
        cover.replace('<div class="cover-kind">', '<div class="cover-kind">团队定制封面 '),
        encoding="utf-8")
    alerts = """alerts:
  - metric: sw_industries.return_pct.801750
    below: -1.0
    label: {zh: 计算机行业周跌幅, en: Computers weekly return}
  - metric: themes_chips.excess_week_pp.storage
    above: 50
"""
    cfg = load_config(write_config(tmp_path, SECTIONS, alerts))
    res = build(cfg, BuildRequest(week=date(2025, 11, 7), source="sample"), now=NOW)
    assert res.pdf is not None
    text = re.sub(r"\s+", "", tools.pdftotext(res.pdf))
    body = text[text.index("图表目录"):]
    # order as configured, disabled section absent, both theme lists present with their titles
    pos = [body.index(t, body.index("2资产价格表现")) for t in ("行业轮动一览", "芯片主题", "新能源主题")]
    assert pos == sorted(pos)
    assert "A股主要指数表现" not in text
    assert "团队定制封面" in text                       # the cover override
    assert "甲证券·内部资料" in text                     # the footer
    assert "预警提示" in text and "计算机行业周跌幅：-1.20%，低于阈值-1.00" in text
    assert [a["metric"] for a in res.manifest["alerts"]] == ["sw_industries.return_pct.801750"]
    chips = [e for e in res.manifest["exhibits"] if e["section"] == "themes_chips"]
    energy = [e for e in res.manifest["exhibits"] if e["section"] == "themes_energy"]
    assert chips and energy and len(chips) == len(energy)
    html = res.html.read_text(encoding="utf-8")
    assert 'class="cover-logo" src="data:image/png;base64,' in html


def test_alert_evaluation_words_hits_with_the_table_filters() -> None:
    rules = (AlertRule(metric="lev.balance_change_cny", abs_above=5e10,
                       label=Localized(zh="两融余额周变动", en="Margin balance change")),
             AlertRule(metric="fut.basis_ann_pct.IM", below=-10.0),
             AlertRule(metric="fut.basis_ann_pct.IC", below=-10.0),
             AlertRule(metric="main.outflow_streak_weeks", above=2))
    metrics = {"lev": {"balance_change_cny": -6.25e10},
               "fut": {"basis_ann_pct.IM": -12.5, "basis_ann_pct.IC": -8.0},
               "main": {}}
    formats = {"lev": {"balance_change_cny": "yi"}, "fut": {"basis_ann_pct.{code}": "pct_signed"},
               "main": {"outflow_streak_weeks": "num0"}}
    hits = evaluate(rules, metrics, formats, "zh")
    assert [h.text for h in hits] == [
        "两融余额周变动：-625.0亿元，绝对值超过阈值500.0亿元",
        "fut.basis_ann_pct.IM：-12.50%，低于阈值-10.00%"]
    en = evaluate(rules[:1], metrics, formats, "en")
    assert en[0].text == "Margin balance change: -CNY 62.5bn, beyond ±CNY 50.0bn"
    assert metric_format({"return_pct.{code}": "pct"}, "return_pct.000300") == "pct"
    assert metric_format({"return_pct.{code}": "pct"}, "return_pct") is None


def _error(tmp: Path, sections: str, extra: str = "") -> str:
    """The config error, raised before any data or network is touched: opening a store or a
    socket during the check fails the test."""
    p = write_config(tmp, sections, extra)
    with pytest.MonkeyPatch.context() as mp:
        def touched(*a: object, **k: object) -> None:
            raise AssertionError("config check touched the store or the network")
        mp.setattr(duckdb, "connect", touched)
        mp.setattr(socket.socket, "connect", touched)
        with pytest.raises((ConfigError, RenderError)) as info:
            check_config(load_config(p))
    return str(info.value).replace(str(p), "CFG").replace(str(tmp), "TMP")


def test_error_unknown_index_code(tmp_path: Path) -> None:
    msg = _error(tmp_path, '  - section: broad_indices\n    params: {indices: ["000300", "999999"]}\n')
    assert msg.startswith("sections[0].params.indices: unknown index code '999999' (known: 000001, ")


def test_error_unknown_alert_metric(tmp_path: Path) -> None:
    msg = _error(tmp_path, "  - section: sw_industries\n",
                 "alerts:\n  - {metric: sw_industries.weekly_return, below: -1}\n")
    assert msg == ("CFG: alerts[0].metric: section 'sw_industries' (sw_industries) has no metric "
                   "'weekly_return' (metrics: return_pct.{code})")
    msg = _error(tmp_path, "  - section: sw_industries\n",
                 "alerts:\n  - {metric: leverage.balance, below: -1}\n")
    assert msg == ("CFG: alerts[0].metric: 'leverage' is not the id of an enabled section "
                   "(enabled: sw_industries)")


def test_error_alert_without_bound(tmp_path: Path) -> None:
    msg = _error(tmp_path, "  - section: sw_industries\n",
                 "alerts:\n  - {metric: sw_industries.return_pct.801750}\n")
    assert msg == ("CFG: alerts[0]: set at least one of above, below, abs_above "
                   "(got {'metric': 'sw_industries.return_pct.801750'})")


def test_error_template_override_syntax(tmp_path: Path) -> None:
    (tmp_path / "overrides").mkdir()
    (tmp_path / "overrides" / "cover.html.j2").write_text(
        "<section>\n{% if meta.title %}\n<h1>{{ meta.title }</h1>\n{% endif %}\n",
        encoding="utf-8")
    msg = _error(tmp_path, "  - section: sw_industries\n")
    assert msg == "template TMP/overrides/cover.html.j2, line 3: unexpected '}'"


def test_error_missing_logo(tmp_path: Path) -> None:
    p = write_config(tmp_path, "  - section: sw_industries\n")
    (tmp_path / "logo.png").unlink()
    with pytest.raises(ConfigError) as info:
        check_config(load_config(p))
    assert str(info.value) == f"report.logo: file not found: {tmp_path}/logo.png"


def test_template_cannot_reach_python(tmp_path: Path) -> None:
    from fundflow.render.env import make_env, render_template

    (tmp_path / "evil.html.j2").write_text(
        "{{ meta.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    env = make_env(tmp_path)
    with pytest.raises(Exception) as info:
        render_template(env, "evil.html.j2", meta={})
    assert "unsafe" in str(info.value) or "SecurityError" in type(info.value).__name__


def test_config_check_cli_on_shipped_config() -> None:
    r = run("config", "check")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("config.yaml: OK\nsections (")


def test_config_check_cli_error_exit_2(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("sections:\n  - section: sw_industries\n    params: {top_n: 40}\n",
                 encoding="utf-8")
    r = run("config", "check", "--config", str(p))
    assert r.returncode == 2
    assert r.stderr == (f"fundflow: error: {p}: sections[0].params.top_n: Input should be less "
                        f"than or equal to 15 (got 40)\n")


def test_sections_cli_lists_params_defaults_and_datasets() -> None:
    r = run("sections")
    assert r.returncode == 0
    assert "sw_industries  [assets]  申万一级行业表现 / Shenwan level-1 industries" in r.stdout
    assert "    param top_n: integer = 5  — how many leaders and laggards to name (>= 1, <= 15)" \
        in r.stdout
    assert "    datasets: sw_industry_daily" in r.stdout


def test_readme_configuration_reference_is_in_sync() -> None:
    block = readme_block(ROOT / "README.md")
    assert block is not None, f"README.md lacks the markers {README_START} ... {README_END}"
    assert block == config_reference(), (
        "README's configuration reference is out of date: replace the block between the "
        "markers with the output of `fundflow config reference`")


@pytest.mark.e2e
def test_commentary_override_changes_exactly_the_text_it_names(tmp_path: Path) -> None:
    sections = "  - section: broad_indices\n  - section: sw_industries\n"
    extra = "commentary: {overrides_dir: commentary}\n"
    cfg_path = write_config(tmp_path, sections, extra)
    before = build(load_config(cfg_path), BuildRequest(week=date(2025, 11, 7), source="sample"),
                   now=NOW)
    (tmp_path / "commentary").mkdir()
    (tmp_path / "commentary" / "2025-11-07.yaml").write_text("""
core_views:
  mode: append
  zh: ["分析师：维持均衡配置，关注低位板块。"]
sections:
  sw_industries:
    mode: replace
    zh: "分析师点评：行业轮动加快，资源品领涨。"
""", encoding="utf-8")
    after = build(load_config(cfg_path), BuildRequest(week=date(2025, 11, 7), source="sample"),
                  now=NOW)
    b = {s["id"]: s["text"] for s in before.manifest["sections"]}
    a = {s["id"]: s["text"] for s in after.manifest["sections"]}
    assert a["broad_indices"] == b["broad_indices"]
    assert a["sw_industries"] == ["分析师点评：行业轮动加快，资源品领涨。"] != b["sw_industries"]
    assert after.manifest["core_views"] == before.manifest["core_views"] + [
        "分析师：维持均衡配置，关注低位板块。"]
    assert (after.folder / "commentary" / "2025-11-07.yaml").is_file()   # kept with the report
    assert after.manifest["commentary_override"] == "commentary/2025-11-07.yaml"
    assert after.pdf is not None
    text = re.sub(r"\s+", "", tools.pdftotext(after.pdf))
    assert "分析师点评：行业轮动加快，资源品领涨。" in text and "核心观点含分析师撰写内容" in text
