"""The Jinja environment: user templates first, StrictUndefined, autoescape, number filters."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.sandbox

from fundflow.formatting import FILTERS, filters_for
from fundflow.errors import RenderError
from fundflow.resources import BUILTIN_TEMPLATES



def _fmt(value: Any, name: str, filters: dict[str, Any] = FILTERS) -> str:
    """Apply a named number filter (used by table columns that carry their format by name)."""
    if name == "text":
        return "" if value is None else str(value)
    try:
        fn: Any = filters[name]
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


class _ProcessBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process, by template name and file; Jinja
    discards an entry whose source checksum differs, so an edited override is compiled again.
    Every environment made by ``make_env`` has the same configuration (sandbox, autoescape,
    whitespace options), which is what makes their compiled code interchangeable: a second build
    in one process (a test session, ``run`` then ``send``) does not compile the same templates
    again."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self._store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _ProcessBytecodeCache()


def make_env(user_dir: Path | None = None, lang: str = "zh") -> jinja2.Environment:
    """The environment of a ``lang`` report: its number filters write amounts in 亿元 (zh) or
    as 'CNY 2.51tn' (en)."""
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
        bytecode_cache=_BYTECODE,
    )
    filters = filters_for(lang)
    env.filters.update(filters)
    env.filters["fmt"] = lambda value, name: _fmt(value, name, filters)
    env.filters["css_string"] = css_string
    return env


def _template_frame(tb: TracebackType | None) -> tuple[str, int] | None:
    """The innermost frame of ``tb`` that is template code: jinja2 rewrites a render error's
    traceback so that template frames carry the template's file name and line."""
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if "__jinja_exception__" in tb.tb_frame.f_globals or code.co_filename.endswith(".j2"):
            found = (code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _render_error(exc: Exception, name: str) -> RenderError:
    """One line naming the template file that holds the fault and its line."""
    if isinstance(exc, jinja2.TemplateError):
        what = exc.message or type(exc).__name__
    elif isinstance(exc, RenderError):
        what = str(exc)
    else:                                        # e.g. a filter given a value of the wrong type
        what = f"{type(exc).__name__}: {exc}"
    where = _template_frame(exc.__traceback__)
    at = f"{where[0]}, line {where[1]}" if where else name
    return RenderError(f"template {at}: {what}")


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render ``name``; any error of a template (syntax, undefined name, sandbox, a filter's
    type error) is one RenderError line naming the file and line at fault."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"template {exc.filename or exc.name}, line {exc.lineno}: "
                          f"{exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template not found: {exc.name}") from exc
    except Exception as exc:
        if _template_frame(exc.__traceback__) is None and not isinstance(
                exc, (jinja2.TemplateError, RenderError)):
            raise                                # not the template's fault: a bug, keep it
        raise _render_error(exc, name) from exc


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
