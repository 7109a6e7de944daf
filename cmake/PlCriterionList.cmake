# Run by pl_criterion_discover at build time: turns `EXE --list` into
# add_test() calls in OUT. Criterion's child processes print a leak report
# without changing the case's verdict, so a sanitizer report anywhere in a
# test's output fails it.
execute_process(COMMAND ${EXE} --list OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --list failed (${rc}): ${err}")
endif()
set(content "")
string(REPLACE "\n" ";" lines "${out}")
set(suite "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ ]+): [0-9]+ tests?$")
    set(suite "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^[^a-zA-Z0-9_]+ ([A-Za-z0-9_]+)( \\(skipped\\))?$")
    set(name "${suite}/${CMAKE_MATCH_1}")
    string(APPEND content
      "add_test([=[${name}]=] [=[${EXE}]=] --filter [=[${name}]=] --full-stats -j1)\n"
      "set_tests_properties([=[${name}]=] PROPERTIES LABELS ${LABEL} WORKING_DIRECTORY [=[${WORKDIR}]=]\n"
      "  FAIL_REGULAR_EXPRESSION [=[LeakSanitizer|AddressSanitizer|runtime error:]=])\n")
  endif()
endforeach()
file(WRITE ${OUT} "${content}")
