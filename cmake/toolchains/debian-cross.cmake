# rodatagram - BrightSign-style datagram objects for C++
# SPDX-License-Identifier: MIT
#
# Shared part of the Debian 12 cross toolchain files in this directory. The
# including file sets RODATAGRAM_CROSS_TRIPLET (GNU multiarch triplet),
# RODATAGRAM_CROSS_PROCESSOR, RODATAGRAM_CROSS_QEMU (qemu-user binary) and
# RODATAGRAM_CROSS_COMPILER (gcc or clang).
#
# Libraries come from Debian multiarch packages (dpkg --add-architecture;
# `scripts/deps --cross` installs them): fmt, GoogleTest and the C++ runtime
# of the target live in /usr/lib/<triplet>, headers in /usr/include.
# CMAKE_LIBRARY_ARCHITECTURE makes find_package() look there first.
#
# Tests run through qemu-user (CMAKE_CROSSCOMPILING_EMULATOR), which finds
# the target's dynamic loader and libraries in the same multiarch paths.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR "${RODATAGRAM_CROSS_PROCESSOR}")
set(CMAKE_LIBRARY_ARCHITECTURE "${RODATAGRAM_CROSS_TRIPLET}")

if(RODATAGRAM_CROSS_COMPILER STREQUAL "clang")
  set(CMAKE_C_COMPILER clang)
  set(CMAKE_CXX_COMPILER clang++)
  set(CMAKE_C_COMPILER_TARGET "${RODATAGRAM_CROSS_TRIPLET}")
  set(CMAKE_CXX_COMPILER_TARGET "${RODATAGRAM_CROSS_TRIPLET}")
  # clang has no cross linker of its own; the binutils of the gcc cross
  # tool chain link (and its libgcc and libstdc++ are used).
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=/usr/bin/${RODATAGRAM_CROSS_TRIPLET}-ld")
  set(CMAKE_SHARED_LINKER_FLAGS_INIT "-fuse-ld=/usr/bin/${RODATAGRAM_CROSS_TRIPLET}-ld")
  set(CMAKE_MODULE_LINKER_FLAGS_INIT "-fuse-ld=/usr/bin/${RODATAGRAM_CROSS_TRIPLET}-ld")
else()
  set(CMAKE_C_COMPILER "${RODATAGRAM_CROSS_TRIPLET}-gcc")
  set(CMAKE_CXX_COMPILER "${RODATAGRAM_CROSS_TRIPLET}-g++")
endif()
set(CMAKE_AR "/usr/bin/${RODATAGRAM_CROSS_TRIPLET}-ar" CACHE FILEPATH "")
set(CMAKE_RANLIB "/usr/bin/${RODATAGRAM_CROSS_TRIPLET}-ranlib" CACHE FILEPATH "")
set(CMAKE_STRIP "/usr/bin/${RODATAGRAM_CROSS_TRIPLET}-strip" CACHE FILEPATH "")

# Programs run on the build machine; libraries and headers are the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

find_program(RODATAGRAM_QEMU "${RODATAGRAM_CROSS_QEMU}")
if(RODATAGRAM_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${RODATAGRAM_QEMU}")
else()
  message(WARNING "${RODATAGRAM_CROSS_QEMU} not found (Debian package qemu-user; "
    "scripts/deps --cross): the tests cannot run on this machine")
endif()
