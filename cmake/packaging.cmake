# CPack: Debian packages of rodatagram, one per install component.
#
#   librodatagram<SOVERSION>  Runtime      the shared library (librodatagram.so.0...)
#                                          and the license
#   librodatagram-dev         Development  headers, the librodatagram.so link, CMake
#                                          package files, rodatagram.pc
#   rodatagram-tools          Tools        the rodatagram-cat command (when
#                                          RODATAGRAM_BUILD_TOOLS is ON)
#
# Names follow Debian's library packaging: the runtime package carries the
# SONAME's number so that two ABI versions can be installed side by side;
# -dev and -tools depend on the runtime package of the same version.
# Included by the top-level CMakeLists.txt; scripts/package configures a
# shared Release build for /usr and runs `cpack -G DEB`.

set(CPACK_PACKAGE_NAME rodatagram)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VENDOR "rodatagram")
set(CPACK_PACKAGE_CONTACT "rodatagram maintainers <rodatagram@localhost>" CACHE STRING
  "Maintainer field of the Debian packages")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
set(CPACK_GENERATOR DEB)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL Runtime Development)
if(TARGET rodatagram-cat)
  list(APPEND CPACK_COMPONENTS_ALL Tools)
endif()

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the ELF files (dpkg-shlibdeps), plus the component
# dependencies below at the exact version.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# rodatagram-cat links librodatagram, which is in another component: let
# dpkg-shlibdeps find it in the build tree (the Depends on the runtime
# package comes from the component dependency).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${PROJECT_BINARY_DIR}")
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME "librodatagram${PROJECT_VERSION_MAJOR}")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
# A shlibs file and the ldconfig trigger for the shared library.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY "=")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
  "BrightSign-style UDP objects for C++ (shared library)\n\
rodatagram mirrors BrightSign's roDatagramSocket, roDatagramEvent, roMessagePort,\n\
roByteArray and roNetworkHotplug objects in C++17. This package holds the\n\
shared library.")

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME librodatagram-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEVELOPMENT_DEPENDS Runtime)
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION
  "BrightSign-style UDP objects for C++ (development files)\n\
Headers (<ro/ro.hpp>), the CMake package (find_package(rodatagram)) and the\n\
pkg-config file (rodatagram.pc) for building against librodatagram.")

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME rodatagram-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION net)
set(CPACK_COMPONENT_TOOLS_DEPENDS Runtime)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
  "UDP command-line tool for test harnesses (rodatagram-cat)\n\
rodatagram-cat listens and prints datagrams with their source, sends one, or\n\
sends a request and prints the first reply, with a timeout.")

include(CPack)
