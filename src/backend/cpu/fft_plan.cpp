#include "backend/cpu/fft_plan.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numbers>
#include <unordered_map>

#include "backend/cpu/fft_arith.h"
#include "backend/cpu/fft_passes.h"

namespace mlx::core::cpu::fft {

namespace {

// Plans kept per element type and kind; the cache starts over when full (plans in use live on
// through their shared_ptr).
constexpr size_t kMaxCachedPlans = 256;

template <typename T>
Complex<T> unit_root(int64_t k, int64_t n) {
  // e^{-2 pi i k / n} from the exact residue, so large tables keep full precision.
  double angle = -2.0 * std::numbers::pi * static_cast<double>(k % n) / static_cast<double>(n);
  return {static_cast<T>(std::cos(angle)), static_cast<T>(std::sin(angle))};
}

// The radices of n, 4s first, or nothing when n has a prime factor above kMaxDirectRadix.
std::vector<int> factorize(int64_t n) {
  std::vector<int> radices;
  for (int p : {4, 2, 3, 5}) {
    while (n % p == 0) {
      radices.push_back(p);
      n /= p;
    }
  }
  for (int p = 7; p <= kMaxDirectRadix && n > 1; p += 2) {
    while (n % p == 0) {
      radices.push_back(p);
      n /= p;
    }
  }
  return n == 1 ? radices : std::vector<int>{};
}

// The pass variant for this CPU: each is compiled with the instruction-set extensions tested
// here, so it may use any of them.
template <typename T>
RadixPass<T> select_radix_pass() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16") &&
      __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
      __builtin_cpu_supports("bmi2")) {
    return isa_avx512::radix_pass<T>;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2")) {
    return isa_avx2::radix_pass<T>;
  }
#endif
  return isa_baseline::radix_pass<T>;
}

bool is_5_smooth(int64_t n) {
  for (int p : {2, 3, 5}) {
    while (n % p == 0) {
      n /= p;
    }
  }
  return n == 1;
}

template <typename PlanType>
std::shared_ptr<const PlanType> cached_plan(int64_t n) {
  static std::mutex mutex;
  static std::unordered_map<int64_t, std::shared_ptr<const PlanType>> cache;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(n); it != cache.end()) {
      return it->second;
    }
  }
  // Built unlocked: a Bluestein plan asks the cache for its convolution plan.
  auto plan = std::make_shared<const PlanType>(n);
  std::lock_guard lock(mutex);
  if (cache.size() >= kMaxCachedPlans) {
    cache.clear();
  }
  return cache.try_emplace(n, std::move(plan)).first->second;
}

} // namespace

template <typename T>
std::shared_ptr<const Plan<T>> Plan<T>::get(int64_t n) {
  return cached_plan<Plan<T>>(n);
}

template <typename T>
Plan<T>::Plan(int64_t n) : n_(n) {
  auto radices = factorize(n);
  if (!radices.empty() || n == 1) {
    int64_t span = 1;
    for (int p : radices) {
      Stage stage{p, span, {}, {}};
      if (span > 1) {
        stage.twiddles.resize((p - 1) * span);
        for (int s = 1; s < p; ++s) {
          for (int64_t j = 0; j < span; ++j) {
            stage.twiddles[(s - 1) * span + j] = unit_root<T>(j * s, span * p);
          }
        }
      }
      if (p > 5) {
        for (int k = 0; k < p; ++k) {
          stage.roots.push_back(unit_root<T>(k, p));
        }
      }
      stages_.push_back(std::move(stage));
      span *= p;
    }
    return;
  }
  // Bluestein: X[k] = c[k] sum_t (x[t] c[t]) conj(c[k - t]) with c[t] = e^{-i pi t^2 / n}, a
  // circular convolution of length m >= 2n - 1 done with a 5-smooth (Stockham) transform.
  conv_size_ = 2 * n - 1;
  while (!is_5_smooth(conv_size_)) {
    ++conv_size_;
  }
  conv_plan_ = Plan<T>::get(conv_size_);
  chirp_.resize(n);
  for (int64_t t = 0; t < n; ++t) {
    // t^2 mod 2n exactly (t < 2^31), so the angle is exact before rounding.
    int64_t r = (t * t) % (2 * n);
    double angle = -std::numbers::pi * static_cast<double>(r) / static_cast<double>(n);
    chirp_[t] = {static_cast<T>(std::cos(angle)), static_cast<T>(std::sin(angle))};
  }
  filter_.assign(conv_size_, Complex<T>{0, 0});
  filter_[0] = conj(chirp_[0]);
  for (int64_t j = 1; j < n; ++j) {
    filter_[j] = filter_[conv_size_ - j] = conj(chirp_[j]);
  }
  std::vector<Complex<T>> scratch(conv_plan_->scratch_size());
  conv_plan_->execute(filter_.data(), scratch.data(), false);
  const T inv_m = T(1) / static_cast<T>(conv_size_);
  for (auto& f : filter_) {
    f = scale(f, inv_m);
  }
}

template <typename T>
int64_t Plan<T>::scratch_size() const {
  return conv_plan_ ? conv_size_ + conv_plan_->scratch_size() : n_;
}

template <typename T>
void Plan<T>::execute(Complex<T>* data, Complex<T>* scratch, bool inverse) const {
  if (conv_plan_) {
    run_bluestein(data, scratch, inverse);
  } else {
    run_stages(data, scratch, inverse);
  }
}

