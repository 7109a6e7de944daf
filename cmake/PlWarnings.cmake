# Warning flags for every plinth target (after curl's PickyWarnings).
# PL_WERROR turns them into errors; CI always sets it.
set(PL_WARNINGS
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wpointer-arith -Wwrite-strings -Wformat=2 -Wundef -Wvla
  -Wno-unused-parameter)
if(PL_WERROR)
  list(APPEND PL_WARNINGS -Werror)
endif()

# pl_target_defaults(target): warnings and the include paths every part of
# plinth uses.
function(pl_target_defaults tgt)
  target_compile_options(${tgt} PRIVATE ${PL_WARNINGS})
  target_include_directories(${tgt} PRIVATE
    ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/include
    ${PROJECT_SOURCE_DIR}/src)
  if(PL_TESTING)
    target_compile_definitions(${tgt} PRIVATE PL_TESTING=1)
  endif()
  target_compile_definitions(${tgt} PRIVATE _GNU_SOURCE PL_BUILDING_LIBRARY)
endfunction()
