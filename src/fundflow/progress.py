"""Progress reporting interface (kept apart from build so the CLI starts without its imports)."""

from __future__ import annotations

import functools
import logging
import os
import signal
from typing import Any

log = logging.getLogger("fundflow.build")

# Fault injection for the crash tests (tests/test_faults.py): when this variable is set, the
# process SIGKILLs itself when the code reaches the named point, as a power cut or an OOM kill
# would. Points are events in the code, never a time, so the tests do not depend on the machine:
#   FUNDFLOW_TEST_KILL_AT=pdf                 at the start of the build stage 'pdf' (once shown)
#   FUNDFLOW_TEST_KILL_AT=compute:sw_ind      at a stage 'compute' whose detail contains 'sw_ind'
#   FUNDFLOW_TEST_KILL_AT=store-write:index_daily
#                                             inside the store's transaction for index_daily,
#                                             after its rows are written, before COMMIT
#   FUNDFLOW_TEST_KILL_AT=pdf-write           in the PDF process once WeasyPrint has written the
#                                             first bytes of the PDF: the build process and the
#                                             PDF process both die, the file half-written
KILL_ENV = "FUNDFLOW_TEST_KILL_AT"


def _children() -> list[int]:
    """This process's child processes (Linux /proc; empty elsewhere)."""
    me, out = os.getpid(), []
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == me:
                out.append(int(name))
    return sorted(out)


def _kill(parent_too: bool = False) -> None:
    # what the killed process leaves behind, for the test to check that it dies too
    os.write(2, f"fundflow: test kill point; child processes: "
                f"{' '.join(map(str, _children()))}\n".encode())
    if parent_too:
        try:
            os.kill(os.getppid(), signal.SIGKILL)
        except OSError:
            pass
    os.kill(os.getpid(), signal.SIGKILL)


def kill_point_armed(name: str, detail: str = "") -> bool:
    """True if ``FUNDFLOW_TEST_KILL_AT`` names this point (and its detail, if given)."""
    spec = os.environ.get(KILL_ENV, "").strip()
    if not spec:
        return False
    stage, _, part = spec.partition(":")
    return name == stage and (not part or part in detail)


def test_kill_point(name: str, detail: str = "", *, parent_too: bool = False) -> None:
    """SIGKILL this process (and with ``parent_too`` its parent first) if
    ``FUNDFLOW_TEST_KILL_AT`` names this point; a no-op otherwise."""
    if kill_point_armed(name, detail):
        _kill(parent_too)


test_kill_point.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


class Progress:
    """Receives stage updates; the CLI supplies a terminal or log-line implementation."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # every implementation's stage() passes the fault-injection point first
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("stage")
        if own is not None:
            @functools.wraps(own)
            def stage(self: Progress, name: str, detail: str = "") -> None:
                own(self, name, detail)
                test_kill_point(name, detail)

            cls.stage = stage  # type: ignore[method-assign]

    def stage(self, name: str, detail: str = "") -> None:
        log.info("%s %s", name, detail)
        test_kill_point(name, detail)

    def close(self) -> None:
        """The build is over (done or failed): release the terminal."""
