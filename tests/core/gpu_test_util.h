// Shared pieces of the GPU tests: a fixture that skips without a usable GPU and counts CPU
// fallbacks, inputs drawn on the CPU, and comparison of a GPU result with the CPU's.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "mlx/backend/cuda/cuda.h"
#include "mlx/mlx.h"

#include "core/backend_registry.h"

namespace gpu_test {

namespace mx = mlx::core;

inline const mx::Device cpu{mx::Device::cpu};
inline const mx::Device gpu{mx::Device::gpu};

class GpuTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (!mx::cu::is_available()) {
      GTEST_SKIP() << "No usable NVIDIA GPU (or mlxcpp built without CUDA): GPU test skipped.";
    }
    start_ = mx::gpu_backend::cpu_fallback_count();
  }
  // GPU primitives that ran on the CPU since the test started.
  size_t fallbacks() const { return mx::gpu_backend::cpu_fallback_count() - start_; }

private:
  size_t start_ = 0;
};

inline mx::array randn(const mx::Shape& shape, mx::Dtype dtype, uint64_t seed) {
  return mx::random::normal(shape, dtype, 0.0f, 1.0f, mx::random::key(seed), cpu);
}

// The elements as doubles in row-major order (computed on the CPU).
inline std::vector<double> values(const mx::array& a) {
  auto f = mx::contiguous(mx::astype(a, mx::float64, cpu), false, cpu);
  mx::eval(f);
  const double* p = f.data<double>();
  return std::vector<double>(p, p + f.size());
}

// |gpu - ref| <= atol + rtol |ref| elementwise, same shape and dtype; NaN only against NaN.
inline void expect_close(const mx::array& got, const mx::array& ref, double rtol, double atol,
                         const std::string& what = "") {
  ASSERT_EQ(got.shape(), ref.shape()) << what;
  ASSERT_EQ(got.dtype(), ref.dtype()) << what;
  auto g = values(got);
  auto r = values(ref);
  size_t bad = 0;
  size_t first = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    bool ok = std::isnan(r[i])
                  ? std::isnan(g[i])
                  : (g[i] == r[i] || std::abs(g[i] - r[i]) <= atol + rtol * std::abs(r[i]));
    if (!ok && bad++ == 0) {
      first = i;
    }
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << g.size() << " differ; first at " << first
                     << ": gpu " << (bad ? g[first] : 0) << " vs cpu " << (bad ? r[first] : 0);
}

// ||gpu - ref|| / ||ref|| <= tol (METHOD.md's measure: bfloat16 operands land between 1e-3
// and 1e-2); no NaN.
inline void expect_rel_norm(const mx::array& got, const mx::array& ref, double tol,
                            const std::string& what = "") {
  ASSERT_EQ(got.shape(), ref.shape()) << what;
  auto g = values(got);
  auto r = values(ref);
  double num = 0, den = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    num += (g[i] - r[i]) * (g[i] - r[i]);
    den += r[i] * r[i];
  }
  double rel = std::sqrt(num / den);
  EXPECT_TRUE(rel <= tol) << what << ": relative error " << rel << " > " << tol;
}

// Tolerances for a kernel against the CPU's result in `dtype`.
inline double rtol_for(mx::Dtype t) {
  return t == mx::float32 ? 2e-5 : (t == mx::float16 ? 2e-3 : 1.6e-2);
}

} // namespace gpu_test
