// The study loader on valid input: the shipped studies and presets, preset look-up, overrides, --hw, and the
// study_to_json round trip.
#include <algorithm>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "sim/config/study_loader.hpp"
#include "study_json.hpp"

namespace cascadesim::sim {
namespace {

using testing::load;
using testing::shipped_configs;
using testing::shipped_preset;
using testing::source_dir;
using testing::TempDir;
using testing::valid_study;
using testing::valid_vit_study;
using testing::with;

const std::string default_study = "builtin:configs/studies/kascade-llama-3.2-1b-32k.json";

bool contains(const std::vector<std::string>& files, const std::string& file) {
  return std::find(files.begin(), files.end(), file) != files.end();
}

// Every value of a study, compared one by one.
void check_same_study(const models::Study& a, const models::Study& b) {
  CHECK(a.name == b.name);

  const models::HardwareSpec& ha = a.hardware;
  const models::HardwareSpec& hb = b.hardware;
  CHECK(ha.name == hb.name);
  CHECK(ha.matrix_macs_per_cycle == hb.matrix_macs_per_cycle);
  CHECK(ha.matrix_dtype == hb.matrix_dtype);
  CHECK(ha.vector_flops_per_cycle == hb.vector_flops_per_cycle);
  CHECK(ha.hbm_bandwidth_GBps == hb.hbm_bandwidth_GBps);
  CHECK(ha.hbm_bytes == hb.hbm_bytes);
  CHECK(ha.l2_bytes == hb.l2_bytes);
  CHECK(ha.sram_per_core_bytes == hb.sram_per_core_bytes);
  CHECK(ha.cores == hb.cores);
  CHECK(ha.clock_GHz == hb.clock_GHz);
  CHECK(ha.kernel_launch_us == hb.kernel_launch_us);
  CHECK(ha.matrix_efficiency == hb.matrix_efficiency);
  REQUIRE(ha.sections);
  REQUIRE(hb.sections);
  CHECK(*ha.sections == *hb.sections);

  const models::TransformerModel& ma = a.model;
  const models::TransformerModel& mb = b.model;
  CHECK(ma.name == mb.name);
  CHECK(ma.d_model == mb.d_model);
  CHECK(ma.n_heads == mb.n_heads);
  CHECK(ma.n_kv_heads == mb.n_kv_heads);
  CHECK(ma.head_dim == mb.head_dim);
  CHECK(ma.d_mlp == mb.d_mlp);
  CHECK(ma.n_layers == mb.n_layers);
  CHECK(ma.mlp == mb.mlp);
  CHECK(ma.causal == mb.causal);

  const models::Workload& wa = a.workload;
  const models::Workload& wb = b.workload;
  CHECK(wa.phase == wb.phase);
  CHECK(wa.seq_len == wb.seq_len);
  CHECK(wa.batch == wb.batch);
  CHECK(wa.tile_tokens == wb.tile_tokens);
  CHECK(wa.top_k == wb.top_k);
  CHECK(wa.schedule.layers == wb.schedule.layers);
  CHECK(wa.anchor_scoring == wb.anchor_scoring);
  CHECK(wa.attention_kernel == wb.attention_kernel);
  CHECK(wa.precision == wb.precision);

  REQUIRE(wa.cascade.has_value() == wb.cascade.has_value());
  if (wa.cascade) {
    CHECK(wa.cascade->spatial_dims == wb.cascade->spatial_dims);
    CHECK(wa.cascade->batch_policy == wb.cascade->batch_policy);
    CHECK(wa.cascade->memory_overhead == wb.cascade->memory_overhead);
    CHECK(wa.cascade->transition_overhead == wb.cascade->transition_overhead);
    CHECK(wa.cascade->decision_overhead == wb.cascade->decision_overhead);
    REQUIRE(wa.cascade->stages.size() == wb.cascade->stages.size());
    for (std::size_t i = 0; i < wa.cascade->stages.size(); ++i) {
      CHECK(wa.cascade->stages[i].resolution == wb.cascade->stages[i].resolution);
      CHECK(wa.cascade->stages[i].exit_fraction == wb.cascade->stages[i].exit_fraction);
    }
  }
  REQUIRE(wa.early_exit.has_value() == wb.early_exit.has_value());
  if (wa.early_exit) {
    CHECK(wa.early_exit->exit_head_flops_per_token == wb.early_exit->exit_head_flops_per_token);
    REQUIRE(wa.early_exit->exits.size() == wb.early_exit->exits.size());
    for (std::size_t i = 0; i < wa.early_exit->exits.size(); ++i) {
      CHECK(wa.early_exit->exits[i].after_layer == wb.early_exit->exits[i].after_layer);
      CHECK(wa.early_exit->exits[i].fraction == wb.early_exit->exits[i].fraction);
    }
  }
}

TEST_CASE("every shipped study in configs/studies loads") {
  const auto studies = shipped_configs("studies");
  CHECK(!studies.empty());
  for (const auto& path : studies) {
    INFO("study: ", path.string());
    CHECK_NOTHROW(load_study(path.string(), {}));
  }
}

TEST_CASE("the built-in default study is seed 002's Kascade setup on LLaMA-3.2-1B at 32K tokens") {
  CHECK(std::string(builtin_prefix) + std::string(default_study_path) == default_study);
  const LoadedStudy loaded = load_study(default_study, {});
  const models::Study& st = loaded.study;
  CHECK(st.name == "kascade-llama-3.2-1b-32k");
  CHECK(st.workload.phase == models::Phase::prefill);
  CHECK(st.workload.seq_len == 32768);
  CHECK(st.workload.tile_tokens == 128);
  CHECK(st.workload.top_k == 5);
  CHECK(st.model.name == "llama-3.2-1b");
  CHECK(st.model.n_layers == 16);
  const models::LayerCounts counts = st.workload.schedule.counts();
  CHECK(counts.dense == 1);
  CHECK(counts.anchor == 3);
  CHECK(counts.reuse == 12);
  CHECK(st.workload.schedule.compact() == "1D+3A+12R");
  CHECK(st.hardware.name == "h100-sxm");
  CHECK(st.hardware.peak_matrix_TFLOPs() == doctest::Approx(989.4).epsilon(1e-4));
  REQUIRE(!loaded.files.empty());
  CHECK(loaded.files.front() == default_study);
  CHECK(contains(loaded.files, "builtin:configs/hw/h100-sxm.json"));
  CHECK(contains(loaded.files, "builtin:configs/models/llama-3.2-1b.json"));
}

TEST_CASE("every shipped hardware preset cites a non-empty source for every figure it sets") {
  const auto presets = shipped_configs("hw");
  CHECK(!presets.empty());
  for (const auto& path : presets) {
    const std::string name = path.stem().string();
    INFO("preset: ", name);
    const core::Json preset = shipped_preset("hw", name);
    REQUIRE(preset.contains("source"));
    const core::Json& source = preset.at("source");
    for (const auto& item : preset.items()) {
      const std::string& key = item.key();
      if (key == "schema_version" || key == "name" || key == "description" || key == "source" ||
          key == "measured_device_names" || key == "calibration" || key == "preset")
        continue;  // metadata (and the preset a many-device one builds on), not figures
      INFO("figure: ", key);
      REQUIRE(source.contains(key));
      CHECK(source.at(key).is_string());
      CHECK(!source.at(key).get<std::string>().empty());
    }
  }
}

TEST_CASE("a study naming any shipped hardware preset loads it from disk with its citations checked") {
  const std::string configs = (source_dir / "configs").string();
  for (const auto& path : shipped_configs("hw")) {
    const std::string name = path.stem().string();
    INFO("preset: ", name);
    LoadedStudy loaded;
    core::Json study = with(valid_study(), "/hardware", name);
    // A machine of many devices needs a split over them (/workload/parallel), and a tile for each ring shard.
    if (shipped_preset("hw", name).contains("interconnect")) {
      study["workload"]["parallel"] = {{"context", "ring"}};
      study["workload"]["seq_len"] = 8192;
    }
    REQUIRE_NOTHROW(loaded = load(study, LoadOptions{{configs}, ""}));
    CHECK(loaded.study.hardware.name == name);
    CHECK(contains(loaded.files, (source_dir / "configs" / "hw" / (name + ".json")).string()));
  }
}

TEST_CASE("a study naming any shipped model preset loads it") {
  const std::string configs = (source_dir / "configs").string();
  for (const auto& path : shipped_configs("models")) {
    const std::string name = path.stem().string();
    INFO("preset: ", name);
    LoadedStudy loaded;
    // On the largest single-device preset: Mixtral 8x7B's 93 GB of bf16 weights exceed an H100's 80 GB.
    core::Json study = with(with(valid_study(), "/model", name), "/hardware", "h200");
    study["workload"].erase("schedule");
    study["workload"]["seq_len"] = 1024;
    REQUIRE_NOTHROW(loaded = load(study, LoadOptions{{configs}, ""}));
    CHECK(loaded.study.model.name == name);
    CHECK(contains(loaded.files, (source_dir / "configs" / "models" / (name + ".json")).string()));
  }
}

TEST_CASE("a hardware override object replaces only the keys it sets, and the roofline follows the sections") {
  const models::HardwareSpec plain = load(valid_study()).study.hardware;
  const models::HardwareSpec faster =
      load(with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"memory", {{"channel_bandwidth_GBps", 400}}}}))
          .study.hardware;
  CHECK(plain.hbm_bandwidth_GBps == 3350);
  CHECK(faster.hbm_bandwidth_GBps == 4000);
  CHECK(faster.sections->at("memory").at("channels") == 10);  // kept from the preset
  CHECK(faster.name == "h100-sxm");
  CHECK(faster.matrix_macs_per_cycle == plain.matrix_macs_per_cycle);
  CHECK(faster.vector_flops_per_cycle == plain.vector_flops_per_cycle);
  CHECK(faster.hbm_bytes == plain.hbm_bytes);
  CHECK(faster.l2_bytes == plain.l2_bytes);
  CHECK(faster.sram_per_core_bytes == plain.sram_per_core_bytes);
  CHECK(faster.cores == plain.cores);
  CHECK(faster.clock_GHz == plain.clock_GHz);
  CHECK(faster.kernel_launch_us == plain.kernel_launch_us);
  CHECK(faster.matrix_dtype == plain.matrix_dtype);
}

