// Attention patterns: which key tiles each query tile of each head visits in a sparse (reuse) layer. A pattern is
// registered by name (the study's /workload/pattern section picks one with "impl") and owns its lazily generated
// lists, their closed-form counts, and whether anchors score and select for it. Both backends read it: the
// analytical sum through visited_blocks, the simulator tile by tile through visited_tiles.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_node.hpp"
#include "core/registry.hpp"

namespace cascadesim::models::dataflow {

// The tile space of one layer's attention, as a pattern sees it (one sequence).
struct PatternSpace {
  std::int64_t heads = 0, kv_heads = 0;
  std::int64_t query_tiles = 0, key_tiles = 0;
  bool causal = true;
  std::int64_t top_k = 0;         // the study's top_k (used by the patterns whose uses_top_k() is true)
  std::int64_t layer = 0;         // 0-based layer index
  std::uint64_t anchor_seed = 0;  // names the anchor whose lists a reuse layer reads: its layer index + 1
  std::int64_t tile_tokens = 0;   // tokens per tile edge (estimators that pool tiles check against it)

  bool aligned() const { return causal && query_tiles == key_tiles; }
  // Key tiles query tile q may see: q + 1 under a causal mask on aligned grids (seed 002 §4), else every tile.
  std::int64_t visible(std::int64_t q) const { return aligned() ? q + 1 : key_tiles; }
  // The query tile's own key tile: q when query and key grids align, else the newest tile (decode's one row).
  std::int64_t own_tile(std::int64_t q) const { return query_tiles == key_tiles ? q : key_tiles - 1; }
  // The K/V head a query head reads (grouped-query attention).
  std::int64_t kv_head(std::int64_t head) const { return head / std::max<std::int64_t>(1, heads / kv_heads); }
  bool operator==(const PatternSpace&) const = default;
};

// How a layer scores its own key tiles before attending sparsely (estimate-then-sparse layers, seed 003's most
// common family): the dataflow turns it into kernels (models/dataflow/estimate_then_sparse.cpp).
enum class EstimatorKind : std::uint8_t {
  pooled,         // the two-resolution cascade stage: mean-pool Q, K, V by pool_factor, coarse attention keeping
                  // block maxima (the kernel validation/ measures and calibration fits)
  low_bit,        // Q . K^T of every visible tile with keys read at `bits` bits (no softmax, no P V)
  chunk_summary,  // each query row against `summary_vectors` precomputed vectors per key tile (Quest: min, max)
  accumulated,    // the attention probabilities earlier layers computed, accumulated per key tile (SpAtten's
                  // cascade pruning): no estimator kernel, only the ranking
};
struct ListEstimator {
  EstimatorKind kind = EstimatorKind::pooled;
  std::int64_t pool_factor = 4;      // pooled: tokens averaged into one
  std::int64_t bits = 4;             // low_bit: bits per key element read
  std::int64_t summary_vectors = 2;  // chunk_summary: vectors of head_dim stored per key tile
  bool shared_by_heads = false;      // one ranking per query tile for every head (SpAtten prunes tokens for all)
  bool operator==(const ListEstimator&) const = default;
};

class AttentionPattern {
 public:
  virtual ~AttentionPattern() = default;
  // Contract: the distinct key tiles query tile q of `head` visits, ascending, each in [0, s.visible(q));
  // out is cleared first. Deterministic.
  virtual void visited_tiles(const PatternSpace& s, std::int64_t head, std::int64_t q,
                             std::vector<std::int64_t>& out) const = 0;
  // Contract: visited_tiles(s, head, q, out) leaves exactly this many tiles; O(1).
  virtual std::int64_t visited_count(const PatternSpace& s, std::int64_t head, std::int64_t q) const = 0;
  // Contract: the distinct key tiles the query heads of K/V head kv_head visit together for query tile q (a decode
  // unit packs them: flash-decoding, pack-GQA). This default builds their lists; patterns give a closed form where
  // they can.
  virtual std::int64_t group_visited_count(const PatternSpace& s, std::int64_t kv_head, std::int64_t q) const;
  // Contract: the sum of visited_count over every head and query tile of one sequence. Patterns give a closed
  // form where they are regular; this default adds up visited_count (heads x query tiles terms).
  virtual double visited_blocks(const PatternSpace& s) const;
  // True when the lists come from an anchor's scores: anchor layers then keep each block's maximum and run the
  // selection kernel (seed 002 §3). Static patterns need no anchor work.
  virtual bool selects_from_scores() const { return false; }
  // True when the attention kernel reads its lists from memory (int32 per visited tile); false when it computes
  // them from its indices.
  virtual bool reads_index_lists() const { return true; }
  // True when the study's top_k sizes the lists.
  virtual bool uses_top_k() const { return false; }
  // Set when every reuse layer scores and selects its own lists (estimate-then-sparse): the layer runs the
  // estimator's kernels and a selection kernel before its sparse attention, and reads no anchor's lists.
  virtual std::optional<ListEstimator> estimator() const { return std::nullopt; }
  // False when reuse layers need no anchor layer before them (their lists do not come from an anchor's scores).
  virtual bool needs_anchor() const { return true; }
  // True when a layer's costs do not depend on which layer it is or which anchor it reads: every visited_count,
  // and the size of each GQA group's union of lists, is the same in every layer. The analytical model then
  // evaluates one layer of a kind rather than every one (tests/models/pattern_test.cpp checks the claim).
  virtual bool same_costs_every_layer() const { return false; }
  // Why this pattern cannot run on s ("" when it can): checked for every reuse layer when a study loads.
  virtual std::string problem(const PatternSpace& s) const;
  // The resolved section, {"impl": name, parameters...}, as a run records it.
  virtual core::Json config() const = 0;
};

using PatternCatalog = core::Registry<AttentionPattern>;

// The pattern a /workload/pattern section names, or nullptr after recording errors in node.
std::shared_ptr<const AttentionPattern> make_pattern(const core::ConfigNode& node);

// The pattern of a study without a pattern section: Kascade's top-k lists (models/dataflow/patterns/kascade_topk).
std::shared_ptr<const AttentionPattern> default_pattern();

// SplitMix64 (Steele, Lea, Flood 2014): a cheap, well-mixed deterministic hash for synthetic selections.
inline std::uint64_t selection_hash(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Sum over the query tiles of min(k, visible(q)), one head, one sequence (models/tiles.hpp, sparse_tiles_exact).
double capped_blocks_per_head(const PatternSpace& s, std::int64_t k);

// The extra keys of a pattern whose parameters are all in its field table.
inline constexpr std::array<std::string_view, 0> no_extra_keys{};

// Reads a JSON array of integers >= 1 at key (for per-head and per-layer lists); records errors at its entries.
std::vector<std::int64_t> read_positive_list(const core::ConfigNode& node, std::string_view key);
// Reads a JSON array of fractions in (0, 1] at key (per-layer keep ratios); records errors at its entries. With
// non_increasing, an entry above the one before it is an error (a cascade never brings back what it pruned).
std::vector<double> read_fraction_list(const core::ConfigNode& node, std::string_view key, bool non_increasing);
// The entry of a per-layer list for `layer`: the list's last entry holds for the layers after it.
template <class T>
T per_layer_entry(const std::vector<T>& list, std::int64_t layer) {
  return list[std::min(static_cast<std::size_t>(layer), list.size() - 1)];
}

// The one registration line after a pattern's class. Config's fields are read (with "impl" and extra_keys
// allowed, every other key rejected); factory(const Config&, const core::ConfigNode&) builds the pattern and may
// read the extra keys and report cross-field errors through node (returning nullptr). fields is a constexpr field
// table (core/field.hpp); a table with an entry lacking its key or target, or a key twice, does not compile.
// example is the JSON text of the parameters of a section that builds (describe shows it; the tests build it).
#define CASCADESIM_REGISTER_PATTERN(id, impl_name, doc_text, Config, fields, extra_keys, factory, example) \
  static_assert(::cascadesim::core::fields_declared<Config>(fields),                                       \
                #fields ": every field needs a key and a target, and no key may appear twice");            \
  namespace {                                                                                              \
  const bool registered_pattern_##id = ::cascadesim::models::dataflow::PatternCatalog::instance().add(     \
      {impl_name, doc_text, example, ::cascadesim::core::describe_fields<Config>(fields),                  \
       [](const ::cascadesim::core::ConfigNode& node)                                                      \
           -> std::unique_ptr<::cascadesim::models::dataflow::AttentionPattern> {                          \
         const std::size_t before = node.errors().size();                                                  \
         Config config{};                                                                                  \
         ::cascadesim::core::read_fields<Config>(node, fields, config);                                    \
         std::vector<std::string_view> keys = ::cascadesim::core::field_keys<Config>(fields);              \
         keys.push_back("impl");                                                                           \
         for (std::string_view extra : extra_keys) keys.push_back(extra);                                  \
         node.reject_unknown_keys(keys);                                                                   \
         if (node.errors().size() != before) return nullptr;                                               \
         return factory(config, node);                                                                     \
       }});                                                                                                \
  }

}  // namespace cascadesim::models::dataflow
