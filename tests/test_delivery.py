"""E-mail delivery against real SMTP servers (aiosmtpd on 127.0.0.1, in a thread).

Plain, implicit TLS and STARTTLS with a self-signed certificate made here; every received
message is parsed back (parts, inline images, attachment bytes, Chinese file name); duplicate
suppression through the ledger; and servers that refuse, fail for a while, or hang up.
"""

from __future__ import annotations

import datetime as dt
import json
import email
import ipaddress
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from fundflow import cli
from fundflow.build import BuildRequest, build
from fundflow.config import Config, parse_config
from fundflow.delivery.compose import Recipients, check_size, compose, load_report, png_size
from tests.html_report import parse_core_views, parse_exhibit
from fundflow.delivery.ledger import SENDING, SENT, UNCONFIRMED, AlreadyRecorded, Attempt, Ledger
from fundflow.delivery.ledger import process_owner
from fundflow.delivery.send import SmtpFailure, deliver, resolve_week
from fundflow.errors import ConfigError, DeliveryError
from tests.shared import seeded_sample_store

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2025, 11, 7, 10, 30, tzinfo=dt.timezone.utc)     # 18:30 in Shanghai
WEEK = dt.date(2025, 11, 7)
PASSWORD = "s3cret-Pa55-not-in-logs"
PDF_NAME = "资金行为跟踪周报_2025-11-07.pdf"

SECTIONS = [
    {"section": "broad_indices",
     "params": {"indices": ["000001", "399001", "399006", "000688", "000016", "000300",
                            "000905", "000852", "932000", "000922"], "range_weeks": 52}},
    {"section": "sw_industries", "params": {"top_n": 5}},
]


def base_config(tmp: Path) -> dict[str, Any]:
    return {
        "language": "zh",
        "data": {"store": str(tmp / "store.duckdb"), "sample_store": str(seeded_sample_store(tmp / "sample.duckdb")),
                 "sample_dir": str(ROOT / "seeds" / "sample"), "seeds_dir": str(ROOT / "seeds")},
        "output": {"dir": str(tmp / "reports"), "pdf": True, "excel": False, "chart_dpi": 110},
        "sections": SECTIONS,
    }


def email_block(port: int, **over: Any) -> dict[str, Any]:
    block: dict[str, Any] = {
        "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout_s": 10},
        "from": "资金周报 <reports@example.com>",
        "to": ["team@example.com", "张三 <zhang.san@example.com>"],
        "cc": ["desk@example.com"],
        "bcc": ["archive@example.com"],
        "retries": 3, "retry_backoff_s": 0,
    }
    for k, v in over.items():
        if k == "smtp":
            block["smtp"] = {**block["smtp"], **v}
        else:
            block[k] = v
    return block


def make_cfg(tmp: Path, reports: Path, port: int, **over: Any) -> Config:
    data = base_config(tmp)
    data["output"]["dir"] = str(reports)
    data["delivery"] = {"email": email_block(port, **over)}
    return parse_config(data)


# -- the report, built once -------------------------------------------------------------------
@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("built")
    cfg = parse_config(base_config(tmp))
    build(cfg, BuildRequest(week=WEEK, source="sample"), now=NOW)
    return tmp / "reports"


@pytest.fixture()
def folder(reports: Path) -> Path:
    return reports / WEEK.isoformat()


# -- SMTP servers -----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Handler:
    """Records what arrives; ``reject`` refuses recipients, ``fail_data``/``hangup_*`` inject
    failures for the first N conversations."""

    reject: set[str] = field(default_factory=set)
    fail_data: list[str] = field(default_factory=list)     # replies for the first DATAs
    hangup_rcpt: int = 0          # hang up at RCPT in this many conversations
    hangup_data: int = 0          # hang up after receiving DATA in this many conversations
    received: list[Any] = field(default_factory=list)
    mails: int = 0                # MAIL FROM commands seen (one per conversation)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        self.mails += 1
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.hangup_rcpt:
            self.hangup_rcpt -= 1
            server.transport.close()
            return "250 OK"
        if address in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hangup_data:
            self.hangup_data -= 1
            server.transport.close()
            return "250 OK"
        if self.fail_data:
            return self.fail_data.pop(0)
        self.received.append(envelope)
        return "250 2.0.0 Ok: queued as FF123"


