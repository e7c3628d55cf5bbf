// An exception escaping a simulated unit, in its own executable: the run stops the SystemC kernel, which no later
// run in the same process could restart.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <new>

#include "core/config_error.hpp"
#include "hw/system/system.hpp"
#include "models/dataflow/layer.hpp"
#include "sim/config/study_loader.hpp"
#include "sim/engine/engine.hpp"

using namespace cascadesim;
using models::dataflow::AttentionWork;
using models::dataflow::PatternSpace;

namespace {

// A pattern whose lists cannot be built: the first list a unit asks for fails as an allocation would.
struct ListsThatCannotBeAllocated final : models::dataflow::AttentionPattern {
  void visited_tiles(const PatternSpace&, std::int64_t, std::int64_t, std::vector<std::int64_t>&) const override {
    throw std::bad_alloc();
  }
  std::int64_t visited_count(const PatternSpace&, std::int64_t, std::int64_t q) const override {
    return std::min<std::int64_t>(q + 1, 2);
  }
  core::Json config() const override { return core::Json::object(); }
};

}  // namespace

TEST_CASE("an allocation failing inside a simulated unit is raised as itself, not as SystemC's error") {
  const sim::LoadedStudy loaded = sim::load_study_text(
      R"({"schema_version": 1, "name": "t", "hardware": "h100-sxm", "model": "llama-3.2-1b",
          "workload": {"phase": "prefill", "seq_len": 1024, "tile_tokens": 128}})",
      "t.json", sim::LoadOptions{});
  core::ConfigErrors errors;
  const core::ConfigNode node(loaded.hardware_layers, errors);
  std::unique_ptr<hw::System> system = hw::System::build(node, loaded.study.hardware);
  errors.throw_if_any();
  AttentionWork w;
  w.heads = w.kv_heads = 4;
  w.head_dim = 64;
  w.query_tiles = w.key_tiles = 8;
  w.tile_tokens = w.rows = 128;
  w.top_k = 2;
  w.pattern = std::make_shared<ListsThatCannotBeAllocated>();
  const models::dataflow::Kernel sparse{"sparse", models::Op::attention, 0, models::LayerKind::reuse, w};
  CHECK_THROWS_AS(sim::run_kernels(*system, {sparse}, sim::RunOptions{}), std::bad_alloc);
}
