// Helpers for the io tests: temporary directories, files built byte by byte, and a GGUF writer
// independent of the library's.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "mlx/mlx.h"

namespace io_test {

namespace fs = std::filesystem;

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "mlxcpp-io-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

using Bytes = std::string;

template <typename T>
void put(Bytes& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

inline void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), bytes.size());
}

inline Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// Runs `f`, expecting a std::runtime_error whose message contains each of `parts`.
template <typename F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning '" << *parts.begin() << "'";
  } catch (const std::runtime_error& e) {
    for (const auto& p : parts) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "message: " << e.what() << "\nmissing: " << p;
    }
  }
}

// Random bytes for any dtype (floats drawn as values, so no NaN).
inline mlx::core::array random_array(const mlx::core::Shape& shape, mlx::core::Dtype dtype,
                                     std::mt19937& rng) {
  using namespace mlx::core;
  size_t n = 1;
  for (auto d : shape) {
    n *= static_cast<size_t>(d);
  }
  std::uniform_real_distribution<float> real(-100.0f, 100.0f);
  std::vector<float> values(n);
  for (auto& v : values) {
    v = real(rng);
  }
  if (dtype == bool_) {
    for (auto& v : values) {
      v = v > 0;
    }
  }
  if (dtype == complex64) {
    std::vector<complex64_t> complex(n);
    for (size_t i = 0; i < n; ++i) {
      complex[i] = complex64_t(values[i], real(rng));
    }
    return array(complex.begin(), shape, complex64);
  }
  return astype(array(values.begin(), shape, float32), dtype);
}

// Bitwise equality of two arrays' contents (dtype and shape too).
inline bool same_bits(mlx::core::array a, mlx::core::array b) {
  using namespace mlx::core;
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) {
    return false;
  }
  a = contiguous(a);
  b = contiguous(b);
  eval({a, b});
  return std::memcmp(a.data<char>(), b.data<char>(), a.nbytes()) == 0;
}

// A GGUF file written field by field from the spec.
class GgufBuilder {
public:
  explicit GgufBuilder(uint32_t version = 3) : version_(version) {}

  GgufBuilder& kv(const std::string& key, uint32_t type, const Bytes& value) {
    string(kv_, key);
    put<uint32_t>(kv_, type);
    kv_ += value;
    ++kv_count_;
    return *this;
  }
  // A tensor with ggml dims (innermost first), type and raw data; offsets follow each other,
  // aligned, unless `offset` is given.
  GgufBuilder& tensor(const std::string& name, std::vector<uint64_t> dims, uint32_t type,
                      const Bytes& data, std::optional<uint64_t> offset = std::nullopt) {
    uint64_t at = offset ? *offset : aligned(data_.size());
    string(infos_, name);
    put<uint32_t>(infos_, static_cast<uint32_t>(dims.size()));
    for (auto d : dims) {
      put<uint64_t>(infos_, d);
    }
    put<uint32_t>(infos_, type);
    put<uint64_t>(infos_, at);
    if (!offset) {
      data_.resize(at, '\0');
      data_ += data;
    }
    ++tensor_count_;
    return *this;
  }
  GgufBuilder& raw_data(const Bytes& data) {
    data_ += data;
    return *this;
  }
  GgufBuilder& counts(uint64_t tensors, uint64_t kvs) {
    tensor_override_ = tensors;
    kv_override_ = kvs;
    return *this;
  }
  Bytes build(uint64_t alignment = 32) const {
    Bytes out = "GGUF";
    put<uint32_t>(out, version_);
    put<uint64_t>(out, tensor_override_ ? *tensor_override_ : tensor_count_);
    put<uint64_t>(out, kv_override_ ? *kv_override_ : kv_count_);
    out += kv_;
    out += infos_;
    out.resize((out.size() + alignment - 1) / alignment * alignment, '\0');
    return out + data_;
  }

  static void string(Bytes& out, const std::string& s) {
    put<uint64_t>(out, s.size());
    out += s;
  }
  static Bytes string_value(const std::string& s) {
    Bytes out;
    string(out, s);
    return out;
  }

private:
  uint64_t aligned(uint64_t n) const { return (n + 31) / 32 * 32; }

  uint32_t version_;
  Bytes kv_, infos_, data_;
  uint64_t kv_count_ = 0, tensor_count_ = 0;
  std::optional<uint64_t> tensor_override_, kv_override_;
};

} // namespace io_test
