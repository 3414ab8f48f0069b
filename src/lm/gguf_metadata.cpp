#include "lm/gguf_metadata.h"

#include <stdexcept>

#include "mlx/ops.h"
#include "mlx/transforms.h"

namespace mlxcpp::lm::detail {

namespace mx = mlx::core;

bool GGUFReader::has(const std::string& key) const {
  auto it = metadata_.find(key);
  return it != metadata_.end() && !std::holds_alternative<std::monostate>(it->second);
}

bool GGUFReader::is_list(const std::string& key) const {
  if (!has(key)) {
    return false;
  }
  auto a = std::get_if<mx::array>(&metadata_.at(key));
  return a != nullptr && a->ndim() == 1;
}

void GGUFReader::bad(const std::string& key, const char* expected) const {
  if (!has(key)) {
    throw std::runtime_error("GGUF metadata key \"" + key + "\" is missing.");
  }
  throw std::runtime_error("GGUF metadata key \"" + key + "\" is not " + expected + ".");
}

const mx::array& GGUFReader::scalar(const std::string& key, const char* expected) const {
  if (has(key)) {
    if (auto a = std::get_if<mx::array>(&metadata_.at(key)); a && a->ndim() == 0) {
      return *a;
    }
  }
  bad(key, expected);
}

const mx::array& GGUFReader::list(const std::string& key, const char* expected) const {
  if (has(key)) {
    if (auto a = std::get_if<mx::array>(&metadata_.at(key)); a && a->ndim() == 1) {
      return *a;
    }
  }
  bad(key, expected);
}

std::string GGUFReader::string(const std::string& key) const {
  if (has(key)) {
    if (auto s = std::get_if<std::string>(&metadata_.at(key))) {
      return *s;
    }
  }
  bad(key, "a string");
}

std::optional<std::string> GGUFReader::optional_string(const std::string& key) const {
  return has(key) ? std::optional(string(key)) : std::nullopt;
}

int64_t GGUFReader::integer(const std::string& key) const {
  const auto& a = scalar(key, "an integer");
  if (!mx::issubdtype(a.dtype(), mx::integer)) {
    bad(key, "an integer");
  }
  return mx::astype(a, mx::int64, mx::Device::cpu).item<int64_t>();
}

std::optional<int64_t> GGUFReader::optional_integer(const std::string& key) const {
  return has(key) ? std::optional(integer(key)) : std::nullopt;
}

double GGUFReader::number(const std::string& key) const {
  const auto& a = scalar(key, "a number");
  if (!mx::issubdtype(a.dtype(), mx::integer) && !mx::issubdtype(a.dtype(), mx::floating)) {
    bad(key, "a number");
  }
  return mx::astype(a, mx::float64, mx::Device::cpu).item<double>();
}

std::optional<double> GGUFReader::optional_number(const std::string& key) const {
  return has(key) ? std::optional(number(key)) : std::nullopt;
}

std::optional<bool> GGUFReader::optional_bool(const std::string& key) const {
  if (!has(key)) {
    return std::nullopt;
  }
  const auto& a = scalar(key, "a boolean");
  if (a.dtype() != mx::bool_) {
    bad(key, "a boolean");
  }
  return a.item<bool>();
}

std::vector<std::string> GGUFReader::strings(const std::string& key) const {
  if (has(key)) {
    if (auto s = std::get_if<std::vector<std::string>>(&metadata_.at(key))) {
      return *s;
    }
  }
  bad(key, "a list of strings");
}

std::vector<float> GGUFReader::floats(const std::string& key) const {
  const auto& a = list(key, "a list of numbers");
  if (!mx::issubdtype(a.dtype(), mx::integer) && !mx::issubdtype(a.dtype(), mx::floating)) {
    bad(key, "a list of numbers");
  }
  auto f = mx::astype(a, mx::float32, mx::Device::cpu);
  mx::eval(f);
  return {f.data<float>(), f.data<float>() + f.size()};
}

std::vector<int32_t> GGUFReader::integers(const std::string& key) const {
  const auto& a = list(key, "a list of integers");
  if (!mx::issubdtype(a.dtype(), mx::integer) && a.dtype() != mx::bool_) {
    bad(key, "a list of integers");
  }
  auto i = mx::astype(a, mx::int32, mx::Device::cpu);
  mx::eval(i);
  return {i.data<int32_t>(), i.data<int32_t>() + i.size()};
}

} // namespace mlxcpp::lm::detail
