// Collectives replayed on the interconnect models against their closed forms, contention, and many-device studies.
#include <doctest/doctest.h>

#include <numeric>

#include "models/collectives.hpp"
#include "sim/config/study_loader.hpp"
#include "sim/engine/parallel_replay.hpp"
#include "tests/hw/component_builder.hpp"

namespace cascadesim::sim {
namespace {

const core::Json switched_section =
    core::Json::parse(R"({"impl": "switched", "devices": 8, "port_bandwidth_GBps": 450, "latency_us": 3.4})");
const core::Json ring_section =
    core::Json::parse(R"({"impl": "ring", "devices": 8, "link_bandwidth_GBps": 225, "latency_us": 3.4})");
const core::Json pod_section = core::Json::parse(
    R"({"impl": "two_level", "devices": 16, "devices_per_node": 8, "port_bandwidth_GBps": 450, "latency_us": 3.4,
        "network_bandwidth_GBps": 50, "network_latency_us": 6})");

std::vector<std::int64_t> first_devices(std::int64_t p) {
  std::vector<std::int64_t> g(static_cast<std::size_t>(p));
  std::iota(g.begin(), g.end(), 0);
  return g;
}

void check_agreement(const core::Json& section, models::Collective c, double bytes) {
  auto net = test::build_component<hw::Interconnect>("interconnect", section);
  const std::int64_t p = net->devices();
  const double simulated_s = replay_collective(*net, c, bytes, first_devices(p), 0) * 1e-9;
  const double closed_s = models::collective_time_s(c, bytes, p, net->figures());
  INFO(section.dump(), " ", models::to_string(c));
  CHECK(simulated_s == doctest::Approx(closed_s).epsilon(0.02));
  // Uncontended on links of one rate: no message waited for a link (a ring over nodes queues at its network hops,
  // and a ring's all-to-all shares links by design).
  const models::Topology topology = net->figures().topology;
  if (topology == models::Topology::switched ||
      (topology == models::Topology::ring && c != models::Collective::all_to_all))
    CHECK(net->stats()[hw::interconnect_stat::wait_ns] == doctest::Approx(0).epsilon(1e-6));
}

}  // namespace

TEST_CASE("uncontended collectives simulated on the links agree with their closed forms within 2%") {
  using models::Collective;
  for (double bytes : {64e6, 1e9})
    for (Collective c : {Collective::send_recv, Collective::all_gather, Collective::reduce_scatter,
                         Collective::all_reduce, Collective::all_to_all}) {
      check_agreement(switched_section, c, bytes);
      check_agreement(pod_section, c, bytes);
      check_agreement(ring_section, c, bytes);
    }
}

TEST_CASE("two messages into one port share its bandwidth, messages on separate ports do not") {
  auto net = test::build_component<hw::Interconnect>("interconnect", switched_section);
  const double one_ns = net->send(0, 1, 450e6, 0, 0);  // 1 ms + 3.4 us
  CHECK(one_ns == doctest::Approx(1e6 + 3400));
  net->reset();
  const double a = net->send(0, 2, 450e6, 0, 0);
  const double b = net->send(1, 2, 450e6, 0, 0);
  CHECK(std::max(a, b) == doctest::Approx(2e6 + 3400).epsilon(0.01));
  CHECK(net->stats()[hw::interconnect_stat::wait_ns] == doctest::Approx(1e6).epsilon(0.01));
  net->reset();
  CHECK(std::max(net->send(0, 2, 450e6, 0, 0), net->send(1, 3, 450e6, 0, 0)) == doctest::Approx(one_ns));
}

TEST_CASE("a ring's messages cross every link between sender and receiver, and TokenRing's directions do not meet") {
  auto net = test::build_component<hw::Interconnect>("interconnect", ring_section);
  // Three hops clockwise: 2 ms at 225 GB/s, cut through, plus 3 x 3.4 us.
  CHECK(net->send(0, 3, 450e6, 0, 0) == doctest::Approx(2e6 + 3 * 3400));
  CHECK(net->stats()[hw::interconnect_stat::link_bytes] == doctest::Approx(3 * 450e6));
  net->reset();
  CHECK(std::max(net->send(0, 1, 450e6, 0, 1), net->send(1, 0, 450e6, 0, -1)) == doctest::Approx(2e6 + 3400));
}

TEST_CASE("an interconnect section names its problems with file and pointer") {
  const core::Json bad = core::Json::parse(
      R"({"impl": "two_level", "devices": 4, "devices_per_node": 8, "port_bandwidth_GBps": 450, "latency_us": 3,
          "network_bandwidth_GBps": 0, "network_latency_us": 6})");
  const std::vector<std::string> lines = test::component_errors<hw::Interconnect>("interconnect", bad);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "hw.json: /interconnect/network_bandwidth_GBps: must be > 0 (got 0)");
}

namespace {
const char* parallel_study_text = R"({
  "schema_version": 1, "name": "p", "hardware": "h100-hgx-nvswitch", "model": "llama-3.1-8b",
  "workload": {"phase": "prefill", "seq_len": 131072, "tile_tokens": 128, "top_k": 5, "schedule": "1D+3A+28R",
               "parallel": {"context": "zigzag"}}})";
}

TEST_CASE("a many-device study simulated on its links agrees with the closed forms when nothing contends") {
  const LoadedStudy loaded = load_study_text(parallel_study_text, "p.json", {});
  const models::ParallelPrediction predicted = models::predict_parallel(loaded.study);
  const SimulatedParallel simulated = simulate_parallel_loaded(loaded);
  CHECK(predicted.devices == 8);
  for (std::size_t k = 0; k < models::layer_kinds; ++k)
    CHECK(simulated.layers[k].time_s == doctest::Approx(predicted.layers[k].time_s).epsilon(0.02));
  CHECK(simulated.time_s == doctest::Approx(predicted.time_s).epsilon(0.02));
  // 32 layers of eight ranks' zig-zag ring attention: the schedule is faster than every layer dense.
  CHECK(predicted.speedup() > 1.5);
}

TEST_CASE("a parallel split the machine cannot run is refused naming /workload/parallel") {
  std::string text = parallel_study_text;
  text.replace(text.find(R"("context": "zigzag")"), 19, R"("context": "zigzag", "tensor_parallel": 3)");
  CHECK_THROWS_WITH_AS(load_study_text(text, "p.json", {}),
                       doctest::Contains("p.json: /workload/parallel: tensor_parallel 3 does not divide the 8 devices"),
                       core::ConfigError);
  std::string decode = parallel_study_text;
  decode.replace(decode.find(R"("prefill")"), 9, R"("decode")");
  CHECK_THROWS_WITH_AS(load_study_text(decode, "p.json", {}), doctest::Contains("splits a prefill"), core::ConfigError);
}

}  // namespace cascadesim::sim
