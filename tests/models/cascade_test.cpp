// Multi-stage cascades: stage fractions, the batch-size effect, and the exact cost at each stage's token count.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <vector>

#include "models/cascade.hpp"
#include "models/prediction.hpp"
#include "study_builders.hpp"

using namespace cascadesim;
using namespace cascadesim::models;

namespace {
Study cascade_study(std::int64_t batch, BatchPolicy policy) {
  Study st = test::kascade_study(4096, 1, "12D");
  st.model = test::vit_b_16();
  st.workload.schedule = dense_schedule(12);
  st.workload.top_k = 0;
  st.workload.batch = batch;
  CascadeSpec spec;
  spec.stages = {{0.25, 0.5}, {1.0, 0.5}};
  spec.batch_policy = policy;
  st.workload.cascade = spec;
  return st;
}
}  // namespace

TEST_CASE("stage tokens scale as resolution^spatial_dims and reach falls by each exit") {
  CascadeSpec spec;
  spec.stages = {{0.125, 0.3}, {0.25, 0.4}, {1.0, 0.3}};
  CHECK(stage_token_fraction(spec, 0) == doctest::Approx(1.0 / 64));
  CHECK(stage_token_fraction(spec, 1) == doctest::Approx(1.0 / 16));
  CHECK(stage_reach_fraction(spec, 0) == 1.0);
  CHECK(stage_reach_fraction(spec, 1) == doctest::Approx(0.7));
  CHECK(stage_reach_fraction(spec, 2) == doctest::Approx(0.3));
  spec.spatial_dims = 1;
  CHECK(stage_token_fraction(spec, 0) == doctest::Approx(0.125));
}

TEST_CASE("a batch that waits for its slowest member runs a stage if any member reaches it") {
  CHECK(batch_runs_stage_probability(0.5, 1) == doctest::Approx(0.5));
  CHECK(batch_runs_stage_probability(0.5, 3) == doctest::Approx(1 - 0.125));
  CHECK(batch_runs_stage_probability(1.0, 8) == 1.0);
  CHECK(batch_runs_stage_probability(0.0, 8) == 0.0);
}

namespace {
// FLOPs of ViT-B/16's 12 layers at n tokens, counted by hand: MHA projections, GELU MLP (8 operations per
// hidden element), non-causal attention over ceil(n/128)^2 blocks of min(n,128) query rows x 128 keys
// (padded), 4 dh FLOPs per score on the matrix unit and 5 softmax operations.
double vit_stack_flops(double n) {
  const double d = 768, heads = 12, dh = 64, d_mlp = 3072;
  const double tiles = std::ceil(n / 128), rows = std::min(n, 128.0);
  const double projections = 2 * n * d * (3 * d) + 2 * n * d * d;
  const double mlp = 2 * 2 * n * d * d_mlp + 8 * n * d_mlp;
  const double norms = 2 * n * d * 8;  // two residual adds each with its LayerNorm
  const double attention = heads * tiles * tiles * rows * 128 * (4 * dh + 5);
  return 12 * (projections + mlp + norms + attention);
}
}  // namespace

TEST_CASE("exact cascade: one input costs the coarse pass plus half a full pass") {
  const Prediction p = predict(cascade_study(1, BatchPolicy::compact), Accounting::exact);
  REQUIRE(p.cascade);
  // Stage 1: 1/4 resolution in 2-D = 256 of 4096 tokens for everyone, then a stop decision (one operation per
  // hidden element); stage 2: the full 4096 tokens for the half that goes on.
  const double expected = (vit_stack_flops(256) + 256.0 * 768 + 0.5 * vit_stack_flops(4096)) / vit_stack_flops(4096);
  CHECK(p.cascade->compute_fraction == doctest::Approx(expected).epsilon(1e-12));
  CHECK(p.cascade->stages[0].tokens == 256);
  CHECK(p.cascade->stages[1].tokens == 4096);
}

TEST_CASE("exact cascade: seed 000's 3-stage example at each stage's token count") {
  Study st = cascade_study(1, BatchPolicy::compact);
  st.workload.cascade->stages = {{0.125, 0.3}, {0.25, 0.4}, {1.0, 0.3}};
  const Prediction p = predict(st, Accounting::exact);
  // 64, 256 and 4096 tokens, reached by 100%, 70% and 30% of inputs; decisions after the first two stages.
  const double expected =
      (vit_stack_flops(64) + 64.0 * 768 + 0.7 * (vit_stack_flops(256) + 256.0 * 768) + 0.3 * vit_stack_flops(4096)) /
      vit_stack_flops(4096);
  CHECK(p.cascade->compute_fraction == doctest::Approx(expected).epsilon(1e-12));
  CHECK(p.cascade->theoretical_speedup == doctest::Approx(1.0 / expected).epsilon(1e-12));
  // The seed's arithmetic (35.4%) charges the medium stage to everyone and tokens linearly; attention's square
  // law makes coarse stages cheaper than their token share here, the exact figure lower than the seed's.
  CHECK(p.cascade->compute_fraction < 0.354);
}

