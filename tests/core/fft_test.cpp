// mlx::core::fft ops (complex64) against a naive O(n^2) float64 DFT: lengths of every kind,
// axes, padding and truncation, real transforms, non-contiguous inputs, dtypes and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include "mlx/mlx.h"

#include "core/fft_reference.h"

using namespace mlx::core;
using namespace fft_reference;

namespace {

array complex_array(const std::vector<cd>& v, const Shape& shape) {
  std::vector<complex64_t> c(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    c[i] = complex64_t(static_cast<float>(v[i].real()), static_cast<float>(v[i].imag()));
  }
  return array(c.begin(), shape, complex64);
}

array real_array(const std::vector<double>& v, const Shape& shape) {
  std::vector<float> f(v.begin(), v.end());
  return array(f.begin(), shape, float32);
}

std::vector<cd> read_complex(array a) {
  EXPECT_EQ(a.dtype(), complex64);
  a = contiguous(a);
  eval(a);
  const complex64_t* p = a.data<complex64_t>();
  std::vector<cd> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    out[i] = {p[i].real(), p[i].imag()};
  }
  return out;
}

std::vector<cd> read_real(array a) {
  EXPECT_EQ(a.dtype(), float32);
  a = contiguous(a);
  eval(a);
  const float* p = a.data<float>();
  return std::vector<cd>(p, p + a.size());
}

// The values of x (row-major, `shape`) along `axis`, line by line, through `transform`:
// a reference for transforms applied one axis at a time.
template <typename F>
std::vector<cd> along_axis(const std::vector<cd>& x, const Shape& shape, int axis, int out_len,
                           F transform) {
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) {
    outer *= shape[i];
  }
  for (size_t i = axis + 1; i < shape.size(); ++i) {
    inner *= shape[i];
  }
  const int len = shape[axis];
  std::vector<cd> out(outer * out_len * inner);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      std::vector<cd> line(len);
      for (int t = 0; t < len; ++t) {
        line[t] = x[(o * len + t) * inner + i];
      }
      auto res = transform(line);
      for (int t = 0; t < out_len; ++t) {
        out[(o * out_len + t) * inner + i] = res[t];
      }
    }
  }
  return out;
}

// A line cut or zero-padded to n.
std::vector<cd> resized(std::vector<cd> v, int n) {
  v.resize(n, cd(0));
  return v;
}

std::vector<cd> float32_rounded(std::vector<cd> v) {
  for (auto& x : v) {
    x = {static_cast<float>(x.real()), static_cast<float>(x.imag())};
  }
  return v;
}

// The float32 tolerance for a transform of n points (errors grow like log n).
double tol32(int64_t n) {
  return 2e-6 * (1.0 + std::log2(static_cast<double>(n)));
}

} // namespace

TEST(Fft, OneDimensionalMatchesNaiveDft) {
  for (int n : kLengths) {
    auto x = float32_rounded(random_complex(n, 100 + n));
    auto a = complex_array(x, {n});
    auto y = fft::fft(a);
    EXPECT_EQ(y.shape(), Shape{n});
    EXPECT_LT(max_rel_error(read_complex(y), naive_dft(x)), tol32(n)) << "n = " << n;

    auto want_inv = naive_dft(x, true);
    for (auto& v : want_inv) {
      v /= n;
    }
    EXPECT_LT(max_rel_error(read_complex(fft::ifft(a)), want_inv), tol32(n)) << "n = " << n;
  }
}

TEST(Fft, InverseRoundTrips) {
  for (int n : {1, 6, 1000, 4099, 8192}) {
    auto x = float32_rounded(random_complex(3 * n, n));
    auto a = complex_array(x, {3, n});
    EXPECT_LT(max_rel_error(read_complex(fft::ifft(fft::fft(a))), x), tol32(n)) << n;
    auto r = random_real(3 * n, n + 1);
    auto ra = real_array(r, {3, n});
    auto back = read_real(fft::irfft(fft::rfft(ra), n, -1));
    EXPECT_LT(max_rel_error(back, float32_rounded({r.begin(), r.end()})), tol32(n)) << n;
  }
}

