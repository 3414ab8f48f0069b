// Reductions over any set of axes (sum, prod, min, max, and, or) and argmin/argmax along one
// axis. Each output element is reduced by one block (long reductions) or one thread (short
// ones); both walk the reduced elements through a strided layout, so any input view works.
// Max/Min propagate NaN; in argmax/argmin the first NaN wins (numpy's rules, as the CPU's).
#include <algorithm>
#include <limits>

#include "backend/cuda/backend.h"
#include "backend/cuda/device_utils.cuh"
#include "core/primitives/reduce.h"

namespace mlx::core::cu {

namespace {

constexpr int block = 256;

template <typename In, typename Out>
using acc_t = std::conditional_t<
    std::is_same_v<Out, bool>, bool,
    std::conditional_t<is_floating_v<In>, float,
                       std::conditional_t<std::is_signed_v<Out>, int64_t, uint64_t>>>;

template <typename A>
__device__ __forceinline__ bool is_nan(A v) {
  if constexpr (std::is_floating_point_v<A>) {
    return isnan(v);
  } else {
    return false;
  }
}

template <typename In, typename A>
__device__ A reduce_init(ReduceType type) {
  switch (type) {
  case ReduceType::Sum:
    return A(0);
  case ReduceType::Prod:
    return A(1);
  case ReduceType::And:
    return A(1);
  case ReduceType::Or:
    return A(0);
  case ReduceType::Min:
    if constexpr (std::is_floating_point_v<A>) {
      return A(INFINITY);
    } else {
      return A(std::numeric_limits<In>::max());
    }
  default: // Max
    if constexpr (std::is_floating_point_v<A>) {
      return A(-INFINITY);
    } else {
      return A(std::numeric_limits<In>::lowest());
    }
  }
}

template <typename A>
__device__ __forceinline__ A combine(ReduceType type, A a, A b) {
  switch (type) {
  case ReduceType::Sum:
    return a + b;
  case ReduceType::Prod:
    return a * b;
  case ReduceType::And:
    return a && b;
  case ReduceType::Or:
    return a || b;
  case ReduceType::Min:
    return (is_nan(b) || b < a) ? b : a;
  default:
    return (is_nan(b) || b > a) ? b : a;
  }
}

template <typename A>
__device__ A block_reduce(ReduceType type, A v) {
  __shared__ A partial[block / 32];
  for (int s = 16; s > 0; s /= 2) {
    if constexpr (std::is_same_v<A, bool>) {
      v = combine(type, v, bool(__shfl_down_sync(0xffffffff, int(v), s)));
    } else {
      v = combine(type, v, __shfl_down_sync(0xffffffff, v, s));
    }
  }
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) {
    partial[warp] = v;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < block / 32; ++w) {
      v = combine(type, v, partial[w]);
    }
  }
  return v;
}

template <typename In, typename Out>
__global__ void reduce_rows(ReduceType type, Layout<1> kept, Layout<1> reduced, int64_t n_out,
                            int64_t n_red, const In* in, Out* out) {
  using A = acc_t<In, Out>;
  for (int64_t o = blockIdx.x; o < n_out; o += gridDim.x) {
    const In* base = in + kept.offset(o, 0);
    A acc = reduce_init<In, A>(type);
    for (int64_t r = threadIdx.x; r < n_red; r += block) {
      acc = combine(type, acc, convert<A>(base[reduced.offset(r, 0)]));
    }
    acc = block_reduce(type, acc);
    if (threadIdx.x == 0) {
      out[o] = convert<Out>(acc);
    }
    __syncthreads();
  }
}

// Few outputs, long reductions (a whole-array sum): stage one spreads each output over `parts`
// blocks that write partial accumulators; stage two combines them.
template <typename In, typename Out>
__global__ void reduce_partials(ReduceType type, Layout<1> kept, Layout<1> reduced, int64_t n_red,
                                int parts, const In* in, acc_t<In, Out>* partial) {
  using A = acc_t<In, Out>;
  int64_t o = blockIdx.x / parts;
  int64_t p = blockIdx.x % parts;
  int64_t chunk = (n_red + parts - 1) / parts;
  int64_t end = min(n_red, (p + 1) * chunk);
  const In* base = in + kept.offset(o, 0);
  A acc = reduce_init<In, A>(type);
  for (int64_t r = p * chunk + threadIdx.x; r < end; r += block) {
    acc = combine(type, acc, convert<A>(base[reduced.offset(r, 0)]));
  }
  acc = block_reduce(type, acc);
  if (threadIdx.x == 0) {
    partial[blockIdx.x] = acc;
  }
}

