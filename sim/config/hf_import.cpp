// Hugging Face config.json -> model preset: the keys of transformers' LlamaConfig, MistralConfig, MixtralConfig,
// Qwen2Config, Qwen2MoeConfig, Qwen3Config, Qwen3MoeConfig, DeepseekV2Config and DeepseekV3Config.
#include "sim/config/hf_import.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/config_error.hpp"

namespace cascadesim::sim {

namespace {

enum class Family { llama, mixtral, qwen_moe, deepseek };

struct KnownType {
  std::string_view model_type;
  Family family;
};
constexpr std::array<KnownType, 9> known_types{{{"llama", Family::llama},
                                                {"mistral", Family::llama},
                                                {"qwen2", Family::llama},
                                                {"qwen3", Family::llama},
                                                {"mixtral", Family::mixtral},
                                                {"qwen2_moe", Family::qwen_moe},
                                                {"qwen3_moe", Family::qwen_moe},
                                                {"deepseek_v2", Family::deepseek},
                                                {"deepseek_v3", Family::deepseek}}};

// Reads the config's keys, citing each one it uses and collecting every key it cannot represent.
class HfReader {
 public:
  HfReader(const core::Json& config, const std::string& file) : config_(config), file_(file) {}

  const core::Json* find(std::string_view key) const {
    const auto it = config_.find(std::string(key));
    return it == config_.end() || it->is_null() ? nullptr : &*it;
  }
  // A positive integer (or `fallback` when absent and one is given); records a problem otherwise.
  std::int64_t count(std::string_view key, std::optional<std::int64_t> fallback = std::nullopt, bool zero_ok = false) {
    const core::Json* v = find(key);
    if (!v) {
      if (!fallback) refuse(key, "missing: the model format needs it");
      return fallback.value_or(0);
    }
    if (!v->is_number_integer() || v->get<std::int64_t>() < (zero_ok ? 0 : 1)) {
      refuse(key, std::string("expected ") + (zero_ok ? "an integer >= 0" : "a positive integer") + " (got " +
                      core::describe_value(*v) + ")");
      return 0;
    }
    return v->get<std::int64_t>();
  }
  std::string text(std::string_view key) const {
    const core::Json* v = find(key);
    return v && v->is_string() ? v->get<std::string>() : std::string();
  }
  bool flag(std::string_view key) const {
    const core::Json* v = find(key);
    return v && v->is_boolean() && v->get<bool>();
  }
  void refuse(std::string_view key, const std::string& why) {
    errors_.add(file_, "/" + core::json_pointer_token(key), "cannot import: " + why);
  }
  // "config.json: /key = value" for the preset's citations.
  std::string cite(std::string_view key, std::string_view note = {}) const {
    const core::Json* v = find(key);
    std::string s = file_ + ": /" + std::string(key) + " = " + (v ? v->dump() : std::string("(absent)"));
    if (!note.empty()) s += " (" + std::string(note) + ")";
    return s;
  }
  void throw_if_any() const { errors_.throw_if_any(); }

