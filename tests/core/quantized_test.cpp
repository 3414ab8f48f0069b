// Affine quantization: quantize/dequantize against MLX's formulas written out here, the packed
// layout against hand-computed words, and quantized_matmul / gather_qmm against dequantized
// float64 products, for every bit width, group size, transpose and dtype and every instruction
// set this CPU runs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "mlx/mlx.h"

#include "backend/common/strides.h"
#include "backend/cpu/quantized_kernels.h"

using namespace mlx::core;

namespace {

const int kBits[] = {2, 3, 4, 5, 6, 8};
const int kGroups[] = {32, 64, 128};
const Dtype kTypes[] = {float32, float16, bfloat16};

array random_normal(const Shape& shape, Dtype dtype, uint32_t seed, float stddev = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  size_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  std::vector<float> v(n);
  for (auto& e : v) {
    e = dist(gen);
  }
  return array(v.begin(), shape, dtype);
}

// Elements in row-major order as doubles, whatever the layout.
std::vector<double> values(const array& a) {
  auto d = astype(a, float64);
  d.eval();
  std::vector<double> out(d.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = d.data<double>()[elem_to_loc(static_cast<int64_t>(i), d.shape(), d.strides())];
  }
  return out;
}

std::vector<uint32_t> words(const array& a) {
  auto c = contiguous(a);
  c.eval();
  return std::vector<uint32_t>(c.data<uint32_t>(), c.data<uint32_t>() + c.size());
}

// Code i of a row of packed words, read word-wise (the library reads bytes).
int code(const uint32_t* row, int64_t i, int bits) {
  int64_t bit = i * bits;
  uint64_t lo = row[bit / 32];
  uint64_t hi = bit % 32 + bits > 32 ? row[bit / 32 + 1] : 0;
  return static_cast<int>(((lo | hi << 32) >> (bit % 32)) & ((1u << bits) - 1));
}

// A value rounded to a dtype, as a double.
double round_to(double v, Dtype dtype) {
  if (dtype == float16) {
    return static_cast<float>(float16_t(static_cast<float>(v)));
  }
  if (dtype == bfloat16) {
    return static_cast<float>(bfloat16_t(static_cast<float>(v)));
  }
  return dtype == float32 ? static_cast<float>(v) : v;
}

double unit_roundoff(Dtype dtype) {
  return dtype == bfloat16 ? 1.0 / 256 : dtype == float16 ? 1.0 / 2048 : 1e-6;
}

// MLX's affine quantization of one group, in float as MLX computes it: the scale spans the
// group's range and is snapped so that the larger-magnitude edge is a code exactly.
struct GroupQuant {
  std::vector<int> codes;
  float scale;
  float bias;
};

GroupQuant reference_quantize(const std::vector<double>& w, int bits) {
  float n_bins = static_cast<float>((1 << bits) - 1);
  float lo = static_cast<float>(*std::min_element(w.begin(), w.end()));
  float hi = static_cast<float>(*std::max_element(w.begin(), w.end()));
  bool min_edge = std::abs(lo) > std::abs(hi);
  float scale = std::max((hi - lo) / n_bins, 1e-7f);
  scale = min_edge ? scale : -scale;
  float edge = min_edge ? lo : hi;
  float q0 = std::nearbyint(edge / scale);
  GroupQuant g{{}, scale, 0.0f};
  if (q0 != 0) {
    g.scale = edge / q0;
    g.bias = edge;
  }
  for (double v : w) {
    float q = std::nearbyint((static_cast<float>(v) - g.bias) / g.scale);
    g.codes.push_back(static_cast<int>(std::clamp(q, 0.0f, n_bins)));
  }
  return g;
}

// The dequantized matrix in float64, exactly code * scale + bias.
std::vector<double> dequantized(const array& wq, const array& scales, const array& biases, int bits,
                                int group_size) {
  auto w = words(wq);
  auto s = values(scales);
  auto b = values(biases);
  int64_t packed_cols = wq.shape(-1);
  int64_t rows = static_cast<int64_t>(wq.size()) / packed_cols;
  int64_t cols = packed_cols * 32 / bits;
  std::vector<double> out(rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      int64_t g = r * (cols / group_size) + c / group_size;
      out[r * cols + c] = code(w.data() + r * packed_cols, c, bits) * s[g] + b[g];
    }
  }
  return out;
}

