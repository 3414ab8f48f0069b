// Helpers shared by the API: stream resolution, promotion, broadcasting, printing, as MLX's
// mlx/utils.h.
#pragma once

#include <ostream>
#include <variant>

#include "mlx/array.h"
#include "mlx/device.h"
#include "mlx/dtype.h"
#include "mlx/stream.h"

namespace mlx::core {

using StreamOrDevice = std::variant<std::monostate, Stream, Device>;
Stream to_stream(StreamOrDevice s);
Stream to_stream(StreamOrDevice s, Device default_);

struct StreamContext {
public:
  StreamContext(StreamOrDevice s) : _stream(default_stream(default_device())) {
    if (std::holds_alternative<std::monostate>(s)) {
      throw std::runtime_error(
          "[StreamContext] Invalid argument, please specify a stream or device.");
    }
    auto _s = to_stream(s);
    set_default_device(_s.device);
    set_default_stream(_s);
  }

  ~StreamContext() {
    set_default_device(_stream.device);
    set_default_stream(_stream);
  }

private:
  Stream _stream;
};

struct PrintOptions {
  int precision{-1};
};

struct PrintFormatter {
  void print(std::ostream& os, bool val);
  void print(std::ostream& os, int8_t val);
  void print(std::ostream& os, uint8_t val);
  void print(std::ostream& os, int16_t val);
  void print(std::ostream& os, uint16_t val);
  void print(std::ostream& os, int32_t val);
  void print(std::ostream& os, uint32_t val);
  void print(std::ostream& os, int64_t val);
  void print(std::ostream& os, uint64_t val);
  void print(std::ostream& os, float16_t val);
  void print(std::ostream& os, bfloat16_t val);
  void print(std::ostream& os, float val);
  void print(std::ostream& os, double val);
  void print(std::ostream& os, complex64_t val);

  bool capitalize_bool{false};
  PrintOptions format_options;
};

PrintFormatter& get_global_formatter();

void set_printoptions(PrintOptions options);

/** The type from promoting the arrays' types with one another. */
Dtype result_type(const std::vector<array>& arrays);
inline Dtype result_type(const array& a, const array& b) {
  return promote_types(a.dtype(), b.dtype());
}
inline Dtype result_type(const array& a, const array& b, const array& c) {
  return promote_types(result_type(a, b), c.dtype());
}

Shape broadcast_shapes(const Shape& s1, const Shape& s2);

/** Returns the axis normalized to be in the range [0, ndim). */
int normalize_axis_index(int axis, int ndim, const std::string& msg_prefix = "");

std::ostream& operator<<(std::ostream& os, const Device& d);
std::ostream& operator<<(std::ostream& os, const Stream& s);
std::ostream& operator<<(std::ostream& os, const Dtype& d);
std::ostream& operator<<(std::ostream& os, const Dtype::Kind& k);
std::ostream& operator<<(std::ostream& os, array a);
std::ostream& operator<<(std::ostream& os, const std::vector<int>& v);
std::ostream& operator<<(std::ostream& os, const std::vector<int64_t>& v);
inline std::ostream& operator<<(std::ostream& os, const complex64_t& v) {
  return os << v.real() << (v.imag() >= 0 ? "+" : "") << v.imag() << "j";
}
inline std::ostream& operator<<(std::ostream& os, const float16_t& v) {
  return os << static_cast<float>(v);
}
inline std::ostream& operator<<(std::ostream& os, const bfloat16_t& v) {
  return os << static_cast<float>(v);
}

inline bool is_power_of_2(int n) {
  return ((n & (n - 1)) == 0) && n != 0;
}

inline int next_power_of_2(int n) {
  if (is_power_of_2(n)) {
    return n;
  }
  return 1 << (32 - __builtin_clz(n));
}

/** Limits of a floating point type. */
struct finfo {
  explicit finfo(Dtype dtype);
  Dtype dtype;
  int bits;
  double min;
  double max;
  double eps;
  double smallest_normal;
};

/** Limits of an integer type. */
struct iinfo {
  explicit iinfo(Dtype dtype);
  Dtype dtype;
  int64_t min;
  uint64_t max;
};

} // namespace mlx::core
