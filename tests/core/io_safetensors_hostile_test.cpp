// Safetensors files that are damaged or hostile: each gives a std::runtime_error naming the file
// and the problem, and nothing is allocated for what the header merely claims.
#include <gtest/gtest.h>

#include "mlx/mlx.h"

#include "io_test_util.h"

using namespace mlx::core;
using namespace io_test;

namespace {

Bytes with_header(const std::string& json, const Bytes& data = "") {
  Bytes out;
  put<uint64_t>(out, json.size());
  return out + json + data;
}

std::string tensor(const std::string& name, const std::string& dtype, const std::string& shape,
                   uint64_t begin, uint64_t end) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
         ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

class SafetensorsHostile : public ::testing::Test {
protected:
  // Writes `bytes` and expects loading (and inspecting) to fail mentioning the file and `what`.
  void expect_rejected(const Bytes& bytes, const std::string& what) {
    auto path = dir_.file("bad.safetensors");
    write_file(path, bytes);
    clear_cache();
    reset_peak_memory();
    auto before = get_active_memory();
    expect_error([&] { load_safetensors(path); }, {"[load_safetensors]", path, what});
    expect_error([&] { inspect_safetensors(path); }, {"[inspect_safetensors]", path, what});
    expect_error([&] { load_safetensors(std::make_shared<io::FileReader>(path)); }, {what});
    EXPECT_LE(get_peak_memory(), before + 4096) << "allocated for a rejected file";
  }
  TempDir dir_;
};

} // namespace

TEST_F(SafetensorsHostile, TruncatedFiles) {
  expect_rejected("", "too short");
  expect_rejected("\x10\0\0", "too short");
}

TEST_F(SafetensorsHostile, HeaderLengthBeyondTheFile) {
  Bytes b;
  put<uint64_t>(b, 1000);
  expect_rejected(b + "{}", "exceeds the file");
  Bytes huge;
  put<uint64_t>(huge, uint64_t{1} << 62);
  expect_rejected(huge + "{}", "exceeds the limit");
}

TEST_F(SafetensorsHostile, InvalidJson) {
  expect_rejected(with_header("{\"a\":"), "invalid JSON");
  expect_rejected(with_header(""), "invalid JSON");
  expect_rejected(with_header("{} trailing"), "invalid JSON");
  expect_rejected(with_header(std::string("{}\0\0", 4)), "invalid JSON");
  expect_rejected(with_header("[1,2]"), "not a JSON object");
  expect_rejected(with_header("{\"a\":1}"), "not an object");
}

TEST_F(SafetensorsHostile, InvalidUtf8) {
  expect_rejected(with_header("{\"w\xff\":{}}"), "invalid JSON");
  expect_rejected(with_header("{\"\xc0\xaf\":{}}"), "invalid JSON"); // overlong '/'
}

TEST_F(SafetensorsHostile, MalformedEntries) {
  expect_rejected(with_header("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}"), "lacks data_offsets");
  expect_rejected(with_header("{" + tensor("w", "F32", "[1]", 0, 4).substr(0, 30) + "}}"), "lacks");
  expect_rejected(with_header("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\"}}"), "repeats");
  expect_rejected(with_header("{\"w\":{\"color\":\"red\"}}"), "unknown field");
  expect_rejected(with_header("{\"w\":{\"dtype\":3}}"), "a number for 'dtype'");
  expect_rejected(with_header("{\"w\":{\"shape\":[[1]]}}"), "an array in its shape");
  expect_rejected(with_header("{\"w\":{\"shape\":{}}}"), "an object for 'shape'");
  expect_rejected(with_header("{\"w\":{\"data_offsets\":[0,1,2]}}"), "more than two");
  expect_rejected(with_header("{\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0]}}"),
                  "two data_offsets");
  expect_rejected(with_header("{\"__metadata__\":{\"k\":1}}"), "not a string");
  expect_rejected(with_header("{\"__metadata__\":{},\"__metadata__\":{}}"), "duplicate");
  expect_rejected(with_header("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}"), "duplicate");
  expect_rejected(with_header("{" + tensor("w", "F32", "[1]", 0, 4) + "," +
                                  tensor("w", "F32", "[1]", 4, 8) + "}",
                              Bytes(8, '\0')),
                  "duplicate tensor 'w'");
}

