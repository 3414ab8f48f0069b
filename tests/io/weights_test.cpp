// mlxcpp::io::load_weights: model directories (single file, sharded with an index, loose
// shards, GGUF), dtype conversion, quantization layouts, and damaged checkpoints.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mlx/mlx.h"

#include "mlxcpp/io/weights.h"

namespace mx = mlx::core;
namespace fs = std::filesystem;
using mlxcpp::io::load_weights;
using mlxcpp::io::weight_files;

namespace {

class TempDir {
public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "mlxcpp-weights-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

bool same(const mx::array& a, const mx::array& b) {
  return mx::array_equal(a, b).item<bool>();
}

template <typename F>
void expect_runtime_error(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning " << part;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("[load_weights]", 0), 0u) << e.what();
  }
}

const auto a = mx::array({1.0f, 2.0f, 3.0f});
const auto b = mx::array({4, 5});
const auto c = mx::array({0.5f, 1.5f}, mx::bfloat16);

} // namespace

TEST(LoadWeights, SingleFileDirectory) {
  TempDir dir;
  mx::save_safetensors((dir / "model.safetensors").string(), {{"a", a}, {"b", b}},
                       {{"format", "pt"}});
  write_text(dir / "other.safetensors", "ignored: model.safetensors takes precedence");
  auto w = load_weights(dir.path());
  EXPECT_EQ(w.files, std::vector<fs::path>{dir / "model.safetensors"});
  EXPECT_EQ(w.tensors.size(), 2u);
  EXPECT_TRUE(same(w.at("a"), a));
  EXPECT_EQ(w.metadata.at("format"), "pt");
  EXPECT_TRUE(w.quantized.empty());
  try {
    w.at("missing");
    ADD_FAILURE();
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("'missing'"), std::string::npos);
  }
  // A file path loads just that file.
  EXPECT_EQ(load_weights(dir / "model.safetensors").tensors.size(), 2u);
}

TEST(LoadWeights, ShardedWithIndex) {
  TempDir dir;
  mx::save_safetensors((dir / "model-00001-of-00002.safetensors").string(), {{"a", a}});
  mx::save_safetensors((dir / "model-00002-of-00002.safetensors").string(), {{"b", b}, {"c", c}},
                       {{"shard", "2"}});
  write_text(dir / "model.safetensors.index.json", R"({
    "metadata": {"total_size": 24},
    "weight_map": {"a": "model-00001-of-00002.safetensors",
                   "b": "model-00002-of-00002.safetensors",
                   "c": "model-00002-of-00002.safetensors"}})");
  auto w = load_weights(dir.path());
  EXPECT_EQ(w.files.size(), 2u);
  EXPECT_TRUE(same(w.at("a"), a));
  EXPECT_TRUE(same(w.at("b"), b));
  EXPECT_TRUE(same(w.at("c"), c));
  EXPECT_EQ(w.metadata.at("shard"), "2");
}

TEST(LoadWeights, LooseShardsAndGguf) {
  TempDir loose;
  mx::save_safetensors((loose / "weights.00.safetensors").string(), {{"a", a}});
  mx::save_safetensors((loose / "weights.01.safetensors").string(), {{"b", b}});
  auto w = load_weights(loose.path());
  EXPECT_EQ(w.files, (std::vector<fs::path>{loose / "weights.00.safetensors",
                                            loose / "weights.01.safetensors"}));
  EXPECT_EQ(w.tensors.size(), 2u);

  TempDir gguf;
  mx::save_gguf((gguf / "model.gguf").string(), {{"a", a}},
                {{"general.architecture", std::string("llama")}});
  auto g = load_weights(gguf.path());
  EXPECT_TRUE(same(g.at("a"), a));
  EXPECT_EQ(std::get<std::string>(g.gguf_metadata.at("general.architecture")), "llama");
}

TEST(LoadWeights, GgufQuantizedLayouts) {
  TempDir dir;
  // A Q8_0 tensor (bias = -128 * scale) and a Q4_1 one, written through the core API.
  auto scales = mx::full({2, 2}, 0.5f, mx::float16);
  mx::GGUFQuantized q8{mx::zeros({2, 16}, mx::uint32), scales,
                       mx::full({2, 2}, -64.0f, mx::float16), 32, 8};
  mx::GGUFQuantized q4{mx::zeros({2, 8}, mx::uint32), scales, mx::zeros({2, 2}, mx::float16), 32,
                       4};
  mx::save_gguf_quantized((dir / "q.gguf").string(), {{"norm.weight", a}},
                          {{"blk.0.q.weight", q8}, {"blk.0.k.weight", q4}});
  auto w = load_weights(dir / "q.gguf");
  ASSERT_EQ(w.quantized.size(), 2u);
  EXPECT_EQ(w.quantized.at("blk.0.q.weight").bits, 8);
  EXPECT_EQ(w.quantized.at("blk.0.q.weight").group_size, 32);
  EXPECT_EQ(w.quantized.at("blk.0.k.weight").bits, 4);
  EXPECT_TRUE(w.contains("blk.0.k.scales") && w.contains("blk.0.k.biases"));
}

