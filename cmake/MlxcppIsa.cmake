# Kernels that gain from wider SIMD are compiled once per instruction set and chosen at run time
# (see src/backend/cpu/cpu_features.h); the default build must run on any x86-64, so no
# -march=native. mlxcpp_isa_flags(<isa> <out-var>) gives the compile flags of one variant.
function(mlxcpp_isa_flags isa out)
  if(NOT CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  if(isa STREQUAL "avx2")
    set(${out} "-mavx2;-mfma;-mf16c;-mbmi2" PARENT_SCOPE)
  elseif(isa STREQUAL "avx512")
    set(${out} "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mavx512vnni;-mavx512bf16;-mfma;-mf16c;-mbmi2"
        PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()
