// The autodiff API: vjp/jvp/grad/value_and_grad semantics (argument selection, auxiliary
// outputs, errors), stop_gradient, custom_vjp/custom_function, checkpoint, higher-order
// derivatives, and the gradient of a tiny MLP's loss against central differences.
#include <gtest/gtest-spi.h>

#include "grad_check.h"

using namespace grad_check;

namespace {

bool close(const array& a, const array& b, double tol = 1e-9) {
  return allclose(a, b, tol, tol).item<bool>();
}

TEST(Autodiff, GradOfUnaryFunction) {
  auto x = array(0.7, float64);
  auto df = grad([](const array& a) { return multiply(sin(a), a); });
  EXPECT_NEAR(df(x).item<double>(), std::cos(0.7) * 0.7 + std::sin(0.7), 1e-12);
  auto [value, g] = value_and_grad([](const array& a) { return square(a); })(array(3.0f));
  EXPECT_FLOAT_EQ(value.item<float>(), 9.0f);
  EXPECT_FLOAT_EQ(g.item<float>(), 6.0f);
}

TEST(Autodiff, VjpAndJvpOfUnaryFunction) {
  auto x = array({1.0, 2.0}, float64);
  auto [out, ct] = vjp([](const array& a) { return exp(a); }, x, array({1.0, 10.0}, float64));
  EXPECT_TRUE(close(out, exp(x)));
  EXPECT_TRUE(close(ct, multiply(exp(x), array({1.0, 10.0}, float64))));
  auto [out2, t] = jvp([](const array& a) { return square(a); }, x, array({3.0, 1.0}, float64));
  EXPECT_TRUE(close(t, array({6.0, 4.0}, float64)));
}

TEST(Autodiff, ArgnumsSelectInputsInOrder) {
  auto f = [](const std::vector<array>& in) {
    return sum(multiply(multiply(in[0], square(in[1])), exp(in[2])));
  };
  auto a = array({1.0, 2.0}, float64);
  auto b = array({3.0, -1.0}, float64);
  auto c = array({0.5, 0.25}, float64);
  auto g = grad(f, std::vector<int>{2, 0})({a, b, c}); // returned in increasing order: 0, 2
  ASSERT_EQ(g.size(), 2u);
  EXPECT_TRUE(close(g[0], multiply(square(b), exp(c))));
  EXPECT_TRUE(close(g[1], multiply(multiply(a, square(b)), exp(c))));
  auto last = grad(f, -2)({a, b, c}); // negative counts from the end
  EXPECT_TRUE(close(last[0], multiply(multiply(multiply(a, b), exp(c)), array(2.0, float64))));
}

TEST(Autodiff, ValueAndGradWithAuxiliaryOutputs) {
  auto f = [](const std::vector<array>& in) {
    auto loss = sum(square(in[0]));
    auto aux = multiply(in[0], array(10.0, float64)); // not differentiated
    return std::vector<array>{loss, aux};
  };
  auto x = array({1.0, -2.0}, float64);
  auto [values, grads] = value_and_grad(f)({x});
  ASSERT_EQ(values.size(), 2u);
  EXPECT_DOUBLE_EQ(values[0].item<double>(), 5.0);
  EXPECT_TRUE(close(values[1], array({10.0, -20.0}, float64)));
  EXPECT_TRUE(close(grads[0], array({2.0, -4.0}, float64)));
}

TEST(Autodiff, SimpleValueAndGradOverParameterList) {
  std::vector<array> params = {array({1.0, 2.0}, float64), array(3.0, float64),
                               array({1.0, 0.0, 0.0, 2.0}, {2, 2}, float64)};
  auto f = [](const std::vector<array>& p) {
    return add(sum(matmul(p[2], multiply(p[0], p[1]))), p[1]);
  };
  std::vector<int> all = {0, 1, 2};
  auto [value, grads] = value_and_grad(f, all)(params);
  EXPECT_DOUBLE_EQ(value.item<double>(), (1 * 3.0) + (2 * 2 * 3.0) + 3.0);
  ASSERT_EQ(grads.size(), 3u);
  EXPECT_TRUE(close(grads[0], array({3.0, 6.0}, float64)));
  EXPECT_DOUBLE_EQ(grads[1].item<double>(), 1.0 + 4.0 + 1.0);
  EXPECT_TRUE(close(grads[2], array({3.0, 6.0, 3.0, 6.0}, {2, 2}, float64)));
}

TEST(Autodiff, BadArgnumsAreRejected) {
  auto f = [](const std::vector<array>& in) { return sum(in[0]); };
  std::vector<array> in = {array({1.0}, float64)};
  EXPECT_THROW(value_and_grad(f, std::vector<int>{}), std::invalid_argument);
  EXPECT_THROW(grad(f, 1)(in), std::invalid_argument);
  EXPECT_THROW(grad(f, -2)(in), std::invalid_argument);
  EXPECT_THROW(grad(f, std::vector<int>{0, 0})(in), std::invalid_argument);
  try {
    grad(f, 3)(in);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[grad] Invalid argument number"), std::string::npos);
  }
}

TEST(Autodiff, NonFloatInputsAreRejected) {
  auto f = [](const std::vector<array>& in) { return sum(astype(in[0], float32)); };
  try {
    grad(f)({array({1, 2, 3})});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("int32"), std::string::npos) << e.what();
  }
  Fn vf = [&](const std::vector<array>& in) { return std::vector<array>{f(in)}; };
  EXPECT_THROW(vjp(vf, {array({1, 2})}, {array(1.0f)}), std::invalid_argument);
  EXPECT_THROW(jvp(vf, {array({true})}, {array({true})}), std::invalid_argument);
  // Integer inputs that are not differentiated are fine.
  auto g = [](const std::vector<array>& in) { return sum(take(in[0], in[1])); };
  auto grads = grad(g, 0)({array({1.0f, 2.0f, 3.0f}), array({2, 2}, int32)});
  EXPECT_TRUE(close(grads[0], array({0.0f, 0.0f, 2.0f})));
}

