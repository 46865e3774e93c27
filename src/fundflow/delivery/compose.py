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

What is read from the folder: the typed ``manifest.json`` (``fundflow.manifest``: week,
language, sample flag, core views, alerts, every exhibit's title and source line and each
table's printed cells; an explicit ``headline`` table if one was added), ``report.pdf`` and
``charts/*.png``. The page is never read back: a report built before the manifest carried that
text (manifest schema 1) is refused with the command that rebuilds it. The HTML part is the template
``templates/email/body.html.j2``, rendered by the report's template environment.
"""

from __future__ import annotations

import hashlib
import logging
import re
import struct
import unicodedata
import urllib.parse
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.charset import BASE64, Charset
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fundflow.config import Config, EmailConfig, Lang
from fundflow.errors import ConfigError, DeliveryError, ManifestError
from fundflow.manifest import (
    SCHEMA, ExhibitRecord, Manifest, PrintedExhibit, Table, load_manifest,
)
from fundflow.render.env import make_env, render_template
from fundflow.render.labels import labels

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MB = 1024 * 1024
EMAIL_TEMPLATE = "email/body.html.j2"   # the HTML part; a team's templates_dir may override it
EMAIL_TEXT_TEMPLATE = "email/body.txt.j2"   # the text/plain part, likewise
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
Exhibit = PrintedExhibit   # a table as the e-mail shows it: number, title, source line, cells


@dataclass(frozen=True)
class ReportBundle:
    folder: Path
    manifest: Manifest
    pdf: Path | None

    @property
    def week_start(self) -> date:
        return self.manifest.week.sessions[0]

    @property
    def week_end(self) -> date:
        return self.manifest.week.sessions[-1]

    @property
    def sessions(self) -> tuple[date, ...]:
        return self.manifest.week.sessions

    @property
    def language(self) -> str:
        return self.manifest.language

    @property
    def sample_data(self) -> bool:
        return self.manifest.sample_data

    @property
    def pages(self) -> int:
        return self.manifest.pages

    @property
    def exhibits(self) -> tuple[ExhibitRecord, ...]:
        return self.manifest.exhibits

    @property
    def core_views(self) -> tuple[str, ...]:
        return tuple(v.strip() for v in self.manifest.core_views or () if v.strip())

    @property
    def alerts(self) -> tuple[str, ...]:
        """The threshold hits' lines (manifest "alerts")."""
        return self.manifest.alert_texts

    @property
    def label(self) -> str:
        return self.week_end.isoformat()

    def pdf_sha256(self) -> str | None:
        if self.pdf is None:
            return None
        return hashlib.sha256(self.pdf.read_bytes()).hexdigest()


def load_report(folder: Path, *, for_email: bool = True) -> ReportBundle:
    """Read what the e-mail and the archive need from one ``reports/<week>/`` folder: its
    typed manifest (raises ManifestError naming the file when missing or damaged).

    A report built before the manifest carried the e-mail's text (schema 1) cannot be sent:
    ManifestError names the command that rebuilds it. The archive (``for_email=False``) still
    lists it from its week and dates."""
    folder = Path(folder)
    manifest = load_manifest(folder)
    if for_email and manifest.schema_version < SCHEMA:
        raise ManifestError(
            f"{folder / 'manifest.json'} was written by an older fundflow (manifest schema "
            f"{manifest.schema_version}; e-mail needs {SCHEMA}, which carries each exhibit's "
            f"text): rebuild the report with 'fundflow build --week "
            f"{manifest.week.friday}' and send again")
    pdf = folder / "report.pdf"
    return ReportBundle(folder=folder, manifest=manifest, pdf=pdf if pdf.exists() else None)


def find_report_folder(reports_dir: Path, day: date) -> Path:
    """The built report whose week (Monday..Sunday) contains ``day``."""
    if (reports_dir / day.isoformat() / "manifest.json").exists():
        return reports_dir / day.isoformat()
    for folder in built_reports(reports_dir):
        try:
            monday = load_manifest(folder).week.monday
        except ManifestError:
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


def _exhibit(rec: ExhibitRecord) -> Exhibit:
    """The e-mail's view of a table exhibit's record."""
    table = rec.table or Table()
    return Exhibit(number=rec.number, title=_one_line(rec.title), source=rec.source_line,
                   note=rec.note, columns=table.columns, rows=table.rows)


def _one_line(text: str) -> str:
    """A title as the page shows it (whitespace runs collapsed)."""
    return " ".join(text.split())


# -- choosing what goes into the mail -------------------------------------------------------------
DEFAULT_HEADLINE = "broad_indices.broad_table"
DEFAULT_CHARTS = ("broad_indices.broad_returns", "sw_industries.sw_ranking")


def _pick(bundle: ReportBundle, refs: Sequence[str], kind: str, limit: int,
          what: str) -> list[ExhibitRecord]:
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


def chart_file(bundle: ReportBundle, ex: ExhibitRecord) -> Path:
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


def _headline(bundle: ReportBundle, email: EmailConfig) -> Exhibit | None:
    """The table shown in the body: the manifest's headline, else the configured or default
    table exhibit; None when it has no rows."""
    headline: Exhibit | None = None
    if bundle.manifest.headline is not None:
        headline = bundle.manifest.headline
    else:
        refs = [email.headline_table] if email.headline_table else [DEFAULT_HEADLINE]
        picked = _pick(bundle, refs, "table", 1,
                       "delivery.email.headline_table" if email.headline_table else "headline")
        if picked:
            headline = _exhibit(picked[0])
    if headline is not None and not headline.rows:
        headline = None
    return headline


def _inline_charts(bundle: ReportBundle, charts: Sequence[ExhibitRecord], domain: str
                   ) -> tuple[list[dict[str, Any]], list[tuple[str, bytes, str]]]:
    """The HTML part's view of each inline chart, and its image (cid, png, file name)."""
    chart_views = []
    images: list[tuple[str, bytes, str]] = []
    for i, ex in enumerate(charts, 1):
        png = chart_file(bundle, ex).read_bytes()
        w, h = png_size(png)
        cid = f"chart{i}.{uuid.uuid4().hex[:16]}@{domain}"
        chart_views.append({
            "number": ex.number, "title": _one_line(ex.title), "source": ex.source_line,
            "cid": cid, "width": IMAGE_WIDTH_PX, "height": max(1, round(h * IMAGE_WIDTH_PX / w))})
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
    built = bundle.manifest.built_at
    try:
        built = datetime.fromisoformat(built).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        pass
    auto_line = E["auto"].format(version=bundle.manifest.fundflow_version, built=built)
    disclaimer = (cfg.report.disclaimer.get(lang) if cfg.report.disclaimer
                  else str(L["disclaimer"]))
    return _Lines(
        title=cfg.report.title.get(lang), organisation=cfg.report.organisation.get(lang),
        week_line=week_line, pages_line=pages_line, auto_line=auto_line, disclaimer=disclaimer,
        alerts_title=str(L.get("alerts_title", "预警" if lang == "zh" else "Alerts")),
        ex_word=str(L["exhibit"]), colon=str(L["colon"]))


def _plain_text(bundle: ReportBundle, env: Any, lx: _Lines, lang: Lang,
                headline: Exhibit | None, banner: str) -> str:
    """The text/plain part: the template ``templates/email/body.txt.j2``."""
    L = labels(lang)
    lines: list[str] = []
    if headline is not None:
        head = f"{lx.ex_word} {headline.number}{lx.colon}{headline.title}" if headline.number \
            else headline.title
        lines = [head, *text_table(headline), *(x for x in (headline.note, headline.source) if x)]
    return render_template(
        env, EMAIL_TEXT_TEMPLATE, title=lx.title,
        organisation=lx.organisation, week_line=lx.week_line, sample=bundle.sample_data,
        sample_notice=L["sample_notice"], banner=banner, alerts_title=lx.alerts_title,
        alerts=list(bundle.alerts), core_views_title=L["core_views"],
        core_views=list(bundle.core_views), headline_lines=lines, pages_line=lx.pages_line,
        disclaimer_title=L["disclaimer_title"], colon=lx.colon, disclaimer=lx.disclaimer,
        auto_line=lx.auto_line)


def _email_env(cfg: Config, lang: Lang) -> Any:
    """The report's template environment: a team's templates_dir overrides the e-mail too."""
    return make_env(cfg.resolve(cfg.templates_dir) if cfg.templates_dir else None, lang)


def _html(bundle: ReportBundle, cfg: Config, env: Any, lx: _Lines, lang: Lang, subject: str,
          headline: Exhibit | None, chart_views: list[dict[str, Any]], banner: str) -> str:
    """The text/html part."""
    L = labels(lang)
    style = cfg.style
    html = render_template(
        env, EMAIL_TEMPLATE, html_lang=L["html_lang"], subject=subject, font=FONT_STACK,
        accent=style.accent_color,
        up=style.up_color, down=style.down_color, width=EMAIL_WIDTH_PX,
        organisation=lx.organisation, title=lx.title, week_line=lx.week_line,
        sample=bundle.sample_data, sample_notice=L["sample_notice"],
        core_views_title=L["core_views"], core_views=list(bundle.core_views),
        alerts_title=lx.alerts_title, alerts=list(bundle.alerts), banner=banner,
        headline=headline, ex_word=lx.ex_word, colon=lx.colon, charts=chart_views,
        pages_line=lx.pages_line, disclaimer_title=L["disclaimer_title"],
        disclaimer=lx.disclaimer, auto_line=lx.auto_line)
    # the part ends at </html>, as it did when the template was a string in this module
    return html.removesuffix("\n")


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

    headline = _headline(bundle, email)
    chart_refs = list(email.charts) if email.charts is not None else list(DEFAULT_CHARTS)
    charts = _pick(bundle, chart_refs, "chart", email.max_charts,
                   "delivery.email.charts" if email.charts is not None else "charts")
    domain = bare_address(email.from_).rpartition("@")[2] or "fundflow.local"
    message_id = f"<{uuid.uuid4().hex}.{bundle.label}@{domain}>"
    chart_views, images = _inline_charts(bundle, charts, domain)

    lx = _lines(bundle, cfg, lang, att_name)
    env = _email_env(cfg, lang)   # one template environment for both parts
    text = _plain_text(bundle, env, lx, lang, headline, banner)
    html = _html(bundle, cfg, env, lx, lang, subject, headline, chart_views, banner)

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
