// The kernels of one transformer layer and of a whole stack, per layer kind, as the dataflow files build them.
#pragma once

#include <cstdint>
#include <vector>

#include "models/dataflow/kernel.hpp"
#include "models/study.hpp"

namespace cascadesim::models::dataflow {

// dense_attention.cpp
AttentionWork dense_attention(const TransformerModel& model, const LayerShape& shape, std::uint64_t kv_tensor);

// kascade_topk.cpp: an anchor's attention (keeping block maxima) and its selection kernel; a reuse layer's
// attention over the anchor's lists (anchor_seed names the anchor whose lists it reads).
std::vector<Kernel> anchor_kernels(const TransformerModel& model, const LayerShape& shape, std::int64_t layer,
                                   std::uint64_t kv_tensor);
Kernel reuse_kernel(const TransformerModel& model, const LayerShape& shape, std::int64_t layer, std::uint64_t kv_tensor,
                    std::uint64_t anchor_seed);
// The selection kernel: per query tile, rank the visible key tiles by the block scores and write the lists the
// shape's pattern keeps at `layer` (an anchor's, or an estimate-then-sparse layer's own).
Kernel select_kernel(const TransformerModel& model, const LayerShape& shape, std::int64_t layer, LayerKind kind);

// estimate_then_sparse.cpp: the two-resolution cascade stage (validation/'s cascade case, which calibration fits):
// pool Q, K and V by pool_factor, then the coarse anchor over the pooled tokens with tiles of tile_tokens /
// pool_factor (block maxima kept, lists selected at the coarse grid, which has the fine grid's tile count).
// coarse_kv names the pooled K/V for caches.
std::vector<Kernel> cascade_stage_kernels(const TransformerModel& model, const LayerShape& shape, std::int64_t layer,
                                          std::int64_t pool_factor, std::uint64_t coarse_kv);
// An estimate-then-sparse layer's attention (the pattern's estimator() is set): the estimator's kernels, the
// selection of this layer's own lists, and the sparse attention over them.
std::vector<Kernel> estimate_then_sparse_kernels(const TransformerModel& model, const LayerShape& shape,
                                                 std::int64_t layer, std::uint64_t kv_tensor);

// progressive_quantization.cpp: a sparse layer's attention as SpAtten's two-pass fetch: the kernel fetching the
// MSBs of its K/V, then the recompute of the query heads that fetch the LSBs too.
std::vector<Kernel> progressive_fetch_kernels(Kernel attention, const ProgressiveQuantization& pq);

// materialized_attention.cpp: unfused attention for dense and anchor layers (attention_kernel "materialized").
std::vector<Kernel> materialized_attention(const TransformerModel& model, const LayerShape& shape, std::int64_t layer,
                                           LayerKind kind);

// moe.cpp: a mixture-of-experts MLP (the model's experts > 0, past its dense_mlp_layers): router GEMM, top-k
// routing, shared experts, the routed experts' GEMMs padded to the busiest expert's rows, the weighted combine.
std::vector<Kernel> moe_kernels(const TransformerModel& model, const LayerShape& shape, std::int64_t layer,
                                LayerKind kind);

// mla.cpp: multi-head latent attention (the model's kv_lora_rank > 0). Absorbed (new tokens against a longer
// cache: decode) attention runs over the cached latent; otherwise K and V are decompressed per head.
bool latent_absorbed(const LayerShape& shape);
// The attention's shape over MLA: heads, widths and K/V rows (called by dense_attention).
void shape_latent_attention(const TransformerModel& model, const LayerShape& shape, AttentionWork& attention);
// The projections before attention: down-projections to the Q and K/V latents with their norms, Q's
// up-projection, and K/V's up-projection (decompressed) or the absorption of W_UK into Q (absorbed).
std::vector<Kernel> latent_projection_kernels(const TransformerModel& model, const LayerShape& shape,
                                              std::int64_t layer, LayerKind kind);
// Absorbed: each head's latent output times its W_UV, before the O projection.
Kernel latent_value_kernel(const TransformerModel& model, const LayerShape& shape, std::int64_t layer, LayerKind kind);

// model_ends.cpp: the token-embedding lookup before the first layer, and the final norm and LM head after the last
// (the model's vocab_size > 0; none otherwise). The LM head computes the logits of each sequence's last token only,
// as inference engines sample (vLLM's logits processor prunes to the last position in prefill).
std::vector<Kernel> embedding_kernels(const TransformerModel& model, const LayerShape& shape);
std::vector<Kernel> head_kernels(const TransformerModel& model, const LayerShape& shape);

// transformer_layer.cpp: Q/K/V projection, attention of the layer's kind, O projection, MLP as tiled GEMMs.
// Tensor ids for tile-granular caching are derived from the layer index.
std::vector<Kernel> layer_kernels(const TransformerModel& model, const LayerShape& shape, std::int64_t layer,
                                  LayerKind kind, std::uint64_t anchor_seed);

// The layer's MLP: the dense one of d_mlp, or the experts in the model's MoE layers.
std::vector<Kernel> mlp_kernels(const TransformerModel& model, const LayerShape& shape, std::int64_t layer,
                                LayerKind kind);
// SiLU(gate) * up over rows x width as its own kernel after the [gate | up] GEMM (vLLM's SiluAndMul; cuBLAS has
// no gated epilogue).
Kernel activation_kernel(double rows, double width, const LayerShape& shape, std::int64_t layer, LayerKind kind);
// The residual add and the norm after it over the shape's token rows of d_model, one fused kernel.
Kernel norm_kernel(const TransformerModel& model, const LayerShape& shape, std::int64_t layer, LayerKind kind,
                   const char* name);
// Work units of a kernel over token rows (a unit stands for 16 of the one-block-per-token launches).
double token_row_units(double rows);
double token_row_units(const LayerShape& shape);

// The whole stack under a schedule (empty: all dense); reuse layers read the most recent anchor's lists.
std::vector<Kernel> stack_kernels(const TransformerModel& model, const LayerShape& shape,
                                  const LayerSchedule& schedule);

// The whole model: the embedding, the stack, the final norm and the LM head (the ends only with a vocab_size).
std::vector<Kernel> model_kernels(const TransformerModel& model, const LayerShape& shape,
                                  const LayerSchedule& schedule);

// exits.cpp: a cascade stage's stop decision (pool the stage's hidden states and score them, one operation per
// element) and an early-exit head (exit_head_flops_per_token on every token, reading the hidden states once).
Kernel stop_decision_kernel(const TransformerModel& model, const Workload& workload, double members,
                            std::int64_t tokens);
Kernel exit_head_kernel(const TransformerModel& model, const Workload& workload, const LayerShape& shape);

// A layer's tensors, named for tile-granular caches.
enum class LayerTensor : std::uint32_t {
  kv = 1,  // the K/V cache as fused attention streams it (K and V of a tile together); K alone when unfused
  activations,
  w_qkv,
  w_o,
  w_up,
  w_down,
  mlp_hidden,
  attention_out,
  queries,
  values,
  scores,
  probabilities,
  w_router,
  router_logits,
  expert_rows,
  w_experts_up,
  w_experts_down,
  w_shared_up,
  w_shared_down,
  latents,
  w_latent_down,
  w_q_up,
  w_kv_up,
  w_v_up,
  embedding_table,
  lm_head,
};
// Ids that name a layer's tensors for caches: nonzero and distinct per (layer, tensor).
std::uint64_t tensor_id(std::int64_t layer, LayerTensor tensor);

// A projection's or the MLP's GEMM: activations [m x k] against a weight [k x n], at their precisions.
GemmWork projection_gemm(double m, double k, double n, const TensorPrecisions& precision, std::uint64_t a_tensor,
                         std::uint64_t b_tensor);

}  // namespace cascadesim::models::dataflow
