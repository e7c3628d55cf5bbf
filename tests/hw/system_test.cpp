// The assembled machine: a role it does not wire (here a test-only "probe") is built from its section, listed
// among the parts, reset with the others and found by role, so that adding a role needs no code in hw/system/.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>

#include "core/config_error.hpp"
#include "hw/system/system.hpp"

using namespace cascadesim;
using core::Json;

namespace {

class Probe : public hw::Component {
 public:
  virtual void ping() = 0;
};

struct CountingProbeConfig {
  double weight = 1;
  double ping_pJ = 2;
  double static_W = 0.5;
};

constexpr auto counting_probe_fields = std::to_array<core::Field<CountingProbeConfig>>({
    {.key = "weight",
     .doc = "added to the count per ping",
     .min = 0,
     .max = 10,
     .target = &CountingProbeConfig::weight},
    {.key = "ping_pJ", .unit = "pJ", .doc = "energy per ping", .min = 0, .target = &CountingProbeConfig::ping_pJ},
    {.key = "static_W", .unit = "W", .doc = "static power", .min = 0, .target = &CountingProbeConfig::static_W},
});

const core::StatInfo counting_probe_stats[] = {{"pings", "", "weighted pings"}};
constexpr hw::ActionInfo counting_probe_actions[] = {
    {.name = "ping", .unit = "ping", .energy_key = "ping_pJ", .stats = {"pings"}, .work = models::Work::requests}};

class CountingProbe final : public Probe {
 public:
  explicit CountingProbe(const CountingProbeConfig& config) : config_(config), stats_(counting_probe_stats) {}
  void ping() override { stats_[0] += config_.weight; }
  const core::StatSet& stats() const override { return stats_; }
  void reset() override { stats_.reset(); }

 private:
  CountingProbeConfig config_;
  core::StatSet stats_;
};

std::unique_ptr<CountingProbe> make_counting_probe(const CountingProbeConfig& config, const core::ConfigNode&) {
  return std::make_unique<CountingProbe>(config);
}

}  // namespace

CASCADESIM_REGISTER_COMPONENT(counting_probe, "probe", "counting", "test-only role: counts pings", CountingProbeConfig,
                              counting_probe_fields, counting_probe_stats, counting_probe_actions, make_counting_probe)

namespace {

Json probe_free_machine() {
  return Json{
      {"memory",
       {{"impl", "hbm"}, {"bytes", 1e9}, {"channels", 2}, {"channel_bandwidth_GBps", 100}, {"latency_ns", 100}}},
      {"l2", {{"impl", "tile_cache"}, {"bytes", 1 << 20}, {"bandwidth_GBps", 1000}, {"latency_ns", 10}}},
      {"noc", {{"impl", "crossbar"}, {"port_bandwidth_GBps", 100}, {"latency_ns", 1}}},
      {"dma", {{"impl", "bounded"}, {"outstanding", 8}, {"max_transfer_bytes", 1 << 16}}},
      {"matrix_unit", {{"impl", "tensor_core"}, {"macs_per_cycle", 1024}}},
      {"vector_unit", {{"impl", "simd"}, {"flops_per_cycle", 64}, {"exps_per_cycle", 16}}},
  };
}

std::unique_ptr<hw::System> build_system(const Json& config, core::ConfigErrors& errors) {
  models::HardwareSpec spec;
  spec.cores = 2;
  spec.clock_GHz = 1;
  const core::ConfigNode node({core::ConfigNode::Layer{&config, "machine.json", ""}}, errors);
  return hw::System::build(node, spec);
}

}  // namespace

TEST_CASE("a registered role the system does not wire is built from its section and found by role") {
  Json config = probe_free_machine();
  config["probe"] = {{"impl", "counting"}, {"weight", 2}};
  core::ConfigErrors errors;
  const std::unique_ptr<hw::System> system = build_system(config, errors);
  errors.throw_if_any();
  REQUIRE(system != nullptr);

  Probe* probe = system->find<Probe>("probe");
  REQUIRE(probe != nullptr);
  probe->ping();
  probe->ping();
  const auto parts = system->parts();
  const auto part =
      std::find_if(parts.begin(), parts.end(), [](const hw::System::Part& p) { return p.name == "probe"; });
  REQUIRE(part != parts.end());
  CHECK(part->component->stats()[0] == 4);

  system->reset();
  CHECK(part->component->stats()[0] == 0);
  CHECK(system->find<hw::MatrixUnit>("probe") == nullptr);  // the role's component is no matrix unit
}

TEST_CASE("an optional role without a section is absent, and a broken one is an error at its pointer") {
  core::ConfigErrors errors;
  const std::unique_ptr<hw::System> plain = build_system(probe_free_machine(), errors);
  REQUIRE(plain != nullptr);
  CHECK(plain->find<Probe>("probe") == nullptr);
  const auto parts = plain->parts();
  CHECK(std::none_of(parts.begin(), parts.end(), [](const hw::System::Part& p) { return p.name == "probe"; }));

  Json config = probe_free_machine();
  config["probe"] = {{"impl", "counting"}, {"weight", 11}};
  core::ConfigErrors broken;
  CHECK(build_system(config, broken) == nullptr);
  REQUIRE(broken.size() == 1);
  try {
    broken.throw_if_any();
  } catch (const core::ConfigError& e) {
    CHECK(e.issues().front().line().rfind("machine.json: /probe/weight: ", 0) == 0);
  }
}
