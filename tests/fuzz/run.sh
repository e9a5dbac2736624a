#!/usr/bin/env bash
# Runs each named fuzz target for FUZZ_SECONDS (default 60): `tests/fuzz/run.sh define create …`.
# The seed corpus is generated here from tests/fixtures/ (each fixture of the target's trigger, as
# a raw-JSON input: a 0x00 mode byte, then the file), beside the hand-made seeds kept in
# fuzz/corpus-seeds/<target>/ (inputs that are not fixtures). Each run's whole output goes to
# build/fuzz/<target>.log; the summary lines are shown, and a crash, a failed build or any other
# non-zero exit prints the log's tail and fails the script. cargo-fuzz is looked up on PATH.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
mkdir -p build/fuzz

# The fixture file prefix of each fuzz target's trigger.
prefix() {
  case "$1" in
    custom_message) echo custom-message ;;
    *) echo "$1" ;;
  esac
}

for target in "$@"; do
  seeds=build/fuzz/seeds/$target
  rm -rf "$seeds" && mkdir -p "$seeds" fuzz/corpus/"$target"
  found=0
  for fixture in tests/fixtures/"$(prefix "$target")"-*.json; do
    [ -e "$fixture" ] || continue
    { printf '\0'; cat "$fixture"; } > "$seeds/$(basename "$fixture")"
    found=$((found + 1))
  done
  if [ "$found" -eq 0 ]; then
    echo "$target: no fixture in tests/fixtures/ to seed it" >&2
    exit 1
  fi
  log=build/fuzz/$target.log
  (cd fuzz && cargo fuzz run -s none "$target" corpus/"$target" ../"$seeds" corpus-seeds/"$target" -- \
    -max_total_time="$seconds" -print_final_stats=1) > "$log" 2>&1
  rc=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done|==|SUMMARY)' "$log" | sed "s/^/$target: /"
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$log"
    echo "$target: FAILED (exit $rc), full output in $log"
    exit 1
  fi
done
