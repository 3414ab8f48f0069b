// einsum and einsum_path. Each step of the plan (einsum_plan.h) first reduces its operands
// alone (diagonals of repeated letters, sums of letters nothing else uses), then contracts a
// pair with one batched matmul, or combines the rest by broadcast multiply and sum.
#include "mlx/einsum.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <optional>
#include <sstream>

#include "mlx/ops.h"

#include "core/ops/einsum_plan.h"

namespace mlx::core {

namespace {

using einsum_detail::Step;
using einsum_detail::Term;

std::vector<int64_t> row_major(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) {
    strides[i] = strides[i + 1] * shape[i + 1];
  }
  return strides;
}

// "iji" on an [n, m, n] array becomes the diagonal view "ij" of shape [n, m].
array collapse_repeats(const array& x, Term& term, StreamOrDevice s) {
  auto full = row_major(x.shape());
  std::string distinct;
  Shape shape;
  Strides strides;
  for (size_t ax = 0; ax < term.str.size(); ++ax) {
    auto at = distinct.find(term.str[ax]);
    if (at == std::string::npos) {
      distinct += term.str[ax];
      shape.push_back(x.shape(static_cast<int>(ax)));
      strides.push_back(full[ax]);
    } else {
      strides[at] += full[ax];
    }
  }
  term = Term(distinct);
  return as_strided(x, std::move(shape), std::move(strides), 0, s);
}

void reduce_alone(Step& step, std::vector<array>& operands, StreamOrDevice s) {
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    auto& term = step.inputs[i];
    if (term.set.count() < term.str.size()) {
      operands[step.positions[i]] = collapse_repeats(operands[step.positions[i]], term, s);
    }
  }
  std::array<int, 128> uses{};
  for (const auto& term : step.inputs) {
    for (size_t c = 0; c < 128; ++c) {
      uses[c] += term.set[c];
    }
  }
  for (size_t c = 0; c < 128; ++c) {
    uses[c] += step.output.set[c];
  }
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    auto& term = step.inputs[i];
    std::vector<int> axes;
    std::string kept;
    for (size_t ax = 0; ax < term.str.size(); ++ax) {
      if (uses[static_cast<unsigned char>(term.str[ax])] == 1) {
        axes.push_back(static_cast<int>(ax));
      } else {
        kept += term.str[ax];
      }
    }
    if (!axes.empty()) {
      auto& x = operands[step.positions[i]];
      x = sum(x, axes, false, s);
      term = Term(kept);
    }
  }
}

// x with its axes regrouped as [lead..., prod(middle), prod(last)].
array group_axes(const array& x, const std::vector<int>& lead, const std::vector<int>& middle,
                 const std::vector<int>& last, StreamOrDevice s) {
  std::vector<int> order = lead;
  order.insert(order.end(), middle.begin(), middle.end());
  order.insert(order.end(), last.begin(), last.end());
  Shape shape;
  for (int ax : lead) {
    shape.push_back(x.shape(ax));
  }
  auto product = [&](const std::vector<int>& axes) {
    ShapeElem n = 1;
    for (int ax : axes) {
      n *= x.shape(ax);
    }
    return n;
  };
  shape.push_back(product(middle));
  shape.push_back(product(last));
  return reshape(transpose(x, order, s), std::move(shape), s);
}

