// Dense matrix products through cuBLASLt: float32 (exact float32 math unless
// MLXCPP_CUDA_TF32=1), float16 and bfloat16 (float accumulation). Row-major operands are handed
// to cuBLAS's column-major API as their transposes (C^T = B^T A^T); transposed views need no
// copy; batch axes must collapse to one stride per operand (broadcast batches have stride 0).
#include "backend/cuda/matmul.h"

#include <cublasLt.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>

#include "backend/cuda/backend.h"
#include "backend/cuda/copy.h"
#include "core/primitives/matmul.h"

namespace mlx::core::cu {

namespace {

void check_blas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    std::ostringstream msg;
    msg << "[matmul] " << what << " failed (cuBLAS status " << static_cast<int>(status) << ").";
    throw std::runtime_error(msg.str());
  }
}

constexpr size_t workspace_bytes = size_t{32} << 20;

struct Blas {
  cublasLtHandle_t handle = nullptr;
  std::mutex mutex;
  std::map<cudaStream_t, array> workspaces;
  std::map<std::string, cublasLtMatmulAlgo_t> algos;
  bool tf32 = false;
};

Blas& blas() {
  // Leaked on purpose: the handle must outlive work queued during static destruction.
  static Blas* b = [] {
    auto* b = new Blas();
    check_blas(cublasLtCreate(&b->handle), "cublasLtCreate");
    const char* tf32 = std::getenv("MLXCPP_CUDA_TF32");
    b->tf32 = tf32 != nullptr && std::string(tf32) == "1";
    return b;
  }();
  return *b;
}

// How cuBLAS sees one row-major-indexed operand [rows, cols]: its leading dimension and whether
// the memory holds the matrix row by row (false: column by column, a transposed view).
struct Operand {
  bool row_major;
  int64_t ld;
};

bool describe(const array& a, Operand& op) {
  int64_t rows = a.shape(-2), cols = a.shape(-1);
  int64_t rs = a.strides()[a.ndim() - 2], cs = a.strides()[a.ndim() - 1];
  if (cs == 1 || cols == 1) {
    op = {true, rows == 1 ? cols : rs};
    return op.ld >= cols && op.ld > 0;
  }
  if (rs == 1 || rows == 1) {
    op = {false, cols == 1 ? rows : cs};
    return op.ld >= rows && op.ld > 0;
  }
  return false;
}

// The single stride between consecutive matrices over the batch axes, if there is one.
bool batch_stride(const array& a, int64_t& stride) {
  stride = 0;
  int64_t expected = -1;
  bool found = false;
  for (int d = static_cast<int>(a.ndim()) - 3; d >= 0; --d) {
    if (a.shape(d) == 1) {
      continue;
    }
    if (!found) {
      stride = a.strides()[d];
      expected = stride * a.shape(d);
      found = true;
    } else if (a.strides()[d] != expected) {
      return false;
    } else {
      expected *= a.shape(d);
    }
  }
  return true;
}

cudaDataType_t blas_type(Dtype t) {
  return t == float32 ? CUDA_R_32F : (t == float16 ? CUDA_R_16F : CUDA_R_16BF);
}

} // namespace

void warm_up_blas() {
  blas();
}

bool gemm_supported(Dtype t) {
  return t == float32 || t == float16 || t == bfloat16;
}

