// Primitives that exist for the function transforms: a gradient barrier, and the node that
// gives a function custom vjp/jvp/vmap rules. Both share their inputs' buffers (as Depends).
#pragma once

#include <functional>
#include <optional>

#include "core/primitives/shape.h"

namespace mlx::core {

// The identity, seen as a constant by vjp and jvp: the graph walks stop at it.
class StopGradient : public Depends {
public:
  explicit StopGradient(Stream stream) : Depends(stream) {}

  const char* name() const override { return "StopGradient"; }
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
};

// Inputs: the function's outputs (already computed, behind stop_gradient), then its
// arguments. The node's outputs share the first inputs' buffers; its transforms call the
// user's rules on the arguments.
class CustomTransforms : public Depends {
public:
  using VjpFn = std::function<std::vector<array>(
      const std::vector<array>&, const std::vector<array>&, const std::vector<array>&)>;
  using JvpFn = std::function<std::vector<array>(
      const std::vector<array>&, const std::vector<array>&, const std::vector<int>&)>;
  using VmapFn = std::function<std::pair<std::vector<array>, std::vector<int>>(
      const std::vector<array>&, const std::vector<int>&)>;

  CustomTransforms(Stream stream, int num_outputs, VjpFn vjp, JvpFn jvp, VmapFn vmap)
      : Depends(stream), num_outputs_(num_outputs), vjp_fun_(std::move(vjp)),
        jvp_fun_(std::move(jvp)), vmap_fun_(std::move(vmap)) {}

  const char* name() const override { return "CustomTransforms"; }
  bool is_equivalent(const Primitive&) const override { return false; }
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;

private:
  int num_outputs_;
  VjpFn vjp_fun_;
  JvpFn jvp_fun_;
  VmapFn vmap_fun_;
};

} // namespace mlx::core
