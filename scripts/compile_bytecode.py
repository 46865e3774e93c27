"""Compile the .pyc files of the running interpreter's site-packages (run with .venv/bin/python
by scripts/bootstrap.sh), leaving out the packages' own test suites, on every core.

Why: uv installs no .pyc files, and PYTHONDONTWRITEBYTECODE is set on this project's machines,
so without them every process (each CLI run, test worker, PDF or chart process) compiles pandas,
matplotlib and WeasyPrint from source again. uv's --compile-bytecode compiles all 6,100 files,
of which 1,500 are the test suites of pandas, numpy and matplotlib (a third of the compile time)
that nothing imports. Files whose .pyc is up to date (same source mtime and size, as Python
checks them) are skipped, so a rerun takes a fraction of a second.

Usage: python scripts/compile_bytecode.py [DIR ...]   (default: site-packages)
"""

from __future__ import annotations

import importlib.util
import os
import py_compile
import re
import sys
import sysconfig

# a directory named tests or test anywhere below site-packages: pandas/tests, numpy/*/tests,
# matplotlib/tests and the like ("testing" is kept: numpy.testing and matplotlib.testing are
# modules other packages' code may import)
SKIP_DIR = re.compile(r"^tests?$")


def _sources(roots: list[str]) -> list[str]:
    found: list[tuple[int, str]] = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not SKIP_DIR.match(d) and d != "__pycache__"]
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    found.append((os.path.getsize(path), path))
    found.sort(reverse=True)          # largest first, dealt out in turn: even shares per core
    return [p for _, p in found]


def _up_to_date(source: str) -> bool:
    """The .pyc exists and matches the source's mtime and size (timestamp-checked pyc)."""
    try:
        st = os.stat(source)
        with open(importlib.util.cache_from_source(source), "rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    expect = (importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little")
              + (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
              + (st.st_size & 0xFFFFFFFF).to_bytes(4, "little"))
    return head == expect


def _compile(files: list[str]) -> int:
    failed = 0
    for path in files:
        if _up_to_date(path):
            continue
        try:
            py_compile.compile(path, doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
        except py_compile.PyCompileError:
            failed += 1        # a file Python cannot compile (e.g. a template): left as source
        except OSError:
            failed += 1
    return failed


def main(argv: list[str]) -> int:
    roots = argv or sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    files = _sources(roots)
    workers = max(1, min(os.cpu_count() or 1, 8))
    if workers == 1 or not hasattr(os, "fork"):
        _compile(files)
        return 0
    children = []
    for i in range(workers):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _compile(files[i::workers])
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    status = 0
    for pid in children:
        _, code = os.waitpid(pid, 0)
        status = status or code
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
