"""What was sent for which week to whom: a table in the store's DuckDB file.

One row per recipient of each send attempt. A send first records its recipients as ``sending``
(in one transaction that also checks nobody else has sent or is sending the same week to them),
then talks to the SMTP server, then either marks the accepted recipients ``sent`` or removes its
rows again, so a failed conversation leaves the ledger as it was. A process killed in between
leaves ``sending`` rows: the next send of that week refuses to guess and asks for ``--force``.
Each ``sending`` row names its process (``owner``: host, pid and the pid's start time), so a
concurrent send tells a send still in progress (its process alive: wait, even with --force)
from one that was interrupted (its process gone).

Sample-data reports and real ones are kept apart (``data_kind``), so mailing the bundled sample
week never blocks the real report of the same week.

The connection is opened per operation and never held during the SMTP conversation, so a
collector writing to the store is blocked for milliseconds at most; a store locked by another
process is waited for (``lock_wait_s``).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from fundflow.data.store import Store
from fundflow.errors import DeliveryError, StoreError

log = logging.getLogger(__name__)

TABLE = "delivery_ledger"
SENT = "sent"
SENDING = "sending"
UNCONFIRMED = "unconfirmed"     # a 'sending' row overridden by --force: outcome never known

_COLUMNS = ("attempt_id", "week_end", "data_kind", "recipient", "role", "status", "forced",
            "message_id", "subject", "pdf_sha256", "size_bytes", "report_dir", "started_at",
            "sent_at", "server_reply", "owner")
_DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    attempt_id VARCHAR NOT NULL,
    week_end DATE NOT NULL,
    data_kind VARCHAR NOT NULL,
    recipient VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    forced BOOLEAN NOT NULL,
    message_id VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    pdf_sha256 VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    report_dir VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    server_reply VARCHAR,
    owner VARCHAR,
    PRIMARY KEY (attempt_id, recipient)
)"""
# ledgers written before the owner column existed
_MIGRATE = f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS owner VARCHAR"


@dataclass(frozen=True)
class LedgerEntry:
    attempt_id: str
    week_end: date
    data_kind: str
    recipient: str
    role: str
    status: str
    forced: bool
    message_id: str
    subject: str
    pdf_sha256: str
    size_bytes: int
    report_dir: str
    started_at: datetime          # UTC, naive in the table
    sent_at: datetime | None
    server_reply: str | None
    owner: str | None = None      # "host:pid:start" of the process sending; None: unknown


@dataclass(frozen=True)
class Attempt:
    """One send about to happen."""

    week_end: date
    data_kind: str                      # "real" | "sample"
    recipients: Sequence[tuple[str, str]]   # (role, bare address)
    message_id: str
    subject: str
    pdf_sha256: str
    size_bytes: int
    report_dir: str
    started_at: datetime
    forced: bool = False
    attempt_id: str = ""
    owner: str = ""                     # default: this process

    def with_id(self) -> Attempt:
        from dataclasses import replace

        return replace(self, attempt_id=self.attempt_id or uuid.uuid4().hex,
                       owner=self.owner or process_owner())


class AlreadyRecorded(DeliveryError):
    """The week was sent, or is being sent, to some of these recipients."""

    def __init__(self, message: str, entries: Sequence[LedgerEntry]) -> None:
        super().__init__(message)
        self.entries = list(entries)


