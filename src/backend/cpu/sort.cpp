// Sort, ArgSort, Partition, ArgPartition and SearchSorted on the CPU. Rows along the axis are
// independent and go to the thread pool; each row is gathered into a contiguous buffer (half
// types widened to float) so that the algorithms run on plain memory whatever the input's
// strides, then scattered to the row-major output. Full sorts of long rows use a radix sort,
// which gives the same stable order as the comparison sort MLX uses.
#include "core/primitives/sort.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "backend/common/strides.h"
#include "backend/cpu/radix_sort.h"
#include "backend/cpu/thread_pool.h"
#include "core/dtype_dispatch.h"

namespace mlx::core {

namespace {

template <typename K>
bool is_nan(K v) {
  if constexpr (std::is_floating_point_v<K>) {
    return std::isnan(v);
  } else if constexpr (is_complex_v<K>) {
    return std::isnan(v.real()) || std::isnan(v.imag());
  } else {
    return false;
  }
}

// Strict weak order with NaN after everything else.
template <typename K>
bool nan_last_less(K a, K b) {
  if (is_nan(a)) {
    return false;
  }
  if (is_nan(b)) {
    return true;
  }
  return a < b;
}

// The iteration space of rows along `axis`: the other axes, with each operand's strides.
struct RowSpace {
  Shape shape;
  Strides in_strides;
  Strides out_strides;
  int64_t in_stride;  // along the axis
  int64_t out_stride; // along the axis
  int64_t length;     // of the axis
  int64_t rows;
};

RowSpace row_space(const array& in, const array& out, int axis) {
  RowSpace rs{in.shape(),
              in.strides(),
              out.strides(),
              in.strides()[axis],
              out.strides()[axis],
              in.shape(axis),
              0};
  rs.shape.erase(rs.shape.begin() + axis);
  rs.in_strides.erase(rs.in_strides.begin() + axis);
  rs.out_strides.erase(rs.out_strides.begin() + axis);
  rs.rows = rs.length > 0 ? static_cast<int64_t>(in.size()) / rs.length : 0;
  return rs;
}

// Calls body(in_row, out_row, scratch, row_space) for every row, in parallel; `scratch` is a
// default-constructed Scratch reused across the rows of one task.
template <typename T, typename O, typename Scratch, typename Body>
void for_rows(const array& in, array& out, int axis, Body&& body) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  auto rs = row_space(in, out, axis);
  const T* src = in.data<T>();
  O* dst = out.data<O>();
  int64_t grain = std::max<int64_t>(1, (1 << 14) / rs.length);
  cpu::parallel_for(rs.rows, grain, [&](int64_t begin, int64_t end) {
    Scratch scratch;
    for (int64_t r = begin; r < end; ++r) {
      const T* in_row = src + elem_to_loc(r, rs.shape, rs.in_strides);
      O* out_row = dst + elem_to_loc(r, rs.shape, rs.out_strides);
      body(in_row, out_row, scratch, rs);
    }
  });
}

// What a row is compared as: half types widen to float; bool becomes a byte, keeping buffers
// plain arrays (std::vector<bool> packs bits).
template <typename T>
using key_type = std::conditional_t<std::is_same_v<T, bool>, uint8_t, accumulator_t<T>>;

// Rows at least this long sort by radix (linear); shorter ones by comparison, cheaper there.
constexpr int64_t kRadixMinLength = 256;

// Sort and ArgSort: a stable order of each row, NaNs last. Writes the sorted values, or with
// kIndices their original positions.
template <typename T, bool kIndices>
void full_sort(const array& in, array& out, int axis) {
  using O = std::conditional_t<kIndices, uint32_t, T>;
  using K = key_type<T>;
  using Entry = std::pair<K, uint32_t>;
  struct Scratch {
    std::vector<Entry> entries;
    std::vector<cpu::RadixEntry<cpu::radix_key_t<T>>> radix;
    std::vector<cpu::RadixEntry<cpu::radix_key_t<T>>> radix_tmp;
  };
  auto sort_row = [](const T* x, O* y, Scratch& scratch, const RowSpace& rs) {
    auto emit = [&](int64_t i, uint32_t index) {
      if constexpr (kIndices) {
        y[i * rs.out_stride] = index;
      } else {
        y[i * rs.out_stride] = x[index * rs.in_stride];
      }
    };
    if constexpr (cpu::has_radix_key_v<T>) {
      if (rs.length >= kRadixMinLength) {
        auto& entries = scratch.radix;
        entries.resize(rs.length);
        for (int64_t i = 0; i < rs.length; ++i) {
          entries[i] = {cpu::radix_key(x[i * rs.in_stride]), static_cast<uint32_t>(i)};
        }
        cpu::radix_sort(entries, scratch.radix_tmp);
        for (int64_t i = 0; i < rs.length; ++i) {
          emit(i, entries[i].index);
        }
        return;
      }
    }
    auto& entries = scratch.entries;
    entries.resize(rs.length);
    for (int64_t i = 0; i < rs.length; ++i) {
      entries[i] = {static_cast<K>(x[i * rs.in_stride]), static_cast<uint32_t>(i)};
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return nan_last_less(a.first, b.first);
    });
    for (int64_t i = 0; i < rs.length; ++i) {
      emit(i, entries[i].second);
    }
  };
  for_rows<T, O, Scratch>(in, out, axis, sort_row);
}

