// GGUF files that are damaged or hostile: each gives a std::runtime_error naming the file and
// the problem, before anything is allocated for what the file merely claims.
#include <gtest/gtest.h>

#include "mlx/mlx.h"

#include "io_test_util.h"

using namespace mlx::core;
using namespace io_test;

namespace {

constexpr uint32_t t_u32 = 4, t_bool = 7, t_string = 8, t_array = 9;

class GgufHostile : public ::testing::Test {
protected:
  void expect_rejected(const Bytes& bytes, const std::string& what) {
    auto path = dir_.file("bad.gguf");
    write_file(path, bytes);
    clear_cache();
    reset_peak_memory();
    auto before = get_active_memory();
    expect_error([&] { load_gguf(path); }, {"[load_gguf]", path, what});
    expect_error([&] { inspect_gguf(path); }, {"[inspect_gguf]", path, what});
    EXPECT_LE(get_peak_memory(), before + 4096) << "allocated for a rejected file";
  }
  Bytes u32(uint32_t v) {
    Bytes b;
    put<uint32_t>(b, v);
    return b;
  }
  TempDir dir_;
};

} // namespace

TEST_F(GgufHostile, TruncatedHeaders) {
  expect_rejected("", "too short");
  expect_rejected("GGUF\x03\0\0\0", "too short");
  auto good = GgufBuilder()
                  .kv("general.name", t_string, GgufBuilder::string_value("model"))
                  .tensor("w", {4}, 0, Bytes(16, '\1'))
                  .build();
  // Cut anywhere inside the metadata or tensor infos, the file is rejected: as truncated, or
  // because the counts in its header no longer fit what is left.
  for (size_t cut = 24; cut < 90; cut += 5) {
    auto path = dir_.file("cut.gguf");
    write_file(path, good.substr(0, cut));
    try {
      load_gguf(path);
      ADD_FAILURE() << "accepted a file cut at byte " << cut;
    } catch (const std::runtime_error& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(path), std::string::npos) << what;
      EXPECT_TRUE(what.find("truncated") != std::string::npos ||
                  what.find("cannot fit") != std::string::npos)
          << what;
    }
  }
  // Cut inside the data, the tensor lies outside the file.
  expect_rejected(good.substr(0, good.size() - 1), "lies outside the file");
}

TEST_F(GgufHostile, BadMagicAndVersions) {
  expect_rejected(Bytes("GGML") + Bytes(20, '\0'), "bad magic");
  Bytes v1 = "GGUF" + u32(1) + Bytes(16, '\0');
  expect_rejected(v1, "version 1 is not supported");
  Bytes big_endian = "GGUF" + u32(0x03000000) + Bytes(16, '\0');
  expect_rejected(big_endian, "big-endian");
  expect_rejected("GGUF" + u32(4) + Bytes(16, '\0'), "unsupported GGUF version 4");
}

TEST_F(GgufHostile, AbsurdCounts) {
  expect_rejected(GgufBuilder().counts(uint64_t{1} << 60, 0).build(), "tensor count");
  expect_rejected(GgufBuilder().counts(0, ~uint64_t{0}).build(), "metadata count");
  expect_rejected(GgufBuilder().counts(3, 0).tensor("a", {1}, 0, Bytes(4, 0)).build(),
                  "tensor count 3 cannot fit");
}

TEST_F(GgufHostile, AbsurdStringAndArrayLengths) {
  Bytes key = "GGUF" + u32(3);
  put<uint64_t>(key, 0);
  put<uint64_t>(key, 1);
  put<uint64_t>(key, ~uint64_t{0}); // a key "longer" than the file
  expect_rejected(key + Bytes(16, 'k'), "truncated");
  Bytes huge_string;
  put<uint64_t>(huge_string, uint64_t{1} << 40);
  expect_rejected(GgufBuilder().kv("s", t_string, huge_string).build(), "truncated");
  Bytes huge_array = u32(t_u32);
  put<uint64_t>(huge_array, uint64_t{1} << 62); // overflows when multiplied by 4
  expect_rejected(GgufBuilder().kv("a", t_array, huge_array).build(), "truncated");
  Bytes many_strings = u32(t_string);
  put<uint64_t>(many_strings, uint64_t{1} << 50);
  expect_rejected(GgufBuilder().kv("a", t_array, many_strings).build(), "claims");
}

