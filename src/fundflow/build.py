"""Orchestration only: ``build()`` is the list of its stages,

    plan_stage -> BuildPlan       load_stage -> Loaded       compute_stage -> Computed
    charts_stage -> Charted       render_stage -> Rendered   write_stage -> Written
    publish_stage -> BuildResult

each a function of a ``StageEnv`` (config, request, clock, progress, timings) and the frozen
results of the stages before it, so a stage runs, and is timed, on its own. The clock (``now``),
the source and the week are arguments, so tests pass their own. Nothing is written into the
report folder until everything is rendered: outputs go to a temporary folder next to it that
replaces the old folder in one rename (publish).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd

from fundflow import __version__
from fundflow.alerts import AlertHit
from fundflow.alerts import evaluate as evaluate_alerts
from fundflow.quality import LOOKBACK_DAYS as QUALITY_LOOKBACK_DAYS
from fundflow.quality import Finding
from fundflow.quality import assess as assess_quality
from fundflow.calendar import ReportWeek, TradingCalendar
from fundflow.charts.cache import ChartCache
from fundflow.fingerprint import Fingerprinter
from fundflow.charts.parallel import ChartJob, RenderStats, render_many
from fundflow.charts.style import ChartStyle, uncovered_chars
from fundflow.narrative import Fact
from fundflow.narrative import render as render_fact
from fundflow.narrative.core import Candidate, choose_core_views
from fundflow.narrative.overrides import Overrides, load_overrides
from fundflow.narrative.overrides import apply as apply_override
from fundflow.narrative.overrides import check_section_ids as check_override_ids
from fundflow.progress import Progress
from fundflow.compute_cache import ComputeCache, cached, memo_key, section_key
from fundflow.compute_cache import open_cache as open_compute_cache
from fundflow.config import Config
from fundflow.data.importing import IMPORT_PREFIX
from fundflow.data.routes import fallback_route, get_route
from fundflow.data.sample import SAMPLE_SOURCE, ensure_sample
from fundflow.data.schemas import get_dataset
from fundflow.data.store import Coverage, Store
from fundflow.manifest import (
    ConfigRecord, DatasetRecord, ExhibitRecord, FactRecord, Manifest, PreviousWeekRecord,
    SectionRecord, WeekRecord, write_manifest,
)
from fundflow.errors import ConfigError, DataError, FundflowError, RenderError, SectionError, SourceError
from fundflow.plan import PlannedSection, plan_sections, report_week
from fundflow.reference import Reference, load_reference
from fundflow.render.csvsafe import safe_csv_frame
from fundflow.render.env import check_templates, make_env, render_template
from fundflow.render.labels import labels
from fundflow.render.pdf import PdfProcess, html_to_pdf
from fundflow.render.printed import printed_source_line, printed_table, printed_text
from fundflow.sections.base import (
    ChartExhibit, Context, Exhibit, ExhibitEnv, SectionInput, TableExhibit,
)

log = logging.getLogger(__name__)

Source = Literal["sample", "store", "akshare"]
Lang = Literal["zh", "en"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class BuildRequest:
    week: date | None = None          # any date inside the week; None = latest completed week
    source: Source = "store"
    lang: Lang = "zh"
    out_dir: Path | None = None       # default: config output.dir


@dataclass(frozen=True)
class ComputedSection:
    planned: PlannedSection
    ctx: Context | None            # None when the section failed
    exhibits: list[Exhibit]
    summary: list[str]
    error: str | None = None       # why the section is not in the report, if it failed
    facts: list[Fact] = field(default_factory=list)
    overridden: bool = False       # the opening text comes (partly) from an analyst override


@dataclass
class BuildResult:
    week: ReportWeek
    folder: Path
    html: Path
    pdf: Path | None
    pages: int
    manifest: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)   # section id -> reason


# -- plan ---------------------------------------------------------------------------------------
def warn_undrawable_titles(cfg: Config, planned: list[PlannedSection], lang: Lang) -> list[str]:
    """Log a warning for each configured title with characters the report font cannot draw
    (an emoji prints as an empty box in the PDF and charts); returns the warnings."""
    rep = cfg.report
    texts = [(f"report.{k}", v.get(lang)) for k, v in (
        ("title", rep.title), ("subtitle", rep.subtitle), ("organisation", rep.organisation),
        ("footer", rep.footer), ("disclaimer", rep.disclaimer)) if v is not None]
    texts += [(f"section {p.key} title", p.title) for p in planned]
    out = []
    for what, text in texts:
        missing = uncovered_chars(text, cfg.style.font_family)
        if missing:
            out.append(f"{what} {text!r}: the font {cfg.style.font_family} has no glyph for "
                       f"{' '.join(missing)} ({', '.join(f'U+{ord(c):04X}' for c in missing)});"
                       f" they print as empty boxes")
            log.warning("%s", out[-1])
    return out


# -- helpers ------------------------------------------------------------------------------------
@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = round(time.perf_counter() - t0, 3)


def _store_path(cfg: Config, source: Source) -> Path:
    # Sample data never goes into the real store: it would mix with collected data.
    return cfg.resolve(cfg.data.sample_store if source == "sample" else cfg.data.store)


def _fallback_labels(dataset: str, sources: list[str], lang: Lang) -> list[str]:
    out = []
    for s in sources:
        name = fallback_route(s)
        if name is None:
            continue
        try:
            route = get_route(dataset, name)
        except KeyError:
            label, note = name, ""
        else:
            label, note = ((route.label_zh, route.note_zh) if lang == "zh"
                           else (route.label_en, route.note_en))
        out.append(str(labels(lang)["fallback_source"]).format(
            source=label, note=(("，" if lang == "zh" else ", ") + note) if note else ""))
    return out


def _source_label(dataset: str, sources: tuple[str, ...], lang: Lang,
                  imports: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """What a dataset's exhibits name as their source: the dataset's own attribution, the
    sample's, every fallback route whose rows are shown ("<route>（备用来源…）"), and each
    imported file ("导入：<file>（<label>）"; the newest, and how many more)."""
    ds = get_dataset(dataset)
    real = ds.source_zh if lang == "zh" else ds.source_en
    L = labels(lang)
    imported = [s for s in sources if s.startswith(IMPORT_PREFIX)]
    others = [s for s in sources if not s.startswith(IMPORT_PREFIX)]
    parts = []
    if others and all(s == SAMPLE_SOURCE for s in others):
        parts.append(str(L["sample_source"]).format(source=real))
    elif others or not imported:
        parts.append(real)
    parts += _fallback_labels(dataset, others, lang)
    if imported:
        recs = [imports.get(s, {}) if imports else {} for s in imported]
        newest = max(zip(recs, imported), key=lambda ri: (str(ri[0].get("imported_at", "")),
                                                          ri[1]))
        rec, src = newest
        file = str(rec.get("file") or src.split(":", 2)[-1])
        label = rec.get("label")
        text = str(L["import_source" if not label else "import_source_label"]).format(
            file=file, label=label)
        if len(imported) > 1:
            text += str(L["import_more"]).format(n=len(imported) - 1)
        parts.append(text)
    return ("；" if lang == "zh" else "; ").join(parts)


def _import_views(sources: tuple[str, ...], imports: Mapping[str, Mapping[str, Any]]
                  ) -> list[dict[str, Any]]:
    """Imported files behind a dataset's rows (appendix and manifest), newest first."""
    out = []
    for s in sources:
        if not s.startswith(IMPORT_PREFIX):
            continue
        rec = imports.get(s, {})
        at = rec.get("imported_at")
        out.append({"file": str(rec.get("file") or s.split(":", 2)[-1]),
                    "sha256": rec.get("sha256"), "label": rec.get("label"),
                    "imported_at": (at.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(at, datetime)
                                    else None),
                    "source": s})
    return sorted(out, key=lambda v: (v["imported_at"] or "", v["file"]), reverse=True)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def find_overrides(cfg: Config, week_end: date, lang: Lang) -> Overrides | None:
    """The analyst's override file for the week, if the configured folder has one."""
    if cfg.commentary.overrides_dir is None:
        return None
    folder = cfg.resolve(cfg.commentary.overrides_dir)
    label = week_end.isoformat()
    for name in (f"{label}.yaml", f"{label}.yml", f"{label}.{lang}.md", f"{label}.md"):
        if (folder / name).is_file():
            return load_overrides(folder / name)
    return None


