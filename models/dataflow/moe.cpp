// A mixture-of-experts MLP as kernels: router GEMM, top-k routing, shared experts, the routed experts' batched
// GEMMs and the weighted combine (Mixtral, Jiang et al. 2024, arXiv:2401.04088 §2.1; DeepSeekMoE, arXiv:2401.06066).
#include <algorithm>
#include <cmath>

#include "models/dataflow/layer.hpp"

namespace cascadesim::models::dataflow {

namespace {

// Experts that receive at least one of `tokens` tokens, each choosing k distinct experts of E uniformly at random:
// E (1 - (1 - k/E)^T), rounded to whole experts (k for one token, E for many). An assumption: real routers are not
// uniform; expert_load_imbalance covers the skew of the rows, not of the count.
double active_experts(const TransformerModel& m, double tokens) {
  const double e = static_cast<double>(m.experts);
  const double k = static_cast<double>(m.experts_per_token);
  return std::max(1.0, std::round(e * (1.0 - std::pow(1.0 - k / e, tokens))));
}
}  // namespace

std::vector<Kernel> moe_kernels(const TransformerModel& m, const LayerShape& s, std::int64_t layer, LayerKind kind) {
  using enum LayerTensor;
  const double tokens = s.batch * static_cast<double>(s.query_tokens);
  const TensorPrecisions& e = s.precision;
  const double activation_bytes = bytes_per_element(e.activations);
  const double d = static_cast<double>(m.d_model);
  const double f = static_cast<double>(m.expert_ffn_dim);
  const double experts = static_cast<double>(m.experts);
  const double k = static_cast<double>(m.experts_per_token);
  const double assignments = tokens * k;  // (token, expert) pairs
  const std::uint64_t x = tensor_id(layer, activations);
  std::vector<Kernel> out;
  out.reserve(9);
  out.push_back(Kernel{"moe_router", Op::mlp, layer, kind,
                       projection_gemm(tokens, d, experts, e, x, tensor_id(layer, w_router))});
  // Softmax over each token's expert logits, then a top-k of them (log2 k compares per candidate, as the tile
  // selection counts its heap); writes each token's k expert ids (int32) and weights (fp32).
  StreamWork routing;
  routing.read_bytes = tokens * experts * activation_bytes;
  routing.vector_ops = tokens * experts * (softmax_ops_per_score + std::max(1.0, std::log2(k)));
  routing.write_bytes = assignments * (index_bytes + 4.0);
  routing.units = token_row_units(tokens);
  out.push_back(Kernel{"moe_routing", Op::mlp, layer, kind, routing});
  if (m.shared_experts > 0) {
    const double width = static_cast<double>(m.shared_experts) * f;
    out.push_back(Kernel{"shared_expert_up", Op::mlp, layer, kind,
                         projection_gemm(tokens, d, 2.0 * width, e, x, tensor_id(layer, w_shared_up))});
    out.push_back(activation_kernel(tokens, width, s, layer, kind));
    out.push_back(
        Kernel{"shared_expert_down", Op::mlp, layer, kind,
               projection_gemm(tokens, width, d, e, tensor_id(layer, mlp_hidden), tensor_id(layer, w_shared_down))});
  }
  // The routed experts as one batched GEMM per matrix over the active experts, each padded to the busiest expert's
  // rows (at most every token): the gathered token rows against that expert's [gate | up], then down.
  const double active = active_experts(m, tokens);
  const double rows = std::min(tokens, std::ceil(s.expert_load_imbalance * assignments / active));
  GemmWork up = projection_gemm(rows, d, 2.0 * f, e, tensor_id(layer, expert_rows), tensor_id(layer, w_experts_up));
  up.problems = active;
  out.push_back(Kernel{"expert_up", Op::mlp, layer, kind, up});
  out.push_back(activation_kernel(active * rows, f, s, layer, kind));
  GemmWork down = projection_gemm(rows, f, d, e, tensor_id(layer, mlp_hidden), tensor_id(layer, w_experts_down));
  down.problems = active;
  out.push_back(Kernel{"expert_down", Op::mlp, layer, kind, down});
  // Each token's k expert outputs scaled by their weights and summed (vLLM's moe_sum).
  StreamWork combine;
  combine.read_bytes = assignments * (d * activation_bytes + 4.0);
  combine.write_bytes = tokens * d * activation_bytes;
  combine.vector_ops = assignments * d * 2.0;
  combine.units = token_row_units(tokens);
  out.push_back(Kernel{"moe_combine", Op::mlp, layer, kind, combine});
  return out;
}

}  // namespace cascadesim::models::dataflow
