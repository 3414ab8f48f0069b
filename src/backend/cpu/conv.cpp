// Convolution on the CPU. Channels-last data makes every (position, tap) pair a contiguous run
// of channels, so:
//  - the general path unfolds the input (im2col) one block of output positions at a time into
//    rows of [group][tap][channel] and multiplies each group's columns by its weights with one
//    GEMM (gemm.h), the blocks bounding the unfolded buffer's memory; with input dilation
//    (transposed convolutions) it goes phase by phase, skipping the taps that meet only zeros;
//  - 1x1 kernels with unit stride and no padding are a GEMM on the input itself;
//  - depthwise kernels (one input and one output channel per group) accumulate directly, a
//    vector of channels at a time, since their GEMMs would have a single column.
#include "core/primitives/conv.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

#include "backend/cpu/copy.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"

namespace mlx::core {

namespace {

// Bytes of unfolded input per block: large enough for full-speed GEMMs, small enough to stay
// out of the way of the rest of memory.
constexpr int64_t unfold_budget = int64_t{16} << 20;

// The geometry of one convolution, spatial axes first to last.
struct ConvGeometry {
  int64_t batch, in_channels, out_channels, groups;
  std::vector<int64_t> in_size, kernel, out_size;
  // For axis i, the input index that output position q meets at kernel tap t (taps in weight
  // order, so a flip is already applied), or -1 where it lands in padding or dilation gaps.
  std::vector<std::vector<int64_t>> source;
  int64_t taps() const {
    return std::accumulate(kernel.begin(), kernel.end(), int64_t{1}, std::multiplies<>());
  }
  int64_t positions() const {
    return std::accumulate(out_size.begin(), out_size.end(), int64_t{1}, std::multiplies<>());
  }
};

ConvGeometry make_geometry(const array& in, const array& wt, const array& out,
                           const Convolution& conv) {
  const int spatial = static_cast<int>(in.ndim()) - 2;
  ConvGeometry g;
  g.batch = in.shape(0);
  g.in_channels = in.shape(-1);
  g.out_channels = wt.shape(0);
  g.groups = conv.groups();
  g.source.resize(spatial);
  for (int i = 0; i < spatial; ++i) {
    const int64_t size = in.shape(i + 1), K = wt.shape(i + 1), Q = out.shape(i + 1);
    g.in_size.push_back(size);
    g.kernel.push_back(K);
    g.out_size.push_back(Q);
    auto& table = g.source[i];
    table.resize(Q * K);
    const int64_t stride = conv.stride()[i], lo = conv.padding_lo()[i];
    const int64_t kdil = conv.kernel_dilation()[i], idil = conv.input_dilation()[i];
    for (int64_t q = 0; q < Q; ++q) {
      for (int64_t t = 0; t < K; ++t) {
        int64_t tap = conv.flip() ? K - 1 - t : t;
        // Position in the dilated, padded input; only multiples of idil hold input values.
        int64_t x = q * stride + tap * kdil - lo;
        bool hit = x >= 0 && x % idil == 0 && x / idil < size;
        table[q * K + t] = hit ? x / idil : -1;
      }
    }
  }
  return g;
}

// Visits the taps of output position `pos` (row-major over the output's spatial axes), calling
// visit(tap, input_offset) with the input element offset of the channel run, or -1 for
// padding. Offsets are within one batch item of a row-major [spatial..., C] input.
template <typename Visit>
void for_each_tap(const ConvGeometry& g, int64_t pos, Visit&& visit) {
  const int spatial = static_cast<int>(g.kernel.size());
  int64_t q[3] = {0, 0, 0};
  for (int i = spatial - 1; i >= 0; --i) {
    q[i] = pos % g.out_size[i];
    pos /= g.out_size[i];
  }
  int64_t t[3] = {0, 0, 0};
  const int64_t taps = g.taps();
  for (int64_t tap = 0; tap < taps; ++tap) {
    int64_t offset = 0;
    bool hit = true;
    for (int i = 0; i < spatial && hit; ++i) {
      int64_t s = g.source[i][q[i] * g.kernel[i] + t[i]];
      hit = s >= 0;
      offset = offset * g.in_size[i] + s;
    }
    visit(tap, hit ? offset * g.in_channels : -1);
    for (int i = spatial - 1; i >= 0; --i) {
      if (++t[i] < g.kernel[i]) {
        break;
      }
      t[i] = 0;
    }
  }
}

// A row-major copy of x unless it already is one.
array row_major(const array& x) {
  if (x.flags().row_contiguous && x.data_size() == x.size()) {
    return x;
  }
  array copy(x.shape(), x.dtype(), nullptr, {});
  cpu::copy_row_major(x, copy);
  return copy;
}

bool is_pointwise(const ConvGeometry& g, const Convolution& conv) {
  for (size_t i = 0; i < g.kernel.size(); ++i) {
    if (g.kernel[i] != 1 || conv.stride()[i] != 1 || conv.padding_lo()[i] != 0 ||
        conv.padding_hi()[i] != 0 || conv.input_dilation()[i] != 1) {
      return false;
    }
  }
  return true;
}

// out[n, q, c] = sum_t in[n, source(q, t), c] * w[c, t], channels in the inner loop.
template <typename T>
void depthwise(const ConvGeometry& g, const T* in, const T* wt, T* out) {
  using Acc = accumulator_t<T>;
  const int64_t C = g.in_channels, taps = g.taps(), positions = g.positions();
  const int64_t in_batch =
      C * std::accumulate(g.in_size.begin(), g.in_size.end(), int64_t{1}, std::multiplies<>());
  // Weights as [tap][channel] in the accumulator type.
  std::vector<Acc> w(taps * C);
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t t = 0; t < taps; ++t) {
      w[t * C + c] = static_cast<Acc>(wt[c * taps + t]);
    }
  }
  cpu::parallel_for(g.batch * positions, std::max<int64_t>(1, 4096 / (C * taps)),
                    [&](int64_t begin, int64_t end) {
                      std::vector<Acc> acc(C);
                      for (int64_t row = begin; row < end; ++row) {
                        const T* src = in + (row / positions) * in_batch;
                        std::fill(acc.begin(), acc.end(), Acc(0));
                        for_each_tap(g, row % positions, [&](int64_t t, int64_t offset) {
                          if (offset < 0) {
                            return;
                          }
                          const T* x = src + offset;
                          const Acc* wr = w.data() + t * C;
                          for (int64_t c = 0; c < C; ++c) {
                            acc[c] += static_cast<Acc>(x[c]) * wr[c];
                          }
                        });
                        T* dst = out + row * C;
                        for (int64_t c = 0; c < C; ++c) {
                          dst[c] = static_cast<T>(acc[c]);
                        }
                      }
                    });
}

