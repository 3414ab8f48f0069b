// astype between all 14 x 14 dtype pairs against references written here, copy and contiguous.
// Float-to-integer conversions follow the x86-64 truncating instructions (checked against them
// directly on x86), and conversions to float16/bfloat16 round once to nearest even.
#include <algorithm>
#include <cstring>

#include "backend/cpu/half_convert.h"
#include "elementwise_helpers.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace mlx::core;
using namespace mlx::core::test;

namespace {

// A source element, exactly: integers as __int128, everything else as (re, im).
struct Value {
  bool is_int = false;
  __int128 i = 0;
  double re = 0;
  double im = 0;
};

std::vector<Value> exact_values(const array& a) {
  std::vector<Value> out(a.size());
  if (issubdtype(a.dtype(), integer) || a.dtype() == bool_) {
    dispatch_all_types(a.dtype(), [&](auto tag) {
      using T = tag_type_t<decltype(tag)>;
      if constexpr (std::is_integral_v<T>) {
        auto raw = read_as<T>(a);
        for (size_t k = 0; k < raw.size(); ++k) {
          out[k].is_int = true;
          out[k].i = raw[k];
        }
      }
    });
    return out;
  }
  auto values = read(a);
  for (size_t k = 0; k < values.size(); ++k) {
    out[k].re = values[k].real();
    out[k].im = values[k].imag();
  }
  return out;
}

// Truncations of the x86-64 instructions (cvttsd2si), or their documented results elsewhere.
int64_t truncate64(double x) {
#if defined(__x86_64__)
  return _mm_cvttsd_si64(_mm_set_sd(x));
#else
  return (x >= -0x1p63 && x < 0x1p63) ? static_cast<int64_t>(x) : INT64_MIN;
#endif
}
int32_t truncate32(double x) {
#if defined(__x86_64__)
  return _mm_cvttsd_si32(_mm_set_sd(x));
#else
  return (x >= -0x1p31 && x < 0x1p31) ? static_cast<int32_t>(x) : INT32_MIN;
#endif
}

// A float converted to an integer dtype the way a C cast compiles on x86-64 (gcc): through a
// 32-bit truncation for types up to 16 bits and int32, a 64-bit one for int64 and uint32, and
// for uint64 a 64-bit one shifted by 2^63 at and above 2^63.
uint64_t float_to_int_bits(double x, Dtype to) {
  switch (to) {
  case Dtype::Val::int64:
    return static_cast<uint64_t>(truncate64(x));
  case Dtype::Val::uint32:
    return static_cast<uint32_t>(truncate64(x));
  case Dtype::Val::uint64:
    if (x >= 0x1p63) {
      return static_cast<uint64_t>(truncate64(x - 0x1p63)) ^ (uint64_t{1} << 63);
    }
    return static_cast<uint64_t>(truncate64(x));
  default:
    return static_cast<uint64_t>(static_cast<int64_t>(truncate32(x)));
  }
}

// Every finite non-negative value of a 16-bit float format with its bits, ascending.
std::vector<std::pair<long double, uint16_t>> format_table(Dtype t) {
  std::vector<std::pair<long double, uint16_t>> table;
  uint16_t max_bits = t == float16 ? 0x7bff : 0x7f7f;
  for (uint32_t b = 0; b <= max_bits; ++b) {
    float f = t == float16 ? static_cast<float>(float16_t::from_bits(b))
                           : static_cast<float>(bfloat16_t::from_bits(b));
    table.emplace_back(f, static_cast<uint16_t>(b));
  }
  return table;
}

// The bits of x rounded to nearest (ties to even) in a 16-bit float format, from the table.
uint16_t round_to_format(long double x, Dtype t) {
  static const auto half_table = format_table(float16);
  static const auto bf16_table = format_table(bfloat16);
  const auto& table = t == float16 ? half_table : bf16_table;
  uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  uint16_t inf = t == float16 ? 0x7c00 : 0x7f80;
  if (std::isnan(x)) {
    return inf | 0x0200 | 0x40; // any NaN; compared as NaN
  }
  long double m = std::fabs(x);
  auto hi = std::lower_bound(table.begin(), table.end(), std::make_pair(m, uint16_t{0}),
                             [](const auto& p, const auto& q) { return p.first < q.first; });
  if (hi == table.end()) {
    // Above the largest finite value: overflows once at or past the midpoint to the next
    // power of two (the tie goes to the even "infinity").
    long double max = table.back().first;
    long double half_ulp = (max - table[table.size() - 2].first) / 2;
    return sign | (m >= max + half_ulp ? inf : table.back().second);
  }
  if (hi->first == m || hi == table.begin()) {
    return sign | hi->second;
  }
  auto lo = hi - 1;
  long double dlo = m - lo->first, dhi = hi->first - m;
  if (dlo < dhi || (dlo == dhi && (lo->second & 1) == 0)) {
    return sign | lo->second;
  }
  return sign | hi->second;
}

double format_value(uint16_t bits, Dtype t) {
  return t == float16 ? static_cast<float>(float16_t::from_bits(bits))
                      : static_cast<float>(bfloat16_t::from_bits(bits));
}

// The expected result of converting v to `to`, as a complex double (exact for every result but
// 64-bit integers, which expected_int gives).
cdouble expected_value(const Value& v, Dtype to) {
  long double x = v.is_int ? static_cast<long double>(v.i) : v.re;
  switch (to) {
  case Dtype::Val::bool_:
    return v.is_int ? (v.i != 0) : (v.re != 0 || v.im != 0 || std::isnan(v.re));
  case Dtype::Val::float16:
  case Dtype::Val::bfloat16:
    return format_value(round_to_format(x, to), to);
  case Dtype::Val::float32:
    return v.is_int ? static_cast<float>(x) : static_cast<float>(v.re);
  case Dtype::Val::float64:
    return v.is_int ? static_cast<double>(x) : v.re;
  case Dtype::Val::complex64:
    return v.is_int ? cdouble(static_cast<float>(x), 0)
                    : cdouble(static_cast<float>(v.re), static_cast<float>(v.im));
  default:
    ADD_FAILURE() << "not a float type";
    return 0;
  }
}

uint64_t expected_int(const Value& v, Dtype to) {
  uint64_t bits = v.is_int ? static_cast<uint64_t>(v.i) : float_to_int_bits(v.re, to);
  int width = size_of(to) * 8;
  return width == 64 ? bits : bits & ((uint64_t{1} << width) - 1);
}

array source_values(Dtype t) {
  std::vector<double> floats = {
      0.0,  -0.0, 0.5,   1.5,    2.5,    -2.5,  -0.7,         300.7, -129.9,   70000,
      3e9,  -3e9, 5e9,   9.3e18, 1.9e19, 1e20,  -1e20,        65504, 65519.9,  65520,
      1e-8, 6e-8, 1e-40, 3.4e38, -1.0,   255.9, 2147483647.0, NAN,   INFINITY, -INFINITY};
  if (t == bool_) {
    return array({false, true, true});
  }
  if (t == complex64) {
    std::vector<complex64_t> c = {{1.5f, 2.0f}, {0.0f, 3.0f}, {-2.5f, 0.0f},
                                  {NAN, 0.0f},  {0.0f, 0.0f}, {-1e20f, 1.0f}};
    return array(c.begin(), {static_cast<int>(c.size())}, complex64);
  }
  if (issubdtype(t, integer)) {
    std::vector<int64_t> signed_values = {0,
                                          1,
                                          -1,
                                          100,
                                          -100,
                                          127,
                                          128,
                                          255,
                                          256,
                                          65535,
                                          65536,
                                          16777217,
                                          -129,
                                          32767,
                                          -32769,
                                          2147483647,
                                          4294967295,
                                          -2147483648,
                                          (int64_t{1} << 53) + 1,
                                          INT64_MAX,
                                          INT64_MIN};
    std::vector<uint64_t> unsigned_values = {
        0, 1, 255, 65535, 4294967295, UINT64_MAX, (uint64_t{1} << 63) + 1};
    array out(0);
    dispatch_int_types(t, "", [&](auto tag) {
      using T = tag_type_t<decltype(tag)>;
      std::vector<T> v;
      auto keep = [&](auto x) {
        if (std::in_range<T>(x)) {
          v.push_back(static_cast<T>(x));
        }
      };
      std::for_each(signed_values.begin(), signed_values.end(), keep);
      std::for_each(unsigned_values.begin(), unsigned_values.end(), keep);
      out = array(v.begin(), {static_cast<int>(v.size())}, t);
    });
    return out;
  }
  // Floats: the list rounded to the source type by the same conversion under test is fine, since
  // the reference reads back whatever was stored.
  return astype(array(floats.begin(), {static_cast<int>(floats.size())}, float64), t);
}

void check_conversion(const array& src, Dtype to, const std::string& what) {
  auto values = exact_values(src);
  auto out = astype(src, to);
  ASSERT_EQ(out.dtype(), to) << what;
  ASSERT_EQ(out.shape(), src.shape()) << what;
  if (issubdtype(to, integer)) {
    dispatch_int_types(to, "", [&](auto tag) {
      using T = tag_type_t<decltype(tag)>;
      auto got = read_as<T>(out);
      for (size_t k = 0; k < values.size(); ++k) {
        auto want = static_cast<T>(expected_int(values[k], to));
        EXPECT_EQ(got[k], want) << what << " element " << k << " (" << values[k].re << ")";
      }
    });
    return;
  }
  auto got = read(out);
  for (size_t k = 0; k < values.size(); ++k) {
    auto want = expected_value(values[k], to);
    bool same = (got[k] == want) || (std::isnan(want.real()) && std::isnan(got[k].real()));
    EXPECT_TRUE(same) << what << " element " << k << ": " << got[k] << " vs " << want;
    if (to != bool_ && !std::isnan(want.real()) && want.real() == 0) {
      EXPECT_EQ(std::signbit(got[k].real()), std::signbit(want.real())) << what << " zero sign";
    }
  }
}

} // namespace