TEST(Autodiff, NonScalarLossAndMismatchedCotangentsAreRejected) {
  auto f = [](const std::vector<array>& in) { return multiply(in[0], in[0]); };
  try {
    grad(f)({array({1.0, 2.0}, float64)});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("must return a scalar"), std::string::npos) << e.what();
  }
  auto vf = [](const std::vector<array>& in) { return std::vector<array>{in[0], in[0]}; };
  EXPECT_THROW(vjp(vf, {array({1.0}, float64)}, {array({1.0}, float64)}), std::invalid_argument);
  EXPECT_THROW(jvp(vf, {array({1.0}, float64)}, {}), std::invalid_argument);
  EXPECT_THROW(jvp(vf, {array({1.0}, float64)}, {array({1.0, 2.0}, float64)}),
               std::invalid_argument);
}

TEST(Autodiff, StopGradientBlocksTheGradient) {
  auto f = [](const array& x) { return sum(multiply(x, stop_gradient(square(x)))); };
  auto x = array({1.0, 2.0, -3.0}, float64);
  EXPECT_TRUE(close(grad(f)(x), square(x)));
  // The value passes through unchanged.
  EXPECT_TRUE(close(stop_gradient(x), x));
  // An output behind stop_gradient takes no cotangent.
  auto g = [](const std::vector<array>& in) {
    return std::vector<array>{stop_gradient(in[0]), sum(in[0])};
  };
  auto [outs, vjps] = vjp(g, {x}, {array(2.0, float64)});
  EXPECT_TRUE(close(vjps[0], full({3}, 2.0, float64)));
}

TEST(Autodiff, OutputsIndependentOfInputsGetZeroGradients) {
  auto f = [](const std::vector<array>& in) { return sum(in[1]); };
  auto g = grad(f, std::vector<int>{0, 1})({array({1.0, 2.0}, float64), array({3.0}, float64)});
  EXPECT_TRUE(close(g[0], zeros({2}, float64)));
  EXPECT_TRUE(close(g[1], ones({1}, float64)));
}

TEST(Autodiff, EvaluatingInsideTheFunctionKeepsTheGraph) {
  auto f = [](const array& x) {
    auto y = exp(x);
    eval(y);
    return sum(multiply(y, x));
  };
  auto x = array({0.5, -1.0}, float64);
  EXPECT_TRUE(close(grad(f)(x), multiply(exp(x), add(x, array(1.0, float64)))));
}

TEST(Autodiff, SecondDerivatives) {
  auto f = [](const array& x) { return sum(sin(x)); };
  auto x = array({0.3, 1.2}, float64);
  auto df = [&](const array& a) { return sum(grad(f)(a)); };
  EXPECT_TRUE(close(grad(df)(x), negative(sin(x))));
  auto cube = [](const array& a) { return multiply(a, multiply(a, a)); };
  auto [d1, d2] =
      jvp([&](const array& a) { return grad(cube)(a); }, array(2.0, float64), array(1.0, float64));
  EXPECT_DOUBLE_EQ(d1.item<double>(), 12.0);
  EXPECT_DOUBLE_EQ(d2.item<double>(), 12.0);
}

TEST(Autodiff, CustomVjpReplacesTheRule) {
  auto f = custom_vjp(
      [](const std::vector<array>& in) { return std::vector<array>{multiply(in[0], in[1])}; },
      [](const std::vector<array>& primals, const std::vector<array>& cotangents,
         const std::vector<array>& outputs) {
        // A deliberately different rule: 2 * ct for x, the output for y.
        return std::vector<array>{multiply(cotangents[0], array(2.0, float64)), outputs[0]};
      });
  auto x = array({1.0, 2.0}, float64);
  auto y = array({3.0, 4.0}, float64);
  auto outs = f({x, y});
  EXPECT_TRUE(close(outs[0], array({3.0, 8.0}, float64)));
  auto [_, vjps] = vjp(f, {x, y}, {array({1.0, 1.0}, float64)});
  EXPECT_TRUE(close(vjps[0], array({2.0, 2.0}, float64)));
  EXPECT_TRUE(close(vjps[1], array({3.0, 8.0}, float64)));
}

