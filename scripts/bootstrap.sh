#!/usr/bin/env bash
# Set up everything fundflow needs on a fresh Debian machine (run as root), idempotently:
#   system packages (Chinese font, WeasyPrint's Pango/HarfBuzz, poppler; Chromium with --test)
#   and a virtual environment in .venv with fundflow installed (with test extras for --test).
# apt is skipped entirely when every package is already installed, so reruns take seconds.
# Usage: bash scripts/bootstrap.sh [--test]     (from any directory)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_test=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "bootstrap: unknown option $arg (use --test)" >&2; exit 2 ;;
  esac
done

# -- system packages ------------------------------------------------------------------------------
pkgs=(fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0
      poppler-utils)
[ "$with_test" = 1 ] && pkgs+=(chromium)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing system packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "bootstrap: need root to apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-o Acquire::Retries=3 -o Dpkg::Use-Pty=0)
  apt-get "${apt_opts[@]}" update -qq
  apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "bootstrap: system packages present"
fi
if [ "$with_test" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "bootstrap: /usr/bin/chromium missing after installing the chromium package" >&2
  exit 1
fi

# -- virtual environment, exactly the locked set --------------------------------------------------
# requirements/runtime.lock (or test.lock with --test) pins every package with its hashes; uv
# installs it (and removes anything else), then fundflow itself goes in editable without deps.
# The lock is made by scripts/lock.sh; README "Dependencies" says why and how to upgrade it.
if ! .venv/bin/python -c "" >/dev/null 2>&1; then
  # missing, or left broken (e.g. the Python it was made from is gone): make it anew
  # without pip: ensurepip copies pip's ~1,000 files into the venv (3 s); uv installs from
  # here on, and the locks carry pip itself for whoever wants it
  echo "bootstrap: creating .venv ($(python3 --version 2>&1))"
  python3 -m venv --clear --without-pip .venv
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 UV_NO_PROGRESS=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
quiet() {  # show a command's output only when it fails
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "bootstrap: $* failed" >&2
    exit 1
  fi
}
lock=requirements/runtime.lock
[ "$with_test" = 1 ] && lock=requirements/test.lock
if ! .venv/bin/uv --version 2>/dev/null | grep -q "^uv $(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements/bootstrap.lock)"; then
  echo "bootstrap: installing uv (requirements/bootstrap.lock)"
  # pip runs from the wheel Python ships for ensurepip (pip supports running from its wheel)
  # or, where there is none (Debian keeps it elsewhere), is put into the venv by ensurepip
  pip=(.venv/bin/python -m pip)
  if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
    wheel=$(.venv/bin/python -c 'import ensurepip, pathlib
print(next(iter(sorted(pathlib.Path(ensurepip.__file__).parent.glob("_bundled/pip-*.whl"))), ""))' \
            2>/dev/null || true)
    if [ -n "$wheel" ]; then
      pip=(.venv/bin/python "$wheel/pip")
    else
      quiet .venv/bin/python -m ensurepip --default-pip
    fi
  fi
  quiet "${pip[@]}" install -q --require-hashes --no-deps -r requirements/bootstrap.lock
fi
echo "bootstrap: installing $lock into .venv"
# .pyc files: uv installs none, and where PYTHONDONTWRITEBYTECODE is set (as on this project's
# machines) Python never writes them either, so every process (each CLI run, test worker, PDF or
# chart process) compiled pandas, matplotlib and WeasyPrint from source again: ~3.5 s of the
# ~5.5 s it took to import them. scripts/compile_bytecode.py compiles site-packages on every
# core, without the packages' own test suites (uv's --compile-bytecode compiled those too: a
# quarter of the files, a third of the time). fundflow's own modules (an editable install) are
# compiled into src/ for the same reason; an edited module's stale .pyc is ignored by Python
# (source mtime), so this never runs old code.
quiet .venv/bin/uv pip sync --python .venv/bin/python --require-hashes "$lock"
quiet .venv/bin/uv pip install --python .venv/bin/python --no-deps --no-build-isolation -e .
quiet .venv/bin/python scripts/compile_bytecode.py
quiet .venv/bin/python -m compileall -q src

# WeasyPrint as fundflow imports it (render.pdf.import_weasyprint: no ldconfig/gcc/ld lookups)
check="import fundflow, matplotlib, duckdb, exchange_calendars
from fundflow.render.pdf import import_weasyprint; import_weasyprint()"
[ "$with_test" = 1 ] && check="$check; import pytest, xdist, playwright.sync_api"
.venv/bin/python -c "$check" || { echo "bootstrap: installation check failed" >&2; exit 1; }
echo "bootstrap: ready (.venv/bin/fundflow)"