TEST(AsType, AllPairs) {
  int pairs = 0;
  for (auto from : all_dtypes()) {
    auto src = source_values(from);
    for (auto to : all_dtypes()) {
      check_conversion(src, to, name(from) + " -> " + name(to));
      ++pairs;
    }
  }
  EXPECT_EQ(pairs, 196);
}

TEST(AsType, FloatToIntegerEdgeCasesAsOnX86) {
  // Values from the x86-64 instructions, written out: NaN and out-of-range give the "integer
  // indefinite" of the truncation width, narrowed.
  auto x = array({NAN, INFINITY, -INFINITY, 300.7f, -129.9f, -1.0f, 3e9f, -3e9f, 1e20f});
  EXPECT_EQ(read_as<int8_t>(astype(x, int8)), (std::vector<int8_t>{0, 0, 0, 44, 127, -1, 0, 0, 0}));
  EXPECT_EQ(read_as<uint8_t>(astype(x, uint8)),
            (std::vector<uint8_t>{0, 0, 0, 44, 127, 255, 0, 0, 0}));
  EXPECT_EQ(read_as<int32_t>(astype(x, int32)),
            (std::vector<int32_t>{INT32_MIN, INT32_MIN, INT32_MIN, 300, -129, -1, INT32_MIN,
                                  INT32_MIN, INT32_MIN}));
  EXPECT_EQ(
      read_as<uint32_t>(astype(x, uint32)),
      (std::vector<uint32_t>{0, 0, 0, 300, 4294967167u, 4294967295u, 3000000000u, 1294967296u, 0}));
  EXPECT_EQ(read_as<int64_t>(astype(x, int64)),
            (std::vector<int64_t>{INT64_MIN, INT64_MIN, INT64_MIN, 300, -129, -1, 3000000000,
                                  -3000000000, INT64_MIN}));
  EXPECT_EQ(
      read_as<uint64_t>(astype(x, uint64)),
      (std::vector<uint64_t>{uint64_t{1} << 63, 0, uint64_t{1} << 63, 300, 18446744073709551487u,
                             UINT64_MAX, 3000000000u, 18446744070709551616u, 0}));
}

