#include "core/primitives/reduce.h"

namespace mlx::core {

const char* Reduce::name() const {
  switch (type_) {
  case ReduceType::And:
    return "All";
  case ReduceType::Or:
    return "Any";
  case ReduceType::Sum:
    return "Sum";
  case ReduceType::Prod:
    return "Prod";
  case ReduceType::Min:
    return "Min";
  case ReduceType::Max:
    return "Max";
  }
  return "Reduce";
}

bool Reduce::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Reduce*>(&other);
  return o && o->type_ == type_ && o->axes_ == axes_;
}

std::vector<Shape> Reduce::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  for (int ax : axes_) {
    shape[ax] = 1;
  }
  return {shape};
}

bool ArgReduce::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const ArgReduce*>(&other);
  return o && o->type_ == type_ && o->axis_ == axis_;
}

} // namespace mlx::core
