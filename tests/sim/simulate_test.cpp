// `simulate` on the shipped cascade and early-exit studies: stages at their token counts and weights, the
// batch-size effect of waiting for the slowest member, and early exit on equal layers.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/config_error.hpp"
#include "models/prediction.hpp"
#include "sim/cli/simulate_command.hpp"
#include "sim/config/study_loader.hpp"
#include "tests/temp_dir.hpp"

using namespace cascadesim;

namespace {
// The shipped 2-stage cascade study with another batch and batch policy, written to a temporary file.
std::string cascade_variant(const testing::TempDir& dir, int batch, const char* policy) {
  const auto path = dir.path() / ("cascade-" + std::to_string(batch) + "-" + policy + ".json");
  std::ofstream out(path);
  out << R"({"schema_version": 1, "name": "cascade-variant", "hardware": "a100-sxm-80gb", "model": "vit-b-16",
    "workload": {"phase": "prefill", "seq_len": 4096, "tile_tokens": 128, "batch": )"
      << batch << R"(, "cascade": {"batch_policy": ")" << policy
      << R"(", "stages": [{"resolution": 0.25, "exit_fraction": 0.5}, {"resolution": 1.0, "exit_fraction": 0.5}]}}})";
  return path.string();
}
}  // namespace

TEST_CASE("a cascade runs each stage at its token count, weighted by how often it runs") {
  const sim::Simulation s = sim::simulate_study("configs/studies/cascade-2stage-vit-b-16.json", {});
  REQUIRE(s.cascade);
  REQUIRE(s.cascade->stages.size() == 2);
  CHECK(s.cascade->stages[0].tokens == 256);  // 1/4 resolution in 2-D
  CHECK(s.cascade->stages[1].tokens == 4096);
  CHECK(s.cascade->stages[0].run_fraction == 1.0);
  CHECK(s.cascade->stages[1].run_fraction == doctest::Approx(0.5));
  CHECK(s.cascade->expected_time_ns ==
        doctest::Approx(s.cascade->stages[0].time_ns + 0.5 * s.cascade->stages[1].time_ns).epsilon(1e-12));
  CHECK(s.cascade->speedup == doctest::Approx(s.schedule.time_ns / s.cascade->expected_time_ns).epsilon(1e-12));
  CHECK(s.cascade->speedup > 1.0);
}

TEST_CASE("a batch that waits for its slowest member loses the cascade's benefit, compaction keeps it") {
  const testing::TempDir dir;
  const sim::Simulation wait = sim::simulate_study(cascade_variant(dir, 16, "wait_for_slowest"), {});
  const sim::Simulation compact = sim::simulate_study(cascade_variant(dir, 16, "compact"), {});
  // With 16 sequences and half of them stopping, some sequence almost always goes on: every batch runs both.
  CHECK(wait.cascade->stages[1].run_fraction > 0.9999);
  CHECK(wait.cascade->speedup < 1.0);
  CHECK(compact.cascade->speedup > wait.cascade->speedup);
}

