// Kascade's top-k lists (seed 002 §3): an anchor scores every visible key tile and keeps the top_k per query
// tile; the reuse layers after it read those lists. Which tiles win depends on the data, so they are drawn here:
// the attention sink (tile 0), the query's own tile, and the rest by a hash of (anchor, K/V head, query tile),
// the same for the heads of one GQA group and for every reuse layer of one anchor.
#include "models/dataflow/patterns/kascade_lists.hpp"

namespace cascadesim::models::dataflow {
namespace {

struct KascadeConfig {};
constexpr std::span<const core::Field<KascadeConfig>> kascade_fields{};  // no parameters

class KascadeTopK : public AttentionPattern {
 public:
  void visited_tiles(const PatternSpace& s, std::int64_t head, std::int64_t q,
                     std::vector<std::int64_t>& out) const override {
    kascade_lists(s, head, q, s.top_k, out);
  }
  std::int64_t visited_count(const PatternSpace& s, std::int64_t, std::int64_t q) const override {
    return std::min(s.top_k, s.visible(q));
  }
  std::int64_t group_visited_count(const PatternSpace& s, std::int64_t, std::int64_t q) const override {
    return std::min(s.top_k, s.visible(q));  // the heads of a group share their lists
  }
  double visited_blocks(const PatternSpace& s) const override {
    return static_cast<double>(s.heads) * capped_blocks_per_head(s, s.top_k);
  }
  bool selects_from_scores() const override { return true; }
  bool uses_top_k() const override { return true; }
  bool same_costs_every_layer() const override { return true; }  // a group shares its k-tile lists
  core::Json config() const override { return {{"impl", "kascade_topk"}}; }
};

std::unique_ptr<AttentionPattern> make_kascade(const KascadeConfig&, const core::ConfigNode&) {
  return std::make_unique<KascadeTopK>();
}

}  // namespace

CASCADESIM_REGISTER_PATTERN(kascade_topk, "kascade_topk",
                            "Kascade top-k (seed 002): anchors select the study's top_k key tiles per query tile "
                            "(sink, own tile, the rest data-dependent), shared by a GQA group and by the reuse "
                            "layers of one anchor",
                            KascadeConfig, kascade_fields, no_extra_keys, make_kascade, "{}")

}  // namespace cascadesim::models::dataflow
