#!/usr/bin/env bash
# Installs every Debian 12 package that mlxcpp's build, tests and benchmarks need.
# Idempotent: packages already present are left alone. Run as root or with sudo available.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  libopenblas-dev liblapacke-dev   # float GEMM and LAPACK (OpenBLAS's, lapack.h prototypes)
  nlohmann-json3-dev libcli11-dev libfmt-dev
  zlib1g-dev                       # deflated .npz members
  libpcre2-dev libutf8proc-dev     # tokenizers: regexes with Unicode classes, normalization
  libsndfile1-dev libsoxr-dev libstb-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  clang libclang-rt-dev            # libFuzzer targets (scripts/run-fuzzers.sh)
  python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
