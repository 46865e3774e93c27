"""End to end: build the sample week from the bundled sample data and check what a reader gets:
PDF text (pdftotext), embedded Chinese font (pdffonts), page count, the HTML in headless
Chromium, and the weekly returns in data/ against a direct computation from the sample files."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from fundflow.build import BuildRequest, BuildResult, build
from fundflow.config import Config, load_config
from tests import tools
from tests.shared import seeded_sample_store

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc)  # Saturday 10:00 in Shanghai
pytestmark = pytest.mark.e2e


def sample_config(tmp: Path) -> Config:
    cfg = load_config(ROOT / "config.yaml")
    data = cfg.data.model_copy(update={"sample_store": seeded_sample_store(tmp / "sample.duckdb")})
    return cfg.model_copy(update={"data": data})


@pytest.fixture(scope="module")
def zh_build(sample_report: BuildResult) -> BuildResult:
    """The run's shared sample report (conftest): shipped config, a date inside the week."""
    return sample_report


@pytest.fixture(scope="module")
def en_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The shipped config in English, charts at 72 dpi: its tests read the text, and chart
    images carry none that pdftotext could check (the Chinese build is at the shipped 200)."""
    tmp = tmp_path_factory.mktemp("en")
    cfg = sample_config(tmp)
    cfg = cfg.model_copy(update={"output": cfg.output.model_copy(update={"chart_dpi": 72})})
    return build(cfg, BuildRequest(week=None, source="sample", lang="en",
                                   out_dir=tmp / "reports"), now=NOW)


def test_output_folder_layout(zh_build: BuildResult) -> None:
    folder = zh_build.folder
    assert folder.name == "2025-11-07"
    for name in ("report.html", "report.pdf", "manifest.json", "data/report_data.xlsx"):
        assert (folder / name).is_file(), name
    charts = sorted((folder / "charts").glob("*.png"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert len(charts) == sum(ex["kind"] == "chart" for ex in manifest["exhibits"]) >= 3
    assert manifest["week"]["sessions"] == [f"2025-11-0{i}" for i in range(3, 8)]
    assert manifest["sample_data"] is True
    assert manifest["datasets"]["index_daily"]["as_of"] == "2025-11-07"
    for ex in manifest["exhibits"]:
        assert (folder / ex["data"]).is_file()
    assert not list(folder.parent.glob(".tmp-*")), "temporary folder left behind"


def test_pdf_text_and_structure(zh_build: BuildResult) -> None:
    assert zh_build.pdf is not None
    text = tools.pdftotext(zh_build.pdf)
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert 4 <= len(pages) <= 34   # 30 before the market temperature (2.0) and macro sections
    assert tools.pdf_page_count(zh_build.pdf) == len(pages) == zh_build.pages
    for title in ("资金行为跟踪周报", "核心观点", "目录", "资产价格表现", "A股主要指数表现",
                  "申万一级行业表现", "风险提示", "数据附录"):
        assert title in text, title
    for n in (1, 2, 3, 4, 5):
        assert f"图表 {n}" in text
    assert "数据来源：" in text and "截至 2025-11-07" in text
    assert "2025-11-03 至 2025-11-07" in text
    for i, page in enumerate(pages, 1):
        assert "样本数据 / SAMPLE DATA" in page, f"page {i} does not say it is sample data"
        assert re.search(rf"第\s*{i}\s*/\s*{len(pages)}\s*页", page), f"page {i}: no 'N / M' footer"


def test_pdf_embeds_subsetted_chinese_font(zh_build: BuildResult) -> None:
    assert zh_build.pdf is not None
    fonts = tools.pdffonts(zh_build.pdf)
    cjk = [line for line in fonts.splitlines() if "Noto-Sans-CJK-SC" in line]
    assert cjk, fonts
    assert any("Bold" in line for line in cjk), "headings are not set in a bold face"
    for line in cjk:
        cols = line.split()
        assert cols[-5:-3] == ["yes", "yes"], f"font not embedded and subsetted: {line}"


def test_weekly_returns_match_direct_computation(zh_build: BuildResult) -> None:
    raw = pd.read_csv(ROOT / "seeds/sample/index_daily.csv", dtype={"index_code": str})
    raw["trade_date"] = pd.to_datetime(raw["trade_date"])
    closes = raw.pivot(index="trade_date", columns="index_code", values="close")
    t1 = closes.loc["2025-11-07"]
    t0 = closes.loc["2025-10-31"]
    expected = (t1 / t0 - 1) * 100
    data = next(ex["data"] for ex in zh_build.manifest["exhibits"]
                if (ex["section"], ex["key"]) == ("broad_indices", "broad_returns"))
    out = pd.read_csv(zh_build.folder / data, dtype={"index_code": str})
    assert len(out) == 10
    for row in out.itertuples():
        assert row.return_pct == pytest.approx(expected[row.index_code], abs=1e-9)


def test_html_is_self_contained_and_clean_in_chromium(zh_build: BuildResult,
                                                      tmp_path: Path) -> None:
    html = zh_build.html.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert "http://" not in html and "https://" not in html
    shot = tmp_path / "page.png"
    errors = tools.chromium_console_errors(zh_build.html, screenshot=shot)
    assert errors == []
    assert shot.stat().st_size > 10_000


def test_english_build(en_build: BuildResult) -> None:
    assert en_build.week.end == date(2025, 11, 7)  # 'latest' on Saturday 2025-11-08
    assert en_build.pdf is not None
    text = tools.pdftotext(en_build.pdf)
    for title in ("Weekly Fund-Flow Tracker", "Core views", "A-share broad indices",
                  "Shenwan level-1 industries", "Exhibit 1", "Source:", "Data appendix"):
        assert title in text, title
    html = en_build.html.read_text(encoding="utf-8")
    assert '<html lang="en">' in html


def test_pdf_pages_render_to_png(zh_build: BuildResult, tmp_path: Path) -> None:
    assert zh_build.pdf is not None
    pngs = tools.render_pdf_pages(zh_build.pdf, tmp_path, dpi=50)
    assert len(pngs) == zh_build.pages


def test_exhibits_are_numbered_in_reading_order(zh_build: BuildResult) -> None:
    """图表 N in the body appear as 1, 2, 3, ... from the first page to the last (a section
    template that renders its exhibits in another order than it lists them breaks this)."""
    html = zh_build.html.read_text(encoding="utf-8")
    body = html[html.index("<main>"):]
    numbers = [int(n) for n in re.findall(r'<span class="ex-no">图表 (\d+)</span>', body)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) == len(zh_build.manifest["exhibits"])


def test_section_2_complete_in_spec_order(zh_build: BuildResult) -> None:
    """Section 2 of report-structure.md: 2.1 major assets, 2.2 A-share market (broad indices,
    style seesaw, Shenwan), 2.3 Sino-US tech, 2.4 tech internals; >= 12 exhibits, each with a
    source line and an as-of date."""
    assert zh_build.pdf is not None
    text = re.sub(r"\s+", "", tools.pdftotext(zh_build.pdf))
    body = text[text.index("2资产价格表现", text.index("图表目录")):]
    titles = ["全球大类资产表现", "A股主要指数表现", "风格跷跷板", "申万一级行业表现",
              "中美科技股对比", "科技板块内部结构"]
    positions = [body.index(t) for t in titles]
    assert positions == sorted(positions)
    part2 = {"major_assets", "broad_indices", "style_seesaw", "sw_industries", "sino_us_tech",
             "tech_themes"}
    exhibits = [ex for ex in zh_build.manifest["exhibits"] if ex["section"] in part2]
    assert len(exhibits) >= 12
    html = zh_build.html.read_text(encoding="utf-8")
    for ex in exhibits:
        fig = html[html.index(f'id="exhibit-{ex["number"]}"'):]
        fig = fig[:fig.index("</figure>")]
        assert re.search(r"数据来源：.+，截至 \d{4}-\d{2}-\d{2}", fig), ex


NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?(?:%|bp|pp)?")


def _section_cells(folder: Path, manifest: dict, section: str) -> list[object]:
    cells: list[object] = []
    for ex in manifest["exhibits"]:
        if ex["section"] == section:
            frame = pd.read_csv(folder / ex["data"], encoding="utf-8-sig")
            cells += [v for col in frame.columns for v in frame[col].tolist()]
    return cells


@pytest.mark.parametrize("which", ["zh", "en"])
def test_numbers_in_generated_text_are_the_exhibits_numbers(which: str, zh_build: BuildResult,
                                                            en_build: BuildResult) -> None:
    """Every number a generated sentence shows is a value of an exhibit of its section,
    formatted by the same filter; counts excepted. And every number token in a section's
    opening paragraph comes from one of its facts (no number typed into a phrase)."""
    from fundflow.formatting import fmt_value

    res = zh_build if which == "zh" else en_build
    manifest = res.manifest
    assert manifest["facts"], "no section states facts"
    by_section: dict[str, list[dict]] = {}
    for fact in manifest["facts"]:
        by_section.setdefault(fact["section"], []).append(fact)
    for section, facts in by_section.items():
        cells = _section_cells(res.folder, manifest, section)
        shown_in_tables: set[str] = set()
        for fmt in {n["fmt"] for f in facts for n in f["numbers"]}:
            for v in cells:
                try:
                    shown_in_tables.add(fmt_value(float(v), fmt, which))  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    pass
        for fact in facts:
            allowed = {n["shown"] for n in fact["numbers"]}
            for n in fact["numbers"]:
                if n["fmt"] != "count":
                    assert n["shown"] in shown_in_tables, (section, fact["kind"], n)
            text = fact["text"]
            for name in sorted(fact["names"], key=len, reverse=True):
                text = text.replace(name, " ")
            # an English amount ('CNY 19.3bn') carries its unit; take it out whole
            amounts = {s for a in allowed for s in (a, a.lstrip("+-")) if "CNY" in s}
            for shown in sorted(amounts, key=len, reverse=True):
                text = text.replace(shown, " ")
            assert "100m yuan" not in text and "亿元" not in fact["text"] or which == "zh"
            for token in NUMBER.findall(text):
                bare = token.lstrip("+-")
                assert token in allowed or bare in {a.lstrip("+-") for a in allowed} or \
                    re.fullmatch(r"\d{1,2}|20\d\d", bare), (section, fact["text"], token)


def test_english_pdf_has_no_untranslated_chinese(en_build: BuildResult) -> None:
    """Outside proper names (the synthetic stocks' Chinese names) and the bilingual sample flag,
    the English report has no Chinese: titles, tables, notes, text and appendix are translated.
    (Chart images are checked by their titles and labels coming from the same env.t calls.)"""
    assert en_build.pdf is not None
    text = tools.pdftotext(en_build.pdf)
    names = pd.read_csv(ROOT / "seeds/sample/stock_universe.csv", dtype=str)["stock_name"]
    text = text.replace("样本数据 / SAMPLE DATA", " ")
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    left = [line.strip() for line in text.splitlines() if re.search(r"[\u4e00-\u9fff]", line)]
    assert left == [], "\n".join(left[:20])
