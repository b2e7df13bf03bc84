#!/usr/bin/env bash
# check-no-floating-point.sh SRC_DIR
#
# The library formats no floating-point value: with fmt compiled in
# (RODATAGRAM_FMT_HEADER_ONLY) it is built with FMT_USE_FLOAT, FMT_USE_DOUBLE
# and FMT_USE_LONG_DOUBLE set to 0, which drops fmt's float code (~100 KB of
# text, resident in every process) but would print nothing for such a value.
# So no source of the library may use one. Fails, naming the lines,
# otherwise; fails too if it finds no sources (a check that proved nothing).
set -euo pipefail
src="$1"
shopt -s nullglob
files=("$src"/*.cpp "$src"/*.hpp)
if (( ${#files[@]} < 10 )); then
  echo "check-no-floating-point: only ${#files[@]} sources in $src" >&2
  exit 1
fi
# Whole words outside // comments.
if found="$(sed 's|//.*||' "${files[@]}" | grep -nwE 'float|double' || true)" && [[ -n "$found" ]]; then
  echo "check-no-floating-point: the library uses floating point (fmt prints nothing for it):" >&2
  grep -nwE 'float|double' "${files[@]}" | grep -v '^[^:]*:[0-9]*: *//' >&2
  exit 1
fi
echo "check-no-floating-point: ${#files[@]} sources, no float or double"
