"""The build's stages run alone on the bundled sample: plan, load, compute, render (issue 19).
No timing thresholds: only that each stage records its steps."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from fundflow.build import (
    BuildPlan, BuildRequest, Charted, Computed, Loaded, StageEnv, compute_stage, load_stage,
    number_exhibits, plan_stage, render_stage,
)
from fundflow.config import Config, load_config
from fundflow.progress import Progress
from fundflow.sections.base import TableExhibit

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc)  # Saturday 10:00 in Shanghai


class _Recorder(Progress):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def stage(self, name: str, detail: str = "") -> None:
        self.seen.append((name, detail))


def _env(tmp: Path, week: date | None = date(2025, 11, 5)) -> StageEnv:
    cfg = load_config(ROOT / "config.yaml")
    cfg = cfg.model_copy(update={"data": cfg.data.model_copy(
        update={"sample_store": tmp / "sample.duckdb"})})
    return StageEnv(cfg, BuildRequest(week=week, source="sample", out_dir=tmp / "reports"), NOW,
                    _Recorder())


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> tuple[StageEnv, BuildPlan, Loaded]:
    sx = _env(tmp_path_factory.mktemp("stages"))
    plan = plan_stage(sx)
    return sx, plan, load_stage(sx, plan)


def test_plan_stage_lists_the_configured_sections(tmp_path: Path) -> None:
    sx = _env(tmp_path)
    plan = plan_stage(sx)
    enabled = [e.key for e in sx.cfg.sections if e.enabled]
    assert [p.key for p in plan.sections] == enabled
    assert list(plan.datasets) == sorted({d for p in plan.sections for d in p.spec.datasets})
    assert set(sx.timings) == {"plan"}
    assert not (tmp_path / "sample.duckdb").exists(), "the plan stage reads no data"


def test_load_stage_reads_the_week(staged: tuple[StageEnv, BuildPlan, Loaded]) -> None:
    sx, plan, loaded = staged
    assert loaded.week.label == "2025-11-07"
    assert loaded.prev.label == "2025-10-31"
    assert set(loaded.frames) == set(plan.datasets) == set(loaded.coverage)
    assert loaded.coverage["index_daily"].rows > 0
    assert {"load_sample", "read"} <= set(sx.timings)
    assert [n for n, _d in sx.progress.seen] == ["load", "read"]  # type: ignore[attr-defined]


def test_compute_stage_gives_contexts(staged: tuple[StageEnv, BuildPlan, Loaded]) -> None:
    sx, plan, loaded = staged
    computed = compute_stage(sx, plan, loaded)
    assert isinstance(computed, Computed)
    assert [c.planned.key for c in computed.sections] == [p.key for p in plan.sections]
    ok = [c for c in computed.sections if c.error is None]
    assert ok and all(c.ctx is not None and c.summary for c in ok)
    assert computed.core_views and computed.is_sample
    assert {"quality", "compute"} <= set(sx.timings)
    assert all(v >= 0 for v in sx.timings.values())
    # each section passes its kill point ("compute:<id>") as it starts
    details = [d for n, d in sx.progress.seen if n == "compute"]  # type: ignore[attr-defined]
    assert details == [p.key for p in plan.sections]


def test_render_stage_on_any_charts_result(
        staged: tuple[StageEnv, BuildPlan, Loaded]) -> None:
    """Render takes the charts stage's result as given: here placeholder images, none drawn."""
    sx, plan, loaded = staged
    computed = compute_stage(sx, plan, loaded)
    numbered = number_exhibits(computed.sections)
    fake = {n.number: f"png {n.name}".encode() for n in numbered
            if not isinstance(n.exhibit, TableExhibit)}
    rendered = render_stage(sx, plan, loaded, computed, Charted(numbered, fake))
    assert "<html" in rendered.html and f'id="exhibit-{len(numbered)}"' in rendered.html
    assert list(rendered.exhibits) == [n.number for n in numbered]
    charts = [v for v in rendered.exhibits.values() if v["kind"] == "chart"]
    assert len(charts) == len(fake) and charts[0]["file"].startswith("charts/")
    assert "html" in sx.timings


def test_build_refuses_a_naive_clock(tmp_path: Path) -> None:
    from fundflow.build import build

    sx = _env(tmp_path)
    with pytest.raises(ValueError, match="timezone-aware"):
        build(sx.cfg, sx.req, now=datetime(2025, 11, 8, 10, 0))


def test_stage_env_defaults() -> None:
    cfg: Config = load_config(ROOT / "config.yaml")
    sx = StageEnv(cfg, BuildRequest(), NOW)
    with sx.timed("x"):
        pass
    assert list(sx.timings) == ["x"] and sx.lang == "zh"
