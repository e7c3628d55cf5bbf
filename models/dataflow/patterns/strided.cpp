// Strided (dilated): each query tile visits its own tile and every stride_tiles-th key tile before it, so it
// reaches back over the whole context at 1/stride of the cost (the strided heads of Child et al. 2019's Sparse
// Transformer, LongNet's dilation, at tile granularity). The lists follow from the indices.
#include "models/dataflow/pattern.hpp"

namespace cascadesim::models::dataflow {
namespace {

struct StridedConfig {
  std::int64_t stride_tiles = 2;
};
constexpr auto strided_fields = std::to_array<core::Field<StridedConfig>>({
    {.key = "stride_tiles",
     .doc = "distance between visited key tiles, counted back from the query's own tile",
     .presence = core::Presence::required,
     .min = 1,
     .max = 1.0e12,
     .target = &StridedConfig::stride_tiles},
});

class Strided : public AttentionPattern {
 public:
  explicit Strided(StridedConfig config) : config_(config) {}
  void visited_tiles(const PatternSpace& s, std::int64_t, std::int64_t q,
                     std::vector<std::int64_t>& out) const override {
    out.clear();
    const std::int64_t own = std::min(s.own_tile(q), s.visible(q) - 1);
    for (std::int64_t j = own % config_.stride_tiles; j <= own; j += config_.stride_tiles) out.push_back(j);
  }
  std::int64_t visited_count(const PatternSpace& s, std::int64_t, std::int64_t q) const override {
    return std::min(s.own_tile(q), s.visible(q) - 1) / config_.stride_tiles + 1;
  }
  // Prefill: sum over q < T of (floor(q / d) + 1) = T + d a(a-1)/2 + a b, with T = a d + b.
  double visited_blocks(const PatternSpace& s) const override {
    const double heads = static_cast<double>(s.heads);
    const std::int64_t d = config_.stride_tiles;
    if (s.query_tiles == s.key_tiles) {
      const std::int64_t t = s.query_tiles, a = t / d, b = t % d;
      return heads * (static_cast<double>(t) +
                      static_cast<double>(d) * static_cast<double>(a) * static_cast<double>(a - 1) / 2.0 +
                      static_cast<double>(a) * static_cast<double>(b));
    }
    return heads * static_cast<double>(s.query_tiles) * static_cast<double>((s.key_tiles - 1) / d + 1);
  }
  bool reads_index_lists() const override { return false; }
  std::int64_t group_visited_count(const PatternSpace& s, std::int64_t, std::int64_t q) const override {
    return visited_count(s, 0, q);  // every head visits the same tiles
  }
  bool same_costs_every_layer() const override { return true; }  // the same tiles in every layer
  core::Json config() const override {
    core::Json out = core::fields_to_json<StridedConfig>(strided_fields, config_);
    out["impl"] = "strided";
    return out;
  }

 private:
  StridedConfig config_;
};

std::unique_ptr<AttentionPattern> make_strided(const StridedConfig& config, const core::ConfigNode&) {
  return std::make_unique<Strided>(config);
}

}  // namespace

CASCADESIM_REGISTER_PATTERN(strided, "strided",
                            "strided (dilated): the query's own key tile and every stride_tiles-th tile before it",
                            StridedConfig, strided_fields, no_extra_keys, make_strided, R"({"stride_tiles": 3})")

}  // namespace cascadesim::models::dataflow
