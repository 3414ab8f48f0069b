// Scans along one axis of a row-major view (other layouts are copied first), as
// (outer, n, inner): with inner == 1 each row is one sequential loop; otherwise whole rows of
// `inner` running values advance together, which the compiler vectorizes. Half types keep
// their running value in float and round only what they store.
#include "core/primitives/scan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "backend/cpu/convert.h"
#include "backend/cpu/copy.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"

namespace mlx::core {

namespace {

constexpr int64_t min_parallel_work = 1 << 14;
// Running values per strided block: enough to vectorize, small enough to stay in L1.
constexpr int64_t inner_block = 1024;

template <typename A>
struct SumScan {
  static A init() { return A(0); }
  A operator()(A acc, A x) const { return acc + x; }
};
template <typename A>
struct ProdScan {
  static A init() { return A(1); }
  A operator()(A acc, A x) const {
    if constexpr (std::is_same_v<A, bool>) {
      return acc && x;
    } else {
      return acc * x;
    }
  }
};
template <typename A>
struct MaxScan {
  static A init() {
    if constexpr (std::numeric_limits<A>::has_infinity) {
      return -std::numeric_limits<A>::infinity();
    } else {
      return std::numeric_limits<A>::lowest();
    }
  }
  A operator()(A acc, A x) const {
    if constexpr (std::is_floating_point_v<A>) {
      return (x > acc || x != x) ? x : acc; // NaN propagates, as numpy's maximum.accumulate
    } else {
      return x > acc ? x : acc;
    }
  }
};
template <typename A>
struct MinScan {
  static A init() {
    if constexpr (std::numeric_limits<A>::has_infinity) {
      return std::numeric_limits<A>::infinity();
    } else {
      return std::numeric_limits<A>::max();
    }
  }
  A operator()(A acc, A x) const {
    if constexpr (std::is_floating_point_v<A>) {
      return (x < acc || x != x) ? x : acc;
    } else {
      return x < acc ? x : acc;
    }
  }
};
template <typename A>
struct LogAddExpScan {
  static A init() { return -std::numeric_limits<A>::infinity(); }
  A operator()(A acc, A x) const {
    if (std::isnan(acc) || std::isnan(x)) {
      return std::numeric_limits<A>::quiet_NaN();
    }
    A hi = std::max(acc, x);
    A lo = std::min(acc, x);
    if (lo == -std::numeric_limits<A>::infinity() || hi == std::numeric_limits<A>::infinity()) {
      return hi;
    }
    return hi + std::log1p(std::exp(lo - hi));
  }
};

struct ScanShape {
  int64_t outer;
  int64_t n;
  int64_t inner;
};

// One row (inner == 1): out[i] = op(out[i -+ 1], in[i]) in the scan direction.
template <typename In, typename Out, typename A, typename Op>
void scan_row(const In* x, Out* y, int64_t n, bool reverse, bool inclusive) {
  Op op;
  A acc = Op::init();
  int64_t step = reverse ? -1 : 1;
  int64_t i = reverse ? n - 1 : 0;
  for (int64_t k = 0; k < n; ++k, i += step) {
    if (inclusive) {
      acc = op(acc, cpu::convert<A>(x[i]));
      y[i] = cpu::convert<Out>(acc);
    } else {
      y[i] = cpu::convert<Out>(acc);
      acc = op(acc, cpu::convert<A>(x[i]));
    }
  }
}

// `width` columns of one (n, inner) slab, starting at column 0 of x and y.
template <typename In, typename Out, typename A, typename Op>
void scan_columns(const In* x, Out* y, int64_t n, int64_t inner, int64_t width, bool reverse,
                  bool inclusive, A* acc) {
  Op op;
  std::fill_n(acc, width, Op::init());
  int64_t step = reverse ? -inner : inner;
  int64_t offset = reverse ? (n - 1) * inner : 0;
  for (int64_t k = 0; k < n; ++k, offset += step) {
    const In* xr = x + offset;
    Out* yr = y + offset;
    if (inclusive) {
      for (int64_t j = 0; j < width; ++j) {
        acc[j] = op(acc[j], cpu::convert<A>(xr[j]));
        yr[j] = cpu::convert<Out>(acc[j]);
      }
    } else {
      for (int64_t j = 0; j < width; ++j) {
        yr[j] = cpu::convert<Out>(acc[j]);
        acc[j] = op(acc[j], cpu::convert<A>(xr[j]));
      }
    }
  }
}

template <typename In, typename Out, typename A, typename Op>
void scan_impl(const array& in, array& out, ScanShape sh, bool reverse, bool inclusive) {
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  if (sh.inner == 1) {
    cpu::parallel_for(
        sh.outer, std::max<int64_t>(1, min_parallel_work / std::max<int64_t>(sh.n, 1)),
        [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            scan_row<In, Out, A, Op>(src + r * sh.n, dst + r * sh.n, sh.n, reverse, inclusive);
          }
        });
    return;
  }
  int64_t blocks = (sh.inner + inner_block - 1) / inner_block;
  int64_t block_work = sh.n * std::min(sh.inner, inner_block);
  cpu::parallel_for(
      sh.outer * blocks, std::max<int64_t>(1, min_parallel_work / std::max<int64_t>(block_work, 1)),
      [&](int64_t begin, int64_t end) {
        auto acc = std::make_unique<A[]>(std::min(sh.inner, inner_block)); // A may be bool
        for (int64_t t = begin; t < end; ++t) {
          int64_t o = t / blocks;
          int64_t j0 = (t % blocks) * inner_block;
          int64_t width = std::min(inner_block, sh.inner - j0);
          int64_t base = o * sh.n * sh.inner + j0;
          scan_columns<In, Out, A, Op>(src + base, dst + base, sh.n, sh.inner, width, reverse,
                                       inclusive, acc.get());
        }
      });
}

template <typename In, typename Out>
void scan_typed(ScanType type, const array& in, array& out, ScanShape sh, bool reverse,
                bool inclusive) {
  using A = accumulator_t<Out>;
  switch (type) {
  case ScanType::Sum:
    return scan_impl<In, Out, A, SumScan<A>>(in, out, sh, reverse, inclusive);
  case ScanType::Prod:
    return scan_impl<In, Out, A, ProdScan<A>>(in, out, sh, reverse, inclusive);
  case ScanType::Max:
    if constexpr (!is_complex_v<A>) {
      return scan_impl<In, Out, A, MaxScan<A>>(in, out, sh, reverse, inclusive);
    }
    break;
  case ScanType::Min:
    if constexpr (!is_complex_v<A>) {
      return scan_impl<In, Out, A, MinScan<A>>(in, out, sh, reverse, inclusive);
    }
    break;
  case ScanType::LogAddExp:
    if constexpr (std::is_floating_point_v<A>) {
      return scan_impl<In, Out, A, LogAddExpScan<A>>(in, out, sh, reverse, inclusive);
    }
    break;
  }
  detail::unsupported_dtype("[scan]", in.dtype());
}

} // namespace

void Scan::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = inputs[0];
  if (!in.flags().row_contiguous) {
    array copy(in.shape(), in.dtype(), nullptr, {});
    cpu::copy_row_major(in, copy);
    in = copy;
  }
  out.set_data(allocator::malloc(out.nbytes()));
  if (in.size() == 0) {
    return;
  }
  ScanShape sh{1, in.shape(axis_), 1};
  for (int i = 0; i < axis_; ++i) {
    sh.outer *= in.shape(i);
  }
  for (size_t i = axis_ + 1; i < in.ndim(); ++i) {
    sh.inner *= in.shape(i);
  }
  if (in.dtype() == bool_ && out.dtype() == int32) {
    return scan_typed<bool, int32_t>(type_, in, out, sh, reverse_, inclusive_);
  }
  if (in.dtype() != out.dtype()) {
    throw std::invalid_argument("[Scan] Output dtype does not match the input's.");
  }
  dispatch_all_types(in.dtype(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    scan_typed<T, T>(type_, in, out, sh, reverse_, inclusive_);
  });
}

} // namespace mlx::core
