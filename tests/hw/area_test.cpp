// Component areas: each component's area comes from its own config section's figures (per unit of its size), a
// section without figures gives none, and a machine's area adds its sections, per-core ones once per core.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>

#include "component_builder.hpp"
#include "hw/component_registry.hpp"
#include "hw/system/machine_area.hpp"

namespace cascadesim {
namespace {

using core::Json;

std::optional<hw::ComponentArea> area_of(const std::string& role, const Json& section) {
  return test::build_component<hw::Component>(role, section)->area();
}

TEST_CASE("each component's area scales its own section's figure by its size") {
  const auto systolic =
      area_of("matrix_unit", {{"impl", "systolic"}, {"rows", 4}, {"cols", 8}, {"area_mm2_per_pe", 0.5}});
  REQUIRE(systolic.has_value());
  CHECK(systolic->mm2 == 16.0);  // 32 PEs
  CHECK(systolic->per_core);
  const auto tensor =
      area_of("matrix_unit", {{"impl", "tensor_core"}, {"macs_per_cycle", 512}, {"area_mm2_per_mac", 0.25}});
  CHECK(tensor->mm2 == 128.0);
  CHECK(area_of("vector_unit",
                {{"impl", "simd"}, {"flops_per_cycle", 64}, {"exps_per_cycle", 8}, {"area_mm2_per_lane", 0.5}})
            ->mm2 == 32.0);
  const auto sorter = area_of("topk", {{"impl", "sorter"}, {"elements_per_cycle", 16}, {"area_mm2_per_lane", 0.125}});
  CHECK(sorter->mm2 == 2.0);
  CHECK(sorter->per_core);
  // Shared: the L2 per MiB of capacity, the memory interface per channel, the crossbar as a whole.
  const auto l2 = area_of("l2", {{"impl", "tile_cache"},
                                 {"bytes", 3 << 20},
                                 {"bandwidth_GBps", 100},
                                 {"latency_ns", 1},
                                 {"area_mm2_per_MiB", 2.0}});
  CHECK(l2->mm2 == 6.0);
  CHECK_FALSE(l2->per_core);
  CHECK(area_of("memory", {{"impl", "hbm"},
                           {"bytes", 16e9},
                           {"channels", 8},
                           {"channel_bandwidth_GBps", 32},
                           {"latency_ns", 100},
                           {"area_mm2_per_channel", 1.5}})
            ->mm2 == 12.0);
  CHECK(
      area_of("noc", {{"impl", "crossbar"}, {"port_bandwidth_GBps", 100}, {"latency_ns", 5}, {"area_mm2", 3.0}})->mm2 ==
      3.0);
  const auto dma = area_of("dma", {{"impl", "bounded"}, {"area_mm2", 0.25}});
  CHECK(dma->mm2 == 0.25);
  CHECK(dma->per_core);
}

TEST_CASE("a section without area figures gives no area rather than zero") {
  CHECK_FALSE(area_of("matrix_unit", {{"impl", "systolic"}, {"rows", 4}, {"cols", 8}}).has_value());
  CHECK_FALSE(area_of("topk", {{"impl", "sorter"}, {"elements_per_cycle", 16}}).has_value());
  CHECK_FALSE(area_of("dma", {{"impl", "bounded"}}).has_value());
}

TEST_CASE("a machine's area adds every section's area, per-core components once per core") {
  const Json hardware = {
      {"matrix_unit", {{"impl", "systolic"}, {"rows", 2}, {"cols", 2}, {"area_mm2_per_pe", 1.0}}},
      {"vector_unit", {{"impl", "simd"}, {"flops_per_cycle", 4}, {"exps_per_cycle", 1}, {"area_mm2_per_lane", 0.5}}},
      {"l2",
       {{"impl", "tile_cache"},
        {"bytes", 1 << 20},
        {"bandwidth_GBps", 100},
        {"latency_ns", 1},
        {"area_mm2_per_MiB", 10.0}}},
      {"cores", 4}};
  core::ConfigErrors errors;
  const hw::MachineArea area = hw::machine_area(core::ConfigNode({{&hardware, "hw.json", ""}}, errors));
  CHECK(area.complete());
  CHECK(area.per_core_mm2 == 6.0);  // 4 PEs + 4 lanes x 0.5
  CHECK(area.shared_mm2 == 10.0);
  CHECK(area.total_mm2(4) == 34.0);

  Json without_figures = hardware;
  without_figures["l2"].erase("area_mm2_per_MiB");
  const hw::MachineArea partial = hw::machine_area(core::ConfigNode({{&without_figures, "hw.json", ""}}, errors));
  CHECK_FALSE(partial.complete());
  CHECK(partial.missing == std::vector<std::string>{"l2"});
  CHECK(errors.empty());
}

}  // namespace
}  // namespace cascadesim
