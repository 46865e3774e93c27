"""Internationalised addresses (issue 19): a domain such as 例子.公司 goes on the wire in IDNA
form; a non-ASCII local part (张三@example.com) is sent with SMTPUTF8 when the server offers
it and refused in one line when it does not; --dry-run composes either without a traceback; an
address that cannot be encoded is refused when the arguments or the config are checked."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from fundflow.config import parse_config
from fundflow.delivery.compose import bare_address, idna_address
from fundflow.delivery.send import SmtpFailure, deliver
from fundflow.errors import ConfigError
from tests.test_cli import run
from tests.test_delivery import (NOW, WEEK, Handler, Server, base_config, email_block,  # noqa: F401
                                 folder, ledger_rows, make_cfg, parse, reports)

IDN = "x@例子.公司"
IDN_WIRE = "x@xn--fsqu00a.xn--55qx5d"


def utf8(header_text: str) -> str:
    """A raw UTF-8 header (RFC 6532) as Python's parser gives it back (surrogate escapes)."""
    return header_text.encode("utf-8", "surrogateescape").decode("utf-8")


def test_idna_address() -> None:
    assert idna_address(IDN) == IDN_WIRE
    assert idna_address("张三@example.com") == "张三@example.com"
    assert bare_address(f"某人 <{IDN}>") == IDN_WIRE


def test_internationalised_domain_is_sent_in_idna_form(tmp_path: Path, reports: Path) -> None:
    with Server(Handler(), enable_SMTPUTF8=False) as srv:   # not needed for an IDNA domain
        cfg = make_cfg(tmp_path, reports, srv.port, to=[f"某人 <{IDN}>"], cc=[], bcc=[])
        res = deliver(cfg, week=WEEK, now=NOW)
        assert res.status == "sent" and res.recipients == (IDN_WIRE,)
        env = srv.received[0]
        assert env.rcpt_tos == [IDN_WIRE] and "SMTPUTF8" not in env.mail_options
        assert parse(env)["To"].addresses[0].addr_spec == IDN_WIRE
        assert parse(env)["To"].addresses[0].display_name == "某人"


def test_non_ascii_local_part_uses_smtputf8(tmp_path: Path, reports: Path) -> None:
    with Server(Handler(), enable_SMTPUTF8=True) as srv:
        cfg = make_cfg(tmp_path, reports, srv.port, to=["张三 <张三@example.com>"], cc=[],
                       bcc=[])
        res = deliver(cfg, week=WEEK, now=NOW)
        assert res.status == "sent"
        env = srv.received[0]
        assert "SMTPUTF8" in env.mail_options and env.rcpt_tos == ["张三@example.com"]
        to = parse(env)["To"].addresses[0]
        assert (to.display_name, utf8(to.addr_spec)) == ("张三", "张三@example.com")
        assert ledger_rows(cfg) == [("张三@example.com", "sent", "to")]


def test_non_ascii_local_part_without_smtputf8_is_one_clear_line(tmp_path: Path,
                                                                 reports: Path) -> None:
    handler = Handler()
    with Server(handler, enable_SMTPUTF8=False) as srv:
        cfg = make_cfg(tmp_path, reports, srv.port, to=["张三@example.com"], cc=[], bcc=[])
        with pytest.raises(SmtpFailure) as err:
            deliver(cfg, week=WEEK, now=NOW)
    msg = str(err.value)
    assert "张三@example.com has a non-ASCII local part" in msg and "SMTPUTF8" in msg
    assert "\n" not in msg and err.value.permanent
    assert handler.received == [] and ledger_rows(cfg) == []


def test_dry_run_with_non_ascii_recipients(tmp_path: Path, reports: Path) -> None:
    cfg = make_cfg(tmp_path, reports, 25)
    dry = deliver(cfg, week=WEEK, now=NOW, dry_run=True, to=["张三@example.com", IDN])
    assert dry.status == "dry_run" and dry.recipients == ("张三@example.com", IDN_WIRE)
    eml = email.message_from_bytes(dry.eml.read_bytes(), policy=policy.default)
    assert [utf8(a.addr_spec) for a in eml["To"].addresses] == ["张三@example.com", IDN_WIRE]


def test_unencodable_address_is_refused_at_config_check_and_argument_parsing(
        tmp_path: Path) -> None:
    data = base_config(tmp_path)
    data["delivery"] = {"email": email_block(25, to=["x@例子..公司"])}
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert "not a valid internationalised domain name" in str(err.value)
    r = run("send", "--dry-run", "--to", "x@例子..公司")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].endswith(
        "--to: not an e-mail address: 'x@例子..公司' (the domain '例子..公司' is not a valid "
        "internationalised domain name)")
