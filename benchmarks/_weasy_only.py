"""Child process of bench_build.py: WeasyPrint alone turns a report.html into a PDF.

Prints one JSON line: seconds to import weasyprint and seconds to lay out and write the PDF.
Uses fundflow.render.pdf.html_to_pdf, the same call (and URL fetcher) the build uses.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

t0 = time.perf_counter()
import weasyprint  # noqa: E402,F401 - timed on purpose

from fundflow.render.pdf import html_to_pdf  # noqa: E402

t1 = time.perf_counter()
html_path, pdf_path = Path(sys.argv[1]), Path(sys.argv[2])
pages = html_to_pdf(html_path.read_text(encoding="utf-8"), pdf_path, base_dir=html_path.parent)
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "layout_write_s": t2 - t1, "pages": pages}))
