"""Config errors, asserted word for word: each names the file, the key path and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from fundflow.plan import load_config
from fundflow.errors import ConfigError
from fundflow.plan import registry  # importing plan loads the built-in sections

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def error_of(tmp_path: Path, text: str) -> str:
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(p)
    return str(info.value).replace(str(p), "CFG")


def test_shipped_config_is_valid() -> None:
    cfg = load_config(ROOT / "config.yaml")
    assert [s.section for s in cfg.sections] == [
        "market_temperature", "major_assets", "broad_indices", "style_seesaw", "sw_industries",
        "sino_us_tech", "tech_themes", "macro_releases", "leverage", "etf_flows", "quant_funds",
        "index_futures", "main_funds", "northbound"]
    assert len(cfg.source_hash) == 16
    copy = cfg.model_copy(update={"language": "en"})
    assert copy.source_path == cfg.source_path and copy.source_hash == cfg.source_hash


def test_provenance_is_not_a_config_key(tmp_path: Path) -> None:
    assert error_of(tmp_path, "source_hash: abc\n").startswith("CFG: source_hash: unknown key")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    from fundflow.config import Config

    allowed = ", ".join(sorted(Config.model_fields))
    assert {"data", "language", "output", "report", "sections", "style"} <= set(Config.model_fields)
    assert error_of(tmp_path, "langauge: zh\n") == (
        f"CFG: langauge: unknown key (allowed keys: {allowed})")


def test_unknown_nested_key(tmp_path: Path) -> None:
    assert error_of(tmp_path, "output:\n  pdff: true\n") == (
        "CFG: output.pdff: unknown key (allowed keys: chart_dpi, dir, excel, pdf, pdf_timeout_s)")


def test_wrong_literal(tmp_path: Path) -> None:
    assert error_of(tmp_path, "language: fr\n") == (
        "CFG: language: got 'fr', allowed values: 'zh' or 'en'")


def test_wrong_type(tmp_path: Path) -> None:
    assert error_of(tmp_path, "output:\n  chart_dpi: high\n") == (
        "CFG: output.chart_dpi: Input should be a valid integer, unable to parse string as an "
        "integer (got 'high')")


def test_bad_colour(tmp_path: Path) -> None:
    assert error_of(tmp_path, "style:\n  up_color: red\n") == (
        "CFG: style.up_color: must be a colour like '#d7262b' (got 'red')")


def test_unknown_section(tmp_path: Path) -> None:
    assert error_of(tmp_path, "sections:\n  - section: broad_indexes\n") == (
        "CFG: sections[0].section: unknown section 'broad_indexes' "
        f"(registered: {', '.join(registry.names())})")
    assert "broad_indices, " in ", ".join(registry.names())


def test_unknown_section_param(tmp_path: Path) -> None:
    text = "sections:\n  - section: sw_industries\n  - section: broad_indices\n    params: {topn: 3}\n"
    assert error_of(tmp_path, text) == (
        "CFG: sections[1].params.topn: unknown key (allowed keys: indices, range_weeks)")


def test_section_param_out_of_range(tmp_path: Path) -> None:
    text = "sections:\n  - section: sw_industries\n    params: {top_n: 40}\n"
    assert error_of(tmp_path, text) == (
        "CFG: sections[0].params.top_n: Input should be less than or equal to 15 (got 40)")


def test_unquoted_index_code(tmp_path: Path) -> None:
    text = "sections:\n  - section: broad_indices\n    params: {indices: ['000300', '300']}\n"
    assert error_of(tmp_path, text) == (
        "CFG: sections[0].params.indices: index code '300' must be 6 digits, e.g. '000300' "
        "(quote it in YAML so leading zeros survive) (got ['000300', '300'])")


def test_duplicate_section_id(tmp_path: Path) -> None:
    text = "sections:\n  - section: sw_industries\n  - section: sw_industries\n"
    assert error_of(tmp_path, text) == (
        "CFG: sections[1].id: section id 'sw_industries' is already used by sections[0]; "
        "give each repeated section a distinct id")


def test_malformed_yaml(tmp_path: Path) -> None:
    assert error_of(tmp_path, "sections: [\n  - a\n") == (
        "CFG: malformed YAML at line 2, column 3: expected the node content, but found '-'")


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    assert error_of(tmp_path, "- a\n- b\n") == (
        "CFG: the top level must be a mapping of keys, got list")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yaml")
    assert str(info.value) == f"config file not found: {tmp_path / 'nope.yaml'}"


def test_two_errors_are_both_reported(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "language: fr\noutput:\n  pdff: 1\n")
    assert msg.splitlines() == [
        "CFG: output.pdff: unknown key (allowed keys: chart_dpi, dir, excel, pdf, pdf_timeout_s)",
        "CFG: language: got 'fr', allowed values: 'zh' or 'en'",
    ]
