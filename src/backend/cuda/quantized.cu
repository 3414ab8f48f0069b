// Products with MLX affine-quantized weights (bits 2, 4, 8; any group size the packing allows).
// Decode (at most 8 rows of x): a matrix-vector kernel reads each packed row once, 16 bytes per
// lane, and uses sum_i x_i (q_i s + b) = s sum_i x_i q_i + b sum_i x_i per group. Longer inputs
// (prompts): the weights are dequantized into a temporary and multiplied through cuBLASLt.
#include "backend/cuda/backend.h"
#include "backend/cuda/copy.h"
#include "backend/cuda/device_utils.cuh"
#include "backend/cuda/matmul.h"
#include "core/primitives/quantized.h"

namespace mlx::core::cu {

namespace {

constexpr int max_rows = 8;
constexpr int warps_per_block = 8;

// out[m, n] = sum_k x[m, k] * (q[n, k] * scale[n, k / gs] + bias[n, k / gs]).
template <typename T, int bits>
__global__ void qmv_kernel(const T* x, const uint4* w, const T* scales, const T* biases, T* out,
                           int M, int N, int K, int group_size) {
  constexpr int per_chunk = 128 / bits; // values in 16 bytes
  constexpr int per_word = 32 / bits;
  constexpr uint32_t mask = (1u << bits) - 1;
  int n = blockIdx.x * warps_per_block + threadIdx.x / 32;
  int lane = threadIdx.x % 32;
  if (n >= N) {
    return;
  }
  int chunks = K / per_chunk;
  int groups = K / group_size;
  const uint4* row = w + static_cast<int64_t>(n) * chunks;
  float acc[max_rows] = {};
  for (int c = lane; c < chunks; c += 32) {
    uint4 packed = row[c];
    uint32_t words[4] = {packed.x, packed.y, packed.z, packed.w};
    int k0 = c * per_chunk;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      // A word's values share a group (groups hold a whole number of words); 16 bytes may not.
      int g = (k0 + i * per_word) / group_size;
      float s = load(scales[static_cast<int64_t>(n) * groups + g]);
      float b = load(biases[static_cast<int64_t>(n) * groups + g]);
#pragma unroll
      for (int m = 0; m < max_rows; ++m) {
        if (m < M) {
          const T* xr = x + static_cast<int64_t>(m) * K + k0 + i * per_word;
          float dot = 0, sum = 0;
#pragma unroll
          for (int j = 0; j < per_word; ++j) {
            float xv = load(xr[j]);
            dot += xv * static_cast<float>((words[i] >> (j * bits)) & mask);
            sum += xv;
          }
          acc[m] += s * dot + b * sum;
        }
      }
    }
  }
#pragma unroll
  for (int m = 0; m < max_rows; ++m) {
    if (m < M) {
      float v = acc[m];
      for (int o = 16; o > 0; o /= 2) {
        v += __shfl_xor_sync(0xffffffff, v, o);
      }
      if (lane == 0) {
        out[static_cast<int64_t>(m) * N + n] = convert<T>(v);
      }
    }
  }
}

// w [rows, cols * bits / 32] -> out [rows, cols].
template <typename T, int bits>
__global__ void dequantize_kernel(const uint32_t* w, const T* scales, const T* biases, T* out,
                                  int64_t rows, int64_t cols, int group_size) {
  constexpr int per_word = 32 / bits;
  constexpr uint32_t mask = (1u << bits) - 1;
  int64_t n = rows * cols;
  int64_t groups = cols / group_size;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t r = i / cols, k = i - r * cols;
    uint32_t q = (w[r * (cols / per_word) + k / per_word] >> ((k % per_word) * bits)) & mask;
    int64_t g = r * groups + k / group_size;
    out[i] = convert<T>(static_cast<float>(q) * load(scales[g]) + load(biases[g]));
  }
}

template <typename F>
bool dispatch_bits(int bits, F&& f) {
  switch (bits) {
  case 2:
    f(std::integral_constant<int, 2>{});
    return true;
  case 4:
    f(std::integral_constant<int, 4>{});
    return true;
  case 8:
    f(std::integral_constant<int, 8>{});
    return true;
  default:
    return false;
  }
}

array row_major(const array& a, cudaStream_t stream) {
  return a.flags().row_contiguous ? a : contiguous_copy(a, stream);
}

