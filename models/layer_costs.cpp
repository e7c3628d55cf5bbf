// Per-operation FLOPs and bytes of one transformer layer (exact accounting): the sum over the kernels the dataflow
// describes (models/dataflow/), which the simulator replays, with the L2 reuse a roofline can see.
#include "models/layer_costs.hpp"

#include "models/dataflow/gemm_tiles.hpp"
#include "models/dataflow/layer.hpp"
#include "models/roofline.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

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
    case Op::norm:
      return "norm";
    case Op::rope:
      return "rope";
    case Op::activation:
      return "activation";
    case Op::embedding:
      return "embedding";
    case Op::lm_head:
      return "lm_head";
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
  static_cast<LayerSettings&>(s) = w;
  s.batch = static_cast<double>(w.batch);
  s.query_tokens = w.phase == Phase::prefill ? w.seq_len : 1;
  s.key_tokens = w.seq_len;
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
  return dataflow::PatternSpace{m.n_heads, m.n_kv_heads, g.query_tiles, g.key_tiles,  m.causal,
                                s.top_k,   layer,        anchor_seed,   s.tile_tokens};
}

double mean_reuse_blocks(const TransformerModel& m, const LayerShape& s) {
  if (s.reuse_layers.empty() || s.pattern->same_costs_every_layer())
    return s.pattern->visited_blocks(pattern_space(m, s, 0, 0));
  double sum = 0;
  for (const auto& [layer, seed] : s.reuse_layers) sum += s.pattern->visited_blocks(pattern_space(m, s, layer, seed));
  return sum / static_cast<double>(s.reuse_layers.size());
}

TileGrid layer_tile_grid(const LayerShape& s) { return tile_grid(s.query_tokens, s.key_tokens, s.tile_tokens); }

std::int64_t executed_query_rows(const LayerShape& s) { return std::min(s.query_tokens, s.tile_tokens); }

