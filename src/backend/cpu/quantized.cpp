// Quantize and dequantize (MLX affine mode): validate and allocate, then one pass over the
// groups. quantize follows MLX's CPU kernel step by step (float arithmetic, rint) so that its
// codes, scales and biases equal MLX's.
#include "backend/cpu/quantized.h"

#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "backend/common/strides.h"
#include "backend/cpu/copy.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/quantized.h"

namespace mlx::core {

namespace cpu::quant {

array inner_contiguous(const array& a) {
  int n = static_cast<int>(a.ndim());
  bool last_ok = a.shape(n - 1) == 1 || a.strides(n - 1) == 1;
  bool rows_ok = a.shape(n - 2) == 1 || a.strides(n - 2) == a.shape(n - 1);
  if (last_ok && rows_ok) {
    return a;
  }
  return row_major(a);
}

array row_major(const array& a) {
  if (a.flags().row_contiguous && a.data_size() == a.size()) {
    return a;
  }
  array copy(a.shape(), a.dtype(), nullptr, {});
  copy_row_major(a, copy);
  return copy;
}

namespace {

ScaleType scale_type(Dtype dtype) {
  if (dtype == float16) {
    return ScaleType::float16;
  }
  return dtype == bfloat16 ? ScaleType::bfloat16 : ScaleType::float32;
}

} // namespace

int64_t matrix_offset(const array& a, int64_t batch) {
  int64_t matrix = int64_t{a.shape(-1)} * a.shape(-2);
  return elem_to_loc(batch * matrix, a.shape(), a.strides());
}

PackedMatrix packed_matrix(const array& w, const array& scales, const array& biases, int64_t batch,
                           int bits, int group_size) {
  auto item = scales.itemsize();
  return PackedMatrix{
      reinterpret_cast<const uint8_t*>(w.data<uint32_t>() + matrix_offset(w, batch)),
      scales.data<uint8_t>() + matrix_offset(scales, batch) * item,
      biases.data<uint8_t>() + matrix_offset(biases, batch) * item,
      scale_type(scales.dtype()),
      w.shape(-2),
      w.shape(-1) * 32 / bits,
      bits,
      group_size};
}

} // namespace cpu::quant

namespace {

// One group: MLX's min/max-based scale and bias (snapped so the larger-magnitude edge is
// exact), codes rint((w - bias) / scale) clamped to [0, 2^bits - 1], packed low bits first.
template <typename T>
void quantize_group(const T* w, int group_size, int bits, uint32_t* packed, T* scale_out,
                    T* bias_out) {
  const float n_bins = static_cast<float>((1 << bits) - 1);
  const float eps = 1e-7f;
  float w_min = std::numeric_limits<float>::infinity();
  float w_max = -w_min;
  for (int j = 0; j < group_size; ++j) {
    w_max = std::max(w_max, static_cast<float>(w[j]));
    w_min = std::min(w_min, static_cast<float>(w[j]));
  }
  bool min_edge = std::abs(w_min) > std::abs(w_max);
  float scale = std::max((w_max - w_min) / n_bins, eps);
  scale = min_edge ? scale : -scale;
  float edge = min_edge ? w_min : w_max;
  float q0 = std::rint(edge / scale);
  float bias = 0;
  if (q0 != 0) {
    scale = edge / q0;
    bias = edge;
  }
  uint64_t acc = 0;
  int filled = 0;
  for (int j = 0; j < group_size; ++j) {
    float q = std::rint((static_cast<float>(w[j]) - bias) / scale);
    q = std::min(std::max(q, 0.0f), n_bins);
    acc |= static_cast<uint64_t>(q == q ? q : 0.0f) << filled; // NaN packs as 0
    filled += bits;
    if (filled >= 32) {
      *packed++ = static_cast<uint32_t>(acc);
      acc >>= 32;
      filled -= 32;
    }
  }
  *scale_out = static_cast<T>(scale);
  *bias_out = static_cast<T>(bias);
}

} // namespace

void AffineQuantize::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto w = cpu::quant::row_major(inputs[0]);
  auto& packed = outputs[0];
  auto& scales = outputs[1];
  auto& biases = outputs[2];
  for (auto* o : {&packed, &scales, &biases}) {
    o->set_data(allocator::malloc(o->nbytes()));
  }
  int64_t groups = static_cast<int64_t>(w.size()) / group_size_;
  int words_per_group = group_size_ * bits_ / 32;
  dispatch_float_types(w.dtype(), "[quantize]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    const T* src = w.data<T>();
    cpu::parallel_for(groups, 1024, [&](int64_t g0, int64_t g1) {
      for (int64_t g = g0; g < g1; ++g) {
        quantize_group(src + g * group_size_, group_size_, bits_,
                       packed.data<uint32_t>() + g * words_per_group, scales.data<T>() + g,
                       biases.data<T>() + g);
      }
    });
  });
}

void AffineDequantize::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto w = cpu::quant::row_major(inputs[0]);
  auto scales = cpu::quant::row_major(inputs[1]);
  auto biases = cpu::quant::row_major(inputs[2]);
  out.set_data(allocator::malloc(out.nbytes()));
  int cols = out.shape(-1);
  int64_t rows = cols == 0 ? 0 : static_cast<int64_t>(out.size()) / cols;
  int64_t groups = cols / group_size_;
  if (out.dtype() == float64) {
    const auto* wp = reinterpret_cast<const uint8_t*>(w.data<uint32_t>());
    int64_t row_bytes = int64_t{cols} * bits_ / 8;
    cpu::parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        for (int c = 0; c < cols; ++c) {
          int64_t g = r * groups + c / group_size_;
          double q = cpu::quant::packed_code(wp + r * row_bytes, c, bits_);
          out.data<double>()[r * cols + c] =
              q * scales.data<double>()[g] + biases.data<double>()[g];
        }
      }
    });
    return;
  }
  // Matrices are rows of the flattened array: the kernels only need row r's data.
  auto pm = cpu::quant::packed_matrix(w, scales, biases, 0, bits_, group_size_);
  pm.rows = rows;
  const auto& kernels = cpu::quant::kernels();
  dispatch_float_types(out.dtype(), "[dequantize]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    cpu::parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
      std::vector<float> row(std::is_same_v<T, float> ? 0 : cols);
      for (int64_t r = r0; r < r1; ++r) {
        T* dst = out.data<T>() + r * cols;
        if constexpr (std::is_same_v<T, float>) {
          kernels.dequantize(pm, r, 0, cols, dst, true);
        } else {
          kernels.dequantize(pm, r, 0, cols, row.data(), true);
          std::copy(row.begin(), row.end(), dst);
        }
      }
    });
  });
}

} // namespace mlx::core
