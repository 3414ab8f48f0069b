// Gather (take, embeddings) and GatherAxis (take_along_axis): out[i..., s...] = a[idx_0[i...] +
// s_0, ..., s...]. Indices are normalized as on the CPU: a negative index counts once from the end,
// then the start is clamped so the whole slice lies inside the axis. Elements move as raw bits.
#include "backend/cuda/backend.h"
#include "backend/cuda/device_utils.cuh"
#include "core/primitives/indexing.h"

namespace mlx::core::cu {

namespace {

constexpr int max_indices = 4;

struct GatherParams {
  int n_idx;
  int64_t axis_size[max_indices];
  int64_t axis_stride[max_indices];
  int64_t slice_size[max_indices];
  const void* idx[max_indices];
};

template <typename B, typename I>
__global__ void gather_kernel(GatherParams g, Layout<max_indices> idx_layout, Layout<1> slice,
                              int64_t slice_total, const B* a, B* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t pos = i / slice_total;
    int64_t s = i - pos * slice_total;
    int64_t src = slice.offset(s, 0);
    for (int k = 0; k < g.n_idx; ++k) {
      int64_t v = static_cast<int64_t>(static_cast<const I*>(g.idx[k])[idx_layout.offset(pos, k)]);
      if (v < 0) {
        v += g.axis_size[k];
      }
      int64_t hi = g.axis_size[k] - g.slice_size[k];
      v = v < 0 ? 0 : (v > hi ? hi : v);
      src += v * g.axis_stride[k];
    }
    out[i] = a[src];
  }
}

bool eval_gather(Gather& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  const auto& a = inputs[0];
  auto& out = outputs[0];
  int n_idx = static_cast<int>(inputs.size()) - 1;
  if (n_idx < 1 || n_idx > max_indices) {
    return false;
  }
  Dtype it = inputs[1].dtype();
  if (it != int32 && it != int64 && it != uint32) {
    return false;
  }
  const Shape& idx_shape = inputs[1].shape();
  std::vector<const Strides*> idx_strides;
  Strides unused(idx_shape.size(), 0);
  for (int k = 0; k < max_indices; ++k) {
    idx_strides.push_back(k < n_idx ? &inputs[1 + k].strides() : &unused);
  }
  for (int k = 1; k < n_idx; ++k) {
    if (inputs[1 + k].dtype() != it || inputs[1 + k].shape() != idx_shape) {
      return false;
    }
  }
  Layout<max_indices> idx_layout;
  Layout<1> slice;
  if (!make_layout<max_indices>(idx_shape, idx_strides, idx_layout) ||
      !make_layout<1>(p.slice_sizes(), {&a.strides()}, slice)) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  GatherParams g{};
  g.n_idx = n_idx;
  for (int k = 0; k < n_idx; ++k) {
    int axis = p.axes()[k];
    g.axis_size[k] = a.shape(axis);
    g.axis_stride[k] = a.strides()[axis];
    g.slice_size[k] = p.slice_sizes()[axis];
    g.idx[k] = in_ptr(inputs[1 + k], stream);
  }
  const void* src = in_ptr(a, stream);
  void* dst = alloc_out(out, stream);
  int64_t n = static_cast<int64_t>(out.size());
  if (n == 0) {
    return true;
  }
  int64_t slice_total = 1;
  for (auto d : p.slice_sizes()) {
    slice_total *= d;
  }
  auto launch = [&](auto bits_tag, auto idx_tag) {
    using B = tag_t<decltype(bits_tag)>;
    using I = tag_t<decltype(idx_tag)>;
    gather_kernel<B, I><<<grid_for(n, 256), 256, 0, stream>>>(
        g, idx_layout, slice, slice_total, static_cast<const B*>(src), static_cast<B*>(dst), n);
  };
  auto with_index = [&](auto bits_tag) {
    if (it == int32) {
      launch(bits_tag, TypeTag<int32_t>{});
    } else if (it == int64) {
      launch(bits_tag, TypeTag<int64_t>{});
    } else {
      launch(bits_tag, TypeTag<uint32_t>{});
    }
  };
  switch (size_of(a.dtype())) {
  case 1:
    with_index(TypeTag<uint8_t>{});
    break;
  case 2:
    with_index(TypeTag<uint16_t>{});
    break;
  case 4:
    with_index(TypeTag<uint32_t>{});
    break;
  default:
    with_index(TypeTag<uint64_t>{});
    break;
  }
  check_launch("gather");
  return true;
}

// take_along_axis: out[i...] = a[i_0, ..., idx[i...], ..., i_n], the index clamped as Gather's.
template <typename B, typename I>
__global__ void gather_axis_kernel(Layout<2> layout, const B* a, const I* idx, B* out,
                                   int64_t axis_size, int64_t axis_stride, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t v = static_cast<int64_t>(idx[layout.offset(i, 1)]);
    if (v < 0) {
      v += axis_size;
    }
    v = v < 0 ? 0 : (v >= axis_size ? axis_size - 1 : v);
    out[i] = a[layout.offset(i, 0) + v * axis_stride];
  }
}

bool eval_gather_axis(GatherAxis& p, const std::vector<array>& inputs,
                      std::vector<array>& outputs) {
  const auto& a = inputs[0];
  const auto& idx = inputs[1];
  auto& out = outputs[0];
  Dtype it = idx.dtype();
  if ((it != int32 && it != int64 && it != uint32) || a.ndim() != idx.ndim() || a.ndim() == 0) {
    return false;
  }
  int axis = p.axis() < 0 ? p.axis() + static_cast<int>(a.ndim()) : p.axis();
  if (a.shape(axis) == 0) {
    return false;
  }
  // a walks every axis but the gathered one, whose position comes from the index.
  Strides a_strides = a.strides();
  a_strides[axis] = 0;
  Layout<2> layout;
  if (!make_layout<2>(out.shape(), {&a_strides, &idx.strides()}, layout)) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  const void* src = in_ptr(a, stream);
  const void* pi = in_ptr(idx, stream);
  void* dst = alloc_out(out, stream);
  int64_t n = static_cast<int64_t>(out.size());
  if (n == 0) {
    return true;
  }
  auto launch = [&](auto bits_tag, auto idx_tag) {
    using B = tag_t<decltype(bits_tag)>;
    using I = tag_t<decltype(idx_tag)>;
    gather_axis_kernel<B, I><<<grid_for(n, 256), 256, 0, stream>>>(
        layout, static_cast<const B*>(src), static_cast<const I*>(pi), static_cast<B*>(dst),
        a.shape(axis), a.strides()[axis], n);
  };
  auto with_index = [&](auto bits_tag) {
    if (it == int32) {
      launch(bits_tag, TypeTag<int32_t>{});
    } else if (it == int64) {
      launch(bits_tag, TypeTag<int64_t>{});
    } else {
      launch(bits_tag, TypeTag<uint32_t>{});
    }
  };
  switch (size_of(a.dtype())) {
  case 1:
    with_index(TypeTag<uint8_t>{});
    break;
  case 2:
    with_index(TypeTag<uint16_t>{});
    break;
  case 4:
    with_index(TypeTag<uint32_t>{});
    break;
  default:
    with_index(TypeTag<uint64_t>{});
    break;
  }
  check_launch("gather_axis");
  return true;
}

} // namespace

void register_indexing() {
  add_kernel(eval_gather);
  add_kernel(eval_gather_axis);
}

} // namespace mlx::core::cu
