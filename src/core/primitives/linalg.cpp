#include "core/primitives/linalg.h"

namespace mlx::core {

namespace {

template <typename P>
const P* same_type(const Primitive& other) {
  return dynamic_cast<const P*>(&other);
}

} // namespace

bool LUF::is_equivalent(const Primitive& other) const {
  return same_type<LUF>(other) != nullptr;
}

bool QRF::is_equivalent(const Primitive& other) const {
  return same_type<QRF>(other) != nullptr;
}

bool SVD::is_equivalent(const Primitive& other) const {
  auto* o = same_type<SVD>(other);
  return o && o->compute_uv_ == compute_uv_;
}

bool Inverse::is_equivalent(const Primitive& other) const {
  auto* o = same_type<Inverse>(other);
  return o && o->tri_ == tri_ && o->upper_ == upper_;
}

bool Cholesky::is_equivalent(const Primitive& other) const {
  auto* o = same_type<Cholesky>(other);
  return o && o->upper_ == upper_;
}

bool Eigh::is_equivalent(const Primitive& other) const {
  auto* o = same_type<Eigh>(other);
  return o && o->uplo_ == uplo_ && o->compute_eigenvectors_ == compute_eigenvectors_;
}

bool Eig::is_equivalent(const Primitive& other) const {
  auto* o = same_type<Eig>(other);
  return o && o->compute_eigenvectors_ == compute_eigenvectors_;
}

bool Solve::is_equivalent(const Primitive& other) const {
  auto* o = same_type<Solve>(other);
  return o && o->triangular_ == triangular_ && o->upper_ == upper_;
}

bool Determinant::is_equivalent(const Primitive& other) const {
  auto* o = same_type<Determinant>(other);
  return o && o->log_abs_ == log_abs_;
}

} // namespace mlx::core
