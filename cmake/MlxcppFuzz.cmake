# MLXCPP_BUILD_FUZZERS: libFuzzer needs clang. With it, every target is compiled with
# AddressSanitizer and UndefinedBehaviorSanitizer (and fuzzer coverage), so the parsers and
# everything they call are checked, and fuzz/ is added. Other compilers skip the fuzzers.
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  set(MLXCPP_FUZZERS_ENABLED ON)
  add_compile_options(-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
else()
  set(MLXCPP_FUZZERS_ENABLED OFF)
  message(WARNING "MLXCPP_BUILD_FUZZERS needs clang (-DCMAKE_CXX_COMPILER=clang++); "
                  "the fuzzers are not built")
endif()
