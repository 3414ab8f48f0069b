// .npy and .npz: round trips of every dtype, numpy's layouts (column-major, big-endian,
// version 2 headers, deflated archives), streams, and damaged or hostile files.
#include <gtest/gtest.h>
#include <zlib.h>

#include <random>

#include "mlx/mlx.h"

#include "io_test_util.h"

using namespace mlx::core;
using namespace io_test;

namespace {

const std::vector<Dtype> all_dtypes = {bool_,   uint8,   uint16,   uint32,   uint64,
                                       int8,    int16,   int32,    int64,    float16,
                                       float32, float64, bfloat16, complex64};

// A .npy written by hand the way numpy does (version 1, header padded to 64 bytes).
Bytes npy_file(const std::string& dict, const Bytes& data, uint8_t version = 1) {
  size_t length_size = version == 1 ? 2 : 4;
  size_t preamble = 8 + length_size;
  std::string header = dict;
  header.append((64 - (preamble + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  Bytes out("\x93NUMPY", 6);
  out += static_cast<char>(version);
  out += '\0';
  uint32_t length = header.size();
  out.append(reinterpret_cast<const char*>(&length), length_size);
  return out + header + data;
}

struct ZipEntry {
  std::string name;
  Bytes data;
  bool deflate;
};

// A zip archive written field by field (APPNOTE 4.3), members stored or deflated.
Bytes zip_file(const std::vector<ZipEntry>& entries) {
  Bytes out, directory;
  for (const auto& e : entries) {
    Bytes body = e.data;
    if (e.deflate) {
      z_stream z{};
      deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
      body.resize(deflateBound(&z, e.data.size()));
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(e.data.data()));
      z.avail_in = e.data.size();
      z.next_out = reinterpret_cast<Bytef*>(body.data());
      z.avail_out = body.size();
      deflate(&z, Z_FINISH);
      body.resize(z.total_out);
      deflateEnd(&z);
    }
    uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), e.data.size());
    uint32_t offset = out.size();
    put<uint32_t>(out, 0x04034b50);
    put<uint16_t>(out, 20);
    put<uint16_t>(out, 0);
    put<uint16_t>(out, e.deflate ? 8 : 0);
    put<uint32_t>(out, 0);
    put<uint32_t>(out, crc);
    put<uint32_t>(out, body.size());
    put<uint32_t>(out, e.data.size());
    put<uint16_t>(out, e.name.size());
    put<uint16_t>(out, 0);
    out += e.name + body;
    put<uint32_t>(directory, 0x02014b50);
    put<uint16_t>(directory, 20);
    put<uint16_t>(directory, 20);
    put<uint16_t>(directory, 0);
    put<uint16_t>(directory, e.deflate ? 8 : 0);
    put<uint32_t>(directory, 0);
    put<uint32_t>(directory, crc);
    put<uint32_t>(directory, body.size());
    put<uint32_t>(directory, e.data.size());
    put<uint16_t>(directory, e.name.size());
    put<uint32_t>(directory, 0); // extra and comment lengths
    put<uint32_t>(directory, 0); // disk, internal attributes
    put<uint32_t>(directory, 0); // external attributes
    put<uint32_t>(directory, offset);
    directory += e.name;
  }
  uint32_t directory_offset = out.size();
  out += directory;
  put<uint32_t>(out, 0x06054b50);
  put<uint32_t>(out, 0);
  put<uint16_t>(out, entries.size());
  put<uint16_t>(out, entries.size());
  put<uint32_t>(out, directory.size());
  put<uint32_t>(out, directory_offset);
  put<uint16_t>(out, 0);
  return out;
}

Bytes float_bytes(std::initializer_list<float> values) {
  Bytes out;
  for (float v : values) {
    put<float>(out, v);
  }
  return out;
}

} // namespace

TEST(IoNpy, RoundTripsEveryDtypeAndShape) {
  TempDir dir;
  std::mt19937 rng(11);
  for (auto dtype : all_dtypes) {
    for (const Shape& shape : {Shape{}, Shape{0}, Shape{7}, Shape{3, 0, 2}, Shape{2, 3, 5}}) {
      auto a = random_array(shape, dtype, rng);
      save(dir.file("a"), a);
      auto b = load(dir.file("a.npy"));
      EXPECT_TRUE(same_bits(a, b)) << dtype << " " << shape.size();
    }
  }
}

