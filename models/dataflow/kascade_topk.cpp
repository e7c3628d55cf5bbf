// The sparse layer kinds (seed 002 §3): an ANCHOR runs dense attention while keeping each block's max score, then
// a selection kernel writes per-query-tile lists (for patterns that select from scores); a REUSE layer visits only
// the tiles its pattern lists.
#include "models/dataflow/layer.hpp"

namespace cascadesim::models::dataflow {

std::vector<Kernel> anchor_kernels(const TransformerModel& model, const LayerShape& shape, std::int64_t layer,
                                   std::uint64_t kv_tensor) {
  AttentionWork attention = dense_attention(model, shape, kv_tensor);
  // Each block's max score is the max of its rows' maxima, which the online softmax computes anyway: one more
  // operation per row, not per score (validation/kernels/attention.cu keeps it so; the H100 measured the anchor
  // kernel and its selection at 0.96-1.06x dense attention at 8K-32K, reports/measured/h100/measured.json).
  attention.vector_ops_per_score += 1.0 / static_cast<double>(attention.tile_tokens);
  attention.writes_tile_scores = true;
  return {Kernel{"attention", Op::attention, layer, LayerKind::anchor, attention},
          select_kernel(model, shape, layer, LayerKind::anchor)};
}

Kernel select_kernel(const TransformerModel& model, const LayerShape& shape, std::int64_t layer, LayerKind kind) {
  const TileGrid grid = layer_tile_grid(shape);
  SelectWork select;
  select.batch = shape.batch;
  select.heads = model.n_heads;
  select.query_tiles = grid.query_tiles;
  select.key_tiles = grid.key_tiles;
  select.top_k = shape.top_k;
  select.causal = model.causal && grid.query_tiles == grid.key_tiles;
  select.pattern = shape.pattern;
  select.space = pattern_space(model, shape, layer, static_cast<std::uint64_t>(layer + 1));
  const std::optional<ListEstimator> estimator = shape.pattern->estimator();
  select.shared_by_heads = kind == LayerKind::reuse && estimator && estimator->shared_by_heads;
  return Kernel{"topk_select", Op::anchor_scoring, layer, kind, select};
}

Kernel reuse_kernel(const TransformerModel& model, const LayerShape& shape, std::int64_t layer, std::uint64_t kv_tensor,
                    std::uint64_t anchor_seed) {
  AttentionWork attention = dense_attention(model, shape, kv_tensor);
  attention.pattern = shape.pattern;
  attention.top_k = shape.top_k;
  attention.layer = layer;
  attention.anchor_seed = anchor_seed;
  attention.reads_index_lists = shape.pattern->reads_index_lists();
  return Kernel{"attention", Op::attention, layer, LayerKind::reuse, attention};
}

}  // namespace cascadesim::models::dataflow
