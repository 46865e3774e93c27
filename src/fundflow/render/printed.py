"""An exhibit as the page prints it, as text: its source line and a table's cells (formatted by
the report's number filters, aligned, toned red/green by sign). The build puts these into the
manifest, so the e-mail shows the same text as the page without reading the page back."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal

from fundflow.formatting import iso, sign_class
from fundflow.manifest import Cell, Table
from fundflow.sections.base import TableColumn

__all__ = ["printed_source_line", "printed_table", "printed_text"]


def printed_text(text: str) -> str:
    """Whitespace as a reader sees it: runs collapsed to one space, none at the ends."""
    return re.sub(r"\s+", " ", text).strip()


def printed_source_line(source: str, as_of: date | None, t: Mapping[str, Any]) -> str:
    """'数据来源：<source>，截至 2025-11-07' (templates/macros.html.j2 ``source_line``)."""
    return printed_text(f"{t['source_prefix']}{source}{t['comma']}{t['as_of']} {iso(as_of)}")


def printed_table(columns: Sequence[TableColumn], rows: Sequence[Mapping[str, Any]],
                  filters: Mapping[str, Any]) -> Table:
    """A table exhibit's header and body cells as macros.html.j2 ``exhibit`` prints them;
    ``filters`` are the report environment's (its ``fmt`` filter formats a value by name)."""
    fmt = filters["fmt"]
    body: list[tuple[Cell, ...]] = []
    for row in rows:
        if "_group" in row:   # a group heading spans the table
            body.append((Cell(text=printed_text(str(row["_group"]))),))
            continue
        cells = []
        for c in columns:
            v = row.get(c.key)
            sign = sign_class(v) if c.colored and v is not None else ""
            tone: Literal["up", "down", ""] = "up" if sign == "up" else \
                "down" if sign == "down" else ""
            text = "" if v is None else str(fmt(v, row.get(f"_fmt_{c.key}", c.fmt)))
            cells.append(Cell(text=printed_text(text), align=c.align, tone=tone))
        body.append(tuple(cells))
    return Table(columns=tuple(Cell(text=printed_text(c.label), align=c.align) for c in columns),
                 rows=tuple(body))
