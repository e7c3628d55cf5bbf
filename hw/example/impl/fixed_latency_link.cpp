// Example component: a link whose every transfer takes the same time, whatever its size.
#include <array>
#include <memory>

#include "hw/example/link.hpp"

namespace cascadesim::hw {
namespace {

struct FixedLatencyLinkConfig {
  double latency_ns = 10.0;
  double transfer_pJ = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto fixed_latency_fields = std::to_array<core::Field<FixedLatencyLinkConfig>>({
    {.key = "latency_ns",
     .unit = "ns",
     .doc = "time of every transfer",
     .min = 0,
     .max = 1e9,
     .target = &FixedLatencyLinkConfig::latency_ns},
    hw::energy_field<FixedLatencyLinkConfig>("transfer_pJ", "energy per transfer, whatever its size",
                                             &FixedLatencyLinkConfig::transfer_pJ),
    hw::energy_field<FixedLatencyLinkConfig>("static_W", "static power of the link while the machine runs",
                                             &FixedLatencyLinkConfig::static_W),
});

const core::StatInfo fixed_latency_stats[] = {
    {"transfers", "", "transfers made"},
    {"busy_ns", "ns", "sum of transfer times"},
};

constexpr ActionInfo fixed_latency_actions[] = {
    {.name = "transfer",
     .unit = "transfer",
     .energy_key = "transfer_pJ",
     .stats = {"transfers"},
     .work = models::Work::requests,
     .doc = "one transfer"},
};

class FixedLatencyLink final : public Link {
 public:
  explicit FixedLatencyLink(const FixedLatencyLinkConfig& config) : config_(config), stats_(fixed_latency_stats) {}

  double transfer_ns(std::uint64_t) override {
    stats_[0] += 1;
    stats_[1] += config_.latency_ns;
    return config_.latency_ns;
  }
  const core::StatSet& stats() const override { return stats_; }
  void reset() override { stats_.reset(); }

 private:
  FixedLatencyLinkConfig config_;
  core::StatSet stats_;
};

std::unique_ptr<FixedLatencyLink> make_fixed_latency_link(const FixedLatencyLinkConfig& config,
                                                          const core::ConfigNode&) {
  return std::make_unique<FixedLatencyLink>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(fixed_latency_link, "example", "fixed_latency",
                              "example link: every transfer takes latency_ns", cascadesim::hw::FixedLatencyLinkConfig,
                              cascadesim::hw::fixed_latency_fields, cascadesim::hw::fixed_latency_stats,
                              cascadesim::hw::fixed_latency_actions, cascadesim::hw::make_fixed_latency_link)