TEST(LoadWeights, MlxQuantizationFromConfig) {
  TempDir dir;
  auto packed = mx::zeros({4, 8}, mx::uint32);
  auto groups = mx::zeros({4, 1}, mx::float16);
  mx::save_safetensors((dir / "model.safetensors").string(), {{"layers.0.q.weight", packed},
                                                              {"layers.0.q.scales", groups},
                                                              {"layers.0.q.biases", groups},
                                                              {"layers.0.k.weight", packed},
                                                              {"layers.0.k.scales", groups},
                                                              {"layers.0.k.biases", groups},
                                                              {"norm.weight", a}});
  write_text(dir / "config.json", R"({"model_type": "llama",
    "quantization": {"group_size": 64, "bits": 4,
                     "layers.0.k": {"group_size": 32, "bits": 8}}})");
  auto w = load_weights(dir.path());
  ASSERT_EQ(w.quantized.size(), 2u);
  EXPECT_EQ(w.quantized.at("layers.0.q.weight").group_size, 64);
  EXPECT_EQ(w.quantized.at("layers.0.q.weight").bits, 4);
  EXPECT_EQ(w.quantized.at("layers.0.k.weight").bits, 8);
  write_text(dir / "config.json", R"({"quantization": {"group_size": "64", "bits": 4}})");
  expect_runtime_error([&] { load_weights(dir.path()); }, "group_size");
}

TEST(LoadWeights, DtypeConversionIsLazyAndSkipsIntegers) {
  TempDir dir;
  mx::save_safetensors((dir / "model.safetensors").string(),
                       {{"a", a}, {"b", b}, {"c", c}, {"packed", mx::zeros({2}, mx::uint32)}});
  auto w = load_weights(dir.path(), {mx::float16});
  EXPECT_EQ(w.at("a").dtype(), mx::float16);
  EXPECT_EQ(w.at("a").status(), mx::array::Status::unscheduled);
  EXPECT_EQ(w.at("c").dtype(), mx::float16);
  EXPECT_EQ(w.at("b").dtype(), mx::int32);
  EXPECT_EQ(w.at("packed").dtype(), mx::uint32);
  EXPECT_TRUE(same(w.at("a"), mx::astype(a, mx::float16)));
  EXPECT_TRUE(same(w.at("c"), mx::array({0.5f, 1.5f}, mx::float16)));
}

TEST(LoadWeights, DamagedCheckpoints) {
  TempDir dir;
  expect_runtime_error([&] { load_weights(dir.path()); }, "no .safetensors or .gguf");
  expect_runtime_error([&] { load_weights(dir / "nothing"); }, "no such file");
  write_text(dir / "pytorch_model.bin", "x");
  expect_runtime_error([&] { load_weights(dir.path()); }, "PyTorch");
  write_text(dir / "a.gguf", "x");
  write_text(dir / "b.gguf", "x");
  expect_runtime_error([&] { load_weights(dir.path()); }, "several GGUF files");
  write_text(dir / "config.txt", "x");
  expect_runtime_error([&] { load_weights(dir / "config.txt"); }, "not a .safetensors");

  TempDir sharded;
  auto index = sharded / "model.safetensors.index.json";
  write_text(index, "{not json");
  expect_runtime_error([&] { load_weights(sharded.path()); }, "invalid JSON");
  write_text(index, R"({"weight_map": []})");
  expect_runtime_error([&] { load_weights(sharded.path()); }, "weight_map");
  write_text(index, R"({"weight_map": {"a": "../../etc/passwd"}})");
  expect_runtime_error([&] { load_weights(sharded.path()); }, "inside the model directory");
  write_text(index, R"({"weight_map": {"a": "/etc/passwd"}})");
  expect_runtime_error([&] { load_weights(sharded.path()); }, "inside the model directory");
  write_text(index, R"({"weight_map": {"a": 3}})");
  expect_runtime_error([&] { load_weights(sharded.path()); }, "not a string");
  mx::save_safetensors((sharded / "s1.safetensors").string(), {{"a", a}});
  mx::save_safetensors((sharded / "s2.safetensors").string(), {{"a", a}, {"b", b}});
  write_text(index, R"({"weight_map": {"a": "s1.safetensors", "b": "s2.safetensors"}})");
  expect_runtime_error([&] { load_weights(sharded.path()); }, "also in an earlier file");
  write_text(index, R"({"weight_map": {"a": "s1.safetensors", "z": "s1.safetensors"}})");
  expect_runtime_error([&] { load_weights(sharded.path()); }, "'z' is missing from its shard");
  write_text(index, R"({"weight_map": {"a": "gone.safetensors"}})");
  try {
    load_weights(sharded.path());
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("gone.safetensors"), std::string::npos) << e.what();
  }
}
