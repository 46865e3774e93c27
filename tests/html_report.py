"""Reading a built ``report.html`` back into core views and exhibit tables, for the tests that
check the e-mail (made from the typed manifest) says what the page says. fundflow itself never
parses its page: delivery and the archive read ``manifest.json`` (``fundflow.manifest``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

from fundflow.manifest import Cell, Manifest, PrintedExhibit, Table

__all__ = ["parse_core_views", "parse_exhibit"]


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
_SELF_CLOSING_SIBLINGS = {"li", "p", "td", "th", "tr", "option"}
_BLOCK_BREAK = {"br", "p", "div", "li", "tr"}


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list[_Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        parts: list[str] = []
        for c in self.children:
            if isinstance(c, str):
                parts.append(c)
            elif c.tag not in ("script", "style"):
                parts.append(c.text())
                if c.tag in _BLOCK_BREAK:
                    parts.append(" ")
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def iter(self, tag: str | None = None) -> list[_Node]:
        out: list[_Node] = []
        for c in self.children:
            if isinstance(c, _Node):
                if tag is None or c.tag == tag:
                    out.append(c)
                out.extend(c.iter(tag))
        return out

    def find(self, tag: str | None = None, *, cls: str | None = None,
             id: str | None = None) -> _Node | None:
        for n in self.iter(tag):
            if (cls is None or cls in n.classes) and (id is None or n.attrs.get("id") == id):
                return n
        return None


class _TreeBuilder(HTMLParser):
    """A forgiving HTML tree: unclosed <li>/<p>/<td>/<tr> close at their next sibling."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SELF_CLOSING_SIBLINGS:
            for i in range(len(self.stack) - 1, 0, -1):
                t = self.stack[i].tag
                if t == tag:
                    del self.stack[i:]
                    break
                if t in ("ul", "ol", "table", "tbody", "thead", "tr", "div", "section"):
                    break
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _parse_html(text: str) -> _Node:
    # inline images are most of the file and carry no text: drop them before parsing
    text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+", "data:", text)
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def parse_core_views(html_text: str | _Node) -> list[str]:
    """The sentences of the cover's core-views list (``<div class="core-views"><ul><li>``)."""
    root = _parse_html(html_text) if isinstance(html_text, str) else html_text
    block = root.find(cls="core-views") or root.find(id="core-views")
    if block is None:
        return []
    return [t for li in block.iter("li") if (t := li.text())]


def _cell(node: _Node) -> Cell:
    cls = node.classes
    align: Literal["left", "right", "center"] = \
        "right" if "right" in cls or "num" in cls else "center" if "center" in cls else "left"
    tone: Literal["up", "down", ""] = \
        "up" if "up" in cls or "pos" in cls else "down" if "down" in cls or "neg" in cls else ""
    return Cell(text=node.text(), align=align, tone=tone)


def parse_exhibit(html_text: str | _Node, number: int) -> PrintedExhibit | None:
    """Exhibit ``number`` of report.html (``<figure id="exhibit-N">``): title without the
    "图表 N" prefix, source and note lines, and for a table its header and body cells."""
    root = _parse_html(html_text) if isinstance(html_text, str) else html_text
    fig = root.find(id=f"exhibit-{number}")
    if fig is None:
        return None
    cap = fig.find("figcaption")
    title = ""
    if cap is not None:
        no = cap.find(cls="ex-no")
        title = cap.text()
        if no is not None and title.startswith(no.text()):
            title = title[len(no.text()):].lstrip("：: ").strip()
    src = fig.find(cls="ex-source")
    note = fig.find(cls="ex-note")
    columns: tuple[Cell, ...] = ()
    rows: list[tuple[Cell, ...]] = []
    table = fig.find("table")
    if table is not None:
        head = table.find("thead")
        head_rows = head.iter("tr") if head is not None else []
        if head_rows:
            columns = tuple(_cell(c) for c in head_rows[-1].children
                            if isinstance(c, _Node) and c.tag in ("th", "td"))
        body_rows = [tr for tr in table.iter("tr") if head is None or tr not in head_rows]
        for tr in body_rows:
            cells = tuple(_cell(c) for c in tr.children
                          if isinstance(c, _Node) and c.tag in ("th", "td"))
            if cells and not columns and all(c.tag == "th" for c in tr.children
                                             if isinstance(c, _Node)):
                columns = cells
                continue
            if cells:
                rows.append(cells)
    return PrintedExhibit(number=number, title=title, source=src.text() if src else "",
                          note=note.text() if note else "", columns=columns, rows=tuple(rows))
