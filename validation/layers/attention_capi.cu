// C entry points of the attention kernels and the fused layer kernels for the whole-layer benchmark
// (validation/layers/layer_stack.py), which loads them with ctypes into a PyTorch process and enqueues them on
// PyTorch's current stream.
#include <cuda_runtime.h>

#include <cstdint>

#include "validation/kernels/attention.cuh"
#include "validation/kernels/attention_fa3.cuh"
#include "validation/kernels/decode.cuh"
#include "validation/kernels/layer_ops.cuh"

using namespace cascadesim::validation;

extern "C" {

// fa3-style attention (dense, sparse or anchor by the CSR and block_max given); returns a cudaError_t value.
int cascadesim_fa3_attention(const void* q, const void* k, const void* v, void* o, const std::int32_t* row_offsets,
                             const std::int32_t* col_indices, float* block_max, int batch, int heads, int kv_heads,
                             int seq_len, int head_dim, int causal, void* stream) {
  AttentionArgs a;
  a.q = static_cast<const std::uint16_t*>(q);
  a.k = static_cast<const std::uint16_t*>(k);
  a.v = static_cast<const std::uint16_t*>(v);
  a.o = static_cast<std::uint16_t*>(o);
  a.row_offsets = row_offsets;
  a.col_indices = col_indices;
  a.block_max = block_max;
  a.batch = batch;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.seq_len = seq_len;
  a.causal = causal != 0;
  const cudaError_t status = launch_attention_fa3(a, head_dim, static_cast<cudaStream_t>(stream));
  return status != cudaSuccess ? static_cast<int>(status) : static_cast<int>(cudaGetLastError());
}

// Split-KV decode (dense or top-k by the lists): q, o [batch, heads, head_dim]; k, v [batch, kv_heads, context,
// head_dim]; lists per (batch, kv head) of 64-key tiles; partial_o / partial_ml sized by cascadesim_decode_partials.
int cascadesim_decode(const void* q, const void* k, const void* v, void* o, const std::int32_t* row_offsets,
                      const std::int32_t* col_indices, float* partial_o, float* partial_ml, int batch, int heads,
                      int kv_heads, int context, int head_dim, int splits, void* stream) {
  DecodeArgs a;
  a.q = static_cast<const std::uint16_t*>(q);
  a.k = static_cast<const std::uint16_t*>(k);
  a.v = static_cast<const std::uint16_t*>(v);
  a.o = static_cast<std::uint16_t*>(o);
  a.row_offsets = row_offsets;
  a.col_indices = col_indices;
  a.partial_o = partial_o;
  a.partial_ml = partial_ml;
  a.batch = batch;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.context = context;
  a.splits = splits;
  const cudaError_t status = launch_decode(a, head_dim, static_cast<cudaStream_t>(stream));
  return status != cudaSuccess ? static_cast<int>(status) : static_cast<int>(cudaGetLastError());
}

// The default split count of a decode shape (decode_default_splits on device 0).
int cascadesim_decode_splits(int batch, int kv_heads, int tiles_per_row, int head_dim, int group) {
  int sms = 0;
  if (cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0) != cudaSuccess) return -1;
  return decode_default_splits(batch, kv_heads, tiles_per_row, head_dim, group, sms);
}

// The top-k key-tile selection over an anchor's block maxima (tiles 128 x 128).
int cascadesim_top_k_select(const float* block_max, const std::int32_t* row_offsets, std::int32_t* col_indices,
                            int rows, int seq_len, int causal, void* stream) {
  TopKArgs a;
  a.block_max = block_max;
  a.row_offsets = row_offsets;
  a.col_indices = col_indices;
  a.rows = rows;
  a.seq_len = seq_len;
  a.tile_q = kFa3TileQ;
  a.tile_k = kFa3TileK;
  a.causal = causal != 0;
  const cudaError_t status = launch_top_k_select(a, static_cast<cudaStream_t>(stream));
  return status != cudaSuccess ? static_cast<int>(status) : static_cast<int>(cudaGetLastError());
}

// residual += delta (delta may be null), then normed = RMSNorm(residual) * weight (normed may be null); bf16.
int cascadesim_add_rms_norm(void* residual, const void* delta, const void* weight, void* normed, int rows, int hidden,
                            float epsilon, void* stream) {
  AddRmsNormArgs a;
  a.residual = static_cast<std::uint16_t*>(residual);
  a.delta = static_cast<const std::uint16_t*>(delta);
  a.weight = static_cast<const std::uint16_t*>(weight);
  a.normed = static_cast<std::uint16_t*>(normed);
  a.rows = rows;
  a.hidden = hidden;
  a.epsilon = epsilon;
  return static_cast<int>(launch_add_rms_norm(a, static_cast<cudaStream_t>(stream)));
}

// RoPE on Q and K of the QKV projection's output, written head-major with V; K and V at rows kv_row0.. of caches of
// kv_capacity rows (layer_ops.cuh, RopeQkvArgs).
int cascadesim_rope_qkv(const void* qkv, const void* cos, const void* sin, void* q_out, void* k_out, void* v_out,
                        int batch, int seq_len, int heads, int kv_heads, int head_dim, int position0, int kv_capacity,
                        int kv_row0, void* stream) {
  RopeQkvArgs a;
  a.qkv = static_cast<const std::uint16_t*>(qkv);
  a.cos = static_cast<const std::uint16_t*>(cos);
  a.sin = static_cast<const std::uint16_t*>(sin);
  a.q_out = static_cast<std::uint16_t*>(q_out);
  a.k_out = static_cast<std::uint16_t*>(k_out);
  a.v_out = static_cast<std::uint16_t*>(v_out);
  a.batch = batch;
  a.seq_len = seq_len;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.head_dim = head_dim;
  a.position0 = position0;
  a.kv_capacity = kv_capacity;
  a.kv_row0 = kv_row0;
  return static_cast<int>(launch_rope_qkv(a, static_cast<cudaStream_t>(stream)));
}

// out [rows, width] = silu(gate) * up of gate_up [rows, 2 * width].
int cascadesim_silu_mul(const void* gate_up, void* out, int rows, int width, void* stream) {
  return static_cast<int>(launch_silu_mul(static_cast<const std::uint16_t*>(gate_up), static_cast<std::uint16_t*>(out),
                                          rows, width, static_cast<cudaStream_t>(stream)));
}
}
