// Nodes of devices on a switch (an HGX board's NVSwitch), joined by a network (InfiniBand) in which every device has
// its own port (rail-optimized, as DGX SuperPODs wire one NIC per GPU) into a non-blocking fabric: messages within a
// node book the in-node ports, messages between nodes the two devices' network ports.
#include <array>
#include <memory>

#include "hw/interconnect/interconnect.hpp"

namespace cascadesim::hw {
namespace {

// Members of required keys hold placeholders: the key must be given.
struct TwoLevelConfig {
  std::int64_t devices = 16;
  std::int64_t devices_per_node = 8;
  double port_bandwidth_GBps = 450.0;
  double latency_us = 3.4;
  double network_bandwidth_GBps = 50.0;
  double network_latency_us = 5.0;
  double window_ns = 1000.0;
  double link_pJ_per_byte = hw::no_energy_figure;
  double network_pJ_per_byte = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto two_level_fields = std::to_array<core::Field<TwoLevelConfig>>({
    {.key = "devices",
     .doc = "devices over every node",
     .presence = core::Presence::required,
     .min = 1,
     .max = 4096,
     .target = &TwoLevelConfig::devices},
    {.key = "devices_per_node",
     .doc = "devices on one node's switch (devices 0 .. n-1 in node 0, and so on; the last node may be partial)",
     .presence = core::Presence::required,
     .min = 1,
     .max = 4096,
     .target = &TwoLevelConfig::devices_per_node},
    {.key = "port_bandwidth_GBps",
     .unit = "GB/s",
     .doc = "one device's port into its node's switch, per direction (1 GB = 1e9 bytes)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e6,
     .min_exclusive = true,
     .target = &TwoLevelConfig::port_bandwidth_GBps},
    {.key = "latency_us",
     .unit = "us",
     .doc = "alpha of one message within a node",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e6,
     .target = &TwoLevelConfig::latency_us},
    {.key = "network_bandwidth_GBps",
     .unit = "GB/s",
     .doc = "one device's network port, per direction",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e6,
     .min_exclusive = true,
     .target = &TwoLevelConfig::network_bandwidth_GBps},
    {.key = "network_latency_us",
     .unit = "us",
     .doc = "alpha of one message between nodes",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e6,
     .target = &TwoLevelConfig::network_latency_us},
    {.key = "window_ns",
     .unit = "ns",
     .doc = "bandwidth accounting window of each port's calendars",
     .min = 0,
     .max = 1e9,
     .min_exclusive = true,
     .target = &TwoLevelConfig::window_ns},
    hw::energy_field<TwoLevelConfig>("link_pJ_per_byte", "energy per byte between two devices of one node",
                                     &TwoLevelConfig::link_pJ_per_byte),
    hw::energy_field<TwoLevelConfig>("network_pJ_per_byte",
                                     "energy per byte between two nodes (NICs, cables, switches)",
                                     &TwoLevelConfig::network_pJ_per_byte),
    hw::energy_field<TwoLevelConfig>("static_W",
                                     "static power of one device's in-node port, its network port and their share "
                                     "of the switches while the machine runs",
                                     &TwoLevelConfig::static_W),
});

constexpr ActionInfo two_level_actions[] = {link_action, network_action};

class TwoLevel final : public LinkedInterconnect {
 public:
  explicit TwoLevel(const TwoLevelConfig& config)
      : LinkedInterconnect(4 * static_cast<std::size_t>(config.devices), config.window_ns), config_(config) {}

  models::InterconnectFigures figures() const override {
    return models::InterconnectFigures{.devices = config_.devices,
                                       .topology = models::Topology::two_level,
                                       .link_GBps = config_.port_bandwidth_GBps,
                                       .latency_us = config_.latency_us,
                                       .devices_per_node = config_.devices_per_node,
                                       .node_link_GBps = config_.network_bandwidth_GBps,
                                       .node_latency_us = config_.network_latency_us};
  }

  double send(std::int64_t src, std::int64_t dst, double bytes, double start_ns, int) override {
    // Links 4d and 4d + 1: device d's in-node port out and in; 4d + 2 and 4d + 3: its network port out and in.
    const bool network = src / config_.devices_per_node != dst / config_.devices_per_node;
    const double GBps = network ? config_.network_bandwidth_GBps : config_.port_bandwidth_GBps;
    const std::size_t base = network ? 2 : 0;
    route_ = {{static_cast<std::size_t>(4 * src) + base, GBps}, {static_cast<std::size_t>(4 * dst + 1) + base, GBps}};
    const double latency_us = network ? config_.network_latency_us : config_.latency_us;
    return book(bytes, start_ns, latency_us * 1e3, network, 1);
  }

 private:
  TwoLevelConfig config_;
};

// devices_per_node above devices is one partly filled node (a sweep over devices keeps the node size).
std::unique_ptr<TwoLevel> make_two_level(const TwoLevelConfig& config, const core::ConfigNode&) {
  return std::make_unique<TwoLevel>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(two_level, "interconnect", "two_level",
                              "nodes of devices on a switch joined by a network with one port per device "
                              "(NVSwitch inside an HGX node, InfiniBand between nodes)",
                              cascadesim::hw::TwoLevelConfig, cascadesim::hw::two_level_fields,
                              cascadesim::hw::interconnect_stats, cascadesim::hw::two_level_actions,
                              cascadesim::hw::make_two_level)
