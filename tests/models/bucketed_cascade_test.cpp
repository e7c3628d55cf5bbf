// The bucketed batch policy, MSDNet's geometric exit rule and seed 000's tables beside a study, against
// hand-worked binomial counts and the seed's arithmetic.
#include <doctest/doctest.h>

#include <vector>

#include "models/cascade.hpp"
#include "models/prediction.hpp"
#include "models/seed000_tables.hpp"
#include "study_builders.hpp"

using namespace cascadesim;
using namespace cascadesim::models;

namespace {
CascadeSpec two_stage_half(BatchPolicy policy, std::int64_t bucket) {
  CascadeSpec spec;
  spec.stages = {{0.25, 0.5}, {1.0, 0.5}};
  spec.batch_policy = policy;
  spec.bucket_size = bucket;
  return spec;
}

Workload bucketed_workload(std::int64_t batch, std::int64_t bucket) {
  Workload w;
  w.seq_len = 4096;
  w.batch = batch;
  w.cascade = two_stage_half(BatchPolicy::bucketed, bucket);
  return w;
}
}  // namespace

TEST_CASE("padded slots sum the binomial's terms, each rounded up to whole buckets") {
  // 2 members at reach 1/2 in buckets of 2: none (1/4) 0 slots, one (1/2) or two (1/4) 2 slots -> 1.5.
  CHECK(expected_padded_slots(2, 0.5, 2) == doctest::Approx(1.5).epsilon(1e-12));
  // Buckets of 1 pad nothing: reach x batch.
  CHECK(expected_padded_slots(2, 0.5, 1) == doctest::Approx(1.0).epsilon(1e-12));
  // 4 members, buckets of 2: P(N) = 1, 4, 6, 4, 1 sixteenths -> slots 0, 2, 2, 4, 4: (8 + 12 + 16 + 4) / 16.
  CHECK(expected_padded_slots(4, 0.5, 2) == doctest::Approx(2.5).epsilon(1e-12));
  // A bucket of the whole batch is waiting for the slowest: 4 x (1 - 1/16).
  CHECK(expected_padded_slots(4, 0.5, 4) == doctest::Approx(3.75).epsilon(1e-12));
  // Everyone reaches the stage: 3 members in buckets of 2 run 4 slots; nobody reaches it: none.
  CHECK(expected_padded_slots(3, 1.0, 2) == 4.0);
  CHECK(expected_padded_slots(3, 0.0, 2) == 0.0);
  // A large batch stays finite and near reach x batch plus half a bucket of padding.
  CHECK(expected_padded_slots(1 << 20, 0.3, 8) == doctest::Approx(0.3 * (1 << 20) + 3.5).epsilon(1e-6));
}

TEST_CASE("the bucketed policy's stage plan runs the padded slots whenever any member remains") {
  const std::vector<CascadeStagePlan> plan = cascade_plan(bucketed_workload(4, 2));
  REQUIRE(plan.size() == 2);
  // Stage 1: all 4 members in two full buckets.
  CHECK(plan[0].run_fraction == 1.0);
  CHECK(plan[0].members == 4.0);
  // Stage 2: 2.5 slots expected, the stage runs with probability 15/16, so 2.5 / (15/16) = 8/3 slots when it runs.
  CHECK(plan[1].run_fraction == doctest::Approx(15.0 / 16).epsilon(1e-12));
  CHECK(plan[1].members == doctest::Approx(8.0 / 3).epsilon(1e-12));
}

TEST_CASE("buckets of one are compaction and a bucket of the whole batch is waiting for the slowest") {
  for (std::int64_t batch : {1, 3, 8}) {
    Workload bucket_one = bucketed_workload(batch, 1);
    Workload compact = bucket_one;
    compact.cascade->batch_policy = BatchPolicy::compact;
    Workload bucket_all = bucketed_workload(batch, 64);  // larger than the batch: the batch is one bucket
    Workload wait = bucket_one;
    wait.cascade->batch_policy = BatchPolicy::wait_for_slowest;
    const auto a = cascade_plan(bucket_one), b = cascade_plan(compact);
    const auto c = cascade_plan(bucket_all), d = cascade_plan(wait);
    for (std::size_t i = 0; i < 2; ++i) {
      CHECK(a[i].members == doctest::Approx(b[i].members).epsilon(1e-12));
      CHECK(c[i].members == doctest::Approx(d[i].members).epsilon(1e-12));
      CHECK(d[i].members == doctest::Approx(static_cast<double>(batch)).epsilon(1e-12));
    }
  }
}

TEST_CASE("seed 000's arithmetic at batch 8 in buckets of 2 charges the final stage its padded slots") {
  // N ~ Binomial(8, 1/2): E[ceil(N/2)] x 2 = E[N] + P(N odd) = 4 + 1/2 slots, 0.5625 per input;
  // 6.25% + 93.75% x 0.5625 = 58.984375% -> 1.6954x.
  const CascadeSpec spec = two_stage_half(BatchPolicy::bucketed, 2);
  CHECK(final_stage_share(spec, 8) == doctest::Approx(0.5625).epsilon(1e-12));
  CHECK(cascade_seed(spec, 8).compute_fraction == doctest::Approx(0.58984375).epsilon(1e-12));
  CHECK(cascade_seed(spec, 8).theoretical_speedup == doctest::Approx(1.0 / 0.58984375).epsilon(1e-12));
  // One input, or compaction, is the seed's own figure: 53.125% -> 1.88x.
  CHECK(cascade_seed(spec, 1).compute_fraction == doctest::Approx(0.53125).epsilon(1e-12));
  CHECK(cascade_seed(two_stage_half(BatchPolicy::compact, 0), 8).compute_fraction ==
        doctest::Approx(0.53125).epsilon(1e-12));
}

