// The seeds' sparse-attention mechanisms against hand-worked counts: estimate-then-sparse layers (fixed and threshold
// k, the three estimators' kernels), SpAtten's cascade token and head pruning, and progressive quantization's
// two-pass fetch.
#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>
#include <string>

#include "models/dataflow/layer.hpp"
#include "models/layer_costs.hpp"

using namespace cascadesim;
using models::dataflow::AttentionWork;
using models::dataflow::Kernel;
using models::dataflow::PatternSpace;
using models::dataflow::StreamWork;

namespace {

std::shared_ptr<const models::dataflow::AttentionPattern> pattern(const core::Json& section) {
  core::ConfigErrors errors;
  const core::ConfigNode node({{&section, "study.json", "/workload/pattern"}}, errors);
  std::shared_ptr<const models::dataflow::AttentionPattern> p = models::dataflow::make_pattern(node);
  errors.throw_if_any();
  REQUIRE(p);
  return p;
}

// 2 query heads over 1 K/V head of 64; 512 tokens in tiles of 128 (a 4 x 4 causal grid), one sequence.
models::TransformerModel small_model() {
  models::TransformerModel m;
  m.d_model = 128;
  m.n_heads = 2;
  m.n_kv_heads = 1;
  m.head_dim = 64;
  m.d_mlp = 256;
  m.n_layers = 4;
  return m;
}

models::LayerShape small_shape(const core::Json& section) {
  models::LayerShape s;
  s.query_tokens = 512;
  s.key_tokens = 512;
  s.tile_tokens = 128;
  s.top_k = 2;
  s.pattern = pattern(section);
  return s;
}

std::vector<std::string> names(const std::vector<Kernel>& kernels) {
  std::vector<std::string> out;
  for (const Kernel& k : kernels) out.push_back(k.name);
  return out;
}

}  // namespace

TEST_CASE("a threshold k keeps ceil(fraction x visible) tiles, at least min_tiles, per layer") {
  const auto p = pattern(
      {{"impl", "estimate_topk"}, {"estimator", "low_bit"}, {"kept_fraction_by_layer", {0.5, 0.25}}, {"min_tiles", 2}});
  PatternSpace s{2, 1, 8, 8, true, 0, 1, 2};
  // Layer 1 (0.25): visible q + 1 = 1..8 -> ceil 1,1,1,1,2,2,2,2 -> at least 2, at most visible: 1,2,2,2,2,2,2,2.
  const std::int64_t layer1[] = {1, 2, 2, 2, 2, 2, 2, 2};
  for (std::int64_t q = 0; q < 8; ++q) CHECK(p->visited_count(s, 0, q) == layer1[q]);
  CHECK(p->visited_blocks(s) == 2 * 15);
  // Layer 3 reads the last entry; layer 0 (0.5): ceil 1,1,2,2,3,3,4,4 -> 1,2,2,2,3,3,4,4 = 21 per head.
  s.layer = 3;
  CHECK(p->visited_blocks(s) == 2 * 15);
  s.layer = 0;
  CHECK(p->visited_blocks(s) == 2 * 21);
  CHECK_FALSE(p->uses_top_k());
  CHECK_FALSE(p->needs_anchor());
}

TEST_CASE("estimate-then-sparse layers draw their own lists: per layer, and per query head when asked") {
  const auto shared = pattern({{"impl", "estimate_topk"}, {"estimator", "chunk_summary"}});
  const auto per_head = pattern({{"impl", "estimate_topk"}, {"estimator", "chunk_summary"}, {"lists", "per_head"}});
  PatternSpace s{2, 1, 1, 64, true, 6, 1, 0};  // decode: one query tile against 64 key tiles
  std::vector<std::int64_t> a, b, c;
  shared->visited_tiles(s, 0, 0, a);
  shared->visited_tiles(s, 1, 0, b);
  CHECK(a == b);  // a GQA group shares one selection
  CHECK(shared->group_visited_count(s, 0, 0) == 6);
  s.layer = 2;
  shared->visited_tiles(s, 0, 0, c);
  CHECK(a != c);  // every layer selects anew
  per_head->visited_tiles(s, 0, 0, a);
  per_head->visited_tiles(s, 1, 0, b);
  CHECK(a != b);
  std::vector<std::int64_t> both;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  CHECK(per_head->group_visited_count(s, 0, 0) == static_cast<std::int64_t>(both.size()));
  CHECK(both.size() > 6);  // the group's unit loads the union: head-specific lists cost K/V traffic
}

