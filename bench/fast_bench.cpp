// The fused model kernels of mlx::core::fast against the machine's own yardsticks, both read
// right before the kernels they judge:
//  - rms_norm, layer_norm and rope move their input once and their output once: GB/s of
//    2 x the input's bytes, as a share of the read bandwidth;
//  - attention decode (one query) is bound by reading the keys and values: GB/s of K + V;
//  - causal attention prefill is bound by arithmetic: GFLOP/s (4 D flops per query-key pair
//    the mask keeps, per query head), as a share of OpenBLAS's float32 GEMM rate.
// Each figure comes by wall time and by process CPU time divided by the thread count: on a
// machine whose cores other jobs share, the second drops the time spent waiting for a core.
// Every timed run starts with cold caches (a 64 MB read pass first), as in a model's forward
// pass; --hot skips that, to see the compute side alone.
//   MLXCPP_NUM_THREADS=2 ./build/bench/fast_bench [--repeats N] [--only norms|decode|prefill]
//                                                [--hot]
#include <cblas.h> // defines its own bfloat16: ours is spelled mlx::core::bfloat16 below

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "mlx/mlx.h"

#include "bandwidth_probe.h"

using namespace mlx::core;

namespace {

array random_input(const Shape& shape, Dtype dtype, uint32_t seed = 12345) {
  int64_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  std::vector<float> v(n);
  uint32_t state = seed;
  for (auto& x : v) {
    state = state * 1664525u + 1013904223u;
    x = static_cast<float>(state >> 8) * (4.0f / 16777216.0f) - 2.0f;
  }
  auto a = array(v.begin(), shape, dtype);
  a.eval();
  return a;
}

// Best wall and CPU times of fn() over `repeats` runs, each after evicting the caches (a
// read pass over a buffer twice the size of L3; reads leave no dirty lines whose write-back
// would burden the timed run): the inputs here (16 to 64 MB) could
// otherwise stay partly in a 32 MB L3 from one run to the next, which a model's forward pass,
// streaming every layer's weights and cache, never allows.
bool evict_caches = true; // --hot keeps them (to see the compute side alone)

template <typename F>
bench::Timing time_cold(F&& fn, int repeats) {
  static std::vector<uint64_t> junk(size_t{64} << 17, 1); // 64 MiB
  static std::atomic<uint64_t> sink{0};
  auto evict = [] {
    cpu::parallel_for(static_cast<int64_t>(junk.size()), 1 << 16, [](int64_t lo, int64_t hi) {
      uint64_t x = 0;
      for (int64_t i = lo; i < hi; i += 8) { // one word per cache line
        x += junk[i];
      }
      sink.fetch_add(x, std::memory_order_relaxed);
    });
  };
  fn();
  bench::Timing best{1e30, 1e30};
  for (int r = 0; r < repeats; ++r) {
    if (evict_caches) {
      evict();
    }
    double c0 = bench::process_cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    fn();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best.wall = std::min(best.wall, wall);
    best.cpu = std::min(best.cpu, (bench::process_cpu_seconds() - c0) / cpu::num_threads());
  }
  return best;
}

std::string label_of(const char* what, Dtype dtype) {
  return std::string(what) + " " + dtype_to_string(dtype);
}

void bench_norms_and_rope(int repeats) {
  for (Dtype dtype : {float32, mlx::core::bfloat16}) {
    auto bw = bench::measure_read_bandwidth();
    bench::print_header(bw);
    auto x = random_input({4096, 4096}, dtype);
    auto w = random_input({4096}, dtype, 7);
    auto b = random_input({4096}, dtype, 8);
    double bytes = 2.0 * static_cast<double>(x.nbytes());
    bench::print_row(label_of("rms_norm 4096x4096", dtype).c_str(), bytes,
                     time_cold([&] { eval(fast::rms_norm(x, w, 1e-5f)); }, repeats), bw);
    bench::print_row(label_of("layer_norm 4096x4096", dtype).c_str(), bytes,
                     time_cold([&] { eval(fast::layer_norm(x, w, b, 1e-5f)); }, repeats), bw);
    // Prefill queries [B, H, L, D] = [1, 32, 4096, 128], as stored and as the LM passes them:
    // a transposed view of [B, L, H, D].
    auto q = reshape(x, {1, 32, 4096, 128});
    auto q_view = transpose(reshape(x, {1, 4096, 32, 128}), {0, 2, 1, 3});
    bench::print_row(
        label_of("rope 1x32x4096x128", dtype).c_str(), bytes,
        time_cold([&] { eval(fast::rope(q, 128, false, 10000.0f, 1.0f, 17)); }, repeats), bw);
    bench::print_row(
        label_of("rope 1x32x4096x128 traditional", dtype).c_str(), bytes,
        time_cold([&] { eval(fast::rope(q, 128, true, 10000.0f, 1.0f, 17)); }, repeats), bw);
    bench::print_row(
        label_of("rope [1,4096,32,128]^T", dtype).c_str(), bytes,
        time_cold([&] { eval(fast::rope(q_view, 128, false, 10000.0f, 1.0f, 17)); }, repeats), bw);
  }
}

// Decode: 1 query, 32 heads sharing 8 key/value heads, 4096 cached tokens, head dim 128.
void bench_decode(int repeats) {
  const int Hq = 32, Hkv = 8, L = 4096, D = 128, capacity = 8192;
  for (Dtype dtype : {float32, mlx::core::bfloat16}) {
    auto bw = bench::measure_read_bandwidth();
    bench::print_header(bw);
    auto q = random_input({1, Hq, 1, D}, dtype, 1);
    auto k = random_input({1, Hkv, L, D}, dtype, 2);
    auto v = random_input({1, Hkv, L, D}, dtype, 3);
    double bytes = 2.0 * static_cast<double>(k.nbytes());
    float scale = 0.088f;
    bench::print_row(
        label_of("sdpa decode 32/8 heads 4096x128", dtype).c_str(), bytes,
        time_cold([&] { eval(fast::scaled_dot_product_attention(q, k, v, scale)); }, repeats), bw);
    // The LM's cache: a preallocated [1, Hkv, capacity, D] buffer, passed as a slice.
    auto k_cache = random_input({1, Hkv, capacity, D}, dtype, 4);
    auto v_cache = random_input({1, Hkv, capacity, D}, dtype, 5);
    auto ks = slice(k_cache, {0, 0, 0, 0}, {1, Hkv, L, D});
    auto vs = slice(v_cache, {0, 0, 0, 0}, {1, Hkv, L, D});
    bench::print_row(
        label_of("sdpa decode, KV sliced from cache", dtype).c_str(), bytes,
        time_cold([&] { eval(fast::scaled_dot_product_attention(q, ks, vs, scale)); }, repeats),
        bw);
  }
}

// OpenBLAS's float32 GEMM rate (2048^3), with as many OpenBLAS threads as our pool has.
bench::Timing sgemm_reference(int repeats) {
  const int n = 2048;
  std::vector<float> a(size_t{n} * n, 0.5f), b(size_t{n} * n, 0.25f), c(size_t{n} * n);
  openblas_set_num_threads(cpu::num_threads());
  return time_cold(
      [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(),
                    n, 0.0f, c.data(), n);
      },
      repeats);
}

