// vmap against a loop over the batch: element-wise ops, reductions, shape ops, matmul,
// softmax, in/out axes, unbatched inputs, ops without a rule (the loop fallback), nested vmap,
// vmap of grad (per-example gradients), and errors.
#include "grad_check.h"

using namespace grad_check;

namespace {

using VFn = std::function<std::vector<array>(const std::vector<array>&)>;

// f applied to each batch entry of the inputs (in_axes, -1: shared), stacked at out_axes.
std::vector<array> loop(const VFn& f, const std::vector<array>& inputs,
                        const std::vector<int>& in_axes, const std::vector<int>& out_axes) {
  int batch = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (in_axes[i] >= 0) {
      batch = inputs[i].shape(in_axes[i]);
    }
  }
  std::vector<std::vector<array>> per_output;
  for (int b = 0; b < batch; ++b) {
    std::vector<array> entry;
    for (size_t i = 0; i < inputs.size(); ++i) {
      entry.push_back(in_axes[i] >= 0 ? take(inputs[i], b, in_axes[i]) : inputs[i]);
    }
    auto outs = f(entry);
    per_output.resize(outs.size());
    for (size_t o = 0; o < outs.size(); ++o) {
      per_output[o].push_back(outs[o]);
    }
  }
  std::vector<array> stacked;
  for (size_t o = 0; o < per_output.size(); ++o) {
    stacked.push_back(stack(per_output[o], out_axes[o]));
  }
  return stacked;
}

void expect_vmap_equals_loop(const VFn& f, const std::vector<array>& inputs,
                             std::vector<int> in_axes = {}, std::vector<int> out_axes = {}) {
  auto got = vmap(f, in_axes, out_axes)(inputs);
  if (in_axes.empty()) {
    in_axes.assign(inputs.size(), 0);
  }
  if (out_axes.empty()) {
    out_axes.assign(got.size(), 0);
  }
  auto want = loop(f, inputs, in_axes, out_axes);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].shape(), want[i].shape()) << "output " << i;
    EXPECT_EQ(got[i].dtype(), want[i].dtype()) << "output " << i;
    EXPECT_TRUE(allclose(got[i], want[i], 1e-12, 1e-12).item<bool>()) << "output " << i;
  }
}

VFn one(const std::function<array(const array&)>& f) {
  return [f](const std::vector<array>& in) { return std::vector<array>{f(in[0])}; };
}

VFn two(const std::function<array(const array&, const array&)>& f) {
  return [f](const std::vector<array>& in) { return std::vector<array>{f(in[0], in[1])}; };
}

TEST(Vmap, ElementwiseOps) {
  auto x = random_array({4, 3}, 0.2, 2);
  auto y = random_array({4, 3}, 0.2, 2);
  expect_vmap_equals_loop(one([](const array& a) { return exp(a); }), {x});
  expect_vmap_equals_loop(one([](const array& a) { return sqrt(a); }), {x}, {1});
  expect_vmap_equals_loop(one([](const array& a) { return astype(a, float32); }), {x});
  expect_vmap_equals_loop(one([](const array& a) { return logical_not(a > 1.0); }), {x});
  expect_vmap_equals_loop(two([](const array& a, const array& b) { return a * b + b; }), {x, y});
  expect_vmap_equals_loop(two([](const array& a, const array& b) { return power(a, b); }),
                          {x, transpose(y)}, {0, 1});
  expect_vmap_equals_loop(two([](const array& a, const array& b) { return a < b; }), {x, y});
  // One input shared across the batch, and broadcasting inside the function.
  auto row = random_array({3});
  expect_vmap_equals_loop(two([](const array& a, const array& b) { return divide(a, b); }),
                          {x, row}, {0, -1});
  expect_vmap_equals_loop(
      [](const std::vector<array>& in) {
        return std::vector<array>{where(in[0] > 1.0, in[0], in[1])};
      },
      {x, random_array({4})}, {0, 0});
}

TEST(Vmap, Reductions) {
  auto x = random_array({3, 4, 5});
  for (int ax : {0, 1, 2}) {
    SCOPED_TRACE(ax);
    std::vector<int> in_axes = {ax};
    expect_vmap_equals_loop(one([](const array& a) { return sum(a, 1); }), {x}, in_axes);
    expect_vmap_equals_loop(one([](const array& a) { return max(a, {0, 1}, true); }), {x}, in_axes);
    expect_vmap_equals_loop(one([](const array& a) { return mean(a); }), {x}, in_axes);
    expect_vmap_equals_loop(one([](const array& a) { return logsumexp(a, 0); }), {x}, in_axes);
    expect_vmap_equals_loop(one([](const array& a) { return softmax(a, -1); }), {x}, in_axes);
    expect_vmap_equals_loop(one([](const array& a) { return prod(a, 0); }), {x}, in_axes);
  }
}

