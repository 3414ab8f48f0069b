// How a reduction walks its input: the axes reordered by input stride (so transposed inputs
// are read in memory order), negative strides flipped, and adjacent axes merged, then split
// into the kept axes (one output element each) and the reduced ones.
#pragma once

#include "mlx/array.h"

namespace mlx::core {

struct ReducePlan {
  enum class Kind {
    Row,     // the innermost axis is reduced and contiguous: reduce runs of memory
    Column,  // the innermost axis is kept and contiguous: accumulate whole rows
    General, // the innermost axis is strided
  };
  Kind kind;
  int64_t in_offset = 0;  // elements from in.data() to the first element visited
  int64_t out_offset = 0; // elements from out.data() to the first element written
  // Kept axes, outermost first, with their input and output strides.
  Shape kept_shape;
  Strides kept_in;
  Strides kept_out;
  // Reduced axes, outermost first; never empty (a size-1 axis stands in when nothing is).
  Shape red_shape;
  Strides red_in;

  int64_t kept_size() const;
  int64_t red_size() const;
};

// `out` has the input's rank with size 1 on `axes`, and is row-major.
ReducePlan make_reduce_plan(const array& in, const array& out, const std::vector<int>& axes);

} // namespace mlx::core
