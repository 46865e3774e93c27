"""Shared test settings."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests import shared
from tests.shared import seeded_sample_store

if TYPE_CHECKING:
    from fundflow.build import BuildResult

# fundflow.build's CACHE_DIR_ENV, spelled out: importing fundflow here (pandas, DuckDB; ~0.6 s)
# would make xdist's controller process, which runs no test, import it too while the workers
# start (tests/test_build_speed.py checks the two agree)
CACHE_DIR_ENV = "FUNDFLOW_BUILD_CACHE_DIR"


# The modules that take longest (seconds of one run, measured with --durations=0), longest first.
# xdist (--dist loadfile, --no-loadscope-reorder in pyproject.toml) hands whole modules to the
# workers in collection order; starting with the long ones lets both workers finish together
# instead of one running a long module alone at the end (its own reordering is by the number of
# tests, which put the single 9 s wheel test last). Only the order changes: a module not listed
# runs after these, in its usual order.
LONGEST_FIRST = (
    "test_faults.py", "test_build_speed.py", "test_collect.py", "test_delivery.py",
    "test_e2e_sample.py", "test_customise.py", "test_sample_data.py", "test_perf_equivalence.py",
    "test_cli.py", "test_fallbacks.py", "test_wheel.py", "test_section2_temperature.py",
    "test_clirunner.py", "test_security.py", "test_terminal.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))   # stable


@pytest.fixture(scope="session", autouse=True)
def _test_process_defaults() -> Iterator[None]:
    """Set for the whole session, so module- and session-scoped fixtures that build get them
    too (a function-scoped setting arrives after those have run):

    * ``FUNDFLOW_CHART_WORKERS=1``: in-process builds draw their charts in the pytest process.
      Forking the long-lived test process (DuckDB objects awaiting garbage collection) has
      crashed a chart worker once; the build survives that (the remaining charts are drawn
      in-process), but tests should not depend on it. Forked rendering is tested directly in
      test_chart_cache.py (explicit ``workers``), and command-line builds keep the default
      workers (tests/test_faults.py's ``cli`` drops the variable).
    * ``FUNDFLOW_PDF_PROCESS=off``: builds render their PDF in their own process. A PDF child
      is a fresh interpreter that imports WeasyPrint (~1.5 s of CPU a build), while a test
      worker, and the preloaded process that command-line runs fork from
      (tests/_cli_zygote.py), import it once. Tests marked ``pdf_process`` get the product's
      PDF child (``_pdf_process_marker``)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("FUNDFLOW_CHART_WORKERS", "1")
    mp.setenv("FUNDFLOW_PDF_PROCESS", "off")
    yield
    mp.undo()


@pytest.fixture(autouse=True)
def _pdf_process_marker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests marked ``pdf_process`` render PDFs in a child process, as the product does: the
    PDF process tests in test_build_speed.py, the kill tests at the PDF stages and the
    command-line build of test_cli.py."""
    if request.node.get_closest_marker("pdf_process") is not None:
        monkeypatch.delenv("FUNDFLOW_PDF_PROCESS", raising=False)


@pytest.fixture(scope="session", autouse=True)
def _one_build_cache_for_the_session(_shared_folder: None) -> Iterator[None]:
    """Every build of the suite, on every xdist worker and in CLI subprocesses, shares one chart
    and compute cache (FUNDFLOW_BUILD_CACHE_DIR): entries are keyed by every input, so a chart
    drawn for the sample week by one test is reused by the next instead of drawn again. The modules
    that test the caches themselves (test_chart_cache, test_build_speed) turn this off."""
    mp = pytest.MonkeyPatch()
    assert shared.run_root is not None
    mp.setenv(CACHE_DIR_ENV, str(shared.run_root / "build-cache"))
    yield
    mp.undo()


@pytest.fixture()
def private_build_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Caches under each build's own output folder (the product default)."""
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this run shares (the base temp folder without xdist):
    under xdist each worker's base is <run>/popen-gwN."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def _shared_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    shared.run_root = _run_root(tmp_path_factory)


@pytest.fixture(scope="session", autouse=True)
def _start_the_shared_report(request: pytest.FixtureRequest, _shared_folder: None,
                             _test_process_defaults: None) -> None:
    """When this worker will run a test that reads the shared sample report and no other
    worker is building it, build it first: the tests that read it then find it made instead of
    idling while another worker builds it. Workers starting together race for the lock
    without waiting, so exactly one of them builds and the others go on with their tests."""
    if any("sample_report" in getattr(item, "fixturenames", ())
           for item in request.session.items):
        shared.locked_once("sample-report", _make_sample_report, wait=False)


@pytest.fixture(scope="session")
def sample_report(_shared_folder: None, _test_process_defaults: None) -> BuildResult:
    """The bundled sample week (2025-11-03..07) built once per test run with the shipped
    config.yaml, in Chinese, PDF and workbook included, for the tests that only read a report.

    Built by the first worker that asks (``shared.locked_once``); the others wait and load its
    result. Tests must not write into its folder: a test that changes a report builds its own."""
    folder = shared.locked_once("sample-report", _make_sample_report)
    assert folder is not None
    result: BuildResult = pickle.loads((folder / "result.pickle").read_bytes())
    return result


def _make_sample_report(folder: Path) -> None:
    res = _build_sample(folder)
    (folder / "result.pickle").write_bytes(pickle.dumps(res))


def _build_sample(root: Path) -> BuildResult:
    from fundflow.build import BuildRequest, build
    from fundflow.config import load_config

    cfg = load_config(Path(__file__).resolve().parents[1] / "config.yaml")
    cfg = cfg.model_copy(update={"data": cfg.data.model_copy(
        update={"sample_store": seeded_sample_store(root / "sample.duckdb")})})
    return build(cfg, BuildRequest(week=date(2025, 11, 5), source="sample", lang="zh",
                                   out_dir=root / "reports"), now=shared.SAMPLE_NOW)
