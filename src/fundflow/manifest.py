"""``manifest.json``, the record the build writes into each report folder, as a typed model.

The build's write stage makes a :class:`Manifest` and writes it (:func:`write_manifest`); the
e-mail, the archive page and the quality policy read it back with :func:`load_manifest`, which
validates it and names the file when it is damaged. Since ``schema`` 2 it also carries what the
e-mail shows of the report: every exhibit's title and source line as printed, and each table's
cells as printed (text, alignment, red/green tone), so nothing has to be read back from the
rendered HTML. Unknown keys are kept (a newer build's manifest still loads).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fundflow.errors import ManifestError

__all__ = ["Cell", "ConfigRecord", "DatasetRecord", "ExhibitRecord", "FactRecord",
           "Manifest", "MANIFEST_NAME", "PreviousWeekRecord", "PrintedExhibit", "SCHEMA",
           "SectionRecord", "Table", "WeekRecord", "load_manifest", "write_manifest"]

MANIFEST_NAME = "manifest.json"
SCHEMA = 2   # 2: exhibits carry their source line and table cells; core_views always written


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class Cell(_Record):
    """One table cell as the report prints it."""

    text: str
    align: Literal["left", "right", "center"] = "left"
    tone: Literal["up", "down", ""] = ""      # red / green by sign, "" for neither


class WeekRecord(_Record):
    label: str
    monday: date
    friday: date
    sessions: tuple[date, ...]
    calendar_source: str | None = None
    warnings: tuple[str, ...] = ()

    @field_validator("sessions")
    @classmethod
    def _some_session(cls, v: tuple[date, ...]) -> tuple[date, ...]:
        if not v:
            raise ValueError("week.sessions is empty")
        return v


class PreviousWeekRecord(_Record):
    label: str
    sessions: tuple[date, ...]


class ConfigRecord(_Record):
    path: str | None = None
    hash: str | None = None


class SectionRecord(_Record):
    id: str
    section: str
    params: dict[str, Any] = Field(default_factory=dict)
    required: bool = False
    status: Literal["ok", "unavailable"] = "ok"
    error: str | None = None
    text: tuple[str, ...] = ()
    text_from_override: bool = False
    inputs: dict[str, Any] = Field(default_factory=dict)


class DatasetRecord(_Record):
    source: str
    stored_sources: tuple[str, ...] = ()
    as_of: str | None = None
    rows: int = 0
    first: str | None = None
    imports: tuple[dict[str, Any], ...] = ()


class Table(_Record):
    """A table exhibit's header and body cells (a group row is one cell)."""

    columns: tuple[Cell, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()


class ExhibitRecord(_Record):
    number: int
    section: str
    key: str
    kind: Literal["chart", "table"]
    title: str = ""
    data: str = ""                    # data/<NN>_<section>_<key>.csv
    source_line: str = ""             # the line under the exhibit: source and as-of date
    note: str = ""
    table: Table | None = None        # tables only

    @property
    def ref(self) -> str:
        return f"{self.section}.{self.key}"


class FactRecord(_Record):
    section: str
    kind: str
    score: float
    text: str
    names: tuple[str, ...] = ()
    numbers: tuple[dict[str, Any], ...] = ()


class PrintedExhibit(_Record):
    """A table as printed: number, title, source and note lines, cells. The manifest's optional
    ``headline`` (an explicit table for the e-mail; cells given as text or as cells), and the
    e-mail's view of any table exhibit."""

    number: int = 0
    title: str = ""
    source: str = ""
    note: str = ""
    columns: tuple[Cell, ...] = ()
    rows: tuple[tuple[Cell, ...], ...]

    @field_validator("columns", mode="before")
    @classmethod
    def _columns(cls, v: Any) -> Any:
        return [_cell(c) for c in v] if isinstance(v, list) else v

    @field_validator("rows", mode="before")
    @classmethod
    def _rows(cls, v: Any) -> Any:
        return [[_cell(c) for c in r] if isinstance(r, list) else r for r in v] \
            if isinstance(v, list) else v


def _cell(v: Any) -> Any:
    """A bare string cell: right-aligned when it reads as a number."""
    if isinstance(v, Cell):
        return v
    if isinstance(v, dict):
        return {**v, "align": v.get("align") or "left", "tone": v.get("tone") or ""}
    s = str(v)
    numeric = re.fullmatch(r"[+\-−]?[\d,]+(\.\d+)?\s*(%|bp|亿元|万亿元)?", s.strip())
    return {"text": s, "align": "right" if numeric else "left"}


class Manifest(_Record):
    """What ``manifest.json`` holds. Only ``week`` is required: hand-made and older manifests
    load with the defaults (``schema`` 1: no exhibit text, maybe no core views)."""

    schema_version: int = Field(default=SCHEMA, alias="schema")
    fundflow_version: str = ""
    week: WeekRecord
    previous_week: PreviousWeekRecord | None = None
    language: str = "zh"
    source: str | None = None
    sample_data: bool = False
    config: ConfigRecord | None = None
    built_at: str = ""
    sections: tuple[SectionRecord, ...] = ()
    datasets: dict[str, DatasetRecord] = Field(default_factory=dict)
    exhibits: tuple[ExhibitRecord, ...] = ()
    core_views: tuple[str, ...] | None = None     # None: not written (older builds)
    commentary_override: str | None = None
    facts: tuple[FactRecord, ...] = ()
    alerts: tuple[dict[str, Any], ...] = ()       # alerts.AlertHit.as_dict()
    quality: tuple[dict[str, Any], ...] = ()      # quality.Finding.as_dict()
    pages: int = 0
    timings_s: dict[str, float] = Field(default_factory=dict)
    headline: PrintedExhibit | None = None

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    @field_validator("headline", mode="before")
    @classmethod
    def _headline(cls, v: Any) -> Any:
        # a headline without rows is no headline (the e-mail then picks a table)
        return v if isinstance(v, dict) and isinstance(v.get("rows"), list) else None

    @property
    def alert_texts(self) -> tuple[str, ...]:
        return tuple(str(a["text"]) for a in self.alerts if a.get("text"))

    def exhibit(self, number: int) -> ExhibitRecord | None:
        return next((e for e in self.exhibits if e.number == number), None)

    def as_json(self) -> dict[str, Any]:
        """The JSON object written to the file (``schema`` first, then as built); a chart has
        no ``table`` key, and a manifest without a headline no ``headline``."""
        data = self.model_dump(mode="json", by_alias=True)
        if data.get("headline") is None:
            data.pop("headline", None)
        for ex in data["exhibits"]:
            if ex.get("table") is None:
                ex.pop("table", None)
            else:   # cells keep only what differs from a plain left-aligned cell
                t = ex["table"]
                ex["table"] = {"columns": [_lean(c) for c in t["columns"]],
                               "rows": [[_lean(c) for c in r] for r in t["rows"]]}
        return data


def _lean(cell: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cell.items() if k == "text" or v != Cell.model_fields[k].default}


def write_manifest(folder: Path, manifest: Manifest) -> dict[str, Any]:
    """Write ``folder/manifest.json``; returns the JSON object written."""
    data = manifest.as_json()
    (folder / MANIFEST_NAME).write_text(json.dumps(data, ensure_ascii=False, indent=2),
                                        encoding="utf-8")
    return data


def load_manifest(path: Path) -> Manifest:
    """Read and validate a report folder's ``manifest.json`` (``path`` is the file or its
    folder). Raises ManifestError naming the file: missing, not JSON, or not a manifest."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path} is missing (run 'fundflow build' for that week)",
                            path=path) from None
    except (OSError, ValueError) as exc:
        raise ManifestError(f"cannot read {path}: {exc}", path=path) from exc
    if isinstance(data, dict) and "schema" not in data:
        data = {**data, "schema": 1}    # written before the manifest was typed
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise ManifestError(f"{path} is not a fundflow manifest: {where}: {first['msg']}"
                            + (f" (and {exc.error_count() - 1} more)"
                               if exc.error_count() > 1 else ""), path=path) from exc
