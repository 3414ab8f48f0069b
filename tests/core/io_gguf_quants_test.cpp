// GGUF quantized tensors against values computed here, element by element, from the block
// layouts of the GGUF spec (ggml-common.h) - independently of the library's block loops.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "mlx/mlx.h"

#include "io_test_util.h"

using namespace mlx::core;
using namespace io_test;

namespace {

float half_at(const uint8_t* p) {
  uint16_t bits;
  std::memcpy(&bits, p, 2);
  return float16_t::from_bits(bits);
}

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// Bit-identical, except that zeros compare equal whatever their sign: ggml's (q - 8) * d gives
// -0.0 for q = 8 and a negative d, where the affine q * d + (-8 d) gives +0.0.
::testing::AssertionResult same_value(float got, float want) {
  if (bits_of(got) == bits_of(want) || (got == 0.0f && want == 0.0f)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << got << " (0x" << std::hex << bits_of(got) << ") vs "
                                       << want << " (0x" << bits_of(want) << ")";
}

// One element of a block: its value as ggml's dequantize_row_* computes it, in float32.
using Reference = std::function<float(const uint8_t* block, int e)>;

// 32-element types.
float q4_0(const uint8_t* b, int e) {
  int nibble = e < 16 ? b[2 + e] & 15 : b[2 + e - 16] >> 4;
  return static_cast<float>(nibble - 8) * half_at(b);
}
float q4_1(const uint8_t* b, int e) {
  int nibble = e < 16 ? b[4 + e] & 15 : b[4 + e - 16] >> 4;
  return static_cast<float>(nibble) * half_at(b) + half_at(b + 2);
}
int q5_value(const uint8_t* qh_bytes, const uint8_t* qs, int e) {
  uint32_t qh = qh_bytes[0] | qh_bytes[1] << 8 | qh_bytes[2] << 16 | uint32_t(qh_bytes[3]) << 24;
  int nibble = e < 16 ? qs[e] & 15 : qs[e - 16] >> 4;
  return nibble | static_cast<int>((qh >> e) & 1) << 4;
}
float q5_0(const uint8_t* b, int e) {
  return static_cast<float>(q5_value(b + 2, b + 6, e) - 16) * half_at(b);
}
float q5_1(const uint8_t* b, int e) {
  return static_cast<float>(q5_value(b + 4, b + 8, e)) * half_at(b) + half_at(b + 2);
}
float q8_0(const uint8_t* b, int e) {
  return static_cast<float>(static_cast<int8_t>(b[2 + e])) * half_at(b);
}

// 256-element K-quants.
float q2_k(const uint8_t* b, int e) {
  int half = e / 128, r = e % 128, shift = 2 * (r / 32), part = (r % 32) / 16, l = r % 16;
  int q = (b[16 + half * 32 + part * 16 + l] >> shift) & 3;
  int sc = b[e / 16];
  float dl = half_at(b + 80) * static_cast<float>(sc & 15);
  float ml = half_at(b + 82) * static_cast<float>(sc >> 4);
  return dl * static_cast<float>(q) - ml;
}
int q3_k_scale(const uint8_t* s, int k) {
  int low = (k < 8 ? s[k] : s[k - 8] >> 4) & 15;
  int high = (s[8 + k % 4] >> (2 * (k / 4))) & 3;
  return (low | high << 4) - 32;
}
float q3_k(const uint8_t* b, int e) {
  int half = e / 128, r = e % 128, j = r / 32, idx = r % 32;
  int low = (b[32 + half * 32 + idx] >> (2 * j)) & 3;
  bool high = (b[idx] >> (half * 4 + j)) & 1;
  int q = low - (high ? 0 : 4);
  float dl = half_at(b + 108) * static_cast<float>(q3_k_scale(b + 96, e / 16));
  return dl * static_cast<float>(q);
}
void k4_scale_min(const uint8_t* s, int j, int& sc, int& m) {
  if (j < 4) {
    sc = s[j] & 63;
    m = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 15) | (s[j - 4] >> 6) << 4;
    m = (s[j + 4] >> 4) | (s[j] >> 6) << 4;
  }
}
float q4_k(const uint8_t* b, int e) {
  int chunk = e / 64, upper = (e % 64) / 32, l = e % 32;
  int byte = b[16 + chunk * 32 + l];
  int q = upper ? byte >> 4 : byte & 15;
  int sc, m;
  k4_scale_min(b + 4, e / 32, sc, m);
  return (half_at(b) * static_cast<float>(sc)) * static_cast<float>(q) -
         half_at(b + 2) * static_cast<float>(m);
}
float q5_k(const uint8_t* b, int e) {
  int chunk = e / 64, upper = (e % 64) / 32, l = e % 32;
  int byte = b[48 + chunk * 32 + l];
  int q = (upper ? byte >> 4 : byte & 15) + 16 * ((b[16 + l] >> (2 * chunk + upper)) & 1);
  int sc, m;
  k4_scale_min(b + 4, e / 32, sc, m);
  return (half_at(b) * static_cast<float>(sc)) * static_cast<float>(q) -
         half_at(b + 2) * static_cast<float>(m);
}
float q6_k(const uint8_t* b, int e) {
  int half = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
  int byte = b[half * 64 + l + 32 * (quarter & 1)];
  int low = quarter < 2 ? byte & 15 : byte >> 4;
  int high = (b[128 + half * 32 + l] >> (2 * quarter)) & 3;
  int q = (low | high << 4) - 32;
  auto scale = static_cast<int8_t>(b[192 + e / 16]);
  return (half_at(b + 208) * static_cast<float>(scale)) * static_cast<float>(q);
}

struct QuantType {
  const char* name;
  uint32_t id;
  int block_size;
  int block_bytes;
  std::vector<int> half_offsets; // where the block's float16 scales sit
  Reference reference;
  int bits; // MLX bits of the exact affine form, or 0 when it loads dequantized
};

const std::vector<QuantType> quant_types = {
    {"Q4_0", 2, 32, 18, {0}, q4_0, 4},       {"Q4_1", 3, 32, 20, {0, 2}, q4_1, 4},
    {"Q5_0", 6, 32, 22, {0}, q5_0, 5},       {"Q5_1", 7, 32, 24, {0, 2}, q5_1, 5},
    {"Q8_0", 8, 32, 34, {0}, q8_0, 8},       {"Q2_K", 10, 256, 84, {80, 82}, q2_k, 0},
    {"Q3_K", 11, 256, 110, {108}, q3_k, 0},  {"Q4_K", 12, 256, 144, {0, 2}, q4_k, 0},
    {"Q5_K", 13, 256, 176, {0, 2}, q5_k, 0}, {"Q6_K", 14, 256, 210, {208}, q6_k, 0},
};

// Random blocks whose float16 scales are finite: normal values of both signs, plus a subnormal
// and a zero now and then.
Bytes random_blocks(const QuantType& t, int n_blocks, std::mt19937& rng) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(-2.0f, 2.0f);
  Bytes out(static_cast<size_t>(n_blocks) * t.block_bytes, '\0');
  for (auto& c : out) {
    c = static_cast<char>(byte(rng));
  }
  for (int b = 0; b < n_blocks; ++b) {
    for (int offset : t.half_offsets) {
      float value = b % 7 == 3 ? 3e-6f : (b % 11 == 5 ? 0.0f : scale(rng));
      uint16_t bits = float16_t(value).bits_;
      std::memcpy(out.data() + b * t.block_bytes + offset, &bits, 2);
    }
  }
  return out;
}

