// Element-wise unary, binary and select kernels. Inputs arrive broadcast to the output shape
// (stride-0 views) with any strides; the output is row-major. One kernel per dtype; the op is a
// run-time switch, uniform across a warp, which costs nothing next to the memory traffic and
// keeps the number of instantiations (and compile time) small.
#include "backend/cuda/backend.h"
#include "backend/cuda/device_utils.cuh"
#include "core/primitives/elementwise.h"
#include "core/primitives/shape.h"

namespace mlx::core::cu {

namespace {

constexpr int block = 256;

template <typename T>
inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// ---- unary ----

template <typename C>
__device__ C unary_float(UnaryOp op, C x) {
  switch (op) {
  case UnaryOp::Abs:
    return fabs(x);
  case UnaryOp::ArcCos:
    return acos(x);
  case UnaryOp::ArcCosh:
    return acosh(x);
  case UnaryOp::ArcSin:
    return asin(x);
  case UnaryOp::ArcSinh:
    return asinh(x);
  case UnaryOp::ArcTan:
    return atan(x);
  case UnaryOp::ArcTanh:
    return atanh(x);
  case UnaryOp::Ceil:
    return ceil(x);
  case UnaryOp::Cos:
    return cos(x);
  case UnaryOp::Cosh:
    return cosh(x);
  case UnaryOp::Erf:
    return erf(x);
  case UnaryOp::ErfInv:
    return erfinv(x);
  case UnaryOp::Exp:
    return exp(x);
  case UnaryOp::Expm1:
    return expm1(x);
  case UnaryOp::Floor:
    return floor(x);
  case UnaryOp::Log:
    return log(x);
  case UnaryOp::Log2:
    return log2(x);
  case UnaryOp::Log10:
    return log10(x);
  case UnaryOp::Log1p:
    return log1p(x);
  case UnaryOp::Negative:
    return -x;
  case UnaryOp::Round:
    return rint(x);
  case UnaryOp::Rsqrt:
    return C(1) / sqrt(x);
  case UnaryOp::Sigmoid: {
    // exp of minus the magnitude never overflows, so tiny results survive (denormals too).
    C e = exp(-fabs(x));
    return x < C(0) ? e / (C(1) + e) : C(1) / (C(1) + e);
  }
  case UnaryOp::Sign:
    return x > C(0) ? C(1) : (x < C(0) ? C(-1) : C(0)); // NaN and -0 give 0
  case UnaryOp::Sin:
    return sin(x);
  case UnaryOp::Sinh:
    return sinh(x);
  case UnaryOp::Sqrt:
    return sqrt(x);
  case UnaryOp::Square:
    return x * x;
  case UnaryOp::Tan:
    return tan(x);
  case UnaryOp::Tanh:
    return tanh(x);
  default:
    return x;
  }
}

template <typename T>
__device__ T unary_int(UnaryOp op, T x) {
  switch (op) {
  case UnaryOp::Abs:
    if constexpr (std::is_signed_v<T>) {
      return x < 0 ? T(-x) : x;
    } else {
      return x;
    }
  case UnaryOp::Negative:
    return T(-x);
  case UnaryOp::Square:
    return T(x * x);
  case UnaryOp::Sign:
    if constexpr (std::is_signed_v<T>) {
      return T((x > 0) - (x < 0));
    } else {
      return T(x > 0);
    }
  case UnaryOp::BitwiseInvert:
    return T(~x);
  default:
    return x; // Ceil, Floor, Round: integers are unchanged
  }
}

template <typename T, typename Out>
__global__ void unary_kernel(UnaryOp op, Layout<1> layout, const T* in, Out* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    T x = in[layout.offset(i, 0)];
    if constexpr (std::is_same_v<Out, bool>) {
      out[i] = !convert<bool>(x); // LogicalNot
    } else if constexpr (is_floating_v<T>) {
      out[i] = convert<T>(unary_float(op, load(x)));
    } else {
      out[i] = unary_int(op, x);
    }
  }
}

bool unary_supported(UnaryOp op, Dtype in, Dtype out) {
  if (op == UnaryOp::LogicalNot) {
    return out == bool_ && in != complex64 && in != float64;
  }
  if (in != out) {
    return false; // Real, Imag of complex
  }
  switch (op) {
  case UnaryOp::Abs:
  case UnaryOp::Negative:
  case UnaryOp::Square:
  case UnaryOp::Sign:
  case UnaryOp::Ceil:
  case UnaryOp::Floor:
  case UnaryOp::Round:
    return in != complex64 && in != bool_ && in != float64;
  case UnaryOp::BitwiseInvert:
    return issubdtype(in, integer);
  case UnaryOp::Conjugate:
  case UnaryOp::Imag:
  case UnaryOp::Real:
    return false;
  default:
    return in == float32 || in == float16 || in == bfloat16;
  }
}

bool eval_unary(Unary& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  const auto& in = inputs[0];
  auto& out = outputs[0];
  if (!unary_supported(p.op(), in.dtype(), out.dtype())) {
    return false;
  }
  Layout<1> layout;
  if (!make_layout<1>(in.shape(), {&in.strides()}, layout)) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  const void* src = in_ptr(in, stream);
  void* dst = alloc_out(out, stream);
  int64_t n = static_cast<int64_t>(out.size());
  if (n == 0) {
    return true;
  }
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = tag_t<decltype(tag)>;
    if constexpr (!std::is_same_v<T, double>) {
      if (out.dtype() == bool_) {
        unary_kernel<T, bool><<<grid_for(n, block), block, 0, stream>>>(
            p.op(), layout, static_cast<const T*>(src), static_cast<bool*>(dst), n);
      } else if constexpr (!std::is_same_v<T, bool>) {
        unary_kernel<T, T><<<grid_for(n, block), block, 0, stream>>>(
            p.op(), layout, static_cast<const T*>(src), static_cast<T*>(dst), n);
      }
    }
  });
  check_launch("unary");
  return true;
}