TEST_CASE("MSDNet's geometric rule: the 2-stage rate fixes the ratio, more stages stop more inputs") {
  // 90%: 50% stop in a 2-stage cascade, ratio (1 - 0.5) / 0.5 = 1, so 3 stages take a third each.
  const auto three = exit_fractions_for_threshold(0.90, 3, ExitRule::geometric);
  REQUIRE(three.has_value());
  for (double f : *three) CHECK(f == doctest::Approx(1.0 / 3).epsilon(1e-12));
  // 95%: 30%, ratio 7/3; weights 1, 7/3, 49/9 over 79/9.
  const auto hard = exit_fractions_for_threshold(0.95, 3, ExitRule::geometric);
  CHECK((*hard)[0] == doctest::Approx(9.0 / 79).epsilon(1e-12));
  CHECK((*hard)[1] == doctest::Approx(21.0 / 79).epsilon(1e-12));
  CHECK((*hard)[2] == doctest::Approx(49.0 / 79).epsilon(1e-12));
  // Two stages reproduce the seed's rate under either rule.
  const auto two = exit_fractions_for_threshold(0.85, 2, ExitRule::geometric);
  CHECK((*two)[0] == doctest::Approx(0.70).epsilon(1e-12));
  CHECK(*exit_fractions_for_threshold(0.85, 2, ExitRule::equal_shares) == std::vector<double>{0.70, 1.0 - 0.70});
}

TEST_CASE("a batch row applies by batch and stage count, and its figure is set against the seed's arithmetic") {
  const CascadeSpec spec = two_stage_half(BatchPolicy::bucketed, 2);
  const auto rows = compare_seed000_tables(spec, 8, 1.62);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].row->row == "8-16");
  CHECK(rows[0].row->stages == 2);
  CHECK(rows[0].seed_one_input == doctest::Approx(1.0 / 0.53125).epsilon(1e-12));
  CHECK(rows[0].seed_batch == doctest::Approx(1.0 / 0.58984375).epsilon(1e-12));
  // The seed's arithmetic after its 21.5% overheads.
  CHECK(rows[0].seed_after_overheads == doctest::Approx(0.785 / 0.58984375).epsilon(1e-12));
  // 1.65-1.75x needs (1/1.75 - 1/16) / (15/16) to (1/1.65 - 1/16) / (15/16) of slots per input at the final stage.
  CHECK(rows[0].share_needed_low == doctest::Approx((1 / 1.75 - 0.0625) / 0.9375).epsilon(1e-12));
  CHECK(rows[0].share_needed_high == doctest::Approx((1 / 1.65 - 0.0625) / 0.9375).epsilon(1e-12));
  CHECK_FALSE(rows[0].reproduced);  // 1.62x lies below 1.65x
  CHECK(rows[0].inputs_allow);      // 0.5 (compacted) <= 0.55-0.58 <= 1 - 2^-8 (waiting)
  CHECK(compare_seed000_tables(spec, 8, 1.70)[0].reproduced);
  // Batch 4 lies in no row; 3 stages are the other column.
  CHECK(compare_seed000_tables(spec, 4, 1.7).empty());
}

TEST_CASE("one input cannot give the seed's 3-stage 2.6x from its own 30/40/30 exits without overheads") {
  CascadeSpec spec;
  spec.stages = {{0.125, 0.3}, {0.25, 0.4}, {1.0, 0.3}};
  const auto rows = compare_seed000_tables(spec, 1, 2.4);
  REQUIRE(rows.size() == 1);
  // 1/64 + 1/16 + 30% x (1 - 5/64) = 35.47% -> 2.82x; 2.55-2.65x needs 32.5-34.1% at the final stage, not 30%.
  CHECK(rows[0].seed_one_input == doctest::Approx(1.0 / (5.0 / 64 + 0.3 * 59.0 / 64)).epsilon(1e-12));
  CHECK_FALSE(rows[0].inputs_allow);
}

TEST_CASE("a threshold row spans the seed's own stop-rate range over the study's stages") {
  CascadeSpec spec;
  spec.stages = {{0.25, 0.5}, {1.0, 0.5}};
  spec.confidence_threshold = 0.90;
  const auto both_rows = compare_seed000_tables(spec, 1, 1.74);
  // One input and 2 stages: the batch table's first row applies too, before the threshold row.
  REQUIRE(both_rows.size() == 2);
  CHECK(both_rows[0].row->row == "1");
  const std::vector<Seed000Comparison> rows{both_rows[1]};
  CHECK(rows[0].row->row == "90%");
  // 45-55% stop early: 6.25% + 93.75% x 0.55 or x 0.45 -> 1.73x to 2.07x; 2.0-2.5x overlaps it.
  CHECK(rows[0].seed_range_low == doctest::Approx(1.0 / (0.0625 + 0.9375 * 0.55)).epsilon(1e-12));
  CHECK(rows[0].seed_range_high == doctest::Approx(1.0 / (0.0625 + 0.9375 * 0.45)).epsilon(1e-12));
  CHECK(rows[0].inputs_allow);
  CHECK_FALSE(rows[0].reproduced);
  // 95% (25-35%): at most 1/(0.0625 + 0.9375 x 0.65) = 1.49x, still inside 1.4-1.6x; a threshold the table lacks
  // gives no row.
  spec.confidence_threshold = 0.925;
  CHECK(compare_seed000_tables(spec, 4, 1.5).empty());
}
