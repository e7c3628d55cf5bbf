// What every attention pattern shares: the default sums, the catalog look-up, and the list helpers.
#include "models/dataflow/pattern.hpp"

#include <algorithm>

#include "models/tiles.hpp"

namespace cascadesim::models::dataflow {

double AttentionPattern::visited_blocks(const PatternSpace& s) const {
  double blocks = 0;
  for (std::int64_t head = 0; head < s.heads; ++head)
    for (std::int64_t q = 0; q < s.query_tiles; ++q) blocks += static_cast<double>(visited_count(s, head, q));
  return blocks;
}

std::int64_t AttentionPattern::group_visited_count(const PatternSpace& s, std::int64_t kv_head, std::int64_t q) const {
  const std::int64_t group = std::max<std::int64_t>(1, s.heads / s.kv_heads);
  std::vector<std::int64_t> all, tiles;
  for (std::int64_t head = kv_head * group; head < (kv_head + 1) * group; ++head) {
    visited_tiles(s, head, q, tiles);
    all.insert(all.end(), tiles.begin(), tiles.end());
  }
  std::sort(all.begin(), all.end());
  return std::unique(all.begin(), all.end()) - all.begin();
}

std::string AttentionPattern::problem(const PatternSpace&) const { return {}; }

std::shared_ptr<const AttentionPattern> make_pattern(const core::ConfigNode& node) {
  return PatternCatalog::instance().make(node, "attention pattern");
}

std::shared_ptr<const AttentionPattern> default_pattern() {
  static const std::shared_ptr<const AttentionPattern> kascade = [] {
    const core::Json section = {{"impl", "kascade_topk"}};
    core::ConfigErrors errors;
    const core::ConfigNode node({{&section, "(default)", "/workload/pattern"}}, errors);
    std::shared_ptr<const AttentionPattern> p = make_pattern(node);
    errors.throw_if_any();
    return p;
  }();
  return kascade;
}

double capped_blocks_per_head(const PatternSpace& s, std::int64_t k) {
  return static_cast<double>(sparse_tiles_exact(TileGrid{s.query_tiles, s.key_tiles, 0, 0}, k, s.causal));
}

std::vector<std::int64_t> read_positive_list(const core::ConfigNode& node, std::string_view key) {
  std::vector<std::int64_t> out;
  const core::Json* value = node.find(key);
  if (!value) return out;
  if (!value->is_array() || value->empty()) {
    node.error_at(key, "expected a non-empty array of integers >= 1 (got " + core::describe_value(*value) + ")");
    return out;
  }
  for (std::size_t i = 0; i < value->size(); ++i) {
    const core::Json& v = (*value)[i];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1) {
      const core::SourceLocation where = node.location_of(key);
      node.errors().add(where.file, core::child_pointer(where.pointer, i),
                        "expected an integer >= 1 (got " + core::describe_value(v) + ")");
      continue;
    }
    out.push_back(v.get<std::int64_t>());
  }
  return out;
}

std::vector<double> read_fraction_list(const core::ConfigNode& node, std::string_view key, bool non_increasing) {
  std::vector<double> out;
  const core::Json* value = node.find(key);
  if (!value) return out;
  if (!value->is_array() || value->empty()) {
    node.error_at(key, "expected a non-empty array of fractions in (0, 1] (got " + core::describe_value(*value) + ")");
    return out;
  }
  const core::SourceLocation where = node.location_of(key);
  for (std::size_t i = 0; i < value->size(); ++i) {
    const core::Json& v = (*value)[i];
    if (!v.is_number() || !(v.get<double>() > 0.0) || v.get<double>() > 1.0) {
      node.errors().add(where.file, core::child_pointer(where.pointer, i),
                        "expected a fraction in (0, 1] (got " + core::describe_value(v) + ")");
      continue;
    }
    if (non_increasing && !out.empty() && v.get<double>() > out.back()) {
      node.errors().add(where.file, core::child_pointer(where.pointer, i),
                        "must not exceed the entry before it (" + core::describe_value((*value)[i - 1]) +
                            "): a cascade never brings back what an earlier layer pruned");
      continue;
    }
    out.push_back(v.get<double>());
  }
  return out;
}

}  // namespace cascadesim::models::dataflow