def _png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


_LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".svg": "image/svg+xml"}


def logo_path(cfg: Config) -> Path | None:
    """The configured logo file, checked: it exists and is PNG, JPEG or SVG."""
    if cfg.report.logo is None:
        return None
    path = cfg.resolve(cfg.report.logo)
    if path.suffix.lower() not in _LOGO_TYPES:
        raise ConfigError(f"report.logo: {path} is not a PNG, JPEG or SVG file",
                          key="report.logo")
    if not path.is_file():
        raise ConfigError(f"report.logo: file not found: {path}", key="report.logo")
    return path


def _logo_data_uri(cfg: Config) -> str | None:
    path = logo_path(cfg)
    if path is None:
        return None
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{_LOGO_TYPES[path.suffix.lower()]};base64,{data}"


CACHE_DIR_ENV = "FUNDFLOW_BUILD_CACHE_DIR"


def _cache_root(cfg: Config, req: BuildRequest) -> Path:
    """Where the chart and compute caches live: ``$FUNDFLOW_BUILD_CACHE_DIR`` if set (one cache
    for several output folders, e.g. an analyst's and a cron job's builds of the same week),
    otherwise <output dir>/.cache. Entries are keyed by every input, so sharing is safe."""
    shared = os.environ.get(CACHE_DIR_ENV, "").strip()
    if shared:
        return Path(shared).expanduser()
    return (req.out_dir or cfg.resolve(cfg.output.dir)) / ".cache"


def _chart_cache(cfg: Config, req: BuildRequest) -> ChartCache | None:
    """PNG cache under <cache root>/charts (FUNDFLOW_CHART_CACHE=off disables it)."""
    if os.environ.get("FUNDFLOW_CHART_CACHE", "").strip().lower() in ("0", "off", "false", "no"):
        return None
    return ChartCache(_cache_root(cfg, req) / "charts")


def _compute_cache(cfg: Config, req: BuildRequest) -> ComputeCache | None:
    """Section contexts under <cache root>/compute (FUNDFLOW_COMPUTE_CACHE=off disables it)."""
    return open_compute_cache(_cache_root(cfg, req) / "compute")


