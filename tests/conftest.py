"""Shared test settings."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from fundflow.build import CACHE_DIR_ENV


@pytest.fixture(autouse=True)
def _serial_charts_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process builds draw their charts in the pytest process: forking the long-lived test
    process (DuckDB objects awaiting garbage collection) has crashed a chart worker once. The
    build survives that (the remaining charts are drawn in-process), but tests should not
    depend on it. Forked rendering is tested directly in test_chart_cache.py (explicit
    ``workers``), and command-line builds in subprocesses keep the default workers."""
    monkeypatch.setenv("FUNDFLOW_CHART_WORKERS", "1")


@pytest.fixture(scope="session", autouse=True)
def _one_build_cache_for_the_session(
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every build of the suite, on every xdist worker and in CLI subprocesses, shares one chart
    and compute cache (FUNDFLOW_BUILD_CACHE_DIR): entries are keyed by every input, so a chart
    drawn for the sample week by one test is reused by the next instead of drawn again. The modules
    that test the caches themselves (test_chart_cache, test_build_speed) turn this off."""
    base = tmp_path_factory.getbasetemp()
    # under xdist each worker's base is <run>/popen-gwN: the run folder is shared by all
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    mp = pytest.MonkeyPatch()
    mp.setenv(CACHE_DIR_ENV, str(root / "build-cache"))
    yield
    mp.undo()


@pytest.fixture()
def private_build_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Caches under each build's own output folder (the product default)."""
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
