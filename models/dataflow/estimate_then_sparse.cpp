// Estimate-then-sparse layers (seed 003's most common family: each layer scores its own key tiles cheaply, selects,
// then attends sparsely) and the two-resolution cascade stage the pooled estimator is: the kernels validation/'s
// cascade case runs, described once here for calibration's records and for studies.
#include <cmath>

#include "models/dataflow/layer.hpp"
#include "models/tiles.hpp"

namespace cascadesim::models::dataflow {
namespace {

// Mean pooling of `tokens` rows of `width` elements by `factor`: one add per element read, the scale folded in.
// The measured pooling kernel runs 256-thread blocks of 8 outputs per thread, 8 blocks resident per SM: a work
// unit is what one SM holds at once, 16,384 pooled outputs (the engine runs one unit per core at a time).
Kernel pool_kernel(const char* name, const LayerShape& s, std::int64_t layer, std::int64_t tokens, std::int64_t width,
                   std::int64_t factor, Precision precision) {
  const double e = bytes_per_element(precision);
  const double fine = s.batch * static_cast<double>(tokens * width);
  const double pooled = s.batch * static_cast<double>(((tokens + factor - 1) / factor) * width);
  StreamWork w;
  w.read_bytes = fine * e;
  w.write_bytes = pooled * e;
  w.vector_ops = fine;
  w.units = std::ceil(pooled / 16384.0);
  return Kernel{name, Op::anchor_scoring, layer, LayerKind::anchor, w};
}

// The (head, query tile, visible key tile) blocks of one layer over the batch, and the query rows each computes.
struct ScoredBlocks {
  double blocks = 0;  // over every head and sequence
  double rows = 0;
};
ScoredBlocks scored_blocks(const TransformerModel& m, const LayerShape& s) {
  const TileGrid g = layer_tile_grid(s);
  return {s.batch * static_cast<double>(m.n_heads) * static_cast<double>(dense_tiles(g, m.causal)),
          static_cast<double>(executed_query_rows(s))};
}

// Low-bit Q . K^T estimates (SALE-, SparQ-style): every visible block's scores from keys kept at `bits` bits beside
// the cache (the new tokens' low-bit keys are written as K is), reduced to one score per block; no softmax, no P V.
// The low-bit keys are read once per sequence and layer: at bits/16 of the cache they are assumed to stay on chip
// across the query tiles.
Kernel low_bit_estimate(const TransformerModel& m, const LayerShape& s, std::int64_t layer, std::int64_t bits) {
  const ScoredBlocks b = scored_blocks(m, s);
  const double scores = b.blocks * b.rows * static_cast<double>(s.tile_tokens);
  const double e = bytes_per_element(s.precision.activations);
  const double key_bit_bytes = static_cast<double>(bits) / 8.0;
  StreamWork w;
  w.matrix_flops = scores * 2.0 * static_cast<double>(m.head_dim);
  w.matrix_precision = s.precision.query_key();
  w.vector_ops = scores;  // the block's running maximum
  w.read_bytes = s.batch * (static_cast<double>(s.key_tokens * m.kv_width()) * key_bit_bytes +
                            static_cast<double>(s.query_tokens * m.q_width()) * e);
  w.write_bytes =
      s.batch * static_cast<double>(s.query_tokens * m.kv_width()) * key_bit_bytes + b.blocks * tile_score_bytes;
  w.units = s.batch * static_cast<double>(m.n_heads * layer_tile_grid(s).query_tiles);
  return Kernel{"estimate_scores", Op::anchor_scoring, layer, LayerKind::reuse, w};
}

// Chunk summaries (Quest, Tang et al. 2024): each key tile keeps `vectors` vectors of head_dim (Quest: the
// elementwise minimum and maximum of its keys), updated as K is written; each query row bounds its score against
// a tile by a multiply and a max or add per summary element, and a block's score is its rows' maximum.
Kernel chunk_summary_estimate(const TransformerModel& m, const LayerShape& s, std::int64_t layer,
                              std::int64_t vectors) {
  const ScoredBlocks b = scored_blocks(m, s);
  const TileGrid g = layer_tile_grid(s);
  const double e = bytes_per_element(s.precision.activations);
  // The summaries are kept beside the K/V cache, at its precision.
  const double summary_bytes = static_cast<double>(vectors * m.head_dim) * bytes_per_element(s.precision.kv_cache);
  const double new_tiles = static_cast<double>((s.query_tokens + s.tile_tokens - 1) / s.tile_tokens);
  StreamWork w;
  w.vector_ops = b.blocks * b.rows * (2.0 * static_cast<double>(vectors * m.head_dim) + 1.0);
  w.read_bytes = s.batch * (static_cast<double>(m.n_kv_heads * g.key_tiles) * summary_bytes +
                            static_cast<double>(s.query_tokens * m.q_width()) * e);
  w.write_bytes = s.batch * static_cast<double>(m.n_kv_heads) * new_tiles * summary_bytes + b.blocks * tile_score_bytes;
  w.units = s.batch * static_cast<double>(m.n_heads * g.query_tiles);
  return Kernel{"estimate_scores", Op::anchor_scoring, layer, LayerKind::reuse, w};
}

}  // namespace

std::vector<Kernel> cascade_stage_kernels(const TransformerModel& model, const LayerShape& shape, std::int64_t layer,
                                          std::int64_t pool_factor, std::uint64_t coarse_kv) {
  std::vector<Kernel> out;
  // One query row (decode) is scored as it is; a prefill's queries are pooled with its keys.
  if (shape.query_tokens > 1)
    out.push_back(pool_kernel("pool_q", shape, layer, shape.query_tokens, model.q_width(), pool_factor,
                              shape.precision.activations));
  out.push_back(
      pool_kernel("pool_k", shape, layer, shape.key_tokens, model.kv_width(), pool_factor, shape.precision.kv_cache));
  out.push_back(
      pool_kernel("pool_v", shape, layer, shape.key_tokens, model.kv_width(), pool_factor, shape.precision.kv_cache));
  LayerShape coarse = shape;
  coarse.key_tokens = (shape.key_tokens + pool_factor - 1) / pool_factor;
  if (shape.query_tokens > 1) coarse.query_tokens = (shape.query_tokens + pool_factor - 1) / pool_factor;
  coarse.tile_tokens = shape.tile_tokens / pool_factor;
  for (Kernel& k : anchor_kernels(model, coarse, layer, coarse_kv)) out.push_back(std::move(k));
  return out;
}

std::vector<Kernel> estimate_then_sparse_kernels(const TransformerModel& model, const LayerShape& shape,
                                                 std::int64_t layer, std::uint64_t kv_tensor) {
  const ListEstimator e = *shape.pattern->estimator();
  std::vector<Kernel> out;
  switch (e.kind) {
    case EstimatorKind::pooled: {
      // The cascade stage as measured; the pooled K/V named as this layer's scores tensor for caches.
      out = cascade_stage_kernels(model, shape, layer, e.pool_factor, tensor_id(layer, LayerTensor::scores));
      for (Kernel& k : out) {
        k.layer_kind = LayerKind::reuse;
        k.op = Op::anchor_scoring;
        if (k.name == "attention") k.name = "estimate_attention";
      }
      out.pop_back();  // its selection, written below at the fine grid's own layer
      break;
    }
    case EstimatorKind::low_bit:
      out.push_back(low_bit_estimate(model, shape, layer, e.bits));
      break;
    case EstimatorKind::chunk_summary:
      out.push_back(chunk_summary_estimate(model, shape, layer, e.summary_vectors));
      break;
    case EstimatorKind::accumulated:  // the scores are the earlier layers' probabilities, already computed
      break;
  }
  out.push_back(select_kernel(model, shape, layer, LayerKind::reuse));
  out.push_back(reuse_kernel(model, shape, layer, kv_tensor, static_cast<std::uint64_t>(layer + 1)));
  return out;
}

}  // namespace cascadesim::models::dataflow
