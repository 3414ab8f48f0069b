// Safetensors: round trips of every dtype, metadata, zero-copy and lazy loading, the
// copy-on-write guarantee, streams, and files written by hand from the spec.
#include <gtest/gtest.h>

#include <random>

#include "mlx/mlx.h"

#include "io_test_util.h"

using namespace mlx::core;
using namespace io_test;

namespace {

const std::vector<Dtype> all_dtypes = {bool_,   uint8,   uint16,   uint32,   uint64,
                                       int8,    int16,   int32,    int64,    float16,
                                       float32, float64, bfloat16, complex64};

// A safetensors file assembled by hand: header JSON, then data.
Bytes safetensors_file(const std::string& json, const Bytes& data) {
  Bytes out;
  put<uint64_t>(out, json.size());
  return out + json + data;
}

} // namespace

TEST(IoSafetensors, RoundTripsEveryDtypeAndShape) {
  TempDir dir;
  std::mt19937 rng(7);
  std::unordered_map<std::string, array> arrays;
  for (auto dtype : all_dtypes) {
    auto name = std::string(dtype_to_string(dtype));
    arrays.emplace(name + ".matrix", random_array({3, 5}, dtype, rng));
    arrays.emplace(name + ".scalar", random_array({}, dtype, rng));
    arrays.emplace(name + ".empty", random_array({0, 4}, dtype, rng));
    arrays.emplace(name + ".odd", random_array({2, 3, 7}, dtype, rng));
  }
  save_safetensors(dir.file("all.safetensors"), arrays, {{"format", "mlx"}, {"note", "ünïcode"}});
  auto [loaded, metadata] = load_safetensors(dir.file("all.safetensors"));
  ASSERT_EQ(loaded.size(), arrays.size());
  for (const auto& [name, a] : arrays) {
    ASSERT_TRUE(loaded.count(name)) << name;
    EXPECT_TRUE(same_bits(loaded.at(name), a)) << name;
  }
  EXPECT_EQ(metadata.size(), 2u);
  EXPECT_EQ(metadata.at("note"), "ünïcode");
}

TEST(IoSafetensors, SavesNonContiguousArraysInRowMajorOrder) {
  TempDir dir;
  auto a = reshape(arange(12, int32), {3, 4});
  auto t = transpose(a);
  auto s = slice(a, {0, 3}, {3, -1}, {1, -2}); // reversed columns
  save_safetensors(dir.file("v"), {{"t", t}, {"s", s}, {"b", broadcast_to(array(5), {2, 2})}});
  auto [loaded, _] = load_safetensors(dir.file("v.safetensors")); // extension was appended
  EXPECT_TRUE(same_bits(loaded.at("t"), contiguous(t)));
  EXPECT_TRUE(same_bits(loaded.at("s"), contiguous(s)));
  EXPECT_TRUE(same_bits(loaded.at("b"), full({2, 2}, 5)));
}

TEST(IoSafetensors, WriterAlignsTensorsAndPadsTheHeader) {
  TempDir dir;
  save_safetensors(dir.file("a.safetensors"),
                   {{"byte", array({uint8_t{1}, uint8_t{2}, uint8_t{3}}, uint8)},
                    {"double", array({1.0, 2.0}, float64)},
                    {"half", array({1.0f}, float16)}});
  auto bytes = read_file(dir.file("a.safetensors"));
  uint64_t header;
  std::memcpy(&header, bytes.data(), 8);
  EXPECT_EQ(header % 8, 0u);
  // Largest elements first: the float64 data starts the (8-aligned) data section.
  double first;
  std::memcpy(&first, bytes.data() + 8 + header, 8);
  EXPECT_EQ(first, 1.0);
  EXPECT_EQ(bytes.size(), 8 + header + 16 + 2 + 3);
}

TEST(IoSafetensors, LoadsAHandWrittenFile) {
  TempDir dir;
  Bytes data;
  for (float v : {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, -1.0f}) {
    put<float>(data, v);
  }
  put<uint16_t>(data, 0x3c00); // float16 1.0
  put<uint16_t>(data, 0xc000); // float16 -2.0
  data += std::string("\x7e\x01", 2);
  write_file(dir.file("h.safetensors"),
             safetensors_file(R"({"__metadata__":{"format":"pt"},)"
                              R"("w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                              R"("h":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},)"
                              R"("f8":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[28,30]}})",
                              data));
  auto [loaded, metadata] = load_safetensors(dir.file("h.safetensors"));
  EXPECT_EQ(metadata.at("format"), "pt");
  auto w = loaded.at("w");
  EXPECT_EQ(w.shape(), (Shape{2, 3}));
  EXPECT_EQ(w.dtype(), float32);
  EXPECT_TRUE(array_equal(w, array({1.5f, -2.0f, 3.25f, 0.0f, 7.0f, -1.0f}, {2, 3})).item<bool>());
  EXPECT_TRUE(array_equal(loaded.at("h"), array({1.0f, -2.0f}, float16)).item<bool>());
  // 8-bit floats load as their raw bytes.
  EXPECT_EQ(loaded.at("f8").dtype(), uint8);
  EXPECT_EQ(loaded.at("f8").data<uint8_t>()[0], 0x7e);
  auto [tensors, _] = inspect_safetensors(dir.file("h.safetensors"));
  ASSERT_EQ(tensors.size(), 3u);
  EXPECT_EQ(tensors[2].name, "f8");
  EXPECT_EQ(tensors[2].type, "F8_E4M3");
  EXPECT_EQ(tensors[0].shape, (Shape{2, 3}));
  EXPECT_EQ(tensors[0].nbytes, 24u);
}

