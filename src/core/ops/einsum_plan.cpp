#include "core/ops/einsum_plan.h"

#include <algorithm>
#include <array>
#include <numeric>

#include "core/ops/ops_common.h"

namespace mlx::core::einsum_detail {

namespace {

// The size of each subscript letter (after broadcasting), indexed by the character.
using Dims = std::array<int64_t, 128>;

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int64_t term_size(const CharSet& set, const Dims& dims) {
  int64_t size = 1;
  for (size_t c = 0; c < set.size(); ++c) {
    if (set[c]) {
      size *= dims[c];
    }
  }
  return size;
}

int64_t term_size(const std::string& str, const Dims& dims) {
  int64_t size = 1;
  for (char c : str) {
    size *= dims[static_cast<unsigned char>(c)];
  }
  return size;
}

// opt_einsum's cost model: the iteration space times the number of operations per point.
int64_t flop_count(const CharSet& indices, bool inner, int terms, const Dims& dims) {
  int64_t factor = std::max(1, terms - 1) + (inner ? 1 : 0);
  return term_size(indices, dims) * factor;
}

std::pair<int64_t, int64_t> cost_and_scaling(const std::vector<Term>& inputs, const Term& output,
                                             const Dims& dims) {
  CharSet all;
  for (const auto& in : inputs) {
    all |= in.set;
  }
  bool inner = (all & ~output.set).any();
  return {flop_count(all, inner, static_cast<int>(inputs.size()), dims),
          static_cast<int64_t>(all.count())};
}

// Splits "a,b->c" into input subscripts and output subscript. Without "->" the output is the
// letters used exactly once, in alphabetical order, after "..." when there is an ellipsis.
std::pair<std::vector<std::string>, std::string> parse(std::string subscripts) {
  subscripts.erase(std::remove(subscripts.begin(), subscripts.end(), ' '), subscripts.end());
  std::string lhs, rhs;
  if (auto arrow = subscripts.find("->"); arrow != std::string::npos) {
    lhs = subscripts.substr(0, arrow);
    rhs = subscripts.substr(arrow + 2);
  } else {
    lhs = subscripts;
    std::array<int, 128> counts{};
    for (char c : lhs) {
      if (is_letter(c)) {
        ++counts[static_cast<unsigned char>(c)];
      }
    }
    if (lhs.find('.') != std::string::npos) {
      rhs = "...";
    }
    for (int c = 0; c < 128; ++c) {
      if (counts[c] == 1) {
        rhs += static_cast<char>(c);
      }
    }
  }
  // An empty subscript is a scalar operand, so empty pieces are kept ("i,->i").
  std::vector<std::string> inputs;
  for (size_t start = 0;;) {
    auto comma = lhs.find(',', start);
    inputs.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return {inputs, rhs};
}

// Greedy contraction order: repeatedly contract the pair that removes the most elements (then
// the cheapest), skipping pairs that share no index while others exist, and pairs whose
// result would exceed the largest input or output or whose cost would exceed the naive one.
void greedy_path(std::vector<Term> inputs, const Term& output, const Dims& dims, int64_t cost_limit,
                 int64_t memory_limit, Plan& plan) {
  struct Candidate {
    int64_t removed;
    int64_t cost;
    CharSet result;
    int64_t indices;
    int x, y;
  };
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < static_cast<int>(inputs.size()); ++i) {
    for (int j = i + 1; j < static_cast<int>(inputs.size()); ++j) {
      pairs.emplace_back(i, j);
    }
  }
  std::vector<Candidate> candidates;
  const size_t rounds = inputs.size() - 1;
  for (size_t round = 0; round < rounds; ++round) {
    auto consider = [&](int p, int q) {
      CharSet both = inputs[p].set | inputs[q].set;
      CharSet needed = output.set;
      for (int i = 0; i < static_cast<int>(inputs.size()); ++i) {
        if (i != p && i != q) {
          needed |= inputs[i].set;
        }
      }
      CharSet result = both & needed;
      int64_t size = term_size(result, dims);
      if (size > memory_limit) {
        return;
      }
      int64_t cost = flop_count(both, both.count() > result.count(), 2, dims);
      if (plan.optimized_cost + cost > cost_limit) {
        return;
      }
      int64_t removed = term_size(inputs[p].set, dims) + term_size(inputs[q].set, dims) - size;
      candidates.push_back({removed, cost, result, static_cast<int64_t>(both.count()), p, q});
    };
    for (auto [p, q] : pairs) {
      if ((inputs[p].set & inputs[q].set).any()) {
        consider(p, q);
      }
    }
    if (candidates.empty()) {
      for (auto [p, q] : pairs) {
        consider(p, q);
      }
    }
    if (candidates.empty()) {
      // Nothing fits the limits: the remaining operands go in one naive step.
      std::vector<int> positions(inputs.size());
      std::iota(positions.begin(), positions.end(), 0);
      auto [cost, scaling] = cost_and_scaling(inputs, output, dims);
      plan.optimized_cost += cost;
      plan.optimized_scaling = std::max(plan.optimized_scaling, scaling);
      plan.steps.push_back({std::move(inputs), output, std::move(positions)});
      return;
    }
    auto best = *std::min_element(
        candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
          return a.removed > b.removed || (a.removed == b.removed && a.cost < b.cost);
        });
    plan.optimized_scaling = std::max(plan.optimized_scaling, best.indices);
    plan.optimized_cost += best.cost;
    // Intermediate results order their axes from the smallest to the largest.
    std::string result;
    for (int c = 0; c < 128; ++c) {
      if (best.result[c]) {
        result += static_cast<char>(c);
      }
    }
    std::stable_sort(result.begin(), result.end(), [&](char a, char b) {
      return dims[static_cast<unsigned char>(a)] < dims[static_cast<unsigned char>(b)];
    });
    plan.steps.push_back({{inputs[best.x], inputs[best.y]}, Term(result), {best.x, best.y}});
    inputs.erase(inputs.begin() + best.y);
    inputs.erase(inputs.begin() + best.x);
    inputs.emplace_back(result);

    // Candidates that used either operand are gone; the others shift down.
    std::vector<Candidate> kept;
    for (auto& c : candidates) {
      if (c.x == best.x || c.x == best.y || c.y == best.x || c.y == best.y) {
        continue;
      }
      c.x -= (c.x > best.x) + (c.x > best.y);
      c.y -= (c.y > best.x) + (c.y > best.y);
      kept.push_back(c);
    }
    candidates = std::move(kept);
    pairs.clear();
    int last = static_cast<int>(inputs.size()) - 1;
    for (int i = 0; i < last; ++i) {
      pairs.emplace_back(i, last);
    }
  }
}

} // namespace