TEST(Autodiff, CustomFunctionDefaultsAndCustomJvp) {
  auto base = [](const std::vector<array>& in) { return std::vector<array>{exp(in[0])}; };
  auto plain = custom_function(base);
  auto x = array({0.1, 0.7}, float64);
  auto [o1, g1] = vjp(plain, {x}, {array({1.0, 1.0}, float64)});
  EXPECT_TRUE(close(g1[0], exp(x)));
  auto [o2, t1] = jvp(plain, {x}, {array({2.0, 1.0}, float64)});
  EXPECT_TRUE(close(t1[0], multiply(exp(x), array({2.0, 1.0}, float64))));
  auto custom = custom_function(
      base, std::nullopt,
      [](const std::vector<array>&, const std::vector<array>& tangents, const std::vector<int>&) {
        return std::vector<array>{multiply(tangents[0], array(5.0, float64))};
      });
  auto [o3, t2] = jvp(custom, {x}, {array({1.0, 1.0}, float64)});
  EXPECT_TRUE(close(t2[0], array({5.0, 5.0}, float64)));
}

TEST(Autodiff, CheckpointGivesTheSameGradient) {
  auto block = [](const std::vector<array>& in) {
    return std::vector<array>{tanh(matmul(in[0], in[1]))};
  };
  auto x = random_array({3, 4});
  auto w = random_array({4, 4});
  auto loss = [&](const std::function<std::vector<array>(const std::vector<array>&)>& f) {
    return [f](const std::vector<array>& in) {
      auto h = f({in[0], in[1]})[0];
      return sum(square(f({h, in[1]})[0]));
    };
  };
  std::vector<int> both = {0, 1};
  auto plain = grad(loss(block), both)({x, w});
  auto saved = grad(loss(checkpoint(block)), both)({x, w});
  EXPECT_TRUE(close(plain[0], saved[0]));
  EXPECT_TRUE(close(plain[1], saved[1]));
}

// A two-layer MLP with a softmax cross-entropy loss: value_and_grad over its parameter list
// against central differences.
TEST(Autodiff, TinyMlpLossGradient) {
  auto x = random_array({6, 4});
  auto labels = array({0, 2, 1, 2, 0, 1}, {6, 1}, int32);
  auto loss_fn = [&](const std::vector<array>& p) {
    auto h = maximum(add(matmul(x, p[0]), p[1]), array(0.0, float64));
    auto logits = add(matmul(h, p[2]), p[3]);
    auto picked = take_along_axis(logits, labels, 1);
    return mean(subtract(logsumexp(logits, 1, true), picked));
  };
  std::vector<array> params = {random_array({4, 8}), random_array({8}, 0.1, 0.5),
                               random_array({8, 3}), random_array({3})};
  std::vector<int> all = {0, 1, 2, 3};
  auto [loss, grads] = value_and_grad(loss_fn, all)(params);
  EXPECT_DOUBLE_EQ(loss.item<double>(), loss_fn(params).item<double>());
  // Every parameter element against a central difference.
  double eps = 1e-6;
  for (size_t i = 0; i < params.size(); ++i) {
    auto flat = reshape(params[i], {-1});
    auto g = reshape(grads[i], {-1});
    for (int j = 0; j < static_cast<int>(flat.size()); ++j) {
      auto bump = [&](double d) {
        auto p = params;
        auto e = astype(equal(arange(static_cast<int>(flat.size())), array(j)), float64);
        p[i] = reshape(add(flat, multiply(e, array(d, float64))), params[i].shape());
        return loss_fn(p).item<double>();
      };
      double numeric = (bump(eps) - bump(-eps)) / (2 * eps);
      EXPECT_NEAR(take(g, j).item<double>(), numeric, 1e-7) << "param " << i << " elem " << j;
    }
  }
  check([&](const std::vector<array>& p) { return std::vector<array>{loss_fn(p)}; }, params);
}

// The checker itself must catch a wrong rule: here a vjp that is off by a factor of two.
void check_a_wrong_vjp() {
  auto f = custom_vjp([](const std::vector<array>& in) { return std::vector<array>{sin(in[0])}; },
                      [](const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<array>&) {
                        return std::vector<array>{
                            multiply(multiply(cotangents[0], cos(primals[0])), array(2.0))};
                      });
  check(f, {random_array({3})});
}

TEST(Autodiff, CheckerCatchesAWrongRule) {
  EXPECT_NONFATAL_FAILURE(check_a_wrong_vjp(), "vjp disagrees");
}

// The graph walks are iterative: a chain far deeper than any call stack allows.
TEST(Autodiff, VeryDeepGraphs) {
  auto f = [](const array& x) {
    auto y = x;
    for (int i = 0; i < 100000; ++i) {
      y = add(y, x);
    }
    return sum(y);
  };
  auto g = grad(f)(array({1.0, 2.0}, float64));
  EXPECT_TRUE(close(g, full({2}, 100001.0, float64)));
  auto [out, t] = jvp(f, array({1.0, 2.0}, float64), array({1.0, 1.0}, float64));
  EXPECT_DOUBLE_EQ(t.item<double>(), 200002.0);
}

} // namespace
