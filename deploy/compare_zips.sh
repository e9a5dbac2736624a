#!/usr/bin/env bash
# `deploy/compare_zips.sh REBUILT_DIST RELEASE_DIR`: each zip under REBUILT_DIST/*/ against the
# release's zip of the same name, byte for byte; prints identical (with its SHA-256) or DIFFERENT
# per zip and fails if any differs.
set -uo pipefail
rebuilt=$1
release=$2
different=0
for zip in "$rebuilt"/*/*.zip; do
  name=$(basename "$zip")
  if cmp -s "$zip" "$release/$name"; then
    echo "identical  $(sha256sum "$zip" | cut -c1-64)  $name"
  else
    echo "DIFFERENT  $name"
    different=$((different + 1))
  fi
done
test "$different" -eq 0
