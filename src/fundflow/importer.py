"""``fundflow import``: a team's own files into the store, checked like collected data.

Orchestration only (the mapping, conversion, checks and diff are pure functions in
``data.importing``): resolve the spec (CLI flags over a named ``import:`` layout) -> read and
prepare every file (one bad cell refuses the whole command; nothing is written) -> check jumps
against the stored history -> per file, diff against the store and write the new and changed
rows with an ``_imports`` record in one transaction (a file that changes nothing writes
nothing). ``dry_run`` stops before writing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from fundflow.config import Config
from fundflow.data.importing import (
    ImportFileError, ImportSpec, Prepared, check_spec, diff_rows, import_source, jump_problems,
    prepare, read_table,
)
from fundflow.data.schemas import get_dataset
from fundflow.data.store import ImportRecord, Store
from fundflow.errors import ConfigError
from fundflow.quality import RULES, UNIT_CHANGE_FACTOR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportRequest:
    files: tuple[Path, ...]
    dataset: str | None = None
    layout: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    set_values: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    sheet: str | None = None
    source_label: str | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class FileOutcome:
    prepared: Prepared
    source: str
    new: int
    changed: int
    unchanged: int
    overwritten: tuple[dict[str, Any], ...]
    warnings: tuple[str, ...]
    written: bool


@dataclass(frozen=True)
class ImportResult:
    dataset: str
    store: Path
    spec: ImportSpec
    files: tuple[FileOutcome, ...]
    dry_run: bool


def resolve_spec(cfg: Config, req: ImportRequest) -> ImportSpec:
    """The layout named in config (if any) with the command line's flags over it; checked
    before any file is read (ConfigError: exit 2)."""
    base = ImportSpec(dataset=req.dataset or "")
    if req.layout is not None:
        lay = cfg.imports.get(req.layout)
        if lay is None:
            raise ConfigError(f"--layout {req.layout}: no such entry under import: in the config "
                              f"(entries: {', '.join(sorted(cfg.imports)) or 'none'})",
                              key=f"import.{req.layout}")
        if req.dataset is not None and req.dataset != lay.dataset:
            raise ConfigError(f"--layout {req.layout} fills dataset {lay.dataset}, not "
                              f"{req.dataset}")
        base = ImportSpec(lay.dataset, dict(lay.map), dict(lay.set), dict(lay.unit), lay.sheet,
                          lay.source_label)
    if not base.dataset:
        raise ConfigError("import: name the dataset (fundflow import DATASET FILE...) or a "
                          "layout (--layout NAME); `fundflow datasets` lists them")
    spec = ImportSpec(
        dataset=base.dataset,
        mapping={**base.mapping, **req.mapping},
        set_values={**base.set_values, **req.set_values},
        units={**base.units, **req.units},
        sheet=req.sheet if req.sheet is not None else base.sheet,
        source_label=req.source_label if req.source_label is not None else base.source_label)
    problems = check_spec(spec, where="import")
    if problems:
        raise ConfigError("\n".join(problems))
    if spec.source_label is not None and (len(spec.source_label) > 60
                                          or not spec.source_label.strip()):
        raise ConfigError("--source-label: give a short name such as Wind (at most 60 "
                          "characters)")
    return spec


def _stored_neighbours(st: Store | None, p: Prepared) -> pd.DataFrame:
    """The store's rows of the file's series around the file's dates (for the jump check)."""
    ds = get_dataset(p.dataset)
    if st is None or ds.date_column is None or ds.snapshot or p.frame.empty:
        return pd.DataFrame(columns=ds.column_names)
    dates = p.frame[ds.date_column]
    frame = st.read(p.dataset, start=(dates.min() - timedelta(days=40)).date(),
                    end=dates.max().date())
    entity = RULES.get(p.dataset)
    if entity is not None and entity.entity:
        frame = frame[frame[entity.entity].isin(set(p.frame[entity.entity]))]
    return frame


def _check_jumps(cfg: Config, st: Store | None, p: Prepared) -> tuple[str, ...]:
    rule = RULES.get(p.dataset)
    if rule is None or not rule.levels:
        return ()
    errors, warnings = jump_problems(
        p, _stored_neighbours(st, p), levels=rule.levels, entity=rule.entity,
        jump_pct=cfg.quality.jump_pct.get(p.dataset) or rule.jump_pct,
        unit_factor_limit=UNIT_CHANGE_FACTOR)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ImportFileError(errors[0] + more, dataset=p.dataset)
    return tuple(warnings)


