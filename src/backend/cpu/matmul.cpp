// Matmul and AddMM (GatherMM is in gather_mm.cpp): turn the (possibly strided, broadcast)
// operands into a list of GEMM jobs for gemm.h. Operands whose matrices BLAS can read in place
// (row- or column-major with any leading dimension) are not copied.
#include "core/primitives/matmul.h"

#include <numeric>
#include <stdexcept>
#include <string>

#include "backend/common/strides.h"
#include "backend/cpu/copy.h"
#include "backend/cpu/gemm.h"
#include "core/dtype_dispatch.h"

namespace mlx::core {

namespace {

// The batch axes (all but the last two) of a shape or stride vector.
template <typename V>
V batch_of(const V& v) {
  return V(v.begin(), v.end() - 2);
}

int64_t count_of(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

// True when x holds one matrix for the whole batch (every batch axis has size 1 or stride 0).
bool batch_broadcast(const array& x) {
  for (int i = 0; i + 2 < static_cast<int>(x.ndim()); ++i) {
    if (x.shape(i) != 1 && x.strides(i) != 0) {
      return false;
    }
  }
  return true;
}

// out (row-major, data already set) = alpha * a @ b + beta * out, batch by batch.
template <typename T>
void batched_matmul(const array& a_in, const array& b_in, array& out, float alpha, float beta) {
  auto [a, la] = cpu::blas_operand(a_in);
  auto [b, lb] = cpu::blas_operand(b_in);
  const int64_t M = a.shape(-2), N = b.shape(-1);
  cpu::GemmLayout layout{N, a.shape(-1), la.ld, lb.ld, N, la.transposed, lb.transposed};
  Shape batch = batch_of(out.shape());
  int64_t count = count_of(batch);
  std::vector<cpu::GemmJob<T>> jobs;
  if (count > 1 && batch_broadcast(b) && cpu::matrices_stack_rows(a, la)) {
    // Every matrix of a meets the same b: one product with all of a's rows.
    jobs.push_back({count * M, a.data<T>(), b.data<T>(), out.data<T>()});
  } else {
    Strides a_strides = batch_of(a.strides()), b_strides = batch_of(b.strides());
    jobs.reserve(count);
    for (int64_t i = 0; i < count; ++i) {
      jobs.push_back({M, a.data<T>() + elem_to_loc(i, batch, a_strides),
                      b.data<T>() + elem_to_loc(i, batch, b_strides), out.data<T>() + i * M * N});
    }
  }
  cpu::gemm(layout, alpha, beta, jobs);
}

void dispatch_matmul(const array& a, const array& b, array& out, float alpha, float beta,
                     const char* name) {
  switch (out.dtype()) {
  case Dtype::Val::float32:
    return batched_matmul<float>(a, b, out, alpha, beta);
  case Dtype::Val::float64:
    return batched_matmul<double>(a, b, out, alpha, beta);
  case Dtype::Val::float16:
    return batched_matmul<float16_t>(a, b, out, alpha, beta);
  case Dtype::Val::bfloat16:
    return batched_matmul<bfloat16_t>(a, b, out, alpha, beta);
  case Dtype::Val::complex64:
    return batched_matmul<complex64_t>(a, b, out, alpha, beta);
  default:
    throw std::invalid_argument(std::string("[") + name + "] Unsupported dtype " +
                                dtype_to_string(out.dtype()) + ".");
  }
}

} // namespace

void Matmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  dispatch_matmul(inputs[0], inputs[1], out, 1.0f, 0.0f, "Matmul");
}

void AddMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  // With beta == 0 the product overwrites out, so c is not read (as BLAS).
  if (beta_ != 0.0f) {
    cpu::copy_into(inputs[2], out);
  }
  dispatch_matmul(inputs[0], inputs[1], out, alpha_, beta_, "AddMM");
}

} // namespace mlx::core
