// Per-action energy: each component's actions counted from its statistics and priced by its section's figures,
// static power per instance, sections without figures left out, bad figures refused. Expected joules are worked by
// hand from the counts and the figures written here.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "component_builder.hpp"
#include "core/config_error.hpp"
#include "hw/compute/matrix_unit.hpp"
#include "hw/memory/memory_level.hpp"
#include "hw/system/machine_energy.hpp"
#include "recording_memory.hpp"

using namespace cascadesim;
using core::Json;

namespace {

Json energy_hbm_section() {
  return {{"impl", "hbm"},     {"bytes", 16e9},     {"channels", 4},        {"channel_bandwidth_GBps", 32},
          {"latency_ns", 100}, {"burst_bytes", 64}, {"read_pJ_per_bit", 4}, {"write_pJ_per_bit", 5},
          {"static_W", 2}};
}

std::vector<double> counted(const hw::Component& c) { return hw::action_counts(*c.entry(), c.stats().values()); }

}  // namespace

TEST_CASE("HBM prices every bit read and written at its section's figures") {
  const auto hbm = test::build_component<hw::MemoryLevel>("memory", energy_hbm_section());
  hbm->access(hw::MemoryRequest{.address = 0, .bytes = 1000}, 0);
  hbm->access(hw::MemoryRequest{.address = 4096, .bytes = 256, .write = true}, 0);
  // 1000 bytes read = 8000 bits, 256 bytes written = 2048 bits.
  CHECK(counted(*hbm) == std::vector<double>{8000, 2048});
  const auto figures = hw::component_figures("memory", *hbm);
  REQUIRE(figures.has_value());
  models::EnergyBreakdown e;
  e.figures = std::make_shared<const models::EnergyFigures>(models::EnergyFigures{{*figures}, {}, false});
  e.counts = counted(*hbm);
  e.time_s = 1e-6;
  // 8000 x 4 pJ + 2048 x 5 pJ = 42,240 pJ; 2 W for 1 us = 2 uJ.
  CHECK(e.dynamic_J() == doctest::Approx(42240e-12));
  CHECK(e.static_J() == doctest::Approx(2e-6));
  CHECK(e.total_J() == doctest::Approx(42240e-12 + 2e-6));
  CHECK(e.edp_Js() == doctest::Approx((42240e-12 + 2e-6) * 1e-6));
}

TEST_CASE("the L2 prices reads, writes and the fills of missed tiles") {
  test::RecordingMemory next(10);
  const auto l2 = test::build_component<hw::MemoryLevel>("l2", {{"impl", "tile_cache"},
                                                                {"bytes", 1 << 20},
                                                                {"bandwidth_GBps", 100},
                                                                {"latency_ns", 1},
                                                                {"read_pJ_per_byte", 1},
                                                                {"write_pJ_per_byte", 2},
                                                                {"fill_pJ_per_byte", 3},
                                                                {"static_W", 0}});
  l2->bind_next(&next);
  l2->access(hw::MemoryRequest{.address = 0, .bytes = 4096, .tile_id = 7}, 0);     // miss: read and fill
  l2->access(hw::MemoryRequest{.address = 0, .bytes = 4096, .tile_id = 7}, 1000);  // hit: read only
  l2->access(hw::MemoryRequest{.address = 1 << 20, .bytes = 512}, 2000);           // stream: read only
  l2->access(hw::MemoryRequest{.address = 2 << 20, .bytes = 128, .write = true}, 3000);
  // Reads 4096 + 4096 + 512, writes 128, fills 4096 (the miss).
  CHECK(counted(*l2) == std::vector<double>{8704, 128, 4096});
}

TEST_CASE("a matrix unit prices its useful MACs") {
  const auto unit = test::build_component<hw::MatrixUnit>(
      "matrix_unit", {{"impl", "tensor_core"}, {"macs_per_cycle", 64}, {"mac_pJ", 0.5}, {"static_W", 0.25}});
  unit->count(100, 6400);
  unit->count(10, 64);
  CHECK(counted(*unit) == std::vector<double>{6464});
  CHECK(unit->per_core());
  const auto figures = hw::component_figures("matrix_unit", *unit);
  REQUIRE(figures.has_value());
  CHECK(figures->actions.front().pJ == 0.5);
  CHECK(figures->static_W == 0.25);
}

