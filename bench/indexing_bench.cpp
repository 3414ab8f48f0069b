// Gathers, scatters and layout copies on the CPU, in bytes moved per second (read + written).
// Run: ./build/bench/indexing_bench [--benchmark_filter=...]; MLXCPP_NUM_THREADS sets threads.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "mlx/mlx.h"

using namespace mlx::core;

namespace {

array random_ids(int n, int hi, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(0, hi - 1);
  std::vector<int32_t> v(n);
  for (auto& x : v) {
    x = dist(gen);
  }
  return array(v.begin(), {n}, int32);
}

// Embedding lookup: rows of a [vocab, dim] float32 table.
void BM_TakeRows(benchmark::State& state) {
  int vocab = 8000, dim = 2048, n = static_cast<int>(state.range(0));
  auto table = reshape(arange(0.0, double(vocab) * dim, 1.0, float32), {vocab, dim});
  auto ids = random_ids(n, vocab, 1);
  eval(table, ids);
  for (auto _ : state) {
    auto out = take(table, ids, 0);
    eval(out);
  }
  state.SetBytesProcessed(state.iterations() * int64_t{2} * n * dim * 4);
}
BENCHMARK(BM_TakeRows)->Arg(16)->Arg(4096)->UseRealTime();

// Scalar gather: 10^7 random reads from 10^6 float32.
void BM_TakeScalars(benchmark::State& state) {
  int n = 10'000'000, size = 1'000'000;
  auto src = arange(0.0, double(size), 1.0, float32);
  auto ids = random_ids(n, size, 2);
  eval(src, ids);
  for (auto _ : state) {
    auto out = take(src, ids, 0);
    eval(out);
  }
  state.SetBytesProcessed(state.iterations() * int64_t{n} * (4 + 4 + 4));
}
BENCHMARK(BM_TakeScalars)->UseRealTime();

// Scalar scatter-add with many duplicates: 10^7 updates into 10^5 float32.
void BM_ScatterAddScalars(benchmark::State& state) {
  int n = 10'000'000, size = 100'000;
  auto base = zeros({size});
  auto ids = random_ids(n, size, 3);
  auto upd = ones({n, 1});
  eval(base, ids, upd);
  for (auto _ : state) {
    auto out = scatter_add(base, ids, upd, 0);
    eval(out);
  }
  state.SetBytesProcessed(state.iterations() * int64_t{n} * (4 + 4));
}
BENCHMARK(BM_ScatterAddScalars)->UseRealTime();

// Writing one token into a [layers*heads, 4096, 128] float16 KV cache in place (donated).
void BM_SliceUpdateCache(benchmark::State& state) {
  auto cache = zeros({64, 4096, 128}, float16);
  auto token = ones({64, 1, 128}, float16);
  eval(cache, token);
  int pos = 0;
  for (auto _ : state) {
    cache = slice_update(cache, token, array(pos), {1});
    eval(cache);
    pos = (pos + 1) % 4096;
  }
  state.SetBytesProcessed(state.iterations() * int64_t{2} * token.nbytes());
}
BENCHMARK(BM_SliceUpdateCache)->UseRealTime();

// The yardstick: a plain copy of 64 MiB of float32 (read + write).
void BM_Copy(benchmark::State& state) {
  auto a = reshape(arange(0.0, 4096.0 * 4096.0, 1.0, float32), {4096, 4096});
  eval(a);
  for (auto _ : state) {
    auto out = copy(a);
    eval(out);
  }
  state.SetBytesProcessed(state.iterations() * int64_t{2} * a.nbytes());
}
BENCHMARK(BM_Copy)->UseRealTime();

// Materializing a transpose (a strided copy) of 64 MiB of float32.
void BM_TransposeCopy(benchmark::State& state) {
  auto a = reshape(arange(0.0, 4096.0 * 4096.0, 1.0, float32), {4096, 4096});
  eval(a);
  for (auto _ : state) {
    auto out = contiguous(transpose(a));
    eval(out);
  }
  state.SetBytesProcessed(state.iterations() * int64_t{2} * a.nbytes());
}
BENCHMARK(BM_TransposeCopy)->UseRealTime();

// Concatenating two 32 MiB halves along the last axis.
void BM_Concatenate(benchmark::State& state) {
  auto a = ones({4096, 2048});
  auto b = zeros({4096, 2048});
  eval(a, b);
  for (auto _ : state) {
    auto out = concatenate({a, b}, 1);
    eval(out);
  }
  state.SetBytesProcessed(state.iterations() * int64_t{2} * 2 * a.nbytes());
}
BENCHMARK(BM_Concatenate)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
