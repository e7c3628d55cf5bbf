// Multi-step decode against hand-worked counts: how steps group, eviction budgets, selection reuse between
// re-selections, H2O's bookkeeping kernel, the K/V a host-memory tier takes and the bytes read over its link.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "models/dataflow/layer.hpp"
#include "models/decode_steps.hpp"
#include "models/prediction.hpp"
#include "models/roofline.hpp"
#include "tests/models/study_builders.hpp"

using namespace cascadesim;
using models::dataflow::AttentionWork;
using models::dataflow::Kernel;

namespace {

// 2 query heads over 1 K/V head of 64, d 128, SwiGLU MLP of 256, 4 layers; decode, tiles of 128, batch 1.
models::Study small_decode(std::int64_t seq_len, std::int64_t steps, std::int64_t reselect_every) {
  models::Study st;
  st.hardware = test::round_machine();
  st.model.d_model = 128;
  st.model.n_heads = 2;
  st.model.n_kv_heads = 1;
  st.model.head_dim = 64;
  st.model.d_mlp = 256;
  st.model.n_layers = 4;
  st.workload.phase = models::Phase::decode;
  st.workload.seq_len = seq_len;
  st.workload.tile_tokens = 128;
  st.workload.top_k = 2;
  st.workload.schedule = models::parse_layer_schedule("1D+1A+2R");
  st.workload.decode = models::DecodeSpec{};
  st.workload.decode->steps = steps;
  st.workload.decode->reselect_every = reselect_every;
  return st;
}

bool has_kernel(const std::vector<Kernel>& kernels, const std::string& name) {
  return std::any_of(kernels.begin(), kernels.end(), [&](const Kernel& k) { return k.name == name; });
}

}  // namespace

TEST_CASE("decode steps group by the K/V tiles they read and whether they select") {
  // Steps 0-3 read 256, 257, 258, 259 tokens: 2, 3, 3, 3 tiles of 128; steps 0 and 2 select (every 2 steps).
  const models::Study st = small_decode(256, 4, 2);
  const std::vector<models::DecodeStepGroup> g = models::decode_step_groups(st, false);
  REQUIRE(g.size() == 3);
  CHECK((g[0].first_step == 0 && g[0].steps == 1 && g[0].cached_tokens == 256 && g[0].key_tiles == 2 && g[0].selects));
  CHECK((g[1].first_step == 1 && g[1].steps == 2 && g[1].cached_tokens == 259 && g[1].key_tiles == 3 && !g[1].selects));
  CHECK((g[2].first_step == 2 && g[2].steps == 1 && g[2].cached_tokens == 258 && g[2].selects));
  // The dense baseline always "selects" (nothing to reuse): two groups, by tiles.
  const std::vector<models::DecodeStepGroup> d = models::decode_step_groups(st, true);
  REQUIRE(d.size() == 2);
  CHECK((d[0].steps == 1 && d[1].steps == 3 && d[1].cached_tokens == 259));
}

TEST_CASE("KV-cache corrections re-prefill the last C decoded tokens densely, once every C steps") {
  models::Study st = small_decode(256, 4, 2);
  st.workload.decode->correct_every = 2;
  // Corrections after steps 1 and 3 (caches of 257 and 259 tokens, both 3 tiles): one group of 2, 2 query rows.
  const std::vector<models::DecodeStepGroup> g = models::decode_step_groups(st, false);
  REQUIRE(g.size() == 4);
  CHECK((g[3].correction && g[3].steps == 2 && g[3].query_tokens == 2 && g[3].cached_tokens == 259));
  CHECK(models::decode_step_schedule(st, g[3], false).counts().dense == 4);  // every layer dense
  CHECK(models::decode_step_schedule(st, g[0], false).counts().anchor == 1);
  const models::LayerShape s = models::decode_step_shape(st, g[3], false);
  const models::dataflow::AttentionWork a = models::dataflow::dense_attention(st.model, s, 0);
  // 2 query rows per head against all 3 key tiles: 2 heads x 3 blocks of 2 x 128 scores.
  CHECK(a.rows == 2);
  CHECK(a.visited_blocks() == 6);
  CHECK(models::decode_step_groups(st, true).size() == 2);  // the dense baseline corrects nothing
}

