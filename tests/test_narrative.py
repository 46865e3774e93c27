"""The narrative layer (issue 6): phrase rendering, scores, the choice of core views, and
analyst overrides (YAML and Markdown) that change exactly the text they name."""

from __future__ import annotations

from pathlib import Path

import pytest

from fundflow.errors import ConfigError
from fundflow.narrative import (
    Fact, Items, Name, Num, move_score, rank_score, regime_score, render, size_score, streak_score,
)
from fundflow.narrative.core import Candidate, choose_core_views
from fundflow.narrative.overrides import apply, check_section_ids, load_overrides
from fundflow.narrative.phrasebook import PHRASES, add_phrases

add_phrases({
    "test.move": {"zh": "本周{name}{ret_dir}{ret_abs}，成交{amt}亿元。",
                  "en": "The {name} {ret_dir} {ret_abs} this week on {amt}."},
    "test.list": {"zh": "领涨：{top}。", "en": "Leaders: {top}."},
    "test.flow": {"zh": "{who}{x_in}{x_abs}亿元。", "en": "{who}: {x_in} of {x_abs}."},
})
CSI300 = Name("沪深300", "CSI 300")


def test_render_fills_slots_with_the_table_filters() -> None:
    f = Fact("test.move", {"name": CSI300, "ret": Num(-0.8163, "pct_signed"),
                           "amt": Num(5.5162e11, "yi")})
    assert render(f, "zh") == "本周沪深300下跌0.82%，成交5,516.2亿元。"
    assert render(f, "en") == "The CSI 300 fell 0.82% this week on CNY 552bn."
    assert [n.shown() for n in f.numbers()] == ["-0.82%", "5,516.2"]
    assert [n.shown("en") for n in f.numbers()] == ["-0.82%", "CNY 552bn"]
    assert f.names("en") == ["CSI 300"]


def test_items_and_flow_words() -> None:
    top = Items(((Name("电子", "Electronics"), Num(4.3, "pct_signed")),
                 (Name("通信", "Telecoms"), Num(-3.3, "pct_signed"))))
    assert render(Fact("test.list", {"top": top}), "zh") == "领涨：电子（+4.30%）、通信（-3.30%）。"
    assert render(Fact("test.list", {"top": top}), "en") == \
        "Leaders: Electronics (+4.30%) and Telecoms (-3.30%)."
    moves = Items(((CSI300, Num(1.1, "pct_signed")), (Name("科创50", "STAR 50"),
                                                       Num(-0.2, "pct_signed"))), style="move")
    assert moves.shown("zh") == "沪深300上涨1.10%、科创50下跌0.20%"
    assert moves.shown("en") == "the CSI 300 rose 1.10% and the STAR 50 fell 0.20%"
    out = Fact("test.flow", {"who": "北向", "x": Num(-1.9e10, "yi")})
    assert render(out, "zh") == "北向净流出190.0亿元。"
    assert render(out, "en") == "北向: net outflow of CNY 19.0bn."


def test_render_names_a_missing_phrase_or_slot() -> None:
    with pytest.raises(KeyError, match="phrasebook has no zh phrase 'test.nothing'"):
        render(Fact("test.nothing"), "zh")
    with pytest.raises(KeyError, match=r"phrase 'test.move' needs slot\(s\) name, amt"):
        render(Fact("test.move", {"ret": Num(1.0, "pct")}), "zh")


def test_phrasebook_refuses_a_conflicting_or_one_language_phrase() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        add_phrases({"test.move": {"zh": "别的", "en": "other"}})
    with pytest.raises(ValueError, match="needs exactly zh and en"):
        add_phrases({"test.zh_only": {"zh": "只有中文"}})
    assert "test.zh_only" not in PHRASES


def test_scores_by_hand() -> None:
    # history 1,2,3,4,5: mean 3, sample std sqrt(2.5)=1.5811; (7-3)/1.5811 = 2.53
    assert move_score(7.0, [1, 2, 3, 4, 5]) == pytest.approx(2.5298, abs=1e-4)
    assert move_score(100.0, [1, 2, 3, 4, 5]) == 4.0          # capped
    assert move_score(7.0, [1, 2]) == 1.0                       # too little history
    assert streak_score(6) == 2.0 and streak_score(-15) == 4.0
    assert regime_score(-1.0, 2.0) == 2.0 and regime_score(1.0, 2.0) == 0.5
    assert rank_score(9 / 10) == pytest.approx(1.6) and rank_score(0.5) == 0.0
    assert size_score(-3.0, 1.5) == 2.0


