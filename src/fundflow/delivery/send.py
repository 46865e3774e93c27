"""Sending: one SMTP conversation with retries (``smtp_send``) and the whole delivery of a
week's report with the ledger around it (``deliver``).

Credentials come from the environment only (``delivery.email.password_env``, by default
``FUNDFLOW_SMTP_PASSWORD``); the password is never logged, never put in an error message and
never written anywhere. smtplib's debug output stays off because it would print the AUTH line.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from fundflow.config import Config, EmailConfig, SmtpConfig
from fundflow.delivery.compose import (
    MB, ReportBundle, check_size, compose, find_report_folder,
    load_report, recipients_of, require_email,
)
from fundflow.calendar import ReportWeek, TradingCalendar
from fundflow.data.store import Store
from fundflow.delivery.ledger import Attempt, Ledger, LedgerEntry
from fundflow.errors import ConfigError, DeliveryError, StoreError
from fundflow.plan import report_week

log = logging.getLogger(__name__)


# -- one SMTP conversation ----------------------------------------------------------------------
def check_login_security(smtp: SmtpConfig, username: str | None) -> None:
    if username and smtp.security == "none":
        raise ConfigError("delivery.email.smtp.security is 'none': refusing to send the SMTP "
                          "password unencrypted; use 'ssl' or 'starttls', or remove "
                          "delivery.email.username for a relay that needs no login",
                          key="delivery.email.smtp.security")


@dataclass(frozen=True)
class SmtpResult:
    accepted: tuple[str, ...]
    refused: Mapping[str, tuple[int, str]]     # recipient -> (code, server text)
    reply: str                                 # the server's answer to DATA
    attempts: int


class SmtpFailure(DeliveryError):
    """The conversation failed; ``reply`` is what the server said (or the connection error)."""

    def __init__(self, message: str, *, reply: str, permanent: bool, attempts: int = 1) -> None:
        super().__init__(message)
        self.reply = reply
        self.permanent = permanent
        self.attempts = attempts


def _text(b: bytes | str) -> str:
    return (b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)).strip()


def _reply(code: int, msg: bytes | str) -> str:
    return f"{code} {_text(msg)}".replace("\n", " ")


def ssl_context(smtp: SmtpConfig, base_dir: Path | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if smtp.ca_file is not None:
        ca = smtp.ca_file if smtp.ca_file.is_absolute() or base_dir is None \
            else base_dir / smtp.ca_file
        try:
            ctx.load_verify_locations(cafile=str(ca))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"delivery.email.smtp.ca_file: cannot load {ca}: {exc}",
                              key="delivery.email.smtp.ca_file") from exc
    return ctx


def _classify(exc: BaseException) -> tuple[str, bool]:
    """(server reply or error text, permanent?) for an exception of one conversation."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = [f"{r}: {_reply(c, m)}" for r, (c, m) in exc.recipients.items()]
        permanent = any(c >= 500 for c, _m in exc.recipients.values())
        return "; ".join(replies), permanent
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _reply(exc.smtp_code, exc.smtp_error), True
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error), exc.smtp_code >= 500
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return str(exc), True
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"connection closed by the server ({exc or 'no reply'})", False
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {exc.verify_message or exc}", True
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out waiting for the server", False
    if isinstance(exc, OSError):
        return f"{type(exc).__name__}: {exc.strerror or exc}", False
    return f"{type(exc).__name__}: {exc}", True


