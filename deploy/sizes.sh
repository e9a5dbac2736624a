#!/usr/bin/env bash
# Every artifact's size: `deploy/sizes.sh DIR FUNCTION…` checks DIR/<function>/bootstrap.zip for
# each function and fails if any is missing or over 4 MB.
set -uo pipefail
dir=$1
shift
status=0
for function in "$@"; do
  zip=$dir/$function/bootstrap.zip
  if ! size=$(stat -c %s "$zip" 2>/dev/null); then
    echo "$zip: missing"
    status=1
    continue
  fi
  if [ "$size" -le 4000000 ]; then verdict='(<= 4 MB)'; else verdict='(OVER 4 MB)'; status=1; fi
  printf '%-24s %9d bytes %s\n' "$function" "$size" "$verdict"
done
exit $status
