"""The command line: exit codes and one-line reasons on stderr."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.clirunner import run_cli
from tests.shared import seeded_sample_store

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, timeout=300)


def sample_config(tmp_path: Path, sections: tuple[str, ...] = ()) -> Path:
    """The shipped config.yaml on a copy of the loaded sample store; ``sections``: only these
    (the shipped list otherwise)."""
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    if sections:
        data = yaml.safe_load(text)
        data["sections"] = [{"section": s} for s in sections]
        data.pop("alerts", None)   # the shipped alerts read sections left out here
        text = yaml.safe_dump(data, allow_unicode=True)
    text = text.replace("sample_store: data/sample.duckdb", f"sample_store: {seeded_sample_store(tmp_path / 's.duckdb')}")
    text = text.replace("sample_dir: seeds/sample", f"sample_dir: {ROOT}/seeds/sample")
    text = text.replace("seeds_dir: seeds", f"seeds_dir: {ROOT}/seeds")
    p = tmp_path / "config.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_config_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("output:\n  pdff: true\n", encoding="utf-8")
    r = run("build", "--config", str(cfg), "--source", "sample")
    assert r.returncode == 2
    assert r.stderr == (f"fundflow: error: {cfg}: output.pdff: unknown key "
                        f"(allowed keys: chart_dpi, dir, excel, pdf, pdf_timeout_s)\n")
    assert r.stdout == ""


def test_bad_week_argument() -> None:
    r = run("build", "--week", "last-friday")
    assert r.returncode == 2
    assert "--week must be a date like 2025-11-07 or 'latest', got 'last-friday'" in r.stderr


def test_holiday_only_week(tmp_path: Path) -> None:
    r = run("build", "--config", str(sample_config(tmp_path)), "--source", "sample",
            "--week", "2023-10-04", "--out", str(tmp_path / "out"))
    assert r.returncode == 1
    assert r.stderr.splitlines()[-1] == (
        "fundflow: error: the week 2023-10-02..2023-10-06 has no trading session (exchange "
        "holiday); choose a date in another week")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_week_without_data_fails_cleanly_and_debug_shows_traceback(tmp_path: Path) -> None:
    cfg = str(sample_config(tmp_path))
    r = run("build", "--config", cfg, "--source", "sample", "--week", "2026-03-04",
            "--out", str(tmp_path / "out"))
    assert r.returncode == 1
    last = r.stderr.splitlines()[-1]
    assert last.startswith(f"fundflow: error: no rows for the week 2026-03-02..2026-03-06 in "
                           f"the store {tmp_path}/s.duckdb (it ends at 2025-11-07) for "
                           f"dataset(s) concept_board_daily, ")
    assert ", index_daily, " in last and last.endswith("; collect that week first")
    assert "Traceback" not in r.stderr
    r = run("--debug", "build", "--config", cfg, "--source", "sample", "--week", "2026-03-04",
            "--out", str(tmp_path / "out"))
    assert r.returncode != 0 and "Traceback" in r.stderr


@pytest.mark.e2e
@pytest.mark.pdf_process   # one command-line build renders its PDF as the product does
def test_build_prints_where_the_report_is(tmp_path: Path) -> None:
    # two sections: what is printed does not depend on the report's length, and the whole
    # sample report (PDF included) is built by test_e2e_sample.py
    cfg = sample_config(tmp_path, ("broad_indices", "leverage"))
    r = run("build", "--config", str(cfg), "--source", "sample",
            "--week", "2025-11-07", "--lang", "en", "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert f"{tmp_path}/out/2025-11-07/report.html" in r.stdout
    assert (tmp_path / "out" / "2025-11-07" / "report.pdf").is_file()
    assert "load: sample data" in r.stderr  # plain log lines when stderr is not a terminal
