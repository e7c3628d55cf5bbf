// Host interface of the fa3-style (Hopper, sm_90a) attention forward: wgmma from shared memory, bulk tensor copies
// on mbarriers, a producer warp and two consumer warpgroups. Dense, block-sparse (CSR key-tile lists) and the anchor
// (block maxima) through one kernel, with grouped-query attention. The fa2-style kernels stay in attention.cuh.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "validation/kernels/attention.cuh"

namespace cascadesim::validation {

// Tiles are fixed at 128 x 128 (two consumer warpgroups of 64 query rows; key tiles of 128).
constexpr int kFa3TileQ = 128;
constexpr int kFa3TileK = 128;

// Schedule choices, kept selectable so that the benchmark can measure each: ping-pong of the two consumer
// warpgroups (named barriers), and a persistent grid of one block per SM.
// Default: no ping-pong, persistent grid: the fastest of the four on the H100 for dense causal prefill and for
// sparse lists alike (reports/measured/h100-fa3/README.md; ping-pong as written here costs 0-10% at d = 64).
struct Fa3Options {
  bool pingpong = false;
  bool persistent = true;
};
void set_attention_fa3_options(const Fa3Options& options);
Fa3Options attention_fa3_options();

// head_dim 64 or 128, tile_q = tile_k = 128.
bool attention_fa3_variant_exists(int head_dim, int tile_q, int tile_k);
// Dynamic shared memory of one block: two Q buffers, the K and V stages, the mbarriers, and 1 KB to align tiles to 1024
// bytes.
std::size_t attention_fa3_shared_bytes(int head_dim);
constexpr int attention_fa3_threads() { return 384; }

// As launch_attention(): args.kv_heads (0 = heads) must divide args.heads; K and V are [batch, kv_heads, seq_len,
// head_dim]; query head h reads K/V head h / (heads / kv_heads). The CSR is built for 128 x 128 tiles. Returns
// cudaErrorInvalidValue for a shape it does not serve and cudaErrorNotSupported when the driver has no
// cuTensorMapEncodeTiled.
cudaError_t launch_attention_fa3(const AttentionArgs& args, int head_dim, cudaStream_t stream);

}  // namespace cascadesim::validation