TEST_CASE("an eviction budget caps the tokens every step keeps, the dense baseline keeps them all") {
  models::Study st = small_decode(1000, 100, 1);
  st.workload.decode->eviction = models::KvEviction::sink_window;
  st.workload.decode->kv_budget_tokens = 512;
  CHECK(models::kept_tokens(st.workload, 0, false) == 512);
  CHECK(models::kept_tokens(st.workload, 99, false) == 512);
  CHECK(models::kept_tokens(st.workload, 99, true) == 1099);
  const std::vector<models::DecodeStepGroup> g = models::decode_step_groups(st, false);
  REQUIRE(g.size() == 1);
  CHECK((g[0].steps == 100 && g[0].key_tiles == 4));
  // 1000..1099 tokens: 8 tiles up to 1024, 9 after.
  const std::vector<models::DecodeStepGroup> d = models::decode_step_groups(st, true);
  REQUIRE(d.size() == 2);
  CHECK((d[0].steps == 25 && d[0].key_tiles == 8 && d[1].steps == 75 && d[1].key_tiles == 9));
}

TEST_CASE("between re-selections anchors attend over their last lists and estimators neither estimate nor select") {
  const models::Study st = small_decode(1024, 8, 4);  // 8 key tiles, top_k 2
  models::LayerShape s = models::layer_shape(st.workload);
  const std::vector<Kernel> selecting = models::dataflow::layer_kernels(st.model, s, 1, models::LayerKind::anchor, 2);
  CHECK(has_kernel(selecting, "topk_select"));
  s.reuses_selection = true;
  const std::vector<Kernel> reusing = models::dataflow::layer_kernels(st.model, s, 1, models::LayerKind::anchor, 2);
  CHECK_FALSE(has_kernel(reusing, "topk_select"));
  const auto attention =
      std::find_if(reusing.begin(), reusing.end(), [](const Kernel& k) { return k.name == "attention"; });
  REQUIRE(attention != reusing.end());
  // One decode query tile per head, top_k 2 of 8 tiles: 2 heads x 2 blocks (dense would be 2 x 8).
  CHECK(std::get<AttentionWork>(attention->work).visited_blocks() == 4);
  CHECK(std::get<AttentionWork>(attention->work).anchor_seed == 2);  // its own layer's lists (layer 1 + 1)

  core::Json section = core::Json::parse(R"({"impl": "estimate_topk", "estimator": "low_bit"})");
  core::ConfigErrors errors;
  const core::ConfigNode node({{&section, "study.json", "/workload/pattern"}}, errors);
  s.pattern = models::dataflow::make_pattern(node);
  REQUIRE(s.pattern);
  s.reuses_selection = false;
  const std::vector<Kernel> estimating = models::dataflow::layer_kernels(st.model, s, 2, models::LayerKind::reuse, 0);
  CHECK(has_kernel(estimating, "estimate_scores"));
  CHECK(has_kernel(estimating, "topk_select"));
  s.reuses_selection = true;
  const std::vector<Kernel> reused = models::dataflow::layer_kernels(st.model, s, 2, models::LayerKind::reuse, 0);
  CHECK_FALSE(has_kernel(reused, "estimate_scores"));
  CHECK_FALSE(has_kernel(reused, "topk_select"));
  CHECK(estimating.size() == reused.size() + 2);
}

TEST_CASE("H2O's bookkeeping reads and writes 16 bytes and runs 2 operations per head and cached token") {
  models::Study st = small_decode(300, 1, 1);
  st.workload.batch = 2;
  models::LayerShape s = models::layer_shape(st.workload);
  s.scored_tokens = 300;
  const std::vector<Kernel> kernels = models::dataflow::layer_kernels(st.model, s, 0, models::LayerKind::dense, 0);
  const auto h2o =
      std::find_if(kernels.begin(), kernels.end(), [](const Kernel& k) { return k.name == "heavy_hitter_scores"; });
  REQUIRE(h2o != kernels.end());
  // 2 sequences x 2 heads x 300 tokens = 1200 entries.
  const models::OpCost c = models::dataflow::kernel_cost(*h2o);
  CHECK(c.hbm_bytes == 1200 * 16);
  CHECK(c.vector_flops == 1200 * 2);
}

