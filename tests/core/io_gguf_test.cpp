// GGUF: round trips of the plain tensor types and of every metadata value type, hand-written
// files, lazy loading and inspection.
#include <gtest/gtest.h>

#include <random>

#include "mlx/mlx.h"

#include "io_test_util.h"

using namespace mlx::core;
using namespace io_test;

TEST(IoGguf, RoundTripsThePlainTensorTypes) {
  TempDir dir;
  std::mt19937 rng(5);
  std::unordered_map<std::string, array> arrays;
  for (auto dtype : {float32, float16, bfloat16, float64, int8, int16, int32, int64}) {
    auto name = std::string(dtype_to_string(dtype));
    arrays.emplace(name + ".weight", random_array({3, 5}, dtype, rng));
    arrays.emplace(name + ".vector", random_array({7}, dtype, rng));
    arrays.emplace(name + ".4d", random_array({2, 1, 3, 2}, dtype, rng));
  }
  arrays.emplace("scalar", array(3.5f));
  arrays.emplace("transposed", transpose(reshape(astype(arange(6), float32), {2, 3})));
  save_gguf(dir.file("t"), arrays);
  auto [loaded, metadata] = load_gguf(dir.file("t.gguf"));
  EXPECT_TRUE(metadata.empty());
  ASSERT_EQ(loaded.size(), arrays.size());
  for (const auto& [name, a] : arrays) {
    EXPECT_TRUE(same_bits(loaded.at(name), a)) << name;
  }
  // Plain tensors view the file: available at once, nothing allocated.
  EXPECT_EQ(loaded.at("float32.weight").status(), array::Status::available);
}

TEST(IoGguf, RoundTripsEveryMetadataType) {
  TempDir dir;
  std::unordered_map<std::string, GGUFMetaData> metadata = {
      {"general.name", std::string("tiny ü")},
      {"tokenizer.ggml.tokens", std::vector<std::string>{"<s>", "", "héllo"}},
      {"empty.strings", std::vector<std::string>{}},
      {"b", array(true)},
      {"u8", array(uint8_t{200})},
      {"i8", array(int8_t{-100})},
      {"u16", array(uint16_t{60000})},
      {"i16", array(int16_t{-30000})},
      {"u32", array(uint32_t{4000000000u})},
      {"i32", array(int32_t{-2000000000})},
      {"u64", array(uint64_t{1} << 60)},
      {"i64", array(-(int64_t{1} << 60))},
      {"f32", array(0.25f)},
      {"f64", array(0.1, float64)},
      {"list.i32", array({1, -2, 3})},
      {"list.f32", array({0.5f, 1.5f})},
      {"list.bool", array({true, false, true})},
      {"list.u8", array({uint8_t{1}, uint8_t{255}}, uint8)},
      {"list.empty", array({}, int64)},
      {"list.f64", array({1.5, -2.25}, float64)},
  };
  save_gguf(dir.file("m.gguf"), {{"w", zeros({2}, float32)}}, metadata);
  auto [_, loaded] = load_gguf(dir.file("m.gguf"));
  ASSERT_EQ(loaded.size(), metadata.size());
  for (const auto& [key, value] : metadata) {
    SCOPED_TRACE(key);
    const auto& got = loaded.at(key);
    ASSERT_EQ(got.index(), value.index());
    if (auto s = std::get_if<std::string>(&value)) {
      EXPECT_EQ(std::get<std::string>(got), *s);
    } else if (auto list = std::get_if<std::vector<std::string>>(&value)) {
      EXPECT_EQ(std::get<std::vector<std::string>>(got), *list);
    } else {
      auto want = std::get<array>(value);
      // float64 loads as float32, as in MLX.
      if (want.dtype() == float64) {
        want = astype(want, float32);
      }
      EXPECT_TRUE(same_bits(std::get<array>(got), want));
    }
  }
  EXPECT_EQ(std::get<array>(loaded.at("f64")).item<float>(), 0.1f);
}

