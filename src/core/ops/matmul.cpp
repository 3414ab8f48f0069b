// Matrix products: matmul, addmm, gather_mm, tensordot, outer and inner. Vectors follow numpy:
// a 1-D left operand is a row [1, K] and a 1-D right operand a column [K, 1], and the inserted
// axis is dropped from the result. Batch axes (all but the last two) broadcast.
#include "core/primitives/matmul.h"

#include <numeric>

#include "core/ops/ops_common.h"

namespace mlx::core {

namespace {

std::string shape_text(const Shape& shape) {
  std::ostringstream out;
  out << shape;
  return out.str();
}

Shape batch_shape(const array& a) {
  return Shape(a.shape().begin(), a.shape().end() - 2);
}

Shape broadcast_batches(const char* op, const Shape& x, const Shape& y) {
  try {
    return broadcast_shapes(x, y);
  } catch (const std::invalid_argument&) {
    throw op_error(op, "Batch shapes ", shape_text(x), " and ", shape_text(y),
                   " cannot be broadcast.");
  }
}

// Lifts 1-D operands to matrices and checks that the inner dimensions agree.
std::pair<array, array> as_matrices(const char* op, array a, array b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    throw op_error(op, "Got 0 dimension input. Inputs must have at least one dimension.");
  }
  if (a.ndim() == 1) {
    a = reshape(a, {1, a.shape(0)}, s);
  }
  if (b.ndim() == 1) {
    b = reshape(b, {b.shape(0), 1}, s);
  }
  if (a.shape(-1) != b.shape(-2)) {
    throw op_error(op, "Last dimension of first input with shape ", shape_text(a.shape()),
                   " must match second to last dimension of second input with shape ",
                   shape_text(b.shape()), ".");
  }
  return {std::move(a), std::move(b)};
}

// Broadcasts the batch axes of a and b against each other.
void broadcast_batch_axes(const char* op, array& a, array& b, StreamOrDevice s) {
  Shape batch = broadcast_batches(op, batch_shape(a), batch_shape(b));
  Shape a_shape = batch;
  a_shape.push_back(a.shape(-2));
  a_shape.push_back(a.shape(-1));
  Shape b_shape = std::move(batch);
  b_shape.push_back(b.shape(-2));
  b_shape.push_back(b.shape(-1));
  a = broadcast_to(a, a_shape, s);
  b = broadcast_to(b, b_shape, s);
}

// Drops the axes that as_matrices inserted for vector operands.
array drop_vector_axes(const array& out, int a_ndim, int b_ndim, StreamOrDevice s) {
  std::vector<int> axes;
  int ndim = static_cast<int>(out.ndim());
  if (a_ndim == 1) {
    axes.push_back(ndim - 2);
  }
  if (b_ndim == 1) {
    axes.push_back(ndim - 1);
  }
  return axes.empty() ? out : squeeze(out, axes, s);
}

void require_real_floating(const char* op, Dtype out_type, const std::string& inputs) {
  if (!issubdtype(out_type, floating)) {
    throw op_error(op, "Only real floating point types are supported but ", inputs,
                   " were provided which results in ", out_type,
                   ", which is not a real floating point type.");
  }
}

// The default gather indices: every matrix of x's batch, in order.
array all_matrices(const array& x, StreamOrDevice s) {
  Shape shape = batch_shape(x);
  int64_t total = std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
  return reshape(arange(0.0, static_cast<double>(total), 1.0, uint32, s), std::move(shape), s);
}

} // namespace

array matmul(const array& in_a, const array& in_b, StreamOrDevice s) {
  auto [a, b] = as_matrices("matmul", in_a, in_b, s);
  auto out_type = promote_types(a.dtype(), b.dtype());
  if (!issubdtype(out_type, inexact)) {
    throw op_error("matmul", "Only inexact types are supported but ", a.dtype(), " and ", b.dtype(),
                   " were provided which results in ", out_type,
                   ", which is not a floating point type.");
  }
  a = cast_if_needed(a, out_type, s);
  b = cast_if_needed(b, out_type, s);

  // A stack of matrices times one matrix is a single product with the stack as rows.
  bool fold_batch = in_a.ndim() > 2 && in_b.ndim() <= 2;
  Shape result_shape;
  if (fold_batch) {
    result_shape = in_a.shape();
    result_shape.back() = b.shape(-1);
    ShapeElem rows =
        std::accumulate(a.shape().begin(), a.shape().end() - 1, ShapeElem{1}, std::multiplies<>());
    a = reshape(a, {rows, a.shape(-1)}, s);
  } else if (a.ndim() > 2 || b.ndim() > 2) {
    broadcast_batch_axes("matmul", a, b, s);
  }
  Shape out_shape = a.shape();
  out_shape.back() = b.shape(-1);
  auto out = array(std::move(out_shape), out_type, std::make_shared<Matmul>(to_stream(s)),
                   {std::move(a), std::move(b)});
  if (fold_batch) {
    out = reshape(out, std::move(result_shape), s);
    return in_b.ndim() == 1 ? squeeze(out, -1, s) : out;
  }
  return drop_vector_axes(out, in_a.ndim(), in_b.ndim(), s);
}

