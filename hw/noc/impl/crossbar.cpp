// Interconnect between the cores and the L2: a crossbar with one port per core, each with its own bandwidth, in
// front of a shared next level. Cores contend only where they meet, in the next level.
#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "hw/memory/bandwidth_calendar.hpp"
#include "hw/memory/memory_level.hpp"

namespace cascadesim::hw {
namespace {

// Members of required keys hold placeholders: the key must be given.
struct CrossbarConfig {
  double port_bandwidth_GBps = 100.0;
  double latency_ns = 50.0;
  double window_ns = 20.0;
  double area_mm2 = hw::no_area_figure;
  double transfer_pJ_per_byte = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto crossbar_fields = std::to_array<core::Field<CrossbarConfig>>({
    {.key = "port_bandwidth_GBps",
     .unit = "GB/s",
     .doc = "bandwidth of each core's port (1 GB = 1e9 bytes)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e6,
     .min_exclusive = true,
     .target = &CrossbarConfig::port_bandwidth_GBps},
    {.key = "latency_ns",
     .unit = "ns",
     .doc = "traversal latency added once to every request's completion",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e9,
     .target = &CrossbarConfig::latency_ns},
    {.key = "window_ns",
     .unit = "ns",
     .doc = "bandwidth accounting window of each port's calendar",
     .min = 0,
     .max = 1e6,
     .min_exclusive = true,
     .target = &CrossbarConfig::window_ns},
    {.key = "area_mm2",
     .unit = "mm2",
     .doc = "silicon area of the crossbar",
     .min = 0,
     .max = 1e6,
     .target = &CrossbarConfig::area_mm2},
    hw::energy_field<CrossbarConfig>("transfer_pJ_per_byte",
                                     "energy per byte carried between a core and the L2 (wires and switches)",
                                     &CrossbarConfig::transfer_pJ_per_byte),
    hw::energy_field<CrossbarConfig>("static_W",
                                     "static power of the whole crossbar (leakage, refresh, clocking) while the "
                                     "machine runs; static energy = it x time",
                                     &CrossbarConfig::static_W),
});

const core::StatInfo crossbar_stats[] = {
    {"requests", "", "requests carried (zero-byte requests are not counted)"},
    {"read_bytes", "bytes", "bytes of read requests carried"},
    {"write_bytes", "bytes", "bytes of write requests carried"},
    {"port_busy_ns", "ns",
     "sum over ports of the time spent transferring; mean port utilization = port_busy_ns / (ports x elapsed)"},
    {"port_wait_ns", "ns", "sum over requests of the time from issue until their port transfer started"},
    {"ports", "", "ports that carried traffic (one per requesting core)", false},
};

constexpr ActionInfo crossbar_actions[] = {
    {.name = "transfer",
     .unit = "byte",
     .energy_key = "transfer_pJ_per_byte",
     .stats = {"read_bytes", "write_bytes"},
     .work = models::Work::moved_bytes,
     .doc = "one byte carried, read or written"},
};

// Indices into crossbar_stats.
namespace crossbar_stat {
constexpr std::size_t requests = 0, read_bytes = 1, write_bytes = 2, port_busy_ns = 3, port_wait_ns = 4, ports = 5;
}  // namespace crossbar_stat

class Crossbar final : public MemoryLevel {
 public:
  explicit Crossbar(const CrossbarConfig& config) : config_(config), stats_(crossbar_stats) {}

  // Cut-through: the request goes on to the next level when its port transfer starts, and completes when both
  // the port and the next level are done, plus the crossbar latency.
  double access(const MemoryRequest& request, double issue_ns) override {
    if (request.bytes == 0) return issue_ns;
    if (!next_) throw std::logic_error("noc crossbar: no next level bound (bind_next)");
    const auto bytes = static_cast<double>(request.bytes);
    BandwidthCalendar& port = port_of(request.core);
    const double port_done = port.reserve(issue_ns, bytes);
    // The calendar gives only the end; the start is taken as the last moment from which a full-rate transfer
    // still ends then. That is the true start unless other traffic on the port interrupted the transfer.
    const double transfer_ns = bytes / config_.port_bandwidth_GBps;
    const double start = std::max(issue_ns, port_done - transfer_ns);
    const double next_done = next_->access(request, start);

    stats_[crossbar_stat::requests] += 1;
    stats_[request.write ? crossbar_stat::write_bytes : crossbar_stat::read_bytes] += bytes;
    stats_[crossbar_stat::port_busy_ns] += transfer_ns;
    stats_[crossbar_stat::port_wait_ns] += start - issue_ns;
    return std::max(port_done, next_done) + config_.latency_ns;
  }

  double peak_bandwidth_GBps(std::int64_t ports) const override {
    return config_.port_bandwidth_GBps * static_cast<double>(ports);
  }
  double capacity_bytes() const override { return 0; }
  double latency_ns() const override { return config_.latency_ns; }
  MemoryTraffic traffic() const override {
    return MemoryTraffic{.read_bytes = stats_[crossbar_stat::read_bytes],
                         .write_bytes = stats_[crossbar_stat::write_bytes]};
  }

  void reset() override {
    ports_.clear();
    stats_.reset();
  }

  const core::StatSet& stats() const override { return stats_; }
  std::optional<hw::ComponentArea> area() const override { return hw::scaled_area(config_.area_mm2, 1, false); }

 private:
  // Ports are indexed by core and created on first use; core indices are dense (0 .. cores - 1).
  BandwidthCalendar& port_of(std::uint32_t core) {
    while (ports_.size() <= core) ports_.emplace_back(config_.port_bandwidth_GBps, config_.window_ns);
    BandwidthCalendar& port = ports_[core];
    if (port.booked_bytes() == 0) stats_[crossbar_stat::ports] += 1;
    return port;
  }

  CrossbarConfig config_;
  core::StatSet stats_;
  std::vector<BandwidthCalendar> ports_;
};

std::unique_ptr<Crossbar> make_crossbar(const CrossbarConfig& config, const core::ConfigNode&) {
  return std::make_unique<Crossbar>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(crossbar, "noc", "crossbar",
                              "crossbar between cores and the L2: one port per core with its own bandwidth, "
                              "cut-through to the shared next level",
                              cascadesim::hw::CrossbarConfig, cascadesim::hw::crossbar_fields,
                              cascadesim::hw::crossbar_stats, cascadesim::hw::crossbar_actions,
                              cascadesim::hw::make_crossbar)
