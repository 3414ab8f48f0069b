#include "core/io/file_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/backend_registry.h"
#include "core/io/errors.h"

namespace mlx::core::io::detail {

namespace {

size_t page_size() {
  static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

// Closes a descriptor on every path out of map_file; the mapping outlives it.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

} // namespace

std::shared_ptr<FileBytes> FileBytes::map_file(const std::string& path, const char* op) {
  auto label = concat("file '", path, "'");
  Descriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    format_error(op, label, "cannot open: ", std::strerror(errno));
  }
  struct stat info;
  if (::fstat(file.fd, &info) != 0) {
    format_error(op, label, "cannot stat: ", std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) {
    format_error(op, label, "is a directory");
  }
  if (!S_ISREG(info.st_mode)) {
    // Pipes and devices cannot be mapped: read them like a stream.
    FileReader reader(path);
    auto bytes = read_stream(reader, op);
    bytes->label_ = label;
    return bytes;
  }
  std::shared_ptr<FileBytes> bytes(new FileBytes());
  bytes->label_ = std::move(label);
  bytes->size_ = static_cast<size_t>(info.st_size);
  if (bytes->size_ == 0) {
    return bytes; // every format rejects it as too short
  }
  // MAP_PRIVATE with write permission: arrays view these pages in place, and the engine may
  // reuse ("donate") an input's buffer for an op's output when nothing else holds it. A write
  // then copies the page for this process only; the file and other mappings never change, and
  // a read-only mapping would fault instead. Untouched pages cost nothing until read.
  void* data = ::mmap(nullptr, bytes->size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, file.fd, 0);
  if (data == MAP_FAILED) {
    format_error(op, bytes->label_, "cannot map ", bytes->size_, " bytes: ", std::strerror(errno));
  }
  bytes->data_ = static_cast<uint8_t*>(data);
  bytes->mapped_ = true;
  return bytes;
}

std::shared_ptr<FileBytes> FileBytes::read_stream(Reader& reader, const char* op) {
  if (!reader.good() || !reader.is_open()) {
    format_error(op, reader.label(), "cannot open");
  }
  size_t start = reader.tell();
  reader.seek(0, std::ios_base::end);
  size_t end = reader.tell();
  reader.seek(static_cast<int64_t>(start), std::ios_base::beg);
  if (end < start || end == static_cast<size_t>(-1)) {
    format_error(op, reader.label(), "cannot determine the stream's size");
  }
  std::vector<uint8_t> owned(end - start);
  reader.read(reinterpret_cast<char*>(owned.data()), owned.size());
  return from_memory(std::move(owned), reader.label());
}

std::shared_ptr<FileBytes> FileBytes::from_memory(std::vector<uint8_t> bytes, std::string label) {
  std::shared_ptr<FileBytes> result(new FileBytes());
  result->owned_ = std::move(bytes);
  result->data_ = result->owned_.data();
  result->size_ = result->owned_.size();
  result->label_ = std::move(label);
  return result;
}

FileBytes::~FileBytes() {
  if (mapped_) {
    ::munmap(data_, size_);
  }
}

void FileBytes::will_read(size_t offset, size_t n) const {
  if (!mapped_ || n == 0) {
    return;
  }
  size_t begin = offset / page_size() * page_size();
  // Advisory only: readahead failing changes nothing but speed.
  ::madvise(data_ + begin, offset + n - begin, MADV_WILLNEED);
}

void FileBytes::done_reading(size_t offset, size_t n) const {
  if (!mapped_) {
    return;
  }
  size_t begin = (offset + page_size() - 1) / page_size() * page_size();
  size_t end = (offset + n) / page_size() * page_size();
  if (end > begin) {
    // Drops this process's view of clean file pages (they stay in the page cache). Safe because
    // the range belongs to one tensor whose only reader has finished; a page some array had
    // written (copy-on-write) can only lie in a range that array views.
    ::madvise(data_ + begin, end - begin, MADV_DONTNEED);
  }
}

array view_bytes(const std::shared_ptr<FileBytes>& bytes, size_t offset, Shape shape, Dtype dtype) {
  uint8_t* start = const_cast<uint8_t*>(bytes->data()) + offset;
  size_t alignment = std::min<size_t>(size_of(dtype), 8);
  if (reinterpret_cast<uintptr_t>(start) % alignment == 0) {
    // The deleter owns a reference to the bytes: the mapping lives as long as any array (or
    // view of one) uses it. Without a GPU the buffer is the pointer itself.
    size_t nbytes = size_of(dtype);
    for (auto dim : shape) {
      nbytes *= static_cast<size_t>(dim);
    }
    return array(gpu_backend::wrap_host_memory(start, nbytes), std::move(shape), dtype,
                 [keep = bytes](allocator::Buffer b) { gpu_backend::release_host_memory(b); });
  }
  // Kernels may assume elements are naturally aligned; a misaligned tensor gets its own copy.
  size_t nbytes = size_of(dtype);
  for (auto dim : shape) {
    nbytes *= static_cast<size_t>(dim);
  }
  auto buffer = allocator::malloc(nbytes);
  std::memcpy(buffer.raw_ptr(), start, nbytes);
  return array(buffer, std::move(shape), dtype);
}

} // namespace mlx::core::io::detail
