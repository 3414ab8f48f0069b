// The file Reader and Writer of mlx/io/load.h, and atomic saving to a path.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "mlx/io/load.h"
#include "mlx/ops.h"

#include "core/io/errors.h"
#include "core/io/saving.h"

namespace mlx::core::io {

namespace {

int whence(std::ios_base::seekdir way) {
  if (way == std::ios_base::beg) {
    return SEEK_SET;
  }
  return way == std::ios_base::end ? SEEK_END : SEEK_CUR;
}

[[noreturn]] void io_failure(const char* op, const std::string& path, size_t n) {
  auto reason = errno != 0 ? std::strerror(errno) : "unexpected end of file";
  throw std::runtime_error(
      detail::concat("[", op, "] Unable to ", op, " ", n, " bytes (file ", path, "): ", reason));
}

// Writes all of `data` to `fd`, retrying short writes and interrupted calls.
void write_all(int fd, const char* data, size_t n, const std::string& path) {
  while (n != 0) {
    errno = 0;
    auto m = ::write(fd, data, std::min<size_t>(n, 1 << 30));
    if (m < 0 && errno == EINTR) {
      continue;
    }
    if (m <= 0) {
      io_failure("write", path, n);
    }
    data += m;
    n -= static_cast<size_t>(m);
  }
}

} // namespace

FileReader::FileReader(std::string file_path)
    : fd_(::open(file_path.c_str(), O_RDONLY | O_CLOEXEC)), path_(std::move(file_path)) {}

FileReader::~FileReader() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

size_t FileReader::tell() {
  return static_cast<size_t>(::lseek(fd_, 0, SEEK_CUR));
}

void FileReader::seek(int64_t off, std::ios_base::seekdir way) {
  ::lseek(fd_, off, whence(way));
}

void FileReader::read(char* data, size_t n) {
  while (n != 0) {
    errno = 0;
    auto m = ::read(fd_, data, std::min<size_t>(n, 1 << 30));
    if (m < 0 && errno == EINTR) {
      continue;
    }
    if (m <= 0) {
      io_failure("read", path_, n);
    }
    data += m;
    n -= static_cast<size_t>(m);
  }
}

void FileReader::read(char* data, size_t n, size_t offset) {
  while (n != 0) {
    errno = 0;
    auto m = ::pread(fd_, data, std::min<size_t>(n, 1 << 30), static_cast<off_t>(offset));
    if (m < 0 && errno == EINTR) {
      continue;
    }
    if (m <= 0) {
      io_failure("read", path_, n);
    }
    data += m;
    n -= static_cast<size_t>(m);
    offset += static_cast<size_t>(m);
  }
}

FileWriter::FileWriter(std::string file_path)
    : fd_(::open(file_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644)),
      path_(std::move(file_path)) {}

FileWriter::~FileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

size_t FileWriter::tell() {
  return static_cast<size_t>(::lseek(fd_, 0, SEEK_CUR));
}

void FileWriter::seek(int64_t off, std::ios_base::seekdir way) {
  ::lseek(fd_, off, whence(way));
}

void FileWriter::write(const char* data, size_t n) {
  write_all(fd_, data, n, path_);
}

namespace detail {

namespace {

// Writes to a temporary file beside the target; commit() renames it over the target, so a
// failed save never leaves a partial file behind.
class TemporaryFileWriter : public Writer {
public:
  TemporaryFileWriter(const std::string& target, const char* op) : target_(target) {
    std::string pattern = target + ".tmp-XXXXXX";
    fd_ = ::mkstemp(pattern.data());
    if (fd_ < 0) {
      format_error(op, concat("file '", target, "'"), "cannot create: ", std::strerror(errno));
    }
    ::fchmod(fd_, 0644);
    path_ = std::move(pattern);
  }
  ~TemporaryFileWriter() override {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(path_.c_str());
    }
  }

  bool is_open() const override { return fd_ >= 0; }
  bool good() const override { return is_open(); }
  size_t tell() override { return static_cast<size_t>(::lseek(fd_, 0, SEEK_CUR)); }
  void seek(int64_t off, std::ios_base::seekdir way) override { ::lseek(fd_, off, whence(way)); }
  void write(const char* data, size_t n) override { write_all(fd_, data, n, target_); }
  std::string label() const override { return "file " + target_; }

  void commit(const char* op) {
    int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0 || ::rename(path_.c_str(), target_.c_str()) != 0) {
      auto reason = std::strerror(errno);
      ::unlink(path_.c_str());
      format_error(op, concat("file '", target_, "'"), "cannot write: ", reason);
    }
  }

private:
  int fd_ = -1;
  std::string path_;
  std::string target_;
};

} // namespace

void write_file_atomically(const std::string& path, const char* op,
                           const std::function<void(Writer&)>& write) {
  TemporaryFileWriter writer(path, op);
  write(writer);
  writer.commit(op);
}

array row_major(array a) {
  a = contiguous(a);
  a.eval();
  return a;
}

std::string with_extension(std::string file, const std::string& extension) {
  if (file.size() < extension.size() ||
      file.compare(file.size() - extension.size(), extension.size(), extension) != 0) {
    file += extension;
  }
  return file;
}

} // namespace detail

} // namespace mlx::core::io
