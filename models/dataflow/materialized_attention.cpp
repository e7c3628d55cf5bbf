// Unfused attention, the standard implementation FlashAttention replaces (Dao et al. 2022, §3.1): S = Q K^T as a
// batched GEMM over the heads, written to memory; a softmax pass reads S and writes P; O = P V. The S x S matrix
// is written, read, written and read, over the full rectangle (no causal skipping). An anchor that selects from
// tile scores keeps each block's max in the softmax pass and writes them for its selection kernel.
#include "models/dataflow/layer.hpp"

namespace cascadesim::models::dataflow {

std::vector<Kernel> materialized_attention(const TransformerModel& model, const LayerShape& shape, std::int64_t layer,
                                           LayerKind kind) {
  const TensorPrecisions& p = shape.precision;
  const double problems = shape.batch * static_cast<double>(model.n_heads);
  const std::int64_t group = model.n_heads / model.n_kv_heads;
  const double q = static_cast<double>(shape.query_tokens);
  const double k = static_cast<double>(shape.key_tokens);
  const double dh = static_cast<double>(model.head_dim);

  GemmWork scores;
  scores.m = q;
  scores.n = k;
  scores.k = dh;
  scores.problems = problems;
  scores.problems_per_b = group;  // the query heads of one K/V head read the same K
  scores.a_precision = p.activations;
  scores.b_precision = p.kv_cache;
  scores.out_precision = p.scores;
  scores.a_tensor = tensor_id(layer, LayerTensor::queries);
  scores.b_tensor = tensor_id(layer, LayerTensor::kv);

  const double elements = problems * q * k;
  StreamWork softmax;
  softmax.read_bytes = elements * bytes_per_element(p.scores);
  softmax.write_bytes = elements * bytes_per_element(p.scores);
  softmax.vector_ops = elements * softmax_ops_per_score;
  softmax.units = problems * static_cast<double>(layer_tile_grid(shape).query_tiles);
  if (kind == LayerKind::anchor && shape.pattern->selects_from_scores()) {
    const TileGrid g = layer_tile_grid(shape);
    softmax.vector_ops += elements;  // the running max of each block's scores
    softmax.write_bytes += problems * static_cast<double>(dense_tiles(g, model.causal)) * tile_score_bytes;
  }

  GemmWork output;
  output.m = q;
  output.n = dh;
  output.k = k;
  output.problems = problems;
  output.problems_per_b = group;  // and the same V
  output.a_precision = p.scores;
  output.b_precision = p.kv_cache;
  output.out_precision = p.activations;
  output.a_tensor = tensor_id(layer, LayerTensor::probabilities);
  output.b_tensor = tensor_id(layer, LayerTensor::values);

  return {Kernel{"attention_scores", Op::attention, layer, kind, scores},
          Kernel{"attention_softmax", Op::attention, layer, kind, softmax},
          Kernel{"attention_output", Op::attention, layer, kind, output}};
}

}  // namespace cascadesim::models::dataflow
