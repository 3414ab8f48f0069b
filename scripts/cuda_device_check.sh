#!/usr/bin/env bash
# Builds mlxcpp with its CUDA backend on a GPU machine and runs the GPU tests, the LM parity
# fixtures on the GPU and (with BENCH=1) the GEMM and decode figures. Usage, from the source
# root: DEPS=/path/to/deps-root scripts/cuda_device_check.sh OUTDIR
# DEPS is an unpacked tree of the Debian 12 packages of scripts/setup-deps.sh (for machines
# that have the CUDA toolkit but not those packages); leave it empty where they are installed.
set -uo pipefail
out=${1:-/tmp/cuda-check}
mkdir -p "$out"
src=$(pwd)
build=${BUILD:-/tmp/mlxcpp-cuda-build}
args=()
if [ -n "${DEPS:-}" ]; then
  lib=$DEPS/usr/lib/x86_64-linux-gnu
  export LD_LIBRARY_PATH=$lib:$lib/openblas-pthread:${LD_LIBRARY_PATH:-}
  export PKG_CONFIG_LIBDIR=$lib/pkgconfig:$DEPS/usr/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEPS
  args+=(-DCMAKE_PREFIX_PATH=$DEPS/usr -DOPENBLAS_LIBRARY=$lib/openblas-pthread/libopenblas.so
         -DPKG_CONFIG_EXECUTABLE=$DEPS/usr/bin/pkgconf)
fi
export PATH=/usr/local/cuda/bin:$PATH
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
t0=$(date +%s)
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMLXCPP_BUILD_BENCH=OFF \
  -DMLXCPP_CUDA=ON "${args[@]}" >"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
# -k 0: a target that fails to build does not stop the others (their runs below still go).
ninja -C "$build" -k 0 -j"$(nproc)" ${TARGETS:-gpu_tests lm_tests mlxcpp_cli matmul_timing core_tests} >>"$out/build.log" 2>&1 \
  || grep -E "error|FAILED" "$out/build.log" | head -20
echo "build: $(( $(date +%s) - t0 )) s"
timeout 240 "$build/tests/core/gpu_tests" 2>&1 | tee "$out/gpu_tests.log" | grep -E "^\[  (FAILED|PASSED|SKIPPED) |Failure|differ|error" | head -60
# Every LM test on the GPU (its default device): the 69 parity fixtures, the CLI's generate.
MLXCPP_CUDA_LOG_FALLBACK=1 timeout 200 "$build/tests/lm/lm_tests" >"$out/lm_gpu.log" 2>&1
grep -E "^\[  (FAILED|PASSED) |runs on the CPU" "$out/lm_gpu.log" | sort | uniq -c | head -40
summary() { echo "$1: $(grep -c '^\[       OK \]' "$2") ok, $(grep -c '^\[  FAILED  \]' "$2") failed$(grep -q '^\[==========\] .* ran' "$2" || echo ', unfinished')"; }
if [ "${CPU_SUITES:-0}" = 1 ]; then
  # The CPU suite with the GPU hidden (as on CI), then the same suite on the GPU (its default).
  CUDA_VISIBLE_DEVICES= timeout 180 "$build/tests/core/core_tests" >"$out/core_cpu.log" 2>&1
  summary "core_tests, GPU hidden" "$out/core_cpu.log"
  MLXCPP_CUDA_LOG_FALLBACK=1 timeout 120 "$build/tests/core/core_tests" >"$out/core_gpu.log" 2>&1
  summary "core_tests on the GPU" "$out/core_gpu.log"
fi
if [ "${BENCH:-0}" = 1 ]; then
  timeout 60 python3 "$src/scripts/cuda_gemm_reference.py" 2>&1 | tee -a "$out/perf.txt"
  timeout 60 "$build/examples/matmul_timing/matmul_timing" 8192 bfloat16 2>&1 | tee -a "$out/perf.txt"
  CUDA_MODULE_LOADING=EAGER MLXCPP_CUDA_LOG_FALLBACK=1 timeout 150 "$build/apps/mlxcpp/mlxcpp" bench --arch llama --preset 1b --dtype bfloat16 --device gpu --prompt-tokens 128 --gen-tokens 64 2>&1 | tee -a "$out/perf.txt"
fi
