// Tile counts and causal visibility shared by the CPU references and the CUDA kernels, so both sides agree
// on which (query tile, key tile) blocks exist. Plain C++17 so nvcc can compile it for host and device.
#pragma once

#if defined(__CUDACC__)
#define CASCADESIM_HOST_DEVICE __host__ __device__
#else
#define CASCADESIM_HOST_DEVICE
#endif

namespace cascadesim::validation {

CASCADESIM_HOST_DEVICE inline int tile_count(int seq_len, int tile) { return (seq_len + tile - 1) / tile; }

// Number of key tiles visible to query tile q_tile: all of them without causality; with it, the key tiles whose
// first key is at or before the tile's last (in-range) query. Visible tiles are always the prefix [0, count).
CASCADESIM_HOST_DEVICE inline int visible_key_tiles(int q_tile, int seq_len, int tile_q, int tile_k, bool causal) {
  const int k_tiles = tile_count(seq_len, tile_k);
  if (!causal) return k_tiles;
  int last_query = (q_tile + 1) * tile_q - 1;
  if (last_query > seq_len - 1) last_query = seq_len - 1;
  const int visible = last_query / tile_k + 1;
  return visible < k_tiles ? visible : k_tiles;
}

}  // namespace cascadesim::validation
