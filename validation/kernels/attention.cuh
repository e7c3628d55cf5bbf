// Host interface of the attention kernels: FlashAttention-2-style forward (dense or block-sparse through one CSR
// code path), the anchor variant that also writes per-block maximum scores, and the top-k tile selection.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace cascadesim::validation {

// Q, O: bf16 bits, [batch, heads, seq_len, head_dim] contiguous, 16-byte aligned; K, V likewise with kv_heads.
// row_offsets / col_indices: the CSR of BlockCsr (one row per (batch, head, query tile), ascending key tiles).
// block_max: null for the plain forward; for the anchor, [batch, heads, q_tiles, k_tiles] fp32 receiving the
// largest scaled score q.k/sqrt(d) of each listed block and -inf for every block not listed.
// lse (fa3-style kernel only; the fa2-style kernels ignore it): null, or [batch, heads, seq_len] fp32 receiving each
// query row's log-sum-exp in natural-log units, ln sum_j exp(q.k_j / sqrt(d)) over the keys the row attended (-inf
// for a row that attended none): what merging partial outputs over disjoint key sets needs (ring attention).
struct AttentionArgs {
  const std::uint16_t* q = nullptr;
  const std::uint16_t* k = nullptr;
  const std::uint16_t* v = nullptr;
  std::uint16_t* o = nullptr;
  const std::int32_t* row_offsets = nullptr;
  const std::int32_t* col_indices = nullptr;
  float* block_max = nullptr;
  float* lse = nullptr;
  int batch = 1;
  int heads = 1;
  int kv_heads = 0;  // K/V heads (grouped-query attention); 0 means heads. The fa2-style kernels take 0 or heads.
  int seq_len = 1;
  bool causal = false;
};

// block_max as above; row_offsets from top_k_row_offsets(); col_indices receives, per row, the top_k visible key
// tiles by descending block max (ties to the lower index), sorted ascending: select_top_k() on the device.
struct TopKArgs {
  const float* block_max = nullptr;
  const std::int32_t* row_offsets = nullptr;
  std::int32_t* col_indices = nullptr;
  int rows = 0;
  int seq_len = 1;
  int tile_q = 64;
  int tile_k = 64;
  bool causal = false;
};

// Compiled variants: head_dim 64 or 128, tile_q and tile_k 64 or 128.
bool attention_variant_exists(int head_dim, int tile_q, int tile_k);
// Dynamic shared memory of one thread block: the Q tile and one K and V tile each, or two (double-buffered: head_dim
// 128 except tiles 64 x 128), rows padded by 16 bytes.
std::size_t attention_shared_bytes(int head_dim, int tile_q, int tile_k);
int attention_threads(int tile_q);

// Enqueue on stream; returns cudaErrorInvalidValue for a variant that does not exist. Launch errors surface
// through cudaGetLastError() as usual.
cudaError_t launch_attention(const AttentionArgs& args, int head_dim, int tile_q, int tile_k, cudaStream_t stream);
cudaError_t launch_top_k_select(const TopKArgs& args, cudaStream_t stream);

}  // namespace cascadesim::validation