# -- the build: its stages ----------------------------------------------------------------------
def build(cfg: Config, req: BuildRequest, *, now: datetime,
          progress: Progress | None = None) -> BuildResult:
    """Build one week's report. Raises a FundflowError subclass on any failure; the previous
    report of that week, if any, is left untouched in that case."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    sx = StageEnv(cfg, req, now, progress or Progress())
    plan = plan_stage(sx)
    with _PdfSlot(cfg.output.pdf) as pdf:
        loaded = load_stage(sx, plan)
        pdf.start()
        computed = compute_stage(sx, plan, loaded)
        charted = charts_stage(sx, computed)
        rendered = render_stage(sx, plan, loaded, computed, charted)
        written = write_stage(sx, plan, loaded, computed, charted, rendered, pdf)
        return publish_stage(sx, loaded, computed, written)


@dataclass(frozen=True)
class StageEnv:
    """What every stage is given: the config, the request, the clock, where progress goes and
    the timings each stage records its steps in (seconds by step name)."""

    cfg: Config
    req: BuildRequest
    now: datetime
    progress: Progress = field(default_factory=Progress)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def lang(self) -> Lang:
        return self.req.lang

    def timed(self, name: str) -> contextlib.AbstractContextManager[None]:
        return _timed(self.timings, name)


class _PdfSlot:
    """The build's PDF process: started once the store is read (so importing WeasyPrint, ~0.8 s
    on the other core, overlaps the checks, the computing and the charts, but not DuckDB's
    reads, which use both cores), killed when the build ends without using it."""

    def __init__(self, wanted: bool) -> None:
        self.wanted = wanted
        self.proc: PdfProcess | None = None

    def __enter__(self) -> _PdfSlot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        if self.wanted and self.proc is None:
            self.proc = PdfProcess.start()

    def close(self) -> None:
        if self.proc is not None:
            self.proc.close()


# -- plan ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BuildPlan:
    """The plan stage's result: the sections to build and everything checked before any data
    is read (reference tables, titles, the logo, the templates)."""

    ref: Reference
    sections: tuple[PlannedSection, ...]
    datasets: tuple[str, ...]        # sorted union of the sections' datasets
    jenv: Any                        # the report's Jinja environment, templates compiled


def plan_stage(sx: StageEnv) -> BuildPlan:
    cfg, lang = sx.cfg, sx.lang
    with sx.timed("plan"):
        ref = load_reference(cfg.seeds_path())
        planned = plan_sections(cfg, lang, ref)
        warn_undrawable_titles(cfg, planned, lang)
        logo_path(cfg)
        # a broken template override fails now, before any data is read or fetched
        jenv = make_env(cfg.resolve(cfg.templates_dir) if cfg.templates_dir else None, lang)
        check_templates(jenv)
        datasets = sorted({d for p in planned for d in p.spec.datasets})
    return BuildPlan(ref, tuple(planned), tuple(datasets), jenv)


# -- load ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Loaded:
    """The load stage's result: the week, and what the store holds for it."""

    store_path: Path
    week: ReportWeek
    prev: ReportWeek
    history_start: date                      # the earliest day any section looks back to
    frames: Mapping[str, pd.DataFrame]
    coverage: Mapping[str, Coverage]
    disagreements: pd.DataFrame              # what two akshare routes disagreed on
    imports: Mapping[str, Mapping[str, Any]]  # imported-file records by source


def load_stage(sx: StageEnv, plan: BuildPlan) -> Loaded:
    """Collect (``--source akshare``) or load the sample into the store, then read the week."""
    cfg, req, progress = sx.cfg, sx.req, sx.progress
    if req.source == "akshare":
        _collect(sx, plan)
    store_path = _store_path(cfg, req.source)
    if req.source == "sample":
        progress.stage("load", f"sample data -> {store_path}")
        with sx.timed("load_sample"):
            ensure_sample(store_path, cfg.sample_path(), fetched_at=sx.now)

    progress.stage("read", str(store_path))
    with sx.timed("read"), Store(store_path, read_only=True) as st:
        cal = TradingCalendar(st.trade_days())
        week = report_week(cal, req.week, sx.now)
        prev = cal.previous_week(week)
        win = _read_windows(plan, week, prev)
        frames = {d: st.read(d, start=win.span(d)[0], end=win.span(d)[1],
                             weekly_before=win.weekly.get(d)) for d in plan.datasets}
        coverage = {d: st.coverage(d, start=win.span(d)[0], end=win.span(d)[1])
                    for d in plan.datasets}
        # what two akshare routes disagreed on around the week (quality findings)
        disagreements = st.disagreements(
            sorted(plan.datasets), prev.start - timedelta(days=QUALITY_LOOKBACK_DAYS), week.end)
        # files imported with `fundflow import` behind the rows read: their names, hashes,
        # labels and times go to the source lines, the appendix and the manifest
        imports = {str(r["source"]): r for r in st.imports(tuple(sorted(
            {s for c in coverage.values() for s in c.sources if s.startswith(IMPORT_PREFIX)})))}
    log.info("week %s..%s (%d sessions), previous week ends %s", week.start, week.end,
             len(week.sessions), prev.end)
    return Loaded(store_path, week, prev, win.start, frames, coverage, disagreements, imports)


def _collect(sx: StageEnv, plan: BuildPlan) -> None:
    """Collect what the planned sections need into the store (the build then reads the store)."""
    from fundflow.collect import CollectRequest, collect

    cfg = sx.cfg
    sx.progress.stage("collect", f"akshare -> {cfg.resolve(cfg.data.store)}")
    with sx.timed("collect"):
        collected = collect(cfg, CollectRequest(week=sx.req.week, datasets=tuple(
            ["trade_days"] + [d for d in plan.datasets if d != "trade_days"])), now=sx.now)
    if not collected.ok:
        failed = collected.failed_required
        first = next(e for r in collected.reports if r.dataset in failed for e in r.errors)
        raise SourceError(f"--source akshare: collecting {', '.join(failed)} failed "
                          f"({first}); run 'fundflow collect' for the per-dataset summary, "
                          f"or build from what is stored with --source store",
                          dataset=failed[0])


