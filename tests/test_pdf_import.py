"""WeasyPrint is imported without running ldconfig, gcc or ld (render.pdf.import_weasyprint):
cffi's library lookup used to start ~50 programs in every process that renders a PDF. Each
check runs in a fresh interpreter, where WeasyPrint is not imported yet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the lookup is only bypassed on Linux")

# the shared libraries a process has mapped, by file name (Pango, HarfBuzz, fontconfig, GObject)
_MAPPED = """
import re
def mapped():
    with open('/proc/self/maps') as fh:
        return sorted({p.rsplit('/', 1)[1] for p in re.findall(
            r'/\\S*lib(?:pango|harfbuzz|gobject|fontconfig)\\S*', fh.read())})
"""


def _run(code: str, tmp_path: Path) -> dict[str, object]:
    r = subprocess.run([sys.executable, "-W", "error", "-c", _MAPPED + code],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.splitlines()[-1])


def test_weasyprint_loads_the_same_libraries_without_starting_a_program(tmp_path: Path) -> None:
    ours = _run("""
import ctypes.util, json, sys
started = []
sys.addaudithook(lambda ev, args: started.append(str(args[0])) if ev == 'subprocess.Popen'
                 else None)
real = ctypes.util.find_library
from fundflow.render.pdf import import_weasyprint
wp = import_weasyprint()
from weasyprint.text import ffi
print(json.dumps({
    'started': started, 'restored': ctypes.util.find_library is real,
    'module': wp.__name__, 'mapped': mapped(),
    'loaded': {n: getattr(ffi, n) is not None for n in (
        'gobject', 'pango', 'harfbuzz', 'harfbuzz_subset', 'fontconfig', 'pangoft2')}}))
""", tmp_path)
    plain = _run("""
import json, weasyprint
print(json.dumps({'mapped': mapped()}))
""", tmp_path)
    assert ours["started"] == []          # no ldconfig, gcc or ld
    assert ours["restored"] is True
    assert ours["module"] == "weasyprint"
    assert all(ours["loaded"].values()), ours["loaded"]   # type: ignore[union-attr]
    # the very files WeasyPrint's own lookup finds
    assert ours["mapped"] == plain["mapped"] and len(plain["mapped"]) >= 6, (ours, plain)


def test_find_library_is_put_back_when_the_import_fails(tmp_path: Path) -> None:
    broken = tmp_path / "weasyprint"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise ImportError('no Pango here')\n")
    out = _run("""
import ctypes.util, json, sys
sys.path.insert(0, '.')
real = ctypes.util.find_library
from fundflow.render.pdf import import_weasyprint
try:
    import_weasyprint()
    failed = None
except ImportError as exc:
    failed = str(exc)
print(json.dumps({'failed': failed, 'restored': ctypes.util.find_library is real}))
""", tmp_path)
    assert out == {"failed": "no Pango here", "restored": True}
