// Which files hold a checkpoint's weights.
#include "io/weight_files.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "mlxcpp/io/weights.h"

namespace mlxcpp::io {

namespace fs = std::filesystem;

namespace detail {

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

namespace {

[[noreturn]] void fail(const fs::path& path, const std::string& problem) {
  throw std::runtime_error("[load_weights] " + quoted(path) + ": " + problem);
}

// A shard name from an index: a relative path that stays inside the model directory.
fs::path shard_path(const fs::path& index, const std::string& name) {
  fs::path relative(name);
  bool escapes = relative.empty() || relative.is_absolute() ||
                 std::any_of(relative.begin(), relative.end(),
                             [](const fs::path& part) { return part == ".."; });
  if (escapes) {
    fail(index, "shard name '" + name + "' is not a file inside the model directory");
  }
  return index.parent_path() / relative;
}

} // namespace

std::map<std::string, fs::path> read_index(const fs::path& index) {
  std::ifstream in(index, std::ios::binary);
  if (!in) {
    fail(index, "cannot open");
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail(index, std::string("invalid JSON: ") + e.what());
  }
  if (!json.is_object() || !json.contains("weight_map") || !json["weight_map"].is_object()) {
    fail(index, "no \"weight_map\" object");
  }
  std::map<std::string, fs::path> shards;
  for (const auto& [tensor, shard] : json["weight_map"].items()) {
    if (!shard.is_string()) {
      fail(index, "the shard of tensor '" + tensor + "' is not a string");
    }
    shards.emplace(tensor, shard_path(index, shard.get<std::string>()));
  }
  return shards;
}

} // namespace detail

std::vector<fs::path> weight_files(const fs::path& path) {
  std::error_code error;
  if (!fs::is_directory(path, error)) {
    if (!fs::exists(path, error)) {
      detail::fail(path, "no such file or directory");
    }
    return {path};
  }
  auto index = path / "model.safetensors.index.json";
  if (fs::exists(index)) {
    std::set<fs::path> shards;
    for (const auto& [tensor, shard] : detail::read_index(index)) {
      shards.insert(shard);
    }
    if (shards.empty()) {
      detail::fail(index, "the weight_map is empty");
    }
    return {shards.begin(), shards.end()};
  }
  if (fs::exists(path / "model.safetensors")) {
    return {path / "model.safetensors"};
  }
  std::vector<fs::path> safetensors, gguf;
  bool pytorch = false;
  for (const auto& entry : fs::directory_iterator(path)) {
    auto extension = entry.path().extension();
    if (!entry.is_regular_file()) {
      continue;
    }
    if (extension == ".safetensors") {
      safetensors.push_back(entry.path());
    } else if (extension == ".gguf") {
      gguf.push_back(entry.path());
    } else if (extension == ".bin" || extension == ".pth" || extension == ".pt") {
      pytorch = true;
    }
  }
  std::sort(safetensors.begin(), safetensors.end());
  std::sort(gguf.begin(), gguf.end());
  if (!safetensors.empty()) {
    return safetensors;
  }
  if (gguf.size() == 1) {
    return gguf;
  }
  if (gguf.size() > 1) {
    std::string names;
    for (const auto& g : gguf) {
      names += (names.empty() ? "" : ", ") + g.filename().string();
    }
    detail::fail(path, "several GGUF files (" + names + "); name the one to load");
  }
  detail::fail(path, pytorch ? "only PyTorch checkpoints (.bin/.pt); convert them to safetensors"
                             : "no .safetensors or .gguf weights");
}

} // namespace mlxcpp::io
