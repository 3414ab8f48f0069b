// Load time and memory of a large safetensors file: generates one (streamed, no large buffers),
// loads it with mlx::core::load_safetensors, then reads a fraction of the tensors and all of
// them, reporting wall time and the process's resident memory after each step.
//
//   io_load_bench FILE [--gb 2] [--cold]
//
// FILE is created when missing. --cold drops the file's pages from the page cache first
// (posix_fadvise), so the reads come from disk; otherwise the page cache is warm from writing.
// Without arguments it runs on a 64 MiB temporary file (a quick check that it works).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "mlx/mlx.h"

namespace mx = mlx::core;

namespace {

// VmRSS and VmHWM (peak) from /proc/self/status, in MiB.
std::pair<double, double> rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  double rss = 0, peak = 0;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      rss = std::stod(line.substr(6)) / 1024;
    } else if (line.rfind("VmHWM:", 0) == 0) {
      peak = std::stod(line.substr(6)) / 1024;
    }
  }
  return {rss, peak};
}

// A file name in the temporary directory, removed at exit.
struct TemporaryFile {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("io_load_bench-" + std::to_string(::getpid()) + ".safetensors"))
                         .string();
  ~TemporaryFile() { std::filesystem::remove(path); }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A model-like file: `layers` blocks of bfloat16 matrices (attention and MLP shapes of a ~1B
// model) until `bytes` is reached, written as a header and a stream of deterministic data.
void generate(const std::string& path, uint64_t bytes) {
  struct Entry {
    std::string name;
    std::vector<int> shape;
    uint64_t nbytes;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  const std::vector<std::pair<std::string, std::vector<int>>> block = {
      {"self_attn.q_proj.weight", {2048, 2048}}, {"self_attn.k_proj.weight", {512, 2048}},
      {"self_attn.v_proj.weight", {512, 2048}},  {"self_attn.o_proj.weight", {2048, 2048}},
      {"mlp.gate_proj.weight", {8192, 2048}},    {"mlp.up_proj.weight", {8192, 2048}},
      {"mlp.down_proj.weight", {2048, 8192}},    {"input_layernorm.weight", {2048}}};
  for (int layer = 0; total < bytes; ++layer) {
    for (const auto& [name, shape] : block) {
      uint64_t n = 2;
      for (int d : shape) {
        n *= d;
      }
      entries.push_back({"model.layers." + std::to_string(layer) + "." + name, shape, n});
      total += n;
    }
  }
  std::string header = "{";
  uint64_t offset = 0;
  for (const auto& e : entries) {
    std::string shape;
    for (int d : e.shape) {
      shape += (shape.empty() ? "" : ",") + std::to_string(d);
    }
    header += (offset == 0 ? "\"" : ",\"") + e.name + "\":{\"dtype\":\"BF16\",\"shape\":[" + shape +
              "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + e.nbytes) + "]}";
    offset += e.nbytes;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary);
  uint64_t length = header.size();
  out.write(reinterpret_cast<const char*>(&length), 8);
  out << header;
  std::vector<uint16_t> chunk(1 << 20);
  for (size_t i = 0; i < chunk.size(); ++i) {
    chunk[i] = mx::bfloat16_t(static_cast<float>(i % 1000) / 1000.0f).bits_;
  }
  for (uint64_t left = total; left > 0;) {
    auto n = std::min<uint64_t>(left, chunk.size() * 2);
    out.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(n));
    left -= n;
  }
  std::printf("generated %s: %zu tensors, %.2f GiB\n", path.c_str(), entries.size(),
              static_cast<double>(8 + header.size() + total) / (1 << 30));
}

// Reads every byte of `a` (one byte per 64 is enough to fault every page, but summing all
// measures a real first pass over the weights).
uint64_t read_all(const mx::array& a) {
  const auto* p = a.data<uint8_t>();
  uint64_t sum = 0;
  for (size_t i = 0; i < a.nbytes(); ++i) {
    sum += p[i];
  }
  return sum;
}

} // namespace

int main(int argc, char** argv) {
  std::string path;
  double gb = 2;
  std::optional<TemporaryFile> scratch;
  if (argc < 2) {
    scratch.emplace();
    path = scratch->path;
    gb = 1.0 / 16;
  } else {
    path = argv[1];
  }
  bool cold = false;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--gb") == 0 && i + 1 < argc) {
      gb = std::stod(argv[++i]);
    } else if (std::strcmp(argv[i], "--cold") == 0) {
      cold = true;
    }
  }
  if (!std::filesystem::exists(path)) {
    generate(path, static_cast<uint64_t>(gb * (1ull << 30)));
  }
  if (cold) {
    int fd = ::open(path.c_str(), O_RDONLY);
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
  auto file_gib = static_cast<double>(std::filesystem::file_size(path)) / (1 << 30);
  auto [rss0, _] = rss_mib();
  std::printf("file: %s (%.2f GiB, %s page cache)\n", path.c_str(), file_gib,
              cold ? "cold" : "warm");
  std::printf("%-34s %10s %12s %12s\n", "step", "seconds", "RSS MiB", "peak MiB");
  std::printf("%-34s %10s %12.1f %12.1f\n", "start", "-", rss0, rss_mib().second);

  auto start = std::chrono::steady_clock::now();
  auto [weights, metadata] = mx::load_safetensors(path);
  auto load_seconds = seconds_since(start);
  auto [rss1, peak1] = rss_mib();
  std::printf("%-34s %10.4f %12.1f %12.1f\n", "load_safetensors", load_seconds, rss1, peak1);

  std::vector<std::string> names;
  for (const auto& [name, a] : weights) {
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  uint64_t checksum = 0;
  start = std::chrono::steady_clock::now();
  size_t tenth = names.size() / 10;
  for (size_t i = 0; i < tenth; ++i) {
    checksum += read_all(weights.at(names[i]));
  }
  auto [rss2, peak2] = rss_mib();
  std::printf("%-34s %10.4f %12.1f %12.1f\n", "read 10% of the tensors", seconds_since(start), rss2,
              peak2);
  start = std::chrono::steady_clock::now();
  for (size_t i = tenth; i < names.size(); ++i) {
    checksum += read_all(weights.at(names[i]));
  }
  auto read_seconds = seconds_since(start);
  auto [rss3, peak3] = rss_mib();
  std::printf("%-34s %10.4f %12.1f %12.1f\n", "read the other 90%", read_seconds, rss3, peak3);
  std::printf("tensors: %zu, checksum %llu, allocator active memory %.1f MiB\n", names.size(),
              static_cast<unsigned long long>(checksum),
              static_cast<double>(mx::get_active_memory()) / (1 << 20));
  return 0;
}
