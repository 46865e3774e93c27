"""Shared helpers of the benchmarks: a throw-away config, timed child processes, a table."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float      # the largest single process (wait4)
    stdout: str
    stderr: str
    peak_tree_mb: float = 0.0   # the process and all its descendants together (sampled PSS)


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return kids


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (a forked worker's inherited heap) count once."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples the summed PSS of a process and its descendants every ``interval`` s."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        import threading

        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            todo, total = [self.pid], 0
            while todo:
                pid = todo.pop()
                total += _pss_kb(pid)
                todo += _children(pid)
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(self.interval)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024.0


def make_config(work: Path, *, store: Path, subtitle: str | None = None,
                sections: list[str] | None = None) -> Path:
    """The repository's config.yaml with every path pointing into ``work``."""
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    cfg["data"] = {"store": str(store), "sample_store": str(work / "sample.duckdb"),
                   "sample_dir": str(ROOT / "seeds" / "sample"), "seeds_dir": str(ROOT / "seeds")}
    cfg.setdefault("output", {})["dir"] = str(work / "reports")
    if cfg.get("templates_dir"):
        cfg["templates_dir"] = str((ROOT / cfg["templates_dir"]).resolve())
    if cfg.get("report", {}).get("logo"):
        cfg["report"]["logo"] = str((ROOT / cfg["report"]["logo"]).resolve())
    if subtitle is not None:
        cfg["report"]["subtitle"] = {"zh": subtitle, "en": subtitle}
    if sections is not None:
        cfg["sections"] = [s for s in cfg["sections"] if s["section"] in sections]
    path = work / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run_wait4(args: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> Run:
    """Run a child process: its wall time, output, peak RSS in MB (the largest of it and the
    children it waited for, from wait4()) and the peak of its whole process tree together
    (summed PSS, sampled every 50 ms: a PDF process or chart workers running beside the build
    count in full)."""
    import tempfile

    full_env = dict(os.environ, **(env or {}))
    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, env=full_env, stdout=fo, stderr=fe, text=True)
        mem = TreeMemory(proc.pid)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        tree_mb = mem.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(args)}\n{err[-3000:]}")
    return Run(seconds, usage.ru_maxrss / 1024.0, out, err, tree_mb)


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(a) for a, _ in rows)
    return "\n".join(f"  {a.ljust(width)}  {b}" for a, b in rows)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
