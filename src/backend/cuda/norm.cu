// RMS and layer normalization over the last axis: one block per row, float statistics, the
// normalized value rounded to the input type before the affine step (as the CPU kernels do).
#include "backend/cuda/backend.h"
#include "backend/cuda/copy.h"
#include "backend/cuda/device_utils.cuh"
#include "core/primitives/fast.h"

namespace mlx::core::cu {

namespace {

constexpr int block = 256;

template <typename T>
__global__ void rms_norm_kernel(const T* in, const T* w, T* out, int64_t rows, int64_t d,
                                float eps) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* x = in + row * d;
    float ss = 0;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      float v = load(x[i]);
      ss += v * v;
    }
    ss = block_all_reduce<false>(ss);
    float inv = 1.0f / sqrtf(ss / d + eps);
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      out[row * d + i] = convert<T>(rounded<T>(load(x[i]) * inv) * load(w[i]));
    }
  }
}

template <typename T>
__global__ void layer_norm_kernel(const T* in, const T* w, const T* b, T* out, int64_t rows,
                                  int64_t d, float eps) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* x = in + row * d;
    float s = 0;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      s += load(x[i]);
    }
    float mean = block_all_reduce<false>(s) / d;
    float ss = 0;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      float c = load(x[i]) - mean;
      ss += c * c;
    }
    float inv = 1.0f / sqrtf(block_all_reduce<false>(ss) / d + eps);
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      float v = rounded<T>((load(x[i]) - mean) * inv) * load(w[i]) + load(b[i]);
      out[row * d + i] = convert<T>(v);
    }
  }
}

// x row-major, and 1-D contiguous parameters of x's dtype, or nothing.
bool prepare(const std::vector<array>& inputs, Dtype t, cudaStream_t stream,
             std::vector<array>& ready) {
  if (t != float32 && t != float16 && t != bfloat16 || inputs[0].ndim() == 0) {
    return false;
  }
  int64_t d = inputs[0].shape(-1);
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (inputs[i].dtype() != t || inputs[i].ndim() != 1 || inputs[i].shape(0) != d) {
      return false;
    }
  }
  for (const auto& a : inputs) {
    ready.push_back(a.flags().row_contiguous ? a : contiguous_copy(a, stream));
  }
  return true;
}

bool eval_rms_norm(RMSNorm& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto& out = outputs[0];
  auto stream = cuda_stream(p.stream());
  std::vector<array> in;
  if (!prepare(inputs, out.dtype(), stream, in)) {
    return false;
  }
  const void* x = in_ptr(in[0], stream);
  const void* w = in_ptr(in[1], stream);
  void* dst = alloc_out(out, stream);
  int64_t d = in[0].shape(-1);
  int64_t rows = d == 0 ? 0 : static_cast<int64_t>(in[0].size()) / d;
  if (rows == 0) {
    return true;
  }
  unsigned grid = static_cast<unsigned>(std::min<int64_t>(rows, 65535 * 8));
  dispatch_float(out.dtype(), [&](auto tag) {
    using T = tag_t<decltype(tag)>;
    rms_norm_kernel<T><<<grid, block, 0, stream>>>(
        static_cast<const T*>(x), static_cast<const T*>(w), static_cast<T*>(dst), rows, d, p.eps());
  });
  check_launch("rms_norm");
  return true;
}

bool eval_layer_norm(LayerNorm& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto& out = outputs[0];
  auto stream = cuda_stream(p.stream());
  std::vector<array> in;
  if (!prepare(inputs, out.dtype(), stream, in)) {
    return false;
  }
  const void* x = in_ptr(in[0], stream);
  const void* w = in_ptr(in[1], stream);
  const void* b = in_ptr(in[2], stream);
  void* dst = alloc_out(out, stream);
  int64_t d = in[0].shape(-1);
  int64_t rows = d == 0 ? 0 : static_cast<int64_t>(in[0].size()) / d;
  if (rows == 0) {
    return true;
  }
  unsigned grid = static_cast<unsigned>(std::min<int64_t>(rows, 65535 * 8));
  dispatch_float(out.dtype(), [&](auto tag) {
    using T = tag_t<decltype(tag)>;
    layer_norm_kernel<T><<<grid, block, 0, stream>>>(
        static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(b),
        static_cast<T*>(dst), rows, d, p.eps());
  });
  check_launch("layer_norm");
  return true;
}

} // namespace

void register_norm() {
  add_kernel(eval_rms_norm);
  add_kernel(eval_layer_norm);
}

} // namespace mlx::core::cu
