"""Bring your own data: a team's Wind, Choice or Excel export -> a canonical dataset frame.

``read_table`` is the only I/O here (a CSV, XLSX or Parquet file -> raw cells with the file's own
row labels and its sha256). Everything after it is pure: ``prepare`` maps the file's columns to
the dataset's canonical ones (``--map``), fills constant columns (``--set``), converts units
(``--unit``) and checks every cell, naming the file, the row (the line of a CSV, the row of a
sheet) and the column of the first bad value; ``jump_problems`` runs the quality gate's
day-over-day check on the file together with what the store already has; ``diff_rows`` says
which rows are new, changed (and which stored values an import would overwrite) or unchanged.

Text cells are data: a cell such as ``=HYPERLINK(...)`` is stored as that text, never
evaluated (openpyxl reads cached values, CSV cells are strings) and escaped wherever it is
written out (HTML autoescape, ``render.csvsafe`` for CSV, xlsx as plain strings).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fundflow.data.schemas import Dataset, conform, get_dataset, unit_factor
from fundflow.errors import ConfigError, SchemaError

IMPORT_PREFIX = "import:"
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
           ".parquet": "parquet", ".pq": "parquet"}
# cells meaning "no value" in exports (Wind and Choice write -- for a missing number)
NULL_TOKENS = frozenset({"", "--", "-", "—", "N/A", "n/a", "NA", "nan", "NaN", "None", "null",
                         "NULL", "#N/A"})
# code columns kept as zero-padded 6-digit strings; Wind's exchange suffix is dropped
SIX_DIGIT_CODES = frozenset({"index_code", "stock_code", "etf_code", "fund_code",
                             "industry_code", "sw_l1_code"})
_CODE = re.compile(r"^(\d{1,6})(?:\.0)?(?:\.(?:SH|SZ|BJ|CSI|SI|OF|CNI))?$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE8 = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\.0)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")   # as render.csvsafe


class ImportFileError(SchemaError):
    """A file that cannot be imported: names the file, the row and the column."""


@dataclass(frozen=True)
class ImportSpec:
    """How one file layout maps onto a dataset (CLI flags, or a named ``import:`` entry)."""

    dataset: str
    mapping: Mapping[str, str] = field(default_factory=dict)      # file column -> canonical
    set_values: Mapping[str, str] = field(default_factory=dict)   # canonical column -> value
    units: Mapping[str, str] = field(default_factory=dict)        # canonical column -> unit
    sheet: str | None = None
    source_label: str | None = None


@dataclass(frozen=True)
class RawTable:
    """A file's cells as read: a header, object columns, one row label per row."""

    path: Path
    sha256: str
    fmt: str                      # csv | xlsx | parquet
    encoding: str | None          # of a CSV
    sheet: str | None             # of a workbook
    frame: pd.DataFrame           # columns = the file's headers
    rows: tuple[str, ...]         # "line 5" (CSV) or "row 5" (sheet, Parquet)

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Prepared:
    """A file turned into a dataset frame, ready for the store."""

    raw: RawTable
    dataset: str
    frame: pd.DataFrame            # conformed: every canonical column (absent ones null)
    present: tuple[str, ...]       # canonical columns the file (or --set) supplied
    ignored: tuple[str, ...]       # file columns that map to nothing
    notes: tuple[str, ...]         # things worth telling (formula-like text, conversions)