// Output positions that meet the same kernel taps. With input dilation d and stride s, whether
// a tap lands on an input element or in a gap depends only on the position modulo
// d / gcd(s, d), so each axis splits into that many phases, and each phase is a convolution
// over fewer taps: a transposed convolution of stride s does 1 / s^dims of the dense work.
struct Phase {
  std::vector<int64_t> first; // per axis: the phase's first output position
  std::vector<int64_t> count; // per axis: its number of positions (every period-th)
  std::vector<int64_t> step;  // per axis: the period
  std::vector<int64_t> taps;  // the taps that can land on input, linear in weight order
  bool everything;            // the only phase: all positions, all taps in order
  int64_t positions() const {
    return std::accumulate(count.begin(), count.end(), int64_t{1}, std::multiplies<>());
  }
};

std::vector<Phase> make_phases(const ConvGeometry& g, const Convolution& conv) {
  const int spatial = static_cast<int>(g.kernel.size());
  std::vector<int64_t> period(spatial);
  // valid[i][r]: the taps of axis i that land on input elements for positions = r mod period.
  std::vector<std::vector<std::vector<int64_t>>> valid(spatial);
  bool dilated = false;
  for (int i = 0; i < spatial; ++i) {
    const int64_t stride = conv.stride()[i], idil = conv.input_dilation()[i];
    const int64_t kdil = conv.kernel_dilation()[i], lo = conv.padding_lo()[i], K = g.kernel[i];
    period[i] = idil / std::gcd(stride, idil);
    dilated |= idil > 1;
    valid[i].resize(period[i]);
    for (int64_t r = 0; r < period[i]; ++r) {
      for (int64_t t = 0; t < K; ++t) {
        int64_t tap = conv.flip() ? K - 1 - t : t;
        int64_t x = r * stride + tap * kdil - lo;
        if (((x % idil) + idil) % idil == 0) {
          valid[i][r].push_back(t);
        }
      }
    }
  }
  if (!dilated) {
    Phase all{std::vector<int64_t>(spatial, 0), g.out_size, std::vector<int64_t>(spatial, 1),
              std::vector<int64_t>(g.taps()), true};
    std::iota(all.taps.begin(), all.taps.end(), 0);
    return {all};
  }
  std::vector<Phase> phases;
  std::vector<int64_t> r(spatial, 0);
  while (true) {
    Phase p{r, {}, period, {0}, false};
    for (int i = 0; i < spatial; ++i) {
      p.count.push_back(std::max<int64_t>(0, (g.out_size[i] - r[i] + period[i] - 1) / period[i]));
      // Extend the tap list by this axis (row-major over the kernel's axes).
      std::vector<int64_t> taps;
      for (int64_t t0 : p.taps) {
        for (int64_t t : valid[i][r[i]]) {
          taps.push_back(t0 * g.kernel[i] + t);
        }
      }
      p.taps = std::move(taps);
    }
    phases.push_back(std::move(p));
    int i = spatial - 1;
    for (; i >= 0 && ++r[i] == period[i]; --i) {
      r[i] = 0;
    }
    if (i < 0) {
      return phases;
    }
  }
}

