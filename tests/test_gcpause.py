"""The cyclic garbage collector is paused while WeasyPrint lays out and writes the PDF and while
matplotlib draws a chart (fundflow.gcpause: each full collection there walked every live layout
box or artist to free almost nothing), and is back as it was afterwards, also after an error."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fundflow.charts.bars import signed_bars
from fundflow.charts.save import render_png
from fundflow.charts.style import ChartStyle
from fundflow.errors import RenderError
from fundflow.gcpause import cyclic_gc_paused
from fundflow.render.pdf import html_to_pdf, import_weasyprint

HTML = """<!doctype html><html><head><meta charset="utf-8"><style>
@page { size: A4; margin: 20mm } body { font-family: 'Noto Sans CJK SC' }</style></head>
<body>BODY</body></html>"""
STYLE = ChartStyle(dpi=60)


@contextmanager
def collections_inside(package: str) -> Iterator[list[int]]:
    """The generations of the collections that start while code of ``package`` is on the
    stack, with the collector set to run every 50 new container objects (so hundreds would
    run inside a render that is not paused)."""
    inside: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        frame = sys._getframe(1)  # noqa: SLF001 - the code whose allocation set it off
        while phase == "start" and frame is not None:
            if f"/{package}/" in frame.f_code.co_filename:
                inside.append(info["generation"])
                return
            frame = frame.f_back

    threshold = gc.get_threshold()
    gc.callbacks.append(seen)
    gc.set_threshold(50)
    try:
        yield inside
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(seen)


@pytest.mark.parametrize("fails", [False, True])
def test_no_collection_runs_inside_weasyprint(tmp_path: Path, fails: bool) -> None:
    import_weasyprint()   # imported before counting: the render is what is checked

    body = "<p>资金流向周报 weekly fund flows</p>" * 300
    out = tmp_path / ("no-such-dir" if fails else "") / "x.pdf"
    with collections_inside("weasyprint") as inside:
        if fails:
            with pytest.raises(RenderError, match="PDF rendering failed"):
                html_to_pdf(HTML.replace("BODY", body), out, base_dir=tmp_path)
        else:
            assert html_to_pdf(HTML.replace("BODY", body), out, base_dir=tmp_path) > 1
    assert inside == [] and gc.isenabled()


@pytest.mark.parametrize("fails", [False, True])
def test_no_collection_runs_inside_matplotlib(fails: bool) -> None:
    from fundflow.charts import mpl

    mpl.load()
    labels = ["\U0001F4C8"] if fails else [f"行业{i}" for i in range(60)]
    with collections_inside("matplotlib") as inside:
        if fails:   # a glyph no font has: an error raised after the figure was drawn
            with pytest.raises(RenderError, match="missing from font"):
                render_png(lambda: signed_bars(labels, [1.0], STYLE), STYLE, name="bad")
        else:
            png = render_png(lambda: signed_bars(labels, [float(i - 30) for i in range(60)],
                                                 STYLE), STYLE, name="t")
            assert png.startswith(b"\x89PNG")
    assert inside == [] and gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(ValueError), cyclic_gc_paused():
        raise ValueError("inside")
    assert gc.isenabled()
