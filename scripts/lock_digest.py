#!/usr/bin/env python
"""Print the digest of what the lock files are resolved from: pyproject.toml's requires-python,
dependencies and optional dependencies, and requirements/tools.in. scripts/lock.sh writes it
into each lock's header; tests/test_lock.py recomputes it, so editing the dependencies without
re-locking fails the suite."""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dependency_digest(root: Path = ROOT) -> str:
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    tools = [line.strip() for line in
             (root / "requirements" / "tools.in").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    doc = {"requires-python": project.get("requires-python"),
           "dependencies": sorted(project.get("dependencies", [])),
           "optional-dependencies": {k: sorted(v) for k, v in
                                     sorted(project.get("optional-dependencies", {}).items())},
           "tools": sorted(tools)}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


if __name__ == "__main__":
    sys.stdout.write(dependency_digest() + "\n")