TEST_CASE("a model override changes the layer count that the schedule is checked against") {
  core::Json study = with(valid_study(), "/model", {{"preset", "llama-3.2-1b"}, {"n_layers", 12}});
  study["workload"]["schedule"] = "1D+3A+8R";
  const models::Study st = load(study).study;
  CHECK(st.model.n_layers == 12);
  CHECK(st.model.d_model == 2048);
  CHECK(st.workload.schedule.counts().reuse == 8);
}

TEST_CASE("an inline hardware object without a preset needs no citations") {
  const core::Json hw = {
      {"name", "toy"},
      {"memory",
       {{"impl", "hbm"}, {"bytes", 1e10}, {"channels", 4}, {"channel_bandwidth_GBps", 250}, {"latency_ns", 100}}},
      {"l2", {{"impl", "tile_cache"}, {"bytes", 1 << 20}, {"bandwidth_GBps", 2000}, {"latency_ns", 50}}},
      {"matrix_unit", {{"impl", "tensor_core"}, {"macs_per_cycle", 1024}}},
      {"vector_unit", {{"impl", "simd"}, {"flops_per_cycle", 128}, {"exps_per_cycle", 16}}},
      {"sram_per_core_bytes", 65536},
      {"cores", 4},
      {"clock_GHz", 1.0},
      {"kernel_launch_us", 2.0},
      {"matrix_dtype", "fp16"}};
  const models::HardwareSpec spec = load(with(valid_study(), "/hardware", hw)).study.hardware;
  CHECK(spec.name == "toy");
  CHECK(spec.cores == 4);
  CHECK(spec.l2_bytes == 1 << 20);
  CHECK(spec.hbm_bandwidth_GBps == 1000);
  CHECK(spec.hbm_bytes == 1e10);
  CHECK(spec.peak_matrix_TFLOPs() == doctest::Approx(2 * 1024 * 4 * 1e-3));
  CHECK(spec.peak_vector_TFLOPs() == doctest::Approx(128 * 4 * 1e-3));
  CHECK(spec.matrix_dtype == models::Precision::fp16);
  CHECK(spec.matrix_efficiency == 1.0);  // the struct default when the key is absent
}