def _conversation(data: bytes, sender: str, recipients: Sequence[str], smtp: SmtpConfig,
                  username: str | None, password: str | None,
                  context: ssl.SSLContext) -> SmtpResult:
    port = smtp.effective_port
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, port, timeout=smtp.timeout_s, context=context)
    else:
        client = smtplib.SMTP(smtp.host, port, timeout=smtp.timeout_s)
    with client:
        client.ehlo()
        if smtp.security == "starttls":
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError(
                    f"server {smtp.host}:{port} does not offer STARTTLS "
                    f"(delivery.email.smtp.security is 'starttls')")
            client.starttls(context=context)
            client.ehlo()
        if username:
            client.login(username, password or "")
        options: list[str] = []
        utf8 = [a for a in (sender, *recipients) if not a.isascii()]
        if utf8:         # a non-ASCII local part (domains are already in IDNA form)
            if not client.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError(
                    f"address {utf8[0]} has a non-ASCII local part and server "
                    f"{smtp.host}:{port} does not offer SMTPUTF8; use an ASCII address")
            options.append("SMTPUTF8")
            if client.has_extn("8bitmime"):
                options.append("BODY=8BITMIME")
        if client.has_extn("size"):
            limit = int(client.esmtp_features.get("size") or 0)
            if limit and len(data) > limit:
                raise smtplib.SMTPResponseException(
                    552, f"message is {len(data)} bytes, the server accepts at most {limit} "
                         f"(its SIZE limit)".encode())
            options.append(f"SIZE={len(data)}")
        code, msg = client.mail(sender, options)
        if code != 250:
            client.rset()
            raise smtplib.SMTPSenderRefused(code, msg, sender)
        refused: dict[str, tuple[int, str]] = {}
        for r in recipients:
            code, msg = client.rcpt(r)
            if code not in (250, 251):
                refused[r] = (code, _text(msg))
        if len(refused) == len(recipients):
            client.rset()
            raise smtplib.SMTPRecipientsRefused(
                {r: (c, m.encode()) for r, (c, m) in refused.items()})  # type: ignore[dict-item]
        code, msg = client.data(data)
        if code != 250:
            client.rset()
            raise smtplib.SMTPDataError(code, msg)
        reply = _reply(code, msg)
    accepted = tuple(r for r in recipients if r not in refused)
    return SmtpResult(accepted, refused, reply, 1)


def smtp_send(data: bytes, *, sender: str, recipients: Sequence[str], smtp: SmtpConfig,
              username: str | None = None, password: str | None = None,
              attempts: int = 3, backoff_s: float = 5.0,
              context: ssl.SSLContext | None = None,
              sleep: Callable[[float], None] = time.sleep) -> SmtpResult:
    """Send ``data`` in one SMTP conversation, retried on transient failures (connection
    errors, disconnects, 4xx replies) up to ``attempts`` times with exponential backoff
    (backoff_s, 2*backoff_s, ...). A permanent failure (5xx, a refused login, an untrusted
    certificate) is not retried. Raises SmtpFailure naming the server's last reply."""
    check_login_security(smtp, username)
    ctx = context or ssl_context(smtp)
    where = f"{smtp.host}:{smtp.effective_port} ({smtp.security})"
    last = ""
    for attempt in range(1, attempts + 1):
        log.info("SMTP %s: attempt %d of %d, %d recipient(s), %.2f MB", where, attempt,
                 attempts, len(recipients), len(data) / MB)
        try:
            result = _conversation(data, sender, recipients, smtp, username, password, ctx)
        except (smtplib.SMTPException, OSError) as exc:
            last, permanent = _classify(exc)
            if permanent or attempt == attempts:
                tries = f"after {attempt} attempt{'s' if attempt > 1 else ''}"
                kind = "refused" if permanent else "failed"
                raise SmtpFailure(f"SMTP {where} {kind} {tries}: {last}", reply=last,
                                  permanent=permanent, attempts=attempt) from exc
            wait = backoff_s * 2 ** (attempt - 1)
            log.warning("SMTP %s: attempt %d failed: %s; retrying in %.0f s", where, attempt,
                        last, wait)
            sleep(wait)
            continue
        if result.refused:
            log.warning("SMTP %s: recipients refused: %s", where,
                        "; ".join(f"{r}: {c} {m}" for r, (c, m) in result.refused.items()))
        log.info("SMTP %s: accepted: %s", where, result.reply)
        return SmtpResult(result.accepted, result.refused, result.reply, attempt)
    raise AssertionError("unreachable")  # pragma: no cover


