#!/usr/bin/env bash
# check-exports.sh LIBRARY
#
# The shared library's binary interface is the ro API and nothing else: no
# symbol of the test-only syscall seam (ro::detail::sys), and every function
# it defines and exports belongs to namespace ro. Fails, naming the symbols,
# otherwise; fails too if it finds no ro API at all (a check that proved
# nothing).
set -euo pipefail
library="$1"
symbols="$(nm -DC --defined-only "$library" | sed -E 's/^[0-9a-f]+ //')"

if ! grep -q '^T ro::DatagramSocket::SendTo(' <<<"$symbols"; then
  echo "check-exports: ro::DatagramSocket::SendTo is not exported by $library" >&2
  exit 1
fi
if seam="$(grep 'ro::detail::sys' <<<"$symbols")"; then
  echo "check-exports: the syscall seam is exported by $library:" >&2
  echo "$seam" >&2
  exit 1
fi
# Strong text symbols (T): the library's own functions. Template code of
# Asio and the standard library shows as W/u (weak, unique) and is not ours.
if foreign="$(awk '$1 == "T"' <<<"$symbols" | cut -c3- | grep -v '^ro::')"; then
  echo "check-exports: $library exports functions outside namespace ro:" >&2
  echo "$foreign" >&2
  exit 1
fi
echo "check-exports: $(awk '$1 == "T"' <<<"$symbols" | wc -l) functions, all in namespace ro;" \
  "no syscall seam"
