"""Orchestration only: plan -> load -> compute -> charts -> render -> write.

The clock (``now``), the source and the week are arguments, so tests pass their own. Nothing is
written into the report folder until everything is rendered: outputs go to a temporary folder
next to it that replaces the old folder in one rename.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd

from fundflow import __version__
from fundflow.alerts import evaluate as evaluate_alerts
from fundflow.quality import LOOKBACK_DAYS as QUALITY_LOOKBACK_DAYS
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
from fundflow.data.sample import SAMPLE_SOURCE, load_sample
from fundflow.data.schemas import get_dataset
from fundflow.data.store import Store
from fundflow.errors import ConfigError, DataError, FundflowError, RenderError, SectionError, SourceError
from fundflow.plan import PlannedSection, plan_sections
from fundflow.reference import Reference, load_reference
from fundflow.render.csvsafe import safe_csv_frame
from fundflow.render.env import check_templates, make_env, render_template
from fundflow.render.labels import labels
from fundflow.render.pdf import PdfProcess, html_to_pdf
from fundflow.sections.base import (
    ChartExhibit, Exhibit, ExhibitEnv, SectionInput,
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
    ctx: Any                       # None when the section failed
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


def _resolve_week(cal: TradingCalendar, week: date | None, now: datetime) -> ReportWeek:
    if week is None:
        return cal.latest_completed_week(now)
    return cal.week_of(week)


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


# -- the build ----------------------------------------------------------------------------------
def build(cfg: Config, req: BuildRequest, *, now: datetime,
          progress: Progress | None = None) -> BuildResult:
    """Build one week's report. Raises a FundflowError subclass on any failure; the previous
    report of that week, if any, is left untouched in that case."""
    progress = progress or Progress()
    timings: dict[str, float] = {}
    lang = req.lang
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")

    with _timed(timings, "plan"):
        ref = load_reference(cfg.seeds_path())
        planned = plan_sections(cfg, lang, ref)
        warn_undrawable_titles(cfg, planned, lang)
        logo_path(cfg)
        # a broken template override fails now, before any data is read or fetched
        jenv = make_env(cfg.resolve(cfg.templates_dir) if cfg.templates_dir else None, lang)
        check_templates(jenv)
        datasets = sorted({d for p in planned for d in p.spec.datasets})

    pdf = _PdfSlot(cfg.output.pdf)
    try:
        return _build(cfg, req, now, progress, timings, ref, planned, jenv, datasets, pdf)
    finally:
        pdf.close()


class _PdfSlot:
    """The build's PDF process: started once the store is read (so importing WeasyPrint, ~0.8 s
    on the other core, overlaps the checks, the computing and the charts, but not DuckDB's
    reads, which use both cores), killed when the build ends without using it."""

    def __init__(self, wanted: bool) -> None:
        self.wanted = wanted
        self.proc: PdfProcess | None = None

    def start(self) -> None:
        if self.wanted and self.proc is None:
            self.proc = PdfProcess.start()

    def close(self) -> None:
        if self.proc is not None:
            self.proc.close()


def _build(cfg: Config, req: BuildRequest, now: datetime, progress: Progress,
           timings: dict[str, float], ref: Reference, planned: list[PlannedSection],
           jenv: Any, datasets: list[str], pdf: _PdfSlot) -> BuildResult:
    lang = req.lang
    L = labels(lang)
    if req.source == "akshare":
        # collect what the planned sections need into the store, then build from the store
        from fundflow.collect import CollectRequest, collect

        progress.stage("collect", f"akshare -> {cfg.resolve(cfg.data.store)}")
        with _timed(timings, "collect"):
            collected = collect(cfg, CollectRequest(week=req.week, datasets=tuple(
                ["trade_days"] + [d for d in datasets if d != "trade_days"])), now=now)
        if not collected.ok:
            failed = collected.failed_required
            first = next(e for r in collected.reports if r.dataset in failed for e in r.errors)
            raise SourceError(f"--source akshare: collecting {', '.join(failed)} failed "
                              f"({first}); run 'fundflow collect' for the per-dataset summary, "
                              f"or build from what is stored with --source store",
                              dataset=failed[0])

    store_path = _store_path(cfg, req.source)
    if req.source == "sample":
        progress.stage("load", f"sample data -> {store_path}")
        with _timed(timings, "load_sample"), Store(store_path) as st:
            load_sample(st, cfg.sample_path(), fetched_at=now)

    progress.stage("read", str(store_path))
    with _timed(timings, "read"), Store(store_path, read_only=True) as st:
        cal = TradingCalendar(st.trade_days())
        week = _resolve_week(cal, req.week, now)
        prev = cal.previous_week(week)
        starts = [week.end - timedelta(days=p.spec.history_days(p.params)) for p in planned]
        start = min(starts + [prev.start - timedelta(days=7)])
        # each dataset from the earliest start of the sections that use it (a dataset only
        # short-history sections use is not read back to the longest history of the report),
        # and at least from the week before (the quality checks compare the two weeks)
        # (or less, where a section declares it needs less of a dataset)
        need = [p.spec.dataset_history_days(p.params) for p in planned]
        ds_start = {d: min([(week.end - timedelta(days=n[d])) if d in n else s
                            for p, s, n in zip(planned, starts, need) if d in p.spec.datasets]
                           + [prev.start - timedelta(days=7)]) for d in datasets}
        # up to Friday, not the last A-share session: foreign markets may trade on a day the
        # exchange is closed, and their Friday belongs to this report week
        # snapshots (constituent lists, the stock universe) are read whole: a list taken after
        # the week is still the best one for an older week, and sections say so
        # (and so are reference tables keyed by a date that is not a trade date, such as futures
        # contracts by expiry: the contracts trading this week expire after it)
        def window(d: str) -> tuple[date | None, date | None]:
            return (None, None) if get_dataset(d).snapshot else (ds_start[d], week.friday)

        def read_window(d: str) -> tuple[date | None, date | None]:
            return window(d) if get_dataset(d).date_column == "trade_date" else (None, None)

        # daily rows only for the recent weeks of a dataset every user of which needs just
        # week-end values further back (and never within the quality checks' look-back)
        weekly: dict[str, date] = {}
        for d in datasets:
            users = [p.spec.weekly_history_days(p.params) for p in planned
                     if d in p.spec.datasets]
            if all(d in u for u in users):
                daily_from = min(week.end - timedelta(days=max(u[d] for u in users)),
                                 prev.start - timedelta(days=QUALITY_LOOKBACK_DAYS))
                weekly[d] = daily_from - timedelta(days=daily_from.weekday())
        frames = {d: st.read(d, start=read_window(d)[0], end=read_window(d)[1],
                             weekly_before=weekly.get(d)) for d in datasets}
        coverage = {d: st.coverage(d, start=window(d)[0], end=window(d)[1])
                    if get_dataset(d).date_column == "trade_date"
                    else st.coverage(d, start=None, end=None) for d in datasets}
        # what two akshare routes disagreed on around the week (quality findings)
        disagreements = st.disagreements(
            sorted(datasets), prev.start - timedelta(days=QUALITY_LOOKBACK_DAYS), week.end)
        # files imported with `fundflow import` behind the rows read: their names, hashes,
        # labels and times go to the source lines, the appendix and the manifest
        imports = {str(r["source"]): r for r in st.imports(tuple(sorted(
            {s for c in coverage.values() for s in c.sources if s.startswith(IMPORT_PREFIX)})))}
    pdf.start()
    log.info("week %s..%s (%d sessions), previous week ends %s", week.start, week.end,
             len(week.sessions), prev.end)
    # a dataset that cannot serve this week takes out the sections that need it, not the report
    problems: dict[str, str] = {}
    for d, cov in coverage.items():
        if cov.rows == 0 and get_dataset(d).fallback:
            continue   # the sections using it fall back (and say so)
        if cov.rows == 0:
            problems[d] = f"dataset {d} has no rows in the store up to {week.end}"
        elif (get_dataset(d).date_column == "trade_date" and cov.last is not None
              and cov.last < week.start):
            problems[d] = (f"dataset {d} has no rows for the week {week.start}..{week.end} "
                           f"(it ends at {cov.last})")
    # data-quality gate (issue 9): findings go to the appendix and the manifest
    compute_cache = _compute_cache(cfg, req)
    fingerprints = Fingerprinter()   # shared: frames used by several steps are hashed once
    with _timed(timings, "quality"):
        findings = cached(
            compute_cache,
            lambda: memo_key("quality", frames, week, prev, problems, cfg.quality,
                             disagreements, fp=fingerprints),
            lambda: assess_quality(frames, week, prev, problems=problems, policy=cfg.quality,
                                   disagreements=disagreements))

    is_sample = any(SAMPLE_SOURCE in c.sources for c in coverage.values())
    sources = {d: _source_label(d, coverage[d].sources, lang, imports) for d in datasets}
    imported = {d: _import_views(coverage[d].sources, imports) for d in datasets}
    # a reference table keyed by another date (contracts by expiry) is current as of the week
    as_of = {d: (c.last if get_dataset(d).date_column == "trade_date" or get_dataset(d).snapshot
                 else min(c.last, week.end))
             for d, c in coverage.items() if c.last is not None}
    style = ChartStyle(up_color=cfg.style.up_color, down_color=cfg.style.down_color,
                       accent_color=cfg.style.accent_color,
                       neutral_color=cfg.style.neutral_color,
                       font_family=cfg.style.font_family, dpi=cfg.output.chart_dpi)
    env = ExhibitEnv(lang=lang, style=style, ref=ref, sources=sources, as_of=as_of)

    # compute: a failing section is isolated (shown as 'data unavailable') unless required
    computed: list[ComputedSection] = []
    with _timed(timings, "compute"):
        for p in planned:
            progress.stage("compute", p.key)
            try:
                lacking = [problems[d] for d in p.spec.datasets if d in problems]
                if lacking:
                    raise DataError("; ".join(lacking))
                inp = SectionInput(week=week, prev_week=prev, history_start=start,
                                   frames={d: frames[d] for d in p.spec.datasets},
                                   params=p.params, ref=ref)
                ctx = cached(compute_cache,
                             lambda: section_key(p.spec.name, inp, fingerprints),  # noqa: B023
                             lambda: p.spec.compute(inp))  # noqa: B023 - called right here
                exs = list(p.spec.exhibits(ctx, senv := env.for_section(p.params)))
                facts: list[Fact] = []
                if p.spec.facts is not None:
                    facts = list(p.spec.facts(ctx, senv))
                    summary = [render_fact(f, lang) for f in facts]
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
                computed.append(ComputedSection(p, None, [], [], reason))
                continue
            computed.append(ComputedSection(p, ctx, exs, summary, facts=facts))
    if compute_cache is not None:
        log.info("compute: %d section(s) and the quality checks, %d from cache",
                 len(planned), compute_cache.hits)
        compute_cache.prune()
    if all(c.error is not None for c in computed):
        if problems:
            last = max((c.last for d, c in coverage.items() if d in problems and c.last),
                       default=None)
            ends = f" (it ends at {last})" if last else ""
            raise DataError(f"no rows for the week {week.start}..{week.end} in the store "
                            f"{store_path}{ends} for dataset(s) {', '.join(sorted(problems))}; "
                            f"collect that week first", dataset=sorted(problems)[0])
        raise SectionError("every section failed: " + "; ".join(
            f"{c.planned.key}: {c.error}" for c in computed))

    # commentary: generated facts, ranked for the cover, then the analyst's override if any
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
    overrides = find_overrides(cfg, week.end, lang)
    core_overridden = False
    if overrides is not None:
        check_override_ids(overrides, [c.planned.key for c in computed])
        core_views, core_overridden = apply_override(core_views, overrides.core_views, lang)
        computed = [replace(c, summary=new, overridden=True) if changed else c
                    for c in computed
                    for new, changed in [apply_override(c.summary,
                                                        overrides.sections.get(c.planned.key),
                                                        lang)]]

    # charts
    numbered: list[tuple[int, str, Exhibit]] = []
    n = 0
    for c in computed:
        for ex in c.exhibits:
            n += 1
            numbered.append((n, c.planned.key, ex))
    pngs: dict[int, bytes] = {}
    with _timed(timings, "charts"):
        # unchanged charts come from the cache; the rest are drawn on all cores (forked workers)
        charted = [(number, f"{key}.{ex.key}", ex) for number, key, ex in numbered
                   if isinstance(ex, ChartExhibit)]
        chart_cache = _chart_cache(cfg, req)
        chart_stats = RenderStats()
        rendered = render_many(
            [ChartJob(name=name, make=ex.make, title=ex.title, data=ex.data)
             for _n, name, ex in charted],
            style, cache=chart_cache, stats=chart_stats,
            on_rendered=lambda job: progress.stage("chart", job.name))
        pngs = {number: png for (number, _name, _ex), png in zip(charted, rendered)}
        if chart_cache is not None:
            chart_cache.prune()
    log.info("charts: %d (%d from cache, %d drawn on %d worker(s), %d not cacheable)",
             chart_stats.charts, chart_stats.cached, chart_stats.rendered, chart_stats.workers,
             chart_stats.uncacheable)

    # report context
    ex_views: dict[int, dict[str, Any]] = {}
    for number, key, ex in numbered:
        view: dict[str, Any] = {
            "number": number, "anchor": f"exhibit-{number}", "title": ex.title,
            "source": ex.source, "as_of": ex.as_of, "key": ex.key, "section": key,
        }
        if isinstance(ex, ChartExhibit):
            view.update(kind="chart", src=_png_data_uri(pngs[number]),
                        file=f"charts/{number:02d}_{key}_{ex.key}.png", tall=False)
        else:
            view.update(kind="table", columns=ex.columns, rows=ex.rows, note=ex.note)
        ex_views[number] = view
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
            number, _k, ex = next(num_iter)
            views[ex.key] = ex_views[number]
        ch["sections"].append({
            "number": f"{ch['number']}.{len(ch['sections']) + first_number[p.spec.part]}",
            "title": p.title,
            "anchor": f"section-{p.key}", "template": p.spec.template, "ex": views,
            "ctx": c.ctx, "summary": c.summary, "error": c.error, "overridden": c.overridden,
        })
    section_metrics = {c.planned.key: dict(c.planned.spec.metrics(c.ctx))
                       for c in computed if c.error is None}
    alert_hits = evaluate_alerts(cfg.alerts, section_metrics,
                                 {p.key: p.spec.metric_formats for p in planned}, lang)
    issue_date = now.astimezone(SHANGHAI).date()
    meta = {
        "version": __version__, "lang": lang, "html_lang": L["html_lang"],
        "title": cfg.report.title.get(lang),
        "subtitle": cfg.report.subtitle.get(lang) if cfg.report.subtitle else "",
        "organisation": cfg.report.organisation.get(lang),
        "footer": (cfg.report.footer.get(lang) if cfg.report.footer
                   else cfg.report.organisation.get(lang)),
        "logo": _logo_data_uri(cfg),
        "analysts": [{"name": (a.name_en or a.name) if lang == "en" else a.name,
                      "license_no": a.license_no} for a in cfg.report.analysts],
        "week_start": week.start, "week_end": week.end, "sessions": week.sessions,
        "week_label": f"{week.start.isoformat()} {L['to']} {week.end.isoformat()}",
        "issue_date": issue_date, "is_sample": is_sample,
        "disclaimer": cfg.report.disclaimer.get(lang) if cfg.report.disclaimer else L["disclaimer"],
        "config_name": cfg.source_path.name if cfg.source_path else "(in memory)",
        "config_hash": cfg.source_hash or "-",
        "built_at": now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M %Z"),
    }
    appendix = []
    for d in datasets:
        ds = get_dataset(d)
        cov = coverage[d]
        missing = []
        if not ds.snapshot and ds.date_column == "trade_date":
            have = set(frames[d]["trade_date"].dt.date)
            gaps = [s for s in week.sessions if s not in have]
            if gaps:
                missing.append(str(L["ap_missing_sessions"]).format(
                    days=", ".join(g.isoformat() for g in gaps)))
        if (cov.last is not None and cov.last < week.end and not ds.snapshot
                and ds.date_column == "trade_date"):
            missing.append(str(L["ap_lag"]))
        appendix.append({"name": d, "title": ds.title_zh if lang == "zh" else ds.title_en,
                         "source": sources[d], "as_of": as_of.get(d), "rows": cov.rows,
                         "imports": imported[d],
                         "missing": "；".join(missing) if lang == "zh" else "; ".join(missing)})

    with _timed(timings, "html"):
        css = render_template(jenv, "css/report.css.j2", style=cfg.style, meta=meta, t=L)
        common = dict(meta=meta, t=L, chapters=chapters, exhibits=list(ex_views.values()),
                      core_views=core_views, core_views_overridden=core_overridden,
                      alerts=[h.text for h in alert_hits],
                      calendar_warnings=list(week.warnings) + list(prev.warnings),
                      appendix=appendix, quality=[f.view(lang) for f in findings])
        html = render_template(jenv, "report.html.j2", css=css, **common)

    out_root = req.out_dir or cfg.resolve(cfg.output.dir)
    label = week.label
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        recover_interrupted(out_root)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{label}-", suffix=f"-{os.getpid()}",
                                    dir=out_root))
        os.chmod(tmp, 0o755)   # mkdtemp makes it private; the archive is read by others
    except OSError as exc:
        raise RenderError(f"cannot write to output folder {out_root}: {exc.strerror}") from exc
    try:
        (tmp / "charts").mkdir()
        (tmp / "data").mkdir()
        (tmp / "report.html").write_text(html, encoding="utf-8")
        if overrides is not None:   # kept with the report so it can be rebuilt exactly
            (tmp / "commentary").mkdir()
            shutil.copy2(overrides.path, tmp / "commentary" / overrides.path.name)
        for number, _key, _ex in numbered:
            v = ex_views[number]
            if v["kind"] == "chart":
                (tmp / v["file"]).write_bytes(pngs[number])
        pages = 0
        pdf_path: Path | None = None
        if cfg.output.pdf:
            progress.stage("pdf", "WeasyPrint")
            t_pdf = time.perf_counter()
            pdf_proc = pdf.proc
            if pdf_proc is not None:   # the child lays out the PDF while this one writes data
                pdf_proc.submit(tmp / "report.html", tmp / "report.pdf", base_dir=tmp)
            with _timed(timings, "data"):
                _write_data(tmp / "data", numbered, cfg.output.excel)
            with _timed(timings, "pdf_wait"):
                if pdf_proc is not None:
                    pages = pdf_proc.result(timeout_s=cfg.output.pdf_timeout_s)
                else:
                    pages = html_to_pdf(html, tmp / "report.pdf", base_dir=tmp)
            timings["pdf"] = round(time.perf_counter() - t_pdf, 3)
            pdf_path = tmp / "report.pdf"
        else:
            with _timed(timings, "data"):
                _write_data(tmp / "data", numbered, cfg.output.excel)
        manifest = {
            "fundflow_version": __version__,
            "week": {"label": label, "monday": week.monday.isoformat(),
                     "friday": week.friday.isoformat(),
                     "sessions": [s.isoformat() for s in week.sessions],
                     "calendar_source": week.source, "warnings": list(week.warnings)},
            "previous_week": {"label": prev.label,
                              "sessions": [s.isoformat() for s in prev.sessions]},
            "language": lang, "source": req.source, "sample_data": is_sample,
            "config": {"path": str(cfg.source_path) if cfg.source_path else None,
                       "hash": cfg.source_hash},
            "built_at": now.isoformat(),
            "sections": [{"id": c.planned.key, "section": c.planned.spec.name,
                          "params": c.planned.params.model_dump(mode="json"),
                          "required": c.planned.required,
                          "status": "ok" if c.error is None else "unavailable",
                          "error": c.error, "text": c.summary,
                          "text_from_override": c.overridden,
                          "inputs": (dict(c.planned.spec.provenance(c.ctx))
                                     if c.error is None else {})} for c in computed],
            "datasets": {d: {"source": sources[d], "stored_sources": list(coverage[d].sources),
                             "as_of": as_of[d].isoformat() if as_of.get(d) else None,
                             "rows": coverage[d].rows,
                             "first": _iso(coverage[d].first),
                             "imports": imported[d]}
                         for d in datasets},
            "exhibits": [{"number": v["number"], "section": v["section"], "key": v["key"],
                          "kind": v["kind"], "title": v["title"],
                          "data": f"data/{v['number']:02d}_{v['section']}_{v['key']}.csv"}
                         for v in ex_views.values()],
            "core_views": core_views,
            "commentary_override": (f"commentary/{overrides.path.name}" if overrides else None),
            "facts": [{"section": c.planned.key, "kind": f.kind, "score": round(f.score, 3),
                       "text": text, "names": f.names(lang),
                       "numbers": [{"value": n.value, "fmt": n.fmt, "shown": n.shown(lang)}
                                   for n in f.numbers()]}
                      for c in computed for f, text in zip(c.facts, c.summary)
                      if not c.overridden],
            "alerts": [h.as_dict() for h in alert_hits],
            "quality": [f.as_dict() for f in findings],
            "pages": pages,
            "timings_s": timings,
        }
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        final = out_root / label
        _replace_dir(tmp, final)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):   # disk full, permissions: one clear line, nothing lost
            raise RenderError(f"writing the report to {out_root} failed: "
                              f"{exc.strerror or exc}; the previous report of {label} is "
                              f"unchanged") from exc
        raise
    return BuildResult(week=week, folder=final, html=final / "report.html",
                       pdf=(final / "report.pdf") if pdf_path else None, pages=pages,
                       manifest=manifest, timings=timings,
                       unavailable={c.planned.key: c.error for c in computed if c.error})


def _write_data(folder: Path, numbered: list[tuple[int, str, Exhibit]], excel: bool) -> None:
    sheets: list[tuple[str, pd.DataFrame]] = []
    for number, key, ex in numbered:
        name = f"{number:02d}_{key}_{ex.key}"
        # text from imported files is data: a cell such as =HYPERLINK(...) must not become a
        # formula in the reader's spreadsheet
        safe_csv_frame(ex.data).to_csv(folder / f"{name}.csv", index=False,
                                       encoding="utf-8-sig", float_format="%.10g")
        sheets.append((f"{number:02d}_{ex.key}"[:31], ex.data))
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