TEST_CASE("static power counts every core's instance of a per-core unit, once for shared ones") {
  const Json hardware = {
      {"matrix_unit", {{"impl", "systolic"}, {"rows", 2}, {"cols", 2}, {"mac_pJ", 1}, {"static_W", 0.5}}},
      {"memory", energy_hbm_section()},
  };
  core::ConfigErrors errors;
  const models::EnergyFigures figures = hw::energy_figures(core::ConfigNode({{&hardware, "hw.json", ""}}, errors));
  errors.throw_if_any();
  REQUIRE(figures.components.size() == 2);
  CHECK(figures.missing.empty());
  CHECK_FALSE(figures.selection_on_engine);
  models::EnergyBreakdown e;
  e.figures = std::make_shared<const models::EnergyFigures>(figures);
  e.cores = 4;
  e.time_s = 2;
  e.counts.assign(figures.action_count(), 0.0);
  // 4 cores x 0.5 W + 2 W of memory = 4 W, for 2 s.
  CHECK(e.static_W() == doctest::Approx(4));
  CHECK(e.static_J() == doctest::Approx(8));
  CHECK(e.dynamic_J() == 0);
}

TEST_CASE("a section without all of its energy figures is listed as missing and left out of every sum") {
  Json partial = energy_hbm_section();
  partial.erase("write_pJ_per_bit");
  const Json hardware = {
      {"memory", partial},
      {"topk", {{"impl", "sorter"}, {"elements_per_cycle", 4}, {"candidate_pJ", 0.5}, {"static_W", 0.01}}},
      {"noc", {{"impl", "crossbar"}, {"port_bandwidth_GBps", 10}, {"latency_ns", 1}}},
  };
  core::ConfigErrors errors;
  const models::EnergyFigures figures = hw::energy_figures(core::ConfigNode({{&hardware, "hw.json", ""}}, errors));
  errors.throw_if_any();
  REQUIRE(figures.components.size() == 1);
  CHECK(figures.components.front().name == "topk");
  CHECK(figures.missing == std::vector<std::string>{"memory", "noc"});
  CHECK_FALSE(figures.complete());
  CHECK(figures.selection_on_engine);
}

TEST_CASE("a negative or non-numeric energy figure is refused naming the file and its pointer") {
  CHECK(test::component_errors<hw::MatrixUnit>("matrix_unit",
                                               {{"impl", "tensor_core"}, {"macs_per_cycle", 64}, {"mac_pJ", -1}}) ==
        std::vector<std::string>{"hw.json: /matrix_unit/mac_pJ: must be >= 0 (got -1)"});
  Json hbm = energy_hbm_section();
  hbm["static_W"] = "lots";
  CHECK(test::component_errors<hw::MemoryLevel>("memory", hbm) ==
        std::vector<std::string>{"hw.json: /memory/static_W: expected a number (got string \"lots\")"});
  hbm = energy_hbm_section();
  hbm["read_pJ_per_bit"] = 1e9;
  CHECK(test::component_errors<hw::MemoryLevel>("memory", hbm) ==
        std::vector<std::string>{"hw.json: /memory/read_pJ_per_bit: must be <= 1000000 (got 1000000000)"});
}

TEST_CASE("every registered component declares its actions, priced by fields of its own section") {
  for (const hw::ComponentEntry& e : hw::ComponentCatalog::instance().entries()) {
    CAPTURE(e.role);
    CAPTURE(e.name);
    CHECK_FALSE(e.actions.empty());
    auto has_param = [&e](std::string_view key) {
      for (const core::ParamInfo& p : e.params)
        if (p.key == key && p.unit == (key == hw::static_power_key ? "W" : "pJ")) return true;
      return false;
    };
    CHECK(has_param(hw::static_power_key));
    for (const hw::ActionInfo& a : e.actions) CHECK(has_param(a.energy_key));
  }
}
