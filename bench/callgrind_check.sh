#!/usr/bin/env bash
# rodatagram - BrightSign-style datagram objects for C++
# SPDX-License-Identifier: MIT
#
# bench/callgrind_check.sh --harness BIN --baseline FILE [--valgrind BIN]
#                          [--n 20000] [--tolerance 10] [--update] [--report FILE]
#
# Runs the harness (bench/callgrind_drain.cpp) under callgrind and compares
# the instructions per delivered datagram with the committed baseline line
# for the harness's build key. Fails if the count rose more than
# --tolerance percent; says so (and passes) when it fell by as much, so the
# baseline can be lowered. --update writes the measured value as the new
# baseline for this key. --report writes a markdown section with the count
# and the functions that cost most per datagram.
#
# Exit: 0 pass, 1 fail, 77 skipped (no valgrind, or no baseline for this key).
set -euo pipefail

harness="" baseline="" valgrind="valgrind" n=20000 tolerance=10 update=0 report=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --harness) harness="$2"; shift 2 ;;
    --baseline) baseline="$2"; shift 2 ;;
    --valgrind) valgrind="$2"; shift 2 ;;
    --n) n="$2"; shift 2 ;;
    --tolerance) tolerance="$2"; shift 2 ;;
    --update) update=1; shift ;;
    --report) report="$2"; shift 2 ;;
    *) echo "callgrind_check: unknown argument $1" >&2; exit 2 ;;
  esac
done

if ! command -v "$valgrind" >/dev/null 2>&1; then
  echo "callgrind_check: SKIPPED: valgrind not found (Debian package 'valgrind')"
  exit 77
fi
[[ -x "$harness" ]] || { echo "callgrind_check: harness '$harness' is not executable" >&2; exit 2; }

key="$("$harness" --key)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --dump-line=no: per-function totals are all the check and report need.
"$valgrind" --tool=callgrind --dump-line=no --callgrind-out-file="$work/cg.out" \
  "$harness" "n=$n" >"$work/stdout" 2>"$work/valgrind.log" || {
  echo "callgrind_check: the harness failed under valgrind:" >&2
  cat "$work/stdout" "$work/valgrind.log" >&2
  exit 1
}
dumps=("$work"/cg.out.*)  # the dump the harness asked for (cg.out.1)
dump="${dumps[0]}"
[[ -f "$dump" ]] || { echo "callgrind_check: no callgrind dump written" >&2; exit 1; }
delivered="$(sed -n 's/.*count=\([0-9]*\).*/\1/p' "$work/stdout")"
# "totals:" is the sum of every function's own cost in this dump: it
# repeats to within 0.2 %. ("summary:" also carries cost of the call chains
# still open when the counters were zeroed, which varies by several %.)
total="$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$dump")"
[[ "$delivered" -gt 0 && -n "$total" ]] || { echo "callgrind_check: nothing delivered" >&2; exit 1; }
per=$(( (total + delivered / 2) / delivered ))
echo "callgrind_check: $key: $total instructions / $delivered datagrams = $per per datagram"

if [[ -n "$report" ]]; then
  {
    echo "## Instruction count (callgrind)"
    echo
    echo "\`valgrind --tool=callgrind\` over a fixed drain of $delivered datagrams of 64 bytes"
    echo "(bench/callgrind_drain.cpp: queued in the kernel first, read by the reactor into the"
    echo "MessagePort, then taken with \`ro::Wait\` and the payload summed), both threads"
    echo "counted, build \`$key\`: **$per instructions per delivered datagram**. User space"
    echo "only (the kernel's share of each recvmmsg is not counted), and no thread waits for the"
    echo "other, so the count repeats exactly; wake-ups are not in it."
    echo
    echo "Where they go (exclusive instructions per datagram, top functions):"
    echo
    echo "| instr/datagram | share | function |"
    echo "|---:|---:|---|"
    # Calls already running when the counters were zeroed appear as
    # "calls=0" edges carrying inclusive cost, which callgrind_annotate
    # would book as self cost of the thread entry frames: drop them.
    awk '/^calls=0 /{skip=1; next} skip{skip=0; next} {print}' "$dump" >"$work/fixed"
    # One row per function: inlined code is booked per source file, so
    # add a function's lines up across files.
    callgrind_annotate --auto=no --threshold=100 "$work/fixed" 2>/dev/null |
      awk -v d="$delivered" -v t="$total" '
        /^ *[0-9,]+ +\( *[0-9.]+%\) +[^ ]/ && !/PROGRAM TOTALS/ {
          ir = $1; gsub(",", "", ir);
          fn = $0; sub(/^ *[0-9,]+ +\([^)]*\) +/, "", fn);
          sub(/ \[[^]]*\]$/, "", fn); sub(/^[^:]*:/, "", fn);
          cost[fn] += ir
        }
        END { for (f in cost) printf "%d\t%s\n", cost[f], f }' |
      sort -rn |
      awk -F '\t' -v d="$delivered" -v t="$total" 'NR <= 20 {
          fn = $2; gsub(/\|/, "\\|", fn);
          if (length(fn) > 100) fn = substr(fn, 1, 97) "...";
          printf "| %.1f | %.1f%% | `%s` |\n", $1 / d, 100 * $1 / t, fn
        }'
    echo
  } >"$report"
fi

if [[ "$update" -eq 1 ]]; then
  tmp="$work/baseline"
  { grep -v "^$key " "$baseline" 2>/dev/null || true; echo "$key $per"; } >"$tmp"
  cp "$tmp" "$baseline"
  echo "callgrind_check: baseline for $key set to $per"
  exit 0
fi

base="$(awk -v k="$key" '$1 == k { print $2 }' "$baseline" 2>/dev/null || true)"
if [[ -z "$base" ]]; then
  echo "callgrind_check: SKIPPED: $baseline has no line for '$key';"
  echo "  record one with: bench/callgrind_check.sh --harness $harness --baseline $baseline --update"
  exit 77
fi
limit=$(( base + base * tolerance / 100 ))
floor=$(( base - base * tolerance / 100 ))
if (( per > limit )); then
  echo "callgrind_check: FAIL: $per instructions per datagram > $limit (baseline $base + ${tolerance}%)"
  exit 1
fi
if (( per < floor )); then
  echo "callgrind_check: PASS, and $per is more than ${tolerance}% below the baseline $base:"
  echo "  lower it with --update so that the gain is kept"
fi
echo "callgrind_check: PASS: $per <= $limit (baseline $base + ${tolerance}%)"
