// Quantized matrix products: x @ dequantize(w).T (or without the transpose), dense and
// gathered per expert. Few rows of x (decode) go to the integer kernels, which stream the
// packed weights once per kMaxQmvRows rows; many rows (prompt processing) dequantize blocks of
// weight rows to float and multiply them with OpenBLAS's sgemm, whose rate the dequantization
// barely dents.
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "backend/common/strides.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/quantized.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/quantized.h"

namespace mlx::core {

namespace cpu::quant {

namespace {

bool cpu_runs_avx512() {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bf16") &&
         __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2");
#else
  return false;
#endif
}

bool cpu_runs_avx2() {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2");
#else
  return false;
#endif
}

std::atomic<const Kernels*>& active_kernels() {
  static std::atomic<const Kernels*> active{supported_kernels().front()};
  return active;
}

} // namespace

std::vector<const Kernels*> supported_kernels() {
  std::vector<const Kernels*> out;
  if (cpu_runs_avx512()) {
    out.push_back(&isa_avx512::quant_kernels());
  }
  if (cpu_runs_avx2()) {
    out.push_back(&isa_avx2::quant_kernels());
  }
  out.push_back(&isa_baseline::quant_kernels());
  return out;
}

const Kernels& kernels() {
  return *active_kernels().load(std::memory_order_relaxed);
}

void use_kernels(const Kernels& k) {
  active_kernels().store(&k);
}

} // namespace cpu::quant

namespace {

using cpu::quant::Kernels;
using cpu::quant::PackedMatrix;
using cpu::quant::QuantizedRows;

// Up to this many rows of x, the integer kernels (one pass over the weights per 4 rows) beat
// dequantize + sgemm: for 4096 x 4096 the two cross between 96 and 128 rows.
constexpr int64_t kQmvMaxRows = 64;
// Weights dequantized per sgemm call: 2^21 floats (8 MB) keeps sgemm's panels large.
constexpr int64_t kDequantBlock = int64_t{1} << 21;

// x's rows quantized per weight group to int16 or int8 (see quantized_kernels.h).
struct QuantizedActivations {
  std::vector<int16_t> q;
  std::vector<int8_t> q8;
  std::vector<float> scale;
  std::vector<float> sum;
  int64_t padded_cols;
  int64_t padded_groups;