array addmm(array c, array a, array b, const float& alpha, const float& beta, StreamOrDevice s) {
  int a_ndim = static_cast<int>(a.ndim());
  int b_ndim = static_cast<int>(b.ndim());
  if (a_ndim == 0 || b_ndim == 0) {
    throw op_error("addmm", "Got 0 dimension input. Inputs must have at least one dimension.");
  }
  auto out_type = result_type(a, b, c);
  if (out_type == complex64) {
    // As MLX: complex inputs take the composed path.
    return add(multiply(matmul(a, b, s), array(alpha), s), multiply(array(beta), c, s), s);
  }
  std::tie(a, b) = as_matrices("addmm", std::move(a), std::move(b), s);
  std::ostringstream names;
  names << c.dtype() << ", " << a.dtype() << " and " << b.dtype();
  require_real_floating("addmm", out_type, names.str());
  a = cast_if_needed(a, out_type, s);
  b = cast_if_needed(b, out_type, s);
  c = cast_if_needed(c, out_type, s);

  if (a.ndim() > 2 || b.ndim() > 2) {
    broadcast_batch_axes("addmm", a, b, s);
  }
  Shape out_shape = a.shape();
  out_shape.back() = b.shape(-1);

  // c broadcasts against the result as the caller sees it (vector axes dropped), then gets
  // those axes back so that it lines up with the matrix product.
  Shape visible = out_shape;
  if (a_ndim == 1 || b_ndim == 1) {
    int end = static_cast<int>(visible.size()) - (b_ndim == 1 ? 0 : 1);
    int begin = static_cast<int>(visible.size()) - (a_ndim == 1 ? 2 : 1);
    visible.erase(visible.begin() + begin, visible.begin() + end);
  }
  Shape c_shape;
  try {
    c_shape = broadcast_shapes(c.shape(), visible);
  } catch (const std::invalid_argument&) {
    throw op_error("addmm", "Input c with shape ", shape_text(c.shape()),
                   " cannot be broadcast to the output shape ", shape_text(visible), ".");
  }
  if (c_shape != visible) {
    throw op_error("addmm", "Input c with shape ", shape_text(c.shape()),
                   " must broadcast to the output shape ", shape_text(visible), ".");
  }
  c = reshape(broadcast_to(c, visible, s), out_shape, s);
  auto out =
      array(std::move(out_shape), out_type, std::make_shared<AddMM>(to_stream(s), alpha, beta),
            {std::move(a), std::move(b), std::move(c)});
  return drop_vector_axes(out, a_ndim, b_ndim, s);
}

array gather_mm(array a, array b, std::optional<array> lhs_indices,
                std::optional<array> rhs_indices, bool sorted_indices, StreamOrDevice s) {
  if (!lhs_indices && !rhs_indices) {
    return matmul(a, b, s);
  }
  int a_ndim = static_cast<int>(a.ndim());
  int b_ndim = static_cast<int>(b.ndim());
  std::tie(a, b) = as_matrices("gather_mm", std::move(a), std::move(b), s);
  auto out_type = result_type(a, b);
  std::ostringstream names;
  names << a.dtype() << " and " << b.dtype();
  require_real_floating("gather_mm", out_type, names.str());
  a = cast_if_needed(a, out_type, s);
  b = cast_if_needed(b, out_type, s);

  array lhs = lhs_indices ? *lhs_indices : all_matrices(a, s);
  array rhs = rhs_indices ? *rhs_indices : all_matrices(b, s);
  if (!issubdtype(lhs.dtype(), integer)) {
    throw op_error("gather_mm", "Got lhs_indices with invalid dtype ", lhs.dtype(),
                   ". Indices must be integral.");
  }
  if (!issubdtype(rhs.dtype(), integer)) {
    throw op_error("gather_mm", "Got rhs_indices with invalid dtype ", rhs.dtype(),
                   ". Indices must be integral.");
  }
  std::tie(lhs, rhs) = broadcast_pair(cast_if_needed(lhs, uint32, s),
                                      cast_if_needed(rhs, uint32, s), "gather_mm", s);
  Shape out_shape = lhs.shape();
  out_shape.push_back(a.shape(-2));
  out_shape.push_back(b.shape(-1));
  auto out = array(std::move(out_shape), out_type,
                   std::make_shared<GatherMM>(to_stream(s), sorted_indices && !rhs_indices,
                                              sorted_indices && !lhs_indices),
                   {std::move(a), std::move(b), std::move(lhs), std::move(rhs)});
  return drop_vector_axes(out, a_ndim, b_ndim, s);
}

