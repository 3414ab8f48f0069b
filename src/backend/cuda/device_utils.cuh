// Device-side helpers shared by the kernel files: the dtype -> C++ type map, conversions that
// go through float for the half types, and strided indexing over collapsed layouts.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>
#include <vector>

#include "mlx/array.h"

namespace mlx::core::cu {

constexpr int max_dims = 8;

template <typename T>
struct TypeTag {
  using type = T;
};

// The type a TypeTag carries (through references: nvcc's host pass makes a captured tag one).
template <typename Tag>
using tag_t = typename std::decay_t<Tag>::type;

// Calls f(TypeTag<T>{}) with the device type of `dtype`; returns false for complex64 (no GPU
// kernels) instead of calling.
template <typename F>
bool dispatch_all(Dtype dtype, F&& f) {
  switch (dtype) {
  case Dtype::Val::bool_:
    f(TypeTag<bool>{});
    return true;
  case Dtype::Val::uint8:
    f(TypeTag<uint8_t>{});
    return true;
  case Dtype::Val::uint16:
    f(TypeTag<uint16_t>{});
    return true;
  case Dtype::Val::uint32:
    f(TypeTag<uint32_t>{});
    return true;
  case Dtype::Val::uint64:
    f(TypeTag<uint64_t>{});
    return true;
  case Dtype::Val::int8:
    f(TypeTag<int8_t>{});
    return true;
  case Dtype::Val::int16:
    f(TypeTag<int16_t>{});
    return true;
  case Dtype::Val::int32:
    f(TypeTag<int32_t>{});
    return true;
  case Dtype::Val::int64:
    f(TypeTag<int64_t>{});
    return true;
  case Dtype::Val::float16:
    f(TypeTag<__half>{});
    return true;
  case Dtype::Val::bfloat16:
    f(TypeTag<__nv_bfloat16>{});
    return true;
  case Dtype::Val::float32:
    f(TypeTag<float>{});
    return true;
  case Dtype::Val::float64:
    f(TypeTag<double>{});
    return true;
  default:
    return false;
  }
}

// The floating types that model kernels take (float32, float16, bfloat16).
template <typename F>
bool dispatch_float(Dtype dtype, F&& f) {
  switch (dtype) {
  case Dtype::Val::float16:
    f(TypeTag<__half>{});
    return true;
  case Dtype::Val::bfloat16:
    f(TypeTag<__nv_bfloat16>{});
    return true;
  case Dtype::Val::float32:
    f(TypeTag<float>{});
    return true;
  default:
    return false;
  }
}

template <typename T>
inline constexpr bool is_half_v = std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

template <typename T>
inline constexpr bool is_floating_v = is_half_v<T> || std::is_floating_point_v<T>;

// What arithmetic on T is done in: float for the half types, T otherwise.
template <typename T>
using compute_t = std::conditional_t<is_half_v<T>, float, T>;

template <typename T>
__device__ __forceinline__ compute_t<T> load(T v) {
  if constexpr (std::is_same_v<T, __half>) {
    return __half2float(v);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __bfloat162float(v);
  } else {
    return v;
  }
}

// Float to integer as x86 converts (the CPU's results): truncation; NaN and values out of
// range give the "integer indefinite" (INT_MIN of 32 or 64 bits); narrower integers take the
// low bits of the 32-bit result, uint32 those of the 64-bit one.
template <typename To>
__device__ __forceinline__ To float_to_int(double v) {
  auto trunc64 = [](double x) -> int64_t {
    return (isnan(x) || x >= 9223372036854775808.0 || x < -9223372036854775808.0)
               ? INT64_MIN
               : static_cast<int64_t>(x);
  };
  auto trunc32 = [](double x) -> int32_t {
    return (isnan(x) || x >= 2147483648.0 || x < -2147483648.0) ? INT32_MIN
                                                                : static_cast<int32_t>(x);
  };
  if constexpr (sizeof(To) == 8 || std::is_same_v<To, uint32_t>) {
    return static_cast<To>(trunc64(v));
  } else {
    return static_cast<To>(trunc32(v));
  }
}

// A 64-bit integer as a double rounded to odd (truncated, lowest bit set when inexact): rounding
// that to a half type then rounds once, as from the exact value.
template <typename I>
__device__ __forceinline__ double to_double_odd(I v) {
  double d;
  bool exact;
  if constexpr (std::is_signed_v<I>) {
    d = __ll2double_rz(v);
    exact = static_cast<long long>(d) == v;
  } else {
    d = __ull2double_rz(v);
    exact = static_cast<unsigned long long>(d) == v;
  }
  return exact ? d : __longlong_as_double(__double_as_longlong(d) | 1);
}

// Converts any supported value to To, rounding once (to nearest even) into the half types:
// integers and doubles go through double, which holds every value concerned exactly.
template <typename To, typename From>
__device__ __forceinline__ To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_half_v<From>) {
    return convert<To>(load(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (is_half_v<To> && std::is_integral_v<From> && sizeof(From) == 8) {
    return convert<To>(to_double_odd(v));
  } else if constexpr (std::is_same_v<To, __half>) {
    if constexpr (std::is_same_v<From, float>) {
      return __float2half_rn(v);
    } else {
      return __double2half(static_cast<double>(v));
    }
  } else if constexpr (std::is_same_v<To, __nv_bfloat16>) {
    if constexpr (std::is_same_v<From, float>) {
      return __float2bfloat16_rn(v);
    } else {
      return __double2bfloat16(static_cast<double>(v));
    }
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    return float_to_int<To>(static_cast<double>(v));
  } else {
    return static_cast<To>(v);
  }
}

// A shape and the strides (in elements) of up to N arrays over it, with adjacent axes merged
// where every array allows it. Built on the host, passed to kernels by value.
template <int N>
struct Layout {
  int ndim = 0;
  int64_t shape[max_dims];
  int64_t strides[N][max_dims];

  __device__ __forceinline__ int64_t offset(int64_t index, int which) const {
    if (ndim == 1) {
      return index * strides[which][0];
    }
    int64_t loc = 0;
    for (int d = ndim - 1; d >= 0 && index > 0; --d) {
      int64_t q = index / shape[d];
      loc += (index - q * shape[d]) * strides[which][d];
      index = q;
    }
    return loc;
  }
};

// Merges axes (dropping size-1 ones); returns false when more than max_dims remain.
template <int N>
bool make_layout(const Shape& shape, const std::vector<const Strides*>& strides, Layout<N>& out) {
  std::vector<int64_t> sh;
  std::vector<std::vector<int64_t>> st(N);
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) {
      continue;
    }
    bool merge = !sh.empty();
    for (int k = 0; k < N && merge; ++k) {
      merge = st[k].back() == (*strides[k])[d] * shape[d];
    }
    if (merge) {
      sh.back() *= shape[d];
      for (int k = 0; k < N; ++k) {
        st[k].back() = (*strides[k])[d];
      }
    } else {
      sh.push_back(shape[d]);
      for (int k = 0; k < N; ++k) {
        st[k].push_back((*strides[k])[d]);
      }
    }
  }
  if (sh.size() > static_cast<size_t>(max_dims)) {
    return false;
  }
  out.ndim = static_cast<int>(sh.size());
  for (int d = 0; d < out.ndim; ++d) {
    out.shape[d] = sh[d];
    for (int k = 0; k < N; ++k) {
      out.strides[k][d] = st[k][d];
    }
  }
  return true;
}