TEST(Fft, BatchedRowsAndOtherAxes) {
  // Enough rows to split across threads; axis 0 exercises the strided (gathered) lines with a
  // width that is not a multiple of the gather block.
  const int rows = 37, n = 100;
  auto x = float32_rounded(random_complex(rows * n, 3));
  auto a = complex_array(x, {rows, n});
  auto want_last = along_axis(x, {rows, n}, 1, n, [](auto v) { return naive_dft(v); });
  EXPECT_LT(max_rel_error(read_complex(fft::fft(a)), want_last), tol32(n));
  auto want_first = along_axis(x, {rows, n}, 0, rows, [](auto v) { return naive_dft(v); });
  EXPECT_LT(max_rel_error(read_complex(fft::fft(a, 0)), want_first), tol32(rows));
  auto want_2d = along_axis(want_last, {rows, n}, 0, rows, [](auto v) { return naive_dft(v); });
  EXPECT_LT(max_rel_error(read_complex(fft::fft2(a)), want_2d), tol32(rows * n));
  EXPECT_LT(max_rel_error(read_complex(fft::fftn(a)), want_2d), tol32(rows * n));
  EXPECT_LT(max_rel_error(read_complex(fft::fftn(a, {1, 0})), want_2d), tol32(rows * n));

  auto back = read_complex(fft::ifft2(fft::fft2(a)));
  EXPECT_LT(max_rel_error(back, x), tol32(rows * n));
}

TEST(Fft, ThreeDimensionalSubsetOfAxes) {
  const Shape shape = {4, 6, 5};
  auto x = float32_rounded(random_complex(4 * 6 * 5, 11));
  auto a = complex_array(x, shape);
  auto want = along_axis(x, shape, 2, 5, [](auto v) { return naive_dft(v); });
  want = along_axis(want, shape, 0, 4, [](auto v) { return naive_dft(v); });
  EXPECT_LT(max_rel_error(read_complex(fft::fftn(a, {0, 2})), want), tol32(120));
  EXPECT_LT(max_rel_error(read_complex(fft::fftn(a, {-1, -3})), want), tol32(120));
}

TEST(Fft, PaddingAndTruncation) {
  auto x = float32_rounded(random_complex(2 * 10, 5));
  auto a = complex_array(x, {2, 10});
  for (int n : {4, 10, 16, 17}) {
    auto want = along_axis(x, {2, 10}, 1, n, [n](auto v) { return naive_dft(resized(v, n)); });
    auto y = fft::fft(a, n, -1);
    EXPECT_EQ(y.shape(), (Shape{2, n}));
    EXPECT_LT(max_rel_error(read_complex(y), want), tol32(n)) << n;
  }
  // Both axes at once: one padded, one cut.
  auto y = fft::fftn(a, {3, 13}, {0, 1});
  EXPECT_EQ(y.shape(), (Shape{3, 13}));
  std::vector<cd> padded(3 * 13, cd(0));
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 10; ++j) {
      padded[i * 13 + j] = x[i * 10 + j];
    }
  }
  auto want = along_axis(padded, {3, 13}, 1, 13, [](auto v) { return naive_dft(v); });
  want = along_axis(want, {3, 13}, 0, 3, [](auto v) { return naive_dft(v); });
  EXPECT_LT(max_rel_error(read_complex(y), want), tol32(39));
  // The inverse divides by the padded length.
  auto inv = fft::ifft(a, 16, 1);
  auto want_inv = along_axis(x, {2, 10}, 1, 16, [](auto v) {
    auto r = naive_dft(resized(v, 16), true);
    for (auto& e : r) {
      e /= 16.0;
    }
    return r;
  });
  EXPECT_LT(max_rel_error(read_complex(inv), want_inv), tol32(16));
}

TEST(Fft, RealTransformsShapesAndValues) {
  for (int n : {1, 2, 7, 10, 64, 97, 1000}) {
    auto r = random_real(3 * n, 40 + n);
    auto a = real_array(r, {3, n});
    std::vector<cd> rc(r.begin(), r.end());
    rc = float32_rounded(rc);
    auto y = fft::rfft(a);
    EXPECT_EQ(y.shape(), (Shape{3, n / 2 + 1}));
    EXPECT_EQ(y.dtype(), complex64);
    auto want = along_axis(rc, {3, n}, 1, n / 2 + 1, [](auto v) { return naive_dft(v); });
    EXPECT_LT(max_rel_error(read_complex(y), want), tol32(n)) << n;

    // irfft with the default length 2 (m - 1) and with the original n.
    auto back = fft::irfft(y, n, -1);
    EXPECT_EQ(back.shape(), (Shape{3, n}));
    EXPECT_EQ(back.dtype(), float32);
    EXPECT_LT(max_rel_error(read_real(back), rc), tol32(n)) << n;
    if (n > 1) {
      EXPECT_EQ(fft::irfft(y).shape(), (Shape{3, 2 * (n / 2)}));
    }
  }
}