// The output position (row-major over the output's spatial axes) of a phase's j-th position,
// with its coordinates in q.
int64_t phase_position(const ConvGeometry& g, const Phase& p, int64_t j, int64_t* q) {
  const int spatial = static_cast<int>(g.kernel.size());
  for (int i = spatial - 1; i >= 0; --i) {
    q[i] = p.first[i] + (j % p.count[i]) * p.step[i];
    j /= p.count[i];
  }
  int64_t pos = 0;
  for (int i = 0; i < spatial; ++i) {
    pos = pos * g.out_size[i] + q[i];
  }
  return pos;
}

// The im2col + GEMM path, one phase at a time.
template <typename T>
void unfold_and_multiply(const ConvGeometry& g, const Phase& phase, const T* in, const T* wt,
                         T* out) {
  const int spatial = static_cast<int>(g.kernel.size());
  const int64_t C = g.in_channels, O = g.out_channels, G = g.groups;
  const int64_t Cg = C / G, Og = O / G, all_taps = g.taps();
  const int64_t taps = static_cast<int64_t>(phase.taps.size());
  const int64_t positions = phase.positions();
  const int64_t rows = g.batch * positions;
  const int64_t in_batch =
      C * std::accumulate(g.in_size.begin(), g.in_size.end(), int64_t{1}, std::multiplies<>());
  if (rows == 0) {
    return;
  }
  if (taps == 0) {
    // No tap of this phase reaches the input.
    for (int64_t row = 0; row < rows; ++row) {
      int64_t q[3];
      int64_t pos = phase_position(g, phase, row % positions, q);
      std::fill_n(out + ((row / positions) * g.positions() + pos) * O, O, T(0));
    }
    return;
  }
  // The phase's taps split per axis, and its weights as [O, taps, Cg].
  std::vector<int64_t> parts(taps * spatial);
  for (int64_t t = 0; t < taps; ++t) {
    int64_t rest = phase.taps[t];
    for (int i = spatial - 1; i >= 0; --i) {
      parts[t * spatial + i] = rest % g.kernel[i];
      rest /= g.kernel[i];
    }
  }
  const int64_t depth = taps * Cg; // GEMM inner dimension per group
  std::vector<T> phase_weights;
  const T* weights = wt;
  if (!phase.everything) {
    phase_weights.resize(O * depth);
    for (int64_t o = 0; o < O; ++o) {
      for (int64_t t = 0; t < taps; ++t) {
        std::memcpy(phase_weights.data() + (o * taps + t) * Cg,
                    wt + (o * all_taps + phase.taps[t]) * Cg, Cg * sizeof(T));
      }
    }
    weights = phase_weights.data();
  }
  // Each group's weights [Og, depth] are op(B)^T, so B is "transposed" with ld = depth.
  cpu::GemmLayout layout{Og, depth, taps * C, depth, O, false, true};
  const int64_t row_bytes = taps * C * static_cast<int64_t>(sizeof(T));
  const int64_t block = std::clamp<int64_t>(unfold_budget / row_bytes, 64, rows);
  // Every element of these is written before it is read.
  auto unfolded = std::make_unique_for_overwrite<T[]>(block * taps * C);
  auto products = std::make_unique_for_overwrite<T[]>(phase.everything ? 0 : block * O);
  for (int64_t r0 = 0; r0 < rows; r0 += block) {
    const int64_t count = std::min(block, rows - r0);
    cpu::parallel_for(count, std::max<int64_t>(1, 16384 / (taps * C)), [&](int64_t b, int64_t e) {
      int64_t q[3];
      for (int64_t r = b; r < e; ++r) {
        const int64_t row = r0 + r;
        const T* src = in + (row / positions) * in_batch;
        T* dst = unfolded.get() + r * taps * C;
        phase_position(g, phase, row % positions, q);
        for (int64_t t = 0; t < taps; ++t) {
          int64_t offset = 0;
          bool hit = true;
          for (int i = 0; i < spatial && hit; ++i) {
            int64_t s = g.source[i][q[i] * g.kernel[i] + parts[t * spatial + i]];
            hit = s >= 0;
            offset = offset * g.in_size[i] + s;
          }
          for (int64_t grp = 0; grp < G; ++grp) {
            T* run = dst + (grp * taps + t) * Cg;
            if (hit) {
              std::memcpy(run, src + offset * C + grp * Cg, Cg * sizeof(T));
            } else {
              std::fill(run, run + Cg, T(0));
            }
          }
        }
      }
    });
    // All positions in order land straight in out; a phase's go through `products`.
    T* dst = phase.everything ? out + r0 * O : products.get();
    std::vector<cpu::GemmJob<T>> jobs;
    for (int64_t grp = 0; grp < G; ++grp) {
      jobs.push_back(
          {count, unfolded.get() + grp * depth, weights + grp * Og * depth, dst + grp * Og});
    }
    cpu::gemm(layout, 1.0f, 0.0f, jobs);
    if (!phase.everything) {
      int64_t q[3];
      for (int64_t r = 0; r < count; ++r) {
        const int64_t row = r0 + r;
        int64_t pos = phase_position(g, phase, row % positions, q);
        std::memcpy(out + ((row / positions) * g.positions() + pos) * O, products.get() + r * O,
                    O * sizeof(T));
      }
    }
  }
}