TEST_CASE("a bucketed batch pads each stage to whole buckets, and both backends count the same slots") {
  const testing::TempDir dir;
  const auto path = dir.path() / "cascade-bucketed.json";
  {
    std::ofstream out(path);
    out << R"({"schema_version": 1, "name": "cascade-bucketed", "hardware": "a100-sxm-80gb", "model": "vit-b-16",
      "workload": {"phase": "prefill", "seq_len": 4096, "tile_tokens": 128, "batch": 3,
      "cascade": {"batch_policy": "bucketed", "bucket_size": 2,
      "stages": [{"resolution": 0.25, "exit_fraction": 0.5}, {"resolution": 1.0, "exit_fraction": 0.5}]}}})";
  }
  const sim::Simulation bucketed = sim::simulate_study(path.string(), {});
  const sim::Simulation compact = sim::simulate_study(cascade_variant(dir, 3, "compact"), {});
  REQUIRE(bucketed.cascade);
  const models::CascadePrediction& analytical = *bucketed.prediction.exact.cascade;
  // Stage 1: all 3 members in buckets of 2 run 4 slots, one of them padding.
  CHECK(bucketed.cascade->stages[0].members == 4.0);
  CHECK(analytical.stages[0].members == 4.0);
  // Its matrix work is that of 4 sequences where compaction runs 3.
  CHECK(bucketed.cascade->stages[0].matrix_macs ==
        doctest::Approx(compact.cascade->stages[0].matrix_macs * 4.0 / 3.0).epsilon(1e-12));
  // Stage 2: N ~ Binomial(3, 1/2) members go on, padded to 0, 2, 2, 4 slots: 2 expected, the stage runs with
  // probability 7/8, so 16/7 slots when it runs; the simulator replays whole sequences (2).
  CHECK(analytical.stages[1].run_fraction == doctest::Approx(7.0 / 8).epsilon(1e-12));
  CHECK(bucketed.cascade->stages[1].run_fraction == analytical.stages[1].run_fraction);
  CHECK(analytical.stages[1].members == doctest::Approx(16.0 / 7).epsilon(1e-12));
  CHECK(bucketed.cascade->stages[1].members == 2.0);
  // Padding costs: the bucketed batch gains less than the compacted one, in both backends.
  CHECK(bucketed.cascade->speedup < compact.cascade->speedup);
  CHECK(analytical.practical_speedup < compact.prediction.exact.cascade->practical_speedup);
}

TEST_CASE("early exit over equal layers saves what the average depth says") {
  const sim::Simulation s = sim::simulate_study("configs/studies/early-exit-vit-b-16.json", {});
  REQUIRE(s.early_exit);
  // Seed 004: half the inputs stop after 3 of 12 layers; depth 0.625, 1.6x (launch gaps make layers near-equal).
  CHECK(s.early_exit->speedup == doctest::Approx(1.6).epsilon(0.02));
}

TEST_CASE(
    "--trace writes Perfetto trace events: a track per core, kernel spans, bandwidth per kernel and per memory "
    "channel") {
  const testing::TempDir dir;
  const auto path = (dir.path() / "trace.json").string();
  sim::SimulateOptions options;
  options.study_path = "tests/data/sim_small.json";
  options.trace_path = path;
  std::ostringstream out;
  sim::run_simulate(options, out);
  std::ifstream in(path);
  const core::Json trace = core::Json::parse(in);
  std::set<std::int64_t> cores;
  int kernels = 0, counters = 0, channel_counters = 0;
  for (const core::Json& e : trace.at("traceEvents")) {
    if (e.at("ph") == "X" && e.at("pid") == 1) cores.insert(e.at("tid").get<std::int64_t>());
    if (e.at("ph") == "X" && e.at("pid") == 2) ++kernels;
    if (e.at("ph") == "C" && e.at("pid") == 2) ++counters;
    if (e.at("ph") == "C" && e.at("pid") == 3) {
      ++channel_counters;
      CHECK(e.at("args").size() == 10);  // h100-sxm's memory: one channel per controller
    }
  }
  CHECK(cores.size() == 132);  // every H100 SM ran units
  CHECK(
      kernels ==
      147);  // 16 layers x 9 kernels (2 norms, 3 GEMMs and the MLP's, RoPE, attention, activation) + 3 top-k selections
  CHECK(counters == kernels);
  CHECK(channel_counters == kernels);
}

TEST_CASE("materialized attention is simulated as its three kernels, the S x S scores through memory") {
  std::ifstream in("tests/data/sim_small.json");
  const core::Json fused = core::Json::parse(in);
  core::Json unfused = fused;
  unfused["workload"]["attention_kernel"] = "materialized";
  const sim::Simulation f = sim::simulate_loaded(sim::load_study_text(fused.dump(), "fused.json", {}));
  const sim::Simulation u = sim::simulate_loaded(sim::load_study_text(unfused.dump(), "materialized.json", {}));
  std::multiset<std::string> names;
  double scores_bytes = 0, described_scores_bytes = 0;
  for (const sim::KernelRecord& k : u.dense.kernels) {
    names.insert(k.name);
    if (k.name != "attention_softmax") continue;
    scores_bytes += k.hbm_bytes;
    described_scores_bytes += k.cost.hbm_bytes;
  }
  const auto layers = static_cast<std::size_t>(u.loaded.study.model.n_layers);
  CHECK(names.count("attention_scores") == layers);
  CHECK(names.count("attention_softmax") == layers);
  CHECK(names.count("attention_output") == layers);
  CHECK(names.count("attention") == 0);
  // The softmax pass reads S and writes P: neither fits on chip at these sizes, so HBM moves what it describes.
  CHECK(scores_bytes == doctest::Approx(described_scores_bytes).epsilon(0.01));
  CHECK(u.dense.time_ns > f.dense.time_ns);
}

