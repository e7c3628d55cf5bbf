// Tile counts against brute-force enumeration of (query tile, key tile) blocks.
#include <doctest/doctest.h>

#include <initializer_list>

#include <algorithm>

#include "models/tiles.hpp"

using namespace cascadesim::models;

namespace {
// Independent count: walk every query tile and every key tile it may see.
std::int64_t brute_force_blocks(std::int64_t tq, std::int64_t tk, std::int64_t k, bool causal) {
  std::int64_t total = 0;
  for (std::int64_t q = 0; q < tq; ++q) {
    std::int64_t visible = 0;
    for (std::int64_t key = 0; key < tk; ++key)
      if (!causal || key <= q) ++visible;
    total += std::min(k, visible);
  }
  return total;
}
}  // namespace

TEST_CASE("tile grid rounds up and records the partial last tile") {
  const TileGrid g = tile_grid(1000, 1000, 128);
  CHECK(g.query_tiles == 8);
  CHECK(g.key_tiles == 8);
  CHECK(g.last_key_tile_tokens == 104);
  const TileGrid exact = tile_grid(32768, 32768, 128);
  CHECK(exact.key_tiles == 256);
  CHECK(exact.last_key_tile_tokens == 128);
}

TEST_CASE("dense causal blocks are T(T+1)/2 and non-causal T^2") {
  const TileGrid g = tile_grid(32768, 32768, 128);
  CHECK(dense_tiles(g, true) == 32896);
  CHECK(dense_tiles(g, false) == 65536);
}

TEST_CASE("exact sparse blocks match brute force for every top_k") {
  for (std::int64_t tokens : {1, 100, 128, 129, 1000, 4096}) {
    const TileGrid g = tile_grid(tokens, tokens, 128);
    for (std::int64_t k = 1; k <= g.key_tiles; ++k) {
      CHECK(sparse_tiles_exact(g, k, true) == brute_force_blocks(g.query_tiles, g.key_tiles, k, true));
      CHECK(sparse_tiles_exact(g, k, false) == brute_force_blocks(g.query_tiles, g.key_tiles, k, false));
    }
  }
}

TEST_CASE("seed sparse count is T times k, never below the exact count") {
  const TileGrid g = tile_grid(32768, 32768, 128);
  CHECK(sparse_tiles_seed(g, 5) == 1280);
  for (std::int64_t k : {1, 2, 5, 64, 256}) CHECK(sparse_tiles_seed(g, k) >= sparse_tiles_exact(g, k, true));
}

TEST_CASE("keeping every tile computes exactly the dense blocks") {
  const TileGrid g = tile_grid(5000, 5000, 64);
  CHECK(sparse_tiles_exact(g, g.key_tiles, true) == dense_tiles(g, true));
  CHECK(sparse_tiles_exact(g, g.key_tiles, false) == dense_tiles(g, false));
}

TEST_CASE("a decode step has one query tile that sees the whole cache") {
  const TileGrid g = tile_grid(1, 32768, 128);
  CHECK(g.query_tiles == 1);
  CHECK(dense_tiles(g, true) == 256);
  CHECK(sparse_tiles_exact(g, 32, true) == 32);
  CHECK(visible_key_tiles(g, 0, true) == 256);
}

TEST_CASE("useful causal pairs are S(S+1)/2") {
  CHECK(useful_token_pairs(4, 4, true) == 10.0);
  CHECK(useful_token_pairs(4, 4, false) == 16.0);
  CHECK(useful_token_pairs(1, 4, true) == 4.0);
}

TEST_CASE("tile counts stay exact at a million tokens with tiny tiles") {
  const TileGrid g = tile_grid(1 << 20, 1 << 20, 1);
  CHECK(dense_tiles(g, true) == (std::int64_t{1} << 20) * ((std::int64_t{1} << 20) + 1) / 2);
  CHECK(sparse_tiles_exact(g, 1000, true) == 1000 * 1001 / 2 + 1000 * ((std::int64_t{1} << 20) - 1000));
}
