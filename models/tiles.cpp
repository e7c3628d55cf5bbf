// Tile counting (seed 002 §4), exact for partial tiles and for early causal query tiles.
#include "models/tiles.hpp"

#include <algorithm>

namespace cascadesim::models {

TileGrid tile_grid(std::int64_t query_tokens, std::int64_t key_tokens, std::int64_t tile_tokens) {
  TileGrid g;
  g.tile_tokens = tile_tokens;
  g.query_tiles = (query_tokens + tile_tokens - 1) / tile_tokens;
  g.key_tiles = (key_tokens + tile_tokens - 1) / tile_tokens;
  g.last_key_tile_tokens = key_tokens - (g.key_tiles - 1) * tile_tokens;
  return g;
}

namespace {
// Causal masking applies tile-diagonally only when the query grid spans the same tokens as the key grid.
bool aligned_causal(const TileGrid& g, bool causal) { return causal && g.query_tiles == g.key_tiles; }
}  // namespace

std::int64_t visible_key_tiles(const TileGrid& g, std::int64_t q, bool causal) {
  return aligned_causal(g, causal) ? q + 1 : g.key_tiles;
}

std::int64_t dense_tiles(const TileGrid& g, bool causal) {
  if (aligned_causal(g, causal)) return g.query_tiles * (g.query_tiles + 1) / 2;
  return g.query_tiles * g.key_tiles;
}

std::int64_t sparse_tiles_seed(const TileGrid& g, std::int64_t top_k) { return g.query_tiles * top_k; }

std::int64_t sparse_tiles_exact(const TileGrid& g, std::int64_t top_k, bool causal) {
  if (!aligned_causal(g, causal)) return g.query_tiles * std::min(top_k, g.key_tiles);
  const std::int64_t t = g.query_tiles;
  if (top_k >= t) return t * (t + 1) / 2;
  // sum_{q=0}^{T-1} min(k, q+1) = (1 + ... + k) + k * (T - k)
  return top_k * (top_k + 1) / 2 + top_k * (t - top_k);
}

double useful_token_pairs(std::int64_t query_tokens, std::int64_t key_tokens, bool causal) {
  const auto q = static_cast<double>(query_tokens);
  const auto k = static_cast<double>(key_tokens);
  if (causal && query_tokens == key_tokens) return q * (q + 1) / 2;
  return q * k;
}

}  // namespace cascadesim::models
