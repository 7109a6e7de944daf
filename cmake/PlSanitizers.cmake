# PL_SANITIZE: AddressSanitizer (leaks included) and UndefinedBehaviorSanitizer
# on every target, with any UB report fatal. PL_FUZZ adds libFuzzer coverage
# instrumentation to the library so the fuzz targets can link against it.
if(PL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()
if(PL_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "PL_FUZZ needs clang (for example -DCMAKE_C_COMPILER=clang-19)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
