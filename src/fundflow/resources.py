"""Where the files shipped inside the package are: the built-in templates, the reference tables
and the sample data set. ``_data/templates`` and ``_data/seeds`` are symlinks to the repo's
top-level ``templates/`` and ``seeds/`` in a checkout (one copy, edited where it always was) and
real folders in an installed wheel (package data), so both find them here."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DATA = Path(__file__).resolve().parent / "_data"
BUILTIN_TEMPLATES = PACKAGE_DATA / "templates"
BUNDLED_SEEDS = PACKAGE_DATA / "seeds"
BUNDLED_SAMPLE = BUNDLED_SEEDS / "sample"
