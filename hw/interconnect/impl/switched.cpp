// Devices on a non-blocking switch (NVSwitch, a PCIe switch): each device has one port, with its own bandwidth per
// direction; a message books the sender's outbound and the receiver's inbound port, so only messages that share a
// port contend (many-to-one, one-to-many).
#include <array>
#include <memory>

#include "hw/interconnect/interconnect.hpp"

namespace cascadesim::hw {
namespace {

// Members of required keys hold placeholders: the key must be given.
struct SwitchedConfig {
  std::int64_t devices = 8;
  double port_bandwidth_GBps = 450.0;
  double latency_us = 3.4;
  double window_ns = 1000.0;
  double link_pJ_per_byte = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto switched_fields = std::to_array<core::Field<SwitchedConfig>>({
    {.key = "devices",
     .doc = "devices on the switch",
     .presence = core::Presence::required,
     .min = 1,
     .max = 4096,
     .target = &SwitchedConfig::devices},
    {.key = "port_bandwidth_GBps",
     .unit = "GB/s",
     .doc = "one device's port into the switch, per direction (1 GB = 1e9 bytes)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e6,
     .min_exclusive = true,
     .target = &SwitchedConfig::port_bandwidth_GBps},
    {.key = "latency_us",
     .unit = "us",
     .doc = "alpha: the fixed time of one message, added to its arrival",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e6,
     .target = &SwitchedConfig::latency_us},
    {.key = "window_ns",
     .unit = "ns",
     .doc = "bandwidth accounting window of each port's calendars",
     .min = 0,
     .max = 1e9,
     .min_exclusive = true,
     .target = &SwitchedConfig::window_ns},
    hw::energy_field<SwitchedConfig>("link_pJ_per_byte",
                                     "energy per byte from one device to another through the switch",
                                     &SwitchedConfig::link_pJ_per_byte),
    hw::energy_field<SwitchedConfig>("static_W",
                                     "static power of one device's port and its share of the switches while the "
                                     "machine runs",
                                     &SwitchedConfig::static_W),
});

constexpr ActionInfo switched_actions[] = {link_action};

class Switched final : public LinkedInterconnect {
 public:
  explicit Switched(const SwitchedConfig& config)
      : LinkedInterconnect(2 * static_cast<std::size_t>(config.devices), config.window_ns), config_(config) {}

  models::InterconnectFigures figures() const override {
    return models::InterconnectFigures{.devices = config_.devices,
                                       .topology = models::Topology::switched,
                                       .link_GBps = config_.port_bandwidth_GBps,
                                       .latency_us = config_.latency_us};
  }

  double send(std::int64_t src, std::int64_t dst, double bytes, double start_ns, int) override {
    // Link 2d is device d's outbound port, 2d + 1 its inbound one.
    route_ = {{static_cast<std::size_t>(2 * src), config_.port_bandwidth_GBps},
              {static_cast<std::size_t>(2 * dst + 1), config_.port_bandwidth_GBps}};
    return book(bytes, start_ns, config_.latency_us * 1e3, false, 1);
  }

 private:
  SwitchedConfig config_;
};

std::unique_ptr<Switched> make_switched(const SwitchedConfig& config, const core::ConfigNode&) {
  return std::make_unique<Switched>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(switched, "interconnect", "switched",
                              "devices on a non-blocking switch (NVSwitch, PCIe switch): one port per device, "
                              "messages contend only where they share a port",
                              cascadesim::hw::SwitchedConfig, cascadesim::hw::switched_fields,
                              cascadesim::hw::interconnect_stats, cascadesim::hw::switched_actions,
                              cascadesim::hw::make_switched)