# -- delivering a week's report -----------------------------------------------------------------
@dataclass
class DeliveryResult:
    status: str                 # "sent" | "partial" | "skipped" | "dry_run"
    week_end: date
    folder: Path
    recipients: tuple[str, ...] = ()        # this send's envelope recipients
    already: tuple[str, ...] = ()           # skipped: delivered before
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)
    eml: Path | None = None
    message_id: str = ""
    size_bytes: int = 0
    reply: str = ""
    attempts: int = 0
    inline_charts: tuple[str, ...] = ()
    note: str = ""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def data_kind(bundle: ReportBundle) -> str:
    return "sample" if bundle.sample_data else "real"


def password_from_env(email: EmailConfig, environ: Mapping[str, str] | None = None) -> str | None:
    if not email.username:
        return None
    env = os.environ if environ is None else environ
    pw = env.get(email.password_env)
    if not pw:
        raise ConfigError(f"delivery.email.username is set but the environment variable "
                          f"{email.password_env} (the SMTP password) is empty or not set",
                          key="delivery.email.password_env")
    return pw


def deliver(cfg: Config, *, folder: Path | None = None, week: date | None = None,
            reports_dir: Path | None = None, now: datetime, dry_run: bool = False,
            to: Sequence[str] = (), force: bool = False,
            environ: Mapping[str, str] | None = None,
            sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], datetime] | None = None,
            context: ssl.SSLContext | None = None, banner: str = "") -> DeliveryResult:
    """E-mail one built report (``folder``, or the one whose week contains ``week``) exactly
    once per recipient. See the module docs of compose and ledger for what and how."""
    email = require_email(cfg)
    if folder is None:
        if week is None:
            raise ValueError("deliver needs folder or week")
        folder = find_report_folder(reports_dir or cfg.resolve(cfg.output.dir), week)
    bundle = load_report(folder)
    kind = data_kind(bundle)
    rcpts = recipients_of(email, to)
    everyone = rcpts.all()
    ledger = Ledger(cfg.resolve(cfg.data.store))

    delivered = ledger.delivered(bundle.week_end, kind)
    already = tuple(a for _r, a in everyone if a in delivered)
    pending = {a for _r, a in everyone if a not in delivered}
    if force:
        pending = {a for _r, a in everyone}
        already = ()
    if not pending and dry_run:
        # a preview is still useful; say that a real send would do nothing
        pending = {a for _r, a in everyone}
        already = ()
        preview_note = "a real send would do nothing: every recipient already has this week"
    else:
        preview_note = ""
    if not pending:
        last = max(delivered[a].sent_at or delivered[a].started_at for a in already)
        note = ""
        sha = bundle.pdf_sha256()
        if sha and any(delivered[a].pdf_sha256 != sha for a in already):
            note = "the report was rebuilt after it was sent (the PDF differs)"
        return DeliveryResult("skipped", bundle.week_end, folder, already=already,
                              note=note, message_id=delivered[already[0]].message_id,
                              reply=f"last sent {last:%Y-%m-%d %H:%M} UTC")
    if already:
        log.info("week %s was already sent to %s; sending to the others only", bundle.label,
                 ", ".join(already))
        rcpts = rcpts.only(pending)

    msg = compose(bundle, cfg, recipients=rcpts, now=now, banner=banner)
    pdf_size = bundle.pdf.stat().st_size if bundle.pdf else None
    if dry_run:
        eml = folder / "report.eml"
        tmp = eml.with_suffix(".eml.tmp")
        tmp.write_bytes(msg.data)
        os.replace(tmp, eml)
        log.info("dry run: wrote %s (%.2f MB), nothing sent", eml, msg.size_bytes / MB)
        check_size(msg, email.max_size_mb, pdf_bytes=pdf_size)
        return DeliveryResult("dry_run", bundle.week_end, folder, recipients=msg.recipients,
                              already=already, eml=eml, message_id=msg.message_id,
                              size_bytes=msg.size_bytes, inline_charts=msg.inline_charts,
                              note=preview_note)
    check_size(msg, email.max_size_mb, pdf_bytes=pdf_size)
    check_login_security(email.smtp, email.username)
    password = password_from_env(email, environ)
    ctx = context or ssl_context(email.smtp, cfg.source_path.parent if cfg.source_path else None)

    attempt = ledger.begin(Attempt(
        week_end=bundle.week_end, data_kind=kind,
        recipients=[(role, a) for role, a in rcpts.all()], message_id=msg.message_id,
        subject=msg.subject, pdf_sha256=msg.pdf_sha256, size_bytes=msg.size_bytes,
        report_dir=str(folder), started_at=now, forced=force))
    try:
        result = smtp_send(msg.data, sender=msg.sender, recipients=msg.recipients,
                           smtp=email.smtp, username=email.username, password=password,
                           attempts=email.retries, backoff_s=email.retry_backoff_s,
                           context=ctx, sleep=sleep)
    except Exception as exc:
        # the server did not take the message: forget the attempt. (An interrupt here leaves
        # the 'sending' rows: whether the message went out is then unknown.)
        ledger.abort(attempt.attempt_id)
        if isinstance(exc, SmtpFailure):
            raise SmtpFailure(f"week {bundle.label} not sent: {exc}; the delivery ledger is "
                              f"unchanged", reply=exc.reply, permanent=exc.permanent,
                              attempts=exc.attempts) from exc
        raise
    ledger.complete(attempt.attempt_id, result.accepted, sent_at=(clock or _utcnow)(),
                    reply=result.reply)
    return DeliveryResult("partial" if result.refused else "sent", bundle.week_end, folder,
                          recipients=result.accepted, already=already,
                          refused=dict(result.refused), message_id=msg.message_id,
                          size_bytes=msg.size_bytes, reply=result.reply,
                          attempts=result.attempts, inline_charts=msg.inline_charts)


