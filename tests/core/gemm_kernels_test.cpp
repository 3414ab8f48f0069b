// The per-instruction-set half-precision GEMM kernels, each variant this CPU can run, against
// scalar loops: the default build only exercises the best variant through the ops.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "mlx/mlx.h"

#include "backend/cpu/gemm_half_kernels.h"
#include "backend/cpu/thread_pool.h"

// OpenBLAS's thread count (cblas.h is not on the tests' include path).
extern "C" int openblas_get_num_threads(void);

using namespace mlx::core;
using namespace mlx::core::cpu;

namespace {

struct Variant {
  const char* name;
  bool supported;
  HalfKernels<float16_t> f16;
  HalfKernels<bfloat16_t> bf16;
};

std::vector<Variant> variants() {
  std::vector<Variant> out;
  out.push_back(
      {"baseline", true, isa_baseline::float16_kernels(), isa_baseline::bfloat16_kernels()});
#if defined(__x86_64__)
  __builtin_cpu_init();
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
              __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2");
  bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16") &&
                avx2;
  out.push_back({"avx2", avx2, isa_avx2::float16_kernels(), isa_avx2::bfloat16_kernels()});
  out.push_back({"avx512", avx512, isa_avx512::float16_kernels(), isa_avx512::bfloat16_kernels()});
#endif
  return out;
}

template <typename T>
void check_kernels(const HalfKernels<T>& k, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  for (int n : {1, 7, 16, 33, 100}) {
    SCOPED_TRACE(testing::Message() << "n = " << n);
    std::vector<float> f(n);
    for (auto& v : f) {
      v = dist(rng);
    }
    // Values that exercise rounding: ties, subnormals of the half type, overflow, NaN.
    if (n >= 7) {
      f[0] = 1.0f + 1.0f / 256;  // bfloat16 tie
      f[1] = 1.0f + 1.0f / 2048; // float16 tie
      f[2] = 1e-6f;
      f[3] = -3e-39f;
      f[4] = 1e6f;
      f[5] = std::numeric_limits<float>::infinity();
      f[6] = std::numeric_limits<float>::quiet_NaN();
    }
    std::vector<T> h(n);
    k.from_float(f.data(), n, h.data());
    for (int i = 0; i < n; ++i) {
      T expected(f[i]);
      if (std::isnan(f[i])) {
        EXPECT_TRUE(std::isnan(static_cast<float>(h[i])));
      } else {
        EXPECT_EQ(h[i].bits_, expected.bits_) << "from_float at " << i << " of " << f[i];
      }
    }
    std::vector<float> back(n);
    k.to_float(h.data(), n, back.data());
    for (int i = 0; i < n; ++i) {
      float expected = static_cast<float>(h[i]);
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(back[i]));
      } else {
        EXPECT_EQ(back[i], expected) << "to_float at " << i;
      }
    }
  }
  // Matrix-vector products over a strided [rows, cols] matrix.
  for (auto [rows, cols] : {std::pair{1, 1}, {3, 17}, {9, 64}, {5, 133}}) {
    const int ld = cols + 3;
    std::vector<T> w(rows * ld);
    for (auto& v : w) {
      v = T(dist(rng));
    }
    std::vector<float> xr(rows), xc(cols);
    for (auto& v : xr) {
      v = dist(rng);
    }
    for (auto& v : xc) {
      v = dist(rng);
    }
    std::vector<float> dots(rows), axpy(cols, 1.0f);
    k.dot_rows(w.data(), ld, rows, cols, xc.data(), dots.data());
    k.axpy_rows(w.data(), ld, rows, cols, xr.data(), axpy.data());
    for (int r = 0; r < rows; ++r) {
      double expected = 0;
      for (int c = 0; c < cols; ++c) {
        expected += static_cast<double>(static_cast<float>(w[r * ld + c])) * xc[c];
      }
      EXPECT_NEAR(dots[r], expected, 1e-5 * cols);
    }
    for (int c = 0; c < cols; ++c) {
      double expected = 1.0;
      for (int r = 0; r < rows; ++r) {
        expected += static_cast<double>(static_cast<float>(w[r * ld + c])) * xr[r];
      }
      EXPECT_NEAR(axpy[c], expected, 1e-5 * rows);
    }
  }
}

} // namespace

TEST(HalfGemmKernels, EveryVariantMatchesScalarLoops) {
  std::mt19937 rng(41);
  int ran = 0;
  for (const auto& v : variants()) {
    if (!v.supported) {
      continue;
    }
    SCOPED_TRACE(v.name);
    check_kernels(v.f16, rng);
    check_kernels(v.bf16, rng);
    ++ran;
  }
  EXPECT_GE(ran, 1);
}

TEST(Gemm, LeavesOpenBlasThreadsForDirectCallers) {
  // gemm() runs BLAS single-threaded on each of our pool's threads, then restores OpenBLAS's own
  // count, set to the pool's size, for code that calls BLAS directly.
  auto a = ones({300, 200});
  auto b = ones({200, 300});
  eval(matmul(a, b));
  EXPECT_EQ(openblas_get_num_threads(), num_threads());
}