  QuantizedRows rows(int64_t m0, int count) const {
    return {q.empty() ? nullptr : q.data() + m0 * padded_cols,
            q8.empty() ? nullptr : q8.data() + m0 * padded_cols,
            scale.data() + m0 * padded_groups,
            sum.data() + m0 * padded_groups,
            padded_cols,
            padded_groups,
            count};
  }
};

// Codes (int16 or int8, scale max|x| / qmax per group) in the layout of kernels with this step.
template <typename Q, typename T>
void quantize_activations(const T* x, int64_t rows, const PackedMatrix& w, int step_bytes,
                          std::vector<Q>& codes, QuantizedActivations& qa) {
  constexpr float qmax = std::is_same_v<Q, int8_t> ? 127.0f : 32767.0f;
  const int cols = w.cols;
  const int gs = w.group_size;
  qa.padded_cols = cpu::quant::padded_cols(cols);
  qa.padded_groups = (w.groups() + 15) / 16 * 16;
  codes.assign(rows * qa.padded_cols, 0);
  qa.scale.assign(rows * qa.padded_groups, 0.0f);
  qa.sum.assign(rows * qa.padded_groups, 0.0f);
  std::vector<Q> natural(cols);
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    for (int g = 0; g < w.groups(); ++g) {
      float amax = 0;
      float sum = 0;
      for (int c = g * gs; c < (g + 1) * gs; ++c) {
        float v = static_cast<float>(xr[c]);
        amax = std::max(amax, std::abs(v));
        sum += v;
      }
      // Non-finite groups keep codes 0 and carry their inf/NaN through the scale and sum.
      float inv = std::isfinite(amax) && amax > 0 ? qmax / amax : 0.0f;
      for (int c = g * gs; c < (g + 1) * gs; ++c) {
        float v = static_cast<float>(xr[c]) * inv;
        natural[c] = static_cast<Q>(v + (v >= 0 ? 0.5f : -0.5f));
      }
      qa.scale[r * qa.padded_groups + g] = amax / qmax;
      qa.sum[r * qa.padded_groups + g] = sum;
    }
    cpu::quant::store_in_layout(natural.data(), cols, w.bits, step_bytes,
                                codes.data() + r * qa.padded_cols);
  }
}

// int8 activations for bfloat16 inputs where the kernels have them: bfloat16's own 8-bit
// mantissa makes int8 groups (error below 0.4 % of the group's largest value) a comparable
// loss, for half the activation bytes and multiplies. Otherwise int16 (error below 2e-5).
template <typename T>
QuantizedActivations quantize_activations(const T* x, int64_t rows, const PackedMatrix& w,
                                          const Kernels& k) {
  QuantizedActivations qa;
  if (std::is_same_v<T, bfloat16_t> && k.int8_step_bytes > 0) {
    quantize_activations(x, rows, w, k.int8_step_bytes, qa.q8, qa);
  } else {
    quantize_activations(x, rows, w, k.step_bytes, qa.q, qa);
  }
  return qa;
}

// out (rows x n, float) converted into dst.
template <typename T>
void store_rows(const std::vector<float>& src, T* dst) {
  std::transform(src.begin(), src.end(), dst, [](float v) { return static_cast<T>(v); });
}

// float32 x keeps float32 accuracy: each weight row is dequantized (SIMD) into a float row and
// dotted with x in float, as MLX's CPU kernel computes. The integer kernels quantize x (to int16
// here), which is fine for half-precision activations but loses float32's last digits.
void qmv_rows_float(const float* x, int64_t rows, float* out, const PackedMatrix& w) {
  const Kernels& k = cpu::quant::kernels();
  const int64_t n = w.rows;
  const int64_t cols = w.cols;
  const int64_t chunk =
      std::max<int64_t>(16, (int64_t{256} << 10) / std::max<int64_t>(1, w.row_bytes()));
  std::atomic<int64_t> next{0};
  cpu::parallel_for(cpu::num_threads(), 1, [&](int64_t, int64_t) {
    std::vector<float> row(cols);
    for (int64_t n0; (n0 = next.fetch_add(chunk)) < n;) {
      int64_t n1 = std::min(n, n0 + chunk);
      for (int64_t r = n0; r < n1; ++r) {
        k.dequantize(w, r, 0, static_cast<int>(cols), row.data(), false);
        for (int64_t m = 0; m < rows; ++m) {
          out[m * n + r] = k.dot(row.data(), x + m * cols, cols);
        }
      }
    }
  });
}

template <typename T>
void qmv_rows(const T* x, int64_t rows, T* out, const PackedMatrix& w) {
  if constexpr (std::is_same_v<T, float>) {
    return qmv_rows_float(x, rows, out, w);
  }
  const Kernels& k = cpu::quant::kernels();
  const int64_t n = w.rows;
  auto qa = quantize_activations(x, rows, w, k);
  std::vector<float> tmp(std::is_same_v<T, float> ? 0 : rows * n);
  float* dst = std::is_same_v<T, float> ? reinterpret_cast<float*>(out) : tmp.data();
  // Threads take chunks of about 256 KB of weights as they finish the previous one, so a core
  // slowed by other work does less of it; each chunk is still one sequential stream.
  const int64_t chunk =
      std::max<int64_t>(16, (int64_t{256} << 10) / std::max<int64_t>(1, w.row_bytes()));
  std::atomic<int64_t> next{0};
  cpu::parallel_for(cpu::num_threads(), 1, [&](int64_t, int64_t) {
    for (int64_t n0; (n0 = next.fetch_add(chunk)) < n;) {
      int64_t n1 = std::min(n, n0 + chunk);
      for (int64_t m0 = 0; m0 < rows; m0 += cpu::quant::kMaxQmvRows) {
        int count = static_cast<int>(std::min<int64_t>(cpu::quant::kMaxQmvRows, rows - m0));
        k.qmv(w, qa.rows(m0, count), n0, n1, dst + m0 * n, n);
      }
    }
  });
  if constexpr (!std::is_same_v<T, float>) {
    store_rows(tmp, out);
  }
}

// x (rows x w.rows) @ dequantize(w) for few rows: each thread dequantizes its columns of every
// weight row, a block at a time, and accumulates them into the outputs.
template <typename T>
void qmv_columns(const T* x, int64_t rows, T* out, const PackedMatrix& w) {
  const Kernels& k = cpu::quant::kernels();
  const int64_t inner = w.rows;
  const int64_t outer = w.cols;
  std::vector<float> xf(x, x + rows * inner);
  std::vector<float> acc(rows * outer, 0.0f);
  const int64_t block_groups = std::max(1, 2048 / w.group_size);
  cpu::parallel_for(w.groups(), block_groups, [&](int64_t g0, int64_t g1) {
    std::vector<float> tmp(block_groups * w.group_size);
    for (int64_t b0 = g0; b0 < g1; b0 += block_groups) {
      int c0 = static_cast<int>(b0 * w.group_size);
      int c1 = static_cast<int>(std::min(g1, b0 + block_groups) * w.group_size);
      for (int64_t r = 0; r < inner; ++r) {
        k.dequantize(w, r, c0, c1, tmp.data(), false);
        for (int64_t m = 0; m < rows; ++m) {
          float xv = xf[m * inner + r];
          float* o = acc.data() + m * outer;
          for (int c = c0; c < c1; ++c) {
            o[c] += xv * tmp[c - c0];
          }
        }
      }
    }
  });
  store_rows(acc, out);
}

// bfloat16 x @ dequantize(w).T: weight blocks dequantized to bfloat16 and multiplied by the
// bfloat16 GEMM (native AVX-512 BF16 dot products where the CPU has them, about twice the
// float32 rate), as a prompt's worth of rows makes the product compute-bound.
void dequantized_gemm_bf16(const bfloat16_t* x, int64_t rows, bfloat16_t* out,
                           const PackedMatrix& w) {
  const Kernels& k = cpu::quant::kernels();
  const int64_t inner = w.cols;
  const int64_t outer = w.rows;
  int64_t block = std::clamp<int64_t>(kDequantBlock / w.cols, 16, w.rows);
  std::vector<float> wf(block * w.cols);
  std::vector<bfloat16_t> wb(block * w.cols);
  for (int64_t r0 = 0; r0 < w.rows; r0 += block) {
    int64_t count = std::min(block, w.rows - r0);
    cpu::parallel_for(count, 4, [&](int64_t a, int64_t b) {
      for (int64_t r = a; r < b; ++r) {
        float* src = wf.data() + r * w.cols;
        k.dequantize(w, r0 + r, 0, static_cast<int>(w.cols), src, false);
        bfloat16_t* dst = wb.data() + r * w.cols;
        for (int64_t c = 0; c < w.cols; ++c) {
          dst[c] = bfloat16_t(src[c]);
        }
      }
    });
    cpu::gemm<bfloat16_t>(cpu::GemmLayout{count, inner, inner, inner, outer, false, true}, 1.0f,
                          0.0f, {{rows, x, wb.data(), out + r0}});
  }
}

// x (rows x inner) @ dequantize(w).T or @ dequantize(w), through float blocks and sgemm.
template <typename T>
void dequantized_gemm(const T* x, int64_t rows, T* out, const PackedMatrix& w, bool transpose) {
  if constexpr (std::is_same_v<T, bfloat16_t>) {
    if (transpose) {
      return dequantized_gemm_bf16(x, rows, out, w);
    }
  }
  const Kernels& k = cpu::quant::kernels();
  const int64_t inner = transpose ? w.cols : w.rows;
  const int64_t outer = transpose ? w.rows : w.cols;
  std::vector<float> xf;
  const float* xp = reinterpret_cast<const float*>(x);
  if constexpr (!std::is_same_v<T, float>) {
    xf.resize(rows * inner);
    std::transform(x, x + rows * inner, xf.begin(), [](T v) { return static_cast<float>(v); });
    xp = xf.data();
  }
  std::vector<float> tmp(std::is_same_v<T, float> ? 0 : rows * outer);
  float* dst = std::is_same_v<T, float> ? reinterpret_cast<float*>(out) : tmp.data();
  // A block is `block` rows of w, each of w.cols floats.
  int64_t block = std::clamp<int64_t>(kDequantBlock / w.cols, 16, w.rows);
  std::vector<float> wf(block * w.cols);
  for (int64_t r0 = 0; r0 < w.rows; r0 += block) {
    int64_t count = std::min(block, w.rows - r0);
    cpu::parallel_for(count, 4, [&](int64_t a, int64_t b) {
      for (int64_t r = a; r < b; ++r) {
        k.dequantize(w, r0 + r, 0, w.cols, wf.data() + r * w.cols, false);
      }
    });
    if (transpose) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, count, inner, 1.0f, xp, inner,
                  wf.data(), inner, 0.0f, dst + r0, outer);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, outer, count, 1.0f, xp + r0,
                  inner, wf.data(), outer, r0 == 0 ? 0.0f : 1.0f, dst, outer);
    }
  }
  if constexpr (!std::is_same_v<T, float>) {
    store_rows(tmp, out);
  }
}

