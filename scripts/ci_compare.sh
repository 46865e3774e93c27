#!/usr/bin/env bash
# Time `CI=true bash .ci/run` for each given commit, in that order, each in a fresh clone of this
# repository (README "Development" compares commits this way, alternating before and after):
#   bash scripts/ci_compare.sh 81efbbb main 81efbbb main
# Prints one line per run: commit, exit code, wall seconds, pytest's closing line, time of day.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ "$#" -gt 0 ] || { sed -n '2,5p' "$0"; exit 2; }
for rev in "$@"; do
  dir=$(mktemp -d /tmp/ci-compare-XXXXXX)
  log=$(mktemp /tmp/ci-compare-log-XXXXXX)
  git clone -q "$repo" "$dir/repo" && git -C "$dir/repo" checkout -q "$rev" || exit 1
  start=$(date +%s.%N)
  (cd "$dir/repo" && CI=true bash .ci/run >"$log" 2>&1)
  rc=$?
  end=$(date +%s.%N)
  printf '%s rc=%s wall=%ss %s %s\n' "$rev" "$rc" "$(python3 -c "print(round($end - $start, 1))")" \
    "$(grep -E '(passed|failed)' "$log" | tail -1)" "$(date +%H:%M)"
  rm -rf "$dir" "$log"
done
