"""The Jinja environment: user templates first, StrictUndefined, autoescape, number filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from fundflow.formatting import FILTERS
from fundflow.errors import RenderError

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def _fmt(value: Any, name: str) -> str:
    """Apply a named number filter (used by table columns that carry their format by name)."""
    if name == "text":
        return "" if value is None else str(value)
    try:
        fn: Any = FILTERS[name]
        return str(fn(value))
    except KeyError:
        raise RenderError(f"unknown number format {name!r}; known: text, "
                          f"{', '.join(sorted(FILTERS))}") from None


def make_env(user_dir: Path | None = None) -> jinja2.Environment:
    dirs = [str(user_dir)] if user_dir else []
    if not BUILTIN_TEMPLATES.is_dir():
        raise RenderError(f"built-in templates not found at {BUILTIN_TEMPLATES}")
    dirs.append(str(BUILTIN_TEMPLATES))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(dirs),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "j2", "xml"], default=True),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.filters["fmt"] = _fmt
    return env


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template {exc.filename or exc.name}, line {exc.lineno}: "
                          f"{exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template {name}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template not found: {exc.name}") from exc