def _start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), so a reused pid is not
    taken for the original process; '' where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def process_owner(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def owner_alive(owner: str | None) -> bool | None:
    """Whether the process that wrote a ``sending`` row still runs: True / False, None when
    it cannot be told (another host, or a row from before owners were recorded)."""
    if not owner:
        return None
    parts = owner.rsplit(":", 2)
    if len(parts) != 3:
        return None
    host, pid_s, start = parts
    if host != socket.gethostname() or not pid_s.isdigit():
        return None
    pid = int(pid_s)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass                          # alive, another user's
    return not start or _start_ticks(pid) == start


def _utc_naive(t: datetime) -> datetime:
    if t.tzinfo is None:
        return t
    return t.astimezone(timezone.utc).replace(tzinfo=None)


class Ledger:
    def __init__(self, store_path: Path, *, lock_wait_s: float = 15.0) -> None:
        self.path = Path(store_path)
        self.lock_wait_s = lock_wait_s

    @contextmanager
    def _con(self) -> Iterator[duckdb.DuckDBPyConnection]:
        deadline = time.monotonic() + self.lock_wait_s
        while True:
            try:
                st = Store(self.path)
                break
            except StoreError as exc:
                if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                    raise StoreError(f"delivery ledger: {exc}") from exc
                log.info("store %s is locked by another process; waiting", self.path)
                time.sleep(0.5)
        try:
            st.con.execute(_DDL)
            st.con.execute(_MIGRATE)
            yield st.con
        finally:
            st.close()

    def _rows(self, con: duckdb.DuckDBPyConnection, where: str,
              args: list[object]) -> list[LedgerEntry]:
        rows = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM {TABLE} WHERE {where} "
                           f"ORDER BY started_at, attempt_id, recipient", args).fetchall()
        return [LedgerEntry(*r) for r in rows]

    # -- reads ----------------------------------------------------------------------------------
    def entries(self, week_end: date | None = None, data_kind: str | None = None,
                statuses: Sequence[str] | None = None) -> list[LedgerEntry]:
        if not self.path.exists():      # reading never creates the store
            return []
        conds: list[str] = ["TRUE"]
        args: list[object] = []
        if week_end is not None:
            conds.append("week_end = ?")
            args.append(week_end)
        if data_kind is not None:
            conds.append("data_kind = ?")
            args.append(data_kind)
        if statuses:
            conds.append(f"status IN ({', '.join('?' for _ in statuses)})")
            args.extend(statuses)
        try:
            with self._con() as con:
                return self._rows(con, " AND ".join(conds), args)
        except duckdb.Error as exc:
            raise StoreError(f"delivery ledger in {self.path}: read failed: {exc}") from exc

    def delivered(self, week_end: date, data_kind: str) -> dict[str, LedgerEntry]:
        """Recipient -> the latest ``sent`` entry for that week."""
        out: dict[str, LedgerEntry] = {}
        for e in self.entries(week_end, data_kind, [SENT]):
            out[e.recipient] = e
        return out

    # -- writes ---------------------------------------------------------------------------------
    def begin(self, attempt: Attempt) -> Attempt:
        """Record the attempt's recipients as ``sending``. Unless forced, AlreadyRecorded when
        any of them already has a ``sent`` or ``sending`` row for the week; with force, earlier
        ``sending`` rows of those recipients become ``unconfirmed``."""
        attempt = attempt.with_id()
        bare = [r for _role, r in attempt.recipients]
        marks = ", ".join("?" for _ in bare)
        try:
            with self._con() as con:
                con.execute("BEGIN TRANSACTION")
                try:
                    clash = self._rows(
                        con, f"week_end = ? AND data_kind = ? AND status IN (?, ?) "
                             f"AND recipient IN ({marks})",
                        [attempt.week_end, attempt.data_kind, SENT, SENDING, *bare])
                    live = [e for e in clash if e.status == SENDING and owner_alive(e.owner)]
                    if (clash and not attempt.forced) or live:
                        con.execute("ROLLBACK")
                        raise AlreadyRecorded(_clash_message(attempt.week_end, clash), clash)
                    if clash:
                        con.execute(
                            f"UPDATE {TABLE} SET status = ? WHERE week_end = ? AND data_kind = ? "
                            f"AND status = ? AND recipient IN ({marks})",
                            [UNCONFIRMED, attempt.week_end, attempt.data_kind, SENDING, *bare])
                    started = _utc_naive(attempt.started_at)
                    con.executemany(
                        f"INSERT INTO {TABLE} VALUES ({', '.join('?' for _ in _COLUMNS)})",
                        [[attempt.attempt_id, attempt.week_end, attempt.data_kind, r, role,
                          SENDING, attempt.forced, attempt.message_id, attempt.subject,
                          attempt.pdf_sha256, attempt.size_bytes, attempt.report_dir, started,
                          None, None, attempt.owner] for role, r in attempt.recipients])
                    con.execute("COMMIT")
                except duckdb.Error:
                    con.execute("ROLLBACK")
                    raise
        except duckdb.Error as exc:
            raise StoreError(f"delivery ledger in {self.path}: cannot record the send: "
                             f"{exc}") from exc
        return attempt

    def complete(self, attempt_id: str, accepted: Sequence[str], *, sent_at: datetime,
                 reply: str) -> None:
        """Mark ``accepted`` recipients ``sent``; drop the attempt's other rows (refused)."""
        try:
            with self._con() as con:
                con.execute("BEGIN TRANSACTION")
                try:
                    if accepted:
                        con.execute(
                            f"UPDATE {TABLE} SET status = ?, sent_at = ?, server_reply = ? "
                            f"WHERE attempt_id = ? AND recipient IN "
                            f"({', '.join('?' for _ in accepted)})",
                            [SENT, _utc_naive(sent_at), reply, attempt_id, *accepted])
                    con.execute(f"DELETE FROM {TABLE} WHERE attempt_id = ? AND status = ?",
                                [attempt_id, SENDING])
                    con.execute("COMMIT")
                except duckdb.Error:
                    con.execute("ROLLBACK")
                    raise
        except (duckdb.Error, StoreError) as exc:
            raise StoreError(
                f"delivery ledger in {self.path}: the message WAS sent to "
                f"{', '.join(accepted)} but recording it failed ({exc}); the ledger keeps it as "
                f"'sending', so the next send of this week stops and asks for --force") from exc

    def abort(self, attempt_id: str) -> None:
        """Remove every row of the attempt (nothing was delivered)."""
        try:
            with self._con() as con:
                con.execute(f"DELETE FROM {TABLE} WHERE attempt_id = ?", [attempt_id])
        except (duckdb.Error, StoreError) as exc:
            raise StoreError(f"delivery ledger in {self.path}: the send failed and removing "
                             f"its 'sending' rows failed too ({exc}); the next send of this "
                             f"week will ask for --force") from exc


def _clash_message(week_end: date, clash: Sequence[LedgerEntry]) -> str:
    sent = [e for e in clash if e.status == SENT]
    live = [e for e in clash if e.status == SENDING and owner_alive(e.owner)]
    sending = [e for e in clash if e.status == SENDING and e not in live]
    parts = []
    if sent:
        when = max(e.sent_at or e.started_at for e in sent)
        parts.append(f"already sent to {', '.join(sorted({e.recipient for e in sent}))} "
                     f"(last at {when:%Y-%m-%d %H:%M} UTC)")
    if sending:
        parts.append(f"a send to {', '.join(sorted({e.recipient for e in sending}))} started "
                     f"at {min(e.started_at for e in sending):%Y-%m-%d %H:%M} UTC never "
                     f"finished (the process stopped mid-send); check the mailbox")
    if live:
        owners = sorted({(e.owner or "").rsplit(":", 1)[0] for e in live})
        parts.append(f"a send to {', '.join(sorted({e.recipient for e in live}))} is in "
                     f"progress since {min(e.started_at for e in live):%Y-%m-%d %H:%M} UTC "
                     f"(process {', '.join(owners)}); wait for it to finish")
        return f"week {week_end.isoformat()}: " + "; ".join(parts)
    return f"week {week_end.isoformat()}: " + "; ".join(parts) + "; use --force to send again"
