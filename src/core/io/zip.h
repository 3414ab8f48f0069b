// The parts of the ZIP format an .npz needs: reading the central directory (with ZIP64) of an
// archive of stored or deflated members, and writing stored members.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mlx/io/load.h"

namespace mlx::core::io::detail {

struct ZipMember {
  std::string name;
  uint16_t method; // 0 stored, 8 deflated
  uint32_t crc32;
  uint64_t compressed_size;
  uint64_t size;
  uint64_t data_offset; // of the member's (compressed) bytes in the archive
};

// The members of the archive at `data`, every offset and size checked against it.
std::vector<ZipMember> read_zip_directory(const uint8_t* data, size_t size,
                                          const std::string& label, const char* op);

// A deflated member's bytes, inflated and checked against its size and CRC-32.
std::vector<uint8_t> inflate_member(const uint8_t* archive, const ZipMember& member,
                                    const std::string& label, const char* op);

uint32_t crc32_of(uint32_t crc, const void* data, size_t n);

// Writes an archive of stored (uncompressed) members, switching to ZIP64 fields where sizes or
// offsets pass 4 GB.
class ZipWriter {
public:
  explicit ZipWriter(Writer& out) : out_(out) {}
  // Adds a member of `size` bytes with checksum `crc`; `write` must write exactly those bytes.
  void add(const std::string& name, uint64_t size, uint32_t crc,
           const std::function<void(Writer&)>& write);
  // Writes the central directory; the archive is complete afterwards.
  void finish();

private:
  struct Entry {
    std::string name;
    uint64_t size;
    uint32_t crc;
    uint64_t offset;
  };
  void put(const std::string& bytes);

  Writer& out_;
  uint64_t position_ = 0;
  std::vector<Entry> entries_;
};

} // namespace mlx::core::io::detail