TEST_CASE("LoadOptions::hardware_preset replaces the study's hardware section") {
  const LoadOptions t4{{}, "t4"};
  const models::HardwareSpec hw = load(valid_study(), t4).study.hardware;
  CHECK(hw.name == "t4");
  CHECK(hw.peak_matrix_TFLOPs() == doctest::Approx(65).epsilon(0.01));
  CHECK(hw.hbm_bandwidth_GBps == 320);
  CHECK(hw.matrix_dtype == models::Precision::fp16);
  CHECK(hw.cores == 40);

  SUBCASE("even an override object is dropped whole") {
    const core::Json study =
        with(valid_study(), "/hardware", {{"preset", "h100-sxm"}, {"memory", {{"channel_bandwidth_GBps", 400}}}});
    CHECK(load(study, t4).study.hardware.hbm_bandwidth_GBps == 320);
  }
  SUBCASE("a broken hardware section is not read") {
    CHECK(load(with(valid_study(), "/hardware", "nosuch"), t4).study.hardware.name == "t4");
  }
  SUBCASE("the preset may be a path to a preset file") {
    const std::string t4_file = (source_dir / "configs" / "hw" / "t4.json").string();
    const LoadedStudy loaded = load(valid_study(), LoadOptions{{}, t4_file});
    CHECK(loaded.study.hardware.name == "t4");
    CHECK(contains(loaded.files, t4_file));
  }
}

