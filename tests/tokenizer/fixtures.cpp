#include "tokenizer/fixtures.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace mlxcpp::tokenizer::testing {

namespace fs = std::filesystem;

namespace {
fs::path tokenizers_dir() {
  if (const char* env = std::getenv("MLXCPP_TOKENIZER_FIXTURES"); env && *env) {
    return env;
  }
  return fs::path(MLXCPP_SOURCE_DIR) / ".." / "shared" / "fixtures" / "tokenizers";
}
} // namespace

fs::path real_fixtures_dir() {
  fs::path dir = tokenizers_dir();
  if (fs::exists(dir / "qwen3" / "tokenizer.json.gz")) {
    return own_fixtures_dir() / "real";
  }
  const char* skip = std::getenv("MLXCPP_SKIP_REAL_TOKENIZERS");
  if (skip && std::string(skip) == "1") {
    return {};
  }
  ADD_FAILURE() << "real tokenizers not found in " << dir
                << "; set MLXCPP_TOKENIZER_FIXTURES to a folder that scripts/fetch_tokenizers.sh "
                   "filled, or MLXCPP_SKIP_REAL_TOKENIZERS=1 to skip these tests";
  return {};
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot open " + path.string());
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string gunzip_file(const fs::path& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    throw std::runtime_error("cannot open " + path.string());
  }
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  gzclose(f);
  if (n < 0) {
    throw std::runtime_error("corrupt gzip file " + path.string());
  }
  return out;
}

fs::path real_model_dir(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, fs::path> made;
  std::lock_guard lock(mutex);
  if (auto it = made.find(name); it != made.end()) {
    return it->second;
  }
  fs::path src = tokenizers_dir() / name;
  fs::path dst =
      fs::temp_directory_path() / ("mlxcpp_tok_" + std::to_string(::getpid()) + "_" + name);
  fs::create_directories(dst);
  for (const char* file : {"tokenizer.json", "tokenizer_config.json"}) {
    fs::path gz = src / (std::string(file) + ".gz");
    if (fs::exists(gz)) {
      std::ofstream(dst / file, std::ios::binary) << gunzip_file(gz);
    }
  }
  made[name] = dst;
  return dst;
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::string text = path.extension() == ".gz" ? gunzip_file(path) : read_file(path);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  return lines;
}

fs::path own_fixtures_dir() {
  return fs::path(MLXCPP_SOURCE_DIR) / "tests" / "fixtures" / "tokenizer";
}

} // namespace mlxcpp::tokenizer::testing
