// Example component: a link with a latency and a bandwidth (time = latency + bytes / bandwidth).
#include <array>
#include <memory>

#include "hw/example/link.hpp"

namespace cascadesim::hw {
namespace {

struct BandwidthLinkConfig {
  double latency_ns = 10.0;
  double bandwidth_GBps = 100.0;
  // Energy figures default to "none given" (NaN), as area figures do: a preset states each with its source.
  double transfer_pJ_per_byte = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto bandwidth_link_fields = std::to_array<core::Field<BandwidthLinkConfig>>({
    {.key = "latency_ns",
     .unit = "ns",
     .doc = "time before the first byte arrives",
     .min = 0,
     .max = 1e9,
     .target = &BandwidthLinkConfig::latency_ns},
    {.key = "bandwidth_GBps",
     .unit = "GB/s",
     .doc = "bytes per second once streaming (1 GB = 1e9 bytes)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e9,
     .min_exclusive = true,
     .target = &BandwidthLinkConfig::bandwidth_GBps},
    hw::energy_field<BandwidthLinkConfig>("transfer_pJ_per_byte", "energy per byte moved",
                                          &BandwidthLinkConfig::transfer_pJ_per_byte),
    hw::energy_field<BandwidthLinkConfig>("static_W", "static power of the link while the machine runs",
                                          &BandwidthLinkConfig::static_W),
});

const core::StatInfo bandwidth_link_stats[] = {
    {"transfers", "", "transfers made"},
    {"bytes", "bytes", "bytes moved"},
    {"busy_ns", "ns", "sum of transfer times"},
};

// Its actions: what it does that costs energy, each counted by statistics above and priced by a field above.
constexpr ActionInfo bandwidth_link_actions[] = {
    {.name = "transfer",
     .unit = "byte",
     .energy_key = "transfer_pJ_per_byte",
     .stats = {"bytes"},
     .work = models::Work::moved_bytes,
     .doc = "one byte moved"},
};

class BandwidthLink final : public Link {
 public:
  explicit BandwidthLink(const BandwidthLinkConfig& config) : config_(config), stats_(bandwidth_link_stats) {}

  double transfer_ns(std::uint64_t bytes) override {
    // GB/s is bytes per ns.
    const double ns = config_.latency_ns + static_cast<double>(bytes) / config_.bandwidth_GBps;
    stats_[0] += 1;
    stats_[1] += static_cast<double>(bytes);
    stats_[2] += ns;
    return ns;
  }
  const core::StatSet& stats() const override { return stats_; }
  void reset() override { stats_.reset(); }

 private:
  BandwidthLinkConfig config_;
  core::StatSet stats_;
};

std::unique_ptr<BandwidthLink> make_bandwidth_link(const BandwidthLinkConfig& config, const core::ConfigNode&) {
  return std::make_unique<BandwidthLink>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(bandwidth_link, "example", "bandwidth", "example link: latency plus bytes / bandwidth",
                              cascadesim::hw::BandwidthLinkConfig, cascadesim::hw::bandwidth_link_fields,
                              cascadesim::hw::bandwidth_link_stats, cascadesim::hw::bandwidth_link_actions,
                              cascadesim::hw::make_bandwidth_link)