TEST(Fft, InverseRealTransformIgnoresImaginaryDcAndNyquist) {
  // numpy's irfft: the spectrum is taken as Hermitian; the imaginary parts of X[0] and, for an
  // even length, X[n/2] do not exist in it.
  auto spec = random_complex(5, 9);
  for (int n : {8, 9}) {
    std::vector<cd> full(n);
    for (int k = 0; k <= n / 2; ++k) {
      full[k] = spec[k];
    }
    full[0] = spec[0].real();
    if (n % 2 == 0) {
      full[n / 2] = spec[n / 2].real();
    }
    for (int k = 1; k < (n + 1) / 2; ++k) {
      full[n - k] = std::conj(full[k]);
    }
    auto want = naive_dft(float32_rounded(full), true);
    for (auto& v : want) {
      v = v.real() / n;
    }
    auto got = read_real(fft::irfft(complex_array(spec, {5}), n, 0));
    EXPECT_LT(max_rel_error(got, want), tol32(n)) << n;
  }
}

TEST(Fft, RealNdTransformsOverAxes) {
  const Shape shape = {6, 4, 9};
  auto r = random_real(6 * 4 * 9, 21);
  std::vector<cd> rc(r.begin(), r.end());
  rc = float32_rounded(rc);
  auto a = real_array(r, shape);
  // rfftn over {2, 0}: the real transform runs on the last listed axis (0).
  auto y = fft::rfftn(a, {2, 0});
  EXPECT_EQ(y.shape(), (Shape{4, 4, 9}));
  auto want = along_axis(rc, shape, 0, 4, [](auto v) { return naive_dft(v); });
  want = along_axis(want, {4, 4, 9}, 2, 9, [](auto v) { return naive_dft(v); });
  EXPECT_LT(max_rel_error(read_complex(y), want), tol32(54));

  auto full = fft::rfftn(a);
  EXPECT_EQ(full.shape(), (Shape{6, 4, 5}));
  auto back = fft::irfftn(full, {6, 4, 9}, {0, 1, 2});
  EXPECT_EQ(back.shape(), shape);
  EXPECT_LT(max_rel_error(read_real(back), rc), tol32(216));
  auto back2 = fft::irfft2(fft::rfft2(a), {4, 9}, {-2, -1});
  EXPECT_LT(max_rel_error(read_real(back2), rc), tol32(36));
  EXPECT_EQ(fft::irfftn(full).shape(), (Shape{6, 4, 8}));

  // rfft with n: cut and padded input.
  auto cut = fft::rfft(a, 5, 2);
  EXPECT_EQ(cut.shape(), (Shape{6, 4, 3}));
  auto want_cut =
      along_axis(rc, shape, 2, 3, [](auto v) { return resized(naive_dft(resized(v, 5)), 3); });
  EXPECT_LT(max_rel_error(read_complex(cut), want_cut), tol32(5));
  auto pad = fft::rfft(a, 12, 1);
  EXPECT_EQ(pad.shape(), (Shape{6, 7, 9}));
  auto want_pad =
      along_axis(rc, shape, 1, 7, [](auto v) { return resized(naive_dft(resized(v, 12)), 7); });
  EXPECT_LT(max_rel_error(read_complex(pad), want_pad), tol32(12));

  // irfft with n: the spectrum is cut or padded to n / 2 + 1.
  auto spec = fft::rfft(a);
  auto spec_v = read_complex(spec);
  for (int n : {4, 30}) {
    auto got = fft::irfft(spec, n, -1);
    EXPECT_EQ(got.shape(), (Shape{6, 4, n}));
    auto want_n = along_axis(spec_v, {6, 4, 5}, 2, n, [n](auto v) {
      auto half = resized(v, n / 2 + 1);
      std::vector<cd> full(n);
      full[0] = half[0].real();
      for (int k = 1; k <= n / 2; ++k) {
        full[k] = half[k];
        full[n - k] = std::conj(half[k]);
      }
      if (n % 2 == 0) {
        full[n / 2] = half[n / 2].real();
      }
      auto res = naive_dft(full, true);
      for (auto& e : res) {
        e = e.real() / n;
      }
      return res;
    });
    EXPECT_LT(max_rel_error(read_real(got), want_n), tol32(n)) << n;
  }
}

