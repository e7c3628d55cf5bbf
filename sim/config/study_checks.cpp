// Cross-field study checks and their messages (the loader's wording, which its tests pin).
#include "sim/config/study_checks.hpp"

#include <cmath>

#include "models/cascade.hpp"
#include "models/decode_steps.hpp"
#include "models/layer_costs.hpp"
#include "models/layer_schedule.hpp"
#include "models/memory_footprint.hpp"
#include "models/tiles.hpp"

namespace cascadesim::sim {

std::string kv_heads_problem(const models::TransformerModel& m) {
  if (m.n_kv_heads > 0 && m.n_heads % m.n_kv_heads == 0) return {};
  return "must divide n_heads (" + std::to_string(m.n_heads) + "), got " + std::to_string(m.n_kv_heads);
}

std::optional<ModelFieldProblem> model_fields_problem(const models::TransformerModel& m) {
  const auto n = [](std::int64_t v) { return std::to_string(v); };
  if (m.moe()) {
    if (m.experts_per_token < 1 || m.experts_per_token > m.experts)
      return ModelFieldProblem{"experts_per_token",
                               "must be 1 to experts (" + n(m.experts) + "), got " + n(m.experts_per_token)};
    if (m.expert_ffn_dim < 1) return ModelFieldProblem{"expert_ffn_dim", "must be >= 1 when experts is set"};
    if (m.dense_mlp_layers >= m.n_layers)
      return ModelFieldProblem{"dense_mlp_layers",
                               "must be below n_layers (" + n(m.n_layers) + "), got " + n(m.dense_mlp_layers)};
  } else {
    for (const auto& [key, value] : {std::pair<const char*, std::int64_t>{"experts_per_token", m.experts_per_token},
                                     {"shared_experts", m.shared_experts},
                                     {"dense_mlp_layers", m.dense_mlp_layers}})
      if (value != 0) return ModelFieldProblem{key, "is a mixture-of-experts field: set experts too"};
  }
  if (m.mla()) {
    if (m.qk_rope_head_dim < 1) return ModelFieldProblem{"qk_rope_head_dim", "must be >= 1 when kv_lora_rank is set"};
    if (m.v_head_dim < 1) return ModelFieldProblem{"v_head_dim", "must be >= 1 when kv_lora_rank is set"};
    if (m.n_kv_heads != m.n_heads)
      return ModelFieldProblem{"n_kv_heads", "must equal n_heads (" + n(m.n_heads) +
                                                 ") with kv_lora_rank: MLA decompresses K and V for every head"};
  } else {
    for (const auto& [key, value] : {std::pair<const char*, std::int64_t>{"q_lora_rank", m.q_lora_rank},
                                     {"qk_rope_head_dim", m.qk_rope_head_dim},
                                     {"v_head_dim", m.v_head_dim}})
      if (value != 0) return ModelFieldProblem{key, "is a latent-attention field: set kv_lora_rank too"};
  }
  return std::nullopt;
}

std::string schedule_problem(const models::LayerSchedule& schedule, std::int64_t n_layers, bool reuse_needs_anchor) {
  try {
    models::check_layer_schedule(schedule, n_layers, reuse_needs_anchor);
  } catch (const models::ScheduleError& e) {
    return e.what();
  }
  return {};
}

std::string top_k_problem(const models::Workload& w) {
  if (!w.pattern->uses_top_k()) return {};
  const models::LayerCounts counts = w.schedule.counts();
  if (counts.reuse + counts.anchor > 0 && w.top_k < 1)
    return "must be >= 1 when the schedule has anchor or reuse layers (got " + std::to_string(w.top_k) + ")";
  const std::int64_t query_tokens = w.phase == models::Phase::prefill ? w.seq_len : 1;
  const models::TileGrid grid = models::tile_grid(query_tokens, w.seq_len, w.tile_tokens);
  if (w.top_k > grid.key_tiles)
    return "top_k " + std::to_string(w.top_k) + " exceeds the " + std::to_string(grid.key_tiles) +
           " key tiles of seq_len " + std::to_string(w.seq_len) + " / tile_tokens " + std::to_string(w.tile_tokens);
  return {};
}

std::string exit_layer_problem(const models::EarlyExitPoint& exit, std::int64_t n_layers) {
  if (exit.after_layer <= n_layers) return {};
  return "exit after layer " + std::to_string(exit.after_layer) + " but the model has " + std::to_string(n_layers) +
         " layers";
}

std::string pattern_problem(const models::Study& study) {
  const models::LayerShape shape = models::layer_shape(study.workload);
  for (const auto& [layer, anchor_seed] : shape.reuse_layers)
    if (std::string why = shape.pattern->problem(models::pattern_space(study.model, shape, layer, anchor_seed));
        !why.empty())
      return why;
  if (study.workload.cascade && !shape.reuse_layers.empty()) {
    // Each cascade stage runs the layers on a grid of its own token count.
    const models::CascadeSpec& spec = *study.workload.cascade;
    for (std::size_t i = 0; i < spec.stages.size(); ++i) {
      const std::int64_t tokens = models::stage_tokens(study.workload.seq_len, spec, i);
      models::LayerShape staged = shape;
      staged.key_tokens = tokens;
      staged.query_tokens = study.workload.phase == models::Phase::prefill ? tokens : 1;
      for (const auto& [layer, anchor_seed] : shape.reuse_layers)
        if (std::string why = shape.pattern->problem(models::pattern_space(study.model, staged, layer, anchor_seed));
            !why.empty())
          return why + " (cascade stage " + std::to_string(i + 1) + ")";
    }
  }
  return {};
}

std::string parallel_problem(const models::Study& study) {
  const models::ParallelSpec& p = study.workload.parallel;
  const std::int64_t devices = study.hardware.interconnect.devices;
  if (devices % p.tensor_parallel != 0)
    return "tensor_parallel " + std::to_string(p.tensor_parallel) + " does not divide the " + std::to_string(devices) +
           " devices of /hardware/interconnect";
  const std::int64_t cp = devices / p.tensor_parallel;
  if (p.context == models::ContextParallel::none && cp > 1)
    return "context none leaves " + std::to_string(cp) +
           " groups of devices idle: name a context split or set "
           "tensor_parallel to the " +
           std::to_string(devices) + " devices";
  if (cp > 1 && study.workload.phase != models::Phase::prefill)
    return "context parallelism splits a prefill's sequence";
  if (devices > 1 && study.workload.decode)
    return "decode steps (/workload/decode) run on one device; this machine's /hardware/interconnect has " +
           std::to_string(devices);
  if (p.tensor_parallel > study.model.n_heads || study.model.n_heads % p.tensor_parallel != 0)
    return "tensor_parallel " + std::to_string(p.tensor_parallel) + " must divide the model's " +
           std::to_string(study.model.n_heads) + " heads";
  if (p.context == models::ContextParallel::ulysses && study.model.n_heads % devices != 0)
    return "ulysses gives every device whole heads: " + std::to_string(devices) + " devices do not divide " +
           std::to_string(study.model.n_heads) + " heads";
  if (cp > 1) {
    const std::int64_t tiles = (study.workload.seq_len + study.workload.tile_tokens - 1) / study.workload.tile_tokens;
    const std::int64_t chunks = p.context == models::ContextParallel::ring ? cp : 2 * cp;
    if (tiles < chunks)
      return "the sequence's " + std::to_string(tiles) + " tiles cannot give each of " + std::to_string(chunks) +
             " shards one";
  }
  return {};
}

std::string decode_problem(const models::Study& study) {
  const models::Workload& w = study.workload;
  if (!w.decode) return {};
  const models::DecodeSpec& d = *w.decode;
  if (w.phase != models::Phase::decode) return "decode steps need phase decode";
  if (w.cascade || w.early_exit) return "decode steps do not compose with a cascade or early exits";
  if (d.eviction == models::KvEviction::none && d.kv_budget_tokens > 0)
    return "kv_budget_tokens " + std::to_string(d.kv_budget_tokens) + " needs an eviction policy";
  if (d.eviction != models::KvEviction::none && d.kv_budget_tokens < w.tile_tokens)
    return "eviction needs kv_budget_tokens of at least one tile (" + std::to_string(w.tile_tokens) + " tokens), got " +
           std::to_string(d.kv_budget_tokens);
  if (d.eviction != models::KvEviction::none && w.pattern->uses_top_k() && !w.schedule.layers.empty() &&
      w.top_k * w.tile_tokens > d.kv_budget_tokens)
    return "top_k " + std::to_string(w.top_k) + " tiles exceed the kv_budget_tokens " +
           std::to_string(d.kv_budget_tokens);
  if (d.kv_offload_fraction > 0 && study.hardware.host_bytes <= 0)
    return "kv_offload_fraction needs a host-memory tier (/hardware/host_memory); hardware '" + study.hardware.name +
           "' has none";
  return {};
}

std::string hbm_capacity_problem(const models::Study& study) {
  models::Workload at = study.workload;
  // Decode steps: the largest cache the run keeps, its overflow (or offloaded share) in host memory.
  if (at.decode) at.seq_len = models::kept_tokens(at, at.decode->steps - 1, false);
  models::MemoryFootprint f = models::memory_footprint(study.model, at);
  double host_need = 0;
  if (at.decode && study.hardware.host_bytes > 0) {
    const std::int64_t tiles = (at.seq_len + at.tile_tokens - 1) / at.tile_tokens;
    // Whole bytes: the tiles' share of the cache.
    host_need = std::ceil(f.kv_cache_bytes * static_cast<double>(models::host_key_tiles(study, at.seq_len)) /
                          static_cast<double>(tiles));
    f.kv_cache_bytes -= host_need;
    if (host_need > study.hardware.host_bytes)
      return "needs " + core::format_number(host_need) + " bytes of host memory for the K/V the HBM cannot hold but " +
             study.hardware.name + "'s /host_memory has " + core::format_number(study.hardware.host_bytes);
  }
  // One device holds its share: the weights over the tensor ranks, the K/V cache and activations over every device
  // (context ranks hold their tokens, tensor ranks their heads).
  const double devices = static_cast<double>(study.hardware.interconnect.devices);
  f.weight_bytes /= static_cast<double>(study.workload.parallel.tensor_parallel);
  f.kv_cache_bytes /= devices;
  f.activation_bytes /= devices;
  if (f.total_bytes() <= study.hardware.hbm_bytes) return {};
  return "needs " + core::format_number(f.total_bytes()) + " bytes of HBM (weights " +
         core::format_number(f.weight_bytes) + ", K/V cache " + core::format_number(f.kv_cache_bytes) +
         ", activations " + core::format_number(f.activation_bytes) + ") but " + study.hardware.name + " has " +
         core::format_number(study.hardware.hbm_bytes) +
         (at.decode && study.hardware.host_bytes <= 0 ? " and no host-memory tier (/hardware/host_memory) to offload to"
                                                      : "");
}

std::optional<StudyProblem> precision_problem(const models::Study& study) {
  using models::Precision;
  const models::TensorPrecisions& p = study.workload.precision;
  struct Product {
    const char* what;
    const char* a_key;
    Precision a;
    const char* b_key;
    Precision b;
  };
  const Product products[] = {
      {"the projections and MLP (activations x weights)", "activations", p.activations, "weights", p.weights},
      {"Q K^T (activations x kv_cache)", "activations", p.activations, "kv_cache", p.kv_cache},
      {"P V (scores x kv_cache)", "scores", p.scores, "kv_cache", p.kv_cache}};
  const models::HardwareSpec& hw = study.hardware;
  for (const Product& product : products) {
    const Precision at = models::matrix_precision(product.a, product.b);
    if (hw.matrix_macs_per_cycle_at(at) > 0) continue;
    std::string has;
    for (std::size_t r = 0; r < models::matrix_rate_count; ++r)
      if (r == models::matrix_rate(hw.matrix_dtype) || hw.declared_matrix_macs_per_cycle[r] > 0)
        has += (has.empty() ? "" : ", ") + std::string(models::matrix_rate_names[r]);
    const std::string rate(models::matrix_rate_names[models::matrix_rate(at)]);
    return StudyProblem{std::string("/workload/precision/") + (at == product.a ? product.a_key : product.b_key),
                        std::string(models::to_string(at)) + " makes " + product.what + " run at " + rate + ", but " +
                            (hw.name.empty() ? std::string("the hardware") : hw.name) + "'s matrix unit has no " +
                            rate + " rate (/hardware/matrix_unit/" + rate + "_macs_per_cycle); it has " + has};
  }
  return std::nullopt;
}

std::optional<StudyProblem> first_cross_field_problem(const models::Study& study) {
  if (std::string why = kv_heads_problem(study.model); !why.empty())
    return StudyProblem{"/model/n_kv_heads", std::move(why)};
  if (std::optional<ModelFieldProblem> p = model_fields_problem(study.model))
    return StudyProblem{"/model/" + p->key, std::move(p->why)};
  const models::Workload& w = study.workload;
  if (!w.schedule.layers.empty())
    if (std::string why = schedule_problem(w.schedule, study.model.n_layers, w.pattern->needs_anchor()); !why.empty())
      return StudyProblem{"/workload/schedule", std::move(why)};
  if (std::string why = top_k_problem(w); !why.empty()) return StudyProblem{"/workload/top_k", std::move(why)};
  if (std::string why = pattern_problem(study); !why.empty()) return StudyProblem{"/workload/pattern", std::move(why)};
  if (w.early_exit) {
    for (std::size_t i = 0; i < w.early_exit->exits.size(); ++i)
      if (std::string why = exit_layer_problem(w.early_exit->exits[i], study.model.n_layers); !why.empty())
        return StudyProblem{"/workload/early_exit/exits/" + std::to_string(i) + "/after_layer", std::move(why)};
  }
  if (std::string why = parallel_problem(study); !why.empty())
    return StudyProblem{"/workload/parallel", std::move(why)};
  if (std::optional<StudyProblem> problem = precision_problem(study)) return problem;
  if (std::string why = decode_problem(study); !why.empty()) return StudyProblem{"/workload/decode", std::move(why)};
  if (std::string why = hbm_capacity_problem(study); !why.empty())
    return StudyProblem{"/workload/batch", std::move(why)};
  return std::nullopt;
}

}  // namespace cascadesim::sim
