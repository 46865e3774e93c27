"""reports/index.html: every week built, newest first, links, first core view, escaping."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from fundflow import cli
from fundflow.archive import collect_entries, write_index

ROOT = Path(__file__).resolve().parents[1]


def fake_report(reports: Path, sessions: list[str], *, views: list[str] | None = None,
                html_views: list[str] | None = None, pdf: bool = True,
                sample: bool = False) -> Path:
    folder = reports / sessions[-1]
    folder.mkdir(parents=True)
    from datetime import date, timedelta

    monday = date.fromisoformat(sessions[0])
    monday -= timedelta(days=monday.weekday())
    manifest = {"week": {"label": sessions[-1], "monday": monday.isoformat(),
                         "friday": (monday + timedelta(days=4)).isoformat(),
                         "sessions": sessions},
                "language": "zh", "sample_data": sample, "built_at": "2025-11-07T10:30:00+00:00",
                "exhibits": [], "pages": 3}
    if views is not None:
        manifest["core_views"] = views
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                          encoding="utf-8")
    items = "".join(f"<li>{v}</li>" for v in (html_views or []))
    (folder / "report.html").write_text(
        f'<html><body><div class="core-views"><h2>核心观点</h2><ul>{items}</ul></div>'
        f"</body></html>", encoding="utf-8")
    if pdf:
        (folder / "report.pdf").write_bytes(b"%PDF-1.7\n")
    return folder


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="week-([0-9-]+)">', html)


def test_index_lists_weeks_newest_first_with_links(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    fake_report(reports, ["2025-10-27", "2025-10-28", "2025-10-29", "2025-10-30", "2025-10-31"],
                views=["本周上证指数上涨0.11%。", "第二条"])
    # Qingming week: ends on a Thursday; an older build whose manifest has no core views (they
    # are only on its page, which fundflow never parses back): listed without a first view
    fake_report(reports, ["2025-03-31", "2025-04-01", "2025-04-02", "2025-04-03"],
                html_views=["清明周：<b>成长</b>占优。"], pdf=False)
    fake_report(reports, ["2025-11-03", "2025-11-04", "2025-11-05", "2025-11-06", "2025-11-07"],
                views=['<script>alert("x")</script> & 红利占优'], sample=True)
    (reports / ".tmp-2025-11-14-abc").mkdir()            # a build in progress
    broken = reports / "2025-09-19"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")

    path = write_index(reports, title="资金行为跟踪周报")
    assert path == reports / "index.html"
    html = path.read_text(encoding="utf-8")
    assert rows(html) == ["2025-11-07", "2025-10-31", "2025-04-03"]
    assert "共 3 期" in html
    assert 'href="2025-11-07/report.html"' in html and 'href="2025-11-07/report.pdf"' in html
    assert 'href="2025-04-03/report.html"' in html
    assert 'href="2025-04-03/report.pdf"' not in html     # that week has no PDF
    assert "2025-03-31 至 2025-04-03" in html
    assert "本周上证指数上涨0.11%。" in html and "第二条" not in html    # first view only
    assert "清明周" not in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; 红利占优" in html
    assert html.count('class="sample"') == 1
    assert not [p for p in reports.iterdir() if p.name.startswith(".index-")]

    entries = collect_entries(reports)
    assert [e.sessions for e in entries] == [5, 5, 4]


def test_empty_archive_and_english(tmp_path: Path) -> None:
    html = write_index(tmp_path / "none", title="Weekly Fund-Flow Tracker",
                       lang="en").read_text(encoding="utf-8")
    assert "No report has been built yet." in html
    assert "Weekly Fund-Flow Tracker · Archive" in html
    assert '<html lang="en">' in html


def test_archive_command_rewrites_index(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    reports = tmp_path / "reports"
    fake_report(reports, ["2025-11-03", "2025-11-04", "2025-11-05", "2025-11-06", "2025-11-07"],
                views=["一"])
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump({"output": {"dir": str(reports)},
                                   "data": {"seeds_dir": str(ROOT / "seeds")}}),
                   encoding="utf-8")
    assert cli.main(["archive", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out.strip() == str(reports / "index.html")
    assert rows((reports / "index.html").read_text(encoding="utf-8")) == ["2025-11-07"]
