#!/usr/bin/env bash
# `deploy/check_release_artifacts.sh RELEASE_DIR OUT_DIR ARCH…`: unpacks the release's zips for
# each architecture into OUT_DIR/<arch> and runs deploy/check_artifacts.py on them; the first
# failure fails the script.
set -euo pipefail
release=$1
out=$2
shift 2
for arch in "$@"; do
  python3 deploy/release.py unpack "$release" --arch "$arch" --out "$out/$arch" >/dev/null
  python3 deploy/check_artifacts.py --arch "$arch" "$out/$arch"
done