TEST_F(SafetensorsHostile, DtypeShapeAndByteCountMismatches) {
  expect_rejected(with_header("{" + tensor("w", "F4", "[2]", 0, 1) + "}", "x"),
                  "unsupported dtype 'F4'");
  expect_rejected(with_header("{" + tensor("w", "F32", "[3]", 0, 8) + "}", Bytes(8, '\0')),
                  "needs 12 bytes, but its data_offsets span 8");
  expect_rejected(with_header("{" + tensor("w", "F16", "[2,2]", 0, 4) + "}", Bytes(4, '\0')),
                  "needs 8 bytes");
  expect_rejected(with_header("{" + tensor("w", "F32", "[-1]", 0, 4) + "}", Bytes(4, '\0')),
                  "a negative number");
  expect_rejected(with_header("{" + tensor("w", "F32", "[1.5]", 0, 4) + "}", Bytes(4, '\0')),
                  "non-integer");
}

TEST_F(SafetensorsHostile, AbsurdDimensions) {
  expect_rejected(with_header("{" + tensor("w", "F32", "[4294967296]", 0, 4) + "}", "abcd"),
                  "exceeds 2^31 - 1");
  // Each dimension fits, the product does not: no overflowed size may slip through.
  expect_rejected(
      with_header("{" + tensor("w", "F32", "[2147483647,2147483647,2147483647]", 0, 4) + "}",
                  "abcd"),
      "overflows 64 bits");
  expect_rejected(
      with_header("{" + tensor("w", "U8", "[2147483647,2147483647,2147483647,2]", 0, 4) + "}",
                  "abcd"),
      "overflows");
  // An empty tensor whose other dimensions multiply past int64: its strides would overflow.
  expect_rejected(
      with_header("{" + tensor("w", "F32", "[2147483647,2147483647,2147483647,0]", 0, 0) + "}"),
      "overflows");
  std::string many = "[";
  for (int i = 0; i < 65; ++i) {
    many += i ? ",1" : "1";
  }
  expect_rejected(with_header("{" + tensor("w", "F32", many + "]", 0, 4) + "}", "abcd"),
                  "more than 64 dimensions");
  expect_rejected(with_header("{\"w\":{\"shape\":[99999999999999999999999]}}"), "non-integer");
}

TEST_F(SafetensorsHostile, OffsetsOutsideTheData) {
  expect_rejected(with_header("{" + tensor("w", "F32", "[1]", 4, 0) + "}", "abcd"),
                  "end before they begin");
  expect_rejected(with_header("{" + tensor("w", "F32", "[1]", 0, 4) + "}", "ab"),
                  "beyond the data section (2 bytes)");
  expect_rejected(
      with_header("{" + tensor("w", "U8", "[4]", 18446744073709551612ull, 18446744073709551615ull) +
                      "}",
                  "abcd"),
      "beyond the data section");
}

TEST_F(SafetensorsHostile, OverlapsGapsAndTrailingBytes) {
  expect_rejected(with_header("{" + tensor("a", "F32", "[2]", 0, 8) + "," +
                                  tensor("b", "F32", "[1]", 4, 8) + "}",
                              Bytes(8, '\0')),
                  "tensors 'a' and 'b' overlap");
  expect_rejected(with_header("{" + tensor("a", "F32", "[1]", 0, 4) + "," +
                                  tensor("b", "F32", "[1]", 8, 12) + "}",
                              Bytes(12, '\0')),
                  "4 bytes before tensor 'b' belong to no tensor");
  expect_rejected(with_header("{" + tensor("a", "F32", "[1]", 0, 4) + "}", Bytes(6, '\0')),
                  "2 bytes after the last tensor");
}

TEST_F(SafetensorsHostile, AcceptsEmptyTensorsAtAnyBoundary) {
  auto path = dir_.file("ok.safetensors");
  write_file(path, with_header("{" + tensor("full", "F32", "[1]", 0, 4) + "," +
                                   tensor("empty", "F32", "[0,3]", 0, 0) + "," +
                                   tensor("end", "I8", "[0]", 4, 4) + "}",
                               Bytes(4, '\0')));
  auto [loaded, _] = load_safetensors(path);
  EXPECT_EQ(loaded.at("empty").shape(), (Shape{0, 3}));
  EXPECT_EQ(loaded.at("full").size(), 1u);
}

TEST_F(SafetensorsHostile, MissingFilesAndDirectories) {
  expect_error([&] { load_safetensors(dir_.file("missing.safetensors")); },
               {"[load_safetensors]", "missing.safetensors", "cannot open"});
  expect_error([&] { load_safetensors(dir_.path().string()); }, {"is a directory"});
}
