// The FFT's 1-D engine (backend/cpu/fft_plan.h) against a naive O(n^2) DFT in double
// precision at lengths of every kind, and each instruction-set variant of its passes.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "backend/cpu/fft_passes.h"
#include "backend/cpu/fft_plan.h"
#include "core/fft_reference.h"

using namespace mlx::core;
using namespace fft_reference;

TEST(FftPlan, ComplexMatchesNaiveDftInDoublePrecision) {
  for (int n : kLengths) {
    auto plan = cpu::fft::Plan<double>::get(n);
    auto x = random_complex(n, n);
    for (bool inverse : {false, true}) {
      std::vector<cd> data = x;
      std::vector<cd> scratch(plan->scratch_size());
      plan->execute(reinterpret_cast<cpu::fft::Complex<double>*>(data.data()),
                    reinterpret_cast<cpu::fft::Complex<double>*>(scratch.data()), inverse);
      EXPECT_LT(max_rel_error(data, naive_dft(x, inverse)), 1e-13 * std::sqrt(double(n)))
          << "n = " << n << (inverse ? " inverse" : " forward");
    }
  }
}

TEST(FftPlan, RealMatchesNaiveDftInDoublePrecision) {
  for (int n : kLengths) {
    auto plan = cpu::fft::RealPlan<double>::get(n);
    auto x = random_real(n, 7 * n);
    std::vector<cd> xc(x.begin(), x.end());
    auto want = naive_dft(xc);
    std::vector<cd> got(n / 2 + 1);
    std::vector<cd> scratch(plan->scratch_size());
    auto* scratch_ptr = reinterpret_cast<cpu::fft::Complex<double>*>(scratch.data());
    plan->forward(x.data(), reinterpret_cast<cpu::fft::Complex<double>*>(got.data()), scratch_ptr);
    want.resize(n / 2 + 1);
    EXPECT_LT(max_rel_error(got, want), 1e-13 * std::sqrt(double(n))) << "n = " << n;

    std::vector<double> back(n);
    const std::vector<cd> spectrum = got;
    plan->inverse(reinterpret_cast<const cpu::fft::Complex<double>*>(spectrum.data()), back.data(),
                  scratch_ptr);
    EXPECT_EQ(spectrum, got) << "the inverse must not modify its input";
    std::vector<cd> back_c(back.begin(), back.end());
    for (auto& v : back_c) {
      v /= n;
    }
    EXPECT_LT(max_rel_error(back_c, xc), 1e-13 * std::sqrt(double(n))) << "n = " << n;
  }
}

namespace {

// The pass variants this CPU can run (the default build only uses the best one).
template <typename T>
std::vector<std::pair<const char*, cpu::fft::RadixPass<T>>> runnable_passes() {
  std::vector<std::pair<const char*, cpu::fft::RadixPass<T>>> out = {
      {"baseline", cpu::fft::isa_baseline::radix_pass<T>}};
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2")) {
    out.push_back({"avx2", cpu::fft::isa_avx2::radix_pass<T>});
  }
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16") &&
      __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
      __builtin_cpu_supports("bmi2")) {
    out.push_back({"avx512", cpu::fft::isa_avx512::radix_pass<T>});
  }
#endif
  return out;
}

// One pass by its definition (fft_passes.h), in double.
std::vector<cd> reference_pass(const std::vector<cd>& in, int p, int64_t span,
                               const std::vector<cd>& twiddles, bool inverse) {
  const int64_t n = in.size(), m = n / (span * p);
  std::vector<cd> out(n);
  const double sign = inverse ? 1.0 : -1.0;
  for (int64_t k = 0; k < m; ++k) {
    for (int64_t j = 0; j < span; ++j) {
      for (int q = 0; q < p; ++q) {
        cd acc = 0;
        for (int s = 0; s < p; ++s) {
          cd x = in[j + span * k + s * (n / p)];
          if (s > 0 && span > 1) {
            cd w = twiddles[(s - 1) * span + j];
            x *= inverse ? std::conj(w) : w;
          }
          double angle = sign * 2.0 * std::numbers::pi * ((q * s) % p) / p;
          acc += x * cd(std::cos(angle), std::sin(angle));
        }
        out[j + span * (p * k + q)] = acc;
      }
    }
  }
  return out;
}

template <typename T>
void check_pass_variants(double tol) {
  using C = cpu::fft::Complex<T>;
  for (auto [name, pass] : runnable_passes<T>()) {
    for (int p : {2, 3, 4, 5, 7}) {
      for (int64_t span : {1, 3, 8, 20}) {
        for (int64_t m : {1, 6, 9}) {
          const int64_t n = span * p * m;
          auto x = random_complex(n, static_cast<unsigned>(n + p));
          auto tw = random_complex((p - 1) * span, static_cast<unsigned>(span));
          std::vector<C> in(n), twiddles(tw.size()), roots(p), out(n);
          for (int64_t i = 0; i < n; ++i) {
            in[i] = {static_cast<T>(x[i].real()), static_cast<T>(x[i].imag())};
          }
          for (size_t i = 0; i < tw.size(); ++i) {
            twiddles[i] = {static_cast<T>(tw[i].real()), static_cast<T>(tw[i].imag())};
          }
          for (int k = 0; k < p; ++k) {
            double angle = -2.0 * std::numbers::pi * k / p;
            roots[k] = {static_cast<T>(std::cos(angle)), static_cast<T>(std::sin(angle))};
          }
          for (bool inverse : {false, true}) {
            pass(in.data(), out.data(), p, n, span, twiddles.data(), roots.data(), inverse);
            std::vector<cd> got(n);
            for (int64_t i = 0; i < n; ++i) {
              got[i] = {static_cast<double>(out[i].re), static_cast<double>(out[i].im)};
            }
            EXPECT_LT(max_rel_error(got, reference_pass(x, p, span, tw, inverse)), tol)
                << name << " radix " << p << " span " << span << " groups " << m;
          }
        }
      }
    }
  }
}

} // namespace

TEST(FftPlan, EveryInstructionSetVariantOfThePasses) {
  check_pass_variants<double>(1e-14);
  check_pass_variants<float>(1e-5);
}

TEST(FftPlan, PlansAreCachedAndShared) {
  EXPECT_EQ(cpu::fft::Plan<float>::get(360).get(), cpu::fft::Plan<float>::get(360).get());
  EXPECT_EQ(cpu::fft::RealPlan<float>::get(98).get(), cpu::fft::RealPlan<float>::get(98).get());
}
