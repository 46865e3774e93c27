"""HTML -> PDF with WeasyPrint. The only module that imports weasyprint."""

from __future__ import annotations

import logging
from pathlib import Path

from fundflow.errors import RenderError

log = logging.getLogger(__name__)


def _fetcher(allowed_root: Path):  # type: ignore[no-untyped-def]
    """A WeasyPrint URL fetcher that resolves only data: URIs and files under
    ``allowed_root``; everything else (other files, any network address) is refused."""
    from urllib.parse import unquote, urlparse

    from weasyprint.urls import URLFetcher

    root = allowed_root.resolve()

    class RestrictedFetcher(URLFetcher):  # type: ignore[misc]
        refused: list[str] = []

        def fetch(self, url: str, headers: object = None):  # type: ignore[no-untyped-def]
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                path = Path(unquote(urlparse(url).path)).resolve()
                if path.is_relative_to(root):
                    return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"fundflow refuses to fetch {url!r}")

    return RestrictedFetcher(allowed_protocols=("data", "file"), allow_redirects=False)


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
