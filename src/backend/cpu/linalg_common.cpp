#include "backend/cpu/linalg_common.h"

#include <algorithm>

#include "backend/common/strides.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/thread_pool.h"

namespace mlx::core::cpu {

namespace {

// Floating-point operations a pool task should have before another task is split off.
constexpr double kTaskFlops = 1 << 18;

} // namespace

MatrixBatch::MatrixBatch(const array& a)
    : a_(a), batch_shape_(a.shape().begin(), a.shape().end() - 2),
      batch_strides_(a.strides().begin(), a.strides().end() - 2), rows_(a.shape(-2)),
      cols_(a.shape(-1)), row_stride_(a.strides(-2)), col_stride_(a.strides(-1)) {
  count_ = 1;
  for (int d : batch_shape_) {
    count_ *= d;
  }
}

int64_t MatrixBatch::matrix_offset(int64_t b) const {
  return batch_shape_.empty() ? 0 : elem_to_loc(b, batch_shape_, batch_strides_);
}

void for_each_matrix(int64_t count, double flops, const std::function<void(int64_t, int64_t)>& fn) {
  if (count == 0) {
    return;
  }
  configure_blas_threads();
  if (count == 1) {
    fn(0, 1);
    return;
  }
  SingleThreadedBlas single_threaded;
  auto grain = static_cast<int64_t>(std::max(1.0, kTaskFlops / std::max(flops, 1.0)));
  parallel_for(count, grain, fn);
}

void check_lapack_arguments(const char* op, const char* routine, int info) {
  if (info < 0) {
    linalg_failure(op, "LAPACK ", routine, " rejected argument ", -info, ".");
  }
}

} // namespace mlx::core::cpu
