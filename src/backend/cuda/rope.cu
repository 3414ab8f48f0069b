// Rotary position embeddings: row (o, p) of x [..., L, D] is rotated pairwise by the angles
// (offset + p) * scale * inv_freq[i] over the first `dims` features; the rest are copied. x may
// be any view whose last axis is contiguous; the output is row-major. One block per row.
#include "backend/cuda/backend.h"
#include "backend/cuda/copy.h"
#include "backend/cuda/device_utils.cuh"
#include "core/primitives/fast.h"

namespace mlx::core::cu {

namespace {

constexpr int block = 128;

template <typename T>
__global__ void rope_kernel(Layout<1> lead, const T* in, T* out, const int32_t* offsets,
                            const float* inv_freq, int64_t rows, int L, int D, int half,
                            int64_t position_stride, int64_t rows_per_group, float scale,
                            bool traditional) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    int64_t o = row / L;
    int p = static_cast<int>(row - o * L);
    const T* x = in + lead.offset(o, 0) + p * position_stride;
    T* y = out + row * D;
    // The angle in float, as (position * scale) * inv_freq: MLX's arithmetic.
    float position = static_cast<float>(offsets[o / rows_per_group] + p) * scale;
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
      int i1 = traditional ? 2 * i : i;
      int i2 = traditional ? 2 * i + 1 : i + half;
      float s, c;
      sincosf(position * inv_freq[i], &s, &c);
      float x1 = load(x[i1]), x2 = load(x[i2]);
      y[i1] = convert<T>(x1 * c - x2 * s);
      y[i2] = convert<T>(x1 * s + x2 * c);
    }
    for (int i = 2 * half + threadIdx.x; i < D; i += blockDim.x) {
      y[i] = x[i];
    }
  }
}

bool eval_rope(RoPE& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto& out = outputs[0];
  const auto& offsets = inputs[1];
  const auto& freqs = inputs[2];
  Dtype t = out.dtype();
  if ((t != float32 && t != float16 && t != bfloat16) || inputs[0].ndim() < 2 ||
      offsets.dtype() != int32 || freqs.dtype() != float32) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  array x = inputs[0];
  if (x.strides().back() != 1 && x.shape(-1) != 1) {
    x = contiguous_copy(x, stream);
  }
  array off = offsets.flags().row_contiguous ? offsets : contiguous_copy(offsets, stream);
  array inv = freqs.flags().row_contiguous ? freqs : contiguous_copy(freqs, stream);
  int D = x.shape(-1);
  int L = x.shape(-2);
  Shape lead(x.shape().begin(), x.shape().end() - 2);
  Strides lead_strides(x.strides().begin(), x.strides().end() - 2);
  Layout<1> layout;
  if (!make_layout<1>(lead, {&lead_strides}, layout)) {
    return false;
  }
  const void* src = in_ptr(x, stream);
  auto* offs = static_cast<const int32_t*>(in_ptr(off, stream));
  auto* f = static_cast<const float*>(in_ptr(inv, stream));
  void* dst = alloc_out(out, stream);
  int64_t rows = x.size() == 0 ? 0 : static_cast<int64_t>(x.size()) / D;
  if (rows == 0) {
    return true;
  }
  int64_t outer = rows / L;
  int64_t groups = off.size() > 1 ? x.shape(0) : 1;
  int64_t rows_per_group = outer / groups;
  unsigned grid = static_cast<unsigned>(std::min<int64_t>(rows, 65535 * 8));
  dispatch_float(t, [&](auto tag) {
    using T = tag_t<decltype(tag)>;
    rope_kernel<T><<<grid, block, 0, stream>>>(
        layout, static_cast<const T*>(src), static_cast<T*>(dst), offs, f, rows, L, D, p.dims() / 2,
        x.strides()[x.ndim() - 2], rows_per_group, p.scale(), p.traditional());
  });
  check_launch("rope");
  return true;
}

} // namespace

void register_rope() {
  add_kernel(eval_rope);
}

} // namespace mlx::core::cu
