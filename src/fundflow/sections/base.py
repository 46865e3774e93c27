"""What a report section is: params model, datasets it needs, pure compute, exhibits, template.

A section module defines a ``SectionSpec`` and registers it (see ``registry``). The build calls
``compute(SectionInput[P]) -> context`` (pure: frames and the section's params ``P`` in, frozen
values out) and then ``exhibits(context, SectionEnv[P]) -> list[Exhibit]``; charts are returned
as functions that make a matplotlib Figure, saved in one place by the build. The params reach
``exhibits``, ``facts`` and ``summary`` through ``SectionEnv.params``: a context holds what
compute found, not copies of the params.

A section's exhibits are small named builders, one per exhibit, named after its key (``_key``)
and listed in page order in the module's ``EXHIBITS``; ``exhibits()`` runs them with
``run_exhibits``. A section without a template of its own is rendered by
``sections/_default.html.j2``, which shows every exhibit in that order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Literal, Protocol, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict

if TYPE_CHECKING:  # annotations only: importing the registry must stay cheap (config check)
    import pandas as pd
    from matplotlib.figure import Figure

    from fundflow.calendar import ReportWeek
    from fundflow.narrative import Fact
    from fundflow.charts.style import ChartStyle
    from fundflow.reference import Reference

Lang = Literal["zh", "en"]
# weekday names (Monday first) for day labels and facts ("the peak came on Monday")
WEEKDAYS = (("周一", "Monday"), ("周二", "Tuesday"), ("周三", "Wednesday"), ("周四", "Thursday"),
            ("周五", "Friday"), ("周六", "Saturday"), ("周日", "Sunday"))


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


class Context(Protocol):
    """What ``compute`` returns: a (frozen) dataclass of computed values, pickled by the compute
    cache and read by ``exhibits``, ``facts``, ``metrics`` and ``provenance``."""

    __dataclass_fields__: ClassVar[dict[str, Any]]


P = TypeVar("P", bound=Params)     # a section's params model
C = TypeVar("C", bound=Context)    # a section's context
# the params model as seen by an env or input that only reads it (a builder typed for
# ``SectionEnv[LeverageParams]`` is not called with another section's params)
P_co = TypeVar("P_co", bound=Params, covariant=True)


@dataclass(frozen=True)
class SectionInput(Generic[P_co]):
    week: ReportWeek
    prev_week: ReportWeek
    history_start: date
    frames: Mapping[str, pd.DataFrame]
    params: P_co
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

    def day_label(self, d: date) -> str:
        """A session in a table or chart axis: '11-03 周一' / '11-03 Mon'."""
        zh, en = WEEKDAYS[d.weekday()]
        return f"{d.strftime('%m-%d')} {zh if self.lang == 'zh' else en[:3]}"

    def amounts(self, fig: Figure, yuan_per_unit: float = 1e8, axis: str = "y") -> Figure:
        """A chart of amounts plotted in 亿元 (or ``yuan_per_unit``): unchanged in Chinese, in
        English its value axis and value labels read 'CNY 19.3bn' like the text and tables."""
        if self.lang == "zh":
            return fig
        from fundflow.charts.mpl import amounts_in_cny

        return amounts_in_cny(fig, yuan_per_unit, axis=axis)

    def for_section(self, params: P, datasets: Collection[str] | None = None) -> SectionEnv[P]:
        """This environment with one section's params, as its exhibits and facts see it (on a
        SectionEnv: the same environment with other params).

        ``datasets``: the section's own; the sources and as-of dates of the others are left
        out. A section reads only its own datasets, and its exhibits keep what they capture
        (a chart's drawing closure keeps this environment, and the chart cache's key is a
        digest of that closure), so switching another section on or off must not change it:
        it did, and every chart of the report was drawn again."""
        values = {f.name: getattr(self, f.name) for f in fields(ExhibitEnv)}
        if datasets is not None:
            values["sources"] = {d: v for d, v in self.sources.items() if d in datasets}
            values["as_of"] = {d: v for d, v in self.as_of.items() if d in datasets}
        return SectionEnv(**values, params=params)


@dataclass(frozen=True, kw_only=True)
class SectionEnv(ExhibitEnv, Generic[P_co]):
    """The environment of one section's ``exhibits``, ``facts`` and ``summary``: the report's
    language, style, reference tables and sources, and the section's validated params."""

    params: P_co


def run_exhibits(builders: Sequence[Callable[[C, SectionEnv[P]], Exhibit | None]], ctx: C,
                 env: SectionEnv[P]) -> list[Exhibit]:
    """A section's exhibits in page order: each builder makes one exhibit, or None to leave it
    out (e.g. holdings when the week has none)."""
    return [e for build in builders if (e := build(ctx, env)) is not None]


@dataclass(frozen=True)
class SectionSpec(Generic[P, C]):
    name: str
    part: Literal["assets", "flows", "extra"]
    title_zh: str
    title_en: str
    params_model: type[P]
    datasets: tuple[str, ...]
    compute: Callable[[SectionInput[P]], C]
    exhibits: Callable[[C, SectionEnv[P]], Sequence[Exhibit]]
    # the section's partial; "" = sections/_default.html.j2 (its exhibits in order, numbered)
    template: str = ""
    # opening sentences for a section without ``facts`` (facts are preferred: see below)
    summary: Callable[[C, SectionEnv[P]], Sequence[str]] = lambda _c, _e: []
    # calendar days of history before the week's end that compute() needs, given its params
    history_days: Callable[[P], int] = lambda _p: 400
    # datasets compute() needs less of (calendar days before the week's end, given its params):
    # at 5,000 stocks a year of daily bars read for a few weeks' use costs ~0.7 s and ~400 MB
    dataset_history_days: Callable[[P], Mapping[str, int]] = lambda _p: {}
    # datasets of which compute() needs daily rows only for the last N calendar days before the
    # week's end, and before that only each series' last row of each week (values as of week
    # ends, e.g. margin balances for weekly streaks): the store reads ~1/5 of the rows
    weekly_history_days: Callable[[P], Mapping[str, int]] = lambda _p: {}
    # codes in params that must exist in the reference tables: (param key, message) per problem
    check_refs: Callable[[P, Reference], list[tuple[str, str]]] = lambda _p, _r: []
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    # scalar metrics of a computed context that alerts in config can test, by name; names may
    # carry a code, e.g. "return_pct.000300". ``metric_formats`` declares them up front (a
    # pattern with "{code}" standing for any code -> the number filter that formats the value),
    # so config can be checked before any data is read.
    metrics: Callable[[C], Mapping[str, float]] = lambda _c: {}
    metric_formats: Mapping[str, str] = field(default_factory=dict)
    # the facts the section can state (fundflow.narrative): when given, the opening paragraph
    # is rendered from them by the phrasebook and they compete for the cover's core views;
    # ``summary`` is then not used
    facts: Callable[[C, SectionEnv[P]], Sequence[Fact]] | None = None
    # a preface to its chapter (e.g. market temperature before 2.1): numbered N.0 when it opens
    # the chapter, and its facts compete for the core views without taking the chapter's
    # headline (the first fact of the chapter's first regular section)
    preface: bool = False
    # what a computed context says about its inputs beyond the datasets (e.g. which fund list
    # was used and as of when), recorded in the manifest's section entry as "inputs"
    provenance: Callable[[C], Mapping[str, Any]] = lambda _c: {}

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
