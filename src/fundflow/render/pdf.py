"""HTML -> PDF with WeasyPrint. The only module that imports weasyprint."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from fundflow.errors import RenderError
from fundflow.gcpause import cyclic_gc_paused
from fundflow.progress import kill_point_armed, test_kill_point

log = logging.getLogger(__name__)


def import_weasyprint() -> ModuleType:
    """``weasyprint``, imported without running a compiler.

    On import WeasyPrint loads Pango, HarfBuzz, fontconfig and GObject through cffi, trying
    several names per library ('libpango-1.0-0', 'pango-1.0', ..., 'libpango-1.0.so.0'). For
    each name it cannot load directly, cffi asks ``ctypes.util.find_library``, which on Linux
    runs ``ldconfig -p`` and then gcc and ld to search for it: 16 failed names, ~50 programs
    started and ~0.25 s of CPU in every process that renders a PDF (each build's PDF process).
    Every list ends in the library's soname ('libpango-1.0.so.0'), which the dynamic loader
    finds by itself, the same file ``find_library`` would have named. So on Linux
    ``find_library`` answers None while WeasyPrint loads, and is put back right after."""
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint
        return weasyprint
    import ctypes.util

    real = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint
    finally:
        ctypes.util.find_library = real
    return weasyprint


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
    weasyprint = import_weasyprint()

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        with cyclic_gc_paused():
            doc = weasyprint.HTML(string=html, base_url=str(base_dir),
                                  url_fetcher=_fetcher(base_dir)).render()
            if kill_point_armed("pdf-write"):
                with open(out, "wb") as fh:   # crash tests: die once the first bytes are written
                    doc.write_pdf(_KillAfterFirstWrite(fh), uncompressed_pdf=False)
            else:
                doc.write_pdf(str(out), uncompressed_pdf=False)
    except RenderError:
        raise
    except Exception as exc:  # weasyprint raises many kinds; wrap them all with context
        raise RenderError(f"PDF rendering failed: {exc}") from exc
    return len(doc.pages)


class _KillAfterFirstWrite:
    """A file wrapper for the crash tests: flushes the first write to disk, then kills the
    build and this process (``FUNDFLOW_TEST_KILL_AT=pdf-write``)."""

    def __init__(self, fh: Any) -> None:
        self._fh = fh

    def write(self, data: bytes) -> int:
        n = self._fh.write(data)
        self._fh.flush()
        os.fsync(self._fh.fileno())
        test_kill_point("pdf-write", parent_too=os.environ.get(_CHILD_ENV) == "1")
        return int(n)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


# -- the PDF process --------------------------------------------------------------------------
# A build starts WeasyPrint in a child process at its beginning, so that importing it (~0.8 s)
# overlaps reading and computing, and the layout runs in a fresh interpreter whose garbage
# collector does not walk the build's frames; the build writes its data files meanwhile.
_DISABLED = ("0", "off", "false", "no")
_CHILD_ENV = "FUNDFLOW_PDF_CHILD"   # set in the child: it was started by a build


class PdfProcess:
    """One PDF rendered by ``python -m fundflow.render.pdf`` in a child process.

    ``start()`` returns None when the child cannot be started or ``FUNDFLOW_PDF_PROCESS=off``;
    callers then use ``html_to_pdf`` in their own process. ``close()`` kills a child that is
    still running (a build that fails before its PDF), and the child also dies with its parent.
    """

    def __init__(self, proc: Any, stderr: Any) -> None:
        self._proc = proc
        self._stderr = stderr
        self._submitted = False

    @classmethod
    def start(cls) -> PdfProcess | None:
        import subprocess
        import tempfile

        if os.environ.get("FUNDFLOW_PDF_PROCESS", "").strip().lower() in _DISABLED:
            return None
        pkg_root = str(Path(__file__).resolve().parents[2])   # the folder holding fundflow/
        env = dict(os.environ)
        env[_CHILD_ENV] = "1"
        env["PYTHONPATH"] = os.pathsep.join([pkg_root] + [p for p in env.get(
            "PYTHONPATH", "").split(os.pathsep) if p])
        stderr = tempfile.TemporaryFile()
        try:
            proc = subprocess.Popen([sys.executable, "-m", "fundflow.render.pdf"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=stderr, env=env, close_fds=True)
        except OSError as exc:
            log.warning("PDF process not started (%s); rendering in the build process", exc)
            stderr.close()
            return None
        return cls(proc, stderr)

    def render(self, html_path: Path, out: Path, *, base_dir: Path,
               timeout_s: float | None = None) -> int:
        """Render ``html_path`` to ``out`` in the child; return the page count."""
        self.submit(html_path, out, base_dir=base_dir)
        return self.result(timeout_s=timeout_s)

    def submit(self, html_path: Path, out: Path, *, base_dir: Path) -> None:
        request = json.dumps({"html": str(html_path), "out": str(out),
                              "base_dir": str(base_dir)}) + "\n"
        self._submitted = True
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.write(request.encode("utf-8"))
            self._proc.stdin.flush()   # left open: communicate() in result() closes it
        except (BrokenPipeError, OSError):
            pass   # the child is gone; result() reports why

    def result(self, *, timeout_s: float | None = None) -> int:
        import subprocess

        if not self._submitted:
            raise RuntimeError("result() before submit()")
        try:
            stdout, _ = self._proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.close()
            raise RenderError(f"PDF rendering did not finish within {timeout_s:.0f} s") from None
        lines = [ln for ln in stdout.decode("utf-8", "replace").splitlines() if ln.strip()]
        try:
            reply = json.loads(lines[-1]) if lines else None
        except ValueError:
            reply = None
        if isinstance(reply, dict) and "pages" in reply:
            return int(reply["pages"])
        if isinstance(reply, dict) and "error" in reply:
            raise RenderError(str(reply["error"]))
        raise RenderError(f"the PDF process exited with code {self._proc.returncode} "
                          f"without a result{self._stderr_tail()}")

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()
        self._stderr.close()

    def _stderr_tail(self) -> str:
        try:
            self._stderr.seek(0)
            text = self._stderr.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return f": {text.splitlines()[-1]}" if text else ""


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when the build that started it dies (no orphans)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _serve() -> int:
    """The child: import WeasyPrint, read one request line, render, answer one JSON line."""
    _die_with_parent()
    import_weasyprint()   # before the request arrives, on purpose

    line = sys.stdin.readline()
    if not line.strip():
        return 0   # the build ended (or failed) without asking for a PDF
    req = json.loads(line)
    html_path = Path(req["html"])
    try:
        pages = html_to_pdf(html_path.read_text(encoding="utf-8"), Path(req["out"]),
                            base_dir=Path(req["base_dir"]))
        reply: dict[str, Any] = {"pages": pages}
    except RenderError as exc:
        reply = {"error": str(exc)}
    except OSError as exc:
        reply = {"error": f"PDF rendering failed: {exc}"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_serve())
