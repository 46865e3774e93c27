"""Imports every built-in section so that each registers itself."""

from fundflow.sections import broad_indices, sw_industries  # noqa: F401
