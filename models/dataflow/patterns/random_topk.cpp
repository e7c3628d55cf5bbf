// Seeded random selection: top_k key tiles per (layer, head, query tile), uniform without repetition over the
// visible tiles, independent between heads and layers. A baseline with no locality: it shows what the memory
// system does when lists share nothing, against Kascade's shared, sink-and-diagonal lists.
#include "models/dataflow/pattern.hpp"

namespace cascadesim::models::dataflow {
namespace {

struct RandomConfig {
  std::int64_t seed = 0;
};
constexpr auto random_fields = std::to_array<core::Field<RandomConfig>>({
    {.key = "seed",
     .doc = "seed of the draw: the same seed gives the same lists",
     .min = 0,
     .max = 9.0e15,
     .target = &RandomConfig::seed},
});

class RandomTopK : public AttentionPattern {
 public:
  explicit RandomTopK(RandomConfig config) : config_(config) {}
  void visited_tiles(const PatternSpace& s, std::int64_t head, std::int64_t q,
                     std::vector<std::int64_t>& out) const override {
    out.clear();
    const std::int64_t seen = s.visible(q);
    if (s.top_k >= seen) {
      for (std::int64_t j = 0; j < seen; ++j) out.push_back(j);
      return;
    }
    std::uint64_t state =
        selection_hash(static_cast<std::uint64_t>(config_.seed) ^
                       selection_hash((static_cast<std::uint64_t>(s.layer) << 40) ^
                                      (static_cast<std::uint64_t>(head) << 24) ^ static_cast<std::uint64_t>(q)));
    while (static_cast<std::int64_t>(out.size()) < s.top_k) {
      state = selection_hash(state);
      const auto j = static_cast<std::int64_t>(state % static_cast<std::uint64_t>(seen));
      if (std::find(out.begin(), out.end(), j) == out.end()) out.push_back(j);
    }
    std::sort(out.begin(), out.end());
  }
  std::int64_t visited_count(const PatternSpace& s, std::int64_t, std::int64_t q) const override {
    return std::min(s.top_k, s.visible(q));
  }
  double visited_blocks(const PatternSpace& s) const override {
    return static_cast<double>(s.heads) * capped_blocks_per_head(s, s.top_k);
  }
  bool uses_top_k() const override { return true; }
  core::Json config() const override {
    core::Json out = core::fields_to_json<RandomConfig>(random_fields, config_);
    out["impl"] = "random_topk";
    return out;
  }

 private:
  RandomConfig config_;
};

std::unique_ptr<AttentionPattern> make_random(const RandomConfig& config, const core::ConfigNode&) {
  return std::make_unique<RandomTopK>(config);
}

}  // namespace

CASCADESIM_REGISTER_PATTERN(random_topk, "random_topk",
                            "seeded random: top_k key tiles per (layer, head, query tile), uniform over the visible "
                            "tiles, independent between heads and layers",
                            RandomConfig, random_fields, no_extra_keys, make_random, R"({"seed": 3})")

}  // namespace cascadesim::models::dataflow