void print_rate(const char* label, double flops, bench::Timing t, bench::Timing ref,
                double ref_flops) {
  double wall = flops / t.wall / 1e9, cpu = flops / t.cpu / 1e9;
  double ref_wall = ref_flops / ref.wall / 1e9, ref_cpu = ref_flops / ref.cpu / 1e9;
  std::printf("%-44s %9.2f %8.1f %6.0f%% %9.2f %8.1f %6.0f%%\n", label, t.wall * 1e3, wall,
              100 * wall / ref_wall, t.cpu * 1e3, cpu, 100 * cpu / ref_cpu);
}

// Causal prefill of 2048 tokens: 32 query heads, 8 key/value heads, head dim 128.
void bench_prefill(int repeats) {
  const int Hq = 32, Hkv = 8, L = 2048, D = 128;
  auto ref = sgemm_reference(repeats);
  double ref_flops = 2.0 * 2048.0 * 2048.0 * 2048.0;
  std::printf("\nopenblas sgemm 2048^3: %.1f GFLOP/s by wall time, %.1f GFLOP/s by CPU time\n",
              ref_flops / ref.wall / 1e9, ref_flops / ref.cpu / 1e9);
  std::printf("%-44s %9s %8s %7s %9s %8s %7s\n", "case", "wall ms", "GFLOP/s", "of gemm", "cpu ms",
              "GFLOP/s", "of gemm");
  // Pairs (query, key) the causal mask keeps: L (L + 1) / 2 per head.
  double flops = 4.0 * D * Hq * (static_cast<double>(L) * (L + 1) / 2);
  for (Dtype dtype : {float32, mlx::core::bfloat16}) {
    auto q = random_input({1, Hq, L, D}, dtype, 1);
    auto k = random_input({1, Hkv, L, D}, dtype, 2);
    auto v = random_input({1, Hkv, L, D}, dtype, 3);
    auto t = time_cold([&] { eval(fast::scaled_dot_product_attention(q, k, v, 0.088f, "causal")); },
                       repeats);
    print_rate(label_of("sdpa prefill causal 2048, 32/8 heads", dtype).c_str(), flops, t, ref,
               ref_flops);
  }
}

} // namespace

int main(int argc, char** argv) {
  if (std::getenv("MLXCPP_NUM_THREADS") == nullptr) {
    setenv("MLXCPP_NUM_THREADS", "2", 1); // the figure the issues ask for
  }
  int repeats = 10;
  bool norms = true, decode = true, prefill = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--hot") == 0) {
      evict_caches = false;
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      std::string which = argv[++i];
      norms = which == "norms";
      decode = which == "decode";
      prefill = which == "prefill";
    }
  }
  std::printf("fast_bench: %d threads\n", cpu::num_threads());
  if (norms) {
    bench_norms_and_rope(repeats);
  }
  if (decode) {
    bench_decode(repeats);
  }
  if (prefill) {
    bench_prefill(std::max(1, repeats / 3));
  }
  return 0;
}