class Server:
    def __init__(self, handler: Handler, **kwargs: Any) -> None:
        self.handler = handler
        self.port = free_port()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> Server:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Any]:
        return self.handler.received


@pytest.fixture()
def server() -> Iterator[Server]:
    with Server(Handler()) as s:
        yield s


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost (cryptography)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fundflow test SMTP")])
    now = dt.datetime.now(dt.timezone.utc)
    crt = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
           .public_key(key.public_key()).serial_number(x509.random_serial_number())
           .not_valid_before(now - dt.timedelta(days=1))
           .not_valid_after(now + dt.timedelta(days=2))
           .add_extension(x509.SubjectAlternativeName(
               [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
               critical=False)
           .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
           .sign(key, hashes.SHA256()))
    d = tmp_path_factory.mktemp("cert")
    (d / "cert.pem").write_bytes(crt.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return d / "cert.pem", d / "key.pem"


def server_tls(cert: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return ctx


def authenticator(seen: list[tuple[str, bool]]) -> Any:
    def auth(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (isinstance(data, LoginPassword) and data.login == b"reports@example.com"
              and data.password == PASSWORD.encode())
        seen.append((mechanism, ok))
        return AuthResult(success=ok, handled=False)
    return auth


# -- helpers -----------------------------------------------------------------------------------
def parse(envelope: Any) -> EmailMessage:
    msg = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def ledger_rows(cfg: Config) -> list[tuple[str, str, str]]:
    return [(e.recipient, e.status, e.role) for e in Ledger(cfg.resolve(cfg.data.store)).entries()]


ALL = ["team@example.com", "zhang.san@example.com", "desk@example.com", "archive@example.com"]


# -- the message -------------------------------------------------------------------------------
def test_plain_smtp_delivers_one_complete_message(tmp_path: Path, reports: Path, folder: Path,
                                                  server: Server) -> None:
    cfg = make_cfg(tmp_path, reports, server.port)
    result = deliver(cfg, week=WEEK, now=NOW, sleep=lambda s: None)
    assert result.status == "sent" and result.attempts == 1
    assert sorted(result.recipients) == sorted(ALL)
    assert "queued as FF123" in result.reply

    assert len(server.received) == 1
    env = server.received[0]
    assert env.mail_from == "reports@example.com"
    assert sorted(env.rcpt_tos) == sorted(ALL)              # bcc is in the envelope ...
    msg = parse(env)
    assert "archive@example.com" not in env.original_content.decode("ascii")   # ... not headers
    assert msg["Subject"] == "[样本数据] 2025-11-07 资金行为周报"
    assert msg["From"].addresses[0].display_name == "资金周报"
    assert [a.addr_spec for a in msg["To"].addresses] == ["team@example.com",
                                                         "zhang.san@example.com"]
    assert msg["To"].addresses[1].display_name == "张三"
    assert msg["Cc"].addresses[0].addr_spec == "desk@example.com"
    assert msg["Message-ID"] == result.message_id

    # structure: mixed(alternative(plain, related(html, png, png)), pdf)
    assert msg.get_content_type() == "multipart/mixed"
    alt, pdf = msg.get_payload()
    assert alt.get_content_type() == "multipart/alternative"
    plain, related = alt.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert [i.get_content_type() for i in images] == ["image/png", "image/png"]

    # the PDF, byte for byte, with its Chinese name (RFC 2231) and an ASCII fallback
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content_disposition() == "attachment"
    assert pdf.get_content() == (folder / "report.pdf").read_bytes()
    assert pdf.get_filename() == PDF_NAME
    raw = env.original_content.decode("ascii")
    assert "filename*=UTF-8''%E8%B5%84%E9%87%91%E8%A1%8C%E4%B8%BA" in raw
    assert pdf.get_param("name") == "fundflow_weekly_2025-11-07.pdf"
    assert max(len(line) for line in raw.split("\r\n")) < 998

    # inline images: referenced by cid in the HTML, bytes equal to the report's charts
    html = html_part.get_content()
    charts = {p.name: p.read_bytes() for p in (folder / "charts").glob("*.png")}
    for img in images:
        cid = img["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        assert img.get_content_disposition() == "inline"
        assert img.get_content() in charts.values()
        w, h = png_size(img.get_content())
        assert f'height="{round(h * 600 / w)}"' in html
    ranking = next(n for n in charts if n.endswith("_sw_industries_sw_ranking.png"))
    assert img.get_content() == charts[ranking]

    # the core views and the headline table in both parts
    views = load_report(folder).core_views
    assert views and all(views)
    text = plain.get_content()
    for v in views:
        assert v in text and v in html
    assert "图表 3：主要宽基指数表现" in text and "图表 3：主要宽基指数表现" in html
    table = parse_exhibit((folder / "report.html").read_text(encoding="utf-8"), 3)
    assert table is not None and len(table.rows) == 10
    assert "上证指数" in text and table.rows[0][0].text == "上证指数"
    for row in table.rows:
        for cell in row:
            assert cell.text in text
            colour = {"up": "#d7262b", "down": "#1a9641"}.get(cell.tone, "#222222")
            assert f'color:{colour};">{cell.text}</td>' in html   # red up, green down
    assert "样本数据 / SAMPLE DATA" in text and "样本数据 / SAMPLE DATA" in html
    assert PDF_NAME in text and "PDF" in html

    # the ledger: one row per recipient, sent
    assert sorted(ledger_rows(cfg)) == sorted([
        ("team@example.com", SENT, "to"), ("zhang.san@example.com", SENT, "to"),
        ("desk@example.com", SENT, "cc"), ("archive@example.com", SENT, "bcc")])


def test_second_send_does_nothing_and_force_sends_again(tmp_path: Path, reports: Path,
                                                        server: Server) -> None:
    cfg = make_cfg(tmp_path, reports, server.port)
    assert deliver(cfg, week=WEEK, now=NOW).status == "sent"
    again = deliver(cfg, week=dt.date(2025, 11, 5), now=NOW)     # any day of the week
    assert again.status == "skipped"
    assert sorted(again.already) == sorted(ALL)
    assert len(server.received) == 1
    assert len(ledger_rows(cfg)) == 4

    forced = deliver(cfg, week=WEEK, now=NOW, force=True)
    assert forced.status == "sent"
    assert len(server.received) == 2
    assert [s for _r, s, _role in ledger_rows(cfg)].count(SENT) == 8

    # a recipient added later gets the report; those who have it do not get it again
    cfg2 = make_cfg(tmp_path, reports, server.port, cc=["desk@example.com", "new@example.com"])
    added = deliver(cfg2, week=WEEK, now=NOW)
    assert added.status == "sent" and added.recipients == ("new@example.com",)
    assert sorted(added.already) == sorted(ALL)
    assert server.received[-1].rcpt_tos == ["new@example.com"]
    assert parse(server.received[-1])["Cc"].addresses[0].addr_spec == "new@example.com"
    assert parse(server.received[-1])["To"] is None


def test_to_override_and_dry_run(tmp_path: Path, reports: Path, folder: Path,
                                 server: Server) -> None:
    cfg = make_cfg(tmp_path, reports, server.port)
    dry = deliver(cfg, week=WEEK, now=NOW, dry_run=True)
    assert dry.status == "dry_run" and dry.eml == folder / "report.eml"
    assert server.received == [] and ledger_rows(cfg) == []
    assert not cfg.data.store.exists()                  # a dry run writes no store either
    eml = email.message_from_bytes(dry.eml.read_bytes(), policy=policy.default)
    assert eml["Subject"] == "[样本数据] 2025-11-07 资金行为周报"
    pdf = next(iter(eml.iter_attachments()))
    assert pdf.get_filename() == PDF_NAME
    assert pdf.get_content() == (folder / "report.pdf").read_bytes()

    me = deliver(cfg, week=WEEK, now=NOW, to=["Me <me@example.com>"])
    assert me.recipients == ("me@example.com",)
    assert server.received[0].rcpt_tos == ["me@example.com"]
    assert parse(server.received[0])["Cc"] is None
    # the test send to one address does not count as the team's delivery
    assert deliver(cfg, week=WEEK, now=NOW).status == "sent"
    assert len(server.received) == 2


def test_starttls_with_login(tmp_path: Path, reports: Path, folder: Path,
                             cert: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[str, bool]] = []
    handler = Handler()
    with Server(handler, tls_context=server_tls(cert), require_starttls=True,
                auth_required=True, authenticator=authenticator(seen)) as srv:
        cfg = make_cfg(tmp_path, reports, srv.port, username="reports@example.com",
                       smtp={"security": "starttls", "ca_file": str(cert[0])})
        caplog.set_level("DEBUG")
        result = deliver(cfg, week=WEEK, now=NOW, environ={"FUNDFLOW_SMTP_PASSWORD": PASSWORD})
    assert result.status == "sent"
    assert seen and all(ok for _m, ok in seen)
    assert len(handler.received) == 1
    msg = parse(handler.received[0])
    assert next(iter(msg.iter_attachments())).get_content() == (folder / "report.pdf").read_bytes()
    # the password is nowhere: not in the logs, the ledger file, nor the message
    assert PASSWORD not in caplog.text
    assert PASSWORD.encode() not in Path(cfg.resolve(cfg.data.store)).read_bytes()
    assert PASSWORD.encode() not in handler.received[0].original_content


def test_implicit_tls(tmp_path: Path, reports: Path, cert: tuple[Path, Path]) -> None:
    handler = Handler()
    with Server(handler, ssl_context=server_tls(cert)) as srv:
        cfg = make_cfg(tmp_path, reports, srv.port,
                       smtp={"security": "ssl", "ca_file": str(cert[0])})
        assert deliver(cfg, week=WEEK, now=NOW).status == "sent"
    assert len(handler.received) == 1


def test_untrusted_certificate_is_refused_without_retry(tmp_path: Path, reports: Path,
                                                        cert: tuple[Path, Path]) -> None:
    handler = Handler()
    with Server(handler, ssl_context=server_tls(cert)) as srv:
        cfg = make_cfg(tmp_path, reports, srv.port, smtp={"security": "ssl"})  # no ca_file
        with pytest.raises(SmtpFailure, match="certificate") as err:
            deliver(cfg, week=WEEK, now=NOW)
    assert err.value.permanent and err.value.attempts == 1
    assert handler.received == [] and ledger_rows(cfg) == []


def test_wrong_password_fails_once_and_leaves_ledger(tmp_path: Path, reports: Path,
                                                     cert: tuple[Path, Path]) -> None:
    seen: list[tuple[str, bool]] = []
    with Server(Handler(), tls_context=server_tls(cert), require_starttls=True,
                auth_required=True, authenticator=authenticator(seen)) as srv:
        cfg = make_cfg(tmp_path, reports, srv.port, username="reports@example.com",
                       smtp={"security": "starttls", "ca_file": str(cert[0])})
        with pytest.raises(SmtpFailure, match="535") as err:
            deliver(cfg, week=WEEK, now=NOW, environ={"FUNDFLOW_SMTP_PASSWORD": "wrong-one"})
        assert "wrong-one" not in str(err.value)
        # one conversation (smtplib tries each offered mechanism once), not retried
        assert sorted(m for m, _ok in seen) == ["LOGIN", "PLAIN"]
        assert ledger_rows(cfg) == []
        with pytest.raises(ConfigError, match="FUNDFLOW_SMTP_PASSWORD"):
            deliver(cfg, week=WEEK, now=NOW, environ={})


def test_password_never_sent_in_clear(tmp_path: Path, reports: Path, server: Server) -> None:
    cfg = make_cfg(tmp_path, reports, server.port, username="reports@example.com")
    with pytest.raises(ConfigError, match="unencrypted"):
        deliver(cfg, week=WEEK, now=NOW, environ={"FUNDFLOW_SMTP_PASSWORD": PASSWORD})
    assert server.handler.mails == 0


# -- failures ----------------------------------------------------------------------------------
def test_rejected_recipient(tmp_path: Path, reports: Path) -> None:
    handler = Handler(reject={"nobody@example.com"})
    sleeps: list[float] = []
    with Server(handler) as srv:
        cfg = make_cfg(tmp_path, reports, srv.port, to=["nobody@example.com"], cc=[], bcc=[])
        with pytest.raises(SmtpFailure) as err:
            deliver(cfg, week=WEEK, now=NOW, sleep=sleeps.append)
        assert "550 5.1.1 <nobody@example.com>: Recipient address rejected" in str(err.value)
        assert "ledger is unchanged" in str(err.value)
        assert err.value.permanent and handler.mails == 1 and sleeps == []
        assert handler.received == [] and ledger_rows(cfg) == []

        # one of two refused: the other gets it, the ledger has exactly that one
        cfg2 = make_cfg(tmp_path, reports, srv.port, to=["team@example.com",
                                                         "nobody@example.com"], cc=[], bcc=[])
        part = deliver(cfg2, week=WEEK, now=NOW)
        assert part.status == "partial"
        assert part.recipients == ("team@example.com",)
        assert part.refused["nobody@example.com"][0] == 550
        assert ledger_rows(cfg2) == [("team@example.com", SENT, "to")]
        assert handler.received[0].rcpt_tos == ["team@example.com"]


def test_disconnect_mid_conversation_retries_then_fails(tmp_path: Path, reports: Path) -> None:
    handler = Handler(hangup_rcpt=99)
    sleeps: list[float] = []
    with Server(handler) as srv:
        cfg = make_cfg(tmp_path, reports, srv.port, retries=3, retry_backoff_s=2)
        with pytest.raises(SmtpFailure, match="connection closed by the server") as err:
            deliver(cfg, week=WEEK, now=NOW, sleep=sleeps.append)
    assert handler.mails == 3 and sleeps == [2, 4]              # exponential backoff
    assert not err.value.permanent and err.value.attempts == 3
    assert "after 3 attempts" in str(err.value)
    assert handler.received == [] and ledger_rows(cfg) == []


def test_transient_failures_are_retried_to_one_delivery(tmp_path: Path, reports: Path) -> None:
    handler = Handler(hangup_data=1, fail_data=["451 4.3.0 Try again later"])
    sleeps: list[float] = []
    with Server(handler) as srv:
        cfg = make_cfg(tmp_path, reports, srv.port, retries=3, retry_backoff_s=1)
        result = deliver(cfg, week=WEEK, now=NOW, sleep=sleeps.append)
    assert result.status == "sent" and result.attempts == 3 and sleeps == [1, 2]
    assert len(handler.received) == 1
    assert [s for _r, s, _role in ledger_rows(cfg)] == [SENT] * 4


def test_permanent_data_error_is_not_retried(tmp_path: Path, reports: Path) -> None:
    handler = Handler(fail_data=["554 5.7.1 Message rejected as spam"])
    with Server(handler) as srv:
        cfg = make_cfg(tmp_path, reports, srv.port)
        with pytest.raises(SmtpFailure, match="554 5.7.1 Message rejected as spam"):
            deliver(cfg, week=WEEK, now=NOW, sleep=lambda s: None)
    assert handler.mails == 1 and ledger_rows(cfg) == []


def test_no_server_listening(tmp_path: Path, reports: Path) -> None:
    cfg = make_cfg(tmp_path, reports, free_port(), retries=2)
    with pytest.raises(SmtpFailure, match="ConnectionRefusedError"):
        deliver(cfg, week=WEEK, now=NOW, sleep=lambda s: None)
    assert ledger_rows(cfg) == []


def test_size_limit(tmp_path: Path, reports: Path, folder: Path, server: Server) -> None:
    cfg = make_cfg(tmp_path, reports, server.port, max_size_mb=0.2)
    with pytest.raises(DeliveryError, match=r"MB after encoding, over the limit of 0.2 MB "
                                            r"\(delivery.email.max_size_mb\)"):
        deliver(cfg, week=WEEK, now=NOW)
    assert server.received == [] and ledger_rows(cfg) == []
    msg = compose(load_report(folder), cfg, recipients=Recipients(("a@example.com",)), now=NOW)
    pdf_size = (folder / "report.pdf").stat().st_size
    assert msg.size_bytes > pdf_size * 4 / 3                 # base64 counted
    check_size(msg, msg.size_bytes / 1024 / 1024)            # exactly at the limit is fine


def test_interrupted_send_blocks_until_forced(tmp_path: Path, reports: Path,
                                              server: Server) -> None:
    cfg = make_cfg(tmp_path, reports, server.port)
    ledger = Ledger(cfg.resolve(cfg.data.store))
    # a process that died after recording 'sending' and before the server answered
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    ledger.begin(Attempt(week_end=WEEK, data_kind="sample", recipients=[("to", ALL[0])],
                         message_id="<x@example.com>", subject="s", pdf_sha256="0",
                         size_bytes=1, report_dir="r", started_at=NOW,
                         owner=process_owner(gone.pid)))
    with pytest.raises(AlreadyRecorded, match="never finished"):
        deliver(cfg, week=WEEK, now=NOW)
    assert server.received == []
    assert deliver(cfg, week=WEEK, now=NOW, force=True).status == "sent"
    statuses = sorted(s for _r, s, _role in ledger_rows(cfg))
    assert statuses == sorted([UNCONFIRMED] + [SENT] * 4)
    assert SENDING not in statuses


def test_sample_and_real_reports_are_separate_in_the_ledger(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "store.duckdb")
    common = dict(week_end=WEEK, recipients=[("to", "a@example.com")], message_id="<m@x>",
                  subject="s", pdf_sha256="0", size_bytes=1, report_dir="r", started_at=NOW)
    a = ledger.begin(Attempt(data_kind="sample", **common))   # type: ignore[arg-type]
    ledger.complete(a.attempt_id, ["a@example.com"], sent_at=NOW, reply="250 ok")
    assert set(ledger.delivered(WEEK, "sample")) == {"a@example.com"}
    assert ledger.delivered(WEEK, "real") == {}
    b = ledger.begin(Attempt(data_kind="real", **common))     # type: ignore[arg-type]
    ledger.abort(b.attempt_id)
    assert ledger.delivered(WEEK, "real") == {}
    assert len(ledger.entries()) == 1


# -- config --------------------------------------------------------------------------------------
def test_delivery_config_is_optional_and_checked(tmp_path: Path, reports: Path) -> None:
    cfg = parse_config(base_config(tmp_path))
    assert cfg.delivery is None
    with pytest.raises(ConfigError, match=r"delivery.email: delivery is not configured"):
        deliver(cfg, week=WEEK, now=NOW)
    bad = base_config(tmp_path)
    bad["delivery"] = {"email": {**email_block(25), "password": "hunter2"}}
    with pytest.raises(ConfigError, match="secrets never go into the config") as err:
        parse_config(bad)
    assert "hunter2" not in str(err.value)
    bad["delivery"] = {"email": {**email_block(25), "subject": "{week} 周报"}}
    with pytest.raises(ConfigError, match=r"delivery.email.subject: unknown placeholder \{week\}"):
        parse_config(bad)
    bad["delivery"] = {"email": {**email_block(25), "to": []}}
    with pytest.raises(ConfigError, match=r"delivery.email.to"):
        parse_config(bad)
    bad["delivery"] = {"email": email_block(25, smtp={"security": "tls"})}
    with pytest.raises(ConfigError, match=r"delivery.email.smtp.security: got 'tls'"):
        parse_config(bad)
    ok = base_config(tmp_path)
    ok["delivery"] = {"email": {"smtp": {"host": "smtp.example.com"},
                                "from": "r@example.com", "to": ["t@example.com"]}}
    e = parse_config(ok).delivery.email            # type: ignore[union-attr]
    assert e.smtp.effective_port == 465 and e.subject == "{week_end} 资金行为周报"
    assert e.max_size_mb == 10


# -- reading report.html back (the tests' cross-check of the e-mail against the page) --------------------------------------------------------------------------
def test_core_views_and_tables_parsed_from_html() -> None:
    html = """<html><body><section class="cover"><div class="core-views"><h2>核心观点</h2>
    <ul><li>第一条 <b>加粗</b>&amp;实体</li><li>第二条
    <li>第三条（未闭合）</ul><p>注</p></div></section>
    <figure class="exhibit table" id="exhibit-2"><figcaption class="ex-title">
    <span class="ex-no">图表 2</span>：指数表现</figcaption><table class="data">
    <thead><tr><th class="left">指数</th><th class="right">涨跌</th></tr></thead>
    <tbody><tr><td class="left">上证指数</td><td class="right up">+1.00%</td></tr>
    <tr><td class="left">深证成指</td><td class="right down">-0.50%</td></tbody></table>
    <p class="ex-source">数据来源：东方财富，截至 2025-11-07</p></figure></body></html>"""
    assert parse_core_views(html) == ["第一条 加粗&实体", "第二条", "第三条（未闭合）"]
    ex = parse_exhibit(html, 2)
    assert ex is not None and ex.title == "指数表现"
    assert [c.text for c in ex.columns] == ["指数", "涨跌"]
    assert [[(c.text, c.tone, c.align) for c in r] for r in ex.rows] == [
        [("上证指数", "", "left"), ("+1.00%", "up", "right")],
        [("深证成指", "", "left"), ("-0.50%", "down", "right")]]
    assert ex.source == "数据来源：东方财富，截至 2025-11-07"
    assert parse_exhibit(html, 3) is None
    assert parse_core_views("<html><body>nothing</body></html>") == []


# -- the week a scheduler picks ----------------------------------------------------------------
def test_run_week_follows_the_exchange_calendar(tmp_path: Path) -> None:
    cfg = parse_config(base_config(tmp_path))
    sh = dt.timezone(dt.timedelta(hours=8))
    # Friday 2025-04-04 is Qingming: the week ends on Thursday and goes out that evening
    assert resolve_week(cfg, None, dt.datetime(2025, 4, 3, 18, 30, tzinfo=sh)).end == \
        dt.date(2025, 4, 3)
    assert resolve_week(cfg, None, dt.datetime(2025, 4, 3, 14, 0, tzinfo=sh)).end == \
        dt.date(2025, 3, 28)
    # an ordinary Friday after the close, and the weekend's run still sends that week
    assert resolve_week(cfg, None, dt.datetime(2025, 11, 7, 18, 30, tzinfo=sh)).end == WEEK
    assert resolve_week(cfg, None, dt.datetime(2025, 11, 9, 9, 0, tzinfo=sh)).end == WEEK
    # National Day: the week of 2025-09-29 has two sessions
    assert resolve_week(cfg, dt.date(2025, 10, 3), NOW).sessions == (
        dt.date(2025, 9, 29), dt.date(2025, 9, 30))


# -- the command line ------------------------------------------------------------------------------
def test_cli_run_sends_once_then_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    handler = Handler()
    with Server(handler) as srv:
        data = base_config(tmp_path)
        data["delivery"] = {"email": email_block(srv.port)}
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        args = ["run", "--config", str(path), "--week", "2025-11-07", "--source", "sample"]

        assert cli.main(args) == 0
        out = capsys.readouterr().out
        assert "sent week 2025-11-07 to" in out
        assert len(handler.received) == 1
        msg = parse(handler.received[0])
        folder = tmp_path / "reports" / "2025-11-07"
        assert next(iter(msg.iter_attachments())).get_content() == \
            (folder / "report.pdf").read_bytes()
        assert "核心观点" in msg.get_body(("html",)).get_content()
        index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
        assert 'href="2025-11-07/report.pdf"' in index

        mtime = (folder / "report.pdf").stat().st_mtime_ns
        assert cli.main(args) == 0
        out = capsys.readouterr().out
        assert "already sent" in out and "nothing to do" in out
        assert len(handler.received) == 1
        assert (folder / "report.pdf").stat().st_mtime_ns == mtime     # not even rebuilt

        send = ["send", "--config", str(path), "--week", "2025-11-07"]
        assert cli.main(send) == 0
        assert "nothing sent" in capsys.readouterr().out
        assert cli.main(send + ["--dry-run"]) == 0
        out = capsys.readouterr().out
        assert "dry run: wrote" in out and "a real send would do nothing" in out
        assert (folder / "report.eml").exists()
        assert len(handler.received) == 1

        handler.reject = {"one@example.com"}
        assert cli.main(send + ["--to", "one@example.com"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("fundflow: error: week 2025-11-07 not sent: SMTP 127.0.0.1:")
        assert "550 5.1.1" in err
        rows = Ledger(tmp_path / "store.duckdb").entries()
        assert sorted(e.recipient for e in rows) == sorted(ALL)

    # no delivery block: 'send' says so and names the key (exit 2, a config error)
    plain = base_config(tmp_path)
    path.write_text(yaml.safe_dump(plain, allow_unicode=True), encoding="utf-8")
    assert cli.main(["send", "--config", str(path)]) == 2
    assert "delivery.email: delivery is not configured" in capsys.readouterr().err


def test_manifest_core_views_headline_and_alerts_are_used(tmp_path: Path, folder: Path) -> None:
    import json
    import shutil

    copy = tmp_path / "2025-11-07"
    shutil.copytree(folder, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["core_views"] = ["分析师观点：<均衡配置>。"]
    manifest["alerts"] = [{"metric": "m", "value": 1.0, "bound": 0.5, "kind": "above",
                           "text": "两融余额周增超过500亿元"}]
    manifest["headline"] = {"number": 9, "title": "自定义头条表", "source": "数据来源：测试",
                            "columns": ["名称", {"text": "数值", "align": "right"}],
                            "rows": [["甲", {"text": "+2.00%", "align": "right", "tone": "up"}]]}
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                        encoding="utf-8")
    cfg = make_cfg(tmp_path, tmp_path, 25, max_charts=1, charts=["sw_industries.sw_ranking"])
    msg = compose(load_report(copy), cfg, recipients=Recipients(("a@example.com",)), now=NOW)
    parsed = email.message_from_bytes(msg.data, policy=policy.default)
    html = parsed.get_body(("html",)).get_content()
    text = parsed.get_body(("plain",)).get_content()
    assert "分析师观点：&lt;均衡配置&gt;。" in html and "分析师观点：<均衡配置>。" in text
    assert not any(v in text for v in load_report(folder).core_views)
    assert "两融余额周增超过500亿元" in html and "预警提示" in text
    assert "图表 9：自定义头条表" in html and "数据来源：测试" in text
    assert "color:#d7262b;\">+2.00%</td>" in html
    assert msg.inline_charts == ("sw_industries.sw_ranking",)
    assert html.count('src="cid:') == 1


def test_run_holds_the_report_when_the_quality_policy_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 9's acceptance case end to end: two datasets failing and one stale; the report
    still builds and marks them, `run` does not send it to the team, tells the owner, keeps
    the ledger empty and exits 3; --force sends it with the data-quality banner."""
    import duckdb
    import yaml

    seeded_sample_store(tmp_path / "store.duckdb")   # the loaded sample
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    con.execute("DELETE FROM global_asset_daily WHERE trade_date >= DATE '2025-11-01'")
    con.execute("DELETE FROM sw_industry_daily WHERE trade_date >= DATE '2025-11-01'")
    con.execute("DELETE FROM index_daily WHERE trade_date = DATE '2025-11-07'")
    con.close()
    handler = Handler()
    with Server(handler) as srv:
        data = base_config(tmp_path)
        data["sections"] = [{"section": "major_assets"}, *SECTIONS]
        data["delivery"] = {"email": email_block(srv.port)}
        data["quality"] = {"owner": "data-owner@example.com"}
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        args = ["run", "--config", str(path), "--week", "2025-11-07", "--source", "store"]
        assert cli.main(args) == 3
        err = capsys.readouterr().err
        assert "week 2025-11-07 held by the data-quality policy" in err
        assert [e.rcpt_tos for e in srv.received] == [["data-owner@example.com"]]
        notice = parse(srv.received[0])
        assert "HELD" in str(notice["Subject"])
        manifest = json.loads((tmp_path / "reports" / "2025-11-07" / "manifest.json")
                              .read_text(encoding="utf-8"))
        status = {s["id"]: s["status"] for s in manifest["sections"]}
        assert status == {"major_assets": "unavailable", "broad_indices": "ok",
                          "sw_industries": "unavailable"}
        assert ledger_rows(parse_config(data)) == []
        # the analyst decides to send anyway
        assert cli.main(args + ["--force"]) == 0
        team = [e for e in srv.received if "team@example.com" in e.rcpt_tos]
        assert len(team) == 1
        body = parse(team[0]).get_body(("plain",)).get_content()
        assert "global_asset_daily" in body or "数据" in body
