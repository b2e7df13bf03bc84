# rodatagram - BrightSign-style datagram objects for C++
# SPDX-License-Identifier: MIT
#
# Debian 12 cross build for arm64 with clang (preset cross-arm64-clang):
#   scripts/deps --cross
#   cmake --preset cross-arm64-clang && cmake --build --preset cross-arm64-clang -j2
# See debian-cross.cmake.
set(RODATAGRAM_CROSS_TRIPLET aarch64-linux-gnu)
set(RODATAGRAM_CROSS_PROCESSOR aarch64)
set(RODATAGRAM_CROSS_QEMU qemu-aarch64)
set(RODATAGRAM_CROSS_COMPILER clang)
include("${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake")
