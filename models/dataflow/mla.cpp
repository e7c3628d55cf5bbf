// Multi-head latent attention (DeepSeek-V2, arXiv:2405.04434 §2.1; DeepSeek-V3, arXiv:2412.19437 §2.1.1): K and V
// are cached as a per-token latent c_KV of kv_lora_rank and a rotary key of qk_rope_head_dim shared by the heads.
#include "models/dataflow/layer.hpp"

namespace cascadesim::models::dataflow {

// New tokens against a longer cache (decode) absorb W_UK into Q and W_UV into the output (§2.1.2 "absorbed"),
// as FlashMLA and vLLM's MLA decode run it; a prefill decompresses K and V per head.
bool latent_absorbed(const LayerShape& s) { return s.query_tokens < s.key_tokens; }

void shape_latent_attention(const TransformerModel& m, const LayerShape& s, AttentionWork& w) {
  if (latent_absorbed(s)) {
    // Multi-query attention over the latent: every head's query [q_nope W_UK | q_rope] meets one K/V row per token,
    // [c_KV | k_rope], whose c_KV part is also V.
    w.kv_heads = 1;
    w.head_dim = m.kv_lora_rank + m.qk_rope_head_dim;
    w.value_dim = m.kv_lora_rank;
    w.latent_kv = true;
  } else {
    w.kv_heads = m.n_heads;
    w.head_dim = m.head_dim + m.qk_rope_head_dim;
    w.value_dim = m.v_head_dim;
  }
}

std::vector<Kernel> latent_projection_kernels(const TransformerModel& m, const LayerShape& s, std::int64_t layer,
                                              LayerKind kind) {
  using enum LayerTensor;
  const double tokens = s.batch * static_cast<double>(s.query_tokens);
  const TensorPrecisions& e = s.precision;
  const double activation_bytes = bytes_per_element(e.activations);
  const double d = static_cast<double>(m.d_model);
  const double heads = static_cast<double>(m.n_heads);
  const double q_width = heads * static_cast<double>(m.head_dim + m.qk_rope_head_dim);
  const double q_latent = static_cast<double>(m.q_lora_rank);
  const double kv_latent = static_cast<double>(m.kv_lora_rank);
  std::vector<Kernel> out;
  // One GEMM for both down-projections (DeepSeek-V3's fused_qkv_a_proj): Q's latent (or Q itself when q_lora_rank
  // is 0), c_KV and k_rope.
  const double down = (q_latent > 0 ? q_latent : q_width) + kv_latent + static_cast<double>(m.qk_rope_head_dim);
  out.push_back(
      Kernel{"latent_down_projection", Op::qkv_projection, layer, kind,
             projection_gemm(tokens, d, down, e, tensor_id(layer, activations), tensor_id(layer, w_latent_down))});
  // RMSNorm of the latents (q_a_layernorm, kv_a_layernorm): no residual add before them.
  StreamWork norm;
  const double normed = tokens * (q_latent + kv_latent);
  norm.read_bytes = normed * activation_bytes + (q_latent + kv_latent) * activation_bytes;
  norm.write_bytes = normed * activation_bytes;
  norm.vector_ops = normed * (add_rmsnorm_ops_per_element - 1.0);
  norm.units = token_row_units(tokens);
  out.push_back(Kernel{"latent_norm", Op::norm, layer, kind, norm});
  if (q_latent > 0)
    out.push_back(
        Kernel{"q_up_projection", Op::qkv_projection, layer, kind,
               projection_gemm(tokens, q_latent, q_width, e, tensor_id(layer, latents), tensor_id(layer, w_q_up))});
  if (latent_absorbed(s)) {
    // Per head: q_nope [tokens x head_dim] times W_UK^T [head_dim x kv_lora_rank].
    GemmWork absorb = projection_gemm(tokens, static_cast<double>(m.head_dim), kv_latent, e, tensor_id(layer, queries),
                                      tensor_id(layer, w_kv_up));
    absorb.problems = heads;
    out.push_back(Kernel{"q_absorb", Op::qkv_projection, layer, kind, absorb});
  } else {
    // Every key token's c_KV up to each head's k_nope and V.
    const double keys = s.batch * static_cast<double>(s.key_tokens);
    out.push_back(Kernel{"kv_up_projection", Op::qkv_projection, layer, kind,
                         projection_gemm(keys, kv_latent, heads * static_cast<double>(m.head_dim + m.v_head_dim), e,
                                         tensor_id(layer, latents), tensor_id(layer, w_kv_up))});
  }
  return out;
}

Kernel latent_value_kernel(const TransformerModel& m, const LayerShape& s, std::int64_t layer, LayerKind kind) {
  using enum LayerTensor;
  const double tokens = s.batch * static_cast<double>(s.query_tokens);
  // Per head: the latent output [tokens x kv_lora_rank] times W_UV [kv_lora_rank x v_head_dim].
  GemmWork g = projection_gemm(tokens, static_cast<double>(m.kv_lora_rank), static_cast<double>(m.v_head_dim),
                               s.precision, tensor_id(layer, attention_out), tensor_id(layer, w_v_up));
  g.problems = static_cast<double>(m.n_heads);
  return Kernel{"v_absorb", Op::o_projection, layer, kind, g};
}

}  // namespace cascadesim::models::dataflow
