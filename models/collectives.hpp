// Devices and the links between them as the analytical model sees them, and the alpha-beta (Hockney) closed forms of
// the collectives parallel dataflows use: time = messages x alpha + bytes on the busiest link x beta.
#pragma once

#include <cstdint>
#include <string_view>

namespace cascadesim::models {

// switched: every device has one port into a non-blocking switch (NVSwitch, a PCIe switch); ring: each device
// links to its two neighbours only; two_level: nodes of devices on a switch, one network port per device between
// nodes (rail-optimized InfiniBand).
enum class Topology { switched, ring, two_level };
std::string_view to_string(Topology topology);

// The machine's interconnect, from its "interconnect" component section (hw::System::take_roofline_figures);
// one device when the section is absent.
struct InterconnectFigures {
  std::int64_t devices = 1;
  Topology topology = Topology::switched;
  double link_GBps = 0;               // one device's port (switched), one ring link, or the in-node port: per direction
  double latency_us = 0;              // alpha of one message over that link
  std::int64_t devices_per_node = 0;  // two_level only; otherwise every device is in one node
  double node_link_GBps = 0;          // two_level: one device's network port, per direction
  double node_latency_us = 0;         // two_level: alpha of one message between nodes
  bool multi_device() const { return devices > 1; }
  std::int64_t nodes() const {
    return topology == Topology::two_level && devices_per_node > 0 ? (devices + devices_per_node - 1) / devices_per_node
                                                                   : 1;
  }
};

enum class Collective { send_recv, all_gather, reduce_scatter, all_reduce, all_to_all };
std::string_view to_string(Collective collective);

// alpha (s per message) and beta (s per byte) of one step of a collective among p devices: the slowest hop a ring
// over them takes (a ring through several nodes is bound by its network hops, as NCCL's rings are).
struct AlphaBeta {
  double alpha_s = 0;
  double beta_s_per_byte = 0;
};
AlphaBeta ring_step(const InterconnectFigures& net, std::int64_t p);

// The closed form of one collective among the first p devices (p <= devices). bytes: the whole buffer of one device,
// as MPI counts it: all-reduce's vector, all-gather's output, reduce-scatter's input, send/recv's message, and
// all-to-all's send buffer (p blocks, one to each device, its own included). Reduction arithmetic is not counted
// (it runs on the devices' vector units). Sources in collectives.cpp. p = 1 costs nothing.
double collective_time_s(Collective collective, double bytes, std::int64_t p, const InterconnectFigures& net);

// Bytes one device sends over its links in that collective (its port's traffic; ring all-to-all counts every hop).
double collective_sent_bytes(Collective collective, double bytes, std::int64_t p, const InterconnectFigures& net);

}  // namespace cascadesim::models
