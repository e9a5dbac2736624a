#!/usr/bin/env bash
# `tests/bench/copy_bootstraps.sh FROM_DIR TO_DIR FUNCTION…`: copies each function's bootstrap
# (FROM_DIR/<function>/bootstrap) into TO_DIR/<function>/, beside what TO_DIR already holds.
set -euo pipefail
from=$1
to=$2
shift 2
for function in "$@"; do
  mkdir -p "$to/$function"
  cp "$from/$function/bootstrap" "$to/$function/bootstrap"
done
