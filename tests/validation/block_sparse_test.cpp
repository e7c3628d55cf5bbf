// Dense block masks against the implicit causal mask, and top-k tile selection against a brute-force ranking.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "validation/host/block_sparse.hpp"
#include "validation/host/random_inputs.hpp"
#include "validation/host/tile_geometry.hpp"

using namespace cascadesim::validation;

namespace {
// Key tile kt is visible to query tile qt when some in-range pair (i, j) of the two tiles has j <= i (or always,
// without causality).
bool visible_by_pairs(int qt, int kt, int seq_len, int tile_q, int tile_k, bool causal) {
  for (int i = qt * tile_q; i < std::min(seq_len, (qt + 1) * tile_q); ++i)
    for (int j = kt * tile_k; j < std::min(seq_len, (kt + 1) * tile_k); ++j)
      if (!causal || j <= i) return true;
  return false;
}
}  // namespace

TEST_CASE("validation: the dense CSR lists exactly the blocks the implicit mask makes visible") {
  for (bool causal : {false, true}) {
    for (int seq_len : {1, 63, 64, 65, 200, 256}) {
      for (int tile_q : {16, 64}) {
        for (int tile_k : {16, 32, 64}) {
          const AttentionShape shape{2, 3, seq_len, 8, causal};
          const BlockCsr csr = dense_block_csr(shape, tile_q, tile_k);
          const int q_tiles = (seq_len + tile_q - 1) / tile_q;
          const int k_tiles = (seq_len + tile_k - 1) / tile_k;
          REQUIRE(csr.rows() == 6 * q_tiles);
          CHECK(csr.k_tiles == k_tiles);
          for (int row = 0; row < csr.rows(); ++row) {
            std::vector<int> expected;
            for (int kt = 0; kt < k_tiles; ++kt)
              if (visible_by_pairs(row % q_tiles, kt, seq_len, tile_q, tile_k, causal)) expected.push_back(kt);
            const std::vector<int> listed(csr.col_indices.begin() + csr.row_offsets[row],
                                          csr.col_indices.begin() + csr.row_offsets[row + 1]);
            CHECK(listed == expected);
          }
        }
      }
    }
  }
}

TEST_CASE("validation: dense causal square tiles count T(T+1)/2 blocks per head") {
  const BlockCsr csr = dense_block_csr(AttentionShape{1, 1, 1024, 64, true}, 64, 64);
  CHECK(csr.col_indices.size() == 16u * 17u / 2u);
}

TEST_CASE("validation: top-k keeps the k best visible tiles, ties to the lower index, listed ascending") {
  for (bool causal : {false, true}) {
    for (int top_k : {1, 2, 3, 5, 100}) {
      const AttentionShape shape{1, 2, 300, 8, causal};
      const int tile_q = 32, tile_k = 16;
      const int q_tiles = 10, k_tiles = 19;
      // Scores from a handful of levels, so ties are common; invisible entries get junk that must be ignored.
      const auto noise = random_bf16(static_cast<std::size_t>(2 * q_tiles * k_tiles), 11 + top_k);
      std::vector<float> block_max(noise.size());
      for (std::size_t i = 0; i < noise.size(); ++i) block_max[i] = std::floor(to_float(noise[i]) * 3.0f);
      const BlockCsr csr = select_top_k(shape, tile_q, tile_k, block_max, top_k);
      REQUIRE(csr.rows() == 2 * q_tiles);
      for (int row = 0; row < csr.rows(); ++row) {
        const int qt = row % q_tiles;
        const float* s = block_max.data() + row * k_tiles;
        std::vector<int> visible;
        for (int kt = 0; kt < k_tiles; ++kt)
          if (visible_by_pairs(qt, kt, 300, tile_q, tile_k, causal)) visible.push_back(kt);
        // Brute force: a tile is kept when fewer than k visible tiles outrank it.
        std::vector<int> expected;
        for (int a : visible) {
          int better = 0;
          for (int b : visible) better += s[b] > s[a] || (s[b] == s[a] && b < a);
          if (better < top_k) expected.push_back(a);
        }
        const std::vector<int> listed(csr.col_indices.begin() + csr.row_offsets[row],
                                      csr.col_indices.begin() + csr.row_offsets[row + 1]);
        CHECK(listed == expected);
        CHECK(static_cast<int>(listed.size()) == std::min<int>(top_k, static_cast<int>(visible.size())));
      }
    }
  }
}