array tensordot(const array& a, const array& b, const int axis, StreamOrDevice s) {
  if (axis < 0) {
    throw op_error("tensordot", "axis must be greater or equal to 0.");
  }
  if (axis > static_cast<int>(std::min(a.ndim(), b.ndim()))) {
    throw op_error("tensordot", "axis must be less than the number of dimensions of a and b.");
  }
  std::vector<int> axes_a, axes_b;
  for (int i = 0; i < axis; ++i) {
    axes_a.push_back(i - axis);
    axes_b.push_back(i);
  }
  return tensordot(a, b, axes_a, axes_b, s);
}

array tensordot(const array& a, const array& b, const std::vector<int>& axes_a,
                const std::vector<int>& axes_b, StreamOrDevice s) {
  if (axes_a.size() != axes_b.size()) {
    throw op_error("tensordot", "axes must have the same size.");
  }
  auto normalize = [](const std::vector<int>& axes, const array& x) {
    std::vector<int> out;
    std::vector<bool> seen(x.ndim(), false);
    for (int ax : axes) {
      int n = normalize_axis("tensordot", ax, x.ndim());
      if (seen[n]) {
        throw op_error("tensordot", "Received duplicate axes.");
      }
      seen[n] = true;
      out.push_back(n);
    }
    return std::pair{out, seen};
  };
  auto [ca, contracted_a] = normalize(axes_a, a);
  auto [cb, contracted_b] = normalize(axes_b, b);
  int64_t csize = 1;
  for (size_t i = 0; i < ca.size(); ++i) {
    if (a.shape(ca[i]) != b.shape(cb[i])) {
      throw op_error("tensordot", "a and b must have the same shape on the contracted axes.");
    }
    csize *= a.shape(ca[i]);
  }
  // a becomes [free_a, contracted] and b [contracted, free_b]; one matmul does the rest.
  std::vector<int> order_a, order_b;
  Shape out_shape;
  int64_t free_a = 1, free_b = 1;
  for (int i = 0; i < static_cast<int>(a.ndim()); ++i) {
    if (!contracted_a[i]) {
      order_a.push_back(i);
      free_a *= a.shape(i);
      out_shape.push_back(a.shape(i));
    }
  }
  order_a.insert(order_a.end(), ca.begin(), ca.end());
  order_b = cb;
  for (int i = 0; i < static_cast<int>(b.ndim()); ++i) {
    if (!contracted_b[i]) {
      order_b.push_back(i);
      free_b *= b.shape(i);
      out_shape.push_back(b.shape(i));
    }
  }
  auto x = reshape(transpose(a, order_a, s),
                   {static_cast<ShapeElem>(free_a), static_cast<ShapeElem>(csize)}, s);
  auto y = reshape(transpose(b, order_b, s),
                   {static_cast<ShapeElem>(csize), static_cast<ShapeElem>(free_b)}, s);
  return reshape(matmul(x, y, s), std::move(out_shape), s);
}

array outer(const array& a, const array& b, StreamOrDevice s) {
  return multiply(reshape(a, {static_cast<ShapeElem>(a.size()), 1}, s), flatten(b, s), s);
}

array inner(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    return multiply(a, b, s);
  }
  if (a.shape(-1) != b.shape(-1)) {
    throw op_error("inner", "a and b must have the same last dimension.");
  }
  return tensordot(a, b, {-1}, {-1}, s);
}

} // namespace mlx::core
