"""Progress on a terminal, drawn by rich: the build's stages, and the collection per dataset.

The command line uses these only when stderr is a terminal; otherwise the plain log lines of
``fundflow.progress.Progress`` and ``fundflow.collect.CollectProgress`` are written, as in cron
and CI logs. Imported lazily (rich is not needed to start the CLI or by the library).
"""

from __future__ import annotations

from collections import Counter
from typing import IO, Any

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress,
                           SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn)

from fundflow.collect import CollectProgress
from fundflow.progress import Progress

_WIDTH = 60   # longest detail shown (paths are cut on the left, where they are least telling)


def _short(text: str, width: int = _WIDTH) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1):]


def _console(file: IO[str] | None, force_terminal: bool | None) -> Console:
    return Console(file=file, stderr=file is None, force_terminal=force_terminal,
                   highlight=False)


class RichBuildProgress(Progress):
    """One line: a spinner, the stage with how many of its steps have passed (sections
    computed, charts drawn), what it is doing now, and the time since the build started."""

    def __init__(self, file: IO[str] | None = None, force_terminal: bool | None = None) -> None:
        self._counts: Counter[str] = Counter()
        self._bar = RichProgress(SpinnerColumn(), TextColumn("{task.description}"),
                                 TimeElapsedColumn(),
                                 console=_console(file, force_terminal), transient=True)
        self._task = self._bar.add_task("starting", total=None)
        self._bar.start()

    def stage(self, name: str, detail: str = "") -> None:
        self._counts[name] += 1
        n = self._counts[name]
        label = f"[bold]{name}[/bold]" + (f" {n}" if n > 1 else "")
        self._bar.update(self._task, description=f"{label} {_short(detail)}".rstrip(),
                         refresh=True)

    def close(self) -> None:
        self._bar.stop()


class RichCollectProgress(CollectProgress):
    """A row per dataset: a bar of its units (date ranges, days, snapshots) fetched, the unit
    being fetched, its elapsed time; once finished, its status and row count. Thread-safe
    (datasets are collected in parallel); rich redraws at most 10 times a second."""

    def __init__(self, file: IO[str] | None = None, force_terminal: bool | None = None) -> None:
        self._bar = RichProgress(SpinnerColumn(finished_text="·"),
                                 TextColumn("{task.fields[dataset]:<28}"), BarColumn(bar_width=24),
                                 MofNCompleteColumn(), TextColumn("{task.description}"),
                                 TimeElapsedColumn(), console=_console(file, force_terminal))
        self._tasks: dict[str, TaskID] = {}
        self._bar.start()

    def started(self, dataset: str, units: int) -> None:
        self._tasks[dataset] = self._bar.add_task("", total=max(units, 1), dataset=dataset)

    def advanced(self, dataset: str, done: int, units: int, label: str) -> None:
        task = self._tasks.get(dataset)
        if task is not None:
            self._bar.update(task, completed=done, description=_short(label, 30), refresh=True)

    def finished(self, report: Any) -> None:
        task = self._tasks.get(report.dataset)
        if task is None:
            task = self._tasks[report.dataset] = self._bar.add_task(
                "", total=1, dataset=report.dataset)
        total = self._bar.tasks[task].total or 1
        self._bar.update(task, completed=total,
                         description=f"{report.status}, {report.rows} rows")
        self._bar.stop_task(task)
        self._bar.refresh()

    def close(self) -> None:
        self._bar.stop()
