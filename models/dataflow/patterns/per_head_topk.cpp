// Kascade-style lists with a top-k of each head's own (heads differ in how concentrated their attention is; a
// head-specific budget keeps more tiles where attention is spread): head h keeps top_k_by_head[h mod n] tiles of
// its group's ranking, so heads of one GQA group with the same k share their lists.
#include "models/dataflow/patterns/kascade_lists.hpp"

namespace cascadesim::models::dataflow {
namespace {

struct PerHeadConfig {};
constexpr std::span<const core::Field<PerHeadConfig>> per_head_fields{};  // no parameters
const std::array<std::string_view, 1> per_head_keys{"top_k_by_head"};

class PerHeadTopK : public AttentionPattern {
 public:
  explicit PerHeadTopK(std::vector<std::int64_t> k) : k_(std::move(k)) {}
  void visited_tiles(const PatternSpace& s, std::int64_t head, std::int64_t q,
                     std::vector<std::int64_t>& out) const override {
    kascade_lists(s, head, q, k_of(head), out);
  }
  std::int64_t visited_count(const PatternSpace& s, std::int64_t head, std::int64_t q) const override {
    return std::min(k_of(head), s.visible(q));
  }
  double visited_blocks(const PatternSpace& s) const override {
    double blocks = 0;
    for (std::int64_t head = 0; head < s.heads; ++head) blocks += capped_blocks_per_head(s, k_of(head));
    return blocks;
  }
  bool selects_from_scores() const override { return true; }
  core::Json config() const override { return {{"impl", "per_head_topk"}, {"top_k_by_head", k_}}; }

 private:
  std::int64_t k_of(std::int64_t head) const { return k_[static_cast<std::size_t>(head) % k_.size()]; }
  std::vector<std::int64_t> k_;
};

std::unique_ptr<AttentionPattern> make_per_head(const PerHeadConfig&, const core::ConfigNode& node) {
  if (!node.has("top_k_by_head")) {
    node.error_at("top_k_by_head", "missing required key (key tiles each head keeps, cycled over the heads)");
    return nullptr;
  }
  const std::size_t before = node.errors().size();
  std::vector<std::int64_t> k = read_positive_list(node, "top_k_by_head");
  if (node.errors().size() != before) return nullptr;
  return std::make_unique<PerHeadTopK>(std::move(k));
}

}  // namespace

CASCADESIM_REGISTER_PATTERN(per_head_topk, "per_head_topk",
                            "Kascade-style lists with a top-k per head: top_k_by_head (an array, cycled over the "
                            "query heads) replaces the study's top_k",
                            PerHeadConfig, per_head_fields, per_head_keys, make_per_head,
                            R"({"top_k_by_head": [1, 4, 7]})")

}  // namespace cascadesim::models::dataflow