TEST(IoGguf, LoadsAHandWrittenFile) {
  TempDir dir;
  Bytes f32, f16;
  for (float v : {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}) {
    put<float>(f32, v);
  }
  put<uint16_t>(f16, 0x3c00);
  put<uint16_t>(f16, 0xbc00);
  Bytes tokens;
  put<uint32_t>(tokens, 8); // array of strings
  put<uint64_t>(tokens, 2);
  GgufBuilder::string(tokens, "a");
  GgufBuilder::string(tokens, "bc");
  Bytes alignment;
  put<uint32_t>(alignment, 64);
  write_file(dir.file("h.gguf"),
             GgufBuilder(2)
                 .kv("general.architecture", 8, GgufBuilder::string_value("llama"))
                 .kv("general.alignment", 4, alignment)
                 .kv("tokenizer.ggml.tokens", 9, tokens)
                 .tensor("w", {3, 2}, 0, f32, 0) // ggml dims {3, 2}: 2 rows of 3
                 .tensor("h", {2}, 1, f16, 64)
                 .raw_data(f32 + Bytes(64 - f32.size(), '\0') + f16)
                 .build(64));
  auto [arrays, metadata] = load_gguf(dir.file("h.gguf"));
  EXPECT_EQ(std::get<std::string>(metadata.at("general.architecture")), "llama");
  EXPECT_EQ(std::get<array>(metadata.at("general.alignment")).item<uint32_t>(), 64u);
  EXPECT_EQ(std::get<std::vector<std::string>>(metadata.at("tokenizer.ggml.tokens")),
            (std::vector<std::string>{"a", "bc"}));
  EXPECT_TRUE(array_equal(arrays.at("w"), array({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}, {2, 3}))
                  .item<bool>());
  EXPECT_TRUE(array_equal(arrays.at("h"), array({1.0f, -1.0f}, float16)).item<bool>());
}

TEST(IoGguf, InspectListsStoredTypesWithoutLoading) {
  TempDir dir;
  Bytes iq(66, '\0'); // one IQ2_XXS block: listed, though it cannot be loaded
  write_file(dir.file("i.gguf"), GgufBuilder()
                                     .kv("general.name", 8, GgufBuilder::string_value("x"))
                                     .tensor("iq", {256}, 16, iq)
                                     .tensor("q", {32, 2}, 2, Bytes(36, '\0'))
                                     .build());
  auto [tensors, metadata] = inspect_gguf(dir.file("i.gguf"));
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors[0].name, "iq");
  EXPECT_EQ(tensors[0].type, "IQ2_XXS");
  EXPECT_EQ(tensors[0].nbytes, 66u);
  EXPECT_EQ(tensors[1].type, "Q4_0");
  EXPECT_EQ(tensors[1].shape, (Shape{2, 32}));
  EXPECT_EQ(std::get<std::string>(metadata.at("general.name")), "x");
  expect_error([&] { load_gguf(dir.file("i.gguf")); },
               {"[load_gguf]", "i.gguf", "'iq'", "IQ2_XXS", "cannot be loaded"});
}

TEST(IoGguf, SaveRejectsBadArguments) {
  TempDir dir;
  EXPECT_THROW(save_gguf(dir.file("a"), {{"w", array({1u, 2u}, uint32)}}), std::invalid_argument);
  EXPECT_THROW(save_gguf(dir.file("a"), {{"w", zeros({1, 1, 1, 1, 1})}}), std::invalid_argument);
  EXPECT_THROW(save_gguf(dir.file("a"), {}, {{"k", zeros({2, 2})}}), std::invalid_argument);
  EXPECT_THROW(save_gguf(dir.file("a"), {}, {{"k", array(1.0f, float16)}}), std::invalid_argument);
  EXPECT_THROW(save_gguf(dir.file("a"), {}, {{"k", GGUFMetaData{}}}), std::invalid_argument);
  EXPECT_THROW(save_gguf(dir.file("a"), {}, {{"general.alignment", array(3u, uint32)}}),
               std::invalid_argument);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(IoGguf, HonoursACustomAlignment) {
  TempDir dir;
  save_gguf(dir.file("a.gguf"), {{"a", array({1.0f})}, {"b", array({2.0f, 3.0f})}},
            {{"general.alignment", array(256u, uint32)}});
  auto bytes = read_file(dir.file("a.gguf"));
  EXPECT_EQ(bytes.size() % 256, 0u);
  auto [arrays, _] = load_gguf(dir.file("a.gguf"));
  EXPECT_TRUE(array_equal(arrays.at("b"), array({2.0f, 3.0f})).item<bool>());
}