TEST_CASE("the three estimators' kernels, hand-counted on a 4 x 4 causal grid of 2 heads") {
  const models::TransformerModel m = small_model();
  // 10 causal blocks per head, 20 over both heads; 128 x 128 scores per block.
  const double scores = 20.0 * 128.0 * 128.0;

  const models::LayerShape low = small_shape({{"impl", "estimate_topk"}, {"estimator", "low_bit"}, {"bits", 4}});
  std::vector<Kernel> k = models::dataflow::estimate_then_sparse_kernels(m, low, 2, 7);
  REQUIRE(names(k) == std::vector<std::string>{"estimate_scores", "topk_select", "attention"});
  const auto& est = std::get<StreamWork>(k[0].work);
  CHECK(est.matrix_flops == scores * 2.0 * 64.0);
  CHECK(est.vector_ops == scores);
  // 4-bit keys (512 x 64 x 0.5 bytes) and the bf16 queries (512 x 128 x 2); written: the new low-bit keys and
  // 20 fp32 block scores.
  CHECK(est.read_bytes == 16384.0 + 131072.0);
  CHECK(est.write_bytes == 16384.0 + 80.0);
  const auto& sparse = std::get<AttentionWork>(k[2].work);
  CHECK(sparse.layer == 2);
  CHECK(sparse.anchor_seed == 3);                           // its own lists
  CHECK(sparse.visited_blocks() == 2.0 * (1 + 2 + 2 + 2));  // top_k 2 capped by visibility

  const models::LayerShape chunk =
      small_shape({{"impl", "estimate_topk"}, {"estimator", "chunk_summary"}, {"summary_vectors", 2}});
  k = models::dataflow::estimate_then_sparse_kernels(m, chunk, 2, 7);
  const auto& sum = std::get<StreamWork>(k[0].work);
  // Per (head, query row, block): 2 x 2 x 64 products and maxima, and the block's running max.
  CHECK(sum.vector_ops == 20.0 * 128.0 * (256.0 + 1.0));
  // Summaries of 4 tiles (2 x 64 bf16 each) and the queries; written: the 4 new tiles' summaries and 20 scores.
  CHECK(sum.read_bytes == 4.0 * 256.0 + 131072.0);
  CHECK(sum.write_bytes == 4.0 * 256.0 + 80.0);

  const models::LayerShape pooled =
      small_shape({{"impl", "estimate_topk"}, {"estimator", "pooled"}, {"pool_factor", 4}});
  k = models::dataflow::estimate_then_sparse_kernels(m, pooled, 2, 7);
  REQUIRE(names(k) ==
          std::vector<std::string>{"pool_q", "pool_k", "pool_v", "estimate_attention", "topk_select", "attention"});
  // The cascade stage's kernels: K of 512 x 64 bf16 pooled to 128 rows; the coarse attention on 32-token tiles.
  const std::vector<Kernel> stage = models::dataflow::cascade_stage_kernels(m, pooled, 2, 4, 9);
  CHECK(std::get<StreamWork>(k[1].work) == std::get<StreamWork>(stage[1].work));
  CHECK(std::get<StreamWork>(k[1].work).read_bytes == 65536.0);
  CHECK(std::get<StreamWork>(k[1].work).write_bytes == 16384.0);
  const auto& coarse = std::get<AttentionWork>(k[3].work);
  CHECK(coarse.tile_tokens == 32);
  CHECK(coarse.query_tiles == 4);
  CHECK(coarse.writes_tile_scores);
  CHECK(k[3].op == models::Op::anchor_scoring);
}