// Checks out = x @ W.T (transpose) or x @ W, x (rows x inner), W from `deq` row-major; the
// tolerance covers the quantized activations, rounding of W and of the output to `dtype`.
void expect_product(const std::vector<double>& out, const std::vector<double>& x,
                    const std::vector<double>& deq, int64_t rows, int64_t inner, int64_t outer,
                    bool transpose, int group_size, Dtype dtype, const std::string& what) {
  int failures = 0;
  for (int64_t m = 0; m < rows; ++m) {
    for (int64_t n = 0; n < outer; ++n) {
      double ref = 0, magnitude = 0, quantization = 0;
      for (int64_t k = 0; k < inner; ++k) {
        double wk = transpose ? deq[n * inner + k] : deq[k * outer + n];
        double xk = x[m * inner + k];
        ref += xk * wk;
        magnitude += std::abs(xk * wk);
        if (k % group_size == 0) {
          double amax = 0;
          for (int64_t j = k; j < k + group_size && j < inner; ++j) {
            amax = std::max(amax, std::abs(x[m * inner + j]));
          }
          for (int64_t j = k; j < k + group_size && j < inner; ++j) {
            double wj = transpose ? deq[n * inner + j] : deq[j * outer + n];
            quantization += std::abs(wj) * amax;
          }
        }
      }
      // bfloat16 activations may be quantized to int8 (error <= max/254), others to int16.
      double q_err = dtype == bfloat16 ? 1.0 / 254 : 3e-5;
      double u = unit_roundoff(dtype);
      double tol =
          q_err * quantization + 2 * u * magnitude + u * std::abs(ref) + 1e-5 * magnitude + 1e-6;
      double got = out[m * outer + n];
      if (!(std::abs(got - ref) <= tol) && failures++ < 3) {
        ADD_FAILURE() << what << " at (" << m << ", " << n << "): got " << got << ", expected "
                      << ref << " (tolerance " << tol << ")";
      }
    }
  }
}

// Entry i of a's first axis.
array item(const array& a, int i) {
  Shape start(a.ndim(), 0);
  Shape stop = a.shape();
  start[0] = i;
  stop[0] = i + 1;
  return reshape(slice(a, start, stop), Shape(a.shape().begin() + 1, a.shape().end()));
}

// Runs the body once per instruction set this CPU runs, restoring the best one after.
template <typename F>
void for_each_isa(F&& body) {
  auto supported = cpu::quant::supported_kernels();
  for (const auto* k : supported) {
    cpu::quant::use_kernels(*k);
    body(k->name);
  }
  cpu::quant::use_kernels(*supported.front());
}

} // namespace

TEST(Quantize, OutputShapesAndDtypes) {
  auto w = random_normal({3, 5, 256}, bfloat16, 1);
  auto q = quantize(w, 64, 6);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].shape(), (Shape{3, 5, 48}));
  EXPECT_EQ(q[0].dtype(), uint32);
  EXPECT_EQ(q[1].shape(), (Shape{3, 5, 4}));
  EXPECT_EQ(q[1].dtype(), bfloat16);
  EXPECT_EQ(q[2].shape(), (Shape{3, 5, 4}));
  EXPECT_EQ(q[2].dtype(), bfloat16);
  // Defaults: group size 64, 4 bits.
  auto d = quantize(random_normal({2, 128}, float32, 2));
  EXPECT_EQ(d[0].shape(), (Shape{2, 16}));
  EXPECT_EQ(d[1].shape(), (Shape{2, 2}));
}

