# rodatagram - BrightSign-style datagram objects for C++
# SPDX-License-Identifier: MIT
#
# Debian 12 cross build for armhf with gcc (preset cross-armhf):
#   scripts/deps --cross
#   cmake --preset cross-armhf && cmake --build --preset cross-armhf -j2
# See debian-cross.cmake.
set(RODATAGRAM_CROSS_TRIPLET arm-linux-gnueabihf)
set(RODATAGRAM_CROSS_PROCESSOR armv7l)
set(RODATAGRAM_CROSS_QEMU qemu-arm)
set(RODATAGRAM_CROSS_COMPILER gcc)
include("${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake")
