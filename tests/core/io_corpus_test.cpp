// The fuzzers' seed files (fuzz/corpus/) come from an independent writer, Python's standard
// library (fuzz/make_seeds.py: json, struct, zipfile with ZIP64 as numpy.savez writes it); every
// one must load, and a few are checked value by value. Seeds named "reject-*" are inputs the
// fuzzers found troublesome, kept as regressions: each must be rejected cleanly.
#include <gtest/gtest.h>

#include <filesystem>

#include "mlx/mlx.h"

using namespace mlx::core;
namespace fs = std::filesystem;

namespace {

fs::path corpus(const std::string& format) {
  return fs::path(MLXCPP_SOURCE_DIR) / "fuzz" / "corpus" / format;
}

} // namespace

TEST(IoCorpus, EverySeedLoads) {
  size_t files = 0;
  for (const std::string format : {"safetensors", "gguf", "npy", "npz"}) {
    for (const auto& entry : fs::directory_iterator(corpus(format))) {
      auto path = entry.path().string();
      SCOPED_TRACE(path);
      if (entry.path().filename().string().rfind("reject-", 0) == 0) {
        auto load_any = [&] {
          if (format == "gguf") {
            eval(load_gguf(path).first.begin()->second);
          } else if (format == "safetensors") {
            load_safetensors(path);
          } else if (format == "npz") {
            load_npz(path);
          } else {
            load(path);
          }
        };
        EXPECT_THROW(load_any(), std::runtime_error);
        continue;
      }
      std::vector<array> arrays;
      if (format == "safetensors") {
        for (auto& [name, a] : load_safetensors(path).first) {
          arrays.push_back(a);
        }
      } else if (format == "gguf") {
        for (auto& [name, a] : load_gguf(path).first) {
          arrays.push_back(a);
        }
      } else if (format == "npz") {
        for (auto& [name, a] : load_npz(path)) {
          arrays.push_back(a);
        }
      } else {
        arrays.push_back(load(path));
      }
      EXPECT_FALSE(arrays.empty());
      EXPECT_NO_THROW(eval(arrays));
      ++files;
    }
  }
  EXPECT_GE(files, 20u);
}

TEST(IoCorpus, ValuesFromPythonWrittenFiles) {
  auto st = load_safetensors((corpus("safetensors") / "basic").string());
  EXPECT_TRUE(
      array_equal(st.first.at("w"), reshape(astype(arange(6), float32), {2, 3})).item<bool>());
  EXPECT_EQ(st.first.at("e").shape(), (Shape{0, 5}));
  EXPECT_EQ(st.second.at("format"), "pt");
  auto npz = load_npz((corpus("npz") / "deflated").string());
  EXPECT_TRUE(array_equal(npz.at("a"), array({1.0f, 2.0f})).item<bool>());
  auto zip64 = load_npz((corpus("npz") / "zip64").string());
  EXPECT_EQ(zip64.at("big").shape(), Shape{16});
  EXPECT_EQ(zip64.at("big").dtype(), uint8);
  auto gguf = load_gguf((corpus("gguf") / "plain").string());
  EXPECT_TRUE(array_equal(gguf.first.at("w.weight"), reshape(astype(arange(8), float32), {2, 4}))
                  .item<bool>());
  EXPECT_EQ(std::get<array>(gguf.second.at("d")).item<float>(), 0.25f);
  EXPECT_EQ(std::get<std::vector<std::string>>(gguf.second.at("tokens")).at(1), "bc");
}
