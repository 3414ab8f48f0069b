// rms_norm and layer_norm rows in float, whatever the storage type (compiled once per
// instruction set; see norm_kernels.h). The first statistics pass reads the row from memory;
// the later passes find it in the L1/L2 cache, so a row costs one read and one write. Half-type
// rows are bound by their conversions rather than by memory, hence weights widened to float
// once per call.
#include <cmath>

#include "backend/cpu/fast_vec.h"
#include "backend/cpu/norm_kernels.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

constexpr int w = VecF::width;

// Sum of (x - shift)^p over x[0..n), p = 1 or 2.
template <int power, typename T>
float row_sum(const T* x, int n, float shift) {
  VecF s = broadcast(shift);
  auto term = [&](VecF v, VecF acc) {
    VecF d = v - s;
    return power == 2 ? fma(d, d, acc) : acc + d;
  };
  VecF a0 = broadcast(0.0f), a1 = a0, a2 = a0, a3 = a0;
  int i = 0;
  for (; i + 4 * w <= n; i += 4 * w) {
    a0 = term(load(x + i), a0);
    a1 = term(load(x + i + w), a1);
    a2 = term(load(x + i + 2 * w), a2);
    a3 = term(load(x + i + 3 * w), a3);
  }
  for (; i + w <= n; i += w) {
    a0 = term(load(x + i), a0);
  }
  if (i < n) {
    // Padding equal to the shift adds nothing.
    a1 = term(load_partial(x + i, n - i, shift), a1);
  }
  return reduce_add((a0 + a1) + (a2 + a3));
}

// out[i] = value(x[i], i) over the row, where value takes and gives vectors of w features
// from i; streamed past the caches if asked and the row allows it (aligned, whole vectors).
// The next row, if any, is prefetched meanwhile: its statistics pass then reads from cache,
// and memory keeps busy while this row computes.
template <typename T, typename F>
void write_row(const T* x, T* out, int n, bool streaming, const T* next, F value) {
  bool st = streaming && n % w == 0 && stream_aligned(out);
  int i = 0;
  for (; i + w <= n; i += w) {
    if (next != nullptr && (i * sizeof(T)) % 64 == 0) {
      prefetch(next + i);
    }
    VecF y = value(load(x + i), i);
    if (st) {
      stream(out + i, y);
    } else {
      store(out + i, y);
    }
  }
  if (i < n) {
    int rest = n - i;
    store_partial(out + i, value(load_partial(x + i, rest, 0.0f), i), rest);
  }
}

// Per-feature parameters; past the end of the row (a partial tail) the lanes are unused.
VecF load_param(const float* p, int i, int n) {
  return i + w <= n ? load(p + i) : load_partial(p + i, n - i, 0.0f);
}

template <typename T>
void rms_norm_rows(const void* xv, const float* weight, void* ov, int64_t rows, int n, float eps,
                   bool streaming) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = static_cast<const T*>(xv) + r * n;
    T* out = static_cast<T*>(ov) + r * n;
    VecF inv = broadcast(1.0f / std::sqrt(row_sum<2>(x, n, 0.0f) / n + eps));
    write_row(x, out, n, streaming, r + 1 < rows ? x + n : nullptr,
              [&](VecF v, int i) { return round_to<T>(v * inv) * load_param(weight, i, n); });
  }
  if (streaming) {
    stream_fence();
  }
}

template <typename T>
void layer_norm_rows(const void* xv, const float* weight, const float* bias, void* ov, int64_t rows,
                     int n, float eps, bool streaming) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = static_cast<const T*>(xv) + r * n;
    T* out = static_cast<T*>(ov) + r * n;
    float mean = row_sum<1>(x, n, 0.0f) / n;
    // The variance of the centred values (a second pass, from the cache): no cancellation as
    // in E[x^2] - E[x]^2, which activations with outliers would suffer.
    float inv_std = 1.0f / std::sqrt(row_sum<2>(x, n, mean) / n + eps);
    // (x - mean) * inv_std as one multiply-add.
    VecF inv = broadcast(inv_std);
    VecF offset = broadcast(-mean * inv_std);
    write_row(x, out, n, streaming, r + 1 < rows ? x + n : nullptr, [&](VecF v, int i) {
      VecF normalized = round_to<T>(fma(v, inv, offset));
      return round_to<T>(normalized * load_param(weight, i, n)) + load_param(bias, i, n);
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
