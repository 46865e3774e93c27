"""``python -m fundflow.cli ...`` for tests, without paying the imports for every run.

Starting Python and importing pandas, DuckDB, Jinja and fundflow costs about two seconds of CPU;
the suite runs the command line some seventy times. ``run_cli`` sends each run to a zygote
(``tests/_cli_zygote.py``): one process per test worker that imported all that once and forks a
child per run. The child is a real process of its own: own session and process group (so a test
can SIGKILL it and what it started), the run's working directory and environment, exit code or
killing signal as ``Popen.returncode``, stdout and stderr captured whole.

A run goes to a real ``python -m fundflow.cli`` instead when its environment differs from the
zygote's in a variable read when Python or a library starts (``PYTHON*``, locale, ``HOME``,
``MPLCONFIGDIR``, thread counts, ...), and always with ``FUNDFLOW_CLI_ZYGOTE=off``.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OFF = ("0", "off", "false", "no")
# read once when Python, numpy, matplotlib, fontconfig or the C library start: a run that needs
# other values than the zygote's gets a fresh interpreter
_STARTUP_PREFIXES = ("PYTHON", "LC_", "LANG", "LANGUAGE", "HOME", "MPL", "XDG_", "FONTCONFIG",
                     "OMP_", "OPENBLAS_", "MKL_", "NPY_", "NUMEXPR_", "LD_", "TZ", "PATH",
                     "VIRTUAL_ENV", "DUCKDB_", "PYDANTIC_")


def _startup_view(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(_STARTUP_PREFIXES)}


class _Zygote:
    def __init__(self) -> None:
        self.env = dict(os.environ)
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("_cli_zygote.py"))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, env=self.env)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._events: dict[int, threading.Event] = {}
        self._msgs: dict[int, dict[str, int]] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            msg = json.loads(line)
            with self._lock:
                self._msgs.setdefault(msg["id"], {}).update(msg)
                ev = self._events.get(msg["id"])
            if ev is not None:
                ev.set()
        with self._lock:   # the zygote is gone: nobody waits forever
            for ev in self._events.values():
                ev.set()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _wait(self, rid: int, key: str, timeout: float | None) -> int | None:
        while True:
            with self._lock:
                msg = self._msgs.get(rid, {})
                if key in msg:
                    return msg[key]
                ev = self._events[rid]
                ev.clear()
            if not self.alive() and not ev.is_set():
                raise RuntimeError("the CLI zygote died")
            if not ev.wait(timeout):
                return None

    def run(self, args: list[str], *, env: Mapping[str, str], cwd: Path, timeout: float,
            fsize: int | None) -> subprocess.CompletedProcess[str]:
        rid = next(self._ids)
        with self._lock:
            self._events[rid] = threading.Event()
        with tempfile.TemporaryDirectory(prefix="fundflow-cli-") as tmp:
            out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
            req = {"id": rid, "args": args, "env": dict(env), "cwd": str(cwd),
                   "stdout": str(out), "stderr": str(err), "fsize": fsize}
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(req) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
            pid = self._wait(rid, "pid", 60)
            if pid is None:
                raise RuntimeError("the CLI zygote did not start the run")
            try:
                code = self._wait(rid, "code", timeout)
                if code is None:
                    raise subprocess.TimeoutExpired([sys.executable, "-m", "fundflow.cli",
                                                     *args], timeout)
            finally:
                try:   # whatever the run left in its process group (forked chart workers)
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                self._wait(rid, "code", 60)
                with self._lock:
                    self._events.pop(rid, None)
                    self._msgs.pop(rid, None)
            return subprocess.CompletedProcess(
                [sys.executable, "-m", "fundflow.cli", *args], code,
                out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8"))

    def close(self) -> None:
        if self.alive():
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


_zygote: _Zygote | None = None
_zygote_lock = threading.Lock()


def _get_zygote() -> _Zygote:
    global _zygote
    with _zygote_lock:
        if _zygote is None or not _zygote.alive():
            _zygote = _Zygote()
            atexit.register(_zygote.close)
        return _zygote


def _subprocess(args: list[str], *, env: Mapping[str, str], cwd: Path, timeout: float,
                fsize: int | None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if fsize is not None:
            import resource

            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "fundflow.cli", *args], cwd=cwd,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err, text=True,
                                start_new_session=True, env=dict(env), preexec_fn=limit)
        try:
            code = proc.wait(timeout=timeout)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(proc.args, code, out.read(), err.read())


def run_cli(*args: str, env: Mapping[str, str] | None = None, cwd: Path = ROOT,
            timeout: float = 300, fsize: int | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m fundflow.cli *args`` in its own process group, like ``subprocess.run`` with
    captured text output; ``env`` is the whole environment (default: this process's), ``fsize``
    a file-size limit in bytes (writes beyond it fail with EFBIG, as on a full disk). Whatever
    the run leaves in its process group is killed when it ends."""
    environ = dict(os.environ if env is None else env)
    use_zygote = os.environ.get("FUNDFLOW_CLI_ZYGOTE", "").strip().lower() not in OFF
    if use_zygote:
        zygote = _get_zygote()
        if _startup_view(environ) == _startup_view(zygote.env):
            return zygote.run(list(args), env=environ, cwd=cwd, timeout=timeout, fsize=fsize)
    return _subprocess(list(args), env=environ, cwd=cwd, timeout=timeout, fsize=fsize)
