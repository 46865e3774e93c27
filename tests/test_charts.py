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


def test_png_is_rgb_with_exactly_the_pixels_matplotlib_draws() -> None:
    """Charts are written as RGB PNGs (WeasyPrint re-encodes an RGBA image as colour plus an
    alpha mask at every PDF render): the colours are matplotlib's own PNG's, pixel for pixel,
    and the size is matplotlib's at the style's dpi."""
    import io

    import numpy as np
    from PIL import Image

    style = ChartStyle(dpi=77)   # 77 dpi: a size that does not divide evenly
    make = lambda: signed_bars(["上证指数", "创业板指"], [1.1, -0.6], style)  # noqa: E731
    png = render_png(make, style, name="t")
    ours = Image.open(io.BytesIO(png))
    assert ours.mode == "RGB" and not {"Software", "Title"} & set(ours.info)
    from matplotlib import rc_context

    with rc_context(style.rc()):  # type: ignore[arg-type]
        buf = io.BytesIO()
        make().savefig(buf, format="png", dpi=style.dpi)
    theirs = Image.open(buf)
    assert theirs.mode == "RGBA" and theirs.getchannel("A").getextrema() == (255, 255)
    assert ours.size == theirs.size
    assert np.array_equal(np.asarray(ours), np.asarray(theirs.convert("RGB")))
    assert render_png(make, style, name="t") == png      # the same bytes every time


def test_a_translucent_figure_is_composited_onto_white() -> None:
    import io

    import numpy as np
    from PIL import Image

    def clear() -> object:
        fig = signed_bars(["沪深300"], [1.0], STYLE)
        fig.patch.set_facecolor((1.0, 0.0, 0.0, 0.5))    # red, half transparent
        for ax in fig.axes:
            ax.patch.set_facecolor((1.0, 0.0, 0.0, 0.0))
        return fig

    img = np.asarray(Image.open(io.BytesIO(render_png(clear, STYLE, name="clear"))))
    assert img.shape[2] == 3
    red, green, blue = (int(v) for v in img[0, 0])   # a corner: half red over a white page
    assert red == 255 and 120 <= green == blue <= 135
