#include "backend/cpu/reduce_plan.h"

#include <algorithm>

#include "backend/common/strides.h"

namespace mlx::core {

namespace {

struct Axis {
  int64_t size;
  int64_t in_stride;
  int64_t out_stride;
  bool reduced;
};

int64_t product(const Shape& shape) {
  int64_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  return n;
}

} // namespace

int64_t ReducePlan::kept_size() const {
  return product(kept_shape);
}
int64_t ReducePlan::red_size() const {
  return product(red_shape);
}

ReducePlan make_reduce_plan(const array& in, const array& out, const std::vector<int>& axes) {
  std::vector<bool> is_reduced(in.ndim(), false);
  for (int ax : axes) {
    is_reduced[ax] = true;
  }
  Strides out_strides = make_row_major_strides(out.shape());
  ReducePlan plan;
  std::vector<Axis> dims;
  for (size_t i = 0; i < in.ndim(); ++i) {
    if (in.shape(i) == 1) {
      continue;
    }
    Axis a{in.shape(i), in.strides()[i], is_reduced[i] ? 0 : out_strides[i], is_reduced[i]};
    // Walking a negative-stride axis backwards visits the same elements in memory order.
    if (a.in_stride < 0) {
      plan.in_offset += (a.size - 1) * a.in_stride;
      plan.out_offset += (a.size - 1) * a.out_stride;
      a.in_stride = -a.in_stride;
      a.out_stride = -a.out_stride;
    }
    dims.push_back(a);
  }
  // Largest input stride outermost; broadcast (stride 0) axes outermost of all.
  std::stable_sort(dims.begin(), dims.end(), [](const Axis& a, const Axis& b) {
    if ((a.in_stride == 0) != (b.in_stride == 0)) {
      return a.in_stride == 0;
    }
    return a.in_stride > b.in_stride;
  });
  std::vector<Axis> merged;
  for (const auto& a : dims) {
    if (!merged.empty()) {
      auto& m = merged.back();
      if (m.reduced == a.reduced && m.in_stride == a.in_stride * a.size &&
          m.out_stride == a.out_stride * a.size) {
        m.size *= a.size;
        m.in_stride = a.in_stride;
        m.out_stride = a.out_stride;
        continue;
      }
    }
    merged.push_back(a);
  }
  for (const auto& a : merged) {
    if (a.reduced) {
      plan.red_shape.push_back(a.size);
      plan.red_in.push_back(a.in_stride);
    } else {
      plan.kept_shape.push_back(a.size);
      plan.kept_in.push_back(a.in_stride);
      plan.kept_out.push_back(a.out_stride);
    }
  }
  if (plan.red_shape.empty()) {
    plan.red_shape.push_back(1);
    plan.red_in.push_back(0);
  }
  plan.kind = ReducePlan::Kind::General;
  if (!merged.empty() && merged.back().in_stride == 1) {
    plan.kind = merged.back().reduced ? ReducePlan::Kind::Row : ReducePlan::Kind::Column;
  }
  return plan;
}

} // namespace mlx::core
