// Planning an einsum: parsing the subscripts, expanding ellipses, checking them against the
// operands, and choosing a contraction order (numpy/opt_einsum's greedy strategy, as MLX).
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <vector>

#include "mlx/array.h"

namespace mlx::core::einsum_detail {

using CharSet = std::bitset<128>;

// One operand's (or result's) subscripts, as written and as a set.
struct Term {
  std::string str;
  CharSet set;
  explicit Term(std::string s);
};

// One step of the path: combine the operands at `positions` (increasing) of the current list
// into a result with subscripts `output`, appended to the list.
struct Step {
  std::vector<Term> inputs;
  Term output;
  std::vector<int> positions;
};

struct Plan {
  std::vector<Step> steps;
  int64_t naive_cost = 0;
  int64_t naive_scaling = 0;
  int64_t optimized_cost = 0;
  int64_t optimized_scaling = 0;
};

// Throws std::invalid_argument("[op] ...") for malformed subscripts or mismatched operands.
Plan plan(const std::string& subscripts, const std::vector<array>& operands, const char* op);

} // namespace mlx::core::einsum_detail
