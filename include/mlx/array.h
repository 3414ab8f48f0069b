// The array: a cheap shared handle to a node of the lazy graph, as MLX's mlx/array.h.
#pragma once

#include <algorithm>
#include <complex>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <vector>

#include "mlx/allocator.h"
#include "mlx/dtype.h"

namespace mlx::core {

class Primitive;

using Deleter = std::function<void(allocator::Buffer)>;
using ShapeElem = int32_t;
using Shape = std::vector<ShapeElem>;
using Strides = std::vector<int64_t>;

class array {
public:
  /** Construct a scalar array with zero dimensions. */
  template <typename T>
  explicit array(T val, Dtype dtype = TypeToDtype<T>());

  /* Special case since std::complex can't be implicitly converted to other types. */
  explicit array(const std::complex<float>& val, Dtype dtype = complex64);

  template <typename It>
  array(It data, Shape shape,
        Dtype dtype = TypeToDtype<typename std::iterator_traits<It>::value_type>());

  template <typename T>
  array(std::initializer_list<T> data, Dtype dtype = TypeToDtype<T>());

  /* Special case so empty lists default to float32. */
  array(std::initializer_list<float> data);

  /* Special case so array({}, type) is an empty array. */
  array(std::initializer_list<int> data, Dtype dtype);

  template <typename T>
  array(std::initializer_list<T> data, Shape shape, Dtype dtype = TypeToDtype<T>());

  /* Build an array from a buffer */
  array(allocator::Buffer data, Shape shape, Dtype dtype, Deleter deleter = allocator::free);

  /** Assignment to rvalue does not compile. */
  array& operator=(const array& other) && = delete;
  array& operator=(array&& other) && = delete;

  /** Default copy and move constructors otherwise. */
  array& operator=(array&& other) & = default;
  array(const array& other) = default;
  array(array&& other) = default;

  array& operator=(const array& other) & {
    if (this->id() != other.id()) {
      this->array_desc_ = other.array_desc_;
    }
    return *this;
  }

  /** The size of the array's datatype in bytes. */
  size_t itemsize() const { return size_of(dtype()); }

  /** The number of elements in the array. */
  size_t size() const { return array_desc_->size; }

  /** The number of bytes in the array. */
  size_t nbytes() const { return size() * itemsize(); }

  /** The number of dimensions of the array. */
  size_t ndim() const { return array_desc_->shape.size(); }

  /** The shape of the array as a vector of integers. */
  const Shape& shape() const { return array_desc_->shape; }

  /** The size of one dimension; negative indices count from the end; bounds-checked. */
  auto shape(int dim) const { return shape().at(dim < 0 ? dim + ndim() : dim); }

  /** The strides of the array, in elements. */
  const Strides& strides() const { return array_desc_->strides; }

  /** The stride of one dimension; negative indices count from the end; bounds-checked. */
  auto strides(int dim) const { return strides().at(dim < 0 ? dim + ndim() : dim); }

  /** Get the arrays data type. */
  Dtype dtype() const { return array_desc_->dtype; }

  /** Evaluate the array. */
  void eval();

  /** Get the value from a scalar array. */
  template <typename T>
  T item();

  template <typename T>
  T item() const;

  struct ArrayIterator {
    using iterator_category = std::random_access_iterator_tag;
    using difference_type = size_t;
    using value_type = const array;
    using reference = value_type;

    explicit ArrayIterator(const array& arr, int idx = 0);

    reference operator*() const;

    ArrayIterator& operator+(difference_type diff) {
      idx += diff;
      return *this;
    }

    ArrayIterator& operator++() {
      idx++;
      return *this;
    }

    friend bool operator==(const ArrayIterator& a, const ArrayIterator& b) {
      return a.arr.id() == b.arr.id() && a.idx == b.idx;
    }
    friend bool operator!=(const ArrayIterator& a, const ArrayIterator& b) { return !(a == b); }

  private:
    const array& arr;
    int idx;
  };

  ArrayIterator begin() const { return ArrayIterator(*this); }
  ArrayIterator end() const { return ArrayIterator(*this, shape(0)); }

  /**
   * The following methods are for the backend implementation.
   */

  array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive, std::vector<array> inputs);

  static std::vector<array> make_arrays(std::vector<Shape> shapes, const std::vector<Dtype>& dtypes,
                                        const std::shared_ptr<Primitive>& primitive,
                                        const std::vector<array>& inputs);

  /** A unique identifier for an array. */
  std::uintptr_t id() const { return reinterpret_cast<std::uintptr_t>(array_desc_.get()); }

  /** A unique identifier for an arrays primitive. */
  std::uintptr_t primitive_id() const {
    return reinterpret_cast<std::uintptr_t>(array_desc_->primitive.get());
  }

  struct Data {
    allocator::Buffer buffer;
    Deleter d;
    Data(allocator::Buffer buffer, Deleter d = allocator::free) : buffer(buffer), d(std::move(d)) {}
    Data(const Data& d) = delete;
    Data& operator=(const Data& d) = delete;
    ~Data() { d(buffer); }
  };