// The value of element e of an affine triple (weight packed low bits first), in float32.
float affine_value(const array& w, const array& scales, const array& biases, int bits, size_t row,
                   int e) {
  size_t words_per_row = w.shape(-1);
  const auto* words = w.data<uint32_t>() + row * words_per_row;
  uint64_t bit = static_cast<uint64_t>(e) * bits;
  uint64_t pair = words[bit / 32];
  if (bit / 32 + 1 < words_per_row) {
    pair |= static_cast<uint64_t>(words[bit / 32 + 1]) << 32;
  }
  auto q = static_cast<uint32_t>((pair >> (bit % 32)) & ((1u << bits) - 1));
  size_t group = row * scales.shape(-1) + e / 32;
  return static_cast<float>(q) * static_cast<float>(scales.data<float16_t>()[group]) +
         static_cast<float>(biases.data<float16_t>()[group]);
}

} // namespace

TEST(IoGgufQuants, EveryTypeMatchesThePerElementFormulasBitForBit) {
  TempDir dir;
  std::mt19937 rng(2024);
  for (const auto& t : quant_types) {
    SCOPED_TRACE(t.name);
    // ggml dims {row length, rows}: 3 rows of 2 blocks each.
    int rows = 3, row_length = 2 * t.block_size;
    auto data = random_blocks(t, rows * 2, rng);
    auto path = dir.file(std::string(t.name) + ".gguf");
    write_file(path,
               GgufBuilder()
                   .tensor("blk.0.w.weight", {uint64_t(row_length), uint64_t(rows)}, t.id, data)
                   .build());
    auto [arrays, _] = load_gguf(path);
    const auto* blocks = reinterpret_cast<const uint8_t*>(data.data());
    auto expected = [&](int row, int e) {
      int flat = row * row_length + e;
      return t.reference(blocks + (flat / t.block_size) * t.block_bytes, flat % t.block_size);
    };
    if (t.bits == 0) {
      ASSERT_EQ(arrays.size(), 1u);
      auto w = arrays.at("blk.0.w.weight");
      EXPECT_EQ(w.dtype(), float32);
      EXPECT_EQ(w.shape(), (Shape{rows, row_length}));
      EXPECT_EQ(w.status(), array::Status::unscheduled); // nothing decoded until used
      eval(w);
      for (int r = 0; r < rows; ++r) {
        for (int e = 0; e < row_length; ++e) {
          ASSERT_EQ(bits_of(w.data<float>()[r * row_length + e]), bits_of(expected(r, e)))
              << "row " << r << " element " << e;
        }
      }
    } else {
      ASSERT_EQ(arrays.size(), 3u);
      auto w = arrays.at("blk.0.w.weight");
      auto scales = arrays.at("blk.0.w.scales");
      auto biases = arrays.at("blk.0.w.biases");
      EXPECT_EQ(w.dtype(), uint32);
      EXPECT_EQ(w.shape(), (Shape{rows, row_length * t.bits / 32}));
      EXPECT_EQ(scales.dtype(), float16);
      EXPECT_EQ(scales.shape(), (Shape{rows, row_length / 32}));
      EXPECT_EQ(biases.shape(), scales.shape());
      EXPECT_EQ(w.status(), array::Status::unscheduled);
      eval(w); // evaluates its siblings too
      EXPECT_EQ(scales.status(), array::Status::available);
      for (int r = 0; r < rows; ++r) {
        for (int e = 0; e < row_length; ++e) {
          ASSERT_TRUE(same_value(affine_value(w, scales, biases, t.bits, r, e), expected(r, e)))
              << "row " << r << " element " << e;
        }
      }
    }
  }
}