namespace {

// Whether K/V tiles re-read by later query tiles (and by the other query heads of a GQA group) hit in L2.
// Prefill work units are (query tile, head, batch) with query tiles fastest, as FlashAttention-2 launches its
// grid, so the units in flight span ceil(cores / query_tiles) heads, each re-reading its whole K/V.
// In decode the heads of a group run side by side and stream the same K/V at the same pace.
bool kv_reused_in_l2(const dataflow::AttentionWork& w, const HardwareSpec& hw) {
  if (hw.l2_bytes <= 0) return false;
  if (w.rows == 1) return true;
  const std::int64_t group = w.heads / w.kv_heads;
  const std::int64_t q_heads = std::clamp<std::int64_t>((hw.cores + w.query_tiles - 1) / w.query_tiles, 1, w.heads);
  const std::int64_t kv_heads = (q_heads + group - 1) / group;
  const double working_set = static_cast<double>(kv_heads) * w.key_bytes_per_kv_head();
  return working_set <= hw.l2_bytes;
}

// The vector unit times its lanes and its exponential pipe side by side (hw/compute/impl/simd_vector_unit.cpp:
// max(lane ops / lanes, exps / exp rate)); as lane-equivalent FLOPs beside vector_flops, which count both. Where
// exponentials are one in five of a softmax's operations and the pipe runs at 1/16 of the lanes (an H100 SM), they
// set the time: FlashAttention-3's reason to overlap them with the matrix work (Shah et al. 2024, §3).
void add_special_function_terms(const HardwareSpec& hw, OpCost& c) {
  if (hw.vector_exps_per_cycle <= 0 || c.exps <= 0) return;
  const double lane_flops = c.vector_flops - c.exps;
  const double exp_flops = c.exps * hw.vector_flops_per_cycle / hw.vector_exps_per_cycle;
  c.special_function_flops = std::max(lane_flops, exp_flops) - c.vector_flops;
}

// The kernel's family figures in closed form (the engine's, sim/engine/engine.cpp): time scales on its matrix and
// vector work (with the family's own analytical efficiency) and the kernel's own fixed cost.
void add_family_terms(const dataflow::Kernel& kernel, const HardwareSpec& hw, OpCost& c) {
  const KernelFamilyFigures& f = hw.kernel_families[dataflow::kernel_family(kernel)];
  // The roofline divides every matrix FLOP by the machine's matrix_efficiency; a family's own takes its place.
  const double efficiency_scale =
      f.analytical_matrix_efficiency > 0 ? hw.matrix_efficiency / f.analytical_matrix_efficiency : 1.0;
  c.family_matrix_flops = (f.matrix_time_scale * efficiency_scale - 1.0) * (c.matrix_flops + c.precision_matrix_flops);
  c.family_vector_flops = (f.vector_time_scale - 1.0) * (c.vector_flops + c.special_function_flops);
  c.fixed_s = c.kernels * f.kernel_fixed_us * 1e-6;
}

// A unit's compute on its core, as the engine chains a block's matrix work and softmax: a serial kernel's softmax
// starts once (1 - softmax_overlap) of the block's matrix work is done and the next block waits for it; an overlapped
// kernel's matrix and vector units each stream their own chain. Totals over the kernel, as roofline times.
struct ComputeChain {
  double unit_s = 0;        // one unit alone on its core, summed over the kernel's units
  double throughput_s = 0;  // with `in_flight` units sharing each core's matrix and vector units
};
ComputeChain compute_chain(const dataflow::Kernel& kernel, const HardwareSpec& hw, const RooflineTime& t,
                           double in_flight) {
  const auto* a = std::get_if<dataflow::AttentionWork>(&kernel.work);
  const dataflow::AttentionImplementation* impl = a ? &dataflow::attention_implementation(a->implementation) : nullptr;
  // The machine's own dataflow ("tiled") keeps the plain roofline's overlap here, though the engine chains its
  // softmax after its matrix work: not yet aligned (the default study's and the accelerator presets' figures move).
  const bool serial = impl && impl->runs_as_thread_blocks() && impl->overlap == dataflow::SoftmaxOverlap::serial;
  const double overlap = hw.kernel_families[dataflow::kernel_family(kernel)].softmax_overlap;
  const double unit_s =
      serial ? std::max(t.matrix_s, (1.0 - overlap) * t.matrix_s + t.vector_s) : std::max(t.matrix_s, t.vector_s);
  return {unit_s, std::max({t.matrix_s, t.vector_s, unit_s / in_flight})};
}

// An attention unit's steps, one key tile each, depend on one another (the online softmax carries over): each
// computes its own chain for the kernel's mean tile, or its share of the core where the units in flight keep the
// core busy, loads its tile through the core's port, and with `stages` tiles in flight waits for a load issued that
// many steps earlier (the engine's ring of K/V buffers).
double attention_step_s(const dataflow::AttentionWork& a, const HardwareSpec& hw, const OpCost& c,
                        const ComputeChain& per_unit, double in_flight, double tiles) {
  const double per_tile = static_cast<double>(hw.cores) / tiles;
  const double compute_step_s = std::max(per_unit.unit_s, in_flight * per_unit.throughput_s) * per_tile;
  const double port_step_s =
      hw.core_port_bandwidth_GBps > 0 ? c.moved_bytes / tiles / (hw.core_port_bandwidth_GBps * 1e9) : 0.0;
  const std::int64_t declared = dataflow::attention_implementation(a.implementation).figures(a.head_dim).kv_stages;
  const auto stages = static_cast<double>(
      declared > 0 ? declared
                   : std::max<std::int64_t>(
                         1, dataflow::pipeline_stages(a, hw.sram_per_core_bytes, dataflow::default_pipeline_stages)));
  const double round_trip_s = hw.load_latency_ns * 1e-9 + port_step_s + per_unit.unit_s * per_tile;
  return std::max({compute_step_s, port_step_s, round_trip_s / stages});
}

// The engine hands each unit to whichever resident slot frees first, in its order (key splits fastest, then query
// tiles, head groups, sequences), so a causal kernel ends with its last head group's longest units. Greedy list
// scheduling ends within one unit of the mean load (Graham 1969), near that bound when the longest units come last:
// the units before the last wave spread evenly over every core's slots, then each slot takes one unit of the last
// wave, and the kernel ends with the longest of them. Following the greedy schedule over the last two waves fitted the
// H100's held-out kernel times a little better (7.2% against 8.5% median) and their speedups worse (17.0% against
// 14.0%), at 30k against 58k evaluations per second (docs/speed.md).
double attention_slots_s(const dataflow::AttentionWork& a, double slots, double tiles, double unit_fixed_s,
                         double step_s) {
  const auto all_units = static_cast<std::int64_t>(a.units());
  const std::int64_t last_wave = std::min(all_units, static_cast<std::int64_t>(slots));
  // The last wave's place in the engine's order (unit_place), then counters stepped in that order: no division per
  // unit on this path, which every predicted attention kernel takes.
  const std::int64_t first = all_units - last_wave;
  dataflow::AttentionWork::UnitPlace at = a.unit_place(first);
  std::int64_t listed = a.unit_tile_count(at.group, at.q);
  double last_wave_steps = 0, longest_steps = 0;
  for (std::int64_t u = first; u < all_units; ++u) {
    const auto [lo, hi] = a.split_range(listed, at.split);
    const auto steps = static_cast<double>(hi - lo);
    last_wave_steps += steps;
    longest_steps = std::max(longest_steps, steps);
    if (++at.split < a.kv_splits) continue;
    at.split = 0;
    if (++at.q == a.query_tiles) {
      at.q = 0;
      if (++at.group == a.head_groups()) at.group = 0;
    }
    listed = a.unit_tile_count(at.group, at.q);
  }
  const double before_s =
      (std::max(0.0, tiles - last_wave_steps) * step_s + static_cast<double>(first) * unit_fixed_s) / slots;
  return before_s + unit_fixed_s + longest_steps * step_s;
}

// The busiest core's share of the kernel in closed form, as the engine hands units to the cores in turn: it runs
// ceil(units / cores) of them, so a last partial wave leaves the other cores idle for as long, and its bytes pass
// its own port. Both are written as the aggregate work that takes that long (wave_*_flops, port_excess_bytes).
// Then latency: each of the core's resident slots runs its units one after another, each its family's fixed cost
// (block start, prologue, epilogue) and its own dependent steps; the kernel lasts as long as its busiest slot where
// that outlasts the throughput bounds (unit_chain_s).
void add_occupancy_terms(const dataflow::Kernel& kernel, const HardwareSpec& hw, OpCost& c) {
  const double units = dataflow::work_units(kernel);
  const double busiest = std::ceil(units / static_cast<double>(std::max<std::int64_t>(hw.cores, 1)));
  const double idle = busiest * static_cast<double>(hw.cores) / units - 1.0;
  c.wave_matrix_flops = idle * (c.matrix_flops + c.precision_matrix_flops + c.family_matrix_flops);
  c.wave_vector_flops = idle * (c.vector_flops + c.special_function_flops + c.family_vector_flops);
  const double port_s =
      hw.core_port_bandwidth_GBps > 0 ? busiest * (c.moved_bytes / units) / (hw.core_port_bandwidth_GBps * 1e9) : 0.0;
  c.port_excess_bytes = std::max(0.0, port_s * hw.hbm_bandwidth_GBps * 1e9 - c.hbm_bytes);

  const KernelFamilyFigures& f = hw.kernel_families[dataflow::kernel_family(kernel)];
  const auto* a = std::get_if<dataflow::AttentionWork>(&kernel.work);
  const double in_flight = a ? static_cast<double>(dataflow::units_in_flight(*a, hw.core_limits())) : 1.0;
  const double rounds = std::ceil(busiest / in_flight);
  // The compute bound: the matrix or vector unit, or a serial kernel's chains where its units in flight cannot keep
  // the matrix unit busy through their softmax; the part beyond both units is the serial vector time.
  const RooflineTime parallel = roofline_time(c, hw);
  const ComputeChain chain = compute_chain(kernel, hw, parallel, in_flight);
  if (chain.throughput_s > std::max(parallel.matrix_s, parallel.vector_s))
    c.serial_vector_flops = (chain.throughput_s - parallel.matrix_s) * hw.peak_vector_TFLOPs() * 1e12;
  const RooflineTime busy = roofline_time(c, hw);
  const double compute_s = std::max(busy.matrix_s + busy.serial_s, busy.vector_s);
  // Other kernels: one unit a round (in_flight 1), computing at the core's rate or loading through its port, after
  // its dependent L2 reads.
  const auto* stream = std::get_if<dataflow::StreamWork>(&kernel.work);
  const double dependent_s = stream ? stream->dependent_l2_reads * hw.l2_hit_latency_ns * 1e-9 : 0.0;
  double slot_s = rounds * (f.unit_fixed_ns * 1e-9 + dependent_s) + std::max(compute_s, port_s);
  const double tiles = a ? a->batch * a->loaded_blocks() : 0.0;
  if (tiles > 0 && a->query_tiles > 0) {
    const ComputeChain per_unit{chain.unit_s / (1.0 + idle), chain.throughput_s / (1.0 + idle)};
    const double step_s = attention_step_s(*a, hw, c, per_unit, in_flight, tiles);
    slot_s = attention_slots_s(*a, static_cast<double>(hw.cores) * in_flight, tiles, f.unit_fixed_ns * 1e-9, step_s);
  }
  c.unit_chain_s = std::max(0.0, slot_s - std::max(compute_s, busy.memory_s));
}

// With L2 reuse each K/V head's tiles come from HBM once per query tile, at most its whole cache.
void add_l2_reuse(const dataflow::AttentionWork& w, OpCost& c) {
  const double streamed = w.batch * w.loaded_blocks() * w.kv_tile_bytes();
  const double group = static_cast<double>(w.heads / w.kv_heads);
  double union_blocks = w.visited_blocks() / group;
  // A unit that packs a group's heads (decode) loads their union; in prefill each head's unit loads its own list
  // and this bound still assumes the group shares them (docs/patterns.md, Not modelled yet).
  if (w.pattern && w.heads_per_unit == w.heads / w.kv_heads) union_blocks = w.loaded_blocks();
  const double once_per_kv_head = w.batch * union_blocks * w.kv_tile_bytes();
  const double compulsory = w.batch * static_cast<double>(w.kv_heads) * w.key_bytes_per_kv_head();
  c.hbm_bytes += std::min(once_per_kv_head, compulsory) - streamed;
}

// The GEMM tile heuristic's view of the machine in closed form: a tile's MACs at one core's peak for its precision.
dataflow::GemmTileMachine gemm_tile_machine(const HardwareSpec& hw) {
  return {hw.cores, hw.core_port_bandwidth_GBps, hw.l2_bandwidth_GBps, hw.hbm_bandwidth_GBps,
          [&hw](const dataflow::GemmWork& g) {
            return g.tile_m * g.tile_n * g.k * hw.matrix_time_ratio(g.compute_precision()) /
                   (hw.matrix_macs_per_cycle * hw.clock_GHz);
          }};
}

OpCost tiled_analytical_cost(const dataflow::Kernel& kernel, const HardwareSpec& hw) {
  OpCost c = dataflow::kernel_cost(kernel);
  // Each share of the matrix FLOPs at its precision's rate (the engine's gemm_cycles scale alike).
  double at_dtype_peak = 0;
  for (const dataflow::MatrixShare& m : dataflow::matrix_shares(kernel))
    if (m.share > 0) at_dtype_peak += m.share * c.matrix_flops * hw.matrix_time_ratio(m.precision);
  if (at_dtype_peak > 0) c.precision_matrix_flops = at_dtype_peak - c.matrix_flops;
  add_special_function_terms(hw, c);
  add_family_terms(kernel, hw, c);
  const auto* a = std::get_if<dataflow::AttentionWork>(&kernel.work);
  if (a && kv_reused_in_l2(*a, hw)) add_l2_reuse(*a, c);
  add_occupancy_terms(kernel, hw, c);
  return c;
}

}  // namespace

