"""report_data.xlsx through XlsxWriter (issue 10): the same sheets and cells as pandas'
``to_excel`` through openpyxl, compared cell by cell after reading both back with openpyxl."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from fundflow.errors import RenderError
from fundflow.render.xlsx import write_workbook


def _sheets() -> list[tuple[str, pd.DataFrame]]:
    mixed = pd.DataFrame({
        "名称": ["沪深300", "中证500", None, "=SUM(A1:A2)", "https://example.com"],
        "net_buy_cny": [1.5e9, -2.25e8, np.nan, 0.1 + 0.2, 123456789.123456],
        "count": np.array([1, 2, 3, 4, 5], dtype="int64"),
        "beat": [True, False, True, True, False],
        "ratio_pct": [np.inf, -np.inf, 0.0, -0.0, 1e-300],
        "trade_date": pd.to_datetime(["2025-11-03", "2025-11-04", None, "2025-11-06",
                                      "2025-11-07 15:00:00"], format="ISO8601"),
        "day": [date(2025, 11, 3), None, date(2025, 11, 5), date(2025, 11, 6), date(2025, 11, 7)],
        "obj": [1, "a", 2.5, None, np.float64(np.nan)],
        "i32": np.array([7, 8, 9, 10, 11], dtype="int32"),
    })
    return [("01_mixed", mixed),
            ("02_" + "x" * 40, pd.DataFrame({"a": [1.0]})),     # name longer than 31
            ("03_empty", pd.DataFrame({"only_header": pd.Series([], dtype=float)})),
            ("04_wide", pd.DataFrame(np.arange(60.0).reshape(3, 20),
                                     columns=[f"c{i}" for i in range(20)]))]


def _cells(path: Path) -> dict[str, list[list[object]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def _same_value(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-15, abs_tol=0.0) or a == b
    return a == b


def test_same_cells_as_pandas_openpyxl(tmp_path: Path) -> None:
    sheets = _sheets()
    ref = tmp_path / "openpyxl.xlsx"
    with pd.ExcelWriter(ref, engine="openpyxl") as xw:
        for name, frame in sheets:
            frame.to_excel(xw, sheet_name=name[:31], index=False)
    ours = tmp_path / "ours.xlsx"
    write_workbook(ours, sheets)
    want, got = _cells(ref), _cells(ours)
    assert list(got) == list(want)
    for name in want:
        w, g = want[name], got[name]
        assert len(g) == len(w), name
        for r, (wr, gr) in enumerate(zip(w, g)):
            assert len(gr) == len(wr), (name, r)
            for c, (a, b) in enumerate(zip(wr, gr)):
                assert _same_value(a, b), (name, r, c, a, b)
    # text that looks like a formula or a link stays text
    assert got["01_mixed"][4][0] == "=SUM(A1:A2)"
    assert got["01_mixed"][5][0] == "https://example.com"


def test_header_style_and_date_formats(tmp_path: Path) -> None:
    out = tmp_path / "ours.xlsx"
    write_workbook(out, _sheets())
    ws = openpyxl.load_workbook(out)["01_mixed"]
    h = ws["A1"]
    assert h.font.b and h.alignment.horizontal == "center"
    assert h.border.left.style == h.border.bottom.style == "thin"
    assert not ws["A2"].font.b
    assert ws["F2"].value == datetime(2025, 11, 3) and ws["F2"].number_format == \
        "YYYY-MM-DD HH:MM:SS"
    assert ws["G2"].value == datetime(2025, 11, 3) and ws["G2"].number_format == "YYYY-MM-DD"
    assert ws["E2"].value == "inf" and ws["E3"].value == "-inf"
    assert ws["D2"].value is True and ws["C3"].value == 2


def test_unwritable_path_is_a_render_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="no-such-dir"):
        write_workbook(tmp_path / "no-such-dir" / "x.xlsx", _sheets())
