"""A new section needs no template of its own (issue 19): a section registered without one is
rendered by ``sections/_default.html.j2`` -- its opening text, then every exhibit it lists, charts
and tables with their titles, notes and source lines -- and every exhibit of the report is
numbered in page order. The params reach ``exhibits`` and ``facts`` through ``SectionEnv``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from pydantic import Field

from fundflow.build import BuildRequest, build
from fundflow.charts.bars import signed_bars
from fundflow.plan import load_config
from fundflow.data.sample import load_sample
from fundflow.data.store import Store
from fundflow.sections import registry
from fundflow.sections.base import (
    ChartExhibit, Exhibit, Params, SectionEnv, SectionInput, SectionSpec, TableColumn,
    TableExhibit, run_exhibits,
)

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc)
DATASET = "sw_industry_daily"


class DemoParams(Params):
    top_n: int = Field(default=2, ge=1)


@dataclass(frozen=True)
class DemoContext:
    closes: pd.DataFrame     # industry_code, close: the last close of the week, highest first
    as_of: date


def compute(inp: SectionInput[DemoParams]) -> DemoContext:
    f = inp.frames[DATASET]
    last = f[f["trade_date"] <= pd.Timestamp(inp.week.end)].sort_values("trade_date")
    closes = (last.groupby("industry_code", as_index=False)["close"].last()
              .sort_values(["close", "industry_code"], ascending=[False, True]))
    return DemoContext(closes.reset_index(drop=True), inp.week.end)


def _demo_table(ctx: DemoContext, env: SectionEnv[DemoParams]) -> Exhibit:
    top = ctx.closes.head(env.params.top_n)
    return TableExhibit(
        key="demo_table", title=env.t(f"收盘最高的{env.params.top_n}个行业", "Highest closes"),
        columns=(TableColumn("code", "code", align="left"), TableColumn("close", "close", "num2")),
        rows=tuple({"code": r.industry_code, "close": r.close} for r in top.itertuples()),
        source=env.source_of(DATASET), as_of=ctx.as_of, data=top, note="demo note")


def _demo_chart(ctx: DemoContext, env: SectionEnv[DemoParams]) -> Exhibit:
    top = ctx.closes.head(env.params.top_n)
    return ChartExhibit(
        key="demo_chart", title="demo chart",
        make=lambda: signed_bars(list(top["industry_code"]), list(top["close"]), env.style),
        source=env.source_of(DATASET), as_of=ctx.as_of, data=top)


def _demo_nothing(ctx: DemoContext, env: SectionEnv[DemoParams]) -> Exhibit | None:
    return None   # an exhibit left out this week takes no number


EXHIBITS = (_demo_table, _demo_nothing, _demo_chart)


def exhibits(ctx: DemoContext, env: SectionEnv[DemoParams]) -> list[Exhibit]:
    return run_exhibits(EXHIBITS, ctx, env)


DEMO = SectionSpec(
    name="demo_closes", part="assets", title_zh="演示栏目", title_en="Demo",
    params_model=DemoParams, datasets=(DATASET,), compute=compute, exhibits=exhibits,
    summary=lambda ctx, env: [f"演示：前{env.params.top_n}个行业。"])


@pytest.fixture()
def demo_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry._REGISTRY, DEMO.name, DEMO)  # removed again after the test


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("default_section")
    with Store(tmp / "store.duckdb") as st:
        load_sample(st, ROOT / "seeds" / "sample", fetched_at=NOW,
                    datasets=["trade_days", DATASET])
    (tmp / "config.yaml").write_text(f"""
data: {{store: {tmp}/store.duckdb, seeds_dir: {ROOT}/seeds}}
output: {{dir: {tmp}/reports, excel: false, pdf: false, chart_dpi: 72}}
sections:
  - section: sw_industries
    id: before
  - section: demo_closes
    params: {{top_n: 3}}
  - section: sw_industries
    id: after
""", encoding="utf-8")
    return tmp


def test_a_section_without_a_template_shows_its_exhibits_numbered_in_page_order(
        project: Path, demo_registered: None) -> None:
    res = build(load_config(project / "config.yaml"),
                BuildRequest(week=date(2025, 11, 7), source="store"), now=NOW)
    html = res.html.read_text(encoding="utf-8")
    main = html[html.index("<main>"):]
    section = main[main.index('id="section-demo_closes"'):main.index('id="section-after"')]
    assert "演示：前3个行业。" in section                 # the opening text (params via env)
    titles = re.findall(r'<span class="ex-no">图表 (\d+)</span>：([^<]*)', section)
    assert [t for _n, t in titles] == ["收盘最高的3个行业", "demo chart"]
    assert section.count("<tr>") == 1 + 3 and "demo note" in section   # header, 3 rows, note
    assert section.count('class="ex-source"') == 2 and "<img src=\"data:image/png" in section
    # every exhibit of the report, in page order, is numbered 1, 2, 3, ...
    numbers = [int(n) for n in re.findall(r'<span class="ex-no">图表 (\d+)</span>', main)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 2
    demo = [e for e in res.manifest["exhibits"] if e["section"] == "demo_closes"]
    assert [e["key"] for e in demo] == ["demo_table", "demo_chart"]
    assert [int(n) for n, _t in titles] == [e["number"] for e in demo]


def test_every_section_lists_its_exhibit_builders_named_after_their_keys() -> None:
    """A section's exhibits are builders in its EXHIBITS list, each named ``_<key>``, so a new
    exhibit is one function and one line, and the list order is the page order."""
    import importlib
    import inspect

    from fundflow.sections import builtin  # noqa: F401  (registers every built-in section)

    for spec in registry.all_specs():
        module = importlib.import_module(spec.exhibits.__module__)
        builders = module.EXHIBITS
        assert builders, spec.name
        for build in builders:
            keys = re.findall(r'\bkey="(\w+)"', inspect.getsource(build))
            assert keys == [build.__name__.lstrip("_")], (spec.name, build.__name__, keys)
