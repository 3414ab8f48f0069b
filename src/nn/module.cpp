#include "mlxcpp/nn/module.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "mlx/ops.h"

namespace mlxcpp::nn {

namespace mx = mlx::core;

void Module::register_parameter(std::string name, array& parameter) {
  parameters_.emplace_back(std::move(name), &parameter);
}

void Module::unregister_parameter(const std::string& name) {
  std::erase_if(parameters_, [&](const auto& p) { return p.first == name; });
}

void Module::register_module(std::string name, Module& child) {
  children_.emplace_back(std::move(name), &child);
}

void Module::collect(const std::string& prefix, std::vector<std::pair<std::string, array*>>& out) {
  for (auto& [name, p] : parameters_) {
    out.emplace_back(prefix + name, p);
  }
  for (auto& [name, child] : children_) {
    child->collect(name.empty() ? prefix : prefix + name + ".", out);
  }
}

void Module::collect_modules(const std::string& prefix,
                             std::vector<std::pair<std::string, Module*>>& out) {
  out.emplace_back(prefix, this);
  for (auto& [name, child] : children_) {
    auto path = name.empty() ? prefix : (prefix.empty() ? name : prefix + "." + name);
    child->collect_modules(path, out);
  }
}

std::vector<std::pair<std::string, array*>> Module::named_parameters() {
  std::vector<std::pair<std::string, array*>> out;
  collect("", out);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  collect_modules("", out);
  return out;
}

namespace {
std::string shape_string(const mx::Shape& shape) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    os << (i ? ", " : "") << shape[i];
  }
  os << ")";
  return os.str();
}
} // namespace

void Module::load_weights(const WeightMap& weights, bool strict) {
  auto params = named_parameters();
  std::unordered_set<std::string> used;
  for (auto& [name, p] : params) {
    auto it = weights.find(name);
    if (it == weights.end()) {
      if (strict) {
        throw std::runtime_error("Missing weight \"" + name + "\" in the checkpoint.");
      }
      continue;
    }
    if (it->second.shape() != p->shape()) {
      throw std::runtime_error("Weight \"" + name + "\" has shape " +
                               shape_string(it->second.shape()) + " but the model expects " +
                               shape_string(p->shape()) + ".");
    }
    *p = it->second;
    used.insert(name);
  }
  if (strict && used.size() != weights.size()) {
    std::vector<std::string> extra;
    for (auto& [name, w] : weights) {
      if (!used.count(name)) {
        extra.push_back(name);
      }
    }
    std::sort(extra.begin(), extra.end());
    throw std::runtime_error(
        "The checkpoint has a weight the model does not use: \"" + extra[0] + "\"" +
        (extra.size() > 1 ? " (and " + std::to_string(extra.size() - 1) + " more)" : "") + ".");
  }
}

WeightMap Module::weights() {
  WeightMap out;
  for (auto& [name, p] : named_parameters()) {
    out.emplace(name, *p);
  }
  return out;
}

void Module::cast(mx::Dtype dtype) {
  for (auto& [name, p] : named_parameters()) {
    if (mx::issubdtype(p->dtype(), mx::floating)) {
      *p = mx::astype(*p, dtype);
    }
  }
}

size_t Module::parameter_count() {
  size_t n = 0;
  for (auto& [name, p] : named_parameters()) {
    n += p->size();
  }
  return n;
}

size_t Module::parameter_bytes() {
  size_t n = 0;
  for (auto& [name, p] : named_parameters()) {
    n += p->nbytes();
  }
  return n;
}

} // namespace mlxcpp::nn