def test_core_views_three_to_five_two_per_section_in_report_order() -> None:
    c = [Candidate(0, 0, "a", 3.0, "a0"), Candidate(0, 1, "a", 2.5, "a1"),
         Candidate(0, 2, "a", 2.4, "a2"), Candidate(1, 0, "b", 0.2, "b0"),
         Candidate(2, 0, "c", 1.1, "c0"), Candidate(3, 0, "d", 0.1, "d0")]
    got = [v.text for v in choose_core_views(c)]
    # ranked a0 3.0, a1 2.5, a2 2.4 (out: two per section), c0 1.1 (notable: in, three now),
    # b0 0.2 (not notable and three already: stop); shown in report order
    assert got == ["a0", "a1", "c0"]
    many = [Candidate(i, 0, f"s{i}", 2.0 + i, f"v{i}") for i in range(9)]
    # one chapter (part ""): its headline v0 leads, then the four best
    assert [v.text for v in choose_core_views(many)] == ["v0", "v5", "v6", "v7", "v8"]
    weak = [Candidate(i, 0, f"s{i}", 0.1 * i, f"w{i}") for i in range(5)]
    assert [v.text for v in choose_core_views(weak)] == ["w0", "w3", "w4"]


def test_yaml_override_replace_and_append(tmp_path: Path) -> None:
    p = tmp_path / "2025-11-07.yaml"
    p.write_text("""
core_views:
  mode: append
  zh: ["分析师观点：维持均衡配置。"]
  en: ["Analyst view: stay balanced."]
sections:
  leverage:
    mode: replace
    zh: "杠杆资金本周小幅加仓，结构上偏向大盘。"
""", encoding="utf-8")
    ov = load_overrides(p)
    assert apply(["生成一", "生成二"], ov.core_views, "zh") == (
        ["生成一", "生成二", "分析师观点：维持均衡配置。"], True)
    assert apply(["g"], ov.sections["leverage"], "zh") == (["杠杆资金本周小幅加仓，结构上偏向大盘。"], True)
    assert apply(["g"], ov.sections["leverage"], "en") == (["g"], False)   # no en text given
    check_section_ids(ov, ["leverage", "main_funds"])
    with pytest.raises(ConfigError, match=r"sections.leverage: not a section id of this report"):
        check_section_ids(ov, ["main_funds"])


def test_markdown_override(tmp_path: Path) -> None:
    p = tmp_path / "2025-11-07.en.md"
    p.write_text("## core_views (replace)\n- One.\n- Two.\n\n## northbound (append)\n"
                 "Holdings data is quarterly.\nRead with care.\n", encoding="utf-8")
    ov = load_overrides(p)
    assert apply(["x"], ov.core_views, "en") == (["One.", "Two."], True)
    assert apply(["x"], ov.core_views, "zh") == (["x"], False)
    assert apply(["x"], ov.sections["northbound"], "en") == (
        ["x", "Holdings data is quarterly. Read with care."], True)


@pytest.mark.parametrize("text, message", [
    ("core_views: {mode: prepend, zh: [a]}\n",
     "core_views: mode must be replace or append, got 'prepend'"),
    ("sections: {leverage: {zh: 1}}\n", "sections.leverage.zh: expected a text"),
    ("views: {}\n", "views: unknown key (allowed keys: core_views, sections)"),
    ("core_views: {mode: append}\n", "core_views: give the text under zh and/or en"),
])
def test_override_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "2025-11-07.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_overrides(p)
    assert str(info.value) == f"{p}: {message}"


def test_each_chapter_leads_with_its_headline() -> None:
    c = [Candidate(0, 0, "assets1", 0.4, "market", "assets"),
         Candidate(0, 1, "assets1", 0.9, "breadth", "assets"),
         Candidate(1, 0, "flows1", 0.5, "f1", "flows"), Candidate(1, 1, "flows1", 3.0, "f2", "flows"),
         Candidate(2, 0, "flows2", 3.5, "g1", "flows"), Candidate(2, 1, "flows2", 2.0, "g2", "flows"),
         Candidate(3, 0, "flows3", 1.5, "h1", "flows")]
    # headlines: 'market' (assets) and 'f1' (flows), weak as they are; then g1 3.5, f2 3.0,
    # g2 2.0 by score: five in all; 'breadth' and h1 left out
    assert [v.text for v in choose_core_views(c)] == ["market", "f1", "f2", "g1", "g2"]
