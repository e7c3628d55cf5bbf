// Both backends read one description of a sparse layer: for every registered attention pattern, the simulator's
// replay visits the tiles and requests the bytes the pattern's closed forms count, and the analytical model's
// reuse-layer FLOPs equal the replayed blocks' FLOPs.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "models/dataflow/pattern.hpp"
#include "sim/cli/simulate_command.hpp"
#include "sim/config/study_loader.hpp"

using namespace cascadesim;

namespace {

// A 4-layer model with 2 query heads over 1 K/V head; 512 tokens in tiles of 128: the 4 x 4 grid of
// tests/data/patterns/selections_small.json.
std::string study_text(const core::Json& pattern) {
  core::Json study = core::Json::parse(R"({"schema_version": 1, "name": "pattern-backends", "hardware": "h100-sxm",
    "model": {"d_model": 128, "n_heads": 2, "n_kv_heads": 1, "head_dim": 64, "d_mlp": 256, "n_layers": 4,
              "mlp": "swiglu", "norm": "rmsnorm", "positional": "rope", "causal": true},
    "workload": {"phase": "prefill", "seq_len": 512, "tile_tokens": 128, "batch": 3, "top_k": 2,
                 "schedule": "1D+1A+2R"}})");
  study["workload"]["pattern"] = pattern;
  return study.dump();
}

}  // namespace

TEST_CASE("for every registered pattern, simulated tiles, FLOPs and streamed bytes equal the analytical counts") {
  for (const models::dataflow::PatternCatalog::Entry& entry : models::dataflow::PatternCatalog::instance().entries()) {
    INFO("pattern " << entry.name);
    core::Json section = core::Json::parse(entry.example);  // the example its registration gives
    section["impl"] = entry.name;
    sim::LoadedStudy loaded = sim::load_study_text(study_text(section), "pattern-backends.json", {});
    const models::Study study = loaded.study;  // a copy: loaded moves into the simulation
    const sim::Simulation s = sim::simulate_loaded(std::move(loaded));
    const models::LayerShape shape = models::layer_shape(study.workload);
    const double batch = static_cast<double>(study.workload.batch);
    const double flops_per_block = 4.0 * 128.0 * 128.0 * 64.0;  // Q K^T and P V of a 128 x 128 block, head_dim 64

    double replayed_blocks = 0;
    int reuse_kernels = 0, select_kernels = 0;
    for (const sim::KernelRecord& r : s.schedule.kernels) {
      if (r.name == "topk_select") ++select_kernels;
      // Estimate-then-sparse layers' estimators and selections: the bytes their descriptions count.
      if (r.kind == models::LayerKind::reuse && r.op == models::Op::anchor_scoring)
        CHECK(r.requested_bytes == doctest::Approx(r.cost.hbm_bytes).epsilon(1e-12));
      if (r.op != models::Op::attention || r.kind != models::LayerKind::reuse) continue;
      ++reuse_kernels;
      std::uint64_t anchor_seed = 0;
      for (const auto& [layer, seed] : shape.reuse_layers)
        if (layer == r.layer) anchor_seed = seed;
      const double closed_form =
          batch * shape.pattern->visited_blocks(models::pattern_space(study.model, shape, r.layer, anchor_seed));
      CHECK(r.tile_ops == closed_form);  // the replay's (query tile, key tile) blocks
      CHECK(r.requested_bytes == doctest::Approx(r.cost.hbm_bytes).epsilon(1e-12));  // Q, lists, K/V, O
      replayed_blocks += r.tile_ops;
    }
    CHECK(reuse_kernels == 2);
    // An anchor selects for patterns that select from scores; every reuse layer selects for estimate-then-sparse ones.
    CHECK(select_kernels ==
          (shape.pattern->selects_from_scores() ? 1 : 0) + (shape.pattern->estimator() ? reuse_kernels : 0));
    const models::Prediction& p = s.prediction.exact;
    const double analytical_flops =
        2.0 * p.layer_costs[static_cast<std::size_t>(models::LayerKind::reuse)][models::Op::attention].matrix_flops;
    CHECK(analytical_flops == doctest::Approx(replayed_blocks * flops_per_block).epsilon(1e-12));
  }
}

TEST_CASE("SpAtten's pruning and progressive quantization in decode: both backends count the same tiles and bytes") {
  // 4 query heads over 2 K/V heads, packed per group in decode; 40 key tiles of 16 tokens; batch 2.
  core::Json study = core::Json::parse(R"({"schema_version": 1, "name": "spatten-backends", "hardware": "spatten-like",
    "model": {"d_model": 256, "n_heads": 4, "n_kv_heads": 2, "head_dim": 64, "d_mlp": 512, "n_layers": 4,
              "mlp": "swiglu", "norm": "rmsnorm", "positional": "rope", "causal": true},
    "workload": {"phase": "decode", "seq_len": 640, "tile_tokens": 16, "batch": 2, "schedule": "4R",
                 "pattern": {"impl": "spatten_pruning", "token_keep_by_layer": [1, 0.5, 0.25],
                             "head_keep_by_layer": [1, 1, 0.5]},
                 "progressive_quantization": {"msb_bits": 8, "lsb_bits": 4, "recompute_fraction": 0.25}}})");
  sim::LoadedStudy loaded = sim::load_study_text(study.dump(), "spatten-backends.json", {});
  const models::Study st = loaded.study;
  const sim::Simulation s = sim::simulate_loaded(std::move(loaded));
  const models::LayerShape shape = models::layer_shape(st.workload);
  int first_pass = 0, recompute = 0, selections = 0;
  double recomputed_blocks = 0;
  for (const sim::KernelRecord& r : s.schedule.kernels) {
    if (r.kind != models::LayerKind::reuse) continue;
    if (r.name == "topk_select") ++selections;
    if (r.op == models::Op::attention || r.op == models::Op::anchor_scoring)
      CHECK(r.requested_bytes == doctest::Approx(r.cost.hbm_bytes).epsilon(1e-12));
    if (r.name == "attention") {
      ++first_pass;
      // Layer l keeps ceil(keep x 40) tiles for each kept head: 40 x 4, 20 x 4, 10 x 2, 10 x 2 heads, two sequences.
      const double expected[] = {160, 80, 20, 20};
      CHECK(r.tile_ops == 2.0 * expected[r.layer]);
      CHECK(r.tile_ops == 2.0 * shape.pattern->visited_blocks(models::pattern_space(st.model, shape, r.layer, 0)));
    }
    if (r.name == "attention_recompute") {
      ++recompute;
      // One head of 4 recomputes (0.25 x 4), the one after the layer's index; a pruned head recomputes nothing.
      CHECK(r.tile_ops <= 2.0 * 40.0);
      recomputed_blocks += r.tile_ops;
    }
  }
  CHECK(first_pass == 4);
  CHECK(recompute == 4);
  CHECK(recomputed_blocks > 0);
  CHECK(selections == 4);  // one ranking per layer on the top-k engine
}
