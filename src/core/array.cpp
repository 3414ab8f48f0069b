#include "mlx/array.h"

#include "mlx/ops.h"
#include "mlx/primitives.h"
#include "mlx/transforms.h"

#include "core/caching_allocator.h"

namespace mlx::core {

namespace {

// Row-major strides, and the flags and data size of a freshly allocated row-major array.
Strides row_major_strides(const Shape& shape) {
  Strides strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 1; i > 0; --i) {
    strides[i - 1] = strides[i] * shape[i];
  }
  return strides;
}

} // namespace

array::array(const std::complex<float>& val, Dtype dtype /* = complex64 */)
    : array_desc_(std::make_shared<ArrayDesc>(Shape{}, dtype)) {
  auto cval = complex64_t(val);
  init(&cval);
}

array::array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
             std::vector<array> inputs)
    : array_desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype, std::move(primitive),
                                              std::move(inputs))) {}

std::vector<array> array::make_arrays(std::vector<Shape> shapes, const std::vector<Dtype>& dtypes,
                                      const std::shared_ptr<Primitive>& primitive,
                                      const std::vector<array>& inputs) {
  std::vector<array> outputs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    outputs.emplace_back(std::move(shapes[i]), dtypes[i], primitive, inputs);
  }
  // Each output knows its siblings so that evaluating one evaluates all.
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::vector<array> siblings = outputs;
    siblings.erase(siblings.begin() + i);
    outputs[i].set_siblings(std::move(siblings), static_cast<uint16_t>(i));
  }
  return outputs;
}

array::array(std::initializer_list<float> data)
    : array_desc_(
          std::make_shared<ArrayDesc>(Shape{static_cast<ShapeElem>(data.size())}, float32)) {
  init(data.begin());
}

array::array(std::initializer_list<int> data, Dtype dtype)
    : array_desc_(std::make_shared<ArrayDesc>(Shape{static_cast<ShapeElem>(data.size())}, dtype)) {
  init(data.begin());
}

array::array(allocator::Buffer data, Shape shape, Dtype dtype, Deleter deleter)
    : array_desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  set_data(data, std::move(deleter));
}

array::~array() {
  if (array_desc_ == nullptr || array_desc_->primitive == nullptr || siblings().empty()) {
    return;
  }
  // The outputs of a multi-output primitive hold each other through `siblings`. When the only
  // references left are those links (and this handle), break them so the group is freed.
  auto n = static_cast<long>(siblings().size()) + 1;
  if (array_desc_.use_count() != n) {
    return;
  }
  for (auto& s : siblings()) {
    if (s.array_desc_.use_count() != n - 1) {
      return;
    }
  }
  auto siblings_to_drop = std::move(array_desc_->siblings);
  for (auto& s : siblings_to_drop) {
    s.array_desc_->siblings.clear();
  }
}

void array::detach() {
  for (auto& s : array_desc_->siblings) {
    s.array_desc_->inputs.clear();
    s.array_desc_->siblings.clear();
    s.array_desc_->position = 0;
    s.array_desc_->primitive = nullptr;
  }
  array_desc_->inputs.clear();
  array_desc_->siblings.clear();
  array_desc_->position = 0;
  array_desc_->primitive = nullptr;
}

bool array::is_available() const {
  return status() == Status::available;
}

void array::wait() {
  if (!is_available()) {
    eval();
  }
}

bool array::is_tracer() const {
  return array_desc_->is_tracer;
}

void array::eval() {
  if (status() != Status::available) {
    mlx::core::eval({*this});
  }
}

void array::set_data(allocator::Buffer buffer, Deleter d) {
  array_desc_->data = std::make_shared<Data>(buffer, std::move(d));
  array_desc_->byte_offset = 0;
  array_desc_->data_size = size();
  array_desc_->flags.contiguous = true;
  array_desc_->flags.row_contiguous = true;
  auto max_dim = std::max_element(shape().begin(), shape().end());
  array_desc_->flags.col_contiguous = size() <= 1 || size() == *max_dim;
}

