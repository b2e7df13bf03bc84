# FindAsioStandalone
# ------------------
#
# Finds standalone Asio (the header-only library without Boost; Debian's
# libasio-dev). Debian ships neither a CMake package config nor a pkg-config
# file for it, so this module looks for the headers directly.
#
# Result variables:
#
#   AsioStandalone_FOUND   true if asio.hpp was found
#   ASIO_INCLUDE_DIR       directory that holds asio.hpp (cache)
#   ASIO_VERSION           version parsed from asio/version.hpp, e.g. 1.22.1
#
# Hint: set ASIO_INCLUDE_DIR (or CMAKE_PREFIX_PATH) to use another copy.
#
# The module deliberately creates no target: the project wraps Asio in a
# build-only INTERFACE target of its own (rodatagram_asio) so that Asio never
# appears in the installed export set.

find_path(ASIO_INCLUDE_DIR
  NAMES asio.hpp
  DOC "Directory containing standalone Asio's asio.hpp")

set(ASIO_VERSION "")
if(ASIO_INCLUDE_DIR AND EXISTS "${ASIO_INCLUDE_DIR}/asio/version.hpp")
  # #define ASIO_VERSION 102201 // 1.22.1   (XXYYZZ: major, minor, patch)
  file(STRINGS "${ASIO_INCLUDE_DIR}/asio/version.hpp" _asio_version_line
    REGEX "^#[ \t]*define[ \t]+ASIO_VERSION[ \t]+[0-9]+")
  if(_asio_version_line MATCHES "ASIO_VERSION[ \t]+([0-9]+)")
    set(_asio_v "${CMAKE_MATCH_1}")
    math(EXPR _asio_major "${_asio_v} / 100000")
    math(EXPR _asio_minor "${_asio_v} / 100 % 1000")
    math(EXPR _asio_patch "${_asio_v} % 100")
    set(ASIO_VERSION "${_asio_major}.${_asio_minor}.${_asio_patch}")
  endif()
  unset(_asio_version_line)
  unset(_asio_v)
  unset(_asio_major)
  unset(_asio_minor)
  unset(_asio_patch)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(AsioStandalone
  REQUIRED_VARS ASIO_INCLUDE_DIR
  VERSION_VAR ASIO_VERSION
  FAIL_MESSAGE "standalone Asio not found: install Debian's libasio-dev (scripts/deps does) or set ASIO_INCLUDE_DIR")

mark_as_advanced(ASIO_INCLUDE_DIR)