TEST_CASE("the host tier takes the oldest tiles that overflow the HBM, at least the offloaded fraction") {
  models::Study st = small_decode(1024, 1, 1);
  // Weights 4 x 2 x (128 x 256 + 128 x 128 + 3 x 128 x 256) = 1179648 bytes; activations 2 x (256 + 2 x 256) = 1536;
  // K/V of 1024 tokens 4 x 1024 x 2 x 64 x 2 = 1048576: an HBM holding half of it overflows 4 of its 8 tiles.
  st.hardware.hbm_bytes = 1179648 + 1536 + 524288;
  CHECK(models::host_key_tiles(st, 1024) == 0);  // no host tier: nothing offloaded (the loader refuses the study)
  st.hardware.host_bytes = 1e12;
  st.hardware.host_bandwidth_GBps = 50;
  CHECK(models::host_key_tiles(st, 1024) == 4);
  st.workload.decode->kv_offload_fraction = 0.75;
  CHECK(models::host_key_tiles(st, 1024) == 6);
  st.workload.decode->kv_offload_fraction = 1;
  CHECK(models::host_key_tiles(st, 1024) == 7);  // the newest tile stays in HBM
}

TEST_CASE("K/V tiles in host memory are read over the host link, the others from HBM, and the link times them") {
  models::Study st = small_decode(1024, 1, 1);
  st.hardware.host_bytes = 1e12;
  st.hardware.host_bandwidth_GBps = 50;
  models::LayerShape s = models::layer_shape(st.workload);
  s.host_key_tiles = 3;
  const AttentionWork dense = models::dataflow::dense_attention(st.model, s, 0);
  const models::OpCost c =
      models::dataflow::kernel_cost(Kernel{"attention", models::Op::attention, 0, models::LayerKind::dense, dense});
  // One unit packs both heads of the K/V head; a K/V tile is 2 x 128 x 64 x 2 = 32768 bytes; 3 of the 8 from host.
  CHECK(c.host_bytes == 3 * 32768);
  const double q_bytes = 2 * 64 * 2;  // both heads' query rows, read once and written once as O
  CHECK(c.hbm_bytes == 2 * q_bytes + 5 * 32768);
  const models::RooflineTime t = models::roofline_time(c, st.hardware);
  CHECK(t.host_s == doctest::Approx(3 * 32768 / 50e9));

  // A top-k reuse layer: the hashed lists decide which tiles come from the host.
  models::LayerShape r = s;
  const Kernel reuse = models::dataflow::reuse_kernel(st.model, r, 2, 0, 2);
  const auto& w = std::get<AttentionWork>(reuse.work);
  std::vector<std::int64_t> tiles;
  w.unit_tiles(0, 0, tiles);
  const auto below = std::count_if(tiles.begin(), tiles.end(), [](std::int64_t t) { return t < 3; });
  CHECK(models::dataflow::kernel_cost(reuse).host_bytes == static_cast<double>(below) * 32768);
}

TEST_CASE("a decode run sums its groups by their steps, and its first group is predict's one step") {
  const models::Study st = small_decode(256, 4, 2);
  const models::Prediction p = models::predict(st, models::Accounting::exact);
  REQUIRE(p.decode);
  const models::DecodeRun& run = *p.decode;
  double sum = 0, dense = 0;
  for (const models::DecodeGroupResult& g : run.groups) sum += static_cast<double>(g.group.steps) * g.time_s;
  for (const models::DecodeGroupResult& g : run.dense_groups) dense += static_cast<double>(g.group.steps) * g.time_s;
  CHECK(run.time_s == doctest::Approx(sum));
  CHECK(run.dense_time_s == doctest::Approx(dense));
  CHECK(run.tokens == 4);
  CHECK(run.tokens_per_s() == doctest::Approx(4 / run.time_s));
  // Step 0 reads seq_len's cache and selects: the study's single step.
  CHECK(run.groups[0].time_s == doctest::Approx(p.schedule_model.time.time_s).epsilon(1e-12));
  CHECK(run.dense_groups[0].time_s == doctest::Approx(p.dense_model.time.time_s).epsilon(1e-12));
  // Steps that reuse their selection skip the anchor's full attention and selection: faster at the same cache.
  CHECK(run.groups[1].time_s < run.groups[2].time_s);
}
