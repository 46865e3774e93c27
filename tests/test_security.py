"""Security (issue 9): markup in data is escaped end to end, WeasyPrint fetches nothing but the
report's own files (no other local file, no network address), YAML cannot construct Python
objects, and no secret reaches the report or the manifest."""

from __future__ import annotations

import http.server
import json
import logging
import shutil
import threading
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from fundflow.build import BuildRequest, build
from fundflow.config import load_config
from fundflow.data.sample import load_sample
from fundflow.data.store import Store
from fundflow.errors import ConfigError
from fundflow.render.pdf import _fetcher, html_to_pdf
from tests import tools

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 11, 8, 2, 0, tzinfo=timezone.utc)
pytestmark = pytest.mark.fault


EVIL = '<img src="file:///etc/passwd"><script>alert(1)</script>{{ 7*7 }}{% raw %}$x'


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *_a: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that counts the requests it gets."""
    hits: list[str] = []
    handler = type("Counter", (_Counter,), {"hits": hits})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", hits
    finally:
        srv.shutdown()
        srv.server_close()


def test_fetcher_allows_only_data_uris_and_files_in_the_report_folder(
        tmp_path: Path, server: tuple[str, list[str]]) -> None:
    url, hits = server
    folder = tmp_path / "report"
    (folder / "charts").mkdir(parents=True)
    (folder / "charts" / "a.png").write_bytes(b"\x89PNG fake")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (folder / "charts" / "link.png").symlink_to(tmp_path / "secret.txt")
    fetch = _fetcher(folder)
    ok = fetch.fetch((folder / "charts" / "a.png").as_uri())
    assert ok is not None
    for bad in ("file:///etc/passwd", (tmp_path / "secret.txt").as_uri(),
                (folder / "charts" / "link.png").as_uri(),             # symlink out of it
                folder.as_uri() + "/../secret.txt",                    # dot-dot out of it
                f"{url}/x.png", "http://127.0.0.1/", "https://example.com/a.css",
                "ftp://127.0.0.1/x"):
        with pytest.raises(ValueError, match="fundflow refuses to fetch"):
            fetch.fetch(bad)
    assert hits == []


def test_pdf_of_hostile_html_fetches_nothing(tmp_path: Path,
                                             server: tuple[str, list[str]]) -> None:
    url, hits = server
    html = (f'<html><head><link rel="stylesheet" href="{url}/style.css">'
            f'<style>@import url("{url}/imp.css"); body {{ background: url("{url}/bg.png") }}'
            f'@font-face {{ font-family: X; src: url("file:///etc/passwd") }}</style></head>'
            f'<body><p>hello</p><img src="file:///etc/passwd"><img src="{url}/a.png">'
            f'<iframe src="file:///etc/shadow"></iframe><object data="{url}/o"></object>'
            f'</body></html>')
    out = tmp_path / "report.pdf"
    pages = html_to_pdf(html, out, base_dir=tmp_path)
    assert pages == 1 and out.read_bytes().startswith(b"%PDF")
    assert hits == []
    assert "root:" not in tools.pdftotext(out)


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small report whose industry names (reference data) carry markup and template syntax,
    built with the SMTP password set in the environment."""
    tmp = tmp_path_factory.mktemp("sec")
    seeds = tmp / "seeds"
    shutil.copytree(ROOT / "seeds", seeds, ignore=shutil.ignore_patterns("sample"))
    sw = pd.read_csv(seeds / "sw_l1.csv", dtype=str)
    sw["name_zh"] = EVIL + sw["name_zh"]
    sw.to_csv(seeds / "sw_l1.csv", index=False)
    with Store(tmp / "store.duckdb") as st:
        load_sample(st, ROOT / "seeds" / "sample", fetched_at=NOW,
                    datasets=["trade_days", "sw_industry_daily"])
    cfg = tmp / "config.yaml"
    cfg.write_text(f"""
data: {{store: {tmp}/store.duckdb, seeds_dir: {seeds}}}
output: {{dir: {tmp}/reports, excel: false, chart_dpi: 72}}
delivery:
  email:
    smtp: {{host: 127.0.0.1, port: 2525, security: starttls}}
    username: analyst
    password_env: FUNDFLOW_TEST_SECRET
    from: reports@example.com
    to: [team@example.com]
sections:
  - section: sw_industries
""", encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("FUNDFLOW_TEST_SECRET", "s3cret-Pa55word")
    # everything the build logs, at every level
    log_file = tmp / "build.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        res = build(load_config(cfg), BuildRequest(week=date(2025, 11, 7), source="store"),
                    now=NOW)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
        mp.undo()
    shutil.copy(log_file, res.folder.parent / "build.log")
    return res.folder


