#!/usr/bin/env bash
# Configures and builds mlxcpp (Release, Ninja) into ./build. Extra arguments go to cmake's
# configure step, e.g. -DMLXCPP_CUDA=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${MLXCPP_JOBS:-$(nproc)}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "$jobs"
