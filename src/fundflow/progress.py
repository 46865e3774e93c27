"""Progress reporting interface (kept apart from build so the CLI starts without its imports)."""

from __future__ import annotations

import functools
import logging
import os
import signal
import threading
from typing import Any

log = logging.getLogger("fundflow.build")

# Fault injection for the crash tests (tests/test_faults.py): when this variable is set, the
# process SIGKILLs itself at the named progress stage, as a power cut or an OOM kill would.
#   FUNDFLOW_TEST_KILL_AT=pdf                 at the start of the stage 'pdf' (once shown)
#   FUNDFLOW_TEST_KILL_AT=compute:sw_ind      at a stage 'compute' whose detail contains 'sw_ind'
#   FUNDFLOW_TEST_KILL_AT=load+1.5            1.5 s after the stage 'load' starts (mid-work)
KILL_ENV = "FUNDFLOW_TEST_KILL_AT"
_timer_started = False


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_kill_point(name: str, detail: str = "") -> None:
    """SIGKILL this process if ``FUNDFLOW_TEST_KILL_AT`` names this stage (no-op otherwise)."""
    global _timer_started
    spec = os.environ.get(KILL_ENV, "").strip()
    if not spec:
        return
    delay = 0.0
    if "+" in spec:
        spec, _, secs = spec.partition("+")
        delay = float(secs)
    stage, _, part = spec.partition(":")
    if name != stage or (part and part not in detail):
        return
    if delay <= 0:
        _kill()
    elif not _timer_started:
        _timer_started = True
        t = threading.Timer(delay, _kill)
        t.daemon = True
        t.start()


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
