// FLOPs and off-chip bytes of each operation of one transformer layer, prefill or decode, exact accounting.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "models/dataflow/pattern.hpp"
#include "models/hardware_spec.hpp"
#include "models/layer_schedule.hpp"
#include "models/tiles.hpp"
#include "models/transformer_model.hpp"
#include "models/workload.hpp"

namespace cascadesim::models {

namespace dataflow {
struct Kernel;
}

enum class Op : std::uint8_t {
  qkv_projection,
  attention,
  anchor_scoring,
  o_projection,
  mlp,
  norm,
  rope,
  activation,
  embedding,  // once per model, before the first layer
  lm_head,    // once per model, after the last
};
inline constexpr std::size_t op_count = 10;
std::string_view to_string(Op op);

// Elementwise work is counted in "vector FLOPs": one per arithmetic or compare operation.
// Online softmax per score: running max, subtract, exp, running sum, rescale (FlashAttention-2, Dao 2023, Alg. 1).
inline constexpr double softmax_ops_per_score = 5.0;
// SiLU(g) * u: exp, add, divide, multiply, multiply; tanh-GELU: about 8 operations per element.
inline constexpr double swiglu_ops_per_element = 5.0;
inline constexpr double gelu_ops_per_element = 8.0;
// Residual add (1) then RMSNorm: square and accumulate (2), scale by the reciprocal root (1), weight (1) (Zhang and
// Sennrich 2019, eq. 4); LayerNorm adds the mean's accumulate and subtract and the bias (Ba et al. 2016): 8.
inline constexpr double add_rmsnorm_ops_per_element = 5.0;
inline constexpr double add_layernorm_ops_per_element = 8.0;
// Rotary embedding: x * cos + rotate_half(x) * sin, two multiplies and an add per element of Q and K (Su et al.,
// RoFormer, 2021, eq. 34).
inline constexpr double rope_ops_per_element = 3.0;
inline constexpr double index_bytes = 4.0;       // int32 key-tile indices in the top-k lists
inline constexpr double tile_score_bytes = 4.0;  // fp32 per-tile scores an anchor writes for selection

struct OpCost {
  double matrix_flops = 0;  // on the matrix unit (2 per multiply-accumulate)
  double vector_flops = 0;  // on the vector / special-function unit
  double hbm_bytes = 0;     // off-chip traffic after on-chip reuse
  double kernels = 0;       // launches (fractional only for expected values)
  // What the kernels' families and implementations change in the time (analytical_cost; 0 for plain work): the
  // FLOPs their fitted time scales add (negative when faster than the units' own rates), the vector work that waits
  // for the matrix work instead of running beside it (fa2-style softmax), and per-unit fixed costs over the cores'
  // resident units.
  double family_matrix_flops = 0, family_vector_flops = 0;
  // The FLOPs at the matrix_dtype's peak that the kernels' own precisions add (negative where they run faster:
  // fp8 on an H100 halves its products' time), so that the roofline divides by one peak (analytical_cost).
  double precision_matrix_flops = 0;
  // The lane-equivalent FLOPs by which the vector unit's exponential pipe outlasts its lanes, which run beside it
  // (negative where the lanes take longer and the exponentials hide behind them), so that the roofline divides
  // the vector work by one peak as the component times it: max(lane ops / lanes, exps / exp rate).
  double special_function_flops = 0;
  double serial_vector_flops = 0;
  double fixed_s = 0;
  // What a kernel's work units leave idle (analytical_cost): the matrix and vector FLOPs the cores without a unit in
  // the last wave could have done while the busiest core finishes, and the HBM-equivalent bytes of the time by which
  // the busiest core's port outlasts the HBM (a kernel of few units moves its bytes at a few ports' rate).
  double wave_matrix_flops = 0, wave_vector_flops = 0;
  double port_excess_bytes = 0;
  // The time by which the busiest core's slots, each running its units' fixed costs and dependent steps one after
  // another, outlast those bounds (analytical_cost).
  double unit_chain_s = 0;
  // The counts the energy model prices (models/energy.hpp): of vector_flops the exponentials; the bytes the cores
  // move through the on-chip hierarchy (every tile load before any cache, a GEMM's panels as its tile shape streams
  // them) and of those the bytes written; the candidates selection kernels rank and, of vector_flops, their
  // compares; the DMA requests, at least one load and one store per work unit.
  double exps = 0;
  double moved_bytes = 0, written_bytes = 0;
  double select_candidates = 0, select_flops = 0;
  double requests = 0;
  double host_bytes = 0;  // K/V read from host memory over its link (not in hbm_bytes)