TEST_CASE("presets in LoadOptions::config_dirs take precedence over the built-in copies") {
  TempDir dir;
  core::Json preset = shipped_preset("hw", "h100-sxm");
  preset["memory"]["channel_bandwidth_GBps"] = 400;
  preset["source"]["memory"] = "test: a faster memory system";
  const auto file = dir.write("hw/h100-sxm.json", preset);
  const LoadedStudy loaded = load(valid_study(), LoadOptions{{dir.path().string()}, ""});
  CHECK(loaded.study.hardware.hbm_bandwidth_GBps == 4000);
  CHECK(contains(loaded.files, file.string()));
  CHECK(!contains(loaded.files, "builtin:configs/hw/h100-sxm.json"));
}

TEST_CASE("a study in <root>/studies finds presets in <root>/hw and <root>/models") {
  TempDir root;
  core::Json preset = shipped_preset("hw", "t4");
  preset["name"] = "my-gpu";
  root.write("hw/my-gpu.json", preset);
  const auto study = root.write("studies/mine.json", with(valid_study(), "/hardware", "my-gpu"));
  const LoadedStudy loaded = load_study(study.string(), {});
  CHECK(loaded.study.hardware.name == "my-gpu");
  CHECK(loaded.files.front() == study.string());
  CHECK(contains(loaded.files, (root.path() / "hw" / "my-gpu.json").string()));
}

TEST_CASE("a preset named by a relative path is read relative to the study file") {
  TempDir root;
  core::Json preset = shipped_preset("hw", "t4");
  preset["name"] = "beside-the-study";
  root.write("presets/gpu.json", preset);
  const auto study = root.write("work/study.json", with(valid_study(), "/hardware", "../presets/gpu.json"));
  CHECK(load_study(study.string(), {}).study.hardware.name == "beside-the-study");
}

TEST_CASE("a preset file may derive from another preset and override it") {
  TempDir dir;
  const core::Json derived = {{"schema_version", 1},
                              {"preset", "h100-sxm"},
                              {"name", "h100-fast-memory"},
                              {"memory", {{"channel_bandwidth_GBps", 500}}},
                              {"source", {{"memory", "test: hypothetical HBM upgrade"}}}};
  dir.write("hw/h100-fast-memory.json", derived);
  const models::HardwareSpec hw =
      load(with(valid_study(), "/hardware", "h100-fast-memory"), LoadOptions{{dir.path().string()}, ""}).study.hardware;
  CHECK(hw.name == "h100-fast-memory");
  CHECK(hw.hbm_bandwidth_GBps == 5000);
  CHECK(hw.matrix_macs_per_cycle == 2048);
}

TEST_CASE("a schedule may be a list of layer kinds as letters or names") {
  core::Json study = with(valid_study(), "/model", {{"preset", "llama-3.2-1b"}, {"n_layers", 4}});
  study["workload"]["schedule"] = {"D", "anchor", "R", "reuse"};
  const models::LayerSchedule s = load(study).study.workload.schedule;
  CHECK(s.compact() == "1D+1A+2R");
}

