// Quantized matrix-vector and dequantization kernels (see quantized_kernels.h), compiled once
// per instruction set: AVX-512 (VNNI, VBMI), AVX2, and portable C++.
//
// The integer kernels take a step of packed bytes at a time and unpack it into sub-vectors of
// codes matching the activations' layout (formats in quantized_simd.h): codes of 2, 4 and 8 bits
// with one shift and one mask per sub-vector, codes of 3, 5 and 6 bits (which straddle bytes)
// with a byte permute and a multishift (AVX-512 VBMI) or a byte shuffle and variable shifts.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "mlx/types/half_types.h"

#include "backend/cpu/float_vec.h"
#include "backend/cpu/quantized_kernels.h"
#include "backend/cpu/quantized_simd.h"

namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE {

namespace {

using quant::PackedMatrix;
using quant::QuantizedRows;
using quant::ScaleType;

template <int V>
using Int = std::integral_constant<int, V>;

template <typename F>
void with_bits(int bits, F&& f) {
  switch (bits) {
  case 2:
    return f(Int<2>{});
  case 3:
    return f(Int<3>{});
  case 4:
    return f(Int<4>{});
  case 5:
    return f(Int<5>{});
  case 6:
    return f(Int<6>{});
  default:
    return f(Int<8>{});
  }
}

template <typename F>
void with_group(int group_size, F&& f) {
  switch (group_size) {
  case 32:
    return f(Int<32>{});
  case 64:
    return f(Int<64>{});
  default:
    return f(Int<128>{});
  }
}

template <typename F>
void with_rows(int rows, F&& f) {
  switch (rows) {
  case 1:
    return f(Int<1>{});
  case 2:
    return f(Int<2>{});
  case 3:
    return f(Int<3>{});
  default:
    return f(Int<4>{});
  }
}

float scale_at(const void* p, ScaleType t, int64_t i) {
  switch (t) {
  case ScaleType::float16:
    return static_cast<const float16_t*>(p)[i];
  case ScaleType::bfloat16:
    return static_cast<const bfloat16_t*>(p)[i];
  default:
    return static_cast<const float*>(p)[i];
  }
}

#if defined(__AVX2__)

constexpr int kStepBytes = Vec::kStepBytes;
constexpr int kInt8StepBytes = Vec::kLanes == 16 ? 64 : 0;

// Per-row prologue shared by the kernels: comb[m][g] = weight scale * activation scale, and
// the bias term sum_g bias_g * sum_g(x_m), both over the whole row.
template <int MB>
void row_prologue(const PackedMatrix& w, const QuantizedRows& x, int64_t n, float* comb,
                  float* bias_term) {
  const int groups = w.groups();
  typename Vec::F bacc[MB];
  for (int m = 0; m < MB; ++m) {
    bacc[m] = Vec::zero();
  }
  for (int g0 = 0; g0 < groups; g0 += Vec::kLanes) {
    int count = std::min(Vec::kLanes, groups - g0);
    auto s = Vec::load_scales(w.scales, w.scale_type, n * groups + g0, count);
    auto b = Vec::load_scales(w.biases, w.scale_type, n * groups + g0, count);
    for (int m = 0; m < MB; ++m) {
      int64_t at = m * x.padded_groups + g0;
      Vec::store(comb + at, Vec::mul(s, Vec::load(x.scale + at)));
      bacc[m] = Vec::fma(b, Vec::load(x.sum + at), bacc[m]);
    }
  }
  for (int m = 0; m < MB; ++m) {
    bias_term[m] = Vec::reduce(bacc[m]);
  }
}

// The integer kernel for a code format Fmt (quantized_simd.h). Rows are read one after the
// other: on the 2-core Zen 4 machines one sequential stream per core reads memory 2-3x faster
// than rows interleaved even at 2 KB.
template <typename Fmt, int gs, int MB>
void qmv_steps(const PackedMatrix& w, const QuantizedRows& x, int64_t n0, int64_t n1, float* out,
               int64_t ldo) {
  constexpr int step_bytes = Fmt::kStepBytes;
  constexpr int step_codes = Fmt::kStepCodes;
  using I = typename Vec::I;
  using F = typename Vec::F;
  using Elem = typename Fmt::Elem;
  const Elem* xq_base;
  if constexpr (std::is_same_v<Elem, int8_t>) {
    xq_base = x.q8;
  } else {
    xq_base = x.q;
  }
  const int groups = w.groups();
  const int64_t row_bytes = w.row_bytes();
  const int64_t pg = x.padded_groups;
  std::vector<float> comb(MB * pg + Vec::kLanes);
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t* wr = w.w + n * row_bytes;
    float bias_term[MB];
    row_prologue<MB>(w, x, n, comb.data(), bias_term);
    F tot[MB];
    for (int m = 0; m < MB; ++m) {
      tot[m] = Vec::zero();
    }
    I sub[Fmt::kSubs];
    if constexpr (step_codes <= gs) {
      // Whole steps per group: accumulate the group in integers, scale once.
      constexpr int steps_per_group = gs / step_codes;
      for (int g = 0; g < groups; ++g) {
        I acc[MB];
        for (int m = 0; m < MB; ++m) {
          acc[m] = Vec::izero();
        }
        for (int s = 0; s < steps_per_group; ++s) {
          int64_t step = int64_t{g} * steps_per_group + s;
          Fmt::unpack(wr + step * step_bytes, step_bytes, sub);
          for (int m = 0; m < MB; ++m) {
            const Elem* xq = xq_base + m * x.padded_cols + step * step_codes;
            for (int k = 0; k < Fmt::kSubs; ++k) {
              acc[m] = Fmt::dot(acc[m], sub[k], xq + k * Fmt::kSubCodes);
            }
          }
        }
        for (int m = 0; m < MB; ++m) {
          tot[m] = Vec::fma(Vec::cvt(acc[m]), Vec::set1(comb[m * pg + g]), tot[m]);
        }
      }
    } else {
      // Several groups per step: each 32-bit lane belongs to one group.
      constexpr int groups_per_step = step_codes / gs;
      constexpr int lanes_per_group = gs / Fmt::kCodesPerLane;
      int64_t steps = (row_bytes + step_bytes - 1) / step_bytes;
      for (int64_t step = 0; step < steps; ++step) {
        Fmt::unpack(wr + step * step_bytes, row_bytes - step * step_bytes, sub);
        for (int m = 0; m < MB; ++m) {
          const Elem* xq = xq_base + m * x.padded_cols + step * step_codes;
          I acc = Vec::izero();
          for (int k = 0; k < Fmt::kSubs; ++k) {
            acc = Fmt::dot(acc, sub[k], xq + k * Fmt::kSubCodes);
          }
          const float* c = comb.data() + m * pg + step * groups_per_step;
          tot[m] = Vec::fma(Vec::cvt(acc), Vec::template lane_scales<lanes_per_group>(c), tot[m]);
        }
      }
    }
    for (int m = 0; m < MB; ++m) {
      out[m * ldo + n] = Vec::reduce(tot[m]) + bias_term[m];
    }
  }
}

// Codes of 3, 5 or 6 bits, decoded in order 2 * kLanes at a time.
template <int bits, int gs, int MB>
void qmv_straddling(const PackedMatrix& w, const QuantizedRows& x, int64_t n0, int64_t n1,
                    float* out, int64_t ldo) {
  constexpr int words = 2 * Vec::kLanes;
  constexpr int group_bytes = gs * bits / 8;
  using I = typename Vec::I;
  using F = typename Vec::F;
  const int groups = w.groups();
  const int64_t row_bytes = w.row_bytes();
  const uint8_t* end = w.w + w.rows * row_bytes;
  std::vector<float> comb(MB * x.padded_groups + Vec::kLanes);
  alignas(64) uint8_t tail[group_bytes + 16] = {};
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t* wr = w.w + n * row_bytes;
    float bias_term[MB];
    row_prologue<MB>(w, x, n, comb.data(), bias_term);
    F tot[MB];
    for (int m = 0; m < MB; ++m) {
      tot[m] = Vec::zero();
    }
    for (int g = 0; g < groups; ++g) {
      const uint8_t* p = wr + int64_t{g} * group_bytes;
      // Decoding reads up to 16 bytes past a batch; keep those reads inside the matrix.
      if (p + group_bytes + 16 > end) {
        std::memcpy(tail, p, group_bytes);
        p = tail;
      }
      I acc[MB];
      for (int m = 0; m < MB; ++m) {
        acc[m] = Vec::izero();
      }
      for (int c = 0; c < gs; c += words) {
        I codes = Vec::template decode_words<bits>(p + c * bits / 8);
        for (int m = 0; m < MB; ++m) {
          auto xv = Vec::loadx(x.q + m * x.padded_cols + int64_t{g} * gs + c);
          acc[m] = Vec::dot(acc[m], codes, xv);
        }
      }
      for (int m = 0; m < MB; ++m) {
        tot[m] = Vec::fma(Vec::cvt(acc[m]), Vec::set1(comb[m * x.padded_groups + g]), tot[m]);
      }
    }
    for (int m = 0; m < MB; ++m) {
      out[m * ldo + n] = Vec::reduce(tot[m]) + bias_term[m];
    }
  }
}

