// Mixture of experts, multi-head latent attention and the model's ends (embedding, LM head): their FLOPs, bytes and
// K/V-cache bytes against counts worked by hand on small shapes.
#include <doctest/doctest.h>

#include <cmath>

#include "models/dataflow/layer.hpp"
#include "models/layer_costs.hpp"
#include "models/memory_footprint.hpp"
#include "models/prediction.hpp"
#include "study_builders.hpp"

using namespace cascadesim;
using namespace cascadesim::models;

namespace {

// d 64, 4 heads of 16, MLP 256; 8 experts of width 32, 2 per token, 1 shared; the first of 4 layers dense.
TransformerModel small_moe() {
  TransformerModel m;
  m.d_model = 64;
  m.n_heads = 4;
  m.n_kv_heads = 4;
  m.head_dim = 16;
  m.d_mlp = 256;
  m.n_layers = 4;
  m.experts = 8;
  m.experts_per_token = 2;
  m.expert_ffn_dim = 32;
  m.shared_experts = 1;
  m.dense_mlp_layers = 1;
  return m;
}

// d 64, 4 heads: non-rotary Q/K 16, rotary 8, V 16; Q latent 24, K/V latent 48.
TransformerModel small_mla() {
  TransformerModel m;
  m.d_model = 64;
  m.n_heads = 4;
  m.n_kv_heads = 4;
  m.head_dim = 16;
  m.d_mlp = 256;
  m.n_layers = 2;
  m.kv_lora_rank = 48;
  m.q_lora_rank = 24;
  m.qk_rope_head_dim = 8;
  m.v_head_dim = 16;
  return m;
}

LayerShape tokens_shape(std::int64_t query_tokens, std::int64_t key_tokens, double imbalance = 1.0) {
  LayerShape s;
  s.batch = 1;
  s.query_tokens = query_tokens;
  s.key_tokens = key_tokens;
  s.tile_tokens = 128;
  s.expert_load_imbalance = imbalance;
  return s;
}

OpCost sum(const std::vector<dataflow::Kernel>& kernels, const char* name = nullptr) {
  OpCost c;
  for (const dataflow::Kernel& k : kernels)
    if (!name || k.name == name) c += dataflow::kernel_cost(k);
  return c;
}

}  // namespace

TEST_CASE("an MoE layer's FLOPs: router, shared expert, and every expert padded to the busiest one's rows") {
  // 64 tokens x 2 experts = 128 (token, expert) pairs over 8 experts: 16 rows each, 24 for the busiest at 1.5x.
  const auto kernels = dataflow::mlp_kernels(small_moe(), tokens_shape(64, 64, 1.5), 1, LayerKind::dense);
  const double router = 2.0 * 64 * 64 * 8;
  const double shared = 2.0 * 64 * 64 * (2 * 32) + 2.0 * 64 * 32 * 64;
  const double experts = 8 * 2.0 * 24 * 64 * (2 * 32) + 8 * 2.0 * 24 * 32 * 64;
  CHECK(sum(kernels).matrix_flops == router + shared + experts);
  // The [gate | up] GEMM reads each expert's 24 gathered rows and its weights once, and writes 24 x 64.
  CHECK(sum(kernels, "expert_up").hbm_bytes == 2.0 * (8 * (24 * 64 + 24 * 64) + 8 * 64 * 64));
  // Routing writes an int32 id and an fp32 weight per pair; the combine reads each pair's row and writes one per token.
  CHECK(sum(kernels, "moe_routing").written_bytes == 128 * 8.0);
  CHECK(sum(kernels, "moe_combine").hbm_bytes == 128 * (64 * 2.0 + 4) + 64 * 64 * 2.0);
}

TEST_CASE("the expert GEMMs grow with the load imbalance and the router and shared expert do not") {
  const TransformerModel m = small_moe();
  const auto balanced = dataflow::mlp_kernels(m, tokens_shape(64, 64, 1.0), 1, LayerKind::dense);
  const auto skewed = dataflow::mlp_kernels(m, tokens_shape(64, 64, 2.0), 1, LayerKind::dense);
  CHECK(sum(skewed, "expert_down").matrix_flops == 2 * sum(balanced, "expert_down").matrix_flops);
  CHECK(sum(skewed, "moe_router").matrix_flops == sum(balanced, "moe_router").matrix_flops);
  CHECK(sum(skewed, "shared_expert_up").matrix_flops == sum(balanced, "shared_expert_up").matrix_flops);
}

TEST_CASE("one decoded token reads the weights of its k experts only") {
  // E (1 - (1 - k/E)^1) = 2 experts, one row each.
  const auto kernels = dataflow::mlp_kernels(small_moe(), tokens_shape(1, 4096), 1, LayerKind::dense);
  CHECK(sum(kernels, "expert_up").hbm_bytes == 2.0 * (2 * (64 + 64) + 2 * 64 * 64));
  CHECK(sum(kernels, "expert_down").hbm_bytes == 2.0 * (2 * (32 + 64) + 2 * 32 * 64));
}

TEST_CASE("a MoE model's first dense_mlp_layers keep the dense MLP and the stack's MLP costs are summed exactly") {
  const TransformerModel m = small_moe();
  const LayerShape s = tokens_shape(64, 64);
  CHECK(sum(dataflow::mlp_kernels(m, s, 0, LayerKind::dense)).matrix_flops == 3 * 2.0 * 64 * 64 * 256);
  const double stack = sum(dataflow::mlp_kernels(m, s, 0, LayerKind::dense)).matrix_flops +
                       3 * sum(dataflow::mlp_kernels(m, s, 1, LayerKind::dense)).matrix_flops;
  const LayerCost layer = layer_cost(m, s, LayerKind::dense, test::round_machine());
  CHECK(4 * layer[Op::mlp].matrix_flops == doctest::Approx(stack).epsilon(1e-12));
}

