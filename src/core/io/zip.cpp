#include "core/io/zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "core/io/checked.h"
#include "core/io/errors.h"

namespace mlx::core::io::detail {

namespace {

constexpr uint32_t local_signature = 0x04034b50;
constexpr uint32_t central_signature = 0x02014b50;
constexpr uint32_t end_signature = 0x06054b50;
constexpr uint32_t zip64_end_signature = 0x06064b50;
constexpr uint32_t zip64_locator_signature = 0x07064b50;
constexpr uint16_t zip64_extra_id = 0x0001;
constexpr size_t end_size = 22;
constexpr size_t central_size = 46;
constexpr size_t local_size = 30;
// Deflate cannot expand data more than about 1032 times; a member claiming more is corrupt.
constexpr uint64_t max_deflate_ratio = 1032;

// Bounds-checked little-endian reads from the archive.
class Cursor {
public:
  Cursor(const uint8_t* data, size_t size, const std::string& label, const char* op)
      : data_(data), size_(size), label_(label), op_(op) {}

  template <typename T>
  T read(uint64_t offset) const {
    check(offset, sizeof(T));
    T value;
    std::memcpy(&value, data_ + offset, sizeof(T));
    return value;
  }
  void check(uint64_t offset, uint64_t n) const {
    if (offset > size_ || n > size_ - offset) {
      fail("a record at byte ", offset, " runs past the end of the archive");
    }
  }
  template <typename... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    format_error(op_, label_, "invalid .npz archive: ", parts...);
  }

private:
  const uint8_t* data_;
  size_t size_;
  const std::string& label_;
  const char* op_;
};

struct Directory {
  uint64_t entries;
  uint64_t size;
  uint64_t offset;
};

Directory find_directory(const Cursor& in, const uint8_t* data, size_t size) {
  if (size < end_size) {
    in.fail("too short (", size, " bytes)");
  }
  // The end record sits at the end, followed only by a comment of at most 65535 bytes.
  size_t lowest = size > end_size + 65535 ? size - end_size - 65535 : 0;
  for (size_t pos = size - end_size + 1; pos-- > lowest;) {
    if (in.read<uint32_t>(pos) != end_signature ||
        pos + end_size + in.read<uint16_t>(pos + 20) != size) {
      continue;
    }
    if (in.read<uint16_t>(pos + 4) != 0 || in.read<uint16_t>(pos + 6) != 0) {
      in.fail("multi-volume archives are not supported");
    }
    Directory dir{in.read<uint16_t>(pos + 10), in.read<uint32_t>(pos + 12),
                  in.read<uint32_t>(pos + 16)};
    bool zip64 = dir.entries == 0xffff || dir.size == 0xffffffff || dir.offset == 0xffffffff;
    if (zip64) {
      if (pos < 20 || in.read<uint32_t>(pos - 20) != zip64_locator_signature) {
        in.fail("missing ZIP64 end locator");
      }
      uint64_t record = in.read<uint64_t>(pos - 20 + 8);
      if (in.read<uint32_t>(record) != zip64_end_signature) {
        in.fail("bad ZIP64 end record");
      }
      dir = {in.read<uint64_t>(record + 32), in.read<uint64_t>(record + 40),
             in.read<uint64_t>(record + 48)};
    }
    in.check(dir.offset, dir.size);
    if (dir.entries > dir.size / central_size) {
      in.fail(dir.entries, " entries cannot fit a central directory of ", dir.size, " bytes");
    }
    return dir;
  }
  in.fail("no end of central directory record");
}

} // namespace

uint32_t crc32_of(uint32_t crc, const void* data, size_t n) {
  auto* bytes = static_cast<const Bytef*>(data);
  while (n > 0) {
    auto chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = static_cast<uint32_t>(::crc32(crc, bytes, chunk));
    bytes += chunk;
    n -= chunk;
  }
  return crc;
}