TEST(Quantize, MatchesMlxFormulasForEveryBitsGroupAndDtype) {
  for (auto dtype : kTypes) {
    for (int bits : kBits) {
      for (int gs : kGroups) {
        SCOPED_TRACE(testing::Message() << dtype << " bits " << bits << " group " << gs);
        // Odd row count; one row all negative and one constant, edge cases of the snapping.
        auto w = random_normal({5, 2 * gs}, dtype, 10 + bits + gs);
        auto wv = values(w);
        for (int c = 0; c < 2 * gs; ++c) {
          wv[2 * gs * 3 + c] = -1.0 - std::abs(wv[c]);
          wv[2 * gs * 4 + c] = 0.75;
        }
        w = array(wv.begin(), {5, 2 * gs}, dtype);
        wv = values(w);
        auto q = quantize(w, gs, bits);
        auto packed = words(q[0]);
        auto scales = values(q[1]);
        auto biases = values(q[2]);
        int64_t packed_cols = 2 * gs * bits / 32;
        for (int r = 0; r < 5; ++r) {
          for (int g = 0; g < 2; ++g) {
            std::vector<double> group(wv.begin() + r * 2 * gs + g * gs,
                                      wv.begin() + r * 2 * gs + (g + 1) * gs);
            auto ref = reference_quantize(group, bits);
            ASSERT_EQ(scales[r * 2 + g], round_to(ref.scale, dtype)) << "row " << r;
            ASSERT_EQ(biases[r * 2 + g], round_to(ref.bias, dtype)) << "row " << r;
            for (int i = 0; i < gs; ++i) {
              ASSERT_EQ(code(packed.data() + r * packed_cols, g * gs + i, bits), ref.codes[i])
                  << "row " << r << " column " << g * gs + i;
            }
          }
        }
      }
    }
  }
}

TEST(Quantize, RoundTripErrorIsWithinOneStep) {
  for (auto dtype : kTypes) {
    for (int bits : kBits) {
      int gs = 64;
      auto w = random_normal({7, 192}, dtype, 100 + bits);
      auto q = quantize(w, gs, bits);
      auto back = values(dequantize(q[0], q[1], q[2], gs, bits));
      auto wv = values(w);
      auto scales = values(q[1]);
      auto biases = values(q[2]);
      for (size_t i = 0; i < wv.size(); ++i) {
        // Dequantizing rounds code * scale and then the sum to the dtype.
        double step = std::abs(scales[i / gs]);
        double rounding = unit_roundoff(dtype) * (std::abs(back[i]) + 2 * std::abs(biases[i / gs]));
        double slack = step * 1e-3 + rounding + 1e-6;
        ASSERT_LE(std::abs(back[i] - wv[i]), step + slack)
            << dtype << " bits " << bits << " element " << i;
      }
    }
  }
}

TEST(Quantize, NonContiguousInputEqualsContiguous) {
  auto base = random_normal({128, 6}, float32, 7);
  auto w = transpose(base); // (6, 128), column-major view
  auto a = quantize(w, 32, 4);
  auto b = quantize(contiguous(w), 32, 4);
  EXPECT_EQ(words(a[0]), words(b[0]));
  EXPECT_EQ(values(a[1]), values(b[1]));
  EXPECT_EQ(values(a[2]), values(b[2]));
}

