"""Terminal progress (issue 19): rich draws the build's stages and a row per collected dataset
when stderr is a terminal; without one, the plain lines of before are written."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from fundflow import cli
from fundflow.terminal import RichBuildProgress, RichCollectProgress
from tests.shared import seeded_sample_store

ROOT = Path(__file__).resolve().parents[1]
STYLE = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def plain(text: str) -> str:
    """Terminal output as text lines: styles dropped, cursor movements made line breaks."""
    return CONTROL.sub("\n", STYLE.sub("", text))


@dataclass
class Report:   # what collect passes to finished(): the fields progress reads
    dataset: str
    status: str
    rows: int
    seconds: float


def test_collect_rows_show_counts_units_status_and_rows() -> None:
    out = io.StringIO()
    p = RichCollectProgress(file=out, force_terminal=True)
    try:
        p.started("margin_market_daily", 5)
        p.advanced("margin_market_daily", 3, 5, "2025-11-05")
        shown = plain(out.getvalue())
        assert "margin_market_daily" in shown and "3/5" in shown and "2025-11-05" in shown
        p.started("index_daily", 2)
        p.finished(Report("margin_market_daily", "ok", 1_230, 4.2))
        p.finished(Report("index_daily", "failed", 0, 30.0))
    finally:
        p.close()
    lines = [ln for ln in plain(out.getvalue()).splitlines() if ln.strip()]
    final = lines[-2:]   # the last frame: one row per dataset, in the order they started
    assert "margin_market_daily" in final[0] and "5/5" in final[0]
    assert "ok, 1230 rows" in final[0]
    assert "index_daily" in final[1] and "2/2" in final[1] and "failed, 0 rows" in final[1]
    assert re.search(r"\d:\d\d:\d\d", final[0])   # elapsed time of the dataset


def test_build_line_counts_the_steps_of_a_stage_and_is_cleared_at_the_end() -> None:
    out = io.StringIO()
    p = RichBuildProgress(file=out, force_terminal=True)
    p.stage("read", "/data/" + "x" * 100 + "/store.duckdb")
    p.stage("compute", "broad_indices")
    p.stage("compute", "leverage")
    p.close()
    shown = plain(out.getvalue())
    assert "compute 2 leverage" in shown
    assert "…" in shown and "store.duckdb" in shown   # long paths cut on the left
    assert re.search(r"\d:\d\d:\d\d", shown)


def test_without_a_terminal_collect_writes_one_plain_line_per_dataset(capsys) -> None:  # type: ignore[no-untyped-def]
    p = cli._collect_progress()
    assert not isinstance(p, RichCollectProgress)   # pytest's stderr is not a terminal
    p.started("index_daily", 2)
    p.advanced("index_daily", 1, 2, "2025-11-03")
    p.finished(Report("index_daily", "ok", 10, 1.25))
    p.close()
    assert capsys.readouterr().err == "[collect] index_daily: ok, 10 rows, 1.2 s\n"
    assert not isinstance(cli._build_progress(), RichBuildProgress)


def test_build_on_a_terminal_draws_the_stages(tmp_path: Path, private_build_cache: None) -> None:
    """``fundflow build`` with stderr on a pseudo-terminal: rich's live line, and the report.
    Its own chart cache: a chart another test drew into the run's shared cache is not drawn
    again, and the live line would have no chart stage to show."""
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"data: {{sample_store: {seeded_sample_store(tmp_path / 's.duckdb')}, sample_dir: {ROOT / 'seeds/sample'}, "
        f"seeds_dir: {ROOT / 'seeds'}}}\n"
        f"output: {{dir: {tmp_path / 'reports'}, pdf: false, excel: false, chart_dpi: 72}}\n"
        "sections:\n  - section: broad_indices\n", encoding="utf-8")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "fundflow.cli", "build", "--config", str(cfg), "--source",
             "sample", "--week", "2025-11-07"], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=slave, stdin=subprocess.DEVNULL, text=True,
            env={**os.environ, "COLUMNS": "120", "TERM": "xterm"})
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:   # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        stdout, _ = proc.communicate(timeout=300)
    finally:
        os.close(master)
    err = plain(b"".join(chunks).decode("utf-8", "replace"))
    assert proc.returncode == 0, err[-2000:]
    assert "report for week 2025-11-03..2025-11-07" in stdout
    assert "compute" in err and "broad_indices" in err and "chart" in err
    assert " INFO " not in err   # the terminal gets the live line, not the log lines