template <typename In, typename Out>
__global__ void reduce_finish(ReduceType type, int parts, const acc_t<In, Out>* partial, Out* out) {
  using A = acc_t<In, Out>;
  A acc = reduce_init<In, A>(type);
  for (int p = threadIdx.x; p < parts; p += block) {
    acc = combine(type, acc, partial[blockIdx.x * int64_t(parts) + p]);
  }
  acc = block_reduce(type, acc);
  if (threadIdx.x == 0) {
    out[blockIdx.x] = convert<Out>(acc);
  }
}

template <typename A>
Dtype acc_dtype() {
  if constexpr (std::is_same_v<A, bool>) {
    return bool_;
  } else if constexpr (std::is_same_v<A, float>) {
    return float32;
  } else if constexpr (std::is_same_v<A, int64_t>) {
    return int64;
  } else {
    return uint64;
  }
}

template <typename In, typename Out>
__global__ void reduce_short(ReduceType type, Layout<1> kept, Layout<1> reduced, int64_t n_out,
                             int64_t n_red, const In* in, Out* out) {
  using A = acc_t<In, Out>;
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < n_out;
       o += int64_t(blockDim.x) * gridDim.x) {
    const In* base = in + kept.offset(o, 0);
    A acc = reduce_init<In, A>(type);
    for (int64_t r = 0; r < n_red; ++r) {
      acc = combine(type, acc, convert<A>(base[reduced.offset(r, 0)]));
    }
    out[o] = convert<Out>(acc);
  }
}

template <typename T>
inline constexpr bool reducible_v =
    std::is_same_v<T, bool> || std::is_same_v<T, uint32_t> || std::is_same_v<T, int32_t> ||
    std::is_same_v<T, int64_t> || is_half_v<T> || std::is_same_v<T, float>;

// The (input, output) dtype pairs with GPU kernels.
template <typename In, typename Out>
constexpr bool pair_supported() {
  if constexpr (!reducible_v<In> && !std::is_same_v<In, uint8_t>) {
    return false;
  } else if constexpr (std::is_same_v<In, Out>) {
    return reducible_v<In>;
  } else if constexpr (std::is_same_v<Out, bool>) {
    return true;
  } else if constexpr (is_half_v<In>) {
    return std::is_same_v<Out, float>;
  } else if constexpr (std::is_same_v<In, bool>) {
    return std::is_same_v<Out, int32_t>;
  } else {
    return std::is_same_v<In, uint8_t> && std::is_same_v<Out, uint32_t>;
  }
}

bool eval_reduce(Reduce& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  const auto& in = inputs[0];
  auto& out = outputs[0];
  bool supported = false;
  dispatch_all(in.dtype(), [&](auto i) {
    dispatch_all(out.dtype(), [&](auto o) {
      supported = pair_supported<tag_t<decltype(i)>, tag_t<decltype(o)>>();
    });
  });
  if (!supported) {
    return false;
  }
  Shape kept_shape = in.shape();
  Shape red_shape;
  Strides red_strides;
  for (int ax : p.axes()) {
    red_shape.push_back(in.shape(ax));
    red_strides.push_back(in.strides(ax));
    kept_shape[ax] = 1;
  }
  Layout<1> kept, reduced;
  if (!make_layout<1>(kept_shape, {&in.strides()}, kept) ||
      !make_layout<1>(red_shape, {&red_strides}, reduced)) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  const void* src = in_ptr(in, stream);
  void* dst = alloc_out(out, stream);
  int64_t n_out = static_cast<int64_t>(out.size());
  int64_t n_red = 1;
  for (auto d : red_shape) {
    n_red *= d;
  }
  if (n_out == 0) {
    return true;
  }
  dispatch_all(in.dtype(), [&](auto i) {
    dispatch_all(out.dtype(), [&](auto o) {
      using In = tag_t<decltype(i)>;
      using Out = tag_t<decltype(o)>;
      if constexpr (pair_supported<In, Out>()) {
        auto* x = static_cast<const In*>(src);
        auto* y = static_cast<Out*>(dst);
        // Parts of at least 8192 elements, about 2048 blocks in all.
        int64_t parts = std::min<int64_t>({1024, 2048 / n_out, n_red / 8192});
        if (parts > 1) {
          using A = acc_t<In, Out>;
          array partial = device_temp({static_cast<int>(n_out * parts)}, acc_dtype<A>(), stream);
          auto* pp = static_cast<A*>(out_ptr(partial, stream));
          reduce_partials<In, Out><<<static_cast<unsigned>(n_out * parts), block, 0, stream>>>(
              p.type(), kept, reduced, n_red, static_cast<int>(parts), x, pp);
          reduce_finish<In, Out><<<static_cast<unsigned>(n_out), block, 0, stream>>>(
              p.type(), static_cast<int>(parts), pp, y);
        } else if (n_red <= 64) {
          reduce_short<In, Out><<<grid_for(n_out, block), block, 0, stream>>>(
              p.type(), kept, reduced, n_out, n_red, x, y);
        } else {
          unsigned grid = static_cast<unsigned>(std::min<int64_t>(n_out, 65535 * 4));
          reduce_rows<In, Out>
              <<<grid, block, 0, stream>>>(p.type(), kept, reduced, n_out, n_red, x, y);
        }
      }
    });
  });
  check_launch("reduce");
  return true;
}