void gemm(const array& a_in, const array& b_in, array& out, float alpha, float beta,
          cudaStream_t stream) {
  int64_t M = out.shape(-2), N = out.shape(-1), K = a_in.shape(-1);
  int64_t batch = M * N == 0 ? 0 : static_cast<int64_t>(out.size()) / (M * N);
  void* c = out_ptr(out, stream);
  if (out.size() == 0) {
    return;
  }
  if (K == 0) {
    if (beta == 0) {
      check(cudaMemsetAsync(c, 0, out.nbytes(), stream), "cudaMemsetAsync");
    }
    return;
  }
  array a = a_in, b = b_in;
  Operand oa, ob;
  int64_t sa, sb;
  if (!describe(a, oa) || !batch_stride(a, sa)) {
    a = contiguous_copy(a, stream);
    describe(a, oa);
    batch_stride(a, sa);
  }
  if (!describe(b, ob) || !batch_stride(b, sb)) {
    b = contiguous_copy(b, stream);
    describe(b, ob);
    batch_stride(b, sb);
  }
  const void* pa = in_ptr(a, stream);
  const void* pb = in_ptr(b, stream);
  auto& bl = blas();
  std::lock_guard lock(bl.mutex);
  auto ws = bl.workspaces.find(stream);
  if (ws == bl.workspaces.end()) {
    ws = bl.workspaces
             .emplace(stream, device_temp({static_cast<int>(workspace_bytes)}, uint8, stream))
             .first;
  }
  void* workspace = out_ptr(ws->second, stream);

  // Column-major view: C^T [N, M] = op(B^T) [N, K] * op(A^T) [K, M].
  cudaDataType_t type = blas_type(out.dtype());
  cublasComputeType_t compute =
      out.dtype() == float32 && bl.tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  cublasOperation_t op_b = ob.row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  cublasOperation_t op_a = oa.row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  cublasLtMatmulDesc_t desc;
  check_blas(cublasLtMatmulDescCreate(&desc, compute, CUDA_R_32F), "MatmulDescCreate");
  cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &op_b, sizeof(op_b));
  cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &op_a, sizeof(op_a));
  cublasLtMatrixLayout_t lb, la, lc;
  // B^T as stored: row-major b [K, N] is column-major [N, K] with ld; else [K, N].
  check_blas(
      cublasLtMatrixLayoutCreate(&lb, type, ob.row_major ? N : K, ob.row_major ? K : N, ob.ld),
      "MatrixLayoutCreate");
  check_blas(
      cublasLtMatrixLayoutCreate(&la, type, oa.row_major ? K : M, oa.row_major ? M : K, oa.ld),
      "MatrixLayoutCreate");
  check_blas(cublasLtMatrixLayoutCreate(&lc, type, N, M, N), "MatrixLayoutCreate");
  if (batch > 1) {
    int32_t count = static_cast<int32_t>(batch);
    int64_t sc = M * N;
    for (auto [layout, stride] : {std::pair{lb, sb}, std::pair{la, sa}, std::pair{lc, sc}}) {
      cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
                                       sizeof(count));
      cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
                                       sizeof(stride));
    }
  }
  std::ostringstream key;
  key << static_cast<int>(type) << ' ' << compute << ' ' << M << ' ' << N << ' ' << K << ' '
      << batch << ' ' << op_a << op_b << ' ' << oa.ld << ' ' << ob.ld << ' ' << sa << ' ' << sb
      << ' ' << (beta != 0);
  auto found = bl.algos.find(key.str());
  if (found == bl.algos.end()) {
    cublasLtMatmulPreference_t pref;
    check_blas(cublasLtMatmulPreferenceCreate(&pref), "PreferenceCreate");
    size_t ws_size = workspace_bytes;
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws_size,
                                         sizeof(ws_size));
    cublasLtMatmulHeuristicResult_t result;
    int count = 0;
    check_blas(
        cublasLtMatmulAlgoGetHeuristic(bl.handle, desc, lb, la, lc, lc, pref, 1, &result, &count),
        "AlgoGetHeuristic");
    cublasLtMatmulPreferenceDestroy(pref);
    if (count == 0) {
      throw std::runtime_error("[matmul] cuBLASLt has no algorithm for this product.");
    }
    found = bl.algos.emplace(key.str(), result.algo).first;
  }
  cublasStatus_t status = cublasLtMatmul(bl.handle, desc, &alpha, pb, lb, pa, la, &beta, c, lc, c,
                                         lc, &found->second, workspace, workspace_bytes, stream);
  cublasLtMatrixLayoutDestroy(lb);
  cublasLtMatrixLayoutDestroy(la);
  cublasLtMatrixLayoutDestroy(lc);
  cublasLtMatmulDescDestroy(desc);
  check_blas(status, "cublasLtMatmul");
}

namespace {

bool eval_matmul(Matmul& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto& out = outputs[0];
  if (!gemm_supported(out.dtype()) || inputs[0].dtype() != out.dtype() ||
      inputs[1].dtype() != out.dtype()) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  alloc_out(out, stream);
  gemm(inputs[0], inputs[1], out, 1.0f, 0.0f, stream);
  return true;
}

bool eval_addmm(AddMM& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  auto& out = outputs[0];
  for (const auto& in : inputs) {
    if (in.dtype() != out.dtype()) {
      return false;
    }
  }
  // An empty inner axis leaves beta * c, which the CPU computes.
  if (!gemm_supported(out.dtype()) || inputs[0].shape(-1) == 0) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  void* c = alloc_out(out, stream);
  copy_into(inputs[2], c, out.dtype(), out.strides(), stream);
  gemm(inputs[0], inputs[1], out, p.alpha(), p.beta(), stream);
  return true;
}

} // namespace

void register_matmul() {
  add_kernel(eval_matmul);
  add_kernel(eval_addmm);
}

} // namespace mlx::core::cu