TEST(IoGgufQuants, AffineTriplesRoundTripToIdenticalBlocks) {
  TempDir dir;
  std::mt19937 rng(99);
  for (const auto& t : quant_types) {
    if (t.bits == 0) {
      continue;
    }
    SCOPED_TRACE(t.name);
    auto data = random_blocks(t, 8, rng);
    auto path = dir.file("in.gguf");
    write_file(path, GgufBuilder().tensor("x", {64, 4}, t.id, data).build());
    auto [arrays, _] = load_gguf(path);
    // A name without ".weight" gets ".scales" and ".biases" appended as is.
    GGUFQuantized q{arrays.at("x"), arrays.at("x.scales"), arrays.at("x.biases"), 32, t.bits};
    save_gguf_quantized(dir.file("out.gguf"), {}, {{"x", q}});
    auto [tensors, __] = inspect_gguf(dir.file("out.gguf"));
    ASSERT_EQ(tensors.size(), 1u);
    EXPECT_EQ(tensors[0].type, t.name); // Q4_0 stays Q4_0, Q4_1 stays Q4_1, ...
    EXPECT_EQ(tensors[0].shape, (Shape{4, 64}));
    // The tensor is the file's last, padded to the 32-byte alignment.
    auto out = read_file(dir.file("out.gguf"));
    size_t padded = (data.size() + 31) / 32 * 32;
    EXPECT_EQ(out.substr(out.size() - padded, data.size()), data)
        << "blocks differ after a round trip";
  }
}

TEST(IoGgufQuants, AffineBiasesThatWouldOverflowFloat16AreReported) {
  TempDir dir;
  Bytes block(34, '\0');
  uint16_t big = float16_t(1000.0f).bits_; // Q8_0: bias -128 * 1000 overflows float16
  std::memcpy(block.data(), &big, 2);
  write_file(dir.file("o.gguf"), GgufBuilder().tensor("w.weight", {32}, 8, block).build());
  auto [arrays, _] = load_gguf(dir.file("o.gguf"));
  expect_error([&] { eval(arrays.at("w.weight")); },
               {"[load_gguf]", "o.gguf", "'w.weight'", "block 0", "overflows float16"});
}

TEST(IoGgufQuants, SaveQuantizedRejectsWhatGgmlCannotStoreExactly) {
  TempDir dir;
  auto w = zeros({2, 4}, uint32);
  auto s = ones({2, 1}, float16);
  auto b = zeros({2, 1}, float16);
  EXPECT_THROW(save_gguf_quantized(dir.file("a"), {}, {{"q", {w, s, b, 64, 4}}}),
               std::invalid_argument); // group size
  EXPECT_THROW(save_gguf_quantized(dir.file("a"), {}, {{"q", {w, s, b, 32, 3}}}),
               std::invalid_argument); // bits
  EXPECT_THROW(save_gguf_quantized(dir.file("a"), {}, {{"q", {w, s, b, 32, 8}}}),
               std::invalid_argument); // shapes: 4 words are 4 bits of 32 values
  EXPECT_THROW(
      save_gguf_quantized(dir.file("a"), {}, {{"q", {zeros({2, 8}, uint32), s, b, 32, 8}}}),
      std::invalid_argument); // 8 bits with bias 0 != -128 * scale
  EXPECT_THROW(save_gguf_quantized(dir.file("a"), {}, {{"q", {w, astype(s, float32), b, 32, 4}}}),
               std::invalid_argument); // scale dtype
  EXPECT_THROW(save_gguf_quantized(dir.file("a"), {{"q", array(1.0f)}}, {{"q", {w, s, b, 32, 4}}}),
               std::invalid_argument); // the same name twice
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  // 4 bits with arbitrary biases become Q4_1.
  save_gguf_quantized(dir.file("a"), {}, {{"q", {w, s, b, 32, 4}}});
  EXPECT_EQ(inspect_gguf(dir.file("a.gguf")).first.at(0).type, "Q4_1");
}
