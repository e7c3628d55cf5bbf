// One transformer layer as kernels: the projections and MLP as tiled GEMMs on the same arrays as attention
// (so end-to-end speedup is simulated, not assumed through a fixed fraction), and a whole layer stack.
#include <algorithm>
#include <cmath>

#include "models/dataflow/layer.hpp"

namespace cascadesim::models::dataflow {

GemmWork projection_gemm(double m, double k, double n, const TensorPrecisions& precision, std::uint64_t a_tensor,
                         std::uint64_t b_tensor) {
  GemmWork g;
  g.m = m;
  g.k = k;
  g.n = n;
  g.a_precision = precision.activations;
  g.b_precision = precision.weights;
  g.out_precision = precision.activations;
  g.a_tensor = a_tensor;
  g.b_tensor = b_tensor;
  return g;
}

namespace {
using enum LayerTensor;

// Pooled scoring: mean-pool Q and K per tile, score pooled Q against pooled K, then select.
Kernel pooled_scoring(const TransformerModel& m, const LayerShape& s, std::int64_t layer) {
  const TileGrid g = layer_tile_grid(s);
  const double pooled_q = s.batch * static_cast<double>(s.query_tokens * m.q_width());
  const double pooled_k = s.batch * static_cast<double>(s.key_tokens * m.kv_width());
  const double heads = s.batch * static_cast<double>(m.n_heads);
  const double rated = static_cast<double>(dense_tiles(g, m.causal));
  StreamWork w;
  w.read_bytes =
      pooled_q * bytes_per_element(s.precision.activations) + pooled_k * bytes_per_element(s.precision.kv_cache);
  w.vector_ops = pooled_q + pooled_k;
  w.matrix_flops = heads * rated * 2.0 * static_cast<double>(m.head_dim);
  w.matrix_precision = s.precision.query_key();
  w.write_bytes = heads * rated * tile_score_bytes;
  w.units = heads * static_cast<double>(g.query_tiles);
  return Kernel{"pooled_scoring", Op::anchor_scoring, layer, LayerKind::anchor, w};
}

// Rotary embeddings applied in place to the new tokens' Q and K (vLLM's rotary_embedding), with the cos and sin of
// their positions.
Kernel rope_kernel(const TransformerModel& m, const LayerShape& s, std::int64_t layer, LayerKind kind) {
  const double tokens = s.batch * static_cast<double>(s.query_tokens);
  const double elements = tokens * static_cast<double>(m.rotary_elements_per_token());
  const double e = bytes_per_element(s.precision.activations);
  StreamWork w;
  w.read_bytes = elements * e + static_cast<double>(s.query_tokens * 2 * m.rotary_dim()) * e;
  w.write_bytes = elements * e;
  w.vector_ops = elements * rope_ops_per_element;
  w.units = token_row_units(s);
  return Kernel{"rope", Op::rope, layer, kind, w};
}

// The dense MLP of d_mlp: SwiGLU's [gate | up] GEMM then the activation kernel; GELU's up GEMM with GELU in its
// epilogue (cuBLASLt's CUBLASLT_EPILOGUE_GELU); then down.
std::vector<Kernel> dense_mlp_kernels(const TransformerModel& m, const LayerShape& s, std::int64_t layer,
                                      LayerKind kind) {
  const double tokens = s.batch * static_cast<double>(s.query_tokens);
  const TensorPrecisions& e = s.precision;
  const double d = static_cast<double>(m.d_model);
  const double dm = static_cast<double>(m.d_mlp);
  const double mats = static_cast<double>(m.mlp_matrices());
  std::vector<Kernel> out;
  GemmWork up = projection_gemm(tokens, d, (mats - 1) * dm, e, tensor_id(layer, activations), tensor_id(layer, w_up));
  if (m.mlp == MlpKind::gelu) up.epilogue_ops_per_output = gelu_ops_per_element;
  out.push_back(Kernel{"mlp_up", Op::mlp, layer, kind, up});
  if (m.mlp == MlpKind::swiglu) out.push_back(activation_kernel(tokens, dm, s, layer, kind));
  out.push_back(Kernel{"mlp_down", Op::mlp, layer, kind,
                       projection_gemm(tokens, dm, d, e, tensor_id(layer, mlp_hidden), tensor_id(layer, w_down))});
  return out;
}
}  // namespace

// The residual add and the normalization after it, one kernel as inference stacks fuse them (vLLM's
// fused_add_rms_norm; the measured stack's add_rms_norm, validation/layers/layer_stack.py): it reads the residual
// stream and the sublayer's output and writes the updated stream and the next sublayer's normalized input. The first
// layer's input norm has no add before it and the last layer's final add no norm after it; every layer is counted as
// a middle one (the stack's total differs by one token-row stream of the d_model width).
Kernel norm_kernel(const TransformerModel& m, const LayerShape& s, std::int64_t layer, LayerKind kind,
                   const char* name) {
  const double elements = s.batch * static_cast<double>(s.query_tokens * m.d_model);
  const double e = bytes_per_element(s.precision.activations);
  StreamWork w;
  // The norm's weight is counted at the activations' precision (inference stacks keep it in the model dtype).
  w.read_bytes = 2.0 * elements * e + static_cast<double>(m.d_model) * e;
  w.write_bytes = 2.0 * elements * e;
  w.vector_ops = elements * (m.norm == NormKind::rmsnorm ? add_rmsnorm_ops_per_element : add_layernorm_ops_per_element);
  w.units = token_row_units(s);
  return Kernel{name, Op::norm, layer, kind, w};
}

// Inference engines launch one thread block per token for token-row kernels (vLLM's rms_norm and act_and_mul: a
// grid of num_tokens blocks), which spreads them over every core even for a few thousand tokens; a unit stands for
// 16 such blocks, enough units to fill the cores from 2K tokens up with 16x fewer for the simulator to replay.
double token_row_units(double rows) {
  constexpr double rows_per_unit = 16;
  return std::max(1.0, std::ceil(rows / rows_per_unit));
}
double token_row_units(const LayerShape& s) { return token_row_units(s.batch * static_cast<double>(s.query_tokens)); }

Kernel activation_kernel(double rows, double width, const LayerShape& s, std::int64_t layer, LayerKind kind) {
  const double outputs = rows * width;
  const double e = bytes_per_element(s.precision.activations);
  StreamWork w;
  w.read_bytes = 2.0 * outputs * e;
  w.write_bytes = outputs * e;
  w.vector_ops = outputs * swiglu_ops_per_element;
  w.units = token_row_units(rows);
  return Kernel{"activation", Op::activation, layer, kind, w};
}

namespace {
// H2O's bookkeeping (Zhang et al., "H2O: Heavy-Hitter Oracle", NeurIPS 2023, Alg. 1): every head adds the step's
// attention probabilities to its cached tokens' accumulated scores and finds the lowest to evict. A fused attention
// kernel does not keep probabilities, so it writes them (fp32); this kernel reads them and the scores, adds, writes
// the scores back and compares each for the minimum: 16 bytes and 2 operations per (head, cached token).
Kernel heavy_hitter_kernel(const TransformerModel& m, const LayerShape& s, std::int64_t layer, LayerKind kind) {
  const double entries = s.batch * static_cast<double>(m.n_heads * s.scored_tokens);
  StreamWork w;
  w.read_bytes = 2.0 * entries * tile_score_bytes;
  w.write_bytes = 2.0 * entries * tile_score_bytes;
  w.vector_ops = 2.0 * entries;
  w.units = s.batch * static_cast<double>(m.n_heads);
  return Kernel{"heavy_hitter_scores", Op::anchor_scoring, layer, kind, w};
}
}  // namespace

std::vector<Kernel> mlp_kernels(const TransformerModel& m, const LayerShape& s, std::int64_t layer, LayerKind kind) {
  return m.moe_layer(layer) ? moe_kernels(m, s, layer, kind) : dense_mlp_kernels(m, s, layer, kind);
}

std::uint64_t tensor_id(std::int64_t layer, LayerTensor tensor) {
  return (static_cast<std::uint64_t>(layer + 1) << 8 | static_cast<std::uint32_t>(tensor)) << 40;
}

std::vector<Kernel> layer_kernels(const TransformerModel& m, const LayerShape& s, std::int64_t layer, LayerKind kind,
                                  std::uint64_t anchor_seed) {
  const double tokens = s.batch * static_cast<double>(s.query_tokens);
  const TensorPrecisions& e = s.precision;
  const double d = static_cast<double>(m.d_model);
  const std::uint64_t x = tensor_id(layer, activations);
  std::vector<Kernel> out;
  out.reserve(16);
  out.push_back(norm_kernel(m, s, layer, kind, "attention_norm"));
  if (m.mla())
    for (Kernel& k : latent_projection_kernels(m, s, layer, kind)) out.push_back(std::move(k));
  else
    out.push_back(Kernel{"qkv_projection", Op::qkv_projection, layer, kind,
                         projection_gemm(tokens, d, static_cast<double>(m.q_width() + 2 * m.kv_width()), e, x,
                                         tensor_id(layer, w_qkv))});
  if (m.positional == Positional::rope) out.push_back(rope_kernel(m, s, layer, kind));
  const std::uint64_t kv_tensor = tensor_id(layer, kv);
  // Between re-selections (decode steps) an anchor that selects attends over its own last lists, as a reuse layer.
  const bool reused_anchor = kind == LayerKind::anchor && s.reuses_selection && s.pattern->selects_from_scores();
  const bool unfused =
      s.attention_kernel == AttentionKernel::materialized && kind != LayerKind::reuse && !reused_anchor;
  switch (unfused ? LayerKind::dense : kind) {
    case LayerKind::dense:
      if (unfused) {
        for (Kernel& k : materialized_attention(m, s, layer, kind)) out.push_back(std::move(k));
        if (kind == LayerKind::anchor && s.pattern->selects_from_scores()) {
          std::vector<Kernel> select = anchor_kernels(m, s, layer, kv_tensor);
          out.push_back(std::move(select.back()));
        }
      } else {
        out.push_back(Kernel{"attention", Op::attention, layer, kind, dense_attention(m, s, kv_tensor)});
      }
      break;
    case LayerKind::anchor:
      if (reused_anchor) {
        out.push_back(reuse_kernel(m, s, layer, kv_tensor, static_cast<std::uint64_t>(layer + 1)));
        out.back().layer_kind = LayerKind::anchor;
      } else if (!s.pattern->selects_from_scores()) {
        out.push_back(Kernel{"attention", Op::attention, layer, kind, dense_attention(m, s, kv_tensor)});
      } else if (s.anchor_scoring == AnchorScoring::tile_max) {
        for (Kernel& k : anchor_kernels(m, s, layer, kv_tensor)) out.push_back(std::move(k));
      } else {
        out.push_back(Kernel{"attention", Op::attention, layer, kind, dense_attention(m, s, kv_tensor)});
        out.push_back(pooled_scoring(m, s, layer));
        std::vector<Kernel> select = anchor_kernels(m, s, layer, kv_tensor);
        out.push_back(std::move(select.back()));
      }
      break;
    case LayerKind::reuse:
      if (s.pattern->estimator() && s.reuses_selection)  // its own lists, as its last selection wrote them
        out.push_back(reuse_kernel(m, s, layer, kv_tensor, static_cast<std::uint64_t>(layer + 1)));
      else if (s.pattern->estimator())
        for (Kernel& k : estimate_then_sparse_kernels(m, s, layer, kv_tensor)) out.push_back(std::move(k));
      else
        out.push_back(reuse_kernel(m, s, layer, kv_tensor, anchor_seed));
      if (s.progressive_quantization) {
        Kernel attention = std::move(out.back());
        out.pop_back();
        for (Kernel& k : progressive_fetch_kernels(std::move(attention), *s.progressive_quantization))
          out.push_back(std::move(k));
      }
      break;
  }
  if (s.scored_tokens > 0) out.push_back(heavy_hitter_kernel(m, s, layer, kind));
  if (m.mla() && latent_absorbed(s)) out.push_back(latent_value_kernel(m, s, layer, kind));
  out.push_back(Kernel{"o_projection", Op::o_projection, layer, kind,
                       projection_gemm(tokens, static_cast<double>(m.attention_out_width()), d, e,
                                       tensor_id(layer, attention_out), tensor_id(layer, w_o))});
  out.push_back(norm_kernel(m, s, layer, kind, "mlp_norm"));
  for (Kernel& k : mlp_kernels(m, s, layer, kind)) out.push_back(std::move(k));
  return out;
}

std::vector<Kernel> stack_kernels(const TransformerModel& m, const LayerShape& s, const LayerSchedule& schedule) {
  std::vector<Kernel> out;
  std::uint64_t anchor_seed = 0;
  for (std::int64_t layer = 0; layer < m.n_layers; ++layer) {
    const LayerKind kind =
        schedule.layers.empty() ? LayerKind::dense : schedule.layers[static_cast<std::size_t>(layer)];
    if (kind == LayerKind::anchor) anchor_seed = static_cast<std::uint64_t>(layer + 1);
    for (Kernel& k : layer_kernels(m, s, layer, kind, anchor_seed)) out.push_back(std::move(k));
  }
  return out;
}

std::vector<Kernel> model_kernels(const TransformerModel& m, const LayerShape& s, const LayerSchedule& schedule) {
  std::vector<Kernel> out = embedding_kernels(m, s);
  for (Kernel& k : stack_kernels(m, s, schedule)) out.push_back(std::move(k));
  for (Kernel& k : head_kernels(m, s)) out.push_back(std::move(k));
  return out;
}

}  // namespace cascadesim::models::dataflow
