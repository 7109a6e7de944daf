# The test plugins of the Wasm host tests (tests/integration/
# test_wasm_plugins_*.c): every tests/data/wasm_plugins/*.c is compiled by
# clang-19 with the plugin kit (sdk/plinth_pdk.h) into a wasi-libc reactor
# ${PL_WP_PLUGINS}/NAME.wasm at build time, with the flags of the example
# plugins (plugins/wasm). The tests get the folder as PL_WP_PLUGINS and
# depend on these files, on the example Wasm plugins and on the native
# offline plugin they are compared with. Included at the end of
# tests/CMakeLists.txt.
find_program(PL_WP_CLANG NAMES clang-19)
if(NOT PL_WP_CLANG)
  message(WARNING "clang-19 missing: the Wasm host test plugins are not built")
  return()
endif()

set(PL_WP_PLUGINS ${CMAKE_CURRENT_BINARY_DIR}/data/wasm_plugins)
set(pl_wp_dir ${CMAKE_CURRENT_LIST_DIR})
file(GLOB pl_wp_sources CONFIGURE_DEPENDS ${pl_wp_dir}/*.c)
file(GLOB pl_wp_headers CONFIGURE_DEPENDS ${pl_wp_dir}/*.h ${PROJECT_SOURCE_DIR}/sdk/plinth_pdk*.h)
set(pl_wp_outputs)

foreach(src IN LISTS pl_wp_sources)
  get_filename_component(name ${src} NAME_WE)
  set(out ${PL_WP_PLUGINS}/${name}.wasm)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PL_WP_PLUGINS}
    COMMAND ${PL_WP_CLANG} --target=wasm32-wasi -mexec-model=reactor -std=c11 -O2
            -Wl,-z,stack-size=1048576 ${PL_WARNINGS} -I${PROJECT_SOURCE_DIR}/sdk
            -I${pl_wp_dir} -o ${out} ${src}
    DEPENDS ${src} ${pl_wp_headers}
    COMMENT "clang-19 wasm32-wasi wasm_plugins/${name}.c"
    VERBATIM)
  list(APPEND pl_wp_outputs ${out})
endforeach()

add_custom_target(pl_wp_plugins ALL DEPENDS ${pl_wp_outputs})

get_property(pl_wp_examples GLOBAL PROPERTY PL_WASM_PLUGIN_TARGETS)
foreach(name IN ITEMS test_wasm_plugins_examples test_wasm_plugins_providers
                      test_wasm_plugins_sandbox test_wasm_plugins_pool
                      test_wasm_plugins_grants test_cli_grants)
  if(TARGET ${name})
    add_dependencies(${name} pl_wp_plugins ${pl_wp_examples})
    foreach(native IN ITEMS offline)
      if(TARGET ${native})
        add_dependencies(${name} ${native})
      endif()
    endforeach()
    target_compile_definitions(${name} PRIVATE PL_WP_PLUGINS="${PL_WP_PLUGINS}")
  endif()
endforeach()

# test_cli_grants drives the permission prompt through a pseudo-terminal
# (openpty; in libc since glibc 2.34, in libutil before).
if(TARGET test_cli_grants)
  target_link_libraries(test_cli_grants PRIVATE util)
endif()