std::vector<ZipMember> read_zip_directory(const uint8_t* data, size_t size,
                                          const std::string& label, const char* op) {
  Cursor in(data, size, label, op);
  auto dir = find_directory(in, data, size);
  std::vector<ZipMember> members;
  uint64_t pos = dir.offset;
  uint64_t end = dir.offset + dir.size;
  for (uint64_t i = 0; i < dir.entries; ++i) {
    if (pos + central_size > end || in.read<uint32_t>(pos) != central_signature) {
      in.fail("bad central directory entry ", i);
    }
    uint16_t flags = in.read<uint16_t>(pos + 8);
    ZipMember m;
    m.method = in.read<uint16_t>(pos + 10);
    m.crc32 = in.read<uint32_t>(pos + 16);
    m.compressed_size = in.read<uint32_t>(pos + 20);
    m.size = in.read<uint32_t>(pos + 24);
    uint16_t name_length = in.read<uint16_t>(pos + 28);
    uint16_t extra_length = in.read<uint16_t>(pos + 30);
    uint16_t comment_length = in.read<uint16_t>(pos + 32);
    uint64_t local = in.read<uint32_t>(pos + 42);
    uint64_t record_end = pos + central_size + name_length + extra_length + comment_length;
    if (record_end > end) {
      in.fail("central directory entry ", i, " runs past the directory");
    }
    m.name.assign(reinterpret_cast<const char*>(data + pos + central_size), name_length);
    // ZIP64 sizes and offset replace the 32-bit fields that hold 0xffffffff, in this order.
    uint64_t extra = pos + central_size + name_length;
    for (uint64_t e = extra; e + 4 <= extra + extra_length;) {
      uint16_t id = in.read<uint16_t>(e);
      uint16_t length = in.read<uint16_t>(e + 2);
      if (e + 4 + length > extra + extra_length) {
        in.fail("member '", printable(m.name), "' has a malformed extra field");
      }
      if (id == zip64_extra_id) {
        uint64_t field = e + 4;
        for (uint64_t* value : {&m.size, &m.compressed_size, &local}) {
          if (*value == 0xffffffff) {
            if (field + 8 > e + 4 + length) {
              in.fail("member '", printable(m.name), "' has a short ZIP64 field");
            }
            *value = in.read<uint64_t>(field);
            field += 8;
          }
        }
      }
      e += 4 + length;
    }
    if (flags & 1) {
      in.fail("member '", printable(m.name), "' is encrypted");
    }
    if (m.method != 0 && m.method != 8) {
      in.fail("member '", printable(m.name), "' uses compression method ", m.method,
              " (only stored and deflated are supported)");
    }
    if (m.method == 0 && m.size != m.compressed_size) {
      in.fail("stored member '", printable(m.name), "' has different sizes");
    }
    if (in.read<uint32_t>(local) != local_signature) {
      in.fail("member '", printable(m.name), "' has no local header at byte ", local);
    }
    m.data_offset =
        local + local_size + in.read<uint16_t>(local + 26) + in.read<uint16_t>(local + 28);
    in.check(m.data_offset, m.compressed_size);
    members.push_back(std::move(m));
    pos = record_end;
  }
  return members;
}

std::vector<uint8_t> inflate_member(const uint8_t* archive, const ZipMember& member,
                                    const std::string& label, const char* op) {
  auto fail = [&](const char* problem) {
    format_error(op, label, "invalid .npz archive: member '", printable(member.name), "' ",
                 problem);
  };
  auto limit = checked_mul(member.compressed_size, max_deflate_ratio);
  if (limit && member.size > *limit + 1024) {
    fail("claims an impossible compression ratio");
  }
  std::vector<uint8_t> out(member.size);
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) {
    fail("cannot be inflated");
  }
  const uint8_t* in = archive + member.data_offset;
  uint64_t in_left = member.compressed_size;
  uint64_t out_done = 0;
  int status = Z_OK;
  while (status == Z_OK) {
    auto in_chunk = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
    auto out_chunk = static_cast<uInt>(std::min<uint64_t>(member.size - out_done, 1u << 30));
    stream.next_in = const_cast<Bytef*>(in);
    stream.avail_in = in_chunk;
    stream.next_out = out.data() + out_done;
    stream.avail_out = out_chunk;
    status = inflate(&stream, Z_NO_FLUSH);
    uint64_t consumed = in_chunk - stream.avail_in;
    uint64_t produced = out_chunk - stream.avail_out;
    in += consumed;
    in_left -= consumed;
    out_done += produced;
    if (status == Z_OK && consumed == 0 && produced == 0) {
      status = Z_BUF_ERROR; // no progress: input ended early or output is full
    }
  }
  inflateEnd(&stream);
  if (status != Z_STREAM_END || out_done != member.size) {
    fail("is corrupt or does not match its size");
  }
  if (crc32_of(0, out.data(), out.size()) != member.crc32) {
    fail("fails its CRC-32 check");
  }
  return out;
}