TEST_CASE("matrix utilization is the useful MACs over peak: never above the share of peak the FLOPs achieved") {
  // The TPU-like preset's large array is busy most of the time on padded tiles; its utilization must still be the
  // share of peak its useful work reached (the kernels' described matrix FLOPs over peak x time).
  const sim::Simulation s = sim::simulate_loaded(sim::load_study_text(
      R"({"schema_version": 1, "name": "tpu-utilization", "hardware": "tpu-v5e-like",
          "model": {"d_model": 2048, "n_heads": 32, "n_kv_heads": 8, "head_dim": 64, "d_mlp": 8192, "n_layers": 2,
                    "mlp": "swiglu", "norm": "rmsnorm", "positional": "rope", "causal": true},
          "workload": {"phase": "prefill", "seq_len": 4096, "tile_tokens": 128}})",
      "tpu-utilization.json", {}));
  double described_matrix_flops = 0, busy_ns = 0;
  for (const sim::KernelRecord& k : s.dense.kernels) {
    described_matrix_flops += k.cost.matrix_flops;
    busy_ns += k.matrix_busy_ns;
  }
  const double achieved_share = described_matrix_flops / (2.0 * s.dense.peak_macs_per_ns * s.dense.time_ns);
  CHECK(sim::matrix_utilization(s.dense) == doctest::Approx(achieved_share).epsilon(1e-9));
  const double busy_share = busy_ns / (static_cast<double>(s.loaded.study.hardware.cores) * s.dense.time_ns);
  CHECK(sim::matrix_utilization(s.dense) <= busy_share);
  CHECK(sim::hbm_utilization(s.dense) > 0);
  CHECK(sim::hbm_utilization(s.dense) <= 1.0);
}

TEST_CASE("a study's fitted kernel family moves its kernels, and the run names the families it used unfitted") {
  std::ifstream in("tests/data/sim_small.json");
  core::Json study = core::Json::parse(in);
  study["workload"]["attention_implementation"] = "fa2-style";
  const sim::Simulation plain = sim::simulate_loaded(sim::load_study_text(study.dump(), "plain.json", {}));
  CHECK(sim::unfitted_families(plain).empty());  // a preset without fitted families names none
  study["hardware"] = {{"preset", "h100-sxm"}, {"kernel_families", {{"fa2-style", {{"unit_fixed_ns", 5000}}}}}};
  const sim::Simulation fitted = sim::simulate_loaded(sim::load_study_text(study.dump(), "fitted.json", {}));
  CHECK(sim::unfitted_families(fitted) == std::vector<std::string>{"gemm", "selection", "elementwise"});
  // 5 us more per attention unit, two units in flight per SM at head_dim 64: every attention kernel is slower.
  CHECK(fitted.schedule.time_ns > plain.schedule.time_ns);
  for (std::size_t i = 0; i < plain.dense.kernels.size(); ++i) {
    const sim::KernelRecord &a = plain.dense.kernels[i], &b = fitted.dense.kernels[i];
    if (a.name == "attention") CHECK(b.end_ns - b.start_ns > a.end_ns - a.start_ns);
  }
}

