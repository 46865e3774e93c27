"""The test harness's command-line runner (tests/clirunner.py) gives what a fresh
``python -m fundflow.cli`` gives: exit code, stdout and stderr, the run's environment and working
directory, and a process group of its own."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests import clirunner
from tests.clirunner import run_cli


def forked_and_fresh(monkeypatch: pytest.MonkeyPatch, *args: str, cwd: Path,
                     env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], ...]:
    monkeypatch.delenv("FUNDFLOW_CLI_ZYGOTE", raising=False)
    forked = run_cli(*args, cwd=cwd, env=env)
    monkeypatch.setenv("FUNDFLOW_CLI_ZYGOTE", "off")
    fresh = run_cli(*args, cwd=cwd, env=env)
    return forked, fresh


@pytest.mark.parametrize("args", [
    ("build", "--week", "last-friday"),                    # argparse: exit 2, usage on stderr
    ("build", "--config", "missing.yaml", "--source", "sample"),   # a config error, relative
    ("sections",),                                         # stdout, exit 0
])
def test_a_forked_run_gives_what_a_fresh_interpreter_gives(
        args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, "FUNDFLOW_UNUSED_MARKER": "x"}
    forked, fresh = forked_and_fresh(monkeypatch, *args, cwd=tmp_path, env=env)
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        fresh.returncode, fresh.stdout, fresh.stderr)
    assert "Traceback" not in forked.stderr and "RuntimeWarning" not in forked.stderr


def test_the_run_gets_its_environment_and_folder(tmp_path: Path) -> None:
    """An unknown key in a config that exists only in the run's folder, named through a
    relative path: the error names the key, so the run read the file from its cwd."""
    (tmp_path / "c.yaml").write_text("output:\n  pdff: true\n", encoding="utf-8")
    r = run_cli("build", "--config", "c.yaml", "--source", "sample", cwd=tmp_path)
    assert r.returncode == 2 and "output.pdff: unknown key" in r.stderr


def test_a_start_up_variable_gets_a_fresh_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = clirunner._subprocess
    monkeypatch.setattr(clirunner, "_subprocess",
                        lambda *a, **k: calls.append("fresh") or real(*a, **k))
    monkeypatch.delenv("FUNDFLOW_CLI_ZYGOTE", raising=False)
    run_cli("sections", env={**os.environ, "PYTHONHASHSEED": "123"})
    run_cli("sections")
    assert calls == ["fresh"]
