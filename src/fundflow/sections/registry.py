"""The section registry: a new section is one module that calls ``register`` and a template.

The registry imports no section: it is filled from above. ``fundflow.sections.builtin`` imports
every built-in section (each registers itself) and ``fundflow.plan`` imports that, so anything
that plans, builds or lists sections sees them all."""

from __future__ import annotations

from fundflow.sections.base import SectionSpec

_REGISTRY: dict[str, SectionSpec] = {}


def register(spec: SectionSpec) -> SectionSpec:
    if spec.name in _REGISTRY:
        raise ValueError(f"section {spec.name!r} registered twice")
    _REGISTRY[spec.name] = spec
    return spec


def get(name: str) -> SectionSpec | None:
    return _REGISTRY.get(name)


def names() -> list[str]:
    return sorted(_REGISTRY)


def all_specs() -> list[SectionSpec]:
    return [_REGISTRY[n] for n in sorted(_REGISTRY)]
