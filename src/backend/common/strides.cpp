#include "backend/common/strides.h"

namespace mlx::core {

Strides make_row_major_strides(const Shape& shape) {
  Strides strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 1; i > 0; --i) {
    strides[i - 1] = strides[i] * shape[i];
  }
  return strides;
}

Contiguity check_contiguity(const Shape& shape, const Strides& strides) {
  size_t size = 1;
  for (auto d : shape) {
    size *= d;
  }
  Contiguity c{};
  if (size == 0) {
    c.data_size = 0;
    c.flags.contiguous = c.flags.row_contiguous = c.flags.col_contiguous = true;
    return c;
  }
  // The span of memory reached, and the element count over the non-broadcast axes.
  size_t data_size = 1;
  size_t reached = 1;
  bool has_negative = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) {
      continue;
    }
    if (strides[i] < 0) {
      has_negative = true;
    }
    if (strides[i] != 0) {
      data_size += static_cast<size_t>(shape[i] - 1) * static_cast<size_t>(std::abs(strides[i]));
      reached *= shape[i];
    }
  }
  bool row = true;
  int64_t expected = 1;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    if (shape[i] == 1) {
      continue;
    }
    row &= strides[i] == expected;
    expected *= shape[i];
  }
  bool col = true;
  expected = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) {
      continue;
    }
    col &= strides[i] == expected;
    expected *= shape[i];
  }
  c.data_size = data_size;
  c.flags.row_contiguous = row;
  c.flags.col_contiguous = col;
  c.flags.contiguous = !has_negative && reached == data_size;
  return c;
}

std::pair<Shape, std::vector<Strides>>
collapse_contiguous_dims(const Shape& shape, const std::vector<Strides>& strides) {
  Shape out_shape;
  std::vector<Strides> out_strides(strides.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) {
      continue;
    }
    bool merge = !out_shape.empty();
    for (size_t k = 0; k < strides.size() && merge; ++k) {
      merge = out_strides[k].back() == strides[k][i] * shape[i];
    }
    if (merge) {
      out_shape.back() *= shape[i];
      for (size_t k = 0; k < strides.size(); ++k) {
        out_strides[k].back() = strides[k][i];
      }
    } else {
      out_shape.push_back(shape[i]);
      for (size_t k = 0; k < strides.size(); ++k) {
        out_strides[k].push_back(strides[k][i]);
      }
    }
  }
  if (out_shape.empty()) {
    out_shape.push_back(1);
    for (auto& s : out_strides) {
      s.push_back(0);
    }
  }
  return {std::move(out_shape), std::move(out_strides)};
}

} // namespace mlx::core
