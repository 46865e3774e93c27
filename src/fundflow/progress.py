"""Progress reporting interface (kept apart from build so the CLI starts without its imports)."""

from __future__ import annotations

import logging

log = logging.getLogger("fundflow.build")


class Progress:
    """Receives stage updates; the CLI supplies a terminal or log-line implementation."""

    def stage(self, name: str, detail: str = "") -> None:
        log.info("%s %s", name, detail)