def test_markup_in_data_is_escaped_in_html(hostile_build: Path) -> None:
    html = (hostile_build / "report.html").read_text(encoding="utf-8")
    assert '<img src="file:///etc/passwd">' not in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" \
           "{{ 7*7 }}{% raw %}$x" in html


def test_markup_in_data_is_plain_text_in_the_pdf(hostile_build: Path) -> None:
    text = tools.pdftotext(hostile_build / "report.pdf")
    assert '<script>alert(1)</script>{{ 7*7 }}' in text.replace("\n", "")
    assert "root:x:0:0" not in text


def test_no_secret_in_report_manifest_data_or_logs(hostile_build: Path) -> None:
    log = (hostile_build.parent / "build.log").read_text(encoding="utf-8")
    assert "sw_industries" in log                     # the log did capture the build
    assert "s3cret-Pa55word" not in log
    for f in hostile_build.rglob("*"):
        if f.is_file():
            assert b"s3cret-Pa55word" not in f.read_bytes(), f
    manifest = json.loads((hostile_build / "manifest.json").read_text(encoding="utf-8"))
    assert "FUNDFLOW_TEST_SECRET" not in json.dumps(manifest)


def test_yaml_cannot_construct_python_objects(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for payload in (f'!!python/object/apply:os.system ["touch {marker}"]',
                    "report: !!python/name:os.system\n",
                    f'sections: !!python/object/new:subprocess.Popen [["touch", "{marker}"]]\n'):
        p = tmp_path / "c.yaml"
        p.write_text(payload, encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            load_config(p)
        assert str(info.value).startswith(f"{p}: malformed YAML at line 1, column ")
        assert "could not determine a constructor for the tag" in str(info.value)
        assert not marker.exists()


def test_secret_in_config_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("delivery:\n  email:\n    smtp: {host: localhost}\n    from: a@example.com\n"
                 "    to: [b@example.com]\n    password: hunter2-secret\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(p)
    assert "secrets never go into the config file" in str(info.value)
    assert "hunter2-secret" not in str(info.value)



def test_dollar_signs_in_names_are_text_not_mathtext() -> None:
    """matplotlib reads '$...$' as TeX; a name carrying it must be drawn as it is, not crash
    the chart (charts are drawn outside the section isolation, so a crash fails the build)."""
    from fundflow.charts.bars import signed_bars
    from fundflow.charts.save import render_png
    from fundflow.charts.style import ChartStyle

    style = ChartStyle(dpi=72)
    png = render_png(lambda: signed_bars(["$\\undefinedcmd{$ 银行", "煤炭 $x^2$"], [1.0, -2.0],
                                         style, horizontal=True), style, name="dollar")
    assert png.startswith(b"\x89PNG")


def test_symlink_in_templates_dir_cannot_include_an_outside_file(tmp_path: Path) -> None:
    from fundflow.errors import RenderError
    from fundflow.render.env import check_templates, make_env, render_template

    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:TOP-SECRET\n", encoding="utf-8")
    tpl = tmp_path / "templates"
    tpl.mkdir()
    (tpl / "leak.html").symlink_to(secret)
    (tpl / "page.html.j2").write_text('{% include "leak.html" %}', encoding="utf-8")
    (tpl / "ok.html").write_text("fine", encoding="utf-8")
    (tpl / "inside.html").symlink_to(tpl / "ok.html")          # inside the folder: allowed
    (tpl / "good.html.j2").write_text('{% include "inside.html" %}', encoding="utf-8")
    env = make_env(tpl)
    assert render_template(env, "good.html.j2") == "fine"
    with pytest.raises(RenderError) as info:
        render_template(env, "page.html.j2")
    msg = str(info.value)
    assert "\n" not in msg and "TOP-SECRET" not in msg
    assert f"leak.html: {tpl / 'leak.html'} leads to {secret}, outside the templates folders" \
        in msg
    (tpl / "evil.j2").symlink_to(secret)                       # found by `config check`
    with pytest.raises(RenderError, match="outside the templates folders"):
        check_templates(make_env(tpl))


@pytest.mark.parametrize("body, message", [
    ("{{ range(10**9) }}", "Range too big. The sandbox blocks ranges larger than MAX_RANGE"),
    ("{% for i in range(10**9) %}{{ i }}{% endfor %}", "Range too big"),
    ("x\n{{ 10 ** (10 ** 9) }}", "exponent 1000000000 is too large (at most 64 in templates)"),
    ("{{ 1 / 0 }}", "division by zero"),
])
def test_template_resource_bombs_are_one_line_render_errors(tmp_path: Path, body: str,
                                                            message: str) -> None:
    from fundflow.errors import RenderError
    from fundflow.render.env import make_env, render_template

    (tmp_path / "bomb.html.j2").write_text(body, encoding="utf-8")
    with pytest.raises(RenderError) as info:
        render_template(make_env(tmp_path), "bomb.html.j2")
    msg = str(info.value)
    assert msg.startswith("template ") and "bomb.html.j2, line " in msg and message in msg
    assert "\n" not in msg


def test_control_characters_in_data_names_do_not_fail_the_build(tmp_path: Path) -> None:
    """A stray control character in reference or stored names is dropped before charts and
    HTML (matplotlib has no glyph for it; the whole build used to fail)."""
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds, ignore=shutil.ignore_patterns("sample"))
    sw = pd.read_csv(seeds / "sw_l1.csv", dtype=str)
    sw.loc[0, "name_zh"] = "农林\x07牧渔\x1b[31m"
    sw.to_csv(seeds / "sw_l1.csv", index=False)
    with Store(tmp_path / "store.duckdb") as st:
        load_sample(st, ROOT / "seeds" / "sample", fetched_at=NOW,
                    datasets=["trade_days", "sw_industry_daily"])
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"data: {{store: {tmp_path}/store.duckdb, seeds_dir: {seeds}}}\n"
                   f"output: {{dir: {tmp_path}/reports, excel: false, pdf: false, "
                   f"chart_dpi: 72}}\nsections:\n  - section: sw_industries\n",
                   encoding="utf-8")
    res = build(load_config(cfg), BuildRequest(week=date(2025, 11, 7), source="store"),
                now=NOW)
    assert res.unavailable == {}
    html = (res.folder / "report.html").read_text(encoding="utf-8")
    assert "\x07" not in html and "\x1b" not in html
    assert (res.folder / "charts").is_dir() or "<svg" in html or ".png" in html


def test_clean_text_drops_control_characters() -> None:
    from fundflow.formatting import clean_text

    assert clean_text("a\x00b\x07c\x7f\x85d\u200be") == "abcd\u200be"
    assert clean_text("line\none\ttab\r") == "line one tab"
    assert clean_text("贵州茅台") == "贵州茅台"


def test_emoji_in_titles_are_warned_about(tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    from fundflow.build import plan_sections, warn_undrawable_titles
    from fundflow.charts.style import uncovered_chars
    from fundflow.reference import load_reference

    assert uncovered_chars("资金周报 Weekly ①±", "Noto Sans CJK SC") == ""
    assert uncovered_chars("周报🚀📈🚀", "Noto Sans CJK SC") == "🚀📈"
    p = tmp_path / "c.yaml"
    p.write_text(f"data: {{seeds_dir: {ROOT / 'seeds'}}}\n"
                 "report: {title: {zh: 资金周报🚀, en: Weekly}}\n"
                 "sections:\n  - section: sw_industries\n    title: {zh: 行业📈, en: Industries}\n",
                 encoding="utf-8")
    cfg = load_config(p)
    planned = plan_sections(cfg, "zh", load_reference(ROOT / "seeds"))
    with caplog.at_level(logging.WARNING, logger="fundflow.build"):
        found = warn_undrawable_titles(cfg, planned, "zh")
    assert found == [
        "report.title '资金周报🚀': the font Noto Sans CJK SC has no glyph for 🚀 (U+1F680); "
        "they print as empty boxes",
        "section sw_industries title '行业📈': the font Noto Sans CJK SC has no glyph for 📈 "
        "(U+1F4C8); they print as empty boxes"]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == found
    planned_en = plan_sections(cfg, "en", load_reference(ROOT / "seeds"))
    assert warn_undrawable_titles(cfg, planned_en, "en") == []
