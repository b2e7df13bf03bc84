#!/usr/bin/env bash
# Package test: installs the .deb files of scripts/package into a fresh
# prefix without dpkg's database (dpkg -x, no root, no container), then
# builds the consumers against that tree and runs them:
#   - tests/find-package-test with find_package(rodatagram) (C++17 and C++20)
#   - the same main.cpp with a plain g++ $(pkg-config ...) (tests/pkg-config-test)
#   - rodatagram-cat --version from the tools package
# and checks the package names, dependencies and file lists.
#
#   package-test.sh DEB_DIR
#
# The consumers talk to 127.0.0.1 only.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DEB_DIR" >&2
  exit 2
fi
debs_dir="$(cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"

status=0
fail() {
  echo "FAILED: $*" >&2
  status=1
}

# --- the packages and what they hold -----------------------------------------
runtime=("$debs_dir"/librodatagram[0-9]*_*.deb)
dev=("$debs_dir"/librodatagram-dev_*.deb)
tools=("$debs_dir"/rodatagram-tools_*.deb)
for deb in "${runtime[0]}" "${dev[0]}" "${tools[0]}"; do
  [[ -f "$deb" ]] || { echo "FAILED: missing package in $debs_dir: $deb" >&2; exit 1; }
done

runtime_name="$(dpkg-deb --field "${runtime[0]}" Package)"
version="$(dpkg-deb --field "${runtime[0]}" Version)"
echo "runtime package: $runtime_name $version"
for deb in "${dev[0]}" "${tools[0]}"; do
  depends="$(dpkg-deb --field "$deb" Depends)"
  [[ "$depends" == *"$runtime_name (= $version)"* ]] ||
    fail "$(basename "$deb") does not depend on $runtime_name (= $version): $depends"
done
[[ "$(dpkg-deb --field "${runtime[0]}" Depends)" == *libfmt* ]] ||
  fail "$runtime_name does not depend on libfmt (dpkg-shlibdeps)"

for deb in "$debs_dir"/*.deb; do
  echo "unpacking $(basename "$deb")"
  dpkg -x "$deb" "$root"
done

multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)"
libdir="lib/$multiarch"
prefix="$root/usr"

expect_in() {
  local deb=$1 path=$2
  dpkg-deb --contents "$deb" | awk '{print $6}' | grep -qx "./usr/$path" ||
    fail "$(basename "$deb") lacks /usr/$path"
}
expect_not_in() {
  local deb=$1 pattern=$2
  if dpkg-deb --contents "$deb" | awk '{print $6}' | grep -q "$pattern"; then
    fail "$(basename "$deb") holds files matching $pattern"
  fi
}
so_major="${runtime_name#librodatagram}"
expect_in "${runtime[0]}" "$libdir/librodatagram.so.$so_major"
expect_not_in "${runtime[0]}" '/include/\|\.so$\|/bin/'
expect_in "${dev[0]}" "include/ro/ro.hpp"
expect_in "${dev[0]}" "include/ro/datagram_sender.hpp"
expect_in "${dev[0]}" "$libdir/librodatagram.so"
expect_in "${dev[0]}" "$libdir/cmake/rodatagram/rodatagram-config.cmake"
expect_in "${dev[0]}" "$libdir/pkgconfig/rodatagram.pc"
expect_not_in "${dev[0]}" 'librodatagram\.so\.'
expect_in "${tools[0]}" "bin/rodatagram-cat"

export LD_LIBRARY_PATH="$prefix/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# --- rodatagram-cat ----------------------------------------------------------
if out="$("$prefix/bin/rodatagram-cat" --version)"; then
  echo "tools: $out"
else
  fail "rodatagram-cat --version"
fi

# --- find_package ------------------------------------------------------------
echo "==> find_package consumer against $prefix"
if ! ctest --build-and-test "$here/find-package-test" "$work/find-package" \
    --build-generator "Unix Makefiles" \
    --build-options "-DCMAKE_PREFIX_PATH=$prefix" -DCMAKE_BUILD_TYPE=Release \
    --test-command ctest --output-on-failure --no-tests=error; then
  fail "find_package consumer"
fi

# --- pkg-config --------------------------------------------------------------
# The .pc file says prefix=/usr, as installed; the sysroot maps it into the
# unpacked tree (and -I/-L there are not system directories to filter).
echo "==> pkg-config consumer against $prefix"
if ! PKG_CONFIG_SYSROOT_DIR="$root" "$here/pkg-config-test/run.sh" \
    "$prefix" "$libdir" "$here/find-package-test/main.cpp" "$work/pkg-config" plain \
    "${CXX:-g++}"; then
  fail "pkg-config consumer"
fi

if [[ $status -eq 0 ]]; then
  echo "package test: passed"
else
  echo "package test: FAILED" >&2
fi
exit "$status"