void array::set_data(allocator::Buffer buffer, size_t data_size, Strides strides, Flags flags,
                     Deleter d) {
  array_desc_->data = std::make_shared<Data>(buffer, std::move(d));
  array_desc_->byte_offset = 0;
  array_desc_->data_size = data_size;
  array_desc_->strides = std::move(strides);
  array_desc_->flags = flags;
}

void array::copy_shared_buffer(const array& other, const Strides& strides, Flags flags,
                               size_t data_size, int64_t offset /* = 0 */) {
  array_desc_->data = other.array_desc_->data;
  array_desc_->strides = strides;
  array_desc_->flags = flags;
  array_desc_->data_size = data_size;
  array_desc_->byte_offset =
      other.array_desc_->byte_offset + static_cast<int64_t>(itemsize()) * offset;
}

void array::copy_shared_buffer(const array& other) {
  copy_shared_buffer(other, other.strides(), other.flags(), other.data_size());
}

void array::move_shared_buffer(array other, const Strides& strides, Flags flags, size_t data_size,
                               int64_t offset /* = 0 */) {
  array_desc_->data = std::move(other.array_desc_->data);
  array_desc_->strides = strides;
  array_desc_->flags = flags;
  array_desc_->data_size = data_size;
  array_desc_->byte_offset =
      other.array_desc_->byte_offset + static_cast<int64_t>(itemsize()) * offset;
}

void array::move_shared_buffer(array other) {
  move_shared_buffer(other, other.strides(), other.flags(), other.data_size());
}

void* array::host_data() {
  if (!array_desc_->data) {
    return nullptr;
  }
  return static_cast<char*>(array_desc_->data->buffer.raw_ptr()) + array_desc_->byte_offset;
}

const void* array::host_data() const {
  if (!array_desc_->data) {
    return nullptr;
  }
  auto* base = active_allocator().raw_ptr_for_read(array_desc_->data->buffer);
  return static_cast<const char*>(base) + array_desc_->byte_offset;
}

void array::ArrayDesc::init() {
  strides = row_major_strides(shape);
  size = 1;
  for (auto d : shape) {
    if (d < 0) {
      throw std::invalid_argument("[array] Shape dimensions must be non-negative.");
    }
    size *= static_cast<size_t>(d);
  }
  for (const auto& in : inputs) {
    is_tracer |= in.is_tracer();
  }
}

array::ArrayDesc::ArrayDesc(Shape shape, Dtype dtype)
    : shape(std::move(shape)), dtype(dtype), status(Status::available) {
  init();
}

array::ArrayDesc::ArrayDesc(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive,
                            std::vector<array> inputs)
    : shape(std::move(shape)), dtype(dtype), primitive(std::move(primitive)),
      status(Status::unscheduled), inputs(std::move(inputs)) {
  init();
}

array::ArrayDesc::~ArrayDesc() {
  // Release a long chain of unevaluated nodes iteratively: recursive destruction through
  // `inputs` would overflow the stack on graphs with millions of nodes.
  std::vector<std::shared_ptr<ArrayDesc>> pending;
  auto take_inputs = [&pending](std::vector<array>& inputs) {
    for (auto& in : inputs) {
      if (in.array_desc_.use_count() == 1) {
        pending.push_back(std::move(in.array_desc_));
      }
    }
    inputs.clear();
  };
  take_inputs(inputs);
  while (!pending.empty()) {
    auto desc = std::move(pending.back());
    pending.pop_back();
    take_inputs(desc->inputs);
    // Siblings refer to each other; dropping the links lets them go together.
    desc->siblings.clear();
  }
}

array::ArrayIterator::ArrayIterator(const array& arr, int idx) : arr(arr), idx(idx) {
  if (arr.ndim() == 0) {
    throw std::invalid_argument("[ArrayIterator] Cannot iterate over 0-d array.");
  }
}

array::ArrayIterator::reference array::ArrayIterator::operator*() const {
  auto start = Shape(arr.ndim(), 0);
  auto end = arr.shape();
  auto shape = arr.shape();
  shape.erase(shape.begin());
  start[0] = idx;
  end[0] = idx + 1;
  return reshape(slice(arr, start, end), shape);
}

} // namespace mlx::core
