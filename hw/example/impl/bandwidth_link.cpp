// Example component: a link with a latency and a bandwidth (time = latency + bytes / bandwidth).
#include <array>
#include <memory>

#include "hw/example/link.hpp"

namespace cascadesim::hw {
namespace {

struct BandwidthLinkConfig {
  double latency_ns = 10.0;
  double bandwidth_GBps = 100.0;
};

const std::array<core::Field<BandwidthLinkConfig>, 2> bandwidth_link_fields{{
    {"latency_ns", "ns", "time before the first byte arrives", core::Presence::optional, 0, 1e9, false,
     &BandwidthLinkConfig::latency_ns},
    {"bandwidth_GBps", "GB/s", "bytes per second once streaming (1 GB = 1e9 bytes)", core::Presence::required, 0, 1e9,
     true, &BandwidthLinkConfig::bandwidth_GBps},
}};

const core::StatInfo bandwidth_link_stats[] = {
    {"transfers", "", "transfers made"},
    {"bytes", "bytes", "bytes moved"},
    {"busy_ns", "ns", "sum of transfer times"},
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
                              cascadesim::hw::bandwidth_link_stats, cascadesim::hw::make_bandwidth_link)
