// The work before the first layer and after the last: the token-embedding lookup, the final norm and the LM head.
#include "models/dataflow/layer.hpp"

namespace cascadesim::models::dataflow {

namespace {
// The layer index of the work outside every layer, so that early exits, per-layer-kind tables and the simulator's
// per-kind energy leave it out (sim/engine/engine.cpp); its tensor ids stay distinct from every layer's.
constexpr std::int64_t outside_layers = -1;
}  // namespace

std::vector<Kernel> embedding_kernels(const TransformerModel& m, const LayerShape& s) {
  if (m.vocab_size == 0) return {};
  const double tokens = s.batch * static_cast<double>(s.query_tokens);
  const double row_bytes = static_cast<double>(m.d_model) * bytes_per_element(s.precision.activations);
  // A gather: each new token's int32 id, then its row of the table copied into the residual stream.
  StreamWork lookup;
  lookup.read_bytes = tokens * (index_bytes + row_bytes);
  lookup.write_bytes = tokens * row_bytes;
  lookup.units = token_row_units(tokens);
  return {Kernel{"embedding", Op::embedding, outside_layers, LayerKind::dense, lookup}};
}

std::vector<Kernel> head_kernels(const TransformerModel& m, const LayerShape& s) {
  if (m.vocab_size == 0) return {};
  using enum LayerTensor;
  const std::int64_t after = outside_layers;
  const TensorPrecisions& e = s.precision;
  const double d = static_cast<double>(m.d_model);
  std::vector<Kernel> out;
  // The last layer's residual add and the final norm (every layer's own norms are counted as middle layers').
  out.push_back(norm_kernel(m, s, after, LayerKind::dense, "final_norm"));
  // Logits of each sequence's last token: [batch x d] against the [d x vocab] head.
  out.push_back(Kernel{"lm_head", Op::lm_head, after, LayerKind::dense,
                       projection_gemm(s.batch, d, static_cast<double>(m.vocab_size), e, tensor_id(after, activations),
                                       tensor_id(after, lm_head))});
  return out;
}

}  // namespace cascadesim::models::dataflow
