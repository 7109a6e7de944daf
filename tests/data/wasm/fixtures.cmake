# Wasm fixtures: every tests/data/wasm/*.wat is converted by wat2wasm (Debian
# package wabt) into ${PL_WASM_FIXTURES}/NAME.wasm at build time. Files named
# invalid_*.wat hold modules that must fail plinth's validation and are
# converted with --no-check. Every test program depends on the converted
# files and gets their folder as PL_WASM_FIXTURES.
# Included by tests/CMakeLists.txt after the test targets are defined.
find_program(PL_WAT2WASM wat2wasm)
if(NOT PL_WAT2WASM)
  message(WARNING "wat2wasm not found (install wabt): the Wasm fixtures are not built")
  return()
endif()

set(PL_WASM_FIXTURES ${CMAKE_CURRENT_BINARY_DIR}/data/wasm)
file(GLOB pl_wat_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.wat)
set(pl_wasm_outputs)
foreach(wat IN LISTS pl_wat_files)
  get_filename_component(name ${wat} NAME_WLE)
  set(out ${PL_WASM_FIXTURES}/${name}.wasm)
  set(check)
  if(name MATCHES "^invalid_")
    set(check --no-check)
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PL_WASM_FIXTURES}
    COMMAND ${PL_WAT2WASM} ${check} ${wat} -o ${out}
    DEPENDS ${wat}
    COMMENT "wat2wasm ${name}.wat"
    VERBATIM)
  list(APPEND pl_wasm_outputs ${out})
endforeach()
add_custom_target(pl_wasm_fixtures ALL DEPENDS ${pl_wasm_outputs})

foreach(src IN LISTS PL_TEST_SOURCES)
  get_filename_component(name ${src} NAME_WE)
  if(TARGET ${name})
    add_dependencies(${name} pl_wasm_fixtures)
    target_compile_definitions(${name} PRIVATE PL_WASM_FIXTURES="${PL_WASM_FIXTURES}")
  endif()
endforeach()
