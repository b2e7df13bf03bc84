# Fixture of the consumer tests: installs the already-built project into a
# fresh private prefix.
#
#   cmake -DBUILD_DIR=<build> -DPREFIX=<prefix> [-DCONFIG=<cfg>] -P install-to-prefix.cmake

foreach(var IN ITEMS BUILD_DIR PREFIX)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install-to-prefix.cmake: -D${var}=... is required")
  endif()
endforeach()

# Start from an empty prefix so a file the install no longer provides cannot
# make a consumer test pass.
file(REMOVE_RECURSE "${PREFIX}")

set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()

execute_process(
  COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" ${config_args}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX} failed: ${result}")
endif()
