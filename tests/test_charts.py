"""Charts: Chinese glyphs render; a missing glyph or font is an error, not a warning."""

from __future__ import annotations

import pytest

from fundflow.charts.bars import paired_bars, signed_bars
from fundflow.charts.save import render_png
from fundflow.charts.style import ChartStyle
from fundflow.errors import RenderError

STYLE = ChartStyle(dpi=60)


def test_chinese_labels_render_without_missing_glyphs() -> None:
    png = render_png(lambda: signed_bars(["上证指数", "创业板指", "科创50"], [1.1, -0.6, 0.01],
                                         STYLE, ylabel="周涨跌幅"), STYLE, name="t")
    assert png.startswith(b"\x89PNG")
    png = render_png(lambda: paired_bars(["沪深300"], [3000.0], [3500.0], STYLE,
                                         current_label="本周", previous_label="上周"),
                     STYLE, name="t2")
    assert len(png) > 1000


def test_missing_glyph_is_an_error() -> None:
    # U+1F4C8 (chart emoji) is in no font the report uses
    with pytest.raises(RenderError, match=r"chart bad: Glyph .* missing from font"):
        render_png(lambda: signed_bars(["\U0001F4C8"], [1.0], STYLE), STYLE, name="bad")


def test_missing_font_is_an_error() -> None:
    style = ChartStyle(font_family="No Such Font SC")
    with pytest.raises(RenderError, match=r"chart font 'No Such Font SC' is not installed"):
        render_png(lambda: signed_bars(["a"], [1.0], style), style, name="x")


def test_sign_colours_follow_a_share_convention() -> None:
    assert STYLE.sign_color(1.0) == STYLE.up_color == "#d7262b"
    assert STYLE.sign_color(-1.0) == STYLE.down_color == "#1a9641"
    assert STYLE.sign_color(0.0) == STYLE.neutral_color