TEST(IoNpy, WritesNumpysHeader) {
  TempDir dir;
  save(dir.file("x.npy"), reshape(astype(arange(6), float32), {2, 3}));
  auto bytes = read_file(dir.file("x.npy"));
  EXPECT_EQ(bytes.substr(0, 8), Bytes("\x93NUMPY\x01\x00", 8));
  uint16_t length;
  std::memcpy(&length, bytes.data() + 8, 2);
  EXPECT_EQ((10 + length) % 64, 0u);
  EXPECT_EQ(bytes.substr(10, 59), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
  EXPECT_EQ(bytes[10 + length - 1], '\n');
  save(dir.file("v.npy"), array({1, 2, 3}));
  EXPECT_NE(read_file(dir.file("v.npy")).find("'shape': (3,), }"), std::string::npos);
}

TEST(IoNpy, ReadsNumpyLayouts) {
  TempDir dir;
  // Column-major: the data of the reversed shape, transposed.
  write_file(dir.file("f.npy"),
             npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                      float_bytes({1, 4, 2, 5, 3, 6})));
  EXPECT_TRUE(
      array_equal(load(dir.file("f.npy")), array({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}, {2, 3}))
          .item<bool>());
  // Big-endian data, keys in another order, double quotes, version 2.
  Bytes be;
  for (uint32_t v : {0x01000000u, 0x02000000u, 0xffffffffu}) {
    put<uint32_t>(be, v);
  }
  write_file(dir.file("b.npy"),
             npy_file("{\"shape\": (3,), \"fortran_order\": False, \"descr\": \">i4\"}", be, 2));
  EXPECT_TRUE(array_equal(load(dir.file("b.npy")), array({1, 2, -1})).item<bool>());
  Bytes bec;
  put<uint32_t>(bec, 0x0000803f); // big-endian 1.0f
  put<uint32_t>(bec, 0x000000c0); // big-endian -2.0f
  write_file(dir.file("c.npy"),
             npy_file("{'descr': '>c8', 'fortran_order': False, 'shape': (), }", bec));
  EXPECT_EQ(load(dir.file("c.npy")).item<complex64_t>(), complex64_t(1.0f, -2.0f));
}

TEST(IoNpy, StreamOverloads) {
  TempDir dir;
  auto a = array({1.5f, 2.5f}, float16);
  save(std::make_shared<io::FileWriter>(dir.file("s.npy")), a);
  EXPECT_TRUE(same_bits(load(std::make_shared<io::FileReader>(dir.file("s.npy"))), a));
}

TEST(IoNpy, RejectsDamagedFiles) {
  TempDir dir;
  auto path = dir.file("bad.npy");
  auto rejected = [&](const Bytes& bytes, const std::string& what) {
    write_file(path, bytes);
    expect_error([&] { load(path); }, {"[load]", path, what});
  };
  auto data = float_bytes({1, 2});
  rejected("", "bad magic");
  rejected("\x93NUMPX\x01\x00\x10\x00", "bad magic");
  rejected(Bytes("\x93NUMPY\x04\x00\x10\x00", 10), "unsupported .npy version 4");
  rejected(Bytes("\x93NUMPY\x02\x00\x10", 9), "too short");
  rejected(Bytes("\x93NUMPY\x01\x00\xff\x00{}", 12), "exceeds the file");
  rejected(Bytes("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12), "exceeds the limit");
  rejected(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data + "x"),
           "needs 8 bytes of data but the file has 9");
  rejected(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data),
           "needs 12 bytes");
  rejected(npy_file("{'descr': '<f4', 'fortran_order': False}", data), "lacks 'shape'");
  rejected(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", data),
           "unexpected key 'x'");
  rejected(npy_file("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}", data),
           "not True or False");
  rejected(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", data),
           "non-negative integer");
  rejected(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", data),
           "unexpected text");
  rejected(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", data), "expected");
  rejected(npy_file("{'descr': '<U8', 'fortran_order': False, 'shape': (1,)}", data),
           "unsupported dtype '<U8'");
  rejected(npy_file("{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}", data + data),
           "unsupported dtype");
  rejected(npy_file("{'descr': '<c4', 'fortran_order': False, 'shape': (1,)}", data),
           "unsupported dtype");
  rejected(npy_file("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", data),
           "structured dtypes");
  rejected(npy_file("{'descr': 'O', 'fortran_order': False, 'shape': (1,)}", data),
           "unsupported dtype");
  rejected(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296,)}", data),
           "exceeds 2^31 - 1");
  rejected(npy_file("{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (2147483647, 2147483647, 2147483647)}",
                    data),
           "overflows 64 bits");
  rejected(npy_file("{'descr': '<f4", data), "unterminated string");
  rejected(npy_file("{'descr' '<f4'}", data), "expected ':'");
}

