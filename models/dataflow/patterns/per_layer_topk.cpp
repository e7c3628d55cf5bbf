// Kascade-style lists with a top-k of each layer's own (deeper layers often concentrate attention on fewer
// tiles): layer l keeps top_k_by_layer[l mod n] tiles of its anchor's ranking.
#include "models/dataflow/patterns/kascade_lists.hpp"

namespace cascadesim::models::dataflow {
namespace {

struct PerLayerConfig {};
constexpr std::span<const core::Field<PerLayerConfig>> per_layer_fields{};  // no parameters
const std::array<std::string_view, 1> per_layer_keys{"top_k_by_layer"};

class PerLayerTopK : public AttentionPattern {
 public:
  explicit PerLayerTopK(std::vector<std::int64_t> k) : k_(std::move(k)) {}
  void visited_tiles(const PatternSpace& s, std::int64_t head, std::int64_t q,
                     std::vector<std::int64_t>& out) const override {
    kascade_lists(s, head, q, k_of(s.layer), out);
  }
  std::int64_t visited_count(const PatternSpace& s, std::int64_t, std::int64_t q) const override {
    return std::min(k_of(s.layer), s.visible(q));
  }
  double visited_blocks(const PatternSpace& s) const override {
    return static_cast<double>(s.heads) * capped_blocks_per_head(s, k_of(s.layer));
  }
  bool selects_from_scores() const override { return true; }
  core::Json config() const override { return {{"impl", "per_layer_topk"}, {"top_k_by_layer", k_}}; }

 private:
  std::int64_t k_of(std::int64_t layer) const { return k_[static_cast<std::size_t>(layer) % k_.size()]; }
  std::vector<std::int64_t> k_;
};

std::unique_ptr<AttentionPattern> make_per_layer(const PerLayerConfig&, const core::ConfigNode& node) {
  if (!node.has("top_k_by_layer")) {
    node.error_at("top_k_by_layer", "missing required key (key tiles each layer keeps, indexed by layer, cycled)");
    return nullptr;
  }
  const std::size_t before = node.errors().size();
  std::vector<std::int64_t> k = read_positive_list(node, "top_k_by_layer");
  if (node.errors().size() != before) return nullptr;
  return std::make_unique<PerLayerTopK>(std::move(k));
}

}  // namespace

CASCADESIM_REGISTER_PATTERN(per_layer_topk, "per_layer_topk",
                            "Kascade-style lists with a top-k per layer: top_k_by_layer (an array indexed by layer, "
                            "cycled) replaces the study's top_k",
                            PerLayerConfig, per_layer_fields, per_layer_keys, make_per_layer,
                            R"({"top_k_by_layer": [2, 5]})")

}  // namespace cascadesim::models::dataflow