  struct Flags {
    // True iff there are no gaps in the underlying data: every item of the data buffer belongs
    // to at least one index, i.e. prod(shape[i] for strides[i] > 0) == data_size().
    bool contiguous : 1;

    // True iff strides[-1] == 1 and strides[i] == shape[i+1] * strides[i+1] (or shape[i] == 1).
    bool row_contiguous : 1;

    // True iff strides[0] == 1 and strides[i] == shape[i-1] * strides[i-1] (or shape[i] == 1).
    bool col_contiguous : 1;
  };

  /** The array's primitive. */
  Primitive& primitive() const { return *(array_desc_->primitive); }

  /** A shared pointer to the array's primitive. */
  std::shared_ptr<Primitive>& primitive_ptr() const { return array_desc_->primitive; }

  /** Check if the array has an attached primitive or is a leaf node. */
  bool has_primitive() const { return array_desc_->primitive != nullptr; }

  /** The array's inputs. */
  const std::vector<array>& inputs() const { return array_desc_->inputs; }
  std::vector<array>& inputs() { return array_desc_->inputs; }

  /** True when the array's buffer can be reused for an output: nothing else refers to it. */
  bool is_donatable() const {
    return array_desc_.use_count() == 1 && (array_desc_->data.use_count() == 1);
  }

  /** The array's siblings (the other outputs of a multi-output primitive). */
  const std::vector<array>& siblings() const { return array_desc_->siblings; }
  std::vector<array>& siblings() { return array_desc_->siblings; }

  void set_siblings(std::vector<array> siblings, uint16_t position) {
    array_desc_->siblings = std::move(siblings);
    array_desc_->position = position;
  }

  /** The outputs of the array's primitive (this array and its siblings) in order. */
  std::vector<array> outputs() const {
    auto idx = array_desc_->position;
    std::vector<array> outputs;
    outputs.reserve(siblings().size() + 1);
    outputs.insert(outputs.end(), siblings().begin(), siblings().begin() + idx);
    outputs.push_back(*this);
    outputs.insert(outputs.end(), siblings().begin() + idx, siblings().end());
    return outputs;
  }

  /** Detach the array from the graph. */
  void detach();

  /** Get the Flags bit-field. */
  const Flags& flags() const { return array_desc_->flags; }

  /** The size (in elements) of the part of the buffer the array reaches. */
  size_t data_size() const { return array_desc_->data_size; }

  allocator::Buffer& buffer() { return array_desc_->data->buffer; }
  const allocator::Buffer& buffer() const { return array_desc_->data->buffer; }

  size_t buffer_size() const { return allocator::allocator().size(buffer()); }

  std::shared_ptr<Data> data_shared_ptr() const { return array_desc_->data; }

  // The host address of the first element. With the CUDA backend the buffer may live on the
  // device: the non-const form makes the host copy current and marks it as the one written; the
  // const form only makes it current.
  template <typename T>
  T* data() {
    return static_cast<T*>(host_data());
  }

  template <typename T>
  const T* data() const {
    return static_cast<const T*>(host_data());
  }

  /** Backend use: where the first element lies in the buffer, in bytes. */
  int64_t byte_offset() const { return array_desc_->byte_offset; }

  enum Status {
    // The output of a computation which has not been scheduled.
    unscheduled,
    // Scheduled, but the primitive has not run yet.
    scheduled,
    // Evaluating the array threw.
    failure,
    // The primitive has run; the computation may still be in flight on an asynchronous device.
    evaluated,
    // The data can be read. Constant arrays are always available.
    available
  };

  bool is_available() const;

  // Wait for the array to be available; afterwards `is_available` returns true.
  void wait();

  Status status() const { return array_desc_->status; }
  void set_status(Status s) const { array_desc_->status = s; }

  // Tracer arrays (used inside function transforms) stay attached to the graph after eval.
  void set_tracer(bool is_tracer) { array_desc_->is_tracer = is_tracer; }
  bool is_tracer() const;

  void set_data(allocator::Buffer buffer, Deleter d = allocator::free);

  void set_data(allocator::Buffer buffer, size_t data_size, Strides strides, Flags flags,
                Deleter d = allocator::free);

  void copy_shared_buffer(const array& other, const Strides& strides, Flags flags, size_t data_size,
                          int64_t offset = 0);

  void copy_shared_buffer(const array& other);

  void move_shared_buffer(array other, const Strides& strides, Flags flags, size_t data_size,
                          int64_t offset = 0);

  void move_shared_buffer(array other);

  void overwrite_descriptor(const array& other) { array_desc_ = other.array_desc_; }

  ~array();

private:
  template <typename It>
  void init(const It src);

  void* host_data();
  const void* host_data() const;

  struct ArrayDesc {
    Shape shape;
    Strides strides;
    size_t size;
    Dtype dtype;
    std::shared_ptr<Primitive> primitive;

    Status status;

    bool is_tracer{false};

    // Shared so that views of one buffer (reshape, transpose, slices) share the data.
    std::shared_ptr<Data> data;

    // Where this array's first element lies in the buffer (a view's offset), in bytes.
    int64_t byte_offset{0};