@dataclass(frozen=True)
class _Windows:
    start: date                        # the earliest start of all
    ds_start: Mapping[str, date]       # each dataset's start
    friday: date
    weekly: Mapping[str, date]         # datasets read as week-end rows before this day

    def span(self, d: str) -> tuple[date | None, date | None]:
        # up to Friday, not the last A-share session: foreign markets may trade on a day the
        # exchange is closed, and their Friday belongs to this report week. Snapshots
        # (constituent lists, the stock universe) are read whole: a list taken after the week
        # is still the best one for an older week, and sections say so (and so are reference
        # tables keyed by a date that is not a trade date, such as futures contracts by
        # expiry: the contracts trading this week expire after it)
        ds = get_dataset(d)
        if ds.snapshot or ds.date_column != "trade_date":
            return (None, None)
        return (self.ds_start[d], self.friday)


def _read_windows(plan: BuildPlan, week: ReportWeek, prev: ReportWeek) -> _Windows:
    """What to read of each dataset: from the earliest start of the sections that use it (a
    dataset only short-history sections use is not read back to the longest history of the
    report, or less where a section declares it needs less of a dataset), and at least from
    the week before (the quality checks compare the two weeks)."""
    planned = plan.sections
    starts = [week.end - timedelta(days=p.spec.history_days(p.params)) for p in planned]
    floor = prev.start - timedelta(days=7)
    start = min(starts + [floor])
    need = [p.spec.dataset_history_days(p.params) for p in planned]
    ds_start = {d: min([(week.end - timedelta(days=n[d])) if d in n else s
                        for p, s, n in zip(planned, starts, need) if d in p.spec.datasets]
                       + [floor]) for d in plan.datasets}
    # daily rows only for the recent weeks of a dataset every user of which needs just
    # week-end values further back (and never within the quality checks' look-back)
    weekly: dict[str, date] = {}
    for d in plan.datasets:
        users = [p.spec.weekly_history_days(p.params) for p in planned if d in p.spec.datasets]
        if all(d in u for u in users):
            daily_from = min(week.end - timedelta(days=max(u[d] for u in users)),
                             prev.start - timedelta(days=QUALITY_LOOKBACK_DAYS))
            weekly[d] = daily_from - timedelta(days=daily_from.weekday())
    return _Windows(start, ds_start, week.friday, weekly)


# -- compute ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Computed:
    """The compute stage's result: each section's context, exhibits and text, the quality
    findings, the source lines, and the commentary (core views, analyst overrides applied)."""

    sections: tuple[ComputedSection, ...]
    findings: tuple[Finding, ...]
    sources: Mapping[str, str]                        # dataset -> source line
    imported: Mapping[str, list[dict[str, Any]]]      # dataset -> imported files behind it
    as_of: Mapping[str, date]
    is_sample: bool
    style: ChartStyle
    core_views: tuple[str, ...]
    core_overridden: bool = False
    overrides: Overrides | None = None


def compute_stage(sx: StageEnv, plan: BuildPlan, loaded: Loaded) -> Computed:
    """Quality checks and every section's compute (a failing section is isolated, shown as
    'data unavailable', unless required); contexts come from the compute cache when unchanged."""
    cfg, lang, ld = sx.cfg, sx.lang, loaded
    problems = _dataset_problems(ld)
    compute_cache = _compute_cache(cfg, sx.req)
    fingerprints = Fingerprinter()   # shared: frames used by several steps are hashed once
    # data-quality gate (issue 9): findings go to the appendix and the manifest
    with sx.timed("quality"):
        findings = cached(
            compute_cache,
            lambda: memo_key("quality", ld.frames, ld.week, ld.prev, problems, cfg.quality,
                             ld.disagreements, fp=fingerprints),
            lambda: assess_quality(ld.frames, ld.week, ld.prev, problems=problems,
                                   policy=cfg.quality, disagreements=ld.disagreements))
    is_sample = any(SAMPLE_SOURCE in c.sources for c in ld.coverage.values())
    sources = {d: _source_label(d, ld.coverage[d].sources, lang, ld.imports)
               for d in plan.datasets}
    imported = {d: _import_views(ld.coverage[d].sources, ld.imports) for d in plan.datasets}
    # a reference table keyed by another date (contracts by expiry) is current as of the week
    as_of = {d: (c.last if get_dataset(d).date_column == "trade_date" or get_dataset(d).snapshot
                 else min(c.last, ld.week.end))
             for d, c in ld.coverage.items() if c.last is not None}
    style = ChartStyle(up_color=cfg.style.up_color, down_color=cfg.style.down_color,
                       accent_color=cfg.style.accent_color,
                       neutral_color=cfg.style.neutral_color,
                       font_family=cfg.style.font_family, dpi=cfg.output.chart_dpi)
    env = ExhibitEnv(lang=lang, style=style, ref=plan.ref, sources=sources, as_of=as_of)
    with sx.timed("compute"):
        computed = [_compute_section(sx, p, ld, problems, env, compute_cache, fingerprints)
                    for p in plan.sections]
    if compute_cache is not None:
        log.info("compute: %d section(s) and the quality checks, %d from cache",
                 len(plan.sections), compute_cache.hits)
        compute_cache.prune()
    _check_some_section(computed, problems, ld)
    core_views, core_overridden, overrides, computed = _commentary(sx, computed, ld.week)
    return Computed(tuple(computed), tuple(findings), sources, imported, as_of, is_sample,
                    style, tuple(core_views), core_overridden, overrides)


