// Random generation and sorting throughput: bits/uniform/normal over 2^24 values, row sorts of a
// 1024 x 4096 matrix, and the sampling shapes of a language model (top-k and categorical over a
// 151936-entry vocabulary). Reports elements per second.
#include <benchmark/benchmark.h>

#include "mlx/mlx.h"

using namespace mlx::core;

namespace {

constexpr int kRandomCount = 1 << 24;
constexpr int kVocab = 151936;

void BM_Bits(benchmark::State& state) {
  auto key = random::key(0);
  for (auto _ : state) {
    auto x = random::bits({kRandomCount}, key);
    x.eval();
  }
  state.SetItemsProcessed(state.iterations() * kRandomCount);
}

void BM_Uniform(benchmark::State& state) {
  auto key = random::key(0);
  for (auto _ : state) {
    auto x = random::uniform({kRandomCount}, key);
    x.eval();
  }
  state.SetItemsProcessed(state.iterations() * kRandomCount);
}

void BM_Normal(benchmark::State& state) {
  auto key = random::key(0);
  for (auto _ : state) {
    auto x = random::normal({kRandomCount}, key);
    x.eval();
  }
  state.SetItemsProcessed(state.iterations() * kRandomCount);
}

array matrix() {
  auto m = random::normal({1024, 4096}, random::key(1));
  m.eval();
  return m;
}

void BM_SortRows(benchmark::State& state) {
  auto m = matrix();
  for (auto _ : state) {
    auto s = sort(m, static_cast<int>(state.range(0)));
    s.eval();
  }
  state.SetItemsProcessed(state.iterations() * m.size());
}

void BM_ArgsortRows(benchmark::State& state) {
  auto m = matrix();
  for (auto _ : state) {
    auto s = argsort(m, static_cast<int>(state.range(0)));
    s.eval();
  }
  state.SetItemsProcessed(state.iterations() * m.size());
}

void BM_TopkVocab(benchmark::State& state) {
  auto logits = random::normal({1, kVocab}, random::key(2));
  logits.eval();
  for (auto _ : state) {
    auto t = topk(logits, 50, -1);
    t.eval();
  }
  state.SetItemsProcessed(state.iterations() * kVocab);
}

// Top-p sampling sorts the whole vocabulary every token.
void BM_ArgsortVocab(benchmark::State& state) {
  auto logits = random::normal({1, kVocab}, random::key(2));
  logits.eval();
  for (auto _ : state) {
    auto t = argsort(logits, -1);
    t.eval();
  }
  state.SetItemsProcessed(state.iterations() * kVocab);
}

void BM_CategoricalVocab(benchmark::State& state) {
  auto logits = random::normal({1, kVocab}, random::key(3));
  logits.eval();
  auto key = random::key(4);
  for (auto _ : state) {
    auto t = random::categorical(logits, -1, key);
    t.eval();
  }
  state.SetItemsProcessed(state.iterations() * kVocab);
}

} // namespace

BENCHMARK(BM_Bits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Uniform)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Normal)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SortRows)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ArgsortRows)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TopkVocab)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ArgsortVocab)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CategoricalVocab)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
