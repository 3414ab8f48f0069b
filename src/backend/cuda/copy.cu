// Copies between any two layouts of one shape, converting the dtype: astype, copy, contiguous
// and every kernel that needs a row-major or windowed copy (concatenate, slice_update, full).
#include "backend/common/strides.h"
#include "backend/cuda/backend.h"
#include "backend/cuda/copy.h"
#include "backend/cuda/device_utils.cuh"
#include "core/primitives/elementwise.h"
#include "core/primitives/shape.h"

namespace mlx::core::cu {

namespace {

template <typename In, typename Out>
__global__ void copy_kernel(Layout<2> layout, const In* in, Out* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    out[layout.offset(i, 1)] = convert<Out>(in[layout.offset(i, 0)]);
  }
}

// Types that convert on the GPU; a same-dtype copy of any type moves raw bits.
template <typename T>
inline constexpr bool converts_v =
    std::is_same_v<T, bool> || std::is_same_v<T, uint8_t> || std::is_same_v<T, uint32_t> ||
    std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t> || is_floating_v<T>;

template <typename T>
using bits_t =
    std::conditional_t<sizeof(T) == 1, uint8_t,
                       std::conditional_t<sizeof(T) == 2, uint16_t,
                                          std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;

} // namespace

bool copy_supported(Dtype from, Dtype to) {
  if (from == to) {
    return from != complex64;
  }
  bool ok = false;
  dispatch_all(from, [&](auto in) {
    dispatch_all(to, [&](auto out) {
      ok = converts_v<tag_t<decltype(in)>> && converts_v<tag_t<decltype(out)>>;
    });
  });
  return ok;
}

void copy_into(const array& src, void* dst, Dtype dst_dtype, const Strides& dst_strides,
               cudaStream_t stream) {
  if (src.size() == 0) {
    return;
  }
  if (!copy_supported(src.dtype(), dst_dtype)) {
    throw std::runtime_error("[copy] Unsupported dtype conversion on the GPU.");
  }
  Layout<2> layout;
  if (!make_layout<2>(src.shape(), {&src.strides(), &dst_strides}, layout)) {
    throw std::runtime_error("[copy] Too many dimensions for the GPU copy.");
  }
  const void* in = in_ptr(src, stream);
  int64_t n = static_cast<int64_t>(src.size());
  constexpr int block = 256;
  auto launch = [&](auto in_tag, auto out_tag) {
    using In = tag_t<decltype(in_tag)>;
    using Out = tag_t<decltype(out_tag)>;
    copy_kernel<In, Out><<<grid_for(n, block), block, 0, stream>>>(
        layout, static_cast<const In*>(in), static_cast<Out*>(dst), n);
  };
  if (src.dtype() == dst_dtype) {
    dispatch_all(src.dtype(), [&](auto t) {
      using B = bits_t<tag_t<decltype(t)>>;
      launch(TypeTag<B>{}, TypeTag<B>{});
    });
  } else {
    dispatch_all(src.dtype(), [&](auto in) {
      dispatch_all(dst_dtype, [&](auto out) {
        if constexpr (converts_v<tag_t<decltype(in)>> && converts_v<tag_t<decltype(out)>>) {
          launch(in, out);
        }
      });
    });
  }
  check_launch("copy");
}

array contiguous_copy(const array& a, cudaStream_t stream) {
  array out = device_temp(a.shape(), a.dtype(), stream);
  copy_into(a, out_ptr(out, stream), a.dtype(), out.strides(), stream);
  return out;
}

namespace {

// AsType and Copy: a row-major output converted from any layout.
bool convert_to_out(const array& in, array& out) {
  if (!copy_supported(in.dtype(), out.dtype())) {
    return false;
  }
  auto stream = cuda_stream(out.primitive().stream());
  void* dst = alloc_out(out, stream);
  copy_into(in, dst, out.dtype(), out.strides(), stream);
  return true;
}

bool eval_astype(AsType&, const std::vector<array>& in, std::vector<array>& out) {
  return convert_to_out(in[0], out[0]);
}

bool eval_copy(Copy&, const std::vector<array>& in, std::vector<array>& out) {
  return convert_to_out(in[0], out[0]);
}

bool eval_contiguous(Contiguous& p, const std::vector<array>& in, std::vector<array>& out) {
  const auto& a = in[0];
  if (a.flags().row_contiguous || (p.allow_col_major() && a.flags().col_contiguous)) {
    p.eval_cpu(in, out[0]); // shares the buffer
    return true;
  }
  return convert_to_out(a, out[0]);
}

bool eval_reshape(Reshape& p, const std::vector<array>& in, std::vector<array>& out) {
  if (Reshape::view_strides(in[0], out[0].shape())) {
    p.eval_cpu(in, out[0]); // a view
    return true;
  }
  // The elements in row-major order, laid into the new shape.
  if (!copy_supported(in[0].dtype(), in[0].dtype())) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  void* dst = alloc_out(out[0], stream);
  copy_into(in[0], dst, in[0].dtype(), make_row_major_strides(in[0].shape()), stream);
  return true;
}

} // namespace

void register_copy() {
  add_kernel(eval_astype);
  add_kernel(eval_copy);
  add_kernel(eval_contiguous);
  add_kernel(eval_reshape);
}

} // namespace mlx::core::cu
