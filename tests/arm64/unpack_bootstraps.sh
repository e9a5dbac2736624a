#!/usr/bin/env bash
# `tests/arm64/unpack_bootstraps.sh ZIP_DIR OUT_DIR FUNCTION…`: OUT_DIR (emptied first) gets each
# function's bootstrap from ZIP_DIR/<function>/bootstrap.zip, executable, for lambda-bench.
set -euo pipefail
zips=$1
out=$2
shift 2
rm -rf "$out"
for function in "$@"; do
  mkdir -p "$out/$function"
  python3 -m zipfile -e "$zips/$function/bootstrap.zip" "$out/$function"
  chmod +x "$out/$function/bootstrap"
done