void qmv(const PackedMatrix& w, const QuantizedRows& x, int64_t n0, int64_t n1, float* out,
         int64_t ldo) {
  with_bits(w.bits, [&](auto bits) {
    with_group(w.group_size, [&](auto gs) {
      with_rows(x.rows, [&](auto rows) {
        constexpr bool pow2 = bits() == 2 || bits() == 4 || bits() == 8;
#if defined(__AVX512F__)
        if (x.q8) {
          if constexpr (pow2) {
            return qmv_steps<Int8Codes<bits()>, gs(), rows()>(w, x, n0, n1, out, ldo);
          } else {
            return qmv_steps<Int8Straddling<bits()>, gs(), rows()>(w, x, n0, n1, out, ldo);
          }
        }
#endif
        if constexpr (pow2) {
          qmv_steps<Int16Codes<bits()>, gs(), rows()>(w, x, n0, n1, out, ldo);
        } else {
          qmv_straddling<bits(), gs(), rows()>(w, x, n0, n1, out, ldo);
        }
      });
    });
  });
}

template <int bits>
void dequantize_row(const PackedMatrix& w, int64_t r, int c0, int c1, float* out,
                    bool mlx_rounding) {
  const ScaleType rounding = mlx_rounding ? w.scale_type : ScaleType::float32;
  const uint8_t* row = w.w + r * w.row_bytes();
  const uint8_t* end = w.w + w.rows * w.row_bytes();
  constexpr int batch_bytes = Vec::kLanes * bits / 8;
  for (int c = c0; c < c1; c += Vec::kLanes) {
    int64_t g = r * w.groups() + c / w.group_size;
    auto s = Vec::set1(scale_at(w.scales, w.scale_type, g));
    auto b = Vec::set1(scale_at(w.biases, w.scale_type, g));
    const uint8_t* p = row + int64_t{c} * bits / 8;
    alignas(16) uint8_t tmp[16] = {};
    if (p + 16 > end) {
      std::memcpy(tmp, p, batch_bytes);
      p = tmp;
    }
    auto q = Vec::cvt(Vec::template decode<bits>(p));
    auto t = Vec::round_to(Vec::mul(q, s), rounding);
    Vec::store(out + (c - c0), Vec::round_to(Vec::add(t, b), rounding));
  }
}

