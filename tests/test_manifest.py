"""manifest.json as a typed record (issue 19): written by the build's write stage, read back
validated, with a clear error naming a damaged file; older manifests still load."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from fundflow.delivery.compose import Exhibit, _headline, load_report, text_table
from fundflow.errors import ManifestError
from fundflow.manifest import (
    Cell, ExhibitRecord, Manifest, Table, WeekRecord, load_manifest, write_manifest,
)
from fundflow.render.printed import printed_source_line, printed_table
from fundflow.render.labels import labels
from fundflow.render.env import make_env
from fundflow.sections.base import TableColumn

WEEK = {"label": "2025-11-07", "monday": "2025-11-03", "friday": "2025-11-07",
        "sessions": ["2025-11-03", "2025-11-04", "2025-11-05", "2025-11-06", "2025-11-07"]}


def _manifest(**over: object) -> Manifest:
    table = Table(columns=(Cell(text="指数"), Cell(text="涨跌", align="right")),
                  rows=((Cell(text="上证指数"), Cell(text="+1.00%", align="right", tone="up")),))
    return Manifest(week=WeekRecord.model_validate(WEEK), core_views=("一",), exhibits=(
        ExhibitRecord(number=1, section="broad_indices", key="broad_table", kind="table",
                      title="主要宽基指数表现", data="data/01_broad_indices_broad_table.csv",
                      source_line="数据来源：中证指数，截至 2025-11-07", table=table),
        ExhibitRecord(number=2, section="broad_indices", key="broad_returns", kind="chart",
                      title="周涨跌幅")), **over)  # type: ignore[arg-type]


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    written = write_manifest(tmp_path, _manifest(pages=3))
    assert written["schema"] == 2 and "table" not in written["exhibits"][1]
    # cells keep only what differs from a plain left-aligned cell
    assert written["exhibits"][0]["table"]["rows"] == [
        [{"text": "上证指数"}, {"text": "+1.00%", "align": "right", "tone": "up"}]]
    back = load_manifest(tmp_path / "manifest.json")
    assert back == _manifest(pages=3)
    assert back.week.sessions[-1] == date(2025, 11, 7)
    assert load_manifest(tmp_path) == back        # the folder works too


@pytest.mark.parametrize("text, match", [
    ("{not json", "cannot read"),
    (json.dumps({"language": "zh"}), r"not a fundflow manifest: week: Field required"),
    (json.dumps({"week": {**WEEK, "sessions": []}}), "week.sessions"),
    (json.dumps({"week": WEEK, "exhibits": [{"number": "x"}]}), "exhibits.0.number"),
])
def test_a_damaged_manifest_names_the_file(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "manifest.json").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=match) as exc:
        load_manifest(tmp_path)
    assert str(tmp_path / "manifest.json") in str(exc.value)


def test_a_missing_manifest_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="is missing .run 'fundflow build'"):
        load_report(tmp_path)


def test_the_email_headline_comes_from_the_manifest(tmp_path: Path) -> None:
    """No report.html at all: the e-mail's table is the manifest's."""
    write_manifest(tmp_path, _manifest())
    bundle = load_report(tmp_path)

    class Email:
        headline_table = None

    headline = _headline(bundle, Email())  # type: ignore[arg-type]
    assert headline == Exhibit(number=1, title="主要宽基指数表现",
                               source="数据来源：中证指数，截至 2025-11-07",
                               columns=_manifest().exhibits[0].table.columns,  # type: ignore
                               rows=_manifest().exhibits[0].table.rows)  # type: ignore
    assert text_table(headline) == ["指数        涨跌", "--------  ------",
                                    "上证指数  +1.00%"]


def test_an_older_manifest_is_refused_for_email_and_still_archived(tmp_path: Path) -> None:
    """A report built before the manifest carried the e-mail's text: sending it names the
    command that rebuilds it (the page is never parsed back); the archive still lists it."""
    from fundflow.archive import collect_entries

    folder = tmp_path / "2025-11-07"
    folder.mkdir()
    old = {"week": WEEK, "built_at": "2025-11-08T02:00:00+00:00",
           "exhibits": [{"number": 1, "section": "s", "key": "t", "kind": "table",
                         "title": "T"}]}
    (folder / "manifest.json").write_text(json.dumps(old), encoding="utf-8")
    (folder / "report.html").write_text("<p>old page</p>", encoding="utf-8")
    m = load_manifest(folder)
    assert m.schema_version == 1 and m.core_views is None
    with pytest.raises(ManifestError) as info:
        load_report(folder)
    assert str(info.value) == (
        f"{folder / 'manifest.json'} was written by an older fundflow (manifest schema 1; "
        f"e-mail needs 2, which carries each exhibit's text): rebuild the report with "
        f"'fundflow build --week 2025-11-07' and send again")
    (entry,) = collect_entries(tmp_path)
    assert (entry.label, entry.week_end.isoformat(), entry.first_view) == (
        "2025-11-07", "2025-11-07", "")


def test_printed_table_matches_the_page_macro() -> None:
    cols = (TableColumn("name", "名称", align="left"),
            TableColumn("ret", "涨跌幅", fmt="pct_signed", colored=True),
            TableColumn("amt", "成交额", fmt="yi"))
    rows = ({"_group": "宽基"}, {"name": "上证指数", "ret": 1.1, "amt": None},
            {"name": "深证成指", "ret": -0.2, "amt": 8.6e11, "_fmt_amt": "num0"},
            {"name": "平", "ret": 0.0, "amt": 1e8})
    env = make_env(None, "zh")
    t = printed_table(cols, rows, env.filters)
    assert [c.text for c in t.columns] == ["名称", "涨跌幅", "成交额"]
    assert t.rows[0] == (Cell(text="宽基"),)
    assert [(c.text, c.tone) for c in t.rows[1]][:2] == [("上证指数", ""), ("+1.10%", "up")]
    assert t.rows[1][2].text == "" and t.rows[2][1].tone == "down"
    assert t.rows[3][1].tone == ""          # zero is neither red nor green
    line = printed_source_line("东方财富", date(2025, 11, 7), labels("zh"))
    assert line == "数据来源：东方财富，截至 2025-11-07"
