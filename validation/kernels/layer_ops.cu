// The small fused kernels of a transformer layer (layer_ops.cuh): memory-bound, so each moves its bytes once in
// 16-byte accesses (8 bf16) and does its arithmetic in fp32 registers.
#include <cuda_bf16.h>

#include <algorithm>
#include <cstddef>

#include "validation/kernels/layer_ops.cuh"

namespace cascadesim::validation {
namespace {

constexpr int kNormThreads = 256;
constexpr int kNormMaxChunks = 4;  // 8 bf16 per chunk: hidden <= 256 * 4 * 8 = 8192, held in registers
constexpr int kElementwiseThreads = 256;
constexpr long long kMaxElementwiseBlocks = 1 << 16;  // grid-stride beyond this

__device__ __forceinline__ void unpack8(const uint4& packed, float (&out)[8]) {
  const auto* pairs = reinterpret_cast<const __nv_bfloat162*>(&packed);
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    const float2 f = __bfloat1622float2(pairs[j]);
    out[2 * j] = f.x;
    out[2 * j + 1] = f.y;
  }
}

__device__ __forceinline__ uint4 pack8(const float (&in)[8]) {
  uint4 packed;
  auto* pairs = reinterpret_cast<__nv_bfloat162*>(&packed);
#pragma unroll
  for (int j = 0; j < 4; ++j) pairs[j] = __floats2bfloat162_rn(in[2 * j], in[2 * j + 1]);
  return packed;
}

// One block per row; the row stays in registers between the sum of squares and the scaling.
__global__ void __launch_bounds__(kNormThreads) add_rms_norm_kernel(AddRmsNormArgs a) {
  const int chunks = a.hidden / 8;
  auto* residual = reinterpret_cast<uint4*>(a.residual + static_cast<std::size_t>(blockIdx.x) * a.hidden);
  const auto* delta =
      a.delta ? reinterpret_cast<const uint4*>(a.delta + static_cast<std::size_t>(blockIdx.x) * a.hidden) : nullptr;
  float h[kNormMaxChunks][8];
  float sum_sq = 0.f;
#pragma unroll
  for (int i = 0; i < kNormMaxChunks; ++i) {
    const int c = threadIdx.x + i * kNormThreads;
    if (c >= chunks) continue;
    unpack8(residual[c], h[i]);
    if (delta) {
      float d[8];
      unpack8(delta[c], d);
#pragma unroll
      for (int j = 0; j < 8; ++j) h[i][j] += d[j];
      const uint4 rounded = pack8(h[i]);
      residual[c] = rounded;
      unpack8(rounded, h[i]);  // the norm sees the bf16 residual that the next add will read
    }
#pragma unroll
    for (int j = 0; j < 8; ++j) sum_sq += h[i][j] * h[i][j];
  }
  if (!a.normed) return;  // uniform over the block
  __shared__ float warp_sums[kNormThreads / 32];
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) sum_sq += __shfl_xor_sync(0xffffffffu, sum_sq, offset);
  if ((threadIdx.x & 31) == 0) warp_sums[threadIdx.x / 32] = sum_sq;
  __syncthreads();
  float total = 0.f;
#pragma unroll
  for (int w = 0; w < kNormThreads / 32; ++w) total += warp_sums[w];
  const float scale = rsqrtf(total / static_cast<float>(a.hidden) + a.epsilon);
  const auto* weight = reinterpret_cast<const uint4*>(a.weight);
  auto* normed = reinterpret_cast<uint4*>(a.normed + static_cast<std::size_t>(blockIdx.x) * a.hidden);
#pragma unroll
  for (int i = 0; i < kNormMaxChunks; ++i) {
    const int c = threadIdx.x + i * kNormThreads;
    if (c >= chunks) continue;
    float w[8];
    unpack8(weight[c], w);
#pragma unroll
    for (int j = 0; j < 8; ++j) h[i][j] = h[i][j] * scale * w[j];
    normed[c] = pack8(h[i]);
  }
}

