"""scripts/compile_bytecode.py, which scripts/bootstrap.sh runs to give .venv its .pyc files:
every module compiled (as Python itself would check it: source mtime and size), the packages'
own test suites left out, a file that does not compile tolerated, and a rerun recompiling
only what changed."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*dirs: Path) -> None:
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "compile_bytecode.py"),
                        *map(str, dirs)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def pyc(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


def loads_from_pyc(source: Path) -> bool:
    """Python's own check of a timestamp pyc against its source accepts it."""
    from importlib._bootstrap_external import _classify_pyc, _validate_timestamp_pyc

    data = pyc(source).read_bytes()
    flags = _classify_pyc(data, str(source), {})
    st = source.stat()
    _validate_timestamp_pyc(data, int(st.st_mtime), st.st_size, str(source), {})
    return flags == 0


def test_modules_are_compiled_and_test_suites_left_out(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    files = {
        "pkg/__init__.py": "X = 1\n",
        "pkg/core/frame.py": "def f():\n    return 2\n" * 50,
        "pkg/testing/asserts.py": "def same(a, b):\n    return a == b\n",   # imported at run time
        "pkg/tests/test_frame.py": "def test_x():\n    assert True\n",
        "pkg/core/test/helpers.py": "Y = 2\n",
        "other/broken.py": "def (:\n",                                    # not Python 3
        "other/ok.py": "Z = 3\n",
    }
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    run(site)
    for name in ("pkg/__init__.py", "pkg/core/frame.py", "pkg/testing/asserts.py", "other/ok.py"):
        assert loads_from_pyc(site / name), name
    for name in ("pkg/tests/test_frame.py", "pkg/core/test/helpers.py", "other/broken.py"):
        assert not pyc(site / name).exists(), name
    # the compiled module is the source's
    sys.path.insert(0, str(site))
    try:
        import other.ok as ok   # type: ignore[import-not-found]
        assert ok.Z == 3 and ok.__cached__ == str(pyc(site / "other/ok.py"))
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("other.ok", None)
        sys.modules.pop("other", None)


def test_a_rerun_compiles_only_what_changed(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    (site / "pkg").mkdir(parents=True)
    same, changed = site / "pkg" / "same.py", site / "pkg" / "changed.py"
    same.write_text("A = 1\n")
    changed.write_text("B = 1\n")
    run(site)
    stamp = {p: pyc(p).stat().st_mtime_ns for p in (same, changed)}
    os.utime(pyc(same), ns=(1, 1))          # a rewrite would set a new mtime
    os.utime(pyc(changed), ns=(1, 1))
    changed.write_text("B = 22\n")          # another size: Python would ignore the old pyc
    run(site)
    assert pyc(same).stat().st_mtime_ns == 1, "an up-to-date pyc was compiled again"
    assert pyc(changed).stat().st_mtime_ns != 1 and loads_from_pyc(changed)
    assert stamp[same] != 1