TEST_CASE("optional workload keys keep their documented defaults when absent") {
  core::Json study = valid_study();
  study["workload"] = {{"phase", "prefill"}, {"seq_len", 1024}};
  const models::Workload w = load(study).study.workload;
  CHECK(w.batch == 1);
  CHECK(w.tile_tokens == 128);
  CHECK(w.top_k == 0);
  CHECK(w.schedule.layers.empty());
  CHECK(w.anchor_scoring == models::AnchorScoring::tile_max);
  CHECK(w.attention_kernel == models::AttentionKernel::fused);
  // Every tensor at the machine's matrix_dtype (bf16 on the H100): 2 bytes per element, as before per-tensor
  // precision.
  CHECK(w.precision == models::TensorPrecisions{});
  CHECK(models::bytes_per_element(w.precision.kv_cache) == 2);
  CHECK(!w.cascade);
  CHECK(!w.early_exit);
}

TEST_CASE("cascade and early-exit sections load with their stages and exits") {
  core::Json cascade = with(
      valid_vit_study(), "/workload/cascade",
      {{"spatial_dims", 2},
       {"batch_policy", "wait_for_slowest"},
       {"stages", {{{"resolution", 0.25}, {"exit_fraction", 0.5}}, {{"resolution", 1.0}, {"exit_fraction", 0.5}}}}});
  const models::Workload w = load(cascade).study.workload;
  REQUIRE(w.cascade);
  CHECK(w.cascade->batch_policy == models::BatchPolicy::wait_for_slowest);
  REQUIRE(w.cascade->stages.size() == 2);
  CHECK(w.cascade->stages[0].resolution == 0.25);
  CHECK(w.cascade->memory_overhead == 0.125);  // seed 000's default overheads

  core::Json early =
      with(valid_vit_study(), "/workload/early_exit",
           {{"exit_head_flops_per_token", 1536},
            {"exits", {{{"after_layer", 3}, {"fraction", 0.5}}, {{"after_layer", 12}, {"fraction", 0.5}}}}});
  const models::Workload e = load(early).study.workload;
  REQUIRE(e.early_exit);
  CHECK(e.early_exit->exit_head_flops_per_token == 1536);
  REQUIRE(e.early_exit->exits.size() == 2);
  CHECK(e.early_exit->exits[1].after_layer == 12);
}

TEST_CASE("study_to_json writes the schema version, the resolved presets and the schedule") {
  const core::Json out = study_to_json(load_study(default_study, {}).study);
  CHECK(out.at("schema_version") == supported_schema_version);
  CHECK(out.at("name") == "kascade-llama-3.2-1b-32k");
  CHECK(out.at("hardware").at("name") == "h100-sxm");
  CHECK(out.at("hardware").at("matrix_unit").at("macs_per_cycle") == 2048);
  CHECK(!out.at("hardware").contains("peak_matrix_TFLOPs"));
  CHECK(out.at("model").at("n_layers") == 16);
  CHECK(out.at("workload").at("schedule") == "1D+3A+12R");
  CHECK(out.at("workload").at("phase") == "prefill");
  CHECK(!out.at("workload").contains("cascade"));
}

TEST_CASE("study_to_json round-trips every shipped study through the loader") {
  for (const auto& path : shipped_configs("studies")) {
    INFO("study: ", path.string());
    const models::Study original = load_study(path.string(), {}).study;
    const core::Json written = study_to_json(original);
    REQUIRE(written.at("schema_version") == 1);
    LoadedStudy reloaded;
    REQUIRE_NOTHROW(reloaded = load_study_text(written.dump(2), "roundtrip.json", {}));
    check_same_study(original, reloaded.study);
    CHECK(reloaded.files == std::vector<std::string>{"roundtrip.json"});  // every preset was resolved inline
  }
}

TEST_CASE("study_to_json round-trips non-default optional values") {
  core::Json study = with(valid_study(), "/hardware",
                          {{"preset", "h100-sxm"}, {"matrix_efficiency", 0.7}, {"memory", {{"latency_ns", 640}}}});
  study["workload"]["phase"] = "decode";
  study["workload"]["batch"] = 8;
  study["workload"]["anchor_scoring"] = "pooled";
  study["workload"]["attention_kernel"] = "materialized";
  study["workload"]["precision"] = {{"weights", "int4"}, {"kv_cache", "fp8_e4m3"}};
  study["workload"]["schedule"] = "2D+1A+5R+1A+7R";
  const models::Study original = load(study).study;
  const models::Study reloaded = load_study_text(study_to_json(original).dump(), "roundtrip.json", {}).study;
  check_same_study(original, reloaded);
  CHECK(reloaded.workload.schedule.compact() == "2D+1A+5R+1A+7R");
}

}  // namespace
}  // namespace cascadesim::sim
