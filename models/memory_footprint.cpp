// Bytes resident at once (weights and K/V cache for the whole stack, activations of one layer at a time, as
// inference frameworks allocate them: vLLM's PagedAttention, Kwon et al. 2023, sizes the K/V cache this way).
#include "models/memory_footprint.hpp"

namespace cascadesim::models {

MemoryFootprint memory_footprint(const TransformerModel& m, const Workload& w) {
  const auto d = static_cast<double>(m.d_model);
  const auto layers = static_cast<double>(m.n_layers);
  const auto batch = static_cast<double>(w.batch);
  const auto cached_tokens = static_cast<double>(w.seq_len);
  const double query_tokens = w.phase == Phase::prefill ? cached_tokens : 1.0;
  const double tokens = batch * query_tokens;
  const double mats = static_cast<double>(m.mlp_matrices());
  MemoryFootprint f;
  const double dense_mlp = mats * d * static_cast<double>(m.d_mlp);
  double attention = d * static_cast<double>(m.q_width() + 2 * m.kv_width()) + static_cast<double>(m.q_width()) * d;
  if (m.mla()) {
    // Down-projections, Q's up-projection (or full-rank Q), K/V's up-projection, O (DeepSeek-V2 §2.1).
    const double heads = static_cast<double>(m.n_heads);
    const double q = heads * static_cast<double>(m.head_dim + m.qk_rope_head_dim);
    const double q_latent = static_cast<double>(m.q_lora_rank);
    const double kv_latent = static_cast<double>(m.kv_lora_rank);
    attention = d * ((q_latent > 0 ? q_latent : q) + kv_latent + static_cast<double>(m.qk_rope_head_dim)) +
                q_latent * q + kv_latent * heads * static_cast<double>(m.head_dim + m.v_head_dim) +
                static_cast<double>(m.attention_out_width()) * d;
  }
  double mlp = layers * dense_mlp;
  if (m.moe()) {
    // Every expert's weights are resident (routed and shared), and the router's.
    const double moe_layer = d * static_cast<double>(m.experts) + static_cast<double>(m.experts + m.shared_experts) *
                                                                      3.0 * d * static_cast<double>(m.expert_ffn_dim);
    const double dense_layers = static_cast<double>(m.dense_mlp_layers);
    mlp = dense_layers * dense_mlp + (layers - dense_layers) * moe_layer;
  }
  // The embedding table and an untied LM head (an assumption: tied models share one).
  f.weight_bytes =
      bytes_per_element(w.precision.weights) * (layers * attention + mlp + 2.0 * static_cast<double>(m.vocab_size) * d);
  f.kv_cache_bytes = layers * batch * cached_tokens * static_cast<double>(m.kv_cache_elements_per_token()) *
                     bytes_per_element(w.precision.kv_cache);
  f.activation_bytes =
      tokens * bytes_per_element(w.precision.activations) * (2.0 * d + (mats - 1.0) * static_cast<double>(m.d_mlp));
  if (w.attention_kernel == AttentionKernel::materialized)
    f.activation_bytes +=
        batch * static_cast<double>(m.n_heads) * query_tokens * cached_tokens * bytes_per_element(w.precision.scores);
  return f;
}

}  // namespace cascadesim::models
