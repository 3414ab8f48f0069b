#include "core/primitives/scan.h"

namespace mlx::core {

const char* Scan::name() const {
  switch (type_) {
  case ScanType::Sum:
    return "CumSum";
  case ScanType::Prod:
    return "CumProd";
  case ScanType::Max:
    return "CumMax";
  case ScanType::Min:
    return "CumMin";
  case ScanType::LogAddExp:
    return "CumLogaddexp";
  }
  return "Scan";
}

bool Scan::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Scan*>(&other);
  return o && o->type_ == type_ && o->axis_ == axis_ && o->reverse_ == reverse_ &&
         o->inclusive_ == inclusive_;
}

} // namespace mlx::core
