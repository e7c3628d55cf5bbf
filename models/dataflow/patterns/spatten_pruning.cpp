// SpAtten's cascade token and head pruning (Wang, Zhang, Han, HPCA 2021; seed 003): tokens and heads are ranked by the
// attention probability earlier layers gave them, accumulated, and each layer keeps a fraction of them; what a layer
// prunes stays pruned in every later layer, so later layers see fewer keys and heads. Keep ratios are given per layer
// or follow a geometric schedule (each layer from start_layer on keeps keep_per_layer of what the one before kept,
// down to min_keep). The ranking is data-dependent, so it is drawn once per study by a hash of the tile (or head)
// index, the same in every layer, with the query's own tile and the sink first: the kept sets nest layer by layer.
// A pruned head visits no key tile (its query rows are still loaded and its zero output written).
#include <cmath>

#include "models/dataflow/pattern.hpp"

namespace cascadesim::models::dataflow {
namespace {

struct PruningConfig {
  std::int64_t token_start_layer = 0;
  double token_keep_per_layer = 1.0;
  double token_min_keep = 0.0;
  std::int64_t head_start_layer = 0;
  double head_keep_per_layer = 1.0;
  double head_min_keep = 0.0;
};
constexpr auto pruning_fields = std::to_array<core::Field<PruningConfig>>({
    {.key = "token_start_layer",
     .doc = "schedule: the first layer (0-based) that prunes tokens",
     .min = 0,
     .max = 1 << 16,
     .target = &PruningConfig::token_start_layer},
    {.key = "token_keep_per_layer",
     .doc = "schedule: the fraction of the tokens still kept that each pruning layer keeps",
     .min = 0,
     .max = 1,
     .min_exclusive = true,
     .target = &PruningConfig::token_keep_per_layer},
    {.key = "token_min_keep",
     .doc = "schedule: the fraction of the tokens kept at least",
     .min = 0,
     .max = 1,
     .target = &PruningConfig::token_min_keep},
    {.key = "head_start_layer",
     .doc = "schedule: the first layer (0-based) that prunes heads",
     .min = 0,
     .max = 1 << 16,
     .target = &PruningConfig::head_start_layer},
    {.key = "head_keep_per_layer",
     .doc = "schedule: the fraction of the heads still kept that each pruning layer keeps",
     .min = 0,
     .max = 1,
     .min_exclusive = true,
     .target = &PruningConfig::head_keep_per_layer},
    {.key = "head_min_keep",
     .doc = "schedule: the fraction of the heads kept at least",
     .min = 0,
     .max = 1,
     .target = &PruningConfig::head_min_keep},
});
const std::array<std::string_view, 2> pruning_keys{"token_keep_by_layer", "head_keep_by_layer"};

// The fraction a geometric schedule keeps at `layer`.
double scheduled_keep(std::int64_t layer, std::int64_t start, double per_layer, double min_keep) {
  if (layer < start) return 1.0;
  return std::max(min_keep, std::pow(per_layer, static_cast<double>(layer - start + 1)));
}

// ceil(keep x n) of n items, at least one, tolerant of the rounding of keep x n.
std::int64_t kept_of(double keep, std::int64_t n) {
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(keep * static_cast<double>(n) - 1e-9)), 1, n);
}

class SpattenPruning : public AttentionPattern {
 public:
  SpattenPruning(PruningConfig config, std::vector<double> tokens, std::vector<double> heads)
      : config_(config), token_keep_(std::move(tokens)), head_keep_(std::move(heads)) {}

