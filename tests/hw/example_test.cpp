// The example component and the registry: implementations register by name, build from a config section,
// reject bad sections with file and pointer, and count their statistics.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "hw/example/link.hpp"

using namespace cascadesim;
using core::ConfigErrors;
using core::ConfigNode;
using core::Json;

namespace {
// Builds a Link from an inline section, as a hardware preset would hold it under "/link".
std::unique_ptr<hw::Link> build(const Json& section, ConfigErrors& errors) {
  const ConfigNode node({ConfigNode::Layer{&section, "hw.json", "/link"}}, errors);
  return hw::make_component_as<hw::Link>("example", node);
}

std::string first_error(const Json& section) {
  ConfigErrors errors;
  auto link = build(section, errors);
  CHECK(link == nullptr);
  try {
    errors.throw_if_any();
  } catch (const core::ConfigError& e) {
    return e.issues().front().line();
  }
  return "";
}
}  // namespace

TEST_CASE("the registry lists every example implementation by name") {
  std::vector<std::string> names;
  for (const hw::ComponentEntry* e : hw::ComponentCatalog::instance().role("example")) names.push_back(e->name);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"bandwidth", "fixed_latency"});
}

TEST_CASE("registered components carry their parameters and statistics for describe") {
  const hw::ComponentEntry* e = hw::ComponentCatalog::instance().find("example", "bandwidth");
  REQUIRE(e != nullptr);
  REQUIRE(e->params.size() == 4);
  CHECK(e->params[1].key == "bandwidth_GBps");
  CHECK(e->params[1].unit == "GB/s");
  CHECK(e->params[1].required);
  CHECK(e->params[0].default_value == "10.0");
  REQUIRE(e->stats.size() == 3);
  CHECK(e->stats[1].name == "bytes");
  // Its one action: bytes moved, priced per byte, with static power beside it.
  REQUIRE(e->actions.size() == 1);
  CHECK(e->actions[0].energy_key == "transfer_pJ_per_byte");
  CHECK(e->params[2].key == "transfer_pJ_per_byte");
  CHECK(e->params[2].default_value == "null");  // no energy figure unless the preset gives one
  CHECK(e->params[3].key == "static_W");
}

TEST_CASE("the impl key picks the implementation and its config") {
  ConfigErrors errors;
  auto fixed = build(Json{{"impl", "fixed_latency"}, {"latency_ns", 25}}, errors);
  auto stream = build(Json{{"impl", "bandwidth"}, {"latency_ns", 100}, {"bandwidth_GBps", 50}}, errors);
  REQUIRE(errors.empty());
  CHECK(fixed->transfer_ns(1 << 20) == 25.0);
  // 100 ns + 1e6 bytes / (50 bytes per ns)
  CHECK(stream->transfer_ns(1000000) == doctest::Approx(100.0 + 20000.0));
  CHECK(stream->stats().value("bytes") == 1000000.0);
  CHECK(stream->stats().value("transfers") == 1.0);
}

TEST_CASE("bad component sections are reported with file and pointer") {
  CHECK(first_error(Json{{"impl", "bandwidht"}, {"bandwidth_GBps", 1}}) ==
        "hw.json: /link/impl: unknown example model 'bandwidht' (did you mean 'bandwidth'?); registered: bandwidth, "
        "fixed_latency");
  CHECK(first_error(Json{{"latency_ns", 1}}).find("hw.json: /link/impl: missing required key") == 0);
  CHECK(first_error(Json{{"impl", "bandwidth"}}) ==
        "hw.json: /link/bandwidth_GBps: missing required key (bytes per second once streaming (1 GB = 1e9 bytes), "
        "in GB/s)");
  CHECK(first_error(Json{{"impl", "bandwidth"}, {"bandwidth_GBps", 0}}) ==
        "hw.json: /link/bandwidth_GBps: must be > 0 (got 0)");
  CHECK(first_error(Json{{"impl", "fixed_latency"}, {"latency", 3}}) ==
        "hw.json: /link/latency: unknown key 'latency' (did you mean 'latency_ns'?)");
}
