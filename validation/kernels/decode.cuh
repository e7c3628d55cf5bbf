// Host interface of the decode attention kernels: one new query token per sequence against a K/V cache, split over
// the cache (flash-decoding: partial softmax states per split, reduced in a second pass), with the query heads of one
// K/V head packed into one pass over its cache (GQA). Dense decode and top-k K/V-fetch decode share one code path:
// each (batch, K/V head) lists the key tiles it reads.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace cascadesim::validation {

// Keys per listed tile of a decode list.
constexpr int kDecodeTileKeys = 64;

// q, o: [batch, heads, head_dim] bf16; k, v: [batch, kv_heads, context, head_dim] bf16.
// row_offsets / col_indices: one CSR row per (batch, kv_head), the key tiles (of kDecodeTileKeys keys; the last may
// be partial) it attends, ascending; dense decode lists every tile. partial_o / partial_ml: work buffers of
// decode_partial_floats() / decode_partial_stats() floats for the splits.
struct DecodeArgs {
  const std::uint16_t* q = nullptr;
  const std::uint16_t* k = nullptr;
  const std::uint16_t* v = nullptr;
  std::uint16_t* o = nullptr;
  const std::int32_t* row_offsets = nullptr;
  const std::int32_t* col_indices = nullptr;
  float* partial_o = nullptr;
  float* partial_ml = nullptr;
  int batch = 1;
  int heads = 1;
  int kv_heads = 1;
  int context = 1;
  int splits = 1;  // splits of each row's tile list (flash-decoding); 1 skips nothing but still runs the reduction
  // Null: a second kernel reduces the splits (two launches). Else batch * kv_heads ints, zero before the first launch
  // and left zero by each: the last split block of each row reduces its splits (one launch). Launches that share
  // counters must not overlap.
  int* split_counters = nullptr;
};

// head_dim 64 or 128; heads / kv_heads (the group) 1, 2, 4, 8, 16 or 32.
bool decode_variant_exists(int head_dim, int group);
std::size_t decode_partial_floats(int batch, int heads, int head_dim, int splits);
std::size_t decode_partial_stats(int batch, int heads, int splits);
// A split count whose blocks (batch * kv_heads rows x splits) fill the device's resident block slots in whole
// waves as nearly as possible, the fewest splits on a tie; at most one split per tile.
int decode_default_splits(int batch, int kv_heads, int tiles_per_row, int head_dim, int group, int sm_count);

// Enqueues the split pass and the reduction (a second kernel, or inside the split pass with split_counters);
// cudaErrorInvalidValue for shapes it does not serve.
cudaError_t launch_decode(const DecodeArgs& args, int head_dim, cudaStream_t stream);

}  // namespace cascadesim::validation
