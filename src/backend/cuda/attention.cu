// Scaled dot-product attention, q [B, Hq, Lq, D], k [B, Hkv, Lk, D], v [B, Hkv, Lk, Dv] (last
// axes contiguous, other strides free, as KV-cache slices are), grouped-query heads, no mask,
// a causal mask aligned to the end (query i sees keys up to i + Lk - Lq) or a mask array
// broadcast to [B, Hq, Lq, Lk] (bool: keep; else added), and optional per-head sinks. One
// block per query row: its 8 warps take every 8th key with an online softmax, and merge at
// the end. Rows with every key masked get zeros, as on the CPU.
#include "backend/cuda/backend.h"
#include "backend/cuda/copy.h"
#include "backend/cuda/device_utils.cuh"
#include "core/primitives/fast.h"

namespace mlx::core::cu {

namespace {

constexpr int warps = 8;
constexpr int max_per_lane = 8; // head dims up to 256

struct AttentionParams {
  int B, Hq, Hkv, Lq, Lk, D, Dv;
  int64_t q_strides[3], k_strides[3], v_strides[3], mask_strides[4];
  float scale;
  bool causal;
};

template <typename T, typename M>
__global__ void attention_kernel(AttentionParams a, const T* q, const T* k, const T* v,
                                 const M* mask, const float* sinks, T* out) {
  __shared__ float warp_max[warps], warp_sum[warps];
  __shared__ float warp_acc[warps][32 * max_per_lane];
  int row = blockIdx.x; // (b, h, qi)
  int qi = row % a.Lq;
  int h = (row / a.Lq) % a.Hq;
  int b = row / (a.Lq * a.Hq);
  int hk = h / (a.Hq / a.Hkv);
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const T* qr = q + b * a.q_strides[0] + h * a.q_strides[1] + qi * a.q_strides[2];
  float qv[max_per_lane];
#pragma unroll
  for (int t = 0; t < max_per_lane; ++t) {
    int d = lane + 32 * t;
    qv[t] = d < a.D ? load(qr[d]) : 0.0f;
  }
  int last = a.causal ? min(a.Lk - 1, qi + a.Lk - a.Lq) : a.Lk - 1;
  float m = -INFINITY, l = 0;
  float acc[max_per_lane] = {};
  for (int j = warp; j <= last; j += warps) {
    const T* kr = k + b * a.k_strides[0] + hk * a.k_strides[1] + j * a.k_strides[2];
    float dot = 0;
#pragma unroll
    for (int t = 0; t < max_per_lane; ++t) {
      int d = lane + 32 * t;
      if (d < a.D) {
        dot += qv[t] * load(kr[d]);
      }
    }
    for (int o = 16; o > 0; o /= 2) {
      dot += __shfl_xor_sync(0xffffffff, dot, o);
    }
    float s = dot * a.scale;
    if (mask != nullptr) {
      int64_t off = b * a.mask_strides[0] + h * a.mask_strides[1] + qi * a.mask_strides[2] +
                    j * a.mask_strides[3];
      if constexpr (std::is_same_v<M, bool>) {
        s = mask[off] ? s : -INFINITY;
      } else {
        s += load(mask[off]);
      }
    }
    if (s == -INFINITY) {
      continue;
    }
    float m_new = fmaxf(m, s);
    float correction = expf(m - m_new);
    float pj = expf(s - m_new);
    l = l * correction + pj;
    const T* vr = v + b * a.v_strides[0] + hk * a.v_strides[1] + j * a.v_strides[2];
#pragma unroll
    for (int t = 0; t < max_per_lane; ++t) {
      int d = lane + 32 * t;
      acc[t] = acc[t] * correction + (d < a.Dv ? pj * load(vr[d]) : 0.0f);
    }
    m = m_new;
  }
  if (lane == 0) {
    warp_max[warp] = m;
    warp_sum[warp] = l;
  }
#pragma unroll
  for (int t = 0; t < max_per_lane; ++t) {
    warp_acc[warp][lane + 32 * t] = acc[t];
  }
  __syncthreads();
  float total_max = -INFINITY;
  for (int w = 0; w < warps; ++w) {
    total_max = fmaxf(total_max, warp_max[w]);
  }
  if (sinks != nullptr) {
    total_max = fmaxf(total_max, sinks[h]);
  }
  float total = 0;
  for (int w = 0; w < warps; ++w) {
    total += warp_max[w] == -INFINITY ? 0.0f : warp_sum[w] * expf(warp_max[w] - total_max);
  }
  if (sinks != nullptr) {
    total += expf(sinks[h] - total_max); // one more logit, with a zero value vector
  }
  float inv = total > 0 ? 1.0f / total : 0.0f;
  T* o = out + static_cast<int64_t>(row) * a.Dv;
  for (int d = threadIdx.x; d < a.Dv; d += blockDim.x) {
    float sum = 0;
    for (int w = 0; w < warps; ++w) {
      if (warp_max[w] != -INFINITY) {
        sum += warp_acc[w][d] * expf(warp_max[w] - total_max);
      }
    }
    o[d] = convert<T>(sum * inv);
  }
}

array last_axis_contiguous(const array& a, cudaStream_t stream) {
  return (a.strides().back() == 1 || a.shape().back() == 1) ? a : contiguous_copy(a, stream);
}

bool eval_attention(ScaledDotProductAttention& p, const std::vector<array>& inputs,
                    std::vector<array>& outputs) {
  auto& out = outputs[0];
  Dtype t = out.dtype();
  if (t != float32 && t != float16 && t != bfloat16) {
    return false;
  }
  auto stream = cuda_stream(p.stream());
  array q = last_axis_contiguous(inputs[0], stream);
  array k = last_axis_contiguous(inputs[1], stream);
  array v = last_axis_contiguous(inputs[2], stream);
  AttentionParams a{};
  a.B = q.shape(0);
  a.Hq = q.shape(1);
  a.Lq = q.shape(2);
  a.D = q.shape(3);
  a.Hkv = k.shape(1);
  a.Lk = k.shape(2);
  a.Dv = v.shape(3);
  if (a.D > 32 * max_per_lane || a.Dv > 32 * max_per_lane || a.Hkv == 0 || a.Hq % a.Hkv != 0) {
    return false;
  }
  size_t next = 3;
  const array* mask = p.mask() == AttentionMask::Array ? &inputs[next++] : nullptr;
  if (mask != nullptr && mask->dtype() != bool_ && mask->dtype() != t) {
    return false;
  }
  for (int i = 0; i < 3; ++i) {
    a.q_strides[i] = q.strides()[i];
    a.k_strides[i] = k.strides()[i];
    a.v_strides[i] = v.strides()[i];
  }
  for (int i = 0; mask != nullptr && i < 4; ++i) {
    a.mask_strides[i] = mask->strides()[i];
  }
  a.scale = p.scale();
  a.causal = p.mask() == AttentionMask::Causal;
  const void* pq = in_ptr(q, stream);
  const void* pk = in_ptr(k, stream);
  const void* pv = in_ptr(v, stream);
  const void* pm = mask != nullptr ? in_ptr(*mask, stream) : nullptr;
  const float* sinks =
      p.has_sinks() ? static_cast<const float*>(in_ptr(inputs[next], stream)) : nullptr;
  void* dst = alloc_out(out, stream);
  int64_t rows = static_cast<int64_t>(a.B) * a.Hq * a.Lq;
  if (rows == 0 || a.Dv == 0) {
    return true;
  }
  if (rows > INT32_MAX) {
    throw std::runtime_error("[scaled_dot_product_attention] Too many query rows for the GPU.");
  }
  dispatch_float(t, [&](auto tag) {
    using T = tag_t<decltype(tag)>;
    auto launch = [&](auto mask_tag) {
      using M = tag_t<decltype(mask_tag)>;
      attention_kernel<T, M><<<static_cast<unsigned>(rows), warps * 32, 0, stream>>>(
          a, static_cast<const T*>(pq), static_cast<const T*>(pk), static_cast<const T*>(pv),
          static_cast<const M*>(pm), sinks, static_cast<T*>(dst));
    };
    if (mask != nullptr && mask->dtype() == bool_) {
      launch(TypeTag<bool>{});
    } else {
      launch(TypeTag<T>{});
    }
  });
  check_launch("attention");
  return true;
}

} // namespace

void register_attention() {
  add_kernel(eval_attention);
}

} // namespace mlx::core::cu
