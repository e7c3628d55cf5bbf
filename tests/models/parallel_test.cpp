// Parallel layer plans: causal balance of the shardings, what sparse reuse layers send, and where the time goes.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "models/parallel.hpp"
#include "tests/models/study_builders.hpp"

namespace cascadesim::models {
namespace {

Study parallel_study(ContextParallel context, std::int64_t devices, double link_GBps, KvFetch fetch = KvFetch::rotate) {
  Study st = test::kascade_study(32768, 5, "1D+3A+12R");
  st.hardware.interconnect =
      InterconnectFigures{.devices = devices, .topology = Topology::switched, .link_GBps = link_GBps, .latency_us = 3};
  st.workload.parallel.context = context;
  st.workload.parallel.kv_fetch = fetch;
  return st;
}

// Each context rank's attention over every ring step.
std::vector<double> rank_totals(const ParallelLayerPlan& plan) {
  std::vector<double> out(static_cast<std::size_t>(plan.cp), 0.0);
  for (std::int64_t c = 0; c < plan.cp; ++c)
    for (std::int64_t s = 0; s < plan.cp; ++s)
      out[static_cast<std::size_t>(c)] += plan.step_compute_s[static_cast<std::size_t>(c * plan.cp + s)];
  return out;
}

}  // namespace

TEST_CASE("zig-zag shards balance the causal mask, contiguous shards leave the last rank 7x the first's work") {
  const auto ring = plan_parallel(parallel_study(ContextParallel::ring, 4, 1e6));
  const auto zigzag = plan_parallel(parallel_study(ContextParallel::zigzag, 4, 1e6));
  const std::vector<double> r = rank_totals(ring[0]);
  const std::vector<double> z = rank_totals(zigzag[0]);
  // Contiguous quarters of a causal T x T triangle: (2c + 1) / 16 of the blocks each, up to the diagonal tiles.
  CHECK(r[3] / r[0] == doctest::Approx(7.0).epsilon(0.03));
  CHECK(*std::max_element(z.begin(), z.end()) / *std::min_element(z.begin(), z.end()) ==
        doctest::Approx(1.0).epsilon(0.01));
  // The same work in total.
  CHECK(std::accumulate(r.begin(), r.end(), 0.0) == doctest::Approx(std::accumulate(z.begin(), z.end(), 0.0)));
}

TEST_CASE("on-demand fetch moves only the selected remote tiles, rotation moves every K/V block") {
  const Study rotate = parallel_study(ContextParallel::zigzag, 8, 450, KvFetch::rotate);
  const Study fetch = parallel_study(ContextParallel::zigzag, 8, 450, KvFetch::on_demand);
  const auto rp = plan_parallel(rotate);
  const auto fp = plan_parallel(fetch);
  const std::size_t reuse = static_cast<std::size_t>(LayerKind::reuse);
  REQUIRE(fp[reuse].on_demand);
  // Rotation: 7 steps of one rank's K and V: 4096 tokens x 2 x 512 x 2 bytes.
  CHECK(rp[reuse].forward_bytes == doctest::Approx(4096.0 * 2 * 512 * 2));
  double fetched_by_0 = 0;
  for (std::int64_t o = 0; o < 8; ++o) fetched_by_0 += fp[reuse].fetch_bytes[static_cast<std::size_t>(o)];
  CHECK(fp[reuse].fetch_bytes[0] == 0);  // nothing from itself
  CHECK(fetched_by_0 > 0);
  CHECK(fetched_by_0 < 7 * rp[reuse].forward_bytes);
  // Dense and anchor layers rotate whatever kv_fetch says.
  CHECK_FALSE(fp[0].on_demand);
  CHECK(fp[0].forward_bytes == rp[0].forward_bytes);
  // The same attention work either way.
  double rotate_s = 0, fetch_s = 0;
  for (double v : rp[reuse].step_compute_s) rotate_s += v;
  for (std::size_t c = 0; c < 8; ++c) fetch_s += fp[reuse].local_compute_s[c] + fp[reuse].remote_compute_s[c];
  CHECK(fetch_s == doctest::Approx(rotate_s));
}

TEST_CASE("slow links expose sparse reuse layers' transfers while dense layers still hide theirs") {
  // Rotating reuse layers: each step's compute shrinks to top_k's share, the transfer stays a whole K/V shard.
  const ParallelPrediction slow = predict_parallel(parallel_study(ContextParallel::zigzag, 8, 25));
  CHECK(slow.layers[0].exposed_link_s == 0);
  CHECK(slow.layers[2].exposed_link_s > 0);
  // Slower still, the reuse layers wait on their links longer than they compute; dense layers do not.
  const ParallelPrediction slower = predict_parallel(parallel_study(ContextParallel::zigzag, 8, 5));
  CHECK_FALSE(slower.layers[0].link_bound());
  CHECK(slower.layers[2].link_bound());
  const ParallelPrediction fast = predict_parallel(parallel_study(ContextParallel::zigzag, 8, 1e5));
  CHECK(fast.layers[2].exposed_link_s == doctest::Approx(0).epsilon(1e-6));
  CHECK(fast.time_s < slow.time_s);
}

TEST_CASE("a ring step costs max(compute, alpha + bytes beta)") {
  ParallelLayerPlan plan;
  plan.cp = 2;
  plan.context = ContextParallel::ring;
  plan.step_compute_s = {1e-3, 2e-3, 1e-3, 2e-3};  // [rank * 2 + step]
  plan.forward_bytes = 450e6;                      // 1 ms at 450 GB/s, plus 3 us
  const InterconnectFigures net{.devices = 2, .topology = Topology::switched, .link_GBps = 450, .latency_us = 3};
  const ParallelLayerTime t = evaluate_parallel(plan, net);
  // Step 0: max(1 ms, 1.003 ms); step 1 (last, nothing to pass on): 2 ms.
  CHECK(t.time_s == doctest::Approx(3.003e-3));
  CHECK(t.compute_s == doctest::Approx(3e-3));
  CHECK(t.exposed_link_s == doctest::Approx(3e-6));
}

TEST_CASE("tensor parallelism adds two all-reduces of the local activations per layer") {
  Study st = parallel_study(ContextParallel::none, 4, 450);
  st.workload.parallel.tensor_parallel = 4;
  const auto plans = plan_parallel(st);
  CHECK(plans[0].tp_collectives == 2);
  CHECK(plans[0].tp_bytes == doctest::Approx(32768.0 * 2048 * 2));
  const ParallelLayerTime t = evaluate_parallel(plans[0], st.hardware.interconnect);
  CHECK(t.collective_s == doctest::Approx(2 * collective_time_s(Collective::all_reduce, 32768.0 * 2048 * 2, 4,
                                                                st.hardware.interconnect)));
}

}  // namespace cascadesim::models
