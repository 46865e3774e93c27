"""Regenerate the configuration reference block in README.md from the models
(`fundflow config reference`); tests/test_customise.py fails when the two differ."""

from __future__ import annotations

import sys
from pathlib import Path

from fundflow.introspect import README_END, README_START, config_reference

readme = Path(__file__).resolve().parents[1] / "README.md"
text = readme.read_text(encoding="utf-8")
if README_START not in text or README_END not in text:
    sys.exit(f"{readme}: markers {README_START!r} / {README_END!r} not found")
head, rest = text.split(README_START, 1)
_old, tail = rest.split(README_END, 1)
readme.write_text(head + README_START + "\n" + config_reference() + README_END + tail,
                  encoding="utf-8")
print(f"updated {readme}")
