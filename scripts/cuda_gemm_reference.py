# PyTorch's bf16 matmul on the same GPU, for the figure beside mlxcpp's matmul_timing:
# median of 20 timed products (CUDA events) after 3 warm-ups, random inputs, two input sets.
import torch

n = 8192
a = [torch.randn(n, n, device="cuda", dtype=torch.bfloat16) for _ in range(2)]
b = [torch.randn(n, n, device="cuda", dtype=torch.bfloat16) for _ in range(2)]
times = []
for r in range(23):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    torch.matmul(a[r % 2], b[r % 2])
    end.record()
    torch.cuda.synchronize()
    if r >= 3:
        times.append(start.elapsed_time(end))
times.sort()
ms = times[len(times) // 2]
print(f"torch.matmul bfloat16 {n}^3: median {ms:.3f} ms, {2 * n**3 / (ms * 1e-3) / 1e12:.1f} TFLOP/s")
