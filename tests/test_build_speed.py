"""What makes a rebuild fast (issue 10), tested for correctness, never for timing:

* the compute cache: a rebuild on the same data reuses every section context and the quality
  findings and writes the same report; a changed input, a changed code digest, a damaged or a
  planted file, or FUNDFLOW_COMPUTE_CACHE=off each mean computing again;
* the PDF process: WeasyPrint in a child started early gives the same PDF as in the build
  process, and its failures (an error, a crash, a hang) are RenderErrors that leave nothing
  behind;
* lazy matplotlib: a build whose charts all come from the cache never imports it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml

from fundflow import compute_cache
from fundflow.build import BuildRequest, build
from fundflow.compute_cache import ComputeCache, memo_key
from fundflow.config import load_config
from fundflow.data.store import Store
from fundflow.errors import RenderError
from fundflow.render.pdf import PdfProcess, html_to_pdf
from tests.shared import seeded_sample_store

from .tools import pdf_page_count, pdftotext

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 11, 8, 12, tzinfo=timezone.utc)
WEEK = date(2025, 11, 7)
CACHED = re.compile(r"compute: (\d+) section\(s\) and the quality checks, (\d+) from cache")


pytestmark = pytest.mark.usefixtures("private_build_cache")


def _config(tmp_path: Path, sections: list[str], *, pdf: bool = False) -> Path:
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    cfg["data"] = {"store": str(tmp_path / "s.duckdb"), "sample_store": str(seeded_sample_store(tmp_path / "x.duckdb")),
                   "sample_dir": str(ROOT / "seeds" / "sample"), "seeds_dir": str(ROOT / "seeds")}
    cfg["output"] = {"dir": str(tmp_path / "reports"), "pdf": pdf, "excel": False,
                     "chart_dpi": 72}
    cfg["sections"] = [s for s in cfg["sections"] if s["section"] in sections]
    cfg.pop("alerts", None)  # they name other sections
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def _hits(caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    m = CACHED.findall(caplog.text)
    assert m, caplog.text
    n, hits = m[-1]
    return int(n), int(hits)


def _html_body(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


@pytest.fixture
def two_sections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FUNDFLOW_CACHE_DIR", str(tmp_path / "usercache"))
    monkeypatch.delenv("FUNDFLOW_COMPUTE_CACHE", raising=False)
    return load_config(_config(tmp_path, ["broad_indices", "leverage"]))


# -- the compute cache ------------------------------------------------------------------------
def test_rebuild_reuses_every_context_and_writes_the_same_report(
        two_sections, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    req = BuildRequest(week=WEEK, source="sample")
    with caplog.at_level(logging.INFO, logger="fundflow.build"):
        first = build(two_sections, req, now=NOW)
        html1 = _html_body(first.folder)
        manifest1 = first.manifest
        assert _hits(caplog) == (2, 0)
        caplog.clear()
        second = build(two_sections, req, now=NOW)
        assert _hits(caplog) == (2, 3)   # two sections and the quality findings
    assert _html_body(second.folder) == html1
    for key in ("sections", "facts", "quality", "core_views", "exhibits"):
        assert second.manifest[key] == manifest1[key], key
    files = list((tmp_path / "reports" / ".cache" / "compute").glob("*/*.pkl"))
    assert len(files) == 3


def test_changed_store_cell_recomputes_only_what_reads_it(
        two_sections, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    req = BuildRequest(week=WEEK, source="store")
    seeded_sample_store(tmp_path / "s.duckdb")   # the loaded sample
    with caplog.at_level(logging.INFO, logger="fundflow.build"):
        first = build(two_sections, req, now=NOW)
        text1 = _html_body(first.folder)
        # one margin balance on the report's Friday: leverage reads it, broad_indices does not
        with Store(tmp_path / "s.duckdb") as st:
            con = st.con
            before = con.execute("SELECT sum(fin_balance_cny) FROM margin_market_daily "
                                 "WHERE trade_date = DATE '2025-11-07'").fetchone()[0]
            con.execute("UPDATE margin_market_daily SET fin_balance_cny = fin_balance_cny * 1.05 "
                        "WHERE trade_date = DATE '2025-11-07'")
        caplog.clear()
        second = build(two_sections, req, now=NOW)
        assert _hits(caplog) == (2, 1)   # broad_indices from the cache; leverage and quality not
    assert before and _html_body(second.folder) != text1
    lev1 = next(s for s in first.manifest["sections"] if s["id"] == "leverage")["text"]
    lev2 = next(s for s in second.manifest["sections"] if s["id"] == "leverage")["text"]
    assert lev1 != lev2


def test_switching_a_section_off_keeps_the_other_sections_charts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A chart's cache key is a digest of its drawing closure; the closure keeps the section's
    environment, which must not depend on which other sections (and datasets) the report has."""
    monkeypatch.setenv("FUNDFLOW_CACHE_DIR", str(tmp_path / "usercache"))
    req = BuildRequest(week=WEEK, source="sample")
    charts = re.compile(r"charts: (\d+) \((\d+) from cache, (\d+) drawn")
    with caplog.at_level(logging.INFO, logger="fundflow.build"):
        build(load_config(_config(tmp_path, ["broad_indices", "leverage"])), req, now=NOW)
        total, cached, drawn = map(int, charts.findall(caplog.text)[-1])
        assert cached == 0 and drawn == total > 2
        caplog.clear()
        # leverage off: its datasets (margin_*) leave the report; broad_indices' charts remain
        alone = build(load_config(_config(tmp_path, ["broad_indices"])), req, now=NOW)
        total, cached, drawn = map(int, charts.findall(caplog.text)[-1])
    assert total >= 2 and cached == total and drawn == 0, caplog.text
    assert [s["id"] for s in alone.manifest["sections"]] == ["broad_indices"]


