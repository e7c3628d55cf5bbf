// The cascade stage's geometry: pooled shapes, the mean-pool reference, and coarse selections read as fine masks.
#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "validation/host/block_sparse.hpp"
#include "validation/host/mean_pool.hpp"

using namespace cascadesim::validation;

TEST_CASE("validation: pooling by f leaves ceil(seq_len / f) tokens, each the mean of its group") {
  const AttentionShape shape{1, 2, 5, 8, true};
  CHECK(pooled_shape(shape, 2).seq_len == 3);
  CHECK(pooled_shape(shape, 5).seq_len == 1);
  CHECK_THROWS_AS(pooled_shape(shape, 0), std::invalid_argument);
  // Token t of slice s holds (s + 1) * (t + 1) in every column: exact in bf16.
  std::vector<Bf16> x(2 * 5 * 8);
  for (int s = 0; s < 2; ++s)
    for (int t = 0; t < 5; ++t)
      for (int c = 0; c < 8; ++c) x[(s * 5 + t) * 8 + c] = to_bf16(static_cast<float>((s + 1) * (t + 1)));
  const std::vector<double> pooled = reference_mean_pool(shape, x, 2);
  REQUIRE(pooled.size() == 2 * 3 * 8);
  CHECK(pooled[0] == doctest::Approx(1.5));          // slice 0, tokens 1 and 2
  CHECK(pooled[1 * 8 + 3] == doctest::Approx(3.5));  // slice 0, tokens 3 and 4
  CHECK(pooled[2 * 8 + 7] == doctest::Approx(5.0));  // slice 0, token 5 alone
  CHECK(pooled[3 * 8] == doctest::Approx(3.0));      // slice 1, tokens 2 and 4
  CHECK(pooled[5 * 8] == doctest::Approx(10.0));     // slice 1, token 10 alone
}

TEST_CASE("validation: a coarse selection over pooled tokens is the same list of fine tiles") {
  for (int seq_len : {1000, 1024, 129}) {
    const AttentionShape fine{1, 2, seq_len, 64, true};
    const AttentionShape coarse = pooled_shape(fine, 2);
    std::vector<float> scores(static_cast<std::size_t>(dense_block_csr(coarse, 64, 64).rows()) *
                              static_cast<std::size_t>((coarse.seq_len + 63) / 64));
    for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = static_cast<float>((i * 37) % 11);
    const BlockCsr selected = select_top_k(coarse, 64, 64, scores, 2);
    const BlockCsr mask = refine_mask(selected, fine, 2);
    CHECK(mask.tile_q == 128);
    CHECK(mask.tile_k == 128);
    CHECK(mask.q_tiles == (seq_len + 127) / 128);
    CHECK(mask.col_indices == selected.col_indices);
    // Every listed tile is visible to its fine query tile too (the coarse causal prefix is never longer).
    const BlockCsr fine_dense = dense_block_csr(fine, 128, 128);
    for (int row = 0; row < mask.rows(); ++row) {
      const int visible = fine_dense.row_offsets[row + 1] - fine_dense.row_offsets[row];
      for (int i = mask.row_offsets[row]; i < mask.row_offsets[row + 1]; ++i) CHECK(mask.col_indices[i] < visible);
    }
  }
}
