// Selections read from a file: per layer, query head and query tile, the key tiles a model actually selected
// (exported from a real run; format in docs/patterns.md). A reuse layer reads the lists of the latest listed
// layer at or before it, as Kascade's reuse layers read their anchor's.
#include <filesystem>
#include <map>

#include "models/dataflow/pattern.hpp"

namespace cascadesim::models::dataflow {
namespace {

struct FromFileConfig {
  std::string path;
};
constexpr auto from_file_fields = std::to_array<core::Field<FromFileConfig>>({
    {.key = "path",
     .doc = "selections file (docs/patterns.md), relative to the folder of the file that names it",
     .presence = core::Presence::required,
     .target = &FromFileConfig::path},
});

using TileLists = std::vector<std::vector<std::vector<std::int64_t>>>;  // [head][query tile] -> ascending tiles

struct Selections {
  std::int64_t heads = 0, query_tiles = 0, key_tiles = 0;
  std::map<std::int64_t, TileLists> layers;
  std::map<std::int64_t, double> blocks;  // per listed layer: tiles over every head and query tile
};

class FromFile : public AttentionPattern {
 public:
  FromFile(FromFileConfig config, Selections selections)
      : config_(std::move(config)), selections_(std::move(selections)) {}
  void visited_tiles(const PatternSpace& s, std::int64_t head, std::int64_t q,
                     std::vector<std::int64_t>& out) const override {
    const auto& list = lists_of(s.layer)[static_cast<std::size_t>(head)][static_cast<std::size_t>(q)];
    out.assign(list.begin(), list.end());
  }
  std::int64_t visited_count(const PatternSpace& s, std::int64_t head, std::int64_t q) const override {
    return static_cast<std::int64_t>(
        lists_of(s.layer)[static_cast<std::size_t>(head)][static_cast<std::size_t>(q)].size());
  }
  double visited_blocks(const PatternSpace& s) const override {
    return std::prev(selections_.blocks.upper_bound(s.layer))->second;
  }
  std::string problem(const PatternSpace& s) const override {
    if (s.heads != selections_.heads || s.query_tiles != selections_.query_tiles ||
        s.key_tiles != selections_.key_tiles)
      return "'" + config_.path + "' lists " + std::to_string(selections_.heads) + " heads x " +
             std::to_string(selections_.query_tiles) + " query tiles x " + std::to_string(selections_.key_tiles) +
             " key tiles; the study has " + std::to_string(s.heads) + " x " + std::to_string(s.query_tiles) + " x " +
             std::to_string(s.key_tiles);
    if (listed_at(s.layer) == selections_.layers.begin())
      return "'" + config_.path + "' lists no layer at or before reuse layer " + std::to_string(s.layer);
    const TileLists& lists = lists_of(s.layer);
    for (std::int64_t h = 0; h < s.heads; ++h)
      for (std::int64_t q = 0; q < s.query_tiles; ++q)
        for (std::int64_t tile : lists[static_cast<std::size_t>(h)][static_cast<std::size_t>(q)])
          if (tile >= s.visible(q))
            return "'" + config_.path + "': head " + std::to_string(h) + ", query tile " + std::to_string(q) +
                   " lists key tile " + std::to_string(tile) + ", which the causal mask hides";
    return {};
  }
  core::Json config() const override { return {{"impl", "from_file"}, {"path", config_.path}}; }

 private:
  // The first listed layer after `layer`; the one before it is the layer whose lists `layer` reads.
  std::map<std::int64_t, TileLists>::const_iterator listed_at(std::int64_t layer) const {
    return selections_.layers.upper_bound(layer);
  }
  const TileLists& lists_of(std::int64_t layer) const { return std::prev(listed_at(layer))->second; }

