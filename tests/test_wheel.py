"""An installed wheel builds the sample report: templates, reference tables and the sample data
are package data (fundflow/_data), not files of a checkout. The wheel is built from a copy of the
project (no stale build/ folder, nothing written into the repo), installed with --no-deps into a
--target folder put first on PYTHONPATH (its dependencies are the test environment's), and run
from a folder outside the repo with a config that names no repo path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = """\
language: en
sections:
  - section: broad_indices
output:
  dir: out
  pdf: false
  excel: false
"""


def _pip(*args: str, cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PIP_NO_INDEX": "1"})
    assert done.returncode == 0, done.stdout + done.stderr


def test_installed_wheel_builds_the_sample_report(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    for name in ("src", "templates", "seeds"):
        shutil.copytree(ROOT / name, project / name, symlinks=True, ignore=ignore)
    _pip("wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"),
         str(project), cwd=tmp_path)
    wheel, = (tmp_path / "dist").glob("fundflow-*.whl")
    site = tmp_path / "site"
    _pip("install", "--no-deps", "-q", "--target", str(site), str(wheel), cwd=tmp_path)
    assert not (site / "fundflow" / "_data" / "templates").is_symlink()
    # the e-mail's HTML template ships with the report's (delivery/compose.py loads it)
    assert (site / "fundflow" / "_data" / "templates" / "email" / "body.html.j2").is_file()

    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "config.yaml").write_text(CONFIG, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site), "FUNDFLOW_PDF_PROCESS": "0"}
    where = subprocess.run([sys.executable, "-c", "import fundflow; print(fundflow.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout + where.stderr
    done = subprocess.run(
        [sys.executable, "-m", "fundflow.cli", "build", "--source", "sample",
         "--week", "2025-11-07", "--lang", "en", "--out", str(work / "reports")],
        cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    html = list((work / "reports").rglob("report.html"))
    assert len(html) == 1, sorted(p.name for p in (work / "reports").rglob("*"))
    text = html[0].read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") and "</html>" in text
