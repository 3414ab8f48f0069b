// Rotary position embeddings: x [..., L, D] rotated pairwise by angle (offset + l) * scale *
// inv_freq[i] over the first `dims` features; the rest are copied.
#include <cmath>
#include <cstring>
#include <vector>

#include "backend/cpu/copy.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/fast.h"

namespace mlx::core {

void RoPE::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = inputs[0];
  if (!(x.flags().row_contiguous && x.data_size() == x.size())) {
    array tmp(x.shape(), x.dtype(), nullptr, {});
    cpu::copy_row_major(x, tmp);
    x = tmp;
  }
  const auto& offsets = inputs[1];
  const auto& inv_freqs = inputs[2];
  out.set_data(allocator::malloc(out.nbytes()));
  int D = x.shape(-1);
  int L = x.shape(-2);
  int half = dims_ / 2;
  int64_t rows = x.size() / std::max(D, 1); // one row per (..., l)
  // Rows of one batch entry (for per-batch offsets): everything below axis 0.
  int64_t rows_per_batch = x.ndim() >= 3 ? rows / x.shape(0) : rows;
  bool per_batch = offsets.size() > 1;
  const int32_t* offset = offsets.data<int32_t>();
  const float* freq = inv_freqs.data<float>();
  // cos/sin per (position, frequency), shared by every head: the trigonometry is done once
  // per position rather than once per row.
  int64_t positions = per_batch ? static_cast<int64_t>(offsets.size()) * L : L;
  std::vector<float> cos_table(positions * half), sin_table(positions * half);
  for (int64_t p = 0; p < positions; ++p) {
    float position = static_cast<float>(offset[per_batch ? p / L : 0] + static_cast<int>(p % L));
    for (int i = 0; i < half; ++i) {
      float theta = position * scale_ * freq[i];
      cos_table[p * half + i] = std::cos(theta);
      sin_table[p * half + i] = std::sin(theta);
    }
  }
  dispatch_float_types(out.dtype(), "[rope]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    cpu::parallel_for(rows, std::max<int64_t>(1, 4096 / std::max(D, 1)),
                      [&](int64_t lo, int64_t hi) {
                        for (int64_t r = lo; r < hi; ++r) {
                          int64_t p = (per_batch ? (r / rows_per_batch) * L : 0) + r % L;
                          const float* cos_row = cos_table.data() + p * half;
                          const float* sin_row = sin_table.data() + p * half;
                          const T* in = src + r * D;
                          T* o = dst + r * D;
                          for (int i = 0; i < half; ++i) {
                            float c = cos_row[i];
                            float s = sin_row[i];
                            int i1 = traditional_ ? 2 * i : i;
                            int i2 = traditional_ ? 2 * i + 1 : i + half;
                            float x1 = static_cast<float>(in[i1]);
                            float x2 = static_cast<float>(in[i2]);
                            o[i1] = static_cast<T>(x1 * c - x2 * s);
                            o[i2] = static_cast<T>(x1 * s + x2 * c);
                          }
                          if (dims_ < D) {
                            std::memcpy(o + dims_, in + dims_, (D - dims_) * sizeof(T));
                          }
                        }
                      });
  });
}

} // namespace mlx::core