TEST(QuantizedLayout, PackedWordsMatchHandComputedGoldens) {
  // One group of 32 codes per bit width: codes 0 and 2^bits - 1, then a pattern; the words
  // were computed by hand from the definition (code i occupies bits [i*bits, (i+1)*bits) of
  // the little-endian word stream).
  struct Golden {
    int bits;
    int (*pattern)(int);
    std::vector<uint32_t> words;
  };
  const Golden goldens[] = {
      {2, [](int i) { return (3 * i + 1) % 4; }, {0xb1b1b1bc, 0xb1b1b1b1}},
      {3, [](int i) { return (5 * i + 3) % 8; }, {0x43c67578, 0x7543c675, 0xc67543c6}},
      {4, [](int i) { return i % 16; }, {0x765432f0, 0xfedcba98, 0x76543210, 0xfedcba98}},
      {5,
       [](int i) { return (7 * i + 1) % 32; },
       {0xc9db3fe0, 0x571c1992, 0x7f1150f9, 0x0916e8d3, 0xd4d85f5e}},
      {6,
       [](int i) { return (11 * i + 2) % 64; },
       {0x6e8d8fc0, 0x095a3c4e, 0x9dc446ef, 0x5e4c8f72, 0x054aff4a, 0x5cc076ae}},
      {8,
       [](int i) { return (37 * i + 5) % 256; },
       {0x744fff00, 0x08e3be99, 0x9c77522d, 0x300be6c1, 0xc49f7a55, 0x58330ee9, 0xecc7a27d,
        0x805b3611}},
  };
  for (const auto& g : goldens) {
    SCOPED_TRACE(testing::Message() << "bits " << g.bits);
    int n_bins = (1 << g.bits) - 1;
    std::vector<int> codes = {0, n_bins};
    for (int i = 2; i < 32; ++i) {
      codes.push_back(g.pattern(i));
    }
    // With codes 0 and n_bins present, MLX's snapping gives scale -1 and bias n_bins, so
    // w = n_bins - code quantizes to exactly `code`.
    std::vector<float> w;
    for (int c : codes) {
      w.push_back(static_cast<float>(n_bins - c));
    }
    auto q = quantize(array(w.begin(), {1, 32}), 32, g.bits);
    EXPECT_EQ(words(q[0]), g.words);
    EXPECT_EQ(values(q[1])[0], -1.0);
    EXPECT_EQ(values(q[2])[0], n_bins);
    // And the other way: the golden words dequantize to their codes.
    auto golden = array(g.words.begin(), {1, static_cast<int>(g.words.size())}, uint32);
    auto deq = values(dequantize(golden, array({1.0f}, {1, 1}), array({0.0f}, {1, 1}), 32, g.bits));
    for (int i = 0; i < 32; ++i) {
      ASSERT_EQ(deq[i], codes[i]) << "code " << i;
    }
  }
}

TEST(Dequantize, RoundsLikeMlxInTheScalesDtype) {
  for (auto dtype : kTypes) {
    for (int bits : kBits) {
      for (int gs : kGroups) {
        auto q = quantize(random_normal({3, 2 * gs}, dtype, 40 + bits), gs, bits);
        auto out = dequantize(q[0], q[1], q[2], gs, bits);
        ASSERT_EQ(out.dtype(), dtype);
        ASSERT_EQ(out.shape(), (Shape{3, 2 * gs}));
        auto got = values(out);
        auto packed = words(q[0]);
        auto scales = values(q[1]);
        auto biases = values(q[2]);
        for (int r = 0; r < 3; ++r) {
          for (int c = 0; c < 2 * gs; ++c) {
            int g = r * 2 + c / gs;
            double product =
                round_to(code(packed.data() + r * 2 * gs * bits / 32, c, bits) * scales[g], dtype);
            ASSERT_EQ(got[r * 2 * gs + c], round_to(product + biases[g], dtype))
                << dtype << " bits " << bits << " group " << gs << " at " << r << "," << c;
          }
        }
      }
    }
  }
}

TEST(Dequantize, OutputDtypeAndBatchedMatrices) {
  auto q = quantize(random_normal({2, 3, 64}, bfloat16, 5), 32, 3);
  auto out = dequantize(q[0], q[1], q[2], 32, 3, "affine", float32);
  EXPECT_EQ(out.dtype(), float32);
  EXPECT_EQ(out.shape(), (Shape{2, 3, 64}));
  EXPECT_EQ(values(out), values(dequantize(q[0], q[1], q[2], 32, 3)));
  auto f64 = dequantize(q[0], astype(q[1], float64), astype(q[2], float64), 32, 3);
  EXPECT_EQ(f64.dtype(), float64);
  EXPECT_EQ(values(f64), dequantized(q[0], q[1], q[2], 3, 32));
}