 private:
  const core::Json& config_;
  const std::string& file_;
  core::ConfigErrors errors_;
};

}  // namespace

core::Json import_hf_config(const core::Json& config, const std::string& file, const std::string& name) {
  if (!config.is_object()) {
    core::ConfigErrors e;
    e.add(file, "", "cannot import: expected a JSON object (a Hugging Face config.json)");
    e.throw_if_any();
  }
  HfReader r(config, file);
  const std::string type = r.text("model_type");
  std::optional<Family> family;
  for (const KnownType& k : known_types)
    if (k.model_type == type) family = k.family;
  if (!family) {
    r.refuse("model_type", "'" + type +
                               "' is not one of llama, mistral, qwen2, qwen3, mixtral, qwen2_moe, qwen3_moe, "
                               "deepseek_v2, deepseek_v3");
    r.throw_if_any();
  }
  core::Json out = core::Json::object();
  core::Json source = core::Json::object();
  out["schema_version"] = 1;
  out["name"] = name;
  out["description"] = "imported from " + file + " (model_type " + type + ") by cascadesim import-model";
  auto set = [&](const char* key, std::int64_t value, const char* hf_key, std::string_view note = {}) {
    out[key] = value;
    source[key] = r.cite(hf_key, note);
  };

  const std::int64_t d = r.count("hidden_size");
  const std::int64_t heads = r.count("num_attention_heads");
  set("d_model", d, "hidden_size");
  set("n_heads", heads, "num_attention_heads");
  set("n_layers", r.count("num_hidden_layers"), "num_hidden_layers");
  set("d_mlp", r.count("intermediate_size"), "intermediate_size");
  set("vocab_size", r.count("vocab_size"), "vocab_size",
      r.flag("tie_word_embeddings") ? "tied with the LM head: the footprint counts both tables" : "");
  const bool latent = *family == Family::deepseek && r.count("kv_lora_rank", 0, true) > 0;
  if (latent) {
    const std::int64_t kv_heads = r.count("num_key_value_heads", heads);
    set("n_kv_heads", kv_heads, "num_key_value_heads");
    if (kv_heads != heads)
      r.refuse("num_key_value_heads",
               "latent attention decompresses K and V for every head: must equal "
               "num_attention_heads");
    set("head_dim", r.count("qk_nope_head_dim"), "qk_nope_head_dim", "the per-head non-rotary Q/K width");
    set("kv_lora_rank", r.count("kv_lora_rank"), "kv_lora_rank");
    set("q_lora_rank", r.count("q_lora_rank", 0, true), "q_lora_rank", "null: Q projected at full rank");
    set("qk_rope_head_dim", r.count("qk_rope_head_dim"), "qk_rope_head_dim");
    set("v_head_dim", r.count("v_head_dim"), "v_head_dim");
  } else {
    const std::int64_t kv_heads = r.count("num_key_value_heads", heads);
    set("n_kv_heads", kv_heads, "num_key_value_heads", r.find("num_key_value_heads") ? "" : "absent: n_heads");
    if (heads > 0 && kv_heads > 0 && heads % kv_heads != 0)
      r.refuse("num_key_value_heads", "must divide num_attention_heads");
    const std::int64_t head_dim = r.count("head_dim", heads > 0 ? d / heads : 0);
    set("head_dim", head_dim, r.find("head_dim") ? "head_dim" : "hidden_size",
        r.find("head_dim") ? "" : "hidden_size / num_attention_heads");
  }
  // The MLP: SiLU-gated (SwiGLU) in every family read here.
  if (const std::string act = r.text("hidden_act"); act != "silu")
    r.refuse("hidden_act", "only silu (SwiGLU: gate, up, down) is modelled (got '" + act + "')");
  out["mlp"] = "swiglu";
  source["mlp"] = r.cite("hidden_act", "gate, up and down projections (SwiGLU)");
  out["norm"] = "rmsnorm";
  source["norm"] = r.cite("rms_norm_eps", "RMSNorm before attention and before the MLP");
  out["positional"] = "rope";
  source["positional"] = r.cite("rope_theta", "rotary embeddings; rope_scaling changes positions, not costs");
  out["causal"] = true;
  source["causal"] = r.cite("model_type", "decoder-only language model");
  // A sliding window bounds the keys each query sees: a pattern of the study (window), not of the model.
  if (r.find("sliding_window") && (type == "mistral" || type == "mixtral" || r.flag("use_sliding_window")))
    r.refuse("sliding_window",
             "sliding-window attention is not a model field: import a config without it and run "
             "the study with the window pattern");
  if (*family == Family::mixtral) {
    set("experts", r.count("num_local_experts"), "num_local_experts");
    set("experts_per_token", r.count("num_experts_per_tok"), "num_experts_per_tok");
    set("expert_ffn_dim", r.count("intermediate_size"), "intermediate_size", "each expert's SwiGLU width");
  } else if (*family == Family::qwen_moe) {
    set("experts", r.count("num_experts"), "num_experts");
    set("experts_per_token", r.count("num_experts_per_tok"), "num_experts_per_tok");
    const std::int64_t width = r.count("moe_intermediate_size");
    set("expert_ffn_dim", width, "moe_intermediate_size");
    if (r.count("decoder_sparse_step", 1) != 1)
      r.refuse("decoder_sparse_step", "MoE layers only every few layers are not modelled (must be 1)");
    if (const core::Json* only = r.find("mlp_only_layers"); only && !(only->is_array() && only->empty()))
      r.refuse("mlp_only_layers", "dense layers among the MoE layers are not modelled (must be empty)");
    if (const std::int64_t shared = r.count("shared_expert_intermediate_size", 0, true); shared > 0) {
      if (width > 0 && shared % width != 0)
        r.refuse("shared_expert_intermediate_size",
                 "the shared expert must be a whole number of experts of "
                 "moe_intermediate_size");
      else if (width > 0)
        set("shared_experts", shared / width, "shared_expert_intermediate_size", "in experts of moe_intermediate_size");
    }
  } else if (*family == Family::deepseek && r.count("n_routed_experts", 0, true) > 0) {
    set("experts", r.count("n_routed_experts"), "n_routed_experts");
    set("experts_per_token", r.count("num_experts_per_tok"), "num_experts_per_tok");
    set("expert_ffn_dim", r.count("moe_intermediate_size"), "moe_intermediate_size");
    set("shared_experts", r.count("n_shared_experts", 0, true), "n_shared_experts");
    set("dense_mlp_layers", r.count("first_k_dense_replace", 0, true), "first_k_dense_replace",
        "these first layers keep the dense MLP of intermediate_size");
    if (r.count("moe_layer_freq", 1) != 1)
      r.refuse("moe_layer_freq", "MoE layers only every few layers are not modelled (must be 1)");
  }
  r.throw_if_any();
  out["source"] = source;
  return out;
}

}  // namespace cascadesim::sim
