// Mean pooling of bf16 [slices, seq_len, head_dim] tensors along the sequence, 8 elements (16 bytes) per thread.
#include <cuda_bf16.h>

#include "validation/kernels/pooling.cuh"

namespace cascadesim::validation {

namespace {

constexpr int kThreads = 256;
constexpr int kVector = 8;  // bf16 per 16-byte load

__global__ void __launch_bounds__(kThreads) mean_pool_kernel(const uint4* in, uint4* out, int seq_len, int pooled_len,
                                                             int vectors_per_row, int factor, long long total_vectors) {
  const long long index = static_cast<long long>(blockIdx.x) * kThreads + threadIdx.x;
  if (index >= total_vectors) return;
  const int column = static_cast<int>(index % vectors_per_row);
  const long long pooled_row = index / vectors_per_row;
  const long long slice = pooled_row / pooled_len;
  const int pooled_token = static_cast<int>(pooled_row % pooled_len);
  const int first = pooled_token * factor;
  const int count = min(factor, seq_len - first);
  float sum[kVector] = {};
  for (int t = 0; t < count; ++t) {
    const uint4 raw = in[(slice * seq_len + first + t) * vectors_per_row + column];
    const __nv_bfloat162* pairs = reinterpret_cast<const __nv_bfloat162*>(&raw);
    for (int p = 0; p < kVector / 2; ++p) {
      const float2 f = __bfloat1622float2(pairs[p]);
      sum[2 * p] += f.x;
      sum[2 * p + 1] += f.y;
    }
  }
  uint4 result;
  __nv_bfloat162* pairs = reinterpret_cast<__nv_bfloat162*>(&result);
  const float scale = 1.0f / static_cast<float>(count);
  for (int p = 0; p < kVector / 2; ++p) pairs[p] = __floats2bfloat162_rn(sum[2 * p] * scale, sum[2 * p + 1] * scale);
  out[index] = result;
}

}  // namespace

cudaError_t launch_mean_pool(const std::uint16_t* in, std::uint16_t* out, int slices, int seq_len, int head_dim,
                             int factor, cudaStream_t stream) {
  if (!in || !out || slices < 1 || seq_len < 1 || head_dim < kVector || head_dim % kVector != 0 || factor < 1)
    return cudaErrorInvalidValue;
  const int pooled_len = (seq_len + factor - 1) / factor;
  const int vectors_per_row = head_dim / kVector;
  const long long total = static_cast<long long>(slices) * pooled_len * vectors_per_row;
  const long long blocks = (total + kThreads - 1) / kThreads;
  mean_pool_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(reinterpret_cast<const uint4*>(in),
                                                                           reinterpret_cast<uint4*>(out), seq_len,
                                                                           pooled_len, vectors_per_row, factor, total);
  return cudaSuccess;
}

}  // namespace cascadesim::validation
