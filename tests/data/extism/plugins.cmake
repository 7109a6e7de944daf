# Extism test plugins: every tests/data/extism/*.c is compiled by clang-19
# for wasm32 (nolibc*.c without libc, -nostdlib --no-entry; the others as
# wasi-libc reactors, like C PDK plugins) and every *.wat is converted by
# wat2wasm, into ${PL_EXTISM_PLUGINS}/NAME.wasm at build time. The test
# programs get that folder as PL_EXTISM_PLUGINS and depend on the files.
# Included at the end of tests/CMakeLists.txt.
find_program(PL_WASM_CLANG NAMES clang-19)
find_program(PL_EXTISM_WAT2WASM wat2wasm)
if(NOT PL_WASM_CLANG OR NOT PL_EXTISM_WAT2WASM)
  message(WARNING "clang-19 or wat2wasm missing: the Extism test plugins are not built")
  return()
endif()

set(PL_EXTISM_PLUGINS ${CMAKE_CURRENT_BINARY_DIR}/data/extism)
set(pl_extism_dir ${CMAKE_CURRENT_LIST_DIR})
file(GLOB pl_extism_c CONFIGURE_DEPENDS ${pl_extism_dir}/*.c)
file(GLOB pl_extism_wat CONFIGURE_DEPENDS ${pl_extism_dir}/*.wat)
set(pl_extism_outputs)

foreach(src IN LISTS pl_extism_c)
  get_filename_component(name ${src} NAME_WE)
  set(out ${PL_EXTISM_PLUGINS}/${name}.wasm)
  if(name MATCHES "^nolibc")
    set(flags --target=wasm32 -nostdlib -Wl,--no-entry)
  else()
    set(flags --target=wasm32-wasi -mexec-model=reactor)
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PL_EXTISM_PLUGINS}
    COMMAND ${PL_WASM_CLANG} ${flags} -O2 -Wall -Wextra -Werror -Wl,--strip-debug
            -I${pl_extism_dir} ${src} -o ${out}
    DEPENDS ${src} ${pl_extism_dir}/imports.h
    COMMENT "clang-19 wasm32 ${name}.c"
    VERBATIM)
  list(APPEND pl_extism_outputs ${out})
endforeach()

foreach(wat IN LISTS pl_extism_wat)
  get_filename_component(name ${wat} NAME_WE)
  set(out ${PL_EXTISM_PLUGINS}/${name}.wasm)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PL_EXTISM_PLUGINS}
    COMMAND ${PL_EXTISM_WAT2WASM} ${wat} -o ${out}
    DEPENDS ${wat}
    COMMENT "wat2wasm extism/${name}.wat"
    VERBATIM)
  list(APPEND pl_extism_outputs ${out})
endforeach()

add_custom_target(pl_extism_plugins ALL DEPENDS ${pl_extism_outputs})

foreach(src IN LISTS PL_TEST_SOURCES)
  get_filename_component(name ${src} NAME_WE)
  if(TARGET ${name})
    add_dependencies(${name} pl_extism_plugins)
    target_compile_definitions(${name} PRIVATE PL_EXTISM_PLUGINS="${PL_EXTISM_PLUGINS}")
  endif()
endforeach()