def _dataset_problems(ld: Loaded) -> dict[str, str]:
    """Datasets that cannot serve this week, and why: they take out the sections that need
    them, not the report."""
    problems: dict[str, str] = {}
    week = ld.week
    for d, cov in ld.coverage.items():
        if cov.rows == 0 and get_dataset(d).fallback:
            continue   # the sections using it fall back (and say so)
        if cov.rows == 0:
            problems[d] = f"dataset {d} has no rows in the store up to {week.end}"
        elif (get_dataset(d).date_column == "trade_date" and cov.last is not None
              and cov.last < week.start):
            problems[d] = (f"dataset {d} has no rows for the week {week.start}..{week.end} "
                           f"(it ends at {cov.last})")
    return problems


def _compute_section(sx: StageEnv, p: PlannedSection, ld: Loaded, problems: Mapping[str, str],
                     env: ExhibitEnv, compute_cache: ComputeCache | None,
                     fingerprints: Fingerprinter) -> ComputedSection:
    """One section's context, exhibits and text; a failure is its error unless it is required."""
    sx.progress.stage("compute", p.key)
    try:
        lacking = [problems[d] for d in p.spec.datasets if d in problems]
        if lacking:
            raise DataError("; ".join(lacking))
        inp = SectionInput(week=ld.week, prev_week=ld.prev, history_start=ld.history_start,
                           frames={d: ld.frames[d] for d in p.spec.datasets},
                           params=p.params, ref=env.ref)
        ctx = cached(compute_cache, lambda: section_key(p.spec.name, inp, fingerprints),
                     lambda: p.spec.compute(inp))
        exs = list(p.spec.exhibits(ctx, senv := env.for_section(p.params, p.spec.datasets)))
        facts: list[Fact] = []
        if p.spec.facts is not None:
            facts = list(p.spec.facts(ctx, senv))
            summary = [render_fact(f, sx.lang) for f in facts]
        else:
            summary = list(p.spec.summary(ctx, senv))
    except (FundflowError, KeyError, ValueError, ZeroDivisionError, IndexError,
            TypeError) as exc:
        reason = (str(exc) if isinstance(exc, FundflowError)
                  else f"{type(exc).__name__}: {exc}")
        if p.required:
            raise SectionError(f"required section {p.key} failed: {reason}",
                               section=p.key) from exc
        log.warning("section %s left out: %s", p.key, reason, exc_info=log.isEnabledFor(
            logging.DEBUG))
        return ComputedSection(p, None, [], [], reason)
    return ComputedSection(p, ctx, exs, summary, facts=facts)


def _check_some_section(computed: list[ComputedSection], problems: Mapping[str, str],
                        ld: Loaded) -> None:
    """A report with no section at all is an error: missing data, or every section failing."""
    if any(c.error is None for c in computed):
        return
    if problems:
        last = max((c.last for d, c in ld.coverage.items() if d in problems and c.last),
                   default=None)
        ends = f" (it ends at {last})" if last else ""
        raise DataError(f"no rows for the week {ld.week.start}..{ld.week.end} in the store "
                        f"{ld.store_path}{ends} for dataset(s) {', '.join(sorted(problems))}; "
                        f"collect that week first", dataset=sorted(problems)[0])
    raise SectionError("every section failed: " + "; ".join(
        f"{c.planned.key}: {c.error}" for c in computed))


def _commentary(sx: StageEnv, computed: list[ComputedSection], week: ReportWeek
                ) -> tuple[list[str], bool, Overrides | None, list[ComputedSection]]:
    """Generated facts ranked for the cover, then the analyst's override if any: the core
    views, whether they were overridden, the override file, and the sections' texts."""
    lang = sx.lang
    candidates: list[Candidate] = []
    for i, c in enumerate(computed):
        if c.facts:
            candidates += [Candidate(i, j, c.planned.key, f.score, text, c.planned.spec.part,
                                     not c.planned.spec.preface)
                           for j, (f, text) in enumerate(zip(c.facts, c.summary))]
        elif c.summary:   # a section without facts offers its first sentence, unranked
            candidates.append(Candidate(i, 0, c.planned.key, 0.0, c.summary[0],
                                        c.planned.spec.part, not c.planned.spec.preface))
    core_views = [v.text for v in choose_core_views(candidates)]
    overrides = find_overrides(sx.cfg, week.end, lang)
    core_overridden = False
    if overrides is not None:
        check_override_ids(overrides, [c.planned.key for c in computed])
        core_views, core_overridden = apply_override(core_views, overrides.core_views, lang)
        computed = [replace(c, summary=new, overridden=True) if changed else c
                    for c in computed
                    for new, changed in [apply_override(c.summary,
                                                        overrides.sections.get(c.planned.key),
                                                        lang)]]
    return core_views, core_overridden, overrides, computed


# -- charts -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NumberedExhibit:
    number: int            # 1, 2, ... through the report
    section: str           # the section's id
    exhibit: Exhibit

    @property
    def name(self) -> str:
        """The file name stem of its chart and data: ``07_broad_indices_broad_table``."""
        return f"{self.number:02d}_{self.section}_{self.exhibit.key}"


@dataclass(frozen=True)
class Charted:
    """The charts stage's result: every exhibit numbered, and each chart's PNG by number."""

    exhibits: tuple[NumberedExhibit, ...]
    pngs: Mapping[int, bytes]


def number_exhibits(sections: Sequence[ComputedSection]) -> tuple[NumberedExhibit, ...]:
    """Every exhibit of the report, numbered 1, 2, ... in section order."""
    return tuple(NumberedExhibit(n, key, ex) for n, (key, ex) in enumerate(
        ((c.planned.key, ex) for c in sections for ex in c.exhibits), 1))


