"""What a report section is: params model, datasets it needs, pure compute, exhibits, template.

A section module defines a ``SectionSpec`` and registers it (see ``registry``). The build calls
``compute(SectionInput) -> context`` (pure: frames in, frozen values out) and then
``exhibits(context, ExhibitEnv) -> list[Exhibit]``; charts are returned as functions that make a
matplotlib Figure, saved in one place by the build.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

if TYPE_CHECKING:  # annotations only: importing the registry must stay cheap (config check)
    import pandas as pd
    from matplotlib.figure import Figure

    from fundflow.calendar import ReportWeek
    from fundflow.narrative import Fact
    from fundflow.charts.style import ChartStyle
    from fundflow.reference import Reference

Lang = Literal["zh", "en"]


def _index_codes(v: tuple[str, ...]) -> tuple[str, ...]:
    for code in v:
        if not (len(code) == 6 and code.isdigit()):
            raise ValueError(f"index code {code!r} must be 6 digits, e.g. '000300' "
                             f"(quote it in YAML so leading zeros survive)")
    if len(set(v)) != len(v):
        raise ValueError("index codes must not repeat")
    return v


# a list of 6-digit index codes, each once (params of several sections)
IndexCodes = Annotated[tuple[str, ...], AfterValidator(_index_codes)]


class Params(BaseModel):
    """Base of every section's params model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


@dataclass(frozen=True)
class SectionInput:
    week: ReportWeek
    prev_week: ReportWeek
    history_start: date
    frames: Mapping[str, pd.DataFrame]
    params: Any
    ref: Reference


@dataclass(frozen=True)
class ChartExhibit:
    key: str
    title: str
    make: Callable[[], Figure]
    source: str
    as_of: date
    data: pd.DataFrame
    wide: bool = True


@dataclass(frozen=True)
class TableColumn:
    key: str
    label: str
    fmt: str = "text"  # name of a render filter: text, pct, pct_signed, yi, num0, num2, ...
    colored: bool = False  # red/green by sign
    align: Literal["left", "right", "center"] = "right"


@dataclass(frozen=True)
class TableExhibit:
    key: str
    title: str
    columns: tuple[TableColumn, ...]
    rows: tuple[Mapping[str, Any], ...]
    source: str
    as_of: date
    data: pd.DataFrame
    note: str = ""


Exhibit = ChartExhibit | TableExhibit


@dataclass(frozen=True)
class ExhibitEnv:
    lang: Lang
    style: ChartStyle
    ref: Reference
    # dataset -> display label of where its rows came from, and the last date they cover
    sources: Mapping[str, str] = field(default_factory=dict)
    as_of: Mapping[str, date] = field(default_factory=dict)

    def source_of(self, *datasets: str) -> str:
        labels: list[str] = []
        for d in datasets:
            label = self.sources.get(d, d)
            if label not in labels:
                labels.append(label)
        return "；".join(labels) if self.lang == "zh" else "; ".join(labels)

    def t(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def amounts(self, fig: Figure, yuan_per_unit: float = 1e8, axis: str = "y") -> Figure:
        """A chart of amounts plotted in 亿元 (or ``yuan_per_unit``): unchanged in Chinese, in
        English its value axis and value labels read 'CNY 19.3bn' like the text and tables."""
        if self.lang == "zh":
            return fig
        from fundflow.charts.mpl import amounts_in_cny

        return amounts_in_cny(fig, yuan_per_unit, axis=axis)


@dataclass(frozen=True)
class SectionSpec:
    name: str
    part: Literal["assets", "flows", "extra"]
    title_zh: str
    title_en: str
    params_model: type[Params]
    datasets: tuple[str, ...]
    compute: Callable[[SectionInput], Any]
    exhibits: Callable[[Any, ExhibitEnv], Sequence[Exhibit]]
    template: str
    # opening sentences for a section without ``facts`` (facts are preferred: see below)
    summary: Callable[[Any, ExhibitEnv], Sequence[str]] = lambda _c, _e: []
    # calendar days of history before the week's end that compute() needs, given its params
    history_days: Callable[[Any], int] = lambda _p: 400
    # datasets compute() needs less of (calendar days before the week's end, given its params):
    # at 5,000 stocks a year of daily bars read for a few weeks' use costs ~0.7 s and ~400 MB
    dataset_history_days: Callable[[Any], Mapping[str, int]] = lambda _p: {}
    # datasets of which compute() needs daily rows only for the last N calendar days before the
    # week's end, and before that only each series' last row of each week (values as of week
    # ends, e.g. margin balances for weekly streaks): the store reads ~1/5 of the rows
    weekly_history_days: Callable[[Any], Mapping[str, int]] = lambda _p: {}
    # codes in params that must exist in the reference tables: (param key, message) per problem
    check_refs: Callable[[Any, Reference], list[tuple[str, str]]] = lambda _p, _r: []
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    # scalar metrics of a computed context that alerts in config can test, by name; names may
    # carry a code, e.g. "return_pct.000300". ``metric_formats`` declares them up front (a
    # pattern with "{code}" standing for any code -> the number filter that formats the value),
    # so config can be checked before any data is read.
    metrics: Callable[[Any], Mapping[str, float]] = lambda _c: {}
    metric_formats: Mapping[str, str] = field(default_factory=dict)
    # the facts the section can state (fundflow.narrative): when given, the opening paragraph
    # is rendered from them by the phrasebook and they compete for the cover's core views;
    # ``summary`` is then not used
    facts: Callable[[Any, ExhibitEnv], Sequence[Fact]] | None = None
    # a preface to its chapter (e.g. market temperature before 2.1): numbered N.0 when it opens
    # the chapter, and its facts compete for the core views without taking the chapter's
    # headline (the first fact of the chapter's first regular section)
    preface: bool = False
    # what a computed context says about its inputs beyond the datasets (e.g. which fund list
    # was used and as of when), recorded in the manifest's section entry as "inputs"
    provenance: Callable[[Any], Mapping[str, Any]] = lambda _c: {}

    def title(self, lang: Lang) -> str:
        return self.title_zh if lang == "zh" else self.title_en


def unknown_codes(key: str, given: Sequence[str], known: Sequence[str],
                  what: str) -> list[tuple[str, str]]:
    """Problems for codes in ``given`` that are not in ``known`` (for ``check_refs``)."""
    missing = [c for c in given if c not in set(known)]
    if not missing:
        return []
    return [(key, f"unknown {what} {', '.join(repr(c) for c in missing)} "
                  f"(known: {', '.join(sorted(known))})")]
