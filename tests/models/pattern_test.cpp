// Attention patterns: every registered pattern's lists against its own counts, hand-worked counts of each
// shipped pattern, and the /workload/pattern section's errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>

#include "models/dataflow/pattern.hpp"

using namespace cascadesim;
using models::dataflow::AttentionPattern;
using models::dataflow::PatternCatalog;
using models::dataflow::PatternSpace;

namespace {

// A section for each registered pattern; a pattern missing here fails the test that walks the catalog.
// The section a pattern's registration gives as its example.
core::Json example_section(const PatternCatalog::Entry& entry) {
  core::Json section = core::Json::parse(entry.example);
  section["impl"] = entry.name;
  return section;
}

std::shared_ptr<const AttentionPattern> build(const core::Json& section, core::ConfigErrors& errors,
                                              const std::string& file = "study.json") {
  const core::ConfigNode node({{&section, file, "/workload/pattern"}}, errors);
  return models::dataflow::make_pattern(node);
}

std::shared_ptr<const AttentionPattern> build(const core::Json& section) {
  core::ConfigErrors errors;
  std::shared_ptr<const AttentionPattern> p = build(section, errors);
  errors.throw_if_any();
  REQUIRE(p);
  return p;
}

// Prefill causal and not, decode (one query tile against a cache), GQA, a top_k above the key tiles.
std::vector<PatternSpace> spaces() {
  return {{8, 2, 13, 13, true, 4, 3, 2},
          {8, 8, 13, 13, false, 4, 1, 1},
          {4, 1, 1, 40, true, 6, 5, 4},
          {6, 3, 9, 9, true, 20, 2, 1},
          {2, 2, 1, 1, true, 1, 0, 0}};
}

double brute_force_blocks(const AttentionPattern& p, const PatternSpace& s) {
  std::vector<std::int64_t> tiles;
  double blocks = 0;
  for (std::int64_t h = 0; h < s.heads; ++h)
    for (std::int64_t q = 0; q < s.query_tiles; ++q) {
      p.visited_tiles(s, h, q, tiles);
      blocks += static_cast<double>(tiles.size());
    }
  return blocks;
}

}  // namespace

TEST_CASE("every registered pattern lists ascending, distinct, visible tiles and counts them in closed form") {
  for (const PatternCatalog::Entry& entry : PatternCatalog::instance().entries()) {
    if (entry.name == "from_file") continue;  // needs a file: its own test below
    INFO("pattern " << entry.name);
    const std::shared_ptr<const AttentionPattern> p = build(example_section(entry));
    for (const PatternSpace& s : spaces()) {
      std::vector<std::int64_t> tiles;
      for (std::int64_t h = 0; h < s.heads; ++h)
        for (std::int64_t q = 0; q < s.query_tiles; ++q) {
          p->visited_tiles(s, h, q, tiles);
          REQUIRE(static_cast<std::int64_t>(tiles.size()) == p->visited_count(s, h, q));
          CHECK(std::is_sorted(tiles.begin(), tiles.end()));
          CHECK(std::adjacent_find(tiles.begin(), tiles.end()) == tiles.end());
          CHECK((tiles.empty() || (tiles.front() >= 0 && tiles.back() < s.visible(q))));
        }
      CHECK(p->visited_blocks(s) == brute_force_blocks(*p, s));
      const std::int64_t group = s.heads / s.kv_heads;
      for (std::int64_t kv = 0; kv < s.kv_heads; ++kv)
        for (std::int64_t q = 0; q < s.query_tiles; ++q) {
          std::vector<std::int64_t> all;
          for (std::int64_t h = kv * group; h < (kv + 1) * group; ++h) {
            p->visited_tiles(s, h, q, tiles);
            all.insert(all.end(), tiles.begin(), tiles.end());
          }
          std::sort(all.begin(), all.end());
          CHECK(p->group_visited_count(s, kv, q) == std::unique(all.begin(), all.end()) - all.begin());
        }
      CHECK(p->config().at("impl") == entry.name);
    }
  }
}

TEST_CASE("a pattern that claims the same costs in every layer has them: counts and GQA-group unions") {
  int claiming = 0;
  for (const PatternCatalog::Entry& entry : PatternCatalog::instance().entries()) {
    if (entry.name == "from_file") continue;
    INFO("pattern " << entry.name);
    const std::shared_ptr<const AttentionPattern> p = build(example_section(entry));
    if (!p->same_costs_every_layer()) continue;
    ++claiming;
    for (PatternSpace s : spaces()) {
      const std::int64_t group = s.heads / s.kv_heads;
      auto union_size = [&](const PatternSpace& at, std::int64_t kv, std::int64_t q) {
        std::vector<std::int64_t> all, tiles;
        for (std::int64_t h = kv * group; h < (kv + 1) * group; ++h) {
          p->visited_tiles(at, h, q, tiles);
          all.insert(all.end(), tiles.begin(), tiles.end());
        }
        std::sort(all.begin(), all.end());
        return std::unique(all.begin(), all.end()) - all.begin();
      };
      const PatternSpace first = s;
      for (std::int64_t layer : {0, 1, 7, 30}) {
        s.layer = layer;
        s.anchor_seed = static_cast<std::uint64_t>(layer * 3 + 1);
        for (std::int64_t q = 0; q < s.query_tiles; ++q) {
          for (std::int64_t h = 0; h < s.heads; ++h) CHECK(p->visited_count(s, h, q) == p->visited_count(first, h, q));
          for (std::int64_t kv = 0; kv < s.kv_heads; ++kv) CHECK(union_size(s, kv, q) == union_size(first, kv, q));
        }
      }
    }
  }
  CHECK(claiming >= 4);  // kascade_topk, window, strided, sink_window
}

