"""Chart cache and parallel rendering: reuse only what did not change, same bytes on any path."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from fundflow.charts.bars import signed_bars
from fundflow.charts.cache import ChartCache, chart_key
from fundflow.charts.parallel import ChartJob, RenderStats, render_many
from fundflow.charts.style import ChartStyle
from fundflow.errors import RenderError
from tests.shared import seeded_sample_store

STYLE = ChartStyle(dpi=50)
ROOT = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.usefixtures("private_build_cache")


@dataclass(frozen=True)
class Ctx:
    """Stands in for a section's frozen context captured by a closure."""
    names: tuple[str, ...]
    values: tuple[float, ...]
    ylabel: str


class Counter:
    def __init__(self) -> None:
        self.calls = 0


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts charts drawn in this process (serial path)."""
    import fundflow.charts.parallel as par

    counter = Counter()
    real = par.render_png

    def counting(make, style, *, name):  # type: ignore[no-untyped-def]
        counter.calls += 1
        return real(make, style, name=name)

    monkeypatch.setattr(par, "render_png", counting)
    return counter


def job(names: list[str], values: list[float], *,
        ylabel: str = "周涨跌幅", title: str = "周涨跌幅", name: str = "sec.chart") -> ChartJob:
    data = pd.DataFrame({"name": names, "return_pct": values})
    ctx = Ctx(tuple(names), tuple(values), ylabel)

    def make():  # type: ignore[no-untyped-def]
        return signed_bars(list(ctx.names), list(ctx.values), STYLE, ylabel=ctx.ylabel)

    return ChartJob(name=name, make=make, title=title, data=data)


def render(jobs: list[ChartJob], cache: ChartCache | None, *, style: ChartStyle = STYLE,
           workers: int = 1) -> tuple[list[bytes], RenderStats]:
    stats = RenderStats()
    return render_many(jobs, style, cache=cache, workers=workers, stats=stats), stats


def test_same_data_is_reused_without_drawing(tmp_path: Path, drawn: Counter) -> None:
    cache = ChartCache(tmp_path)
    first, s1 = render([job(["沪深300", "中证500"], [1.2, -0.4])], cache)
    assert (s1.cached, s1.rendered, drawn.calls) == (0, 1, 1)
    # a new closure over equal values (as a rebuild makes) hits the cache
    again, s2 = render([job(["沪深300", "中证500"], [1.2, -0.4])], cache)
    assert (s2.cached, s2.rendered, drawn.calls) == (1, 0, 1)
    assert again == first
    assert len(list(tmp_path.glob("*/*.png"))) == 1
    assert not list(tmp_path.glob("*/.tmp-*")), "temporary files are renamed into place"


@pytest.mark.parametrize("change", ["data", "captured", "title", "style", "dpi"])
def test_a_change_is_redrawn(tmp_path: Path, change: str) -> None:
    cache = ChartCache(tmp_path)
    base, _ = render([job(["沪深300", "中证500"], [1.2, -0.4])], cache)
    style = STYLE
    if change == "data":
        j = job(["沪深300", "中证500"], [1.2, -0.5])
    elif change == "captured":
        # the closure captures a different label while the exported data frame is the same
        j = job(["沪深300", "中证500"], [1.2, -0.4], ylabel="周收益率")
    elif change == "title":
        j = job(["沪深300", "中证500"], [1.2, -0.4], title="另一个标题")
    elif change == "style":
        style = ChartStyle(dpi=50, up_color="#ff0000")
        j = job(["沪深300", "中证500"], [1.2, -0.4])
    else:
        style = ChartStyle(dpi=60)
        j = job(["沪深300", "中证500"], [1.2, -0.4])
    out, stats = render([j], cache, style=style)
    assert (stats.cached, stats.rendered) == (0, 1)
    if change in ("data", "captured", "dpi"):
        assert out != base


def test_changed_chart_function_changes_the_key() -> None:
    data = pd.DataFrame({"x": [1.0]})
    k1 = chart_key(lambda: signed_bars(["a"], [1.0], STYLE), STYLE, name="n", title="t",
                   data=data)
    k2 = chart_key(lambda: signed_bars(["a"], [1.0], STYLE, horizontal=True), STYLE, name="n",
                   title="t", data=data)
    k3 = chart_key(lambda: signed_bars(["a"], [1.0], STYLE), STYLE, name="n", title="t",
                   data=data)
    assert k1 is not None and k2 is not None
    assert k1 != k2 and k1 == k3


def test_missing_glyph_still_raises_and_nothing_is_cached(tmp_path: Path) -> None:
    cache = ChartCache(tmp_path)
    bad = job(["\U0001F4C8"], [1.0], name="sec.bad")
    for workers in (1, 2):
        with pytest.raises(RenderError, match=r"chart sec\.bad: Glyph .* missing from font"):
            render([job(["沪深300"], [1.0]), bad], cache, workers=workers)
    assert not any(p.name.endswith(".png") and p.stat().st_size == 0
                   for p in tmp_path.rglob("*"))
    with pytest.raises(RenderError, match="missing from font"):
        render([bad], cache)  # not served from the cache either


def test_a_failing_chart_function_is_a_render_error_naming_it() -> None:
    def broken():  # type: ignore[no-untyped-def]
        raise ValueError("no rows")

    for workers in (1, 2):
        with pytest.raises(RenderError, match=r"chart sec\.broken: ValueError: no rows"):
            render([job(["a"], [1.0]), ChartJob("sec.broken", broken)], None, workers=workers)


def test_parallel_gives_the_same_bytes_as_serial() -> None:
    jobs = [job(["沪深300", "中证500", "创业板指"][: 1 + i % 3], [1.0 * i, -0.5, 0.25][: 1 + i % 3],
                name=f"sec.c{i}") for i in range(6)]
    serial, s1 = render(jobs, None, workers=1)
    parallel, s2 = render(jobs, None, workers=2)
    assert (s1.workers, s2.workers) == (1, 2)
    assert parallel == serial
    assert len(set(serial)) == 6


def test_uncacheable_closure_is_drawn_every_time(tmp_path: Path, drawn: Counter) -> None:
    cache = ChartCache(tmp_path)
    lock = threading.Lock()  # nothing the fingerprint can read reliably

    def make():  # type: ignore[no-untyped-def]
        with lock:
            return signed_bars(["a"], [1.0], STYLE)

    for _ in range(2):
        _, stats = render([ChartJob("sec.lock", make)], cache)
        assert (stats.uncacheable, stats.rendered) == (1, 1)
    assert drawn.calls == 2
    assert not list(tmp_path.glob("*/*.png"))


def test_damaged_cache_file_is_ignored(tmp_path: Path) -> None:
    cache = ChartCache(tmp_path)
    j = job(["沪深300"], [1.0])
    good, _ = render([j], cache)
    (png,) = tmp_path.glob("*/*.png")
    png.write_bytes(good[0][: len(good[0]) // 2])  # e.g. a full disk cut the write short
    again, stats = render([job(["沪深300"], [1.0])], cache)
    assert stats.rendered == 1 and again == good


def test_prune_removes_unused_files(tmp_path: Path) -> None:
    cache = ChartCache(tmp_path, max_age_days=1)
    render([job(["沪深300"], [1.0])], cache)
    assert cache.prune() == 0
    assert cache.prune(now=datetime.now().timestamp() + 2 * 86400) == 1
    assert not list(tmp_path.glob("*/*.png"))


def test_rebuild_reuses_every_chart(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import yaml

    from fundflow.build import BuildRequest, build
    from fundflow.config import load_config

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    cfg["data"] = {"store": str(tmp_path / "s.duckdb"), "sample_store": str(seeded_sample_store(tmp_path / "x.duckdb")),
                   "sample_dir": str(ROOT / "seeds" / "sample"), "seeds_dir": str(ROOT / "seeds")}
    cfg["output"] = {"dir": str(tmp_path / "reports"), "pdf": False, "excel": False,
                     "chart_dpi": 72}
    cfg["sections"] = [s for s in cfg["sections"] if s["section"] == "broad_indices"]
    cfg.pop("alerts", None)  # they name other sections
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    conf = load_config(path)
    now = datetime(2025, 11, 8, 12, tzinfo=timezone.utc)
    req = BuildRequest(week=date(2025, 11, 7), source="sample")
    with caplog.at_level(logging.INFO, logger="fundflow.build"):
        first = build(conf, req, now=now)
        charts1 = {p.name: p.read_bytes() for p in (first.folder / "charts").iterdir()}
        caplog.clear()
        second = build(conf, req, now=now)
    assert charts1 and len(charts1) == len(list((tmp_path / "reports" / ".cache" / "charts")
                                               .glob("*/*.png")))
    assert f"charts: {len(charts1)} ({len(charts1)} from cache, 0 drawn" in caplog.text
    assert {p.name: p.read_bytes() for p in (second.folder / "charts").iterdir()} == charts1