def run_import(cfg: Config, req: ImportRequest, *, now: datetime) -> ImportResult:
    """Import ``req.files`` into the store named by ``cfg``. Raises ConfigError for a spec or
    file name problem and ImportFileError (a DataError) for bad content; in both cases the
    store is unchanged."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    spec = resolve_spec(cfg, req)
    if not req.files:
        raise ConfigError("import: give at least one file")
    prepared = [prepare(read_table(f, sheet=spec.sheet), spec) for f in req.files]
    path = cfg.resolve(cfg.data.store)
    st: Store | None = None
    if not req.dry_run:
        st = Store(path)
    elif path.exists():
        st = Store(path, read_only=True)
    try:
        warnings = [_check_jumps(cfg, st, p) for p in prepared]
        outcomes = []
        for p, warn in zip(prepared, warnings):
            outcomes.append(_import_one(st, p, spec, warn, now=now, dry_run=req.dry_run))
    finally:
        if st is not None:
            st.close()
    return ImportResult(spec.dataset, path, spec, tuple(outcomes), req.dry_run)


def _import_one(st: Store | None, p: Prepared, spec: ImportSpec, warnings: tuple[str, ...], *,
                now: datetime, dry_run: bool) -> FileOutcome:
    ds = get_dataset(p.dataset)
    stored = (st.rows_for_keys(p.dataset, p.frame[list(ds.key)]) if st is not None
              else pd.DataFrame(columns=ds.column_names))
    diff = diff_rows(p.frame, stored, p.dataset, p.present)
    source = import_source(p.raw.sha256, p.raw.name)
    written = False
    if not dry_run and diff.writes and st is not None:
        record = ImportRecord(file=p.raw.name, path=str(p.raw.path.resolve()),
                              sha256=p.raw.sha256, label=spec.source_label,
                              rows_new=len(diff.new), rows_changed=len(diff.changed),
                              rows_unchanged=diff.unchanged, overwritten=diff.overwritten)
        rows = pd.concat([d for d in (diff.new, diff.changed) if not d.empty],
                         ignore_index=True)
        st.write_import(p.dataset, rows, source=source, fetched_at=now, record=record)
        written = True
    log.info("import %s -> %s: %d new, %d changed, %d unchanged", p.raw.name, p.dataset,
             len(diff.new), len(diff.changed), diff.unchanged)
    return FileOutcome(p, source, len(diff.new), len(diff.changed), diff.unchanged,
                       diff.overwritten, warnings, written)


def summary_lines(result: ImportResult, *, max_overwritten: int = 5) -> list[str]:
    """What the CLI prints: per file what was (or would be) new, changed and unchanged."""
    lines = []
    verb = "would be" if result.dry_run else "are"
    for o in result.files:
        raw = o.prepared.raw
        how = raw.fmt + (f", {raw.encoding}" if raw.encoding else "") + (
            f", sheet {raw.sheet}" if raw.sheet else "")
        lines.append(f"{raw.name} ({how}, {len(o.prepared.frame)} rows, sha256 "
                     f"{raw.sha256[:12]}) -> {result.dataset} "
                     f"[{', '.join(o.prepared.present)}]")
        lines.append(f"  rows: {o.new} new, {o.changed} changed, {o.unchanged} unchanged")
        if o.overwritten:
            lines.append(f"  {len(o.overwritten)} stored value(s) {verb} overwritten"
                         + ("" if result.dry_run else " (recorded in the store's import log)")
                         + ":")
            for w in o.overwritten[:max_overwritten]:
                key = " ".join(str(v) for v in w["key"].values())
                lines.append(f"    {key} {w['column']}: {w['old']} -> {w['new']}")
            if len(o.overwritten) > max_overwritten:
                lines.append(f"    ... and {len(o.overwritten) - max_overwritten} more")
        if o.prepared.ignored:
            lines.append(f"  ignored columns (not mapped): {', '.join(o.prepared.ignored)}")
        lines += [f"  note: {n}" for n in o.prepared.notes]
        lines += [f"  warning: {w}" for w in o.warnings]
        if not result.dry_run and not o.written:
            lines.append("  nothing to change: the store already has these values")
    if result.dry_run:
        lines.append(f"dry run: nothing written to {result.store}")
    else:
        label = f" (source label: {result.spec.source_label})" if result.spec.source_label else ""
        lines.append(f"store: {result.store}{label}")
    return lines
