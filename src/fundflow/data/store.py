"""The store: one embedded DuckDB file holding every dataset in canonical form.

Each dataset is a table with the schema's columns plus ``source`` and ``fetched_at``, and its key
as the primary key. Loads are transactions and idempotent: a row whose values are unchanged is
left alone (its ``fetched_at`` too), a changed row is updated, a new row inserted. Every load is
logged in ``_loads``.

Imported files (``fundflow import``) are written by ``write_import``: only the rows the file adds
or changes, only the columns it has, and one row in ``_imports`` per file that changed anything
(file name, sha256, time, label, dataset, rows new/changed/unchanged and every value it
overwrote, as JSON). Imported rows' ``source`` is ``import:<sha256 prefix>:<file name>``, the
key into ``_imports``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType

import duckdb
import pandas as pd

from fundflow.data.schemas import DATASETS, Dataset, conform, get_dataset
from fundflow.errors import StoreError
from fundflow.progress import test_kill_point

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
#: how long opening a store waits for another process's lock (a cron run collecting while an
#: analyst builds) before giving up; retries back off from 50 ms to 1 s
LOCK_WAIT_S = 30.0
# DuckDB: 'Could not set lock on file "...": Conflicting lock is held in <program> (PID <n>).'
_LOCK_PROG = re.compile(r"Conflicting lock is held in (.+?)(?: \(PID \d+\)|\. See|$)", re.S)
_LOCK_PID = re.compile(r"\(PID (\d+)\)")
_SQL_TYPE = {"date": "DATE", "str": "VARCHAR", "float": "DOUBLE", "int": "BIGINT"}


@dataclass(frozen=True)
class LoadResult:
    dataset: str
    inserted: int
    updated: int
    unchanged: int
    deleted: int = 0   # rows of this source no longer in a wholly replaced dataset


@dataclass(frozen=True)
class Coverage:
    dataset: str
    rows: int
    first: date | None
    last: date | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ImportRecord:
    """One imported file, as ``_imports`` keeps it."""

    file: str
    path: str
    sha256: str
    label: str | None
    rows_new: int
    rows_changed: int
    rows_unchanged: int
    overwritten: tuple[dict[str, object], ...]


def _naive(t: datetime) -> pd.Timestamp:
    ts = pd.Timestamp(t)
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo else ts


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lock_holder(message: str) -> str | None:
    """'PID 2870 (/usr/bin/python3)' from DuckDB's lock-conflict message, 'another process'
    when it names none, None when the message is not about a lock."""
    if "Could not set lock" not in message and "Conflicting lock" not in message:
        return None
    prog_m, pid_m = _LOCK_PROG.search(message), _LOCK_PID.search(message)
    prog = prog_m.group(1).strip() if prog_m else ""
    if pid_m:
        return f"PID {pid_m.group(1)}" + (f" ({prog})" if prog else "")
    return prog or "another process"


def _connect(path: Path, read_only: bool, lock_wait_s: float) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, retried with backoff while another process holds the file's lock."""
    deadline = time.monotonic() + max(lock_wait_s, 0.0)
    delay = 0.05
    waited = False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            holder = lock_holder(str(exc))
            if holder is None:
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreError(
                    f"cannot open store {path}: it is locked by {holder}, which is writing to "
                    f"it (a collect, import or sample build); waited {lock_wait_s:g} s. Try "
                    f"again when it has finished") from exc
            if not waited:
                log.warning("store %s is locked by %s; waiting up to %g s", path, holder,
                            lock_wait_s)
                waited = True
            time.sleep(min(delay, left))
            delay = min(delay * 2, 1.0)
        else:
            if waited:
                log.info("store %s: lock released, opened", path)
            return con


