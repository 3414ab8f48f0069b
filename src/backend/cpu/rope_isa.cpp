// Rotary embeddings in float, whatever the storage type (compiled once per instruction set;
// see rope_kernels.h). A row is rotated as out = x * C + partner(x) * S with the table's C and
// S, where partner(x) is the other half (half-split rotation) or the adjacent lane
// (traditional), so a row costs two loads, two products and a store per vector.
#include <algorithm>
#include <cstring>

#include "backend/cpu/fast_vec.h"
#include "backend/cpu/rope_kernels.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

constexpr int w = VecF::width;

void angles(float* table, float position, float scale, const float* inv_freq, int half) {
  VecF p = broadcast(position * scale);
  int i = 0;
  for (; i + w <= half; i += w) {
    VecF s, c;
    sincos(p * load(inv_freq + i), s, c);
    store(table + i, c);
    store(table + half + i, s);
  }
  if (i < half) {
    int rest = half - i;
    VecF s, c;
    sincos(p * load_partial(inv_freq + i, rest, 0.0f), s, c);
    store_partial(table + i, c, rest);
    store_partial(table + half + i, s, rest);
  }
}

template <typename T>
void put(T* p, VecF x, bool streaming) {
  if (streaming) {
    stream(p, x);
  } else {
    store(p, x);
  }
}

template <typename T>
void rotate(const T* in, T* out, const float* table, int half, bool traditional, bool streaming) {
  const float* cos_row = table;
  const float* sin_row = table + half;
  if (traditional) {
    // (x0 c - x1 s, x1 c + x0 s) per pair: a multiply-add/subtract with the swapped pair.
    constexpr int pairs = w / 2;
    int i = 0;
    for (; i + pairs <= half; i += pairs) {
      VecF x = load(in + 2 * i);
      VecF c = load_doubled(cos_row + i), s = load_doubled(sin_row + i);
      put(out + 2 * i, fmaddsub(x, c, swap_pairs(x) * s), streaming);
    }
    if (i < half) {
      float c[pairs] = {}, s[pairs] = {};
      std::copy(cos_row + i, cos_row + half, c);
      std::copy(sin_row + i, sin_row + half, s);
      int rest = 2 * (half - i);
      VecF x = load_partial(in + 2 * i, rest, 0.0f);
      store_partial(out + 2 * i, fmaddsub(x, load_doubled(c), swap_pairs(x) * load_doubled(s)),
                    rest);
    }
    return;
  }
  auto step = [&](int i, int lanes) {
    auto ld = [&](const auto* p) { return lanes == w ? load(p) : load_partial(p, lanes, 0.0f); };
    VecF x1 = ld(in + i), x2 = ld(in + half + i);
    VecF c = ld(cos_row + i), s = ld(sin_row + i);
    VecF y1 = fma(x1, c, broadcast(0.0f) - x2 * s);
    VecF y2 = fma(x1, s, x2 * c);
    if (lanes == w) {
      put(out + i, y1, streaming);
      put(out + half + i, y2, streaming);
    } else {
      store_partial(out + i, y1, lanes);
      store_partial(out + half + i, y2, lanes);
    }
  };
  int i = 0;
  for (; i + w <= half; i += w) {
    step(i, w);
  }
  if (i < half) {
    step(i, half - i);
  }
}

template <typename T>
void rotate_rows(const void* in_v, int64_t in_stride, void* out_v, int64_t out_stride, int rows,
                 const float* table, int table_stride, int half, int D, bool traditional,
                 bool streaming) {
  int dims = 2 * half;
  // Non-temporal stores need every vector aligned: aligned rows made of whole vectors.
  streaming = streaming && D % w == 0 && half % w == 0 && out_stride % w == 0 &&
              stream_aligned(static_cast<T*>(out_v));
  for (int r = 0; r < rows; ++r) {
    const T* in = static_cast<const T*>(in_v) + r * in_stride;
    T* out = static_cast<T*>(out_v) + r * out_stride;
    rotate(in, out, table + static_cast<int64_t>(r) * table_stride, half, traditional, streaming);
    if (dims < D) {
      std::memcpy(out + dims, in + dims, (D - dims) * sizeof(T));
    }
  }
  if (streaming) {
    stream_fence();
  }
}

} // namespace

RopeKernels rope_kernels(Dtype dtype) {
  if (dtype == float16) {
    return {angles, rotate_rows<float16_t>};
  }
  if (dtype == bfloat16) {
    return {angles, rotate_rows<bfloat16_t>};
  }
  return {angles, rotate_rows<float>};
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
