// Early exit over layers: average depth, and the expected cost when layers cost different amounts.
#include <doctest/doctest.h>

#include <initializer_list>

#include "models/early_exit.hpp"
#include "models/prediction.hpp"
#include "study_builders.hpp"

using namespace cascadesim;
using namespace cascadesim::models;

TEST_CASE("everyone running every layer has depth 1") {
  EarlyExitSpec spec;
  spec.exits = {{12, 1.0}};
  CHECK(average_depth_fraction(spec, 12) == 1.0);
}

TEST_CASE("expected cost sums each exit's layers and the exit heads passed") {
  EarlyExitSpec spec;
  spec.exits = {{1, 0.25}, {3, 0.75}};
  // Layers: dense (cost 10), anchor (cost 11), reuse (cost 2); head cost 1.
  const LayerSchedule schedule = parse_layer_schedule("1D+1A+1R");
  const double cost = expected_early_exit_cost(spec, schedule, 3, {10, 11, 2}, 1);
  CHECK(cost == doctest::Approx(0.25 * (10 + 1) + 0.75 * (10 + 11 + 2 + 2)));
}

TEST_CASE("exact early exit equals the seed on equal layers with free exits") {
  Study st = test::kascade_study(4096, 1, "12D");
  st.model = test::vit_b_16();
  st.workload.schedule = dense_schedule(12);
  EarlyExitSpec spec;
  spec.exits = {{3, 0.5}, {12, 0.5}};
  st.workload.early_exit = spec;
  const Prediction exact = predict(st, Accounting::exact);
  CHECK(exact.early_exit->speedup == doctest::Approx(1.6));
  st.workload.early_exit->exit_head_flops_per_token = 1e6;
  CHECK(predict(st, Accounting::exact).early_exit->speedup < 1.6);
}

TEST_CASE("exiting early after the expensive dense layers of a Kascade schedule saves less than depth says") {
  Study st = test::kascade_study();
  EarlyExitSpec spec;
  spec.exits = {{8, 0.5}, {16, 0.5}};
  st.workload.early_exit = spec;
  const Prediction exact = predict(st, Accounting::exact);
  const Prediction seed = predict(st, Accounting::seed);
  CHECK(seed.early_exit->speedup == doctest::Approx(1.0 / 0.75));
  // The first 8 layers hold the dense and anchor layers, so they cost more than half the stack.
  CHECK(exact.early_exit->speedup < seed.early_exit->speedup);
}
