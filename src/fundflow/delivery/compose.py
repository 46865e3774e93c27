"""Build the weekly e-mail from a built report folder and the config (no network, no clock).

The message, for Outlook and the common Chinese corporate clients (Foxmail, Coremail, Tencent
Exmail, NetEase), is the classic nesting every one of them understands::

    multipart/mixed
      multipart/alternative
        text/plain                       core views, headline table as aligned text
        multipart/related
          text/html                      table layout, inline styles only, width 640
          image/png  (Content-ID)        one or two charts, shown inline by cid:
      application/pdf                    the report, Chinese file name (RFC 2231, ASCII fallback)

What is read from the folder: ``manifest.json`` (week, sessions, language, sample flag, exhibit
list; ``core_views`` and ``headline`` when build writes them), ``report.pdf``,
``charts/*.png`` and ``report.html`` (core views and exhibit tables, titles and source lines
when the manifest lacks them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import struct
import unicodedata
import urllib.parse
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.charset import BASE64, Charset
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, StrictUndefined

from fundflow.config import Config, EmailConfig, Lang
from fundflow.errors import ConfigError, DeliveryError
from fundflow.render.labels import labels

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MB = 1024 * 1024
EMAIL_WIDTH_PX = 640
IMAGE_WIDTH_PX = 600
# Outlook on Windows has no web fonts: name the CJK fonts Chinese desktops and phones have.
FONT_STACK = ("'Microsoft YaHei','微软雅黑','PingFang SC','Hiragino Sans GB',"
              "'Noto Sans CJK SC','SimSun',Arial,sans-serif")
# fixed wording of the e-mail itself (report wording comes from render/labels.py)
EMAIL_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "attached": "完整报告（PDF，{pages}页）见附件：{name}",
        "attached_nopages": "完整报告（PDF）见附件：{name}",
        "auto": "本邮件根据 {built} 生成的报告自动发送（fundflow {version}）。",
        "sample_prefix": "[样本数据] ",
        "week_line": "{label}：{start} 至 {end}",
    },
    "en": {
        "attached": "The full report (PDF, {pages} pages) is attached: {name}",
        "attached_nopages": "The full report (PDF) is attached: {name}",
        "auto": "Sent automatically from the report built {built} (fundflow {version}).",
        "sample_prefix": "[SAMPLE DATA] ",
        "week_line": "{label}: {start} to {end}",
    },
}


# -- the report folder --------------------------------------------------------------------------
@dataclass(frozen=True)
class ExhibitRef:
    number: int
    section: str
    key: str
    kind: str          # "chart" | "table"
    title: str

    @property
    def ref(self) -> str:
        return f"{self.section}.{self.key}"


@dataclass(frozen=True)
class Cell:
    text: str
    align: str = "left"     # "left" | "right" | "center"
    tone: str = ""          # "up" | "down" | ""


@dataclass(frozen=True)
class Exhibit:
    """An exhibit as the report shows it: number, title, source line, and a table's cells."""

    number: int
    title: str
    source: str = ""
    note: str = ""
    columns: tuple[Cell, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()


@dataclass(frozen=True)
class ReportBundle:
    folder: Path
    manifest: dict[str, Any]
    week_start: date
    week_end: date
    sessions: tuple[date, ...]
    language: str
    sample_data: bool
    pdf: Path | None
    pages: int
    exhibits: tuple[ExhibitRef, ...]
    core_views: tuple[str, ...]
    alerts: tuple[str, ...] = ()        # manifest "alerts": [{"text": ...}] (threshold hits)
    html_text: str = field(repr=False, default="")

    @property
    def label(self) -> str:
        return self.week_end.isoformat()

    def pdf_sha256(self) -> str | None:
        if self.pdf is None:
            return None
        return hashlib.sha256(self.pdf.read_bytes()).hexdigest()


def load_report(folder: Path) -> ReportBundle:
    """Read what the e-mail and the archive need from one ``reports/<week>/`` folder."""
    folder = Path(folder)
    mpath = folder / "manifest.json"
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeliveryError(f"no report in {folder}: manifest.json is missing "
                            f"(run 'fundflow build' for that week)") from None
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"cannot read {mpath}: {exc}") from exc
    try:
        week = manifest["week"]
        sessions = tuple(date.fromisoformat(s) for s in week["sessions"])
        if not sessions:
            raise ValueError("week.sessions is empty")
        exhibits = tuple(ExhibitRef(int(e["number"]), str(e["section"]), str(e["key"]),
                                    str(e["kind"]), str(e.get("title", "")))
                         for e in manifest.get("exhibits", []))
    except (KeyError, TypeError, ValueError) as exc:
        raise DeliveryError(f"{mpath} is not a fundflow manifest: {exc!r}") from exc
    html_path = folder / "report.html"
    html_text = html_path.read_text(encoding="utf-8") if html_path.exists() else ""
    views = manifest.get("core_views")
    if isinstance(views, list) and all(isinstance(v, str) for v in views):
        core_views = tuple(v.strip() for v in views if v.strip())
    else:
        core_views = tuple(parse_core_views(html_text)) if html_text else ()
    alerts = tuple(str(a["text"]) for a in manifest.get("alerts") or []
                   if isinstance(a, dict) and a.get("text"))
    pdf = folder / "report.pdf"
    return ReportBundle(
        folder=folder, manifest=manifest, week_start=sessions[0], week_end=sessions[-1],
        sessions=sessions, language=str(manifest.get("language", "zh")),
        sample_data=bool(manifest.get("sample_data", False)),
        pdf=pdf if pdf.exists() else None, pages=int(manifest.get("pages") or 0),
        exhibits=exhibits, core_views=core_views, alerts=alerts, html_text=html_text)