TEST_CASE("validation: top-k rejects a block-max array of the wrong size and k below 1") {
  const AttentionShape shape{1, 1, 128, 8, true};
  CHECK_THROWS_AS(select_top_k(shape, 64, 64, std::vector<float>(3), 1), std::invalid_argument);
  CHECK_THROWS_AS(top_k_row_offsets(shape, 64, 64, 0), std::invalid_argument);
}

TEST_CASE("validation: compulsory bytes count Q and O once and each listed key and value tile once") {
  // 2 slices of 300 tokens, head_dim 64: a row is 128 bytes.
  const AttentionShape shape{1, 2, 300, 64, false};
  const BlockCsr dense = dense_block_csr(shape, 128, 128);
  const double lists = 4.0 * static_cast<double>(dense.row_offsets.size() + dense.col_indices.size());
  CHECK(compulsory_attention_bytes(shape, dense.row_offsets, dense.col_indices, 128, 128) ==
        doctest::Approx(4.0 * 2 * 300 * 128 + lists));
  // Every query tile of both slices lists key tile 0 only (128 rows) and slice 1 also tile 2 (44 rows).
  const std::vector<std::int32_t> offsets{0, 1, 2, 3, 5, 6, 7};
  const std::vector<std::int32_t> cols{0, 0, 0, 0, 2, 0, 0};
  const double expected = 2.0 * 2 * 300 * 128 + 2.0 * 128 * 128 * 2 + 2.0 * 44 * 128 + 4.0 * (7 + 7);
  CHECK(compulsory_attention_bytes(shape, offsets, cols, 128, 128) == doctest::Approx(expected));
  CHECK_THROWS_AS(compulsory_attention_bytes(shape, {0, 1}, {0}, 128, 128), std::invalid_argument);
}

TEST_CASE("validation: with grouped-query attention a K/V tile is read once for the query heads of its group") {
  // 4 query heads over 2 K/V heads, 256 tokens, head_dim 64 (128-byte rows), non-causal 128 x 128 tiles.
  const AttentionShape shape{1, 4, 256, 64, false};
  const BlockCsr dense = dense_block_csr(shape, 128, 128);
  const double dense_lists = 4.0 * static_cast<double>(dense.row_offsets.size() + dense.col_indices.size());
  CHECK(compulsory_attention_bytes(shape, dense.row_offsets, dense.col_indices, 128, 128, 2) ==
        doctest::Approx((2.0 * 4 + 2.0 * 2) * 256 * 128 + dense_lists));
  // One query tile per (head, query tile): heads 0 and 1 (K/V head 0) list tiles 0 and 1 between them; heads 2 and 3
  // (K/V head 1) both list tile 0 only.
  const std::vector<std::int32_t> offsets{0, 1, 1, 2, 2, 3, 3, 4, 4};
  const std::vector<std::int32_t> cols{0, 1, 0, 0};
  const double expected = 2.0 * 4 * 256 * 128 + 3 * (2.0 * 128 * 128) + 4.0 * (9 + 4);
  CHECK(compulsory_attention_bytes(shape, offsets, cols, 128, 128, 2) == doctest::Approx(expected));
  CHECK_THROWS_AS(compulsory_attention_bytes(shape, offsets, cols, 128, 128, 3), std::invalid_argument);
}

TEST_CASE("validation: a shape whose block lists would overflow int32 offsets is refused, not wrapped") {
  const AttentionShape huge{64, 128, 1 << 20, 128, true};
  CHECK_THROWS_WITH_AS(top_k_row_offsets(huge, 64, 64, 4), doctest::Contains("exceed the 2^31 - 1"),
                       std::invalid_argument);
}
