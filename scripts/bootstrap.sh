#!/usr/bin/env bash
# Set up everything fundflow needs on a fresh Debian machine (run as root), idempotently:
#   system packages (Chinese font, WeasyPrint's Pango/HarfBuzz, poppler; Chromium with --test)
#   and a virtual environment in .venv with fundflow installed (with test extras for --test).
# Usage: bash scripts/bootstrap.sh [--test]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_test=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    *) echo "bootstrap: unknown option $arg (use --test)" >&2; exit 2 ;;
  esac
done

pkgs=(fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 poppler-utils)
if [ "$with_test" = 1 ]; then
  pkgs+=(chromium)
fi

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
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "bootstrap: system packages present"
fi

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  python3 -m venv .venv
fi
log=$(mktemp)
pip_quiet() {  # show pip's output only when it fails
  if ! .venv/bin/python -m pip install -q "$@" >"$log" 2>&1; then
    grep -v "^WARNING: Location" "$log" >&2
    echo "bootstrap: pip install $* failed" >&2
    exit 1
  fi
}
pip_quiet --upgrade pip
target="."
[ "$with_test" = 1 ] && target=".[test]"
echo "bootstrap: installing fundflow ($target) into .venv"
pip_quiet -e "$target"
rm -f "$log"
.venv/bin/python -c "import fundflow, weasyprint, matplotlib, duckdb" \
  || { echo "bootstrap: installation check failed" >&2; exit 1; }
echo "bootstrap: ready (.venv/bin/fundflow)"