template <typename T>
void Plan<T>::run_stages(Complex<T>* data, Complex<T>* scratch, bool inverse) const {
  static const RadixPass<T> pass = select_radix_pass<T>();
  Complex<T>* in = data;
  Complex<T>* out = scratch;
  for (const auto& st : stages_) {
    pass(in, out, st.radix, n_, st.span, st.twiddles.data(), st.roots.data(), inverse);
    std::swap(in, out);
  }
  if (in != data) {
    std::copy(in, in + n_, data);
  }
}

template <typename T>
void Plan<T>::run_bluestein(Complex<T>* data, Complex<T>* scratch, bool inverse) const {
  // The inverse is the conjugate of the forward transform of the conjugate.
  Complex<T>* w = scratch;
  Complex<T>* conv_scratch = scratch + conv_size_;
  for (int64_t t = 0; t < n_; ++t) {
    w[t] = mul<false>(inverse ? conj(data[t]) : data[t], chirp_[t]);
  }
  std::fill(w + n_, w + conv_size_, Complex<T>{0, 0});
  conv_plan_->execute(w, conv_scratch, false);
  for (int64_t k = 0; k < conv_size_; ++k) {
    w[k] = mul<false>(w[k], filter_[k]);
  }
  conv_plan_->execute(w, conv_scratch, true);
  for (int64_t k = 0; k < n_; ++k) {
    Complex<T> x = mul<false>(w[k], chirp_[k]);
    data[k] = inverse ? conj(x) : x;
  }
}

template <typename T>
std::shared_ptr<const RealPlan<T>> RealPlan<T>::get(int64_t n) {
  return cached_plan<RealPlan<T>>(n);
}

template <typename T>
RealPlan<T>::RealPlan(int64_t n) : n_(n) {
  if (n % 2 == 0) {
    plan_ = Plan<T>::get(n / 2);
    twiddles_.resize(n / 2);
    for (int64_t k = 0; k < n / 2; ++k) {
      twiddles_[k] = unit_root<T>(k, n);
    }
  } else {
    plan_ = Plan<T>::get(n);
  }
}

template <typename T>
int64_t RealPlan<T>::scratch_size() const {
  return plan_->size() + plan_->scratch_size();
}

template <typename T>
void RealPlan<T>::forward(const T* in, Complex<T>* out, Complex<T>* scratch) const {
  Complex<T>* z = scratch;
  Complex<T>* plan_scratch = scratch + plan_->size();
  if (n_ % 2 == 1) {
    for (int64_t t = 0; t < n_; ++t) {
      z[t] = {in[t], T(0)};
    }
    plan_->execute(z, plan_scratch, false);
    std::copy(z, z + n_ / 2 + 1, out);
    return;
  }
  // z = even + i odd samples; Z[k] = E[k] + i O[k] with E, O the half-length transforms of
  // the even and odd samples, recovered from Z[k] and conj(Z[h - k]); X[k] = E[k] + w^k O[k].
  const int64_t h = n_ / 2;
  for (int64_t t = 0; t < h; ++t) {
    z[t] = {in[2 * t], in[2 * t + 1]};
  }
  plan_->execute(z, plan_scratch, false);
  out[0] = {z[0].re + z[0].im, T(0)};
  out[h] = {z[0].re - z[0].im, T(0)};
  for (int64_t k = 1; k < h; ++k) {
    Complex<T> zk = z[k];
    Complex<T> zc = conj(z[h - k]);
    Complex<T> even = scale(add(zk, zc), T(0.5));
    Complex<T> odd = rotate<false>(scale(sub(zk, zc), T(0.5))); // (zk - zc) / 2i
    out[k] = add(even, mul<false>(odd, twiddles_[k]));
  }
}

template <typename T>
void RealPlan<T>::inverse(const Complex<T>* in, T* out, Complex<T>* scratch) const {
  Complex<T>* z = scratch;
  Complex<T>* plan_scratch = scratch + plan_->size();
  if (n_ % 2 == 1) {
    z[0] = {in[0].re, T(0)};
    for (int64_t k = 1; k <= n_ / 2; ++k) {
      z[k] = in[k];
      z[n_ - k] = conj(in[k]);
    }
    plan_->execute(z, plan_scratch, true);
    for (int64_t t = 0; t < n_; ++t) {
      out[t] = z[t].re;
    }
    return;
  }
  // The forward's recombination run backwards: 2 Z[k] = (X[k] + conj(X[h - k])) +
  // i e^{2 pi i k / n} (X[k] - conj(X[h - k])); the half-length inverse of 2Z is n (even + i odd).
  const int64_t h = n_ / 2;
  for (int64_t k = 0; k < h; ++k) {
    Complex<T> xk = k == 0 ? Complex<T>{in[0].re, T(0)} : in[k];
    Complex<T> xc = k == 0 ? Complex<T>{in[h].re, T(0)} : conj(in[h - k]);
    z[k] = add(add(xk, xc), rotate<true>(mul<true>(sub(xk, xc), twiddles_[k])));
  }
  plan_->execute(z, plan_scratch, true);
  for (int64_t t = 0; t < h; ++t) {
    out[2 * t] = z[t].re;
    out[2 * t + 1] = z[t].im;
  }
}

template class Plan<float>;
template class Plan<double>;
template class RealPlan<float>;
template class RealPlan<double>;

} // namespace mlx::core::cpu::fft
