#include "mlx/dtype.h"

#include <sstream>
#include <stdexcept>

namespace mlx::core {

namespace {

constexpr int num_types = 14;

constexpr Dtype::Kind type_kinds[num_types] = {
    Dtype::Kind::b, // bool_
    Dtype::Kind::u, // uint8
    Dtype::Kind::u, // uint16
    Dtype::Kind::u, // uint32
    Dtype::Kind::u, // uint64
    Dtype::Kind::i, // int8
    Dtype::Kind::i, // int16
    Dtype::Kind::i, // int32
    Dtype::Kind::i, // int64
    Dtype::Kind::f, // float16
    Dtype::Kind::f, // float32
    Dtype::Kind::f, // float64
    Dtype::Kind::V, // bfloat16
    Dtype::Kind::c, // complex64
};

// JAX's promotion lattice as MLX applies it: unsigned with signed widens to the next signed
// type (uint64 with any signed type gives float32), integers with a float give that float,
// float16 with bfloat16 gives float32, float64 absorbs the other floats, complex64 absorbs all.
// clang-format off
constexpr Dtype type_rules[num_types][num_types] = {
// bool       uint8      uint16     uint32     uint64     int8       int16      int32      int64      float16    float32    float64    bfloat16   complex64
  {bool_,     uint8,     uint16,    uint32,    uint64,    int8,      int16,     int32,     int64,     float16,   float32,   float64,   bfloat16,  complex64}, // bool
  {uint8,     uint8,     uint16,    uint32,    uint64,    int16,     int16,     int32,     int64,     float16,   float32,   float64,   bfloat16,  complex64}, // uint8
  {uint16,    uint16,    uint16,    uint32,    uint64,    int32,     int32,     int32,     int64,     float16,   float32,   float64,   bfloat16,  complex64}, // uint16
  {uint32,    uint32,    uint32,    uint32,    uint64,    int64,     int64,     int64,     int64,     float16,   float32,   float64,   bfloat16,  complex64}, // uint32
  {uint64,    uint64,    uint64,    uint64,    uint64,    float32,   float32,   float32,   float32,   float16,   float32,   float64,   bfloat16,  complex64}, // uint64
  {int8,      int16,     int32,     int64,     float32,   int8,      int16,     int32,     int64,     float16,   float32,   float64,   bfloat16,  complex64}, // int8
  {int16,     int16,     int32,     int64,     float32,   int16,     int16,     int32,     int64,     float16,   float32,   float64,   bfloat16,  complex64}, // int16
  {int32,     int32,     int32,     int64,     float32,   int32,     int32,     int32,     int64,     float16,   float32,   float64,   bfloat16,  complex64}, // int32
  {int64,     int64,     int64,     int64,     float32,   int64,     int64,     int64,     int64,     float16,   float32,   float64,   bfloat16,  complex64}, // int64
  {float16,   float16,   float16,   float16,   float16,   float16,   float16,   float16,   float16,   float16,   float32,   float64,   float32,   complex64}, // float16
  {float32,   float32,   float32,   float32,   float32,   float32,   float32,   float32,   float32,   float32,   float32,   float64,   float32,   complex64}, // float32
  {float64,   float64,   float64,   float64,   float64,   float64,   float64,   float64,   float64,   float64,   float64,   float64,   float64,   complex64}, // float64
  {bfloat16,  bfloat16,  bfloat16,  bfloat16,  bfloat16,  bfloat16,  bfloat16,  bfloat16,  bfloat16,  float32,   float32,   float64,   bfloat16,  complex64}, // bfloat16
  {complex64, complex64, complex64, complex64, complex64, complex64, complex64, complex64, complex64, complex64, complex64, complex64, complex64, complex64}, // complex64
};
// clang-format on

} // namespace

Dtype promote_types(const Dtype& t1, const Dtype& t2) {
  return type_rules[static_cast<int>(t1.val())][static_cast<int>(t2.val())];
}

Dtype::Kind kindof(const Dtype& t) {
  return type_kinds[static_cast<int>(t.val())];
}

bool issubdtype(const Dtype& a, const Dtype& b) {
  return a == b;
}

bool issubdtype(const Dtype::Category& cat, const Dtype& type) {
  return false;
}

bool issubdtype(const Dtype& type, const Dtype::Category& cat) {
  switch (cat) {
  case Dtype::Category::generic:
    return true;
  case Dtype::Category::number:
    return type != bool_;
  case Dtype::Category::integer:
    return kindof(type) == Dtype::Kind::u || kindof(type) == Dtype::Kind::i;
  case Dtype::Category::unsignedinteger:
    return kindof(type) == Dtype::Kind::u;
  case Dtype::Category::signedinteger:
    return kindof(type) == Dtype::Kind::i;
  case Dtype::Category::inexact:
    return kindof(type) == Dtype::Kind::f || kindof(type) == Dtype::Kind::V ||
           kindof(type) == Dtype::Kind::c;
  case Dtype::Category::floating:
    return kindof(type) == Dtype::Kind::f || kindof(type) == Dtype::Kind::V;
  case Dtype::Category::complexfloating:
    return kindof(type) == Dtype::Kind::c;
  }
  return false;
}

bool issubdtype(const Dtype::Category& a, const Dtype::Category& b) {
  if (a == b) {
    return true;
  }
  switch (a) {
  case Dtype::Category::generic:
    return false;
  case Dtype::Category::number:
    return b == Dtype::Category::generic;
  case Dtype::Category::integer:
  case Dtype::Category::inexact:
    return b == Dtype::Category::number || b == Dtype::Category::generic;
  case Dtype::Category::signedinteger:
  case Dtype::Category::unsignedinteger:
    return b == Dtype::Category::integer || b == Dtype::Category::number ||
           b == Dtype::Category::generic;
  case Dtype::Category::floating:
  case Dtype::Category::complexfloating:
    return b == Dtype::Category::inexact || b == Dtype::Category::number ||
           b == Dtype::Category::generic;
  }
  return false;
}

template <>
TypeToDtype<bool>::operator Dtype() {
  return bool_;
}
template <>
TypeToDtype<uint8_t>::operator Dtype() {
  return uint8;
}
template <>
TypeToDtype<uint16_t>::operator Dtype() {
  return uint16;
}
template <>
TypeToDtype<uint32_t>::operator Dtype() {
  return uint32;
}
template <>
TypeToDtype<uint64_t>::operator Dtype() {
  return uint64;
}
template <>
TypeToDtype<unsigned long long>::operator Dtype() {
  return uint64;
}
template <>
TypeToDtype<int8_t>::operator Dtype() {
  return int8;
}
template <>
TypeToDtype<int16_t>::operator Dtype() {
  return int16;
}
template <>
TypeToDtype<int32_t>::operator Dtype() {
  return int32;
}
template <>
TypeToDtype<int64_t>::operator Dtype() {
  return int64;
}
template <>
TypeToDtype<long long>::operator Dtype() {
  return int64;
}
template <>
TypeToDtype<float16_t>::operator Dtype() {
  return float16;
}
template <>
TypeToDtype<float>::operator Dtype() {
  return float32;
}
template <>
TypeToDtype<double>::operator Dtype() {
  return float32;
}
template <>
TypeToDtype<bfloat16_t>::operator Dtype() {
  return bfloat16;
}
template <>
TypeToDtype<complex64_t>::operator Dtype() {
  return complex64;
}
template <>
TypeToDtype<std::complex<float>>::operator Dtype() {
  return complex64;
}

std::string dtype_to_array_protocol(const Dtype& t) {
  std::ostringstream r;
  r << (size_of(t) > 1 ? "<" : "|") << kindof(t) << static_cast<int>(size_of(t));
  return r.str();
}

Dtype dtype_from_array_protocol(std::string_view t) {
  if (t.length() == 2 || t.length() == 3) {
    std::string_view r = t.length() == 3 ? t.substr(1, 2) : t;
    if (r == "V2") {
      return bfloat16;
    }
    int size = r[1] - '0';
    switch (r[0]) {
    case 'b':
      if (size == 1)
        return bool_;
      break;
    case 'i':
      if (size == 1)
        return int8;
      if (size == 2)
        return int16;
      if (size == 4)
        return int32;
      if (size == 8)
        return int64;
      break;
    case 'u':
      if (size == 1)
        return uint8;
      if (size == 2)
        return uint16;
      if (size == 4)
        return uint32;
      if (size == 8)
        return uint64;
      break;
    case 'f':
      if (size == 2)
        return float16;
      if (size == 4)
        return float32;
      if (size == 8)
        return float64;
      break;
    case 'c':
      if (size == 8)
        return complex64;
      break;
    }
  }
  throw std::invalid_argument("[from_str] Invalid array protocol type-string: " + std::string(t));
}

const char* dtype_to_string(Dtype dtype) {
  switch (dtype) {
  case Dtype::Val::bool_:
    return "bool";
  case Dtype::Val::uint8:
    return "uint8";
  case Dtype::Val::uint16:
    return "uint16";
  case Dtype::Val::uint32:
    return "uint32";
  case Dtype::Val::uint64:
    return "uint64";
  case Dtype::Val::int8:
    return "int8";
  case Dtype::Val::int16:
    return "int16";
  case Dtype::Val::int32:
    return "int32";
  case Dtype::Val::int64:
    return "int64";
  case Dtype::Val::float16:
    return "float16";
  case Dtype::Val::float32:
    return "float32";
  case Dtype::Val::float64:
    return "float64";
  case Dtype::Val::bfloat16:
    return "bfloat16";
  case Dtype::Val::complex64:
    return "complex64";
  }
  return "unknown";
}

} // namespace mlx::core
