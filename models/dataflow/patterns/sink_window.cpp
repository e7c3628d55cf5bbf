// Attention sinks plus a local window (StreamingLLM, Xiao et al. 2023): each query tile visits the first
// sink_tiles key tiles, which collect attention mass whatever the content, and the window_tiles tiles ending at
// its own tile. The lists follow from the indices.
#include "models/dataflow/pattern.hpp"

namespace cascadesim::models::dataflow {
namespace {

struct SinkWindowConfig {
  std::int64_t sink_tiles = 1;
  std::int64_t window_tiles = 1;
};
constexpr auto sink_window_fields = std::to_array<core::Field<SinkWindowConfig>>({
    {.key = "sink_tiles",
     .doc = "key tiles at the start of the sequence every query tile visits",
     .min = 0,
     .max = 1.0e12,
     .target = &SinkWindowConfig::sink_tiles},
    {.key = "window_tiles",
     .doc = "key tiles in the local window, the query's own tile included",
     .presence = core::Presence::required,
     .min = 1,
     .max = 1.0e12,
     .target = &SinkWindowConfig::window_tiles},
});

// Sum over x = 0..n of min(s, x).
double capped_sum(std::int64_t n, std::int64_t s) {
  if (n < 0) return 0;
  const std::int64_t m = std::min(n, s);
  return static_cast<double>(m) * static_cast<double>(m + 1) / 2.0 +
         static_cast<double>(s) * static_cast<double>(std::max<std::int64_t>(0, n - s));
}

class SinkWindow : public AttentionPattern {
 public:
  explicit SinkWindow(SinkWindowConfig config) : config_(config) {}
  void visited_tiles(const PatternSpace& s, std::int64_t, std::int64_t q,
                     std::vector<std::int64_t>& out) const override {
    out.clear();
    const std::int64_t own = std::min(s.own_tile(q), s.visible(q) - 1);
    const std::int64_t low = window_start(own);
    for (std::int64_t j = 0; j < std::min(config_.sink_tiles, low); ++j) out.push_back(j);
    for (std::int64_t j = low; j <= own; ++j) out.push_back(j);
  }
  std::int64_t visited_count(const PatternSpace& s, std::int64_t, std::int64_t q) const override {
    const std::int64_t own = std::min(s.own_tile(q), s.visible(q) - 1);
    const std::int64_t low = window_start(own);
    return std::min(config_.sink_tiles, low) + own - low + 1;
  }
  // Prefill: the window's w(w+1)/2 + w(T-w), plus the sink tiles below each window, sum over q of
  // min(sink, max(0, q - w + 1)). One row against a cache: the same count for every query tile.
  double visited_blocks(const PatternSpace& s) const override {
    const double heads = static_cast<double>(s.heads);
    const std::int64_t w = config_.window_tiles;
    if (s.query_tiles == s.key_tiles) {
      const std::int64_t t = s.query_tiles, ww = std::min(w, t);
      const double window = static_cast<double>(ww) * static_cast<double>(ww + 1) / 2.0 +
                            static_cast<double>(ww) * static_cast<double>(t - ww);
      return heads * (window + capped_sum(t - w, config_.sink_tiles));
    }
    return heads * static_cast<double>(s.query_tiles) * static_cast<double>(visited_count(s, 0, 0));
  }
  bool reads_index_lists() const override { return false; }
  std::int64_t group_visited_count(const PatternSpace& s, std::int64_t, std::int64_t q) const override {
    return visited_count(s, 0, q);  // every head visits the same tiles
  }
  bool same_costs_every_layer() const override { return true; }  // the same tiles in every layer
  core::Json config() const override {
    core::Json out = core::fields_to_json<SinkWindowConfig>(sink_window_fields, config_);
    out["impl"] = "sink_window";
    return out;
  }

 private:
  std::int64_t window_start(std::int64_t own) const {
    return std::max<std::int64_t>(0, own - config_.window_tiles + 1);
  }
  SinkWindowConfig config_;
};

std::unique_ptr<AttentionPattern> make_sink_window(const SinkWindowConfig& config, const core::ConfigNode&) {
  return std::make_unique<SinkWindow>(config);
}

}  // namespace

CASCADESIM_REGISTER_PATTERN(sink_window, "sink_window",
                            "attention sinks plus a local window (StreamingLLM): the first sink_tiles key tiles and "
                            "the window_tiles tiles ending at the query's own tile",
                            SinkWindowConfig, sink_window_fields, no_extra_keys, make_sink_window,
                            R"({"sink_tiles": 2, "window_tiles": 3})")

}  // namespace cascadesim::models::dataflow
