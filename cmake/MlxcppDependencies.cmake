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

find_package(nlohmann_json 3.10 REQUIRED)
find_package(ZLIB REQUIRED) # deflated members of .npz archives
find_package(fmt REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