TEST(Fft, NonContiguousInputs) {
  const int rows = 8, n = 12;
  auto x = float32_rounded(random_complex(rows * n, 31));
  auto a = complex_array(x, {rows, n});
  // Transposed: the transform of a^T along its last axis is the transform of a along axis 0.
  auto want_t = along_axis(x, {rows, n}, 0, rows, [](auto v) { return naive_dft(v); });
  auto got_t = fft::fft(transpose(a));
  EXPECT_LT(max_rel_error(read_complex(transpose(got_t)), want_t), tol32(rows));

  // A strided slice: every other column, reversed rows.
  auto sliced = slice(a, {rows - 1, 0}, {-rows - 1, n}, {-1, 2});
  std::vector<cd> xs;
  for (int i = rows - 1; i >= 0; --i) {
    for (int j = 0; j < n; j += 2) {
      xs.push_back(x[i * n + j]);
    }
  }
  auto want_s = along_axis(xs, {rows, n / 2}, 1, n / 2, [](auto v) { return naive_dft(v); });
  EXPECT_LT(max_rel_error(read_complex(fft::fft(sliced)), want_s), tol32(n));

  // Broadcast rows (stride 0) through a real transform.
  auto r = random_real(n, 32);
  auto b = broadcast_to(real_array(r, {1, n}), {5, n});
  std::vector<cd> rc(r.begin(), r.end());
  auto one = resized(naive_dft(float32_rounded(rc)), n / 2 + 1);
  auto got_b = read_complex(fft::rfft(b));
  for (int i = 0; i < 5; ++i) {
    std::vector<cd> row(got_b.begin() + i * (n / 2 + 1), got_b.begin() + (i + 1) * (n / 2 + 1));
    EXPECT_LT(max_rel_error(row, one), tol32(n));
  }
  // A transposed spectrum through the inverse real transform over two axes.
  auto spec = fft::rfft2(real_array(random_real(rows * n, 33), {rows, n}));
  auto via_copy = fft::irfft2(contiguous(transpose(spec)), {n / 2 + 1, rows}, {0, 1});
  auto via_view = fft::irfft2(transpose(spec), {n / 2 + 1, rows}, {0, 1});
  EXPECT_LT(max_rel_error(read_real(via_view), read_real(via_copy)), 1e-6);
}

TEST(Fft, InputDtypes) {
  std::vector<int> iv = {1, -2, 3, 4, 0, 7};
  auto ints = array(iv.begin(), {6}, int32);
  std::vector<cd> xc(iv.begin(), iv.end());
  auto want = naive_dft(xc);
  for (Dtype t : {int32, float16, bfloat16, float32, float64, complex64}) {
    auto y = fft::fft(astype(ints, t));
    EXPECT_EQ(y.dtype(), complex64);
    EXPECT_LT(max_rel_error(read_complex(y), want), 1e-6) << t;
    auto ry = fft::rfft(astype(ints, t));
    EXPECT_EQ(ry.dtype(), complex64);
    EXPECT_LT(max_rel_error(read_complex(ry), resized(want, 4)), 1e-6) << t;
  }
  EXPECT_EQ(fft::irfft(fft::rfft(ints)).dtype(), float32);
  // rfft of a complex input keeps the real part, as MLX's cast.
  auto z = complex_array({{1, 5}, {2, -3}}, {2});
  EXPECT_LT(max_rel_error(read_complex(fft::rfft(z)), {{3, 0}, {-1, 0}}), 1e-7);
}

TEST(Fft, EmptyAxesAndEmptyArrays) {
  auto a = real_array(random_real(6, 1), {2, 3});
  auto same = fft::fftn(a, Shape{}, std::vector<int>{});
  EXPECT_EQ(same.dtype(), float32); // no transform: the input itself, as MLX
  auto empty_rows = fft::fft(zeros({0, 4}, complex64));
  EXPECT_EQ(empty_rows.shape(), (Shape{0, 4}));
  eval(empty_rows);
  // A zero-length axis padded to n gives zeros.
  auto padded = read_complex(fft::fft(zeros({2, 0}, complex64), 3, 1));
  EXPECT_EQ(padded, std::vector<cd>(6, cd(0)));
}