TEST(QuantizedMatmul, MatchesDequantizedProductForEveryConfiguration) {
  for (auto dtype : kTypes) {
    for (int bits : kBits) {
      for (int gs : kGroups) {
        for (bool transpose : {true, false}) {
          // Rows of x: 1 and 5 run the integer kernels (transpose), 67 the dequantized gemm.
          int outer = transpose ? 13 : 2 * gs;
          int inner = transpose ? 3 * gs : 11;
          auto wf = transpose ? random_normal({outer, inner}, dtype, bits * gs)
                              : random_normal({inner, outer}, dtype, bits * gs);
          auto q = quantize(wf, gs, bits);
          auto deq = dequantized(q[0], q[1], q[2], bits, gs);
          for (int rows : {1, 5, 67}) {
            auto x = random_normal({rows, inner}, dtype, rows + bits);
            auto out = quantized_matmul(x, q[0], q[1], q[2], transpose, gs, bits);
            ASSERT_EQ(out.dtype(), dtype);
            ASSERT_EQ(out.shape(), (Shape{rows, outer}));
            expect_product(values(out), values(x), deq, rows, inner, outer, transpose, gs, dtype,
                           testing::PrintToString(dtype) + " bits " + std::to_string(bits) +
                               " group " + std::to_string(gs) + " transpose " +
                               std::to_string(transpose) + " rows " + std::to_string(rows));
          }
        }
      }
    }
  }
}

TEST(QuantizedMatmul, IntegerKernelsOfEveryInstructionSet) {
  for_each_isa([](const char* isa) {
    for (int bits : kBits) {
      for (int gs : kGroups) {
        // inner = 3 groups: a partial step for 2- and 4-bit codes with small groups.
        int inner = 3 * gs;
        auto q = quantize(random_normal({9, inner}, float32, 3 * bits + gs), gs, bits);
        auto deq = dequantized(q[0], q[1], q[2], bits, gs);
        for (int rows : {1, 2, 3, 4, 7, 32}) {
          for (auto dtype : {float32, bfloat16}) {
            auto x = random_normal({rows, inner}, dtype, rows * 7 + bits, 0.5f);
            auto out =
                quantized_matmul(x, q[0], astype(q[1], dtype), astype(q[2], dtype), true, gs, bits);
            expect_product(values(out), values(x), deq, rows, inner, 9, true, gs, dtype,
                           std::string(isa) + " bits " + std::to_string(bits) + " group " +
                               std::to_string(gs) + " rows " + std::to_string(rows));
          }
        }
      }
    }
  });
}

TEST(QuantizedMatmul, ScalesOfAnotherDtypeAndNonContiguousX) {
  auto q = quantize(random_normal({24, 128}, bfloat16, 9), 64, 4);
  auto deq = dequantized(q[0], q[1], q[2], 4, 64);
  // float32 x with bfloat16 scales computes in float32.
  auto base = random_normal({128, 6}, float32, 11);
  auto x = transpose(base); // (6, 128), not row-major
  auto out = quantized_matmul(x, q[0], q[1], q[2]);
  EXPECT_EQ(out.dtype(), float32);
  expect_product(values(out), values(x), deq, 6, 128, 24, true, 64, float32, "transposed x");
  auto strided = slice(random_normal({7, 256}, float32, 12), {0, 0}, {7, 256}, {2, 2});
  expect_product(values(quantized_matmul(strided, q[0], q[1], q[2])), values(strided), deq, 4, 128,
                 24, true, 64, float32, "strided x");
  // A vector x gives a vector.
  auto v = random_normal({128}, float16, 13);
  auto vout = quantized_matmul(v, q[0], q[1], q[2]);
  EXPECT_EQ(vout.shape(), Shape{24});
  EXPECT_EQ(vout.dtype(), promote_types(float16, bfloat16));
}

