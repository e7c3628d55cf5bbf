// The shape of a transformer: the dimensions that set each layer's FLOPs and bytes.
#pragma once

#include <cstdint>
#include <string>

namespace cascadesim::models {

enum class MlpKind { swiglu, gelu };
// The normalization before attention and before the MLP (each fused with the residual add before it).
enum class NormKind { rmsnorm, layernorm };
// Rotary embeddings are applied to Q and K in every layer; learned (absolute) positions are added once, before the
// first layer, and cost nothing per layer.
enum class Positional { rope, learned };

struct TransformerModel {
  std::string name;
  std::int64_t d_model = 0;
  std::int64_t n_heads = 0;
  std::int64_t n_kv_heads = 0;  // grouped-query attention: K/V heads shared by n_heads / n_kv_heads queries
  std::int64_t head_dim = 0;
  std::int64_t d_mlp = 0;
  std::int64_t n_layers = 0;
  MlpKind mlp = MlpKind::swiglu;
  NormKind norm = NormKind::rmsnorm;
  Positional positional = Positional::rope;
  bool causal = true;  // decoder LMs mask the future; ViT-style encoders attend both ways
  // Token embedding lookup before the first layer and the LM head after the last (0: neither is counted, as in the
  // layer stacks the measurements cover).
  std::int64_t vocab_size = 0;

  // Mixture of experts (experts > 0; Shazeer et al. 2017, Mixtral: Jiang et al. 2024, arXiv:2401.04088): past the
  // first dense_mlp_layers, a layer's MLP is a router over `experts` SwiGLU experts of expert_ffn_dim, of which each
  // token runs experts_per_token, plus shared_experts (of expert_ffn_dim each) that every token runs (DeepSeekMoE,
  // Dai et al. 2024, arXiv:2401.06066).
  std::int64_t experts = 0;
  std::int64_t experts_per_token = 0;
  std::int64_t expert_ffn_dim = 0;
  std::int64_t shared_experts = 0;
  std::int64_t dense_mlp_layers = 0;

  // Multi-head latent attention (kv_lora_rank > 0; DeepSeek-V2, arXiv:2405.04434 §2.1): K and V are cached as one
  // latent of kv_lora_rank plus a shared rotary key of qk_rope_head_dim per token; head_dim is then the per-head
  // non-rotary Q/K width (qk_nope_head_dim) and v_head_dim the per-head V width; q_lora_rank > 0 compresses Q too.
  std::int64_t kv_lora_rank = 0;
  std::int64_t q_lora_rank = 0;
  std::int64_t qk_rope_head_dim = 0;
  std::int64_t v_head_dim = 0;

  std::int64_t q_width() const { return n_heads * head_dim; }
  std::int64_t kv_width() const { return n_kv_heads * head_dim; }
  std::int64_t mlp_matrices() const { return mlp == MlpKind::swiglu ? 3 : 2; }
  bool moe() const { return experts > 0; }
  bool mla() const { return kv_lora_rank > 0; }
  // Whether layer `layer` (0-based) runs the experts rather than the dense MLP of d_mlp.
  bool moe_layer(std::int64_t layer) const { return moe() && layer >= dense_mlp_layers; }
  // Width of the attention output the O projection reads: every head's V width.
  std::int64_t attention_out_width() const { return mla() ? n_heads * v_head_dim : q_width(); }
  // Elements one token adds to one layer's K/V cache: K and V of each K/V head, or MLA's latent and rotary key.
  std::int64_t kv_cache_elements_per_token() const { return mla() ? kv_lora_rank + qk_rope_head_dim : 2 * kv_width(); }
  // Elements of one token's Q and K that rotary embeddings rotate (MLA rotates only the decoupled rope parts).
  std::int64_t rotary_elements_per_token() const {
    return mla() ? (n_heads + 1) * qk_rope_head_dim : q_width() + kv_width();
  }
  std::int64_t rotary_dim() const { return mla() ? qk_rope_head_dim : head_dim; }
};

}  // namespace cascadesim::models
