// `cascadesim import-model` as a library: each family's Hugging Face config becomes a preset with the figures of its
// model card, which a study then loads; what the model format cannot represent is refused at its key.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/config_error.hpp"
#include "models/prediction.hpp"
#include "sim/cli/import_model_command.hpp"
#include "sim/config/hf_import.hpp"
#include "sim/config/study_loader.hpp"
#include "tests/temp_dir.hpp"

using namespace cascadesim;

namespace {

const std::string configs = std::string(CASCADESIM_SOURCE_DIR) + "/tests/cli/hf_configs/";

core::Json imported(const std::string& file) {
  core::ConfigErrors errors;
  const std::optional<core::Json> config = core::load_json_file(configs + file, errors);
  errors.throw_if_any();
  return sim::import_hf_config(*config, file, "imported");
}

std::int64_t field(const core::Json& preset, const char* key) { return preset.at(key).get<std::int64_t>(); }

}  // namespace

TEST_CASE("import reads a dense GQA model's widths, heads and vocabulary") {
  const core::Json llama = imported("llama-3.1-8b.json");
  CHECK(field(llama, "d_model") == 4096);
  CHECK(field(llama, "n_heads") == 32);
  CHECK(field(llama, "n_kv_heads") == 8);
  CHECK(field(llama, "head_dim") == 128);
  CHECK(field(llama, "d_mlp") == 14336);
  CHECK(field(llama, "n_layers") == 32);
  CHECK(field(llama, "vocab_size") == 128256);
  CHECK(!llama.contains("experts"));
  CHECK(llama.at("source").at("d_model").get<std::string>() == "llama-3.1-8b.json: /hidden_size = 4096");
  // Qwen3 states head_dim itself (128, not 4096 / 32 = 128; Qwen3-30B-A3B: 128 against 2048 / 32 = 64).
  CHECK(field(imported("qwen3-30b-a3b.json"), "head_dim") == 128);
  CHECK(field(imported("qwen2.5-7b-instruct.json"), "head_dim") == 3584 / 28);
}

TEST_CASE("import reads the mixture-of-experts keys of Mixtral, Qwen3-MoE and DeepSeek") {
  const core::Json mixtral = imported("mixtral-8x7b.json");
  CHECK(field(mixtral, "experts") == 8);
  CHECK(field(mixtral, "experts_per_token") == 2);
  CHECK(field(mixtral, "expert_ffn_dim") == 14336);
  const core::Json qwen = imported("qwen3-30b-a3b.json");
  CHECK(field(qwen, "experts") == 128);
  CHECK(field(qwen, "experts_per_token") == 8);
  CHECK(field(qwen, "expert_ffn_dim") == 768);
  const core::Json v3 = imported("deepseek-v3.json");
  CHECK(field(v3, "experts") == 256);
  CHECK(field(v3, "experts_per_token") == 8);
  CHECK(field(v3, "expert_ffn_dim") == 2048);
  CHECK(field(v3, "shared_experts") == 1);
  CHECK(field(v3, "dense_mlp_layers") == 3);
}

TEST_CASE("import reads DeepSeek's latent attention: ranks, rotary and value widths") {
  const core::Json v3 = imported("deepseek-v3.json");
  CHECK(field(v3, "kv_lora_rank") == 512);
  CHECK(field(v3, "q_lora_rank") == 1536);
  CHECK(field(v3, "qk_rope_head_dim") == 64);
  CHECK(field(v3, "head_dim") == 128);
  CHECK(field(v3, "v_head_dim") == 128);
  CHECK(field(v3, "n_kv_heads") == 128);
  CHECK(field(imported("deepseek-v2-lite.json"), "q_lora_rank") == 0);  // null: full-rank Q
}

TEST_CASE("import refuses what the model format cannot represent, naming the file and the key") {
  CHECK_THROWS_WITH_AS(imported("gpt2.json"), doctest::Contains("gpt2.json: /model_type: cannot import: 'gpt2'"),
                       core::ConfigError);
  CHECK_THROWS_WITH_AS(imported("mistral-7b-v0.1.json"), doctest::Contains("mistral-7b-v0.1.json: /sliding_window"),
                       core::ConfigError);
  core::Json config = core::Json::parse(R"({"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4,
      "num_hidden_layers": 2, "intermediate_size": 128, "vocab_size": 10, "hidden_act": "gelu"})");
  CHECK_THROWS_WITH_AS(sim::import_hf_config(config, "c.json", "x"), doctest::Contains("c.json: /hidden_act"),
                       core::ConfigError);
  config.erase("hidden_size");
  config["hidden_act"] = "silu";
  CHECK_THROWS_WITH_AS(sim::import_hf_config(config, "c.json", "x"), doctest::Contains("c.json: /hidden_size: "),
                       core::ConfigError);
}

TEST_CASE("an imported preset loads in a study and predicts, and import-model never replaces a file") {
  cascadesim::testing::TempDir dir;
  const std::string preset = (dir.path() / "deepseek-v2-lite.json").string();
  std::ostringstream out;
  sim::run_import_model(sim::ImportModelOptions{configs + "deepseek-v2-lite.json", preset, ""}, out);
  CHECK(out.str().find("wrote") != std::string::npos);
  core::write_file_atomically(
      (dir.path() / "study.json").string(),
      R"({"schema_version": 1, "name": "lite", "hardware": "h200", "model": "deepseek-v2-lite.json",
                                  "workload": {"phase": "decode", "seq_len": 4096, "batch": 1, "tile_tokens": 32}})");
  const sim::LoadedStudy st = sim::load_study((dir.path() / "study.json").string(), sim::LoadOptions{});
  CHECK(st.study.model.name == "deepseek-v2-lite");
  CHECK(st.study.model.kv_cache_elements_per_token() == 512 + 64);
  CHECK(models::predict(st.study, models::Accounting::exact).dense_model.cost.flops() > 0);
  CHECK_THROWS_WITH_AS(sim::run_import_model(sim::ImportModelOptions{configs + "llama-3.1-8b.json", preset, ""}, out),
                       doctest::Contains("exists"), core::OutputError);
}
