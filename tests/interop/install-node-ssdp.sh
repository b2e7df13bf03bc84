#!/usr/bin/env bash
# rodatagram - BrightSign-style datagram objects for C++
# SPDX-License-Identifier: MIT
#
# tests/interop/install-node-ssdp.sh DIR
#
# Installs the pinned node-ssdp (the npm peer of the SSDP interop test) into
# DIR/node_modules with npm, once: a DIR that already has that version is
# left alone. DIR is in the build tree (git-ignored). Needs Node.js and npm
# (Debian package nodejs) and the npm registry.
set -euo pipefail

readonly version=4.0.1

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$1
installed="$dir/node_modules/node-ssdp/package.json"

if [[ -f "$installed" ]] && grep -q "\"version\": \"$version\"" "$installed"; then
  echo "install-node-ssdp: node-ssdp $version already in $dir"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-node-ssdp: npm not found (Debian package nodejs)" >&2
  exit 1
fi
mkdir -p "$dir"
timeout 240 npm install --prefix "$dir" --no-audit --no-fund "node-ssdp@$version"
grep -q "\"version\": \"$version\"" "$installed"
echo "install-node-ssdp: installed node-ssdp $version in $dir"