namespace {

template <typename T>
void append(std::string& bytes, T value) {
  bytes.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

constexpr uint32_t u32_max = 0xffffffff;
// 1980-01-01 00:00, the earliest DOS date: archives are reproducible byte for byte.
constexpr uint16_t dos_time = 0;
constexpr uint16_t dos_date = (0 << 9) | (1 << 5) | 1;

} // namespace

void ZipWriter::put(const std::string& bytes) {
  out_.write(bytes.data(), bytes.size());
  position_ += bytes.size();
}

void ZipWriter::add(const std::string& name, uint64_t size, uint32_t crc,
                    const std::function<void(Writer&)>& write) {
  bool zip64 = size >= u32_max;
  std::string header;
  append<uint32_t>(header, local_signature);
  append<uint16_t>(header, zip64 ? 45 : 20);
  append<uint16_t>(header, 1 << 11); // names are UTF-8
  append<uint16_t>(header, 0);       // stored
  append<uint16_t>(header, dos_time);
  append<uint16_t>(header, dos_date);
  append<uint32_t>(header, crc);
  append<uint32_t>(header, zip64 ? u32_max : static_cast<uint32_t>(size));
  append<uint32_t>(header, zip64 ? u32_max : static_cast<uint32_t>(size));
  append<uint16_t>(header, static_cast<uint16_t>(name.size()));
  append<uint16_t>(header, zip64 ? 20 : 0);
  header += name;
  if (zip64) {
    append<uint16_t>(header, zip64_extra_id);
    append<uint16_t>(header, 16);
    append<uint64_t>(header, size);
    append<uint64_t>(header, size);
  }
  entries_.push_back({name, size, crc, position_});
  put(header);
  write(out_);
  position_ += size;
}

void ZipWriter::finish() {
  uint64_t directory_offset = position_;
  for (const auto& e : entries_) {
    bool big_size = e.size >= u32_max;
    bool big_offset = e.offset >= u32_max;
    uint16_t extra = (big_size ? 16 : 0) + (big_offset ? 8 : 0);
    std::string record;
    append<uint32_t>(record, central_signature);
    append<uint16_t>(record, (3 << 8) | 45); // made by: Unix, ZIP 4.5
    append<uint16_t>(record, extra ? 45 : 20);
    append<uint16_t>(record, 1 << 11);
    append<uint16_t>(record, 0);
    append<uint16_t>(record, dos_time);
    append<uint16_t>(record, dos_date);
    append<uint32_t>(record, e.crc);
    append<uint32_t>(record, big_size ? u32_max : static_cast<uint32_t>(e.size));
    append<uint32_t>(record, big_size ? u32_max : static_cast<uint32_t>(e.size));
    append<uint16_t>(record, static_cast<uint16_t>(e.name.size()));
    append<uint16_t>(record, extra ? extra + 4 : 0);
    append<uint16_t>(record, 0); // comment
    append<uint16_t>(record, 0); // disk
    append<uint16_t>(record, 0); // internal attributes
    append<uint32_t>(record, 0100644u << 16);
    append<uint32_t>(record, big_offset ? u32_max : static_cast<uint32_t>(e.offset));
    record += e.name;
    if (extra) {
      append<uint16_t>(record, zip64_extra_id);
      append<uint16_t>(record, extra);
      if (big_size) {
        append<uint64_t>(record, e.size);
        append<uint64_t>(record, e.size);
      }
      if (big_offset) {
        append<uint64_t>(record, e.offset);
      }
    }
    put(record);
  }
  uint64_t directory_size = position_ - directory_offset;
  uint64_t count = entries_.size();
  bool zip64 = count >= 0xffff || directory_offset >= u32_max || directory_size >= u32_max;
  std::string end;
  if (zip64) {
    uint64_t record_offset = position_;
    append<uint32_t>(end, zip64_end_signature);
    append<uint64_t>(end, 44); // size of the rest of this record
    append<uint16_t>(end, (3 << 8) | 45);
    append<uint16_t>(end, 45);
    append<uint32_t>(end, 0);
    append<uint32_t>(end, 0);
    append<uint64_t>(end, count);
    append<uint64_t>(end, count);
    append<uint64_t>(end, directory_size);
    append<uint64_t>(end, directory_offset);
    append<uint32_t>(end, zip64_locator_signature);
    append<uint32_t>(end, 0);
    append<uint64_t>(end, record_offset);
    append<uint32_t>(end, 1);
  }
  append<uint32_t>(end, end_signature);
  append<uint16_t>(end, 0);
  append<uint16_t>(end, 0);
  append<uint16_t>(end, zip64 ? 0xffff : static_cast<uint16_t>(count));
  append<uint16_t>(end, zip64 ? 0xffff : static_cast<uint16_t>(count));
  append<uint32_t>(end, zip64 ? u32_max : static_cast<uint32_t>(directory_size));
  append<uint32_t>(end, zip64 ? u32_max : static_cast<uint32_t>(directory_offset));
  append<uint16_t>(end, 0);
  put(end);
}

} // namespace mlx::core::io::detail