    size_t data_size;

    Flags flags;

    std::vector<array> inputs;
    // The other outputs of a multi-output primitive.
    std::vector<array> siblings;
    // This array's position among the primitive's outputs.
    uint32_t position{0};

    explicit ArrayDesc(Shape shape, Dtype dtype);

    explicit ArrayDesc(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
                       std::vector<array> inputs);

    ~ArrayDesc();

  private:
    void init();
  };

  std::shared_ptr<ArrayDesc> array_desc_;
};

template <typename T>
array::array(T val, Dtype dtype /* = TypeToDtype<T>() */)
    : array_desc_(std::make_shared<ArrayDesc>(Shape{}, dtype)) {
  init(&val);
}

template <typename It>
array::array(It data, Shape shape, Dtype dtype)
    : array_desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  init(data);
}

template <typename T>
array::array(std::initializer_list<T> data, Dtype dtype /* = TypeToDtype<T>() */)
    : array_desc_(std::make_shared<ArrayDesc>(Shape{static_cast<ShapeElem>(data.size())}, dtype)) {
  init(data.begin());
}

template <typename T>
array::array(std::initializer_list<T> data, Shape shape, Dtype dtype /* = TypeToDtype<T>() */)
    : array_desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  if (data.size() != size()) {
    throw std::invalid_argument(
        "[array] Data size and provided shape mismatch in array construction.");
  }
  init(data.begin());
}

template <typename T>
T array::item() {
  if (size() != 1) {
    throw std::invalid_argument("[item] item can only be called on arrays of size 1.");
  }
  eval();
  return *data<T>();
}

template <typename T>
T array::item() const {
  if (size() != 1) {
    throw std::invalid_argument("[item] item can only be called on arrays of size 1.");
  }
  if (status() == Status::unscheduled) {
    throw std::invalid_argument("[item] item() const can only be called on evaled arrays");
  }
  const_cast<array*>(this)->eval();
  return *data<T>();
}

namespace detail {
// Copies n values of any arithmetic-like type into a buffer of the given dtype.
template <typename It>
void copy_into(It src, size_t n, Dtype dtype, void* dst);
} // namespace detail

template <typename It>
void array::init(It src) {
  set_data(allocator::malloc(size() * size_of(dtype())));
  detail::copy_into(src, size(), dtype(), data<void>());
}

namespace detail {
// The real part of a complex value, as Out. Templated on Out so that the call in copy_into is
// dependent: clang checks non-dependent expressions even in a discarded `if constexpr` branch.
template <typename Out, typename Complex>
Out real_part_as(const Complex& v) {
  return static_cast<Out>(v.real());
}

template <typename It>
void copy_into(It src, size_t n, Dtype dtype, void* dst) {
  auto fill = [&](auto* out) {
    using Out = std::remove_pointer_t<decltype(out)>;
    using In = std::remove_cv_t<std::remove_reference_t<decltype(*src)>>;
    for (size_t i = 0; i < n; ++i, ++src) {
      if constexpr (std::is_same_v<In, complex64_t> && !std::is_same_v<Out, complex64_t>) {
        out[i] = real_part_as<Out>(*src); // a real type keeps the real part
      } else {
        out[i] = static_cast<Out>(*src);
      }
    }
  };
  switch (dtype) {
  case Dtype::Val::bool_:
    fill(static_cast<bool*>(dst));
    break;
  case Dtype::Val::uint8:
    fill(static_cast<uint8_t*>(dst));
    break;
  case Dtype::Val::uint16:
    fill(static_cast<uint16_t*>(dst));
    break;
  case Dtype::Val::uint32:
    fill(static_cast<uint32_t*>(dst));
    break;
  case Dtype::Val::uint64:
    fill(static_cast<uint64_t*>(dst));
    break;
  case Dtype::Val::int8:
    fill(static_cast<int8_t*>(dst));
    break;
  case Dtype::Val::int16:
    fill(static_cast<int16_t*>(dst));
    break;
  case Dtype::Val::int32:
    fill(static_cast<int32_t*>(dst));
    break;
  case Dtype::Val::int64:
    fill(static_cast<int64_t*>(dst));
    break;
  case Dtype::Val::float16:
    fill(static_cast<float16_t*>(dst));
    break;
  case Dtype::Val::float32:
    fill(static_cast<float*>(dst));
    break;
  case Dtype::Val::float64:
    fill(static_cast<double*>(dst));
    break;
  case Dtype::Val::bfloat16:
    fill(static_cast<bfloat16_t*>(dst));
    break;
  case Dtype::Val::complex64:
    fill(static_cast<complex64_t*>(dst));
    break;
  }
}
} // namespace detail

/* Utilities for determining whether a template parameter is array. */
template <typename T>
inline constexpr bool is_array_v =
    std::is_same_v<std::remove_cv_t<std::remove_reference_t<T>>, array>;

template <typename... T>
inline constexpr bool is_arrays_v = (is_array_v<T> && ...);

template <typename... T>
using enable_for_arrays_t = typename std::enable_if_t<is_arrays_v<T...>>;

} // namespace mlx::core