TEST_CASE("with one input, waiting for the slowest and compaction cost the same") {
  const Prediction wait = predict(cascade_study(1, BatchPolicy::wait_for_slowest), Accounting::exact);
  const Prediction compact = predict(cascade_study(1, BatchPolicy::compact), Accounting::exact);
  CHECK(wait.cascade->compute_fraction == doctest::Approx(compact.cascade->compute_fraction));
}

TEST_CASE("larger batches that wait for their slowest member lose the cascade's benefit") {
  auto speedup = [](std::int64_t batch, BatchPolicy policy) {
    return predict(cascade_study(batch, policy), Accounting::exact).cascade->practical_speedup;
  };
  const double wait_1 = speedup(1, BatchPolicy::wait_for_slowest);
  const double wait_4 = speedup(4, BatchPolicy::wait_for_slowest);
  const double wait_16 = speedup(16, BatchPolicy::wait_for_slowest);
  CHECK(wait_1 > wait_4);
  CHECK(wait_4 > wait_16);
  // At batch 32 nearly every batch runs both stages: the coarse pass is pure overhead.
  CHECK(speedup(32, BatchPolicy::wait_for_slowest) < 1.0);
  CHECK(speedup(32, BatchPolicy::compact) > 1.5);
}

TEST_CASE("a cascade where nobody stops early costs more than one full pass") {
  Study st = cascade_study(1, BatchPolicy::compact);
  st.workload.cascade->stages = {{0.25, 0.0}, {1.0, 1.0}};
  const Prediction p = predict(st, Accounting::exact);
  CHECK(p.cascade->compute_fraction > 1.0);
  CHECK(p.cascade->theoretical_speedup < 1.0);
}

TEST_CASE("seed 000's threshold table gives the mid-points of its early-stopping ranges") {
  // Seed 000 "Confidence-Based Early Stopping": 95% -> 25-35%, 90% -> 45-55%, 85% -> 65-75%.
  CHECK(early_stopping_rate(0.95) == 0.30);
  CHECK(early_stopping_rate(0.90) == 0.50);
  CHECK(early_stopping_rate(0.85) == 0.70);
  // Linear between rows: halfway from 90% to 95% is halfway from 50% to 30%.
  CHECK(*early_stopping_rate(0.925) == doctest::Approx(0.40));
  CHECK(*early_stopping_rate(0.87) == doctest::Approx(0.62));
}

TEST_CASE("thresholds outside the seed's table are refused, not extrapolated") {
  CHECK_FALSE(early_stopping_rate(0.84).has_value());
  CHECK_FALSE(early_stopping_rate(0.96).has_value());
  CHECK_FALSE(early_stopping_rate(std::nan("")).has_value());
  CHECK_FALSE(exit_fractions_for_threshold(0.99, 2).has_value());
}

TEST_CASE("a 90% threshold stops half the inputs at the coarse stage of a 2-stage cascade") {
  const auto fractions = exit_fractions_for_threshold(0.90, 2);
  REQUIRE(fractions.has_value());
  CHECK(*fractions == std::vector<double>{0.5, 0.5});
  // Seed 000's 2-stage arithmetic with 50% stopping: 6.25% + 0.5 x 93.75% = 53% of the GFLOPs, 1.89x.
  CascadeSpec spec;
  spec.stages = {{0.25, (*fractions)[0]}, {1.0, (*fractions)[1]}};
  CHECK(cascade_seed(spec).theoretical_speedup == doctest::Approx(1.0 / 0.53125));
}

TEST_CASE("the early-stopping rate is shared equally by the non-final stages") {
  // 85%: 70% stop early, over the three coarse stages of a 4-stage cascade; 30% reach full resolution.
  const auto four = exit_fractions_for_threshold(0.85, 4);
  REQUIRE(four.has_value());
  REQUIRE(four->size() == 4);
  for (std::size_t i = 0; i < 3; ++i) CHECK((*four)[i] == doctest::Approx(0.70 / 3));
  CHECK((*four)[3] == doctest::Approx(0.30));
  double total = 0;
  for (double f : *four) total += f;
  CHECK(total == doctest::Approx(1.0).epsilon(1e-12));
  // One stage has nowhere to stop early.
  CHECK_FALSE(exit_fractions_for_threshold(0.90, 1).has_value());
}
