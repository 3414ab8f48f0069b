// The vector loops behind reductions of float32/float16/bfloat16 (compiled once per
// instruction set; see reduce_kernels.h). Four vector accumulators hide the add latency and
// spread the rounding error over 4 x width partial sums.
#include "backend/cpu/float_vec.h"
#include "backend/cpu/reduce_kernels.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

struct SumOp {
  static VecF apply(VecF acc, VecF x) { return acc + x; }
  static float combine(VecF acc) { return reduce_add(acc); }
  static float apply(float acc, float x) { return acc + x; }
  static constexpr float identity = 0.0f;
};
struct ProdOp {
  static VecF apply(VecF acc, VecF x) { return acc * x; }
  static float combine(VecF acc) { return reduce_mul(acc); }
  static float apply(float acc, float x) { return acc * x; }
  static constexpr float identity = 1.0f;
};
struct MaxOp {
  static VecF apply(VecF acc, VecF x) { return max_nan(acc, x); }
  static float combine(VecF acc) { return any_nan(acc) ? NAN : reduce_max(acc); }
  static float apply(float acc, float x) { return (x > acc || x != x) ? x : acc; }
  static constexpr float identity = -INFINITY;
};
struct MinOp {
  static VecF apply(VecF acc, VecF x) { return min_nan(acc, x); }
  static float combine(VecF acc) { return any_nan(acc) ? NAN : reduce_min(acc); }
  static float apply(float acc, float x) { return (x < acc || x != x) ? x : acc; }
  static constexpr float identity = INFINITY;
};

template <typename T, typename Op>
float run(const void* data, int64_t n, float init) {
  const T* x = static_cast<const T*>(data);
  constexpr int w = VecF::width;
  int64_t i = 0;
  float result = init;
  if (n >= w) {
    VecF a0 = broadcast(Op::identity), a1 = a0, a2 = a0, a3 = a0;
    for (; i + 4 * w <= n; i += 4 * w) {
      a0 = Op::apply(a0, load(x + i));
      a1 = Op::apply(a1, load(x + i + w));
      a2 = Op::apply(a2, load(x + i + 2 * w));
      a3 = Op::apply(a3, load(x + i + 3 * w));
    }
    for (; i + w <= n; i += w) {
      a0 = Op::apply(a0, load(x + i));
    }
    result = Op::apply(result, Op::combine(Op::apply(Op::apply(a0, a1), Op::apply(a2, a3))));
  }
  for (; i < n; ++i) {
    result = Op::apply(result, static_cast<float>(x[i]));
  }
  return result;
}

template <typename T, typename Op>
void accumulate(float* acc, const void* data, int64_t n, int64_t row_stride, int64_t rows) {
  const T* x = static_cast<const T*>(data);
  constexpr int w = VecF::width;
  int64_t k = 0;
  // Each block of columns takes every row before it is stored back: one load and store of
  // the accumulators per `rows` rows.
  for (; k + 2 * w <= n; k += 2 * w) {
    VecF a0 = load(acc + k), a1 = load(acc + k + w);
    const T* p = x + k;
    for (int64_t r = 0; r < rows; ++r, p += row_stride) {
      a0 = Op::apply(a0, load(p));
      a1 = Op::apply(a1, load(p + w));
    }
    store(acc + k, a0);
    store(acc + k + w, a1);
  }
  for (; k < n; ++k) {
    float a = acc[k];
    for (int64_t r = 0; r < rows; ++r) {
      a = Op::apply(a, static_cast<float>(x[r * row_stride + k]));
    }
    acc[k] = a;
  }
}

// The first index of the extreme found by a NaN-propagating max/min pass: a second pass over
// what is by then cached, stopping at the first match.
template <typename T, typename Op>
int64_t arg(const void* data, int64_t n) {
  const T* x = static_cast<const T*>(data);
  float extreme = run<T, Op>(data, n, Op::identity);
  bool nan = extreme != extreme;
  VecF target = broadcast(extreme);
  constexpr int w = VecF::width;
  int64_t i = 0;
  for (; i + w <= n; i += w) {
    VecF v = load(x + i);
    int lane = nan ? first_nan(v) : first_equal(v, target);
    if (lane >= 0) {
      return i + lane;
    }
  }
  for (; i < n; ++i) {
    float v = static_cast<float>(x[i]);
    if (nan ? v != v : v == extreme) {
      return i;
    }
  }
  return 0; // unreachable: the extreme is one of the elements
}

