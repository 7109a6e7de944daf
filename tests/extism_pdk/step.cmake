# One build step of the AssemblyScript PDK tests (plugins.cmake), run with
# cmake -P so that a failure stops the build with a message that says what
# to do, followed by the tool's own output.
#   STEP=npm-ci  copy package.json and package-lock.json into DIR, `npm ci`
#                there, touch STAMP
#   STEP=asc     copy NAME.ts into DIR, compile it to DIR/NAME.wasm
# NODE, NPM, SRC (tests/extism_pdk) and DIR (the build folder) are given.
if(STEP STREQUAL "npm-ci")
  file(MAKE_DIRECTORY ${DIR})
  file(COPY ${SRC}/package.json ${SRC}/package-lock.json DESTINATION ${DIR})
  execute_process(COMMAND ${NPM} ci --no-audit --no-fund --loglevel=error
                  WORKING_DIRECTORY ${DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "npm ci failed (${rc}) in ${DIR}: the Extism AssemblyScript PDK "
            "tests need the npm packages of tests/extism_pdk/package-lock.json (is the npm "
            "registry reachable?)\n${out}")
  endif()
  file(TOUCH ${STAMP})
elseif(STEP STREQUAL "asc")
  # Copied next to node_modules: asc resolves "@extism/as-pdk" from the
  # source's folder, and the abort handler is named by that path.
  file(COPY ${SRC}/${NAME}.ts DESTINATION ${DIR})
  execute_process(COMMAND ${NODE} node_modules/assemblyscript/bin/asc.js ${NAME}.ts
                          --outFile ${NAME}.wasm --use abort=${NAME}/pluginAbort -O
                  WORKING_DIRECTORY ${DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    file(REMOVE ${DIR}/${NAME}.wasm)
    message(FATAL_ERROR "asc could not compile tests/extism_pdk/${NAME}.ts (${rc}):\n${out}")
  endif()
else()
  message(FATAL_ERROR "step.cmake: unknown STEP '${STEP}'")
endif()
