#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/ and runs each for a bounded
# time on its seed corpus (fuzz/corpus/<format>/) plus what earlier runs found. Exits non-zero
# if any target crashes, leaks or trips a sanitizer; the input that did is saved under
# build-fuzz/fuzz-findings/. Usage: scripts/run-fuzzers.sh [SECONDS per target, default 60]
# Environment: MLXCPP_FUZZ_BUILD_DIR (default build-fuzz), MLXCPP_FUZZ_JOBS (ninja -j),
# MLXCPP_FUZZ_ENGINE_LIB (a libmlxcpp_core.a already built, e.g. build/src/libmlxcpp_core.a:
# the engine is then not compiled again).
set -euo pipefail

seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MLXCPP_FUZZ_BUILD_DIR:-$root/build-fuzz}
targets=(safetensors gguf npy npz)

# -O1: libFuzzer's recommendation, and much quicker to build with the sanitizers.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DMLXCPP_BUILD_FUZZERS=ON \
  -DMLXCPP_BUILD_TESTS=OFF -DMLXCPP_BUILD_BENCH=OFF -DMLXCPP_BUILD_APPS=OFF \
  -DMLXCPP_FUZZ_ENGINE_LIB="${MLXCPP_FUZZ_ENGINE_LIB:-}" >/dev/null
ninja -C "$build" ${MLXCPP_FUZZ_JOBS:+-j "$MLXCPP_FUZZ_JOBS"} "${targets[@]/#/fuzz_}"

findings=$build/fuzz-findings
mkdir -p "$findings"
failed=()
for target in "${targets[@]}"; do
  corpus=$build/fuzz-corpus/$target # grows across runs; the seeds stay read-only
  mkdir -p "$corpus"
  echo "== fuzz_$target: ${seconds}s"
  # One thread per op keeps runs reproducible; the loaders never need more on small inputs.
  if ! MLXCPP_NUM_THREADS=1 "$build/fuzz/fuzz_$target" -max_total_time="$seconds" \
    -max_len=65536 -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$findings/$target-" "$corpus" "$root/fuzz/corpus/$target"; then
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "run-fuzzers: findings in: ${failed[*]} (inputs under $findings)" >&2
  exit 1
fi
echo "run-fuzzers: no findings (${seconds}s per target)"
