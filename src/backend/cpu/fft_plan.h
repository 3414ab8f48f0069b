// Our own FFT of any length: mixed-radix Cooley-Tukey in Stockham (self-sorting) form with
// radices 4, 2, 3, 5 and a direct butterfly for other small primes, and Bluestein's chirp-z
// algorithm when the length has a large prime factor. Plans are immutable and cached by length.
//
// No FFT library is used on purpose: FFTW, the one Debian ships, is GPL, which is incompatible
// with shipping mlxcpp as a library under a permissive licence.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace mlx::core::cpu::fft {

// A complex number as two adjacent reals (the layout of std::complex and complex64_t). Plain
// arithmetic: std::complex's operator* handles inf/NaN corner cases through a library call.
template <typename T>
struct Complex {
  T re;
  T im;
};

// The DFT of one length n: forward X[k] = sum_t x[t] e^{-2 pi i t k / n}, inverse with e^{+...}
// and no 1/n (callers scale).
template <typename T>
class Plan {
public:
  // The plan for length n >= 1, built on first use and shared.
  static std::shared_ptr<const Plan> get(int64_t n);

  explicit Plan(int64_t n);

  int64_t size() const { return n_; }

  // Complex elements of scratch execute() needs.
  int64_t scratch_size() const;

  // data (n elements) <- its DFT. scratch must not overlap data.
  void execute(Complex<T>* data, Complex<T>* scratch, bool inverse) const;

private:
  // One Stockham pass (fft_passes.h): radix-p butterflies over sub-transforms of length `span`
  // (the product of the earlier radices), twiddles[(s - 1) * span + j] = e^{-2 pi i j s /
  // (span * p)}.
  struct Stage {
    int radix;
    int64_t span;
    std::vector<Complex<T>> twiddles;
    std::vector<Complex<T>> roots; // e^{-2 pi i k / p}, for radices without a fixed butterfly
  };

  void run_stages(Complex<T>* data, Complex<T>* scratch, bool inverse) const;
  void run_bluestein(Complex<T>* data, Complex<T>* scratch, bool inverse) const;

  int64_t n_;
  std::vector<Stage> stages_;
  // Bluestein: the chirp e^{-i pi t^2 / n}, the convolution length m and the transform of the
  // conjugate chirp filter (with the inverse's 1/m folded in), computed with the length-m plan.
  std::shared_ptr<const Plan> conv_plan_;
  int64_t conv_size_ = 0;
  std::vector<Complex<T>> chirp_;
  std::vector<Complex<T>> filter_;
};

// Transforms of real sequences of length n: the n / 2 + 1 non-redundant outputs. Even lengths
// run as a complex transform of half the length; odd ones through the full complex transform.
template <typename T>
class RealPlan {
public:
  static std::shared_ptr<const RealPlan> get(int64_t n);

  explicit RealPlan(int64_t n);

  int64_t size() const { return n_; }
  int64_t scratch_size() const;

  // out[0, n/2] <- the DFT of the real in[0, n).
  void forward(const T* in, Complex<T>* out, Complex<T>* scratch) const;

  // out[0, n) <- the unnormalized inverse DFT of the Hermitian spectrum whose first n/2 + 1
  // values are in; as numpy's irfft, the imaginary parts of in[0] (and of in[n/2] for even n)
  // are ignored. in is not modified.
  void inverse(const Complex<T>* in, T* out, Complex<T>* scratch) const;

private:
  int64_t n_;
  std::shared_ptr<const Plan<T>> plan_; // length n / 2 if n is even, else n
  std::vector<Complex<T>> twiddles_;    // e^{-2 pi i k / n}, k < n / 2 (even n)
};

} // namespace mlx::core::cpu::fft
