"""Helpers for tests that look at real outputs with real tools (poppler, headless Chromium).

A missing tool fails the test with a clear message: scripts/bootstrap.sh --test installs them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync",
                 # small /dev/shm in containers crashes Chromium; Debian's launcher script only
                 # adds this itself when its /dev/shm size check works
                 "--disable-dev-shm-usage"]


def require_tool(name: str) -> str:
    """Path of the command ``name``; fails the test if it is not installed."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; run 'bash scripts/bootstrap.sh --test'")
    return path


def _run(args: list[str]) -> str:
    require_tool(args[0])
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120).stdout


def pdftotext(path: Path) -> str:
    """The PDF's text with its layout kept (poppler's pdftotext -layout)."""
    return _run(["pdftotext", "-layout", str(path), "-"])


def pdffonts(path: Path) -> str:
    """poppler's font table of the PDF (name, type, embedded, subset, ...)."""
    return _run(["pdffonts", str(path)])


def pdf_page_count(path: Path) -> int:
    """Number of pages, from pdfinfo."""
    for line in _run(["pdfinfo", str(path)]).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError(f"pdfinfo printed no page count for {path}")


def render_pdf_pages(path: Path, outdir: Path, dpi: int = 50) -> list[Path]:
    """Render every page to ``outdir/page-N.png`` (pdftoppm) and return the files in order."""
    outdir.mkdir(parents=True, exist_ok=True)
    _run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(outdir / "page")])
    return sorted(outdir.glob("page-*.png"), key=lambda f: int(f.stem.rsplit("-", 1)[1]))


def chromium_console_errors(html_path: Path, screenshot: Path | None = None) -> list[str]:
    """Open a local HTML file in headless Chromium (the system browser, driven by Playwright;
    no browser download) and return console errors, page errors and failed requests."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed; run 'bash scripts/bootstrap.sh --test'")
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            page.on("requestfailed",
                    lambda r: errors.append(f"requestfailed: {r.url} ({r.failure})"))
            page.goto(html_path.resolve().as_uri(), wait_until="load", timeout=60_000)
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return errors


def locked_versions(lock: Path) -> dict[str, str]:
    """``{normalised name: version}`` of every ``name==version`` pin in a lock file."""
    import re

    out = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ \\;]+)", line)
        if m:
            out[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return out
