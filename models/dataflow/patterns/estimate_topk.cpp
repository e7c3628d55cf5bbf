// Estimate-then-sparse (seed 003's most common family: Quest, SALE, SampleAttention-style): every reuse layer scores
// its own key tiles with a cheap estimator (pooled low-resolution attention, low-bit Q . K, chunk summaries), selects,
// then attends only to what it selected; no anchor layer is needed. k is fixed (the study's top_k) or set by a
// threshold, given as the fraction of visible tiles that pass it: a threshold on scores or on probability mass keeps a
// number of tiles that grows with the context, and the fraction kept (the density a selection trace shows) is what
// sizes the work, whatever the threshold's value.
#include <cmath>

#include "models/dataflow/patterns/kascade_lists.hpp"

namespace cascadesim::models::dataflow {
namespace {

constexpr std::array<std::string_view, 3> estimator_names{"pooled", "low_bit", "chunk_summary"};
constexpr std::array<std::string_view, 2> list_names{"per_kv_head", "per_head"};

struct EstimateConfig {
  std::string estimator;
  std::int64_t pool_factor = 4;
  std::int64_t bits = 4;
  std::int64_t summary_vectors = 2;
  std::string lists = "per_kv_head";
  std::int64_t min_tiles = 2;
};
constexpr auto estimate_fields = std::to_array<core::Field<EstimateConfig>>({
    {.key = "estimator",
     .doc = "how each layer scores its key tiles: pooled (the cascade stage: mean-pool Q, K, V by pool_factor, "
            "coarse attention), low_bit (Q . K^T with keys at `bits` bits), chunk_summary (each query row against "
            "summary_vectors vectors per key tile, as Quest's min and max)",
     .presence = core::Presence::required,
     .target = &EstimateConfig::estimator,
     .text_choices = estimator_names},
    {.key = "pool_factor",
     .unit = "tokens",
     .doc = "pooled: tokens averaged into one; must divide tile_tokens",
     .min = 1,
     .max = 4096,
     .target = &EstimateConfig::pool_factor},
    {.key = "bits",
     .unit = "bits",
     .doc = "low_bit: bits per key element the estimate reads",
     .min = 1,
     .max = 16,
     .target = &EstimateConfig::bits},
    {.key = "summary_vectors",
     .doc = "chunk_summary: vectors of head_dim stored per key tile",
     .min = 1,
     .max = 64,
     .target = &EstimateConfig::summary_vectors},
    {.key = "lists",
     .doc = "per_kv_head: the query heads of a GQA group share one selection (their scores summed); per_head: each "
            "query head selects its own, so a group's K/V unit loads the union",
     .target = &EstimateConfig::lists,
     .text_choices = list_names},
    {.key = "min_tiles",
     .doc = "threshold k: tiles kept at least (the sink and the own tile rank first)",
     .min = 1,
     .max = 1.0e12,
     .target = &EstimateConfig::min_tiles},
});
const std::array<std::string_view, 1> estimate_keys{"kept_fraction_by_layer"};

class EstimateTopK : public AttentionPattern {
 public:
  EstimateTopK(EstimateConfig config, std::vector<double> kept) : config_(std::move(config)), kept_(std::move(kept)) {
    for (std::size_t i = 0; i < estimator_names.size(); ++i)
      if (estimator_names[i] == config_.estimator) estimator_.kind = static_cast<EstimatorKind>(i);
    estimator_.pool_factor = config_.pool_factor;
    estimator_.bits = config_.bits;
    estimator_.summary_vectors = config_.summary_vectors;
  }
  void visited_tiles(const PatternSpace& s, std::int64_t head, std::int64_t q,
                     std::vector<std::int64_t>& out) const override {
    kascade_lists(own_space(s), head, q, visited_count(s, head, q), out);
  }
  // Fixed: min(top_k, visible). Threshold: ceil(kept fraction x visible), at least min_tiles, at most visible.
  std::int64_t visited_count(const PatternSpace& s, std::int64_t, std::int64_t q) const override {
    const std::int64_t seen = s.visible(q);
    if (kept_.empty()) return std::min(s.top_k, seen);
    const double passing = std::ceil(per_layer_entry(kept_, s.layer) * static_cast<double>(seen) - 1e-9);
    return std::min(seen, std::max(config_.min_tiles, static_cast<std::int64_t>(passing)));
  }
  std::int64_t group_visited_count(const PatternSpace& s, std::int64_t kv_head, std::int64_t q) const override {
    if (shared_by_group()) return visited_count(s, kv_head, q);
    return AttentionPattern::group_visited_count(s, kv_head, q);
  }
  double visited_blocks(const PatternSpace& s) const override {
    if (kept_.empty()) return static_cast<double>(s.heads) * capped_blocks_per_head(s, s.top_k);
    double per_head = 0;
    for (std::int64_t q = 0; q < s.query_tiles; ++q) per_head += static_cast<double>(visited_count(s, 0, q));
    return static_cast<double>(s.heads) * per_head;
  }
  bool uses_top_k() const override { return kept_.empty(); }
  std::optional<ListEstimator> estimator() const override { return estimator_; }
  bool needs_anchor() const override { return false; }
  // Each layer draws its own lists, but a group's union has the same size in every layer when the group shares them.
  bool same_costs_every_layer() const override { return shared_by_group() && kept_.size() <= 1; }
  std::string problem(const PatternSpace& s) const override {
    if (estimator_.kind == EstimatorKind::pooled && s.tile_tokens % config_.pool_factor != 0)
      return "pool_factor " + std::to_string(config_.pool_factor) + " must divide tile_tokens " +
             std::to_string(s.tile_tokens) + " (the coarse grid keeps the fine grid's tile count)";
    return {};
  }
  core::Json config() const override {
    core::Json out = core::fields_to_json<EstimateConfig>(estimate_fields, config_);
    out["impl"] = "estimate_topk";
    if (!kept_.empty()) out["kept_fraction_by_layer"] = kept_;
    return out;
  }

 private:
  bool shared_by_group() const { return config_.lists == "per_kv_head"; }
  // The ranking this layer's estimate draws: its own (seeded by its layer, not an anchor's), per K/V head or, for
  // per_head lists, per query head.
  PatternSpace own_space(const PatternSpace& s) const {
    PatternSpace t = s;
    t.anchor_seed = static_cast<std::uint64_t>(s.layer + 1);
    if (!shared_by_group()) t.kv_heads = t.heads;
    return t;
  }

  EstimateConfig config_;
  std::vector<double> kept_;  // per layer, the fraction of visible tiles that pass the threshold; empty: fixed k
  ListEstimator estimator_;
};

std::unique_ptr<AttentionPattern> make_estimate(const EstimateConfig& config, const core::ConfigNode& node) {
  const std::size_t before = node.errors().size();
  std::vector<double> kept = read_fraction_list(node, "kept_fraction_by_layer", false);
  if (node.errors().size() != before) return nullptr;
  return std::make_unique<EstimateTopK>(config, std::move(kept));
}

}  // namespace

CASCADESIM_REGISTER_PATTERN(estimate_topk, "estimate_topk",
                            "estimate-then-sparse: every reuse layer scores its own key tiles (estimator pooled, "
                            "low_bit or chunk_summary), selects the study's top_k (or, with kept_fraction_by_layer, "
                            "the fraction of visible tiles a threshold passes) and attends to those; no anchor needed",
                            EstimateConfig, estimate_fields, estimate_keys, make_estimate,
                            R"({"estimator": "pooled", "pool_factor": 4})")

}  // namespace cascadesim::models::dataflow
