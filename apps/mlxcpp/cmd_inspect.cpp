// `mlxcpp inspect FILE|DIR`: the tensors (name, type, shape, bytes) and metadata of a checkpoint,
// read from the file headers alone, with totals.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mlx/mlx.h"

#include "command.h"
#include "mlxcpp/io/weights.h"

namespace mlxcpp::cli {

namespace {

namespace fs = std::filesystem;
namespace mx = mlx::core;

struct Listing {
  std::vector<mx::StoredTensor> tensors;
  std::vector<std::pair<std::string, std::string>> metadata; // key, printable value
};

// A string for a terminal: control characters escaped, long values cut.
std::string printable(const std::string& s, size_t limit = 60) {
  std::string out;
  for (size_t i = 0; i < s.size() && out.size() < limit; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out.size() < s.size() ? fmt::format("\"{}\"... ({} bytes)", out, s.size())
                               : "\"" + out + "\"";
}

// One value of a 0-d array as the array printer writes it: "array(3, dtype=int32)" -> "3".
std::string scalar_text(const mx::array& a) {
  std::ostringstream out;
  out << a;
  auto text = out.str();
  auto open = text.find('('), comma = text.rfind(", dtype=");
  if (open != std::string::npos && comma != std::string::npos && comma > open) {
    return text.substr(open + 1, comma - open - 1);
  }
  return text;
}

// "2 (uint32)", or for a list "[3 x int32: 1, -2, 3]" (the first few values).
std::string format_array(const mx::array& a) {
  auto dtype = mx::dtype_to_string(a.dtype());
  if (a.ndim() == 0) {
    return fmt::format("{} ({})", scalar_text(a), dtype);
  }
  std::vector<std::string> head;
  for (int i = 0; i < std::min(a.shape(0), 4); ++i) {
    head.push_back(scalar_text(mx::reshape(mx::slice(a, {i}, {i + 1}), {})));
  }
  return fmt::format("[{} x {}{}{}{}]", a.size(), dtype, head.empty() ? "" : ": ",
                     fmt::join(head, ", "), a.shape(0) > 4 ? ", ..." : "");
}

std::string format_gguf_value(const mx::GGUFMetaData& value) {
  if (auto s = std::get_if<std::string>(&value)) {
    return printable(*s);
  }
  if (auto list = std::get_if<std::vector<std::string>>(&value)) {
    std::string head;
    for (size_t i = 0; i < list->size() && i < 3; ++i) {
      head += (i ? ", " : "") + printable((*list)[i], 20);
    }
    return fmt::format("[{} strings: {}{}]", list->size(), head, list->size() > 3 ? ", ..." : "");
  }
  if (auto a = std::get_if<mx::array>(&value)) {
    return format_array(*a);
  }
  return "(none)";
}

mx::StoredTensor describe(const std::string& name, const mx::array& a) {
  return {name, mx::dtype_to_string(a.dtype()), a.shape(), a.nbytes()};
}

// The format of a file: its extension, or for another name its first bytes.
std::string format_of(const fs::path& file) {
  auto extension = file.extension().string();
  if (extension == ".safetensors" || extension == ".gguf" || extension == ".npz" ||
      extension == ".npy") {
    return extension;
  }
  char head[9] = {};
  std::ifstream(file, std::ios::binary).read(head, sizeof(head));
  std::string_view magic(head, sizeof(head));
  if (magic.substr(0, 4) == "GGUF") {
    return ".gguf";
  }
  if (magic.substr(0, 6) == "\x93NUMPY") {
    return ".npy";
  }
  if (magic.substr(0, 2) == "PK") {
    return ".npz";
  }
  if (head[8] == '{') { // an 8-byte header length, then the JSON header
    return ".safetensors";
  }
  return extension;
}

Listing list_file(const fs::path& file) {
  Listing listing;
  auto extension = format_of(file);
  if (extension == ".safetensors") {
    auto [tensors, metadata] = mx::inspect_safetensors(file.string());
    listing.tensors = std::move(tensors);
    for (auto& [key, value] : metadata) {
      listing.metadata.emplace_back(key, printable(value));
    }
  } else if (extension == ".gguf") {
    auto [tensors, metadata] = mx::inspect_gguf(file.string());
    listing.tensors = std::move(tensors);
    for (auto& [key, value] : metadata) {
      listing.metadata.emplace_back(key, format_gguf_value(value));
    }
  } else if (extension == ".npz") {
    for (auto& [name, a] : mx::load_npz(file.string())) {
      listing.tensors.push_back(describe(name, a));
    }
  } else if (extension == ".npy") {
    listing.tensors.push_back(describe(file.stem().string(), mx::load(file.string())));
  } else {
    throw CommandError(
        fmt::format("'{}' is not a .safetensors, .gguf, .npz or .npy file", file.string()));
  }
  std::sort(listing.metadata.begin(), listing.metadata.end());
  return listing;
}

std::string shape_string(const mx::Shape& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.2f} {}", value, units[unit]);
}

void inspect(const std::string& target, bool show_tensors) {
  std::vector<fs::path> files;
  try {
    files = io::weight_files(target);
  } catch (const std::exception& e) {
    throw CommandError(e.what());
  }
  uint64_t tensor_count = 0, parameters = 0, bytes = 0;
  for (const auto& file : files) {
    Listing listing;
    try {
      listing = list_file(file);
    } catch (const CommandError&) {
      throw;
    } catch (const std::exception& e) {
      throw CommandError(e.what());
    }
    fmt::print("{} ({} tensors)\n", file.string(), listing.tensors.size());
    size_t width = 6;
    for (const auto& t : listing.tensors) {
      width = std::max(width, t.name.size());
    }
    if (show_tensors && !listing.tensors.empty()) {
      fmt::print("  {:<{}}  {:<8}  {:<22}  {:>14}\n", "tensor", width, "type", "shape", "bytes");
    }
    for (const auto& t : listing.tensors) {
      uint64_t elements = 1;
      for (auto d : t.shape) {
        elements *= static_cast<uint64_t>(d);
      }
      ++tensor_count;
      parameters += elements;
      bytes += t.nbytes;
      if (show_tensors) {
        fmt::print("  {:<{}}  {:<8}  {:<22}  {:>14}\n", t.name, width, t.type,
                   shape_string(t.shape), t.nbytes);
      }
    }
    if (!listing.metadata.empty()) {
      fmt::print("  metadata:\n");
      for (const auto& [key, value] : listing.metadata) {
        fmt::print("    {} = {}\n", key, value);
      }
    }
  }
  fmt::print("total: {} tensors, {} parameters, {} ({} bytes) in {} file{}\n", tensor_count,
             parameters, human_bytes(bytes), bytes, files.size(), files.size() == 1 ? "" : "s");
}

const CommandRegistration registration({
    "inspect",
    "List the tensors (name, type, shape, bytes) and metadata of a checkpoint file or directory",
    [](CLI::App& sub) {
      auto target = std::make_shared<std::string>();
      auto metadata_only = std::make_shared<bool>(false);
      sub.add_option("path", *target,
                     "A .safetensors, .gguf, .npz or .npy file, or a model directory")
          ->required();
      sub.add_flag("--no-tensors", *metadata_only, "Show only the metadata and the totals");
      sub.callback([target, metadata_only] { inspect(*target, !*metadata_only); });
    },
});

} // namespace

} // namespace mlxcpp::cli
