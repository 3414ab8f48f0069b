# Third-party libraries, all from Debian 12 packages (scripts/setup-deps.sh installs them).
find_package(Threads REQUIRED)

# OpenBLAS: float GEMM. Debian ships it through the BLAS alternatives; we link the OpenBLAS
# library itself so that its threading controls are reachable.
find_library(OPENBLAS_LIBRARY NAMES openblas REQUIRED)
find_path(OPENBLAS_INCLUDE_DIR NAMES cblas.h PATH_SUFFIXES openblas x86_64-linux-gnu/openblas-pthread
          REQUIRED)
add_library(mlxcpp_openblas INTERFACE)
target_link_libraries(mlxcpp_openblas INTERFACE ${OPENBLAS_LIBRARY})
target_include_directories(mlxcpp_openblas INTERFACE ${OPENBLAS_INCLUDE_DIR})

# LAPACK (linalg) is OpenBLAS's own, called through the Fortran prototypes of lapack.h (from
# liblapacke-dev; only the header is used). Linking liblapacke as well would load Debian's
# liblapack.so.3, an alternatives slot that may hold the reference LAPACK, beside OpenBLAS,
# which exports the same dgetrf_, dpotrf_, ... symbols: which copy a call reached would depend
# on library load order. One LAPACK, the optimized one, already linked for GEMM; our kernels
# lay matrices out column-major themselves, which is all LAPACKE's row-major wrappers add.
find_path(LAPACK_INCLUDE_DIR NAMES lapack.h REQUIRED)
target_include_directories(mlxcpp_openblas INTERFACE ${LAPACK_INCLUDE_DIR})
include(CheckFunctionExists)
set(CMAKE_REQUIRED_LIBRARIES ${OPENBLAS_LIBRARY})
check_function_exists(dgesdd_ MLXCPP_OPENBLAS_HAS_LAPACK)
unset(CMAKE_REQUIRED_LIBRARIES)
if(NOT MLXCPP_OPENBLAS_HAS_LAPACK)
  message(FATAL_ERROR "${OPENBLAS_LIBRARY} does not export LAPACK (dgesdd_); mlxcpp's linalg "
                      "needs an OpenBLAS built with LAPACK (Debian's libopenblas0 is).")
endif()

find_package(nlohmann_json 3.10 REQUIRED)
find_package(ZLIB REQUIRED) # deflated members of .npz archives
find_package(fmt REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