// out (rows x outer) = x (rows x inner, row-major) times one quantized matrix.
template <typename T>
void quantized_product(const T* x, int64_t rows, T* out, const PackedMatrix& w, bool transpose) {
  const int64_t inner = transpose ? w.cols : w.rows;
  const int64_t outer = transpose ? w.rows : w.cols;
  if (rows == 0 || outer == 0) {
    return;
  }
  if (inner == 0) {
    std::fill(out, out + rows * outer, T(0));
  } else if (rows <= kQmvMaxRows) {
    transpose ? qmv_rows(x, rows, out, w) : qmv_columns(x, rows, out, w);
  } else {
    dequantized_gemm(x, rows, out, w, transpose);
  }
}

template <typename F>
void dispatch_product_type(Dtype dtype, const char* op, F&& f) {
  switch (dtype) {
  case Dtype::Val::float32:
    return f(type_tag<float>{});
  case Dtype::Val::float16:
    return f(type_tag<float16_t>{});
  case Dtype::Val::bfloat16:
    return f(type_tag<bfloat16_t>{});
  default:
    detail::unsupported_dtype(op, dtype);
  }
}

int64_t matrix_count(const array& a) {
  int64_t matrix = int64_t{a.shape(-1)} * a.shape(-2);
  return matrix == 0 ? 0 : static_cast<int64_t>(a.size()) / matrix;
}