def charts_stage(sx: StageEnv, computed: Computed) -> Charted:
    """Number the exhibits and draw the charts: unchanged ones come from the chart cache, the
    rest are drawn on all cores (forked workers)."""
    numbered = number_exhibits(computed.sections)
    with sx.timed("charts"):
        charted = [n for n in numbered if isinstance(n.exhibit, ChartExhibit)]
        chart_cache = _chart_cache(sx.cfg, sx.req)
        stats = RenderStats()
        rendered = render_many(
            [ChartJob(name=f"{n.section}.{n.exhibit.key}", make=n.exhibit.make,
                      title=n.exhibit.title, data=n.exhibit.data)
             for n in charted if isinstance(n.exhibit, ChartExhibit)],
            computed.style, cache=chart_cache, stats=stats,
            on_rendered=lambda job: sx.progress.stage("chart", job.name))
        pngs = {n.number: png for n, png in zip(charted, rendered)}
        if chart_cache is not None:
            chart_cache.prune()
    log.info("charts: %d (%d from cache, %d drawn on %d worker(s), %d not cacheable)",
             stats.charts, stats.cached, stats.rendered, stats.workers, stats.uncacheable)
    return Charted(numbered, pngs)


# -- render -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rendered:
    """The render stage's result: the page, the exhibits as it shows them (by number) and the
    alert thresholds hit."""

    html: str
    exhibits: Mapping[int, Mapping[str, Any]]
    alerts: tuple[AlertHit, ...]
    records: tuple[ExhibitRecord, ...]     # each exhibit's printed text, for the manifest


def render_stage(sx: StageEnv, plan: BuildPlan, loaded: Loaded, computed: Computed,
                 charted: Charted) -> Rendered:
    cfg, lang = sx.cfg, sx.lang
    L = labels(lang)
    ex_views = {n.number: _exhibit_view(n, charted.pngs) for n in charted.exhibits}
    chapters = _chapters(computed.sections, charted.exhibits, ex_views, L)
    section_metrics = {c.planned.key: dict(c.planned.spec.metrics(c.ctx))
                       for c in computed.sections if c.error is None}
    alert_hits = evaluate_alerts(cfg.alerts, section_metrics,
                                 {p.key: p.spec.metric_formats for p in plan.sections}, lang)
    meta = _meta(sx, loaded.week, computed.is_sample)
    appendix = _appendix(plan.datasets, loaded, computed, lang)
    with sx.timed("html"):
        css = render_template(plan.jenv, "css/report.css.j2", style=cfg.style, meta=meta, t=L)
        html = render_template(
            plan.jenv, "report.html.j2", css=css, meta=meta, t=L, chapters=chapters,
            exhibits=list(ex_views.values()), core_views=list(computed.core_views),
            core_views_overridden=computed.core_overridden,
            alerts=[h.text for h in alert_hits],
            calendar_warnings=list(loaded.week.warnings) + list(loaded.prev.warnings),
            appendix=appendix, quality=[f.view(lang) for f in computed.findings])
    records = tuple(_exhibit_record(n, L, plan.jenv.filters) for n in charted.exhibits)
    return Rendered(html, ex_views, tuple(alert_hits), records)


def _exhibit_record(n: NumberedExhibit, L: Mapping[str, Any], filters: Mapping[str, Any]
                    ) -> ExhibitRecord:
    """An exhibit for the manifest: where its data is, and its text as the page prints it."""
    ex = n.exhibit
    table = (printed_table(ex.columns, ex.rows, filters) if isinstance(ex, TableExhibit)
             else None)
    return ExhibitRecord(
        number=n.number, section=n.section, key=ex.key,
        kind="chart" if isinstance(ex, ChartExhibit) else "table", title=ex.title,
        data=f"data/{n.name}.csv", source_line=printed_source_line(ex.source, ex.as_of, L),
        note=printed_text(ex.note) if isinstance(ex, TableExhibit) else "", table=table)


def _exhibit_view(n: NumberedExhibit, pngs: Mapping[int, bytes]) -> dict[str, Any]:
    ex = n.exhibit
    view: dict[str, Any] = {
        "number": n.number, "anchor": f"exhibit-{n.number}", "title": ex.title,
        "source": ex.source, "as_of": ex.as_of, "key": ex.key, "section": n.section,
    }
    if isinstance(ex, ChartExhibit):
        view.update(kind="chart", src=_png_data_uri(pngs[n.number]),
                    file=f"charts/{n.name}.png", tall=False)
    else:
        view.update(kind="table", columns=ex.columns, rows=ex.rows, note=ex.note)
    return view


def _chapters(computed: Sequence[ComputedSection], numbered: Sequence[NumberedExhibit],
              ex_views: Mapping[int, Mapping[str, Any]], L: Mapping[str, Any]
              ) -> list[dict[str, Any]]:
    """Sections grouped into numbered chapters by part, each with its exhibits' views."""
    chapters: list[dict[str, Any]] = []
    by_part: dict[str, dict[str, Any]] = {}
    first_number: dict[str, int] = {}
    num_iter = iter(numbered)
    for c in computed:
        p = c.planned
        ch = by_part.get(p.spec.part)
        if ch is None:
            ch = {"number": str(len(chapters) + 2), "title": L["chapters"][p.spec.part],
                  "anchor": f"chapter-{p.spec.part}", "sections": []}
            by_part[p.spec.part] = ch
            # a preface opening its chapter is N.0, so the regular sections keep N.1, N.2, ...
            first_number[p.spec.part] = 0 if p.spec.preface else 1
            chapters.append(ch)
        views = {}
        for _ in c.exhibits:
            n = next(num_iter)
            views[n.exhibit.key] = ex_views[n.number]
        ch["sections"].append({
            "number": f"{ch['number']}.{len(ch['sections']) + first_number[p.spec.part]}",
            "title": p.title,
            "anchor": f"section-{p.key}", "template": p.spec.template, "ex": views,
            "ctx": c.ctx, "summary": c.summary, "error": c.error, "overridden": c.overridden,
        })
    return chapters