Term::Term(std::string s) : str(std::move(s)) {
  for (char c : str) {
    set.set(static_cast<unsigned char>(c));
  }
}

Plan plan(const std::string& subscripts, const std::vector<array>& operands, const char* op) {
  if (operands.empty()) {
    throw op_error(op, "At least one operand is required.");
  }
  auto [in_subscripts, out_subscript] = parse(subscripts);
  if (in_subscripts.size() != operands.size()) {
    throw op_error(op, "Number of operands, ", operands.size(),
                   ", does not match number of input subscripts, ", in_subscripts.size(), ".");
  }

  // An ellipsis stands for the operand's remaining axes, named by unused letters taken from
  // the end of the pool so that shorter ellipses line up with the trailing axes of longer ones.
  std::string pool;
  for (const char* range : {"az", "AZ"}) {
    for (char c = range[0]; c <= range[1]; ++c) {
      if (subscripts.find(c) == std::string::npos) {
        pool += c;
      }
    }
  }
  int longest_ellipsis = 0;
  auto expand = [&](std::string& sub, const array* operand) {
    int letters = 0;
    size_t ellipsis = std::string::npos;
    for (size_t i = 0; i < sub.size(); ++i) {
      if (is_letter(sub[i])) {
        ++letters;
        continue;
      }
      if (sub.compare(i, 3, "...") != 0) {
        throw op_error(op, "Subscripts must be letters, but got '", sub[i], "'.");
      }
      if (ellipsis != std::string::npos) {
        throw op_error(op, "Only one ellipsis per subscript is allowed but found more in '", sub,
                       "'.");
      }
      ellipsis = i;
      i += 2;
    }
    if (ellipsis == std::string::npos) {
      return;
    }
    int length = longest_ellipsis;
    if (operand) {
      length = static_cast<int>(operand->ndim()) - letters;
      if (length < 0) {
        throw op_error(op, "Operand with ", operand->ndim(),
                       " dimensions has too few dimensions for subscript '", sub, "'.");
      }
      longest_ellipsis = std::max(longest_ellipsis, length);
    }
    if (length > static_cast<int>(pool.size())) {
      throw op_error(op, "Too many dimensions for the letters left to name them.");
    }
    sub.replace(ellipsis, 3, pool.substr(pool.size() - length));
  };
  for (size_t i = 0; i < operands.size(); ++i) {
    expand(in_subscripts[i], &operands[i]);
  }
  expand(out_subscript, nullptr);

  Term output(out_subscript);
  if (output.set.count() != out_subscript.size()) {
    throw op_error(op, "Repeat indices not allowed in output.");
  }
  Dims dims{};
  CharSet seen;
  std::vector<Term> inputs;
  for (size_t i = 0; i < operands.size(); ++i) {
    const auto& sub = in_subscripts[i];
    const auto& x = operands[i];
    if (sub.size() != x.ndim()) {
      throw op_error(op, "Invalid number of subscripts ", sub.size(), " for input ", i, " with ",
                     x.ndim(), " dimensions.");
    }
    Dims local{};
    for (size_t ax = 0; ax < sub.size(); ++ax) {
      auto c = static_cast<unsigned char>(sub[ax]);
      int64_t d = x.shape(static_cast<int>(ax));
      if (local[c] != 0 && local[c] != d + 1) {
        throw op_error(op, "Dimensions of repeated subscripts do not have the same size (",
                       local[c] - 1, " != ", d, ").");
      }
      local[c] = d + 1;
      if (seen[c] && dims[c] != d && dims[c] != 1 && d != 1) {
        throw op_error(op, "Cannot broadcast dimension ", ax, " of input ", i, " with size ", d,
                       " to size ", dims[c], ".");
      }
      dims[c] = seen[c] ? std::max(dims[c], d) : d;
      seen.set(c);
    }
    inputs.emplace_back(sub);
  }
  if ((output.set & ~seen).any()) {
    throw op_error(op, "Output subscripts '", out_subscript, "' name an index that no input has.");
  }

  Plan plan;
  std::tie(plan.naive_cost, plan.naive_scaling) = cost_and_scaling(inputs, output, dims);
  if (inputs.size() <= 2) {
    std::vector<int> positions(inputs.size());
    std::iota(positions.begin(), positions.end(), 0);
    plan.steps.push_back({std::move(inputs), std::move(output), std::move(positions)});
    plan.optimized_cost = plan.naive_cost;
    plan.optimized_scaling = plan.naive_scaling;
    return plan;
  }
  int64_t memory_limit = term_size(out_subscript, dims);
  for (const auto& sub : in_subscripts) {
    memory_limit = std::max(memory_limit, term_size(sub, dims));
  }
  greedy_path(std::move(inputs), output, dims, plan.naive_cost, memory_limit, plan);
  plan.steps.back().output = output;
  return plan;
}

} // namespace mlx::core::einsum_detail
