// rms_norm and layer_norm rows in float, whatever the storage type (compiled once per
// instruction set; see norm_kernels.h). The first statistics pass reads the row from memory;
// the later passes find it in the L1/L2 cache, so a row costs one read and one write. Half-type
// rows are bound by their conversions rather than by memory, hence weights widened to float
// once per call.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "backend/cpu/fast_vec.h"
#include "backend/cpu/norm_kernels.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

constexpr int w = VecF::width;

// A row's elements a step at a time, as float vectors: Plain takes VecF::width elements in
// order. The per-feature weights a step uses come from a copy laid out as the step needs.
template <typename T>
struct Plain {
  static constexpr int step = w;
  using V = VecF;
  static V load_row(const T* p) { return load(p); }
  static V load_param(const float* p) { return load(p); }
  static V round(V v) { return round_to<T>(v); }
  static void put(T* p, V v, bool streaming) {
    if (streaming) {
      stream(p, v);
    } else {
      store(p, v);
    }
  }
  static float total(V v) { return reduce_add(v); }
  static void lay_out(float*, int) {}
};

#if defined(__AVX512BF16__)
// bfloat16 with AVX-512 BF16: 32 elements a step, as their even and odd elements, which a
// shift and a mask split and one permute joins; widening 16 elements at a time would take a
// shuffle each, and shuffles, not memory, bound bfloat16 rows.
struct Pair {
  VecF even, odd;
};
inline Pair operator+(Pair a, Pair b) {
  return {a.even + b.even, a.odd + b.odd};
}
inline Pair operator-(Pair a, Pair b) {
  return {a.even - b.even, a.odd - b.odd};
}
inline Pair operator*(Pair a, Pair b) {
  return {a.even * b.even, a.odd * b.odd};
}
inline Pair fma(Pair a, Pair b, Pair c) {
  return {fma(a.even, b.even, c.even), fma(a.odd, b.odd, c.odd)};
}

struct PairedBf16 {
  static constexpr int step = 2 * w;
  using V = Pair;
  static V load_row(const bfloat16_t* p) {
    __m512i v = _mm512_loadu_si512(p);
    return {{_mm512_castsi512_ps(_mm512_slli_epi32(v, 16))},
            {_mm512_castsi512_ps(_mm512_and_si512(v, _mm512_set1_epi32(0xffff0000u)))}};
  }
  // Weights laid out by lay_out(): the even elements of the step, then the odd ones.
  static V load_param(const float* p) { return {load(p), load(p + w)}; }
  static V round(V v) { return {round_to<bfloat16_t>(v.even), round_to<bfloat16_t>(v.odd)}; }
  static void put(bfloat16_t* p, V v, bool streaming) {
    // [even 0..15 | odd 0..15] as bfloat16, then interleaved.
    __m512i halves = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(v.odd.v, v.even.v));
    __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                     23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    __m512i joined = _mm512_permutexvar_epi16(order, halves);
    if (streaming) {
      _mm512_stream_si512(reinterpret_cast<__m512i*>(p), joined);
    } else {
      _mm512_storeu_si512(p, joined);
    }
  }
  static float total(V v) { return reduce_add(v.even + v.odd); }
  // Each whole step of p[0..n) reordered as load_param() reads it.
  static void lay_out(float* p, int n) {
    float tmp[2 * w];
    for (int i = 0; i + 2 * w <= n; i += 2 * w) {
      for (int k = 0; k < w; ++k) {
        tmp[k] = p[i + 2 * k];
        tmp[w + k] = p[i + 2 * k + 1];
      }
      std::copy(tmp, tmp + 2 * w, p + i);
    }
  }
};

template <typename T>
using Steps = std::conditional_t<std::is_same_v<T, bfloat16_t>, PairedBf16, Plain<T>>;
#else
template <typename T>
using Steps = Plain<T>;
#endif

template <typename V>
V splat(float x) {
  if constexpr (std::is_same_v<V, VecF>) {
    return broadcast(x);
  } else {
    return {broadcast(x), broadcast(x)};
  }
}

// Sum of (x - shift)^p over x[0..n), p = 1 or 2: whole steps with S, the rest plainly.
template <int power, typename S, typename T>
float row_sum(const T* x, int n, float shift) {
  using V = typename S::V;
  V s = splat<V>(shift);
  auto term = [&](auto v, auto acc) {
    auto d = v - s;
    return power == 2 ? fma(d, d, acc) : acc + d;
  };
  V a0 = splat<V>(0.0f), a1 = a0;
  int i = 0;
  for (; i + 2 * S::step <= n; i += 2 * S::step) {
    a0 = term(S::load_row(x + i), a0);
    a1 = term(S::load_row(x + i + S::step), a1);
  }
  for (; i + S::step <= n; i += S::step) {
    a0 = term(S::load_row(x + i), a0);
  }
  float total = S::total(a0 + a1);
  VecF rest = broadcast(0.0f), sv = broadcast(shift);
  for (; i < n; i += w) {
    // Padding equal to the shift adds nothing.
    VecF d = (i + w <= n ? load(x + i) : load_partial(x + i, n - i, shift)) - sv;
    rest = power == 2 ? fma(d, d, rest) : rest + d;
  }
  return total + reduce_add(rest);
}