TEST(IoSafetensors, MisalignedTensorsGetAlignedCopies) {
  TempDir dir;
  // A 1-byte tensor first pushes the float32 one to an odd offset.
  Bytes data = "\x05";
  for (float v : {1.0f, 2.0f, 3.0f}) {
    put<float>(data, v);
  }
  auto json = std::string(R"({"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                          R"("f":{"dtype":"F32","shape":[3],"data_offsets":[1,13]}})");
  json.append((8 - json.size() % 8) % 8, ' ');
  write_file(dir.file("m.safetensors"), safetensors_file(json, data));
  auto [loaded, _] = load_safetensors(dir.file("m.safetensors"));
  auto f = loaded.at("f");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f.data<float>()) % alignof(float), 0u);
  EXPECT_TRUE(array_equal(f, array({1.0f, 2.0f, 3.0f})).item<bool>());
}

TEST(IoSafetensors, LoadingMapsInsteadOfAllocating) {
  TempDir dir;
  auto big = astype(arange(1 << 20), float32); // 4 MB
  save_safetensors(dir.file("big.safetensors"), {{"big", big}});
  clear_cache();
  auto before = get_active_memory();
  auto [loaded, _] = load_safetensors(dir.file("big.safetensors"));
  EXPECT_EQ(get_active_memory(), before); // no buffer allocated: the array views the mapping
  auto& a = loaded.at("big");
  EXPECT_EQ(a.status(), array::Status::available);
  EXPECT_EQ(a.data<float>()[12345], 12345.0f);
}

TEST(IoSafetensors, WritesToLoadedArraysNeverReachTheFile) {
  TempDir dir;
  auto path = dir.file("w.safetensors");
  save_safetensors(path, {{"x", array({1.0f, 2.0f, 3.0f, 4.0f})}});
  auto original = read_file(path);
  {
    // The loaded array is a temporary: when the op runs, its graph input is the only reference,
    // so the engine donates the buffer (the file's mapped page) to the result and writes there.
    auto y = negative(load_safetensors(path).first.at("x"));
    auto before = get_active_memory();
    eval(y);
    EXPECT_EQ(get_active_memory(), before) << "expected the mapped buffer to be donated";
    EXPECT_TRUE(array_equal(y, array({-1.0f, -2.0f, -3.0f, -4.0f})).item<bool>());
  }
  EXPECT_EQ(read_file(path), original);
  auto again = load_safetensors(path).first.at("x");
  EXPECT_TRUE(array_equal(again, array({1.0f, 2.0f, 3.0f, 4.0f})).item<bool>());
}

TEST(IoSafetensors, ArraysOutliveTheirLoadAndTheFile) {
  TempDir dir;
  auto path = dir.file("o.safetensors");
  save_safetensors(path, {{"x", array({1, 2, 3})}});
  array view = array(0);
  {
    auto loaded = load_safetensors(path).first;
    view = slice(loaded.at("x"), {1}, {3});
  }
  std::filesystem::remove(path); // the mapping keeps the data alive
  EXPECT_TRUE(array_equal(view, array({2, 3})).item<bool>());
}

TEST(IoSafetensors, StreamOverloads) {
  TempDir dir;
  auto path = dir.file("s.safetensors");
  auto x = array({1.0f, 2.0f}, bfloat16);
  save_safetensors(std::make_shared<io::FileWriter>(path), {{"x", x}}, {{"k", "v"}});
  auto [loaded, metadata] = load_safetensors(std::make_shared<io::FileReader>(path));
  EXPECT_TRUE(same_bits(loaded.at("x"), x));
  EXPECT_EQ(metadata.at("k"), "v");
  expect_error([&] { load_safetensors(std::make_shared<io::FileReader>(dir.file("none"))); },
               {"[load_safetensors]", "none"});
}

TEST(IoSafetensors, SaveRejectsBadArguments) {
  TempDir dir;
  EXPECT_THROW(save_safetensors(dir.file("x"), {{"__metadata__", array(1)}}),
               std::invalid_argument);
  EXPECT_THROW(save_safetensors(dir.file("x"), {{std::string("bad\xff"), array(1)}}),
               std::invalid_argument);
  // Nothing was left behind by the failed saves.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  expect_error(
      [&] {
        save_safetensors(dir.file("no/such/dir/x"), {{"a", array(1)}});
      },
      {"[save_safetensors]", "no/such/dir"});
}
