// Per-operation FLOPs and bytes of one layer, against the GEMM and attention formulas worked by hand.
#include <doctest/doctest.h>

#include <initializer_list>

#include "models/dataflow/kernel.hpp"
#include "models/layer_costs.hpp"
#include "study_builders.hpp"

using namespace cascadesim;
using namespace cascadesim::models;

namespace {
LayerShape prefill(std::int64_t tokens, std::int64_t k = 4) {
  LayerShape s;
  s.batch = 1;
  s.query_tokens = tokens;
  s.key_tokens = tokens;
  s.tile_tokens = 128;
  s.top_k = k;
  return s;
}
}  // namespace

TEST_CASE("a GEMM is 2mkn FLOPs and reads its operands and writes its result once") {
  dataflow::GemmWork g;
  g.m = 10;
  g.k = 20;
  g.n = 30;
  const OpCost c = dataflow::kernel_cost(dataflow::Kernel{"gemm", Op::mlp, 0, LayerKind::dense, g});
  CHECK(c.matrix_flops == 2.0 * 10 * 20 * 30);
  CHECK(c.hbm_bytes == 2.0 * (10 * 20 + 20 * 30 + 10 * 30));
  CHECK(c.kernels == 1);
  // Batched: 8 problems, every 4 sharing B (the query heads of one K/V head).
  g.problems = 8;
  g.problems_per_b = 4;
  const OpCost batched = dataflow::kernel_cost(dataflow::Kernel{"gemm", Op::mlp, 0, LayerKind::dense, g});
  CHECK(batched.matrix_flops == 8 * 2.0 * 10 * 20 * 30);
  CHECK(batched.hbm_bytes == 2.0 * (8 * (10 * 20 + 10 * 30) + 2 * 20 * 30));
}

TEST_CASE("QKV projection uses the GQA widths: d x (H + 2 Hkv) dh") {
  const TransformerModel m = test::llama_3_2_1b();
  const LayerCost c = layer_cost(m, prefill(1024), LayerKind::dense, test::round_machine());
  CHECK(c[Op::qkv_projection].matrix_flops == 2.0 * 1024 * 2048 * (2048 + 2 * 512));
  CHECK(c[Op::o_projection].matrix_flops == 2.0 * 1024 * 2048 * 2048);
}

TEST_CASE("SwiGLU has three MLP matrices and GELU two") {
  const LayerCost llama = layer_cost(test::llama_3_2_1b(), prefill(256), LayerKind::dense, test::round_machine());
  CHECK(llama[Op::mlp].matrix_flops == 3 * 2.0 * 256 * 2048 * 8192);
  const LayerCost vit = layer_cost(test::vit_b_16(), prefill(256), LayerKind::dense, test::round_machine());
  CHECK(vit[Op::mlp].matrix_flops == 2 * 2.0 * 256 * 768 * 3072);
  // Weights once, input and output of each GEMM once (activation fused into the first GEMM).
  CHECK(vit[Op::mlp].hbm_bytes == 2.0 * (2 * 256 * 768 + 2 * 768 * 3072 + 2 * 256 * 3072));
}

TEST_CASE("dense causal attention computes 4 t^2 dh FLOPs per block per head") {
  const TransformerModel m = test::llama_3_2_1b();
  const LayerCost c = layer_cost(m, prefill(1024), LayerKind::dense, test::round_machine());
  const double blocks = 8 * 9 / 2;
  CHECK(c[Op::attention].matrix_flops == 32 * blocks * 4.0 * 128 * 128 * 64);
  CHECK(c[Op::attention].vector_flops == 32 * blocks * 128.0 * 128 * softmax_ops_per_score);
  CHECK(c[Op::anchor_scoring].kernels == 0);
}

TEST_CASE("reuse attention computes only the kept blocks") {
  const TransformerModel m = test::llama_3_2_1b();
  const LayerCost c = layer_cost(m, prefill(1024, 2), LayerKind::reuse, test::round_machine());
  const double blocks = 1 + 2 * 7;  // query tile 0 sees one key tile
  CHECK(c[Op::attention].matrix_flops == 32 * blocks * 4.0 * 128 * 128 * 64);
}

