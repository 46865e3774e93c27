"""The section registry: a new section is one module that calls ``register`` and a template."""

from __future__ import annotations

from fundflow.sections.base import SectionSpec

_REGISTRY: dict[str, SectionSpec] = {}


def register(spec: SectionSpec) -> SectionSpec:
    if spec.name in _REGISTRY:
        raise ValueError(f"section {spec.name!r} registered twice")
    _REGISTRY[spec.name] = spec
    return spec


def _ensure_loaded() -> None:
    # Importing the package imports every built-in section module, which registers itself.
    import fundflow.sections.builtin  # noqa: F401


def get(name: str) -> SectionSpec | None:
    _ensure_loaded()
    return _REGISTRY.get(name)


def names() -> list[str]:
    _ensure_loaded()
    return sorted(_REGISTRY)


def all_specs() -> list[SectionSpec]:
    _ensure_loaded()
    return [_REGISTRY[n] for n in sorted(_REGISTRY)]