TEST(QuantizedMatmul, NonTransposedWideMatrixAcrossColumnBlocks) {
  // 130 groups of 32 columns: split between threads and into several blocks per thread.
  auto q = quantize(random_normal({5, 4160}, float16, 14), 32, 5);
  auto deq = dequantized(q[0], q[1], q[2], 5, 32);
  auto x = random_normal({3, 5}, float16, 15);
  auto out = quantized_matmul(x, q[0], q[1], q[2], false, 32, 5);
  ASSERT_EQ(out.shape(), (Shape{3, 4160}));
  expect_product(values(out), values(x), deq, 3, 5, 4160, false, 32, float16, "wide");
}

TEST(QuantizedMatmul, BatchedAndBroadcastWeights) {
  auto wf = random_normal({2, 16, 64}, float32, 21);
  auto q = quantize(wf, 32, 8);
  auto x = random_normal({3, 2, 5, 64}, float32, 22);
  auto out = quantized_matmul(x, q[0], q[1], q[2], true, 32, 8);
  ASSERT_EQ(out.shape(), (Shape{3, 2, 5, 16}));
  auto deq = dequantized(q[0], q[1], q[2], 8, 32);
  auto ov = values(out);
  auto xv = values(x);
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 2; ++b) {
      std::vector<double> xs(xv.begin() + (a * 2 + b) * 5 * 64,
                             xv.begin() + (a * 2 + b + 1) * 5 * 64);
      std::vector<double> os(ov.begin() + (a * 2 + b) * 5 * 16,
                             ov.begin() + (a * 2 + b + 1) * 5 * 16);
      std::vector<double> ws(deq.begin() + b * 16 * 64, deq.begin() + (b + 1) * 16 * 64);
      expect_product(os, xs, ws, 5, 64, 16, true, 32, float32, "batch");
    }
  }
  // A plain matrix x broadcasts against the weights' batch.
  auto x2 = random_normal({5, 64}, float32, 23);
  EXPECT_EQ(quantized_matmul(x2, q[0], q[1], q[2], true, 32, 8).shape(), (Shape{2, 5, 16}));
}

TEST(GatherQmm, EqualsALoopOfQuantizedMatmul) {
  for (int bits : {4, 3, 8}) {
    auto q = quantize(random_normal({4, 24, 128}, bfloat16, 30 + bits), 64, bits);
    auto x = random_normal({3, 2, 128}, bfloat16, 31);
    auto lhs = array({2, 0, 0, 1, 2, 1}, {2, 3}, uint32);
    auto rhs = array({3, 3, 1, 0, 0, 2}, {2, 3}, int32);
    auto out = gather_qmm(x, q[0], q[1], q[2], lhs, rhs, true, 64, bits);
    ASSERT_EQ(out.shape(), (Shape{2, 3, 2, 24}));
    auto ov = values(out);
    std::vector<int> li = {2, 0, 0, 1, 2, 1}, ri = {3, 3, 1, 0, 0, 2};
    for (int i = 0; i < 6; ++i) {
      auto ref = values(quantized_matmul(item(x, li[i]), item(q[0], ri[i]), item(q[1], ri[i]),
                                         item(q[2], ri[i]), true, 64, bits));
      for (int j = 0; j < 2 * 24; ++j) {
        ASSERT_NEAR(ov[i * 48 + j], ref[j], 2e-2 * (1 + std::abs(ref[j])))
            << "bits " << bits << " entry " << i << " element " << j;
      }
    }
  }
}