// 1x1 kernels with unit stride and no padding: one GEMM per group on the input itself.
template <typename T>
void pointwise(const ConvGeometry& g, const T* in, const T* wt, T* out) {
  const int64_t C = g.in_channels, O = g.out_channels, G = g.groups;
  const int64_t Cg = C / G, Og = O / G;
  cpu::GemmLayout layout{Og, Cg, C, Cg, O, false, true};
  std::vector<cpu::GemmJob<T>> jobs;
  for (int64_t grp = 0; grp < G; ++grp) {
    jobs.push_back({g.batch * g.positions(), in + grp * Cg, wt + grp * Og * Cg, out + grp * Og});
  }
  cpu::gemm(layout, 1.0f, 0.0f, jobs);
}

} // namespace

void Convolution::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  if (inputs[0].shape(-1) == 0) {
    // No input channels: every output is an empty sum.
    std::memset(out.data<void>(), 0, out.nbytes());
    return;
  }
  array in = row_major(inputs[0]);
  array wt = row_major(inputs[1]);
  auto g = make_geometry(in, wt, out, *this);
  dispatch_float_types(out.dtype(), "[Convolution]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    const int64_t Cg = g.in_channels / g.groups, Og = g.out_channels / g.groups;
    if (Cg == 1 && Og == 1 && g.groups > 1) {
      depthwise(g, in.data<T>(), wt.data<T>(), out.data<T>());
    } else if (is_pointwise(g, *this)) {
      pointwise(g, in.data<T>(), wt.data<T>(), out.data<T>());
    } else {
      for (const auto& phase : make_phases(g, *this)) {
        unfold_and_multiply(g, phase, in.data<T>(), wt.data<T>(), out.data<T>());
      }
    }
  });
}

} // namespace mlx::core