// ---- binary ----

__host__ __device__ bool is_predicate(BinaryOp op) {
  switch (op) {
  case BinaryOp::Equal:
  case BinaryOp::NaNEqual:
  case BinaryOp::Greater:
  case BinaryOp::GreaterEqual:
  case BinaryOp::Less:
  case BinaryOp::LessEqual:
  case BinaryOp::NotEqual:
  case BinaryOp::LogicalAnd:
  case BinaryOp::LogicalOr:
    return true;
  default:
    return false;
  }
}

bool binary_supported(BinaryOp op, Dtype dtype) {
  bool is_float = dtype == float32 || dtype == float16 || dtype == bfloat16;
  bool is_int = issubdtype(dtype, integer);
  switch (op) {
  case BinaryOp::BitwiseAnd:
  case BinaryOp::BitwiseOr:
  case BinaryOp::BitwiseXor:
    return is_int || dtype == bool_;
  case BinaryOp::LeftShift:
  case BinaryOp::RightShift:
    return is_int;
  case BinaryOp::ArcTan2:
  case BinaryOp::LogAddExp:
    return is_float;
  case BinaryOp::Maximum:
  case BinaryOp::Minimum:
    return is_float || is_int || dtype == bool_;
  default:
    return is_float || is_int || (dtype == bool_ && is_predicate(op));
  }
}

template <typename C>
__device__ bool predicate(BinaryOp op, C a, C b) {
  switch (op) {
  case BinaryOp::Equal:
    return a == b;
  case BinaryOp::NaNEqual:
    if constexpr (std::is_floating_point_v<C>) {
      return a == b || (isnan(a) && isnan(b));
    } else {
      return a == b;
    }
  case BinaryOp::Greater:
    return a > b;
  case BinaryOp::GreaterEqual:
    return a >= b;
  case BinaryOp::Less:
    return a < b;
  case BinaryOp::LessEqual:
    return a <= b;
  case BinaryOp::NotEqual:
    return a != b;
  case BinaryOp::LogicalAnd:
    return a != C(0) && b != C(0);
  case BinaryOp::LogicalOr:
    return a != C(0) || b != C(0);
  default:
    return false;
  }
}