// Rounds a float to T and back: the CPU kernels round intermediates to the input type at the
// same points, so the GPU does too.
template <typename T>
__device__ __forceinline__ float rounded(float v) {
  return static_cast<float>(load(convert<T>(v)));
}

// Sum or max of one float per thread over a block (blockDim.x a multiple of 32, at most 1024);
// every thread gets the result.
template <bool is_max>
__device__ float block_all_reduce(float v) {
  __shared__ float partial[32];
  for (int s = 16; s > 0; s /= 2) {
    float o = __shfl_xor_sync(0xffffffff, v, s);
    v = is_max ? fmaxf(v, o) : v + o;
  }
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads(); // partial may still be read from a previous call
  if (lane == 0) {
    partial[warp] = v;
  }
  __syncthreads();
  int warps = blockDim.x / 32;
  v = lane < warps ? partial[lane] : (is_max ? -INFINITY : 0.0f);
  for (int s = 16; s > 0; s /= 2) {
    float o = __shfl_xor_sync(0xffffffff, v, s);
    v = is_max ? fmaxf(v, o) : v + o;
  }
  return v;
}

inline unsigned grid_for(int64_t n, int block) {
  int64_t blocks = (n + block - 1) / block;
  return static_cast<unsigned>(blocks < 65535 * 8 ? blocks : 65535 * 8);
}

} // namespace mlx::core::cu
