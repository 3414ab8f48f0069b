// mlx::core::fft: argument checks and graph nodes for the Fourier transforms, and the
// frequency helpers.
#include "mlx/fft.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "core/ops/ops_common.h"
#include "core/primitives/fft.h"

namespace mlx::core::fft {

namespace {

array fft_impl(const array& a, const Shape& n, const std::vector<int>& axes, bool real,
               bool inverse, StreamOrDevice s) {
  if (a.ndim() < 1) {
    throw op_error("fftn", "Requires array with at least one dimension.");
  }
  if (n.size() != axes.size()) {
    throw op_error("fftn", "Shape and axes have different sizes.");
  }
  if (axes.empty()) {
    return a;
  }
  const int ndim = static_cast<int>(a.ndim());
  std::vector<int> valid_axes;
  for (int ax : axes) {
    if (ax < -ndim || ax >= ndim) {
      throw op_error("fftn", "Invalid axis ", ax, " for array with ", ndim, " dimensions.");
    }
    valid_axes.push_back(ax < 0 ? ax + ndim : ax);
  }
  if (std::set<int>(valid_axes.begin(), valid_axes.end()).size() != valid_axes.size()) {
    throw op_error("fftn", "Duplicated axis received.");
  }
  for (int len : n) {
    if (len <= 0) {
      throw op_error("fftn", "Invalid FFT output size requested: ", len, ".");
    }
  }

  auto prim = std::make_shared<FFT>(to_stream(s), valid_axes, n, inverse, real);
  // Axes longer than the transform are cut here (a view, so only the kept part is converted);
  // shorter ones are zero-padded by the kernel.
  Shape work = prim->work_shape(a.shape());
  Shape stop = a.shape();
  bool cut = false;
  for (int i = 0; i < ndim; ++i) {
    cut |= work[i] < stop[i];
    stop[i] = std::min(stop[i], work[i]);
  }
  array in = cut ? slice(a, Shape(ndim, 0), stop, s) : a;
  Dtype in_type = real && !inverse ? float32 : complex64;
  Dtype out_type = real && inverse ? float32 : complex64;
  Shape out_shape = prim->output_shapes({in})[0];
  return array(std::move(out_shape), out_type, std::move(prim), {astype(in, in_type, s)});
}

// The lengths of `axes` (for the inverse real transform, 2 (m - 1) on the last one).
array fft_impl(const array& a, const std::vector<int>& axes, bool real, bool inverse,
               StreamOrDevice s) {
  Shape n;
  const int ndim = static_cast<int>(a.ndim());
  for (int ax : axes) {
    if (ax < -ndim || ax >= ndim) {
      throw op_error("fftn", "Invalid axis ", ax, " for array with ", ndim, " dimensions.");
    }
    n.push_back(a.shape(ax));
  }
  if (real && inverse && !n.empty()) {
    n.back() = (n.back() - 1) * 2;
  }
  return fft_impl(a, n, axes, real, inverse, s);
}

array fft_impl(const array& a, bool real, bool inverse, StreamOrDevice s) {
  return fft_impl(a, all_axes(static_cast<int>(a.ndim())), real, inverse, s);
}

// Rolls each of `axes` so that element `pivot(size)` comes first.
template <typename Pivot>
array rotate_axes(const char* op, const array& a, const std::vector<int>& axes, Pivot pivot,
                  StreamOrDevice s) {
  array out = a;
  const int ndim = static_cast<int>(a.ndim());
  for (int ax : axes) {
    int axis = normalize_axis(op, ax, ndim);
    int size = a.shape(axis);
    int first = pivot(size);
    if (first == 0 || size == 0) {
      continue;
    }
    Shape zero(ndim, 0);
    Shape split_at = out.shape();
    split_at[axis] = first;
    array head = slice(out, zero, split_at, s);
    zero[axis] = first;
    array tail = slice(out, zero, out.shape(), s);
    out = concatenate({tail, head}, axis, s);
  }
  return out;
}

} // namespace

array fftn(const array& a, const Shape& n, const std::vector<int>& axes, StreamOrDevice s) {
  return fft_impl(a, n, axes, false, false, s);
}
array fftn(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  return fft_impl(a, axes, false, false, s);
}
array fftn(const array& a, StreamOrDevice s) {
  return fft_impl(a, false, false, s);
}

array ifftn(const array& a, const Shape& n, const std::vector<int>& axes, StreamOrDevice s) {
  return fft_impl(a, n, axes, false, true, s);
}
array ifftn(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  return fft_impl(a, axes, false, true, s);
}
array ifftn(const array& a, StreamOrDevice s) {
  return fft_impl(a, false, true, s);
}

array rfftn(const array& a, const Shape& n, const std::vector<int>& axes, StreamOrDevice s) {
  return fft_impl(a, n, axes, true, false, s);
}
array rfftn(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  return fft_impl(a, axes, true, false, s);
}
array rfftn(const array& a, StreamOrDevice s) {
  return fft_impl(a, true, false, s);
}

array irfftn(const array& a, const Shape& n, const std::vector<int>& axes, StreamOrDevice s) {
  return fft_impl(a, n, axes, true, true, s);
}
array irfftn(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  return fft_impl(a, axes, true, true, s);
}
array irfftn(const array& a, StreamOrDevice s) {
  return fft_impl(a, true, true, s);
}

// fftshift moves element size - size / 2 to the front (the zero frequency to the middle);
// ifftshift undoes it by bringing element size / 2 back to the front.
array fftshift(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  return rotate_axes(
      "fftshift", a, axes, [](int size) { return size - size / 2; }, s);
}
array fftshift(const array& a, StreamOrDevice s) {
  return fftshift(a, all_axes(static_cast<int>(a.ndim())), s);
}

array ifftshift(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  return rotate_axes(
      "ifftshift", a, axes, [](int size) { return size / 2; }, s);
}
array ifftshift(const array& a, StreamOrDevice s) {
  return ifftshift(a, all_axes(static_cast<int>(a.ndim())), s);
}

namespace {

// Frequencies k / (n d) for k in `ks`, each rounded once from double (as numpy's values).
array frequencies(const std::vector<int>& ks, int n, double d) {
  std::vector<float> values(ks.size());
  const double step = 1.0 / (static_cast<double>(n) * d);
  std::transform(ks.begin(), ks.end(), values.begin(),
                 [&](int k) { return static_cast<float>(k * step); });
  return array(values.begin(), Shape{static_cast<int>(values.size())}, float32);
}

void check_freq_args(const char* op, int n, double d) {
  if (n <= 0) {
    throw op_error(op, "`n` must be greater than 0.");
  }
  if (d == 0.0) {
    throw op_error(op, "`d` must be non-zero.");
  }
}

} // namespace

array fftfreq(int n, double d, StreamOrDevice s) {
  check_freq_args("fftfreq", n, d);
  std::vector<int> ks(n);
  // 0, 1, ..., (n - 1) / 2, then -(n / 2), ..., -1.
  std::iota(ks.begin(), ks.end(), 0);
  for (int i = (n + 1) / 2; i < n; ++i) {
    ks[i] = i - n;
  }
  return frequencies(ks, n, d);
}

array rfftfreq(int n, double d, StreamOrDevice s) {
  check_freq_args("rfftfreq", n, d);
  std::vector<int> ks(n / 2 + 1);
  std::iota(ks.begin(), ks.end(), 0);
  return frequencies(ks, n, d);
}

} // namespace mlx::core::fft