template <typename C>
__device__ C arith_float(BinaryOp op, C a, C b) {
  switch (op) {
  case BinaryOp::Add:
    return a + b;
  case BinaryOp::ArcTan2:
    return atan2(a, b);
  case BinaryOp::Divide:
    return a / b;
  case BinaryOp::FloorDivide:
    return floor(a / b);
  case BinaryOp::LogAddExp: {
    if (isnan(a) || isnan(b)) {
      return a + b;
    }
    C hi = a > b ? a : b;
    C lo = a > b ? b : a;
    return isinf(hi) ? hi : hi + log1p(exp(lo - hi));
  }
  case BinaryOp::Maximum:
    return (isnan(a) || a > b) ? a : b;
  case BinaryOp::Minimum:
    return (isnan(a) || a < b) ? a : b;
  case BinaryOp::Multiply:
    return a * b;
  case BinaryOp::Power:
    return pow(a, b);
  case BinaryOp::Remainder: {
    C r = fmod(a, b);
    return (r != C(0) && ((r < C(0)) != (b < C(0)))) ? r + b : r;
  }
  case BinaryOp::Subtract:
    return a - b;
  default:
    return C(0);
  }
}

template <typename T>
__device__ T arith_int(BinaryOp op, T a, T b) {
  switch (op) {
  case BinaryOp::Add:
    return T(a + b);
  case BinaryOp::BitwiseAnd:
    return T(a & b);
  case BinaryOp::BitwiseOr:
    return T(a | b);
  case BinaryOp::BitwiseXor:
    return T(a ^ b);
  case BinaryOp::Divide:
    return b == 0 ? T(0) : T(a / b);
  case BinaryOp::FloorDivide: {
    if (b == 0) {
      return T(0);
    }
    T q = T(a / b);
    if constexpr (std::is_signed_v<T>) {
      if ((a % b != 0) && ((a < 0) != (b < 0))) {
        q = T(q - 1);
      }
    }
    return q;
  }
  case BinaryOp::LeftShift:
    return T(a << b);
  case BinaryOp::RightShift:
    return T(a >> b);
  case BinaryOp::Maximum:
    return a > b ? a : b;
  case BinaryOp::Minimum:
    return a < b ? a : b;
  case BinaryOp::Multiply:
    return T(a * b);
  case BinaryOp::Power: {
    if constexpr (std::is_signed_v<T>) {
      if (b < 0) {
        return T(a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0));
      }
    }
    T result = 1, base = a;
    for (T e = b; e > 0; e = T(e >> 1)) {
      if (e & 1) {
        result = T(result * base);
      }
      base = T(base * base);
    }
    return result;
  }
  case BinaryOp::Remainder: {
    if (b == 0) {
      return T(0);
    }
    T r = T(a % b);
    if constexpr (std::is_signed_v<T>) {
      if (r != 0 && ((r < 0) != (b < 0))) {
        r = T(r + b);
      }
    }
    return r;
  }
  case BinaryOp::Subtract:
    return T(a - b);
  default:
    return T(0);
  }
}

template <typename T, typename Out>
__global__ void binary_kernel(BinaryOp op, Layout<2> layout, const T* a, const T* b, Out* out,
                              int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    auto x = load(a[layout.offset(i, 0)]);
    auto y = load(b[layout.offset(i, 1)]);
    if constexpr (std::is_same_v<Out, bool> && std::is_same_v<T, bool>) {
      bool either = op == BinaryOp::Maximum || op == BinaryOp::BitwiseOr;
      out[i] = is_predicate(op)             ? predicate(op, x, y)
               : either                     ? (x || y)
               : op == BinaryOp::BitwiseXor ? (x != y)
                                            : (x && y); // Minimum, BitwiseAnd
    } else if constexpr (std::is_same_v<Out, bool>) {
      out[i] = predicate(op, x, y);
    } else if constexpr (is_floating_v<T>) {
      out[i] = convert<T>(arith_float(op, x, y));
    } else {
      out[i] = arith_int(op, x, y);
    }
  }
}

