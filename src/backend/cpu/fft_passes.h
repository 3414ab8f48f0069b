// The passes of the FFT's Stockham stages (see fft_plan.h), compiled once per instruction set
// (fft_passes_isa.cpp): sub-transforms at least a SIMD register wide run several butterflies
// per instruction.
#pragma once

#include <cstdint>

#include "backend/cpu/fft_plan.h"

namespace mlx::core::cpu::fft {

// Prime factors up to this run as direct radix-p butterflies (p^2 work per p points); a larger
// one makes the whole length go through Bluestein.
constexpr int kMaxDirectRadix = 31;

// One pass over n points: for each sub-transform j < span of each group k < n / (span radix),
// the radix inputs in[j + span k + s n / radix], times twiddles[(s - 1) span + j] (unless span
// is 1), give out[j + span (radix k + q)]. roots (e^{-2 pi i k / radix}) serve radices above 5.
template <typename T>
using RadixPass = void (*)(const Complex<T>* in, Complex<T>* out, int radix, int64_t n,
                           int64_t span, const Complex<T>* twiddles, const Complex<T>* roots,
                           bool inverse);

namespace isa_baseline {
template <typename T>
void radix_pass(const Complex<T>* in, Complex<T>* out, int radix, int64_t n, int64_t span,
                const Complex<T>* twiddles, const Complex<T>* roots, bool inverse);
} // namespace isa_baseline
namespace isa_avx2 {
template <typename T>
void radix_pass(const Complex<T>* in, Complex<T>* out, int radix, int64_t n, int64_t span,
                const Complex<T>* twiddles, const Complex<T>* roots, bool inverse);
} // namespace isa_avx2
namespace isa_avx512 {
template <typename T>
void radix_pass(const Complex<T>* in, Complex<T>* out, int radix, int64_t n, int64_t span,
                const Complex<T>* twiddles, const Complex<T>* roots, bool inverse);
} // namespace isa_avx512

} // namespace mlx::core::cpu::fft
