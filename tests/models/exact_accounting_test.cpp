// The exact accounting against figures derived here from first principles (not by calling the code under test).
#include <doctest/doctest.h>

#include <initializer_list>

#include <cmath>

#include "models/prediction.hpp"
#include "study_builders.hpp"

using namespace cascadesim;
using models::Accounting;

namespace {
// LLaMA-3.2-1B at S = 32768, tile 128, one dense layer, counted by hand.
constexpr double S = 32768, d = 2048, heads = 32, kv_heads = 8, dh = 64, d_mlp = 8192, t = 128;
constexpr double blocks = 256.0 * 257.0 / 2.0;  // causal T(T+1)/2
constexpr double qkv = 2 * S * d * (heads * dh + 2 * kv_heads * dh);
constexpr double o_proj = 2 * S * (heads * dh) * d;
constexpr double mlp = 3 * 2 * S * d * d_mlp + S * d_mlp * 5;  // three GEMMs + SiLU(g)*u
// Two residual adds each with its RMSNorm (5 operations per element), RoPE on Q and K (3 per element).
constexpr double norms_and_rope = 2 * S * d * 5 + S * (heads * dh + kv_heads * dh) * 3;
// Per block: Q.K^T and P.V are 2 * t * t * dh FLOPs each; online softmax 5 operations per score.
constexpr double attention = heads * blocks * (4 * t * t * dh + 5 * t * t);
}  // namespace

TEST_CASE("exact: sparse blocks count early causal query tiles that see fewer than top_k tiles") {
  const auto p = models::predict(test::kascade_study(), Accounting::exact);
  // Query tiles 0..3 see 1..4 key tiles; tiles 4..255 keep 5: 1+2+3+4 + 5*252.
  CHECK(p.tiles.sparse_per_head == 1 + 2 + 3 + 4 + 5 * 252);
  CHECK(p.tiles.sparse_per_head == 1270);
  CHECK(p.tiles.reduction == doctest::Approx(1.0 - 1270.0 / 32896.0));
}

TEST_CASE("exact: attention fraction counts causal blocks, GQA widths and softmax work") {
  const auto p = models::predict(test::kascade_study(), Accounting::exact);
  const double f = attention / (attention + qkv + o_proj + mlp + norms_and_rope);
  CHECK(p.attention_fraction == doctest::Approx(f).epsilon(1e-12));
  CHECK(p.attention_fraction == doctest::Approx(0.5303).epsilon(1e-3));
}

TEST_CASE("exact: anchors pay the tile maxima and the top-k selection") {
  const auto p = models::predict(test::kascade_study(), Accounting::exact);
  // One compare per row for the block maxima (the max of the row maxima the softmax keeps), log2(5) compares per
  // rated block for the selection.
  const double scoring = heads * blocks * (t + std::log2(5.0));
  CHECK(p.anchor_cost == doctest::Approx(1.0 + scoring / attention).epsilon(1e-12));
  CHECK(p.reuse_cost == doctest::Approx(1270.0 / 32896.0).epsilon(1e-12));
  const double s = 16.0 / (1.0 + 3.0 * p.anchor_cost + 12.0 * 1270.0 / 32896.0);
  CHECK(p.effective_attention_speedup == doctest::Approx(s).epsilon(1e-12));
  const double f = attention / (attention + qkv + o_proj + mlp + norms_and_rope);
  CHECK(p.amdahl_speedup == doctest::Approx(1.0 / ((1.0 - f) + f / s)).epsilon(1e-12));
}

TEST_CASE("exact: Amdahl over FLOPs equals the ratio of total FLOPs of the two stacks") {
  const auto p = models::predict(test::kascade_study(), Accounting::exact);
  CHECK(p.amdahl_speedup == doctest::Approx(p.dense_model.cost.flops() / p.schedule_model.cost.flops()).epsilon(1e-9));
}

TEST_CASE("exact: a sequence that is not a multiple of the tile computes a partial last tile") {
  models::Study st = test::kascade_study(1000, 3, "1D+3A+12R");
  const auto p = models::predict(st, Accounting::exact);
  CHECK(p.tiles.query_tiles == 8);  // ceil(1000 / 128)
  CHECK(p.tiles.last_key_tile_tokens == 1000 - 7 * 128);
  CHECK(p.tiles.dense_per_head == 36);              // 8 * 9 / 2
  CHECK(p.tiles.sparse_per_head == 1 + 2 + 3 * 6);  // tiles 0, 1 see fewer than 3
  // Executed: 36 blocks of 128 x 128 scores; useful: 1000 * 1001 / 2 causal pairs.
  CHECK(p.tiles.padding_fraction == doctest::Approx(1.0 - 1000.0 * 1001.0 / 2.0 / (36.0 * 128 * 128)));
}

TEST_CASE("exact: the seed and exact accountings agree on dense tiles and differ on the rest") {
  const auto seed = models::predict(test::kascade_study(), Accounting::seed);
  const auto exact = models::predict(test::kascade_study(), Accounting::exact);
  CHECK(seed.tiles.dense_per_head == exact.tiles.dense_per_head);
  CHECK(seed.tiles.sparse_per_head > exact.tiles.sparse_per_head);
  CHECK(seed.attention_fraction > exact.attention_fraction);
  // Roofline figures come from the exact costs in both accountings.
  CHECK(seed.end_to_end_speedup == exact.end_to_end_speedup);
}
