// The work of stopping early, described once for both backends: a cascade stage's stop decision (seed 000,
// "decision" overhead) and an early-exit head (seed 004).
#include <algorithm>
#include <cmath>

#include "models/dataflow/layer.hpp"

namespace cascadesim::models::dataflow {

Kernel stop_decision_kernel(const TransformerModel& m, const Workload& w, double members, std::int64_t tokens) {
  StreamWork s;
  const double elements = members * static_cast<double>(tokens * m.d_model);
  s.read_bytes = elements * bytes_per_element(w.precision.activations);
  s.vector_ops = elements;
  s.units = std::max(1.0, members * std::ceil(static_cast<double>(tokens) / static_cast<double>(w.tile_tokens)));
  return Kernel{"stop_decision", Op::anchor_scoring, m.n_layers, LayerKind::dense, s};
}

Kernel exit_head_kernel(const TransformerModel& m, const Workload& w, const LayerShape& shape) {
  const double tokens = shape.batch * static_cast<double>(shape.query_tokens);
  StreamWork s;
  s.read_bytes = tokens * static_cast<double>(m.d_model) * bytes_per_element(w.precision.activations);
  s.matrix_flops = w.early_exit ? w.early_exit->exit_head_flops_per_token * tokens : 0.0;
  s.matrix_precision = w.precision.projections();
  s.units = std::max(1.0, std::ceil(tokens / static_cast<double>(w.tile_tokens)));
  return Kernel{"exit_head", Op::mlp, 0, LayerKind::dense, s};
}

}  // namespace cascadesim::models::dataflow
