"""Template fragments: exhibits render with numbers, source lines, escaping and sign colours."""

from __future__ import annotations

import traceback
from datetime import date
from pathlib import Path

import jinja2
import pytest

from fundflow.errors import RenderError
from fundflow.render.env import make_env, render_template
from fundflow.render.labels import labels
from fundflow.sections.base import TableColumn

T = labels("zh")


def table_view(rows: list[dict[str, object]]) -> dict[str, object]:
    return {
        "kind": "table", "number": 7, "anchor": "exhibit-7", "title": "测试<表>",
        "source": "东方财富", "as_of": date(2025, 11, 7), "note": "",
        "columns": (TableColumn("name", "名称", "text", align="left"),
                    TableColumn("r", "周涨跌幅", "pct_signed", colored=True),
                    TableColumn("amt", "成交额（亿元）", "yi")),
        "rows": tuple(rows),
    }


def render_exhibit(view: dict[str, object]) -> str:
    env = make_env()
    tpl = env.from_string('{% import "macros.html.j2" as m %}{{ m.exhibit(ex, t) }}')
    return tpl.render(ex=view, t=T)


def test_table_exhibit_fragment() -> None:
    html = render_exhibit(table_view([{"name": "电子", "r": -1.234, "amt": 2.5e11},
                                      {"name": "煤炭", "r": 3.55, "amt": None}]))
    assert '<span class="ex-no">图表 7</span>：测试&lt;表&gt;' in html
    assert '<td class="right down">-1.23%</td>' in html
    assert '<td class="right up">+3.55%</td>' in html
    assert '<td class="right">2,500.0</td>' in html
    assert '<td class="right"></td>' in html            # missing value: empty cell
    assert '<p class="ex-source">数据来源：东方财富，截至 2025-11-07</p>' in html


def test_data_is_escaped() -> None:
    html = render_exhibit(table_view([{"name": "<script>alert(1)</script>{{ 7*7 }}", "r": 0.0,
                                       "amt": 1e8}]))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in html
    assert '<td class="right flat">+0.00%</td>' in html


def test_missing_field_fails_loudly() -> None:
    view = table_view([])
    del view["source"]
    with pytest.raises(Exception, match="source"):
        render_exhibit(view)


def test_user_template_dir_is_searched_first(tmp_path: Path) -> None:
    (tmp_path / "macros.html.j2").write_text(
        '{% macro exhibit(ex, t) %}CUSTOM {{ ex.number }}{% endmacro %}', encoding="utf-8")
    env = make_env(tmp_path)
    out = env.from_string('{% import "macros.html.j2" as m %}{{ m.exhibit(ex, t) }}').render(
        ex={"number": 3}, t=T)
    assert out == "CUSTOM 3"


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "broken.html.j2").write_text("ok\n{% if %}\n", encoding="utf-8")
    with pytest.raises(RenderError) as info:
        render_template(make_env(tmp_path), "broken.html.j2")
    assert str(info.value).startswith(f"template {tmp_path / 'broken.html.j2'}, line 2: ")


def test_compiled_templates_are_reused_but_never_stale(tmp_path: Path) -> None:
    """make_env shares compiled templates within the process; an override edited between two
    builds is compiled again (its source checksum changed), and a fault in it is still reported
    at its own line."""
    from fundflow.render.env import _BYTECODE, make_env

    t = tmp_path / "note.html.j2"
    t.write_text("first {{ 1 + 1 }}\n", encoding="utf-8")
    assert make_env(tmp_path).get_template("note.html.j2").render() == "first 2\n"
    cached = len(_BYTECODE._store)
    assert make_env(tmp_path).get_template("note.html.j2").render() == "first 2\n"
    assert len(_BYTECODE._store) == cached            # the second environment reused it
    t.write_text("second\n{{ missing.attr }}\n", encoding="utf-8")
    env = make_env(tmp_path)
    with pytest.raises(jinja2.UndefinedError) as info:
        env.get_template("note.html.j2").render()
    frames = [f for f in traceback.extract_tb(info.value.__traceback__)
              if f.filename == str(t)]
    assert frames and frames[-1].lineno == 2
