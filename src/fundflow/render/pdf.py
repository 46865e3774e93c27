"""HTML -> PDF with WeasyPrint. The only module that imports weasyprint."""

from __future__ import annotations

import logging
from pathlib import Path

from fundflow.errors import RenderError

log = logging.getLogger(__name__)


def _fetcher(allowed_root: Path):  # type: ignore[no-untyped-def]
    """Resolve only data: URIs and files under the template folder; refuse everything else."""
    from weasyprint import default_url_fetcher

    root = allowed_root.resolve()

    def fetch(url: str, timeout: int = 10, ssl_context: object = None):  # type: ignore[no-untyped-def]
        if url.startswith("data:"):
            return default_url_fetcher(url)
        if url.startswith("file://"):
            path = Path(url.removeprefix("file://")).resolve()
            if path.is_relative_to(root):
                return default_url_fetcher(url)
        raise RenderError(f"PDF renderer refused to fetch {url!r}")

    return fetch


def html_to_pdf(html: str, out: Path, *, base_dir: Path) -> int:
    """Write ``html`` as a PDF to ``out``; return its page count."""
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        doc = weasyprint.HTML(string=html, base_url=str(base_dir),
                              url_fetcher=_fetcher(base_dir)).render()
        doc.write_pdf(str(out), uncompressed_pdf=False)
    except RenderError:
        raise
    except Exception as exc:  # weasyprint raises many kinds; wrap them all with context
        raise RenderError(f"PDF rendering failed: {exc}") from exc
    return len(doc.pages)
