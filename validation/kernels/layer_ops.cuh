// Host interface of the small fused kernels of a transformer layer around attention and the GEMMs (the whole-layer
// benchmark, validation/layers/layer_stack.py): the residual add fused with the next RMSNorm, RoPE fused with the
// split of the QKV projection into head-major Q, K, V (and the K/V cache write of a decode step), and SiLU(gate) * up.
// bf16 in and out, fp32 arithmetic, one rounding per output.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace cascadesim::validation {

// residual [rows, hidden] is updated in place to bf16(residual + delta) when delta is not null; then, when normed is
// not null, normed = bf16(h * rsqrt(mean(h^2) + epsilon) * weight) with h the updated (bf16) residual row.
// hidden a multiple of 8 and at most 8192; cudaErrorInvalidValue otherwise.
struct AddRmsNormArgs {
  std::uint16_t* residual = nullptr;
  const std::uint16_t* delta = nullptr;
  const std::uint16_t* weight = nullptr;
  std::uint16_t* normed = nullptr;
  int rows = 0;
  int hidden = 0;
  float epsilon = 1e-5f;
};

cudaError_t launch_add_rms_norm(const AddRmsNormArgs& args, cudaStream_t stream);

// qkv [batch * seq_len, (heads + 2 * kv_heads) * head_dim], each token's row Q heads | K heads | V heads (the QKV
// projection's output). Token s of sequence b sits at position position0 + s. Rotate-half RoPE with cos / sin
// [positions, head_dim / 2] (bf16, row p for position p) on Q and K; V is copied. q_out [batch, heads, seq_len,
// head_dim]; k_out, v_out [batch, kv_heads, kv_capacity, head_dim] with token s written at row kv_row0 + s (prefill:
// kv_capacity = seq_len, kv_row0 = 0; a decode step writes its one token into the cache). head_dim 64 or 128.
struct RopeQkvArgs {
  const std::uint16_t* qkv = nullptr;
  const std::uint16_t* cos = nullptr;
  const std::uint16_t* sin = nullptr;
  std::uint16_t* q_out = nullptr;
  std::uint16_t* k_out = nullptr;
  std::uint16_t* v_out = nullptr;
  int batch = 1;
  int seq_len = 1;
  int heads = 1;
  int kv_heads = 1;
  int head_dim = 64;
  int position0 = 0;
  int kv_capacity = 1;
  int kv_row0 = 0;
};

cudaError_t launch_rope_qkv(const RopeQkvArgs& args, cudaStream_t stream);

// gate_up [rows, 2 * width] (gate columns first, then up); out [rows, width] = bf16(silu(gate) * up).
// width a multiple of 8.
cudaError_t launch_silu_mul(const std::uint16_t* gate_up, std::uint16_t* out, int rows, int width, cudaStream_t stream);

}  // namespace cascadesim::validation
