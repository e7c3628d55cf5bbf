// The host-memory tier: the host's DRAM behind the device's host link (PCIe 5.0 x16, NVLink-C2C), holding the K/V
// cache that does not fit the HBM. One bandwidth calendar for the link's device-bound direction plus a fixed
// latency; the host DRAM's own bandwidth is taken to exceed the link's (a server's DDR5 channels together do).
#include <array>
#include <memory>

#include "hw/memory/bandwidth_calendar.hpp"
#include "hw/memory/memory_level.hpp"

namespace cascadesim::hw {
namespace {

struct HostLinkConfig {
  double bytes = 512e9;
  double link_bandwidth_GBps = 64.0;
  double latency_ns = 1000.0;
  double window_ns = 20.0;
  double read_pJ_per_bit = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto host_link_fields = std::to_array<core::Field<HostLinkConfig>>({
    {.key = "bytes",
     .unit = "bytes",
     .doc = "host memory the device may use for K/V that does not fit its HBM",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e16,
     .min_exclusive = true,
     .target = &HostLinkConfig::bytes},
    {.key = "link_bandwidth_GBps",
     .unit = "GB/s",
     .doc = "the link's peak toward the device (one direction; 1 GB = 1e9 bytes)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e6,
     .min_exclusive = true,
     .target = &HostLinkConfig::link_bandwidth_GBps},
    {.key = "latency_ns",
     .unit = "ns",
     .doc = "added once to every request's completion: the link's round trip and the host DRAM's access",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e9,
     .target = &HostLinkConfig::latency_ns},
    {.key = "window_ns",
     .unit = "ns",
     .doc = "accounting window of the link's bandwidth calendar",
     .min = 0,
     .max = 1e6,
     .min_exclusive = true,
     .target = &HostLinkConfig::window_ns},
    hw::energy_field<HostLinkConfig>("read_pJ_per_bit",
                                     "energy per bit read from host memory and moved over the link (DRAM and both "
                                     "ends of the link)",
                                     &HostLinkConfig::read_pJ_per_bit),
    hw::energy_field<HostLinkConfig>("static_W", "static power of the link and the host memory's share",
                                     &HostLinkConfig::static_W),
});

const core::StatInfo host_link_stats[] = {
    {"requests", "", "requests served (zero-byte requests are not counted)"},
    {"read_bytes", "bytes", "bytes read from host memory over the link"},
    {"write_bytes", "bytes", "bytes written to host memory over the link"},
    {"link_busy_ns", "ns", "time the link spent transferring; utilization = link_busy_ns / elapsed"},
    {"access_ns", "ns", "sum over requests of completion - issue"},
};

constexpr ActionInfo host_link_actions[] = {
    {.name = "read",
     .unit = "bit",
     .energy_key = "read_pJ_per_bit",
     .stats = {"read_bytes"},
     .per_stat = 8,
     .work = models::Work::host_read_bytes,
     .doc = "one bit read from host memory over the link"},
};

namespace host_link_stat {
constexpr std::size_t requests = 0, read_bytes = 1, write_bytes = 2, link_busy_ns = 3, access_ns = 4;
}  // namespace host_link_stat

class HostLink final : public MemoryLevel {
 public:
  explicit HostLink(const HostLinkConfig& config)
      : config_(config), stats_(host_link_stats), link_(config.link_bandwidth_GBps, config.window_ns) {}

  double access(const MemoryRequest& request, double issue_ns) override {
    if (request.bytes == 0) return issue_ns;
    const auto bytes = static_cast<double>(request.bytes);
    const double completion = link_.reserve(issue_ns, bytes) + config_.latency_ns;
    stats_[host_link_stat::requests] += 1;
    stats_[request.write ? host_link_stat::write_bytes : host_link_stat::read_bytes] += bytes;
    stats_[host_link_stat::link_busy_ns] += bytes / config_.link_bandwidth_GBps;
    stats_[host_link_stat::access_ns] += completion - issue_ns;
    return completion;
  }

  double peak_bandwidth_GBps(std::int64_t) const override { return config_.link_bandwidth_GBps; }
  double capacity_bytes() const override { return config_.bytes; }
  double latency_ns() const override { return config_.latency_ns; }
  MemoryTraffic traffic() const override {
    return MemoryTraffic{.read_bytes = stats_[host_link_stat::read_bytes],
                         .write_bytes = stats_[host_link_stat::write_bytes]};
  }
  void reset() override {
    link_.reset();
    stats_.reset();
  }
  const core::StatSet& stats() const override { return stats_; }

 private:
  HostLinkConfig config_;
  core::StatSet stats_;
  BandwidthCalendar link_;
};

std::unique_ptr<HostLink> make_host_link(const HostLinkConfig& config, const core::ConfigNode&) {
  return std::make_unique<HostLink>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(host_link, "host_memory", "host_link",
                              "host memory behind the device's host link (PCIe, NVLink-C2C): a bandwidth calendar "
                              "and a fixed latency; holds the K/V that does not fit the HBM",
                              cascadesim::hw::HostLinkConfig, cascadesim::hw::host_link_fields,
                              cascadesim::hw::host_link_stats, cascadesim::hw::host_link_actions,
                              cascadesim::hw::make_host_link)