TEST(AsType, FloatToHalfRoundsToNearestEven) {
  // Exact midpoints between neighbouring halves go to the even one; just off them, to the
  // nearer; the overflow threshold is 65520.
  auto x = array({1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 1.0f + 0x1p-11f + 0x1p-20f, 65519.0f,
                  65520.0f, 0x1p-25f, 0x1p-25f + 0x1p-35f, -0x1p-26f});
  auto h = read_real(astype(x, float16));
  EXPECT_EQ(h[0], 1.0);
  EXPECT_EQ(h[1], 1.0 + 4 * 0x1p-11);
  EXPECT_EQ(h[2], 1.0 + 0x1p-10);
  EXPECT_EQ(h[3], 65504.0);
  EXPECT_TRUE(std::isinf(h[4]));
  EXPECT_EQ(h[5], 0.0);     // half of the smallest subnormal: ties to even (zero)
  EXPECT_EQ(h[6], 0x1p-24); // just above: the smallest subnormal
  EXPECT_TRUE(std::signbit(h[7]) && h[7] == 0.0);
  auto b = read_real(astype(
      array({1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, std::numeric_limits<float>::max()}), bfloat16));
  EXPECT_EQ(b[0], 1.0);
  EXPECT_EQ(b[1], 1.0 + 4 * 0x1p-8);
  EXPECT_TRUE(std::isinf(b[2]));
}