dataflow::SplitMachine split_machine(const HardwareSpec& hw) {
  return {hw.cores, hw.core_port_bandwidth_GBps, hw.l2_hit_latency_ns};
}

OpCost analytical_cost(const dataflow::Kernel& kernel, const HardwareSpec& hw) {
  const auto* g = std::get_if<dataflow::GemmWork>(&kernel.work);
  if (!g || hw.matrix_macs_per_cycle <= 0) return tiled_analytical_cost(kernel, hw);
  // The tile shape the simulator runs it with (the engine chooses alike), which sets its waves and port bytes.
  dataflow::Kernel tiled = kernel;
  tiled.work = dataflow::choose_gemm_tiles(*g, gemm_tile_machine(hw));
  return tiled_analytical_cost(tiled, hw);
}

LayerCost layer_cost(const TransformerModel& m, const LayerShape& s, LayerKind kind, const HardwareSpec& hw) {
  // The layers of this kind, with the anchor each reads: patterns may differ from layer to layer, so the attention
  // kernels are averaged over them (n layers cost n times the mean exactly, a layer's cost being linear in its
  // kernels); the projections and the MLP are the same in every layer.
  std::vector<std::pair<std::int64_t, std::uint64_t>> layers;
  if (kind == LayerKind::reuse) layers = s.reuse_layers;
  if (kind == LayerKind::anchor)
    for (std::int64_t layer : s.anchor_layers) layers.emplace_back(layer, static_cast<std::uint64_t>(layer + 1));
  if (layers.empty()) layers.emplace_back(0, kind == LayerKind::anchor ? 1 : 0);
  // Which tiles a list names decides how many come from host memory: then every layer counts.
  if (s.pattern->same_costs_every_layer() && s.host_key_tiles == 0) layers.resize(1);
  const double share = 1.0 / static_cast<double>(layers.size());
  auto per_layer = [](const dataflow::Kernel& k) { return k.op == Op::attention || k.op == Op::anchor_scoring; };

  LayerCost cost;
  auto add = [&](const dataflow::Kernel& k) {
    cost[k.op] += per_layer(k) ? share * analytical_cost(k, hw) : analytical_cost(k, hw);
  };
  auto mlp = [](const dataflow::Kernel& k) { return k.op == Op::mlp || k.op == Op::activation; };
  std::vector<dataflow::Kernel> kernels = dataflow::layer_kernels(m, s, layers[0].first, kind, layers[0].second);
  const dataflow::SplitMachine machine = split_machine(hw);
  for (dataflow::Kernel& k : kernels)
    if (!mlp(k)) dataflow::for_each_split(k, machine, add);
  // The MLP, averaged over every layer of the model whatever its kind: a MoE model's first dense_mlp_layers keep
  // the dense MLP, and n layers of any mix of kinds then cost the whole stack's MLPs exactly.
  const double dense_mlp_share =
      m.moe() ? static_cast<double>(m.dense_mlp_layers) / static_cast<double>(m.n_layers) : 1.0;
  auto add_mlp = [&](std::int64_t layer, double weight) {
    if (weight > 0)
      for (const dataflow::Kernel& k : dataflow::mlp_kernels(m, s, layer, kind))
        cost[k.op] += weight * analytical_cost(k, hw);
  };
  add_mlp(0, dense_mlp_share);
  add_mlp(m.dense_mlp_layers, 1.0 - dense_mlp_share);
  // The other layers' attention: the same kernels reading their own layer's lists.
  for (std::size_t i = 1; i < layers.size(); ++i)
    for (dataflow::Kernel& k : kernels)
      if (per_layer(k)) {
        dataflow::move_to_layer(k, layers[i].first, layers[i].second);
        dataflow::for_each_split(k, machine, add);
      }
  return cost;
}

}  // namespace cascadesim::models