// out[i] = value(x[i], i) over the row, whole steps with S (value taking and giving its
// vectors) and the rest plainly (VecF), streamed past the caches if asked and the row allows
// it (aligned, whole steps). The next row, if any, is prefetched meanwhile: its statistics
// pass then reads from cache, and memory keeps busy while this row computes.
template <typename S, typename T, typename F>
void write_row(const T* x, T* out, int n, bool streaming, const T* next, F value) {
  bool st = streaming && n % S::step == 0 && stream_aligned(out);
  int i = 0;
  for (; i + S::step <= n; i += S::step) {
    if (next != nullptr) {
      for (int k = 0; k < S::step; k += 64 / sizeof(T)) {
        prefetch(next + i + k);
      }
    }
    S::put(out + i, value(S::load_row(x + i), i), st);
  }
  for (; i < n; i += w) {
    int rest = std::min(w, n - i);
    VecF y = value(rest == w ? load(x + i) : load_partial(x + i, rest, 0.0f), i);
    store_partial(out + i, y, rest);
  }
}

// A per-feature parameter as a vector of the same kind as v; past the end of the row (a
// partial tail) the lanes are unused.
template <typename S, typename V>
V param(const float* p, int i, int n) {
  if constexpr (std::is_same_v<V, VecF>) {
    return i + w <= n ? load(p + i) : load_partial(p + i, n - i, 0.0f);
  } else {
    return S::load_param(p + i);
  }
}

// v rounded to T's precision, a plain vector or one of S's steps.
template <typename S, typename T, typename V>
V rounded(V v) {
  if constexpr (std::is_same_v<V, VecF>) {
    return round_to<T>(v);
  } else {
    return S::round(v);
  }
}

// The weights (and bias) laid out for S, in scratch.
template <typename S>
const float* laid_out(const float* p, int n, std::vector<float>& scratch) {
  scratch.assign(p, p + n);
  S::lay_out(scratch.data(), n);
  return scratch.data();
}

template <typename T>
void rms_norm_rows(const void* xv, const float* weight_in, void* ov, int64_t rows, int n, float eps,
                   bool streaming) {
  using S = Steps<T>;
  std::vector<float> scratch;
  const float* weight = laid_out<S>(weight_in, n, scratch);
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = static_cast<const T*>(xv) + r * n;
    T* out = static_cast<T*>(ov) + r * n;
    float inv = 1.0f / std::sqrt(row_sum<2, S>(x, n, 0.0f) / n + eps);
    write_row<S>(x, out, n, streaming, r + 1 < rows ? x + n : nullptr, [&](auto v, int i) {
      using V = decltype(v);
      return rounded<S, T>(v * splat<V>(inv)) * param<S, V>(weight, i, n);
    });
  }
  if (streaming) {
    stream_fence();
  }
}

template <typename T>
void layer_norm_rows(const void* xv, const float* weight_in, const float* bias_in, void* ov,
                     int64_t rows, int n, float eps, bool streaming) {
  using S = Steps<T>;
  std::vector<float> weight_scratch, bias_scratch;
  const float* weight = laid_out<S>(weight_in, n, weight_scratch);
  const float* bias = laid_out<S>(bias_in, n, bias_scratch);
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = static_cast<const T*>(xv) + r * n;
    T* out = static_cast<T*>(ov) + r * n;
    float mean = row_sum<1, S>(x, n, 0.0f) / n;
    // The variance of the centred values (a second pass, from the cache): no cancellation as
    // in E[x^2] - E[x]^2, which activations with outliers would suffer.
    float inv_std = 1.0f / std::sqrt(row_sum<2, S>(x, n, mean) / n + eps);
    write_row<S>(x, out, n, streaming, r + 1 < rows ? x + n : nullptr, [&](auto v, int i) {
      using V = decltype(v);
      // Subtracting first keeps x - mean exact where x is close to the mean (a multiply-add
      // x * inv - mean * inv would not, with a large mean or a tiny variance).
      V normalized = rounded<S, T>((v - splat<V>(mean)) * splat<V>(inv_std));
      return rounded<S, T>(normalized * param<S, V>(weight, i, n)) + param<S, V>(bias, i, n);
    });
  }
  if (streaming) {
    stream_fence();
  }
}

} // namespace

NormKernels norm_kernels(Dtype dtype) {
  if (dtype == float16) {
    return {rms_norm_rows<float16_t>, layer_norm_rows<float16_t>};
  }
  if (dtype == bfloat16) {
    return {rms_norm_rows<bfloat16_t>, layer_norm_rows<bfloat16_t>};
  }
  return {rms_norm_rows<float>, layer_norm_rows<float>};
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
