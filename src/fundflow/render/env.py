"""The Jinja environment: user templates first, StrictUndefined, autoescape, number filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

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


def css_string(value: object) -> str:
    """Escape a value for use inside a double-quoted CSS string in a <style> element."""
    out = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return out.replace("\n", " ").replace("<", "\\3c ").replace(">", "\\3e ")


class _ContainedLoader(jinja2.FileSystemLoader):
    """FileSystemLoader that refuses a template whose real path (symlinks resolved) is outside
    every templates folder: a symlink in a team's folder must not pull /etc/passwd in."""

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        roots = [Path(d).resolve() for d in self.searchpath]
        if not any(real.is_relative_to(root) for root in roots):
            raise jinja2.sandbox.SecurityError(
                f"template {template}: {filename} leads to {real}, outside the templates "
                f"folders ({', '.join(map(str, roots))})")
        return source, filename, uptodate


# a template's arithmetic must stay small: 10 ** 10 ** 9 would run for hours
MAX_POWER_EXPONENT = 64


class _Sandbox(jinja2.sandbox.SandboxedEnvironment):
    intercepted_binops = frozenset(["**"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > \
                MAX_POWER_EXPONENT:
            raise jinja2.sandbox.SecurityError(
                f"exponent {right} is too large (at most {MAX_POWER_EXPONENT} in templates)")
        return super().call_binop(context, operator, left, right)


def make_env(user_dir: Path | None = None) -> jinja2.Environment:
    dirs = [str(user_dir)] if user_dir else []
    if not BUILTIN_TEMPLATES.is_dir():
        raise RenderError(f"built-in templates not found at {BUILTIN_TEMPLATES}")
    dirs.append(str(BUILTIN_TEMPLATES))
    # sandboxed: a team's template override can format data but not reach Python internals;
    # its range() is capped at jinja2.sandbox.MAX_RANGE items
    env = _Sandbox(
        loader=_ContainedLoader(dirs),
        undefined=jinja2.StrictUndefined,
        # HTML templates escape everything; the stylesheet template (.css.j2) does not, and
        # values put into CSS strings go through the css_string filter instead.
        autoescape=jinja2.select_autoescape(["html", "html.j2", "xml"], default_for_string=True,
                                            default=False),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.filters["fmt"] = _fmt
    env.filters["css_string"] = css_string
    return env


def _template_line(exc: BaseException, fallback: str) -> str:
    """'name, line N' of the innermost template frame of a runtime error (jinja maps the
    compiled code's frames back to template files)."""
    where = fallback
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".css")) or "<template>" in filename:
            where = f"{Path(filename).name}, line {tb.tb_lineno}"
        tb = tb.tb_next
    return where


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
    except (jinja2.TemplateError, ArithmeticError, TypeError, ValueError) as exc:
        # sandbox refusals (range too big, unsafe attribute) and a template's own bad
        # arithmetic: one line naming the template, not a traceback
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RenderError(f"template {_template_line(exc, name)}: {msg}") from exc


def check_templates(env: jinja2.Environment) -> None:
    """Compile every template the loader can see (user overrides first), so a syntax error in
    an override is reported with its file and line before any data is read."""
    for name in env.list_templates(filter_func=lambda n: n.endswith(".j2")):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(f"template {exc.filename or name}, line {exc.lineno}: "
                              f"{exc.message}") from exc
        except jinja2.sandbox.SecurityError as exc:
            raise RenderError(str(exc)) from exc
