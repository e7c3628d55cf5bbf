// The top-k engine: expected quick-select time from hand-derived values, monotonic in candidates and k,
// statistics, and config errors with file and pointer.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "component_builder.hpp"
#include "core/config_error.hpp"
#include "hw/topk/topk_engine.hpp"

using namespace cascadesim;
using core::Json;

namespace {
std::unique_ptr<hw::TopkEngine> topk(const Json& section) {
  return test::build_component<hw::TopkEngine>("topk", section);
}

std::vector<std::string> errors_of(const Json& section) {
  return test::component_errors<hw::TopkEngine>("topk", section);
}
}  // namespace

TEST_CASE("the sorter is registered under the topk role with its parameters and statistics") {
  std::vector<std::string> names;
  for (const hw::ComponentEntry* e : hw::ComponentCatalog::instance().role("topk")) names.push_back(e->name);
  CHECK(names == std::vector<std::string>{"sorter"});
  const hw::ComponentEntry* e = hw::ComponentCatalog::instance().find("topk", "sorter");
  REQUIRE(e != nullptr);
  REQUIRE(e->params.size() == 5);
  CHECK(e->params[0].key == "elements_per_cycle");
  CHECK(e->params[0].required);
  CHECK(e->params[1].key == "latency_cycles");
  CHECK(e->params[1].default_value == "0.0");
  CHECK(e->params[2].key == "area_mm2_per_lane");
  CHECK(e->params[2].default_value == "null");  // no area figure unless the preset gives one
  CHECK(e->params[3].key == "candidate_pJ");
  CHECK(e->params[3].default_value == "null");  // nor an energy figure
  CHECK(e->params[4].key == "static_W");
  REQUIRE(e->stats.size() == 3);
  CHECK(e->stats[0].name == "selections");
  CHECK(e->stats[1].name == "candidates");
  CHECK(e->stats[2].name == "busy_cycles");
}

TEST_CASE("selecting 8 of 64 candidates on 16 comparators takes 2n compares plus k emits") {
  auto engine = topk({{"impl", "sorter"}, {"elements_per_cycle", 16}, {"latency_cycles", 3}});
  // 3 + (2 x 64 + 8) / 16 = 3 + 8.5
  CHECK(engine->select_cycles(64, 8) == doctest::Approx(11.5));
  // One candidate, k = 1: 3 + (2 + 1) / 16.
  CHECK(engine->select_cycles(1, 1) == doctest::Approx(3.0 + 3.0 / 16.0));
  auto bare = topk({{"impl", "sorter"}, {"elements_per_cycle", 4}});
  // No latency by default: (2 x 1024 + 32) / 4 = 520.
  CHECK(bare->select_cycles(1024, 32) == doctest::Approx(520.0));
}

TEST_CASE("selection time never falls as candidates or k grow") {
  auto engine = topk({{"impl", "sorter"}, {"elements_per_cycle", 16}, {"latency_cycles", 3}});
  int falls_with_candidates = 0;
  for (std::int64_t k = 1; k <= 64; ++k)
    for (std::int64_t n = k; n < 512; ++n)
      if (engine->select_cycles(n + 1, k) < engine->select_cycles(n, k)) ++falls_with_candidates;
  CHECK(falls_with_candidates == 0);
  int falls_with_k = 0;
  for (std::int64_t n : {1, 7, 64, 1000})
    for (std::int64_t k = 1; k < n; ++k)
      if (engine->select_cycles(n, k + 1) < engine->select_cycles(n, k)) ++falls_with_k;
  CHECK(falls_with_k == 0);
  // Strictly more work at both ends of the range.
  CHECK(engine->select_cycles(1000, 1) < engine->select_cycles(1000, 1000));
  CHECK(engine->select_cycles(64, 8) < engine->select_cycles(65, 8));
}

TEST_CASE("the top-k engine accumulates statistics until reset") {
  auto engine = topk({{"impl", "sorter"}, {"elements_per_cycle", 16}});
  engine->count(11.5, 64.0);
  engine->count(520.0, 1024.0);
  CHECK(engine->stats().value("selections") == 2.0);
  CHECK(engine->stats().value("candidates") == 1088.0);
  CHECK(engine->stats().value("busy_cycles") == 531.5);
  engine->reset();
  CHECK(engine->stats().value("selections") == 0.0);
  CHECK(engine->stats().value("candidates") == 0.0);
  CHECK(engine->stats().value("busy_cycles") == 0.0);
}

TEST_CASE("bad top-k sections are reported together with file and pointer") {
  CHECK(errors_of({{"impl", "sorter"}, {"elements_per_cycle", 0}, {"latency_cycles", -1}}) ==
        std::vector<std::string>{"hw.json: /topk/elements_per_cycle: must be > 0 (got 0)",
                                 "hw.json: /topk/latency_cycles: must be >= 0 (got -1)"});
  CHECK(errors_of({{"impl", "sorter"}, {"elements_per_cycle", 16}, {"latency", 3}}) ==
        std::vector<std::string>{"hw.json: /topk/latency: unknown key 'latency' (did you mean 'latency_cycles'?)"});
  CHECK(errors_of({{"impl", "sorter"}}) ==
        std::vector<std::string>{
            "hw.json: /topk/elements_per_cycle: missing required key (candidates compared with the pivot per cycle "
            "(parallel comparators), in elements/cycle)"});
  CHECK(errors_of({{"impl", "sortr"}, {"elements_per_cycle", 16}}) ==
        std::vector<std::string>{
            "hw.json: /topk/impl: unknown topk model 'sortr' (did you mean 'sorter'?); registered: sorter"});
}
