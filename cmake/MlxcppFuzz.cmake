# MLXCPP_BUILD_FUZZERS: libFuzzer needs clang. A fuzz configuration builds only fuzz/: the model
# file parsers instrumented for libFuzzer, ASan and UBSan, linked against the engine built
# separately with the default compiler (see fuzz/CMakeLists.txt). Other compilers skip it.
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  set(MLXCPP_FUZZERS_ENABLED ON)
else()
  set(MLXCPP_FUZZERS_ENABLED OFF)
  message(WARNING "MLXCPP_BUILD_FUZZERS needs clang (-DCMAKE_CXX_COMPILER=clang++); "
                  "the fuzzers are not built")
endif()
