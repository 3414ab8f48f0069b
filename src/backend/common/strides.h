// Shape and stride arithmetic shared by the backends: contiguity flags, collapsing dimensions
// that are contiguous in every operand, and walking a strided iteration space row by row.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "mlx/array.h"

namespace mlx::core {

// Row-major strides for a shape.
Strides make_row_major_strides(const Shape& shape);

struct Contiguity {
  size_t data_size;
  array::Flags flags;
};

// The flags and data size of a view with these shape and strides (strides may be 0 for
// broadcast axes, or negative).
Contiguity check_contiguity(const Shape& shape, const Strides& strides);

// Merges adjacent axes that are contiguous in every stride vector, and drops axes of size 1.
// Returns the collapsed shape and one collapsed stride vector per input.
std::pair<Shape, std::vector<Strides>>
collapse_contiguous_dims(const Shape& shape, const std::vector<Strides>& strides);

// The offset of linear (row-major) element `elem` in a strided array.
inline int64_t elem_to_loc(int64_t elem, const Shape& shape, const Strides& strides) {
  int64_t loc = 0;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    auto q_and_r = std::lldiv(elem, shape[i]);
    loc += q_and_r.rem * strides[i];
    elem = q_and_r.quot;
  }
  return loc;
}

// Walks rows [row_begin, row_end) of an N-operand iteration space whose last axis is the row,
// calling body(offsets, row_size, row_strides) with each operand's offset of the row start.
// Shapes and strides are expected collapsed (see collapse_contiguous_dims).
template <size_t N, typename Body>
void for_each_row(const Shape& shape, const std::array<const Strides*, N>& strides,
                  int64_t row_begin, int64_t row_end, Body&& body) {
  int ndim = static_cast<int>(shape.size());
  std::array<int64_t, N> row_strides{};
  int64_t row_size = 1;
  if (ndim > 0) {
    row_size = shape[ndim - 1];
    for (size_t k = 0; k < N; ++k) {
      row_strides[k] = (*strides[k])[ndim - 1];
    }
  }
  int outer = ndim - 1;
  // Multi-index of the current row over the outer axes, and each operand's offset.
  std::vector<int32_t> index(std::max(outer, 0), 0);
  std::array<int64_t, N> offsets{};
  {
    int64_t r = row_begin;
    for (int i = outer - 1; i >= 0; --i) {
      index[i] = static_cast<int32_t>(r % shape[i]);
      r /= shape[i];
      for (size_t k = 0; k < N; ++k) {
        offsets[k] += index[i] * (*strides[k])[i];
      }
    }
  }
  for (int64_t row = row_begin; row < row_end; ++row) {
    body(offsets, row_size, row_strides);
    for (int i = outer - 1; i >= 0; --i) {
      if (++index[i] < shape[i]) {
        for (size_t k = 0; k < N; ++k) {
          offsets[k] += (*strides[k])[i];
        }
        break;
      }
      index[i] = 0;
      for (size_t k = 0; k < N; ++k) {
        offsets[k] -= static_cast<int64_t>(shape[i] - 1) * (*strides[k])[i];
      }
    }
  }
}

// The number of rows of a collapsed iteration space (the product of all but the last axis).
inline int64_t row_count(const Shape& shape) {
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) {
    rows *= shape[i];
  }
  return rows;
}

} // namespace mlx::core
