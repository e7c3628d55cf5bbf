// Devices in a ring of direct links (NVLink bridges, a TPU-style torus dimension): each device links to its two
// neighbours, one link each way; a message crosses every link between sender and receiver (cut-through), so
// messages going the same way over the same stretch contend.
#include <array>
#include <memory>

#include "hw/interconnect/interconnect.hpp"

namespace cascadesim::hw {
namespace {

// Members of required keys hold placeholders: the key must be given.
struct RingConfig {
  std::int64_t devices = 8;
  double link_bandwidth_GBps = 100.0;
  double latency_us = 3.4;
  double window_ns = 1000.0;
  double link_pJ_per_byte = hw::no_energy_figure;
  double static_W = hw::no_energy_figure;
};

constexpr auto ring_fields = std::to_array<core::Field<RingConfig>>({
    {.key = "devices",
     .doc = "devices in the ring",
     .presence = core::Presence::required,
     .min = 1,
     .max = 4096,
     .target = &RingConfig::devices},
    {.key = "link_bandwidth_GBps",
     .unit = "GB/s",
     .doc = "one link between neighbours, per direction (1 GB = 1e9 bytes)",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e6,
     .min_exclusive = true,
     .target = &RingConfig::link_bandwidth_GBps},
    {.key = "latency_us",
     .unit = "us",
     .doc = "alpha of one hop: a message over h links arrives h x it after its last byte",
     .presence = core::Presence::required,
     .min = 0,
     .max = 1e6,
     .target = &RingConfig::latency_us},
    {.key = "window_ns",
     .unit = "ns",
     .doc = "bandwidth accounting window of each link's calendar",
     .min = 0,
     .max = 1e9,
     .min_exclusive = true,
     .target = &RingConfig::window_ns},
    hw::energy_field<RingConfig>("link_pJ_per_byte", "energy per byte over one link (both SerDes ends)",
                                 &RingConfig::link_pJ_per_byte),
    hw::energy_field<RingConfig>("static_W", "static power of one device's two links while the machine runs",
                                 &RingConfig::static_W),
});

constexpr ActionInfo ring_actions[] = {link_action};

class Ring final : public LinkedInterconnect {
 public:
  explicit Ring(const RingConfig& config)
      : LinkedInterconnect(2 * static_cast<std::size_t>(config.devices), config.window_ns), config_(config) {}

  models::InterconnectFigures figures() const override {
    return models::InterconnectFigures{.devices = config_.devices,
                                       .topology = models::Topology::ring,
                                       .link_GBps = config_.link_bandwidth_GBps,
                                       .latency_us = config_.latency_us};
  }

  double send(std::int64_t src, std::int64_t dst, double bytes, double start_ns, int direction) override {
    const std::int64_t n = config_.devices;
    const std::int64_t forward = ((dst - src) % n + n) % n;  // hops going +1
    const bool clockwise = direction > 0 || (direction == 0 && forward <= n - forward);
    const std::int64_t hops = clockwise ? forward : n - forward;
    // Link 2d carries device d's messages to d + 1, link 2d + 1 those to d - 1.
    route_.clear();
    for (std::int64_t h = 0, d = src; h < hops; ++h, d = ((clockwise ? d + 1 : d - 1) % n + n) % n)
      route_.push_back({static_cast<std::size_t>(2 * d + (clockwise ? 0 : 1)), config_.link_bandwidth_GBps});
    return book(bytes, start_ns, static_cast<double>(hops) * config_.latency_us * 1e3, false,
                static_cast<double>(hops));
  }

 private:
  RingConfig config_;
};

std::unique_ptr<Ring> make_ring(const RingConfig& config, const core::ConfigNode&) {
  return std::make_unique<Ring>(config);
}

}  // namespace
}  // namespace cascadesim::hw

CASCADESIM_REGISTER_COMPONENT(ring, "interconnect", "ring",
                              "devices in a ring of direct links to their neighbours, one each way; messages cross "
                              "every link between sender and receiver",
                              cascadesim::hw::RingConfig, cascadesim::hw::ring_fields,
                              cascadesim::hw::interconnect_stats, cascadesim::hw::ring_actions,
                              cascadesim::hw::make_ring)
