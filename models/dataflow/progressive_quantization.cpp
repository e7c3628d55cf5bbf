// SpAtten's progressive quantization (Wang, Zhang, Han, HPCA 2021, seed 003: "first fetches MSBs only and performs
// the computation; if the confidence is low, it fetches LSBs and recomputes the attention outputs"): the first pass
// streams msb_bits per K/V element; the query heads whose softmax is not confident (recompute_fraction of them)
// stream the lsb_bits over the same tiles and recompute (the MSBs are kept on chip, as SpAtten's buffers do).
#include <cmath>

#include "models/dataflow/layer.hpp"

namespace cascadesim::models::dataflow {
namespace {

// The tiles the recompute pass visits: the first pass's list for the heads that recompute, none for the others.
// Which heads lose confidence is data-dependent; here round(recompute_fraction x heads) consecutive heads per query
// tile, the window moving with the query tile and the layer, so that every head recomputes equally often.
class RecomputedHeads : public AttentionPattern {
 public:
  RecomputedHeads(std::shared_ptr<const AttentionPattern> first_pass, double fraction)
      : first_pass_(std::move(first_pass)), fraction_(fraction) {}
  void visited_tiles(const PatternSpace& s, std::int64_t head, std::int64_t q,
                     std::vector<std::int64_t>& out) const override {
    out.clear();
    if (!recomputes(s, head, q)) return;
    if (first_pass_) {
      first_pass_->visited_tiles(s, head, q, out);
      return;
    }
    for (std::int64_t j = 0; j < s.visible(q); ++j) out.push_back(j);
  }
  std::int64_t visited_count(const PatternSpace& s, std::int64_t head, std::int64_t q) const override {
    if (!recomputes(s, head, q)) return 0;
    return first_pass_ ? first_pass_->visited_count(s, head, q) : s.visible(q);
  }
  core::Json config() const override {
    return {{"recompute_fraction", fraction_},
            {"first_pass", first_pass_ ? first_pass_->config() : core::Json("dense")}};
  }

 private:
  bool recomputes(const PatternSpace& s, std::int64_t head, std::int64_t q) const {
    const auto heads = static_cast<std::int64_t>(std::llround(fraction_ * static_cast<double>(s.heads)));
    return (head + q + s.layer) % s.heads < heads;
  }
  std::shared_ptr<const AttentionPattern> first_pass_;
  double fraction_;
};

}  // namespace

std::vector<Kernel> progressive_fetch_kernels(Kernel attention, const ProgressiveQuantization& pq) {
  auto& first = std::get<AttentionWork>(attention.work);
  first.kv_fetch_bytes_per_element = static_cast<double>(pq.msb_bits) / 8.0;
  if (pq.recompute_fraction <= 0) return {std::move(attention)};
  Kernel recompute = attention;
  recompute.name = "attention_recompute";
  auto& second = std::get<AttentionWork>(recompute.work);
  second.kv_fetch_bytes_per_element = static_cast<double>(pq.lsb_bits) / 8.0;
  second.pattern = std::make_shared<RecomputedHeads>(first.pattern, pq.recompute_fraction);
  second.writes_tile_scores = false;
  second.reads_index_lists = first.reads_index_lists;
  return {std::move(attention), std::move(recompute)};
}

}  // namespace cascadesim::models::dataflow
