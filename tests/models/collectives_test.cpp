// The alpha-beta closed forms against the published expressions, worked by hand.
#include <doctest/doctest.h>

#include "models/collectives.hpp"

namespace cascadesim::models {
namespace {

InterconnectFigures nvswitch8() {
  return InterconnectFigures{.devices = 8, .topology = Topology::switched, .link_GBps = 450, .latency_us = 3.4};
}

}  // namespace

TEST_CASE("ring all-reduce is 2(p-1) alpha + 2(p-1)/p n beta (Patarasuk and Yuan 2009)") {
  // p = 8, n = 1 GB, alpha = 3.4 us, beta = 1 / 450 GB/s: 14 x 3.4 us + 1.75 x 1e9 / 450e9 s = 47.6 us + 3888.9 us.
  CHECK(collective_time_s(Collective::all_reduce, 1e9, 8, nvswitch8()) == doctest::Approx(3936.49e-6).epsilon(1e-5));
}

TEST_CASE("ring all-gather and reduce-scatter are (p-1) alpha + (p-1)/p n beta (Thakur et al. 2005)") {
  // 7 x 3.4 us + 0.875 x 1e9 / 450e9 s = 23.8 us + 1944.4 us.
  CHECK(collective_time_s(Collective::all_gather, 1e9, 8, nvswitch8()) == doctest::Approx(1968.24e-6).epsilon(1e-5));
  CHECK(collective_time_s(Collective::reduce_scatter, 1e9, 8, nvswitch8()) ==
        collective_time_s(Collective::all_gather, 1e9, 8, nvswitch8()));
}

TEST_CASE("send/recv is alpha + n beta and a single device communicates nothing") {
  CHECK(collective_time_s(Collective::send_recv, 45e6, 8, nvswitch8()) == doctest::Approx(3.4e-6 + 100e-6));
  for (Collective c : {Collective::send_recv, Collective::all_gather, Collective::all_reduce, Collective::all_to_all})
    CHECK(collective_time_s(c, 1e9, 1, nvswitch8()) == 0);
}

TEST_CASE("all-to-all: pairwise exchange through a switch, bisection-bound on a ring") {
  // Switch: 7 x (3.4 us + 1e9 / 8 / 450e9 s) = 7 x 281.18 us.
  CHECK(collective_time_s(Collective::all_to_all, 1e9, 8, nvswitch8()) ==
        doctest::Approx(7 * (3.4e-6 + 1e9 / 8 / 450e9)).epsilon(1e-9));
  // Ring of 8: steps 1..7 cross min(s, 8 - s) = 1,2,3,4,3,2,1 hops, 16 block times = floor(64 / 4).
  InterconnectFigures ring = nvswitch8();
  ring.topology = Topology::ring;
  CHECK(collective_time_s(Collective::all_to_all, 1e9, 8, ring) ==
        doctest::Approx(16 * (3.4e-6 + 1e9 / 8 / 450e9)).epsilon(1e-9));
  CHECK(collective_sent_bytes(Collective::all_to_all, 1e9, 8, ring) == doctest::Approx(2e9));
}

TEST_CASE("a ring through several nodes runs at its network hops' rate") {
  const InterconnectFigures pod{.devices = 16,
                                .topology = Topology::two_level,
                                .link_GBps = 450,
                                .latency_us = 3.4,
                                .devices_per_node = 8,
                                .node_link_GBps = 50,
                                .node_latency_us = 6};
  // Within a node: NVLink; over two nodes: 15 x 6 us + 1.875 x 1e9 / 50e9 s.
  CHECK(collective_time_s(Collective::all_reduce, 1e9, 8, pod) ==
        collective_time_s(Collective::all_reduce, 1e9, 8, nvswitch8()));
  CHECK(collective_time_s(Collective::all_reduce, 1e9, 16, pod) == doctest::Approx(30 * 6e-6 + 2 * 15.0 / 16 / 50));
}

}  // namespace cascadesim::models
