// Host interface of the fa3-style (Hopper, sm_90a) attention forward: wgmma from shared memory, bulk tensor copies
// on mbarriers, a producer warp and two consumer warpgroups. Dense, block-sparse (CSR key-tile lists) and the anchor
// (block maxima) through one kernel, with grouped-query attention. The fa2-style kernels stay in attention.cuh.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "validation/kernels/attention.cuh"

namespace cascadesim::validation {

// Tile configurations: 128 x 128 (two consumer warpgroups of 64 query rows; key tiles of 128), the default, and
// 64 x 64 (one consumer warpgroup, two blocks per SM; the cascade's coarse stage over pooled tokens). One code path,
// the tiles a template parameter.
constexpr int kFa3TileQ = 128;
constexpr int kFa3TileK = 128;

// Schedule choices, kept selectable so that the benchmark can measure each: ping-pong of the two consumer
// warpgroups (named barriers), and a persistent grid of one block per SM.
// Default: no ping-pong, persistent grid: the fastest of the four on the H100 for dense causal prefill and for
// sparse lists alike (reports/measured/h100-fa3/README.md; ping-pong as written here costs 0-10% at d = 64).
// q_buffers and kv_stages (0: the tile configuration's default, 2 Q buffers and 2-4 K/V stages) set how far the
// producer may run ahead of the consumers; values above what shared memory holds are clamped (128 x 128: Q buffers
// up to 4 at d = 64 and 3 at d = 128, stages up to 4 at d = 64 and 2 at d = 128).
// reserved_sms: SMs the persistent grid leaves free for kernels that run beside it (NCCL's send/recv during ring
// attention, which cannot share an SM with a block that holds its registers); 0 puts a block on every SM.
struct Fa3Options {
  bool pingpong = false;
  bool persistent = true;
  int q_buffers = 0;
  int kv_stages = 0;
  int reserved_sms = 0;
};
void set_attention_fa3_options(const Fa3Options& options);
Fa3Options attention_fa3_options();
// The anchor timing probe this library was built with (CASCADESIM_FA3_ANCHOR_PROBE in attention_fa3.cu; 0: the
// kernel as shipped).
int attention_fa3_anchor_probe();

// head_dim 64 or 128, tile_q = tile_k = 128 or 64.
bool attention_fa3_variant_exists(int head_dim, int tile_q, int tile_k);
// Dynamic shared memory of one block under the current options: the Q buffers, the K and V stages, the mbarriers,
// and 1 KB to align tiles to 1024 bytes.
std::size_t attention_fa3_shared_bytes(int head_dim, int tile_q = kFa3TileQ, int tile_k = kFa3TileK);
// Threads of one block: a producer warpgroup and one consumer warpgroup per 64 query rows.
int attention_fa3_threads(int tile_q = kFa3TileQ);

// As launch_attention(): args.kv_heads (0 = heads) must divide args.heads; K and V are [batch, kv_heads, seq_len,
// head_dim]; query head h reads K/V head h / (heads / kv_heads). The CSR is built for the tiles given (128 x 128 in
// the first form). Returns cudaErrorInvalidValue for a shape or tiles it does not serve and cudaErrorNotSupported
// when the driver has no cuTensorMapEncodeTiled. Launches on several devices from one process are served (per-device
// launch state); under the persistent grid (the default) the launches on one device must be on one stream, as they
// share that device's work counter.
cudaError_t launch_attention_fa3(const AttentionArgs& args, int head_dim, cudaStream_t stream);
cudaError_t launch_attention_fa3(const AttentionArgs& args, int head_dim, int tile_q, int tile_k, cudaStream_t stream);

}  // namespace cascadesim::validation