TEST_CASE("SpAtten pruning keeps nested token sets and whole heads per layer, hand-counted") {
  const auto p =
      pattern({{"impl", "spatten_pruning"}, {"token_keep_by_layer", {1, 0.5, 0.25}}, {"head_keep_by_layer", {1, 0.5}}});
  // Decode: one query row against 10 key tiles; 4 heads over 2 K/V heads.
  PatternSpace s{4, 2, 1, 10, true, 0, 0, 0};
  CHECK(p->visited_blocks(s) == 4 * 10);
  std::vector<std::int64_t> wide, narrow;
  s.layer = 1;  // ceil(0.5 x 10) = 5 tiles, 2 of 4 heads
  CHECK(p->visited_blocks(s) == 2 * 5);
  std::int64_t kept_heads = 0;
  for (std::int64_t h = 0; h < 4; ++h) {
    kept_heads += p->visited_count(s, h, 0) > 0 ? 1 : 0;
    if (p->visited_count(s, h, 0) > 0) p->visited_tiles(s, h, 0, wide);
  }
  CHECK(kept_heads == 2);
  REQUIRE(wide.size() == 5);
  CHECK(wide.front() == 0);  // the sink
  CHECK(wide.back() == 9);   // the newest tile
  s.layer = 7;               // the last entry holds: ceil(0.25 x 10) = 3 tiles, a subset of layer 1's
  for (std::int64_t h = 0; h < 4; ++h)
    if (p->visited_count(s, h, 0) > 0) p->visited_tiles(s, h, 0, narrow);
  REQUIRE(narrow.size() == 3);
  CHECK(std::includes(wide.begin(), wide.end(), narrow.begin(), narrow.end()));

  // The geometric schedule: from layer 1 each layer keeps half, at least 20%: 1, 0.5, 0.25, 0.2, 0.2 of 10 tiles.
  const auto sched = pattern(
      {{"impl", "spatten_pruning"}, {"token_start_layer", 1}, {"token_keep_per_layer", 0.5}, {"token_min_keep", 0.2}});
  const std::int64_t expected[] = {10, 5, 3, 2, 2};
  for (std::int64_t layer = 0; layer < 5; ++layer) {
    s.layer = layer;
    CHECK(sched->visited_count(s, 0, 0) == expected[layer]);
  }
}

TEST_CASE("SpAtten pruning sections are checked: rising keep ratios, and lists given with a schedule") {
  core::ConfigErrors errors;
  const core::Json rising = {{"impl", "spatten_pruning"}, {"token_keep_by_layer", {1, 0.5, 0.6}}};
  const core::Json both = {{"impl", "spatten_pruning"}, {"head_keep_by_layer", {1, 0.5}}, {"head_keep_per_layer", 0.9}};
  for (const core::Json* section : {&rising, &both}) {
    const core::ConfigNode node({{section, "study.json", "/workload/pattern"}}, errors);
    CHECK_FALSE(models::dataflow::make_pattern(node));
  }
  std::string message;
  try {
    errors.throw_if_any();
  } catch (const core::ConfigError& e) {
    message = e.what();
  }
  CHECK(message.find("study.json: /workload/pattern/token_keep_by_layer/2: must not exceed the entry before it") !=
        std::string::npos);
  CHECK(message.find("study.json: /workload/pattern/head_keep_by_layer: give per-layer ratios or the head_* "
                     "schedule, not both") != std::string::npos);
}

TEST_CASE("progressive quantization fetches the MSBs everywhere and the LSBs for the recomputing heads") {
  const models::TransformerModel m = small_model();
  models::LayerShape s = small_shape({{"impl", "kascade_topk"}});
  s.progressive_quantization = models::ProgressiveQuantization{8, 4, 0.5};
  std::vector<Kernel> layer = models::dataflow::layer_kernels(m, s, 2, models::LayerKind::reuse, 2);
  const auto first = std::find_if(layer.begin(), layer.end(), [](const Kernel& k) { return k.name == "attention"; });
  REQUIRE(first != layer.end());
  REQUIRE((first + 1)->name == "attention_recompute");
  const auto& msb = std::get<AttentionWork>(first->work);
  const auto& lsb = std::get<AttentionWork>((first + 1)->work);
  // A 128-token tile of K and V, 64 wide: 8 bits per element first (16 KiB), 4 bits again for the recompute.
  CHECK(msb.kv_tile_bytes() == 2.0 * 128.0 * 64.0 * 1.0);
  CHECK(lsb.kv_tile_bytes() == 2.0 * 128.0 * 64.0 * 0.5);
  // Half of the 2 heads recompute in every query tile: one head's blocks, 1 + 2 + 2 + 2.
  CHECK(msb.visited_blocks() == 2.0 * 7.0);
  CHECK(lsb.visited_blocks() == 7.0);
  // Both heads of the group are packed into one unit only in decode; here each head's unit loads its own list.
  const models::OpCost a = models::dataflow::kernel_cost(*first), b = models::dataflow::kernel_cost(*(first + 1));
  CHECK(b.matrix_flops == doctest::Approx(a.matrix_flops / 2.0));
  // Dense and anchor layers are untouched.
  for (const Kernel& k : models::dataflow::layer_kernels(m, s, 0, models::LayerKind::dense, 0))
    if (const auto* w = std::get_if<AttentionWork>(&k.work)) CHECK(w->kv_element_bytes() == 2.0);
}