TEST_F(GgufHostile, BadMetadataValues) {
  expect_rejected(GgufBuilder().kv("k", 13, u32(0)).build(), "unknown value type 13");
  Bytes unknown_elements = u32(99);
  put<uint64_t>(unknown_elements, 1);
  expect_rejected(GgufBuilder().kv("k", t_array, unknown_elements + u32(0)).build(),
                  "unknown array type 99");
  Bytes nested = u32(t_array);
  put<uint64_t>(nested, 1);
  expect_rejected(GgufBuilder().kv("k", t_array, nested + u32(t_u32) + Bytes(12, 0)).build(),
                  "nested array");
  expect_rejected(GgufBuilder().kv("k", t_bool, "\x02").build(), "invalid boolean");
  expect_rejected(GgufBuilder().kv("k\xff", t_bool, "\x01").build(), "not valid UTF-8");
  expect_rejected(GgufBuilder().kv("k", t_bool, "\x01").kv("k", t_bool, "\x00").build(),
                  "duplicate metadata key 'k'");
  expect_rejected(GgufBuilder().kv("general.alignment", t_u32, u32(48)).build(), "power of two");
  expect_rejected(
      GgufBuilder().kv("general.alignment", t_string, GgufBuilder::string_value("32")).build(),
      "power of two");
}

TEST_F(GgufHostile, BadTensorInfos) {
  expect_rejected(GgufBuilder().tensor("w", {1, 1, 1, 1, 1}, 0, Bytes(4, 0)).build(),
                  "5 dimensions");
  expect_rejected(GgufBuilder().tensor("w", {4}, 77, Bytes(16, 0)).build(), "unknown ggml type 77");
  expect_rejected(GgufBuilder().tensor("w", {4}, 4, Bytes(16, 0)).build(), "unknown ggml type 4");
  expect_rejected(GgufBuilder().tensor("w", {48}, 2, Bytes(27, 0)).build(),
                  "not a multiple of the Q4_0 block size 32");
  expect_rejected(GgufBuilder().tensor("w", {uint64_t{1} << 31}, 0, Bytes(4, 0)).build(),
                  "exceeds 2^31 - 1");
  expect_rejected(
      GgufBuilder().tensor("w", {1u << 30, 1u << 30, 1u << 30, 1u << 30}, 0, Bytes(4, 0)).build(),
      "overflows");
  // Found by fuzz_gguf: empty, but the other dimensions multiply past int64.
  expect_rejected(
      GgufBuilder().tensor("w", {1u << 30, 1u << 30, 1u << 30, 0}, 0, Bytes(4, 0)).build(),
      "overflows");
  expect_rejected(GgufBuilder().tensor("w\xc3", {1}, 0, Bytes(4, 0)).build(), "not valid UTF-8");
  expect_rejected(
      GgufBuilder().tensor("w", {1}, 0, Bytes(4, 0)).tensor("w", {1}, 0, Bytes(4, 0)).build(),
      "duplicate tensor 'w'");
}

TEST_F(GgufHostile, OffsetsOutsideTheDataOrOverlapping) {
  expect_rejected(GgufBuilder().tensor("w", {4}, 0, Bytes(16, 0), 8).raw_data(Bytes(32, 0)).build(),
                  "not a multiple of the alignment 32");
  expect_rejected(GgufBuilder().tensor("w", {4}, 0, Bytes(16, 0), 1024).build(),
                  "lies outside the file");
  expect_rejected(GgufBuilder().tensor("w", {4}, 0, Bytes(16, 0), 0xffffffffffffffe0ull).build(),
                  "lies outside the file");
  expect_rejected(GgufBuilder()
                      .tensor("a", {16}, 0, Bytes(64, 0), 0)
                      .tensor("b", {4}, 0, Bytes(16, 0), 32)
                      .raw_data(Bytes(64, 0))
                      .build(),
                  "tensors 'a' and 'b' overlap");
}

TEST_F(GgufHostile, QuantizedNamesThatClash) {
  // "w.weight" (Q8_0) loads its scales as "w.scales", which another tensor already is.
  auto path = dir_.file("clash.gguf");
  write_file(path, GgufBuilder()
                       .tensor("w.scales", {1}, 0, Bytes(4, 0))
                       .tensor("w.weight", {32}, 8, Bytes(34, 0))
                       .build());
  expect_error([&] { load_gguf(path); }, {"[load_gguf]", path, "two tensors load as 'w.scales'"});
  EXPECT_EQ(inspect_gguf(path).first.size(), 2u); // the file itself is well-formed
}