TEST_CASE("MLA caches kv_lora_rank + qk_rope_head_dim elements per token and layer") {
  const TransformerModel m = small_mla();
  CHECK(m.kv_cache_elements_per_token() == 48 + 8);
  Workload w;
  w.phase = Phase::decode;
  w.seq_len = 1000;
  w.batch = 3;
  CHECK(memory_footprint(m, w).kv_cache_bytes == 2.0 * 3 * 1000 * 56 * 2);
}

TEST_CASE("absorbed MLA decode attends over the latent: one 56-wide row per token shared by every head") {
  const TransformerModel m = small_mla();
  const dataflow::AttentionWork a = dataflow::dense_attention(m, tokens_shape(1, 1024), 0);
  CHECK(a.kv_heads == 1);
  CHECK(a.head_dim == 56);
  CHECK(a.v_dim() == 48);
  CHECK(a.heads_per_unit == 4);
  CHECK(a.kv_tile_bytes() == 128 * 56 * 2.0);
  const OpCost c = dataflow::kernel_cost(dataflow::Kernel{"attention", Op::attention, 0, LayerKind::dense, a});
  // 4 heads x 1024 keys, QK^T over 56 and PV over 48.
  CHECK(c.matrix_flops == 4.0 * 1024 * 2 * (56 + 48));
  // Q of 56 and O of 48 per head; 8 latent tiles, loaded once for the packed heads.
  CHECK(c.hbm_bytes == 4 * 56 * 2.0 + 4 * 48 * 2.0 + 8 * 128 * 56 * 2.0);
}

TEST_CASE("MLA projections: down, Q up and W_UK absorbed in decode, K/V decompressed in prefill") {
  const TransformerModel m = small_mla();
  const LayerCost decode = layer_cost(m, tokens_shape(1, 1024), LayerKind::dense, test::round_machine());
  // [q latent 24 | c_KV 48 | k_rope 8] = 80 wide; Q up 24 -> 4 x 24; per head q_nope 16 -> 48.
  CHECK(decode[Op::qkv_projection].matrix_flops == 2.0 * 64 * 80 + 2.0 * 24 * 96 + 4 * 2.0 * 16 * 48);
  // Per head the latent output 48 -> V 16, then O from 4 x 16 to 64.
  CHECK(decode[Op::o_projection].matrix_flops == 4 * 2.0 * 48 * 16 + 2.0 * 64 * 64);
  // RoPE on the 4 heads' rotary parts and the one shared rotary key: 5 x 8 elements.
  CHECK(decode[Op::rope].vector_flops == 5 * 8 * rope_ops_per_element);
  const LayerCost prefill = layer_cost(m, tokens_shape(256, 256), LayerKind::dense, test::round_machine());
  CHECK(prefill[Op::qkv_projection].matrix_flops ==
        256 * (2.0 * 64 * 80 + 2.0 * 24 * 96) + 2.0 * 256 * 48 * (4 * (16 + 16)));
  const dataflow::AttentionWork a = dataflow::dense_attention(m, tokens_shape(256, 256), 0);
  CHECK(a.kv_heads == 4);
  CHECK(a.head_dim == 24);
  CHECK(a.kv_tile_bytes() == 128 * (24 + 16) * 2.0);
}

TEST_CASE("Kascade reuse layers over MLA fetch only the anchor's top-k latent tiles") {
  const TransformerModel m = small_mla();
  LayerShape s = tokens_shape(1, 4096);  // 32 key tiles
  s.top_k = 4;
  const dataflow::Kernel reuse = dataflow::reuse_kernel(m, s, 1, 0, 1);
  const auto& a = std::get<dataflow::AttentionWork>(reuse.work);
  CHECK(a.loaded_blocks() == 4);  // the 4 heads share one list: 4 latent tiles per sequence
  CHECK(dataflow::kernel_cost(reuse).matrix_flops == 4.0 * 4 * 128 * 2 * (56 + 48));
}

TEST_CASE("with a vocabulary the whole model adds the embedding lookup, the final norm and the last token's logits") {
  models::Study st = test::kascade_study(4096, 5);
  const Prediction without = predict(st, Accounting::exact);
  st.model.vocab_size = 1000;
  const Prediction with = predict(st, Accounting::exact);
  // LM head: [1 x 2048] x [2048 x 1000] for the one sequence's last token; no other matrix work.
  CHECK(with.dense_model.cost.matrix_flops - without.dense_model.cost.matrix_flops ==
        doctest::Approx(2.0 * 2048 * 1000).epsilon(1e-9));
  CHECK(with.schedule_model.cost.matrix_flops - without.schedule_model.cost.matrix_flops ==
        doctest::Approx(2.0 * 2048 * 1000).epsilon(1e-9));
  // Embedding: 4096 token ids and rows read, rows written.
  CHECK(with.model_ends[Op::embedding].hbm_bytes == 4096 * (4 + 2048 * 2.0) + 4096 * 2048 * 2.0);
  CHECK(with.model_ends[Op::lm_head].hbm_bytes == 2.0 * (2048 + 2048 * 1000 + 1000));
  CHECK(with.model_ends[Op::norm].kernels == 1);
  CHECK(with.dense_model.time.time_s > without.dense_model.time.time_s);
}