TEST_CASE("fused attention reads K/V once when the heads in flight fit in L2, per block when not") {
  const TransformerModel m = test::llama_3_2_1b();
  HardwareSpec hw = test::round_machine();
  const LayerShape s = prefill(4096);
  const double q_and_o = 2.0 * 4096 * 2048 * 2;
  const double kv_once = 2.0 * 4096 * 512 * 2;
  CHECK(layer_cost(m, s, LayerKind::dense, hw)[Op::attention].hbm_bytes == q_and_o + kv_once);
  hw.l2_bytes = 0;
  const double blocks = 32 * 33 / 2;
  const double kv_per_block = 32 * blocks * 128.0 * 64 * 2 * 2;
  CHECK(layer_cost(m, s, LayerKind::dense, hw)[Op::attention].hbm_bytes == q_and_o + kv_per_block);
}

TEST_CASE("materialized attention moves the S x S scores four times") {
  const TransformerModel m = test::llama_3_2_1b();
  LayerShape s = prefill(2048);
  s.attention_kernel = AttentionKernel::materialized;
  const LayerCost c = layer_cost(m, s, LayerKind::dense, test::round_machine());
  const double scores = 32.0 * 2048 * 2048;
  CHECK(c[Op::attention].hbm_bytes == 2.0 * 2048 * 2048 * 2 + 2.0 * 2048 * 512 * 2 + 4 * scores * 2);
  CHECK(c[Op::attention].kernels == 3);
}

TEST_CASE("a decode step reads the whole KV cache and one query row per head") {
  const TransformerModel m = test::llama_3_2_1b();
  LayerShape s;
  s.batch = 4;
  s.query_tokens = 1;
  s.key_tokens = 8192;
  s.tile_tokens = 128;
  s.top_k = 8;
  HardwareSpec hw = test::round_machine();
  hw.cores = 32;  // one unit per K/V head of each sequence: no split of the key tiles
  const LayerCost dense = layer_cost(m, s, LayerKind::dense, hw);
  CHECK(dense[Op::attention].matrix_flops == 4 * 32 * 64.0 * 4 * 1 * 128 * 64);
  const double kv_cache = 4 * 2.0 * 8192 * 512 * 2;
  CHECK(dense[Op::attention].hbm_bytes == 2.0 * 4 * 2048 * 2 + kv_cache);
  const LayerCost reuse = layer_cost(m, s, LayerKind::reuse, hw);
  CHECK(reuse[Op::attention].matrix_flops == 4 * 32 * 8.0 * 4 * 1 * 128 * 64);
  // The 4 heads of a GQA group share the anchor's 8 tiles, so with L2 reuse each K/V head reads 8 of 64 tiles.
  const double kept_kv = 4 * 8 * 8.0 * 128 * 64 * 2 * 2;
  CHECK(reuse[Op::attention].hbm_bytes == 2.0 * 4 * 2048 * 2 + kept_kv + 4 * 32 * 8 * index_bytes);

  // On 100 cores the 32 units split their key tiles 4 ways (flash-decoding): each split reads its Q and writes an
  // fp32 partial (64 + 2 numbers per row) that a combine kernel reads back, rescales and sums.
  hw.cores = 100;
  const LayerCost split = layer_cost(m, s, LayerKind::dense, hw);
  const double q = 4 * 2048 * 2.0, partials = 4 * 8 * 4 * (4 * (64 + 2)) * 4.0;
  CHECK(split[Op::attention].kernels == 2);
  CHECK(split[Op::attention].matrix_flops == dense[Op::attention].matrix_flops);
  CHECK(split[Op::attention].hbm_bytes == 4 * q + partials + kv_cache + partials + q);
}

TEST_CASE("anchors add tile scoring, pooled scoring is a separate pass") {
  const TransformerModel m = test::llama_3_2_1b();
  LayerShape s = prefill(4096);
  const LayerCost dense = layer_cost(m, s, LayerKind::dense, test::round_machine());
  const LayerCost anchor = layer_cost(m, s, LayerKind::anchor, test::round_machine());
  CHECK(anchor.attention_part().flops() > dense.attention_part().flops());
  CHECK(anchor[Op::anchor_scoring].kernels == 1);
  s.anchor_scoring = AnchorScoring::pooled;
  const LayerCost pooled = layer_cost(m, s, LayerKind::anchor, test::round_machine());
  CHECK(pooled[Op::attention].flops() == dense[Op::attention].flops());
  CHECK(pooled[Op::anchor_scoring].matrix_flops == 32 * (32.0 * 33 / 2) * 2 * 64);
  CHECK(pooled[Op::anchor_scoring].kernels == 2);
}