def _dates_as_datetime(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (read from DuckDB) with its date columns as datetime64. DuckDB gives DATE
    columns as datetime64 already, and to_datetime would walk every value of them to decide
    whether to cache (~0.1 s a read of a long history); other dtypes (an empty result) are
    converted."""
    for c in ds.columns:
        if c.kind == "date" and not pd.api.types.is_datetime64_dtype(frame[c.name]):
            frame[c.name] = pd.to_datetime(frame[c.name])
    return frame


class Store:
    """A DuckDB file. Use as a context manager, or call ``close()``."""

    def __init__(self, path: Path, *, read_only: bool = False,
                 lock_wait_s: float = LOCK_WAIT_S) -> None:
        """Open ``path`` (read-only where the caller only reads, so concurrent readers do not
        block each other); a file locked by another process is waited for up to
        ``lock_wait_s`` seconds, then refused naming the process that holds it."""
        self.path = Path(path)
        self._tables: frozenset[str] | None = None   # see _table_exists
        if read_only and not self.path.exists():
            raise StoreError(f"store {self.path} does not exist; run 'fundflow collect' first "
                             f"or build with --source sample")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = _connect(self.path, read_only, lock_wait_s)
        except duckdb.IOException as exc:
            raise StoreError(f"cannot open store {self.path}: the file is damaged or truncated "
                             f"({exc}); restore it from a backup or move it away and collect "
                             f"again") from exc
        except duckdb.Error as exc:
            raise StoreError(f"cannot open store {self.path}: {exc} (is it a DuckDB file? "
                             f"move it away to start a new store)") from exc
        except OSError as exc:
            raise StoreError(f"cannot open store {self.path}: {exc.strerror}") from exc
        if not read_only and self._has_meta() is False and self._has_tables():
            self.con.close()
            raise StoreError(f"store {self.path} is a DuckDB file but not a fundflow store (it "
                             f"has tables and no fundflow metadata); use another data.store path")
        if not read_only and self._has_meta():
            self._check_version()      # refuse another version before changing anything
        if not read_only:
            self._init_schema()
        self._check_version()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def _run(self, sql: str, args: list[object] | None = None) -> list[tuple[object, ...]]:
        """Execute and consume the result (DuckDB >= 2 refuses new work on a pending result)."""
        return self.con.execute(sql, args or []).fetchall()

    def _rollback(self) -> None:
        try:
            self._run("ROLLBACK")
        except duckdb.Error:
            pass  # no transaction was active

    def _table_exists(self, table: str) -> bool:
        """Whether ``table`` exists (a store opened read-only may predate newer tables).

        The file's tables are listed once per connection (every dataset read asks, and
        information_schema takes ~2 ms a question) and again after ``_init_schema`` creates
        some: a write connection is the file's only writer, and a read-only one sees no
        writes, so nothing else adds a table meanwhile."""
        if self._tables is None:
            self._tables = frozenset(str(r[0]) for r in self._run(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                " AND schema_name = 'main'"))
        return table in self._tables

    def _has_meta(self) -> bool:
        return self._table_exists("_meta")

    def _has_tables(self) -> bool:
        rows = self._run("SELECT count(*) FROM information_schema.tables")
        return bool(rows and rows[0][0])

    # -- schema -------------------------------------------------------------------------------
    def _init_schema(self) -> None:
        try:
            self._run("BEGIN")
            self._run("CREATE TABLE IF NOT EXISTS _meta (key VARCHAR PRIMARY KEY, "
                             "value VARCHAR)")
            self._run(
                "INSERT INTO _meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                [str(SCHEMA_VERSION)])
            self._run(
                "CREATE TABLE IF NOT EXISTS _loads (loaded_at TIMESTAMP, dataset VARCHAR, "
                "source VARCHAR, inserted BIGINT, updated BIGINT, unchanged BIGINT)")
            # values two akshare routes gave for the same day and series, when they differ
            # beyond the tolerance (data/routes.py); the quality checks report them
            self._run(
                "CREATE TABLE IF NOT EXISTS _source_disagreements (dataset VARCHAR, "
                "trade_date DATE, series VARCHAR, column_name VARCHAR, stored_source VARCHAR, "
                "stored_value DOUBLE, other_source VARCHAR, other_value DOUBLE, "
                "rel_diff DOUBLE, tolerance DOUBLE, checked_at TIMESTAMP, "
                "PRIMARY KEY (dataset, trade_date, series, column_name, other_source))")
            # added with issue 17; CREATE IF NOT EXISTS upgrades a store opened for writing,
            # and readers of an older store find no imports (see imports())
            self._run(
                "CREATE TABLE IF NOT EXISTS _imports (imported_at TIMESTAMP, dataset VARCHAR, "
                "file VARCHAR, path VARCHAR, sha256 VARCHAR, label VARCHAR, source VARCHAR, "
                "rows_new BIGINT, rows_changed BIGINT, rows_unchanged BIGINT, "
                "values_overwritten BIGINT, overwritten VARCHAR)")
            for ds in DATASETS.values():
                cols = ", ".join(f"{_q(c.name)} {_SQL_TYPE[c.kind]}" for c in ds.columns)
                key = ", ".join(_q(k) for k in ds.key)
                self._run(
                    f"CREATE TABLE IF NOT EXISTS {_q(ds.name)} ({cols}, source VARCHAR NOT NULL, "
                    f"fetched_at TIMESTAMP NOT NULL, PRIMARY KEY ({key}))")
            self._run("COMMIT")
            self._tables = None
        except duckdb.Error as exc:
            self._rollback()
            raise StoreError(f"cannot initialise store {self.path}: {exc}") from exc

    def meta(self, key: str) -> str | None:
        """A value of the store's ``_meta`` table, None if unset."""
        rows = self._run("SELECT value FROM _meta WHERE key = ?", [key])
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (or with None remove) a ``_meta`` value; committed at once."""
        try:
            if value is None:
                self._run("DELETE FROM _meta WHERE key = ?", [key])
            else:
                self._run("INSERT OR REPLACE INTO _meta VALUES (?, ?)", [key, value])
        except duckdb.Error as exc:
            raise StoreError(f"store {self.path}: cannot record {key}: {exc}") from exc

    def _check_version(self) -> None:
        try:
            rows = self._run("SELECT value FROM _meta WHERE key = 'schema_version'")
            row = rows[0] if rows else None
        except duckdb.Error as exc:
            raise StoreError(f"store {self.path} has no fundflow metadata: {exc}") from exc
        version = int(str(row[0])) if row else 0
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {version}, this fundflow needs "
                f"{SCHEMA_VERSION}; no migration exists yet: move the file away and collect again")

    # -- writes -------------------------------------------------------------------------------
    def load(self, name: str, frame: pd.DataFrame, *, source: str, fetched_at: datetime,
             where: str = "", replace: bool = False) -> LoadResult:
        """Validate ``frame`` against the schema and upsert it in one transaction.

        ``replace``: ``frame`` is the whole dataset for ``source`` (the sample files), so rows
        of that source whose key is not in it are deleted in the same transaction."""
        ds = get_dataset(name)
        data = conform(name, frame, where=where)
        data["source"] = source
        stamp = pd.Timestamp(fetched_at).tz_localize(None) if pd.Timestamp(
            fetched_at).tzinfo else pd.Timestamp(fetched_at)
        data["fetched_at"] = stamp
        if data.empty and not replace:
            return LoadResult(name, 0, 0, 0)
        cols = ds.column_names + ["source", "fetched_at"]
        values = [c for c in ds.column_names if c not in ds.key]
        key = ", ".join(_q(k) for k in ds.key)
        differs = " OR ".join(f"t.{_q(c)} IS DISTINCT FROM excluded.{_q(c)}" for c in values + [
            "source"]) or "FALSE"
        sets = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in values + ["source", "fetched_at"])
        join = " AND ".join(f"t.{_q(k)} = i.{_q(k)}" for k in ds.key)
        changed_cond = " OR ".join(
            f"t.{_q(c)} IS DISTINCT FROM i.{_q(c)}" for c in values + ["source"]) or "FALSE"
        con = self.con
        try:
            con.register("_incoming", data[cols])
            self._run("BEGIN")
            existing = con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE {changed_cond}) FROM {_q(name)} t "
                f"JOIN _incoming i ON {join}").fetchall()[0]
            assert existing is not None
            n_existing, n_changed = int(existing[0]), int(existing[1])
            columns = ", ".join(_q(c) for c in cols)
            if not n_existing:   # no incoming key is stored yet: a plain insert (~40 % faster)
                self._run(f"INSERT INTO {_q(name)} SELECT {columns} FROM _incoming")
            elif n_changed or n_existing < len(data):
                self._run(f"INSERT INTO {_q(name)} AS t SELECT {columns} FROM _incoming "
                          f"ON CONFLICT ({key}) DO UPDATE SET {sets} WHERE {differs}")
            # (otherwise every row is stored already, unchanged: the upsert would write nothing)
            # every incoming row is now this source's: the anti-join delete of a replace load
            # runs only when the source has rows beyond them
            deleted = (self._delete_missing(name, ds, source)
                       if replace and self._count_of(name, source) > len(data) else 0)
            test_kill_point("store-write", name)   # crash tests: mid-transaction
            result = LoadResult(name, len(data) - n_existing, n_changed, n_existing - n_changed,
                                deleted)
            self._run("INSERT INTO _loads VALUES (?, ?, ?, ?, ?, ?)",
                        [stamp, name, source, result.inserted,
                         result.updated, result.unchanged])
            self._run("COMMIT")
        except duckdb.Error as exc:
            self._rollback()
            raise StoreError(f"loading dataset {name} into {self.path} failed: {exc}",
                             dataset=name) from exc
        finally:
            con.unregister("_incoming")
        log.debug("loaded %s: %s", name, result)
        return result

    def _count_of(self, name: str, source: str) -> int:
        """Rows of ``source`` in table ``name``."""
        rows = self._run(f"SELECT count(*) FROM {_q(name)} WHERE source = ?", [source])
        return int(rows[0][0]) if rows else 0

    def _delete_missing(self, name: str, ds: Dataset, source: str) -> int:
        """Inside load's transaction: delete rows of ``source`` whose key is not in _incoming."""
        join = " AND ".join(f"t.{_q(k)} = i.{_q(k)}" for k in ds.key)
        row = self.con.execute(
            f"DELETE FROM {_q(name)} t WHERE t.source = ? AND NOT EXISTS "
            f"(SELECT 1 FROM _incoming i WHERE {join}) RETURNING 1", [source]).fetchall()
        return len(row)

    def record_disagreements(self, rows: pd.DataFrame) -> int:
        """Store the disagreements between two routes (columns as in
        ``_source_disagreements``); a later check of the same cell replaces the earlier one."""
        if rows.empty:
            return 0
        cols = ["dataset", "trade_date", "series", "column_name", "stored_source",
                "stored_value", "other_source", "other_value", "rel_diff", "tolerance",
                "checked_at"]
        try:
            self.con.register("_disagree", rows[cols])
            self._run("BEGIN")
            self._run(f"INSERT OR REPLACE INTO _source_disagreements SELECT {', '.join(cols)} "
                      f"FROM _disagree")
            self._run("COMMIT")
        except duckdb.Error as exc:
            self._rollback()
            raise StoreError(f"recording source disagreements in {self.path} failed: {exc}"
                             ) from exc
        finally:
            self.con.unregister("_disagree")
        return len(rows)

    def disagreements(self, datasets: list[str], start: date, end: date) -> pd.DataFrame:
        """Disagreements between routes for ``datasets`` dated ``start..end``."""
        if not datasets or not self._table_exists("_source_disagreements"):
            return pd.DataFrame(columns=["dataset", "trade_date", "series", "column_name",
                                         "stored_source", "stored_value", "other_source",
                                         "other_value", "rel_diff", "tolerance"])
        marks = ", ".join("?" for _ in datasets)
        return self.con.execute(
            "SELECT dataset, trade_date, series, column_name, stored_source, stored_value, "
            "other_source, other_value, rel_diff, tolerance FROM _source_disagreements "
            f"WHERE dataset IN ({marks}) AND trade_date BETWEEN ? AND ? "
            "ORDER BY dataset, trade_date, series, column_name",
            [*datasets, start, end]).df()

    def write_import(self, name: str, rows: pd.DataFrame, *, source: str,
                     fetched_at: datetime, record: ImportRecord) -> None:
        """Upsert an import's new and changed rows (already conformed, every canonical column)
        and log it in ``_imports`` and ``_loads``, in one transaction."""
        ds = get_dataset(name)
        data = rows[ds.column_names].copy()
        data["source"] = source
        data["fetched_at"] = _naive(fetched_at)
        cols = ds.column_names + ["source", "fetched_at"]
        key = ", ".join(_q(k) for k in ds.key)
        sets = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in cols if c not in ds.key)
        con = self.con
        try:
            con.register("_incoming", data[cols])
            self._run("BEGIN")
            if len(data):
                self._run(
                    f"INSERT INTO {_q(name)} AS t SELECT {', '.join(_q(c) for c in cols)} "
                    f"FROM _incoming ON CONFLICT ({key}) DO UPDATE SET {sets}")
            r = record
            self._run("INSERT INTO _imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [_naive(fetched_at), name, r.file, r.path, r.sha256, r.label, source,
                       r.rows_new, r.rows_changed, r.rows_unchanged, len(r.overwritten),
                       json.dumps(list(r.overwritten), ensure_ascii=False, default=str)])
            self._run("INSERT INTO _loads VALUES (?, ?, ?, ?, ?, ?)",
                      [_naive(fetched_at), name, source, r.rows_new, r.rows_changed,
                       r.rows_unchanged])
            self._run("COMMIT")
        except duckdb.Error as exc:
            self._rollback()
            raise StoreError(f"importing {record.file} into dataset {name} of {self.path} "
                             f"failed: {exc}; nothing was stored", dataset=name) from exc
        finally:
            con.unregister("_incoming")

    # -- reads --------------------------------------------------------------------------------
    def rows_for_keys(self, name: str, keys: pd.DataFrame) -> pd.DataFrame:
        """The stored rows whose key is in ``keys`` (a frame of the dataset's key columns)."""
        ds = get_dataset(name)
        join = " AND ".join(f"t.{_q(k)} = k.{_q(k)}" for k in ds.key)
        sel = ", ".join(f"t.{_q(c)}" for c in ds.column_names)
        try:
            self.con.register("_keys", keys[list(ds.key)])
            frame = self.con.execute(f"SELECT {sel} FROM {_q(name)} t JOIN _keys k ON {join}"
                                     ).df()
        except duckdb.Error as exc:
            raise StoreError(f"reading dataset {name} from {self.path} failed: {exc}",
                             dataset=name) from exc
        finally:
            self.con.unregister("_keys")
        return _dates_as_datetime(ds, frame)

    def imports(self, sources: tuple[str, ...] | None = None) -> list[dict[str, object]]:
        """The import log, newest first (``sources``: only these imported sources). A store
        made before imports existed has none."""
        if not self._table_exists("_imports"):
            return []
        sql = ("SELECT imported_at, dataset, file, sha256, label, source, rows_new, "
               "rows_changed, rows_unchanged, values_overwritten FROM _imports")
        args: list[object] = []
        if sources is not None:
            if not sources:
                return []
            sql += f" WHERE source IN ({', '.join('?' for _ in sources)})"
            args = list(sources)
        rows = self.con.execute(sql + " ORDER BY imported_at DESC, file", args).fetchall()
        names = ("imported_at", "dataset", "file", "sha256", "label", "source", "rows_new",
                 "rows_changed", "rows_unchanged", "values_overwritten")
        return [dict(zip(names, r)) for r in rows]

    def read(self, name: str, *, start: date | None = None, end: date | None = None,
             with_provenance: bool = False, weekly_before: date | None = None) -> pd.DataFrame:
        """Rows of a dataset, optionally limited to ``start <= date <= end`` on its date column.

        ``weekly_before`` (a Monday): rows dated before it are reduced to the last row of each
        series (the key without its date) in each week (Monday to Sunday), so a value *as of*
        any week's last session is the same as in the daily rows, for a fraction of the rows.
        Dates come back as pandas datetime64 (midnight), strings as object, floats as float64.
        """
        ds = get_dataset(name)
        cols = ds.column_names + (["source", "fetched_at"] if with_provenance else [])
        dc = ds.date_column
        series = [k for k in ds.key if k != dc]
        if weekly_before is not None and (not dc or not series or weekly_before.weekday() != 0):
            raise ValueError(f"weekly_before needs a dated dataset with a series key and a "
                             f"Monday ({name}, {weekly_before})")
        if weekly_before is not None and start is not None and weekly_before <= start:
            weekly_before = None   # nothing before it is read
        if not self._table_exists(name):
            # a store written before the dataset existed, opened read-only: no rows yet
            return _empty_frame(ds, cols)
        sql = f"SELECT {', '.join(_q(c) for c in cols)} FROM {_q(name)}"
        conds, args = self._range(ds, start, end)
        if weekly_before is not None:
            assert dc is not None
            # the daily rows from the Monday on, and one row per series and week before it
            older = ("SELECT " + ", ".join(
                _q(c) if c in series else f"arg_max({_q(c)}, {_q(dc)}) AS {_q(c)}" for c in cols)
                + f" FROM {_q(name)} WHERE " + " AND ".join(conds + [f"{_q(dc)} < ?"])
                + f" GROUP BY {', '.join(_q(k) for k in series)}, date_trunc('week', {_q(dc)})")
            sql += " WHERE " + " AND ".join(conds + [f"{_q(dc)} >= ?"])
            sql = f"{sql} UNION ALL {older}"
            args = args + [weekly_before] + args + [weekly_before]
        elif conds:
            sql += " WHERE " + " AND ".join(conds)
        sql += " ORDER BY " + ", ".join(_q(k) for k in ds.key)
        try:
            frame = self.con.execute(sql, args).df()
        except duckdb.Error as exc:
            raise StoreError(f"reading dataset {name} from {self.path} failed: {exc}",
                             dataset=name) from exc
        return _dates_as_datetime(ds, frame)

    @staticmethod
    def _range(ds: Dataset, start: date | None, end: date | None) -> tuple[list[str], list[date]]:
        conds: list[str] = []
        args: list[date] = []
        if ds.date_column and start is not None:
            conds.append(f"{_q(ds.date_column)} >= ?")
            args.append(start)
        if ds.date_column and end is not None:
            conds.append(f"{_q(ds.date_column)} <= ?")
            args.append(end)
        return conds, args

    def coverage(self, name: str, *, start: date | None = None,
                 end: date | None = None) -> Coverage:
        """Row count, first/last date and distinct sources of a dataset (within a range)."""
        ds = get_dataset(name)
        if not self._table_exists(name):
            return Coverage(name, 0, None, None, ())
        conds, args = self._range(ds, start, end)
        where = (" WHERE " + " AND ".join(conds)) if conds else ""
        dc = _q(ds.date_column) if ds.date_column else "NULL"
        row = self.con.execute(
            f"SELECT count(*), min({dc}), max({dc}), list(DISTINCT source ORDER BY source) "
            f"FROM {_q(name)}{where}", args).fetchall()[0]
        assert row is not None
        return Coverage(name, int(row[0]), row[1], row[2], tuple(row[3] or ()))

    def trade_days(self) -> list[date]:
        return [r[0] for r in self.con.execute(
            "SELECT trade_date FROM trade_days ORDER BY trade_date").fetchall()]


def _empty_frame(ds: Dataset, cols: list[str]) -> pd.DataFrame:
    """A dataset's frame with no rows, typed as ``Store.read`` types its results."""
    kinds = {c.name: c.kind for c in ds.columns} | {"fetched_at": "date"}
    types = {"date": "datetime64[ns]", "float": "float64", "int": "int64", "str": "object"}
    return pd.DataFrame({c: pd.Series(dtype=types.get(kinds.get(c, "str"), "object"))
                         for c in cols})