def find_report_folder(reports_dir: Path, day: date) -> Path:
    """The built report whose week (Monday..Sunday) contains ``day``."""
    if (reports_dir / day.isoformat() / "manifest.json").exists():
        return reports_dir / day.isoformat()
    for folder in built_reports(reports_dir):
        try:
            week = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["week"]
            monday = date.fromisoformat(week["monday"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if monday <= day <= date.fromordinal(monday.toordinal() + 6):
            return folder
    built = [f.name for f in built_reports(reports_dir)]
    hint = f"; built reports: {', '.join(built[:5])}" if built else ""
    raise DeliveryError(f"no report built for the week of {day.isoformat()} in {reports_dir} "
                        f"(run 'fundflow build --week {day.isoformat()}' first){hint}")


def built_reports(reports_dir: Path) -> list[Path]:
    """Report folders (those with a manifest.json), newest week first."""
    if not reports_dir.is_dir():
        return []
    found = [p for p in reports_dir.iterdir()
             if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").is_file()]
    return sorted(found, key=lambda p: p.name, reverse=True)


# -- reading report.html ------------------------------------------------------------------------
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


def parse_core_views(html_text: str) -> list[str]:
    """The sentences of the cover's core-views list (``<div class="core-views"><ul><li>``)."""
    root = _parse_html(html_text)
    block = root.find(cls="core-views") or root.find(id="core-views")
    if block is None:
        return []
    return [t for li in block.iter("li") if (t := li.text())]


def _cell(node: _Node) -> Cell:
    cls = node.classes
    align = "right" if "right" in cls or "num" in cls else "center" if "center" in cls else "left"
    tone = "up" if "up" in cls or "pos" in cls else "down" if "down" in cls or "neg" in cls \
        else ""
    return Cell(node.text(), align, tone)


def parse_exhibit(html_text: str | _Node, number: int) -> Exhibit | None:
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
    return Exhibit(number=number, title=title, source=src.text() if src else "",
                   note=note.text() if note else "", columns=columns, rows=tuple(rows))


def _headline_from_manifest(data: Any) -> Exhibit | None:
    """``manifest["headline"]``: {number, title, source, note, columns: [str | {text, align}],
    rows: [[str | {text, align, tone}]]}."""
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        return None

    def cell(v: Any) -> Cell:
        if isinstance(v, dict):
            return Cell(str(v.get("text", "")), str(v.get("align") or "left"),
                        str(v.get("tone") or ""))
        return Cell(str(v), "left" if not _looks_numeric(str(v)) else "right")

    return Exhibit(number=int(data.get("number") or 0), title=str(data.get("title", "")),
                   source=str(data.get("source", "")), note=str(data.get("note", "")),
                   columns=tuple(cell(c) for c in data.get("columns", [])),
                   rows=tuple(tuple(cell(c) for c in r) for r in data["rows"]))


def _looks_numeric(s: str) -> bool:
    return bool(re.fullmatch(r"[+\-−]?[\d,]+(\.\d+)?\s*(%|bp|亿元|万亿元)?", s.strip()))


# -- choosing what goes into the mail -------------------------------------------------------------
DEFAULT_HEADLINE = "broad_indices.broad_table"
DEFAULT_CHARTS = ("broad_indices.broad_returns", "sw_industries.sw_ranking")


def _pick(bundle: ReportBundle, refs: Sequence[str], kind: str, limit: int,
          what: str) -> list[ExhibitRef]:
    by_ref = {e.ref: e for e in bundle.exhibits if e.kind == kind}
    picked = [by_ref[r] for r in refs if r in by_ref]
    missing = [r for r in refs if r not in by_ref]
    if missing:
        log.warning("%s: the report of %s has no %s exhibit %s; using the first ones instead",
                    what, bundle.label, kind, ", ".join(missing))
    for e in bundle.exhibits:
        if len(picked) >= limit:
            break
        if e.kind == kind and e not in picked and (not refs or missing):
            picked.append(e)
    return sorted(picked[:limit], key=lambda e: e.number)


def chart_file(bundle: ReportBundle, ex: ExhibitRef) -> Path:
    exact = bundle.folder / "charts" / f"{ex.number:02d}_{ex.section}_{ex.key}.png"
    if exact.exists():
        return exact
    found = sorted((bundle.folder / "charts").glob(f"{ex.number:02d}_*.png"))
    if not found:
        raise DeliveryError(f"chart of exhibit {ex.number} ({ex.ref}) is missing from "
                            f"{bundle.folder / 'charts'}")
    return found[0]


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise DeliveryError("chart file is not a PNG image")
    w, h = struct.unpack(">II", png[16:24])
    return int(w), int(h)


# -- text helpers ---------------------------------------------------------------------------------
def _display_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def _pad(s: str, width: int, align: str) -> str:
    gap = " " * max(0, width - _display_width(s))
    return gap + s if align == "right" else s + gap


def text_table(ex: Exhibit) -> list[str]:
    """An exhibit table as fixed-width text lines (CJK characters count two columns)."""
    rows = [list(ex.columns)] + [list(r) for r in ex.rows] if ex.columns else \
        [list(r) for r in ex.rows]
    if not rows:
        return []
    ncol = max(len(r) for r in rows)
    widths = [max((_display_width(r[i].text) for r in rows if i < len(r)), default=0)
              for i in range(ncol)]
    aligns = [next((r[i].align for r in rows[1:] if i < len(r)), "left") for i in range(ncol)]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(_pad(c.text, widths[i], aligns[i]) for i, c in enumerate(r))
                     .rstrip())
        if n == 0 and ex.columns:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _ascii_fallback(name: str, week_end: date) -> str:
    """An ASCII file name for clients that ignore RFC 2231 (keeps any ASCII the name has)."""
    stem = Path(name).stem
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", unicodedata.normalize("NFKD", stem)
                        .encode("ascii", "ignore").decode()).strip("_.")
    if not re.search(r"[A-Za-z]", ascii_stem):
        ascii_stem = f"fundflow_weekly_{week_end.isoformat()}"
    return ascii_stem + ".pdf"


# -- composing ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recipients:
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()

    def all(self) -> list[tuple[str, str]]:
        """(role, bare address) of everyone, in order, each address once."""
        seen: set[str] = set()
        out = []
        for role, addrs in (("to", self.to), ("cc", self.cc), ("bcc", self.bcc)):
            for a in addrs:
                bare = bare_address(a)
                if bare not in seen:
                    seen.add(bare)
                    out.append((role, bare))
        return out

    def only(self, keep: set[str]) -> Recipients:
        """The same lists restricted to the bare addresses in ``keep``."""
        def f(addrs: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(a for a in addrs if bare_address(a) in keep)
        return Recipients(f(self.to), f(self.cc), f(self.bcc))


def idna_address(addr: str) -> str:
    """'x@例子.公司' -> 'x@xn--fsqu00a.xn--55qx5d': an internationalised domain in its ASCII
    (IDNA) form, which every server takes; a non-ASCII local part stays as it is and needs
    a server that offers SMTPUTF8."""
    local, at, domain = addr.rpartition("@")
    if not at or domain.isascii():
        return addr
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def needs_smtputf8(addr: str) -> bool:
    return not idna_address(addr).isascii()


def bare_address(addr: str) -> str:
    """'张三 <Zhang.San@Example.com>' -> 'zhang.san@example.com' (what the ledger keys on and
    the envelope uses; the domain in IDNA form)."""
    return idna_address(parseaddr(addr)[1].strip().lower())


def recipients_of(email: EmailConfig, override: Sequence[str] = ()) -> Recipients:
    if override:
        return Recipients(tuple(override))
    return Recipients(email.to, email.cc, email.bcc)


@dataclass(frozen=True)
class Composed:
    data: bytes                       # the message as sent (CRLF line ends)
    message_id: str
    subject: str
    sender: str                       # bare envelope sender
    recipients: tuple[str, ...]       # bare envelope recipients (to, cc and bcc)
    attachment_name: str
    pdf_sha256: str
    inline_charts: tuple[str, ...]    # exhibit refs shown inline

    @property
    def size_bytes(self) -> int:
        return len(self.data)


def _fill(template: str, values: dict[str, str], key: str) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"{key}: cannot fill placeholders of {template!r}: {exc}",
                          key=key) from None


def _encode_addr(addr: str) -> str:
    name, bare = parseaddr(addr)
    bare = idna_address(bare)
    if bare.isascii():
        return formataddr((name, bare), charset="utf-8")
    # a non-ASCII local part (an SMTPUTF8 message): the address is written as UTF-8 (RFC
    # 6532), not as an encoded word, which is not allowed inside an address; compat32 writes
    # surrogate-escaped bytes through unchanged
    shown = formataddr((name, "x@x"), charset="utf-8")[:-len("<x@x>")] if name else ""
    return (shown + f"<{bare}>" if name else bare).encode().decode("ascii", "surrogateescape")


def _html_template() -> Any:
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    return env.from_string(_HTML)


@dataclass(frozen=True)
class _Lines:
    """The words the plain-text and the HTML part share."""
    title: str
    organisation: str
    week_line: str
    pages_line: str
    auto_line: str
    disclaimer: str
    alerts_title: str
    ex_word: str
    colon: str


def _subject(bundle: ReportBundle, email: EmailConfig, values: dict[str, str],
             lang: Lang) -> str:
    subject = _fill(email.subject, values, "delivery.email.subject")
    if bundle.alerts:   # threshold hits go into the subject (issue 8)
        subject = (f"[预警{len(bundle.alerts)}项] " if lang == "zh"
                   else f"[{len(bundle.alerts)} alert{'s' if len(bundle.alerts) > 1 else ''}] ") \
            + subject
    if bundle.sample_data:
        subject = EMAIL_LABELS[lang]["sample_prefix"] + subject
    return subject


def _attachment_name(email: EmailConfig, values: dict[str, str]) -> str:
    att_name = _fill(email.attachment_name, values, "delivery.email.attachment_name").strip()
    att_name = re.sub(r'[\\/:*?"<>|\r\n\t]+', "_", att_name)
    if not att_name.lower().endswith(".pdf"):
        att_name += ".pdf"
    return att_name


def _headline(bundle: ReportBundle, email: EmailConfig, tree: _Node) -> Exhibit | None:
    """The table shown in the body: the manifest's headline, else the configured or default
    table parsed from the page; None when it has no rows."""
    headline = _headline_from_manifest(bundle.manifest.get("headline"))
    if headline is None:
        refs = [email.headline_table] if email.headline_table else [DEFAULT_HEADLINE]
        picked = _pick(bundle, refs, "table", 1,
                       "delivery.email.headline_table" if email.headline_table else "headline")
        if picked:
            headline = parse_exhibit(tree, picked[0].number)
            if headline is not None and not headline.title:
                headline = replace(headline, title=picked[0].title)
    if headline is not None and not headline.rows:
        headline = None
    return headline


def _inline_charts(bundle: ReportBundle, charts: Sequence[ExhibitRef], tree: _Node,
                   domain: str) -> tuple[list[dict[str, Any]], list[tuple[str, bytes, str]]]:
    """The HTML part's view of each inline chart, and its image (cid, png, file name)."""
    chart_views = []
    images: list[tuple[str, bytes, str]] = []
    for i, ex in enumerate(charts, 1):
        png = chart_file(bundle, ex).read_bytes()
        w, h = png_size(png)
        cid = f"chart{i}.{uuid.uuid4().hex[:16]}@{domain}"
        info = parse_exhibit(tree, ex.number)
        chart_views.append({
            "number": ex.number, "title": (info.title if info and info.title else ex.title),
            "source": info.source if info else "", "cid": cid, "width": IMAGE_WIDTH_PX,
            "height": max(1, round(h * IMAGE_WIDTH_PX / w))})
        images.append((cid, png, f"chart{i}_{ex.number:02d}.png"))
    return chart_views, images


def _lines(bundle: ReportBundle, cfg: Config, lang: Lang, att_name: str) -> _Lines:
    L = labels(lang)
    E = EMAIL_LABELS[lang]
    pages_line = (E["attached"].format(pages=bundle.pages, name=att_name) if bundle.pages
                  else E["attached_nopages"].format(name=att_name))
    n_sessions = str(L["sessions_n"]).format(n=len(bundle.sessions))
    sessions_note = "" if len(bundle.sessions) >= 5 else \
        (f"（{n_sessions}）" if lang == "zh" else f" ({n_sessions})")
    week_line = E["week_line"].format(label=L["report_week"], start=bundle.week_start.isoformat(),
                                      end=bundle.week_end.isoformat()) + sessions_note
    built = str(bundle.manifest.get("built_at", ""))
    try:
        built = datetime.fromisoformat(built).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        pass
    auto_line = E["auto"].format(version=bundle.manifest.get("fundflow_version", ""),
                                 built=built)
    disclaimer = (cfg.report.disclaimer.get(lang) if cfg.report.disclaimer
                  else str(L["disclaimer"]))
    return _Lines(
        title=cfg.report.title.get(lang), organisation=cfg.report.organisation.get(lang),
        week_line=week_line, pages_line=pages_line, auto_line=auto_line, disclaimer=disclaimer,
        alerts_title=str(L.get("alerts_title", "预警" if lang == "zh" else "Alerts")),
        ex_word=str(L["exhibit"]), colon=str(L["colon"]))


def _plain_text(bundle: ReportBundle, lx: _Lines, lang: Lang, headline: Exhibit | None,
                banner: str) -> str:
    """The text/plain part."""
    L = labels(lang)
    lines = [lx.title, f"{lx.organisation} · {lx.week_line}", ""]
    if bundle.sample_data:
        lines += [str(L["sample_notice"]), ""]
    if banner:   # data-quality warning decided by the quality policy
        lines += [banner, ""]
    if bundle.alerts:
        lines.append(lx.alerts_title)
        lines += [f"! {a}" for a in bundle.alerts]
        lines.append("")
    if bundle.core_views:
        lines.append(str(L["core_views"]))
        lines += [f"{i}. {v}" for i, v in enumerate(bundle.core_views, 1)]
        lines.append("")
    if headline is not None:
        head = f"{lx.ex_word} {headline.number}{lx.colon}{headline.title}" if headline.number \
            else headline.title
        lines += [head, *text_table(headline)]
        lines += [x for x in (headline.note, headline.source) if x]
        lines.append("")
    lines += [lx.pages_line, "", f"{L['disclaimer_title']}{lx.colon}{lx.disclaimer}",
              lx.auto_line]
    return "\n".join(lines) + "\n"


def _html(bundle: ReportBundle, cfg: Config, lx: _Lines, lang: Lang, subject: str,
          headline: Exhibit | None, chart_views: list[dict[str, Any]], banner: str) -> str:
    """The text/html part."""
    L = labels(lang)
    style = cfg.style
    return str(_html_template().render(
        html_lang=L["html_lang"], subject=subject, font=FONT_STACK, accent=style.accent_color,
        up=style.up_color, down=style.down_color, width=EMAIL_WIDTH_PX,
        organisation=lx.organisation, title=lx.title, week_line=lx.week_line,
        sample=bundle.sample_data, sample_notice=L["sample_notice"],
        core_views_title=L["core_views"], core_views=list(bundle.core_views),
        alerts_title=lx.alerts_title, alerts=list(bundle.alerts), banner=banner,
        headline=headline, ex_word=lx.ex_word, colon=lx.colon, charts=chart_views,
        pages_line=lx.pages_line, disclaimer_title=L["disclaimer_title"],
        disclaimer=lx.disclaimer, auto_line=lx.auto_line))


def _body(text: str, html: str, images: list[tuple[str, bytes, str]]) -> MIMEMultipart:
    """multipart/alternative: the text, and the HTML with its inline images."""
    utf8_b64: Any = Charset("utf-8")     # typeshed wants a str; a Charset works and is needed
    utf8_b64.body_encoding = BASE64
    alt = MIMEMultipart("alternative")
    # canonical CRLF line ends inside the base64 text parts
    alt.attach(MIMEText(text.replace("\n", "\r\n"), "plain", utf8_b64))
    related = MIMEMultipart("related", type="text/html")
    related.attach(MIMEText(html.replace("\n", "\r\n"), "html", utf8_b64))
    for cid, png, fname in images:
        img = MIMEImage(png, "png")
        img["Content-ID"] = f"<{cid}>"
        img["Content-Disposition"] = f'inline; filename="{fname}"'
        img.set_param("name", fname)
        related.attach(img)
    alt.attach(related)
    return alt


def _pdf_part(pdf_bytes: bytes, att_name: str, week_end: date) -> MIMEApplication:
    pdf = MIMEApplication(pdf_bytes, "pdf")
    # The Chinese name as one RFC 2231 parameter (no continuations, which some clients
    # mishandle) on Content-Disposition, which every current client reads first; the ASCII
    # fallback in Content-Type's legacy name= for clients that ignore RFC 2231. Both names on
    # Content-Disposition would be one parameter given twice, and parsers then disagree
    # (Python's takes the ASCII one).
    pdf.set_param("name", _ascii_fallback(att_name, week_end))
    pdf["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{urllib.parse.quote(att_name, safe='')}"
        if not att_name.isascii() else f'attachment; filename="{att_name}"')
    return pdf


def _headers(root: MIMEMultipart, email: EmailConfig, recipients: Recipients, subject: str,
             now: datetime, message_id: str, label: str) -> None:
    root["From"] = _encode_addr(email.from_)
    if recipients.to:
        root["To"] = ", ".join(_encode_addr(a) for a in recipients.to)
    if recipients.cc:
        root["Cc"] = ", ".join(_encode_addr(a) for a in recipients.cc)
    if email.reply_to:
        root["Reply-To"] = _encode_addr(email.reply_to)
    root["Subject"] = Header(subject, "utf-8", header_name="Subject")  # type: ignore[assignment]
    root["Date"] = format_datetime(now.astimezone(SHANGHAI))
    root["Message-ID"] = message_id
    root["X-Fundflow-Week"] = label


def compose(bundle: ReportBundle, cfg: Config, *, recipients: Recipients,
            now: datetime, banner: str = "") -> Composed:
    """The whole message for ``bundle``. Raises DeliveryError when the PDF is missing and
    ConfigError when delivery is not configured."""
    email = require_email(cfg)
    lang: Lang = "en" if bundle.language == "en" else "zh"
    if bundle.pdf is None:
        raise DeliveryError(f"{bundle.folder}: report.pdf is missing (output.pdf is off, or the "
                            f"build failed); the e-mail attaches the PDF")
    if not recipients.all():
        raise DeliveryError("no recipients")
    values = {"week_end": bundle.week_end.isoformat(), "week_start": bundle.week_start.isoformat(),
              "sessions": str(len(bundle.sessions)), "title": cfg.report.title.get(lang),
              "organisation": cfg.report.organisation.get(lang),
              "issue_date": now.astimezone(SHANGHAI).date().isoformat()}
    subject = _subject(bundle, email, values, lang)
    att_name = _attachment_name(email, values)
    pdf_bytes = bundle.pdf.read_bytes()

    tree = _parse_html(bundle.html_text) if bundle.html_text else _Node("#root", {})
    headline = _headline(bundle, email, tree)
    chart_refs = list(email.charts) if email.charts is not None else list(DEFAULT_CHARTS)
    charts = _pick(bundle, chart_refs, "chart", email.max_charts,
                   "delivery.email.charts" if email.charts is not None else "charts")
    domain = bare_address(email.from_).rpartition("@")[2] or "fundflow.local"
    message_id = f"<{uuid.uuid4().hex}.{bundle.label}@{domain}>"
    chart_views, images = _inline_charts(bundle, charts, tree, domain)

    lx = _lines(bundle, cfg, lang, att_name)
    text = _plain_text(bundle, lx, lang, headline, banner)
    html = _html(bundle, cfg, lx, lang, subject, headline, chart_views, banner)

    # assemble (email.mime + compat32: header parameters are written exactly as given)
    root = MIMEMultipart("mixed")
    _headers(root, email, recipients, subject, now, message_id, bundle.label)
    root.attach(_body(text, html, images))
    root.attach(_pdf_part(pdf_bytes, att_name, bundle.week_end))
    data = root.as_bytes(policy=compat32.clone(linesep="\r\n", max_line_length=78))
    return Composed(data=data, message_id=message_id, subject=subject,
                    sender=bare_address(email.from_),
                    recipients=tuple(a for _r, a in recipients.all()),
                    attachment_name=att_name,
                    pdf_sha256=hashlib.sha256(pdf_bytes).hexdigest(),
                    inline_charts=tuple(e.ref for e in charts))


def require_email(cfg: Config) -> EmailConfig:
    if cfg.delivery is None or cfg.delivery.email is None:
        where = cfg.source_path.name if cfg.source_path else "config"
        raise ConfigError(f"{where}: delivery.email: delivery is not configured; add a "
                          f"'delivery: email:' block (smtp, from, to; see README 'Delivery')",
                          key="delivery.email")
    return cfg.delivery.email


def check_size(msg: Composed, limit_mb: float, *, key: str = "delivery.email.max_size_mb",
               pdf_bytes: int | None = None) -> None:
    """DeliveryError when the encoded message is over the limit, with what makes it big."""
    limit = int(limit_mb * MB)
    if msg.size_bytes <= limit:
        return
    parts = f"; the PDF alone is {pdf_bytes / MB:.1f} MB before encoding" if pdf_bytes else ""
    raise DeliveryError(
        f"the message is {msg.size_bytes / MB:.1f} MB after encoding, over the limit of "
        f"{limit_mb:g} MB ({key}){parts}; raise {key} if the mail server accepts more, or "
        f"send fewer inline charts (delivery.email.max_charts) or a lower output.chart_dpi")


_HTML = """<!DOCTYPE html>
<html lang="{{ html_lang }}">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ subject }}</title>
</head>
<body style="margin:0;padding:0;background-color:#f2f3f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f2f3f5" style="background-color:#f2f3f5;">
<tr><td align="center" style="padding:16px 8px;">
<table role="presentation" width="{{ width }}" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="width:100%;max-width:{{ width }}px;table-layout:fixed;background-color:#ffffff;font-family:{{ font }};color:#222222;">
<tr><td bgcolor="{{ accent }}" style="background-color:{{ accent }};padding:16px 20px;color:#ffffff;font-family:{{ font }};">
<div style="font-size:12px;line-height:18px;color:#dfe8f2;">{{ organisation }}</div>
<div style="font-size:21px;line-height:30px;font-weight:bold;color:#ffffff;">{{ title }}</div>
<div style="font-size:13px;line-height:20px;color:#ffffff;">{{ week_line }}</div>
</td></tr>
{% if sample %}
<tr><td bgcolor="#fff4e5" style="background-color:#fff4e5;padding:10px 20px;font-size:13px;line-height:19px;color:#8a4b00;border-bottom:1px solid #f0c080;font-family:{{ font }};"><b>{{ sample_notice }}</b></td></tr>
{% endif %}
{% if banner %}
<tr><td bgcolor="#fff8e1" style="background-color:#fff8e1;padding:10px 20px;font-size:13px;line-height:19px;color:#7a5200;border-bottom:1px solid #e0a800;font-family:{{ font }};">{% for line in banner.splitlines() %}<div>{{ line }}</div>{% endfor %}</td></tr>
{% endif %}
{% if alerts %}
<tr><td style="padding:14px 20px 0 20px;font-family:{{ font }};">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#fdf1f1" style="background-color:#fdf1f1;border-left:4px solid {{ up }};">
<tr><td style="padding:8px 12px;font-size:13px;line-height:20px;color:#222222;font-family:{{ font }};"><b style="color:{{ up }};">{{ alerts_title }}</b>
{% for a in alerts %}<div>{{ a }}</div>{% endfor %}
</td></tr>
</table>
</td></tr>
{% endif %}
{% if core_views %}
<tr><td style="padding:18px 20px 6px 20px;font-family:{{ font }};">
<div style="font-size:16px;line-height:24px;font-weight:bold;color:{{ accent }};border-left:4px solid {{ accent }};padding-left:8px;margin-bottom:8px;">{{ core_views_title }}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
{% for v in core_views %}
<tr><td valign="top" width="22" style="width:22px;font-size:14px;line-height:23px;color:{{ accent }};font-weight:bold;font-family:{{ font }};">{{ loop.index }}.</td><td valign="top" style="font-size:14px;line-height:23px;padding-bottom:6px;color:#222222;font-family:{{ font }};">{{ v }}</td></tr>
{% endfor %}
</table>
</td></tr>
{% endif %}
{% if headline %}
<tr><td style="padding:14px 20px 6px 20px;font-family:{{ font }};">
<div style="font-size:14px;line-height:21px;font-weight:bold;color:#222222;margin-bottom:6px;">{% if headline.number %}{{ ex_word }} {{ headline.number }}{{ colon }}{% endif %}{{ headline.title }}</div>
<div style="overflow-x:auto;">
<table width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;width:100%;font-size:12px;font-family:{{ font }};">
{% if headline.columns %}
<tr>
{% for c in headline.columns %}<th align="{{ c.align }}" bgcolor="#e8eef5" style="background-color:#e8eef5;padding:5px 5px;border-bottom:2px solid {{ accent }};text-align:{{ c.align }};font-size:12px;line-height:16px;font-weight:bold;color:#1b2b3c;">{{ c.text }}</th>{% endfor %}
</tr>
{% endif %}
{% for row in headline.rows %}
<tr>
{% for c in row %}<td align="{{ c.align }}" style="padding:4px 5px;border-bottom:1px solid #e3e6ea;text-align:{{ c.align }};font-size:12px;line-height:17px;white-space:nowrap;color:{% if c.tone == 'up' %}{{ up }}{% elif c.tone == 'down' %}{{ down }}{% else %}#222222{% endif %};">{{ c.text }}</td>{% endfor %}
</tr>
{% endfor %}
</table>
</div>
{% if headline.note %}<div style="font-size:11px;line-height:16px;color:#666666;padding-top:4px;">{{ headline.note }}</div>{% endif %}
{% if headline.source %}<div style="font-size:11px;line-height:16px;color:#666666;padding-top:2px;">{{ headline.source }}</div>{% endif %}
</td></tr>
{% endif %}
{% for ch in charts %}
<tr><td style="padding:14px 20px 6px 20px;font-family:{{ font }};">
<div style="font-size:14px;line-height:21px;font-weight:bold;color:#222222;margin-bottom:6px;">{{ ex_word }} {{ ch.number }}{{ colon }}{{ ch.title }}</div>
<img src="cid:{{ ch.cid }}" width="{{ ch.width }}" height="{{ ch.height }}" alt="{{ ex_word }} {{ ch.number }}{{ colon }}{{ ch.title }}" style="display:block;width:100%;max-width:{{ ch.width }}px;height:auto;border:0;outline:none;">
{% if ch.source %}<div style="font-size:11px;line-height:16px;color:#666666;padding-top:4px;">{{ ch.source }}</div>{% endif %}
</td></tr>
{% endfor %}
<tr><td style="padding:16px 20px 8px 20px;font-size:13px;line-height:20px;color:#222222;font-family:{{ font }};"><b>{{ pages_line }}</b></td></tr>
<tr><td style="padding:8px 20px 18px 20px;font-size:11px;line-height:17px;color:#888888;border-top:1px solid #e3e6ea;font-family:{{ font }};">
<div>{{ disclaimer_title }}{{ colon }}{{ disclaimer }}</div>
<div>{{ auto_line }}</div>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"""