  OpCost& operator+=(const OpCost& o) {
    matrix_flops += o.matrix_flops;
    vector_flops += o.vector_flops;
    hbm_bytes += o.hbm_bytes;
    host_bytes += o.host_bytes;
    kernels += o.kernels;
    family_matrix_flops += o.family_matrix_flops;
    family_vector_flops += o.family_vector_flops;
    precision_matrix_flops += o.precision_matrix_flops;
    special_function_flops += o.special_function_flops;
    serial_vector_flops += o.serial_vector_flops;
    fixed_s += o.fixed_s;
    wave_matrix_flops += o.wave_matrix_flops;
    wave_vector_flops += o.wave_vector_flops;
    port_excess_bytes += o.port_excess_bytes;
    unit_chain_s += o.unit_chain_s;
    exps += o.exps;
    moved_bytes += o.moved_bytes;
    written_bytes += o.written_bytes;
    select_candidates += o.select_candidates;
    select_flops += o.select_flops;
    requests += o.requests;
    return *this;
  }
  double flops() const { return matrix_flops + vector_flops; }
};
inline OpCost operator*(double scale, const OpCost& c) {
  OpCost s;
  s += c;
  for (double* v : {&s.matrix_flops,
                    &s.vector_flops,
                    &s.hbm_bytes,
                    &s.host_bytes,
                    &s.kernels,
                    &s.family_matrix_flops,
                    &s.precision_matrix_flops,
                    &s.family_vector_flops,
                    &s.special_function_flops,
                    &s.serial_vector_flops,
                    &s.fixed_s,
                    &s.wave_matrix_flops,
                    &s.wave_vector_flops,
                    &s.port_excess_bytes,
                    &s.unit_chain_s,
                    &s.exps,
                    &s.moved_bytes,
                    &s.written_bytes,
                    &s.select_candidates,
                    &s.select_flops,
                    &s.requests})
    *v *= scale;
  return s;
}

struct LayerCost {
  std::array<OpCost, op_count> ops{};
  const OpCost& operator[](Op op) const { return ops[static_cast<std::size_t>(op)]; }
  OpCost& operator[](Op op) { return ops[static_cast<std::size_t>(op)]; }
  OpCost total() const;
  OpCost attention_part() const;  // attention + anchor_scoring: what Kascade changes
};

// The token shape of one layer invocation, with the workload's layer settings (top_k at most the key tiles).
struct LayerShape : LayerSettings {
  double batch = 1;               // may be fractional: an expected number of members (cascade compaction)
  std::int64_t query_tokens = 0;  // per sequence: S in prefill, 1 in decode
  std::int64_t key_tokens = 0;    // per sequence: S, or the KV-cache length in decode
  // The schedule's reuse layers (with the anchor each reads, layer + 1; 0 before any anchor) and anchor layers: a
  // pattern's counts may differ from layer to layer.
  std::vector<std::pair<std::int64_t, std::uint64_t>> reuse_layers;
  std::vector<std::int64_t> anchor_layers;
  // Decode steps (models/decode_steps.hpp): a step between re-selections, whose anchor and estimate-then-sparse
  // layers attend over the lists they selected last; the oldest K/V tiles of every layer held in host memory; H2O's
  // accumulated scores kept over this many cached tokens per head (0: no heavy-hitter bookkeeping).
  bool reuses_selection = false;
  std::int64_t host_key_tiles = 0;
  std::int64_t scored_tokens = 0;
};

LayerShape layer_shape(const Workload& w);
// The shape of a cascade stage: `tokens` per sequence (the query tokens too in prefill), `batch` sequences, top_k
// at most the stage's key tiles.
LayerShape stage_shape(const LayerShape& full, Phase phase, std::int64_t tokens, double batch);

// The pattern's tile space at one layer of a shape.
dataflow::PatternSpace pattern_space(const TransformerModel& m, const LayerShape& s, std::int64_t layer,
                                     std::uint64_t anchor_seed);
// Blocks a reuse layer visits over every head of one sequence, averaged over the shape's reuse layers (layer 0
// when it lists none).
double mean_reuse_blocks(const TransformerModel& m, const LayerShape& s);

// Tiling seen by one head: decode has a single query tile of one row.
TileGrid layer_tile_grid(const LayerShape& s);
std::int64_t executed_query_rows(const LayerShape& s);  // rows per query tile as the kernel computes them

// The analytical cost of one kernel of the dataflow: its FLOPs and launches as described (dataflow::kernel_cost),
// its off-chip bytes after the L2 reuse a roofline can see (K/V re-read by later query tiles and by the other
// heads of a GQA group come from HBM once while the heads in flight fit in L2).
OpCost analytical_cost(const dataflow::Kernel& kernel, const HardwareSpec& hw);
// The decode split choice's view of the machine (dataflow::kv_splits_for): its cores, a core's port and an L2 round
// trip. Both backends split with it.
dataflow::SplitMachine split_machine(const HardwareSpec& hw);

// One layer of the given kind: the analytical costs of the kernels the dataflow describes for it (the same list the
// simulator replays, decode split for hw's cores), summed per operation.
LayerCost layer_cost(const TransformerModel& model, const LayerShape& shape, LayerKind kind, const HardwareSpec& hw);

}  // namespace cascadesim::models