constexpr const char* kName = Vec::kLanes == 16 ? "avx512" : "avx2";

#else

constexpr int kStepBytes = 0;
constexpr int kInt8StepBytes = 0;
constexpr const char* kName = "baseline";

void qmv(const PackedMatrix& w, const QuantizedRows& x, int64_t n0, int64_t n1, float* out,
         int64_t ldo) {
  const int groups = w.groups();
  const int64_t row_bytes = w.row_bytes();
  with_bits(w.bits, [&](auto bits) {
    for (int64_t n = n0; n < n1; ++n) {
      const uint8_t* wr = w.w + n * row_bytes;
      for (int m = 0; m < x.rows; ++m) {
        const int16_t* xq = x.q + m * x.padded_cols;
        float total = 0;
        for (int g = 0; g < groups; ++g) {
          int32_t acc = 0;
          for (int i = g * w.group_size; i < (g + 1) * w.group_size; ++i) {
            acc += quant::packed_code(wr, i, bits()) * xq[i];
          }
          int64_t gi = n * groups + g;
          int64_t xi = m * x.padded_groups + g;
          total += static_cast<float>(acc) * scale_at(w.scales, w.scale_type, gi) * x.scale[xi] +
                   scale_at(w.biases, w.scale_type, gi) * x.sum[xi];
        }
        out[m * ldo + n] = total;
      }
    }
  });
}

float round_to(float v, ScaleType t) {
  switch (t) {
  case ScaleType::float16:
    return static_cast<float>(float16_t(v));
  case ScaleType::bfloat16:
    return static_cast<float>(bfloat16_t(v));
  default:
    return v;
  }
}

template <int bits>
void dequantize_row(const PackedMatrix& w, int64_t r, int c0, int c1, float* out,
                    bool mlx_rounding) {
  const ScaleType rounding = mlx_rounding ? w.scale_type : ScaleType::float32;
  const uint8_t* row = w.w + r * w.row_bytes();
  for (int c = c0; c < c1; ++c) {
    int64_t g = r * w.groups() + c / w.group_size;
    float q = static_cast<float>(quant::packed_code(row, c, bits));
    float t = round_to(q * scale_at(w.scales, w.scale_type, g), rounding);
    out[c - c0] = round_to(t + scale_at(w.biases, w.scale_type, g), rounding);
  }
}

#endif

void dequantize(const PackedMatrix& w, int64_t r, int c0, int c1, float* out, bool mlx_rounding) {
  with_bits(w.bits, [&](auto bits) { dequantize_row<bits()>(w, r, c0, c1, out, mlx_rounding); });
}

float dot(const float* a, const float* b, int64_t n) {
  constexpr int w = VecF::width;
  VecF a0 = broadcast(0.0f), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 4 * w <= n; i += 4 * w) {
    a0 = fma(load(a + i), load(b + i), a0);
    a1 = fma(load(a + i + w), load(b + i + w), a1);
    a2 = fma(load(a + i + 2 * w), load(b + i + 2 * w), a2);
    a3 = fma(load(a + i + 3 * w), load(b + i + 3 * w), a3);
  }
  float total = reduce_add((a0 + a1) + (a2 + a3));
  for (; i < n; ++i) {
    total += a[i] * b[i];
  }
  return total;
}

} // namespace

const quant::Kernels& quant_kernels() {
  static const quant::Kernels k{kName, kStepBytes, kInt8StepBytes, &qmv, &dequantize, &dot};
  return k;
}

} // namespace mlx::core::cpu::MLXCPP_ISA_NAMESPACE
