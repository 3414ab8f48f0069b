#include "backend/cpu/copy.h"

#include <cstring>

#include "backend/common/strides.h"
#include "backend/cpu/convert.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"

namespace mlx::core::cpu {

namespace {

constexpr int64_t copy_grain = 1 << 16;

template <typename In, typename Out>
void copy_contiguous(const In* src, Out* dst, int64_t n) {
  if constexpr (std::is_same_v<In, Out>) {
    parallel_for(n, copy_grain, [&](int64_t b, int64_t e) {
      std::memcpy(dst + b, src + b, (e - b) * sizeof(Out));
    });
  } else {
    parallel_for(n, copy_grain,
                 [&](int64_t b, int64_t e) { convert_contiguous(src + b, dst + b, e - b); });
  }
}

template <typename In, typename Out>
void copy_strided(const In* src, Out* dst, const Shape& shape, const Strides& src_strides,
                  const Strides& dst_strides) {
  auto [cshape, cstrides] = collapse_contiguous_dims(shape, {src_strides, dst_strides});
  const Strides& ss = cstrides[0];
  const Strides& ds = cstrides[1];
  int64_t rows = row_count(cshape);
  int64_t row_size = cshape.back();
  parallel_for(rows, std::max<int64_t>(1, copy_grain / std::max<int64_t>(row_size, 1)),
               [&](int64_t begin, int64_t end) {
                 for_each_row<2>(cshape, {&ss, &ds}, begin, end,
                                 [&](const auto& off, int64_t n, const auto& st) {
                                   const In* s = src + off[0];
                                   Out* d = dst + off[1];
                                   if (st[0] == 1 && st[1] == 1) {
                                     convert_contiguous(s, d, n);
                                   } else {
                                     for (int64_t i = 0; i < n; ++i) {
                                       d[i * st[1]] = convert<Out>(s[i * st[0]]);
                                     }
                                   }
                                 });
               });
}

template <typename F>
void dispatch_pair(Dtype in, Dtype out, F&& f) {
  dispatch_all_types(
      in, [&](auto in_tag) { dispatch_all_types(out, [&](auto out_tag) { f(in_tag, out_tag); }); });
}

} // namespace

void copy_into(const array& src, array& dst, const Strides& dst_strides, int64_t dst_offset) {
  if (src.size() == 0) {
    return;
  }
  dispatch_pair(src.dtype(), dst.dtype(), [&](auto in_tag, auto out_tag) {
    using In = tag_type_t<decltype(in_tag)>;
    using Out = tag_type_t<decltype(out_tag)>;
    copy_strided(src.data<In>(), dst.data<Out>() + dst_offset, src.shape(), src.strides(),
                 dst_strides);
  });
}

void copy_row_major(const array& in, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (in.flags().row_contiguous && in.data_size() == in.size()) {
    dispatch_pair(in.dtype(), out.dtype(), [&](auto in_tag, auto out_tag) {
      using In = tag_type_t<decltype(in_tag)>;
      using Out = tag_type_t<decltype(out_tag)>;
      copy_contiguous(in.data<In>(), out.data<Out>(), in.size());
    });
    return;
  }
  // out is row-major and may have another shape of the same size (a reshape that cannot be a
  // view): in's own row-major strides address the same positions of out's buffer.
  copy_into(in, out, make_row_major_strides(in.shape()));
}

void copy_to_output(const array& in, array& out) {
  if (in.flags().contiguous && in.size() > 0) {
    // Keep the input's layout: a flat pass over its data buffer.
    if (in.is_donatable() && in.itemsize() == out.itemsize()) {
      out.copy_shared_buffer(in);
    } else {
      out.set_data(allocator::malloc(in.data_size() * out.itemsize()), in.data_size(), in.strides(),
                   in.flags());
    }
    dispatch_pair(in.dtype(), out.dtype(), [&](auto in_tag, auto out_tag) {
      using In = tag_type_t<decltype(in_tag)>;
      using Out = tag_type_t<decltype(out_tag)>;
      if (static_cast<const void*>(in.data<In>()) != static_cast<const void*>(out.data<Out>())) {
        copy_contiguous(in.data<In>(), out.data<Out>(), in.data_size());
      } else if constexpr (!std::is_same_v<In, Out>) {
        // Same buffer, same element size: convert in place.
        copy_contiguous(in.data<In>(), out.data<Out>(), in.data_size());
      }
    });
    return;
  }
  copy_row_major(in, out);
}

void copy_to_dense_output(const array& in, array& out) {
  if (in.data_size() == in.size()) {
    copy_to_output(in, out);
  } else {
    copy_row_major(in, out);
  }
}

} // namespace mlx::core::cpu
