#!/usr/bin/env bash
# Test of examples/echo_server, driven the way a harness would: starts the
# server on a free port, asks it twice with `rodatagram-cat request` (text,
# then hex), and checks the echoes and the server's exit after --count 2.
#
#   example-echo-server.sh ECHO_SERVER RODATAGRAM_CAT
#
# In a cross build RODATAGRAM_TEST_EMULATOR names the emulator (qemu-user)
# that runs both programs.
#
# Loopback only; every step is bounded in time.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 ECHO_SERVER RODATAGRAM_CAT" >&2
  exit 2
fi
server=$1 cat=$2
# shellcheck disable=SC2206  # the emulator command line is split on purpose
emulator=(${RODATAGRAM_TEST_EMULATOR:-})

work=$(mktemp -d)
pid=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

timeout 30 "${emulator[@]}" "$server" 0 --count 2 >"$work/out" 2>&1 &
pid=$!

port=
for _ in $(seq 100); do
  port=$(sed -n 's/^echo_server: listening on UDP port \([0-9][0-9]*\)$/\1/p' "$work/out")
  [[ -n "$port" ]] && break
  sleep 0.05
done
if [[ -z "$port" ]]; then
  echo "FAILED: echo_server did not report its port; it printed:" >&2
  cat "$work/out" >&2
  exit 1
fi
echo "echo_server listens on $port"

status=0
check() {
  local what=$1 expected=$2 actual=$3
  if [[ "$actual" == "$expected" ]]; then
    echo "ok: $what"
  else
    echo "FAILED: $what: expected '$expected', got '$actual'" >&2
    status=1
  fi
}

check "text echo" "127.0.0.1:$port hello, echo" \
  "$("${emulator[@]}" "$cat" request 127.0.0.1 "$port" "hello, echo" --timeout 5000 || true)"
check "binary echo" "127.0.0.1:$port 00FF0A" \
  "$("${emulator[@]}" "$cat" request 127.0.0.1 "$port" --hex 00ff0a --timeout 5000 || true)"

if wait "$pid"; then
  echo "ok: echo_server exited 0 after --count 2"
else
  echo "FAILED: echo_server exited $?" >&2
  status=1
fi
pid=
echo "--- echo_server printed:"
cat "$work/out"
exit "$status"
