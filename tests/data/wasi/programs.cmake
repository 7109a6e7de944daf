# WASI test programs: every tests/data/wasi/*.c is compiled by clang-19 with
# Debian's wasi-libc (packages clang-19, lld-19, wasi-libc,
# libclang-rt-19-dev-wasm32) into ${PL_WASI_PROGRAMS}/NAME.wasm, a WASI
# command module. test_wasi depends on them and gets the folder as
# PL_WASI_PROGRAMS. Without the toolchain the programs are skipped with a
# warning and test_wasi skips the cases that need them.
# Included by tests/CMakeLists.txt after the test targets are defined.
find_program(PL_WASM_CLANG NAMES clang-19)
find_file(PL_WASI_LIBC libc.a PATHS /usr/lib/wasm32-wasi NO_DEFAULT_PATH)
if(NOT PL_WASM_CLANG OR NOT PL_WASI_LIBC)
  message(WARNING "clang-19 or wasi-libc missing: the WASI test programs are not built")
  return()
endif()

set(PL_WASI_PROGRAMS ${CMAKE_CURRENT_BINARY_DIR}/data/wasi)
file(GLOB pl_wasi_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
set(pl_wasi_outputs)
foreach(src IN LISTS pl_wasi_sources)
  get_filename_component(name ${src} NAME_WLE)
  set(out ${PL_WASI_PROGRAMS}/${name}.wasm)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PL_WASI_PROGRAMS}
    COMMAND ${PL_WASM_CLANG} --target=wasm32-wasi -O2 -s -Wall -Werror -o ${out} ${src}
    DEPENDS ${src}
    COMMENT "clang-19 wasm32-wasi ${name}.c"
    VERBATIM)
  list(APPEND pl_wasi_outputs ${out})
endforeach()
add_custom_target(pl_wasi_programs ALL DEPENDS ${pl_wasi_outputs})

if(TARGET test_wasi)
  add_dependencies(test_wasi pl_wasi_programs)
  target_compile_definitions(test_wasi PRIVATE PL_WASI_PROGRAMS="${PL_WASI_PROGRAMS}")
endif()