# -- spec checks (before any I/O) ---------------------------------------------------------------
def check_spec(spec: ImportSpec, *, where: str = "import") -> list[str]:
    """Problems with a spec that no file can fix: unknown dataset, columns, units."""
    try:
        ds = get_dataset(spec.dataset)
    except SchemaError as exc:
        return [f"{where}: {exc}"]
    names = ds.column_names
    out = []
    targets: dict[str, str] = {}
    for src, dst in spec.mapping.items():
        if dst not in names:
            out.append(f"{where}: map {src}={dst}: {dst!r} is not a column of {ds.name} "
                       f"(columns: {', '.join(names)})")
        elif dst in targets:
            out.append(f"{where}: map: both {targets[dst]!r} and {src!r} map to {dst}")
        targets[dst] = src
    for col in spec.set_values:
        if col not in names:
            out.append(f"{where}: set {col}=...: {col!r} is not a column of {ds.name} "
                       f"(columns: {', '.join(names)})")
    for col, unit in spec.units.items():
        if col not in names:
            out.append(f"{where}: unit {col}={unit}: {col!r} is not a column of {ds.name}")
            continue
        try:
            unit_factor(ds.column(col), unit)
        except ValueError as exc:
            out.append(f"{where}: unit {col}={unit}: {exc}")
    return out


def parse_pairs(values: Sequence[str], flag: str) -> dict[str, str]:
    """``["日期=trade_date", ...]`` -> dict; a malformed pair is a usage error (exit 2)."""
    out: dict[str, str] = {}
    for v in values:
        left, sep, right = v.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise ConfigError(f"{flag} {v!r}: expected NAME=VALUE")
        if left.strip() in out:
            raise ConfigError(f"{flag}: {left.strip()!r} is given twice")
        out[left.strip()] = right.strip()
    return out


# -- reading (the only I/O) ---------------------------------------------------------------------
def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"{path}: unknown file type {path.suffix!r} (CSV, XLSX or Parquet: "
                          f"{', '.join(sorted(FORMATS))})")
    return fmt


