#!/usr/bin/env bash
# Consumer test: builds a program against the installed rodatagram using only
# pkg-config, as a Makefile user would, and runs it.
#
#   run.sh PREFIX LIBDIR MAIN_CPP WORK_DIR LINKS CXX [EXTRA_FLAGS...]
#
# PREFIX   install prefix (made by the consumer.install fixture)
# LIBDIR   library directory relative to PREFIX (CMAKE_INSTALL_LIBDIR)
# LINKS    comma-separated ways to link, each tried: `plain` is the README's
#          `pkg-config --cflags --libs rodatagram`, `static` adds --static
#          (Requires.private / Libs.private)
# EXTRA_FLAGS are added to compile and link (sanitizer flags of the build).
set -euo pipefail

if [[ $# -lt 6 ]]; then
  echo "usage: $0 PREFIX LIBDIR MAIN_CPP WORK_DIR plain|static|plain,static CXX [EXTRA_FLAGS...]" >&2
  exit 2
fi

prefix=$1 libdir=$2 main=$3 work=$4 link=$5 cxx=$6
shift 6

pkg_config=${PKG_CONFIG:-pkg-config}
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

status=0
mkdir -p "$work"
IFS=, read -r -a links <<<"$link"
for mode in "${links[@]}"; do
  pc_args=(--cflags --libs)
  case "$mode" in
    plain) ;;
    static) pc_args+=(--static) ;;
    *) echo "$0: unknown way to link '$mode'" >&2; exit 2 ;;
  esac
  flags=$("$pkg_config" "${pc_args[@]}" rodatagram)
  echo "pkg-config ${pc_args[*]} rodatagram: $flags"
  for std in c++17 c++20; do
    exe="$work/consumer_${mode}_${std//+/x}"
    # $flags is split into words on purpose, as in $(pkg-config ...).
    # shellcheck disable=SC2086
    ( set -x; "$cxx" -std="$std" -Wall -Wextra -Wpedantic -Werror "$@" "$main" $flags -o "$exe" )
    if LD_LIBRARY_PATH="$prefix/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$exe"; then
      echo "$mode $std consumer: passed"
    else
      echo "$mode $std consumer: FAILED" >&2
      status=1
    fi
  done
done
exit "$status"
