"""Render many charts: cached ones are read back, the rest are drawn across CPU cores.

A chart is a closure (``make``), which cannot be pickled, so the workers are *forked*: they
inherit the closures, the imported modules and the loaded font, and send back only PNG bytes.
Each worker draws whole charts taken one at a time from a shared queue (the costly ones do not
pile up on one core). Where ``fork`` is not available, with one core, or with a single chart to
draw, charts are drawn in this process. Output is byte-identical either way.

``FUNDFLOW_CHART_WORKERS`` (an integer) overrides the number of workers; 1 means serial.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import pandas as pd

from fundflow.charts import mpl
from fundflow.charts.cache import ChartCache, chart_key
from fundflow.fingerprint import Fingerprinter
from fundflow.charts.save import render_png
from fundflow.charts.style import ChartStyle
from fundflow.errors import FundflowError, RenderError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChartJob:
    name: str                        # section.exhibit, used in errors and the log
    make: Callable[[], Any]          # returns a matplotlib Figure
    title: str = ""
    data: pd.DataFrame | None = None


@dataclass
class RenderStats:
    charts: int = 0
    cached: int = 0
    rendered: int = 0
    uncacheable: int = 0
    workers: int = 1


def default_workers() -> int:
    env = os.environ.get("FUNDFLOW_CHART_WORKERS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            log.warning("FUNDFLOW_CHART_WORKERS=%r is not an integer; ignored", env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _render_one(job: ChartJob, style: ChartStyle) -> bytes:
    try:
        return render_png(job.make, style, name=job.name)
    except FundflowError:
        raise
    except Exception as exc:  # a chart function's bug: name the chart, keep the cause
        raise RenderError(f"chart {job.name}: {type(exc).__name__}: {exc}") from exc


# set in the parent right before the fork; the forked workers read them
_JOBS: Sequence[ChartJob] = ()
_STYLE: ChartStyle | None = None


def _worker(i: int) -> tuple[int, bool, bytes | str]:
    assert _STYLE is not None
    try:
        return i, True, _render_one(_JOBS[i], _STYLE)
    except RenderError as exc:
        cause = exc.__cause__
        detail = "".join(traceback.format_exception(cause)) if cause is not None else ""
        return i, False, f"{exc}\n{detail}".rstrip()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, never swallowed
        return i, False, f"chart {_JOBS[i].name}: {type(exc).__name__}: {exc}"


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Worker initializer: a worker must not outlive its build. ``kill -9`` of the build does
    not close the task queue (sibling workers hold its write end), so each idle worker would
    wait on it for ever (~145 MB each). On Linux the kernel sends SIGKILL when the parent
    dies (PR_SET_PDEATHSIG); elsewhere a thread watches ``os.getppid()``."""
    import signal
    import sys
    import threading
    import time

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:   # the parent died before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _warm_fonts(style: ChartStyle) -> None:
    """Import matplotlib and load the CJK font once in the parent, so forked workers do not
    each import and read them."""
    try:
        mpl.load()
        from matplotlib import font_manager

        from fundflow.charts.style import cjk_font_path

        font_manager.get_font(cjk_font_path(style.font_family))
    except Exception:  # noqa: BLE001 - only an optimisation; rendering reports real problems
        log.debug("font warm-up failed", exc_info=True)


def _fork_context() -> Any:
    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return None


def _render_forked(jobs: Sequence[ChartJob], todo: list[int], style: ChartStyle,
                   n_workers: int, ctx: Any, done: Callable[[int, bytes], None]) -> None:
    """Render ``todo`` on forked workers. A worker that dies (a crash in a C library, an OOM
    kill) breaks the pool: the charts not yet back are then drawn in this process, so a build
    never waits on a dead pool; a pool that stops answering is given up after a deadline."""
    global _JOBS, _STYLE
    _warm_fonts(style)
    _JOBS, _STYLE = jobs, style
    errors: dict[int, str] = {}
    pending = set(todo)
    deadline = 120.0 + 20.0 * len(todo)
    gc.collect()
    gc.freeze()   # children inherit a frozen heap: no collection of the parent's objects there
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx,
                               initializer=_die_with_parent, initargs=(os.getpid(),))
    try:
        futures = {pool.submit(_worker, i): i for i in todo}
        try:
            for fut in as_completed(futures, timeout=deadline):
                i, ok, payload = fut.result()
                pending.discard(i)
                if ok:
                    done(i, payload)  # type: ignore[arg-type]
                else:
                    errors[i] = payload  # type: ignore[assignment]
        except BrokenProcessPool:
            log.warning("a chart worker died; drawing the %d remaining chart(s) in this process",
                        len(pending))
        except FuturesTimeout:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.kill()
            raise RenderError(f"chart workers did not finish within {deadline:.0f} s") from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        gc.unfreeze()
        _JOBS, _STYLE = (), None
    if errors:
        raise RenderError(str(errors[min(errors)]))
    for i in sorted(pending):
        done(i, _render_one(jobs[i], style))


def render_many(jobs: Sequence[ChartJob], style: ChartStyle, *, cache: ChartCache | None = None,
                workers: int | None = None, stats: RenderStats | None = None,
                on_rendered: Callable[[ChartJob], None] | None = None) -> list[bytes]:
    """PNG bytes for each job, in order. Raises RenderError naming the first failing chart
    (missing glyphs included) and stores nothing for it."""
    stats = stats if stats is not None else RenderStats()
    stats.charts = len(jobs)
    out: list[bytes | None] = [None] * len(jobs)
    keys: list[str | None] = [None] * len(jobs)
    if cache is not None:
        fp = Fingerprinter()
        for i, job in enumerate(jobs):
            keys[i] = chart_key(job.make, style, name=job.name, title=job.title, data=job.data,
                                fp=fp)
            if keys[i] is None:
                stats.uncacheable += 1
                continue
            out[i] = cache.get(keys[i])  # type: ignore[arg-type]
            if out[i] is not None:
                stats.cached += 1
    todo = [i for i, png in enumerate(out) if png is None]
    stats.rendered = len(todo)
    n_workers = min(workers if workers is not None else default_workers(), len(todo))
    ctx = _fork_context() if n_workers > 1 else None
    if ctx is None:
        n_workers = 1
    stats.workers = n_workers

    def done(i: int, png: bytes) -> None:
        out[i] = png
        key = keys[i]
        if cache is not None and key is not None:
            cache.put(key, png)
        if on_rendered is not None:
            on_rendered(jobs[i])

    if n_workers == 1 or ctx is None:
        for i in todo:
            done(i, _render_one(jobs[i], style))
    else:
        _render_forked(jobs, todo, style, n_workers, ctx, done)
    missing = [jobs[i].name for i, png in enumerate(out) if png is None]
    if missing:  # a worker died without answering; never hand back a partial set
        raise RenderError(f"charts not rendered: {', '.join(missing)}")
    return [png for png in out if png is not None]