// ---- argmin / argmax ----

template <typename T>
__device__ __forceinline__ bool better(bool is_max, float v, float best) {
  if (isnan(best)) {
    return false;
  }
  return isnan(v) || (is_max ? v > best : v < best);
}

template <typename T>
__global__ void arg_reduce_kernel(bool is_max, Layout<1> kept, int64_t n_out, int64_t axis_size,
                                  int64_t axis_stride, const T* in, uint32_t* out) {
  __shared__ float vals[block];
  __shared__ int64_t idxs[block];
  for (int64_t o = blockIdx.x; o < n_out; o += gridDim.x) {
    const T* base = in + kept.offset(o, 0);
    float best = is_max ? -INFINITY : INFINITY;
    int64_t best_i = axis_size; // none yet
    for (int64_t r = threadIdx.x; r < axis_size; r += block) {
      float v = static_cast<float>(load(base[r * axis_stride]));
      if (best_i == axis_size || better<T>(is_max, v, best)) {
        best = v;
        best_i = r;
      }
    }
    vals[threadIdx.x] = best;
    idxs[threadIdx.x] = best_i;
    __syncthreads();
    for (int s = block / 2; s > 0; s /= 2) {
      if (threadIdx.x < s) {
        float v = vals[threadIdx.x + s];
        int64_t i = idxs[threadIdx.x + s];
        int64_t mine = idxs[threadIdx.x];
        bool take =
            i != axis_size && (mine == axis_size || better<T>(is_max, v, vals[threadIdx.x]) ||
                               (!better<T>(is_max, vals[threadIdx.x], v) && i < mine));
        if (take) {
          vals[threadIdx.x] = v;
          idxs[threadIdx.x] = i;
        }
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      out[o] = static_cast<uint32_t>(idxs[0] == axis_size ? 0 : idxs[0]);
    }
    __syncthreads();
  }
}

bool eval_arg_reduce(ArgReduce& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  const auto& in = inputs[0];
  auto& out = outputs[0];
  // float holds every value of these types exactly, so comparisons match the CPU's.
  Dtype t = in.dtype();
  if (t != float32 && t != float16 && t != bfloat16 && t != uint8 && t != int16 && t != int8) {
    return false;
  }
  int axis = p.axis() < 0 ? p.axis() + static_cast<int>(in.ndim()) : p.axis();
  Shape kept_shape = in.shape();
  kept_shape[axis] = 1;
  Layout<1> kept;
  if (!make_layout<1>(kept_shape, {&in.strides()}, kept)) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  const void* src = in_ptr(in, stream);
  auto* dst = static_cast<uint32_t*>(alloc_out(out, stream));
  int64_t n_out = static_cast<int64_t>(out.size());
  if (n_out == 0) {
    return true;
  }
  unsigned grid = static_cast<unsigned>(std::min<int64_t>(n_out, 65535 * 4));
  bool is_max = p.type() == ArgReduceType::ArgMax;
  dispatch_all(t, [&](auto tag) {
    using T = tag_t<decltype(tag)>;
    if constexpr (is_half_v<T> || std::is_same_v<T, float> || std::is_same_v<T, uint8_t> ||
                  std::is_same_v<T, int8_t> || std::is_same_v<T, int16_t>) {
      arg_reduce_kernel<T><<<grid, block, 0, stream>>>(
          is_max, kept, n_out, in.shape(axis), in.strides(axis), static_cast<const T*>(src), dst);
    }
  });
  check_launch("arg_reduce");
  return true;
}

} // namespace

void register_reduce() {
  add_kernel(eval_reduce);
  add_kernel(eval_arg_reduce);
}

} // namespace mlx::core::cu
