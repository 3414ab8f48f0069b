// Byte streams for the loaders and savers of mlx/io.h, as MLX's mlx/io/load.h: a Reader and a
// Writer interface, and their file implementations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ios>
#include <string>

namespace mlx::core::io {

class Reader {
public:
  virtual bool is_open() const = 0;
  virtual bool good() const = 0;
  virtual size_t tell() = 0;
  virtual void seek(int64_t off, std::ios_base::seekdir way = std::ios_base::beg) = 0;
  // Reads exactly n bytes at the current position (advancing it), or throws std::runtime_error.
  virtual void read(char* data, size_t n) = 0;
  // Reads exactly n bytes at `offset` without moving the current position, or throws.
  virtual void read(char* data, size_t n, size_t offset) = 0;
  virtual std::string label() const = 0;
  virtual ~Reader() = default;
};

class Writer {
public:
  virtual bool is_open() const = 0;
  virtual bool good() const = 0;
  virtual size_t tell() = 0;
  virtual void seek(int64_t off, std::ios_base::seekdir way = std::ios_base::beg) = 0;
  // Writes all n bytes, or throws std::runtime_error.
  virtual void write(const char* data, size_t n) = 0;
  virtual std::string label() const = 0;
  virtual ~Writer() = default;
};

class FileReader : public Reader {
public:
  explicit FileReader(std::string file_path);
  ~FileReader() override;
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  bool is_open() const override { return fd_ >= 0; }
  bool good() const override { return is_open(); }
  size_t tell() override;
  void seek(int64_t off, std::ios_base::seekdir way = std::ios_base::beg) override;
  void read(char* data, size_t n) override;
  void read(char* data, size_t n, size_t offset) override;
  std::string label() const override { return "file " + path_; }

private:
  int fd_;
  std::string path_;
};

// MLX's name for its file reader (which reads large blocks on several threads); ours reads on
// the calling thread. Kept so that code written against MLX compiles unchanged.
using ParallelFileReader = FileReader;

class FileWriter : public Writer {
public:
  explicit FileWriter(std::string file_path);
  ~FileWriter() override;
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  bool is_open() const override { return fd_ >= 0; }
  bool good() const override { return is_open(); }
  size_t tell() override;
  void seek(int64_t off, std::ios_base::seekdir way = std::ios_base::beg) override;
  void write(const char* data, size_t n) override;
  std::string label() const override { return "file " + path_; }

private:
  int fd_;
  std::string path_;
};

} // namespace mlx::core::io
