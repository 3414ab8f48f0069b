// The CPU's caching allocator. Freed blocks are kept by size and handed out again, so the
// repeated, same-shaped allocations of a decode loop never reach the system allocator.
#include "mlx/allocator.h"

#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mlx/memory.h"

#include "core/backend_registry.h"
#include "core/caching_allocator.h"

namespace mlx::core {

namespace {

// Every block starts with a header that records its size; 64 bytes keeps data cache-line (and
// AVX-512) aligned.
constexpr size_t header_size = 64;
constexpr size_t alignment = 64;

size_t round_size(size_t size) {
  if (size <= 256) {
    return (size + 63) & ~size_t{63};
  }
  if (size <= (1 << 20)) {
    return (size + 4095) & ~size_t{4095};
  }
  return (size + (1 << 16) - 1) & ~size_t{(1 << 16) - 1};
}

size_t physical_memory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? static_cast<size_t>(pages) * page_size : (size_t{8} << 30);
}

class CpuAllocator : public CachingAllocator {
public:
  CpuAllocator() : memory_limit_(physical_memory()), cache_limit_(memory_limit_) {}

  allocator::Buffer malloc(size_t size) override {
    size_t rounded = round_size(size);
    std::unique_lock lock(mutex_);
    if (auto it = cache_.find(rounded); it != cache_.end() && !it->second.empty()) {
      void* block = it->second.back();
      it->second.pop_back();
      cache_bytes_ -= rounded;
      account_allocation(rounded);
      return allocator::Buffer(static_cast<char*>(block) + header_size);
    }
    if (active_ + rounded > memory_limit_) {
      release_cache(cache_bytes_);
      if (active_ + rounded > memory_limit_) {
        std::ostringstream msg;
        msg << "[malloc] Allocating " << size << " bytes would exceed the memory limit of "
            << memory_limit_ << " bytes (" << active_ << " in use).";
        throw std::runtime_error(msg.str());
      }
    }
    void* block = std::aligned_alloc(alignment, rounded + header_size);
    if (block == nullptr) {
      release_cache(cache_bytes_);
      block = std::aligned_alloc(alignment, rounded + header_size);
    }
    if (block == nullptr) {
      std::ostringstream msg;
      msg << "[malloc] Unable to allocate " << size << " bytes.";
      throw std::runtime_error(msg.str());
    }
    *static_cast<size_t*>(block) = rounded;
    account_allocation(rounded);
    return allocator::Buffer(static_cast<char*>(block) + header_size);
  }

  void free(allocator::Buffer buffer) override {
    void* data = buffer.ptr();
    if (data == nullptr) {
      return;
    }
    void* block = static_cast<char*>(data) - header_size;
    size_t rounded = *static_cast<size_t*>(block);
    std::unique_lock lock(mutex_);
    active_ -= rounded;
    if (cache_limit_ == 0) {
      std::free(block);
      return;
    }
    cache_[rounded].push_back(block);
    cache_bytes_ += rounded;
    if (cache_bytes_ > cache_limit_) {
      release_cache(cache_bytes_ - cache_limit_);
    }
  }

  size_t size(allocator::Buffer buffer) const override {
    if (buffer.ptr() == nullptr) {
      return 0;
    }
    return *reinterpret_cast<const size_t*>(static_cast<const char*>(buffer.ptr()) - header_size);
  }

  size_t active() override {
    std::unique_lock lock(mutex_);
    return active_;
  }
  size_t peak() override {
    std::unique_lock lock(mutex_);
    return peak_;
  }
  void reset_peak() override {
    std::unique_lock lock(mutex_);
    peak_ = active_;
  }
  size_t cache_bytes() override {
    std::unique_lock lock(mutex_);
    return cache_bytes_;
  }
  size_t set_memory_limit(size_t limit) override {
    std::unique_lock lock(mutex_);
    return std::exchange(memory_limit_, limit);
  }
  size_t memory_limit() override {
    std::unique_lock lock(mutex_);
    return memory_limit_;
  }
  size_t set_cache_limit(size_t limit) override {
    std::unique_lock lock(mutex_);
    auto previous = std::exchange(cache_limit_, limit);
    if (cache_bytes_ > cache_limit_) {
      release_cache(cache_bytes_ - cache_limit_);
    }
    return previous;
  }
  void clear_cache() override {
    std::unique_lock lock(mutex_);
    release_cache(cache_bytes_);
  }

private:
  void account_allocation(size_t rounded) {
    active_ += rounded;
    peak_ = std::max(peak_, active_);
  }

  // Frees cached blocks until at least `bytes` are released (largest sizes first, since they
  // free the most for the fewest system calls). Called with the mutex held.
  void release_cache(size_t bytes) {
    size_t released = 0;
    while (released < bytes && cache_bytes_ > 0) {
      auto largest = cache_.begin();
      for (auto it = cache_.begin(); it != cache_.end(); ++it) {
        if (!it->second.empty() && (largest->second.empty() || it->first > largest->first)) {
          largest = it;
        }
      }
      for (void* block : largest->second) {
        std::free(block);
        released += largest->first;
        cache_bytes_ -= largest->first;
      }
      cache_.erase(largest);
    }
  }

  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> cache_;
  size_t active_ = 0;
  size_t peak_ = 0;
  size_t cache_bytes_ = 0;
  size_t memory_limit_;
  size_t cache_limit_;
};

CpuAllocator& cpu_allocator() {
  // Leaked on purpose: arrays held in static storage are freed after main returns, and must
  // still find their allocator.
  static auto* instance = new CpuAllocator();
  return *instance;
}

} // namespace

CachingAllocator& host_allocator() {
  return cpu_allocator();
}

CachingAllocator& active_allocator() {
  // Decided once: whether a GPU is usable does not change while the program runs.
  static CachingAllocator* active = [] {
    auto* gpu = gpu_backend::allocator();
    return gpu != nullptr ? gpu : static_cast<CachingAllocator*>(&cpu_allocator());
  }();
  return *active;
}

namespace allocator {

void* Buffer::raw_ptr() {
  return allocator().raw_ptr(*this);
}

Buffer malloc(size_t size) {
  return allocator().malloc(size);
}

void free(Buffer buffer) {
  allocator().free(buffer);
}

Allocator& allocator() {
  return active_allocator();
}

} // namespace allocator

size_t get_active_memory() {
  return active_allocator().active();
}
size_t get_peak_memory() {
  return active_allocator().peak();
}
void reset_peak_memory() {
  active_allocator().reset_peak();
}
size_t get_cache_memory() {
  return active_allocator().cache_bytes();
}
size_t set_memory_limit(size_t limit) {
  return active_allocator().set_memory_limit(limit);
}
size_t get_memory_limit() {
  return active_allocator().memory_limit();
}
size_t set_cache_limit(size_t limit) {
  return active_allocator().set_cache_limit(limit);
}
size_t set_wired_limit(size_t limit) {
  return 0;
}
void clear_cache() {
  active_allocator().clear_cache();
}

} // namespace mlx::core
