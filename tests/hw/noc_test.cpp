// The crossbar interconnect: one port per core with its own bandwidth, cut-through to a shared next level.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "component_builder.hpp"
#include "core/config_error.hpp"
#include "hw/memory/memory_level.hpp"
#include "recording_memory.hpp"

using namespace cascadesim;
using core::ConfigErrors;
using core::ConfigNode;
using core::Json;
using hw::MemoryLevel;
using hw::MemoryRequest;

namespace {

// A crossbar of 10 bytes/ns per port and 5 ns latency.
std::unique_ptr<MemoryLevel> crossbar() {
  return test::build_component<MemoryLevel>("noc",
                                            Json{{"impl", "crossbar"}, {"port_bandwidth_GBps", 10}, {"latency_ns", 5}});
}

MemoryRequest from_core(std::uint32_t core, std::uint64_t bytes, bool write = false) {
  MemoryRequest r;
  r.bytes = bytes;
  r.core = core;
  r.write = write;
  return r;
}

}  // namespace

TEST_CASE("the noc role lists the crossbar") {
  CHECK(hw::ComponentCatalog::instance().find("noc", "crossbar") != nullptr);
}

TEST_CASE("crossbar ports are independent per core") {
  auto noc = crossbar();
  test::RecordingMemory next(0);
  noc->bind_next(&next);
  // 1000 bytes at 10 bytes/ns on each core's own port: both done at 100 ns, + 5 ns.
  CHECK(noc->access(from_core(0, 1000), 0) == doctest::Approx(105));
  CHECK(noc->access(from_core(3, 1000), 0) == doctest::Approx(105));
  // A second request on core 0's port queues behind the first.
  CHECK(noc->access(from_core(0, 1000), 0) == doctest::Approx(205));
  CHECK(noc->stats().value("ports") == 2);
  CHECK(noc->stats().value("requests") == 3);
  CHECK(noc->stats().value("read_bytes") == 3000);
}

TEST_CASE("crossbar ports share the next level") {
  auto noc = crossbar();
  // The next level is one HBM channel of 10 bytes/ns: two cores' ports run in parallel, the channel does not.
  const Json hbm_section{
      {"impl", "hbm"}, {"bytes", 16e9}, {"channels", 1}, {"channel_bandwidth_GBps", 10}, {"latency_ns", 0}};
  auto hbm = test::build_component<MemoryLevel>("memory", hbm_section);
  noc->bind_next(hbm.get());
  const double a = noc->access(from_core(0, 1024), 0);
  const double b = noc->access(from_core(1, 1024), 0);
  CHECK(std::max(a, b) == doctest::Approx(2 * 102.4 + 5));
  CHECK(hbm->stats().value("read_bytes") == 2048);
}

TEST_CASE("the crossbar is cut-through: port and next level overlap, latency is added once") {
  auto noc = crossbar();
  test::RecordingMemory next(1000);
  noc->bind_next(&next);
  // Port done at 100, next level at 1000 (it got the request at 0): max + 5, not the sum.
  CHECK(noc->access(from_core(0, 1000), 0) == doctest::Approx(1005));
  // A request behind it on the same port reaches the next level when its own port transfer starts, at 100.
  CHECK(noc->access(from_core(0, 1000), 0) == doctest::Approx(1105));
  REQUIRE(next.issued_ns.size() == 2);
  CHECK(next.issued_ns[0] == 0);
  CHECK(next.issued_ns[1] == doctest::Approx(100));
  CHECK(noc->stats().value("port_wait_ns") == doctest::Approx(100));
  CHECK(noc->stats().value("port_busy_ns") == doctest::Approx(200));
}

TEST_CASE("crossbar reset frees the ports and zeroes the statistics") {
  auto noc = crossbar();
  test::RecordingMemory next(0);
  noc->bind_next(&next);
  noc->access(from_core(0, 1000, true), 0);
  CHECK(noc->stats().value("write_bytes") == 1000);
  noc->reset();
  for (double v : noc->stats().values()) CHECK(v == 0);
  CHECK(noc->access(from_core(0, 1000), 0) == doctest::Approx(105));
}

TEST_CASE("crossbar config errors are reported with file and pointer") {
  CHECK_THROWS_WITH_AS(test::build_component<MemoryLevel>("noc", Json{{"impl", "crossbar"}, {"latency_ns", 5}}),
                       doctest::Contains("hw.json: /noc/port_bandwidth_GBps: missing required key"), core::ConfigError);
  CHECK_THROWS_WITH_AS(
      test::build_component<MemoryLevel>(
          "noc", Json{{"impl", "crossbar"}, {"port_bandwidth_GBps", 10}, {"latency_ns", 5}, {"window", 20}}),
      "hw.json: /noc/window: unknown key 'window' (did you mean 'window_ns'?)", core::ConfigError);
}
