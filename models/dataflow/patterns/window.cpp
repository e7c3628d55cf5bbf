// Local window: each query tile visits the window_tiles key tiles ending at its own tile (sliding-window
// attention, as in Longformer's local band or Mistral's sliding window, at tile granularity). The lists follow
// from the indices, so no list is read from memory.
#include "models/dataflow/pattern.hpp"

namespace cascadesim::models::dataflow {
namespace {

struct WindowConfig {
  std::int64_t window_tiles = 1;
};
constexpr auto window_fields = std::to_array<core::Field<WindowConfig>>({
    {.key = "window_tiles",
     .doc = "key tiles in the window, the query's own tile included",
     .presence = core::Presence::required,
     .min = 1,
     .max = 1.0e12,
     .target = &WindowConfig::window_tiles},
});

class Window : public AttentionPattern {
 public:
  explicit Window(WindowConfig config) : config_(config) {}
  void visited_tiles(const PatternSpace& s, std::int64_t, std::int64_t q,
                     std::vector<std::int64_t>& out) const override {
    out.clear();
    const std::int64_t own = std::min(s.own_tile(q), s.visible(q) - 1);
    for (std::int64_t j = std::max<std::int64_t>(0, own - config_.window_tiles + 1); j <= own; ++j) out.push_back(j);
  }
  std::int64_t visited_count(const PatternSpace& s, std::int64_t, std::int64_t q) const override {
    return std::min(config_.window_tiles, std::min(s.own_tile(q), s.visible(q) - 1) + 1);
  }
  // Prefill (own tile q): sum over q of min(w, q + 1) = w(w+1)/2 + w(T-w) for w < T. One row against a cache:
  // min(w, key_tiles) per query tile.
  double visited_blocks(const PatternSpace& s) const override {
    const double heads = static_cast<double>(s.heads);
    if (s.query_tiles == s.key_tiles) {
      const std::int64_t w = std::min(config_.window_tiles, s.query_tiles);
      return heads * (static_cast<double>(w) * static_cast<double>(w + 1) / 2.0 +
                      static_cast<double>(w) * static_cast<double>(s.query_tiles - w));
    }
    return heads * static_cast<double>(s.query_tiles) *
           static_cast<double>(std::min(config_.window_tiles, s.key_tiles));
  }
  bool reads_index_lists() const override { return false; }
  std::int64_t group_visited_count(const PatternSpace& s, std::int64_t, std::int64_t q) const override {
    return visited_count(s, 0, q);  // every head visits the same tiles
  }
  bool same_costs_every_layer() const override { return true; }  // the same tiles in every layer
  core::Json config() const override {
    core::Json out = core::fields_to_json<WindowConfig>(window_fields, config_);
    out["impl"] = "window";
    return out;
  }

 private:
  WindowConfig config_;
};

std::unique_ptr<AttentionPattern> make_window(const WindowConfig& config, const core::ConfigNode&) {
  return std::make_unique<Window>(config);
}

}  // namespace

CASCADESIM_REGISTER_PATTERN(window, "window", "local window: the window_tiles key tiles ending at the query's own tile",
                            WindowConfig, window_fields, no_extra_keys, make_window, R"({"window_tiles": 3})")

}  // namespace cascadesim::models::dataflow