  void visited_tiles(const PatternSpace& s, std::int64_t head, std::int64_t q,
                     std::vector<std::int64_t>& out) const override {
    out.clear();
    if (!head_kept(s, head)) return;
    const std::int64_t seen = s.visible(q), m = tiles_kept(s, q);
    if (m >= seen) {
      for (std::int64_t j = 0; j < seen; ++j) out.push_back(j);
      return;
    }
    const std::int64_t own = s.own_tile(q);
    out.push_back(own);
    if (m > 1 && own != 0) out.push_back(0);
    std::vector<std::pair<std::uint64_t, std::int64_t>> rest;
    rest.reserve(static_cast<std::size_t>(seen));
    for (std::int64_t j = 1; j < seen; ++j)
      if (j != own) rest.emplace_back(token_rank(j), j);
    const auto need = static_cast<std::ptrdiff_t>(m) - static_cast<std::ptrdiff_t>(out.size());
    std::nth_element(rest.begin(), rest.begin() + need, rest.end());
    for (std::ptrdiff_t i = 0; i < need; ++i) out.push_back(rest[static_cast<std::size_t>(i)].second);
    std::sort(out.begin(), out.end());
  }
  std::int64_t visited_count(const PatternSpace& s, std::int64_t head, std::int64_t q) const override {
    return head_kept(s, head) ? tiles_kept(s, q) : 0;
  }
  // Every kept head of a group visits the same tiles.
  std::int64_t group_visited_count(const PatternSpace& s, std::int64_t kv_head, std::int64_t q) const override {
    const std::int64_t group = std::max<std::int64_t>(1, s.heads / s.kv_heads);
    for (std::int64_t h = kv_head * group; h < (kv_head + 1) * group; ++h)
      if (head_kept(s, h)) return tiles_kept(s, q);
    return 0;
  }
  double visited_blocks(const PatternSpace& s) const override {
    double per_head = 0;
    for (std::int64_t q = 0; q < s.query_tiles; ++q) per_head += static_cast<double>(tiles_kept(s, q));
    return static_cast<double>(kept_of(head_keep(s.layer), s.heads)) * per_head;
  }
  std::optional<ListEstimator> estimator() const override {
    ListEstimator e;
    e.kind = EstimatorKind::accumulated;
    e.shared_by_heads = true;
    return e;
  }
  bool needs_anchor() const override { return false; }
  core::Json config() const override {
    core::Json out = core::fields_to_json<PruningConfig>(pruning_fields, config_);
    out["impl"] = "spatten_pruning";
    if (!token_keep_.empty()) out["token_keep_by_layer"] = token_keep_;
    if (!head_keep_.empty()) out["head_keep_by_layer"] = head_keep_;
    return out;
  }

 private:
  double token_keep(std::int64_t layer) const {
    return token_keep_.empty()
               ? scheduled_keep(layer, config_.token_start_layer, config_.token_keep_per_layer, config_.token_min_keep)
               : per_layer_entry(token_keep_, layer);
  }
  double head_keep(std::int64_t layer) const {
    return head_keep_.empty()
               ? scheduled_keep(layer, config_.head_start_layer, config_.head_keep_per_layer, config_.head_min_keep)
               : per_layer_entry(head_keep_, layer);
  }
  std::int64_t tiles_kept(const PatternSpace& s, std::int64_t q) const {
    return kept_of(token_keep(s.layer), s.visible(q));
  }
  // Lower ranks are more important; the same in every layer, so a smaller keep ratio keeps a subset.
  static std::uint64_t token_rank(std::int64_t tile) { return selection_hash(static_cast<std::uint64_t>(tile)); }
  static std::uint64_t head_rank(std::int64_t head) {
    return selection_hash(0x5eed0000ULL + static_cast<std::uint64_t>(head));
  }
  bool head_kept(const PatternSpace& s, std::int64_t head) const {
    std::int64_t better = 0;  // heads ranked before this one
    for (std::int64_t h = 0; h < s.heads; ++h)
      if (head_rank(h) < head_rank(head) || (head_rank(h) == head_rank(head) && h < head)) ++better;
    return better < kept_of(head_keep(s.layer), s.heads);
  }

  PruningConfig config_;
  std::vector<double> token_keep_, head_keep_;  // per layer; empty: the schedule
};

std::unique_ptr<AttentionPattern> make_pruning(const PruningConfig& config, const core::ConfigNode& node) {
  const std::size_t before = node.errors().size();
  std::vector<double> tokens = read_fraction_list(node, "token_keep_by_layer", true);
  std::vector<double> heads = read_fraction_list(node, "head_keep_by_layer", true);
  const PruningConfig defaults;
  if (!tokens.empty() &&
      (config.token_keep_per_layer != defaults.token_keep_per_layer ||
       config.token_start_layer != defaults.token_start_layer || config.token_min_keep != defaults.token_min_keep))
    node.error_at("token_keep_by_layer", "give per-layer ratios or the token_* schedule, not both");
  if (!heads.empty() &&
      (config.head_keep_per_layer != defaults.head_keep_per_layer ||
       config.head_start_layer != defaults.head_start_layer || config.head_min_keep != defaults.head_min_keep))
    node.error_at("head_keep_by_layer", "give per-layer ratios or the head_* schedule, not both");
  if (node.errors().size() != before) return nullptr;
  return std::make_unique<SpattenPruning>(config, std::move(tokens), std::move(heads));
}

}  // namespace

CASCADESIM_REGISTER_PATTERN(spatten_pruning, "spatten_pruning",
                            "SpAtten cascade token and head pruning: each layer keeps a fraction of the tokens and "
                            "heads the layers before it kept (token_keep_by_layer / head_keep_by_layer, or a "
                            "geometric token_* / head_* schedule), ranked once on the top-k engine per layer",
                            PruningConfig, pruning_fields, pruning_keys, make_pruning,
                            R"({"token_keep_by_layer": [1, 0.5, 0.3], "head_keep_by_layer": [1, 1, 0.5]})")

}  // namespace cascadesim::models::dataflow
