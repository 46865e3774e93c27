"""Template errors at render time (issue 19): a sandbox violation, an undefined name or a
filter's type error in a template override is one line naming the override file and its line,
not a traceback and not the including template (report.html.j2)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from fundflow.build import BuildRequest, build
from fundflow.config import load_config
from fundflow.data.sample import load_sample
from fundflow.data.store import Store
from fundflow.errors import RenderError
from tests.clirunner import run_cli

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc)
COVER = '<section class="cover">\n<h1>{{ meta.title }}</h1>\n<p>{0}</p>\n</section>\n'


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("tplerr")
    with Store(tmp / "store.duckdb") as st:
        load_sample(st, ROOT / "seeds" / "sample", fetched_at=NOW,
                    datasets=["trade_days", "sw_industry_daily"])
    (tmp / "overrides").mkdir()
    (tmp / "config.yaml").write_text(f"""
data: {{store: {tmp}/store.duckdb, seeds_dir: {ROOT}/seeds}}
output: {{dir: {tmp}/reports, excel: false, pdf: false, chart_dpi: 72}}
templates_dir: overrides
sections:
  - section: sw_industries
""", encoding="utf-8")
    return tmp


@pytest.mark.parametrize(("body", "message"), [
    ('{{ "".__class__ }}', "access to attribute '__class__' of 'str' object is unsafe."),
    ("{{ no_such_name }}", "'no_such_name' is undefined"),
    ('{{ "abc"|pct }}', "ValueError: could not convert string to float: 'abc'"),
])
def test_render_error_names_the_override_file_and_line(project: Path, body: str,
                                                       message: str) -> None:
    (project / "overrides" / "cover.html.j2").write_text(COVER.format(body), encoding="utf-8")
    with pytest.raises(RenderError) as info:
        build(load_config(project / "config.yaml"),
              BuildRequest(week=date(2025, 11, 7), source="store"), now=NOW)
    assert str(info.value) == (f"template {project}/overrides/cover.html.j2, line 3: "
                               f"{message}")


def test_cli_prints_one_line_for_a_sandbox_violation(project: Path) -> None:
    (project / "overrides" / "cover.html.j2").write_text(
        COVER.format('{{ "".__class__.__mro__ }}'), encoding="utf-8")
    r = run_cli("build", "--config", str(project / "config.yaml"), "--week", "2025-11-07")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1] == (
        f"fundflow: error: template {project}/overrides/cover.html.j2, line 3: access to "
        f"attribute '__class__' of 'str' object is unsafe.")
    assert "Traceback" not in r.stderr and "SecurityError" not in r.stderr
