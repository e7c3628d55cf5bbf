// Tile counts of tiled attention: how many (query tile, key tile) blocks dense and top-k attention compute.
#pragma once

#include <cstdint>

namespace cascadesim::models {

struct TileGrid {
  std::int64_t query_tiles = 0;
  std::int64_t key_tiles = 0;
  std::int64_t tile_tokens = 0;
  std::int64_t last_key_tile_tokens = 0;  // tokens in the last key tile (== tile_tokens when S divides)
};

// ceil(tokens / tile) tiles per side; contract: all arguments >= 1.
TileGrid tile_grid(std::int64_t query_tokens, std::int64_t key_tokens, std::int64_t tile_tokens);

// Key tiles that query tile q may attend to. Causal prefill (query and key grids aligned): q + 1 (seed 002 §4);
// otherwise every key tile. Decode's single query row sees the whole cache.
std::int64_t visible_key_tiles(const TileGrid& grid, std::int64_t q, bool causal);

// Dense blocks per head: causal T(T+1)/2 (seed 002 §4), non-causal Tq * Tk.
std::int64_t dense_tiles(const TileGrid& grid, bool causal);

// The seed's sparse count: every query tile computes top_k blocks, T * k (seed 002 §4).
std::int64_t sparse_tiles_seed(const TileGrid& grid, std::int64_t top_k);

// The exact sparse count: query tile q computes min(top_k, visible(q)) blocks, so early causal query tiles
// that see fewer than top_k key tiles compute only those. Closed form, O(1).
std::int64_t sparse_tiles_exact(const TileGrid& grid, std::int64_t top_k, bool causal);

// Query-key token pairs that carry information (causal: S(S+1)/2 in prefill), for judging padding waste.
double useful_token_pairs(std::int64_t query_tokens, std::int64_t key_tokens, bool causal);

}  // namespace cascadesim::models
