// Softmax over the last axis: one block per row, float accumulation, three passes over the row
// (max, sum of exponentials, output), which for decode-sized rows stay in L1/L2.
#include "backend/cuda/backend.h"
#include "backend/cuda/copy.h"
#include "backend/cuda/device_utils.cuh"
#include "core/primitives/softmax.h"

namespace mlx::core::cu {

namespace {

constexpr int block = 256;

template <typename T>
__global__ void softmax_kernel(const T* in, T* out, int64_t rows, int64_t d) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* x = in + row * d;
    T* y = out + row * d;
    float m = -INFINITY;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      m = fmaxf(m, load(x[i]));
    }
    m = block_all_reduce<true>(m);
    float s = 0;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      s += expf(load(x[i]) - m);
    }
    s = block_all_reduce<false>(s);
    float inv = 1.0f / s;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      y[i] = convert<T>(expf(load(x[i]) - m) * inv);
    }
  }
}

bool eval_softmax(Softmax& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto& out = outputs[0];
  Dtype t = out.dtype();
  if ((t != float32 && t != float16 && t != bfloat16) || inputs[0].ndim() == 0) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  array x = inputs[0].flags().row_contiguous ? inputs[0] : contiguous_copy(inputs[0], stream);
  const void* src = in_ptr(x, stream);
  void* dst = alloc_out(out, stream);
  int64_t d = x.shape(-1);
  int64_t rows = d == 0 ? 0 : static_cast<int64_t>(x.size()) / d;
  if (rows == 0) {
    return true;
  }
  unsigned grid = static_cast<unsigned>(std::min<int64_t>(rows, 65535 * 8));
  dispatch_float(t, [&](auto tag) {
    using T = tag_t<decltype(tag)>;
    softmax_kernel<T>
        <<<grid, block, 0, stream>>>(static_cast<const T*>(src), static_cast<T*>(dst), rows, d);
  });
  check_launch("softmax");
  return true;
}

} // namespace

void register_softmax() {
  add_kernel(eval_softmax);
}

} // namespace mlx::core::cu
