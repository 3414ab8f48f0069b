// GatherMM: matrix products whose operands are picked by index (mixture-of-experts routing).
// Consecutive outputs that use the same right-hand matrix (an expert) become one product whose
// rows are all their left-hand matrices, so each expert's weights are read once per run
// instead of once per token; with sorted indices every expert forms a single run.
#include <cstring>
#include <memory>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "backend/common/strides.h"
#include "backend/cpu/gemm.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/matmul.h"

namespace mlx::core {

namespace {

int64_t matrix_count(const array& x) {
  return std::accumulate(x.shape().begin(), x.shape().end() - 2, int64_t{1}, std::multiplies<>());
}

// The index values in row-major order, checked against the number of matrices they pick from.
std::vector<uint32_t> read_indices(const array& indices, int64_t limit, const char* side) {
  std::vector<uint32_t> values(indices.size());
  const uint32_t* data = indices.data<uint32_t>();
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = data[elem_to_loc(i, indices.shape(), indices.strides())];
    if (values[i] >= limit) {
      std::ostringstream msg;
      msg << "[gather_mm] " << side << " index " << values[i] << " is out of range for " << limit
          << " matrices.";
      throw std::invalid_argument(msg.str());
    }
  }
  return values;
}

// The matrices of one operand, addressed by their index in batch order.
template <typename T>
struct Matrices {
  const T* data;
  Shape batch_shape;
  Strides batch_strides;
  const T* at(uint32_t index) const {
    return data + elem_to_loc(index, batch_shape, batch_strides);
  }
};

template <typename T>
Matrices<T> matrices_of(const array& x) {
  return {x.data<T>(), Shape(x.shape().begin(), x.shape().end() - 2),
          Strides(x.strides().begin(), x.strides().end() - 2)};
}

// Copies op(A) (M x K) into row-major rows of dst.
template <typename T>
void copy_rows(const T* a, const cpu::MatrixLayout& layout, int64_t M, int64_t K, T* dst) {
  if (!layout.transposed) {
    for (int64_t m = 0; m < M; ++m) {
      std::memcpy(dst + m * K, a + m * layout.ld, K * sizeof(T));
    }
    return;
  }
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t k = 0; k < K; ++k) {
      dst[m * K + k] = a[k * layout.ld + m];
    }
  }
}

template <typename T>
void gather_mm(const array& a_in, const array& b_in, const array& lhs_in, const array& rhs_in,
               array& out) {
  auto [a, la] = cpu::blas_operand(a_in);
  auto [b, lb] = cpu::blas_operand(b_in);
  const int64_t M = a.shape(-2), K = a.shape(-1), N = b.shape(-1);
  auto lhs = read_indices(lhs_in, matrix_count(a), "lhs");
  auto rhs = read_indices(rhs_in, matrix_count(b), "rhs");
  auto a_mats = matrices_of<T>(a);
  auto b_mats = matrices_of<T>(b);
  T* c = out.data<T>();
  const bool a_stacks = cpu::matrices_stack_rows(a, la);

  // Runs of equal rhs. A run whose left matrices are consecutive and stacked is used in
  // place; any other run of several is gathered into `rows`.
  std::vector<cpu::GemmJob<T>> direct, gathered;
  std::vector<std::pair<size_t, size_t>> gather_runs;
  for (size_t i = 0; i < rhs.size();) {
    size_t end = i + 1;
    while (end < rhs.size() && rhs[end] == rhs[i]) {
      ++end;
    }
    bool consecutive = true;
    for (size_t j = i + 1; j < end && consecutive; ++j) {
      consecutive = lhs[j] == lhs[j - 1] + 1;
    }
    const int64_t count = static_cast<int64_t>(end - i);
    if (count == 1 || (a_stacks && consecutive)) {
      direct.push_back({count * M, a_mats.at(lhs[i]), b_mats.at(rhs[i]), c + i * M * N});
    } else {
      gather_runs.emplace_back(i, end);
    }
    i = end;
  }
  std::unique_ptr<T[]> rows;
  if (!gather_runs.empty()) {
    size_t total = 0;
    for (auto [begin, end] : gather_runs) {
      total += (end - begin) * M * K;
    }
    rows = std::make_unique_for_overwrite<T[]>(total);
    T* dst = rows.get();
    for (auto [begin, end] : gather_runs) {
      T* run_rows = dst;
      for (size_t j = begin; j < end; ++j, dst += M * K) {
        copy_rows(a_mats.at(lhs[j]), la, M, K, dst);
      }
      gathered.push_back({static_cast<int64_t>(end - begin) * M, run_rows, b_mats.at(rhs[begin]),
                          c + begin * M * N});
    }
  }
  cpu::GemmLayout layout{N, K, la.ld, lb.ld, N, la.transposed, lb.transposed};
  cpu::gemm(layout, 1.0f, 0.0f, direct);
  if (!gathered.empty()) {
    layout.lda = std::max<int64_t>(K, 1);
    layout.a_transposed = false;
    cpu::gemm(layout, 1.0f, 0.0f, gathered);
  }
}

} // namespace

void GatherMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  dispatch_float_types(out.dtype(), "[GatherMM]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    gather_mm<T>(inputs[0], inputs[1], inputs[2], inputs[3], out);
  });
}

} // namespace mlx::core