TEST(GatherQmm, SortedExpertsForPromptProcessing) {
  // mlx-lm's SwitchGLU: tokens sorted by expert, one row each, rhs indices only.
  int tokens = 100, experts = 3;
  auto q = quantize(random_normal({experts, 32, 64}, float32, 40), 32, 4);
  auto x = random_normal({tokens, 1, 64}, float32, 41);
  std::vector<uint32_t> idx(tokens);
  for (int t = 0; t < tokens; ++t) {
    idx[t] = t < 70 ? 0 : t < 75 ? 1 : 2; // a 70-row run takes the gemm path
  }
  auto rhs = array(idx.begin(), {tokens}, uint32);
  auto out = gather_qmm(x, q[0], q[1], q[2], std::nullopt, rhs, true, 32, 4, "affine", true);
  ASSERT_EQ(out.shape(), (Shape{tokens, 1, 32}));
  auto deq = dequantized(q[0], q[1], q[2], 4, 32);
  auto ov = values(out);
  auto xv = values(x);
  for (int t = 0; t < tokens; ++t) {
    std::vector<double> xs(xv.begin() + t * 64, xv.begin() + (t + 1) * 64);
    std::vector<double> os(ov.begin() + t * 32, ov.begin() + (t + 1) * 32);
    std::vector<double> ws(deq.begin() + idx[t] * 32 * 64, deq.begin() + (idx[t] + 1) * 32 * 64);
    expect_product(os, xs, ws, 1, 64, 32, true, 32, float32, "token " + std::to_string(t));
  }
}

TEST(GatherQmm, NonTransposedAndDefaultIndices) {
  auto q = quantize(random_normal({2, 40, 64}, float32, 50), 64, 6);
  auto x = random_normal({2, 3, 40}, float32, 51);
  auto rhs = array({1, 0}, {2}, uint32);
  auto out = gather_qmm(x, q[0], q[1], q[2], std::nullopt, rhs, false, 64, 6);
  ASSERT_EQ(out.shape(), (Shape{2, 3, 64}));
  auto deq = dequantized(q[0], q[1], q[2], 6, 64);
  auto ov = values(out);
  auto xv = values(x);
  for (int i = 0; i < 2; ++i) {
    int e = 1 - i;
    std::vector<double> xs(xv.begin() + i * 120, xv.begin() + (i + 1) * 120);
    std::vector<double> os(ov.begin() + i * 192, ov.begin() + (i + 1) * 192);
    std::vector<double> ws(deq.begin() + e * 40 * 64, deq.begin() + (e + 1) * 40 * 64);
    expect_product(os, xs, ws, 3, 40, 64, false, 64, float32, "entry " + std::to_string(i));
  }
  // No indices at all is quantized_matmul.
  auto plain = gather_qmm(x, q[0], q[1], q[2], std::nullopt, std::nullopt, false, 64, 6);
  EXPECT_EQ(values(plain), values(quantized_matmul(x, q[0], q[1], q[2], false, 64, 6)));
}

TEST(QuantizedMatmul, EmptyInputs) {
  auto q = quantize(zeros({0, 64}, float32), 32, 4);
  EXPECT_EQ(q[0].shape(), (Shape{0, 8}));
  eval(q);
  auto w = quantize(random_normal({8, 64}, float32, 70), 32, 4);
  auto out = quantized_matmul(zeros({0, 64}, float32), w[0], w[1], w[2], true, 32, 4);
  EXPECT_EQ(out.shape(), (Shape{0, 8}));
  out.eval();
  auto none = quantized_matmul(random_normal({3, 64}, float32, 71), q[0], q[1], q[2], true, 32, 4);
  EXPECT_EQ(none.shape(), (Shape{3, 0}));
  none.eval();
}