# -- which week ---------------------------------------------------------------------------------
def resolve_week(cfg: Config, day: date | None, now: datetime, *,
                 source: str = "store") -> ReportWeek:
    """The report week of ``day``, or with None the latest week whose last session has closed
    at ``now`` (15:00 Asia/Shanghai): a Friday holiday makes Thursday (or the last session
    before it) the week's end, so an evening run on that day already delivers the week. Uses
    the exchange calendar, then the store's trading-day list where it has one."""
    store_path = cfg.resolve(cfg.data.sample_store if source == "sample" else cfg.data.store)
    sessions: list[date] = []
    if store_path.exists():
        try:
            with Store(store_path, read_only=True) as st:
                sessions = st.trade_days()
        except StoreError as exc:   # locked by a writer, or not a store: the library decides
            log.info("trading days from %s not used: %s", store_path, exc)
    return report_week(TradingCalendar(sessions), day, now)


def already_delivered(cfg: Config, week_end: date, kind: str,
                      to: Sequence[str] = ()) -> dict[str, LedgerEntry] | None:
    """The ledger entries when every recipient already has this week; else None."""
    email = require_email(cfg)
    store_path = cfg.resolve(cfg.data.store)
    if not store_path.exists():
        return None
    delivered = Ledger(store_path).delivered(week_end, kind)
    everyone = [a for _r, a in recipients_of(email, to).all()]
    if everyone and all(a in delivered for a in everyone):
        return {a: delivered[a] for a in everyone}
    return None


def notify_owner(cfg: Config, owner: str, subject: str, body: str, *, now: datetime,
                 environ: Mapping[str, str] | None = None,
                 context: ssl.SSLContext | None = None) -> None:
    """A short plain-text message to the report's owner (a held report, data problems),
    through the same SMTP settings; not recorded in the ledger (it is not the report)."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    email = require_email(cfg)
    from email import policy

    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = email.from_
    msg["To"] = owner
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain="fundflow.local")
    msg.set_content(body, cte="quoted-printable")   # wraps long lines (RFC 5321 limit)
    check_login_security(email.smtp, email.username)
    ctx = context or ssl_context(email.smtp, cfg.source_path.parent if cfg.source_path else None)
    smtp_send(msg.as_bytes(), sender=email.from_, recipients=[owner], smtp=email.smtp,
              username=email.username, password=password_from_env(email, environ),
              attempts=email.retries, backoff_s=email.retry_backoff_s, context=ctx)
