// save and load for .npy, as MLX.
#include "core/io/npy.h"

#include <algorithm>
#include <cstring>

#include "mlx/io.h"
#include "mlx/ops.h"

#include "core/io/file_bytes.h"
#include "core/io/npy_format.h"
#include "core/io/saving.h"

namespace mlx::core {

namespace io::detail {

namespace {

// A big-endian array, copied with each element (each half of a complex number) byte-swapped.
array swapped_copy(const uint8_t* data, Shape shape, Dtype dtype, size_t nbytes) {
  size_t unit = dtype == complex64 ? 4 : size_of(dtype);
  auto buffer = allocator::malloc(nbytes);
  auto* out = static_cast<uint8_t*>(buffer.raw_ptr());
  for (size_t i = 0; i < nbytes; i += unit) {
    for (size_t b = 0; b < unit; ++b) {
      out[i + b] = data[i + unit - 1 - b];
    }
  }
  return array(buffer, std::move(shape), dtype);
}

} // namespace

array load_npy(const std::shared_ptr<FileBytes>& bytes, size_t offset, size_t size,
               const std::string& label, const char* op, StreamOrDevice s) {
  auto header = parse_npy(bytes->data() + offset, size, label, op);
  size_t start = offset + header.data_offset;
  // Column-major data is the row-major data of the reversed shape, transposed.
  Shape shape = header.shape;
  if (header.fortran_order) {
    std::reverse(shape.begin(), shape.end());
  }
  auto loaded = header.big_endian
                    ? swapped_copy(bytes->data() + start, shape, header.dtype, header.nbytes)
                    : view_bytes(bytes, start, shape, header.dtype);
  return header.fortran_order ? transpose(loaded, s) : loaded;
}

void save_npy(Writer& out, array a) {
  a = row_major(std::move(a));
  auto header = npy_header(a.shape(), a.dtype());
  out.write(header.data(), header.size());
  out.write(a.data<char>(), a.nbytes());
}

} // namespace io::detail

void save(std::shared_ptr<io::Writer> out_stream, array a) {
  if (!out_stream->good() || !out_stream->is_open()) {
    throw std::runtime_error("[save] Failed to open " + out_stream->label());
  }
  io::detail::save_npy(*out_stream, std::move(a));
}

void save(std::string file, array a) {
  file = io::detail::with_extension(std::move(file), ".npy");
  a = io::detail::row_major(std::move(a));
  io::detail::write_file_atomically(file, "save",
                                    [&](io::Writer& out) { io::detail::save_npy(out, a); });
}

array load(std::shared_ptr<io::Reader> in_stream, StreamOrDevice s) {
  auto bytes = io::detail::FileBytes::read_stream(*in_stream, "load");
  return io::detail::load_npy(bytes, 0, bytes->size(), bytes->label(), "load", s);
}

array load(std::string file, StreamOrDevice s) {
  auto bytes = io::detail::FileBytes::map_file(file, "load");
  return io::detail::load_npy(bytes, 0, bytes->size(), bytes->label(), "load", s);
}

} // namespace mlx::core