TEST(Vmap, ShapeOps) {
  auto x = random_array({2, 3, 4});
  expect_vmap_equals_loop(one([](const array& a) { return reshape(a, {4, 3}); }), {x});
  expect_vmap_equals_loop(one([](const array& a) { return reshape(a, {-1}); }), {x}, {2});
  expect_vmap_equals_loop(one([](const array& a) { return transpose(a); }), {x}, {1});
  expect_vmap_equals_loop(one([](const array& a) { return broadcast_to(a, {5, 3, 4}); }), {x});
  expect_vmap_equals_loop(one([](const array& a) {
                            return broadcast_to(a, {3, 4, 2});
                          }),
                          {random_array({2, 3, 4, 1})}, {0});
  expect_vmap_equals_loop(one([](const array& a) {
                            return slice(a, {1, 0}, {3, 4}, {1, 2});
                          }),
                          {x}, {0});
  expect_vmap_equals_loop(one([](const array& a) {
                            return slice(a, {2, 3}, {-4, 0}, {-1, -2});
                          }),
                          {x}, {1});
  expect_vmap_equals_loop(one([](const array& a) { return expand_dims(a, 0); }), {x}, {2});
  expect_vmap_equals_loop(
      [](const std::vector<array>& in) {
        return std::vector<array>{concatenate({in[0], in[1], in[0]}, 1)};
      },
      {x, random_array({2, 5})}, {1, -1});
}

TEST(Vmap, Matmul) {
  auto a = random_array({5, 3, 4});
  auto b = random_array({4, 2});
  expect_vmap_equals_loop(two([](const array& p, const array& q) { return matmul(p, q); }), {a, b},
                          {0, -1});
  expect_vmap_equals_loop(two([](const array& p, const array& q) { return matmul(p, q); }),
                          {random_array({3, 4}), random_array({4, 5, 2})}, {-1, 1});
  expect_vmap_equals_loop(two([](const array& p, const array& q) { return matmul(p, q); }),
                          {a, random_array({5, 4, 2})}, {0, 0});
  // Matrix-vector per batch entry.
  expect_vmap_equals_loop(two([](const array& p, const array& q) { return matmul(p, q); }),
                          {a, random_array({4, 5})}, {0, 1});
}

TEST(Vmap, OutAxesAndMultipleOutputs) {
  auto x = random_array({3, 4});
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{sum(in[0], 0), exp(in[0])};
  };
  expect_vmap_equals_loop(f, {x}, {1}, {0, 1});
  auto out = vmap(one([](const array& a) { return exp(a); }), {0}, {1})({x});
  EXPECT_EQ(out[0].shape(), (Shape{4, 3}));
}

TEST(Vmap, OpsWithoutARuleFallBackToALoop) {
  auto x = random_array({3, 6});
  expect_vmap_equals_loop(one([](const array& a) { return sort(a); }), {x});
  expect_vmap_equals_loop(one([](const array& a) { return cumsum(a, 0); }), {x}, {1});
  expect_vmap_equals_loop(one([](const array& a) { return argmax(a, 0); }), {x}, {1});
  expect_vmap_equals_loop(two([](const array& a, const array& i) { return take(a, i, 0); }),
                          {x, array({0, 2, 5, 1, 1, 0}, {3, 2}, int32)}, {0, 0});
}

TEST(Vmap, NestedVmapAndPerExampleGradients) {
  auto x = random_array({2, 3, 4});
  auto inner = vmap(one([](const array& a) { return sum(square(a)); }));
  expect_vmap_equals_loop(inner, {x});
  // Per-example gradients of a linear model's squared error.
  auto w = random_array({4});
  auto xs = random_array({5, 4});
  auto ys = random_array({5});
  auto loss = [](const std::vector<array>& in) {
    return square(subtract(sum(multiply(in[0], in[1])), in[2]));
  };
  VFn per_example = [&](const std::vector<array>& in) { return grad(loss, 0)(in); };
  expect_vmap_equals_loop(per_example, {w, xs, ys}, {-1, 0, 0});
}

TEST(Vmap, UnaryAndBinaryOverloads) {
  auto x = random_array({3, 2});
  auto f = vmap([](const array& a) { return sum(a); }, 1);
  EXPECT_TRUE(allclose(f(x), sum(x, 0)).item<bool>());
  auto g = vmap([](const array& a, const array& b) { return a * b; }, 0, -1, 0);
  auto b = random_array({2});
  EXPECT_TRUE(allclose(g(x, b), multiply(x, b)).item<bool>());
}

TEST(Vmap, Errors) {
  auto f = one([](const array& a) { return exp(a); });
  EXPECT_THROW(vmap(f, {0, 0})({array({1.0})}), std::invalid_argument);
  EXPECT_THROW(vmap(f, {2})({array({1.0, 2.0})}), std::invalid_argument);
  EXPECT_THROW(vmap(f)({array(1.0)}), std::invalid_argument);
  EXPECT_THROW(vmap(f, {0}, {3})({array({1.0, 2.0})}), std::invalid_argument);
  EXPECT_THROW(vmap(f, {-1}, {}), std::invalid_argument);
  auto g = two([](const array& a, const array& b) { return a + b; });
  EXPECT_THROW(vmap(g)({array({1.0, 2.0}), array({1.0, 2.0, 3.0})}), std::invalid_argument);
  EXPECT_THROW(vmap(f, {0}, {0, 0})({array({1.0, 2.0})}), std::invalid_argument);
}

TEST(Vmap, CustomFunctionsAndStopGradient) {
  auto x = random_array({4, 3});
  auto custom =
      custom_vjp([](const std::vector<array>& in) { return std::vector<array>{exp(in[0])}; },
                 [](const std::vector<array>&, const std::vector<array>& cotangents,
                    const std::vector<array>& outputs) {
                   return std::vector<array>{multiply(cotangents[0], outputs[0])};
                 });
  expect_vmap_equals_loop(custom, {x});
  expect_vmap_equals_loop(one([](const array& a) { return stop_gradient(a) * a; }), {x}, {1});
}

} // namespace