TEST(IoNpz, RoundTripsEveryDtype) {
  TempDir dir;
  std::mt19937 rng(3);
  std::unordered_map<std::string, array> arrays;
  for (auto dtype : all_dtypes) {
    arrays.emplace(dtype_to_string(dtype), random_array({4, 3}, dtype, rng));
  }
  arrays.emplace("scalar", array(2.5f));
  arrays.emplace("empty", zeros({0}, int8));
  arrays.emplace("nested/name", array({1, 2}));
  save_npz(dir.file("all"), arrays);
  auto loaded = load_npz(dir.file("all.npz"));
  ASSERT_EQ(loaded.size(), arrays.size());
  for (const auto& [name, a] : arrays) {
    EXPECT_TRUE(same_bits(loaded.at(name), a)) << name;
  }
}

TEST(IoNpz, ReadsStoredAndDeflatedMembers) {
  TempDir dir;
  auto a =
      npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", float_bytes({1, 2}));
  Bytes zeros_data(4096 * 4, '\0');
  auto b = npy_file("{'descr': '<i4', 'fortran_order': False, 'shape': (4096,), }", zeros_data);
  write_file(
      dir.file("m.npz"),
      zip_file({{"a.npy", a, false}, {"b.npy", b, true}, {"readme.txt", "not an array", false}}));
  auto loaded = load_npz(dir.file("m.npz"));
  EXPECT_EQ(loaded.size(), 2u); // members other than .npy files are skipped, as numpy
  EXPECT_TRUE(array_equal(loaded.at("a"), array({1.0f, 2.0f})).item<bool>());
  EXPECT_TRUE(array_equal(loaded.at("b"), zeros({4096}, int32)).item<bool>());
}

TEST(IoNpz, RejectsDamagedArchives) {
  TempDir dir;
  auto path = dir.file("bad.npz");
  auto rejected = [&](const Bytes& bytes, const std::string& what) {
    write_file(path, bytes);
    expect_error([&] { load_npz(path); }, {"[load_npz]", path, what});
  };
  auto npy =
      npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", float_bytes({1, 2}));
  auto good = zip_file({{"a.npy", npy, true}});
  rejected("PK", "too short");
  rejected(Bytes(100, 'x'), "no end of central directory");
  // The end record's fields sit at fixed offsets from the end of the file.
  auto patch = [&](Bytes b, size_t from_end, uint32_t value, size_t width) {
    std::memcpy(b.data() + b.size() - from_end, &value, width);
    return b;
  };
  rejected(patch(good, 12, 0xfff0, 2), "entries cannot fit");
  rejected(patch(good, 6, 0x7ffffff0, 4), "runs past the end");
  rejected(patch(good, 10, 0x7ffffff0, 4), "runs past the end");
  rejected(patch(good, 18, 1, 2), "multi-volume");
  // Central directory fields of the only member: method, flags, local header offset, CRC.
  size_t directory = good.size() - 22 - (46 + 5);
  auto patch_at = [&](Bytes b, size_t at, uint32_t value, size_t width) {
    std::memcpy(b.data() + at, &value, width);
    return b;
  };
  rejected(patch_at(good, directory + 10, 12, 2), "compression method 12");
  rejected(patch_at(good, directory + 8, 1, 2), "encrypted");
  rejected(patch_at(good, directory + 42, 7, 4), "no local header");
  rejected(patch_at(good, directory + 16, 0xdeadbeef, 4), "CRC-32");
  rejected(patch_at(good, directory + 24, 1u << 30, 4), "impossible compression ratio");
  rejected(patch_at(good, directory + 24, 8, 4), "does not match its size");
  auto corrupt = good;
  corrupt[30 + 5] ^= 0x55; // the deflate stream itself
  rejected(corrupt, "a.npy");
  rejected(zip_file({{"a.npy", npy, false}, {"a.npy", npy, false}}), "duplicate member");
  rejected(zip_file({{"a.npy", npy.substr(0, 20), false}}), "member 'a.npy'");
  // Two stored members whose data overlap.
  auto two = zip_file({{"a.npy", npy, false}, {"b.npy", npy, false}});
  size_t second_entry = two.size() - 22 - (46 + 5);
  rejected(patch_at(two, second_entry + 42, 0, 4), "overlap");
}
