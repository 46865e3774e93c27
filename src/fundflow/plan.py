"""Section planning: which sections a config builds, with validated params, the datasets and
read windows they need, and the config checks that need the section registry.

This layer sits above ``config`` and the section registry and below ``build``, ``collect`` and
``doctor``; importing it loads the built-in sections (``fundflow.sections.builtin``) so the
registry is filled from above, never by the registry itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fundflow import config as _config
from fundflow.alerts import metric_format
from fundflow.calendar import ReportWeek, TradingCalendar
from fundflow.config import Config, Lang
from fundflow.errors import ConfigError
from fundflow.reference import Reference
from fundflow.sections import builtin as _builtin  # noqa: F401  (each section registers itself)
from fundflow.sections import registry
from fundflow.sections.base import Params, SectionSpec

__all__ = ["PlannedSection", "check_config", "load_builtin", "load_config", "parse_config",
           "plan_sections", "planned_datasets", "registry", "report_week"]


def load_builtin() -> list[str]:
    """The built-in section names (importing this module registered them)."""
    return registry.names()


@dataclass(frozen=True)
class PlannedSection:
    key: str
    spec: SectionSpec
    params: Params
    title: str
    required: bool = False


def plan_sections(cfg: Config, lang: Lang, ref: Reference) -> list[PlannedSection]:
    """Enabled sections in config order with validated params."""
    planned = []
    for i, entry in enumerate(cfg.sections):
        if not entry.enabled:
            continue
        spec = registry.get(entry.section)
        if spec is None:  # load_config checks this too; a hand-built Config may not have
            raise ConfigError(f"sections[{i}].section: unknown section {entry.section!r} "
                              f"(registered: {', '.join(registry.names())})")
        try:
            params = spec.params_model.model_validate(entry.params)
        except ValidationError as exc:  # plan.load_config checks this; a hand-built Config not
            raise ConfigError(_config.format_validation_error(
                exc, spec.params_model, "config", (f"sections[{i}]", "params"))) from None
        problems = spec.check_refs(params, ref)
        if problems:
            raise ConfigError("\n".join(f"sections[{i}].params.{key}: {msg}"
                                        for key, msg in problems))
        title = entry.title.get(lang) if entry.title else spec.title(lang)
        planned.append(PlannedSection(entry.key, spec, params, title, entry.required))
    if not planned:
        raise ConfigError("sections: no section is enabled; nothing to build")
    return planned


def report_week(cal: TradingCalendar, day: date | None, now: datetime) -> ReportWeek:
    """The report week: the one containing ``day``, or with None the latest week whose last
    session has closed at ``now``. The one place build, collect and send resolve it."""
    return cal.week_of(day) if day is not None else cal.latest_completed_week(now)


def planned_datasets(cfg: Config, ref: Reference) -> dict[str, int]:
    """Datasets the enabled sections need -> days of history before the week's end."""
    need: dict[str, int] = {"trade_days": 0}
    for p in plan_sections(cfg, cfg.language, ref):
        days = int(p.spec.history_days(p.params))
        for d in p.spec.datasets:
            need[d] = max(need.get(d, 0), days)
    return need


# -- config checks that need the registry ---------------------------------------------------------
def check_config(cfg: Config, where: str = "config") -> Config:
    """Sections exist, ids are distinct, params validate; alerts name an enabled section's
    metric. Raises ConfigError naming ``where`` and the key."""
    _check_sections(cfg, where)
    _check_alerts(cfg, where)
    return cfg


def parse_config(data: Any, *, where: str = "config") -> Config:
    """``config.parse_config`` and the registry checks."""
    return check_config(_config.parse_config(data, where=where), where)


def load_config(path: Path | str) -> Config:
    """Read and validate a YAML config file, including its sections and alerts. Raises
    ConfigError naming the file and key."""
    cfg = _config.load_config(path)
    return check_config(cfg, str(Path(path)))


def _check_alerts(cfg: Config, where: str) -> None:
    """Every alert names an enabled section's id and a metric that section declares."""
    enabled = {e.key: e.section for e in cfg.sections if e.enabled}
    for i, rule in enumerate(cfg.alerts):
        key = f"alerts[{i}].metric"
        section_id, _, name = rule.metric.partition(".")
        if section_id not in enabled:
            raise ConfigError(f"{where}: {key}: {section_id!r} is not the id of an enabled "
                              f"section (enabled: {', '.join(enabled) or 'none'})", key=key)
        spec = registry.get(enabled[section_id])
        assert spec is not None  # _check_sections ran first
        if metric_format(spec.metric_formats, name) is None:
            known = ", ".join(spec.metric_formats) or "none"
            raise ConfigError(f"{where}: {key}: section {section_id!r} ({spec.name}) has no "
                              f"metric {name!r} (metrics: {known})", key=key)


def _check_sections(cfg: Config, where: str) -> None:
    seen: dict[str, int] = {}
    for i, entry in enumerate(cfg.sections):
        key = f"sections[{i}]"
        spec = registry.get(entry.section)
        if spec is None:
            raise ConfigError(
                f"{where}: {key}.section: unknown section {entry.section!r} "
                f"(registered: {', '.join(registry.names())})", key=f"{key}.section")
        if entry.key in seen:
            raise ConfigError(
                f"{where}: {key}.id: section id {entry.key!r} is already used by "
                f"sections[{seen[entry.key]}]; give each repeated section a distinct id",
                key=f"{key}.id")
        seen[entry.key] = i
        try:
            spec.params_model.model_validate(entry.params)
        except ValidationError as exc:
            raise ConfigError(_config.format_validation_error(
                exc, spec.params_model, where, (f"sections[{i}]", "params"))) from None
