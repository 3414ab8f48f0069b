#include "mlx/utils.h"

#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

#include "core/dtype_dispatch.h"

namespace mlx::core {

Stream to_stream(StreamOrDevice s) {
  if (std::holds_alternative<std::monostate>(s)) {
    return default_stream(default_device());
  } else if (std::holds_alternative<Device>(s)) {
    return default_stream(std::get<Device>(s));
  }
  return std::get<Stream>(s);
}

Stream to_stream(StreamOrDevice s, Device default_) {
  if (std::holds_alternative<std::monostate>(s)) {
    return default_stream(default_);
  } else if (std::holds_alternative<Device>(s)) {
    return default_stream(std::get<Device>(s));
  }
  return std::get<Stream>(s);
}

namespace {

template <typename T>
void print_float(std::ostream& os, T val, const PrintOptions& options) {
  if (options.precision == -1) {
    os << val;
  } else {
    os << std::fixed << std::setprecision(options.precision) << val;
  }
}

} // namespace

void PrintFormatter::print(std::ostream& os, bool val) {
  if (capitalize_bool) {
    os << (val ? "True" : "False");
  } else {
    os << val;
  }
}
void PrintFormatter::print(std::ostream& os, int8_t val) {
  os << static_cast<int>(val);
}
void PrintFormatter::print(std::ostream& os, uint8_t val) {
  os << static_cast<unsigned>(val);
}
void PrintFormatter::print(std::ostream& os, int16_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, uint16_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, int32_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, uint32_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, int64_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, uint64_t val) {
  os << val;
}
void PrintFormatter::print(std::ostream& os, float16_t val) {
  print_float(os, static_cast<float>(val), format_options);
}
void PrintFormatter::print(std::ostream& os, bfloat16_t val) {
  print_float(os, static_cast<float>(val), format_options);
}
void PrintFormatter::print(std::ostream& os, float val) {
  print_float(os, val, format_options);
}
void PrintFormatter::print(std::ostream& os, double val) {
  print_float(os, val, format_options);
}
void PrintFormatter::print(std::ostream& os, complex64_t val) {
  print_float(os, val.real(), format_options);
  if (val.imag() >= 0 || std::isnan(val.imag())) {
    os << "+";
    print_float(os, val.imag(), format_options);
  } else {
    os << "-";
    print_float(os, -val.imag(), format_options);
  }
  os << "j";
}

PrintFormatter& get_global_formatter() {
  static PrintFormatter formatter;
  return formatter;
}

void set_printoptions(PrintOptions options) {
  get_global_formatter().format_options = options;
}

Dtype result_type(const std::vector<array>& arrays) {
  Dtype t = bool_;
  for (auto& arr : arrays) {
    t = promote_types(t, arr.dtype());
  }
  return t;
}

Shape broadcast_shapes(const Shape& s1, const Shape& s2) {
  // Numpy's rule: trailing axes must be equal or one of them 1.
  int ndim1 = s1.size();
  int ndim2 = s2.size();
  int ndim = std::max(ndim1, ndim2);
  int diff = std::abs(ndim1 - ndim2);
  const auto& big = ndim1 > ndim2 ? s1 : s2;
  const auto& small = ndim1 > ndim2 ? s2 : s1;
  Shape out_shape(ndim);
  for (int i = ndim - 1; i >= diff; --i) {
    auto a = big[i];
    auto b = small[i - diff];
    if (b == a) {
      out_shape[i] = a;
    } else if (a == 1 || b == 1) {
      // 0 if a or b is 0, otherwise max(a, b)
      out_shape[i] = a * b;
    } else {
      std::ostringstream msg;
      msg << "[broadcast_shapes] Shapes " << s1 << " and " << s2 << " cannot be broadcast.";
      throw std::invalid_argument(msg.str());
    }
  }
  for (int i = diff - 1; i >= 0; --i) {
    out_shape[i] = big[i];
  }
  return out_shape;
}

int normalize_axis_index(int axis, int ndim, const std::string& msg_prefix) {
  if (axis < -ndim || axis >= ndim) {
    std::ostringstream msg;
    msg << msg_prefix << "Axis " << axis << " is out of bounds for array with " << ndim
        << " dimensions.";
    throw std::invalid_argument(msg.str());
  }
  return axis < 0 ? axis + ndim : axis;
}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  os << "Device(" << (d.type == Device::cpu ? "cpu" : "gpu") << ", " << d.index << ")";
  return os;
}

std::ostream& operator<<(std::ostream& os, const Stream& s) {
  os << "Stream(" << s.device << ", " << s.index << ")";
  return os;
}

