"""Analyst overrides: a file per week that replaces or appends to the core views and any
section's opening text. YAML or Markdown; read at the edge (``load_overrides``), applied pure.

YAML::

    core_views:
      mode: append            # replace | append (default: replace)
      zh: ["……"]
      en: ["..."]
    sections:
      leverage:               # a section id from config
        mode: replace
        zh: "……"
        en: "..."

Markdown (one language per file, named e.g. ``2025-11-07.zh.md``; without a language suffix it
applies to both)::

    ## core_views (append)
    - first view
    - second view

    ## leverage (replace)
    Paragraph text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from fundflow.config import safe_yaml_load
from fundflow.errors import ConfigError

Mode = Literal["replace", "append"]
Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class TextOverride:
    mode: Mode
    texts: Mapping[str, tuple[str, ...]]     # lang -> sentences / paragraphs

    def for_lang(self, lang: Lang) -> tuple[str, ...] | None:
        return self.texts.get(lang)


@dataclass(frozen=True)
class Overrides:
    path: Path
    core_views: TextOverride | None = None
    sections: Mapping[str, TextOverride] = field(default_factory=dict)


def _mode(value: object, where: str) -> Mode:
    if value in (None, "replace"):
        return "replace"
    if value == "append":
        return "append"
    raise ConfigError(f"{where}: mode must be replace or append, got {value!r}")


def _texts(node: Mapping[str, object], where: str, as_list: bool) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for lang in ("zh", "en"):
        v = node.get(lang)
        if v is None:
            continue
        items = v if isinstance(v, list) else [v]
        if not all(isinstance(i, str) and i.strip() for i in items):
            raise ConfigError(f"{where}.{lang}: expected {'a list of texts' if as_list else 'a text'}")
        out[lang] = tuple(str(i).strip() for i in items)
    unknown = sorted(set(node) - {"zh", "en", "mode"})
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (allowed keys: en, mode, zh)")
    if not out:
        raise ConfigError(f"{where}: give the text under zh and/or en")
    return out


def _from_yaml(path: Path, text: str) -> Overrides:
    data = safe_yaml_load(text, str(path)) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping")
    unknown = sorted(set(data) - {"core_views", "sections"})
    if unknown:
        raise ConfigError(f"{path}: {unknown[0]}: unknown key (allowed keys: core_views, sections)")
    core = None
    if "core_views" in data:
        node = data["core_views"]
        if not isinstance(node, dict):
            raise ConfigError(f"{path}: core_views: expected a mapping with mode, zh, en")
        core = TextOverride(_mode(node.get("mode"), f"{path}: core_views"),
                            _texts(node, f"{path}: core_views", True))
    sections: dict[str, TextOverride] = {}
    for sid, node in (data.get("sections") or {}).items():
        where = f"{path}: sections.{sid}"
        if not isinstance(node, dict):
            raise ConfigError(f"{where}: expected a mapping with mode, zh, en")
        sections[str(sid)] = TextOverride(_mode(node.get("mode"), where), _texts(node, where, False))
    return Overrides(path, core, sections)


_HEADING = re.compile(r"^##\s+(\S+)\s*(?:\((replace|append)\))?\s*$")


def _from_markdown(path: Path, text: str) -> Overrides:
    m = re.search(r"\.(zh|en)\.md$", path.name)
    langs: Sequence[str] = (m.group(1),) if m else ("zh", "en")
    blocks: list[tuple[str, Mode, list[str]]] = []
    for line in text.splitlines():
        h = _HEADING.match(line)
        if h:
            blocks.append((h.group(1), "append" if h.group(2) == "append" else "replace", []))
        elif blocks:
            blocks[-1][2].append(line)
        elif line.strip():
            raise ConfigError(f"{path}: text before the first '## core_views' or '## <section id>' "
                              f"heading")
    core = None
    sections: dict[str, TextOverride] = {}
    for name, mode, lines in blocks:
        body = "\n".join(lines).strip()
        if name == "core_views":
            items = tuple(re.sub(r"^[-*]\s+", "", ln).strip() for ln in lines
                          if re.match(r"^\s*[-*]\s+\S", ln))
            if not items:
                raise ConfigError(f"{path}: core_views: list the views as '- ' items")
            core = TextOverride(mode, {lang: items for lang in langs})
        else:
            if not body:
                raise ConfigError(f"{path}: {name}: no text under the heading")
            paragraph = " ".join(ln.strip() for ln in lines if ln.strip())
            sections[name] = TextOverride(mode, {lang: (paragraph,) for lang in langs})
    return Overrides(path, core, sections)


def load_overrides(path: Path) -> Overrides:
    """Read an override file (.yaml/.yml or .md). ConfigError names the file and key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read commentary override {path}: {exc.strerror}") from None
    if path.suffix in (".yaml", ".yml"):
        return _from_yaml(path, text)
    if path.suffix == ".md":
        return _from_markdown(path, text)
    raise ConfigError(f"{path}: commentary overrides are .yaml, .yml or .md files")


def check_section_ids(ov: Overrides, known: Sequence[str]) -> None:
    for sid in ov.sections:
        if sid not in known:
            raise ConfigError(f"{ov.path}: sections.{sid}: not a section id of this report "
                              f"(ids: {', '.join(known)})")


def apply(base: Sequence[str], ov: TextOverride | None, lang: Lang) -> tuple[list[str], bool]:
    """``base`` sentences with the override applied; and whether anything changed."""
    if ov is None or ov.for_lang(lang) is None:
        return list(base), False
    extra = list(ov.for_lang(lang) or ())
    return (extra if ov.mode == "replace" else list(base) + extra), True
