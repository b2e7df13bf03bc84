# rodatagram - BrightSign-style datagram objects for C++
# SPDX-License-Identifier: MIT
#
# The callgrind instruction-count harness (bench/callgrind_drain.cpp) and its
# check. Included by bench/CMakeLists.txt and by tests/CMakeLists.txt, so the
# check runs as a ctest test (label perf) of an ordinary test build too.

include_guard(GLOBAL)

# Counts depend on the optimiser, the library kind and the compiler: the
# committed baseline keeps one line per such key.
if(RODATAGRAM_STATIC)
  set(_rodatagram_lib_kind static)
else()
  set(_rodatagram_lib_kind shared)
endif()
set(RODATAGRAM_CALLGRIND_KEY
  "${CMAKE_BUILD_TYPE}-${_rodatagram_lib_kind}-${CMAKE_CXX_COMPILER_ID}-${CMAKE_CXX_COMPILER_VERSION}")
unset(_rodatagram_lib_kind)

add_executable(rodatagram_callgrind_drain "${PROJECT_SOURCE_DIR}/bench/callgrind_drain.cpp")
target_link_libraries(rodatagram_callgrind_drain PRIVATE rodatagram::rodatagram)
target_compile_definitions(rodatagram_callgrind_drain PRIVATE
  "RODATAGRAM_BENCH_CONFIG_KEY=\"${RODATAGRAM_CALLGRIND_KEY}\"")
rodatagram_enable_warnings(rodatagram_callgrind_drain)
# callgrind.h's client-request macros are old-style C.
target_compile_options(rodatagram_callgrind_drain PRIVATE -Wno-old-style-cast)

# Registers the check as a ctest test. Optimised, unsanitised builds only:
# a Debug or sanitizer build counts something else entirely. Without
# valgrind the test is skipped (exit 77), not failed.
function(rodatagram_add_callgrind_test)
  if(RODATAGRAM_SANITIZE OR NOT CMAKE_BUILD_TYPE MATCHES "^(Release|RelWithDebInfo)$")
    message(STATUS "rodatagram: perf.callgrind_instructions needs an optimised build without sanitizers; not registered")
    return()
  endif()
  if(CMAKE_CROSSCOMPILING)
    message(STATUS "rodatagram: perf.callgrind_instructions counts host instructions; not registered in a cross build")
    return()
  endif()
  find_program(RODATAGRAM_VALGRIND_EXECUTABLE valgrind)
  add_test(NAME perf.callgrind_instructions
    COMMAND "${PROJECT_SOURCE_DIR}/bench/callgrind_check.sh"
      --harness "$<TARGET_FILE:rodatagram_callgrind_drain>"
      --baseline "${PROJECT_SOURCE_DIR}/bench/callgrind_baseline.txt"
      --valgrind "${RODATAGRAM_VALGRIND_EXECUTABLE}")
  set_tests_properties(perf.callgrind_instructions PROPERTIES
    LABELS "perf"
    SKIP_RETURN_CODE 77
    TIMEOUT 300)
endfunction()