bool eval_quantized_matmul(QuantizedMatmul& p, const std::vector<array>& inputs,
                           std::vector<array>& outputs) {
  auto& out = outputs[0];
  Dtype t = out.dtype();
  int bits = p.bits(), gs = p.group_size();
  const auto& w_in = inputs[1];
  if ((t != float32 && t != float16 && t != bfloat16) || (bits != 2 && bits != 4 && bits != 8) ||
      inputs[0].dtype() != t || inputs[2].dtype() != t || inputs[3].dtype() != t ||
      w_in.ndim() != 2 || w_in.dtype() != uint32 || gs % (32 / bits) != 0) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  array x = row_major(inputs[0], stream);
  array w = row_major(w_in, stream);
  array scales = row_major(inputs[2], stream);
  array biases = row_major(inputs[3], stream);
  int K = x.shape(-1);
  int N = out.shape(-1);
  int64_t M = K == 0 ? 0 : static_cast<int64_t>(x.size()) / K;
  int64_t w_rows = w.shape(0), w_cols = static_cast<int64_t>(w.shape(1)) * 32 / bits;
  void* dst = alloc_out(out, stream);
  if (out.size() == 0) {
    return true;
  }
  const void* px = in_ptr(x, stream);
  const void* pw = in_ptr(w, stream);
  const void* ps = in_ptr(scales, stream);
  const void* pb = in_ptr(biases, stream);
  bool aligned = reinterpret_cast<uintptr_t>(pw) % 16 == 0;
  if (p.transpose() && M <= max_rows && K % (128 / bits) == 0 && aligned) {
    unsigned grid = static_cast<unsigned>((N + warps_per_block - 1) / warps_per_block);
    dispatch_float(t, [&](auto tag) {
      using T = tag_t<decltype(tag)>;
      dispatch_bits(bits, [&](auto b) {
        qmv_kernel<T, decltype(b)::value><<<grid, warps_per_block * 32, 0, stream>>>(
            static_cast<const T*>(px), static_cast<const uint4*>(pw), static_cast<const T*>(ps),
            static_cast<const T*>(pb), static_cast<T*>(dst), static_cast<int>(M), N, K, gs);
      });
    });
    check_launch("qmv");
    return true;
  }
  // Dequantize, then a dense product: x @ W^T (transpose) or x @ W.
  array dense = device_temp({static_cast<int>(w_rows), static_cast<int>(w_cols)}, t, stream);
  void* pd = out_ptr(dense, stream);
  int64_t n = w_rows * w_cols;
  dispatch_float(t, [&](auto tag) {
    using T = tag_t<decltype(tag)>;
    dispatch_bits(bits, [&](auto b) {
      dequantize_kernel<T, decltype(b)::value><<<grid_for(n, 256), 256, 0, stream>>>(
          static_cast<const uint32_t*>(pw), static_cast<const T*>(ps), static_cast<const T*>(pb),
          static_cast<T*>(pd), w_rows, w_cols, gs);
    });
  });
  check_launch("dequantize");
  array rhs = dense;
  if (p.transpose()) {
    // [K, N] as a transposed view of the [N, K] dequantized rows.
    rhs = array({static_cast<int>(w_cols), static_cast<int>(w_rows)}, t, nullptr, {});
    array::Flags flags{};
    flags.contiguous = true;
    flags.col_contiguous = true;
    rhs.copy_shared_buffer(dense, {1, w_cols}, flags, dense.size());
  }
  gemm(x, rhs, out, 1.0f, 0.0f, stream);
  return true;
}

// Packed [..., cols * bits / 32] -> [..., cols] in the scales' dtype.
bool eval_dequantize(AffineDequantize& p, const std::vector<array>& inputs,
                     std::vector<array>& outputs) {
  auto& out = outputs[0];
  Dtype t = out.dtype();
  int bits = p.bits(), gs = p.group_size();
  const auto& w_in = inputs[0];
  if ((t != float32 && t != float16 && t != bfloat16) || (bits != 2 && bits != 4 && bits != 8) ||
      inputs[1].dtype() != t || inputs[2].dtype() != t || w_in.dtype() != uint32 ||
      w_in.ndim() == 0 || out.ndim() == 0 || out.shape(-1) % gs != 0) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  array w = row_major(w_in, stream);
  array scales = row_major(inputs[1], stream);
  array biases = row_major(inputs[2], stream);
  void* dst = alloc_out(out, stream);
  int64_t cols = out.shape(-1);
  int64_t rows = cols == 0 ? 0 : static_cast<int64_t>(out.size()) / cols;
  int64_t n = rows * cols;
  if (n == 0) {
    return true;
  }
  const void* pw = in_ptr(w, stream);
  const void* ps = in_ptr(scales, stream);
  const void* pb = in_ptr(biases, stream);
  dispatch_float(t, [&](auto tag) {
    using T = tag_t<decltype(tag)>;
    dispatch_bits(bits, [&](auto b) {
      dequantize_kernel<T, decltype(b)::value><<<grid_for(n, 256), 256, 0, stream>>>(
          static_cast<const uint32_t*>(pw), static_cast<const T*>(ps), static_cast<const T*>(pb),
          static_cast<T*>(dst), rows, cols, gs);
    });
  });
  check_launch("dequantize");
  return true;
}

} // namespace

void register_quantized() {
  add_kernel(eval_quantized_matmul);
  add_kernel(eval_dequantize);
}

} // namespace mlx::core::cu