TEST_CASE("window, strided and sink_window visit the hand-counted tiles") {
  // 5 aligned causal query tiles, one head. Window 3: 1 + 2 + 3 + 3 + 3.
  const PatternSpace s{1, 1, 5, 5, true, 0, 0, 0};
  CHECK(build({{"impl", "window"}, {"window_tiles", 3}})->visited_blocks(s) == 12);
  // Stride 2: {0}, {1}, {0,2}, {1,3}, {0,2,4}.
  const auto strided = build({{"impl", "strided"}, {"stride_tiles", 2}});
  CHECK(strided->visited_blocks(s) == 9);
  std::vector<std::int64_t> tiles;
  strided->visited_tiles(s, 0, 4, tiles);
  CHECK(tiles == std::vector<std::int64_t>{0, 2, 4});
  // One sink tile and a window of 2: {0}, {0,1}, {0,1,2}, {0,2,3}, {0,3,4}.
  const auto sink = build({{"impl", "sink_window"}, {"sink_tiles", 1}, {"window_tiles", 2}});
  CHECK(sink->visited_blocks(s) == 12);
  sink->visited_tiles(s, 0, 4, tiles);
  CHECK(tiles == std::vector<std::int64_t>{0, 3, 4});
  // Decode: one query row against 10 key tiles sees the last window_tiles of them.
  const PatternSpace decode{1, 1, 1, 10, true, 0, 0, 0};
  build({{"impl", "window"}, {"window_tiles", 3}})->visited_tiles(decode, 0, 0, tiles);
  CHECK(tiles == std::vector<std::int64_t>{7, 8, 9});
}

TEST_CASE("Kascade lists are shared by a GQA group and by one anchor's reuse layers, per-head lists by equal k") {
  const auto kascade = models::dataflow::default_pattern();
  PatternSpace s{8, 2, 16, 16, true, 4, 5, 3};
  std::vector<std::int64_t> a, b;
  kascade->visited_tiles(s, 0, 12, a);
  kascade->visited_tiles(s, 3, 12, b);
  CHECK(a == b);  // heads 0 and 3 read K/V head 0
  s.layer = 9;    // another reuse layer of the same anchor
  kascade->visited_tiles(s, 0, 12, b);
  CHECK(a == b);
  // Per-head k: a head keeping fewer tiles keeps a prefix of the same ranking (here: a subset).
  const auto per_head = build({{"impl", "per_head_topk"}, {"top_k_by_head", {2, 6}}});
  per_head->visited_tiles(s, 0, 12, a);
  per_head->visited_tiles(s, 1, 12, b);
  CHECK(a.size() == 2);
  CHECK(b.size() == 6);
  CHECK(std::includes(b.begin(), b.end(), a.begin(), a.end()));
  // Random lists differ between heads of one group and between layers.
  const auto random = build({{"impl", "random_topk"}, {"seed", 1}});
  random->visited_tiles(s, 0, 12, a);
  random->visited_tiles(s, 1, 12, b);
  CHECK(a != b);
}

TEST_CASE("from_file reads per-layer lists, and later layers read the latest listed layer at or before them") {
  core::ConfigErrors errors;
  const auto p = build({{"impl", "from_file"}, {"path", "tests/data/patterns/selections_small.json"}}, errors, "");
  errors.throw_if_any();
  REQUIRE(p);
  PatternSpace s{2, 1, 4, 4, true, 0, 1, 2};
  CHECK(p->problem(s).empty());
  std::vector<std::int64_t> tiles;
  p->visited_tiles(s, 0, 3, tiles);
  CHECK(tiles == std::vector<std::int64_t>{0, 1, 3});
  CHECK(p->visited_blocks(s) == 14);  // 1 + 2 + 2 + 3 and 1 + 1 + 2 + 2
  s.layer = 3;
  CHECK(p->visited_blocks(s) == 14);  // 1 + 2 + 2 + 3 and 1 + 1 + 2 + 2
  s.layer = 0;
  CHECK(p->problem(s).find("no layer at or before reuse layer 0") != std::string::npos);
  s.layer = 1;
  s.heads = 4;
  CHECK(p->problem(s).find("lists 2 heads x 4 query tiles x 4 key tiles") != std::string::npos);
}

TEST_CASE("pattern sections are checked: unknown impl, unknown key, bad values, malformed selection files") {
  core::ConfigErrors errors;
  CHECK_FALSE(build({{"impl", "windw"}}, errors));
  CHECK_FALSE(build({{"impl", "window"}, {"window_tiles", 0}}, errors));
  CHECK_FALSE(build({{"impl", "strided"}, {"stride_tiles", 2}, {"strde", 1}}, errors));
  CHECK_FALSE(build({{"impl", "per_head_topk"}, {"top_k_by_head", {3, 0}}}, errors));
  CHECK_FALSE(build({{"impl", "from_file"}, {"path", "tests/data/patterns/bad_selections.json"}}, errors, ""));
  std::string message;
  try {
    errors.throw_if_any();
  } catch (const core::ConfigError& e) {
    message = e.what();
  }
  INFO(message);
  for (const char* expected :
       {"study.json: /workload/pattern/impl: unknown attention pattern 'windw' (did you mean 'window'?)",
        "study.json: /workload/pattern/window_tiles: must be >= 1", "study.json: /workload/pattern/strde: unknown key",
        "study.json: /workload/pattern/top_k_by_head/1: expected an integer >= 1 (got 0)",
        "bad_selections.json: /layers/2/1/0/1: expected ascending, distinct key tiles in [0, 2) (got 1)"})
    CHECK(message.find(expected) != std::string::npos);
}
