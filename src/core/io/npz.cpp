// load_npz and save_npz: an .npz is a ZIP archive of .npy files, one per array ("name.npy").
#include <algorithm>
#include <map>

#include "mlx/io.h"

#include "core/io/errors.h"
#include "core/io/file_bytes.h"
#include "core/io/loaders.h"
#include "core/io/npy.h"
#include "core/io/npy_format.h"
#include "core/io/saving.h"
#include "core/io/zip.h"

namespace mlx::core {

namespace io::detail {

std::unordered_map<std::string, array> load_npz_bytes(const std::shared_ptr<FileBytes>& bytes,
                                                      const char* op, StreamOrDevice s) {
  auto members = read_zip_directory(bytes->data(), bytes->size(), bytes->label(), op);
  // Stored members are viewed in place; two arrays sharing bytes would see each other's
  // in-place updates, so their data may not overlap.
  std::vector<const ZipMember*> stored;
  for (const auto& m : members) {
    if (m.method == 0) {
      stored.push_back(&m);
    }
  }
  std::sort(stored.begin(), stored.end(),
            [](auto* a, auto* b) { return a->data_offset < b->data_offset; });
  for (size_t i = 1; i < stored.size(); ++i) {
    if (stored[i - 1]->data_offset + stored[i - 1]->size > stored[i]->data_offset) {
      format_error(op, bytes->label(), "invalid .npz archive: members '",
                   printable(stored[i - 1]->name), "' and '", printable(stored[i]->name),
                   "' overlap");
    }
  }

  const std::string suffix = ".npy";
  std::unordered_map<std::string, array> arrays;
  for (const auto& m : members) {
    // Like numpy, only the .npy members are arrays; anything else (directories) is skipped.
    if (m.name.size() < suffix.size() ||
        m.name.compare(m.name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    auto key = m.name.substr(0, m.name.size() - suffix.size());
    if (arrays.count(key) != 0) {
      format_error(op, bytes->label(), "invalid .npz archive: duplicate member '",
                   printable(m.name), "'");
    }
    auto label = concat(bytes->label(), " member '", printable(m.name), "'");
    if (m.method == 0) {
      arrays.emplace(key, load_npy(bytes, m.data_offset, m.size, label, op, s));
    } else {
      auto inflated =
          FileBytes::from_memory(inflate_member(bytes->data(), m, bytes->label(), op), label);
      arrays.emplace(key, load_npy(inflated, 0, inflated->size(), label, op, s));
    }
  }
  return arrays;
}

} // namespace io::detail

std::unordered_map<std::string, array> load_npz(const std::string& file, StreamOrDevice s) {
  auto bytes = io::detail::FileBytes::map_file(file, "load_npz");
  return io::detail::load_npz_bytes(bytes, "load_npz", s);
}

void save_npz(std::string file, std::unordered_map<std::string, array> arrays) {
  using namespace io::detail;
  file = with_extension(std::move(file), ".npz");
  // Sorted so that the same arrays always make the same archive.
  std::map<std::string, array> sorted;
  for (auto& [name, a] : arrays) {
    if (name.size() + 4 > 65535) {
      throw std::invalid_argument("[save_npz] Array name too long: " + printable(name));
    }
    sorted.emplace(name, row_major(a));
  }
  write_file_atomically(file, "save_npz", [&](io::Writer& out) {
    ZipWriter zip(out);
    for (const auto& entry : sorted) {
      const auto& a = entry.second; // not a structured binding: clang < 16 cannot capture those
      auto header = npy_header(a.shape(), a.dtype());
      uint32_t crc =
          crc32_of(crc32_of(0, header.data(), header.size()), a.data<char>(), a.nbytes());
      zip.add(entry.first + ".npy", header.size() + a.nbytes(), crc, [&](io::Writer& w) {
        w.write(header.data(), header.size());
        w.write(a.data<char>(), a.nbytes());
      });
    }
    zip.finish();
  });
}

} // namespace mlx::core
