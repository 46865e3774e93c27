"""CSV formula injection (issue 19): a stock name from a source that starts like a formula
(=HYPERLINK(...), @SUM(...), +, -, tab, CR) reaches the data/*.csv exports as text with a
leading apostrophe, while negative numbers stay numbers."""

from __future__ import annotations

import csv
import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from fundflow.build import BuildRequest, build
from fundflow.config import load_config
from fundflow.data.sample import load_sample
from fundflow.data.store import Store
from fundflow.render.csvsafe import safe_cell, safe_csv_frame

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc)
LINK = '=HYPERLINK("http://evil.example/x","工行")'
PREFIXES = (LINK, "@SUM(1+1)", "+1+cmd|' /C calc'!A0", "-2+3", "\t=1+1")


@pytest.fixture(scope="module")
def evil_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("csvinj")
    sample = tmp / "sample"
    shutil.copytree(ROOT / "seeds" / "sample", sample)
    uni = pd.read_csv(sample / "stock_universe.csv", dtype=str)
    uni["stock_name"] = [PREFIXES[i % len(PREFIXES)] + n if i % len(PREFIXES) else LINK
                         for i, n in enumerate(uni["stock_name"])]
    uni.to_csv(sample / "stock_universe.csv", index=False)
    with Store(tmp / "store.duckdb") as st:
        load_sample(st, sample, fetched_at=NOW)
    cfg = tmp / "config.yaml"
    cfg.write_text(f"""
data: {{store: {tmp}/store.duckdb, seeds_dir: {ROOT}/seeds}}
output: {{dir: {tmp}/reports, excel: false, chart_dpi: 72, pdf: false}}
sections:
  - section: leverage
""", encoding="utf-8")
    res = build(load_config(cfg), BuildRequest(week=date(2025, 11, 7), source="store"), now=NOW)
    return res.folder


def _cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_formula_names_are_text_in_every_exported_csv(evil_build: Path) -> None:
    files = sorted((evil_build / "data").glob("*.csv"))
    assert any("top_contributors" in p.name for p in files)
    seen_name = False
    for path in files:
        for row in _cells(path):
            for cell in row:
                if cell.startswith(("=", "+", "@", "\t", "\r")):
                    pytest.fail(f"{path.name}: formula-like cell {cell!r}")
                if cell.startswith("-"):
                    float(cell)      # a negative number, not text
                seen_name = seen_name or "HYPERLINK" in cell
    assert seen_name
    contrib = next(p for p in files if "top_contributors" in p.name)
    text = contrib.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text


def test_negative_numbers_stay_numbers_and_text_is_defused() -> None:
    frame = pd.DataFrame({"name": [LINK, "-x", "-1.5", "ok"], "nb": [-1.5, 2.0, -3.0, 0.0],
                          "cat": pd.Categorical(["@a", "b", "=c", "d"]),
                          "s": pd.array(["+a", None, "b", "\tc"], dtype="string")})
    out = safe_csv_frame(frame)
    assert list(out["name"]) == ["'" + LINK, "'-x", "-1.5", "ok"]
    assert list(out["nb"]) == [-1.5, 2.0, -3.0, 0.0]
    assert list(out["cat"]) == ["'@a", "b", "'=c", "d"]
    assert list(out["s"].fillna("")) == ["'+a", "", "b", "'\tc"]


@pytest.mark.parametrize("text", ["-1_0", "-inf", "+nan", "-1.5.2"])
def test_text_that_python_reads_as_a_float_is_still_defused(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-1.5", "+2e3", "-.5", "12"])
def test_plain_numbers_in_text_columns_are_left_alone(text: str) -> None:
    assert safe_cell(text) == text
