"""Typed configuration: ``load_config(path) -> Config``, checked before anything else runs.

Unknown keys and wrong types are errors that name the key path (``sections[1].params.top_n``)
and what is allowed. Section params are validated by each section's own model, looked up in the
section registry, so a typo inside ``params`` is caught here too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from fundflow.errors import ConfigError

Lang = Literal["zh", "en"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Model):
    """A text in both report languages."""

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


class Analyst(_Model):
    name: str
    name_en: str | None = None
    license_no: str | None = None
    email: str | None = None


class ReportConfig(_Model):
    title: Localized = Localized(zh="资金行为跟踪周报", en="Weekly Fund-Flow Tracker")
    subtitle: Localized | None = None
    organisation: Localized = Localized(zh="示例证券研究所", en="Example Securities Research")
    analysts: tuple[Analyst, ...] = ()
    disclaimer: Localized | None = None


class DataConfig(_Model):
    store: Path = Path("data/fundflow.duckdb")
    sample_store: Path = Path("data/sample.duckdb")
    sample_dir: Path = Path("seeds/sample")
    seeds_dir: Path = Path("seeds")


class OutputConfig(_Model):
    dir: Path = Path("reports")
    pdf: bool = True
    excel: bool = True
    chart_dpi: int = Field(default=200, ge=72, le=600)


class StyleConfig(_Model):
    up_color: str = "#d7262b"
    down_color: str = "#1a9641"
    accent_color: str = "#1f4e79"
    neutral_color: str = "#8c8c8c"
    font_family: str = "Noto Sans CJK SC"

    @field_validator("up_color", "down_color", "accent_color", "neutral_color")
    @classmethod
    def _hex(cls, v: str) -> str:
        import re

        if not re.fullmatch(r"#[0-9a-fA-F]{6}", v):
            raise ValueError("must be a colour like '#d7262b'")
        return v


class SectionEntry(_Model):
    section: str
    id: str | None = None
    enabled: bool = True
    title: Localized | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.id or self.section


class Config(_Model):
    report: ReportConfig = ReportConfig()
    data: DataConfig = DataConfig()
    output: OutputConfig = OutputConfig()
    style: StyleConfig = StyleConfig()
    language: Lang = "zh"
    templates_dir: Path | None = None
    sections: tuple[SectionEntry, ...] = ()
    # Set by load_config (not keys of the file): where it was and a hash of its text.
    _source_path: Path | None = PrivateAttr(default=None)
    _source_hash: str = PrivateAttr(default="")

    @property
    def source_path(self) -> Path | None:
        return self._source_path

    @property
    def source_hash(self) -> str:
        return self._source_hash

    def resolve(self, p: Path) -> Path:
        """Paths in config are relative to the config file's folder."""
        if p.is_absolute() or self.source_path is None:
            return p
        return (self.source_path.parent / p).resolve()


def _loc_str(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the last key of ``loc`` (for listing allowed keys)."""
    import typing

    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        # unwrap Optional[...] / tuple[...] to the model inside
        for _ in range(3):
            args = [a for a in typing.get_args(ann) if a is not type(None) and a is not Ellipsis]
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                break
            if args:
                ann = args[0]
        current = ann
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def format_validation_error(exc: ValidationError, model: type[BaseModel], where: str,
                            prefix: tuple[Any, ...] = ()) -> str:
    """One line per problem: ``where: key.path: what is wrong (allowed: ...)``."""
    lines = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        path = _loc_str(loc)
        etype = err["type"]
        if etype == "extra_forbidden":
            owner = _model_at(model, tuple(err["loc"]))
            allowed = ", ".join(sorted(owner.model_fields)) if owner else "?"
            lines.append(f"{where}: {path}: unknown key (allowed keys: {allowed})")
        elif etype == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            lines.append(f"{where}: {path}: got {err.get('input')!r}, allowed values: {expected}")
        elif etype == "missing":
            lines.append(f"{where}: {path}: required key is missing")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{where}: {path}: {msg} (got {err.get('input')!r})")
    return "\n".join(lines)


def parse_config(data: Any, *, where: str = "config") -> Config:
    """Validate a parsed YAML document (the whole config, including every section's params)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a mapping of keys, "
                          f"got {type(data).__name__}")
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, Config, where)) from None
    _check_sections(cfg, where)
    return cfg


def _check_sections(cfg: Config, where: str) -> None:
    from fundflow.sections import registry

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
            raise ConfigError(format_validation_error(
                exc, spec.params_model, where, (f"sections[{i}]", "params"))) from None


def load_config(path: Path | str) -> Config:
    """Read and validate a YAML config file. Raises ConfigError naming the file and key."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {p}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {p}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{p}: malformed YAML{at}: {problem}") from None
    cfg = parse_config(data, where=str(p))
    cfg._source_path = p.resolve()
    cfg._source_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return cfg
