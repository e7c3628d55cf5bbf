// Multi-step decode through both backends: the simulator replays each group of steps the analytical model sums, with
// the same tiles and bytes, K/V tiles offloaded to the host tier read over its link in both, and H2O's bookkeeping.
#include <doctest/doctest.h>

#include <string>

#include "hw/system/system.hpp"
#include "models/dataflow/layer.hpp"
#include "sim/engine/simulation.hpp"

using namespace cascadesim;

namespace {

// 2 query heads over 1 K/V head of 64, 4 layers; decode from 1024 tokens in tiles of 128, batch 2, on one H100
// with a host-memory tier; two anchors, so that layers read different lists (and different tiles from the host);
// decode is added by each case.
core::Json decode_study(const core::Json& decode) {
  core::Json study = core::Json::parse(R"({"schema_version": 1, "name": "decode-backends",
    "hardware": "h100-sxm-pcie5-host",
    "model": {"d_model": 128, "n_heads": 2, "n_kv_heads": 1, "head_dim": 64, "d_mlp": 256, "n_layers": 4,
              "mlp": "swiglu", "norm": "rmsnorm", "positional": "rope", "causal": true},
    "workload": {"phase": "decode", "seq_len": 1024, "tile_tokens": 128, "batch": 2, "top_k": 2,
                 "schedule": "1A+1R+1A+1R"}})");
  study["workload"]["decode"] = decode;
  return study;
}

// Every group's stack replayed kernel by kernel: the replay's blocks, requested bytes and host-link bytes against
// each kernel's description.
void check_groups_kernel_by_kernel(const sim::LoadedStudy& loaded) {
  const models::Study& st = loaded.study;
  core::ConfigErrors errors;
  const core::ConfigNode hardware(loaded.hardware_layers, errors);
  std::unique_ptr<hw::System> system = hw::System::build(hardware, st.hardware);
  REQUIRE(system);
  for (const models::DecodeStepGroup& g : models::decode_step_groups(st, false)) {
    INFO("group from step " << g.first_step);
    const models::LayerShape shape = models::decode_step_shape(st, g, false);
    const std::vector<models::dataflow::Kernel> kernels =
        models::dataflow::stack_kernels(st.model, shape, st.workload.schedule);
    const sim::RunResult r = sim::run_kernels(*system, kernels, sim::RunOptions{nullptr, 4, false});
    double host_bytes = 0;
    for (const sim::KernelRecord& k : r.kernels) {
      INFO("kernel " << k.name << " of layer " << k.layer);
      // Attention, selection and H2O's bookkeeping: every byte described is requested once (GEMMs re-read panels).
      if (k.op == models::Op::attention || k.op == models::Op::anchor_scoring)
        CHECK(k.requested_bytes == doctest::Approx(k.cost.hbm_bytes + k.cost.host_bytes).epsilon(1e-12));
      host_bytes += k.cost.host_bytes;
    }
    CHECK(r.host.read_bytes == host_bytes);
    CHECK(r.host.write_bytes == 0);
  }
}

}  // namespace

TEST_CASE("decode steps with re-selection and offload: both backends run the same groups and host-link bytes") {
  const core::Json decode = core::Json::parse(R"({"steps": 6, "reselect_every": 3, "kv_offload_fraction": 0.5})");
  sim::LoadedStudy loaded = sim::load_study_text(decode_study(decode).dump(), "decode-backends.json", {});
  check_groups_kernel_by_kernel(loaded);
  const sim::Simulation s = sim::simulate_loaded(std::move(loaded));
  REQUIRE(s.decode);
  const models::DecodeRun& predicted = *s.prediction.exact.decode;
  const models::DecodeRun& simulated = *s.decode;
  // Steps 0-5 read 1024..1029 tokens: 8 tiles at step 0, 9 after; steps 0 and 3 select.
  REQUIRE(simulated.groups.size() == 3);
  REQUIRE(predicted.groups.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(simulated.groups[i].group.steps == predicted.groups[i].group.steps);
    CHECK(simulated.groups[i].group.host_key_tiles == predicted.groups[i].group.host_key_tiles);
    // Tile-granular and uncached in both: the same bytes over the link.
    CHECK(simulated.groups[i].host_bytes == doctest::Approx(predicted.groups[i].host_bytes).epsilon(1e-12));
  }
  CHECK(predicted.groups[0].group.host_key_tiles == 4);  // half of 8 tiles
  CHECK(predicted.groups[1].group.host_key_tiles == 5);  // ceil(0.5 x 9)
  CHECK(simulated.host_bytes > 0);
  CHECK(simulated.tokens == 12);
  CHECK(simulated.time_s > 0);
  CHECK(simulated.dense_time_s > simulated.time_s);
}

TEST_CASE("H2O budgets: both backends read the kept tokens only and count the bookkeeping's bytes") {
  const core::Json decode = core::Json::parse(R"({"steps": 4, "eviction": "heavy_hitter", "kv_budget_tokens": 512})");
  sim::LoadedStudy loaded = sim::load_study_text(decode_study(decode).dump(), "decode-h2o.json", {});
  check_groups_kernel_by_kernel(loaded);
  const models::Study st = loaded.study;
  const sim::Simulation s = sim::simulate_loaded(std::move(loaded));
  REQUIRE(s.decode);
  REQUIRE(s.decode->groups.size() == 1);  // 512 tokens kept at every step, every step selects
  CHECK(s.decode->groups[0].group.key_tiles == 4);
  CHECK(s.decode->groups[0].group.steps == 4);
  CHECK(s.decode->host_bytes == 0);
  const models::LayerShape shape = models::decode_step_shape(st, s.decode->groups[0].group, false);
  CHECK(shape.scored_tokens == 512);
}
