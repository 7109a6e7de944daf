# The `plinth call` test plugins: every tests/data/call/*.c is compiled by
# clang-19 for wasm32 into ${PL_CALL_PLUGINS}/NAME.wasm at build time:
# wasi_*.c as wasi-libc reactors (exports _initialize, imports WASI), the
# others without libc (-nostdlib --no-entry), like the smallest Extism C
# plugins. test_cli_call and test_wasm_call get the folder as
# PL_CALL_PLUGINS and depend on the files. Included at the end of
# tests/CMakeLists.txt.
find_program(PL_CALL_CLANG NAMES clang-19)
if(NOT PL_CALL_CLANG)
  message(WARNING "clang-19 missing: the plinth call test plugins are not built")
  return()
endif()

set(PL_CALL_PLUGINS ${CMAKE_CURRENT_BINARY_DIR}/data/call)
set(pl_call_dir ${CMAKE_CURRENT_LIST_DIR})
file(GLOB pl_call_sources CONFIGURE_DEPENDS ${pl_call_dir}/*.c)
set(pl_call_outputs)

foreach(src IN LISTS pl_call_sources)
  get_filename_component(name ${src} NAME_WE)
  set(out ${PL_CALL_PLUGINS}/${name}.wasm)
  if(name MATCHES "^wasi_")
    set(flags --target=wasm32-wasi -mexec-model=reactor)
  else()
    set(flags --target=wasm32 -nostdlib -Wl,--no-entry)
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PL_CALL_PLUGINS}
    COMMAND ${PL_CALL_CLANG} ${flags} -O2 -Wall -Wextra -Werror -Wl,--strip-debug
            ${src} -o ${out}
    DEPENDS ${src} ${pl_call_dir}/guest.h
    COMMENT "clang-19 wasm32 call/${name}.c"
    VERBATIM)
  list(APPEND pl_call_outputs ${out})
endforeach()

add_custom_target(pl_call_plugins ALL DEPENDS ${pl_call_outputs})

foreach(name IN ITEMS test_cli_call test_wasm_call)
  if(TARGET ${name})
    add_dependencies(${name} pl_call_plugins)
    target_compile_definitions(${name} PRIVATE PL_CALL_PLUGINS="${PL_CALL_PLUGINS}")
  endif()
endforeach()
