// Properties every prediction must have, whatever the study: monotonic in top_k, 1x when nothing is skipped,
// more hardware never slower, sparse work never above dense work.
#include <doctest/doctest.h>

#include <cmath>
#include <initializer_list>

#include "models/prediction.hpp"
#include "study_builders.hpp"

using namespace cascadesim;
using namespace cascadesim::models;

TEST_CASE("speedups fall as top_k grows, in both accountings") {
  for (Accounting a : {Accounting::seed, Accounting::exact}) {
    double previous_s = 1e18, previous_amdahl = 1e18, previous_e2e = 1e18;
    for (std::int64_t k : {1, 2, 5, 8, 16, 32, 64, 128, 256}) {
      const Prediction p = predict(test::kascade_study(32768, k), a);
      CHECK(p.effective_attention_speedup <= previous_s);
      CHECK(p.amdahl_speedup <= previous_amdahl);
      CHECK(p.end_to_end_speedup <= previous_e2e + 1e-12);
      if (a == Accounting::exact) CHECK(p.tiles.sparse_per_head <= p.tiles.dense_per_head);
      previous_s = p.effective_attention_speedup;
      previous_amdahl = p.amdahl_speedup;
      previous_e2e = p.end_to_end_speedup;
    }
  }
}

TEST_CASE("an all-dense schedule has speedup exactly 1") {
  for (Accounting a : {Accounting::seed, Accounting::exact}) {
    const Prediction p = predict(test::kascade_study(8192, 5, "16D"), a);
    CHECK(p.effective_attention_speedup == 1.0);
    CHECK(p.amdahl_speedup == doctest::Approx(1.0));
    CHECK(p.end_to_end_speedup == doctest::Approx(1.0));
  }
}

TEST_CASE("keeping every tile skips nothing: the seed gives 1x and exact gives at most 1x") {
  const Prediction seed = predict(test::kascade_study(8192, 64), Accounting::seed);
  CHECK(seed.reuse_cost == 1.0);
  CHECK(seed.amdahl_speedup == doctest::Approx(1.0));
  const Prediction exact = predict(test::kascade_study(8192, 64), Accounting::exact);
  CHECK(exact.reuse_cost == doctest::Approx(1.0));
  CHECK(exact.amdahl_speedup <= 1.0);  // the anchors' scoring is pure overhead then
  CHECK(exact.end_to_end_speedup <= 1.0);
}

TEST_CASE("the attention fraction grows with the sequence length") {
  for (Accounting a : {Accounting::seed, Accounting::exact}) {
    double previous = 0;
    for (std::int64_t s : {1024, 2048, 4096, 8192, 16384, 32768, 65536}) {
      const Prediction p = predict(test::kascade_study(s, 1), a);
      CHECK(p.attention_fraction > previous);
      CHECK(p.attention_fraction < 1.0);
      previous = p.attention_fraction;
    }
  }
}

TEST_CASE("more bandwidth or more compute never makes a study slower") {
  Study st = test::kascade_study();
  const double base = predict(st, Accounting::exact).schedule_model.time.time_s;
  Study faster_memory = st;
  faster_memory.hardware.hbm_bandwidth_GBps *= 2;
  CHECK(predict(faster_memory, Accounting::exact).schedule_model.time.time_s <= base);
  Study faster_compute = st;
  faster_compute.hardware.matrix_macs_per_cycle *= 2;
  faster_compute.hardware.vector_flops_per_cycle *= 2;
  CHECK(predict(faster_compute, Accounting::exact).schedule_model.time.time_s < base);
}

TEST_CASE("a memory-bound decode study halves its time when bandwidth doubles, launches aside") {
  Study st = test::kascade_study(32768, 32, "16D");
  st.workload.phase = Phase::decode;
  st.workload.batch = 1;
  st.hardware.kernel_launch_us = 0;
  const Prediction p = predict(st, Accounting::exact);
  CHECK(p.dense_model.time.bound == Bound::memory);
  st.hardware.hbm_bandwidth_GBps *= 2;
  const Prediction q = predict(st, Accounting::exact);
  CHECK(q.dense_model.time.time_s == doctest::Approx(p.dense_model.time.time_s / 2));
}

TEST_CASE("the roofline time is never below the compute or memory floor of the whole stack") {
  for (std::int64_t k : {1, 8, 64}) {
    const Study st = test::kascade_study(16384, k);
    const Prediction p = predict(st, Accounting::exact);
    const double compute_floor = p.schedule_model.cost.matrix_flops / (st.hardware.peak_matrix_TFLOPs() * 1e12);
    const double memory_floor = p.schedule_model.cost.hbm_bytes / (st.hardware.hbm_bandwidth_GBps * 1e9);
    CHECK(p.schedule_model.time.time_s >= compute_floor);
    CHECK(p.schedule_model.time.time_s >= memory_floor);
  }
}

TEST_CASE("predictions are deterministic") {
  const Study st = test::kascade_study();
  const Prediction a = predict(st, Accounting::exact);
  const Prediction b = predict(st, Accounting::exact);
  CHECK(a.amdahl_speedup == b.amdahl_speedup);
  CHECK(a.schedule_model.time.time_s == b.schedule_model.time.time_s);
}

TEST_CASE("huge studies stay finite: a million tokens, 128 layers, 128 heads, batch 1024") {
  Study st = test::kascade_study(1 << 20, 64, "1D+7A+120R");
  st.model.n_layers = 128;
  st.model.n_heads = 128;
  st.model.n_kv_heads = 8;
  st.workload.batch = 1024;
  for (Accounting a : {Accounting::seed, Accounting::exact}) {
    const Prediction p = predict(st, a);
    CHECK(std::isfinite(p.amdahl_speedup));
    CHECK(std::isfinite(p.schedule_model.time.time_s));
    CHECK(p.schedule_model.cost.flops() > 1e20);
    CHECK(p.tiles.dense_per_head == 8192LL * 8193 / 2);
    for (const auto& kind : p.layer_times)
      for (const RooflineTime& t : kind) CHECK(std::isfinite(t.time_s));

    // Correctly scaled, not merely finite: half the batch is exactly half the work, and half the context a
    // quarter of the causal tiles (4096 * 4097 / 2), with no count wrapping at 32 bits on the way.
    Study half_batch = st;
    half_batch.workload.batch = 512;
    const Prediction h = predict(half_batch, a);
    CHECK(p.dense_model.cost.flops() / h.dense_model.cost.flops() == doctest::Approx(2.0).epsilon(1e-12));
    Study half_context = st;
    half_context.workload.seq_len = 1 << 19;
    const Prediction c = predict(half_context, a);
    CHECK(c.tiles.dense_per_head == 4096LL * 4097 / 2);
  }
}
