# pl_criterion_discover(target label): after each build, ask the Criterion
# program for its cases (--list) and register each one with CTest as
# "<suite>/<case>", run alone with --filter. This is what gtest_discover_tests
# does for GoogleTest.
function(pl_criterion_discover tgt label)
  set(list_file "${CMAKE_CURRENT_BINARY_DIR}/${tgt}_tests.cmake")
  add_custom_command(TARGET ${tgt} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -D EXE=$<TARGET_FILE:${tgt}> -D OUT=${list_file}
            -D LABEL=${label} -D WORKDIR=${PROJECT_BINARY_DIR}
            -P ${PROJECT_SOURCE_DIR}/cmake/PlCriterionList.cmake
    BYPRODUCTS ${list_file}
    VERBATIM)
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${list_file})
endfunction()
