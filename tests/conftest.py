"""Shared test settings."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _serial_charts_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process builds draw their charts in the pytest process: forking the long-lived test
    process (DuckDB objects awaiting garbage collection) has crashed a chart worker once. The
    build survives that (the remaining charts are drawn in-process), but tests should not
    depend on it. Forked rendering is tested directly in test_chart_cache.py (explicit
    ``workers``), and command-line builds in subprocesses keep the default workers."""
    monkeypatch.setenv("FUNDFLOW_CHART_WORKERS", "1")
