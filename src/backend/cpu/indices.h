// Reading index arrays inside kernels (any integer dtype, any strided layout) and the
// out-of-range policy shared by gathers, scatters and dynamic slices (see
// src/core/primitives/indexing.h). Also a dispatch on element size for kernels that only move
// bytes around.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "backend/common/strides.h"
#include "core/dtype_dispatch.h"

namespace mlx::core::cpu {

// An index as int64. uint64 values past int64's range saturate: they are out of range anyway.
template <typename IdxT>
inline int64_t index_value(IdxT v) {
  if constexpr (std::is_same_v<IdxT, uint64_t>) {
    constexpr auto max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    return v > max ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(v);
  } else {
    return static_cast<int64_t>(v);
  }
}

// Negative indices count once from the end (-1 is the last element), as MLX's.
inline int64_t wrap_index(int64_t idx, int64_t size) {
  return idx < 0 ? idx + size : idx;
}

// Gathers: the start of a slice of `extent` elements, clamped so that the slice lies inside an
// axis of `size` (extent <= size).
inline int64_t clamp_index(int64_t idx, int64_t size, int64_t extent = 1) {
  return std::clamp<int64_t>(wrap_index(idx, size), 0, size - extent);
}

// Scatters: whether a slice of `extent` elements starting at idx lies inside the axis; the
// start (wrapped) goes to `out`.
inline bool scatter_index(int64_t idx, int64_t size, int64_t extent, int64_t& out) {
  out = wrap_index(idx, size);
  return out >= 0 && out <= size - extent;
}

// Element i (in row-major order) of an index array of any layout.
template <typename IdxT>
class IndexReader {
public:
  explicit IndexReader(const array& a)
      : data_(a.data<IdxT>()), shape_(a.shape()), strides_(a.strides()),
        dense_(a.flags().row_contiguous) {}

  int64_t operator()(int64_t i) const {
    return index_value(data_[dense_ ? i : elem_to_loc(i, shape_, strides_)]);
  }

private:
  const IdxT* data_;
  Shape shape_;
  Strides strides_;
  bool dense_;
};

// Calls f(type_tag<U>) with an unsigned integer type of the given element size: kernels that
// only copy elements need one instantiation per size, not per dtype.
template <typename F>
void dispatch_by_size(size_t itemsize, F&& f) {
  switch (itemsize) {
  case 1:
    return f(type_tag<uint8_t>{});
  case 2:
    return f(type_tag<uint16_t>{});
  case 4:
    return f(type_tag<uint32_t>{});
  default:
    return f(type_tag<uint64_t>{});
  }
}

} // namespace mlx::core::cpu
