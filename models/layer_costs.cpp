// Per-operation FLOPs and bytes of one transformer layer (exact accounting).
// Sources: GEMM 2mkn FLOPs; attention blocks as in seed 002 §4; FlashAttention-2 tiling (Dao 2023) for
// fused attention traffic; materialized S x S scores as in unfused attention (Dao et al. 2022, §3.1).
#include "models/layer_costs.hpp"

#include <algorithm>
#include <cmath>

namespace cascadesim::models {

std::string_view to_string(Op op) {
  switch (op) {
    case Op::qkv_projection:
      return "qkv_projection";
    case Op::attention:
      return "attention";
    case Op::anchor_scoring:
      return "anchor_scoring";
    case Op::o_projection:
      return "o_projection";
    case Op::mlp:
      return "mlp";
  }
  return "?";
}

OpCost LayerCost::total() const {
  OpCost t;
  for (const OpCost& c : ops) t += c;
  return t;
}

OpCost LayerCost::attention_part() const {
  OpCost t = (*this)[Op::attention];
  t += (*this)[Op::anchor_scoring];
  return t;
}

LayerShape layer_shape(const Workload& w) {
  LayerShape s;
  s.batch = static_cast<double>(w.batch);
  s.query_tokens = w.phase == Phase::prefill ? w.seq_len : 1;
  s.key_tokens = w.seq_len;
  s.tile_tokens = w.tile_tokens;
  s.top_k = w.top_k;
  s.bytes_per_element = w.bytes_per_element;
  s.kernel = w.attention_kernel;
  s.scoring = w.anchor_scoring;
  s.pattern = w.pattern;
  std::uint64_t anchor_seed = 0;
  for (std::size_t layer = 0; layer < w.schedule.layers.size(); ++layer) {
    const auto l = static_cast<std::int64_t>(layer);
    if (w.schedule.layers[layer] == LayerKind::anchor) {
      anchor_seed = static_cast<std::uint64_t>(l + 1);
      s.anchor_layers.push_back(l);
    } else if (w.schedule.layers[layer] == LayerKind::reuse) {
      s.reuse_layers.emplace_back(l, anchor_seed);
    }
  }
  return s;
}

LayerShape stage_shape(const LayerShape& full, Phase phase, std::int64_t tokens, double batch) {
  LayerShape s = full;
  s.batch = batch;
  s.key_tokens = tokens;
  s.query_tokens = phase == Phase::prefill ? tokens : 1;
  s.top_k = std::min<std::int64_t>(s.top_k, layer_tile_grid(s).key_tiles);
  return s;
}

dataflow::PatternSpace pattern_space(const TransformerModel& m, const LayerShape& s, std::int64_t layer,
                                     std::uint64_t anchor_seed) {
  const TileGrid g = layer_tile_grid(s);
  return dataflow::PatternSpace{m.n_heads, m.n_kv_heads, g.query_tiles, g.key_tiles,
                                m.causal,  s.top_k,      layer,         anchor_seed};
}

double mean_reuse_blocks(const TransformerModel& m, const LayerShape& s) {
  if (s.reuse_layers.empty()) return s.pattern->visited_blocks(pattern_space(m, s, 0, 0));
  double sum = 0;
  for (const auto& [layer, seed] : s.reuse_layers) sum += s.pattern->visited_blocks(pattern_space(m, s, layer, seed));
  return sum / static_cast<double>(s.reuse_layers.size());
}

double mean_anchor_kept_blocks(const TransformerModel& m, const LayerShape& s) {
  if (s.anchor_layers.empty()) return s.pattern->visited_blocks(pattern_space(m, s, 0, 1));
  double sum = 0;
  for (std::int64_t layer : s.anchor_layers)
    sum += s.pattern->visited_blocks(pattern_space(m, s, layer, static_cast<std::uint64_t>(layer + 1)));
  return sum / static_cast<double>(s.anchor_layers.size());
}

TileGrid layer_tile_grid(const LayerShape& s) { return tile_grid(s.query_tokens, s.key_tokens, s.tile_tokens); }

std::int64_t executed_query_rows(const LayerShape& s) { return std::min(s.query_tokens, s.tile_tokens); }

OpCost gemm_cost(double m, double k, double n, double bytes_per_element) {
  return OpCost{2.0 * m * k * n, 0.0, bytes_per_element * (m * k + k * n + m * n), 1.0};
}

namespace {

// Whether K/V tiles re-read by later query tiles (and by the other query heads of a GQA group) hit in L2.
// Prefill work units are (query tile, head, batch) with query tiles fastest, as FlashAttention-2 launches its
// grid, so the units in flight span ceil(cores / query_tiles) heads, each re-reading its whole K/V.
// In decode the heads of a group run side by side and stream the same K/V at the same pace.
bool kv_reused_in_l2(const TransformerModel& m, const LayerShape& s, const TileGrid& g, const HardwareSpec& hw) {
  if (hw.l2_bytes <= 0) return false;
  if (s.query_tokens == 1) return true;
  const std::int64_t group = m.n_heads / m.n_kv_heads;
  const std::int64_t q_heads = std::clamp<std::int64_t>((hw.cores + g.query_tiles - 1) / g.query_tiles, 1, m.n_heads);
  const std::int64_t kv_heads = (q_heads + group - 1) / group;
  const double working_set = static_cast<double>(kv_heads) * static_cast<double>(s.key_tokens) *
                             static_cast<double>(m.head_dim) * 2.0 * static_cast<double>(s.bytes_per_element);
  return working_set <= hw.l2_bytes;
}

OpCost attention_cost(const TransformerModel& m, const LayerShape& s, LayerKind kind, const HardwareSpec& hw) {
  const TileGrid g = layer_tile_grid(s);
  const double e = static_cast<double>(s.bytes_per_element);
  const double heads = s.batch * static_cast<double>(m.n_heads);
  const double dh = static_cast<double>(m.head_dim);
  const double rows = static_cast<double>(executed_query_rows(s));
  const double tile = static_cast<double>(s.tile_tokens);
  const double q_and_o_bytes = 2.0 * s.batch * static_cast<double>(s.query_tokens * m.q_width()) * e;
  const double kv_compulsory = 2.0 * s.batch * static_cast<double>(s.key_tokens * m.kv_width()) * e;
  const bool reused = kv_reused_in_l2(m, s, g, hw);

  OpCost c;
  if (kind == LayerKind::reuse) {
    const double blocks = mean_reuse_blocks(m, s) / static_cast<double>(m.n_heads);  // per head
    const double kv_streamed = heads * blocks * tile * dh * 2.0 * e;
    // With L2 reuse each K/V head's selected tiles come from HBM once, as when the heads of a GQA group share
    // their lists (Kascade); patterns whose heads differ share less, which this bound does not see.
    const double kv_group = s.batch * static_cast<double>(m.n_kv_heads) * blocks * tile * dh * 2.0 * e;
    c.matrix_flops = heads * blocks * 4.0 * rows * tile * dh;  // Q K^T and P V per block
    c.vector_flops = heads * blocks * rows * tile * softmax_ops_per_score;
    c.hbm_bytes = q_and_o_bytes + (reused ? std::min(kv_group, kv_compulsory) : kv_streamed) +
                  (s.pattern->reads_index_lists() ? heads * blocks * index_bytes : 0.0);
    c.kernels = 1;
    return c;
  }
  if (s.kernel == AttentionKernel::materialized) {
    // Q K^T over the full rectangle, softmax, P V: the S x S matrix is written, read, written and read.
    const double scores = heads * static_cast<double>(s.query_tokens) * static_cast<double>(s.key_tokens);
    c.matrix_flops = scores * 4.0 * dh;
    c.vector_flops = scores * softmax_ops_per_score;
    c.hbm_bytes = q_and_o_bytes + kv_compulsory + 4.0 * scores * e;
    c.kernels = 3;
    return c;
  }
  const double blocks = static_cast<double>(dense_tiles(g, m.causal));
  const double kv_streamed = heads * blocks * tile * dh * 2.0 * e;
  c.matrix_flops = heads * blocks * 4.0 * rows * tile * dh;
  c.vector_flops = heads * blocks * rows * tile * softmax_ops_per_score;
  c.hbm_bytes = q_and_o_bytes + (reused ? std::min(kv_streamed, kv_compulsory) : kv_streamed);
  c.kernels = 1;
  return c;
}

// An anchor rates every visible key tile and keeps the top_k per query tile (seed 002 §3 "tile scoring").
// `fused` is work done inside the attention kernel; `separate` runs as kernels of its own.
struct AnchorScoringCost {
  OpCost fused;
  OpCost separate;
};

AnchorScoringCost anchor_scoring_cost(const TransformerModel& m, const LayerShape& s) {
  const TileGrid g = layer_tile_grid(s);
  const double e = static_cast<double>(s.bytes_per_element);
  const double heads = s.batch * static_cast<double>(m.n_heads);
  const double rated = static_cast<double>(dense_tiles(g, m.causal));
  const double kept = mean_anchor_kept_blocks(m, s) / static_cast<double>(m.n_heads);  // per head
  // Heap selection: each candidate costs about log2(k) compares (a dedicated engine such as SpAtten's,
  // Wang et al. 2021, is linear-time; on a vector unit a k-heap is the common choice).
  const double select_ops = heads * rated * std::max(1.0, std::log2(static_cast<double>(s.top_k)));
  AnchorScoringCost c;
  if (s.scoring == AnchorScoring::tile_max) {
    // The attention kernel keeps each block's max score (one compare per score) and writes it; a top-k
    // kernel reads the block scores back and writes the index lists.
    const double rows = static_cast<double>(executed_query_rows(s));
    c.fused.vector_flops = heads * rated * rows * static_cast<double>(s.tile_tokens);
    c.fused.hbm_bytes = heads * rated * tile_score_bytes;
    c.separate.vector_flops = select_ops;
    c.separate.hbm_bytes = heads * rated * tile_score_bytes + heads * kept * index_bytes;
    c.separate.kernels = 1;
  } else {
    // Mean-pool Q and K per tile, score pooled Q against pooled K, select: kernels of their own.
    const double pooled_elements =
        s.batch * static_cast<double>(s.query_tokens * m.q_width() + s.key_tokens * m.kv_width());
    c.separate.matrix_flops = heads * rated * 2.0 * static_cast<double>(m.head_dim);
    c.separate.vector_flops = pooled_elements + select_ops;
    c.separate.hbm_bytes = pooled_elements * e + heads * kept * index_bytes;
    c.separate.kernels = 2;
  }
  return c;
}

OpCost mlp_cost(const TransformerModel& m, double tokens, double e) {
  // SwiGLU: [gate|up] GEMM with the activation in its epilogue, then down; GELU: up, then down.
  const double d = static_cast<double>(m.d_model);
  const double dm = static_cast<double>(m.d_mlp);
  const double mats = static_cast<double>(m.mlp_matrices());
  OpCost c;
  c.matrix_flops = 2.0 * tokens * d * dm * mats;
  c.vector_flops = tokens * dm * (m.mlp == MlpKind::swiglu ? swiglu_ops_per_element : gelu_ops_per_element);
  c.hbm_bytes = e * (2.0 * tokens * d + mats * d * dm + 2.0 * tokens * dm);
  c.kernels = 2;
  return c;
}

}  // namespace

LayerCost layer_cost(const TransformerModel& m, const LayerShape& s, LayerKind kind, const HardwareSpec& hw) {
  const double tokens = s.batch * static_cast<double>(s.query_tokens);
  const double e = static_cast<double>(s.bytes_per_element);
  const double d = static_cast<double>(m.d_model);
  LayerCost cost;
  cost[Op::qkv_projection] = gemm_cost(tokens, d, static_cast<double>(m.q_width() + 2 * m.kv_width()), e);
  cost[Op::attention] = attention_cost(m, s, kind, hw);
  if (kind == LayerKind::anchor && s.pattern->selects_from_scores()) {
    const AnchorScoringCost scoring = anchor_scoring_cost(m, s);
    cost[Op::attention] += scoring.fused;
    cost[Op::anchor_scoring] = scoring.separate;
  }
  cost[Op::o_projection] = gemm_cost(tokens, static_cast<double>(m.q_width()), d, e);
  cost[Op::mlp] = mlp_cost(m, tokens, e);
  return cost;
}

}  // namespace cascadesim::models