// One thread per 8 rotation pairs (element i with i + head_dim / 2) of one head of one token; consecutive threads
// walk a token's row, so the reads of the QKV output are contiguous.
__global__ void __launch_bounds__(kElementwiseThreads) rope_qkv_kernel(RopeQkvArgs a) {
  const int half = a.head_dim / 2;
  const int chunks_per_head = half / 8;
  const int heads_total = a.heads + 2 * a.kv_heads;
  const long long items = static_cast<long long>(a.batch) * a.seq_len * heads_total * chunks_per_head;
  const int row_elements = heads_total * a.head_dim;
  for (long long idx = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; idx < items;
       idx += static_cast<long long>(gridDim.x) * blockDim.x) {
    const int c = static_cast<int>(idx % chunks_per_head);
    const long long rest = idx / chunks_per_head;
    const int head = static_cast<int>(rest % heads_total);
    const long long token = rest / heads_total;
    const int b = static_cast<int>(token / a.seq_len), s = static_cast<int>(token % a.seq_len);
    const std::uint16_t* src = a.qkv + token * row_elements + static_cast<std::size_t>(head) * a.head_dim + c * 8;
    float x1[8], x2[8];
    unpack8(*reinterpret_cast<const uint4*>(src), x1);
    unpack8(*reinterpret_cast<const uint4*>(src + half), x2);
    std::uint16_t* dst;
    if (head < a.heads) {
      dst = a.q_out + ((static_cast<std::size_t>(b) * a.heads + head) * a.seq_len + s) * a.head_dim;
    } else {
      const bool is_k = head < a.heads + a.kv_heads;
      const int kv = head - a.heads - (is_k ? 0 : a.kv_heads);
      dst = (is_k ? a.k_out : a.v_out) +
            ((static_cast<std::size_t>(b) * a.kv_heads + kv) * a.kv_capacity + a.kv_row0 + s) * a.head_dim;
    }
    dst += c * 8;
    if (head < a.heads + a.kv_heads) {
      const std::size_t table = static_cast<std::size_t>(a.position0 + s) * half + c * 8;
      float cs[8], sn[8];
      unpack8(*reinterpret_cast<const uint4*>(a.cos + table), cs);
      unpack8(*reinterpret_cast<const uint4*>(a.sin + table), sn);
      float r1[8], r2[8];
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        r1[j] = x1[j] * cs[j] - x2[j] * sn[j];
        r2[j] = x2[j] * cs[j] + x1[j] * sn[j];
      }
      *reinterpret_cast<uint4*>(dst) = pack8(r1);
      *reinterpret_cast<uint4*>(dst + half) = pack8(r2);
    } else {
      *reinterpret_cast<uint4*>(dst) = *reinterpret_cast<const uint4*>(src);
      *reinterpret_cast<uint4*>(dst + half) = *reinterpret_cast<const uint4*>(src + half);
    }
  }
}

__global__ void __launch_bounds__(kElementwiseThreads)
    silu_mul_kernel(const std::uint16_t* gate_up, std::uint16_t* out, int rows, int width) {
  const int chunks = width / 8;
  const long long items = static_cast<long long>(rows) * chunks;
  for (long long idx = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; idx < items;
       idx += static_cast<long long>(gridDim.x) * blockDim.x) {
    const long long row = idx / chunks;
    const int c = static_cast<int>(idx % chunks);
    const std::uint16_t* gate = gate_up + row * 2 * width + c * 8;
    float g[8], u[8];
    unpack8(*reinterpret_cast<const uint4*>(gate), g);
    unpack8(*reinterpret_cast<const uint4*>(gate + width), u);
#pragma unroll
    for (int j = 0; j < 8; ++j) g[j] = g[j] / (1.f + __expf(-g[j])) * u[j];
    *reinterpret_cast<uint4*>(out + row * width + c * 8) = pack8(g);
  }
}

int elementwise_blocks(long long items) {
  return static_cast<int>(std::min((items + kElementwiseThreads - 1) / kElementwiseThreads, kMaxElementwiseBlocks));
}

}  // namespace

cudaError_t launch_add_rms_norm(const AddRmsNormArgs& args, cudaStream_t stream) {
  if (args.rows < 1 || args.hidden < 8 || args.hidden % 8 != 0 || args.hidden > kNormThreads * kNormMaxChunks * 8 ||
      !args.residual || (args.normed && !args.weight))
    return cudaErrorInvalidValue;
  add_rms_norm_kernel<<<args.rows, kNormThreads, 0, stream>>>(args);
  return cudaGetLastError();
}

cudaError_t launch_rope_qkv(const RopeQkvArgs& args, cudaStream_t stream) {
  if ((args.head_dim != 64 && args.head_dim != 128) || args.batch < 1 || args.seq_len < 1 || args.heads < 1 ||
      args.kv_heads < 1 || args.kv_row0 < 0 || args.kv_row0 + args.seq_len > args.kv_capacity)
    return cudaErrorInvalidValue;
  const long long items =
      static_cast<long long>(args.batch) * args.seq_len * (args.heads + 2 * args.kv_heads) * (args.head_dim / 16);
  rope_qkv_kernel<<<elementwise_blocks(items), kElementwiseThreads, 0, stream>>>(args);
  return cudaGetLastError();
}

cudaError_t launch_silu_mul(const std::uint16_t* gate_up, std::uint16_t* out, int rows, int width,
                            cudaStream_t stream) {
  if (rows < 1 || width < 8 || width % 8 != 0) return cudaErrorInvalidValue;
  silu_mul_kernel<<<elementwise_blocks(static_cast<long long>(rows) * (width / 8)), kElementwiseThreads, 0, stream>>>(
      gate_up, out, rows, width);
  return cudaGetLastError();
}

}  // namespace cascadesim::validation
