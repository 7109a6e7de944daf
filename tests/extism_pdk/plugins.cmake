# The Extism AssemblyScript PDK tests (tests/integration/test_extism_pdk.c):
# plugins built with Extism's official AssemblyScript PDK, run through plinth
# and through Extism's official JS SDK for comparison. At build time, in the
# build tree (${PL_PDK_DIR}):
#   1. `npm ci` installs the pinned packages of package-lock.json, once per
#      change of package.json or package-lock.json (a stamp file);
#   2. `asc` compiles every *.ts here into NAME.wasm, with the options the
#      PDK's README gives (--use abort=NAME/pluginAbort: the plugin's own
#      abort handler) and -O;
#   3. jshost.mjs, the JS SDK driver, is copied next to node_modules so that
#      node resolves @extism/extism.
# A failing step fails the build with its output (step.cmake); nothing is
# skipped. node and npm come from scripts/install-deps. Included at the end
# of tests/CMakeLists.txt.
find_program(PL_NODE node)
find_program(PL_NPM npm)
if(NOT PL_NODE OR NOT PL_NPM)
  message(FATAL_ERROR "node and npm are needed to build the Extism AssemblyScript PDK "
          "tests (tests/extism_pdk): run scripts/install-deps")
endif()

set(PL_PDK_DIR ${CMAKE_CURRENT_BINARY_DIR}/extism_pdk)
set(pl_pdk_src ${CMAKE_CURRENT_LIST_DIR})
set(pl_pdk_stamp ${PL_PDK_DIR}/npm-ci.stamp)
set(pl_pdk_step ${CMAKE_COMMAND} -D NODE=${PL_NODE} -D NPM=${PL_NPM} -D SRC=${pl_pdk_src}
                -D DIR=${PL_PDK_DIR})

add_custom_command(OUTPUT ${pl_pdk_stamp}
  COMMAND ${pl_pdk_step} -D STEP=npm-ci -D STAMP=${pl_pdk_stamp} -P ${pl_pdk_src}/step.cmake
  DEPENDS ${pl_pdk_src}/package.json ${pl_pdk_src}/package-lock.json ${pl_pdk_src}/step.cmake
  COMMENT "npm ci in ${PL_PDK_DIR} (@extism/as-pdk, assemblyscript, @extism/extism)"
  VERBATIM)

set(pl_pdk_outputs ${PL_PDK_DIR}/jshost.mjs)
add_custom_command(OUTPUT ${PL_PDK_DIR}/jshost.mjs
  COMMAND ${CMAKE_COMMAND} -E copy ${pl_pdk_src}/jshost.mjs ${PL_PDK_DIR}/jshost.mjs
  DEPENDS ${pl_pdk_src}/jshost.mjs ${pl_pdk_stamp}
  VERBATIM)

file(GLOB pl_pdk_sources CONFIGURE_DEPENDS ${pl_pdk_src}/*.ts)
foreach(src IN LISTS pl_pdk_sources)
  get_filename_component(name ${src} NAME_WE)
  set(out ${PL_PDK_DIR}/${name}.wasm)
  add_custom_command(OUTPUT ${out}
    COMMAND ${pl_pdk_step} -D STEP=asc -D NAME=${name} -P ${pl_pdk_src}/step.cmake
    DEPENDS ${src} ${pl_pdk_stamp} ${pl_pdk_src}/step.cmake
    COMMENT "asc extism_pdk/${name}.ts"
    VERBATIM)
  list(APPEND pl_pdk_outputs ${out})
endforeach()

add_custom_target(pl_extism_pdk_plugins ALL DEPENDS ${pl_pdk_outputs})

if(TARGET test_extism_pdk)
  add_dependencies(test_extism_pdk pl_extism_pdk_plugins)
  target_compile_definitions(test_extism_pdk PRIVATE PL_PDK_DIR="${PL_PDK_DIR}"
                             PL_NODE="${PL_NODE}")
endif()
