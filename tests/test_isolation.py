"""Section isolation (issue 9): a section whose data is missing is shown as 'data unavailable'
with the reason and the rest of the report builds; a required section's failure fails the build
and names the section."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pytest

from fundflow.build import BuildRequest, build
from fundflow.config import load_config
from fundflow.errors import SectionError
from tests import tools
from tests.shared import seeded_sample_store

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc)
pytestmark = pytest.mark.e2e


def config(tmp: Path, required: bool = False) -> Path:
    p = tmp / "config.yaml"
    p.write_text(f"""
data: {{store: {tmp}/store.duckdb, sample_dir: {ROOT}/seeds/sample, seeds_dir: {ROOT}/seeds}}
output: {{dir: {tmp}/reports, excel: false}}
sections:
  - section: major_assets
    required: {str(required).lower()}
  - section: sw_industries
""", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def store_without_global_week(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample store with the global assets' rows of the sample week removed."""
    tmp = tmp_path_factory.mktemp("iso")
    seeded_sample_store(tmp / "store.duckdb")
    con = duckdb.connect(str(tmp / "store.duckdb"))
    con.execute("DELETE FROM global_asset_daily WHERE trade_date >= DATE '2025-11-01'")
    con.close()
    return tmp


def test_missing_dataset_leaves_its_section_out(store_without_global_week: Path) -> None:
    tmp = store_without_global_week
    res = build(load_config(config(tmp)), BuildRequest(week=date(2025, 11, 7)), now=NOW)
    assert list(res.unavailable) == ["major_assets"]
    assert "global_asset_daily has no rows for the week 2025-11-03..2025-11-07 " \
           "(it ends at 2025-10-31)" in res.unavailable["major_assets"]
    manifest = json.loads((res.folder / "manifest.json").read_text(encoding="utf-8"))
    status = {s["id"]: s["status"] for s in manifest["sections"]}
    assert status == {"major_assets": "unavailable", "sw_industries": "ok"}
    assert res.pdf is not None
    text = re.sub(r"\s+", "", tools.pdftotext(res.pdf))
    assert "数据不可用：datasetglobal_asset_dailyhasnorowsfortheweek" in text
    assert "申万一级行业表现" in text and "图表1" in text


def test_required_section_failure_fails_the_build(store_without_global_week: Path) -> None:
    tmp = store_without_global_week
    with pytest.raises(SectionError) as info:
        build(load_config(config(tmp, required=True)), BuildRequest(week=date(2025, 11, 7)),
              now=NOW)
    assert str(info.value).startswith("required section major_assets failed: dataset "
                                      "global_asset_daily has no rows for the week")