// Contracts two operands with one batched matmul; `result` receives the subscripts of the
// returned array (batch letters, then a's free letters, then b's).
array contract_pair(array a, const Term& ta, array b, const Term& tb, const Term& out,
                    std::string& result, StreamOrDevice s) {
  std::vector<int> a_contract, a_batch, a_free, b_contract, b_batch, b_free;
  for (size_t i = 0; i < ta.str.size(); ++i) {
    auto c = static_cast<unsigned char>(ta.str[i]);
    int in_b = static_cast<int>(tb.str.find(ta.str[i]));
    if (!out.set[c]) {
      a_contract.push_back(static_cast<int>(i));
      b_contract.push_back(in_b);
    } else if (tb.set[c]) {
      a_batch.push_back(static_cast<int>(i));
      b_batch.push_back(in_b);
    } else {
      a_free.push_back(static_cast<int>(i));
    }
  }
  for (size_t j = 0; j < tb.str.size(); ++j) {
    auto c = static_cast<unsigned char>(tb.str[j]);
    if (out.set[c] && !ta.set[c]) {
      b_free.push_back(static_cast<int>(j));
    }
  }
  // Shared letters may have size 1 on one side: broadcast them first.
  Shape a_shape = a.shape(), b_shape = b.shape();
  auto share = [&](const std::vector<int>& in_a, const std::vector<int>& in_b) {
    for (size_t k = 0; k < in_a.size(); ++k) {
      auto d = std::max(a_shape[in_a[k]], b_shape[in_b[k]]);
      a_shape[in_a[k]] = d;
      b_shape[in_b[k]] = d;
    }
  };
  share(a_contract, b_contract);
  share(a_batch, b_batch);
  a = broadcast_to(a, a_shape, s);
  b = broadcast_to(b, b_shape, s);

  Shape out_shape;
  result.clear();
  for (int ax : a_batch) {
    out_shape.push_back(a.shape(ax));
    result += ta.str[ax];
  }
  for (int ax : a_free) {
    out_shape.push_back(a.shape(ax));
    result += ta.str[ax];
  }
  for (int ax : b_free) {
    out_shape.push_back(b.shape(ax));
    result += tb.str[ax];
  }
  auto product = matmul(group_axes(a, a_batch, a_free, a_contract, s),
                        group_axes(b, b_batch, b_contract, b_free, s), s);
  return reshape(product, std::move(out_shape), s);
}

// Combines any number of operands by lining up their letters, multiplying with broadcasting
// and summing the letters the output drops; `result` receives the subscripts.
array multiply_and_sum(const Step& step, const std::vector<array>& operands, std::string& result,
                       StreamOrDevice s) {
  std::string letters;
  for (const auto& term : step.inputs) {
    for (char c : term.str) {
      if (letters.find(c) == std::string::npos) {
        letters += c;
      }
    }
  }
  std::optional<array> product;
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    const auto& term = step.inputs[i];
    array x = operands[step.positions[i]];
    std::vector<int> order(term.str.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](int p, int q) { return letters.find(term.str[p]) < letters.find(term.str[q]); });
    x = transpose(x, order, s);
    Shape shape;
    for (char c : letters) {
      auto at = term.str.find(c);
      shape.push_back(at == std::string::npos ? 1 : operands[step.positions[i]].shape(at));
    }
    x = reshape(x, std::move(shape), s);
    product = product ? multiply(*product, x, s) : x;
  }
  std::vector<int> summed;
  result.clear();
  for (size_t ax = 0; ax < letters.size(); ++ax) {
    if (step.output.set[static_cast<unsigned char>(letters[ax])]) {
      result += letters[ax];
    } else {
      summed.push_back(static_cast<int>(ax));
    }
  }
  return summed.empty() ? *product : sum(*product, summed, false, s);
}

} // namespace

std::pair<std::vector<std::vector<int>>, std::string>
einsum_path(const std::string& subscripts, const std::vector<array>& operands) {
  auto plan = einsum_detail::plan(subscripts, operands, "einsum_path");
  std::vector<std::vector<int>> path;
  for (const auto& step : plan.steps) {
    path.push_back(step.positions);
  }
  std::ostringstream summary;
  summary << "  Complete contraction:  " << subscripts << "\n"
          << "         Naive scaling:  " << plan.naive_scaling << "\n"
          << "     Optimized scaling:  " << plan.optimized_scaling << "\n"
          << "      Naive FLOP count:  " << plan.naive_cost << "\n"
          << "  Optimized FLOP count:  " << plan.optimized_cost << "\n";
  return {path, summary.str()};
}

array einsum(const std::string& subscripts, const std::vector<array>& operands, StreamOrDevice s) {
  auto plan = einsum_detail::plan(subscripts, operands, "einsum");
  std::vector<array> list = operands;
  for (auto& step : plan.steps) {
    reduce_alone(step, list, s);
    std::string letters;
    bool contracts = step.inputs.size() == 2 && (step.inputs[0].set & ~step.output.set).any();
    array result =
        contracts ? contract_pair(list[step.positions[0]], step.inputs[0], list[step.positions[1]],
                                  step.inputs[1], step.output, letters, s)
                  : multiply_and_sum(step, list, letters, s);
    std::vector<int> order;
    for (char c : step.output.str) {
      order.push_back(static_cast<int>(letters.find(c)));
    }
    list.push_back(transpose(result, order, s));
    for (auto it = step.positions.rbegin(); it != step.positions.rend(); ++it) {
      list.erase(list.begin() + *it);
    }
  }
  return list.front();
}

} // namespace mlx::core