template <typename T, bool is_max>
void arg_update(const void* data, int64_t row_stride, int64_t rows, uint32_t first, float* best,
                uint32_t* index, int64_t n) {
  const T* x = static_cast<const T*>(data);
  int64_t k = 0;
  // The running pair of a block of columns stays in registers across all the rows.
#if defined(__AVX512F__)
  for (; k + 16 <= n; k += 16) {
    __m512 b = _mm512_loadu_ps(best + k);
    __m512i idx = _mm512_loadu_si512(index + k);
    const T* p = x + k;
    for (int64_t r = 0; r < rows; ++r, p += row_stride) {
      __m512 v = load(p).v;
      __mmask16 wins = _mm512_cmp_ps_mask(v, b, is_max ? _CMP_GT_OQ : _CMP_LT_OQ) |
                       _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
      __mmask16 take = wins & _mm512_cmp_ps_mask(b, b, _CMP_ORD_Q);
      b = _mm512_mask_blend_ps(take, b, v);
      idx = _mm512_mask_blend_epi32(take, idx, _mm512_set1_epi32(static_cast<int>(first + r)));
    }
    _mm512_storeu_ps(best + k, b);
    _mm512_storeu_si512(index + k, idx);
  }
#elif defined(__AVX2__)
  for (; k + 8 <= n; k += 8) {
    __m256 b = _mm256_loadu_ps(best + k);
    __m256 idx = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<__m256i*>(index + k)));
    const T* p = x + k;
    for (int64_t r = 0; r < rows; ++r, p += row_stride) {
      __m256 v = load(p).v;
      __m256 wins = _mm256_or_ps(_mm256_cmp_ps(v, b, is_max ? _CMP_GT_OQ : _CMP_LT_OQ),
                                 _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
      __m256 take = _mm256_and_ps(wins, _mm256_cmp_ps(b, b, _CMP_ORD_Q));
      b = _mm256_blendv_ps(b, v, take);
      __m256 iv = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(first + r)));
      idx = _mm256_blendv_ps(idx, iv, take);
    }
    _mm256_storeu_ps(best + k, b);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(index + k), _mm256_castps_si256(idx));
  }
#endif
  for (; k < n; ++k) {
    for (int64_t r = 0; r < rows; ++r) {
      float v = static_cast<float>(x[r * row_stride + k]);
      bool wins = (is_max ? v > best[k] : v < best[k]) || v != v;
      if (wins && best[k] == best[k]) {
        best[k] = v;
        index[k] = first + static_cast<uint32_t>(r);
      }
    }
  }
}

template <typename T>
FloatReduceKernels kernels_for(FloatReduce op) {
  switch (op) {
  case FloatReduce::Sum:
    return {run<T, SumOp>, accumulate<T, SumOp>, nullptr, nullptr};
  case FloatReduce::Prod:
    return {run<T, ProdOp>, accumulate<T, ProdOp>, nullptr, nullptr};
  case FloatReduce::Max:
    return {run<T, MaxOp>, accumulate<T, MaxOp>, arg<T, MaxOp>, arg_update<T, true>};
  case FloatReduce::Min:
    break;
  }
  return {run<T, MinOp>, accumulate<T, MinOp>, arg<T, MinOp>, arg_update<T, false>};
}

} // namespace

FloatReduceKernels float_reduce_kernels(Dtype dtype, FloatReduce op) {
  if (dtype == float16) {
    return kernels_for<float16_t>(op);
  }
  if (dtype == bfloat16) {
    return kernels_for<bfloat16_t>(op);
  }
  return kernels_for<float>(op);
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