TEST(Fft, Errors) {
  auto a = real_array(random_real(12, 2), {3, 4});
  EXPECT_THROW(fft::fft(array(1.0f)), std::invalid_argument);
  EXPECT_THROW(fft::fftn(a, {4}, {0, 1}), std::invalid_argument);
  EXPECT_THROW(fft::fft(a, 2), std::invalid_argument);
  EXPECT_THROW(fft::fft(a, -3), std::invalid_argument);
  EXPECT_THROW(fft::fftn(a, {0, 0}), std::invalid_argument);
  EXPECT_THROW(fft::fftn(a, {1, -1}), std::invalid_argument);
  EXPECT_THROW(fft::fft(a, 0, -1), std::invalid_argument);
  EXPECT_THROW(fft::rfft(a, -2, -1), std::invalid_argument);
  EXPECT_THROW(fft::ifftn(a, {4, 0}, {0, 1}), std::invalid_argument);
  // irfft's default length 2 (m - 1) is 0 for m = 1.
  EXPECT_THROW(fft::irfft(zeros({3, 1}, complex64)), std::invalid_argument);
  try {
    fft::fft(a, 7);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[fftn]", 0), 0u) << e.what();
  }
}

TEST(FftShift, MatchesNumpyOnOddAndEvenSizes) {
  auto even = arange(6, int32);
  auto odd = arange(5, int32);
  auto read_ints = [](array a) {
    a = contiguous(astype(a, int32));
    eval(a);
    return std::vector<int>(a.data<int>(), a.data<int>() + a.size());
  };
  EXPECT_EQ(read_ints(fft::fftshift(even)), (std::vector<int>{3, 4, 5, 0, 1, 2}));
  EXPECT_EQ(read_ints(fft::fftshift(odd)), (std::vector<int>{3, 4, 0, 1, 2}));
  EXPECT_EQ(read_ints(fft::ifftshift(odd)), (std::vector<int>{2, 3, 4, 0, 1}));
  EXPECT_EQ(read_ints(fft::ifftshift(fft::fftshift(odd))), read_ints(odd));
  auto m = reshape(arange(12, int32), {3, 4});
  EXPECT_EQ(read_ints(fft::fftshift(m)), (std::vector<int>{10, 11, 8, 9, 2, 3, 0, 1, 6, 7, 4, 5}));
  EXPECT_EQ(read_ints(fft::fftshift(m, {0})),
            (std::vector<int>{8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(read_ints(fft::ifftshift(m, {-1})),
            (std::vector<int>{2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9}));
  EXPECT_EQ(read_ints(fft::fftshift(array(3))), std::vector<int>{3});
  EXPECT_THROW(fft::fftshift(m, {2}), std::invalid_argument);
  EXPECT_THROW(fft::ifftshift(m, {-3}), std::invalid_argument);
}

TEST(FftFreq, MatchesNumpy) {
  auto read = [](array a) {
    EXPECT_EQ(a.dtype(), float32);
    eval(a);
    return std::vector<float>(a.data<float>(), a.data<float>() + a.size());
  };
  EXPECT_EQ(read(fft::fftfreq(5, 0.5)), (std::vector<float>{0.0f, 0.4f, 0.8f, -0.8f, -0.4f}));
  EXPECT_EQ(read(fft::fftfreq(4)), (std::vector<float>{0.0f, 0.25f, -0.5f, -0.25f}));
  EXPECT_EQ(read(fft::fftfreq(1)), std::vector<float>{0.0f});
  EXPECT_EQ(read(fft::rfftfreq(5, 0.5)), (std::vector<float>{0.0f, 0.4f, 0.8f}));
  EXPECT_EQ(read(fft::rfftfreq(4)), (std::vector<float>{0.0f, 0.25f, 0.5f}));
  EXPECT_THROW(fft::fftfreq(0), std::invalid_argument);
  EXPECT_THROW(fft::fftfreq(4, 0.0), std::invalid_argument);
  EXPECT_THROW(fft::rfftfreq(-1), std::invalid_argument);
  EXPECT_THROW(fft::rfftfreq(3, 0.0), std::invalid_argument);
}