// Partition: std::nth_element on each row, as MLX's CPU backend does, so the arrangement
// around kth is MLX's too.
template <typename T>
void partition_values(const array& in, array& out, int axis, int kth) {
  using K = key_type<T>;
  for_rows<T, T, std::vector<K>>(
      in, out, axis, [&](const T* x, T* y, std::vector<K>& buf, const RowSpace& rs) {
        buf.resize(rs.length);
        for (int64_t i = 0; i < rs.length; ++i) {
          buf[i] = static_cast<K>(x[i * rs.in_stride]);
        }
        std::nth_element(buf.begin(), buf.begin() + kth, buf.end(), nan_last_less<K>);
        for (int64_t i = 0; i < rs.length; ++i) {
          y[i * rs.out_stride] = static_cast<T>(buf[i]);
        }
      });
}

// ArgPartition, ties broken by index as MLX's comparator does.
template <typename T>
void partition_indices(const array& in, array& out, int axis, int kth) {
  using K = key_type<T>;
  using Entry = std::pair<K, uint32_t>;
  auto value_then_index_less = [](const Entry& a, const Entry& b) {
    if (is_nan(a.first)) {
      return false;
    }
    if (is_nan(b.first)) {
      return true;
    }
    return a.first < b.first || (a.first == b.first && a.second < b.second);
  };
  for_rows<T, uint32_t, std::vector<Entry>>(
      in, out, axis, [&](const T* x, uint32_t* y, std::vector<Entry>& buf, const RowSpace& rs) {
        buf.resize(rs.length);
        for (int64_t i = 0; i < rs.length; ++i) {
          buf[i] = {static_cast<K>(x[i * rs.in_stride]), static_cast<uint32_t>(i)};
        }
        std::nth_element(buf.begin(), buf.begin() + kth, buf.end(), value_then_index_less);
        for (int64_t i = 0; i < rs.length; ++i) {
          y[i * rs.out_stride] = buf[i].second;
        }
      });
}

template <typename T>
void search_sorted(const array& a, const array& v, array& out, bool right) {
  using K = key_type<T>;
  out.set_data(allocator::malloc(out.nbytes()));
  int64_t count = out.size();
  if (count == 0) {
    return;
  }
  int64_t n = a.shape(-1);
  int64_t a_stride = a.strides().back();
  Shape lead_shape(a.shape().begin(), a.shape().end() - 1);
  Strides lead_strides(a.strides().begin(), a.strides().end() - 1);
  int64_t a_rows = 1;
  for (auto d : lead_shape) {
    a_rows *= d;
  }
  int64_t per_row = count / a_rows;
  const T* a_ptr = a.data<T>();
  const T* v_ptr = v.data<T>();
  uint32_t* dst = out.data<uint32_t>();
  cpu::parallel_for(count, 1 << 12, [&](int64_t begin, int64_t end) {
    for (int64_t e = begin; e < end; ++e) {
      const T* row = a_ptr + elem_to_loc(e / per_row, lead_shape, lead_strides);
      K x = static_cast<K>(v_ptr[elem_to_loc(e, v.shape(), v.strides())]);
      // Left: the number of row values ordered before x; right: those not ordered after it.
      int64_t lo = 0;
      int64_t hi = n;
      while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        K m = static_cast<K>(row[mid * a_stride]);
        bool before = right ? !nan_last_less(x, m) : nan_last_less(m, x);
        if (before) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      dst[e] = static_cast<uint32_t>(lo);
    }
  });
}

} // namespace

void Sort::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  dispatch_all_types(in.dtype(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    switch (type_) {
    case SortType::Sort:
      return full_sort<T, false>(in, out, axis_);
    case SortType::ArgSort:
      return full_sort<T, true>(in, out, axis_);
    case SortType::Partition:
      return partition_values<T>(in, out, axis_, kth_);
    case SortType::ArgPartition:
      return partition_indices<T>(in, out, axis_, kth_);
    }
  });
}

void SearchSorted::eval_cpu(const std::vector<array>& inputs, array& out) {
  dispatch_all_types(inputs[0].dtype(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    search_sorted<T>(inputs[0], inputs[1], out, right_);
  });
}

} // namespace mlx::core
