// The alpha-beta closed forms of the collectives (Hockney's model: a message of n bytes costs alpha + n beta).
#include "models/collectives.hpp"

#include <algorithm>

namespace cascadesim::models {

std::string_view to_string(Topology topology) {
  switch (topology) {
    case Topology::switched:
      return "switched";
    case Topology::ring:
      return "ring";
    case Topology::two_level:
      break;
  }
  return "two_level";
}

std::string_view to_string(Collective collective) {
  switch (collective) {
    case Collective::send_recv:
      return "send_recv";
    case Collective::all_gather:
      return "all_gather";
    case Collective::reduce_scatter:
      return "reduce_scatter";
    case Collective::all_reduce:
      return "all_reduce";
    case Collective::all_to_all:
      break;
  }
  return "all_to_all";
}

AlphaBeta ring_step(const InterconnectFigures& net, std::int64_t p) {
  AlphaBeta in_node{net.latency_us * 1e-6, 1.0 / (net.link_GBps * 1e9)};
  if (net.topology != Topology::two_level || p <= net.devices_per_node) return in_node;
  // A ring over several nodes crosses the network at every node boundary; every step waits for its slowest hop.
  const AlphaBeta network{net.node_latency_us * 1e-6, 1.0 / (net.node_link_GBps * 1e9)};
  return AlphaBeta{std::max(in_node.alpha_s, network.alpha_s),
                   std::max(in_node.beta_s_per_byte, network.beta_s_per_byte)};
}

namespace {
// Pairwise-exchange all-to-all on a bidirectional ring with shortest routes: in step s every device sends one block
// min(s, p - s) hops, and every link of the direction taken carries that many blocks at once; the steps together
// cost sum_s min(s, p - s) = floor(p^2 / 4) block times (the ring's bisection of 4 links carries p^2 / 4 blocks).
double ring_all_to_all_block_times(std::int64_t p) { return static_cast<double>((p * p) / 4); }
}  // namespace

double collective_time_s(Collective collective, double bytes, std::int64_t p, const InterconnectFigures& net) {
  if (p <= 1) return 0;
  const AlphaBeta ab = ring_step(net, p);
  const double steps = static_cast<double>(p - 1);
  const double block = bytes / static_cast<double>(p);
  switch (collective) {
    case Collective::send_recv:
      // Hockney: alpha + n beta, between ring neighbours.
      return ab.alpha_s + bytes * ab.beta_s_per_byte;
    case Collective::all_gather:
    case Collective::reduce_scatter:
      // Ring: p - 1 steps of one block each, (p - 1) alpha + (p - 1)/p n beta (Thakur, Rabenseifner and Gropp,
      // "Optimization of Collective Communication Operations in MPICH", IJHPCA 2005, sec. 4 and 5).
      return steps * (ab.alpha_s + block * ab.beta_s_per_byte);
    case Collective::all_reduce:
      // Ring all-reduce, a reduce-scatter then an all-gather: 2(p - 1) alpha + 2 (p - 1)/p n beta, the bandwidth
      // optimum (Patarasuk and Yuan, "Bandwidth optimal all-reduce algorithms for clusters of workstations", JPDC
      // 2009, eq. 1 and Theorem 1; Thakur et al. 2005 sec. 5, Rabenseifner's algorithm).
      return 2.0 * steps * (ab.alpha_s + block * ab.beta_s_per_byte);
    case Collective::all_to_all:
      // Pairwise exchange: p - 1 steps of one block, (p - 1) alpha + (p - 1)/p n beta (Thakur et al. 2005 sec. 4.4,
      // long messages, n the whole send buffer); a ring's links carry several blocks per step.
      if (net.topology == Topology::ring)
        return ring_all_to_all_block_times(p) * (ab.alpha_s + block * ab.beta_s_per_byte);
      return steps * (ab.alpha_s + block * ab.beta_s_per_byte);
  }
  return 0;
}

double collective_sent_bytes(Collective collective, double bytes, std::int64_t p, const InterconnectFigures& net) {
  if (p <= 1) return 0;
  const double leaving = bytes * static_cast<double>(p - 1) / static_cast<double>(p);
  switch (collective) {
    case Collective::send_recv:
      return bytes;
    case Collective::all_gather:
    case Collective::reduce_scatter:
      return leaving;
    case Collective::all_reduce:
      return 2.0 * leaving;
    case Collective::all_to_all:
      if (net.topology == Topology::ring) return bytes / static_cast<double>(p) * ring_all_to_all_block_times(p);
      return leaving;
  }
  return 0;
}

}  // namespace cascadesim::models