std::ostream& operator<<(std::ostream& os, const Dtype& dtype) {
  return os << dtype_to_string(dtype);
}

std::ostream& operator<<(std::ostream& os, const Dtype::Kind& k) {
  switch (k) {
  case Dtype::Kind::b:
    return os << "b";
  case Dtype::Kind::i:
    return os << "i";
  case Dtype::Kind::u:
    return os << "u";
  case Dtype::Kind::f:
    return os << "f";
  case Dtype::Kind::c:
    return os << "c";
  case Dtype::Kind::V:
    return os << "V";
  }
  return os;
}

namespace {

template <typename V>
std::ostream& print_vector(std::ostream& os, const std::vector<V>& v) {
  os << "(";
  for (size_t i = 0; i < v.size(); ++i) {
    os << v[i] << ((i == v.size() - 1) ? "" : ",");
  }
  os << ")";
  return os;
}

// Prints one axis; long axes show their first and last three entries around "...".
template <typename T>
void print_subarray(std::ostream& os, const array& a, int64_t index, int dim) {
  constexpr int num_print = 3;
  int n = a.shape(dim);
  int64_t stride = a.strides()[dim];
  bool is_last = dim == static_cast<int>(a.ndim()) - 1;
  auto prefix = is_last ? "" : std::string(7 + dim, ' ');
  auto postfix = is_last ? ", " : ",\n";
  os << "[";
  for (int i = 0; i < n; ++i) {
    os << (i == 0 ? "" : prefix);
    if (i == num_print && n > 2 * num_print) {
      os << "...";
      i = n - num_print - 1;
      index += stride * (n - 2 * num_print - 1);
    } else if (is_last) {
      get_global_formatter().print(os, a.data<T>()[index]);
    } else {
      print_subarray<T>(os, a, index, dim + 1);
    }
    os << (i == n - 1 ? "" : postfix);
    index += stride;
  }
  os << "]";
}

template <typename T>
void print_array(std::ostream& os, const array& a) {
  os << std::boolalpha;
  os << "array(";
  if (a.ndim() == 0) {
    get_global_formatter().print(os, a.data<T>()[0]);
  } else {
    print_subarray<T>(os, a, 0, 0);
  }
  os << ", dtype=" << a.dtype() << ")";
  os << std::noboolalpha;
}

} // namespace

std::ostream& operator<<(std::ostream& os, const std::vector<int>& v) {
  return print_vector(os, v);
}

std::ostream& operator<<(std::ostream& os, const std::vector<int64_t>& v) {
  return print_vector(os, v);
}

std::ostream& operator<<(std::ostream& os, array a) {
  a.eval();
  dispatch_all_types(a.dtype(), [&](auto tag) { print_array<tag_type_t<decltype(tag)>>(os, a); });
  return os;
}

namespace {

template <typename T>
void set_finfo_limits(int& bits, double& min, double& max, double& eps, double& smallest_normal) {
  bits = 8 * sizeof(T);
  min = std::numeric_limits<T>::lowest();
  max = std::numeric_limits<T>::max();
  eps = std::numeric_limits<T>::epsilon();
  smallest_normal = std::numeric_limits<T>::min();
}

} // namespace

finfo::finfo(Dtype dtype) : dtype(dtype) {
  if (!issubdtype(dtype, inexact)) {
    std::ostringstream msg;
    msg << "[finfo] dtype " << dtype << " is not inexact.";
    throw std::invalid_argument(msg.str());
  }
  if (dtype == float32 || dtype == complex64) {
    this->dtype = float32;
    set_finfo_limits<float>(bits, min, max, eps, smallest_normal);
  } else if (dtype == float64) {
    set_finfo_limits<double>(bits, min, max, eps, smallest_normal);
  } else if (dtype == float16) {
    bits = 16;
    max = 65504.0;
    min = -max;
    eps = 0.0009765625;                // 2^-10
    smallest_normal = 6.103515625e-05; // 2^-14
  } else {                             // bfloat16
    bits = 16;
    max = 3.3895313892515355e+38;
    min = -max;
    eps = 0.0078125;                          // 2^-7
    smallest_normal = 1.1754943508222875e-38; // 2^-126
  }
}

iinfo::iinfo(Dtype dtype) : dtype(dtype) {
  dispatch_int_types(dtype, "[iinfo]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    min = static_cast<int64_t>(std::numeric_limits<T>::min());
    max = static_cast<uint64_t>(std::numeric_limits<T>::max());
  });
}

} // namespace mlx::core
