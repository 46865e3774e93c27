"""``reports/index.html``: every week built, newest first, with links to its HTML and PDF and
the first core view. Rewritten from the report folders' manifests after each build (the page
holds no state of its own), written to a temporary file and renamed into place."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, StrictUndefined

from fundflow.config import Config
from fundflow.delivery.compose import built_reports, load_report
from fundflow.errors import DeliveryError, ManifestError, RenderError

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
INDEX_NAME = "index.html"

_LABELS = {
    "zh": {"html_lang": "zh-CN", "title": "{title} · 历史报告", "week": "报告周期",
           "sessions": "交易日", "view": "核心观点（首条）", "files": "文件", "built": "生成时间",
           "sample": "样本数据", "none": "暂无已生成的报告。", "count": "共 {n} 期，按报告周期倒序排列。",
           "to": "至"},
    "en": {"html_lang": "en", "title": "{title} · Archive", "week": "Report week",
           "sessions": "Sessions", "view": "Core view (first)", "files": "Files",
           "built": "Built", "sample": "sample data", "none": "No report has been built yet.",
           "count": "{n} issue(s), newest first.", "to": "to"},
}


@dataclass(frozen=True)
class ArchiveEntry:
    label: str                 # folder name = the week's last session
    week_start: date
    week_end: date
    sessions: int
    first_view: str
    html: str | None           # links relative to reports/
    pdf: str | None
    built: str
    sample: bool


def collect_entries(reports_dir: Path) -> list[ArchiveEntry]:
    """One entry per report folder with a readable manifest, newest week first."""
    entries = []
    for folder in built_reports(reports_dir):
        try:
            b = load_report(folder, for_email=False)
        except (DeliveryError, ManifestError) as exc:
            log.warning("archive: skipping %s: %s", folder, exc)
            continue
        built = b.manifest.built_at
        try:
            built = datetime.fromisoformat(built).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            pass
        entries.append(ArchiveEntry(
            label=folder.name, week_start=b.week_start, week_end=b.week_end,
            sessions=len(b.sessions), first_view=b.core_views[0] if b.core_views else "",
            html=f"{folder.name}/report.html" if (folder / "report.html").exists() else None,
            pdf=f"{folder.name}/report.pdf" if b.pdf is not None else None,
            built=built, sample=b.sample_data))
    entries.sort(key=lambda e: (e.week_end, e.label), reverse=True)
    return entries


def render_index(entries: list[ArchiveEntry], *, title: str, lang: str = "zh",
                 accent: str = "#1f4e79") -> str:
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    L = _LABELS.get(lang, _LABELS["zh"])
    return env.from_string(_TEMPLATE).render(entries=entries, t=L, accent=accent,
                                             page_title=L["title"].format(title=title))


def write_index(reports_dir: Path, *, title: str, lang: str = "zh",
                accent: str = "#1f4e79") -> Path:
    """Rewrite ``reports_dir/index.html``; returns its path."""
    reports_dir = Path(reports_dir)
    html = render_index(collect_entries(reports_dir), title=title, lang=lang, accent=accent)
    target = reports_dir / INDEX_NAME
    try:
        reports_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".index-", suffix=".html", dir=reports_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        raise RenderError(f"cannot write the archive page {target}: {exc.strerror}") from exc
    log.info("archive: %s", target)
    return target


def write_index_for(cfg: Config, reports_dir: Path | None = None) -> Path:
    """``write_index`` with title, language and colour from a Config."""
    out = reports_dir or cfg.resolve(cfg.output.dir)
    return write_index(out, title=cfg.report.title.get(cfg.language), lang=cfg.language,
                       accent=cfg.style.accent_color)


_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ t.html_lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ page_title }}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 0; background: #f4f5f7; color: #222; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 16px 40px; }
h1 { font-size: 22px; color: {{ accent }}; margin: 0 0 4px; }
p.count { color: #666; font-size: 13px; margin: 0 0 16px; }
table { width: 100%; border-collapse: collapse; background: #fff; font-size: 14px; }
th { text-align: left; background: #e8eef5; border-bottom: 2px solid {{ accent }};
     padding: 8px 10px; white-space: nowrap; }
td { border-bottom: 1px solid #e3e6ea; padding: 8px 10px; vertical-align: top; }
td.week, td.files, td.built, td.num { white-space: nowrap; }
td.num { text-align: right; }
td.built { color: #666; font-size: 12px; }
a { color: {{ accent }}; }
td.files a { margin-right: 10px; }
span.sample { display: inline-block; margin-left: 6px; padding: 0 5px; font-size: 11px;
              color: #8a4b00; background: #fff4e5; border: 1px solid #f0c080; border-radius: 3px; }
</style>
</head>
<body>
<main>
<h1>{{ page_title }}</h1>
{% if entries %}
<p class="count">{{ t.count.format(n=entries|length) }}</p>
<table>
<thead><tr><th>{{ t.week }}</th><th>{{ t.sessions }}</th><th>{{ t.view }}</th><th>{{ t.files }}</th><th>{{ t.built }}</th></tr></thead>
<tbody>
{% for e in entries %}
<tr id="week-{{ e.label }}">
<td class="week">{{ e.week_start.isoformat() }} {{ t.to }} {{ e.week_end.isoformat() }}{% if e.sample %}<span class="sample">{{ t.sample }}</span>{% endif %}</td>
<td class="num">{{ e.sessions }}</td>
<td class="view">{{ e.first_view }}</td>
<td class="files">{% if e.html %}<a href="{{ e.html }}">HTML</a>{% endif %}{% if e.pdf %}<a href="{{ e.pdf }}">PDF</a>{% endif %}</td>
<td class="built">{{ e.built }}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p class="count">{{ t.none }}</p>
{% endif %}
</main>
</body>
</html>
"""