def read_table(path: Path, *, sheet: str | None = None) -> RawTable:
    """Read a CSV (UTF-8, UTF-8 with BOM or GBK, detected), an XLSX sheet or a Parquet file."""
    fmt = file_format(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    sha = hashlib.sha256(data).hexdigest()
    if fmt == "csv":
        encoding, text = decode_text(data)
        frame, rows = _csv_cells(text, path)
        return RawTable(path, sha, fmt, encoding, None, frame, rows)
    if fmt == "xlsx":
        name, frame, rows = _xlsx_cells(data, path, sheet)
        return RawTable(path, sha, fmt, None, name, frame, rows)
    frame = _parquet_cells(path)
    return RawTable(path, sha, fmt, None, None, frame,
                    tuple(f"row {i + 1}" for i in range(len(frame))))


def decode_text(data: bytes) -> tuple[str, str]:
    """(encoding, text): UTF-8 with BOM, UTF-8, else GBK (read as GB18030, its superset)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", data[3:].decode("utf-8")
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return "gbk", data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"cannot decode the file as UTF-8 or GBK (byte {exc.start})") \
            from None


def _header(cells: Sequence[Any], path: Path, where: str) -> list[str]:
    names = [("" if c is None else str(c)).strip().lstrip("\ufeff") for c in cells]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise ImportFileError(f"{path.name}: {where}: no header row (the file is empty)")
    empty = [i + 1 for i, n in enumerate(names) if not n]
    if empty:
        raise ImportFileError(f"{path.name}: {where}: column {empty[0]} has no header")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ImportFileError(f"{path.name}: {where}: column {dup[0]!r} appears twice in the "
                              f"header")
    return names


def _csv_cells(text: str, path: Path) -> tuple[pd.DataFrame, tuple[str, ...]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[list[str]] = []
    labels: list[str] = []
    try:
        for rec in reader:
            if not any(c.strip() for c in rec):
                continue
            if header is None:
                header = _header(rec, path, f"line {reader.line_num}")
                continue
            if len(rec) > len(header) and any(c.strip() for c in rec[len(header):]):
                raise ImportFileError(f"{path.name}: line {reader.line_num}: {len(rec)} cells, "
                                      f"the header has {len(header)}")
            rows.append((rec + [""] * len(header))[:len(header)])
            labels.append(f"line {reader.line_num}")
    except csv.Error as exc:
        raise ImportFileError(f"{path.name}: line {reader.line_num}: {exc}") from None
    if header is None:
        raise ImportFileError(f"{path.name}: the file is empty")
    return pd.DataFrame(rows, columns=header, dtype=object), tuple(labels)


def _xlsx_cells(data: bytes, path: Path, sheet: str | None
                ) -> tuple[str, pd.DataFrame, tuple[str, ...]]:
    import openpyxl

    try:
        # data_only: a formula cell gives its cached value; nothing is ever evaluated
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError... on bad files
        raise ImportFileError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise ConfigError(f"{path.name}: no sheet {sheet!r} (sheets: "
                              f"{', '.join(wb.sheetnames)})")
        header: list[str] | None = None
        rows: list[list[Any]] = []
        labels: list[str] = []
        for n, rec in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            cells = list(rec)
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            if header is None:
                header = _header(cells, path, f"sheet {ws.title!r} row {n}")
                continue
            rows.append((cells + [None] * len(header))[:len(header)])
            labels.append(f"row {n}")
        title = str(ws.title)
    finally:
        wb.close()
    if header is None:
        raise ImportFileError(f"{path.name}: sheet {title!r} is empty")
    return title, pd.DataFrame(rows, columns=header, dtype=object), tuple(labels)


def _parquet_cells(path: Path) -> pd.DataFrame:
    import duckdb

    try:
        con = duckdb.connect()
        try:
            frame = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).df()
        finally:
            con.close()
    except duckdb.Error as exc:
        raise ImportFileError(f"{path.name}: not a readable Parquet file ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.astype(object).where(frame.notna(), None)


# -- cells -> canonical values (pure) ----------------------------------------------------------
def _is_null(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    if v is pd.NaT:
        return True
    return isinstance(v, str) and v.strip() in NULL_TOKENS


def date_text(v: Any) -> str | None:
    """An ISO date for a cell, or None when it is not a date in a form exports use
    (2025-11-07, 2025/11/7, 2025年11月7日, 20251107, a spreadsheet date). Day-first or
    month-first forms are refused, not guessed."""
    if isinstance(v, datetime | pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, (int, np.integer)) or (isinstance(v, float) and float(v).is_integer()):
        v = str(int(v))
    s = str(v).strip()
    m = _DATE.match(s) or _DATE8.match(s)
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups())
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


def number_text(v: Any, percent: bool) -> float | None:
    """A float for a cell, or None when it is not a number (thousands separators and, in a
    percent column, a trailing % are accepted)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    s = str(v).strip().replace("\u00a0", "")
    if percent and s.endswith("%"):
        s = s[:-1].strip()
    if "," in s:
        if not _THOUSANDS.match(s):
            return None
        s = s.replace(",", "")
    try:
        out = float(s)
    except ValueError:
        return None
    return out


def text_value(v: Any, column: str) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    if column in SIX_DIGIT_CODES:
        m = _CODE.match(s)
        if m:
            return m.group(1).zfill(6)
    return s


class _Cells:
    """Error messages that name the file, the row label and the column (file header and
    canonical name)."""

    def __init__(self, raw: RawTable, dataset: str, header_of: Mapping[str, str]) -> None:
        self.raw = raw
        self.dataset = dataset
        self.header_of = header_of

    def where(self, i: int, col: str) -> str:
        src = self.header_of.get(col)
        name = f"{src} ({col})" if src and src != col else col
        return f"{self.raw.name}, {self.raw.rows[i]}, column {name}"

    def fail(self, i: int, col: str, what: str) -> ImportFileError:
        return ImportFileError(f"{self.where(i, col)}: {what}", dataset=self.dataset)


def _parse_column(cells: _Cells, col: Any, values: pd.Series, factor: float) -> pd.Series:
    """One column's cells -> canonical values; the first bad cell raises."""
    out: list[Any] = []
    for i, v in enumerate(values.tolist()):
        if _is_null(v):
            if not col.nullable:
                raise cells.fail(i, col.name, "no value (the column is required)")
            out.append(None)
            continue
        if col.kind == "date":
            d = date_text(v)
            if d is None:
                raise cells.fail(i, col.name, f"{str(v)!r} is not a date (use YYYY-MM-DD, "
                                              f"YYYY/MM/DD, YYYY年MM月DD日 or YYYYMMDD)")
            out.append(d)
        elif col.kind == "str":
            out.append(text_value(v, col.name))
        else:
            x = number_text(v, col.unit == "%")
            if x is None:
                raise cells.fail(i, col.name, f"{str(v)!r} is not a number")
            if not np.isfinite(x):
                raise cells.fail(i, col.name, f"{str(v)!r} is not a finite number")
            x *= factor
            for bound, bad, word in ((col.min, x < (col.min or 0), "below"),
                                     (col.max, x > (col.max or 0), "above")):
                if bound is not None and bad:
                    raise cells.fail(i, col.name, f"{x:g} is {word} the plausible bound "
                                                  f"{bound:g} {col.unit}".rstrip()
                                     + (" (wrong --unit?)" if col.unit in ("元", "份", "股")
                                        else ""))
            out.append(x)
    if col.kind == "date":
        return pd.to_datetime(pd.Series(out, dtype=object), format="%Y-%m-%d")
    if col.kind in ("float", "int"):
        return pd.Series(out, dtype="float64")
    return pd.Series(out, dtype=object)


def prepare(raw: RawTable, spec: ImportSpec) -> Prepared:
    """Map, fill, convert and check a file's cells; raises ImportFileError (file, row, column)
    for the first problem, ConfigError for a spec the file does not fit (a --map source that is
    not in the file, a required column neither in the file nor set)."""
    ds = get_dataset(spec.dataset)
    frame = raw.frame
    missing_src = [s for s in spec.mapping if s not in frame.columns]
    if missing_src:
        raise ConfigError(f"{raw.name}: no column {missing_src[0]!r} to map (the file's "
                          f"columns: {', '.join(map(str, frame.columns))})")
    header_of: dict[str, str] = {}
    for c in frame.columns:
        dst = spec.mapping.get(c, c)
        if dst in ds.column_names:
            if dst in header_of:
                raise ConfigError(f"{raw.name}: both {header_of[dst]!r} and {c!r} give column "
                                  f"{dst}; map only one of them")
            header_of[dst] = c
    ignored = tuple(c for c in frame.columns if spec.mapping.get(c, c) not in header_of
                    or header_of[spec.mapping.get(c, c)] != c)
    clash = [c for c in spec.set_values if c in header_of]
    if clash:
        raise ConfigError(f"{raw.name}: column {clash[0]} is in the file "
                          f"({header_of[clash[0]]!r}); --set only fills a column the file lacks")
    present = [c for c in ds.column_names if c in header_of or c in spec.set_values]
    lacking = [c for c in ds.required_columns if c not in present]
    if lacking:
        raise ImportFileError(
            f"{raw.name}: dataset {ds.name} needs column(s) {', '.join(lacking)}, which the file "
            f"does not have (its columns: {', '.join(map(str, frame.columns))}); map one with "
            f"--map 'HEADER=COLUMN' or give a constant with --set COLUMN=VALUE", dataset=ds.name)
    unconvertible = [c for c in spec.units if c not in present]
    if unconvertible:
        raise ConfigError(f"{raw.name}: --unit {unconvertible[0]}: the column is not in the file")
    cells = _Cells(raw, ds.name, header_of)
    n = len(frame)
    cols: dict[str, pd.Series] = {}
    for col in ds.columns:
        if col.name in header_of:
            values = frame[header_of[col.name]].reset_index(drop=True)
        elif col.name in spec.set_values:
            values = pd.Series([spec.set_values[col.name]] * n, dtype=object)
        else:
            cols[col.name] = pd.Series([None] * n, dtype="float64" if col.kind in (
                "float", "int") else object)
            continue
        factor = unit_factor(col, spec.units[col.name]) if col.name in spec.units else 1.0
        cols[col.name] = _parse_column(cells, col, values, factor)
    out = pd.DataFrame(cols, index=range(n))
    _check_duplicates(out, ds, raw)
    conformed = conform(ds.name, out, where=raw.name)   # the store's own check, as a guard
    notes = _notes(conformed, ds, spec, present)
    return Prepared(raw, ds.name, conformed, tuple(present), ignored, notes)


def _check_duplicates(frame: pd.DataFrame, ds: Dataset, raw: RawTable) -> None:
    dup = frame.duplicated(list(ds.key), keep=False)
    if not dup.any():
        return
    idx = [int(i) for i in np.flatnonzero(dup.to_numpy())]
    first = frame.iloc[idx[0]]
    again = next(j for j in idx[1:] if all(frame.iloc[j][k] == first[k] for k in ds.key))
    key = ", ".join(f"{k}={_show(first[k])}" for k in ds.key)
    raise ImportFileError(f"{raw.name}, {raw.rows[again]}, column {', '.join(ds.key)}: "
                          f"duplicate key {key} (first on {raw.rows[idx[0]]}); which row is "
                          f"right is unknown", dataset=ds.name)


def _show(v: Any) -> str:
    return v.date().isoformat() if isinstance(v, pd.Timestamp) else str(v)


def _notes(frame: pd.DataFrame, ds: Dataset, spec: ImportSpec,
           present: Sequence[str]) -> tuple[str, ...]:
    notes = []
    for name, unit in spec.units.items():
        notes.append(f"{name}: converted from {unit} to {ds.column(name).unit}")
    absent = [c for c in ds.optional_columns if c not in present]
    if absent:
        notes.append(f"partial: no {', '.join(absent)} (left empty; stored values kept)")
    for col in ds.columns:
        if col.kind != "str":
            continue
        s = frame[col.name].dropna().astype(str)
        n = int(s.str.startswith(FORMULA_START).sum())
        if n:
            notes.append(f"{col.name}: {n} cell(s) start like a spreadsheet formula "
                         f"(e.g. {s[s.str.startswith(FORMULA_START)].iloc[0][:40]!r}); "
                         f"stored as text, never evaluated")
    return tuple(notes)


# -- jumps against stored history (pure) --------------------------------------------------------
def jump_problems(prepared: Prepared, stored: pd.DataFrame, *, levels: Sequence[str],
                  entity: str | None, jump_pct: float, unit_factor_limit: float
                  ) -> tuple[list[str], list[str]]:
    """(errors, warnings) for day-over-day moves involving a row of the file: a change by
    ``unit_factor_limit`` or more is a unit mistake (error, the import is refused), a move
    beyond ``jump_pct`` a warning. ``stored`` holds the store's rows of the same series."""
    ds = get_dataset(prepared.dataset)
    dcol = ds.date_column
    if not levels or dcol is None or dcol not in prepared.frame.columns:
        return [], []
    mine = prepared.frame.assign(_row=range(len(prepared.frame)))
    keys = list(ds.key)
    if not stored.empty:
        old = stored.merge(mine[keys], on=keys, how="left", indicator=True)
        old = old[old["_merge"] == "left_only"].drop(columns="_merge").assign(_row=-1)
        both = pd.concat([mine, old[[c for c in mine.columns if c in old.columns]]],
                         ignore_index=True)
    else:
        both = mine
    group = [entity] if entity else []
    both = both.sort_values(group + [dcol], kind="stable")
    errors: list[str] = []
    warnings: list[str] = []
    for col in levels:
        if col not in prepared.present:
            continue
        s = both.dropna(subset=[col])
        prev = s.groupby(entity, sort=False)[col].shift(1) if entity else s[col].shift(1)
        prev_row = (s.groupby(entity, sort=False)["_row"].shift(1) if entity
                    else s["_row"].shift(1))
        ok = prev.notna() & (prev != 0) & ((s["_row"] >= 0) | (prev_row >= 0))
        ratio = (s[col] / prev).where(ok)
        for i in np.flatnonzero(ok.to_numpy()):
            r = float(ratio.iloc[i])
            row = int(s["_row"].iloc[i]) if s["_row"].iloc[i] >= 0 else int(prev_row.iloc[i])
            at = (f"{prepared.raw.name}, {prepared.raw.rows[row]}, column {col}: "
                  f"{_show(s[dcol].iloc[i])}" + (f" {s[entity].iloc[i]}" if entity else ""))
            if abs(r) >= unit_factor_limit or abs(r) <= 1 / unit_factor_limit:
                errors.append(f"{at} is x{r:.3g} the previous value; a unit mistake (元 vs "
                              f"万元?) is likely; use --unit")
            elif abs(r - 1) * 100 > jump_pct:
                warnings.append(f"{at} moves {(r - 1) * 100:+.1f}% from the previous value "
                                f"(more than {jump_pct:g}%)")
    return errors, warnings


# -- what an import changes (pure) --------------------------------------------------------------
@dataclass(frozen=True)
class Diff:
    new: pd.DataFrame              # rows to insert (every canonical column)
    changed: pd.DataFrame          # stored rows with the file's present columns applied
    unchanged: int
    overwritten: tuple[dict[str, Any], ...]   # one per stored value replaced: key, column,
    #                                           old, new

    @property
    def writes(self) -> int:
        return len(self.new) + len(self.changed)


def _same(a: Any, b: Any) -> bool:
    if _is_null(a) and _is_null(b):
        return True
    if _is_null(a) or _is_null(b):
        return False
    if isinstance(a, (float, np.floating)) and isinstance(b, (float, np.floating)):
        return bool(np.isclose(float(a), float(b), rtol=1e-12, atol=0.0))
    if isinstance(a, pd.Timestamp) or isinstance(b, pd.Timestamp):
        return bool(pd.Timestamp(a) == pd.Timestamp(b))
    return bool(a == b)


def _plain(v: Any) -> Any:
    if _is_null(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, np.floating):
        return float(v)
    return v


def diff_rows(incoming: pd.DataFrame, stored: pd.DataFrame, dataset: str,
              present: Sequence[str]) -> Diff:
    """Compare a prepared frame with the stored rows of the same keys. Only the columns the
    file supplied are compared and written: a partial file never blanks stored values."""
    ds = get_dataset(dataset)
    keys = list(ds.key)
    cols = ds.column_names
    if stored.empty:
        return Diff(incoming[cols].reset_index(drop=True), incoming[cols].iloc[0:0], 0, ())
    st = stored[cols].copy()
    merged = incoming[cols].merge(st, on=keys, how="left", suffixes=("", "__old"),
                                  indicator=True)
    is_new = (merged["_merge"] == "left_only").to_numpy()
    new = merged.loc[is_new, cols].reset_index(drop=True)
    old_rows = merged.loc[~is_new].reset_index(drop=True)
    compare = [c for c in present if c not in keys]
    changed_rows: list[dict[str, Any]] = []
    overwritten: list[dict[str, Any]] = []
    unchanged = 0
    for rec in old_rows.to_dict("records"):
        diffs = [c for c in compare if not _same(rec[c], rec[f"{c}__old"])]
        if not diffs:
            unchanged += 1
            continue
        row = {c: rec[c] if (c in keys or c in present) else rec[f"{c}__old"] for c in cols}
        changed_rows.append(row)
        key = {k: _plain(rec[k]) for k in keys}
        overwritten += [{"key": key, "column": c, "old": _plain(rec[f"{c}__old"]),
                         "new": _plain(rec[c])} for c in diffs]
    changed = pd.DataFrame(changed_rows, columns=cols)
    if not changed.empty:
        changed = conform(dataset, changed)
    return Diff(new, changed, unchanged, tuple(overwritten))


def import_source(sha256: str, file_name: str) -> str:
    """The ``source`` value of imported rows: readable, and distinct per file content."""
    return f"{IMPORT_PREFIX}{sha256[:16]}:{file_name}"