  FromFileConfig config_;
  Selections selections_;
};

// Reads a count >= 1 at key of doc, recording an error otherwise.
std::int64_t read_count(const core::Json& doc, std::string_view key, const std::string& file,
                        core::ConfigErrors& errors) {
  const auto it = doc.find(std::string(key));
  if (it == doc.end() || !it->is_number_integer() || it->get<std::int64_t>() < 1) {
    errors.add(file, core::child_pointer("", key),
               it == doc.end() ? "missing required key (an integer >= 1)"
                               : "expected an integer >= 1 (got " + core::describe_value(*it) + ")");
    return 0;
  }
  return it->get<std::int64_t>();
}

std::optional<Selections> read_selections(const core::Json& doc, const std::string& file, core::ConfigErrors& errors) {
  const std::size_t before = errors.size();
  if (!doc.is_object()) {
    errors.add(file, "", "expected a JSON object (got " + core::describe_value(doc) + ")");
    return std::nullopt;
  }
  for (const auto& [key, value] : doc.items())
    if (key != "schema_version" && key != "source" && key != "heads" && key != "query_tiles" && key != "key_tiles" &&
        key != "layers")
      errors.add(file, core::child_pointer("", key), "unknown key");
  const auto version = doc.find("schema_version");
  if (version == doc.end() || *version != 1)
    errors.add(file, "/schema_version", "must be 1 (the format of docs/patterns.md)");
  Selections s;
  s.heads = read_count(doc, "heads", file, errors);
  s.query_tiles = read_count(doc, "query_tiles", file, errors);
  s.key_tiles = read_count(doc, "key_tiles", file, errors);
  const auto layers = doc.find("layers");
  if (layers == doc.end() || !layers->is_object() || layers->empty()) {
    errors.add(file, "/layers", "expected an object of layer index -> per-head lists, with at least one layer");
    return std::nullopt;
  }
  if (errors.size() != before) return std::nullopt;
  for (const auto& [key, per_head] : layers->items()) {
    const std::string at = core::child_pointer("/layers", key);
    std::int64_t layer = -1;
    if (!key.empty() && key.size() < 10 && key.find_first_not_of("0123456789") == std::string::npos)
      layer = std::stoll(key);
    if (layer < 0) {
      errors.add(file, at, "a layer index (0-based, decimal digits) is expected as the key");
      continue;
    }
    if (!per_head.is_array() || static_cast<std::int64_t>(per_head.size()) != s.heads) {
      errors.add(file, at, "expected an array of " + std::to_string(s.heads) + " heads");
      continue;
    }
    TileLists lists(static_cast<std::size_t>(s.heads));
    double blocks = 0;
    for (std::int64_t h = 0; h < s.heads; ++h) {
      const core::Json& per_query = per_head[static_cast<std::size_t>(h)];
      const std::string head_at = core::child_pointer(at, static_cast<std::size_t>(h));
      if (!per_query.is_array() || static_cast<std::int64_t>(per_query.size()) != s.query_tiles) {
        errors.add(file, head_at, "expected an array of " + std::to_string(s.query_tiles) + " query tiles");
        continue;
      }
      lists[static_cast<std::size_t>(h)].resize(static_cast<std::size_t>(s.query_tiles));
      for (std::int64_t q = 0; q < s.query_tiles; ++q) {
        const core::Json& tiles = per_query[static_cast<std::size_t>(q)];
        const std::string q_at = core::child_pointer(head_at, static_cast<std::size_t>(q));
        auto& out = lists[static_cast<std::size_t>(h)][static_cast<std::size_t>(q)];
        if (!tiles.is_array()) {
          errors.add(file, q_at, "expected an array of key tiles (got " + core::describe_value(tiles) + ")");
          continue;
        }
        for (std::size_t i = 0; i < tiles.size(); ++i) {
          const core::Json& t = tiles[i];
          if (!t.is_number_integer() || t.get<std::int64_t>() < 0 || t.get<std::int64_t>() >= s.key_tiles ||
              (!out.empty() && t.get<std::int64_t>() <= out.back())) {
            errors.add(file, core::child_pointer(q_at, i),
                       "expected ascending, distinct key tiles in [0, " + std::to_string(s.key_tiles) + ") (got " +
                           core::describe_value(t) + ")");
            break;
          }
          out.push_back(t.get<std::int64_t>());
        }
        blocks += static_cast<double>(out.size());
      }
    }
    s.layers[layer] = std::move(lists);
    s.blocks[layer] = blocks;
  }
  if (errors.size() != before) return std::nullopt;
  return s;
}

std::unique_ptr<AttentionPattern> make_from_file(const FromFileConfig& config, const core::ConfigNode& node) {
  std::filesystem::path path(config.path);
  if (path.is_relative()) path = std::filesystem::path(node.location_of("path").file).parent_path() / path;
  const std::size_t before = node.errors().size();
  const std::optional<core::Json> doc = core::load_json_file(path.string(), node.errors());
  if (!doc) return nullptr;
  std::optional<Selections> selections = read_selections(*doc, path.string(), node.errors());
  if (!selections || node.errors().size() != before) return nullptr;
  // The pattern writes itself (study_to_json, a sweep's spec as loaded) with the path as resolved, relative to the
  // working directory as the study's own was: the file it lands in may live elsewhere.
  FromFileConfig resolved = config;
  resolved.path = path.lexically_normal().string();
  return std::make_unique<FromFile>(std::move(resolved), std::move(*selections));
}

}  // namespace

CASCADESIM_REGISTER_PATTERN(from_file, "from_file",
                            "selections read from a file (docs/patterns.md): per layer, query head and query tile, "
                            "the key tiles a model selected; a reuse layer reads the latest listed layer at or "
                            "before it",
                            FromFileConfig, from_file_fields, no_extra_keys, make_from_file,
                            R"({"path": "tests/data/patterns/selections_small.json"})")

}  // namespace cascadesim::models::dataflow
