// Gather and GatherAxis: copies whose source positions come from index arrays. Both only move
// elements, so they are instantiated per element size, not per dtype.
#include <cstring>

#include "backend/cpu/indices.h"
#include "backend/cpu/thread_pool.h"
#include "core/primitives/indexing.h"

namespace mlx::core {

namespace {

// Elements per parallel task.
constexpr int64_t gather_grain = 1 << 15;

template <typename T, typename IdxT>
void gather(const array& src, const std::vector<array>& inds, array& out,
            const std::vector<int>& axes, const Shape& slice_sizes) {
  // Each slice is copied row by row along its collapsed layout in `src`.
  auto [slice_shape, collapsed] = collapse_contiguous_dims(slice_sizes, {src.strides()});
  const Strides& slice_strides = collapsed[0];
  int64_t row_size = slice_shape.back();
  int64_t row_stride = slice_strides.back();
  Shape outer_shape(slice_shape.begin(), slice_shape.end() - 1);
  Strides outer_strides(slice_strides.begin(), slice_strides.end() - 1);
  int64_t rows_per_slice = row_count(slice_shape);
  int64_t n_indices = static_cast<int64_t>(out.size()) / (rows_per_slice * row_size);

  std::vector<cpu::IndexReader<IdxT>> readers(inds.begin(), inds.end());
  std::vector<int64_t> ax_size, ax_extent, ax_stride;
  for (int ax : axes) {
    ax_size.push_back(src.shape(ax));
    ax_extent.push_back(slice_sizes[ax]);
    ax_stride.push_back(src.strides()[ax]);
  }
  const T* src_ptr = src.data<T>();
  T* out_ptr = out.data<T>();
  auto source_offset = [&](int64_t i) {
    int64_t offset = 0;
    for (size_t j = 0; j < readers.size(); ++j) {
      offset += cpu::clamp_index(readers[j](i), ax_size[j], ax_extent[j]) * ax_stride[j];
    }
    return offset;
  };
  if (rows_per_slice * row_size == 1) {
    // One element per index (take of scalars): no slice to walk.
    cpu::parallel_for(n_indices, gather_grain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        out_ptr[i] = src_ptr[source_offset(i)];
      }
    });
    return;
  }
  int64_t units = n_indices * rows_per_slice;
  cpu::parallel_for(
      units, std::max<int64_t>(1, gather_grain / row_size), [&](int64_t b, int64_t e) {
        int64_t cached = -1;
        int64_t base = 0;
        for (int64_t u = b; u < e; ++u) {
          int64_t i = u / rows_per_slice;
          if (i != cached) {
            base = source_offset(i);
            cached = i;
          }
          int64_t r = u - i * rows_per_slice;
          const T* s = src_ptr + base +
                       (outer_shape.empty() ? 0 : elem_to_loc(r, outer_shape, outer_strides));
          T* d = out_ptr + u * row_size;
          if (row_stride == 1) {
            std::memcpy(d, s, row_size * sizeof(T));
          } else {
            for (int64_t k = 0; k < row_size; ++k) {
              d[k] = s[k * row_stride];
            }
          }
        }
      });
}

template <typename T, typename IdxT>
void gather_axis(const array& src, const array& idx, array& out, int axis) {
  // The source offset of an element is its position off the axis plus index * axis stride.
  Strides src_strides = src.strides();
  int64_t ax_stride = src_strides[axis];
  int64_t ax_size = src.shape(axis);
  src_strides[axis] = 0;
  auto [shape, strides] =
      collapse_contiguous_dims(out.shape(), {idx.strides(), src_strides, out.strides()});
  const IdxT* idx_ptr = idx.data<IdxT>();
  const T* src_ptr = src.data<T>();
  T* out_ptr = out.data<T>();
  int64_t row_size = shape.back();
  cpu::parallel_for(
      row_count(shape), std::max<int64_t>(1, gather_grain / row_size), [&](int64_t b, int64_t e) {
        for_each_row<3>(shape, {&strides[0], &strides[1], &strides[2]}, b, e,
                        [&](const auto& off, int64_t n, const auto& st) {
                          const IdxT* ip = idx_ptr + off[0];
                          const T* sp = src_ptr + off[1];
                          T* dp = out_ptr + off[2];
                          for (int64_t k = 0; k < n; ++k) {
                            int64_t v = cpu::clamp_index(cpu::index_value(ip[k * st[0]]), ax_size);
                            dp[k * st[2]] = sp[k * st[1] + v * ax_stride];
                          }
                        });
      });
}

} // namespace

void Gather::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  const auto& src = inputs[0];
  std::vector<array> inds(inputs.begin() + 1, inputs.end());
  Dtype idx_dtype = inds.empty() ? uint32 : inds[0].dtype();
  dispatch_int_types(idx_dtype, "[Gather]", [&](auto idx_tag) {
    cpu::dispatch_by_size(out.itemsize(), [&](auto tag) {
      gather<tag_type_t<decltype(tag)>, tag_type_t<decltype(idx_tag)>>(src, inds, out, axes_,
                                                                       slice_sizes_);
    });
  });
}

void GatherAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  dispatch_int_types(inputs[1].dtype(), "[GatherAxis]", [&](auto idx_tag) {
    cpu::dispatch_by_size(out.itemsize(), [&](auto tag) {
      gather_axis<tag_type_t<decltype(tag)>, tag_type_t<decltype(idx_tag)>>(inputs[0], inputs[1],
                                                                            out, axis_);
    });
  });
}

} // namespace mlx::core