TEST_CASE("the simulator runs attention's products at their precision's rate and moves each tensor at its bytes") {
  const std::string base =
      R"({"schema_version": 1, "name": "precision", "hardware": "h100-sxm", "model": "llama-3.2-1b",
      "workload": {"phase": "decode", "seq_len": 4096, "batch": 4, "tile_tokens": 128)";
  const sim::Simulation bf16 = sim::simulate_loaded(sim::load_study_text(base + "}}", "bf16.json", {}));
  const sim::Simulation fp8 = sim::simulate_loaded(sim::load_study_text(
      base + R"(, "precision": {"weights": "fp8_e4m3", "activations": "fp8_e4m3", "kv_cache": "fp8_e4m3",
                                "scores": "fp8_e4m3"}}})",
      "fp8.json", {}));
  double busy_bf16 = 0, busy_fp8 = 0, requested_bf16 = 0, requested_fp8 = 0, described_fp8 = 0;
  for (const sim::KernelRecord& k : bf16.dense.kernels)
    if (k.name == "attention") {
      busy_bf16 += k.matrix_busy_ns;
      requested_bf16 += k.requested_bytes;
    }
  for (const sim::KernelRecord& k : fp8.dense.kernels)
    if (k.name == "attention") {
      busy_fp8 += k.matrix_busy_ns;
      requested_fp8 += k.requested_bytes;
      described_fp8 += k.cost.hbm_bytes;
    }
  // The H100's fp8 rate is twice its bf16 rate (4096 against 2048 MACs per cycle per SM): half the matrix time.
  CHECK(busy_fp8 == doctest::Approx(0.5 * busy_bf16).epsilon(1e-9));
  // Q, K and V at one byte (the split units' fp32 partials keep their width): fewer bytes requested, as many as
  // the description counts (every tile load, before any cache).
  CHECK(requested_fp8 == doctest::Approx(described_fp8).epsilon(1e-9));
  CHECK(requested_fp8 < 0.75 * requested_bf16);
  // Utilization is taken against the fp8 peak, so it stays at most 1.
  CHECK(fp8.dense.peak_macs_per_ns == doctest::Approx(2.0 * bf16.dense.peak_macs_per_ns));
  CHECK(sim::matrix_utilization(fp8.dense) <= 1.0);
}

TEST_CASE("simulate replays the MoE, latent-attention and model-end kernels and counts the FLOPs predict counts") {
  // A small DeepSeek-like model: MLA with a Q latent, 8 experts (2 per token, 1 shared) past one dense-MLP layer,
  // and a vocabulary; Kascade decode, so reuse layers fetch the anchor's latent tiles.
  const sim::Simulation s = sim::simulate_loaded(sim::load_study_text(
      R"({"schema_version": 1, "name": "moe-mla", "hardware": "h100-sxm",
          "model": {"d_model": 512, "n_heads": 8, "n_kv_heads": 8, "head_dim": 64, "d_mlp": 1024, "n_layers": 4,
                    "mlp": "swiglu", "norm": "rmsnorm", "positional": "rope", "causal": true, "vocab_size": 4096,
                    "experts": 8, "experts_per_token": 2, "expert_ffn_dim": 256, "shared_experts": 1,
                    "dense_mlp_layers": 1, "kv_lora_rank": 128, "q_lora_rank": 96, "qk_rope_head_dim": 32,
                    "v_head_dim": 64},
          "workload": {"phase": "decode", "seq_len": 4096, "batch": 4, "tile_tokens": 64, "top_k": 8,
                       "schedule": "1D+1A+2R", "expert_load_imbalance": 1.5}})",
      "moe-mla.json", {}));
  const models::Prediction p = models::predict(s.loaded.study, models::Accounting::exact);
  CHECK(2.0 * s.dense.matrix_macs == doctest::Approx(p.dense_model.cost.matrix_flops).epsilon(1e-9));
  CHECK(2.0 * s.schedule.matrix_macs == doctest::Approx(p.schedule_model.cost.matrix_flops).epsilon(1e-9));
  std::multiset<std::string> names;
  for (const sim::KernelRecord& k : s.dense.kernels) names.insert(k.name);
  CHECK(names.count("embedding") == 1);
  CHECK(names.count("lm_head") == 1);
  CHECK(names.count("expert_up") == 3);
  CHECK(names.count("mlp_up") == 1);
  CHECK(names.count("q_absorb") == 4);
  CHECK(names.count("v_absorb") == 4);
  CHECK(s.schedule.time_ns < s.dense.time_ns);
}