// Indices of a gather as int64, checked against the number of matrices they pick from.
std::vector<int64_t> read_indices(const array& idx, int64_t limit, const char* which) {
  std::vector<int64_t> out(idx.size());
  const uint32_t* p = idx.data<uint32_t>();
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = p[elem_to_loc(static_cast<int64_t>(i), idx.shape(), idx.strides())];
    if (out[i] >= limit) {
      throw std::out_of_range("[gather_qmm] " + std::string(which) + " index " +
                              std::to_string(out[i]) + " is out of range for " +
                              std::to_string(limit) + " matrices.");
    }
  }
  return out;
}

} // namespace

void QuantizedMatmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto x = cpu::quant::row_major(inputs[0]);
  auto w = cpu::quant::inner_contiguous(inputs[1]);
  auto scales = cpu::quant::inner_contiguous(inputs[2]);
  auto biases = cpu::quant::inner_contiguous(inputs[3]);
  out.set_data(allocator::malloc(out.nbytes()));
  int64_t batches = w.ndim() == 2 ? 1 : matrix_count(w);
  if (out.size() == 0 || batches == 0) {
    return;
  }
  int64_t rows = static_cast<int64_t>(out.size()) / out.shape(-1) / batches;
  int64_t inner = x.shape(-1);
  int64_t outer = out.shape(-1);
  dispatch_product_type(out.dtype(), "[quantized_matmul]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    for (int64_t b = 0; b < batches; ++b) {
      auto pm = cpu::quant::packed_matrix(w, scales, biases, b, bits_, group_size_);
      quantized_product(x.data<T>() + b * rows * inner, rows, out.data<T>() + b * rows * outer, pm,
                        transpose_);
    }
  });
}

void GatherQMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  auto x = cpu::quant::inner_contiguous(inputs[0]);
  auto w = cpu::quant::inner_contiguous(inputs[1]);
  auto scales = cpu::quant::inner_contiguous(inputs[2]);
  auto biases = cpu::quant::inner_contiguous(inputs[3]);
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  if (x.shape(-1) == 0) {
    dispatch_product_type(out.dtype(), "[gather_qmm]", [&](auto tag) {
      using T = tag_type_t<decltype(tag)>;
      std::fill(out.data<T>(), out.data<T>() + out.size(), T(0));
    });
    return;
  }
  auto lhs = read_indices(inputs[4], matrix_count(x), "lhs");
  auto rhs = read_indices(inputs[5], matrix_count(w), "rhs");
  const int64_t rows = x.shape(-2);
  const int64_t inner = x.shape(-1);
  const int64_t outer = out.shape(-1);
  const bool x_dense = x.flags().row_contiguous;
  dispatch_product_type(out.dtype(), "[gather_qmm]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    std::vector<T> gathered;
    // A run of entries with the same expert is one product over all their rows of x.
    for (size_t i = 0, j; i < rhs.size(); i = j) {
      bool consecutive = x_dense;
      for (j = i + 1; j < rhs.size() && rhs[j] == rhs[i]; ++j) {
        consecutive = consecutive && lhs[j] == lhs[j - 1] + 1;
      }
      int64_t run_rows = static_cast<int64_t>(j - i) * rows;
      const T* xp = x.data<T>() + cpu::quant::matrix_offset(x, lhs[i]);
      if (!consecutive) {
        gathered.resize(run_rows * inner);
        for (size_t t = i; t < j; ++t) {
          const T* src = x.data<T>() + cpu::quant::matrix_offset(x, lhs[t]);
          std::copy(src, src + rows * inner, gathered.begin() + (t - i) * rows * inner);
        }
        xp = gathered.data();
      }
      auto pm = cpu::quant::packed_matrix(w, scales, biases, rhs[i], bits_, group_size_);
      quantized_product(xp, run_rows, out.data<T>() + i * rows * outer, pm, transpose_);
    }
  });
}

} // namespace mlx::core
