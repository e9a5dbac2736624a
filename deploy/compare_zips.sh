#!/usr/bin/env bash
# `deploy/compare_zips.sh REBUILT_DIST RELEASE_DIR`: each zip under REBUILT_DIST/*/ against the
# release's zip of the same name, byte for byte; prints identical (with its SHA-256) or DIFFERENT
# (with both) per zip and fails if any differs or if nothing was rebuilt at all.
set -uo pipefail
rebuilt=$1
release=$2
compared=0
different=0
sha() { sha256sum < "$1" | cut -c1-64; }
for zip in "$rebuilt"/*/*.zip; do
  test -f "$zip" || continue
  name=$(basename "$zip")
  compared=$((compared + 1))
  if cmp -s "$zip" "$release/$name"; then
    echo "identical  $(sha "$zip")  $name"
  else
    shipped=missing
    test -f "$release/$name" && shipped=$(sha "$release/$name")
    echo "DIFFERENT  $name: rebuilt $(sha "$zip"), release $shipped"
    different=$((different + 1))
  fi
done
echo "$compared rebuilt, $different different"
test "$compared" -gt 0 && test "$different" -eq 0