def _meta(sx: StageEnv, week: ReportWeek, is_sample: bool) -> dict[str, Any]:
    """The cover's and the footer's values."""
    cfg, lang, now = sx.cfg, sx.lang, sx.now
    L = labels(lang)
    rep = cfg.report
    return {
        "version": __version__, "lang": lang, "html_lang": L["html_lang"],
        "title": rep.title.get(lang),
        "subtitle": rep.subtitle.get(lang) if rep.subtitle else "",
        "organisation": rep.organisation.get(lang),
        "footer": rep.footer.get(lang) if rep.footer else rep.organisation.get(lang),
        "logo": _logo_data_uri(cfg),
        "analysts": [{"name": (a.name_en or a.name) if lang == "en" else a.name,
                      "license_no": a.license_no} for a in rep.analysts],
        "week_start": week.start, "week_end": week.end, "sessions": week.sessions,
        "week_label": f"{week.start.isoformat()} {L['to']} {week.end.isoformat()}",
        "issue_date": now.astimezone(SHANGHAI).date(), "is_sample": is_sample,
        "disclaimer": rep.disclaimer.get(lang) if rep.disclaimer else L["disclaimer"],
        "config_name": cfg.source_path.name if cfg.source_path else "(in memory)",
        "config_hash": cfg.source_hash or "-",
        "built_at": now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M %Z"),
    }


def _appendix(datasets: Sequence[str], ld: Loaded, cp: Computed, lang: Lang
              ) -> list[dict[str, Any]]:
    """One row per dataset: title, source, as-of, rows, imported files, missing sessions."""
    L = labels(lang)
    week = ld.week
    appendix = []
    for d in datasets:
        ds = get_dataset(d)
        cov = ld.coverage[d]
        missing = []
        if not ds.snapshot and ds.date_column == "trade_date":
            have = set(ld.frames[d]["trade_date"].dt.date)
            gaps = [s for s in week.sessions if s not in have]
            if gaps:
                missing.append(str(L["ap_missing_sessions"]).format(
                    days=", ".join(g.isoformat() for g in gaps)))
        if (cov.last is not None and cov.last < week.end and not ds.snapshot
                and ds.date_column == "trade_date"):
            missing.append(str(L["ap_lag"]))
        appendix.append({"name": d, "title": ds.title_zh if lang == "zh" else ds.title_en,
                         "source": cp.sources[d], "as_of": cp.as_of.get(d), "rows": cov.rows,
                         "imports": cp.imported[d],
                         "missing": "；".join(missing) if lang == "zh" else "; ".join(missing)})
    return appendix


# -- write --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Written:
    """The write stage's result: a complete report folder next to its final place."""

    tmp: Path
    out_root: Path
    pages: int
    pdf: bool
    manifest: dict[str, Any]    # as written (manifest.Manifest.as_json)


def write_stage(sx: StageEnv, plan: BuildPlan, loaded: Loaded, computed: Computed,
                charted: Charted, rendered: Rendered, pdf: _PdfSlot) -> Written:
    """Write the page, charts, data, PDF and manifest into a temporary folder next to the
    week's folder (nothing is written into that one until everything is done)."""
    cfg = sx.cfg
    out_root = sx.req.out_dir or cfg.resolve(cfg.output.dir)
    label = loaded.week.label
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        recover_interrupted(out_root)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{label}-", suffix=f"-{os.getpid()}",
                                    dir=out_root))
        os.chmod(tmp, 0o755)   # mkdtemp makes it private; the archive is read by others
    except OSError as exc:
        raise RenderError(f"cannot write to output folder {out_root}: {exc.strerror}") from exc
    with _removed_on_error(tmp, out_root, label):
        (tmp / "charts").mkdir()
        (tmp / "data").mkdir()
        (tmp / "report.html").write_text(rendered.html, encoding="utf-8")
        if computed.overrides is not None:   # kept with the report so it can be rebuilt exactly
            (tmp / "commentary").mkdir()
            shutil.copy2(computed.overrides.path, tmp / "commentary" / computed.overrides.path.name)
        for n in charted.exhibits:
            if n.number in charted.pngs:
                (tmp / "charts" / f"{n.name}.png").write_bytes(charted.pngs[n.number])
        pages = _write_data_and_pdf(sx, tmp, charted.exhibits, rendered.html, pdf)
        manifest = write_manifest(tmp, _manifest(sx, plan, loaded, computed, rendered, pages))
    return Written(tmp, out_root, pages, cfg.output.pdf, manifest)


def _write_data_and_pdf(sx: StageEnv, tmp: Path, numbered: Sequence[NumberedExhibit],
                        html: str, pdf: _PdfSlot) -> int:
    """The exhibits' data files, and the PDF if configured (laid out by the PDF process while
    this one writes the data); returns the PDF's pages (0 without one)."""
    cfg = sx.cfg
    if not cfg.output.pdf:
        with sx.timed("data"):
            _write_data(tmp / "data", numbered, cfg.output.excel)
        return 0
    sx.progress.stage("pdf", "WeasyPrint")
    t_pdf = time.perf_counter()
    if pdf.proc is not None:
        pdf.proc.submit(tmp / "report.html", tmp / "report.pdf", base_dir=tmp)
    with sx.timed("data"):
        _write_data(tmp / "data", numbered, cfg.output.excel)
    with sx.timed("pdf_wait"):
        if pdf.proc is not None:
            pages = pdf.proc.result(timeout_s=cfg.output.pdf_timeout_s)
        else:
            pages = html_to_pdf(html, tmp / "report.pdf", base_dir=tmp)
    sx.timings["pdf"] = round(time.perf_counter() - t_pdf, 3)
    return pages


