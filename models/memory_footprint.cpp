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
  f.weight_bytes = layers * bytes_per_element(w.precision.weights) *
                   (d * static_cast<double>(m.q_width() + 2 * m.kv_width()) + static_cast<double>(m.q_width()) * d +
                    mats * d * static_cast<double>(m.d_mlp));
  f.kv_cache_bytes = layers * batch * cached_tokens * 2.0 * static_cast<double>(m.kv_width()) *
                     bytes_per_element(w.precision.kv_cache);
  f.activation_bytes =
      tokens * bytes_per_element(w.precision.activations) * (2.0 * d + (mats - 1.0) * static_cast<double>(m.d_mlp));
  if (w.attention_kernel == AttentionKernel::materialized)
    f.activation_bytes +=
        batch * static_cast<double>(m.n_heads) * query_tokens * cached_tokens * bytes_per_element(w.precision.scores);
  return f;
}

}  // namespace cascadesim::models
