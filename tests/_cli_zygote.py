"""The server half of ``tests/clirunner.py``: a Python process that has imported fundflow's
heavy dependencies once and forks a child for every ``python -m fundflow.cli ...`` a test runs.

Run as ``python tests/_cli_zygote.py``. Protocol: one JSON object per line on stdin, a request
``{"id", "args", "env", "cwd", "stdout", "stderr", "fsize"}``; on stdout, ``{"id", "pid"}`` when
the child is started and ``{"id", "code"}`` when it has ended (``code`` as ``Popen.returncode``:
negative for a signal). End of stdin: the children's process groups are killed and it exits.

The child is what ``python -m fundflow.cli`` would be, minus the imports: its own session and
process group, the request's working directory and environment (the whole of it, set in the C
environment too), stdin from /dev/null, stdout and stderr into the given files, ``sys.path[0]``
the working directory, ``fundflow.cli`` run as ``__main__``, atexit handlers run at the end.
Only modules are imported here, nothing is called: no cache, connection or thread of fundflow's
exists before the fork. The client sends a request here only when the request's environment
agrees with this process's on every variable Python or a library reads at start-up.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import resource
import runpy
import select
import signal
import sys
import tempfile
import traceback

PRELOAD = (
    "numpy", "pandas", "duckdb", "pydantic", "jinja2", "yaml", "exchange_calendars",
    "fundflow.cli", "fundflow.plan", "fundflow.build", "fundflow.collect", "fundflow.importer",
    "fundflow.delivery.send", "fundflow.doctor",
    # what a build imports only when it draws a chart or renders a PDF in its own process
    # (tests/conftest.py: FUNDFLOW_PDF_PROCESS=off); a run still imports what it uses, so a
    # module left out here only costs time
    "matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.dates",
    "matplotlib.ticker", "matplotlib.patches", "weasyprint",
)


def _child(req: dict, proto: tuple[int, ...]) -> None:
    code: int = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in proto:
            os.close(fd)
        os.setsid()
        if req.get("fsize") is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (req["fsize"], req["fsize"]))
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        tempfile.tempdir = None   # recomputed from the request's TMPDIR
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, req["stdout"]), (2, req["stderr"])):
            f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(f, fd)
            os.close(f)
        sys.path[0] = os.getcwd()
        sys.argv = ["-m", *req["args"]]
        # as with ``-m``: the package is imported, the module itself only runs as __main__
        sys.modules.pop("fundflow.cli", None)
        try:
            runpy.run_module("fundflow.cli", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except KeyboardInterrupt:
            traceback.print_exc()
            code = 130
        except BaseException:
            traceback.print_exc()
            code = 1
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code & 0xFF)


def main() -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    # the protocol on private descriptors; fd 0 and 1 of this process point elsewhere, so
    # nothing a library prints reaches the client as a message
    pin, pout = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, object] = {}
    buf = b""
    out = os.fdopen(pout, "w", buffering=1)

    def send(msg: dict) -> None:
        out.write(json.dumps(msg) + "\n")

    while True:
        ready, _, _ = select.select([pin, wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 4096)
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            if pid in children:
                send({"id": children.pop(pid), "code": os.waitstatus_to_exitcode(status)})
        if pin in ready:
            chunk = os.read(pin, 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                req = json.loads(line)
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _child(req, (pin, pout, wake_r, wake_w))
                children[pid] = req["id"]
                send({"id": req["id"], "pid": pid})
    for pid in children:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


if __name__ == "__main__":
    main()