def test_changed_code_digest_recomputes_everything(
        two_sections, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    req = BuildRequest(week=WEEK, source="sample")
    build(two_sections, req, now=NOW)
    monkeypatch.setattr(compute_cache, "code_digest", lambda: b"another version of the code")
    with caplog.at_level(logging.INFO, logger="fundflow.build"):
        build(two_sections, req, now=NOW)
    assert _hits(caplog) == (2, 0)


def test_the_suites_cache_variable_is_the_builds() -> None:
    """tests/conftest.py spells the variable out rather than import fundflow.build."""
    from fundflow.build import CACHE_DIR_ENV
    from tests import conftest

    assert conftest.CACHE_DIR_ENV == CACHE_DIR_ENV


def test_code_digest_covers_every_module() -> None:
    import fundflow

    compute_cache.code_digest.cache_clear()
    first = compute_cache.code_digest()
    pkg = Path(fundflow.__file__).parent
    target = pkg / "metrics" / "margin.py"
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"\n# a comment changes the digest\n")
        compute_cache.code_digest.cache_clear()
        assert compute_cache.code_digest() != first
    finally:
        target.write_bytes(original)
        compute_cache.code_digest.cache_clear()
    assert compute_cache.code_digest() == first


@pytest.mark.parametrize("damage", ["flip_payload", "foreign_pickle", "truncate"])
def test_damaged_or_planted_files_are_never_loaded(
        two_sections, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    import pickle

    req = BuildRequest(week=WEEK, source="sample")
    first = build(two_sections, req, now=NOW)
    html1 = _html_body(first.folder)
    files = sorted((tmp_path / "reports" / ".cache" / "compute").glob("*/*.pkl"))
    assert files
    for f in files:
        data = f.read_bytes()
        if damage == "flip_payload":
            data = data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:]
        elif damage == "foreign_pickle":   # a pickle someone planted, without our signature
            data = data[:6] + b"\0" * 32 + pickle.dumps({"planted": True})
        else:
            data = data[: len(data) // 2]
        f.write_bytes(data)
    with caplog.at_level(logging.INFO):
        second = build(two_sections, req, now=NOW)
    assert _hits(caplog) == (2, 0)
    assert "compute cache: ignoring damaged file" in caplog.text
    assert _html_body(second.folder) == html1


def test_cache_off_writes_no_file(two_sections, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FUNDFLOW_COMPUTE_CACHE", "off")
    build(two_sections, BuildRequest(week=WEEK, source="sample"), now=NOW)
    assert not (tmp_path / "reports" / ".cache" / "compute").exists()


def test_signing_key_is_private_and_another_key_cannot_read(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNDFLOW_CACHE_DIR", str(tmp_path / "u"))
    cache = compute_cache.open_cache(tmp_path / "c")
    assert cache is not None
    key_file = tmp_path / "u" / "compute-cache.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    k = memo_key("x", [1, 2, 3])
    cache.store(k, {"value": 1})
    assert compute_cache.open_cache(tmp_path / "c").load(k) == {"value": 1}
    other = ComputeCache(tmp_path / "c", secret=b"k" * 32)
    assert other.load(k) is None
    # a key file others can read is replaced (and the old entries become misses)
    os.chmod(key_file, 0o644)
    assert compute_cache.open_cache(tmp_path / "c").load(k) is None
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_unpicklable_value_is_not_stored(tmp_path: Path) -> None:
    cache = ComputeCache(tmp_path, secret=b"s" * 32)
    k = memo_key("y", 1)
    cache.store(k, lambda: 1)   # cannot be pickled: computed every time instead
    assert cache.load(k) is None
    assert not list(tmp_path.glob("*/*.pkl"))


def test_key_depends_on_each_input() -> None:
    import pandas as pd

    frame = pd.DataFrame({"a": [1.0, 2.0]})
    base = memo_key("q", frame, date(2025, 11, 7))
    assert base == memo_key("q", frame.copy(), date(2025, 11, 7))
    assert base != memo_key("q", frame.assign(a=[1.0, 2.5]), date(2025, 11, 7))
    assert base != memo_key("q", frame, date(2025, 11, 6))
    assert base != memo_key("r", frame, date(2025, 11, 7))
    assert memo_key("q", object()) is None   # not fingerprintable: never cached
    # pydantic params by type and values
    from fundflow.sections.leverage import LeverageParams

    assert memo_key("q", LeverageParams()) == memo_key("q", LeverageParams())
    assert memo_key("q", LeverageParams()) != memo_key("q", LeverageParams(top_n=3))


# -- the PDF process --------------------------------------------------------------------------
HTML = """<!doctype html><html><head><meta charset="utf-8"><style>
@page { size: A4; margin: 20mm } body { font-family: 'Noto Sans CJK SC' }
.p { break-after: page }</style></head><body>
<div class="p">资金流向周报 page one</div><div>second page</div></body></html>"""


@pytest.mark.pdf_process
def test_pdf_process_gives_the_pdf_of_the_build_process(tmp_path: Path) -> None:
    (tmp_path / "r.html").write_text(HTML, encoding="utf-8")
    proc = PdfProcess.start()
    assert proc is not None
    try:
        pages = proc.render(tmp_path / "r.html", tmp_path / "child.pdf", base_dir=tmp_path,
                            timeout_s=120)
    finally:
        proc.close()
    same = html_to_pdf(HTML, tmp_path / "here.pdf", base_dir=tmp_path)
    assert pages == same == pdf_page_count(tmp_path / "child.pdf") == 2
    assert pdftotext(tmp_path / "child.pdf") == pdftotext(tmp_path / "here.pdf")
    assert "资金流向周报" in pdftotext(tmp_path / "child.pdf")


@pytest.mark.pdf_process
def test_pdf_process_error_is_a_render_error(tmp_path: Path) -> None:
    (tmp_path / "r.html").write_text(HTML, encoding="utf-8")
    proc = PdfProcess.start()
    assert proc is not None
    try:
        with pytest.raises(RenderError, match="PDF rendering failed"):
            proc.render(tmp_path / "r.html", tmp_path / "no-such-dir" / "x.pdf",
                        base_dir=tmp_path, timeout_s=120)
    finally:
        proc.close()


@pytest.mark.pdf_process
def test_pdf_process_that_dies_is_a_render_error(tmp_path: Path) -> None:
    (tmp_path / "r.html").write_text(HTML, encoding="utf-8")
    proc = PdfProcess.start()
    assert proc is not None
    proc._proc.kill()   # noqa: SLF001 - a crash of WeasyPrint's C libraries, simulated
    proc._proc.wait()   # noqa: SLF001
    try:
        with pytest.raises(RenderError, match=r"PDF process exited with code -9"):
            proc.render(tmp_path / "r.html", tmp_path / "x.pdf", base_dir=tmp_path,
                        timeout_s=60)
    finally:
        proc.close()
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.pdf_process
def test_pdf_process_that_hangs_is_killed_after_the_timeout(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # the child blocks for ever reading its HTML from a FIFO nobody writes to: a real hang,
    # whatever the machine's speed (a big document could finish within the timeout)
    os.mkfifo(tmp_path / "r.html")
    proc = PdfProcess.start()
    assert proc is not None
    try:
        with pytest.raises(RenderError, match="did not finish within"):
            proc.render(tmp_path / "r.html", tmp_path / "x.pdf", base_dir=tmp_path,
                        timeout_s=0.5)
        assert proc._proc.poll() is not None   # noqa: SLF001 - killed, not left running
    finally:
        proc.close()


@pytest.mark.pdf_process
def test_failed_build_leaves_no_pdf_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that fails after starting its PDF process kills it (no orphan WeasyPrint)."""
    from fundflow.render import pdf as pdf_mod

    started: list[PdfProcess] = []
    real_start = pdf_mod.PdfProcess.start.__func__  # type: ignore[attr-defined]

    def spy(cls):  # type: ignore[no-untyped-def]
        p = real_start(cls)
        started.append(p)
        return p

    monkeypatch.setattr(pdf_mod.PdfProcess, "start", classmethod(spy))
    monkeypatch.setenv("FUNDFLOW_CACHE_DIR", str(tmp_path / "usercache"))
    cfg = load_config(_config(tmp_path, ["broad_indices"], pdf=True))
    with pytest.raises(Exception):
        build(cfg, BuildRequest(week=date(2031, 1, 10), source="sample"), now=NOW)
    assert len(started) == 1 and started[0] is not None
    assert started[0]._proc.poll() is not None   # noqa: SLF001


def test_pdf_process_off_renders_in_the_build_process(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNDFLOW_PDF_PROCESS", "off")
    assert PdfProcess.start() is None
    monkeypatch.setenv("FUNDFLOW_CACHE_DIR", str(tmp_path / "usercache"))
    cfg = load_config(_config(tmp_path, ["broad_indices"], pdf=True))
    res = build(cfg, BuildRequest(week=WEEK, source="sample"), now=NOW)
    assert res.pdf is not None and pdf_page_count(res.pdf) == res.pages > 0


# -- lazy matplotlib --------------------------------------------------------------------------
def test_cached_rebuild_does_not_import_matplotlib(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The first build draws its charts (here, in the test's process, which has matplotlib
    anyway); the same build again in a fresh interpreter takes every chart from the cache and
    never imports matplotlib's drawing code."""
    cfg = _config(tmp_path, ["broad_indices", "leverage"])
    monkeypatch.setenv("FUNDFLOW_CACHE_DIR", str(tmp_path / "u"))
    with caplog.at_level(logging.INFO, logger="fundflow.build"):
        build(load_config(cfg), BuildRequest(week=WEEK, source="sample"), now=NOW)
    drawn = re.findall(r"charts: (\d+) \((\d+) from cache, (\d+) drawn", caplog.text)
    assert drawn and drawn[-1][1] == "0" and drawn[-1][0] == drawn[-1][2] != "0", caplog.text
    script = (
        "import sys, json\n"
        "from datetime import date, datetime, timezone\n"
        "from fundflow.build import BuildRequest, build\n"
        "from fundflow.config import load_config\n"
        f"cfg = load_config({str(cfg)!r})\n"
        f"build(cfg, BuildRequest(week=date.fromisoformat({WEEK.isoformat()!r}), "
        f"source='sample'), now=datetime.fromisoformat({NOW.isoformat()!r}))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib')))\n")
    out = subprocess.run([sys.executable, "-c", script], env=dict(os.environ),
                         capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    second = json.loads(out.strip().splitlines()[-1])
    # every chart from the cache: only the font lookup (matplotlib.font_manager) remains
    assert "matplotlib.figure" not in second and "matplotlib.axes" not in second, second