bool eval_binary(Binary& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  const auto& a = inputs[0];
  const auto& b = inputs[1];
  auto& out = outputs[0];
  Dtype expected = is_predicate(p.op()) ? bool_ : a.dtype();
  if (a.dtype() != b.dtype() || out.dtype() != expected || !binary_supported(p.op(), a.dtype())) {
    return false;
  }
  Layout<2> layout;
  if (!make_layout<2>(out.shape(), {&a.strides(), &b.strides()}, layout)) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  const void* pa = in_ptr(a, stream);
  const void* pb = in_ptr(b, stream);
  void* dst = alloc_out(out, stream);
  int64_t n = static_cast<int64_t>(out.size());
  if (n == 0) {
    return true;
  }
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = tag_t<decltype(tag)>;
    if constexpr (!std::is_same_v<T, double>) {
      auto grid = grid_for(n, block);
      if (out.dtype() == bool_) {
        binary_kernel<T, bool>
            <<<grid, block, 0, stream>>>(p.op(), layout, static_cast<const T*>(pa),
                                         static_cast<const T*>(pb), static_cast<bool*>(dst), n);
      } else {
        binary_kernel<T, T><<<grid, block, 0, stream>>>(p.op(), layout, static_cast<const T*>(pa),
                                                        static_cast<const T*>(pb),
                                                        static_cast<T*>(dst), n);
      }
    }
  });
  check_launch("binary");
  return true;
}

// ---- select: moves raw bits, so one kernel per element size serves every dtype ----

template <typename B>
__global__ void select_kernel(Layout<3> layout, const bool* cond, const B* x, const B* y, B* out,
                              int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    out[i] = cond[layout.offset(i, 0)] ? x[layout.offset(i, 1)] : y[layout.offset(i, 2)];
  }
}

bool eval_select(Select& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  const auto& c = inputs[0];
  const auto& x = inputs[1];
  const auto& y = inputs[2];
  auto& out = outputs[0];
  if (c.dtype() != bool_ || x.dtype() != out.dtype() || y.dtype() != out.dtype()) {
    return false;
  }
  Layout<3> layout;
  if (!make_layout<3>(out.shape(), {&c.strides(), &x.strides(), &y.strides()}, layout)) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  const void* pc = in_ptr(c, stream);
  const void* px = in_ptr(x, stream);
  const void* py = in_ptr(y, stream);
  void* dst = alloc_out(out, stream);
  int64_t n = static_cast<int64_t>(out.size());
  if (n == 0) {
    return true;
  }
  auto launch = [&](auto tag) {
    using B = tag_t<decltype(tag)>;
    select_kernel<B><<<grid_for(n, block), block, 0, stream>>>(
        layout, static_cast<const bool*>(pc), static_cast<const B*>(px), static_cast<const B*>(py),
        static_cast<B*>(dst), n);
  };
  switch (size_of(out.dtype())) {
  case 1:
    launch(TypeTag<uint8_t>{});
    break;
  case 2:
    launch(TypeTag<uint16_t>{});
    break;
  case 4:
    launch(TypeTag<uint32_t>{});
    break;
  default:
    launch(TypeTag<uint64_t>{});
    break;
  }
  check_launch("select");
  return true;
}

// ---- arange: start + i * step in double, rounded once; integers step by the difference of
// the first two values in the integer type (numpy's and the CPU's rule) ----

template <typename T>
__global__ void arange_kernel(double start, double step, T* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    if constexpr (std::is_integral_v<T>) {
      auto first = static_cast<int64_t>(start);
      auto delta = static_cast<int64_t>(start + step) - first;
      out[i] = static_cast<T>(first + i * delta);
    } else {
      // Rounded products and sums: an fma would round differently from the CPU.
      out[i] = convert<T>(__dadd_rn(start, __dmul_rn(static_cast<double>(i), step)));
    }
  }
}

bool eval_arange(Arange& p, const std::vector<array>&, std::vector<array>& outputs) {
  auto& out = outputs[0];
  if (out.dtype() == bool_ || out.dtype() == complex64) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  void* dst = alloc_out(out, stream);
  int64_t n = static_cast<int64_t>(out.size());
  if (n == 0) {
    return true;
  }
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = tag_t<decltype(tag)>;
    if constexpr (!std::is_same_v<T, bool>) {
      arange_kernel<T>
          <<<grid_for(n, block), block, 0, stream>>>(p.start(), p.step(), static_cast<T*>(dst), n);
    }
  });
  check_launch("arange");
  return true;
}

} // namespace

void register_elementwise() {
  add_kernel(eval_unary);
  add_kernel(eval_binary);
  add_kernel(eval_select);
  add_kernel(eval_arange);
}

} // namespace mlx::core::cu