TEST(AsType, RandomFloatsToHalfTypesMatchTheReference) {
  std::mt19937 gen(7);
  std::vector<float> values(200000);
  for (auto& v : values) {
    uint32_t bits = gen();
    // Bias exponents towards the half range (subnormals to overflow).
    bits = (bits & 0x807fffffu) | ((100 + (bits >> 23) % 60) << 23);
    std::memcpy(&v, &bits, sizeof(v));
  }
  auto x = array(values.begin(), {static_cast<int>(values.size())});
  for (auto t : {float16, bfloat16}) {
    auto got = read_real(astype(x, t));
    for (size_t k = 0; k < values.size(); ++k) {
      double want = format_value(round_to_format(values[k], t), t);
      ASSERT_EQ(got[k], want) << name(t) << " of " << values[k];
    }
  }
}

#if defined(__x86_64__)
__attribute__((target("f16c"))) uint16_t hardware_half(float x) {
  return static_cast<uint16_t>(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT));
}

TEST(AsType, FloatToHalfMatchesF16cHardware) {
  if (!__builtin_cpu_supports("f16c")) {
    GTEST_SKIP() << "no F16C on this CPU";
  }
  std::mt19937 gen(11);
  std::vector<float> values(300000);
  for (auto& v : values) {
    uint32_t bits = gen();
    std::memcpy(&v, &bits, sizeof(v));
  }
  auto got = astype(array(values.begin(), {static_cast<int>(values.size())}), float16);
  eval(got);
  const auto* h = got.data<float16_t>();
  for (size_t k = 0; k < values.size(); ++k) {
    uint16_t want = hardware_half(values[k]);
    if (std::isnan(values[k])) {
      ASSERT_TRUE(std::isnan(static_cast<float>(h[k])));
    } else {
      ASSERT_EQ(h[k].bits_, want) << values[k];
    }
  }
}
#endif

TEST(AsType, WideSourcesRoundOnceToHalfTypes) {
  // Through float these would round twice: 1 + 2^-11 + 2^-40 is just above a float16 tie, and
  // 2^24 + 2^16 + 1 just above a bfloat16 tie; both must round up.
  auto d = read_real(astype(array(1.0 + 0x1p-11 + 0x1p-40, float64), float16));
  EXPECT_EQ(d[0], 1.0 + 0x1p-10);
  int64_t i = (int64_t{1} << 24) + (1 << 16) + 1;
  EXPECT_EQ(read_real(astype(array(i, int64), bfloat16))[0], 0x1p24 + 0x1p17);
  EXPECT_EQ(read_real(astype(array(static_cast<int32_t>(i), int32), bfloat16))[0], 0x1p24 + 0x1p17);
  uint64_t u = (uint64_t{1} << 60) + (uint64_t{1} << 52) + 1;
  EXPECT_EQ(read_real(astype(array(u, uint64), bfloat16))[0], 0x1p60 + 0x1p53);
  EXPECT_EQ(read_real(astype(array(-static_cast<int64_t>(u), int64), bfloat16))[0],
            -(0x1p60 + 0x1p53));
}

TEST(AsType, StridedAndBroadcastSources) {
  auto base = random_array({19, 23}, float32, -300, 300, 3);
  for (const auto& [view_name, view] : strided_views(base)) {
    for (auto to : all_dtypes()) {
      check_conversion(view, to, view_name + " float32 -> " + name(to));
    }
  }
  auto row = random_array({1, 23}, int16, -1000, 1000, 4);
  check_conversion(broadcast_to(row, {7, 23}), float16, "broadcast int16 -> float16");
  check_conversion(broadcast_to(array(2.5f), {4, 5}), int8, "broadcast scalar");
  auto big = random_array({300, 700}, bfloat16, -100, 100, 5); // spans several tasks
  check_conversion(transpose(big), float32, "large transposed bfloat16 -> float32");
  check_conversion(big, int32, "large bfloat16 -> int32");
}

TEST(AsType, SameDtypeIsTheInputAndEmptyArraysConvert) {
  auto a = array({1, 2, 3});
  EXPECT_EQ(astype(a, int32).id(), a.id());
  auto empty = astype(zeros({0, 3}, float32), int8);
  EXPECT_EQ(empty.shape(), (Shape{0, 3}));
  EXPECT_EQ(read(empty).size(), 0u);
}

TEST(Copy, CopiesIntoANewBuffer) {
  auto a = random_array({5, 7}, float32, -1, 1, 8);
  eval(a);
  auto c = copy(a);
  eval(c);
  EXPECT_NE(c.data<float>(), a.data<float>());
  EXPECT_EQ(read(c), read(a));
  EXPECT_EQ(c.dtype(), a.dtype());
  auto t = copy(transpose(a));
  EXPECT_EQ(read(t), read(transpose(a)));
  EXPECT_EQ(t.shape(), (Shape{7, 5}));
}

