// The links between devices (role "interconnect"): every message books the directed links its route crosses, each
// a bandwidth calendar as the memory channels have, so messages that share a link in time queue behind each other.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "hw/component_registry.hpp"
#include "hw/memory/bandwidth_calendar.hpp"
#include "models/collectives.hpp"

namespace cascadesim::hw {

class Interconnect : public hw::Component {
 public:
  // Contract: the figures the analytical model's closed forms read (models/collectives.hpp), from this section.
  virtual models::InterconnectFigures figures() const = 0;
  std::int64_t devices() const { return figures().devices; }
  // Contract: 0 <= src, dst < devices(), src != dst, bytes >= 0, start_ns >= 0. Sends bytes from src to dst,
  // starting no earlier than start_ns; returns when the last byte has arrived. direction: +1 / -1 force a ring's
  // way round (TokenRing sends both ways); 0 takes the shortest (other topologies ignore it).
  virtual double send(std::int64_t src, std::int64_t dst, double bytes, double start_ns, int direction) = 0;
};

// The statistics every interconnect keeps (constant, so that the registrations of other files see them).
inline constexpr core::StatInfo interconnect_stats[] = {
    {"messages", "", "messages sent (zero-byte messages are not counted)"},
    {"link_bytes", "bytes", "bytes carried by in-node links, once per hop"},
    {"network_bytes", "bytes", "bytes carried between nodes, once per hop"},
    {"busy_ns", "ns", "sum over hops of the time a link spent carrying a message at its full rate"},
    {"wait_ns", "ns", "sum over messages of the arrival minus the arrival on idle links: the time lost to contention"},
    {"sent_bytes", "bytes", "bytes the devices sent (once per message, whatever its hops)"},
};

// The calendars and statistics of an interconnect; implementations supply the route of each message.
class LinkSet {
 public:
  LinkSet(std::size_t links, double window_ns) : window_ns_(window_ns), links_(links) {}
  // One directed link (index) of bandwidth GBps, as a message's route crosses it.
  struct Hop {
    std::size_t link;
    double GBps;
  };
  // Cut-through: every hop's transfer starts at start_ns at the earliest and runs at its link's rate, queued behind
  // what the link already carries; the message arrives when its slowest hop is done, plus latency_ns. Its bytes
  // count `hops` times (the links it crosses: a switch's in and out ports are one) under network_bytes when
  // `network`, else under link_bytes.
  double book(const std::vector<Hop>& route, double bytes, double start_ns, double latency_ns, bool network,
              double hops, core::StatSet& stats);
  void reset();

 private:
  double window_ns_;
  std::vector<std::unique_ptr<BandwidthCalendar>> links_;  // one calendar per link, made on first use
};

// An interconnect whose messages book a LinkSet: the statistics, the reset and the route scratch all three share.
class LinkedInterconnect : public Interconnect {
 public:
  LinkedInterconnect(std::size_t links, double window_ns) : stats_(interconnect_stats), links_(links, window_ns) {}
  const core::StatSet& stats() const override { return stats_; }
  void reset() override {
    links_.reset();
    stats_.reset();
  }

 protected:
  // Books the message along route_ (LinkSet::book).
  double book(double bytes, double start_ns, double latency_ns, bool network, double hops) {
    return links_.book(route_, bytes, start_ns, latency_ns, network, hops, stats_);
  }
  std::vector<LinkSet::Hop> route_;

 private:
  core::StatSet stats_;
  LinkSet links_;
};

namespace interconnect_stat {
constexpr std::size_t messages = 0, link_bytes = 1, network_bytes = 2, busy_ns = 3, wait_ns = 4, sent_bytes = 5;
}  // namespace interconnect_stat

// The actions of interconnects: bytes over in-node links and over the network, per hop.
inline constexpr ActionInfo link_action{
    .name = "link",
    .unit = "byte",
    .energy_key = "link_pJ_per_byte",
    .stats = {"link_bytes"},
    .work = models::Work::link_bytes,
    .doc = "one byte over one in-node link (NVLink, PCIe), SerDes at both ends and the switch between"};
inline constexpr ActionInfo network_action{.name = "network",
                                           .unit = "byte",
                                           .energy_key = "network_pJ_per_byte",
                                           .stats = {"network_bytes"},
                                           .work = models::Work::network_bytes,
                                           .doc = "one byte between nodes: NICs, cables and the network switch"};

}  // namespace cascadesim::hw
