// The link calendars every interconnect books its messages on.
#include "hw/interconnect/interconnect.hpp"

#include <algorithm>

namespace cascadesim::hw {

double LinkSet::book(const std::vector<Hop>& route, double bytes, double start_ns, double latency_ns, bool network,
                     double hops, core::StatSet& stats) {
  if (bytes <= 0 || route.empty()) return start_ns;
  double done = start_ns, idle_done = start_ns;
  for (const Hop& hop : route) {
    std::unique_ptr<BandwidthCalendar>& link = links_[hop.link];
    if (!link) link = std::make_unique<BandwidthCalendar>(hop.GBps, window_ns_);
    done = std::max(done, link->reserve(start_ns, bytes));
    // GB/s is bytes per ns.
    idle_done = std::max(idle_done, start_ns + bytes / hop.GBps);
    stats[interconnect_stat::busy_ns] += bytes / hop.GBps;
  }
  stats[interconnect_stat::messages] += 1;
  stats[network ? interconnect_stat::network_bytes : interconnect_stat::link_bytes] += bytes * hops;
  stats[interconnect_stat::wait_ns] += done - idle_done;
  stats[interconnect_stat::sent_bytes] += bytes;
  return done + latency_ns;
}

void LinkSet::reset() {
  for (auto& link : links_) link.reset();
}

}  // namespace cascadesim::hw
