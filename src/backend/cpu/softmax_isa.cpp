// Softmax and logsumexp rows in float, whatever the storage type (compiled once per
// instruction set; see softmax_kernels.h). Softmax makes three passes over a row: its max (the
// only read from memory), the exponentials with their sum (kept in a float scratch row, which
// stays in cache), then the scaled exponentials stored once. One exponential per element.
#include <algorithm>
#include <cmath>

#include "backend/cpu/float_vec.h"
#include "backend/cpu/softmax_kernels.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

constexpr int w = VecF::width;

// Max of x[0..n), with NaN ignored or not: a NaN shows up in the sum of exponentials anyway.
template <typename T>
float row_max(const T* x, int64_t n) {
  VecF m0 = broadcast(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
  int64_t i = 0;
  for (; i + 4 * w <= n; i += 4 * w) {
    m0 = max_fast(m0, load(x + i));
    m1 = max_fast(m1, load(x + i + w));
    m2 = max_fast(m2, load(x + i + 2 * w));
    m3 = max_fast(m3, load(x + i + 3 * w));
  }
  for (; i + w <= n; i += w) {
    m0 = max_fast(m0, load(x + i));
  }
  if (i < n) {
    m1 = max_fast(m1, load_partial(x + i, static_cast<int>(n - i), -INFINITY));
  }
  return reduce_max(max_fast(max_fast(m0, m1), max_fast(m2, m3)));
}

template <typename T>
bool row_has_nan(const T* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float v = static_cast<float>(x[i]);
    if (v != v) {
      return true;
    }
  }
  return false;
}

// float32 results need exponentials to float's precision; half ones do not.
template <typename T>
constexpr Precision exp_precision = std::is_same_v<T, float> ? Precision::full : Precision::half;

// Sum of exp(x - shift) over x[0..n); the exponentials go to e[0..n) unless e is null. The
// next row, if any, is prefetched meanwhile: its max pass then reads from cache, and memory
// keeps busy while this row computes.
template <typename T>
float row_exp_sum(const T* x, int64_t n, float shift, float* e, const T* next) {
  VecF s = broadcast(shift);
  VecF a0 = broadcast(0.0f), a1 = a0;
  constexpr int64_t line = 64 / sizeof(T); // elements per cache line
  int64_t i = 0;
  for (; i + 2 * w <= n; i += 2 * w) {
    if (next) {
      for (int64_t l = 0; l < 2 * w; l += line) {
        prefetch(next + i + l);
      }
    }
    VecF e0 = exp_shifted<exp_precision<T>>(load(x + i), s);
    VecF e1 = exp_shifted<exp_precision<T>>(load(x + i + w), s);
    if (e) {
      store(e + i, e0);
      store(e + i + w, e1);
    }
    a0 = a0 + e0;
    a1 = a1 + e1;
  }
  for (; i < n; i += w) {
    int rest = static_cast<int>(std::min<int64_t>(w, n - i));
    VecF e0 = exp_shifted<exp_precision<T>>(
        rest == w ? load(x + i) : load_partial(x + i, rest, -INFINITY), s);
    if (e) {
      store_partial(e + i, e0, rest);
    }
    a0 = a0 + e0;
  }
  return reduce_add(a0 + a1);
}

// Rows longer than two chunks are taken a chunk at a time: its max and exponentials are
// computed while the chunk is in L1, so the row is read from memory once instead of twice (the
// max pass of a row too long for the cache would otherwise read it again).
constexpr int64_t chunk = 8192;

// y[0..n) = e[0..n) * scale, streamed past the caches or stored.
template <typename T>
void store_scaled(const float* e, T* y, int64_t n, float scale_value, bool streaming) {
  VecF scale = broadcast(scale_value);
  int64_t i = 0;
  if (streaming) {
    // Plain stores up to the first aligned address, then non-temporal ones.
    for (; i < n && !stream_aligned(y + i); ++i) {
      y[i] = static_cast<T>(e[i] * scale_value);
    }
  }
  for (; i + w <= n; i += w) {
    if (streaming) {
      stream(y + i, load(e + i) * scale);
    } else {
      store(y + i, load(e + i) * scale);
    }
  }
  if (i < n) {
    int rest = static_cast<int>(n - i);
    store_partial(y + i, load_partial(e + i, rest, 0.0f) * scale, rest);
  }
}

// The chunked softmax of a long row: each chunk's exponentials are taken around the chunk's own
// max, then rescaled by exp(chunk max - row max) / sum when stored. Returns false (nothing
// written) when a chunk's max is -inf, which the one-shift path handles, or when the row has
// more than 64 chunks.
template <typename T>
bool softmax_row_chunked(const T* x, T* y, int64_t n, float* e, bool streaming, const T* next) {
  int64_t chunks = (n + chunk - 1) / chunk;
  float maxima[64];
  float sums[64];
  if (chunks > 64) {
    return false;
  }
  float m = -INFINITY;
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t begin = c * chunk, len = std::min(chunk, n - begin);
    maxima[c] = row_max(x + begin, len);
    if (maxima[c] == -INFINITY) {
      return false;
    }
    sums[c] = row_exp_sum(x + begin, len, maxima[c], e + begin, next ? next + begin : nullptr);
    m = std::max(m, maxima[c]);
  }
  float total = 0.0f;
  for (int64_t c = 0; c < chunks; ++c) {
    total += sums[c] * std::exp(maxima[c] - m);
  }
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t begin = c * chunk, len = std::min(chunk, n - begin);
    store_scaled(e + begin, y + begin, len, std::exp(maxima[c] - m) / total, streaming);
  }
  if (streaming) {
    stream_fence();
  }
  return true;
}

template <typename T>
void softmax_row(const void* in, void* out, int64_t n, float* scratch, bool streaming,
                 const void* next) {
  const T* x = static_cast<const T*>(in);
  T* y = static_cast<T*>(out);
  // float32 rows keep the exponentials in the output itself unless it is streamed.
  float* e = std::is_same_v<T, float> && !streaming ? reinterpret_cast<float*>(y) : scratch;
  if (n > 2 * chunk && softmax_row_chunked(x, y, n, e, streaming, static_cast<const T*>(next))) {
    return;
  }
  float m = row_max(x, n);
  float inv = 1.0f / row_exp_sum(x, n, m, e, static_cast<const T*>(next));
  store_scaled(e, y, n, inv, streaming);
  if (streaming) {
    stream_fence();
  }
}

template <typename T>
float logsumexp_row(const void* in, int64_t n, const void* next) {
  const T* x = static_cast<const T*>(in);
  float m = row_max(x, n);
  if (std::isinf(m) || m != m) {
    return row_has_nan(x, n) ? NAN : m;
  }
  return m + std::log(row_exp_sum(x, n, m, nullptr, static_cast<const T*>(next)));
}

} // namespace

SoftmaxKernels softmax_kernels(Dtype dtype) {
  if (dtype == float16) {
    return {softmax_row<float16_t>, logsumexp_row<float16_t>};
  }
  if (dtype == bfloat16) {
    return {softmax_row<bfloat16_t>, logsumexp_row<bfloat16_t>};
  }
  return {softmax_row<float>, logsumexp_row<float>};
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
