// rms_norm and layer_norm over the last axis: rows split across threads, each row handled by a
// vector kernel (norm_isa.cpp) for float32/float16/bfloat16 and by a plain loop in double for
// float64. A donated row-major input is overwritten in place.
#include <cmath>
#include <vector>

#include "backend/cpu/copy.h"
#include "backend/cpu/isa_select.h"
#include "backend/cpu/norm_kernels.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/fast.h"

namespace mlx::core {

cpu::NormKernels cpu::norm_kernels(Dtype dtype) {
  return pick_isa(isa_baseline::norm_kernels, isa_avx2::norm_kernels,
                  isa_avx512::norm_kernels)(dtype);
}

namespace {

// Outputs of at least this many bytes bypass the caches: they would not stay there anyway.
constexpr size_t stream_threshold = size_t{16} << 20;

bool is_row_major(const array& a) {
  return a.flags().row_contiguous && a.data_size() == a.size();
}

// A row-major version of `a` (the array itself when it already is one).
array row_major(const array& a) {
  if (is_row_major(a)) {
    return a;
  }
  array tmp(a.shape(), a.dtype(), nullptr, {});
  cpu::copy_row_major(a, tmp);
  return tmp;
}

// Gives `out` the buffer of x (the input or our own row-major copy of it) when it may be
// overwritten, else a fresh one; says whether the output should be streamed past the caches.
bool prepare_output(const array& input, bool donatable, const array& x, array& out) {
  if ((donatable || x.id() != input.id()) && x.dtype() == out.dtype()) {
    out.copy_shared_buffer(x);
    return false; // each row is read just before it is overwritten: it is cached
  }
  out.set_data(allocator::malloc(out.nbytes()));
  return out.nbytes() >= stream_threshold;
}

int64_t rows_per_task(int n) {
  return std::max<int64_t>(1, (1 << 14) / std::max(n, 1));
}

// Calls fn(first_row, row_count) over the rows of x, in parallel.
template <typename F>
void for_row_ranges(const array& x, F&& fn) {
  int n = x.shape(-1);
  int64_t rows = n == 0 ? 0 : static_cast<int64_t>(x.size() / n);
  cpu::parallel_for(rows, rows_per_task(n), [&](int64_t lo, int64_t hi) { fn(lo, hi - lo); });
}

// A 1-D row-major parameter (weight or bias) widened to float.
std::vector<float> widened(const array& p) {
  std::vector<float> out(p.size());
  dispatch_float_types(p.dtype(), "[norm]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    const T* src = p.data<T>();
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = static_cast<float>(src[i]);
    }
  });
  return out;
}

double row_sum(const double* x, int n, double shift, bool squared) {
  double total = 0;
  for (int i = 0; i < n; ++i) {
    total += squared ? (x[i] - shift) * (x[i] - shift) : x[i];
  }
  return total;
}

} // namespace

void RMSNorm::eval_cpu(const std::vector<array>& inputs, array& out) {
  // Asked before x takes another reference to the input.
  bool donatable = inputs[0].is_donatable() && is_row_major(inputs[0]);
  array x = row_major(inputs[0]);
  array w = row_major(inputs[1]);
  bool streaming = prepare_output(inputs[0], donatable, x, out);
  int n = x.shape(-1);
  size_t row_bytes = static_cast<size_t>(n) * size_of(x.dtype());
  if (out.dtype() == float64) {
    const double* weight = w.data<double>();
    for_row_ranges(x, [&](int64_t first, int64_t count) {
      for (int64_t r = first; r < first + count; ++r) {
        const double* row = x.data<double>() + r * n;
        double* o = out.data<double>() + r * n;
        double inv = 1.0 / std::sqrt(row_sum(row, n, 0.0, true) / n + eps_);
        for (int i = 0; i < n; ++i) {
          o[i] = weight[i] * (row[i] * inv);
        }
      }
    });
    return;
  }
  auto kernel = cpu::norm_kernels(out.dtype()).rms_norm;
  auto weight = widened(w);
  const char* src = x.data<char>();
  char* dst = out.data<char>();
  for_row_ranges(x, [&](int64_t first, int64_t count) {
    kernel(src + first * row_bytes, weight.data(), dst + first * row_bytes, count, n, eps_,
           streaming);
  });
}

void LayerNorm::eval_cpu(const std::vector<array>& inputs, array& out) {
  // Asked before x takes another reference to the input.
  bool donatable = inputs[0].is_donatable() && is_row_major(inputs[0]);
  array x = row_major(inputs[0]);
  array w = row_major(inputs[1]);
  array b = row_major(inputs[2]);
  bool streaming = prepare_output(inputs[0], donatable, x, out);
  int n = x.shape(-1);
  size_t row_bytes = static_cast<size_t>(n) * size_of(x.dtype());
  if (out.dtype() == float64) {
    const double* weight = w.data<double>();
    const double* bias = b.data<double>();
    for_row_ranges(x, [&](int64_t first, int64_t count) {
      for (int64_t r = first; r < first + count; ++r) {
        const double* row = x.data<double>() + r * n;
        double* o = out.data<double>() + r * n;
        double mean = row_sum(row, n, 0.0, false) / n;
        double inv = 1.0 / std::sqrt(row_sum(row, n, mean, true) / n + eps_);
        for (int i = 0; i < n; ++i) {
          o[i] = (row[i] - mean) * inv * weight[i] + bias[i];
        }
      }
    });
    return;
  }
  auto kernel = cpu::norm_kernels(out.dtype()).layer_norm;
  auto weight = widened(w);
  auto bias = widened(b);
  const char* src = x.data<char>();
  char* dst = out.data<char>();
  for_row_ranges(x, [&](int64_t first, int64_t count) {
    kernel(src + first * row_bytes, weight.data(), bias.data(), dst + first * row_bytes, count, n,
           eps_, streaming);
  });
}

} // namespace mlx::core
