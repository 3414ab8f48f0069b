// Tokenizer speed: load time of tokenizer.json and single-thread encode throughput.
//
//   scripts/make_tokenizer_bench_texts.sh /tmp/texts
//   build/bench/tokenizer_bench --model DIR [--model DIR ...] --text prose=/tmp/texts/prose.txt \
//       --text code=/tmp/texts/code.txt [--repeat 5]
//
// For each model it prints the fastest of three loads, then for each text the time of the first
// encode on a fresh tokenizer (cold word cache) and the median of --repeat further encodes
// (warm cache), each encoding the whole text in one call without special tokens. --model takes
// a model folder or a tokenizer.json. With no arguments it runs a quick smoke configuration:
// the small trained tokenizers of tests/fixtures/tokenizer on this source file.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mlxcpp/tokenizer/tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    std::exit(2);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

int main(int argc, char** argv) {
  using mlxcpp::tokenizer::Tokenizer;
  std::vector<std::string> models;
  std::vector<std::pair<std::string, std::string>> texts;
  int repeat = 5;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--model" && i + 1 < argc) {
      models.emplace_back(argv[++i]);
    } else if (arg == "--text" && i + 1 < argc) {
      std::string spec = argv[++i];
      auto eq = spec.find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "--text wants NAME=FILE\n");
        return 2;
      }
      texts.emplace_back(spec.substr(0, eq), read_text(spec.substr(eq + 1)));
    } else if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: %s --model DIR [--model DIR ...] --text NAME=FILE [...] [--repeat N]\n",
                   argv[0]);
      return 2;
    }
  }
  if (argc == 1) {
    std::filesystem::path root(MLXCPP_SOURCE_DIR);
    auto source = root / "bench" / "tokenizer_bench.cpp";
    auto fixtures = root / "tests" / "fixtures" / "tokenizer";
    for (const char* name : {"wordpiece", "unigram", "wordlevel", "bpe_suffix", "sentencepiece"}) {
      models.push_back((fixtures / (std::string(name) + ".tokenizer.json")).string());
    }
    texts.emplace_back("source", read_text(source.string()));
    repeat = 1;
  }
  if (models.empty()) {
    std::fprintf(stderr, "no --model given\n");
    return 2;
  }
  for (const auto& dir : models) {
    std::string path = std::filesystem::is_directory(dir) ? dir + "/tokenizer.json" : dir;
    double best_load = 1e9;
    for (int k = 0; k < 3; ++k) {
      auto t0 = Clock::now();
      Tokenizer tok = Tokenizer::from_file(path);
      best_load = std::min(best_load, seconds_since(t0));
    }
    std::printf("model=%s load_ms=%.1f\n", dir.c_str(), best_load * 1e3);
    for (const auto& [name, text] : texts) {
      Tokenizer tok = Tokenizer::from_file(path);
      auto t0 = Clock::now();
      size_t tokens = tok.encode(text, false).size();
      double cold = seconds_since(t0);
      std::vector<double> runs;
      for (int k = 0; k < repeat; ++k) {
        t0 = Clock::now();
        tok.encode(text, false);
        runs.push_back(seconds_since(t0));
      }
      std::sort(runs.begin(), runs.end());
      double warm = runs[runs.size() / 2];
      std::printf("model=%s text=%s bytes=%zu tokens=%zu cold_ms=%.1f warm_ms=%.1f "
                  "warm_MBps=%.2f\n",
                  dir.c_str(), name.c_str(), text.size(), tokens, cold * 1e3, warm * 1e3,
                  text.size() / warm / 1e6);
    }
  }
  return 0;
}