TEST(QuantizedErrors, BadParametersAndShapes) {
  auto w = random_normal({4, 64}, float32, 60);
  for (int bits : {0, 1, 7, 9, 16}) {
    EXPECT_THROW(quantize(w, 32, bits), std::invalid_argument) << bits;
  }
  for (int gs : {0, 16, 48, 256}) {
    EXPECT_THROW(quantize(w, gs, 4), std::invalid_argument) << gs;
  }
  EXPECT_THROW(quantize(w, 32, 4, "mxfp4"), std::invalid_argument);
  EXPECT_THROW(quantize(w, 32, 4, "nonsense"), std::invalid_argument);
  EXPECT_THROW(quantize(array({1, 2}, {1, 2}), 32, 4), std::invalid_argument); // int32
  EXPECT_THROW(quantize(random_normal({64}, float32, 61), 32, 4), std::invalid_argument);
  EXPECT_THROW(quantize(random_normal({2, 96}, float32, 62), 64, 4), std::invalid_argument);
  try {
    quantize(w, 32, 7);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[quantize]", 0), 0u) << e.what();
  }

  auto q = quantize(w, 32, 4);
  auto wq = q[0], s = q[1], b = q[2];
  EXPECT_THROW(dequantize(wq, s, std::nullopt, 32, 4), std::invalid_argument);
  EXPECT_THROW(dequantize(astype(wq, int32), s, b, 32, 4), std::invalid_argument);
  EXPECT_THROW(dequantize(wq, s, b, 64, 4), std::invalid_argument); // shape vs group size
  EXPECT_THROW(dequantize(wq, s, b, 32, 8), std::invalid_argument); // shape vs bits
  EXPECT_THROW(dequantize(wq, s, b, 32, 7), std::invalid_argument); // unsupported bits
  EXPECT_THROW(dequantize(wq, s, b, 32, 4, "nvfp4"), std::invalid_argument);
  EXPECT_THROW(dequantize(wq, s, b, 32, 4, "affine", int32), std::invalid_argument);
  EXPECT_THROW(dequantize(wq, astype(s, int32), astype(b, int32), 32, 4), std::invalid_argument);
  EXPECT_THROW(dequantize(wq, slice(s, {0, 0}, {3, 2}), b, 32, 4), std::invalid_argument);
  EXPECT_THROW(dequantize(reshape(wq, {32}), reshape(s, {8}), reshape(b, {8}), 32, 4),
               std::invalid_argument);

  auto x = random_normal({2, 64}, float32, 63);
  EXPECT_THROW(quantized_matmul(x, wq, s, std::nullopt, true, 32, 4), std::invalid_argument);
  EXPECT_THROW(quantized_matmul(random_normal({2, 32}, float32, 64), wq, s, b, true, 32, 4),
               std::invalid_argument);
  EXPECT_THROW(quantized_matmul(x, wq, s, b, false, 32, 4), std::invalid_argument); // 4 != 64
  EXPECT_THROW(quantized_matmul(x, wq, s, b, true, 64, 4), std::invalid_argument);
  EXPECT_THROW(quantized_matmul(astype(x, float64), wq, s, b, true, 32, 4), std::invalid_argument);
  EXPECT_THROW(quantized_matmul(array({1, 2}, {1, 2}), wq, s, b, true, 32, 4),
               std::invalid_argument); // int32 x promotes with float32 scales: fine dtype,
                                       // but the inner size 2 does not match 64
  EXPECT_THROW(quantized_matmul(x, wq, s, b, true, 32, 4, "mxfp8"), std::invalid_argument);
  EXPECT_THROW(quantized_matmul(array(1.0f), wq, s, b), std::invalid_argument);

  auto x3 = random_normal({2, 1, 64}, float32, 65);
  auto w3 = quantize(random_normal({3, 8, 64}, float32, 66), 32, 4);
  auto idx = array({0, 1}, uint32);
  EXPECT_THROW(gather_qmm(x3, w3[0], w3[1], w3[2], std::nullopt, astype(idx, float32), true, 32, 4),
               std::invalid_argument);
  EXPECT_THROW(gather_qmm(random_normal({64}, float32, 67), w3[0], w3[1], w3[2], std::nullopt, idx,
                          true, 32, 4),
               std::invalid_argument);
  EXPECT_THROW(gather_qmm(x3, w3[0], w3[1], std::nullopt, std::nullopt, idx, true, 32, 4),
               std::invalid_argument);
  // Out-of-range expert indices fail at evaluation instead of reading past the weights.
  auto bad = gather_qmm(x3, w3[0], w3[1], w3[2], std::nullopt, array({0, 3}, uint32), true, 32, 4);
  EXPECT_THROW(bad.eval(), std::out_of_range);
}
