#!/usr/bin/env bash
# rodatagram - BrightSign-style datagram objects for C++
# SPDX-License-Identifier: MIT
#
# tests/interop/install-node-ssdp.sh DIR
#
# Installs the npm peers of the SSDP interop test (node-ssdp) into
# DIR/node_modules with `npm ci`, exactly as tests/interop/package-lock.json
# pins them (versions and integrity hashes), so every run uses the same
# code. A DIR already installed from the same lockfile is left alone. DIR is
# in the build tree (git-ignored). Needs Node.js and npm (Debian packages
# nodejs, npm) and the npm registry.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir=$1
mkdir -p "$dir"
if [[ -d "$dir/node_modules/node-ssdp" ]] && cmp -s "$here/package-lock.json" "$dir/package-lock.json"; then
  echo "install-node-ssdp: $dir is installed from the current lockfile"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-node-ssdp: npm not found (Debian packages nodejs, npm)" >&2
  exit 1
fi
cp "$here/package.json" "$here/package-lock.json" "$dir/"
(cd "$dir" && timeout 240 npm ci --no-audit --no-fund)
grep -q '"version": "4.0.1"' "$dir/node_modules/node-ssdp/package.json"
echo "install-node-ssdp: installed node-ssdp 4.0.1 in $dir (npm ci, package-lock.json)"