@contextmanager
def _removed_on_error(tmp: Path, out_root: Path, label: str) -> Iterator[None]:
    """Remove the unfinished folder on any failure; an OSError (disk full, permissions) is one
    clear RenderError line, and the previous report is untouched."""
    try:
        yield
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise RenderError(f"writing the report to {out_root} failed: "
                              f"{exc.strerror or exc}; the previous report of {label} is "
                              f"unchanged") from exc
        raise


# -- publish ------------------------------------------------------------------------------------
def publish_stage(sx: StageEnv, loaded: Loaded, computed: Computed,
                  written: Written) -> BuildResult:
    """Swap the finished folder in for the week's folder, in one rename."""
    final = written.out_root / loaded.week.label
    with _removed_on_error(written.tmp, written.out_root, loaded.week.label):
        _replace_dir(written.tmp, final)
    return BuildResult(week=loaded.week, folder=final, html=final / "report.html",
                       pdf=(final / "report.pdf") if written.pdf else None, pages=written.pages,
                       manifest=written.manifest, timings=sx.timings,
                       unavailable={c.planned.key: c.error for c in computed.sections
                                    if c.error})


def _manifest(sx: StageEnv, plan: BuildPlan, ld: Loaded, cp: Computed, rd: Rendered,
              pages: int) -> Manifest:
    cfg, lang, week, prev = sx.cfg, sx.lang, ld.week, ld.prev
    overrides = cp.overrides
    return Manifest(
        fundflow_version=__version__,
        week=WeekRecord(label=week.label, monday=week.monday, friday=week.friday,
                        sessions=tuple(week.sessions), calendar_source=week.source,
                        warnings=tuple(week.warnings)),
        previous_week=PreviousWeekRecord(label=prev.label, sessions=tuple(prev.sessions)),
        language=lang, source=sx.req.source, sample_data=cp.is_sample,
        config=ConfigRecord(path=str(cfg.source_path) if cfg.source_path else None,
                            hash=cfg.source_hash),
        built_at=sx.now.isoformat(),
        sections=tuple(SectionRecord(
            id=c.planned.key, section=c.planned.spec.name,
            params=c.planned.params.model_dump(mode="json"), required=c.planned.required,
            status="ok" if c.error is None else "unavailable", error=c.error,
            text=tuple(c.summary), text_from_override=c.overridden,
            inputs=dict(c.planned.spec.provenance(c.ctx)) if c.error is None else {})
            for c in cp.sections),
        datasets={d: DatasetRecord(
            source=cp.sources[d], stored_sources=tuple(ld.coverage[d].sources),
            as_of=cp.as_of[d].isoformat() if cp.as_of.get(d) else None,
            rows=ld.coverage[d].rows, first=_iso(ld.coverage[d].first),
            imports=tuple(cp.imported[d])) for d in plan.datasets},
        exhibits=rd.records,
        core_views=tuple(cp.core_views),
        commentary_override=f"commentary/{overrides.path.name}" if overrides else None,
        facts=tuple(FactRecord(
            section=c.planned.key, kind=f.kind, score=round(f.score, 3), text=text,
            names=tuple(f.names(lang)),
            numbers=tuple({"value": n.value, "fmt": n.fmt, "shown": n.shown(lang)}
                          for n in f.numbers()))
            for c in cp.sections for f, text in zip(c.facts, c.summary) if not c.overridden),
        alerts=tuple(h.as_dict() for h in rd.alerts),
        quality=tuple(f.as_dict() for f in cp.findings),
        pages=pages, timings_s=dict(sx.timings))


def _write_data(folder: Path, numbered: Sequence[NumberedExhibit], excel: bool) -> None:
    sheets: list[tuple[str, pd.DataFrame]] = []
    for n in numbered:
        # text from imported files is data: a cell such as =HYPERLINK(...) must not become a
        # formula in the reader's spreadsheet
        safe_csv_frame(n.exhibit.data).to_csv(folder / f"{n.name}.csv", index=False,
                                              encoding="utf-8-sig", float_format="%.10g")
        sheets.append((f"{n.number:02d}_{n.exhibit.key}"[:31], n.exhibit.data))
    if excel:
        from fundflow.render.xlsx import write_workbook

        write_workbook(folder / "report_data.xlsx", sheets)


def recover_interrupted(out_root: Path) -> None:
    """Undo what a build killed mid-write left behind: a week folder that exists only as
    ``.old-<label>-<pid>`` (killed between the two renames of the swap) is moved back, and
    leftover ``.tmp-*`` folders of dead builds are removed."""
    if not out_root.is_dir():
        return
    for old in sorted(out_root.glob(".old-*")):
        label = old.name[len(".old-"):].rsplit("-", 1)[0]
        final = out_root / label
        if not final.exists():
            old.rename(final)
            log.warning("restored %s from an interrupted build", final)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in out_root.glob(".tmp-*"):
        try:
            pid = int(tmp.name.rsplit("-", 1)[-1]) if tmp.name.count("-") >= 2 else None
        except ValueError:
            pid = None
        if pid is None or not _alive(pid):
            shutil.rmtree(tmp, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _replace_dir(tmp: Path, final: Path) -> None:
    """Move the finished folder into place; the old one is removed only after the swap."""
    old: Path | None = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{os.getpid()}")
        final.rename(old)
    try:
        tmp.rename(final)
    except OSError:
        if old is not None:
            old.rename(final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