TEST(Contiguous, MakesRowMajorCopiesOnlyWhenNeeded) {
  auto a = random_array({6, 9}, int16, -50, 50, 9);
  eval(a);
  auto same = contiguous(a);
  eval(same);
  EXPECT_EQ(same.data<int16_t>(), a.data<int16_t>()); // already row-major: shared
  auto t = contiguous(transpose(a));
  eval(t);
  EXPECT_TRUE(t.flags().row_contiguous);
  EXPECT_EQ(read(t), read(transpose(a)));
  auto col = contiguous(transpose(a), /* allow_col_major */ true);
  eval(col);
  EXPECT_TRUE(col.flags().col_contiguous);
  EXPECT_EQ(col.data<int16_t>(), a.data<int16_t>());
  auto b = contiguous(broadcast_to(array({1.5f, 2.5f}), {3, 2}));
  eval(b);
  EXPECT_TRUE(b.flags().row_contiguous);
  EXPECT_EQ(b.data_size(), 6u);
  EXPECT_EQ(read_real(b), (std::vector<double>{1.5, 2.5, 1.5, 2.5, 1.5, 2.5}));
}

TEST(HalfConvert, BulkConversionsMatchTheScalarTypes) {
  // Every 16-bit pattern to float, and back, at an odd offset and length (vector bodies and
  // scalar tails); random floats (NaN, infinities and subnormals included) to both half types.
  std::vector<uint16_t> patterns(65536 + 3);
  for (size_t i = 0; i < patterns.size(); ++i) {
    patterns[i] = static_cast<uint16_t>(i * 40503u);
  }
  std::mt19937 gen(3);
  std::vector<float> floats(100003);
  for (auto& f : floats) {
    uint32_t bits = gen();
    std::memcpy(&f, &bits, sizeof(f));
  }
  auto same = [](float a, float b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
  auto check = [&](auto tag) {
    using H = decltype(tag);
    std::vector<H> halves(patterns.size());
    std::memcpy(halves.data(), patterns.data(), patterns.size() * sizeof(uint16_t));
    std::vector<float> wide(halves.size());
    cpu::to_float(halves.data() + 1, wide.data() + 1, halves.size() - 2);
    for (size_t i = 1; i + 1 < halves.size(); ++i) {
      ASSERT_TRUE(same(wide[i], static_cast<float>(halves[i]))) << patterns[i];
    }
    std::vector<H> narrow(floats.size());
    cpu::from_float(floats.data() + 1, narrow.data() + 1, floats.size() - 1);
    for (size_t i = 1; i < floats.size(); ++i) {
      H want(floats[i]);
      if (std::isnan(floats[i])) {
        ASSERT_TRUE(std::isnan(static_cast<float>(narrow[i])));
      } else {
        ASSERT_EQ(narrow[i].bits_, want.bits_) << floats[i];
      }
    }
  };
  check(float16_t{});
  check(bfloat16_t{});
}

TEST(HalfConvert, HalfArraysComputeThroughBlocks) {
  // Strided, broadcast and flat layouts of half inputs give the same values as float32 math
  // rounded once.
  for (auto t : {float16, bfloat16}) {
    auto a = random_array({37, 1029}, t, -4, 4, 12);
    auto b = random_array({1029}, t, -4, 4, 13);
    for (const auto& [what, x] :
         std::vector<std::pair<std::string, array>>{{"flat", a},
                                                    {"transposed", transpose(transpose(a))},
                                                    {"sliced", slice(a, {0, 1}, {37, 1029})}}) {
      auto y = broadcast_to(slice(b, {what == "sliced" ? 1 : 0}, {1029}), x.shape());
      auto got = read_real(x * y + x);
      auto vx = read_real(x), vy = read_real(y);
      for (size_t i = 0; i < got.size(); ++i) {
        float p = static_cast<float>(vx[i] * vy[i]);
        double prod =
            t == float16 ? static_cast<float>(float16_t(p)) : static_cast<float>(bfloat16_t(p));
        float s = static_cast<float>(prod + vx[i]);
        double want =
            t == float16 ? static_cast<float>(float16_t(s)) : static_cast<float>(bfloat16_t(s));
        ASSERT_EQ(got[i], want) << name(t) << " " << what << " element " << i;
      }
      auto f32 = read_real(astype(x, float32));
      EXPECT_EQ(f32, vx) << what;
    }
  }
}
