// The seed documents' figures, reproduced to their own rounding with --accounting seed.
#include <doctest/doctest.h>

#include <initializer_list>

#include <cmath>

#include "models/amdahl.hpp"
#include "models/cascade.hpp"
#include "models/early_exit.hpp"
#include "models/prediction.hpp"
#include "study_builders.hpp"

using namespace cascadesim;
using models::Accounting;

namespace {
double round_to(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}
}  // namespace

TEST_CASE("seed 002: LLaMA-3.2-1B at 32K has attention fraction 66.7%") {
  const auto p = models::predict(test::kascade_study(), Accounting::seed);
  // 2 S^2 / (2 S^2 + 4 S d + 3 S d_MLP) = 2,147,483,648 / 3,221,225,472
  CHECK(p.attention_fraction == doctest::Approx(2147483648.0 / 3221225472.0));
  CHECK(round_to(100 * p.attention_fraction, 1) == 66.7);
}

TEST_CASE("seed 002: 32,896 dense tiles, 1,280 sparse tiles, 96.1% reduction per head") {
  const auto p = models::predict(test::kascade_study(), Accounting::seed);
  CHECK(p.tiles.query_tiles == 256);
  CHECK(p.tiles.dense_per_head == 32896);
  CHECK(p.tiles.sparse_per_head == 1280);
  CHECK(round_to(100 * p.tiles.reduction, 1) == 96.1);
}

TEST_CASE("seed 002: effective attention speedup 16 / 4.234 = 3.78x and Amdahl 1.96x") {
  const auto p = models::predict(test::kascade_study(), Accounting::seed);
  CHECK(p.layers.dense == 1);
  CHECK(p.layers.anchor == 3);
  CHECK(p.layers.reuse == 12);
  CHECK(p.anchor_cost == 1.0);
  CHECK(p.reuse_cost == doctest::Approx(5.0 / 256.0));
  CHECK(16.0 / p.effective_attention_speedup == doctest::Approx(1.0 + 3.0 + 12.0 * 5.0 / 256.0));
  CHECK(round_to(16.0 / p.effective_attention_speedup, 3) == 4.234);
  CHECK(round_to(p.effective_attention_speedup, 2) == 3.78);
  CHECK(round_to(p.amdahl_speedup, 2) == 1.96);
}

TEST_CASE("seed 002: the old attention fraction 51.6% gives 1.61x") {
  CHECK(round_to(models::amdahl_speedup(0.516, 3.78), 2) == 1.61);
}

TEST_CASE("seed 000: 2-stage cascade costs 53% of the GFLOPs, 1.89x") {
  models::CascadeSpec spec;
  spec.stages = {{0.25, 0.5}, {1.0, 0.5}};
  const auto r = models::cascade_seed(spec);
  // 6.25% + 50% x 93.75% = 53.125%; the seed rounds to 53% and then takes 1 / 0.53 = 1.89.
  CHECK(r.compute_fraction == doctest::Approx(0.53125));
  CHECK(round_to(100 * r.compute_fraction, 0) == 53);
  CHECK(round_to(1.0 / round_to(r.compute_fraction, 2), 2) == 1.89);
  CHECK(r.theoretical_speedup == doctest::Approx(1.0 / 0.53125));
}

TEST_CASE("seed 000: 3-stage cascade costs 35.4% of the GFLOPs, 2.82x") {
  models::CascadeSpec spec;
  spec.stages = {{0.125, 0.3}, {0.25, 0.4}, {1.0, 0.3}};
  const auto r = models::cascade_seed(spec);
  // 1.5625% + 6.25% + 30% x 92.1875% = 35.47%; the seed writes 35.4% (truncated).
  CHECK(r.compute_fraction == doctest::Approx(0.015625 + 0.0625 + 0.3 * 0.921875));
  CHECK(std::floor(1000 * r.compute_fraction) / 10 == doctest::Approx(35.4));
  CHECK(round_to(r.theoretical_speedup, 2) == 2.82);
}

TEST_CASE("seed 000: practical speedup removes the seed's overhead share") {
  models::CascadeSpec spec;
  spec.stages = {{0.25, 0.5}, {1.0, 0.5}};
  spec.memory_overhead = 0.10;
  spec.transition_overhead = 0.05;
  spec.decision_overhead = 0.05;
  const auto r = models::cascade_seed(spec);
  CHECK(r.overhead_fraction == doctest::Approx(0.20));
  CHECK(r.practical_speedup == doctest::Approx(r.theoretical_speedup * 0.80));
}

TEST_CASE("seed 004: 50% exiting at layer 3 of 12 gives depth 0.625 and 1.6x") {
  models::EarlyExitSpec spec;
  spec.exits = {{3, 0.5}, {12, 0.5}};
  CHECK(models::average_depth_fraction(spec, 12) == doctest::Approx(0.625));
  models::Study st = test::kascade_study(4096, 4, "12D");
  st.model = test::vit_b_16();
  st.workload.schedule = models::dense_schedule(12);
  st.workload.early_exit = spec;
  const auto p = models::predict(st, Accounting::seed);
  REQUIRE(p.early_exit);
  CHECK(p.early_exit->speedup == doctest::Approx(1.6));
}
