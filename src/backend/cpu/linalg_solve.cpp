// Linear systems A X = B with LAPACK: gesv (LU with partial pivoting) for a general A, trtrs
// for a triangular one. A singular A throws rather than returning infinities.
#include <algorithm>
#include <vector>

#include "backend/cpu/lapack.h"
#include "backend/cpu/linalg_common.h"
#include "core/primitives/linalg.h"

namespace mlx::core {

void Solve::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::MatrixBatch a_batch(inputs[0]);
  cpu::MatrixBatch b_batch(inputs[1]);
  const int n = a_batch.rows(), nrhs = b_batch.cols(), ld = cpu::lapack_ld(n);
  const char* op = triangular_ ? "[linalg::solve_triangular]" : "[linalg::solve]";
  out.set_data(allocator::malloc(out.nbytes()));
  cpu::dispatch_lapack_types(out.dtype(), op, [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    T* dst = out.data<T>();
    const double flops = (triangular_ ? 0.0 : 2.0 / 3.0 * n * n * n) + 2.0 * n * n * nrhs;
    cpu::for_each_matrix(a_batch.count(), flops, [&](int64_t lo, int64_t hi) {
      std::vector<T> a(static_cast<size_t>(ld) * n), x(static_cast<size_t>(ld) * nrhs);
      std::vector<cpu::lapack::Int> ipiv(std::max(n, 1));
      for (int64_t b = lo; b < hi; ++b) {
        a_batch.load_col_major(b, a.data(), ld);
        b_batch.load_col_major(b, x.data(), ld);
        cpu::lapack::Int info = 0;
        if (triangular_) {
          cpu::lapack::trtrs(upper_ ? 'U' : 'L', n, nrhs, a.data(), ld, x.data(), ld, &info);
          cpu::check_lapack_arguments(op, "trtrs", info);
        } else {
          cpu::lapack::gesv(n, nrhs, a.data(), ld, ipiv.data(), x.data(), ld, &info);
          cpu::check_lapack_arguments(op, "gesv", info);
        }
        if (info > 0) {
          cpu::linalg_failure(op, "The matrix is singular (a zero pivot at row ", info, ").");
        }
        cpu::store_row_major(x.data(), ld, n, nrhs, dst + b * n * nrhs);
      }
    });
  });
}

} // namespace mlx::core
